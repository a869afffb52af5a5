//! Resolving names from the command line against the catalog: names become [`Pair`]s here.

use crate::cli::Target;
use anyhow::Result;
use raceway_scenarios::{find, Entry, NamedSchedule, Pair};
use raceway_sim::explore::{Exploration, Options, Progress};
use raceway_sim::shrink::ShrunkTrace;
use raceway_sim::Schedule;

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

/// Every schedule of `pair` as `options` say, with the strongest claim `budget` schedules
/// allow (see [`raceway_sim::explore::prove`]), split by schedule prefix and explored on
/// `jobs` threads (see [`raceway_sim::split`]: the result does not depend on `jobs`), showing
/// its progress to `progress`.
pub fn explore(
    pair: Pair,
    options: &Options,
    budget: u64,
    jobs: usize,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Result<Exploration> {
    raceway_sim::split::prove(&|| pair.runner(), options, budget, jobs, progress)
        .map_err(|d| anyhow::anyhow!("{pair}: {d}"))
}

/// `--jobs`, or every core when not given.
pub fn jobs(given: Option<u16>) -> usize {
    given.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        usize::from,
    )
}

/// `schedule`'s failing run on `pair`, shrunk, with its trace; `None` when it breaks no
/// invariant.
pub fn shrunk_trace(pair: Pair, schedule: &Schedule) -> Result<Option<ShrunkTrace>> {
    raceway_sim::shrink::shrunk_trace(pair.runner().as_mut(), schedule)
        .map_err(|d| anyhow::anyhow!("{pair}: {d}"))
}

/// The command that replays `schedule` on `pair`.
pub fn replay(pair: Pair, schedule: &impl std::fmt::Display) -> String {
    replay_command(
        pair.scenario.name(),
        pair.workload.name,
        pair.variant.name,
        schedule,
    )
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
