//! The system model, pure: messages and their statuses, the aggregate `recent:comments`, a
//! Workers KV key (stale reads, the write rate limit) and the Durable Object's handlers.

use super::State;
use raceway_sim::Instant;
use std::fmt;
use std::time::Duration;

/// Messages a run may hold.
pub(super) const N: usize = 4;

/// Workers KV takes one write per second per key.
const WRITE_WINDOW: Duration = Duration::from_secs(1);

/// `fail` marks a message failed at this many attempts.
const MAX_ATTEMPTS: u8 = 3;

/// A message id; ids are in timestamp order.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct Id(pub(super) u8);

impl Id {
    pub(super) fn ix(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "m{}", self.0 + 1)
    }
}

pub(super) const M1: Id = Id(0);

pub(super) const M2: Id = Id(1);

/// A message's `botParams.status`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Status {
    /// Waiting for a bot.
    Pending,
    /// Claimed by a bot.
    Processing,
    /// Answered (terminal).
    Complete,
    /// Given up after three attempts (terminal).
    Failed,
}

impl Status {
    pub(super) fn is_terminal(self) -> bool {
        matches!(self, Status::Complete | Status::Failed)
    }
}

impl fmt::Debug for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Pending => "pending",
            Status::Processing => "processing",
            Status::Complete => "complete",
            Status::Failed => "failed",
        })
    }
}

/// The value of `comment:<id>`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Msg {
    pub(super) status: Status,
    attempts: u8,
}

impl Msg {
    pub(super) const fn new(status: Status) -> Msg {
        Msg {
            status,
            attempts: 0,
        }
    }

    pub(super) fn with(self, status: Status) -> Msg {
        Msg { status, ..self }
    }
}

impl fmt::Debug for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.attempts {
            0 => write!(f, "{:?}", self.status),
            n => write!(f, "{:?} (attempts {n})", self.status),
        }
    }
}

/// One entry of the aggregate: a message's id and its cached status.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Entry {
    pub(super) id: Id,
    pub(super) status: Status,
}

/// The value of `recent:comments`: entries sorted by timestamp, no de-duplication by id.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Recent {
    len: u8,
    entries: [Entry; N],
}

impl Recent {
    pub(super) const EMPTY: Recent = Recent {
        len: 0,
        entries: [Entry {
            id: M1,
            status: Status::Pending,
        }; N],
    };

    /// The first `n` messages, all with `status`.
    pub(super) fn first(n: usize, status: Status) -> Recent {
        let mut r = Recent::EMPTY;
        for i in 0..n {
            r.push(Id(i as u8), status);
        }
        r
    }

    pub(super) fn entries(&self) -> &[Entry] {
        &self.entries[..self.len as usize]
    }

    /// The cached status of `id` (its first entry).
    pub(super) fn status(&self, id: Id) -> Option<Status> {
        self.entries().iter().find(|e| e.id == id).map(|e| e.status)
    }

    /// Sets the first entry with `id` (`findIndex`); `false` when there is none.
    pub(super) fn set(&mut self, id: Id, status: Status) -> bool {
        let n = self.len as usize;
        match self.entries[..n].iter_mut().find(|e| e.id == id) {
            Some(e) => {
                e.status = status;
                true
            }
            None => false,
        }
    }

    /// `push` then `sort` by timestamp: the entry goes after every older one.
    pub(super) fn push(&mut self, id: Id, status: Status) {
        let n = self.len as usize;
        let at = self.entries[..n]
            .iter()
            .rposition(|e| e.id <= id)
            .map_or(0, |i| i + 1);
        self.entries.copy_within(at..n, at + 1);
        self.entries[at] = Entry { id, status };
        self.len += 1;
    }
}

impl fmt::Debug for Recent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, e) in self.entries().iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{:?}:{:?}", e.id, e.status)?;
        }
        f.write_str("]")
    }
}

/// What a KV put did.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Put {
    Ok,
    /// The fault pick fired: a network or service error.
    Failed,
    /// The key was written less than a second ago.
    TooManyRequests,
}

impl fmt::Debug for Put {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Put::Ok => "ok",
            Put::Failed => "failed",
            Put::TooManyRequests => "429 Too Many Requests",
        })
    }
}

/// One Workers KV key: its latest value, the one before (what a stale read returns), and when
/// it was last written (for the rate limit).
#[derive(Clone, Copy, Debug, Hash)]
pub(super) struct Kv<T> {
    pub(super) value: T,
    previous: Option<T>,
    written: Option<Instant>,
}

impl<T: Copy> Kv<T> {
    /// A key written long ago: every read sees `value`.
    pub(super) fn new(value: T) -> Self {
        Kv {
            value,
            previous: None,
            written: None,
        }
    }

    pub(super) fn get(&self, stale: bool) -> Got<T> {
        match (stale, self.previous) {
            (true, Some(value)) => Got { value, stale: true },
            _ => Got {
                value: self.value,
                stale: false,
            },
        }
    }

    pub(super) fn put(&mut self, value: T, now: Instant, rate_limit: bool, fault: bool) -> Put {
        if fault {
            return Put::Failed;
        }
        if rate_limit && self.written.is_some_and(|at| now < at.after(WRITE_WINDOW)) {
            return Put::TooManyRequests;
        }
        self.previous = Some(self.value);
        self.value = value;
        self.written = Some(now);
        Put::Ok
    }
}

/// What a KV get returned, and whether it was the previous value.
#[derive(Clone, Copy)]
pub(super) struct Got<T> {
    pub(super) value: T,
    pub(super) stale: bool,
}

/// A durable-object handler's answer.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Reply {
    Ok,
    NotFound,
    Conflict(Status),
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reply::Ok => f.write_str("ok"),
            Reply::NotFound => f.write_str("404 Not Found"),
            Reply::Conflict(s) => write!(f, "409 Conflict: {s:?}"),
        }
    }
}

/// A set of message ids, in timestamp order: what `pending` returns.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Ids(u8);

impl Ids {
    pub(super) fn insert(&mut self, id: Id) {
        self.0 |= 1 << id.0;
    }

    pub(super) fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub(super) fn iter(self) -> impl Iterator<Item = Id> {
        (0..N as u8).filter(move |i| self.0 & (1 << i) != 0).map(Id)
    }
}

impl fmt::Debug for Ids {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The KV reads and writes of one poll, as the worker's `kvStats` reports them.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Cost {
    pub(super) reads: u8,
    pub(super) writes: u8,
}

impl Cost {
    /// A poll that trusts the aggregate: one read, no write.
    pub(super) const IDLE: Cost = Cost {
        reads: 1,
        writes: 0,
    };
}

impl fmt::Debug for Cost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[KVr:{} KVw:{}]", self.reads, self.writes)
    }
}

impl State {
    pub(super) fn status(&self, id: Id) -> Option<Status> {
        self.comments[id.ix()].value.map(|m| m.status)
    }

    /// Every posted message's key is terminal.
    pub(super) fn all_terminal(&self) -> bool {
        self.comments
            .iter()
            .all(|k| k.value.is_none_or(|m| m.status.is_terminal()))
    }

    /// Sets a message in the actor's array (`durable-object`): key and aggregate in one.
    fn actor_set(&mut self, id: Id, msg: Msg) {
        self.comments[id.ix()].value = Some(msg);
        self.recent.value.set(id, msg.status);
    }

    /// `MessageQueue.postMessage`.
    pub(super) fn actor_post(&mut self, id: Id) {
        self.comments[id.ix()].value = Some(Msg::new(Status::Pending));
        self.recent.value.push(id, Status::Pending);
    }

    /// A handler that moves a message out of status `from`, or answers 409.
    pub(super) fn actor_move(
        &mut self,
        id: Id,
        from: Status,
        to: impl FnOnce(Msg) -> Msg,
    ) -> Reply {
        match self.comments[id.ix()].value {
            Some(m) if m.status == from => {
                self.actor_set(id, to(m));
                Reply::Ok
            }
            Some(m) => Reply::Conflict(m.status),
            None => Reply::NotFound,
        }
    }

    /// `MessageQueue.getPending`: the array's pending messages.
    pub(super) fn actor_pending(&self) -> Ids {
        let mut ids = Ids::default();
        for e in self.recent.value.entries() {
            if e.status == Status::Pending {
                ids.insert(e.id);
            }
        }
        ids
    }
}

/// What `fail` makes of a message: one more attempt, pending below three, else failed.
pub(super) fn retry(msg: Msg) -> Msg {
    let attempts = msg.attempts + 1;
    let status = if attempts < MAX_ATTEMPTS {
        Status::Pending
    } else {
        Status::Failed
    };
    Msg { status, attempts }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_aggregate_keeps_timestamp_order_and_sets_the_first_entry() {
        let mut r = Recent::first(1, Status::Processing);
        r.push(Id(3), Status::Pending);
        r.push(Id(2), Status::Pending);
        assert_eq!(format!("{r:?}"), "[m1:processing, m3:pending, m4:pending]");
        assert!(r.set(Id(3), Status::Complete));
        assert!(!r.set(Id(1), Status::Complete), "m2 has no entry");
        assert_eq!(r.status(Id(3)), Some(Status::Complete));
    }

    #[test]
    fn a_kv_key_reads_its_previous_value_when_stale_and_takes_one_write_a_second() {
        let at = |s| Instant::ZERO.after(Duration::from_secs(s));
        let mut kv = Kv::new(1u8);
        assert_eq!(
            kv.get(true).value,
            1,
            "never written: nothing older to return"
        );
        assert_eq!(kv.put(2, at(0), true, false), Put::Ok);
        assert_eq!(kv.put(3, at(0), true, false), Put::TooManyRequests);
        assert_eq!(kv.put(3, at(0), true, true), Put::Failed);
        assert_eq!(kv.put(3, at(1), true, false), Put::Ok);
        let (fresh, stale) = (kv.get(false), kv.get(true));
        assert_eq!((fresh.value, stale.value, stale.stale), (3, 2, true));
    }

    #[test]
    fn a_failed_message_is_retried_until_its_third_attempt() {
        let once = retry(Msg::new(Status::Processing));
        assert_eq!((once.status, once.attempts), (Status::Pending, 1));
        let last = retry(retry(once));
        assert_eq!((last.status, last.attempts), (Status::Failed, 3));
    }
}
