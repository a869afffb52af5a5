//! The `wlog` scenario: the seed report's trace, on the buggy code and on the fix.

use raceway_scenarios::testing::named_trace;
use raceway_scenarios::wlog::{Variant, Wlog};

#[test]
fn seed_schedule_reproduces_the_report() {
    let trace = named_trace::<Wlog>("seed", Variant::Buggy);
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
    let trace = named_trace::<Wlog>("seed", Variant::Merged);
    assert_eq!(trace.violation, None);
    insta::assert_snapshot!("wlog_seed_merged", trace.render());
}
