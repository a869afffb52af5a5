//! The checker: the invariants over the keys, the aggregate and the ghost counters.

use super::system::{found, Cost, Id, N};

use super::State;
use raceway_sim::{Check, Invariant};

/// Safety: a message is claimed again only after a `fail` gave it back.
fn claimed_once(s: &State) -> Check {
    for i in 0..N {
        if s.claims[i] > s.fails[i] + 1 {
            return Err(format!(
                "{:?} was claimed {} times with {} failed attempts between: processed twice",
                Id(i as u8),
                s.claims[i],
                s.fails[i]
            ));
        }
    }
    Ok(())
}

/// Safety: an aggregate entry says complete or failed only if its key says so too.
fn terminal_only_if_key(s: &State) -> Check {
    for e in s.recent.value.entries() {
        if e.status.is_terminal() && s.status(e.id) != Some(e.status) {
            return Err(format!(
                "the aggregate says {:?} {:?} but comment:{:?} says {}",
                e.id,
                e.status,
                e.id,
                found(s.comments[e.id.ix()].value)
            ));
        }
    }
    Ok(())
}

/// Cost: at quiescence, with every message terminal, a poll costs one read and no write.
fn idle_poll_costs_one_read(s: &State) -> Check {
    let Some(cost) = s.settled else {
        return Err("the settle phase did not run".to_string());
    };
    if cost == Cost::IDLE || !s.all_terminal() {
        return Ok(());
    }
    let stale: Vec<String> = s
        .recent
        .value
        .entries()
        .iter()
        .filter(|e| !e.status.is_terminal())
        .map(|e| format!("{:?} {:?}", e.id, e.status))
        .collect();
    let why = match stale.len() {
        0 => "the poll before it did not heal the aggregate".to_string(),
        _ => format!(
            "the aggregate still says {}, so every poll verifies it again",
            stale.join(", ")
        ),
    };
    Err(format!(
        "every message is terminal, yet a poll costs {cost:?}, not {:?}: {why}",
        Cost::IDLE
    ))
}

/// Convergence: every posted message is in the aggregate, terminal, with its key's status.
fn aggregate_converges(s: &State) -> Check {
    for i in 0..N {
        let id = Id(i as u8);
        let Some(msg) = s.comments[i].value else {
            continue;
        };
        match s.recent.value.status(id) {
            None => {
                return Err(format!(
                    "{id:?} was posted (comment:{id:?} says {msg:?}) but is not in the \
                     aggregate, so no poll returns it"
                ))
            }
            Some(_) if !msg.status.is_terminal() => {
                return Err(format!("comment:{id:?} still says {msg:?}"))
            }
            Some(cached) if cached != msg.status => {
                return Err(format!(
                    "the aggregate says {id:?} {cached:?} but comment:{id:?} says {msg:?}"
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Cost comes before convergence: when both break, the cost is what the seed's author saw.
const CLAIMED_ONCE: Invariant<State> = Invariant::safety("claimed-once", claimed_once);

const TERMINAL_ONLY_IF_KEY: Invariant<State> =
    Invariant::safety("terminal-only-if-key", terminal_only_if_key);

pub(super) const IDLE_POLL_COSTS_ONE_READ: Invariant<State> =
    Invariant::cost("idle-poll-costs-one-read", idle_poll_costs_one_read);

pub(super) const AGGREGATE_CONVERGES: Invariant<State> =
    Invariant::convergence("aggregate-converges", aggregate_converges);

pub(super) static INVARIANTS: [Invariant<State>; 4] = [
    CLAIMED_ONCE,
    TERMINAL_ONLY_IF_KEY,
    IDLE_POLL_COSTS_ONE_READ,
    AGGREGATE_CONVERGES,
];
