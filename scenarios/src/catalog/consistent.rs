//! A scenario's model judged on one consistency model only: the consistency matrix's runs.
//!
//! The scenario's own invariants state what its fix restores; the matrix asks another
//! question, which consistency the clients get, so its runs check the client history alone
//! (a run that ends early, on a panic or a deadlock, never reaches that check).

use super::Scenario;
use raceway_sim::consistency::Consistency;
use raceway_sim::fingerprint::Fingerprint;
use raceway_sim::{Invariant, Model, Spawner};

/// `S`'s model with one invariant: its client history is consistent under one model.
pub struct Consistent<S: Scenario> {
    model: S,
    invariants: [Invariant<S::State>; 1],
}

impl<S: Scenario> Consistent<S> {
    /// `model`, checked for `consistency` against the scenario's specification.
    pub fn new(model: S, consistency: Consistency) -> Self {
        Self {
            model,
            invariants: [S::consistency(consistency)],
        }
    }
}

impl<S: Scenario> Model for Consistent<S> {
    type State = S::State;

    fn init(&self) -> S::State {
        self.model.init()
    }

    fn workload(&self, spawner: &mut Spawner<'_, S::State>) {
        self.model.workload(spawner);
    }

    fn settle(&self, spawner: &mut Spawner<'_, S::State>) {
        self.model.settle(spawner);
    }

    fn invariants(&self) -> &[Invariant<S::State>] {
        &self.invariants
    }

    fn fingerprint(&self, state: &S::State) -> Option<Fingerprint> {
        self.model.fingerprint(state)
    }
}
