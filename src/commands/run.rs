//! `raceway run`: one schedule, its trace and its verdict; optionally the same task order on a
//! second variant, side by side.

use crate::cli::{Engine, Format, RunArgs, StrategyName};
use crate::columns::side_by_side;
use crate::commands::shrink::{minimality, shrunk_origin};
use crate::output::{self, count};
use crate::select::resolve;
use crate::tracefile::TraceFile;
use anyhow::{Context, Result};
use raceway_scenarios::Pair;
use raceway_sim::drive::pct_steps;
use raceway_sim::shrink::Minimal;
use raceway_sim::strategy::{Delay, Follow, Pct, Replay, Script, Seeding};
use raceway_sim::{Schedule, Strategy, Trace};
use std::process::ExitCode;

pub fn run(args: &RunArgs) -> Result<ExitCode> {
    let (sel, named) = resolve(&args.target, args.named.as_deref())?;
    let compare = args
        .compare
        .as_deref()
        .map(|v| sel.scenario.pair(sel.workload.name, v))
        .transpose()?;
    crate::engine::require(args.engine)?;
    anyhow::ensure!(
        !(compare.is_some() && args.format == Format::Json),
        "--compare shows two traces side by side as text; it does not combine with --format json"
    );
    anyhow::ensure!(
        args.depth.is_none() || args.strategy == StrategyName::Pct,
        "--depth is PCT's bug depth; it needs --strategy pct"
    );
    anyhow::ensure!(
        args.delays.is_none() || args.strategy == StrategyName::Delay,
        "--delays is delay bounding's; it needs --strategy delay"
    );
    if args.engine == Engine::Madsim {
        anyhow::ensure!(
            args.schedule.is_none()
                && named.is_none()
                && compare.is_none()
                && args.out.is_none()
                && args.depth.is_none()
                && args.delays.is_none(),
            "--engine madsim runs a seed; --schedule, --named, --compare, --out, --depth and --delays are the native engine's"
        );
        return madsim(args, &sel);
    }
    let mut sim = sel.runner();
    let seeded = args.schedule.is_none() && named.is_none();
    let (mut strategy, mut origin): (Box<dyn Strategy>, String) = if let Some(s) = &args.schedule {
        let schedule: Schedule = s.parse().context("--schedule")?;
        (Box::new(Replay::new(schedule)), "schedule".to_string())
    } else if let Some(n) = named {
        (Box::new(Script::new(n.script)), format!("named {}", n.name))
    } else {
        let steps = pct_steps(sim.as_mut());
        let depth = args.depth.unwrap_or(Pct::DEFAULT_DEPTH);
        let mut name = format!("{:?} seed {}", args.strategy, args.seed).to_lowercase();
        let delays = args.delays.unwrap_or(Delay::DEFAULT_DELAYS);
        if depth != Pct::DEFAULT_DEPTH {
            name.push_str(&format!(" depth {depth}"));
        }
        if delays != Delay::DEFAULT_DELAYS {
            name.push_str(&format!(" delays {delays}"));
        }
        let seeding = crate::engine::seeding(args.strategy, (depth, delays), steps);
        let strategy = crate::engine::seeds(Engine::Native, seeding, args.seed, 1);
        (strategy, name)
    };
    let verdict = sim
        .run(strategy.as_mut(), true)
        .map_err(|d| anyhow::anyhow!("the schedule does not fit {sel}: {d}"))?;
    let mut trace = sim.trace().clone();
    let mut shrunk_from = None;
    if seeded && verdict.violation.is_some() && !args.no_shrink {
        if let Some(s) = crate::select::shrunk_trace(sel, &trace.schedule)? {
            shrunk_from = Some((trace.steps, verdict.preemptions, s.shrunk.minimal));
            if s.trace.schedule != trace.schedule {
                origin = shrunk_origin(&origin);
                trace = s.trace;
            }
        }
    }
    let file = TraceFile::new(&sel, origin.clone(), &trace)?;
    if let Some(path) = &args.out {
        file.save(path)?;
    }
    if args.format == Format::Json {
        output::print(&file.to_json()?)?;
        return Ok(exit(&trace));
    }
    match compare {
        Some(other) => {
            let mut sim2 = other.runner();
            sim2.run(&mut Follow::lenient(&trace), true)
                .map_err(|d| anyhow::anyhow!("{other}: {d}"))?;
            output::print(&side_by_side(
                sel.variant.name,
                &trace.render(),
                other.variant.name,
                &sim2.trace().render(),
            ))?;
            output::println(
                "(the right column runs the left column's task order, as far as its steps allow)",
            )?;
        }
        None if trace.violation.is_some() || args.trace => output::println(&trace.render())?,
        None => {}
    }
    output::print(&verdict_lines(&sel, &origin, &trace, shrunk_from))?;
    Ok(exit(&trace))
}

fn exit(trace: &Trace) -> ExitCode {
    if trace.violation.is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The verdict, how the run was shrunk, and the command that replays it.
fn verdict_lines(
    sel: &Pair,
    origin: &str,
    trace: &Trace,
    shrunk_from: Option<(u32, u32, Minimal)>,
) -> String {
    use std::fmt::Write;
    let found = match &trace.violation {
        Some(v) => v.to_string(),
        None => format!("holds ({})", count(u64::from(trace.steps), "step")),
    };
    let mut out = format!(
        "{sel} ({origin}): {found}  [expected: {}]\n",
        sel.expectation.expected.name()
    );
    if let (Some((steps, preemptions, minimal)), Some(v)) = (shrunk_from, &trace.violation) {
        let _ = writeln!(
            out,
            "shrunk from the seed's run of {} and {} (--no-shrink shows that run); {}",
            count(u64::from(steps), "step"),
            count(u64::from(preemptions), "preemption"),
            minimality(minimal, &v.invariant)
        );
    }
    if trace.violation.is_some() && !trace.schedule.is_empty() {
        let _ = writeln!(
            out,
            "replay: raceway run {} --workload {} --variant {} --schedule {}",
            sel.scenario.name(),
            sel.workload.name,
            sel.variant.name,
            trace.schedule
        );
    }
    out
}

/// `run --engine madsim`: the seed's madsim run, and the native schedule that replays it.
fn madsim(args: &RunArgs, sel: &Pair) -> Result<ExitCode> {
    let mut sim = sel.runner();
    let origin = format!("madsim seed {}", args.seed);
    let mut madsim = crate::engine::seeds(Engine::Madsim, Seeding::Random, args.seed, 1);
    sim.run(madsim.as_mut(), true)
        .map_err(|d| anyhow::anyhow!("{sel}: {d}"))?;
    let trace = sim.trace().clone();
    if args.format == Format::Json {
        output::print(&TraceFile::new(sel, origin, &trace)?.to_json()?)?;
        return Ok(exit(&trace));
    }
    if trace.violation.is_some() || args.trace {
        output::println(&without_schedule(&trace.render()))?;
    }
    // A madsim run has no native schedule: only the confirmation below can give one.
    let mut native = trace.clone();
    native.schedule = Schedule::default();
    output::print(&verdict_lines(sel, &origin, &native, None))?;
    #[cfg(feature = "madsim")]
    if trace.violation.is_some() {
        output::println(&match crate::engine::confirm_natively(sel, args.seed) {
            Some(s) => format!(
                "confirmed on the native engine: raceway run {} --workload {} --variant {} --schedule {s}",
                sel.scenario.name(),
                sel.workload.name,
                sel.variant.name
            ),
            None => "not reproduced by the native engine from the same task order".to_string(),
        })?;
    }
    Ok(exit(&trace))
}

/// A rendered trace without its last line, `schedule: …`: a madsim run's choices are madsim's,
/// and no native schedule replays them.
fn without_schedule(rendered: &str) -> String {
    let body = rendered.trim_end_matches('\n');
    match body.rsplit_once('\n') {
        Some((rest, last)) if last.starts_with("schedule: ") => format!("{rest}\n"),
        _ => rendered.to_string(),
    }
}
