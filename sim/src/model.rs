//! What a scenario gives the engine: its state, its tasks, its settle phase and its invariants.

use crate::cx::Spawner;
use crate::fingerprint::Fingerprint;
use crate::invariant::Invariant;

/// A system under test: one (workload, variant) of a scenario, ready to run many times.
///
/// Each run starts from [`Model::init`], spawns the workload's tasks, runs them to the end
/// under the strategy's choices, then spawns the settle tasks and runs those, then checks the
/// quiescence invariants. The state is owned by the engine and reached only through steps.
pub trait Model {
    /// The shared state of the system: storage, caches, counters, results of the settle phase.
    type State: 'static;

    /// The state at the start of a run.
    fn init(&self) -> Self::State;

    /// Spawns the workload's tasks (and creates the mutexes and events they share).
    fn workload(&self, spawner: &mut Spawner<'_, Self::State>);

    /// Spawns the settle tasks, run after the workload's tasks have all ended: one more poll,
    /// a read through each path, the TTL elapsing, a restart.
    fn settle(&self, _spawner: &mut Spawner<'_, Self::State>) {}

    /// The invariants, in the order they are checked.
    fn invariants(&self) -> &[Invariant<Self::State>];

    /// The fingerprint of `state`, which lets exploration skip a configuration it has explored
    /// already (stateful search). `None`, the default, opts out: exploration stays stateless.
    /// A model whose state is `Hash` opts in with one line:
    /// `Some(raceway_sim::fingerprint::of(state))`. Equal states must give equal fingerprints,
    /// so the state must hash everything its steps, settle tasks and invariants read: ghost
    /// fields too.
    fn fingerprint(&self, _state: &Self::State) -> Option<Fingerprint> {
        None
    }
}
