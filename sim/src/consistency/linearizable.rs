//! Linearizability (Herlihy and Wing, 1990): every operation appears to take effect at one
//! instant between its invocation and its completion, in an order the sequential
//! specification accepts.
//!
//! The check is exact: Wing and Gong's search (1993) with Lowe's memo (2017), as porcupine
//! does it. The operations' invocations and returns sit in one list in real-time order. The
//! search walks it from the front: an invocation whose operation the specification accepts
//! in the current state is linearized (taken out of the list with its return, and pushed on
//! a stack); reaching a return whose operation is not yet linearized means the choices so
//! far cannot work, so the last one is undone and the walk goes on past it. A configuration
//! (the set of operations linearized, the state) already explored is never explored again,
//! which makes the search fast on real histories though the problem is NP-complete (Gibbons
//! and Korach, 1997). A specification made of independent parts ([`Spec::part`]) is checked
//! one part at a time.
//!
//! Operations that failed are left out; an operation of unknown outcome may be linearized
//! anywhere after its invocation, or not at all.

use super::bitset::Bitset;
use super::history::{Operation, Outcome};
use super::spec::Spec;
use super::value::Value;
use std::collections::{BTreeMap, HashSet};
use std::hash::{BuildHasherDefault, DefaultHasher};

/// The verdict on one independent part of a history (one key of a key-value map).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// The part (`None` when the specification has one).
    pub key: Option<Value>,
    /// Its operations' ids, in invocation order (failed operations left out).
    pub ops: Vec<usize>,
    /// Whether it is linearizable.
    pub holds: bool,
    /// A linearization (operation ids) when it holds; when it does not, the longest
    /// linearizable prefix the search found (only with [`Detail::Witness`]).
    pub order: Vec<usize>,
    /// When it does not hold: the completed operation with the earliest return that the
    /// longest prefix could not be extended to linearize (only with [`Detail::Witness`]).
    pub stuck: Option<usize>,
}

/// How much a check records besides the verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// The verdict, and a linearization when it holds.
    Verdict,
    /// Also the longest linearizable prefix of a part that does not hold (quadratic time in
    /// the worst case: meant for small, minimised histories).
    Witness,
}

/// Checks each part of `ops` against `spec`; parts in the order of their keys.
pub fn check_linearizable<S: Spec>(spec: &S, ops: &[Operation], detail: Detail) -> Vec<Part> {
    let mut parts: BTreeMap<Option<Value>, Vec<&Operation>> = BTreeMap::new();
    for op in ops.iter().filter(|op| op.outcome != Outcome::Fail) {
        parts.entry(spec.part(op)).or_default().push(op);
    }
    parts
        .into_iter()
        .map(|(key, ops)| {
            let found = search(spec, &ops, detail);
            Part {
                key,
                ops: ops.iter().map(|op| op.id).collect(),
                holds: found.holds,
                order: found.order.iter().map(|&i| ops[i].id).collect(),
                stuck: found.stuck.map(|i| ops[i].id),
            }
        })
        .collect()
}

/// Whether `ops` is linearizable against `spec` (every part).
pub fn is_linearizable<S: Spec>(spec: &S, ops: &[Operation]) -> bool {
    check_linearizable(spec, ops, Detail::Verdict)
        .iter()
        .all(|p| p.holds)
}

struct Found {
    holds: bool,
    /// Indices into the searched slice.
    order: Vec<usize>,
    stuck: Option<usize>,
}

const NONE: usize = usize::MAX;

/// The list of invocations and returns, linked both ways so that an entry taken out can be
/// put back in constant time (Knuth's dancing links). Node 0 is the head, the last the tail.
struct Entries {
    prev: Vec<usize>,
    next: Vec<usize>,
    /// Per node: its operation (index into the searched slice).
    op: Vec<usize>,
    /// Per node: for an invocation, its return's node (`NONE` if it never returns); for a
    /// return, `NONE`.
    ret: Vec<usize>,
    is_call: Vec<bool>,
}

impl Entries {
    fn new(ops: &[&Operation]) -> Self {
        // (event index, op, is call)
        let mut events: Vec<(usize, usize, bool)> = Vec::with_capacity(ops.len() * 2);
        for (i, op) in ops.iter().enumerate() {
            events.push((op.invoked, i, true));
            if let Some(r) = op.returned() {
                events.push((r, i, false));
            }
        }
        events.sort_unstable();
        let n = events.len() + 2;
        let mut e = Entries {
            prev: (0..n).map(|i| i.wrapping_sub(1)).collect(),
            next: (1..=n).collect(),
            op: vec![NONE; n],
            ret: vec![NONE; n],
            is_call: vec![false; n],
        };
        let mut call_node = vec![NONE; ops.len()];
        for (k, &(_, op, is_call)) in events.iter().enumerate() {
            let node = k + 1;
            e.op[node] = op;
            e.is_call[node] = is_call;
            if is_call {
                call_node[op] = node;
            } else {
                e.ret[call_node[op]] = node;
            }
        }
        e
    }

    fn first(&self) -> usize {
        self.next[0]
    }

    fn tail(&self) -> usize {
        self.next.len() - 1
    }

    fn unlink(&mut self, x: usize) {
        let (p, n) = (self.prev[x], self.next[x]);
        self.next[p] = n;
        self.prev[n] = p;
    }

    fn relink(&mut self, x: usize) {
        let (p, n) = (self.prev[x], self.next[x]);
        self.next[p] = x;
        self.prev[n] = x;
    }

    /// Takes an invocation and its return out of the list.
    fn lift(&mut self, call: usize) {
        self.unlink(call);
        if self.ret[call] != NONE {
            self.unlink(self.ret[call]);
        }
    }

    /// Puts back what [`Entries::lift`] took out, in the reverse order.
    fn unlift(&mut self, call: usize) {
        if self.ret[call] != NONE {
            self.relink(self.ret[call]);
        }
        self.relink(call);
    }
}

type Memo<S> = HashSet<(Bitset, S), BuildHasherDefault<DefaultHasher>>;

fn search<S: Spec>(spec: &S, ops: &[&Operation], detail: Detail) -> Found {
    let mut entries = Entries::new(ops);
    let mut linearized = Bitset::new(ops.len());
    // A fixed hasher: the memo is only looked up, never iterated, yet nothing random runs here.
    let mut memo: Memo<S::State> = HashSet::default();
    let mut state = spec.init();
    let mut stack: Vec<(usize, S::State)> = Vec::new();
    let mut unreturned = ops.iter().filter(|op| op.returned().is_some()).count();
    let mut longest: Vec<usize> = Vec::new();
    let mut stuck = None;
    let mut entry = entries.first();
    loop {
        if unreturned == 0 {
            let order = stack.iter().map(|&(node, _)| entries.op[node]).collect();
            return Found {
                holds: true,
                order,
                stuck: None,
            };
        }
        assert!(
            entry != entries.tail(),
            "a return follows every invocation the search can linearize"
        );
        let op = entries.op[entry];
        if entries.is_call[entry] {
            if let Some(next) = spec.step(&state, ops[op]) {
                linearized.insert(op);
                if memo.insert((linearized.clone(), next.clone())) {
                    stack.push((entry, std::mem::replace(&mut state, next)));
                    entries.lift(entry);
                    if entries.ret[entry] != NONE {
                        unreturned -= 1;
                    }
                    if detail == Detail::Witness && stack.len() > longest.len() {
                        longest = stack.iter().map(|&(node, _)| entries.op[node]).collect();
                        stuck = None;
                    }
                    entry = entries.first();
                    continue;
                }
                linearized.remove(op);
            }
            entry = entries.next[entry];
        } else {
            if detail == Detail::Witness && stack.len() == longest.len() && stuck.is_none() {
                stuck = Some(op);
            }
            let Some((call, previous)) = stack.pop() else {
                return Found {
                    holds: false,
                    order: longest,
                    stuck,
                };
            };
            state = previous;
            linearized.remove(entries.op[call]);
            entries.unlift(call);
            if entries.ret[call] != NONE {
                unreturned += 1;
            }
            entry = entries.next[call];
        }
    }
}
