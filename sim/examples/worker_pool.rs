//! A Go-style program: goroutines sharing a cache guarded by a `sync.Mutex` and a `sync.Cond`,
//! checked from `cargo test` (`cargo test -p raceway-sim --example worker_pool`) or run
//! (`cargo run -p raceway-sim --example worker_pool`).
//!
//! ```go
//! func (p *Pool) get() Config {          // each worker goroutine
//!     p.mu.Lock()
//!     for !p.fresh { p.cond.Wait() }     // wait for the refresher
//!     cfg := p.cfg
//!     p.mu.Unlock()
//!     return cfg
//! }
//!
//! func (p *Pool) refresh(cfg Config) {   // the refresher goroutine
//!     p.mu.Lock()
//!     p.cfg, p.fresh = cfg, true
//!     p.cond.Signal()                    // the bug: wakes one waiting worker
//!     p.mu.Unlock()
//! }
//! ```
//!
//! The main goroutine starts the workers, then the refresher (`go` statements are steps:
//! [`Cx::spawn_step`]). When two workers wait before the refresh, `Signal` wakes one; the other
//! waits for good (Go reports "all goroutines are asleep"; raceway a deadlock). `Broadcast`
//! wakes both. The lost wake-up needs both workers to wait first, so random testing finds it
//! only sometimes; exhaustive exploration finds it, and proves the `Broadcast` version.
//!
//! raceway has no channels yet, so the workers report through shared state rather than a
//! results channel.

use raceway_sim::{check, check_exhaustive, Cx, Footprint, Invariant, Race, Search};

/// The pool's shared state: the cached configuration and what the workers got.
#[derive(Debug, Default)]
pub struct Pool {
    fresh: bool,
    cfg: u32,
    served: u32,
}

const CFG: Footprint = Footprint::read("pool.cfg");

async fn worker(cx: Cx<Pool>) {
    let mut held = cx.lock(cx.mutex("pool.mu")).await;
    while !cx.step("p.fresh", CFG, |p| p.fresh).await {
        held = cx.wait_cond(cx.cond("pool.cond"), held).await;
    }
    let cfg = cx.step("cfg := p.cfg", CFG, |p| p.cfg).await;
    held.unlock();
    cx.step("served++", Footprint::write("served"), move |p| {
        assert_eq!(
            cfg, 7,
            "a worker read the configuration before it was fresh"
        );
        p.served += 1;
    })
    .await;
}

async fn refresh(cx: Cx<Pool>, broadcast: bool) {
    let _held = cx.lock(cx.mutex("pool.mu")).await;
    cx.step(
        "p.cfg, p.fresh = cfg, true",
        Footprint::write("pool.cfg"),
        |p| {
            (p.cfg, p.fresh) = (7, true);
        },
    )
    .await;
    let cond = cx.cond("pool.cond");
    if broadcast {
        cx.broadcast(cond);
    } else {
        cx.signal(cond);
    }
}

/// The program: main starts two workers and the refresher; with `broadcast`, the fix.
pub fn pool(broadcast: bool) -> Race<Pool> {
    Race::new(Pool::default)
        .mutex("pool.mu")
        .cond("pool.cond")
        .task("main", move |cx| async move {
            cx.spawn_step("worker1", worker).await;
            cx.spawn_step("worker2", worker).await;
            cx.spawn_step("refresher", move |cx| refresh(cx, broadcast))
                .await;
        })
        .invariant(Invariant::convergence("every-worker-served", |p| {
            match p.served {
                2 => Ok(()),
                n => Err(format!("{n} of 2 workers served")),
            }
        }))
}

fn main() {
    match check(
        pool(false),
        Search::Exhaustive {
            preemptions: None,
            max_schedules: None,
        },
    ) {
        Err(failure) => println!("with Signal:\n{failure}\n"),
        Ok(passed) => println!("with Signal: {} schedules found nothing", passed.schedules),
    }
    let proof = check_exhaustive(pool(true));
    println!(
        "with Broadcast: {} schedules, none breaks it",
        proof.schedules
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use raceway_sim::Kind;

    #[test]
    fn signal_loses_a_wake_up_when_both_workers_wait() {
        let search = Search::Exhaustive {
            preemptions: None,
            max_schedules: None,
        };
        let failure = check(pool(false), search).unwrap_err();
        assert_eq!(failure.violation.kind, Kind::Deadlock);
        assert!(
            failure.violation.message.contains("wait(pool.cond)"),
            "{}",
            failure.violation
        );
    }

    #[test]
    fn broadcast_wakes_every_worker_in_every_schedule() {
        let proof = check_exhaustive(pool(true));
        assert!(proof.complete && proof.schedules > 1, "{proof:?}");
    }
}
