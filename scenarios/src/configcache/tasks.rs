//! The workloads and the tasks that run them: the store's `get` and `set` in each variant's
//! order of steps, admins and readers.

use super::checker::{History, INVARIANTS};
use super::entry::{Variant, Workload};
use super::system::{
    describe_bumped, describe_dropped, describe_noted, describe_written, written, Ch, Fill, Lookup,
    Served,
};
use super::{ConfigCache, State, SETTLE_WAIT};
use raceway_sim::consistency::{Op, Value};
use raceway_sim::{Cx, Footprint, Invariant, Latency, Model, MutexId, Spawner};
use std::time::Duration;

const CACHE: &str = "cache[g]";

const ROW: &str = "guild_config[g]";

const GEN: &str = "gen[g]";

/// The checker's ghost history, whose sequence numbers order a `get`'s first step and a
/// `set`'s return: the steps right before those updates declare a ghost write of it, since
/// swapping two of them changes the order `read-your-writes` judges.
const HISTORY: &str = "history";

/// A reader's pause between its two gets.
const READ_PAUSE: Duration = Duration::from_secs(5);

/// `double-delete`'s delay δ before the second invalidation.
const SECOND_DELETE: Duration = Duration::from_secs(1);

/// How long the reply to a `slow-reader`'s DB read takes: at once, within δ (δ/2), or past it
/// (2δ), shortest first.
const DB_READ: Latency = Latency::of(&[
    Duration::ZERO,
    Duration::from_millis(SECOND_DELETE.as_millis() as u64 / 2),
    Duration::from_millis(SECOND_DELETE.as_millis() as u64 * 2),
]);

const CACHE_SET: [&str; 3] = ["cache.set(g, c1)", "cache.set(g, c2)", "cache.set(g, c3)"];

const CACHE_SET_IF_GEN: [&str; 3] = [
    "cache.set(g, c1) if gen(g) unchanged",
    "cache.set(g, c2) if gen(g) unchanged",
    "cache.set(g, c3) if gen(g) unchanged",
];

const UPSERT: [&str; 3] = [
    "db UPSERT guild_config(g, c1)",
    "db UPSERT guild_config(g, c2)",
    "db UPSERT guild_config(g, c3)",
];

const SET_ATOMIC: [&str; 3] = [
    "setLoggingChannelId(g, c1)",
    "setLoggingChannelId(g, c2)",
    "setLoggingChannelId(g, c3)",
];

/// The config store of one run, as its tasks share it: the variant's code, whether DB writes
/// may fail, whether a DB read's reply may be slow, and the per-key lock of `locked`.
#[derive(Clone, Copy)]
struct Store {
    variant: Variant,
    faults: bool,
    slow_reads: bool,
    lock: Option<MutexId>,
}

impl Store {
    /// `getLoggingChannelId(g)`, recorded in the history as `who`'s, and as a client's read of
    /// `g`.
    async fn get(self, cx: &Cx<State>, who: &'static str) -> Ch {
        let call = cx.invoke(Op::Read, "g", Value::Nil);
        let (get, value) = match self.variant {
            Variant::Sync => self.get_atomic(cx, who).await,
            _ => self.get_stepwise(cx, who).await,
        };
        cx.ghost(|s| s.history.get_returned(get, cx.now(), value));
        call.ok_with(value);
        cx.note(|| format!("get returns {value:?}"));
        value
    }

    /// `sync`: lookup, and on a miss the DB read and cache set, in one step.
    async fn get_atomic(self, cx: &Cx<State>, who: &'static str) -> (usize, Ch) {
        let fp = Footprint::write(CACHE).and_read(ROW).and_ghost(HISTORY);
        let served = cx
            .step("getLoggingChannelId(g)", fp, |s| {
                let now = cx.now();
                match s.lookup(now) {
                    Lookup::Hit(v) => Served::Cached(v),
                    miss => Served::Loaded(miss, s.fill(s.row, now)),
                }
            })
            .await;
        let get = cx.ghost(|s| s.history.get_started(who, cx.now()));
        (get, served.value())
    }

    /// Every other variant: lookup; on a miss, DB read; cache set.
    async fn get_stepwise(self, cx: &Cx<State>, who: &'static str) -> (usize, Ch) {
        let (found, gen) = if self.variant == Variant::Versioned {
            let fp = Footprint::read(CACHE).and_read(GEN).and_ghost(HISTORY);
            let note = |s: &mut State| (s.lookup(cx.now()), s.gen);
            cx.step_as("cache.get(g), gen(g)", fp, note, describe_noted)
                .await
        } else {
            let fp = Footprint::read(CACHE).and_ghost(HISTORY);
            let found = cx.step("cache.get(g)", fp, |s| s.lookup(cx.now()));
            (found.await, 0)
        };
        let get = cx.ghost(|s| s.history.get_started(who, cx.now()));
        if let Lookup::Hit(v) = found {
            return (get, v);
        }
        let _guard = match self.lock {
            Some(lock) => Some(cx.lock(lock).await),
            None => None,
        };
        let value = cx
            .step("db SELECT guild_config(g)", Footprint::read(ROW), |s| s.row)
            .await;
        if self.slow_reads {
            // The row was read; the reply reaches the reader this much later.
            cx.latency("db SELECT reply", DB_READ).await;
        }
        self.fill(cx, value, gen).await;
        (get, value)
    }

    /// The cache set after a miss: unconditional, or in `versioned` only if the generation
    /// noted at the lookup is unchanged.
    async fn fill(self, cx: &Cx<State>, value: Ch, noted: u64) {
        if self.variant == Variant::Versioned {
            let fp = Footprint::read(GEN).and_write(CACHE);
            cx.step(value.label(&CACHE_SET_IF_GEN), fp, |s| {
                if s.gen == noted {
                    Fill::Set(s.fill(value, cx.now()))
                } else {
                    Fill::Refused { noted, now: s.gen }
                }
            })
            .await;
        } else {
            let fp = Footprint::write(CACHE);
            cx.step(value.label(&CACHE_SET), fp, |s| s.fill(value, cx.now()))
                .await;
        }
    }

    /// `setLoggingChannelId(g, value)`, recorded in the history as `who`'s, and as a
    /// client's write of `g` (failed when the DB write failed).
    async fn set(self, cx: &Cx<State>, who: &'static str, value: Ch) {
        let call = cx.invoke(Op::Write, "g", value);
        let commit = match self.variant {
            Variant::Sync => self.set_atomic(cx, value).await,
            Variant::InvalidateBefore => {
                self.invalidate(cx).await;
                self.write(cx, value).await
            }
            Variant::InvalidateAfter | Variant::DoubleDelete | Variant::Versioned => {
                let commit = self.write(cx, value).await;
                if commit.is_some() {
                    self.invalidate(cx).await;
                }
                commit
            }
            Variant::Locked => {
                let _guard = match self.lock {
                    Some(lock) => Some(cx.lock(lock).await),
                    None => None,
                };
                let commit = self.write(cx, value).await;
                if commit.is_some() {
                    self.invalidate(cx).await;
                }
                commit
            }
        };
        cx.ghost(|s| s.history.set_returned(who, value, cx.now(), commit));
        match commit {
            Some(_) => call.ok(),
            None => call.fail(),
        }
        cx.note(|| format!("set returns {}", written(commit.is_some())));
        if self.variant == Variant::DoubleDelete && commit.is_some() {
            cx.sleep(SECOND_DELETE).await;
            self.invalidate(cx).await;
        }
    }

    /// `sync`: invalidate, then the DB write (which may fail), in one step.
    async fn set_atomic(self, cx: &Cx<State>, value: Ch) -> Option<usize> {
        let fails = self.write_fails(cx).await;
        let fp = Footprint::write(CACHE).and_write(ROW).and_ghost(HISTORY);
        let set = |s: &mut State| {
            s.invalidate();
            s.upsert(value, fails)
        };
        let ok = cx
            .step_as(value.label(&SET_ATOMIC), fp, set, describe_written)
            .await;
        self.commit(cx, value, ok)
    }

    /// The DB upsert, which may fail; returns the commit it made. When it ends the `set`
    /// (it fails, or the variant invalidated first), the history records the return.
    async fn write(self, cx: &Cx<State>, value: Ch) -> Option<usize> {
        let fails = self.write_fails(cx).await;
        let upsert = |s: &mut State| s.upsert(value, fails);
        let ends_set = fails || self.variant == Variant::InvalidateBefore;
        let fp = if ends_set {
            Footprint::write(ROW).and_ghost(HISTORY)
        } else {
            Footprint::write(ROW)
        };
        let ok = cx
            .step_as(value.label(&UPSERT), fp, upsert, describe_written)
            .await;
        self.commit(cx, value, ok)
    }

    /// The fault pick: whether the next DB write fails (`failed-write` only).
    async fn write_fails(self, cx: &Cx<State>) -> bool {
        self.faults && cx.decide("db write fails").await
    }

    /// Records a successful write in the history; returns its commit.
    fn commit(self, cx: &Cx<State>, value: Ch, ok: bool) -> Option<usize> {
        ok.then(|| cx.ghost(|s| s.history.committed(value, cx.now())))
    }

    /// `invalidateCache(g)`; in `versioned`, with the generation bump in the same step. Where
    /// it ends the `set`, the history records the return: it declares the ghost write always.
    async fn invalidate(self, cx: &Cx<State>) {
        if self.variant == Variant::Versioned {
            let fp = Footprint::write(GEN).and_write(CACHE).and_ghost(HISTORY);
            let bump = |s: &mut State| {
                s.gen += 1;
                (s.gen, s.invalidate())
            };
            cx.step_as("gen(g)++, invalidateCache(g)", fp, bump, describe_bumped)
                .await;
        } else {
            let fp = Footprint::write(CACHE).and_ghost(HISTORY);
            cx.step_as(
                "invalidateCache(g)",
                fp,
                State::invalidate,
                describe_dropped,
            )
            .await;
        }
    }

    /// A reader: get, pause, get again.
    async fn read_twice(self, cx: &Cx<State>, who: &'static str) {
        self.get(cx, who).await;
        cx.sleep(READ_PAUSE).await;
        self.get(cx, who).await;
    }
}

impl ConfigCache {
    /// The model of (`workload`, `variant`).
    pub fn new(workload: Workload, variant: Variant) -> Self {
        Self { workload, variant }
    }

    /// The store's configuration for this run; `locked`'s per-key lock is the run's mutex
    /// `lock[g]`, the same for the workload and the settle phase.
    fn store(&self, sp: &mut Spawner<'_, State>) -> Store {
        Store {
            variant: self.variant,
            faults: self.workload == Workload::FailedWrite,
            slow_reads: self.workload == Workload::SlowReader,
            lock: (self.variant == Variant::Locked).then(|| sp.mutex("lock[g]")),
        }
    }
}

impl Model for ConfigCache {
    type State = State;

    fn init(&self) -> State {
        State {
            row: Ch::C1,
            cache: None,
            gen: 0,
            history: History::new(),
        }
    }

    fn workload(&self, sp: &mut Spawner<'_, State>) {
        let store = self.store(sp);
        let admin = |sp: &mut Spawner<'_, State>, who, value| {
            sp.spawn(
                who,
                move |cx| async move { store.set(&cx, who, value).await },
            );
        };
        let reader = |sp: &mut Spawner<'_, State>, who| {
            sp.spawn(
                who,
                move |cx| async move { store.read_twice(&cx, who).await },
            );
        };
        match self.workload {
            Workload::ReaderWriter | Workload::FailedWrite | Workload::SlowReader => {
                admin(sp, "admin", Ch::C2);
                reader(sp, "reader");
            }
            Workload::Writers => {
                admin(sp, "admin1", Ch::C2);
                admin(sp, "admin2", Ch::C3);
                reader(sp, "reader1");
                reader(sp, "reader2");
            }
        }
    }

    fn settle(&self, sp: &mut Spawner<'_, State>) {
        // The settle `get` checks convergence, not the reader's latency: its read is prompt.
        let store = Store {
            slow_reads: false,
            ..self.store(sp)
        };
        sp.spawn("settle", move |cx| async move {
            cx.sleep(SETTLE_WAIT).await;
            let value = store.get(&cx, "settle").await;
            cx.ghost(|s| s.history.settled = Some(value));
        });
    }

    fn invariants(&self) -> &[Invariant<State>] {
        &INVARIANTS
    }

    fn fingerprint(&self, state: &State) -> Option<raceway_sim::fingerprint::Fingerprint> {
        Some(raceway_sim::fingerprint::of(state))
    }
}
