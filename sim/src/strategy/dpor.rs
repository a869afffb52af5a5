//! Source-set dynamic partial-order reduction (source-DPOR; Abdulla, Aronis, Jonsson and
//! Sagonas, "Optimal dynamic partial order reduction", POPL 2014, Algorithm 1), with sleep
//! sets, stateless.
//!
//! [`Dfs`](super::Dfs) with sleep sets starts a run at every alternative of every choice and
//! lets the sleep sets cut the runs that only swap independent steps; many of those runs are
//! started only to be cut. DPOR starts a run only where a finished run shows a reason: after
//! each run it finds the *races* of that run, pairs of dependent steps of different tasks with
//! nothing ordering them in between, and for each race makes sure that the choice point before
//! the first step of the race also explores a task that can start the reversed order (an
//! *initial* of the steps that do not depend on the first one, followed by the second). A
//! choice point explores only the tasks so added, besides its first.
//!
//! Dependence is what the reduction trusts: two steps of different tasks depend on each other
//! when their footprints conflict, or when either synchronises (see
//! [`Candidate::synchronizes`]). What only *enables* a step (a lock freed within another
//! task's step, a join, a timer, the settle phase's start) is in no footprint, so a race may
//! ask for a task that cannot step at the choice point it concerns; every task that can step
//! there is then explored (Flanagan and Godefroid's fallback, POPL 2005), which only adds
//! exploration. The catalog's tests and a property test over random programs with locks check
//! the result against the plain search: the same final states and violations.
//!
//! What it does not do: state caching (DPOR and a state cache together are unsound without the
//! extra bookkeeping of Yang, Chen, Gopalakrishnan and Kirby, SPIN 2008, which this does not
//! implement) and preemption bounds (bounded DPOR needs the care of Coons, Musuvathi and
//! McKinley, OOPSLA 2013); exploration refuses both with DPOR.

use super::{Candidate, Diverged, Pick, Strategy, TaskId};

/// One choice point of the current path.
#[derive(Clone, Debug)]
enum Node {
    Task(TaskNode),
    Pick { of: u32, chosen: u32 },
}

/// A step of the path: who could step, who steps, who is still to.
#[derive(Clone, Debug)]
struct TaskNode {
    candidates: Vec<Candidate>,
    /// The tasks to explore here: the first chosen, and those races added.
    backtrack: Vec<TaskId>,
    /// Explored here already (their candidates, for the sleep sets of later siblings).
    done: Vec<Candidate>,
    /// Asleep on arrival: not to be explored here.
    sleep: Vec<Candidate>,
    chosen: usize,
}

impl TaskNode {
    fn taken(&self) -> Candidate {
        self.candidates[self.chosen]
    }

    fn can_step(&self, task: TaskId) -> bool {
        self.candidates.iter().any(|c| c.task == task)
    }

    /// The next task of the backtrack set that is neither explored nor asleep.
    fn next_to_explore(&self) -> Option<usize> {
        self.backtrack.iter().find_map(|&t| {
            let open =
                !self.done.iter().any(|d| d.task == t) && !self.sleep.iter().any(|s| s.task == t);
            open.then(|| self.candidates.iter().position(|c| c.task == t))
                .flatten()
        })
    }
}

/// A step of a finished run, as the race analysis sees it.
#[derive(Clone, Copy, Debug)]
struct Step {
    candidate: Candidate,
    /// Its node's index in the path.
    node: usize,
}

/// The happens-before order of a finished run's steps. Consecutive runs share the prefix of
/// the path up to the choice that changed, so the rows of those steps are kept and only the
/// new steps are ordered and searched for races.
#[derive(Clone, Debug, Default)]
struct Analysis {
    steps: Vec<Step>,
    /// The steps at the start of `steps` that the previous analysis ordered already.
    kept: usize,
    /// `depends[k]`: the earlier steps of other tasks that step `k` depends on.
    depends: Vec<Vec<usize>>,
    /// `clocks[k][t]`: how many of task `t`'s steps happen before step `k` (or are it): a
    /// vector clock (missing entries are 0).
    clocks: Vec<Vec<u32>>,
    /// `own[k]`: step `k` is its task's `own[k]`-th step.
    own: Vec<u32>,
    /// `previous[k]`: the step before `k` of the same task, if any.
    previous: Vec<Option<usize>>,
}

impl Analysis {
    /// Task `t`'s count in step `k`'s clock.
    fn clock(&self, k: usize, t: usize) -> u32 {
        self.clocks[k].get(t).copied().unwrap_or(0)
    }

    /// Orders the steps after the kept prefix: their dependences and vector clocks.
    fn order(&mut self) {
        let (n, kept) = (self.steps.len(), self.kept.min(self.steps.len()));
        self.depends.truncate(kept);
        self.clocks.truncate(kept);
        self.own.truncate(kept);
        self.previous.truncate(kept);
        let tasks = self
            .steps
            .iter()
            .map(|s| s.candidate.task as usize + 1)
            .max()
            .unwrap_or(0);
        let mut last: Vec<Option<usize>> = vec![None; tasks];
        for (k, step) in self.steps[..kept].iter().enumerate() {
            last[step.candidate.task as usize] = Some(k);
        }
        for k in kept..n {
            let step = self.steps[k].candidate;
            let t = step.task as usize;
            let mut clock = vec![0u32; tasks];
            if let Some(p) = last[t] {
                for (c, &x) in clock.iter_mut().zip(&self.clocks[p]) {
                    *c = x;
                }
            }
            let mut depends = Vec::new();
            for i in 0..k {
                let other = self.steps[i].candidate;
                if other.task != step.task && !other.independent(&step) {
                    depends.push(i);
                    for (c, &x) in clock.iter_mut().zip(&self.clocks[i]) {
                        *c = (*c).max(x);
                    }
                }
            }
            let own = last[t].map_or(1, |p| self.own[p] + 1);
            clock[t] = own;
            self.own.push(own);
            self.previous.push(last[t]);
            self.depends.push(depends);
            self.clocks.push(clock);
            last[t] = Some(k);
        }
    }

    /// Whether step `i` happens before step `k` (or is it).
    fn before(&self, i: usize, k: usize) -> bool {
        self.clock(k, self.steps[i].candidate.task as usize) >= self.own[i]
    }

    /// The steps `i < j` that race with `j`, into `out`: they depend on each other and
    /// nothing between them orders them (no other step that `j` depends on, nor `j`'s previous
    /// step, happens after `i`). A step `k` that happens after `i` has `i` in its clock, so it
    /// is enough to know, for each task, the largest count any such `k` has of it, and the
    /// second largest (for when `i` itself holds the largest).
    fn races_with(&self, j: usize, out: &mut Vec<usize>) {
        out.clear();
        let tasks = self.clocks[j].len();
        // Per task: (largest count, the step holding it, second largest).
        let mut best = vec![(0u32, usize::MAX, 0u32); tasks];
        for &k in self.depends[j].iter().chain(&self.previous[j]) {
            for (u, b) in best.iter_mut().enumerate() {
                let c = self.clock(k, u);
                if c > b.0 {
                    *b = (c, k, b.0);
                } else if c > b.2 {
                    b.2 = c;
                }
            }
        }
        for &i in &self.depends[j] {
            let (first, holder, second) = best[self.steps[i].candidate.task as usize];
            let reach = if holder == i { second } else { first };
            if reach < self.own[i] {
                out.push(i);
            }
        }
    }
}

/// Exhaustive exploration under source-DPOR with sleep sets: [`Strategy::next_run`] analyses
/// the run that ended, then moves to the next choice a race asked for; `false` once there is
/// none. A run whose every task that can step is asleep ends pruned, as under [`Dfs`].
///
/// [`Dfs`]: super::Dfs
#[derive(Clone, Debug, Default)]
pub struct Dpor {
    path: Vec<Node>,
    depth: usize,
    sleep: Vec<Candidate>,
    started: bool,
    analysis: Analysis,
}

impl Dpor {
    /// A new search, before its first run.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of choices on the current path.
    pub fn depth(&self) -> usize {
        self.path.len()
    }

    /// Collects the steps the last run took, up to where it ended, into the analysis' buffer.
    fn collect_steps(&mut self) {
        let steps = &mut self.analysis.steps;
        steps.clear();
        for (i, node) in self.path[..self.depth].iter().enumerate() {
            let Node::Task(n) = node else { continue };
            if n.chosen >= n.candidates.len() {
                // The node where a pruned run ended: nothing was taken there.
                break;
            }
            steps.push(Step {
                candidate: n.taken(),
                node: i,
            });
        }
    }

    /// Finds the races of the last run and adds, at the choice point before the first step of
    /// each, a task that starts its reversal (unless one is there already).
    fn analyse(&mut self) {
        self.collect_steps();
        self.analysis.order();
        let mut racing = Vec::new();
        // Races that end in the kept prefix were reversed after an earlier run.
        for j in self.analysis.kept..self.analysis.steps.len() {
            self.analysis.races_with(j, &mut racing);
            for &i in &racing {
                let choice = &self.path[self.analysis.steps[i].node];
                // Nothing can be reversed where only one task could step.
                if !matches!(choice, Node::Task(t) if t.candidates.len() == 1) {
                    self.reverse(i, j);
                }
            }
        }
    }

    /// Makes the choice point before step `i` explore a task that can start `j` ahead of `i`.
    fn reverse(&mut self, i: usize, j: usize) {
        let a = &self.analysis;
        // v: the steps after i that do not happen after it, then j. Its initials: the tasks
        // whose first step in v happens after no step of v. Only a task's first step in v can
        // be one, and a step of v happens before it exactly when the first step in v of that
        // step's task does.
        let mut firsts: Vec<usize> = Vec::new();
        for k in (i + 1..j).filter(|&k| !a.before(i, k)).chain([j]) {
            let task = a.steps[k].candidate.task;
            if !firsts.iter().any(|&f| a.steps[f].candidate.task == task) {
                firsts.push(k);
            }
        }
        let initials: Vec<TaskId> = firsts
            .iter()
            .filter(|&&k| !firsts.iter().any(|&e| e != k && a.before(e, k)))
            .map(|&k| a.steps[k].candidate.task)
            .collect();
        let Node::Task(node) = &mut self.path[a.steps[i].node] else {
            unreachable!("a step's node is a task node")
        };
        if node.backtrack.iter().any(|t| initials.contains(t)) {
            return;
        }
        match initials.iter().find(|&&t| node.can_step(t)) {
            Some(&t) => node.backtrack.push(t),
            None => {
                for c in &node.candidates {
                    if !node.backtrack.contains(&c.task) {
                        node.backtrack.push(c.task);
                    }
                }
            }
        }
    }

    /// Moves to the next choice some race asked for; `false` when there is none.
    fn advance(&mut self) -> bool {
        while let Some(node) = self.path.pop() {
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
                    if node.chosen < node.candidates.len() {
                        let taken = node.taken();
                        node.done.push(taken);
                    }
                    if let Some(next) = node.next_to_explore() {
                        node.chosen = next;
                        self.path.push(Node::Task(node));
                        return true;
                    }
                }
            }
        }
        false
    }
}

impl Strategy for Dpor {
    fn next_run(&mut self) -> bool {
        if std::mem::replace(&mut self.started, true) {
            self.analyse();
            self.path.truncate(self.depth);
            if !self.advance() {
                return false;
            }
            // The steps before the choice that changed stay, and so do their rows.
            let changed = self.path.len() - 1;
            self.analysis.kept = self.path[..changed]
                .iter()
                .filter(|n| matches!(n, Node::Task(_)))
                .count();
        }
        self.depth = 0;
        self.sleep.clear();
        true
    }

    fn next_task(&mut self, candidates: &[Candidate]) -> Result<Option<usize>, Diverged> {
        // A sleeper that can no longer step (or whose step changed) leaves the set.
        self.sleep.retain(|s| {
            candidates
                .iter()
                .any(|c| c.task == s.task && c.footprint == s.footprint)
        });
        if self.depth == self.path.len() {
            let first = candidates
                .iter()
                .position(|c| !self.sleep.iter().any(|s| s.task == c.task));
            let node = TaskNode {
                candidates: candidates.to_vec(),
                backtrack: first.map(|f| vec![candidates[f].task]).unwrap_or_default(),
                done: Vec::new(),
                sleep: self.sleep.clone(),
                // Past the end when every task is asleep: the run ends pruned here.
                chosen: first.unwrap_or(candidates.len()),
            };
            self.path.push(Node::Task(node));
            if first.is_none() {
                self.depth += 1;
                return Ok(None);
            }
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
        let chosen = node.chosen;
        let taken = candidates[chosen];
        // The sleepers on arrival and the siblings explored before, if independent of the
        // step taken, sleep on below.
        let mut sleep = node.sleep.clone();
        sleep.extend(
            node.done
                .iter()
                .filter(|d| !node.sleep.iter().any(|s| s.task == d.task)),
        );
        sleep.retain(|s| s.independent(&taken));
        self.sleep = sleep;
        self.depth += 1;
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
