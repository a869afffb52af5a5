//! Traces: what a run did, step by step, and the violation it ended with.
//!
//! A trace is recorded only when asked for (a `run`, a replay, the rebuild of a failing sweep
//! run); sweeps record the choices alone. It renders as text in columns, one per task, like
//! the diagrams of the seed reports, and serialises to JSON for tools and for `replay`.

use crate::footprint::Footprint;
use crate::invariant::Kind;
use crate::schedule::Schedule;
use crate::strategy::TaskId;
use crate::time::Instant;
use std::borrow::Cow;
use std::fmt::{self, Write};

/// The version of the JSON trace layout; `replay` refuses other versions (2: client
/// operations' events, [`Event::Client`]).
pub const TRACE_VERSION: u32 = 2;

/// One thing that happened in a run.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Event {
    /// A task took a step.
    Step {
        /// The task.
        task: TaskId,
        /// The step's label, naming the real call (`storage.Get(k)`).
        label: Cow<'static, str>,
        /// What the step touched.
        footprint: Footprint,
        /// What the step returned, when it returned something (`Debug` of the value).
        #[serde(skip_serializing_if = "Option::is_none")]
        result: Option<String>,
        /// The virtual time of the step.
        time: Instant,
    },
    /// A task's pick: a fault, an eviction, a stale read.
    Pick {
        /// The task.
        task: TaskId,
        /// What was decided.
        label: &'static str,
        /// The option taken.
        chosen: u32,
        /// Among how many.
        of: u32,
    },
    /// A scenario's note in the trace, such as a cost counter (`[KVr:5 KVw:0]`).
    Note {
        /// The task that wrote it.
        task: TaskId,
        /// The note.
        text: String,
    },
    /// The workload ended and the settle phase began.
    Settle,
    /// A task marked a client operation's invocation or completion ([`Cx::invoke`]); its
    /// process is the task. In JSON, a line of a history file (`raceway check-history`).
    ///
    /// [`Cx::invoke`]: crate::Cx::invoke
    Client(crate::consistency::Event),
}

impl Event {
    /// The event as a line of text, as traces print it: `label → result` for a step,
    /// `? label: chosen of n` for a pick, `· note` for a note, `── settle ──` for the settle.
    pub fn text(&self) -> String {
        match self {
            Event::Step {
                label,
                result: Some(r),
                ..
            } => format!("{label} → {r}"),
            Event::Step { label, .. } => label.to_string(),
            Event::Pick {
                label, chosen, of, ..
            } => format!("? {label}: {chosen} of {of}"),
            Event::Note { text, .. } => format!("· {text}"),
            Event::Settle => "── settle ──".to_string(),
            Event::Client(e) => client_text(e),
        }
    }

    /// The task that the event belongs to (`None` for the settle rule).
    pub fn task(&self) -> Option<TaskId> {
        match self {
            Event::Step { task, .. } | Event::Pick { task, .. } | Event::Note { task, .. } => {
                Some(*task)
            }
            Event::Client(e) => Some(e.process),
            Event::Settle => None,
        }
    }
}

/// A client mark as a trace line: `▶ write "k" 2` when invoked, `◀ read "k" → 2`,
/// `◀ write "k" ok`, `◀ write "k" failed` or `◀ write "k" ?` when it returns.
fn client_text(e: &crate::consistency::Event) -> String {
    use crate::consistency::{EventKind, Op, Value};
    let mut call = e.op.name().to_string();
    if let Some(key) = &e.key {
        let _ = write!(call, " {key}");
    }
    match e.kind {
        EventKind::Invoke => match (&e.op, &e.value) {
            (Op::Read | Op::Delete, _) | (_, Value::Nil) => format!("▶ {call}"),
            (_, v) => format!("▶ {call} {v}"),
        },
        EventKind::Ok => match (&e.op, &e.value) {
            (Op::Read, v) => format!("◀ {call} → {v}"),
            (_, Value::Nil) => format!("◀ {call} ok"),
            (_, v) => format!("◀ {call} → {v}"),
        },
        EventKind::Fail => format!("◀ {call} failed"),
        EventKind::Info => format!("◀ {call} ?"),
    }
}

/// An invariant that broke, or an engine-detected failure (panic, deadlock, livelock).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// Its kind.
    pub kind: Kind,
    /// The invariant's name (`panic`, `deadlock`, `step-limit` for the engine's own).
    pub invariant: Cow<'static, str>,
    /// What was wrong, for a person.
    pub message: String,
    /// The number of steps taken when it was detected.
    pub step: u32,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} violation `{}` after step {}: {}",
            self.kind, self.invariant, self.step, self.message
        )
    }
}

/// A recorded run.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Trace {
    /// The trace layout version.
    pub version: u32,
    /// Task names by task id.
    pub tasks: Vec<&'static str>,
    /// What happened, in order.
    pub events: Vec<Event>,
    /// How the run ended.
    pub violation: Option<Violation>,
    /// The run's choices, replayable.
    #[serde(serialize_with = "as_string")]
    pub schedule: Schedule,
    /// The number of steps taken.
    pub steps: u32,
}

fn as_string<S: serde::Serializer>(s: &Schedule, ser: S) -> Result<S::Ok, S::Error> {
    ser.collect_str(s)
}

impl Trace {
    /// The steps only, as `(task name, label)`: handy for tests and comparisons.
    pub fn step_labels(&self) -> Vec<(&'static str, &str)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Step { task, label, .. } => Some((self.tasks[*task as usize], &**label)),
                _ => None,
            })
            .collect()
    }

    /// The client operations the run's tasks marked, as a history (empty when none).
    pub fn history(&self) -> crate::consistency::History {
        let events = self.events.iter().filter_map(|e| match e {
            Event::Client(c) => Some(c.clone()),
            _ => None,
        });
        crate::consistency::History::from_events(events)
            .expect("a run records only a well-formed history")
    }

    /// Renders the trace as text in columns, one per task, then the verdict line.
    pub fn render(&self) -> String {
        let timed = self
            .events
            .iter()
            .any(|e| matches!(e, Event::Step { time, .. } if *time != Instant::ZERO));
        let mut rows: Vec<Row> = Vec::with_capacity(self.events.len());
        let mut step = 0;
        for e in &self.events {
            rows.push(match e {
                Event::Step { task, time, .. } => {
                    step += 1;
                    Row::Cell {
                        number: Some(step),
                        time: timed.then(|| time.to_string()),
                        task: *task,
                        text: e.text(),
                    }
                }
                Event::Pick { task, .. } | Event::Note { task, .. } => Row::Cell {
                    number: None,
                    time: None,
                    task: *task,
                    text: e.text(),
                },
                Event::Client(c) => Row::Cell {
                    number: None,
                    time: None,
                    task: c.process,
                    text: e.text(),
                },
                Event::Settle => Row::Rule,
            });
        }
        let mut widths: Vec<usize> = self.tasks.iter().map(|t| t.chars().count()).collect();
        for r in &rows {
            if let Row::Cell { task, text, .. } = r {
                let w = &mut widths[*task as usize];
                *w = (*w).max(text.chars().count());
            }
        }
        let num_w = step.to_string().len().max(1);
        let time_w = if timed {
            rows.iter()
                .filter_map(|r| match r {
                    Row::Cell { time: Some(t), .. } => Some(t.len()),
                    _ => None,
                })
                .max()
                .unwrap_or(0)
                .max(4)
        } else {
            0
        };
        let mut out = String::new();
        let prefix = |out: &mut String, number: &str, time: &str| {
            let _ = write!(out, "{number:>num_w$}  ");
            if timed {
                let _ = write!(out, "{time:>time_w$}  ");
            }
        };
        prefix(&mut out, "#", if timed { "time" } else { "" });
        for (i, name) in self.tasks.iter().enumerate() {
            push_cell(&mut out, name, widths[i], i + 1 == self.tasks.len());
        }
        out.push('\n');
        for r in &rows {
            match r {
                Row::Cell {
                    number,
                    time,
                    task,
                    text,
                } => {
                    let n = number.map(|n| n.to_string()).unwrap_or_default();
                    prefix(&mut out, &n, time.as_deref().unwrap_or(""));
                    let last = *task as usize;
                    for (i, w) in widths.iter().enumerate().take(last + 1) {
                        let cell = if i == last { text.as_str() } else { "" };
                        push_cell(&mut out, cell, *w, i == last);
                    }
                }
                Row::Rule => {
                    let _ = write!(out, "{:>num_w$}  {}", "", Event::Settle.text());
                }
            }
            out.push('\n');
        }
        match &self.violation {
            Some(v) => {
                let _ = writeln!(out, "✗ {v}");
            }
            None => {
                let _ = writeln!(out, "✓ no violation in {} steps", self.steps);
            }
        }
        let _ = writeln!(out, "schedule: {}", self.schedule);
        out
    }
}

enum Row {
    Cell {
        number: Option<u32>,
        time: Option<String>,
        task: TaskId,
        text: String,
    },
    /// The settle phase began.
    Rule,
}

fn push_cell(out: &mut String, text: &str, width: usize, last: bool) {
    out.push_str(text);
    if !last {
        let pad = width - text.chars().count() + 3;
        out.extend(std::iter::repeat_n(' ', pad));
    }
}
