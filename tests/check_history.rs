//! `raceway check-history`: verdicts and exit status on the README's example histories, and
//! one line with the line number for each kind of bad input.

mod common;

use common::{raceway, temp};

#[test]
fn a_stale_read_is_sequential_but_not_linearizable_and_the_counterexample_names_its_lines() {
    let (code, out, err) = raceway(&["check-history", "examples/histories/stale-read.jsonl"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("linearizable         violated"), "{out}");
    assert!(out.contains("sequential           holds"), "{out}");
    assert!(out.contains("3 of 5 operations"), "{out}");
    for line in [
        "lines 1-2  p0 write \"x\" 1",
        "lines 4-6  p0 write \"x\" 2",
        "lines 7-9  p1 read \"x\" → 1",
    ] {
        assert!(out.contains(line), "{line} missing:\n{out}");
    }
    assert!(
        out.contains("no continuation places p1 read \"x\" → 1"),
        "{out}"
    );
}

#[test]
fn a_linearizable_history_exits_0_and_one_model_can_be_chosen() {
    let (code, out, _) = raceway(&["check-history", "examples/histories/linearizable.jsonl"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.matches(" holds").count(), 7, "{out}");
    let (code, out, _) = raceway(&[
        "check-history",
        "examples/histories/stale-read.jsonl",
        "--consistency",
        "sequential,monotonic-reads",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("linearizable"), "{out}");
}

#[test]
fn bad_input_is_one_line_naming_the_line_and_exit_2() {
    let write = r#"{"process": 0, "type": "invoke", "f": "write", "value": 1}"#;
    let cases = [
        (
            "bad-json",
            format!("{write}\n{{\"process\": 0,"),
            ":2: bad JSON",
        ),
        (
            "unknown-f",
            r#"{"process": 0, "type": "invoke", "f": "append"}"#.to_string(),
            ":1: unknown f \"append\"",
        ),
        (
            "unknown-type",
            r#"{"process": 0, "type": "done", "f": "read"}"#.to_string(),
            ":1: unknown type \"done\"",
        ),
        (
            "no-invocation",
            format!("{write}\n{{\"process\": 1, \"type\": \"ok\", \"f\": \"read\"}}"),
            ":2: a completion (ok) on process 1, which has no open invocation",
        ),
        (
            "two-open",
            format!("{write}\n\n{write}"),
            ":3: a second invocation on process 0",
        ),
        (
            "cas-value",
            r#"{"process": 0, "type": "invoke", "f": "cas", "value": 3}"#.to_string(),
            ":1: a cas's value must be [old, new]",
        ),
    ];
    for (name, text, expected) in cases {
        let path = temp(&format!("{name}.jsonl"));
        std::fs::write(&path, text).unwrap();
        let (code, out, err) = raceway(&["check-history", path.to_str().unwrap()]);
        assert_eq!((code, out.as_str()), (2, ""), "{name}: {err}");
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(err.contains(expected), "{name}: {err}");
    }
    let (code, _, err) = raceway(&[
        "check-history",
        "examples/histories/stale-read.jsonl",
        "--model",
        "register",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains(":3: key \"y\" differs from line 1's"), "{err}");
}
