//! raceway and shuttle side by side on the same race: wlog's `fork` workload, `buggy` variant
//! (the projector's `Get` against `PutWlog`'s `InsertIfNotExists`, then a settle `Get` and
//! `Read`), under each tool's uniformly random scheduler, in the same process and run.
//!
//! `cargo bench -p raceway-compare --features shuttle` prints schedules per second for each
//! and raceway's ratio, and writes them into the side-by-side section of `reports/bench.md`.
//! Both count a run that breaks an invariant, so the two can be seen to explore the same race:
//! their violation rates should be close. Wall-clock time is read here only, around whole
//! batches of runs.

use raceway_scenarios::find;
use raceway_sim::drive::drive;
use raceway_sim::strategy::Seeds;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Wall-clock time per tool.
const BUDGET: Duration = Duration::from_secs(2);

/// The same race written for shuttle: one mutex-protected state, one lock per access, so that
/// every access is a scheduling point as every `Cx::step` is in raceway.
mod wlog {
    use shuttle::sync::Mutex;
    use shuttle::thread;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;

    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    enum Slot {
        Absent,
        Miss,
        Val,
    }

    struct State {
        storage: bool,
        cache: Slot,
    }

    /// `cachedAppStorage.Get(k)`, buggy: the fill after a storage read is unconditional.
    fn get(s: &Mutex<State>) -> bool {
        let slot = s.lock().unwrap().cache;
        match slot {
            Slot::Miss => false,
            Slot::Val => true,
            Slot::Absent => {
                let found = s.lock().unwrap().storage;
                s.lock().unwrap().cache = if found { Slot::Val } else { Slot::Miss };
                found
            }
        }
    }

    /// `cachedAppStorage.InsertIfNotExists(k, v)`.
    fn insert(s: &Mutex<State>) {
        let inserted = {
            let mut st = s.lock().unwrap();
            let inserted = !st.storage;
            st.storage = true;
            inserted
        };
        if inserted {
            s.lock().unwrap().cache = Slot::Val;
        }
    }

    /// One run: the workload's two tasks, then the settle phase's `Get` and `Read`; counts a
    /// run whose cache contradicts storage or whose `Get` and `Read` disagree.
    pub fn fork_buggy(violations: &AtomicU64) {
        let state = Arc::new(Mutex::new(State {
            storage: false,
            cache: Slot::Absent,
        }));
        let projector = {
            let s = state.clone();
            thread::spawn(move || {
                get(&s);
            })
        };
        let putwlog = {
            let s = state.clone();
            thread::spawn(move || insert(&s))
        };
        projector.join().unwrap();
        putwlog.join().unwrap();
        let got = get(&state);
        let read = state.lock().unwrap().storage;
        let st = state.lock().unwrap();
        let agrees = match st.cache {
            Slot::Miss => !st.storage,
            Slot::Val => st.storage,
            Slot::Absent => true,
        };
        if !agrees || got != read {
            violations.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Schedules per second and the share that broke an invariant.
struct Rate {
    per_second: f64,
    broke: f64,
}

fn shuttle_rate() -> Rate {
    let violations = Arc::new(AtomicU64::new(0));
    let (mut runs, start) = (0u64, Instant::now());
    while start.elapsed() < BUDGET {
        const BATCH: usize = 1000;
        let scheduler = shuttle::scheduler::RandomScheduler::new_from_seed(runs, BATCH);
        let runner = shuttle::Runner::new(scheduler, shuttle::Config::new());
        let v = violations.clone();
        runner.run(move || wlog::fork_buggy(&v));
        runs += BATCH as u64;
    }
    Rate {
        per_second: runs as f64 / start.elapsed().as_secs_f64(),
        broke: violations.load(Ordering::Relaxed) as f64 / runs as f64,
    }
}

fn raceway_rate() -> Rate {
    let wlog = find("wlog").expect("wlog");
    let mut sim = wlog.runner("fork", "buggy").expect("wlog fork/buggy");
    let (mut runs, mut broke, start) = (0u64, 0u64, Instant::now());
    while start.elapsed() < BUDGET {
        let mut seeds = Seeds::random(runs..runs + 10_000);
        let driven = drive(sim.as_mut(), &mut seeds, false, |run| {
            broke += u64::from(run.verdict.violation.is_some());
            ControlFlow::Continue(())
        })
        .expect("seeded strategies never diverge");
        runs += driven.runs;
    }
    Rate {
        per_second: runs as f64 / start.elapsed().as_secs_f64(),
        broke: broke as f64 / runs as f64,
    }
}

/// Where the section goes: between these two lines of `reports/bench.md`.
const BEGIN: &str = "<!-- side-by-side: cargo bench -p raceway-compare --features shuttle -->";
const END: &str = "<!-- end side-by-side -->";

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this without it: stay quick.
    if !std::env::args().any(|a| a == "--bench") {
        println!("shuttle bench: run with `cargo bench -p raceway-compare --features shuttle`");
        return;
    }
    let raceway = raceway_rate();
    let shuttle = shuttle_rate();
    let ratio = raceway.per_second / shuttle.per_second;
    let section = format!(
        "{BEGIN}\n## Side by side with shuttle\n\n\
         The same race, wlog `fork`/`buggy`, written for each tool (raceway's catalog model; \
         [compare/benches/shuttle.rs](../compare/benches/shuttle.rs) for shuttle, one mutex \
         acquisition per access), under each tool's uniformly random scheduler, one core, {} s \
         each, in the same run.\n\n\
         | tool | schedules/s | runs breaking an invariant |\n|---|---:|---:|\n\
         | raceway | {:.0} | {:.1}% |\n| shuttle 0.8 | {:.0} | {:.1}% |\n\n\
         raceway runs **{ratio:.1}×** as many schedules per second as shuttle.\n{END}\n",
        BUDGET.as_secs(),
        raceway.per_second,
        raceway.broke * 100.0,
        shuttle.per_second,
        shuttle.broke * 100.0,
    );
    print!("{section}");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../reports/bench.md");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if b < e => {
            format!(
                "{}{section}{}",
                &old[..b],
                old[e + END.len()..].trim_start_matches('\n')
            )
        }
        _ => format!("{}\n{section}", old.trim_end()),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(path.parent().expect("reports/"))
        .expect("a temporary file in reports/");
    std::io::Write::write_all(&mut tmp, new.as_bytes()).expect("write the section");
    // Replaced whole or not at all.
    tmp.persist(&path).expect("replace reports/bench.md");
    eprintln!("wrote {}", path.display());
}
