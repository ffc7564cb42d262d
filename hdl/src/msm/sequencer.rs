//! Aggregation and window-combination sequencer: which addition the adder does after the
//! accumulation phase.
//!
//! Aggregation, all windows interleaved: each window `w` has a bucket counter `j` (from
//! `2^(c-1)` down to 1) and a phase; phase 0 is `R_w += B_{w,j}`, phase 1 is `S_w += R_w`,
//! after which `j` counts down. A window may step when it has buckets left, `R_w` is not in the
//! adder and, in phase 1, `S_w` is not either. Timing by construction: the choice is
//! registered twice. On each edge the scan registers the lowest window that may step and is
//! in neither stage (stage A: `aggregation_probe` = `{w, j - 1}`, so that the bucket memory
//! can register that bucket's occupancy on the next edge); stage A moves to stage B, which
//! steps (`aggregation_step`, with `aggregation_window`, `aggregation_to_window_sum` = the
//! phase and `aggregation_bucket` = `{w, j - 1}`) when `aggregating` and its sums are still
//! not in the adder; else it is dropped and found again by the scan. So no path runs from the
//! busy bits through the scan to the adder's slot; a window steps at most every third cycle,
//! and a step comes two cycles after its sums are free. `start_aggregation` sets every counter
//! to `2^(c-1)`, phase 0, and empties both stages; `aggregation_pending`: some window has
//! buckets left.
//!
//! Combination by Horner's rule from the top window down: `c` doublings `T += T`, then
//! `T += S_w`, for `w` from `W - 1` to 0 (the first window starts with its `T += S_w`).
//! `combination_step` when `T` is not in the adder and the sequence is not done;
//! `combination_doubling` tells which addition, `combination_window` the `w`;
//! `combination_done` after the last one. `start_combination` begins the sequence.
//! Aggregation state changes only on edges where `aggregation_step` is high, or on a start
//! (the stages move on every edge); combination state only where `combining`, or on a start.

use super::block_module;
use crate::interface::{Contract, Core, Timing};
use crate::manifest::PortSpec;
use crate::rtl::index_bits;
use crate::HdlError;
use serde::{Deserialize, Serialize};

/// Cycles the two stages add to each bucket of a window's aggregation chain: `S_w += R_w`
/// goes two cycles after `R_w` is written back (stages A, B), and the next `R_w += B_{w,j-1}`
/// three cycles after that instead of the next cycle (the window is in a stage or stepping).
pub const STEP_EXTRA: usize = 4;

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
            PortSpec::output(
                "aggregation_probe",
                ab,
                "stage A's bucket {w, j - 1}: the next step's, to probe on the edge",
            ),
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
            latency: 2,
            initiation_interval: 1,
            handshake: "an aggregation step is chosen two edges before it goes (stages A, B) \
                        and rechecked against the busy bits; combination steps are \
                        combinational in total_busy; the counters move on the edge"
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
        // below_i[w]: some window in [w - 2^i, w) may step; below_0 is the window just under.
        // The top window needs the W - 1 windows under it.
        let mut prefix = format!("wire [{}:0] below_0 = may_step << 1;\n", nw - 1);
        let mut steps = 0;
        while (1usize << steps) < nw - 1 {
            prefix.push_str(&format!(
                "wire [{n1}:0] below_{next} = below_{steps} | (below_{steps} << {shift});\n",
                n1 = nw - 1,
                next = steps + 1,
                shift = 1usize << steps
            ));
            steps += 1;
        }
        let body = format!(
            "// Aggregation and combination sequencer: c = {c}, {nw} windows.\n\
// Per window: buckets left (pending), j - 1 of the next bucket, and the phase.\n\
reg [{nw1}:0] window_pending = 0;\n\
reg [{jw1}:0] bucket_left = 0; // window w's j - 1 at [w {c1} +: {c1}]\n\
reg [{nw1}:0] adding_to_window_sum = 0; // window w's phase at bit w\n\
// Two registered stages: A, the window the scan chose on the last edge (its bucket is\n\
// probed on the next edge); B, the one before, which steps now unless its sums are busy.\n\
reg a_valid = 1'b0, b_valid = 1'b0;\n\
reg [{wb1}:0] a_window = 0, b_window = 0;\n\
reg [{nw1}:0] a_select = 0, b_select = 0; // one-hot a_window / b_window (0 when not valid)\n\
reg a_to_sum = 1'b0, b_to_sum = 1'b0;\n\
reg [{c2}:0] a_bucket = 0, b_bucket = 0;\n\
// The scan: the lowest window that may step and is in neither stage, as a one-hot (a window\n\
// with no such window below it: a parallel-prefix OR, log2 W steps), then its index, phase\n\
// and bucket as AND-OR trees.\n\
wire [{nw1}:0] may_step = window_pending & ~running_sum_busy & (~adding_to_window_sum | ~window_sum_busy)\n\
    & ~a_select & ~b_select;\n\
{prefix}wire [{nw1}:0] lowest = may_step & ~below_{steps};\n\
wire window_found = |may_step;\n\
reg [{wb1}:0] chosen_window;\n\
reg chosen_to_sum;\n\
reg [{c2}:0] chosen_bucket;\n\
integer scan_window;\n\
integer step_window;\n\
always @(*) begin\n\
    chosen_window = {wb}'d0;\n\
    chosen_to_sum = 1'b0;\n\
    chosen_bucket = {c1}'d0;\n\
    for (scan_window = 0; scan_window < {nw}; scan_window = scan_window + 1) begin\n\
        chosen_window = chosen_window | ({{{wb}{{lowest[scan_window]}}}} & scan_window[{wb1}:0]);\n\
        chosen_to_sum = chosen_to_sum | (lowest[scan_window] & adding_to_window_sum[scan_window]);\n\
        chosen_bucket = chosen_bucket | ({{{c1}{{lowest[scan_window]}}}} & bucket_left[scan_window * {c1} +: {c1}]);\n\
    end\n\
end\n\
wire b_free = !(|(b_select & running_sum_busy)) && (!b_to_sum || !(|(b_select & window_sum_busy)));\n\
wire b_step = aggregating && b_valid && b_free;\n\
reg [{wb1}:0] combination_window_index = 0;\n\
reg [5:0] doublings_done = 0;\n\
reg combination_finished = 1'b0;\n\
wire combination_doubling_now = doublings_done != 6'd{c};\n\
wire combination_go = combining && !combination_finished && !total_busy;\n\
always @(posedge clock) begin\n\
    if (start_aggregation) begin\n\
        window_pending <= {{{nw}{{1'b1}}}};\n\
        bucket_left <= {{{nw}{{{c1}'d{m1}}}}};\n\
        adding_to_window_sum <= {nw}'d0;\n\
        a_valid <= 1'b0;\n\
        b_valid <= 1'b0;\n\
        a_select <= {nw}'d0;\n\
        b_select <= {nw}'d0;\n\
    end else begin\n\
        for (step_window = 0; step_window < {nw}; step_window = step_window + 1) begin\n\
            if (b_step && b_select[step_window]) begin\n\
                adding_to_window_sum[step_window] <= !b_to_sum;\n\
                if (b_to_sum) begin\n\
                    if (b_bucket == {c1}'d0) window_pending[step_window] <= 1'b0;\n\
                    else bucket_left[step_window * {c1} +: {c1}] <= b_bucket - {c1}'d1;\n\
                end\n\
            end\n\
        end\n\
        b_valid <= a_valid;\n\
        b_window <= a_window;\n\
        b_select <= a_select;\n\
        b_to_sum <= a_to_sum;\n\
        b_bucket <= a_bucket;\n\
        a_valid <= window_found;\n\
        a_window <= chosen_window;\n\
        a_select <= lowest;\n\
        a_to_sum <= chosen_to_sum;\n\
        a_bucket <= chosen_bucket;\n\
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
assign aggregation_step = b_step;\n\
assign aggregation_window = b_window;\n\
assign aggregation_to_window_sum = b_to_sum;\n\
assign aggregation_bucket = {{b_window, b_bucket}};\n\
assign aggregation_probe = {{a_window, a_bucket}};\n\
assign aggregation_pending = |window_pending;\n\
assign combination_step = combination_go;\n\
assign combination_doubling = combination_doubling_now;\n\
assign combination_window = combination_window_index;\n\
assign combination_done = combination_finished;\n",
            nw1 = nw - 1,
            jw1 = (c - 1) * nw - 1,
            wb1 = wb - 1,
            c1 = c - 1,
            c2 = c - 2,
            m1 = (1usize << (c - 1)) - 1,
            first_doublings = if self.chained { 0 } else { c },
        );
        Ok(block_module(&self.top, &self.ports()?, &[], &body))
    }
}
