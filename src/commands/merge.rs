//! `raceway merge`: the shards of a sweep, checked, unioned and judged as a whole; or the
//! shards of an exploration, joined into one verdict per pair.

use crate::cli::{MergeArgs, SweepFormat};
use crate::explore_shard::ShardFile;
use crate::files::ReportLock;
use crate::output;
use anyhow::{ensure, Result};
use std::process::ExitCode;

pub fn run(args: &MergeArgs) -> Result<ExitCode> {
    let first = crate::files::read(&args.files[0])?;
    let explored = serde_json::from_str(&first).is_ok_and(|v| ShardFile::is_one(&v));
    if explored {
        return explorations(args);
    }
    let lock = args.report.as_deref().map(ReportLock::take).transpose()?;
    let shards = args
        .files
        .iter()
        .map(|f| Ok((f.clone(), crate::sweep::wire::read(f)?)))
        .collect::<Result<Vec<_>>>()?;
    let whole = crate::sweep::merge::merge(shards)?;
    super::sweep::print(&whole, args.format, lock.as_ref())
}

/// Exploration shards: one table row per pair, exit 1 when a pair breaks an invariant.
fn explorations(args: &MergeArgs) -> Result<ExitCode> {
    ensure!(
        args.report.is_none() && args.format == SweepFormat::Text,
        "exploration shards merge into a table only: no --report, no --format json"
    );
    let shards = args
        .files
        .iter()
        .map(|f| Ok((f.clone(), crate::explore_shard::read(f)?)))
        .collect::<Result<Vec<_>>>()?;
    let merged = crate::explore_shard::merge(shards)?;
    output::println(&super::explore::header())?;
    let mut broke = false;
    for (pair, found) in &merged {
        broke |= !found.violations.is_empty();
        let result = if found.complete || !found.violations.is_empty() {
            found.summary()
        } else {
            "not proved: a part ran out of its budget".to_string()
        };
        output::println(&super::explore::row(*pair, found, &result))?;
    }
    Ok(if broke {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
