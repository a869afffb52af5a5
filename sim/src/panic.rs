//! Catching a task's panic as a violation, without printing it.
//!
//! A panic inside a task is a finding (a strict delete that crashed the real node), not a
//! crash of the harness. The process-wide panic hook is wrapped once so that it stays silent
//! while a run is in progress on this thread, and behaves as before everywhere else. While
//! silent, it notes where the panic happened: each `assert!` of a program is then its own
//! violation, `panic at file:line:col` (see [`invariant`]).

use std::any::Any;
use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static RUNNING: Cell<bool> = const { Cell::new(false) };
    /// Where the last panic of a run on this thread happened.
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}
static QUIET_HOOK: Once = Once::new();

/// Runs a whole run in `f` with the panic hook silenced on this thread; the per-poll
/// [`catch`]es inside turn panics into violations.
pub(crate) fn quietly<R>(f: impl FnOnce() -> R) -> R {
    QUIET_HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !RUNNING.with(Cell::get) {
                previous(info);
            } else if let Some(at) = info.location() {
                let at = format!("{}:{}:{}", portable(at.file()), at.line(), at.column());
                LOCATION.with(|l| *l.borrow_mut() = Some(at));
            }
        }));
    });
    LOCATION.with(|l| l.borrow_mut().take());
    let was = RUNNING.with(|r| r.replace(true));
    // Restores the flag even if `f` itself unwinds (it does not: every poll is caught).
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            RUNNING.with(|r| r.set(self.0));
        }
    }
    let _restore = Restore(was);
    f()
}

/// Runs `f`, turning a panic into `Err(message)`; silent inside [`quietly`].
pub(crate) fn catch<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    panic::catch_unwind(AssertUnwindSafe(f)).map_err(message)
}

/// Panics with `message` as if at `location` (the user's call of a library operation, taken
/// with `#[track_caller]`), so that the violation names the user's line, not the library's.
pub(crate) fn fail_at(location: &'static std::panic::Location<'static>, message: String) -> ! {
    let at = format!(
        "{}:{}:{}",
        portable(location.file()),
        location.line(),
        location.column()
    );
    LOCATION.with(|l| *l.borrow_mut() = Some(at));
    panic::resume_unwind(Box::new(message))
}

fn message(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => match payload.downcast::<&'static str>() {
            Ok(s) => (*s).to_string(),
            Err(_) => "a panic with a non-string payload".to_string(),
        },
    }
}

/// The invariant a panic caught by [`catch`] breaks: `panic at <file>:<line>:<col>`, one per
/// place in the program that panics, so that two assertions are two distinct violations (a
/// panic whose place is unknown, because another hook replaced this one, is plain `panic`).
pub(crate) fn invariant() -> Cow<'static, str> {
    match LOCATION.with(|l| l.borrow_mut().take()) {
        Some(at) => Cow::Owned(format!("panic at {at}")),
        None => Cow::Borrowed("panic"),
    }
}

/// A source path as the same on every machine: paths inside the workspace are relative
/// already; an absolute one (a dependency in cargo's registry) keeps its last three parts.
fn portable(file: &str) -> String {
    if !file.starts_with('/') && !file.contains(':') {
        return file.to_string();
    }
    let parts: Vec<&str> = file.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
    parts[parts.len().saturating_sub(3)..].join("/")
}
