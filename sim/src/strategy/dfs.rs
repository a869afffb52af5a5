//! Exhaustive depth-first search over every choice of a run: task orders and picks.
//!
//! Stateless, like loom and CHESS: each run replays the current path from the start and
//! extends it with first choices; the next run then backtracks to the deepest choice with an
//! alternative left. With reduction on, sleep sets (Godefroid, 1996) skip orders that only swap
//! independent steps: after the subtree of task `t` at a node is explored, `t` sleeps in its
//! siblings' subtrees until a step dependent on `t`'s pending step runs, since waking it earlier
//! would only reach states already explored. Independence comes from the steps' declared
//! footprints (see [`Candidate::independent`]).
//!
//! A preemption bound (CHESS's iterative context bounding) limits how many times a run may
//! switch away from a task that could have gone on. Sleep sets are switched off under a bound:
//! the two together can skip schedules that lie within the bound.

use super::{Candidate, Diverged, Pick, Strategy, TaskId};

/// One choice point of the current path.
#[derive(Clone, Debug)]
enum Node {
    Task {
        candidates: Vec<Candidate>,
        /// Asleep at this node: not to be chosen here.
        sleep: Vec<Candidate>,
        /// Explored here already.
        done: Vec<Candidate>,
        chosen: usize,
        /// The task that took the step before this node, and the preemptions so far.
        last: Option<TaskId>,
        preemptions: u32,
    },
    Pick {
        of: u32,
        chosen: u32,
    },
}

/// Exhaustive exploration: [`Strategy::next_run`] moves to the next unexplored path, and
/// returns `false` once every path has been run. A run cut short because every task that can
/// step is asleep ends pruned (`next_task` returns `None`): all it could still reach has been
/// explored from another order.
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
}

impl Dfs {
    /// Exploration with sleep-set reduction when `reduction`, and at most `bound` preemptions
    /// per run when given (which switches the reduction off).
    pub fn new(reduction: bool, bound: Option<u32>) -> Self {
        Self {
            path: Vec::new(),
            depth: 0,
            sleep: Vec::new(),
            last: None,
            preemptions: 0,
            reduction: reduction && bound.is_none(),
            bound,
            started: false,
        }
    }

    /// Whether the reduction is in force (it is not under a preemption bound).
    pub fn reduces(&self) -> bool {
        self.reduction
    }

    fn is_preemption(last: Option<TaskId>, candidates: &[Candidate], i: usize) -> bool {
        last.is_some_and(|l| candidates[i].task != l && candidates.iter().any(|c| c.task == l))
    }

    /// The first option at or after `from` that is neither asleep nor done, within the bound.
    fn eligible(&self, node: &Node, from: usize) -> Option<usize> {
        let Node::Task {
            candidates,
            sleep,
            done,
            last,
            preemptions,
            ..
        } = node
        else {
            return None;
        };
        (from..candidates.len()).find(|&i| {
            let t = candidates[i].task;
            let within = self.bound.is_none_or(|b| {
                preemptions + u32::from(Self::is_preemption(*last, candidates, i)) <= b
            });
            within && !sleep.iter().any(|s| s.task == t) && !done.iter().any(|d| d.task == t)
        })
    }

    /// Moves to the next unexplored path; `false` when the search is complete.
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
                Node::Task {
                    candidates,
                    sleep,
                    mut done,
                    chosen,
                    last,
                    preemptions,
                } => {
                    done.push(candidates[chosen]);
                    let mut node = Node::Task {
                        candidates,
                        sleep,
                        done,
                        chosen,
                        last,
                        preemptions,
                    };
                    if let Some(next) = self.eligible(&node, 0) {
                        if let Node::Task { chosen, .. } = &mut node {
                            *chosen = next;
                        }
                        self.path.push(node);
                        return true;
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
}

impl Strategy for Dfs {
    fn next_run(&mut self) -> bool {
        if std::mem::replace(&mut self.started, true) && !self.advance() {
            return false;
        }
        self.depth = 0;
        self.sleep.clear();
        self.last = None;
        self.preemptions = 0;
        true
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
            let node = Node::Task {
                candidates: candidates.to_vec(),
                sleep: self.sleep.clone(),
                done: Vec::new(),
                chosen: 0,
                last: self.last,
                preemptions: self.preemptions,
            };
            let Some(first) = self.eligible(&node, 0) else {
                return Ok(None);
            };
            let mut node = node;
            if let Node::Task { chosen, .. } = &mut node {
                *chosen = first;
            }
            self.path.push(node);
        }
        let Node::Task {
            candidates: recorded,
            done,
            sleep,
            chosen,
            ..
        } = &self.path[self.depth]
        else {
            return Err(Diverged(
                "exploration expected a task choice, the run made a pick".into(),
            ));
        };
        if recorded.len() != candidates.len() {
            return Err(Diverged(
                "the model is not deterministic: a replayed choice point changed".into(),
            ));
        }
        let (chosen, mut extra) = (*chosen, done.clone());
        extra.retain(|d| !sleep.iter().any(|s| s.task == d.task));
        self.sleep = sleep.clone();
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
