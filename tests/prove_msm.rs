//! `zkhdl prove msm`: the MSM controller's proof at a small depth holds (exit 0, JSON report
//! with its three jobs), a seeded mutant fails with a counterexample trace (exit 1) naming the
//! assertion it breaks, and bad options are refused (exit 2).

use std::path::PathBuf;

mod common;
use common::{assert_bad_input, assert_exit_ok, stdout_json as json, zkhdl};

fn tmp(name: &str) -> PathBuf {
    common::tmp("prove-msm", name)
}

#[test]
fn prove_msm_holds_and_a_mutant_fails() {
    let d = tmp("run");
    let dir = d.to_string_lossy().into_owned();
    // Depth 22: the clearing walk of both banks (12 cycles) and a few points.
    let o = zkhdl(&["prove", "msm", "--depth", "22", "--out", &dir, "--json"]);
    assert_exit_ok(&o);
    let j = json(&o);
    assert_eq!(j["core"], "msm");
    assert_eq!(j["status"], "pass");
    assert_eq!(j["mode"], "bmc");
    assert_eq!(j["depth"], 22);
    assert_eq!(j["solver"], "yices");
    assert_eq!(j["mutant"], false);
    assert_eq!(j["structural"]["pass"], true);
    let jobs = j["jobs"].as_array().expect("jobs");
    assert_eq!(jobs.len(), 3);
    for (job, prop) in jobs.iter().zip(["(a)", "(b)", "(c)"]) {
        assert_eq!(job["status"], "pass");
        assert!(job["property"].as_str().unwrap().contains(prop), "{job}");
    }
    let o = zkhdl(&[
        "prove", "msm", "--depth", "22", "--mutant", "hazard", "--out", &dir, "--json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let j = json(&o);
    assert_eq!(j["status"], "fail");
    assert_eq!(j["mutant"], true);
    assert_eq!(j["mutant_name"], "hazard");
    assert_eq!(j["job_names"][0], "hazard-progress");
    assert!(
        j["failed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "hazard_free"),
        "{j}"
    );
    let trace = j["trace"].as_str().expect("a counterexample trace");
    assert!(std::path::Path::new(trace).exists(), "{trace}");
    // in_ready from in_valid: the miter's trace and the structural check both see it.
    let o = zkhdl(&[
        "prove",
        "msm",
        "--depth",
        "18",
        "--mutant",
        "ready-from-valid",
        "--out",
        &dir,
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let j = json(&o);
    assert_eq!(j["structural"]["pass"], false);
    let failed = j["failed"].as_array().unwrap();
    for label in ["ready_independent_of_valid", "in_ready_structure"] {
        assert!(failed.iter().any(|f| f == label), "{j}");
    }
}

#[test]
fn prove_msm_refuses_bad_options() {
    assert_bad_input(
        &["prove", "msm", "--mutant", "nonsense"],
        "unknown msm mutant",
    );
    assert_bad_input(&["prove", "msm", "--window", "1"], "window");
    assert_bad_input(&["prove", "msm", "--fifo-depth", "3"], "FIFO");
    assert_bad_input(&["prove", "msm", "--solver", "cvc5"], "unknown solver");
    assert_bad_input(&["prove", "msm", "--depth", "0"], "--depth");
    assert_bad_input(&["prove", "msm", "--scalar-bits", "0"], "--scalar-bits");
}
