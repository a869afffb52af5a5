//! The shape every scenario fills in, so that the binary, the sweeps and the tests can treat
//! them alike.

use raceway_sim::strategy::ScriptStep;
use raceway_sim::Simulation;

/// A named workload or variant, with one line on what it is.
#[derive(Clone, Copy, Debug)]
pub struct Item {
    /// The name used on the command line and in reports.
    pub name: &'static str,
    /// One line for `raceway list`.
    pub about: &'static str,
}

/// Whether a (workload, variant) pair is expected to break an invariant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    /// Some schedule breaks an invariant; a sweep must find one.
    Breaks,
    /// No schedule breaks any invariant; a sweep must find none.
    Holds,
}

/// The expected verdict of one (workload, variant) pair, and why.
#[derive(Clone, Copy, Debug)]
pub struct Expectation {
    /// The workload's name.
    pub workload: &'static str,
    /// The variant's name.
    pub variant: &'static str,
    /// Breaks or holds.
    pub expected: Expected,
    /// One line: the race that breaks it, or why none can.
    pub reason: &'static str,
}

/// The expectation of (`workload`, `variant`), for the scenarios' `expectations` tables.
pub const fn expect(
    workload: &'static str,
    variant: &'static str,
    expected: Expected,
    reason: &'static str,
) -> Expectation {
    Expectation {
        workload,
        variant,
        expected,
        reason,
    }
}

/// An interleaving told step by step, like the seed report's.
#[derive(Clone, Copy, Debug)]
pub struct NamedSchedule {
    /// Its name (`seed`).
    pub name: &'static str,
    /// The workload it is written for.
    pub workload: &'static str,
    /// The variant it breaks (it may be run on any other, as far as that variant's steps allow).
    pub variant: &'static str,
    /// One line on what it shows.
    pub about: &'static str,
    /// The steps, by task name, and the picks.
    pub script: &'static [ScriptStep],
}

/// A scenario of the catalog.
pub struct Scenario {
    /// Its id (`wlog`).
    pub name: &'static str,
    /// The real system, in a line.
    pub title: &'static str,
    /// The workloads.
    pub workloads: &'static [Item],
    /// The variants.
    pub variants: &'static [Item],
    /// One expectation for every (workload, variant) pair.
    pub expectations: &'static [Expectation],
    /// Named interleavings; `seed` is the seed report's.
    pub named: &'static [NamedSchedule],
    /// A runner for (workload index, variant index).
    pub build: fn(usize, usize) -> Box<dyn Simulation>,
}

/// A name that is not in the catalog.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// No scenario of that name.
    #[error("unknown scenario `{name}` (known: {known})")]
    UnknownScenario {
        /// What was asked for.
        name: String,
        /// What exists.
        known: String,
    },
    /// The scenario has no such workload, variant or named schedule.
    #[error("scenario `{scenario}` has no {what} `{name}` (it has: {known})")]
    Unknown {
        /// The scenario.
        scenario: &'static str,
        /// `workload`, `variant` or `named schedule`.
        what: &'static str,
        /// What was asked for.
        name: String,
        /// What exists.
        known: String,
    },
}

impl Scenario {
    fn lookup<T>(
        &self,
        what: &'static str,
        items: &'static [T],
        name_of: fn(&T) -> &'static str,
        name: &str,
    ) -> Result<usize, CatalogError> {
        items
            .iter()
            .position(|i| name_of(i) == name)
            .ok_or_else(|| CatalogError::Unknown {
                scenario: self.name,
                what,
                name: name.to_string(),
                known: items.iter().map(name_of).collect::<Vec<_>>().join(", "),
            })
    }

    /// The index of workload `name`.
    pub fn workload(&self, name: &str) -> Result<usize, CatalogError> {
        self.lookup("workload", self.workloads, |i| i.name, name)
    }

    /// The index of variant `name`.
    pub fn variant(&self, name: &str) -> Result<usize, CatalogError> {
        self.lookup("variant", self.variants, |i| i.name, name)
    }

    /// The named schedule `name`.
    pub fn named(&self, name: &str) -> Result<&'static NamedSchedule, CatalogError> {
        self.lookup("named schedule", self.named, |n| n.name, name)
            .map(|i| &self.named[i])
    }

    /// The expectation for (workload, variant), by index.
    ///
    /// # Panics
    /// If the scenario lacks it: the catalog's tests make sure every pair has one.
    pub fn expectation(&self, workload: usize, variant: usize) -> &'static Expectation {
        let (w, v) = (self.workloads[workload].name, self.variants[variant].name);
        self.expectations
            .iter()
            .find(|e| e.workload == w && e.variant == v)
            .unwrap_or_else(|| panic!("scenario {} has no expectation for {w}/{v}", self.name))
    }

    /// A runner for (workload, variant), by index.
    pub fn runner(&self, workload: usize, variant: usize) -> Box<dyn Simulation> {
        (self.build)(workload, variant)
    }
}
