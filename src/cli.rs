//! The command line, as clap derives it.

use clap::{Args, Parser, Subcommand, ValueEnum};
use raceway_sim::strategy::{Delay, Pct};
use std::path::PathBuf;

/// Find, replay and explain cache-consistency races by deterministic simulation.
///
/// `raceway` alone sweeps the whole catalog: seeds 0..2000 of every (scenario, workload,
/// variant) under random and PCT scheduling, judged against the expected verdicts
/// (`raceway sweep` with its defaults).
#[derive(Parser, Debug)]
#[command(
    name = "raceway",
    version,
    about,
    after_help = "Exit status:\n  0  nothing broke that was expected to hold (a replay reproduced its trace)\n  1  an invariant broke, or a sweep contradicted an expectation (a replay differed)\n  2  a usage or input error, reported in one line on stderr"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the scenarios, their workloads and variants, and the expected verdicts.
    List,
    /// Run one schedule of a scenario and show its trace when an invariant breaks.
    Run(RunArgs),
    /// Sweep seeds over the catalog (all of it by default) and judge every expectation.
    Sweep(SweepArgs),
    /// Union the JSON outputs of the shards of one sweep, and judge the whole.
    Merge(MergeArgs),
    /// Measure schedules per second on one core, per pair and strategy.
    Bench(BenchArgs),
    /// Explore every schedule of a workload: find every violation, or prove there is none.
    Explore(ExploreArgs),
    /// Shrink a saved failing trace to a minimal schedule that breaks the same invariant.
    Shrink(ShrinkArgs),
    /// Check a recorded history (JSON Lines) against consistency models.
    CheckHistory(crate::commands::check_history::CheckHistoryArgs),
    /// Re-run a saved JSON trace and confirm the same steps and violation.
    Replay {
        /// A trace saved by `raceway run --out FILE`.
        file: PathBuf,
    },
}

/// Which (scenario, workload, variant) to run.
#[derive(Args, Debug, Clone)]
pub struct Target {
    /// The scenario (see `raceway list`).
    pub scenario: String,
    /// The workload; defaults to the named schedule's, else the scenario's first.
    #[arg(long, short)]
    pub workload: Option<String>,
    /// The variant; defaults to the named schedule's, else the scenario's first.
    #[arg(long, short)]
    pub variant: Option<String>,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub target: Target,
    /// The seed of the random or PCT strategy.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The strategy that makes the choices: random unless given (the native engine's only;
    /// madsim makes its own).
    #[arg(long, value_enum)]
    pub strategy: Option<StrategyName>,
    /// PCT's bug depth, 1 or more (3 by default; only with --strategy pct).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..), conflicts_with_all = ["schedule", "named"])]
    pub depth: Option<u32>,
    /// Delay bounding's deviations from round robin (only with --strategy delay).
    #[arg(long, conflicts_with_all = ["schedule", "named"])]
    pub delays: Option<u32>,
    /// The engine (madsim: the seed seeds madsim's runtime; see scripts/madsim).
    #[arg(long, value_enum, default_value_t = Engine::Native)]
    pub engine: Engine,
    /// Replay this recorded schedule (`rw1.…`) instead of seeding a strategy.
    #[arg(long, conflicts_with_all = ["named", "seed", "strategy"])]
    pub schedule: Option<String>,
    /// Run one of the scenario's named schedules (`seed`: the seed report's interleaving).
    #[arg(long, conflicts_with_all = ["seed", "strategy"])]
    pub named: Option<String>,
    /// Print the trace even when no invariant breaks.
    #[arg(long)]
    pub trace: bool,
    /// What to print: the trace in columns, or the JSON trace (not with --compare).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also save the JSON trace here, for `raceway replay`.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Show the seed's own failing run, not its shrunk form (seeded strategies only shrink).
    #[arg(long, conflicts_with_all = ["schedule", "named"])]
    pub no_shrink: bool,
    /// Also run the same task order on this variant, as far as its steps allow, and show the
    /// two traces side by side.
    #[arg(long, value_name = "VARIANT")]
    pub compare: Option<String>,
}

#[derive(Args, Debug)]
pub struct ExploreArgs {
    /// The scenario (see `raceway list`).
    pub scenario: String,
    /// Only this workload (repeatable); every workload by default.
    #[arg(long, short)]
    pub workload: Vec<String>,
    /// Only this variant (repeatable); every variant by default.
    #[arg(long, short)]
    pub variant: Vec<String>,
    /// Go on after the first violation and report every distinct one.
    #[arg(long)]
    pub all: bool,
    /// Explore only runs with at most K preemptions (one bounded search, reduction on).
    #[arg(long, value_name = "K")]
    pub preemptions: Option<u32>,
    /// The budget per pair, in schedules (at least 1): the unbounded search stops there, and
    /// iterative preemption bounding gets as much again for the strongest claim within it.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_EXPLORE_BUDGET,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_schedules: u64,
    /// Explore every order: no sleep sets, no state caching.
    #[arg(long)]
    pub no_reduction: bool,
    /// Explore statelessly: revisit configurations reached again by another order.
    #[arg(long)]
    pub no_states: bool,
    /// Check every independence the reduction relies on by running both orders: a wrong
    /// footprint fails with the two steps it concerns.
    #[arg(long)]
    pub audit: bool,
    /// Worker threads, 1 to 1024; all cores by default. The search is split by schedule
    /// prefix into the same parts at any number: results do not depend on it (a search
    /// under `--preemptions`, or iterative bounding, runs whole on one thread).
    #[arg(long, short, value_parser = clap::value_parser!(u16).range(1..=MAX_JOBS as i64))]
    pub jobs: Option<u16>,
    /// Explore only shard I of N (`3/8`) of each pair's parts, each part within the budget, and
    /// print them as JSON; join the shards with `raceway merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `explore`'s default budget per pair, in schedules.
pub const DEFAULT_EXPLORE_BUDGET: u64 = 1_000_000;

#[derive(Args, Debug)]
pub struct ShrinkArgs {
    /// A failing trace saved by `raceway run --out` or found in a report.
    pub file: PathBuf,
    /// Save the shrunk trace here.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// What to print.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// The engine that runs the scenarios.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// raceway's own deterministic executor, under the chosen strategy.
    Native,
    /// madsim's runtime: its scheduler, virtual time and RNG (build with scripts/madsim).
    Madsim,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrategyName {
    /// Uniform random choices from a seeded ChaCha8 stream.
    Random,
    /// Probabilistic concurrency testing: random priorities, depth-1 change points.
    Pct,
    /// Delay bounding: round robin with `--delays` deviations at random steps.
    Delay,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Columns, one per task.
    Text,
    /// The versioned JSON trace.
    Json,
}

/// How a sweep's result is printed.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SweepFormat {
    /// A table per scenario and a summary, for people.
    Text,
    /// The versioned sweep JSON, for machines and `raceway merge`.
    Json,
}

/// A part of the catalog: every (scenario, workload, variant) that the names allow.
#[derive(Args, Debug, Default)]
pub struct Selection {
    /// Only these scenarios (repeatable); all by default.
    #[arg(long)]
    pub scenario: Vec<String>,
    /// Only these workloads (repeatable); all by default.
    #[arg(long, short)]
    pub workload: Vec<String>,
    /// Only these variants (repeatable); all by default.
    #[arg(long, short)]
    pub variant: Vec<String>,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    #[command(flatten)]
    pub selection: Selection,
    /// Strategies to measure.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [StrategyName::Random, StrategyName::Pct])]
    pub strategy: Vec<StrategyName>,
    /// PCT's bug depth (1 or more).
    #[arg(long, default_value_t = Pct::DEFAULT_DEPTH, value_parser = clap::value_parser!(u32).range(1..))]
    pub depth: u32,
    /// Delay bounding's deviations from round robin.
    #[arg(long, default_value_t = Delay::DEFAULT_DELAYS)]
    pub delays: u32,
    /// The engine to measure.
    #[arg(long, value_enum, default_value_t = Engine::Native)]
    pub engine: Engine,
    /// Wall-clock milliseconds per measured row (1 to 600000).
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub millis: u64,
}

/// The most worker threads a sweep starts.
pub const MAX_JOBS: u16 = 1024;

/// The default sweep's seeds: `raceway` with no arguments finishes well within a minute on two
/// cores.
pub const DEFAULT_SEEDS: &str = "0..2000";

#[derive(Args, Debug)]
pub struct SweepArgs {
    #[command(flatten)]
    pub selection: Selection,
    /// The seeds of every row: `A..B` (B exclusive), `A..=B`, or a count N for `0..N`; at
    /// most 2^32 seeds.
    #[arg(long, default_value = DEFAULT_SEEDS)]
    pub seeds: String,
    /// The strategies: one row per pair and strategy; both random and PCT unless given (the
    /// native engine's only; madsim makes its own choices).
    #[arg(long, value_enum)]
    pub strategy: Option<SweepStrategy>,
    /// PCT's bug depth (1 or more).
    #[arg(long, default_value_t = Pct::DEFAULT_DEPTH, value_parser = clap::value_parser!(u32).range(1..))]
    pub depth: u32,
    /// Delay bounding's deviations from round robin (`--strategy delay`).
    #[arg(long, default_value_t = Delay::DEFAULT_DELAYS)]
    pub delays: u32,
    /// The engine: madsim runs one row per pair, seeded by madsim (see scripts/madsim).
    #[arg(long, value_enum, default_value_t = Engine::Native)]
    pub engine: Engine,
    /// Worker threads, 1 to 1024; all cores by default. Results do not depend on it.
    #[arg(long, short, value_parser = clap::value_parser!(u16).range(1..=MAX_JOBS as i64))]
    pub jobs: Option<u16>,
    /// Run only shard I of N (`3/8`); merge the shards' JSON with `raceway merge`.
    #[arg(long, default_value = "1/1")]
    pub shard: String,
    /// A table for people, or JSON for machines and `raceway merge`.
    #[arg(long, value_enum, default_value_t = SweepFormat::Text)]
    pub format: SweepFormat,
    /// Write the catalog report (Markdown summary, failing traces, diagrams) into this folder.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Where to save the trace of a variant expected to hold that broke.
    #[arg(long, default_value = "raceway-failures")]
    pub save_failures: PathBuf,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

impl Default for SweepArgs {
    fn default() -> Self {
        SweepArgs {
            selection: Selection::default(),
            seeds: DEFAULT_SEEDS.to_string(),
            strategy: None,
            depth: Pct::DEFAULT_DEPTH,
            delays: Delay::DEFAULT_DELAYS,
            engine: Engine::Native,
            jobs: None,
            shard: "1/1".to_string(),
            format: SweepFormat::Text,
            report: None,
            save_failures: PathBuf::from("raceway-failures"),
            quiet: false,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SweepStrategy {
    Random,
    Pct,
    Delay,
    /// A row for random and for PCT.
    Both,
}

impl SweepStrategy {
    pub fn names(self) -> &'static [StrategyName] {
        match self {
            SweepStrategy::Random => &[StrategyName::Random],
            SweepStrategy::Pct => &[StrategyName::Pct],
            SweepStrategy::Delay => &[StrategyName::Delay],
            SweepStrategy::Both => &[StrategyName::Random, StrategyName::Pct],
        }
    }
}

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// The JSON outputs of `raceway sweep --shard I/N --format json`, one per shard, or of
    /// `raceway explore --shard I/N`.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// A table for people, or JSON.
    #[arg(long, value_enum, default_value_t = SweepFormat::Text)]
    pub format: SweepFormat,
    /// Write the catalog report of the merged sweep into this folder.
    #[arg(long)]
    pub report: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;
    use std::collections::BTreeMap;

    /// An option has the same short flag on every command that has it (`-w` works wherever
    /// `--workload` does), and a short flag means one option everywhere.
    #[test]
    fn short_flags_are_the_same_on_every_command() {
        let mut by_long: BTreeMap<&str, Vec<(&str, Option<char>)>> = BTreeMap::new();
        let cli = Cli::command();
        for sub in cli.get_subcommands() {
            for arg in sub.get_arguments() {
                if let Some(long) = arg.get_long() {
                    by_long
                        .entry(long)
                        .or_default()
                        .push((sub.get_name(), arg.get_short()));
                }
            }
        }
        let mut by_short = BTreeMap::new();
        for (long, uses) in &by_long {
            assert!(uses.iter().all(|u| u.1 == uses[0].1), "--{long}: {uses:?}");
            if let Some(short) = uses[0].1 {
                let other = by_short.insert(short, *long);
                assert!(other.is_none(), "-{short} is --{long} and --{other:?}");
            }
        }
        for (long, short) in [
            ("workload", 'w'),
            ("variant", 'v'),
            ("jobs", 'j'),
            ("out", 'o'),
            ("quiet", 'q'),
        ] {
            assert_eq!(by_long[long][0].1, Some(short), "--{long}");
        }
    }
}
