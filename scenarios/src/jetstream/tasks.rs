//! The workloads and the tasks that run them: the store's `GetLatestVersion` and `SaveEvent`
//! in each variant, the client retry, the external writer.

use super::checker::{Saves, Settled, INVARIANTS};
use super::entry::{Variant, Workload};
use super::system::{
    describe_lookup, describe_replaced, describe_seq, Entry, Expect, Latest, Stream,
    VersionConflict,
};
use super::{Jetstream, State, STORES};
use raceway_sim::consistency::{Op, Value};
use raceway_sim::{Cx, Footprint, Invariant, Model, MutexId, Spawner};

const STREAM: &str = "stream[a]";

const CACHES: [&str; 2] = ["store1.versions[a]", "store2.versions[a]"];

const MUTEXES: [&str; 2] = ["store1.mu", "store2.mu"];

/// How many times an external writer tries `fetchLatest` + `publishExpect`. Only the app's two
/// saves can land between its fetch and its publish, so the third attempt cannot fail: the
/// bound only makes termination evident.
pub const EXTERNAL_ATTEMPTS: u32 = 3;

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
/// mismatch, at most [`EXTERNAL_ATTEMPTS`] times. Each attempt is a client's compare-and-set
/// from the version it fetched to the next, marked once its fetch has said which (the append
/// comes after), and failed on a sequence mismatch.
async fn external_append(m: Jetstream, cx: &Cx<State>) {
    for _ in 0..EXTERNAL_ATTEMPTS {
        let tail = fetch_latest(cx).await;
        let version = tail.version + 1;
        let call = cx.invoke_cas("a", m.recorded(tail.version), m.recorded(version));
        if let Expect::Appended(_) = publish_expect(cx, version, tail.seq).await {
            call.ok();
            return;
        }
        call.fail();
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
        cx.step_as(
            "versions[a]",
            fp,
            |s| s.caches[store.index],
            describe_lookup,
        )
        .await
    }

    async fn cache_set(self, cx: &Cx<State>, store: Store, entry: Entry) {
        let label = versioned(&CACHE_SET, entry.version);
        let fp = Footprint::write(CACHES[store.index]);
        let set = |s: &mut State| s.caches[store.index].replace(entry);
        cx.step_as(label, fp, set, describe_replaced).await;
    }

    async fn cache_delete(self, cx: &Cx<State>, store: Store) {
        let fp = Footprint::write(CACHES[store.index]);
        let delete = |s: &mut State| s.caches[store.index].take();
        cx.step_as("delete(versions[a])", fp, delete, describe_replaced)
            .await;
    }

    /// A version as the clients' history records it: relative to the stream's last version at
    /// the start (`review` starts at 2), so that the initial version is the `null` the
    /// checkers' registers start from.
    fn recorded(self, version: u32) -> Value {
        let initial = if self.workload == Workload::Review {
            2
        } else {
            0
        };
        match version.checked_sub(initial) {
            Some(0) | None => Value::Nil,
            Some(v) => Value::Int(v.into()),
        }
    }

    /// `GetLatestVersion(a)`, a client's read of the actor's latest version.
    async fn get_latest_version(self, cx: &Cx<State>, store: Store) -> u32 {
        let call = cx.invoke(Op::Read, "a", Value::Nil);
        let version = self.get_latest_version_uncalled(cx, store).await;
        call.ok_with(self.recorded(version));
        version
    }

    /// `GetLatestVersion(a)`, as each variant writes it.
    async fn get_latest_version_uncalled(self, cx: &Cx<State>, store: Store) -> u32 {
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

    /// `SaveEvent(a@version)`, a client's compare-and-set of the actor's latest version from
    /// `version - 1` to `version` (failed on a version conflict): a save follows the version
    /// its client read, and no workload skips one, so a save that lands on a stream already
    /// at `version` or later breaks the register, as it breaks `versions-increase`.
    async fn save_event(
        self,
        cx: &Cx<State>,
        store: Store,
        version: u32,
    ) -> Result<(), VersionConflict> {
        let previous = version
            .checked_sub(1)
            .map_or(Value::Nil, |v| self.recorded(v));
        let call = cx.invoke_cas("a", previous, self.recorded(version));
        let saved = self.save_event_uncalled(cx, store, version).await;
        match saved {
            Ok(()) => call.ok(),
            Err(_) => call.fail(),
        }
        saved
    }

    /// `SaveEvent(a@version)`: holds `mu` for the whole call.
    async fn save_event_uncalled(
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
        let append = |s: &mut State| s.stream.append(version);
        cx.step_as(label, Footprint::write(STREAM), append, describe_seq)
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
                    external_append(m, &cx).await;
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
