//! Shrinking a failing schedule to a minimal one that breaks the same invariant: fewest steps,
//! then fewest preemptions (then the shortest, then the least schedule).
//!
//! Greedy and deterministic: try every single edit of the best schedule so far (drop a
//! choice, cut the tail, lower a choice), replay it leniently, and keep the best run that still
//! breaks the same invariant; repeat until no edit improves. The result is the schedule the
//! engine recorded for that run, so it replays strictly, and it is never worse than the input.

use crate::drive::drive;
use crate::executor::Simulation;
use crate::schedule::Schedule;
use crate::strategy::{Diverged, Replay};
use crate::trace::{Trace, Violation};
use std::ops::ControlFlow;

/// A shrunk failing run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shrunk {
    /// The minimal schedule found.
    pub schedule: Schedule,
    /// Its violation.
    pub violation: Violation,
    /// Its steps.
    pub steps: u32,
    /// Its preemptions.
    pub preemptions: u32,
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

/// Runs each of `schedules` leniently; the best run (by rank, the first of equals) that breaks
/// the same invariant as `target`.
fn best_of(
    sim: &mut dyn Simulation,
    schedules: Vec<Schedule>,
    target: &Violation,
) -> Option<Shrunk> {
    let mut best: Option<Shrunk> = None;
    // Lenient replays never diverge.
    let _ = drive(sim, &mut Replay::each_lenient(schedules), false, |run| {
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
            };
            if best.as_ref().is_none_or(|b| candidate.rank() < b.rank()) {
                best = Some(candidate);
            }
        }
        ControlFlow::Continue(())
    });
    best
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

/// Shrinks `schedule`, which must break the same invariant as `target` when replayed; `None`
/// if it does not.
pub fn shrink(sim: &mut dyn Simulation, schedule: &Schedule, target: &Violation) -> Option<Shrunk> {
    let mut best = best_of(sim, vec![schedule.clone()], target)?;
    loop {
        let candidates = edits(best.schedule.choices())
            .into_iter()
            .map(Schedule::from_choices)
            .collect();
        let better = best_of(sim, candidates, target).filter(|c| c.rank() < best.rank());
        match better {
            Some(b) => best = b,
            None => return Some(best),
        }
    }
}

/// The trace of `schedule`'s failing run on `sim`, shrunk (its own trace when it is minimal
/// already); `None` when the run breaks no invariant.
pub fn shrunk_trace(
    sim: &mut dyn Simulation,
    schedule: &Schedule,
) -> Result<Option<Trace>, Diverged> {
    let verdict = sim.run(&mut Replay::new(schedule.clone()), false)?;
    let Some(violation) = verdict.violation else {
        return Ok(None);
    };
    let best = shrink(sim, schedule, &violation).map_or_else(|| schedule.clone(), |s| s.schedule);
    sim.run(&mut Replay::new(best), true)?;
    Ok(Some(sim.trace().clone()))
}
