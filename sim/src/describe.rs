//! How a step reads in the trace, said where the step is taken: its result
//! ([`Cx::step_as`]) and a label that carries values ([`Cx::step_labelled`]).
//!
//! [`Cx::step`] records a result by its `Debug`. A result whose `Debug` does not read like the
//! real call's answer (`Option<V>` for "found v" or "not found") would need a type made only
//! to format it; `step_as` takes the formatting as a function instead. It runs only when the
//! run is recorded, as `Debug` does, so an unrecorded run pays nothing for it.

use crate::cx::{shown, Cx};
use crate::footprint::Footprint;
use crate::runtime::Guard;
use crate::step::Step;
use std::borrow::Cow;
use std::fmt::{self, Debug};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A step's result with the function that says how it reads.
struct Described<R, D>(R, D);

impl<R, D: Fn(&R, &mut fmt::Formatter<'_>) -> fmt::Result> fmt::Debug for Described<R, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.1)(&self.0, f)
    }
}

impl<S: 'static> Cx<S> {
    /// [`Cx::step`], with `describe` writing how the result reads in the trace (called only
    /// when the run is recorded): `cx.step_as("storage.Get(k)", fp, |s| s.row, found)`.
    pub fn step_as<R, A, D>(
        &self,
        label: &'static str,
        footprint: Footprint,
        access: A,
        describe: D,
    ) -> impl Future<Output = R> + use<'_, S, R, A, D>
    where
        A: FnOnce(&mut S) -> R,
        D: Fn(&R, &mut fmt::Formatter<'_>) -> fmt::Result,
    {
        Undescribed(Step::new(self, label, footprint, move |s: &mut S| {
            Described(access(s), describe)
        }))
    }
}

/// A described step's future, giving the bare result: a wrapper rather than an `async` block,
/// so that the step stays one state machine.
struct Undescribed<F>(F);

impl<R, D, F> Future for Undescribed<F>
where
    F: Future<Output = Described<R, D>> + Unpin,
{
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<R> {
        Pin::new(&mut self.0).poll(cx).map(|described| described.0)
    }
}

impl<S: 'static> Cx<S> {
    /// [`Cx::step`] with a label built from values (`read arr[3]`): `label` runs only when the
    /// run is recorded, so an unrecorded run formats and allocates nothing for it. Strategies,
    /// scripts and audits, which see a step before it is taken, know it as `labelled step`.
    ///
    /// ```
    /// use raceway_sim::{check_exhaustive, intern, Footprint, Race};
    ///
    /// // Each task adds to its own cell: the cells commute, and the trace names the index.
    /// let mut race = Race::new(|| [0u32; 3]);
    /// for i in 0..3 {
    ///     let cell = intern(format!("arr[{i}]"));
    ///     race = race.task(format!("adder{i}"), move |cx| async move {
    ///         cx.step_labelled(|| format!("arr[{i}] += 1"), Footprint::write(cell), move |a| {
    ///             a[i] += 1
    ///         })
    ///         .await;
    ///     });
    /// }
    /// assert_eq!(check_exhaustive(race).schedules, 1);
    /// ```
    pub async fn step_labelled<R: Debug>(
        &self,
        label: impl FnOnce() -> String,
        footprint: Footprint,
        access: impl FnOnce(&mut S) -> R,
    ) -> R {
        self.suspend("labelled step", footprint, Guard::Ready, None)
            .await;
        let result = access(&mut self.shared.state.borrow_mut());
        self.observe(&result);
        self.record(|| Cow::Owned(label()), footprint, || shown(&result));
        result
    }
}

#[cfg(test)]
mod tests {
    use crate::strategy::Random;
    use crate::{Event, Footprint, Race, Runner, Simulation};

    /// One step whose result is described; `describe` counts its calls in `calls`.
    fn race(calls: &'static std::sync::atomic::AtomicU32) -> Race<Option<u32>> {
        Race::new(|| Some(7)).task("reader", move |cx| async move {
            let describe = move |r: &Option<u32>, f: &mut std::fmt::Formatter<'_>| {
                calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                match r {
                    Some(v) => write!(f, "found {v}"),
                    None => f.write_str("not found"),
                }
            };
            let got = cx.step_as("row.Get", Footprint::read("row"), |s| *s, describe);
            assert_eq!(got.await, Some(7), "the step's result is the access's own");
        })
    }

    #[test]
    fn the_description_is_built_only_when_the_run_is_recorded() {
        static CALLS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let mut sim = Runner::new(race(&CALLS));
        sim.run(&mut Random::new(0), false).unwrap();
        assert_eq!(CALLS.load(std::sync::atomic::Ordering::Relaxed), 0);
        sim.run(&mut Random::new(0), true).unwrap();
        assert_eq!(CALLS.load(std::sync::atomic::Ordering::Relaxed), 1);
        let results: Vec<_> = sim
            .trace()
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Step { result, .. } => result.clone(),
                _ => None,
            })
            .collect();
        assert_eq!(results, ["found 7"]);
    }
}
