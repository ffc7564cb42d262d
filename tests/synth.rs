//! Synthesis flows through the CLI on small configurations: ECP5 place and route with Fmax,
//! iCE40 through the serial I/O harness, UltraScale+ and generic resource counts, a design too
//! large for its part, and `explore`'s table and plot. Needs the tools `./setup.sh` installs.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

fn zkhdl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkhdl"))
        .args(args)
        .output()
        .expect("zkhdl runs")
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("zkhdl-synth-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn json(o: &Output) -> Value {
    assert_eq!(
        o.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

const M61: &str = "0x1fffffffffffffff";

#[test]
fn ecp5_places_and_routes_an_iterative_modmul() {
    let d = tmp("ecp5");
    let v = json(&zkhdl(&[
        "synth",
        "modmul",
        "--modulus",
        M61,
        "--arch",
        "iterative",
        "--tiles",
        "2",
        "--target",
        "ecp5-85k",
        "--freq",
        "50",
        "--json",
        "--out",
        d.to_str().unwrap(),
    ]));
    assert_eq!(v["dsps"], 2, "one MULT18X18D per tile: {v}");
    let fmax = v["fmax_mhz"].as_f64().expect("Fmax after place and route");
    assert!(fmax > 20.0 && fmax < 500.0, "{fmax}");
    assert!(v["luts"].as_u64().unwrap() > 100);
    assert_eq!(v["utilization"]["MULT18X18D"][1], 156);
    assert!(v["throughput_mops"].as_f64().unwrap() > 0.0);
}

#[test]
fn ice40_routes_through_the_serial_harness_and_rejects_a_large_design() {
    let d = tmp("ice40");
    let v = json(&zkhdl(&[
        "synth",
        "modadd",
        "--modulus",
        M61,
        "--target",
        "ice40-up5k",
        "--json",
        "--out",
        d.to_str().unwrap(),
    ]));
    assert!(v["fmax_mhz"].as_f64().unwrap() > 5.0, "{v}");
    assert!(v["luts"].as_u64().unwrap() < 5280);
    // A pipelined 61-bit modmul needs dozens of 16x16 tiles; the part has 8 DSPs.
    let o = zkhdl(&[
        "synth",
        "modmul",
        "--modulus",
        M61,
        "--tile",
        "16x16",
        "--karatsuba",
        "0",
        "--target",
        "ice40-up5k",
        "--out",
        tmp("ice40-big").to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("does not fit ice40-up5k") && err.contains("DSPs but the part has 8"),
        "{err}"
    );
    assert!(err.contains("over"), "{err}");
}

#[test]
fn xcup_and_generic_count_resources() {
    let v = json(&zkhdl(&[
        "synth",
        "modmul",
        "--modulus",
        M61,
        "--tile",
        "26x17",
        "--karatsuba",
        "0",
        "--target",
        "xcup",
        "--part",
        "vu9p",
        "--json",
        "--out",
        tmp("xcup").to_str().unwrap(),
    ]));
    // The fit on a VU9P (DS923: 1,182,240 LUTs, 2,364,480 FFs, 6,840 DSP48E2): the cores that
    // fit are set by the scarcest resource.
    let cap = [("luts", 1_182_240u64), ("ffs", 2_364_480), ("dsps", 6_840)];
    let cores = cap
        .iter()
        .filter(|(k, _)| v[*k].as_u64().unwrap() > 0)
        .map(|(k, c)| c / v[*k].as_u64().unwrap())
        .min()
        .unwrap();
    assert_eq!(v["part"], "vu9p", "{v}");
    assert_eq!(v["fits"], true);
    assert_eq!(v["cores_that_fit"].as_u64(), Some(cores), "{v}");
    let limiting = cap
        .iter()
        .max_by(|a, b| {
            let f = |(k, c): &(&str, u64)| v[*k].as_u64().unwrap() as f64 / *c as f64;
            f(a).partial_cmp(&f(b)).unwrap()
        })
        .unwrap()
        .0;
    assert_eq!(v["limiting_resource"], limiting, "{v}");
    // At most one DSP48E2 per tile: a tile whose constant operand is trivial (this Mersenne
    // prime has p' = 1 and all-ones chunks) may become logic once the design is flattened.
    let (dsps, tiles) = (v["dsps"].as_u64().unwrap(), v["tiles"].as_u64().unwrap());
    assert!(
        dsps > 0 && dsps <= tiles,
        "{dsps} DSP48E2 for {tiles} tiles: {v}"
    );
    assert!(v["cells"]["DSP48E2"].as_u64() == Some(dsps));
    assert!(v["fmax_mhz"].is_null());
    let v = json(&zkhdl(&[
        "synth",
        "modadd",
        "--modulus",
        "0xb",
        "--target",
        "generic",
        "--json",
        "--out",
        tmp("generic").to_str().unwrap(),
    ]));
    assert!(
        v["luts"].as_u64().unwrap() > 0 && v["ffs"].as_u64().unwrap() > 0,
        "{v}"
    );
}

#[test]
fn explore_writes_table_and_plot() {
    let d = tmp("explore");
    let o = zkhdl(&[
        "explore",
        "modmul",
        "--modulus",
        M61,
        "--target",
        "generic",
        "--archs",
        "pipelined,iterative",
        "--levels",
        "0",
        "--iterative-tiles",
        "1,2",
        "--out",
        d.to_str().unwrap(),
        "--json",
    ]);
    let v = json(&o);
    assert_eq!(v["points"].as_array().unwrap().len(), 3);
    assert!(!v["pareto"].as_array().unwrap().is_empty());
    let svg = std::fs::read_to_string(d.join("pareto.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("circle"));
    assert!(std::fs::read_to_string(d.join("explore.md"))
        .unwrap()
        .contains("| config |"));
}

#[test]
fn bad_part_is_a_clear_error() {
    for (args, needle) in [
        (
            &[
                "synth",
                "modadd",
                "--modulus",
                M61,
                "--target",
                "xcup",
                "--part",
                "vu99p",
            ][..],
            "unknown --part",
        ),
        (
            &[
                "synth",
                "modadd",
                "--modulus",
                M61,
                "--target",
                "generic",
                "--part",
                "u250",
            ][..],
            "needs --target xcup",
        ),
        (
            &[
                "synth", "msm", "--curve", "bn254", "--target", "xcup", "--part", "ecp5-85k",
            ][..],
            "needs --target ecp5-85k",
        ),
        (
            &[
                "synth",
                "point-add",
                "--curve",
                "bn254",
                "--target",
                "ice40-up5k",
            ][..],
            "not ice40-up5k",
        ),
    ] {
        let o = zkhdl(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(needle) && err.lines().count() == 1,
            "{args:?}: {err}"
        );
    }
}

#[test]
fn bad_target_is_a_clear_error() {
    let o = zkhdl(&["synth", "modadd", "--modulus", M61, "--target", "vu9p"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("ecp5-85k, ice40-up5k, xcup or generic"));
}
