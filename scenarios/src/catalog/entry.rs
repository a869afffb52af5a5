//! The catalog as the binary sees it: scenarios by name, pairs by name, runners built from
//! names. Names live only here, at the edge; the scenarios themselves are typed
//! ([`Scenario`]).

use super::{Choice, Consistent, Expectation, Scenario};
use raceway_sim::consistency::Consistency;
use raceway_sim::strategy::ScriptStep;
use raceway_sim::{Runner, Simulation};
use std::fmt;
use std::marker::PhantomData;

/// A workload or variant by name, with one line on what it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Item {
    /// The name used on the command line and in reports.
    pub name: &'static str,
    /// One line for `raceway list`.
    pub about: &'static str,
}

impl Item {
    fn of<C: Choice>(c: C) -> Item {
        Item {
            name: c.name(),
            about: c.about(),
        }
    }
}

/// A named schedule by name: [`super::Named`] with its pair written out.
#[derive(Clone, Copy, Debug)]
pub struct NamedSchedule {
    /// Its name (`seed`).
    pub name: &'static str,
    /// The workload it is written for.
    pub workload: &'static str,
    /// The variant it breaks.
    pub variant: &'static str,
    /// The invariant it breaks there.
    pub breaks: &'static str,
    /// One line on what it shows.
    pub about: &'static str,
    /// The steps, by task name, and the picks.
    pub script: &'static [ScriptStep],
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

/// A scenario of the catalog, by names: what `raceway list` shows and what the command line
/// selects. Every [`Scenario`] is one through [`EntryOf`].
pub trait Entry: Sync {
    /// Its id (`wlog`).
    fn name(&self) -> &'static str;
    /// The real system, in a line.
    fn title(&self) -> &'static str;
    /// The workloads, in catalog order.
    fn workloads(&self) -> Vec<Item>;
    /// The variants, in catalog order.
    fn variants(&self) -> Vec<Item>;
    /// The named schedules.
    fn named_schedules(&self) -> Vec<NamedSchedule>;
    /// The expected verdict of (`workload`, `variant`).
    fn expectation(&self, workload: &str, variant: &str) -> Result<Expectation, CatalogError>;
    /// A runner for (`workload`, `variant`).
    fn runner(&self, workload: &str, variant: &str) -> Result<Box<dyn Simulation>, CatalogError>;
    /// A runner for (`workload`, `variant`) whose only invariant is that the clients' history
    /// is `model`-consistent (see [`Consistent`]).
    fn consistency_runner(
        &self,
        workload: &str,
        variant: &str,
        model: Consistency,
    ) -> Result<Box<dyn Simulation>, CatalogError>;
}

/// The [`Entry`] of scenario `S`: one generic entry for every model type.
pub struct EntryOf<S>(PhantomData<fn() -> S>);

impl<S> EntryOf<S> {
    /// The entry (a constant, for the catalog's static list).
    pub const NEW: Self = EntryOf(PhantomData);
}

fn unknown(scenario: &'static str, what: &'static str, name: &str, known: &[Item]) -> CatalogError {
    CatalogError::Unknown {
        scenario,
        what,
        name: name.to_string(),
        known: known.iter().map(|i| i.name).collect::<Vec<_>>().join(", "),
    }
}

impl<S: Scenario> EntryOf<S> {
    fn pair(
        &self,
        workload: &str,
        variant: &str,
    ) -> Result<(S::Workload, S::Variant), CatalogError> {
        let w = S::Workload::named(workload)
            .ok_or_else(|| unknown(S::NAME, "workload", workload, &self.workloads()))?;
        let v = S::Variant::named(variant)
            .ok_or_else(|| unknown(S::NAME, "variant", variant, &self.variants()))?;
        Ok((w, v))
    }
}

impl<S: Scenario> Entry for EntryOf<S> {
    fn name(&self) -> &'static str {
        S::NAME
    }

    fn title(&self) -> &'static str {
        S::TITLE
    }

    fn workloads(&self) -> Vec<Item> {
        S::Workload::all().iter().copied().map(Item::of).collect()
    }

    fn variants(&self) -> Vec<Item> {
        S::Variant::all().iter().copied().map(Item::of).collect()
    }

    fn named_schedules(&self) -> Vec<NamedSchedule> {
        S::NAMED
            .iter()
            .map(|n| NamedSchedule {
                name: n.name,
                workload: n.workload.name(),
                variant: n.variant.name(),
                breaks: n.breaks,
                about: n.about,
                script: n.script,
            })
            .collect()
    }

    fn expectation(&self, workload: &str, variant: &str) -> Result<Expectation, CatalogError> {
        let (w, v) = self.pair(workload, variant)?;
        Ok(S::expect(w, v))
    }

    fn runner(&self, workload: &str, variant: &str) -> Result<Box<dyn Simulation>, CatalogError> {
        let (w, v) = self.pair(workload, variant)?;
        Ok(Box::new(Runner::new(S::new(w, v))))
    }

    fn consistency_runner(
        &self,
        workload: &str,
        variant: &str,
        model: Consistency,
    ) -> Result<Box<dyn Simulation>, CatalogError> {
        let (w, v) = self.pair(workload, variant)?;
        Ok(Box::new(Runner::new(Consistent::new(S::new(w, v), model))))
    }
}

impl dyn Entry {
    /// The workload called `name`.
    pub fn workload(&self, name: &str) -> Result<Item, CatalogError> {
        let all = self.workloads();
        let found = all.iter().find(|i| i.name == name).copied();
        found.ok_or_else(|| unknown(self.name(), "workload", name, &all))
    }

    /// The variant called `name`.
    pub fn variant(&self, name: &str) -> Result<Item, CatalogError> {
        let all = self.variants();
        let found = all.iter().find(|i| i.name == name).copied();
        found.ok_or_else(|| unknown(self.name(), "variant", name, &all))
    }

    /// The named schedule called `name`.
    pub fn named(&self, name: &str) -> Result<NamedSchedule, CatalogError> {
        let all = self.named_schedules();
        all.iter().find(|n| n.name == name).copied().ok_or_else(|| {
            let names: Vec<Item> = all
                .iter()
                .map(|n| Item {
                    name: n.name,
                    about: n.about,
                })
                .collect();
            unknown(self.name(), "named schedule", name, &names)
        })
    }

    /// The pair (`workload`, `variant`).
    pub fn pair(&'static self, workload: &str, variant: &str) -> Result<Pair, CatalogError> {
        let (workload, variant) = (self.workload(workload)?, self.variant(variant)?);
        Ok(Pair {
            scenario: self,
            workload,
            variant,
            expectation: self.expectation(workload.name, variant.name)?,
        })
    }

    /// Every (workload, variant) pair, workload by workload, in catalog order.
    pub fn pairs(&'static self) -> Vec<Pair> {
        let variants = self.variants();
        let mut pairs = Vec::new();
        for workload in self.workloads() {
            for &variant in &variants {
                let pair = self.pair(workload.name, variant.name);
                pairs.push(pair.expect("the names come from the scenario itself"));
            }
        }
        pairs
    }
}

/// One (workload, variant) pair of a scenario, resolved: what a sweep row, a run or a
/// report is about.
#[derive(Clone, Copy)]
pub struct Pair {
    /// The scenario.
    pub scenario: &'static dyn Entry,
    /// The workload.
    pub workload: Item,
    /// The variant.
    pub variant: Item,
    /// Its expected verdict.
    pub expectation: Expectation,
}

impl Pair {
    /// A runner for the pair.
    pub fn runner(&self) -> Box<dyn Simulation> {
        self.scenario
            .runner(self.workload.name, self.variant.name)
            .expect("a pair's names come from its own scenario")
    }

    /// A runner for the pair that checks only its clients' `model`-consistency.
    pub fn consistency_runner(&self, model: Consistency) -> Box<dyn Simulation> {
        self.scenario
            .consistency_runner(self.workload.name, self.variant.name, model)
            .expect("a pair's names come from its own scenario")
    }
}

/// `wlog fork/buggy`.
impl fmt::Display for Pair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (s, w, v) = (self.scenario.name(), self.workload.name, self.variant.name);
        write!(f, "{s} {w}/{v}")
    }
}

impl fmt::Debug for Pair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
