//! `raceway list`: the catalog at a glance.

use raceway_scenarios::{Expected, CATALOG};
use std::fmt::Write;

pub fn render() -> String {
    let mut out = String::new();
    for s in CATALOG {
        let _ = writeln!(out, "{}: {}", s.name, s.title);
        let _ = writeln!(out, "  workloads:");
        for w in s.workloads {
            let _ = writeln!(out, "    {:<18} {}", w.name, w.about);
        }
        let _ = writeln!(out, "  variants:");
        for v in s.variants {
            let _ = writeln!(out, "    {:<18} {}", v.name, v.about);
        }
        let _ = writeln!(out, "  named schedules:");
        for n in s.named {
            let _ = writeln!(
                out,
                "    {:<18} {}/{}: {}",
                n.name, n.workload, n.variant, n.about
            );
        }
        let _ = writeln!(out, "  expected verdicts:");
        for e in s.expectations {
            let verdict = match e.expected {
                Expected::Breaks => "breaks",
                Expected::Holds => "holds ",
            };
            let pair = format!("{}/{}", e.workload, e.variant);
            let _ = writeln!(out, "    {pair:<30} {verdict}  {}", e.reason);
        }
        out.push('\n');
    }
    out
}
