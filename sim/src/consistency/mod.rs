//! Consistency models over client histories: which consistency a system gives its clients.
//!
//! A [`History`] records what clients invoked and what came back, in real-time order (from a
//! simulation's tasks, or from a real system's log through `raceway check-history`). The
//! checkers judge it against the models of [`Consistency`]: linearizability and sequential
//! consistency against a sequential specification ([`Register`], [`KvMap`], or your own
//! [`Spec`]), the four session guarantees of Terry et al., and convergence at quiescence. A
//! violation comes with a minimal sub-history that still violates ([`check`]).
//!
//! Every checker is deterministic: no hash map is iterated, and the memo's hasher is fixed.
//! [`require`] turns a check into an invariant's result, to check a history a model keeps in
//! its state at quiescence:
//!
//! ```
//! use raceway_sim::consistency::{require, Consistency, EventKind, History, Op, Register, Value};
//!
//! // p0 writes 1 and it returns; then p1 reads the initial value: a stale read.
//! let mut h = History::new();
//! h.invoke(0, Op::Write, None, Value::Int(1)).unwrap();
//! h.complete(0, EventKind::Ok, Value::Nil).unwrap();
//! h.invoke(1, Op::Read, None, Value::Nil).unwrap();
//! h.complete(1, EventKind::Ok, Value::Nil).unwrap();
//! assert!(require(&Register, &h, Consistency::Linearizable).is_err());
//! assert!(require(&Register, &h, Consistency::Sequential).is_ok());
//! ```

mod bitset;
mod eventual;
mod history;
mod linearizable;
mod minimise;
mod sequential;
mod session;
mod spec;
mod value;

pub use eventual::check_eventual;
pub use history::{Event, EventKind, History, HistoryError, Op, Operation, Outcome, Process};
pub use linearizable::{check_linearizable, is_linearizable, Detail, Part};
pub use minimise::minimise;
pub use sequential::{check_sequential, check_sequential_within, Sequential, SEQUENTIAL_BUDGET};
pub use session::{check_session, Guarantee};
pub use spec::{KvMap, Register, Spec};
pub use value::Value;

use std::fmt;

/// A consistency model a history can be checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Consistency {
    /// Linearizability: one order, within each operation's real-time interval.
    Linearizable,
    /// Sequential consistency: one order, keeping each process's order.
    Sequential,
    /// A process reads its own earlier writes.
    ReadYourWrites,
    /// A process's reads never go back in time.
    MonotonicReads,
    /// A process's writes apply in the order it issued them.
    MonotonicWrites,
    /// A process's writes apply after what it read.
    WritesFollowReads,
    /// Convergence at quiescence.
    Eventual,
}

impl Consistency {
    /// Every model, strongest first.
    pub const ALL: [Consistency; 7] = [
        Consistency::Linearizable,
        Consistency::Sequential,
        Consistency::ReadYourWrites,
        Consistency::MonotonicReads,
        Consistency::MonotonicWrites,
        Consistency::WritesFollowReads,
        Consistency::Eventual,
    ];

    /// Its name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Consistency::Linearizable => "linearizable",
            Consistency::Sequential => "sequential",
            Consistency::ReadYourWrites => "read-your-writes",
            Consistency::MonotonicReads => "monotonic-reads",
            Consistency::MonotonicWrites => "monotonic-writes",
            Consistency::WritesFollowReads => "writes-follow-reads",
            Consistency::Eventual => "eventual",
        }
    }

    /// The model named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }

    fn guarantee(self) -> Option<Guarantee> {
        match self {
            Consistency::ReadYourWrites => Some(Guarantee::ReadYourWrites),
            Consistency::MonotonicReads => Some(Guarantee::MonotonicReads),
            Consistency::MonotonicWrites => Some(Guarantee::MonotonicWrites),
            Consistency::WritesFollowReads => Some(Guarantee::WritesFollowReads),
            _ => None,
        }
    }
}

impl fmt::Display for Consistency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The verdict of one model on one history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The model.
    pub model: Consistency,
    /// A minimal violating sub-history, or `None` when the model holds.
    pub counterexample: Option<Counterexample>,
    /// What the verdict covered, when that needs saying (keys judged at quiescence).
    pub note: Option<String>,
    /// Why the check could not decide (a search that gave up at its budget): then neither
    /// holds nor breaks is shown.
    pub unknown: Option<String>,
}

impl Verdict {
    /// Whether the model holds (decided, and no counterexample).
    pub fn holds(&self) -> bool {
        self.counterexample.is_none() && self.unknown.is_none()
    }

    /// `holds`, `violated` or `unknown within budget`.
    pub fn word(&self) -> &'static str {
        match (&self.counterexample, &self.unknown) {
            (Some(_), _) => "violated",
            (None, Some(_)) => "unknown within budget",
            (None, None) => "holds",
        }
    }
}

/// A violation, minimised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counterexample {
    /// The operations of a 1-minimal violating sub-history, in invocation order.
    pub ops: Vec<Operation>,
    /// How many operations the history had.
    pub of: usize,
    /// Why the model cannot hold on `ops`.
    pub why: String,
    /// For linearizability and sequential consistency: the longest prefix (operation ids)
    /// of an order the search found before it had to give up.
    pub order: Vec<usize>,
    /// For linearizability: the operation that no extension of `order` linearizes before
    /// it returns.
    pub stuck: Option<usize>,
}

impl fmt::Display for Counterexample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.why)?;
        write!(
            f,
            "a minimal violating sub-history ({} of {} operations):",
            self.ops.len(),
            self.of
        )?;
        for op in &self.ops {
            write!(f, "\n  {op}")?;
        }
        Ok(())
    }
}

/// Why `ops` violates `model`, or `None` if it holds (no minimising: the fast path).
pub fn violation<S: Spec>(spec: &S, ops: &[Operation], model: Consistency) -> Option<String> {
    match model {
        Consistency::Linearizable => check_linearizable(spec, ops, Detail::Verdict)
            .into_iter()
            .find(|p| !p.holds)
            .map(|p| match p.key {
                Some(k) => format!("no linearization of the operations on key {k}"),
                None => "no linearization of the operations".to_string(),
            }),
        Consistency::Sequential => {
            let s = check_sequential(spec, ops, false);
            (s.decided && !s.holds)
                .then(|| "no order of the operations keeps every process's own order".to_string())
        }
        Consistency::Eventual => check_eventual(ops).err(),
        guarantee => check_session(ops, guarantee.guarantee().expect("a session guarantee")).err(),
    }
}

/// Checks `model` on a history's operations; a violation is minimised and explained.
pub fn check<S: Spec>(spec: &S, ops: &[Operation], model: Consistency) -> Verdict {
    let note = match model {
        Consistency::Eventual => check_eventual(ops).ok().map(|keys| match keys {
            0 => "vacuously: no key is read after its last write".to_string(),
            n => format!("{n} key(s) read after their last write"),
        }),
        _ => None,
    };
    if model == Consistency::Sequential && !check_sequential(spec, ops, false).decided {
        return Verdict {
            model,
            counterexample: None,
            note,
            unknown: Some(format!(
                "the search gave up after {SEQUENTIAL_BUDGET} configurations"
            )),
        };
    }
    if violation(spec, ops, model).is_none() {
        return Verdict {
            model,
            counterexample: None,
            note,
            unknown: None,
        };
    }
    // Linearizability is local: minimise within the first part that breaks.
    let base: Vec<Operation> = match model {
        Consistency::Linearizable => {
            let parts = check_linearizable(spec, ops, Detail::Verdict);
            let part = parts.iter().find(|p| !p.holds).expect("a part breaks");
            ops.iter()
                .filter(|o| part.ops.contains(&o.id))
                .cloned()
                .collect()
        }
        _ => ops.to_vec(),
    };
    let minimal = minimise(&base, |sub| violation(spec, sub, model).is_some());
    let why = violation(spec, &minimal, model).expect("the minimal history violates");
    let (order, stuck) = match model {
        Consistency::Linearizable => {
            let parts = check_linearizable(spec, &minimal, Detail::Witness);
            let part = parts.into_iter().find(|p| !p.holds).expect("a part breaks");
            (part.order, part.stuck)
        }
        Consistency::Sequential => (check_sequential(spec, &minimal, true).order, None),
        _ => (Vec::new(), None),
    };
    Verdict {
        model,
        counterexample: Some(Counterexample {
            ops: minimal,
            of: ops.len(),
            why,
            order,
            stuck,
        }),
        note,
        unknown: None,
    }
}

/// A check of `model` on `history` as an invariant's result: `Err` carries the minimal
/// counterexample, or says that the check could not decide within its budget (a run is then
/// not passed as consistent). Use it in an [`Invariant`](crate::Invariant) checked at quiescence.
pub fn require<S: Spec>(spec: &S, history: &History, model: Consistency) -> crate::Check {
    let verdict = check(spec, &history.operations(), model);
    match (verdict.counterexample, verdict.unknown) {
        (Some(c), _) => Err(format!("not {model}: {c}")),
        // Nothing is proved: an invariant cannot pass a history it could not judge.
        (None, Some(why)) => Err(format!("{model} unknown within budget: {why}")),
        (None, None) => Ok(()),
    }
}
