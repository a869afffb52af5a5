//! Two variants' runs of the same task order, as one list of steps at most [`WIDTH`] columns
//! wide: what both runs did is printed once, what differs is marked with its variant.
//!
//! A run in columns, one per task (`Trace::render`), is often 100 columns wide by itself, so
//! two side by side need twice that. One step per line, the two runs lined up by a diff of
//! their lines, fits a terminal and puts the eye on the difference.

use raceway_sim::{Event, Trace};
use similar::{capture_diff_slices, Algorithm, DiffTag};
use std::fmt::Write;

/// The widest line printed; only a word longer than a line (a long schedule) goes past it.
pub const WIDTH: usize = 100;

/// What one line shows, without its step number (which shifts when a variant adds a step):
/// two runs share a line when their keys are equal.
#[derive(PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Key {
    task: &'static str,
    time: String,
    text: String,
    /// Printed across the columns: the settle rule, the verdict, the schedule.
    whole: bool,
}

struct Line {
    step: Option<u32>,
    key: Key,
}

fn lines(trace: &Trace) -> Vec<Line> {
    let timed = trace
        .events
        .iter()
        .any(|e| matches!(e, Event::Step { time, .. } if *time != raceway_sim::Instant::ZERO));
    let mut step = 0;
    let mut out: Vec<Line> = Vec::with_capacity(trace.events.len() + 2);
    let mut push = |step: Option<u32>, task: &'static str, time: String, text: String| {
        out.push(Line {
            step,
            key: Key {
                task,
                time,
                text,
                whole: task.is_empty(),
            },
        })
    };
    for e in &trace.events {
        match e {
            Event::Step { task, time, .. } => {
                step += 1;
                let time = if timed {
                    time.to_string()
                } else {
                    String::new()
                };
                push(Some(step), trace.tasks[*task as usize], time, e.text());
            }
            Event::Pick { task, .. } | Event::Note { task, .. } => {
                push(None, trace.tasks[*task as usize], String::new(), e.text())
            }
            Event::Client(c) => push(
                None,
                trace.tasks[c.process as usize],
                String::new(),
                e.text(),
            ),
            Event::Settle => push(None, "", String::new(), e.text()),
        }
    }
    let verdict = match &trace.violation {
        Some(v) => format!("✗ {v}"),
        None => format!("✓ no violation in {} steps", trace.steps),
    };
    push(None, "", String::new(), verdict);
    push(
        None,
        "",
        String::new(),
        format!("schedule: {}", trace.schedule),
    );
    out
}

/// `left`'s run and `right`'s run of the same task order, each named by its variant.
pub fn compare(left: (&str, &Trace), right: (&str, &Trace)) -> String {
    let (a, b) = (lines(left.1), lines(right.1));
    let (ka, kb): (Vec<&Key>, Vec<&Key>) = (
        a.iter().map(|l| &l.key).collect(),
        b.iter().map(|l| &l.key).collect(),
    );
    let ops = capture_diff_slices(Algorithm::Patience, &ka, &kb);
    let number = |s: Option<u32>| s.map(|s| s.to_string()).unwrap_or_default();
    // (marker, step number, line) in print order.
    let mut rows: Vec<(&str, String, &Key)> = Vec::with_capacity(a.len().max(b.len()));
    for op in &ops {
        let (tag, old, new) = op.as_tag_tuple();
        match tag {
            DiffTag::Equal => {
                for (i, j) in old.zip(new) {
                    let n = match (a[i].step, b[j].step) {
                        (Some(x), Some(y)) if x != y => format!("{x}/{y}"),
                        (s, _) => number(s),
                    };
                    rows.push(("", n, &a[i].key));
                }
            }
            DiffTag::Replace if old.len() == new.len() => {
                // Step for step: each line of one run above the same line of the other.
                for (i, j) in old.zip(new) {
                    rows.push((left.0, number(a[i].step), &a[i].key));
                    rows.push((right.0, number(b[j].step), &b[j].key));
                }
            }
            _ => {
                rows.extend(old.map(|i| (left.0, number(a[i].step), &a[i].key)));
                rows.extend(new.map(|j| (right.0, number(b[j].step), &b[j].key)));
            }
        }
    }
    let width = |s: &str| s.chars().count();
    let marker_w = width(left.0).max(width(right.0));
    let num_w = rows.iter().map(|r| width(&r.1)).max().unwrap_or(0).max(1);
    let time_w = rows.iter().map(|r| width(&r.2.time)).max().unwrap_or(0);
    let time_w = if time_w > 0 { time_w.max(4) } else { 0 };
    let task_w = rows.iter().map(|r| width(r.2.task)).max().unwrap_or(0);
    let task_w = task_w.max(4);
    let columns = |marker: &str, number: &str, time: &str, task: &str| {
        let mut p = format!("{marker:<marker_w$}  {number:>num_w$}  ");
        if time_w > 0 {
            let _ = write!(p, "{time:>time_w$}  ");
        }
        let _ = write!(p, "{task:<task_w$}  ");
        p
    };
    let mut out = format!(
        "{} and {} on the same task order, as far as {}'s steps allow; a line marked with a \
         variant is that variant's alone, the others are both runs'.\n",
        left.0, right.0, right.0
    );
    out = wrap(&out, "", "", WIDTH);
    out.push_str(&columns(
        "",
        "#",
        if time_w > 0 { "time" } else { "" },
        "task",
    ));
    out.push_str("step\n");
    for (marker, number, key) in rows {
        let prefix = if key.whole {
            format!("{marker:<marker_w$}  ")
        } else {
            columns(marker, &number, &key.time, key.task)
        };
        let indent = " ".repeat(width(&prefix));
        out.push_str(&wrap(&key.text, &prefix, &indent, WIDTH));
    }
    out
}

/// `text` wrapped to `width` columns, its first line after `first`, the others after `rest`.
/// Words are never broken, so a schedule stays one piece that can be copied.
pub fn wrap(text: &str, first: &str, rest: &str, width: usize) -> String {
    let options = textwrap::Options::new(width.max(first.len() + 30))
        .initial_indent(first)
        .subsequent_indent(rest)
        .break_words(false);
    let mut out = String::new();
    for line in textwrap::wrap(text.trim_end(), options) {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_under_its_prefix_and_never_breaks_a_word() {
        let text = format!("{} rw1.{}", "word ".repeat(30), "A".repeat(120));
        let out = wrap(&text, "> ", "  ", 40);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].starts_with("> word") && lines[1].starts_with("  word"));
        assert!(lines[..lines.len() - 1]
            .iter()
            .all(|l| l.chars().count() <= 40));
        assert_eq!(
            lines.last().unwrap().trim(),
            format!("rw1.{}", "A".repeat(120))
        );
    }
}
