//! Checking a model from `cargo test`: many random or PCT seeds, or a complete exploration,
//! in one call that panics with the violation, its shrunk trace and the way to replay it.
//!
//! Two environment variables replay a failure inside `cargo test`:
//! `RACEWAY_SCHEDULE=rw1.…` runs exactly that schedule, and `RACEWAY_SEED=N` runs only seed
//! `N` of a random or PCT check.

use crate::drive::pct_steps;
use crate::executor::{Runner, Simulation};
use crate::explore::{explore, Options};
use crate::model::Model;
use crate::schedule::Schedule;
use crate::search::first_violation;
use crate::shrink::shrunk_trace;
use crate::strategy::{Replay, Seeds};
use crate::trace::{Trace, Violation};
use std::fmt;

/// How [`check`] searches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Search {
    /// Seeds `0..runs` of the seeded random strategy.
    Random {
        /// How many seeds.
        runs: u64,
    },
    /// Seeds `0..runs` of PCT with bug depth `depth`.
    Pct {
        /// How many seeds.
        runs: u64,
        /// The bug depth (ordering constraints the bug needs).
        depth: u32,
    },
    /// Every schedule, with sleep-set reduction (or within a preemption bound).
    Exhaustive {
        /// At most this many preemptions per run.
        preemptions: Option<u32>,
        /// Stop after this many schedules (the check then proves nothing).
        max_schedules: Option<u64>,
    },
}

/// What a passing check covered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Passed {
    /// Schedules run.
    pub schedules: u64,
    /// For an exhaustive check, whether every schedule was covered: then no schedule of the
    /// model breaks an invariant.
    pub complete: bool,
}

/// A failing check: the violation, its shrunk schedule and trace, and how it was found.
#[derive(Clone, Debug)]
pub struct Failure {
    /// What broke.
    pub violation: Violation,
    /// A minimal schedule that breaks it (replay with `RACEWAY_SCHEDULE`).
    pub schedule: Schedule,
    /// The trace of that schedule.
    pub trace: Trace,
    /// Which seed or search found it.
    pub found_by: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let test = std::thread::current()
            .name()
            .filter(|n| *n != "main")
            .map(|n| format!(" {n}"))
            .unwrap_or_default();
        write!(
            f,
            "raceway: {}\nfound by {}; shrunk to {} steps:\n\n{}\nreplay: RACEWAY_SCHEDULE={} cargo test{test}",
            self.violation,
            self.found_by,
            self.trace.steps,
            self.trace.render(),
            self.schedule
        )
    }
}

/// Runs `model` as `search` says; `Err` with the first violation found, shrunk (boxed: it
/// carries a whole trace).
///
/// `RACEWAY_SCHEDULE` and `RACEWAY_SEED` in the environment narrow the check to one run (see
/// the module documentation).
///
/// # Panics
/// If `RACEWAY_SCHEDULE` or `RACEWAY_SEED` is set but malformed, or the schedule does not fit
/// the model.
pub fn check<M: Model>(model: M, search: Search) -> Result<Passed, Box<Failure>> {
    let mut runner = Runner::new(model);
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let Some(s) = env("RACEWAY_SCHEDULE") {
        let schedule: Schedule = s
            .parse()
            .unwrap_or_else(|e| panic!("RACEWAY_SCHEDULE: {e}"));
        let verdict = runner
            .run(&mut Replay::new(schedule.clone()), false)
            .unwrap_or_else(|d| panic!("RACEWAY_SCHEDULE does not fit this model: {d}"));
        return match verdict.violation {
            Some(v) => Err(failure(
                &mut runner,
                &schedule,
                v,
                "RACEWAY_SCHEDULE".into(),
            )),
            None => Ok(Passed {
                schedules: 1,
                complete: false,
            }),
        };
    }
    let only = env("RACEWAY_SEED").map(|s| {
        s.parse::<u64>()
            .unwrap_or_else(|_| panic!("RACEWAY_SEED must be a number, not `{s}`"))
    });
    let seeds = |runs: u64| match only {
        Some(seed) => seed..seed + 1,
        None => 0..runs,
    };
    let found = match search {
        Search::Random { runs } => {
            let mut random = Seeds::random(seeds(runs));
            first_violation(&mut runner, &mut random)
                .expect("seeded strategies never diverge")
                .map(|f| (f, "random"))
        }
        Search::Pct { runs, depth } => {
            let mut pct = Seeds::pct(seeds(runs), depth, pct_steps(&mut runner));
            first_violation(&mut runner, &mut pct)
                .expect("seeded strategies never diverge")
                .map(|f| (f, "pct"))
        }
        Search::Exhaustive {
            preemptions,
            max_schedules,
        } => {
            let options = Options {
                preemptions,
                max_schedules,
                ..Options::default()
            };
            let found =
                explore(&mut runner, &options).expect("exploration of a deterministic model");
            return match found.violations.into_iter().next() {
                Some(d) => {
                    let by = format!("exhaustive exploration ({} schedules)", found.schedules);
                    Err(failure(&mut runner, &d.schedule, d.violation, by))
                }
                None => Ok(Passed {
                    schedules: found.schedules,
                    complete: found.complete,
                }),
            };
        }
    };
    match found {
        Some((f, strategy)) => {
            let by = format!("{strategy} seed {} (RACEWAY_SEED={})", f.seed, f.seed);
            Err(failure(&mut runner, &f.schedule, f.violation, by))
        }
        None => Ok(Passed {
            schedules: seeds(match search {
                Search::Random { runs } | Search::Pct { runs, .. } => runs,
                Search::Exhaustive { .. } => 0,
            })
            .count() as u64,
            complete: false,
        }),
    }
}

fn failure<M: Model>(
    runner: &mut Runner<M>,
    schedule: &Schedule,
    v: Violation,
    found_by: String,
) -> Box<Failure> {
    let trace = shrunk_trace(runner, schedule)
        .expect("a failing schedule replays")
        .expect("a failing schedule fails again");
    Box::new(Failure {
        violation: trace.violation.clone().unwrap_or(v),
        schedule: trace.schedule.clone(),
        trace,
        found_by,
    })
}

fn or_panic(result: Result<Passed, Box<Failure>>) -> Passed {
    result.unwrap_or_else(|f| panic!("{f}"))
}

/// Runs seeds `0..runs` of the random strategy; panics with the shrunk failing trace.
pub fn check_random<M: Model>(model: M, runs: u64) -> Passed {
    or_panic(check(model, Search::Random { runs }))
}

/// Runs seeds `0..runs` of PCT at `depth`; panics with the shrunk failing trace.
pub fn check_pct<M: Model>(model: M, runs: u64, depth: u32) -> Passed {
    or_panic(check(model, Search::Pct { runs, depth }))
}

/// Explores every schedule (with sleep-set reduction); panics with the shortest failing
/// trace. A passing, complete exploration proves the model within its workload's bounds.
pub fn check_exhaustive<M: Model>(model: M) -> Passed {
    or_panic(check(
        model,
        Search::Exhaustive {
            preemptions: None,
            max_schedules: None,
        },
    ))
}
