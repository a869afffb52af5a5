//! Channels' semantics, as Go's: unbuffered rendezvous, buffered capacity, close, receive on a
//! closed channel, select (its default, and every arm that can fire), deadlocks on a channel.

use raceway_sim::explore::{explore, Exploration, Options};
use raceway_sim::strategy::{Random, Replay};
use raceway_sim::{
    check, check_exhaustive, Footprint, Invariant, Kind, Race, Runner, Schedule, Search, Simulation,
};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

fn exhaustive() -> Search {
    Search::Exhaustive {
        preemptions: None,
        max_schedules: None,
    }
}

fn explore_all<S: 'static>(race: Race<S>) -> Exploration {
    let options = Options {
        all: true,
        ..Options::default()
    };
    explore(&mut Runner::new(race), &options).unwrap()
}

/// The producer sends `sends` values on a channel of `capacity`, then sets `done`; the
/// consumer looks at `done` before it receives anything. The sends can all complete before
/// that look only when the buffer holds them all.
fn early_done(capacity: u32, sends: u32) -> Race<bool> {
    Race::new(|| false)
        .channel::<u32>("c", capacity)
        .task("producer", move |cx| async move {
            let c = cx.channel::<u32>("c");
            for v in 0..sends {
                cx.send(c, v).await;
            }
            cx.step("done", Footprint::write("done"), |d| *d = true)
                .await;
        })
        .task("consumer", move |cx| async move {
            let c = cx.channel::<u32>("c");
            let early = cx.step("done?", Footprint::read("done"), |d| *d).await;
            assert!(!early, "every send completed before the first receive");
            for _ in 0..sends {
                cx.recv(c).await;
            }
        })
}

#[test]
fn an_unbuffered_send_completes_only_once_received() {
    assert!(check_exhaustive(early_done(0, 1)).complete);
    let found = check(early_done(1, 1), exhaustive()).unwrap_err();
    assert_eq!(found.violation.kind, Kind::Panic);
}

#[test]
fn a_full_buffer_blocks_the_sender() {
    assert!(check_exhaustive(early_done(2, 3)).complete);
    let found = check(early_done(3, 3), exhaustive()).unwrap_err();
    assert!(found
        .violation
        .message
        .contains("every send completed before the first receive"));
}

#[test]
fn values_arrive_in_order_then_none_once_closed_and_drained() {
    for capacity in [0, 1, 3] {
        let race = Race::new(Vec::new)
            .channel::<u32>("c", capacity)
            .task("producer", |cx| async move {
                let c = cx.channel::<u32>("c");
                for v in 1..=3 {
                    cx.send(c, v).await;
                }
                cx.close(c).await;
            })
            .task("consumer", |cx| async move {
                let c = cx.channel::<u32>("c");
                loop {
                    let got = cx.recv(c).await;
                    cx.step("log", Footprint::write("log"), move |l: &mut Vec<_>| {
                        l.push(got)
                    })
                    .await;
                    if got.is_none() {
                        break;
                    }
                }
            })
            .invariant(Invariant::convergence(
                "in-order",
                |l: &Vec<Option<u32>>| match l[..] {
                    [Some(1), Some(2), Some(3), None] => Ok(()),
                    _ => Err(format!("received {l:?}")),
                },
            ));
        assert!(check_exhaustive(race).complete, "capacity {capacity}");
    }
}

#[test]
fn closing_wakes_every_waiting_receiver_with_none() {
    for capacity in [0, 2] {
        let race = Race::new(|| 0u32)
            .channel::<()>("quit", capacity)
            .task("closer", |cx| async move {
                cx.close(cx.channel::<()>("quit")).await;
            })
            .task("r1", |cx| async move {
                assert_eq!(cx.recv(cx.channel::<()>("quit")).await, None);
            })
            .task("r2", |cx| async move {
                assert_eq!(cx.recv(cx.channel::<()>("quit")).await, None);
            });
        assert!(check_exhaustive(race).complete, "capacity {capacity}");
    }
}

#[test]
fn sending_on_a_closed_channel_and_closing_twice_panic_at_the_callers_line() {
    let send_after_close = Race::new(|| ())
        .channel::<u32>("c", 1)
        .task("a", |cx| async move {
            let c = cx.channel::<u32>("c");
            cx.close(c).await;
            cx.send(c, 1).await;
        });
    let found = check(send_after_close, Search::Random { runs: 1 }).unwrap_err();
    assert_eq!(
        found.violation.message,
        "task `a` panicked: send on closed channel `c`"
    );
    let at = format!("panic at {}:", file!());
    assert!(
        found.violation.invariant.starts_with(&at),
        "{}",
        found.violation
    );

    let twice = Race::new(|| ())
        .channel::<u32>("c", 0)
        .task("a", |cx| async move {
            let c = cx.channel::<u32>("c");
            cx.close(c).await;
            cx.close(c).await;
        });
    let found = check(twice, Search::Random { runs: 1 }).unwrap_err();
    assert_eq!(
        found.violation.message,
        "task `a` panicked: close of closed channel `c`"
    );
    assert!(
        found.violation.invariant.starts_with(&at),
        "{}",
        found.violation
    );

    // A sender waiting on an unbuffered channel when it closes panics too.
    let waiting = Race::new(|| ())
        .channel::<u32>("c", 0)
        .task("sender", |cx| async move {
            cx.send(cx.channel::<u32>("c"), 1).await
        })
        .task("closer", |cx| async move {
            cx.close(cx.channel::<u32>("c")).await
        });
    let found = check(waiting, exhaustive()).unwrap_err();
    assert!(found.violation.message.contains("send on closed channel"));
}

#[test]
fn a_receive_nobody_sends_to_is_a_deadlock_naming_the_channel() {
    let race = Race::new(|| ())
        .channel::<u32>("jobs", 0)
        .channel::<u32>("results", 1)
        .task("worker", |cx| async move {
            let job = cx.recv(cx.channel::<u32>("jobs")).await;
            cx.send(cx.channel::<u32>("results"), job.unwrap()).await;
        })
        .task("main", |cx| async move {
            // Waits for a result before sending the job: each waits for the other.
            let result = cx.recv(cx.channel::<u32>("results")).await;
            cx.send(cx.channel::<u32>("jobs"), result.unwrap()).await;
        });
    let found = check(race, exhaustive()).unwrap_err();
    assert_eq!(found.violation.kind, Kind::Deadlock);
    assert_eq!(
        found.violation.message,
        "no task can step: worker waits for recv(jobs); main waits for recv(results)"
    );
}

/// `main` selects among buffered channels `a`, `b` and `c` (with a default when `default`)
/// while `sender` sends on those named in `sent`; every outcome of a complete exploration.
fn select_outcomes(sent: &'static [&'static str], default: bool) -> BTreeSet<String> {
    let seen = Rc::new(RefCell::new(BTreeSet::new()));
    let log = seen.clone();
    let race = Race::new(|| ())
        .channel::<u32>("a", 1)
        .channel::<u32>("b", 1)
        .channel::<u32>("c", 1)
        .task("sender", move |cx| async move {
            for name in sent {
                cx.send(cx.channel::<u32>(name), 7).await;
            }
        })
        .task("main", move |cx| {
            let log = log.clone();
            async move {
                let a = cx.channel::<u32>("a");
                let (b, c) = (cx.channel::<u32>("b"), cx.channel::<u32>("c"));
                let select = cx
                    .select()
                    .recv(a, |v| format!("a {v:?}"))
                    .recv(b, |v| format!("b {v:?}"))
                    .recv(c, |v| format!("c {v:?}"));
                let outcome = if default {
                    select.or_default(|| "default".to_string()).await
                } else {
                    select.wait().await
                };
                log.borrow_mut().insert(outcome);
            }
        });
    let found = explore_all(race);
    assert!(found.complete && found.violations.is_empty(), "{found:?}");
    seen.take()
}

#[test]
fn a_select_fires_every_arm_that_can_fire() {
    let all = ["a Some(7)", "b Some(7)", "c Some(7)"];
    assert_eq!(
        select_outcomes(&["a", "b", "c"], false),
        BTreeSet::from(all.map(String::from))
    );
    assert_eq!(
        select_outcomes(&["c"], false),
        BTreeSet::from(["c Some(7)".to_string()])
    );
    // Sent one after the other: the select may run when only `a` has a value, or both.
    assert_eq!(
        select_outcomes(&["a", "b"], false),
        BTreeSet::from(["a Some(7)", "b Some(7)"].map(String::from))
    );
}

#[test]
fn a_select_takes_its_default_only_when_no_arm_can_fire() {
    // Nothing is ever sent: always the default.
    assert_eq!(
        select_outcomes(&[], true),
        BTreeSet::from(["default".to_string()])
    );
    // A value may or may not be there yet.
    assert_eq!(
        select_outcomes(&["a"], true),
        BTreeSet::from(["a Some(7)".to_string(), "default".to_string()])
    );
}

#[test]
fn a_select_sends_to_a_waiting_receiver_and_a_receive_takes_a_waiting_sender() {
    // On unbuffered channels, the select's send arm fires only with a receiver waiting, its
    // default otherwise; a receive with a default takes a waiting sender's value. The partners
    // take a step first, so that they may wait or not yet when `main` selects.
    let seen = Rc::new(RefCell::new(BTreeSet::new()));
    let (log1, log2) = (seen.clone(), seen.clone());
    let race = Race::new(|| ())
        .channel::<u32>("c", 0)
        .channel::<u32>("d", 0)
        .task("receiver", |cx| async move {
            cx.step("start", Footprint::NONE, |_| ()).await;
            cx.recv(cx.channel::<u32>("c")).await;
        })
        .task("sender", |cx| async move {
            cx.step("start", Footprint::NONE, |_| ()).await;
            cx.send(cx.channel::<u32>("d"), 5).await;
        })
        .task("main", move |cx| {
            let (log1, log2) = (log1.clone(), log2.clone());
            async move {
                let (c, d) = (cx.channel::<u32>("c"), cx.channel::<u32>("d"));
                let sent = cx.select().send(c, 1, || true).or_default(|| false).await;
                log1.borrow_mut().insert(format!("sent {sent}"));
                let got = cx.select().recv(d, |v| v).or_default(|| None).await;
                log2.borrow_mut().insert(format!("got {got:?}"));
                // Unblock whoever still waits.
                if !sent {
                    cx.send(c, 1).await;
                }
                if got.is_none() {
                    cx.recv(d).await;
                }
            }
        });
    let found = explore_all(race);
    assert!(found.complete && found.violations.is_empty(), "{found:?}");
    let want = ["got None", "got Some(5)", "sent false", "sent true"];
    assert_eq!(seen.take(), BTreeSet::from(want.map(String::from)));
}

/// A producer sends two values on a channel of `capacity`, a consumer receives them.
fn two_values(capacity: u32) -> Race<()> {
    Race::new(|| ())
        .channel::<u32>("c", capacity)
        .task("producer", |cx| async move {
            let c = cx.channel::<u32>("c");
            cx.send(c, 1).await;
            cx.send(c, 2).await;
        })
        .task("consumer", |cx| async move {
            let c = cx.channel::<u32>("c");
            assert_eq!(cx.recv(c).await, Some(1));
            assert_eq!(cx.recv(c).await, Some(2));
        })
}

#[test]
fn the_exploration_of_two_values_through_a_channel_is_pinned() {
    // Every operation on the channel writes it, so no two commute. Capacity 1: each send must
    // wait for the previous value's receive, one order only. Capacity 2: the second send and
    // the first receive may go in either order, two. Unbuffered: each rendezvous, once both
    // sides wait, completes on either side first (the other side's task may run on before the
    // first completes), two per value, four.
    let counts = [0, 1, 2].map(|capacity| explore_all(two_values(capacity)).schedules);
    assert_eq!(counts, [4, 1, 2]);
}

#[test]
fn a_receiver_ended_by_an_exit_takes_no_value() {
    // `worker` waits on `jobs` when `main` exits; the settle phase's send then finds no
    // receiver: the worker ended where it waited.
    let race = Race::new(|| ())
        .channel::<u32>("jobs", 0)
        .task("worker", |cx| async move {
            cx.recv(cx.channel::<u32>("jobs")).await;
        })
        .task("main", |cx| async move {
            cx.step("work", Footprint::write("x"), |_| ()).await;
            cx.exit().await;
        })
        .settle("late", |cx| async move {
            cx.send(cx.channel::<u32>("jobs"), 1).await;
        });
    let found = check(race, exhaustive()).unwrap_err();
    assert_eq!(found.violation.kind, Kind::Deadlock);
    assert_eq!(
        found.violation.message,
        "no task can step: late waits for send(jobs)"
    );
}

#[test]
fn a_seed_or_a_schedule_names_one_run_of_selects_and_channels() {
    // Two producers and a select that takes from either, or times out through its default:
    // the same seed gives the same trace, and the recorded schedule replays it.
    let race = Race::new(|| ())
        .channel::<u32>("a", 1)
        .channel::<u32>("b", 0)
        .task("pa", |cx| async move {
            cx.send(cx.channel::<u32>("a"), 1).await
        })
        .task("pb", |cx| async move {
            let _ = cx
                .select()
                .send(cx.channel::<u32>("b"), 2, || ())
                .or_default(|| ())
                .await;
        })
        .task("main", |cx| async move {
            let (a, b) = (cx.channel::<u32>("a"), cx.channel::<u32>("b"));
            for _ in 0..2 {
                let got = cx
                    .select()
                    .recv(a, |v| v)
                    .recv(b, |v| v)
                    .or_default(|| None)
                    .await;
                cx.note(|| format!("got {got:?}"));
            }
        });
    let mut sim = Runner::new(race);
    let mut traces = BTreeSet::new();
    for seed in 0..64 {
        sim.run(&mut Random::new(seed), true).unwrap();
        let recorded = sim.trace().clone();
        sim.run(&mut Random::new(seed), true).unwrap();
        assert_eq!(sim.trace(), &recorded, "seed {seed}");
        let schedule: Schedule = recorded.schedule.encode().parse().unwrap();
        sim.run(&mut Replay::new(schedule), true).unwrap();
        assert_eq!(sim.trace(), &recorded, "seed {seed}");
        traces.insert(recorded.render());
    }
    assert!(traces.len() > 1, "the seeds explore more than one run");
}
