//! Property tests: generated argument vectors and mutated trace and shard files thrown at the
//! binary. Whatever the input, it ends with exit 0, 1 or 2, never a panic, at most a few lines
//! on stderr, and no partial output file (a file written is whole; a report's every link
//! resolves; no staging leftovers). Few cases and small seed ranges keep it to seconds.

mod common;

use common::temp;
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Runs the binary in `dir` and checks the outcome every input must have.
fn survives(args: &[String], dir: &Path) -> Result<i32, TestCaseError> {
    let out = Command::new(env!("CARGO_BIN_EXE_raceway"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code();
    prop_assert!(
        matches!(code, Some(0..=2)),
        "{args:?}: exit {code:?}\n{stderr}"
    );
    prop_assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{args:?}: {stderr}"
    );
    prop_assert!(stderr.lines().count() <= 3, "{args:?}: {stderr}");
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        prop_assert!(
            !name.starts_with(".raceway-staging-"),
            "{args:?}: left {name}"
        );
        if name == "out.json" {
            let text = std::fs::read_to_string(&path).unwrap();
            prop_assert!(
                serde_json::from_str::<Value>(&text).is_ok(),
                "{args:?}: partial {name}"
            );
        }
        if name == "report" && path.join("README.md").exists() {
            let readme = std::fs::read_to_string(path.join("README.md")).unwrap();
            for link in readme.split("](").skip(1) {
                let target = &link[..link.find(')').unwrap_or(0)];
                prop_assert!(path.join(target).exists(), "{args:?}: {target} missing");
            }
        }
    }
    Ok(code.unwrap_or(-1))
}

/// A fresh scratch folder for one case.
fn scratch(name: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = temp(&format!("hostile-{name}-{n}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const WORDS: &[&str] = &[
    "wlog",
    "configcache",
    "nope",
    "fork",
    "records",
    "buggy",
    "merged",
    "epoch",
    "seed",
    "random",
    "pct",
    "both",
    "json",
    "text",
    "native",
    "madsim",
    "0",
    "1",
    "3",
    "-1",
    "",
    "18446744073709551615",
    "18446744073709551616",
    "0..3",
    "5..5",
    "3..1",
    "18446744073709551614..18446744073709551615",
    "18446744073709551615..=18446744073709551615",
    "0..18446744073709551615",
    "1/2",
    "2/2",
    "0/0",
    "3/2",
    "rw1.",
    "rw1.BCCB",
    "rw1.A*",
    "rw9.A",
    "junk",
    "é∂",
    "--",
    "out.json",
    "report",
    "/dev/full",
    "/nonexistent/x",
];

const OPTIONS: &[&str] = &[
    "--scenario",
    "--workload",
    "--variant",
    "-w",
    "-v",
    "--seed",
    "--seeds",
    "--strategy",
    "--depth",
    "--engine",
    "--schedule",
    "--named",
    "--trace",
    "--format",
    "--out",
    "--no-shrink",
    "--compare",
    "--jobs",
    "--shard",
    "--report",
    "--quiet",
    "--all",
    "--preemptions",
    "--max-schedules",
    "--no-reduction",
    "--save-failures",
    "--help",
    "--version",
    "--frobnicate",
];

/// The arguments that keep a command fast whatever else is generated (a repeated option is a
/// usage error, which is an outcome worth testing too).
fn bounded(command: &str) -> &'static [&'static str] {
    match command {
        "sweep" => &["--scenario", "wlog", "--seeds", "40", "--quiet"],
        "explore" => &["wlog", "--max-schedules", "500"],
        "bench" => &["--scenario", "wlog", "--workload", "fork", "--millis", "1"],
        "run" => &["wlog"],
        _ => &[],
    }
}

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(WORDS).prop_map(str::to_string),
        prop::sample::select(OPTIONS).prop_map(str::to_string),
        "[a-z0-9./=-]{0,12}",
    ]
}

/// A valid saved trace and two valid shards, made once.
fn fixtures() -> &'static (String, String, String) {
    static FIXTURES: OnceLock<(String, String, String)> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let (_, trace, _) = common::raceway(&[
            "run",
            "wlog",
            "-w",
            "records",
            "-v",
            "epoch",
            "--seed",
            "9",
            "--no-shrink",
            "--format",
            "json",
        ]);
        let shard = |i: u32| {
            common::raceway(&[
                "sweep",
                "--scenario",
                "wlog",
                "--workload",
                "fork",
                "--seeds",
                "0..600",
                "--shard",
                &format!("{i}/2"),
                "--format",
                "json",
            ])
            .1
        };
        (trace, shard(1), shard(2))
    })
}

/// Every node of `v`, as JSON pointers.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => m
            .iter()
            .for_each(|(k, c)| pointers(c, format!("{at}/{k}"), out)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, c)| pointers(c, format!("{at}/{i}"), out)),
        _ => {}
    }
    out.push(at);
}

/// `text` with one node replaced by a hostile value, or cut short, or one byte changed.
fn mutate(text: &str, how: u8, at: Index, value: Index) -> String {
    let hostile = [
        Value::Null,
        0.into(),
        (-1).into(),
        u64::MAX.into(),
        1.5.into(),
        "".into(),
        "rw1.A".into(),
        "junk".into(),
        Value::Array(vec![]),
        serde_json::json!({}),
    ];
    match how % 3 {
        0 => {
            let mut v: Value = serde_json::from_str(text).unwrap();
            let mut all = Vec::new();
            pointers(&v, String::new(), &mut all);
            let p = at.get(&all).clone();
            let new = value.get(&hostile).clone();
            if p.is_empty() {
                v = new;
            } else if let Some(slot) = v.pointer_mut(&p) {
                *slot = new;
            }
            v.to_string()
        }
        1 => text[..at.index(text.len())].to_string(),
        _ => {
            let mut bytes = text.as_bytes().to_vec();
            let i = at.index(bytes.len());
            bytes[i] = b"x0\"{}]:,"[value.index(8)];
            String::from_utf8_lossy(&bytes).to_string()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_arguments_end_well(
        command in prop::sample::select(&["run", "sweep", "explore", "bench", "list", "replay", "shrink", "merge", "check-history", "nope"][..]),
        tokens in prop::collection::vec(token(), 0..6),
    ) {
        let dir = scratch("args");
        let mut args = vec![command.to_string()];
        args.extend(bounded(command).iter().map(|s| s.to_string()));
        args.extend(tokens);
        survives(&args, &dir)?;
    }

    #[test]
    fn any_trace_file_ends_well(how in any::<u8>(), at in any::<Index>(), value in any::<Index>()) {
        let dir = scratch("trace");
        let file = dir.join("trace.json");
        std::fs::write(&file, mutate(&fixtures().0, how, at, value)).unwrap();
        let f = file.to_str().unwrap().to_string();
        survives(&["replay".into(), f.clone()], &dir)?;
        let code = survives(&["shrink".into(), f, "--out".into(), "out.json".into()], &dir)?;
        prop_assert!(code != 1, "shrink has no verdict of its own");
    }

    #[test]
    fn any_shard_file_ends_well(how in any::<u8>(), at in any::<Index>(), value in any::<Index>()) {
        let dir = scratch("shard");
        let (_, one, two) = fixtures();
        let (a, b) = (dir.join("s1.json"), dir.join("s2.json"));
        std::fs::write(&a, one).unwrap();
        std::fs::write(&b, mutate(two, how, at, value)).unwrap();
        survives(
            &[
                "merge".into(),
                a.to_str().unwrap().into(),
                b.to_str().unwrap().into(),
                "--report".into(),
                "report".into(),
            ],
            &dir,
        )?;
    }
}
