//! What every core driver shares: options, mismatch records, progress display.

use crate::harness::{build, BuildOptions, BuildReport, Design, PortDir, SimError, TraceFormat};
use indicatif::{ProgressBar, ProgressStyle};
use num_bigint::BigUint;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::io::IsTerminal;
use std::path::PathBuf;
use zkhdl_hdl::{Direction, GeneratedCore};

/// Options of one simulation run.
#[derive(Clone, Debug, Default)]
pub struct SimOptions {
    pub build: BuildOptions,
    /// Write a waveform here (VCD, or FST for a `.fst` name); builds a traced model.
    pub trace: Option<PathBuf>,
    /// Hold `in_valid` low on random cycles, to test that nothing is lost or duplicated.
    pub gaps: Option<Gaps>,
    /// Show a progress bar on stderr (only drawn when stderr is a terminal).
    pub progress: bool,
}

impl SimOptions {
    /// Build options with the trace format the trace file needs.
    pub fn build_options(&self) -> BuildOptions {
        let mut b = self.build.clone();
        if let Some(t) = &self.trace {
            b.trace = Some(TraceFormat::for_path(t));
        }
        b
    }
}

/// Random idle cycles between inputs: before each input, `in_valid` stays low for a cycle with
/// probability `idle_probability` (repeatedly).
#[derive(Clone, Debug)]
pub struct Gaps {
    pub seed: u64,
    pub idle_probability: f64,
}

impl Gaps {
    pub fn rng(&self) -> ChaCha8Rng {
        zkhdl_golden::vectors::rng_from_seed(self.seed ^ 0x6761_7073)
    }

    /// Idle cycles before the next input.
    pub fn idle_cycles(&self, rng: &mut ChaCha8Rng) -> u64 {
        let mut n = 0;
        while n < 64 && rng.gen_bool(self.idle_probability.clamp(0.0, 0.95)) {
            n += 1;
        }
        n
    }
}

/// One result that differs from the golden model.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Mismatch {
    /// Index of the input (pair) the result belongs to.
    pub index: usize,
    pub operation: String,
    pub inputs: Vec<String>,
    pub expected: String,
    pub got: String,
    /// Cycle at which the result appeared.
    pub cycle: u64,
}

/// The harness's view of a generated core.
pub fn design_of(core: &GeneratedCore) -> Design {
    Design {
        top: core.manifest.top.clone(),
        sources: vec![(core.manifest.files[0].clone(), core.verilog.clone())],
        ports: core
            .manifest
            .ports
            .iter()
            .map(|p| crate::Port {
                name: p.name.clone(),
                dir: match p.direction {
                    Direction::Input => PortDir::Input,
                    Direction::Output => PortDir::Output,
                },
                width: p.width,
            })
            .collect(),
        clock: core.manifest.clock.clone(),
    }
}

/// A progress bar over `n` items when asked for and stderr is a terminal; hidden otherwise.
pub fn progress_bar(show: bool, n: u64, what: &str) -> ProgressBar {
    if !show || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(n);
    pb.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, eta {eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

/// A stream of independent operations through a valid-only core (`in_valid` / `out_valid`,
/// no backpressure): what every field-arithmetic driver does.
pub struct Stream<'a> {
    pub core: &'a GeneratedCore,
    /// Data input ports, besides `in_valid`.
    pub inputs: Vec<&'a str>,
    /// One row per operation: a value for each of `inputs`.
    pub items: Vec<Vec<BigUint>>,
    /// Ports read on every cycle with `out_valid` high.
    pub outputs: Vec<&'a str>,
    /// Cycles from one input to the next at the fastest (the initiation interval).
    pub spacing: usize,
}

/// What came out: one row per `out_valid` cycle, in order.
pub struct StreamResult {
    pub rows: Vec<Vec<BigUint>>,
    /// The cycle (after reset) each row appeared at.
    pub row_cycles: Vec<u64>,
    pub cycles: u64,
    pub wall_s: f64,
    pub build: Option<BuildReport>,
}

/// Cycles `reset` is held high before the first input.
pub const RESET_CYCLES: u64 = 2;

/// On each cycle after reset: the item presented, or idle.
fn schedule(s: &Stream, opts: &SimOptions) -> Vec<Option<usize>> {
    let mut gap = opts.gaps.as_ref().map(|g| (g.clone(), g.rng()));
    let mut plan = Vec::with_capacity(s.items.len() * s.spacing.max(1));
    for i in 0..s.items.len() {
        if let Some((g, rng)) = gap.as_mut() {
            plan.extend(std::iter::repeat_n(None, g.idle_cycles(rng) as usize));
        }
        plan.push(Some(i));
        plan.extend(std::iter::repeat_n(None, s.spacing.max(1) - 1));
    }
    // Drain the pipeline, and a few cycles more to catch duplicated results.
    plan.extend(std::iter::repeat_n(None, s.core.manifest.latency + 4));
    plan
}

/// Runs the stream in Verilator (cached build).
pub fn stream(s: &Stream, opts: &SimOptions) -> Result<StreamResult, SimError> {
    let (mut m, report) = build(&design_of(s.core), &opts.build_options())?;
    if let Some(t) = &opts.trace {
        m.trace_on(t)?;
    }
    let in_valid = m.port("in_valid")?;
    let out_valid = m.port("out_valid")?;
    let ins = s
        .inputs
        .iter()
        .map(|n| m.port(n))
        .collect::<Result<Vec<_>, _>>()?;
    let outs = s
        .outputs
        .iter()
        .map(|n| m.port(n))
        .collect::<Result<Vec<_>, _>>()?;
    m.reset(&s.core.manifest.reset, RESET_CYCLES)?;
    // Operands as words once, so the loop measures the simulator, not bignum conversion.
    let words: Vec<Vec<Vec<u32>>> = s
        .items
        .iter()
        .map(|row| row.iter().map(|v| v.to_u32_digits()).collect())
        .collect();
    let plan = schedule(s, opts);
    let pb = progress_bar(
        opts.progress && plan.len() > 50_000,
        plan.len() as u64,
        &s.core.manifest.core,
    );
    let mut rows = Vec::with_capacity(s.items.len());
    let mut row_cycles = Vec::with_capacity(s.items.len());
    let start = m.cycles();
    let t = std::time::Instant::now();
    for (c, slot) in plan.iter().enumerate() {
        match slot {
            Some(i) => {
                for (p, w) in ins.iter().zip(&words[*i]) {
                    m.set_words(*p, w)?;
                }
                m.set_bool(in_valid, true)?;
            }
            None => m.set_bool(in_valid, false)?,
        }
        m.tick();
        if m.get_bool(out_valid) {
            rows.push(outs.iter().map(|p| m.get_biguint(*p)).collect());
            row_cycles.push(m.cycles() - start);
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
    Ok(StreamResult {
        rows,
        row_cycles,
        cycles: m.cycles() - start,
        wall_s,
        build: Some(report),
    })
}

/// Runs the same schedule through Icarus Verilog.
pub fn stream_iverilog(s: &Stream, opts: &SimOptions) -> Result<StreamResult, SimError> {
    let design = design_of(s.core);
    let plan = schedule(s, opts);
    let zero = BigUint::default();
    // Bench inputs are every input but the clock, in manifest order.
    let order: Vec<&str> = design
        .ports
        .iter()
        .filter(|p| p.dir == PortDir::Input && p.name != design.clock)
        .map(|p| p.name.as_str())
        .collect();
    let reset = s.core.manifest.reset.as_str();
    let row = |reset_on: bool, item: Option<usize>| -> Vec<BigUint> {
        order
            .iter()
            .map(|&name| {
                if name == reset {
                    BigUint::from(reset_on as u32)
                } else if name == "in_valid" {
                    BigUint::from(item.is_some() as u32)
                } else {
                    match (item, s.inputs.iter().position(|n| *n == name)) {
                        (Some(i), Some(k)) => s.items[i][k].clone(),
                        _ => zero.clone(),
                    }
                }
            })
            .collect()
    };
    let mut stimulus: Vec<Vec<BigUint>> = (0..RESET_CYCLES).map(|_| row(true, None)).collect();
    stimulus.extend(plan.iter().map(|slot| row(false, *slot)));
    let t = std::time::Instant::now();
    let out = crate::iverilog::run_batch(&design, &stimulus, &opts.build.cache_dir)?;
    let wall_s = t.elapsed().as_secs_f64();
    let names: Vec<&str> = design
        .ports
        .iter()
        .filter(|p| p.dir == PortDir::Output)
        .map(|p| p.name.as_str())
        .collect();
    let idx = |n: &str| names.iter().position(|x| *x == n).expect("output port");
    let (v, sel): (usize, Vec<usize>) =
        (idx("out_valid"), s.outputs.iter().map(|n| idx(n)).collect());
    let mut rows = vec![];
    let mut row_cycles = vec![];
    for (c, o) in out.iter().enumerate().skip(RESET_CYCLES as usize) {
        if o[v] == BigUint::from(1u32) {
            rows.push(sel.iter().map(|&k| o[k].clone()).collect());
            row_cycles.push((c + 1) as u64 - RESET_CYCLES);
        }
    }
    Ok(StreamResult {
        rows,
        row_cycles,
        cycles: plan.len() as u64,
        wall_s,
        build: None,
    })
}

/// Cycles per second, 0 when nothing was timed.
pub fn rate(cycles: u64, wall_s: f64) -> f64 {
    if wall_s > 0.0 {
        cycles as f64 / wall_s
    } else {
        0.0
    }
}
