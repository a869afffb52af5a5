//! `raceway explore`: every schedule of a workload, with every distinct violation and its
//! shortest trace, or a proof that there is none within the workload's bounds.

use crate::cli::ExploreArgs;
use crate::output::{self, count, plural};
use crate::select::{explore, pairs, scenarios};
use anyhow::Result;
use raceway_scenarios::Pair;
use raceway_sim::explore::{Exploration, Options};
use raceway_sim::strategy::Replay;
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
        preemptions: args.preemptions,
        max_schedules: args.max_schedules,
        all: args.all,
    };
    let selected = pairs(scenario, &args.workload, &args.variant);
    if let [pair] = selected[..] {
        let found = explore(pair, &options)?;
        output::print(&describe(pair, &found, &options)?)?;
        return Ok(if found.violations.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let mut broke = false;
    output::println(&format!(
        "{:<32} {:<7} {:>10} {:>8}  result",
        "pair", "expect", "schedules", "pruned"
    ))?;
    for pair in selected {
        if output::closed() {
            break;
        }
        let found = explore(pair, &options)?;
        let expected = pair.expectation.expected;
        let result = summary(&found, &options);
        broke |= !found.violations.is_empty();
        output::println(&format!(
            "{:<32} {:<7} {:>10} {:>8}  {result}",
            format!("{}/{}", pair.workload.name, pair.variant.name),
            expected.name(),
            found.schedules,
            found.pruned,
        ))?;
    }
    Ok(if broke {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// One line: the exploration's own summary, except that a clean search within a preemption
/// bound is not called a proof.
pub fn summary(found: &Exploration, options: &Options) -> String {
    match options.preemptions {
        Some(k) if found.proves() => format!(
            "none with at most {k} {}: a bounded search, not a proof",
            plural(u64::from(k), "preemption")
        ),
        _ => found.summary(),
    }
}

fn describe(pair: Pair, found: &Exploration, options: &Options) -> Result<String> {
    use std::fmt::Write;
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
