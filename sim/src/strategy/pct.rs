//! PCT, probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010).
//!
//! Every task gets a distinct random priority when it first appears; the enabled task with the
//! highest priority always steps. At `depth - 1` step numbers drawn uniformly from
//! `1..=max_steps`, the task about to step drops below every initial priority. A bug of depth
//! `d` (that needs `d` ordering constraints) is then found with probability at least
//! `1 / (n * k^(d-1))` per run. Picks are uniform random.
//!
//! Unlike shuttle's PCT, `max_steps` is a parameter and not learnt across runs: a seed must name
//! one run, whatever ran before it in the sweep (that is what makes shards and `--jobs`
//! irrelevant to results).

use super::random::Random;
use super::{Candidate, Diverged, Once, Pick, Strategy};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Tasks a PCT run tracks priorities for; more are rare in models and get the lowest priority.
const MAX_TASKS: usize = 64;
/// Change points a run may hold.
const MAX_DEPTH: usize = 16;

/// Priority-based scheduling with `depth - 1` priority change points, seeded.
#[derive(Clone, Debug)]
pub struct Pct {
    rng: ChaCha8Rng,
    /// Priorities by task id; 0 means not yet assigned. Initial priorities lie above
    /// `MAX_DEPTH`, lowered ones at or below it.
    priority: [u32; MAX_TASKS],
    change_points: [u32; MAX_DEPTH],
    changes: usize,
    step: u32,
    once: Once,
}

impl Pct {
    /// The bug depth used wherever none is given: 3, which finds every bug of the catalog
    /// that PCT finds at all within a few dozen schedules (see reports/bench.md).
    pub const DEFAULT_DEPTH: u32 = 3;

    /// PCT for `seed` with bug depth `depth` (at least 1, at most 16) over runs of about
    /// `max_steps` steps.
    pub fn new(seed: u64, depth: u32, max_steps: u32) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let changes = (depth.clamp(1, MAX_DEPTH as u32) - 1) as usize;
        let mut change_points = [0; MAX_DEPTH];
        for cp in change_points.iter_mut().take(changes) {
            *cp = 1 + Random::below(&mut rng, max_steps.max(1));
        }
        Self {
            rng,
            priority: [0; MAX_TASKS],
            change_points,
            changes,
            step: 0,
            once: Once::default(),
        }
    }

    fn priority_of(&mut self, task: u32) -> u32 {
        let Some(slot) = self.priority.get(task as usize) else {
            return 0;
        };
        if *slot == 0 {
            // Distinct with overwhelming likelihood; ties break towards the lower task id.
            self.priority[task as usize] = MAX_DEPTH as u32
                + 1
                + Random::below(&mut self.rng, u32::MAX - MAX_DEPTH as u32 - 1);
        }
        self.priority[task as usize]
    }
}

impl Pct {
    fn highest(&mut self, candidates: &[Candidate]) -> usize {
        let mut best = 0;
        let mut best_priority = 0;
        for (i, c) in candidates.iter().enumerate() {
            let p = self.priority_of(c.task);
            if i == 0 || p > best_priority {
                (best, best_priority) = (i, p);
            }
        }
        best
    }
}

impl Strategy for Pct {
    fn next_run(&mut self) -> bool {
        self.once.next()
    }

    fn next_task(&mut self, candidates: &[Candidate]) -> Result<Option<usize>, Diverged> {
        self.step += 1;
        let best = self.highest(candidates);
        let Some(j) = self.change_points[..self.changes]
            .iter()
            .position(|&cp| cp == self.step)
        else {
            return Ok(Some(best));
        };
        // A change point: the task about to step drops below every initial priority (later
        // change points lower it further), and the choice is made again.
        if let Some(p) = self.priority.get_mut(candidates[best].task as usize) {
            *p = (MAX_DEPTH - j) as u32;
        }
        Ok(Some(self.highest(candidates)))
    }

    fn next_pick(&mut self, pick: Pick) -> Result<u32, Diverged> {
        Ok(Random::below(&mut self.rng, pick.of))
    }
}
