//! `zkhdl estimate msm` through the binary: the JSON contract, the bucket memory recomputed
//! here from first principles (two copies of W x 2^(c-1) buckets of 3 x 381 bits, URAM288 of
//! 4096 x 72), the window choice, the clock's source, and bad input (exit 2, one line).

use serde_json::Value;

mod common;
use common::{assert_bad_input, stdout_json, zkhdl};

fn estimate(args: &[&str]) -> Value {
    let mut a = vec!["estimate", "msm"];
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

fn u(v: &Value, k: &str) -> u64 {
    v[k].as_u64()
        .unwrap_or_else(|| panic!("{k} is not a number: {v}"))
}

/// BLS12-381: r has 255 bits, signed digits need 256; Fq has 381 bits.
fn windows_381(c: u64) -> u64 {
    256u64.div_ceil(c)
}

#[test]
fn bls12_381_2_24_on_u250() {
    let v = estimate(&["--curve", "bls12-381", "--n", "16777216", "--part", "u250"]);
    for k in [
        "n",
        "window",
        "cycles",
        "fmax_mhz",
        "seconds",
        "buckets_bits",
        "fits",
        "part",
        "curve",
        "adder_latency",
        "phases",
        "bucket_brams",
        "bucket_urams",
        "adders",
        "anchors",
        "fmax_source",
    ] {
        assert!(v.get(k).is_some(), "missing {k}: {v}");
    }
    assert_eq!(u(&v, "n"), 1 << 24);
    assert_eq!(v["part"], "u250");
    assert_eq!(v["curve"], "bls12-381");
    assert_eq!(u(&v, "adders"), 1);
    assert_eq!(v["fits"], true);
    assert_eq!(v["fmax_source"], "assumed");
    assert_eq!(v["fmax_mhz"].as_f64(), Some(250.0));
    let c = u(&v, "window");
    let w = windows_381(c);
    assert_eq!(u(&v, "windows"), w);
    // Bucket memory: 2 copies x banks x W x 2^(c-1) x 1143 bits, each copy in URAM288 (4K x
    // 72). At 2^24 one bank: the memory two would take buys a faster window.
    assert_eq!(u(&v, "bucket_banks"), 1);
    let depth = w << (c - 1);
    assert_eq!(u(&v, "buckets_bits"), 2 * depth * 1143);
    if depth >= 4096 {
        assert_eq!(
            u(&v, "bucket_urams"),
            2 * depth.div_ceil(4096) * 1143u64.div_ceil(72)
        );
        assert!(u(&v, "bucket_urams") as f64 <= 0.8 * 1280.0);
    }
    // One product per cycle: at least N x W cycles; the phases add up.
    let cycles = u(&v, "cycles");
    assert!(cycles >= (1 << 24) * w, "{cycles}");
    let ph = &v["phases"];
    let sum: u64 = ["accumulation", "drain", "aggregation", "combination"]
        .iter()
        .map(|k| ph[k].as_u64().unwrap())
        .sum();
    assert_eq!(sum, cycles);
    let s = v["seconds"].as_f64().unwrap();
    assert!((s - cycles as f64 / 250e6).abs() < 1e-9 * s.max(1.0), "{s}");
    // The anchors: the BLS12-377 record and the ZPrize 2023 winner, with sources.
    let a = v["anchors"].as_array().unwrap();
    assert_eq!(a.len(), 2);
    assert!(a
        .iter()
        .all(|x| x["source"].as_str().is_some_and(|s| !s.is_empty())));
    assert!(a
        .iter()
        .any(|x| x["seconds_per_msm"].as_f64() == Some(5.08)));
    assert!(a
        .iter()
        .any(|x| x["seconds_per_msm"].as_f64() == Some(0.51)));
    // The window is the fastest that fits: the next wider one does not fit (or is slower),
    // a narrower one is slower.
    let wider = estimate(&[
        "--n",
        "16777216",
        "--part",
        "u250",
        "--window",
        &(c + 1).to_string(),
    ]);
    assert!(
        wider["fits"] == false || u(&wider, "cycles") >= cycles,
        "{wider}"
    );
    let narrower = estimate(&[
        "--n",
        "16777216",
        "--part",
        "u250",
        "--window",
        &(c - 1).to_string(),
    ]);
    assert!(u(&narrower, "cycles") > cycles);
}

#[test]
fn forced_window_clock_and_parts() {
    // c = 16 does not fit: 2 copies of 16 x 32768 buckets of 1143 bits need 4096 URAM288
    // with one bank (the fewer blocks, taken when nothing fits), twice that with two.
    let v = estimate(&[
        "--n", "1048576", "--part", "vu9p", "--window", "16", "--fmax", "300",
    ]);
    assert_eq!(u(&v, "window"), 16);
    assert_eq!(v["fits"], false);
    assert_eq!(u(&v, "bucket_banks"), 1);
    assert_eq!(u(&v, "bucket_urams"), 2 * 128 * 16);
    // A small MSM: two banks fit at the fastest window, so the core is double-buffered
    // (2 copies x 2 banks x W x 2^(c-1) buckets); --single-bank halves the memory.
    let small = estimate(&["--n", "4096", "--part", "u250"]);
    assert_eq!(u(&small, "bucket_banks"), 2);
    let c = u(&small, "window");
    assert_eq!(
        u(&small, "buckets_bits"),
        2 * 2 * (windows_381(c) << (c - 1)) * 1143
    );
    let one = estimate(&["--n", "4096", "--part", "u250", "--single-bank"]);
    assert_eq!(u(&one, "bucket_banks"), 1);
    assert_eq!(u(&one, "window"), c);
    assert_eq!(2 * u(&one, "buckets_bits"), u(&small, "buckets_bits"));
    assert_eq!(u(&one, "cycles"), u(&small, "cycles"));
    assert_eq!(v["fmax_source"], "given");
    assert_eq!(v["fmax_mhz"].as_f64(), Some(300.0));
    let s = v["seconds"].as_f64().unwrap();
    assert!((s - u(&v, "cycles") as f64 / 300e6).abs() < 1e-12 + 1e-9 * s);
    // ECP5 has no URAM: block RAM only, and its own clock.
    let e = estimate(&["--curve", "bn254", "--n", "4096", "--part", "ecp5-85k"]);
    assert_eq!(u(&e, "bucket_urams"), 0);
    assert!(u(&e, "bucket_brams") > 0);
    assert_eq!(e["fmax_mhz"].as_f64(), Some(100.0));
    assert_eq!(e["curve"], "bn254");
    // More pairs, more time.
    let small = estimate(&["--n", "65536", "--part", "u250"]);
    let big = estimate(&["--n", "67108864", "--part", "u250"]);
    assert!(big["seconds"].as_f64() > small["seconds"].as_f64());
}

#[test]
fn plain_table() {
    let o = zkhdl(&["estimate", "msm", "--n", "1024", "--part", "u55c"]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    for needle in ["cycles", "MHz (assumed)", "fits: true", "| time |"] {
        assert!(out.contains(needle), "{needle:?} not in {out}");
    }
}

#[test]
fn bad_input() {
    let base = |extra: &[&'static str]| {
        let mut a = vec!["estimate", "msm"];
        a.extend_from_slice(extra);
        a
    };
    assert_bad_input(&base(&["--n", "0", "--part", "u250"]), "--n");
    assert_bad_input(&base(&["--n", "8", "--part", "xc7a35t"]), "--part");
    assert_bad_input(
        &base(&["--n", "8", "--part", "u250", "--window", "1"]),
        "--window",
    );
    assert_bad_input(
        &base(&["--n", "8", "--part", "u250", "--window", "17"]),
        "--window",
    );
    assert_bad_input(
        &base(&["--n", "8", "--part", "u250", "--curve", "ed25519"]),
        "curve",
    );
    assert_bad_input(
        &base(&["--n", "8", "--part", "u250", "--fmax", "0"]),
        "--fmax",
    );
    assert_bad_input(
        &base(&["--n", "8", "--part", "u250", "--fmax=-5"]),
        "--fmax",
    );
}

/// `--adders K`: K lanes of ceil(W / K) windows. Accumulation falls to N x ceil(W / K) plus
/// waits; K bucket memories of one lane's windows (recomputed here); the DSPs are K adders'
/// and decide `fits` together with the buckets.
#[test]
fn adders_divide_the_windows() {
    let base = [
        "--curve",
        "bls12-381",
        "--n",
        "16777216",
        "--part",
        "u250",
        "--window",
        "13",
    ];
    let one = estimate(&base);
    let mut args = base.to_vec();
    args.extend(["--adders", "2"]);
    let two = estimate(&args);
    let w = windows_381(13); // 20
    assert_eq!(u(&two, "adders"), 2);
    assert_eq!(u(&two, "windows"), w.div_ceil(2) * 2);
    let acc = |v: &Value| v["phases"]["accumulation"].as_u64().unwrap();
    let n = 16_777_216u64;
    assert!(acc(&two) >= n * w.div_ceil(2));
    let ratio = acc(&two) as f64 / acc(&one) as f64;
    assert!(
        (0.5..0.5 * 1.05).contains(&ratio),
        "accumulation ratio {ratio}"
    );
    assert!(two["seconds"].as_f64() < one["seconds"].as_f64());
    for v in [&one, &two] {
        let k = u(v, "adders");
        assert_eq!(u(v, "dsps"), k * u(v, "adder_dsps"));
        assert_eq!(v["dsps_fit"], u(v, "dsps") <= u(v, "part_dsps"));
        assert_eq!(
            v["fits"],
            v["dsps_fit"].as_bool().unwrap() && v["buckets_fit"].as_bool().unwrap()
        );
        assert_eq!(
            u(v, "adders_that_fit"),
            u(v, "part_dsps") / u(v, "adder_dsps")
        );
        // K lanes x 2 copies x banks (2 for one adder, 1 for lanes) x ceil(lane windows x
        // 4096 / 4096) x ceil(1143 / 72) URAM288.
        let lane = w.div_ceil(k);
        // One bank: at c = 13 two banks of one adder's buckets do not fit; lanes have one.
        let banks = 1;
        assert_eq!(u(v, "bucket_banks"), banks);
        assert_eq!(
            u(v, "bucket_urams"),
            k * 2 * banks * lane * 1143u64.div_ceil(72)
        );
    }
    // More adders than the part's DSPs hold: reported, and `fits` is false.
    let mut args = base.to_vec();
    args.extend(["--adders", "4"]);
    let four = estimate(&args);
    assert_eq!(four["dsps_fit"], false);
    assert_eq!(four["fits"], false);
    for bad in ["0", "9"] {
        assert_bad_input(
            &[
                "estimate", "msm", "--n", "1024", "--part", "u250", "--adders", bad,
            ],
            "--adders",
        );
    }
}

/// `--adder-luts`: the K adders' LUTs count in `fits`; with one adder's LUTs above half the
/// part, one adder fits and the LUTs are the limiting resource.
#[test]
fn adder_luts_can_limit() {
    let base = ["--curve", "bls12-381", "--n", "1048576", "--part", "u250"];
    let mut args = base.to_vec();
    args.extend(["--adders", "2", "--adder-luts", "1000000"]);
    let v = estimate(&args);
    assert_eq!(u(&v, "luts"), 2 * 1_000_000 + u(&v, "occupancy_luts"));
    assert_eq!(v["luts_fit"], false);
    assert_eq!(v["fits"], false);
    assert_eq!(u(&v, "adders_that_fit"), 1);
    assert_eq!(v["limiting_resource"], "luts");
    let mut args = base.to_vec();
    args.extend(["--adders", "2", "--adder-luts", "10000"]);
    let v = estimate(&args);
    assert_eq!(v["luts_fit"], true);
    assert_eq!(v["limiting_resource"], "dsps");
    assert_eq!(
        u(&v, "adders_that_fit"),
        u(&v, "part_dsps") / u(&v, "adder_dsps")
    );
    // Without it the LUTs are not judged.
    let v = estimate(&base);
    assert!(v["luts"].is_null() && v["luts_fit"].is_null());
}

/// `best_fit`: of K = 1, 2, ... adders, the fastest configuration whose DSPs, buckets and
/// (where a lane's LUTs are known) LUTs fit; its seconds are those of `--adders K` itself.
#[test]
fn best_fit_is_the_fastest_configuration_that_fits() {
    let base = ["--curve", "bls12-381", "--n", "16777216", "--part", "u250"];
    // The default BLS12-381 lane has been synthesized: its LUTs count, and they stop a third
    // adder that the DSPs would hold.
    let v = estimate(&base);
    let b = &v["best_fit"];
    let k = u(b, "adders");
    let lane = zkhdl::estimate_msm::MEASURED_LANE_LUTS_BLS12_381;
    assert!(b["luts_source"].as_str().unwrap().starts_with("measured"));
    assert!(u(b, "luts") <= u(&v, "part_luts"));
    assert!((k + 1) * lane > u(&v, "part_luts"), "{b}");
    assert!((k + 1) * u(&v, "adder_dsps") <= u(&v, "part_dsps"));
    assert_eq!(b["next_adder_short_of"], "luts");
    // The main report is still the one adder asked for, and its LUTs are not judged.
    assert_eq!(u(&v, "adders"), 1);
    assert!(v["luts_fit"].is_null());
    let mut args = base.to_vec();
    let ks = k.to_string();
    args.extend(["--adders", ks.as_str()]);
    let same = estimate(&args);
    assert_eq!(b["seconds"], same["seconds"]);
    assert_eq!(u(b, "cycles"), u(&same, "cycles"));
    assert!(b["seconds"].as_f64() < v["seconds"].as_f64());
    // Given smaller lanes, the DSPs stop it instead.
    let mut args = base.to_vec();
    args.extend(["--adder-luts", "400000"]);
    let v = estimate(&args);
    let b = &v["best_fit"];
    assert_eq!(u(b, "adders"), u(&v, "part_dsps") / u(&v, "adder_dsps"));
    assert_eq!(b["next_adder_short_of"], "dsps");
    assert_eq!(b["luts_source"], "given (--adder-luts)");
    // `next_adder_short_of` is about K + 1 itself: here three adders fit but are no faster
    // than two (a tiny MSM), and four would be short of DSPs.
    let tiny = [
        "--n",
        "64",
        "--part",
        "vu13p",
        "--window",
        "11",
        "--adder-luts",
        "1000",
    ];
    let v = estimate(&tiny);
    let b = &v["best_fit"];
    let k = u(b, "adders");
    assert!(k < 3, "{b}");
    assert_eq!(b["next_adder_short_of"], "speed", "{b}");
    let kk = (k + 1).to_string();
    let mut args = tiny.to_vec();
    args.extend(["--adders", kk.as_str()]);
    let next = estimate(&args);
    assert_eq!(next["fits"], true);
    assert!(next["seconds"].as_f64() >= b["seconds"].as_f64());
    // Nothing fits an ECP5: one adder has more DSP tiles than the part has multipliers.
    let v = estimate(&["--curve", "bls12-381", "--n", "65536", "--part", "ecp5-85k"]);
    assert!(v["best_fit"].is_null());
}
