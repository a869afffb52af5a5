//! A scenario declared with types: its model, its workloads and variants, the expected verdict
//! of each pair, and its named schedules.

use super::Choice;
use raceway_sim::consistency::{Consistency, KvMap};
use raceway_sim::strategy::ScriptStep;
use raceway_sim::{Invariant, Model};

/// Whether a (workload, variant) pair is expected to break an invariant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    /// Some schedule breaks an invariant; a sweep must find one.
    Breaks,
    /// No schedule breaks any invariant; a sweep must find none.
    Holds,
}

impl Expected {
    /// `breaks` or `holds`, as lists and reports write it.
    pub fn name(self) -> &'static str {
        match self {
            Expected::Breaks => "breaks",
            Expected::Holds => "holds",
        }
    }
}

/// The expected verdict of one (workload, variant) pair, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expectation {
    /// Breaks or holds.
    pub expected: Expected,
    /// One line: the race that breaks it, or why none can.
    pub reason: &'static str,
}

/// The pair breaks: `reason` is the race that does it.
pub const fn breaks(reason: &'static str) -> Expectation {
    Expectation {
        expected: Expected::Breaks,
        reason,
    }
}

/// The pair holds: `reason` is why no schedule can break it.
pub const fn holds(reason: &'static str) -> Expectation {
    Expectation {
        expected: Expected::Holds,
        reason,
    }
}

/// An interleaving told step by step, like the seed report's, and what it breaks.
pub struct Named<S: Scenario> {
    /// Its name (`seed`).
    pub name: &'static str,
    /// The workload it is written for.
    pub workload: S::Workload,
    /// The variant it breaks (it may be run on any other, as far as that variant's steps allow).
    pub variant: S::Variant,
    /// The invariant it breaks on that variant, as the violation names it (`panic` for a
    /// panic); the catalog test runs it and checks.
    pub breaks: &'static str,
    /// One line on what it shows.
    pub about: &'static str,
    /// The steps, by task name, and the picks.
    pub script: &'static [ScriptStep],
}

/// A scenario of the catalog, implemented by its model type: every fact about the scenario is
/// stated once, here, and checked by the compiler.
pub trait Scenario: Model + Sized + 'static {
    /// Its id (`wlog`).
    const NAME: &'static str;
    /// The real system, in a line.
    const TITLE: &'static str;
    /// The workloads: what the tasks do.
    type Workload: Choice;
    /// The variants: the code before the fix, the fix as merged, other designs.
    type Variant: Choice;
    /// Named interleavings; `seed` is the seed report's.
    const NAMED: &'static [Named<Self>];

    /// The model of (`workload`, `variant`).
    fn new(workload: Self::Workload, variant: Self::Variant) -> Self;

    /// The expected verdict of (`workload`, `variant`): write it as one exhaustive `match` on
    /// the pair, so that every pair has exactly one.
    fn expect(workload: Self::Workload, variant: Self::Variant) -> Expectation;

    /// The invariant that its clients' history ([`raceway_sim::Cx::invoke`]) is `model`-
    /// consistent: against a key-value map unless the scenario says otherwise. The catalog's
    /// consistency matrix runs each pair with it alone.
    fn consistency(model: Consistency) -> Invariant<Self::State> {
        Invariant::consistency(model, KvMap)
    }
}
