//! Runs handed over to another engine (see [`Strategy::handover`]), in a build that has none:
//! refused, as a divergence, since no engine here can make that run's choices.
//!
//! [`Strategy::handover`]: crate::Strategy::handover

use crate::model::Model;
use crate::runtime::Shared;
use crate::strategy::Diverged;
use crate::trace::Violation;
use std::rc::Rc;

/// Refuses the run of `seed`.
pub(crate) fn run<M: Model>(
    _model: &M,
    _shared: &Rc<Shared<M::State>>,
    seed: u64,
) -> Result<Option<Violation>, Diverged> {
    Err(Diverged(format!(
        "run {seed} is handed over to an engine this build does not have"
    )))
}
