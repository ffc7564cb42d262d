//! RTL generators written with rust-hdl. Each core is a function of a config struct and emits
//! Verilog plus a [`Manifest`] (ports, clock/reset, latency, handshake, arithmetic contract).
//!
//! The emitted Verilog is the artefact under test: `zkhdl-sim` verilates exactly this text.
//! This crate knows nothing of simulation or synthesis.

pub mod constmul;
pub mod emit;
pub mod interface;
pub mod karatsuba;
pub mod manifest;
pub mod modadd;
pub mod modmul;
pub mod msm;
pub mod netlist;
pub mod ntt;
pub mod ntt_goldilocks;
pub mod point_add;
pub mod rtl;
pub mod tile;

pub use emit::GeneratedCore;
pub use interface::{Contract, Core, Timing};
pub use manifest::{Direction, Manifest, PortSpec};

use thiserror::Error;

#[derive(Debug, Error)]
pub enum HdlError {
    #[error("unsupported configuration: {0}")]
    Unsupported(String),
    #[error("rust-hdl rejected the generated design: {0}")]
    Check(String),
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}
