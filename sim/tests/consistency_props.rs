//! Properties of the consistency checkers on generated histories: a sequential execution
//! satisfies every model; the linearizability checker agrees with a brute-force search on
//! small histories, perturbed or not; and the models nest (linearizable ⇒ sequential ⇒ each
//! session guarantee).

use proptest::prelude::*;
use raceway_sim::consistency::{
    check, is_linearizable, Consistency, EventKind, History, KvMap, Op, Operation, Outcome,
    Register, Spec, Value,
};

/// One client step of a generated run: which process acts, and a choice for it.
type Step = (u32, u8);

/// A run of a register by `processes` clients, each of whose operations takes effect at one
/// instant between its invocation and its completion: linearizable by construction. Each
/// step picks a process: one with no open operation invokes a read or a write of a fresh
/// value; one with an operation open makes it take effect, then completes it. Operations
/// still open at the end have an unknown outcome (and may or may not have taken effect).
fn concurrent_run(steps: &[Step]) -> History {
    let mut h = History::new();
    let mut register = Value::Nil;
    // Per process: (op, effect applied, read result).
    let mut open: Vec<Option<(Op, bool, Value)>> = vec![None; 3];
    let mut fresh = 0;
    for &(p, choice) in steps {
        let slot = &mut open[p as usize];
        match slot.take() {
            None => {
                let (op, value) = if choice % 2 == 0 {
                    (Op::Read, Value::Nil)
                } else {
                    fresh += 1;
                    (Op::Write, Value::Int(fresh))
                };
                h.invoke(p, op.clone(), None, value.clone()).unwrap();
                *slot = Some((op, false, value));
            }
            Some((op, false, value)) => {
                let seen = match op {
                    Op::Read => register.clone(),
                    _ => {
                        register = value.clone();
                        value
                    }
                };
                *slot = Some((op, true, seen));
            }
            Some((_, true, value)) => h.complete(p, EventKind::Ok, value).unwrap(),
        }
    }
    h
}

fn steps(max: usize) -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec((0u32..3, any::<u8>()), 0..max)
}

/// Linearizability by trying every order: an operation may come next when no operation left
/// out returned before it was invoked; operations of unknown outcome may be left out.
fn brute_force<S: Spec>(spec: &S, ops: &[&Operation], state: S::State) -> bool {
    if ops.iter().all(|o| o.outcome == Outcome::Unknown) {
        return true;
    }
    (0..ops.len()).any(|i| {
        let rest: Vec<&Operation> = ops
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != i)
            .map(|(_, o)| *o)
            .collect();
        if rest
            .iter()
            .any(|o| o.outcome != Outcome::Unknown && o.precedes(ops[i]))
        {
            return false;
        }
        let placed = spec
            .step(&state, ops[i])
            .is_some_and(|next| brute_force(spec, &rest, next));
        // An unknown operation may also never take effect.
        placed || (ops[i].outcome == Outcome::Unknown && brute_force(spec, &rest, state.clone()))
    })
}

proptest! {
    #[test]
    fn a_sequential_execution_satisfies_every_model(
        ops in prop::collection::vec((0u32..4, 0u8..3, 0u8..3), 0..40)
    ) {
        // Each operation invoked and completed before the next: reads return the map's value.
        let mut h = History::new();
        let mut map = std::collections::BTreeMap::new();
        for (i, &(p, f, k)) in ops.iter().enumerate() {
            let key = Some(Value::Int(k.into()));
            match f {
                0 => {
                    h.invoke(p, Op::Read, key.clone(), Value::Nil).unwrap();
                    let v = map.get(&key).cloned().unwrap_or(Value::Nil);
                    h.complete(p, EventKind::Ok, v).unwrap();
                }
                1 => {
                    let v = Value::Int(i as i64);
                    h.invoke(p, Op::Write, key.clone(), v.clone()).unwrap();
                    map.insert(key, v.clone());
                    h.complete(p, EventKind::Ok, v).unwrap();
                }
                _ => {
                    h.invoke(p, Op::Delete, key.clone(), Value::Nil).unwrap();
                    map.remove(&key);
                    h.complete(p, EventKind::Ok, Value::Nil).unwrap();
                }
            }
        }
        let ops = h.operations();
        for model in Consistency::ALL {
            let verdict = check(&KvMap, &ops, model);
            prop_assert!(verdict.holds(), "{model}: {:?}", verdict.counterexample);
        }
    }

    #[test]
    fn a_concurrent_run_of_a_register_is_linearizable(steps in steps(60)) {
        let ops = concurrent_run(&steps).operations();
        prop_assert!(is_linearizable(&Register, &ops));
    }

    #[test]
    fn the_checker_agrees_with_brute_force_and_the_models_nest(
        steps in steps(24),
        perturb in prop::collection::vec((0usize..12, 0i64..4), 0..3),
    ) {
        let mut ops = concurrent_run(&steps).operations();
        let reads: Vec<usize> = ops
            .iter()
            .filter(|o| o.op == Op::Read && o.outcome == Outcome::Ok)
            .map(|o| o.id)
            .collect();
        for &(i, v) in &perturb {
            if let Some(&r) = reads.get(i % reads.len().max(1)) {
                ops[r].value = if v == 0 { Value::Nil } else { Value::Int(v) };
            }
        }
        let all: Vec<&Operation> = ops.iter().collect();
        let fast = is_linearizable(&Register, &ops);
        prop_assert_eq!(fast, brute_force(&Register, &all, Value::Nil));
        let holds = |m| check(&Register, &ops, m).holds();
        if fast {
            prop_assert!(holds(Consistency::Sequential));
        }
        if holds(Consistency::Sequential) {
            for m in &Consistency::ALL[2..6] {
                prop_assert!(holds(*m), "sequential but not {m}");
            }
        }
    }
}
