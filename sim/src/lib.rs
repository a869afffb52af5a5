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
//! call [`check_random`], [`check_pct`], [`check_delay`] or [`check_exhaustive`] from a test
//! ([`check_audited`] also checks the footprints the exhaustive search relies on). A failure panics
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
//!     .mutex("mu")
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
//! # Primitives
//!
//! Tasks synchronise as Go's and pthreads' do, each operation a step whose footprint names the
//! primitive (so reductions understand it) and whose wait a deadlock names: mutexes
//! ([`Cx::lock`], [`Cx::try_lock`], [`Cx::unlock`]), condition variables ([`Cx::wait_cond`],
//! [`Cx::signal`], [`Cx::broadcast`]), events ([`Cx::wait`], [`Cx::notify`]), read-write locks
//! ([`Cx::read`], [`Cx::write`]), semaphores ([`Cx::acquire_permits`]), wait groups
//! ([`Cx::wg_wait`]) and typed channels ([`Spawner::channel`], [`Cx::send`], [`Cx::recv`],
//! [`Cx::close`], [`Cx::select`]). Each is declared by name, so a misspelt name is an error; a
//! name may be built at run time ([`intern`]), and [`Cx::step_labelled`] puts values in a
//! step's label only when the run is recorded.
//!
//! # How it is built
//!
//! A run executes on the run core (`runtime.rs`: tasks, mutexes, events, clock, trace, step
//! limit, invariant checks; the other primitives' state, one module each, in `prims.rs`).
//! A task's next step is a wait registered in its slot; the driver polls the task again only
//! once it has granted that wait, so a step's future (`step.rs`) needs no driver at all. For
//! the rest [`Cx`] reaches whoever drives the run only through the core's small internal
//! `Driver` trait (now, pick, wake, spawned); the native executor (`native.rs`) is one driver,
//! madsim's runtime (`madsim_driver.rs`, in the madsim build only, whose task wrapper grants
//! waits) the other. Task futures live in memory reused from run to run
//! (`task_box.rs`, the crate's one `unsafe` module), so that after the first run nothing on
//! a run's path allocates unless the run is recorded. A [`Strategy`] makes a run's choices and says, through
//! [`Strategy::next_run`], whether another run follows: a seed range ([`strategy::Seeds`]),
//! an exploration ([`strategy::Dfs`]) and shrinking's candidates ([`strategy::Replay`]) are
//! strategies of many runs, and [`drive::drive`] is the one loop that runs them all for
//! [`explore`], [`search`], [`check`], [`shrink`], sweeps and benchmarks.
//!
//! # Latency as a choice
//!
//! A step takes no virtual time, so a model asks "what if this call is slow?" by declaring
//! the call's [`Latency`]: [`Cx::latency`] lets the strategy pick one of its durations (shortest
//! first) and sleeps it. The pick is in the schedule: it replays, an exploration covers every
//! duration, and shrinking lowers it to the shortest delay that still breaks.
//!
//! ```
//! use raceway_sim::{check, Footprint, Invariant, Latency, Race, Search};
//! use std::time::Duration;
//!
//! /// The reply to a read takes 0, 1 s or 3 s; the writer deletes the cache again 2 s after
//! /// its write (delayed double delete). Only a reply slower than 2 s fills a stale value.
//! const REPLY: Latency = Latency::of(&[
//!     Duration::ZERO,
//!     Duration::from_secs(1),
//!     Duration::from_secs(3),
//! ]);
//!
//! #[derive(Default)]
//! struct Db { row: u32, cache: Option<u32> }
//!
//! let race = Race::new(Db::default)
//!     .task("reader", |cx| async move {
//!         let v = cx.step("db.read", Footprint::read("row"), |s: &mut Db| s.row).await;
//!         cx.latency("db.read reply", REPLY).await;
//!         cx.step("cache.set", Footprint::write("cache"), move |s| s.cache = Some(v)).await;
//!     })
//!     .task("writer", |cx| async move {
//!         cx.step("db.write", Footprint::write("row"), |s| s.row = 1).await;
//!         cx.step("cache.delete", Footprint::write("cache"), |s| s.cache = None).await;
//!         cx.sleep(Duration::from_secs(2)).await;
//!         cx.step("cache.delete", Footprint::write("cache"), |s| s.cache = None).await;
//!     })
//!     .invariant(Invariant::convergence("cache-matches-row", |s| match s.cache {
//!         Some(v) if v != s.row => Err(format!("the cache holds {v}, the row {}", s.row)),
//!         _ => Ok(()),
//!     }));
//!
//! let failure = check(race, Search::Exhaustive { preemptions: None, max_schedules: None })
//!     .unwrap_err();
//! assert!(failure.trace.render().contains("db.read reply takes 3s"));
//! ```
//!
//! The engine knows nothing of any scenario. Nothing here reads the wall clock, spawns a
//! thread or iterates a randomly seeded hash map: the same seed or schedule gives the same
//! trace on every machine, in debug and release.
#![warn(missing_docs)]
// `unsafe` only in `task_box`, where it is documented and tested; the compiler holds the rest.
#![deny(unsafe_code)]

pub mod audit;
mod channel;
mod check;
mod client;
pub mod consistency;
mod cx;
mod describe;
pub mod drive;
pub mod explore;
pub mod fingerprint;
#[cfg(all(feature = "madsim", not(madsim)))]
compile_error!(
    "the madsim engine needs `--cfg madsim` (madsim silently falls back to tokio without it): \
     build and run it with scripts/madsim, which sets RUSTFLAGS and its own target directory"
);
mod footprint;
// The driver that runs handed-over runs (see `Strategy::handover`): madsim in its build, none
// otherwise.
#[cfg(not(all(feature = "madsim", madsim)))]
mod handover;
mod latency;
#[cfg(all(feature = "madsim", madsim))]
use madsim_driver as handover;
mod invariant;
#[cfg(all(feature = "madsim", madsim))]
mod madsim_driver;
#[cfg(all(feature = "madsim", madsim))]
pub use madsim_driver::Madsim;
mod model;
mod names;
mod native;
mod panic;
mod prims;
mod race;
mod recorder;
mod runner;
mod runtime;
mod rwlock;
mod schedule;
pub mod search;
pub mod select;
mod semaphore;
pub mod shrink;
pub mod split;
mod step;
pub mod strategy;
mod sync;
#[allow(unsafe_code)]
mod task_box;
mod time;
mod trace;
mod waitgroup;

pub use channel::Chan;
pub use check::{
    check, check_audited, check_delay, check_exhaustive, check_pct, check_random, Failure, Passed,
    Search,
};
pub use client::Call;
pub use cx::{CondId, Cx, EventId, MutexGuard, MutexId, Spawner};
pub use footprint::{Access, Footprint, Mode};
pub use invariant::{Check, Invariant, Kind, When};
pub use latency::Latency;
pub use model::Model;
pub use names::intern;
pub use prims::MAX_ARMS;
pub use race::Race;
pub use runner::{Runner, Simulation, Verdict};
pub use runtime::DEFAULT_MAX_STEPS;
pub use rwlock::{ReadGuard, RwLockId, WriteGuard};
pub use schedule::{Schedule, ScheduleError, FORMAT_VERSION};
pub use select::Select;
pub use semaphore::SemaphoreId;
pub use strategy::{Candidate, Diverged, Pick, Strategy, TaskId};
pub use time::Instant;
pub use trace::{Event, Trace, Violation, TRACE_VERSION};
pub use waitgroup::WaitGroupId;
