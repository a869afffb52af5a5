//! Replay of recorded schedules: strictly, every choice must fit and all must be used; or
//! leniently, for each schedule of a list in turn (shrinking's candidates).

use super::{Candidate, Diverged, Pick, Strategy};
use crate::schedule::Schedule;

/// Follows a recorded [`Schedule`]. Strict by default: fails with [`Diverged`] when a recorded
/// choice is out of range, when the schedule runs out, or when choices are left over at the
/// end; any of these means the schedule was recorded for another scenario, workload, variant
/// or model version. [`Replay::lenient`] instead takes option 0 wherever the schedule does not
/// fit, which is what shrinking needs: any edit of a schedule still names a run.
/// [`Replay::each_lenient`] replays a list, one run per schedule.
#[derive(Clone, Debug)]
pub struct Replay {
    schedules: Vec<Schedule>,
    /// The schedule of the current run.
    index: usize,
    started: bool,
    next: usize,
    lenient: bool,
}

impl Replay {
    /// Replays `schedule` strictly.
    pub fn new(schedule: Schedule) -> Self {
        Self {
            schedules: vec![schedule],
            index: 0,
            started: false,
            next: 0,
            lenient: false,
        }
    }

    /// Replays `schedule`, taking option 0 where it is out of range or used up.
    pub fn lenient(schedule: Schedule) -> Self {
        Self::each_lenient(vec![schedule])
    }

    /// Replays each of `schedules` leniently, one run each, in order.
    pub fn each_lenient(schedules: Vec<Schedule>) -> Self {
        Self {
            schedules,
            index: 0,
            started: false,
            next: 0,
            lenient: true,
        }
    }

    fn choices(&self) -> &[u32] {
        self.schedules.get(self.index).map_or(&[], |s| s.choices())
    }

    fn take(&mut self, n: u32, what: &str) -> Result<u32, Diverged> {
        if self.lenient {
            let c = self.choices().get(self.next).copied().unwrap_or(0);
            self.next += 1;
            return Ok(if c < n { c } else { 0 });
        }
        let Some(&c) = self.choices().get(self.next) else {
            return Err(Diverged(format!(
                "the schedule ended after {} choices, but the run needs another ({what} among {n})",
                self.next
            )));
        };
        if c >= n {
            return Err(Diverged(format!(
                "choice {} of the schedule is {c}, but the run offers only {n} ({what})",
                self.next + 1
            )));
        }
        self.next += 1;
        Ok(c)
    }
}

impl Strategy for Replay {
    fn next_run(&mut self) -> bool {
        if std::mem::replace(&mut self.started, true) {
            self.index += 1;
        }
        self.next = 0;
        self.index < self.schedules.len()
    }

    fn next_task(&mut self, candidates: &[Candidate]) -> Result<Option<usize>, Diverged> {
        match candidates.len() {
            1 => Ok(Some(0)),
            n => self.take(n as u32, "tasks").map(|c| Some(c as usize)),
        }
    }

    fn next_pick(&mut self, pick: Pick) -> Result<u32, Diverged> {
        self.take(pick.of, pick.label)
    }

    fn finish(&mut self) -> Result<(), Diverged> {
        let left = self.choices().len().saturating_sub(self.next);
        if left > 0 && !self.lenient {
            return Err(Diverged(format!(
                "the run ended with {left} choices of the schedule unused"
            )));
        }
        Ok(())
    }
}
