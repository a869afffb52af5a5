//! The system model, pure: the JetStream stream of one aggregate, its last event, and a
//! store's cached (version, sequence) entry.

use std::fmt;

/// Events the stream can hold. A run holds at most 6: `two-stores` appends four in its
/// workload and one per store in the settle (`review` starts with two, then 2 + 1).
const CAPACITY: usize = 8;

/// The actor's last event as the stream reports it: version 0 and sequence 0 when it has none.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct Latest {
    pub(super) version: u32,
    pub(super) seq: u32,
}

impl fmt::Debug for Latest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.version {
            0 => f.write_str("none"),
            v => write!(f, "a@{v}, seq {}", self.seq),
        }
    }
}

/// A cache entry: the version, and under `conditional-append` the sequence it was seen at.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Entry {
    pub(super) version: u32,
    pub(super) seq: Option<u32>,
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.version)?;
        match self.seq {
            Some(seq) => write!(f, " (seq {seq})"),
            None => Ok(()),
        }
    }
}

/// What a cache read found, as the trace shows it: `hit a@2 (seq 2)`, `miss`.
pub(super) fn describe_lookup(found: &Option<Entry>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match found {
        Some(e) => write!(f, "hit {e:?}"),
        None => f.write_str("miss"),
    }
}

/// What a cache write or delete replaced, as the trace shows it.
pub(super) fn describe_replaced(was: &Option<Entry>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match was {
        Some(e) => write!(f, "was {e:?}"),
        None => f.write_str("was empty"),
    }
}

/// What `publishExpect` did.
#[derive(Clone, Copy)]
pub(super) enum Expect {
    /// Appended at this sequence.
    Appended(u32),
    /// The actor's last sequence was not the expected one.
    WrongLastSeq { last: u32, expected: u32 },
}

impl fmt::Debug for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Expect::Appended(seq) => write!(f, "seq {seq}"),
            Expect::WrongLastSeq { last, expected } => {
                write!(f, "rejected: last seq {last}, expected {expected}")
            }
        }
    }
}

/// `SaveEvent`'s rejection.
#[derive(Clone, Copy)]
pub(super) struct VersionConflict {
    pub(super) current: u32,
    pub(super) attempted: u32,
}

impl fmt::Display for VersionConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (current, attempted) = (self.current, self.attempted);
        write!(
            f,
            "VersionConflict{{current: {current}, attempted: {attempted}}}"
        )
    }
}

/// The stream, reduced to actor `a`'s versions in append order (sequence = position + 1).
#[derive(Debug, Hash)]
pub(super) struct Stream {
    versions: [u32; CAPACITY],
    len: usize,
}

impl Stream {
    pub(super) fn of(initial: &[u32]) -> Stream {
        let mut s = Stream {
            versions: [0; CAPACITY],
            len: 0,
        };
        for &v in initial {
            s.append(v);
        }
        s
    }

    pub(super) fn events(&self) -> &[u32] {
        &self.versions[..self.len]
    }

    pub(super) fn latest(&self) -> Latest {
        Latest {
            version: self.events().last().copied().unwrap_or(0),
            seq: self.len as u32,
        }
    }

    pub(super) fn max(&self) -> u32 {
        self.events().iter().copied().max().unwrap_or(0)
    }

    /// Appends `version`; returns its sequence.
    pub(super) fn append(&mut self, version: u32) -> u32 {
        self.versions[self.len] = version;
        self.len += 1;
        self.len as u32
    }
}

/// A stream sequence number as `publish` returns it, in the trace: `seq 3`.
pub(super) fn describe_seq(seq: &u32, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "seq {seq}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_numbers_its_events_and_knows_its_last_and_highest_version() {
        let mut s = Stream::of(&[1, 2]);
        assert_eq!((s.latest().version, s.latest().seq), (2, 2));
        assert_eq!(s.append(3), 3);
        // A duplicate appended after: the last event is no longer the highest version.
        assert_eq!(s.append(2), 4);
        assert_eq!(s.events(), &[1, 2, 3, 2]);
        assert_eq!((s.latest().version, s.max()), (2, 3));
        assert_eq!(Stream::of(&[]).latest().seq, 0);
    }
}
