//! Uniform random choices from a seeded ChaCha8 stream: portable and reproducible, so a seed
//! names a run on every machine.

use super::stream::Stream;
use super::{Candidate, Diverged, Once, Pick, Strategy};

/// Uniformly random scheduling and picks, seeded.
#[derive(Clone, Debug)]
pub struct Random {
    rng: Stream,
    once: Once,
}

impl Random {
    /// The strategy for `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            rng: Stream::seed_from_u64(seed),
            once: Once::default(),
        }
    }

    /// Makes this the strategy for `seed`, as [`Random::new`] would, without building one.
    pub(crate) fn reseed(&mut self, seed: u64) {
        self.rng.reseed(seed);
        self.once = Once::default();
    }
}

impl Strategy for Random {
    fn next_run(&mut self) -> bool {
        self.once.next()
    }

    fn next_task(&mut self, candidates: &[Candidate]) -> Result<Option<usize>, Diverged> {
        Ok(Some(match candidates.len() {
            1 => 0,
            n => self.rng.below(n as u32) as usize,
        }))
    }

    /// Among one candidate it takes that one and draws nothing.
    fn sees_forced_steps(&self) -> bool {
        false
    }

    fn next_pick(&mut self, pick: Pick) -> Result<u32, Diverged> {
        Ok(self.rng.below(pick.of))
    }
}
