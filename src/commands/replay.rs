//! `raceway replay FILE`: re-run a saved trace and confirm it step for step.

use crate::tracefile::TraceFile;
use anyhow::Result;
use raceway_sim::strategy::Replay;
use std::path::Path;
use std::process::ExitCode;

/// Exit 0 when the run reproduces the saved trace exactly, 1 when it does not (the model
/// changed since it was saved), 2 when the file cannot be used.
pub fn replay(path: &Path) -> Result<ExitCode> {
    let file = TraceFile::load(path)?;
    let (sel, schedule) = file.target(path)?;
    let mut sim = sel.runner();
    sim.run(&mut Replay::new(schedule), true).map_err(|d| {
        anyhow::anyhow!(
            "{}: its schedule does not fit {sel} in this raceway ({}): {d}",
            path.display(),
            env!("CARGO_PKG_VERSION")
        )
    })?;
    let trace = sim.trace();
    println!("{}", trace.render());
    let now = serde_json::to_value(trace)?;
    if now == file.trace {
        let what = match &trace.violation {
            Some(v) => format!("and the {} violation `{}`", v.kind, v.invariant),
            None => "and no violation".to_string(),
        };
        println!("replay: reproduced {} steps {what} exactly", trace.steps);
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "replay: the run differs from the saved trace (saved by raceway {}): {}",
            file.raceway,
            first_difference(&file.trace, &now)
        );
        Ok(ExitCode::from(1))
    }
}

fn first_difference(saved: &serde_json::Value, now: &serde_json::Value) -> String {
    let (se, ne) = (&saved["events"], &now["events"]);
    if let (Some(se), Some(ne)) = (se.as_array(), ne.as_array()) {
        for (i, (a, b)) in se.iter().zip(ne).enumerate() {
            if a != b {
                return format!("event {}: saved {a}, now {b}", i + 1);
            }
        }
        if se.len() != ne.len() {
            return format!("saved {} events, now {}", se.len(), ne.len());
        }
    }
    format!(
        "violation: saved {}, now {}",
        saved["violation"], now["violation"]
    )
}
