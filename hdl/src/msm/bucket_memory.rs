//! Bucket memory: one projective point `{Z, Y, X}` and one occupancy bit per bucket (a clear
//! bit is an empty bucket, the identity).
//!
//! On an edge, `write_enable` stores `write_value` at `write_address` and marks it occupied;
//! then `empty_enable` clears the occupancy bit of `empty_address` (wins on the same address).
//! Two read ports (`read_a_*`, `read_b_*`) register the value and occupancy bit of their
//! address on every edge (the values before that edge's writes); `probe_occupied` shows the
//! occupancy bit of `probe_address` combinationally.
//!
//! The values are stored twice, one copy per read port, so that each copy has one write and
//! one registered read port and synthesis maps it to block RAM; the occupancy bits stay in
//! logic (one bit per bucket: they have a clear port and a combinational probe).

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
            PortSpec::output("probe_occupied", 1, "its occupancy bit, combinationally"),
            PortSpec::input("read_a_address", a, "read port A address"),
            PortSpec::output("read_a_value", v, "registered value at read_a_address"),
            PortSpec::output("read_a_occupied", 1, "registered occupancy bit"),
            PortSpec::input("read_b_address", a, "read port B address"),
            PortSpec::output("read_b_value", v, "registered value at read_b_address"),
            PortSpec::output("read_b_occupied", 1, "registered occupancy bit"),
        ])
    }

    fn timing(&self) -> Result<Timing, HdlError> {
        Ok(Timing {
            latency: 1,
            initiation_interval: 1,
            handshake: "writes and empties take effect on the edge; reads are registered (one \
                        cycle), the probe is combinational"
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
        // need a clear port and a combinational probe and stay in logic.
        let body = format!(
            "// Bucket memory: {nb} buckets of {v} bits, two copies (one per read port).\n\
reg [{v1}:0] bucket_value_a [0:{nb1}];\n\
reg [{v1}:0] bucket_value_b [0:{nb1}];\n\
reg bucket_occupied [0:{nb1}];\n\
reg [{v1}:0] read_a_value_q = 0;\n\
reg [{v1}:0] read_b_value_q = 0;\n\
reg read_a_occupied_q = 1'b0;\n\
reg read_b_occupied_q = 1'b0;\n\
always @(posedge clock) begin\n\
    if (write_enable) bucket_value_a[write_address] <= write_value;\n\
    read_a_value_q <= bucket_value_a[read_a_address];\n\
end\n\
always @(posedge clock) begin\n\
    if (write_enable) bucket_value_b[write_address] <= write_value;\n\
    read_b_value_q <= bucket_value_b[read_b_address];\n\
end\n\
always @(posedge clock) begin\n\
    if (write_enable) bucket_occupied[write_address] <= 1'b1;\n\
    if (empty_enable) bucket_occupied[empty_address] <= 1'b0;\n\
    read_a_occupied_q <= bucket_occupied[read_a_address];\n\
    read_b_occupied_q <= bucket_occupied[read_b_address];\n\
end\n\
assign probe_occupied = bucket_occupied[probe_address];\n\
assign read_a_value = read_a_value_q;\n\
assign read_a_occupied = read_a_occupied_q;\n\
assign read_b_value = read_b_value_q;\n\
assign read_b_occupied = read_b_occupied_q;\n",
            nb = self.buckets,
            nb1 = self.buckets - 1,
            v = self.value_bits,
            v1 = self.value_bits - 1,
        );
        Ok(block_module(&self.top, &self.ports()?, &[], &body))
    }
}
