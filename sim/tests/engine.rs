//! The engine's behaviour on small models: locks, time, events, failures, strategies,
//! determinism and replay.

use proptest::prelude::*;
use raceway_sim::strategy::{Pct, Random, Replay, Script, ScriptStep, Seeds};
use raceway_sim::{
    search::first_violation, Check, Event, Footprint, Invariant, Kind, Model, Runner, Schedule,
    Simulation, Spawner,
};
use std::time::Duration;

/// A model from plain functions, so each test states its system in a few lines.
struct Fns<S: 'static> {
    init: fn() -> S,
    workload: fn(&mut Spawner<'_, S>),
    invariants: Vec<Invariant<S>>,
}

impl<S: 'static> Model for Fns<S> {
    type State = S;
    fn init(&self) -> S {
        (self.init)()
    }
    fn workload(&self, sp: &mut Spawner<'_, S>) {
        (self.workload)(sp)
    }
    fn invariants(&self) -> &[Invariant<S>] {
        &self.invariants
    }
}

const X: &str = "x";

/// Two read-modify-write increments of a counter, optionally under a mutex.
fn counter(locked: bool) -> Runner<Fns<(u32, bool)>> {
    fn no_lost_update(s: &(u32, bool)) -> Check {
        match s.0 {
            2 => Ok(()),
            n => Err(format!("counter is {n} after two increments")),
        }
    }
    let workload: fn(&mut Spawner<'_, (u32, bool)>) = |sp| {
        let mu = sp.mutex("mu");
        for name in ["a", "b"] {
            sp.spawn(name, move |cx| async move {
                let locked = cx.ghost(|s| s.1);
                let _guard = if locked {
                    Some(cx.lock(mu).await)
                } else {
                    None
                };
                let v = cx.step("read x", Footprint::read(X), |s| s.0).await;
                cx.step("write x", Footprint::write(X), |s| s.0 = v + 1)
                    .await;
            });
        }
    };
    Runner::new(Fns {
        init: if locked { || (0, true) } else { || (0, false) },
        workload,
        invariants: vec![Invariant::convergence("no-lost-update", no_lost_update)],
    })
}

#[test]
fn a_mutex_excludes_and_its_absence_is_found() {
    let mut racy = counter(false);
    let found = first_violation(&mut racy, &mut Seeds::random(0..100))
        .unwrap()
        .expect("lost update");
    assert_eq!(found.violation.invariant, "no-lost-update");
    let mut locked = counter(true);
    assert_eq!(
        first_violation(&mut locked, &mut Seeds::random(0..500)).unwrap(),
        None
    );
    assert_eq!(
        first_violation(&mut locked, &mut Seeds::pct(0..500, 3, 8)).unwrap(),
        None
    );
}

#[test]
fn pct_finds_the_lost_update_too() {
    let mut racy = counter(false);
    assert!(first_violation(&mut racy, &mut Seeds::pct(0..50, 2, 6))
        .unwrap()
        .is_some());
}

#[test]
fn the_same_seed_gives_the_same_trace() {
    let mut a = counter(false);
    let mut b = counter(false);
    for seed in 0..50 {
        a.run(&mut Random::new(seed), true).unwrap();
        b.run(&mut Random::new(seed), true).unwrap();
        assert_eq!(a.trace(), b.trace());
        // A recording run and a sweep run make the same choices.
        let verdict = b.run(&mut Random::new(seed), false).unwrap();
        assert_eq!(verdict.violation, a.trace().violation);
        assert_eq!(b.schedule(), &a.trace().schedule);
    }
}

/// A writer that sleeps, a reader that polls with timeouts on an event, and a fault pick.
fn timed() -> Runner<Fns<Vec<(&'static str, u64)>>> {
    Runner::new(Fns {
        init: Vec::new,
        workload: |sp| {
            let written = sp.event("written");
            sp.spawn("writer", move |cx| async move {
                cx.sleep(Duration::from_secs(5)).await;
                let fails = cx.decide("write fails").await;
                let now = cx.now().since_start().as_secs();
                cx.step("write", Footprint::write(X), move |s| {
                    s.push((if fails { "failed" } else { "written" }, now))
                })
                .await;
                cx.notify(written);
            });
            sp.spawn("reader", move |cx| async move {
                let first = cx.wait_timeout(written, Duration::from_secs(2)).await;
                let second = cx.wait_timeout(written, Duration::from_secs(10)).await;
                let now = cx.now().since_start().as_secs();
                cx.step("observe", Footprint::read(X), move |s| {
                    s.push((if first { "early" } else { "timed out" }, now));
                    s.push((if second { "notified" } else { "timed out" }, now));
                })
                .await;
            });
        },
        invariants: vec![],
    })
}

#[test]
fn virtual_time_orders_sleeps_and_timeouts() {
    let mut sim = timed();
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..20 {
        sim.run(&mut Random::new(seed), true).unwrap();
        let labels: Vec<String> = sim
            .trace()
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Step { label, time, .. } => Some(format!("{label}@{time}")),
                _ => None,
            })
            .collect();
        assert_eq!(
            labels,
            [
                "wait(written) → timed out@2s",
                "sleep(5s)@5s",
                "write@5s",
                "wait(written) → notified@5s",
                "observe@5s"
            ]
        );
        seen.insert(sim.schedule().choices().to_vec());
    }
    // The fault pick is a recorded choice: both outcomes occur and are replayable.
    assert!(
        seen.contains(&vec![0]) && seen.contains(&vec![1]),
        "{seen:?}"
    );
    let mut replayed = timed();
    replayed
        .run(&mut Replay::new(Schedule::from_choices(vec![1])), true)
        .unwrap();
    assert!(replayed.trace().render().contains("? write fails: 1 of 2"));
}

#[test]
fn deadlock_is_a_violation_naming_the_waits() {
    let mut sim = Runner::new(Fns {
        init: || (),
        workload: |sp| {
            let (m1, m2) = (sp.mutex("m1"), sp.mutex("m2"));
            sp.spawn("a", move |cx| async move {
                let _g1 = cx.lock(m1).await;
                let _g2 = cx.lock(m2).await;
            });
            sp.spawn("b", move |cx| async move {
                let _g2 = cx.lock(m2).await;
                let _g1 = cx.lock(m1).await;
            });
        },
        invariants: vec![],
    });
    let found = first_violation(&mut sim, &mut Seeds::random(0..100))
        .unwrap()
        .expect("deadlock");
    assert_eq!(found.violation.kind, Kind::Deadlock);
    assert!(
        found
            .violation
            .message
            .contains("a waits for lock(m2) held by b"),
        "{}",
        found.violation.message
    );
}

#[test]
fn a_panicking_task_is_a_violation_not_a_crash() {
    let mut sim = Runner::new(Fns {
        init: || 0u32,
        workload: |sp| {
            sp.spawn("strict", |cx| async move {
                let v = cx.step("get", Footprint::read(X), |s| *s).await;
                if v == 0 {
                    panic!("Del: key not in gen0");
                }
            });
        },
        invariants: vec![],
    });
    let verdict = sim.run(&mut Random::new(0), true).unwrap();
    let v = verdict.violation.expect("panic");
    assert_eq!(v.kind, Kind::Panic);
    assert_eq!(v.message, "task `strict` panicked: Del: key not in gen0");
    // The runner is reusable after a panic.
    assert!(sim
        .run(&mut Random::new(1), false)
        .unwrap()
        .violation
        .is_some());
}

#[test]
fn a_run_that_never_ends_is_a_livelock() {
    let mut sim = Runner::new(Fns {
        init: || 0u64,
        workload: |sp| {
            sp.spawn("spinner", |cx| async move {
                loop {
                    cx.step("spin", Footprint::write(X), |s| *s += 1).await;
                }
            });
        },
        invariants: vec![],
    })
    .with_max_steps(100);
    let v = sim
        .run(&mut Random::new(0), false)
        .unwrap()
        .violation
        .unwrap();
    assert_eq!((v.kind, v.step), (Kind::Livelock, 100));
}

#[test]
fn awaiting_a_foreign_future_is_reported() {
    let mut sim = Runner::new(Fns {
        init: || (),
        workload: |sp| {
            sp.spawn("stray", |_cx| async move {
                std::future::pending::<()>().await;
            });
        },
        invariants: vec![],
    });
    let v = sim
        .run(&mut Random::new(0), false)
        .unwrap()
        .violation
        .unwrap();
    assert!(v.message.contains("not raceway's"), "{}", v.message);
}

#[test]
fn safety_is_checked_after_every_step() {
    fn never_two(s: &u32) -> Check {
        if *s == 2 {
            Err("x reached 2".into())
        } else {
            Ok(())
        }
    }
    let mut sim = Runner::new(Fns {
        init: || 0u32,
        workload: |sp| {
            sp.spawn("t", |cx| async move {
                for _ in 0..3 {
                    cx.step("inc", Footprint::write(X), |s| *s += 1).await;
                }
            });
        },
        invariants: vec![Invariant::safety("never-two", never_two)],
    });
    let v = sim
        .run(&mut Random::new(0), false)
        .unwrap()
        .violation
        .unwrap();
    assert_eq!((v.invariant.as_ref(), v.step), ("never-two", 2));
}

#[test]
fn schedules_that_do_not_fit_are_divergences() {
    let mut sim = counter(false);
    sim.run(&mut Random::new(3), false).unwrap();
    let mut choices = sim.schedule().choices().to_vec();
    choices.push(0);
    let err = sim
        .run(&mut Replay::new(Schedule::from_choices(choices)), false)
        .unwrap_err();
    assert!(err.0.contains("unused"), "{err}");
    let err = sim
        .run(&mut Replay::new(Schedule::from_choices(vec![7])), false)
        .unwrap_err();
    assert!(err.0.contains("offers only 2"), "{err}");
    let err = sim
        .run(&mut Script::new(vec![ScriptStep::Task("c")]), false)
        .unwrap_err();
    assert!(err.0.contains("task `c` cannot step"), "{err}");
}

#[test]
fn script_follows_names_then_runs_in_order() {
    let mut sim = counter(false);
    let script = vec![
        ScriptStep::Task("a"),
        ScriptStep::Task("b"),
        ScriptStep::Task("a"),
    ];
    let verdict = sim.run(&mut Script::new(script), true).unwrap();
    assert_eq!(
        sim.trace().step_labels(),
        [
            ("a", "read x"),
            ("b", "read x"),
            ("a", "write x"),
            ("b", "write x")
        ]
    );
    assert_eq!(verdict.violation.unwrap().invariant, "no-lost-update");
}

proptest! {
    #[test]
    fn replaying_a_recorded_schedule_gives_the_same_trace(seed in any::<u64>(), pct in any::<bool>()) {
        let mut timed = timed();
        let mut racy = counter(false);
        for sim in [&mut timed as &mut dyn Simulation, &mut racy] {
            if pct {
                sim.run(&mut Pct::new(seed, 3, 6), true).unwrap();
            } else {
                sim.run(&mut Random::new(seed), true).unwrap();
            }
            let recorded = sim.trace().clone();
            let decoded: Schedule = recorded.schedule.encode().parse().unwrap();
            sim.run(&mut Replay::new(decoded), true).unwrap();
            prop_assert_eq!(sim.trace(), &recorded);
        }
    }
}

#[test]
fn drive_runs_each_seed_once_in_order_until_told_to_stop() {
    use raceway_sim::drive::drive;
    use std::ops::ControlFlow;
    let mut sim = counter(false);
    let mut seen = Vec::new();
    let driven = drive(&mut sim, &mut Seeds::random(10..15), false, |run| {
        seen.push(run.seed.unwrap());
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(seen, [10, 11, 12, 13, 14]);
    assert!(driven.complete);
    assert_eq!((driven.runs, driven.pruned), (5, 0));
    let driven = drive(&mut sim, &mut Seeds::random(10..15), false, |run| {
        if run.seed == Some(11) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap();
    assert_eq!((driven.runs, driven.complete), (2, false));
}

#[test]
fn an_exploration_shows_every_run_but_the_pruned_ones() {
    use raceway_sim::drive::drive;
    use raceway_sim::strategy::Dfs;
    use std::ops::ControlFlow;
    let mut sim = counter(false);
    let mut shown = 0;
    let driven = drive(&mut sim, &mut Dfs::new(true, None), false, |run| {
        assert!(!run.verdict.pruned);
        shown += 1;
        ControlFlow::Continue(())
    })
    .unwrap();
    assert!(driven.complete);
    assert_eq!(shown, driven.runs);
    let explored = raceway_sim::explore::explore(&mut sim, &Default::default()).unwrap();
    let all = raceway_sim::explore::Options {
        all: true,
        ..Default::default()
    };
    let explored_all = raceway_sim::explore::explore(&mut sim, &all).unwrap();
    assert!(explored.schedules <= driven.runs);
    assert_eq!(
        (explored_all.schedules, explored_all.pruned),
        (driven.runs, driven.pruned)
    );
}
