//! [`Runner`]: one model, run many times on the run core by either driver, and the
//! type-erased [`Simulation`] that catalogs and the run loop hold.
//!
//! A runner owns everything of a run (no global state, no threads, no wall clock), so a
//! sweep runs one runner per thread, and keeps its buffers between runs.

use crate::model::Model;
use crate::native::{Native, NativeDriver};
use crate::panic;
use crate::recorder::Recorder;
use crate::runtime::{Checks, Core, Shared, DEFAULT_MAX_STEPS};
use crate::schedule::Schedule;
use crate::strategy::{Diverged, Strategy};
use crate::time::Instant;
use crate::trace::{Trace, Violation, TRACE_VERSION};
use std::cell::RefCell;
use std::rc::Rc;

/// How a run ended, short of a divergence from its schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The first violation, which ended the run; `None` when every invariant held.
    pub violation: Option<Violation>,
    /// The steps taken.
    pub steps: u32,
    /// Preemptions: choices of another task while the task that took the last step could
    /// have gone on. Shrinking minimises them after steps.
    pub preemptions: u32,
    /// Whether the strategy ended the run early, pruned (see [`Strategy::next_task`]): it
    /// then has no violation and counts as no schedule of its own.
    pub pruned: bool,
}

/// A type-erased runner, so that a catalog can hand out any scenario's runner.
pub trait Simulation {
    /// Runs once under `strategy`, as it stands (see [`Strategy::next_run`]); with `record`,
    /// keeps the full trace for [`Self::trace`]. To run all of a strategy's runs, use
    /// [`drive`](crate::drive::drive).
    fn run(&mut self, strategy: &mut dyn Strategy, record: bool) -> Result<Verdict, Diverged>;
    /// The choices of the last run.
    fn schedule(&self) -> &Schedule;
    /// The trace of the last recorded run.
    fn trace(&self) -> &Trace;
    /// Runs once under `strategy` without checking invariants, so that only a panic, a
    /// deadlock or the step limit ends the run early; returns its steps. This measures how
    /// long the model's runs are (PCT's step bound), whatever breaks on the way.
    fn whole_run(&mut self, strategy: &mut dyn Strategy) -> Result<u32, Diverged>;
}

/// Runs one model many times, reusing its buffers.
pub struct Runner<M: Model> {
    model: M,
    shared: Rc<Shared<M::State>>,
    native: Native,
    trace: Trace,
}

impl<M: Model> Runner<M> {
    /// A runner for `model`, with the default step limit.
    pub fn new(model: M) -> Self {
        let checks = Checks::new(model.invariants());
        let history = Recorder {
            read: checks.read_history(),
            ..Recorder::default()
        };
        let shared = Rc::new(Shared {
            state: RefCell::new(model.init()),
            core: RefCell::new(Core {
                tasks: Vec::new(),
                mutexes: Vec::new(),
                events: Vec::new(),
                conds: Vec::new(),
                prims: Default::default(),
                fingerprinting: false,
                now: Instant::ZERO,
                record: false,
                trace: Vec::new(),
                spawned: Vec::new(),
                boxes: Default::default(),
                exited: false,
                steps: 0,
                max_steps: DEFAULT_MAX_STEPS,
                history,
            }),
            checks,
            driver: RefCell::new(Box::new(NativeDriver)),
            woken: Default::default(),
        });
        Self {
            model,
            shared,
            native: Native::default(),
            trace: Trace::default(),
        }
    }

    /// Sets the step limit beyond which a run counts as a livelock.
    pub fn with_max_steps(self, max_steps: u32) -> Self {
        self.shared.core.borrow_mut().max_steps = max_steps;
        self
    }

    /// The model being run.
    pub fn model(&self) -> &M {
        &self.model
    }

    fn reset(&mut self, record: bool) {
        self.native.reset();
        *self.shared.state.borrow_mut() = self.model.init();
        let mut core = self.shared.core.borrow_mut();
        core.tasks.clear();
        core.mutexes.clear();
        core.events.clear();
        core.conds.clear();
        core.prims.clear();
        core.spawned.clear();
        core.exited = false;
        core.trace.clear();
        core.now = Instant::ZERO;
        core.record = record;
        core.fingerprinting = false;
        core.steps = 0;
        core.history.reset(record);
    }

    /// Ends a run: drops the tasks (nothing they do any more is recorded) and, when recording,
    /// keeps the trace with its `violation`.
    fn finish_run(&mut self, record: bool, violation: Option<&Violation>) {
        self.shared.core.borrow_mut().record = false;
        self.native.drop_tasks(&self.shared);
        let mut core = self.shared.core.borrow_mut();
        core.spawned.clear();
        if record {
            self.trace = Trace {
                version: TRACE_VERSION,
                tasks: core.tasks.iter().map(|t| t.name).collect(),
                events: std::mem::take(&mut core.trace),
                violation: violation.cloned(),
                schedule: self.native.schedule.clone(),
                steps: core.steps,
            };
        } else {
            // Keep the event buffer's capacity for the next recorded run.
            core.trace.clear();
        }
    }

    fn verdict(&self, violation: Option<Violation>) -> Verdict {
        Verdict {
            violation,
            steps: self.shared.core.borrow().steps,
            preemptions: self.native.preemptions,
            pruned: self.native.pruned,
        }
    }
}

impl<M: Model> Simulation for Runner<M> {
    fn run(&mut self, strategy: &mut dyn Strategy, record: bool) -> Result<Verdict, Diverged> {
        self.reset(record);
        self.shared.core.borrow_mut().fingerprinting = strategy.fingerprints();
        if let Some(seed) = strategy.handover() {
            let handed = crate::handover::run(&self.model, &self.shared, seed);
            // The other engine drove this run with its own driver: the next has the native one.
            *self.shared.driver.borrow_mut() = Box::new(NativeDriver);
            let violation = handed?;
            self.finish_run(record, violation.as_ref());
            return Ok(self.verdict(violation));
        }
        let (model, shared) = (&self.model, &self.shared);
        let executed = panic::quietly(|| self.native.execute(model, shared, strategy))
            .and_then(|violation| strategy.finish().map(|()| violation));
        match executed {
            Ok(violation) => {
                self.finish_run(record, violation.as_ref());
                Ok(self.verdict(violation))
            }
            Err(d) => {
                self.finish_run(false, None);
                Err(d)
            }
        }
    }

    fn schedule(&self) -> &Schedule {
        &self.native.schedule
    }

    fn trace(&self) -> &Trace {
        &self.trace
    }

    fn whole_run(&mut self, strategy: &mut dyn Strategy) -> Result<u32, Diverged> {
        self.shared.checks.on.set(false);
        let run = self.run(strategy, false);
        self.shared.checks.on.set(true);
        run.map(|v| v.steps)
    }
}
