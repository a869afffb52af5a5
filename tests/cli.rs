//! The `raceway` binary: verdicts, exit status, one-line errors, saved traces and replay.

mod common;

use common::{assert_one_line_error, raceway, temp};

#[test]
fn the_seed_schedule_breaks_buggy_and_holds_on_merged() {
    let (code, out, _) = raceway(&[
        "run",
        "wlog",
        "--variant",
        "buggy",
        "--workload",
        "fork",
        "--named",
        "seed",
    ]);
    assert_eq!(code, 1);
    let steps = [
        "1  cache.HasGet(k) → Absent",
        "2  storage.Get(k) → not found",
        "storage.InsertIfNotExists(k, v) → true",
        "cache.Set(k, Val(v))",
        "5  cache.Set(k, Miss)",
    ];
    let mut at = 0;
    for s in steps {
        at += out[at..]
            .find(s)
            .unwrap_or_else(|| panic!("{s} missing in order:\n{out}"));
    }
    assert!(
        out.contains("✗ safety violation `cache-agrees-with-storage`"),
        "{out}"
    );
    let (code, out, _) = raceway(&[
        "run",
        "wlog",
        "--variant",
        "merged",
        "--workload",
        "fork",
        "--named",
        "seed",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("holds"), "{out}");
}

#[test]
fn a_random_sweep_finds_buggy_and_its_seed_reproduces() {
    let seed = (0..200)
        .find(|s| fork_buggy(&["--seed", &s.to_string()]).0 == 1)
        .expect("some seed below 200 breaks wlog fork/buggy");
    let args = ["--seed", &seed.to_string()];
    let first = fork_buggy(&args);
    assert_eq!(first.0, 1);
    assert_eq!(
        fork_buggy(&args),
        first,
        "the same seed gives the same output"
    );
}

/// `raceway run wlog -w fork -v buggy` with `args`.
fn fork_buggy(args: &[&str]) -> (i32, String, String) {
    let run = ["run", "wlog", "-w", "fork", "-v", "buggy"];
    raceway(&[&run[..], args].concat())
}

#[test]
fn a_saved_trace_replays_exactly() {
    let path = temp("seed.json");
    let path_s = path.to_str().unwrap();
    let (code, _, _) = raceway(&["run", "wlog", "--named", "seed", "--out", path_s]);
    assert_eq!(code, 1);
    let (code, out, err) = raceway(&["replay", path_s]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("replay: reproduced 7 steps and the safety violation"),
        "{out}"
    );
    // The printed schedule replays to the same verdict too.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let schedule = json["schedule"].as_str().unwrap();
    let (code, out, _) = run_fork_buggy(schedule);
    assert_eq!(code, 1, "{out}");
}

/// `raceway run wlog -w fork -v buggy --schedule SCHEDULE`.
fn run_fork_buggy(schedule: &str) -> (i32, String, String) {
    raceway(&[
        "run",
        "wlog",
        "-w",
        "fork",
        "-v",
        "buggy",
        "--schedule",
        schedule,
    ])
}

#[test]
fn a_tampered_trace_does_not_confirm() {
    let path = temp("tampered.json");
    let path_s = path.to_str().unwrap();
    raceway(&["run", "wlog", "--named", "seed", "--out", path_s]);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("not found", "found v")).unwrap();
    let (code, out, _) = raceway(&["replay", path_s]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("differs from the saved trace"), "{out}");
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let cases: [(Vec<&str>, &str); 10] = [
        (vec!["run", "nope"], "unknown scenario `nope` (known: wlog"),
        (
            vec!["run", "wlog", "--variant", "fixed"],
            "has no variant `fixed`",
        ),
        (
            vec!["run", "wlog", "--workload", "huge"],
            "has no workload `huge`",
        ),
        (
            vec!["run", "wlog", "--named", "other"],
            "has no named schedule `other`",
        ),
        (
            vec!["run", "wlog", "--schedule", "garbage"],
            "not a raceway schedule",
        ),
        (
            vec!["run", "wlog", "--schedule", "rw1.A*B"],
            "invalid character '*'",
        ),
        (
            vec!["run", "wlog", "--schedule", "rw9.AB"],
            "schedule format rw9 is not supported",
        ),
        (
            vec!["run", "wlog", "-v", "buggy", "--schedule", "rw1.AAZ"],
            "does not fit wlog fork/buggy: choice 3 of the schedule is 25",
        ),
        (vec!["run", "wlog", "--frobnicate"], "unexpected argument"),
        (vec!["replay", "/nonexistent/trace.json"], "cannot read"),
    ];
    for (args, message) in cases {
        assert_one_line_error(&args, message);
    }
}

#[test]
fn bad_trace_files_are_one_line_and_exit_2() {
    let path = temp("full.json");
    let path_s = path.to_str().unwrap();
    raceway(&["run", "wlog", "--named", "seed", "--out", path_s]);
    let text = std::fs::read_to_string(&path).unwrap();

    let truncated = temp("truncated.json");
    std::fs::write(&truncated, &text[..text.len() / 2]).unwrap();
    assert_one_line_error(&["replay", truncated.to_str().unwrap()], "is truncated");

    let foreign = temp("foreign.json");
    std::fs::write(
        &foreign,
        text.replace("\"version\": 2,", "\"version\": 99,"),
    )
    .unwrap();
    assert_one_line_error(&["replay", foreign.to_str().unwrap()], "trace format 99");

    let other = temp("other-schedule.json");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let schedule = json["schedule"].as_str().unwrap();
    std::fs::write(&other, text.replace(schedule, "rw2.AA")).unwrap();
    assert_one_line_error(&["replay", other.to_str().unwrap()], "schedule format rw2");
}

#[test]
fn json_output_is_the_saved_trace() {
    let path = temp("json.json");
    let (code, out, _) = raceway(&[
        "run",
        "wlog",
        "--named",
        "seed",
        "--format",
        "json",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert_eq!(out, std::fs::read_to_string(&path).unwrap());
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["format"], "raceway-trace");
    assert_eq!(json["trace"]["violation"]["kind"], "safety");
}

#[test]
fn list_shows_every_pair_with_its_verdict() {
    let (code, out, _) = raceway(&["list"]);
    assert_eq!(code, 0);
    assert!(out.contains("fork-evict/merged"), "{out}");
    assert!(out.contains("breaks  an eviction between"), "{out}");
}

#[test]
fn explore_proves_the_fix_and_shows_the_race() {
    let (code, out, _) = raceway(&["explore", "wlog", "-w", "fork", "-v", "merged"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("PROVED: no schedule of wlog fork/merged breaks an invariant"),
        "{out}"
    );
    let (code, out, _) = raceway(&[
        "explore",
        "wlog",
        "-w",
        "fork",
        "-v",
        "buggy",
        "--no-reduction",
        "--all",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("10 schedules") && out.contains("cache.Set(k, Miss)"),
        "{out}"
    );
    assert_one_line_error(&["explore", "nope"], "unknown scenario");
    // A budget too small for every schedule: the strongest claim within it, never a bare
    // "incomplete", and exit 0 (nothing was found).
    let (code, out, _) = raceway(&[
        "explore",
        "gencache",
        "-w",
        "horizon",
        "-v",
        "merged",
        "--max-schedules",
        "2000",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("PROVED for every schedule of gencache horizon/merged with at most ")
            && out.contains("Incomplete beyond"),
        "{out}"
    );
    assert_one_line_error(&["explore", "wlog", "-v", "nope"], "has no variant `nope`");
}

#[test]
fn explore_by_dpor_proves_the_fix_and_finds_the_race() {
    let fork = ["explore", "wlog", "-w", "fork", "--dpor", "-v"];
    let (code, out, _) = raceway(&[&fork[..], &["merged"]].concat());
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("(source-DPOR, sleep sets): 5 schedules")
            && out.contains("PROVED: no schedule of wlog fork/merged breaks an invariant"),
        "{out}"
    );
    let (code, out, _) = raceway(&[&fork[..], &["buggy"]].concat());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("cache-agrees-with-storage"), "{out}");
    assert_one_line_error(
        &["explore", "wlog", "--dpor", "--preemptions", "1"],
        "cannot be used with",
    );
}

#[test]
fn shrink_reduces_a_saved_failing_run() {
    let path = temp("long.json");
    // Seed 9's own run is longer than needed.
    let (code, out, _) = raceway(&[
        "run",
        "wlog",
        "-w",
        "records",
        "-v",
        "epoch",
        "--seed",
        "9",
        "--no-shrink",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}");
    let (code, out, err) = raceway(&["shrink", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("shrunk from 9 steps, 2 preemptions to 7 steps"),
        "{out}"
    );
    let holds = temp("holds.json");
    raceway(&[
        "run",
        "wlog",
        "-v",
        "merged",
        "--named",
        "seed",
        "--out",
        holds.to_str().unwrap(),
    ]);
    assert_one_line_error(&["shrink", holds.to_str().unwrap()], "nothing to shrink");
}

#[test]
fn compare_shows_the_fix_at_the_same_moments_within_100_columns() {
    let (code, out, _) = raceway(&["run", "wlog", "--named", "seed", "--compare", "merged"]);
    assert_eq!(code, 1, "{out}");
    // The step where the fix differs is shown for each variant, one under the other; the
    // steps both runs share are shown once.
    let at = out
        .find("buggy   5  projector  cache.Set(k, Miss)\n")
        .expect(&out);
    assert!(
        out[at..].contains("\nmerged  5  projector  cache.SetIfAbsent(k, Miss) → Skipped\n"),
        "{out}"
    );
    assert_eq!(
        out.matches("storage.Get(k) → not found").count(),
        1,
        "{out}"
    );
    assert!(out.contains("merged  ✓ no violation in 7 steps"), "{out}");
    // Wide runs too: four tasks, picks, long results.
    for args in [
        ["run", "wlog", "--named", "seed", "--compare", "merged"],
        ["run", "gencache", "--named", "seed", "--compare", "merged"],
        [
            "run",
            "kvqueue",
            "--named",
            "seed",
            "--compare",
            "self-heal",
        ],
        ["run", "jetstream", "--named", "seed", "--compare", "merged"],
    ] {
        let (_, out, _) = raceway(&args);
        for line in out.lines() {
            assert!(line.chars().count() <= 100, "{args:?}: {line}");
        }
    }
    assert_one_line_error(
        &["run", "wlog", "--named", "seed", "--compare", "nope"],
        "has no variant `nope`",
    );
}

/// A schedule recorded on one variant, replayed as is on another whose run breaks earlier:
/// the violation and its trace, exit 1, not a schedule that "does not fit".
#[test]
fn a_schedule_from_another_variant_shows_the_earlier_violation() {
    let recorded = [
        "run",
        "jetstream",
        "-w",
        "two-stores",
        "-v",
        "pr-commit-1",
        "--seed",
        "1",
        "--no-shrink",
        "--format",
        "json",
    ];
    let (_, json, _) = raceway(&recorded);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let schedule = json["schedule"].as_str().unwrap();
    let given = schedule.len() - "rw1.".len();
    let (code, out, err) = raceway(&[
        "run",
        "jetstream",
        "-w",
        "two-stores",
        "-v",
        "merged",
        "--schedule",
        schedule,
    ]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("✗ safety violation `versions-increase`"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "the run broke an invariant after 12 of the schedule's {given} choices"
        )),
        "{out}"
    );
    // The replay line names the run's own schedule, which replays it as is.
    let replay = out
        .lines()
        .find_map(|l| l.strip_prefix("replay: raceway "))
        .expect(&out);
    let (code, again, _) = raceway(&replay.split(' ').collect::<Vec<_>>());
    assert_eq!(code, 1, "{again}");
    assert!(!again.contains("not used"), "{again}");
}

/// A schedule that runs out before the run ends: the run goes on by option 0 and says so.
#[test]
fn a_schedule_that_runs_out_goes_on_by_option_0_and_says_so() {
    let (code, out, err) = run_fork_buggy("rw1.B");
    assert!(code <= 1, "{out}{err}");
    let note =
        "the schedule ran out after 1 choice(s), before the run ended; the run went on by option 0";
    assert!(out.replace('\n', " ").contains(note), "{out}");
    let whole = out
        .split_whitespace()
        .find(|w| w.starts_with("rw1.") && w.len() > "rw1.B".len())
        .expect(&out);
    let (again, out2, _) = run_fork_buggy(whole);
    assert_eq!(again, code, "{out2}");
    assert!(!out2.contains("ran out"), "{out2}");
}

/// Each command's exit status, as the README's table gives it.
#[test]
fn exit_codes_per_command() {
    let seed = temp("exit-seed.json");
    let seed_s = seed.to_str().unwrap();
    let tampered = temp("exit-tampered.json");
    let tampered_s = tampered.to_str().unwrap();
    raceway(&["run", "wlog", "--named", "seed", "-o", seed_s]);
    let text = std::fs::read_to_string(&seed).unwrap();
    std::fs::write(&tampered, text.replace("not found", "found v")).unwrap();
    let cases: [(&[&str], i32); 12] = [
        (&["list"], 0),
        (
            &[
                "run", "wlog", "-w", "fork", "-v", "merged", "--named", "seed",
            ],
            0,
        ),
        (
            &[
                "run", "wlog", "-w", "fork", "-v", "buggy", "--named", "seed",
            ],
            1,
        ),
        (&["run", "nope"], 2),
        // explore: 1 when any explored pair breaks, one pair or several.
        (
            &[
                "explore", "wlog", "-w", "fork", "-v", "merged", "-v", "epoch",
            ],
            0,
        ),
        (&["explore", "wlog", "-w", "fork", "-v", "buggy"], 1),
        (
            &[
                "explore", "wlog", "-w", "fork", "-v", "buggy", "-v", "merged",
            ],
            1,
        ),
        // replay: 0 when the saved run is reproduced exactly, even a violation; 1 when not.
        (&["replay", seed_s], 0),
        (&["replay", tampered_s], 1),
        (&["shrink", seed_s], 0),
        // sweep: 1 only when an expectation is contradicted; the buggy rows breaking is met.
        (
            &[
                "sweep",
                "-q",
                "--scenario",
                "wlog",
                "-w",
                "fork",
                "--seeds",
                "300",
            ],
            0,
        ),
        (&["sweep", "--seeds", "0"], 2),
    ];
    for (args, expected) in cases {
        let (code, out, err) = raceway(args);
        assert_eq!(code, expected, "{args:?}: {out}{err}");
    }
}

#[test]
fn the_madsim_engine_needs_the_madsim_build() {
    assert_one_line_error(
        &["sweep", "--engine", "madsim"],
        "built without the madsim engine; run it with scripts/madsim",
    );
    assert_one_line_error(&["run", "wlog", "--engine", "madsim"], "scripts/madsim");
}

#[test]
fn delay_bounding_runs_and_sweeps() {
    let run =
        |delays: &str| fork_buggy(&["--strategy", "delay", "--seed", "6", "--delays", delays]);
    let (code, out, _) = run("1");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("delay seed 6"), "{out}");
    // Round robin alone runs each task to its end: no race.
    assert_eq!(run("0").0, 0);
    let (code, out, err) = raceway(&[
        "sweep",
        "--scenario",
        "wlog",
        "--workload",
        "fork",
        "--strategy",
        "delay",
        "--delays",
        "1",
        "--seeds",
        "200",
        "--quiet",
    ]);
    assert_eq!(code, 0, "{err}");
    let buggy = out.lines().find(|l| l.contains("fork/buggy")).unwrap();
    assert!(buggy.contains("delay") && buggy.contains(" met "), "{out}");
}
