//! The second engine: the same models, tasks and invariants under madsim's runtime, its task
//! scheduler (a random ready task runs next), its virtual time and its seeded randomness.
//!
//! Only in the madsim build (`scripts/madsim`, which sets `--cfg madsim`). Scenario code does
//! not change: [`Cx`](crate::Cx) sends each of its waits here when the run is a madsim run.
//! A step is a yield to madsim's scheduler followed by the atomic access; a lock, join or event
//! wait parks the task with its waker until the condition may hold; sleeps and timeouts are
//! madsim timers; picks draw from madsim's global RNG. After the first violation every task is
//! frozen at its next wait, and the run ends.

use crate::executor::{Guard, Runner, Shared, Wait};
use crate::model::{Invariant, Kind, Model, When};
use crate::panic;
use crate::strategy::TaskId;
use crate::time::Instant;
use crate::trace::{Event, Violation};
use madsim::rand::Rng;
use std::borrow::Cow;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// madsim's message when no task can run and no timer is pending.
const MADSIM_DEADLOCK: &str = "all tasks will block forever";

/// The engine's state during a madsim run.
pub(crate) struct Mad {
    start: madsim::time::Instant,
    /// The run's driver, woken when a task ends or a violation is found.
    driver: Option<Waker>,
    /// Tasks parked on a lock, a join or an event; all are woken at any unlock, task end or
    /// notify, and park again if their condition still does not hold.
    parked: Vec<Waker>,
    violation: Option<Violation>,
    steps: u32,
    max_steps: u32,
}

impl Mad {
    fn stop(&mut self, kind: Kind, invariant: Cow<'static, str>, message: String) {
        if self.violation.is_none() {
            let step = self.steps;
            self.violation = Some(Violation {
                kind,
                invariant,
                message,
                step,
            });
            self.wake_driver();
        }
    }

    pub(crate) fn wake_driver(&mut self) {
        if let Some(w) = self.driver.take() {
            w.wake();
        }
    }

    /// Wakes every parked task: a lock was released, a task ended, or an event was notified.
    pub(crate) fn wake_parked(&mut self) {
        self.parked.drain(..).for_each(Waker::wake);
    }
}

/// The virtual time of the madsim run, on raceway's clock.
pub(crate) fn now<S>(shared: &Shared<S>) -> Option<Instant> {
    let core = shared.core.borrow();
    let mad = core.madsim.as_ref()?;
    Some(Instant::ZERO.after(madsim::time::Instant::now() - mad.start))
}

/// [`Suspend`](crate::task)'s poll in a madsim run: the first poll yields to madsim's
/// scheduler (the scheduling point); later polls complete once the wait can be granted.
pub(crate) fn poll_suspend<S>(
    shared: &Shared<S>,
    task: TaskId,
    wait: Wait,
    registered: &mut bool,
    cx: &mut Context<'_>,
) -> Poll<()> {
    if !*registered {
        transition_end(shared);
    }
    let mut core = shared.core.borrow_mut();
    let frozen = core.madsim.as_ref().is_some_and(|m| m.violation.is_some());
    if frozen {
        return Poll::Pending;
    }
    if !*registered {
        *registered = true;
        let slot = &mut core.tasks[task as usize];
        slot.wait = Some(wait);
        slot.notified = false;
        cx.waker().wake_by_ref();
        return Poll::Pending;
    }
    let ready = match wait.on {
        Guard::Mutex(m) => core.mutexes[m as usize].owner.is_none(),
        Guard::Join(t) => core.tasks[t as usize].done,
        Guard::Event(_) => core.tasks[task as usize].notified,
        Guard::Ready | Guard::Time(_) | Guard::Pick(_) | Guard::Exit => true,
    };
    if ready {
        core.tasks[task as usize].wait = None;
        Poll::Ready(())
    } else {
        let mad = core.madsim.as_mut().expect("a madsim run");
        mad.parked.push(cx.waker().clone());
        Poll::Pending
    }
}

/// Counts a granted step and checks the step limit.
pub(crate) fn granted<S>(shared: &Shared<S>) {
    let mut core = shared.core.borrow_mut();
    let Some(mad) = core.madsim.as_mut() else {
        return;
    };
    if mad.violation.is_some() {
        return;
    }
    mad.steps += 1;
    let (steps, max) = (mad.steps, mad.max_steps);
    let now = Instant::ZERO.after(madsim::time::Instant::now() - mad.start);
    if steps >= max {
        mad.stop(
            Kind::Livelock,
            Cow::Borrowed("step-limit"),
            format!("the run did not end within {max} steps"),
        );
    }
    core.now = now;
}

/// A task's transition ended (it waits for its next step, starts a sleep, or ends): checks
/// the invariants of every step, where the native executor checks them after each poll.
pub(crate) fn transition_end<S>(shared: &Shared<S>) {
    let running = shared
        .core
        .borrow()
        .madsim
        .as_ref()
        .is_some_and(|m| m.violation.is_none());
    if !running {
        return;
    }
    let found = {
        let state = shared.state.borrow();
        shared.every_step.iter().find_map(|inv| {
            inv.check(&state)
                .err()
                .map(|m| (inv.kind, inv.name.clone(), m))
        })
    };
    if let Some((kind, name, message)) = found {
        if let Some(mad) = shared.core.borrow_mut().madsim.as_mut() {
            mad.stop(kind, name, message);
        }
    }
}

/// A pick from madsim's RNG; `None` outside a madsim run.
pub(crate) fn pick<S>(
    shared: &Shared<S>,
    task: TaskId,
    label: &'static str,
    n: u32,
) -> Option<u32> {
    let mut core = shared.core.borrow_mut();
    core.madsim.as_ref()?;
    let chosen = madsim::rand::thread_rng().gen_range(0..n);
    core.record_with(|_| Event::Pick {
        task,
        label,
        chosen,
        of: n,
    });
    Some(chosen)
}

/// A wait for an event, parked on its waker.
pub(crate) struct EventWait<'a, S: 'static> {
    pub(crate) shared: &'a Shared<S>,
    pub(crate) task: TaskId,
    pub(crate) wait: Wait,
    pub(crate) registered: bool,
}

impl<S: 'static> Future for EventWait<'_, S> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        poll_suspend(this.shared, this.task, this.wait, &mut this.registered, cx)
    }
}

/// Waits on `event` for at most `timeout`; whether it was notified.
pub(crate) async fn wait_event<S: 'static>(
    shared: &Shared<S>,
    task: TaskId,
    wait: Wait,
    timeout: Option<Duration>,
) -> bool {
    let parked = EventWait {
        shared,
        task,
        wait,
        registered: false,
    };
    match timeout {
        None => {
            parked.await;
            true
        }
        Some(d) => madsim::time::timeout(d, parked).await.is_ok(),
    }
}

/// A task's future, run by madsim: a panic ends the task as a violation; the task's end wakes
/// whoever waits for it.
struct Task<S: 'static> {
    shared: Rc<Shared<S>>,
    task: TaskId,
    body: Pin<Box<dyn Future<Output = ()>>>,
}

impl<S: 'static> Future for Task<S> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let polled = panic::catch(|| this.body.as_mut().poll(cx));
        let outcome = match polled {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(())) => {
                transition_end(&this.shared);
                None
            }
            Err(message) => Some(message),
        };
        let mut core = this.shared.core.borrow_mut();
        let slot = &mut core.tasks[this.task as usize];
        slot.done = true;
        slot.wait = None;
        let name = slot.name;
        let mad = core.madsim.as_mut().expect("a madsim run");
        if let Some(message) = outcome {
            mad.stop(
                Kind::Panic,
                crate::panic::invariant(),
                format!("task `{name}` panicked: {message}"),
            );
        }
        mad.wake_parked();
        mad.wake_driver();
        Poll::Ready(())
    }
}

/// Hands the tasks spawned since the last call to madsim.
fn start_spawned<S: 'static>(shared: &Rc<Shared<S>>, first: &mut usize) {
    let spawned = std::mem::take(&mut shared.core.borrow_mut().spawned);
    for body in spawned {
        let task = *first as TaskId;
        *first += 1;
        let shared = shared.clone();
        // Detached: the run ends when every task has ended (or at a violation).
        drop(madsim::task::spawn_local(Task { shared, task, body }));
    }
}

/// Runs the spawned tasks until all have ended or a violation stops them.
async fn phase<S: 'static>(shared: &Rc<Shared<S>>, started: &mut usize) {
    poll_fn(|cx| {
        start_spawned(shared, started);
        let mut core = shared.core.borrow_mut();
        let all_done = core.tasks.iter().all(|t| t.done);
        let mad = core.madsim.as_mut().expect("a madsim run");
        if mad.violation.is_some() || all_done {
            return Poll::Ready(());
        }
        mad.driver = Some(cx.waker().clone());
        Poll::Pending
    })
    .await
}

fn violation<S>(shared: &Shared<S>) -> Option<Violation> {
    shared.core.borrow().madsim.as_ref()?.violation.clone()
}

/// The whole run: workload, settle, and the checks at quiescence.
async fn drive<M: Model>(
    shared: &Rc<Shared<M::State>>,
    model: &M,
    at_end: &[Invariant<M::State>],
) -> Option<Violation> {
    if let Some(mad) = shared.core.borrow_mut().madsim.as_mut() {
        mad.start = madsim::time::Instant::now();
    }
    let mut started = 0;
    model.workload(&mut crate::executor::Spawner::new(shared));
    phase(shared, &mut started).await;
    if let Some(v) = violation(shared) {
        return Some(v);
    }
    shared.core.borrow_mut().record_with(|_| Event::Settle);
    model.settle(&mut crate::executor::Spawner::new(shared));
    phase(shared, &mut started).await;
    if let Some(v) = violation(shared) {
        return Some(v);
    }
    let steps = shared.core.borrow().madsim.as_ref().map_or(0, |m| m.steps);
    let state = shared.state.borrow();
    at_end
        .iter()
        .chain(shared.every_step.iter())
        .find_map(|inv| {
            inv.check(&state).err().map(|message| Violation {
                kind: inv.kind,
                invariant: inv.name.clone(),
                message,
                step: steps,
            })
        })
}

/// Seeds of the madsim engine: each run is handed over to madsim's runtime with its seed, and
/// madsim's scheduler, clock and RNG make every choice. The same seed gives the same run.
#[derive(Clone, Debug)]
pub struct Madsim {
    seeds: std::ops::Range<u64>,
    seed: u64,
}

impl Madsim {
    /// The madsim runs of `seeds`; a new one stands before the first.
    pub fn new(seeds: std::ops::Range<u64>) -> Self {
        Self {
            seed: seeds.start,
            seeds,
        }
    }
}

impl crate::Strategy for Madsim {
    fn next_run(&mut self) -> bool {
        match self.seeds.next() {
            Some(seed) => {
                self.seed = seed;
                true
            }
            None => false,
        }
    }

    fn next_task(
        &mut self,
        _candidates: &[crate::Candidate],
    ) -> Result<Option<usize>, crate::Diverged> {
        unreachable!("madsim makes its runs' choices")
    }

    fn next_pick(&mut self, _pick: crate::Pick) -> Result<u32, crate::Diverged> {
        unreachable!("madsim makes its runs' choices")
    }

    fn seed(&self) -> Option<u64> {
        Some(self.seed)
    }

    fn handover(&self) -> Option<u64> {
        Some(self.seed)
    }
}

/// Runs the model once under madsim with `seed`.
pub(crate) fn run<M: Model>(
    runner: &mut Runner<M>,
    seed: u64,
    record: bool,
) -> Result<crate::Verdict, crate::Diverged> {
    Ok(runner.run_madsim(seed, record))
}

impl<M: Model> Runner<M> {
    fn run_madsim(&mut self, seed: u64, record: bool) -> crate::Verdict {
        self.reset(record);
        let max_steps = self.max_steps;
        let shared = self.shared.clone();
        let at_end: Vec<Invariant<M::State>> = self.at_end.clone();
        let outcome = {
            let rt =
                madsim::runtime::Runtime::with_seed_and_config(seed, madsim::Config::default());
            rt.block_on(async {
                shared.core.borrow_mut().madsim = Some(Mad {
                    start: madsim::time::Instant::now(),
                    driver: None,
                    parked: Vec::new(),
                    violation: None,
                    steps: 0,
                    max_steps,
                });
                Ok::<(), ()>(())
            })
            .ok();
            panic::quietly(|| panic::catch(|| rt.block_on(drive(&shared, &self.model, &at_end))))
        };
        let steps = shared.core.borrow().madsim.as_ref().map_or(0, |m| m.steps);
        let violation = match outcome {
            Ok(v) => v,
            Err(message) if message.contains(MADSIM_DEADLOCK) => violation(&shared).or_else(|| {
                Some(Violation {
                    kind: Kind::Deadlock,
                    invariant: "deadlock".into(),
                    message: format!("no task can step ({message})"),
                    step: steps,
                })
            }),
            Err(message) => Some(Violation {
                kind: Kind::Panic,
                invariant: "panic".into(),
                message: format!("the madsim run panicked: {message}"),
                step: steps,
            }),
        };
        // Parked wakers hold the frozen tasks, which hold the shared state: release both.
        shared.core.borrow_mut().madsim = None;
        self.finish_run(record, violation.clone(), steps);
        crate::Verdict {
            violation,
            steps,
            preemptions: 0,
            pruned: false,
        }
    }
}

/// Where the invariants checked after every step come from in a madsim run.
pub(crate) fn every_step<S>(invariants: &[Invariant<S>]) -> Vec<Invariant<S>> {
    invariants
        .iter()
        .filter(|i| i.when == When::EveryStep)
        .cloned()
        .collect()
}
