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

/// The eight states PCG32 steps through from `seed` to make a key, each as `seed * mul + add`
/// (wrapping): PCG's step `state * MUL + INC` applied k times, folded into one multiply and one
/// add. The eight states are then independent of one another, rather than a chain of eight
/// dependent multiplies at the start of every run.
const PCG_STATES: [(u64, u64); 8] = {
    const MUL: u64 = 6_364_136_223_846_793_005;
    const INC: u64 = 11_634_580_027_462_260_723;
    let mut states = [(0, 0); 8];
    let (mut mul, mut add) = (1u64, 0u64);
    let mut k = 0;
    while k < 8 {
        // One more step: (seed * mul + add) * MUL + INC.
        mul = mul.wrapping_mul(MUL);
        add = add.wrapping_mul(MUL).wrapping_add(INC);
        states[k] = (mul, add);
        k += 1;
    }
    states
};

/// ChaCha8's keystream under a 256-bit key, stream 0, from block 0.
#[derive(Clone, Debug)]
pub(crate) struct Stream {
    /// The seed of [`Stream::seed_from_u64`] this stream is.
    seed: u64,
    key: [u32; 8],
    /// The counter of the next block to compute.
    counter: u64,
    block: [u32; 16],
    /// The next word of `block` to hand out; 16 when it is used up.
    next: usize,
    /// The first block of the next seed's stream, computed beside this one's (see
    /// [`Stream::refill`]), for a [`Stream::reseed`] to that seed.
    ahead: Option<Ahead>,
}

/// The start of seed `seed`'s stream: its key and its first block.
#[derive(Clone, Debug)]
struct Ahead {
    seed: u64,
    key: [u32; 8],
    block: [u32; 16],
}

impl Stream {
    /// The stream `ChaCha8Rng::seed_from_u64(seed)` gives: its key is eight outputs of PCG32
    /// seeded with `seed` (rand_core's `seed_from_u64`).
    pub(crate) fn seed_from_u64(seed: u64) -> Self {
        Self {
            seed,
            key: key_of(seed),
            counter: 0,
            block: [0; 16],
            next: 16,
            ahead: None,
        }
    }

    /// Restarts this stream as [`Stream::seed_from_u64`]`(seed)`, in place; when the last
    /// refill computed this seed's first block already, takes it.
    pub(crate) fn reseed(&mut self, seed: u64) {
        self.seed = seed;
        match self.ahead.take() {
            Some(ahead) if ahead.seed == seed => {
                self.key = ahead.key;
                self.block = ahead.block;
                self.counter = 1;
                self.next = 0;
            }
            _ => {
                self.key = key_of(seed);
                self.counter = 0;
                self.next = 16;
            }
        }
    }

    /// The next 32-bit word of the keystream. Inlined into the draws, with the rare refill
    /// out of line.
    #[inline]
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
    /// A stream's first block is computed together with the next seed's, which a sweep runs
    /// next: the rounds are a long chain of dependent operations, so two chains side by side
    /// take about two thirds of the time of two one after the other, and every other run finds
    /// its block made.
    #[cold]
    #[inline(never)]
    fn refill(&mut self) {
        if self.counter == 0 {
            let seed = self.seed.wrapping_add(1);
            let key = key_of(seed);
            let [mine, next] = rounds::blocks([&self.key, &key], 0);
            self.block = mine;
            self.ahead = Some(Ahead {
                seed,
                key,
                block: next,
            });
        } else {
            let [block] = rounds::blocks([&self.key], self.counter);
            self.block = block;
        }
        self.counter = self.counter.wrapping_add(1);
        self.next = 0;
    }
}

/// The key of seed `seed`'s stream: eight outputs of PCG32 seeded with it (rand_core's
/// `seed_from_u64`).
fn key_of(seed: u64) -> [u32; 8] {
    PCG_STATES.map(|(mul, add)| {
        let state = seed.wrapping_mul(mul).wrapping_add(add);
        let xorshifted = (((state >> 18) ^ state) >> 27) as u32;
        xorshifted.rotate_right((state >> 59) as u32)
    })
}

/// ChaCha8's block function, scalar, for targets without SSE2.
#[cfg(not(target_arch = "x86_64"))]
mod rounds {
    use super::SIGMA;

    /// The blocks of `counter` under each of `keys`, stream 0.
    pub(super) fn blocks<const N: usize>(keys: [&[u32; 8]; N], counter: u64) -> [[u32; 16]; N] {
        keys.map(|key| block(key, counter))
    }

    fn block(key: &[u32; 8], counter: u64) -> [u32; 16] {
        let mut state = [0u32; 16];
        state[..4].copy_from_slice(&SIGMA);
        state[4..12].copy_from_slice(key);
        state[12] = counter as u32;
        state[13] = (counter >> 32) as u32;
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
        let mut out = [0; 16];
        for (out, (mixed, initial)) in out.iter_mut().zip(x.iter().zip(state)) {
            *out = mixed.wrapping_add(initial);
        }
        out
    }

    /// ChaCha's quarter round on words `a`, `b`, `c`, `d` of `x`.
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
}

/// ChaCha's block function with the state's four rows in SSE2 registers (which every x86-64
/// CPU has), through safe_arch's safe wrappers: a quarter round on all four columns at once,
/// then on the four diagonals after rotating the rows' lanes. This takes about a third of the
/// scalar rounds' instructions. The blocks of two keys are computed operation by operation
/// side by side (eight of the sixteen registers), so that their two dependency chains overlap.
/// The tests below compare the words with rand_chacha's.
#[cfg(target_arch = "x86_64")]
mod rounds {
    use super::SIGMA;
    use safe_arch::{
        add_i32_m128i as add, bitor_m128i as or, bitxor_m128i as xor, m128i,
        shl_imm_u32_m128i as shl, shr_imm_u32_m128i as shr, shuffle_ai_f32_all_m128i as lanes,
        shuffle_ai_i16_h64all_m128i as high16, shuffle_ai_i16_l64all_m128i as low16,
    };

    /// The four rows of a state.
    type Rows = [m128i; 4];

    /// Each lane of `x` rotated left by `N` bits (`M` = 32 - `N`).
    #[inline(always)]
    fn rotl<const N: i32, const M: i32>(x: m128i) -> m128i {
        or(shl::<N>(x), shr::<M>(x))
    }

    /// A quarter round on the four columns of each state of `s`, one operation at a time
    /// across the states.
    #[inline(always)]
    fn quarters<const N: usize>(s: &mut [Rows; N]) {
        for [a, b, ..] in s.iter_mut() {
            *a = add(*a, *b);
        }
        // By 16: swap each lane's two halves.
        for [a, _, _, d] in s.iter_mut() {
            *d = high16::<0b10_11_00_01>(low16::<0b10_11_00_01>(xor(*d, *a)));
        }
        for [_, _, c, d] in s.iter_mut() {
            *c = add(*c, *d);
        }
        for [_, b, c, _] in s.iter_mut() {
            *b = rotl::<12, 20>(xor(*b, *c));
        }
        for [a, b, ..] in s.iter_mut() {
            *a = add(*a, *b);
        }
        for [a, _, _, d] in s.iter_mut() {
            *d = rotl::<8, 24>(xor(*d, *a));
        }
        for [_, _, c, d] in s.iter_mut() {
            *c = add(*c, *d);
        }
        for [_, b, c, _] in s.iter_mut() {
            *b = rotl::<7, 25>(xor(*b, *c));
        }
    }

    /// The blocks of `counter` under each of `keys`, stream 0.
    pub(super) fn blocks<const N: usize>(keys: [&[u32; 8]; N], counter: u64) -> [[u32; 16]; N] {
        let initial: [Rows; N] = keys.map(|key| {
            [
                m128i::from(SIGMA),
                m128i::from([key[0], key[1], key[2], key[3]]),
                m128i::from([key[4], key[5], key[6], key[7]]),
                m128i::from([counter as u32, (counter >> 32) as u32, 0, 0]),
            ]
        });
        let mut s = initial;
        for _ in 0..4 {
            quarters(&mut s);
            // The diagonals into columns: row i's lanes rotate by i.
            for [_, b, c, d] in s.iter_mut() {
                *b = lanes::<0b00_11_10_01>(*b);
                *c = lanes::<0b01_00_11_10>(*c);
                *d = lanes::<0b10_01_00_11>(*d);
            }
            quarters(&mut s);
            for [_, b, c, d] in s.iter_mut() {
                *b = lanes::<0b10_01_00_11>(*b);
                *c = lanes::<0b01_00_11_10>(*c);
                *d = lanes::<0b00_11_10_01>(*d);
            }
        }
        let mut out = [[0; 16]; N];
        for ((out, mixed), start) in out.iter_mut().zip(s).zip(initial) {
            for (i, (row, first)) in mixed.into_iter().zip(start).enumerate() {
                out[4 * i..4 * i + 4].copy_from_slice(&<[u32; 4]>::from(add(row, first)));
            }
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
    fn a_reseeded_stream_is_its_seeds_whatever_came_before() {
        // In order (each reseed finds its first block computed beside the last), backwards,
        // repeated, across the wrap of u64, and after runs that drew past their first block.
        let seeds =
            (0..40)
                .chain((0..40).rev())
                .chain([7, 7, 8, u64::MAX, 0, 1, u64::MAX - 1, u64::MAX]);
        let mut ours = Stream::seed_from_u64(0);
        for (run, seed) in seeds.enumerate() {
            ours.reseed(seed);
            let mut theirs = ChaCha8Rng::seed_from_u64(seed);
            for i in 0..(run % 3) * 20 + 1 {
                assert_eq!(ours.next_u32(), theirs.next_u32(), "seed {seed}, word {i}");
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
