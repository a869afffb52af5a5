//! A Go-style program: worker goroutines fed by a channel, sharing a configuration guarded by
//! a `sync.Mutex` and a `sync.Cond`, checked from `cargo test`
//! (`cargo test -p raceway-sim --example worker_pool`) or run
//! (`cargo run -p raceway-sim --example worker_pool`).
//!
//! ```go
//! func (p *Pool) get() int {             // called by each worker
//!     p.mu.Lock()
//!     for !p.fresh { p.cond.Wait() }     // wait for the refresher
//!     cfg := p.cfg
//!     p.mu.Unlock()
//!     return cfg
//! }
//!
//! func (p *Pool) refresh(cfg int) {      // the refresher goroutine
//!     p.mu.Lock()
//!     p.cfg, p.fresh = cfg, true
//!     p.cond.Signal()                    // the bug: wakes one waiting worker
//!     p.mu.Unlock()
//! }
//!
//! func worker(p *Pool, jobs <-chan int, results chan<- int) {
//!     for job := range jobs {
//!         results <- job * p.get()
//!     }
//! }
//!
//! func main() {
//!     jobs, results := make(chan int), make(chan int, 2)
//!     go worker(p, jobs, results)
//!     go worker(p, jobs, results)
//!     go p.refresh(7)
//!     jobs <- 1
//!     jobs <- 2
//!     close(jobs)
//!     total := <-results + <-results
//! }
//! ```
//!
//! `jobs` is unbuffered: each send waits for a worker to take the job. The `go` statements are
//! steps ([`Cx::spawn_step`]). When both workers have a job and wait for the configuration
//! before the refresh, `Signal` wakes one; the other waits for good, and `main` with it, on
//! its second result (Go reports "all goroutines are asleep"; raceway a deadlock that names
//! the condition variable and the channel). `Broadcast` wakes both. The lost wake-up needs
//! both workers to wait first, so random testing finds it only sometimes; exhaustive
//! exploration finds it, and proves the `Broadcast` version.

use raceway_sim::{check, check_exhaustive, Chan, Cx, Footprint, Invariant, Race, Search};

/// The pool's shared state: the cached configuration, and the total `main` computed.
#[derive(Debug, Default, Hash)]
pub struct Pool {
    fresh: bool,
    cfg: u32,
    total: Option<u32>,
}

const CFG: Footprint = Footprint::read("pool.cfg");

/// `p.get()`: the configuration, once fresh.
async fn get(cx: &Cx<Pool>) -> u32 {
    let mut held = cx.lock(cx.mutex("pool.mu")).await;
    while !cx.step("p.fresh", CFG, |p| p.fresh).await {
        held = cx.wait_cond(cx.cond("pool.cond"), held).await;
    }
    let cfg = cx.step("cfg := p.cfg", CFG, |p| p.cfg).await;
    held.unlock();
    cfg
}

async fn worker(cx: Cx<Pool>, jobs: Chan<u32>, results: Chan<u32>) {
    while let Some(job) = cx.recv(jobs).await {
        let cfg = get(&cx).await;
        cx.send(results, job * cfg).await;
    }
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

/// The program: main starts two workers and the refresher, sends two jobs and adds up the
/// results; with `broadcast`, the fix.
pub fn pool(broadcast: bool) -> Race<Pool> {
    Race::new(Pool::default)
        .mutex("pool.mu")
        .cond("pool.cond")
        .channel::<u32>("jobs", 0)
        .channel::<u32>("results", 2)
        .task("main", move |cx| async move {
            let (jobs, results) = (cx.channel::<u32>("jobs"), cx.channel::<u32>("results"));
            for name in ["worker1", "worker2"] {
                cx.spawn_step(name, move |cx| worker(cx, jobs, results))
                    .await;
            }
            cx.spawn_step("refresher", move |cx| refresh(cx, broadcast))
                .await;
            cx.send(jobs, 1).await;
            cx.send(jobs, 2).await;
            cx.close(jobs).await;
            let mut total = 0;
            for _ in 0..2 {
                total += cx.recv(results).await.expect("results stays open");
            }
            cx.step("total", Footprint::write("total"), move |p| {
                p.total = Some(total)
            })
            .await;
        })
        .invariant(Invariant::convergence("every-job-done", |p| {
            match p.total {
                Some(21) => Ok(()),
                other => Err(format!("the total is {other:?}, not 21")),
            }
        }))
        .hashed()
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
        let message = &failure.violation.message;
        assert!(
            message.contains("main waits for recv(results)"),
            "{message}"
        );
        assert!(message.contains("waits for wait(pool.cond)"), "{message}");
    }

    #[test]
    fn broadcast_wakes_every_worker_in_every_schedule() {
        let proof = check_exhaustive(pool(true));
        assert!(proof.complete && proof.schedules > 1, "{proof:?}");
    }
}
