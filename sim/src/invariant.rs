//! Invariants: named properties of a model's state, their kinds, and when they are checked.

use crate::consistency::{Consistency, History, Spec};
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

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

/// A named property of a scenario's state, stated beside the model.
///
/// The `const` constructors take a plain function, so a catalog can keep its invariants in a
/// `static` table; [`Invariant::new`] takes a closure that captures parameters (the number of
/// tasks, the expected total) and a name built at run time. Either check must be cheap and
/// allocate only when it fails: it runs after every step.
pub struct Invariant<S> {
    /// Its name, as reports and tests refer to it.
    pub name: Cow<'static, str>,
    /// Safety, convergence or cost.
    pub kind: Kind,
    /// After every step, or at quiescence.
    pub when: When,
    predicate: Predicate<S>,
}

/// A check: a function, or a closure shared by the clones of its invariant. `Send + Sync` so
/// that a table of invariants may be a `static` and a model may move between threads.
enum Predicate<S> {
    Fn(fn(&S) -> Check),
    Closure(Arc<dyn Fn(&S) -> Check + Send + Sync>),
    /// A check of the run's client history (see [`Invariant::history`]).
    History(Arc<dyn Fn(&History) -> Check + Send + Sync>),
}

impl<S> Invariant<S> {
    /// An invariant of `kind`, checked `when`, by a closure that may capture values.
    ///
    /// ```
    /// use raceway_sim::{Invariant, Kind, When};
    ///
    /// let tasks = 3;
    /// let total: Invariant<u32> = Invariant::new(
    ///     format!("total-is-{tasks}"),
    ///     Kind::Convergence,
    ///     When::Quiescence,
    ///     move |n| if *n == tasks { Ok(()) } else { Err(format!("{n} of {tasks}")) },
    /// );
    /// assert_eq!(total.check(&3), Ok(()));
    /// assert_eq!(total.check(&2), Err("2 of 3".to_string()));
    /// ```
    pub fn new(
        name: impl Into<Cow<'static, str>>,
        kind: Kind,
        when: When,
        check: impl Fn(&S) -> Check + Send + Sync + 'static,
    ) -> Self {
        Self {
            name: name.into(),
            kind,
            when,
            predicate: Predicate::Closure(Arc::new(check)),
        }
    }

    const fn of(name: &'static str, kind: Kind, when: When, check: fn(&S) -> Check) -> Self {
        Self {
            name: Cow::Borrowed(name),
            kind,
            when,
            predicate: Predicate::Fn(check),
        }
    }

    /// A safety invariant checked after every step.
    pub const fn safety(name: &'static str, check: fn(&S) -> Check) -> Self {
        Self::of(name, Kind::Safety, When::EveryStep, check)
    }

    /// A safety invariant checked once, at quiescence (where the spec says "at the end").
    pub const fn safety_at_end(name: &'static str, check: fn(&S) -> Check) -> Self {
        Self::of(name, Kind::Safety, When::Quiescence, check)
    }

    /// A convergence invariant (checked at quiescence).
    pub const fn convergence(name: &'static str, check: fn(&S) -> Check) -> Self {
        Self::of(name, Kind::Convergence, When::Quiescence, check)
    }

    /// A cost invariant (checked at quiescence).
    pub const fn cost(name: &'static str, check: fn(&S) -> Check) -> Self {
        Self::of(name, Kind::Cost, When::Quiescence, check)
    }

    /// An invariant of the run's client history ([`Cx::invoke`](crate::Cx::invoke)),
    /// checked at quiescence. A model with one keeps its history in every run (at a cost:
    /// see [`Invariant::consistency`]).
    pub fn history(
        name: impl Into<Cow<'static, str>>,
        kind: Kind,
        check: impl Fn(&History) -> Check + Send + Sync + 'static,
    ) -> Self {
        Self {
            name: name.into(),
            kind,
            when: When::Quiescence,
            predicate: Predicate::History(Arc::new(check)),
        }
    }

    /// The run's client history is `model`-consistent against the sequential specification
    /// `spec` ([`Register`](crate::consistency::Register),
    /// [`KvMap`](crate::consistency::KvMap) or your own), checked at quiescence; named after
    /// the model (`linearizable`, `read-your-writes`…). Eventual consistency is a convergence
    /// invariant, the others are safety. A violation's message gives a minimal violating
    /// sub-history (see [`consistency::check`](crate::consistency::check)).
    ///
    /// The history is then part of each run's configuration, and exploration gives up the
    /// sleep-set reduction (see [`Cx::invoke`](crate::Cx::invoke)): explore such a model
    /// with state caching.
    pub fn consistency<P>(model: Consistency, spec: P) -> Self
    where
        P: Spec + Send + Sync + 'static,
    {
        let kind = match model {
            Consistency::Eventual => Kind::Convergence,
            _ => Kind::Safety,
        };
        Self::history(model.name(), kind, move |h| {
            crate::consistency::require(&spec, h, model)
        })
    }

    /// Whether it reads the run's client history.
    pub fn reads_history(&self) -> bool {
        matches!(self.predicate, Predicate::History(_))
    }

    /// Checks `state`. An invariant of the history ([`Invariant::reads_history`]) cannot be
    /// checked on a state alone: it fails, saying so (use [`Invariant::check_with`]).
    pub fn check(&self, state: &S) -> Check {
        match &self.predicate {
            Predicate::History(_) => Err(format!(
                "`{}` checks the run's client history: use check_with",
                self.name
            )),
            _ => self.check_with(state, &History::new()),
        }
    }

    /// Checks `state`, or, for an invariant of the history, `history`.
    pub fn check_with(&self, state: &S, history: &History) -> Check {
        match &self.predicate {
            Predicate::Fn(f) => f(state),
            Predicate::Closure(f) => f(state),
            Predicate::History(f) => f(history),
        }
    }
}

impl<S> Clone for Invariant<S> {
    fn clone(&self) -> Self {
        Self {
            name: self.name.clone(),
            kind: self.kind,
            when: self.when,
            predicate: match &self.predicate {
                Predicate::Fn(f) => Predicate::Fn(*f),
                Predicate::Closure(f) => Predicate::Closure(f.clone()),
                Predicate::History(f) => Predicate::History(f.clone()),
            },
        }
    }
}
