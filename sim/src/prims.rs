//! The run core's side of the library's primitives beyond mutexes, events and condition
//! variables: channels, read-write locks, semaphores and wait groups. What each waits for
//! ([`Blocked`], which the core wraps in its `Guard`), whether it can go, how it
//! enters a configuration's fingerprint and a deadlock's message.
//!
//! Each primitive's operations, the typed handles and their semantics are in its own module
//! (`channel.rs`, `select.rs`, `rwlock.rs`, `semaphore.rs`, `waitgroup.rs`); this module holds
//! only the state the core must see to grant a step, so that the core stays free of them.

use crate::fingerprint::Fingerprinter;
use crate::strategy::TaskId;
use std::any::Any;
use std::collections::VecDeque;
use std::fmt::{self, Debug};
use std::hash::Hash;

/// The most arms a `select` (or any channel operation) may have.
pub const MAX_ARMS: usize = 4;

/// What a task waits for on one of these primitives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Blocked {
    /// A channel operation (a send, a receive, a select): its arms are the task's entry of
    /// [`Prims::ops`]. A blocking one can go once an arm can fire; one with a default at
    /// once. `sync` when its footprint cannot name all its channels.
    Chan { blocking: bool, sync: bool },
    /// A read lock: can go while no writer holds or waits for the lock.
    Read(u32),
    /// A write lock's first half: can go while no other writer holds or waits for it.
    Write(u32),
    /// A write lock's second half: can go once the readers have left.
    Drain(u32),
    /// Acquiring `n` permits of a semaphore: can go while that many are free.
    Permits(u32, u32),
    /// A wait group's wait: can go once its counter is zero.
    Zero(u32),
}

/// Which tasks of the run have ended: all that these primitives need of the core's task table
/// (a task that ended is no partner for a rendezvous). The core's table implements it, so that
/// this module does not depend on the core.
pub(crate) trait Ended {
    /// Whether `task` has ended.
    fn ended(&self, task: TaskId) -> bool;
}

impl Blocked {
    /// Whether reductions must treat the step as dependent on every other (see
    /// [`Candidate::synchronizes`](crate::Candidate::synchronizes)).
    pub(crate) fn synchronizes(self) -> bool {
        match self {
            Blocked::Chan { blocking, sync } => sync || !blocking,
            // A wait group's `Add` at zero disables a wait from within any step; whether a
            // writer holds at once or waits for readers depends on read unlocks, which belong
            // to steps that do not name the lock.
            Blocked::Zero(_) | Blocked::Write(_) => true,
            _ => false,
        }
    }
}

/// One arm of a channel operation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Arm {
    pub(crate) chan: u32,
    pub(crate) send: bool,
}

/// A task's pending channel operation: its arms, in order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Op {
    pub(crate) arms: [Arm; MAX_ARMS],
    pub(crate) len: u8,
}

impl Op {
    pub(crate) fn arms(&self) -> &[Arm] {
        &self.arms[..self.len as usize]
    }
}

/// A channel's values, typed, as the run's store keeps them: [`ChanSlot::values`].
pub(crate) trait Values: Any {
    /// Drops the offers of `task` (a sender whose operation fired elsewhere or ended).
    fn forget(&mut self, task: TaskId);
    /// Hashes the values (through `Debug`), for a configuration's fingerprint.
    fn hash_into(&self, h: &mut Fingerprinter);
}

/// The values of a channel of `T`: the buffer, and the values held for a task of an unbuffered
/// channel (a parked sender's offer, or what a sender handed to a parked receiver).
pub(crate) struct Store<T> {
    pub(crate) buffer: VecDeque<T>,
    pub(crate) held: Vec<(TaskId, T)>,
}

impl<T: Debug + 'static> Values for Store<T> {
    fn forget(&mut self, task: TaskId) {
        self.held.retain(|(t, _)| *t != task);
    }

    fn hash_into(&self, h: &mut Fingerprinter) {
        let _ = fmt::Write::write_fmt(h, format_args!("{:?}{:?}", self.buffer, self.held));
    }
}

/// A channel's state in a run.
pub(crate) struct ChanSlot {
    pub(crate) name: &'static str,
    pub(crate) capacity: u32,
    pub(crate) closed: bool,
    /// Values in the buffer.
    pub(crate) len: u32,
    /// Unbuffered: tasks parked sending, their offers held in the store; longest first.
    pub(crate) senders: Vec<TaskId>,
    /// Unbuffered: tasks parked receiving; longest first.
    pub(crate) receivers: Vec<TaskId>,
    /// Unbuffered: parked senders whose offer a receiver took; they go on at their grant.
    pub(crate) taken: Vec<TaskId>,
    /// Unbuffered: parked receivers a sender handed a value (held in the store).
    pub(crate) handed: Vec<TaskId>,
    pub(crate) values: Box<dyn Values>,
}

impl ChanSlot {
    /// Whether `task` can fire `arm` on this channel now.
    fn ready(&self, task: TaskId, send: bool, tasks: &(impl Ended + ?Sized)) -> bool {
        let other = |list: &[TaskId]| list.iter().any(|&t| partner(task, t, tasks));
        if send {
            self.taken.contains(&task)
                || self.closed
                || if self.capacity == 0 {
                    other(&self.receivers)
                } else {
                    self.len < self.capacity
                }
        } else {
            self.handed.contains(&task)
                || self.closed
                || if self.capacity == 0 {
                    other(&self.senders)
                } else {
                    self.len > 0
                }
        }
    }
}

/// Whether `t`, waiting on an unbuffered channel, can be `task`'s partner: another task, and
/// one that has not ended (a task that exits ends the others where they wait).
pub(crate) fn partner(task: TaskId, t: TaskId, tasks: &(impl Ended + ?Sized)) -> bool {
    t != task && !tasks.ended(t)
}

/// A read-write lock's state (Go's `sync.RWMutex`).
#[derive(Debug, Hash)]
pub(crate) struct RwSlot {
    pub(crate) name: &'static str,
    pub(crate) readers: u32,
    /// The writer that holds the lock, or waits for its readers to leave.
    pub(crate) writer: Option<TaskId>,
    /// Whether the writer holds it (otherwise it waits for the readers).
    pub(crate) written: bool,
}

/// A counted primitive: a semaphore's free permits (of `size`), a wait group's counter.
#[derive(Debug, Hash)]
pub(crate) struct Counter {
    pub(crate) name: &'static str,
    pub(crate) count: u64,
    pub(crate) size: u64,
}

/// The state of every such primitive of a run.
#[derive(Default)]
pub(crate) struct Prims {
    pub(crate) chans: Vec<ChanSlot>,
    /// Each task's pending channel operation, by task id (grown on demand, kept between runs).
    pub(crate) ops: Vec<Op>,
    pub(crate) rwlocks: Vec<RwSlot>,
    pub(crate) semaphores: Vec<Counter>,
    pub(crate) waitgroups: Vec<Counter>,
}

/// Finds the primitive called `name` in `slots`, or declares it with `make`.
pub(crate) fn declare<T>(
    slots: &mut Vec<T>,
    name: &'static str,
    name_of: impl Fn(&T) -> &'static str,
    make: impl FnOnce() -> T,
) -> u32 {
    if let Some(i) = slots.iter().position(|s| name_of(s) == name) {
        return i as u32;
    }
    slots.push(make());
    slots.len() as u32 - 1
}

/// The index of the primitive called `name` in `slots`.
///
/// # Panics
/// When there is none (a misspelt name): the run ends with a panic violation naming it.
#[track_caller]
pub(crate) fn lookup<T>(
    slots: &[T],
    name: &str,
    name_of: impl Fn(&T) -> &'static str,
    what: &str,
) -> u32 {
    match slots.iter().position(|s| name_of(s) == name) {
        Some(i) => i as u32,
        None => panic!("no {what} `{name}` was declared"),
    }
}

impl Prims {
    /// Forgets the last run's primitives, keeping the buffers.
    pub(crate) fn clear(&mut self) {
        self.chans.clear();
        self.ops.iter_mut().for_each(|op| op.len = 0);
        self.rwlocks.clear();
        self.semaphores.clear();
        self.waitgroups.clear();
    }

    /// Whether `task`'s wait `on` can be granted now. Never inlined, so that the core's check
    /// of its own guards stays small enough to inline on the per-step path.
    #[inline(never)]
    pub(crate) fn grantable(
        &self,
        task: TaskId,
        on: Blocked,
        tasks: &(impl Ended + ?Sized),
    ) -> bool {
        match on {
            Blocked::Chan { blocking, .. } => !blocking || self.ready(task, tasks).next().is_some(),
            Blocked::Read(l) => self.rwlocks[l as usize].writer.is_none(),
            Blocked::Write(l) => self.rwlocks[l as usize].writer.is_none(),
            Blocked::Drain(l) => self.rwlocks[l as usize].readers == 0,
            Blocked::Permits(s, n) => self.semaphores[s as usize].count >= u64::from(n),
            Blocked::Zero(w) => self.waitgroups[w as usize].count == 0,
        }
    }

    /// The arms of `task`'s pending channel operation that can fire now, by index; only the
    /// committed one when a partner already completed a rendezvous with it.
    pub(crate) fn ready<'a, E: Ended + ?Sized>(
        &'a self,
        task: TaskId,
        tasks: &'a E,
    ) -> impl Iterator<Item = usize> + 'a {
        let arms = self.op(task).arms();
        let committed = arms.iter().position(|a| {
            let c = &self.chans[a.chan as usize];
            if a.send {
                c.taken.contains(&task)
            } else {
                c.handed.contains(&task)
            }
        });
        arms.iter()
            .enumerate()
            .filter(move |&(i, a)| match committed {
                Some(c) => i == c,
                None => self.chans[a.chan as usize].ready(task, a.send, tasks),
            })
            .map(|(i, _)| i)
    }

    /// `task`'s pending channel operation.
    pub(crate) fn op(&self, task: TaskId) -> &Op {
        const NONE: &Op = &Op {
            arms: [Arm {
                chan: 0,
                send: false,
            }; MAX_ARMS],
            len: 0,
        };
        self.ops.get(task as usize).unwrap_or(NONE)
    }

    /// Takes `task` out of every channel its operation waits on, dropping its offers: its
    /// operation fired (or a partner completed it).
    pub(crate) fn withdraw(&mut self, task: TaskId) {
        let Some(op) = self.ops.get(task as usize).copied() else {
            return;
        };
        for arm in op.arms() {
            let c = &mut self.chans[arm.chan as usize];
            c.senders.retain(|&t| t != task);
            c.receivers.retain(|&t| t != task);
            let keeps = c.taken.contains(&task) || c.handed.contains(&task);
            if arm.send && c.capacity == 0 && !keeps {
                c.values.forget(task);
            }
        }
    }

    /// Ends `task`'s channel operation: it fired, so it waits on nothing any more.
    pub(crate) fn done(&mut self, task: TaskId) {
        self.withdraw(task);
        if let Some(op) = self.ops.get_mut(task as usize) {
            op.len = 0;
        }
    }

    /// Hashes every primitive's state, for a configuration's fingerprint.
    pub(crate) fn hash(&self, h: &mut Fingerprinter) {
        for c in &self.chans {
            (c.name, c.capacity, c.closed, c.len).hash(h);
            (&c.senders, &c.receivers, &c.taken, &c.handed).hash(h);
            c.values.hash_into(h);
        }
        // Only pending operations, by task: `ops` keeps its length from earlier runs, which
        // must not tell two configurations apart.
        for (task, op) in self.ops.iter().enumerate().filter(|(_, op)| op.len > 0) {
            (task, op.arms()).hash(h);
        }
        self.rwlocks.hash(h);
        self.semaphores.hash(h);
        self.waitgroups.hash(h);
    }

    /// What `task` waits for, for a deadlock's message.
    pub(crate) fn describe(&self, task: TaskId, on: Blocked) -> String {
        match on {
            Blocked::Chan { .. } => {
                let arms: Vec<String> = self
                    .op(task)
                    .arms()
                    .iter()
                    .map(|a| {
                        let name = self.chans[a.chan as usize].name;
                        if a.send {
                            format!("send({name})")
                        } else {
                            format!("recv({name})")
                        }
                    })
                    .collect();
                match arms.len() {
                    1 => arms[0].clone(),
                    _ => format!("select({})", arms.join(", ")),
                }
            }
            Blocked::Read(l) => format!("read_lock({})", self.rwlocks[l as usize].name),
            Blocked::Write(l) | Blocked::Drain(l) => {
                format!("write_lock({})", self.rwlocks[l as usize].name)
            }
            Blocked::Permits(s, n) => {
                let s = &self.semaphores[s as usize];
                format!("acquire({}, {n}) with {} free", s.name, s.count)
            }
            Blocked::Zero(w) => {
                let w = &self.waitgroups[w as usize];
                format!("wait({}) at {}", w.name, w.count)
            }
        }
    }
}
