//! Cycle models of the sub-blocks of the MSM controller (`zkhdl_hdl::msm`), written from each
//! block's specification. Every model has the same shape: [`outputs`] of the current state and
//! this cycle's inputs (what the block shows before the clock edge) and `tick`, the clock edge.
//! The simulator tests drive a block and its model with the same inputs and compare outputs.
//!
//! [`outputs`]: recoder::Recoder::outputs

pub mod bucket_memory;
pub mod fifo;
pub mod recoder;
pub mod scheduler;
pub mod sequencer;
pub mod stats;
