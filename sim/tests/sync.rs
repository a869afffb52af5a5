//! The primitives' semantics: declared names, explicit unlock, try-lock, condition variables
//! (atomic release, signal wakes one, broadcast all).

use raceway_sim::{check, check_exhaustive, Cx, Footprint, Invariant, Kind, Race, Search};

fn exhaustive() -> Search {
    Search::Exhaustive {
        preemptions: None,
        max_schedules: None,
    }
}

#[test]
fn a_misspelt_mutex_is_an_error() {
    let race = Race::new(|| ()).mutex("mu").task("a", |cx| async move {
        let _held = cx.lock(cx.mutex("mu ")).await;
    });
    let failure = check(race, Search::Random { runs: 1 }).unwrap_err();
    assert_eq!(failure.violation.kind, Kind::Panic);
    assert!(
        failure
            .violation
            .message
            .contains("no mutex `mu ` was declared"),
        "{}",
        failure.violation
    );
}

#[test]
fn any_task_may_unlock_and_unlocking_an_unlocked_mutex_panics() {
    // `a` locks without a guard and ends holding it; `b` unlocks it, then `c` can lock.
    let handed_over = Race::new(|| 0u32)
        .mutex("mu")
        .task("a", |cx| async move {
            cx.acquire(cx.mutex("mu")).await;
            cx.step("set", Footprint::write("n"), |n| *n = 1).await;
        })
        .task("b", |cx| async move {
            let seen = cx.step("get", Footprint::read("n"), |n| *n).await;
            if seen == 1 {
                cx.unlock(cx.mutex("mu"));
                let _again = cx.lock(cx.mutex("mu")).await;
            }
        });
    assert!(check_exhaustive(handed_over).complete);

    let twice = Race::new(|| ()).mutex("mu").task("a", |cx| async move {
        let mu = cx.mutex("mu");
        cx.lock(mu).await.unlock();
        cx.unlock(mu);
    });
    let failure = check(twice, Search::Random { runs: 1 }).unwrap_err();
    assert!(failure
        .violation
        .message
        .contains("unlock of unlocked mutex `mu`"));
}

#[test]
fn try_lock_takes_a_free_mutex_and_fails_on_a_held_one() {
    // Each outcome is reachable: the exploration must try `b` both while `a` holds the mutex
    // and when it is free.
    let race = |want: bool| {
        Race::new(|| None)
            .mutex("mu")
            .task("a", |cx| async move {
                let _held = cx.lock(cx.mutex("mu")).await;
                cx.step("work", Footprint::write("x"), |_| ()).await;
            })
            .task("b", |cx| async move {
                let got = cx.try_lock(cx.mutex("mu")).await.is_some();
                cx.step("note", Footprint::write("got"), move |s| *s = Some(got))
                    .await;
            })
            .invariant(Invariant::new(
                "try-lock-outcome",
                Kind::Safety,
                raceway_sim::When::Quiescence,
                move |s: &Option<bool>| match *s {
                    Some(got) if got == want => Err(format!("try_lock returned {got}")),
                    _ => Ok(()),
                },
            ))
    };
    for want in [true, false] {
        let found = check(race(want), exhaustive()).unwrap_err();
        assert_eq!(found.violation.invariant, "try-lock-outcome");
    }
}

/// A buffer of one slot shared by producers and consumers through one condition variable.
#[derive(Default)]
struct Buffer {
    slot: Option<u32>,
    taken: u32,
}

async fn put(cx: Cx<Buffer>, item: u32, wake_all: bool) {
    let (mu, changed) = (cx.mutex("mu"), cx.cond("changed"));
    let mut held = cx.lock(mu).await;
    while cx
        .step("full?", Footprint::read("slot"), |b| b.slot.is_some())
        .await
    {
        held = cx.wait_cond(changed, held).await;
    }
    cx.step("put", Footprint::write("slot"), move |b| {
        b.slot = Some(item)
    })
    .await;
    if wake_all {
        cx.broadcast(changed);
    } else {
        cx.signal(changed);
    }
    held.unlock();
}

async fn take(cx: Cx<Buffer>, wake_all: bool) {
    let (mu, changed) = (cx.mutex("mu"), cx.cond("changed"));
    let mut held = cx.lock(mu).await;
    while cx
        .step("empty?", Footprint::read("slot"), |b| b.slot.is_none())
        .await
    {
        held = cx.wait_cond(changed, held).await;
    }
    cx.step("take", Footprint::write("slot"), |b| {
        b.slot = None;
        b.taken += 1;
    })
    .await;
    if wake_all {
        cx.broadcast(changed);
    } else {
        cx.signal(changed);
    }
    drop(held);
}

fn buffer(wake_all: bool) -> Race<Buffer> {
    Race::new(Buffer::default)
        .mutex("mu")
        .cond("changed")
        .task("consumer1", move |cx| take(cx, wake_all))
        .task("consumer2", move |cx| take(cx, wake_all))
        .task("producer1", move |cx| put(cx, 1, wake_all))
        .task("producer2", move |cx| put(cx, 2, wake_all))
        .invariant(Invariant::convergence("all-taken", |b| match b.taken {
            2 => Ok(()),
            n => Err(format!("{n} of 2 items taken")),
        }))
}

/// Signal wakes one waiter, possibly of the wrong kind (a consumer wakes the other consumer,
/// not the waiting producer): both then wait for good. Broadcast wakes every waiter, and every
/// schedule completes.
#[test]
fn a_lost_wake_up_that_only_signal_one_exposes() {
    let lost = check(buffer(false), exhaustive()).unwrap_err();
    assert_eq!(lost.violation.kind, Kind::Deadlock, "{}", lost.violation);
    assert!(
        lost.violation.message.contains("wait(changed)"),
        "{}",
        lost.violation
    );
    assert!(check_exhaustive(buffer(true)).complete);
}

/// `wait_cond` releases the mutex and starts waiting atomically: a setter that signals under
/// the mutex can never slip between the two, in any schedule.
#[test]
fn waiting_releases_the_mutex_atomically() {
    let race = Race::new(|| false)
        .mutex("mu")
        .cond("ready")
        .task("waiter", |cx| async move {
            let mut held = cx.lock(cx.mutex("mu")).await;
            while !cx.step("ready?", Footprint::read("ready"), |r| *r).await {
                held = cx.wait_cond(cx.cond("ready"), held).await;
            }
        })
        .task("setter", |cx| async move {
            let _held = cx.lock(cx.mutex("mu")).await;
            cx.step("set", Footprint::write("ready"), |r| *r = true)
                .await;
            cx.signal(cx.cond("ready"));
        });
    let passed = check_exhaustive(race);
    assert!(passed.complete && passed.schedules >= 2, "{passed:?}");
}
