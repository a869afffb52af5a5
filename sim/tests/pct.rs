//! PCT's guarantee at any number of tasks: a bug of depth 1 (one ordering constraint: the last
//! of `n` tasks must step first) is found with probability at least `1/n` per run.
//!
//! The thresholds come from that bound, not from tuning: a stream of `10·n` seeds misses the
//! bug with probability at most `(1 - 1/n)^(10n) < e^-10 ≈ 4.5·10⁻⁵`, so every one of five
//! disjoint streams must find it (the test fails spuriously with probability below 2.3·10⁻⁴
//! per `n` if PCT meets its bound, and the seeds are fixed, so it never flakes).

use raceway_sim::drive::pct_steps;
use raceway_sim::search::first_violation;
use raceway_sim::strategy::Seeds;
use raceway_sim::{Footprint, Invariant, Kind, Model, Runner, Spawner, When};

/// `n` tasks, one step each; the first to step writes its id into `first`.
struct LastFirst {
    n: u32,
    invariants: Vec<Invariant<Option<u32>>>,
}

impl LastFirst {
    fn new(n: u32) -> Self {
        let last = n - 1;
        let not_last_first = Invariant::new(
            "last-does-not-run-first",
            Kind::Safety,
            When::EveryStep,
            move |first: &Option<u32>| match *first {
                Some(t) if t == last => Err(format!("task {t}, the last of {n}, stepped first")),
                _ => Ok(()),
            },
        );
        Self {
            n,
            invariants: vec![not_last_first],
        }
    }
}

impl Model for LastFirst {
    type State = Option<u32>;
    fn init(&self) -> Option<u32> {
        None
    }
    fn workload(&self, sp: &mut Spawner<'_, Option<u32>>) {
        for _ in 0..self.n {
            sp.spawn("t", |cx| async move {
                let me = cx.id();
                cx.step("claim", Footprint::write("first"), move |f| {
                    f.get_or_insert(me);
                })
                .await;
            });
        }
    }
    fn invariants(&self) -> &[Invariant<Option<u32>>] {
        &self.invariants
    }
}

fn every_stream_finds_it(n: u32) {
    let mut sim = Runner::new(LastFirst::new(n));
    let k = pct_steps(&mut sim);
    assert_eq!(k, n, "a whole run takes one step per task");
    let per_stream = 10 * u64::from(n);
    for stream in 0..5 {
        let seeds = stream * per_stream..(stream + 1) * per_stream;
        let found = first_violation(&mut sim, &mut Seeds::pct(seeds.clone(), 1, k)).unwrap();
        assert!(
            found.is_some(),
            "n = {n}: PCT d=1 missed the bug in seeds {seeds:?}"
        );
    }
}

#[test]
fn pct_finds_the_last_of_8_tasks_first() {
    every_stream_finds_it(8);
}

#[test]
fn pct_finds_the_last_of_64_tasks_first() {
    every_stream_finds_it(64);
}

#[test]
fn pct_finds_the_last_of_65_tasks_first() {
    every_stream_finds_it(65);
}

#[test]
fn pct_finds_the_last_of_200_tasks_first() {
    every_stream_finds_it(200);
}
