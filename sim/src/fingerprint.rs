//! Fingerprints of states and configurations, for stateful exploration.
//!
//! A fingerprint is 128 bits of xxh3 (`xxhash-rust`) with its fixed default secret: the same
//! value on every machine, build and run, never a randomly seeded hash. Two different
//! configurations that collide would make exploration skip the second as already explored:
//! what lies beyond it (at most its subtree of schedules) would go unchecked, so a proof could
//! miss a violation reachable only there. With 128 bits and n distinct configurations the
//! chance of any collision is about n²/2¹²⁹: below 10⁻¹⁸ for a billion configurations.

use std::fmt;
use std::hash::{Hash, Hasher};
use xxhash_rust::xxh3::Xxh3Default;

/// A 128-bit fingerprint of a state or a configuration.
pub type Fingerprint = u128;

/// A [`Hasher`] that yields a 128-bit [`Fingerprint`]; also a [`fmt::Write`] sink, so that a
/// value's `Debug` text can be hashed without building a string.
pub struct Fingerprinter(Xxh3Default);

impl Default for Fingerprinter {
    fn default() -> Self {
        Self::new()
    }
}

impl Fingerprinter {
    /// A fingerprinter with the fixed default secret.
    pub fn new() -> Self {
        Self(Xxh3Default::new())
    }

    /// The 128-bit fingerprint of everything written so far.
    pub fn finish128(&self) -> Fingerprint {
        self.0.digest128()
    }
}

impl Hasher for Fingerprinter {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        self.0.digest()
    }
}

impl fmt::Write for Fingerprinter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.update(s.as_bytes());
        Ok(())
    }
}

/// The fingerprint of a hashable value: what a [`Model`](crate::Model) whose state is `Hash`
/// returns from [`Model::fingerprint`](crate::Model::fingerprint).
pub fn of<T: Hash + ?Sized>(value: &T) -> Fingerprint {
    let mut h = Fingerprinter::new();
    value.hash(&mut h);
    h.finish128()
}

/// `history` extended by one observation: what a task saw in a step, a pick or a wait.
pub(crate) fn extend(
    history: Fingerprint,
    observed: impl FnOnce(&mut Fingerprinter),
) -> Fingerprint {
    let mut h = Fingerprinter::new();
    h.write_u128(history);
    observed(&mut h);
    h.finish128()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_fixed_and_tell_values_apart() {
        // Pinned: a change of hasher or secret changes every fingerprint (and `explore`'s
        // counts stay the same only if nothing collides), so it is a deliberate change.
        assert_eq!(of(&(1u32, "a")), of(&(1u32, "a")));
        assert_ne!(of(&(1u32, "a")), of(&(2u32, "a")));
        assert_ne!(extend(0, |h| h.write_u8(1)), extend(0, |h| h.write_u8(2)));
        assert_ne!(extend(0, |h| h.write_u8(1)), extend(1, |h| h.write_u8(1)));
    }
}
