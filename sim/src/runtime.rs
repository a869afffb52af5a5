//! The run core: everything of a run that does not depend on who drives it. Tasks and what
//! each waits for, mutexes, events, the virtual clock, the trace, the step limit, and the
//! invariant checks that turn a state into a [`Violation`].
//!
//! Two drivers run a model on this core: the native executor (`native.rs`), which asks a
//! [`Strategy`](crate::Strategy) at every choice, and, in the build that has it, a second
//! engine's runtime (`madsim_driver.rs`). Tasks reach the driver only through the small
//! [`Driver`] trait, so neither [`Cx`](crate::Cx) nor this core knows which one runs them.

use crate::fingerprint::{self, Fingerprint, Fingerprinter};
use crate::invariant::{Invariant, Kind, When};
use crate::prims::{Blocked, Ended, Prims};
use crate::recorder::Recorder;
use crate::strategy::{Candidate, TaskId};
use crate::task_box::{Recycler, TaskBox};
use crate::time::Instant;
use crate::trace::{Event, Violation};
use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::hash::{Hash, Hasher};

/// The default step limit of a run, beyond which it counts as a livelock.
pub const DEFAULT_MAX_STEPS: u32 = 10_000;

/// A task's body, as spawned.
pub(crate) type TaskFuture = TaskBox;

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
    /// A step that can go at any time but whose outcome depends on other tasks beyond its
    /// footprint (a process exit, a try-lock): reductions treat it as dependent on every other.
    Synchronizing,
    /// A channel, read-write lock, semaphore or wait group (see [`crate::prims`]), made by
    /// `Blocked::guard`: its step commutes with others as its footprint says...
    Prim(Blocked),
    /// ...or, for this one, synchronises with every other step.
    PrimSynchronizing(Blocked),
}

impl Guard {
    /// The guard of a wait on a channel, a read-write lock, a semaphore or a wait group:
    /// [`Guard::PrimSynchronizing`] when reductions must treat the step as dependent on every
    /// other, decided here once rather than at every step.
    pub(crate) fn prim(blocked: Blocked) -> Guard {
        if blocked.synchronizes() {
            Guard::PrimSynchronizing(blocked)
        } else {
            Guard::Prim(blocked)
        }
    }

    /// Whether the step's outcome depends on other tasks beyond its footprint, so that
    /// reductions treat it as dependent on every other step.
    pub(crate) fn synchronizes(self) -> bool {
        matches!(
            self,
            Guard::Event(_) | Guard::Synchronizing | Guard::PrimSynchronizing(_)
        )
    }
}

/// A task's pending step.
#[derive(Clone, Copy, Debug, Hash)]
pub(crate) struct Wait {
    /// The step as strategies see it when it can go, built once when the task registers it:
    /// the executor copies it whole into each step's candidates.
    pub(crate) step: Candidate,
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

impl Ended for [TaskSlot] {
    fn ended(&self, task: TaskId) -> bool {
        self[task as usize].done
    }
}

pub(crate) struct MutexSlot {
    pub(crate) name: &'static str,
    pub(crate) owner: Option<TaskId>,
}

/// A condition variable's state in a run (its operations are in `sync.rs`).
pub(crate) struct CondSlot {
    pub(crate) name: &'static str,
    /// Its event in [`Core::events`]: the waiters wait for it.
    pub(crate) event: u32,
    /// The waiting tasks, longest waiting first.
    pub(crate) waiters: Vec<TaskId>,
}

impl CondSlot {
    /// Hashes who waits, in order: part of a configuration's fingerprint.
    fn hash_waiters(&self, h: &mut impl Hasher) {
        (self.name, &self.waiters).hash(h);
    }
}

/// The engine's side of the shared state, reached by tasks through [`Cx`](crate::Cx).
pub(crate) struct Core {
    pub(crate) tasks: Vec<TaskSlot>,
    pub(crate) mutexes: Vec<MutexSlot>,
    pub(crate) events: Vec<&'static str>,
    /// Condition variables (each over an event of `events`), see [`crate::sync`].
    pub(crate) conds: Vec<CondSlot>,
    /// Channels, read-write locks, semaphores and wait groups.
    pub(crate) prims: Prims,
    pub(crate) now: Instant,
    pub(crate) record: bool,
    /// Whether tasks' histories are kept, for configuration fingerprints.
    pub(crate) fingerprinting: bool,
    pub(crate) trace: Vec<Event>,
    /// Futures of tasks spawned since the driver last looked, in spawn order.
    pub(crate) spawned: Vec<TaskFuture>,
    /// The memory of ended tasks' futures, for the next run's (see [`crate::task_box`]).
    pub(crate) boxes: Recycler,
    /// A task took its exit step: the phase's other tasks end (see [`Cx::exit`]).
    ///
    /// [`Cx::exit`]: crate::Cx::exit
    pub(crate) exited: bool,
    /// Steps granted so far.
    pub(crate) steps: u32,
    /// The step limit; reaching it is a livelock.
    pub(crate) max_steps: u32,
    /// The client operations tasks marked, when the run keeps them (see [`crate::client`]).
    pub(crate) history: Recorder,
}

impl Core {
    /// The condition variable called `name`, created on first use (a declaration).
    pub(crate) fn cond(&mut self, name: &'static str) -> u32 {
        if let Some(i) = self.conds.iter().position(|c| c.name == name) {
            return i as u32;
        }
        // An event of its own, not looked up by name: a condition variable and an event may
        // share a name without sharing waiters.
        self.events.push(name);
        let event = self.events.len() as u32 - 1;
        self.conds.push(CondSlot {
            name,
            event,
            waiters: Vec::new(),
        });
        self.conds.len() as u32 - 1
    }

    /// Wakes the first `n` waiters of condition `cond` (all of them when `n` is `usize::MAX`).
    pub(crate) fn wake_cond(&mut self, cond: u32, n: usize) {
        let slot = &mut self.conds[cond as usize];
        let woken = slot.waiters.len().min(n);
        for task in slot.waiters.drain(..woken) {
            self.tasks[task as usize].notified = true;
        }
    }

    /// Unlocks `mutex` as part of `task`'s current step. The caller then tells the driver
    /// (`Driver::wake`), once it no longer holds the core.
    pub(crate) fn release(&mut self, task: TaskId, mutex: u32) {
        let m = &mut self.mutexes[mutex as usize];
        m.owner = None;
        let name = m.name;
        self.record_with(|_| Event::Note {
            task,
            text: format!("unlock({name})"),
        });
    }

    /// Grants `task` its pending step; in a fingerprinted run, the task's history takes in
    /// what it observes at the grant: which step, whether its wait was notified, the clock.
    /// Returns what the granted wait waited for.
    #[inline]
    pub(crate) fn grant(&mut self, task: TaskId) -> Option<Guard> {
        if self.fingerprinting {
            self.observe_grant(task);
        }
        self.tasks[task as usize].wait.take().map(|w| w.on)
    }

    fn observe_grant(&mut self, task: TaskId) {
        let now = self.now;
        let slot = &mut self.tasks[task as usize];
        slot.seen = fingerprint::extend(slot.seen, |h| {
            slot.wait.hash(h);
            slot.notified.hash(h);
            now.hash(h);
        });
    }

    /// Gives `task` the answer `chosen` to its pick; in a fingerprinted run its history takes
    /// the answer in.
    pub(crate) fn answer(&mut self, task: TaskId, chosen: u32) {
        let fingerprinting = self.fingerprinting;
        let slot = &mut self.tasks[task as usize];
        slot.answer = chosen;
        if fingerprinting {
            slot.seen = fingerprint::extend(slot.seen, |h| h.write_u32(chosen));
        }
    }

    /// The fingerprint of the engine's side of a configuration, around the model's state
    /// `state`: each task's history, pending step and whether it ended, the mutexes' holders,
    /// the events and condition variables' waiters, the clock, the client history an invariant
    /// reads. With the model's state it determines everything a run does next, since each
    /// task is a deterministic function of what it observed.
    pub(crate) fn configuration(&self, state: Fingerprint) -> Fingerprint {
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
        for c in &self.conds {
            c.hash_waiters(&mut h);
        }
        self.prims.hash(&mut h);
        self.history.hash_into(&mut h);
        h.finish128()
    }

    /// Appends the event `make` builds to the trace, when the run is recorded: nothing is
    /// built otherwise, so the per-step path stays free of formatting and allocation.
    pub(crate) fn record_with(&mut self, make: impl FnOnce(Instant) -> Event) {
        if self.record {
            let event = make(self.now);
            self.trace.push(event);
        }
    }

    /// Whether `wait` of task `task` can be granted now, the clock aside. Always inlined: it
    /// runs for every waiting task before every step.
    #[inline(always)]
    pub(crate) fn grantable(&self, task: TaskId, wait: &Wait) -> bool {
        match wait.on {
            Guard::Ready | Guard::Synchronizing => true,
            Guard::Mutex(m) => self.mutexes[m as usize].owner.is_none(),
            Guard::Join(j) => self.tasks[j as usize].done,
            Guard::Event(_) => self.tasks[task as usize].notified,
            Guard::Prim(p) | Guard::PrimSynchronizing(p) => {
                self.prims.grantable(task, p, &self.tasks[..])
            }
            Guard::Time(_) | Guard::Pick(_) => false,
        }
    }

    /// The mutex called `name`, created on first use.
    pub(crate) fn mutex(&mut self, name: &'static str) -> u32 {
        if let Some(i) = self.mutexes.iter().position(|m| m.name == name) {
            return i as u32;
        }
        self.mutexes.push(MutexSlot { name, owner: None });
        self.mutexes.len() as u32 - 1
    }

    /// The event called `name`, created on first use.
    pub(crate) fn event(&mut self, name: &'static str) -> u32 {
        if let Some(i) = self.events.iter().position(|e| *e == name) {
            return i as u32;
        }
        self.events.push(name);
        self.events.len() as u32 - 1
    }

    /// A violation found now, at the current step.
    pub(crate) fn violation(
        &self,
        kind: Kind,
        invariant: Cow<'static, str>,
        message: String,
    ) -> Violation {
        Violation {
            kind,
            invariant,
            message,
            step: self.steps,
        }
    }

    /// The livelock violation, once the run has taken as many steps as it may.
    pub(crate) fn over_limit(&self) -> Option<Violation> {
        (self.steps >= self.max_steps).then(|| {
            let message = format!("the run did not end within {} steps", self.max_steps);
            self.violation(Kind::Livelock, "step-limit".into(), message)
        })
    }

    /// What every unfinished task waits for, for a deadlock's message.
    pub(crate) fn describe_deadlock(&self) -> String {
        let waiting: Vec<String> = self
            .tasks
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.done)
            .map(|(i, t)| {
                let on = match t.wait.map(|w| w.on) {
                    Some(Guard::Mutex(m)) => {
                        let m = &self.mutexes[m as usize];
                        let owner = m.owner.map_or("nobody", |o| self.tasks[o as usize].name);
                        format!("lock({}) held by {owner}", m.name)
                    }
                    Some(Guard::Join(j)) => format!("join({})", self.tasks[j as usize].name),
                    Some(Guard::Event(e)) => format!("wait({})", self.events[e as usize]),
                    Some(Guard::Prim(p) | Guard::PrimSynchronizing(p)) => {
                        self.prims.describe(i as TaskId, p)
                    }
                    _ => "nothing".to_string(),
                };
                format!("{} waits for {on}", t.name)
            })
            .collect();
        format!("no task can step: {}", waiting.join("; "))
    }
}

/// A model's invariants, split by when they are checked.
pub(crate) struct Checks<S> {
    every_step: Vec<Invariant<S>>,
    at_end: Vec<Invariant<S>>,
    /// Whether invariants are checked (off only for
    /// [`Simulation::whole_run`](crate::Simulation::whole_run)).
    pub(crate) on: std::cell::Cell<bool>,
}

impl<S> Checks<S> {
    /// Whether some invariant reads the run's history.
    pub(crate) fn read_history(&self) -> bool {
        self.at_end.iter().any(Invariant::reads_history)
    }

    pub(crate) fn new(invariants: &[Invariant<S>]) -> Self {
        let (every_step, at_end) = invariants
            .iter()
            .cloned()
            .partition(|i| i.when == When::EveryStep);
        Self {
            every_step,
            at_end,
            on: std::cell::Cell::new(true),
        }
    }

    /// The first invariant checked `when` that `state` breaks, as a violation at `core`'s
    /// step. At quiescence, the invariants of every step are checked first.
    pub(crate) fn check(&self, state: &S, core: &Core, when: When) -> Option<Violation> {
        if !self.on.get() {
            return None;
        }
        let history = &core.history.history;
        let (invariant, message) = match when {
            When::EveryStep => first_broken(&self.every_step, state, history),
            When::Quiescence => first_broken(&self.every_step, state, history)
                .or_else(|| first_broken(&self.at_end, state, history)),
        }?;
        Some(broke(core, invariant, message))
    }
}

/// The first of `invariants` that `state` (or `history`) breaks, with its message: a plain
/// loop, since it runs after every step.
#[inline(always)]
fn first_broken<'a, S>(
    invariants: &'a [Invariant<S>],
    state: &S,
    history: &crate::consistency::History,
) -> Option<(&'a Invariant<S>, String)> {
    for invariant in invariants {
        if let Err(message) = invariant.check_with(state, history) {
            return Some((invariant, message));
        }
    }
    None
}

/// The violation of `invariant`, broken with `message` at `core`'s step.
#[cold]
#[inline(never)]
fn broke<S>(core: &Core, invariant: &Invariant<S>, message: String) -> Violation {
    core.violation(invariant.kind, invariant.name.clone(), message)
}

/// How the driver learns what tasks do. The native executor answers most of these trivially
/// (it runs the scheduling loop itself); the second engine's driver parks and wakes tasks on
/// its own executor.
///
/// A task's wait for its next step needs no call here: the task registers the wait in its slot
/// and its future returns `Pending`; a driver polls a waiting task again only once it has
/// granted that wait (taken it from the slot), and the wait's future then completes. (The
/// native executor grants a wait when the strategy chooses its task; the second engine's task
/// wrapper grants it before polling the task, once it can go.)
pub(crate) trait Driver<S> {
    /// The virtual time now.
    fn now(&self, shared: &Shared<S>) -> Instant;

    /// Answers a pick among `n` at once, or `None`: the task then suspends on
    /// [`Guard::Pick`] and the strategy answers.
    fn pick(&self, shared: &Shared<S>, task: TaskId, label: &'static str, n: u32) -> Option<u32>;

    /// A waiting task may be grantable now: a lock was released or an event notified.
    fn wake(&self);

    /// A task was spawned.
    fn spawned(&self);
}

/// Everything a run's tasks share: the model's state, the core, the checks, and the driver
/// that runs them.
pub(crate) struct Shared<S: 'static> {
    pub(crate) state: RefCell<S>,
    pub(crate) core: RefCell<Core>,
    pub(crate) checks: Checks<S>,
    pub(crate) driver: RefCell<Box<dyn Driver<S>>>,
    /// Set by [`Shared::woke`]: since the executor last cleared it, a waiting task may have
    /// become grantable, or stopped being grantable (a lock released, an event notified, a
    /// wait group's counter changed), so the candidates must be gathered anew.
    pub(crate) woken: Cell<bool>,
}

impl<S: 'static> Shared<S> {
    /// What a task changed may let a waiting task go (or hold it back): notes it for the
    /// executor and tells the driver. Every change to a lock, an event, a condition variable or
    /// another primitive that is not the changing task's own granted wait goes through here.
    pub(crate) fn woke(&self) {
        self.woken.set(true);
        // `try_`: a guard may drop while the run is torn down.
        if let Ok(driver) = self.driver.try_borrow() {
            driver.wake();
        }
    }

    /// The first invariant checked `when` that the state breaks now. Inlined, for the common
    /// case after a step: nothing to check, so nothing is borrowed or called.
    #[inline(always)]
    pub(crate) fn check(&self, when: When) -> Option<Violation> {
        if when == When::EveryStep && self.checks.every_step.is_empty() {
            return None;
        }
        self.check_now(when)
    }

    fn check_now(&self, when: When) -> Option<Violation> {
        self.checks
            .check(&self.state.borrow(), &self.core.borrow(), when)
    }
}
