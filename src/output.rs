//! The one path by which the binary writes to stdout and stderr.
//!
//! A reader that goes away early (`raceway run … | head -1`) is not an error: the first write
//! that finds the pipe closed marks stdout closed, later writes are dropped, and the command
//! ends with its own exit status and no message. Any other write error (a full disk) is an
//! error the command returns, one line and exit 2. Nothing here panics, unlike `println!`.

use anyhow::Result;
use std::io::{ErrorKind, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes `text` to stdout and flushes it.
pub fn print(text: &str) -> Result<()> {
    if closed() {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::BrokenPipe => {
            CLOSED.store(true, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => anyhow::bail!("cannot write to stdout: {e}"),
    }
}

/// Writes `text` and a newline to stdout.
pub fn println(text: &str) -> Result<()> {
    print(&format!("{text}\n"))
}

/// Whether stdout's reader has gone: a command that streams can stop early.
pub fn closed() -> bool {
    CLOSED.load(Ordering::Relaxed)
}

/// Writes one line to stderr; a stderr that cannot be written to is ignored (there is nowhere
/// left to report it).
pub fn note(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

/// `word` or its plural (an `s` added), for `n` of them.
pub fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

/// `1 step`, `7 steps`.
pub fn count(n: u64, word: &str) -> String {
    format!("{n} {}", plural(n, word))
}
