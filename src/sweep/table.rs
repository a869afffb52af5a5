//! The sweep as a table for people.

use super::{Judgement, Sweep};
use std::fmt::Write;

/// Renders the rows grouped by scenario, then a summary; `timings` adds schedules per second.
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
        if r.scenario() != scenario {
            scenario = r.scenario();
            let _ = write!(
                out,
                "\n{scenario}\n  {:<pair_w$}  {:<6}  {:>6}  {:>6}  {:>6}  {:<7} {:<14}",
                "pair", "with", "runs", "broke", "first", "expect", "verdict"
            );
            if timings {
                let _ = write!(out, " {:>10}", "sched/s");
            }
            let _ = writeln!(
                out,
                "  broken invariants (count) and first failing schedule"
            );
        }
        let first = r.findings.first.as_ref();
        let verdict = match r.judgement {
            Judgement::Met => "ok",
            Judgement::Contradicted => "CONTRADICTED",
            Judgement::Open => "open (shard)",
        };
        let _ = write!(
            out,
            "  {:<pair_w$}  {:<6}  {:>6}  {:>6}  {:>6}  {:<7} {:<14}",
            r.pair(),
            r.strategy(),
            r.findings.runs,
            r.findings.violations,
            first.map_or("-".to_string(), |f| f.seed.to_string()),
            r.expected(),
            verdict,
        );
        if timings {
            let _ = write!(out, " {:>10.0}", r.per_second);
        }
        let broken: Vec<String> = r
            .findings
            .by_invariant
            .iter()
            .map(|(k, n)| format!("{k} ({n})"))
            .collect();
        let _ = write!(out, "  {}", broken.join(", "));
        if let Some(f) = first {
            let _ = write!(out, "  {}", f.schedule);
        }
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&summary(sweep));
    out
}

/// One paragraph: how many rows, how many met, and each contradiction with its replay command.
pub fn summary(sweep: &Sweep) -> String {
    let count = |j: Judgement| sweep.rows.iter().filter(|r| r.judgement == j).count();
    // At most 2^32 runs per row: the sum fits in u128 whatever the row count.
    let runs: u128 = sweep.rows.iter().map(|r| u128::from(r.findings.runs)).sum();
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
                    "CONTRADICTED {} {} ({}): expected to hold, but seed {} broke `{}`: {}\n  replay: raceway run {} --workload {} --variant {} --schedule {}",
                    r.scenario(), r.pair(), r.strategy(), f.seed, f.invariant, f.message,
                    r.scenario(), r.workload(), r.variant(), f.schedule
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "CONTRADICTED {} {} ({}): expected to break, but {} found nothing",
                    r.scenario(),
                    r.pair(),
                    r.strategy(),
                    crate::output::count(r.findings.runs, "run")
                );
            }
        }
    }
    out
}
