//! The catalog entry: the variants and workloads, every pair's expected verdict, the seed.

use super::GenCache;
use crate::catalog::{breaks, holds, Expectation, Named, Scenario};
use raceway_sim::strategy::ScriptStep::Task;
use strum::{EnumMessage, IntoStaticStr, VariantArray};

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
    pub(super) fn get_falls_back(self) -> bool {
        !self.touches()
    }

    pub(super) fn touches(self) -> bool {
        matches!(self, Variant::MirrorTouch | Variant::TouchResurrect)
    }

    pub(super) fn strict_del(self) -> bool {
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
            breaks: "memory-equals-disk",
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
