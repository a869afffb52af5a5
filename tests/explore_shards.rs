//! `explore --jobs` and `explore --shard I/N` with `merge`: the same verdicts however the
//! search is split, and a merge that refuses anything but every shard, once.

mod common;

use common::{assert_one_line_error, raceway, temp};

/// Writes shard `i/n` of `args`'s exploration to a file; returns its path.
fn shard(args: &[&str], i: u32, n: u32, tag: &str) -> String {
    let spec = format!("{i}/{n}");
    let mut all = args.to_vec();
    all.extend(["--shard", &spec]);
    let (code, out, err) = raceway(&all);
    assert_eq!(code, 0, "{err}");
    let path = temp(&format!("explore-{tag}-{i}-of-{n}.json"));
    std::fs::write(&path, out).unwrap();
    path.to_string_lossy().to_string()
}

fn merge(files: &[String]) -> (i32, String, String) {
    let mut args = vec!["merge"];
    args.extend(files.iter().map(String::as_str));
    raceway(&args)
}

/// The table's rows without the header.
fn rows(out: &str) -> Vec<&str> {
    out.lines().skip(1).collect()
}

#[test]
fn explore_results_do_not_depend_on_jobs() {
    let args = ["explore", "configcache", "-w", "writers", "-q", "--all"];
    let one = raceway(&[&args[..], &["-j", "1"]].concat());
    let two = raceway(&[&args[..], &["-j", "2"]].concat());
    assert_eq!(one.0, 1, "{}", one.2);
    assert_eq!(one, two);
}

/// Three shards merge to what one shard gives, for holding and breaking pairs; the verdicts
/// are those of `explore` itself.
#[test]
fn merged_shards_are_the_exploration_split_any_way() {
    let args = ["explore", "wlog", "--all"];
    let whole = merge(&[shard(&args, 1, 1, "wlog")]);
    let three: Vec<String> = (1..=3).map(|i| shard(&args, i, 3, "wlog")).collect();
    let merged = merge(&three);
    assert_eq!(whole, merged);
    assert_eq!(merged.0, 1, "wlog has pairs that break: {}", merged.2);
    let direct = raceway(&["explore", "wlog", "--all", "-q"]);
    let verdicts = |out: &str| -> Vec<String> {
        rows(out)
            .iter()
            .map(|r| {
                let cols: Vec<&str> = r.split_whitespace().collect();
                format!("{} {}", cols[0], r.split("  ").last().unwrap_or(""))
            })
            .collect()
    };
    assert_eq!(verdicts(&merged.1), verdicts(&direct.1));
    assert!(merged.1.contains("fork/merged") && merged.1.contains("proved"));
}

#[test]
fn merge_refuses_missing_duplicate_and_mismatched_shards() {
    let args = ["explore", "wlog", "-w", "fork"];
    let s: Vec<String> = (1..=3).map(|i| shard(&args, i, 3, "fork")).collect();
    assert_one_line_error(&["merge", &s[0], &s[1]], "missing shard 3/3");
    assert_one_line_error(&["merge", &s[0], &s[0], &s[2]], "given 2 times");
    let other = shard(&["explore", "wlog", "-w", "records"], 2, 3, "records");
    assert_one_line_error(
        &["merge", &s[0], &other, &s[2]],
        "a shard of another exploration",
    );
    // A tampered part: its violation does not replay.
    let buggy = shard(
        &["explore", "wlog", "-w", "fork", "-v", "buggy"],
        1,
        1,
        "buggy",
    );
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&buggy).unwrap()).unwrap();
    let parts = json["pairs"][0]["explored"].as_array_mut().unwrap();
    let broken = parts
        .iter_mut()
        .find(|p| p["violations"].as_array().is_some_and(|v| !v.is_empty()))
        .expect("fork/buggy breaks");
    broken["violations"][0]["schedule"] = "rw1.A".into();
    let tampered = temp("explore-tampered.json");
    std::fs::write(&tampered, json.to_string()).unwrap();
    assert_one_line_error(&["merge", tampered.to_str().unwrap()], "rw1.A");
    assert_one_line_error(&["explore", "wlog", "--shard", "4/3"], "--shard takes I/N");
}
