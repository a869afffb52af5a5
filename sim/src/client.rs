//! Client operations: what a task marks as a call a client of the modelled system made, and
//! the run's history that those marks make (see [`crate::consistency`]).
//!
//! A task marks a client-visible operation with [`Cx::invoke`] when the client calls and with
//! one of [`Call`]'s completions when the call returns: [`Call::ok`], [`Call::ok_with`] (a
//! read's result), [`Call::fail`] (surely not applied) or [`Call::unknown`]. A call that never
//! returns (the run ends, the process exits, the task drops the handle) has an unknown
//! outcome. Marks are not scheduling points: like [`Cx::ghost`], they belong to the task's
//! current step, so that a mark right after a step happens at that step's instant.
//!
//! The history is kept only in runs that need it: when some invariant reads it
//! ([`Invariant::history`](crate::Invariant::history),
//! [`Invariant::consistency`](crate::Invariant::consistency)) or when the run's trace is
//! recorded (the trace shows each mark as a line of its task's column). In other runs a mark
//! costs a flag test: its key and value are converted to [`Value`]s only when kept.
//!
//! A history an invariant reads is part of the run's configuration: a run that kept it
//! fingerprints its events into configurations (see `Core::configuration`), and its steps
//! count as dependent on each other for the sleep-set reduction, since swapping two steps
//! that commute on the model's state can still reorder two marks in real time (a write's
//! return and a read's invocation), which changes what the history admits.

use crate::consistency::{EventKind, Op, Value};
use crate::cx::Cx;
use crate::fingerprint;
use crate::trace::Event;
use std::hash::Hash;

/// A client operation invoked by a task and not yet completed: complete it with
/// [`Call::ok`], [`Call::ok_with`], [`Call::fail`] or [`Call::unknown`]. Dropped without a
/// completion (its task ended where it stood), its outcome is unknown, and its task's process
/// stays busy with it: a later [`Cx::invoke`] of that task is an error.
#[must_use = "a call is completed with ok, ok_with, fail or unknown"]
pub struct Call<S: 'static> {
    /// The task's handle, only when the run keeps its history.
    cx: Option<Cx<S>>,
}

impl<S: 'static> Cx<S> {
    /// Marks that this task, as a client, invokes `op` on `key` with `value` (a write's value,
    /// a compare-and-set's [`Value::cas`] pair, `Value::Nil` for a read or a delete). Not a
    /// scheduling point. The task is the client's process: it has at most one call open.
    ///
    /// ```
    /// use raceway_sim::consistency::{Consistency, Op, Register, Value};
    /// use raceway_sim::{check, Footprint, Invariant, Race, Search};
    ///
    /// // The write returns once the primary has it; a read served by the replica may come
    /// // later and still see the old value: the store is not linearizable.
    /// let race = Race::new(|| (0i64, 0i64)) // (primary, replica)
    ///     .task("writer", |cx| async move {
    ///         let call = cx.invoke(Op::Write, "x", 1);
    ///         cx.step("primary = 1", Footprint::write("primary"), |s| s.0 = 1).await;
    ///         call.ok();
    ///         cx.step("replica = 1", Footprint::write("replica"), |s| s.1 = 1).await;
    ///     })
    ///     .task("reader", |cx| async move {
    ///         cx.step("connect", Footprint::NONE, |_| ()).await;
    ///         let call = cx.invoke(Op::Read, "x", Value::Nil);
    ///         let v = cx.step("read replica", Footprint::read("replica"), |s| s.1).await;
    ///         call.ok_with(if v == 0 { Value::Nil } else { Value::Int(v) });
    ///     })
    ///     .invariant(Invariant::consistency(Consistency::Linearizable, Register));
    /// let failure = check(race, Search::Exhaustive { preemptions: None, max_schedules: None })
    ///     .unwrap_err();
    /// assert_eq!(failure.violation.invariant, "linearizable");
    /// assert!(failure.trace.render().contains("▶ read \"x\""));
    /// ```
    ///
    /// # Panics
    /// When this task already has a call open (in a run that keeps the history).
    #[track_caller]
    #[inline]
    pub fn invoke(&self, op: Op, key: impl Into<Value>, value: impl Into<Value>) -> Call<S> {
        // Inlined, so that a run that keeps no history pays one flag test, and the values it
        // would have marked are never built.
        if !self.shared.core.borrow().history.keep {
            return Call { cx: None };
        }
        self.invoke_kept(op, key.into(), value.into())
    }

    #[track_caller]
    #[inline(never)]
    fn invoke_kept(&self, op: Op, key: Value, value: Value) -> Call<S> {
        self.mark(EventKind::Invoke, Some((op, key)), value);
        Call {
            cx: Some(self.clone()),
        }
    }

    /// [`Cx::invoke`] of a compare-and-set from `old` to `new` on `key`. Its value, the pair
    /// (`Value::cas`), is built only in a run that keeps the history, so an unrecorded run
    /// pays nothing for it.
    #[track_caller]
    #[inline]
    pub fn invoke_cas(
        &self,
        key: impl Into<Value>,
        old: impl Into<Value>,
        new: impl Into<Value>,
    ) -> Call<S> {
        if !self.shared.core.borrow().history.keep {
            return Call { cx: None };
        }
        self.invoke_kept(Op::Cas, key.into(), Value::cas(old.into(), new.into()))
    }

    /// Marks the completion of this task's open call.
    #[track_caller]
    #[inline(never)]
    fn complete_kept(&self, kind: EventKind, value: Value) {
        self.mark(kind, None, value);
    }

    /// Appends one event of this task's process to the history and, when recorded, to the
    /// trace. `call` is the invocation's operation and key (a completion repeats its own).
    #[track_caller]
    fn mark(&self, kind: EventKind, call: Option<(Op, Value)>, value: Value) {
        let time = Some(self.now().as_nanos());
        let mut core = self.shared.core.borrow_mut();
        let process = self.task;
        let history = &mut core.history.history;
        let pushed = match call {
            Some((op, key)) => history.push(crate::consistency::Event {
                process,
                kind,
                op,
                key: Some(key),
                value,
                time,
            }),
            None => history.complete_at(process, kind, value, time),
        };
        if let Err(e) = pushed {
            drop(core);
            panic!("a client call marked out of order: {e}");
        }
        let core = &mut *core;
        let event = core.history.history.events().last().expect("just pushed");
        if core.history.read && core.fingerprinting {
            core.history.fingerprint =
                fingerprint::extend(core.history.fingerprint, |h| hash_event(event, h));
        }
        if core.record {
            core.trace.push(Event::Client(event.clone()));
        }
    }
}

/// Hashes an event for the configuration's fingerprint.
fn hash_event(e: &crate::consistency::Event, h: &mut impl std::hash::Hasher) {
    (e.process, e.kind, &e.op, &e.key, &e.value).hash(h);
}

impl<S: 'static> Call<S> {
    #[track_caller]
    #[inline]
    fn complete(self, kind: EventKind, value: impl Into<Value>) {
        if let Some(cx) = self.cx {
            cx.complete_kept(kind, value.into());
        }
    }

    /// The call returned and took effect (a write, a delete, a compare-and-set that swapped).
    #[track_caller]
    #[inline]
    pub fn ok(self) {
        self.complete(EventKind::Ok, Value::Nil);
    }

    /// The call returned `value` and took effect: a read's result (converted only when the
    /// run keeps its history).
    #[track_caller]
    #[inline]
    pub fn ok_with(self, value: impl Into<Value>) {
        self.complete(EventKind::Ok, value);
    }

    /// The call returned an error and surely did not take effect (a compare-and-set that did
    /// not swap, a rejected write).
    #[track_caller]
    #[inline]
    pub fn fail(self) {
        self.complete(EventKind::Fail, Value::Nil);
    }

    /// The call returned, but whether it took effect is unknown (a timeout).
    #[track_caller]
    #[inline]
    pub fn unknown(self) {
        self.complete(EventKind::Info, Value::Nil);
    }
}

#[cfg(test)]
mod tests {
    use crate::consistency::{Consistency, EventKind, Op, Register, Value};
    use crate::explore::{explore, Options};
    use crate::strategy::Random;
    use crate::{Event, Footprint, Race, Runner, Simulation};
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A value whose conversions are counted: a mark converts its key and value only when
    /// the run keeps its history.
    struct Counted(&'static AtomicU32);

    impl From<Counted> for Value {
        fn from(c: Counted) -> Value {
            c.0.fetch_add(1, Ordering::Relaxed);
            Value::Int(1)
        }
    }

    /// The reader is spawned first, and its step before the read touches nothing the writer
    /// touches: a reduction that took those two steps as independent would explore only the
    /// order where the reader's read is invoked before the write returns, and miss the stale
    /// read. Both orders reach the same state and task histories, so state caching without
    /// the client history in the configuration would prune the second order: it misses it
    /// too.
    fn stale_replica() -> Race<(i64, i64)> {
        Race::new(|| (0, 0))
            .task("reader", |cx| async move {
                cx.step("connect", Footprint::write("conn"), |_| ()).await;
                let call = cx.invoke(Op::Read, "x", Value::Nil);
                let v = cx.step("read replica", Footprint::read("replica"), |s| s.1);
                let v = v.await;
                call.ok_with(if v == 0 { Value::Nil } else { Value::Int(v) });
            })
            .task("writer", |cx| async move {
                let call = cx.invoke(Op::Write, "x", 1);
                cx.step("primary = 1", Footprint::write("primary"), |s| s.0 = 1)
                    .await;
                call.ok();
                cx.step("replica = 1", Footprint::write("replica"), |s| s.1 = 1)
                    .await;
            })
    }

    #[test]
    fn marks_cost_no_conversion_unless_the_history_is_kept() {
        static CONVERSIONS: AtomicU32 = AtomicU32::new(0);
        let race = Race::new(|| ()).task("client", |cx| async move {
            let call = cx.invoke(Op::Write, "x", Counted(&CONVERSIONS));
            cx.step("write", Footprint::write("x"), |_| ()).await;
            call.ok_with(Counted(&CONVERSIONS));
        });
        let mut sim = Runner::new(race.clone());
        sim.run(&mut Random::new(0), false).unwrap();
        assert_eq!(
            CONVERSIONS.load(Ordering::Relaxed),
            0,
            "not kept, not converted"
        );
        sim.run(&mut Random::new(0), true).unwrap();
        assert_eq!(
            CONVERSIONS.load(Ordering::Relaxed),
            2,
            "a recorded run keeps it"
        );
        let mut checked = Runner::new(race.consistency(Consistency::Linearizable, Register));
        checked.run(&mut Random::new(0), false).unwrap();
        assert_eq!(
            CONVERSIONS.load(Ordering::Relaxed),
            4,
            "an invariant reads it"
        );
    }

    #[test]
    fn the_trace_shows_each_mark_in_its_tasks_column_and_rebuilds_the_history() {
        let mut sim = Runner::new(stale_replica());
        sim.run(&mut Random::new(3), true).unwrap();
        let trace = sim.trace();
        let marks: Vec<String> = trace
            .events
            .iter()
            .filter(|e| matches!(e, Event::Client(_)))
            .map(|e| format!("{}: {}", trace.tasks[e.task().unwrap() as usize], e.text()))
            .collect();
        assert_eq!(marks.len(), 4, "{marks:?}");
        assert!(
            marks.contains(&"writer: ▶ write \"x\" 1".to_string()),
            "{marks:?}"
        );
        assert!(
            marks.contains(&"writer: ◀ write \"x\" ok".to_string()),
            "{marks:?}"
        );
        assert!(marks
            .iter()
            .any(|m| m.starts_with("reader: ◀ read \"x\" → ")));
        let ops = trace.history().operations();
        assert_eq!(ops.len(), 2);
        assert!(trace.render().contains("▶ read \"x\""));
    }

    #[test]
    fn a_call_left_open_when_its_task_exits_has_an_unknown_outcome() {
        let race = Race::new(|| ())
            .task("client", |cx| async move {
                let _call = cx.invoke(Op::Write, "x", 1);
                cx.step("send", Footprint::write("x"), |_| ()).await;
                cx.exit().await;
            })
            .settle("reader", |cx| async move {
                let call = cx.invoke(Op::Read, "x", Value::Nil);
                call.ok_with(1);
            })
            .consistency(Consistency::Linearizable, Register);
        let mut sim = Runner::new(race);
        let verdict = sim.run(&mut Random::new(0), true).unwrap();
        assert_eq!(
            verdict.violation, None,
            "the unknown write may have applied"
        );
        let history = sim.trace().history();
        let kinds: Vec<EventKind> = history.events().iter().map(|e| e.kind).collect();
        assert_eq!(kinds, [EventKind::Invoke, EventKind::Invoke, EventKind::Ok]);
        let ops = history.operations();
        assert_eq!(ops[0].outcome, crate::consistency::Outcome::Unknown);
    }

    #[test]
    fn exploration_with_a_history_invariant_keeps_the_orders_that_reorder_marks() {
        let race = stale_replica().consistency(Consistency::Linearizable, Register);
        for states in [false, true] {
            let options = Options {
                states,
                ..Options::default()
            };
            let found = explore(&mut Runner::new(race.clone().hashed()), &options).unwrap();
            let broken: Vec<_> = found
                .violations
                .iter()
                .map(|d| &*d.violation.invariant)
                .collect();
            assert_eq!(broken, ["linearizable"], "states: {states}");
            let message = &found.violations[0].violation.message;
            assert!(
                message.contains("a minimal violating sub-history (2 of 2"),
                "{message}"
            );
        }
    }

    #[test]
    #[should_panic(expected = "a client call marked out of order")]
    fn a_second_call_while_one_is_open_is_an_error() {
        let race = Race::new(|| ()).task("client", |cx| async move {
            let _first = cx.invoke(Op::Write, "x", 1);
            let _second = cx.invoke(Op::Write, "x", 2);
            cx.step("send", Footprint::write("x"), |_| ()).await;
        });
        let race = race.consistency(Consistency::Linearizable, Register);
        crate::check_random(race, 1);
    }
}
