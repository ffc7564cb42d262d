//! Cycle-accurate simulation of zkhdl's emitted Verilog with Verilator.
//!
//! [`harness`] is our own thin Verilator harness (verilate, compile with the `cc` crate, cache by
//! content hash, load with `libloading`, drive ports through an `extern "C"` shim). The
//! `verilated` crate targets Verilator 4 and `marlin` needs Verilator >= 5.025, while Debian
//! ships 5.006, so neither can be used here.
//!
//! The per-core drivers ([`modadd`]) push vectors from `zkhdl-golden` through a core and compare
//! every result with arkworks.

pub mod harness;
pub mod iverilog;
pub mod modadd;
pub mod modmul;
pub mod msm;
pub mod ntt;
pub mod point_add;
pub mod run;

pub use harness::{BuildOptions, BuildReport, Design, Model, Port, PortDir, SimError, TraceFormat};
