//! The madsim engine: the same scenarios under madsim's scheduler. Runs only in the madsim
//! build: `scripts/madsim test`.
#![cfg(feature = "madsim")]

use raceway_scenarios::{Expected, CATALOG};
use raceway_sim::strategy::Follow;

#[test]
fn the_same_seed_gives_the_same_madsim_trace() {
    for scenario in CATALOG {
        let first = scenario.pairs()[0];
        let mut a = first.runner();
        let mut b = first.runner();
        for seed in 0..20 {
            a.run_madsim(seed, true);
            b.run_madsim(seed, true);
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
        let found = (0..SEEDS).find(|&s| sim.run_madsim(s, false).violation.is_some());
        match (pair.expectation.expected, found) {
            (Expected::Holds, Some(seed)) => {
                wrong.push(format!("{pair}: madsim seed {seed} broke it"))
            }
            (Expected::Breaks, None) => {
                wrong.push(format!("{pair}: {SEEDS} madsim seeds found nothing"))
            }
            (Expected::Breaks, Some(seed)) => {
                let found = sim.run_madsim(seed, true).violation.unwrap();
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
