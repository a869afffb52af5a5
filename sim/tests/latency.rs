//! Latency as a choice: it replays from its schedule, shrinks to the shortest delay that still
//! breaks, and an exploration runs every declared duration.

use raceway_sim::explore::{explore_with, Options};
use raceway_sim::shrink::shrink;
use raceway_sim::strategy::Replay;
use raceway_sim::{Footprint, Invariant, Latency, Race, Runner, Schedule, Simulation};
use std::cell::Cell;
use std::collections::BTreeSet;
use std::rc::Rc;
use std::time::Duration;

/// The reply to the reader's DB read takes one of these; the writer's second delete comes
/// 1.5 s after its write, so 2 s, 3 s and 5 s can break and 0 and 1 s cannot.
const REPLY: Latency = Latency::of(&[
    Duration::ZERO,
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(3),
    Duration::from_secs(5),
]);

#[derive(Default)]
struct Db {
    row: u32,
    cache: Option<u32>,
}

/// Delayed double delete against a reader whose reply takes a picked latency; each run leaves
/// the latency it took in `took`.
fn double_delete(took: Rc<Cell<Duration>>) -> Runner<Race<Db>> {
    let race = Race::new(Db::default)
        .task("reader", move |cx| {
            let took = took.clone();
            async move {
                let v = cx.step("db.read", Footprint::read("row"), |s: &mut Db| s.row);
                let v = v.await;
                took.set(cx.latency("db.read reply", REPLY).await);
                let fill = move |s: &mut Db| s.cache = Some(v);
                cx.step("cache.set", Footprint::write("cache"), fill).await;
            }
        })
        .task("writer", |cx| async move {
            cx.step("db.write", Footprint::write("row"), |s| s.row = 1)
                .await;
            let delete = |s: &mut Db| s.cache = None;
            cx.step("cache.delete", Footprint::write("cache"), delete)
                .await;
            cx.sleep(Duration::from_millis(1500)).await;
            cx.step("cache.delete", Footprint::write("cache"), delete)
                .await;
        })
        .invariant(Invariant::convergence("cache-matches-row", |s| {
            match s.cache {
                Some(v) if v != s.row => Err(format!("the cache holds {v}, the row {}", s.row)),
                _ => Ok(()),
            }
        }));
    Runner::new(race)
}

/// Every schedule of a complete exploration with the latency it took and whether it broke.
fn explore_all() -> Vec<(Schedule, Duration, bool)> {
    let took = Rc::new(Cell::new(Duration::MAX));
    let mut runner = double_delete(took.clone());
    let mut runs = Vec::new();
    let options = Options {
        all: true,
        ..Options::default()
    };
    let found = explore_with(&mut runner, &options, |schedule, verdict| {
        runs.push((schedule.clone(), took.get(), verdict.violation.is_some()));
    })
    .unwrap();
    assert!(found.complete);
    runs
}

#[test]
fn exploration_runs_every_declared_latency() {
    let runs = explore_all();
    let explored: BTreeSet<Duration> = runs.iter().map(|r| r.1).collect();
    assert_eq!(explored.len(), 5);
    assert!(explored.iter().copied().eq(REPLY.iter()));
    let broke: BTreeSet<Duration> = runs.iter().filter(|r| r.2).map(|r| r.1).collect();
    assert!(broke.iter().copied().eq([2, 3, 5].map(Duration::from_secs)));
}

#[test]
fn a_latency_replays_from_its_schedule_and_shrinks_to_the_shortest_that_breaks() {
    let (schedule, _, _) = explore_all()
        .into_iter()
        .find(|r| r.2 && r.1 == Duration::from_secs(5))
        .expect("a run with the slowest reply breaks");
    let took = Rc::new(Cell::new(Duration::MAX));
    let mut runner = double_delete(took.clone());
    // The schedule replays exactly, latency included.
    let verdict = runner
        .run(&mut Replay::new(schedule.clone()), true)
        .unwrap();
    assert_eq!(took.get(), Duration::from_secs(5));
    let rendered = runner.trace().render();
    assert!(rendered.contains("db.read reply takes 5s"), "{rendered}");
    assert!(rendered.contains("sleep(5s)"), "{rendered}");
    // Shrinking lowers the pick to the shortest duration that still breaks.
    let violation = verdict.violation.expect("it breaks");
    let shrunk = shrink(&mut runner, &schedule, &violation).unwrap();
    runner
        .run(&mut Replay::new(shrunk.schedule.clone()), true)
        .unwrap();
    assert_eq!(took.get(), Duration::from_secs(2));
    let rendered = runner.trace().render();
    assert!(rendered.contains("db.read reply takes 2s"), "{rendered}");
}
