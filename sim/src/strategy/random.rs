//! Uniform random choices from a seeded ChaCha8 stream: portable and reproducible, so a seed
//! names a run on every machine.

use super::{Candidate, Diverged, Once, Pick, Strategy};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Uniformly random scheduling and picks, seeded.
#[derive(Clone, Debug)]
pub struct Random {
    rng: ChaCha8Rng,
    once: Once,
}

impl Random {
    /// The strategy for `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
            once: Once::default(),
        }
    }

    /// A uniform index below `n`. Sampled as `u32`, which rand samples the same way on every
    /// platform (a `usize` range would not be portable).
    pub(crate) fn below(rng: &mut ChaCha8Rng, n: u32) -> u32 {
        rng.random_range(0..n)
    }
}

impl Strategy for Random {
    fn next_run(&mut self) -> bool {
        self.once.next()
    }

    fn next_task(&mut self, candidates: &[Candidate]) -> Result<Option<usize>, Diverged> {
        Ok(Some(match candidates.len() {
            1 => 0,
            n => Self::below(&mut self.rng, n as u32) as usize,
        }))
    }

    fn next_pick(&mut self, pick: Pick) -> Result<u32, Diverged> {
        Ok(Self::below(&mut self.rng, pick.of))
    }
}
