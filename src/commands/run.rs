//! `raceway run`: one schedule, its trace and its verdict.

use crate::cli::{Format, RunArgs};
use crate::select::{Seeded, Selected};
use crate::tracefile::TraceFile;
use anyhow::{Context, Result};
use raceway_sim::strategy::{Pct, Replay, Script};
use raceway_sim::{Schedule, Strategy};
use std::process::ExitCode;

pub fn run(args: &RunArgs) -> Result<ExitCode> {
    let (sel, named) = Selected::resolve(&args.target, args.named.as_deref())?;
    let mut sim = sel.runner();
    let (mut strategy, origin): (Box<dyn Strategy>, String) = if let Some(s) = &args.schedule {
        let schedule: Schedule = s.parse().context("--schedule")?;
        (Box::new(Replay::new(schedule)), "schedule".to_string())
    } else if let Some(n) = named {
        (Box::new(Script::new(n.script)), format!("named {}", n.name))
    } else {
        let steps = Pct::calibrate(sim.as_mut());
        let name = format!("{:?} seed {}", args.strategy, args.seed).to_lowercase();
        (
            Box::new(Seeded::new(args.strategy, args.seed, args.depth, steps)),
            name,
        )
    };
    let verdict = sim
        .run(strategy.as_mut(), true)
        .map_err(|d| anyhow::anyhow!("the schedule does not fit {}: {d}", sel.label()))?;
    let trace = sim.trace();
    let file = TraceFile::new(&sel, origin.clone(), trace)?;
    if let Some(path) = &args.out {
        file.save(path)?;
    }
    match args.format {
        Format::Json => print!("{}", file.to_json()?),
        Format::Text => {
            if verdict.violation.is_some() || args.trace {
                println!("{}", trace.render());
            }
            let expected = sel.scenario.expectation(sel.workload, sel.variant);
            let found = match &verdict.violation {
                Some(v) => format!("VIOLATION {}", v),
                None => format!("holds ({} steps)", verdict.steps),
            };
            println!(
                "{} ({origin}): {found}  [expected: {:?}]",
                sel.label(),
                expected.expected
            );
            if verdict.violation.is_some() {
                println!(
                    "replay: raceway run {} --workload {} --variant {} --schedule {}",
                    sel.scenario.name,
                    sel.workload_name(),
                    sel.variant_name(),
                    trace.schedule
                );
            }
        }
    }
    Ok(if verdict.violation.is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
