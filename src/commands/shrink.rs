//! `raceway shrink FILE`: a saved failing trace, reduced to a shortest schedule that breaks the
//! same invariant when a complete search fits the budget, or else to a locally minimal one;
//! the output says which.

use crate::cli::{Format, ShrinkArgs};
use crate::output::{self, count};
use crate::tracefile::TraceFile;
use anyhow::Result;
use raceway_sim::shrink::Minimal;
use raceway_sim::strategy::Replay;
use std::process::ExitCode;

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
                "{}: its schedule does not fit {sel}: {d}",
                args.file.display()
            )
        })?;
    let Some(shrunk) = crate::select::shrunk_trace(sel, &schedule)? else {
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
                count(u64::from(shrunk.shrunk.preemptions), "preemption"),
                trace.schedule,
                minimality(shrunk.shrunk.minimal, invariant)
            ))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
