//! The library behind the `zkhdl` command line: option types (clap arguments), the table of
//! cores, vector loading, simulation, synthesis, exploration, benchmarks, golden vectors and
//! their reports. `src/main.rs` only parses the command line and calls into these modules.
//!
//! Exit codes: see [`error`].

pub mod bench;
pub mod error;
pub mod estimate;
pub mod estimate_msm;
pub mod explore;
pub mod generate;
pub mod golden;
pub mod options;
pub mod parts;
pub mod progress;
pub mod prove;
pub mod registry;
pub mod report;
pub mod simulate;
pub mod synthesis;
pub mod vectors;

pub use error::{Failure, Outcome};
pub use registry::{CoreConfig, CoreEntry, Verb, CORES};
