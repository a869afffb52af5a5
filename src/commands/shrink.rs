//! `raceway shrink FILE`: a saved failing trace, reduced to a shortest schedule that breaks the
//! same invariant when a complete search fits the budget, or else to a locally minimal one;
//! the output says which.

use crate::cli::{Format, ShrinkArgs};
use crate::output::{self, count};
use crate::tracefile::TraceFile;
use anyhow::Result;
use raceway_sim::shrink::{shrink, Minimal};
use raceway_sim::strategy::Replay;
use raceway_sim::{Schedule, Simulation, Trace};
use std::process::ExitCode;

/// A shrunk failing run: its trace, and whether it is known to be shortest.
pub struct Shrunk {
    pub trace: Trace,
    pub preemptions: u32,
    pub minimal: Minimal,
}

/// Shrinks the failing run of `schedule` on `sim`, and returns the trace of the result; `None`
/// when the run breaks nothing.
pub fn shrunk_trace(sim: &mut dyn Simulation, schedule: &Schedule) -> Result<Option<Shrunk>> {
    let verdict = sim
        .run(&mut Replay::new(schedule.clone()), false)
        .map_err(|d| anyhow::anyhow!("{d}"))?;
    let Some(violation) = verdict.violation else {
        return Ok(None);
    };
    let Some(best) = shrink(sim, schedule, &violation) else {
        anyhow::bail!(
            "schedule {schedule} breaks `{}` only when replayed strictly",
            violation.invariant
        );
    };
    sim.run(&mut Replay::new(best.schedule), true)
        .map_err(|d| anyhow::anyhow!("{d}"))?;
    Ok(Some(Shrunk {
        trace: sim.trace().clone(),
        preemptions: best.preemptions,
        minimal: best.minimal,
    }))
}

/// One line on what the shrunk schedule's size means.
pub fn minimality(minimal: Minimal, invariant: &str) -> String {
    match minimal {
        Minimal::Shortest { searched } => format!(
            "shortest: no schedule of fewer steps breaks `{invariant}`, nor one of as many steps with fewer preemptions (a complete search, {})",
            count(searched, "run")
        ),
        Minimal::Local { budget } => format!(
            "locally minimal: no single edit of its schedule (dropping, cutting or lowering a choice) breaks `{invariant}` in fewer steps; a complete search for a shorter one needs more than {} so one may exist",
            count(budget, "run")
        ),
    }
}

/// `origin` with `, shrunk` once.
pub fn shrunk_origin(origin: &str) -> String {
    format!("{}, shrunk", origin.trim_end_matches(", shrunk"))
}

pub fn run(args: &ShrinkArgs) -> Result<ExitCode> {
    let file = TraceFile::load(&args.file)?;
    let (sel, schedule) = file.target(&args.file)?;
    let mut sim = sel.runner();
    let before = sim
        .run(&mut Replay::new(schedule.clone()), false)
        .map_err(|d| {
            anyhow::anyhow!(
                "{}: its schedule does not fit {}: {d}",
                args.file.display(),
                sel.label()
            )
        })?;
    let Some(shrunk) = shrunk_trace(sim.as_mut(), &schedule)? else {
        anyhow::bail!(
            "{}: nothing to shrink, its run breaks no invariant",
            args.file.display()
        );
    };
    let trace = &shrunk.trace;
    let out = TraceFile::new(&sel, shrunk_origin(&file.origin), trace)?;
    if let Some(path) = &args.out {
        out.save(path)?;
    }
    match args.format {
        Format::Json => output::print(&out.to_json()?)?,
        Format::Text => {
            let invariant = trace
                .violation
                .as_ref()
                .map_or("", |v| v.invariant.as_ref());
            output::print(&format!(
                "{}shrunk from {}, {} to {}, {}: {}\n{}\n",
                trace.render(),
                count(u64::from(before.steps), "step"),
                count(u64::from(before.preemptions), "preemption"),
                count(u64::from(trace.steps), "step"),
                count(u64::from(shrunk.preemptions), "preemption"),
                trace.schedule,
                minimality(shrunk.minimal, invariant)
            ))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
