//! Read-write locks with the semantics of Go's `sync.RWMutex`: any number of readers or one
//! writer, and a writer that waits keeps new readers out.
//!
//! A write lock is Go's two halves: first the writer announces itself (a step that waits
//! while another writer holds or waits for the lock), which keeps new readers out, then it
//! waits for the readers inside to leave (a second step, taken only when some were inside).
//! So a reader that read-locks twice while a writer arrives deadlocks, as in Go. Read locks
//! read the lock's name and write locks write it, so two read locks commute under reduction;
//! a writer's announcement synchronises with every step (whether it must wait for readers
//! depends on read unlocks, which belong to the task's current step, as for mutexes).
//!
//! ```
//! use raceway_sim::{check_exhaustive, Footprint, Race};
//!
//! // Readers share the lock; the writer excludes them.
//! let race = Race::new(|| (0u32, 0u32))
//!     .rwlock("rw")
//!     .task("writer", |cx| async move {
//!         let _w = cx.write(cx.rwlock("rw")).await;
//!         cx.step("x = 1", Footprint::write("x"), |s: &mut (u32, u32)| s.0 = 1).await;
//!         cx.step("y = 1", Footprint::write("y"), |s| s.1 = 1).await;
//!     })
//!     .task("reader", |cx| async move {
//!         let r = cx.read(cx.rwlock("rw")).await;
//!         let x = cx.step("x", Footprint::read("x"), |s| s.0).await;
//!         let y = cx.step("y", Footprint::read("y"), |s| s.1).await;
//!         assert_eq!(x, y, "a reader never sees half a write");
//!         r.unlock();
//!     });
//! assert!(check_exhaustive(race).complete);
//! ```

use crate::cx::{Cx, Spawner};
use crate::footprint::Footprint;
use crate::names::intern;
use crate::prims::{declare, lookup, Blocked, RwSlot};
use crate::runtime::Guard;
use crate::trace::Event;
use std::borrow::Cow;

/// A read-write lock, declared with [`Spawner::rwlock`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RwLockId(u32);

impl<'a, S: 'static> Spawner<'a, S> {
    /// Declares the run's read-write lock called `name`, created unlocked the first time.
    pub fn rwlock(&mut self, name: impl Into<Cow<'static, str>>) -> RwLockId {
        let name = intern(name);
        let mut core = self.shared.core.borrow_mut();
        let make = || RwSlot {
            name,
            readers: 0,
            writer: None,
            written: false,
        };
        RwLockId(declare(&mut core.prims.rwlocks, name, |l| l.name, make))
    }
}

impl<S: 'static> Cx<S> {
    /// The run's read-write lock called `name`, declared by [`Spawner::rwlock`] or
    /// [`Race::rwlock`](crate::Race::rwlock).
    ///
    /// # Panics
    /// When none of that name was declared.
    #[track_caller]
    pub fn rwlock(&self, name: &str) -> RwLockId {
        let core = self.shared.core.borrow();
        RwLockId(lookup(&core.prims.rwlocks, name, |l| l.name, "rwlock"))
    }

    fn rw_name(&self, lock: RwLockId) -> &'static str {
        self.shared.core.borrow().prims.rwlocks[lock.0 as usize].name
    }

    /// Read-locks `lock` until the guard drops (or [`ReadGuard::unlock`]). Go's `RLock`.
    pub async fn read(&self, lock: RwLockId) -> ReadGuard<S> {
        self.read_lock(lock).await;
        ReadGuard {
            cx: self.clone(),
            lock,
        }
    }

    /// Write-locks `lock` until the guard drops (or [`WriteGuard::unlock`]). Go's `Lock`.
    pub async fn write(&self, lock: RwLockId) -> WriteGuard<S> {
        self.write_lock(lock).await;
        WriteGuard {
            cx: self.clone(),
            lock,
        }
    }

    /// Read-locks `lock` without a guard, until [`Cx::read_unlock`]: waits while a writer holds
    /// it or waits for it.
    pub async fn read_lock(&self, lock: RwLockId) {
        let name = self.rw_name(lock);
        let fp = Footprint::read(name);
        let on = Guard::prim(Blocked::Read(lock.0));
        self.suspend("read_lock", fp, on, None).await;
        self.shared.core.borrow_mut().prims.rwlocks[lock.0 as usize].readers += 1;
        self.record_lazy(fp, || format!("read_lock({name})"));
    }

    /// Write-locks `lock` without a guard, until [`Cx::write_unlock`]: announces itself once
    /// no other writer holds or waits for it, then waits for the readers to leave.
    pub async fn write_lock(&self, lock: RwLockId) {
        let name = self.rw_name(lock);
        let fp = Footprint::write(name);
        let on = Guard::prim(Blocked::Write(lock.0));
        self.suspend("write_lock", fp, on, None).await;
        let readers = {
            let mut core = self.shared.core.borrow_mut();
            let l = &mut core.prims.rwlocks[lock.0 as usize];
            l.writer = Some(self.task);
            l.written = l.readers == 0;
            l.readers
        };
        if readers > 0 {
            self.record_lazy(fp, || {
                format!("write_lock({name}) waits for {readers} readers")
            });
            let on = Guard::prim(Blocked::Drain(lock.0));
            self.suspend("write_lock", fp, on, None).await;
            self.shared.core.borrow_mut().prims.rwlocks[lock.0 as usize].written = true;
        }
        self.record_lazy(fp, || format!("write_lock({name})"));
    }

    /// Leaves a read lock, as part of the current step. Go's `RUnlock`.
    ///
    /// # Panics
    /// When no reader holds `lock`.
    #[track_caller]
    pub fn read_unlock(&self, lock: RwLockId) {
        if !self.leave(lock, false) {
            let name = self.rw_name(lock);
            panic!("read_unlock of rwlock `{name}`, which no reader holds");
        }
    }

    /// Releases a write lock, as part of the current step. Go's `Unlock`.
    ///
    /// # Panics
    /// When no writer holds `lock`.
    #[track_caller]
    pub fn write_unlock(&self, lock: RwLockId) {
        if !self.leave(lock, true) {
            let name = self.rw_name(lock);
            panic!("write_unlock of rwlock `{name}`, which no writer holds");
        }
    }

    /// Leaves `lock` as its writer or one of its readers; `false` when not held so. Never
    /// panics: guards call it as they drop, also while a run is torn down.
    fn leave(&self, lock: RwLockId, write: bool) -> bool {
        let Ok(mut core) = self.shared.core.try_borrow_mut() else {
            return true;
        };
        let l = &mut core.prims.rwlocks[lock.0 as usize];
        let name = l.name;
        if write {
            if !l.written {
                return false;
            }
            l.writer = None;
            l.written = false;
        } else {
            if l.readers == 0 {
                return false;
            }
            l.readers -= 1;
        }
        let task = self.task;
        core.record_with(|_| Event::Note {
            task,
            text: format!("{}_unlock({name})", if write { "write" } else { "read" }),
        });
        drop(core);
        self.shared.woke();
        true
    }
}

/// Holds a read lock; leaving it when dropped is part of the task's current step.
pub struct ReadGuard<S: 'static> {
    cx: Cx<S>,
    lock: RwLockId,
}

impl<S: 'static> ReadGuard<S> {
    /// Leaves the read lock now (the same as dropping the guard).
    pub fn unlock(self) {}
}

impl<S: 'static> Drop for ReadGuard<S> {
    fn drop(&mut self) {
        self.cx.leave(self.lock, false);
    }
}

/// Holds a write lock; releasing it when dropped is part of the task's current step.
pub struct WriteGuard<S: 'static> {
    cx: Cx<S>,
    lock: RwLockId,
}

impl<S: 'static> WriteGuard<S> {
    /// Releases the write lock now (the same as dropping the guard).
    pub fn unlock(self) {}
}

impl<S: 'static> Drop for WriteGuard<S> {
    fn drop(&mut self) {
        self.cx.leave(self.lock, true);
    }
}
