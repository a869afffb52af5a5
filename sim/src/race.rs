//! [`Race`]: a [`Model`] built from closures, for a race modelled in a few dozen lines of a
//! test, without a type of its own.

use crate::consistency::{Consistency, Spec};
use crate::cx::{Cx, Spawner};
use crate::fingerprint::{self, Fingerprint};
use crate::invariant::Invariant;
use crate::model::Model;
use crate::names::intern;
use std::borrow::Cow;
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::rc::Rc;

/// A primitive a [`Race`] declares in every run, before its tasks.
type Declared<S> = Rc<dyn Fn(&mut Spawner<'_, S>)>;

type Body<S> = Rc<dyn Fn(Cx<S>) -> Pin<Box<dyn Future<Output = ()>>>>;

/// A model from a state constructor, named tasks and invariants.
///
/// ```
/// use raceway_sim::{check_exhaustive, check, Footprint, Invariant, Race, Search};
///
/// /// Two increments of a counter, each a read then a write: the lost update.
/// fn counter() -> Race<u32> {
///     let increment = |cx: raceway_sim::Cx<u32>| async move {
///         let v = cx.step("read n", Footprint::read("n"), |n| *n).await;
///         cx.step("write n", Footprint::write("n"), move |n| *n = v + 1).await;
///     };
///     Race::new(|| 0)
///         .task("a", increment)
///         .task("b", increment)
///         .invariant(Invariant::convergence("no-lost-update", |n| {
///             if *n == 2 { Ok(()) } else { Err(format!("n is {n} after two increments")) }
///         }))
/// }
///
/// let failure = check(counter(), Search::Random { runs: 100 }).unwrap_err();
/// assert_eq!(failure.violation.invariant, "no-lost-update");
/// assert!(failure.to_string().contains("RACEWAY_SCHEDULE="));
/// ```
pub struct Race<S: 'static> {
    init: Rc<dyn Fn() -> S>,
    /// The mutexes, events and condition variables every run declares before its tasks.
    declared: Vec<Declared<S>>,
    tasks: Vec<(&'static str, Body<S>)>,
    settle: Vec<(&'static str, Body<S>)>,
    invariants: Vec<Invariant<S>>,
    fingerprint: Option<fn(&S) -> Fingerprint>,
}

impl<S: 'static> Clone for Race<S> {
    fn clone(&self) -> Self {
        Self {
            init: self.init.clone(),
            declared: self.declared.clone(),
            tasks: self.tasks.clone(),
            settle: self.settle.clone(),
            invariants: self.invariants.clone(),
            fingerprint: self.fingerprint,
        }
    }
}

fn body<S: 'static, F, Fut>(f: F) -> Body<S>
where
    F: Fn(Cx<S>) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    Rc::new(move |cx| Box::pin(f(cx)))
}

impl<S: 'static> Race<S> {
    /// A race whose runs start from `init()`.
    pub fn new(init: impl Fn() -> S + 'static) -> Self {
        Self {
            init: Rc::new(init),
            declared: Vec::new(),
            tasks: Vec::new(),
            settle: Vec::new(),
            invariants: Vec::new(),
            fingerprint: None,
        }
    }

    /// Adds a workload task; `body` runs once per run, with the task's [`Cx`].
    pub fn task<F, Fut>(mut self, name: impl Into<Cow<'static, str>>, body_fn: F) -> Self
    where
        F: Fn(Cx<S>) -> Fut + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        self.tasks.push((intern(name), body(body_fn)));
        self
    }

    /// Adds a workload task that receives `data`, shared by every run without a copy.
    ///
    /// A task's body runs once per run, and a model runs many times, so a body cannot consume
    /// what it captures (that is why `body` is `Fn`, not `FnOnce`). Rather than cloning its
    /// data in every run, a task gets an [`Rc`] of it: the parameters, tables or expected
    /// values the task reads; a task that must change its own copy clones what it changes.
    ///
    /// ```
    /// use raceway_sim::{check_exhaustive, Footprint, Race};
    ///
    /// let keys: Vec<u32> = (0..3).collect();
    /// let race = Race::new(|| 0u32).task_with("adder", keys, |cx, keys| async move {
    ///     for &k in keys.iter() {
    ///         cx.step("add", Footprint::write("sum"), move |sum| *sum += k).await;
    ///     }
    /// });
    /// assert!(check_exhaustive(race).complete);
    /// ```
    pub fn task_with<T, F, Fut>(
        self,
        name: impl Into<Cow<'static, str>>,
        data: T,
        body_fn: F,
    ) -> Self
    where
        T: 'static,
        F: Fn(Cx<S>, Rc<T>) -> Fut + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        let data = Rc::new(data);
        self.task(name, move |cx| body_fn(cx, data.clone()))
    }

    /// Adds a settle task, run after every workload task has ended and before the quiescence
    /// invariants are checked (one more read, a TTL elapsing).
    pub fn settle<F, Fut>(mut self, name: impl Into<Cow<'static, str>>, body_fn: F) -> Self
    where
        F: Fn(Cx<S>) -> Fut + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        self.settle.push((intern(name), body(body_fn)));
        self
    }

    /// Declares a mutex for the tasks to reach with [`Cx::mutex`]; a name used but never
    /// declared is an error, so a misspelt name cannot silently make a second mutex.
    pub fn mutex(self, name: impl Into<Cow<'static, str>>) -> Self {
        let name = intern(name);
        self.declare(move |sp| {
            sp.mutex(name);
        })
    }

    /// Declares an event for the tasks to reach with [`Cx::event`].
    pub fn event(self, name: impl Into<Cow<'static, str>>) -> Self {
        let name = intern(name);
        self.declare(move |sp| {
            sp.event(name);
        })
    }

    /// Declares a condition variable for the tasks to reach with [`Cx::cond`].
    pub fn cond(self, name: impl Into<Cow<'static, str>>) -> Self {
        let name = intern(name);
        self.declare(move |sp| {
            sp.cond(name);
        })
    }

    /// Declares a channel of `T` values with room for `capacity` (0: unbuffered), for the
    /// tasks to reach with [`Cx::channel`] (see [`Spawner::channel`]).
    pub fn channel<T: std::fmt::Debug + 'static>(
        self,
        name: impl Into<Cow<'static, str>>,
        capacity: u32,
    ) -> Self {
        let name = intern(name);
        self.declare(move |sp| {
            sp.channel::<T>(name, capacity);
        })
    }

    /// Declares a read-write lock for the tasks to reach with [`Cx::rwlock`].
    pub fn rwlock(self, name: impl Into<Cow<'static, str>>) -> Self {
        let name = intern(name);
        self.declare(move |sp| {
            sp.rwlock(name);
        })
    }

    /// Declares a semaphore of `permits` for the tasks to reach with [`Cx::semaphore`].
    pub fn semaphore(self, name: impl Into<Cow<'static, str>>, permits: u32) -> Self {
        let name = intern(name);
        self.declare(move |sp| {
            sp.semaphore(name, permits);
        })
    }

    /// Declares a wait group for the tasks to reach with [`Cx::waitgroup`].
    pub fn waitgroup(self, name: impl Into<Cow<'static, str>>) -> Self {
        let name = intern(name);
        self.declare(move |sp| {
            sp.waitgroup(name);
        })
    }

    fn declare(mut self, declare: impl Fn(&mut Spawner<'_, S>) + 'static) -> Self {
        self.declared.push(Rc::new(declare));
        self
    }

    /// Adds an invariant.
    pub fn invariant(mut self, invariant: Invariant<S>) -> Self {
        self.invariants.push(invariant);
        self
    }

    /// Records the client operations its tasks mark ([`Cx::invoke`]) as the run's history,
    /// and checks that the history is `model`-consistent against `spec` at quiescence: the
    /// same as `.invariant(Invariant::consistency(model, spec))`.
    pub fn consistency<P>(self, model: Consistency, spec: P) -> Self
    where
        P: Spec + Send + Sync + 'static,
    {
        self.invariant(Invariant::consistency(model, spec))
    }
}

impl<S: Hash + 'static> Race<S> {
    /// Lets exploration fingerprint the state (it is `Hash`), so that a configuration reached
    /// again by another order is not explored again (see [`Model::fingerprint`]).
    pub fn hashed(mut self) -> Self {
        self.fingerprint = Some(fingerprint::of::<S>);
        self
    }
}

impl<S: 'static> Model for Race<S> {
    type State = S;

    fn init(&self) -> S {
        (self.init)()
    }

    fn workload(&self, spawner: &mut Spawner<'_, S>) {
        for declare in &self.declared {
            declare(spawner);
        }
        for (name, body) in &self.tasks {
            let body = body.clone();
            spawner.spawn(*name, move |cx| body(cx));
        }
    }

    fn settle(&self, spawner: &mut Spawner<'_, S>) {
        for (name, body) in &self.settle {
            let body = body.clone();
            spawner.spawn(*name, move |cx| body(cx));
        }
    }

    fn invariants(&self) -> &[Invariant<S>] {
        &self.invariants
    }

    fn fingerprint(&self, state: &S) -> Option<Fingerprint> {
        self.fingerprint.map(|f| f(state))
    }
}
