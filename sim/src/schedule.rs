//! Schedules: the sequence of choices a run made, and their printable encoding.
//!
//! A choice is recorded only where there was an alternative: a task choice when two or more
//! tasks could step, a pick when the scenario offered two or more options. Replaying the
//! choices in order reproduces the run exactly, faults included.
//!
//! The text form is `rw1.` followed by one character per choice below 32 (more characters for
//! larger ones): base64url digits carrying five bits of value each, the sixth bit marking that
//! another digit follows. A typical failing run is a dozen characters, short enough to paste
//! from a CI log into a command line.

use std::fmt;
use std::str::FromStr;

/// The schedule text format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
const PREFIX: &str = "rw";
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The choices of one run, in the order they were made.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Schedule {
    choices: Vec<u32>,
}

/// Why a schedule string could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The string does not start with `rw<version>.`.
    #[error("not a raceway schedule: expected it to start with `rw{FORMAT_VERSION}.`")]
    MissingPrefix,
    /// Written by a raceway with another schedule format.
    #[error(
        "schedule format rw{0} is not supported by this raceway (it reads rw{FORMAT_VERSION})"
    )]
    ForeignVersion(String),
    /// A character outside the base64url alphabet.
    #[error("invalid character {0:?} at position {1} of the schedule")]
    BadChar(char, usize),
    /// The last choice was cut off (a continuation digit with nothing after it).
    #[error("the schedule is truncated: its last choice is incomplete")]
    Truncated,
    /// A choice too large to be real.
    #[error("a choice in the schedule is out of range")]
    Overflow,
}

impl Schedule {
    /// A schedule from raw choices.
    pub fn from_choices(choices: Vec<u32>) -> Self {
        Self { choices }
    }

    /// The choices, in order.
    pub fn choices(&self) -> &[u32] {
        &self.choices
    }

    /// The number of choices.
    pub fn len(&self) -> usize {
        self.choices.len()
    }

    /// Whether no choice was made.
    pub fn is_empty(&self) -> bool {
        self.choices.is_empty()
    }

    pub(crate) fn clear(&mut self) {
        self.choices.clear();
    }

    pub(crate) fn push(&mut self, choice: u32) {
        self.choices.push(choice);
    }

    /// Encodes the schedule as text (also what `Display` prints).
    pub fn encode(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX}{FORMAT_VERSION}.")?;
        let mut buf = [0u8; 7];
        for &c in &self.choices {
            let mut v = c;
            let mut n = 0;
            loop {
                let low = (v & 31) as u8;
                v >>= 5;
                let more = if v != 0 { 32 } else { 0 };
                buf[n] = ALPHABET[(low | more) as usize];
                n += 1;
                if v == 0 {
                    break;
                }
            }
            // The alphabet is ASCII, so this cannot fail.
            f.write_str(std::str::from_utf8(&buf[..n]).map_err(|_| fmt::Error)?)?;
        }
        Ok(())
    }
}

impl FromStr for Schedule {
    type Err = ScheduleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let rest = s.strip_prefix(PREFIX).ok_or(ScheduleError::MissingPrefix)?;
        let (version, body) = rest.split_once('.').ok_or(ScheduleError::MissingPrefix)?;
        if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ScheduleError::MissingPrefix);
        }
        if version != FORMAT_VERSION.to_string() {
            return Err(ScheduleError::ForeignVersion(version.to_string()));
        }
        let offset = s.len() - body.len();
        let mut choices = Vec::with_capacity(body.len());
        let (mut value, mut shift, mut open) = (0u64, 0u32, false);
        for (i, ch) in body.char_indices() {
            let digit = ALPHABET
                .iter()
                .position(|&a| a as char == ch)
                .ok_or(ScheduleError::BadChar(ch, offset + i))? as u64;
            if shift >= 32 {
                return Err(ScheduleError::Overflow);
            }
            value |= (digit & 31) << shift;
            shift += 5;
            open = digit & 32 != 0;
            if !open {
                choices.push(u32::try_from(value).map_err(|_| ScheduleError::Overflow)?);
                (value, shift) = (0, 0);
            }
        }
        if open {
            return Err(ScheduleError::Truncated);
        }
        Ok(Schedule { choices })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn small_choices_take_one_character() {
        let s = Schedule::from_choices(vec![0, 1, 1, 0, 31]);
        assert_eq!(s.encode(), "rw1.ABBAf");
        assert_eq!("rw1.".parse::<Schedule>().unwrap(), Schedule::default());
    }

    #[test]
    fn malformed_strings_are_errors() {
        assert_eq!("x".parse::<Schedule>(), Err(ScheduleError::MissingPrefix));
        assert_eq!("rw1".parse::<Schedule>(), Err(ScheduleError::MissingPrefix));
        assert_eq!(
            "rw2.AB".parse::<Schedule>(),
            Err(ScheduleError::ForeignVersion("2".into()))
        );
        assert_eq!(
            "rw1.A*".parse::<Schedule>(),
            Err(ScheduleError::BadChar('*', 5))
        );
        assert_eq!("rw1.Ag".parse::<Schedule>(), Err(ScheduleError::Truncated));
        assert_eq!(
            "rw1.gggggggB".parse::<Schedule>(),
            Err(ScheduleError::Overflow)
        );
    }

    proptest! {
        #[test]
        fn encode_then_decode_is_identity(choices in proptest::collection::vec(any::<u32>(), 0..64)) {
            let s = Schedule::from_choices(choices);
            prop_assert_eq!(s.encode().parse::<Schedule>(), Ok(s));
        }
    }
}
