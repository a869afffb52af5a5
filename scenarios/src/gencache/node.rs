//! The system model, pure: the Raft log, and a node's committed store, cache and disk.

use super::cache::{write_gen, Cache, Disk, Entry, Key, V};
use std::fmt;

/// The most entries a workload appends.
const MAX_LOG: usize = 8;

/// The Raft log, shared by proposers and the FSM.
pub(super) const LOG: &str = "raft.log";

/// A replica of the state machine: cache, disk mirror, committed store `A`, applied index.
#[derive(Clone, Copy, Hash)]
pub struct Node {
    pub(super) cache: Cache,
    pub(super) disk: Disk,
    pub(super) store: [Option<V>; 2],
    pub(super) applied: u32,
    /// Between fetching an entry and committing it: memory may differ from disk meanwhile.
    pub(super) applying: bool,
}

/// What survives of a node and what must converge: cache, disk and store.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Persisted {
    pub(super) cache: Cache,
    pub(super) disk: Disk,
    pub(super) store: [Option<V>; 2],
}

impl fmt::Debug for Persisted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{:?}; disk {:?}; A ", self.cache, self.disk)?;
        write_gen(f, &self.store.map(|v| v.map(Entry::live)))?;
        f.write_str("]")
    }
}

/// A metadata operation.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `SaveMetadata(k, v)`.
    Save(V),
    /// `DeleteMetadata(k)`.
    Delete,
    /// A read of `k` inside an order.
    Read,
}

#[derive(Hash)]
/// An order of a workload, with the label of its proposal.
pub struct Order {
    pub(super) op: Op,
    pub(super) key: Key,
    pub(super) propose: &'static str,
}

impl fmt::Debug for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let k = self.key;
        match self.op {
            Op::Save(v) => write!(f, "Save({k:?}, {v:?})"),
            Op::Delete => write!(f, "Delete({k:?})"),
            Op::Read => write!(f, "Read({k:?})"),
        }
    }
}

/// The plan entry admission attaches for the order's key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Plan {
    /// Declares the key, carries nothing.
    Coverage,
    /// Carries the value admission read from `A`.
    Seed(V),
}

impl fmt::Debug for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Plan::Coverage => f.write_str("coverage-only"),
            Plan::Seed(v) => write!(f, "seed {v:?}"),
        }
    }
}

/// An admitted order, as the log holds it.
#[derive(Clone, Copy, Hash)]
pub(super) struct Proposal {
    pub(super) order: &'static Order,
    pub(super) predicted: u32,
    pub(super) plan: Plan,
    /// What admission saw, for the horizon invariant.
    pub(super) delta: i32,
}

#[derive(Clone, Copy, Hash)]
pub(super) enum LogEntry {
    Noop,
    Order(Proposal),
}

impl fmt::Debug for LogEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogEntry::Noop => f.write_str("noop"),
            LogEntry::Order(p) => {
                write!(f, "{:?}, predicted {}, {:?}", p.order, p.predicted, p.plan)
            }
        }
    }
}

/// The Raft log: appended by proposers, applied in order by the FSM.
#[derive(Default, Hash)]
pub(super) struct Log {
    entries: [Option<LogEntry>; MAX_LOG],
    len: u32,
}

impl Log {
    /// The index the next append takes: what admission predicts.
    pub(super) fn next(&self) -> u32 {
        self.len + 1
    }

    /// Appends `e`; returns the index it took.
    pub(super) fn append(&mut self, e: LogEntry) -> u32 {
        self.entries[self.len as usize] = Some(e);
        self.len += 1;
        self.len
    }

    pub(super) fn get(&self, i: u32) -> Option<LogEntry> {
        self.entries[(i - 1) as usize]
    }
}

/// `raft.NextEntry()` → entry `index` if appended, and the cache's generation.
pub(super) struct Fetched {
    pub(super) index: u32,
    pub(super) entry: Option<LogEntry>,
    pub(super) cur_gen: u32,
}

/// What an applied entry did, for the commit.
#[derive(Clone, Copy)]
pub(super) enum Outcome {
    Noop,
    Stale(u32),
    /// A read-only order, with what it read.
    Read(Option<V>),
    Saved(Key, V),
    Deleted(Key),
    NotFound(Key),
}

/// `node.Restart()` → the cache before the crash and the one rebuilt from disk.
#[derive(Clone, Copy)]
pub(super) struct Restarted {
    pub(super) before: Cache,
    pub(super) after: Cache,
}

impl Node {
    pub(super) fn new(store: [Option<V>; 2]) -> Node {
        Node {
            cache: Cache {
                cur_gen: 0,
                gen0: [None; 2],
                gen1: [None; 2],
            },
            disk: Disk {
                meta: 0,
                rows: [[None; 2]; 2],
            },
            store,
            applied: 0,
            applying: false,
        }
    }

    pub(super) fn persisted(&self) -> Persisted {
        Persisted {
            cache: self.cache,
            disk: self.disk,
            store: self.store,
        }
    }

    pub(super) fn commit(&mut self, i: u32, outcome: Outcome) {
        match outcome {
            Outcome::Saved(k, v) => self.store[k.ix()] = Some(v),
            Outcome::Deleted(k) => self.store[k.ix()] = None,
            _ => {}
        }
        self.applied = i;
        self.applying = false;
    }

    pub(super) fn restart(&mut self) -> Restarted {
        let before = self.cache;
        self.cache = self.disk.load();
        Restarted {
            before,
            after: self.cache,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_appends_at_the_index_admission_predicts() {
        let mut log = Log::default();
        assert_eq!(log.next(), 1);
        let i = log.append(LogEntry::Noop);
        assert_eq!((i, log.next()), (1, 2));
        assert!(matches!(log.get(1), Some(LogEntry::Noop)));
    }

    #[test]
    fn a_commit_updates_the_store_and_a_restart_rebuilds_the_cache_from_disk() {
        let mut node = Node::new([Some(V::V1), None]);
        node.commit(1, Outcome::Saved(Key::J, V::V2));
        node.commit(2, Outcome::Deleted(Key::K));
        assert_eq!(node.store, [None, Some(V::V2)]);
        assert_eq!(node.applied, 2);
        // Memory ahead of disk (a put not yet mirrored) is lost by a restart.
        node.cache.put(Key::K, Entry::live(V::V));
        let r = node.restart();
        assert_ne!(r.before, r.after);
        assert_eq!(node.cache, node.disk.load());
    }
}
