//! The `gencache` scenario: the seed report's Path A on three variants, and sweeps against the
//! expected verdicts.

use raceway_scenarios::gencache::{GenCache, Variant};
use raceway_scenarios::testing::named_trace;

/// T0 to T3 of the seed, step by step, up to the Delete's `Get`.
const PATH_A: [(&str, &str); 17] = [
    ("saver", "CheckCache(k)"),
    ("saver", "pebble.Get(k)"),
    ("saver", "raft.Propose(Save(k, v))"),
    ("traffic", "raft.Propose(noop)"),
    ("deleter", "CheckCache(k)"),
    ("deleter", "pebble.Get(k)"),
    ("deleter", "raft.Propose(Delete(k))"),
    ("fsm", "raft.NextEntry()"),
    ("fsm", "cache.Put(k, entry)"),
    ("fsm", "disk.WriteEntry(gen0 byte)"),
    ("fsm", "pebble.Commit()"),
    ("fsm", "raft.NextEntry()"),
    ("fsm", "pebble.Commit()"),
    ("fsm", "raft.NextEntry()"),
    ("fsm", "cache.Rotate()"),
    ("fsm", "disk.Rotate()"),
    ("fsm", "cache.Get(k)"),
];

#[test]
fn seed_breaks_memory_equals_disk_on_both_bytes() {
    let trace = named_trace::<GenCache>("seed", Variant::BothBytes);
    let steps = trace.step_labels();
    assert_eq!(&steps[..17], &PATH_A);
    assert_eq!(
        &steps[17..],
        &[
            ("fsm", "cache.Put(k, tombstone)"),
            ("fsm", "disk.WriteTombstone(both bytes)"),
            ("fsm", "pebble.Commit()"),
        ]
    );
    let v = trace.violation.as_ref().expect("a violation");
    assert_eq!(v.invariant, "memory-equals-disk");
    insta::assert_snapshot!("gencache_seed_both_bytes", trace.render());
}

#[test]
fn seed_panics_on_strict_del() {
    let trace = named_trace::<GenCache>("seed", Variant::StrictDel);
    let steps = trace.step_labels();
    assert_eq!(&steps[..17], &PATH_A);
    assert_eq!(&steps[17..], &[("fsm", "cache.Del(k)")]);
    let v = trace.violation.as_ref().expect("a violation");
    assert_eq!(v.kind, raceway_sim::Kind::Panic);
    assert!(v.message.contains("AttributeCache.Del(k)"), "{}", v.message);
    insta::assert_snapshot!("gencache_seed_strict_del", trace.render());
}

#[test]
fn seed_holds_on_the_fix() {
    let trace = named_trace::<GenCache>("seed", Variant::Merged);
    let steps = trace.step_labels();
    assert_eq!(&steps[..17], &PATH_A);
    assert_eq!(
        &steps[17..],
        &[
            ("fsm", "cache.Del(k)"),
            ("fsm", "disk.WriteTombstone(gen0 byte)"),
            ("fsm", "pebble.Commit()"),
            ("settle", "node.Restart()"),
        ]
    );
    assert_eq!(trace.violation, None);
    insta::assert_snapshot!("gencache_seed_merged", trace.render());
}
