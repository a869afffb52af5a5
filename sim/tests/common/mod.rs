//! Models more than one test binary of the engine uses.

use raceway_sim::{Footprint, Invariant, Race};

/// Two read-then-write increments racing on `n`: a lost update, the smallest race there is.
pub fn lost_update() -> Race<u32> {
    let increment = |cx: raceway_sim::Cx<u32>| async move {
        let v = cx.step("read n", Footprint::read("n"), |n| *n).await;
        cx.step("write n", Footprint::write("n"), move |n| *n = v + 1)
            .await;
    };
    Race::new(|| 0)
        .task("a", increment)
        .task("b", increment)
        .invariant(Invariant::convergence("no-lost-update", |n| match *n {
            2 => Ok(()),
            n => Err(format!("n is {n}")),
        }))
}
