//! Driver for `modadd`: every pair goes through the core twice (add, then subtract), and every
//! result is compared with the golden model.

use crate::harness::{build, BuildReport, SimError};
use crate::run::{design_of, progress_bar, Mismatch, SimOptions};
use num_bigint::BigUint;
use std::collections::VecDeque;
use std::time::Instant;
use zkhdl_golden::{to_hex, Field};
use zkhdl_hdl::modadd::{self, ModAddConfig};

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
    pub build: BuildReport,
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

/// Generates `modadd` for `field`, builds it (cached) and runs `pairs` through it.
pub fn simulate(
    field: &Field,
    pairs: &[(BigUint, BigUint)],
    opts: &SimOptions,
) -> Result<ModAddRun, SimError> {
    let core = modadd::generate(&ModAddConfig::new(field.modulus().clone(), field.name()))
        .expect("modadd supports every modulus the golden crate accepts");
    let design = design_of(&core);
    let (mut m, build_report) = build(&design, &opts.build_options())?;
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
    m.reset(&core.manifest.reset, 2)?;

    // Operands as words once, so the loop measures the simulator, not bignum conversion.
    let words: Vec<(Vec<u32>, Vec<u32>)> = pairs
        .iter()
        .map(|(x, y)| (x.to_u32_digits(), y.to_u32_digits()))
        .collect();
    let total = 2 * pairs.len();
    let mut got: Vec<(bool, BigUint, u64)> = Vec::with_capacity(total);
    let mut gap_rng = opts.gaps.as_ref().map(|g| (g.clone(), g.rng()));
    let pb = progress_bar(opts.progress && total > 20_000, total as u64, "modadd");
    let start_cycle = m.cycles();
    let t = Instant::now();

    let collect = |m: &mut crate::Model, got: &mut Vec<(bool, BigUint, u64)>| {
        if m.get_bool(out_valid) {
            let o = m.get_bool(out_op);
            let r = m.get_biguint(result);
            got.push((o, r, m.cycles()));
        }
    };
    let mut queue: VecDeque<(usize, bool)> = (0..pairs.len())
        .flat_map(|i| [(i, false), (i, true)])
        .collect();
    while let Some((i, is_sub)) = queue.pop_front() {
        if let Some((g, rng)) = gap_rng.as_mut() {
            for _ in 0..g.idle_cycles(rng) {
                m.set_bool(in_valid, false)?;
                m.tick();
                collect(&mut m, &mut got);
            }
        }
        m.set_words(a, &words[i].0)?;
        m.set_words(b, &words[i].1)?;
        m.set_bool(op, is_sub)?;
        m.set_bool(in_valid, true)?;
        m.tick();
        collect(&mut m, &mut got);
        if (2 * i) % 4096 == 0 {
            pb.set_position((2 * i) as u64);
        }
    }
    m.set_bool(in_valid, false)?;
    // Drain the pipeline, and a few cycles more to catch duplicated results.
    for _ in 0..(modadd::LATENCY + 4) {
        m.tick();
        collect(&mut m, &mut got);
    }
    let wall_s = t.elapsed().as_secs_f64();
    pb.finish_and_clear();
    if opts.trace.is_some() {
        m.trace_off();
    }

    let mut run = ModAddRun {
        sums: vec![],
        differences: vec![],
        mismatches: vec![],
        stream_errors: vec![],
        cycles: m.cycles() - start_cycle,
        latency: modadd::LATENCY,
        wall_s,
        build: build_report,
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
    Ok(run)
}
