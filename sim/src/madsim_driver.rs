//! The second engine: the same models, tasks and invariants under madsim's runtime, its task
//! scheduler (a random ready task runs next), its virtual time and its seeded randomness.
//!
//! Only in the madsim build (`scripts/madsim`, which sets `--cfg madsim`), and only here: the
//! run core and [`Cx`](crate::Cx) reach madsim through the [`Driver`] trait alone. A run is
//! handed over by the [`Madsim`] strategy. A step is a yield to madsim's scheduler followed by
//! the atomic access; a lock, join or event wait parks the task with its waker until the
//! condition may hold; sleeps and timeouts are madsim timers; picks draw from madsim's global
//! RNG. After the first violation every task is frozen at its next wait, and the run ends.

use crate::cx::Spawner;
use crate::invariant::{Kind, When};
use crate::model::Model;
use crate::panic;
use crate::runtime::{Core, Driver, Guard, Shared, TaskFuture, Wait};
use crate::strategy::{Candidate, Diverged, Pick, Strategy, TaskId};
use crate::time::Instant;
use crate::trace::{Event, Violation};
use madsim::rand::Rng;
use std::cell::{RefCell, RefMut};
use std::future::{poll_fn, Future};
use std::ops::Range;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// madsim's message when no task can run and no timer is pending.
const MADSIM_DEADLOCK: &str = "all tasks will block forever";

/// Seeds of the madsim engine: each run is handed over to madsim's runtime with its seed, and
/// madsim's scheduler, clock and RNG make every choice. The same seed gives the same run.
#[derive(Clone, Debug)]
pub struct Madsim {
    next: u64,
    left: u64,
    seed: u64,
}

impl Madsim {
    /// The madsim runs of `seeds`; a new one stands before the first.
    pub fn new(seeds: Range<u64>) -> Self {
        Self::counted(seeds.start, seeds.end.saturating_sub(seeds.start))
    }

    /// `count` madsim runs from seed `first` on: unlike a `Range`, these may end at the top
    /// seed, `u64::MAX`.
    pub fn counted(first: u64, count: u64) -> Self {
        Self {
            next: first,
            left: count,
            seed: first,
        }
    }
}

impl Strategy for Madsim {
    fn next_run(&mut self) -> bool {
        if self.left == 0 {
            return false;
        }
        self.seed = self.next;
        self.left -= 1;
        // Past the top seed only when no run is left.
        self.next = self.next.saturating_add(1);
        true
    }

    fn next_task(&mut self, _: &[Candidate]) -> Result<Option<usize>, Diverged> {
        Err(Diverged("madsim makes its runs' choices".into()))
    }

    fn next_pick(&mut self, _: Pick) -> Result<u32, Diverged> {
        Err(Diverged("madsim makes its runs' choices".into()))
    }

    fn seed(&self) -> Option<u64> {
        Some(self.seed)
    }

    fn handover(&self) -> Option<u64> {
        Some(self.seed)
    }
}

/// The state of a madsim run, shared by its driver and its task wrappers.
#[derive(Default)]
struct Mad {
    start: Option<madsim::time::Instant>,
    /// The run's phase loop, woken when a task is spawned or ends, or a violation is found.
    driver: Option<Waker>,
    /// Tasks parked on a lock, a join or an event; all are woken at any unlock, task end or
    /// notify, and park again if their condition still does not hold.
    parked: Vec<Waker>,
    /// Each task's pending sleep or wait deadline, a madsim timer.
    timers: Vec<Option<Pin<Box<madsim::time::Sleep>>>>,
    violation: Option<Violation>,
}

impl Mad {
    fn stop(&mut self, violation: Violation) {
        if self.violation.is_none() {
            self.violation = Some(violation);
            self.wake_driver();
        }
    }

    fn wake_driver(&mut self) {
        if let Some(w) = self.driver.take() {
            w.wake();
        }
    }

    fn wake_parked(&mut self) {
        self.parked.drain(..).for_each(Waker::wake);
    }

    fn now(&self) -> Instant {
        let start = self.start.expect("a started madsim run");
        Instant::ZERO.after(madsim::time::Instant::now() - start)
    }

    /// Starts a madsim timer for `task`, firing at `at` on raceway's clock.
    fn set_timer(&mut self, task: TaskId, at: Instant) {
        let d = at.duration_since(self.now());
        let slot = task as usize;
        if self.timers.len() <= slot {
            self.timers.resize_with(slot + 1, || None);
        }
        self.timers[slot] = Some(Box::pin(madsim::time::sleep(d)));
    }

    /// Polls `task`'s timer: `true` once it has fired (and it is gone).
    fn timer_fired(&mut self, task: TaskId, cx: &mut Context<'_>) -> bool {
        let Some(Some(timer)) = self.timers.get_mut(task as usize) else {
            return false;
        };
        let fired = timer.as_mut().poll(cx).is_ready();
        if fired {
            self.timers[task as usize] = None;
        }
        fired
    }
}

/// The madsim side of [`Driver`].
struct MadDriver(Rc<RefCell<Mad>>);

impl<S: 'static> Driver<S> for MadDriver {
    fn now(&self, _: &Shared<S>) -> Instant {
        self.0.borrow().now()
    }

    fn pick(&self, shared: &Shared<S>, task: TaskId, label: &'static str, n: u32) -> Option<u32> {
        let chosen = madsim::rand::thread_rng().gen_range(0..n);
        shared.core.borrow_mut().record_with(|_| Event::Pick {
            task,
            label,
            chosen,
            of: n,
        });
        Some(chosen)
    }

    fn wake(&self) {
        self.0.borrow_mut().wake_parked();
    }

    fn spawned(&self) {
        self.0.borrow_mut().wake_driver();
    }
}

/// A task reached its next wait (its body returned `Pending` with the wait in its slot): ends
/// its transition, checking the invariants of every step, and yields to madsim's scheduler,
/// the scheduling point. A sleep is a madsim timer from the start, granted at once if it has
/// fired already; an event wait with a deadline starts its timer. `Ready` when the wait is
/// granted.
fn arrive<S: 'static>(
    shared: &Shared<S>,
    mad: &RefCell<Mad>,
    task: TaskId,
    cx: &mut Context<'_>,
) -> Poll<()> {
    transition_end(shared, mad);
    let Some((mut mad, mut core)) = unfrozen(shared, mad) else {
        return Poll::Pending;
    };
    let wait = waiting(&core, task);
    if let Guard::Time(at) = wait.on {
        mad.set_timer(task, at);
        return if mad.timer_fired(task, cx) {
            grant(&mut mad, &mut core, task);
            Poll::Ready(())
        } else {
            Poll::Pending
        };
    }
    if let Some(at) = wait.deadline {
        mad.set_timer(task, at);
    }
    cx.waker().wake_by_ref();
    drop(core);
    mad.timer_fired(task, cx);
    Poll::Pending
}

/// A waiting task is polled again: grants its wait once it can go (`Ready`), or parks the
/// task until a change may let it go. An event wait with a deadline also goes, not notified,
/// when its timer fires.
fn admit<S: 'static>(
    shared: &Shared<S>,
    mad: &RefCell<Mad>,
    task: TaskId,
    cx: &mut Context<'_>,
) -> Poll<()> {
    let Some((mut mad, mut core)) = unfrozen(shared, mad) else {
        return Poll::Pending;
    };
    let wait = waiting(&core, task);
    if let Guard::Time(_) = wait.on {
        if !mad.timer_fired(task, cx) {
            return Poll::Pending;
        }
        grant(&mut mad, &mut core, task);
        return Poll::Ready(());
    }
    let ready = match wait.on {
        Guard::Ready | Guard::Pick(_) | Guard::Synchronizing => true,
        _ => core.grantable(task, &wait),
    };
    if ready {
        if let Some(t) = mad.timers.get_mut(task as usize) {
            *t = None;
        }
        grant(&mut mad, &mut core, task);
        return Poll::Ready(());
    }
    mad.parked.push(cx.waker().clone());
    if wait.deadline.is_some() && mad.timer_fired(task, cx) {
        // Timed out: the task goes on, not notified.
        grant(&mut mad, &mut core, task);
        return Poll::Ready(());
    }
    Poll::Pending
}

/// The run's madsim state and core, borrowed to grant a wait; `None` once a violation has
/// frozen every task at its next wait.
fn unfrozen<'a, S: 'static>(
    shared: &'a Shared<S>,
    mad: &'a RefCell<Mad>,
) -> Option<(RefMut<'a, Mad>, RefMut<'a, Core>)> {
    let mad = mad.borrow_mut();
    if mad.violation.is_some() {
        return None;
    }
    Some((mad, shared.core.borrow_mut()))
}

/// `task`'s registered wait, which stays in its slot until granted.
fn waiting(core: &Core, task: TaskId) -> Wait {
    core.tasks[task as usize]
        .wait
        .expect("a waiting task's wait is in its slot until granted")
}

/// Grants `task` its wait: counts the step and checks the step limit, as the native executor
/// does when it chooses a task; the trace's clock follows madsim's.
fn grant(mad: &mut Mad, core: &mut Core, task: TaskId) {
    core.tasks[task as usize].wait = None;
    core.steps += 1;
    if let Some(v) = core.over_limit() {
        mad.stop(v);
    }
    core.now = mad.now();
}

/// A task's transition ended (it waits for its next step or ends): checks the invariants of
/// every step, where the native executor checks them after each poll.
fn transition_end<S: 'static>(shared: &Shared<S>, mad: &RefCell<Mad>) {
    if mad.borrow().violation.is_some() {
        return;
    }
    if let Some(v) = shared.check(When::EveryStep) {
        mad.borrow_mut().stop(v);
    }
}

/// A task's future, run by madsim: it grants the task's waits (see [`Driver`]), a panic ends
/// the task as a violation, and the task's end wakes whoever waits for it.
struct Task<S: 'static> {
    shared: Rc<Shared<S>>,
    mad: Rc<RefCell<Mad>>,
    task: TaskId,
    body: TaskFuture,
    /// Whether the body waits for its next step, registered in the task's slot: the body is
    /// polled again only once [`admit`] (or [`arrive`]) granted it.
    waiting: bool,
}

impl<S: 'static> Future for Task<S> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        loop {
            if this.waiting {
                if admit(&this.shared, &this.mad, this.task, cx).is_pending() {
                    return Poll::Pending;
                }
                this.waiting = false;
            }
            let polled = panic::catch(|| Pin::new(&mut this.body).poll(cx));
            let outcome = match polled {
                Ok(Poll::Pending) => {
                    // A future that is not raceway's registers no wait: the task hangs there.
                    let core = this.shared.core.borrow();
                    if core.tasks[this.task as usize].wait.is_none() {
                        return Poll::Pending;
                    }
                    drop(core);
                    if arrive(&this.shared, &this.mad, this.task, cx).is_pending() {
                        this.waiting = true;
                        return Poll::Pending;
                    }
                    continue;
                }
                Ok(Poll::Ready(())) => {
                    transition_end(&this.shared, &this.mad);
                    None
                }
                Err(message) => Some(message),
            };
            let mut core = this.shared.core.borrow_mut();
            let slot = &mut core.tasks[this.task as usize];
            slot.done = true;
            slot.wait = None;
            let name = slot.name;
            let mut mad = this.mad.borrow_mut();
            if let Some(message) = outcome {
                let message = format!("task `{name}` panicked: {message}");
                mad.stop(core.violation(Kind::Panic, panic::invariant(), message));
            }
            mad.wake_parked();
            mad.wake_driver();
            return Poll::Ready(());
        }
    }
}

/// Hands the tasks spawned since the last call to madsim.
fn start_spawned<S: 'static>(shared: &Rc<Shared<S>>, mad: &Rc<RefCell<Mad>>, first: &mut usize) {
    let spawned = std::mem::take(&mut shared.core.borrow_mut().spawned);
    for body in spawned {
        let task = *first as TaskId;
        *first += 1;
        let (shared, mad) = (shared.clone(), mad.clone());
        // Detached: the run ends when every task has ended (or at a violation).
        drop(madsim::task::spawn_local(Task {
            shared,
            mad,
            task,
            body,
            waiting: false,
        }));
    }
}

/// Runs the spawned tasks until all have ended or a violation stops them.
async fn phase<S: 'static>(shared: &Rc<Shared<S>>, mad: &Rc<RefCell<Mad>>, started: &mut usize) {
    poll_fn(|cx| {
        start_spawned(shared, mad, started);
        let all_done = shared.core.borrow().tasks.iter().all(|t| t.done);
        let mut m = mad.borrow_mut();
        if m.violation.is_some() || all_done {
            return Poll::Ready(());
        }
        m.driver = Some(cx.waker().clone());
        Poll::Pending
    })
    .await
}

/// The whole run: workload, settle, and the checks at quiescence.
async fn drive<M: Model>(
    model: &M,
    shared: &Rc<Shared<M::State>>,
    mad: &Rc<RefCell<Mad>>,
) -> Option<Violation> {
    mad.borrow_mut().start = Some(madsim::time::Instant::now());
    let mut started = 0;
    model.workload(&mut Spawner::new(shared));
    phase(shared, mad, &mut started).await;
    if let Some(v) = mad.borrow().violation.clone() {
        return Some(v);
    }
    shared.core.borrow_mut().record_with(|_| Event::Settle);
    model.settle(&mut Spawner::new(shared));
    phase(shared, mad, &mut started).await;
    if let Some(v) = mad.borrow().violation.clone() {
        return Some(v);
    }
    shared.check(When::Quiescence)
}

/// Runs `model` once under madsim with `seed`, on the run core of `shared`.
pub(crate) fn run<M: Model>(
    model: &M,
    shared: &Rc<Shared<M::State>>,
    seed: u64,
) -> Result<Option<Violation>, Diverged> {
    let mad = Rc::new(RefCell::new(Mad::default()));
    *shared.driver.borrow_mut() = Box::new(MadDriver(mad.clone()));
    let outcome = {
        let rt = madsim::runtime::Runtime::with_seed_and_config(seed, madsim::Config::default());
        panic::quietly(|| panic::catch(|| rt.block_on(drive(model, shared, &mad))))
    };
    let violation = match outcome {
        Ok(v) => v,
        Err(message) if message.contains(MADSIM_DEADLOCK) => {
            let found = mad.borrow().violation.clone();
            found.or_else(|| {
                let message = format!("no task can step ({message})");
                let core = shared.core.borrow();
                Some(core.violation(Kind::Deadlock, "deadlock".into(), message))
            })
        }
        Err(message) => {
            let message = format!("the madsim run panicked: {message}");
            let core = shared.core.borrow();
            Some(core.violation(Kind::Panic, "panic".into(), message))
        }
    };
    // Parked wakers and timers hold the frozen tasks, which hold the shared state: release
    // them.
    let mut m = mad.borrow_mut();
    m.parked.clear();
    m.timers.clear();
    m.driver = None;
    Ok(violation)
}
