//! The madsim engine: the same scenarios under madsim's scheduler. Runs only in the madsim
//! build: `scripts/madsim test`.
#![cfg(feature = "madsim")]

use raceway_scenarios::{Expected, CATALOG};
use raceway_sim::search::first_violation;
use raceway_sim::strategy::Follow;
use raceway_sim::{Madsim, Simulation};

/// One madsim run of `seed`, recorded when `record`.
fn run(sim: &mut dyn Simulation, seed: u64, record: bool) -> raceway_sim::Verdict {
    sim.run(&mut Madsim::new(seed..seed + 1), record)
        .expect("a madsim run")
}

#[test]
fn the_same_seed_gives_the_same_madsim_trace() {
    for scenario in CATALOG {
        let first = scenario.pairs()[0];
        let mut a = first.runner();
        let mut b = first.runner();
        for seed in 0..20 {
            run(a.as_mut(), seed, true);
            run(b.as_mut(), seed, true);
            assert_eq!(a.trace(), b.trace(), "{first} seed {seed}");
        }
    }
}

/// Every pair expected to break is caught under madsim, and its failure replays on the
/// native engine from the same task order; no pair expected to hold breaks.
#[test]
fn madsim_agrees_with_every_expectation_and_the_native_engine() {
    const SEEDS: u64 = 20_000;
    let mut wrong = Vec::new();
    for pair in CATALOG.iter().flat_map(|s| s.pairs()) {
        let mut sim = pair.runner();
        let found = first_violation(sim.as_mut(), &mut Madsim::new(0..SEEDS))
            .expect("madsim runs")
            .map(|f| f.seed);
        match (pair.expectation.expected, found) {
            (Expected::Holds, Some(seed)) => {
                wrong.push(format!("{pair}: madsim seed {seed} broke it"))
            }
            (Expected::Breaks, None) => {
                wrong.push(format!("{pair}: {SEEDS} madsim seeds found nothing"))
            }
            (Expected::Breaks, Some(seed)) => {
                let found = run(sim.as_mut(), seed, true).violation.unwrap();
                let native = sim.run(&mut Follow::new(sim.trace()), false);
                let same = native
                    .as_ref()
                    .ok()
                    .and_then(|v| v.violation.as_ref())
                    .is_some_and(|n| n.invariant == found.invariant);
                if !same {
                    wrong.push(format!(
                        "{pair}: madsim seed {seed} not reproduced natively: {native:?}"
                    ));
                }
            }
            (Expected::Holds, None) => {}
        }
    }
    assert_eq!(wrong, Vec::<String>::new());
}

#[test]
fn the_native_engines_choices_are_refused_with_madsim() {
    let cases: [&[&str]; 2] = [
        &["run", "wlog", "--engine", "madsim", "--strategy", "pct"],
        &[
            "sweep",
            "--scenario",
            "wlog",
            "--engine",
            "madsim",
            "--strategy",
            "random",
            "--seeds",
            "10",
        ],
    ];
    for args in cases {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_raceway"))
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("--strategy"), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    }
}

#[test]
fn madsim_runs_every_seed_up_to_the_top_one() {
    let mut sim = raceway_scenarios::find("wlog")
        .unwrap()
        .runner("fork", "buggy")
        .unwrap();
    let mut seeds = Madsim::counted(u64::MAX - 1, 2);
    let driven = raceway_sim::drive::drive(sim.as_mut(), &mut seeds, false, |_| {
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!((driven.runs, driven.complete), (2, true));
}
