//! Stateful exploration: configurations reached again are explored once, and nothing found
//! by the stateless search is lost.

use raceway_sim::explore::{explore, Coverage, Exploration, Options};
use raceway_sim::{Cx, Footprint, Invariant, Race};

/// Two tasks write the same value, then read it: the writes conflict by footprint, so sleep
/// sets must try both orders, but both orders reach the same configuration.
fn same_writes() -> Race<u32> {
    let task = |cx: Cx<u32>| async move {
        cx.step("write x = 1", Footprint::write("x"), |x| *x = 1)
            .await;
        cx.step("read x", Footprint::read("x"), |x| *x).await;
    };
    Race::new(|| 0)
        .task("a", task)
        .task("b", task)
        .task("c", task)
        .invariant(Invariant::safety("x-is-0-or-1", |x| {
            if *x <= 1 {
                Ok(())
            } else {
                Err(format!("x is {x}"))
            }
        }))
}

/// The lost update: two increments, each a read then a write.
fn counter() -> Race<u32> {
    let increment = |cx: Cx<u32>| async move {
        let v = cx.step("read n", Footprint::read("n"), |n| *n).await;
        cx.step("write n", Footprint::write("n"), move |n| *n = v + 1)
            .await;
    };
    Race::new(|| 0)
        .task("a", increment)
        .task("b", increment)
        .task("c", increment)
        .invariant(Invariant::convergence("no-lost-update", |n| {
            if *n == 3 {
                Ok(())
            } else {
                Err(format!("n is {n}"))
            }
        }))
}

fn all(race: Race<u32>, states: bool) -> Exploration {
    let mut runner = raceway_sim::Runner::new(race);
    let options = Options {
        states,
        all: true,
        ..Options::default()
    };
    explore(&mut runner, &options).unwrap()
}

#[test]
fn a_configuration_reached_again_is_explored_once() {
    let stateless = all(same_writes().hashed(), false);
    let stateful = all(same_writes().hashed(), true);
    assert!(!stateless.stateful && stateful.stateful);
    assert_eq!(stateless.coverage(), Some(Coverage::Complete));
    assert_eq!(stateful.coverage(), Some(Coverage::Complete));
    assert!(
        stateful.schedules < stateless.schedules,
        "{} vs {}",
        stateful.schedules,
        stateless.schedules
    );
    // Pinned, stateright-style: a change in what exploration visits fails here.
    assert_eq!(
        (stateless.schedules, stateful.schedules, stateful.states),
        (36, 9, 20)
    );
}

#[test]
fn a_model_without_a_fingerprint_is_explored_statelessly() {
    let found = all(same_writes(), true);
    assert!(!found.stateful);
    assert_eq!((found.schedules, found.states), (36, 0));
}

#[test]
fn state_caching_keeps_every_violation_and_its_shortest_run() {
    let stateless = all(counter().hashed(), false);
    let stateful = all(counter().hashed(), true);
    assert!(stateful.schedules <= stateless.schedules);
    assert_eq!(stateless.violations.len(), 1);
    assert_eq!(stateful.violations.len(), 1);
    let (a, b) = (&stateless.violations[0], &stateful.violations[0]);
    assert_eq!(a.violation.invariant, b.violation.invariant);
    assert_eq!(a.steps, b.steps);
}

/// A cache fill declared as touching only `db`: its write of `cache` is hidden from the
/// reduction, which then lets a delete of `cache` sleep across it.
fn wrong_footprint() -> Race<(u32, Option<u32>)> {
    Race::new(|| (1, None))
        .task("reader", |cx: Cx<(u32, Option<u32>)>| async move {
            let v = cx.step("db.read", Footprint::read("db"), |s| s.0).await;
            cx.step("cache.fill", Footprint::read("db"), move |s| s.1 = Some(v))
                .await;
        })
        .task("writer", |cx: Cx<(u32, Option<u32>)>| async move {
            cx.step("db.write", Footprint::write("db"), |s| s.0 = 2)
                .await;
            cx.step("cache.delete", Footprint::write("cache"), |s| s.1 = None)
                .await;
        })
        .hashed()
}

#[test]
fn the_audit_catches_a_wrong_footprint() {
    let options = Options {
        all: true,
        audit: true,
        ..Options::default()
    };
    let found = explore(&mut raceway_sim::Runner::new(wrong_footprint()), &options).unwrap();
    let failure = found
        .audit
        .unwrap()
        .failure
        .expect("the wrong footprint is caught");
    let text = failure.to_string();
    assert!(
        text.contains("reader `cache.fill` [R db]")
            && text.contains("writer `cache.delete` [W cache]"),
        "{text}"
    );
}

#[test]
fn right_footprints_pass_the_audit() {
    let options = Options {
        all: true,
        audit: true,
        ..Options::default()
    };
    let found = explore(
        &mut raceway_sim::Runner::new(same_writes().hashed()),
        &options,
    )
    .unwrap();
    let audit = found.audit.unwrap();
    assert_eq!(audit.failure, None);
    assert!(audit.checked > 0);
}

/// The library's audited check fails a test on a wrong footprint, naming both steps.
#[test]
#[should_panic(expected = "reader `cache.fill` [R db]")]
fn check_audited_fails_on_a_wrong_footprint() {
    raceway_sim::check_audited(wrong_footprint());
}

/// With right footprints it passes, as a complete exploration.
#[test]
fn check_audited_passes_right_footprints() {
    let passed = raceway_sim::check_audited(same_writes().hashed());
    assert!(passed.complete);
    assert_eq!(passed.schedules, 9);
}

/// Without a fingerprint the audit cannot see every independence: it says so.
#[test]
#[should_panic(expected = "needs a model that fingerprints its state")]
fn check_audited_needs_a_fingerprint() {
    raceway_sim::check_audited(same_writes());
}

/// A library model split across threads: the same exploration at any `jobs`.
#[test]
fn a_split_exploration_is_the_same_at_any_jobs() {
    let make = || -> Box<dyn raceway_sim::Simulation> {
        Box::new(raceway_sim::Runner::new(counter().hashed()))
    };
    let options = Options {
        all: true,
        ..Options::default()
    };
    let one = raceway_sim::split::explore(&make, &options, 1, &|_| {}).unwrap();
    let two = raceway_sim::split::explore(&make, &options, 2, &|_| {}).unwrap();
    assert_eq!(one, two);
    assert!(one.complete && !one.violations.is_empty());
    let whole = all(counter().hashed(), true);
    assert_eq!(one.violations, whole.violations);
}
