//! The session guarantees of Terry et al. (1994), for histories of registers and key-value
//! maps: what one client (a session: one process) is promised about its own reads and
//! writes, however many replicas serve it.
//!
//! # Definitions
//!
//! Values identify writes: when exactly one operation wrote value `v` to key `k` (or `v` is
//! `null` and no operation wrote `null` to `k`: then the initial value `⊥`), a read of `v`
//! from `k` *reads from* that write, `rf(r)`. Below, `a → b` means that process `p` invoked
//! `a` before `b`, both on key `k`; every rule is per key.
//!
//! Read-your-writes and monotonic reads follow Viotti and Vukolić's formalisation (2016):
//! every replica applies a key's writes in one order, the *arbitration order* `⪯`, with `⊥`
//! first, and a read returns the last write, in that order, among those its replica has
//! seen. The guarantee holds when some arbitration order of each key's writes satisfies:
//!
//! - **read-your-writes**: `w → r` implies `w ⪯ rf(r)`: a read sees the process's own
//!   earlier writes, or writes ordered after them.
//! - **monotonic reads**: `r1 → r2` implies `rf(r1) ⪯ rf(r2)`: a process never reads a
//!   write older than one it read before.
//!
//! Each rule is a set of edges between writes; some order satisfies them exactly when they
//! form no cycle and none points to `⊥` (two different writes are never equal in a total
//! order, so `⪯` between them is `≺`).
//!
//! Monotonic writes and writes-follow-reads constrain only the order of writes, which no
//! single read of one key shows by itself; they are checked as Jepsen states them, by what
//! processes observe. Say `w1` is *before* `w2` when `w1 → w2` (monotonic writes), or when
//! `p` read from `w1` and then issued `w2` (writes follow reads). The guarantee breaks when
//! some process `q` reads from `w2` and later reads from `w1`, or reads `⊥` while some write
//! is before `w2`: `q` observed `w2` and then a state without `w1`.
//!
//! A read of a value that no operation wrote to its key breaks every guarantee (no replica
//! could return it). A successful compare-and-set reads its expected value, then writes its
//! new one. A delete writes `null`. An operation of unknown outcome takes part as a write
//! only when some read read from it (then it took effect). Failed operations are left out.
//!
//! # What these checks cannot see
//!
//! Reads whose value several operations wrote (the same value written twice, or `null` after
//! a delete) are ambiguous and constrain nothing here. The rules are per key: a guarantee
//! between keys (a write to `y` following a read of `x`) is invisible here. Sequential
//! consistency implies all four guarantees as defined here; linearizability implies it.

use super::history::{Operation, Outcome};
use super::value::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// One of Terry et al.'s four session guarantees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Guarantee {
    /// A read sees the process's own earlier writes.
    ReadYourWrites,
    /// A process's reads never go back in time.
    MonotonicReads,
    /// A process's writes are ordered as it issued them.
    MonotonicWrites,
    /// A write is ordered after what the process read before it.
    WritesFollowReads,
}

/// A write in a key's arbitration order: `⊥`, or an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Write {
    Initial,
    Op(usize),
}

/// A write, with the operation of the session that involved it (wrote or read from it).
type Because = (Write, usize);

/// `before ⪯ after`, required because of two operations of one process (`earlier` then
/// `later`).
struct Edge {
    before: Write,
    after: Write,
    earlier: usize,
    later: usize,
}

/// Checks `guarantee` on `ops`: `Err` says why it cannot hold.
pub fn check_session(ops: &[Operation], guarantee: Guarantee) -> Result<(), String> {
    let mut by_key: BTreeMap<Option<&Value>, Vec<&Operation>> = BTreeMap::new();
    for op in ops.iter().filter(|o| o.outcome != Outcome::Fail) {
        by_key.entry(op.key.as_ref()).or_default().push(op);
    }
    for key_ops in by_key.values() {
        check_key(key_ops, guarantee)?;
    }
    Ok(())
}

fn check_key(ops: &[&Operation], guarantee: Guarantee) -> Result<(), String> {
    // Who wrote each value (the initial value wrote `null`).
    let mut writers: BTreeMap<&Value, Vec<Write>> = BTreeMap::new();
    writers.entry(&Value::Nil).or_default().push(Write::Initial);
    for op in ops {
        if let Some(v) = op.writes() {
            writers.entry(v).or_default().push(Write::Op(op.id));
        }
    }
    let source = |op: &Operation| -> Result<Option<Write>, String> {
        let Some(v) = op.observes() else {
            return Ok(None);
        };
        match writers.get(v).map(Vec::as_slice) {
            None => Err(format!("{op} reads a value no operation wrote")),
            Some([w]) => Ok(Some(*w)),
            Some(_) => Ok(None),
        }
    };
    // Unknown-outcome writes took effect only if something read from them.
    let mut effective = BTreeSet::new();
    for op in ops {
        if let Some(Write::Op(w)) = source(op)? {
            effective.insert(w);
        }
    }
    match guarantee {
        Guarantee::ReadYourWrites | Guarantee::MonotonicReads => {
            arbitration(ops, guarantee, &source, &effective)
        }
        Guarantee::MonotonicWrites | Guarantee::WritesFollowReads => {
            observed_order(ops, guarantee, &source, &effective)
        }
    }
}

type Source<'a> = dyn Fn(&Operation) -> Result<Option<Write>, String> + 'a;

/// Whether `op` took part as a write: it returned, or something read from it.
fn wrote(op: &Operation, effective: &BTreeSet<usize>) -> bool {
    op.writes().is_some() && (op.outcome == Outcome::Ok || effective.contains(&op.id))
}

/// Read-your-writes or monotonic reads: some arbitration order satisfies the rule's edges.
fn arbitration(
    ops: &[&Operation],
    guarantee: Guarantee,
    source: &Source<'_>,
    effective: &BTreeSet<usize>,
) -> Result<(), String> {
    // Per process: its writes and the writes it read from so far, with the operation.
    let mut sessions: BTreeMap<u32, (Vec<Because>, Vec<Because>)> = BTreeMap::new();
    let mut edges = Vec::new();
    for op in ops {
        let (writes, reads) = sessions.entry(op.process).or_default();
        let observed = if op.outcome == Outcome::Ok {
            source(op)?
        } else {
            None
        };
        if let Some(src) = observed {
            let earlier = match guarantee {
                Guarantee::ReadYourWrites => &*writes,
                _ => &*reads,
            };
            for &(w, by) in earlier {
                edges.push(Edge {
                    before: w,
                    after: src,
                    earlier: by,
                    later: op.id,
                });
            }
            reads.push((src, op.id));
        }
        if wrote(op, effective) {
            writes.push((Write::Op(op.id), op.id));
        }
    }
    let find = |id: usize| {
        ops.iter()
            .find(|o| o.id == id)
            .expect("an edge names its operations")
    };
    if let Some(e) = edges
        .iter()
        .find(|e| e.after == Write::Initial && e.before != Write::Initial)
    {
        return Err(format!(
            "{} then {}: the read returns the initial value, older than what the process wrote \
             or read before",
            find(e.earlier),
            find(e.later)
        ));
    }
    match cycle(&edges) {
        None => Ok(()),
        Some(cycle) => {
            let mut why = String::from("no order of the writes satisfies, at once:");
            for e in cycle.iter().map(|&i| &edges[i]) {
                let _ = write!(why, " [{} then {}]", find(e.earlier), find(e.later));
            }
            Err(why)
        }
    }
}

/// Monotonic writes or writes follow reads: no process observes a write, then a state
/// without a write before it.
fn observed_order(
    ops: &[&Operation],
    guarantee: Guarantee,
    source: &Source<'_>,
    effective: &BTreeSet<usize>,
) -> Result<(), String> {
    // Per write: the writes before it (and the operation that made each so).
    let mut before: BTreeMap<usize, Vec<Because>> = BTreeMap::new();
    let mut sessions: BTreeMap<u32, Vec<Because>> = BTreeMap::new();
    for op in ops {
        let earlier = sessions.entry(op.process).or_default();
        if guarantee == Guarantee::WritesFollowReads && op.outcome == Outcome::Ok {
            if let Some(src) = source(op)? {
                earlier.push((src, op.id));
            }
        }
        if wrote(op, effective) {
            before.insert(op.id, earlier.clone());
            if guarantee == Guarantee::MonotonicWrites {
                earlier.push((Write::Op(op.id), op.id));
            }
        }
    }
    let find = |id: usize| {
        ops.iter()
            .find(|o| o.id == id)
            .expect("a rule names its operations")
    };
    // Per process: the writes it has read from, with the read.
    let mut seen: BTreeMap<u32, Vec<(usize, usize)>> = BTreeMap::new();
    for op in ops {
        if op.outcome != Outcome::Ok {
            continue;
        }
        let Some(src) = source(op)? else { continue };
        let read = seen.entry(op.process).or_default();
        for &(w2, first) in read.iter() {
            let Some(&(_, why)) = before.get(&w2).and_then(|b| {
                b.iter()
                    .find(|&&(w1, _)| w1 == src || src == Write::Initial)
            }) else {
                continue;
            };
            let missed = match guarantee {
                Guarantee::MonotonicWrites => {
                    format!("{}, which its process wrote before", find(why))
                }
                _ => format!("what {} read before it was issued", find(why)),
            };
            return Err(format!(
                "{} then {}: a process read {}, then a state without {missed}",
                find(first),
                op,
                find(w2),
            ));
        }
        if let Write::Op(w) = src {
            read.push((w, op.id));
        }
    }
    Ok(())
}

/// A cycle among the edges between different writes (their indices), if there is one.
fn cycle(edges: &[Edge]) -> Option<Vec<usize>> {
    let mut out: BTreeMap<Write, Vec<usize>> = BTreeMap::new();
    for (i, e) in edges.iter().enumerate() {
        if e.before != e.after {
            out.entry(e.before).or_default().push(i);
        }
    }
    // Iterative depth-first search: 1 on the current path, 2 finished.
    let mut color: BTreeMap<Write, u8> = BTreeMap::new();
    let roots: Vec<Write> = out.keys().copied().collect();
    for root in roots {
        if color.contains_key(&root) {
            continue;
        }
        // (node, next edge to try, the edge that led here)
        let mut path: Vec<(Write, usize, Option<usize>)> = vec![(root, 0, None)];
        color.insert(root, 1);
        while let Some(&mut (node, ref mut next, _)) = path.last_mut() {
            let outgoing = out.get(&node).map(Vec::as_slice).unwrap_or(&[]);
            if let Some(&edge) = outgoing.get(*next) {
                *next += 1;
                let to = edges[edge].after;
                match color.get(&to) {
                    Some(1) => {
                        let start = path
                            .iter()
                            .position(|&(n, _, _)| n == to)
                            .expect("on the path");
                        let mut cycle: Vec<usize> = path[start + 1..]
                            .iter()
                            .filter_map(|&(_, _, e)| e)
                            .collect();
                        cycle.push(edge);
                        return Some(cycle);
                    }
                    Some(_) => {}
                    None => {
                        color.insert(to, 1);
                        path.push((to, 0, Some(edge)));
                    }
                }
            } else {
                color.insert(node, 2);
                path.pop();
            }
        }
    }
    None
}
