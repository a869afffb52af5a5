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
//! **Latency.** A step takes no virtual time. In `slow-reader` the reply to the reader's DB
//! read takes a time the strategy picks (0, δ/2 or 2δ, with δ the second delete's 1 s): the row
//! is read at the `SELECT` step, the cache set comes that much later. `sync` has no latency:
//! its `get` is one synchronous call, and a slow read there blocks the process, `set` with it.
//! `double-delete` holds in the other workloads only because every read replies at once (the
//! bounded case); a reply slower than δ fills the old value after the second delete
//! (`slow-fill`). Assumptions that remain: writes, invalidations and cache lookups take no
//! time, and only the workload reader's read is slow (the settle `get`, which checks
//! convergence, replies at once).
//!
//! **Simplifications.** Outside `slow-reader`, a reader's DB read and its cache set happen at
//! the same virtual instant, so every cached value was the row's value when its TTL began:
//! bounded staleness and convergence hold in every variant, and only read-your-writes can
//! break. A reply of 2δ lets a value outlive its commit by the TTL and 2 s, which would
//! break bounded staleness for a `get` in those last 2 s; none runs then (the reader's last
//! `get` is at 7 s, the settle `get` 61 s after the workload ends). Values are committed at most once each (`c1` initially, then `c2`,
//! `c3`), so a value names its commit. The `locked` variant's mutex is the run's mutex
//! `lock[g]`, which the settle `get` names again to take the same lock.
//!
//! **Client operations** (the consistency matrix's history, one register `g`): each `get` is a
//! read and each `set` a write (failed when the DB write failed); the row's initial `c1` is
//! recorded `null`.
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
//! everywhere; `double-delete` only narrows the window to δ (`delete-window`), and closes it
//! only while every read replies within δ (`slow-fill`).

/// The settle task's wait: past the TTL of anything cached before it began.
const SETTLE_WAIT: std::time::Duration = std::time::Duration::from_secs(61);

mod checker;
mod entry;
mod system;
mod tasks;

pub use entry::{Variant, Workload};
pub use system::Ch;

use checker::History;
use system::Entry;

/// The shared state: the row, the cache, the generation, and the checker's ghost history.
#[derive(Debug, Hash)]
pub struct State {
    row: Ch,
    cache: Option<Entry>,
    gen: u64,
    /// Ghost: the history of commits, gets and sets.
    history: History,
}

/// The model of one (workload, variant).
#[derive(Debug)]
pub struct ConfigCache {
    /// The workload.
    pub workload: Workload,
    /// The variant.
    pub variant: Variant,
}
