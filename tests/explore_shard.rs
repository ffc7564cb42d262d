//! `explore --shard I/N` and `explore --merge`: a small sweep (a 16-bit prime on the `generic`
//! target, a few seconds per configuration) run whole, then as two shards merged back, must
//! give the same table, plot and explore.json apart from the fields documented to differ (each
//! point's `dir`, `synth_s`, `pnr_s`, and the `plot` path). Needs the tools `./setup.sh`
//! installs (yosys).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::zkhdl;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("zkhdl-shard-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn ok(o: &Output) {
    assert_eq!(
        o.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Exit code 2 with a one-line message containing `what`.
fn usage_error(o: &Output, what: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("zkhdl: error: "), "{err}");
    assert!(err.contains(what), "wanted {what:?} in {err}");
}

fn read(d: &Path, f: &str) -> String {
    std::fs::read_to_string(d.join(f)).unwrap_or_else(|e| panic!("{}: {e}", d.join(f).display()))
}

fn json(d: &Path) -> Value {
    serde_json::from_str(&read(d, "explore.json")).unwrap()
}

/// explore.json without the fields that say where and how long each synthesis ran.
fn comparable(mut v: Value) -> Value {
    v.as_object_mut().unwrap().remove("plot");
    for p in v["points"].as_array_mut().unwrap() {
        for k in ["dir", "synth_s", "pnr_s"] {
            p.as_object_mut().unwrap().remove(k);
        }
    }
    v
}

const SWEEP: [&str; 10] = [
    "explore",
    "modmul",
    "--modulus",
    "0xfff1",
    "--target",
    "generic",
    "--levels",
    "0,1",
    "--iterative-tiles",
    "1,2,4",
];
const LABELS: [&str; 5] = [
    "pipelined 16x16 K0",
    "pipelined 16x16 K1",
    "iterative 16x16 x1",
    "iterative 16x16 x2",
    "iterative 16x16 x4",
];

fn sweep(extra: &[&str]) -> Output {
    let mut args = SWEEP.to_vec();
    args.extend_from_slice(extra);
    zkhdl(&args)
}

#[test]
fn two_shards_merge_to_the_unsharded_run() {
    let (whole, s1, s2, merged) = (tmp("whole"), tmp("s1"), tmp("s2"), tmp("merged"));
    let o = sweep(&["--out", whole.to_str().unwrap(), "--json"]);
    ok(&o);
    let printed: Value = serde_json::from_slice(&o.stdout).unwrap();
    let want = json(&whole);
    assert_eq!(printed, want);
    for (dir, shard) in [(&s1, "1/2"), (&s2, "2/2")] {
        ok(&sweep(&["--shard", shard, "--out", dir.to_str().unwrap()]));
    }
    // Round robin: configurations 0, 2, 4 are shard 1's, 1 and 3 shard 2's; each shard
    // synthesized only its own.
    for (dir, shard, mine) in [(&s1, "1/2", vec![0, 2, 4]), (&s2, "2/2", vec![1, 3])] {
        let v = json(dir);
        assert_eq!(v["shard"], shard);
        assert!(v.get("pareto").is_none() && !dir.join("explore.md").exists());
        let got: Vec<u64> = v["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["index"].as_u64().unwrap())
            .collect();
        assert_eq!(got, mine.iter().map(|&k| k as u64).collect::<Vec<_>>());
        for k in 0..LABELS.len() {
            let synthesized = dir.join(format!("{k:02}")).join("zk_modmul.v").exists();
            assert_eq!(
                synthesized,
                mine.contains(&k),
                "{} config {k}",
                dir.display()
            );
        }
    }
    // Shards in either order.
    let o = zkhdl(&[
        "explore",
        "--merge",
        s2.to_str().unwrap(),
        s1.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    ok(&o);
    let table = read(&merged, "explore.md");
    assert_eq!(table, read(&whole, "explore.md"));
    assert_eq!(read(&merged, "pareto.svg"), read(&whole, "pareto.svg"));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with(&table));
    let got = json(&merged);
    assert_eq!(comparable(got.clone()), comparable(want.clone()));
    // The merged rows are the shards' own (their work folders), not a rerun.
    for (k, p) in got["points"].as_array().unwrap().iter().enumerate() {
        let from = if k % 2 == 0 { &s1 } else { &s2 };
        assert_eq!(
            p["dir"].as_str().unwrap(),
            from.join(format!("{k:02}")).to_str().unwrap()
        );
    }
    assert_eq!(got["plot"], merged.join("pareto.svg").to_str().unwrap());

    // What the files say, checked from the rows themselves: every configuration in sweep
    // order, one table line each, and the Pareto set recomputed here.
    let points = want["points"].as_array().unwrap();
    let labels: Vec<&str> = points
        .iter()
        .map(|p| p["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, LABELS);
    assert_eq!(table.lines().count(), 2 + LABELS.len());
    for (line, label) in table.lines().skip(2).zip(LABELS) {
        assert!(line.starts_with(&format!("| {label} |")), "{line}");
    }
    let xy: Vec<(f64, f64)> = points
        .iter()
        .map(|p| {
            (
                p["luts"].as_f64().unwrap(),
                p["throughput_mops"].as_f64().unwrap(),
            )
        })
        .collect();
    let front: Vec<&str> = (0..xy.len())
        .filter(|&i| {
            !xy.iter()
                .any(|&(a, t)| a <= xy[i].0 && t >= xy[i].1 && (a < xy[i].0 || t > xy[i].1))
        })
        .map(|i| LABELS[i])
        .collect();
    let mut pareto: Vec<&str> = want["pareto"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    pareto.sort_by_key(|l| LABELS.iter().position(|x| x == l));
    assert_eq!(pareto, front);
    // The five 16-bit designs can tie (a 16-bit product is one tile's work whatever the
    // Karatsuba level or the iterative core's tile count, and yosys prunes idle tiles), and
    // tied points are all on the front; `synth/src/plot.rs` tests a front that leaves
    // dominated points out.
    assert!(!front.is_empty());
    let svg = read(&whole, "pareto.svg");
    assert_eq!(svg.matches("<circle").count(), LABELS.len());
    assert!(svg.contains("modmul custom-16b on generic"));
}

#[test]
fn bad_shards_and_merges_exit_2() {
    for bad in ["0/2", "3/2", "x/y", "1/0", "2"] {
        let out = tmp(&format!("bad-{}", bad.replace('/', "-")));
        let o = sweep(&["--shard", bad, "--out", out.to_str().unwrap()]);
        usage_error(&o, &format!("bad --shard {bad:?}"));
        assert!(!out.exists(), "nothing written for --shard {bad}");
    }
    // Shards that hold no configuration (a 1-configuration sweep in 3 parts: shards 2 and 3
    // are empty) run no synthesis, which keeps these cases fast.
    let one = |levels: &str, shard: &str| -> PathBuf {
        let d = tmp(&format!("one-{levels}-{}", shard.replace('/', "-")));
        ok(&zkhdl(&[
            "explore",
            "modmul",
            "--modulus",
            "0xfff1",
            "--target",
            "generic",
            "--archs",
            "pipelined",
            "--levels",
            levels,
            "--shard",
            shard,
            "--out",
            d.to_str().unwrap(),
        ]));
        d
    };
    let (b2, b3, other3) = (one("0", "2/3"), one("0", "3/3"), one("1", "3/3"));
    let merge = |dirs: &[&Path]| {
        let mut args = vec!["explore", "--merge"];
        args.extend(dirs.iter().map(|d| d.to_str().unwrap()));
        args.extend(["--out", "/nonexistent/never-written"]);
        zkhdl(&args)
    };
    usage_error(&merge(&[&b2, &b3]), "missing shard 1/3");
    usage_error(&merge(&[&b3]), "missing shards 1/3, 2/3");
    usage_error(&merge(&[&b2, &b3, &b2]), "shard 2/3 given twice");
    usage_error(&merge(&[&b2, &other3]), "different sweeps");
    let empty = tmp("empty");
    std::fs::create_dir_all(&empty).unwrap();
    usage_error(&merge(&[&b2, &b3, &empty]), "has no explore.json");
    usage_error(
        &zkhdl(&["explore", "--merge", b2.to_str().unwrap()]),
        "--merge needs --out DIR",
    );
    usage_error(
        &zkhdl(&["explore", "--out", empty.to_str().unwrap()]),
        "explore needs a core",
    );
}
