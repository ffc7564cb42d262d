//! The one error type of the CLI: a one-line message and the exit code it ends with.
//!
//! Exit codes: 0 success (every result matches golden), 1 a result differs from golden (or a
//! core stopped making progress), 2 bad input or usage, 3 a tool (Verilator, the C++ compiler,
//! yosys, nextpnr) failed.

use std::path::Path;
use zkhdl_golden::GoldenError;
use zkhdl_sim::SimError;
use zkhdl_synth::SynthError;

/// A failure with its exit code; the message is one line.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub msg: String,
}

impl Failure {
    /// Bad input or usage (exit code 2).
    pub fn input(msg: impl std::fmt::Display) -> Self {
        Failure {
            code: 2,
            msg: msg.to_string(),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.msg)
    }
}

impl From<GoldenError> for Failure {
    fn from(e: GoldenError) -> Self {
        Failure::input(e)
    }
}

impl From<SimError> for Failure {
    fn from(e: SimError) -> Self {
        let code = match e {
            SimError::UnknownPort { .. } | SimError::WidthMismatch { .. } => 2,
            // A core that stops making progress is wrong RTL, not a failed tool.
            SimError::Watchdog(_) => 1,
            _ => 3,
        };
        Failure {
            code,
            msg: e.to_string(),
        }
    }
}

impl From<zkhdl_hdl::HdlError> for Failure {
    fn from(e: zkhdl_hdl::HdlError) -> Self {
        Failure::input(e)
    }
}

impl From<SynthError> for Failure {
    fn from(e: SynthError) -> Self {
        Failure {
            code: match e {
                SynthError::DoesNotFit { .. } | SynthError::UnknownTarget(_) => 2,
                _ => 3,
            },
            msg: e.to_string(),
        }
    }
}

/// The result of a command: its exit code, or a failure.
pub type Outcome = Result<u8, Failure>;

/// Exit code 0 when every result matches golden, else 1.
pub fn verdict(ok: bool) -> u8 {
    if ok {
        0
    } else {
        1
    }
}

pub fn read_file(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .map_err(|e| Failure::input(format!("cannot read {}: {e}", path.display())))
}

/// Writes `text`, creating the folder above it.
pub fn write_file(path: &Path, text: &str) -> Result<(), Failure> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::input(format!("cannot create {}: {e}", dir.display())))?;
    }
    std::fs::write(path, text)
        .map_err(|e| Failure::input(format!("cannot write {}: {e}", path.display())))
}

/// A bug must still end in one line, not a backtrace.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("zkhdl: internal error{at}: {msg} (please report this with the command line)");
    }));
}
