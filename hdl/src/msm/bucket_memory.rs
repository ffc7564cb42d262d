//! Bucket memory: one projective point `{Z, Y, X}` and one occupancy bit per bucket (a clear
//! bit is an empty bucket, the identity).
//!
//! On an edge, `write_enable` stores `write_value` at `write_address` and marks it occupied;
//! then `empty_enable` clears the occupancy bit of `empty_address` (wins on the same address).
//! Two read ports (`read_a_*`, `read_b_*`) register the value and occupancy bit of their
//! address on every edge (the values before that edge's writes); `probe_occupied` is the
//! occupancy bit of `probe_address` registered the same way (so the aggregation's look at a
//! bucket costs no logic depth in the cycle that issues it).
//!
//! Port A's occupancy bit is the exception: `read_a_occupied` is the bit of the address
//! registered on the last edge *as it is after that edge*, read from the registered address.
//! It differs from the registered bit only when that edge wrote or emptied the bucket read,
//! which the accumulation (port A's only user) never does: it reads a bucket when it issues
//! an addition into it, and a bucket whose sum is written back on that edge is still in
//! flight, and empties touch another bank or another phase. So the scheduler's choice of
//! the bucket drives only block-RAM addresses and an address register, not a LUT-RAM read.
//!
//! The values are stored twice, one copy per read port, so that each copy has one write and
//! one registered read port and synthesis maps it to block RAM; the occupancy bits stay in
//! logic, as two tables of one bit per bucket with one write port each, so that synthesis
//! maps them to LUT RAM: a write sets the bucket's *fill* bit to the opposite of its *empty*
//! bit, an empty sets the empty bit equal to the fill bit (or, on an edge that also writes the
//! bucket, to the fill bit being written), and a bucket is occupied when they differ.

use super::block_module;
use crate::interface::{Contract, Core, Timing};
use crate::manifest::PortSpec;
use crate::HdlError;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketMemoryConfig {
    /// Buckets of all windows together.
    pub buckets: usize,
    /// Bits of a bucket address.
    pub address_bits: usize,
    /// Bits of one stored point (three coordinates).
    pub value_bits: usize,
    pub top: String,
}

impl Core for BucketMemoryConfig {
    const NAME: &'static str = "msm-bucket-memory";

    fn top(&self) -> &str {
        &self.top
    }

    fn validate(&self) -> Result<(), HdlError> {
        if self.buckets < 2 || self.buckets > 1 << self.address_bits || self.value_bits == 0 {
            return Err(HdlError::Unsupported(format!(
                "bucket memory: {} buckets do not fit {}-bit addresses",
                self.buckets, self.address_bits
            )));
        }
        Ok(())
    }

    fn reset(&self) -> &'static str {
        ""
    }

    fn ports(&self) -> Result<Vec<PortSpec>, HdlError> {
        let a = self.address_bits;
        let v = self.value_bits;
        Ok(vec![
            PortSpec::input("clock", 1, "rising-edge clock"),
            PortSpec::input("write_enable", 1, "store write_value, mark occupied"),
            PortSpec::input("write_address", a, "the bucket written"),
            PortSpec::input("write_value", v, "{Z, Y, X}"),
            PortSpec::input("empty_enable", 1, "clear an occupancy bit"),
            PortSpec::input("empty_address", a, "the bucket emptied"),
            PortSpec::input("probe_address", a, "the bucket probed"),
            PortSpec::output("probe_occupied", 1, "its occupancy bit, registered"),
            PortSpec::input("read_a_address", a, "read port A address"),
            PortSpec::output("read_a_value", v, "registered value at read_a_address"),
            PortSpec::output(
                "read_a_occupied",
                1,
                "occupancy bit of the address registered on the last edge, after that edge",
            ),
            PortSpec::input("read_b_address", a, "read port B address"),
            PortSpec::output("read_b_value", v, "registered value at read_b_address"),
            PortSpec::output("read_b_occupied", 1, "registered occupancy bit"),
        ])
    }

    fn timing(&self) -> Result<Timing, HdlError> {
        Ok(Timing {
            latency: 1,
            initiation_interval: 1,
            handshake: "writes and empties take effect on the edge; reads and the probe are \
                        registered (one cycle)"
                .into(),
        })
    }

    fn contract(&self) -> Result<Contract, HdlError> {
        Ok(Contract {
            arithmetic: format!(
                "{} buckets of {} bits with an occupancy bit each",
                self.buckets, self.value_bits
            ),
            modulus: None,
            field: None,
            tiles: 0,
        })
    }

    fn emit(&self) -> Result<String, HdlError> {
        // Block RAM by construction: the values are held twice, one copy per read port, each
        // copy a memory with one write port and one registered read port (the shape every
        // FPGA block RAM has: RAMB36E2/URAM288, DP16KD); the occupancy bits, one per bucket,
        // need a clear port and three read ports and stay in logic.
        let body = format!(
            "// Bucket memory: {nb} buckets of {v} bits, two copies (one per read port).\n\
reg [{v1}:0] bucket_value_a [0:{nb1}];\n\
reg [{v1}:0] bucket_value_b [0:{nb1}];\n\
// Occupied: fill_mark != empty_mark (one write port each: LUT RAM).\n\
(* ram_style = \"distributed\" *) reg fill_mark [0:{nb1}];\n\
(* ram_style = \"distributed\" *) reg empty_mark [0:{nb1}];\n\
wire empty_same = write_enable && write_address == empty_address;\n\
reg [{v1}:0] read_a_value_q = 0;\n\
reg [{v1}:0] read_b_value_q = 0;\n\
reg [{a1}:0] read_a_address_q = 0;\n\
reg read_b_occupied_q = 1'b0;\n\
reg probe_occupied_q = 1'b0;\n\
always @(posedge clock) begin\n\
    if (write_enable) bucket_value_a[write_address] <= write_value;\n\
    read_a_value_q <= bucket_value_a[read_a_address];\n\
end\n\
always @(posedge clock) begin\n\
    if (write_enable) bucket_value_b[write_address] <= write_value;\n\
    read_b_value_q <= bucket_value_b[read_b_address];\n\
end\n\
always @(posedge clock) begin\n\
    if (write_enable) fill_mark[write_address] <= !empty_mark[write_address];\n\
end\n\
always @(posedge clock) begin\n\
    if (empty_enable) empty_mark[empty_address] <= empty_same ? !empty_mark[empty_address] : fill_mark[empty_address];\n\
end\n\
always @(posedge clock) begin\n\
    read_a_address_q <= read_a_address;\n\
    read_b_occupied_q <= fill_mark[read_b_address] != empty_mark[read_b_address];\n\
    probe_occupied_q <= fill_mark[probe_address] != empty_mark[probe_address];\n\
end\n\
assign probe_occupied = probe_occupied_q;\n\
assign read_a_value = read_a_value_q;\n\
assign read_a_occupied = fill_mark[read_a_address_q] != empty_mark[read_a_address_q];\n\
assign read_b_value = read_b_value_q;\n\
assign read_b_occupied = read_b_occupied_q;\n",
            nb = self.buckets,
            nb1 = self.buckets - 1,
            v = self.value_bits,
            v1 = self.value_bits - 1,
            a1 = self.address_bits - 1,
        );
        Ok(block_module(&self.top, &self.ports()?, &[], &body))
    }
}
