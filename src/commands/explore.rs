//! `raceway explore`: every schedule of a workload, with every distinct violation and its
//! shortest trace, or a proof that there is none within the workload's bounds.

use crate::cli::ExploreArgs;
use crate::output::{self, count, plural};
use crate::select::{pairs, scenarios};
use anyhow::Result;
use raceway_scenarios::{Expected, Scenario};
use raceway_sim::explore::{explore, Exploration, Options};
use raceway_sim::strategy::Replay;
use std::process::ExitCode;

/// Exit 1 when a single explored pair breaks an invariant; over several pairs, when any result
/// contradicts its expectation (a violation where one was expected to hold, or a complete
/// clean search where one was expected to break).
pub fn run(args: &ExploreArgs) -> Result<ExitCode> {
    let scenario = scenarios(std::slice::from_ref(&args.scenario))?[0];
    for w in &args.workload {
        scenario.workload(w)?;
    }
    for v in &args.variant {
        scenario.variant(v)?;
    }
    let options = Options {
        reduction: !args.no_reduction,
        preemptions: args.preemptions,
        max_schedules: args.max_schedules,
        all: args.all,
    };
    let selected = pairs(scenario, &args.workload, &args.variant)?;
    if let [(w, v)] = selected[..] {
        let found = explore_pair(scenario, w, v, &options)?;
        output::print(&describe(scenario, w, v, &found, &options)?)?;
        return Ok(if found.violations.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let mut contradicted = false;
    output::println(&format!(
        "{:<32} {:<7} {:>10} {:>8}  result",
        "pair", "expect", "schedules", "pruned"
    ))?;
    for (w, v) in selected {
        if output::closed() {
            break;
        }
        let found = explore_pair(scenario, w, v, &options)?;
        let expected = scenario.expectation(w, v).expected;
        let result = summary(&found, &options);
        contradicted |= match expected {
            Expected::Holds => !found.violations.is_empty(),
            Expected::Breaks => proves(&found, &options),
        };
        output::println(&format!(
            "{:<32} {:<7} {:>10} {:>8}  {result}",
            format!(
                "{}/{}",
                scenario.workloads[w].name, scenario.variants[v].name
            ),
            format!("{expected:?}").to_lowercase(),
            found.schedules,
            found.pruned,
        ))?;
    }
    Ok(if contradicted {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn explore_pair(
    scenario: &Scenario,
    w: usize,
    v: usize,
    options: &Options,
) -> Result<Exploration> {
    let mut sim = scenario.runner(w, v);
    explore(sim.as_mut(), options).map_err(|d| anyhow::anyhow!("{}: {d}", scenario.name))
}

/// Whether the exploration proves the pair: complete, clean, and not bounded by preemptions
/// (a bounded search says nothing of the schedules beyond its bound).
pub fn proves(found: &Exploration, options: &Options) -> bool {
    found.proves() && options.preemptions.is_none()
}

/// One line: `proved`, the violations found, or how far an incomplete search got.
pub fn summary(found: &Exploration, options: &Options) -> String {
    let bound = if found.reduced {
        ""
    } else {
        " (without reduction)"
    };
    if let (Some(k), true) = (options.preemptions, found.proves()) {
        return format!(
            "none with at most {k} {}: a bounded search, not a proof",
            plural(u64::from(k), "preemption")
        );
    }
    if proves(found, options) {
        return format!("proved: no schedule breaks an invariant{bound}");
    }
    if found.violations.is_empty() {
        return format!("incomplete: nothing found within the budget{bound}");
    }
    let v: Vec<String> = found
        .violations
        .iter()
        .map(|d| {
            format!(
                "{} `{}` ({} steps)",
                d.violation.kind, d.violation.invariant, d.steps
            )
        })
        .collect();
    format!("breaks: {}", v.join(", "))
}

fn describe(
    scenario: &Scenario,
    w: usize,
    v: usize,
    found: &Exploration,
    options: &Options,
) -> Result<String> {
    use std::fmt::Write;
    let pair = format!(
        "{} {}/{}",
        scenario.name, scenario.workloads[w].name, scenario.variants[v].name
    );
    let how = match (options.preemptions, found.reduced) {
        (Some(k), _) => format!("at most {k} preemptions, no reduction"),
        (None, true) => "sleep-set reduction".to_string(),
        (None, false) => "no reduction".to_string(),
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "explored {pair} ({how}): {} schedules, {} cut short by the reduction, {}",
        found.schedules,
        found.pruned,
        if found.complete {
            "complete"
        } else {
            "incomplete (budget reached or stopped at the first violation)"
        }
    );
    for d in &found.violations {
        let mut sim = scenario.runner(w, v);
        sim.run(&mut Replay::new(d.schedule.clone()), true)
            .map_err(|e| anyhow::anyhow!("{pair}: {e}"))?;
        let _ = writeln!(
            out,
            "\n✗ {} `{}` in {} explored {}; the shortest, {} and {}:\n",
            d.violation.kind,
            d.violation.invariant,
            d.count,
            plural(d.count, "schedule"),
            count(u64::from(d.steps), "step"),
            count(u64::from(d.preemptions), "preemption")
        );
        out.push_str(&sim.trace().render());
        let _ = writeln!(
            out,
            "replay: raceway run {} --workload {} --variant {} --schedule {}",
            scenario.name, scenario.workloads[w].name, scenario.variants[v].name, d.schedule
        );
    }
    if found.proves() {
        let bound = match options.preemptions {
            Some(k) => format!(" with at most {k} preemptions"),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "PROVED: no schedule{bound} of {pair} breaks an invariant. This is a proof within the \
             workload's bounds (its tasks, keys, faults and step limit as modelled)."
        );
    }
    Ok(out)
}
