//! `explore --shard I/N` and its merge: an exploration split across processes or CI jobs.
//!
//! Each selected pair's search is split by schedule prefix ([`raceway_sim::split`]) into the
//! same parts in every process; shard `I/N` explores the parts `p` with `p mod N = I - 1`, each
//! alone (no state cache shared with another part, so the merged result is the same for any
//! shard count), each within the budget, and writes them as JSON. `raceway merge` checks that
//! the files are the shards of one exploration by this build, each once, with every part of
//! every pair exactly once, replays every violation they report, and joins the parts in
//! order: a pair is proved only when every part is there and complete. Shards run one
//! search per pair (bounded when `--preemptions` is given), without iterative bounding.

use crate::sweep::merge::{each_part_once, this_build};
use crate::sweep::plan::Shard;
use crate::sweep::wire::read_json;
use crate::sweep::{COMMIT, RACEWAY};
use anyhow::{bail, ensure, Result};
use raceway_scenarios::Pair;
use raceway_sim::explore::{Distinct, Exploration, Options};
use raceway_sim::split;
use raceway_sim::strategy::Replay;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Identifies an exploration shard's JSON.
pub const FORMAT: &str = "raceway-explore-shard";

/// The version of its layout.
pub const VERSION: u32 = 1;

/// One shard of an exploration, as written.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardFile {
    format: String,
    version: u32,
    raceway: String,
    commit: String,
    scenario: String,
    options: OptionsFile,
    pub shard: Shard,
    pairs: Vec<PairFile>,
}

/// The options every shard must share.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionsFile {
    reduction: bool,
    states: bool,
    preemptions: Option<u32>,
    /// The budget of each part.
    max_schedules: u64,
    all: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PairFile {
    workload: String,
    variant: String,
    /// How many parts the pair's search has in all.
    parts: usize,
    /// Whether the bound cut something above the split.
    cut: bool,
    /// Whether the search caches states.
    stateful: bool,
    /// The parts this shard explored.
    explored: Vec<PartFile>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartFile {
    part: usize,
    schedules: u64,
    pruned: u64,
    states: u64,
    complete: bool,
    bound: Option<u32>,
    violations: Vec<ViolationFile>,
}

/// A distinct violation: merge replays its schedule for the rest.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ViolationFile {
    invariant: String,
    schedule: String,
    count: u64,
}

impl OptionsFile {
    fn options(self) -> Options {
        Options {
            reduction: self.reduction,
            states: self.states,
            preemptions: self.preemptions,
            max_schedules: Some(self.max_schedules),
            all: self.all,
            audit: false,
        }
    }
}

/// Explores shard `shard` of each of `pairs` (of scenario `scenario`).
pub fn explore(
    scenario: &str,
    pairs: &[Pair],
    options: &Options,
    budget: u64,
    shard: Shard,
) -> Result<ShardFile> {
    ensure!(
        !options.audit,
        "--audit cannot be sharded: audit one process's exploration"
    );
    let wire = OptionsFile {
        reduction: options.reduction,
        states: options.states,
        preemptions: options.preemptions,
        max_schedules: budget,
        all: options.all,
    };
    let options = wire.options();
    let mut out = Vec::with_capacity(pairs.len());
    for &pair in pairs {
        let mut sim = pair.runner();
        let fail = |d: raceway_sim::strategy::Diverged| anyhow::anyhow!("{pair}: {d}");
        let split = split::split(sim.as_mut(), &options).map_err(fail)?;
        let mut explored = Vec::new();
        for (part, prefix) in split.prefixes.iter().enumerate() {
            if !shard.owns(part as u64) {
                continue;
            }
            let (found, _) = split::explore_part(
                sim.as_mut(),
                &options,
                prefix.clone(),
                None,
                &mut |_| {},
                &|| false,
            )
            .map_err(fail)?;
            explored.push(PartFile {
                part,
                schedules: found.schedules,
                pruned: found.pruned,
                states: found.states,
                complete: found.complete,
                bound: found.bound,
                violations: found
                    .violations
                    .iter()
                    .map(|d| ViolationFile {
                        invariant: d.violation.invariant.to_string(),
                        schedule: d.schedule.to_string(),
                        count: d.count,
                    })
                    .collect(),
            });
        }
        out.push(PairFile {
            workload: pair.workload.name.to_string(),
            variant: pair.variant.name.to_string(),
            parts: split.prefixes.len(),
            cut: split.cut,
            stateful: split.stateful,
            explored,
        });
    }
    Ok(ShardFile {
        format: FORMAT.to_string(),
        version: VERSION,
        raceway: RACEWAY.to_string(),
        commit: COMMIT.to_string(),
        scenario: scenario.to_string(),
        options: wire,
        shard,
        pairs: out,
    })
}

impl ShardFile {
    /// The shard's JSON, pretty-printed.
    pub fn to_json(&self) -> String {
        // Plain data with string keys: serialising it cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// Whether an exploration shard's JSON (rather than a sweep's) is in `value`.
    pub fn is_one(value: &serde_json::Value) -> bool {
        value["format"] == FORMAT
    }
}

/// Reads an exploration shard from `path`.
pub fn read(path: &Path) -> Result<ShardFile> {
    let name = path.display();
    let file: ShardFile = read_json(path, (FORMAT, VERSION), "exploration shard")?;
    Shard::parse(&file.shard.to_string()).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    Ok(file)
}

/// The merged exploration of each pair, in the shards' order, after checking every shard.
pub fn merge(shards: Vec<(std::path::PathBuf, ShardFile)>) -> Result<Vec<(Pair, Exploration)>> {
    ensure!(!shards.is_empty(), "nothing to merge");
    for (path, s) in &shards {
        this_build(path, &s.raceway, &s.commit)?;
    }
    let (first_path, first) = &shards[0];
    for (path, s) in &shards[1..] {
        let same_pairs = s.pairs.len() == first.pairs.len()
            && s.pairs.iter().zip(&first.pairs).all(|(a, b)| {
                (&a.workload, &a.variant, a.parts, a.cut, a.stateful)
                    == (&b.workload, &b.variant, b.parts, b.cut, b.stateful)
            });
        let same = s.scenario == first.scenario
            && s.options == first.options
            && s.shard.count == first.shard.count
            && same_pairs;
        ensure!(
            same,
            "{} is a shard of another exploration than {} (scenario, options, shard count or pairs differ)",
            path.display(),
            first_path.display()
        );
    }
    let given: Vec<(&Path, Shard)> = shards.iter().map(|(p, s)| (p.as_path(), s.shard)).collect();
    each_part_once(&given, "exploration")?;
    let scenario = raceway_scenarios::find(&first.scenario)?;
    let options = first.options.options();
    let mut merged = Vec::with_capacity(first.pairs.len());
    for (i, p) in first.pairs.iter().enumerate() {
        let pair = scenario.pair(&p.workload, &p.variant)?;
        let mut parts: Vec<Option<Exploration>> = (0..p.parts).map(|_| None).collect();
        for (path, s) in &shards {
            for part in &s.pairs[i].explored {
                let at = format!("{}: {pair} part {}", path.display(), part.part);
                ensure!(
                    part.part < p.parts && s.shard.owns(part.part as u64),
                    "{at} is not a part of shard {}",
                    s.shard
                );
                ensure!(parts[part.part].is_none(), "{at} is given twice");
                parts[part.part] = Some(
                    exploration(pair, &options, part).map_err(|e| anyhow::anyhow!("{at}: {e}"))?,
                );
            }
        }
        let mut all = Vec::with_capacity(parts.len());
        for (k, part) in parts.into_iter().enumerate() {
            let Some(part) = part else {
                bail!(
                    "{pair}: part {k} is missing from shard {}/{}",
                    k % first.shard.count as usize + 1,
                    first.shard.count
                );
            };
            all.push(part);
        }
        merged.push((pair, split::join(all, &options, p.cut, p.stateful)));
    }
    Ok(merged)
}

/// A part as read, its violations replayed: each must break the invariant it names.
fn exploration(pair: Pair, options: &Options, part: &PartFile) -> Result<Exploration> {
    let mut violations = Vec::with_capacity(part.violations.len());
    for v in &part.violations {
        let schedule: raceway_sim::Schedule = v.schedule.parse()?;
        let verdict = pair
            .runner()
            .run(&mut Replay::new(schedule.clone()), false)
            .map_err(|d| anyhow::anyhow!("schedule {}: {d}", v.schedule))?;
        let Some(violation) = verdict.violation else {
            bail!("schedule {} breaks nothing", v.schedule);
        };
        ensure!(
            violation.invariant == v.invariant.as_str(),
            "schedule {} breaks `{}`, not `{}`",
            v.schedule,
            violation.invariant,
            v.invariant
        );
        violations.push(Distinct {
            violation,
            schedule,
            steps: verdict.steps,
            preemptions: verdict.preemptions,
            count: v.count,
        });
    }
    Ok(Exploration {
        schedules: part.schedules,
        pruned: part.pruned,
        states: part.states,
        complete: part.complete,
        bound: part.bound,
        reduced: options.reduction,
        stateful: part.states > 0,
        violations,
        audit: None,
    })
}
