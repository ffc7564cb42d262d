//! Driver for `modadd`: every pair goes through the core twice (add, then subtract), and every
//! result is compared with the golden model. The same schedule runs on Verilator (interactive)
//! or Icarus Verilog (batch), so the two simulators check the same Verilog the same way.

use crate::harness::{build, BuildReport, SimError};
use crate::iverilog;
use crate::run::{design_of, progress_bar, Mismatch, SimOptions};
use num_bigint::BigUint;
use std::time::Instant;
use zkhdl_golden::{to_hex, Field};
use zkhdl_hdl::modadd::{self, ModAddConfig};
use zkhdl_hdl::GeneratedCore;

/// Cycles `reset` is held high before the first input.
const RESET_CYCLES: u64 = 2;
/// Cycles run after the pipeline should be empty, to catch duplicated results.
const EXTRA_DRAIN: usize = 4;

/// Results of one run.
#[derive(Clone, Debug)]
pub struct ModAddRun {
    pub sums: Vec<BigUint>,
    pub differences: Vec<BigUint>,
    pub mismatches: Vec<Mismatch>,
    /// Problems with the stream itself: lost, extra or reordered results.
    pub stream_errors: Vec<String>,
    pub cycles: u64,
    pub latency: usize,
    /// Seconds spent simulating (build excluded).
    pub wall_s: f64,
    /// `None` for simulators without a build cache (Icarus).
    pub build: Option<BuildReport>,
}

impl ModAddRun {
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
}

/// The `modadd` core for `field`.
pub fn core_for(field: &Field) -> GeneratedCore {
    modadd::generate(&ModAddConfig::new(field.modulus().clone(), field.name()))
        .expect("modadd supports every modulus the golden crate accepts")
}

/// What is presented on each cycle after reset: `Some((pair index, is_sub))` or idle.
fn schedule(n: usize, opts: &SimOptions) -> Vec<Option<(usize, bool)>> {
    let mut gap = opts.gaps.as_ref().map(|g| (g.clone(), g.rng()));
    let mut s = Vec::with_capacity(2 * n);
    for i in 0..n {
        for is_sub in [false, true] {
            if let Some((g, rng)) = gap.as_mut() {
                s.extend(std::iter::repeat_n(None, g.idle_cycles(rng) as usize));
            }
            s.push(Some((i, is_sub)));
        }
    }
    s.extend(std::iter::repeat_n(None, modadd::LATENCY + EXTRA_DRAIN));
    s
}

/// Generates `modadd` for `field`, builds it (cached) and runs `pairs` through it in Verilator.
pub fn simulate(
    field: &Field,
    pairs: &[(BigUint, BigUint)],
    opts: &SimOptions,
) -> Result<ModAddRun, SimError> {
    simulate_core(&core_for(field), field, pairs, opts)
}

/// Runs `pairs` through a given `modadd` core in Verilator, checking against `field`. Tests use
/// this with deliberately wrong cores to prove the checks catch them.
pub fn simulate_core(
    core: &GeneratedCore,
    field: &Field,
    pairs: &[(BigUint, BigUint)],
    opts: &SimOptions,
) -> Result<ModAddRun, SimError> {
    let (mut m, build_report) = build(&design_of(core), &opts.build_options())?;
    if let Some(t) = &opts.trace {
        m.trace_on(t)?;
    }
    let (in_valid, op, a, b) = (
        m.port("in_valid")?,
        m.port("op")?,
        m.port("a")?,
        m.port("b")?,
    );
    let (out_valid, out_op, result) = (m.port("out_valid")?, m.port("out_op")?, m.port("result")?);
    m.reset(&core.manifest.reset, RESET_CYCLES)?;

    // Operands as words once, so the loop measures the simulator, not bignum conversion.
    let words: Vec<(Vec<u32>, Vec<u32>)> = pairs
        .iter()
        .map(|(x, y)| (x.to_u32_digits(), y.to_u32_digits()))
        .collect();
    let plan = schedule(pairs.len(), opts);
    let pb = progress_bar(
        opts.progress && plan.len() > 50_000,
        plan.len() as u64,
        "modadd",
    );
    let mut got = Vec::with_capacity(2 * pairs.len());
    let start_cycle = m.cycles();
    let t = Instant::now();
    for (c, slot) in plan.iter().enumerate() {
        match slot {
            Some((i, is_sub)) => {
                m.set_words(a, &words[*i].0)?;
                m.set_words(b, &words[*i].1)?;
                m.set_bool(op, *is_sub)?;
                m.set_bool(in_valid, true)?;
            }
            None => m.set_bool(in_valid, false)?,
        }
        m.tick();
        if m.get_bool(out_valid) {
            got.push((m.get_bool(out_op), m.get_biguint(result), m.cycles()));
        }
        if c % 8192 == 0 {
            pb.set_position(c as u64);
        }
    }
    let wall_s = t.elapsed().as_secs_f64();
    pb.finish_and_clear();
    if opts.trace.is_some() {
        m.trace_off();
    }
    let mut run = check(field, pairs, got);
    run.cycles = m.cycles() - start_cycle;
    run.wall_s = wall_s;
    run.build = Some(build_report);
    Ok(run)
}

/// Runs the same schedule through Icarus Verilog: a cross-check of the emitted Verilog with a
/// second, independent simulator.
pub fn simulate_iverilog(
    field: &Field,
    pairs: &[(BigUint, BigUint)],
    opts: &SimOptions,
) -> Result<ModAddRun, SimError> {
    let core = core_for(field);
    let design = design_of(&core);
    let plan = schedule(pairs.len(), opts);
    // Input order is the manifest's: clock (driven by the bench), reset, in_valid, op, a, b.
    let zero = BigUint::default();
    let one = BigUint::from(1u32);
    let mut stimulus: Vec<Vec<BigUint>> = (0..RESET_CYCLES)
        .map(|_| {
            vec![
                one.clone(),
                zero.clone(),
                zero.clone(),
                zero.clone(),
                zero.clone(),
            ]
        })
        .collect();
    for slot in &plan {
        stimulus.push(match slot {
            Some((i, is_sub)) => vec![
                zero.clone(),
                one.clone(),
                BigUint::from(*is_sub as u32),
                pairs[*i].0.clone(),
                pairs[*i].1.clone(),
            ],
            None => vec![
                zero.clone(),
                zero.clone(),
                zero.clone(),
                zero.clone(),
                zero.clone(),
            ],
        });
    }
    let t = Instant::now();
    let outputs = iverilog::run_batch(&design, &stimulus, &opts.build.cache_dir)?;
    let wall_s = t.elapsed().as_secs_f64();
    // Outputs: out_valid, out_op, result.
    let got = outputs
        .into_iter()
        .enumerate()
        .skip(RESET_CYCLES as usize)
        .filter(|(_, o)| o[0] == one)
        .map(|(c, o)| (o[1] == one, o[2].clone(), c as u64 + 1))
        .collect();
    let mut run = check(field, pairs, got);
    run.cycles = stimulus.len() as u64;
    run.wall_s = wall_s;
    Ok(run)
}

/// Compares the results the core produced, in order, with the golden model.
fn check(field: &Field, pairs: &[(BigUint, BigUint)], got: Vec<(bool, BigUint, u64)>) -> ModAddRun {
    let total = 2 * pairs.len();
    let mut run = ModAddRun {
        sums: vec![],
        differences: vec![],
        mismatches: vec![],
        stream_errors: vec![],
        cycles: 0,
        latency: modadd::LATENCY,
        wall_s: 0.0,
        build: None,
    };
    if got.len() != total {
        run.stream_errors.push(format!(
            "expected {total} results (one per accepted input), got {}",
            got.len()
        ));
    }
    for (k, (o, r, cycle)) in got.into_iter().enumerate().take(total) {
        let (i, is_sub) = (k / 2, k % 2 == 1);
        if o != is_sub {
            run.stream_errors.push(format!(
                "result {k} (cycle {cycle}) carries op={} but input {k} had op={}",
                o as u8, is_sub as u8
            ));
        }
        let (x, y) = &pairs[i];
        let (expected, name) = if is_sub {
            (field.sub(x, y), "sub")
        } else {
            (field.add(x, y), "add")
        };
        if r != expected {
            run.mismatches.push(Mismatch {
                index: i,
                operation: name.into(),
                inputs: vec![to_hex(x), to_hex(y)],
                expected: to_hex(&expected),
                got: to_hex(&r),
                cycle,
            });
        }
        if is_sub {
            run.differences.push(r);
        } else {
            run.sums.push(r);
        }
    }
    run
}
