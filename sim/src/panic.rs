//! Catching a task's panic as a violation, without printing it.
//!
//! A panic inside a task is a finding (a strict delete that crashed the real node), not a
//! crash of the harness. The process-wide panic hook is wrapped once so that it stays silent
//! while a task is being polled on this thread and behaves as before everywhere else.

use std::any::Any;
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static POLLING: Cell<bool> = const { Cell::new(false) };
}
static QUIET_HOOK: Once = Once::new();

/// Runs `f`, turning a panic into `Err(message)`.
pub(crate) fn catch<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    QUIET_HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !POLLING.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was = POLLING.with(|p| p.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    POLLING.with(|p| p.set(was));
    result.map_err(message)
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
