//! The NTT's large-size contracts through the `zkhdl` binary: `sim ntt --four-step` (results
//! checked here against a plain O(N^2) DFT, independent of arkworks and of zkhdl's golden
//! crate) and `estimate ntt` (the JSON keys, the anchors, the projection's arithmetic), with
//! their bad inputs (exit 2, one line).

use serde_json::Value;
use std::process::{Command, Output};

fn zkhdl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkhdl"))
        .args(args)
        .output()
        .expect("zkhdl runs")
}

fn stdout_json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// A bad input: exit code 2, one line on stderr naming the problem, no panic.
fn assert_bad_input(args: &[&str], needle: &str) {
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

const P: u64 = (1 << 31) - (1 << 27) + 1; // BabyBear

fn pow(mut b: u64, mut e: u64) -> u64 {
    let mut r = 1u64;
    b %= P;
    while e > 0 {
        if e & 1 == 1 {
            r = r * b % P;
        }
        b = b * b % P;
        e >>= 1;
    }
    r
}

fn hex(v: &Value) -> u64 {
    u64::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

/// BabyBear 2^9 (odd: 2^5 x 2^4) forward and inverse through the four-step method; each output
/// is recomputed here from the definition with w = 31^((p - 1) / 2^9) (31 generates the
/// multiplicative group).
#[test]
fn four_step_matches_a_plain_dft() {
    let k = 9u64;
    let n = 1usize << k;
    for inverse in [false, true] {
        let mut args = vec![
            "sim",
            "ntt",
            "--field",
            "babybear",
            "--log-n",
            "9",
            "--lanes",
            "2",
            "--four-step",
            "--random",
            "1",
            "--seed",
            "5",
            "--json",
        ];
        if inverse {
            args.push("--inverse");
        }
        let o = zkhdl(&args);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let j = stdout_json(&o);
        for key in [
            "outputs",
            "matches_golden",
            "four_step",
            "memory_words_read",
            "memory_words_written",
            "passes",
            "cycles",
            "bandwidth_words_per_cycle",
        ] {
            assert!(j.get(key).is_some(), "missing {key}: {j}");
        }
        assert_eq!(j["four_step"], true);
        assert_eq!(j["matches_golden"], true);
        assert_eq!(j["memory_words_read"].as_u64(), Some(2 * n as u64));
        assert_eq!(j["memory_words_written"].as_u64(), Some(2 * n as u64));
        assert_eq!(j["bandwidth_words_per_cycle"].as_f64(), Some(4.0));
        assert_eq!(
            (j["pass1_log_n"].as_u64(), j["pass2_log_n"].as_u64()),
            (Some(4), Some(5))
        );
        let mut w = pow(31, (P - 1) >> k);
        if inverse {
            w = pow(w, P - 2);
        }
        let n_inv = pow(n as u64, P - 2);
        let x: Vec<u64> = j["inputs"][0].as_array().unwrap().iter().map(hex).collect();
        let y: Vec<u64> = j["outputs"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(hex)
            .collect();
        assert_eq!((x.len(), y.len()), (n, n));
        for (i, yi) in y.iter().enumerate() {
            let wi = pow(w, i as u64);
            let (mut s, mut t) = (0u64, 1u64);
            for xt in &x {
                s = (s + xt * t) % P;
                t = t * wi % P;
            }
            if inverse {
                s = s * n_inv % P;
            }
            assert_eq!(*yi, s, "inverse={inverse} output {i}");
        }
    }
}

#[test]
fn four_step_refuses_bad_shapes() {
    let base = ["sim", "ntt", "--four-step", "--random", "1", "--seed", "1"];
    let with = |extra: &[&'static str]| {
        let mut a: Vec<&str> = base.to_vec();
        a.extend_from_slice(extra);
        a
    };
    // BabyBear's 2-adicity is 27.
    assert_bad_input(
        &with(&["--field", "babybear", "--log-n", "28"]),
        "2-adicity is 27",
    );
    assert_bad_input(
        &with(&["--field", "goldilocks", "--log-n", "1"]),
        "at least 2",
    );
    assert_bad_input(
        &with(&["--field", "goldilocks", "--log-n", "6", "--lanes", "16"]),
        "--lanes 16",
    );
    assert_bad_input(
        &with(&["--field", "goldilocks", "--log-n", "6", "--lanes", "3"]),
        "--lanes 3",
    );
    assert_bad_input(
        &with(&[
            "--field",
            "goldilocks",
            "--log-n",
            "6",
            "--output-order",
            "bit-reversed",
        ]),
        "natural order",
    );
    assert_bad_input(&with(&["--field", "nonsense", "--log-n", "6"]), "nonsense");
    // The flag belongs to --four-step (a usage error from the parser: exit 2).
    let o = zkhdl(&[
        "sim",
        "ntt",
        "--field",
        "goldilocks",
        "--log-n",
        "6",
        "--words-per-cycle",
        "4",
        "--random",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(2));
}
