//! How gencache's steps read in the trace: the functions its tasks give
//! [`Cx::step_as`](raceway_sim::Cx::step_as), called only when a run is recorded (and, in a
//! fingerprinted exploration, to take in what a task observed: two results the task acts on
//! differently must not read alike, unless the state holds the difference).

use super::cache::{
    byte, write_gen, Cache, Checked, Deleted, Got, Place, Row, Source, Touched, Write, V,
};
use super::node::{Fetched, Outcome, Restarted};
use std::fmt::{Formatter, Result};

/// A value as a read gives it: `v1` or `NotFound`.
pub(super) fn value(v: Option<V>) -> String {
    v.map_or("NotFound".to_string(), |v| format!("{v:?}"))
}

/// A row as a violation shows it: its entry, or `∅`.
pub(super) fn row(r: Row) -> String {
    r.map_or("∅".to_string(), |e| format!("{e:?}"))
}

/// `CheckCache(at, k)` → `at 3, Δ=1: Hit`.
pub(super) fn checked(c: &Checked, f: &mut Formatter<'_>) -> Result {
    write!(f, "at {}, Δ={}: {:?}", c.at, c.delta, c.verdict)
}

/// torn-check's `cache.currentGeneration.Load()` → the predicted index and the generation.
pub(super) fn gen_read((at, cur_gen): &(u32, u32), f: &mut Formatter<'_>) -> Result {
    write!(f, "at {at}, gen {cur_gen}")
}

/// `cache.currentGeneration.Store(g)` (torn-check's first half of a rotation).
pub(super) fn gen_stored(gen: &u32, f: &mut Formatter<'_>) -> Result {
    write!(f, "gen {gen}, maps not rotated yet")
}

/// `cache.Rotate()` → the cache after it: the new generation and what gen1 now holds.
pub(super) fn rotated(c: &Cache, f: &mut Formatter<'_>) -> Result {
    write!(f, "gen {}: gen1 = ", c.cur_gen)?;
    write_gen(f, &c.gen1)?;
    f.write_str(", gen0 = {}")
}

/// `disk.Rotate()` to generation `gen` → the purged byte and the meta record.
pub(super) fn disk_rotated(gen: &u32, f: &mut Formatter<'_>) -> Result {
    write!(f, "purged byte {}, meta = {gen}", byte(*gen, 0))
}

/// A [`Write`] as memory took it: `gen0[k] = v`.
pub(super) fn in_memory(w: &Write, f: &mut Formatter<'_>) -> Result {
    let mut sep = "";
    for (g, row) in w.rows.iter().enumerate() {
        if let Some(e) = row {
            write!(f, "{sep}gen{g}[{:?}] = {e:?}", w.key)?;
            sep = ", ";
        }
    }
    Ok(())
}

/// A [`Write`] as the disk took it: `byte 1: k = tomb(v)`.
pub(super) fn on_disk(w: &Write, f: &mut Formatter<'_>) -> Result {
    let mut sep = "";
    for (g, row) in w.rows.iter().enumerate() {
        if let Some(e) = row {
            write!(f, "{sep}byte {}: {:?} = {e:?}", byte(w.cur_gen, g), w.key)?;
            sep = ", ";
        }
    }
    Ok(())
}

/// `MirrorPreload(k, seed)` → what it installed, and from where.
pub(super) fn preloaded(seed: V, (source, w): &(Source, Write), f: &mut Formatter<'_>) -> Result {
    write!(f, "seed {seed:?}: ")?;
    match source {
        Source::Tombstone => f.write_str("tombstone cached, skipped"),
        _ if !w.any() => f.write_str("both gens hold the key"),
        Source::Gen1Wins => {
            f.write_str("gen1 wins, ")?;
            in_memory(w, f)
        }
        Source::Seed | Source::Unconditional => in_memory(w, f),
    }
}

/// `MirrorTouch(k)` → what it promoted.
pub(super) fn touched(t: &Touched, f: &mut Formatter<'_>) -> Result {
    match t {
        Touched::Gen0Holds => f.write_str("gen0 holds it: no-op"),
        Touched::NotCached => f.write_str("not cached: no-op"),
        Touched::Promoted(w) => {
            f.write_str("gen1 hit, promoted: ")?;
            in_memory(w, f)
        }
    }
}

/// `cache.Get(k)` → the value and the generation it came from.
pub(super) fn got(g: &Got, f: &mut Formatter<'_>) -> Result {
    match (g.value, g.from) {
        (Some(v), Place::Gen0) => write!(f, "{v:?} (gen0)"),
        (Some(v), _) => write!(f, "{v:?} (gen1)"),
        (None, Place::Absent) => f.write_str("NotFound"),
        (None, Place::Gen0) => f.write_str("NotFound (gen0 tombstone)"),
        (None, Place::Gen1) => f.write_str("NotFound (gen1 tombstone)"),
    }
}

/// `cache.Del(k)` → the tombstone it put into gen0, or a gen0 miss.
pub(super) fn deleted(d: &Deleted, f: &mut Formatter<'_>) -> Result {
    match d {
        Deleted::InPlace(w) => in_memory(w, f),
        Deleted::Fabricated(w) => {
            f.write_str("gen0 miss, fabricated ")?;
            in_memory(w, f)
        }
        Deleted::Gen0Miss => f.write_str("gen0 miss"),
    }
}

/// `raft.Propose` → the index the entry took.
pub(super) fn proposed(index: &u32, f: &mut Formatter<'_>) -> Result {
    write!(f, "index {index}")
}

/// `pebble.Get(k)` → what `A` holds.
pub(super) fn lookup(found: &Option<V>, f: &mut Formatter<'_>) -> Result {
    match found {
        Some(v) => write!(f, "found {v:?}"),
        None => f.write_str("not found"),
    }
}

/// `raft.NextEntry()` → entry `index` if appended (the generation, which the cache holds, is
/// not shown).
pub(super) fn fetched(x: &Fetched, f: &mut Formatter<'_>) -> Result {
    match &x.entry {
        Some(e) => write!(f, "{}: {e:?}", x.index),
        None => write!(f, "{}: not appended yet", x.index),
    }
}

/// `pebble.Commit()` of entry `i`: the index and what `A` took.
pub(super) fn commit(i: u32, outcome: Outcome, f: &mut Formatter<'_>) -> Result {
    match outcome {
        Outcome::Noop => write!(f, "{i}: noop"),
        Outcome::Stale(p) => write!(f, "{i}: stale (predicted {p}), rejected"),
        Outcome::Read(_) => write!(f, "{i}: read only"),
        Outcome::Saved(k, v) => write!(f, "{i}: A[{k:?}] = {v:?}"),
        Outcome::Deleted(k) => write!(f, "{i}: A[{k:?}] deleted"),
        Outcome::NotFound(k) => write!(f, "{i}: Delete({k:?}) failed: NotFound"),
    }
}

/// `node.Restart()` → the cache rebuilt from disk (the one before the crash is not shown).
pub(super) fn restarted(r: &Restarted, f: &mut Formatter<'_>) -> Result {
    write!(f, "rebuilt {:?}", r.after)
}
