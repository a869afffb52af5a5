//! The system model, pure: the config row's values, the TTL cache entry and what a lookup,
//! a fill, an invalidation and a DB write do to them.

use super::State;
use raceway_sim::Instant;
use std::fmt;
use std::time::Duration;

/// The cache's time to live (`CACHE_TTL_MS`).
pub(super) const TTL: Duration = Duration::from_secs(60);

/// A logging channel id: the row's value.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ch {
    /// The row's initial value.
    C1,
    /// The value the (first) admin sets.
    C2,
    /// The value the second admin sets (`writers`).
    C3,
}

/// A channel in the clients' history: the row's initial `c1` is the `null` the checkers'
/// registers start from.
impl From<Ch> for raceway_sim::consistency::Value {
    fn from(ch: Ch) -> Self {
        match ch {
            Ch::C1 => Self::Nil,
            Ch::C2 => Self::text("c2"),
            Ch::C3 => Self::text("c3"),
        }
    }
}

impl fmt::Debug for Ch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Ch::C1 => "c1",
            Ch::C2 => "c2",
            Ch::C3 => "c3",
        })
    }
}

impl Ch {
    /// This value's entry in a table of step labels.
    pub(super) fn label(self, labels: &[&'static str; 3]) -> &'static str {
        labels[self as usize]
    }
}

/// A cache entry.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Entry {
    value: Ch,
    expires: Instant,
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} until {}", self.value, self.expires)
    }
}

/// What `cache.get(g)` found.
#[derive(Clone, Copy)]
pub(super) enum Lookup {
    Hit(Ch),
    Miss,
    Expired(Entry),
}

impl fmt::Debug for Lookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lookup::Hit(v) => write!(f, "hit {v:?}"),
            Lookup::Miss => f.write_str("miss"),
            Lookup::Expired(e) => write!(f, "miss (expired: {e:?})"),
        }
    }
}

/// `versioned`'s lookup in the trace: what the cache held and the generation noted.
pub(super) fn describe_noted(noted: &(Lookup, u64), f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "{:?}, gen {}", noted.0, noted.1)
}

/// What a conditional cache set did.
pub(super) enum Fill {
    Set(Entry),
    Refused { noted: u64, now: u64 },
}

impl fmt::Debug for Fill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fill::Set(e) => write!(f, "{e:?}"),
            Fill::Refused { noted, now } => write!(f, "refused: gen {now}, noted {noted}"),
        }
    }
}

/// What `invalidateCache(g)` removed, in the trace.
pub(super) fn describe_dropped(dropped: &Option<Entry>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match dropped {
        Some(e) => write!(f, "dropped {e:?}"),
        None => f.write_str("nothing cached"),
    }
}

/// `versioned`'s bump-and-invalidate in the trace: the new generation and what was dropped.
pub(super) fn describe_bumped(
    (gen, dropped): &(u64, Option<Entry>),
    f: &mut fmt::Formatter<'_>,
) -> fmt::Result {
    write!(f, "gen {gen}, ")?;
    describe_dropped(dropped, f)
}

/// Whether a DB write went through, as the trace says it.
pub(super) fn written(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "error (row unchanged)"
    }
}

/// A DB write's result in the trace.
pub(super) fn describe_written(ok: &bool, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str(written(*ok))
}

/// What `sync`'s one-step `get` did.
pub(super) enum Served {
    Cached(Ch),
    Loaded(Lookup, Entry),
}

impl fmt::Debug for Served {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Served::Cached(v) => write!(f, "hit {v:?}"),
            Served::Loaded(l, e) => write!(f, "{l:?}, SELECT {:?}, cached {e:?}", e.value),
        }
    }
}

impl Served {
    pub(super) fn value(&self) -> Ch {
        match self {
            Served::Cached(v) => *v,
            Served::Loaded(_, e) => e.value,
        }
    }
}

impl State {
    /// The cache lookup at `now`: an expired entry counts as a miss.
    pub(super) fn lookup(&self, now: Instant) -> Lookup {
        match self.cache {
            Some(e) if now < e.expires => Lookup::Hit(e.value),
            Some(e) => Lookup::Expired(e),
            None => Lookup::Miss,
        }
    }

    pub(super) fn fill(&mut self, value: Ch, now: Instant) -> Entry {
        let entry = Entry {
            value,
            expires: now.after(TTL),
        };
        self.cache = Some(entry);
        entry
    }

    pub(super) fn invalidate(&mut self) -> Option<Entry> {
        self.cache.take()
    }

    /// The DB write; whether it went through.
    pub(super) fn upsert(&mut self, value: Ch, fails: bool) -> bool {
        if !fails {
            self.row = value;
        }
        !fails
    }
}

#[cfg(test)]
mod tests {
    use super::super::checker::History;
    use super::*;

    fn state() -> State {
        State {
            row: Ch::C1,
            cache: None,
            gen: 0,
            history: History::new(),
        }
    }

    #[test]
    fn a_filled_entry_hits_until_its_ttl_then_counts_as_a_miss() {
        let mut s = state();
        assert!(matches!(s.lookup(Instant::ZERO), Lookup::Miss));
        s.fill(Ch::C1, Instant::ZERO);
        let before = Instant::ZERO.after(TTL - Duration::from_secs(1));
        assert!(matches!(s.lookup(before), Lookup::Hit(Ch::C1)));
        assert!(matches!(
            s.lookup(Instant::ZERO.after(TTL)),
            Lookup::Expired(_)
        ));
        assert!(s.invalidate().is_some());
        assert!(matches!(s.lookup(Instant::ZERO), Lookup::Miss));
    }

    #[test]
    fn a_failed_write_leaves_the_row() {
        let mut s = state();
        assert!(!s.upsert(Ch::C2, true));
        assert_eq!(s.row, Ch::C1);
        assert!(s.upsert(Ch::C2, false));
        assert_eq!(s.row, Ch::C2);
    }
}
