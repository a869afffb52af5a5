//! Invariants: named properties of a model's state, their kinds, and when they are checked.

use std::fmt;

/// The kind of a violation. The first three are the invariant kinds of the specs; the last
/// three are what the engine itself detects in any run.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A state that must never be reached (checked after every step, or at quiescence).
    Safety,
    /// A state the system must reach once the workload and the settle actions are done.
    Convergence,
    /// Counted work that must stay bounded at quiescence (reads per poll, fetches).
    Cost,
    /// A task panicked: a contract violation, as a crash of the real process.
    Panic,
    /// No task can step, and some task still waits (for a lock, an event, another task).
    Deadlock,
    /// The run exceeded its step limit: a livelock, or a workload that never ends.
    Livelock,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Safety => "safety",
            Kind::Convergence => "convergence",
            Kind::Cost => "cost",
            Kind::Panic => "panic",
            Kind::Deadlock => "deadlock",
            Kind::Livelock => "livelock",
        })
    }
}

/// When an invariant is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// After every step of the run (and so at its end too).
    EveryStep,
    /// Once, at quiescence: after the workload's tasks ended and the settle actions ran.
    Quiescence,
}

/// The result of checking an invariant: `Err` carries what a reader needs to see.
pub type Check = Result<(), String>;

/// A named property of a scenario's state, stated beside the model as a plain function.
pub struct Invariant<S> {
    /// Its name, as reports and tests refer to it.
    pub name: &'static str,
    /// Safety, convergence or cost.
    pub kind: Kind,
    /// After every step, or at quiescence.
    pub when: When,
    /// The check itself. It must be cheap and allocate only when it fails.
    pub check: fn(&S) -> Check,
}

impl<S> Invariant<S> {
    /// A safety invariant checked after every step.
    pub const fn safety(name: &'static str, check: fn(&S) -> Check) -> Self {
        Self {
            name,
            kind: Kind::Safety,
            when: When::EveryStep,
            check,
        }
    }

    /// A safety invariant checked once, at quiescence (where the spec says "at the end").
    pub const fn safety_at_end(name: &'static str, check: fn(&S) -> Check) -> Self {
        Self {
            name,
            kind: Kind::Safety,
            when: When::Quiescence,
            check,
        }
    }

    /// A convergence invariant (checked at quiescence).
    pub const fn convergence(name: &'static str, check: fn(&S) -> Check) -> Self {
        Self {
            name,
            kind: Kind::Convergence,
            when: When::Quiescence,
            check,
        }
    }

    /// A cost invariant (checked at quiescence).
    pub const fn cost(name: &'static str, check: fn(&S) -> Check) -> Self {
        Self {
            name,
            kind: Kind::Cost,
            when: When::Quiescence,
            check,
        }
    }
}

impl<S> Clone for Invariant<S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S> Copy for Invariant<S> {}
