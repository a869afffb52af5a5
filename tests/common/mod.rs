//! Helpers shared by the binary's integration tests.

use assert_cmd::Command;
use std::path::PathBuf;

/// Runs `raceway` with `args`: (exit code, stdout, stderr).
pub fn raceway(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("raceway")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// A path in the tests' scratch directory.
pub fn temp(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name)
}
