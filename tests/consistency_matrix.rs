//! The catalog's consistency matrix, pinned: a few cells per scenario, each checked by its own
//! exploration or sweep of the pair with the model's invariant alone, and found in the
//! committed report as the report's generator wrote it. Among them fixes that are not
//! linearizable: `wlog` fork-evict/merged (the merged fix, under eviction), `jetstream`
//! external/merged (#130) and `configcache` reader-writer/invalidate-after (the seed report's
//! fix).

use raceway_scenarios::{find, Pair};
use raceway_sim::consistency::Consistency::{self, *};
use raceway_sim::drive::drive;
use raceway_sim::explore::{explore, Options};
use raceway_sim::strategy::{Seeding, Seeds};
use std::ops::ControlFlow;

/// What a cell says, as the report words it (without a broken cell's links).
#[derive(Debug, PartialEq, Eq)]
enum Cell {
    Proved,
    Swept,
    Breaks,
}

fn pair(scenario: &str, workload: &str, variant: &str) -> Pair {
    find(scenario).unwrap().pair(workload, variant).unwrap()
}

/// A complete exploration (as the report's, within its budget) or, where it does not finish,
/// the report's seeds.
fn cell(pair: Pair, model: Consistency) -> Cell {
    let mut sim = pair.consistency_runner(model);
    let options = Options {
        all: true,
        max_schedules: Some(3_000),
        ..Options::default()
    };
    let found = explore(sim.as_mut(), &options).unwrap();
    let mine = |v: &str| v == model.name();
    if found
        .violations
        .iter()
        .any(|d| mine(&d.violation.invariant))
    {
        return Cell::Breaks;
    }
    if found.complete {
        return Cell::Proved;
    }
    let mut broke = false;
    let mut seeds = Seeds::counted(Seeding::Random, 0, 300);
    drive(sim.as_mut(), &mut seeds, false, |run| {
        match &run.verdict.violation {
            Some(v) if mine(&v.invariant) => {
                broke = true;
                ControlFlow::Break(())
            }
            _ => ControlFlow::Continue(()),
        }
    })
    .unwrap();
    if broke {
        Cell::Breaks
    } else {
        Cell::Swept
    }
}

/// The committed report's cell of (`pair`, `model`).
fn reported(pair: Pair, model: Consistency) -> String {
    let report = include_str!("../reports/README.md");
    let matrix = &report[report.find("## Consistency matrix").expect("the matrix")..];
    let section = format!("### {}\n", pair.scenario.name());
    let table = &matrix[matrix.find(&section).expect("the scenario's table")..];
    let row_start = format!("| {}/{} |", pair.workload.name, pair.variant.name);
    let row = table
        .lines()
        .find(|l| l.starts_with(&row_start))
        .expect("the row");
    let column = 2 + Consistency::ALL.iter().position(|&m| m == model).unwrap();
    row.split(" | ")
        .nth(column - 1)
        .unwrap()
        .trim_matches(['|', ' '])
        .to_string()
}

#[track_caller]
fn pin(scenario: &str, workload: &str, variant: &str, model: Consistency, expected: Cell) {
    let pair = pair(scenario, workload, variant);
    assert_eq!(cell(pair, model), expected, "{pair} {model}");
    let text = reported(pair, model);
    let prefix = match expected {
        Cell::Proved => "holds (proved by exploration",
        Cell::Swept => "holds (swept 300 seeds)",
        Cell::Breaks => "breaks (",
    };
    assert!(
        text.starts_with(prefix),
        "{pair} {model}: the report says {text}"
    );
}

#[test]
fn wlog_the_merged_fix_is_linearizable_until_an_eviction() {
    pin("wlog", "fork", "buggy", Linearizable, Cell::Breaks);
    pin("wlog", "fork", "buggy", Sequential, Cell::Proved);
    pin("wlog", "fork", "merged", Linearizable, Cell::Proved);
    pin("wlog", "fork-evict", "merged", Linearizable, Cell::Breaks);
    pin("wlog", "fork-evict", "merged", MonotonicReads, Cell::Proved);
}

#[test]
fn jetstream_the_merged_fix_still_appends_over_an_external_write() {
    pin(
        "jetstream",
        "two-stores",
        "conditional-append",
        Linearizable,
        Cell::Proved,
    );
    pin(
        "jetstream",
        "external",
        "merged",
        ReadYourWrites,
        Cell::Proved,
    );
    pin(
        "jetstream",
        "external",
        "merged",
        Linearizable,
        Cell::Breaks,
    );
}

#[test]
fn kvqueue_stale_kv_reads_break_the_session_guarantees_the_actor_keeps() {
    pin("kvqueue", "eventual", "buggy", ReadYourWrites, Cell::Breaks);
    pin(
        "kvqueue",
        "eventual",
        "self-heal",
        Linearizable,
        Cell::Breaks,
    );
    pin(
        "kvqueue",
        "eventual",
        "durable-object",
        Linearizable,
        Cell::Proved,
    );
}

#[test]
fn configcache_the_seeds_fix_is_sequentially_consistent_not_linearizable() {
    pin(
        "configcache",
        "reader-writer",
        "invalidate-after",
        Linearizable,
        Cell::Breaks,
    );
    pin(
        "configcache",
        "reader-writer",
        "invalidate-after",
        Sequential,
        Cell::Proved,
    );
    pin(
        "configcache",
        "reader-writer",
        "versioned",
        Linearizable,
        Cell::Proved,
    );
    pin(
        "configcache",
        "writers",
        "invalidate-after",
        Sequential,
        Cell::Breaks,
    );
}

#[test]
fn gencache_a_preload_over_a_fresher_entry_hides_the_clients_own_write() {
    pin(
        "gencache",
        "horizon",
        "preload-shadow",
        ReadYourWrites,
        Cell::Breaks,
    );
    pin("gencache", "mixed", "merged", Linearizable, Cell::Swept);
}
