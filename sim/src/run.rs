//! What every core driver shares: options, mismatch records, progress display, and running a
//! stream through a generated core on either simulator.

use crate::driver::{drive, Driven, End, NoWatch, Pattern, Simulator, Stream};
use crate::harness::{build, BuildOptions, BuildReport, Design, Model, SimError, TraceFormat};
use crate::iverilog::Icarus;
use indicatif::{ProgressBar, ProgressStyle};
use num_bigint::BigUint;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::io::IsTerminal;
use std::path::PathBuf;
use zkhdl_hdl::GeneratedCore;

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
    /// Idle cycles in a row at most, before an input is offered.
    pub const MAX_IDLE_RUN: u64 = 64;

    pub fn rng(&self) -> ChaCha8Rng {
        zkhdl_golden::vectors::rng_from_seed(self.seed ^ 0x6761_7073)
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
        ports: core.manifest.ports.clone(),
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

/// Which simulator runs a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Our Verilator harness (cached build).
    Verilator,
    /// Icarus Verilog, interactively: an independent simulator of the same Verilog.
    Icarus,
}

/// Cycles `reset` is held high before the first input.
pub const RESET_CYCLES: u64 = 2;

/// A stream through a valid-only, fixed-latency core: one row per `initiation_interval`
/// cycles at the fastest, ending `latency + 4` cycles after the last row (the extra cycles
/// catch duplicated results).
pub fn fixed_latency_stream(
    core: &GeneratedCore,
    inputs: &[&str],
    items: Vec<Vec<BigUint>>,
    outputs: &[&str],
) -> Stream {
    let mut s = Stream::new(
        inputs,
        items,
        outputs,
        End::AfterInputs(core.manifest.latency as u64 + 4),
    );
    s.spacing = core.manifest.initiation_interval.max(1);
    s
}

/// The handshake pattern `--gaps` asks for (none: every cycle busy).
pub fn pattern_of(opts: &SimOptions) -> Pattern {
    match &opts.gaps {
        Some(g) => Pattern {
            in_idle: g.idle_probability,
            max_idle_run: Some(Gaps::MAX_IDLE_RUN),
            out_idle: 0.0,
            rng: g.rng(),
        },
        None => Pattern::steady(),
    }
}

/// A simulator ready to drive: built (Verilator, with the trace opened when asked) or compiled
/// (Icarus), not yet reset.
pub enum Session {
    Verilator(Model, BuildReport),
    Icarus(Icarus),
}

impl Session {
    /// Starts `design` on `backend`. `build_opts` overrides the build options of `opts` (the MSM
    /// limits the trace depth).
    pub fn start(
        design: &Design,
        backend: Backend,
        opts: &SimOptions,
        build_opts: Option<BuildOptions>,
    ) -> Result<Self, SimError> {
        match backend {
            Backend::Verilator => {
                let bopts = build_opts.unwrap_or_else(|| opts.build_options());
                let (mut m, report) = build(design, &bopts)?;
                if let Some(t) = &opts.trace {
                    m.trace_on(t)?;
                }
                Ok(Session::Verilator(m, report))
            }
            Backend::Icarus => Ok(Session::Icarus(Icarus::start(
                design,
                &opts.build.cache_dir,
            )?)),
        }
    }

    pub fn sim(&mut self) -> &mut dyn Simulator {
        match self {
            Session::Verilator(m, _) => m,
            Session::Icarus(i) => i,
        }
    }

    /// The Verilator build report (`None` for Icarus, which has no build cache).
    pub fn report(&self) -> Option<BuildReport> {
        match self {
            Session::Verilator(_, r) => Some(r.clone()),
            Session::Icarus(_) => None,
        }
    }

    /// Holds the handshake inputs low and `reset` high for [`RESET_CYCLES`].
    pub fn reset(&mut self, reset: &str) -> Result<(), SimError> {
        let sim = self.sim();
        for name in ["in_valid", "out_ready"] {
            if let Ok(p) = sim.port(name) {
                sim.set_bool(p, false)?;
            }
        }
        sim.reset(reset, RESET_CYCLES)
    }

    /// Closes the waveform, if one is open.
    pub fn finish(&mut self) {
        if let Session::Verilator(m, _) = self {
            m.trace_off();
        }
    }
}

/// Runs `s` through `design` on `backend` after a reset of `reset`, with the handshake
/// pattern `pat`; returns what came out and the build report. `label` names the progress bar.
pub fn run_design(
    design: &Design,
    reset: &str,
    s: &Stream,
    pat: &mut Pattern,
    backend: Backend,
    opts: &SimOptions,
    label: &str,
) -> Result<(Driven, Option<BuildReport>), SimError> {
    let mut session = Session::start(design, backend, opts, None)?;
    session.reset(reset)?;
    let n = s.items.len() as u64;
    let pb = progress_bar(opts.progress && n > 2000, n, label);
    let out = drive(session.sim(), s, pat, &mut NoWatch, &pb);
    pb.finish_and_clear();
    if opts.trace.is_some() {
        session.finish();
    }
    Ok((out?, session.report()))
}

/// Runs `s` through `core` on `backend` (after a reset) with the handshake pattern of `opts`.
pub fn run_stream(
    core: &GeneratedCore,
    s: &Stream,
    opts: &SimOptions,
    backend: Backend,
) -> Result<(Driven, Option<BuildReport>), SimError> {
    run_design(
        &design_of(core),
        &core.manifest.reset,
        s,
        &mut pattern_of(opts),
        backend,
        opts,
        &core.manifest.core,
    )
}

/// Cycles per second, 0 when nothing was timed.
pub fn rate(cycles: u64, wall_s: f64) -> f64 {
    if wall_s > 0.0 {
        cycles as f64 / wall_s
    } else {
        0.0
    }
}
