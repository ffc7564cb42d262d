//! Driver for `ntt`: transforms stream through the generated core as beats of P values, the
//! output beats are regrouped into transforms (undoing the bit-reversed order where the core
//! is configured for it) and every value is compared with the golden transform (arkworks for
//! the presets, the bignum model for custom primes).
//!
//! Self-contained: it builds with [`crate::harness::build`] and drives any [`Simulator`] (Verilator or Icarus) itself,
//! because a transform is many beats, not one operation per input.
//!
//! Library entry points for the CLI (`zkhdl gen ntt` / `zkhdl sim ntt`): [`config_for`],
//! [`random_batches`], [`read_input`], [`simulate`] (Verilator) or [`simulate_iverilog`], and
//! [`NttRun::json`].

use crate::driver::Simulator;
use crate::harness::{build, BuildOptions, BuildReport, SimError};
use crate::run::design_of;
use num_bigint::BigUint;
use rand::Rng;
use serde::Serialize;
use serde_json::{json, Value};
use std::path::PathBuf;
use zkhdl_golden::ntt::{self as gntt, bit_reverse, NttDirection};
use zkhdl_golden::{parse_hex, to_hex, Field, GoldenError};
use zkhdl_hdl::ntt::{emit_with, Mutant, NttConfig, OutputOrder};
use zkhdl_hdl::{Core, GeneratedCore};

/// Cycles `reset` is held high before the first beat.
pub const RESET_CYCLES: u64 = 2;

/// Options of one NTT simulation.
#[derive(Clone, Debug, Default)]
pub struct NttSimOptions {
    pub build: BuildOptions,
    /// Random idle cycles before each input beat: (seed, probability of one more idle cycle).
    pub gaps: Option<(u64, f64)>,
    /// Write a waveform here (VCD, or FST for `.fst`).
    pub trace: Option<PathBuf>,
}

/// The NTT configuration for `field` (root of unity from golden) with the caller's shape.
pub fn config_for(
    field: &Field,
    log_n: usize,
    lanes: usize,
    inverse: bool,
    output_order: OutputOrder,
) -> Result<NttConfig, GoldenError> {
    let root = gntt::root_of_unity(field, log_n as u32)?;
    let mut cfg = NttConfig::new(field.modulus().clone(), field.name(), log_n, root);
    cfg.lanes = lanes;
    cfg.inverse = inverse;
    cfg.output_order = output_order;
    Ok(cfg)
}

/// `count` random transforms of 2^log_n canonical values, reproducible from `seed`.
pub fn random_batches(field: &Field, log_n: usize, count: usize, seed: u64) -> Vec<Vec<BigUint>> {
    let mut rng = zkhdl_golden::vectors::rng_from_seed(seed);
    (0..count)
        .map(|_| {
            (0..1usize << log_n)
                .map(|_| field.random_element(&mut rng))
                .collect()
        })
        .collect()
}

/// Parses an input file: `{"field": F, "values": ["0x..", ...]}` (one transform) or
/// `{"field": F, "batches": [[...], ...]}`; `"modulus": "0x.."` may stand for or accompany
/// `"field"`, and `field_flag` / `modulus_flag` (the CLI's) must agree with the file. Every
/// transform must have 2^log_n canonical values. Returns the field, the transforms and whether
/// the file gave a single `values` list.
pub fn read_input(
    text: &str,
    field_flag: Option<&str>,
    modulus_flag: Option<&str>,
    log_n: usize,
) -> Result<(Field, Vec<Vec<BigUint>>, bool), GoldenError> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| GoldenError::BadInput(format!("input file is not valid JSON: {e}")))?;
    let obj = v
        .as_object()
        .ok_or_else(|| GoldenError::BadInput("input file must be a JSON object".into()))?;
    let text_key = |k: &str| -> Result<Option<String>, GoldenError> {
        match obj.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(GoldenError::BadInput(format!(
                "input file: \"{k}\" must be a string"
            ))),
        }
    };
    let file_field = Field::resolve(
        text_key("field")?.as_deref().or(field_flag),
        text_key("modulus")?.as_deref().or(modulus_flag),
    )?;
    if field_flag.is_some() || modulus_flag.is_some() {
        let flag = Field::resolve(field_flag, modulus_flag)?;
        if flag.modulus() != file_field.modulus() {
            return Err(GoldenError::BadInput(format!(
                "the input file is for field {} but the command line names {}",
                file_field.name(),
                flag.name()
            )));
        }
    }
    let field = file_field;
    let list = |label: &str, v: &Value| -> Result<Vec<BigUint>, GoldenError> {
        let a = v.as_array().ok_or_else(|| {
            GoldenError::BadInput(format!("input file: {label} must be a list of hex strings"))
        })?;
        a.iter()
            .enumerate()
            .map(|(i, x)| {
                let s = x.as_str().ok_or_else(|| {
                    GoldenError::BadInput(format!("input file: {label}[{i}] must be a hex string"))
                })?;
                parse_hex(s).map_err(|e| GoldenError::BadInput(format!("{label}[{i}]: {e}")))
            })
            .collect()
    };
    let (batches, single) = match (obj.get("values"), obj.get("batches")) {
        (Some(v), None) => (vec![list("values", v)?], true),
        (None, Some(b)) => {
            let a = b.as_array().ok_or_else(|| {
                GoldenError::BadInput("input file: \"batches\" must be a list of lists".into())
            })?;
            let mut out = vec![];
            for (t, v) in a.iter().enumerate() {
                out.push(list(&format!("batches[{t}]"), v)?);
            }
            if out.is_empty() {
                return Err(GoldenError::BadInput(
                    "input file: \"batches\" is empty".into(),
                ));
            }
            (out, false)
        }
        (Some(_), Some(_)) => {
            return Err(GoldenError::BadInput(
                "input file: give \"values\" or \"batches\", not both".into(),
            ))
        }
        (None, None) => {
            return Err(GoldenError::BadInput(
                "input file: no \"values\" (one transform) or \"batches\" (several)".into(),
            ))
        }
    };
    for (t, b) in batches.iter().enumerate() {
        let label = if single {
            "values".to_string()
        } else {
            format!("batches[{t}]")
        };
        gntt::check_input(&field, b, log_n as u32, &label)?;
    }
    Ok((field, batches, single))
}

/// One transform whose output differs from golden.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct NttMismatch {
    /// Which transform.
    pub transform: usize,
    /// Values that differ, and the first of them.
    pub wrong_values: usize,
    pub first_index: usize,
    pub expected: String,
    pub got: String,
}

#[derive(Clone, Debug)]
pub struct NttRun {
    /// The core's outputs, one natural-order vector per transform.
    pub outputs: Vec<Vec<BigUint>>,
    pub expected: Vec<Vec<BigUint>>,
    pub mismatches: Vec<NttMismatch>,
    pub stream_errors: Vec<String>,
    /// Cycles simulated after reset (inputs, gaps and the drain).
    pub cycles: u64,
    /// The manifest's latency.
    pub latency: usize,
    /// First output beat minus first input beat, as simulated.
    pub measured_latency: Option<u64>,
    /// Output elements per cycle from the first to the last output beat.
    pub elements_per_cycle: f64,
    /// Cycles from the first input beat to the last output beat, both counted (the busy span
    /// of the core; the four-step cycle model adds these up).
    pub active_cycles: Option<u64>,
    pub lanes: usize,
    pub log_n: usize,
    pub tiles: usize,
    pub wall_s: f64,
    pub build: Option<BuildReport>,
}

impl NttRun {
    pub fn matches_golden(&self) -> bool {
        self.mismatches.is_empty() && self.stream_errors.is_empty()
    }

    pub fn cycles_per_s(&self) -> f64 {
        if self.wall_s > 0.0 {
            self.cycles as f64 / self.wall_s
        } else {
            0.0
        }
    }

    /// The `--json` object. `inputs` are echoed so that any checker can verify the outputs
    /// independently; with `single` (one `values` list given) `inputs` and `outputs` are flat
    /// lists, otherwise lists of transforms.
    pub fn json(
        &self,
        field: &Field,
        cfg: &NttConfig,
        inputs: &[Vec<BigUint>],
        single: bool,
    ) -> Value {
        let hex = |v: &Vec<Vec<BigUint>>| -> Value {
            if single && v.len() == 1 {
                json!(gntt::to_hex_vec(&v[0]))
            } else {
                json!(v.iter().map(|t| gntt::to_hex_vec(t)).collect::<Vec<_>>())
            }
        };
        json!({
            "field": field.name(),
            "modulus": to_hex(field.modulus()),
            "log_n": self.log_n,
            "lanes": self.lanes,
            "inverse": cfg.inverse,
            "output_order": cfg.output_order.name(),
            "root_of_unity": to_hex(&cfg.root),
            "transforms": self.outputs.len(),
            "inputs": hex(&inputs.to_vec()),
            "outputs": hex(&self.outputs),
            "matches_golden": self.matches_golden(),
            "cycles": self.cycles,
            "latency": self.latency,
            "measured_latency": self.measured_latency,
            "elements_per_cycle": self.elements_per_cycle,
            "tiles": self.tiles,
            "wall_s": self.wall_s,
            "cycles_per_s": self.cycles_per_s(),
            "mismatches": self.mismatches,
            "stream_errors": self.stream_errors,
            "build": self.build,
        })
    }
}

/// Generates the core for `cfg`, builds it (cached) and runs `batches` through it in Verilator.
pub fn simulate(
    cfg: &NttConfig,
    field: &Field,
    batches: &[Vec<BigUint>],
    opts: &NttSimOptions,
) -> Result<NttRun, SimError> {
    let core = generate(cfg, Mutant::None)?;
    simulate_core(&core, cfg, field, batches, opts)
}

/// The core for `cfg`, optionally with a deliberate fault (tests).
pub fn generate(cfg: &NttConfig, mutant: Mutant) -> Result<GeneratedCore, SimError> {
    let mut core = cfg
        .generate()
        .map_err(|e| SimError::Config(e.to_string()))?;
    if mutant != Mutant::None {
        core.verilog = emit_with(cfg, mutant).map_err(|e| SimError::Config(e.to_string()))?;
    }
    Ok(core)
}

/// The input beat on each cycle after reset: `Some((transform, beat))` or idle.
fn schedule(
    cfg: &NttConfig,
    transforms: usize,
    opts: &NttSimOptions,
) -> Vec<Option<(usize, usize)>> {
    let mut gaps = opts.gaps.map(|(seed, prob)| {
        (
            zkhdl_golden::vectors::rng_from_seed(seed ^ 0x6e74_7467),
            prob,
        )
    });
    let mut plan = vec![];
    for t in 0..transforms {
        for b in 0..cfg.beats() {
            if let Some((rng, prob)) = gaps.as_mut() {
                let mut idle = 0;
                while idle < 64 && rng.gen_bool(prob.clamp(0.0, 0.95)) {
                    idle += 1;
                }
                plan.extend(std::iter::repeat_n(None, idle));
            }
            plan.push(Some((t, b)));
        }
    }
    plan
}

/// Cycles to keep clocking after the last input beat: the core drains in at most its latency
/// plus one transform; a few more catch duplicated beats.
fn drain_cycles(cfg: &NttConfig, latency: usize) -> usize {
    latency + cfg.beats() + 16
}

/// Runs `batches` through a given core (tests pass deliberately broken ones).
pub fn simulate_core(
    core: &GeneratedCore,
    cfg: &NttConfig,
    field: &Field,
    batches: &[Vec<BigUint>],
    opts: &NttSimOptions,
) -> Result<NttRun, SimError> {
    check_batches(cfg, field, batches)?;
    let mut b = opts.build.clone();
    if let Some(t) = &opts.trace {
        b.trace = Some(crate::harness::TraceFormat::for_path(t));
    }
    let (mut m, report) = build(&design_of(core), &b)?;
    if let Some(t) = &opts.trace {
        m.trace_on(t)?;
    }
    let beats = drive(&mut m, core, cfg, batches, opts)?;
    if opts.trace.is_some() {
        m.trace_off();
    }
    Ok(check(core, cfg, field, batches, beats, Some(report)))
}

/// What came out: the beats with their cycles, the cycles simulated and the wall time.
struct Beats {
    rows: Vec<Vec<BigUint>>,
    row_cycles: Vec<u64>,
    first_input: Option<u64>,
    cycles: u64,
    wall_s: f64,
}

fn check_batches(cfg: &NttConfig, field: &Field, batches: &[Vec<BigUint>]) -> Result<(), SimError> {
    if field.modulus() != &cfg.modulus {
        return Err(SimError::Config(format!(
            "the core is for modulus {:#x}, the vectors for field {}",
            cfg.modulus,
            field.name()
        )));
    }
    for (t, b) in batches.iter().enumerate() {
        gntt::check_input(field, b, cfg.log_n as u32, &format!("batches[{t}]"))
            .map_err(|e| SimError::Config(e.to_string()))?;
    }
    Ok(())
}

fn drive<S: Simulator + ?Sized>(
    m: &mut S,
    core: &GeneratedCore,
    cfg: &NttConfig,
    batches: &[Vec<BigUint>],
    opts: &NttSimOptions,
) -> Result<Beats, SimError> {
    let lanes = cfg.lanes;
    let in_valid = m.port("in_valid")?;
    let out_valid = m.port("out_valid")?;
    let xs = (0..lanes)
        .map(|l| m.port(&format!("x{l}")))
        .collect::<Result<Vec<_>, _>>()?;
    let ys = (0..lanes)
        .map(|l| m.port(&format!("y{l}")))
        .collect::<Result<Vec<_>, _>>()?;
    m.reset(&core.manifest.reset, RESET_CYCLES)?;
    let words: Vec<Vec<Vec<u32>>> = batches
        .iter()
        .map(|b| b.iter().map(|v| v.to_u32_digits()).collect())
        .collect();
    let mut plan = schedule(cfg, batches.len(), opts);
    let first_input = plan.iter().position(|s| s.is_some()).map(|c| c as u64);
    plan.extend(std::iter::repeat_n(
        None,
        drain_cycles(cfg, core.manifest.latency),
    ));
    let mut rows = vec![];
    let mut row_cycles = vec![];
    let start = m.cycles();
    let t0 = std::time::Instant::now();
    for slot in &plan {
        match slot {
            Some((t, b)) => {
                for (l, p) in xs.iter().enumerate() {
                    m.set_words(*p, &words[*t][b * lanes + l])?;
                }
                m.set_bool(in_valid, true)?;
            }
            None => m.set_bool(in_valid, false)?,
        }
        m.tick()?;
        if m.get_bool(out_valid)? {
            rows.push(
                ys.iter()
                    .map(|p| m.get_biguint(*p))
                    .collect::<Result<Vec<_>, _>>()?,
            );
            row_cycles.push(m.cycles() - start);
        }
    }
    Ok(Beats {
        rows,
        row_cycles,
        first_input,
        cycles: m.cycles() - start,
        wall_s: t0.elapsed().as_secs_f64(),
    })
}

/// The same schedule through Icarus Verilog (slow: keep it small).
pub fn simulate_iverilog(
    cfg: &NttConfig,
    field: &Field,
    batches: &[Vec<BigUint>],
    opts: &NttSimOptions,
) -> Result<NttRun, SimError> {
    check_batches(cfg, field, batches)?;
    let core = generate(cfg, Mutant::None)?;
    let design = design_of(&core);
    let mut icarus = crate::iverilog::Icarus::start(&design, &opts.build.cache_dir)?;
    let beats = drive(&mut icarus, &core, cfg, batches, opts)?;
    Ok(check(&core, cfg, field, batches, beats, None))
}

fn check(
    core: &GeneratedCore,
    cfg: &NttConfig,
    field: &Field,
    batches: &[Vec<BigUint>],
    beats: Beats,
    build: Option<BuildReport>,
) -> NttRun {
    let lanes = cfg.lanes;
    let n = cfg.size();
    let per = cfg.beats();
    let direction = if cfg.inverse {
        NttDirection::Inverse
    } else {
        NttDirection::Forward
    };
    let mut run = NttRun {
        outputs: vec![],
        expected: vec![],
        mismatches: vec![],
        stream_errors: vec![],
        cycles: beats.cycles,
        latency: core.manifest.latency,
        measured_latency: match (beats.first_input, beats.row_cycles.first()) {
            (Some(i), Some(o)) => Some(o - i),
            _ => None,
        },
        active_cycles: match (beats.first_input, beats.row_cycles.last()) {
            (Some(i), Some(o)) => Some(o - i + 1),
            _ => None,
        },
        elements_per_cycle: match (beats.row_cycles.first(), beats.row_cycles.last()) {
            (Some(a), Some(b)) => (beats.rows.len() * lanes) as f64 / (b - a + 1) as f64,
            _ => 0.0,
        },
        lanes,
        log_n: cfg.log_n,
        tiles: core.manifest.tiles,
        wall_s: beats.wall_s,
        build,
    };
    let want = batches.len() * per;
    if beats.rows.len() != want {
        run.stream_errors.push(format!(
            "expected {want} output beats ({} transforms of {per}), got {}",
            batches.len(),
            beats.rows.len()
        ));
    }
    for (t, input) in batches.iter().enumerate() {
        let expected = gntt::ntt(field, input, direction).expect("checked input");
        let Some(rows) = beats.rows.get(t * per..(t + 1) * per) else {
            run.expected.push(expected);
            continue;
        };
        let mut got = vec![BigUint::default(); n];
        for (b, row) in rows.iter().enumerate() {
            for (l, v) in row.iter().enumerate() {
                let i = b * lanes + l;
                let pos = match cfg.output_order {
                    OutputOrder::Natural => i,
                    OutputOrder::BitReversed => bit_reverse(i, cfg.log_n as u32),
                };
                got[pos] = v.clone();
            }
        }
        let wrong: Vec<usize> = (0..n).filter(|&i| got[i] != expected[i]).collect();
        if let Some(&i) = wrong.first() {
            run.mismatches.push(NttMismatch {
                transform: t,
                wrong_values: wrong.len(),
                first_index: i,
                expected: to_hex(&expected[i]),
                got: to_hex(&got[i]),
            });
        }
        run.outputs.push(got);
        run.expected.push(expected);
    }
    run
}
