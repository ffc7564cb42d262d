//! Formal proofs through SymbiYosys: each proof passes on the generated core and fails, with a
//! counterexample trace, on its seeded mutant. The small ones run by default; the full-width
//! ones are `#[ignore]` (times and commands in results/formal.md):
//! `cargo test -p zkhdl-synth --test formal -- --ignored --nocapture`.

use num_bigint::BigUint;
use std::path::PathBuf;
use zkhdl_golden::field::FieldPreset;
use zkhdl_hdl::modadd::ModAddConfig;
use zkhdl_hdl::modmul::{Architecture, ModMulConfig};
use zkhdl_hdl::tile::{TileConfig, TileShape};
use zkhdl_synth::formal::{self, ProofReport, ProofSpec, ProveOptions, Solver, Status};

fn work(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("zkhdl-formal-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn run(spec: &ProofSpec, name: &str, solver: Solver, mutant: bool) -> ProofReport {
    let mut o = ProveOptions::new(work(&format!(
        "{name}-{}{}",
        solver.name(),
        if mutant { "-mutant" } else { "" }
    )));
    o.solver = solver;
    o.mutant = mutant;
    let r = formal::run(spec, &o).unwrap_or_else(|e| panic!("{name}: {e}"));
    println!(
        "{name} ({}{}): {:?} {} depth {} in {:.1} s",
        solver.name(),
        if mutant { ", mutant" } else { "" },
        r.status,
        r.mode.name(),
        r.depth,
        r.seconds
    );
    r
}

/// The proof passes, and the mutant fails with a trace.
fn proves_and_catches(spec: &ProofSpec, name: &str, solver: Solver) {
    let r = run(spec, name, solver, false);
    assert_eq!(r.status, Status::Pass, "{name}: log {}", r.log.display());
    let m = run(spec, name, solver, true);
    assert_eq!(
        m.status,
        Status::Fail,
        "{name} mutant: log {}",
        m.log.display()
    );
    let trace = m.trace.expect("a failing proof leaves a trace");
    let vcd = std::fs::read_to_string(&trace).unwrap();
    assert!(vcd.contains("$var"), "{} is a VCD", trace.display());
}

fn modadd(p: BigUint) -> ModAddConfig {
    ModAddConfig::new(p, "custom")
}

#[test]
fn modadd_small_prime_both_solvers() {
    let spec = formal::modadd_spec(&modadd(BigUint::from(0xfff1u32))).unwrap();
    assert_eq!(spec.mode, formal::Mode::Prove);
    proves_and_catches(&spec, "modadd-fff1", Solver::Z3);
    proves_and_catches(&spec, "modadd-fff1", Solver::Yices);
}

#[test]
fn modadd_61_bit_prime() {
    let p = (BigUint::from(1u32) << 61u32) - 1u32;
    proves_and_catches(
        &formal::modadd_spec(&modadd(p)).unwrap(),
        "modadd-m61",
        Solver::Yices,
    );
}

#[test]
fn tile_16x16() {
    let spec = formal::tile_spec(&TileConfig::new(TileShape::T16x16)).unwrap();
    proves_and_catches(&spec, "tile-16x16", Solver::Z3);
}

/// The DSP48E2 tile, whose lemma the 16-bit modmul proof rests on.
#[test]
fn tile_26x17() {
    let spec = formal::tile_spec(&TileConfig::new(TileShape::T26x17)).unwrap();
    proves_and_catches(&spec, "tile-26x17", Solver::Yices);
}

fn modmul(p: u64, arch: Architecture) -> ModMulConfig {
    let mut c = ModMulConfig::new(BigUint::from(p), "custom");
    c.tile = TileShape::T16x16;
    c.architecture = arch;
    c
}

#[test]
fn modmul_12_bit_prime_pipelined() {
    let spec = formal::modmul_spec(&modmul(0xffd, Architecture::pipelined(0))).unwrap();
    proves_and_catches(&spec, "modmul-ffd-pipelined", Solver::Yices);
}

/// The 12-bit prime on 16x16 tiles (one 16-bit digit), as the 16-bit one.
#[test]
fn modmul_12_bit_prime_iterative() {
    let spec = formal::modmul_spec(&modmul(0xffd, Architecture::iterative(1))).unwrap();
    proves_and_catches(&spec, "modmul-ffd-iterative", Solver::Yices);
}

#[test]
fn modmul_control_pipelined_61_bit_prime() {
    let p = (1u64 << 61) - 1;
    let spec = formal::modmul_spec(&modmul(p, Architecture::pipelined(1))).unwrap();
    assert_eq!(spec.mode, formal::Mode::Bmc);
    proves_and_catches(&spec, "modmul-m61-pipelined", Solver::Yices);
}

#[test]
fn modmul_control_iterative_24_bit_prime() {
    let spec = formal::modmul_control_spec(&modmul(0xfffffd, Architecture::iterative(2))).unwrap();
    proves_and_catches(&spec, "modmul-fffffd-iterative", Solver::Yices);
}

/// Opt-in: 331 s (depth 202) here.
#[test]
#[ignore]
fn modmul_control_iterative_61_bit_prime() {
    let p = (1u64 << 61) - 1;
    let spec = formal::modmul_spec(&modmul(p, Architecture::iterative(2))).unwrap();
    proves_and_catches(&spec, "modmul-m61-iterative", Solver::Yices);
}

#[test]
fn unknown_solver_is_refused() {
    assert!(Solver::parse("cvc5").is_err());
}

// Full width: opt-in (times in results/formal.md).

#[test]
#[ignore]
fn modadd_presets_full_width() {
    for f in FieldPreset::ALL {
        let spec = formal::modadd_spec(&ModAddConfig::new(f.modulus(), f.name())).unwrap();
        proves_and_catches(&spec, &format!("modadd-{}", f.name()), Solver::Yices);
    }
}

/// The 16-bit prime of the issue with the generator's defaults (26x17 tiles, Karatsuba 3):
/// all inputs, in seconds, because the reference products come from instances of the core's
/// own tile (see `formal::modmul_spec`).
/// The same proof on a core whose Montgomery constant p' is off by two (`find` replaced by
/// `replace` in the core's Verilog, not in the harness): the reference's own quotient must not
/// hide a core that computes a wrong one.
fn fails_with_a_wrong_p_prime(spec: &formal::ProofSpec, name: &str, find: &str, replace: &str) {
    let mut wrong = spec.clone();
    let core = &mut wrong.files[1].1;
    assert!(core.contains(find), "{name}: no {find} in the core");
    *core = core.replace(find, replace);
    let r = run(
        &wrong,
        &format!("{name}-wrong-p-prime"),
        Solver::Yices,
        false,
    );
    assert_eq!(r.status, Status::Fail, "{name}: log {}", r.log.display());
}

#[test]
fn modmul_16_bit_prime_pipelined() {
    let c = ModMulConfig::new(BigUint::from(0xfff1u32), "custom");
    let spec = formal::modmul_spec(&c).unwrap();
    assert!(
        spec.property.contains("instances of the core's tile"),
        "{}",
        spec.property
    );
    proves_and_catches(&spec, "modmul-fff1-pipelined", Solver::Yices);
    fails_with_a_wrong_p_prime(&spec, "modmul-fff1-pipelined", "16'heeef", "16'heeed");
}

/// The iterative core at 16 bits (26x17 tiles: one 17-bit digit), by observation of its
/// shared tile, Montgomery's lemma and inputs at fixed cycles (see `formal::modmul_spec`).
#[test]
fn modmul_16_bit_prime_iterative() {
    let mut c = ModMulConfig::new(BigUint::from(0xfff1u32), "custom");
    c.architecture = Architecture::iterative(4);
    let spec = formal::modmul_spec(&c).unwrap();
    assert!(spec.property.contains("observed"), "{}", spec.property);
    proves_and_catches(&spec, "modmul-fff1-iterative", Solver::Yices);
    fails_with_a_wrong_p_prime(&spec, "modmul-fff1-iterative", "17'h1eeef", "17'h1eeed");
}

#[test]
#[ignore]
fn modmul_control_bls12_381_fq() {
    for arch in [Architecture::pipelined(3), Architecture::iterative(4)] {
        let mut c = ModMulConfig::new(FieldPreset::Bls12381Fq.modulus(), "bls12-381-fq");
        c.architecture = arch;
        let spec = formal::modmul_spec(&c).unwrap();
        proves_and_catches(
            &spec,
            &format!("modmul-bls12-381-fq-{}", arch.name()),
            Solver::Yices,
        );
    }
}

/// The MSM controller of `zkhdl prove msm` with its defaults: F_251, 5-bit scalars, c = 2
/// (3 windows x 2 buckets), a 2-entry FIFO.
fn toy_msm() -> zkhdl_hdl::msm::MsmConfig {
    let adder = zkhdl_hdl::point_add::PointAddConfig::new("toy", BigUint::from(251u32), 3);
    let mut cfg = zkhdl_hdl::msm::MsmConfig::new(adder, 5, 2);
    cfg.fifo_depth = 2;
    cfg
}

/// One job of the MSM proof at `depth`; with a mutant, it must fail on the assertion `label`
/// with a trace.
fn msm_job(job: usize, depth: usize, mutant: Option<formal::MsmMutant>, label: &str) {
    let cfg = toy_msm();
    let specs = formal::msm_specs(&cfg, mutant).unwrap();
    let name = format!(
        "msm-{}-{}",
        formal::MSM_JOBS[job],
        mutant.map_or("none", |m| m.name())
    );
    let mut o = ProveOptions::new(work(&name));
    o.solver = Solver::Yices;
    o.mutant = mutant.is_some();
    o.depth = Some(depth);
    let r = formal::run(&specs[job], &o).unwrap_or_else(|e| panic!("{name}: {e}"));
    println!("{name}: {:?} depth {depth} in {:.1} s", r.status, r.seconds);
    let log = std::fs::read_to_string(&r.log).unwrap();
    if mutant.is_none() {
        assert_eq!(r.status, Status::Pass, "{name}: log {}", r.log.display());
        return;
    }
    assert_eq!(r.status, Status::Fail, "{name}: log {}", r.log.display());
    assert!(
        log.lines()
            .any(|l| l.contains("failed assertion") && l.contains(label)),
        "{name}: {label} should fail (log {})",
        r.log.display()
    );
    let trace = r.trace.expect("a failing proof leaves a trace");
    assert!(std::fs::read_to_string(&trace).unwrap().contains("$var"));
}

#[test]
fn msm_controller_holds_at_a_small_depth() {
    // The clearing walk (12 cycles: two banks of 6 buckets) and several points through all
    // three windows.
    for job in 0..3 {
        msm_job(job, 26, None, "");
    }
}

#[test]
fn msm_mutants_of_hazard_digits_and_ready_fail() {
    use formal::MsmMutant::*;
    msm_job(0, 26, Some(Hazard), "hazard_free");
    msm_job(1, 30, Some(DropDigit), "digits_all_issued");
    msm_job(2, 20, Some(ReadyFromValid), "ready_independent_of_valid");
}

#[test]
#[ignore]
fn msm_starve_mutant_fails_progress() {
    // A stall longer than the adder latency needs a full latency beyond a filled FIFO: the
    // default depth (the clearing walk of both banks, the latency, the windows).
    let depth = formal::default_depths(&toy_msm()).unwrap()[0];
    msm_job(0, depth, Some(formal::MsmMutant::Starve), "stall_bounded");
}

#[test]
#[ignore]
fn msm_controller_at_the_default_depths() {
    let cfg = toy_msm();
    let mut o = ProveOptions::new(work("msm-default"));
    o.solver = Solver::Yices;
    let r = formal::prove_msm(&cfg, None, &o).unwrap();
    for j in &r.jobs {
        println!(
            "{}: {:?} depth {} in {:.1} s",
            j.property, j.status, j.depth, j.seconds
        );
    }
    assert_eq!(
        r.summary.status,
        Status::Pass,
        "log {}",
        r.summary.log.display()
    );
}

#[test]
fn msm_in_ready_has_no_combinational_path_from_in_valid() {
    let cfg = toy_msm();
    let ok = formal::msm_specs(&cfg, None).unwrap();
    let r = formal::ready_structure(&ok[2], false, &work("msm-structure")).unwrap();
    assert!(r.pass, "log {}", r.log.display());
    let bad = formal::msm_specs(&cfg, Some(formal::MsmMutant::ReadyFromValid)).unwrap();
    let m = formal::ready_structure(&bad[2], true, &work("msm-structure-mutant")).unwrap();
    assert!(!m.pass, "log {}", m.log.display());
    let log = std::fs::read_to_string(&m.log).unwrap();
    assert!(log.contains("in_valid_b"), "the path starts at in_valid");
}
