//! Histories: what clients invoked and what came back, in real-time order.
//!
//! A history is a sequence of [`Event`]s. Each client operation is an invocation followed, on
//! the same process, by its completion: `ok` (it took effect and returned), `fail` (it surely
//! did not take effect) or `info` (unknown: it may have taken effect, at any time after its
//! invocation, or never, as a call cut off by a crash). An invocation with no completion by
//! the end of the history is unknown too. A process has at most one operation open at a
//! time: it is a sequential client (a task, a connection), as in Jepsen's and porcupine's
//! histories.
//!
//! The order of the events is real time: event `i` happened before event `j` when `i < j`.
//! Operation `a` precedes operation `b` in real time when `a` completed before `b` was
//! invoked; otherwise they are concurrent.

use super::value::Value;
use std::fmt;

/// A client: a sequential process, task or connection.
pub type Process = u32;

/// What an operation does.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Op {
    /// Reads the key; the completion carries the value read.
    Read,
    /// Writes the invocation's value.
    Write,
    /// Compare-and-set: the invocation's value is `[old, new]`; `ok` when it swapped, `fail`
    /// when the current value was not `old`.
    Cas,
    /// Deletes the key: reads of it then return `null`.
    Delete,
    /// A scenario's own call (`poll`, `post`), for a [`Spec`](super::Spec) that knows it.
    Call(&'static str),
}

impl Op {
    /// The name a history file spells: `read`, `write`, `cas`, `delete`, or the call's.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Read => "read",
            Op::Write => "write",
            Op::Cas => "cas",
            Op::Delete => "delete",
            Op::Call(name) => name,
        }
    }
}

/// The type of an event: an invocation or one of the three completions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// The client called.
    Invoke,
    /// The call returned and took effect.
    Ok,
    /// The call returned and surely did not take effect.
    Fail,
    /// The outcome is unknown: the call may or may not have taken effect.
    Info,
}

impl EventKind {
    /// The name a history file spells: `invoke`, `ok`, `fail`, `info`.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Invoke => "invoke",
            EventKind::Ok => "ok",
            EventKind::Fail => "fail",
            EventKind::Info => "info",
        }
    }
}

/// One line of a history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// The client.
    pub process: Process,
    /// Invocation or completion.
    pub kind: EventKind,
    /// The operation.
    pub op: Op,
    /// The key, or `None` for a history of one register.
    pub key: Option<Value>,
    /// The value: a write's or compare-and-set's input on the invocation, a read's result on
    /// its completion.
    pub value: Value,
    /// The virtual time of the event in nanoseconds, when a simulation recorded it.
    pub time: Option<u64>,
}

/// One line of a history file, as `raceway check-history` reads it: `{"process": 0, "type":
/// "invoke", "f": "read", "key": "x", "value": null, "time": 0}` (`key` and `time` only when
/// present).
impl serde::Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("process", &self.process)?;
        map.serialize_entry("type", self.kind.name())?;
        map.serialize_entry("f", self.op.name())?;
        if let Some(key) = &self.key {
            map.serialize_entry("key", key)?;
        }
        map.serialize_entry("value", &self.value)?;
        if let Some(time) = self.time {
            map.serialize_entry("time", &time)?;
        }
        map.end()
    }
}

/// How an operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// It took effect and returned.
    Ok,
    /// It surely did not take effect.
    Fail,
    /// It may have taken effect, at any time after its invocation, or never.
    Unknown,
}

/// An operation: an invocation paired with its completion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    /// Its position among the history's operations (in invocation order).
    pub id: usize,
    /// The client.
    pub process: Process,
    /// What it does.
    pub op: Op,
    /// The key (`None`: the one register).
    pub key: Option<Value>,
    /// For a read, the value read (`Nil` when unknown); otherwise the invocation's value.
    pub value: Value,
    /// How it ended.
    pub outcome: Outcome,
    /// The index of its invocation event.
    pub invoked: usize,
    /// The index of its completion event (`ok`, `fail` or `info`), if any.
    pub completed: Option<usize>,
}

impl Operation {
    /// Whether `self` completed before `other` was invoked (real-time order).
    pub fn precedes(&self, other: &Operation) -> bool {
        self.returned().is_some_and(|c| c < other.invoked)
    }

    /// The index of the event where it returned: its completion, unless its outcome is
    /// unknown (then it may take effect at any later time).
    pub fn returned(&self) -> Option<usize> {
        self.completed.filter(|_| self.outcome != Outcome::Unknown)
    }

    /// The value this operation observed from the key, if it observed one: a read's result
    /// or a compare-and-set's expected value (when it swapped).
    pub fn observes(&self) -> Option<&Value> {
        match (&self.op, self.outcome) {
            (Op::Read, Outcome::Ok) => Some(&self.value),
            (Op::Cas, Outcome::Ok) => self.value.as_pair().map(|(old, _)| old),
            _ => None,
        }
    }

    /// The value this operation writes to the key, if it may write one: a write's value, a
    /// delete's `Nil`, a compare-and-set's new value.
    pub fn writes(&self) -> Option<&Value> {
        match self.op {
            Op::Write => Some(&self.value),
            Op::Delete => Some(&Value::Nil),
            Op::Cas => self.value.as_pair().map(|(_, new)| new),
            Op::Read | Op::Call(_) => None,
        }
    }
}

impl fmt::Display for Operation {
    /// `p0 write x 1`, `p1 read x → 3`, `p2 cas [1, 2] ?` (`?`: unknown outcome).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p{} {}", self.process, self.op.name())?;
        if let Some(key) = &self.key {
            write!(f, " {key}")?;
        }
        match (&self.op, self.outcome) {
            (Op::Read, Outcome::Ok) => write!(f, " → {}", self.value)?,
            (Op::Read, _) | (Op::Delete, _) => {}
            _ => write!(f, " {}", self.value)?,
        }
        match self.outcome {
            Outcome::Ok => Ok(()),
            Outcome::Fail => f.write_str(" (failed)"),
            Outcome::Unknown => f.write_str(" ?"),
        }
    }
}

/// Why an event cannot extend a history.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HistoryError {
    /// A completion on a process with no open invocation.
    #[error("a completion ({kind}) on process {process}, which has no open invocation")]
    CompletionWithoutInvocation {
        /// The process.
        process: Process,
        /// The completion's type.
        kind: &'static str,
    },
    /// An invocation on a process whose previous invocation is still open.
    #[error(
        "a second invocation on process {process}, whose invocation at event {open} is still open"
    )]
    AlreadyOpen {
        /// The process.
        process: Process,
        /// The index of the open invocation.
        open: usize,
    },
    /// A completion whose operation or key differs from its invocation's.
    #[error("a completion of {got} on process {process}, whose open invocation is {open}")]
    Mismatch {
        /// The process.
        process: Process,
        /// The completion's operation (and key).
        got: String,
        /// The open invocation's operation (and key).
        open: String,
    },
}

/// A well-formed history: every completion closes its process's open invocation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    events: Vec<Event>,
    /// Per event: the index of the matching invocation (for completions).
    invocation_of: Vec<Option<usize>>,
    /// Per process (sorted), its open invocation.
    open: Vec<(Process, usize)>,
}

impl History {
    /// An empty history.
    pub fn new() -> Self {
        Self::default()
    }

    /// A history from events in real-time order, or the index and reason of the first event
    /// that does not fit.
    pub fn from_events(
        events: impl IntoIterator<Item = Event>,
    ) -> Result<Self, (usize, HistoryError)> {
        let mut history = History::new();
        for (i, e) in events.into_iter().enumerate() {
            history.push(e).map_err(|err| (i, err))?;
        }
        Ok(history)
    }

    /// Appends an event: an invocation on a process with none open, or the completion of
    /// the process's open invocation (same operation and key).
    pub fn push(&mut self, event: Event) -> Result<(), HistoryError> {
        let slot = self.open.binary_search_by_key(&event.process, |&(p, _)| p);
        let index = self.events.len();
        match (event.kind, slot) {
            (EventKind::Invoke, Ok(at)) => {
                return Err(HistoryError::AlreadyOpen {
                    process: event.process,
                    open: self.open[at].1,
                })
            }
            (EventKind::Invoke, Err(at)) => {
                self.open.insert(at, (event.process, index));
                self.invocation_of.push(None);
            }
            (kind, Err(_)) => {
                return Err(HistoryError::CompletionWithoutInvocation {
                    process: event.process,
                    kind: kind.name(),
                })
            }
            (_, Ok(at)) => {
                let inv = &self.events[self.open[at].1];
                if inv.op != event.op || inv.key != event.key {
                    return Err(HistoryError::Mismatch {
                        process: event.process,
                        got: describe(&event),
                        open: describe(inv),
                    });
                }
                self.invocation_of.push(Some(self.open[at].1));
                self.open.remove(at);
            }
        }
        self.events.push(event);
        Ok(())
    }

    /// Records an invocation (a recording client's shorthand for [`History::push`]).
    pub fn invoke(
        &mut self,
        process: Process,
        op: Op,
        key: Option<Value>,
        value: Value,
    ) -> Result<(), HistoryError> {
        self.push(Event {
            process,
            kind: EventKind::Invoke,
            op,
            key,
            value,
            time: None,
        })
    }

    /// Records the completion of `process`'s open invocation.
    pub fn complete(
        &mut self,
        process: Process,
        kind: EventKind,
        value: Value,
    ) -> Result<(), HistoryError> {
        self.complete_at(process, kind, value, None)
    }

    /// Records the completion of `process`'s open invocation at virtual `time` (nanoseconds).
    pub fn complete_at(
        &mut self,
        process: Process,
        kind: EventKind,
        value: Value,
        time: Option<u64>,
    ) -> Result<(), HistoryError> {
        let (op, key) = match self.open.binary_search_by_key(&process, |&(p, _)| p) {
            Ok(at) => {
                let inv = &self.events[self.open[at].1];
                (inv.op.clone(), inv.key.clone())
            }
            Err(_) => (Op::Read, None),
        };
        self.push(Event {
            process,
            kind,
            op,
            key,
            value,
            time,
        })
    }

    /// The events, in real-time order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The operations, in invocation order: each invocation paired with its completion; an
    /// invocation never completed has an unknown outcome.
    pub fn operations(&self) -> Vec<Operation> {
        let mut completion = vec![None; self.events.len()];
        for (i, inv) in self.invocation_of.iter().enumerate() {
            if let Some(inv) = inv {
                completion[*inv] = Some(i);
            }
        }
        let mut ops = Vec::new();
        for (i, e) in self.events.iter().enumerate() {
            if e.kind != EventKind::Invoke {
                continue;
            }
            let done = completion[i].map(|c| &self.events[c]);
            let outcome = match done.map(|d| d.kind) {
                Some(EventKind::Ok) => Outcome::Ok,
                Some(EventKind::Fail) => Outcome::Fail,
                _ => Outcome::Unknown,
            };
            let value = match (&e.op, done) {
                (Op::Read, Some(d)) if outcome == Outcome::Ok => d.value.clone(),
                _ => e.value.clone(),
            };
            ops.push(Operation {
                id: ops.len(),
                process: e.process,
                op: e.op.clone(),
                key: e.key.clone(),
                value,
                outcome,
                invoked: i,
                completed: completion[i],
            });
        }
        ops
    }
}

fn describe(e: &Event) -> String {
    match &e.key {
        Some(k) => format!("{} {k}", e.op.name()),
        None => e.op.name().to_string(),
    }
}
