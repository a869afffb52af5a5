//! `kvqueue`: a queue's aggregate cache on an eventually consistent KV (saywhatwant,
//! `workers/comments-worker.js`).
//!
//! **The real system.** A Cloudflare Worker keeps a bot's queue of human messages in Workers
//! KV: `comment:<id>` holds one message (`status`, `attempts`) and `recent:comments` is an
//! aggregate cache, the latest messages sorted by timestamp, each with a copy of its status.
//! Workers KV has no transactions and no compare-and-swap: concurrent puts are
//! last-writer-wins, a read may return an older value for about 60 s, and a key takes at most
//! one write per second (more fail with 429). Every handler (`POST`, `claim`, `complete`,
//! `fail`) writes the message's key and then read-modify-writes the aggregate, swallowing any
//! error on the aggregate. The bot polls `pending` every 3 s: it reads the aggregate and, for
//! every entry whose cached status is not terminal, the message's key (and the old key format
//! when that finds nothing); it claims, processes and completes what the keys say is pending.
//! The seed saw four entries stuck at `processing` whose keys said `complete`: each poll cost
//! `[KVr:5 KVw:0]` instead of `[KVr:1 KVw:0]`, forever.
//!
//! **The model.** Four messages at most (`m1`..`m4`, in timestamp order). Each KV get or put
//! is one step on `kv:<key>`; a key keeps its latest value, the one before it (what a stale
//! read returns) and the time of its last write (for the 429). Where the workload enables
//! them, a get may return the previous value (the pick `stale read`), the aggregate put of
//! `complete` may fail (`kv.put fails`) and the rate limit applies (with [`Cx::now`](raceway_sim::Cx::now)); the
//! bot's processing may fail (`processing fails`), which calls `fail`. The bot's loop runs on
//! the virtual clock: poll, work through what the poll returned (claim, 2 s of processing,
//! complete or fail), sleep 3 s, until a poll returns nothing (at most five polls). Each poll
//! counts its KV reads and writes and shows them in the trace as the seed's bot logged them.
//! The settle phase is the same bot once the traffic has stopped: it waits out the KV's 60 s
//! (no more stale reads, puts or processing do not fail; the rate limit still holds), polls
//! until nothing is pending, then polls once more to measure what a poll costs.
//! Simplifications: "keep the last 200" never trims four messages and is not modelled; the old
//! key format never exists, so its read always finds nothing; a stale read returns exactly the
//! previous value, the only older value these short runs need.
//!
//! **Workloads.** `stuck` (the seed): m1..m4 pending, one bot; complete's aggregate put and
//! the bot's processing may fail. `two-completes`: m1 and m2 pending; bot1 claims m1 and bot2
//! m2 at once, as if their polls had split the queue (had both polled, both would take m1
//! first and the run would test `claim` rather than the completes), so both complete at 2 s,
//! then poll. `post-during-poll`: m1's key says complete, the aggregate processing; the bot
//! polls while the poster posts m2, both from 0 s, so the POST may land anywhere in the poll.
//! `eventual`: m1 pending, two bots polling and a poster posting m2, all from 0 s; every get
//! may be stale and the rate limit is on, so handlers writing in the same second get 429.
//! `duplicate-post`: a client's POST(m1) times out and the client retries it while the first
//! is still being handled, so the two race from 0 s, with one bot polling from 0 s. On KV the
//! retry carries the client's id (`body.id || generateId()`), so m1 is put pending twice and,
//! unless one aggregate read-modify-write overwrites the other, appended twice: `claim`,
//! `complete` and the self-heal's `findIndex` only ever set the first copy. The actor of
//! `durable-object` makes a new id for every POST, so there the retry is a second message, m2.
//! The convergence check reads every entry, copies included, as the spec's "each aggregate
//! entry" says.
//!
//! **Client operations** (the consistency matrix's history, one register per message, holding
//! its status): `POST` writes `pending`, `claim` is a compare-and-set from `pending` to
//! `processing`, `complete` writes `complete` and `fail` the status it sets (each failed when
//! the handler wrote nothing), and a poll on KV reads each message key it reads. A message's
//! status at the start is recorded `null`. The actor's poll (`getPending`) reads the aggregate
//! in one step and is not marked: it returns a set of messages, which no register holds.
//!
//! **What the verdicts assume.** Every KV call takes no virtual time, so a handler's steps all
//! fall in the second it began; that is what lets `two-completes` under `self-heal` hold (the
//! next poll comes 3 s after the last put) and what keeps the rate limit out of the other
//! workloads. A slow KV put (the latency of [`raceway_sim::Latency`]) landing after a heal
//! would undo it until the next poll, which the settle phase's polls still give. The retry of
//! `duplicate-post` races the first POST; a retry sent after the bot answered would re-queue m1
//! (its key back to pending) and be processed twice, a failure of POST's idempotence that no
//! workload models yet.
//!
//! **Variants.** `buggy` is the code of the seed: nothing repairs an aggregate entry once its
//! handler's put was lost. `self-heal` (85df021a) makes `pending` patch, in its in-memory copy
//! of the aggregate, every entry whose key status differs, and put the whole copy back at the
//! end of the poll (one write, errors swallowed). `durable-object` (a617fa0f) replaces KV by
//! one strongly consistent actor that owns the message array and handles one request at a
//! time: each handler is one atomic step on `do:MessageQueue`, reads are never stale, there is
//! no rate limit and no separate aggregate put to fail; `claim` checks for pending and
//! `complete` for processing, as upstream (`fail`, absent upstream, checks for processing too).
//! The actor's array is the aggregate, so in `post-during-poll` it starts without the stale
//! entry that only KV could hold.

mod checker;
mod describe;
mod entry;
mod system;
mod tasks;

pub use entry::{Variant, Workload};
use system::{Cost, Kv, Msg, Recent, N};

/// The shared state: the KV's keys (or, in `durable-object`, the actor's message array seen
/// as the same keys and aggregate) and the checker's ghost counters.
#[derive(Debug, Hash)]
pub struct State {
    comments: [Kv<Option<Msg>>; N],
    recent: Kv<Recent>,
    /// Ghost: successful claims per message.
    claims: [u8; N],
    /// Ghost: successful `fail`s per message (each allows one more claim).
    fails: [u8; N],
    /// Ghost: the cost of the settle phase's last poll.
    settled: Option<Cost>,
}

/// The model of one (workload, variant).
#[derive(Clone, Copy, Debug)]
pub struct KvQueue {
    /// The workload.
    pub workload: Workload,
    /// The variant.
    pub variant: Variant,
}
