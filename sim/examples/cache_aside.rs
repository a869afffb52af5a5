//! Bring your own race: cache-aside with delete-on-write, modelled against raceway's public
//! API only, and checked from `cargo test` (`cargo test -p raceway-sim --example cache_aside`)
//! or run (`cargo run -p raceway-sim --example cache_aside`).
//!
//! A reader misses the cache, reads the database, and fills the cache. A writer updates the
//! database, then deletes the cache entry. If the reader's fill lands after the writer's
//! delete, the cache serves the old value until something else evicts it: the classic race
//! that memcache's *leases* fix (Nishtala et al., NSDI 2013). On a miss the cache hands out a
//! lease token; a delete invalidates outstanding leases; a fill succeeds only with a valid
//! lease.

use raceway_sim::{check, check_exhaustive, Check, Cx, Footprint, Invariant, Race, Search};

/// The shared state: the database row, the cache entry, the lease in force.
#[derive(Debug, Default)]
pub struct State {
    db: u32,
    cache: Option<u32>,
    lease: Option<u64>,
    next_token: u64,
}

const DB: Footprint = Footprint::read("db");
const CACHE_RW: Footprint = Footprint::read("cache").and_write("cache");

/// Reader: `get` through the cache, filling it on a miss (with a lease when `leases`).
async fn get(cx: Cx<State>, leases: bool) {
    let (hit, token) = cx
        .step("cache.get(k)", CACHE_RW, move |s| {
            if s.cache.is_some() || !leases {
                return (s.cache, None);
            }
            s.next_token += 1;
            s.lease = Some(s.next_token);
            (None, s.lease)
        })
        .await;
    if hit.is_some() {
        return;
    }
    let value = cx.step("db.read(k)", DB, |s| s.db).await;
    cx.step("cache.set(k)", CACHE_RW, move |s| {
        let allowed = !leases || (token.is_some() && s.lease == token);
        if allowed {
            s.cache = Some(value);
            s.lease = None;
        }
        allowed
    })
    .await;
}

/// Writer: update the database, then delete the cache entry (and its leases).
async fn set(cx: Cx<State>) {
    cx.step("db.write(k, 2)", Footprint::write("db"), |s| s.db = 2)
        .await;
    cx.step("cache.delete(k)", Footprint::write("cache"), |s| {
        s.cache = None;
        s.lease = None;
    })
    .await;
}

/// At quiescence the cache holds the database's value or nothing.
fn cache_agrees(s: &State) -> Check {
    match s.cache {
        Some(c) if c != s.db => Err(format!(
            "the cache serves {c} but the database holds {}",
            s.db
        )),
        _ => Ok(()),
    }
}

/// The race, with or without leases.
pub fn cache_aside(leases: bool) -> Race<State> {
    Race::new(|| State {
        db: 1,
        ..State::default()
    })
    .task("reader", move |cx| get(cx, leases))
    .task("writer", set)
    .invariant(Invariant::convergence("cache-agrees-with-db", cache_agrees))
}

fn main() {
    match check(cache_aside(false), Search::Random { runs: 1000 }) {
        Err(failure) => println!("without leases:\n{failure}\n"),
        Ok(passed) => println!("without leases: {} runs found nothing", passed.schedules),
    }
    let proof = check_exhaustive(cache_aside(true));
    println!(
        "with leases: {} schedules, complete: {} (no schedule serves a stale value)",
        proof.schedules, proof.complete
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_leases_the_cache_serves_a_stale_value() {
        let failure = check(cache_aside(false), Search::Random { runs: 1000 }).unwrap_err();
        assert_eq!(failure.violation.invariant, "cache-agrees-with-db");
        // Shrunk to the race itself: miss, read, write, delete, fill.
        assert_eq!(
            failure.trace.step_labels(),
            [
                ("reader", "cache.get(k)"),
                ("reader", "db.read(k)"),
                ("writer", "db.write(k, 2)"),
                ("writer", "cache.delete(k)"),
                ("reader", "cache.set(k)"),
            ]
        );
    }

    #[test]
    fn leases_fix_it_for_every_schedule() {
        let proof = check_exhaustive(cache_aside(true));
        assert!(proof.complete);
    }

    #[test]
    #[should_panic(expected = "cache-agrees-with-db")]
    fn check_random_panics_with_the_violation() {
        raceway_sim::check_random(cache_aside(false), 1000);
    }
}
