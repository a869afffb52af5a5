//! What a task sees: [`Cx`], its handle on the simulation.
//!
//! Tasks are plain async Rust. Every access to shared state is one [`Cx::step`]: the task
//! yields, the strategy decides who goes next, and when this task is chosen its closure runs
//! on the shared state, atomically, and the step is recorded. Code between two steps touches
//! only the task's own locals, so it needs no scheduling point. Locks, sleeps on the virtual
//! clock, events and joins are steps too: they wait until they can be granted.

use crate::footprint::Footprint;
use crate::names::intern;
use crate::runtime::{Guard, Shared, TaskSlot, Wait};
use crate::strategy::{Candidate, TaskId};
use crate::task_box::TaskBox;
use crate::time::Instant;
use crate::trace::Event;
use std::borrow::Cow;
use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

/// A mutex shared by tasks, created with [`Spawner::mutex`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MutexId(pub(crate) u32);

/// An event tasks wait for and notify (a condition variable), created with
/// [`Spawner::event`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventId(pub(crate) u32);

/// A condition variable, declared with [`Spawner::cond`] or
/// [`Race::cond`](crate::Race::cond).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CondId(pub(crate) u32);

/// A task's handle on the simulation: its steps, picks, clock, locks and events.
pub struct Cx<S: 'static> {
    pub(crate) shared: Rc<Shared<S>>,
    pub(crate) task: TaskId,
}

impl<S> Clone for Cx<S> {
    fn clone(&self) -> Self {
        Self {
            shared: self.shared.clone(),
            task: self.task,
        }
    }
}

impl<S: 'static> Cx<S> {
    /// This task's id.
    pub fn id(&self) -> TaskId {
        self.task
    }

    /// The virtual time now.
    pub fn now(&self) -> Instant {
        self.shared.driver.borrow().now(&self.shared)
    }

    /// What [`Cx::observe`] and [`Cx::record`] do for a plain step, under one borrow of the
    /// core: on the per-step path, an unrecorded run pays for two flag tests and no more.
    #[inline(always)]
    pub(crate) fn took<R: Debug>(&self, label: &'static str, footprint: &Footprint, result: &R) {
        let keeps = {
            let core = self.shared.core.borrow();
            core.fingerprinting || core.record
        };
        if keeps {
            self.keep_step(label, footprint, result);
        }
    }

    #[inline(never)]
    fn keep_step<R: Debug>(&self, label: &'static str, footprint: &Footprint, result: &R) {
        let mut core = self.shared.core.borrow_mut();
        if core.fingerprinting {
            observe_into(&mut core.tasks[self.task as usize], result);
        }
        let task = self.task;
        core.record_with(|time| Event::Step {
            task,
            label: Cow::Borrowed(label),
            footprint: *footprint,
            result: shown(result),
            time,
        });
    }

    /// Updates the checker's ghost state at once, without a step: results of the settle
    /// phase, histories of what tasks observed and when. Ghost fields exist for invariants
    /// only; the modelled system never reads them, so writing them needs no scheduling point.
    /// Never use this for the system's own shared state: that is what [`Cx::step`] is for.
    pub fn ghost<R>(&self, update: impl FnOnce(&mut S) -> R) -> R {
        update(&mut self.shared.state.borrow_mut())
    }

    /// A choice among `n` options that the strategy makes: a fault fires, which stale version
    /// a read returns. Option 0 is by convention the path without a fault. A pick is not a
    /// scheduling point: no other task runs between it and this task's next step.
    pub async fn pick(&self, label: &'static str, n: u32) -> u32 {
        if n <= 1 {
            return 0;
        }
        let answered = self
            .shared
            .driver
            .borrow()
            .pick(&self.shared, self.task, label, n);
        if let Some(chosen) = answered {
            return chosen;
        }
        self.suspend(label, Footprint::NONE, Guard::Pick(n), None)
            .await;
        self.shared.core.borrow().tasks[self.task as usize].answer
    }

    /// A yes-or-no pick: `true` when the strategy takes option 1 (the fault).
    pub async fn decide(&self, label: &'static str) -> bool {
        self.pick(label, 2).await == 1
    }

    /// Sleeps `d` of virtual time. The clock moves only when no task can step, so a sleeping
    /// task lets every other task finish what it can first.
    pub async fn sleep(&self, d: Duration) {
        let until = self.now().after(d);
        self.suspend("sleep", Footprint::NONE, Guard::Time(until), None)
            .await;
        self.record_lazy(Footprint::NONE, || {
            format!("sleep({})", Instant::ZERO.after(d))
        });
    }

    /// The run's mutex called `name`, declared by [`Spawner::mutex`] or
    /// [`Race::mutex`](crate::Race::mutex).
    ///
    /// # Panics
    /// When no mutex of that name was declared (a misspelt name): the run ends with a panic
    /// violation that names it.
    #[track_caller]
    pub fn mutex(&self, name: &str) -> MutexId {
        let core = self.shared.core.borrow();
        match core.mutexes.iter().position(|m| m.name == name) {
            Some(i) => MutexId(i as u32),
            None => panic!("no mutex `{name}` was declared (Spawner::mutex, Race::mutex)"),
        }
    }

    /// The run's event called `name`, declared by [`Spawner::event`] or
    /// [`Race::event`](crate::Race::event).
    ///
    /// # Panics
    /// When no event of that name was declared.
    #[track_caller]
    pub fn event(&self, name: &str) -> EventId {
        let core = self.shared.core.borrow();
        match core.events.iter().position(|e| *e == name) {
            Some(i) => EventId(i as u32),
            None => panic!("no event `{name}` was declared (Spawner::event, Race::event)"),
        }
    }

    /// Locks `mutex`, waiting while another task holds it; unlocks when the guard drops (or
    /// at [`MutexGuard::unlock`]). Locking a mutex this task holds waits forever (a deadlock),
    /// as in Go.
    pub async fn lock(&self, mutex: MutexId) -> MutexGuard<S> {
        self.acquire(mutex).await;
        MutexGuard {
            cx: self.clone(),
            mutex,
        }
    }

    /// Locks `mutex` without a guard: it stays locked until some task calls [`Cx::unlock`]
    /// (Go's `Lock`/`Unlock` pair, a lock released in another function, or never).
    pub async fn acquire(&self, mutex: MutexId) {
        let name = self.shared.core.borrow().mutexes[mutex.0 as usize].name;
        let fp = Footprint::write(name);
        self.suspend("lock", fp, Guard::Mutex(mutex.0), None).await;
        self.shared.core.borrow_mut().mutexes[mutex.0 as usize].owner = Some(self.task);
        self.record_lazy(fp, || format!("lock({name})"));
    }

    /// Waits until another task notifies `event`.
    pub async fn wait(&self, event: EventId) {
        self.wait_until(event, None).await;
    }

    /// Waits until another task notifies `event` or `d` of virtual time passes; `true` when
    /// notified.
    pub async fn wait_timeout(&self, event: EventId, d: Duration) -> bool {
        let deadline = self.now().after(d);
        self.wait_until(event, Some(deadline)).await
    }

    async fn wait_until(&self, event: EventId, deadline: Option<Instant>) -> bool {
        self.suspend("wait", Footprint::NONE, Guard::Event(event.0), deadline)
            .await;
        let (name, notified) = {
            let core = self.shared.core.borrow();
            (
                core.events[event.0 as usize],
                core.tasks[self.task as usize].notified,
            )
        };
        self.record_lazy(Footprint::NONE, || {
            let how = if notified { "notified" } else { "timed out" };
            format!("wait({name}) → {how}")
        });
        notified
    }

    /// Wakes every task waiting for `event` now. Not a step of its own: it belongs to this
    /// task's last step, like the write that it announces.
    pub fn notify(&self, event: EventId) {
        for t in self.shared.core.borrow_mut().tasks.iter_mut() {
            if matches!(t.wait, Some(Wait { on: Guard::Event(e), .. }) if e == event.0) {
                t.notified = true;
            }
        }
        self.shared.woke();
    }

    /// Waits until `task` has ended.
    pub async fn join(&self, task: TaskId) {
        self.suspend("join", Footprint::NONE, Guard::Join(task), None)
            .await;
        let name = self.shared.core.borrow().tasks[task as usize].name;
        self.record_lazy(Footprint::NONE, || format!("join({name})"));
    }

    /// Adds a note to the trace (a cost counter, a decision); `text` runs only when the run is
    /// recorded.
    pub fn note(&self, text: impl FnOnce() -> String) {
        let task = self.task;
        self.shared
            .core
            .borrow_mut()
            .record_with(|_| Event::Note { task, text: text() });
    }

    /// Spawns another task, goroutine-like; it starts at once and takes its first step when
    /// the strategy chooses it.
    pub fn spawn<F, Fut>(&self, name: impl Into<Cow<'static, str>>, body: F) -> TaskId
    where
        F: FnOnce(Cx<S>) -> Fut,
        Fut: Future<Output = ()> + 'static,
    {
        spawn(&self.shared, intern(name), body)
    }

    /// Spawns another task as a step of its own (a `pthread_create`, a `go` statement that
    /// the schedule may preempt): other tasks may run between this task's previous step and the
    /// spawn. [`Cx::spawn`] instead spawns within the current step.
    pub async fn spawn_step<F, Fut>(&self, name: impl Into<Cow<'static, str>>, body: F) -> TaskId
    where
        F: FnOnce(Cx<S>) -> Fut,
        Fut: Future<Output = ()> + 'static,
    {
        let name = intern(name);
        self.suspend("spawn", Footprint::NONE, Guard::Ready, None)
            .await;
        let task = self.spawn(name, body);
        self.record_lazy(Footprint::NONE, || format!("spawn({name})"));
        task
    }

    /// Exits the process, as a step: every other task of the phase (the workload, or the
    /// settle tasks) ends where it stands, without running further, as threads end when their
    /// `main` returns or calls `exit`. The run goes on with the settle phase and the quiescence
    /// invariants, which see the state as the exit left it. Never returns: code after it does
    /// not run. (Native engine only; the second engine's driver does not end the other tasks.)
    pub async fn exit(&self) {
        self.suspend("exit", Footprint::NONE, Guard::Synchronizing, None)
            .await;
        self.record_lazy(Footprint::NONE, || "exit".to_string());
        self.shared.core.borrow_mut().exited = true;
        std::future::pending::<()>().await
    }

    /// Registers this task's next step in its slot, where the executor looks for candidates,
    /// and returns the future that waits until the step is granted. Call it only where it is
    /// awaited at once: a task has one pending step.
    pub(crate) fn suspend(
        &self,
        label: &'static str,
        footprint: Footprint,
        on: Guard,
        deadline: Option<Instant>,
    ) -> Suspend {
        self.register(label, footprint, on, deadline);
        Suspend { granted: false }
    }

    /// Writes this task's next step into its slot.
    #[inline(always)]
    pub(crate) fn register(
        &self,
        label: &'static str,
        footprint: Footprint,
        on: Guard,
        deadline: Option<Instant>,
    ) {
        let mut core = self.shared.core.borrow_mut();
        let ordered = core.history.orders_steps();
        let slot = &mut core.tasks[self.task as usize];
        slot.wait = Some(Wait {
            step: Candidate {
                task: self.task,
                name: slot.name,
                label,
                footprint,
                synchronizes: ordered || on.synchronizes(),
            },
            on,
            deadline,
        });
        slot.notified = false;
    }

    /// In a fingerprinted run, takes a step's result into the task's history, through its
    /// `Debug` text (written into the hasher, never into a string): a result type whose
    /// `Debug` hides a difference the task acts on would merge configurations that differ.
    pub(crate) fn observe<R: Debug>(&self, result: &R) {
        let mut core = self.shared.core.borrow_mut();
        if core.fingerprinting {
            observe_into(&mut core.tasks[self.task as usize], result);
        }
    }

    /// Records a step whose label and result are built only when the run is recorded.
    pub(crate) fn record(
        &self,
        label: impl FnOnce() -> Cow<'static, str>,
        footprint: Footprint,
        result: impl FnOnce() -> Option<String>,
    ) {
        let task = self.task;
        self.shared
            .core
            .borrow_mut()
            .record_with(|time| Event::Step {
                task,
                label: label(),
                footprint,
                result: result(),
                time,
            });
    }

    /// Records a step of the engine's own (a lock, a sleep) with a formatted label.
    pub(crate) fn record_lazy(&self, footprint: Footprint, label: impl FnOnce() -> String) {
        self.record(|| Cow::Owned(label()), footprint, || None);
    }
}

/// A step's result as the trace shows it: its `Debug`, or nothing for `()`.
pub(crate) fn shown<R: Debug>(result: &R) -> Option<String> {
    let r = format!("{result:?}");
    (r != "()").then_some(r)
}

/// Takes a step's result into the history of the task of `slot` (see [`Cx::observe`]).
fn observe_into<R: Debug>(slot: &mut TaskSlot, result: &R) {
    slot.seen = crate::fingerprint::extend(slot.seen, |h| {
        let _ = std::fmt::Write::write_fmt(h, format_args!("{result:?}"));
    });
}

/// Holds a [`MutexId`] locked; unlocking when dropped is part of the task's current step.
pub struct MutexGuard<S: 'static> {
    pub(crate) cx: Cx<S>,
    pub(crate) mutex: MutexId,
}

impl<S: 'static> MutexGuard<S> {
    /// Unlocks now (the same as dropping the guard), for code that reads better with an
    /// explicit unlock.
    pub fn unlock(self) {}

    /// Keeps the mutex locked past the guard: it stays locked until some task calls
    /// [`Cx::unlock`] (or for good, when the task ends holding it).
    pub fn keep(self) -> MutexId {
        let mutex = self.mutex;
        std::mem::forget(self);
        mutex
    }
}

impl<S: 'static> Drop for MutexGuard<S> {
    fn drop(&mut self) {
        // `try_`: a guard may drop while the run is torn down after a panic.
        if let Ok(mut core) = self.cx.shared.core.try_borrow_mut() {
            core.release(self.cx.task, self.mutex.0);
            drop(core);
            self.cx.shared.woke();
        }
    }
}

/// A task's wait for its next step, registered in its slot by [`Cx::suspend`]: pending on its
/// first poll, done on the next, which the driver makes only once it has granted the wait (see
/// [`Driver`](crate::runtime::Driver)).
pub(crate) struct Suspend {
    granted: bool,
}

impl Future for Suspend {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if std::mem::replace(&mut self.granted, true) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// Spawns a task on the run of `shared`: its slot and its future, which the driver starts.
fn spawn<S: 'static, F, Fut>(shared: &Rc<Shared<S>>, name: &'static str, body: F) -> TaskId
where
    F: FnOnce(Cx<S>) -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    let (task, block) = {
        let mut core = shared.core.borrow_mut();
        (core.tasks.len() as TaskId, core.boxes.block::<Fut>())
    };
    let cx = Cx {
        shared: shared.clone(),
        task,
    };
    let fut = TaskBox::new_in(block, || body(cx));
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
    drop(core);
    shared.driver.borrow().spawned();
    task
}

/// Creates a run's tasks, mutexes and events; handed to [`Model::workload`] and
/// [`Model::settle`](crate::Model::settle).
///
/// [`Model::workload`]: crate::Model::workload
pub struct Spawner<'a, S: 'static> {
    pub(crate) shared: &'a Rc<Shared<S>>,
}

impl<'a, S: 'static> Spawner<'a, S> {
    pub(crate) fn new(shared: &'a Rc<Shared<S>>) -> Self {
        Self { shared }
    }

    /// Spawns a task named `name` running `body`; ids are given in spawn order.
    pub fn spawn<F, Fut>(&mut self, name: impl Into<Cow<'static, str>>, body: F) -> TaskId
    where
        F: FnOnce(Cx<S>) -> Fut,
        Fut: Future<Output = ()> + 'static,
    {
        spawn(self.shared, intern(name), body)
    }

    /// Declares the run's mutex called `name` (the resource its lock steps touch: `mu`,
    /// `store1.mu`), created unlocked the first time. A name is the mutex's identity within a
    /// run, so the settle phase reaches the workload's mutexes by declaring them again; tasks
    /// reach a declared mutex with [`Cx::mutex`], where an undeclared name is an error.
    pub fn mutex(&mut self, name: impl Into<Cow<'static, str>>) -> MutexId {
        MutexId(self.shared.core.borrow_mut().mutex(intern(name)))
    }

    /// Declares the run's event called `name`, for [`Cx::wait`] and [`Cx::notify`]; like
    /// mutexes, the same name gives the same event.
    pub fn event(&mut self, name: impl Into<Cow<'static, str>>) -> EventId {
        EventId(self.shared.core.borrow_mut().event(intern(name)))
    }

    /// Declares the run's condition variable called `name` (see [`Cx::wait_cond`]).
    pub fn cond(&mut self, name: impl Into<Cow<'static, str>>) -> CondId {
        CondId(self.shared.core.borrow_mut().cond(intern(name)))
    }
}
