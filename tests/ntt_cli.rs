//! The NTT's large-size contracts through the `zkhdl` binary: `sim ntt --four-step` (results
//! checked here against a plain O(N^2) DFT, independent of arkworks and of zkhdl's golden
//! crate) and `estimate ntt` (the JSON keys, the anchors, the projection's arithmetic), with
//! their bad inputs (exit 2, one line).

use serde_json::Value;

mod common;
use common::{assert_bad_input, assert_exit_ok, stdout_json, zkhdl};

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
        assert_exit_ok(&o);
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

fn estimate(args: &[&str]) -> Value {
    let mut a = vec!["estimate", "ntt"];
    a.extend_from_slice(args);
    a.push("--json");
    let o = zkhdl(&a);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{a:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    stdout_json(&o)
}

fn f(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} missing or not a number: {v}"))
}

/// The contract's command: the keys, the anchors, and the time recomputed here from the
/// reported cycles, clock, words and bandwidth.
#[test]
fn estimate_goldilocks_2_24_on_u55c() {
    let v = estimate(&["--field", "goldilocks", "--log-n", "24", "--part", "u55c"]);
    for key in [
        "part",
        "field",
        "log_n",
        "seconds",
        "ms",
        "cores",
        "lanes",
        "dsps",
        "fits",
        "limiting_resource",
        "bandwidth_gb_s",
        "freq_mhz",
        "memory_words_moved",
        "bound",
        "anchors",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["part"], "u55c");
    assert_eq!(v["log_n"], 24);
    assert_eq!(v["fits"], true);
    assert_eq!(f(&v, "bandwidth_gb_s"), 460.0);
    let anchors: Vec<f64> = v["anchors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["ms"].as_f64().unwrap())
        .collect();
    assert_eq!(anchors, [2.47, 45.0]);
    let n = (1u64 << 24) as f64;
    assert_eq!(f(&v, "memory_words_moved"), 4.0 * n);
    assert_eq!(f(&v, "word_bytes"), 8.0);
    // Each pass: max(compute, memory); memory = 2N words of 8 bytes at 460 GB/s.
    let hz = f(&v, "freq_mhz") * 1e6;
    let mem_pass = 2.0 * n * 8.0 / 460e9;
    let cycles: Vec<f64> = v["pass_cycles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_f64().unwrap())
        .collect();
    let want: f64 = cycles.iter().map(|c| (c / hz).max(mem_pass)).sum();
    assert!((f(&v, "seconds") - want).abs() < 1e-12, "{v}");
    assert!((f(&v, "ms") - want * 1e3).abs() < 1e-9);
    // The units share the passes: each pass at least N / (P x cores) cycles.
    let per = n / (f(&v, "lanes") * f(&v, "cores"));
    assert!(cycles.iter().all(|&c| c >= per), "{cycles:?} vs {per}");
    let compute: f64 = cycles.iter().map(|c| c / hz).sum();
    let bound = if 2.0 * mem_pass >= compute {
        "memory"
    } else {
        "compute"
    };
    assert_eq!(v["bound"], bound);
    // Used resources are cores x one unit, within the part.
    let cores = v["cores"].as_u64().unwrap();
    assert!(cores >= 1);
    assert_eq!(
        v["dsps"].as_u64(),
        Some(cores * v["per_core"]["dsps"].as_u64().unwrap())
    );
    assert!(v["dsps"].as_u64().unwrap() <= 9024);
}

#[test]
fn estimate_follows_clock_bandwidth_and_part() {
    let base = ["--field", "babybear", "--log-n", "20", "--part", "u250"];
    let a = estimate(&base);
    let mut fast = base.to_vec();
    fast.extend_from_slice(&["--freq", "500"]);
    let b = estimate(&fast);
    assert!((f(&a, "compute_s") / f(&b, "compute_s") - 2.0).abs() < 1e-9);
    assert_eq!(f(&a, "word_bytes"), 4.0);
    assert_eq!(f(&a, "bandwidth_gb_s"), 77.0);
    let mut wide = base.to_vec();
    wide.extend_from_slice(&["--bandwidth", "154"]);
    let c = estimate(&wide);
    assert!((f(&a, "memory_s") / f(&c, "memory_s") - 2.0).abs() < 1e-9);
    // The small part: 18x18 tiles, and a 2^24 Goldilocks unit does not fit.
    let e = estimate(&[
        "--field",
        "goldilocks",
        "--log-n",
        "24",
        "--part",
        "ecp5-85k",
    ]);
    assert_eq!(e["tile"], "18x18");
    assert_eq!(e["fits"], false);
    let e = estimate(&[
        "--field", "babybear", "--log-n", "8", "--part", "ecp5-85k", "--lanes", "1",
    ]);
    assert_eq!(e["fits"], true, "{e}");
}

#[test]
fn estimate_refuses_bad_input() {
    let run = |extra: &[&'static str], needle: &str| {
        let mut a = vec!["estimate", "ntt"];
        a.extend_from_slice(extra);
        assert_bad_input(&a, needle);
    };
    run(
        &["--field", "goldilocks", "--log-n", "24", "--part", "vu19p"],
        "unknown --part",
    );
    run(
        &["--field", "nonsense", "--log-n", "24", "--part", "u55c"],
        "nonsense",
    );
    run(
        &["--field", "babybear", "--log-n", "28", "--part", "u55c"],
        "2-adicity is 27",
    );
    run(
        &["--field", "goldilocks", "--log-n", "33", "--part", "u55c"],
        "2-adicity is 32",
    );
    run(
        &[
            "--field",
            "goldilocks",
            "--log-n",
            "24",
            "--part",
            "u55c",
            "--lanes",
            "3",
        ],
        "--lanes 3",
    );
    run(
        &[
            "--field",
            "goldilocks",
            "--log-n",
            "24",
            "--part",
            "u55c",
            "--freq",
            "0",
        ],
        "--freq",
    );
}
