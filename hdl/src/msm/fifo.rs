//! Parking FIFO: points whose bucket is in the adder wait here, `{bucket address, y, x}` per
//! entry, first in first out.
//!
//! `push` writes `push_entry` at the tail, `pop` drops the head; both may happen on one edge
//! (also when the FIFO is full: the popped slot takes the pushed entry). `head_entry` shows
//! the oldest entry (meaningless when `empty`). The controller never pops an empty FIFO nor
//! pushes a full one without popping. `reset` empties it.
//!
//! `head_entry`, `empty` and `full` are registers, so that the scheduler's look-up of the
//! parked bucket's in-flight bit does not start behind the FIFO memory's read multiplexer.

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
// Timing by construction: the head entry, empty and full are registers. The memory is read\n\
// at the entry after the head (a registered index), so a pop loads the next head from it; an\n\
// entry pushed into a FIFO that is empty after the edge goes to the head register directly.\n\
reg [{e1}:0] entries [0:{f1}];\n\
reg [{fb1}:0] second_index = {fb}'d1;\n\
reg [{fb1}:0] tail_index = 0;\n\
reg [{fb}:0] entry_count = 0;\n\
reg [{e1}:0] head_q = 0;\n\
reg empty_q = 1'b1;\n\
reg full_q = 1'b0;\n\
wire [{fb}:0] count_next = entry_count + {{{fb}'d0, push}} - {{{fb}'d0, pop}};\n\
wire [{e1}:0] second_entry = entries[second_index];\n\
wire none_left = pop ? entry_count == {fbp}'d1 : empty_q;\n\
always @(posedge clock) begin\n\
    if (reset) begin\n\
        second_index <= {fb}'d1;\n\
        tail_index <= {fb}'d0;\n\
        entry_count <= {fbp}'d0;\n\
        empty_q <= 1'b1;\n\
        full_q <= 1'b0;\n\
    end else begin\n\
        if (pop) begin\n\
            second_index <= second_index + {fb}'d1;\n\
        end\n\
        if (push) begin\n\
            entries[tail_index] <= push_entry;\n\
            tail_index <= tail_index + {fb}'d1;\n\
        end\n\
        entry_count <= count_next;\n\
        empty_q <= count_next == {fbp}'d0;\n\
        full_q <= count_next == {fbp}'d{f};\n\
        // The entry at the head after the edge.\n\
        if (none_left) begin\n\
            if (push) head_q <= push_entry;\n\
        end else if (pop) begin\n\
            head_q <= second_entry;\n\
        end\n\
    end\n\
end\n\
assign head_entry = head_q;\n\
assign empty = empty_q;\n\
assign full = full_q;\n",
            e = self.entry_bits,
            e1 = self.entry_bits - 1,
            f1 = f - 1,
            fb1 = fb - 1,
            fbp = fb + 1,
        );
        Ok(block_module(&self.top, &self.ports()?, &[], &body))
    }
}
