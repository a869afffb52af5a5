//! Runs handed over to another engine (see [`Strategy::handover`]), in a build that has none:
//! refused, as a divergence, since no engine here can make that run's choices.
//!
//! [`Strategy::handover`]: crate::Strategy::handover

use crate::executor::{Runner, Verdict};
use crate::model::Model;
use crate::strategy::Diverged;

/// Refuses the run of `seed`.
pub(crate) fn run<M: Model>(
    _runner: &mut Runner<M>,
    seed: u64,
    _record: bool,
) -> Result<Verdict, Diverged> {
    Err(Diverged(format!(
        "run {seed} is handed over to an engine this build does not have"
    )))
}
