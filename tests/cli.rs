//! End-to-end tests through the `zkhdl` binary: the CLI contracts of the issues, exactly as a
//! user (or an acceptance check) drives them.

use serde_json::Value;
use std::path::{Path, PathBuf};

mod common;
use common::{assert_bad_input, assert_exit_ok, stdout_json, zkhdl};

fn tmp(name: &str) -> PathBuf {
    common::tmp("cli", name)
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

fn example(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn sim_modadd_matches_the_shared_example() {
    let o = zkhdl(&[
        "sim",
        "modadd",
        "--input",
        &example("modadd-input-custom.json"),
        "--json",
    ]);
    assert_exit_ok(&o);
    let got = stdout_json(&o);
    let want: Value = serde_json::from_str(
        &std::fs::read_to_string(example("modadd-expected-custom.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(got["sums"], want["sums"]);
    assert_eq!(got["differences"], want["differences"]);
    assert_eq!(got["matches_golden"], true);
    for key in ["cycles", "wall_s", "cycles_per_s"] {
        assert!(got[key].is_number(), "{key} missing: {got}");
    }
}

#[test]
fn sim_modadd_random_json_contract() {
    let o = zkhdl(&[
        "sim", "modadd", "--field", "bn254-fr", "--random", "300", "--seed", "5", "--json",
    ]);
    assert_exit_ok(&o);
    let v = stdout_json(&o);
    assert_eq!(v["sums"].as_array().unwrap().len(), 300);
    assert_eq!(v["differences"].as_array().unwrap().len(), 300);
    assert_eq!(v["matches_golden"], true);
    assert!(v["cycles"].as_u64().unwrap() >= 600);
    // Same seed, same vectors: golden writes the very pairs sim used.
    let d = tmp("golden");
    let vec_path = d.join("v.json");
    let o = zkhdl(&[
        "golden",
        "modadd",
        "--field",
        "bn254-fr",
        "--random",
        "300",
        "--seed",
        "5",
        "--vectors-out",
        vec_path.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let expected = stdout_json(&o);
    assert_eq!(expected["sums"], v["sums"]);
    assert_eq!(expected["differences"], v["differences"]);
    let o = zkhdl(&[
        "sim",
        "modadd",
        "--input",
        vec_path.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(stdout_json(&o)["sums"], v["sums"]);
}

#[test]
fn sim_modadd_custom_modulus_on_command_line() {
    let d = tmp("custom");
    let f = write(
        &d,
        "in.json",
        r#"{"pairs": [["0x0", "0x0"], ["0x5", "0x7"]]}"#,
    );
    let o = zkhdl(&["sim", "modadd", "--modulus", "0xb", "--input", &f, "--json"]);
    assert_exit_ok(&o);
    let v = stdout_json(&o);
    assert_eq!(v["sums"], serde_json::json!(["0x0", "0x1"]));
    assert_eq!(v["differences"], serde_json::json!(["0x0", "0x9"]));
}

#[test]
fn sim_modadd_iverilog_and_trace() {
    let d = tmp("trace");
    let vcd = d.join("w.vcd");
    let o = zkhdl(&[
        "sim",
        "modadd",
        "--field",
        "bls12-381-fq",
        "--random",
        "20",
        "--seed",
        "2",
        "--trace",
        vcd.to_str().unwrap(),
    ]);
    assert_exit_ok(&o);
    assert!(std::fs::read_to_string(&vcd)
        .unwrap()
        .contains("$enddefinitions"));
    let o = zkhdl(&[
        "sim",
        "modadd",
        "--field",
        "bls12-381-fq",
        "--random",
        "20",
        "--seed",
        "2",
        "--simulator",
        "iverilog",
        "--json",
    ]);
    assert_exit_ok(&o);
    assert_eq!(stdout_json(&o)["matches_golden"], true);
}

#[test]
fn gen_modadd_writes_verilog_and_manifest() {
    let d = tmp("gen");
    let o = zkhdl(&[
        "gen",
        "modadd",
        "--field",
        "bls12-381-fq",
        "--out",
        d.to_str().unwrap(),
    ]);
    assert_exit_ok(&o);
    let v = std::fs::read_to_string(d.join("zk_modadd.v")).unwrap();
    assert!(v.contains("module zk_modadd("));
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("zk_modadd.json")).unwrap()).unwrap();
    assert_eq!(m["top"], "zk_modadd");
    // The command line's modadd adds in one stage however wide (see `modadd_config`).
    assert_eq!(m["latency"], 2);
    assert_eq!(m["clock"], "clock");
    assert_eq!(m["reset"], "reset");
    let ports = m["ports"].as_array().unwrap();
    // Every manifest port is declared in the Verilog with its width.
    for p in ports {
        let (name, width) = (p["name"].as_str().unwrap(), p["width"].as_u64().unwrap());
        let decl = if width == 1 {
            format!(" {name};")
        } else {
            format!("[{}:0] {name};", width - 1)
        };
        assert!(
            v.contains(&decl),
            "port {name} ({width} bits) not declared as expected"
        );
    }
}

#[test]
fn bad_inputs_get_one_line_and_exit_code_2() {
    let d = tmp("bad");
    let p381 = "0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab";
    let cases = [
        (
            format!(r#"{{"field": "bls12-381-fq", "pairs": [["0x1", "{p381}"]]}}"#),
            "not below the modulus",
        ),
        (
            r#"{"field": "bls12-381-fq", "pairs": [["0x1", "0xzz"]]}"#.to_string(),
            "bad hex",
        ),
        (
            r#"{"field": "bls12-381-fq", "pairs": [["1", "2"]]}"#.to_string(),
            "0x",
        ),
        (
            r#"{"modulus": "0xf", "pairs": [["0x1", "0x2"]]}"#.to_string(),
            "not prime",
        ),
        (r#"{"modulus": "0x10", "pairs": []}"#.to_string(), "even"),
        (
            r#"{"field": "nope", "pairs": []}"#.to_string(),
            "unknown field",
        ),
        (
            r#"{"field": "bls12-381-fq", "pairs": [["0x1"]"#.to_string(),
            "malformed",
        ),
        (
            r#"{"field": "bls12-381-fq", "pairs": [["0x1", "0x2", "0x3"]]}"#.to_string(),
            "exactly two",
        ),
        (r#"{"pairs": [["0x1", "0x2"]]}"#.to_string(), "no field"),
    ];
    for (i, (text, needle)) in cases.iter().enumerate() {
        let f = write(&d, &format!("bad{i}.json"), text);
        assert_bad_input(&["sim", "modadd", "--input", &f, "--json"], needle);
    }
    assert_bad_input(
        &["sim", "modadd", "--field", "nope", "--random", "3"],
        "unknown field",
    );
    assert_bad_input(
        &["sim", "modadd", "--modulus", "0x15", "--random", "3"],
        "not prime",
    );
    assert_bad_input(
        &["sim", "modadd", "--modulus", "zz", "--random", "3"],
        "bad hex",
    );
    assert_bad_input(&["sim", "modadd", "--field", "bn254-fr"], "--random");
    assert_bad_input(
        &["sim", "modadd", "--input", "/nonexistent/in.json"],
        "cannot read",
    );
    let big = format!("0x{}", "f".repeat(200));
    assert_bad_input(
        &[
            "gen",
            "modadd",
            "--modulus",
            &big,
            "--out",
            d.to_str().unwrap(),
        ],
        "limit is 768",
    );
    // The file and the command line name different fields.
    let f = write(&d, "mixed.json", r#"{"field": "bn254-fr", "pairs": []}"#);
    assert_bad_input(
        &["sim", "modadd", "--field", "bn254-fq", "--input", &f],
        "bn254-fq",
    );
}

#[test]
fn golden_msm_matches_the_shared_example() {
    let o = zkhdl(&["golden", "msm", "--input", &example("msm-input.json")]);
    assert_exit_ok(&o);
    let want: Value =
        serde_json::from_str(&std::fs::read_to_string(example("msm-expected.json")).unwrap())
            .unwrap();
    assert_eq!(stdout_json(&o), want);
    let o = zkhdl(&["golden", "modmul", "--input", &example("modmul-input.json")]);
    let want: Value =
        serde_json::from_str(&std::fs::read_to_string(example("modmul-expected.json")).unwrap())
            .unwrap();
    assert_eq!(stdout_json(&o), want);
}

#[test]
fn sim_modmul_matches_the_shared_example_and_json_contract() {
    let o = zkhdl(&[
        "sim",
        "modmul",
        "--input",
        &example("modmul-input.json"),
        "--json",
    ]);
    assert_exit_ok(&o);
    let got = stdout_json(&o);
    let want: Value =
        serde_json::from_str(&std::fs::read_to_string(example("modmul-expected.json")).unwrap())
            .unwrap();
    assert_eq!(got["products"], want["products"]);
    assert_eq!(got["matches_golden"], true);
    for key in ["cycles", "latency", "tiles", "wall_s", "cycles_per_s"] {
        assert!(got[key].is_number(), "{key} missing: {got}");
    }
    assert!(got["tiles"].as_u64().unwrap() <= 450);
}

#[test]
fn sim_modmul_iterative_custom_prime() {
    let o = zkhdl(&[
        "sim",
        "modmul",
        "--modulus",
        "0x1fffffffffffffff",
        "--arch",
        "iterative",
        "--tile",
        "16x16",
        "--tiles",
        "2",
        "--random",
        "50",
        "--seed",
        "4",
        "--json",
    ]);
    assert_exit_ok(&o);
    let v = stdout_json(&o);
    assert_eq!(v["matches_golden"], true);
    assert_eq!(v["tiles"], 2);
    assert!(v["initiation_interval"].as_u64().unwrap() > 1);
    let g = zkhdl(&[
        "golden",
        "modmul",
        "--modulus",
        "0x1fffffffffffffff",
        "--random",
        "50",
        "--seed",
        "4",
    ]);
    assert_eq!(stdout_json(&g)["products"], v["products"]);
}

#[test]
fn modmul_bad_options_get_exit_code_2() {
    let d = tmp("modmul-bad");
    assert_bad_input(
        &[
            "sim", "modmul", "--field", "bn254-fr", "--tile", "9x9", "--random", "2",
        ],
        "--tile",
    );
    assert_bad_input(
        &[
            "sim", "modmul", "--field", "bn254-fr", "--arch", "fast", "--random", "2",
        ],
        "--arch",
    );
    assert_bad_input(
        &[
            "sim",
            "modmul",
            "--field",
            "bn254-fr",
            "--karatsuba",
            "5",
            "--random",
            "2",
        ],
        "karatsuba",
    );
    assert_bad_input(
        &[
            "sim",
            "modmul",
            "--field",
            "bn254-fr",
            "--arch",
            "iterative",
            "--tiles",
            "0",
            "--random",
            "2",
        ],
        "tile",
    );
    let f = write(
        &d,
        "p.json",
        r#"{"field": "bn254-fr", "pairs": [["0x1", "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001"]]}"#,
    );
    assert_bad_input(&["sim", "modmul", "--input", &f], "pairs[0][1]");
}

#[test]
fn gen_modmul_reports_tiles_in_the_manifest() {
    let d = tmp("gen-modmul");
    let o = zkhdl(&[
        "gen",
        "modmul",
        "--field",
        "bls12-381-fq",
        "--tile",
        "26x17",
        "--karatsuba",
        "3",
        "--out",
        d.to_str().unwrap(),
    ]);
    assert_exit_ok(&o);
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("zk_modmul.json")).unwrap()).unwrap();
    assert!(m["tiles"].as_u64().unwrap() <= 450, "{}", m["tiles"]);
    assert!(m["arithmetic"].as_str().unwrap().contains("R = 2^381"));
    let v = std::fs::read_to_string(d.join("zk_modmul.v")).unwrap();
    assert!(v.contains("module zk_modmul("));
}

/// What `zkhdl gen` wrote: the manifest, the Verilog and the summary line it printed.
struct Generated {
    manifest: Value,
    verilog: String,
    stdout: String,
}

/// `zkhdl gen <core> <base> --out DIR <extra>` into a fresh folder named after `name` and
/// `extra` (exit 0 required); `top` names the files (`zk_modmul`, `zk_point_add`).
fn generate(core: &str, top: &str, name: &str, base: &[&str], extra: &[&str]) -> Generated {
    let d = tmp(&format!("{name}{}", extra.join("")));
    let mut args = vec!["gen", core];
    args.extend(base);
    args.extend(["--out", d.to_str().unwrap()]);
    args.extend(extra);
    let o = zkhdl(&args);
    assert_exit_ok(&o);
    let read = |ext: &str| std::fs::read_to_string(d.join(format!("{top}.{ext}"))).unwrap();
    Generated {
        manifest: serde_json::from_str(&read("json")).unwrap(),
        verilog: read("v"),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
    }
}

/// `--p-prime-product` on the point adder (and so the MSM): `tiles` gives each of the 12
/// BLS12-381 multipliers the 445-tile core (12 x 445 = 5,340 tiles) against 12 x 307 for the
/// default, the config records the choice, and a bad word is a one-line error from `synth` too.
#[test]
fn point_add_p_prime_product() {
    let base = ["--curve", "bls12-381"];
    let gen =
        |extra: &[&str]| generate("point-add", "zk_point_add", "gen-pa-pp", &base, extra).manifest;
    let default = gen(&[]);
    assert_eq!(default["tiles"], 12 * 307, "{}", default["config"]);
    assert!(default["config"].get("p_prime_product").is_none());
    let tiles = gen(&["--p-prime-product", "tiles"]);
    assert_eq!(tiles["tiles"], 12 * 445);
    assert_eq!(tiles["config"]["p_prime_product"], "tiles");
    assert_bad_input(
        &[
            "synth",
            "msm",
            "--curve",
            "bn254",
            "--target",
            "xcup",
            "--part",
            "vu9p",
            "--p-prime-product",
            "dsps",
        ],
        "unknown --p-prime-product",
    );
}

/// `--p-prime-product`: the default (auto) builds the BLS12-381 Fq product by p' as the NAF
/// network (307 tiles, the manifest's config says `auto`), `tiles` keeps the 445 tiles, the
/// help names the choices, and a bad word or `lut` on the iterative core is a one-line error.
#[test]
fn gen_modmul_p_prime_product() {
    let base = ["--field", "bls12-381-fq"];
    let gen =
        |extra: &[&str]| generate("modmul", "zk_modmul", "gen-modmul-pp", &base, extra).manifest;
    let default = gen(&[]);
    assert_eq!(
        default["config"]["p_prime_product"], "auto",
        "{}",
        default["config"]
    );
    assert!(
        default["tiles"].as_u64().unwrap() <= 310,
        "{}",
        default["tiles"]
    );
    assert_eq!(
        default["tiles"],
        gen(&["--p-prime-product", "lut"])["tiles"]
    );
    let tiles = gen(&["--p-prime-product", "tiles"]);
    assert_eq!(tiles["config"]["p_prime_product"], "tiles");
    assert_eq!(tiles["tiles"], 445);
    let help = zkhdl(&["gen", "modmul", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("--p-prime-product <auto|tiles|lut>"),
        "{help}"
    );
    assert_bad_input(
        &[
            "gen",
            "modmul",
            "--field",
            "bls12-381-fq",
            "--p-prime-product",
            "dsp",
            "--out",
            "x",
        ],
        "unknown --p-prime-product",
    );
    assert_bad_input(
        &[
            "gen",
            "modmul",
            "--field",
            "bls12-381-fq",
            "--arch",
            "iterative",
            "--p-prime-product",
            "lut",
            "--out",
            "x",
        ],
        "pipelined architecture only",
    );
}

#[test]
fn sim_msm_matches_the_shared_example_with_the_json_contract() {
    let o = zkhdl(&[
        "sim",
        "msm",
        "--curve",
        "bls12-381",
        "--window",
        "4",
        "--input",
        &example("msm-input.json"),
        "--json",
    ]);
    assert_exit_ok(&o);
    let v = stdout_json(&o);
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(example("msm-expected.json")).unwrap())
            .unwrap();
    assert_eq!(v["result"], expected["result"]);
    assert_eq!(v["matches_golden"], true);
    for key in [
        "cycles",
        "bucket_adds",
        "hazard_stalls",
        "adder_utilization",
        "wall_s",
        "cycles_per_s",
    ] {
        assert!(v[key].is_number(), "{key}: {}", v[key]);
    }
    // 5 G + (r-1) 2G + 0 3G + 9 O: two contributing pairs, digits counted by the core.
    assert!(v["bucket_adds"].as_u64().unwrap() > 0);
}

#[test]
fn sim_msm_identity_result_and_empty_input() {
    let d = tmp("msm-edge");
    let g = "{\"x\": \"0x17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb\", \"y\": \"0x8b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1\"}";
    // G + (r-1) G = O.
    let r1 = "0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000000";
    let f = write(
        &d,
        "cancel.json",
        &format!("{{\"curve\": \"bls12-381\", \"points\": [{g}, {g}], \"scalars\": [\"0x1\", \"{r1}\"]}}"),
    );
    let o = zkhdl(&["sim", "msm", "--window", "4", "--input", &f, "--json"]);
    assert_exit_ok(&o);
    assert_eq!(stdout_json(&o)["result"], "infinity");
    let f = write(
        &d,
        "empty.json",
        "{\"curve\": \"bls12-381\", \"points\": [], \"scalars\": []}",
    );
    let o = zkhdl(&["sim", "msm", "--window", "4", "--input", &f, "--json"]);
    assert_exit_ok(&o);
    assert_eq!(stdout_json(&o)["result"], "infinity");
}

#[test]
fn sim_msm_bad_inputs_name_the_index() {
    let d = tmp("msm-bad");
    let g = "{\"x\": \"0x17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb\", \"y\": \"0x8b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1\"}";
    let file = |name: &str, points: &str, scalars: &str| {
        write(
            &d,
            name,
            &format!(
                "{{\"curve\": \"bls12-381\", \"points\": [{points}], \"scalars\": [{scalars}]}}"
            ),
        )
    };
    let r = "0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001";
    let cases = [
        (
            file(
                "off.json",
                &format!("{g}, {{\"x\": \"0x1\", \"y\": \"0x2\"}}"),
                "\"0x1\", \"0x2\"",
            ),
            "points[1]",
        ),
        // (0, 2) is on y^2 = x^3 + 4 but not in the prime-order subgroup.
        (
            file(
                "cofactor.json",
                &format!("{g}, {g}, {{\"x\": \"0x0\", \"y\": \"0x2\"}}"),
                "\"0x1\", \"0x2\", \"0x3\"",
            ),
            "subgroup",
        ),
        (
            file("r.json", &format!("{g}, {g}"), &format!("\"0x1\", \"{r}\"")),
            "scalars[1]",
        ),
        (file("len.json", g, "\"0x1\", \"0x2\""), "equal length"),
        (file("hex.json", g, "\"12\""), "scalars[0]"),
    ];
    for (path, needle) in &cases {
        assert_bad_input(&["sim", "msm", "--input", path, "--json"], needle);
    }
    assert_bad_input(
        &["sim", "msm", "--curve", "secp256k1", "--random", "4"],
        "secp256k1",
    );
    assert_bad_input(
        &[
            "sim", "msm", "--random", "4", "--seed", "1", "--window", "1",
        ],
        "window",
    );
    assert_bad_input(
        &[
            "sim", "msm", "--random", "4", "--seed", "1", "--window", "17",
        ],
        "window",
    );
    assert_bad_input(
        &[
            "sim",
            "msm",
            "--random",
            "4",
            "--seed",
            "1",
            "--backpressure",
            "2",
        ],
        "--backpressure",
    );
    // A watchdog too short for the bucket clear after reset: a hang, reported as a failed
    // check (exit 1) with the core's phase and what to do.
    let o = zkhdl(&[
        "sim",
        "msm",
        "--window",
        "4",
        "--random",
        "2",
        "--seed",
        "1",
        "--watchdog",
        "20",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("clearing buckets") && err.contains("--watchdog"),
        "{err}"
    );
}

#[test]
fn sim_point_add_random_and_file() {
    let o = zkhdl(&[
        "sim",
        "point-add",
        "--curve",
        "bls12-381",
        "--random",
        "12",
        "--seed",
        "3",
        "--json",
    ]);
    assert_exit_ok(&o);
    let v = stdout_json(&o);
    assert_eq!(v["matches_golden"], true);
    assert_eq!(v["results"].as_array().unwrap().len(), 12);
    assert_eq!(v["results"][1], "infinity", "P + (-P)");

    let d = tmp("pa");
    let g = "{\"x\": \"0x17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb\", \"y\": \"0x8b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1\"}";
    let f = write(
        &d,
        "pairs.json",
        &format!("{{\"curve\": \"bls12-381\", \"pairs\": [[{g}, {g}], [\"infinity\", {g}], [\"infinity\", \"infinity\"]]}}"),
    );
    let o = zkhdl(&["sim", "point-add", "--input", &f, "--json"]);
    assert_exit_ok(&o);
    let v = stdout_json(&o);
    let two_g = zkhdl(&[
        "golden",
        "msm",
        "--curve",
        "bls12-381",
        "--input",
        &write(
            &d,
            "twog.json",
            &format!("{{\"curve\": \"bls12-381\", \"points\": [{g}], \"scalars\": [\"0x2\"]}}"),
        ),
    ]);
    assert_eq!(v["results"][0], stdout_json(&two_g)["result"], "G + G = 2G");
    assert_eq!(v["results"][2], "infinity");
    let bad = write(
        &d,
        "bad.json",
        &format!("{{\"curve\": \"bls12-381\", \"pairs\": [[{g}, {g}, {g}]]}}"),
    );
    assert_bad_input(&["sim", "point-add", "--input", &bad], "pairs[0]");
    assert_bad_input(
        &["sim", "point-add", "--input", &bad, "--curve", "bn254"],
        "bn254",
    );
}

/// `gen point-add --mixed`: the manifest of the mixed adder (P2 affine) has no z2 port, 11
/// multipliers and 11/12 of the projective adder's tiles; `sim point-add --mixed` adds its
/// edge cases and random pairs in Verilator, and refuses a file whose P2 is the identity.
#[test]
fn gen_and_sim_point_add_mixed() {
    let manifest = |extra: &[&str]| {
        let g = generate(
            "point-add",
            "zk_point_add",
            "pa-mixed",
            &["--curve", "bn254"],
            extra,
        );
        (g.manifest, g.stdout)
    };
    let (proj, _) = manifest(&[]);
    let (mixed, line) = manifest(&["--mixed"]);
    assert!(
        line.contains("mixed") && line.contains("11 multipliers"),
        "{line}"
    );
    let ports = |m: &Value| -> Vec<String> {
        m["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(ports(&proj).contains(&"z2".to_string()));
    assert!(!ports(&mixed).contains(&"z2".to_string()));
    assert!(ports(&mixed).contains(&"y2".to_string()));
    assert_eq!(mixed["config"]["mixed"], true);
    assert!(proj["config"].get("mixed").is_none());
    let arith = mixed["arithmetic"].as_str().unwrap();
    assert!(
        arith.contains("11 multipliers") && arith.contains("Alg. 8"),
        "{arith}"
    );
    let (pt, mt) = (
        proj["tiles"].as_u64().unwrap(),
        mixed["tiles"].as_u64().unwrap(),
    );
    assert_eq!(mt * 12, pt * 11, "{mt} vs {pt}");
    assert!(mixed["latency"].as_u64() <= proj["latency"].as_u64());

    let o = zkhdl(&[
        "sim",
        "point-add",
        "--curve",
        "bn254",
        "--mixed",
        "--random",
        "10",
        "--seed",
        "4",
        "--json",
    ]);
    assert_exit_ok(&o);
    let v = stdout_json(&o);
    assert_eq!(v["matches_golden"], true);
    assert_eq!(v["mixed"], true);
    assert_eq!(v["multipliers"], 11);
    assert_eq!(v["tiles"].as_u64(), Some(mt));
    assert_eq!(v["results"].as_array().unwrap().len(), 10);
    assert_eq!(v["results"][1], "infinity", "(-P) + P");

    let d = tmp("pa-mixed-file");
    let g = "{\"x\": \"0x1\", \"y\": \"0x2\"}";
    let f = write(
        &d,
        "pairs.json",
        &format!("{{\"curve\": \"bn254\", \"pairs\": [[{g}, {g}], [{g}, \"infinity\"]]}}"),
    );
    assert_bad_input(
        &["sim", "point-add", "--mixed", "--input", &f],
        "pairs[1][1]",
    );
}

/// The table of cores is what the command line accepts: every verb takes exactly the cores
/// the table lists for it.
#[test]
fn every_verb_takes_the_cores_of_the_table() {
    for core in zkhdl::CORES {
        for verb in zkhdl::Verb::ALL {
            let o = zkhdl(&[verb.name(), core.name, "--help"]);
            let want = if core.accepts(verb) { 0 } else { 2 };
            assert_eq!(
                o.status.code(),
                Some(want),
                "zkhdl {} {} --help: {}",
                verb.name(),
                core.name,
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
}

#[test]
fn gen_tile_writes_one_multiplier() {
    let d = tmp("gen-tile");
    let o = zkhdl(&[
        "gen",
        "tile",
        "--tile",
        "18x18",
        "--out",
        d.to_str().unwrap(),
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_exit_ok(&o);
    assert!(
        out.contains("zk_tile_18x18: one 18x18 tile, latency 3"),
        "{out}"
    );
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("zk_tile_18x18.json")).unwrap())
            .unwrap();
    assert_eq!(m["tiles"], 1, "{m}");
    let width = |name: &str| {
        m["ports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("port {name} in {m}"))["width"]
            .as_u64()
            .unwrap()
    };
    assert_eq!((width("a"), width("b"), width("p")), (18, 18, 36));
    let v = std::fs::read_to_string(d.join("zk_tile_18x18.v")).unwrap();
    assert!(v.contains("module zk_tile_18x18"), "{v}");
    // A chosen top name, and a shape no DSP has.
    let o = zkhdl(&["gen", "tile", "--top", "t", "--out", d.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(d.join("t.v").exists());
    assert_bad_input(
        &["gen", "tile", "--tile", "9x9", "--out", d.to_str().unwrap()],
        "unknown --tile \"9x9\"",
    );
}

/// The new synthesis verbs resolve their options like `gen` and refuse bad ones in one line.
#[test]
fn synth_takes_every_core_and_refuses_bad_options() {
    assert_bad_input(
        &["synth", "point-add", "--curve", "nope", "--target", "xcup"],
        "unknown curve",
    );
    assert_bad_input(
        &["synth", "point-add", "--tile", "1x1", "--target", "xcup"],
        "unknown --tile \"1x1\"",
    );
    assert_bad_input(
        &[
            "synth", "msm", "--curve", "bn254", "--window", "40", "--target", "xcup",
        ],
        "window",
    );
    assert_bad_input(
        &["synth", "tile", "--target", "vu9p"],
        "unknown target \"vu9p\"",
    );
    assert_bad_input(
        &["synth", "tile", "--tile", "3x3", "--target", "generic"],
        "unknown --tile \"3x3\"",
    );
}

/// One 16x16 tile through yosys' generic flow (seconds): `synth tile` runs end to end and
/// reports the tile's timing from its manifest. Needs the tools `./setup.sh` installs.
#[test]
fn synth_tile_generic_counts_gates() {
    let d = tmp("synth-tile");
    let o = zkhdl(&[
        "synth",
        "tile",
        "--target",
        "generic",
        "--json",
        "--out",
        d.to_str().unwrap(),
    ]);
    assert_exit_ok(&o);
    let v = stdout_json(&o);
    assert_eq!(v["top"], "zk_tile_16x16", "the generic target's shape: {v}");
    assert_eq!(v["latency"], 3);
    assert_eq!(v["tiles"], 1);
    // A 16x16 product needs hundreds of gates and 96 flip-flops (the 32 operand bits and the
    // 32-bit product twice).
    assert!(v["luts"].as_u64().unwrap() > 200, "{v}");
    assert!(v["ffs"].as_u64().unwrap() >= 96, "{v}");
}

/// The point adder and the MSM on UltraScale+ (resource counts, no place and route). Slow
/// (many minutes each): run with
/// `cargo test --test cli -- --ignored synth_point_add_and_msm_on_xcup`.
#[test]
#[ignore]
fn synth_point_add_and_msm_on_xcup() {
    for (core, extra) in [("point-add", vec![]), ("msm", vec!["--window", "4"])] {
        let d = tmp(&format!("synth-{core}"));
        let mut args = vec![
            "synth", core, "--curve", "bn254", "--target", "xcup", "--json",
        ];
        args.extend(extra);
        args.extend(["--out", d.to_str().unwrap()]);
        let o = zkhdl(&args);
        assert_exit_ok(&o);
        let v = stdout_json(&o);
        assert!(v["dsps"].as_u64().unwrap() > 100, "{core}: {v}");
    }
}

/// `sim ntt` on BabyBear: the JSON contract, and every output checked against a plain O(N^2)
/// DFT computed here with the root of unity derived from the field's generator (31), not from
/// zkhdl's output.
#[test]
fn sim_ntt_matches_a_plain_dft() {
    const P: u64 = (1 << 31) - (1 << 27) + 1;
    let pow = |mut b: u64, mut e: u64| {
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
    };
    let k = 4u64;
    let n = 1usize << k;
    for inverse in [false, true] {
        let mut args = vec![
            "sim", "ntt", "--field", "babybear", "--log-n", "4", "--lanes", "2", "--random", "3",
            "--seed", "11", "--json",
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
            "cycles",
            "latency",
            "elements_per_cycle",
            "wall_s",
            "cycles_per_s",
        ] {
            assert!(j.get(key).is_some(), "missing {key}: {j}");
        }
        assert_eq!(j["matches_golden"], true);
        assert_eq!(j["elements_per_cycle"].as_f64(), Some(2.0));
        let mut w = pow(31, (P - 1) >> k);
        if inverse {
            w = pow(w, P - 2);
        }
        let n_inv = pow(n as u64, P - 2);
        let hex = |v: &Value| {
            u64::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
        };
        let inputs = j["inputs"].as_array().unwrap();
        let outputs = j["outputs"].as_array().unwrap();
        assert_eq!(inputs.len(), 3);
        assert_eq!(outputs.len(), 3);
        for (x, y) in inputs.iter().zip(outputs) {
            let x: Vec<u64> = x.as_array().unwrap().iter().map(hex).collect();
            let y: Vec<u64> = y.as_array().unwrap().iter().map(hex).collect();
            assert_eq!(x.len(), n);
            for (i, yi) in y.iter().enumerate() {
                let mut s = 0u64;
                for (t, xt) in x.iter().enumerate() {
                    s = (s + xt * pow(w, (i * t) as u64)) % P;
                }
                if inverse {
                    s = s * n_inv % P;
                }
                assert_eq!(*yi, s, "inverse={inverse} output {i}");
            }
        }
    }
}

#[test]
fn sim_ntt_refuses_bad_input() {
    let d = tmp("ntt-bad");
    let short = write(
        &d,
        "short.json",
        r#"{"field": "goldilocks", "values": ["0x1", "0x2"]}"#,
    );
    assert_bad_input(
        &["sim", "ntt", "--log-n", "3", "--input", &short],
        "exactly 8 values",
    );
    let big = write(
        &d,
        "big.json",
        r#"{"field": "babybear", "values": ["0x1", "0x2", "0x3", "0x78000001"]}"#,
    );
    assert_bad_input(
        &["sim", "ntt", "--log-n", "2", "--input", &big],
        "values[3]",
    );
    let bad_hex = write(
        &d,
        "hex.json",
        r#"{"field": "babybear", "values": ["0x1", "0x2", "0x3", "0xzz"]}"#,
    );
    assert_bad_input(
        &["sim", "ntt", "--log-n", "2", "--input", &bad_hex],
        "bad hex",
    );
    assert_bad_input(
        &[
            "sim",
            "ntt",
            "--field",
            "bls12-381-fq",
            "--log-n",
            "4",
            "--random",
            "1",
            "--seed",
            "1",
        ],
        "2-adicity",
    );
    assert_bad_input(
        &[
            "sim",
            "ntt",
            "--field",
            "goldilocks",
            "--log-n",
            "40",
            "--random",
            "1",
            "--seed",
            "1",
        ],
        "--log-n",
    );
}

/// `prove`: a modadd proof holds (exit 0, JSON report), its seeded mutant fails with a
/// counterexample trace (exit 1), and bad options are refused (exit 2).
#[test]
fn prove_modadd_and_its_mutant() {
    let d = tmp("prove");
    let dir = d.to_string_lossy().into_owned();
    let o = zkhdl(&[
        "prove",
        "modadd",
        "--modulus",
        "0xfff1",
        "--out",
        &dir,
        "--json",
    ]);
    assert_exit_ok(&o);
    let j = stdout_json(&o);
    assert_eq!(j["status"], "pass");
    assert_eq!(j["mode"], "prove");
    let o = zkhdl(&[
        "prove",
        "modadd",
        "--modulus",
        "0xfff1",
        "--out",
        &dir,
        "--mutant",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let j = stdout_json(&o);
    assert_eq!(j["status"], "fail");
    let trace = j["trace"].as_str().expect("a counterexample trace");
    assert!(std::path::Path::new(trace).exists(), "{trace}");
    assert_bad_input(&["prove", "tile", "--solver", "cvc5"], "unknown solver");
    assert_bad_input(
        &["prove", "modadd", "--field", "bls12-381-fq", "--depth", "0"],
        "--depth",
    );
}

/// `prove modmul --modulus 0xfff1 --arch pipelined` (the defaults: 26x17 tiles, yices) proves
/// `result = a b R^-1 mod p` for all inputs (exit 0, JSON naming yices and the 16-bit
/// property), the seeded mutant (bit 0 of the result flips when the result is 1) fails
/// with a trace, and `--arch iterative` passes too.
#[test]
fn prove_modmul_16_bit_both_architectures_for_all_inputs() {
    let d = tmp("prove-modmul");
    let dir = d.to_string_lossy().into_owned();
    let prove = |arch: &str, mutant: bool| {
        let mut args = vec![
            "prove",
            "modmul",
            "--modulus",
            "0xfff1",
            "--arch",
            arch,
            "--out",
            &dir,
            "--json",
        ];
        if mutant {
            args.push("--mutant");
        }
        let o = zkhdl(&args);
        let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        (o.status.code(), stdout_json(&o), stderr)
    };
    let (code, j, stderr) = prove("pipelined", false);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(j["status"], "pass");
    assert_eq!(j["solver"], "yices");
    let property = j["property"].as_str().unwrap();
    assert!(property.contains("for all a, b < p = 0xfff1"), "{property}");
    let (code, j, _) = prove("pipelined", true);
    assert_eq!(code, Some(1));
    assert_eq!(j["status"], "fail");
    assert!(std::path::Path::new(j["trace"].as_str().unwrap()).exists());
    // The iterative core, the issue's second command (about a minute).
    let (code, j, stderr) = prove("iterative", false);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(j["status"], "pass");
    assert!(j["property"]
        .as_str()
        .unwrap()
        .contains("iterative architecture"));
}

/// `synth --target asic-osu018`: the OSU 0.18 um estimate of a small modular adder has its
/// JSON keys, a plausible register count (two 16-bit pipeline stages and more) and a critical
/// path that is the reciprocal of the reported Fmax.
#[test]
fn synth_asic_osu018_reports_area_and_timing() {
    let d = tmp("asic");
    let dir = d.to_string_lossy().into_owned();
    let o = zkhdl(&[
        "synth",
        "modadd",
        "--modulus",
        "0xfff1",
        "--target",
        "asic-osu018",
        "--freq",
        "50",
        "--out",
        &dir,
        "--json",
    ]);
    assert_exit_ok(&o);
    let j = stdout_json(&o);
    for key in [
        "area_um2",
        "cells",
        "critical_path_ns",
        "fmax_mhz",
        "flip_flops",
    ] {
        assert!(j.get(key).is_some(), "missing {key}: {j}");
    }
    assert!(j["area_um2"].as_f64().unwrap() > 0.0);
    assert!(j["flip_flops"].as_u64().unwrap() >= 2 * 16);
    let cp = j["critical_path_ns"].as_f64().unwrap();
    let fmax = j["fmax_mhz"].as_f64().unwrap();
    assert!(
        cp > 0.0 && (cp * fmax - 1000.0).abs() < 1e-6,
        "{cp} ns, {fmax} MHz"
    );
}

/// The point adder (and the MSM around it) defaults to the 64-bit carry bound: the default
/// adder is the `--max-add-bits 64` one, deeper than the unbounded `--max-add-bits 0` one.
#[test]
fn point_add_defaults_to_the_carry_bound() {
    let latency = |extra: &[&str]| {
        let base = ["--curve", "bls12-381"];
        let g = generate("point-add", "zk_point_add", "pa-bound", &base, extra);
        g.manifest["latency"].as_u64().unwrap()
    };
    let default = latency(&[]);
    assert_eq!(default, latency(&["--max-add-bits", "64"]));
    assert!(default > latency(&["--max-add-bits", "0"]), "{default}");
}

/// `sim msm --adders K --batch M`: every MSM's result in "results", each checked, and the
/// batch's "overall_utilization"; an input file's "batches"; bad values exit 2 with one line.
#[test]
fn sim_msm_adders_and_batches() {
    let o = zkhdl(&[
        "sim", "msm", "--curve", "bn254", "--window", "4", "--adders", "2", "--random", "12",
        "--seed", "9", "--batch", "3", "--json",
    ]);
    assert_exit_ok(&o);
    let j = stdout_json(&o);
    assert_eq!(j["adders"], 2);
    assert_eq!(j["matches_golden"], true);
    let results = j["results"].as_array().expect("results");
    assert_eq!(results.len(), 3);
    for r in results {
        assert_eq!(r["matches_golden"], true, "{r}");
        assert_eq!(r["n"], 12);
    }
    let u = j["overall_utilization"]
        .as_f64()
        .expect("overall_utilization");
    assert!(u > 0.0 && u <= 1.0, "{u}");
    // The same MSMs from a file of batches (G, 2G, identity, scalars 0 and r - 1).
    let d = tmp("msm-batches");
    let g = "{\"x\": \"0x1\", \"y\": \"0x2\"}";
    let r1 = "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000000";
    let f = write(
        &d,
        "batches.json",
        &format!(
            "{{\"curve\": \"bn254\", \"batches\": [{{\"points\": [{g}, \"infinity\"], \"scalars\": [\"0x5\", \"0x7\"]}}, {{\"points\": [{g}, {g}], \"scalars\": [\"0x0\", \"{r1}\"]}}]}}"
        ),
    );
    let o = zkhdl(&[
        "sim", "msm", "--window", "4", "--adders", "2", "--input", &f, "--batch", "2", "--json",
    ]);
    assert_exit_ok(&o);
    let j = stdout_json(&o);
    assert_eq!(j["results"].as_array().unwrap().len(), 2);
    assert_eq!(
        j["results"][1]["result"]["y"],
        "0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd45"
    );
    assert_eq!(j["results"][1]["result"]["x"], "0x1");
    assert_bad_input(
        &["sim", "msm", "--input", &f, "--batch", "3", "--json"],
        "--batch 3",
    );
    // A file of batches is not cut to its first MSM without --batch.
    assert_bad_input(&["sim", "msm", "--input", &f, "--json"], "--batch M");
    assert_bad_input(
        &["sim", "msm", "--random", "4", "--seed", "1", "--batch", "0"],
        "--batch",
    );
    assert_bad_input(
        &[
            "sim", "msm", "--random", "4", "--seed", "1", "--adders", "9",
        ],
        "adders",
    );
    assert_bad_input(
        &[
            "sim",
            "msm",
            "--random",
            "4",
            "--seed",
            "1",
            "--adders",
            "2",
            "--host-aggregation",
        ],
        "host aggregation",
    );
}

/// `--route-registers on|off|auto` (modmul): on adds registers (a deeper pipeline, the same
/// ports); auto is off outside `synth --target ecp5-85k`, so `gen` writes the Verilog as
/// before; a bad word, or on with the iterative core, exits 2 with one line.
#[test]
fn modmul_route_registers() {
    let gen = |extra: &[&str]| {
        let base = ["--modulus", "0x1fffffffffffffff"];
        let g = generate("modmul", "zk_modmul", "rr", &base, extra);
        (g.manifest["latency"].as_u64().unwrap(), g.verilog)
    };
    let (plain, v) = gen(&[]);
    assert_eq!((plain, v.clone()), gen(&["--route-registers", "auto"]));
    assert_eq!((plain, v), gen(&["--route-registers", "off"]));
    let (on, _) = gen(&["--route-registers", "on"]);
    assert!(on > plain, "{on} vs {plain}");
    assert_bad_input(
        &[
            "gen",
            "modmul",
            "--modulus",
            "0x1fffffffffffffff",
            "--route-registers",
            "yes",
            "--out",
            "x",
        ],
        "--route-registers",
    );
    assert_bad_input(
        &[
            "gen",
            "modmul",
            "--modulus",
            "0x1fffffffffffffff",
            "--arch",
            "iterative",
            "--route-registers",
            "on",
            "--out",
            "x",
        ],
        "pipelined architecture only",
    );
}

/// `--karatsuba-sum`: the default sums the Karatsuba products along their tree (the manifest's
/// config says `tree`); `flat` builds the same tiles with a shorter pipeline; a bad word is a
/// one-line error.
#[test]
fn gen_modmul_karatsuba_sum() {
    let base = ["--field", "bls12-381-fq"];
    let gen =
        |extra: &[&str]| generate("modmul", "zk_modmul", "gen-modmul-ks", &base, extra).manifest;
    let tree = gen(&[]);
    assert_eq!(
        tree["config"]["karatsuba_sum"], "tree",
        "{}",
        tree["config"]
    );
    let flat = gen(&["--karatsuba-sum", "flat"]);
    assert_eq!(flat["config"]["karatsuba_sum"], "flat");
    assert_eq!(flat["tiles"], tree["tiles"]);
    assert!(flat["latency"].as_u64() < tree["latency"].as_u64());
    assert_bad_input(
        &[
            "gen",
            "modmul",
            "--field",
            "bls12-381-fq",
            "--karatsuba-sum",
            "wide",
            "--out",
            "x",
        ],
        "unknown --karatsuba-sum",
    );
}
