//! [`Cx::step`], the one step every model takes most, and its future: written by hand rather
//! than as an `async fn` around [`Cx::suspend`]'s future, so that a step is one state machine
//! instead of two nested ones, and its label and footprint are written into the task's slot
//! straight from where the step holds them.

use crate::cx::Cx;
use crate::footprint::Footprint;
use crate::runtime::Guard;
use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

impl<S: 'static> Cx<S> {
    /// One atomic step on the shared state: waits to be scheduled, then runs `access` and
    /// records the step with `label` (name it after the real call: `storage.Get(k)`) and what
    /// `access` returned. `footprint` declares the resources it touches.
    pub fn step<R: Debug, F: FnOnce(&mut S) -> R>(
        &self,
        label: &'static str,
        footprint: Footprint,
        access: F,
    ) -> impl Future<Output = R> + use<'_, S, R, F> {
        Step::new(self, label, footprint, access)
    }
}

/// A plain step: registered on its first poll, its access run on the poll that grants it.
pub(crate) struct Step<'a, S: 'static, F> {
    cx: &'a Cx<S>,
    label: &'static str,
    footprint: Footprint,
    /// Taken when the step is granted.
    access: Option<F>,
    /// Whether the step is registered in the task's slot: the next poll is then its grant (see
    /// [`Driver`](crate::runtime::Driver)).
    registered: bool,
}

impl<'a, S: 'static, F> Step<'a, S, F> {
    pub(crate) fn new(cx: &'a Cx<S>, label: &'static str, footprint: Footprint, access: F) -> Self {
        Step {
            cx,
            label,
            footprint,
            access: Some(access),
            registered: false,
        }
    }
}

/// A step never pins its access: the closure is only moved out and called.
impl<S: 'static, F> Unpin for Step<'_, S, F> {}

impl<S: 'static, R: Debug, F: FnOnce(&mut S) -> R> Future for Step<'_, S, F> {
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<R> {
        let this = &mut *self;
        let task = this.cx;
        if !this.registered {
            task.register(this.label, this.footprint, Guard::Ready, None);
            this.registered = true;
            return Poll::Pending;
        }
        let access = this.access.take().expect("a step is granted once");
        let result = access(&mut task.shared.state.borrow_mut());
        task.took(this.label, &this.footprint, &result);
        Poll::Ready(result)
    }
}
