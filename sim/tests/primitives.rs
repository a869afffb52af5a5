//! Read-write locks, semaphores and wait groups, as Go's; names built at run time.

use raceway_sim::explore::{explore, Options};
use raceway_sim::{
    check, check_exhaustive, intern, Cx, Footprint, Invariant, Kind, Race, Runner, Search,
};

fn exhaustive() -> Search {
    Search::Exhaustive {
        preemptions: None,
        max_schedules: None,
    }
}

/// Who is inside a critical section now, and the most readers seen inside at once.
#[derive(Default, Hash)]
struct Inside {
    readers: u32,
    writers: u32,
    most_readers: u32,
}

fn no_reader_with_a_writer(s: &Inside) -> Result<(), String> {
    match (s.readers, s.writers) {
        (_, w) if w > 1 => Err(format!("{w} writers inside")),
        (r, 1) if r > 0 => Err(format!("a writer inside with {r} readers")),
        _ => Ok(()),
    }
}

async fn reader(cx: Cx<Inside>) {
    let _r = cx.read(cx.rwlock("rw")).await;
    cx.step("enter", Footprint::write("inside"), |s: &mut Inside| {
        s.readers += 1;
        s.most_readers = s.most_readers.max(s.readers);
    })
    .await;
    cx.step("leave", Footprint::write("inside"), |s| s.readers -= 1)
        .await;
}

async fn writer(cx: Cx<Inside>) {
    let rw = cx.rwlock("rw");
    cx.write_lock(rw).await;
    cx.step("enter", Footprint::write("inside"), |s: &mut Inside| {
        s.writers += 1
    })
    .await;
    cx.step("leave", Footprint::write("inside"), |s| s.writers -= 1)
        .await;
    cx.write_unlock(rw);
}

fn readers_and_writers() -> Race<Inside> {
    Race::new(Inside::default)
        .rwlock("rw")
        .task("r1", reader)
        .task("r2", reader)
        .task("w1", writer)
        .task("w2", writer)
        .invariant(Invariant::safety("exclusion", no_reader_with_a_writer))
}

#[test]
fn readers_share_the_lock_and_a_writer_excludes_everyone() {
    assert!(check_exhaustive(readers_and_writers()).complete);
    // Readers do share: some schedule has both inside at once.
    let shared = readers_and_writers().invariant(Invariant::convergence("one-reader", |s| match s
        .most_readers
    {
        2 => Err("two readers were inside at once".to_string()),
        _ => Ok(()),
    }));
    let found = check(shared, exhaustive()).unwrap_err();
    assert_eq!(found.violation.invariant, "one-reader");
}

#[test]
fn a_waiting_writer_keeps_new_readers_out_so_a_recursive_read_lock_deadlocks() {
    // Go's documented trap: a reader read-locks again while a writer waits.
    let race = Race::new(|| ())
        .rwlock("rw")
        .task("reader", |cx| async move {
            let rw = cx.rwlock("rw");
            let _outer = cx.read(rw).await;
            cx.step("work", Footprint::write("x"), |_| ()).await;
            let _inner = cx.read(rw).await;
        })
        .task("writer", |cx| async move {
            let _w = cx.write(cx.rwlock("rw")).await;
        });
    let found = check(race, exhaustive()).unwrap_err();
    assert_eq!(found.violation.kind, Kind::Deadlock);
    assert_eq!(
        found.violation.message,
        "no task can step: reader waits for read_lock(rw); writer waits for write_lock(rw)"
    );
}

#[test]
fn unlocking_an_unheld_rwlock_panics() {
    let race = Race::new(|| ()).rwlock("rw").task("a", |cx| async move {
        cx.read_unlock(cx.rwlock("rw"));
    });
    let found = check(race, Search::Random { runs: 1 }).unwrap_err();
    assert!(found.violation.message.contains("which no reader holds"));
}

/// `workers` workers share a semaphore of `permits`; the state counts who is inside.
fn pool(permits: u32, workers: u32) -> Race<(u32, u32)> {
    let mut race = Race::new(|| (0, 0)).semaphore("slots", permits);
    for i in 0..workers {
        race = race.task(format!("worker{i}"), |cx| async move {
            let slots = cx.semaphore("slots");
            cx.acquire_permits(slots, 1).await;
            cx.step("enter", Footprint::write("inside"), |s: &mut (u32, u32)| {
                s.0 += 1;
                s.1 = s.1.max(s.0);
            })
            .await;
            cx.step("leave", Footprint::write("inside"), |s| s.0 -= 1)
                .await;
            cx.release_permits(slots, 1);
        });
    }
    race
}

fn at_most(n: u32) -> Invariant<(u32, u32)> {
    Invariant::new(
        "at-most",
        Kind::Safety,
        raceway_sim::When::EveryStep,
        move |s: &(u32, u32)| match s.0 {
            inside if inside > n => Err(format!("{inside} inside")),
            _ => Ok(()),
        },
    )
}

#[test]
fn a_semaphore_lets_in_as_many_as_it_has_permits() {
    assert!(check_exhaustive(pool(2, 3).invariant(at_most(2))).complete);
    let found = check(pool(2, 3).invariant(at_most(1)), exhaustive()).unwrap_err();
    assert_eq!(found.violation.message, "2 inside");
}

#[test]
fn acquiring_more_than_a_semaphore_has_deadlocks_and_releasing_more_panics() {
    let greedy = Race::new(|| ())
        .semaphore("s", 2)
        .task("a", |cx| async move {
            cx.acquire_permits(cx.semaphore("s"), 3).await;
        });
    let found = check(greedy, Search::Random { runs: 1 }).unwrap_err();
    assert_eq!(
        found.violation.message,
        "no task can step: a waits for acquire(s, 3) with 2 free"
    );
    let generous = Race::new(|| ())
        .semaphore("s", 2)
        .task("a", |cx| async move {
            cx.release_permits(cx.semaphore("s"), 1);
        });
    let found = check(generous, Search::Random { runs: 1 }).unwrap_err();
    assert!(found.violation.message.contains("released more permits"));
}

/// `main` starts `n` workers that each add one to the state, waits for them with a wait
/// group when `wait`, and then reads the total.
fn fan_out(n: u32, wait: bool) -> Race<u32> {
    Race::new(|| 0u32)
        .waitgroup("wg")
        .task("main", move |cx| async move {
            let wg = cx.waitgroup("wg");
            for i in 0..n {
                cx.wg_add(wg, 1);
                cx.spawn(format!("w{i}"), move |cx| async move {
                    cx.step("add", Footprint::write("n"), |t| *t += 1).await;
                    cx.wg_done(wg);
                });
            }
            if wait {
                cx.wg_wait(wg).await;
            }
            let total = cx.step("total", Footprint::read("n"), |t| *t).await;
            assert_eq!(total, n, "read the total before every worker added");
        })
}

#[test]
fn a_wait_group_waits_until_its_counter_is_zero() {
    assert!(check_exhaustive(fan_out(3, true)).complete);
    let found = check(fan_out(3, false), exhaustive()).unwrap_err();
    assert_eq!(found.violation.kind, Kind::Panic);
}

#[test]
fn a_wait_group_below_zero_panics() {
    let race = Race::new(|| ()).waitgroup("wg").task("a", |cx| async move {
        cx.wg_done(cx.waitgroup("wg"));
    });
    let found = check(race, Search::Random { runs: 1 }).unwrap_err();
    assert!(found.violation.message.contains("negative counter"));
}

/// `n` workers named with `format!` in every run, each adding to its own cell (named at
/// run time too) with a label that carries the index.
fn cells(n: usize) -> Race<Vec<u32>> {
    let mut race = Race::new(move || vec![0u32; n]);
    for i in 0..n {
        let cell = intern(format!("cell[{i}]"));
        race = race.task(format!("worker{i}"), move |cx| async move {
            let label = || format!("cell[{i}] += 1");
            cx.step_labelled(label, Footprint::write(cell), move |c| c[i] += 1)
                .await;
        });
    }
    race
}

#[test]
fn names_built_at_run_time_are_interned_once() {
    assert!(std::ptr::eq(
        intern(format!("cell[{}]", 3)),
        intern("cell[3]".to_string())
    ));
    // The cells commute: one schedule covers them all.
    let found = explore(&mut Runner::new(cells(6)), &Options::default()).unwrap();
    assert!(found.complete);
    assert_eq!(found.schedules, 1);
    // 99 workers; the labels are built for the recorded trace.
    let mut sim = Runner::new(cells(99));
    let mut strategy = raceway_sim::strategy::Random::new(0);
    raceway_sim::Simulation::run(&mut sim, &mut strategy, true).unwrap();
    let rendered = raceway_sim::Simulation::trace(&sim).render();
    assert!(rendered.contains("cell[42] += 1"), "{rendered}");
    assert!(rendered.contains("worker42"), "{rendered}");
}

/// A producer sends 1 and 2 on a buffered channel and closes it; two consumers add what they
/// receive to a total, under a write lock when `locked` (a lost update otherwise).
fn summing(locked: bool) -> Race<u32> {
    Race::new(|| 0u32)
        .channel::<u32>("c", 1)
        .rwlock("rw")
        .task("producer", |cx| async move {
            let c = cx.channel::<u32>("c");
            for v in [1, 2] {
                cx.send(c, v).await;
            }
            cx.close(c).await;
        })
        .task("c1", move |cx| consume(cx, locked))
        .task("c2", move |cx| consume(cx, locked))
        .invariant(Invariant::convergence("sum", |n| match *n {
            3 => Ok(()),
            n => Err(format!("the total is {n}")),
        }))
        .hashed()
}

async fn consume(cx: Cx<u32>, locked: bool) {
    let c = cx.channel::<u32>("c");
    while let Some(v) = cx.recv(c).await {
        let held = match locked {
            true => Some(cx.write(cx.rwlock("rw")).await),
            false => None,
        };
        let n = cx.step("read", Footprint::read("n"), |n| *n).await;
        cx.step("write", Footprint::write("n"), move |t| *t = n + v)
            .await;
        drop(held);
    }
}

#[test]
fn stateful_exploration_of_channels_and_locks_agrees_with_stateless() {
    for locked in [true, false] {
        let run = |states: bool| {
            let options = Options {
                all: true,
                states,
                ..Options::default()
            };
            explore(&mut Runner::new(summing(locked)), &options).unwrap()
        };
        let (stateless, stateful) = (run(false), run(true));
        assert!(stateless.complete && stateful.complete && stateful.stateful);
        let found = |e: &raceway_sim::explore::Exploration| {
            let v = e
                .violations
                .iter()
                .map(|d| d.violation.invariant.to_string());
            v.collect::<Vec<_>>()
        };
        let want: &[&str] = if locked { &[] } else { &["sum"] };
        assert_eq!(found(&stateless), want, "locked: {locked}");
        assert_eq!(found(&stateless), found(&stateful), "locked: {locked}");
        assert!(stateful.schedules <= stateless.schedules);
    }
}

/// Every independence the reduction relied on, checked by running both orders.
fn audited<S: 'static>(race: Race<S>) -> u64 {
    let options = Options {
        all: true,
        audit: true,
        ..Options::default()
    };
    let found = explore(&mut Runner::new(race), &options).unwrap();
    let audit = found.audit.expect("every choice point fingerprinted");
    assert_eq!(audit.failure, None);
    audit.checked
}

#[test]
fn the_primitives_footprints_pass_the_audit() {
    let mut checked = audited(summing(true)) + audited(summing(false));
    checked += audited(readers_and_writers().hashed());
    checked += audited(pool(2, 3).hashed());
    checked += audited(fan_out(2, true).hashed());
    // Selects over buffered and unbuffered channels, two pairs of partners.
    let selects = Race::new(|| 0u32)
        .channel::<u32>("a", 1)
        .channel::<u32>("b", 0)
        .channel::<u32>("c", 1)
        .task("s1", |cx| async move {
            let (a, b) = (cx.channel::<u32>("a"), cx.channel::<u32>("b"));
            cx.select().send(a, 1, || ()).send(b, 2, || ()).wait().await;
            cx.step("x", Footprint::write("x"), |x| *x += 1).await;
        })
        .task("s2", |cx| async move {
            let (a, b) = (cx.channel::<u32>("a"), cx.channel::<u32>("b"));
            let c = cx.channel::<u32>("c");
            let got = cx.select().recv(a, |v| v).recv(b, |v| v).wait().await;
            cx.send(c, got.unwrap()).await;
        })
        .task("s3", |cx| async move {
            let c = cx.channel::<u32>("c");
            let v = cx.select().recv(c, |v| v).or_default(|| None).await;
            cx.step("y", Footprint::write("x"), move |x| *x += v.unwrap_or(10))
                .await;
        })
        .hashed();
    checked += audited(selects);
    assert!(checked > 0);
}
