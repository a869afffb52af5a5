//! The workloads and the tasks that run them: the bot's poll, claim, complete and fail on KV
//! or on the Durable Object, and the POSTs.

use super::checker::INVARIANTS;
use super::describe;
use super::entry::{Variant, Workload};
use super::system::{retry, Cost, Id, Ids, Kv, Msg, Put, Recent, Reply, Status, M1, M2, N};
use super::{KvQueue, State};
use raceway_sim::consistency::{Op, Value};
use raceway_sim::{Call, Cx, Footprint, Invariant, Model, Spawner};
use std::fmt;
use std::time::Duration;

/// The bot's poll interval.
const POLL_EVERY: Duration = Duration::from_secs(3);

/// How long the bot works on one message.
const PROCESSING: Duration = Duration::from_secs(2);

/// How long a KV read may lag a write; the settle phase waits it out.
const KV_SETTLES: Duration = Duration::from_secs(60);

/// The bound on a bot's polls, so that every run ends.
const MAX_POLLS: usize = 5;

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
    /// Each message's status at the start: the clients' history records it as `null`.
    initial: [Option<Status>; N],
}

/// A message's status as the clients' history records it, made a [`Value`] (text, which
/// allocates) only in a run that keeps its history: the status it started with is the `null`
/// that the checkers' registers start from (a message absent at the start, too; one present
/// then is recorded `"absent"` if a read finds nothing).
#[derive(Clone, Copy)]
struct Recorded {
    status: Option<Status>,
    initial: Option<Status>,
}

impl From<Recorded> for Value {
    fn from(r: Recorded) -> Value {
        match r.status {
            s if s == r.initial => Value::Nil,
            Some(s) => Value::text(&format!("{s:?}")),
            None => Value::text("absent"),
        }
    }
}

/// The clients' key of each message.
const CLIENT_KEY: [&str; N] = ["m1", "m2", "m3", "m4"];

impl Worker {
    fn on_kv(self) -> bool {
        self.variant != Variant::DurableObject
    }

    /// Message `id`'s `status` as the clients' history records it (see [`Recorded`]).
    fn recorded(self, id: Id, status: Option<Status>) -> Recorded {
        Recorded {
            status,
            initial: self.initial[id.ix()],
        }
    }

    /// Marks a client's call on message `id`.
    fn call(self, cx: &Cx<State>, op: Op, id: Id, value: impl Into<Value>) -> Call<State> {
        cx.invoke(op, CLIENT_KEY[id.ix()], value)
    }

    /// `COMMENTS_KV.get('comment:<id>')`.
    async fn get_comment(self, cx: &Cx<State>, id: Id) -> Option<Msg> {
        let stale = self.env.stale_reads && cx.decide("stale read").await;
        let fp = Footprint::read(KEY[id.ix()]);
        let get = move |s: &mut State| s.comments[id.ix()].get(stale);
        cx.step_as(GET[id.ix()], fp, get, describe::comment)
            .await
            .value
    }

    /// `COMMENTS_KV.get('comment:<timestamp>:<id>')`, the old key format: never written.
    async fn get_old_format(self, cx: &Cx<State>, id: Id) -> Option<Msg> {
        let fp = Footprint::read(OLD_KEY[id.ix()]);
        cx.step_as(GET_OLD[id.ix()], fp, |_| None, describe::old_comment)
            .await
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
        let get = move |s: &mut State| s.recent.get(stale);
        let got = cx.step_as("kv.get(recent:comments)", fp, get, describe::recent);
        got.await.value
    }

    /// `COMMENTS_KV.put('recent:comments', ...)`; `fault` is the fault pick's answer.
    async fn put_recent(self, cx: &Cx<State>, recent: Recent, fault: bool) -> Put {
        let (now, limit) = (cx.now(), self.env.rate_limit);
        let fp = Footprint::write(RECENT);
        let put = move |s: &mut State| (s.recent.put(recent, now, limit, fault), recent);
        let wrote = cx.step_as("kv.put(recent:comments)", fp, put, describe::wrote);
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

    /// `POST /api/comments`, a client's write of a pending message (failed when the put of
    /// its key fails).
    async fn post(self, cx: &Cx<State>, id: Id) {
        let pending = self.recorded(id, Some(Status::Pending));
        let call = self.call(cx, Op::Write, id, pending);
        match self.post_uncalled(cx, id).await {
            Put::Ok => call.ok(),
            _ => call.fail(),
        }
    }

    /// `POST /api/comments`: the message's key, then `addToCache` (get, push, sort, put).
    async fn post_uncalled(self, cx: &Cx<State>, id: Id) -> Put {
        if !self.on_kv() {
            self.actor(cx, DO_POST[id.ix()], |s| s.actor_post(id)).await;
            return Put::Ok;
        }
        let put = self.put_comment(cx, id, Msg::new(Status::Pending)).await;
        if put != Put::Ok {
            return put;
        }
        let mut recent = self.get_recent(cx).await;
        recent.push(id, Status::Pending);
        if self.put_recent(cx, recent, false).await != Put::Ok {
            cx.note(|| "cache update failed: swallowed".to_string());
        }
        Put::Ok
    }

    /// `POST /api/queue/claim`, a client's compare-and-set from pending to processing:
    /// `true` when this bot now holds the message.
    async fn claim(self, cx: &Cx<State>, id: Id) -> bool {
        let from = self.recorded(id, Some(Status::Pending));
        let to = self.recorded(id, Some(Status::Processing));
        let call = cx.invoke_cas(CLIENT_KEY[id.ix()], from, to);
        let claimed = self.claim_uncalled(cx, id).await;
        if claimed {
            call.ok();
        } else {
            call.fail();
        }
        claimed
    }

    async fn claim_uncalled(self, cx: &Cx<State>, id: Id) -> bool {
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

    /// `POST /api/queue/complete`, a client's write of the complete status (failed when
    /// the handler wrote nothing).
    async fn complete(self, cx: &Cx<State>, id: Id) {
        let complete = self.recorded(id, Some(Status::Complete));
        let call = self.call(cx, Op::Write, id, complete);
        if self.complete_uncalled(cx, id).await {
            call.ok();
        } else {
            call.fail();
        }
    }

    /// `complete`'s handler: `true` when it wrote the message's key.
    async fn complete_uncalled(self, cx: &Cx<State>, id: Id) -> bool {
        if !self.on_kv() {
            let to = |m: Msg| m.with(Status::Complete);
            let label = DO_COMPLETE[id.ix()];
            let reply = self.actor(cx, label, |s| s.actor_move(id, Status::Processing, to));
            return reply.await == Reply::Ok;
        }
        let Some(msg) = self.get_comment(cx, id).await else {
            return false;
        };
        if self.put_comment(cx, id, msg.with(Status::Complete)).await != Put::Ok {
            return false;
        }
        let may_fail = self.env.complete_put_fails;
        self.set_in_recent(cx, id, Status::Complete, may_fail).await;
        true
    }

    /// `POST /api/queue/fail`: one more attempt; pending again below three, else failed. A
    /// client's write of that status: on KV, marked once the handler has read the message (the
    /// status it writes is known then, and its put comes after); on the actor, the status is
    /// the retry of the message this bot holds, which no other handler moves meanwhile.
    async fn fail(self, cx: &Cx<State>, id: Id) {
        if !self.on_kv() {
            let held = cx.ghost(|s| s.comments[id.ix()].value);
            let status = held.map(|m| retry(m).status);
            let call = self.call(cx, Op::Write, id, self.recorded(id, status));
            let label = DO_FAIL[id.ix()];
            let reply = self.actor(cx, label, |s| s.actor_move(id, Status::Processing, retry));
            if reply.await == Reply::Ok {
                call.ok();
                given_back(cx, id);
            } else {
                call.fail();
            }
            return;
        }
        let Some(msg) = self.get_comment(cx, id).await else {
            return;
        };
        let msg = retry(msg);
        let call = self.call(cx, Op::Write, id, self.recorded(id, Some(msg.status)));
        if self.put_comment(cx, id, msg).await != Put::Ok {
            call.fail();
            return;
        }
        call.ok();
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
            let call = self.call(cx, Op::Read, e.id, Value::Nil);
            let mut actual = self.get_comment(cx, e.id).await;
            call.ok_with(self.recorded(e.id, actual.map(|m| m.status)));
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

impl KvQueue {
    /// The workload's KV and bot, with the faults it enables.
    fn worker(self) -> Worker {
        let on = |w: Workload| self.workload == w;
        Worker {
            initial: self.init().comments.map(|kv| kv.value.map(|m| m.status)),
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
            Workload::DuplicatePost => ([none; N], Recent::EMPTY, [0; N]),
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
            Workload::DuplicatePost => {
                // The client's timeout fired while its first POST was still being handled, so
                // both requests race. On KV the retry carries the client's id again (`body.id`);
                // the actor makes a new id for every POST, so there the retry is m2.
                let retried = if w.on_kv() { M1 } else { M2 };
                sp.spawn("bot", move |cx| async move { w.poll_until_idle(&cx).await });
                sp.spawn("client", move |cx| async move { w.post(&cx, M1).await });
                sp.spawn("retry", move |cx| async move { w.post(&cx, retried).await });
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
