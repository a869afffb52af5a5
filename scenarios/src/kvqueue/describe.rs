//! How kvqueue's steps read in the trace: the functions its tasks give
//! [`Cx::step_as`](raceway_sim::Cx::step_as), called only when a run is recorded (and, in a
//! fingerprinted exploration, to take in what a task observed: two results the task acts on
//! differently must not read alike, unless the state holds the difference).

use super::system::{Got, Msg, Put, Recent};
use std::fmt::{Formatter, Result};

/// What a get of `comment:<id>` found, as the trace and the checker say it.
pub(super) fn found(msg: Option<Msg>) -> String {
    match msg {
        Some(m) => format!("{m:?}"),
        None => "not found".to_string(),
    }
}

/// A get of `comment:<id>`: what it found, and whether the read was stale.
pub(super) fn comment(got: &Got<Option<Msg>>, f: &mut Formatter<'_>) -> Result {
    f.write_str(&found(got.value))?;
    stale(got, f)
}

/// A get of the old key format, which is never written.
pub(super) fn old_comment(msg: &Option<Msg>, f: &mut Formatter<'_>) -> Result {
    f.write_str(&found(*msg))
}

/// A get of `recent:comments`: the aggregate, and whether the read was stale.
pub(super) fn recent(got: &Got<Recent>, f: &mut Formatter<'_>) -> Result {
    write!(f, "{:?}", got.value)?;
    stale(got, f)
}

/// A put of the aggregate: what it did, with the value it carried.
pub(super) fn wrote((put, recent): &(Put, Recent), f: &mut Formatter<'_>) -> Result {
    match put {
        Put::Ok => write!(f, "ok {recent:?}"),
        other => write!(f, "{other:?}"),
    }
}

/// ` (stale)` after a read that returned the previous value.
fn stale<T>(got: &Got<T>, f: &mut Formatter<'_>) -> Result {
    if got.stale {
        f.write_str(" (stale)")
    } else {
        Ok(())
    }
}
