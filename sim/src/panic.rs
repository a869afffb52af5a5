//! Catching a task's panic as a violation, without printing it.
//!
//! A panic inside a task is a finding (a strict delete that crashed the real node), not a
//! crash of the harness. The process-wide panic hook is wrapped once so that it stays silent
//! while a run is in progress on this thread, and behaves as before everywhere else.

use std::any::Any;
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static RUNNING: Cell<bool> = const { Cell::new(false) };
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
            }
        }));
    });
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

fn message(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => match payload.downcast::<&'static str>() {
            Ok(s) => (*s).to_string(),
            Err(_) => "a panic with a non-string payload".to_string(),
        },
    }
}
