//! Channels with Go's semantics: buffered and unbuffered, close, and `select` (see
//! [`Cx::select`]).
//!
//! A channel is declared per run with [`Spawner::channel`] (or
//! [`Race::channel`](crate::Race::channel)) and reached through its typed handle [`Chan`],
//! so sending a value of the wrong type is a compile error. Its values live in the run's own
//! store and move through a `VecDeque`: nothing else is allocated per operation.
//!
//! Every operation is a step whose footprint writes the channel's name, so the reduction
//! orders operations on one channel and lets those on different buffered channels commute
//! (operations on unbuffered channels synchronise with every step, see [`Cx::select`]):
//!
//! - [`Cx::send`] on a buffered channel goes once the buffer has room; on an unbuffered one
//!   (capacity 0) once a receiver waits, and hands the value to the receiver that has waited
//!   longest, whose receive then returns it (a rendezvous: the send completes only once a
//!   receiver has the value). Sending on a closed channel panics, as in Go.
//! - [`Cx::recv`] goes once a value is buffered, a sender waits (unbuffered), or the channel is
//!   closed; it returns `None` once the channel is closed and drained.
//! - [`Cx::close`] closes; every waiting receiver then returns `None` (after the buffered
//!   values) and every waiting sender panics. Closing twice panics.
//!
//! A task that waits on a channel no other task will ever use is in a deadlock, reported as
//! such with the channel's name (`worker waits for recv(jobs)`).
//!
//! Departure from Go's runtime (not its specification): senders blocked on a full buffered
//! channel are not queued; when room appears, any sender may take it, so their values may
//! enter the buffer in another order than the one they blocked in. Go's specification leaves
//! that order open, so the model explores a superset of what Go's runtime does.
//!
//! ```
//! use raceway_sim::{check_exhaustive, Footprint, Race};
//!
//! // An unbuffered channel: the producer's sends complete only as the consumer receives, and
//! // the consumer sees every value, in order, then `None` once the channel is closed.
//! let race = Race::new(Vec::new)
//!     .channel::<u32>("jobs", 0)
//!     .task("producer", |cx| async move {
//!         let jobs = cx.channel::<u32>("jobs");
//!         for job in 1..=2 {
//!             cx.send(jobs, job).await;
//!         }
//!         cx.close(jobs).await;
//!     })
//!     .task("consumer", |cx| async move {
//!         let jobs = cx.channel::<u32>("jobs");
//!         while let Some(job) = cx.recv(jobs).await {
//!             cx.step("done", Footprint::write("done"), move |d: &mut Vec<u32>| d.push(job)).await;
//!         }
//!         let done = cx.step("read", Footprint::read("done"), |d| d.clone()).await;
//!         assert_eq!(done, [1, 2]);
//!     });
//! assert!(check_exhaustive(race).complete);
//! ```

use crate::cx::{Cx, Spawner};
use crate::names::intern;
use crate::panic::fail_at;
use crate::prims::{declare, partner, ChanSlot, Prims, Store};
use crate::runtime::Core;
use crate::strategy::TaskId;
use std::any::Any;
use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt::{self, Debug};
use std::future::Future;
use std::marker::PhantomData;
use std::panic::Location;

/// A channel of `T` values, declared with [`Spawner::channel`]: a handle, `Copy`, valid in the
/// run that declared it (and in its settle phase). Sending another type does not compile:
///
/// ```compile_fail
/// # use raceway_sim::Race;
/// Race::new(|| ()).channel::<u32>("jobs", 1).task("main", |cx| async move {
///     cx.send(cx.channel::<u32>("jobs"), "not a number").await;
/// });
/// ```
pub struct Chan<T> {
    pub(crate) id: u32,
    _values: PhantomData<fn(T) -> T>,
}

impl<T> Chan<T> {
    fn new(id: u32) -> Self {
        Self {
            id,
            _values: PhantomData,
        }
    }
}

impl<T> Clone for Chan<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Chan<T> {}

impl<T> PartialEq for Chan<T> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl<T> Eq for Chan<T> {}

impl<T> Debug for Chan<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Chan({})", self.id)
    }
}

/// The typed store of channel `chan` in `prims`.
pub(crate) fn store<T: 'static>(prims: &mut Prims, chan: u32) -> &mut Store<T> {
    let any: &mut dyn Any = &mut *prims.chans[chan as usize].values;
    any.downcast_mut::<Store<T>>()
        .expect("a channel handle is typed as its channel")
}

/// Takes the value held in `store` for `task` (its offer, or the value handed to it).
fn take_held<T>(store: &mut Store<T>, task: TaskId) -> T {
    let i = store
        .held
        .iter()
        .position(|(t, _)| *t == task)
        .expect("a committed rendezvous holds its value");
    store.held.remove(i).1
}

/// Parks `task` on unbuffered channel `chan` as a receiver.
pub(crate) fn park_receiver(core: &mut Core, task: TaskId, chan: u32) {
    let c = &mut core.prims.chans[chan as usize];
    if c.capacity == 0 {
        c.receivers.push(task);
    }
}

/// Parks `task` on unbuffered channel `chan` as a sender offering `value` (which it then
/// holds no more); a buffered channel's value stays with the task.
pub(crate) fn park_sender<T: 'static>(
    core: &mut Core,
    task: TaskId,
    chan: u32,
    value: &mut Option<T>,
) {
    if core.prims.chans[chan as usize].capacity == 0 {
        core.prims.chans[chan as usize].senders.push(task);
        let value = value
            .take()
            .expect("a send arm holds its value until it parks");
        store::<T>(&mut core.prims, chan).held.push((task, value));
    }
}

/// Receives on `chan` as `task`'s granted step: the value handed to it, the buffer's first,
/// the offer of the sender that has waited longest, or `None` once closed and drained.
pub(crate) fn recv_now<T: 'static>(core: &mut Core, task: TaskId, chan: u32) -> Option<T> {
    let tasks = &core.tasks[..];
    let prims = &mut core.prims;
    let c = &mut prims.chans[chan as usize];
    if let Some(i) = c.handed.iter().position(|&t| t == task) {
        c.handed.remove(i);
        return Some(take_held(store::<T>(prims, chan), task));
    }
    if c.capacity > 0 {
        if c.len == 0 {
            return None;
        }
        c.len -= 1;
        return store::<T>(prims, chan).buffer.pop_front();
    }
    if c.closed {
        return None;
    }
    let sender = *c
        .senders
        .iter()
        .find(|&&t| partner(task, t, tasks))
        .expect("a granted receive has a sender");
    c.taken.push(sender);
    let value = take_held(store::<T>(prims, chan), sender);
    prims.withdraw(sender);
    Some(value)
}

/// Sends on `chan` as `task`'s granted step: completes a rendezvous a receiver already took,
/// buffers the value, or hands it to the receiver that has waited longest. `value` is `None`
/// when the task's offer is held in the store (it parked). Returns the value as the trace
/// shows it, when the run is recorded and the value was not taken already.
///
/// Panics at `at` when the channel is closed.
pub(crate) fn send_now<T: Debug + 'static>(
    core: &mut Core,
    task: TaskId,
    chan: u32,
    value: Option<T>,
    at: &'static Location<'static>,
) -> Option<String> {
    let record = core.record;
    let shown = |v: &T| record.then(|| format!("{v:?}"));
    let tasks = &core.tasks[..];
    let prims = &mut core.prims;
    let c = &mut prims.chans[chan as usize];
    if let Some(i) = c.taken.iter().position(|&t| t == task) {
        c.taken.remove(i);
        return None;
    }
    if c.closed {
        let message = format!("send on closed channel `{}`", c.name);
        fail_at(at, message);
    }
    if c.capacity > 0 {
        c.len += 1;
        let value = value.expect("a buffered send keeps its value");
        let text = shown(&value);
        store::<T>(prims, chan).buffer.push_back(value);
        return text;
    }
    let receiver = *c
        .receivers
        .iter()
        .find(|&&t| partner(task, t, tasks))
        .expect("a granted send has a receiver");
    c.handed.push(receiver);
    prims.withdraw(receiver);
    let store = store::<T>(prims, chan);
    let value = value.unwrap_or_else(|| take_held(store, task));
    let text = shown(&value);
    store.held.push((receiver, value));
    text
}

impl<'a, S: 'static> Spawner<'a, S> {
    /// Declares the run's channel called `name`, of `T` values, with room for `capacity`
    /// values (0: unbuffered, each send a rendezvous with a receive). As with mutexes, the
    /// same name gives the same channel (the settle phase reaches the workload's channels by
    /// declaring them again); tasks reach it by its handle or with [`Cx::channel`].
    ///
    /// # Panics
    /// When a channel of that name was declared with another type or capacity.
    #[track_caller]
    pub fn channel<T: Debug + 'static>(
        &mut self,
        name: impl Into<Cow<'static, str>>,
        capacity: u32,
    ) -> Chan<T> {
        let name = intern(name);
        let mut core = self.shared.core.borrow_mut();
        let prims = &mut core.prims;
        let id = declare(
            &mut prims.chans,
            name,
            |c| c.name,
            || ChanSlot {
                name,
                capacity,
                closed: false,
                len: 0,
                senders: Vec::new(),
                receivers: Vec::new(),
                taken: Vec::new(),
                handed: Vec::new(),
                values: Box::new(Store::<T> {
                    buffer: VecDeque::with_capacity(capacity as usize),
                    held: Vec::new(),
                }),
            },
        );
        let c = &prims.chans[id as usize];
        let any: &dyn Any = &*c.values;
        assert!(
            any.is::<Store<T>>() && c.capacity == capacity,
            "channel `{name}` was declared with another type or capacity"
        );
        Chan::new(id)
    }
}

impl<S: 'static> Cx<S> {
    /// The run's channel called `name`, declared by [`Spawner::channel`] or
    /// [`Race::channel`](crate::Race::channel).
    ///
    /// # Panics
    /// When no channel of that name and type was declared.
    #[track_caller]
    pub fn channel<T: Debug + 'static>(&self, name: &str) -> Chan<T> {
        let core = self.shared.core.borrow();
        let found = core.prims.chans.iter().position(|c| c.name == name);
        match found {
            Some(i) if (&*core.prims.chans[i].values as &dyn Any).is::<Store<T>>() => {
                Chan::new(i as u32)
            }
            Some(_) => panic!(
                "channel `{name}` carries other values than {}",
                std::any::type_name::<T>()
            ),
            None => panic!("no channel `{name}` was declared (Spawner::channel, Race::channel)"),
        }
    }

    /// Sends `value` on `chan`, waiting while the buffer is full (or, unbuffered, until a
    /// receiver takes it). Go's `chan <- value`.
    ///
    /// # Panics
    /// When the channel is closed, or closes while the send waits (a panic violation at the
    /// caller's line, as in Go).
    #[track_caller]
    pub fn send<T: Debug + 'static>(
        &self,
        chan: Chan<T>,
        value: T,
    ) -> impl Future<Output = ()> + '_ {
        self.select().send(chan, value, || ()).wait()
    }

    /// Receives from `chan`, waiting until a value or a sender is there; `None` once the
    /// channel is closed and every buffered value was received. Go's `v, ok := <-chan`.
    pub async fn recv<T: Debug + 'static>(&self, chan: Chan<T>) -> Option<T> {
        self.select().recv(chan, |v| v).wait().await
    }

    /// Closes `chan`, as a step: receivers get the buffered values, then `None`; waiting and
    /// later senders panic.
    ///
    /// # Panics
    /// When the channel is closed already (a panic violation at the caller's line).
    #[track_caller]
    pub fn close<T>(&self, chan: Chan<T>) -> impl Future<Output = ()> + '_ {
        let at = Location::caller();
        async move {
            let name = self.shared.core.borrow().prims.chans[chan.id as usize].name;
            let fp = crate::Footprint::write(name);
            self.suspend("close", fp, crate::runtime::Guard::Ready, None)
                .await;
            {
                let mut core = self.shared.core.borrow_mut();
                let c = &mut core.prims.chans[chan.id as usize];
                if c.closed {
                    drop(core);
                    fail_at(at, format!("close of closed channel `{name}`"));
                }
                c.closed = true;
            }
            self.record_lazy(fp, || format!("close({name})"));
            self.wake_driver();
        }
    }
}
