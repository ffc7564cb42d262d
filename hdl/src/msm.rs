//! `msm`: multi-scalar multiplication `sum k_i P_i` on G1 of an a = 0 curve, entirely in
//! hardware: Pippenger's bucket method with signed window digits on one [`crate::point_add`]
//! pipeline.
//!
//! Interface (see [`ports`]):
//! - Input stream, valid/ready: `in_x`, `in_y` (affine, Montgomery domain, below p), `in_inf`
//!   (the identity; x and y ignored), `in_scalar` (below r), `in_last` on the final pair. A pair
//!   is taken on a rising edge with `in_valid && in_ready`. `in_ready` depends on the core's
//!   state only, never on `in_valid`. After the pair with `in_last`, `in_ready` stays low until
//!   the result has been taken.
//! - Output, valid/ready: `out_x`, `out_y`, `out_z` (projective, Montgomery domain; the
//!   identity has z = 0). Held with `out_valid` until a rising edge with `out_ready`; then the
//!   core takes the next MSM. With [`MsmConfig::host_aggregation`] the core instead hands
//!   out every bucket after accumulation (`out_window`, `out_bucket` = j, the sum `B_j`; the
//!   identity for an empty bucket), `out_last` on the final one, and the host computes
//!   `sum_w 2^(c w) sum_j j B_{w,j}` (the split of the BLS12-377 record design).
//! - Statistics of the last MSM (counters, reset when a new MSM begins): `stat_cycles` (first
//!   pair taken to result valid), `stat_accum_cycles` (first pair taken to last bucket addition
//!   issued), `stat_bucket_adds`, `stat_hazards` (points parked because their bucket was in the
//!   adder), `stat_stalls` (cycles the current point waited: its adder slot went to a
//!   re-issued parked point, or the FIFO was full), `stat_adds` (all additions the adder did).
//!   `state` shows the phase, for debugging.
//!
//! After `reset` the core first walks its bucket memory (one bucket per cycle) to clear the
//! occupancy and in-flight bits; `in_ready` rises when that is done.
//!
//! Phases:
//! 1. Accumulation. Each pair is scheduled one window per cycle: the signed digit `d` of the
//!    window (in `(-2^(c-1), 2^(c-1)]`, carries ripple upwards as the windows go by) selects
//!    bucket `|d|` of that window, and `bucket += sign(d) P` is issued to the adder (the point
//!    is negated by `y -> p - y`). Digit 0 issues nothing. A bucket whose previous sum is still
//!    in the adder is busy: the point is parked in a FIFO and re-issued as soon as its bucket
//!    is free, ahead of new work. Identity points and zero scalars are taken and dropped.
//! 2. Aggregation, all windows interleaved: per window `R += B_j; S += R` for j from the top
//!    bucket down, so that `S = sum j B_j`. Each window is a serial chain through the adder; the
//!    scheduler issues for the lowest window that is ready, so up to `2 W` additions are in
//!    flight. Empty buckets and an empty running sum are skipped.
//! 3. Window combination by Horner's rule: `T = 2^c T + S_w` from the top window down.
//!
//! An empty bucket, running sum or total is a cleared occupancy bit and reads as the identity
//! (0 : 1 : 0), which the complete formula adds like any point.

use crate::emit::emit_core;
use crate::interface::{Contract, Core, Timing};
use crate::manifest::PortSpec;
use crate::point_add::{self, PointAdd, PointAddConfig, PointAddPlan};
use crate::rtl::{dispatch, index_bits, Body, WidthTile};
use crate::HdlError;
use num_bigint::BigUint;
use rust_hdl::prelude::*;
use serde::{Deserialize, Serialize};

/// Width of the scalar port: scalars of every supported curve fit (r has at most 255 bits).
pub const SCALAR_PORT: usize = 256;
/// Width of the statistics counters.
pub const STAT_BITS: usize = 32;
/// Largest window width the generator takes (2^15 buckets per window).
pub const MAX_WINDOW: usize = 16;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MsmConfig {
    /// The point adder (curve, base field, tiles).
    pub adder: PointAddConfig,
    /// Bit length of the group order r (scalars are below r).
    pub scalar_bits: usize,
    /// Window width c: 2^(c-1) buckets per window.
    pub window: usize,
    /// Entries of the FIFO that parks points whose bucket is busy (a power of two).
    pub fifo_depth: usize,
    /// Hand the buckets to the host after accumulation instead of aggregating them on chip.
    #[serde(default)]
    pub host_aggregation: bool,
    pub top: String,
}

impl MsmConfig {
    pub fn new(adder: PointAddConfig, scalar_bits: usize, window: usize) -> Self {
        MsmConfig {
            adder,
            scalar_bits,
            window,
            fifo_depth: 16,
            host_aggregation: false,
            top: "zk_msm".into(),
        }
    }

    /// Number of windows: signed digits need one bit more than the scalar.
    pub fn windows(&self) -> usize {
        (self.scalar_bits + 1).div_ceil(self.window)
    }

    /// Buckets per window, 2^(c-1).
    pub fn buckets(&self) -> usize {
        1 << (self.window - 1)
    }

    pub fn validate(&self) -> Result<(), HdlError> {
        let bad = |m: String| Err(HdlError::Unsupported(m));
        self.adder.validate()?;
        if !(2..=MAX_WINDOW).contains(&self.window) {
            return bad(format!(
                "window width {} is outside 2..={MAX_WINDOW}",
                self.window
            ));
        }
        if self.scalar_bits == 0 || self.scalar_bits >= SCALAR_PORT {
            return bad(format!(
                "scalars of {} bits do not fit the {SCALAR_PORT}-bit scalar port",
                self.scalar_bits
            ));
        }
        if !self.fifo_depth.is_power_of_two() || self.fifo_depth < 2 {
            return bad("the parking FIFO depth must be a power of two, at least 2".into());
        }
        Ok(())
    }

    /// See [`cycle_estimate`].
    pub fn cycle_estimate(&self, n: usize, adder_latency: usize) -> usize {
        cycle_estimate(n, self.scalar_bits, self.window, adder_latency)
    }
}

/// Cycles the adder needs for an MSM of `n` pairs at best, for reports and the choice of c:
/// one cycle per window per pair, then aggregation (2 W B additions, or the B serial steps of
/// one window, whichever is longer) and the (W - 1)(c + 1) serial steps of the window
/// combination.
pub fn cycle_estimate(n: usize, scalar_bits: usize, c: usize, adder_latency: usize) -> usize {
    let (accumulation, aggregation, combination) =
        cycle_estimate_parts(n, scalar_bits, c, adder_latency);
    accumulation + aggregation + combination
}

/// The three phases of [`cycle_estimate`]: accumulation, aggregation, combination.
pub fn cycle_estimate_parts(
    n: usize,
    scalar_bits: usize,
    c: usize,
    adder_latency: usize,
) -> (usize, usize, usize) {
    let w = (scalar_bits + 1).div_ceil(c);
    let b = 1usize << (c - 1);
    (
        n * w,
        (2 * w * b).max(b * (adder_latency + 2)),
        (w - 1) * (c + 1) * (adder_latency + 1),
    )
}

/// The window width that minimises [`cycle_estimate`] for `n` pairs, between 4 and 12
/// (bucket memory grows as 2^c).
pub fn best_window(n: usize, scalar_bits: usize, adder_latency: usize) -> usize {
    (4..=12)
        .min_by_key(|&c| (cycle_estimate(n, scalar_bits, c, adder_latency), c))
        .expect("a non-empty range")
}

/// The generated controller and its sizes.
pub struct MsmPlan {
    pub body: String,
    pub adder: PointAddPlan,
    pub windows: usize,
    pub buckets: usize,
}

/// Writes the controller around the point adder.
pub fn plan(cfg: &MsmConfig) -> Result<MsmPlan, HdlError> {
    cfg.validate()?;
    let adder = point_add::plan(&cfg.adder)?;
    let k = cfg.adder.r_bits();
    let pw = cfg.adder.width()?;
    let p = &cfg.adder.modulus;
    let one = (BigUint::from(1u32) << k) % p; // 1 in the Montgomery domain
    let c = cfg.window;
    let nw = cfg.windows();
    let m = cfg.buckets();
    let wb = index_bits(nw);
    let ab = wb + c - 1; // bucket address {window, |d| - 1}
    let nb = nw * m;
    let na = 2 * nw + 1; // aux: R_w, S_w, T
    let axb = index_bits(na);
    let f = cfg.fifo_depth;
    let fb = index_bits(f);
    let l = adder.latency;
    let tw = 1 + ab.max(axb);
    let kk = 3 * k;
    let pad = |n: &str| {
        if pw == k {
            n.to_string()
        } else {
            format!("{{{}'b0, {n}}}", pw - k)
        }
    };
    let (ph, oh) = (format!("{k}'h{p:x}"), format!("{k}'h{one:x}"));
    let t_idx = 2 * nw;
    let sb = STAT_BITS;
    let dwin = format!("{{{}'d0, dump_addr[{}:{}]}}", 16 - wb, ab - 1, c - 1);
    let dbkt = format!("{{{}'d0, dump_addr[{}:0]}} + 16'd1", 17 - c, c - 2);
    let mut v = String::new();
    v.push_str(&format!(
        "// MSM controller: c = {c}, {nw} windows x {m} buckets, parking FIFO {f}, adder latency {l}.\n\
localparam S_CLEAR = 3'd0, S_ACCUM = 3'd1, S_DRAIN = 3'd2, S_AGG = 3'd3, S_COMB = 3'd4, S_OUT = 3'd5, S_DUMP = 3'd6;\n\
localparam HOST = 1'b{host};\n\
reg [2:0] st = S_CLEAR;\n\
reg [{ab1}:0] clr_addr = 0;\n\
// Bucket memory {{Z, Y, X}}, occupancy and in-flight bits.\n\
reg [{kk1}:0] bmem [0:{nb1}];\n\
reg bocc [0:{nb1}];\n\
reg bbusy [0:{nb1}];\n\
// Aux memory: R_w at w, S_w at {nw} + w, the total T at {t_idx}.\n\
reg [{kk1}:0] amem [0:{na1}];\n\
reg [{na1}:0] aocc = 0;\n\
reg [{na1}:0] abusy = 0;\n\
reg [15:0] inflight = 0;\n\
// Input: the next pair and the pair being scheduled, one window per cycle.\n\
reg nxt_valid = 0;\n\
reg [{k1}:0] nxt_x = 0, nxt_y = 0, nxt_yn = 0;\n\
reg [{s1}:0] nxt_s = 0;\n\
reg cur_valid = 0;\n\
reg [{k1}:0] cur_x = 0, cur_y = 0, cur_yn = 0;\n\
reg [{s1}:0] cur_s = 0;\n\
reg [{wb1}:0] cur_w = 0;\n\
reg cur_carry = 0;\n\
reg got_last = 0;\n\
reg started = 0;\n\
always @(*) in_ready = (st == S_ACCUM) && !nxt_valid && !got_last;\n\
wire accept = in_valid && in_ready;\n\
wire contributes = !in_inf && (in_scalar != 0);\n\
// Signed digit of the current window.\n\
wire [{c}:0] raw = {{1'b0, cur_s[{c1}:0]}} + {{{c}'b0, cur_carry}};\n\
wire neg = raw > {c1p}'d{m};\n\
wire [{c}:0] mag = neg ? ({c1p}'d{two_c} - raw) : raw;\n\
wire [{c}:0] magm1 = mag - 1'b1;\n\
wire zero_digit = mag == 0;\n\
wire [{ab1}:0] new_addr = {{cur_w, magm1[{c2}:0]}};\n\
wire [{k1}:0] cur_ysel = neg ? cur_yn : cur_y;\n\
wire last_w = cur_w == {wb}'d{nw1};\n\
// Parking FIFO of {{bucket, x, y}}.\n\
reg [{fe1}:0] fifo [0:{f1}];\n\
reg [{fb1}:0] f_head = 0, f_tail = 0;\n\
reg [{fb}:0] f_count = 0;\n\
wire [{fe1}:0] f_entry = fifo[f_head];\n\
wire [{ab1}:0] f_addr = f_entry[{fe1}:{k2}];\n\
wire f_can = (st == S_ACCUM) && (f_count != 0) && !bbusy[f_addr];\n\
wire conflict = bbusy[new_addr] || (f_can && f_addr == new_addr);\n\
wire task_ = (st == S_ACCUM) && cur_valid && !zero_digit;\n\
wire issue_new = task_ && !f_can && !conflict;\n\
wire park = task_ && conflict && ((f_count < {fb1p}'d{f}) || f_can);\n\
wire advance = (st == S_ACCUM) && cur_valid && (zero_digit || issue_new || park);\n\
wire stall = task_ && !issue_new && !park;\n\
// Aggregation: per window the bucket counter j (top bucket first) and the phase\n\
// (0: R += B_j, 1: S += R); the lowest ready window goes.\n\
reg [{cw1}:0] agg_j = 0; // window w's counter at [w c +: c]\n\
reg [{nw1}:0] agg_ph = 0;\n\
reg agg_found;\n\
reg agg_any;\n\
reg [{wb1}:0] agg_sel;\n\
integer ia;\n\
always @(*) begin\n\
    agg_found = 1'b0;\n\
    agg_any = 1'b0;\n\
    agg_sel = 0;\n\
    for (ia = {nw1}; ia >= 0; ia = ia - 1) begin\n\
        if (agg_j[ia * {c} +: {c}] != 0) agg_any = 1'b1;\n\
        if (agg_j[ia * {c} +: {c}] != 0 && !abusy[ia] && (!agg_ph[ia] || !abusy[{nw} + ia])) begin\n\
            agg_found = 1'b1;\n\
            agg_sel = ia[{wb1}:0];\n\
        end\n\
    end\n\
end\n\
wire [{c1}:0] sj = agg_j[agg_sel * {c} +: {c}];\n\
wire sph = agg_ph[agg_sel];\n\
wire [{c1}:0] sjm1 = sj - 1'b1;\n\
wire [{ab1}:0] agg_baddr = {{agg_sel, sjm1[{c2}:0]}};\n\
wire agg_go = (st == S_AGG) && agg_found;\n\
wire agg_issue = agg_go && (sph ? aocc[agg_sel] : bocc[agg_baddr]);\n\
// Window combination: T = 2^c T + S_w from the top window down.\n\
reg [{wb1}:0] comb_w = 0;\n\
reg [5:0] comb_k = 0;\n\
reg comb_fin = 0;\n\
wire comb_dbl = comb_k != 6'd{c};\n\
wire comb_go = (st == S_COMB) && !comb_fin && !abusy[{t_idx}];\n\
wire comb_issue = comb_go && (comb_dbl ? aocc[{t_idx}] : aocc[{nw} + comb_w]);\n\
// The addition issued this cycle: operand sources and destination.\n\
reg iss, a_aux, b_aux, b_pt, d_aux;\n\
reg [{ab1}:0] a_baddr, b_baddr, d_baddr;\n\
reg [{axb1}:0] a_aidx, b_aidx, d_aidx;\n\
reg [{k1}:0] px, py;\n\
always @(*) begin\n\
    iss = 1'b0; a_aux = 1'b0; b_aux = 1'b0; b_pt = 1'b0; d_aux = 1'b0;\n\
    a_baddr = 0; b_baddr = 0; d_baddr = 0; a_aidx = 0; b_aidx = 0; d_aidx = 0;\n\
    px = f_entry[{k1}:0]; py = f_entry[{k2m1}:{k}];\n\
    if (f_can) begin\n\
        iss = 1'b1; b_pt = 1'b1; a_baddr = f_addr; d_baddr = f_addr;\n\
    end else if (issue_new) begin\n\
        iss = 1'b1; b_pt = 1'b1; a_baddr = new_addr; d_baddr = new_addr;\n\
        px = cur_x; py = cur_ysel;\n\
    end else if (agg_issue) begin\n\
        iss = 1'b1; a_aux = 1'b1; d_aux = 1'b1;\n\
        if (!sph) begin\n\
            a_aidx = agg_sel; b_baddr = agg_baddr; d_aidx = agg_sel;\n\
        end else begin\n\
            a_aidx = {nw} + agg_sel; b_aux = 1'b1; b_aidx = agg_sel; d_aidx = {nw} + agg_sel;\n\
        end\n\
    end else if (comb_issue) begin\n\
        iss = 1'b1; a_aux = 1'b1; b_aux = 1'b1; d_aux = 1'b1;\n\
        a_aidx = {t_idx}; d_aidx = {t_idx};\n\
        b_aidx = comb_dbl ? {t_idx} : {nw} + comb_w;\n\
    end\n\
end\n\
// Issue register: memories are read here (registered read ports).\n\
reg q_valid = 0, q_bpt = 0, q_a_occ = 0, q_b_occ = 0;\n\
reg [{kk1}:0] q_a = 0, q_b = 0;\n\
reg [{k1}:0] q_px = 0, q_py = 0;\n\
reg [{tw1}:0] q_dst = 0;\n\
always @(posedge clock) begin\n\
    q_valid <= iss && !reset;\n\
    q_bpt <= b_pt;\n\
    q_px <= px;\n\
    q_py <= py;\n\
    q_dst <= d_aux ? {{1'b1, {dpad_a}d_aidx}} : {{1'b0, {dpad_b}d_baddr}};\n\
    q_a <= a_aux ? amem[a_aidx] : bmem[a_baddr];\n\
    q_a_occ <= a_aux ? aocc[a_aidx] : bocc[a_baddr];\n\
    q_b <= b_aux ? amem[b_aidx] : bmem[b_baddr];\n\
    q_b_occ <= b_aux ? aocc[b_aidx] : bocc[b_baddr];\n\
end\n\
// The adder; an empty operand is the identity (0 : 1 : 0).\n\
always @(*) begin\n\
    adder$clock = clock;\n\
    adder$reset = reset;\n\
    adder$in_valid = q_valid;\n\
    adder$x1 = {x1};\n\
    adder$y1 = {y1};\n\
    adder$z1 = {z1};\n\
    adder$x2 = {x2};\n\
    adder$y2 = {y2};\n\
    adder$z2 = {z2};\n\
end\n\
// Destination tags travel beside the adder.\n\
reg [{tagsw1}:0] tags = 0;\n\
always @(posedge clock) tags <= {tags_next};\n\
wire [{tw1}:0] wb_tag = tags[{tagsw1}:{tagslo}];\n\
wire wb = adder$out_valid;\n\
wire wb_aux = wb_tag[{tw1}];\n\
wire [{axb1}:0] wb_aidx = wb_tag[{axb1}:0];\n\
wire [{ab1}:0] wb_baddr = wb_tag[{ab1}:0];\n\
wire [{kk1}:0] wb_val = {{adder$z3[{k1}:0], adder$y3[{k1}:0], adder$x3[{k1}:0]}};\n\
// Host aggregation: the bucket being handed out.\n\
reg [{ab1}:0] dump_addr = 0;\n\
reg dump_have = 0, dump_occ = 0;\n\
reg [{kk1}:0] dump_q = 0;\n\
// Result and statistics.\n\
reg [{k1}:0] res_x = 0, res_y = 0, res_z = 0;\n\
reg [{sb1}:0] n_cycles = 0, n_accum = 0, n_bucket = 0, n_hazard = 0, n_stall = 0, n_adds = 0;\n\
always @(posedge clock) begin\n\
    if (reset) begin\n\
        st <= S_CLEAR;\n\
        clr_addr <= 0;\n\
        nxt_valid <= 1'b0;\n\
        cur_valid <= 1'b0;\n\
        got_last <= 1'b0;\n\
        started <= 1'b0;\n\
        f_head <= 0; f_tail <= 0; f_count <= 0;\n\
        inflight <= 0;\n\
        aocc <= 0; abusy <= 0;\n\
    end else begin\n\
        // Writeback of a finished addition, then the issue of a new one (never the same\n\
        // address: a busy destination is never issued).\n\
        if (wb) begin\n\
            if (wb_aux) begin\n\
                amem[wb_aidx] <= wb_val; aocc[wb_aidx] <= 1'b1; abusy[wb_aidx] <= 1'b0;\n\
            end else begin\n\
                bmem[wb_baddr] <= wb_val; bocc[wb_baddr] <= 1'b1; bbusy[wb_baddr] <= 1'b0;\n\
            end\n\
        end\n\
        if (iss) begin\n\
            if (d_aux) abusy[d_aidx] <= 1'b1; else bbusy[d_baddr] <= 1'b1;\n\
        end\n\
        inflight <= inflight + iss - wb;\n\
        if ((started || accept) && st != S_OUT) n_cycles <= n_cycles + 1'b1;\n\
        n_adds <= n_adds + iss;\n\
        case (st)\n\
        S_CLEAR: begin\n\
            bocc[clr_addr] <= 1'b0;\n\
            bbusy[clr_addr] <= 1'b0;\n\
            clr_addr <= clr_addr + 1'b1;\n\
            if (clr_addr == {ab}'d{nb1}) begin\n\
                st <= S_ACCUM;\n\
                n_cycles <= 0; n_accum <= 0; n_bucket <= 0; n_hazard <= 0; n_stall <= 0; n_adds <= 0;\n\
            end\n\
        end\n\
        S_ACCUM: begin\n\
            if (accept) begin\n\
                started <= 1'b1;\n\
                if (in_last) got_last <= 1'b1;\n\
                if (contributes) begin\n\
                    nxt_valid <= 1'b1;\n\
                    nxt_x <= in_x[{k1}:0];\n\
                    nxt_y <= in_y[{k1}:0];\n\
                    nxt_yn <= (in_y[{k1}:0] == 0) ? {k}'d0 : {ph} - in_y[{k1}:0];\n\
                    nxt_s <= in_scalar;\n\
                end\n\
            end\n\
            if (started || accept) n_accum <= n_accum + 1'b1;\n\
            n_bucket <= n_bucket + (f_can || issue_new);\n\
            n_hazard <= n_hazard + park;\n\
            n_stall <= n_stall + stall;\n\
            if (f_can) begin\n\
                f_head <= f_head + 1'b1;\n\
            end\n\
            if (park) begin\n\
                fifo[f_tail] <= {{new_addr, cur_ysel, cur_x}};\n\
                f_tail <= f_tail + 1'b1;\n\
            end\n\
            f_count <= f_count + park - f_can;\n\
            if (advance) begin\n\
                if (last_w) cur_valid <= 1'b0;\n\
                cur_w <= cur_w + 1'b1;\n\
                cur_s <= cur_s >> {c};\n\
                cur_carry <= neg;\n\
            end\n\
            if ((!cur_valid || (advance && last_w)) && nxt_valid) begin\n\
                cur_valid <= 1'b1;\n\
                cur_x <= nxt_x; cur_y <= nxt_y; cur_yn <= nxt_yn; cur_s <= nxt_s;\n\
                cur_w <= 0;\n\
                cur_carry <= 1'b0;\n\
                nxt_valid <= 1'b0;\n\
            end\n\
            if (got_last && !nxt_valid && !cur_valid && f_count == 0) st <= S_DRAIN;\n\
        end\n\
        S_DRAIN: begin\n\
            if (inflight == 0 && !q_valid) begin\n\
                st <= HOST ? S_DUMP : S_AGG;\n\
                dump_addr <= 0;\n\
                dump_have <= 1'b0;\n\
                agg_j <= {{{nw}{{{c}'d{m}}}}};\n\
                agg_ph <= 0;\n\
            end\n\
        end\n\
        S_AGG: begin\n\
            if (agg_go) begin\n\
                if (!sph) begin\n\
                    bocc[agg_baddr] <= 1'b0; // read (issued or skipped): leave it empty\n\
                    agg_ph[agg_sel] <= 1'b1;\n\
                end else begin\n\
                    agg_ph[agg_sel] <= 1'b0;\n\
                    agg_j[agg_sel * {c} +: {c}] <= sjm1;\n\
                end\n\
            end\n\
            if (!agg_any && inflight == 0 && !q_valid) begin\n\
                st <= S_COMB;\n\
                comb_w <= {wb}'d{nw1};\n\
                comb_k <= 6'd{c};\n\
                comb_fin <= 1'b0;\n\
            end\n\
        end\n\
        S_COMB: begin\n\
            if (comb_go) begin\n\
                if (comb_dbl) comb_k <= comb_k + 1'b1;\n\
                else if (comb_w == 0) comb_fin <= 1'b1;\n\
                else begin\n\
                    comb_w <= comb_w - 1'b1;\n\
                    comb_k <= 0;\n\
                end\n\
            end\n\
            if (comb_fin && inflight == 0 && !q_valid) begin\n\
                st <= S_OUT;\n\
                res_x <= aocc[{t_idx}] ? amem[{t_idx}][{k1}:0] : {k}'d0;\n\
                res_y <= aocc[{t_idx}] ? amem[{t_idx}][{k2m1}:{k}] : {oh};\n\
                res_z <= aocc[{t_idx}] ? amem[{t_idx}][{kk1}:{k2}] : {k}'d0;\n\
            end\n\
        end\n\
        S_OUT: begin\n\
            if (out_ready) begin\n\
{next_msm}            end\n\
        end\n\
        S_DUMP: begin\n\
            // Host aggregation: every bucket in address order, one per two cycles.\n\
            if (!dump_have) begin\n\
                dump_q <= bmem[dump_addr];\n\
                dump_occ <= bocc[dump_addr];\n\
                dump_have <= 1'b1;\n\
            end else if (out_ready) begin\n\
                bocc[dump_addr] <= 1'b0;\n\
                dump_have <= 1'b0;\n\
                dump_addr <= dump_addr + 1'b1;\n\
                if (dump_addr == {ab}'d{nb1}) begin\n\
{next_msm}                end\n\
            end\n\
        end\n\
        default: st <= S_CLEAR;\n\
        endcase\n\
    end\n\
end\n\
always @(*) begin\n\
    out_valid = (st == S_OUT) || (st == S_DUMP && dump_have);\n\
    out_last = (st == S_OUT) || (st == S_DUMP && dump_addr == {ab}'d{nb1});\n\
    out_window = st == S_DUMP ? {dwin} : 16'd0;\n\
    out_bucket = st == S_DUMP ? {dbkt} : 16'd0;\n\
    if (st == S_DUMP) begin\n\
        out_x = {dx};\n\
        out_y = {dy};\n\
        out_z = {dz};\n\
    end else begin\n\
        out_x = {ox};\n\
        out_y = {oy};\n\
        out_z = {oz};\n\
    end\n\
    stat_cycles = n_cycles;\n\
    stat_accum_cycles = n_accum;\n\
    stat_bucket_adds = n_bucket;\n\
    stat_hazards = n_hazard;\n\
    stat_stalls = n_stall;\n\
    stat_adds = n_adds;\n\
    state = st;\n\
end\n",
        ab1 = ab - 1,
        kk1 = kk - 1,
        nb1 = nb - 1,
        na1 = na - 1,
        k1 = k - 1,
        k2 = 2 * k,
        k2m1 = 2 * k - 1,
        s1 = SCALAR_PORT - 1,
        wb1 = wb - 1,
        c1 = c - 1,
        c2 = c - 2,
        c1p = c + 1,
        two_c = 1usize << c,
        nw1 = nw - 1,
        fe1 = ab + 2 * k - 1,
        f1 = f - 1,
        fb1 = fb - 1,
        fb1p = fb + 1,
        axb1 = axb - 1,
        tw1 = tw - 1,
        cw1 = c * nw - 1,
        tagsw1 = tw * l - 1,
        tagslo = tw * (l - 1),
        tags_next = if l == 1 { "q_dst".to_string() } else { format!("{{tags[{}:0], q_dst}}", tw * (l - 1) - 1) },
        sb1 = sb - 1,
        dpad_a = if tw - 1 > axb { format!("{}'b0, ", tw - 1 - axb) } else { String::new() },
        dpad_b = if tw - 1 > ab { format!("{}'b0, ", tw - 1 - ab) } else { String::new() },
        x1 = pad(&format!("q_a_occ ? q_a[{}:0] : {k}'d0", k - 1)),
        y1 = pad(&format!("q_a_occ ? q_a[{}:{k}] : {oh}", 2 * k - 1)),
        z1 = pad(&format!("q_a_occ ? q_a[{}:{}] : {k}'d0", kk - 1, 2 * k)),
        x2 = pad(&format!("q_bpt ? q_px : q_b_occ ? q_b[{}:0] : {k}'d0", k - 1)),
        y2 = pad(&format!("q_bpt ? q_py : q_b_occ ? q_b[{}:{k}] : {oh}", 2 * k - 1)),
        z2 = pad(&format!("q_bpt ? {oh} : q_b_occ ? q_b[{}:{}] : {k}'d0", kk - 1, 2 * k)),
        host = u8::from(cfg.host_aggregation),
        next_msm = "                st <= S_ACCUM;\n                got_last <= 1'b0;\n                started <= 1'b0;\n                aocc <= 0;\n                n_cycles <= 0; n_accum <= 0; n_bucket <= 0; n_hazard <= 0; n_stall <= 0; n_adds <= 0;\n",
        dwin = dwin,
        dbkt = dbkt,
        dx = pad(&format!("dump_occ ? dump_q[{}:0] : {k}'d0", k - 1)),
        dy = pad(&format!("dump_occ ? dump_q[{}:{k}] : {oh}", 2 * k - 1)),
        dz = pad(&format!("dump_occ ? dump_q[{}:{}] : {k}'d0", kk - 1, 2 * k)),
        ox = pad("res_x"),
        oy = pad("res_y"),
        oz = pad("res_z"),
    ));
    v.push_str(
        "initial begin\n    in_ready = 1'b0;\n    out_valid = 1'b0;\n    out_last = 1'b0;\n    out_window = 0;\n    out_bucket = 0;\n    out_x = 0;\n    out_y = 0;\n    \
         out_z = 0;\n    stat_cycles = 0;\n    stat_accum_cycles = 0;\n    stat_bucket_adds = 0;\n    \
         stat_hazards = 0;\n    stat_stalls = 0;\n    stat_adds = 0;\n    state = 0;\nend\n",
    );
    Ok(MsmPlan {
        body: v,
        adder,
        windows: nw,
        buckets: m,
    })
}

/// The rust-hdl block: ports, the point adder as a child block, the controller as its body.
#[derive(LogicBlock)]
pub struct Msm<const W: usize, const TA: usize, const TB: usize, const TP: usize> {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub in_valid: Signal<In, Bit>,
    pub in_ready: Signal<Out, Bit>,
    pub in_x: Signal<In, Bits<W>>,
    pub in_y: Signal<In, Bits<W>>,
    pub in_inf: Signal<In, Bit>,
    pub in_scalar: Signal<In, Bits<SCALAR_PORT>>,
    pub in_last: Signal<In, Bit>,
    pub out_valid: Signal<Out, Bit>,
    pub out_ready: Signal<In, Bit>,
    pub out_x: Signal<Out, Bits<W>>,
    pub out_y: Signal<Out, Bits<W>>,
    pub out_z: Signal<Out, Bits<W>>,
    pub out_last: Signal<Out, Bit>,
    pub out_window: Signal<Out, Bits<16>>,
    pub out_bucket: Signal<Out, Bits<16>>,
    pub stat_cycles: Signal<Out, Bits<STAT_BITS>>,
    pub stat_accum_cycles: Signal<Out, Bits<STAT_BITS>>,
    pub stat_bucket_adds: Signal<Out, Bits<STAT_BITS>>,
    pub stat_hazards: Signal<Out, Bits<STAT_BITS>>,
    pub stat_stalls: Signal<Out, Bits<STAT_BITS>>,
    pub stat_adds: Signal<Out, Bits<STAT_BITS>>,
    pub state: Signal<Out, Bits<3>>,
    adder: PointAdd<W, TA, TB, TP>,
    body: Body,
}

impl<const W: usize, const TA: usize, const TB: usize, const TP: usize> Msm<W, TA, TB, TP> {
    fn new(plan: &MsmPlan) -> Self {
        Msm {
            clock: Default::default(),
            reset: Default::default(),
            in_valid: Default::default(),
            in_ready: Default::default(),
            in_x: Default::default(),
            in_y: Default::default(),
            in_inf: Default::default(),
            in_scalar: Default::default(),
            in_last: Default::default(),
            out_valid: Default::default(),
            out_ready: Default::default(),
            out_x: Default::default(),
            out_y: Default::default(),
            out_z: Default::default(),
            out_last: Default::default(),
            out_window: Default::default(),
            out_bucket: Default::default(),
            stat_cycles: Default::default(),
            stat_accum_cycles: Default::default(),
            stat_bucket_adds: Default::default(),
            stat_hazards: Default::default(),
            stat_stalls: Default::default(),
            stat_adds: Default::default(),
            state: Default::default(),
            adder: PointAdd::new(&plan.adder),
            body: Body(plan.body.clone()),
        }
    }
}

impl<const W: usize, const TA: usize, const TB: usize, const TP: usize> Logic
    for Msm<W, TA, TB, TP>
{
    fn update(&mut self) {}

    fn connect(&mut self) {
        self.in_ready.connect();
        self.out_valid.connect();
        self.out_x.connect();
        self.out_y.connect();
        self.out_z.connect();
        self.out_last.connect();
        self.out_window.connect();
        self.out_bucket.connect();
        self.stat_cycles.connect();
        self.stat_accum_cycles.connect();
        self.stat_bucket_adds.connect();
        self.stat_hazards.connect();
        self.stat_stalls.connect();
        self.stat_adds.connect();
        self.state.connect();
        let a = &mut self.adder;
        a.clock.connect();
        a.reset.connect();
        a.in_valid.connect();
        a.x1.connect();
        a.y1.connect();
        a.z1.connect();
        a.x2.connect();
        a.y2.connect();
        a.z2.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(self.body.0.clone())
    }
}

/// The port list, in manifest order.
pub fn ports(w: usize) -> Vec<PortSpec> {
    let s = |n: &str, d: &str| PortSpec::output(n, STAT_BITS, d);
    vec![
        PortSpec::input("clock", 1, "rising-edge clock"),
        PortSpec::input(
            "reset",
            1,
            "synchronous active-high reset; the core then clears its bucket memory",
        ),
        PortSpec::input("in_valid", 1, "a pair is offered"),
        PortSpec::output(
            "in_ready",
            1,
            "the core takes the offered pair on this edge (a function of state only)",
        ),
        PortSpec::input("in_x", w, "affine x (Montgomery domain, < p)"),
        PortSpec::input("in_y", w, "affine y (Montgomery domain, < p)"),
        PortSpec::input("in_inf", 1, "the point is the identity (x, y ignored)"),
        PortSpec::input("in_scalar", SCALAR_PORT, "scalar, < r"),
        PortSpec::input("in_last", 1, "the last pair of this MSM"),
        PortSpec::output("out_valid", 1, "the result is valid (held until taken)"),
        PortSpec::input("out_ready", 1, "the result is taken on this edge"),
        PortSpec::output("out_x", w, "result X (projective, Montgomery domain)"),
        PortSpec::output("out_y", w, "result Y"),
        PortSpec::output("out_z", w, "result Z (0 for the identity)"),
        PortSpec::output(
            "out_last",
            1,
            "the last output of this MSM (always, except while handing buckets to the host)",
        ),
        PortSpec::output(
            "out_window",
            16,
            "host aggregation: window of the bucket on out_x/y/z",
        ),
        PortSpec::output(
            "out_bucket",
            16,
            "host aggregation: bucket number j (1 to 2^(c-1)) on out_x/y/z",
        ),
        s(
            "stat_cycles",
            "cycles from the first pair taken to the result",
        ),
        s(
            "stat_accum_cycles",
            "cycles from the first pair taken to the end of bucket accumulation",
        ),
        s("stat_bucket_adds", "bucket additions issued"),
        s(
            "stat_hazards",
            "points parked because their bucket was busy",
        ),
        s(
            "stat_stalls",
            "cycles the current point waited (slot taken by a parked point, or FIFO full)",
        ),
        s("stat_adds", "additions issued in all phases"),
        PortSpec::output(
            "state",
            3,
            "0 clear, 1 accumulate, 2 drain, 3 aggregate, 4 combine, 5 result",
        ),
    ]
}

impl Core for MsmConfig {
    const NAME: &'static str = "msm";

    fn top(&self) -> &str {
        &self.top
    }

    fn validate(&self) -> Result<(), HdlError> {
        MsmConfig::validate(self)
    }

    fn ports(&self) -> Result<Vec<PortSpec>, HdlError> {
        Ok(ports(self.adder.width()?))
    }

    fn timing(&self) -> Result<Timing, HdlError> {
        Ok(Timing {
            latency: self.adder.latency()?,
            initiation_interval: 1,
            handshake: "valid/ready on input (in_valid, in_ready, in_last) and output \
                        (out_valid, out_ready); in_ready and out_valid depend on state only; one \
                        result per MSM"
                .into(),
        })
    }

    fn contract(&self) -> Result<Contract, HdlError> {
        let adder = point_add::plan(&self.adder)?;
        let tiles = adder.multipliers * adder.mul_plan.tiles;
        Ok(Contract {
            arithmetic: format!(
                "sum k_i P_i on y^2 = x^3 + {b} over F_p, p = {p:#x}: Pippenger with signed \
                 {c}-bit digits, {nw} windows x {m} buckets, on one point adder (latency {l}, \
                 {tiles} tiles); coordinates Montgomery residues v * 2^{k} mod p; scalars below \
                 2^{sb}",
                b = self.adder.b,
                p = self.adder.modulus,
                c = self.window,
                nw = self.windows(),
                m = self.buckets(),
                l = adder.latency,
                k = self.adder.r_bits(),
                sb = self.scalar_bits,
            ),
            modulus: Some(self.adder.modulus.clone()),
            field: Some(format!("{}-fq", self.adder.curve)),
            tiles,
        })
    }

    fn emit(&self) -> Result<String, HdlError> {
        let plan = plan(self)?;
        struct Emit<'a>(&'a MsmPlan, &'a str);
        impl WidthTile for Emit<'_> {
            fn emit<const W: usize, const TA: usize, const TB: usize, const TP: usize>(
                &self,
            ) -> Result<String, HdlError> {
                emit_core(&mut Msm::<W, TA, TB, TP>::new(self.0), self.1)
            }
        }
        dispatch(
            self.adder.width()?,
            self.adder.tile,
            &Emit(&plan, &self.top),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_cover_the_signed_digit_carry() {
        let cfg = MsmConfig::new(PointAddConfig::new("x", BigUint::from(7u32), 1), 255, 8);
        assert_eq!(cfg.windows(), 32);
        assert_eq!(cfg.buckets(), 128);
        let cfg = MsmConfig::new(PointAddConfig::new("x", BigUint::from(7u32), 1), 255, 9);
        assert_eq!(cfg.windows(), 29);
    }

    #[test]
    fn best_window_grows_with_n() {
        let small = best_window(16, 255, 77);
        let large = best_window(1 << 16, 255, 77);
        assert!(small < large, "{small} vs {large}");
    }

    #[test]
    fn rejects_bad_windows() {
        let pa = PointAddConfig::new("x", BigUint::from(7u32), 1);
        assert!(MsmConfig::new(pa.clone(), 255, 1).validate().is_err());
        assert!(MsmConfig::new(pa, 255, 17).validate().is_err());
    }
}
