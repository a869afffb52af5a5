//! The shape every scenario fills in, so that the binary, the sweeps and the tests can treat
//! them alike.
//!
//! A scenario is declared with types ([`Scenario`]): its workloads and variants are enums
//! ([`Choice`]: each value carries its name and its line for `raceway list`), the expected
//! verdict of every (workload, variant) pair is one exhaustive `match`, and each named
//! schedule names its pair by enum values and the invariant it breaks. The compiler so refuses
//! a variant without an expectation, or an expectation for a pair that does not exist.
//!
//! The binary sees the same scenario through [`Entry`], a trait object that lists names and
//! builds a runner from names: names exist only at that edge.

mod choice;
mod consistent;
mod entry;
mod scenario;

pub use choice::Choice;
pub use consistent::Consistent;
pub use entry::{CatalogError, Entry, EntryOf, Item, NamedSchedule, Pair};
pub use scenario::{breaks, holds, Expectation, Expected, Named, Scenario};
