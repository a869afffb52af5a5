//! Every scenario of the catalog, in one loop: its entry is well formed, its named schedules
//! break the invariants they name, and sweeps agree with every pair's expected verdict. Each
//! scenario's own seed snapshots and specific cases are in `tests/<scenario>.rs`.

use raceway_scenarios::testing::{disagreements, well_formed};
use raceway_scenarios::CATALOG;

#[test]
fn every_entry_is_well_formed_and_its_named_schedules_break_what_they_name() {
    let wrong: Vec<String> = CATALOG.iter().flat_map(|&s| well_formed(s)).collect();
    assert_eq!(wrong, Vec::<String>::new());
}

#[test]
fn every_named_schedule_has_a_scenario_of_its_own_to_break() {
    // A named schedule names its pair by enum values; seen by name, each is a real pair.
    for &s in CATALOG {
        for n in s.named_schedules() {
            s.pair(n.workload, n.variant).unwrap();
        }
    }
}

/// 2000 random and 2000 PCT seeds on every pair of every scenario (writers/double-delete of
/// configcache needs PCT depth 3, and its first breaking seed is in the hundreds).
#[test]
fn sweeps_agree_with_every_expectation() {
    let wrong: Vec<String> = CATALOG
        .iter()
        .flat_map(|s| s.pairs())
        .flat_map(|p| disagreements(p, 2000))
        .collect();
    assert_eq!(wrong, Vec::<String>::new());
}
