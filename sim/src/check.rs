//! Checking a model from `cargo test`: many random or PCT seeds, or a complete exploration,
//! in one call that panics with the violation, its shrunk trace and the way to replay it.
//!
//! Two environment variables replay a failure inside `cargo test`:
//! `RACEWAY_SCHEDULE=rw1.…` runs exactly that schedule, and `RACEWAY_SEED=N` runs only seed
//! `N` of a random or PCT check. With `RACEWAY_TEST=<test>` as well, they apply only to the
//! checks of that test (libtest names each test's thread after the test's path), so the other
//! checks of the binary run as usual; a failure prints the whole line:
//! `RACEWAY_TEST=<test> RACEWAY_SCHEDULE=rw1.… cargo test <test> -- --exact`.
//! (Under `--test-threads=1` libtest runs tests on the main thread, which has no test name:
//! then `RACEWAY_TEST` matches no check, and `--exact` alone selects the test.)

use crate::drive::{drive, pct_steps};
use crate::explore::{explore, Options};
use crate::model::Model;
use crate::runner::{Runner, Simulation};
use crate::schedule::Schedule;
use crate::search::first_violation;
use crate::shrink::shrunk_trace;
use crate::strategy::{Delay, Replay, Seeding, Seeds};
use crate::trace::{Trace, Violation};
use std::fmt;
use std::ops::ControlFlow;

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
    /// Seeds `0..runs` of delay bounding: a round-robin scheduler with `delays` deviations
    /// at random steps.
    Delay {
        /// How many seeds.
        runs: u64,
        /// Deviations from round robin per run.
        delays: u32,
    },
    /// Every schedule with at most `delays` deviations from round robin (every pick too). It
    /// proves nothing beyond that bound: a passing check is never `complete`.
    DelayBounded {
        /// Deviations from round robin per run.
        delays: u32,
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
        write!(
            f,
            "raceway: {}\nfound by {}; shrunk to {} steps:\n\n{}\nreplay: ",
            self.violation,
            self.found_by,
            self.trace.steps,
            self.trace.render(),
        )?;
        match current_test() {
            Some(test) => write!(
                f,
                "RACEWAY_TEST={test} RACEWAY_SCHEDULE={} cargo test {test} -- --exact",
                self.schedule
            ),
            None => write!(f, "RACEWAY_SCHEDULE={} cargo test", self.schedule),
        }
    }
}

/// The test this thread runs, as libtest names it (`module::test`); `None` outside libtest's
/// test threads.
fn current_test() -> Option<String> {
    let thread = std::thread::current();
    thread.name().filter(|n| *n != "main").map(str::to_string)
}

/// The replay variable `name`, when it is set and applies to the check running now: always
/// without `RACEWAY_TEST`, else only on the thread of the test it names.
fn replay_variable(name: &str) -> Option<String> {
    let get = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let value = get(name)?;
    match get("RACEWAY_TEST") {
        Some(test) if current_test().as_deref() != Some(&test) => None,
        _ => Some(value),
    }
}

/// Runs `model` as `search` says; `Err` with the first violation found, shrunk (boxed: it
/// carries a whole trace).
///
/// `RACEWAY_SCHEDULE` and `RACEWAY_SEED` in the environment narrow the check to one run (see
/// the module documentation).
///
/// # Panics
/// If `RACEWAY_SCHEDULE` or `RACEWAY_SEED` applies to this check but is malformed, or the
/// schedule does not fit the model.
#[track_caller]
pub fn check<M: Model>(model: M, search: Search) -> Result<Passed, Box<Failure>> {
    let mut runner = Runner::new(model);
    let env = replay_variable;
    if let Some(s) = env("RACEWAY_SCHEDULE") {
        let schedule: Schedule = match s.parse() {
            Ok(schedule) => schedule,
            Err(e) => panic!("RACEWAY_SCHEDULE: {e}"),
        };
        let verdict = match runner.run(&mut Replay::new(schedule.clone()), false) {
            Ok(verdict) => verdict,
            Err(d) => panic!("RACEWAY_SCHEDULE does not fit this model: {d}"),
        };
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
    let only = match env("RACEWAY_SEED").map(|s| s.parse::<u64>().map_err(|_| s)) {
        None => None,
        Some(Ok(seed)) => Some(seed),
        Some(Err(s)) => panic!("RACEWAY_SEED must be a number, not `{s}`"),
    };
    // (first seed, count): the top seed (`u64::MAX`) alone is no `Range`.
    let seeds = |runs: u64| only.map_or((0, runs), |seed| (seed, 1));
    let found = match search {
        Search::Random { runs } => {
            let (first, count) = seeds(runs);
            let mut random = Seeds::counted(Seeding::Random, first, count);
            first_violation(&mut runner, &mut random)
                .expect("seeded strategies never diverge")
                .map(|f| (f, "random"))
        }
        Search::Pct { runs, depth } => {
            let (first, count) = seeds(runs);
            let steps = pct_steps(&mut runner);
            let mut pct = Seeds::counted(Seeding::Pct { depth, steps }, first, count);
            first_violation(&mut runner, &mut pct)
                .expect("seeded strategies never diverge")
                .map(|f| (f, "pct"))
        }
        Search::Delay { runs, delays } => {
            let (first, count) = seeds(runs);
            let steps = pct_steps(&mut runner);
            let mut delay = Seeds::counted(Seeding::Delay { delays, steps }, first, count);
            first_violation(&mut runner, &mut delay)
                .expect("seeded strategies never diverge")
                .map(|f| (f, "delay"))
        }
        Search::DelayBounded { delays } => {
            let mut bounded = Delay::bounded(delays);
            let mut found = None;
            let driven = drive(&mut runner, &mut bounded, false, |run| {
                match &run.verdict.violation {
                    Some(v) => {
                        found = Some((v.clone(), run.sim.schedule().clone()));
                        ControlFlow::Break(())
                    }
                    None => ControlFlow::Continue(()),
                }
            })
            .expect("delay bounding of a deterministic model");
            return match found {
                Some((v, schedule)) => {
                    let by = format!(
                        "delay bounding, {delays} delays ({} schedules)",
                        driven.runs
                    );
                    Err(failure(&mut runner, &schedule, v, by))
                }
                None => Ok(Passed {
                    schedules: driven.runs,
                    complete: false,
                }),
            };
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
            schedules: match (only, search) {
                (Some(_), _) => 1,
                (
                    None,
                    Search::Random { runs } | Search::Pct { runs, .. } | Search::Delay { runs, .. },
                ) => runs,
                (None, Search::Exhaustive { .. } | Search::DelayBounded { .. }) => 0,
            },
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
        .expect("a failing schedule fails again")
        .trace;
    Box::new(Failure {
        violation: trace.violation.clone().unwrap_or(v),
        schedule: trace.schedule.clone(),
        trace,
        found_by,
    })
}

/// Panics at the caller's caller: the user's test, not this file.
#[track_caller]
fn or_panic(result: Result<Passed, Box<Failure>>) -> Passed {
    match result {
        Ok(passed) => passed,
        Err(f) => panic!("{f}"),
    }
}

/// Runs seeds `0..runs` of the random strategy; panics with the shrunk failing trace.
#[track_caller]
pub fn check_random<M: Model>(model: M, runs: u64) -> Passed {
    or_panic(check(model, Search::Random { runs }))
}

/// Runs seeds `0..runs` of PCT at `depth`; panics with the shrunk failing trace.
#[track_caller]
pub fn check_pct<M: Model>(model: M, runs: u64, depth: u32) -> Passed {
    or_panic(check(model, Search::Pct { runs, depth }))
}

/// Runs seeds `0..runs` of delay bounding with `delays` delays placed at random; panics with
/// the shrunk failing trace.
#[track_caller]
pub fn check_delay<M: Model>(model: M, runs: u64, delays: u32) -> Passed {
    or_panic(check(model, Search::Delay { runs, delays }))
}

/// Explores every schedule as [`check_exhaustive`] does, and audits every independence the
/// reduction relied on (see [`crate::audit`]): where the footprints declare two steps
/// independent, both orders must reach the same state and step results. A passing check is a
/// proof that does not rest on the footprints being right. The model must fingerprint its
/// state (a [`Race`](crate::Race) made [`hashed`](crate::Race::hashed)).
///
/// # Panics
/// With the shortest failing trace; with the two steps and their footprints when a footprint
/// is wrong; when the model gives no fingerprint, so that the audit could not see every
/// independence.
#[track_caller]
pub fn check_audited<M: Model>(model: M) -> Passed {
    if replay_variable("RACEWAY_SCHEDULE").is_some() {
        // Replaying one schedule audits nothing: `check` runs it.
        return check_exhaustive(model);
    }
    let mut runner = Runner::new(model);
    let options = Options {
        audit: true,
        ..Options::default()
    };
    let found = explore(&mut runner, &options).expect("exploration of a deterministic model");
    let wrong = match &found.audit {
        None => panic!(
            "raceway: check_audited needs a model that fingerprints its state \
             (Model::fingerprint, Race::hashed)"
        ),
        Some(audit) => audit.failure.as_ref().map(|f| format!("raceway: {f}")),
    };
    if let Some(d) = found.violations.into_iter().next() {
        let by = format!("exhaustive exploration ({} schedules)", found.schedules);
        let failure = failure(&mut runner, &d.schedule, d.violation, by);
        match wrong {
            Some(wrong) => panic!("{failure}\n\nand the audit found a wrong footprint: {wrong}"),
            None => panic!("{failure}"),
        }
    }
    if let Some(wrong) = wrong {
        panic!("{wrong}");
    }
    Passed {
        schedules: found.schedules,
        complete: found.complete,
    }
}

/// Explores every schedule (with sleep-set reduction); panics with the shortest failing
/// trace. A passing, complete exploration proves the model within its workload's bounds.
#[track_caller]
pub fn check_exhaustive<M: Model>(model: M) -> Passed {
    or_panic(check(
        model,
        Search::Exhaustive {
            preemptions: None,
            max_schedules: None,
        },
    ))
}
