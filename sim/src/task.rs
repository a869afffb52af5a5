//! What a task sees: [`Cx`], its handle on the simulation.
//!
//! Tasks are plain async Rust. Every access to shared state is one [`Cx::step`]: the task
//! yields, the strategy decides who goes next, and when this task is chosen its closure runs
//! on the shared state, atomically, and the step is recorded. Code between two steps touches
//! only the task's own locals, so it needs no scheduling point. Locks, sleeps on the virtual
//! clock, events and joins are steps too: they wait until they can be granted.

use crate::executor::{Guard, Shared, Wait};
use crate::footprint::Footprint;
use crate::strategy::TaskId;
use crate::time::Instant;
use crate::trace::Event;
use std::borrow::Cow;
use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

/// A mutex shared by tasks, created with [`Spawner::mutex`](crate::Spawner::mutex).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MutexId(pub(crate) u32);

/// An event tasks wait for and notify (a condition variable), created with
/// [`Spawner::event`](crate::Spawner::event).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventId(pub(crate) u32);

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
        #[cfg(feature = "madsim")]
        if let Some(now) = crate::madsim_engine::now(&self.shared) {
            return now;
        }
        self.shared.core.borrow().now
    }

    /// A wait was granted: the madsim engine counts the step and checks the invariants of
    /// every step here (the native executor does so after each poll).
    fn granted(&self) {
        #[cfg(feature = "madsim")]
        crate::madsim_engine::granted(&self.shared);
    }

    /// One atomic step on the shared state: waits to be scheduled, then runs `access` and
    /// records the step with `label` (name it after the real call: `storage.Get(k)`) and what
    /// `access` returned. `footprint` declares the resources it touches.
    pub async fn step<R: Debug>(
        &self,
        label: &'static str,
        footprint: Footprint,
        access: impl FnOnce(&mut S) -> R,
    ) -> R {
        self.suspend(label, footprint, Guard::Ready, None).await;
        let result = access(&mut self.shared.state.borrow_mut());
        self.observe(&result);
        self.record(
            || Cow::Borrowed(label),
            footprint,
            || {
                let r = format!("{result:?}");
                (r != "()").then_some(r)
            },
        );
        self.granted();
        result
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
        #[cfg(feature = "madsim")]
        if let Some(chosen) = crate::madsim_engine::pick(&self.shared, self.task, label, n) {
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
        #[cfg(feature = "madsim")]
        let slept = if crate::madsim_engine::now(&self.shared).is_some() {
            crate::madsim_engine::transition_end(&self.shared);
            madsim::time::sleep(d).await;
            true
        } else {
            false
        };
        #[cfg(not(feature = "madsim"))]
        let slept = false;
        if !slept {
            let until = self.now().after(d);
            self.suspend("sleep", Footprint::NONE, Guard::Time(until), None)
                .await;
        }
        self.granted();
        self.record_lazy(Footprint::NONE, || {
            format!("sleep({})", Instant::ZERO.after(d))
        });
    }

    /// The run's mutex called `name`, created on first use (the same as
    /// [`Spawner::mutex`](crate::Spawner::mutex) with that name).
    pub fn mutex(&self, name: &'static str) -> MutexId {
        self.shared.core.borrow_mut().mutex(name)
    }

    /// The run's event called `name`, created on first use (the same as
    /// [`Spawner::event`](crate::Spawner::event) with that name).
    pub fn event(&self, name: &'static str) -> EventId {
        self.shared.core.borrow_mut().event(name)
    }

    /// Locks `mutex`, waiting while another task holds it; unlocks when the guard drops.
    /// Locking a mutex this task holds waits forever (a deadlock), as in Go.
    pub async fn lock(&self, mutex: MutexId) -> MutexGuard<S> {
        let name = self.shared.core.borrow().mutexes[mutex.0 as usize].name;
        let fp = Footprint::write(name);
        self.suspend("lock", fp, Guard::Mutex(mutex.0), None).await;
        self.shared.core.borrow_mut().mutexes[mutex.0 as usize].owner = Some(self.task);
        self.granted();
        self.record_lazy(fp, || format!("lock({name})"));
        MutexGuard {
            cx: self.clone(),
            mutex,
        }
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
        let wait = self.suspend("wait", Footprint::NONE, Guard::Event(event.0), deadline);
        #[cfg(feature = "madsim")]
        let waited = if crate::madsim_engine::now(&self.shared).is_some() {
            let timeout = deadline.map(|d| d.duration_since(self.now()));
            crate::madsim_engine::wait_event(&self.shared, self.task, wait.wait, timeout).await;
            true
        } else {
            false
        };
        #[cfg(not(feature = "madsim"))]
        let waited = false;
        if !waited {
            wait.await;
        }
        self.granted();
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
        let mut core = self.shared.core.borrow_mut();
        for t in core.tasks.iter_mut() {
            if matches!(t.wait, Some(Wait { on: Guard::Event(e), .. }) if e == event.0) {
                t.notified = true;
            }
        }
        #[cfg(feature = "madsim")]
        if let Some(mad) = core.madsim.as_mut() {
            mad.wake_parked();
        }
    }

    /// Waits until `task` has ended.
    pub async fn join(&self, task: TaskId) {
        self.suspend("join", Footprint::NONE, Guard::Join(task), None)
            .await;
        self.granted();
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
    pub fn spawn<F, Fut>(&self, name: &'static str, body: F) -> TaskId
    where
        F: FnOnce(Cx<S>) -> Fut,
        Fut: Future<Output = ()> + 'static,
    {
        crate::executor::spawn(&self.shared, name, body)
    }

    /// Spawns another task as a step of its own (a `pthread_create`, a `go` statement that
    /// the schedule may preempt): other tasks may run between this task's previous step and the
    /// spawn. [`Cx::spawn`] instead spawns within the current step.
    pub async fn spawn_step<F, Fut>(&self, name: &'static str, body: F) -> TaskId
    where
        F: FnOnce(Cx<S>) -> Fut,
        Fut: Future<Output = ()> + 'static,
    {
        self.suspend("spawn", Footprint::NONE, Guard::Ready, None)
            .await;
        let task = self.spawn(name, body);
        self.granted();
        self.record_lazy(Footprint::NONE, || format!("spawn({name})"));
        task
    }

    /// Exits the process, as a step: every other task of the phase (the workload, or the
    /// settle tasks) ends where it stands, without running further, as threads end when their
    /// `main` returns or calls `exit`. The run goes on with the settle phase and the quiescence
    /// invariants, which see the state as the exit left it. Never returns: code after it does
    /// not run. (Native engine only; the madsim engine does not end the other tasks.)
    pub async fn exit(&self) {
        self.suspend("exit", Footprint::NONE, Guard::Exit, None)
            .await;
        self.granted();
        self.record_lazy(Footprint::NONE, || "exit".to_string());
        self.shared.core.borrow_mut().exited = true;
        std::future::pending::<()>().await
    }

    fn suspend(
        &self,
        label: &'static str,
        footprint: Footprint,
        on: Guard,
        deadline: Option<Instant>,
    ) -> Suspend<'_, S> {
        Suspend {
            cx: self,
            wait: Wait {
                label,
                footprint,
                on,
                deadline,
            },
            registered: false,
        }
    }

    /// In a fingerprinted run, takes a step's result into the task's history, through its
    /// `Debug` text (written into the hasher, never into a string): a result type whose
    /// `Debug` hides a difference the task acts on would merge configurations that differ.
    fn observe<R: Debug>(&self, result: &R) {
        let mut core = self.shared.core.borrow_mut();
        if core.fingerprinting {
            let slot = &mut core.tasks[self.task as usize];
            slot.seen = crate::fingerprint::extend(slot.seen, |h| {
                let _ = std::fmt::Write::write_fmt(h, format_args!("{result:?}"));
            });
        }
    }

    /// Records a step whose label and result are built only when the run is recorded.
    fn record(
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
    fn record_lazy(&self, footprint: Footprint, label: impl FnOnce() -> String) {
        self.record(|| Cow::Owned(label()), footprint, || None);
    }
}

/// Holds a [`MutexId`] locked; unlocking when dropped is part of the task's current step.
pub struct MutexGuard<S: 'static> {
    cx: Cx<S>,
    mutex: MutexId,
}

impl<S: 'static> Drop for MutexGuard<S> {
    fn drop(&mut self) {
        // `try_`: a guard may drop while the run is torn down after a panic.
        if let Ok(mut core) = self.cx.shared.core.try_borrow_mut() {
            let m = &mut core.mutexes[self.mutex.0 as usize];
            m.owner = None;
            let name = m.name;
            #[cfg(feature = "madsim")]
            if let Some(mad) = core.madsim.as_mut() {
                mad.wake_parked();
            }
            let task = self.cx.task;
            core.record_with(|_| Event::Note {
                task,
                text: format!("unlock({name})"),
            });
        }
    }
}

/// The one hand-written future: registers the task's wait on its first poll and completes on
/// the next, which the executor makes only once it has granted the wait.
struct Suspend<'a, S: 'static> {
    cx: &'a Cx<S>,
    pub(crate) wait: Wait,
    registered: bool,
}

impl<S: 'static> Future for Suspend<'_, S> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        #[cfg(feature = "madsim")]
        if self.cx.shared.core.borrow().madsim.is_some() {
            let this = &mut *self;
            let (shared, task) = (&this.cx.shared, this.cx.task);
            return crate::madsim_engine::poll_suspend(
                shared,
                task,
                this.wait,
                &mut this.registered,
                _cx,
            );
        }
        if self.registered {
            return Poll::Ready(());
        }
        self.registered = true;
        let mut core = self.cx.shared.core.borrow_mut();
        let slot = &mut core.tasks[self.cx.task as usize];
        slot.wait = Some(self.wait);
        slot.notified = false;
        Poll::Pending
    }
}
