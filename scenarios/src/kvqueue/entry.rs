//! The catalog entry: the variants and workloads, every pair's expected verdict, the seed.

use super::KvQueue;
use crate::catalog::{breaks, holds, Expectation, Named, Scenario};
use raceway_sim::strategy::ScriptStep::{self, Pick, Task};
use strum::{EnumMessage, IntoStaticStr, VariantArray};

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
            breaks: "idle-poll-costs-one-read",
            about: "the seed report: four completes' aggregate puts fail, and every later poll costs [KVr:5 KVw:0]",
            script: &SEED,
        },
        Named {
            name: "heal-drops-post",
            workload: Workload::PostDuringPoll,
            variant: Variant::SelfHeal,
            breaks: "aggregate-converges",
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
