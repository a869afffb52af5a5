//! A self-contained HTML page of a history: one timeline per process, each operation a bar
//! from its invocation to its completion, with the linearization found (porcupine's
//! visualisation is the model) and, per violated model, its minimal counterexample with the
//! longest order found and the operation where none goes on. No server, no network: the
//! style and the script are inline.

use crate::history_file::Loaded;
use raceway_sim::consistency::{check_linearizable, Detail, Operation, Outcome, Spec, Verdict};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::Path;

const STYLE: &str = "
body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 32px; }
.timeline { position: relative; border-left: 1px solid #999; margin: 8px 0 4px 64px; }
.lane { position: relative; height: 34px; border-bottom: 1px dotted #ccc; }
.lane > .name { position: absolute; left: -60px; top: 9px; font-weight: 600; }
.op { position: absolute; top: 4px; height: 24px; box-sizing: border-box; overflow: hidden;
      white-space: nowrap; font-size: 12px; line-height: 22px; padding: 0 4px;
      background: #cfe3ff; border: 1px solid #3b73c4; border-radius: 4px; cursor: default; }
.op.unknown { border-style: dashed; background: #eef4ff; }
.op.failed { background: #eee; border-color: #aaa; color: #777; }
.op.unplaced { background: #ffe9c7; border-color: #c98a1b; }
.op.stuck { background: #ffc9c9; border-color: #c62828; border-width: 2px; }
.op.lit { outline: 3px solid #222; }
.op .lin { font-weight: 700; margin-right: 4px; }
.why { color: #c62828; font-weight: 600; }
ol.order { font-family: ui-monospace, monospace; font-size: 12px; }
.legend span { display: inline-block; padding: 0 6px; margin-right: 8px; border-radius: 4px; border: 1px solid; }
";

const SCRIPT: &str = "
document.body.setAttribute('data-rendered-ops', document.querySelectorAll('.whole .op').length);
document.querySelectorAll('.op').forEach(function (op) {
  op.addEventListener('mouseenter', function () {
    document.querySelectorAll('.op[data-op=\"' + op.dataset.op + '\"]').forEach(function (o) { o.classList.add('lit'); });
  });
  op.addEventListener('mouseleave', function () {
    document.querySelectorAll('.op.lit').forEach(function (o) { o.classList.remove('lit'); });
  });
});
";

/// The page for a checked history; `steps`, a simulated run's trace as text, goes beside it.
pub fn render<S: Spec>(
    spec: &S,
    path: &Path,
    loaded: &Loaded,
    verdicts: &[Verdict],
    steps: Option<&str>,
) -> String {
    let ops = loaded.history.operations();
    let title = format!("History {}", path.display());
    let mut body = format!("<h1>{}</h1>\n<p>", escape(&title));
    for v in verdicts {
        let _ = write!(body, "<b>{}</b>: {} &nbsp; ", v.model, v.word());
    }
    body.push_str("</p>\n<p class=\"legend\">");
    body.push_str(
        "<span class=\"op\" style=\"position:static\">#n: place in the order found</span>\
         <span class=\"op unknown\" style=\"position:static\">unknown outcome</span>\
         <span class=\"op unplaced\" style=\"position:static\">not in the longest order</span>\
         <span class=\"op stuck\" style=\"position:static\">where no order goes on</span>",
    );
    body.push_str("</p>\n");
    for v in verdicts {
        let Some(c) = &v.counterexample else { continue };
        let _ = writeln!(
            body,
            "<section class=\"counterexample\" data-model=\"{}\">\n<h2>✗ {}: a minimal \
             counterexample ({} of {} operations)</h2>\n<p class=\"why\">{}</p>",
            v.model,
            v.model,
            c.ops.len(),
            c.of,
            escape(&c.why)
        );
        let place: BTreeMap<usize, usize> = c
            .order
            .iter()
            .enumerate()
            .map(|(i, &id)| (id, i + 1))
            .collect();
        let ordered = !c.order.is_empty() || c.stuck.is_some();
        body.push_str(&timeline(loaded, &c.ops, &place, |op| {
            if c.stuck == Some(op.id) {
                "stuck"
            } else if ordered && !place.contains_key(&op.id) {
                "unplaced"
            } else {
                ""
            }
        }));
        if ordered {
            body.push_str(&order_list(loaded, &ops, &c.order, c.stuck));
        }
        body.push_str("</section>\n");
    }
    // The whole history, with the linearization of each part that has one.
    let parts = check_linearizable(spec, &ops, Detail::Verdict);
    let mut place = BTreeMap::new();
    for p in parts.iter().filter(|p| p.holds) {
        for (i, &id) in p.order.iter().enumerate() {
            place.insert(id, i + 1);
        }
    }
    let broken: BTreeSet<usize> = parts
        .iter()
        .filter(|p| !p.holds)
        .flat_map(|p| p.ops.iter().copied())
        .collect();
    let _ = writeln!(
        body,
        "<section class=\"whole\">\n<h2>The whole history ({} operations)</h2>\n<p>#n: the \
         operation's place in a linearization of its key; a key with none is shaded.</p>",
        ops.len()
    );
    body.push_str(&timeline(loaded, &ops, &place, |op| {
        if broken.contains(&op.id) {
            "unplaced"
        } else {
            ""
        }
    }));
    body.push_str("</section>\n");
    if let Some(steps) = steps {
        let _ = writeln!(
            body,
            "<section class=\"steps\">\n<h2>The run's steps</h2>\n<pre>{}</pre>\n</section>",
            escape(steps)
        );
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n{body}<script>{SCRIPT}</script>\n</body>\n</html>\n",
        escape(&title)
    )
}

/// One lane per process; each operation a bar over its events' span (unknown outcomes run
/// to the end).
fn timeline(
    loaded: &Loaded,
    ops: &[Operation],
    place: &BTreeMap<usize, usize>,
    class: impl Fn(&Operation) -> &'static str,
) -> String {
    let end = loaded.history.events().len().max(1) as f64;
    let processes: BTreeSet<u32> = ops.iter().map(|o| o.process).collect();
    let mut out = String::from("<div class=\"timeline\">\n");
    for p in processes {
        let _ = writeln!(
            out,
            "<div class=\"lane\" data-process=\"{p}\"><span class=\"name\">p{p}</span>"
        );
        for op in ops.iter().filter(|o| o.process == p) {
            let from = op.invoked as f64 / end * 100.0;
            let to = op.completed.map_or(end, |c| c as f64 + 1.0) / end * 100.0;
            let mut classes = vec!["op"];
            match op.outcome {
                Outcome::Unknown => classes.push("unknown"),
                Outcome::Fail => classes.push("failed"),
                Outcome::Ok => {}
            }
            let extra = class(op);
            if !extra.is_empty() {
                classes.push(extra);
            }
            let badge = place.get(&op.id).map_or(String::new(), |n| {
                format!("<span class=\"lin\">#{n}</span>")
            });
            let text = escape(&op.to_string());
            let _ = writeln!(
                out,
                "  <div class=\"{}\" data-op=\"{}\" style=\"left:{from:.3}%;width:{:.3}%\" \
                 title=\"{text} ({})\">{badge}{text}</div>",
                classes.join(" "),
                op.id,
                (to - from).max(0.5),
                loaded.span(op)
            );
        }
        out.push_str("</div>\n");
    }
    out.push_str("</div>\n");
    out
}

fn order_list(loaded: &Loaded, ops: &[Operation], order: &[usize], stuck: Option<usize>) -> String {
    let mut out = String::from("<p>The longest order found:</p>\n<ol class=\"order\">\n");
    for &id in order {
        let op = &ops[id];
        let _ = writeln!(
            out,
            "<li>{} ({})</li>",
            escape(&op.to_string()),
            loaded.span(op)
        );
    }
    out.push_str("</ol>\n");
    if let Some(s) = stuck {
        let _ = writeln!(
            out,
            "<p class=\"why\">No continuation of this order places {} ({}) before it returns.</p>",
            escape(&ops[s].to_string()),
            loaded.span(&ops[s])
        );
    }
    out
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
