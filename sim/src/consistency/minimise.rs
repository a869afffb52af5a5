//! Minimising a violating history: remove processes, then runs of operations, then single
//! operations, while the rest still violates.
//!
//! The result is 1-minimal (removing any one more operation makes it hold), not necessarily
//! the smallest violating sub-history (finding that is a search over all subsets). A removal
//! is allowed only if every remaining read (or compare-and-set) that observed a written value
//! keeps a writer of that value (`null` is always the initial value's): otherwise any stale read would shrink to "a read of a value
//! nobody wrote", which violates every model and explains nothing.

use super::history::{Operation, Outcome};
use super::value::Value;
use std::collections::BTreeMap;

/// A 1-minimal sub-history of `ops` (which must violate) for which `violates` still holds.
pub fn minimise(ops: &[Operation], violates: impl Fn(&[Operation]) -> bool) -> Vec<Operation> {
    let written = writers(ops);
    let allowed = |sub: &[Operation]| {
        let kept = writers(sub);
        sub.iter().all(|op| match op.observes() {
            Some(v) if *v != Value::Nil => {
                let key = (op.key.as_ref(), v);
                !written.contains_key(&key) || kept.contains_key(&key)
            }
            _ => true,
        })
    };
    let mut current = ops.to_vec();
    let processes: std::collections::BTreeSet<u32> = ops.iter().map(|o| o.process).collect();
    for p in processes {
        let without: Vec<Operation> = current.iter().filter(|o| o.process != p).cloned().collect();
        if without.len() < current.len() && allowed(&without) && violates(&without) {
            current = without;
        }
    }
    let mut chunk = (current.len() / 2).max(1);
    loop {
        let mut removed = false;
        let mut i = 0;
        while i < current.len() {
            let end = (i + chunk).min(current.len());
            let without: Vec<Operation> = current[..i]
                .iter()
                .chain(&current[end..])
                .cloned()
                .collect();
            if allowed(&without) && violates(&without) {
                current = without;
                removed = true;
            } else {
                i = end;
            }
        }
        if chunk == 1 && !removed {
            return current;
        }
        chunk = (chunk / 2).max(1);
    }
}

/// How many operations may write each (key, value): failed ones surely did not.
fn writers(ops: &[Operation]) -> BTreeMap<(Option<&Value>, &Value), usize> {
    let mut out = BTreeMap::new();
    for op in ops.iter().filter(|op| op.outcome != Outcome::Fail) {
        if let Some(v) = op.writes() {
            *out.entry((op.key.as_ref(), v)).or_insert(0) += 1;
        }
    }
    out
}
