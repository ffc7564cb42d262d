//! Driver for `modadd`: every pair goes through the core twice (add, then subtract), and every
//! result is compared with the golden model, on Verilator or Icarus Verilog.

use crate::harness::{BuildReport, SimError};
use crate::run::{stream, stream_iverilog, Mismatch, SimOptions, Stream, StreamResult};
use num_bigint::BigUint;
use zkhdl_golden::{to_hex, Field};
use zkhdl_hdl::modadd::{self, ModAddConfig};
use zkhdl_hdl::Core;
use zkhdl_hdl::GeneratedCore;

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
        crate::run::rate(self.cycles, self.wall_s)
    }
}

/// The `modadd` core for `field`.
pub fn core_for(field: &Field) -> GeneratedCore {
    ModAddConfig::new(field.modulus().clone(), field.name())
        .generate()
        .expect("modadd supports every modulus the golden crate accepts")
}

fn stream_of<'a>(core: &'a GeneratedCore, pairs: &[(BigUint, BigUint)]) -> Stream<'a> {
    let ops = [BigUint::from(0u32), BigUint::from(1u32)];
    Stream {
        core,
        inputs: vec!["op", "a", "b"],
        items: pairs
            .iter()
            .flat_map(|(a, b)| {
                ops.iter()
                    .map(move |op| vec![op.clone(), a.clone(), b.clone()])
            })
            .collect(),
        outputs: vec!["out_op", "result"],
        spacing: 1,
    }
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
    Ok(check(field, pairs, stream(&stream_of(core, pairs), opts)?))
}

/// The same schedule through Icarus Verilog: an independent simulator of the same Verilog.
pub fn simulate_iverilog(
    field: &Field,
    pairs: &[(BigUint, BigUint)],
    opts: &SimOptions,
) -> Result<ModAddRun, SimError> {
    let core = core_for(field);
    Ok(check(
        field,
        pairs,
        stream_iverilog(&stream_of(&core, pairs), opts)?,
    ))
}

/// Compares the results the core produced, in order, with the golden model.
fn check(field: &Field, pairs: &[(BigUint, BigUint)], out: StreamResult) -> ModAddRun {
    let total = 2 * pairs.len();
    let mut run = ModAddRun {
        sums: vec![],
        differences: vec![],
        mismatches: vec![],
        stream_errors: vec![],
        cycles: out.cycles,
        latency: modadd::LATENCY,
        wall_s: out.wall_s,
        build: out.build,
    };
    if out.rows.len() != total {
        run.stream_errors.push(format!(
            "expected {total} results (one per accepted input), got {}",
            out.rows.len()
        ));
    }
    for (k, (row, cycle)) in out.rows.iter().zip(&out.row_cycles).enumerate().take(total) {
        let (i, is_sub) = (k / 2, k % 2 == 1);
        let (o, r) = (row[0] == BigUint::from(1u32), row[1].clone());
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
                cycle: *cycle,
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
