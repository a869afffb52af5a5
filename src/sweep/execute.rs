//! Running a plan's units on `jobs` threads. Each thread keeps its own runners (a runner is
//! single-threaded by design); results are put back in unit order before merging, so the
//! outcome is the same for any `--jobs`.

use super::plan::Plan;
use super::result::Findings;
use indicatif::ProgressBar;
use raceway_sim::drive::drive;
use raceway_sim::Simulation;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The findings of each row of the plan, and the time its runs took on their threads.
pub struct Executed {
    pub rows: Vec<(Findings, Duration)>,
}

pub fn execute(plan: &Plan, jobs: usize, progress: &ProgressBar) -> Executed {
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, Findings, Duration)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs.max(1))
            .map(|_| scope.spawn(|| worker(plan, &next, progress)))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("sweep worker panicked"))
            .collect()
    });
    done.sort_by_key(|(unit, ..)| *unit);
    let mut rows: Vec<(Findings, Duration)> = vec![Default::default(); plan.rows.len()];
    for (unit, findings, time) in done {
        let row = &mut rows[plan.units[unit].row];
        row.0.merge(findings);
        row.1 += time;
    }
    Executed { rows }
}

fn worker(
    plan: &Plan,
    next: &AtomicUsize,
    progress: &ProgressBar,
) -> Vec<(usize, Findings, Duration)> {
    let mut runners: Vec<Option<Box<dyn Simulation>>> = plan.rows.iter().map(|_| None).collect();
    let mut out = Vec::new();
    loop {
        let unit = next.fetch_add(1, Ordering::Relaxed);
        let Some(u) = plan.units.get(unit) else { break };
        let row = &plan.rows[u.row];
        let sim = runners[u.row].get_or_insert_with(|| row.pair.runner());
        let start = Instant::now();
        let mut findings = Findings::default();
        let mut strategy = crate::engine::seeds(row.engine, row.seeding, u.seeds.clone());
        drive(sim.as_mut(), strategy.as_mut(), false, |run| {
            let seed = run.seed.expect("a seeded strategy");
            findings.add(seed, run.verdict, run.sim.schedule());
            ControlFlow::Continue(())
        })
        .expect("seeded strategies never diverge");
        out.push((unit, findings, start.elapsed()));
        progress.inc(u.seeds.end - u.seeds.start);
    }
    out
}
