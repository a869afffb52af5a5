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
//! `complete` may fail (`kv.put fails`) and the rate limit applies (with [`Cx::now`]); the
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

use crate::catalog::{breaks, holds, Expectation, Named, Scenario};
use raceway_sim::strategy::ScriptStep::{self, Pick, Task};
use raceway_sim::{Check, Cx, Footprint, Instant, Invariant, Model, Spawner};
use std::fmt;
use std::time::Duration;
use strum::{EnumMessage, IntoStaticStr, VariantArray};

/// Messages a run may hold.
const N: usize = 4;
/// The bot's poll interval.
const POLL_EVERY: Duration = Duration::from_secs(3);
/// How long the bot works on one message.
const PROCESSING: Duration = Duration::from_secs(2);
/// Workers KV takes one write per second per key.
const WRITE_WINDOW: Duration = Duration::from_secs(1);
/// How long a KV read may lag a write; the settle phase waits it out.
const KV_SETTLES: Duration = Duration::from_secs(60);
/// The bound on a bot's polls, so that every run ends.
const MAX_POLLS: usize = 5;
/// `fail` marks a message failed at this many attempts.
const MAX_ATTEMPTS: u8 = 3;

/// `[prefix m1 suffix, .., prefix m4 suffix]`: labels and resources need `&'static str`.
macro_rules! per_message {
    ($prefix:literal, $suffix:literal) => {
        [
            concat!($prefix, "m1", $suffix),
            concat!($prefix, "m2", $suffix),
            concat!($prefix, "m3", $suffix),
            concat!($prefix, "m4", $suffix),
        ]
    };
}

const RECENT: &str = "kv:recent:comments";
const KEY: [&str; N] = per_message!("kv:comment:", "");
const OLD_KEY: [&str; N] = per_message!("kv:comment:<ts>:", "");
const QUEUE: &str = "do:MessageQueue";

const GET: [&str; N] = per_message!("kv.get(comment:", ")");
const GET_OLD: [&str; N] = per_message!("kv.get(comment:<ts>:", ")");
/// `kv.put(comment:<id>, <status>)`, by status then message.
const PUT: [[&str; N]; 4] = [
    per_message!("kv.put(comment:", ", pending)"),
    per_message!("kv.put(comment:", ", processing)"),
    per_message!("kv.put(comment:", ", complete)"),
    per_message!("kv.put(comment:", ", failed)"),
];
const DO_POST: [&str; N] = per_message!("MessageQueue.postMessage(", ")");
const DO_CLAIM: [&str; N] = per_message!("MessageQueue.claimMessage(", ")");
const DO_COMPLETE: [&str; N] = per_message!("MessageQueue.completeMessage(", ")");
const DO_FAIL: [&str; N] = per_message!("MessageQueue.failMessage(", ")");

/// A message id; ids are in timestamp order.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Id(u8);

impl Id {
    fn ix(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "m{}", self.0 + 1)
    }
}

const M1: Id = Id(0);
const M2: Id = Id(1);

/// A message's `botParams.status`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Status {
    /// Waiting for a bot.
    Pending,
    /// Claimed by a bot.
    Processing,
    /// Answered (terminal).
    Complete,
    /// Given up after three attempts (terminal).
    Failed,
}

impl Status {
    fn is_terminal(self) -> bool {
        matches!(self, Status::Complete | Status::Failed)
    }
}

impl fmt::Debug for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Pending => "pending",
            Status::Processing => "processing",
            Status::Complete => "complete",
            Status::Failed => "failed",
        })
    }
}

/// The value of `comment:<id>`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Msg {
    status: Status,
    attempts: u8,
}

impl Msg {
    const fn new(status: Status) -> Msg {
        Msg {
            status,
            attempts: 0,
        }
    }

    fn with(self, status: Status) -> Msg {
        Msg { status, ..self }
    }
}

impl fmt::Debug for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.attempts {
            0 => write!(f, "{:?}", self.status),
            n => write!(f, "{:?} (attempts {n})", self.status),
        }
    }
}

/// One entry of the aggregate: a message's id and its cached status.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Entry {
    id: Id,
    status: Status,
}

/// The value of `recent:comments`: entries sorted by timestamp, no de-duplication by id.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Recent {
    len: u8,
    entries: [Entry; N],
}

impl Recent {
    const EMPTY: Recent = Recent {
        len: 0,
        entries: [Entry {
            id: M1,
            status: Status::Pending,
        }; N],
    };

    /// The first `n` messages, all with `status`.
    fn first(n: usize, status: Status) -> Recent {
        let mut r = Recent::EMPTY;
        for i in 0..n {
            r.push(Id(i as u8), status);
        }
        r
    }

    fn entries(&self) -> &[Entry] {
        &self.entries[..self.len as usize]
    }

    /// The cached status of `id` (its first entry).
    fn status(&self, id: Id) -> Option<Status> {
        self.entries().iter().find(|e| e.id == id).map(|e| e.status)
    }

    /// Sets the first entry with `id` (`findIndex`); `false` when there is none.
    fn set(&mut self, id: Id, status: Status) -> bool {
        let n = self.len as usize;
        match self.entries[..n].iter_mut().find(|e| e.id == id) {
            Some(e) => {
                e.status = status;
                true
            }
            None => false,
        }
    }

    /// `push` then `sort` by timestamp: the entry goes after every older one.
    fn push(&mut self, id: Id, status: Status) {
        let n = self.len as usize;
        let at = self.entries[..n]
            .iter()
            .rposition(|e| e.id <= id)
            .map_or(0, |i| i + 1);
        self.entries.copy_within(at..n, at + 1);
        self.entries[at] = Entry { id, status };
        self.len += 1;
    }
}

impl fmt::Debug for Recent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, e) in self.entries().iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{:?}:{:?}", e.id, e.status)?;
        }
        f.write_str("]")
    }
}

/// What a KV put did.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Put {
    Ok,
    /// The fault pick fired: a network or service error.
    Failed,
    /// The key was written less than a second ago.
    TooManyRequests,
}

impl fmt::Debug for Put {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Put::Ok => "ok",
            Put::Failed => "failed",
            Put::TooManyRequests => "429 Too Many Requests",
        })
    }
}

/// One Workers KV key: its latest value, the one before (what a stale read returns), and when
/// it was last written (for the rate limit).
#[derive(Clone, Copy, Debug, Hash)]
struct Kv<T> {
    value: T,
    previous: Option<T>,
    written: Option<Instant>,
}

impl<T: Copy> Kv<T> {
    /// A key written long ago: every read sees `value`.
    fn new(value: T) -> Self {
        Kv {
            value,
            previous: None,
            written: None,
        }
    }

    fn get(&self, stale: bool) -> Got<T> {
        match (stale, self.previous) {
            (true, Some(value)) => Got { value, stale: true },
            _ => Got {
                value: self.value,
                stale: false,
            },
        }
    }

    fn put(&mut self, value: T, now: Instant, rate_limit: bool, fault: bool) -> Put {
        if fault {
            return Put::Failed;
        }
        if rate_limit && self.written.is_some_and(|at| now < at.after(WRITE_WINDOW)) {
            return Put::TooManyRequests;
        }
        self.previous = Some(self.value);
        self.value = value;
        self.written = Some(now);
        Put::Ok
    }
}

/// What a KV get returned, and whether it was the previous value.
#[derive(Clone, Copy)]
struct Got<T> {
    value: T,
    stale: bool,
}

impl<T: fmt::Debug> fmt::Debug for Got<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.value)?;
        if self.stale {
            f.write_str(" (stale)")?;
        }
        Ok(())
    }
}

/// What a get of `comment:<id>` found.
#[derive(Clone, Copy)]
struct Found(Option<Msg>);

impl fmt::Debug for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(m) => write!(f, "{m:?}"),
            None => f.write_str("not found"),
        }
    }
}

/// What a put of the aggregate did, with the value it carried.
#[derive(Clone, Copy)]
struct Wrote(Put, Recent);

impl fmt::Debug for Wrote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Put::Ok => write!(f, "ok {:?}", self.1),
            other => write!(f, "{other:?}"),
        }
    }
}

/// A durable-object handler's answer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reply {
    Ok,
    NotFound,
    Conflict(Status),
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reply::Ok => f.write_str("ok"),
            Reply::NotFound => f.write_str("404 Not Found"),
            Reply::Conflict(s) => write!(f, "409 Conflict: {s:?}"),
        }
    }
}

/// A set of message ids, in timestamp order: what `pending` returns.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
struct Ids(u8);

impl Ids {
    fn insert(&mut self, id: Id) {
        self.0 |= 1 << id.0;
    }

    fn is_empty(self) -> bool {
        self.0 == 0
    }

    fn iter(self) -> impl Iterator<Item = Id> {
        (0..N as u8).filter(move |i| self.0 & (1 << i) != 0).map(Id)
    }
}

impl fmt::Debug for Ids {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The KV reads and writes of one poll, as the worker's `kvStats` reports them.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Cost {
    reads: u8,
    writes: u8,
}

impl Cost {
    /// A poll that trusts the aggregate: one read, no write.
    const IDLE: Cost = Cost {
        reads: 1,
        writes: 0,
    };
}

impl fmt::Debug for Cost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[KVr:{} KVw:{}]", self.reads, self.writes)
    }
}

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

impl State {
    fn status(&self, id: Id) -> Option<Status> {
        self.comments[id.ix()].value.map(|m| m.status)
    }

    /// Every posted message's key is terminal.
    fn all_terminal(&self) -> bool {
        self.comments
            .iter()
            .all(|k| k.value.is_none_or(|m| m.status.is_terminal()))
    }

    /// Sets a message in the actor's array (`durable-object`): key and aggregate in one.
    fn actor_set(&mut self, id: Id, msg: Msg) {
        self.comments[id.ix()].value = Some(msg);
        self.recent.value.set(id, msg.status);
    }

    /// `MessageQueue.postMessage`.
    fn actor_post(&mut self, id: Id) {
        self.comments[id.ix()].value = Some(Msg::new(Status::Pending));
        self.recent.value.push(id, Status::Pending);
    }

    /// A handler that moves a message out of status `from`, or answers 409.
    fn actor_move(&mut self, id: Id, from: Status, to: impl FnOnce(Msg) -> Msg) -> Reply {
        match self.comments[id.ix()].value {
            Some(m) if m.status == from => {
                self.actor_set(id, to(m));
                Reply::Ok
            }
            Some(m) => Reply::Conflict(m.status),
            None => Reply::NotFound,
        }
    }

    /// `MessageQueue.getPending`: the array's pending messages.
    fn actor_pending(&self) -> Ids {
        let mut ids = Ids::default();
        for e in self.recent.value.entries() {
            if e.status == Status::Pending {
                ids.insert(e.id);
            }
        }
        ids
    }
}

/// The variants of the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, VariantArray, IntoStaticStr, EnumMessage)]
#[strum(serialize_all = "kebab-case")]
pub enum Variant {
    /// the seed's code: a lost aggregate update stays lost
    Buggy,
    /// 85df021a: pending patches stale entries and puts the whole copy back
    SelfHeal,
    /// a617fa0f: one actor owns the messages; one atomic step per handler
    DurableObject,
}

/// The workloads of the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, VariantArray, IntoStaticStr, EnumMessage)]
#[strum(serialize_all = "kebab-case")]
pub enum Workload {
    /// the seed: four pending messages, one bot; complete's aggregate put may fail, processing may fail
    Stuck,
    /// two bots claim, process and complete m1 and m2 at the same moments
    TwoCompletes,
    /// the aggregate holds m1 processing, its key complete; POST(m2) races the poll
    PostDuringPoll,
    /// m1 pending, two bots, POST(m2); a read may return the previous value, one write per second per key
    Eventual,
}

/// Which of the KV's misbehaviours and the bot's faults a phase of the run enables.
#[derive(Clone, Copy, Debug, Default)]
struct Env {
    /// A get may return the previous value (a pick).
    stale_reads: bool,
    /// A key takes one write per second; more get 429.
    rate_limit: bool,
    /// The aggregate put of `complete` may fail (a pick).
    complete_put_fails: bool,
    /// The bot's processing may fail, and it calls `fail` (a pick).
    processing_fails: bool,
}

/// The worker's handlers and the bot, as one variant runs them in one phase of the run.
#[derive(Clone, Copy, Debug)]
struct Worker {
    variant: Variant,
    env: Env,
}

impl Worker {
    fn on_kv(self) -> bool {
        self.variant != Variant::DurableObject
    }

    /// `COMMENTS_KV.get('comment:<id>')`.
    async fn get_comment(self, cx: &Cx<State>, id: Id) -> Option<Msg> {
        let stale = self.env.stale_reads && cx.decide("stale read").await;
        let fp = Footprint::read(KEY[id.ix()]);
        let got = cx.step(GET[id.ix()], fp, move |s| {
            let g = s.comments[id.ix()].get(stale);
            Got {
                value: Found(g.value),
                stale: g.stale,
            }
        });
        got.await.value.0
    }

    /// `COMMENTS_KV.get('comment:<timestamp>:<id>')`, the old key format: never written.
    async fn get_old_format(self, cx: &Cx<State>, id: Id) -> Option<Msg> {
        let fp = Footprint::read(OLD_KEY[id.ix()]);
        cx.step(GET_OLD[id.ix()], fp, |_| Found(None)).await.0
    }

    /// `COMMENTS_KV.put('comment:<id>', msg)`.
    async fn put_comment(self, cx: &Cx<State>, id: Id, msg: Msg) -> Put {
        let (now, limit) = (cx.now(), self.env.rate_limit);
        let label = PUT[msg.status as usize][id.ix()];
        cx.step(label, Footprint::write(KEY[id.ix()]), move |s| {
            s.comments[id.ix()].put(Some(msg), now, limit, false)
        })
        .await
    }

    /// `COMMENTS_KV.get('recent:comments')`.
    async fn get_recent(self, cx: &Cx<State>) -> Recent {
        let stale = self.env.stale_reads && cx.decide("stale read").await;
        let fp = Footprint::read(RECENT);
        let got = cx.step("kv.get(recent:comments)", fp, move |s| s.recent.get(stale));
        got.await.value
    }

    /// `COMMENTS_KV.put('recent:comments', ...)`; `fault` is the fault pick's answer.
    async fn put_recent(self, cx: &Cx<State>, recent: Recent, fault: bool) -> Put {
        let (now, limit) = (cx.now(), self.env.rate_limit);
        let fp = Footprint::write(RECENT);
        let wrote = cx.step("kv.put(recent:comments)", fp, move |s| {
            Wrote(s.recent.put(recent, now, limit, fault), recent)
        });
        wrote.await.0
    }

    /// One atomic request to the actor (`durable-object`) that may change it.
    async fn actor<R: fmt::Debug>(
        self,
        cx: &Cx<State>,
        label: &'static str,
        handle: impl FnOnce(&mut State) -> R,
    ) -> R {
        cx.step(label, Footprint::write(QUEUE), handle).await
    }

    /// The read-modify-write of the aggregate that ends `claim`, `complete` and `fail`: get,
    /// set the first entry with `id`, put; an error is logged and swallowed.
    async fn set_in_recent(self, cx: &Cx<State>, id: Id, status: Status, may_fail: bool) {
        let mut recent = self.get_recent(cx).await;
        if !recent.set(id, status) {
            return;
        }
        let fault = may_fail && cx.decide("kv.put fails").await;
        if self.put_recent(cx, recent, fault).await != Put::Ok {
            cx.note(|| "cache update failed (non-critical): swallowed".to_string());
        }
    }

    /// `POST /api/comments`: the message's key, then `addToCache` (get, push, sort, put).
    async fn post(self, cx: &Cx<State>, id: Id) {
        if !self.on_kv() {
            return self.actor(cx, DO_POST[id.ix()], |s| s.actor_post(id)).await;
        }
        if self.put_comment(cx, id, Msg::new(Status::Pending)).await != Put::Ok {
            return;
        }
        let mut recent = self.get_recent(cx).await;
        recent.push(id, Status::Pending);
        if self.put_recent(cx, recent, false).await != Put::Ok {
            cx.note(|| "cache update failed: swallowed".to_string());
        }
    }

    /// `POST /api/queue/claim`: `true` when this bot now holds the message.
    async fn claim(self, cx: &Cx<State>, id: Id) -> bool {
        if self.on_kv() {
            return self.claim_on_kv(cx, id).await;
        }
        let to = |m: Msg| m.with(Status::Processing);
        let label = DO_CLAIM[id.ix()];
        let claimed = self
            .actor(cx, label, |s| s.actor_move(id, Status::Pending, to))
            .await;
        if claimed != Reply::Ok {
            return false;
        }
        claimed_by_this_bot(cx, id);
        true
    }

    async fn claim_on_kv(self, cx: &Cx<State>, id: Id) -> bool {
        let Some(msg) = self.get_comment(cx, id).await else {
            return false; // 404
        };
        if msg.status != Status::Pending {
            return false; // 409
        }
        if self.put_comment(cx, id, msg.with(Status::Processing)).await != Put::Ok {
            return false; // 500
        }
        claimed_by_this_bot(cx, id);
        self.set_in_recent(cx, id, Status::Processing, false).await;
        true
    }

    /// `POST /api/queue/complete`.
    async fn complete(self, cx: &Cx<State>, id: Id) {
        if !self.on_kv() {
            let to = |m: Msg| m.with(Status::Complete);
            let label = DO_COMPLETE[id.ix()];
            self.actor(cx, label, |s| s.actor_move(id, Status::Processing, to))
                .await;
            return;
        }
        let Some(msg) = self.get_comment(cx, id).await else {
            return;
        };
        if self.put_comment(cx, id, msg.with(Status::Complete)).await != Put::Ok {
            return;
        }
        let may_fail = self.env.complete_put_fails;
        self.set_in_recent(cx, id, Status::Complete, may_fail).await;
    }

    /// `POST /api/queue/fail`: one more attempt; pending again below three, else failed.
    async fn fail(self, cx: &Cx<State>, id: Id) {
        if !self.on_kv() {
            let label = DO_FAIL[id.ix()];
            let reply = self.actor(cx, label, |s| s.actor_move(id, Status::Processing, retry));
            if reply.await == Reply::Ok {
                given_back(cx, id);
            }
            return;
        }
        let Some(msg) = self.get_comment(cx, id).await else {
            return;
        };
        let msg = retry(msg);
        if self.put_comment(cx, id, msg).await != Put::Ok {
            return;
        }
        given_back(cx, id);
        self.set_in_recent(cx, id, msg.status, false).await;
    }

    /// `GET /api/queue/pending`: the messages whose keys say pending, and the poll's cost.
    async fn pending(self, cx: &Cx<State>) -> (Ids, Cost) {
        let (ids, cost) = if self.on_kv() {
            self.pending_on_kv(cx).await
        } else {
            let fp = Footprint::read(QUEUE);
            let ids = cx.step("MessageQueue.getPending()", fp, |s| s.actor_pending());
            (ids.await, Cost::IDLE)
        };
        cx.note(|| format!("{cost:?}"));
        (ids, cost)
    }

    async fn pending_on_kv(self, cx: &Cx<State>) -> (Ids, Cost) {
        let mut cost = Cost::IDLE;
        let cached = self.get_recent(cx).await;
        let mut healed = cached;
        let mut heal = false;
        let mut ids = Ids::default();
        for &e in cached.entries() {
            if e.status.is_terminal() {
                continue; // trust the cache: the 93% saving
            }
            cost.reads += 1;
            let mut actual = self.get_comment(cx, e.id).await;
            if actual.is_none() {
                cost.reads += 1;
                actual = self.get_old_format(cx, e.id).await;
            }
            let Some(actual) = actual else { continue };
            if self.variant == Variant::SelfHeal && actual.status != e.status {
                cx.note(|| {
                    format!(
                        "self-heal: {:?} cache={:?} actual={:?}",
                        e.id, e.status, actual.status
                    )
                });
                heal |= healed.set(e.id, actual.status);
            }
            if actual.status == Status::Pending {
                ids.insert(e.id);
            }
        }
        if heal {
            match self.put_recent(cx, healed, false).await {
                Put::Ok => cost.writes += 1,
                _ => cx.note(|| "self-heal write failed: retried next poll".to_string()),
            }
        }
        (ids, cost)
    }

    /// The bot's work on one message it was handed: claim, process, complete (or fail).
    async fn work(self, cx: &Cx<State>, id: Id) {
        if !self.claim(cx, id).await {
            return;
        }
        cx.sleep(PROCESSING).await;
        if self.env.processing_fails && cx.decide("processing fails").await {
            self.fail(cx, id).await;
        } else {
            self.complete(cx, id).await;
        }
    }

    /// The bot's loop: poll every 3 s and work through what the poll returned, until a poll
    /// returns nothing (bounded, so that every run ends).
    async fn poll_until_idle(self, cx: &Cx<State>) {
        for _ in 0..MAX_POLLS {
            let (ids, _) = self.pending(cx).await;
            if ids.is_empty() {
                return;
            }
            for id in ids.iter() {
                self.work(cx, id).await;
            }
            cx.sleep(POLL_EVERY).await;
        }
    }
}

/// Ghost: the claim's write succeeded, so this bot now holds `id`.
fn claimed_by_this_bot(cx: &Cx<State>, id: Id) {
    cx.ghost(|s| s.claims[id.ix()] += 1);
}

/// Ghost: `fail`'s write succeeded, so `id` may be claimed once more.
fn given_back(cx: &Cx<State>, id: Id) {
    cx.ghost(|s| s.fails[id.ix()] += 1);
}

/// What `fail` makes of a message: one more attempt, pending below three, else failed.
fn retry(msg: Msg) -> Msg {
    let attempts = msg.attempts + 1;
    let status = if attempts < MAX_ATTEMPTS {
        Status::Pending
    } else {
        Status::Failed
    };
    Msg { status, attempts }
}

/// The model of one (workload, variant).
#[derive(Clone, Copy, Debug)]
pub struct KvQueue {
    /// The workload.
    pub workload: Workload,
    /// The variant.
    pub variant: Variant,
}

impl KvQueue {
    /// The workload's KV and bot, with the faults it enables.
    fn worker(self) -> Worker {
        let on = |w: Workload| self.workload == w;
        Worker {
            variant: self.variant,
            env: Env {
                stale_reads: on(Workload::Eventual),
                rate_limit: on(Workload::Eventual),
                complete_put_fails: on(Workload::Stuck),
                processing_fails: on(Workload::Stuck),
            },
        }
    }

    /// The same after the traffic: consistent reads, no faults; the rate limit stays.
    fn settled_worker(self) -> Worker {
        let w = self.worker();
        Worker {
            env: Env {
                rate_limit: w.env.rate_limit,
                ..Env::default()
            },
            ..w
        }
    }
}

/// Safety: a message is claimed again only after a `fail` gave it back.
fn claimed_once(s: &State) -> Check {
    for i in 0..N {
        if s.claims[i] > s.fails[i] + 1 {
            return Err(format!(
                "{:?} was claimed {} times with {} failed attempts between: processed twice",
                Id(i as u8),
                s.claims[i],
                s.fails[i]
            ));
        }
    }
    Ok(())
}

/// Safety: an aggregate entry says complete or failed only if its key says so too.
fn terminal_only_if_key(s: &State) -> Check {
    for e in s.recent.value.entries() {
        if e.status.is_terminal() && s.status(e.id) != Some(e.status) {
            return Err(format!(
                "the aggregate says {:?} {:?} but comment:{:?} says {:?}",
                e.id,
                e.status,
                e.id,
                Found(s.comments[e.id.ix()].value)
            ));
        }
    }
    Ok(())
}

/// Cost: at quiescence, with every message terminal, a poll costs one read and no write.
fn idle_poll_costs_one_read(s: &State) -> Check {
    let Some(cost) = s.settled else {
        return Err("the settle phase did not run".to_string());
    };
    if cost == Cost::IDLE || !s.all_terminal() {
        return Ok(());
    }
    let stale: Vec<String> = s
        .recent
        .value
        .entries()
        .iter()
        .filter(|e| !e.status.is_terminal())
        .map(|e| format!("{:?} {:?}", e.id, e.status))
        .collect();
    let why = match stale.len() {
        0 => "the poll before it did not heal the aggregate".to_string(),
        _ => format!(
            "the aggregate still says {}, so every poll verifies it again",
            stale.join(", ")
        ),
    };
    Err(format!(
        "every message is terminal, yet a poll costs {cost:?}, not {:?}: {why}",
        Cost::IDLE
    ))
}

/// Convergence: every posted message is in the aggregate, terminal, with its key's status.
fn aggregate_converges(s: &State) -> Check {
    for i in 0..N {
        let id = Id(i as u8);
        let Some(msg) = s.comments[i].value else {
            continue;
        };
        match s.recent.value.status(id) {
            None => {
                return Err(format!(
                    "{id:?} was posted (comment:{id:?} says {msg:?}) but is not in the \
                     aggregate, so no poll returns it"
                ))
            }
            Some(_) if !msg.status.is_terminal() => {
                return Err(format!("comment:{id:?} still says {msg:?}"))
            }
            Some(cached) if cached != msg.status => {
                return Err(format!(
                    "the aggregate says {id:?} {cached:?} but comment:{id:?} says {msg:?}"
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Cost comes before convergence: when both break, the cost is what the seed's author saw.
const CLAIMED_ONCE: Invariant<State> = Invariant::safety("claimed-once", claimed_once);
const TERMINAL_ONLY_IF_KEY: Invariant<State> =
    Invariant::safety("terminal-only-if-key", terminal_only_if_key);
const IDLE_POLL_COSTS_ONE_READ: Invariant<State> =
    Invariant::cost("idle-poll-costs-one-read", idle_poll_costs_one_read);
const AGGREGATE_CONVERGES: Invariant<State> =
    Invariant::convergence("aggregate-converges", aggregate_converges);
static INVARIANTS: [Invariant<State>; 4] = [
    CLAIMED_ONCE,
    TERMINAL_ONLY_IF_KEY,
    IDLE_POLL_COSTS_ONE_READ,
    AGGREGATE_CONVERGES,
];

impl Model for KvQueue {
    type State = State;

    fn init(&self) -> State {
        let pending = Some(Msg::new(Status::Pending));
        let none = Kv::new(None);
        let (comments, recent, claims) = match self.workload {
            Workload::Stuck => (
                [Kv::new(pending); N],
                Recent::first(N, Status::Pending),
                [0; N],
            ),
            Workload::TwoCompletes => {
                let keys = [Kv::new(pending), Kv::new(pending), none, none];
                (keys, Recent::first(2, Status::Pending), [0; N])
            }
            Workload::PostDuringPoll => {
                // m1 was claimed and completed before the run; only KV can have kept the
                // aggregate's copy stale.
                let keys = [Kv::new(Some(Msg::new(Status::Complete))), none, none, none];
                let cached = match self.variant {
                    Variant::DurableObject => Status::Complete,
                    _ => Status::Processing,
                };
                (keys, Recent::first(1, cached), [1, 0, 0, 0])
            }
            Workload::Eventual => {
                let keys = [Kv::new(pending), none, none, none];
                (keys, Recent::first(1, Status::Pending), [0; N])
            }
        };
        State {
            comments,
            recent: Kv::new(recent),
            claims,
            fails: [0; N],
            settled: None,
        }
    }

    fn workload(&self, sp: &mut Spawner<'_, State>) {
        let w = self.worker();
        match self.workload {
            Workload::Stuck => {
                sp.spawn("bot", move |cx| async move { w.poll_until_idle(&cx).await });
            }
            Workload::TwoCompletes => {
                // As if each bot's poll had handed it a different message.
                for (name, id) in [("bot1", M1), ("bot2", M2)] {
                    sp.spawn(name, move |cx| async move {
                        w.work(&cx, id).await;
                        cx.sleep(POLL_EVERY).await;
                        w.poll_until_idle(&cx).await;
                    });
                }
            }
            Workload::PostDuringPoll => {
                sp.spawn("bot", move |cx| async move { w.poll_until_idle(&cx).await });
                sp.spawn("poster", move |cx| async move { w.post(&cx, M2).await });
            }
            Workload::Eventual => {
                for name in ["bot1", "bot2"] {
                    sp.spawn(name, move |cx| async move { w.poll_until_idle(&cx).await });
                }
                sp.spawn("poster", move |cx| async move { w.post(&cx, M2).await });
            }
        }
    }

    fn settle(&self, sp: &mut Spawner<'_, State>) {
        let w = self.settled_worker();
        sp.spawn("settle", move |cx| async move {
            cx.sleep(KV_SETTLES).await;
            w.poll_until_idle(&cx).await;
            cx.sleep(POLL_EVERY).await;
            let (_, cost) = w.pending(&cx).await;
            cx.ghost(|s| s.settled = Some(cost));
        });
    }

    fn invariants(&self) -> &[Invariant<State>] {
        &INVARIANTS
    }

    fn fingerprint(&self, state: &State) -> Option<raceway_sim::fingerprint::Fingerprint> {
        Some(raceway_sim::fingerprint::of(state))
    }
}

/// The seed: the bot completes m1..m4, and each complete's aggregate put fails.
#[rustfmt::skip]
const SEED: [ScriptStep; 45] = [
    // pending: the aggregate, then the four keys it says are not terminal
    Task("bot"), Task("bot"), Task("bot"), Task("bot"), Task("bot"),
    // m1: claim (get, put, aggregate get, put), process, complete (get, put, aggregate get,
    // the put fails)
    Task("bot"), Task("bot"), Task("bot"), Task("bot"), Task("bot"),
    Task("bot"), Task("bot"), Task("bot"), Pick(1), Task("bot"),
    // m2
    Task("bot"), Task("bot"), Task("bot"), Task("bot"), Task("bot"),
    Task("bot"), Task("bot"), Task("bot"), Pick(1), Task("bot"),
    // m3
    Task("bot"), Task("bot"), Task("bot"), Task("bot"), Task("bot"),
    Task("bot"), Task("bot"), Task("bot"), Pick(1), Task("bot"),
    // m4
    Task("bot"), Task("bot"), Task("bot"), Task("bot"), Task("bot"),
    Task("bot"), Task("bot"), Task("bot"), Pick(1), Task("bot"),
];

impl Scenario for KvQueue {
    const NAME: &'static str = "kvqueue";
    const TITLE: &'static str = "saywhatwant worker on Workers KV: a queue's aggregate cache";
    type Workload = Workload;
    type Variant = Variant;

    fn new(workload: Workload, variant: Variant) -> Self {
        KvQueue { workload, variant }
    }

    #[rustfmt::skip]
    fn expect(workload: Workload, variant: Variant) -> Expectation {
        use Variant as V;
        use Workload as W;
        match (workload, variant) {
            (W::Stuck, V::Buggy) => breaks("the seed: complete's aggregate put fails and is swallowed; no later handler touches that entry, so every poll reads its key again, forever"),
            (W::Stuck, V::SelfHeal) => holds("one bot and fresh reads: the next poll patches every entry whose key differs, and no other writer can overwrite its put"),
            (W::Stuck, V::DurableObject) => holds("each handler is one atomic step on one copy: there is no separate aggregate put to fail"),
            (W::TwoCompletes, V::Buggy) => breaks("lost update: the two claims' (or completes') read-modify-writes of the aggregate interleave get, get, put, put, so the last put carries the other message's old status, and nothing repairs it"),
            (W::TwoCompletes, V::SelfHeal) => holds("the lost update is patched by the bots' next poll, 3 s after both completes ended: no handler writes the aggregate then, and both polls put the same copy"),
            (W::TwoCompletes, V::DurableObject) => holds("the completes are atomic steps on the actor's one array: neither can overwrite the other"),
            (W::PostDuringPoll, V::Buggy) => breaks("nothing repairs the stale m1 entry: every poll at quiescence reads comment:m1 again"),
            (W::PostDuringPoll, V::SelfHeal) => breaks("the poll gets the aggregate before POST(m2) puts it and puts its healed copy after: last writer wins, m2 leaves the aggregate and no poll ever returns it"),
            (W::PostDuringPoll, V::DurableObject) => holds("the actor's array is the aggregate, so nothing is stale, and the POST and the poll are atomic steps"),
            (W::Eventual, V::Buggy) => breaks("POST(m2)'s aggregate put gets 429 in the same second as a claim's, or a handler puts an aggregate it read stale, without m2: swallowed, so m2 is never processed; stale key reads also let both bots claim m2"),
            (W::Eventual, V::SelfHeal) => breaks("as in buggy, a 429 or a stale read-modify-write drops m2 from the aggregate, and self-heal patches only entries it has (its own put of a stale copy drops m2 too); stale key reads still let both bots claim m2"),
            (W::Eventual, V::DurableObject) => holds("no KV: reads are never stale, there is no rate limit, and claim checks and sets in one step, so the second claim gets 409"),
        }
    }

    const NAMED: &'static [Named<Self>] = &[
        Named {
            name: "seed",
            workload: Workload::Stuck,
            variant: Variant::Buggy,
            breaks: IDLE_POLL_COSTS_ONE_READ.name,
            about: "the seed report: four completes' aggregate puts fail, and every later poll costs [KVr:5 KVw:0]",
            script: &SEED,
        },
        Named {
            name: "heal-drops-post",
            workload: Workload::PostDuringPoll,
            variant: Variant::SelfHeal,
            breaks: AGGREGATE_CONVERGES.name,
            about: "the self-heal's put of its healed copy overwrites the aggregate that POST(m2) just put",
            script: &[
                    Task("bot"),    // kv.get(recent:comments) → [m1:processing]
                    Task("poster"), // kv.put(comment:m2, pending)
                    Task("poster"), // kv.get(recent:comments) → [m1:processing]
                    Task("poster"), // kv.put(recent:comments) → [m1:processing, m2:pending]
                    Task("bot"),    // kv.get(comment:m1) → complete
                    Task("bot"),    // kv.put(recent:comments) → [m1:complete]
                ],
        },
    ];
}
