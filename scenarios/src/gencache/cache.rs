//! The system model, pure: the two-generation attribute cache of a node and its disk
//! mirror, as the FSM drives them.

use std::fmt;

/// Entries per generation: the rotation threshold.
const K: u32 = 2;

/// The generation of log index `i` (from 1).
pub(super) fn gen_of(i: u32) -> u32 {
    (i - 1) / K
}

/// The disk byte that holds generation slot `g` (0 = gen0, 1 = gen1) when the cache is at
/// `cur_gen`.
pub(super) fn byte(cur_gen: u32, g: usize) -> usize {
    (cur_gen as usize + g) % 2
}

/// A metadata key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    /// The seed's key.
    K,
    /// A second, independent key (`mixed`).
    J,
}

impl Key {
    pub(super) fn ix(self) -> usize {
        self as usize
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Key::K => "k",
            Key::J => "j",
        })
    }
}

pub(super) const KEYS: [Key; 2] = [Key::K, Key::J];

/// A metadata value.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum V {
    /// The seed's value.
    V,
    /// A first value.
    V1,
    /// A second value.
    V2,
}

impl fmt::Debug for V {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            V::V => "v",
            V::V1 => "v1",
            V::V2 => "v2",
        })
    }
}

/// A cache entry: live, or a tombstone that keeps the data it deleted.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Entry {
    deleted: bool,
    pub(super) data: V,
}

impl Entry {
    pub(super) fn live(data: V) -> Entry {
        Entry {
            deleted: false,
            data,
        }
    }

    pub(super) fn tombstone(data: V) -> Entry {
        Entry {
            deleted: true,
            data,
        }
    }

    /// What a read of this entry gives: a tombstone is NotFound.
    pub(super) fn value(self) -> Option<V> {
        (!self.deleted).then_some(self.data)
    }
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.deleted {
            write!(f, "tomb({:?})", self.data)
        } else {
            write!(f, "{:?}", self.data)
        }
    }
}

/// One key's row in one generation.
pub(super) type Row = Option<Entry>;

/// One generation: a row per key.
type Gen = [Row; 2];

fn is_tombstone(row: Row) -> bool {
    row.is_some_and(|e| e.deleted)
}

/// Writes a generation as the trace shows it: `{k: v}`.
pub(super) fn write_gen(f: &mut fmt::Formatter<'_>, gen: &Gen) -> fmt::Result {
    f.write_str("{")?;
    let mut sep = "";
    for k in KEYS {
        if let Some(e) = gen[k.ix()] {
            write!(f, "{sep}{k:?}: {e:?}")?;
            sep = ", ";
        }
    }
    f.write_str("}")
}

/// The in-memory cache of a node.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cache {
    pub(super) cur_gen: u32,
    pub(super) gen0: Gen,
    pub(super) gen1: Gen,
}

impl fmt::Debug for Cache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "gen {}, gen0 ", self.cur_gen)?;
        write_gen(f, &self.gen0)?;
        f.write_str(", gen1 ")?;
        write_gen(f, &self.gen1)
    }
}

/// The disk mirror of a node's cache: rows by generation byte, and the meta record.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Disk {
    pub(super) meta: u32,
    pub(super) rows: [Gen; 2],
}

impl fmt::Debug for Disk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "meta {}, byte 0 ", self.meta)?;
        write_gen(f, &self.rows[0])?;
        f.write_str(", byte 1 ")?;
        write_gen(f, &self.rows[1])
    }
}

/// `CheckCache`'s verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    Hit,
    Miss,
    Unreachable,
}

/// `CheckCache(at, k)` → the prediction and its verdict.
#[derive(Clone, Copy)]
pub(super) struct Checked {
    pub(super) at: u32,
    pub(super) delta: i32,
    pub(super) verdict: Verdict,
}

/// Rows a cache call wrote, by generation slot (`None`: untouched), to be mirrored to disk.
#[derive(Clone, Copy)]
pub(super) struct Write {
    pub(super) key: Key,
    pub(super) cur_gen: u32,
    pub(super) rows: [Row; 2],
}

impl Write {
    fn new(key: Key, cur_gen: u32) -> Write {
        Write {
            key,
            cur_gen,
            rows: [None; 2],
        }
    }

    pub(super) fn any(&self) -> bool {
        self.rows.iter().any(Option::is_some)
    }
}

/// Where `MirrorPreload` took the entry it installed from.
#[derive(Clone, Copy)]
pub(super) enum Source {
    /// A tombstone in gen0 or gen1: nothing installed.
    Tombstone,
    /// Gen1's entry beats the seed.
    Gen1Wins,
    /// The seed.
    Seed,
    /// The seed, over whatever gen0 held (preload-shadow).
    Unconditional,
}

/// `MirrorTouch(k)` → what it promoted.
pub(super) enum Touched {
    Gen0Holds,
    NotCached,
    Promoted(Write),
}

/// Which generation a `Get` answered from.
#[derive(Clone, Copy)]
pub(super) enum Place {
    Gen0,
    Gen1,
    Absent,
}

/// `cache.Get(k)` → the value (a tombstone is NotFound) and where it was found.
#[derive(Clone, Copy)]
pub(super) struct Got {
    pub(super) value: Option<V>,
    pub(super) from: Place,
}

/// `cache.Del(k)` → the tombstone it put into gen0, or a gen0 miss under strict `Del`.
pub(super) enum Deleted {
    InPlace(Write),
    Fabricated(Write),
    Gen0Miss,
}

impl Cache {
    /// Generation slot `g`: 0 = gen0, 1 = gen1.
    pub(super) fn gen(&self, g: usize) -> &Gen {
        if g == 0 {
            &self.gen0
        } else {
            &self.gen1
        }
    }

    /// `CheckCache`'s verdict from a predicted index, a generation and the maps.
    pub(super) fn check(&self, guard: bool, at: u32, cur_gen: u32, k: Key) -> Checked {
        let delta = gen_of(at) as i32 - cur_gen as i32;
        let (in0, in1) = (self.gen0[k.ix()].is_some(), self.gen1[k.ix()].is_some());
        let verdict = match delta {
            0 if in0 || in1 => Verdict::Hit,
            1 if in0 => Verdict::Hit,
            d if d >= 2 && guard => Verdict::Unreachable,
            _ => Verdict::Miss,
        };
        Checked { at, delta, verdict }
    }

    /// `Get(k)`: gen0, then gen1 when the variant falls back.
    pub(super) fn get(&self, fallback: bool, k: Key) -> Got {
        match (self.gen0[k.ix()], self.gen1[k.ix()]) {
            (Some(e), _) => Got {
                value: e.value(),
                from: Place::Gen0,
            },
            (None, Some(e)) if fallback => Got {
                value: e.value(),
                from: Place::Gen1,
            },
            _ => Got {
                value: None,
                from: Place::Absent,
            },
        }
    }

    /// The maps' half of a rotation: gen1 = gen0, gen0 = ∅ (curGen is set by the caller).
    pub(super) fn rotate_maps(&mut self) {
        self.gen1 = self.gen0;
        self.gen0 = [None; 2];
    }

    /// `Put(k, e)` into gen0.
    pub(super) fn put(&mut self, k: Key, e: Entry) -> Write {
        self.gen0[k.ix()] = Some(e);
        let mut w = Write::new(k, self.cur_gen);
        w.rows[0] = Some(e);
        w
    }

    /// `MirrorPreload(k, seed)`: gen1's entry or the seed, into each generation lacking one;
    /// nothing over a tombstone. `unconditional` (preload-shadow) puts the seed into gen0
    /// whatever it holds. Returns where the entry came from and what was written.
    pub(super) fn mirror_preload(
        &mut self,
        unconditional: bool,
        k: Key,
        seed: V,
    ) -> (Source, Write) {
        let (row0, row1) = (self.gen0[k.ix()], self.gen1[k.ix()]);
        let mut write = Write::new(k, self.cur_gen);
        let (entry, source) = match row1 {
            _ if unconditional => (Entry::live(seed), Source::Unconditional),
            _ if is_tombstone(row0) || is_tombstone(row1) => return (Source::Tombstone, write),
            Some(e) => (e, Source::Gen1Wins),
            None => (Entry::live(seed), Source::Seed),
        };
        if row0.is_none() || unconditional {
            self.gen0[k.ix()] = Some(entry);
            write.rows[0] = Some(entry);
        }
        if row1.is_none() {
            self.gen1[k.ix()] = Some(entry);
            write.rows[1] = Some(entry);
        }
        (source, write)
    }

    /// `MirrorTouch(k)`: a gen1 hit is copied into gen0.
    pub(super) fn mirror_touch(&mut self, k: Key) -> Touched {
        match (self.gen0[k.ix()], self.gen1[k.ix()]) {
            (Some(_), _) => Touched::Gen0Holds,
            (None, None) => Touched::NotCached,
            (None, Some(e)) => Touched::Promoted(self.put(k, e)),
        }
    }

    /// `Del(k)` after a `Get` found it live: tombstone a gen0 hit in place; on a gen1-only hit,
    /// fabricate a gen0 tombstone, unless `strict`.
    pub(super) fn del(&mut self, strict: bool, k: Key) -> Deleted {
        match (self.gen0[k.ix()], self.gen1[k.ix()]) {
            (Some(e), _) => Deleted::InPlace(self.put(k, Entry::tombstone(e.data))),
            (None, Some(e)) if !strict => {
                Deleted::Fabricated(self.put(k, Entry::tombstone(e.data)))
            }
            _ => Deleted::Gen0Miss,
        }
    }
}

impl Disk {
    /// Mirrors `w`'s rows at the bytes of their generations.
    pub(super) fn write(&mut self, w: Write) {
        for (g, row) in w.rows.iter().enumerate() {
            if row.is_some() {
                self.rows[byte(w.cur_gen, g)][w.key.ix()] = *row;
            }
        }
    }

    /// Rotation on disk: the new gen0 byte is purged, the meta record takes the generation.
    pub(super) fn rotate(&mut self, gen: u32) {
        self.rows[byte(gen, 0)] = [None; 2];
        self.meta = gen;
    }

    /// The cache a restarted node rebuilds.
    pub(super) fn load(&self) -> Cache {
        Cache {
            cur_gen: self.meta,
            gen0: self.rows[byte(self.meta, 0)],
            gen1: self.rows[byte(self.meta, 1)],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY: Cache = Cache {
        cur_gen: 0,
        gen0: [None; 2],
        gen1: [None; 2],
    };
    const BLANK: Disk = Disk {
        meta: 0,
        rows: [[None; 2]; 2],
    };

    /// `v` put at generation 0, then one rotation: the seed's Path A up to T2.
    fn rotated_with_v() -> (Cache, Disk) {
        let (mut cache, mut disk) = (EMPTY, BLANK);
        disk.write(cache.put(Key::K, Entry::live(V::V)));
        cache.cur_gen = 1;
        cache.rotate_maps();
        disk.rotate(1);
        (cache, disk)
    }

    #[test]
    fn a_rotation_moves_gen0_to_gen1_in_memory_and_on_disk() {
        let (cache, disk) = rotated_with_v();
        assert_eq!(cache.gen0, [None; 2]);
        assert_eq!(cache.gen1[Key::K.ix()], Some(Entry::live(V::V)));
        assert_eq!(disk.load(), cache, "a restart rebuilds the rotated cache");
    }

    #[test]
    fn get_finds_a_gen1_entry_only_with_the_fallback() {
        let (cache, _) = rotated_with_v();
        assert_eq!(cache.get(true, Key::K).value, Some(V::V));
        assert_eq!(cache.get(false, Key::K).value, None);
        assert_eq!(cache.get(true, Key::J).value, None);
    }

    #[test]
    fn del_of_a_gen1_entry_fabricates_a_gen0_tombstone_unless_strict() {
        let (mut cache, mut disk) = rotated_with_v();
        assert!(matches!(cache.del(true, Key::K), Deleted::Gen0Miss));
        assert_eq!(cache.gen0[Key::K.ix()], None);
        let Deleted::Fabricated(w) = cache.del(false, Key::K) else {
            panic!("a gen1-only hit is fabricated into gen0");
        };
        assert_eq!(cache.gen0[Key::K.ix()], Some(Entry::tombstone(V::V)));
        assert_eq!(
            cache.get(true, Key::K).value,
            None,
            "a tombstone reads NotFound"
        );
        // Written at the gen0 byte only, the disk still mirrors memory.
        disk.write(w);
        assert_eq!(disk.load(), cache);
    }

    #[test]
    fn preload_installs_nothing_over_a_tombstone_unless_unconditional() {
        let mut cache = EMPTY;
        cache.put(Key::K, Entry::tombstone(V::V1));
        let (_, write) = cache.mirror_preload(false, Key::K, V::V2);
        assert!(!write.any());
        assert_eq!(cache.gen0[Key::K.ix()], Some(Entry::tombstone(V::V1)));
        cache.mirror_preload(true, Key::K, V::V2);
        assert_eq!(cache.gen0[Key::K.ix()], Some(Entry::live(V::V2)));
    }

    #[test]
    fn check_sees_two_generations_ahead_as_unreachable_only_with_the_guard() {
        let cache = EMPTY;
        // Index 5 is generation 2: two ahead of generation 0.
        assert_eq!(gen_of(5), 2);
        assert_eq!(
            cache.check(true, 5, 0, Key::K).verdict,
            Verdict::Unreachable
        );
        assert_eq!(cache.check(false, 5, 0, Key::K).verdict, Verdict::Miss);
        let (rotated, _) = rotated_with_v();
        // Index 3 is generation 1, the cache's own: gen1's v is a hit.
        assert_eq!(rotated.check(true, 3, 1, Key::K).verdict, Verdict::Hit);
    }
}
