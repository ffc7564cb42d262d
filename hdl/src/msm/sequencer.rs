//! Aggregation and window-combination sequencer: which addition the adder does after the
//! accumulation phase.
//!
//! Aggregation, all windows interleaved: each window `w` has a bucket counter `j` (from
//! `2^(c-1)` down to 1) and a phase; phase 0 is `R_w += B_{w,j}`, phase 1 is `S_w += R_w`,
//! after which `j` counts down. A window may step when `j != 0`, `R_w` is not in the adder and,
//! in phase 1, `S_w` is not either; the lowest such window steps (`aggregation_step`, with
//! `aggregation_window`, `aggregation_to_window_sum` = the phase and `aggregation_bucket` =
//! `{w, j - 1}`). `start_aggregation` sets every counter to `2^(c-1)`, phase 0;
//! `aggregation_pending`: some counter is not 0.
//!
//! Combination by Horner's rule from the top window down: `c` doublings `T += T`, then
//! `T += S_w`, for `w` from `W - 1` to 0 (the first window starts with its `T += S_w`).
//! `combination_step` when `T` is not in the adder and the sequence is not done;
//! `combination_doubling` tells which addition, `combination_window` the `w`;
//! `combination_done` after the last one. `start_combination` begins the sequence.
//! State changes only on edges where `aggregating` (`combining`) is high, or on a start.

use super::block_module;
use crate::interface::{Contract, Core, Timing};
use crate::manifest::PortSpec;
use crate::rtl::index_bits;
use crate::HdlError;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequencerConfig {
    /// Window width c.
    pub window: usize,
    /// Number of windows W.
    pub windows: usize,
    pub top: String,
    /// A lane of a multi-adder MSM: the total T arrives from the lane above before the
    /// combination, so the top window is doubled into it too (c doublings, then T += S_w).
    #[serde(default)]
    pub chained: bool,
}

impl SequencerConfig {
    pub fn window_bits(&self) -> usize {
        index_bits(self.windows)
    }
}

impl Core for SequencerConfig {
    const NAME: &'static str = "msm-aggregation-sequencer";

    fn top(&self) -> &str {
        &self.top
    }

    fn validate(&self) -> Result<(), HdlError> {
        if !(2..=super::MAX_WINDOW).contains(&self.window) || self.windows < 2 {
            return Err(HdlError::Unsupported(format!(
                "sequencer: window width {} or {} windows out of range",
                self.window, self.windows
            )));
        }
        Ok(())
    }

    fn reset(&self) -> &'static str {
        ""
    }

    fn ports(&self) -> Result<Vec<PortSpec>, HdlError> {
        let nw = self.windows;
        let wb = self.window_bits();
        let ab = wb + self.window - 1;
        Ok(vec![
            PortSpec::input("clock", 1, "rising-edge clock"),
            PortSpec::input("start_aggregation", 1, "every window to its top bucket"),
            PortSpec::input("aggregating", 1, "the aggregation phase: steps allowed"),
            PortSpec::input("running_sum_busy", nw, "R_w is in the adder, bit w"),
            PortSpec::input("window_sum_busy", nw, "S_w is in the adder, bit w"),
            PortSpec::input("start_combination", 1, "begin the window combination"),
            PortSpec::input("combining", 1, "the combination phase: steps allowed"),
            PortSpec::input("total_busy", 1, "T is in the adder"),
            PortSpec::output("aggregation_step", 1, "a window steps this cycle"),
            PortSpec::output("aggregation_window", wb, "the window that steps"),
            PortSpec::output(
                "aggregation_to_window_sum",
                1,
                "its step: 1 = S_w += R_w, 0 = R_w += B_{w,j}",
            ),
            PortSpec::output("aggregation_bucket", ab, "{w, j - 1}: the bucket B_{w,j}"),
            PortSpec::output("aggregation_pending", 1, "some window has buckets left"),
            PortSpec::output("combination_step", 1, "a combination addition this cycle"),
            PortSpec::output("combination_doubling", 1, "it is T += T (else T += S_w)"),
            PortSpec::output("combination_window", wb, "the w of T += S_w"),
            PortSpec::output(
                "combination_done",
                1,
                "every combination addition is issued",
            ),
        ])
    }

    fn timing(&self) -> Result<Timing, HdlError> {
        Ok(Timing {
            latency: 0,
            initiation_interval: 1,
            handshake: "steps are combinational in the busy bits; the counters move on the edge"
                .into(),
        })
    }

    fn contract(&self) -> Result<Contract, HdlError> {
        Ok(Contract {
            arithmetic: format!(
                "the order of aggregation (S_w = sum j B_j, {nw} windows x {m} buckets) and \
                 Horner combination (T = 2^{c} T + S_w) additions",
                nw = self.windows,
                m = 1usize << (self.window - 1),
                c = self.window
            ),
            modulus: None,
            field: None,
            tiles: 0,
        })
    }

    fn emit(&self) -> Result<String, HdlError> {
        let c = self.window;
        let nw = self.windows;
        let wb = self.window_bits();
        let body = format!(
            "// Aggregation and combination sequencer: c = {c}, {nw} windows.\n\
reg [{cw1}:0] bucket_counter = 0; // window w's j at [w c +: c]\n\
reg [{nw1}:0] adding_to_window_sum = 0; // window w's phase at bit w\n\
reg window_found;\n\
reg any_pending;\n\
reg [{wb1}:0] chosen_window;\n\
integer scan_window;\n\
always @(*) begin\n\
    window_found = 1'b0;\n\
    any_pending = 1'b0;\n\
    chosen_window = {wb}'d0;\n\
    for (scan_window = {nw1}; scan_window >= 0; scan_window = scan_window - 1) begin\n\
        if (bucket_counter[scan_window * {c} +: {c}] != {c}'d0) any_pending = 1'b1;\n\
        if (bucket_counter[scan_window * {c} +: {c}] != {c}'d0 && !running_sum_busy[scan_window]\n\
            && (!adding_to_window_sum[scan_window] || !window_sum_busy[scan_window])) begin\n\
            window_found = 1'b1;\n\
            chosen_window = scan_window[{wb1}:0];\n\
        end\n\
    end\n\
end\n\
wire [{c1}:0] chosen_counter = bucket_counter[chosen_window * {c} +: {c}];\n\
wire chosen_to_window_sum = adding_to_window_sum[chosen_window];\n\
wire [{c1}:0] chosen_counter_minus_1 = chosen_counter - {c}'d1;\n\
reg [{wb1}:0] combination_window_index = 0;\n\
reg [5:0] doublings_done = 0;\n\
reg combination_finished = 1'b0;\n\
wire combination_doubling_now = doublings_done != 6'd{c};\n\
wire combination_go = combining && !combination_finished && !total_busy;\n\
always @(posedge clock) begin\n\
    if (start_aggregation) begin\n\
        bucket_counter <= {{{nw}{{{c}'d{m}}}}};\n\
        adding_to_window_sum <= {nw}'d0;\n\
    end else if (aggregating && window_found) begin\n\
        if (!chosen_to_window_sum) begin\n\
            adding_to_window_sum[chosen_window] <= 1'b1;\n\
        end else begin\n\
            adding_to_window_sum[chosen_window] <= 1'b0;\n\
            bucket_counter[chosen_window * {c} +: {c}] <= chosen_counter_minus_1;\n\
        end\n\
    end\n\
    if (start_combination) begin\n\
        combination_window_index <= {wb}'d{nw1};\n\
        doublings_done <= 6'd{first_doublings};\n\
        combination_finished <= 1'b0;\n\
    end else if (combination_go) begin\n\
        if (combination_doubling_now) doublings_done <= doublings_done + 6'd1;\n\
        else if (combination_window_index == {wb}'d0) combination_finished <= 1'b1;\n\
        else begin\n\
            combination_window_index <= combination_window_index - {wb}'d1;\n\
            doublings_done <= 6'd0;\n\
        end\n\
    end\n\
end\n\
assign aggregation_step = aggregating && window_found;\n\
assign aggregation_window = chosen_window;\n\
assign aggregation_to_window_sum = chosen_to_window_sum;\n\
assign aggregation_bucket = {{chosen_window, chosen_counter_minus_1[{c2}:0]}};\n\
assign aggregation_pending = any_pending;\n\
assign combination_step = combination_go;\n\
assign combination_doubling = combination_doubling_now;\n\
assign combination_window = combination_window_index;\n\
assign combination_done = combination_finished;\n",
            cw1 = c * nw - 1,
            nw1 = nw - 1,
            wb1 = wb - 1,
            c1 = c - 1,
            c2 = c - 2,
            m = 1usize << (c - 1),
            first_doublings = if self.chained { 0 } else { c },
        );
        Ok(block_module(&self.top, &self.ports()?, &[], &body))
    }
}
