//! Merging the shards of one sweep, trusting nothing read: each shard must come from this
//! build, be a part of the same sweep as the others, and every part must be there exactly
//! once; each row's counts must be those its shard runs, and each failure it reports must be
//! one of its shard's seeds and must reproduce (the seed re-run gives the schedule, the
//! schedule replayed gives the violation).

use super::plan::{Plan, Shard};
use super::result::Failure;
use super::{RowReport, Sweep, COMMIT, RACEWAY};
use crate::cli::Engine;
use anyhow::{bail, ensure, Result};
use raceway_sim::strategy::Replay;
use raceway_sim::Schedule;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Unions `shards` (each with the file it was read from) into the whole sweep, judged.
pub fn merge(mut shards: Vec<(PathBuf, Sweep)>) -> Result<Sweep> {
    ensure!(!shards.is_empty(), "nothing to merge");
    for (path, s) in &shards {
        this_build(path, &s.raceway, &s.commit)?;
    }
    let (first_path, first) = &shards[0];
    for (path, s) in &shards[1..] {
        let other = |what: String| {
            anyhow::anyhow!(
                "{} is a shard of another sweep than {} ({what})",
                path.display(),
                first_path.display()
            )
        };
        if s.seeds != first.seeds {
            return Err(other(format!("seeds {} and {}", s.seeds, first.seeds)));
        }
        if (s.pct_depth, s.delays) != (first.pct_depth, first.delays) {
            return Err(other(format!(
                "PCT depth {} and {}, delays {} and {}",
                s.pct_depth, first.pct_depth, s.delays, first.delays
            )));
        }
        if s.shard.count != first.shard.count {
            return Err(other(format!(
                "{} shards and {}",
                s.shard.count, first.shard.count
            )));
        }
        let same_rows = s.rows.len() == first.rows.len()
            && s.rows
                .iter()
                .zip(&first.rows)
                .all(|(a, b)| a.row.same(&b.row));
        if !same_rows {
            return Err(other("other rows: another selection or strategies".into()));
        }
    }
    let given: Vec<(&Path, Shard)> = shards.iter().map(|(p, s)| (p.as_path(), s.shard)).collect();
    each_part_once(&given, "sweep")?;
    for (path, s) in &shards {
        let plan = Plan {
            rows: s.rows.iter().map(|r| r.row).collect(),
            seeds: s.seeds,
            pct_depth: s.pct_depth,
            delays: s.delays,
            shard: s.shard,
        };
        for (i, r) in s.rows.iter().enumerate() {
            check_row(&plan, i, r).map_err(|e| {
                anyhow::anyhow!("{}: row {} ({}): {e}", path.display(), i + 1, r.label())
            })?;
        }
    }
    shards.sort_by_key(|(_, s)| s.shard.index);
    let mut parts = shards.into_iter();
    let Some((_, mut whole)) = parts.next() else {
        bail!("nothing to merge");
    };
    for (path, shard) in parts {
        for (row, part) in whole.rows.iter_mut().zip(shard.rows) {
            row.findings
                .merge(part.findings)
                .map_err(|e| anyhow::anyhow!("{}: row {}: {e}", path.display(), row.label()))?;
            row.seconds += part.seconds;
        }
    }
    for row in &mut whole.rows {
        row.rejudge(true);
    }
    whole.shard = super::plan::Shard::WHOLE;
    Ok(whole)
}

/// Every shard `1..=N` exactly once; otherwise which are missing and which are doubled.
/// Refuses a shard that another build wrote (`raceway`, `commit`): its runs may differ.
pub fn this_build(path: &Path, raceway: &str, commit: &str) -> Result<()> {
    ensure!(
        raceway == RACEWAY && commit == COMMIT,
        "{} was written by raceway {raceway} (commit {commit}); this is raceway {RACEWAY} (commit {COMMIT}): merge the shards with the build that ran them",
        path.display(),
    );
    Ok(())
}

/// Refuses `shards` (each file's shard, of one count) unless each shard is there exactly once;
/// `what` names the whole (`sweep`, `exploration`).
pub fn each_part_once(shards: &[(&Path, Shard)], what: &str) -> Result<()> {
    let count = shards[0].1.count;
    let mut given: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for (path, shard) in shards {
        given
            .entry(shard.index)
            .or_default()
            .push(path.display().to_string());
    }
    let mut problems = Vec::new();
    let missing: Vec<String> = (1..=count)
        .filter(|i| !given.contains_key(i))
        .map(|i| format!("{i}/{count}"))
        .collect();
    if !missing.is_empty() {
        problems.push(format!("missing shard {}", missing.join(", ")));
    }
    for (i, files) in &given {
        if files.len() > 1 {
            problems.push(format!(
                "shard {i}/{count} given {} times ({})",
                files.len(),
                files.join(", ")
            ));
        }
    }
    if !problems.is_empty() {
        bail!(
            "the files are not the {count} shards of one {what}, each once: {}",
            problems.join("; ")
        );
    }
    Ok(())
}

/// Checks row `i` of a shard against what that shard runs, and re-runs its failures.
fn check_row(plan: &Plan, i: usize, r: &RowReport) -> Result<()> {
    let f = &r.findings;
    let runs = plan.runs_of(i);
    ensure!(
        f.runs == runs,
        "{} runs, but shard {} of seeds {} runs {runs} seeds of this row",
        f.runs,
        plan.shard,
        plan.seeds
    );
    ensure!(
        f.violations <= f.runs,
        "{} violations in {} runs",
        f.violations,
        f.runs
    );
    let by_invariant = f
        .by_invariant
        .values()
        .try_fold(0u64, |a, &n| a.checked_add(n));
    ensure!(
        by_invariant == Some(f.violations),
        "the violations by invariant do not add up to {}",
        f.violations
    );
    let broke = f.violations > 0;
    ensure!(
        f.first.is_some() == broke && f.shortest.is_some() == broke,
        "{} violations, but {} first and shortest failures",
        f.violations,
        if broke { "without" } else { "with" }
    );
    if let (Some(first), Some(short)) = (&f.first, &f.shortest) {
        ensure!(
            first.seed <= short.seed && (short.steps, short.seed) <= (first.steps, first.seed),
            "its first failing seed is not the least or its shortest failure not the shortest"
        );
        for failure in [first, short] {
            check_failure(plan, i, r, failure)?;
        }
    }
    Ok(())
}

/// A failure must be one of the shard's seeds of the row, and must reproduce.
fn check_failure(plan: &Plan, i: usize, r: &RowReport, f: &Failure) -> Result<()> {
    ensure!(
        plan.runs_seed(i, f.seed),
        "failing seed {} is not one shard {} runs of this row",
        f.seed,
        plan.shard
    );
    ensure!(
        r.findings.by_invariant.contains_key(&f.invariant),
        "seed {} broke `{}`, which the counts by invariant do not list",
        f.seed,
        f.invariant
    );
    let row = &r.row;
    if row.engine == Engine::Madsim && f.schedule == super::result::NOT_REPRODUCED {
        return Ok(());
    }
    let schedule: Schedule = f
        .schedule
        .parse()
        .map_err(|e| anyhow::anyhow!("seed {}: schedule `{}`: {e}", f.seed, f.schedule))?;
    let mut sim = row.pair.runner();
    if row.engine == Engine::Native {
        let mut seeded = crate::engine::seeds(Engine::Native, row.seeding, f.seed, 1);
        let rerun = sim.run(seeded.as_mut(), false).ok();
        ensure!(
            rerun.is_some() && *sim.schedule() == schedule,
            "seed {} does not run schedule {} in this raceway",
            f.seed,
            f.schedule
        );
    }
    let replayed = sim.run(&mut Replay::new(schedule), false).map_err(|d| {
        anyhow::anyhow!(
            "seed {}: schedule {} does not replay: {d}",
            f.seed,
            f.schedule
        )
    })?;
    let same = replayed.violation.as_ref().is_some_and(|v| {
        v.kind == f.kind && v.invariant == f.invariant.as_str() && v.message == f.message
    }) && replayed.steps == f.steps;
    ensure!(
        same,
        "seed {}: schedule {} does not break `{}` in {} steps when replayed",
        f.seed,
        f.schedule,
        f.invariant,
        f.steps
    );
    Ok(())
}
