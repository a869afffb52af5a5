//! `jetstream`: a version cache vs external writers (Aether `JetStreamEventStore`, PR #130).
//!
//! **The real system.** Events `(actor, version)` live in a JetStream stream; per actor,
//! versions must strictly increase in append order. A store instance (`JetStreamEventStore`)
//! keeps `versions[actor]`, the last version it believes the actor has, behind its mutex `mu`.
//! `SaveEvent(e)` holds `mu` for the whole call: it takes the cached version (on a miss it
//! fetches the actor's latest from the stream and caches it), rejects `e.version <= current`
//! with `VersionConflict`, publishes `e` and caches `e.version`. Other store instances and
//! external writers append to the same stream behind its back; issue #126 asked
//! `GetLatestVersion` to notice their writes and invalidate the cache.
//!
//! **The model.** One actor `a`; an event is its version, its stream sequence is its position.
//! The stream server's `fetchLatest`, `publish` and `publishExpect` are one step each on
//! `stream[a]` (the server serialises them); every read, write or delete of a store's cache is
//! one step on `storeN.versions[a]`; acquiring `storeN.mu` is a step that blocks the store's
//! other tasks. External writers are well-behaved: `fetchLatest`, then `publishExpect(tail+1)`
//! against the sequence they saw, at most [`EXTERNAL_ATTEMPTS`] times. A `fetches` counter per
//! store (ghost: only the checker reads it) counts its `fetchLatest` calls. No faults: the spec
//! lists none, and publishing never fails except on `publishExpect`'s sequence check.
//!
//! **Settle.** One task runs, store by store: `GetLatestVersion(a)`; the checker notes the
//! cache and the stream's max; then `SaveEvent(a, max)` (must be a `VersionConflict`) and
//! `SaveEvent(a, max+1)` (must cost no fetch since `GetLatestVersion`). That last save really
//! appends: it is a valid event (the stream stays well-formed), it is what a client would do
//! next, and it is then one more write the next store's settle must notice. If the cache is
//! stale after `GetLatestVersion`, convergence has already failed and `SaveEvent(a, max)`
//! would append a duplicate that the safety check would report first, under the wrong kind:
//! the settle skips that store's saves. An *absent* entry is not stale (the next save fetches):
//! it fails the cost check, not convergence. The workload's tasks have all ended, so the
//! settle's store handles lock fresh mutexes of the same names (`settle()` cannot reach the
//! mutex ids the workload created).
//!
//! **Variants** differ in `GetLatestVersion` (and the last in `SaveEvent`).
//! `no-invalidation` (before #126) fetches and returns, never touching the cache.
//! `pr-commit-1` fetches without `mu`, then under `mu` deletes the entry if the fetch is newer
//! (no repopulation). `unlocked-set` fetches without `mu`, then sets the entry under `mu`: the
//! race the review describes. `merged` (#130 as merged) fetches and sets under `mu`.
//! `conditional-append` is `merged`, and `SaveEvent` caches the sequence with the version and
//! publishes with `publishExpect` against it; on a sequence mismatch it refreshes the entry
//! from the stream and returns `VersionConflict`.

use crate::catalog::{breaks, holds, Expectation, Named, Scenario};
use raceway_sim::strategy::ScriptStep::Task;
use raceway_sim::{Check, Cx, Footprint, Invariant, Model, MutexId, Spawner};
use std::fmt;
use strum::{EnumMessage, IntoStaticStr, VariantArray};

const STREAM: &str = "stream[a]";
const STORES: [&str; 2] = ["store1", "store2"];
const CACHES: [&str; 2] = ["store1.versions[a]", "store2.versions[a]"];
const MUTEXES: [&str; 2] = ["store1.mu", "store2.mu"];

/// How many times an external writer tries `fetchLatest` + `publishExpect`. Only the app's two
/// saves can land between its fetch and its publish, so the third attempt cannot fail: the
/// bound only makes termination evident.
pub const EXTERNAL_ATTEMPTS: u32 = 3;

/// Events the stream can hold. A run holds at most 6: `two-stores` appends four in its
/// workload and one per store in the settle (`review` starts with two, then 2 + 1).
const CAPACITY: usize = 8;

/// Labels that name a version, indexed by it. Every save asks at most the stream's max + 1,
/// so each append raises the max by at most 1: versions stay at or below 6 + 1.
macro_rules! by_version {
    ($pre:literal, $post:literal) => {
        [
            concat!($pre, 0, $post),
            concat!($pre, 1, $post),
            concat!($pre, 2, $post),
            concat!($pre, 3, $post),
            concat!($pre, 4, $post),
            concat!($pre, 5, $post),
            concat!($pre, 6, $post),
            concat!($pre, 7, $post),
            concat!($pre, 8, $post),
        ]
    };
}

const PUBLISH: [&str; 9] = by_version!("js.Publish(a@", ")");
const PUBLISH_EXPECT: [&str; 9] = by_version!("js.PublishExpect(a@", ")");
const CACHE_SET: [&str; 9] = by_version!("versions[a] = ", "");

fn versioned(labels: &[&'static str; 9], version: u32) -> &'static str {
    labels[version as usize]
}

/// The actor's last event as the stream reports it: version 0 and sequence 0 when it has none.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Latest {
    version: u32,
    seq: u32,
}

impl fmt::Debug for Latest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.version {
            0 => f.write_str("none"),
            v => write!(f, "a@{v}, seq {}", self.seq),
        }
    }
}

/// A cache entry: the version, and under `conditional-append` the sequence it was seen at.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Entry {
    version: u32,
    seq: Option<u32>,
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.version)?;
        match self.seq {
            Some(seq) => write!(f, " (seq {seq})"),
            None => Ok(()),
        }
    }
}

/// What a cache read found, as the trace shows it.
#[derive(Clone, Copy)]
struct Lookup(Option<Entry>);

impl fmt::Debug for Lookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(e) => write!(f, "hit {e:?}"),
            None => f.write_str("miss"),
        }
    }
}

/// What a cache write or delete replaced, as the trace shows it.
#[derive(Clone, Copy)]
struct Replaced(Option<Entry>);

impl fmt::Debug for Replaced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(e) => write!(f, "was {e:?}"),
            None => f.write_str("was empty"),
        }
    }
}

/// What `publishExpect` did.
#[derive(Clone, Copy)]
enum Expect {
    /// Appended at this sequence.
    Appended(u32),
    /// The actor's last sequence was not the expected one.
    WrongLastSeq { last: u32, expected: u32 },
}

impl fmt::Debug for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Expect::Appended(seq) => write!(f, "seq {seq}"),
            Expect::WrongLastSeq { last, expected } => {
                write!(f, "rejected: last seq {last}, expected {expected}")
            }
        }
    }
}

/// `SaveEvent`'s rejection.
#[derive(Clone, Copy)]
struct VersionConflict {
    current: u32,
    attempted: u32,
}

impl fmt::Display for VersionConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (current, attempted) = (self.current, self.attempted);
        write!(
            f,
            "VersionConflict{{current: {current}, attempted: {attempted}}}"
        )
    }
}

/// The stream, reduced to actor `a`'s versions in append order (sequence = position + 1).
#[derive(Debug, Hash)]
struct Stream {
    versions: [u32; CAPACITY],
    len: usize,
}

impl Stream {
    fn of(initial: &[u32]) -> Stream {
        let mut s = Stream {
            versions: [0; CAPACITY],
            len: 0,
        };
        for &v in initial {
            s.append(v);
        }
        s
    }

    fn events(&self) -> &[u32] {
        &self.versions[..self.len]
    }

    fn latest(&self) -> Latest {
        Latest {
            version: self.events().last().copied().unwrap_or(0),
            seq: self.len as u32,
        }
    }

    fn max(&self) -> u32 {
        self.events().iter().copied().max().unwrap_or(0)
    }

    /// Appends `version`; returns its sequence.
    fn append(&mut self, version: u32) -> u32 {
        self.versions[self.len] = version;
        self.len += 1;
        self.len as u32
    }
}

/// What the settle phase saw of one store.
#[derive(Clone, Copy, Debug, Hash)]
struct Settled {
    /// The cache entry right after `GetLatestVersion(a)`.
    cache: Option<Entry>,
    /// The stream's max version at that moment.
    max: u32,
    /// The two saves, unless a stale entry made the settle skip them.
    saves: Option<Saves>,
}

/// The settle's `SaveEvent(a, max)` and `SaveEvent(a, max+1)`.
#[derive(Clone, Copy, Debug, Hash)]
struct Saves {
    /// Whether `SaveEvent(a, max)` returned `VersionConflict`.
    rejected: bool,
    /// Fetches from the end of `GetLatestVersion` to the end of `SaveEvent(a, max+1)`.
    fetches: u32,
}

/// The shared state: the stream, each store's cache, and the checker's ghost fields.
#[derive(Debug, Hash)]
pub struct State {
    stream: Stream,
    caches: [Option<Entry>; 2],
    /// How many store instances the workload has (1 or 2).
    stores: usize,
    /// Ghost: `fetchLatest` calls made by each store.
    fetches: [u32; 2],
    /// Ghost: what the settle phase saw of each store.
    settled: [Option<Settled>; 2],
}

/// The variants of the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, VariantArray, IntoStaticStr, EnumMessage)]
#[strum(serialize_all = "kebab-case")]
pub enum Variant {
    /// before #126: GetLatestVersion fetches and never touches the cache
    NoInvalidation,
    /// #130's first commit: unlocked fetch, then delete a stale entry under mu
    #[strum(serialize = "pr-commit-1")]
    PrCommit1,
    /// unlocked fetch, then versions[a] = fetched under mu (the review's race)
    // The line is plain text for `raceway list`, not a link.
    #[allow(rustdoc::broken_intra_doc_links)]
    UnlockedSet,
    /// #130 as merged: fetch and set under mu
    Merged,
    /// merged, and SaveEvent publishes with publishExpect against the cached sequence
    ConditionalAppend,
}

/// The workloads of the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, VariantArray, IntoStaticStr, EnumMessage)]
#[strum(serialize_all = "kebab-case")]
pub enum Workload {
    /// the seed: stream a@1 a@2, cache a→2; GetLatestVersion(a) races SaveEvent(a@3) and its retry
    Review,
    /// one store saves twice (GetLatestVersion, SaveEvent(v+1)); an external writer appends once
    External,
    /// two store instances on one stream, each saving twice
    TwoStores,
}

/// A store instance as its tasks see it: which one, and its mutex.
#[derive(Clone, Copy)]
struct Store {
    index: usize,
    mu: MutexId,
}

impl Store {
    fn new(sp: &mut Spawner<'_, State>, index: usize) -> Store {
        Store {
            index,
            mu: sp.mutex(MUTEXES[index]),
        }
    }

    fn name(self) -> &'static str {
        STORES[self.index]
    }
}

/// The model of one (workload, variant).
#[derive(Clone, Copy, Debug)]
pub struct Jetstream {
    /// The workload.
    pub workload: Workload,
    /// The variant.
    pub variant: Variant,
}

/// The stream server's `fetchLatest(a)`.
async fn fetch_latest(cx: &Cx<State>) -> Latest {
    cx.step("js.FetchLatest(a)", Footprint::read(STREAM), |s| {
        s.stream.latest()
    })
    .await
}

/// The stream server's `publishExpect(a@version, expected)`.
async fn publish_expect(cx: &Cx<State>, version: u32, expected: u32) -> Expect {
    let label = versioned(&PUBLISH_EXPECT, version);
    cx.step(label, Footprint::write(STREAM), |s| {
        let last = s.stream.latest().seq;
        if last == expected {
            Expect::Appended(s.stream.append(version))
        } else {
            Expect::WrongLastSeq { last, expected }
        }
    })
    .await
}

/// An external writer: appends `tail + 1` with `publishExpect`, retrying on a sequence
/// mismatch, at most [`EXTERNAL_ATTEMPTS`] times.
async fn external_append(cx: &Cx<State>) {
    for _ in 0..EXTERNAL_ATTEMPTS {
        let tail = fetch_latest(cx).await;
        if let Expect::Appended(_) = publish_expect(cx, tail.version + 1, tail.seq).await {
            return;
        }
    }
}

impl Jetstream {
    /// How many store instances the workload has.
    fn stores(self) -> usize {
        match self.workload {
            Workload::Review | Workload::External => 1,
            Workload::TwoStores => 2,
        }
    }

    /// The entry a variant caches for what the stream reported.
    fn entry(self, version: u32, seq: u32) -> Entry {
        let seq = (self.variant == Variant::ConditionalAppend).then_some(seq);
        Entry { version, seq }
    }

    /// `fetchLatest` on behalf of a store, counted.
    async fn fetch(self, cx: &Cx<State>, store: Store) -> Latest {
        let latest = fetch_latest(cx).await;
        cx.ghost(|s| s.fetches[store.index] += 1);
        latest
    }

    async fn cache_get(self, cx: &Cx<State>, store: Store) -> Option<Entry> {
        let fp = Footprint::read(CACHES[store.index]);
        cx.step("versions[a]", fp, |s| Lookup(s.caches[store.index]))
            .await
            .0
    }

    async fn cache_set(self, cx: &Cx<State>, store: Store, entry: Entry) {
        let label = versioned(&CACHE_SET, entry.version);
        cx.step(label, Footprint::write(CACHES[store.index]), |s| {
            Replaced(s.caches[store.index].replace(entry))
        })
        .await;
    }

    async fn cache_delete(self, cx: &Cx<State>, store: Store) {
        let fp = Footprint::write(CACHES[store.index]);
        cx.step("delete(versions[a])", fp, |s| {
            Replaced(s.caches[store.index].take())
        })
        .await;
    }

    /// `GetLatestVersion(a)`, as each variant writes it.
    async fn get_latest_version(self, cx: &Cx<State>, store: Store) -> u32 {
        cx.note(|| format!("{}.GetLatestVersion(a)", store.name()));
        match self.variant {
            Variant::NoInvalidation => self.fetch(cx, store).await.version,
            Variant::PrCommit1 => {
                let latest = self.fetch(cx, store).await;
                let _mu = cx.lock(store.mu).await;
                let cached = self.cache_get(cx, store).await;
                if cached.is_some_and(|c| latest.version > c.version) {
                    self.cache_delete(cx, store).await;
                }
                latest.version
            }
            Variant::UnlockedSet => {
                let latest = self.fetch(cx, store).await;
                let _mu = cx.lock(store.mu).await;
                let entry = self.entry(latest.version, latest.seq);
                self.cache_set(cx, store, entry).await;
                latest.version
            }
            Variant::Merged | Variant::ConditionalAppend => {
                let _mu = cx.lock(store.mu).await;
                let latest = self.fetch(cx, store).await;
                let entry = self.entry(latest.version, latest.seq);
                self.cache_set(cx, store, entry).await;
                latest.version
            }
        }
    }

    /// `getLatestVersionLocked(a)`: the cached entry, or the stream's latest, then cached.
    async fn latest_locked(self, cx: &Cx<State>, store: Store) -> Entry {
        if let Some(entry) = self.cache_get(cx, store).await {
            return entry;
        }
        self.refresh(cx, store).await
    }

    /// Fetches the actor's latest and caches it.
    async fn refresh(self, cx: &Cx<State>, store: Store) -> Entry {
        let latest = self.fetch(cx, store).await;
        let entry = self.entry(latest.version, latest.seq);
        self.cache_set(cx, store, entry).await;
        entry
    }

    /// `SaveEvent(a@version)`: holds `mu` for the whole call.
    async fn save_event(
        self,
        cx: &Cx<State>,
        store: Store,
        version: u32,
    ) -> Result<(), VersionConflict> {
        cx.note(|| format!("{}.SaveEvent(a@{version})", store.name()));
        let _mu = cx.lock(store.mu).await;
        let current = self.latest_locked(cx, store).await;
        let outcome = if version <= current.version {
            Err(current.version)
        } else {
            match current.seq {
                // Only `conditional-append` caches the sequence, to publish against it.
                Some(seq) => self.publish_checked(cx, store, version, seq).await,
                None => {
                    self.publish(cx, version).await;
                    self.cache_set(cx, store, self.entry(version, 0)).await;
                    Ok(())
                }
            }
        };
        outcome.map_err(|current| {
            let conflict = VersionConflict {
                current,
                attempted: version,
            };
            cx.note(|| conflict.to_string());
            conflict
        })
    }

    /// The stream server's plain `publish(a@version)`.
    async fn publish(self, cx: &Cx<State>, version: u32) {
        let label = versioned(&PUBLISH, version);
        cx.step(label, Footprint::write(STREAM), |s| {
            SeqNo(s.stream.append(version))
        })
        .await;
    }

    /// `conditional-append`'s publish: `publishExpect` against the cached sequence; on a
    /// mismatch, refresh the entry and report the stream's current version.
    async fn publish_checked(
        self,
        cx: &Cx<State>,
        store: Store,
        version: u32,
        seq: u32,
    ) -> Result<(), u32> {
        match publish_expect(cx, version, seq).await {
            Expect::Appended(seq) => {
                self.cache_set(cx, store, self.entry(version, seq)).await;
                Ok(())
            }
            Expect::WrongLastSeq { .. } => Err(self.refresh(cx, store).await.version),
        }
    }

    /// The client pattern: `v = GetLatestVersion(a)`, then `SaveEvent(a, v+1)`.
    async fn client_save(self, cx: &Cx<State>, store: Store) {
        let v = self.get_latest_version(cx, store).await;
        // A conflict goes back to the caller, who does not retry here.
        let _ = self.save_event(cx, store, v + 1).await;
    }

    /// The settle phase for one store (see the module doc).
    async fn settle_store(self, cx: &Cx<State>, store: Store) {
        let i = store.index;
        self.get_latest_version(cx, store).await;
        let (cache, max, before) = cx.ghost(|s| (s.caches[i], s.stream.max(), s.fetches[i]));
        let stale = cache.is_some_and(|e| e.version != max);
        let saves = if stale {
            None
        } else {
            let rejected = self.save_event(cx, store, max).await.is_err();
            // Its outcome shows in the trace; the cost check needs only the fetches.
            let _ = self.save_event(cx, store, max + 1).await;
            let fetches = cx.ghost(|s| s.fetches[i]) - before;
            cx.note(|| format!("{} fetches since GetLatestVersion: {fetches}", store.name()));
            Some(Saves { rejected, fetches })
        };
        cx.ghost(|s| s.settled[i] = Some(Settled { cache, max, saves }));
    }
}

/// A stream sequence number, as `publish` returns it.
#[derive(Clone, Copy)]
struct SeqNo(u32);

impl fmt::Debug for SeqNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "seq {}", self.0)
    }
}

/// Safety: per actor, versions strictly increase in append order, starting above 0.
fn versions_increase(s: &State) -> Check {
    let mut prev = 0;
    for (seq, &v) in (1..).zip(s.stream.events()) {
        if v <= prev {
            let what = if v == prev {
                "a duplicate"
            } else {
                "a lower version"
            };
            return Err(format!(
                "a@{v} at seq {seq} follows a@{prev} at seq {}: {what}; versions must strictly \
                 increase",
                seq - 1
            ));
        }
        prev = v;
    }
    Ok(())
}

/// Safety: no store's cache is ahead of the stream.
fn cache_not_ahead(s: &State) -> Check {
    let max = s.stream.max();
    for (i, cache) in s.caches.iter().enumerate().take(s.stores) {
        if let Some(e) = cache.filter(|e| e.version > max) {
            return Err(format!(
                "{}'s cache holds a→{e:?} but the stream's max is {max}",
                STORES[i]
            ));
        }
    }
    Ok(())
}

/// Convergence: after `GetLatestVersion(a)`, no store holds a stale entry, and
/// `SaveEvent(a, max)` is rejected.
fn cache_converges(s: &State) -> Check {
    for (i, settled) in s.settled.iter().enumerate().take(s.stores) {
        let store = STORES[i];
        let Some(settled) = settled else {
            return Err(format!("the settle phase did not reach {store}"));
        };
        let max = settled.max;
        match (settled.cache, settled.saves) {
            (Some(e), _) if e.version != max => {
                return Err(format!(
                "after {store}.GetLatestVersion(a) its cache holds a→{e:?} but the stream's max \
                     is {max}: SaveEvent(a@{max}) would pass the check and append a duplicate"
            ))
            }
            (_, Some(saves)) if !saves.rejected => {
                return Err(format!(
                    "after {store}.GetLatestVersion(a), SaveEvent(a@{max}) was accepted"
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Cost: after `GetLatestVersion(a)`, saves are served from the cache: zero fetches. (A store
/// whose saves were skipped has already failed convergence, which is checked first.)
fn cache_repopulated(s: &State) -> Check {
    for (i, settled) in s.settled.iter().enumerate().take(s.stores) {
        let Some(Settled {
            max,
            saves: Some(saves),
            ..
        }) = settled
        else {
            continue;
        };
        if saves.fetches > 0 {
            return Err(format!(
                "{0}.SaveEvent(a@{max}) and SaveEvent(a@{1}) after {0}.GetLatestVersion(a) made \
                 {2} fetch(es): the cache was not repopulated",
                STORES[i],
                max + 1,
                saves.fetches
            ));
        }
    }
    Ok(())
}

const VERSIONS_INCREASE: Invariant<State> =
    Invariant::safety("versions-increase", versions_increase);
const CACHE_NOT_AHEAD: Invariant<State> = Invariant::safety("cache-not-ahead", cache_not_ahead);
const CACHE_CONVERGES: Invariant<State> =
    Invariant::convergence("cache-converges", cache_converges);
const CACHE_REPOPULATED: Invariant<State> = Invariant::cost("cache-repopulated", cache_repopulated);
static INVARIANTS: [Invariant<State>; 4] = [
    VERSIONS_INCREASE,
    CACHE_NOT_AHEAD,
    CACHE_CONVERGES,
    CACHE_REPOPULATED,
];

impl Model for Jetstream {
    type State = State;

    fn init(&self) -> State {
        let review = self.workload == Workload::Review;
        let initial: &[u32] = if review { &[1, 2] } else { &[] };
        State {
            stream: Stream::of(initial),
            caches: [review.then(|| self.entry(2, 2)), None],
            stores: self.stores(),
            fetches: [0; 2],
            settled: [None; 2],
        }
    }

    fn workload(&self, sp: &mut Spawner<'_, State>) {
        let m = *self;
        let store1 = Store::new(sp, 0);
        match self.workload {
            Workload::Review => {
                sp.spawn("getter", move |cx| async move {
                    m.get_latest_version(&cx, store1).await;
                });
                sp.spawn("saver", move |cx| async move {
                    for _ in 0..2 {
                        let _ = m.save_event(&cx, store1, 3).await;
                    }
                });
            }
            Workload::External => {
                sp.spawn("app", move |cx| async move {
                    for _ in 0..2 {
                        m.client_save(&cx, store1).await;
                    }
                });
                sp.spawn("external", |cx| async move {
                    external_append(&cx).await;
                });
            }
            Workload::TwoStores => {
                let store2 = Store::new(sp, 1);
                for (name, store) in [("app1", store1), ("app2", store2)] {
                    sp.spawn(name, move |cx| async move {
                        for _ in 0..2 {
                            m.client_save(&cx, store).await;
                        }
                    });
                }
            }
        }
    }

    fn settle(&self, sp: &mut Spawner<'_, State>) {
        let m = *self;
        let store1 = Store::new(sp, 0);
        let store2 = (self.stores() == 2).then(|| Store::new(sp, 1));
        sp.spawn("settle", move |cx| async move {
            for store in [Some(store1), store2].into_iter().flatten() {
                m.settle_store(&cx, store).await;
            }
        });
    }

    fn invariants(&self) -> &[Invariant<State>] {
        &INVARIANTS
    }

    fn fingerprint(&self, state: &State) -> Option<raceway_sim::fingerprint::Fingerprint> {
        Some(raceway_sim::fingerprint::of(state))
    }
}

impl Scenario for Jetstream {
    const NAME: &'static str = "jetstream";
    const TITLE: &'static str = "Aether JetStreamEventStore: version cache vs external writers";
    type Workload = Workload;
    type Variant = Variant;

    fn new(workload: Workload, variant: Variant) -> Self {
        Jetstream { workload, variant }
    }

    #[rustfmt::skip]
    fn expect(workload: Workload, variant: Variant) -> Expectation {
        use Variant as V;
        use Workload as W;
        match (workload, variant) {
            (W::Review, V::NoInvalidation) => holds("only the store writes, always under mu, and GetLatestVersion never writes the cache, so the cache is exact"),
            (W::Review, V::PrCommit1) => holds("a delete only drops an entry (the next save refetches), and with one writer under mu the fetch is never above the cache, so nothing stale is ever set"),
            (W::Review, V::UnlockedSet) => breaks("the seed: getter fetches 2, saver publishes a@3 and caches 3, getter's unlocked-then-locked set puts back 2, the retried SaveEvent(a@3) hits 2 and publishes a duplicate"),
            (W::Review, V::Merged) => holds("fetch and set happen under mu, so no save's publish and cache update can fall between them, and the store is the only writer"),
            (W::Review, V::ConditionalAppend) => holds("merged's locked GetLatestVersion keeps the cache exact; publishExpect would refuse any stale append anyway"),
            (W::External, V::NoInvalidation) => breaks("the external writer appends between the app's GetLatestVersion (v) and SaveEvent(v+1); the cache (≤ v) lets plain publish append a duplicate v+1"),
            (W::External, V::PrCommit1) => breaks("invalidation runs only in GetLatestVersion: an external append right after it leaves SaveEvent a stale hit, and plain publish appends a duplicate"),
            (W::External, V::UnlockedSet) => breaks("the review's race needs a second task on the store (none here), but an external append between GetLatestVersion and SaveEvent leaves a stale hit, and plain publish appends a duplicate"),
            (W::External, V::Merged) => breaks("#130 invalidates only in GetLatestVersion: an external append between it and SaveEvent leaves a stale hit, and plain publish appends a duplicate"),
            (W::External, V::ConditionalAppend) => holds("an entry's (version, seq) was once the stream's last event; publishExpect appends only while seq is still the last, so e.version > version keeps versions increasing; a mismatch refreshes and conflicts"),
            (W::TwoStores, V::NoInvalidation) => breaks("each store's cache misses the other's writes: both read v, both save v+1, and plain publish appends the second as a duplicate"),
            (W::TwoStores, V::PrCommit1) => breaks("the other store's append between this store's GetLatestVersion and SaveEvent leaves a stale hit; plain publish appends a duplicate"),
            (W::TwoStores, V::UnlockedSet) => breaks("the other store's append between this store's GetLatestVersion and SaveEvent leaves a stale hit; plain publish appends a duplicate"),
            (W::TwoStores, V::Merged) => breaks("the other store is an external writer: its append between GetLatestVersion and SaveEvent leaves a stale hit, and plain publish appends a duplicate"),
            (W::TwoStores, V::ConditionalAppend) => holds("both stores append with publishExpect against the sequence seen with their version: of two racing saves only one lands, the other refreshes and conflicts"),
        }
    }

    const NAMED: &'static [Named<Self>] = &[
        Named {
            name: "seed",
            workload: Workload::Review,
            variant: Variant::UnlockedSet,
            breaks: VERSIONS_INCREASE.name,
            about: "the review's race: a stale versions[a] = 2 lets the retried SaveEvent(a@3) publish a duplicate",
            script: &[
                    // getter: js.FetchLatest(a) without the lock → 2
                    Task("getter"),
                    // saver: lock; hit 2; js.Publish(a@3); versions[a] = 3; unlock
                    Task("saver"),
                    Task("saver"),
                    Task("saver"),
                    Task("saver"),
                    // getter: lock; versions[a] = 2 (stale); unlock
                    Task("getter"),
                    Task("getter"),
                    // saver: lock; hit 2; 3 > 2, so js.Publish(a@3): a duplicate
                    Task("saver"),
                    Task("saver"),
                    Task("saver"),
                ],
        },
        Named {
            name: "external-between",
            workload: Workload::External,
            variant: Variant::Merged,
            breaks: VERSIONS_INCREASE.name,
            about: "an external append between GetLatestVersion and SaveEvent: the fix as merged trusts a stale hit",
            script: &[
                    // app: GetLatestVersion(a): lock; js.FetchLatest(a) → none; versions[a] = 0
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    // external: js.FetchLatest(a) → none; js.PublishExpect(a@1) → seq 1
                    Task("external"),
                    Task("external"),
                    // app: SaveEvent(a@1): lock; hit 0; js.Publish(a@1): a duplicate
                    Task("app"),
                    Task("app"),
                    Task("app"),
                ],
        },
        Named {
            name: "never-refreshed",
            workload: Workload::External,
            variant: Variant::NoInvalidation,
            breaks: CACHE_CONVERGES.name,
            about: "an external append after the app's saves: GetLatestVersion never refreshes the stale cache",
            script: &[
                    // app: GetLatestVersion(a) → 0; SaveEvent(a@1): a miss, so fetch and cache 0,
                    // then publish and cache 1
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    // app: GetLatestVersion(a) → 1; SaveEvent(a@2): hit 1, publish, cache 2
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    // external: js.FetchLatest(a) → a@2; js.PublishExpect(a@3) → seq 3
                    Task("external"),
                    Task("external"),
                ],
        },
        Named {
            name: "not-repopulated",
            workload: Workload::External,
            variant: Variant::PrCommit1,
            breaks: CACHE_REPOPULATED.name,
            about: "an external append after the app's saves: GetLatestVersion deletes the stale entry, the next save fetches",
            script: &[
                    // app: GetLatestVersion(a) → 0 (a miss: nothing to delete); SaveEvent(a@1): a
                    // miss, so fetch and cache 0, then publish and cache 1
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    // app: GetLatestVersion(a) → 1 (hit 1: nothing to delete); SaveEvent(a@2): hit
                    // 1, publish, cache 2
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    // external: js.FetchLatest(a) → a@2; js.PublishExpect(a@3) → seq 3
                    Task("external"),
                    Task("external"),
                ],
        },
    ];
}
