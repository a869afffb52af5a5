//! Counting semaphores (Go's `golang.org/x/sync/semaphore.Weighted`, a pthread `sem_t`): a
//! number of permits that tasks acquire and release, several at a time.
//!
//! Acquiring is a step that waits until enough permits are free and writes the semaphore's
//! name; releasing belongs to the task's current step. Departure from `Weighted`: waiters are
//! not served in order, so a small acquire may overtake a large one that waits (as with
//! `sem_t`); the model explores both orders.
//!
//! ```
//! use raceway_sim::{check_exhaustive, Footprint, Invariant, Race};
//!
//! // Two permits, three workers: never more than two inside at once.
//! let worker = |cx: raceway_sim::Cx<(u32, u32)>| async move {
//!     let slots = cx.semaphore("slots");
//!     cx.acquire_permits(slots, 1).await;
//!     cx.step("enter", Footprint::write("inside"), |s| { s.0 += 1; s.1 = s.1.max(s.0) }).await;
//!     cx.step("leave", Footprint::write("inside"), |s| s.0 -= 1).await;
//!     cx.release_permits(slots, 1);
//! };
//! let race = Race::new(|| (0, 0))
//!     .semaphore("slots", 2)
//!     .task("w1", worker)
//!     .task("w2", worker)
//!     .task("w3", worker)
//!     .invariant(Invariant::convergence("at-most-two", |s: &(u32, u32)| {
//!         if s.1 <= 2 { Ok(()) } else { Err(format!("{} inside at once", s.1)) }
//!     }));
//! assert!(check_exhaustive(race).complete);
//! ```

use crate::cx::{Cx, Spawner};
use crate::footprint::Footprint;
use crate::names::intern;
use crate::prims::{declare, lookup, Blocked, Counter};
use crate::runtime::Guard;
use crate::trace::Event;
use std::borrow::Cow;

/// A counting semaphore, declared with [`Spawner::semaphore`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SemaphoreId(u32);

impl<'a, S: 'static> Spawner<'a, S> {
    /// Declares the run's semaphore called `name`, with `permits` permits, all free the first
    /// time.
    pub fn semaphore(&mut self, name: impl Into<Cow<'static, str>>, permits: u32) -> SemaphoreId {
        let name = intern(name);
        let mut core = self.shared.core.borrow_mut();
        let make = || Counter {
            name,
            count: permits.into(),
            size: permits.into(),
        };
        SemaphoreId(declare(&mut core.prims.semaphores, name, |s| s.name, make))
    }
}

impl<S: 'static> Cx<S> {
    /// The run's semaphore called `name`, declared by [`Spawner::semaphore`] or
    /// [`Race::semaphore`](crate::Race::semaphore).
    ///
    /// # Panics
    /// When none of that name was declared.
    #[track_caller]
    pub fn semaphore(&self, name: &str) -> SemaphoreId {
        let core = self.shared.core.borrow();
        SemaphoreId(lookup(
            &core.prims.semaphores,
            name,
            |s| s.name,
            "semaphore",
        ))
    }

    /// Acquires `n` permits of `sem`, waiting until that many are free (forever, when `n` is
    /// more than the semaphore has: a deadlock).
    pub async fn acquire_permits(&self, sem: SemaphoreId, n: u32) {
        let name = self.shared.core.borrow().prims.semaphores[sem.0 as usize].name;
        let fp = Footprint::write(name);
        let on = Guard::prim(Blocked::Permits(sem.0, n));
        self.suspend("acquire", fp, on, None).await;
        self.shared.core.borrow_mut().prims.semaphores[sem.0 as usize].count -= u64::from(n);
        self.record_lazy(fp, || format!("acquire({name}, {n})"));
    }

    /// Releases `n` permits of `sem`, as part of the current step.
    ///
    /// # Panics
    /// When that would free more permits than the semaphore has.
    #[track_caller]
    pub fn release_permits(&self, sem: SemaphoreId, n: u32) {
        let mut core = self.shared.core.borrow_mut();
        let s = &mut core.prims.semaphores[sem.0 as usize];
        let name = s.name;
        if s.count + u64::from(n) > s.size {
            drop(core);
            panic!("semaphore `{name}`: released more permits than were acquired");
        }
        s.count += u64::from(n);
        let task = self.task;
        core.record_with(|_| Event::Note {
            task,
            text: format!("release({name}, {n})"),
        });
        drop(core);
        self.wake_driver();
    }
}
