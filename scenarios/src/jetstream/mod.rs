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
//!
//! **Client operations** (the consistency matrix's history, one register `a`: the actor's
//! latest version): `GetLatestVersion(a)` reads it; `SaveEvent(a@v)` is a compare-and-set from
//! `v - 1` to `v` (failed on a version conflict), since a save follows the version its client
//! read and no workload skips a version (the stream never moves back, so a correct save of `v`
//! finds `v - 1` or conflicts); an external writer's `publishExpect` is a compare-and-set from
//! the version it fetched (failed on a sequence mismatch). Versions are recorded relative to
//! the stream's last at the start, so `review`'s 2 is `null`. A duplicate or lower append then
//! breaks linearizability as it breaks `versions-increase`.
//!
//! **What the verdicts assume.** Nothing here runs on the clock, so a slow fetch or publish is
//! only a later step, which the scheduler already explores: no verdict rests on a step taking
//! no time. External writers are well-behaved (`publishExpect` against what they fetched); one
//! that appends blindly would break the stream's order on its own, whatever the cache does.

const STORES: [&str; 2] = ["store1", "store2"];

mod checker;
mod entry;
mod system;
mod tasks;

pub use entry::{Variant, Workload};
pub use tasks::EXTERNAL_ATTEMPTS;

use checker::Settled;
use system::{Entry, Stream};

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

/// The model of one (workload, variant).
#[derive(Clone, Copy, Debug)]
pub struct Jetstream {
    /// The workload.
    pub workload: Workload,
    /// The variant.
    pub variant: Variant,
}
