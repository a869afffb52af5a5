//! Sweeps: many seeds of many rows, on all cores, shardable; the catalog's main job.

pub mod execute;
pub mod plan;
pub mod result;
pub mod table;

use plan::{Plan, Row, Shard};
use result::Findings;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Identifies sweep output files.
pub const FORMAT: &str = "raceway-sweep";
pub const VERSION: u32 = 1;

/// Whether a row met its expectation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Judgement {
    /// Expected to break and broke, or expected to hold and held.
    Met,
    /// Expected to hold and broke, or (over the whole sweep) expected to break and did not.
    Contradicted,
    /// Expected to break, not caught by this shard's seeds: only the merged sweep can tell.
    Open,
}

/// One row's result, as printed, saved and merged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RowReport {
    pub scenario: String,
    pub workload: String,
    pub variant: String,
    pub strategy: String,
    pub expected: String,
    pub reason: String,
    pub judgement: Judgement,
    #[serde(flatten)]
    pub findings: Findings,
    /// Schedules per second on one thread (timing; never part of reports).
    pub per_second: f64,
    /// Seconds of thread time spent on this row.
    pub seconds: f64,
}

impl RowReport {
    pub fn key(&self) -> (&str, &str, &str, &str) {
        (
            &self.scenario,
            &self.workload,
            &self.variant,
            &self.strategy,
        )
    }

    pub fn pair(&self) -> String {
        format!("{}/{}", self.workload, self.variant)
    }

    /// Judges `findings` against the expectation; `whole` when every seed of the sweep was run.
    fn judge(expected: &str, findings: &Findings, whole: bool) -> Judgement {
        match (expected, findings.violations > 0) {
            ("holds", false) | ("breaks", true) => Judgement::Met,
            ("breaks", false) if !whole => Judgement::Open,
            _ => Judgement::Contradicted,
        }
    }

    fn new(row: &Row, findings: Findings, time: Duration, whole: bool) -> Self {
        let e = row.pair.expectation;
        let expected = e.expected.name();
        let seconds = time.as_secs_f64();
        RowReport {
            scenario: row.pair.scenario.name().to_string(),
            workload: row.pair.workload.name.to_string(),
            variant: row.pair.variant.name.to_string(),
            strategy: row.strategy_name().to_string(),
            expected: expected.to_string(),
            reason: e.reason.to_string(),
            judgement: Self::judge(expected, &findings, whole),
            per_second: if seconds > 0.0 {
                findings.runs as f64 / seconds
            } else {
                0.0
            },
            seconds,
            findings,
        }
    }
}

fn default_pct_depth() -> u32 {
    raceway_sim::strategy::Pct::DEFAULT_DEPTH
}

fn default_delays() -> u32 {
    raceway_sim::strategy::Delay::DEFAULT_DELAYS
}

/// A whole sweep's (or one shard's) output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    pub format: String,
    pub version: u32,
    pub raceway: String,
    /// `A..B`.
    pub seeds: String,
    /// PCT's bug depth (in sweeps saved before it was an option, the default).
    #[serde(default = "default_pct_depth")]
    pub pct_depth: u32,
    /// Delay bounding's delays (in sweeps saved before it existed, the default).
    #[serde(default = "default_delays")]
    pub delays: u32,
    pub shard: Shard,
    pub rows: Vec<RowReport>,
}

impl Sweep {
    pub fn new(plan: &Plan, executed: execute::Executed) -> Self {
        let whole = plan.shard.is_whole();
        let rows = plan
            .rows
            .iter()
            .zip(executed.rows)
            .map(|(row, (findings, time))| RowReport::new(row, findings, time, whole))
            .collect();
        Sweep {
            format: FORMAT.to_string(),
            version: VERSION,
            raceway: env!("CARGO_PKG_VERSION").to_string(),
            seeds: format!("{}..{}", plan.seeds.start, plan.seeds.end),
            pct_depth: plan.pct_depth,
            delays: plan.delays,
            shard: plan.shard,
            rows,
        }
    }

    /// Whether any row contradicts its expectation.
    pub fn contradicted(&self) -> bool {
        self.rows
            .iter()
            .any(|r| r.judgement == Judgement::Contradicted)
    }

    /// Unions the shards of one sweep into the whole and judges it. Every shard `1..=N` of the
    /// same sweep (same seeds, same rows) must be given exactly once.
    pub fn merge(mut shards: Vec<Sweep>) -> anyhow::Result<Sweep> {
        anyhow::ensure!(!shards.is_empty(), "nothing to merge");
        shards.sort_by_key(|s| s.shard.index);
        let count = shards[0].shard.count;
        for (i, s) in shards.iter().enumerate() {
            anyhow::ensure!(
                s.format == FORMAT && s.version == VERSION,
                "not a raceway sweep of format {VERSION}"
            );
            anyhow::ensure!(
                s.shard.count == count && s.shard.index == i as u32 + 1,
                "the shards given are not exactly 1/{count} to {count}/{count}"
            );
            anyhow::ensure!(
                s.seeds == shards[0].seeds
                    && s.pct_depth == shards[0].pct_depth
                    && s.delays == shards[0].delays
                    && s.rows
                        .iter()
                        .map(RowReport::key)
                        .eq(shards[0].rows.iter().map(RowReport::key)),
                "shard {}/{count} is of another sweep (other seeds, PCT depth, delays or rows)",
                s.shard.index
            );
        }
        anyhow::ensure!(
            shards.len() == count as usize,
            "{} of {count} shards given",
            shards.len()
        );
        let mut whole = shards.remove(0);
        for shard in shards {
            for (row, part) in whole.rows.iter_mut().zip(shard.rows) {
                row.findings.merge(part.findings);
                row.seconds += part.seconds;
            }
        }
        for row in &mut whole.rows {
            row.judgement = RowReport::judge(&row.expected, &row.findings, true);
            row.per_second = if row.seconds > 0.0 {
                row.findings.runs as f64 / row.seconds
            } else {
                0.0
            };
        }
        whole.shard = Shard::WHOLE;
        Ok(whole)
    }
}
