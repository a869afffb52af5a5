//! Wait groups (Go's `sync.WaitGroup`): a counter that tasks add to and mark done, and a wait
//! until it is zero.
//!
//! Adding and marking done belong to the task's current step; waiting is a step that goes
//! once the counter is zero, and synchronises with every other step (an add from zero, in any
//! step, makes it wait again). Marking done below zero panics, as in Go
//! ("sync: negative WaitGroup counter").
//!
//! ```
//! use raceway_sim::{check_exhaustive, Footprint, Race};
//!
//! // The main task waits for both workers: it always sees both results.
//! let race = Race::new(|| 0u32)
//!     .waitgroup("wg")
//!     .task("main", |cx| async move {
//!         let wg = cx.waitgroup("wg");
//!         cx.wg_add(wg, 2);
//!         for name in ["w1", "w2"] {
//!             cx.spawn(name, move |cx| async move {
//!                 cx.step("add", Footprint::write("n"), |n| *n += 1).await;
//!                 cx.wg_done(wg);
//!             });
//!         }
//!         cx.wg_wait(wg).await;
//!         let n = cx.step("read", Footprint::read("n"), |n| *n).await;
//!         assert_eq!(n, 2);
//!     });
//! assert!(check_exhaustive(race).complete);
//! ```

use crate::cx::{Cx, Spawner};
use crate::footprint::Footprint;
use crate::names::intern;
use crate::prims::{declare, lookup, Blocked, Counter};
use crate::runtime::Guard;
use crate::trace::Event;
use std::borrow::Cow;

/// A wait group, declared with [`Spawner::waitgroup`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitGroupId(u32);

impl<'a, S: 'static> Spawner<'a, S> {
    /// Declares the run's wait group called `name`, at zero the first time.
    pub fn waitgroup(&mut self, name: impl Into<Cow<'static, str>>) -> WaitGroupId {
        let name = intern(name);
        let mut core = self.shared.core.borrow_mut();
        let make = || Counter {
            name,
            count: 0,
            size: u64::MAX,
        };
        WaitGroupId(declare(&mut core.prims.waitgroups, name, |w| w.name, make))
    }
}

impl<S: 'static> Cx<S> {
    /// The run's wait group called `name`, declared by [`Spawner::waitgroup`] or
    /// [`Race::waitgroup`](crate::Race::waitgroup).
    ///
    /// # Panics
    /// When none of that name was declared.
    #[track_caller]
    pub fn waitgroup(&self, name: &str) -> WaitGroupId {
        let core = self.shared.core.borrow();
        WaitGroupId(lookup(
            &core.prims.waitgroups,
            name,
            |w| w.name,
            "wait group",
        ))
    }

    /// Adds `n` to the counter of `wg`, as part of the current step. Go's `Add(n)`.
    pub fn wg_add(&self, wg: WaitGroupId, n: u32) {
        self.wg_change(wg, i64::from(n));
    }

    /// Takes one from the counter of `wg`, as part of the current step; at zero, its waiters
    /// can go. Go's `Done()`.
    ///
    /// # Panics
    /// When the counter is zero already.
    #[track_caller]
    pub fn wg_done(&self, wg: WaitGroupId) {
        self.wg_change(wg, -1);
    }

    #[track_caller]
    fn wg_change(&self, wg: WaitGroupId, by: i64) {
        let mut core = self.shared.core.borrow_mut();
        let w = &mut core.prims.waitgroups[wg.0 as usize];
        let name = w.name;
        let Some(count) = w.count.checked_add_signed(by) else {
            drop(core);
            panic!("wait group `{name}`: negative counter (more done than added)");
        };
        w.count = count;
        let task = self.task;
        core.record_with(|_| Event::Note {
            task,
            text: format!("{name} = {count}"),
        });
        drop(core);
        self.wake_driver();
    }

    /// Waits until the counter of `wg` is zero. Go's `Wait()`.
    pub async fn wg_wait(&self, wg: WaitGroupId) {
        let name = self.shared.core.borrow().prims.waitgroups[wg.0 as usize].name;
        let fp = Footprint::read(name);
        let on = Guard::prim(Blocked::Zero(wg.0));
        self.suspend("wg_wait", fp, on, None).await;
        self.record_lazy(fp, || format!("wg_wait({name})"));
    }
}
