//! Scheduling strategies: who decides each choice of a run.
//!
//! The executor asks its strategy before every step which of the tasks that can step goes
//! next, and asks it to answer every pick a scenario makes (a fault, an eviction, a stale
//! read). One trait, one small file per strategy:
//!
//! - [`Random`]: uniform choices from a ChaCha8 stream seeded by the run's seed;
//! - [`Pct`]: probabilistic concurrency testing (priorities with `depth - 1` change points);
//! - [`Delay`]: delay bounding, a round-robin scheduler that may deviate at most `D` times,
//!   at random steps per seed or at every placement in turn;
//! - [`Seeds`]: random, PCT or delay bounding over a range of seeds, one run per seed;
//! - [`Replay`]: the choices of a recorded [`Schedule`](crate::Schedule), strictly (or
//!   leniently, for each of a list: shrinking's candidates; or extending it past its ends, on
//!   another variant);
//! - [`Script`]: a human-written order of task names, for the scenarios' named schedules;
//! - [`Follow`]: another run's trace, task by task (engine cross-checks, variant comparison);
//! - [`Dfs`]: exhaustive search of every choice, with sleep-set reduction or a preemption bound;
//! - [`Dpor`]: exhaustive search that starts a run only where a race of an earlier run asks
//!   for it (source-DPOR with sleep sets).

mod delay;
mod dfs;
mod dpor;
mod follow;
mod pct;
mod random;
mod replay;
mod script;
mod seeds;
mod stream;

pub use delay::Delay;
pub use dfs::{Dfs, Prefix, Visited};
pub use dpor::Dpor;
pub use follow::Follow;
pub use pct::Pct;
pub use random::Random;
pub use replay::Replay;
pub use script::{Script, ScriptStep};
pub use seeds::{Seeding, Seeds};

use crate::fingerprint::Fingerprint;
use crate::footprint::Footprint;

/// The identity of a task within one run: its index in spawn order.
pub type TaskId = u32;

/// A task that can take a step now, and the step it is waiting to take.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Candidate {
    /// The task.
    pub task: TaskId,
    /// The task's name, as the scenario spawned it.
    pub name: &'static str,
    /// The label of the step it will take.
    pub label: &'static str,
    /// What that step touches.
    pub footprint: Footprint,
    /// Whether the step's outcome depends on other tasks beyond its footprint: a wait for an
    /// event returns whether it was notified. Reductions treat such a step as dependent on
    /// every other.
    pub synchronizes: bool,
}

impl Candidate {
    /// Whether taking `self` and `other` in either order gives the same result: different
    /// tasks, footprints without conflict, neither synchronising.
    pub fn independent(&self, other: &Candidate) -> bool {
        self.task != other.task
            && !self.synchronizes
            && !other.synchronizes
            && !self.footprint.conflicts(&other.footprint)
    }
}

/// A pick a task makes: a fault, an eviction, a stale read.
#[derive(Clone, Copy, Debug)]
pub struct Pick {
    /// The task making it.
    pub task: TaskId,
    /// The task's name.
    pub name: &'static str,
    /// What is decided.
    pub label: &'static str,
    /// The number of options, at least 2.
    pub of: u32,
}

/// A strategy could not make a choice: the schedule it follows does not fit this run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Diverged(pub String);

/// Decides the choices of runs, and how many runs there are.
///
/// A strategy stands before its first run when made, so one [`Simulation::run`] needs no
/// preparation; [`drive`] calls [`Strategy::next_run`] before every run and stops when it
/// returns `false` (shuttle's `new_execution`, loom's `Execution::step`). A seeded strategy over
/// a seed range, an exploration and a list of schedules to replay are all strategies of many
/// runs; a replay or a script is a strategy of one.
///
/// `next_task` is called before every step, also when only one task can step, so that a
/// script can follow the steps one by one (unless the strategy says, through
/// [`Strategy::sees_forced_steps`], that it need not see those); the executor records a choice
/// only when there were two or more candidates. It returns `None` to end the run there, pruned: an
/// exploration knows that everything the run could still reach was explored from another
/// order. `next_pick` is called only for picks among two or more options, and tells which task
/// picks. A strategy that follows a schedule returns [`Diverged`] when the run does not fit it.
///
/// [`Simulation::run`]: crate::Simulation::run
/// [`drive`]: crate::drive::drive
pub trait Strategy {
    /// Moves to the next run and prepares it; `false` when there is none left (the seed range
    /// is used up, the exploration is complete, the schedule was run).
    fn next_run(&mut self) -> bool;

    /// The index (into `candidates`, never empty) of the task that steps next, or `None` to
    /// end the run here, pruned.
    fn next_task(&mut self, candidates: &[Candidate]) -> Result<Option<usize>, Diverged>;

    /// The option chosen for `pick`, below `pick.of`.
    fn next_pick(&mut self, pick: Pick) -> Result<u32, Diverged>;

    /// Whether [`Self::next_task`] is asked also when only one task can step (asked once at
    /// the start of each run). `true` by default: a script follows the steps one by one, PCT
    /// counts them. A strategy whose answer among one candidate is always that one, and which
    /// counts nothing, says `false`, and the executor takes such steps without asking it.
    fn sees_forced_steps(&self) -> bool {
        true
    }

    /// Whether the coming run's configurations are fingerprinted (asked once at the start of
    /// each run): the executor then keeps each task's history, at a small cost per
    /// step. Only a stateful search asks for it.
    fn fingerprints(&self) -> bool {
        false
    }

    /// Whether the strategy wants the fingerprint of the configuration reached, where
    /// `candidates` can step next (asked before every step, and once more where none can, in
    /// runs whose configurations are fingerprinted: those for which [`Self::fingerprints`]
    /// said yes).
    fn wants_configuration(&self, _candidates: &[Candidate]) -> bool {
        false
    }

    /// The fingerprint of the configuration reached, when the strategy wants it and the model
    /// fingerprints its state.
    fn configuration(&mut self, _fingerprint: Fingerprint) {}

    /// Called once after each run; a strategy that must consume its whole input checks here.
    fn finish(&mut self) -> Result<(), Diverged> {
        Ok(())
    }

    /// The seed that names the current run, for a seeded strategy.
    fn seed(&self) -> Option<u64> {
        None
    }

    /// `Some(seed)` when this strategy hands the current run over whole to another engine,
    /// which makes every choice itself from `seed` (the second engine, in the build that has
    /// it); the executor then asks this strategy nothing. `None` by default.
    fn handover(&self) -> Option<u64> {
        None
    }
}

/// The bookkeeping of a strategy of one run: `next_run` is `true` once.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Once(bool);

impl Once {
    /// `true` the first time only.
    pub(crate) fn next(&mut self) -> bool {
        !std::mem::replace(&mut self.0, true)
    }
}
