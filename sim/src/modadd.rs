//! Driver for `modadd`: every pair goes through the core twice (add, then subtract), and every
//! result is compared with the golden model, on Verilator or Icarus Verilog.

use crate::driver::{compare, Stream};
use crate::harness::{BuildReport, SimError};
use crate::run::{fixed_latency_stream, run_stream, Backend, Mismatch, SimOptions};
use num_bigint::BigUint;
use zkhdl_golden::{to_hex, Field};
use zkhdl_hdl::modadd::ModAddConfig;
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

/// The mapping: each pair as two input rows (`op` 0 then 1, `a`, `b`); each result row
/// (`out_op`, `result`) expected to carry the op and `a + b` or `a - b` mod p.
fn stream_of(
    core: &GeneratedCore,
    field: &Field,
    pairs: &[(BigUint, BigUint)],
) -> (Stream, Vec<Vec<BigUint>>) {
    let (mut items, mut expected) = (vec![], vec![]);
    for (a, b) in pairs {
        for (op, r) in [(0u32, field.add(a, b)), (1, field.sub(a, b))] {
            items.push(vec![BigUint::from(op), a.clone(), b.clone()]);
            expected.push(vec![BigUint::from(op), r]);
        }
    }
    let s = fixed_latency_stream(core, &["op", "a", "b"], items, &["out_op", "result"]);
    (s, expected)
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
    simulate_on(Backend::Verilator, core, field, pairs, opts)
}

/// The same stream through Icarus Verilog: an independent simulator of the same Verilog.
pub fn simulate_iverilog(
    field: &Field,
    pairs: &[(BigUint, BigUint)],
    opts: &SimOptions,
) -> Result<ModAddRun, SimError> {
    simulate_on(Backend::Icarus, &core_for(field), field, pairs, opts)
}

/// Runs `pairs` through `core` on `backend` and compares every result with the golden model.
pub fn simulate_on(
    backend: Backend,
    core: &GeneratedCore,
    field: &Field,
    pairs: &[(BigUint, BigUint)],
    opts: &SimOptions,
) -> Result<ModAddRun, SimError> {
    let (s, expected) = stream_of(core, field, pairs);
    let (out, build) = run_stream(core, &s, opts, backend)?;
    let checked = compare(&expected, &out);
    let mut run = ModAddRun {
        sums: vec![],
        differences: vec![],
        mismatches: vec![],
        stream_errors: checked.stream_errors,
        cycles: out.cycles,
        latency: core.manifest.latency,
        wall_s: out.wall_s,
        build,
    };
    for &k in &checked.wrong {
        let (row, want, cycle) = (&out.rows[k], &expected[k], out.row_cycles[k]);
        let (x, y) = &pairs[k / 2];
        if row[0] != want[0] {
            run.stream_errors.push(format!(
                "result {k} (cycle {cycle}) carries op={} but input {k} had op={}",
                row[0], want[0]
            ));
        }
        if row[1] != want[1] {
            run.mismatches.push(Mismatch {
                index: k / 2,
                operation: if k % 2 == 1 { "sub" } else { "add" }.into(),
                inputs: vec![to_hex(x), to_hex(y)],
                expected: to_hex(&want[1]),
                got: to_hex(&row[1]),
                cycle,
            });
        }
    }
    for (k, row) in out.rows.iter().take(expected.len()).enumerate() {
        if k % 2 == 1 {
            run.differences.push(row[1].clone());
        } else {
            run.sums.push(row[1].clone());
        }
    }
    Ok(run)
}
