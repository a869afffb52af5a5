//! The consistency checkers as quiescence invariants of a [`Race`]: a primary with an
//! asynchronously updated replica is sequentially consistent but not linearizable, and the
//! exploration finds the stale read.
//!
//! The clients record their invocations and completions in the state's history as steps on
//! one shared footprint (`history`), so that the exploration's reduction treats any two of
//! them as dependent and explores both of their orders: the real-time order of a history is
//! part of what the schedule decides.

use raceway_sim::consistency::{require, Consistency, EventKind, History, Op, Register, Value};
use raceway_sim::{check, Cx, Footprint, Invariant, Race, Search};

#[derive(Default)]
struct State {
    primary: i64,
    replica: i64,
    history: History,
}

async fn record(cx: &Cx<State>, label: &'static str, event: impl FnOnce(&mut History) + 'static) {
    cx.step(label, Footprint::write("history"), move |s| {
        event(&mut s.history)
    })
    .await;
}

/// A client writes 1 to the primary; a replication task copies it; another client reads the
/// replica.
fn replicated(model: Consistency) -> Race<State> {
    let invariant = match model {
        Consistency::Linearizable => Invariant::convergence("linearizable", |s: &State| {
            require(&Register, &s.history, Consistency::Linearizable)
        }),
        _ => Invariant::convergence("sequential", |s: &State| {
            require(&Register, &s.history, Consistency::Sequential)
        }),
    };
    Race::new(State::default)
        .task("writer", |cx| async move {
            record(&cx, "invoke write", |h| {
                h.invoke(0, Op::Write, None, Value::Int(1)).unwrap()
            })
            .await;
            cx.step("primary = 1", Footprint::write("primary"), |s| {
                s.primary = 1
            })
            .await;
            record(&cx, "ok write", |h| {
                h.complete(0, EventKind::Ok, Value::Int(1)).unwrap()
            })
            .await;
        })
        .task("replicate", |cx| async move {
            let v = cx
                .step("read primary", Footprint::read("primary"), |s| s.primary)
                .await;
            cx.step("replica = v", Footprint::write("replica"), move |s| {
                s.replica = v
            })
            .await;
        })
        .task("reader", |cx| async move {
            record(&cx, "invoke read", |h| {
                h.invoke(1, Op::Read, None, Value::Nil).unwrap()
            })
            .await;
            let v = cx
                .step("read replica", Footprint::read("replica"), |s| s.replica)
                .await;
            let v = if v == 0 { Value::Nil } else { Value::Int(v) };
            record(&cx, "ok read", move |h| {
                h.complete(1, EventKind::Ok, v).unwrap()
            })
            .await;
        })
        .invariant(invariant)
}

fn exhaustive() -> Search {
    Search::Exhaustive {
        preemptions: None,
        max_schedules: None,
    }
}

#[test]
fn a_replica_read_is_not_linearizable_and_the_counterexample_is_the_stale_read() {
    let failure = check(replicated(Consistency::Linearizable), exhaustive()).unwrap_err();
    assert_eq!(failure.violation.invariant, "linearizable");
    let message = failure.violation.message.clone();
    assert!(message.contains("p0 write 1"), "{message}");
    assert!(message.contains("p1 read → null"), "{message}");
}

#[test]
fn a_replica_read_is_sequentially_consistent_in_every_schedule() {
    let passed = check(replicated(Consistency::Sequential), exhaustive()).unwrap();
    assert!(passed.complete, "{passed:?}");
}
