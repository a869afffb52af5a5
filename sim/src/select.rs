//! Go's `select` over channel operations: [`Cx::select`] builds one from receive and send arms,
//! each with what to do when it fires, then waits for one to fire ([`Select::wait`]) or takes
//! a default when none can ([`Select::or_default`]).
//!
//! The select is one step. When several arms can fire, which one does is a pick of the
//! strategy (recorded in the schedule), so an exhaustive exploration covers every arm that can
//! fire, and a replay fires the same one. Its footprint writes every channel it names (at most
//! three). A select over more, one with a default, and any operation on an unbuffered channel
//! synchronise with every other step instead, so that reductions stay sound: whether an
//! unbuffered channel's partner waits, and which of its arms a waiting select fires, depend
//! on steps that name other resources. [`Cx::send`] and [`Cx::recv`] are selects of one arm.
//!
//! ```
//! use raceway_sim::{check, Footprint, Race, Search};
//!
//! // Both channels have a value when the select runs: exploration fires each arm in turn.
//! let race = Race::new(|| None)
//!     .channel::<u32>("a", 1)
//!     .channel::<u32>("b", 1)
//!     .task("main", |cx| async move {
//!         let (a, b) = (cx.channel::<u32>("a"), cx.channel::<u32>("b"));
//!         cx.send(a, 1).await;
//!         cx.send(b, 2).await;
//!         let got = cx
//!             .select()
//!             .recv(a, |v| v)
//!             .recv(b, |v| v)
//!             .wait()
//!             .await;
//!         cx.step("got", Footprint::write("got"), move |s| *s = got).await;
//!     })
//!     .invariant(raceway_sim::Invariant::convergence("took-a", |s: &Option<u32>| {
//!         if *s == Some(1) { Ok(()) } else { Err(format!("took {s:?}")) }
//!     }));
//! // Some schedule fires the arm of `b`.
//! let found = check(race, Search::Exhaustive { preemptions: None, max_schedules: None });
//! assert_eq!(found.unwrap_err().violation.message, "took Some(2)");
//! ```

use crate::channel::{park_receiver, park_sender, recv_now, send_now, Chan};
use crate::cx::Cx;
use crate::fingerprint;
use crate::footprint::Footprint;
use crate::prims::{Arm, Blocked, Op, MAX_ARMS};
use crate::runtime::{Core, Guard};
use crate::strategy::TaskId;
use crate::trace::Event;
use std::borrow::Cow;
use std::fmt::Debug;
use std::hash::Hasher;
use std::marker::PhantomData;
use std::panic::Location;

/// A select being built: its arms so far (`A`), each giving an `R` when it fires.
pub struct Select<'a, S: 'static, R, A> {
    cx: &'a Cx<S>,
    op: Op,
    arms: A,
    _result: PhantomData<fn() -> R>,
}

/// The run's state while a select parks or fires its arms (opaque to models).
pub struct Firing<'a> {
    core: &'a mut Core,
    task: TaskId,
    footprint: Footprint,
    selecting: bool,
}

impl Firing<'_> {
    /// Records the fired arm (when the run is recorded) and, in a fingerprinted run, takes
    /// which arm fired and what it received into the task's history.
    /// `received` is what a receive got; `sent`, what a send sent (when the run is recorded).
    fn fired(
        &mut self,
        index: usize,
        what: &str,
        chan: u32,
        received: Option<&dyn Debug>,
        sent: Option<String>,
    ) {
        let task = self.task;
        if self.core.fingerprinting {
            let slot = &mut self.core.tasks[task as usize];
            slot.seen = fingerprint::extend(slot.seen, |h| {
                let _ = std::fmt::Write::write_fmt(h, format_args!("{index}{received:?}"));
            });
        }
        if self.core.record {
            let name = self.core.prims.chans[chan as usize].name;
            let prefix = if self.selecting { "select → " } else { "" };
            let label = Cow::Owned(match sent {
                Some(v) => format!("{prefix}{what}({name}, {v})"),
                None => format!("{prefix}{what}({name})"),
            });
            let result = received.map(|v| format!("{v:?}"));
            let footprint = self.footprint;
            self.core.record_with(|time| Event::Step {
                task,
                label,
                footprint,
                result,
                time,
            });
        }
    }
}

/// The arms of a select, as a list built by [`Select::recv`] and [`Select::send`]: `()`, then
/// `(earlier arms, arm)`. Implemented by the library's arm types only.
pub trait Arms<R> {
    /// How many arms.
    const LEN: usize;
    /// Parks every arm on its channel (a select that waits).
    fn park(&mut self, at: &mut Firing<'_>);
    /// Fires arm `index`: receives or sends, on the run's state.
    fn take(&mut self, index: usize, at: &mut Firing<'_>);
    /// What fired arm `index` gives.
    fn finish(self, index: usize) -> R;
}

impl<R> Arms<R> for () {
    const LEN: usize = 0;
    fn park(&mut self, _: &mut Firing<'_>) {}
    fn take(&mut self, _: usize, _: &mut Firing<'_>) {
        unreachable!("a select fires one of its arms")
    }
    fn finish(self, _: usize) -> R {
        unreachable!("a select fires one of its arms")
    }
}

/// A receive arm: its channel, and what to do with what it receives.
pub struct RecvArm<T, F> {
    chan: u32,
    then: F,
    got: Option<Option<T>>,
}

impl<R, P, T, F> Arms<R> for (P, RecvArm<T, F>)
where
    P: Arms<R>,
    T: Debug + 'static,
    F: FnOnce(Option<T>) -> R,
{
    const LEN: usize = P::LEN + 1;

    fn park(&mut self, at: &mut Firing<'_>) {
        self.0.park(at);
        park_receiver(at.core, at.task, self.1.chan);
    }

    fn take(&mut self, index: usize, at: &mut Firing<'_>) {
        if index < P::LEN {
            return self.0.take(index, at);
        }
        let got = recv_now::<T>(at.core, at.task, self.1.chan);
        at.fired(index, "recv", self.1.chan, Some(&got), None);
        self.1.got = Some(got);
    }

    fn finish(self, index: usize) -> R {
        if index < P::LEN {
            return self.0.finish(index);
        }
        let got = self.1.got.expect("the fired arm received");
        (self.1.then)(got)
    }
}

/// A send arm: its channel, its value, and what to do once sent.
pub struct SendArm<T, F> {
    chan: u32,
    value: Option<T>,
    then: F,
    at: &'static Location<'static>,
}

impl<R, P, T, F> Arms<R> for (P, SendArm<T, F>)
where
    P: Arms<R>,
    T: Debug + 'static,
    F: FnOnce() -> R,
{
    const LEN: usize = P::LEN + 1;

    fn park(&mut self, at: &mut Firing<'_>) {
        self.0.park(at);
        park_sender(at.core, at.task, self.1.chan, &mut self.1.value);
    }

    fn take(&mut self, index: usize, at: &mut Firing<'_>) {
        if index < P::LEN {
            return self.0.take(index, at);
        }
        let arm = &mut self.1;
        let sent = send_now(at.core, at.task, arm.chan, arm.value.take(), arm.at);
        at.fired(index, "send", arm.chan, None, sent);
    }

    fn finish(self, index: usize) -> R {
        if index < P::LEN {
            return self.0.finish(index);
        }
        (self.1.then)()
    }
}

impl<S: 'static> Cx<S> {
    /// A select with no arm yet: add arms with [`Select::recv`] and [`Select::send`] (at most
    /// four), then [`Select::wait`] or [`Select::or_default`]. Every arm gives an `R`.
    pub fn select<R>(&self) -> Select<'_, S, R, ()> {
        Select {
            cx: self,
            op: Op::default(),
            arms: (),
            _result: PhantomData,
        }
    }
}

impl<'a, S: 'static, R, A: Arms<R>> Select<'a, S, R, A> {
    fn arm<B>(mut self, chan: u32, send: bool, arm: B) -> Select<'a, S, R, (A, B)> {
        let len = self.op.len as usize;
        assert!(len < MAX_ARMS, "a select has at most {MAX_ARMS} arms");
        self.op.arms[len] = Arm { chan, send };
        self.op.len += 1;
        Select {
            cx: self.cx,
            op: self.op,
            arms: (self.arms, arm),
            _result: PhantomData,
        }
    }

    /// Adds an arm that receives from `chan` (`None` once it is closed and drained) and gives
    /// `then(received)`. Go's `case v, ok := <-chan:`.
    pub fn recv<T, F>(self, chan: Chan<T>, then: F) -> Select<'a, S, R, (A, RecvArm<T, F>)>
    where
        T: Debug + 'static,
        F: FnOnce(Option<T>) -> R,
    {
        let arm = RecvArm {
            chan: chan.id,
            then,
            got: None,
        };
        self.arm(chan.id, false, arm)
    }

    /// Adds an arm that sends `value` on `chan` and gives `then()`. Go's `case chan <- value:`;
    /// firing it on a closed channel panics, at the caller's line.
    #[track_caller]
    pub fn send<T, F>(
        self,
        chan: Chan<T>,
        value: T,
        then: F,
    ) -> Select<'a, S, R, (A, SendArm<T, F>)>
    where
        T: Debug + 'static,
        F: FnOnce() -> R,
    {
        let arm = SendArm {
            chan: chan.id,
            value: Some(value),
            then,
            at: Location::caller(),
        };
        self.arm(chan.id, true, arm)
    }

    /// Waits until an arm can fire, fires it (the strategy picks one when several can) and
    /// gives what it gives.
    pub async fn wait(self) -> R {
        self.run(None::<fn() -> R>).await
    }

    /// Fires an arm that can fire now, or, when none can, gives `default()` at once. Go's
    /// `select` with a `default:` case.
    pub async fn or_default(self, default: impl FnOnce() -> R) -> R {
        self.run(Some(default)).await
    }

    async fn run(mut self, default: Option<impl FnOnce() -> R>) -> R {
        let cx = self.cx;
        let task = cx.task;
        let blocking = default.is_none();
        let (footprint, sync) = self.footprint();
        let selecting = self.op.len > 1 || !blocking;
        let label = match (selecting, self.op.arms[0].send) {
            (true, _) => "select",
            (false, true) => "send",
            (false, false) => "recv",
        };
        {
            let mut core = cx.shared.core.borrow_mut();
            let ops = &mut core.prims.ops;
            if ops.len() <= task as usize {
                ops.resize(task as usize + 1, Op::default());
            }
            ops[task as usize] = self.op;
            if blocking {
                let mut at = Firing {
                    core: &mut core,
                    task,
                    footprint,
                    selecting,
                };
                self.arms.park(&mut at);
            }
        }
        if blocking {
            cx.wake_driver();
        }
        let on = Guard::prim(Blocked::Chan { blocking, sync });
        cx.suspend(label, footprint, on, None).await;
        let mut ready = [0; MAX_ARMS];
        let mut n = 0;
        {
            let core = cx.shared.core.borrow();
            for i in core.prims.ready(task, &core.tasks[..]) {
                ready[n] = i;
                n += 1;
            }
        }
        let fired = match n {
            0 => None,
            1 => Some(ready[0]),
            n => Some(ready[cx.pick("select", n as u32).await as usize]),
        };
        {
            let mut core = cx.shared.core.borrow_mut();
            let mut at = Firing {
                core: &mut core,
                task,
                footprint,
                selecting,
            };
            match fired {
                Some(i) => self.arms.take(i, &mut at),
                None => {
                    if at.core.fingerprinting {
                        let slot = &mut at.core.tasks[task as usize];
                        slot.seen = fingerprint::extend(slot.seen, |h| h.write_u8(0xff));
                    }
                    at.core.record_with(|time| Event::Step {
                        task,
                        label: Cow::Borrowed("select → default"),
                        footprint,
                        result: None,
                        time,
                    });
                }
            }
            core.prims.done(task);
        }
        cx.wake_driver();
        match (fired, default) {
            (Some(i), _) => self.arms.finish(i),
            (None, Some(default)) => default(),
            (None, None) => unreachable!("a select that waits fires an arm"),
        }
    }

    /// A write of every channel the select names, and whether it synchronises: when it names
    /// more channels than a footprint holds, or an unbuffered one (a rendezvous with a select
    /// that waits on several channels takes that select out of the others, which their
    /// footprints do not show).
    fn footprint(&self) -> (Footprint, bool) {
        let core = self.cx.shared.core.borrow();
        let mut names: [&'static str; MAX_ARMS] = [""; MAX_ARMS];
        let mut n = 0;
        let mut unbuffered = false;
        for arm in self.op.arms() {
            let c = &core.prims.chans[arm.chan as usize];
            unbuffered |= c.capacity == 0;
            let name = c.name;
            if !names[..n].contains(&name) {
                names[n] = name;
                n += 1;
            }
        }
        let mut footprint = Footprint::NONE;
        for name in names.iter().take(n.min(crate::footprint::MAX_ACCESSES)) {
            footprint = footprint.and_write(name);
        }
        (footprint, unbuffered || n > crate::footprint::MAX_ACCESSES)
    }
}
