//! Checks every scenario's tests share: the named schedules' traces, and sweeps that must
//! agree with the expected verdicts.

use crate::catalog::{Expected, Scenario};
use raceway_sim::drive::pct_steps;
use raceway_sim::search::first_violation;
use raceway_sim::strategy::{Pct, Script, Seeds};
use raceway_sim::{Simulation, Trace};

/// The trace of named schedule `named` run on `variant` (its own workload).
///
/// # Panics
/// If a name is unknown or the script does not fit the variant.
pub fn named_trace(scenario: &Scenario, named: &str, variant: &str) -> Trace {
    let n = scenario.named(named).expect("named schedule");
    let w = scenario.workload(n.workload).expect("workload");
    let v = scenario.variant(variant).expect("variant");
    let mut sim = scenario.runner(w, v);
    sim.run(&mut Script::new(n.script), true)
        .unwrap_or_else(|d| panic!("{}/{named} on {variant}: {d}", scenario.name));
    sim.trace().clone()
}

/// Runs `seeds` random seeds and `seeds` PCT seeds (the default depth) on every (workload, variant) pair
/// and checks each against its expectation: a pair expected to break must break under both
/// strategies, and a pair expected to hold must not break under either. Returns one line per
/// pair that disagrees, so a test can show them all at once.
pub fn disagreements(scenario: &Scenario, seeds: u64) -> Vec<String> {
    let mut wrong = Vec::new();
    for (w, workload) in scenario.workloads.iter().enumerate() {
        for (v, variant) in scenario.variants.iter().enumerate() {
            let expected = scenario.expectation(w, v).expected;
            let mut sim = scenario.runner(w, v);
            let steps = pct_steps(sim.as_mut());
            let pair = format!("{}/{}", workload.name, variant.name);
            let mut first = |mut strategy: Seeds| {
                first_violation(sim.as_mut(), &mut strategy).expect("seeded runs never diverge")
            };
            let random = first(Seeds::random(0..seeds));
            let pct = first(Seeds::pct(0..seeds, Pct::DEFAULT_DEPTH, steps));
            for (strategy, found) in [("random", random), ("pct", pct)] {
                match (expected, found) {
                    (Expected::Holds, Some(f)) => wrong.push(format!(
                        "{pair}: expected to hold, but {strategy} seed {} broke it: {} (schedule {})",
                        f.seed, f.violation, f.schedule
                    )),
                    (Expected::Breaks, None) => wrong.push(format!(
                        "{pair}: expected to break, but {seeds} {strategy} seeds found nothing"
                    )),
                    _ => {}
                }
            }
        }
    }
    wrong
}

/// Checks the catalog entry itself: exactly one expectation per pair, named schedules that
/// name real workloads and variants and break the variant they are written for.
pub fn well_formed(scenario: &Scenario) -> Vec<String> {
    let mut wrong = Vec::new();
    for w in scenario.workloads {
        for v in scenario.variants {
            let n = scenario
                .expectations
                .iter()
                .filter(|e| e.workload == w.name && e.variant == v.name)
                .count();
            if n != 1 {
                wrong.push(format!("{}/{}: {n} expectations", w.name, v.name));
            }
        }
    }
    for e in scenario.expectations {
        if scenario.workload(e.workload).is_err() || scenario.variant(e.variant).is_err() {
            wrong.push(format!(
                "expectation for unknown pair {}/{}",
                e.workload, e.variant
            ));
        }
    }
    for n in scenario.named {
        let (Ok(w), Ok(v)) = (scenario.workload(n.workload), scenario.variant(n.variant)) else {
            wrong.push(format!("named schedule {} names an unknown pair", n.name));
            continue;
        };
        let mut sim: Box<dyn Simulation> = scenario.runner(w, v);
        match sim.run(&mut Script::new(n.script), false) {
            Ok(verdict) if verdict.violation.is_none() => wrong.push(format!(
                "named schedule {} does not break {}/{}",
                n.name, n.workload, n.variant
            )),
            Ok(_) => {}
            Err(d) => wrong.push(format!("named schedule {}: {d}", n.name)),
        }
    }
    wrong
}
