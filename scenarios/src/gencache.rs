//! `gencache`: a two-generation cache under Raft rotation and delete (formance ledger v3,
//! `internal/infra/cache/cache.go` and the FSM's Preload; fix #1455 on release/v3.0, on top of
//! the `CacheUnreachable` guard of #1458).
//!
//! **The real system.** A replicated state machine applies a Raft log in order. Orders on
//! metadata keys are admitted when proposed, against the cache as it is then: `CheckCache(at, k)`
//! compares the generation of the order's future index `at` with the cache's (`Δ = Gen(at) -
//! curGen`, `Gen(i) = (i - 1) / K`) to predict whether `k` is still cached when the order
//! applies. A Hit makes a coverage-only plan entry; a Miss reads the committed store (Pebble,
//! `A`), and a value found there becomes a seed; `Δ ≥ 2` is `CacheUnreachable`: the proposal is
//! rejected and the client retries. The FSM applies entry `i`: it rotates when `Gen(i)` changes
//! (gen1 = gen0, gen0 = ∅), rejects an order whose predicted index another entry took, preloads
//! seeds (`MirrorPreload`: a tombstone blocks it, gen1 wins over the seed), runs the handler on
//! the cache (`Save` puts into gen0, `Delete` is `Get` then `Del`, `Read` is `Get`) and commits
//! `A`. Every cache write is mirrored to Pebble rows at a generation byte (`curGen % 2` holds
//! gen0) beside a meta record of curGen, so that a restarted node rebuilds the same cache:
//! memory must equal disk at every applied index, on every node.
//!
//! **The model.** K = 2, two keys `k` and `j`. Each client task proposes its orders in turn:
//! `CheckCache` (one step, under the cache's read lock, reading the next free log index too),
//! `pebble.Get` on a Miss (one step), `raft.Propose` (one step). A rejected client admits again
//! at the next commit, or after a second of virtual time (`Retry-After: 1`) if none comes.
//! `traffic` proposes noop entries, so that rotations happen. The `fsm` task fetches entry `i`
//! (one step, reading curGen as well: only the FSM writes it) and applies it: the rotation (one
//! step under the cache mutex) and its disk purge and meta write (one step); `MirrorPreload` or
//! `MirrorTouch` (one step) and its disk write (one step); each cache call of the handler and
//! each disk write (one step each); the commit (one step). After every commit a pick may crash
//! the node (at most `restarts` per run): `node.Restart` rebuilds curGen, gen0 and gen1 from the
//! disk rows in one step, and apply resumes after the committed index. The checker keeps a
//! reference map of the log's orders applied in order, as ghost state. The settle phase
//! restarts the node once more; if it crashed during the run, a `replica` task replays the
//! whole log on a node that never crashes, and the two must end equal.
//!
//! Simplifications: one cache for both keys (the real node has one per attribute type); every
//! order declares exactly the key it touches, so the coverage gate never rejects and is left
//! out; disk writes are steps of their own, and since a crash comes only after a commit, when
//! they are all done, batching them into the commit would change nothing; a tombstone keeps the
//! deleted entry's data (the real one keeps its tag), which only `touch-resurrect` uses;
//! admissions keep running across a crash of the FSM. The cache starts empty; in `horizon`, `A`
//! holds `k = v1`, committed long enough ago to have rotated out of the cache.
//!
//! Invariants: "deleting a key the reference map holds never panics" is the engine's `panic`
//! violation (the strict `Del` panics as the node would crash); `delete-of-present-key` checks
//! the other way it can fail, a NotFound answer. `no-resurrection` reads a deleted key as a
//! Read would (gen0, then gen1, then `A`) after every commit and restart.
//!
//! **Variants.** Each changes one thing of `merged`.
//! - `merged` (#1455): `Get` falls back gen0 → gen1 (a tombstone is NotFound); `Del` tombstones
//!   a gen0 hit in place, or fabricates a gen0 tombstone when only gen1 holds the key (gen1's
//!   live row stays, shadowed); the disk tombstone goes to the gen0 byte only; preload skips
//!   coverage-only entries; `CacheUnreachable` in force.
//! - `no-horizon` (before #1458): `Δ ≥ 2` counts as a Miss and is seeded from `A`.
//! - `both-bytes` (release/v3.0 before #1455): `Delete` puts a tombstone into gen0 in memory but
//!   writes the disk tombstone at both generation bytes.
//! - `strict-del` (a review iteration): `Del` requires a gen0 hit and panics otherwise.
//! - `mirror-touch` (a review iteration): `Get` is gen0-only, `Del` strict, and every
//!   coverage-only entry is promoted at preload (`MirrorTouch`: a gen1 hit is copied into gen0
//!   and mirrored; a no-op when gen0 holds the key or neither does).
//! - `preload-shadow` (6132d2bb): `MirrorPreload` writes the seed into gen0 unconditionally, over
//!   a fresher entry or a tombstone (gen1 still takes it only where absent).
//! - `touch-resurrect` (#514): as `mirror-touch`, but promoting a tombstone persists its old
//!   data as a live row: memory holds the tombstone, the disk row is live.
//! - `torn-check` (336fa333): `CheckCache` takes no lock: it reads curGen, then the maps, in two
//!   steps; and the rotation stores the new curGen before it rotates the maps (as `rotateLocked`
//!   does), so an admission can see the new generation with the old maps.
//!
//! **Departures from the spec.** `strict-del` keeps `Get`'s gen1 fallback, where the spec says
//! gen0-only: with a gen0-only `Get`, `Delete` answers NotFound before it reaches `Del` and
//! never panics, against the spec's own seed line ("strict-del panics") and the seed commit
//! ("previously it fetched via fallback, passed the existence check, then panicked at strict
//! AttributeCache.Del"). `torn-check` splits the rotation as well as `CheckCache`: with an
//! atomic rotation, reading curGen first can only see an old generation with new maps, which
//! errs on the safe side (a Miss); the unsafe view, new generation with old maps, needs the
//! rotation's two stores. `mirror-touch`'s strict `Del` answers an error rather than panicking,
//! but its gen0-only `Get` never lets a gen0 miss reach `Del`, so the model shares the panic.

use crate::catalog::{breaks, holds, Expectation, Named, Scenario};
use raceway_sim::strategy::ScriptStep::Task;
use raceway_sim::{Check, Cx, EventId, Footprint, Invariant, Model, Spawner};
use std::fmt;
use std::time::Duration;
use strum::{EnumMessage, IntoStaticStr, VariantArray};

/// Entries per generation: the rotation threshold.
const K: u32 = 2;
/// The most entries a workload appends.
const MAX_LOG: usize = 8;
/// The Raft log, shared by proposers and the FSM.
const LOG: &str = "raft.log";
/// How long a client rejected by the horizon waits before it admits again, unless a commit
/// comes first (HTTP 503 with `Retry-After: 1`).
const RETRY_AFTER: Duration = Duration::from_secs(1);
/// The node under test, and the node that never crashes (used in the settle phase only).
const PRIMARY: usize = 0;
const REPLICA: usize = 1;

/// The generation of log index `i` (from 1).
fn gen_of(i: u32) -> u32 {
    (i - 1) / K
}

/// The disk byte that holds generation slot `g` (0 = gen0, 1 = gen1) when the cache is at
/// `cur_gen`.
fn byte(cur_gen: u32, g: usize) -> usize {
    (cur_gen as usize + g) % 2
}

/// A metadata key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    /// The seed's key.
    K,
    /// A second, independent key (`mixed`).
    J,
}

impl Key {
    fn ix(self) -> usize {
        self as usize
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Key::K => "k",
            Key::J => "j",
        })
    }
}

const KEYS: [Key; 2] = [Key::K, Key::J];

/// A metadata value.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum V {
    /// The seed's value.
    V,
    /// A first value.
    V1,
    /// A second value.
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

/// A cache entry: live, or a tombstone that keeps the data it deleted.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Entry {
    deleted: bool,
    data: V,
}

impl Entry {
    fn live(data: V) -> Entry {
        Entry {
            deleted: false,
            data,
        }
    }

    fn tombstone(data: V) -> Entry {
        Entry {
            deleted: true,
            data,
        }
    }

    /// What a read of this entry gives: a tombstone is NotFound.
    fn value(self) -> Option<V> {
        (!self.deleted).then_some(self.data)
    }
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.deleted {
            write!(f, "tomb({:?})", self.data)
        } else {
            write!(f, "{:?}", self.data)
        }
    }
}

/// One key's row in one generation.
type Row = Option<Entry>;
/// One generation: a row per key.
type Gen = [Row; 2];

fn is_tombstone(row: Row) -> bool {
    row.is_some_and(|e| e.deleted)
}

/// A row as the trace shows it.
struct ShowRow(Row);

impl fmt::Debug for ShowRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(e) => write!(f, "{e:?}"),
            None => f.write_str("∅"),
        }
    }
}

/// A generation as the trace shows it: `{k: v}`.
struct ShowGen(Gen);

impl fmt::Debug for ShowGen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        let mut first = true;
        for k in KEYS {
            if let Some(e) = self.0[k.ix()] {
                let sep = if first { "" } else { ", " };
                write!(f, "{sep}{k:?}: {e:?}")?;
                first = false;
            }
        }
        f.write_str("}")
    }
}

/// The in-memory cache of a node.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cache {
    cur_gen: u32,
    gen0: Gen,
    gen1: Gen,
}

impl fmt::Debug for Cache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (g0, g1) = (ShowGen(self.gen0), ShowGen(self.gen1));
        write!(f, "gen {}, gen0 {g0:?}, gen1 {g1:?}", self.cur_gen)
    }
}

/// The disk mirror of a node's cache: rows by generation byte, and the meta record.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Disk {
    meta: u32,
    rows: [Gen; 2],
}

impl fmt::Debug for Disk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (b0, b1) = (ShowGen(self.rows[0]), ShowGen(self.rows[1]));
        write!(f, "meta {}, byte 0 {b0:?}, byte 1 {b1:?}", self.meta)
    }
}

/// A replica of the state machine: cache, disk mirror, committed store `A`, applied index.
#[derive(Clone, Copy, Hash)]
pub struct Node {
    cache: Cache,
    disk: Disk,
    store: [Option<V>; 2],
    applied: u32,
    /// Between fetching an entry and committing it: memory may differ from disk meanwhile.
    applying: bool,
}

/// What survives of a node and what must converge: cache, disk and store.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Persisted {
    cache: Cache,
    disk: Disk,
    store: [Option<V>; 2],
}

impl fmt::Debug for Persisted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let store = ShowGen(self.store.map(|v| v.map(Entry::live)));
        write!(f, "[{:?}; disk {:?}; A {store:?}]", self.cache, self.disk)
    }
}

/// A metadata operation.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `SaveMetadata(k, v)`.
    Save(V),
    /// `DeleteMetadata(k)`.
    Delete,
    /// A read of `k` inside an order.
    Read,
}

#[derive(Hash)]
/// An order of a workload, with the label of its proposal.
pub struct Order {
    op: Op,
    key: Key,
    propose: &'static str,
}

impl fmt::Debug for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let k = self.key;
        match self.op {
            Op::Save(v) => write!(f, "Save({k:?}, {v:?})"),
            Op::Delete => write!(f, "Delete({k:?})"),
            Op::Read => write!(f, "Read({k:?})"),
        }
    }
}

/// The plan entry admission attaches for the order's key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Plan {
    /// Declares the key, carries nothing.
    Coverage,
    /// Carries the value admission read from `A`.
    Seed(V),
}

impl fmt::Debug for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Plan::Coverage => f.write_str("coverage-only"),
            Plan::Seed(v) => write!(f, "seed {v:?}"),
        }
    }
}

/// An admitted order, as the log holds it.
#[derive(Clone, Copy, Hash)]
struct Proposal {
    order: &'static Order,
    predicted: u32,
    plan: Plan,
    /// What admission saw, for the horizon invariant.
    delta: i32,
}

#[derive(Clone, Copy, Hash)]
enum LogEntry {
    Noop,
    Order(Proposal),
}

impl fmt::Debug for LogEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogEntry::Noop => f.write_str("noop"),
            LogEntry::Order(p) => {
                write!(f, "{:?}, predicted {}, {:?}", p.order, p.predicted, p.plan)
            }
        }
    }
}

/// The Raft log: appended by proposers, applied in order by the FSM.
#[derive(Default, Hash)]
struct Log {
    entries: [Option<LogEntry>; MAX_LOG],
    len: u32,
}

impl Log {
    /// The index the next append takes: what admission predicts.
    fn next(&self) -> u32 {
        self.len + 1
    }

    fn append(&mut self, e: LogEntry) -> Proposed {
        self.entries[self.len as usize] = Some(e);
        self.len += 1;
        Proposed(self.len)
    }

    fn get(&self, i: u32) -> Option<LogEntry> {
        self.entries[(i - 1) as usize]
    }
}

/// `raft.Propose` → the index the entry took.
struct Proposed(u32);

impl fmt::Debug for Proposed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "index {}", self.0)
    }
}

/// `raft.NextEntry()` → entry `index` if appended, and the cache's generation.
struct Fetched {
    index: u32,
    entry: Option<LogEntry>,
    cur_gen: u32,
}

impl fmt::Debug for Fetched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.entry {
            Some(e) => write!(f, "{}: {e:?}", self.index),
            None => write!(f, "{}: not appended yet", self.index),
        }
    }
}

/// `CheckCache`'s verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    Hit,
    Miss,
    Unreachable,
}

/// `CheckCache(at, k)` → the prediction and its verdict.
#[derive(Clone, Copy)]
struct Checked {
    at: u32,
    delta: i32,
    verdict: Verdict,
}

impl fmt::Debug for Checked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}, Δ={}: {:?}", self.at, self.delta, self.verdict)
    }
}

/// The first step of a torn `CheckCache`: the predicted index and the generation.
#[derive(Clone, Copy)]
struct GenRead {
    at: u32,
    cur_gen: u32,
}

impl fmt::Debug for GenRead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}, gen {}", self.at, self.cur_gen)
    }
}

/// `pebble.Get(k)` → what `A` holds.
struct Lookup(Option<V>);

impl fmt::Debug for Lookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(v) => write!(f, "found {v:?}"),
            None => f.write_str("not found"),
        }
    }
}

/// A value as a read gives it: `v1` or `NotFound`.
struct Value(Option<V>);

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(v) => write!(f, "{v:?}"),
            None => f.write_str("NotFound"),
        }
    }
}

/// Rows a cache call wrote, by generation slot (`None`: untouched), to be mirrored to disk.
#[derive(Clone, Copy)]
struct Write {
    key: Key,
    cur_gen: u32,
    rows: [Row; 2],
}

impl Write {
    fn new(key: Key, cur_gen: u32) -> Write {
        Write {
            key,
            cur_gen,
            rows: [None; 2],
        }
    }

    fn any(&self) -> bool {
        self.rows.iter().any(Option::is_some)
    }
}

/// A [`Write`] as memory took it: `gen0[k] = v`.
struct InMemory(Write);

impl fmt::Debug for InMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = &self.0;
        let mut sep = "";
        for (g, row) in w.rows.iter().enumerate() {
            if let Some(e) = row {
                write!(f, "{sep}gen{g}[{:?}] = {e:?}", w.key)?;
                sep = ", ";
            }
        }
        Ok(())
    }
}

/// A [`Write`] as the disk took it: `byte 1: k = tomb(v)`.
struct OnDisk(Write);

impl fmt::Debug for OnDisk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = &self.0;
        let mut sep = "";
        for (g, row) in w.rows.iter().enumerate() {
            if let Some(e) = row {
                write!(f, "{sep}byte {}: {:?} = {e:?}", byte(w.cur_gen, g), w.key)?;
                sep = ", ";
            }
        }
        Ok(())
    }
}

/// `cache.Rotate()` → the new generation and what gen1 now holds.
struct Rotated {
    gen: u32,
    gen1: Gen,
}

impl fmt::Debug for Rotated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "gen {}: gen1 = {:?}, gen0 = {{}}",
            self.gen,
            ShowGen(self.gen1)
        )
    }
}

/// `cache.currentGeneration.Store(g)` (torn-check's first half of a rotation).
struct GenStored(u32);

impl fmt::Debug for GenStored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "gen {}, maps not rotated yet", self.0)
    }
}

/// `disk.Rotate()` → the purged byte and the meta record.
struct DiskRotated {
    purged: usize,
    meta: u32,
}

impl fmt::Debug for DiskRotated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "purged byte {}, meta = {}", self.purged, self.meta)
    }
}

/// Where `MirrorPreload` took the entry it installed from.
#[derive(Clone, Copy)]
enum Source {
    /// A tombstone in gen0 or gen1: nothing installed.
    Tombstone,
    /// Gen1's entry beats the seed.
    Gen1Wins,
    /// The seed.
    Seed,
    /// The seed, over whatever gen0 held (preload-shadow).
    Unconditional,
}

/// `MirrorPreload(k, seed)` → what it installed.
struct Preloaded {
    seed: V,
    source: Source,
    write: Write,
}

impl fmt::Debug for Preloaded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "seed {:?}: ", self.seed)?;
        match self.source {
            Source::Tombstone => f.write_str("tombstone cached, skipped"),
            _ if !self.write.any() => f.write_str("both gens hold the key"),
            Source::Gen1Wins => write!(f, "gen1 wins, {:?}", InMemory(self.write)),
            Source::Seed | Source::Unconditional => write!(f, "{:?}", InMemory(self.write)),
        }
    }
}

/// `MirrorTouch(k)` → what it promoted.
enum Touched {
    Gen0Holds,
    NotCached,
    Promoted(Write),
}

impl fmt::Debug for Touched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Touched::Gen0Holds => f.write_str("gen0 holds it: no-op"),
            Touched::NotCached => f.write_str("not cached: no-op"),
            Touched::Promoted(w) => write!(f, "gen1 hit, promoted: {:?}", InMemory(*w)),
        }
    }
}

/// Which generation a `Get` answered from.
#[derive(Clone, Copy)]
enum Place {
    Gen0,
    Gen1,
    Absent,
}

/// `cache.Get(k)` → the value (a tombstone is NotFound) and where it was found.
#[derive(Clone, Copy)]
struct Got {
    value: Option<V>,
    from: Place,
}

impl fmt::Debug for Got {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.value, self.from) {
            (Some(v), Place::Gen0) => write!(f, "{v:?} (gen0)"),
            (Some(v), _) => write!(f, "{v:?} (gen1)"),
            (None, Place::Absent) => f.write_str("NotFound"),
            (None, Place::Gen0) => f.write_str("NotFound (gen0 tombstone)"),
            (None, Place::Gen1) => f.write_str("NotFound (gen1 tombstone)"),
        }
    }
}

/// `cache.Del(k)` → the tombstone it put into gen0, or a gen0 miss under strict `Del`.
enum Deleted {
    InPlace(Write),
    Fabricated(Write),
    Gen0Miss,
}

impl fmt::Debug for Deleted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Deleted::InPlace(w) => write!(f, "{:?}", InMemory(*w)),
            Deleted::Fabricated(w) => write!(f, "gen0 miss, fabricated {:?}", InMemory(*w)),
            Deleted::Gen0Miss => f.write_str("gen0 miss"),
        }
    }
}

impl Cache {
    /// Generation slot `g`: 0 = gen0, 1 = gen1.
    fn gen(&self, g: usize) -> &Gen {
        if g == 0 {
            &self.gen0
        } else {
            &self.gen1
        }
    }

    /// `CheckCache`'s verdict from a predicted index, a generation and the maps.
    fn check(&self, guard: bool, at: u32, cur_gen: u32, k: Key) -> Checked {
        let delta = gen_of(at) as i32 - cur_gen as i32;
        let (in0, in1) = (self.gen0[k.ix()].is_some(), self.gen1[k.ix()].is_some());
        let verdict = match delta {
            0 if in0 || in1 => Verdict::Hit,
            1 if in0 => Verdict::Hit,
            d if d >= 2 && guard => Verdict::Unreachable,
            _ => Verdict::Miss,
        };
        Checked { at, delta, verdict }
    }

    /// `Get(k)`: gen0, then gen1 when the variant falls back.
    fn get(&self, fallback: bool, k: Key) -> Got {
        match (self.gen0[k.ix()], self.gen1[k.ix()]) {
            (Some(e), _) => Got {
                value: e.value(),
                from: Place::Gen0,
            },
            (None, Some(e)) if fallback => Got {
                value: e.value(),
                from: Place::Gen1,
            },
            _ => Got {
                value: None,
                from: Place::Absent,
            },
        }
    }

    /// The maps' half of a rotation: gen1 = gen0, gen0 = ∅ (curGen is set by the caller).
    fn rotate_maps(&mut self) -> Rotated {
        self.gen1 = self.gen0;
        self.gen0 = [None; 2];
        Rotated {
            gen: self.cur_gen,
            gen1: self.gen1,
        }
    }

    /// `Put(k, e)` into gen0.
    fn put(&mut self, k: Key, e: Entry) -> Write {
        self.gen0[k.ix()] = Some(e);
        let mut w = Write::new(k, self.cur_gen);
        w.rows[0] = Some(e);
        w
    }

    /// `MirrorPreload(k, seed)`: gen1's entry or the seed, into each generation lacking one;
    /// nothing over a tombstone. `unconditional` (preload-shadow) puts the seed into gen0
    /// whatever it holds.
    fn mirror_preload(&mut self, unconditional: bool, k: Key, seed: V) -> Preloaded {
        let (row0, row1) = (self.gen0[k.ix()], self.gen1[k.ix()]);
        let mut write = Write::new(k, self.cur_gen);
        let (entry, source) = match row1 {
            _ if unconditional => (Entry::live(seed), Source::Unconditional),
            _ if is_tombstone(row0) || is_tombstone(row1) => {
                let source = Source::Tombstone;
                return Preloaded {
                    seed,
                    source,
                    write,
                };
            }
            Some(e) => (e, Source::Gen1Wins),
            None => (Entry::live(seed), Source::Seed),
        };
        if row0.is_none() || unconditional {
            self.gen0[k.ix()] = Some(entry);
            write.rows[0] = Some(entry);
        }
        if row1.is_none() {
            self.gen1[k.ix()] = Some(entry);
            write.rows[1] = Some(entry);
        }
        Preloaded {
            seed,
            source,
            write,
        }
    }

    /// `MirrorTouch(k)`: a gen1 hit is copied into gen0.
    fn mirror_touch(&mut self, k: Key) -> Touched {
        match (self.gen0[k.ix()], self.gen1[k.ix()]) {
            (Some(_), _) => Touched::Gen0Holds,
            (None, None) => Touched::NotCached,
            (None, Some(e)) => Touched::Promoted(self.put(k, e)),
        }
    }

    /// `Del(k)` after a `Get` found it live: tombstone a gen0 hit in place; on a gen1-only hit,
    /// fabricate a gen0 tombstone, unless `strict`.
    fn del(&mut self, strict: bool, k: Key) -> Deleted {
        match (self.gen0[k.ix()], self.gen1[k.ix()]) {
            (Some(e), _) => Deleted::InPlace(self.put(k, Entry::tombstone(e.data))),
            (None, Some(e)) if !strict => {
                Deleted::Fabricated(self.put(k, Entry::tombstone(e.data)))
            }
            _ => Deleted::Gen0Miss,
        }
    }
}

impl Disk {
    fn write(&mut self, w: Write) -> OnDisk {
        for (g, row) in w.rows.iter().enumerate() {
            if row.is_some() {
                self.rows[byte(w.cur_gen, g)][w.key.ix()] = *row;
            }
        }
        OnDisk(w)
    }

    /// Rotation on disk: the new gen0 byte is purged, the meta record takes the generation.
    fn rotate(&mut self, gen: u32) -> DiskRotated {
        let purged = byte(gen, 0);
        self.rows[purged] = [None; 2];
        self.meta = gen;
        DiskRotated { purged, meta: gen }
    }

    /// The cache a restarted node rebuilds.
    fn load(&self) -> Cache {
        Cache {
            cur_gen: self.meta,
            gen0: self.rows[byte(self.meta, 0)],
            gen1: self.rows[byte(self.meta, 1)],
        }
    }
}

/// What an applied entry did, for the commit.
#[derive(Clone, Copy)]
enum Outcome {
    Noop,
    Stale(u32),
    Read,
    Saved(Key, V),
    Deleted(Key),
    NotFound(Key),
}

/// `pebble.Commit()` → the index and what `A` took.
struct Committed(u32, Outcome);

impl fmt::Debug for Committed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = self.0;
        match self.1 {
            Outcome::Noop => write!(f, "{i}: noop"),
            Outcome::Stale(p) => write!(f, "{i}: stale (predicted {p}), rejected"),
            Outcome::Read => write!(f, "{i}: read only"),
            Outcome::Saved(k, v) => write!(f, "{i}: A[{k:?}] = {v:?}"),
            Outcome::Deleted(k) => write!(f, "{i}: A[{k:?}] deleted"),
            Outcome::NotFound(k) => write!(f, "{i}: Delete({k:?}) failed: NotFound"),
        }
    }
}

/// `node.Restart()` → the cache before the crash and the one rebuilt from disk.
#[derive(Clone, Copy)]
struct Restarted {
    before: Cache,
    after: Cache,
}

impl fmt::Debug for Restarted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rebuilt {:?}", self.after)
    }
}

impl Node {
    fn new(store: [Option<V>; 2]) -> Node {
        Node {
            cache: Cache {
                cur_gen: 0,
                gen0: [None; 2],
                gen1: [None; 2],
            },
            disk: Disk {
                meta: 0,
                rows: [[None; 2]; 2],
            },
            store,
            applied: 0,
            applying: false,
        }
    }

    fn persisted(&self) -> Persisted {
        Persisted {
            cache: self.cache,
            disk: self.disk,
            store: self.store,
        }
    }

    fn commit(&mut self, i: u32, outcome: Outcome) -> Committed {
        match outcome {
            Outcome::Saved(k, v) => self.store[k.ix()] = Some(v),
            Outcome::Deleted(k) => self.store[k.ix()] = None,
            _ => {}
        }
        self.applied = i;
        self.applying = false;
        Committed(i, outcome)
    }

    fn restart(&mut self) -> Restarted {
        let before = self.cache;
        self.cache = self.disk.load();
        Restarted {
            before,
            after: self.cache,
        }
    }
}

/// A read that disagreed with the reference map.
#[derive(Clone, Copy, Hash)]
struct BadRead {
    index: u32,
    key: Key,
    got: Option<V>,
    want: Option<V>,
}

#[derive(Hash)]
/// The checker's state: the reference map and what tasks observed.
pub struct Ghost {
    /// The log's orders applied in order, up to the primary's last commit.
    reference: [Option<V>; 2],
    /// The index of the Delete that removed a key, until the next Save of it.
    deleted_at: [Option<u32>; 2],
    bad_read: Option<BadRead>,
    bad_delete: Option<BadRead>,
    /// An order that applied although its admission saw Δ ≥ 2: (index, order, Δ).
    past_horizon: Option<(u32, &'static Order, i32)>,
    /// A restart that did not rebuild the cache it replaced: (before, after).
    restart_mismatch: Option<(Cache, Cache)>,
    /// Whether the node crashed during the workload.
    crashed: bool,
    /// After the final restart: (the node, a node that never crashed).
    final_state: Option<(Persisted, Persisted)>,
}

impl Ghost {
    fn read(&mut self, index: u32, key: Key, got: Option<V>) {
        let want = self.reference[key.ix()];
        if got != want && self.bad_read.is_none() {
            self.bad_read = Some(BadRead {
                index,
                key,
                got,
                want,
            });
        }
    }

    fn delete(&mut self, index: u32, key: Key, got: Option<V>) {
        let want = self.reference[key.ix()];
        if got.is_none() && want.is_some() && self.bad_delete.is_none() {
            self.bad_delete = Some(BadRead {
                index,
                key,
                got,
                want,
            });
        }
    }

    /// Applies a committed, non-stale order to the reference map.
    fn committed(&mut self, index: u32, p: Proposal) {
        let k = p.order.key.ix();
        match p.order.op {
            Op::Save(v) => {
                self.reference[k] = Some(v);
                self.deleted_at[k] = None;
            }
            Op::Delete => {
                if self.reference[k].take().is_some() {
                    self.deleted_at[k] = Some(index);
                }
            }
            Op::Read => {}
        }
        if p.delta >= 2 && self.past_horizon.is_none() {
            self.past_horizon = Some((index, p.order, p.delta));
        }
    }
}

#[derive(Hash)]
/// The shared state: the log, the node under test and the never-crashing replica, the ghost.
pub struct State {
    log: Log,
    nodes: [Node; 2],
    ghost: Ghost,
}

/// The variants of the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, VariantArray, IntoStaticStr, EnumMessage)]
#[strum(serialize_all = "kebab-case")]
pub enum Variant {
    /// #1455: Get falls back to gen1, Del fabricates a gen0 tombstone, horizon guard
    Merged,
    /// before #1458: Δ ≥ 2 is a Miss, seeded from the store
    NoHorizon,
    /// before #1455: the disk tombstone at both generation bytes
    BothBytes,
    /// review iteration: Del panics without a gen0 hit
    StrictDel,
    /// review iteration: MirrorTouch promotes, Get gen0-only, Del strict
    MirrorTouch,
    /// 6132d2bb: MirrorPreload writes the seed into gen0 unconditionally
    PreloadShadow,
    /// #514: promoting a tombstone persists its data as live
    TouchResurrect,
    /// 336fa333: CheckCache reads curGen and the maps without the lock
    TornCheck,
}

impl Variant {
    fn get_falls_back(self) -> bool {
        !self.touches()
    }

    fn touches(self) -> bool {
        matches!(self, Variant::MirrorTouch | Variant::TouchResurrect)
    }

    fn strict_del(self) -> bool {
        matches!(self, Variant::StrictDel) || self.touches()
    }
}

/// The workloads of the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, VariantArray, IntoStaticStr, EnumMessage)]
#[strum(serialize_all = "kebab-case")]
pub enum Workload {
    /// the seed: Delete(k) admitted before Save(k, v) applies, a rotation between them
    PathA,
    /// Read(k) admitted two generations ahead of apply, over Save(k, v2) on a committed v1
    Horizon,
    /// Save/Delete/Read on two keys, with traffic and up to two restarts
    Mixed,
}

/// A client task and the orders it proposes, in turn.
struct Client {
    name: &'static str,
    orders: &'static [Order],
}

/// What a workload runs.
struct Setup {
    clients: &'static [Client],
    /// Noop entries proposed by `traffic`.
    noops: u32,
    /// Crashes allowed per run.
    restarts: u32,
    /// `A` at the start (the cache starts empty).
    committed: [Option<V>; 2],
}

impl Setup {
    fn entries(&self) -> u32 {
        self.clients
            .iter()
            .map(|c| c.orders.len() as u32)
            .sum::<u32>()
            + self.noops
    }
}

const fn order(op: Op, key: Key, propose: &'static str) -> Order {
    Order { op, key, propose }
}

static PATH_A: Setup = Setup {
    clients: &[
        Client {
            name: "saver",
            orders: &[order(Op::Save(V::V), Key::K, "raft.Propose(Save(k, v))")],
        },
        Client {
            name: "deleter",
            orders: &[order(Op::Delete, Key::K, "raft.Propose(Delete(k))")],
        },
    ],
    noops: 1,
    restarts: 1,
    committed: [None, None],
};

static HORIZON: Setup = Setup {
    clients: &[
        Client {
            name: "saver",
            orders: &[order(Op::Save(V::V2), Key::K, "raft.Propose(Save(k, v2))")],
        },
        Client {
            name: "reader",
            orders: &[order(Op::Read, Key::K, "raft.Propose(Read(k))")],
        },
    ],
    noops: 3,
    restarts: 1,
    committed: [Some(V::V1), None],
};

static MIXED: Setup = Setup {
    clients: &[
        Client {
            name: "alice",
            orders: &[
                order(Op::Save(V::V1), Key::K, "raft.Propose(Save(k, v1))"),
                order(Op::Delete, Key::K, "raft.Propose(Delete(k))"),
            ],
        },
        Client {
            name: "bob",
            orders: &[
                order(Op::Save(V::V2), Key::J, "raft.Propose(Save(j, v2))"),
                order(Op::Read, Key::K, "raft.Propose(Read(k))"),
            ],
        },
        Client {
            name: "carol",
            orders: &[order(Op::Read, Key::J, "raft.Propose(Read(j))")],
        },
    ],
    noops: 2,
    restarts: 2,
    committed: [None, None],
};

impl Workload {
    fn setup(self) -> &'static Setup {
        match self {
            Workload::PathA => &PATH_A,
            Workload::Horizon => &HORIZON,
            Workload::Mixed => &MIXED,
        }
    }
}

/// The labels of the calls on one key.
struct KeyLabels {
    check: &'static str,
    lookup: &'static str,
    pebble_get: &'static str,
    get: &'static str,
    put: &'static str,
    put_tombstone: &'static str,
    del: &'static str,
    preload: &'static str,
    touch: &'static str,
}

static LABELS: [KeyLabels; 2] = [
    KeyLabels {
        check: "CheckCache(k)",
        lookup: "cache.gen0/gen1.Get(k)",
        pebble_get: "pebble.Get(k)",
        get: "cache.Get(k)",
        put: "cache.Put(k, entry)",
        put_tombstone: "cache.Put(k, tombstone)",
        del: "cache.Del(k)",
        preload: "MirrorPreload(k, seed)",
        touch: "MirrorTouch(k)",
    },
    KeyLabels {
        check: "CheckCache(j)",
        lookup: "cache.gen0/gen1.Get(j)",
        pebble_get: "pebble.Get(j)",
        get: "cache.Get(j)",
        put: "cache.Put(j, entry)",
        put_tombstone: "cache.Put(j, tombstone)",
        del: "cache.Del(j)",
        preload: "MirrorPreload(j, seed)",
        touch: "MirrorTouch(j)",
    },
];

/// The resources of one node, as footprints name them.
struct Res {
    cache: &'static str,
    disk: &'static str,
    pebble: &'static str,
}

static RES: [Res; 2] = [
    Res {
        cache: "cache",
        disk: "disk",
        pebble: "pebble",
    },
    Res {
        cache: "replica.cache",
        disk: "replica.disk",
        pebble: "replica.pebble",
    },
];

/// The events proposers and the FSM wait for.
#[derive(Clone, Copy)]
struct Events {
    appended: EventId,
    applied: EventId,
}

/// The model of one (workload, variant).
#[derive(Clone, Copy, Debug)]
pub struct GenCache {
    /// The workload.
    pub workload: Workload,
    /// The variant.
    pub variant: Variant,
}

impl GenCache {
    /// `CheckCache(at, k)` for the next free index; torn-check reads curGen, then the maps.
    async fn check_cache(self, cx: &Cx<State>, k: Key) -> Checked {
        let l = &LABELS[k.ix()];
        let guard = self.variant != Variant::NoHorizon;
        let fp = Footprint::read(LOG).and_read(RES[PRIMARY].cache);
        if self.variant != Variant::TornCheck {
            return cx
                .step(l.check, fp, move |s| {
                    let c = &s.nodes[PRIMARY].cache;
                    c.check(guard, s.log.next(), c.cur_gen, k)
                })
                .await;
        }
        let read = cx
            .step("cache.currentGeneration.Load()", fp, |s| GenRead {
                at: s.log.next(),
                cur_gen: s.nodes[PRIMARY].cache.cur_gen,
            })
            .await;
        cx.step(l.lookup, Footprint::read(RES[PRIMARY].cache), move |s| {
            s.nodes[PRIMARY]
                .cache
                .check(guard, read.at, read.cur_gen, k)
        })
        .await
    }

    /// Admission and proposal of one order; after a horizon rejection the client admits again
    /// at the next commit, or after `RETRY_AFTER` if none comes.
    async fn propose(self, cx: &Cx<State>, order: &'static Order, ev: Events) {
        let k = order.key;
        let (checked, plan) = loop {
            let checked = self.check_cache(cx, k).await;
            match checked.verdict {
                Verdict::Hit => break (checked, Plan::Coverage),
                Verdict::Miss => {
                    let label = LABELS[k.ix()].pebble_get;
                    let fp = Footprint::read(RES[PRIMARY].pebble);
                    let found = cx
                        .step(label, fp, move |s| Lookup(s.nodes[PRIMARY].store[k.ix()]))
                        .await;
                    break (checked, found.0.map_or(Plan::Coverage, Plan::Seed));
                }
                Verdict::Unreachable => {
                    cx.note(|| "ErrCacheHorizonExceeded (503, Retry-After: 1)".to_string());
                    cx.wait_timeout(ev.applied, RETRY_AFTER).await;
                }
            }
        };
        let p = Proposal {
            order,
            predicted: checked.at,
            plan,
            delta: checked.delta,
        };
        cx.step(order.propose, Footprint::write(LOG), move |s| {
            s.log.append(LogEntry::Order(p))
        })
        .await;
        cx.notify(ev.appended);
    }

    /// The FSM of the node under test: applies every entry in order, and may crash after a
    /// commit.
    async fn fsm(self, cx: &Cx<State>, ev: Events) {
        let setup = self.workload.setup();
        let mut restarts = setup.restarts;
        for i in 1..=setup.entries() {
            let (entry, cur_gen) = loop {
                let f = self.fetch(cx, PRIMARY, i).await;
                if let Some(e) = f.entry {
                    break (e, f.cur_gen);
                }
                cx.wait(ev.appended).await;
            };
            self.apply(cx, PRIMARY, i, entry, cur_gen).await;
            cx.notify(ev.applied);
            if restarts > 0 && cx.decide("crash after commit").await {
                restarts -= 1;
                cx.ghost(|s| s.ghost.crashed = true);
                self.restart(cx).await;
            }
        }
    }

    /// A node that never crashes applies the whole log (settle phase).
    async fn replay(self, cx: &Cx<State>) {
        for i in 1..=self.workload.setup().entries() {
            let f = self.fetch(cx, REPLICA, i).await;
            let entry = f
                .entry
                .expect("the whole log is appended before the settle phase");
            self.apply(cx, REPLICA, i, entry, f.cur_gen).await;
        }
    }

    async fn fetch(self, cx: &Cx<State>, n: usize, i: u32) -> Fetched {
        let fp = Footprint::read(LOG).and_read(RES[n].cache);
        cx.step("raft.NextEntry()", fp, move |s| {
            let entry = s.log.get(i);
            let node = &mut s.nodes[n];
            node.applying = entry.is_some();
            Fetched {
                index: i,
                entry,
                cur_gen: node.cache.cur_gen,
            }
        })
        .await
    }

    /// Applies entry `i` on node `n`: rotate, stale check, preload, handler, commit.
    async fn apply(self, cx: &Cx<State>, n: usize, i: u32, entry: LogEntry, cur_gen: u32) {
        if gen_of(i) != cur_gen {
            self.rotate(cx, n, gen_of(i)).await;
        }
        let outcome = match entry {
            LogEntry::Noop => Outcome::Noop,
            LogEntry::Order(p) if p.predicted != i => Outcome::Stale(p.predicted),
            LogEntry::Order(p) => {
                self.preload(cx, n, p).await;
                self.handle(cx, n, i, p).await
            }
        };
        let fp = Footprint::write(RES[n].pebble);
        cx.step("pebble.Commit()", fp, move |s| {
            s.nodes[n].commit(i, outcome)
        })
        .await;
        match (n, entry) {
            (PRIMARY, LogEntry::Order(p)) if p.predicted == i => {
                cx.ghost(|s| s.ghost.committed(i, p));
            }
            _ => {}
        }
    }

    async fn rotate(self, cx: &Cx<State>, n: usize, gen: u32) {
        let fp = Footprint::write(RES[n].cache);
        if self.variant == Variant::TornCheck {
            cx.step("cache.currentGeneration.Store()", fp, move |s| {
                s.nodes[n].cache.cur_gen = gen;
                GenStored(gen)
            })
            .await;
            cx.step("cache.Rotate()", fp, move |s| {
                s.nodes[n].cache.rotate_maps()
            })
            .await;
        } else {
            cx.step("cache.Rotate()", fp, move |s| {
                let c = &mut s.nodes[n].cache;
                c.cur_gen = gen;
                c.rotate_maps()
            })
            .await;
        }
        let fp = Footprint::write(RES[n].disk);
        cx.step("disk.Rotate()", fp, move |s| s.nodes[n].disk.rotate(gen))
            .await;
    }

    async fn write_disk(self, cx: &Cx<State>, n: usize, label: &'static str, w: Write) {
        let fp = Footprint::write(RES[n].disk);
        cx.step(label, fp, move |s| s.nodes[n].disk.write(w)).await;
    }

    /// Preload: seeds through `MirrorPreload`; coverage-only entries through `MirrorTouch`
    /// where the variant promotes them.
    async fn preload(self, cx: &Cx<State>, n: usize, p: Proposal) {
        let k = p.order.key;
        let l = &LABELS[k.ix()];
        let fp = Footprint::write(RES[n].cache);
        match p.plan {
            Plan::Seed(v) => {
                let unconditional = self.variant == Variant::PreloadShadow;
                let pre = cx
                    .step(l.preload, fp, move |s| {
                        s.nodes[n].cache.mirror_preload(unconditional, k, v)
                    })
                    .await;
                if pre.write.any() {
                    self.write_disk(cx, n, "disk.WriteEntries(preload)", pre.write)
                        .await;
                }
            }
            Plan::Coverage if self.variant.touches() => {
                let touched = cx
                    .step(l.touch, fp, move |s| s.nodes[n].cache.mirror_touch(k))
                    .await;
                if let Touched::Promoted(mut w) = touched {
                    if self.variant == Variant::TouchResurrect {
                        // #514: the promoted entry is persisted from its data alone.
                        w.rows[0] = w.rows[0].map(|e| Entry::live(e.data));
                    }
                    self.write_disk(cx, n, "disk.WriteEntry(gen0 byte)", w)
                        .await;
                }
            }
            Plan::Coverage => {}
        }
    }

    async fn get(self, cx: &Cx<State>, n: usize, k: Key) -> Got {
        let fallback = self.variant.get_falls_back();
        let fp = Footprint::read(RES[n].cache);
        cx.step(LABELS[k.ix()].get, fp, move |s| {
            s.nodes[n].cache.get(fallback, k)
        })
        .await
    }

    /// The order's handler on the cache.
    async fn handle(self, cx: &Cx<State>, n: usize, i: u32, p: Proposal) -> Outcome {
        let k = p.order.key;
        match p.order.op {
            Op::Save(v) => {
                let fp = Footprint::write(RES[n].cache);
                let put = cx.step(LABELS[k.ix()].put, fp, move |s| {
                    InMemory(s.nodes[n].cache.put(k, Entry::live(v)))
                });
                let w = put.await.0;
                self.write_disk(cx, n, "disk.WriteEntry(gen0 byte)", w)
                    .await;
                Outcome::Saved(k, v)
            }
            Op::Read => {
                let got = self.get(cx, n, k).await;
                if n == PRIMARY {
                    cx.ghost(|s| s.ghost.read(i, k, got.value));
                }
                Outcome::Read
            }
            Op::Delete => self.delete(cx, n, i, k).await,
        }
    }

    /// `KeyStore.Delete(k)`: `Get`, then the variant's `Del` and disk tombstone.
    async fn delete(self, cx: &Cx<State>, n: usize, i: u32, k: Key) -> Outcome {
        let got = self.get(cx, n, k).await;
        if n == PRIMARY {
            cx.ghost(|s| s.ghost.delete(i, k, got.value));
        }
        let Some(v) = got.value else {
            return Outcome::NotFound(k);
        };
        let l = &LABELS[k.ix()];
        let fp = Footprint::write(RES[n].cache);
        if self.variant == Variant::BothBytes {
            let tomb = Entry::tombstone(v);
            let put = cx.step(l.put_tombstone, fp, move |s| {
                InMemory(s.nodes[n].cache.put(k, tomb))
            });
            let mut w = put.await.0;
            w.rows[1] = Some(tomb);
            self.write_disk(cx, n, "disk.WriteTombstone(both bytes)", w)
                .await;
        } else {
            let strict = self.variant.strict_del();
            let deleted = cx
                .step(l.del, fp, move |s| s.nodes[n].cache.del(strict, k))
                .await;
            let (Deleted::InPlace(w) | Deleted::Fabricated(w)) = deleted else {
                panic!("AttributeCache.Del({k:?}): gen0 does not hold the key (strict Del)");
            };
            self.write_disk(cx, n, "disk.WriteTombstone(gen0 byte)", w)
                .await;
        }
        Outcome::Deleted(k)
    }

    /// `node.Restart()`: the cache rebuilt from the disk rows and the meta record.
    async fn restart(self, cx: &Cx<State>) -> Restarted {
        let fp = Footprint::read(RES[PRIMARY].disk).and_write(RES[PRIMARY].cache);
        let r = cx
            .step("node.Restart()", fp, |s| s.nodes[PRIMARY].restart())
            .await;
        if r.before != r.after {
            cx.ghost(|s| {
                s.ghost.restart_mismatch.get_or_insert((r.before, r.after));
            });
        }
        r
    }
}

/// The row of key `k` in generation slot `g` of memory, and at its byte on disk.
fn rows_at(node: &Node, g: usize, k: Key) -> (Row, Row, usize) {
    let b = byte(node.cache.cur_gen, g);
    (node.cache.gen(g)[k.ix()], node.disk.rows[b][k.ix()], b)
}

/// Safety, at every commit: gen0 and gen1 equal the disk rows at their bytes, and the meta
/// record equals curGen.
fn memory_equals_disk(s: &State) -> Check {
    let node = &s.nodes[PRIMARY];
    if node.applying {
        return Ok(());
    }
    if node.disk.meta != node.cache.cur_gen {
        return Err(format!(
            "after commit {}: memory is at gen {} but the meta record says {}",
            node.applied, node.cache.cur_gen, node.disk.meta
        ));
    }
    for g in 0..2 {
        for k in KEYS {
            let (mem, disk, b) = rows_at(node, g, k);
            if mem != disk {
                return Err(format!(
                    "after commit {}: gen{g}[{k:?}] is {:?} in memory but {:?} on disk (byte {b})",
                    node.applied,
                    ShowRow(mem),
                    ShowRow(disk)
                ));
            }
        }
    }
    Ok(())
}

/// Safety: a restart rebuilds exactly the cache the node held.
fn restart_reproduces(s: &State) -> Check {
    match s.ghost.restart_mismatch {
        Some((before, after)) => Err(format!(
            "a restart after commit {} rebuilt [{after:?}] but memory held [{before:?}]",
            s.nodes[PRIMARY].applied
        )),
        None => Ok(()),
    }
}

/// Safety: every Read returns what the log's orders applied in order give.
fn reads_match_reference(s: &State) -> Check {
    match s.ghost.bad_read {
        Some(r) => Err(format!(
            "Read({:?}) at index {} returned {:?} but the log applied in order gives {:?}",
            r.key,
            r.index,
            Value(r.got),
            Value(r.want)
        )),
        None => Ok(()),
    }
}

/// Safety: a Delete of a key the reference map holds removes it (a panic instead is reported
/// by the engine as a `panic` violation).
fn delete_of_present_key(s: &State) -> Check {
    match s.ghost.bad_delete {
        Some(r) => Err(format!(
            "Delete({:?}) at index {} answered NotFound but the log applied in order holds {:?}",
            r.key,
            r.index,
            Value(r.want)
        )),
        None => Ok(()),
    }
}

/// Safety, at every commit and across restarts: a deleted key reads NotFound until the next
/// Save (through gen0, then gen1, then `A`, as a Read of it would).
fn no_resurrection(s: &State) -> Check {
    let node = &s.nodes[PRIMARY];
    if node.applying {
        return Ok(());
    }
    for k in KEYS {
        let Some(at) = s.ghost.deleted_at[k.ix()] else {
            continue;
        };
        let c = &node.cache;
        let (row, place) = match (c.gen0[k.ix()], c.gen1[k.ix()]) {
            (Some(e), _) => (Some(e), "gen0"),
            (None, Some(e)) => (Some(e), "gen1"),
            (None, None) => (node.store[k.ix()].map(Entry::live), "A"),
        };
        if let Some(v) = row.and_then(Entry::value) {
            return Err(format!(
                "{k:?} was deleted at index {at} but the node holds it live again: {v:?} in {place}"
            ));
        }
    }
    Ok(())
}

/// Safety: no order applies whose admission saw Δ ≥ 2.
fn no_apply_past_horizon(s: &State) -> Check {
    match s.ghost.past_horizon {
        Some((i, order, delta)) => Err(format!(
            "{order:?} applied at index {i} although its admission saw Δ = {delta}"
        )),
        None => Ok(()),
    }
}

/// Convergence: after a final restart, the node equals a node that never crashed.
fn converges_after_restart(s: &State) -> Check {
    match s.ghost.final_state {
        Some((node, never)) if node != never => Err(format!(
            "after a final restart the node holds {node:?} but a node that never crashed holds {never:?}"
        )),
        Some(_) => Ok(()),
        None => Err("the settle phase did not run".to_string()),
    }
}

const MEMORY_EQUALS_DISK: Invariant<State> =
    Invariant::safety("memory-equals-disk", memory_equals_disk);
const RESTART_REPRODUCES: Invariant<State> =
    Invariant::safety("restart-reproduces", restart_reproduces);
const READS_MATCH_REFERENCE: Invariant<State> =
    Invariant::safety("reads-match-reference", reads_match_reference);
const DELETE_OF_PRESENT_KEY: Invariant<State> =
    Invariant::safety("delete-of-present-key", delete_of_present_key);
const NO_RESURRECTION: Invariant<State> = Invariant::safety("no-resurrection", no_resurrection);
const NO_APPLY_PAST_HORIZON: Invariant<State> =
    Invariant::safety("no-apply-past-horizon", no_apply_past_horizon);
const CONVERGES_AFTER_RESTART: Invariant<State> =
    Invariant::convergence("converges-after-restart", converges_after_restart);
static INVARIANTS: [Invariant<State>; 7] = [
    MEMORY_EQUALS_DISK,
    RESTART_REPRODUCES,
    READS_MATCH_REFERENCE,
    DELETE_OF_PRESENT_KEY,
    NO_RESURRECTION,
    NO_APPLY_PAST_HORIZON,
    CONVERGES_AFTER_RESTART,
];

impl Model for GenCache {
    type State = State;

    fn init(&self) -> State {
        let committed = self.workload.setup().committed;
        State {
            log: Log::default(),
            nodes: [Node::new(committed); 2],
            ghost: Ghost {
                reference: committed,
                deleted_at: [None; 2],
                bad_read: None,
                bad_delete: None,
                past_horizon: None,
                restart_mismatch: None,
                crashed: false,
                final_state: None,
            },
        }
    }

    fn workload(&self, sp: &mut Spawner<'_, State>) {
        let ev = Events {
            appended: sp.event("raft.appended"),
            applied: sp.event("fsm.applied"),
        };
        let m = *self;
        let setup = self.workload.setup();
        for client in setup.clients {
            sp.spawn(client.name, move |cx| async move {
                for order in client.orders {
                    m.propose(&cx, order, ev).await;
                }
            });
        }
        sp.spawn("traffic", move |cx| async move {
            for _ in 0..setup.noops {
                let fp = Footprint::write(LOG);
                cx.step("raft.Propose(noop)", fp, |s| s.log.append(LogEntry::Noop))
                    .await;
                cx.notify(ev.appended);
            }
        });
        sp.spawn("fsm", move |cx| async move { m.fsm(&cx, ev).await });
    }

    fn settle(&self, sp: &mut Spawner<'_, State>) {
        let m = *self;
        sp.spawn("settle", move |cx| async move {
            let restarted = m.restart(&cx).await;
            let crashed = cx.ghost(|s| s.ghost.crashed);
            if crashed {
                let replica = cx.spawn("replica", move |cx| async move { m.replay(&cx).await });
                cx.join(replica).await;
            }
            cx.ghost(|s| {
                let node = s.nodes[PRIMARY].persisted();
                let never = if crashed {
                    s.nodes[REPLICA].persisted()
                } else {
                    Persisted {
                        cache: restarted.before,
                        ..node
                    }
                };
                s.ghost.final_state = Some((node, never));
            });
        });
    }

    fn invariants(&self) -> &[Invariant<State>] {
        &INVARIANTS
    }

    fn fingerprint(&self, state: &State) -> Option<raceway_sim::fingerprint::Fingerprint> {
        Some(raceway_sim::fingerprint::of(state))
    }
}

impl Scenario for GenCache {
    const NAME: &'static str = "gencache";
    const TITLE: &'static str = "formance ledger v3: two-generation cache, Raft rotate/delete";
    type Workload = Workload;
    type Variant = Variant;

    fn new(workload: Workload, variant: Variant) -> Self {
        GenCache { workload, variant }
    }

    #[rustfmt::skip]
    fn expect(workload: Workload, variant: Variant) -> Expectation {
        use Variant as V;
        use Workload as W;
        match (workload, variant) {
            (W::PathA, V::Merged) => holds("the Delete finds v in gen1 through Get's fallback and Del fabricates a gen0 tombstone, written at the gen0 byte only; three entries allow one rotation, so nothing is dropped"),
            (W::PathA, V::NoHorizon) => holds("three entries span two generations, so no admission can see Δ ≥ 2: the guard never fires and no-horizon runs as merged"),
            (W::PathA, V::BothBytes) => breaks("the seed: the Delete's tombstone goes to gen0 in memory but to both bytes on disk, where the gen1 byte must mirror memory's gen1 (the rotated v, or nothing)"),
            (W::PathA, V::StrictDel) => breaks("the seed: after the rotation v is gen1-only; Get's fallback finds it, and the strict Del, finding no gen0 entry, panics"),
            (W::PathA, V::MirrorTouch) => holds("MirrorTouch copies gen1's v into gen0 (and its byte) before the handler, so the gen0-only Get and the strict Del find it there"),
            (W::PathA, V::PreloadShadow) => holds("k only ever holds v and the Delete is the last order on it, so a seed is never staler than the cache: the unconditional gen0 write rewrites the same v"),
            (W::PathA, V::TouchResurrect) => holds("the Delete is the last order on k, so no tombstone is ever promoted: it runs as mirror-touch"),
            (W::PathA, V::TornCheck) => holds("the only rotation comes with applying index 3, the last entry appended, so it cannot fall inside an admission's CheckCache"),
            (W::Horizon, V::Merged) => holds("a Read proposed two generations ahead is rejected and admitted again as apply catches up; within one rotation v2 is still in gen0 or gen1 when the Read applies, and beats a stale v1 seed (gen1 wins, or gen0 holds it)"),
            (W::Horizon, V::NoHorizon) => breaks("a Read admitted at Δ = 2 is seeded with v1 before Save(v2) commits; two rotations drop v2 from the cache, so MirrorPreload installs v1 and the Read returns it (and orders apply past the horizon)"),
            (W::Horizon, V::BothBytes) => holds("no Delete in this workload, and both-bytes differs from merged only in Delete"),
            (W::Horizon, V::StrictDel) => holds("no Delete in this workload, and strict-del differs from merged only in Del"),
            (W::Horizon, V::MirrorTouch) => holds("the guard keeps v2 in gen0 or gen1 until the Read applies, and MirrorTouch or MirrorPreload (gen1 wins) brings it into gen0 before the gen0-only Get"),
            (W::Horizon, V::PreloadShadow) => breaks("a Read seeded with v1 before Save(v2) commits writes v1 into gen0 at preload, over v2 (in gen0, or in gen1 after a rotation): the Read returns v1"),
            (W::Horizon, V::TouchResurrect) => holds("no Delete, so no tombstone to promote: it runs as mirror-touch"),
            (W::Horizon, V::TornCheck) => breaks("the rotation stores the new curGen before it rotates the maps; a CheckCache in between sees Δ = 1 with v2 still in gen0 (a Hit), but v2 is gen1 after that rotation and gone after the next, so the coverage-only Read finds nothing"),
            (W::Mixed, V::Merged) => holds("the guard bounds every order to one rotation, so Get's fallback and Del's fabrication reach whatever the cache holds; tombstones block seeds, gen1 beats stale ones, and every write is mirrored at the byte memory uses"),
            (W::Mixed, V::NoHorizon) => breaks("seven entries let apply lag two generations behind admission, and an order admitted at Δ ≥ 2 applies"),
            (W::Mixed, V::BothBytes) => breaks("any Delete of a present key writes a tombstone at the gen1 byte that memory's gen1 does not hold"),
            (W::Mixed, V::StrictDel) => breaks("a Delete applied after a rotation finds k only in gen1: the strict Del panics"),
            (W::Mixed, V::MirrorTouch) => holds("every declared key is promoted into gen0 before its handler, so the gen0-only Get and the strict Del see what merged's fallback sees, and a promoted tombstone stays a tombstone on disk"),
            (W::Mixed, V::PreloadShadow) => breaks("a Read(k) seeded with v1 before Delete(k) applies writes v1 into gen0 over the tombstone: the Read returns the deleted value"),
            (W::Mixed, V::TouchResurrect) => breaks("a Read(k) after the Delete and a rotation promotes the gen1 tombstone, and its disk row is written live with v1: memory differs from disk, and a restart resurrects k"),
            (W::Mixed, V::TornCheck) => breaks("as in horizon: a CheckCache between the rotation's two stores takes an entry that two rotations will drop for a Hit, and the coverage-only Read or Delete then finds nothing"),
        }
    }

    const NAMED: &'static [Named<Self>] = &[
        Named {
            name: "seed",
            workload: Workload::PathA,
            variant: Variant::BothBytes,
            breaks: MEMORY_EQUALS_DISK.name,
            about: "Path A: Delete(k) admitted (Δ=1, Miss, coverage-only), Save(k, v) applies, rotation, Delete(k) applies",
            script: &[
            // T0: Save(k, v) and a noop take indices 1 and 2; Delete(k) is admitted at 3, Δ = 1.
            Task("saver"),
            Task("saver"),
            Task("saver"),
            Task("traffic"),
            Task("deleter"),
            Task("deleter"),
            Task("deleter"),
            // T1: Save(k, v) applies at 1; the noop at 2.
            Task("fsm"),
            Task("fsm"),
            Task("fsm"),
            Task("fsm"),
            Task("fsm"),
            Task("fsm"),
            // T2: entry 3 rotates the cache: gen1 = {k: v}, gen0 = ∅.
            Task("fsm"),
            Task("fsm"),
            Task("fsm"),
            // T3: Delete(k) applies at 3: Get, then Del.
            Task("fsm"),
            Task("fsm"),
        ],
        },
    ];
}
