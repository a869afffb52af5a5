//! Sweeps: many seeds of many rows, on all cores, shardable; the catalog's main job.
//!
//! Rows stay typed (catalog entries, strategies, verdict enums) from the run to the printing:
//! names appear only at the edges, in [`wire`] (the JSON a sweep writes and `merge` reads)
//! and in the table and report.

pub mod execute;
pub mod merge;
pub mod plan;
pub mod result;
pub mod table;
pub mod wire;

use plan::{Plan, Row, Seeds, Shard};
use raceway_scenarios::{Expectation, Expected};
use result::Findings;
use serde::{Deserialize, Serialize};

/// Identifies sweep output files.
pub const FORMAT: &str = "raceway-sweep";
/// The sweep JSON's version (2: the commit and PCT's depth recorded, rows checked on merge).
pub const VERSION: u32 = 2;
/// This build's version and commit, recorded in every sweep it writes.
pub const RACEWAY: &str = env!("CARGO_PKG_VERSION");
pub const COMMIT: &str = env!("RACEWAY_COMMIT");

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

/// One row's result.
#[derive(Clone)]
pub struct RowReport {
    pub row: Row,
    pub judgement: Judgement,
    pub findings: Findings,
    /// Schedules per second on one thread (timing; never part of reports).
    pub per_second: f64,
    /// Seconds of thread time spent on this row.
    pub seconds: f64,
}

impl RowReport {
    pub fn scenario(&self) -> &'static str {
        self.row.pair.scenario.name()
    }

    pub fn workload(&self) -> &'static str {
        self.row.pair.workload.name
    }

    pub fn variant(&self) -> &'static str {
        self.row.pair.variant.name
    }

    pub fn strategy(&self) -> &'static str {
        self.row.strategy_name()
    }

    /// The catalog's expectation of the row's pair.
    pub fn expectation(&self) -> Expectation {
        self.row.pair.expectation
    }

    /// `breaks` or `holds`.
    pub fn expected(&self) -> &'static str {
        self.expectation().expected.name()
    }

    pub fn pair(&self) -> String {
        format!("{}/{}", self.workload(), self.variant())
    }

    /// `wlog fork/buggy random`, to name a row in messages.
    pub fn label(&self) -> String {
        format!("{} {} {}", self.scenario(), self.pair(), self.strategy())
    }

    /// Judges `findings` against the expectation; `whole` when every seed of the sweep was run.
    fn judge(expected: Expected, findings: &Findings, whole: bool) -> Judgement {
        match (expected, findings.violations > 0) {
            (Expected::Holds, false) | (Expected::Breaks, true) => Judgement::Met,
            (Expected::Breaks, false) if !whole => Judgement::Open,
            _ => Judgement::Contradicted,
        }
    }

    fn new(row: Row, findings: Findings, seconds: f64, whole: bool) -> Self {
        let mut report = RowReport {
            row,
            judgement: Judgement::Met,
            per_second: 0.0,
            seconds,
            findings,
        };
        report.rejudge(whole);
        report
    }

    /// Recomputes the judgement and the rate from the findings.
    fn rejudge(&mut self, whole: bool) {
        self.judgement = Self::judge(self.expectation().expected, &self.findings, whole);
        self.per_second = if self.seconds > 0.0 {
            self.findings.runs as f64 / self.seconds
        } else {
            0.0
        };
    }
}

/// A whole sweep's (or one shard's) output.
#[derive(Clone)]
pub struct Sweep {
    /// The raceway version and commit that ran it.
    pub raceway: String,
    pub commit: String,
    pub seeds: Seeds,
    /// PCT's bug depth.
    pub pct_depth: u32,
    /// Delay bounding's delays.
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
            .map(|(row, (findings, time))| {
                RowReport::new(*row, findings, time.as_secs_f64(), whole)
            })
            .collect();
        Sweep {
            raceway: RACEWAY.to_string(),
            commit: COMMIT.to_string(),
            seeds: plan.seeds,
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
}
