//! The one loop: runs a strategy's runs, one after another, until the strategy has none left
//! or the caller has seen enough. Exploration, search, checking, shrinking, calibration,
//! sweeps and benchmarks all go through [`drive`]; what differs between them is the strategy
//! and what they do with each run.

use crate::executor::{Simulation, Verdict};
use crate::strategy::{Diverged, Seeds, Strategy};
use std::ops::ControlFlow;

/// A run that ended (not pruned), as [`drive`] shows it to its caller.
pub struct Run<'a> {
    /// How it ended.
    pub verdict: &'a Verdict,
    /// The seed that names it, for a seeded strategy.
    pub seed: Option<u64>,
    /// The simulation, for the run's schedule (and its trace, when recorded).
    pub sim: &'a dyn Simulation,
}

/// What [`drive`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Driven {
    /// Runs that ended, each shown to the caller.
    pub runs: u64,
    /// Runs the strategy cut short as pruned, not shown.
    pub pruned: u64,
    /// Whether the strategy ran out of runs (rather than the caller stopping it).
    pub complete: bool,
}

/// Runs `strategy`'s runs on `sim` (recording each when `record`) and shows every run that
/// ended to `visit`, until the strategy has no run left or `visit` breaks. A divergence (a
/// replayed schedule that does not fit) ends the loop with the error.
pub fn drive(
    sim: &mut dyn Simulation,
    strategy: &mut dyn Strategy,
    record: bool,
    mut visit: impl FnMut(Run<'_>) -> ControlFlow<()>,
) -> Result<Driven, Diverged> {
    let mut driven = Driven::default();
    while strategy.next_run() {
        let verdict = sim.run(strategy, record)?;
        if verdict.pruned {
            driven.pruned += 1;
            continue;
        }
        driven.runs += 1;
        let run = Run {
            verdict: &verdict,
            seed: strategy.seed(),
            sim: &*sim,
        };
        if visit(run).is_break() {
            return Ok(driven);
        }
    }
    driven.complete = true;
    Ok(driven)
}

/// A step bound for PCT's change points (and random delays), measured deterministically: the
/// most steps of random seeds `0..8`, run whole (see
/// [`Simulation::whole_run`]): a violation does not cut them
/// short, so a model whose random runs mostly break early still gets the length of its runs.
/// It depends on the model only, so every seed of a sweep, on any shard or thread, sees the
/// same bound.
pub fn pct_steps(sim: &mut dyn Simulation) -> u32 {
    let mut seeds = Seeds::random(0..8);
    let mut most = 1;
    while seeds.next_run() {
        // Seeded strategies never diverge.
        if let Ok(steps) = sim.whole_run(&mut seeds) {
            most = most.max(steps);
        }
    }
    most
}
