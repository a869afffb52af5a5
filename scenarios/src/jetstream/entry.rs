//! The catalog entry: the variants and workloads, every pair's expected verdict, the named
//! schedules.

use super::Jetstream;
use crate::catalog::{breaks, holds, Expectation, Named, Scenario};
use raceway_sim::strategy::ScriptStep::Task;
use strum::{EnumMessage, IntoStaticStr, VariantArray};

/// The variants of the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, VariantArray, IntoStaticStr, EnumMessage)]
#[strum(serialize_all = "kebab-case")]
pub enum Variant {
    /// before #126: GetLatestVersion fetches and never touches the cache
    NoInvalidation,
    /// #130's first commit: unlocked fetch, then delete a stale entry under mu
    #[strum(serialize = "pr-commit-1")]
    PrCommit1,
    /// unlocked fetch, then versions[a] = fetched under mu (the review's race)
    // The line is plain text for `raceway list`, not a link.
    #[allow(rustdoc::broken_intra_doc_links)]
    UnlockedSet,
    /// #130 as merged: fetch and set under mu
    Merged,
    /// merged, and SaveEvent publishes with publishExpect against the cached sequence
    ConditionalAppend,
}

/// The workloads of the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, VariantArray, IntoStaticStr, EnumMessage)]
#[strum(serialize_all = "kebab-case")]
pub enum Workload {
    /// the seed: stream a@1 a@2, cache a→2; GetLatestVersion(a) races SaveEvent(a@3) and its retry
    Review,
    /// one store saves twice (GetLatestVersion, SaveEvent(v+1)); an external writer appends once
    External,
    /// two store instances on one stream, each saving twice
    TwoStores,
}

impl Scenario for Jetstream {
    const NAME: &'static str = "jetstream";
    const TITLE: &'static str = "Aether JetStreamEventStore: version cache vs external writers";
    type Workload = Workload;
    type Variant = Variant;

    fn new(workload: Workload, variant: Variant) -> Self {
        Jetstream { workload, variant }
    }

    #[rustfmt::skip]
    fn expect(workload: Workload, variant: Variant) -> Expectation {
        use Variant as V;
        use Workload as W;
        match (workload, variant) {
            (W::Review, V::NoInvalidation) => holds("only the store writes, always under mu, and GetLatestVersion never writes the cache, so the cache is exact"),
            (W::Review, V::PrCommit1) => holds("a delete only drops an entry (the next save refetches), and with one writer under mu the fetch is never above the cache, so nothing stale is ever set"),
            (W::Review, V::UnlockedSet) => breaks("the seed: getter fetches 2, saver publishes a@3 and caches 3, getter's unlocked-then-locked set puts back 2, the retried SaveEvent(a@3) hits 2 and publishes a duplicate"),
            (W::Review, V::Merged) => holds("fetch and set happen under mu, so no save's publish and cache update can fall between them, and the store is the only writer"),
            (W::Review, V::ConditionalAppend) => holds("merged's locked GetLatestVersion keeps the cache exact; publishExpect would refuse any stale append anyway"),
            (W::External, V::NoInvalidation) => breaks("the external writer appends between the app's GetLatestVersion (v) and SaveEvent(v+1); the cache (≤ v) lets plain publish append a duplicate v+1"),
            (W::External, V::PrCommit1) => breaks("invalidation runs only in GetLatestVersion: an external append right after it leaves SaveEvent a stale hit, and plain publish appends a duplicate"),
            (W::External, V::UnlockedSet) => breaks("the review's race needs a second task on the store (none here), but an external append between GetLatestVersion and SaveEvent leaves a stale hit, and plain publish appends a duplicate"),
            (W::External, V::Merged) => breaks("#130 invalidates only in GetLatestVersion: an external append between it and SaveEvent leaves a stale hit, and plain publish appends a duplicate"),
            (W::External, V::ConditionalAppend) => holds("an entry's (version, seq) was once the stream's last event; publishExpect appends only while seq is still the last, so e.version > version keeps versions increasing; a mismatch refreshes and conflicts"),
            (W::TwoStores, V::NoInvalidation) => breaks("each store's cache misses the other's writes: both read v, both save v+1, and plain publish appends the second as a duplicate"),
            (W::TwoStores, V::PrCommit1) => breaks("the other store's append between this store's GetLatestVersion and SaveEvent leaves a stale hit; plain publish appends a duplicate"),
            (W::TwoStores, V::UnlockedSet) => breaks("the other store's append between this store's GetLatestVersion and SaveEvent leaves a stale hit; plain publish appends a duplicate"),
            (W::TwoStores, V::Merged) => breaks("the other store is an external writer: its append between GetLatestVersion and SaveEvent leaves a stale hit, and plain publish appends a duplicate"),
            (W::TwoStores, V::ConditionalAppend) => holds("both stores append with publishExpect against the sequence seen with their version: of two racing saves only one lands, the other refreshes and conflicts"),
        }
    }

    const NAMED: &'static [Named<Self>] = &[
        Named {
            name: "seed",
            workload: Workload::Review,
            variant: Variant::UnlockedSet,
            breaks: "versions-increase",
            about: "the review's race: a stale versions[a] = 2 lets the retried SaveEvent(a@3) publish a duplicate",
            script: &[
                    // getter: js.FetchLatest(a) without the lock → 2
                    Task("getter"),
                    // saver: lock; hit 2; js.Publish(a@3); versions[a] = 3; unlock
                    Task("saver"),
                    Task("saver"),
                    Task("saver"),
                    Task("saver"),
                    // getter: lock; versions[a] = 2 (stale); unlock
                    Task("getter"),
                    Task("getter"),
                    // saver: lock; hit 2; 3 > 2, so js.Publish(a@3): a duplicate
                    Task("saver"),
                    Task("saver"),
                    Task("saver"),
                ],
        },
        Named {
            name: "external-between",
            workload: Workload::External,
            variant: Variant::Merged,
            breaks: "versions-increase",
            about: "an external append between GetLatestVersion and SaveEvent: the fix as merged trusts a stale hit",
            script: &[
                    // app: GetLatestVersion(a): lock; js.FetchLatest(a) → none; versions[a] = 0
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    // external: js.FetchLatest(a) → none; js.PublishExpect(a@1) → seq 1
                    Task("external"),
                    Task("external"),
                    // app: SaveEvent(a@1): lock; hit 0; js.Publish(a@1): a duplicate
                    Task("app"),
                    Task("app"),
                    Task("app"),
                ],
        },
        Named {
            name: "never-refreshed",
            workload: Workload::External,
            variant: Variant::NoInvalidation,
            breaks: "cache-converges",
            about: "an external append after the app's saves: GetLatestVersion never refreshes the stale cache",
            script: &[
                    // app: GetLatestVersion(a) → 0; SaveEvent(a@1): a miss, so fetch and cache 0,
                    // then publish and cache 1
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    // app: GetLatestVersion(a) → 1; SaveEvent(a@2): hit 1, publish, cache 2
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    // external: js.FetchLatest(a) → a@2; js.PublishExpect(a@3) → seq 3
                    Task("external"),
                    Task("external"),
                ],
        },
        Named {
            name: "not-repopulated",
            workload: Workload::External,
            variant: Variant::PrCommit1,
            breaks: "cache-repopulated",
            about: "an external append after the app's saves: GetLatestVersion deletes the stale entry, the next save fetches",
            script: &[
                    // app: GetLatestVersion(a) → 0 (a miss: nothing to delete); SaveEvent(a@1): a
                    // miss, so fetch and cache 0, then publish and cache 1
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    // app: GetLatestVersion(a) → 1 (hit 1: nothing to delete); SaveEvent(a@2): hit
                    // 1, publish, cache 2
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    Task("app"),
                    // external: js.FetchLatest(a) → a@2; js.PublishExpect(a@3) → seq 3
                    Task("external"),
                    Task("external"),
                ],
        },
    ];
}
