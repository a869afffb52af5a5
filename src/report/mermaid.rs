//! A trace as a Mermaid sequence diagram (GitHub renders it): one lifeline per task and per
//! shared resource of the modelled system (not the checker's ghost state), an arrow per access,
//! notes for picks, waits and the violation.

use raceway_sim::{Event, Mode, Trace};
use std::fmt::Write;

/// Mermaid ends a statement at `;` and reads `#…;` as an entity: write both as entities, in
/// one pass (a second pass would escape the first's `;`).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '#' => out.push_str("#35;"),
            ';' => out.push_str("#59;"),
            c => out.push(c),
        }
    }
    out
}

pub fn diagram(trace: &Trace) -> String {
    let mut resources: Vec<&'static str> = Vec::new();
    for e in &trace.events {
        if let Event::Step { footprint, .. } = e {
            for a in footprint.system() {
                if !resources.contains(&a.resource) {
                    resources.push(a.resource);
                }
            }
        }
    }
    let mut out = String::from("sequenceDiagram\n");
    for (i, t) in trace.tasks.iter().enumerate() {
        let _ = writeln!(out, "    participant T{i} as {}", escape(t));
    }
    for (j, r) in resources.iter().enumerate() {
        let _ = writeln!(out, "    participant R{j} as {}", escape(r));
    }
    let everyone = match resources.len() {
        0 if trace.tasks.len() <= 1 => "T0".to_string(),
        0 => format!("T0,T{}", trace.tasks.len() - 1),
        n => format!("T0,R{}", n - 1),
    };
    for e in &trace.events {
        match e {
            Event::Step {
                task,
                label,
                footprint,
                result,
                ..
            } => {
                let target = footprint
                    .system()
                    .find(|a| a.mode == Mode::Write)
                    .or(footprint.system().next());
                match target {
                    Some(a) => {
                        let r = resources.iter().position(|r| *r == a.resource).unwrap_or(0);
                        let _ = writeln!(out, "    T{task}->>R{r}: {}", escape(label));
                        if let Some(result) = result {
                            let _ = writeln!(out, "    R{r}-->>T{task}: {}", escape(result));
                        }
                    }
                    None => {
                        let text = match result {
                            Some(r) => format!("{label} → {r}"),
                            None => label.to_string(),
                        };
                        let _ = writeln!(out, "    Note over T{task}: {}", escape(&text));
                    }
                }
            }
            Event::Pick {
                task,
                label,
                chosen,
                of,
            } => {
                let _ = writeln!(
                    out,
                    "    Note over T{task}: ? {}: {chosen} of {of}",
                    escape(label)
                );
            }
            Event::Note { task, text } => {
                let _ = writeln!(out, "    Note over T{task}: {}", escape(text));
            }
            Event::Client(c) => {
                let _ = writeln!(out, "    Note over T{}: {}", c.process, escape(&e.text()));
            }
            Event::Settle => {
                let _ = writeln!(out, "    Note over {everyone}: settle");
            }
        }
    }
    if let Some(v) = &trace.violation {
        let _ = writeln!(
            out,
            "    Note over {everyone}: ✗ {}",
            escape(&v.to_string())
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_ends_and_entities_are_escaped() {
        assert_eq!(escape("a; b #1"), "a#59; b #35;1");
    }

    #[test]
    fn one_lifeline_per_task_and_resource() {
        let wlog = raceway_scenarios::find("wlog").unwrap();
        let seed = wlog.named("seed").unwrap();
        let mut sim = wlog.pair(seed.workload, seed.variant).unwrap().runner();
        let script = seed.script;
        sim.run(&mut raceway_sim::strategy::Script::new(script), true)
            .unwrap();
        let d = diagram(sim.trace());
        for line in [
            "participant T0 as projector",
            "participant T1 as putwlog",
            "participant R0 as cache[k]",
            "participant R1 as storage[k]",
            "T0->>R0: cache.Set(k, Miss)",
            "R1-->>T0: not found",
        ] {
            assert!(d.contains(line), "{line} missing:\n{d}");
        }
        assert!(
            d.trim_end()
                .ends_with("cache holds Miss but storage holds v"),
            "{d}"
        );
    }
}
