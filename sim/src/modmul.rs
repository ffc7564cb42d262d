//! Driver for `modmul`: canonical pairs are converted into the Montgomery domain, multiplied by
//! the core, and every raw result must be arkworks' product in the Montgomery domain (fully
//! reduced); products are reported canonically.

use crate::driver::{compare, Stream};
use crate::harness::{BuildReport, SimError};
use crate::run::{fixed_latency_stream, run_stream, Backend, Mismatch, SimOptions};
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

/// The mapping: each pair in the Montgomery domain (`a R`, `b R`); the expected `result` is
/// arkworks' product in the Montgomery domain, `a b R mod p` (fully reduced).
fn stream_of(
    core: &GeneratedCore,
    field: &Field,
    k: usize,
    pairs: &[(BigUint, BigUint)],
) -> (Stream, Vec<Vec<BigUint>>) {
    let items = pairs
        .iter()
        .map(|(a, b)| vec![field.to_montgomery(a, k), field.to_montgomery(b, k)])
        .collect();
    let expected = pairs
        .iter()
        .map(|(a, b)| vec![field.to_montgomery(&field.mul(a, b), k)])
        .collect();
    (
        fixed_latency_stream(core, &["a", "b"], items, &["result"]),
        expected,
    )
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
    simulate_on(Backend::Verilator, core, cfg, field, pairs, opts)
}

/// The same stream through Icarus Verilog.
pub fn simulate_iverilog(
    cfg: &ModMulConfig,
    field: &Field,
    pairs: &[(BigUint, BigUint)],
    opts: &SimOptions,
) -> Result<ModMulRun, SimError> {
    simulate_on(Backend::Icarus, &generate(cfg)?, cfg, field, pairs, opts)
}

/// Runs `pairs` through `core` on `backend`; every raw Montgomery result must equal
/// arkworks' product in the Montgomery domain.
pub fn simulate_on(
    backend: Backend,
    core: &GeneratedCore,
    cfg: &ModMulConfig,
    field: &Field,
    pairs: &[(BigUint, BigUint)],
    opts: &SimOptions,
) -> Result<ModMulRun, SimError> {
    let k = cfg.r_bits();
    let (s, expected) = stream_of(core, field, k, pairs);
    let (out, build) = run_stream(core, &s, opts, backend)?;
    let checked = compare(&expected, &out);
    let mut run = ModMulRun {
        products: vec![],
        mismatches: vec![],
        stream_errors: checked.stream_errors,
        cycles: out.cycles,
        latency: core.manifest.latency,
        initiation_interval: core.manifest.initiation_interval,
        tiles: core.manifest.tiles,
        r_bits: k,
        wall_s: out.wall_s,
        build,
    };
    for &i in &checked.wrong {
        let ((a, b), raw) = (&pairs[i], &out.rows[i][0]);
        // Reported canonically; a result that is not fully reduced is shown raw.
        let got = if raw >= field.modulus() {
            format!(
                "{} (raw Montgomery result, not reduced below p)",
                to_hex(raw)
            )
        } else {
            to_hex(&field.from_montgomery(raw, k))
        };
        run.mismatches.push(Mismatch {
            index: i,
            operation: "mul".into(),
            inputs: vec![to_hex(a), to_hex(b)],
            expected: to_hex(&field.mul(a, b)),
            got,
            cycle: out.row_cycles[i],
        });
    }
    run.products = out
        .rows
        .iter()
        .take(pairs.len())
        .map(|row| field.from_montgomery(&row[0], k))
        .collect();
    Ok(run)
}
