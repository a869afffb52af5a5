//! Running a plan's units on `jobs` threads. Each thread keeps its own runners (a runner is
//! single-threaded by design) and one [`Findings`] per row; findings merge order-free (see
//! [`Findings::merge`]), so the outcome is the same for any `--jobs`, and memory grows with
//! the rows and threads, never with the seeds.

use super::plan::Plan;
use super::result::Findings;
use anyhow::Result;
use indicatif::ProgressBar;
use raceway_sim::drive::drive;
use raceway_sim::strategy::Diverged;
use raceway_sim::Simulation;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The findings of each row of the plan, and the time its runs took on their threads.
pub struct Executed {
    pub rows: Vec<(Findings, Duration)>,
}

/// Runs the plan on at most `jobs` threads (never more than it has units).
pub fn execute(plan: &Plan, jobs: usize, progress: &ProgressBar) -> Result<Executed> {
    let next = AtomicU64::new(0);
    let jobs = jobs.clamp(
        1,
        usize::try_from(plan.owned()).unwrap_or(usize::MAX).max(1),
    );
    type Part = Result<Vec<(Findings, Duration)>, Diverged>;
    let parts = std::thread::scope(|scope| -> Result<Vec<Part>> {
        let mut workers = Vec::with_capacity(jobs);
        for _ in 0..jobs {
            let worker = std::thread::Builder::new()
                .spawn_scoped(scope, || worker(plan, &next, progress))
                .map_err(|e| anyhow::anyhow!("cannot start {jobs} worker threads: {e}"))?;
            workers.push(worker);
        }
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .map_err(|_| anyhow::anyhow!("a sweep worker failed"))
            })
            .collect()
    })?;
    let mut rows: Vec<(Findings, Duration)> = vec![Default::default(); plan.rows.len()];
    for part in parts {
        let part = part.map_err(|d| anyhow::anyhow!("a seeded run diverged: {d}"))?;
        for (row, (findings, time)) in rows.iter_mut().zip(part) {
            row.0.merge(findings)?;
            row.1 += time;
        }
    }
    Ok(Executed { rows })
}

fn worker(
    plan: &Plan,
    next: &AtomicU64,
    progress: &ProgressBar,
) -> Result<Vec<(Findings, Duration)>, Diverged> {
    let mut runners: Vec<Option<Box<dyn Simulation>>> = plan.rows.iter().map(|_| None).collect();
    let mut out: Vec<(Findings, Duration)> = vec![Default::default(); plan.rows.len()];
    while let Some(u) = plan.unit(next.fetch_add(1, Ordering::Relaxed)) {
        let row = &plan.rows[u.row];
        let sim = runners[u.row].get_or_insert_with(|| row.pair.runner());
        let start = Instant::now();
        let (findings, time) = &mut out[u.row];
        let mut strategy = crate::engine::seeds(row.engine, row.seeding, u.first(), u.len());
        drive(sim.as_mut(), strategy.as_mut(), false, |run| {
            if let Some(seed) = run.seed {
                findings.add(seed, run.verdict, run.sim.schedule());
            }
            ControlFlow::Continue(())
        })?;
        *time += start.elapsed();
        progress.inc(u.len());
    }
    Ok(out)
}
