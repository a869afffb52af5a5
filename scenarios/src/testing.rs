//! Checks every scenario's tests share: the catalog entry's own facts, the named schedules'
//! traces, and sweeps that must agree with the expected verdicts.

use crate::catalog::{Entry, Expected, Named, Pair, Scenario};
use raceway_sim::drive::pct_steps;
use raceway_sim::search::first_violation;
use raceway_sim::strategy::{Pct, Script, Seeds};
use raceway_sim::{Runner, Simulation, Trace};
use std::collections::BTreeSet;

/// The named schedule of `S` called `name`.
///
/// # Panics
/// If `S` has none of that name.
pub fn named<S: Scenario>(name: &str) -> &'static Named<S> {
    S::NAMED
        .iter()
        .find(|n| n.name == name)
        .unwrap_or_else(|| panic!("{} has no named schedule `{name}`", S::NAME))
}

/// A runner for (`workload`, `variant`) of `S`.
pub fn runner<S: Scenario>(workload: S::Workload, variant: S::Variant) -> Runner<S> {
    Runner::new(S::new(workload, variant))
}

/// The trace of named schedule `name` of `S` run on `variant` (on its own workload).
///
/// # Panics
/// If the name is unknown or the script does not fit the variant.
pub fn named_trace<S: Scenario>(name: &str, variant: S::Variant) -> Trace {
    let n = named::<S>(name);
    let mut sim = runner::<S>(n.workload, variant);
    sim.run(&mut Script::new(n.script), true)
        .unwrap_or_else(|d| panic!("{}/{name} on {variant:?}: {d}", S::NAME));
    sim.trace().clone()
}

/// Runs `seeds` random seeds and `seeds` PCT seeds (the default depth) on `pair` and checks
/// them against its expectation: a pair expected to break must break under both strategies,
/// and a pair expected to hold must not break under either. Returns one line per
/// disagreement, so a test can show them all at once.
pub fn disagreements(pair: Pair, seeds: u64) -> Vec<String> {
    let mut wrong = Vec::new();
    let mut sim = pair.runner();
    let steps = pct_steps(sim.as_mut());
    let mut first = |mut strategy: Seeds| {
        first_violation(sim.as_mut(), &mut strategy).expect("seeded runs never diverge")
    };
    let random = first(Seeds::random(0..seeds));
    let pct = first(Seeds::pct(0..seeds, Pct::DEFAULT_DEPTH, steps));
    for (strategy, found) in [("random", random), ("pct", pct)] {
        match (pair.expectation.expected, found) {
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
    wrong
}

/// Checks what the compiler cannot about a catalog entry: every workload and variant has one
/// line on it and a name of its own, named schedules have names of their own, and each breaks
/// the invariant it names on the variant it is written for.
pub fn well_formed(entry: &'static dyn Entry) -> Vec<String> {
    let mut wrong = Vec::new();
    let s = entry.name();
    for (what, items) in [
        ("workload", entry.workloads()),
        ("variant", entry.variants()),
    ] {
        let names: BTreeSet<_> = items.iter().map(|i| i.name).collect();
        if names.len() != items.len() {
            wrong.push(format!("{s}: two {what}s share a name"));
        }
        for i in items {
            if i.about.is_empty() || i.about.contains('\n') {
                wrong.push(format!("{s}: {what} {} needs one line on it", i.name));
            }
        }
    }
    let named = entry.named_schedules();
    let names: BTreeSet<_> = named.iter().map(|n| n.name).collect();
    if names.len() != named.len() {
        wrong.push(format!("{s}: two named schedules share a name"));
    }
    for n in named {
        let mut sim = entry
            .runner(n.workload, n.variant)
            .expect("a named schedule's pair comes from its scenario");
        let broke = match sim.run(&mut Script::new(n.script), false) {
            Ok(verdict) => verdict.violation.map(|v| v.invariant),
            Err(d) => {
                wrong.push(format!("{s}: named schedule {}: {d}", n.name));
                continue;
            }
        };
        if broke.as_deref() != Some(n.breaks) {
            wrong.push(format!(
                "{s}: named schedule {} on {}/{} should break {} but broke {broke:?}",
                n.name, n.workload, n.variant, n.breaks
            ));
        }
    }
    wrong
}
