//! Driver for `modmul`: canonical pairs are converted into the Montgomery domain, multiplied by
//! the core, converted back and compared with arkworks' canonical product. The raw Montgomery
//! result is also checked against the golden Montgomery product.

use crate::harness::{BuildReport, SimError};
use crate::run::{stream, stream_iverilog, Mismatch, SimOptions, Stream, StreamResult};
use num_bigint::BigUint;
use zkhdl_golden::{to_hex, Field};
use zkhdl_hdl::modmul::ModMulConfig;
use zkhdl_hdl::Core;
use zkhdl_hdl::GeneratedCore;

#[derive(Clone, Debug)]
pub struct ModMulRun {
    /// Canonical products a * b mod p, one per pair.
    pub products: Vec<BigUint>,
    pub mismatches: Vec<Mismatch>,
    pub stream_errors: Vec<String>,
    pub cycles: u64,
    pub latency: usize,
    pub initiation_interval: usize,
    pub tiles: usize,
    pub r_bits: usize,
    pub wall_s: f64,
    pub build: Option<BuildReport>,
}

impl ModMulRun {
    pub fn matches_golden(&self) -> bool {
        self.mismatches.is_empty() && self.stream_errors.is_empty()
    }

    pub fn cycles_per_s(&self) -> f64 {
        crate::run::rate(self.cycles, self.wall_s)
    }
}

/// `cfg` for `field` (the caller sets architecture, tile and Karatsuba levels).
pub fn config_for(field: &Field) -> ModMulConfig {
    ModMulConfig::new(field.modulus().clone(), field.name())
}

fn stream_of<'a>(
    core: &'a GeneratedCore,
    field: &Field,
    k: usize,
    pairs: &[(BigUint, BigUint)],
) -> Stream<'a> {
    Stream {
        core,
        inputs: vec!["a", "b"],
        items: pairs
            .iter()
            .map(|(a, b)| vec![field.to_montgomery(a, k), field.to_montgomery(b, k)])
            .collect(),
        outputs: vec!["result"],
        spacing: core.manifest.initiation_interval,
    }
}

fn generate(cfg: &ModMulConfig) -> Result<GeneratedCore, SimError> {
    cfg.generate().map_err(|e| SimError::Config(e.to_string()))
}

/// Generates the core for `cfg`, builds it (cached) and runs `pairs` through it in Verilator.
pub fn simulate(
    cfg: &ModMulConfig,
    field: &Field,
    pairs: &[(BigUint, BigUint)],
    opts: &SimOptions,
) -> Result<ModMulRun, SimError> {
    let core = generate(cfg)?;
    simulate_core(&core, cfg, field, pairs, opts)
}

/// Runs `pairs` through a given core (tests pass deliberately broken ones).
pub fn simulate_core(
    core: &GeneratedCore,
    cfg: &ModMulConfig,
    field: &Field,
    pairs: &[(BigUint, BigUint)],
    opts: &SimOptions,
) -> Result<ModMulRun, SimError> {
    let k = cfg.r_bits();
    let out = stream(&stream_of(core, field, k, pairs), opts)?;
    Ok(check(core, field, k, pairs, out))
}

/// The same schedule through Icarus Verilog.
pub fn simulate_iverilog(
    cfg: &ModMulConfig,
    field: &Field,
    pairs: &[(BigUint, BigUint)],
    opts: &SimOptions,
) -> Result<ModMulRun, SimError> {
    let core = generate(cfg)?;
    let k = cfg.r_bits();
    let out = stream_iverilog(&stream_of(&core, field, k, pairs), opts)?;
    Ok(check(&core, field, k, pairs, out))
}

fn check(
    core: &GeneratedCore,
    field: &Field,
    k: usize,
    pairs: &[(BigUint, BigUint)],
    out: StreamResult,
) -> ModMulRun {
    let mut run = ModMulRun {
        products: vec![],
        mismatches: vec![],
        stream_errors: vec![],
        cycles: out.cycles,
        latency: core.manifest.latency,
        initiation_interval: core.manifest.initiation_interval,
        tiles: core.manifest.tiles,
        r_bits: k,
        wall_s: out.wall_s,
        build: out.build,
    };
    if out.rows.len() != pairs.len() {
        run.stream_errors.push(format!(
            "expected {} results (one per accepted input), got {}",
            pairs.len(),
            out.rows.len()
        ));
    }
    for (i, (row, cycle)) in out
        .rows
        .iter()
        .zip(&out.row_cycles)
        .enumerate()
        .take(pairs.len())
    {
        let (a, b) = &pairs[i];
        let raw = &row[0];
        // The contract in the Montgomery domain: fully reduced aR * bR * R^-1 = abR mod p.
        let expected_raw =
            field.montgomery_mul(&field.to_montgomery(a, k), &field.to_montgomery(b, k), k);
        let product = field.from_montgomery(raw, k);
        let expected = field.mul(a, b);
        if raw != &expected_raw || product != expected {
            // Reported canonically; a result that is not fully reduced is shown raw.
            let got = if raw >= field.modulus() {
                format!(
                    "{} (raw Montgomery result, not reduced below p)",
                    to_hex(raw)
                )
            } else {
                to_hex(&product)
            };
            run.mismatches.push(Mismatch {
                index: i,
                operation: "mul".into(),
                inputs: vec![to_hex(a), to_hex(b)],
                expected: to_hex(&expected),
                got,
                cycle: *cycle,
            });
        }
        run.products.push(product);
    }
    run
}
