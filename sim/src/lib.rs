//! raceway's engine: deterministic simulation of goroutine-like tasks racing on shared state.
//!
//! A [`Model`] describes a system: its shared state, the tasks of its workload written as async
//! Rust with one [`Cx::step`] per shared access, the settle actions that follow, and its
//! [`Invariant`]s. A [`Runner`] runs it under a [`Strategy`] (seeded random, PCT, replay of a
//! [`Schedule`], or a script); every nondeterministic decision, which task steps and every
//! scenario pick, goes through the strategy and is recorded, so a run is named exactly by its
//! seed or its schedule. Violations of safety (after every step), convergence and cost (at
//! quiescence), panics, deadlocks and livelocks end a run; its [`Trace`] explains it.
//!
//! # Checking your own race from `cargo test`
//!
//! Build a model with [`Race`] (a state, named tasks, invariants) or implement [`Model`], then
//! call [`check_random`], [`check_pct`], [`check_delay`] or [`check_exhaustive`] from a test. A failure panics
//! at the calling test with the invariant, the shrunk trace in columns, and the line that
//! replays it: `RACEWAY_TEST=<name> RACEWAY_SCHEDULE=rw1.… cargo test <name> -- --exact` runs
//! exactly that schedule in that test, and `RACEWAY_SEED=N` runs only seed `N`. [`check`] returns the [`Failure`] instead, for tests
//! that expect a bug. `examples/cache_aside.rs` is a complete example.
//!
//! ```
//! use raceway_sim::{check_exhaustive, Footprint, Invariant, Race};
//!
//! // Two increments under a mutex: no schedule loses one.
//! let race = Race::new(|| 0u32)
//!     .task("a", |cx| async move { increment(cx).await })
//!     .task("b", |cx| async move { increment(cx).await })
//!     .invariant(Invariant::convergence("no-lost-update", |n| {
//!         if *n == 2 { Ok(()) } else { Err(format!("n is {n}")) }
//!     }));
//!
//! async fn increment(cx: raceway_sim::Cx<u32>) {
//!     let mu = cx.mutex("mu");
//!     let _held = cx.lock(mu).await;
//!     let v = cx.step("read n", Footprint::read("n"), |n| *n).await;
//!     cx.step("write n", Footprint::write("n"), move |n| *n = v + 1).await;
//! }
//!
//! assert!(check_exhaustive(race).complete);
//! ```
//!
//! The engine knows nothing of any scenario. Nothing here reads the wall clock, spawns a
//! thread or iterates a randomly seeded hash map: the same seed or schedule gives the same
//! trace on every machine, in debug and release.
#![warn(missing_docs)]

pub mod audit;
mod check;
pub mod consistency;
mod describe;
pub mod drive;
mod executor;
pub mod explore;
pub mod fingerprint;
#[cfg(all(feature = "madsim", not(madsim)))]
compile_error!(
    "the madsim engine needs `--cfg madsim` (madsim silently falls back to tokio without it): \
     build and run it with scripts/madsim, which sets RUSTFLAGS and its own target directory"
);
mod footprint;
#[cfg(not(all(feature = "madsim", madsim)))]
mod handover;
#[cfg(all(feature = "madsim", madsim))]
mod madsim_engine;
#[cfg(all(feature = "madsim", madsim))]
use madsim_engine as handover;
#[cfg(all(feature = "madsim", madsim))]
pub use madsim_engine::Madsim;
mod model;
mod panic;
mod race;
mod schedule;
pub mod search;
pub mod shrink;
pub mod strategy;
mod task;
mod time;
mod trace;

pub use check::{
    check, check_delay, check_exhaustive, check_pct, check_random, Failure, Passed, Search,
};
pub use executor::{Runner, Simulation, Spawner, Verdict, DEFAULT_MAX_STEPS};
pub use footprint::{Access, Footprint, Mode};
pub use model::{Check, Invariant, Kind, Model, When};
pub use race::Race;
pub use schedule::{Schedule, ScheduleError, FORMAT_VERSION};
pub use strategy::{Candidate, Diverged, Pick, Strategy, TaskId};
pub use task::{Cx, EventId, MutexGuard, MutexId};
pub use time::Instant;
pub use trace::{Event, Trace, Violation, TRACE_VERSION};
