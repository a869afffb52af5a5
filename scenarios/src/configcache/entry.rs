//! The catalog entry: the variants and workloads, every pair's expected verdict, the named
//! schedules.

use super::ConfigCache;
use crate::catalog::{breaks, holds, Expectation, Named, Scenario};
use raceway_sim::strategy::ScriptStep::Task;
use strum::{EnumMessage, IntoStaticStr, VariantArray};

/// The variants of the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, VariantArray, IntoStaticStr, EnumMessage)]
#[strum(serialize_all = "kebab-case")]
pub enum Variant {
    /// get and set one step each (the real Node process); set invalidates first
    Sync,
    /// loggingStore: invalidate; DB write
    InvalidateBefore,
    /// flaggerStore, the seed report's fix: DB write; invalidate if it succeeded
    InvalidateAfter,
    /// invalidate-after, and a second invalidation 1 s later
    DoubleDelete,
    /// generation bumped with the invalidation; get caches only if unchanged
    Versioned,
    /// per-key lock around set and around get's DB read and cache set
    Locked,
}

/// The workloads of the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, VariantArray, IntoStaticStr, EnumMessage)]
#[strum(serialize_all = "kebab-case")]
pub enum Workload {
    /// row c1; admin sets c2; reader gets twice, 5 s apart
    ReaderWriter,
    /// reader-writer, with a DB write that may fail
    FailedWrite,
    /// admins set c2 and c3; two readers get twice each
    Writers,
}

impl Scenario for ConfigCache {
    const NAME: &'static str = "configcache";
    const TITLE: &'static str = "pawtropolis loggingStore: TTL cache invalidation order";
    type Workload = Workload;
    type Variant = Variant;

    fn new(workload: Workload, variant: Variant) -> Self {
        ConfigCache { workload, variant }
    }

    #[rustfmt::skip]
    fn expect(workload: Workload, variant: Variant) -> Expectation {
        use Variant as V;
        use Workload as W;
        match (workload, variant) {
            (W::ReaderWriter, V::Sync) => holds("get and set are one step each and set empties the cache as it writes, so every entry left after set returns was loaded from the new row: in the real process neither order races"),
            (W::ReaderWriter, V::InvalidateBefore) => breaks("the seed: the reader misses, SELECTs c1 and caches it between the admin's invalidateCache and UPSERT; its next get, after set returned, hits c1 until the TTL"),
            (W::ReaderWriter, V::InvalidateAfter) => breaks("the seed report's fix is no fix once steps interleave: the reader SELECTs c1 before the UPSERT and caches it after the invalidation, so its next get hits c1 (`stale-fill`)"),
            (W::ReaderWriter, V::DoubleDelete) => holds("the only stale fill is by the reader's first get at 0 s, which overlaps the set (c1 allowed); the second delete at 1 s drops it before the next get at 5 s"),
            (W::ReaderWriter, V::Versioned) => holds("a fill made before the writer's bump is dropped by it and one made after noted the old generation and is refused, so after set returns only reads begun after the write are cached"),
            (W::ReaderWriter, V::Locked) => holds("the lock puts the reader's SELECT and cache set wholly before the write and invalidation (which drops the fill) or wholly after them (which reads c2)"),
            (W::FailedWrite, V::Sync) => holds("as reader-writer; a failed set promises nothing, and the refill after it loads c1, the row's value"),
            (W::FailedWrite, V::InvalidateBefore) => breaks("the seed race when the write succeeds; the failure the seed report fears breaks nothing: the c1 refilled after a failed write is the row's committed value"),
            (W::FailedWrite, V::InvalidateAfter) => breaks("reader-writer's stale fill when the write succeeds; skipping the invalidation after a failed write is harmless but fixes nothing"),
            (W::FailedWrite, V::DoubleDelete) => holds("as reader-writer; a failed write commits and deletes nothing, so the cache still agrees with the unchanged row"),
            (W::FailedWrite, V::Versioned) => holds("as reader-writer; a failed write bumps nothing, and any fill it lets through is of the unchanged row"),
            (W::FailedWrite, V::Locked) => holds("as reader-writer; a failed write under the lock leaves the row, and so any fill, unchanged"),
            (W::Writers, V::Sync) => holds("every get and set is atomic, so the cache only ever holds the row's current value or nothing"),
            (W::Writers, V::InvalidateBefore) => breaks("the seed race, by either admin against either reader"),
            (W::Writers, V::InvalidateAfter) => breaks("the stale fill, by either admin against either reader"),
            (W::Writers, V::DoubleDelete) => breaks("a second reader gets in before the delayed delete: reader1 caches c1 after admin1's write and invalidation, and reader2's get, begun after admin1's set returned, hits it within the 1 s (`delete-window`)"),
            (W::Writers, V::Versioned) => holds("each bump drops earlier fills and refuses fills noted before it, so after a set returns only reads begun after its write are cached, and they see its value or a later one"),
            (W::Writers, V::Locked) => holds("the lock orders every miss path against every write and invalidation: a fill before a write is dropped by it, a fill after it reads that write or a later one"),
        }
    }

    const NAMED: &'static [Named<Self>] = &[
        Named {
            name: "seed",
            workload: Workload::ReaderWriter,
            variant: Variant::InvalidateBefore,
            breaks: "read-your-writes",
            about: "the seed report's interleaving: the reader refills c1 between invalidate and write",
            script: &[
                    Task("admin"),
                    Task("reader"),
                    Task("reader"),
                    Task("reader"),
                    Task("admin"),
                    Task("reader"),
                    Task("reader"),
                ],
        },
        Named {
            name: "stale-fill",
            workload: Workload::ReaderWriter,
            variant: Variant::InvalidateAfter,
            breaks: "read-your-writes",
            about: "the seed report's fix broken: the reader reads c1 before the write and caches it after the invalidation",
            script: &[
                    Task("reader"),
                    Task("reader"),
                    Task("admin"),
                    Task("admin"),
                    Task("reader"),
                    Task("reader"),
                    Task("reader"),
                ],
        },
        Named {
            name: "delete-window",
            workload: Workload::Writers,
            variant: Variant::DoubleDelete,
            breaks: "read-your-writes",
            about: "a stale fill served to another reader in the 1 s before the second delete",
            script: &[
                    Task("reader1"),
                    Task("reader1"),
                    Task("admin1"),
                    Task("admin1"),
                    Task("reader1"),
                    Task("reader2"),
                ],
        },
    ];
}
