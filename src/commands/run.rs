//! `raceway run`: one schedule, its trace and its verdict; optionally the same task order on a
//! second variant, the two runs compared step by step.

use crate::cli::{Engine, Format, RunArgs, StrategyName};
use crate::commands::shrink::{minimality, shrunk_origin};
use crate::compare::{wrap, WIDTH};
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

/// What makes a run's choices: a recorded schedule (and its length), kept to tell how it fitted
/// the run, or a strategy.
enum Chooser {
    Schedule(Replay, usize),
    Other(Box<dyn Strategy>),
}

/// How a `--schedule` fitted a run it may not have been recorded on (another variant): the
/// run may end before the schedule does, or go on after it by option 0.
fn schedule_fit(replay: &Replay, given: usize, trace: &Trace) -> Option<String> {
    let (used, added) = (replay.used(), replay.added());
    if added > 0 {
        return Some(format!(
            "the schedule ran out after {given} choice(s), before the run ended; the run went on \
             by option 0 (the first task that can step, in spawn order, and the first option of \
             every pick) for {added} more: {} replays the whole run",
            trace.schedule
        ));
    }
    (used < given).then(|| {
        let how = match &trace.violation {
            Some(_) => "broke an invariant",
            None => "ended",
        };
        format!(
            "the run {how} after {used} of the schedule's {given} choices; the last {} were not used",
            given - used
        )
    })
}

pub fn run(args: &RunArgs) -> Result<ExitCode> {
    let (sel, named) = resolve(&args.target, args.named.as_deref())?;
    let strategy = args.strategy.unwrap_or(StrategyName::Random);
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
        args.depth.is_none() || strategy == StrategyName::Pct,
        "--depth is PCT's bug depth; it needs --strategy pct"
    );
    anyhow::ensure!(
        args.delays.is_none() || strategy == StrategyName::Delay,
        "--delays is delay bounding's; it needs --strategy delay"
    );
    if args.engine == Engine::Madsim {
        anyhow::ensure!(
            args.schedule.is_none()
                && named.is_none()
                && compare.is_none()
                && args.out.is_none()
                && args.strategy.is_none()
                && args.depth.is_none()
                && args.delays.is_none(),
            "--engine madsim runs a seed; --schedule, --named, --compare, --out, --strategy, --depth and --delays are the native engine's"
        );
        return madsim(args, &sel);
    }
    let mut sim = sel.runner();
    let seeded = args.schedule.is_none() && named.is_none();
    let (mut chooser, mut origin) = if let Some(s) = &args.schedule {
        let schedule: Schedule = s.parse().context("--schedule")?;
        let given = schedule.len();
        let replay = Replay::extending(schedule);
        (Chooser::Schedule(replay, given), "schedule".to_string())
    } else if let Some(n) = named {
        let script = Box::new(Script::new(n.script));
        (Chooser::Other(script), format!("named {}", n.name))
    } else {
        let steps = pct_steps(sim.as_mut());
        let depth = args.depth.unwrap_or(Pct::DEFAULT_DEPTH);
        let mut name = format!("{strategy:?} seed {}", args.seed).to_lowercase();
        let delays = args.delays.unwrap_or(Delay::DEFAULT_DELAYS);
        if depth != Pct::DEFAULT_DEPTH {
            name.push_str(&format!(" depth {depth}"));
        }
        if delays != Delay::DEFAULT_DELAYS {
            name.push_str(&format!(" delays {delays}"));
        }
        let seeding = crate::engine::seeding(strategy, (depth, delays), steps);
        let strategy = crate::engine::seeds(Engine::Native, seeding, args.seed, 1);
        (Chooser::Other(strategy), name)
    };
    let strategy: &mut dyn Strategy = match &mut chooser {
        Chooser::Schedule(r, _) => r,
        Chooser::Other(s) => s.as_mut(),
    };
    let verdict = sim
        .run(strategy, true)
        .map_err(|d| anyhow::anyhow!("the schedule does not fit {sel}: {d}"))?;
    let mut trace = sim.trace().clone();
    let fit = match &chooser {
        Chooser::Schedule(r, given) => schedule_fit(r, *given, &trace),
        Chooser::Other(_) => None,
    };
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
            output::print(&crate::compare::compare(
                (sel.variant.name, &trace),
                (other.variant.name, sim2.trace()),
            ))?;
        }
        None if trace.violation.is_some() || args.trace => output::println(&trace.render())?,
        None => {}
    }
    if let Some(fit) = fit {
        output::print(&wrap(&fit, "", "", WIDTH))?;
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
    let line = format!(
        "{sel} ({origin}): {found}  [expected: {}]",
        sel.expectation.expected.name()
    );
    let mut out = wrap(&line, "", "  ", WIDTH);
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
            "replay: {}",
            crate::select::replay(*sel, &trace.schedule)
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
                "confirmed on the native engine: {}",
                crate::select::replay(*sel, &s)
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
