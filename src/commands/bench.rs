//! `raceway bench`: schedules per second, per (scenario, workload, variant) and strategy, on
//! one core. Wall-clock time is read here, around whole batches of runs, and never reaches a
//! model or a strategy.

use crate::cli::{Engine, StrategyName};
use raceway_scenarios::Pair;
use raceway_sim::drive::{drive, pct_steps};
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

/// Seeds run between two looks at the clock.
const BATCH: u64 = 1024;

/// One measured row.
pub struct Throughput {
    pub pair: String,
    pub strategy: &'static str,
    pub runs: u64,
    pub per_second: f64,
    pub mean_steps: f64,
}

/// Runs seeds from 0 until `budget` has passed (checked every [`BATCH`] runs) and reports the
/// rate.
pub fn measure(
    pair: Pair,
    (engine, strategy, bounds): (Engine, StrategyName, (u32, u32)),
    budget: Duration,
) -> Throughput {
    let mut sim = pair.runner();
    let seeding = crate::engine::seeding(strategy, bounds, pct_steps(sim.as_mut()));
    let (mut runs, mut total_steps) = (0u64, 0u64);
    let start = Instant::now();
    loop {
        let mut batch = crate::engine::seeds(engine, seeding, runs..runs + BATCH);
        let driven = drive(sim.as_mut(), batch.as_mut(), false, |run| {
            total_steps += u64::from(run.verdict.steps);
            ControlFlow::Continue(())
        })
        .expect("seeded strategies never diverge");
        runs += driven.runs;
        if start.elapsed() >= budget {
            break;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    Throughput {
        pair: pair.to_string(),
        strategy: match (engine, strategy) {
            (Engine::Madsim, _) => "madsim",
            (Engine::Native, StrategyName::Random) => "random",
            (Engine::Native, StrategyName::Pct) => "pct",
            (Engine::Native, StrategyName::Delay) => "delay",
        },
        runs,
        per_second: runs as f64 / secs,
        mean_steps: total_steps as f64 / runs as f64,
    }
}

/// Measures every selected pair and strategy and prints a table.
pub fn run(args: &crate::cli::BenchArgs) -> anyhow::Result<std::process::ExitCode> {
    crate::engine::require(args.engine)?;
    let budget = Duration::from_millis(args.millis);
    let strategies = match args.engine {
        Engine::Native => args.strategy.clone(),
        Engine::Madsim => vec![StrategyName::Random],
    };
    println!(
        "{:<44} {:<7} {:>10} {:>14} {:>7}",
        "pair", "strategy", "runs", "schedules/s", "steps"
    );
    let sel = &args.selection;
    for scenario in crate::select::scenarios(&sel.scenario)? {
        for pair in crate::select::pairs(scenario, &sel.workload, &sel.variant) {
            for &strategy in &strategies {
                let how = (args.engine, strategy, (args.depth, args.delays));
                let t = measure(pair, how, budget);
                println!(
                    "{:<44} {:<7} {:>10} {:>14.0} {:>7.1}",
                    t.pair, t.strategy, t.runs, t.per_second, t.mean_steps
                );
            }
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}
