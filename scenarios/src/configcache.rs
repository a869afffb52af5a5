//! `configcache`: a TTL cache and the order of its invalidation (pawtropolis,
//! `src/config/loggingStore.ts` and `src/config/flaggerStore.ts`).
//!
//! **The real system.** A guild's logging channel lives in a SQLite row (`guild_config`). In
//! front of it, a per-process cache maps the guild to `(value, expiresAt)` with a TTL of 60 s;
//! an expired entry counts as a miss. `getLoggingChannelId(g)` looks the cache up, and on a miss
//! reads the row and caches it. `setLoggingChannelId(g, ch)` upserts the row and calls
//! `invalidateCache(g)`; `loggingStore` invalidates before the write, `flaggerStore` after it,
//! and the seed report (issue #14) claims the latter is the fix. The code is synchronous
//! (better-sqlite3) in one Node.js process, so `get` and `set` each run without interruption.
//!
//! **The model.** One guild `g`; the row starts at `c1` and the cache empty (a fresh process).
//! Time is virtual. Outside `sync` each cache and DB access is one step (an async driver, or
//! several processes sharing the row). A failing DB write is a pick just before the write
//! (`failed-write` only); the row then keeps its value and `set` returns an error. The checker's
//! history lives in ghost state: the row's commits with their times, each `get`'s first step,
//! last step and result, and each `set`'s return and commit, ordered by a ghost sequence number
//! so that "after" means after in the run, not merely at a later virtual instant. A `get`
//! starts at its first step (its invocation touches nothing shared). The settle task sleeps
//! past the TTL and gets once more.
//!
//! **Simplifications.** A reader's DB read and its cache set happen at the same virtual
//! instant (the spec gives `get` no pause between them), so every cached value was the row's
//! value when its TTL began: bounded staleness and convergence hold in every variant, and only
//! read-your-writes can break. A slow reader (a pause between steps 2 and 3) would stretch
//! staleness past the TTL; the spec has no such workload. Values are committed at most once
//! each (`c1` initially, then `c2`, `c3`), so a value names its commit. The `locked` variant's
//! mutex is the run's mutex `lock[g]`, which the settle `get` names again to take the same
//! lock.
//!
//! **Variants.** `sync`: `get` and `set` are one step each; `set` invalidates, then writes.
//! `invalidate-before` (loggingStore): invalidate; DB write. `invalidate-after` (flaggerStore,
//! the seed report's fix): DB write; invalidate only if it succeeded. `double-delete`:
//! `invalidate-after`, and `set` having returned, a second invalidation 1 s later (a timer).
//! `versioned`: a per-key generation that the writer bumps in the step that invalidates, after
//! its DB write; `get` notes it in its cache lookup and caches its read only if unchanged (check
//! and set in one step). `locked`: a per-key lock held by `set` across its write and
//! invalidation, and by `get` across its DB read and cache set.
//!
//! **The seed report's claim.** Invalidating after the write fixes the seed's own interleaving,
//! not the race: a reader that reads the row before the write and sets the cache after the
//! write and invalidation leaves the old value cached for the TTL (`stale-fill`). In the real
//! single-threaded process (`sync`) neither order races, and a failed write breaks nothing in
//! either order: the value refilled after it is the row's. Only `versioned` and `locked` hold
//! everywhere; `double-delete` only narrows the window to δ (`delete-window`).

use crate::catalog::{breaks, holds, Expectation, Named, Scenario};
use raceway_sim::strategy::ScriptStep::Task;
use raceway_sim::{Check, Cx, Footprint, Instant, Invariant, Model, MutexId, Spawner};
use std::fmt;
use std::time::Duration;
use strum::{EnumMessage, IntoStaticStr, VariantArray};

const CACHE: &str = "cache[g]";
const ROW: &str = "guild_config[g]";
const GEN: &str = "gen[g]";

/// The cache's time to live (`CACHE_TTL_MS`).
const TTL: Duration = Duration::from_secs(60);
/// A reader's pause between its two gets.
const READ_PAUSE: Duration = Duration::from_secs(5);
/// `double-delete`'s delay δ before the second invalidation.
const SECOND_DELETE: Duration = Duration::from_secs(1);
/// The settle task's wait: past the TTL of anything cached before it began.
const SETTLE_WAIT: Duration = Duration::from_secs(61);

/// A logging channel id: the row's value.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ch {
    /// The row's initial value.
    C1,
    /// The value the (first) admin sets.
    C2,
    /// The value the second admin sets (`writers`).
    C3,
}

impl fmt::Debug for Ch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Ch::C1 => "c1",
            Ch::C2 => "c2",
            Ch::C3 => "c3",
        })
    }
}

impl Ch {
    /// This value's entry in a table of step labels.
    fn label(self, labels: &[&'static str; 3]) -> &'static str {
        labels[self as usize]
    }
}

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

/// A cache entry.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Entry {
    value: Ch,
    expires: Instant,
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} until {}", self.value, self.expires)
    }
}

/// What `cache.get(g)` found.
#[derive(Clone, Copy)]
enum Lookup {
    Hit(Ch),
    Miss,
    Expired(Entry),
}

impl fmt::Debug for Lookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lookup::Hit(v) => write!(f, "hit {v:?}"),
            Lookup::Miss => f.write_str("miss"),
            Lookup::Expired(e) => write!(f, "miss (expired: {e:?})"),
        }
    }
}

/// `versioned`'s lookup: what the cache held and the generation noted.
struct Noted(Lookup, u64);

impl fmt::Debug for Noted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}, gen {}", self.0, self.1)
    }
}

/// What a conditional cache set did.
enum Fill {
    Set(Entry),
    Refused { noted: u64, now: u64 },
}

impl fmt::Debug for Fill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fill::Set(e) => write!(f, "{e:?}"),
            Fill::Refused { noted, now } => write!(f, "refused: gen {now}, noted {noted}"),
        }
    }
}

/// What `invalidateCache(g)` removed.
struct Dropped(Option<Entry>);

impl fmt::Debug for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(e) => write!(f, "dropped {e:?}"),
            None => f.write_str("nothing cached"),
        }
    }
}

/// `versioned`'s bump-and-invalidate: the new generation and what was dropped.
struct Bumped(u64, Dropped);

impl fmt::Debug for Bumped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "gen {}, {:?}", self.0, self.1)
    }
}

/// Whether a DB write went through.
#[derive(Clone, Copy)]
struct Written(bool);

impl fmt::Debug for Written {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0 {
            "ok"
        } else {
            "error (row unchanged)"
        })
    }
}

/// What `sync`'s one-step `get` did.
enum Served {
    Cached(Ch),
    Loaded(Lookup, Entry),
}

impl fmt::Debug for Served {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Served::Cached(v) => write!(f, "hit {v:?}"),
            Served::Loaded(l, e) => write!(f, "{l:?}, SELECT {:?}, cached {e:?}", e.value),
        }
    }
}

impl Served {
    fn value(&self) -> Ch {
        match self {
            Served::Cached(v) => *v,
            Served::Loaded(_, e) => e.value,
        }
    }
}

/// An append-only log of at most `N` records, without allocation.
#[derive(Debug, Hash)]
struct Log<T, const N: usize> {
    items: [Option<T>; N],
    len: usize,
}

impl<T: Copy, const N: usize> Log<T, N> {
    fn new() -> Self {
        Self {
            items: [None; N],
            len: 0,
        }
    }

    /// Appends `item` and returns its index. Panics when full: the workloads are fixed, so a
    /// full log is a bug of this model.
    fn push(&mut self, item: T) -> usize {
        self.items[self.len] = Some(item);
        self.len += 1;
        self.len - 1
    }

    fn get(&self, i: usize) -> Option<&T> {
        self.items.get(i).and_then(Option::as_ref)
    }

    fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        self.items.get_mut(i).and_then(Option::as_mut)
    }

    fn iter(&self) -> impl Iterator<Item = &T> {
        self.items[..self.len].iter().flatten()
    }
}

/// A value the row committed, and when.
#[derive(Clone, Copy, Debug, Hash)]
struct Commit {
    value: Ch,
    at: Instant,
}

/// A `get`'s return: when, and what it returned.
#[derive(Clone, Copy, Debug, Hash)]
struct GetEnd {
    at: Instant,
    value: Ch,
}

/// One `get`: who ran it, when its first step ran, and how it ended.
#[derive(Clone, Copy, Debug, Hash)]
struct GetRecord {
    who: &'static str,
    seq: u32,
    at: Instant,
    end: Option<GetEnd>,
}

/// One `set` that returned: who ran it, when, and the commit it made (none if it failed).
#[derive(Clone, Copy, Debug, Hash)]
struct SetRecord {
    who: &'static str,
    value: Ch,
    seq: u32,
    at: Instant,
    commit: Option<usize>,
}

/// Ghost: the history the invariants judge. Every event takes the next `seq`, so `seq` orders
/// events as they happened even when the virtual clock stands still.
#[derive(Debug, Hash)]
struct History {
    seq: u32,
    commits: Log<Commit, 3>,
    gets: Log<GetRecord, 5>,
    sets: Log<SetRecord, 2>,
    /// What the settle phase's `get` returned.
    settled: Option<Ch>,
}

impl History {
    fn new() -> Self {
        let mut commits = Log::new();
        commits.push(Commit {
            value: Ch::C1,
            at: Instant::ZERO,
        });
        Self {
            seq: 0,
            commits,
            gets: Log::new(),
            sets: Log::new(),
            settled: None,
        }
    }

    fn next_seq(&mut self) -> u32 {
        self.seq += 1;
        self.seq
    }

    fn committed(&mut self, value: Ch, at: Instant) -> usize {
        self.commits.push(Commit { value, at })
    }

    fn get_started(&mut self, who: &'static str, at: Instant) -> usize {
        let seq = self.next_seq();
        self.gets.push(GetRecord {
            who,
            seq,
            at,
            end: None,
        })
    }

    fn get_returned(&mut self, get: usize, at: Instant, value: Ch) {
        if let Some(g) = self.gets.get_mut(get) {
            g.end = Some(GetEnd { at, value });
        }
    }

    fn set_returned(&mut self, who: &'static str, value: Ch, at: Instant, commit: Option<usize>) {
        let seq = self.next_seq();
        self.sets.push(SetRecord {
            who,
            value,
            seq,
            at,
            commit,
        });
    }

    /// The index of the commit of `value`, if the row ever held it.
    fn commit_of(&self, value: Ch) -> Option<usize> {
        self.commits.iter().position(|c| c.value == value)
    }

    /// The gets that have returned, with their results.
    fn returned(&self) -> impl Iterator<Item = (&GetRecord, GetEnd)> {
        self.gets.iter().filter_map(|g| g.end.map(|e| (g, e)))
    }
}

/// The shared state: the row, the cache, the generation, and the checker's ghost history.
#[derive(Debug, Hash)]
pub struct State {
    row: Ch,
    cache: Option<Entry>,
    gen: u64,
    /// Ghost: the history of commits, gets and sets.
    history: History,
}

impl State {
    /// The cache lookup at `now`: an expired entry counts as a miss.
    fn lookup(&self, now: Instant) -> Lookup {
        match self.cache {
            Some(e) if now < e.expires => Lookup::Hit(e.value),
            Some(e) => Lookup::Expired(e),
            None => Lookup::Miss,
        }
    }

    fn fill(&mut self, value: Ch, now: Instant) -> Entry {
        let entry = Entry {
            value,
            expires: now.after(TTL),
        };
        self.cache = Some(entry);
        entry
    }

    fn invalidate(&mut self) -> Dropped {
        Dropped(self.cache.take())
    }

    fn upsert(&mut self, value: Ch, fails: bool) -> Written {
        if !fails {
            self.row = value;
        }
        Written(!fails)
    }
}

/// The variants of the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, VariantArray, IntoStaticStr, EnumMessage)]
#[strum(serialize_all = "kebab-case")]
pub enum Variant {
    /// get and set one step each (the real Node process); set invalidates first
    Sync,
    /// loggingStore: invalidate; DB write
    InvalidateBefore,
    /// flaggerStore, the seed report's fix: DB write; invalidate if it succeeded
    InvalidateAfter,
    /// invalidate-after, and a second invalidation 1 s later
    DoubleDelete,
    /// generation bumped with the invalidation; get caches only if unchanged
    Versioned,
    /// per-key lock around set and around get's DB read and cache set
    Locked,
}

/// The workloads of the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, VariantArray, IntoStaticStr, EnumMessage)]
#[strum(serialize_all = "kebab-case")]
pub enum Workload {
    /// row c1; admin sets c2; reader gets twice, 5 s apart
    ReaderWriter,
    /// reader-writer, with a DB write that may fail
    FailedWrite,
    /// admins set c2 and c3; two readers get twice each
    Writers,
}

/// The config store of one run, as its tasks share it: the variant's code, whether DB writes
/// may fail, and the per-key lock of `locked`.
#[derive(Clone, Copy)]
struct Store {
    variant: Variant,
    faults: bool,
    lock: Option<MutexId>,
}

impl Store {
    /// `getLoggingChannelId(g)`, recorded in the history as `who`'s.
    async fn get(self, cx: &Cx<State>, who: &'static str) -> Ch {
        let (get, value) = match self.variant {
            Variant::Sync => self.get_atomic(cx, who).await,
            _ => self.get_stepwise(cx, who).await,
        };
        cx.ghost(|s| s.history.get_returned(get, cx.now(), value));
        cx.note(|| format!("get returns {value:?}"));
        value
    }

    /// `sync`: lookup, and on a miss the DB read and cache set, in one step.
    async fn get_atomic(self, cx: &Cx<State>, who: &'static str) -> (usize, Ch) {
        let fp = Footprint::write(CACHE).and_read(ROW);
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
            let fp = Footprint::read(CACHE).and_read(GEN);
            let noted = cx.step("cache.get(g), gen(g)", fp, |s| {
                Noted(s.lookup(cx.now()), s.gen)
            });
            let Noted(found, gen) = noted.await;
            (found, gen)
        } else {
            let found = cx.step("cache.get(g)", Footprint::read(CACHE), |s| {
                s.lookup(cx.now())
            });
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

    /// `setLoggingChannelId(g, value)`, recorded in the history as `who`'s.
    async fn set(self, cx: &Cx<State>, who: &'static str, value: Ch) {
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
        cx.note(|| format!("set returns {:?}", Written(commit.is_some())));
        if self.variant == Variant::DoubleDelete && commit.is_some() {
            cx.sleep(SECOND_DELETE).await;
            self.invalidate(cx).await;
        }
    }

    /// `sync`: invalidate, then the DB write (which may fail), in one step.
    async fn set_atomic(self, cx: &Cx<State>, value: Ch) -> Option<usize> {
        let fails = self.write_fails(cx).await;
        let fp = Footprint::write(CACHE).and_write(ROW);
        let written = cx
            .step(value.label(&SET_ATOMIC), fp, |s| {
                s.invalidate();
                s.upsert(value, fails)
            })
            .await;
        self.commit(cx, value, written)
    }

    /// The DB upsert, which may fail; returns the commit it made.
    async fn write(self, cx: &Cx<State>, value: Ch) -> Option<usize> {
        let fails = self.write_fails(cx).await;
        let written = cx
            .step(value.label(&UPSERT), Footprint::write(ROW), |s| {
                s.upsert(value, fails)
            })
            .await;
        self.commit(cx, value, written)
    }

    /// The fault pick: whether the next DB write fails (`failed-write` only).
    async fn write_fails(self, cx: &Cx<State>) -> bool {
        self.faults && cx.decide("db write fails").await
    }

    /// Records a successful write in the history; returns its commit.
    fn commit(self, cx: &Cx<State>, value: Ch, written: Written) -> Option<usize> {
        written
            .0
            .then(|| cx.ghost(|s| s.history.committed(value, cx.now())))
    }

    /// `invalidateCache(g)`; in `versioned`, with the generation bump in the same step.
    async fn invalidate(self, cx: &Cx<State>) {
        if self.variant == Variant::Versioned {
            let fp = Footprint::write(GEN).and_write(CACHE);
            cx.step("gen(g)++, invalidateCache(g)", fp, |s| {
                s.gen += 1;
                Bumped(s.gen, s.invalidate())
            })
            .await;
        } else {
            cx.step("invalidateCache(g)", Footprint::write(CACHE), |s| {
                s.invalidate()
            })
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

/// Safety: a `get` that starts after a successful `set` returned sees that value or a later
/// one.
fn read_your_writes(s: &State) -> Check {
    let h = &s.history;
    for (get, end) in h.returned() {
        let Some(seen) = h.commit_of(end.value) else {
            continue; // `only-committed-values` reports it.
        };
        for set in h.sets.iter().filter(|set| set.seq < get.seq) {
            match set.commit {
                Some(c) if seen < c => {
                    return Err(format!(
                        "{}'s get, begun at {} after {}'s set(g, {:?}) had returned (at {}), \
                         returned {:?}, which the row held before {:?}",
                        get.who, get.at, set.who, set.value, set.at, end.value, set.value
                    ))
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Safety: every value a `get` returns was the row's value at some time no earlier than the
/// TTL before the `get` returned.
fn bounded_staleness(s: &State) -> Check {
    let h = &s.history;
    for (get, end) in h.returned() {
        let Some(c) = h.commit_of(end.value) else {
            continue; // `only-committed-values` reports it.
        };
        if let Some(next) = h.commits.get(c + 1) {
            if next.at.after(TTL) < end.at {
                return Err(format!(
                    "{}'s get returned {:?} at {}, but the row has held {:?} since {}, \
                     more than the TTL ({}s) before",
                    get.who,
                    end.value,
                    end.at,
                    next.value,
                    next.at,
                    TTL.as_secs()
                ));
            }
        }
    }
    Ok(())
}

/// Safety: no `get` returns a value the DB never committed (a failed write's value).
fn only_committed_values(s: &State) -> Check {
    let h = &s.history;
    match h
        .returned()
        .find(|(_, end)| h.commit_of(end.value).is_none())
    {
        Some((get, end)) => Err(format!(
            "{}'s get returned {:?} at {}, a value the row never held",
            get.who, end.value, end.at
        )),
        None => Ok(()),
    }
}

/// Convergence: once the TTL has elapsed after the last write, `get` returns the row's value.
fn converges_after_ttl(s: &State) -> Check {
    match s.history.settled {
        Some(v) if v == s.row => Ok(()),
        Some(v) => Err(format!(
            "{}s after the workload ended, get returned {v:?} but the row holds {:?}",
            SETTLE_WAIT.as_secs(),
            s.row
        )),
        None => Err("the settle phase did not run".to_string()),
    }
}

const ONLY_COMMITTED_VALUES: Invariant<State> =
    Invariant::safety("only-committed-values", only_committed_values);
const READ_YOUR_WRITES: Invariant<State> = Invariant::safety("read-your-writes", read_your_writes);
const BOUNDED_STALENESS: Invariant<State> =
    Invariant::safety("bounded-staleness", bounded_staleness);
const CONVERGES_AFTER_TTL: Invariant<State> =
    Invariant::convergence("converges-after-ttl", converges_after_ttl);
static INVARIANTS: [Invariant<State>; 4] = [
    ONLY_COMMITTED_VALUES,
    READ_YOUR_WRITES,
    BOUNDED_STALENESS,
    CONVERGES_AFTER_TTL,
];

/// The model of one (workload, variant).
#[derive(Debug)]
pub struct ConfigCache {
    /// The workload.
    pub workload: Workload,
    /// The variant.
    pub variant: Variant,
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
            Workload::ReaderWriter | Workload::FailedWrite => {
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
        let store = self.store(sp);
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

impl Scenario for ConfigCache {
    const NAME: &'static str = "configcache";
    const TITLE: &'static str = "pawtropolis loggingStore: TTL cache invalidation order";
    type Workload = Workload;
    type Variant = Variant;

    fn new(workload: Workload, variant: Variant) -> Self {
        ConfigCache { workload, variant }
    }

    #[rustfmt::skip]
    fn expect(workload: Workload, variant: Variant) -> Expectation {
        use Variant as V;
        use Workload as W;
        match (workload, variant) {
            (W::ReaderWriter, V::Sync) => holds("get and set are one step each and set empties the cache as it writes, so every entry left after set returns was loaded from the new row: in the real process neither order races"),
            (W::ReaderWriter, V::InvalidateBefore) => breaks("the seed: the reader misses, SELECTs c1 and caches it between the admin's invalidateCache and UPSERT; its next get, after set returned, hits c1 until the TTL"),
            (W::ReaderWriter, V::InvalidateAfter) => breaks("the seed report's fix is no fix once steps interleave: the reader SELECTs c1 before the UPSERT and caches it after the invalidation, so its next get hits c1 (`stale-fill`)"),
            (W::ReaderWriter, V::DoubleDelete) => holds("the only stale fill is by the reader's first get at 0 s, which overlaps the set (c1 allowed); the second delete at 1 s drops it before the next get at 5 s"),
            (W::ReaderWriter, V::Versioned) => holds("a fill made before the writer's bump is dropped by it and one made after noted the old generation and is refused, so after set returns only reads begun after the write are cached"),
            (W::ReaderWriter, V::Locked) => holds("the lock puts the reader's SELECT and cache set wholly before the write and invalidation (which drops the fill) or wholly after them (which reads c2)"),
            (W::FailedWrite, V::Sync) => holds("as reader-writer; a failed set promises nothing, and the refill after it loads c1, the row's value"),
            (W::FailedWrite, V::InvalidateBefore) => breaks("the seed race when the write succeeds; the failure the seed report fears breaks nothing: the c1 refilled after a failed write is the row's committed value"),
            (W::FailedWrite, V::InvalidateAfter) => breaks("reader-writer's stale fill when the write succeeds; skipping the invalidation after a failed write is harmless but fixes nothing"),
            (W::FailedWrite, V::DoubleDelete) => holds("as reader-writer; a failed write commits and deletes nothing, so the cache still agrees with the unchanged row"),
            (W::FailedWrite, V::Versioned) => holds("as reader-writer; a failed write bumps nothing, and any fill it lets through is of the unchanged row"),
            (W::FailedWrite, V::Locked) => holds("as reader-writer; a failed write under the lock leaves the row, and so any fill, unchanged"),
            (W::Writers, V::Sync) => holds("every get and set is atomic, so the cache only ever holds the row's current value or nothing"),
            (W::Writers, V::InvalidateBefore) => breaks("the seed race, by either admin against either reader"),
            (W::Writers, V::InvalidateAfter) => breaks("the stale fill, by either admin against either reader"),
            (W::Writers, V::DoubleDelete) => breaks("a second reader gets in before the delayed delete: reader1 caches c1 after admin1's write and invalidation, and reader2's get, begun after admin1's set returned, hits it within the 1 s (`delete-window`)"),
            (W::Writers, V::Versioned) => holds("each bump drops earlier fills and refuses fills noted before it, so after a set returns only reads begun after its write are cached, and they see its value or a later one"),
            (W::Writers, V::Locked) => holds("the lock orders every miss path against every write and invalidation: a fill before a write is dropped by it, a fill after it reads that write or a later one"),
        }
    }

    const NAMED: &'static [Named<Self>] = &[
        Named {
            name: "seed",
            workload: Workload::ReaderWriter,
            variant: Variant::InvalidateBefore,
            breaks: READ_YOUR_WRITES.name,
            about: "the seed report's interleaving: the reader refills c1 between invalidate and write",
            script: &[
                    Task("admin"),
                    Task("reader"),
                    Task("reader"),
                    Task("reader"),
                    Task("admin"),
                    Task("reader"),
                    Task("reader"),
                ],
        },
        Named {
            name: "stale-fill",
            workload: Workload::ReaderWriter,
            variant: Variant::InvalidateAfter,
            breaks: READ_YOUR_WRITES.name,
            about: "the seed report's fix broken: the reader reads c1 before the write and caches it after the invalidation",
            script: &[
                    Task("reader"),
                    Task("reader"),
                    Task("admin"),
                    Task("admin"),
                    Task("reader"),
                    Task("reader"),
                    Task("reader"),
                ],
        },
        Named {
            name: "delete-window",
            workload: Workload::Writers,
            variant: Variant::DoubleDelete,
            breaks: READ_YOUR_WRITES.name,
            about: "a stale fill served to another reader in the 1 s before the second delete",
            script: &[
                    Task("reader1"),
                    Task("reader1"),
                    Task("admin1"),
                    Task("admin1"),
                    Task("reader1"),
                    Task("reader2"),
                ],
        },
    ];
}
