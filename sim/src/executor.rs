//! The executor: runs a [`Model`]'s tasks to the end under a [`Strategy`], one step at a time.
//!
//! A [`Runner`] owns everything of a run (no global state, no threads, no wall clock), so a
//! sweep runs one runner per thread. Between runs it keeps its buffers: after the first run,
//! a run allocates only the tasks' futures, and nothing on the per-step path allocates unless
//! the trace is being recorded.

use crate::fingerprint::{self, Fingerprint, Fingerprinter};
use crate::footprint::Footprint;
use crate::model::{Invariant, Kind, Model, When};
use crate::panic;
use crate::schedule::Schedule;
use crate::strategy::{Candidate, Diverged, Pick, Strategy, TaskId};
use crate::task::{Cx, EventId, MutexId};
use crate::time::Instant;
use crate::trace::{Event, Trace, Violation, TRACE_VERSION};
use std::borrow::Cow;
use std::cell::RefCell;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// The default step limit of a run, beyond which it counts as a livelock.
pub const DEFAULT_MAX_STEPS: u32 = 10_000;

type TaskFuture = Pin<Box<dyn Future<Output = ()>>>;

/// What a waiting task waits for before its next step can be granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Guard {
    /// A plain step: can go at any time.
    Ready,
    /// A lock: can go when the mutex is free.
    Mutex(u32),
    /// A join: can go when the task has ended.
    Join(TaskId),
    /// A sleep: can go when the clock has reached the instant.
    Time(Instant),
    /// An event: can go once notified (or at the wait's deadline).
    Event(u32),
    /// A pick among n: answered at once by the strategy, never scheduled.
    Pick(u32),
    /// A process exit: can go at any time, and ends every other task.
    Exit,
}

/// A task's pending step.
#[derive(Clone, Copy, Debug, Hash)]
pub(crate) struct Wait {
    pub(crate) label: &'static str,
    pub(crate) footprint: Footprint,
    pub(crate) on: Guard,
    pub(crate) deadline: Option<Instant>,
}

pub(crate) struct TaskSlot {
    pub(crate) name: &'static str,
    /// The step it waits to take; `None` while it runs and once it has ended.
    pub(crate) wait: Option<Wait>,
    pub(crate) done: bool,
    pub(crate) notified: bool,
    pub(crate) answer: u32,
    /// The fingerprint of what the task observed so far (its steps, their results, its picks
    /// and waits), kept only in runs whose configurations are fingerprinted. A task is a
    /// deterministic function of what it observed, so this stands for its local state.
    pub(crate) seen: Fingerprint,
}

pub(crate) struct MutexSlot {
    pub(crate) name: &'static str,
    pub(crate) owner: Option<TaskId>,
}

/// The engine's side of the shared state, reached by tasks through [`Cx`].
pub(crate) struct Core {
    pub(crate) tasks: Vec<TaskSlot>,
    pub(crate) mutexes: Vec<MutexSlot>,
    pub(crate) events: Vec<&'static str>,
    pub(crate) now: Instant,
    pub(crate) record: bool,
    /// Whether tasks' histories are kept, for configuration fingerprints.
    pub(crate) fingerprinting: bool,
    pub(crate) trace: Vec<Event>,
    /// Futures of tasks spawned since the executor last looked, in spawn order.
    pub(crate) spawned: Vec<TaskFuture>,
    /// A task took its exit step: the phase's other tasks end (see [`Cx::exit`]).
    pub(crate) exited: bool,
    /// The madsim engine's state, during a madsim run.
    #[cfg(feature = "madsim")]
    pub(crate) madsim: Option<crate::madsim_engine::Mad>,
}

pub(crate) struct Shared<S> {
    pub(crate) state: RefCell<S>,
    pub(crate) core: RefCell<Core>,
    /// The invariants checked after every step, for the madsim engine's tasks to check.
    #[cfg(feature = "madsim")]
    pub(crate) every_step: Vec<Invariant<S>>,
}

pub(crate) fn spawn<S: 'static, F, Fut>(
    shared: &Rc<Shared<S>>,
    name: &'static str,
    body: F,
) -> TaskId
where
    F: FnOnce(Cx<S>) -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    let task = shared.core.borrow().tasks.len() as TaskId;
    let fut = Box::pin(body(Cx {
        shared: shared.clone(),
        task,
    }));
    let mut core = shared.core.borrow_mut();
    core.tasks.push(TaskSlot {
        name,
        wait: None,
        done: false,
        notified: false,
        answer: 0,
        seen: 0,
    });
    core.spawned.push(fut);
    #[cfg(feature = "madsim")]
    if let Some(mad) = core.madsim.as_mut() {
        mad.wake_driver();
    }
    task
}

/// Creates a run's tasks, mutexes and events; handed to [`Model::workload`] and
/// [`Model::settle`].
pub struct Spawner<'a, S: 'static> {
    shared: &'a Rc<Shared<S>>,
}

impl<'a, S: 'static> Spawner<'a, S> {
    pub(crate) fn new(shared: &'a Rc<Shared<S>>) -> Self {
        Self { shared }
    }

    /// Spawns a task named `name` running `body`; ids are given in spawn order.
    pub fn spawn<F, Fut>(&mut self, name: &'static str, body: F) -> TaskId
    where
        F: FnOnce(Cx<S>) -> Fut,
        Fut: Future<Output = ()> + 'static,
    {
        spawn(self.shared, name, body)
    }

    /// The run's mutex called `name` (the resource its lock steps touch: `mu`, `store1.mu`),
    /// created unlocked on first use. A name is the mutex's identity within a run, so the
    /// settle phase reaches the workload's mutexes by naming them again.
    pub fn mutex(&mut self, name: &'static str) -> MutexId {
        self.shared.core.borrow_mut().mutex(name)
    }

    /// The run's event called `name`, for [`Cx::wait`] and [`Cx::notify`]; like mutexes, the
    /// same name gives the same event.
    pub fn event(&mut self, name: &'static str) -> EventId {
        self.shared.core.borrow_mut().event(name)
    }
}

impl Core {
    /// Appends the event `make` builds to the trace, when the run is recorded: nothing is
    /// built otherwise, so the per-step path stays free of formatting and allocation.
    pub(crate) fn record_with(&mut self, make: impl FnOnce(Instant) -> Event) {
        if self.record {
            let event = make(self.now);
            self.trace.push(event);
        }
    }

    /// Grants `task` its pending step; in a fingerprinted run, the task's history takes in
    /// what it observes at the grant: which step, whether its wait was notified, the clock.
    fn grant(&mut self, task: TaskId) {
        let now = self.now;
        let fingerprinting = self.fingerprinting;
        let slot = &mut self.tasks[task as usize];
        if fingerprinting {
            slot.seen = fingerprint::extend(slot.seen, |h| {
                slot.wait.hash(h);
                slot.notified.hash(h);
                now.hash(h);
            });
        }
        slot.wait = None;
    }

    /// The fingerprint of the engine's side of a configuration, around the model's state
    /// `state`: each task's history, pending step and whether it ended, the mutexes' holders,
    /// the events, the clock. With the model's state it determines everything a run does
    /// next, since each task is a deterministic function of what it observed.
    fn configuration(&self, state: Fingerprint) -> Fingerprint {
        let mut h = Fingerprinter::new();
        h.write_u128(state);
        self.now.hash(&mut h);
        h.write_usize(self.tasks.len());
        for t in &self.tasks {
            (t.seen, t.wait, t.done, t.notified).hash(&mut h);
        }
        for m in &self.mutexes {
            (m.name, m.owner).hash(&mut h);
        }
        self.events.hash(&mut h);
        h.finish128()
    }

    /// The mutex called `name`, created on first use.
    pub(crate) fn mutex(&mut self, name: &'static str) -> MutexId {
        if let Some(i) = self.mutexes.iter().position(|m| m.name == name) {
            return MutexId(i as u32);
        }
        self.mutexes.push(MutexSlot { name, owner: None });
        MutexId(self.mutexes.len() as u32 - 1)
    }

    /// The event called `name`, created on first use.
    pub(crate) fn event(&mut self, name: &'static str) -> EventId {
        if let Some(i) = self.events.iter().position(|e| *e == name) {
            return EventId(i as u32);
        }
        self.events.push(name);
        EventId(self.events.len() as u32 - 1)
    }
}

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
    pub(crate) model: M,
    pub(crate) shared: Rc<Shared<M::State>>,
    futures: Vec<Option<TaskFuture>>,
    candidates: Vec<Candidate>,
    schedule: Schedule,
    trace: Trace,
    every_step: Vec<Invariant<M::State>>,
    pub(crate) at_end: Vec<Invariant<M::State>>,
    pub(crate) max_steps: u32,
    /// Whether invariants are checked (off only for [`Simulation::whole_run`]).
    checking: bool,
    steps: u32,
    preemptions: u32,
    pruned: bool,
    last: Option<TaskId>,
}

impl<M: Model> Runner<M> {
    /// A runner for `model`, with the default step limit.
    pub fn new(model: M) -> Self {
        let (every_step, at_end) = model
            .invariants()
            .iter()
            .cloned()
            .partition(|i| i.when == When::EveryStep);
        let shared = Rc::new(Shared {
            state: RefCell::new(model.init()),
            core: RefCell::new(Core {
                tasks: Vec::new(),
                mutexes: Vec::new(),
                events: Vec::new(),
                now: Instant::ZERO,
                record: false,
                fingerprinting: false,
                trace: Vec::new(),
                spawned: Vec::new(),
                exited: false,
                #[cfg(feature = "madsim")]
                madsim: None,
            }),
            #[cfg(feature = "madsim")]
            every_step: crate::madsim_engine::every_step(model.invariants()),
        });
        Self {
            model,
            shared,
            futures: Vec::new(),
            candidates: Vec::new(),
            schedule: Schedule::default(),
            trace: Trace::default(),
            every_step,
            at_end,
            max_steps: DEFAULT_MAX_STEPS,
            checking: true,
            steps: 0,
            preemptions: 0,
            pruned: false,
            last: None,
        }
    }

    /// Sets the step limit beyond which a run counts as a livelock.
    pub fn with_max_steps(mut self, max_steps: u32) -> Self {
        self.max_steps = max_steps;
        self
    }

    /// The model being run.
    pub fn model(&self) -> &M {
        &self.model
    }

    pub(crate) fn reset(&mut self, record: bool) {
        self.futures.clear();
        *self.shared.state.borrow_mut() = self.model.init();
        let mut core = self.shared.core.borrow_mut();
        core.tasks.clear();
        core.mutexes.clear();
        core.events.clear();
        core.spawned.clear();
        core.exited = false;
        core.trace.clear();
        core.now = Instant::ZERO;
        core.record = record;
        #[cfg(feature = "madsim")]
        {
            core.madsim = None;
        }
        self.schedule.clear();
        self.steps = 0;
        self.preemptions = 0;
        self.pruned = false;
        self.last = None;
    }

    fn execute(&mut self, strategy: &mut dyn Strategy) -> Result<Option<Violation>, Diverged> {
        self.model.workload(&mut Spawner::new(&self.shared));
        if let Some(v) = self.start_spawned(strategy)? {
            return Ok(Some(v));
        }
        let mut settled = false;
        loop {
            if self.steps >= self.max_steps {
                let message = format!("the run did not end within {} steps", self.max_steps);
                return Ok(Some(self.violation(
                    Kind::Livelock,
                    "step-limit".into(),
                    message,
                )));
            }
            if self.collect_candidates() {
                continue;
            }
            if strategy.wants_configuration(&self.candidates) {
                if let Some(fp) = self.configuration() {
                    strategy.configuration(fp);
                }
            }
            if self.candidates.is_empty() {
                if self.shared.core.borrow().tasks.iter().any(|t| !t.done) {
                    let message = self.describe_deadlock();
                    return Ok(Some(self.violation(
                        Kind::Deadlock,
                        "deadlock".into(),
                        message,
                    )));
                }
                if settled {
                    break;
                }
                settled = true;
                self.push_event(Event::Settle);
                self.model.settle(&mut Spawner::new(&self.shared));
                if let Some(v) = self.start_spawned(strategy)? {
                    return Ok(Some(v));
                }
                continue;
            }
            let Some(chosen) = strategy.next_task(&self.candidates)? else {
                self.pruned = true;
                return Ok(None);
            };
            if self.candidates.len() > 1 {
                self.schedule.push(chosen as u32);
            }
            let task = self.candidates[chosen].task;
            if self
                .last
                .is_some_and(|l| l != task && self.candidates.iter().any(|c| c.task == l))
            {
                self.preemptions += 1;
            }
            self.last = Some(task);
            self.shared.core.borrow_mut().grant(task);
            self.steps += 1;
            if let Some(v) = self.poll(task, strategy)? {
                return Ok(Some(v));
            }
            if self.shared.core.borrow().exited {
                self.end_phase();
            }
            if let Some(v) = self.start_spawned(strategy)? {
                return Ok(Some(v));
            }
            if let Some(v) = self.check(When::EveryStep) {
                return Ok(Some(v));
            }
        }
        Ok(self
            .check(When::EveryStep)
            .or_else(|| self.check(When::Quiescence)))
    }

    /// Fills `candidates` with the tasks whose step can be granted now. When none can but a
    /// timer is pending, advances the clock to it instead and returns `true`.
    fn collect_candidates(&mut self) -> bool {
        self.candidates.clear();
        let mut core = self.shared.core.borrow_mut();
        let now = core.now;
        let mut next_timer: Option<Instant> = None;
        for (i, t) in core.tasks.iter().enumerate() {
            let Some(w) = t.wait else { continue };
            let timer = match w.on {
                Guard::Time(at) => Some(at),
                _ => w.deadline,
            };
            let ready = match w.on {
                Guard::Ready | Guard::Exit => true,
                Guard::Mutex(m) => core.mutexes[m as usize].owner.is_none(),
                Guard::Join(j) => core.tasks[j as usize].done,
                Guard::Event(_) => t.notified,
                Guard::Time(_) | Guard::Pick(_) => false,
            } || timer.is_some_and(|at| at <= now);
            if ready {
                self.candidates.push(Candidate {
                    task: i as TaskId,
                    name: t.name,
                    label: w.label,
                    footprint: w.footprint,
                    synchronizes: matches!(w.on, Guard::Event(_) | Guard::Exit),
                });
            } else if let Some(at) = timer {
                next_timer = Some(next_timer.map_or(at, |n| n.min(at)));
            }
        }
        if self.candidates.is_empty() {
            if let Some(at) = next_timer {
                core.now = at;
                return true;
            }
        }
        false
    }

    /// Polls a task that was granted its step, answering its picks on the way, until it waits
    /// for its next step or ends.
    fn poll(
        &mut self,
        task: TaskId,
        strategy: &mut dyn Strategy,
    ) -> Result<Option<Violation>, Diverged> {
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            let Some(fut) = self.futures[task as usize].as_mut() else {
                return Ok(None);
            };
            let polled = panic::catch(|| fut.as_mut().poll(&mut cx));
            let mut core = self.shared.core.borrow_mut();
            let exited = core.exited;
            let slot = &mut core.tasks[task as usize];
            let name = slot.name;
            match polled {
                Err(message) => {
                    slot.done = true;
                    drop(core);
                    let message = format!("task `{name}` panicked: {message}");
                    let invariant = panic::invariant();
                    return Ok(Some(self.violation(Kind::Panic, invariant, message)));
                }
                Ok(Poll::Ready(())) => {
                    slot.done = true;
                    drop(core);
                    self.futures[task as usize] = None;
                    return Ok(None);
                }
                Ok(Poll::Pending) => match slot.wait {
                    Some(Wait {
                        label,
                        on: Guard::Pick(n),
                        ..
                    }) => {
                        slot.wait = None;
                        drop(core);
                        let pick = Pick {
                            task,
                            name,
                            label,
                            of: n,
                        };
                        let chosen = strategy.next_pick(pick)?;
                        self.schedule.push(chosen);
                        let mut core = self.shared.core.borrow_mut();
                        let fingerprinting = core.fingerprinting;
                        let slot = &mut core.tasks[task as usize];
                        slot.answer = chosen;
                        if fingerprinting {
                            slot.seen = fingerprint::extend(slot.seen, |h| h.write_u32(chosen));
                        }
                        core.record_with(|_| Event::Pick {
                            task,
                            label,
                            chosen,
                            of: n,
                        });
                    }
                    Some(_) => return Ok(None),
                    None if exited => return Ok(None),
                    None => {
                        slot.done = true;
                        drop(core);
                        let message = format!(
                            "task `{name}` awaited a future that is not raceway's; \
                             only Cx's steps, locks, sleeps, waits and joins can be awaited"
                        );
                        return Ok(Some(self.violation(Kind::Panic, "panic".into(), message)));
                    }
                },
            }
        }
    }

    /// Moves newly spawned futures into the task table and polls each to its first step.
    fn start_spawned(
        &mut self,
        strategy: &mut dyn Strategy,
    ) -> Result<Option<Violation>, Diverged> {
        loop {
            let first = self.futures.len();
            let spawned = std::mem::take(&mut self.shared.core.borrow_mut().spawned);
            if spawned.is_empty() {
                // Hand the (empty) buffer back so that its capacity is reused.
                self.shared.core.borrow_mut().spawned = spawned;
                return Ok(None);
            }
            let mut spawned = spawned;
            self.futures.extend(spawned.drain(..).map(Some));
            self.shared.core.borrow_mut().spawned = spawned;
            for task in first..self.futures.len() {
                if let Some(v) = self.poll(task as TaskId, strategy)? {
                    return Ok(Some(v));
                }
            }
        }
    }

    /// The fingerprint of the current configuration, when the model fingerprints its state.
    fn configuration(&self) -> Option<Fingerprint> {
        let state = self.model.fingerprint(&self.shared.state.borrow())?;
        Some(self.shared.core.borrow().configuration(state))
    }

    /// A task exited: every task of the phase ends where it stands, as threads do when their
    /// process exits (their futures drop without recording, so held locks vanish silently).
    fn end_phase(&mut self) {
        let mut core = self.shared.core.borrow_mut();
        core.exited = false;
        for t in core.tasks.iter_mut().filter(|t| !t.done) {
            t.done = true;
            t.wait = None;
        }
        core.spawned.clear();
        let record = std::mem::replace(&mut core.record, false);
        drop(core);
        self.futures.iter_mut().for_each(|f| *f = None);
        self.shared.core.borrow_mut().record = record;
    }

    fn check(&self, when: When) -> Option<Violation> {
        if !self.checking {
            return None;
        }
        let invariants = match when {
            When::EveryStep => &self.every_step,
            When::Quiescence => &self.at_end,
        };
        let state = self.shared.state.borrow();
        invariants.iter().find_map(|inv| {
            inv.check(&state)
                .err()
                .map(|message| self.violation(inv.kind, inv.name.clone(), message))
        })
    }

    fn violation(&self, kind: Kind, invariant: Cow<'static, str>, message: String) -> Violation {
        Violation {
            kind,
            invariant,
            message,
            step: self.steps,
        }
    }

    fn describe_deadlock(&self) -> String {
        let core = self.shared.core.borrow();
        let waiting: Vec<String> = core
            .tasks
            .iter()
            .filter(|t| !t.done)
            .map(|t| {
                let on = match t.wait.map(|w| w.on) {
                    Some(Guard::Mutex(m)) => {
                        let m = &core.mutexes[m as usize];
                        let owner = m.owner.map_or("nobody", |o| core.tasks[o as usize].name);
                        format!("lock({}) held by {owner}", m.name)
                    }
                    Some(Guard::Join(j)) => format!("join({})", core.tasks[j as usize].name),
                    Some(Guard::Event(e)) => format!("wait({})", core.events[e as usize]),
                    _ => "nothing".to_string(),
                };
                format!("{} waits for {on}", t.name)
            })
            .collect();
        format!("no task can step: {}", waiting.join("; "))
    }

    fn push_event(&self, e: Event) {
        self.shared.core.borrow_mut().record_with(|_| e);
    }
}

impl<M: Model> Runner<M> {
    /// Ends a run: drops the tasks (nothing they do any more is recorded) and, when recording,
    /// keeps the trace.
    pub(crate) fn finish_run(&mut self, record: bool, violation: Option<Violation>, steps: u32) {
        let events = std::mem::take(&mut self.shared.core.borrow_mut().trace);
        self.shared.core.borrow_mut().record = false;
        self.futures.clear();
        if record {
            let tasks = self
                .shared
                .core
                .borrow()
                .tasks
                .iter()
                .map(|t| t.name)
                .collect();
            self.trace = Trace {
                version: TRACE_VERSION,
                tasks,
                events,
                violation,
                schedule: self.schedule.clone(),
                steps,
            };
        } else {
            // Keep the event buffer's capacity for the next recorded run.
            let mut events = events;
            events.clear();
            self.shared.core.borrow_mut().trace = events;
        }
    }
}

impl<M: Model> Simulation for Runner<M> {
    fn run(&mut self, strategy: &mut dyn Strategy, record: bool) -> Result<Verdict, Diverged> {
        if let Some(seed) = strategy.handover() {
            return crate::handover::run(self, seed, record);
        }
        self.reset(record);
        self.shared.core.borrow_mut().fingerprinting = strategy.fingerprints();
        let violation = match panic::quietly(|| self.execute(strategy)) {
            Ok(violation) => violation,
            Err(d) => {
                self.finish_run(false, None, self.steps);
                return Err(d);
            }
        };
        if let Err(d) = strategy.finish() {
            self.finish_run(false, None, self.steps);
            return Err(d);
        }
        self.finish_run(record, violation.clone(), self.steps);
        Ok(Verdict {
            violation,
            steps: self.steps,
            preemptions: self.preemptions,
            pruned: self.pruned,
        })
    }

    fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    fn trace(&self) -> &Trace {
        &self.trace
    }

    fn whole_run(&mut self, strategy: &mut dyn Strategy) -> Result<u32, Diverged> {
        self.checking = false;
        let run = self.run(strategy, false);
        self.checking = true;
        run.map(|v| v.steps)
    }
}
