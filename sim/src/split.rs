//! Exploration split by schedule prefix, for all cores (`explore --jobs`) and many machines
//! (`explore --shard`).
//!
//! [`split`] cuts the search tree at the shallowest depth that gives at least [`PARTS`]
//! subtrees (or at the leaves, for a smaller tree): each [`Prefix`] is a path to that depth
//! with what its choice points knew when the whole search reached it, so that the sleep sets
//! its subtree inherits are those of the whole search. Each part is then explored alone
//! ([`explore_part`]), and [`join`] puts the parts together in the whole search's order:
//! counts summed, distinct violations merged keeping the shortest, stopping where the whole
//! search would have stopped (a violation when not collecting all, the budget).
//!
//! The split depends on the model and the options only, never on the number of threads or
//! shards. On threads ([`explore`]) the parts go in fixed waves of [`WAVE`]: a part skips the
//! configurations of the waves before its own, not those of its own wave's other parts, so
//! the result is the same at any `--jobs`; it differs from the unsplit search's only in that
//! a configuration two parts of one wave reach is explored by both (the schedule count grows
//! a little; `states` still counts distinct configurations), and that the prefixes themselves
//! are enumerated without a cache (`states` counts the configurations below the split). Shards share nothing: each part
//! is explored from scratch, so the merged result is the same for any shard count (and its
//! counts larger than one process's). Without state caching (and without a bound) the parts
//! together run exactly the unsplit search's schedules. Under a bound, explored siblings of
//! a prefix would put nothing to sleep in its subtree (whether the bound cut something in
//! theirs is not known when the split is made): sound, but less reduced, so [`explore`] runs
//! a bounded search whole, on one thread; shards split it all the same.

use crate::audit::Audit;
use crate::explore::{absorb, prove_by, search_by, Exploration, Options, Progress};
use crate::runner::Simulation;
use crate::strategy::{Dfs, Diverged, Prefix, Visited};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// How many subtrees a split aims at: enough for a few dozen cores to share, few enough that
/// the parts' separate state caches lose little.
pub const PARTS: usize = 64;

/// How many parts explore side by side: each skips what the waves before it explored.
pub const WAVE: usize = 8;

/// The deepest split tried: past it, the parts found so far are used.
const MAX_DEPTH: usize = 64;

/// The parts of a search.
#[derive(Clone, Debug)]
pub struct Split {
    /// The prefixes, in the whole search's order.
    pub prefixes: Vec<Prefix>,
    /// Whether a preemption bound cut something above the split depth.
    pub cut: bool,
    /// Whether the search caches states: asked for, and the model fingerprints them.
    pub stateful: bool,
}

/// Splits the search `options` describe on `sim` (its budget aside) into parts.
pub fn split(sim: &mut dyn Simulation, options: &Options) -> Result<Split, Diverged> {
    let mut depth = 1;
    loop {
        let mut dfs = Dfs::new(options.reduction, options.preemptions).splitting(depth);
        if options.states {
            dfs = dfs.with_states();
        }
        crate::drive::drive(sim, &mut dfs, false, |_| ControlFlow::Continue(()))?;
        let (cut, stateful) = (dfs.bound_cut(), dfs.fingerprinted());
        let prefixes = dfs.prefixes();
        let reached = prefixes.iter().any(|p| p.depth() >= depth);
        if prefixes.len() >= PARTS || !reached || depth >= MAX_DEPTH {
            return Ok(Split {
                prefixes,
                cut,
                stateful,
            });
        }
        depth += 1;
    }
}

/// Explores the subtree under `prefix` as `options` say, skipping the configurations
/// `visited` (explored by earlier parts) when given, and showing its progress to
/// `progress`. Returns the strategy too, with the configurations it explored. `cancel`, asked
/// after every schedule, ends the search early (incomplete) when its result is not needed.
pub fn explore_part(
    sim: &mut dyn Simulation,
    options: &Options,
    prefix: Prefix,
    visited: Option<Arc<Visited>>,
    progress: &mut dyn FnMut(&Progress),
    cancel: &dyn Fn() -> bool,
) -> Result<(Exploration, Dfs), Diverged> {
    let mut dfs = crate::explore::dfs(options).rooted(prefix);
    if let Some(visited) = visited {
        dfs = dfs.with_visited(visited);
    }
    let visit = |_: &_, _: &_| {
        if cancel() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    search_by(sim, options, dfs, visit, progress)
}

/// The whole search from its parts' explorations, given in the split's order (as far as the
/// caller has them): where a part stopped short (a violation when not collecting all, its
/// budget), the whole search stops too, and the parts after it are left out. `cut` and
/// `stateful` are [`Split::cut`] and [`Split::stateful`]. The budget is the caller's: a part explored with the whole budget counts
/// whole (see [`explore`] for the exact budget).
pub fn join(
    parts: impl IntoIterator<Item = Exploration>,
    options: &Options,
    cut: bool,
    stateful: bool,
) -> Exploration {
    let mut whole = Exploration {
        schedules: 0,
        pruned: 0,
        states: 0,
        complete: true,
        bound: options.preemptions,
        reduced: options.reduction,
        stateful,
        violations: Vec::new(),
        audit: options.audit.then(Audit::default),
    };
    let mut bounded = cut;
    for part in parts {
        whole.schedules = whole.schedules.saturating_add(part.schedules);
        whole.pruned = whole.pruned.saturating_add(part.pruned);
        whole.states = whole.states.saturating_add(part.states);
        whole.stateful |= part.stateful;
        bounded |= part.bound.is_some();
        for d in part.violations {
            absorb(&mut whole.violations, d);
        }
        whole.audit = match (whole.audit, part.audit) {
            (Some(mut a), Some(b)) => {
                a.checked += b.checked;
                a.unchecked += b.unchecked;
                a.failure = a.failure.or(b.failure);
                Some(a)
            }
            _ => None,
        };
        if !part.complete {
            whole.complete = false;
            break;
        }
    }
    if whole.complete && !bounded {
        whole.bound = None;
    }
    whole
}

/// The whole search `options` describe, its parts explored on `jobs` threads, each thread
/// with a simulation of its own from `make`.
///
/// The parts go in waves of [`WAVE`], in order: the parts of a wave run side by side, each
/// skipping the configurations the waves before it explored (its own are added when the wave
/// is over), and they are joined in order. Where the budget runs out inside a part, that
/// part is explored again with what is left, as one search over the parts in order would
/// have. Nothing depends on `jobs`: the same result at any number of threads.
///
/// A search under a preemption bound is not split: it runs whole on one thread, since the
/// split would weaken its reduction (see the module documentation) and with it the bound a
/// budget can prove.
pub fn explore(
    make: &(dyn Fn() -> Box<dyn Simulation> + Sync),
    options: &Options,
    jobs: usize,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Result<Exploration, Diverged> {
    if options.preemptions.is_some() {
        let mut show = |p: &Progress| progress(p);
        let whole = crate::explore::dfs(options);
        let continue_ = |_: &_, _: &_| ControlFlow::Continue(());
        return search_by(make().as_mut(), options, whole, continue_, &mut show)
            .map(|(found, _)| found);
    }
    let split = split(make().as_mut(), options)?;
    let mut visited = Arc::new(Visited::default());
    let mut parts: Vec<Exploration> = Vec::new();
    let runs = AtomicU64::new(0);
    let mut used = 0u64;
    for wave in split.prefixes.chunks(WAVE) {
        let start = used;
        let left = Options {
            max_schedules: options.max_schedules.map(|b| b - start),
            ..*options
        };
        let ran = run_wave(make, &left, wave, &visited, jobs, &runs, progress)?;
        let mut explored = Vec::new();
        let mut stop = false;
        for (i, ran) in ran.into_iter().enumerate() {
            let Some((mut found, mut dfs)) = ran else {
                break;
            };
            if let Some(budget) = options.max_schedules {
                if used.saturating_add(found.schedules) >= budget && used > start {
                    let left = Options {
                        max_schedules: Some(budget - used),
                        ..*options
                    };
                    let prefix = wave[i].clone();
                    let again = Some(visited.clone());
                    let mut sim = make();
                    let no = &|| false;
                    (found, dfs) =
                        explore_part(sim.as_mut(), &left, prefix, again, &mut |_| {}, no)?;
                }
            }
            used = used.saturating_add(found.schedules);
            stop = !found.complete || options.max_schedules.is_some_and(|b| used >= b);
            explored.push((found, dfs));
            if stop {
                break;
            }
        }
        let all = Arc::make_mut(&mut visited);
        for (mut found, dfs) in explored {
            found.states = all.absorb(dfs);
            parts.push(found);
        }
        if stop {
            break;
        }
    }
    Ok(join(parts, options, split.cut, split.stateful))
}

/// One wave's parts on `jobs` threads, in order; a part after one that stopped short may be
/// left out (`None`).
fn run_wave(
    make: &(dyn Fn() -> Box<dyn Simulation> + Sync),
    options: &Options,
    wave: &[Prefix],
    visited: &Arc<Visited>,
    jobs: usize,
    runs: &AtomicU64,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Result<Vec<Option<(Exploration, Dfs)>>, Diverged> {
    type Ran = Option<Result<(Exploration, Dfs), Diverged>>;
    let done: Mutex<Vec<Ran>> = Mutex::new((0..wave.len()).map(|_| None).collect());
    let (next, stop) = (AtomicUsize::new(0), AtomicUsize::new(wave.len()));
    let work = || {
        let mut sim = make();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= stop.load(Ordering::Relaxed) {
                return;
            }
            let mut seen = 0;
            let mut show = |p: &Progress| {
                let new = p.runs.saturating_sub(seen);
                seen = seen.max(p.runs);
                let total = runs.fetch_add(new, Ordering::Relaxed) + new;
                progress(&Progress { runs: total, ..*p });
            };
            let prefix = wave[i].clone();
            // Once a part before this one stopped short, this one's result is not needed.
            let cancel = || stop.load(Ordering::Relaxed) <= i;
            let visited = Some(visited.clone());
            let ran = explore_part(sim.as_mut(), options, prefix, visited, &mut show, &cancel);
            match &ran {
                Ok((found, _)) => {
                    let rest = (found.schedules + found.pruned).saturating_sub(seen);
                    runs.fetch_add(rest, Ordering::Relaxed);
                    if !found.complete {
                        stop.fetch_min(i + 1, Ordering::Relaxed);
                    }
                }
                Err(_) => {
                    stop.fetch_min(i + 1, Ordering::Relaxed);
                }
            }
            done.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(ran);
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..jobs.clamp(1, wave.len()) {
            // A thread that cannot start leaves its parts to the others: the same result.
            let _ = std::thread::Builder::new().spawn_scoped(scope, work);
        }
        work();
    });
    let done = done.into_inner().unwrap_or_else(|e| e.into_inner());
    // In order, up to the first part that stopped short: what ran after it depends on timing.
    let mut out = Vec::with_capacity(done.len());
    for ran in done {
        let Some(ran) = ran else { break };
        let (found, dfs) = ran?;
        let stopped = !found.complete;
        out.push(Some((found, dfs)));
        if stopped {
            break;
        }
    }
    Ok(out)
}

/// [`crate::explore::prove`], with each search split and explored on `jobs` threads.
pub fn prove(
    make: &(dyn Fn() -> Box<dyn Simulation> + Sync),
    options: &Options,
    budget: u64,
    jobs: usize,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Result<Exploration, Diverged> {
    prove_by(options, budget, |options| {
        explore(make, options, jobs, progress)
    })
}
