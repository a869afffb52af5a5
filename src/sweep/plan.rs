//! What a sweep runs: rows (scenario, workload, variant, strategy) over a seed range, cut into
//! units of [`CHUNK`] seeds, and the shard of those units this process runs.
//!
//! The cut depends only on the selection and the seed range, never on `--jobs` or the shard,
//! so every unit (and so every result) is the same whoever runs it. Units are numbered, never
//! listed: memory does not grow with the number of seeds. All arithmetic on seeds is checked
//! or bounded by [`MAX_SEEDS`], the same in debug and release builds.

use crate::cli::{Engine, StrategyName};
use raceway_scenarios::Pair;
use raceway_sim::strategy::Seeding;

/// Seeds per unit of work.
pub const CHUNK: u64 = 256;

/// The most seeds a sweep runs per row (about an hour per row on one core at a million
/// schedules per second); a larger range is refused rather than run for days.
pub const MAX_SEEDS: u64 = 1 << 32;

/// One row of the sweep.
#[derive(Clone, Copy)]
pub struct Row {
    /// The (scenario, workload, variant) it sweeps.
    pub pair: Pair,
    pub strategy: StrategyName,
    /// The engine; a madsim row ignores `strategy` and `seeding`.
    pub engine: Engine,
    /// The native strategy in full: PCT's depth and its step bound for this pair (see
    /// `raceway_sim::drive::pct_steps`).
    pub seeding: Seeding,
}

impl Row {
    pub fn strategy_name(&self) -> &'static str {
        match (self.engine, self.strategy) {
            (Engine::Madsim, _) => "madsim",
            (Engine::Native, StrategyName::Random) => "random",
            (Engine::Native, StrategyName::Pct) => "pct",
            (Engine::Native, StrategyName::Delay) => "delay",
        }
    }

    /// The (engine, strategy) of a strategy name as [`Row::strategy_name`] writes it.
    pub fn parse_strategy(name: &str) -> Option<(Engine, StrategyName)> {
        match name {
            "madsim" => Some((Engine::Madsim, StrategyName::Random)),
            "random" => Some((Engine::Native, StrategyName::Random)),
            "pct" => Some((Engine::Native, StrategyName::Pct)),
            "delay" => Some((Engine::Native, StrategyName::Delay)),
            _ => None,
        }
    }

    /// Whether two rows are the same row of a sweep (PCT's calibration aside).
    pub fn same(&self, other: &Row) -> bool {
        let names = |r: &Row| {
            (
                r.pair.scenario.name(),
                r.pair.workload.name,
                r.pair.variant.name,
                r.strategy_name(),
            )
        };
        names(self) == names(other)
    }
}

/// A shard `index/count`, 1-based as written on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    pub fn parse(s: &str) -> anyhow::Result<Shard> {
        let parsed = s
            .split_once('/')
            .and_then(|(i, n)| Some((i.parse().ok()?, n.parse().ok()?)));
        match parsed {
            Some((index, count)) if count >= 1 && (1..=count).contains(&index) => {
                Ok(Shard { index, count })
            }
            _ => anyhow::bail!("--shard takes I/N with 1 <= I <= N, not `{s}`"),
        }
    }

    pub fn is_whole(&self) -> bool {
        self.count == 1
    }

    /// Whether this shard runs unit `unit` (units are dealt round-robin).
    pub fn owns(&self, unit: u64) -> bool {
        unit % u64::from(self.count) == u64::from(self.index - 1)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// A non-empty range of seeds, at most [`MAX_SEEDS`] long; it may end at `u64::MAX`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seeds {
    start: u64,
    len: u64,
}

impl Seeds {
    /// Parses `A..B` (B exclusive), `A..=B`, or a count `N` (meaning `0..N`).
    pub fn parse(s: &str) -> anyhow::Result<Seeds> {
        let usage =
            || anyhow::anyhow!("--seeds takes A..B with A < B, A..=B, or a count N, not `{s}`");
        let num = |t: &str| t.trim().parse::<u64>().map_err(|_| usage());
        // (start, last) inclusive, or None for an empty range.
        let bounds = if let Some((a, b)) = s.split_once("..=") {
            let (a, b) = (num(a)?, num(b)?);
            (a <= b).then_some((a, b))
        } else if let Some((a, b)) = s.split_once("..") {
            let (a, b) = (num(a)?, num(b)?);
            (a < b).then(|| (a, b - 1))
        } else {
            let n = num(s)?;
            (n > 0).then(|| (0, n - 1))
        };
        let (start, last) = bounds.ok_or_else(usage)?;
        // `last - start + 1` overflows only for the full u64 range, which is refused anyway.
        let len = (last - start).checked_add(1).filter(|&n| n <= MAX_SEEDS);
        let Some(len) = len else {
            anyhow::bail!(
                "--seeds `{s}` holds {} seeds; a sweep runs at most {MAX_SEEDS} per row",
                u128::from(last - start) + 1
            );
        };
        Ok(Seeds { start, len })
    }

    /// The seed at `offset` from the first (below [`Seeds::len`]).
    fn at(&self, offset: u64) -> u64 {
        self.start + offset
    }

    /// Whether `seed` is in the range.
    pub fn contains(&self, seed: u64) -> bool {
        seed >= self.start && seed - self.start < self.len
    }

    /// The offset of `seed` from the first (for a seed in the range).
    fn offset(&self, seed: u64) -> u64 {
        seed - self.start
    }
}

impl std::fmt::Display for Seeds {
    /// `A..B`, or `A..=B` when the range ends at `u64::MAX`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let last = self.start + (self.len - 1);
        match last.checked_add(1) {
            Some(end) => write!(f, "{}..{end}", self.start),
            None => write!(f, "{}..={last}", self.start),
        }
    }
}

/// One unit of work: a row and a run of consecutive seeds.
#[derive(Clone, Copy)]
pub struct Unit {
    pub row: usize,
    first: u64,
    count: u64,
    seeds: Seeds,
}

impl Unit {
    /// The unit's first seed.
    pub fn first(&self) -> u64 {
        self.seeds.at(self.first)
    }

    /// How many seeds it has (at most [`CHUNK`]).
    pub fn len(&self) -> u64 {
        self.count
    }
}

/// The whole sweep and this process's part of it.
pub struct Plan {
    pub rows: Vec<Row>,
    pub seeds: Seeds,
    /// PCT's bug depth in every PCT row.
    pub pct_depth: u32,
    /// Delay bounding's delays in every delay row.
    pub delays: u32,
    pub shard: Shard,
}

impl Plan {
    /// A plan; refused when the shard would have nothing to run.
    pub fn new(
        rows: Vec<Row>,
        seeds: Seeds,
        (pct_depth, delays): (u32, u32),
        shard: Shard,
    ) -> anyhow::Result<Plan> {
        let plan = Plan {
            rows,
            seeds,
            pct_depth,
            delays,
            shard,
        };
        anyhow::ensure!(
            plan.units() >= u64::from(shard.count),
            "--shard {shard}: this sweep has only {} units of work ({CHUNK} seeds of one row each), so at most {} shards",
            plan.units(),
            plan.units()
        );
        Ok(plan)
    }

    fn chunks(&self) -> u64 {
        self.seeds.len.div_ceil(CHUNK)
    }

    /// Units of the whole sweep (at most 2^24 per row).
    fn units(&self) -> u64 {
        self.chunks() * self.rows.len() as u64
    }

    /// How many units this shard runs.
    pub fn owned(&self) -> u64 {
        let skip = u64::from(self.shard.index - 1);
        self.units()
            .saturating_sub(skip)
            .div_ceil(u64::from(self.shard.count))
    }

    /// The `k`-th unit this shard runs (`k` below [`Plan::owned`]), in global unit order.
    pub fn unit(&self, k: u64) -> Option<Unit> {
        if k >= self.owned() {
            return None;
        }
        let unit = k * u64::from(self.shard.count) + u64::from(self.shard.index - 1);
        let rows = self.rows.len() as u64;
        let (chunk, row) = (unit / rows, (unit % rows) as usize);
        let first = chunk * CHUNK;
        Some(Unit {
            row,
            first,
            count: CHUNK.min(self.seeds.len - first),
            seeds: self.seeds,
        })
    }

    /// Seeds this shard runs in all.
    pub fn total(&self) -> u64 {
        (0..self.owned())
            .filter_map(|k| self.unit(k))
            .map(|u| u.len())
            .sum()
    }

    /// How many seeds of row `row` this shard runs.
    pub fn runs_of(&self, row: usize) -> u64 {
        let rows = self.rows.len() as u64;
        (0..self.chunks())
            .filter(|c| self.shard.owns(c * rows + row as u64))
            .map(|c| CHUNK.min(self.seeds.len - c * CHUNK))
            .sum()
    }

    /// Whether this shard runs `seed` of row `row`.
    pub fn runs_seed(&self, row: usize, seed: u64) -> bool {
        self.seeds.contains(seed)
            && self
                .shard
                .owns(self.seeds.offset(seed) / CHUNK * self.rows.len() as u64 + row as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_parse_every_form_and_refuse_the_rest() {
        let s = |t: &str| Seeds::parse(t).map(|s| (s.start, s.len, s.to_string()));
        assert_eq!(s("10").unwrap(), (0, 10, "0..10".into()));
        assert_eq!(s("5..7").unwrap(), (5, 2, "5..7".into()));
        assert_eq!(s("5..=7").unwrap(), (5, 3, "5..8".into()));
        let top = u64::MAX;
        assert_eq!(
            s(&format!("{top}..={top}")).unwrap(),
            (top, 1, format!("{top}..={top}"))
        );
        assert_eq!(
            s(&format!("{}..{top}", top - 1)).unwrap(),
            (top - 1, 1, format!("{}..{top}", top - 1))
        );
        assert_eq!(
            s("18446744073709551000..18446744073709551615").unwrap().1,
            615
        );
        for bad in [
            "",
            "5..5",
            "7..5",
            "0",
            "x",
            "1..2..3",
            "-1..4",
            "..4",
            "99999999999999999999",
        ] {
            assert!(Seeds::parse(bad).is_err(), "{bad}");
        }
        let full = Seeds::parse(&format!("0..={top}")).unwrap_err().to_string();
        assert!(full.contains("18446744073709551616 seeds"), "{full}");
        assert!(Seeds::parse(&format!("0..{top}")).is_err());
    }
}
