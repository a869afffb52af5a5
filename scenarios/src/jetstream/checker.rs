//! The checker: the ghost results of saves and of the settle phase, and the invariants.

use super::system::Entry;
use super::State;
use super::STORES;
use raceway_sim::{Check, Invariant};

/// What the settle phase saw of one store.
#[derive(Clone, Copy, Debug, Hash)]
pub(super) struct Settled {
    /// The cache entry right after `GetLatestVersion(a)`.
    pub(super) cache: Option<Entry>,
    /// The stream's max version at that moment.
    pub(super) max: u32,
    /// The two saves, unless a stale entry made the settle skip them.
    pub(super) saves: Option<Saves>,
}

/// The settle's `SaveEvent(a, max)` and `SaveEvent(a, max+1)`.
#[derive(Clone, Copy, Debug, Hash)]
pub(super) struct Saves {
    /// Whether `SaveEvent(a, max)` returned `VersionConflict`.
    pub(super) rejected: bool,
    /// Fetches from the end of `GetLatestVersion` to the end of `SaveEvent(a, max+1)`.
    pub(super) fetches: u32,
}

/// Safety: per actor, versions strictly increase in append order, starting above 0.
fn versions_increase(s: &State) -> Check {
    let mut prev = 0;
    for (seq, &v) in (1..).zip(s.stream.events()) {
        if v <= prev {
            let what = if v == prev {
                "a duplicate"
            } else {
                "a lower version"
            };
            return Err(format!(
                "a@{v} at seq {seq} follows a@{prev} at seq {}: {what}; versions must strictly \
                 increase",
                seq - 1
            ));
        }
        prev = v;
    }
    Ok(())
}

/// Safety: no store's cache is ahead of the stream.
fn cache_not_ahead(s: &State) -> Check {
    let max = s.stream.max();
    for (i, cache) in s.caches.iter().enumerate().take(s.stores) {
        if let Some(e) = cache.filter(|e| e.version > max) {
            return Err(format!(
                "{}'s cache holds a→{e:?} but the stream's max is {max}",
                STORES[i]
            ));
        }
    }
    Ok(())
}

/// Convergence: after `GetLatestVersion(a)`, no store holds a stale entry, and
/// `SaveEvent(a, max)` is rejected.
fn cache_converges(s: &State) -> Check {
    for (i, settled) in s.settled.iter().enumerate().take(s.stores) {
        let store = STORES[i];
        let Some(settled) = settled else {
            return Err(format!("the settle phase did not reach {store}"));
        };
        let max = settled.max;
        match (settled.cache, settled.saves) {
            (Some(e), _) if e.version != max => {
                return Err(format!(
                "after {store}.GetLatestVersion(a) its cache holds a→{e:?} but the stream's max \
                     is {max}: SaveEvent(a@{max}) would pass the check and append a duplicate"
            ))
            }
            (_, Some(saves)) if !saves.rejected => {
                return Err(format!(
                    "after {store}.GetLatestVersion(a), SaveEvent(a@{max}) was accepted"
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Cost: after `GetLatestVersion(a)`, saves are served from the cache: zero fetches. (A store
/// whose saves were skipped has already failed convergence, which is checked first.)
fn cache_repopulated(s: &State) -> Check {
    for (i, settled) in s.settled.iter().enumerate().take(s.stores) {
        let Some(Settled {
            max,
            saves: Some(saves),
            ..
        }) = settled
        else {
            continue;
        };
        if saves.fetches > 0 {
            return Err(format!(
                "{0}.SaveEvent(a@{max}) and SaveEvent(a@{1}) after {0}.GetLatestVersion(a) made \
                 {2} fetch(es): the cache was not repopulated",
                STORES[i],
                max + 1,
                saves.fetches
            ));
        }
    }
    Ok(())
}

pub(super) const VERSIONS_INCREASE: Invariant<State> =
    Invariant::safety("versions-increase", versions_increase);

const CACHE_NOT_AHEAD: Invariant<State> = Invariant::safety("cache-not-ahead", cache_not_ahead);

pub(super) const CACHE_CONVERGES: Invariant<State> =
    Invariant::convergence("cache-converges", cache_converges);

pub(super) const CACHE_REPOPULATED: Invariant<State> =
    Invariant::cost("cache-repopulated", cache_repopulated);

pub(super) static INVARIANTS: [Invariant<State>; 4] = [
    VERSIONS_INCREASE,
    CACHE_NOT_AHEAD,
    CACHE_CONVERGES,
    CACHE_REPOPULATED,
];
