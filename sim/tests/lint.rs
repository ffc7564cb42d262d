//! Every emitted core passes `verilator --lint-only -Wall` with zero warnings: the field
//! presets and custom primes, both modmul architectures (with and without Karatsuba), every
//! tile shape, the point adder. The only `lint_off` in the emitted text are the classes
//! listed, with their reasons, in `zkhdl_hdl::rtl::LINT_WAIVERS`. A mutant (a width mismatch
//! injected into a clean core) shows that the check reports what it should.

use num_bigint::BigUint;
use num_traits::Num;
use std::path::PathBuf;
use std::process::Command;
use zkhdl_golden::{Curve, Field};
use zkhdl_hdl::modadd::ModAddConfig;
use zkhdl_hdl::modmul::{Architecture, ModMulConfig, PPrimeProduct};
use zkhdl_hdl::rtl::LINT_WAIVERS;
use zkhdl_hdl::tile::{TileConfig, TileShape};
use zkhdl_hdl::{Core, GeneratedCore};

/// A 127-bit prime and 2^16 - 15, the largest 16-bit prime.
const CUSTOM: [&str; 2] = ["0x79800e7705da8467f06313fff9a01fe9", "0xfff1"];

const FIELDS: [&str; 6] = [
    "bls12-381-fq",
    "bls12-381-fr",
    "bn254-fq",
    "bn254-fr",
    "bls12-377-fq",
    "bls12-377-fr",
];

const CURVES: [&str; 3] = ["bls12-381", "bn254", "bls12-377"];

/// (modulus, field name) of every preset and custom prime.
fn moduli() -> Vec<(BigUint, String)> {
    let mut v: Vec<(BigUint, String)> = FIELDS
        .iter()
        .map(|n| {
            let f = Field::from_name(n).unwrap();
            (f.modulus().clone(), n.to_string())
        })
        .collect();
    for c in CUSTOM {
        let p = BigUint::from_str_radix(&c[2..], 16).unwrap();
        v.push((p.clone(), format!("custom-{}b", p.bits())));
    }
    v
}

/// Warnings and errors of `verilator --lint-only -Wall` on `verilog` (top module `top`).
fn lint(verilog: &str, top: &str, what: &str) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!(
        "zkhdl-lint-{}-{}",
        std::process::id(),
        what.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file: PathBuf = dir.join(format!("{top}.v"));
    std::fs::write(&file, verilog).unwrap();
    let out = Command::new("verilator")
        .args(["--lint-only", "-Wall", "--top-module", top])
        .arg(&file)
        .output()
        .expect("verilator on PATH");
    let _ = std::fs::remove_dir_all(&dir);
    let text =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    let found: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with("%Warning") || l.starts_with("%Error"))
        .map(String::from)
        .collect();
    if found.is_empty() {
        assert!(out.status.success(), "{what}: verilator failed:\n{text}");
    }
    found
}

/// Lints `core` and checks that its only `lint_off` are the documented waivers.
fn check<C: Core>(core: &C, what: &str, problems: &mut Vec<String>) {
    let GeneratedCore { verilog, manifest } =
        core.generate().unwrap_or_else(|e| panic!("{what}: {e}"));
    for line in verilog.lines().filter(|l| l.contains("lint_off")) {
        if !LINT_WAIVERS
            .iter()
            .any(|(class, _)| line.trim() == format!("/* verilator lint_off {class} */"))
        {
            problems.push(format!("{what}: a waiver not in LINT_WAIVERS: {line}"));
        }
    }
    let warnings = lint(&verilog, &manifest.top, what);
    let n = warnings.len();
    for w in warnings.into_iter().take(20) {
        problems.push(format!("{what}: {w}"));
    }
    if n > 20 {
        problems.push(format!("{what}: ... {} more", n - 20));
    }
    eprintln!("{what}: {n} lint messages");
}

fn assert_clean(problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "verilator --lint-only -Wall reports:\n{}",
        problems.join("\n")
    );
}

#[test]
fn tiles_lint_clean() {
    let mut problems = vec![];
    for shape in TileShape::ALL {
        check(
            &TileConfig::new(shape),
            &format!("tile {}", shape.name()),
            &mut problems,
        );
    }
    assert_clean(problems);
}

#[test]
fn modadd_lints_clean() {
    let mut problems = vec![];
    for (p, name) in moduli() {
        check(
            &ModAddConfig::new(p, &name),
            &format!("modadd {name}"),
            &mut problems,
        );
    }
    assert_clean(problems);
}

/// Pipelined with Karatsuba (3 levels) and without, the tile shape varying with the field.
#[test]
fn modmul_pipelined_lints_clean() {
    let mut problems = vec![];
    for (i, (p, name)) in moduli().into_iter().enumerate() {
        for levels in [3, 0] {
            let mut cfg = ModMulConfig::new(p.clone(), &name);
            cfg.tile = TileShape::ALL[i % TileShape::ALL.len()];
            cfg.architecture = Architecture::pipelined(levels);
            let what = format!(
                "modmul pipelined {name} {} karatsuba {levels}",
                cfg.tile.name()
            );
            check(&cfg, &what, &mut problems);
        }
    }
    assert_clean(problems);
}

/// Both products by p' forced (`tiles`, `lut`: the NAF network, also where `auto` keeps the
/// one tile), Karatsuba 3, on every modulus.
#[test]
fn modmul_p_prime_choices_lint_clean() {
    let mut problems = vec![];
    for (i, (p, name)) in moduli().into_iter().enumerate() {
        for pp in [PPrimeProduct::Tiles, PPrimeProduct::Lut] {
            let mut cfg = ModMulConfig::new(p.clone(), &name);
            cfg.tile = TileShape::ALL[i % TileShape::ALL.len()];
            cfg.architecture = Architecture::pipelined(3);
            cfg.p_prime_product = pp;
            let what = format!(
                "modmul pipelined {name} {} p' {}",
                cfg.tile.name(),
                pp.name()
            );
            check(&cfg, &what, &mut problems);
        }
    }
    assert_clean(problems);
}

/// Route registers (the ECP5 synthesis default) under the 32-bit and the 64-bit bound, on
/// every modulus.
#[test]
fn modmul_route_registers_lint_clean() {
    let mut problems = vec![];
    for (i, (p, name)) in moduli().into_iter().enumerate() {
        for bound in [32, 64] {
            let mut cfg = ModMulConfig::new(p.clone(), &name);
            cfg.tile = TileShape::ALL[i % TileShape::ALL.len()];
            cfg.architecture = Architecture::Pipelined {
                karatsuba: 3,
                slice_bits: 32,
                levels_per_stage: 1,
            };
            cfg.max_add_bits = bound;
            cfg.route_registers = true;
            let what = format!(
                "modmul pipelined {name} {} route registers, bound {bound}",
                cfg.tile.name()
            );
            check(&cfg, &what, &mut problems);
        }
    }
    assert_clean(problems);
}

#[test]
fn modmul_iterative_lints_clean() {
    let mut problems = vec![];
    for (i, (p, name)) in moduli().into_iter().enumerate() {
        let mut cfg = ModMulConfig::new(p, &name);
        cfg.tile = TileShape::ALL[(i + 1) % TileShape::ALL.len()];
        cfg.architecture = Architecture::iterative([1, 4, 3, 8][i % 4]);
        let what = format!(
            "modmul iterative {name} {} {}",
            cfg.tile.name(),
            cfg.architecture.describe()
        );
        check(&cfg, &what, &mut problems);
    }
    assert_clean(problems);
}

#[test]
fn point_add_lints_clean() {
    let mut problems = vec![];
    for name in CURVES {
        let cfg = zkhdl_sim::point_add::config_for(&Curve::from_name(name).unwrap());
        check(&cfg, &format!("point-add {name}"), &mut problems);
        let cfg = zkhdl_sim::point_add::mixed_config_for(&Curve::from_name(name).unwrap());
        check(&cfg, &format!("point-add --mixed {name}"), &mut problems);
    }
    // Other multipliers: schoolbook 18x18 tiles.
    let mut cfg = zkhdl_sim::point_add::config_for(&Curve::from_name("bn254").unwrap());
    cfg.tile = TileShape::T18x18;
    cfg.karatsuba = 0;
    check(&cfg, "point-add bn254 18x18 karatsuba 0", &mut problems);
    assert_clean(problems);
}

#[test]
fn msm_lints_clean() {
    let mut problems = vec![];
    for (curve, window, host, adders) in [
        ("bls12-381", 8, false, 1),
        ("bls12-381", 4, true, 1),
        ("bn254", 8, false, 1),
        ("bls12-381", 9, false, 2),
        ("bn254", 4, false, 3),
    ] {
        let mut cfg = zkhdl_sim::msm::config_for(&Curve::from_name(curve).unwrap(), window);
        cfg.host_aggregation = host;
        cfg.adders = adders;
        let what = format!("msm {curve} c={window} host_aggregation={host} adders={adders}");
        check(&cfg, &what, &mut problems);
    }
    assert_clean(problems);
}

/// The check fails on a core with a width mismatch: a 1-bit value added into an 8-bit sum
/// (the class of warning the generators used to emit), injected into a clean modadd.
#[test]
fn an_injected_width_mismatch_is_reported() {
    let p = BigUint::from(65521u32);
    let cfg = ModAddConfig::new(p, "custom-16b");
    let core = cfg.generate().unwrap();
    let top = &core.manifest.top;
    assert!(lint(&core.verilog, top, "clean modadd").is_empty());
    let end = format!("endmodule // {top}\n");
    let at = core.verilog.find(&end).expect("the top module's end");
    let mut bad = core.verilog.clone();
    bad.insert_str(
        at,
        "wire [7:0] mutant_sum = {7'b0, in_valid} + op;\nwire unused_mutant = &{1'b0, mutant_sum};\n",
    );
    let warnings = lint(&bad, top, "mutant modadd");
    assert!(
        warnings.iter().any(|w| w.starts_with("%Warning-WIDTH")),
        "the injected width mismatch was not reported: {warnings:#?}"
    );
    let n = warnings
        .iter()
        .filter(|w| w.starts_with("%Warning"))
        .count();
    assert_eq!(n, 1, "only the injected line warns: {warnings:#?}");
}
