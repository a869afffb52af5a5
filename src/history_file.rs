//! A history recorded from a real system, as read from its file: the events, and the line of
//! the file each came from, so that every message and page can point back at the file.

use raceway_sim::consistency::{History, Operation};

/// A parsed history, with the file's line number of each event.
pub struct Loaded {
    pub history: History,
    pub lines: Vec<usize>,
}

impl Loaded {
    /// `lines 3-4`, or `line 3-` for an operation that never completed.
    pub fn span(&self, op: &Operation) -> String {
        let from = self.lines[op.invoked];
        match op.completed {
            Some(c) => format!("lines {from}-{}", self.lines[c]),
            None => format!("line {from}-"),
        }
    }
}
