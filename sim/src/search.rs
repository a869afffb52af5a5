//! Running many seeds of one simulation, sequentially: the building block of sweeps and of
//! tests that ask "does some seed break it?".

use crate::executor::Simulation;
use crate::schedule::Schedule;
use crate::strategy::Strategy;
use crate::trace::Violation;

/// A seed whose run broke an invariant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The seed.
    pub seed: u64,
    /// What broke.
    pub violation: Violation,
    /// The run's choices, to replay it without the strategy.
    pub schedule: Schedule,
}

/// The first seed of `seeds` (in order) whose run under `strategy(seed)` breaks an invariant.
///
/// Seeded strategies never diverge; a strategy that does (a replay or script) makes that run
/// count as not breaking anything.
pub fn first_violation<S: Strategy>(
    sim: &mut dyn Simulation,
    seeds: impl IntoIterator<Item = u64>,
    mut strategy: impl FnMut(u64) -> S,
) -> Option<Found> {
    seeds.into_iter().find_map(|seed| {
        let verdict = sim.run(&mut strategy(seed), false).ok()?;
        verdict.violation.map(|violation| Found {
            seed,
            violation,
            schedule: sim.schedule().clone(),
        })
    })
}
