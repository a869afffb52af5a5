//! The checker: the ghost state (a reference map, what reads and deletes observed) and the
//! invariants over it and the nodes.

use super::cache::{byte, Cache, Entry, Key, Row, KEYS, V};
use super::describe::{row, value};
use super::node::{Node, Op, Order, Persisted, Proposal};
use super::State;
use super::PRIMARY;
use raceway_sim::{Check, Invariant};

/// A read that disagreed with the reference map.
#[derive(Clone, Copy, Hash)]
pub(super) struct BadRead {
    index: u32,
    key: Key,
    got: Option<V>,
    want: Option<V>,
}

#[derive(Hash)]
/// The checker's state: the reference map and what tasks observed.
pub struct Ghost {
    /// The log's orders applied in order, up to the primary's last commit.
    pub(super) reference: [Option<V>; 2],
    /// The index of the Delete that removed a key, until the next Save of it.
    pub(super) deleted_at: [Option<u32>; 2],
    pub(super) bad_read: Option<BadRead>,
    pub(super) bad_delete: Option<BadRead>,
    /// An order that applied although its admission saw Δ ≥ 2: (index, order, Δ).
    pub(super) past_horizon: Option<(u32, &'static Order, i32)>,
    /// A restart that did not rebuild the cache it replaced: (before, after).
    pub(super) restart_mismatch: Option<(Cache, Cache)>,
    /// Whether the node crashed during the workload.
    pub(super) crashed: bool,
    /// After the final restart: (the node, a node that never crashed).
    pub(super) final_state: Option<(Persisted, Persisted)>,
}

impl Ghost {
    pub(super) fn read(&mut self, index: u32, key: Key, got: Option<V>) {
        let want = self.reference[key.ix()];
        if got != want && self.bad_read.is_none() {
            self.bad_read = Some(BadRead {
                index,
                key,
                got,
                want,
            });
        }
    }

    pub(super) fn delete(&mut self, index: u32, key: Key, got: Option<V>) {
        let want = self.reference[key.ix()];
        if got.is_none() && want.is_some() && self.bad_delete.is_none() {
            self.bad_delete = Some(BadRead {
                index,
                key,
                got,
                want,
            });
        }
    }

    /// Applies a committed, non-stale order to the reference map.
    pub(super) fn committed(&mut self, index: u32, p: Proposal) {
        let k = p.order.key.ix();
        match p.order.op {
            Op::Save(v) => {
                self.reference[k] = Some(v);
                self.deleted_at[k] = None;
            }
            Op::Delete => {
                if self.reference[k].take().is_some() {
                    self.deleted_at[k] = Some(index);
                }
            }
            Op::Read => {}
        }
        if p.delta >= 2 && self.past_horizon.is_none() {
            self.past_horizon = Some((index, p.order, p.delta));
        }
    }
}

/// The row of key `k` in generation slot `g` of memory, and at its byte on disk.
fn rows_at(node: &Node, g: usize, k: Key) -> (Row, Row, usize) {
    let b = byte(node.cache.cur_gen, g);
    (node.cache.gen(g)[k.ix()], node.disk.rows[b][k.ix()], b)
}

/// Safety, at every commit: gen0 and gen1 equal the disk rows at their bytes, and the meta
/// record equals curGen.
fn memory_equals_disk(s: &State) -> Check {
    let node = &s.nodes[PRIMARY];
    if node.applying {
        return Ok(());
    }
    if node.disk.meta != node.cache.cur_gen {
        return Err(format!(
            "after commit {}: memory is at gen {} but the meta record says {}",
            node.applied, node.cache.cur_gen, node.disk.meta
        ));
    }
    for g in 0..2 {
        for k in KEYS {
            let (mem, disk, b) = rows_at(node, g, k);
            if mem != disk {
                return Err(format!(
                    "after commit {}: gen{g}[{k:?}] is {} in memory but {} on disk (byte {b})",
                    node.applied,
                    row(mem),
                    row(disk)
                ));
            }
        }
    }
    Ok(())
}

/// Safety: a restart rebuilds exactly the cache the node held.
fn restart_reproduces(s: &State) -> Check {
    match s.ghost.restart_mismatch {
        Some((before, after)) => Err(format!(
            "a restart after commit {} rebuilt [{after:?}] but memory held [{before:?}]",
            s.nodes[PRIMARY].applied
        )),
        None => Ok(()),
    }
}

/// Safety: every Read returns what the log's orders applied in order give.
fn reads_match_reference(s: &State) -> Check {
    match s.ghost.bad_read {
        Some(r) => Err(format!(
            "Read({:?}) at index {} returned {} but the log applied in order gives {}",
            r.key,
            r.index,
            value(r.got),
            value(r.want)
        )),
        None => Ok(()),
    }
}

/// Safety: a Delete of a key the reference map holds removes it (a panic instead is reported
/// by the engine as a `panic` violation).
fn delete_of_present_key(s: &State) -> Check {
    match s.ghost.bad_delete {
        Some(r) => Err(format!(
            "Delete({:?}) at index {} answered NotFound but the log applied in order holds {}",
            r.key,
            r.index,
            value(r.want)
        )),
        None => Ok(()),
    }
}

/// Safety, at every commit and across restarts: a deleted key reads NotFound until the next
/// Save (through gen0, then gen1, then `A`, as a Read of it would).
fn no_resurrection(s: &State) -> Check {
    let node = &s.nodes[PRIMARY];
    if node.applying {
        return Ok(());
    }
    for k in KEYS {
        let Some(at) = s.ghost.deleted_at[k.ix()] else {
            continue;
        };
        let c = &node.cache;
        let (row, place) = match (c.gen0[k.ix()], c.gen1[k.ix()]) {
            (Some(e), _) => (Some(e), "gen0"),
            (None, Some(e)) => (Some(e), "gen1"),
            (None, None) => (node.store[k.ix()].map(Entry::live), "A"),
        };
        if let Some(v) = row.and_then(Entry::value) {
            return Err(format!(
                "{k:?} was deleted at index {at} but the node holds it live again: {v:?} in {place}"
            ));
        }
    }
    Ok(())
}

/// Safety: no order applies whose admission saw Δ ≥ 2.
fn no_apply_past_horizon(s: &State) -> Check {
    match s.ghost.past_horizon {
        Some((i, order, delta)) => Err(format!(
            "{order:?} applied at index {i} although its admission saw Δ = {delta}"
        )),
        None => Ok(()),
    }
}

/// Convergence: after a final restart, the node equals a node that never crashed.
fn converges_after_restart(s: &State) -> Check {
    match s.ghost.final_state {
        Some((node, never)) if node != never => Err(format!(
            "after a final restart the node holds {node:?} but a node that never crashed holds {never:?}"
        )),
        Some(_) => Ok(()),
        None => Err("the settle phase did not run".to_string()),
    }
}

pub(super) const MEMORY_EQUALS_DISK: Invariant<State> =
    Invariant::safety("memory-equals-disk", memory_equals_disk);

const RESTART_REPRODUCES: Invariant<State> =
    Invariant::safety("restart-reproduces", restart_reproduces);

const READS_MATCH_REFERENCE: Invariant<State> =
    Invariant::safety("reads-match-reference", reads_match_reference);

const DELETE_OF_PRESENT_KEY: Invariant<State> =
    Invariant::safety("delete-of-present-key", delete_of_present_key);

const NO_RESURRECTION: Invariant<State> = Invariant::safety("no-resurrection", no_resurrection);

const NO_APPLY_PAST_HORIZON: Invariant<State> =
    Invariant::safety("no-apply-past-horizon", no_apply_past_horizon);

const CONVERGES_AFTER_RESTART: Invariant<State> =
    Invariant::convergence("converges-after-restart", converges_after_restart);

pub(super) static INVARIANTS: [Invariant<State>; 7] = [
    MEMORY_EQUALS_DISK,
    RESTART_REPRODUCES,
    READS_MATCH_REFERENCE,
    DELETE_OF_PRESENT_KEY,
    NO_RESURRECTION,
    NO_APPLY_PAST_HORIZON,
    CONVERGES_AFTER_RESTART,
];
