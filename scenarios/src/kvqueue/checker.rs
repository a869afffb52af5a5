//! The checker: the invariants over the keys, the aggregate and the ghost counters.

use super::describe::found;
use super::system::{Cost, Id, N};

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

/// Convergence: every posted message is in the aggregate and terminal, and every aggregate
/// entry has its key's status.
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
            Some(_) => {}
        }
        // Every copy, not only the first: a retried POST leaves two.
        let copies = s.recent.value.entries().iter().filter(|e| e.id == id);
        if let Some((n, e)) = copies.enumerate().find(|(_, e)| e.status != msg.status) {
            let entry = match n {
                0 => format!(" says {id:?}"),
                n => format!("'s copy {} of {id:?} says", n + 1),
            };
            return Err(format!(
                "the aggregate{entry} {:?} but comment:{id:?} says {msg:?}",
                e.status
            ));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kvqueue::system::{Kv, Msg, Recent, Status, M1};
    use crate::kvqueue::{KvQueue, Variant, Workload};
    use raceway_sim::Model;

    #[test]
    fn convergence_reads_every_copy_of_an_id() {
        let model = KvQueue {
            workload: Workload::DuplicatePost,
            variant: Variant::SelfHeal,
        };
        let mut s = model.init();
        s.comments[M1.ix()] = Kv::new(Some(Msg::new(Status::Complete)));
        let mut recent = Recent::EMPTY;
        recent.push(M1, Status::Pending);
        recent.push(M1, Status::Pending);
        recent.set(M1, Status::Complete);
        s.recent = Kv::new(recent);
        assert_eq!(
            aggregate_converges(&s),
            Err("the aggregate's copy 2 of m1 says pending but comment:m1 says complete".into())
        );
    }
}
