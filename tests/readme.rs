//! The README's commands work as written: every `raceway` line of its `sh` blocks runs through
//! the shell (in a scratch folder, in order, so that `t.json` is saved before it is replayed,
//! and the shards before they are merged) and ends with a verdict, exit 0 or 1: never a usage
//! error, never a command that the code does not have.

use std::path::Path;
use std::process::Command;

/// Lines too slow for a test, each covered elsewhere: the whole catalog's sweeps (the report
/// test runs the default one) and the sharded recipe (tests/sweep.rs runs it smaller).
const SLOW: [&str; 4] = [
    "raceway",
    "raceway sweep --scenario wlog --seeds 0..100000 -j 8",
    "raceway sweep --report reports",
    "raceway bench --scenario wlog",
];

#[test]
fn the_readme_commands_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("readme");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_raceway")).parent().unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let (mut in_sh, mut ran) = (false, 0);
    for line in readme.lines() {
        if let Some(tag) = line.strip_prefix("```") {
            in_sh = tag == "sh";
            continue;
        }
        let command = line.split("  #").next().unwrap().trim();
        let runs_raceway = command.starts_with("raceway") || command.contains("; do raceway");
        if !in_sh || !runs_raceway || SLOW.contains(&command) {
            continue;
        }
        let out = Command::new("sh")
            .args(["-c", command])
            .current_dir(&dir)
            .env("PATH", &path)
            .output()
            .unwrap();
        let code = out.status.code();
        assert!(
            matches!(code, Some(0 | 1)),
            "`{command}` exited {code:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        ran += 1;
    }
    assert!(ran >= 12, "only {ran} README commands found");
}

/// The glossary explains the words the summary, a trace and an exploration print: each word
/// below is checked to be in the output (so the list stays true) and in docs/glossary.md.
#[test]
fn the_glossary_has_the_outputs_words() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let glossary = std::fs::read_to_string(root.join("docs/glossary.md")).unwrap();
    let output = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_raceway"))
            .args(args)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let cases: [(&[&str], &[&str]); 3] = [
        (
            &["sweep", "-q", "--scenario", "wlog", "--seeds", "300"],
            &[
                "pair",
                "strategy",
                "runs",
                "broke",
                "first seed",
                "expect",
                "verdict",
                "broken invariants (count)",
                "replay (shortest failure",
                "met",
                "timing",
            ],
        ),
        (
            &["run", "wlog", "--named", "seed"],
            &["settle", "safety", "schedule", "[expected: breaks]"],
        ),
        (
            &["explore", "wlog", "-w", "fork", "-v", "merged"],
            &[
                "sleep sets",
                "state caching",
                "distinct states",
                "cut short by the reduction",
                "complete",
                "PROVED",
            ],
        ),
    ];
    for (args, words) in cases {
        let out = output(args);
        for word in words {
            assert!(
                out.contains(word),
                "{args:?} no longer prints {word:?}:\n{out}"
            );
            let lower = word.to_lowercase();
            assert!(
                glossary.to_lowercase().contains(&lower),
                "docs/glossary.md does not explain {word:?}"
            );
        }
    }
}
