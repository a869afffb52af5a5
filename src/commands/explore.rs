//! `raceway explore`: every schedule of a workload, with every distinct violation and its
//! shortest trace, or the strongest proof the budget allows that there is none.

use crate::cli::ExploreArgs;
use crate::output::{self, count, plural};
use crate::select::{explore, pairs, scenarios};
use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use raceway_scenarios::Pair;
use raceway_sim::explore::{Coverage, Exploration, Options, Progress};
use raceway_sim::strategy::Replay;
use std::io::IsTerminal;
use std::process::ExitCode;

/// Exit 1 when any explored pair breaks an invariant, as `run` does for one schedule, whether
/// one pair is explored or several; 0 when none does (proved, or nothing found within a
/// bound, as printed). Judging results against the catalog's expectations is the sweep's and
/// the report's job; the table shows them beside each result.
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
        states: !args.no_reduction && !args.no_states,
        preemptions: args.preemptions,
        max_schedules: None,
        all: args.all,
        audit: args.audit,
    };
    let bar = progress_bar(args.quiet);
    let budget = args.max_schedules;
    let jobs = crate::select::jobs(args.jobs);
    let selected = pairs(scenario, &args.workload, &args.variant);
    if let Some(shard) = &args.shard {
        let shard = crate::sweep::plan::Shard::parse(shard)?;
        let part =
            crate::explore_shard::explore(scenario.name(), &selected, &options, budget, shard)?;
        output::print(&part.to_json())?;
        return Ok(ExitCode::SUCCESS);
    }
    if let [pair] = selected[..] {
        let found = explore(pair, &options, budget, jobs, &show(&bar, pair))?;
        bar.finish_and_clear();
        output::print(&describe(pair, &found, budget)?)?;
        output::print(&audited(pair, &found, args.audit)?)?;
        return Ok(if found.violations.is_empty() && !failed(&found) {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let mut broke = false;
    output::println(&header())?;
    for pair in selected {
        if output::closed() {
            break;
        }
        let found = explore(pair, &options, budget, jobs, &show(&bar, pair))?;
        let mut result = found.summary();
        if args.audit {
            result.push_str(&format!("; {}", audited(pair, &found, true)?.trim_end()));
        }
        broke |= !found.violations.is_empty() || failed(&found);
        bar.suspend(|| output::println(&row(pair, &found, &result)))?;
    }
    bar.finish_and_clear();
    Ok(if broke {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The multi-pair table's header.
pub fn header() -> String {
    format!(
        "{:<32} {:<7} {:>10} {:>10} {:>8}  result",
        "pair", "expect", "schedules", "states", "pruned"
    )
}

/// A row of the multi-pair table: `pair`'s exploration and its result in words.
pub fn row(pair: Pair, found: &Exploration, result: &str) -> String {
    format!(
        "{:<32} {:<7} {:>10} {:>10} {:>8}  {result}",
        format!("{}/{}", pair.workload.name, pair.variant.name),
        pair.expectation.expected.name(),
        found.schedules,
        found.states,
        found.pruned,
    )
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

/// Shows a search of `pair` on `bar`.
fn show<'a>(bar: &'a ProgressBar, pair: Pair) -> impl Fn(&Progress) + Sync + 'a {
    bar.set_prefix(pair.to_string());
    bar.set_position(0);
    move |p: &Progress| {
        bar.set_position(p.runs);
        let bound = p
            .bound
            .map_or(String::new(), |k| format!(", ≤ {k} preemptions"));
        bar.set_message(format!("{} states, depth {}{bound}", p.states, p.depth));
    }
}

/// Whether the audit found a wrong footprint.
fn failed(found: &Exploration) -> bool {
    found.audit.as_ref().is_some_and(|a| a.failure.is_some())
}

/// The audit's finding, when asked for; an error when the model cannot be audited.
fn audited(pair: Pair, found: &Exploration, asked: bool) -> Result<String> {
    if !asked {
        return Ok(String::new());
    }
    let Some(audit) = &found.audit else {
        anyhow::bail!("{pair}: --audit needs a model that fingerprints its state");
    };
    Ok(match &audit.failure {
        Some(f) => format!("AUDIT FAILED for {pair}: {f}\n"),
        None => format!(
            "audit: {} independences confirmed by running both orders ({} not comparable: a \
             run ended between the two steps)\n",
            audit.checked, audit.unchecked
        ),
    })
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
        how.push_str(&format!(", at most {}", count(u64::from(k), "preemption")));
    }
    how
}

fn describe(pair: Pair, found: &Exploration, budget: u64) -> Result<String> {
    use std::fmt::Write;
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
        let mut sim = pair.runner();
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
        let _ = writeln!(out, "replay: {}", crate::select::replay(pair, &d.schedule));
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
            "PROVED for every schedule of {pair} with at most {}: none breaks an \
             invariant. Incomplete beyond: schedules with more preemptions were not all explored \
             within the budget of {budget} schedules. {bounds}",
            count(u64::from(k), "preemption")
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
