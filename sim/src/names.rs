//! Names built at run time: a pool of 99 workers (`worker7`), an array's cells (`arr[3]`).
//! (A step's label that carries a value, `read arr[3]`, is built only when the run is
//! recorded: [`Cx::step_labelled`](crate::Cx::step_labelled).)
//!
//! The engine keeps every name as `&'static str`, so that candidates, footprints and waits stay
//! `Copy` and the per-step path never allocates. A static name is used as it is; an owned one
//! is interned: stored once per distinct text for the life of the process and shared by every
//! run after, so a model that names its tasks with `format!` in every run leaks nothing per
//! run, only each distinct name once.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::Mutex;

/// Every owned name interned so far. A `BTreeSet`, never iterated: names are only looked up.
static INTERNED: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());

/// `name` as a `&'static str`: a static name as it is (no lookup, no allocation); an owned
/// one stored once per distinct text, then shared.
///
/// ```
/// let a = raceway_sim::intern(format!("worker{}", 7));
/// let b = raceway_sim::intern(String::from("worker7"));
/// assert_eq!(a, "worker7");
/// assert!(std::ptr::eq(a, b)); // stored once
/// ```
pub fn intern(name: impl Into<Cow<'static, str>>) -> &'static str {
    match name.into() {
        Cow::Borrowed(name) => name,
        Cow::Owned(name) => {
            // A poisoned lock still holds a consistent set: insertions are single calls.
            let mut set = INTERNED.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(&known) = set.get(name.as_str()) {
                return known;
            }
            let leaked: &'static str = Box::leak(name.into_boxed_str());
            set.insert(leaked);
            leaked
        }
    }
}
