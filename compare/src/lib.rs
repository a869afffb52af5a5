//! raceway side by side with other tools on the same race. The comparisons are benchmarks
//! (`benches/`); this library holds nothing, so that `cargo test` never builds the other tools:
//! `cargo bench -p raceway-compare --features shuttle` does.
