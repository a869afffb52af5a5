//! The first run of a strategy that breaks an invariant: the building block of sweeps' tests
//! and of tests that ask "does some seed break it?".

use crate::drive::drive;
use crate::executor::Simulation;
use crate::schedule::Schedule;
use crate::strategy::{Diverged, Strategy};
use crate::trace::Violation;
use std::ops::ControlFlow;

/// A run that broke an invariant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// Its seed (for an unseeded strategy, its index among the strategy's runs, from 0).
    pub seed: u64,
    /// What broke.
    pub violation: Violation,
    /// The run's choices, to replay it without the strategy.
    pub schedule: Schedule,
}

/// The first run of `strategy` (in order: for [`Seeds`](crate::strategy::Seeds), the first
/// seed) that breaks an invariant on `sim`.
pub fn first_violation(
    sim: &mut dyn Simulation,
    strategy: &mut dyn Strategy,
) -> Result<Option<Found>, Diverged> {
    let mut found = None;
    let mut index = 0;
    drive(sim, strategy, false, |run| {
        let seed = run.seed.unwrap_or(index);
        index += 1;
        match &run.verdict.violation {
            Some(v) => {
                found = Some(Found {
                    seed,
                    violation: v.clone(),
                    schedule: run.sim.schedule().clone(),
                });
                ControlFlow::Break(())
            }
            None => ControlFlow::Continue(()),
        }
    })?;
    Ok(found)
}
