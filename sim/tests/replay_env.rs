//! `RACEWAY_SCHEDULE` and `RACEWAY_SEED` replay a failure inside `cargo test`, scoped by
//! `RACEWAY_TEST`; a failing check panics at its caller. One test, in its own binary, since the
//! environment and the panic hook are shared by every thread of a process.

mod common;

use common::lost_update;
use raceway_sim::{check, check_random, Footprint, Race, Search};
use std::sync::Mutex;

#[test]
fn environment_variables_replay_one_run() {
    let found = check(lost_update(), Search::Random { runs: 100 }).unwrap_err();
    let seed = found
        .found_by
        .split("RACEWAY_SEED=")
        .nth(1)
        .unwrap()
        .trim_end_matches(')');

    std::env::set_var("RACEWAY_SCHEDULE", found.schedule.to_string());
    let replayed = check(lost_update(), Search::Random { runs: 100 }).unwrap_err();
    assert_eq!(replayed.trace, found.trace);
    assert_eq!(replayed.found_by, "RACEWAY_SCHEDULE");
    // a runs to its end before b starts: no lost update.
    std::env::set_var("RACEWAY_SCHEDULE", "rw1.AA");
    assert!(check(lost_update(), Search::Random { runs: 100 }).is_ok());
    std::env::remove_var("RACEWAY_SCHEDULE");

    std::env::set_var("RACEWAY_SEED", seed);
    let again = check(lost_update(), Search::Random { runs: 100 }).unwrap_err();
    assert_eq!(again.trace, found.trace);
    std::env::set_var("RACEWAY_SEED", "0");
    // Seed 0 alone does not break it, and a passing seed runs once.
    let alone = check(lost_update(), Search::Random { runs: 100 });
    assert!(
        alone.as_ref().is_ok_and(|p| p.schedules == 1) || seed == "0",
        "{alone:?}"
    );
    std::env::remove_var("RACEWAY_SEED");

    // The top seed alone runs that seed (`seed..seed + 1` once overflowed and ran none).
    std::env::set_var("RACEWAY_SEED", u64::MAX.to_string());
    match check(lost_update(), Search::Random { runs: 100 }) {
        Ok(passed) => assert_eq!(passed.schedules, 1),
        Err(failure) => assert!(
            failure
                .found_by
                .contains(&format!("RACEWAY_SEED={}", u64::MAX)),
            "{}",
            failure.found_by
        ),
    }
    std::env::remove_var("RACEWAY_SEED");

    std::env::set_var("RACEWAY_SCHEDULE", "rw9.A");
    let bad = std::panic::catch_unwind(|| check(lost_update(), Search::Random { runs: 1 }));
    std::env::remove_var("RACEWAY_SCHEDULE");
    let message = bad.unwrap_err();
    let message = message.downcast_ref::<String>().unwrap();
    assert!(
        message.contains("RACEWAY_SCHEDULE: schedule format rw9"),
        "{message}"
    );

    scoped_to_the_named_test(&found);
    a_failing_check_panics_at_its_caller();
}

const THIS_TEST: &str = "environment_variables_replay_one_run";

/// With `RACEWAY_TEST` naming another test, the replay variables leave this test's checks
/// alone: a schedule that does not fit is ignored and an exhaustive proof stays complete.
fn scoped_to_the_named_test(found: &raceway_sim::Failure) {
    assert_eq!(std::thread::current().name(), Some(THIS_TEST));
    let hint = found.to_string();
    let line = format!(
        "replay: RACEWAY_TEST={THIS_TEST} RACEWAY_SCHEDULE={} cargo test {THIS_TEST} -- --exact",
        found.schedule
    );
    assert!(hint.ends_with(&line), "{hint}");

    std::env::set_var("RACEWAY_TEST", "some_other_test");
    std::env::set_var("RACEWAY_SCHEDULE", "rw1.AAAAAAAAAAAAAAAAAAAA");
    std::env::set_var("RACEWAY_SEED", "not a number");
    let other = check(lost_update(), Search::Random { runs: 100 }).unwrap_err();
    assert_eq!(other.found_by, found.found_by);
    let proof = check(
        locked(),
        Search::Exhaustive {
            preemptions: None,
            max_schedules: None,
        },
    )
    .unwrap();
    assert!(proof.complete && proof.schedules > 1, "{proof:?}");

    // Named, this test's checks replay it.
    std::env::set_var("RACEWAY_TEST", THIS_TEST);
    std::env::set_var("RACEWAY_SCHEDULE", found.schedule.to_string());
    std::env::remove_var("RACEWAY_SEED");
    let replayed = check(lost_update(), Search::Random { runs: 100 }).unwrap_err();
    assert_eq!(replayed.found_by, "RACEWAY_SCHEDULE");
    std::env::remove_var("RACEWAY_SCHEDULE");
    std::env::remove_var("RACEWAY_TEST");
}

/// Two increments under a mutex: no schedule loses one.
fn locked() -> Race<u32> {
    let increment = |cx: raceway_sim::Cx<u32>| async move {
        let mu = cx.mutex("mu");
        let _held = cx.lock(mu).await;
        let v = cx.step("read n", Footprint::read("n"), |n| *n).await;
        cx.step("write n", Footprint::write("n"), move |n| *n = v + 1)
            .await;
    };
    Race::new(|| 0)
        .mutex("mu")
        .task("a", increment)
        .task("b", increment)
}

static PANICKED_AT: Mutex<Option<String>> = Mutex::new(None);

/// `check_random`'s panic names this file, where the failing check was called.
fn a_failing_check_panics_at_its_caller() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        if let Some(at) = info.location() {
            *PANICKED_AT.lock().unwrap() = Some(at.file().to_string());
        }
    }));
    let failed = std::panic::catch_unwind(|| check_random(lost_update(), 100));
    std::panic::set_hook(previous);
    assert!(failed.is_err());
    let at = PANICKED_AT.lock().unwrap().take();
    assert_eq!(at.as_deref(), Some(file!()));
}
