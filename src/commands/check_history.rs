//! `raceway check-history FILE`: check a history recorded from a real system (JSON Lines)
//! against consistency models.
//!
//! One event per line, in real-time order: `{"process": 0, "type": "invoke", "f": "write",
//! "key": "x", "value": 1}`. `type` is `invoke`, `ok`, `fail` or `info` (unknown outcome);
//! `f` is `read`, `write`, `cas` (value `[old, new]`) or `delete`; `key` is optional (one
//! register when absent). Exit 0 when every model checked holds, 1 when one is violated, 2
//! for bad input, with one line naming the line number.

use crate::history_file::Loaded;
use crate::history_page;
use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, ValueEnum};
use raceway_sim::consistency::{
    check, Consistency, Event, EventKind, History, KvMap, Op, Register, Spec, Value, Verdict,
};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct CheckHistoryArgs {
    /// The history: JSON Lines, one event per line, in real-time order.
    pub file: PathBuf,
    /// The sequential specification: one register (keys must all be the same), or a
    /// key-value map (one register per key).
    #[arg(long, value_enum, default_value_t = SpecName::Kv)]
    pub model: SpecName,
    /// The consistency models to check (repeatable, or comma-separated): linearizable,
    /// sequential, read-your-writes, monotonic-reads, monotonic-writes, writes-follow-reads,
    /// eventual, or all.
    #[arg(long, value_delimiter = ',', default_value = "all", value_parser = model)]
    pub consistency: Vec<Option<Consistency>>,
    /// Also write a self-contained HTML page of the history, its counterexamples and the
    /// linearizations found.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpecName {
    /// One read/write register.
    Register,
    /// A key-value map: one register per key.
    Kv,
}

/// A `--consistency` value: one model by its name, or `all` (`None`).
fn model(name: &str) -> Result<Option<Consistency>, String> {
    if name == "all" {
        return Ok(None);
    }
    Consistency::from_name(name).map(Some).ok_or_else(|| {
        let names: Vec<&str> = Consistency::ALL.iter().map(|m| m.name()).collect();
        format!("unknown model {name:?} ({} or all)", names.join(", "))
    })
}

pub fn run(args: &CheckHistoryArgs) -> Result<ExitCode> {
    let loaded = load(&args.file, args.model)?;
    let mut models: Vec<Consistency> = args
        .consistency
        .iter()
        .flat_map(|m| m.map_or(Consistency::ALL.to_vec(), |m| vec![m]))
        .collect();
    models.sort();
    models.dedup();
    let verdicts = match args.model {
        SpecName::Register => verdicts(&Register, &loaded, &models),
        SpecName::Kv => verdicts(&KvMap, &loaded, &models),
    };
    crate::output::print(&render(&args.file, &loaded, &verdicts))?;
    if let Some(out) = &args.html {
        let page = match args.model {
            SpecName::Register => {
                history_page::render(&Register, &args.file, &loaded, &verdicts, None)
            }
            SpecName::Kv => history_page::render(&KvMap, &args.file, &loaded, &verdicts, None),
        };
        crate::files::write(out, page.as_bytes())?;
        crate::output::println(&format!("wrote {}", out.display()))?;
    }
    Ok(if verdicts.iter().all(Verdict::holds) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn verdicts<S: Spec>(spec: &S, loaded: &Loaded, models: &[Consistency]) -> Vec<Verdict> {
    let ops = loaded.history.operations();
    models.iter().map(|&m| check(spec, &ops, m)).collect()
}

/// Reads and validates a history file; errors name the file and line.
pub fn load(path: &Path, spec: SpecName) -> Result<Loaded> {
    let text = crate::files::read(path)?;
    let mut history = History::new();
    let mut lines = Vec::new();
    let mut register_key: Option<(Option<Value>, usize)> = None;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let at = |e: anyhow::Error| anyhow!("{}:{n}: {e}", path.display());
        let event = parse_event(line).map_err(at)?;
        if spec == SpecName::Register {
            match &register_key {
                None => register_key = Some((event.key.clone(), n)),
                Some((key, first)) if *key != event.key => {
                    return Err(at(anyhow!(
                        "key {} differs from line {first}'s, and --model register checks one \
                         register (use --model kv)",
                        event
                            .key
                            .as_ref()
                            .map_or("(none)".to_string(), |k| k.to_string())
                    )));
                }
                Some(_) => {}
            }
        }
        history.push(event).map_err(|e| at(e.into()))?;
        lines.push(n);
    }
    Ok(Loaded { history, lines })
}

fn parse_event(line: &str) -> Result<Event> {
    let json: serde_json::Value =
        serde_json::from_str(line).map_err(|e| anyhow!("bad JSON: {e}"))?;
    let obj = json
        .as_object()
        .ok_or_else(|| anyhow!("an event must be a JSON object"))?;
    let field = |name: &str| obj.get(name).filter(|v| !v.is_null());
    let process = field("process")
        .and_then(|p| p.as_u64())
        .and_then(|p| u32::try_from(p).ok())
        .ok_or_else(|| anyhow!("`process` must be a non-negative integer"))?;
    let kind = match field("type").and_then(|t| t.as_str()) {
        Some("invoke") => EventKind::Invoke,
        Some("ok") => EventKind::Ok,
        Some("fail") => EventKind::Fail,
        Some("info") => EventKind::Info,
        other => bail!(
            "unknown type {} (invoke, ok, fail or info)",
            other.map_or("(missing)".to_string(), |t| format!("{t:?}"))
        ),
    };
    let op = match field("f").and_then(|f| f.as_str()) {
        Some("read") => Op::Read,
        Some("write") => Op::Write,
        Some("cas") => Op::Cas,
        Some("delete") => Op::Delete,
        other => bail!(
            "unknown f {} (read, write, cas or delete)",
            other.map_or("(missing)".to_string(), |f| format!("{f:?}"))
        ),
    };
    let key = field("key")
        .map(|k| value(k).context("bad key"))
        .transpose()?;
    let value = field("value")
        .map(|v| value(v).context("bad value"))
        .transpose()?
        .unwrap_or(Value::Nil);
    if op == Op::Cas && kind == EventKind::Invoke && value.as_pair().is_none() {
        bail!("a cas's value must be [old, new]");
    }
    Ok(Event {
        process,
        kind,
        op,
        key,
        value,
        time: None,
    })
}

fn value(v: &serde_json::Value) -> Result<Value> {
    Ok(match v {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Int(
            n.as_i64()
                .ok_or_else(|| anyhow!("{n} is not a 64-bit integer"))?,
        ),
        serde_json::Value::String(s) => Value::text(s),
        serde_json::Value::Array(items) => {
            Value::List(items.iter().map(value).collect::<Result<Vec<_>>>()?.into())
        }
        serde_json::Value::Object(_) => bail!("objects are not values here"),
    })
}

/// The verdict table, then each counterexample with the file's line numbers.
fn render(path: &Path, loaded: &Loaded, verdicts: &[Verdict]) -> String {
    use std::fmt::Write;
    let ops = loaded.history.operations();
    let processes: std::collections::BTreeSet<u32> = ops.iter().map(|o| o.process).collect();
    let mut out = format!(
        "{}: {} operations by {} processes\n",
        path.display(),
        ops.len(),
        processes.len()
    );
    for v in verdicts {
        let verdict = v.word();
        let note = v.unknown.as_ref().or(v.note.as_ref());
        let note = note.map_or(String::new(), |n| format!(" ({n})"));
        let _ = writeln!(out, "  {:<20} {verdict}{note}", v.model.name());
    }
    for v in verdicts {
        let Some(c) = &v.counterexample else { continue };
        let _ = writeln!(out, "\n✗ {}: {}", v.model, c.why);
        let _ = writeln!(
            out,
            "  a minimal violating sub-history ({} of {} operations: without any one of them, \
             keeping every read's write, it holds):",
            c.ops.len(),
            c.of
        );
        for op in &c.ops {
            let _ = writeln!(out, "    {:<10} {op}", loaded.span(op));
        }
        if !c.order.is_empty() || c.stuck.is_some() {
            let names: Vec<String> = c.order.iter().map(|id| format!("{}", ops[*id])).collect();
            let _ = write!(
                out,
                "  the longest order found: {}",
                if names.is_empty() {
                    "(none)".to_string()
                } else {
                    names.join(", ")
                }
            );
            match c.stuck {
                Some(s) => {
                    let _ = writeln!(out, "; no continuation places {} before it returns", ops[s]);
                }
                None => out.push('\n'),
            }
        }
    }
    out
}
