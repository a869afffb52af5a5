//! Exhaustive exploration and shrinking over the catalog.

use proptest::prelude::*;
use raceway_scenarios::{Expected, Pair, CATALOG};
use raceway_sim::explore::{explore, explore_with, Options};
use raceway_sim::shrink::shrink;
use raceway_sim::strategy::{Replay, Script, Seeds};
use raceway_sim::{Kind, Simulation};
use std::collections::BTreeSet;

/// A budget that keeps the whole file fast in debug; searches beyond it are skipped where
/// completeness matters, and said so.
const BUDGET: u64 = 20_000;

#[test]
fn exploration_visits_each_seed_interleaving() {
    for scenario in CATALOG {
        for named in scenario.named_schedules() {
            let mut sim = scenario.runner(named.workload, named.variant).unwrap();
            let seed = sim.run(&mut Script::new(named.script), false).unwrap();
            let seed_schedule = sim.schedule().clone();
            // Every order within the seed's preemptions, with no reduction, holds the seed's own.
            let options = Options {
                reduction: false,
                preemptions: Some(seed.preemptions),
                max_schedules: Some(BUDGET * 10),
                all: true,
            };
            let mut visited = false;
            explore_with(sim.as_mut(), &options, |s, _| {
                visited |= *s == seed_schedule
            })
            .unwrap();
            assert!(
                visited,
                "{} {}: the seed's schedule {seed_schedule} was not explored",
                scenario.name(),
                named.name
            );
            // With reduction, its violation is found.
            let v = seed.violation.expect("the seed breaks its variant");
            let found = explore(
                sim.as_mut(),
                &Options {
                    all: true,
                    ..Options::default()
                },
            )
            .unwrap();
            assert!(
                found
                    .violations
                    .iter()
                    .any(|d| d.violation.invariant == v.invariant),
                "{} {}: exploration missed `{}`",
                scenario.name(),
                named.name,
                v.invariant
            );
        }
    }
}

fn kinds(found: &raceway_sim::explore::Exploration) -> BTreeSet<(Kind, String)> {
    found
        .violations
        .iter()
        .map(|d| (d.violation.kind, d.violation.invariant.to_string()))
        .collect()
}

#[test]
fn reduction_finds_the_same_violations_and_agrees_with_expectations() {
    let mut compared = 0;
    for pair in CATALOG.iter().flat_map(|s| s.pairs()) {
        let mut sim = pair.runner();
        let all = |reduction| Options {
            reduction,
            max_schedules: Some(BUDGET),
            all: true,
            ..Options::default()
        };
        let reduced = explore(sim.as_mut(), &all(true)).unwrap();
        let full = explore(sim.as_mut(), &all(false)).unwrap();
        assert!(
            reduced.schedules <= full.schedules,
            "{pair}: reduction explored more"
        );
        if reduced.complete && full.complete {
            assert_eq!(kinds(&reduced), kinds(&full), "{pair}");
            compared += 1;
        }
        if reduced.complete {
            assert_eq!(
                reduced.violations.is_empty(),
                pair.expectation.expected == Expected::Holds,
                "{pair}: {:?}",
                kinds(&reduced)
            );
        }
    }
    assert!(
        compared >= 24,
        "only {compared} pairs were small enough to compare"
    );
}

/// stateright-style pinned counts: a change in what exploration visits fails here.
#[test]
fn wlog_exploration_counts_are_pinned() {
    let scenario = raceway_scenarios::find("wlog").unwrap();
    let count = |w: &str, v: &str, reduction: bool| {
        let mut sim = scenario.runner(w, v).unwrap();
        let found = explore(
            sim.as_mut(),
            &Options {
                reduction,
                all: true,
                ..Options::default()
            },
        )
        .unwrap();
        assert!(found.complete);
        (found.schedules, found.pruned)
    };
    assert_eq!(count("fork", "merged", true), (5, 1));
    assert_eq!(count("fork", "merged", false), (10, 0));
    assert_eq!(count("fork-evict", "epoch", true), (31, 8));
    assert_eq!(count("fork-evict", "epoch", false), (58, 0));
    assert_eq!(count("records", "epoch", true), (70, 10));
    assert_eq!(count("records", "epoch", false), (116, 0));
}

#[test]
fn a_preemption_bound_limits_the_search() {
    let scenario = raceway_scenarios::find("wlog").unwrap();
    let mut sim = scenario.runner("records", "merged").unwrap();
    let mut bounded = |k| {
        explore(
            sim.as_mut(),
            &Options {
                preemptions: Some(k),
                all: true,
                ..Options::default()
            },
        )
        .unwrap()
    };
    let (none, one) = (bounded(0), bounded(1));
    assert!(none.complete && one.complete && !none.reduced);
    assert!(none.schedules < one.schedules);
    assert!(none.violations.is_empty(), "the race needs a preemption");
    assert!(!one.violations.is_empty());
}

/// The (scenario, workload, variant) pairs expected to break.
fn breaking_pairs() -> Vec<Pair> {
    CATALOG
        .iter()
        .flat_map(|s| s.pairs())
        .filter(|p| p.expectation.expected == Expected::Breaks)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn shrinking_keeps_the_violation_and_never_grows(pick in any::<prop::sample::Index>(), start in 0u64..1_000_000) {
        let pairs = breaking_pairs();
        let mut sim: Box<dyn Simulation> = pairs[pick.index(pairs.len())].runner();
        let found = raceway_sim::search::first_violation(sim.as_mut(), &mut Seeds::random(start..start + 5000)).unwrap();
        let Some(found) = found else { return Ok(()) };
        let original = sim.run(&mut Replay::new(found.schedule.clone()), false).unwrap();
        let shrunk = shrink(sim.as_mut(), &found.schedule, &found.violation).expect("the schedule fails");
        prop_assert_eq!(&shrunk.violation.invariant, &found.violation.invariant);
        prop_assert!((shrunk.steps, shrunk.preemptions) <= (original.steps, original.preemptions));
        // The result replays strictly, to the same violation.
        let again = sim.run(&mut Replay::new(shrunk.schedule.clone()), false).unwrap();
        prop_assert_eq!(again.violation.map(|v| v.invariant), Some(found.violation.invariant));
        prop_assert_eq!(again.steps, shrunk.steps);
    }
}
