//! Which engine runs a seed: raceway's own executor under a seeded strategy, or madsim's
//! runtime (in the madsim build only, see `scripts/madsim`).

use crate::cli::{Engine, StrategyName};
use anyhow::Result;
use raceway_sim::strategy::{Seeding, Seeds};
use raceway_sim::Strategy;

/// Refuses the madsim engine in a build without it, with the command that has it.
pub fn require(engine: Engine) -> Result<()> {
    if engine == Engine::Madsim && !cfg!(feature = "madsim") {
        anyhow::bail!(
            "this raceway was built without the madsim engine; run it with scripts/madsim (the same arguments)"
        );
    }
    Ok(())
}

/// The seeded strategy a name stands for: PCT at `depth`, or delay bounding with `delays`,
/// over runs of about `pct_steps`.
pub fn seeding(strategy: StrategyName, (depth, delays): (u32, u32), pct_steps: u32) -> Seeding {
    match strategy {
        StrategyName::Random => Seeding::Random,
        StrategyName::Pct => Seeding::Pct {
            depth,
            steps: pct_steps,
        },
        StrategyName::Delay => Seeding::Delay {
            delays,
            steps: pct_steps,
        },
    }
}

/// The runs of the `count` seeds from `first` on `engine`: the native executor under
/// `seeding`, or madsim's runtime (which makes its own choices, so `seeding` is unused). The
/// madsim engine must have passed [`require`].
pub fn seeds(engine: Engine, seeding: Seeding, first: u64, count: u64) -> Box<dyn Strategy> {
    match engine {
        Engine::Native => Box::new(Seeds::counted(seeding, first, count)),
        #[cfg(feature = "madsim")]
        Engine::Madsim => Box::new(raceway_sim::Madsim::counted(first, count)),
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
    let found = sim
        .run(
            seeds(Engine::Madsim, Seeding::Random, seed, 1).as_mut(),
            true,
        )
        .ok()?
        .violation?;
    let mut follow = Follow::new(sim.trace());
    let native = sim.run(&mut follow, false).ok()?.violation?;
    (native.kind == found.kind && native.invariant == found.invariant)
        .then(|| sim.schedule().clone())
}
