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

/// Compiles `file` (a self-checking bench) with Icarus Verilog into `dir` and runs it: the
/// bench's report lines, `MISMATCH ...` for each wrong result and `DONE n` with the results
/// compared. Returns (mismatch lines, n); panics when there is no `DONE` line.
pub fn run_icarus_bench(file: &std::path::Path, dir: &std::path::Path) -> (Vec<String>, usize) {
    use std::process::Command;
    let exe = dir.join("tb.vvp");
    let c = Command::new("iverilog")
        .args(["-g2012", "-o"])
        .arg(&exe)
        .arg(file)
        .output()
        .expect("iverilog on PATH");
    assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stderr));
    let r = Command::new("vvp").arg(&exe).output().expect("vvp on PATH");
    let out = String::from_utf8_lossy(&r.stdout).into_owned();
    let done = out
        .lines()
        .find_map(|l| l.strip_prefix("DONE "))
        .unwrap_or_else(|| panic!("no DONE line: {out}"))
        .trim()
        .parse()
        .unwrap();
    let bad = out
        .lines()
        .filter(|l| l.starts_with("MISMATCH"))
        .map(String::from)
        .collect();
    (bad, done)
}
