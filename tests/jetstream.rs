//! The `jetstream` scenario: the seed report's trace, the other named races, and sweeps against
//! the expected verdicts.

use raceway_scenarios::jetstream::{Jetstream, Variant};
use raceway_scenarios::testing::{named, named_trace, runner};
use raceway_sim::strategy::Script;
use raceway_sim::Kind;
use raceway_sim::Simulation;

#[test]
fn seed_schedule_reproduces_the_report() {
    let trace = named_trace::<Jetstream>("seed", Variant::UnlockedSet);
    assert_eq!(
        trace.step_labels(),
        &[
            ("getter", "js.FetchLatest(a)"),
            ("saver", "lock(store1.mu)"),
            ("saver", "versions[a]"),
            ("saver", "js.Publish(a@3)"),
            ("saver", "versions[a] = 3"),
            ("getter", "lock(store1.mu)"),
            ("getter", "versions[a] = 2"),
            ("saver", "lock(store1.mu)"),
            ("saver", "versions[a]"),
            ("saver", "js.Publish(a@3)"),
        ]
    );
    let v = trace
        .violation
        .as_ref()
        .expect("the seed breaks unlocked-set");
    assert_eq!((v.kind, &*v.invariant), (Kind::Safety, "versions-increase"));
    insta::assert_snapshot!("jetstream_seed_unlocked_set", trace.render());
}

/// The merged fix takes `mu` before fetching, so the seed's interleaving cannot happen: the
/// saver cannot lock while the getter holds `mu` between its fetch and its set.
#[test]
fn seed_schedule_is_impossible_on_the_fix() {
    let seed = named::<Jetstream>("seed");
    let diverged = runner::<Jetstream>(seed.workload, Variant::Merged)
        .run(&mut Script::new(seed.script), false)
        .expect_err("the seed's order needs the unlocked fetch");
    assert_eq!(
        diverged.0,
        "script step 2: task `saver` cannot step now (can: getter)"
    );
}

#[test]
fn named_races_break_each_invariant_kind() {
    for (named, variant, kind, invariant) in [
        (
            "external-between",
            Variant::Merged,
            Kind::Safety,
            "versions-increase",
        ),
        (
            "never-refreshed",
            Variant::NoInvalidation,
            Kind::Convergence,
            "cache-converges",
        ),
        (
            "not-repopulated",
            Variant::PrCommit1,
            Kind::Cost,
            "cache-repopulated",
        ),
    ] {
        let trace = named_trace::<Jetstream>(named, variant);
        let v = trace.violation.as_ref().expect(named);
        assert_eq!((v.kind, &*v.invariant), (kind, invariant), "{named}");
        insta::assert_snapshot!(format!("jetstream_{named}"), trace.render());
    }
}

/// `conditional-append` survives the external writer's race that breaks `merged`: its
/// `publishExpect` fails, the store refreshes its entry and returns a conflict.
#[test]
fn external_race_holds_on_conditional_append() {
    let trace = named_trace::<Jetstream>("external-between", Variant::ConditionalAppend);
    assert_eq!(trace.violation, None);
    insta::assert_snapshot!(
        "jetstream_external-between_conditional_append",
        trace.render()
    );
}
