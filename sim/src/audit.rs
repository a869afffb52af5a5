//! Audited footprints: every independence a reduction relied on, checked by running both
//! orders.
//!
//! Sleep sets skip an order because two steps were declared independent (their footprints do
//! not conflict). Footprints are written by hand, so a wrong one would turn a missed race into
//! a proof. With [`Options::audit`](crate::explore::Options::audit), exploration records each
//! pair of steps it treated as independent at a configuration (once per configuration), and
//! the audit runs both orders from there: they must reach the same configuration fingerprint,
//! which covers the model's state, each task's observed results and the engine's state. A
//! failure names the two steps and their declared footprints.

use crate::drive::drive;
use crate::fingerprint::Fingerprint;
use crate::runner::Simulation;
use crate::strategy::{Candidate, Diverged, Once, Pick, Strategy, TaskId};
use std::collections::HashSet;
use std::fmt;
use std::ops::ControlFlow;

/// Two steps exploration treated as independent where the run reached `prefix`.
#[derive(Clone, Debug)]
pub struct Claim {
    /// The choices (task indexes and picks, as in a [`Schedule`](crate::Schedule)) that reach
    /// the configuration.
    pub prefix: Vec<u32>,
    /// The step taken there.
    pub first: Candidate,
    /// A step kept asleep across it.
    pub second: Candidate,
}

/// The claims of one search, each once per (configuration, step, step).
#[derive(Clone, Debug, Default)]
pub(crate) struct Claims {
    pub(crate) list: Vec<Claim>,
    seen: HashSet<(Fingerprint, TaskId, TaskId)>,
}

impl Claims {
    pub(crate) fn record(
        &mut self,
        at: Fingerprint,
        prefix: &[u32],
        first: Candidate,
        second: Candidate,
    ) {
        if self.seen.insert((at, first.task, second.task)) {
            self.list.push(Claim {
                prefix: prefix.to_vec(),
                first,
                second,
            });
        }
    }
}

/// What the audit checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Audit {
    /// Independences confirmed: both orders reached the same configuration.
    pub checked: u64,
    /// Independences that could not be compared because a run ended (a violation, the end of
    /// the workload) right after one of the two steps.
    pub unchecked: u64,
    /// The first independence that does not hold.
    pub failure: Option<AuditFailure>,
}

/// Two steps declared independent whose orders differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditFailure {
    /// The first step: task, label, footprint.
    pub first: (&'static str, &'static str, String),
    /// The second step.
    pub second: (&'static str, &'static str, String),
    /// How the orders differ.
    pub why: &'static str,
}

impl fmt::Display for AuditFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let step = |s: &(&str, &str, String)| format!("{} `{}` [{}]", s.0, s.1, s.2);
        write!(
            f,
            "the footprints declare {} and {} independent, but {}",
            step(&self.first),
            step(&self.second),
            self.why
        )
    }
}

/// How one order ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reached {
    /// Both steps ran; the configuration after them.
    At(Fingerprint),
    /// The second step could not run after the first.
    Disabled,
    /// The run ended before the configuration after both could be taken.
    Ended,
}

/// Checks every claim on `sim` (whose model must fingerprint its state).
pub fn audit(sim: &mut dyn Simulation, claims: &[Claim]) -> Result<Audit, Diverged> {
    let mut audit = Audit::default();
    for claim in claims {
        let (a, b) = (claim.first, claim.second);
        let one = reach(sim, &claim.prefix, [a.task, b.task])?;
        let other = reach(sim, &claim.prefix, [b.task, a.task])?;
        let why = match (one, other) {
            (Reached::At(x), Reached::At(y)) if x == y => None,
            (Reached::At(_), Reached::At(_)) => {
                Some("the two orders reach different states or step results")
            }
            (Reached::Disabled, _) | (_, Reached::Disabled) => {
                Some("one of them cannot step after the other")
            }
            _ => {
                audit.unchecked += 1;
                continue;
            }
        };
        match why {
            None => audit.checked += 1,
            Some(why) => {
                let step = |c: Candidate| (c.name, c.label, c.footprint.to_string());
                audit.failure = Some(AuditFailure {
                    first: step(a),
                    second: step(b),
                    why,
                });
                return Ok(audit);
            }
        }
    }
    Ok(audit)
}

/// Runs `prefix`, then `order`'s two tasks, and takes the configuration reached.
fn reach(
    sim: &mut dyn Simulation,
    prefix: &[u32],
    order: [TaskId; 2],
) -> Result<Reached, Diverged> {
    let mut probe = Probe {
        prefix,
        at: 0,
        order,
        stepped: 0,
        reached: None,
        once: Once::default(),
    };
    drive(sim, &mut probe, false, |_| ControlFlow::Continue(()))?;
    Ok(probe.reached.unwrap_or(Reached::Ended))
}

/// Replays a prefix, then forces two tasks' steps, and ends the run at the configuration
/// after them.
struct Probe<'a> {
    prefix: &'a [u32],
    at: usize,
    order: [TaskId; 2],
    stepped: usize,
    reached: Option<Reached>,
    once: Once,
}

impl Strategy for Probe<'_> {
    fn next_run(&mut self) -> bool {
        self.once.next()
    }

    fn next_task(&mut self, candidates: &[Candidate]) -> Result<Option<usize>, Diverged> {
        if self.reached.is_some() {
            return Ok(None);
        }
        if self.at < self.prefix.len() || (self.stepped == 0 && candidates.len() == 1) {
            if candidates.len() == 1 {
                return Ok(Some(0));
            }
            self.at += 1;
            return Ok(Some(self.prefix[self.at - 1] as usize));
        }
        let task = self.order[self.stepped];
        match candidates.iter().position(|c| c.task == task) {
            Some(i) => {
                self.stepped += 1;
                Ok(Some(i))
            }
            None => {
                self.reached = Some(Reached::Disabled);
                Ok(None)
            }
        }
    }

    fn next_pick(&mut self, _pick: Pick) -> Result<u32, Diverged> {
        if self.at < self.prefix.len() {
            self.at += 1;
            return Ok(self.prefix[self.at - 1]);
        }
        Ok(0)
    }

    fn fingerprints(&self) -> bool {
        true
    }

    fn wants_configuration(&self, _candidates: &[Candidate]) -> bool {
        self.stepped == 2 && self.reached.is_none()
    }

    fn configuration(&mut self, fingerprint: Fingerprint) {
        self.reached = Some(Reached::At(fingerprint));
    }
}
