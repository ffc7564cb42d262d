//! Driver for `point_add`: projective pairs are converted into the Montgomery domain, added by
//! the core and converted back. Each result is checked twice: bit-exact against the software
//! model of the same formula (`zkhdl_golden::rcb`, so a wrong stage shows as a wrong
//! coordinate), and as a point against arkworks' own addition of the affine inputs.
//!
//! The mixed core (`cfg.mixed`) takes the same pairs with P2 affine: its Z must be 1 (which
//! also rules out the identity, whose Z is 0); x2 and y2 go to the core, z2 nowhere, and the
//! bit-exact model is `rcb::add_mixed`.

use crate::driver::{compare, Stream};
use crate::harness::{BuildReport, SimError};
use crate::run::{fixed_latency_stream, run_stream, Backend, Mismatch, SimOptions};
use num_bigint::BigUint;
use zkhdl_golden::rcb::{self, Projective};
use zkhdl_golden::{to_hex, Affine, Curve};
use zkhdl_hdl::point_add::PointAddConfig;
use zkhdl_hdl::Core;
use zkhdl_hdl::GeneratedCore;

#[derive(Clone, Debug)]
pub struct PointAddRun {
    /// P1 + P2 in affine form, one per pair.
    pub results: Vec<Affine>,
    pub mismatches: Vec<Mismatch>,
    pub stream_errors: Vec<String>,
    pub cycles: u64,
    pub latency: usize,
    pub tiles: usize,
    pub wall_s: f64,
    pub build: Option<BuildReport>,
}

impl PointAddRun {
    pub fn matches_golden(&self) -> bool {
        self.mismatches.is_empty() && self.stream_errors.is_empty()
    }

    pub fn cycles_per_s(&self) -> f64 {
        crate::run::rate(self.cycles, self.wall_s)
    }
}

/// The point-adder configuration for `curve` (the caller may change tile and Karatsuba).
pub fn config_for(curve: &Curve) -> PointAddConfig {
    let b = curve.b().to_u64_digits().first().copied().unwrap_or(0);
    PointAddConfig::new(curve.name(), curve.base_field().modulus().clone(), b)
}

/// The mixed adder (P2 affine) for `curve`.
pub fn mixed_config_for(curve: &Curve) -> PointAddConfig {
    let b = curve.b().to_u64_digits().first().copied().unwrap_or(0);
    PointAddConfig::new_mixed(curve.name(), curve.base_field().modulus().clone(), b)
}

/// The formula's projective triple for one pair, as the core of `cfg` computes it.
fn model(cfg: &PointAddConfig, curve: &Curve, p: &Projective, q: &Projective) -> Projective {
    if cfg.mixed {
        rcb::add_mixed(curve, p, &q.x, &q.y)
    } else {
        rcb::add(curve, p, q)
    }
}

/// The mixed core reads P2 as (x, y): every P2 must have Z = 1 (so none is the identity).
fn check_pairs(cfg: &PointAddConfig, pairs: &[(Projective, Projective)]) -> Result<(), SimError> {
    if !cfg.mixed {
        return Ok(());
    }
    let one = BigUint::from(1u32);
    match pairs.iter().position(|(_, q)| q.z != one) {
        Some(i) => Err(SimError::Config(format!(
            "pair {i}: the mixed adder takes P2 affine (Z = 1, never the identity), got {}",
            projective_text(&pairs[i].1)
        ))),
        None => Ok(()),
    }
}

fn affine_text(p: &Affine) -> String {
    match p {
        Affine::Infinity => "infinity".into(),
        Affine::Point { x, y } => format!("({}, {})", to_hex(x), to_hex(y)),
    }
}

fn projective_text(p: &Projective) -> String {
    format!("({} : {} : {})", to_hex(&p.x), to_hex(&p.y), to_hex(&p.z))
}

/// Generates the core for `cfg`, builds it (cached) and adds `pairs` in Verilator.
pub fn simulate(
    cfg: &PointAddConfig,
    curve: &Curve,
    pairs: &[(Projective, Projective)],
    opts: &SimOptions,
) -> Result<PointAddRun, SimError> {
    simulate_on(Backend::Verilator, &generate(cfg)?, cfg, curve, pairs, opts)
}

/// Runs `pairs` through a given core (tests pass deliberately broken ones).
pub fn simulate_core(
    core: &GeneratedCore,
    cfg: &PointAddConfig,
    curve: &Curve,
    pairs: &[(Projective, Projective)],
    opts: &SimOptions,
) -> Result<PointAddRun, SimError> {
    simulate_on(Backend::Verilator, core, cfg, curve, pairs, opts)
}

/// The same stream through Icarus Verilog: an independent simulator of the same Verilog
/// (slow at 5,000 tiles: keep it to a few pairs).
pub fn simulate_iverilog(
    cfg: &PointAddConfig,
    curve: &Curve,
    pairs: &[(Projective, Projective)],
    opts: &SimOptions,
) -> Result<PointAddRun, SimError> {
    simulate_on(Backend::Icarus, &generate(cfg)?, cfg, curve, pairs, opts)
}

fn generate(cfg: &PointAddConfig) -> Result<GeneratedCore, SimError> {
    cfg.generate().map_err(|e| SimError::Config(e.to_string()))
}

/// The mapping: both points' coordinates in the Montgomery domain (P2's Z left out when
/// mixed); the expected result is the formula's projective triple (the software model), in
/// the Montgomery domain.
fn stream_of(
    core: &GeneratedCore,
    cfg: &PointAddConfig,
    curve: &Curve,
    pairs: &[(Projective, Projective)],
) -> (Stream, Vec<Vec<BigUint>>) {
    let fq = curve.base_field();
    let k = cfg.r_bits();
    let mont = |v: &BigUint| fq.to_montgomery(v, k);
    let inputs = cfg.input_names();
    let items = pairs
        .iter()
        .map(|(p, q)| {
            [&p.x, &p.y, &p.z, &q.x, &q.y, &q.z][..inputs.len()]
                .iter()
                .map(|v| mont(v))
                .collect()
        })
        .collect();
    let expected = pairs
        .iter()
        .map(|(p, q)| {
            let r = model(cfg, curve, p, q);
            [&r.x, &r.y, &r.z].into_iter().map(mont).collect()
        })
        .collect();
    let s = fixed_latency_stream(core, inputs, items, &["x3", "y3", "z3"]);
    (s, expected)
}

/// Adds `pairs` on `backend`. Each result must be the formula's triple bit for bit, and as a
/// point arkworks' sum of the affine inputs.
pub fn simulate_on(
    backend: Backend,
    core: &GeneratedCore,
    cfg: &PointAddConfig,
    curve: &Curve,
    pairs: &[(Projective, Projective)],
    opts: &SimOptions,
) -> Result<PointAddRun, SimError> {
    let fq = curve.base_field();
    let k = cfg.r_bits();
    check_pairs(cfg, pairs)?;
    let (s, expected_rows) = stream_of(core, cfg, curve, pairs);
    let (out, build) = run_stream(core, &s, opts, backend)?;
    let checked = compare(&expected_rows, &out);
    let mut run = PointAddRun {
        results: vec![],
        mismatches: vec![],
        stream_errors: checked.stream_errors.clone(),
        cycles: out.cycles,
        latency: core.manifest.latency,
        tiles: core.manifest.tiles,
        wall_s: out.wall_s,
        build,
    };
    for (i, (row, cycle)) in out.rows.iter().zip(&out.row_cycles).enumerate() {
        let Some((p, q)) = pairs.get(i) else { break };
        let got = Projective {
            x: fq.from_montgomery(&row[0], k),
            y: fq.from_montgomery(&row[1], k),
            z: fq.from_montgomery(&row[2], k),
        };
        let expected = curve.add(&p.to_affine(curve), &q.to_affine(curve));
        let got_affine = got.to_affine(curve);
        if checked.is_wrong(i) || got_affine != expected {
            let what = if row.iter().any(|v| v >= fq.modulus()) {
                " (a coordinate is not reduced below p)"
            } else if got_affine == expected {
                " (the right point, but not the projective triple of the formula)"
            } else {
                ""
            };
            run.mismatches.push(Mismatch {
                index: i,
                operation: "add".into(),
                inputs: vec![projective_text(p), projective_text(q)],
                expected: format!(
                    "{} = {}",
                    affine_text(&expected),
                    projective_text(&model(cfg, curve, p, q))
                ),
                got: format!("{}{what}", projective_text(&got)),
                cycle: *cycle,
            });
        }
        run.results.push(got_affine);
    }
    Ok(run)
}
