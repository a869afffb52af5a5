//! The saved trace: a run's JSON trace with what is needed to run it again.

use anyhow::{bail, Context, Result};
use raceway_sim::Trace;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Identifies raceway trace files.
pub const FORMAT: &str = "raceway-trace";

/// A saved run. `trace` is kept as JSON so that `replay` compares it with the new run's
/// trace exactly as it was written.
#[derive(Serialize, Deserialize)]
pub struct TraceFile {
    pub format: String,
    pub version: u32,
    pub raceway: String,
    pub scenario: String,
    pub workload: String,
    pub variant: String,
    /// How the schedule was found (`random seed 7`, `named seed`, `schedule`).
    pub origin: String,
    pub schedule: String,
    pub trace: serde_json::Value,
}

impl TraceFile {
    pub fn new(sel: &raceway_scenarios::Pair, origin: String, trace: &Trace) -> Result<Self> {
        Ok(Self {
            format: FORMAT.to_string(),
            version: raceway_sim::TRACE_VERSION,
            raceway: env!("CARGO_PKG_VERSION").to_string(),
            scenario: sel.scenario.name().to_string(),
            workload: sel.workload.name.to_string(),
            variant: sel.variant.name.to_string(),
            origin,
            schedule: trace.schedule.to_string(),
            trace: serde_json::to_value(trace)?,
        })
    }

    pub fn to_json(&self) -> Result<String> {
        Ok(serde_json::to_string_pretty(self)? + "\n")
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.to_json()?)
            .with_context(|| format!("cannot write {}", path.display()))
    }

    /// The (scenario, workload, variant) the trace was recorded on, and its schedule.
    pub fn target(&self, path: &Path) -> Result<(raceway_scenarios::Pair, raceway_sim::Schedule)> {
        let target = crate::cli::Target {
            scenario: self.scenario.clone(),
            workload: Some(self.workload.clone()),
            variant: Some(self.variant.clone()),
        };
        let (sel, _) = crate::select::resolve(&target, None)?;
        let schedule = self
            .schedule
            .parse()
            .with_context(|| format!("{}: schedule", path.display()))?;
        Ok((sel, schedule))
    }

    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let file: TraceFile = serde_json::from_str(&text).map_err(|e| {
            let what = if e.is_eof() {
                "truncated"
            } else {
                "not a valid trace file"
            };
            anyhow::anyhow!("{} is {what}: {e}", path.display())
        })?;
        if file.format != FORMAT {
            bail!(
                "{} is not a raceway trace (format `{}`)",
                path.display(),
                file.format
            );
        }
        if file.version != raceway_sim::TRACE_VERSION {
            bail!(
                "{} was written in trace format {}; this raceway reads format {}",
                path.display(),
                file.version,
                raceway_sim::TRACE_VERSION
            );
        }
        Ok(file)
    }
}
