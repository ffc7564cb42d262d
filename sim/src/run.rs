//! What every core driver shares: options, mismatch records, progress display.

use crate::harness::{BuildOptions, Design, PortDir, TraceFormat};
use indicatif::{ProgressBar, ProgressStyle};
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
