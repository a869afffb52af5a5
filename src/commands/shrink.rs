//! `raceway shrink FILE`: a saved failing trace, reduced to a minimal schedule that breaks the
//! same invariant.

use crate::cli::{Format, ShrinkArgs};
use crate::tracefile::TraceFile;
use anyhow::Result;
use raceway_sim::shrink::shrunk_trace;
use raceway_sim::strategy::Replay;
use std::process::ExitCode;

pub fn run(args: &ShrinkArgs) -> Result<ExitCode> {
    let file = TraceFile::load(&args.file)?;
    let (sel, schedule) = file.target(&args.file)?;
    let mut sim = sel.runner();
    let before = sim
        .run(&mut Replay::new(schedule.clone()), false)
        .map_err(|d| {
            anyhow::anyhow!(
                "{}: its schedule does not fit {sel}: {d}",
                args.file.display()
            )
        })?;
    anyhow::ensure!(
        before.violation.is_some(),
        "{}: nothing to shrink, its run breaks no invariant",
        args.file.display()
    );
    let trace = shrunk_trace(sim.as_mut(), &schedule)
        .map_err(|d| anyhow::anyhow!("{sel}: {d}"))?
        .expect("the run breaks an invariant");
    let out = TraceFile::new(&sel, format!("{}, shrunk", file.origin), &trace)?;
    if let Some(path) = &args.out {
        out.save(path)?;
    }
    match args.format {
        Format::Json => print!("{}", out.to_json()?),
        Format::Text => {
            print!("{}", trace.render());
            println!(
                "shrunk from {} steps, {} preemptions to {} steps: {}",
                before.steps, before.preemptions, trace.steps, trace.schedule
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
