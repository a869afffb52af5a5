//! `raceway sweep` (and `raceway` with no arguments): the catalog's main job.

use crate::cli::{Engine, StrategyName, SweepArgs, SweepFormat, SweepStrategy};
use crate::files::ReportLock;
use crate::output;
use crate::report;
use crate::select::{pairs, scenarios};
use crate::sweep::execute::execute;
use crate::sweep::plan::{Plan, Row, Seeds, Shard};
use crate::sweep::{table, wire, Judgement, Sweep};
use crate::tracefile::TraceFile;
use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::process::ExitCode;

/// The rows selected by the arguments, in catalog order (see [`selected_pairs`]).
pub fn rows(args: &SweepArgs) -> Result<Vec<Row>> {
    crate::engine::require(args.engine)?;
    let strategies: &[StrategyName] = match args.engine {
        Engine::Native => args.strategy.unwrap_or(SweepStrategy::Both).names(),
        Engine::Madsim => {
            anyhow::ensure!(
                args.strategy.is_none(),
                "--strategy is the native engine's; the madsim engine makes its own choices"
            );
            &[StrategyName::Random]
        }
    };
    let mut rows = Vec::new();
    for pair in selected_pairs(&args.selection)? {
        let pct_steps = raceway_sim::drive::pct_steps(pair.runner().as_mut());
        for &strategy in strategies {
            rows.push(Row {
                pair,
                strategy,
                engine: args.engine,
                seeding: crate::engine::seeding(strategy, (args.depth, args.delays), pct_steps),
            });
        }
    }
    Ok(rows)
}

/// Every (scenario, workload, variant) the selection names, in catalog order. A workload or
/// variant name that no selected scenario has is an error (a typo must not select nothing
/// silently), and so is a selection without pairs.
pub fn selected_pairs(sel: &crate::cli::Selection) -> Result<Vec<raceway_scenarios::Pair>> {
    let selected = scenarios(&sel.scenario)?;
    for (what, names) in [("workload", &sel.workload), ("variant", &sel.variant)] {
        for n in names {
            let known = selected.iter().any(|s| match what {
                "workload" => s.workload(n).is_ok(),
                _ => s.variant(n).is_ok(),
            });
            anyhow::ensure!(known, "no selected scenario has a {what} `{n}`");
        }
    }
    let mut out = Vec::new();
    for scenario in selected {
        out.extend(pairs(scenario, &sel.workload, &sel.variant));
    }
    anyhow::ensure!(
        !out.is_empty(),
        "the selection holds no (workload, variant) pair"
    );
    Ok(out)
}

/// Runs the sweep the arguments describe.
pub fn sweep(args: &SweepArgs) -> Result<Sweep> {
    let seeds = Seeds::parse(&args.seeds)?;
    let shard = Shard::parse(&args.shard)?;
    let plan = Plan::new(rows(args)?, seeds, (args.depth, args.delays), shard)?;
    let jobs = crate::select::jobs(args.jobs);
    let total = plan.total();
    let progress = if args.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {per_sec}  eta {eta}")
                .expect("a valid template"),
        );
        bar
    };
    let executed = execute(&plan, jobs, &progress)?;
    progress.finish_and_clear();
    #[allow(unused_mut)]
    let mut sweep = Sweep::new(&plan, executed);
    #[cfg(feature = "madsim")]
    confirm_natively(&mut sweep, &plan);
    Ok(sweep)
}

/// Gives each madsim failure the native schedule that reproduces it, or says it has none.
#[cfg(feature = "madsim")]
fn confirm_natively(sweep: &mut Sweep, plan: &Plan) {
    for (report, row) in sweep.rows.iter_mut().zip(&plan.rows) {
        if row.engine != Engine::Madsim {
            continue;
        }
        for failure in [&mut report.findings.first, &mut report.findings.shortest]
            .into_iter()
            .flatten()
        {
            failure.schedule = crate::engine::confirm_natively(&row.pair, failure.seed)
                .map_or_else(
                    || crate::sweep::result::NOT_REPRODUCED.to_string(),
                    |s| s.to_string(),
                );
        }
    }
}

pub fn run(args: &SweepArgs) -> Result<ExitCode> {
    // Taken before the sweep, so that a second writer of the folder is refused at once.
    let lock = args.report.as_deref().map(ReportLock::take).transpose()?;
    let sweep = sweep(args)?;
    save_contradictions(&sweep, args)?;
    print(&sweep, args.format, lock.as_ref())
}

/// Prints the sweep, writes its report if asked, and turns its judgement into the exit status.
pub fn print(sweep: &Sweep, format: SweepFormat, report: Option<&ReportLock>) -> Result<ExitCode> {
    if let Some(lock) = report {
        report::write(sweep, lock)?;
    }
    match format {
        SweepFormat::Text => output::print(&table::render(sweep, true))?,
        SweepFormat::Json => output::println(&wire::to_json(sweep))?,
    }
    Ok(if sweep.contradicted() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Saves the first failing trace of every row expected to hold that broke.
fn save_contradictions(sweep: &Sweep, args: &SweepArgs) -> Result<()> {
    for row in sweep
        .rows
        .iter()
        .filter(|r| r.judgement == Judgement::Contradicted)
    {
        let Some((sel, trace)) = report::failing_trace(row)? else {
            continue;
        };
        std::fs::create_dir_all(&args.save_failures)?;
        let seed = row.findings.shortest.as_ref().map_or(0, |f| f.seed);
        let path = args.save_failures.join(format!(
            "{}.{}.{}.{}.seed{seed}.json",
            row.scenario(),
            row.workload(),
            row.variant(),
            row.strategy()
        ));
        TraceFile::new(
            &sel,
            match row.strategy() {
                "pct" => format!("pct seed {seed} (depth {})", sweep.pct_depth),
                "delay" => format!("delay seed {seed} ({} delays)", sweep.delays),
                other => format!("{other} seed {seed}"),
            },
            &trace,
        )?
        .save(&path)?;
        output::note(&format!(
            "saved the failing trace of {} {}: {}",
            row.scenario(),
            row.pair(),
            path.display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Selection;

    /// A row expected to hold that broke gets its failing trace saved, replayable. No pair of
    /// the catalog is expected to hold and breaks, so a real breaking row is relabelled.
    #[test]
    fn a_broken_holds_row_saves_its_trace() {
        let dir = std::env::temp_dir().join(format!("raceway-save-{}", std::process::id()));
        let args = SweepArgs {
            selection: Selection {
                scenario: vec!["wlog".into()],
                workload: vec!["fork".into()],
                variant: vec!["buggy".into()],
            },
            seeds: "0..100".into(),
            strategy: Some(crate::cli::SweepStrategy::Random),
            jobs: Some(1),
            save_failures: dir.clone(),
            quiet: true,
            ..SweepArgs::default()
        };
        let mut swept = sweep(&args).unwrap();
        let row = &mut swept.rows[0];
        assert!(row.findings.violations > 0);
        row.judgement = Judgement::Contradicted;
        save_contradictions(&swept, &args).unwrap();
        let saved: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(saved.len(), 1, "{saved:?}");
        assert!(saved[0]
            .to_string_lossy()
            .contains("wlog.fork.buggy.random.seed"));
        let file = TraceFile::load(&saved[0]).unwrap();
        assert_eq!(
            file.trace["violation"]["invariant"],
            "cache-agrees-with-storage"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
