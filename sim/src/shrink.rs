//! Shrinking a failing schedule to a small one that breaks the same invariant, ranked by
//! fewest steps, then fewest preemptions (then the shortest, then the least schedule).
//!
//! Two passes, both deterministic:
//!
//! 1. Greedy: try every single edit of the best schedule so far (drop a choice, cut the tail,
//!    lower a choice), replay it leniently, and keep the best run that still breaks the same
//!    invariant; repeat until no edit improves. The result is *locally minimal*: no single
//!    edit of it does better. It is never worse than the input.
//! 2. Shortest: iterative deepening, as stateright's breadth-first checker finds shortest
//!    counterexamples: for each length `n` from 1 up to the greedy result's, explore every
//!    schedule of at most `n` steps (depth-first, without reduction, so that no order is
//!    skipped); the first length at which the invariant breaks is the fewest steps possible,
//!    and the best run of that length has the fewest preemptions. This pass runs only within
//!    a budget of runs; beyond it the greedy result stands, and says so ([`Minimal::Local`]).
//!
//! The schedule returned is the one the engine recorded for its run, so it replays strictly.

use crate::executor::Simulation;
use crate::schedule::Schedule;
use crate::strategy::{Candidate, Dfs, Diverged, Pick, Replay, Strategy};
use crate::trace::Violation;

/// How many runs the search for a shortest schedule may take by default.
pub const SHORTEST_BUDGET: u64 = 20_000;

/// What is known of a shrunk schedule's size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Minimal {
    /// Shortest: no schedule of fewer steps breaks the invariant, and none of as many steps
    /// with fewer preemptions; shown by a complete search of `searched` runs.
    Shortest {
        /// Runs the search took.
        searched: u64,
    },
    /// Locally minimal: no single edit of the schedule (dropping, cutting or lowering a choice)
    /// gives a shorter run that breaks the invariant; a complete search of shorter schedules
    /// did not fit in `budget` runs, so a shorter one may exist.
    Local {
        /// The runs the search was allowed.
        budget: u64,
    },
}

/// A shrunk failing run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shrunk {
    /// The smallest schedule found.
    pub schedule: Schedule,
    /// Its violation.
    pub violation: Violation,
    /// Its steps.
    pub steps: u32,
    /// Its preemptions.
    pub preemptions: u32,
    /// Whether it is known to be shortest.
    pub minimal: Minimal,
}

impl Shrunk {
    fn rank(&self) -> (u32, u32, usize, &[u32]) {
        (
            self.steps,
            self.preemptions,
            self.schedule.len(),
            self.schedule.choices(),
        )
    }
}

/// The run just made, if it broke the same invariant as `target`.
fn breaks_same(
    sim: &dyn Simulation,
    verdict: crate::executor::Verdict,
    target: &Violation,
    minimal: Minimal,
) -> Option<Shrunk> {
    let v = verdict.violation?;
    (v.kind == target.kind && v.invariant == target.invariant).then(|| Shrunk {
        schedule: sim.schedule().clone(),
        violation: v,
        steps: verdict.steps,
        preemptions: verdict.preemptions,
        minimal,
    })
}

/// Runs `schedule` leniently; the run if it breaks the same invariant as `target`.
fn attempt(sim: &mut dyn Simulation, schedule: Schedule, target: &Violation) -> Option<Shrunk> {
    let verdict = sim.run(&mut Replay::lenient(schedule), false).ok()?;
    breaks_same(sim, verdict, target, Minimal::Local { budget: 0 })
}

/// Every single edit of `choices`, the most drastic first.
fn edits(choices: &[u32]) -> Vec<Vec<u32>> {
    let mut out = Vec::new();
    for i in 0..choices.len() {
        out.push(choices[..i].to_vec());
    }
    for i in 0..choices.len() {
        let mut v = choices.to_vec();
        v.remove(i);
        out.push(v);
    }
    for i in 0..choices.len() {
        for lower in 0..choices[i] {
            let mut v = choices.to_vec();
            v[i] = lower;
            out.push(v);
        }
    }
    out
}

/// Shrinks `schedule`, which must break the same invariant as `target` when replayed (`None`
/// if it does not), searching for a shortest schedule within [`SHORTEST_BUDGET`] runs.
pub fn shrink(sim: &mut dyn Simulation, schedule: &Schedule, target: &Violation) -> Option<Shrunk> {
    shrink_within(sim, schedule, target, SHORTEST_BUDGET)
}

/// [`shrink`] with the search for a shortest schedule limited to `budget` runs.
pub fn shrink_within(
    sim: &mut dyn Simulation,
    schedule: &Schedule,
    target: &Violation,
    budget: u64,
) -> Option<Shrunk> {
    let mut best = attempt(sim, schedule.clone(), target)?;
    loop {
        let better = edits(best.schedule.choices())
            .into_iter()
            .filter_map(|c| attempt(sim, Schedule::from_choices(c), target))
            .min_by(|a, b| a.rank().cmp(&b.rank()))
            .filter(|c| c.rank() < best.rank());
        match better {
            Some(b) => best = b,
            None => break,
        }
    }
    best.minimal = Minimal::Local { budget };
    Some(shortest(sim, target, best.steps, budget).unwrap_or(best))
}

/// The best run breaking `target` among every schedule of at most `most` steps, found by
/// iterative deepening; `None` when that takes more than `budget` runs.
fn shortest(
    sim: &mut dyn Simulation,
    target: &Violation,
    most: u32,
    budget: u64,
) -> Option<Shrunk> {
    let mut runs = 0u64;
    for limit in 1..=most {
        let mut dfs = Dfs::new(false, None);
        let mut best: Option<Shrunk> = None;
        loop {
            if runs >= budget {
                return None;
            }
            runs += 1;
            let mut cut = Cut {
                dfs: &mut dfs,
                left: limit,
                cut: false,
            };
            match sim.run(&mut cut, false) {
                Ok(verdict) => {
                    let minimal = Minimal::Local { budget };
                    if let Some(s) = breaks_same(sim, verdict, target, minimal) {
                        if best.as_ref().is_none_or(|b| s.rank() < b.rank()) {
                            best = Some(s);
                        }
                    }
                }
                Err(_) if cut.cut => {}
                // A model that is not deterministic cannot be searched.
                Err(_) => return None,
            }
            if !dfs.advance() {
                break;
            }
        }
        if let Some(mut b) = best {
            b.minimal = Minimal::Shortest { searched: runs };
            return Some(b);
        }
    }
    None
}

/// Depth-first exploration of every schedule, each run cut after `left` steps.
struct Cut<'a> {
    dfs: &'a mut Dfs,
    left: u32,
    cut: bool,
}

impl Strategy for Cut<'_> {
    fn begin(&mut self) {
        self.dfs.begin();
    }

    fn next_task(&mut self, candidates: &[Candidate]) -> Result<usize, Diverged> {
        if self.left == 0 {
            self.cut = true;
            return Err(Diverged("the length bound is reached".into()));
        }
        self.left -= 1;
        self.dfs.next_task(candidates)
    }

    fn next_pick(&mut self, pick: Pick) -> Result<u32, Diverged> {
        self.dfs.next_pick(pick)
    }

    fn finish(&mut self) -> Result<(), Diverged> {
        self.dfs.finish()
    }
}
