//! The catalog report: a Markdown summary of a sweep (no timings, so it changes only when
//! findings change) and, for every row that broke, its shortest failing trace as text, as
//! replayable JSON and as a Mermaid diagram.
//!
//! The report is built whole in a staging folder and swapped in (see [`crate::files`]): a run
//! that fails or is interrupted leaves the previous report as it was.

pub mod matrix;
mod mermaid;

use crate::files::ReportLock;
use crate::sweep::{Judgement, RowReport, Sweep};
use crate::tracefile::TraceFile;
use anyhow::{Context, Result};
use raceway_scenarios::Pair;
use raceway_sim::{Schedule, Trace};
use std::fmt::Write;
use std::path::Path;

/// The trace of a row's shortest failure, shrunk, rebuilt by replaying its schedule.
pub fn failing_trace(row: &RowReport) -> Result<Option<(Pair, Trace)>> {
    let Some(f) = &row.findings.shortest else {
        return Ok(None);
    };
    let pair = row.row.pair;
    // A madsim failure that the native engine did not reproduce has no schedule to show.
    let Ok(schedule) = f.schedule.parse::<Schedule>() else {
        return Ok(None);
    };
    let shrunk = crate::select::shrunk_trace(pair, &schedule)?
        .ok_or_else(|| anyhow::anyhow!("{pair}: schedule {schedule} no longer fails"))?;
    Ok(Some((pair, shrunk.trace)))
}

fn file_stem(r: &RowReport) -> String {
    format!(
        "{}.{}.{}.{}",
        r.scenario(),
        r.workload(),
        r.variant(),
        r.strategy()
    )
}

/// Writes the report into the locked folder, replacing an earlier report there whole.
pub fn write(sweep: &Sweep, lock: &ReportLock) -> Result<()> {
    let staged = lock.stage()?;
    build(sweep, staged.path())?;
    lock.commit(staged)
}

/// Writes the report's `README.md` and `traces/` into the empty folder `dir`.
fn build(sweep: &Sweep, dir: &Path) -> Result<()> {
    let traces = dir.join("traces");
    std::fs::create_dir_all(&traces)
        .with_context(|| format!("cannot create {}", traces.display()))?;
    for row in &sweep.rows {
        let Some((sel, trace)) = failing_trace(row)? else {
            continue;
        };
        let stem = file_stem(row);
        let path = |ext: &str| traces.join(format!("{stem}.{ext}"));
        let text = trace.render();
        let origin = format!(
            "{} seed {}",
            row.strategy(),
            row.findings.shortest.as_ref().map_or(0, |f| f.seed)
        );
        write_file(
            &path("json"),
            &TraceFile::new(&sel, origin, &trace)?.to_json()?,
        )?;
        write_file(&path("txt"), &text)?;
        let md = format!(
            "# {} {} ({})\n\nExpected: {} — {}\n\n```mermaid\n{}```\n\n```text\n{}```\n\nReplay: `raceway replay reports/traces/{}.json`\n",
            row.scenario(),
            row.pair(),
            row.strategy(),
            row.expected(),
            row.expectation().reason,
            mermaid::diagram(&trace),
            text,
            stem,
        );
        write_file(&path("md"), &md)?;
    }
    let mut text = summary(sweep);
    text.push_str(&proofs(sweep)?);
    text.push_str(&matrix::matrix(sweep, &traces)?);
    write_file(&dir.join("README.md"), &text)
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// The schedules the report gives each pair's unbounded search (and as many again to bounded ones).
pub const PROOF_BUDGET: u64 = 300_000;

/// For every pair of the sweep, the strongest claim an exploration makes within
/// [`PROOF_BUDGET`] schedules (see `raceway_sim::explore::prove`): proved for every schedule,
/// proved up to a preemption bound, or broken.
pub fn proofs(sweep: &Sweep) -> Result<String> {
    let mut out = format!(
        "\n## Exhaustive exploration\n\nEvery schedule of each pair, with sleep sets and state \
         caching, up to {PROOF_BUDGET} schedules; where that does not finish, iterative preemption \
         bounding within as many again (`raceway explore <scenario> --max-schedules \
         {PROOF_BUDGET}`). *Proved* means no schedule of the workload, as modelled, breaks an \
         invariant; *proved for every schedule with at most K preemptions* claims nothing of the \
         schedules with more.\n\n\
         | scenario | workload/variant | expected | schedules | result |\n|---|---|---|---:|---|\n"
    );
    let mut seen = std::collections::BTreeSet::new();
    for r in &sweep.rows {
        if !seen.insert((r.scenario(), r.workload(), r.variant())) {
            continue;
        }
        let options = raceway_sim::explore::Options::default();
        let jobs = crate::select::jobs(None);
        let found = crate::select::explore(r.row.pair, &options, PROOF_BUDGET, jobs, &|_| {})?;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            r.scenario(),
            r.pair(),
            r.expected(),
            found.schedules,
            found.summary()
        );
    }
    Ok(out)
}

/// The Markdown summary.
pub fn summary(sweep: &Sweep) -> String {
    let mut out = String::from("# raceway catalog report\n\n");
    let _ = writeln!(
        out,
        "Generated by `cargo run --release -- sweep --report reports` (seeds {}, random and PCT \
         depth {}). Do not edit: `cargo test` fails when this report and a fresh sweep disagree.\n",
        sweep.seeds, sweep.pct_depth
    );
    let mut scenario = "";
    for r in &sweep.rows {
        if r.scenario() != scenario {
            scenario = r.scenario();
            let _ = writeln!(
                out,
                "\n## {scenario}\n\n| workload/variant | strategy | runs | violations | first failing seed | broken invariants | expected | verdict | shortest failing trace |\n|---|---|---:|---:|---:|---|---|---|---|"
            );
        }
        let first = r.findings.first.as_ref();
        let broken: Vec<String> = r
            .findings
            .by_invariant
            .iter()
            .map(|(k, n)| format!("`{k}` ({n})"))
            .collect();
        let verdict = match r.judgement {
            Judgement::Met => "met",
            Judgement::Contradicted => "**contradicted**",
            Judgement::Open => "open",
        };
        let link = match &r.findings.shortest {
            Some(f) => format!("[{} steps](traces/{}.md)", f.steps, file_stem(r)),
            None => "-".to_string(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.pair(),
            r.strategy(),
            r.findings.runs,
            r.findings.violations,
            first.map_or("-".to_string(), |f| f.seed.to_string()),
            broken.join(", "),
            r.expected(),
            verdict,
            link
        );
    }
    out.push_str("\n## Expected verdicts\n\n");
    let mut seen = std::collections::BTreeSet::new();
    for r in &sweep.rows {
        if seen.insert((r.scenario(), r.workload(), r.variant())) {
            let _ = writeln!(
                out,
                "- {} {}: {} — {}",
                r.scenario(),
                r.pair(),
                r.expected(),
                r.expectation().reason
            );
        }
    }
    out
}
