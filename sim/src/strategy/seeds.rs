//! A seeded strategy over a range of seeds: one run per seed, in order. This is how sweeps,
//! `check_random`/`check_pct`, calibration and benchmarks run many seeds through one loop,
//! without building a strategy on the heap per run.

use super::{Candidate, Delay, Diverged, Pct, Pick, Random, Strategy};
use std::ops::Range;

/// Which seeded strategy makes a run's choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seeding {
    /// [`Random`].
    Random,
    /// [`Pct`] at bug `depth`, over runs of about `steps` steps (see
    /// [`pct_steps`](crate::drive::pct_steps)).
    Pct {
        /// The bug depth.
        depth: u32,
        /// The step bound of the change points.
        steps: u32,
    },
    /// [`Delay`] bounding with `delays` delays at random steps of `1..=steps`.
    Delay {
        /// Delays per run.
        delays: u32,
        /// The step bound of the delays (as PCT's).
        steps: u32,
    },
}

impl Seeding {
    fn strategy(self, seed: u64) -> Seeded {
        match self {
            Seeding::Random => Seeded::Random(Random::new(seed)),
            Seeding::Pct { depth, steps } => Seeded::Pct(Pct::new(seed, depth, steps)),
            Seeding::Delay { delays, steps } => Seeded::Delay(Delay::random(seed, delays, steps)),
        }
    }
}

/// One seed's strategy, on the stack.
// Lives inline in `Seeds`; boxing the larger variant would allocate per run.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
enum Seeded {
    Random(Random),
    Pct(Pct),
    Delay(Delay),
}

/// [`Random`] or [`Pct`] over a range of seeds, one run per seed. A new `Seeds` stands before
/// the range's first seed.
#[derive(Clone, Debug)]
pub struct Seeds {
    seeding: Seeding,
    seed: u64,
    next: u64,
    /// Seeds not run yet: a count, so that a range may end with `u64::MAX`.
    left: u64,
    run: Seeded,
}

impl Seeds {
    /// The runs of `seeds` under `seeding`.
    pub fn new(seeding: Seeding, seeds: Range<u64>) -> Self {
        Self::counted(seeding, seeds.start, seeds.end.saturating_sub(seeds.start))
    }

    /// The runs of the `count` seeds from `first` under `seeding` (up to `u64::MAX` itself,
    /// which no `Range` holds).
    pub fn counted(seeding: Seeding, first: u64, count: u64) -> Self {
        Self {
            seeding,
            seed: first,
            next: first,
            left: count,
            run: seeding.strategy(first),
        }
    }

    /// [`Random`] over `seeds`.
    pub fn random(seeds: Range<u64>) -> Self {
        Self::new(Seeding::Random, seeds)
    }

    /// [`Pct`] at `depth` over `seeds`, for runs of about `steps` steps.
    pub fn pct(seeds: Range<u64>, depth: u32, steps: u32) -> Self {
        Self::new(Seeding::Pct { depth, steps }, seeds)
    }

    /// [`Delay`] bounding with `delays` random delays over `seeds`, for runs of about `steps`
    /// steps.
    pub fn delay(seeds: Range<u64>, delays: u32, steps: u32) -> Self {
        Self::new(Seeding::Delay { delays, steps }, seeds)
    }
}

impl Strategy for Seeds {
    fn next_run(&mut self) -> bool {
        if self.left == 0 {
            return false;
        }
        self.left -= 1;
        self.seed = self.next;
        // Wraps only after the last seed, `u64::MAX`, when no run is left.
        self.next = self.next.wrapping_add(1);
        match (&mut self.run, self.seeding) {
            // In place: a sweep starts millions of runs, and the enum is hundreds of bytes.
            (Seeded::Random(random), Seeding::Random) => random.reseed(self.seed),
            _ => self.run = self.seeding.strategy(self.seed),
        }
        true
    }

    fn next_task(&mut self, candidates: &[Candidate]) -> Result<Option<usize>, Diverged> {
        match &mut self.run {
            Seeded::Random(s) => s.next_task(candidates),
            Seeded::Pct(s) => s.next_task(candidates),
            Seeded::Delay(s) => s.next_task(candidates),
        }
    }

    fn sees_forced_steps(&self) -> bool {
        match &self.run {
            Seeded::Random(s) => s.sees_forced_steps(),
            Seeded::Pct(s) => s.sees_forced_steps(),
            Seeded::Delay(s) => s.sees_forced_steps(),
        }
    }

    fn next_pick(&mut self, pick: Pick) -> Result<u32, Diverged> {
        match &mut self.run {
            Seeded::Random(s) => s.next_pick(pick),
            Seeded::Pct(s) => s.next_pick(pick),
            Seeded::Delay(s) => s.next_pick(pick),
        }
    }

    fn seed(&self) -> Option<u64> {
        Some(self.seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_run_per_seed_in_order() {
        let mut seeds = Seeds::random(5..8);
        let mut seen = Vec::new();
        while seeds.next_run() {
            seen.push(seeds.seed().unwrap());
        }
        assert_eq!(seen, [5, 6, 7]);
        assert!(!Seeds::random(3..3).next_run());
        let mut top = Seeds::counted(Seeding::Random, u64::MAX, 1);
        assert!(top.next_run() && top.seed() == Some(u64::MAX) && !top.next_run());
    }
}
