//! `msm`: multi-scalar multiplication `sum k_i P_i` on G1 of an a = 0 curve, entirely in
//! hardware: Pippenger's bucket method with signed window digits on one [`crate::point_add`]
//! pipeline.
//!
//! Interface (see [`ports`]):
//! - Input stream, valid/ready: `in_x`, `in_y` (affine, Montgomery domain, below p), `in_inf`
//!   (the identity; x and y ignored), `in_scalar` (below r), `in_last` on the final pair. A pair
//!   is taken on a rising edge with `in_valid && in_ready`. `in_ready` depends on the core's
//!   state only, never on `in_valid`. After the pair with `in_last`, `in_ready` stays low until
//!   the MSM's last bucket addition has left the adder and the previous MSM's result has been
//!   taken (double-buffered core, [`MsmConfig::overlap`]: it then takes the next MSM while
//!   this one aggregates), or until this MSM's result has been taken (one bank: lanes, host
//!   aggregation, `overlap` off).
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
//!
//! Double buffering ([`MsmConfig::overlap`], the default for one adder aggregating on chip):
//! the bucket memory has two banks (a bank bit below the bucket address: `{w, |d| - 1, bank}`,
//! so the addresses stay dense when W is not a power of two). Accumulation writes
//! bank `fg_bank`; when an MSM is drained and the background is idle (the previous result
//! taken), the hand-over gives its bank to the background, which aggregates, combines and
//! holds the result (`background`: S_AGG, S_COMB, S_OUT, S_IDLE), while the accumulation takes
//! the next MSM into the other bank. Aggregation empties each bucket as it reads it, so the
//! bank is clear again when the background is done. The background's additions go first in
//! the adder's slots (they are latency-bound chains that leave most slots free); the bucket
//! scheduler is held in their cycles (`hold`). The statistics ports then show the MSM in the
//! background: its accumulation counters are taken over at the hand-over and its cycles and
//! additions counted on; so the statistics read with a result are that MSM's own.
//!
//! With [`MsmConfig::adders`] K above 1 the core is K lanes, each this controller with its own
//! adder, over consecutive windows; see [`lanes`].

pub mod bucket_memory;
pub mod fifo;
pub mod pipeline_adder;
pub mod recoder;
pub mod scheduler;
pub mod sequencer;
pub mod stats;

pub use bucket_memory::BucketMemoryConfig;
pub use fifo::FifoConfig;
pub use recoder::RecoderConfig;
pub use scheduler::SchedulerConfig;
pub use sequencer::SequencerConfig;
pub use stats::StatsConfig;

use crate::emit::emit_core;
use crate::interface::{Contract, Core, Timing};
use crate::manifest::{Direction, PortSpec};
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
/// The statistics ports, in manifest order.
pub const STAT_PORTS: [&str; 6] = [
    "stat_cycles",
    "stat_accum_cycles",
    "stat_bucket_adds",
    "stat_hazards",
    "stat_stalls",
    "stat_adds",
];
/// Largest window width the generator takes (2^15 buckets per window).
pub const MAX_WINDOW: usize = 16;
/// Most point adders ([`MsmConfig::adders`]) one core takes.
pub const MAX_ADDERS: usize = 8;

fn one() -> usize {
    1
}

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
    /// Point adders K: the windows are divided into K lanes of [`MsmConfig::lane_windows`]
    /// consecutive windows, each lane a complete controller with its own adder, buckets and
    /// hazard tracking (see [`lanes`]).
    #[serde(default = "one")]
    pub adders: usize,
    /// Double-buffered buckets (two banks): the aggregation and window combination of one MSM
    /// run in the background, in the adder slots they need first, while the next MSM
    /// accumulates into the other bank. One-adder cores with on-chip aggregation only (see
    /// [`MsmConfig::overlapped`]); it doubles the bucket memory.
    #[serde(default = "yes")]
    pub overlap: bool,
    pub top: String,
}

fn yes() -> bool {
    true
}

impl MsmConfig {
    pub fn new(adder: PointAddConfig, scalar_bits: usize, window: usize) -> Self {
        MsmConfig {
            adder,
            scalar_bits,
            window,
            fifo_depth: 16,
            host_aggregation: false,
            adders: 1,
            overlap: true,
            top: "zk_msm".into(),
        }
    }

    /// Whether the core is built double-buffered: [`MsmConfig::overlap`] on a one-adder core
    /// that aggregates on chip (lanes and the host hand-out keep one bank).
    pub fn overlapped(&self) -> bool {
        self.overlap && self.adders == 1 && !self.host_aggregation
    }

    /// Bucket banks: 2 when [`MsmConfig::overlapped`], else 1.
    pub fn banks(&self) -> usize {
        1 + usize::from(self.overlapped())
    }

    /// Number of windows: signed digits need one bit more than the scalar. With K adders,
    /// K lanes of [`MsmConfig::lane_windows`] (the top lane's highest windows may be always 0).
    pub fn windows(&self) -> usize {
        self.lane_windows() * self.adders
    }

    /// Windows per lane (adder): the W the scalar needs, divided among the adders, rounded up.
    pub fn lane_windows(&self) -> usize {
        (self.scalar_bits + 1)
            .div_ceil(self.window)
            .div_ceil(self.adders.max(1))
    }

    /// The configuration of one lane of a multi-adder core: one adder, the lane's windows (its
    /// scalar port takes the scalar shifted down to the lane's lowest window, and the
    /// signed-digit carry into that window).
    pub fn lane_config(&self) -> MsmConfig {
        let mut lane = self.clone();
        lane.adders = 1;
        lane.overlap = false;
        lane.scalar_bits = self.lane_windows() * self.window - 1;
        lane.top = format!("{}_lane", self.top);
        lane
    }

    /// Buckets per window, 2^(c-1).
    pub fn buckets(&self) -> usize {
        1 << (self.window - 1)
    }

    pub fn validate(&self) -> Result<(), HdlError> {
        let bad = |m: String| Err(HdlError::Unsupported(m));
        self.adder.validate()?;
        if self.adder.mixed {
            return bad(
                "the MSM core takes the projective point adder: its aggregation and window \
                 combination add two projective points, which the mixed adder cannot"
                    .into(),
            );
        }
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
        if !(1..=MAX_ADDERS).contains(&self.adders) {
            return bad(format!(
                "--adders {} is outside 1..={MAX_ADDERS}",
                self.adders
            ));
        }
        if self.adders > 1 {
            if self.host_aggregation {
                return bad(
                    "host aggregation takes one adder: --adders above 1 aggregates on chip".into(),
                );
            }
            let w = (self.scalar_bits + 1).div_ceil(self.window);
            if self.lane_windows() < 2 || self.lane_windows() * (self.adders - 1) >= w {
                return bad(format!(
                    "{} windows cannot be split among {} adders (each needs at least 2 \
                     windows): take fewer adders or a smaller --window",
                    w, self.adders
                ));
            }
        }
        Ok(())
    }

    /// See [`cycle_estimate`] (one adder) and [`cycle_estimate_parts_adders`].
    pub fn cycle_estimate(&self, n: usize, adder_latency: usize) -> usize {
        let (a, b, c) = cycle_estimate_parts_adders(
            n,
            self.scalar_bits,
            self.window,
            adder_latency,
            self.adders,
        );
        a + b + c
    }
}

/// Cycles the adder needs for an MSM of `n` pairs at best, for reports and the choice of c:
/// one cycle per window per pair, then aggregation (2 W B additions, or the B serial steps of
/// one window, each the adder's latency plus the sequencer's stages, whichever is longer) and
/// the (W - 1)(c + 1) serial steps of the window combination.
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
        (2 * w * b).max(b * (adder_latency + 2 + sequencer::STEP_EXTRA)),
        (w - 1) * (c + 1) * (adder_latency + 1),
    )
}

/// [`cycle_estimate_parts`] for K adders (lanes of `ceil(W / K)` windows): each lane takes
/// one cycle per window per pair and aggregates its own windows; the combination is one
/// Horner chain through all lanes, each lane doubling the total of the lane above into its
/// windows.
pub fn cycle_estimate_parts_adders(
    n: usize,
    scalar_bits: usize,
    c: usize,
    adder_latency: usize,
    adders: usize,
) -> (usize, usize, usize) {
    if adders <= 1 {
        return cycle_estimate_parts(n, scalar_bits, c, adder_latency);
    }
    let w = (scalar_bits + 1).div_ceil(c);
    let lw = w.div_ceil(adders);
    let b = 1usize << (c - 1);
    (
        n * lw,
        (2 * lw * b).max(b * (adder_latency + 2 + sequencer::STEP_EXTRA)),
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

/// [`best_window`] for a core of `adders` point adders: the c between 4 and 12 with the
/// fewest estimated cycles among those whose windows split among the adders.
pub fn best_window_for(n: usize, scalar_bits: usize, adder_latency: usize, adders: usize) -> usize {
    if adders <= 1 {
        return best_window(n, scalar_bits, adder_latency);
    }
    (4..=12)
        .filter(|&c| {
            let w = (scalar_bits + 1).div_ceil(c);
            let lw = w.div_ceil(adders);
            lw >= 2 && lw * (adders - 1) < w
        })
        .min_by_key(|&c| {
            let (a, b, d) = cycle_estimate_parts_adders(n, scalar_bits, c, adder_latency, adders);
            (a + b + d, c)
        })
        .unwrap_or(4)
}

/// The sub-blocks of the controller, each a [`Core`] of its own (module `<top>_<block>`).
#[derive(Clone, Debug)]
pub struct MsmBlocks {
    pub recoder: RecoderConfig,
    pub fifo: FifoConfig,
    pub scheduler: SchedulerConfig,
    pub bucket_memory: BucketMemoryConfig,
    pub sequencer: SequencerConfig,
    pub stats: StatsConfig,
}

impl MsmBlocks {
    /// The sub-blocks of `cfg`, named after its top module.
    pub fn of(cfg: &MsmConfig) -> Self {
        Self::of_kind(cfg, false)
    }

    /// The sub-blocks of a core or (`lane`) of a lane of a multi-adder core.
    fn of_kind(cfg: &MsmConfig, lane: bool) -> Self {
        let top = &cfg.top;
        let k = cfg.adder.r_bits();
        let c = cfg.window;
        let nw = cfg.windows();
        // Bucket address {window, |d| - 1, bank}; the bank bit only when double-buffered.
        let ab = index_bits(nw) + c - 1 + cfg.banks() - 1;
        let nb = nw * cfg.buckets() * cfg.banks();
        MsmBlocks {
            recoder: RecoderConfig {
                window: c,
                windows: nw,
                top: format!("{top}_digit_recoder"),
            },
            fifo: FifoConfig {
                depth: cfg.fifo_depth,
                entry_bits: ab + 2 * k,
                top: format!("{top}_parking_fifo"),
            },
            scheduler: SchedulerConfig {
                buckets: nb,
                address_bits: ab,
                top: format!("{top}_bucket_scheduler"),
            },
            bucket_memory: BucketMemoryConfig {
                buckets: nb,
                address_bits: ab,
                value_bits: 3 * k,
                top: format!("{top}_bucket_memory"),
            },
            sequencer: SequencerConfig {
                window: c,
                windows: nw,
                top: format!("{top}_aggregation_sequencer"),
                chained: lane,
            },
            stats: StatsConfig {
                top: format!("{top}_statistics"),
            },
        }
    }

    /// The Verilog modules of every sub-block.
    pub fn emit(&self) -> Result<String, HdlError> {
        let mut v = String::new();
        for m in [
            self.recoder.emit()?,
            self.fifo.emit()?,
            self.scheduler.emit()?,
            self.bucket_memory.emit()?,
            self.sequencer.emit()?,
            self.stats.emit()?,
        ] {
            v.push('\n');
            v.push_str(&m);
        }
        Ok(v)
    }
}

/// The module text of a sub-block: the header and port declarations from `ports` (outputs
/// named in `regs` as `output reg`, the others as `output wire`), then `body`.
pub(crate) fn block_module(top: &str, ports: &[PortSpec], regs: &[&str], body: &str) -> String {
    let names: Vec<&str> = ports.iter().map(|p| p.name.as_str()).collect();
    let mut v = format!("module {top}(\n    {}\n);\n", names.join(",\n    "));
    for p in ports {
        let kind = match p.direction {
            Direction::Input => "input wire",
            Direction::Output if regs.contains(&p.name.as_str()) => "output reg",
            Direction::Output => "output wire",
        };
        let range = if p.width > 1 {
            format!("[{}:0] ", p.width - 1)
        } else {
            String::new()
        };
        v.push_str(&format!("    {kind} {range}{};\n", p.name));
    }
    v.push_str(body);
    v.push_str(&format!("endmodule // {top}\n"));
    v
}

/// The generated controller and its sizes.
pub struct MsmPlan {
    pub body: String,
    pub adder: PointAddPlan,
    pub windows: usize,
    pub buckets: usize,
    /// The sub-block modules the body instantiates.
    pub blocks: String,
}

/// Writes the controller around the point adder: the phase machine, the input stage, the aux
/// memory (running sums, window sums, total), the operand stage of the adder and the
/// writeback, wired to the sub-blocks.
pub fn plan(cfg: &MsmConfig) -> Result<MsmPlan, HdlError> {
    if cfg.adders > 1 {
        return plan_kind(&cfg.lane_config(), true);
    }
    plan_kind(cfg, false)
}

/// [`plan`] of a core, or (`lane`) of one lane of a multi-adder core: the lane also takes the
/// signed-digit carry into its lowest window with each pair (`in_carry`), and before its
/// window combination waits for the total of the lane above (`horner_*`), which its Horner
/// chain then doubles into its own windows.
fn plan_kind(cfg: &MsmConfig, lane: bool) -> Result<MsmPlan, HdlError> {
    cfg.validate()?;
    let adder = point_add::plan(&cfg.adder)?;
    let blocks = MsmBlocks::of_kind(cfg, lane);
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
    // Double-buffered: a bank bit below the bucket address, {window, |d| - 1, bank}, so that
    // the 2 nb addresses are dense whatever the number of windows (a bank bit on top would
    // leave a gap when W is not a power of two).
    let ov = cfg.overlapped();
    let fab = ab + usize::from(ov);
    let nbt = nb * cfg.banks();
    let na = 2 * nw + 1; // aux: R_w, S_w, T
    let axb = index_bits(na);
    let f = cfg.fifo_depth;
    let l = adder.latency;
    let tw = 1 + fab.max(axb);
    let kk = 3 * k;
    let top = &cfg.top;
    let pad = |n: &str| {
        if pw == k {
            n.to_string()
        } else {
            format!("{{{}'b0, {n}}}", pw - k)
        }
    };
    // Bits of the width-class ports above the k-bit residues: inputs below p leave them 0 and
    // the adder's outputs have them 0; Verilator ignores signals named *unused*.
    let unused_high = if pw == k {
        String::new()
    } else {
        let hi = |n: &str| format!("{n}[{}:{k}]", pw - 1);
        format!(
            "// The width-class bits above the {k}-bit residues are always 0 and not read.\n\
wire unused_high_bits = |{{{}}};\n",
            ["in_x", "in_y", "adder$x3", "adder$y3", "adder$z3"]
                .iter()
                .chain(if lane {
                    &["horner_x", "horner_y", "horner_z"][..]
                } else {
                    &[]
                })
                .map(|n| hi(n))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let oh = format!("{k}'h{one:x}");
    let t_idx = 2 * nw;
    let dwin = if wb == 16 {
        format!("dump_address[{}:{}]", ab - 1, c - 1)
    } else {
        format!("{{{}'d0, dump_address[{}:{}]}}", 16 - wb, ab - 1, c - 1)
    };
    let dbkt = format!("{{{}'d0, dump_address[{}:0]}} + 16'd1", 17 - c, c - 2);
    let result_load = format!(
        "result_x <= aux_occupied[{t_idx}] ? aux_value[{t_idx}][{k1}:0] : {k}'d0;\n\
                result_y <= aux_occupied[{t_idx}] ? aux_value[{t_idx}][{k2m1}:{k}] : {oh};\n\
                result_z <= aux_occupied[{t_idx}] ? aux_value[{t_idx}][{kk1}:{k2}] : {k}'d0;\n",
        k1 = k - 1,
        k2 = 2 * k,
        k2m1 = 2 * k - 1,
        kk1 = kk - 1,
    );
    let stat_outputs = if ov {
        "    stat_cycles = result_cycles;\n    stat_accum_cycles = result_accum;\n    \
         stat_bucket_adds = result_bucket;\n    stat_hazards = result_hazards;\n    \
         stat_stalls = result_stalls;\n    stat_adds = result_adds;\n    \
         state = background != S_IDLE ? background : phase;\n"
            .to_string()
    } else {
        "    stat_cycles = n_cycles;\n    stat_accum_cycles = n_accum;\n    \
         stat_bucket_adds = n_bucket;\n    stat_hazards = n_hazard;\n    stat_stalls = n_stall;\n    \
         stat_adds = n_adds;\n    state = phase;\n"
            .to_string()
    };
    let (after_accumulation, background_block) = if ov {
        (
            format!(
                "        S_DRAIN: begin\n\
            if (handover) begin\n\
                phase <= S_ACCUM;\n\
                got_last <= 1'b0;\n\
                started <= 1'b0;\n\
                aux_occupied <= {na}'d0;\n\
            end\n\
        end\n"
            ),
            format!(
                "// The background: aggregation, combination and the result of the MSM in bank bg_bank.\n\
// Its statistics are the drained MSM's, taken over at the hand-over and counted on.\n\
reg [{sb1}:0] result_cycles = 0, result_accum = 0, result_bucket = 0, result_hazards = 0, result_stalls = 0, result_adds = 0;\n\
always @(posedge clock) begin\n\
    if (reset) begin\n\
        background <= S_IDLE;\n\
        fg_bank <= 1'b0;\n\
        bg_bank <= 1'b0;\n\
    end else begin\n\
        case (background)\n\
        S_IDLE: if (handover) begin\n\
            background <= S_AGG;\n\
            bg_bank <= fg_bank;\n\
            fg_bank <= !fg_bank;\n\
        end\n\
        S_AGG: if (aggregation_done) background <= S_COMB;\n\
        S_COMB: if (combination_done && aux_adds_in_flight == 16'd0) begin\n\
                background <= S_OUT;\n\
                {result_load}\
        end\n\
        S_OUT: if (out_ready) background <= S_IDLE;\n\
        default: background <= S_IDLE;\n\
        endcase\n\
    end\n\
    if (handover) begin\n\
        result_cycles <= n_cycles + {sb}'d1;\n\
        result_accum <= n_accum;\n\
        result_bucket <= n_bucket;\n\
        result_hazards <= n_hazard;\n\
        result_stalls <= n_stall;\n\
        result_adds <= n_adds;\n\
    end else begin\n\
        if (aggregating || combining) result_cycles <= result_cycles + {sb}'d1;\n\
        if (background_issue) result_adds <= result_adds + {sb}'d1;\n\
    end\n\
end\n",
                sb = STAT_BITS,
                sb1 = STAT_BITS - 1,
            ),
        )
    } else {
        let wait_state = if lane {
            format!(
                "        S_WAIT: begin\n\
            // The total of the lane above: the start of this lane's Horner chain.\n\
            if (horner_take) begin\n\
                phase <= S_COMB;\n\
                aux_occupied[{t_idx}] <= !horner_inf;\n\
            end\n\
        end\n"
            )
        } else {
            String::new()
        };
        let next_msm = format!("                phase <= S_ACCUM;\n                got_last <= 1'b0;\n                started <= 1'b0;\n                aux_occupied <= {na}'d0;\n");
        (
            format!(
                "        S_DRAIN: begin\n\
            if (drain_done) begin\n\
                phase <= HOST ? S_DUMP : S_AGG;\n\
                dump_address <= {fab}'d0;\n\
                dump_have <= 1'b0;\n\
            end\n\
        end\n\
        S_AGG: begin\n\
            if (aggregation_done) phase <= {after_aggregation};\n\
        end\n\
{wait_state}\
        S_COMB: begin\n\
            if (combination_done && aux_adds_in_flight == 16'd0) begin\n\
                phase <= S_OUT;\n\
                {result_load}\
            end\n\
        end\n\
        S_OUT: begin\n\
            if (out_ready) begin\n\
{next_msm}            end\n\
        end\n\
        S_DUMP: begin\n\
            // Host aggregation: every bucket in address order, one per two cycles (read\n\
            // port B reads dump_address).\n\
            if (!dump_have) begin\n\
                dump_have <= 1'b1;\n\
            end else if (out_ready) begin\n\
                dump_have <= 1'b0;\n\
                dump_address <= dump_address + {fab}'d1;\n\
                if (dump_address == {fab}'d{nb1}) begin\n\
{next_msm}                end\n\
            end\n\
        end\n",
                after_aggregation = if lane { "S_WAIT" } else { "S_COMB" },
                nb1 = nb - 1,
            ),
            String::new(),
        )
    };
    let (negation_regs, negation_accept) = negation(p, k, cfg.adder.max_add_bits);
    let mut v = String::new();
    if lane {
        // Verilator compiles one lane's C++ for all K instances instead of K inlined copies.
        v.push_str("/*verilator no_inline_module*/\n");
    }
    v.push_str(&format!(
        "// MSM controller: c = {c}, {nw} windows x {m} buckets, parking FIFO {f}, adder latency {l}.\n\
localparam S_CLEAR = 3'd0, S_ACCUM = 3'd1, S_DRAIN = 3'd2, S_AGG = 3'd3, S_COMB = 3'd4, S_OUT = 3'd5, S_DUMP = 3'd6{s_wait};\n\
{host_param}\
reg [2:0] phase = S_CLEAR;\n\
{background_regs}wire clearing = !reset && phase == S_CLEAR;\n\
wire accumulating = !reset && phase == S_ACCUM;\n\
wire aggregating = !reset && {agg_phase} == S_AGG;\n\
wire combining = !reset && {agg_phase} == S_COMB;\n\
reg [{fab1}:0] clear_address = 0;\n\
// Aux memory {{Z, Y, X}}: the running sum R_w at w, the window sum S_w at {nw} + w, the total\n\
// T at {t_idx}; occupancy and in-adder bits.\n\
reg [{kk1}:0] aux_value [0:{na1}];\n\
reg [{na1}:0] aux_occupied = 0;\n\
reg [{na1}:0] aux_busy = 0;\n\
// Additions in the adder (issued, not yet written back), by destination.\n\
reg [15:0] bucket_adds_in_flight = 0;\n\
reg [15:0] aux_adds_in_flight = 0;\n\
wire background_issue;\n\
{unused_high}\
// Input: the next pair, and the point being scheduled (one window per cycle).\n\
reg next_valid = 0;\n\
reg [{k1}:0] next_x = 0, next_y = 0;\n\
{negation_regs}
reg [{s1}:0] next_scalar = 0;\n\
reg next_carry = 0;\n\
reg point_valid = 0;\n\
reg [{k1}:0] point_x = 0, point_y = 0, point_y_negated = 0;\n\
reg got_last = 0;\n\
reg started = 0;\n\
always @(*) in_ready = (phase == S_ACCUM) && !next_valid && !got_last;\n\
wire accept = in_valid && in_ready;\n\
wire contributes = !in_inf && (in_scalar != {sp}'d0{or_carry});\n\
// Signed digits of the point's scalar, one window per cycle.\n\
wire [{ab1}:0] point_bucket;\n\
wire digit_negative, digit_zero, last_window;\n\
// The next window's digit (lookahead): issued instead of a current digit that is parked.\n\
wire [{ab1}:0] ahead_bucket;\n\
wire ahead_negative, ahead_zero, ahead_valid, ahead_last;\n\
wire issue_parked, issue_new, issue_ahead, park, advance, stall;\n\
// The point's last window is done (with the lookahead: the window before it and the last).\n\
wire point_done = advance && (last_window || (issue_ahead && ahead_last));\n\
wire point_load = accumulating && (!point_valid || point_done) && next_valid;\n\
{top}_digit_recoder digit_recoder (\n\
    .clock(clock), .load(point_load), .load_scalar(next_scalar), .load_carry(next_carry),\n\
    .step(advance), .step_two(issue_ahead),\n\
    .bucket_address(point_bucket), .digit_negative(digit_negative), .digit_zero(digit_zero),\n\
    .last_window(last_window), .ahead_address(ahead_bucket), .ahead_negative(ahead_negative),\n\
    .ahead_zero(ahead_zero), .ahead_valid(ahead_valid), .ahead_last(ahead_last));\n\
wire [{fab1}:0] point_bucket_full = {point_bucket_full};\n\
wire [{fab1}:0] ahead_bucket_full = {ahead_bucket_full};\n\
wire [{k1}:0] point_y_signed = digit_negative ? point_y_negated : point_y;\n\
wire [{k1}:0] ahead_y_signed = ahead_negative ? point_y_negated : point_y;\n\
// Parking FIFO of {{bucket, x, y}}.\n\
wire [{fe1}:0] parked_entry;\n\
wire fifo_empty, fifo_full;\n\
wire [{fab1}:0] parked_bucket = parked_entry[{fe1}:{k2}];\n\
{top}_parking_fifo parking_fifo (\n\
    .clock(clock), .reset(reset), .push(park), .push_entry({{point_bucket_full, point_y_signed, point_x}}),\n\
    .pop(issue_parked), .head_entry(parked_entry), .empty(fifo_empty), .full(fifo_full));\n\
// Writeback of a finished addition (the destination tag travels beside the adder).\n\
reg [{tagsw1}:0] dest_tag_pipe = 0;\n\
wire [{tw1}:0] writeback_tag = dest_tag_pipe[{tagsw1}:{tagslo}];\n\
wire writeback = adder$out_valid;\n\
wire writeback_to_aux = writeback_tag[{tw1}];\n\
wire writeback_to_bucket = !reset && writeback && !writeback_to_aux;\n\
wire [{axb1}:0] writeback_aux_index = writeback_tag[{axb1}:0];\n\
wire [{fab1}:0] writeback_bucket = writeback_tag[{fab1}:0];\n\
wire [{kk1}:0] writeback_value = {{adder$z3[{k1}:0], adder$y3[{k1}:0], adder$x3[{k1}:0]}};\n\
// Accumulation: which addition the adder's slot takes.\n\
{top}_bucket_scheduler bucket_scheduler (\n\
    .clock(clock), .accumulating(accumulating), .hold(background_issue), .point_valid(point_valid),\n\
    .digit_zero(digit_zero), .point_bucket(point_bucket_full), .ahead_valid(ahead_valid),\n\
    .ahead_zero(ahead_zero), .ahead_bucket(ahead_bucket_full), .parked_waiting(!fifo_empty), .parked_bucket(parked_bucket),\n\
    .fifo_full(fifo_full), .done_enable(writeback_to_bucket), .done_bucket(writeback_bucket),\n\
    .clear_enable(clearing), .clear_address(clear_address), .issue_parked(issue_parked),\n\
    .issue_new(issue_new), .issue_ahead(issue_ahead), .park(park), .advance(advance), .stall(stall));\n\
// Aggregation and window combination.\n\
reg operands_valid = 0;\n\
wire drain_done = !reset && phase == S_DRAIN && bucket_adds_in_flight == 16'd0;\n\
{handover_wire}
wire aggregation_step, aggregation_to_window_sum, aggregation_pending;\n\
wire [{wb1}:0] aggregation_window, combination_window;\n\
wire [{ab1}:0] aggregation_bucket, aggregation_probe;\n\
wire combination_step, combination_doubling, combination_done;\n\
wire aggregation_done = aggregating && !aggregation_pending && aux_adds_in_flight == 16'd0;\n\
{horner_wires}
{top}_aggregation_sequencer aggregation_sequencer (\n\
    .clock(clock), .start_aggregation({begin_aggregation}), .aggregating(aggregating),\n\
    .running_sum_busy(aux_busy[{nw1}:0]), .window_sum_busy(aux_busy[{nw2m1}:{nw}]),\n\
    .start_combination({start_combination}), .combining(combining), .total_busy(aux_busy[{t_idx}]),\n\
    .aggregation_step(aggregation_step), .aggregation_window(aggregation_window),\n\
    .aggregation_to_window_sum(aggregation_to_window_sum), .aggregation_bucket(aggregation_bucket),\n\
    .aggregation_probe(aggregation_probe),\n\
    .aggregation_pending(aggregation_pending), .combination_step(combination_step),\n\
    .combination_doubling(combination_doubling), .combination_window(combination_window),\n\
    .combination_done(combination_done));\n\
// Bucket memory: written back by the adder; emptied by the clearing walk, by aggregation\n\
// (a bucket read, issued or skipped) and by the hand-out to the host.\n\
reg [{fab1}:0] dump_address = 0;\n\
reg dump_have = 0;\n\
wire dump_taken = !reset && phase == S_DUMP && dump_have && out_ready;\n\
wire bucket_empty = clearing || (aggregation_step && !aggregation_to_window_sum) || dump_taken;\n\
wire [{fab1}:0] aggregation_bucket_full = {aggregation_bucket_full};\n\
wire [{fab1}:0] aggregation_probe_full = {aggregation_probe_full};\n\
wire [{fab1}:0] bucket_empty_address = clearing ? clear_address : aggregating ? aggregation_bucket_full : dump_address;\n\
wire aggregation_bucket_occupied;\n\
wire [{fab1}:0] read_a_bucket, read_b_bucket;\n\
wire [{kk1}:0] bucket_a_value, bucket_b_value;\n\
wire bucket_a_occupied, bucket_b_occupied;\n\
{top}_bucket_memory bucket_memory (\n\
    .clock(clock), .write_enable(writeback_to_bucket), .write_address(writeback_bucket),\n\
    .write_value(writeback_value), .empty_enable(bucket_empty), .empty_address(bucket_empty_address),\n\
    .probe_address(aggregation_probe_full), .probe_occupied(aggregation_bucket_occupied),\n\
    .read_a_address(read_a_bucket), .read_a_value(bucket_a_value), .read_a_occupied(bucket_a_occupied),\n\
    .read_b_address(read_b_bucket), .read_b_value(bucket_b_value), .read_b_occupied(bucket_b_occupied));\n\
wire aggregation_issue = aggregation_step && (aggregation_to_window_sum ? aux_occupied[{agg_w}] : aggregation_bucket_occupied);\n\
wire combination_issue = combination_step && (combination_doubling ? aux_occupied[{t_idx}] : aux_occupied[{comb_s}]);\n\
// The addition issued this cycle: operand sources (A: bucket or aux; B: the point, a bucket\n\
// or aux) and destination. In the host hand-out, read port B reads the bucket handed out.\n\
reg issue, issue_a_aux, issue_b_aux, issue_b_point, issue_dest_aux;\n\
reg [{fab1}:0] issue_a_bucket, issue_dest_bucket;\n\
reg [{axb1}:0] issue_a_aux_index, issue_b_aux_index, issue_dest_aux_index;\n\
reg [{k1}:0] issue_point_x, issue_point_y;\n\
// The aggregation and combination go first (in a double-buffered core they are the previous\n\
// MSM's, latency-bound chains; the scheduler is held in their cycles), then the\n\
// accumulation: a parked point, then the current one.\n\
assign background_issue = aggregation_issue || combination_issue;\n\
always @(*) begin\n\
    issue = 1'b0; issue_a_aux = 1'b0; issue_b_aux = 1'b0; issue_b_point = 1'b0; issue_dest_aux = 1'b0;\n\
    issue_a_bucket = {fab}'d0; issue_dest_bucket = {fab}'d0;\n\
    issue_a_aux_index = {axb}'d0; issue_b_aux_index = {axb}'d0; issue_dest_aux_index = {axb}'d0;\n\
    issue_point_x = parked_entry[{k1}:0]; issue_point_y = parked_entry[{k2m1}:{k}];\n\
    if (aggregation_issue) begin\n\
        issue = 1'b1; issue_a_aux = 1'b1; issue_dest_aux = 1'b1;\n\
        if (!aggregation_to_window_sum) begin\n\
            issue_a_aux_index = {agg_w}; issue_dest_aux_index = {agg_w};\n\
        end else begin\n\
            issue_a_aux_index = {agg_s}; issue_b_aux = 1'b1; issue_b_aux_index = {agg_w}; issue_dest_aux_index = {agg_s};\n\
        end\n\
    end else if (combination_issue) begin\n\
        issue = 1'b1; issue_a_aux = 1'b1; issue_b_aux = 1'b1; issue_dest_aux = 1'b1;\n\
        issue_a_aux_index = {axb}'d{t_idx}; issue_dest_aux_index = {axb}'d{t_idx};\n\
        issue_b_aux_index = combination_doubling ? {axb}'d{t_idx} : {comb_s};\n\
    end else if (issue_parked) begin\n\
        issue = 1'b1; issue_b_point = 1'b1; issue_a_bucket = parked_bucket; issue_dest_bucket = parked_bucket;\n\
    end else if (issue_new) begin\n\
        issue = 1'b1; issue_b_point = 1'b1; issue_a_bucket = point_bucket_full; issue_dest_bucket = point_bucket_full;\n\
        issue_point_x = point_x; issue_point_y = point_y_signed;\n\
    end else if (issue_ahead) begin\n\
        issue = 1'b1; issue_b_point = 1'b1; issue_a_bucket = ahead_bucket_full; issue_dest_bucket = ahead_bucket_full;\n\
        issue_point_x = point_x; issue_point_y = ahead_y_signed;\n\
    end\n\
end\n\
assign read_a_bucket = issue_a_bucket;\n\
// Port B serves only the aggregation's bucket operand and the host hand-out, so its address\n\
// follows the phase, not the issue decision (a read nobody uses is harmless).\n\
assign read_b_bucket = aggregating ? aggregation_bucket_full : dump_address;\n\
// Operand stage (s1): the memories' registered reads, the point and the destination tag.\n\
reg operand_a_aux_s1 = 0, operand_b_aux_s1 = 0, operand_b_point_s1 = 0;\n\
reg aux_a_occupied_s1 = 0, aux_b_occupied_s1 = 0;\n\
reg [{kk1}:0] aux_a_value_s1 = 0, aux_b_value_s1 = 0;\n\
reg [{k1}:0] point_x_s1 = 0, point_y_s1 = 0;\n\
reg [{tw1}:0] dest_tag_s1 = 0;\n\
always @(posedge clock) begin\n\
    operands_valid <= issue;\n\
    operand_a_aux_s1 <= issue_a_aux;\n\
    operand_b_aux_s1 <= issue_b_aux;\n\
    operand_b_point_s1 <= issue_b_point;\n\
    point_x_s1 <= issue_point_x;\n\
    point_y_s1 <= issue_point_y;\n\
    dest_tag_s1 <= issue_dest_aux ? {{1'b1, {dpad_a}issue_dest_aux_index}} : {{1'b0, {dpad_b}issue_dest_bucket}};\n\
    aux_a_value_s1 <= aux_value[issue_a_aux_index];\n\
    // The aux flags of the candidate operands, chosen by the issue (not read at its index).\n\
    aux_a_occupied_s1 <= aggregation_issue ? (aggregation_to_window_sum ? aux_occupied[{agg_s}] : aux_occupied[{agg_w}]) : aux_occupied[{t_idx}];\n\
    aux_b_value_s1 <= aux_value[issue_b_aux_index];\n\
    aux_b_occupied_s1 <= aggregation_issue ? aux_occupied[{agg_w}] : combination_doubling ? aux_occupied[{t_idx}] : aux_occupied[{comb_s}];\n\
end\n\
wire [{kk1}:0] operand_a_s1 = operand_a_aux_s1 ? aux_a_value_s1 : bucket_a_value;\n\
wire operand_a_occupied_s1 = operand_a_aux_s1 ? aux_a_occupied_s1 : bucket_a_occupied;\n\
wire [{kk1}:0] operand_b_s1 = operand_b_aux_s1 ? aux_b_value_s1 : bucket_b_value;\n\
wire operand_b_occupied_s1 = operand_b_aux_s1 ? aux_b_occupied_s1 : bucket_b_occupied;\n\
// The adder; an empty operand is the identity (0 : 1 : 0).\n\
always @(*) begin\n\
    adder$clock = clock;\n\
    adder$reset = reset;\n\
    adder$in_valid = operands_valid;\n\
    adder$x1 = {x1};\n\
    adder$y1 = {y1};\n\
    adder$z1 = {z1};\n\
    adder$x2 = {x2};\n\
    adder$y2 = {y2};\n\
    adder$z2 = {z2};\n\
end\n\
always @(posedge clock) dest_tag_pipe <= {tags_next};\n\
// Statistics.\n\
wire count_cycle = !reset && (started || accept) && phase != S_OUT;\n\
wire count_accumulation_cycle = accumulating && (started || accept);\n\
wire stats_clear = (clearing && clear_address == {fab}'d{nbt1}) || {stats_clear_msm}\n\
    || (dump_taken && dump_address == {fab}'d{nb1});\n\
wire [{sb1}:0] n_cycles, n_accum, n_bucket, n_hazard, n_stall, n_adds;\n\
{top}_statistics statistics (\n\
    .clock(clock), .clear(stats_clear), .count_cycle(count_cycle),\n\
    .count_accumulation_cycle(count_accumulation_cycle), .count_bucket_add(issue_parked || issue_new || issue_ahead),\n\
    .count_hazard(park), .count_stall(stall), .count_add({count_add}),\n\
    .cycles(n_cycles), .accumulation_cycles(n_accum), .bucket_adds(n_bucket), .hazards(n_hazard),\n\
    .stalls(n_stall), .adds(n_adds));\n\
{aux_write}\
// Result.\n\
reg [{k1}:0] result_x = 0, result_y = 0, result_z = 0;\n\
always @(posedge clock) begin\n\
    if (reset) begin\n\
        phase <= S_CLEAR;\n\
        clear_address <= {fab}'d0;\n\
        next_valid <= 1'b0;\n\
        point_valid <= 1'b0;\n\
        got_last <= 1'b0;\n\
        started <= 1'b0;\n\
        bucket_adds_in_flight <= 16'd0;\n\
        aux_adds_in_flight <= 16'd0;\n\
        aux_occupied <= {na}'d0;\n\
        aux_busy <= {na}'d0;\n\
    end else begin\n\
        // Writeback of a finished addition, then the issue of a new one (never the same\n\
        // address: a busy destination is never issued).\n\
        if (writeback && writeback_to_aux) begin\n\
            aux_occupied[writeback_aux_index] <= 1'b1;\n\
            aux_busy[writeback_aux_index] <= 1'b0;\n\
        end\n\
        if (issue && issue_dest_aux) aux_busy[issue_dest_aux_index] <= 1'b1;\n\
        // In-flight counts: +1, -1 or kept, chosen by the events (no carry chain behind them).\n\
        case ({{issue && !issue_dest_aux, writeback_to_bucket}})\n\
        2'b10: bucket_adds_in_flight <= bucket_adds_in_flight + 16'd1;\n\
        2'b01: bucket_adds_in_flight <= bucket_adds_in_flight - 16'd1;\n\
        default: ;\n\
        endcase\n\
        case ({{issue && issue_dest_aux, writeback && writeback_to_aux}})\n\
        2'b10: aux_adds_in_flight <= aux_adds_in_flight + 16'd1;\n\
        2'b01: aux_adds_in_flight <= aux_adds_in_flight - 16'd1;\n\
        default: ;\n\
        endcase\n\
        case (phase)\n\
        S_CLEAR: begin\n\
            clear_address <= clear_address + {fab}'d1;\n\
            if (clear_address == {fab}'d{nbt1}) phase <= S_ACCUM;\n\
        end\n\
        S_ACCUM: begin\n\
            if (accept) begin\n\
                started <= 1'b1;\n\
                if (in_last) got_last <= 1'b1;\n\
                if (contributes) begin\n\
                    next_valid <= 1'b1;\n\
                    next_x <= in_x[{k1}:0];\n\
                    next_y <= in_y[{k1}:0];\n\
{negation_accept}
                    next_scalar <= in_scalar;\n\
{carry_load}
                end\n\
            end\n\
            if (point_done) point_valid <= 1'b0;\n\
            if (point_load) begin\n\
                point_valid <= 1'b1;\n\
                point_x <= next_x; point_y <= next_y; point_y_negated <= next_y_negated;\n\
                next_valid <= 1'b0;\n\
            end\n\
            if (got_last && !next_valid && !point_valid && fifo_empty) phase <= S_DRAIN;\n\
        end\n\
{after_accumulation}        default: phase <= S_CLEAR;\n\
        endcase\n\
    end\n\
end\n\
{background_block}always @(*) begin\n\
    out_valid = ({out_phase} == S_OUT) || (phase == S_DUMP && dump_have);\n\
    out_last = ({out_phase} == S_OUT) || (phase == S_DUMP && dump_address == {fab}'d{nb1});\n\
    out_window = phase == S_DUMP ? {dwin} : 16'd0;\n\
    out_bucket = phase == S_DUMP ? {dbkt} : 16'd0;\n\
    if (phase == S_DUMP) begin\n\
        out_x = {dx};\n\
        out_y = {dy};\n\
        out_z = {dz};\n\
    end else begin\n\
        out_x = {ox};\n\
        out_y = {oy};\n\
        out_z = {oz};\n\
    end\n\
{stat_outputs}end\n",
        ab1 = ab - 1,
        kk1 = kk - 1,
        na1 = na - 1,
        nb1 = nb - 1,
        k1 = k - 1,
        k2 = 2 * k,
        k2m1 = 2 * k - 1,
        s1 = SCALAR_PORT - 1,
        sp = SCALAR_PORT,
        wb1 = wb - 1,
        nw1 = nw - 1,
        nw2m1 = 2 * nw - 1,
        fe1 = fab + 2 * k - 1,
        axb1 = axb - 1,
        tw1 = tw - 1,
        tagsw1 = tw * l - 1,
        tagslo = tw * (l - 1),
        tags_next = if l == 1 { "dest_tag_s1".to_string() } else { format!("{{dest_tag_pipe[{}:0], dest_tag_s1}}", tw * (l - 1) - 1) },
        sb1 = STAT_BITS - 1,
        agg_w = widen("aggregation_window", wb, axb),
        agg_s = format!("{axb}'d{nw} + {}", widen("aggregation_window", wb, axb)),
        comb_s = format!("{axb}'d{nw} + {}", widen("combination_window", wb, axb)),
        dpad_a = if tw - 1 > axb { format!("{}'b0, ", tw - 1 - axb) } else { String::new() },
        dpad_b = if tw - 1 > fab { format!("{}'b0, ", tw - 1 - fab) } else { String::new() },
        x1 = pad(&format!("operand_a_occupied_s1 ? operand_a_s1[{}:0] : {k}'d0", k - 1)),
        y1 = pad(&format!("operand_a_occupied_s1 ? operand_a_s1[{}:{k}] : {oh}", 2 * k - 1)),
        z1 = pad(&format!("operand_a_occupied_s1 ? operand_a_s1[{}:{}] : {k}'d0", kk - 1, 2 * k)),
        x2 = pad(&format!("operand_b_point_s1 ? point_x_s1 : operand_b_occupied_s1 ? operand_b_s1[{}:0] : {k}'d0", k - 1)),
        y2 = pad(&format!("operand_b_point_s1 ? point_y_s1 : operand_b_occupied_s1 ? operand_b_s1[{}:{k}] : {oh}", 2 * k - 1)),
        z2 = pad(&format!("operand_b_point_s1 ? {oh} : operand_b_occupied_s1 ? operand_b_s1[{}:{}] : {k}'d0", kk - 1, 2 * k)),
        host_param = if ov {
            String::new()
        } else {
            format!("localparam HOST = 1'b{};\n", u8::from(cfg.host_aggregation))
        },
        s_wait = if lane { ", S_WAIT = 3'd7" } else if ov { ", S_IDLE = 3'd7" } else { "" },
        // One write port, so that the aux memory maps to LUT RAM (two write ports left it in
        // flip-flops with a 31:1 multiplexer per read bit: 40k LUTs per lane). A lane takes
        // the total of the lane above only in S_WAIT, which aggregation_done enters with no
        // aux addition in flight, so the two writes never meet.
        aux_write = if lane {
            format!(
                "// The aux memory's one write port: a finished aux addition, or the total of\n\
// the lane above (only in S_WAIT, with no aux addition in flight).\n\
wire aux_we = !reset && ((writeback && writeback_to_aux) || horner_take);\n\
wire [{axb1}:0] aux_wa = horner_take ? {axb}'d{t_idx} : writeback_aux_index;\n\
wire [{kk1}:0] aux_wd = horner_take ? {{horner_z[{k1}:0], horner_y[{k1}:0], horner_x[{k1}:0]}} : writeback_value;\n\
always @(posedge clock) if (aux_we) aux_value[aux_wa] <= aux_wd;\n",
                k1 = k - 1,
                kk1 = kk - 1,
                axb1 = axb - 1
            )
        } else {
            "// The aux memory's one write port: a finished aux addition.\n\
always @(posedge clock) if (!reset && writeback && writeback_to_aux) aux_value[writeback_aux_index] <= writeback_value;\n"
                .to_string()
        },
        horner_wires = if lane {
            "wire horner_take = !reset && phase == S_WAIT && horner_valid;\n\
always @(*) horner_ready = !reset && phase == S_WAIT;\n"
        } else {
            ""
        },
        or_carry = if lane { " || in_carry" } else { "" },
        carry_load = if lane { "                    next_carry <= in_carry;\n" } else { "" },
        start_combination = if lane { "horner_take" } else { "aggregation_done" },
        fab = fab,
        fab1 = fab - 1,
        nbt1 = nbt - 1,
        agg_phase = if ov { "background" } else { "phase" },
        out_phase = if ov { "background" } else { "phase" },
        background_regs = if ov {
            "// Double-buffered buckets: accumulation writes bank fg_bank while the background\n\
// (aggregation, combination, result) works on bank bg_bank of the previous MSM.\n\
reg [2:0] background = S_IDLE;\n\
reg fg_bank = 1'b0;\n\
reg bg_bank = 1'b0;\n"
        } else {
            ""
        },
        point_bucket_full = if ov { "{point_bucket, fg_bank}" } else { "point_bucket" },
        ahead_bucket_full = if ov { "{ahead_bucket, fg_bank}" } else { "ahead_bucket" },
        aggregation_bucket_full = if ov { "{aggregation_bucket, bg_bank}" } else { "aggregation_bucket" },
        aggregation_probe_full = if ov { "{aggregation_probe, bg_bank}" } else { "aggregation_probe" },
        handover_wire = if ov {
            "// The drained MSM's bank goes to the background once it is idle (the previous result\n\
// taken); the accumulation then takes the next MSM into the other bank.\n\
wire handover = drain_done && background == S_IDLE;\n"
        } else {
            ""
        },
        begin_aggregation = if ov { "handover" } else { "drain_done" },
        stats_clear_msm = if ov { "handover" } else { "(!reset && phase == S_OUT && out_ready)" },
        count_add = if ov { "issue_parked || issue_new || issue_ahead" } else { "issue" },
        after_accumulation = after_accumulation,
        negation_regs = negation_regs,
        negation_accept = negation_accept,
        background_block = background_block,
        stat_outputs = stat_outputs,
        dx = pad(&format!("bucket_b_occupied ? bucket_b_value[{}:0] : {k}'d0", k - 1)),
        dy = pad(&format!("bucket_b_occupied ? bucket_b_value[{}:{k}] : {oh}", 2 * k - 1)),
        dz = pad(&format!("bucket_b_occupied ? bucket_b_value[{}:{}] : {k}'d0", kk - 1, 2 * k)),
        ox = pad("result_x"),
        oy = pad("result_y"),
        oz = pad("result_z"),
    ));
    if lane {
        v.push_str("initial horner_ready = 1'b0;\n");
    }
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
        blocks: blocks.emit()?,
    })
}

/// `-y = p - y` of the input point (0 for y = 0) in two steps, so that no carry chain is longer
/// than `max_add_bits` (0: one chunk): when a pair is taken, each chunk of at most that many
/// bits is subtracted with no borrow in (its borrow out and whether it is zero registered);
/// `next_y_negated` then resolves the borrows across the chunks (a few gates per chunk) and
/// subtracts each chunk's borrow in. Returns the declarations and the accept-time assignments.
fn negation(p: &BigUint, k: usize, max_add_bits: usize) -> (String, String) {
    let b = if max_add_bits == 0 {
        k
    } else {
        max_add_bits.min(k)
    };
    let chunks: Vec<(usize, usize)> = (0..k).step_by(b).map(|lo| (lo, (lo + b).min(k))).collect();
    let n = chunks.len();
    let mut regs = format!(
        "// -y = p - y in {n} chunk(s) of at most {b} bits: chunk differences and borrows registered\n\
// when a pair is taken, the borrows resolved across the chunks when the point loads.\n\
reg [{k1}:0] next_negation_chunks = 0;\n\
reg [{n1}:0] next_negation_borrow = 0, next_negation_even = 0;\n\
reg next_y_zero = 1'b0;\n\
wire negation_borrow_in_0 = 1'b0;\n",
        k1 = k - 1,
        n1 = n - 1,
    );
    let mut accept = format!(
        "                    next_y_zero <= in_y[{}:0] == {k}'d0;\n",
        k - 1
    );
    let mut parts = vec![];
    for (i, &(lo, hi)) in chunks.iter().enumerate() {
        let w = hi - lo;
        let pc = (p >> lo) % (BigUint::from(1u32) << w);
        let y = format!("in_y[{}:{lo}]", hi - 1);
        accept.push_str(&format!(
            "                    {{next_negation_borrow[{i}], next_negation_chunks[{h1}:{lo}]}} <= {{1'b0, {w}'h{pc:x}}} - {{1'b0, {y}}};\n\
                    next_negation_even[{i}] <= {y} == {w}'h{pc:x};\n",
            h1 = hi - 1,
        ));
        regs.push_str(&format!(
            "wire negation_borrow_in_{j} = next_negation_borrow[{i}] || (next_negation_even[{i}] && negation_borrow_in_{i});\n",
            j = i + 1
        ));
        parts.push(format!(
            "next_negation_chunks[{h1}:{lo}] - {{{w1}'d0, negation_borrow_in_{i}}}",
            h1 = hi - 1,
            w1 = w - 1
        ));
    }
    parts.reverse();
    regs.push_str(&format!(
        "wire unused_negation_borrow_out = negation_borrow_in_{n};\n\
wire [{k1}:0] next_y_negated = next_y_zero ? {k}'d0 : {{{}}};\n",
        parts.join(", "),
        k1 = k - 1
    ));
    (regs, accept)
}

/// `name` (`from` bits) zero-extended to `to` bits.
fn widen(name: &str, from: usize, to: usize) -> String {
    if to > from {
        format!("{{{}'d0, {name}}}", to - from)
    } else {
        name.to_string()
    }
}

/// The rust-hdl block of the core (`Msm`) and of a lane of a multi-adder core (`MsmLane`,
/// with the lane's extra ports): ports, the point adder as a child block, the controller as
/// its body.
macro_rules! msm_block {
    ($name:ident { $($extra_in:ident: $ein:ty,)* } { $($extra_out:ident: $eout:ty,)* }) => {
        #[derive(LogicBlock)]
        pub struct $name<const W: usize, const TA: usize, const TB: usize, const TP: usize> {
            pub clock: Signal<In, Clock>,
            pub reset: Signal<In, Bit>,
            pub in_valid: Signal<In, Bit>,
            pub in_ready: Signal<Out, Bit>,
            pub in_x: Signal<In, Bits<W>>,
            pub in_y: Signal<In, Bits<W>>,
            pub in_inf: Signal<In, Bit>,
            pub in_scalar: Signal<In, Bits<SCALAR_PORT>>,
            pub in_last: Signal<In, Bit>,
            $(pub $extra_in: Signal<In, $ein>,)*
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
            $(pub $extra_out: Signal<Out, $eout>,)*
            adder: PointAdd<W, TA, TB, TP>,
            body: Body,
        }

        impl<const W: usize, const TA: usize, const TB: usize, const TP: usize>
            $name<W, TA, TB, TP>
        {
            fn new(plan: &MsmPlan) -> Self {
                $name {
                    clock: Default::default(),
                    reset: Default::default(),
                    in_valid: Default::default(),
                    in_ready: Default::default(),
                    in_x: Default::default(),
                    in_y: Default::default(),
                    in_inf: Default::default(),
                    in_scalar: Default::default(),
                    in_last: Default::default(),
                    $($extra_in: Default::default(),)*
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
                    $($extra_out: Default::default(),)*
                    adder: PointAdd::new(&plan.adder),
                    body: Body(plan.body.clone()),
                }
            }
        }

        impl<const W: usize, const TA: usize, const TB: usize, const TP: usize> Logic
            for $name<W, TA, TB, TP>
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
                $(self.$extra_out.connect();)*
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
    };
}

msm_block!(Msm {} {});
msm_block!(MsmLane {
    in_carry: Bit,
    horner_valid: Bit,
    horner_inf: Bit,
    horner_x: Bits<W>,
    horner_y: Bits<W>,
    horner_z: Bits<W>,
} {
    horner_ready: Bit,
});

/// The top module of a multi-adder core: `cfg.adders` lanes (module `<top>_lane`), lane j
/// owning windows `[j L, (j + 1) L)`, `L` = [`MsmConfig::lane_windows`].
///
/// - Input: a pair goes to every lane on the same edge (`in_ready` is the AND of the lanes'),
///   each lane getting the scalar shifted down to its lowest window and the signed-digit carry
///   into that window: 1 exactly when the scalar's low `c j L` bits exceed
///   `H = 2^(c-1) (2^(c j L) - 1) / (2^c - 1)`, the largest value that digits in
///   `(-2^(c-1), 2^(c-1)]` below the window can make. So every lane issues exactly the digits
///   a one-adder core would for its windows.
/// - Combination: the top lane starts its Horner chain from the identity; each lower lane
///   takes the total of the lane above (its `out_*`, handed over with `horner_valid` /
///   `horner_ready`) and doubles it into its own windows; lane 0's total is the result.
/// - Statistics: cycles from lane 0 (the last to finish), accumulation cycles the largest of
///   the lanes', additions, hazards and stalls summed over the lanes.
pub fn lanes(cfg: &MsmConfig, w: usize) -> String {
    let n = cfg.adders;
    let c = cfg.window;
    let lw = cfg.lane_windows();
    let lane_top = cfg.lane_config().top;
    let sb = STAT_BITS;
    let mut v = format!(
        "// {n} lanes of {lw} windows (c = {c}), one point adder each.\n\
wire [{n1}:0] lane_in_ready;\n\
wire all_ready = &lane_in_ready;\n\
assign in_ready = all_ready;\n",
        n1 = n - 1
    );
    let stats = STAT_PORTS;
    let mut unused = vec![format!("lane{}_horner_ready", n - 1)];
    for j in 0..n {
        v.push_str(&format!(
            "wire lane{j}_out_valid, lane{j}_out_last, lane{j}_horner_ready;\n\
wire [{w1}:0] lane{j}_out_x, lane{j}_out_y, lane{j}_out_z;\n\
wire [15:0] lane{j}_out_window, lane{j}_out_bucket;\n\
wire [2:0] lane{j}_state;\n\
wire [{sb1}:0] {stat_wires};\n",
            w1 = w - 1,
            sb1 = sb - 1,
            stat_wires = stats.map(|s| format!("lane{j}_{s}")).join(", "),
        ));
        if j > 0 {
            unused.extend(
                [
                    "out_last",
                    "out_window",
                    "out_bucket",
                    "state",
                    "stat_cycles",
                ]
                .map(|s| format!("lane{j}_{s}")),
            );
        }
    }
    for j in 0..n {
        let shift = c * lw * j;
        let (scalar, carry) = if j == 0 {
            ("in_scalar".to_string(), "1'b0".to_string())
        } else {
            let one = BigUint::from(1u32);
            let h = (((&one << shift) - &one) / ((&one << c) - &one)) << (c - 1);
            v.push_str(&format!(
                "wire lane{j}_carry = {};\n",
                greater_than("in_scalar", shift, &h, cfg.adder.max_add_bits)
            ));
            (
                format!("{{{shift}'d0, in_scalar[{}:{shift}]}}", SCALAR_PORT - 1),
                format!("lane{j}_carry"),
            )
        };
        let top_lane = j + 1 == n;
        let above = |s: &str| {
            if top_lane {
                format!("{w}'d0")
            } else {
                format!("lane{}_{s}", j + 1)
            }
        };
        v.push_str(&format!(
            "// Lane {j}: windows {lo} to {hi}.\n\
{lane_top} lane{j} (\n\
    .clock(clock), .reset(reset), .in_valid(in_valid && all_ready), .in_ready(lane_in_ready[{j}]),\n\
    .in_x(in_x), .in_y(in_y), .in_inf(in_inf), .in_scalar({scalar}), .in_last(in_last),\n\
    .in_carry({carry}),\n\
    .horner_valid({hv}), .horner_inf({hi_inf}), .horner_x({hx}), .horner_y({hy}), .horner_z({hz}),\n\
    .horner_ready(lane{j}_horner_ready),\n\
    .out_valid(lane{j}_out_valid), .out_ready({ready}), .out_x(lane{j}_out_x), .out_y(lane{j}_out_y),\n\
    .out_z(lane{j}_out_z), .out_last(lane{j}_out_last), .out_window(lane{j}_out_window),\n\
    .out_bucket(lane{j}_out_bucket), .state(lane{j}_state),\n\
    {stat_ports});\n",
            lo = j * lw,
            hi = (j + 1) * lw - 1,
            hv = if top_lane { "1'b1".to_string() } else { format!("lane{}_out_valid", j + 1) },
            hi_inf = if top_lane { "1'b1" } else { "1'b0" },
            hx = above("out_x"),
            hy = above("out_y"),
            hz = above("out_z"),
            ready = if j == 0 { "out_ready".to_string() } else { format!("lane{}_horner_ready", j - 1) },
            stat_ports = stats.map(|s| format!(".{s}(lane{j}_{s})")).join(", "),
        ));
    }
    // A lane clears its statistics when its total is taken, so each lane above lane 0 is
    // held at its hand-over and read from there until lane 0's result is taken (the
    // statistics stay live, for progress watchdogs, and complete at the result).
    for j in 1..n {
        v.push_str(&format!(
            "reg [{sb1}:0] {held};\n\
reg handed{j} = 1'b0;\n\
initial begin\n{init}end\n\
always @(posedge clock) begin\n\
    if (reset || (out_valid && out_ready)) handed{j} <= 1'b0;\n\
    else if (lane{j}_out_valid && lane{jm1}_horner_ready) handed{j} <= 1'b1;\n\
    if (lane{j}_out_valid && lane{jm1}_horner_ready) begin\n{copy}    end\n\
end\n",
            sb1 = sb - 1,
            jm1 = j - 1,
            held = stats[1..]
                .iter()
                .map(|s| format!("held{j}_{s}"))
                .collect::<Vec<_>>()
                .join(", "),
            init = stats[1..]
                .iter()
                .map(|s| format!("    held{j}_{s} = 0;\n"))
                .collect::<String>(),
            copy = stats[1..]
                .iter()
                .map(|s| format!("        held{j}_{s} <= lane{j}_{s};\n"))
                .collect::<String>(),
        ));
    }
    let stat = |j: usize, s: &str| {
        if j == 0 {
            format!("lane0_{s}")
        } else {
            format!("(handed{j} ? held{j}_{s} : lane{j}_{s})")
        }
    };
    let sum = |s: &str| (0..n).map(|j| stat(j, s)).collect::<Vec<_>>().join(" + ");
    let mut accum = "lane0_stat_accum_cycles".to_string();
    for j in 1..n {
        let x = stat(j, "stat_accum_cycles");
        accum = format!("({x} > {accum} ? {x} : {accum})");
    }
    v.push_str(&format!(
        "// Lane 0 holds the result.\n\
assign out_valid = lane0_out_valid;\n\
assign out_x = lane0_out_x;\n\
assign out_y = lane0_out_y;\n\
assign out_z = lane0_out_z;\n\
assign out_last = lane0_out_last;\n\
assign out_window = lane0_out_window;\n\
assign out_bucket = lane0_out_bucket;\n\
assign state = lane0_state;\n\
assign stat_cycles = lane0_stat_cycles;\n\
assign stat_accum_cycles = {accum};\n\
assign stat_bucket_adds = {};\n\
assign stat_hazards = {};\n\
assign stat_stalls = {};\n\
assign stat_adds = {};\n\
wire unused_lane_outputs = |{{{}}};\n",
        sum("stat_bucket_adds"),
        sum("stat_hazards"),
        sum("stat_stalls"),
        sum("stat_adds"),
        unused.join(", "),
    ));
    block_module(&cfg.top, &ports(w), &[], &v)
}

/// `x[width-1:0] > h` for a constant `h`, compared in chunks of at most `chunk` bits (0: one
/// compare) so that no carry chain is longer than the carry bound: from the top chunk down,
/// greater, or equal and the rest greater.
fn greater_than(x: &str, width: usize, h: &BigUint, chunk: usize) -> String {
    let chunk = if chunk == 0 { width } else { chunk };
    let mut expr = String::new();
    let mut lo = 0;
    while lo < width {
        let w = chunk.min(width - lo);
        let part = (h >> lo) % (BigUint::from(1u32) << w);
        let bits = format!("{x}[{}:{lo}]", lo + w - 1);
        let lit = format!("{w}'h{part:x}");
        expr = if lo == 0 {
            format!("({bits} > {lit})")
        } else {
            format!("({bits} > {lit} || ({bits} == {lit} && {expr}))")
        };
        lo += w;
    }
    expr
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
        let tiles = adder.multipliers * adder.mul_plan.tiles * self.adders;
        let adders = if self.adders == 1 {
            "one point adder".to_string()
        } else {
            format!(
                "{} point adders (lanes of {} windows each, one Horner chain through the lanes)",
                self.adders,
                self.lane_windows()
            )
        };
        Ok(Contract {
            arithmetic: format!(
                "sum k_i P_i on y^2 = x^3 + {b} over F_p, p = {p:#x}: Pippenger with signed \
                 {c}-bit digits, {nw} windows x {m} buckets, on {adders} (latency {l}, \
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
        self.validate()?;
        let plan = plan(self)?;
        let lane = self.adders > 1;
        struct Emit<'a>(&'a MsmPlan, &'a str, bool);
        impl WidthTile for Emit<'_> {
            fn emit<const W: usize, const TA: usize, const TB: usize, const TP: usize>(
                &self,
            ) -> Result<String, HdlError> {
                if self.2 {
                    emit_core(&mut MsmLane::<W, TA, TB, TP>::new(self.0), self.1)
                } else {
                    emit_core(&mut Msm::<W, TA, TB, TP>::new(self.0), self.1)
                }
            }
        }
        let w = self.adder.width()?;
        let top = if lane {
            self.lane_config().top
        } else {
            self.top.clone()
        };
        let mut v = dispatch(w, self.adder.tile, &Emit(&plan, &top, lane))?;
        v.push_str(&plan.blocks);
        if lane {
            v.push('\n');
            v.push_str(&lanes(self, w));
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adders_split_the_windows_into_lanes() {
        let pa = PointAddConfig::new("x", BigUint::from(7u32), 1);
        let mut cfg = MsmConfig::new(pa, 255, 9); // 29 windows
        cfg.adders = 2;
        assert_eq!(cfg.lane_windows(), 15);
        assert_eq!(cfg.windows(), 30);
        let lane = cfg.lane_config();
        assert_eq!((lane.adders, lane.windows()), (1, 15));
        cfg.validate().unwrap();
        cfg.adders = 3;
        assert_eq!((cfg.lane_windows(), cfg.windows()), (10, 30));
        // Accumulation falls as 1/K (within the rounding of W / K); aggregation per lane.
        let one = cycle_estimate_parts_adders(4096, 255, 9, 127, 1);
        let three = cycle_estimate_parts_adders(4096, 255, 9, 127, 3);
        assert_eq!(one.0, 4096 * 29);
        assert_eq!(three.0, 4096 * 10);
        assert_eq!(one.2, three.2, "one Horner chain through all windows");
    }

    #[test]
    fn only_one_adder_on_chip_cores_are_double_buffered() {
        let pa = PointAddConfig::new("x", BigUint::from(7u32), 1);
        let mut cfg = MsmConfig::new(pa, 255, 4);
        assert!(cfg.overlapped(), "the default");
        let one = MsmBlocks::of(&cfg);
        assert_eq!(one.bucket_memory.buckets, 2 * 64 * 8);
        assert_eq!(one.bucket_memory.address_bits, 1 + 6 + 3);
        assert_eq!(one.scheduler.buckets, 2 * 64 * 8);
        cfg.overlap = false;
        assert_eq!(cfg.banks(), 1);
        assert_eq!(MsmBlocks::of(&cfg).bucket_memory.buckets, 64 * 8);
        cfg.overlap = true;
        cfg.host_aggregation = true;
        assert_eq!(cfg.banks(), 1, "the host hand-out has one bank");
        cfg.host_aggregation = false;
        cfg.adders = 2;
        assert_eq!(cfg.banks(), 1);
        assert!(!cfg.lane_config().overlapped(), "lanes have one bank");
        let v = cfg.generate().unwrap().verilog;
        assert!(!v.contains("fg_bank"), "a lane has one bank");
    }

    #[test]
    fn rejects_the_mixed_adder() {
        let mut pa = PointAddConfig::new("x", BigUint::from(7u32), 1);
        pa.mixed = true;
        let err = MsmConfig::new(pa, 255, 9).validate().unwrap_err();
        assert!(err.to_string().contains("projective"), "{err}");
    }

    #[test]
    fn rejects_adders_that_cannot_split() {
        let pa = PointAddConfig::new("x", BigUint::from(7u32), 1);
        let mut cfg = MsmConfig::new(pa, 255, 9);
        for bad in [0, MAX_ADDERS + 1] {
            cfg.adders = bad;
            assert!(cfg.validate().is_err(), "{bad} adders");
        }
        cfg.adders = 2;
        cfg.host_aggregation = true;
        assert!(cfg.validate().is_err(), "host aggregation with 2 adders");
        cfg.host_aggregation = false;
        cfg.window = 16; // 16 windows: 8 lanes of 2
        cfg.adders = 8;
        cfg.validate().unwrap();
        cfg.window = 13; // 20 windows: lanes of 3, the eighth would be empty
        assert!(cfg.validate().is_err());
        let c = best_window_for(1 << 20, 255, 127, 8);
        cfg.window = c;
        cfg.validate().unwrap();
    }

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
