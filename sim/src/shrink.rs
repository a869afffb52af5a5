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

use crate::drive::drive;
use crate::runner::Simulation;
use crate::schedule::Schedule;
use crate::strategy::{Candidate, Dfs, Diverged, Pick, Replay, Strategy};
use crate::trace::{Trace, Violation};
use std::ops::ControlFlow;

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

/// Runs `strategy`'s runs; the best (by rank, the first of equals) that breaks the same
/// invariant as `target`, or `Err` if the strategy diverged.
fn best_run(
    sim: &mut dyn Simulation,
    strategy: &mut dyn Strategy,
    target: &Violation,
) -> Result<Option<Shrunk>, Diverged> {
    let mut best: Option<Shrunk> = None;
    drive(sim, strategy, false, |run| {
        let verdict = run.verdict;
        if let Some(v) = verdict
            .violation
            .as_ref()
            .filter(|v| v.kind == target.kind && v.invariant == target.invariant)
        {
            let candidate = Shrunk {
                schedule: run.sim.schedule().clone(),
                violation: v.clone(),
                steps: verdict.steps,
                preemptions: verdict.preemptions,
                minimal: Minimal::Local { budget: 0 },
            };
            if best.as_ref().is_none_or(|b| candidate.rank() < b.rank()) {
                best = Some(candidate);
            }
        }
        ControlFlow::Continue(())
    })?;
    Ok(best)
}

/// Runs each of `schedules` leniently; the best run that breaks the same invariant.
fn best_of(
    sim: &mut dyn Simulation,
    schedules: Vec<Schedule>,
    target: &Violation,
) -> Option<Shrunk> {
    // Lenient replays never diverge.
    best_run(sim, &mut Replay::each_lenient(schedules), target)
        .ok()
        .flatten()
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
    let mut best = best_of(sim, vec![schedule.clone()], target)?;
    loop {
        let candidates = edits(best.schedule.choices())
            .into_iter()
            .map(Schedule::from_choices)
            .collect();
        let better = best_of(sim, candidates, target).filter(|c| c.rank() < best.rank());
        match better {
            Some(b) => best = b,
            None => break,
        }
    }
    best.minimal = Minimal::Local { budget };
    Some(shortest(sim, target, best.steps, budget).unwrap_or(best))
}

/// The best run breaking `target` among every schedule of at most `most` steps, found by
/// iterative deepening; `None` when that takes more than `budget` runs (or the model is not
/// deterministic).
fn shortest(
    sim: &mut dyn Simulation,
    target: &Violation,
    most: u32,
    budget: u64,
) -> Option<Shrunk> {
    let mut runs = 0u64;
    for limit in 1..=most {
        let mut cut = Cut {
            dfs: Dfs::new(false, None),
            limit,
            left: limit,
            runs,
            budget,
            over: false,
        };
        let found = best_run(sim, &mut cut, target).ok()?;
        runs = cut.runs;
        if cut.over {
            return None;
        }
        if let Some(mut b) = found {
            b.minimal = Minimal::Shortest { searched: runs };
            return Some(b);
        }
    }
    None
}

/// Depth-first exploration of every schedule, each run cut (as pruned) after `limit` steps,
/// refusing a run beyond `budget` runs in all (`over` then says the search is incomplete).
struct Cut {
    dfs: Dfs,
    limit: u32,
    left: u32,
    runs: u64,
    budget: u64,
    over: bool,
}

impl Strategy for Cut {
    fn next_run(&mut self) -> bool {
        if self.runs >= self.budget {
            self.over = true;
            return false;
        }
        if !self.dfs.next_run() {
            return false;
        }
        self.runs += 1;
        self.left = self.limit;
        true
    }

    fn next_task(&mut self, candidates: &[Candidate]) -> Result<Option<usize>, Diverged> {
        if self.left == 0 {
            return Ok(None);
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

/// A shrunk failing run with its recorded trace.
#[derive(Clone, Debug)]
pub struct ShrunkTrace {
    /// The shrunk run.
    pub shrunk: Shrunk,
    /// Its trace.
    pub trace: Trace,
}

/// The trace of `schedule`'s failing run on `sim`, shrunk (its own trace when it is minimal
/// already); `None` when the run breaks no invariant.
pub fn shrunk_trace(
    sim: &mut dyn Simulation,
    schedule: &Schedule,
) -> Result<Option<ShrunkTrace>, Diverged> {
    let verdict = sim.run(&mut Replay::new(schedule.clone()), false)?;
    let Some(violation) = verdict.violation else {
        return Ok(None);
    };
    let Some(shrunk) = shrink(sim, schedule, &violation) else {
        return Err(Diverged(format!(
            "schedule {schedule} breaks `{}` only when replayed strictly",
            violation.invariant
        )));
    };
    sim.run(&mut Replay::new(shrunk.schedule.clone()), true)?;
    Ok(Some(ShrunkTrace {
        shrunk,
        trace: sim.trace().clone(),
    }))
}
