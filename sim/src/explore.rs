//! Exhaustive exploration of a simulation: every schedule (up to reduction), a proof within
//! the workload's bounds when complete and clean, every distinct violation with its shortest
//! trace otherwise.
//!
//! [`explore`] runs one search, with or without a preemption bound. [`prove`] is what a user
//! wants from a budget: the unbounded search first, and when the budget does not let it
//! finish, iterative preemption bounding (0, 1, 2, … preemptions) for the strongest claim the
//! budget allows: "proved for every schedule with at most K preemptions".

use crate::audit::{audit, Audit};
use crate::drive::drive;
use crate::fingerprint::Fingerprint;
use crate::invariant::Kind;
use crate::runner::{Simulation, Verdict};
use crate::schedule::Schedule;
use crate::strategy::{Candidate, Dfs, Diverged, Pick, Strategy};
use crate::trace::Violation;
use std::borrow::Cow;
use std::ops::ControlFlow;

/// How to explore.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Skip orders that only swap independent steps (sleep sets).
    pub reduction: bool,
    /// Skip configurations explored already (stateful search), when the model fingerprints
    /// its state.
    pub states: bool,
    /// At most this many preemptions per run.
    pub preemptions: Option<u32>,
    /// Stop after this many schedules.
    pub max_schedules: Option<u64>,
    /// Go on after the first violation, collecting every distinct one.
    pub all: bool,
    /// Check every independence the reduction relied on by running both orders (see
    /// [`crate::audit`]); needs a model that fingerprints its state.
    pub audit: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            reduction: true,
            states: true,
            preemptions: None,
            max_schedules: None,
            all: false,
            audit: false,
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

/// What a search covered, when it found no violation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coverage {
    /// Every schedule: a proof within the workload's bounds.
    Complete,
    /// Every schedule with at most this many preemptions; nothing is claimed beyond.
    Bounded(u32),
    /// Not even every schedule without preemption: the budget ran out first.
    Partial,
}

/// What an exploration found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exploration {
    /// Schedules run to their end (or to a violation).
    pub schedules: u64,
    /// Runs cut short by the reduction (their continuations were explored elsewhere).
    pub pruned: u64,
    /// Distinct configurations explored (0 when the search was stateless).
    pub states: u64,
    /// Whether every schedule (within `bound`) was covered.
    pub complete: bool,
    /// The preemption bound of the search; `None` when unbounded (or when the bound cut
    /// nothing, so that the search covered every schedule).
    pub bound: Option<u32>,
    /// Whether the sleep-set reduction was in force.
    pub reduced: bool,
    /// Whether the search was stateful (the option was on and the model fingerprints).
    pub stateful: bool,
    /// Each distinct violation, in the order first found.
    pub violations: Vec<Distinct>,
    /// What the audit of the reduction's independences found, when asked for (`None` when
    /// some choice point had no fingerprint, so that not every independence was seen).
    pub audit: Option<Audit>,
}

impl Exploration {
    /// A complete unbounded exploration that found nothing: a proof within the workload's
    /// bounds.
    pub fn proves(&self) -> bool {
        self.coverage() == Some(Coverage::Complete)
    }

    /// One line: the proof and its kind, the violations found, or why there is no proof.
    pub fn summary(&self) -> String {
        let how = if self.reduced {
            ""
        } else {
            " (without reduction)"
        };
        match self.coverage() {
            Some(Coverage::Complete) => format!("proved: no schedule breaks an invariant{how}"),
            Some(Coverage::Bounded(k)) => format!(
                "proved for every schedule with at most {k} preemption{}; incomplete beyond{how}",
                if k == 1 { "" } else { "s" }
            ),
            Some(Coverage::Partial) => format!(
                "not proved: the budget ran out before every schedule without preemption{how}"
            ),
            None => {
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
        }
    }

    /// What the search covered, when it found no violation.
    pub fn coverage(&self) -> Option<Coverage> {
        if !self.violations.is_empty() {
            return None;
        }
        Some(match (self.complete, self.bound) {
            (true, None) => Coverage::Complete,
            (true, Some(k)) => Coverage::Bounded(k),
            (false, _) => Coverage::Partial,
        })
    }
}

/// How far a search has got, for a progress display.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    /// Runs started so far (schedules and runs cut short).
    pub runs: u64,
    /// Distinct configurations so far.
    pub states: u64,
    /// The depth (choices) of the current path.
    pub depth: usize,
    /// The preemption bound of the current search.
    pub bound: Option<u32>,
}

/// How often (in runs) the progress callback is called.
const PROGRESS_EVERY: u64 = 1 << 12;

/// Explores `sim` depth-first.
pub fn explore(sim: &mut dyn Simulation, options: &Options) -> Result<Exploration, Diverged> {
    explore_with(sim, options, |_, _| {})
}

/// Explores `sim` depth-first, showing `visit` every schedule run to its end and its verdict.
pub fn explore_with(
    sim: &mut dyn Simulation,
    options: &Options,
    visit: impl FnMut(&Schedule, &Verdict),
) -> Result<Exploration, Diverged> {
    search(sim, options, visit, &mut |_| {})
}

/// The strongest claim `budget` schedules allow. With a preemption bound in `options`, that
/// bounded search alone, stopped at the budget. Without, the unbounded search, and when it cannot
/// finish within the budget (and found nothing), preemption bounds 0, 1, 2, … while each
/// finishes within what is left of a second budget of the same size. The result is the
/// unbounded search's when it finished or found a violation; else the largest bound that
/// finished, or the first bounded search that found a violation. Its counts are those of
/// that search alone. Deterministic: the budget counts schedules, not time.
pub fn prove(
    sim: &mut dyn Simulation,
    options: &Options,
    budget: u64,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Exploration, Diverged> {
    prove_by(options, budget, |options| {
        search(sim, options, |_, _| {}, progress)
    })
}

/// [`prove`] with each search made by `search` (the whole search, or one split by prefix).
pub(crate) fn prove_by<E>(
    options: &Options,
    budget: u64,
    mut search: impl FnMut(&Options) -> Result<Exploration, E>,
) -> Result<Exploration, E> {
    if options.preemptions.is_some() {
        let bounded = Options {
            max_schedules: Some(budget),
            ..*options
        };
        return search(&bounded);
    }
    let unbounded = Options {
        preemptions: None,
        max_schedules: Some(budget),
        ..*options
    };
    let first = search(&unbounded)?;
    if first.complete || !first.violations.is_empty() {
        return Ok(first);
    }
    let mut best = first;
    let mut left = budget;
    for k in 0.. {
        let bounded = Options {
            preemptions: Some(k),
            max_schedules: Some(left),
            ..*options
        };
        let found = search(&bounded)?;
        left = left.saturating_sub(found.schedules);
        let broke = !found.violations.is_empty();
        if !found.complete && !broke {
            break;
        }
        let done = broke || found.bound.is_none() || left == 0;
        best = found;
        if done {
            break;
        }
    }
    Ok(best)
}

/// The strategy of the search `options` describe.
pub(crate) fn dfs(options: &Options) -> Dfs {
    let mut dfs = Dfs::new(options.reduction, options.preemptions);
    if options.states {
        dfs = dfs.with_states();
    }
    if options.audit {
        dfs = dfs.with_audit();
    }
    dfs
}

fn search(
    sim: &mut dyn Simulation,
    options: &Options,
    visit: impl FnMut(&Schedule, &Verdict),
    progress: &mut dyn FnMut(&Progress),
) -> Result<Exploration, Diverged> {
    let mut visit = visit;
    let visit = |s: &Schedule, v: &Verdict| {
        visit(s, v);
        ControlFlow::Continue(())
    };
    search_by(sim, options, dfs(options), visit, progress).map(|(found, _)| found)
}

/// The search `options` describe, made by `dfs` (the whole tree, or one part of a split
/// search), showing `visit` every schedule run to its end (it may stop the search, which is
/// then incomplete); returns the strategy too, with what it cached.
pub(crate) fn search_by(
    sim: &mut dyn Simulation,
    options: &Options,
    dfs: Dfs,
    mut visit: impl FnMut(&Schedule, &Verdict) -> ControlFlow<()>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(Exploration, Dfs), Diverged> {
    let mut found = Exploration {
        schedules: 0,
        pruned: 0,
        states: 0,
        complete: false,
        bound: options.preemptions,
        reduced: dfs.reduces(),
        stateful: false,
        violations: Vec::new(),
        audit: None,
    };
    if options.max_schedules == Some(0) {
        return Ok((found, dfs));
    }
    let mut watched = Watched {
        dfs,
        runs: 0,
        progress,
    };
    let mut schedules = 0u64;
    let driven = drive(sim, &mut watched, false, |run| {
        schedules += 1;
        let (schedule, verdict) = (run.sim.schedule(), run.verdict);
        visit(schedule, verdict)?;
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
    let dfs = &watched.dfs;
    found.schedules = driven.runs;
    found.pruned = driven.pruned;
    found.complete = driven.complete;
    found.states = dfs.states();
    found.stateful = found.states > 0;
    if driven.complete && !dfs.bound_cut() {
        found.bound = None;
    }
    if options.audit && !dfs.unkeyed() {
        found.audit = Some(audit(sim, dfs.claims())?);
    }
    Ok((found, watched.dfs))
}

/// The search's strategy, showing its progress every [`PROGRESS_EVERY`] runs.
struct Watched<'a> {
    dfs: Dfs,
    runs: u64,
    progress: &'a mut dyn FnMut(&Progress),
}

impl Strategy for Watched<'_> {
    fn next_run(&mut self) -> bool {
        self.runs += 1;
        if self.runs.is_multiple_of(PROGRESS_EVERY) {
            (self.progress)(&Progress {
                runs: self.runs,
                states: self.dfs.states(),
                depth: self.dfs.depth(),
                bound: self.dfs.bound(),
            });
        }
        self.dfs.next_run()
    }

    fn next_task(&mut self, candidates: &[Candidate]) -> Result<Option<usize>, Diverged> {
        self.dfs.next_task(candidates)
    }

    fn next_pick(&mut self, pick: Pick) -> Result<u32, Diverged> {
        self.dfs.next_pick(pick)
    }

    fn fingerprints(&self) -> bool {
        self.dfs.fingerprints()
    }

    fn wants_configuration(&self, candidates: &[Candidate]) -> bool {
        self.dfs.wants_configuration(candidates)
    }

    fn configuration(&mut self, fingerprint: Fingerprint) {
        self.dfs.configuration(fingerprint)
    }
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

/// Adds `d`, found by a later part of a split search, to the distinct violations `all` of
/// the parts before it, as one search over both would have recorded it.
pub(crate) fn absorb(all: &mut Vec<Distinct>, d: Distinct) {
    match all
        .iter_mut()
        .find(|e| key(&e.violation) == key(&d.violation))
    {
        Some(e) => {
            e.count = e.count.saturating_add(d.count);
            if (d.steps, d.preemptions) < (e.steps, e.preemptions) {
                (e.violation, e.schedule, e.steps, e.preemptions) =
                    (d.violation, d.schedule, d.steps, d.preemptions);
            }
        }
        None => all.push(d),
    }
}
