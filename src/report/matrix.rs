//! The catalog's consistency matrix: for each scenario, its (workload, variant) pairs as rows
//! and the consistency models as columns; each cell says what running the checker on the
//! pair's client history found.
//!
//! A cell first explores every schedule of the pair with the model's invariant alone
//! ([`raceway_scenarios::Consistent`]), within [`MATRIX_BUDGET`] schedules: a complete
//! exploration that finds no violation proves the model for the workload as modelled.
//! Where the budget does not let it finish, [`MATRIX_SEEDS`] random seeds follow. A violation
//! (the shortest the exploration found, or the sweep's first) is shrunk, and the cell links
//! its trace and a page of its history with the minimal violating sub-history.

use crate::history_file::Loaded;
use crate::sweep::{RowReport, Sweep};
use anyhow::{anyhow, Result};
use raceway_scenarios::Pair;
use raceway_sim::consistency::{check, Consistency, KvMap};
use raceway_sim::drive::drive;
use raceway_sim::explore::{explore, Options};
use raceway_sim::strategy::{Seeding, Seeds};
use raceway_sim::{Schedule, Simulation, Trace};
use std::fmt::Write;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The schedules each cell's exploration may run.
pub const MATRIX_BUDGET: u64 = 3_000;

/// The random seeds a cell runs when its exploration did not finish.
pub const MATRIX_SEEDS: u64 = 300;

/// What one cell found.
pub enum Cell {
    /// A complete exploration found no violation of the model; `ended` runs ended before
    /// quiescence (a panic, a deadlock) and so were not judged.
    Proved { ended: u64 },
    /// The exploration did not finish; no seed of the sweep broke it.
    Swept { seeds: u64 },
    /// Broken: the shrunk trace of a violating run.
    Breaks { trace: Trace },
}

/// Runs the checker of `model` on `pair`'s client histories.
pub fn cell(pair: Pair, model: Consistency) -> Result<Cell> {
    let mut sim = pair.consistency_runner(model);
    let sim = sim.as_mut();
    let options = Options {
        all: true,
        max_schedules: Some(MATRIX_BUDGET),
        ..Options::default()
    };
    let found = explore(sim, &options).map_err(|d| anyhow!("{pair}: {d}"))?;
    let mine = |invariant: &str| invariant == model.name();
    let shortest = found
        .violations
        .iter()
        .filter(|d| mine(&d.violation.invariant))
        .min_by_key(|d| d.steps);
    if let Some(d) = shortest {
        return breaks(pair, sim, &d.schedule);
    }
    if found.complete {
        let ended = found.violations.iter().map(|d| d.count).sum();
        return Ok(Cell::Proved { ended });
    }
    let mut seeds = Seeds::counted(Seeding::Random, 0, MATRIX_SEEDS);
    let mut broken: Option<Schedule> = None;
    drive(sim, &mut seeds, false, |run| match &run.verdict.violation {
        Some(v) if mine(&v.invariant) => {
            broken = Some(run.sim.schedule().clone());
            ControlFlow::Break(())
        }
        _ => ControlFlow::Continue(()),
    })
    .map_err(|d| anyhow!("{pair}: {d}"))?;
    match broken {
        Some(schedule) => breaks(pair, sim, &schedule),
        None => Ok(Cell::Swept {
            seeds: MATRIX_SEEDS,
        }),
    }
}

fn breaks(pair: Pair, sim: &mut dyn Simulation, schedule: &Schedule) -> Result<Cell> {
    let shrunk = raceway_sim::shrink::shrunk_trace(sim, schedule)
        .map_err(|d| anyhow!("{pair}: {d}"))?
        .ok_or_else(|| anyhow!("{pair}: schedule {schedule} no longer fails"))?;
    Ok(Cell::Breaks {
        trace: shrunk.trace,
    })
}

/// Every cell of `pairs` × [`Consistency::ALL`], row by row, computed on all cores: each
/// cell is a function of its pair and model alone, so the order of the threads changes
/// nothing.
fn cells(pairs: &[Pair]) -> Result<Vec<Cell>> {
    let work: Vec<(Pair, Consistency)> = pairs
        .iter()
        .flat_map(|&p| Consistency::ALL.map(|m| (p, m)))
        .collect();
    let next = AtomicUsize::new(0);
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut done: Vec<(usize, Result<Cell>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs.min(work.len()))
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&(pair, model)) = work.get(i) else {
                            return mine;
                        };
                        mine.push((i, cell(pair, model)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a matrix worker panicked"))
            .collect()
    });
    done.sort_by_key(|&(i, _)| i);
    done.into_iter().map(|(_, cell)| cell).collect()
}

/// The matrix of every scenario of `sweep`, writing each broken cell's trace and history
/// page into `traces`.
pub fn matrix(sweep: &Sweep, traces: &Path) -> Result<String> {
    let mut out = format!(
        "\n## Consistency matrix\n\nWhich consistency each pair gives its clients: the client \
         operations its tasks mark (`Cx::invoke`) form a history, checked against a key-value \
         map (`raceway_sim::consistency`). *Proved* means a complete exploration (up to \
         {MATRIX_BUDGET} schedules, state caching, no sleep sets) found no violation; where it \
         does not finish, *swept* gives the random seeds run instead. A broken cell links the \
         shrunk trace and a page of its history with a minimal violating sub-history \
         (`raceway check-history` reads the `.jsonl` beside it).\n"
    );
    let mut seen = std::collections::BTreeSet::new();
    let rows: Vec<&RowReport> = sweep
        .rows
        .iter()
        .filter(|r| seen.insert((r.scenario(), r.workload(), r.variant())))
        .collect();
    let pairs: Vec<Pair> = rows.iter().map(|r| r.row.pair).collect();
    let mut cells = cells(&pairs)?.into_iter();
    let mut scenario = "";
    for r in rows {
        let pair = r.row.pair;
        if r.scenario() != scenario {
            scenario = r.scenario();
            let _ = write!(out, "\n### {scenario}\n\n| workload/variant |");
            for m in Consistency::ALL {
                let _ = write!(out, " {m} |");
            }
            out.push_str("\n|---|");
            out.push_str(&"---|".repeat(Consistency::ALL.len()));
            out.push('\n');
        }
        let _ = write!(out, "| {} |", r.pair());
        for model in Consistency::ALL {
            let cell = cells.next().expect("a cell per pair and model");
            let text = match cell {
                Cell::Proved { ended: 0 } => "holds (proved by exploration)".to_string(),
                Cell::Proved { ended } => format!(
                    "holds (proved by exploration; {ended} schedules end before quiescence)"
                ),
                Cell::Swept { seeds } => format!("holds (swept {seeds} seeds)"),
                Cell::Breaks { trace } => {
                    let stem = format!("{}.{}.{}.{model}", r.scenario(), r.workload(), r.variant());
                    write_counterexample(pair, model, &trace, traces, &stem)?;
                    format!(
                        "breaks ([history](traces/{stem}.html), [trace](traces/{stem}.txt), \
                         {} steps)",
                        trace.steps
                    )
                }
            };
            let _ = write!(out, " {text} |");
        }
        out.push('\n');
    }
    Ok(out)
}

/// Writes a broken cell's trace, its history as JSON Lines and the history's page.
fn write_counterexample(
    pair: Pair,
    model: Consistency,
    trace: &Trace,
    dir: &Path,
    stem: &str,
) -> Result<()> {
    let history = trace.history();
    let mut jsonl = String::new();
    for e in history.events() {
        jsonl.push_str(&serde_json::to_string(e)?);
        jsonl.push('\n');
    }
    let loaded = Loaded {
        lines: (1..=history.events().len()).collect(),
        history,
    };
    let verdict = check(&KvMap, &loaded.history.operations(), model);
    let processes: Vec<String> = trace
        .tasks
        .iter()
        .enumerate()
        .map(|(p, task)| format!("p{p} = {task}"))
        .collect();
    let text = format!(
        "{pair}: {model} (processes: {})\n\n{}",
        processes.join(", "),
        trace.render()
    );
    let page = crate::history_page::render(
        &KvMap,
        Path::new(&format!("{pair} ({stem}.jsonl)")),
        &loaded,
        &[verdict],
        Some(&text),
    );
    super::write_file(&dir.join(format!("{stem}.jsonl")), &jsonl)?;
    super::write_file(&dir.join(format!("{stem}.html")), &page)?;
    super::write_file(&dir.join(format!("{stem}.txt")), &text)
}
