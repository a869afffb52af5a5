//! Resolving names from the command line against the catalog: names become [`Pair`]s here.

use crate::cli::{StrategyName, Target};
use anyhow::Result;
use raceway_scenarios::{find, Entry, NamedSchedule, Pair};
use raceway_sim::strategy::{Pct, Random};
use raceway_sim::Strategy;

/// Resolves `target` to a (scenario, workload, variant) pair; a named schedule supplies the
/// workload and variant not given, and the first of each is the default.
pub fn resolve(target: &Target, named: Option<&str>) -> Result<(Pair, Option<NamedSchedule>)> {
    let scenario = find(&target.scenario)?;
    let named = named.map(|n| scenario.named(n)).transpose()?;
    let workload = match (&target.workload, named) {
        (Some(w), Some(n)) if w != n.workload => anyhow::bail!(
            "named schedule `{}` is written for workload `{}`, not `{w}`",
            n.name,
            n.workload
        ),
        (Some(w), _) => w.as_str(),
        (None, Some(n)) => n.workload,
        (None, None) => scenario.workloads()[0].name,
    };
    let variant = match (&target.variant, named) {
        (Some(v), _) => v.as_str(),
        (None, Some(n)) => n.variant,
        (None, None) => scenario.variants()[0].name,
    };
    Ok((scenario.pair(workload, variant)?, named))
}

/// The scenarios named (all when none is), in catalog order.
pub fn scenarios(names: &[String]) -> Result<Vec<&'static dyn Entry>> {
    for n in names {
        find(n)?;
    }
    Ok(raceway_scenarios::CATALOG
        .iter()
        .copied()
        .filter(|s| names.is_empty() || names.iter().any(|n| n == s.name()))
        .collect())
}

/// The (workload, variant) pairs of `scenario` selected by name (all when none is), in
/// catalog order. A name that this scenario lacks just selects none of its pairs (the caller
/// checks that some selected scenario has it).
pub fn pairs(scenario: &'static dyn Entry, workloads: &[String], variants: &[String]) -> Vec<Pair> {
    let wanted = |names: &[String], name: &str| names.is_empty() || names.iter().any(|n| n == name);
    scenario
        .pairs()
        .into_iter()
        .filter(|p| wanted(workloads, p.workload.name) && wanted(variants, p.variant.name))
        .collect()
}

/// A seeded strategy without a heap allocation per run: sweeps build one per seed.
// Lives on the stack for one run; boxing the larger variant would allocate per run.
#[allow(clippy::large_enum_variant)]
pub enum Seeded {
    Random(Random),
    Pct(Pct),
}

impl Seeded {
    pub fn new(name: StrategyName, seed: u64, depth: u32, pct_steps: u32) -> Self {
        match name {
            StrategyName::Random => Seeded::Random(Random::new(seed)),
            StrategyName::Pct => Seeded::Pct(Pct::new(seed, depth, pct_steps)),
        }
    }
}

impl Strategy for Seeded {
    fn next_task(
        &mut self,
        candidates: &[raceway_sim::Candidate],
    ) -> Result<usize, raceway_sim::Diverged> {
        match self {
            Seeded::Random(s) => s.next_task(candidates),
            Seeded::Pct(s) => s.next_task(candidates),
        }
    }

    fn next_pick(&mut self, pick: raceway_sim::Pick) -> Result<u32, raceway_sim::Diverged> {
        match self {
            Seeded::Random(s) => s.next_pick(pick),
            Seeded::Pct(s) => s.next_pick(pick),
        }
    }
}
