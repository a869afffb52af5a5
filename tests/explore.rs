//! Exhaustive exploration and shrinking over the catalog.

use proptest::prelude::*;
use raceway_scenarios::{Expected, CATALOG};
use raceway_sim::explore::{explore, explore_with, Options};
use raceway_sim::shrink::shrink;
use raceway_sim::strategy::{Random, Replay, Script};
use raceway_sim::{Kind, Simulation};
use std::collections::BTreeSet;

/// A budget that keeps the whole file fast in debug; searches beyond it are skipped where
/// completeness matters, and said so.
const BUDGET: u64 = 20_000;

#[test]
fn exploration_visits_each_seed_interleaving() {
    for scenario in CATALOG {
        for named in scenario.named {
            let (w, v) = (
                scenario.workload(named.workload).unwrap(),
                scenario.variant(named.variant).unwrap(),
            );
            let mut sim = scenario.runner(w, v);
            let seed = sim.run(&mut Script::new(named.script), false).unwrap();
            let seed_schedule = sim.schedule().clone();
            // Every order within the seed's preemptions, with no reduction, holds the seed's own.
            let options = Options {
                reduction: false,
                states: false,
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
                scenario.name, named.name
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
                scenario.name,
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

/// Each reduction (sleep sets; sleep sets and state caching) against the plain search, on every
/// pair small enough for the plain search to finish: the same distinct violations, never more
/// schedules, and every complete reduced search agrees with the pair's expectation.
#[test]
fn every_reduction_finds_the_same_violations_and_agrees_with_expectations() {
    let mut compared = 0;
    for scenario in CATALOG {
        for w in 0..scenario.workloads.len() {
            for v in 0..scenario.variants.len() {
                let mut sim = scenario.runner(w, v);
                let mut all = |reduction, states| {
                    let options = Options {
                        reduction,
                        states,
                        max_schedules: Some(BUDGET),
                        all: true,
                        ..Options::default()
                    };
                    explore(sim.as_mut(), &options).unwrap()
                };
                let full = all(false, false);
                let reduced = [all(true, false), all(true, true)];
                let pair = format!(
                    "{} {}/{}",
                    scenario.name, scenario.workloads[w].name, scenario.variants[v].name
                );
                for (reduced, how) in reduced.iter().zip(["sleep sets", "stateful"]) {
                    assert!(
                        reduced.schedules <= full.schedules || !full.complete,
                        "{pair}: {how} explored more"
                    );
                    if reduced.complete && full.complete {
                        assert_eq!(kinds(reduced), kinds(&full), "{pair}, {how}");
                        compared += 1;
                    }
                    if reduced.complete {
                        let expected = scenario.expectation(w, v).expected;
                        assert_eq!(
                            reduced.violations.is_empty(),
                            expected == Expected::Holds,
                            "{pair}, {how}: {:?}",
                            kinds(reduced)
                        );
                    }
                }
            }
        }
    }
    assert!(
        compared >= 48,
        "only {compared} searches were small enough to compare"
    );
}

/// Under a preemption bound the reduction stays on, and skips nothing the bound lets through:
/// each bound finds what the plain bounded search finds.
#[test]
fn a_bounded_search_keeps_its_reduction_and_its_violations() {
    let mut compared = 0;
    for scenario in CATALOG {
        for w in 0..scenario.workloads.len() {
            for v in 0..scenario.variants.len() {
                let mut sim = scenario.runner(w, v);
                for k in 0..=2 {
                    let mut bounded = |reduction, states| {
                        let options = Options {
                            reduction,
                            states,
                            preemptions: Some(k),
                            max_schedules: Some(BUDGET),
                            all: true,
                        };
                        explore(sim.as_mut(), &options).unwrap()
                    };
                    let plain = bounded(false, false);
                    if !plain.complete {
                        continue;
                    }
                    for reduced in [bounded(true, false), bounded(true, true)] {
                        assert!(reduced.complete && reduced.reduced);
                        assert!(reduced.schedules <= plain.schedules);
                        assert_eq!(
                            kinds(&reduced),
                            kinds(&plain),
                            "{} {}/{} within {k} preemptions",
                            scenario.name,
                            scenario.workloads[w].name,
                            scenario.variants[v].name
                        );
                        compared += 1;
                    }
                }
            }
        }
    }
    assert!(compared >= 100, "only {compared} bounded searches compared");
}

/// stateright-style pinned counts: a change in what exploration visits fails here.
#[test]
fn wlog_exploration_counts_are_pinned() {
    let scenario = raceway_scenarios::find("wlog").unwrap();
    let count = |w: &str, v: &str, reduction: bool| {
        let mut sim = scenario.runner(scenario.workload(w).unwrap(), scenario.variant(v).unwrap());
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
    let mut sim = scenario.runner(
        scenario.workload("records").unwrap(),
        scenario.variant("merged").unwrap(),
    );
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
    assert!(none.complete && one.complete && none.reduced);
    assert_eq!((none.bound, one.bound), (Some(0), Some(1)));
    assert!(none.schedules < one.schedules);
    assert!(none.violations.is_empty(), "the race needs a preemption");
    assert!(!one.violations.is_empty());
}

/// The (scenario, workload, variant) pairs expected to break.
fn breaking_pairs() -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    for (s, scenario) in CATALOG.iter().enumerate() {
        for e in scenario
            .expectations
            .iter()
            .filter(|e| e.expected == Expected::Breaks)
        {
            out.push((
                s,
                scenario.workload(e.workload).unwrap(),
                scenario.variant(e.variant).unwrap(),
            ));
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn shrinking_keeps_the_violation_and_never_grows(pick in any::<prop::sample::Index>(), start in 0u64..1_000_000) {
        let pairs = breaking_pairs();
        let (s, w, v) = pairs[pick.index(pairs.len())];
        let mut sim: Box<dyn Simulation> = CATALOG[s].runner(w, v);
        let found = raceway_sim::search::first_violation(sim.as_mut(), start..start + 5000, Random::new);
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
