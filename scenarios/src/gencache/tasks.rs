//! The workloads and the tasks that run them: proposers, the FSM, restarts, the settle phase.

use super::cache::{gen_of, Checked, Deleted, Entry, Got, Key, Touched, Verdict, Write, V};
use super::checker::{Ghost, INVARIANTS};
use super::describe;
use super::entry::{Variant, Workload};
use super::node::{
    Fetched, Log, LogEntry, Node, Op, Order, Outcome, Persisted, Plan, Proposal, Restarted, LOG,
};
use super::{GenCache, State, PRIMARY};
use raceway_sim::{Cx, EventId, Footprint, Invariant, Model, Spawner};
use std::fmt::Formatter;
use std::time::Duration;

/// How long a client rejected by the horizon waits before it admits again, unless a commit
/// comes first (HTTP 503 with `Retry-After: 1`).
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// The node that never crashes (used in the settle phase only).
const REPLICA: usize = 1;

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

impl GenCache {
    /// `CheckCache(at, k)` for the next free index; torn-check reads curGen, then the maps.
    async fn check_cache(self, cx: &Cx<State>, k: Key) -> Checked {
        let l = &LABELS[k.ix()];
        let guard = self.variant != Variant::NoHorizon;
        let fp = admission(Footprint::read(LOG).and_read(RES[PRIMARY].cache));
        if self.variant != Variant::TornCheck {
            let check = move |s: &mut State| {
                let c = &s.nodes[PRIMARY].cache;
                c.check(guard, s.log.next(), c.cur_gen, k)
            };
            return cx.step_as(l.check, fp, check, describe::checked).await;
        }
        let load = |s: &mut State| (s.log.next(), s.nodes[PRIMARY].cache.cur_gen);
        let label = "cache.currentGeneration.Load()";
        let (at, cur_gen) = cx.step_as(label, fp, load, describe::gen_read).await;
        let check = move |s: &mut State| s.nodes[PRIMARY].cache.check(guard, at, cur_gen, k);
        cx.step_as(l.lookup, torn_lookup(), check, describe::checked)
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
                    let get = move |s: &mut State| s.nodes[PRIMARY].store[k.ix()];
                    let found = cx.step_as(label, fp, get, describe::lookup).await;
                    break (checked, found.map_or(Plan::Coverage, Plan::Seed));
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
        let append = move |s: &mut State| s.log.append(LogEntry::Order(p));
        cx.step_as(
            order.propose,
            Footprint::write(LOG),
            append,
            describe::proposed,
        )
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

    /// `raft.NextEntry()` on node `n`: entry `i` if appended, with the cache's generation; from
    /// here to the commit, the node is applying (its memory may differ from its disk).
    async fn fetch(self, cx: &Cx<State>, n: usize, i: u32) -> Fetched {
        let fp = Footprint::read(LOG).and_read(RES[n].cache);
        let next = move |s: &mut State| {
            let entry = s.log.get(i);
            let node = &mut s.nodes[n];
            node.applying = entry.is_some();
            Fetched {
                index: i,
                entry,
                cur_gen: node.cache.cur_gen,
            }
        };
        cx.step_as("raft.NextEntry()", fp, next, describe::fetched)
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
                self.handle_marked(cx, n, i, p).await
            }
        };
        let fp = commit_footprint(n);
        let commit = move |s: &mut State| s.nodes[n].commit(i, outcome);
        let shown = move |_: &(), f: &mut Formatter<'_>| describe::commit(i, outcome, f);
        cx.step_as("pebble.Commit()", fp, commit, shown).await;
        match (n, entry) {
            (PRIMARY, LogEntry::Order(p)) if p.predicted == i => {
                cx.ghost(|s| s.ghost.committed(i, p));
            }
            _ => {}
        }
    }

    /// Node `n`'s rotation to generation `gen`: the cache, then the disk.
    async fn rotate(self, cx: &Cx<State>, n: usize, gen: u32) {
        let fp = Footprint::write(RES[n].cache);
        // torn-check stores the new generation in a step of its own, before the maps rotate.
        let torn = self.variant == Variant::TornCheck;
        if torn {
            let store = move |s: &mut State| {
                s.nodes[n].cache.cur_gen = gen;
                gen
            };
            let label = "cache.currentGeneration.Store()";
            cx.step_as(label, fp, store, describe::gen_stored).await;
        }
        let rotate = move |s: &mut State| {
            let c = &mut s.nodes[n].cache;
            if !torn {
                c.cur_gen = gen;
            }
            c.rotate_maps();
            *c
        };
        cx.step_as("cache.Rotate()", fp, rotate, describe::rotated)
            .await;
        let fp = Footprint::write(RES[n].disk);
        let rotate = move |s: &mut State| {
            s.nodes[n].disk.rotate(gen);
            gen
        };
        cx.step_as("disk.Rotate()", fp, rotate, describe::disk_rotated)
            .await;
    }

    /// Mirrors the rows a cache call wrote to node `n`'s disk.
    async fn write_disk(self, cx: &Cx<State>, n: usize, label: &'static str, w: Write) {
        let fp = Footprint::write(RES[n].disk);
        let write = move |s: &mut State| {
            s.nodes[n].disk.write(w);
            w
        };
        cx.step_as(label, fp, write, describe::on_disk).await;
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
                let preload =
                    move |s: &mut State| s.nodes[n].cache.mirror_preload(unconditional, k, v);
                let shown = move |r: &_, f: &mut Formatter<'_>| describe::preloaded(v, r, f);
                let (_, w) = cx.step_as(l.preload, fp, preload, shown).await;
                if w.any() {
                    self.write_disk(cx, n, "disk.WriteEntries(preload)", w)
                        .await;
                }
            }
            Plan::Coverage if self.variant.touches() => {
                let touch = move |s: &mut State| s.nodes[n].cache.mirror_touch(k);
                let touched = cx.step_as(l.touch, fp, touch, describe::touched).await;
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

    /// `cache.Get(k)` on node `n`, falling back to gen1 where the variant does.
    async fn get(self, cx: &Cx<State>, n: usize, k: Key) -> Got {
        let fallback = self.variant.get_falls_back();
        let fp = Footprint::read(RES[n].cache);
        let get = move |s: &mut State| s.nodes[n].cache.get(fallback, k);
        cx.step_as(LABELS[k.ix()].get, fp, get, describe::got).await
    }

    /// The order's handler on the cache.
    async fn handle(self, cx: &Cx<State>, n: usize, i: u32, p: Proposal) -> Outcome {
        let k = p.order.key;
        match p.order.op {
            Op::Save(v) => {
                let fp = Footprint::write(RES[n].cache);
                let put = move |s: &mut State| s.nodes[n].cache.put(k, Entry::live(v));
                let w = cx
                    .step_as(LABELS[k.ix()].put, fp, put, describe::in_memory)
                    .await;
                self.write_disk(cx, n, "disk.WriteEntry(gen0 byte)", w)
                    .await;
                Outcome::Saved(k, v)
            }
            Op::Read => {
                let got = self.get(cx, n, k).await;
                if n == PRIMARY {
                    cx.ghost(|s| s.ghost.read(i, k, got.value));
                }
                Outcome::Read(got.value)
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
            let put = move |s: &mut State| s.nodes[n].cache.put(k, tomb);
            let mut w = cx
                .step_as(l.put_tombstone, fp, put, describe::in_memory)
                .await;
            w.rows[1] = Some(tomb);
            self.write_disk(cx, n, "disk.WriteTombstone(both bytes)", w)
                .await;
        } else {
            let strict = self.variant.strict_del();
            let del = move |s: &mut State| s.nodes[n].cache.del(strict, k);
            let deleted = cx.step_as(l.del, fp, del, describe::deleted).await;
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
        let restart = |s: &mut State| s.nodes[PRIMARY].restart();
        let r = cx
            .step_as("node.Restart()", fp, restart, describe::restarted)
            .await;
        if r.before != r.after {
            cx.ghost(|s| {
                s.ghost.restart_mismatch.get_or_insert((r.before, r.after));
            });
        }
        r
    }
}

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
            applied: sp.event(APPLIED),
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
                let append = |s: &mut State| s.log.append(LogEntry::Noop);
                cx.step_as("raft.Propose(noop)", fp, append, describe::proposed)
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

/// The event the FSM notifies after each commit of the node under test, and the resource
/// footprints name for it. `notify` wakes only the clients already waiting, so the commit
/// before it does not commute with an admission whose client is about to wait (a rejected
/// one): the commit writes the event, the admission reads it. (These footprints live here,
/// below the strict `Del`'s panic site, whose line names its violation.)
const APPLIED: &str = "fsm.applied";

/// An admission's last step (`CheckCache`, or torn-check's lookup): `fp` and the event.
const fn admission(fp: Footprint) -> Footprint {
    fp.and_read(APPLIED)
}

/// torn-check's lookup, the last step of its admission.
fn torn_lookup() -> Footprint {
    admission(Footprint::read(RES[PRIMARY].cache))
}

/// Node `n`'s `pebble.Commit()`: the primary's is followed by the notify of [`APPLIED`].
fn commit_footprint(n: usize) -> Footprint {
    match n {
        PRIMARY => Footprint::write(RES[n].pebble).and_write(APPLIED),
        _ => Footprint::write(RES[n].pebble),
    }
}

mod clients;
