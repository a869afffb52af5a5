//! Channel operations allocate nothing per step in an unrecorded run: a run's allocations do
//! not grow with the number of values it moves through its channels (a counting allocator,
//! in a test binary of its own so that no other test's allocations are counted). A run does
//! allocate a dozen times: its tasks' futures, each channel's store and its lists of waiting
//! tasks on their first use.

use raceway_sim::strategy::Random;
use raceway_sim::{Footprint, Race, Runner, Simulation};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

struct Counting;
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// A producer sends `n` values on each of an unbuffered and a buffered channel, through a
/// select and plain sends; a consumer receives them all.
fn traffic(n: u32) -> Race<u32> {
    Race::new(|| 0)
        .channel::<u32>("sync", 0)
        .channel::<u32>("buffered", 2)
        .task("producer", move |cx| async move {
            let (s, b) = (cx.channel::<u32>("sync"), cx.channel::<u32>("buffered"));
            for v in 0..n {
                cx.send(s, v).await;
                cx.select().send(b, v, || ()).wait().await;
            }
        })
        .task("consumer", move |cx| async move {
            let (s, b) = (cx.channel::<u32>("sync"), cx.channel::<u32>("buffered"));
            for _ in 0..n {
                let got = cx.recv(s).await.unwrap() + cx.recv(b).await.unwrap();
                cx.step("add", Footprint::write("sum"), move |t| *t += got)
                    .await;
            }
        })
}

/// Allocations of one unrecorded run of `race` with seed `seed`, after a first run that
/// warmed the runner's buffers.
fn allocations(race: Race<u32>, seed: u64) -> u64 {
    let mut sim = Runner::new(race);
    sim.run(&mut Random::new(seed), false).unwrap();
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let verdict = sim.run(&mut Random::new(seed), false).unwrap();
    assert!(verdict.violation.is_none());
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

#[test]
fn channel_operations_allocate_nothing_per_step() {
    for seed in 0..5 {
        assert_eq!(
            allocations(traffic(30), seed),
            allocations(traffic(300), seed),
            "seed {seed}"
        );
    }
}
