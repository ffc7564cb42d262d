//! Scaffolding shared by the CLI test files: run the `zkhdl` binary, a fresh scratch folder,
//! stdout as JSON, and the bad-input contract (exit 2, one line naming the problem, no panic).
#![allow(dead_code)] // each test file uses its own subset

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

pub fn zkhdl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkhdl"))
        .args(args)
        .output()
        .expect("zkhdl runs")
}

/// An empty scratch folder `zkhdl-<suite>-<pid>-<name>` under the system's temp dir.
pub fn tmp(suite: &str, name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("zkhdl-{suite}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The command succeeded (exit 0); its stderr is the failure message otherwise.
#[track_caller]
pub fn assert_exit_ok(o: &Output) {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

pub fn stdout_json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// A bad input: exit code 2, one line on stderr naming the problem, no panic.
pub fn assert_bad_input(args: &[&str], needle: &str) {
    let o = zkhdl(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: stderr {err}");
    assert!(
        err.contains(needle),
        "{args:?}: {err:?} should mention {needle:?}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
}
