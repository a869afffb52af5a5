//! Resolving names from the command line against the catalog.

use crate::cli::Target;
use anyhow::Result;
use raceway_scenarios::{find, NamedSchedule, Scenario};
use raceway_sim::explore::{explore, Exploration, Options};
use raceway_sim::shrink::shrunk_trace;
use raceway_sim::{Schedule, Simulation, Trace};

/// A resolved (scenario, workload, variant).
#[derive(Clone, Copy)]
pub struct Selected {
    pub scenario: &'static Scenario,
    pub workload: usize,
    pub variant: usize,
}

impl Selected {
    /// Resolves `target`; a named schedule supplies the workload and variant not given.
    pub fn resolve(
        target: &Target,
        named: Option<&str>,
    ) -> Result<(Self, Option<&'static NamedSchedule>)> {
        let scenario = find(&target.scenario)?;
        let named = named.map(|n| scenario.named(n)).transpose()?;
        let workload = match (&target.workload, named) {
            (Some(w), Some(n)) if w != n.workload => anyhow::bail!(
                "named schedule `{}` is written for workload `{}`, not `{w}`",
                n.name,
                n.workload
            ),
            (Some(w), _) => scenario.workload(w)?,
            (None, Some(n)) => scenario.workload(n.workload)?,
            (None, None) => 0,
        };
        let variant = match (&target.variant, named) {
            (Some(v), _) => scenario.variant(v)?,
            (None, Some(n)) => scenario.variant(n.variant)?,
            (None, None) => 0,
        };
        Ok((
            Self {
                scenario,
                workload,
                variant,
            },
            named,
        ))
    }

    /// The pair `workload`/`variant` of `scenario`.
    pub fn of(scenario: &'static Scenario, workload: usize, variant: usize) -> Self {
        Self {
            scenario,
            workload,
            variant,
        }
    }

    /// The pair named `workload`/`variant` of the scenario named `scenario`.
    pub fn by_name(scenario: &str, workload: &str, variant: &str) -> Result<Self> {
        let scenario = find(scenario)?;
        Ok(Self::of(
            scenario,
            scenario.workload(workload)?,
            scenario.variant(variant)?,
        ))
    }

    /// Every schedule of the pair, as `options` say.
    pub fn explore(&self, options: &Options) -> Result<Exploration> {
        explore(self.runner().as_mut(), options)
            .map_err(|d| anyhow::anyhow!("{}: {d}", self.label()))
    }

    /// The trace of `schedule`'s failing run, shrunk; `None` when it breaks no invariant.
    pub fn shrunk_trace(&self, schedule: &Schedule) -> Result<Option<Trace>> {
        shrunk_trace(self.runner().as_mut(), schedule)
            .map_err(|d| anyhow::anyhow!("{}: {d}", self.label()))
    }

    pub fn workload_name(&self) -> &'static str {
        self.scenario.workloads[self.workload].name
    }

    pub fn variant_name(&self) -> &'static str {
        self.scenario.variants[self.variant].name
    }

    /// `wlog fork/buggy`.
    pub fn label(&self) -> String {
        format!(
            "{} {}/{}",
            self.scenario.name,
            self.workload_name(),
            self.variant_name()
        )
    }

    pub fn runner(&self) -> Box<dyn Simulation> {
        self.scenario.runner(self.workload, self.variant)
    }

    /// The command that replays `schedule` on this pair.
    pub fn replay_command(&self, schedule: &impl std::fmt::Display) -> String {
        replay_command(
            self.scenario.name,
            self.workload_name(),
            self.variant_name(),
            schedule,
        )
    }
}

/// The command that replays `schedule` on a pair: what every failure prints, short enough to
/// copy from a terminal or a CI log.
pub fn replay_command(
    scenario: &str,
    workload: &str,
    variant: &str,
    schedule: &impl std::fmt::Display,
) -> String {
    format!("raceway run {scenario} -w {workload} -v {variant} --schedule {schedule}")
}

/// The scenarios named (all when none is), in catalog order.
pub fn scenarios(names: &[String]) -> Result<Vec<&'static Scenario>> {
    for n in names {
        find(n)?;
    }
    Ok(raceway_scenarios::CATALOG
        .iter()
        .copied()
        .filter(|s| names.is_empty() || names.iter().any(|n| n == s.name))
        .collect())
}

/// The (workload, variant) pairs of `scenario` selected by name (all when none is). A name
/// that no selected scenario has is an error; one that this scenario lacks just selects none
/// of its pairs.
pub fn pairs(
    scenario: &Scenario,
    workloads: &[String],
    variants: &[String],
) -> Result<Vec<(usize, usize)>> {
    let pick = |items: &[raceway_scenarios::Item], names: &[String]| -> Vec<usize> {
        (0..items.len())
            .filter(|&i| names.is_empty() || names.iter().any(|n| n == items[i].name))
            .collect()
    };
    let ws = pick(scenario.workloads, workloads);
    let vs = pick(scenario.variants, variants);
    Ok(ws
        .iter()
        .flat_map(|&w| vs.iter().map(move |&v| (w, v)))
        .collect())
}
