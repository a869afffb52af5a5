//! The native executor: raceway's own driver. It runs a model's tasks on the run core one
//! step at a time, asking a [`Strategy`] which task that can step goes next and how each pick
//! is answered, and records those choices as the run's [`Schedule`].
//!
//! Nothing here reads the wall clock or spawns a thread; between runs it keeps its buffers, so
//! after the first run nothing on the per-step path allocates unless the trace is recorded.

use crate::cx::Spawner;
use crate::invariant::{Kind, When};
use crate::model::Model;
use crate::panic;
use crate::runtime::{Core, Driver, Guard, Shared, TaskFuture, Wait};
use crate::schedule::Schedule;
use crate::strategy::{Candidate, Diverged, Pick, Strategy, TaskId};
use crate::time::Instant;
use crate::trace::{Event, Violation};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// The native executor's side of [`Driver`]: it polls a waiting task only once the strategy
/// has chosen it, and its wait granted.
pub(crate) struct NativeDriver;

impl<S> Driver<S> for NativeDriver {
    fn now(&self, shared: &Shared<S>) -> Instant {
        shared.core.borrow().now
    }

    fn pick(&self, _: &Shared<S>, _: TaskId, _: &'static str, _: u32) -> Option<u32> {
        None
    }

    fn wake(&self) {}

    fn spawned(&self) {}
}

/// The executor's buffers and the bookkeeping of the current run.
#[derive(Default)]
pub(crate) struct Native {
    futures: Vec<Option<TaskFuture>>,
    candidates: Vec<Candidate>,
    pub(crate) schedule: Schedule,
    pub(crate) preemptions: u32,
    pub(crate) pruned: bool,
    last: Option<TaskId>,
}

/// What [`Native::collect_candidates`] found.
enum Collected {
    /// The candidates (none, at the end of a phase or in a deadlock).
    Candidates,
    /// None, and the clock moved to the next timer.
    ClockMoved,
    /// The run reached its step limit.
    OverLimit,
}

/// Why a run stops before its end: a violation, the run's finding, or a divergence from the
/// strategy's schedule.
enum Stop {
    Violation(Violation),
    Diverged(Diverged),
}

/// How a part of a run went: on, or stopped. The stop is boxed so that the calls on the
/// per-step path (a poll, a start) return one register, not a `Violation` through memory.
type Went = Result<(), Box<Stop>>;

impl From<Diverged> for Box<Stop> {
    #[cold]
    fn from(d: Diverged) -> Self {
        Box::new(Stop::Diverged(d))
    }
}

/// The run stops at `violation`, if there is one.
#[inline]
fn stopped(violation: Option<Violation>) -> Went {
    match violation {
        None => Ok(()),
        Some(v) => Err(Box::new(Stop::Violation(v))),
    }
}

/// What one call of the executor needs: the model, its shared state, the strategy.
struct Run<'a, M: Model> {
    model: &'a M,
    shared: &'a Rc<Shared<M::State>>,
    strategy: &'a mut dyn Strategy,
    /// The context tasks are polled with: nothing wakes them, the executor polls them when it
    /// grants their steps.
    cx: Context<'static>,
}

impl Native {
    /// Forgets the last run, keeping the buffers.
    pub(crate) fn reset(&mut self) {
        self.futures.clear();
        self.schedule.clear();
        self.preemptions = 0;
        self.pruned = false;
        self.last = None;
    }

    /// Drops the tasks' futures (nothing they do any more is recorded), keeping their memory
    /// for the next run's tasks.
    pub(crate) fn drop_tasks<S>(&mut self, shared: &Shared<S>) {
        for fut in self.futures.drain(..).flatten() {
            recycle(shared, fut);
        }
    }

    /// Runs `model` to its end under `strategy`: the workload, then the settle tasks, then the
    /// checks at quiescence. The first violation ends the run.
    pub(crate) fn execute<M: Model>(
        &mut self,
        model: &M,
        shared: &Rc<Shared<M::State>>,
        strategy: &mut dyn Strategy,
    ) -> Result<Option<Violation>, Diverged> {
        let mut run = Run {
            model,
            shared,
            strategy,
            cx: Context::from_waker(Waker::noop()),
        };
        match self.phases(&mut run) {
            Ok(()) => Ok(None),
            Err(stop) => match *stop {
                Stop::Violation(v) => Ok(Some(v)),
                Stop::Diverged(d) => Err(d),
            },
        }
    }

    fn phases<M: Model>(&mut self, run: &mut Run<'_, M>) -> Went {
        let shared = run.shared;
        let fingerprinting = shared.core.borrow().fingerprinting;
        let forced_too = run.strategy.sees_forced_steps();
        run.model.workload(&mut Spawner::new(shared));
        self.start_spawned(run)?;
        let mut settled = false;
        // The last step's position among the candidates, when only its own task's candidate
        // can have changed (see `Native::update_candidates`).
        let mut kept: Option<usize> = None;
        loop {
            let collected = match kept.take() {
                Some(chosen) if self.update_candidates(shared, chosen) => Collected::Candidates,
                _ => self.collect_candidates(shared),
            };
            match collected {
                Collected::Candidates => {}
                Collected::ClockMoved => continue,
                Collected::OverLimit => return stopped(shared.core.borrow().over_limit()),
            }
            if fingerprinting && run.strategy.wants_configuration(&self.candidates) {
                if let Some(state) = run.model.fingerprint(&shared.state.borrow()) {
                    let configuration = shared.core.borrow().configuration(state);
                    run.strategy.configuration(configuration);
                }
            }
            if self.candidates.is_empty() {
                let core = shared.core.borrow();
                if core.tasks.iter().any(|t| !t.done) {
                    let message = core.describe_deadlock();
                    return stopped(Some(core.violation(
                        Kind::Deadlock,
                        "deadlock".into(),
                        message,
                    )));
                }
                drop(core);
                if settled {
                    break;
                }
                settled = true;
                shared.core.borrow_mut().record_with(|_| Event::Settle);
                run.model.settle(&mut Spawner::new(shared));
                self.start_spawned(run)?;
                continue;
            }
            let chosen = if self.candidates.len() == 1 && !forced_too {
                0
            } else {
                match run.strategy.next_task(&self.candidates)? {
                    Some(chosen) => chosen,
                    None => {
                        self.pruned = true;
                        return Ok(());
                    }
                }
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
            let plain = {
                let mut core = shared.core.borrow_mut();
                core.steps += 1;
                core.grant(task) == Some(Guard::Ready)
            };
            shared.woken.set(false);
            self.poll(task, run)?;
            // One look at the core for the rare aftermaths of a step.
            let (exited, spawned, ended) = {
                let core = shared.core.borrow();
                let ended = core.tasks[task as usize].done;
                (core.exited, !core.spawned.is_empty(), ended)
            };
            // A plain step (a `Cx::step`, not a lock, a wait or another primitive's step) that
            // changed nothing another task waits on leaves every other candidate as it was.
            if plain && !exited && !spawned && !ended && !shared.woken.get() {
                kept = Some(chosen);
            }
            if exited {
                self.end_phase(shared);
            }
            if spawned {
                self.start_spawned(run)?;
            }
            if let Some(v) = shared.check(When::EveryStep) {
                return stopped(Some(v));
            }
        }
        stopped(shared.check(When::Quiescence))
    }

    /// Fills `candidates` with the tasks whose step can be granted now. When none can but a
    /// timer is pending, advances the clock to it instead. Checks the step limit first, under
    /// the same borrow.
    fn collect_candidates<S>(&mut self, shared: &Shared<S>) -> Collected {
        let mut core = shared.core.borrow_mut();
        if core.steps >= core.max_steps {
            return Collected::OverLimit;
        }
        let next_timer = gather(&core, &mut self.candidates);
        if self.candidates.is_empty() {
            if let Some(at) = next_timer {
                core.now = at;
                return Collected::ClockMoved;
            }
        }
        Collected::Candidates
    }

    /// The candidates after a plain step of `candidates[chosen]` that woke nobody: every other
    /// candidate is as it was, so only the stepped task's entry is replaced by its next step.
    /// `false` when the full gathering is needed instead: the step limit is reached, or the
    /// task's next step is not plain either (a lock, a wait, a primitive's step, which other
    /// tasks' steps may depend on: a waiting writer holds readers back). Debug builds check
    /// the result against the full gathering.
    fn update_candidates<S>(&mut self, shared: &Shared<S>, chosen: usize) -> bool {
        let core = shared.core.borrow();
        if core.steps >= core.max_steps {
            return false;
        }
        let task = self.candidates[chosen].task;
        match &core.tasks[task as usize].wait {
            Some(w) if w.on == Guard::Ready => self.candidates[chosen] = w.step,
            _ => return false,
        }
        #[cfg(debug_assertions)]
        {
            let mut all = Vec::new();
            gather(&core, &mut all);
            debug_assert_eq!(
                self.candidates, all,
                "the candidates kept after a plain step"
            );
        }
        true
    }

    /// Polls a task that was granted its step, answering its picks on the way, until it waits
    /// for its next step or ends. What is rare on this path (a pick, a panic) is out of line,
    /// so that the common case, a task that waits for its next step, stays small.
    fn poll<M: Model>(&mut self, task: TaskId, run: &mut Run<'_, M>) -> Went {
        loop {
            let Some(fut) = self.futures[task as usize].as_mut() else {
                return Ok(());
            };
            let polled = panic::catch(|| Pin::new(fut).poll(&mut run.cx));
            let mut core = run.shared.core.borrow_mut();
            match polled {
                Ok(Poll::Pending) => match core.tasks[task as usize].wait {
                    Some(Wait {
                        on: Guard::Pick(n), ..
                    }) => {
                        drop(core);
                        self.answer_pick(task, n, run)?;
                    }
                    Some(_) => return Ok(()),
                    None if core.exited => return Ok(()),
                    None => return stopped(Some(foreign_future(&mut core, task))),
                },
                Ok(Poll::Ready(())) => {
                    drop(core);
                    self.ended(task, run.shared);
                    return Ok(());
                }
                Err(message) => return stopped(Some(panicked(&mut core, task, &message))),
            }
        }
    }

    /// Has the strategy answer `task`'s pick among `n`, which waits in its slot.
    #[inline(never)]
    fn answer_pick<M: Model>(
        &mut self,
        task: TaskId,
        n: u32,
        run: &mut Run<'_, M>,
    ) -> Result<(), Diverged> {
        let pick = {
            let mut core = run.shared.core.borrow_mut();
            let slot = &mut core.tasks[task as usize];
            let label = slot.wait.take().map_or("", |w| w.step.label);
            Pick {
                task,
                name: slot.name,
                label,
                of: n,
            }
        };
        let chosen = run.strategy.next_pick(pick)?;
        self.schedule.push(chosen);
        let mut core = run.shared.core.borrow_mut();
        core.answer(task, chosen);
        core.record_with(|_| Event::Pick {
            task,
            label: pick.label,
            chosen,
            of: n,
        });
        Ok(())
    }

    /// `task` ended: its future's memory goes back for a later task.
    fn ended<S>(&mut self, task: TaskId, shared: &Shared<S>) {
        shared.core.borrow_mut().tasks[task as usize].done = true;
        if let Some(fut) = self.futures[task as usize].take() {
            recycle(shared, fut);
        }
    }

    /// A task exited: every task of the phase ends where it stands, as threads do when their
    /// process exits (their futures drop without recording, so held locks vanish silently).
    fn end_phase<S>(&mut self, shared: &Shared<S>) {
        let mut core = shared.core.borrow_mut();
        core.exited = false;
        for t in core.tasks.iter_mut().filter(|t| !t.done) {
            t.done = true;
            t.wait = None;
        }
        core.spawned.clear();
        let record = std::mem::replace(&mut core.record, false);
        drop(core);
        for fut in self.futures.iter_mut().filter_map(Option::take) {
            recycle(shared, fut);
        }
        shared.core.borrow_mut().record = record;
    }

    /// Moves newly spawned futures into the task table and polls each to its first step.
    fn start_spawned<M: Model>(&mut self, run: &mut Run<'_, M>) -> Went {
        loop {
            let first = self.futures.len();
            {
                let mut core = run.shared.core.borrow_mut();
                if core.spawned.is_empty() {
                    return Ok(());
                }
                // A loop rather than `extend`, which did not inline and cost more than the
                // moves themselves.
                for fut in core.spawned.drain(..) {
                    self.futures.push(Some(fut));
                }
            }
            for task in first..self.futures.len() {
                self.poll(task as TaskId, run)?;
            }
        }
    }
}

/// Fills `out` with the candidates of `core`, the tasks whose step can be granted now, in task
/// order; returns the earliest pending timer of the others.
fn gather(core: &Core, out: &mut Vec<Candidate>) -> Option<Instant> {
    out.clear();
    let mut next_timer: Option<Instant> = None;
    for (i, t) in core.tasks.iter().enumerate() {
        let Some(w) = &t.wait else { continue };
        if ready(core, i as TaskId, w) {
            // Not `push(w.step)`, which copies the candidate to the stack on the way.
            out.extend_from_slice(std::slice::from_ref(&w.step));
        } else if let Some(at) = timer(w) {
            next_timer = Some(next_timer.map_or(at, |n| n.min(at)));
        }
    }
    next_timer
}

/// The instant a wait's timer fires: a sleep's end, or a wait's deadline.
fn timer(w: &Wait) -> Option<Instant> {
    match w.on {
        Guard::Time(at) => Some(at),
        _ => w.deadline,
    }
}

/// Whether `task`'s wait `w` can be granted now: its guard allows it, or its timer fired.
#[inline(always)]
fn ready(core: &Core, task: TaskId, w: &Wait) -> bool {
    core.grantable(task, w) || timer(w).is_some_and(|at| at <= core.now)
}

/// Drops an ended or abandoned task's future (with no borrow held: its locals' destructors,
/// a mutex guard's, reach the core) and keeps its memory for a later task.
fn recycle<S>(shared: &Shared<S>, fut: TaskFuture) {
    let block = fut.into_block();
    shared.core.borrow_mut().boxes.put(block);
}

/// The violation of `task`'s panic with `message`, which ended it. Cold, and out of line, so
/// that [`Native::poll`] stays small on the per-step path.
#[cold]
#[inline(never)]
fn panicked(core: &mut Core, task: TaskId, message: &str) -> Violation {
    let slot = &mut core.tasks[task as usize];
    slot.done = true;
    let message = format!("task `{}` panicked: {message}", slot.name);
    core.violation(Kind::Panic, panic::invariant(), message)
}

/// The violation of a task that awaited a future the executor does not know, which ended it.
#[cold]
#[inline(never)]
fn foreign_future(core: &mut Core, task: TaskId) -> Violation {
    let slot = &mut core.tasks[task as usize];
    slot.done = true;
    let message = format!(
        "task `{}` awaited a future that is not raceway's; \
         only Cx's steps, locks, sleeps, waits and joins can be awaited",
        slot.name
    );
    core.violation(Kind::Panic, "panic".into(), message)
}
