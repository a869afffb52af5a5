//! Synchronisation primitives beyond the plain mutex and event: explicit unlock, try-lock and
//! condition variables, with the semantics of Go's `sync` package (and of pthreads where they
//! agree).
//!
//! Each operation that can block or whose outcome depends on other tasks is a step of its own:
//! a try-lock is a step that synchronises (reductions treat it as dependent on every other, as
//! its result depends on who holds the mutex), a condition wait is a step granted only once
//! signalled. Releasing a mutex, signalling and broadcasting belong to the task's current step,
//! like the write they announce.
//!
//! A condition variable is an event with a queue of its waiters: [`Cx::wait_cond`] releases its
//! mutex and joins the queue atomically (no other task runs in between), [`Cx::signal`] wakes
//! the waiter that has waited longest (Go's `Cond.Signal`), [`Cx::broadcast`] wakes them all. A
//! signal with no waiter is lost, which is exactly the lost wake-up such code must avoid.
//! There are no spurious wake-ups.
//!
//! ```
//! use raceway_sim::{check_exhaustive, Footprint, Race};
//!
//! // A waiter re-checks its condition under the mutex; the setter signals under it.
//! let race = Race::new(|| false)
//!     .mutex("mu")
//!     .cond("ready")
//!     .task("waiter", |cx| async move {
//!         let mut held = cx.lock(cx.mutex("mu")).await;
//!         while !cx.step("ready?", Footprint::read("ready"), |r| *r).await {
//!             held = cx.wait_cond(cx.cond("ready"), held).await;
//!         }
//!         held.unlock();
//!     })
//!     .task("setter", |cx| async move {
//!         // try_lock never waits: it may find the waiter holding the mutex.
//!         let held = match cx.try_lock(cx.mutex("mu")).await {
//!             Some(held) => held,
//!             None => cx.lock(cx.mutex("mu")).await,
//!         };
//!         cx.step("ready = true", Footprint::write("ready"), |r| *r = true).await;
//!         cx.signal(cx.cond("ready"));
//!         let mu = held.keep(); // locked past the guard...
//!         cx.unlock(mu); // ...until an explicit unlock
//!     });
//! assert!(check_exhaustive(race).complete);
//! ```

use crate::cx::{CondId, Cx, MutexGuard, MutexId};
use crate::footprint::Footprint;
use crate::runtime::Guard;

impl<S: 'static> Cx<S> {
    /// Unlocks `mutex`, as Go's `Unlock`: any task may unlock a locked mutex, whoever locked
    /// it. Part of the current step.
    ///
    /// # Panics
    /// When `mutex` is not locked (Go: "fatal error: sync: unlock of unlocked mutex"): the
    /// run ends with a panic violation.
    #[track_caller]
    pub fn unlock(&self, mutex: MutexId) {
        let mut core = self.shared.core.borrow_mut();
        let m = &core.mutexes[mutex.0 as usize];
        if m.owner.is_none() {
            let name = m.name;
            drop(core);
            panic!("unlock of unlocked mutex `{name}`");
        }
        core.release(self.task, mutex.0);
        drop(core);
        self.wake_driver();
    }

    /// Tells the driver that a mutex was released or a waiter notified, so that a driver
    /// which parks waiting tasks (madsim's) looks at them again.
    pub(crate) fn wake_driver(&self) {
        self.shared.woke();
    }

    /// Tries to lock `mutex` without waiting: one step, which takes the mutex if it is free.
    /// `None` when another task (or this one) holds it.
    pub async fn try_lock(&self, mutex: MutexId) -> Option<MutexGuard<S>> {
        let name = self.shared.core.borrow().mutexes[mutex.0 as usize].name;
        let fp = Footprint::write(name);
        self.suspend("try_lock", fp, Guard::Synchronizing, None)
            .await;
        let taken = {
            let mut core = self.shared.core.borrow_mut();
            let m = &mut core.mutexes[mutex.0 as usize];
            let free = m.owner.is_none();
            if free {
                m.owner = Some(self.task);
            }
            free
        };
        self.record_lazy(fp, || format!("try_lock({name}) → {taken}"));
        taken.then(|| MutexGuard {
            cx: self.clone(),
            mutex,
        })
    }

    /// The run's condition variable called `name`, declared by
    /// [`Spawner::cond`](crate::Spawner::cond) or [`Race::cond`](crate::Race::cond).
    ///
    /// # Panics
    /// When none of that name was declared.
    #[track_caller]
    pub fn cond(&self, name: &str) -> CondId {
        let core = self.shared.core.borrow();
        match core.conds.iter().position(|c| c.name == name) {
            Some(i) => CondId(i as u32),
            None => {
                panic!("no condition variable `{name}` was declared (Spawner::cond, Race::cond)")
            }
        }
    }

    /// Waits on `cond`: releases the mutex `held` and starts waiting in one atomic move, then,
    /// once signalled, locks the mutex again (a step of its own, which may wait) and returns
    /// its guard. As with any condition variable, re-check the condition in a loop.
    pub async fn wait_cond(&self, cond: CondId, held: MutexGuard<S>) -> MutexGuard<S> {
        let mutex = held.mutex;
        drop(held);
        let (name, event) = {
            let mut core = self.shared.core.borrow_mut();
            let slot = &mut core.conds[cond.0 as usize];
            slot.waiters.push(self.task);
            (slot.name, slot.event)
        };
        // Registered in this same poll: no task runs between the release and the wait.
        self.suspend("wait", Footprint::NONE, Guard::Event(event), None)
            .await;
        self.record_lazy(Footprint::NONE, || format!("wait({name}) → signalled"));
        self.lock(mutex).await
    }

    /// Wakes the task that has waited on `cond` longest, if any (a signal with no waiter is
    /// lost). Part of the current step.
    pub fn signal(&self, cond: CondId) {
        self.shared.core.borrow_mut().wake_cond(cond.0, 1);
        self.wake_driver();
    }

    /// Wakes every task waiting on `cond`. Part of the current step.
    pub fn broadcast(&self, cond: CondId) {
        self.shared.core.borrow_mut().wake_cond(cond.0, usize::MAX);
        self.wake_driver();
    }
}
