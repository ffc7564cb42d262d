//! Shared test helpers: seeds that are printed and can be replayed.

#![allow(dead_code)]

use zkhdl_sim::run::SimOptions;

/// The seed for a randomized test: `ZKHDL_TEST_SEED` when set (to replay a failure), otherwise
/// a fresh one. Printed either way; cargo shows it when the test fails.
pub fn test_seed(test: &str) -> u64 {
    let seed = std::env::var("ZKHDL_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                % 1_000_000_007
        });
    eprintln!("{test}: seed {seed} (replay with ZKHDL_TEST_SEED={seed})");
    seed
}

pub fn quiet() -> SimOptions {
    SimOptions::default()
}
