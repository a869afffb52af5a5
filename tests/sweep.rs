//! Sweeps: results independent of `--jobs` and of the shard split; exit status; the committed
//! catalog report matches a fresh sweep.

mod common;

use common::{files_under, raceway, temp};
use serde_json::Value;
use std::path::Path;

/// The sweep's JSON without its timings, which alone may differ between equal sweeps.
fn findings(json: &str) -> Value {
    let mut v: Value = serde_json::from_str(json).unwrap();
    for row in v["rows"].as_array_mut().unwrap() {
        let row = row.as_object_mut().unwrap();
        row.remove("per_second");
        row.remove("seconds");
    }
    v
}

const SELECTION: [&str; 6] = [
    "--scenario",
    "wlog",
    "--seeds",
    "100..700",
    "--format",
    "json",
];

#[test]
fn results_do_not_depend_on_jobs_or_shards() {
    let sweep = |extra: &[&str]| {
        let args: Vec<&str> = ["sweep"]
            .iter()
            .chain(&SELECTION)
            .chain(extra)
            .copied()
            .collect();
        let (code, out, err) = raceway(&args);
        assert_eq!(code, 0, "{err}");
        out
    };
    let one = findings(&sweep(&["--jobs", "1"]));
    assert_eq!(findings(&sweep(&["--jobs", "2"])), one);
    assert_eq!(findings(&sweep(&["--jobs", "5"])), one);
    let mut files = Vec::new();
    for i in 1..=3 {
        let path = temp(&format!("shard{i}.json"));
        std::fs::write(&path, sweep(&["--jobs", "2", "--shard", &format!("{i}/3")])).unwrap();
        files.push(path);
    }
    let mut args = vec!["merge", "--format", "json"];
    // Given in any order.
    args.extend(files.iter().rev().map(|p| p.to_str().unwrap()));
    let (code, merged, err) = raceway(&args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(findings(&merged), one);
    // A shard missing is refused.
    let (code, _, err) = raceway(&[
        "merge",
        files[0].to_str().unwrap(),
        files[1].to_str().unwrap(),
    ]);
    assert_eq!((code, err.lines().count()), (2, 1), "{err}");
}

#[test]
fn a_shard_leaves_uncaught_breaks_open() {
    let (code, out, _) = raceway(&[
        "sweep",
        "--scenario",
        "wlog",
        "--seeds",
        "0..3",
        "--shard",
        "2/2",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("open until the shards are merged"), "{out}");
}

#[test]
fn an_uncaught_break_contradicts_and_exits_1() {
    // Three seeds are too few to catch the eviction race of fork-evict/merged.
    let (code, out, _) = raceway(&[
        "sweep",
        "--scenario",
        "wlog",
        "--workload",
        "fork-evict",
        "--variant",
        "merged",
        "--seeds",
        "3",
        "--strategy",
        "random",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("CONTRADICTED wlog fork-evict/merged (random): expected to break"),
        "{out}"
    );
}

#[test]
fn bad_selections_are_usage_errors() {
    for (args, message) in [
        (vec!["sweep", "--scenario", "nope"], "unknown scenario"),
        (
            vec!["sweep", "--variant", "nope"],
            "no selected scenario has a variant `nope`",
        ),
        (vec!["sweep", "--seeds", "5..5"], "--seeds takes"),
        (vec!["sweep", "--shard", "4/3"], "--shard takes"),
        (vec!["sweep", "--jobs", "0"], "0 is not in 1..=1024"),
    ] {
        let (code, out, err) = raceway(&args);
        assert_eq!(
            (code, out.as_str(), err.lines().count()),
            (2, "", 1),
            "{args:?}: {err}"
        );
        assert!(err.contains(message), "{args:?}: {err}");
    }
}

/// `reports/` holds the default sweep's report; regenerate it with
/// `cargo run --release -- sweep --report reports` when findings change.
#[test]
fn the_committed_report_matches_a_fresh_sweep() {
    let fresh = temp("report");
    let _ = std::fs::remove_dir_all(&fresh);
    let (code, _, err) = raceway(&["sweep", "--quiet", "--report", fresh.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
    let (fresh, committed) = (files_under(&fresh), files_under(&committed));
    let names = |v: &[(String, String)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    // The report is README.md and traces/; bench.md and profile.md live beside it.
    let committed_reports: Vec<_> = committed
        .into_iter()
        .filter(|(n, _)| n == "README.md" || n.starts_with("traces/"))
        .collect();
    assert!(
        names(&fresh) == names(&committed_reports),
        "reports/ lists other files than a fresh report: regenerate with cargo run --release -- sweep --report reports"
    );
    for ((name, a), (_, b)) in fresh.iter().zip(&committed_reports) {
        assert!(a == b, "reports/{name} is stale: regenerate with cargo run --release -- sweep --report reports");
    }
}
