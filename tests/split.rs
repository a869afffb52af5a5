//! Exploration split by schedule prefix (`explore --jobs`): the same result at any number of
//! threads, and without state caching exactly the unsplit search.

use raceway_scenarios::{find, Pair, CATALOG};
use raceway_sim::explore::{explore, Options};
use raceway_sim::split;

fn pair(scenario: &str, w: &str, v: &str) -> Pair {
    find(scenario).unwrap().pair(w, v).unwrap()
}

/// Verdict, counts, violations and their shortest schedules: identical at 1, 2 and 3 threads,
/// on a pair of each scenario (holding and breaking), with and without collecting every
/// violation, and where the budget runs out inside a part.
#[test]
fn a_split_search_is_the_same_at_any_jobs() {
    let pairs = [
        pair("wlog", "records", "epoch"),
        pair("wlog", "fork-evict", "buggy"),
        pair("jetstream", "two-stores", "conditional-append"),
        pair("kvqueue", "two-completes", "self-heal"),
        pair("configcache", "writers", "invalidate-after"),
        pair("gencache", "path-a", "strict-del"),
    ];
    for p in pairs {
        let make = || p.runner();
        for (all, budget) in [(true, None), (false, None), (true, Some(50))] {
            let options = Options {
                all,
                max_schedules: budget,
                ..Options::default()
            };
            let one = split::explore(&make, &options, 1, &|_| {}).unwrap();
            for jobs in [2, 3] {
                let many = split::explore(&make, &options, jobs, &|_| {}).unwrap();
                assert_eq!(one, many, "{p}, all {all}, budget {budget:?}, {jobs} jobs");
            }
            if let Some(b) = budget {
                assert!(one.schedules <= b, "{p}: {} schedules", one.schedules);
            }
        }
    }
}

/// Without state caching the parts run exactly the unsplit search's schedules, so the split
/// loses nothing: same counts and violations on every pair that fits the budget, each
/// reduction.
#[test]
fn without_state_caching_the_parts_are_the_whole_search() {
    let mut compared = 0;
    for p in CATALOG.iter().flat_map(|s| s.pairs()) {
        for reduction in [true, false] {
            let options = Options {
                reduction,
                states: false,
                all: true,
                max_schedules: Some(5_000),
                ..Options::default()
            };
            let whole = explore(p.runner().as_mut(), &options).unwrap();
            if !whole.complete {
                continue;
            }
            let parts = split::explore(&|| p.runner(), &options, 2, &|_| {}).unwrap();
            assert_eq!(whole, parts, "{p}, reduction {reduction}");
            compared += 1;
        }
    }
    assert!(compared >= 80, "only {compared} searches compared");
}

/// With state caching each wave's parts share only what earlier waves explored: the counts
/// differ from the unsplit search's, the verdict and the distinct violations (each at its
/// shortest) do not.
#[test]
fn a_stateful_split_keeps_the_verdict() {
    for p in CATALOG.iter().flat_map(|s| s.pairs()) {
        let options = Options {
            all: true,
            max_schedules: Some(5_000),
            ..Options::default()
        };
        let whole = explore(p.runner().as_mut(), &options).unwrap();
        let parts = split::explore(&|| p.runner(), &options, 2, &|_| {}).unwrap();
        if !(whole.complete && parts.complete) {
            continue;
        }
        let kinds = |e: &raceway_sim::explore::Exploration| {
            let mut k: Vec<_> = e
                .violations
                .iter()
                .map(|d| (d.violation.invariant.to_string(), d.steps))
                .collect();
            k.sort();
            k
        };
        assert_eq!(kinds(&whole), kinds(&parts), "{p}");
        assert_eq!(whole.proves(), parts.proves(), "{p}");
    }
}
