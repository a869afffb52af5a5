//! `raceway explore`: every schedule of a workload, with every distinct violation and its
//! shortest trace, or the strongest proof the budget allows that there is none.

use crate::cli::ExploreArgs;
use crate::select::{pairs, scenarios};
use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use raceway_scenarios::{Expected, Scenario};
use raceway_sim::explore::{prove, Coverage, Exploration, Options, Progress};
use raceway_sim::strategy::Replay;
use std::io::IsTerminal;
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
        states: !args.no_states,
        preemptions: args.preemptions,
        max_schedules: None,
        all: args.all,
    };
    let bar = progress_bar(args.quiet);
    let selected = pairs(scenario, &args.workload, &args.variant)?;
    if let [(w, v)] = selected[..] {
        let found = explore_pair(scenario, w, v, &options, args.max_schedules, &bar)?;
        bar.finish_and_clear();
        print!("{}", describe(scenario, w, v, &found, args.max_schedules)?);
        return Ok(if found.violations.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let mut contradicted = false;
    println!(
        "{:<32} {:<7} {:>10} {:>10} {:>8}  result",
        "pair", "expect", "schedules", "states", "pruned"
    );
    for (w, v) in selected {
        let found = explore_pair(scenario, w, v, &options, args.max_schedules, &bar)?;
        let expected = scenario.expectation(w, v).expected;
        let result = summary(&found);
        contradicted |= match expected {
            Expected::Holds => !found.violations.is_empty(),
            Expected::Breaks => found.proves(),
        };
        bar.suspend(|| {
            println!(
                "{:<32} {:<7} {:>10} {:>10} {:>8}  {result}",
                format!(
                    "{}/{}",
                    scenario.workloads[w].name, scenario.variants[v].name
                ),
                format!("{expected:?}").to_lowercase(),
                found.schedules,
                found.states,
                found.pruned,
            )
        });
    }
    bar.finish_and_clear();
    Ok(if contradicted {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A spinner on stderr when it is a terminal: runs, their rate, and the search's state.
fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {prefix} {pos} runs  {per_sec}  {msg}")
            .expect("a valid template"),
    );
    bar
}

/// Explores one pair with the strongest claim `budget` allows (see [`prove`]), showing its
/// progress on `bar`.
pub fn explore_pair(
    scenario: &Scenario,
    w: usize,
    v: usize,
    options: &Options,
    budget: u64,
    bar: &ProgressBar,
) -> Result<Exploration> {
    let mut sim = scenario.runner(w, v);
    bar.set_prefix(format!(
        "{} {}/{}",
        scenario.name, scenario.workloads[w].name, scenario.variants[v].name
    ));
    bar.set_position(0);
    let mut show = |p: &Progress| {
        bar.set_position(p.schedules + p.pruned);
        let bound = p
            .bound
            .map_or(String::new(), |k| format!(", ≤ {k} preemptions"));
        bar.set_message(format!(
            "{} schedules, {} states, depth {}{bound}",
            p.schedules, p.states, p.depth
        ));
    };
    prove(sim.as_mut(), options, budget, &mut show)
        .map_err(|d| anyhow::anyhow!("{}: {d}", scenario.name))
}

/// One line: the proof and its kind, the violations found, or why there is no proof.
pub fn summary(found: &Exploration) -> String {
    let how = if found.reduced {
        ""
    } else {
        " (without reduction)"
    };
    match found.coverage() {
        Some(Coverage::Complete) => format!("proved: no schedule breaks an invariant{how}"),
        Some(Coverage::Bounded(k)) => format!(
            "proved for every schedule with at most {k} preemption{}; incomplete beyond{how}",
            plural(k)
        ),
        Some(Coverage::Partial) => {
            format!("not proved: the budget ran out before every schedule without preemption{how}")
        }
        None => {
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
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// How the search was reduced, in words.
fn reductions(found: &Exploration) -> String {
    let mut how = match (found.reduced, found.stateful) {
        (true, true) => "sleep sets, state caching".to_string(),
        (true, false) => "sleep sets".to_string(),
        (false, true) => "state caching".to_string(),
        (false, false) => "no reduction".to_string(),
    };
    if let Some(k) = found.bound {
        how.push_str(&format!(", at most {k} preemption{}", plural(k)));
    }
    how
}

fn describe(
    scenario: &Scenario,
    w: usize,
    v: usize,
    found: &Exploration,
    budget: u64,
) -> Result<String> {
    use std::fmt::Write;
    let pair = format!(
        "{} {}/{}",
        scenario.name, scenario.workloads[w].name, scenario.variants[v].name
    );
    let mut out = String::new();
    let states = if found.stateful {
        format!("{} distinct states, ", found.states)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "explored {pair} ({}): {} schedules, {states}{} cut short by the reduction, {}",
        reductions(found),
        found.schedules,
        found.pruned,
        if found.complete {
            "complete"
        } else if found.violations.is_empty() {
            "stopped at the budget"
        } else {
            "stopped at the first violation"
        }
    );
    for d in &found.violations {
        let mut sim = scenario.runner(w, v);
        sim.run(&mut Replay::new(d.schedule.clone()), true)
            .map_err(|e| anyhow::anyhow!("{pair}: {e}"))?;
        let _ = writeln!(
            out,
            "\n✗ {} `{}` in {} explored schedule(s); the shortest, {} steps and {} preemption(s):\n",
            d.violation.kind, d.violation.invariant, d.count, d.steps, d.preemptions
        );
        out.push_str(&sim.trace().render());
        let _ = writeln!(
            out,
            "replay: raceway run {} --workload {} --variant {} --schedule {}",
            scenario.name, scenario.workloads[w].name, scenario.variants[v].name, d.schedule
        );
    }
    let bounds = "This is a proof within the workload's bounds (its tasks, keys, faults and step \
                  limit as modelled).";
    let _ = match found.coverage() {
        Some(Coverage::Complete) => writeln!(
            out,
            "PROVED: no schedule of {pair} breaks an invariant. {bounds}"
        ),
        Some(Coverage::Bounded(k)) => writeln!(
            out,
            "PROVED for every schedule of {pair} with at most {k} preemption{}: none breaks an \
             invariant. Incomplete beyond: schedules with more preemptions were not all explored \
             within the budget of {budget} schedules. {bounds}",
            plural(k)
        ),
        Some(Coverage::Partial) => writeln!(
            out,
            "NOT PROVED: nothing found, but the budget of {budget} schedules ran out before \
             every schedule of {pair} without preemption was explored."
        ),
        None => Ok(()),
    };
    Ok(out)
}
