//! PCT, probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010).
//!
//! Every task gets a distinct random priority; the enabled task with the highest priority
//! always steps. At `depth - 1` distinct step numbers drawn uniformly from `1..=max_steps`
//! (the change points), the task about to step drops below every initial priority. A bug of
//! depth `d` (that needs `d` ordering constraints) is then found with probability at least
//! `1 / (n * k^(d-1))` per run, for `n` tasks and runs of at most `k = max_steps` steps.
//! Picks are uniform random.
//!
//! Priorities hold for any number of tasks and need no table: a task's initial priority is a
//! keyed bijective mix of its id (the run's key drawn from the seed), so priorities of distinct
//! tasks are distinct and their order is a pseudo-random permutation, whatever the number of
//! tasks and whenever a task is spawned. Only the (at most 15) lowered tasks are stored.
//!
//! Unlike shuttle's PCT, `max_steps` is a parameter and not learnt across runs: a seed must name
//! one run, whatever ran before it in the sweep (that is what makes shards and `--jobs`
//! irrelevant to results). [`pct_steps`](crate::drive::pct_steps) measures it from whole runs
//! of the model.

use super::random::Random;
use super::{Candidate, Diverged, Once, Pick, Strategy, TaskId};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The deepest bug a run looks for; `depth - 1` change points.
pub const MAX_DEPTH: u32 = 16;
const MAX_CHANGES: usize = MAX_DEPTH as usize - 1;

/// Priority-based scheduling with `depth - 1` distinct priority change points, seeded.
#[derive(Clone, Debug)]
pub struct Pct {
    rng: ChaCha8Rng,
    /// Keys the initial priorities of this run.
    key: u64,
    /// Step numbers of the change points, distinct, in the order drawn.
    change_points: [u32; MAX_CHANGES],
    changes: usize,
    /// Tasks lowered at a change point, with their lowered priority (the change point's index
    /// in drawn order; a task lowered twice keeps the later one).
    lowered: [(TaskId, u32); MAX_CHANGES],
    lowered_len: usize,
    step: u32,
    once: Once,
}

/// A priority: lowered ones (`false`) rank below every initial one (`true`).
type Rank = (bool, u64);

/// SplitMix64's finaliser: a bijection on `u64` with full avalanche.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Pct {
    /// The bug depth used wherever none is given: 3, which finds every bug of the catalog
    /// that PCT finds at all within a few dozen schedules (see reports/bench.md).
    pub const DEFAULT_DEPTH: u32 = 3;

    /// PCT for `seed` with bug depth `depth` (clamped to `1..=16`) over runs of about
    /// `max_steps` steps. When `max_steps < depth - 1`, every step is a change point.
    pub fn new(seed: u64, depth: u32, max_steps: u32) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let key = rng.next_u64();
        let k = max_steps.max(1);
        let changes = ((depth.clamp(1, MAX_DEPTH) - 1) as usize).min(k as usize);
        let mut change_points = [0; MAX_CHANGES];
        for i in 0..changes {
            // Rejection keeps them distinct: a repeated point would make a depth-d run one of
            // depth d-1. At most 15 points, so this ends quickly (it is exact when k is small).
            change_points[i] = loop {
                let cp = 1 + Random::below(&mut rng, k);
                if !change_points[..i].contains(&cp) {
                    break cp;
                }
            };
        }
        Self {
            rng,
            key,
            change_points,
            changes,
            lowered: [(0, 0); MAX_CHANGES],
            lowered_len: 0,
            step: 0,
            once: Once::default(),
        }
    }

    /// The change points of this run, in the order drawn.
    pub fn change_points(&self) -> &[u32] {
        &self.change_points[..self.changes]
    }

    fn rank(&self, task: TaskId) -> Rank {
        match self.lowered[..self.lowered_len]
            .iter()
            .find(|(t, _)| *t == task)
        {
            Some(&(_, level)) => (false, u64::from(level)),
            None => (true, mix(self.key ^ u64::from(task))),
        }
    }

    fn highest(&self, candidates: &[Candidate]) -> usize {
        let mut best = 0;
        let mut best_rank = self.rank(candidates[0].task);
        for (i, c) in candidates.iter().enumerate().skip(1) {
            let r = self.rank(c.task);
            if r > best_rank {
                (best, best_rank) = (i, r);
            }
        }
        best
    }

    fn lower(&mut self, task: TaskId, level: u32) {
        match self.lowered[..self.lowered_len]
            .iter_mut()
            .find(|(t, _)| *t == task)
        {
            Some(slot) => slot.1 = level,
            None => {
                self.lowered[self.lowered_len] = (task, level);
                self.lowered_len += 1;
            }
        }
    }
}

impl Strategy for Pct {
    fn next_run(&mut self) -> bool {
        self.once.next()
    }

    fn next_task(&mut self, candidates: &[Candidate]) -> Result<Option<usize>, Diverged> {
        self.step += 1;
        let best = self.highest(candidates);
        let Some(j) = self.change_points().iter().position(|&cp| cp == self.step) else {
            return Ok(Some(best));
        };
        // A change point: the task about to step drops below every initial priority (the
        // points' drawn order ranks the lowered tasks among themselves), and the choice is
        // made again.
        self.lower(candidates[best].task, j as u32);
        Ok(Some(self.highest(candidates)))
    }

    fn next_pick(&mut self, pick: Pick) -> Result<u32, Diverged> {
        Ok(Random::below(&mut self.rng, pick.of))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_points_are_distinct_and_within_the_bound() {
        for seed in 0..2000 {
            let pct = Pct::new(seed, 16, 20);
            let mut points = pct.change_points().to_vec();
            assert_eq!(points.len(), 15);
            assert!(points.iter().all(|&p| (1..=20).contains(&p)));
            points.sort_unstable();
            points.dedup();
            assert_eq!(points.len(), 15, "seed {seed}: {:?}", pct.change_points());
        }
        // Fewer steps than change points: every step is one.
        let mut all = Pct::new(7, 5, 3).change_points().to_vec();
        all.sort_unstable();
        assert_eq!(all, [1, 2, 3]);
    }

    #[test]
    fn initial_priorities_are_distinct_for_any_number_of_tasks() {
        let pct = Pct::new(1, 1, 10);
        let mut ranks: Vec<Rank> = (0..10_000).map(|t| pct.rank(t)).collect();
        ranks.sort_unstable();
        ranks.dedup();
        assert_eq!(ranks.len(), 10_000);
    }
}
