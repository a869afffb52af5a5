//! Replay of recorded schedules: strictly, every choice must fit and all must be used;
//! leniently, for each schedule of a list in turn (shrinking's candidates); or extending one
//! past its ends (a schedule replayed on another variant).

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
/// [`Replay::each_lenient`] replays a list, one run per schedule. [`Replay::extending`] sits
/// between strict and lenient: for a schedule recorded on one variant and replayed on another,
/// whose run may break (or end) earlier or go on longer.
#[derive(Clone, Debug)]
pub struct Replay {
    schedules: Vec<Schedule>,
    /// The schedule of the current run.
    index: usize,
    started: bool,
    next: usize,
    fit: Fit,
    /// Choices made by option 0 after the schedule ran out (extending only).
    added: usize,
}

impl Replay {
    /// Replays `schedule` strictly.
    pub fn new(schedule: Schedule) -> Self {
        Self {
            schedules: vec![schedule],
            index: 0,
            started: false,
            next: 0,
            fit: Fit::Strict,
            added: 0,
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
            fit: Fit::Lenient,
            ..Self::new(Schedule::default())
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

    /// The choices of the current run's schedule that the run used.
    pub fn used(&self) -> usize {
        self.next.min(self.choices().len())
    }

    /// The choices the current run made by option 0 after its schedule ran out (extending
    /// only).
    pub fn added(&self) -> usize {
        self.added
    }

    fn choices(&self) -> &[u32] {
        self.schedules.get(self.index).map_or(&[], |s| s.choices())
    }

    fn take(&mut self, n: u32, what: &str) -> Result<u32, Diverged> {
        let recorded = self.choices().get(self.next).copied();
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
    fn next_run(&mut self) -> bool {
        if std::mem::replace(&mut self.started, true) {
            self.index += 1;
        }
        self.next = 0;
        self.added = 0;
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
        assert!(r.next_run());
        assert_eq!(r.next_task(&candidates(2)), Ok(Some(1)));
        assert_eq!(r.next_task(&candidates(3)), Ok(Some(1)));
        assert_eq!(r.next_task(&candidates(3)), Ok(Some(0)));
        assert_eq!(r.next_task(&candidates(1)), Ok(Some(0)));
        assert_eq!((r.used(), r.added()), (2, 1));
        assert_eq!(r.finish(), Ok(()));
        assert!(!r.next_run(), "a replay is one run");
        // A run that ends first leaves choices unused without diverging.
        let mut r = Replay::extending(schedule.clone());
        assert_eq!(r.next_task(&candidates(2)), Ok(Some(1)));
        assert_eq!((r.used(), r.added()), (1, 0));
        assert_eq!(r.finish(), Ok(()));
        // Strict replay refuses the unused choice; a choice out of range fits neither.
        let mut strict = Replay::new(schedule);
        assert_eq!(strict.next_task(&candidates(2)), Ok(Some(1)));
        assert!(strict.finish().is_err());
        let mut r = Replay::extending(Schedule::from_choices(vec![2]));
        assert!(r.next_task(&candidates(2)).is_err());
    }
}
