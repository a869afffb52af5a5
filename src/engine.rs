//! Which engine runs a seed: raceway's own executor under a seeded strategy, or madsim's
//! runtime (in the madsim build only, see `scripts/madsim`).

use crate::cli::{Engine, StrategyName};
use crate::select::Seeded;
use anyhow::Result;
use raceway_sim::{Simulation, Verdict};

/// Refuses the madsim engine in a build without it, with the command that has it.
pub fn require(engine: Engine) -> Result<()> {
    if engine == Engine::Madsim && !cfg!(feature = "madsim") {
        anyhow::bail!(
            "this raceway was built without the madsim engine; run it with scripts/madsim (the same arguments)"
        );
    }
    Ok(())
}

/// One run of `seed`; `None` only for a strategy that diverges, which seeded ones never do.
pub fn run_seed(
    sim: &mut dyn Simulation,
    engine: Engine,
    strategy: StrategyName,
    seed: u64,
    depth: u32,
    pct_steps: u32,
    record: bool,
) -> Option<Verdict> {
    match engine {
        Engine::Native => sim
            .run(&mut Seeded::new(strategy, seed, depth, pct_steps), record)
            .ok(),
        #[cfg(feature = "madsim")]
        Engine::Madsim => Some(sim.run_madsim(seed, record)),
        #[cfg(not(feature = "madsim"))]
        Engine::Madsim => unreachable!("refused by engine::require"),
    }
}

/// The native schedule of a madsim run's failure: its task order and each task's picks
/// followed on raceway's own executor. `Some` only when that replay breaks the same invariant,
/// which is how an independent scheduler's finding is confirmed and made replayable.
#[cfg(feature = "madsim")]
pub fn confirm_natively(
    pair: &raceway_scenarios::Pair,
    seed: u64,
) -> Option<raceway_sim::Schedule> {
    use raceway_sim::strategy::Follow;
    let mut sim = pair.runner();
    let found = sim.run_madsim(seed, true).violation?;
    let mut follow = Follow::new(sim.trace());
    let native = sim.run(&mut follow, false).ok()?.violation?;
    (native.kind == found.kind && native.invariant == found.invariant)
        .then(|| sim.schedule().clone())
}
