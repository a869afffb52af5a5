//! What a sweep runs: rows (scenario, workload, variant, strategy) over a seed range, cut into
//! units of [`CHUNK`] seeds, and the shard of those units this process runs.
//!
//! The cut depends only on the selection and the seed range, never on `--jobs` or the shard,
//! so every unit (and so every result) is the same whoever runs it.

use crate::cli::{Engine, StrategyName};
use raceway_scenarios::Pair;
use raceway_sim::strategy::Seeding;
use std::ops::Range;

/// Seeds per unit of work.
pub const CHUNK: u64 = 256;

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

    fn owns(&self, unit: usize) -> bool {
        unit % self.count as usize == (self.index - 1) as usize
    }
}

/// Parses `A..B` (B exclusive) or a single count `N` (meaning `0..N`).
pub fn parse_seeds(s: &str) -> anyhow::Result<Range<u64>> {
    let range = match s.split_once("..") {
        Some((a, b)) => a.parse().ok().zip(b.parse().ok()).map(|(a, b)| a..b),
        None => s.parse().ok().map(|n| 0..n),
    };
    match range {
        Some(r) if r.start < r.end => Ok(r),
        _ => anyhow::bail!("--seeds takes A..B with A < B, or a count N, not `{s}`"),
    }
}

/// One unit of work: a row and a range of seeds.
#[derive(Clone)]
pub struct Unit {
    pub row: usize,
    pub seeds: Range<u64>,
}

/// The whole sweep and this process's part of it.
pub struct Plan {
    pub rows: Vec<Row>,
    pub seeds: Range<u64>,
    /// PCT's bug depth in every PCT row.
    pub pct_depth: u32,
    /// Delay bounding's delays in every delay row.
    pub delays: u32,
    pub shard: Shard,
    /// The units this shard runs, in global unit order.
    pub units: Vec<Unit>,
}

impl Plan {
    pub fn new(
        rows: Vec<Row>,
        seeds: Range<u64>,
        (pct_depth, delays): (u32, u32),
        shard: Shard,
    ) -> Plan {
        let chunks = (seeds.end - seeds.start).div_ceil(CHUNK);
        let mut units = Vec::new();
        let mut index = 0;
        for c in 0..chunks {
            let start = seeds.start + c * CHUNK;
            let range = start..(start + CHUNK).min(seeds.end);
            for row in 0..rows.len() {
                if shard.owns(index) {
                    units.push(Unit {
                        row,
                        seeds: range.clone(),
                    });
                }
                index += 1;
            }
        }
        Plan {
            rows,
            seeds,
            pct_depth,
            delays,
            shard,
            units,
        }
    }
}
