//! A spinner on stderr for long steps (verilate and compile, synthesis, place and route, long
//! simulations): the step's name and the elapsed time. Drawn only when stderr is a terminal
//! and the caller asks for it (never under `--json`); otherwise it prints nothing.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// A spinner that clears itself when dropped.
pub struct Spinner(Option<ProgressBar>);

impl Spinner {
    /// Starts a spinner showing `step` when `show` is set and stderr is a terminal.
    pub fn start(show: bool, step: impl Into<String>) -> Self {
        if !show || !std::io::stderr().is_terminal() {
            return Spinner(None);
        }
        let pb = ProgressBar::new_spinner();
        pb.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("valid template"),
        );
        pb.set_message(step.into());
        pb.enable_steady_tick(Duration::from_millis(120));
        Spinner(Some(pb))
    }

    /// Whether anything is drawn.
    pub fn is_visible(&self) -> bool {
        self.0.is_some()
    }

    /// Prints a line on stderr without tearing the spinner.
    pub fn note(&self, line: &str) {
        match &self.0 {
            Some(pb) => pb.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    /// Names the step now running.
    pub fn step(&self, step: impl Into<String>) {
        if let Some(pb) = &self.0 {
            pb.set_message(step.into());
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(pb) = self.0.take() {
            pb.finish_and_clear();
        }
    }
}

/// Runs `work` under a spinner showing `step`.
pub fn with_spinner<T>(show: bool, step: impl Into<String>, work: impl FnOnce() -> T) -> T {
    let _spinner = Spinner::start(show, step);
    work()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_when_not_asked() {
        let s = Spinner::start(false, "verilate + compile");
        assert!(!s.is_visible());
        s.step("simulate");
        assert_eq!(with_spinner(false, "x", || 41 + 1), 42);
    }
}
