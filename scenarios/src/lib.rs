//! raceway's catalog: real cache races, one module each.
//!
//! Each module models one system of `shared/specs/` as a [`raceway_sim::Model`]: the state,
//! the operations as async functions with one step per shared access (reading like the
//! original code), the variants (the code before the fix, the fix as merged, other designs),
//! the workloads, the invariants, the seed report's interleaving as a named schedule, and the
//! expected verdict of every (workload, variant) pair with its reason, all declared with types
//! as a [`Scenario`]. Adding a scenario is adding a module and one line to [`CATALOG`].
//! Nothing here knows of the command line.

#![forbid(unsafe_code)]

mod catalog;
pub mod configcache;
pub mod gencache;
pub mod jetstream;
pub mod kvqueue;
pub mod testing;
pub mod wlog;

pub use catalog::{
    breaks, holds, CatalogError, Choice, Consistent, Entry, EntryOf, Expectation, Expected, Item,
    Named, NamedSchedule, Pair, Scenario,
};

/// Every scenario, in the order the catalog lists them.
pub static CATALOG: &[&dyn Entry] = &[
    &EntryOf::<wlog::Wlog>::NEW,
    &EntryOf::<jetstream::Jetstream>::NEW,
    &EntryOf::<kvqueue::KvQueue>::NEW,
    &EntryOf::<configcache::ConfigCache>::NEW,
    &EntryOf::<gencache::GenCache>::NEW,
];

/// The scenario called `name`.
pub fn find(name: &str) -> Result<&'static dyn Entry, CatalogError> {
    CATALOG
        .iter()
        .copied()
        .find(|s| s.name() == name)
        .ok_or_else(|| CatalogError::UnknownScenario {
            name: name.to_string(),
            known: CATALOG
                .iter()
                .map(|s| s.name())
                .collect::<Vec<_>>()
                .join(", "),
        })
}
