//! `raceway merge`: the shards of a sweep, unioned and judged as a whole.

use crate::cli::MergeArgs;
use crate::sweep::Sweep;
use anyhow::{Context, Result};
use std::process::ExitCode;

pub fn run(args: &MergeArgs) -> Result<ExitCode> {
    let shards = args
        .files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f)
                .with_context(|| format!("cannot read {}", f.display()))?;
            serde_json::from_str(&text)
                .map_err(|e| anyhow::anyhow!("{} is not a sweep's JSON output: {e}", f.display()))
        })
        .collect::<Result<Vec<Sweep>>>()?;
    let whole = Sweep::merge(shards)?;
    super::sweep::print(&whole, args.format, args.report.as_deref())
}
