//! The sweep as JSON: what `sweep --format json` writes and `merge` reads. Names are resolved
//! against this build's catalog on reading; the expected verdicts written are for people and
//! are checked against the catalog, never believed.

use super::plan::{Row, Seeds, Shard};
use super::result::Findings;
use super::{Judgement, RowReport, Sweep, FORMAT, VERSION};
use anyhow::{bail, Result};
use raceway_sim::drive::pct_steps;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepFile {
    format: String,
    version: u32,
    raceway: String,
    commit: String,
    /// `A..B`, or `A..=B` when it ends at `u64::MAX`.
    seeds: String,
    pct_depth: u32,
    delays: u32,
    shard: Shard,
    rows: Vec<RowFile>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RowFile {
    scenario: String,
    workload: String,
    variant: String,
    strategy: String,
    expected: String,
    reason: String,
    judgement: Judgement,
    #[serde(flatten)]
    findings: Findings,
    per_second: f64,
    seconds: f64,
}

/// The sweep's JSON, pretty-printed.
pub fn to_json(sweep: &Sweep) -> String {
    let file = SweepFile {
        format: FORMAT.to_string(),
        version: VERSION,
        raceway: sweep.raceway.clone(),
        commit: sweep.commit.clone(),
        seeds: sweep.seeds.to_string(),
        pct_depth: sweep.pct_depth,
        delays: sweep.delays,
        shard: sweep.shard,
        rows: sweep
            .rows
            .iter()
            .map(|r| RowFile {
                scenario: r.scenario().to_string(),
                workload: r.workload().to_string(),
                variant: r.variant().to_string(),
                strategy: r.strategy().to_string(),
                expected: r.expected().to_string(),
                reason: r.expectation().reason.to_string(),
                judgement: r.judgement,
                findings: r.findings.clone(),
                per_second: r.per_second,
                seconds: r.seconds,
            })
            .collect(),
    };
    // Plain data with string keys: serialising it cannot fail.
    serde_json::to_string_pretty(&file).unwrap_or_default()
}

/// Reads `path`'s JSON, a raceway file of `format` at `version` (`what` names it in errors).
pub fn read_json<T: serde::de::DeserializeOwned>(
    path: &Path,
    (format, version): (&str, u32),
    what: &str,
) -> Result<T> {
    let name = path.display();
    let text = crate::files::read(path)?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{name} is not JSON: {e}"))?;
    let (given, number) = (&value["format"], &value["version"]);
    if given != format || number != version {
        bail!(
            "{name} is not a raceway {what} of format {version} (format {given}, version {number})"
        );
    }
    serde_json::from_value(value).map_err(|e| anyhow::anyhow!("{name} is not a valid {what}: {e}"))
}

/// Reads a sweep's JSON from `path`, resolving every row against the catalog.
pub fn read(path: &Path) -> Result<Sweep> {
    let name = path.display();
    let file: SweepFile = read_json(path, (FORMAT, VERSION), "sweep")?;
    let seeds = Seeds::parse(&file.seeds).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    if file.pct_depth == 0 {
        bail!("{name}: PCT depth 0");
    }
    let shard =
        Shard::parse(&file.shard.to_string()).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let mut rows = Vec::with_capacity(file.rows.len());
    for (i, r) in file.rows.into_iter().enumerate() {
        let row = resolve(&r, (file.pct_depth, file.delays)).map_err(|e| {
            anyhow::anyhow!(
                "{name}: row {} ({} {}/{} {}): {e}",
                i + 1,
                r.scenario,
                r.workload,
                r.variant,
                r.strategy
            )
        })?;
        rows.push(row);
    }
    Ok(Sweep {
        raceway: file.raceway,
        commit: file.commit,
        seeds,
        pct_depth: file.pct_depth,
        delays: file.delays,
        shard,
        rows,
    })
}

fn resolve(r: &RowFile, how: (u32, u32)) -> Result<RowReport> {
    let pair = raceway_scenarios::find(&r.scenario)?.pair(&r.workload, &r.variant)?;
    let Some((engine, strategy)) = Row::parse_strategy(&r.strategy) else {
        bail!("unknown strategy `{}`", r.strategy);
    };
    let steps = pct_steps(pair.runner().as_mut());
    let report = RowReport {
        row: Row {
            pair,
            strategy,
            engine,
            seeding: crate::engine::seeding(strategy, how, steps),
        },
        judgement: r.judgement,
        findings: r.findings.clone(),
        per_second: r.per_second,
        seconds: r.seconds,
    };
    if r.expected != report.expected() {
        bail!(
            "expected `{}`, but this raceway's catalog expects `{}`",
            r.expected,
            report.expected()
        );
    }
    if !(r.seconds.is_finite() && r.seconds >= 0.0) {
        bail!("seconds is {}", r.seconds);
    }
    Ok(report)
}
