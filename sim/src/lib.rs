//! Cycle-accurate simulation of zkhdl's emitted Verilog with Verilator.
//!
//! [`harness`] is our own thin Verilator harness (verilate, compile with the `cc` crate, cache by
//! content hash, load with `libloading`, drive ports through an `extern "C"` shim). The
//! `verilated` crate targets Verilator 4 and `marlin` needs Verilator >= 5.025, while Debian
//! ships 5.006, so neither can be used here.
//!
//! [`driver`] is the one stream driver and checker: valid-only and valid/ready handshakes, random
//! idle inputs and output stalls, every result row checked in order, on Verilator or on Icarus
//! Verilog ([`iverilog`]). The per-core drivers ([`modadd`], [`modmul`], [`point_add`], [`msm`])
//! only map values from `zkhdl-golden` to rows and back, and say what a wrong row means.

pub mod driver;
pub mod harness;
pub mod iverilog;
pub mod modadd;
pub mod modmul;
pub mod msm;
pub mod ntt;
pub mod ntt_four_step;
pub mod point_add;
pub mod run;

pub use driver::{Simulator, Stream};
pub use harness::{BuildOptions, BuildReport, Design, Model, SimError, TraceFormat};
/// The one port type of the workspace: `zkhdl-hdl` declares it, the harness and `zkhdl-synth`
/// use it.
pub use zkhdl_hdl::{Direction, PortSpec};
