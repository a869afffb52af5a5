//! Delay bounding (Emmi, Qadeer, Rakamarić, POPL 2011): a deterministic round-robin scheduler
//! that a run may deviate from at most `D` times.
//!
//! The deterministic scheduler lets the task that stepped last go on while it can, and
//! otherwise moves to the next task that can step, in task-id order, cyclically. A *delay*
//! skips the task it would choose, for the next one in that order; `k` delays at one step skip
//! `k` tasks. Bugs that need few deviations from a plain schedule are found with few delays
//! (Thomson, Donaldson and Betts, PPoPP 2014, found it the best systematic strategy on their
//! benchmarks), and the schedules with at most `D` delays are few: polynomial in the steps.
//!
//! Two modes:
//! - [`Delay::random`]: `D` delays at step numbers drawn from `1..=max_steps` for each seed
//!   (a delay drawn for a step where one task alone can go is spent without effect), for
//!   sweeps;
//! - [`Delay::bounded`]: every placement of at most `D` delays, one per run until
//!   [`Strategy::next_run`] returns `false`, with every pick enumerated too. No reduction applies:
//!   the bound, not the footprints, keeps the search small.

use super::random::Random;
use super::{Candidate, Diverged, Once, Pick, Strategy, TaskId};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Delays a run may hold in random mode.
pub const MAX_DELAYS: u32 = 64;

/// One choice point of the current path in bounded mode.
#[derive(Clone, Copy, Debug)]
struct Node {
    /// Options here: delays `0..of` at a task choice, or the picks' options.
    of: u32,
    chosen: u32,
    /// Whether the node is a task choice (whose option is a number of delays) or a pick.
    task: bool,
}

// The random mode's inline arrays keep a seed's strategy free of allocation; a strategy is
// built once per run and never moved on the per-step path.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
enum Mode {
    Random {
        rng: ChaCha8Rng,
        /// Step numbers of the delays, sorted; a step may appear more than once.
        at: [u32; MAX_DELAYS as usize],
        len: usize,
        once: Once,
    },
    Bounded {
        path: Vec<Node>,
        depth: usize,
        started: bool,
    },
}

/// Round-robin scheduling with at most `D` delays.
#[derive(Clone, Debug)]
pub struct Delay {
    mode: Mode,
    bound: u32,
    /// Delays spent so far in this run.
    spent: u32,
    /// The task that stepped last.
    current: Option<TaskId>,
    step: u32,
}

impl Delay {
    /// The delays per run used wherever none is given: 2 (bugs that need few deviations from
    /// round robin are the ones delay bounding finds cheaply).
    pub const DEFAULT_DELAYS: u32 = 2;

    /// Seed `seed`'s run: `delays` (at most 64) delays at steps drawn from `1..=max_steps`.
    pub fn random(seed: u64, delays: u32, max_steps: u32) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let len = delays.min(MAX_DELAYS) as usize;
        let mut at = [0; MAX_DELAYS as usize];
        for a in at.iter_mut().take(len) {
            *a = 1 + Random::below(&mut rng, max_steps.max(1));
        }
        at[..len].sort_unstable();
        Self {
            mode: Mode::Random {
                rng,
                at,
                len,
                once: Once::default(),
            },
            bound: len as u32,
            spent: 0,
            current: None,
            step: 0,
        }
    }

    /// Every run with at most `delays` delays, one per run until [`Strategy::next_run`]
    /// returns `false`.
    pub fn bounded(delays: u32) -> Self {
        Self {
            mode: Mode::Bounded {
                path: Vec::new(),
                depth: 0,
                started: false,
            },
            bound: delays,
            spent: 0,
            current: None,
            step: 0,
        }
    }

    /// Moves the bounded path to the next placement of delays (or pick); `false` when every
    /// one has run.
    fn advance(path: &mut Vec<Node>) -> bool {
        while let Some(mut node) = path.pop() {
            if node.chosen + 1 < node.of {
                node.chosen += 1;
                path.push(node);
                return true;
            }
        }
        false
    }

    /// The index of the task the round-robin scheduler chooses: the last task while it can
    /// step, else the next in id order, cyclically.
    fn round_robin(&self, candidates: &[Candidate]) -> usize {
        match self.current {
            None => 0,
            Some(cur) => candidates.iter().position(|c| c.task >= cur).unwrap_or(0),
        }
    }

    /// The next option at the current depth of the bounded path, appending a fresh node
    /// (option 0) when the path ends here.
    fn bounded_choice(&mut self, of: u32, task: bool) -> Result<u32, Diverged> {
        let Mode::Bounded { path, depth, .. } = &mut self.mode else {
            unreachable!("bounded mode only");
        };
        if *depth == path.len() {
            path.push(Node {
                of,
                chosen: 0,
                task,
            });
        }
        let node = path[*depth];
        if node.of != of || node.task != task {
            return Err(Diverged(
                "the model is not deterministic: a replayed choice point changed".into(),
            ));
        }
        *depth += 1;
        Ok(node.chosen)
    }
}

impl Strategy for Delay {
    fn next_run(&mut self) -> bool {
        let next = match &mut self.mode {
            Mode::Random { once, .. } => once.next(),
            Mode::Bounded {
                path,
                depth,
                started,
            } => {
                *depth = 0;
                !std::mem::replace(started, true) || Self::advance(path)
            }
        };
        self.spent = 0;
        self.current = None;
        self.step = 0;
        next
    }

    fn next_task(&mut self, candidates: &[Candidate]) -> Result<Option<usize>, Diverged> {
        self.step += 1;
        let start = self.round_robin(candidates);
        let n = candidates.len() as u32;
        let delays = match &self.mode {
            Mode::Random { at, len, .. } => {
                at[..*len].iter().filter(|&&s| s == self.step).count() as u32
            }
            // A node only where a delay can change the choice and one is left.
            Mode::Bounded { .. } => {
                let most = (n - 1).min(self.bound - self.spent);
                if most == 0 {
                    0
                } else {
                    self.bounded_choice(most + 1, true)?
                }
            }
        };
        self.spent += delays;
        let chosen = (start + delays as usize) % candidates.len();
        self.current = Some(candidates[chosen].task);
        Ok(Some(chosen))
    }

    fn next_pick(&mut self, pick: Pick) -> Result<u32, Diverged> {
        match &mut self.mode {
            Mode::Random { rng, .. } => Ok(Random::below(rng, pick.of)),
            Mode::Bounded { .. } => self.bounded_choice(pick.of, false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::footprint::Footprint;

    fn candidates(tasks: &[TaskId]) -> Vec<Candidate> {
        tasks
            .iter()
            .map(|&task| Candidate {
                task,
                name: "t",
                label: "s",
                footprint: Footprint::NONE,
                synchronizes: false,
            })
            .collect()
    }

    #[test]
    fn without_delays_the_last_task_goes_on_then_the_next_in_id_order() {
        let mut s = Delay::bounded(0);
        assert!(s.next_run());
        let all = candidates(&[0, 1, 2]);
        assert_eq!(s.next_task(&all), Ok(Some(0)));
        assert_eq!(s.next_task(&all), Ok(Some(0)));
        // Task 0 blocked or ended: task 1 next, then it goes on.
        assert_eq!(s.next_task(&candidates(&[1, 2])), Ok(Some(0)));
        assert_eq!(s.next_task(&candidates(&[0, 1, 2])), Ok(Some(1)));
        // Task 1 gone: the next after it is 2, not 0.
        assert_eq!(s.next_task(&candidates(&[0, 2])), Ok(Some(1)));
        assert!(!s.next_run());
    }

    #[test]
    fn bounded_mode_places_every_delay_once() {
        // Three tasks always able to step, three steps: placements of at most two delays.
        let runs = |bound| {
            let mut s = Delay::bounded(bound);
            let all = candidates(&[0, 1, 2]);
            let mut orders = Vec::new();
            while s.next_run() {
                let order: Vec<usize> = (0..3)
                    .map(|_| s.next_task(&all).unwrap().unwrap())
                    .collect();
                orders.push(order);
            }
            orders
        };
        assert_eq!(runs(0), [[0, 0, 0]]);
        // One delay: none, or one at any of three steps.
        assert_eq!(runs(1).len(), 4);
        // Two: delay counts (d1, d2, d3) with a sum of at most 2: 1 + 3 + 6.
        let two = runs(2);
        assert_eq!(two.len(), 10);
        let mut distinct = two.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), two.len(), "{two:?}");
        assert!(two.contains(&vec![2, 2, 2]) && two.contains(&vec![1, 2, 2]));
    }
}
