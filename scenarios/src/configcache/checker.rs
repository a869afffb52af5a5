//! The checker: the ghost history of commits, gets and sets (a bounded log), and the
//! invariants over it.

use super::system::{Ch, TTL};
use super::State;
use super::SETTLE_WAIT;
use raceway_sim::{Check, Instant, Invariant};

/// An append-only log of at most `N` records, without allocation.
#[derive(Debug, Hash)]
struct Log<T, const N: usize> {
    items: [Option<T>; N],
    len: usize,
}

impl<T: Copy, const N: usize> Log<T, N> {
    fn new() -> Self {
        Self {
            items: [None; N],
            len: 0,
        }
    }

    /// Appends `item` and returns its index. Panics when full: the workloads are fixed, so a
    /// full log is a bug of this model.
    fn push(&mut self, item: T) -> usize {
        self.items[self.len] = Some(item);
        self.len += 1;
        self.len - 1
    }

    fn get(&self, i: usize) -> Option<&T> {
        self.items.get(i).and_then(Option::as_ref)
    }

    fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        self.items.get_mut(i).and_then(Option::as_mut)
    }

    fn iter(&self) -> impl Iterator<Item = &T> {
        self.items[..self.len].iter().flatten()
    }
}

/// A value the row committed, and when.
#[derive(Clone, Copy, Debug, Hash)]
struct Commit {
    value: Ch,
    at: Instant,
}

/// A `get`'s return: when, and what it returned.
#[derive(Clone, Copy, Debug, Hash)]
struct GetEnd {
    at: Instant,
    value: Ch,
}

/// One `get`: who ran it, when its first step ran, and how it ended.
#[derive(Clone, Copy, Debug, Hash)]
struct GetRecord {
    who: &'static str,
    seq: u32,
    at: Instant,
    end: Option<GetEnd>,
}

/// One `set` that returned: who ran it, when, and the commit it made (none if it failed).
#[derive(Clone, Copy, Debug, Hash)]
struct SetRecord {
    who: &'static str,
    value: Ch,
    seq: u32,
    at: Instant,
    commit: Option<usize>,
}

/// Ghost: the history the invariants judge. Every event takes the next `seq`, so `seq` orders
/// events as they happened even when the virtual clock stands still.
#[derive(Debug, Hash)]
pub(super) struct History {
    seq: u32,
    commits: Log<Commit, 3>,
    gets: Log<GetRecord, 5>,
    sets: Log<SetRecord, 2>,
    /// What the settle phase's `get` returned.
    pub(super) settled: Option<Ch>,
}

impl History {
    pub(super) fn new() -> Self {
        let mut commits = Log::new();
        commits.push(Commit {
            value: Ch::C1,
            at: Instant::ZERO,
        });
        Self {
            seq: 0,
            commits,
            gets: Log::new(),
            sets: Log::new(),
            settled: None,
        }
    }

    fn next_seq(&mut self) -> u32 {
        self.seq += 1;
        self.seq
    }

    pub(super) fn committed(&mut self, value: Ch, at: Instant) -> usize {
        self.commits.push(Commit { value, at })
    }

    pub(super) fn get_started(&mut self, who: &'static str, at: Instant) -> usize {
        let seq = self.next_seq();
        self.gets.push(GetRecord {
            who,
            seq,
            at,
            end: None,
        })
    }

    pub(super) fn get_returned(&mut self, get: usize, at: Instant, value: Ch) {
        if let Some(g) = self.gets.get_mut(get) {
            g.end = Some(GetEnd { at, value });
        }
    }

    pub(super) fn set_returned(
        &mut self,
        who: &'static str,
        value: Ch,
        at: Instant,
        commit: Option<usize>,
    ) {
        let seq = self.next_seq();
        self.sets.push(SetRecord {
            who,
            value,
            seq,
            at,
            commit,
        });
    }

    /// The index of the commit of `value`, if the row ever held it.
    fn commit_of(&self, value: Ch) -> Option<usize> {
        self.commits.iter().position(|c| c.value == value)
    }

    /// The gets that have returned, with their results.
    fn returned(&self) -> impl Iterator<Item = (&GetRecord, GetEnd)> {
        self.gets.iter().filter_map(|g| g.end.map(|e| (g, e)))
    }
}

/// Safety: a `get` that starts after a successful `set` returned sees that value or a later
/// one.
fn read_your_writes(s: &State) -> Check {
    let h = &s.history;
    for (get, end) in h.returned() {
        let Some(seen) = h.commit_of(end.value) else {
            continue; // `only-committed-values` reports it.
        };
        for set in h.sets.iter().filter(|set| set.seq < get.seq) {
            match set.commit {
                Some(c) if seen < c => {
                    return Err(format!(
                        "{}'s get, begun at {} after {}'s set(g, {:?}) had returned (at {}), \
                         returned {:?}, which the row held before {:?}",
                        get.who, get.at, set.who, set.value, set.at, end.value, set.value
                    ))
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Safety: every value a `get` returns was the row's value at some time no earlier than the
/// TTL before the `get` returned.
fn bounded_staleness(s: &State) -> Check {
    let h = &s.history;
    for (get, end) in h.returned() {
        let Some(c) = h.commit_of(end.value) else {
            continue; // `only-committed-values` reports it.
        };
        if let Some(next) = h.commits.get(c + 1) {
            if next.at.after(TTL) < end.at {
                return Err(format!(
                    "{}'s get returned {:?} at {}, but the row has held {:?} since {}, \
                     more than the TTL ({}s) before",
                    get.who,
                    end.value,
                    end.at,
                    next.value,
                    next.at,
                    TTL.as_secs()
                ));
            }
        }
    }
    Ok(())
}

/// Safety: no `get` returns a value the DB never committed (a failed write's value).
fn only_committed_values(s: &State) -> Check {
    let h = &s.history;
    match h
        .returned()
        .find(|(_, end)| h.commit_of(end.value).is_none())
    {
        Some((get, end)) => Err(format!(
            "{}'s get returned {:?} at {}, a value the row never held",
            get.who, end.value, end.at
        )),
        None => Ok(()),
    }
}

/// Convergence: once the TTL has elapsed after the last write, `get` returns the row's value.
fn converges_after_ttl(s: &State) -> Check {
    match s.history.settled {
        Some(v) if v == s.row => Ok(()),
        Some(v) => Err(format!(
            "{}s after the workload ended, get returned {v:?} but the row holds {:?}",
            SETTLE_WAIT.as_secs(),
            s.row
        )),
        None => Err("the settle phase did not run".to_string()),
    }
}

const ONLY_COMMITTED_VALUES: Invariant<State> =
    Invariant::safety("only-committed-values", only_committed_values);

pub(super) const READ_YOUR_WRITES: Invariant<State> =
    Invariant::safety("read-your-writes", read_your_writes);

const BOUNDED_STALENESS: Invariant<State> =
    Invariant::safety("bounded-staleness", bounded_staleness);

const CONVERGES_AFTER_TTL: Invariant<State> =
    Invariant::convergence("converges-after-ttl", converges_after_ttl);

pub(super) static INVARIANTS: [Invariant<State>; 4] = [
    ONLY_COMMITTED_VALUES,
    READ_YOUR_WRITES,
    BOUNDED_STALENESS,
    CONVERGES_AFTER_TTL,
];
