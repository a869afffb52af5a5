//! The `wlog` scenario: the seed report's trace, and sweeps against the expected verdicts.

use raceway_scenarios::testing::{disagreements, named_trace, well_formed};
use raceway_scenarios::wlog::SCENARIO;

#[test]
fn catalog_entry_is_well_formed() {
    assert_eq!(well_formed(&SCENARIO), Vec::<String>::new());
}

#[test]
fn seed_schedule_reproduces_the_report() {
    let trace = named_trace(&SCENARIO, "seed", "buggy");
    let steps = trace.step_labels();
    assert_eq!(
        &steps[..5],
        &[
            ("projector", "cache.HasGet(k)"),
            ("projector", "storage.Get(k)"),
            ("putwlog", "storage.InsertIfNotExists(k, v)"),
            ("putwlog", "cache.Set(k, Val(v))"),
            ("projector", "cache.Set(k, Miss)"),
        ]
    );
    insta::assert_snapshot!("wlog_seed_buggy", trace.render());
}

#[test]
fn seed_schedule_holds_on_the_fix() {
    let trace = named_trace(&SCENARIO, "seed", "merged");
    assert_eq!(trace.violation, None);
    insta::assert_snapshot!("wlog_seed_merged", trace.render());
}

#[test]
fn sweeps_agree_with_expectations() {
    assert_eq!(disagreements(&SCENARIO, 2000), Vec::<String>::new());
}
