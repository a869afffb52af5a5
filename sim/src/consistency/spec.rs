//! Sequential specifications: what each operation may return, run one at a time.

use super::history::{Op, Operation, Outcome};
use super::value::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::hash::Hash;

/// A sequential specification: the object as if its operations ran one at a time.
///
/// The checkers search for an order of a history's operations that this specification
/// accepts. An operation whose outcome is [`Outcome::Unknown`] is either placed somewhere
/// (and [`Spec::step`] must then return the state had it taken effect, whatever it returned)
/// or left out; failed operations never reach `step`.
pub trait Spec {
    /// The object's state. It is compared and hashed to remember states already explored.
    type State: Clone + Eq + Hash + fmt::Debug;

    /// The state before any operation.
    fn init(&self) -> Self::State;

    /// The state after `op` runs in `state`, or `None` if `op` could not have returned what
    /// it returned in `state`.
    fn step(&self, state: &Self::State, op: &Operation) -> Option<Self::State>;

    /// Which independent object `op` acts on, for specifications that are products of
    /// independent objects (a key-value map is one register per key): the history is then
    /// linearizable exactly when each object's sub-history is (Herlihy and Wing's locality,
    /// the P-compositionality of Horn and Kroening), and each is checked alone. `None`: one
    /// object.
    fn part(&self, _op: &Operation) -> Option<Value> {
        None
    }
}

/// One read/write register, starting at `Nil`: a read returns the last value written; a
/// delete writes `Nil`; a compare-and-set swaps only when the value is its expected one.
/// Keys are ignored. A scenario's own [`Op::Call`] is never legal here.
#[derive(Clone, Copy, Debug, Default)]
pub struct Register;

impl Register {
    /// The register's value after `op` from `value`.
    fn apply(value: &Value, op: &Operation) -> Option<Value> {
        match op.op {
            Op::Read => (op.outcome != Outcome::Ok || op.value == *value).then(|| value.clone()),
            Op::Write => Some(op.value.clone()),
            Op::Delete => Some(Value::Nil),
            Op::Cas => {
                let (old, new) = op.value.as_pair()?;
                (old == value).then(|| new.clone())
            }
            Op::Call(_) => None,
        }
    }
}

impl Spec for Register {
    type State = Value;

    fn init(&self) -> Value {
        Value::Nil
    }

    fn step(&self, state: &Value, op: &Operation) -> Option<Value> {
        Register::apply(state, op)
    }
}

/// A key-value map: one [`Register`] per key (absent keys read `Nil`). It is a product of
/// independent registers, so the linearizability checker checks one key at a time.
#[derive(Clone, Copy, Debug, Default)]
pub struct KvMap;

impl Spec for KvMap {
    /// The present keys' values (`Nil` values are absent, so a deleted key equals one never
    /// written).
    type State = BTreeMap<Option<Value>, Value>;

    fn init(&self) -> Self::State {
        BTreeMap::new()
    }

    fn step(&self, state: &Self::State, op: &Operation) -> Option<Self::State> {
        let current = state.get(&op.key).unwrap_or(&Value::Nil);
        let next = Register::apply(current, op)?;
        if next == *current {
            return Some(state.clone());
        }
        let mut state = state.clone();
        match next {
            Value::Nil => state.remove(&op.key),
            v => state.insert(op.key.clone(), v),
        };
        Some(state)
    }

    fn part(&self, op: &Operation) -> Option<Value> {
        Some(op.key.clone().unwrap_or(Value::Nil))
    }
}
