//! Exhaustive depth-first search over every choice of a run: task orders and picks.
//!
//! Stateless at heart, like loom and CHESS: each run replays the current path from the start
//! and extends it with first choices; the next run then backtracks to the deepest choice with
//! an alternative left. Three things cut the search without losing a reachable state:
//!
//! - **Sleep sets** (Godefroid, 1996) skip orders that only swap independent steps: after the
//!   subtree of task `t` at a node is explored, `t` sleeps in its siblings' subtrees until a
//!   step dependent on `t`'s pending step runs, since waking it earlier would only reach
//!   states already explored. Independence comes from the steps' declared footprints (see
//!   [`Candidate::independent`]).
//! - **State caching** ([`Dfs::with_states`]), when the model fingerprints its state: a
//!   configuration reached again is not explored again. With sleep sets this is sound only
//!   when the sleep set it was explored with is a subset of the current one (Godefroid's
//!   thesis, LNCS 1032, §5.2 "sleep sets and state caching"): then everything the current
//!   visit would explore was explored. Otherwise it is explored again with the current sleep
//!   set, and the cache keeps the intersection of the two, which is what both visits covered.
//!   A configuration fixes each task's history (see [`crate::fingerprint`]), so the state
//!   space has no cycle, every visit of a configuration is at the same number of steps (the
//!   shortest violation stays the shortest), and a configuration reached again has always
//!   been explored to the end.
//! - **A preemption bound** (CHESS's iterative context bounding) limits how many times a run
//!   may switch away from a task that could have gone on. With it, sleep sets stay on: a task
//!   goes to sleep in its siblings' subtrees only when its own subtree was explored without
//!   the bound cutting anything in it (no choice denied for the bound, no cached configuration
//!   whose exploration was so cut). That is exactly the fact the unbounded argument rests on
//!   ("every run from this node that starts with `t` was explored"), so the reduction skips
//!   nothing the bound would have let through. A subtree the bound did cut puts nothing to
//!   sleep. The cache keys a bounded configuration together with the preemptions used and
//!   the last task, which fix what the bound still allows from it.
//!
//! A search splits by schedule prefix ([`Dfs::splitting`], [`Dfs::rooted`]) for parallel and
//! sharded exploration: the prefixes to a given depth, each the root of a subtree that a
//! search of its own explores as the whole search would have, with the sleep sets its prefix
//! inherits (see [`crate::split`]).

use super::{Candidate, Diverged, Pick, Strategy, TaskId};
use crate::audit::{Claim, Claims};
use crate::fingerprint::Fingerprint;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

/// One choice point of the current path.
#[derive(Clone, Debug)]
enum Node {
    Task(TaskNode),
    Pick { of: u32, chosen: u32 },
}

#[derive(Clone, Debug)]
struct TaskNode {
    candidates: Vec<Candidate>,
    /// Asleep at this node: not to be chosen here.
    sleep: Vec<Candidate>,
    /// Explored here already.
    done: Vec<Candidate>,
    /// Explored here already, with nothing in their subtrees cut by the bound: these go to
    /// sleep in later siblings' subtrees.
    covered: Vec<Candidate>,
    chosen: usize,
    /// The task that took the step before this node, and the preemptions so far.
    last: Option<TaskId>,
    preemptions: u32,
    /// Whether the bound cut something in the current child's subtree.
    cut: bool,
    /// Whether the bound cut something here or in an explored child's subtree.
    ever_cut: bool,
    /// The cache's key for this node's configuration, when it is cached.
    key: Option<Fingerprint>,
}

/// The path of a run to a split depth, with what each of its choice points knew when the
/// splitting search took it: the root of a subtree that [`Dfs::rooted`] explores alone.
#[derive(Clone, Debug)]
pub struct Prefix(Vec<Node>);

impl Prefix {
    /// Its choice points.
    pub fn depth(&self) -> usize {
        self.0.len()
    }
}

/// What the cache knows of an explored configuration.
#[derive(Clone, Copy, Debug)]
struct Visit {
    /// The tasks asleep when it was explored (the intersection over its visits), as a mask of
    /// task ids.
    sleep: u64,
    /// Whether the bound cut something in its exploration.
    cut: bool,
}

/// A [`Hasher`] for keys that are fingerprints already: it keeps 64 of their bits. Fixed, so
/// the cache behaves the same in every process (only membership is ever read from it).
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u128(&mut self, n: u128) {
        self.0 = n as u64;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type Cache = HashMap<Fingerprint, Visit, BuildHasherDefault<Prehashed>>;

/// The configurations earlier parts of a split search explored (see [`crate::split`]): a
/// search given them ([`Dfs::with_visited`]) treats them as its own cache's, read-only, and
/// what it explores itself is added afterwards ([`Visited::absorb`]).
#[derive(Clone, Debug, Default)]
pub struct Visited(Cache);

impl Visited {
    /// How many configurations.
    pub fn len(&self) -> u64 {
        self.0.len() as u64
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds the configurations `dfs` explored (one explored with two sleep sets counts as
    /// explored with their intersection, as a search's own cache keeps it); returns how
    /// many are new.
    pub fn absorb(&mut self, dfs: Dfs) -> u64 {
        let before = self.0.len();
        for (key, visit) in dfs.cache {
            self.0
                .entry(key)
                .and_modify(|v| {
                    v.sleep &= visit.sleep;
                    v.cut |= visit.cut;
                })
                .or_insert(visit);
        }
        (self.0.len() - before) as u64
    }
}

/// Exhaustive exploration: [`Strategy::next_run`] moves to the next unexplored path, and
/// returns `false` once every path has been run. A run cut short because every task that can
/// step is asleep, or because its configuration was explored already, ends pruned
/// (`next_task` returns `None`): all it could still reach has been explored from another
/// order.
#[derive(Clone, Debug)]
pub struct Dfs {
    path: Vec<Node>,
    depth: usize,
    sleep: Vec<Candidate>,
    last: Option<TaskId>,
    preemptions: u32,
    reduction: bool,
    bound: Option<u32>,
    started: bool,
    stateful: bool,
    /// The fingerprint of the configuration at the coming choice, when given.
    pending: Option<Fingerprint>,
    cache: Cache,
    /// Whether the bound cut anything at all: a bounded search that cut nothing was complete.
    any_cut: bool,
    /// The independences the reduction relied on, when audited.
    claims: Option<Claims>,
    /// Whether a choice point had no fingerprint.
    unkeyed: bool,
    /// The frozen prefix's length, for a search rooted at a [`Prefix`]: never backtracked into.
    floor: usize,
    /// When splitting: the depth at which runs stop, and the prefixes of the runs so far.
    split: Option<(usize, Vec<Prefix>)>,
    /// The configurations explored by earlier parts, for a part of a split search.
    base: Option<Arc<Visited>>,
    /// Whether the model gave a configuration's fingerprint.
    fingerprinted: bool,
}

impl Dfs {
    /// Exploration with sleep-set reduction when `reduction`, and at most `bound` preemptions
    /// per run when given.
    pub fn new(reduction: bool, bound: Option<u32>) -> Self {
        Self {
            path: Vec::new(),
            depth: 0,
            sleep: Vec::new(),
            last: None,
            preemptions: 0,
            reduction,
            bound,
            started: false,
            stateful: false,
            pending: None,
            cache: Cache::default(),
            any_cut: false,
            claims: None,
            unkeyed: false,
            floor: 0,
            split: None,
            base: None,
            fingerprinted: false,
        }
    }

    /// Also skips the configurations earlier parts of a split search explored.
    pub fn with_visited(mut self, visited: Arc<Visited>) -> Self {
        self.base = Some(visited);
        self
    }

    /// Only the prefixes: each run stops at its first task choice at or below `depth` choice
    /// points (or ends before), and [`Dfs::prefixes`] gives every run's path. Under a bound, a
    /// prefix's explored siblings put nothing to sleep in its subtree: whether the bound cut
    /// something in theirs is known only once they are explored.
    pub fn splitting(mut self, depth: usize) -> Self {
        self.split = Some((depth, Vec::new()));
        self
    }

    /// Whether the model gave a configuration's fingerprint (a splitting search with states
    /// only asks, and caches nothing).
    pub fn fingerprinted(&self) -> bool {
        self.fingerprinted
    }

    /// The prefixes of a splitting search's runs, in the order of the whole search.
    pub fn prefixes(self) -> Vec<Prefix> {
        self.split.map_or_else(Vec::new, |(_, p)| p)
    }

    /// Explores only the subtree under `prefix`, as the whole search would have.
    pub fn rooted(mut self, prefix: Prefix) -> Self {
        self.floor = prefix.0.len();
        self.path = prefix.0;
        self
    }

    /// Also skips configurations explored already, when the model fingerprints its state.
    pub fn with_states(mut self) -> Self {
        self.stateful = true;
        self
    }

    /// Whether the reduction is in force.
    pub fn reduces(&self) -> bool {
        self.reduction
    }

    /// Also records every independence the reduction relies on, for [`crate::audit`]; needs
    /// state caching (a claim is kept once per configuration).
    pub fn with_audit(mut self) -> Self {
        self.claims = Some(Claims::default());
        self.with_states()
    }

    /// Whether some choice point had no fingerprint (the model gives none, or its sleep set
    /// did not fit the cache): the audit then cannot have seen every independence.
    pub fn unkeyed(&self) -> bool {
        self.unkeyed
    }

    /// The independences recorded for the audit so far.
    pub fn claims(&self) -> &[Claim] {
        self.claims.as_ref().map_or(&[], |c| &c.list)
    }

    /// The distinct configurations cached so far (0 for a stateless search).
    pub fn states(&self) -> u64 {
        self.cache.len() as u64
    }

    /// The preemption bound of the search.
    pub fn bound(&self) -> Option<u32> {
        self.bound
    }

    /// The number of choices on the current path.
    pub fn depth(&self) -> usize {
        self.path.len()
    }

    /// Whether the preemption bound has cut any run so far: when the search ends without a
    /// cut, it covered every schedule, bound or not.
    pub fn bound_cut(&self) -> bool {
        self.any_cut
    }

    fn is_preemption(last: Option<TaskId>, candidates: &[Candidate], i: usize) -> bool {
        last.is_some_and(|l| candidates[i].task != l && candidates.iter().any(|c| c.task == l))
    }

    fn within_bound(&self, node: &TaskNode, i: usize) -> bool {
        self.bound.is_none_or(|b| {
            node.preemptions + u32::from(Self::is_preemption(node.last, &node.candidates, i)) <= b
        })
    }

    /// The first option at or after `from` that is neither asleep nor done, within the bound.
    fn eligible(&self, node: &TaskNode, from: usize) -> Option<usize> {
        (from..node.candidates.len()).find(|&i| {
            let t = node.candidates[i].task;
            self.within_bound(node, i)
                && !node.sleep.iter().any(|s| s.task == t)
                && !node.done.iter().any(|d| d.task == t)
        })
    }

    /// The bound cut something below the first `depth` nodes of the path: none of their
    /// current children's subtrees may put its task to sleep.
    fn mark_cut(&mut self, depth: usize) {
        self.any_cut = true;
        for node in self.path[..depth].iter_mut().rev() {
            if let Node::Task(n) = node {
                if n.cut {
                    // Marked before, and so was everything above it.
                    break;
                }
                n.cut = true;
            }
        }
    }

    /// Moves to the next unexplored path; `false` when the search is complete.
    fn advance(&mut self) -> bool {
        if let Some((_, prefixes)) = &mut self.split {
            prefixes.push(Prefix(self.path.clone()));
        }
        while self.path.len() > self.floor {
            let Some(node) = self.path.pop() else {
                break;
            };
            match node {
                Node::Pick { of, chosen } if chosen + 1 < of => {
                    self.path.push(Node::Pick {
                        of,
                        chosen: chosen + 1,
                    });
                    return true;
                }
                Node::Pick { .. } => {}
                Node::Task(mut node) => {
                    let taken = node.candidates[node.chosen];
                    node.done.push(taken);
                    let unknown = self.split.is_some() && self.bound.is_some();
                    if !node.cut && !unknown {
                        node.covered.push(taken);
                    }
                    node.ever_cut |= node.cut;
                    node.cut = false;
                    if let Some(next) = self.eligible(&node, 0) {
                        node.chosen = next;
                        self.path.push(Node::Task(node));
                        return true;
                    }
                    if let Some(key) = node.key {
                        if let Some(visit) = self.cache.get_mut(&key) {
                            visit.cut |= node.ever_cut;
                        }
                    }
                }
            }
        }
        false
    }

    /// Steps `chosen` of `candidates`: the sleep set of what follows keeps only the sleepers
    /// (and, at a node, the explored siblings) independent of the step taken.
    fn take(&mut self, candidates: &[Candidate], chosen: usize, extra: &[Candidate]) {
        let c = candidates[chosen];
        if Self::is_preemption(self.last, candidates, chosen) {
            self.preemptions += 1;
        }
        self.last = Some(c.task);
        if self.reduction {
            self.sleep.extend_from_slice(extra);
            self.sleep.retain(|s| s.independent(&c));
        }
    }

    /// Records, for the audit, that the node at the current depth takes `c` while the sleepers
    /// (and the explored siblings `extra`) independent of it stay asleep: the independences
    /// the reduction relies on there, once per configuration.
    fn claim(&mut self, c: Candidate, extra: &[Candidate]) {
        let Node::Task(TaskNode { key: Some(key), .. }) = self.path[self.depth] else {
            return;
        };
        let prefix: Vec<u32> = self.path[..self.depth]
            .iter()
            .map(|n| match n {
                Node::Task(t) => t.chosen as u32,
                Node::Pick { chosen, .. } => *chosen,
            })
            .collect();
        let Some(claims) = self.claims.as_mut() else {
            return;
        };
        for s in self.sleep.iter().chain(extra) {
            if s.independent(&c) {
                claims.record(key, &prefix, c, *s);
            }
        }
    }

    /// The cache's key for the configuration `fingerprint` at the coming node: under a bound,
    /// with the preemptions used and the last task, which fix what the bound still allows.
    fn key(&self, fingerprint: Fingerprint) -> Fingerprint {
        match self.bound {
            None => fingerprint,
            Some(_) => crate::fingerprint::extend(fingerprint, |h| {
                h.write_u32(self.preemptions);
                h.write_u32(self.last.map_or(u32::MAX, |l| l));
            }),
        }
    }

    /// Looks the coming node's configuration up: `Err` when it was explored with a sleep set
    /// that is a subset of the current one (the run is pruned), else the key it is cached
    /// under (if any) after recording this visit.
    fn visit(&mut self) -> Result<Option<Fingerprint>, Explored> {
        let Some(fingerprint) = self.pending.take() else {
            return Ok(None);
        };
        if self.split.is_some() {
            return Ok(None);
        }
        let Some(sleep) = mask(&self.sleep) else {
            return Ok(None);
        };
        let key = self.key(fingerprint);
        let inherited = || self.base.as_ref().and_then(|b| b.0.get(&key)).copied();
        let explored = match self.cache.get(&key).copied().or_else(inherited) {
            Some(visit) if visit.sleep & !sleep == 0 => visit,
            Some(visit) => {
                let sleep = visit.sleep & sleep;
                self.cache.insert(key, Visit { sleep, ..visit });
                return Ok(Some(key));
            }
            None => {
                self.cache.insert(key, Visit { sleep, cut: false });
                return Ok(Some(key));
            }
        };
        if explored.cut {
            let depth = self.path.len();
            self.mark_cut(depth);
        }
        Err(Explored)
    }
}

/// The tasks of a sleep set as a mask, `None` when a task id does not fit in one.
fn mask(sleep: &[Candidate]) -> Option<u64> {
    sleep
        .iter()
        .try_fold(0u64, |m, s| (s.task < u64::BITS).then(|| m | 1 << s.task))
}

/// The coming configuration was explored already.
struct Explored;

impl Strategy for Dfs {
    fn next_run(&mut self) -> bool {
        if std::mem::replace(&mut self.started, true) && !self.advance() {
            return false;
        }
        self.depth = 0;
        self.sleep.clear();
        self.last = None;
        self.preemptions = 0;
        self.pending = None;
        true
    }

    fn fingerprints(&self) -> bool {
        self.stateful
    }

    fn wants_configuration(&self, candidates: &[Candidate]) -> bool {
        self.stateful && candidates.len() > 1 && self.depth == self.path.len()
    }

    fn configuration(&mut self, fingerprint: Fingerprint) {
        self.fingerprinted = true;
        self.pending = Some(fingerprint);
    }

    fn next_task(&mut self, candidates: &[Candidate]) -> Result<Option<usize>, Diverged> {
        if self.reduction {
            // A sleeper that can no longer step (or whose step changed) leaves the set.
            self.sleep.retain(|s| {
                candidates
                    .iter()
                    .any(|c| c.task == s.task && c.footprint == s.footprint)
            });
        }
        if candidates.len() == 1 {
            if self.sleep.iter().any(|s| s.task == candidates[0].task) {
                return Ok(None);
            }
            self.take(candidates, 0, &[]);
            return Ok(Some(0));
        }
        if self.depth == self.path.len() {
            if self.split.as_ref().is_some_and(|(d, _)| self.depth >= *d) {
                return Ok(None);
            }
            let Ok(key) = self.visit() else {
                return Ok(None);
            };
            self.unkeyed |= key.is_none();
            let mut node = TaskNode {
                candidates: candidates.to_vec(),
                sleep: self.sleep.clone(),
                done: Vec::new(),
                covered: Vec::new(),
                chosen: 0,
                last: self.last,
                preemptions: self.preemptions,
                cut: false,
                ever_cut: false,
                key,
            };
            let denied = (0..candidates.len()).any(|i| {
                !self.within_bound(&node, i)
                    && !node.sleep.iter().any(|s| s.task == candidates[i].task)
            });
            if denied {
                let depth = self.path.len();
                self.mark_cut(depth);
                node.ever_cut = true;
            }
            let Some(first) = self.eligible(&node, 0) else {
                if let Some(visit) = key.and_then(|k| self.cache.get_mut(&k)) {
                    visit.cut |= node.ever_cut;
                }
                return Ok(None);
            };
            node.chosen = first;
            self.path.push(Node::Task(node));
        }
        let Node::Task(node) = &self.path[self.depth] else {
            return Err(Diverged(
                "exploration expected a task choice, the run made a pick".into(),
            ));
        };
        if node.candidates.len() != candidates.len() {
            return Err(Diverged(
                "the model is not deterministic: a replayed choice point changed".into(),
            ));
        }
        let (chosen, mut extra) = (node.chosen, node.covered.clone());
        extra.retain(|d| !node.sleep.iter().any(|s| s.task == d.task));
        self.sleep = node.sleep.clone();
        if self.claims.is_some() {
            self.claim(candidates[chosen], &extra);
        }
        self.depth += 1;
        self.take(candidates, chosen, &extra);
        Ok(Some(chosen))
    }

    fn next_pick(&mut self, pick: Pick) -> Result<u32, Diverged> {
        let n = pick.of;
        if self.depth == self.path.len() {
            self.path.push(Node::Pick { of: n, chosen: 0 });
        }
        let Node::Pick { of, chosen } = self.path[self.depth] else {
            return Err(Diverged(
                "exploration expected a pick, the run made a task choice".into(),
            ));
        };
        if of != n {
            return Err(Diverged(
                "the model is not deterministic: a replayed pick changed".into(),
            ));
        }
        self.depth += 1;
        Ok(chosen)
    }
}
