//! Exhaustive exploration of a simulation: every schedule (up to reduction), a proof within
//! the workload's bounds when complete and clean, every distinct violation with its shortest
//! trace otherwise.

use crate::drive::drive;
use crate::executor::{Simulation, Verdict};
use crate::model::Kind;
use crate::schedule::Schedule;
use crate::strategy::{Dfs, Diverged};
use crate::trace::Violation;
use std::borrow::Cow;
use std::ops::ControlFlow;

/// How to explore.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Skip orders that only swap independent steps (sleep sets).
    pub reduction: bool,
    /// At most this many preemptions per run (switches reduction off).
    pub preemptions: Option<u32>,
    /// Stop after this many schedules.
    pub max_schedules: Option<u64>,
    /// Go on after the first violation, collecting every distinct one.
    pub all: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            reduction: true,
            preemptions: None,
            max_schedules: None,
            all: false,
        }
    }
}

/// A distinct violation (by kind and invariant) and its shortest schedule found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Distinct {
    /// The violation of the shortest run.
    pub violation: Violation,
    /// That run's schedule.
    pub schedule: Schedule,
    /// Its steps.
    pub steps: u32,
    /// Its preemptions.
    pub preemptions: u32,
    /// How many explored schedules broke it.
    pub count: u64,
}

/// What an exploration found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exploration {
    /// Schedules run to their end (or to a violation).
    pub schedules: u64,
    /// Runs cut short by the reduction (their continuations were explored elsewhere).
    pub pruned: u64,
    /// Whether every schedule (within the preemption bound) was covered.
    pub complete: bool,
    /// Whether the reduction was in force.
    pub reduced: bool,
    /// Each distinct violation, in the order first found.
    pub violations: Vec<Distinct>,
}

impl Exploration {
    /// One line: `proved`, the violations found, or how far an incomplete search got.
    pub fn summary(&self) -> String {
        let bound = if self.reduced {
            ""
        } else {
            " (without reduction)"
        };
        if self.proves() {
            return format!("proved: no schedule breaks an invariant{bound}");
        }
        if self.violations.is_empty() {
            return format!("incomplete: nothing found within the budget{bound}");
        }
        let v: Vec<String> = self
            .violations
            .iter()
            .map(|d| {
                format!(
                    "{} `{}` ({} steps)",
                    d.violation.kind, d.violation.invariant, d.steps
                )
            })
            .collect();
        format!("breaks: {}", v.join(", "))
    }

    /// A complete exploration that found nothing: a proof within the workload's bounds.
    pub fn proves(&self) -> bool {
        self.complete && self.violations.is_empty()
    }
}

/// Explores `sim` depth-first.
pub fn explore(sim: &mut dyn Simulation, options: &Options) -> Result<Exploration, Diverged> {
    explore_with(sim, options, |_, _| {})
}

/// Explores `sim` depth-first, showing `visit` every schedule run to its end and its verdict.
pub fn explore_with(
    sim: &mut dyn Simulation,
    options: &Options,
    mut visit: impl FnMut(&Schedule, &Verdict),
) -> Result<Exploration, Diverged> {
    let mut dfs = Dfs::new(options.reduction, options.preemptions);
    let mut found = Exploration {
        schedules: 0,
        pruned: 0,
        complete: false,
        reduced: dfs.reduces(),
        violations: Vec::new(),
    };
    if options.max_schedules == Some(0) {
        return Ok(found);
    }
    let mut schedules = 0u64;
    let driven = drive(sim, &mut dfs, false, |run| {
        schedules += 1;
        let (schedule, verdict) = (run.sim.schedule(), run.verdict);
        visit(schedule, verdict);
        if let Some(v) = &verdict.violation {
            record(&mut found.violations, v, schedule, verdict);
            if !options.all {
                return ControlFlow::Break(());
            }
        }
        if options.max_schedules.is_some_and(|m| schedules >= m) {
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    })?;
    found.schedules = driven.runs;
    found.pruned = driven.pruned;
    found.complete = driven.complete;
    Ok(found)
}

fn key(v: &Violation) -> (Kind, &Cow<'static, str>) {
    (v.kind, &v.invariant)
}

fn record(all: &mut Vec<Distinct>, v: &Violation, schedule: &Schedule, verdict: &Verdict) {
    let (steps, preemptions) = (verdict.steps, verdict.preemptions);
    match all.iter_mut().find(|d| key(&d.violation) == key(v)) {
        Some(d) => {
            d.count += 1;
            if (steps, preemptions) < (d.steps, d.preemptions) {
                (d.violation, d.schedule, d.steps, d.preemptions) =
                    (v.clone(), schedule.clone(), steps, preemptions);
            }
        }
        None => all.push(Distinct {
            violation: v.clone(),
            schedule: schedule.clone(),
            steps,
            preemptions,
            count: 1,
        }),
    }
}
