//! The seeded random stream of [`Random`](super::Random) and [`Pct`](super::Pct): ChaCha8's
//! keystream, exactly as `rand_chacha::ChaCha8Rng::seed_from_u64(seed)` produces it, and
//! uniform integers below `n` drawn from it exactly as rand's `random_range(0..n)` draws them.
//!
//! Why not `ChaCha8Rng` itself: it computes its keystream four 64-byte blocks at a time and
//! carries a 256-byte buffer, while a run draws a handful of words. Seeding and the first refill
//! were a sixth of a whole schedule's cost (reports/profile.md). This stream computes one block
//! at a time, when a word is first needed, so a run that draws 16 words or fewer computes one
//! block. The words, and so every seed's schedule, are the same: the tests below compare both
//! against rand_chacha and rand for many seeds and ranges.

/// `"expand 32-byte k"`, ChaCha's constant words.
const SIGMA: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

/// ChaCha8's keystream under a 256-bit key, stream 0, from block 0.
#[derive(Clone, Debug)]
pub(crate) struct Stream {
    key: [u32; 8],
    /// The counter of the next block to compute.
    counter: u64,
    block: [u32; 16],
    /// The next word of `block` to hand out; 16 when it is used up.
    next: usize,
}

impl Stream {
    /// The stream `ChaCha8Rng::seed_from_u64(seed)` gives: its key is eight outputs of PCG32
    /// seeded with `seed` (rand_core's `seed_from_u64`).
    pub(crate) fn seed_from_u64(seed: u64) -> Self {
        let mut stream = Self {
            key: [0; 8],
            counter: 0,
            block: [0; 16],
            next: 16,
        };
        stream.reseed(seed);
        stream
    }

    /// Restarts this stream as [`Stream::seed_from_u64`]`(seed)`, in place.
    pub(crate) fn reseed(&mut self, mut seed: u64) {
        const MUL: u64 = 6_364_136_223_846_793_005;
        const INC: u64 = 11_634_580_027_462_260_723;
        for word in &mut self.key {
            seed = seed.wrapping_mul(MUL).wrapping_add(INC);
            let xorshifted = (((seed >> 18) ^ seed) >> 27) as u32;
            *word = xorshifted.rotate_right((seed >> 59) as u32);
        }
        self.counter = 0;
        self.next = 16;
    }

    /// The next 32-bit word of the keystream.
    pub(crate) fn next_u32(&mut self) -> u32 {
        if self.next == 16 {
            self.refill();
        }
        let word = self.block[self.next];
        self.next += 1;
        word
    }

    /// The next 64 bits: two words, the first the low half (as `ChaCha8Rng::next_u64`).
    pub(crate) fn next_u64(&mut self) -> u64 {
        let low = self.next_u32();
        u64::from(low) | u64::from(self.next_u32()) << 32
    }

    /// A uniform integer below `n` (at least 1), as rand 0.9's `random_range(0..n)` for `u32`
    /// draws it: the high word of a widening multiply, with a second draw only when the first
    /// lands in the biased zone (Lemire's method, as rand implements it).
    pub(crate) fn below(&mut self, n: u32) -> u32 {
        let wide = |x: u32| u64::from(x) * u64::from(n);
        let first = wide(self.next_u32());
        let (mut result, low) = ((first >> 32) as u32, first as u32);
        if low > n.wrapping_neg() {
            let second_high = (wide(self.next_u32()) >> 32) as u32;
            result += u32::from(low.checked_add(second_high).is_none());
        }
        result
    }

    /// Computes the next block: eight rounds of ChaCha over the key, the counter and stream 0.
    #[cfg(target_arch = "x86_64")]
    fn refill(&mut self) {
        self.block = rows::block(&self.key, self.counter);
        self.counter = self.counter.wrapping_add(1);
        self.next = 0;
    }

    /// Computes the next block: eight rounds of ChaCha over the key, the counter and stream 0.
    #[cfg(not(target_arch = "x86_64"))]
    fn refill(&mut self) {
        let mut state = [0u32; 16];
        state[..4].copy_from_slice(&SIGMA);
        state[4..12].copy_from_slice(&self.key);
        state[12] = self.counter as u32;
        state[13] = (self.counter >> 32) as u32;
        let mut x = state;
        for _ in 0..4 {
            quarter(&mut x, 0, 4, 8, 12);
            quarter(&mut x, 1, 5, 9, 13);
            quarter(&mut x, 2, 6, 10, 14);
            quarter(&mut x, 3, 7, 11, 15);
            quarter(&mut x, 0, 5, 10, 15);
            quarter(&mut x, 1, 6, 11, 12);
            quarter(&mut x, 2, 7, 8, 13);
            quarter(&mut x, 3, 4, 9, 14);
        }
        for (out, (mixed, initial)) in self.block.iter_mut().zip(x.iter().zip(state)) {
            *out = mixed.wrapping_add(initial);
        }
        self.counter = self.counter.wrapping_add(1);
        self.next = 0;
    }
}

/// ChaCha's quarter round on words `a`, `b`, `c`, `d` of `x`.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn quarter(x: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    x[a] = x[a].wrapping_add(x[b]);
    x[d] = (x[d] ^ x[a]).rotate_left(16);
    x[c] = x[c].wrapping_add(x[d]);
    x[b] = (x[b] ^ x[c]).rotate_left(12);
    x[a] = x[a].wrapping_add(x[b]);
    x[d] = (x[d] ^ x[a]).rotate_left(8);
    x[c] = x[c].wrapping_add(x[d]);
    x[b] = (x[b] ^ x[c]).rotate_left(7);
}

/// ChaCha's block function with the state's four rows in SSE2 registers (which every x86-64
/// CPU has), through safe_arch's safe wrappers: a quarter round on all four columns at once,
/// then on the four diagonals after rotating the rows' lanes. A run computes one block, and
/// this takes about a third of the scalar rounds' instructions. The tests below compare its
/// words with rand_chacha's.
#[cfg(target_arch = "x86_64")]
mod rows {
    use super::SIGMA;
    use safe_arch::{
        add_i32_m128i as add, bitor_m128i as or, bitxor_m128i as xor, m128i,
        shl_imm_u32_m128i as shl, shr_imm_u32_m128i as shr, shuffle_ai_f32_all_m128i as lanes,
        shuffle_ai_i16_h64all_m128i as high16, shuffle_ai_i16_l64all_m128i as low16,
    };

    /// Each lane of `x` rotated left by `N` bits (`M` = 32 - `N`).
    #[inline(always)]
    fn rotl<const N: i32, const M: i32>(x: m128i) -> m128i {
        or(shl::<N>(x), shr::<M>(x))
    }

    /// A quarter round on the four columns of rows `a`, `b`, `c`, `d`.
    #[inline(always)]
    fn quarters(a: &mut m128i, b: &mut m128i, c: &mut m128i, d: &mut m128i) {
        *a = add(*a, *b);
        // By 16: swap each lane's two halves.
        *d = high16::<0b10_11_00_01>(low16::<0b10_11_00_01>(xor(*d, *a)));
        *c = add(*c, *d);
        *b = rotl::<12, 20>(xor(*b, *c));
        *a = add(*a, *b);
        *d = rotl::<8, 24>(xor(*d, *a));
        *c = add(*c, *d);
        *b = rotl::<7, 25>(xor(*b, *c));
    }

    /// The block of `counter` under `key`, stream 0.
    pub(super) fn block(key: &[u32; 8], counter: u64) -> [u32; 16] {
        let initial = [
            m128i::from(SIGMA),
            m128i::from([key[0], key[1], key[2], key[3]]),
            m128i::from([key[4], key[5], key[6], key[7]]),
            m128i::from([counter as u32, (counter >> 32) as u32, 0, 0]),
        ];
        let [mut a, mut b, mut c, mut d] = initial;
        for _ in 0..4 {
            quarters(&mut a, &mut b, &mut c, &mut d);
            // The diagonals into columns: row i's lanes rotate by i.
            b = lanes::<0b00_11_10_01>(b);
            c = lanes::<0b01_00_11_10>(c);
            d = lanes::<0b10_01_00_11>(d);
            quarters(&mut a, &mut b, &mut c, &mut d);
            b = lanes::<0b10_01_00_11>(b);
            c = lanes::<0b01_00_11_10>(c);
            d = lanes::<0b00_11_10_01>(d);
        }
        let mut out = [0; 16];
        for (i, (mixed, start)) in [a, b, c, d].into_iter().zip(initial).enumerate() {
            out[4 * i..4 * i + 4].copy_from_slice(&<[u32; 4]>::from(add(mixed, start)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, RngCore, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn the_words_are_rand_chachas() {
        for seed in (0..200).chain([u64::MAX, 1 << 40, 0xdead_beef]) {
            let mut ours = Stream::seed_from_u64(seed);
            let mut theirs = ChaCha8Rng::seed_from_u64(seed);
            for i in 0..200 {
                assert_eq!(ours.next_u32(), theirs.next_u32(), "seed {seed}, word {i}");
            }
        }
    }

    #[test]
    fn wide_words_are_rand_chachas_across_blocks() {
        for seed in 0..50 {
            let mut ours = Stream::seed_from_u64(seed);
            let mut theirs = ChaCha8Rng::seed_from_u64(seed);
            for i in 0..100 {
                // Odd offsets make 64-bit reads straddle block boundaries.
                if i % 7 == 3 {
                    assert_eq!(ours.next_u32(), theirs.next_u32());
                }
                assert_eq!(ours.next_u64(), theirs.next_u64(), "seed {seed}, read {i}");
            }
        }
    }

    #[test]
    fn bounded_draws_are_rands() {
        for seed in 0..300 {
            let mut ours = Stream::seed_from_u64(seed);
            let mut theirs = ChaCha8Rng::seed_from_u64(seed);
            for n in [1, 2, 3, 5, 7, 64, 1000, u32::MAX - 17, u32::MAX, 1 << 31] {
                assert_eq!(
                    ours.below(n),
                    theirs.random_range(0..n),
                    "seed {seed}, n {n}"
                );
            }
        }
    }
}
