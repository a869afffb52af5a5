//! Shrinking a failing schedule to a minimal one that breaks the same invariant: fewest steps,
//! then fewest preemptions (then the shortest, then the least schedule).
//!
//! Greedy and deterministic: try every single edit of the best schedule so far (drop a
//! choice, cut the tail, lower a choice), replay it leniently, and keep the best run that still
//! breaks the same invariant; repeat until no edit improves. The result is the schedule the
//! engine recorded for that run, so it replays strictly, and it is never worse than the input.

use crate::executor::Simulation;
use crate::schedule::Schedule;
use crate::strategy::Replay;
use crate::trace::Violation;

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

/// Runs `schedule` leniently; the run if it breaks the same invariant as `target`.
fn attempt(sim: &mut dyn Simulation, schedule: Schedule, target: &Violation) -> Option<Shrunk> {
    let verdict = sim.run(&mut Replay::lenient(schedule), false).ok()?;
    let v = verdict.violation?;
    (v.kind == target.kind && v.invariant == target.invariant).then(|| Shrunk {
        schedule: sim.schedule().clone(),
        violation: v,
        steps: verdict.steps,
        preemptions: verdict.preemptions,
    })
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
    let mut best = attempt(sim, schedule.clone(), target)?;
    loop {
        let better = edits(best.schedule.choices())
            .into_iter()
            .filter_map(|c| attempt(sim, Schedule::from_choices(c), target))
            .min_by(|a, b| a.rank().cmp(&b.rank()))
            .filter(|c| c.rank() < best.rank());
        match better {
            Some(b) => best = b,
            None => return Some(best),
        }
    }
}
