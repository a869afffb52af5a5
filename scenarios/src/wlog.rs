//! `wlog`: a stale cached "missing" record (voedger, `pkg/istoragecache/impl.go`).
//!
//! **The real system.** An app's storage is fronted by one cache shared by all its goroutines.
//! A slot is `Absent`, `Miss` (a cached "not found") or `Val(v)`; nothing expires. The command
//! processor forks two goroutines per command: the sync projector reads the wlog record by
//! exact offset through `Get`, while `PutWlog` writes it with `InsertIfNotExists`. `Get` is not
//! atomic: between its `storage.Get` and its `cache.Set` the record can be inserted and cached,
//! and the projector's `cache.Set(k, nil)` then overwrites it with a permanent "missing".
//! Exact-offset reads go through `Get` (and find nothing), range reads through `Read` (and find
//! the record): that disagreement is what users saw.
//!
//! **The model.** One key `k`; every cache and storage access is one step. Eviction is a task,
//! `evictor`, whose single step `cache.Evict(k)` the scheduler may place anywhere in the
//! workload: one eviction per run (the spec allows one at any step; more than one adds no
//! behaviour to these workloads, since a second eviction only repeats the first's effect on
//! the one key). The settle phase runs `Get(k)` and `Read(k..)` once more.
//!
//! **Variants.** `buggy` sets the cache unconditionally after a storage read, `Miss` or `Val`.
//! `merged` (upstream 088667a7) writes a `Miss` only if the key is not cached at that moment
//! (check and set as one step under the cache mutex); positive sets stay unconditional.
//! `no-negative` never caches a miss. `epoch` keeps a per-key epoch that every storage write
//! bumps in the same step; `Get` notes it first and installs its result only if unchanged.
//!
//! **Client operations** (the history the consistency matrix checks, on one register `k`):
//! `Get(k)` and `Read(k..)` are reads, `InsertIfNotExists(k, v)` a compare-and-set from absent,
//! `Put(k, v2)` a write, `CompareAndDelete(k, v2)` a compare-and-set to absent. `records`
//! starts with `v1` stored, which the history spells `null` (the registers' initial value).
//!
//! **What the verdicts assume.** Nothing here runs on the clock (no TTL, no timer, no
//! timeout), so a slow call is only a later step, and the scheduler already holds any task back
//! past any other's steps: no verdict rests on a step taking no time. The workloads are the
//! seed's fork and a record's update and delete; a projector that retries its `Get` would meet
//! the same cached `Miss`.

use crate::catalog::{breaks, holds, Expectation, Named, Scenario};
use raceway_sim::consistency::{Op, Value};
use raceway_sim::strategy::ScriptStep::Task;
use raceway_sim::{Check, Cx, Footprint, Invariant, Model, Spawner};
use std::fmt;
use strum::{EnumMessage, IntoStaticStr, VariantArray};

const CACHE: &str = "cache[k]";
const STORAGE: &str = "storage[k]";
const EPOCH: &str = "epoch[k]";

/// A version of the record.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum V {
    /// The wlog record of the `fork` workload.
    V,
    /// The record's first version (`records`).
    V1,
    /// The record's second version (`records`).
    V2,
}

impl fmt::Debug for V {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            V::V => "v",
            V::V1 => "v1",
            V::V2 => "v2",
        })
    }
}

/// A version in the clients' history. `records` starts with `v1` stored: its history starts
/// from a register holding `v1`, which the checkers' specifications spell `null` (what they
/// start from), so a read of `v1` there reads the initial value, as a read that finds nothing
/// does.
impl From<V> for Value {
    fn from(v: V) -> Value {
        match v {
            V::V => Value::text("v"),
            V::V1 => Value::Nil,
            V::V2 => Value::text("v2"),
        }
    }
}

/// A cache slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Slot {
    /// Nothing cached.
    Absent,
    /// A cached "not found".
    Miss,
    /// A cached value.
    Val(V),
}

impl Slot {
    fn of(found: Option<V>) -> Slot {
        found.map_or(Slot::Miss, Slot::Val)
    }
}

/// What a storage read found, as the trace and the checker say it.
fn lookup(found: Option<V>) -> String {
    match found {
        Some(v) => format!("found {v:?}"),
        None => "not found".to_string(),
    }
}

/// A storage read's result in the trace.
fn describe_lookup(found: &Option<V>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str(&lookup(*found))
}

/// What a conditional cache fill did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fill {
    Set(Slot),
    Skipped,
}

/// The shared state: one key's storage row and cache slot, and the checker's ghost results.
#[derive(Debug, Hash)]
pub struct State {
    storage: Option<V>,
    cache: Slot,
    epoch: u64,
    /// Ghost: what the settle phase's `Get(k)` and `Read(k..)` returned.
    settled: Option<(Option<V>, Option<V>)>,
}

/// The variants of the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, VariantArray, IntoStaticStr, EnumMessage)]
#[strum(serialize_all = "kebab-case")]
pub enum Variant {
    /// Get sets the cache unconditionally, Miss or Val
    Buggy,
    /// 088667a7: a Miss only into an empty slot, under the cache mutex
    Merged,
    /// Get never caches a miss
    NoNegative,
    /// per-key epoch bumped by writers; Get installs only if unchanged
    Epoch,
}

/// The workloads of the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, VariantArray, IntoStaticStr, EnumMessage)]
#[strum(serialize_all = "kebab-case")]
pub enum Workload {
    /// the seed: projector Get(k) races PutWlog's InsertIfNotExists(k, v)
    Fork,
    /// fork, with one cache eviction anywhere
    ForkEvict,
    /// k holds v1; Get(k) races Put(k, v2) and CompareAndDelete(k, v2)
    Records,
}

/// The model of one (workload, variant).
#[derive(Clone, Copy, Debug)]
pub struct Wlog {
    /// The workload.
    pub workload: Workload,
    /// The variant.
    pub variant: Variant,
}

fn set_label(slot: Slot) -> &'static str {
    match slot {
        Slot::Absent => "cache.Del(k)",
        Slot::Miss => "cache.Set(k, Miss)",
        Slot::Val(V::V) => "cache.Set(k, Val(v))",
        Slot::Val(V::V1) => "cache.Set(k, Val(v1))",
        Slot::Val(V::V2) => "cache.Set(k, Val(v2))",
    }
}

impl Wlog {
    fn storage_write(&self) -> Footprint {
        match self.variant {
            Variant::Epoch => Footprint::write(STORAGE).and_write(EPOCH),
            _ => Footprint::write(STORAGE),
        }
    }

    fn bump(&self, s: &mut State) {
        if self.variant == Variant::Epoch {
            s.epoch += 1;
        }
    }

    /// `cachedAppStorage.Get(k)`, a client's read of `k`.
    async fn get(self, cx: &Cx<State>) -> Option<V> {
        let call = cx.invoke(Op::Read, "k", Value::Nil);
        let found = self.get_uncalled(cx).await;
        call.ok_with(found);
        found
    }

    /// `Get(k)`'s steps.
    async fn get_uncalled(self, cx: &Cx<State>) -> Option<V> {
        let (slot, epoch) = if self.variant == Variant::Epoch {
            let fp = Footprint::read(CACHE).and_read(EPOCH);
            cx.step("cache.HasGet(k)", fp, |s| (s.cache, s.epoch)).await
        } else {
            let slot = cx.step("cache.HasGet(k)", Footprint::read(CACHE), |s| s.cache);
            (slot.await, 0)
        };
        match slot {
            Slot::Miss => return None,
            Slot::Val(v) => return Some(v),
            Slot::Absent => {}
        }
        let read = Footprint::read(STORAGE);
        let found = cx
            .step_as("storage.Get(k)", read, |s| s.storage, describe_lookup)
            .await;
        let fill = Slot::of(found);
        let write = Footprint::write(CACHE);
        match (self.variant, found) {
            (Variant::Buggy, _) | (Variant::Merged | Variant::NoNegative, Some(_)) => {
                cx.step(set_label(fill), write, |s| s.cache = fill).await;
            }
            (Variant::Merged, None) => {
                let fp = Footprint::read(CACHE).and_write(CACHE);
                cx.step("cache.SetIfAbsent(k, Miss)", fp, |s| {
                    if s.cache == Slot::Absent {
                        s.cache = Slot::Miss;
                        Fill::Set(Slot::Miss)
                    } else {
                        Fill::Skipped
                    }
                })
                .await;
            }
            (Variant::NoNegative, None) => {}
            (Variant::Epoch, _) => {
                let fp = Footprint::read(EPOCH).and_write(CACHE);
                cx.step("cache.SetIfEpochUnchanged(k)", fp, |s| {
                    if s.epoch == epoch {
                        s.cache = fill;
                        Fill::Set(fill)
                    } else {
                        Fill::Skipped
                    }
                })
                .await;
            }
        }
        found
    }

    /// `cachedAppStorage.InsertIfNotExists(k, v)`: a client's compare-and-set from absent to
    /// `v`, which fails when `k` exists.
    async fn insert_if_not_exists(self, cx: &Cx<State>, v: V) {
        let call = cx.invoke_cas("k", Value::Nil, v);
        let inserted = cx
            .step(
                "storage.InsertIfNotExists(k, v)",
                self.storage_write(),
                |s| {
                    let inserted = s.storage.is_none();
                    if inserted {
                        s.storage = Some(v);
                        self.bump(s);
                    }
                    inserted
                },
            )
            .await;
        if inserted {
            let slot = Slot::Val(v);
            cx.step(set_label(slot), Footprint::write(CACHE), |s| s.cache = slot)
                .await;
            call.ok();
        } else {
            call.fail();
        }
    }

    /// `cachedAppStorage.Put(k, v)`.
    async fn put(self, cx: &Cx<State>, v: V) {
        let call = cx.invoke(Op::Write, "k", v);
        cx.step("storage.Put(k, v2)", self.storage_write(), |s| {
            s.storage = Some(v);
            self.bump(s);
        })
        .await;
        let slot = Slot::Val(v);
        cx.step(set_label(slot), Footprint::write(CACHE), |s| s.cache = slot)
            .await;
        call.ok();
    }

    /// `cachedAppStorage.CompareAndDelete(k, v)`: a client's compare-and-set from `v` to
    /// absent.
    async fn compare_and_delete(self, cx: &Cx<State>, v: V) {
        let call = cx.invoke_cas("k", v, Value::Nil);
        let deleted = cx
            .step(
                "storage.CompareAndDelete(k, v2)",
                self.storage_write(),
                |s| {
                    let deleted = s.storage == Some(v);
                    if deleted {
                        s.storage = None;
                        self.bump(s);
                    }
                    deleted
                },
            )
            .await;
        if deleted {
            cx.step("cache.Del(k)", Footprint::write(CACHE), |s| {
                s.cache = Slot::Absent
            })
            .await;
            call.ok();
        } else {
            call.fail();
        }
    }

    /// `cachedAppStorage.Read(range)`: bypasses the cache.
    async fn read(self, cx: &Cx<State>) -> Option<V> {
        let call = cx.invoke(Op::Read, "k", Value::Nil);
        let read = Footprint::read(STORAGE);
        let found = cx.step_as("storage.Read(k..)", read, |s| s.storage, describe_lookup);
        let found = found.await;
        call.ok_with(found);
        found
    }
}

/// Safety at quiescence: the cache never contradicts storage.
fn cache_agrees_with_storage(s: &State) -> Check {
    match (s.cache, s.storage) {
        (Slot::Miss, Some(v)) => Err(format!("cache holds Miss but storage holds {v:?}")),
        (Slot::Val(c), stored) if stored != Some(c) => Err(format!(
            "cache holds Val({c:?}) but storage {}",
            stored.map_or("lacks the key".to_string(), |v| format!("holds {v:?}"))
        )),
        _ => Ok(()),
    }
}

/// Convergence: a read by exact offset agrees with a read over a range holding it.
fn get_agrees_with_read(s: &State) -> Check {
    match s.settled {
        Some((get, read)) if get != read => Err(format!(
            "Get(k) by exact offset returns {} but Read(k..) returns {}",
            lookup(get),
            lookup(read)
        )),
        Some(_) => Ok(()),
        None => Err("the settle phase did not run".to_string()),
    }
}

const CACHE_AGREES_WITH_STORAGE: Invariant<State> =
    Invariant::safety_at_end("cache-agrees-with-storage", cache_agrees_with_storage);
const GET_AGREES_WITH_READ: Invariant<State> =
    Invariant::convergence("get-agrees-with-read", get_agrees_with_read);
static INVARIANTS: [Invariant<State>; 2] = [CACHE_AGREES_WITH_STORAGE, GET_AGREES_WITH_READ];

impl Model for Wlog {
    type State = State;

    fn init(&self) -> State {
        State {
            storage: (self.workload == Workload::Records).then_some(V::V1),
            cache: Slot::Absent,
            epoch: 0,
            settled: None,
        }
    }

    fn workload(&self, sp: &mut Spawner<'_, State>) {
        let m = *self;
        match self.workload {
            Workload::Fork | Workload::ForkEvict => {
                sp.spawn("projector", move |cx| async move {
                    m.get(&cx).await;
                });
                sp.spawn("putwlog", move |cx| async move {
                    m.insert_if_not_exists(&cx, V::V).await;
                });
                if self.workload == Workload::ForkEvict {
                    sp.spawn("evictor", |cx| async move {
                        cx.step("cache.Evict(k)", Footprint::write(CACHE), |s| {
                            std::mem::replace(&mut s.cache, Slot::Absent)
                        })
                        .await;
                    });
                }
            }
            Workload::Records => {
                sp.spawn("reader", move |cx| async move {
                    m.get(&cx).await;
                });
                sp.spawn("writer", move |cx| async move {
                    m.put(&cx, V::V2).await;
                });
                sp.spawn("deleter", move |cx| async move {
                    m.compare_and_delete(&cx, V::V2).await;
                });
            }
        }
    }

    fn settle(&self, sp: &mut Spawner<'_, State>) {
        let m = *self;
        sp.spawn("settle", move |cx| async move {
            let get = m.get(&cx).await;
            let read = m.read(&cx).await;
            cx.ghost(|s| s.settled = Some((get, read)));
        });
    }

    fn invariants(&self) -> &[Invariant<State>] {
        &INVARIANTS
    }

    fn fingerprint(&self, state: &State) -> Option<raceway_sim::fingerprint::Fingerprint> {
        Some(raceway_sim::fingerprint::of(state))
    }
}

impl Scenario for Wlog {
    const NAME: &'static str = "wlog";
    const TITLE: &'static str = "voedger: projector Get vs PutWlog on a shared storage cache";
    type Workload = Workload;
    type Variant = Variant;

    fn new(workload: Workload, variant: Variant) -> Self {
        Wlog { workload, variant }
    }

    #[rustfmt::skip]
    fn expect(workload: Workload, variant: Variant) -> Expectation {
        use Variant::*;
        use Workload::*;
        match (workload, variant) {
            (Fork, Buggy) => breaks("the seed: the projector's Set(k, Miss) lands after PutWlog's Set(k, Val(v))"),
            (Fork, Merged) => holds("a Miss is set only into an empty slot, and PutWlog's Set(Val) overwrites any Miss"),
            (Fork, NoNegative) => holds("no Miss is ever cached, and the only value set is the inserted one"),
            (Fork, Epoch) => holds("the insert bumps the epoch, so a Get that read before it installs nothing"),
            (ForkEvict, Buggy) => breaks("the seed's race needs no eviction"),
            (ForkEvict, Merged) => breaks("an eviction between PutWlog's Set(Val) and the projector's SetIfAbsent(Miss) empties the slot, so the stale Miss goes in: the fix relies on the entry staying cached"),
            (ForkEvict, NoNegative) => holds("no Miss is ever cached; an eviction only sends the next Get to storage"),
            (ForkEvict, Epoch) => holds("eviction does not touch storage, and a Get that raced the insert sees the epoch moved"),
            (Records, Buggy) => breaks("the reader's Set(k, Val(v1)) lands after the writer's Put(v2): a stale positive entry"),
            (Records, Merged) => breaks("the fix guards only Miss; the reader's unconditional Set(k, Val(v1)) still lands after Put(v2)"),
            (Records, NoNegative) => breaks("positive sets stay unconditional: the reader's Set(k, Val(v1)) after Put(v2)"),
            (Records, Epoch) => breaks("the epoch guards Get's fill only: the writer's own Set(k, Val(v2)) lands after the deleter's storage delete and cache.Del"),
        }
    }

    const NAMED: &'static [Named<Self>] = &[Named {
        name: "seed",
        workload: Workload::Fork,
        variant: Variant::Buggy,
        breaks: "cache-agrees-with-storage",
        about: "the seed report's interleaving: Set(k, Miss) overwrites Set(k, Val(v))",
        script: &[
            Task("projector"),
            Task("projector"),
            Task("putwlog"),
            Task("putwlog"),
            Task("projector"),
        ],
    }];
}
