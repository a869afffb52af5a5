//! `raceway list`: the catalog at a glance.

use raceway_scenarios::{Expected, CATALOG};
use std::fmt::Write;

pub fn render() -> String {
    let mut out = String::new();
    for &s in CATALOG {
        let _ = writeln!(out, "{}: {}", s.name(), s.title());
        let _ = writeln!(out, "  workloads:");
        for w in s.workloads() {
            let _ = writeln!(out, "    {:<18} {}", w.name, w.about);
        }
        let _ = writeln!(out, "  variants:");
        for v in s.variants() {
            let _ = writeln!(out, "    {:<18} {}", v.name, v.about);
        }
        let _ = writeln!(out, "  named schedules:");
        for n in s.named_schedules() {
            let _ = writeln!(
                out,
                "    {:<18} {}/{}: {}",
                n.name, n.workload, n.variant, n.about
            );
        }
        let _ = writeln!(out, "  expected verdicts:");
        for p in s.pairs() {
            let verdict = match p.expectation.expected {
                Expected::Breaks => "breaks",
                Expected::Holds => "holds ",
            };
            let pair = format!("{}/{}", p.workload.name, p.variant.name);
            let _ = writeln!(out, "    {pair:<30} {verdict}  {}", p.expectation.reason);
        }
        out.push('\n');
    }
    out
}
