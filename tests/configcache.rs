//! The `configcache` scenario: the seed report's trace, its proposed fix judged, and sweeps
//! against the expected verdicts.

use raceway_scenarios::configcache::SCENARIO;
use raceway_scenarios::testing::{disagreements, named_trace, well_formed};
use raceway_sim::strategy::Script;
use raceway_sim::strategy::ScriptStep::{Pick, Task};

#[test]
fn catalog_entry_is_well_formed() {
    assert_eq!(well_formed(&SCENARIO), Vec::<String>::new());
}

#[test]
fn seed_schedule_reproduces_the_report() {
    let trace = named_trace(&SCENARIO, "seed", "invalidate-before");
    assert_eq!(
        trace.step_labels(),
        &[
            ("admin", "invalidateCache(g)"),
            ("reader", "cache.get(g)"),
            ("reader", "db SELECT guild_config(g)"),
            ("reader", "cache.set(g, c1)"),
            ("admin", "db UPSERT guild_config(g, c2)"),
            ("reader", "sleep(5s)"),
            ("reader", "cache.get(g)"),
        ]
    );
    insta::assert_snapshot!("configcache_seed_invalidate_before", trace.render());
}

/// The seed's own interleaving no longer breaks once the write comes first...
#[test]
fn seed_schedule_holds_on_invalidate_after() {
    let trace = named_trace(&SCENARIO, "seed", "invalidate-after");
    assert_eq!(trace.violation, None);
    insta::assert_snapshot!("configcache_seed_invalidate_after", trace.render());
}

/// ...but a reader that reads the row before the write and fills the cache after the
/// invalidation still leaves c1 cached for the TTL: the seed report's fix is no fix.
#[test]
fn stale_fill_breaks_the_seed_reports_fix() {
    let trace = named_trace(&SCENARIO, "stale-fill", "invalidate-after");
    assert_eq!(
        trace.step_labels(),
        &[
            ("reader", "cache.get(g)"),
            ("reader", "db SELECT guild_config(g)"),
            ("admin", "db UPSERT guild_config(g, c2)"),
            ("admin", "invalidateCache(g)"),
            ("reader", "cache.set(g, c1)"),
            ("reader", "sleep(5s)"),
            ("reader", "cache.get(g)"),
        ]
    );
    let violation = trace.violation.as_ref().expect("a violation");
    assert_eq!(violation.invariant, "read-your-writes");
    insta::assert_snapshot!("configcache_stale_fill_invalidate_after", trace.render());
}

/// The generation refuses the stale fill.
#[test]
fn stale_fill_holds_on_versioned() {
    let trace = named_trace(&SCENARIO, "stale-fill", "versioned");
    assert_eq!(trace.violation, None);
    insta::assert_snapshot!("configcache_stale_fill_versioned", trace.render());
}

/// The second delete comes 1 s too late for another reader.
#[test]
fn delete_window_breaks_double_delete() {
    let trace = named_trace(&SCENARIO, "delete-window", "double-delete");
    let violation = trace.violation.as_ref().expect("a violation");
    assert_eq!(violation.invariant, "read-your-writes");
    insta::assert_snapshot!("configcache_delete_window_double_delete", trace.render());
}

/// The seed report's worry about a failed write, on loggingStore's order: the cache is
/// invalidated, the write fails, a reader puts c1 back. c1 is the row's value, so nothing
/// breaks.
#[test]
fn failed_write_refill_is_not_stale() {
    let w = SCENARIO.workload("failed-write").unwrap();
    let v = SCENARIO.variant("invalidate-before").unwrap();
    let mut sim = SCENARIO.runner(w, v);
    let script = [
        Task("reader"),
        Task("admin"),
        Pick(1),
        Task("admin"),
        Task("reader"),
        Task("reader"),
        Task("reader"),
        Task("reader"),
    ];
    let verdict = sim.run(&mut Script::new(script), true).unwrap();
    assert_eq!(verdict.violation, None);
    insta::assert_snapshot!(
        "configcache_failed_write_invalidate_before",
        sim.trace().render()
    );
}

#[test]
fn sweeps_agree_with_expectations() {
    // writers/double-delete needs PCT depth 3 and its first breaking seed is in the hundreds.
    assert_eq!(disagreements(&SCENARIO, 2000), Vec::<String>::new());
}
