//! The sweep as a table for people.

use super::result::Failure;
use super::{Judgement, RowReport, Sweep};
use crate::select::replay_command;
use std::fmt::Write;

/// Renders the rows grouped by scenario, each failing row followed by the command that replays
/// its shortest failure, then a summary; `timings` adds the sweep's thread time before it (a rate
/// per row would mostly measure how long that pair's runs are: `raceway bench` measures pairs).
pub fn render(sweep: &Sweep, timings: bool) -> String {
    let mut out = String::new();
    let pair_w = sweep
        .rows
        .iter()
        .map(|r| r.pair().len())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut scenario = "";
    for r in &sweep.rows {
        if r.scenario != scenario {
            scenario = &r.scenario;
            let _ = writeln!(
                out,
                "\n{scenario}\n  {:<pair_w$}  {:<8}  {:>6}  {:>6}  {:>10}  {:<6}  {:<12}  broken invariants (count)",
                "pair", "strategy", "runs", "broke", "first seed", "expect", "verdict"
            );
        }
        let verdict = match r.judgement {
            Judgement::Met => "met",
            Judgement::Contradicted => "CONTRADICTED",
            Judgement::Open => "open (shard)",
        };
        let broken: Vec<String> = r
            .findings
            .by_invariant
            .iter()
            .map(|(k, n)| format!("{k} ({n})"))
            .collect();
        let line = format!(
            "  {:<pair_w$}  {:<8}  {:>6}  {:>6}  {:>10}  {:<6}  {:<12}  {}",
            r.pair(),
            r.strategy,
            r.findings.runs,
            r.findings.violations,
            r.findings
                .first
                .as_ref()
                .map_or("-".to_string(), |f| f.seed.to_string()),
            r.expected,
            verdict,
            broken.join(", "),
        );
        let _ = writeln!(out, "{}", line.trim_end());
        if let Some(f) = &r.findings.shortest {
            let _ = writeln!(
                out,
                "  {:<pair_w$}  replay (shortest failure, {} steps): {}",
                "",
                f.steps,
                replay(r, f)
            );
        }
    }
    out.push('\n');
    if timings {
        let seconds: f64 = sweep.rows.iter().map(|r| r.seconds).sum();
        let runs: u64 = sweep.rows.iter().map(|r| r.findings.runs).sum();
        if seconds > 0.0 {
            let _ = writeln!(
                out,
                "timing: {seconds:.2} s of thread time, {:.0} schedules/s per thread",
                runs as f64 / seconds
            );
        }
    }
    out.push_str(&summary(sweep));
    out
}

/// The command that replays failure `f` of row `r`: its native schedule, or for a madsim
/// failure the native engine did not reproduce, the madsim run of its seed.
fn replay(r: &RowReport, f: &Failure) -> String {
    if f.schedule.parse::<raceway_sim::Schedule>().is_ok() {
        return replay_command(&r.scenario, &r.workload, &r.variant, &f.schedule);
    }
    format!(
        "{}; its madsim run: scripts/madsim run {} -w {} -v {} --engine madsim --seed {}",
        f.schedule, r.scenario, r.workload, r.variant, f.seed
    )
}

/// One paragraph: how many rows, how many met, and each contradiction with its replay command.
pub fn summary(sweep: &Sweep) -> String {
    let count = |j: Judgement| sweep.rows.iter().filter(|r| r.judgement == j).count();
    let runs: u64 = sweep.rows.iter().map(|r| r.findings.runs).sum();
    let mut out = format!(
        "{} rows, {} runs (seeds {}{}): {} met, {} contradicted",
        sweep.rows.len(),
        runs,
        sweep.seeds,
        if sweep.shard.is_whole() {
            String::new()
        } else {
            format!(", shard {}/{}", sweep.shard.index, sweep.shard.count)
        },
        count(Judgement::Met),
        count(Judgement::Contradicted),
    );
    let open = count(Judgement::Open);
    if open > 0 {
        let _ = write!(out, ", {open} open until the shards are merged");
    }
    out.push('\n');
    for r in sweep
        .rows
        .iter()
        .filter(|r| r.judgement == Judgement::Contradicted)
    {
        match &r.findings.first {
            Some(f) => {
                let _ = writeln!(
                    out,
                    "CONTRADICTED {} {} ({}): expected to hold, but seed {} broke `{}`: {}\n  replay: {}",
                    r.scenario, r.pair(), r.strategy, f.seed, f.invariant, f.message, replay(r, f)
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "CONTRADICTED {} {} ({}): expected to break, but {} runs found nothing",
                    r.scenario,
                    r.pair(),
                    r.strategy,
                    r.findings.runs
                );
            }
        }
    }
    out
}
