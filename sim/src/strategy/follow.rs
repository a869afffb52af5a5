//! Following a recorded trace by task: the same task takes each step, and each task's picks
//! take the same options in its own order. Where a pick falls between other tasks' steps may
//! differ between engines (madsim first polls tasks in its own order), so picks are matched by
//! task, not by position.
//!
//! Strict, to confirm another engine's run on this one; [`Follow::lenient`] follows as far as
//! the run allows, to lay one variant's race over another variant's steps.

use super::{Candidate, Diverged, Once, Pick, Strategy};
use crate::trace::{Event, Trace};

/// Follows a trace's steps and picks; see the module documentation.
#[derive(Clone, Debug)]
pub struct Follow {
    steps: Vec<&'static str>,
    next: usize,
    /// Each pick: the task that made it, the option, whether it was used in this run.
    picks: Vec<(&'static str, u32, bool)>,
    lenient: bool,
    once: Once,
}

impl Follow {
    /// Follows `trace` exactly.
    pub fn new(trace: &Trace) -> Self {
        let name = |task: &u32| trace.tasks[*task as usize];
        let steps = trace
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Step { task, .. } => Some(name(task)),
                _ => None,
            })
            .collect();
        let picks = trace
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Pick { task, chosen, .. } => Some((name(task), *chosen, false)),
                _ => None,
            })
            .collect();
        Self {
            steps,
            next: 0,
            picks,
            lenient: false,
            once: Once::default(),
        }
    }

    /// Follows `trace` as far as the run allows: a task that cannot step is skipped over, a
    /// pick not in the trace takes option 0, and what is left at the end is ignored.
    pub fn lenient(trace: &Trace) -> Self {
        Self {
            lenient: true,
            ..Self::new(trace)
        }
    }
}

impl Strategy for Follow {
    fn next_run(&mut self) -> bool {
        self.next = 0;
        self.picks.iter_mut().for_each(|p| p.2 = false);
        self.once.next()
    }

    fn next_task(&mut self, candidates: &[Candidate]) -> Result<Option<usize>, Diverged> {
        while let Some(&name) = self.steps.get(self.next) {
            self.next += 1;
            if let Some(i) = candidates.iter().position(|c| c.name == name) {
                return Ok(Some(i));
            }
            if !self.lenient {
                return Err(Diverged(format!(
                    "step {}: task `{name}` cannot step here",
                    self.next
                )));
            }
        }
        if self.lenient {
            return Ok(Some(0));
        }
        Err(Diverged(format!(
            "the run goes on after the trace's {} steps",
            self.steps.len()
        )))
    }

    fn next_pick(&mut self, pick: Pick) -> Result<u32, Diverged> {
        let found = self.picks.iter_mut().find(|p| !p.2 && p.0 == pick.name);
        match found {
            Some(p) if p.1 < pick.of => {
                p.2 = true;
                Ok(p.1)
            }
            _ if self.lenient => Ok(0),
            _ => Err(Diverged(format!(
                "task `{}` picks `{}`, which the trace does not give it",
                pick.name, pick.label
            ))),
        }
    }

    fn finish(&mut self) -> Result<(), Diverged> {
        let unused = self.picks.iter().filter(|p| !p.2).count();
        if self.lenient || (self.next == self.steps.len() && unused == 0) {
            return Ok(());
        }
        Err(Diverged(format!(
            "the run ended after {} of the trace's {} steps, with {unused} picks unused",
            self.next,
            self.steps.len()
        )))
    }
}
