//! `cargo bench --bench catalog`: raceway's speed and bug-finding power over the whole catalog,
//! written to `reports/bench.md` (and printed).
//!
//! - throughput: schedules per second per (scenario, workload, variant) and strategy, on one
//!   core and on all cores, with heap allocations per schedule (a counting allocator);
//! - power: for every pair expected to break, schedules until the first violation over
//!   independent seed streams, per strategy (random; PCT at depths 1 to 4);
//! - exploration: schedules of a complete exploration, with and without sleep-set reduction.
//!
//! `cargo bench --bench catalog -- PATTERN` measures only the one-core throughput of the pairs
//! whose name (`wlog fork/buggy`) contains PATTERN, and writes nothing: the quick check of a
//! change to the hot path.
//!
//! The side-by-side section that `cargo bench -p raceway-compare --features shuttle` writes
//! into `reports/bench.md` is kept as it is.
//!
//! Wall-clock time is read here, around batches of runs, and never reaches a model.

use raceway_scenarios::{Expected, Pair, CATALOG};
use raceway_sim::drive::{drive, pct_steps};
use raceway_sim::explore::{explore, Options};
use raceway_sim::search::first_violation;
use raceway_sim::strategy::{Seeding, Seeds};
use raceway_sim::Simulation;
use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

struct Counting;
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Wall-clock time per throughput measurement.
const SLICE: Duration = Duration::from_millis(150);
/// Independent seed streams per (pair, strategy) for the power figures.
const TRIALS: u64 = 101;
/// Schedules a trial may run before it counts as not finding the bug.
const CAP: u64 = 20_000;
/// Schedules an exploration may visit.
const EXPLORE_BUDGET: u64 = 200_000;

#[derive(Clone, Copy)]
enum Strat {
    Random,
    Pct(u32),
}

impl Strat {
    fn name(self) -> String {
        match self {
            Strat::Random => "random".into(),
            Strat::Pct(d) => format!("pct d={d}"),
        }
    }

    fn seeding(self, steps: u32) -> Seeding {
        match self {
            Strat::Random => Seeding::Random,
            Strat::Pct(depth) => Seeding::Pct { depth, steps },
        }
    }
}

/// Schedules per second on this thread, allocations per schedule, mean steps.
fn throughput(p: Pair, strat: Strat, first_seed: u64) -> (f64, f64, f64) {
    let mut sim = p.runner();
    let seeding = strat.seeding(pct_steps(sim.as_mut()));
    let (mut runs, mut total_steps) = (0u64, 0u64);
    let allocs = ALLOCATIONS.load(Ordering::Relaxed);
    let start = Instant::now();
    while start.elapsed() < SLICE {
        let seeds = first_seed + runs..first_seed + runs + 256;
        let driven = drive(
            sim.as_mut(),
            &mut Seeds::new(seeding, seeds),
            false,
            |run| {
                total_steps += u64::from(run.verdict.steps);
                ControlFlow::Continue(())
            },
        )
        .expect("seeded strategies never diverge");
        runs += driven.runs;
    }
    let secs = start.elapsed().as_secs_f64();
    let allocs = ALLOCATIONS.load(Ordering::Relaxed) - allocs;
    (
        runs as f64 / secs,
        allocs as f64 / runs as f64,
        total_steps as f64 / runs as f64,
    )
}

/// The same on every core at once: the sum of the threads' rates.
fn throughput_all_cores(p: Pair, strat: Strat, cores: usize) -> f64 {
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..cores)
            .map(|c| scope.spawn(move || throughput(p, strat, c as u64 * 1_000_000_000).0))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

/// Schedules until the first violation in each of `TRIALS` disjoint seed streams (`None`:
/// not within `CAP`), on all cores.
fn power(p: Pair, strat: Strat, cores: usize) -> Vec<Option<u64>> {
    let seeding = strat.seeding(pct_steps(p.runner().as_mut()));
    let next = AtomicU64::new(0);
    let mut found: Vec<(u64, Option<u64>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..cores)
            .map(|_| {
                scope.spawn(|| {
                    let mut sim = p.runner();
                    let mut out = Vec::new();
                    loop {
                        let t = next.fetch_add(1, Ordering::Relaxed);
                        if t >= TRIALS {
                            return out;
                        }
                        let base = (t + 1) * 1_000_000_000;
                        let mut seeds = Seeds::new(seeding, base..base + CAP);
                        let found = first_violation(sim.as_mut(), &mut seeds)
                            .expect("seeded strategies never diverge");
                        out.push((t, found.map(|f| f.seed - base + 1)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    found.sort();
    found.into_iter().map(|(_, n)| n).collect()
}

/// (median, p90, max) of trials; a trial that found nothing counts as above the cap.
fn quantiles(trials: &[Option<u64>]) -> (String, String, String, u64) {
    let mut v: Vec<u64> = trials.iter().map(|t| t.unwrap_or(u64::MAX)).collect();
    v.sort_unstable();
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    let show = |n: u64| {
        if n == u64::MAX {
            format!(">{CAP}")
        } else {
            n.to_string()
        }
    };
    (show(at(0.5)), show(at(0.9)), show(at(1.0)), at(0.5))
}

fn command(cmd: &str, args: &[&str]) -> String {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!(
        "- machine: {cpu}, {cores} cores\n- toolchain: {}\n- commit: {}{}\n",
        command("rustc", &["--version"]),
        command("git", &["rev-parse", "--short", "HEAD"]),
        if command("git", &["status", "--porcelain", "--untracked-files=no"]).is_empty() {
            ""
        } else {
            " (with uncommitted changes)"
        },
    )
}

fn pairs() -> Vec<Pair> {
    CATALOG.iter().flat_map(|s| s.pairs()).collect()
}

/// The first line of the section the shuttle comparison writes (see compare/benches).
const SIDE_BY_SIDE: &str = "<!-- side-by-side:";

/// One-core throughput of the pairs whose name contains `pattern`.
fn quick(pattern: &str) {
    println!("| pair | strategy | 1 core | allocs/schedule | steps/schedule |");
    for p in pairs() {
        let name = p.to_string();
        if !name.contains(pattern) {
            continue;
        }
        for strat in [Strat::Random, Strat::Pct(3)] {
            let (one, allocs, steps) = throughput(p, strat, 0);
            println!(
                "| {name} | {} | {one:.0} | {allocs:.1} | {steps:.1} |",
                strat.name()
            );
        }
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this without it: stay quick.
    if !std::env::args().any(|a| a == "--bench") {
        println!("catalog bench: run with `cargo bench --bench catalog`");
        return;
    }
    if let Some(pattern) = std::env::args().skip(1).find(|a| !a.starts_with('-')) {
        quick(&pattern);
        return;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut out =
        String::from("# raceway benchmarks\n\nGenerated by `cargo bench --bench catalog`. ");
    out.push_str(
        "Timings vary with the machine and its load; the power and exploration counts do not.\n\n",
    );
    out.push_str(&machine());

    let mut slow = Vec::new();
    out.push_str(&format!(
        "\n## Throughput\n\nSchedules per second (each a whole run: workload, settle, checks), {} ms per figure; \
         allocations are heap allocations per schedule (a counting allocator).\n\n\
         | pair | strategy | 1 core | {cores} cores | allocs/schedule | steps/schedule |\n|---|---|---:|---:|---:|---:|\n",
        SLICE.as_millis()
    ));
    for p in pairs() {
        for strat in [Strat::Random, Strat::Pct(3)] {
            let (one, allocs, steps) = throughput(p, strat, 0);
            let all = throughput_all_cores(p, strat, cores);
            let _ = writeln!(
                out,
                "| {} | {} | {one:.0} | {all:.0} | {allocs:.1} | {steps:.1} |",
                p,
                strat.name()
            );
            if p.scenario.name() == "wlog" && matches!(strat, Strat::Random) && one < 3_000_000.0 {
                slow.push(format!("{} random: {one:.0} schedules/s on one core", p));
            }
        }
    }

    let _ = write!(
        out,
        "\n## Power\n\nSchedules until the first violation, over {TRIALS} independent seed streams, \
         for every pair expected to break (median / p90 / max; `>{CAP}`: not found within {CAP}).\n\n\
         | pair | random | pct d=1 | pct d=2 | pct d=3 | pct d=4 |\n|---|---|---|---|---|---|\n"
    );
    let mut pct_misses = Vec::new();
    for p in pairs()
        .into_iter()
        .filter(|p| p.expectation.expected == Expected::Breaks)
    {
        let mut cells = Vec::new();
        let mut best_pct = u64::MAX;
        for strat in [
            Strat::Random,
            Strat::Pct(1),
            Strat::Pct(2),
            Strat::Pct(3),
            Strat::Pct(4),
        ] {
            let (median, p90, max, m) = quantiles(&power(p, strat, cores));
            if matches!(strat, Strat::Pct(_)) {
                best_pct = best_pct.min(m);
            }
            cells.push(format!("{median} / {p90} / {max}"));
        }
        let _ = writeln!(out, "| {} | {} |", p, cells.join(" | "));
        if best_pct > 20 {
            let best = if best_pct == u64::MAX {
                format!(">{CAP}")
            } else {
                best_pct.to_string()
            };
            pct_misses.push(format!("{}: best PCT median {best}", p));
        }
    }

    let _ = write!(
        out,
        "\n## Exploration\n\nSchedules of a complete exploration (`raceway explore`), with sleep-set reduction \
         and without, each up to {EXPLORE_BUDGET} schedules; for pairs expected to break, also the schedules \
         until the first violation (reduced search).\n\n\
         | pair | expected | to first violation | complete, reduced | complete, no reduction |\n|---|---|---:|---:|---:|\n"
    );
    for p in pairs() {
        let mut sim = p.runner();
        let run = |sim: &mut Box<dyn Simulation>, reduction, all| {
            let o = Options {
                reduction,
                all,
                max_schedules: Some(EXPLORE_BUDGET),
                ..Options::default()
            };
            explore(sim.as_mut(), &o).expect("exploration")
        };
        let count = |e: &raceway_sim::explore::Exploration| {
            if e.complete {
                e.schedules.to_string()
            } else {
                format!(">{EXPLORE_BUDGET}")
            }
        };
        let expected = p.expectation.expected;
        let first = match expected {
            Expected::Breaks => {
                let e = run(&mut sim, true, false);
                if e.violations.is_empty() {
                    format!(">{EXPLORE_BUDGET}")
                } else {
                    e.schedules.to_string()
                }
            }
            Expected::Holds => "-".into(),
        };
        let reduced = run(&mut sim, true, true);
        let full = run(&mut sim, false, true);
        let _ = writeln!(
            out,
            "| {} | {} | {first} | {} | {} |",
            p,
            format!("{expected:?}").to_lowercase(),
            count(&reduced),
            count(&full)
        );
    }

    out.push_str("\n## Targets\n\n");
    let _ = writeln!(
        out,
        "- wlog at 3,000,000 schedules per second per core or more (random): {}",
        if slow.is_empty() {
            "met on every wlog pair".to_string()
        } else {
            format!("missed: {}", slow.join("; "))
        }
    );
    let _ = writeln!(
        out,
        "- every pair expected to break caught by PCT within a median of 20 schedules (best depth): {}",
        if pct_misses.is_empty() { "met".to_string() } else { format!("missed on {} pairs:\n  - {}", pct_misses.len(), pct_misses.join("\n  - ")) }
    );
    out.push_str("\nWhere the time goes, and why the misses: [profile.md](profile.md).\n");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/bench.md");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    if let Some(at) = old.find(SIDE_BY_SIDE) {
        out.push('\n');
        out.push_str(&old[at..]);
    }
    print!("{out}");
    write_whole(&path, &out);
    eprintln!("wrote {}", path.display());
}

/// Replaces `path` with `text` whole or not at all: written beside it, then renamed over it.
fn write_whole(path: &std::path::Path, text: &str) {
    let dir = path.parent().expect("a file in reports/");
    let mut tmp = tempfile::NamedTempFile::new_in(dir).expect("a temporary file in reports/");
    std::io::Write::write_all(&mut tmp, text.as_bytes()).expect("write the report");
    tmp.persist(path).expect("replace the report");
}
