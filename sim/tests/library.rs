//! The library's modelling features: each assertion its own violation, spawning as a step,
//! a task that ends the run.

mod common;

use common::lost_update;
use raceway_sim::explore::{explore, Options};
use raceway_sim::strategy::Replay;
use raceway_sim::{check, Footprint, Invariant, Kind, Race, Runner, Schedule, Search, Simulation};

fn explore_all<S: 'static>(race: Race<S>) -> raceway_sim::explore::Exploration {
    let options = Options {
        all: true,
        ..Options::default()
    };
    explore(&mut Runner::new(race), &options).unwrap()
}

/// Each task sets its flag, then asserts it did not see the other's: whoever reads second
/// fails, at its own `assert!`.
#[test]
fn two_distinct_asserts_are_two_violations() {
    let race = Race::new(|| (false, false))
        .task("a", |cx| async move {
            cx.step("set x", Footprint::write("x"), |s| s.0 = true)
                .await;
            let y = cx.step("read y", Footprint::read("y"), |s| s.1).await;
            assert!(!y, "a saw y");
        })
        .task("b", |cx| async move {
            cx.step("set y", Footprint::write("y"), |s| s.1 = true)
                .await;
            let x = cx.step("read x", Footprint::read("x"), |s| s.0).await;
            assert!(!x, "b saw x");
        });
    let found = explore_all(race);
    assert!(found.complete);
    let names: Vec<&str> = found
        .violations
        .iter()
        .map(|d| &*d.violation.invariant)
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    for (name, d) in names.iter().zip(&found.violations) {
        assert_eq!(d.violation.kind, Kind::Panic);
        assert!(
            name.starts_with(&format!("panic at {}:", file!())),
            "{name}"
        );
    }
    assert_ne!(names[0], names[1]);
}

#[test]
fn spawning_as_a_step_lets_others_run_before_the_child_exists() {
    let model = |as_step: bool| {
        Race::new(|| 0u32)
            .task("main", move |cx| async move {
                cx.step("init", Footprint::write("x"), |x| *x = 1).await;
                let child = |cx: raceway_sim::Cx<u32>| async move {
                    cx.step("child", Footprint::read("x"), |x| *x).await;
                };
                if as_step {
                    cx.spawn_step("child", child).await;
                } else {
                    cx.spawn("child", child);
                }
            })
            .task("other", |cx| async move {
                cx.step("other", Footprint::read("y"), |_| ()).await;
            })
    };
    let every = |race| {
        let options = Options {
            reduction: false,
            ..Options::default()
        };
        explore(&mut Runner::new(race), &options).unwrap().schedules
    };
    // main: init, spawn; child: its step; other: its step. Without the spawn step, `other`
    // has three places among main's and child's two steps; with it, four among three.
    assert_eq!(every(model(false)), 3);
    assert_eq!(every(model(true)), 4);

    let mut sim = Runner::new(model(true));
    let main_first: Schedule = "rw1.AAA".parse().unwrap();
    sim.run(&mut Replay::new(main_first), true).unwrap();
    let labels: Vec<_> = sim.trace().step_labels();
    assert_eq!(
        labels,
        [
            ("main", "init"),
            ("main", "spawn(child)"),
            ("other", "other"),
            ("child", "child"),
        ]
    );
}

/// `main` spawns a worker and exits: the worker's write is lost whenever main exits first.
fn exits_early() -> Race<(bool, bool)> {
    Race::new(|| (false, false))
        .mutex("mu")
        .task("main", |cx| async move {
            let mu = cx.mutex("mu");
            let _held = cx.lock(mu).await;
            cx.spawn("worker", |cx| async move {
                cx.step("write", Footprint::write("out"), |s| s.0 = true)
                    .await;
            });
            cx.exit().await;
            unreachable!("exit never returns");
        })
        .settle("flush", |cx| async move {
            cx.step("flush", Footprint::read("out"), |s| s.1 = true)
                .await;
        })
        .invariant(Invariant::convergence("worker-wrote", |s| {
            if s.0 {
                Ok(())
            } else {
                Err("the process exited before the worker wrote".into())
            }
        }))
        .invariant(Invariant::convergence("settled", |s| {
            if s.1 {
                Ok(())
            } else {
                Err("the settle phase did not run".into())
            }
        }))
}

#[test]
fn a_task_that_exits_ends_the_others_and_the_run_settles() {
    let found = explore_all(exits_early());
    assert!(found.complete);
    assert_eq!(found.schedules, 2);
    assert_eq!(found.violations.len(), 1, "{:?}", found.violations);
    let v = &found.violations[0].violation;
    assert_eq!(v.invariant, "worker-wrote");
    // Exiting while holding a lock is no deadlock, and main never reaches `unreachable!`.
    let failure = check(exits_early(), Search::Random { runs: 50 }).unwrap_err();
    let labels = failure.trace.step_labels();
    assert_eq!(labels.last(), Some(&("flush", "flush")));
    assert!(labels.contains(&("main", "exit")), "{labels:?}");
}

#[test]
fn delay_bounding_finds_the_lost_update_with_one_delay() {
    let none = check(lost_update(), Search::DelayBounded { delays: 0 }).unwrap();
    assert_eq!((none.schedules, none.complete), (1, false));
    let one = check(lost_update(), Search::DelayBounded { delays: 1 }).unwrap_err();
    assert_eq!(one.violation.invariant, "no-lost-update");
    assert!(
        one.found_by.starts_with("delay bounding, 1 delays"),
        "{}",
        one.found_by
    );
    let random = check(
        lost_update(),
        Search::Delay {
            runs: 50,
            delays: 1,
        },
    )
    .unwrap_err();
    assert!(
        random.found_by.starts_with("delay seed"),
        "{}",
        random.found_by
    );
}
