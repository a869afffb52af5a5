//! `raceway run`: one schedule, its trace and its verdict; optionally the same task order on a
//! second variant, the two runs compared step by step.

use crate::cli::{Engine, Format, RunArgs};
use crate::compare::{wrap, WIDTH};
use crate::select::resolve;
use crate::tracefile::TraceFile;
use anyhow::{Context, Result};
use raceway_scenarios::Pair;
use raceway_sim::drive::pct_steps;
use raceway_sim::shrink::shrunk_trace;
use raceway_sim::strategy::{Follow, Replay, Script, Seeding};
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
    let compare = args
        .compare
        .as_deref()
        .map(|v| sel.scenario.pair(sel.workload.name, v))
        .transpose()?;
    crate::engine::require(args.engine)?;
    if args.engine == Engine::Madsim {
        anyhow::ensure!(
            args.schedule.is_none() && named.is_none() && compare.is_none(),
            "--engine madsim runs a seed; --schedule, --named and --compare are the native engine's"
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
        let name = format!("{:?} seed {}", args.strategy, args.seed).to_lowercase();
        let seeding = crate::engine::seeding(args.strategy, (args.depth, args.delays), steps);
        let strategy = crate::engine::seeds(Engine::Native, seeding, one(args.seed));
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
        let shrunk = shrunk_trace(sim.as_mut(), &trace.schedule)
            .map_err(|d| anyhow::anyhow!("{sel}: {d}"))?;
        if let Some(t) = shrunk {
            if t.steps < trace.steps || t.schedule != trace.schedule {
                shrunk_from = Some((trace.steps, verdict.preemptions));
                origin.push_str(", shrunk");
                trace = t;
            }
        }
    }
    let file = TraceFile::new(&sel, origin.clone(), &trace)?;
    if let Some(path) = &args.out {
        file.save(path)?;
    }
    if args.format == Format::Json {
        print!("{}", file.to_json()?);
        return Ok(exit(&trace));
    }
    match compare {
        Some(other) => {
            let mut sim2 = other.runner();
            sim2.run(&mut Follow::lenient(&trace), true)
                .map_err(|d| anyhow::anyhow!("{other}: {d}"))?;
            print!(
                "{}",
                crate::compare::compare(
                    (sel.variant.name, &trace),
                    (other.variant.name, sim2.trace())
                )
            );
        }
        None if trace.violation.is_some() || args.trace => println!("{}", trace.render()),
        None => {}
    }
    if let Some(fit) = fit {
        print!("{}", wrap(&fit, "", "", WIDTH));
    }
    verdict_line(&sel, &origin, &trace, shrunk_from);
    Ok(exit(&trace))
}

fn exit(trace: &Trace) -> ExitCode {
    if trace.violation.is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn verdict_line(sel: &Pair, origin: &str, trace: &Trace, shrunk_from: Option<(u32, u32)>) {
    let found = match &trace.violation {
        Some(v) => format!("VIOLATION {v}"),
        None => format!("holds ({} steps)", trace.steps),
    };
    let line = format!(
        "{sel} ({origin}): {found}  [expected: {:?}]",
        sel.expectation.expected
    );
    print!("{}", wrap(&line, "", "  ", WIDTH));
    if let Some((steps, preemptions)) = shrunk_from {
        println!(
            "shrunk from the seed's run of {steps} steps and {preemptions} preemptions (--no-shrink shows that run)"
        );
    }
    if trace.violation.is_some() && !trace.schedule.is_empty() {
        println!("replay: {}", crate::select::replay(*sel, &trace.schedule));
    }
}

/// The seed range of `seed` alone (a strategy over it stands at `seed`, even at `u64::MAX`).
fn one(seed: u64) -> std::ops::Range<u64> {
    seed..seed.saturating_add(1)
}

/// `run --engine madsim`: the seed's madsim run, and the native schedule that replays it.
fn madsim(args: &RunArgs, sel: &Pair) -> Result<ExitCode> {
    let mut sim = sel.runner();
    let origin = format!("madsim seed {}", args.seed);
    let mut madsim = crate::engine::seeds(Engine::Madsim, Seeding::Random, one(args.seed));
    sim.run(madsim.as_mut(), true)
        .map_err(|d| anyhow::anyhow!("{sel}: {d}"))?;
    let trace = sim.trace().clone();
    if args.format == Format::Json {
        print!("{}", TraceFile::new(sel, origin, &trace)?.to_json()?);
        return Ok(exit(&trace));
    }
    if trace.violation.is_some() || args.trace {
        println!("{}", trace.render());
    }
    verdict_line(sel, &origin, &trace, None);
    #[cfg(feature = "madsim")]
    if trace.violation.is_some() {
        match crate::engine::confirm_natively(sel, args.seed) {
            Some(s) => println!(
                "confirmed on the native engine: {}",
                crate::select::replay(*sel, &s)
            ),
            None => println!("not reproduced by the native engine from the same task order"),
        }
    }
    Ok(exit(&trace))
}
