//! The `kvqueue` scenario: the seed report's trace, the self-heal's repair of it, the POST the
//! self-heal loses, and sweeps against the expected verdicts.

use raceway_scenarios::kvqueue::{KvQueue, Variant};
use raceway_scenarios::testing::named_trace;

/// One message's way through the bot, as the seed tells it: claim, process, complete, whose
/// aggregate put fails.
fn claim_process_complete(m: &'static str) -> Vec<(&'static str, String)> {
    [
        format!("kv.get(comment:{m})"),
        format!("kv.put(comment:{m}, processing)"),
        "kv.get(recent:comments)".to_string(),
        "kv.put(recent:comments)".to_string(),
        "sleep(2s)".to_string(),
        format!("kv.get(comment:{m})"),
        format!("kv.put(comment:{m}, complete)"),
        "kv.get(recent:comments)".to_string(),
        "kv.put(recent:comments)".to_string(),
    ]
    .into_iter()
    .map(|l| ("bot", l))
    .collect()
}

#[test]
fn seed_schedule_reproduces_the_report() {
    let trace = named_trace::<KvQueue>("seed", Variant::Buggy);
    let steps: Vec<(&str, String)> = trace
        .step_labels()
        .into_iter()
        .map(|(t, l)| (t, l.to_string()))
        .collect();
    let poll: Vec<(&str, String)> = [
        "recent:comments",
        "comment:m1",
        "comment:m2",
        "comment:m3",
        "comment:m4",
    ]
    .iter()
    .map(|k| ("bot", format!("kv.get({k})")))
    .collect();
    let mut expected = poll.clone();
    for m in ["m1", "m2", "m3", "m4"] {
        expected.extend(claim_process_complete(m));
    }
    expected.push(("bot", "sleep(3s)".to_string()));
    expected.extend(poll);
    assert_eq!(&steps[..expected.len()], &expected[..]);
    let text = trace.render();
    assert_eq!(text.matches("? kv.put fails: 1 of 2").count(), 4);
    // The first poll verifies four pending messages; every poll after the completes verifies
    // four complete ones, as the seed's bot logged.
    assert_eq!(text.matches("· [KVr:5 KVw:0]").count(), 4);
    insta::assert_snapshot!("kvqueue_seed_buggy", text);
}

#[test]
fn seed_schedule_heals_in_one_poll() {
    let trace = named_trace::<KvQueue>("seed", Variant::SelfHeal);
    assert_eq!(trace.violation, None);
    let text = trace.render();
    assert_eq!(text.matches("· [KVr:5 KVw:1]").count(), 1);
    assert!(text.ends_with("· [KVr:1 KVw:0]\n✓ no violation in 52 steps\nschedule: rw1.ABABABAB\n"));
    insta::assert_snapshot!("kvqueue_seed_self_heal", text);
}

#[test]
fn self_heal_drops_a_post() {
    let trace = named_trace::<KvQueue>("heal-drops-post", Variant::SelfHeal);
    let v = trace.violation.as_ref().expect("a violation");
    assert_eq!(v.invariant, "aggregate-converges");
    insta::assert_snapshot!("kvqueue_heal_drops_post", trace.render());
}
