//! A fixed-size set of operation indices, with an incrementally maintained hash, for the
//! checkers' memo of configurations already explored.

/// A set of indices below a bound fixed at creation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Bitset {
    words: Vec<u64>,
    /// The XOR of [`mix`] over the members: updated in constant time per change.
    hash: u64,
}

impl Bitset {
    /// An empty set of indices below `len`.
    pub(crate) fn new(len: usize) -> Self {
        Self {
            words: vec![0; len.div_ceil(64)],
            hash: 0,
        }
    }

    /// Adds `i` (absent before).
    pub(crate) fn insert(&mut self, i: usize) {
        debug_assert!(!self.contains(i));
        self.words[i / 64] |= 1 << (i % 64);
        self.hash ^= mix(i as u64);
    }

    /// Removes `i` (present before).
    pub(crate) fn remove(&mut self, i: usize) {
        debug_assert!(self.contains(i));
        self.words[i / 64] &= !(1 << (i % 64));
        self.hash ^= mix(i as u64);
    }

    /// Whether `i` is a member.
    pub(crate) fn contains(&self, i: usize) -> bool {
        self.words[i / 64] & (1 << (i % 64)) != 0
    }
}

impl std::hash::Hash for Bitset {
    /// The maintained hash alone: equal sets have equal hashes, in constant time.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// SplitMix64's finaliser: a fixed, well-spread 64-bit code per index (Zobrist hashing).
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_depends_only_on_the_members() {
        let mut a = Bitset::new(130);
        let mut b = Bitset::new(130);
        a.insert(3);
        a.insert(129);
        b.insert(129);
        b.insert(7);
        b.insert(3);
        b.remove(7);
        assert_eq!(a, b);
        assert_eq!(a.hash, b.hash);
        assert!(a.contains(129) && !a.contains(7));
    }
}
