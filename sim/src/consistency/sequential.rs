//! Sequential consistency (Lamport, 1979): the operations can be put in one order that the
//! sequential specification accepts and that keeps each process's own order. Unlike
//! linearizability it ignores real time across processes: a read may return a value that
//! was overwritten long before, as long as every process sees one history of the object.
//!
//! The check is exact: a depth-first search over the orders that keep every process's order,
//! remembering each configuration explored (the set of operations placed, the state), as
//! the linearizability checker does. Sequential consistency is not local (a history can be
//! sequentially consistent per key and not as a whole), so the object is checked whole.
//!
//! A linearizable history is sequentially consistent (a linearization keeps each process's
//! order, and per-key linearizations compose), so the search runs only when the
//! linearizability checker finds none: it is exponential in the worst case, and large
//! histories that are not linearizable can take long.
//!
//! Failed operations are left out. An operation of unknown outcome may be placed anywhere
//! after the operations its process invoked before it, or not at all.

use super::bitset::Bitset;
use super::history::{Operation, Outcome};
use super::linearizable::is_linearizable;
use super::spec::Spec;
use std::collections::{BTreeMap, HashSet};
use std::hash::{BuildHasherDefault, DefaultHasher};

/// How many configurations (operations placed, state) [`check_sequential`] explores before
/// it gives up: enough for any history of a simulation's run, and it bounds the exponential
/// worst case of a large history that is not linearizable to seconds.
pub const SEQUENTIAL_BUDGET: u64 = 1 << 20;

/// The verdict of [`check_sequential`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sequential {
    /// Whether the history is sequentially consistent (false also when undecided).
    pub holds: bool,
    /// Whether the search finished: `false` when it gave up at its budget, and then `holds`
    /// is false without proving anything.
    pub decided: bool,
    /// The order the search found (operation ids) when it holds (empty when linearizability
    /// already proved it); when it does not, the longest prefix of an order the search found
    /// (only when asked for a witness).
    pub order: Vec<usize>,
}

/// Where the next operation may come from: a process's next completed operation, or one
/// operation of unknown outcome.
enum Slot {
    Process(usize),
    Unknown {
        op: usize,
        process: usize,
        /// How many of its process's completed operations come before it.
        after: usize,
    },
}

/// Checks `ops` for sequential consistency against `spec`, within [`SEQUENTIAL_BUDGET`]
/// configurations; with `witness`, a failing check also records the longest prefix found
/// (quadratic time: meant for small histories).
pub fn check_sequential<S: Spec>(spec: &S, ops: &[Operation], witness: bool) -> Sequential {
    check_sequential_within(spec, ops, witness, SEQUENTIAL_BUDGET)
}

/// [`check_sequential`] within `budget` configurations: past it, the verdict is undecided.
pub fn check_sequential_within<S: Spec>(
    spec: &S,
    ops: &[Operation],
    witness: bool,
    budget: u64,
) -> Sequential {
    if is_linearizable(spec, ops) {
        return Sequential {
            holds: true,
            decided: true,
            order: Vec::new(),
        };
    }
    let ops: Vec<&Operation> = ops.iter().filter(|o| o.outcome != Outcome::Fail).collect();
    let processes: BTreeMap<u32, usize> = ops
        .iter()
        .map(|o| o.process)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .enumerate()
        .map(|(i, p)| (p, i))
        .collect();
    let mut chains: Vec<Vec<usize>> = vec![Vec::new(); processes.len()];
    let mut slots: Vec<Slot> = (0..processes.len()).map(Slot::Process).collect();
    for (i, op) in ops.iter().enumerate() {
        let p = processes[&op.process];
        if op.outcome == Outcome::Ok {
            chains[p].push(i);
        } else {
            slots.push(Slot::Unknown {
                op: i,
                process: p,
                after: chains[p].len(),
            });
        }
    }
    let total: usize = chains.iter().map(Vec::len).sum();
    let mut at = vec![0usize; chains.len()];
    let mut placed = Bitset::new(ops.len());
    let mut memo: HashSet<(Bitset, S::State), BuildHasherDefault<DefaultHasher>> =
        HashSet::default();
    let mut state = spec.init();
    // (where to resume among the candidates before it, op, state before it)
    let mut stack: Vec<(usize, usize, S::State)> = Vec::new();
    // Per operation: its process's index, if it completed (is in a chain).
    let mut chain_of = vec![None; ops.len()];
    for (p, chain) in chains.iter().enumerate() {
        for &op in chain {
            chain_of[op] = Some(p);
        }
    }
    let mut done = 0;
    let mut longest: Vec<usize> = Vec::new();
    let mut cursor = 0;
    loop {
        if done == total {
            return Sequential {
                holds: true,
                decided: true,
                order: stack.iter().map(|&(_, op, _)| ops[op].id).collect(),
            };
        }
        // The operations that may come next, in invocation order: a linearizable history's
        // real-time order is then found without backtracking.
        let mut candidates: Vec<usize> = slots
            .iter()
            .filter_map(|s| match *s {
                Slot::Process(p) => chains[p].get(at[p]).copied(),
                Slot::Unknown { op, process, after } => {
                    (!placed.contains(op) && at[process] >= after).then_some(op)
                }
            })
            .collect();
        candidates.sort_by_key(|&op| ops[op].invoked);
        let mut advanced = false;
        while cursor < candidates.len() {
            let op = candidates[cursor];
            cursor += 1;
            let Some(next) = spec.step(&state, ops[op]) else {
                continue;
            };
            placed.insert(op);
            if !memo.insert((placed.clone(), next.clone())) {
                placed.remove(op);
                continue;
            }
            if memo.len() as u64 > budget {
                return Sequential {
                    holds: false,
                    decided: false,
                    order: longest,
                };
            }
            stack.push((cursor, op, std::mem::replace(&mut state, next)));
            if let Some(p) = chain_of[op] {
                at[p] += 1;
                done += 1;
            }
            if witness && stack.len() > longest.len() {
                longest = stack.iter().map(|&(_, op, _)| ops[op].id).collect();
            }
            cursor = 0;
            advanced = true;
            break;
        }
        if advanced {
            continue;
        }
        let Some((resume, op, previous)) = stack.pop() else {
            return Sequential {
                holds: false,
                decided: true,
                order: longest,
            };
        };
        state = previous;
        placed.remove(op);
        if let Some(p) = chain_of[op] {
            at[p] -= 1;
            done -= 1;
        }
        cursor = resume;
    }
}
