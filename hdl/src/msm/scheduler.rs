//! Bucket scheduler and hazard tracker of the accumulation phase.
//!
//! It keeps one in-flight bit per bucket (set when an addition into the bucket is issued,
//! cleared when its sum is written back) and decides, each cycle, what the adder's slot does:
//! - a parked point whose bucket is free goes first (`issue_parked`, which also pops it);
//! - otherwise the current point's nonzero digit is issued when its bucket is free and is not
//!   the parked point's bucket (`issue_new`);
//! - a current point that conflicts is parked when the FIFO has room (or frees a slot this
//!   cycle) (`park`), else it waits (`stall`);
//! - a current point that is parked while the slot is still free (no parked point issued,
//!   not `hold`) gives the slot to its next window's digit (the recoder's lookahead) when that
//!   digit is nonzero and its bucket is free (`issue_ahead`; the controller then moves two
//!   windows on): a hazard then costs no slot;
//! - `advance`: the current window is done (zero digit, issued or parked).
//!
//! `hold`: the slot belongs to someone else this cycle (the background aggregation of a
//! double-buffered core): nothing is issued; a conflicting point may still be parked.
//!
//! On an edge, `done_enable` clears the bit of `done_bucket` and an issue sets its bucket's
//! bit; `clear_enable` clears the bit of `clear_address` (the controller walks every address
//! after reset), only on edges where nothing is done or issued (`accumulating` low). Nothing is
//! issued unless `accumulating`.
//!
//! The in-flight bits are two tables of one bit per bucket, each with one write port, so that
//! synthesis maps them to LUT RAM (a table of flip-flops with three write sources costs about
//! five LUTs per bucket, and its look-ups are deep multiplexers): an issue writes the bucket's
//! *issue* bit to the opposite of its *done* bit, a sum written back (or the clearing walk)
//! writes the *done* bit equal to the issue bit, and a bucket is in flight when they differ.

use super::block_module;
use crate::interface::{Contract, Core, Timing};
use crate::manifest::PortSpec;
use crate::HdlError;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchedulerConfig {
    /// Buckets of all windows together.
    pub buckets: usize,
    /// Bits of a bucket address.
    pub address_bits: usize,
    pub top: String,
}

impl Core for SchedulerConfig {
    const NAME: &'static str = "msm-bucket-scheduler";

    fn top(&self) -> &str {
        &self.top
    }

    fn validate(&self) -> Result<(), HdlError> {
        if self.buckets < 2 || self.buckets > 1 << self.address_bits {
            return Err(HdlError::Unsupported(format!(
                "scheduler: {} buckets do not fit {}-bit addresses",
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
        Ok(vec![
            PortSpec::input("clock", 1, "rising-edge clock"),
            PortSpec::input("accumulating", 1, "the accumulation phase: issues allowed"),
            PortSpec::input(
                "hold",
                1,
                "the adder's slot is taken this cycle (the previous MSM's aggregation)",
            ),
            PortSpec::input("point_valid", 1, "a current point is being scheduled"),
            PortSpec::input("digit_zero", 1, "its digit in this window is 0"),
            PortSpec::input("point_bucket", a, "its bucket in this window"),
            PortSpec::input("ahead_valid", 1, "the current point has a next window"),
            PortSpec::input("ahead_zero", 1, "the next window's digit is 0"),
            PortSpec::input("ahead_bucket", a, "the next window's bucket"),
            PortSpec::input("parked_waiting", 1, "the parking FIFO is not empty"),
            PortSpec::input("parked_bucket", a, "the bucket of the FIFO's head"),
            PortSpec::input("fifo_full", 1, "the parking FIFO is full"),
            PortSpec::input("done_enable", 1, "a bucket sum is written back"),
            PortSpec::input("done_bucket", a, "its bucket"),
            PortSpec::input("clear_enable", 1, "clear one in-flight bit"),
            PortSpec::input("clear_address", a, "the bucket to clear"),
            PortSpec::output("issue_parked", 1, "issue the FIFO's head (and pop it)"),
            PortSpec::output("issue_new", 1, "issue the current point"),
            PortSpec::output(
                "issue_ahead",
                1,
                "issue the next window's digit (the current one is parked)",
            ),
            PortSpec::output("park", 1, "park the current point"),
            PortSpec::output("advance", 1, "the current window is done"),
            PortSpec::output("stall", 1, "the current point waits this cycle"),
        ])
    }

    fn timing(&self) -> Result<Timing, HdlError> {
        Ok(Timing {
            latency: 0,
            initiation_interval: 1,
            handshake: "decisions are combinational; the in-flight bits change on the edge; \
                        clear_enable only while nothing is issued or done"
                .into(),
        })
    }

    fn contract(&self) -> Result<Contract, HdlError> {
        Ok(Contract {
            arithmetic: format!(
                "issue/park/stall decisions over {} buckets with one in-flight bit each",
                self.buckets
            ),
            modulus: None,
            field: None,
            tiles: 0,
        })
    }

    fn emit(&self) -> Result<String, HdlError> {
        let body = format!(
            "// Bucket scheduler: {nb} buckets.\n\
// In flight: issue_mark != done_mark (one write port each: LUT RAM).\n\
(* ram_style = \"distributed\" *) reg issue_mark [0:{nb1}];\n\
(* ram_style = \"distributed\" *) reg done_mark [0:{nb1}];\n\
wire parked_in_flight = issue_mark[parked_bucket] != done_mark[parked_bucket];\n\
wire point_in_flight = issue_mark[point_bucket] != done_mark[point_bucket];\n\
wire ahead_in_flight = issue_mark[ahead_bucket] != done_mark[ahead_bucket];\n\
wire parked_ready = accumulating && !hold && parked_waiting && !parked_in_flight;\n\
wire point_conflict = point_in_flight || (parked_ready && parked_bucket == point_bucket);\n\
wire point_needs_add = accumulating && point_valid && !digit_zero;\n\
assign issue_parked = parked_ready;\n\
assign issue_new = point_needs_add && !hold && !parked_ready && !point_conflict;\n\
assign park = point_needs_add && point_conflict && (!fifo_full || parked_ready);\n\
assign issue_ahead = park && !hold && !parked_ready && ahead_valid && !ahead_zero && !ahead_in_flight;\n\
assign advance = accumulating && point_valid && (digit_zero || issue_new || park);\n\
assign stall = point_needs_add && !issue_new && !park;\n\
// An issued bucket is not in flight: its marks are equal, so its issue mark becomes the\n\
// opposite of its done mark.\n\
wire issue_any = parked_ready || issue_new || issue_ahead;\n\
wire [{a1}:0] issue_bucket = parked_ready ? parked_bucket : issue_new ? point_bucket : ahead_bucket;\n\
wire issue_done_mark = parked_ready ? done_mark[parked_bucket] : issue_new ? done_mark[point_bucket] : done_mark[ahead_bucket];\n\
wire [{a1}:0] done_address = clear_enable ? clear_address : done_bucket;\n\
always @(posedge clock) begin\n\
    if (issue_any) issue_mark[issue_bucket] <= !issue_done_mark;\n\
end\n\
always @(posedge clock) begin\n\
    if (clear_enable || done_enable) done_mark[done_address] <= issue_mark[done_address];\n\
end\n",
            nb = self.buckets,
            nb1 = self.buckets - 1,
            a1 = self.address_bits - 1,
        );
        Ok(block_module(&self.top, &self.ports()?, &[], &body))
    }
}
