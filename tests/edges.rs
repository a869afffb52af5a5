//! The binary at its edges: closed pipes and full disks, output files and report folders
//! replaced whole, seed and job limits, merge refusing what it cannot trust, shortest
//! shrinking, and the wording of messages. One test per class of mishandled input.

mod common;

use common::{assert_one_line_error as refused, files_under as snapshot, raceway, temp};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_raceway"))
}

/// A fresh scratch folder.
fn fresh(name: &str) -> PathBuf {
    let dir = temp(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_closed_pipe_ends_quietly_with_the_verdicts_code() {
    for (args, verdict) in [
        (&["run", "wlog", "--named", "seed"][..], 1),
        (&["list"][..], 0),
        (&["explore", "wlog", "-w", "fork", "-v", "buggy"][..], 1),
        // Several pairs that all hold: the code does not depend on how far the output got.
        (
            &[
                "explore",
                "wlog",
                "-w",
                "fork",
                "-v",
                "merged",
                "-v",
                "no-negative",
            ][..],
            0,
        ),
        (
            &[
                "bench",
                "--scenario",
                "wlog",
                "--workload",
                "fork",
                "--millis",
                "1",
            ][..],
            0,
        ),
    ] {
        let mut child = Command::new(bin())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes away before the first line is written.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(verdict), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}

#[test]
fn a_full_disk_is_one_line_and_exit_2() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    for args in [
        &["list"][..],
        &["run", "wlog", "--named", "seed"][..],
        &["sweep", "--scenario", "wlog", "--seeds", "3", "--quiet"][..],
    ] {
        let out = Command::new(bin())
            .args(args)
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains("cannot write to stdout"), "{stderr}");
    }
    refused(
        &["run", "wlog", "--named", "seed", "--out", "/dev/full"],
        "cannot write /dev/full",
    );
}

#[test]
fn out_files_are_replaced_whole_or_not_at_all() {
    let dir = fresh("out-files");
    let path = dir.join("trace.json");
    let p = path.to_str().unwrap();
    std::fs::write(&path, "old").unwrap();
    // A run that fails before writing leaves the old file.
    refused(
        &[
            "run",
            "wlog",
            "--named",
            "seed",
            "--schedule",
            "x",
            "--out",
            p,
        ],
        "cannot be used with",
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
    let (code, _, _) = raceway(&["run", "wlog", "--named", "seed", "--out", p]);
    assert_eq!(code, 1);
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(saved["format"], "raceway-trace");
    // Nothing but the file is left in the folder.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    // A destination that is a folder is refused, and the folder untouched.
    refused(
        &[
            "run",
            "wlog",
            "--named",
            "seed",
            "--out",
            dir.to_str().unwrap(),
        ],
        "cannot write",
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}

/// A report `merge` cannot finish leaves the previous report as it was; a report folder being
/// written is refused to a second writer; an interrupted sweep leaves a whole report.
#[test]
fn report_folders_are_replaced_whole_and_locked() {
    let shards = Shards::new("report-whole");
    let report = shards.dir.join("report");
    let r = report.to_str().unwrap();
    let (a, b) = (shards.first(), shards.files[1].to_str().unwrap());
    let (code, _, err) = raceway(&["merge", a, b, "--report", r]);
    assert_eq!(code, 0, "{err}");
    let before = snapshot(&report);
    assert!(before.iter().any(|(p, _)| p == "README.md"));
    assert!(before.len() > 3, "{before:?}");

    // One row's schedule edited: refused, and the report untouched.
    let bad = shards.tampered("bad.json", |j| {
        failing_row(j)["shortest"]["schedule"] = "rw1.A".into()
    });
    let (code, _, err) = raceway(&["merge", a, &bad, "--report", r]);
    assert_eq!((code, err.lines().count()), (2, 1), "{err}");
    assert!(err.contains("bad.json: row "), "{err}");
    assert_eq!(snapshot(&report), before);

    // While another process holds the folder, a second writer is refused at once.
    let held = std::fs::File::open(&report).unwrap();
    held.lock().unwrap();
    refused(
        &["sweep", "--scenario", "wlog", "--seeds", "3", "--report", r],
        "another raceway is writing the report in",
    );
    held.unlock().unwrap();
    assert_eq!(snapshot(&report), before);

    // Killed at any moment, a sweep leaves a report whose every link resolves.
    for delay in (0..12).map(|i| 10 + 25 * i) {
        let mut child = Command::new(bin())
            .args([
                "sweep",
                "--scenario",
                "configcache",
                "--seeds",
                "200",
                "--quiet",
                "--report",
                r,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay));
        let _ = child.kill();
        let _ = child.wait();
        let readme = std::fs::read_to_string(report.join("README.md")).unwrap();
        for link in readme.split("](").skip(1) {
            let target = &link[..link.find(')').unwrap()];
            assert!(
                report.join(target).exists(),
                "after {delay} ms: {target} is missing"
            );
        }
    }
}

#[test]
fn seeds_at_the_top_run_and_ranges_too_large_are_refused() {
    let sweep = |seeds: &str| {
        let (code, out, err) = raceway(&[
            "sweep",
            "--scenario",
            "wlog",
            "--workload",
            "fork",
            "--variant",
            "merged",
            "--strategy",
            "random",
            "--seeds",
            seeds,
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{seeds}: {err}");
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        (
            json["rows"][0]["runs"].as_u64().unwrap(),
            json["seeds"].as_str().unwrap().to_string(),
        )
    };
    let top = u64::MAX;
    assert_eq!(sweep(&format!("{}..{top}", top - 615)).0, 615);
    assert_eq!(sweep(&format!("{}..{top}", top - 1)).0, 1);
    assert_eq!(
        sweep(&format!("{top}..={top}")),
        (1, format!("{top}..={top}"))
    );
    refused(
        &["sweep", "--seeds", &format!("0..{top}")],
        "a sweep runs at most 4294967296",
    );
    refused(
        &["sweep", "--seeds", &format!("0..={top}")],
        "18446744073709551616 seeds",
    );
    refused(&["sweep", "--seeds", "5..5"], "--seeds takes");
    refused(&["sweep", "--jobs", &top.to_string()], "--jobs");
    refused(&["sweep", "--jobs", "100000"], "1..=1024");
    refused(&["sweep", "--jobs", "0"], "1..=1024");
    refused(
        &[
            "sweep",
            "--scenario",
            "wlog",
            "--seeds",
            "3",
            "--shard",
            "1000/1000",
        ],
        "so at most",
    );
    // More jobs than units of work: the same results.
    let rows = |jobs: &str| {
        let (_, out, err) = raceway(&[
            "sweep",
            "--scenario",
            "wlog",
            "--seeds",
            "3",
            "--jobs",
            jobs,
            "--format",
            "json",
        ]);
        let json: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|_| panic!("{err}"));
        json["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["runs"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(rows("1024"), rows("1"));
}

/// The JSON of `sweep --format json` for shards of wlog, and a helper to tamper with one.
struct Shards {
    dir: PathBuf,
    files: Vec<PathBuf>,
}

impl Shards {
    fn new(name: &str) -> Self {
        let dir = fresh(name);
        let files = (1..=2)
            .map(|i| {
                let (code, out, err) = raceway(&[
                    "sweep",
                    "--scenario",
                    "wlog",
                    "--seeds",
                    "0..600",
                    "--shard",
                    &format!("{i}/2"),
                    "--format",
                    "json",
                ]);
                assert_eq!(code, 0, "{err}");
                let path = dir.join(format!("shard{i}.json"));
                std::fs::write(&path, out).unwrap();
                path
            })
            .collect();
        Shards { dir, files }
    }

    /// Shard 2 with `edit` applied, saved as `name`.
    fn tampered(&self, name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
        let mut json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&self.files[1]).unwrap()).unwrap();
        edit(&mut json);
        let path = self.dir.join(name);
        std::fs::write(&path, json.to_string()).unwrap();
        path.to_str().unwrap().to_string()
    }

    fn first(&self) -> &str {
        self.files[0].to_str().unwrap()
    }
}

/// The first row of a shard with a failure.
fn failing_row(json: &mut serde_json::Value) -> &mut serde_json::Value {
    json["rows"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| !r["first"].is_null())
        .unwrap()
}

#[test]
fn merge_refuses_what_it_cannot_trust() {
    let s = Shards::new("merge-trust");
    let a = s.first();
    let b = s.files[1].to_str().unwrap();
    let (code, out, err) = raceway(&["merge", a, b]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("met, 0 contradicted"), "{out}");
    let cases: Vec<(String, &str)> = vec![
        (s.tampered("version.json", |j| j["raceway"] = "9.9.9".into()), "written by raceway 9.9.9"),
        (s.tampered("commit.json", |j| j["commit"] = "0000".into()), "(commit 0000)"),
        (s.tampered("format.json", |j| j["version"] = 1.into()), "not a raceway sweep of format 2"),
        (
            s.tampered("runs.json", |j| failing_row(j)["runs"] = u64::MAX.into()),
            "18446744073709551615 runs, but shard 2/2 of seeds 0..600 runs",
        ),
        (
            s.tampered("maybe.json", |j| j["rows"][0]["expected"] = "maybe".into()),
            "row 1 (wlog fork/buggy random): expected `maybe`, but this raceway's catalog expects `breaks`",
        ),
        (
            s.tampered("junk.json", |j| failing_row(j)["first"]["schedule"] = "junk".into()),
            "schedule `junk`: not a raceway schedule",
        ),
        (
            s.tampered("seed.json", |j| {
                let row = failing_row(j);
                row["first"]["seed"] = 100_000.into();
                row["shortest"]["seed"] = 100_000.into();
            }),
            "failing seed 100000 is not one shard 2/2 runs",
        ),
        (
            s.tampered("steps.json", |j| {
                let row = failing_row(j);
                row["first"]["steps"] = 1.into();
                row["shortest"]["steps"] = 1.into();
            }),
            "when replayed",
        ),
        (
            s.tampered("seeds.json", |j| j["seeds"] = "0..601".into()),
            "a shard of another sweep",
        ),
        (s.tampered("extra.json", |j| j["rows"][0]["extra"] = 1.into()), "unknown field"),
        (
            s.tampered("pair.json", |j| j["rows"][0]["variant"] = "nope".into()),
            "has no variant `nope`",
        ),
    ];
    for (file, message) in &cases {
        let (code, out, err) = raceway(&["merge", a, file]);
        assert_eq!((code, out.as_str()), (2, ""), "{file}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(message), "{file}: {err}");
        assert!(
            err.contains(file.rsplit('/').next().unwrap()),
            "names the file: {err}"
        );
    }
    // Each part exactly once, and which is missing or doubled.
    let relabelled = s.tampered("relabelled.json", |j| j["shard"]["index"] = 1.into());
    refused(
        &["merge", a, &relabelled],
        "missing shard 2/2; shard 1/2 given 2 times",
    );
    refused(&["merge", a], "missing shard 2/2");
    let alone = s.tampered("alone.json", |j| {
        j["shard"] = serde_json::json!({"index": 1, "count": 1})
    });
    refused(
        &["merge", &alone],
        "runs, but shard 1/1 of seeds 0..600 runs 600",
    );
    refused(&["merge"], "required arguments were not provided: <FILES>");
}

#[test]
fn shrink_finds_the_shortest_or_says_it_is_locally_minimal() {
    let path = temp("pct29.json");
    let p = path.to_str().unwrap();
    let (code, _, _) = raceway(&[
        "run",
        "wlog",
        "-w",
        "records",
        "-v",
        "epoch",
        "--strategy",
        "pct",
        "--seed",
        "29",
        "--no-shrink",
        "--out",
        p,
    ]);
    assert_eq!(code, 1);
    let (code, out, err) = raceway(&["shrink", p]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("from 9 steps, 1 preemption to 7 steps, 1 preemption: rw1.BCCB"),
        "{out}"
    );
    assert!(
        out.contains("shortest: no schedule of fewer steps"),
        "{out}"
    );
    // The origin says `shrunk` once, however often it is shrunk.
    let again = temp("pct29-shrunk.json");
    raceway(&["shrink", p, "--out", again.to_str().unwrap()]);
    let (_, out, _) = raceway(&["shrink", again.to_str().unwrap(), "--format", "json"]);
    assert!(out.contains("\"origin\": \"pct seed 29, shrunk\""), "{out}");

    // With no budget for the complete search, the greedy result stands and says what it is.
    use raceway_sim::shrink::{shrink_within, Minimal};
    use raceway_sim::strategy::Replay;
    let scenario = raceway_scenarios::find("wlog").unwrap();
    let mut sim = scenario.pair("records", "epoch").unwrap().runner();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let schedule: raceway_sim::Schedule = json["schedule"].as_str().unwrap().parse().unwrap();
    let v = sim.run(&mut Replay::new(schedule.clone()), false).unwrap();
    let violation = v.violation.unwrap();
    let local = shrink_within(sim.as_mut(), &schedule, &violation, 1).unwrap();
    assert_eq!(local.minimal, Minimal::Local { budget: 1 });
    let best = shrink_within(sim.as_mut(), &schedule, &violation, 100_000).unwrap();
    assert!(matches!(best.minimal, Minimal::Shortest { .. }));
    assert_eq!(
        (best.steps, best.schedule.to_string().as_str()),
        (7, "rw1.BCCB")
    );
}

#[test]
fn messages_and_options_say_what_they_mean() {
    refused(&["run"], "required arguments were not provided: <SCENARIO>");
    refused(&["shrink"], "<FILE>");
    refused(
        &["bench", "--scenario", "wlog", "--workload", "nope"],
        "no selected scenario has a workload `nope`",
    );
    refused(&["bench", "--variant", "nope"], "has a variant `nope`");
    refused(&["run", "wlog", "--depth", "0"], "--depth");
    refused(&["run", "wlog", "--depth", "4"], "it needs --strategy pct");
    refused(
        &["run", "wlog", "--delays", "2"],
        "it needs --strategy delay",
    );
    refused(
        &["run", "wlog", "--named", "seed", "--no-shrink"],
        "cannot be used with",
    );
    refused(&["replay", "/dev/zero"], "larger than 64 MiB");
    refused(
        &["explore", "wlog", "--max-schedules", "0"],
        "--max-schedules",
    );
    refused(
        &[
            "run",
            "wlog",
            "--named",
            "seed",
            "--compare",
            "merged",
            "--format",
            "json",
        ],
        "does not combine with --format json",
    );
    // A trace whose `trace` is null is not a trace: exit 2, not "differs".
    let path = temp("null-trace.json");
    raceway(&[
        "run",
        "wlog",
        "--named",
        "seed",
        "--out",
        path.to_str().unwrap(),
    ]);
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    json["trace"] = serde_json::Value::Null;
    std::fs::write(&path, json.to_string()).unwrap();
    refused(&["replay", path.to_str().unwrap()], "its `trace` is null");

    let (_, out, _) = raceway(&["run", "wlog", "--named", "seed"]);
    assert!(!out.contains("VIOLATION"), "{out}");
    assert!(
        out.contains("(named seed): safety violation `cache-agrees-with-storage`"),
        "{out}"
    );
    let (_, out, _) = raceway(&[
        "run",
        "wlog",
        "-w",
        "records",
        "-v",
        "epoch",
        "--strategy",
        "pct",
        "--seed",
        "29",
    ]);
    assert!(
        out.contains("9 steps and 1 preemption (--no-shrink"),
        "{out}"
    );

    // A bounded exploration is never called a proof, in either form.
    let (code, out, _) = raceway(&["explore", "wlog", "-w", "fork", "--preemptions", "0"]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("proved: no schedule"), "{out}");
    assert!(
        out.contains("proved for every schedule with at most 0 preemptions; incomplete beyond"),
        "{out}"
    );

    let (code, help, _) = raceway(&["--help"]);
    assert_eq!(code, 0);
    assert!(
        help.contains("`raceway` alone sweeps the whole catalog"),
        "{help}"
    );
    assert!(
        help.contains("Exit status:") && help.contains("2  a usage or input error"),
        "{help}"
    );
    for command in ["sweep", "merge"] {
        let (_, help, _) = raceway(&[command, "--help"]);
        assert!(help.contains("for machines and `raceway merge`"), "{help}");
        assert!(!help.contains("Columns, one per task"), "{help}");
    }
}
