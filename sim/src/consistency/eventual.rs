//! Eventual consistency, as convergence at quiescence: once the writes to a key have all
//! returned, the processes' final reads of it return the same value, and a value some
//! operation wrote (or the initial `null`).
//!
//! Only each process's last read of a key is judged, and only if it was invoked after the
//! key's last write returned (earlier reads may still see replicas catching up); a key with
//! no such read, or with a write whose outcome stays unknown (it may still take effect), is
//! not judged. The check says how many keys it judged, so that a vacuous verdict is
//! visible.

use super::history::{Op, Operation, Outcome};
use super::value::Value;
use std::collections::BTreeMap;

/// Checks convergence at quiescence: `Ok` with the number of keys judged, or why it fails.
pub fn check_eventual(ops: &[Operation]) -> Result<usize, String> {
    let mut by_key: BTreeMap<Option<&Value>, Vec<&Operation>> = BTreeMap::new();
    for op in ops.iter().filter(|o| o.outcome != Outcome::Fail) {
        by_key.entry(op.key.as_ref()).or_default().push(op);
    }
    let mut judged = 0;
    for ops in by_key.values() {
        let writes: Vec<&&Operation> = ops.iter().filter(|o| o.writes().is_some()).collect();
        let Some(quiet) = writes
            .iter()
            .try_fold(0, |last, w| w.returned().map(|r| r.max(last)))
        else {
            continue;
        };
        let mut last: BTreeMap<u32, &Operation> = BTreeMap::new();
        for op in ops
            .iter()
            .filter(|o| o.op == Op::Read && o.outcome == Outcome::Ok)
        {
            last.insert(op.process, op);
        }
        let mut reads = last.into_values().filter(|o| o.invoked > quiet);
        let Some(first) = reads.next() else {
            continue;
        };
        judged += 1;
        if let Some(other) = reads.find(|r| r.value != first.value) {
            return Err(format!(
                "after the last write returned, {first} and {other} disagree"
            ));
        }
        let written =
            first.value == Value::Nil || writes.iter().any(|w| w.writes() == Some(&first.value));
        if !written {
            return Err(format!("{first} converges to a value no operation wrote"));
        }
    }
    Ok(judged)
}
