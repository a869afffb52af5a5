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
use crate::runtime::{Driver, Guard, Shared, TaskFuture, Wait};
use crate::schedule::Schedule;
use crate::strategy::{Candidate, Diverged, Pick, Strategy, TaskId};
use crate::time::Instant;
use crate::trace::{Event, Violation};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// The native executor's side of [`Driver`]: a wait is registered on its first poll and
/// granted on the next, which the executor makes only once it has chosen the task.
pub(crate) struct NativeDriver;

impl<S> Driver<S> for NativeDriver {
    fn suspend(
        &self,
        shared: &Shared<S>,
        task: TaskId,
        wait: &Wait,
        registered: &mut bool,
        _cx: &mut Context<'_>,
    ) -> Poll<()> {
        if *registered {
            return Poll::Ready(());
        }
        *registered = true;
        let mut core = shared.core.borrow_mut();
        let slot = &mut core.tasks[task as usize];
        slot.wait = Some(*wait);
        slot.notified = false;
        Poll::Pending
    }

    fn now(&self, shared: &Shared<S>) -> Instant {
        shared.core.borrow().now
    }

    fn pick(&self, _: &Shared<S>, _: TaskId, _: &'static str, _: u32) -> Option<u32> {
        None
    }

    fn granted(&self, _: &Shared<S>) {}

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

/// What one call of the executor needs: the model, its shared state, the strategy.
struct Run<'a, M: Model> {
    model: &'a M,
    shared: &'a Rc<Shared<M::State>>,
    strategy: &'a mut dyn Strategy,
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

    /// Drops the tasks' futures (nothing they do any more is recorded).
    pub(crate) fn drop_tasks(&mut self) {
        self.futures.clear();
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
        };
        self.phases(&mut run)
    }

    fn phases<M: Model>(&mut self, run: &mut Run<'_, M>) -> Result<Option<Violation>, Diverged> {
        let shared = run.shared;
        run.model.workload(&mut Spawner::new(shared));
        if let Some(v) = self.start_spawned(run)? {
            return Ok(Some(v));
        }
        let mut settled = false;
        loop {
            if let Some(v) = shared.core.borrow().over_limit() {
                return Ok(Some(v));
            }
            if self.collect_candidates(shared) {
                continue;
            }
            if run.strategy.wants_configuration(&self.candidates) {
                if let Some(state) = run.model.fingerprint(&shared.state.borrow()) {
                    let configuration = shared.core.borrow().configuration(state);
                    run.strategy.configuration(configuration);
                }
            }
            if self.candidates.is_empty() {
                let core = shared.core.borrow();
                if core.tasks.iter().any(|t| !t.done) {
                    let message = core.describe_deadlock();
                    return Ok(Some(core.violation(
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
                if let Some(v) = self.start_spawned(run)? {
                    return Ok(Some(v));
                }
                continue;
            }
            let Some(chosen) = run.strategy.next_task(&self.candidates)? else {
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
            {
                let mut core = shared.core.borrow_mut();
                core.grant(task);
                core.steps += 1;
            }
            if let Some(v) = self.poll(task, run)? {
                return Ok(Some(v));
            }
            if shared.core.borrow().exited {
                self.end_phase(shared);
            }
            if let Some(v) = self.start_spawned(run)? {
                return Ok(Some(v));
            }
            if let Some(v) = shared.check(When::EveryStep) {
                return Ok(Some(v));
            }
        }
        Ok(shared.check(When::Quiescence))
    }

    /// Fills `candidates` with the tasks whose step can be granted now. When none can but a
    /// timer is pending, advances the clock to it instead and returns `true`.
    fn collect_candidates<S>(&mut self, shared: &Shared<S>) -> bool {
        self.candidates.clear();
        let mut core = shared.core.borrow_mut();
        let now = core.now;
        let mut next_timer: Option<Instant> = None;
        for (i, t) in core.tasks.iter().enumerate() {
            let Some(w) = t.wait else { continue };
            let timer = match w.on {
                Guard::Time(at) => Some(at),
                _ => w.deadline,
            };
            let ready = core.grantable(i as TaskId, &w) || timer.is_some_and(|at| at <= now);
            if ready {
                self.candidates.push(Candidate {
                    task: i as TaskId,
                    name: t.name,
                    label: w.label,
                    footprint: w.footprint,
                    synchronizes: w.on.synchronizes() || core.history.orders_steps(),
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
    fn poll<M: Model>(
        &mut self,
        task: TaskId,
        run: &mut Run<'_, M>,
    ) -> Result<Option<Violation>, Diverged> {
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            let Some(fut) = self.futures[task as usize].as_mut() else {
                return Ok(None);
            };
            let polled = panic::catch(|| fut.as_mut().poll(&mut cx));
            let mut core = run.shared.core.borrow_mut();
            let exited = core.exited;
            let slot = &mut core.tasks[task as usize];
            let name = slot.name;
            match polled {
                Err(message) => {
                    slot.done = true;
                    let message = format!("task `{name}` panicked: {message}");
                    return Ok(Some(core.violation(
                        Kind::Panic,
                        panic::invariant(),
                        message,
                    )));
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
                        let chosen = run.strategy.next_pick(pick)?;
                        self.schedule.push(chosen);
                        let mut core = run.shared.core.borrow_mut();
                        core.answer(task, chosen);
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
                        let message = format!(
                            "task `{name}` awaited a future that is not raceway's; \
                             only Cx's steps, locks, sleeps, waits and joins can be awaited"
                        );
                        return Ok(Some(core.violation(Kind::Panic, "panic".into(), message)));
                    }
                },
            }
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
        self.futures.iter_mut().for_each(|f| *f = None);
        shared.core.borrow_mut().record = record;
    }

    /// Moves newly spawned futures into the task table and polls each to its first step.
    fn start_spawned<M: Model>(
        &mut self,
        run: &mut Run<'_, M>,
    ) -> Result<Option<Violation>, Diverged> {
        loop {
            let first = self.futures.len();
            {
                let mut core = run.shared.core.borrow_mut();
                if core.spawned.is_empty() {
                    return Ok(None);
                }
                self.futures.extend(core.spawned.drain(..).map(Some));
            }
            for task in first..self.futures.len() {
                if let Some(v) = self.poll(task as TaskId, run)? {
                    return Ok(Some(v));
                }
            }
        }
    }
}
