//! Source-DPOR against the plain search on random small programs: the same final states (and
//! so the same violations), in no more runs.
//!
//! A program is two to four tasks of one to four steps each over three shared cells: reads
//! (the value read goes into the task's own log), writes (a value that depends on the cell's
//! old value, the task and the step, so that every order of two writes leaves its own mark),
//! writes under a mutex held across the step (a lock, the write, the unlock), critical sections
//! (a lock, a read, a write, the unlock) and sleeps on the virtual clock: steps blocked and
//! enabled by other tasks and by time. Every order of every step is run by the plain
//! search; the final state of a run is the cells and every task's log, which fixes the order
//! of every pair of dependent steps. DPOR must reach each of them.

use proptest::prelude::*;
use raceway_sim::drive::drive;
use raceway_sim::strategy::{Dfs, Dpor, Strategy as Schedules};
use raceway_sim::{Footprint, Invariant, Kind, Race, Runner, When};
use std::collections::BTreeSet;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CELLS: [&str; 3] = ["c0", "c1", "c2"];
const TASKS: [&str; 4] = ["t0", "t1", "t2", "t3"];

#[derive(Clone, Copy, Debug)]
enum Op {
    Read(usize),
    Write(usize),
    LockedWrite(usize),
    /// Lock, read the cell, write it, unlock: a critical section of two steps.
    Section(usize),
    /// Sleep this many seconds of virtual time: a step enabled by the clock.
    Sleep(u64),
}

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct State {
    cells: [u64; 3],
    logs: Vec<Vec<u64>>,
}

type Finals = Arc<Mutex<BTreeSet<State>>>;

fn program(ops: &[Vec<Op>], finals: &Finals) -> Race<State> {
    let tasks = ops.len();
    let mut race = Race::new(move || State {
        cells: [0; 3],
        logs: vec![Vec::new(); tasks],
    })
    .mutex("m");
    for (t, steps) in ops.iter().enumerate() {
        let steps = steps.clone();
        race = race.task(TASKS[t], move |cx| {
            let steps = steps.clone();
            async move {
                for (i, op) in steps.into_iter().enumerate() {
                    let mark = (t * 10 + i + 1) as u64;
                    match op {
                        Op::Read(c) => {
                            let fp = Footprint::read(CELLS[c]);
                            cx.step("read", fp, move |s| {
                                let v = s.cells[c];
                                s.logs[t].push(v);
                            })
                            .await
                        }
                        Op::Write(c) => {
                            let fp = Footprint::write(CELLS[c]);
                            cx.step("write", fp, move |s| s.cells[c] = s.cells[c] * 31 + mark)
                                .await
                        }
                        Op::LockedWrite(c) => {
                            let held = cx.lock(cx.mutex("m")).await;
                            let fp = Footprint::write(CELLS[c]);
                            cx.step("write", fp, move |s| s.cells[c] = s.cells[c] * 7 + mark)
                                .await;
                            drop(held);
                        }
                        Op::Section(c) => {
                            let held = cx.lock(cx.mutex("m")).await;
                            let v = cx.step("read", Footprint::read(CELLS[c]), move |s| s.cells[c]);
                            let v = v.await;
                            let fp = Footprint::write(CELLS[c]);
                            cx.step("write", fp, move |s| s.cells[c] = v * 5 + mark)
                                .await;
                            drop(held);
                        }
                        Op::Sleep(d) => cx.sleep(Duration::from_secs(d)).await,
                    }
                }
            }
        });
    }
    let finals = finals.clone();
    race.invariant(Invariant::new(
        "collect",
        Kind::Convergence,
        When::Quiescence,
        move |s: &State| {
            finals.lock().unwrap().insert(s.clone());
            Ok(())
        },
    ))
}

/// The final states of every run of `ops` under `strategy`, and the runs that ended.
fn finals(ops: &[Vec<Op>], strategy: &mut dyn Schedules) -> (BTreeSet<State>, u64) {
    let collected = Finals::default();
    let mut sim = Runner::new(program(ops, &collected));
    let driven = drive(&mut sim, strategy, false, |run| {
        assert!(run.verdict.violation.is_none(), "{:?}", run.verdict);
        ControlFlow::Continue(())
    })
    .unwrap();
    assert!(driven.complete);
    let states = collected.lock().unwrap().clone();
    (states, driven.runs)
}

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    prop_oneof![
        (0..3usize).prop_map(Op::Read),
        (0..3usize).prop_map(Op::Write),
        (0..3usize).prop_map(Op::LockedWrite),
        (0..3usize).prop_map(Op::Section),
        (1..3u64).prop_map(Op::Sleep),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn dpor_reaches_every_final_state_of_the_plain_search(
        ops in prop::collection::vec(prop::collection::vec(op(), 1..4), 2..5)
    ) {
        let (all, plain_runs) = finals(&ops, &mut Dfs::new(false, None));
        let (reduced, dpor_runs) = finals(&ops, &mut Dpor::new());
        prop_assert_eq!(&reduced, &all);
        prop_assert!(dpor_runs <= plain_runs);
    }
}

#[test]
fn independent_steps_are_one_run_and_a_race_is_two() {
    let apart = vec![vec![Op::Write(0)], vec![Op::Write(1)]];
    assert_eq!(finals(&apart, &mut Dpor::new()).1, 1);
    let racing = vec![vec![Op::Write(0)], vec![Op::Write(0)]];
    assert_eq!(finals(&racing, &mut Dpor::new()).1, 2);
    // Two readers of one cell and a writer: the writer before both, between, after both.
    let readers = vec![vec![Op::Read(0)], vec![Op::Read(0)], vec![Op::Write(0)]];
    let (states, runs) = finals(&readers, &mut Dpor::new());
    assert_eq!(states.len(), 4);
    assert_eq!(runs, 4);
}
