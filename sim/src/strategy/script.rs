//! A schedule written by a person: the task that takes each step, by name, and the option of
//! each pick. This is how scenarios state the interleaving of a seed report, step for step, as
//! the report tells it.

use super::{Candidate, Diverged, Once, Pick, Strategy};

/// One line of a script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScriptStep {
    /// The task with this name takes the next step.
    Task(&'static str),
    /// The next pick takes this option.
    Pick(u32),
}

/// Follows a [`ScriptStep`] list: each step must be taken by the named task, which must be able
/// to step. Picks not covered by a `Pick` line take option 0 (by convention the path without a
/// fault). When the script is used up, the lowest-numbered task that can step goes next, so a
/// script need only tell the race and can leave the rest of the run (the settle phase) alone.
#[derive(Clone, Debug)]
pub struct Script {
    steps: Vec<ScriptStep>,
    next: usize,
    once: Once,
}

impl Script {
    /// A strategy following `steps` exactly.
    pub fn new(steps: impl Into<Vec<ScriptStep>>) -> Self {
        Self {
            steps: steps.into(),
            next: 0,
            once: Once::default(),
        }
    }
}

impl Strategy for Script {
    fn next_run(&mut self) -> bool {
        self.next = 0;
        self.once.next()
    }

    fn next_task(&mut self, candidates: &[Candidate]) -> Result<Option<usize>, Diverged> {
        match self.steps.get(self.next) {
            None => Ok(Some(0)),
            Some(&ScriptStep::Task(name)) => {
                let i = candidates
                    .iter()
                    .position(|c| c.name == name)
                    .ok_or_else(|| {
                        let can: Vec<&str> = candidates.iter().map(|c| c.name).collect();
                        Diverged(format!(
                            "script step {}: task `{name}` cannot step now (can: {})",
                            self.next + 1,
                            can.join(", ")
                        ))
                    })?;
                self.next += 1;
                Ok(Some(i))
            }
            Some(ScriptStep::Pick(v)) => Err(Diverged(format!(
                "script step {}: expected a pick (option {v}) but the run takes a step",
                self.next + 1
            ))),
        }
    }

    fn next_pick(&mut self, pick: Pick) -> Result<u32, Diverged> {
        let (label, n) = (pick.label, pick.of);
        match self.steps.get(self.next) {
            Some(&ScriptStep::Pick(v)) if v < n => {
                self.next += 1;
                Ok(v)
            }
            Some(&ScriptStep::Pick(v)) => Err(Diverged(format!(
                "script step {}: option {v} of pick `{label}`, which offers {n}",
                self.next + 1
            ))),
            _ => Ok(0),
        }
    }

    fn finish(&mut self) -> Result<(), Diverged> {
        if self.next < self.steps.len() {
            return Err(Diverged(format!(
                "the run ended before script step {} of {}",
                self.next + 1,
                self.steps.len()
            )));
        }
        Ok(())
    }
}
