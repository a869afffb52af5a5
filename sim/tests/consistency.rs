//! The consistency checkers on hand-made histories with known verdicts: the literature's
//! classic examples, one per distinction between the models.

use raceway_sim::consistency::{
    check, check_linearizable, check_sequential, check_sequential_within, Consistency, Detail,
    Event, EventKind, History, KvMap, Op, Register, Value,
};
use Consistency::*;

/// A history from lines `process type f [key] [value]`: `0 invoke write x 1`,
/// `0 ok read x 1`, `1 info cas x 1,2`, `2 ok read nil` (no key: the one register).
fn history(text: &str) -> History {
    let events = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let kind = match words[1] {
                "invoke" => EventKind::Invoke,
                "ok" => EventKind::Ok,
                "fail" => EventKind::Fail,
                "info" => EventKind::Info,
                other => panic!("type {other}"),
            };
            let op = match words[2] {
                "read" => Op::Read,
                "write" => Op::Write,
                "cas" => Op::Cas,
                "delete" => Op::Delete,
                other => panic!("f {other}"),
            };
            let (key, value) = match &words[3..] {
                [] => (None, None),
                [v] if v.parse::<i64>().is_ok() || v.contains(',') || *v == "nil" => {
                    (None, Some(*v))
                }
                [k] => (Some(*k), None),
                [k, v] => (Some(*k), Some(*v)),
                _ => panic!("{line}"),
            };
            let value = value.map_or(Value::Nil, parse_value);
            Event {
                process: words[0].parse().unwrap(),
                kind,
                op,
                key: key.map(Value::text),
                value,
                time: None,
            }
        });
    History::from_events(events).unwrap()
}

fn parse_value(v: &str) -> Value {
    match v.split_once(',') {
        Some((a, b)) => Value::cas(parse_value(a), parse_value(b)),
        None if v == "nil" => Value::Nil,
        None => Value::Int(v.parse().unwrap()),
    }
}

/// The models that hold on `text` (key-value map specification).
fn holding(text: &str) -> Vec<Consistency> {
    let ops = history(text).operations();
    Consistency::ALL
        .into_iter()
        .filter(|&m| check(&KvMap, &ops, m).holds())
        .collect()
}

#[test]
fn a_sequential_history_satisfies_every_model() {
    let h = "0 invoke write x 1\n 0 ok write x 1\n 1 invoke read x\n 1 ok read x 1\n \
             1 invoke write x 2\n 1 ok write x 2\n 0 invoke read x\n 0 ok read x 2";
    assert_eq!(holding(h), Consistency::ALL);
}

#[test]
fn a_stale_read_after_a_completed_write_is_sequentially_consistent_only() {
    // p0 writes 1 then 2, both return; then p1 reads 1.
    let h = "0 invoke write x 1\n 0 ok write x 1\n 0 invoke write x 2\n 0 ok write x 2\n \
             1 invoke read x\n 1 ok read x 1";
    let ops = history(h).operations();
    let lin = check(&KvMap, &ops, Linearizable);
    let c = lin
        .counterexample
        .expect("a stale read is not linearizable");
    // All three are needed: without the write of 1 the read observes nothing written.
    assert_eq!(c.ops.len(), 3, "{c}");
    assert_eq!(c.why, "no linearization of the operations on key \"x\"");
    // The longest linearizable prefix: both writes; the read cannot follow them.
    assert_eq!(c.order, vec![0, 1]);
    assert_eq!(c.stuck, Some(2));
    assert_eq!(
        holding(h),
        [
            Sequential,
            ReadYourWrites,
            MonotonicReads,
            MonotonicWrites,
            WritesFollowReads,
            Eventual
        ]
    );
}

#[test]
fn a_read_that_sees_a_write_before_it_was_invoked_is_not_linearizable() {
    let h = "1 invoke read x\n 1 ok read x 1\n 0 invoke write x 1\n 0 ok write x 1";
    let held = holding(h);
    assert!(!held.contains(&Linearizable), "{held:?}");
    assert!(held.contains(&Sequential), "{held:?}");
}

#[test]
fn concurrent_writes_read_in_different_orders_by_two_clients_are_not_sequential() {
    // p0 and p1 write concurrently; p2 sees 1 then 2, p3 sees 2 then 1.
    let h = "0 invoke write x 1\n 1 invoke write x 2\n 0 ok write x 1\n 1 ok write x 2\n \
             2 invoke read x\n 2 ok read x 1\n 3 invoke read x\n 3 ok read x 2\n \
             2 invoke read x\n 2 ok read x 2\n 3 invoke read x\n 3 ok read x 1";
    let held = holding(h);
    assert!(!held.contains(&Linearizable) && !held.contains(&Sequential));
    // Each client's reads move forward in its own view, but no one order of the two writes
    // serves both: monotonic reads breaks under one arbitration order per key.
    assert!(!held.contains(&MonotonicReads), "{held:?}");
    assert!(held.contains(&ReadYourWrites), "{held:?}");
}

#[test]
fn concurrent_writes_read_in_one_order_after_both_returned_are_sequential_only() {
    let h = "0 invoke write x 1\n 1 invoke write x 2\n 0 ok write x 1\n 1 ok write x 2\n \
             2 invoke read x\n 2 ok read x 1\n 3 invoke read x\n 3 ok read x 1\n \
             2 invoke read x\n 2 ok read x 2\n 3 invoke read x\n 3 ok read x 2";
    let held = holding(h);
    assert!(!held.contains(&Linearizable), "{held:?}");
    assert!(held.contains(&Sequential), "{held:?}");
    assert!(held.contains(&Eventual), "{held:?}");
}

#[test]
fn reading_the_initial_value_after_ones_own_write_breaks_read_your_writes() {
    let h = "0 invoke write x 1\n 0 ok write x 1\n 0 invoke read x\n 0 ok read x nil";
    assert_eq!(
        holding(h),
        [MonotonicReads, MonotonicWrites, WritesFollowReads, Eventual]
    );
}

#[test]
fn reading_a_later_write_of_another_client_keeps_read_your_writes_but_not_linearizability() {
    // p1's write of 2 returned before p0 wrote 1; p0 then reads 2.
    let h = "1 invoke write x 2\n 1 ok write x 2\n 0 invoke write x 1\n 0 ok write x 1\n \
             0 invoke read x\n 0 ok read x 2";
    let held = holding(h);
    assert!(!held.contains(&Linearizable), "{held:?}");
    assert!(
        held.contains(&Sequential) && held.contains(&ReadYourWrites),
        "{held:?}"
    );
}

#[test]
fn two_clients_each_reading_the_others_write_after_their_own_break_read_your_writes() {
    // p0 writes 1 then reads 2; p1 writes 2 then reads 1: the two reads need opposite orders.
    let h = "0 invoke write x 1\n 1 invoke write x 2\n 0 ok write x 1\n 1 ok write x 2\n \
             0 invoke read x\n 1 invoke read x\n 0 ok read x 2\n 1 ok read x 1";
    let held = holding(h);
    assert!(!held.contains(&ReadYourWrites), "{held:?}");
    assert!(held.contains(&MonotonicReads), "{held:?}");
}

#[test]
fn reading_a_writers_writes_out_of_order_breaks_monotonic_writes() {
    // p1 writes 1 then 2; p0 reads 2, then 1. Monotonic reads alone allows it: replicas may
    // order 2 before 1, unless monotonic writes forbids that.
    let h = "1 invoke write x 1\n 1 ok write x 1\n 1 invoke write x 2\n 1 ok write x 2\n \
             0 invoke read x\n 0 ok read x 2\n 0 invoke read x\n 0 ok read x 1";
    let held = holding(h);
    assert!(!held.contains(&MonotonicWrites), "{held:?}");
    assert!(held.contains(&MonotonicReads), "{held:?}");
    assert!(held.contains(&ReadYourWrites) && held.contains(&WritesFollowReads));
    let ops = history(h).operations();
    let mw = check(&KvMap, &ops, MonotonicWrites).counterexample.unwrap();
    assert_eq!(mw.ops.len(), 4, "{mw}");
}

#[test]
fn reading_a_value_again_after_a_newer_one_breaks_monotonic_reads() {
    // p0 reads 1, then 2, then 1 again: no order of the two writes serves all three reads.
    let h = "1 invoke write x 1\n 2 invoke write x 2\n 1 ok write x 1\n 2 ok write x 2\n \
             0 invoke read x\n 0 ok read x 1\n 0 invoke read x\n 0 ok read x 2\n \
             0 invoke read x\n 0 ok read x 1";
    let held = holding(h);
    assert!(!held.contains(&MonotonicReads), "{held:?}");
    assert!(held.contains(&MonotonicWrites) && held.contains(&ReadYourWrites));
    let c = check(&KvMap, &history(h).operations(), MonotonicReads)
        .counterexample
        .unwrap();
    assert_eq!(c.ops.len(), 5, "{c}");
    assert!(c.why.starts_with("no order of the writes"), "{}", c.why);
}

#[test]
fn a_write_seen_before_what_its_writer_had_read_breaks_writes_follow_reads() {
    // p0 writes 1; p1 reads 1 then writes 2; p2 reads 2 then the initial value.
    let h = "0 invoke write x 1\n 0 ok write x 1\n 1 invoke read x\n 1 ok read x 1\n \
             1 invoke write x 2\n 1 ok write x 2\n 2 invoke read x\n 2 ok read x 2\n \
             2 invoke read x\n 2 ok read x nil";
    let held = holding(h);
    assert!(!held.contains(&WritesFollowReads), "{held:?}");
    assert!(held.contains(&MonotonicWrites) && held.contains(&ReadYourWrites));
    assert!(!held.contains(&MonotonicReads));
}

#[test]
fn a_read_of_a_value_nobody_wrote_breaks_every_model() {
    let h = "0 invoke write x 1\n 0 ok write x 1\n 1 invoke read x\n 1 ok read x 7";
    let held = holding(h);
    assert_eq!(held, []);
}

#[test]
fn disagreeing_reads_at_quiescence_break_eventual_consistency() {
    let h = "0 invoke write x 1\n 1 invoke write x 2\n 0 ok write x 1\n 1 ok write x 2\n \
             2 invoke read x\n 2 ok read x 1\n 3 invoke read x\n 3 ok read x 2";
    let ops = history(h).operations();
    let v = check(&KvMap, &ops, Eventual);
    let c = v.counterexample.expect("the replicas disagree");
    assert!(c.why.contains("disagree"), "{}", c.why);
}

#[test]
fn a_counterexample_keeps_the_write_a_read_saw_not_a_failed_one_of_the_same_value() {
    // p0 swaps in 2 and p2's swap to 2 fails; after x's last write, p2 reads nil and p0
    // reads 2: they disagree. A minimal sub-history must keep p0's swap, which wrote the 2
    // read, not p2's failed one, which wrote nothing.
    let h = "0 invoke cas x nil,2\n 0 ok cas x nil,2\n 2 invoke cas x nil,2\n \
             2 fail cas x nil,2\n 2 invoke read x\n 2 ok read x nil\n 0 invoke read x\n \
             0 ok read x 2";
    let ops = history(h).operations();
    let c = check(&KvMap, &ops, Eventual)
        .counterexample
        .expect("the reads disagree");
    assert!(c.why.contains("disagree"), "{}", c.why);
    assert!(c.ops.iter().any(|o| o.id == 0), "p0's swap stays: {c}");
}

#[test]
fn an_unknown_write_may_take_effect_late_or_never() {
    // p0's write of 1 never returns; p1 reads nil, then 1, then nil is impossible only if
    // the write surely happened.
    let took_effect_late = "0 invoke write x 1\n 0 info write x 1\n 1 invoke read x\n \
                            1 ok read x nil\n 1 invoke read x\n 1 ok read x 1";
    assert!(holding(took_effect_late).contains(&Linearizable));
    let never = "0 invoke write x 1\n 0 info write x 1\n 1 invoke read x\n 1 ok read x nil";
    assert!(holding(never).contains(&Linearizable));
    // A failed write surely did not happen: reading its value is not linearizable.
    let failed = "0 invoke write x 1\n 0 fail write x 1\n 1 invoke read x\n 1 ok read x 1";
    assert!(!holding(failed).contains(&Linearizable));
}

#[test]
fn compare_and_set_swaps_only_from_its_expected_value() {
    let ok = "0 invoke write x 1\n 0 ok write x 1\n 1 invoke cas x 1,2\n 1 ok cas x 1,2\n \
              0 invoke read x\n 0 ok read x 2";
    assert!(holding(ok).contains(&Linearizable));
    let wrong = "0 invoke write x 1\n 0 ok write x 1\n 1 invoke cas x 3,2\n 1 ok cas x 3,2";
    assert!(!holding(wrong).contains(&Linearizable));
    let failed = "0 invoke write x 1\n 0 ok write x 1\n 1 invoke cas x 3,2\n 1 fail cas x 3,2\n \
                  0 invoke read x\n 0 ok read x 1";
    assert!(holding(failed).contains(&Linearizable));
}

#[test]
fn keys_are_checked_apart_and_the_counterexample_keeps_one_key() {
    let h = "0 invoke write x 1\n 0 ok write x 1\n 0 invoke write y 1\n 0 ok write y 1\n \
             1 invoke read y\n 1 ok read y 1\n 1 invoke read x\n 1 ok read x nil";
    let ops = history(h).operations();
    let parts = check_linearizable(&KvMap, &ops, Detail::Verdict);
    // Parts in key order: x breaks, y holds.
    assert_eq!(
        parts.iter().map(|p| p.holds).collect::<Vec<_>>(),
        [false, true]
    );
    let c = check(&KvMap, &ops, Linearizable).counterexample.unwrap();
    assert_eq!(
        c.ops.iter().map(|o| o.id).collect::<Vec<_>>(),
        [0, 3],
        "{c}"
    );
    // Sequential consistency is not local: the whole map is one object.
    assert!(!check_sequential(&KvMap, &ops, false).holds);
}

#[test]
fn sequential_consistency_past_its_budget_is_unknown_not_violated() {
    // A stale read: not linearizable, so the sequential search runs, and needs three
    // configurations to find its order: the write first (a dead end), then the read, the write.
    let ops = history("0 invoke write x 1\n 0 ok write x 1\n 1 invoke read x\n 1 ok read x nil")
        .operations();
    let within = |budget| check_sequential_within(&Register, &ops, false, budget);
    let starved = within(2);
    assert!(!starved.holds && !starved.decided, "{starved:?}");
    let enough = within(3);
    assert!(enough.holds && enough.decided, "{enough:?}");
    let verdict = check(&Register, &ops, Sequential);
    assert_eq!((verdict.word(), verdict.unknown), ("holds", None));
}

#[test]
fn a_register_ignores_keys() {
    let h = "0 invoke write x 1\n 0 ok write x 1\n 1 invoke read y\n 1 ok read y 1";
    let ops = history(h).operations();
    assert!(check(&Register, &ops, Linearizable).holds());
    assert!(!check(&KvMap, &ops, Linearizable).holds());
}

#[test]
fn malformed_histories_are_refused_with_the_event_index() {
    let read = |process, kind| Event {
        process,
        kind,
        op: Op::Read,
        key: None,
        value: Value::Nil,
        time: None,
    };
    let e = History::from_events([read(0, EventKind::Ok)]).unwrap_err();
    assert_eq!(e.0, 0);
    assert!(e.1.to_string().contains("no open invocation"), "{}", e.1);
    let e =
        History::from_events([read(0, EventKind::Invoke), read(0, EventKind::Invoke)]).unwrap_err();
    assert_eq!(e.0, 1);
    assert!(e.1.to_string().contains("still open"), "{}", e.1);
}
