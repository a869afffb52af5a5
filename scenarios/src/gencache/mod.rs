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
//! **Client operations** (the consistency matrix's history, one register per key): every order
//! the primary's FSM applies is its client's call, a write, delete or read of its key, from the
//! handler's start to what it answered (`tasks/clients.rs`). The FSM applies them in log order,
//! so the history has one process: it is linearizable when the primary answers as a register
//! per key would in log order, across its crashes. A value committed at the start is `null`.
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
//!
//! **What the verdicts assume.** The one timer is a rejected client's retry after 1 s when no
//! commit came first; it decides only when a retry happens, never what it sees, so a slow
//! proposal or apply is only a later step, which the scheduler already explores: no verdict
//! rests on a step taking no time.

/// The node under test.
const PRIMARY: usize = 0;

mod cache;
mod checker;
mod describe;
mod entry;
mod node;
mod tasks;

pub use cache::{Cache, Disk, Entry, Key, V};
pub use checker::Ghost;
pub use entry::{Variant, Workload};
use node::Log;
pub use node::{Node, Op, Order};

#[derive(Hash)]
/// The shared state: the log, the node under test and the never-crashing replica, the ghost.
pub struct State {
    log: Log,
    nodes: [Node; 2],
    ghost: Ghost,
}

/// The model of one (workload, variant).
#[derive(Clone, Copy, Debug)]
pub struct GenCache {
    /// The workload.
    pub workload: Workload,
    /// The variant.
    pub variant: Variant,
}
