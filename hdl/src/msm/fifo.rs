//! Parking FIFO: points whose bucket is in the adder wait here, `{bucket address, y, x}` per
//! entry, first in first out.
//!
//! `push` writes `push_entry` at the tail, `pop` drops the head; both may happen on one edge
//! (also when the FIFO is full: the popped slot takes the pushed entry). `head_entry` shows
//! the oldest entry (meaningless when `empty`). The controller never pops an empty FIFO nor
//! pushes a full one without popping. `reset` empties it.

use super::block_module;
use crate::interface::{Contract, Core, Timing};
use crate::manifest::PortSpec;
use crate::rtl::index_bits;
use crate::HdlError;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FifoConfig {
    /// Entries (a power of two, at least 2).
    pub depth: usize,
    /// Bits of one entry.
    pub entry_bits: usize,
    pub top: String,
}

impl Core for FifoConfig {
    const NAME: &'static str = "msm-parking-fifo";

    fn top(&self) -> &str {
        &self.top
    }

    fn validate(&self) -> Result<(), HdlError> {
        if !self.depth.is_power_of_two() || self.depth < 2 || self.entry_bits == 0 {
            return Err(HdlError::Unsupported(
                "the parking FIFO depth must be a power of two, at least 2".into(),
            ));
        }
        Ok(())
    }

    fn ports(&self) -> Result<Vec<PortSpec>, HdlError> {
        let e = self.entry_bits;
        Ok(vec![
            PortSpec::input("clock", 1, "rising-edge clock"),
            PortSpec::input("reset", 1, "synchronous reset: empties the FIFO"),
            PortSpec::input("push", 1, "write push_entry at the tail"),
            PortSpec::input("push_entry", e, "the entry to park"),
            PortSpec::input("pop", 1, "drop the head entry"),
            PortSpec::output("head_entry", e, "the oldest entry"),
            PortSpec::output("empty", 1, "no entry waits"),
            PortSpec::output("full", 1, "every slot holds an entry"),
        ])
    }

    fn timing(&self) -> Result<Timing, HdlError> {
        Ok(Timing {
            latency: 1,
            initiation_interval: 1,
            handshake: "push and pop take effect on the rising edge; a pushed entry reaches \
                        head_entry after the edge at the earliest"
                .into(),
        })
    }

    fn contract(&self) -> Result<Contract, HdlError> {
        Ok(Contract {
            arithmetic: format!(
                "first-in first-out queue of {} entries of {} bits",
                self.depth, self.entry_bits
            ),
            modulus: None,
            field: None,
            tiles: 0,
        })
    }

    fn emit(&self) -> Result<String, HdlError> {
        let f = self.depth;
        let fb = index_bits(f);
        let body = format!(
            "// Parking FIFO: {f} entries of {e} bits.\n\
reg [{e1}:0] entries [0:{f1}];\n\
reg [{fb1}:0] head_index = 0;\n\
reg [{fb1}:0] tail_index = 0;\n\
reg [{fb}:0] entry_count = 0;\n\
always @(posedge clock) begin\n\
    if (reset) begin\n\
        head_index <= {fb}'d0;\n\
        tail_index <= {fb}'d0;\n\
        entry_count <= {fbp}'d0;\n\
    end else begin\n\
        if (pop) head_index <= head_index + {fb}'d1;\n\
        if (push) begin\n\
            entries[tail_index] <= push_entry;\n\
            tail_index <= tail_index + {fb}'d1;\n\
        end\n\
        entry_count <= entry_count + {{{fb}'d0, push}} - {{{fb}'d0, pop}};\n\
    end\n\
end\n\
assign head_entry = entries[head_index];\n\
assign empty = entry_count == {fbp}'d0;\n\
assign full = entry_count == {fbp}'d{f};\n",
            e = self.entry_bits,
            e1 = self.entry_bits - 1,
            f1 = f - 1,
            fb1 = fb - 1,
            fbp = fb + 1,
        );
        Ok(block_module(&self.top, &self.ports()?, &[], &body))
    }
}
