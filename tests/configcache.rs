//! The `configcache` scenario: the seed report's trace, its proposed fix judged, and sweeps
//! against the expected verdicts.

use raceway_scenarios::configcache::{ConfigCache, Variant, Workload};
use raceway_scenarios::testing::{named_trace, runner};
use raceway_sim::strategy::Script;
use raceway_sim::strategy::ScriptStep::{Pick, Task};
use raceway_sim::Simulation;

#[test]
fn seed_schedule_reproduces_the_report() {
    let trace = named_trace::<ConfigCache>("seed", Variant::InvalidateBefore);
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
    let trace = named_trace::<ConfigCache>("seed", Variant::InvalidateAfter);
    assert_eq!(trace.violation, None);
    insta::assert_snapshot!("configcache_seed_invalidate_after", trace.render());
}

/// ...but a reader that reads the row before the write and fills the cache after the
/// invalidation still leaves c1 cached for the TTL: the seed report's fix is no fix.
#[test]
fn stale_fill_breaks_the_seed_reports_fix() {
    let trace = named_trace::<ConfigCache>("stale-fill", Variant::InvalidateAfter);
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
    let trace = named_trace::<ConfigCache>("stale-fill", Variant::Versioned);
    assert_eq!(trace.violation, None);
    insta::assert_snapshot!("configcache_stale_fill_versioned", trace.render());
}

/// The second delete comes 1 s too late for another reader.
#[test]
fn delete_window_breaks_double_delete() {
    let trace = named_trace::<ConfigCache>("delete-window", Variant::DoubleDelete);
    let violation = trace.violation.as_ref().expect("a violation");
    assert_eq!(violation.invariant, "read-your-writes");
    insta::assert_snapshot!("configcache_delete_window_double_delete", trace.render());
}

/// The seed report's worry about a failed write, on loggingStore's order: the cache is
/// invalidated, the write fails, a reader puts c1 back. c1 is the row's value, so nothing
/// breaks.
#[test]
fn failed_write_refill_is_not_stale() {
    let mut sim = runner::<ConfigCache>(Workload::FailedWrite, Variant::InvalidateBefore);
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
