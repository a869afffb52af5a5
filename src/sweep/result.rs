//! What a sweep found, per unit and per row, and how partial results merge.
//!
//! Merging is associative and order-free: counts add, the first failing seed is the least,
//! the shortest failure is the least by (steps, seed). That is what makes results independent
//! of `--jobs` and of the shard split.

use raceway_sim::{Kind, Schedule, Verdict, Violation};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The schedule of a madsim failure that the native engine did not reproduce.
pub const NOT_REPRODUCED: &str = "not reproduced natively";

/// A failing run, replayable from its schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub seed: u64,
    pub steps: u32,
    pub kind: Kind,
    pub invariant: String,
    pub message: String,
    pub schedule: String,
}

impl Failure {
    pub fn new(seed: u64, verdict: &Verdict, violation: &Violation, schedule: &Schedule) -> Self {
        Failure {
            seed,
            steps: verdict.steps,
            kind: violation.kind,
            invariant: violation.invariant.to_string(),
            message: violation.message.clone(),
            schedule: schedule.to_string(),
        }
    }
}

/// The findings of some runs of one row.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Findings {
    pub runs: u64,
    pub steps: u64,
    pub violations: u64,
    /// Violations by invariant name.
    pub by_invariant: BTreeMap<String, u64>,
    /// The failing run with the least seed.
    pub first: Option<Failure>,
    /// The failing run with the fewest steps (then the least seed).
    pub shortest: Option<Failure>,
}

impl Findings {
    /// Adds one run's outcome. Only a failing run allocates.
    pub fn add(&mut self, seed: u64, verdict: &Verdict, schedule: &Schedule) {
        self.runs += 1;
        self.steps += u64::from(verdict.steps);
        let Some(v) = &verdict.violation else { return };
        self.violations += 1;
        *self
            .by_invariant
            .entry(v.invariant.to_string())
            .or_default() += 1;
        let better_first = self.first.as_ref().is_none_or(|f| seed < f.seed);
        let better_short = self
            .shortest
            .as_ref()
            .is_none_or(|f| (verdict.steps, seed) < (f.steps, f.seed));
        if better_first || better_short {
            let failure = Failure::new(seed, verdict, v, schedule);
            if better_short {
                self.shortest = Some(failure.clone());
            }
            if better_first {
                self.first = Some(failure);
            }
        }
    }

    /// Folds `other` (runs of other seeds of the same row) into this; `Err` if a count would
    /// overflow (only counts read from files can be that large).
    pub fn merge(&mut self, other: Findings) -> anyhow::Result<()> {
        let add = |a: u64, b: u64, what: &str| {
            a.checked_add(b)
                .ok_or_else(|| anyhow::anyhow!("the {what} counts add up beyond 2^64"))
        };
        self.runs = add(self.runs, other.runs, "run")?;
        self.steps = add(self.steps, other.steps, "step")?;
        self.violations = add(self.violations, other.violations, "violation")?;
        for (k, n) in other.by_invariant {
            let count = self.by_invariant.entry(k).or_default();
            *count = add(*count, n, "violation")?;
        }
        if let Some(f) = other.first {
            if self.first.as_ref().is_none_or(|s| f.seed < s.seed) {
                self.first = Some(f);
            }
        }
        if let Some(f) = other.shortest {
            if self
                .shortest
                .as_ref()
                .is_none_or(|s| (f.steps, f.seed) < (s.steps, s.seed))
            {
                self.shortest = Some(f);
            }
        }
        Ok(())
    }
}
