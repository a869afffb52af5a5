//! `raceway merge`: the shards of a sweep, checked, unioned and judged as a whole.

use crate::cli::MergeArgs;
use crate::files::ReportLock;
use anyhow::Result;
use std::process::ExitCode;

pub fn run(args: &MergeArgs) -> Result<ExitCode> {
    let lock = args.report.as_deref().map(ReportLock::take).transpose()?;
    let shards = args
        .files
        .iter()
        .map(|f| Ok((f.clone(), crate::sweep::wire::read(f)?)))
        .collect::<Result<Vec<_>>>()?;
    let whole = crate::sweep::merge::merge(shards)?;
    super::sweep::print(&whole, args.format, lock.as_ref())
}
