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
//! The engine knows nothing of any scenario. Nothing here reads the wall clock, spawns a
//! thread or iterates a randomly seeded hash map: the same seed or schedule gives the same
//! trace on every machine, in debug and release.

mod executor;
pub mod explore;
#[cfg(all(feature = "madsim", not(madsim)))]
compile_error!(
    "the madsim engine needs `--cfg madsim` (madsim silently falls back to tokio without it): \
     build and run it with scripts/madsim, which sets RUSTFLAGS and its own target directory"
);
mod footprint;
#[cfg(all(feature = "madsim", madsim))]
mod madsim_engine;
mod model;
mod panic;
mod schedule;
pub mod search;
pub mod shrink;
pub mod strategy;
mod task;
mod time;
mod trace;

pub use executor::{Runner, Simulation, Spawner, Verdict, DEFAULT_MAX_STEPS};
pub use footprint::{Access, Footprint, Mode};
pub use model::{Check, Invariant, Kind, Model, When};
pub use schedule::{Schedule, ScheduleError, FORMAT_VERSION};
pub use strategy::{Candidate, Diverged, Pick, Strategy, TaskId};
pub use task::{Cx, EventId, MutexGuard, MutexId};
pub use time::Instant;
pub use trace::{Event, Trace, Violation, TRACE_VERSION};
