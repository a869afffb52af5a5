//! Replay of a recorded schedule: strictly, leniently (for shrinking), or extending it past its
//! ends (for a schedule replayed on another variant).

use super::{Candidate, Diverged, Pick, Strategy};
use crate::schedule::Schedule;

/// How a [`Replay`] treats a schedule that does not fit the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fit {
    /// Every choice must fit, and all must be used.
    Strict,
    /// Option 0 wherever the schedule is out of range or used up.
    Lenient,
    /// Every choice must fit; the run may end before the schedule does, and goes on past it
    /// with option 0.
    Extend,
}

/// Follows a recorded [`Schedule`]. Strict by default: fails with [`Diverged`] when a recorded
/// choice is out of range, when the schedule runs out, or when choices are left over at the
/// end; any of these means the schedule was recorded for another scenario, workload, variant
/// or model version. [`Replay::lenient`] instead takes option 0 wherever the schedule does not
/// fit, which is what shrinking needs: any edit of a schedule still names a run.
/// [`Replay::extending`] sits between: for a schedule recorded on one variant and replayed on
/// another, whose run may break (or end) earlier or go on longer.
#[derive(Clone, Debug)]
pub struct Replay {
    schedule: Schedule,
    next: usize,
    fit: Fit,
    added: usize,
}

impl Replay {
    /// Replays `schedule` strictly.
    pub fn new(schedule: Schedule) -> Self {
        Self {
            schedule,
            next: 0,
            fit: Fit::Strict,
            added: 0,
        }
    }

    /// Replays `schedule`, taking option 0 where it is out of range or used up.
    pub fn lenient(schedule: Schedule) -> Self {
        Self {
            fit: Fit::Lenient,
            ..Self::new(schedule)
        }
    }

    /// Replays `schedule` as far as the run goes. Every recorded choice must fit, but a run
    /// that ends first (it broke an invariant, or needs fewer choices) leaves the rest unused,
    /// and once the schedule runs out the run goes on by a fixed rule: option 0, that is the
    /// first task that can step in spawn order, and the first option of every pick.
    /// [`Self::used`] and [`Self::added`] tell what happened.
    pub fn extending(schedule: Schedule) -> Self {
        Self {
            fit: Fit::Extend,
            ..Self::new(schedule)
        }
    }

    /// The schedule's choices the last run used.
    pub fn used(&self) -> usize {
        self.next.min(self.schedule.len())
    }

    /// The choices the last run made by option 0 after the schedule ran out (extending only).
    pub fn added(&self) -> usize {
        self.added
    }

    fn take(&mut self, n: u32, what: &str) -> Result<u32, Diverged> {
        let recorded = self.schedule.choices().get(self.next).copied();
        self.next += 1;
        match (recorded, self.fit) {
            (Some(c), _) if c < n => Ok(c),
            (_, Fit::Lenient) => Ok(0),
            (None, Fit::Extend) => {
                self.added += 1;
                Ok(0)
            }
            (None, Fit::Strict) => Err(Diverged(format!(
                "the schedule ended after {} choices, but the run needs another ({what} among {n})",
                self.next - 1
            ))),
            (Some(c), _) => Err(Diverged(format!(
                "choice {} of the schedule is {c}, but the run offers only {n} ({what})",
                self.next
            ))),
        }
    }
}

impl Strategy for Replay {
    fn begin(&mut self) {
        self.next = 0;
        self.added = 0;
    }

    fn next_task(&mut self, candidates: &[Candidate]) -> Result<usize, Diverged> {
        match candidates.len() {
            1 => Ok(0),
            n => self.take(n as u32, "tasks").map(|c| c as usize),
        }
    }

    fn next_pick(&mut self, pick: Pick) -> Result<u32, Diverged> {
        self.take(pick.of, pick.label)
    }

    fn finish(&mut self) -> Result<(), Diverged> {
        let left = self.schedule.len().saturating_sub(self.next);
        if left > 0 && self.fit == Fit::Strict {
            return Err(Diverged(format!(
                "the run ended with {left} choices of the schedule unused"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::footprint::Footprint;

    fn candidates(n: u32) -> Vec<Candidate> {
        (0..n)
            .map(|task| Candidate {
                task,
                name: "t",
                label: "step",
                footprint: Footprint::read("x"),
                synchronizes: false,
            })
            .collect()
    }

    #[test]
    fn extending_goes_past_the_end_with_option_0_and_leaves_the_rest_unused() {
        let schedule = Schedule::from_choices(vec![1, 1]);
        let mut r = Replay::extending(schedule.clone());
        r.begin();
        assert_eq!(r.next_task(&candidates(2)), Ok(1));
        assert_eq!(r.next_task(&candidates(3)), Ok(1));
        assert_eq!(r.next_task(&candidates(3)), Ok(0));
        assert_eq!(r.next_task(&candidates(1)), Ok(0));
        assert_eq!((r.used(), r.added()), (2, 1));
        assert_eq!(r.finish(), Ok(()));
        // A run that ends first leaves choices unused without diverging.
        r.begin();
        assert_eq!(r.next_task(&candidates(2)), Ok(1));
        assert_eq!((r.used(), r.added()), (1, 0));
        assert_eq!(r.finish(), Ok(()));
        // Strict replay refuses the unused choice; a choice out of range fits neither.
        let mut strict = Replay::new(schedule);
        strict.begin();
        assert_eq!(strict.next_task(&candidates(2)), Ok(1));
        assert!(strict.finish().is_err());
        let mut r = Replay::extending(Schedule::from_choices(vec![2]));
        r.begin();
        assert!(r.next_task(&candidates(2)).is_err());
    }
}
