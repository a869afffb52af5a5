//! The run's history as the run core keeps it: the client operations tasks mark (see
//! `client.rs`, where tasks mark them), whether this run keeps them, and their fingerprint.
//! Apart from `client.rs` so that the core holds it without depending on [`Cx`](crate::Cx).

use crate::consistency::History;
use crate::fingerprint::Fingerprint;

/// The run's history, as the run core keeps it.
#[derive(Default)]
pub(crate) struct Recorder {
    /// Whether an invariant reads the history: then it is kept in every run, and is part of
    /// the configuration.
    pub(crate) read: bool,
    /// Whether this run keeps it (it is read, or the trace is recorded).
    pub(crate) keep: bool,
    pub(crate) history: History,
    /// The fingerprint of the events so far, in fingerprinted runs of a read history.
    pub(crate) fingerprint: Fingerprint,
}

impl Recorder {
    /// Starts a run: empty, kept when read or when the trace is `recorded`.
    pub(crate) fn reset(&mut self, recorded: bool) {
        self.keep = self.read || recorded;
        self.history = History::new();
        self.fingerprint = 0;
    }

    /// Whether the run's steps must count as dependent on each other (see `client.rs`'s
    /// module doc).
    pub(crate) fn orders_steps(&self) -> bool {
        self.read
    }

    /// Hashes what a configuration must tell apart: the history's events so far.
    pub(crate) fn hash_into(&self, h: &mut impl std::hash::Hasher) {
        if self.read {
            h.write_u128(self.fingerprint);
        }
    }
}
