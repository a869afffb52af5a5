//! `cargo bench --bench consistency`: the consistency checkers on a large history: 10,000
//! operations over 10 keys by 5 processes, concurrent (each process keeps one operation open
//! while the others run), linearizable by construction. The bar: the
//! linearizability checker takes under one second on one core.
//!
//! Wall-clock time is read here, around whole checks, and never reaches a checker.

use raceway_sim::consistency::{
    check, is_linearizable, Consistency, EventKind, History, KvMap, Op, Operation, Value,
};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const OPERATIONS: usize = 10_000;
const KEYS: u64 = 10;
const PROCESSES: u32 = 5;

/// SplitMix64: a fixed stream, so that every run benchmarks the same history.
struct Stream(u64);

impl Stream {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % n
    }
}

/// A key-value store run by concurrent clients: each operation takes effect at one instant
/// between its invocation and its completion (reads, writes of fresh values, and
/// compare-and-sets from the value seen at invocation, which fail when it changed).
fn history() -> History {
    let mut rng = Stream(17);
    let mut h = History::new();
    let mut map: BTreeMap<u64, Value> = BTreeMap::new();
    // Per process: (op, key, value, applied, result kind, result value).
    type Open = (Op, u64, Value, bool, EventKind, Value);
    let mut open: Vec<Option<Open>> = vec![None; PROCESSES as usize];
    let (mut invoked, mut fresh) = (0, 0);
    while invoked < OPERATIONS || open.iter().any(Option::is_some) {
        let p = rng.below(PROCESSES.into()) as u32;
        let slot = &mut open[p as usize];
        match slot.take() {
            None if invoked < OPERATIONS => {
                invoked += 1;
                let key = rng.below(KEYS);
                let current = map.get(&key).cloned().unwrap_or(Value::Nil);
                let (op, value) = match rng.below(10) {
                    0..=4 => (Op::Read, Value::Nil),
                    5..=8 => {
                        fresh += 1;
                        (Op::Write, Value::Int(fresh))
                    }
                    _ => {
                        fresh += 1;
                        (Op::Cas, Value::cas(current, Value::Int(fresh)))
                    }
                };
                let k = Some(Value::Int(key as i64));
                h.invoke(p, op.clone(), k, value.clone()).unwrap();
                *slot = Some((op, key, value, false, EventKind::Ok, Value::Nil));
            }
            None => {}
            Some((op, key, value, false, _, _)) => {
                let current = map.get(&key).cloned().unwrap_or(Value::Nil);
                let (kind, result) = match &op {
                    Op::Read => (EventKind::Ok, current),
                    Op::Cas => {
                        let (old, new) = value.as_pair().unwrap();
                        if *old == current {
                            map.insert(key, new.clone());
                            (EventKind::Ok, value.clone())
                        } else {
                            (EventKind::Fail, value.clone())
                        }
                    }
                    _ => {
                        map.insert(key, value.clone());
                        (EventKind::Ok, value.clone())
                    }
                };
                *slot = Some((op, key, value, true, kind, result));
            }
            Some((_, _, _, true, kind, result)) => h.complete(p, kind, result).unwrap(),
        }
    }
    h
}

/// The best of `runs` timings of `f`.
fn best(runs: usize, mut f: impl FnMut() -> bool) -> (Duration, bool) {
    let mut out = (Duration::MAX, false);
    for _ in 0..runs {
        let start = Instant::now();
        let verdict = f();
        out = (out.0.min(start.elapsed()), verdict);
    }
    out
}

fn main() {
    let h = history();
    let ops = h.operations();
    let (took, holds) = best(5, || is_linearizable(&KvMap, &ops));
    assert!(
        holds,
        "the generated history is linearizable by construction"
    );
    println!(
        "linearizability: {} operations, {KEYS} keys, {PROCESSES} processes: {:.1} ms \
         (best of 5, one core)",
        ops.len(),
        took.as_secs_f64() * 1e3
    );
    // The same history with one read made stale: the check, the minimisation to a
    // counterexample, and its explanation.
    let mut stale: Vec<Operation> = ops.clone();
    let at = stale
        .iter()
        .rposition(|o| o.op == Op::Read && o.value != Value::Nil)
        .expect("a read of a written value");
    let key = stale[at].key.clone();
    let first = stale
        .iter()
        .find(|o| o.op == Op::Write && o.key == key && o.value != stale[at].value)
        .map(|o| o.value.clone())
        .expect("another write to the key");
    stale[at].value = first;
    let (took, holds) = best(1, || {
        check(&KvMap, &stale, Consistency::Linearizable).holds()
    });
    assert!(!holds, "a stale read breaks linearizability");
    println!(
        "linearizability, one stale read: found, minimised and explained in {:.1} ms",
        took.as_secs_f64() * 1e3
    );
    for model in &Consistency::ALL[1..] {
        let (took, _) = best(1, || check(&KvMap, &ops, *model).holds());
        println!("{model}: {:.1} ms", took.as_secs_f64() * 1e3);
    }
}
