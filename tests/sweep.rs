//! Sweeps: results independent of `--jobs` and of the shard split; exit status; the committed
//! catalog report matches a fresh sweep.

mod common;

use common::{raceway, temp};
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
        (vec!["sweep", "--jobs", "0"], "--jobs must be at least 1"),
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

fn files_under(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().to_string();
                out.push((rel, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
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

/// Every failing row of the summary gives the command that replays its shortest failure; run
/// as printed, it breaks an invariant the row counts, in the number of steps it says.
#[test]
fn each_failing_row_replays_with_its_printed_command() {
    let (code, out, err) = raceway(&[
        "sweep",
        "-q",
        "--scenario",
        "wlog",
        "--scenario",
        "jetstream",
        "--seeds",
        "0..300",
    ]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    let mut replayed = 0;
    for pair in lines.windows(2) {
        let (row, next) = (pair[0], pair[1].trim_start());
        let Some(rest) = next.strip_prefix("replay (shortest failure, ") else {
            continue;
        };
        let (steps, command) = rest.split_once(" steps): raceway ").expect(next);
        let args: Vec<&str> = command.split(' ').collect();
        let (code, run, err) = raceway(&args);
        assert_eq!(code, 1, "{command}: {run}{err}");
        let broken = run
            .lines()
            .find_map(|l| l.strip_prefix("✗ "))
            .unwrap_or_else(|| panic!("{command}: {run}"));
        let invariant = broken.split('`').nth(1).expect(broken);
        assert!(
            row.contains(&format!("{invariant} (")),
            "{command} broke {invariant}, which the row does not count: {row}"
        );
        assert!(broken.contains(&format!("after step {steps}:")), "{broken}");
        replayed += 1;
    }
    let failing = lines.iter().filter(|l| l.contains("breaks  met")).count();
    assert!(
        replayed > 0 && replayed >= failing,
        "{replayed} of {failing}:\n{out}"
    );
}

/// `scripts/sweep-shards`, the CI matrix run locally (shards in parallel, then merge), gives the
/// same findings as one unsharded sweep.
#[test]
fn the_local_ci_recipe_merges_to_the_unsharded_sweep() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(root.join("scripts/sweep-shards"))
        .args(["3", "-j", "1"])
        .args(SELECTION)
        .env("RACEWAY", env!("CARGO_BIN_EXE_raceway"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let (code, whole, err) = raceway(
        &["sweep"]
            .iter()
            .chain(&SELECTION)
            .copied()
            .collect::<Vec<_>>(),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        findings(&String::from_utf8(out.stdout).unwrap()),
        findings(&whole)
    );
}

/// The workflow's matrix lists exactly the shards 1..=SHARDS that its jobs are told of.
#[test]
fn the_ci_workflow_matrix_covers_every_shard() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let yml = std::fs::read_to_string(root.join(".github/workflows/sweep.yml")).unwrap();
    let value = |key: &str| {
        yml.lines()
            .find_map(|l| l.trim().strip_prefix(key))
            .unwrap_or_else(|| panic!("no `{key}` in the workflow"))
            .trim()
            .to_string()
    };
    let shards: u32 = value("SHARDS:").parse().unwrap();
    let listed = (1..=shards)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    assert_eq!(value("shard: ["), format!("{listed}]"));
    assert!(yml.contains(&format!("shard ${{{{ matrix.shard }}}}/{shards}")));
    assert!(yml.contains("--shard \"${{ matrix.shard }}/$SHARDS\""));
    assert!(yml.contains("raceway merge shard-*.json"));
}
