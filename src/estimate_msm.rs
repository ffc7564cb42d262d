//! `estimate msm`: the projected time of one MSM of N pairs on one `msm` core (one point
//! adder) on a real part, from a cycle model of the controller, a bucket memory that must fit
//! the part's block RAM / UltraRAM, and a clock (given, or the part's assumed default).
//!
//! Cycle model ([`cycles`]), counted like the core's `stat_cycles` (first pair taken to the
//! result; the clearing walk after reset, W x 2^(c-1) cycles, comes before and is reported
//! apart as `clear_cycles`):
//! - accumulation: one window of one pair per cycle, N x W, plus the cycles the current point
//!   waits. A point whose bucket is still in the adder (busy for the adder latency L plus
//!   [`BUSY_EXTRA`] cycles) is parked in the 16-entry FIFO; the FIFO's head is re-issued as soon
//!   as its bucket is free, ahead of new work, and takes the slot of a current point that
//!   needed it (a zero digit or a point that parks at the same time loses nothing); a full FIFO
//!   stalls a conflicting point. A point parked in a slot nobody else takes gives the slot to
//!   its next window's digit (the recoder's lookahead) when that digit is nonzero and its
//!   bucket free, and moves two windows on. [`accumulation_sample`] runs exactly these rules (those of
//!   `hdl/src/msm/scheduler.rs`) on the signed digits of [`SAMPLE_PAIRS`] scalars drawn below r
//!   from a fixed seed and scales its waits to N. [`hazards_per_pair`] is the closed form for
//!   rare hazards (an issue meets K = floor((L + BUSY_EXTRA - 1) / W) earlier issues of its
//!   window in flight; p_j the probability of digit magnitude j: sum_{j >= 1} p_j (1 - (1 -
//!   p_j)^K)), which the sample agrees with where the FIFO never fills; the top window holds
//!   only the top bits of r (for BLS12-381 at c = 12 the digits 0 to 8), so its buckets collide
//!   far more often than the others.
//! - drain: the last addition leaves the adder, L + [`BUSY_EXTRA`] cycles;
//! - aggregation and combination: [`zkhdl_hdl::msm::cycle_estimate_parts`] (the bound the
//!   core's reports use): max(2 W B, B (L + 2)) and (W - 1)(c + 1)(L + 1).
//!
//! `tests/msm_cycle_model.rs` checks the model against Verilator runs of the core.
//!
//! Bucket memory ([`BucketMemory`]): the value memory holds W x 2^(c-1) buckets of three
//! coordinates (the MSM configuration's `value_bits`, 3 x 381 = 1,143 bits for BLS12-381),
//! stored twice so that the controller has two read ports (one write, one registered read per
//! copy); each copy goes to URAM288 (4K x 72) when it is 4K words or deeper and the family has
//! URAM, else to block RAM (RAMB36E2 or DP16KD, the best shape), and to the other kind when it
//! does not fit there. The one-adder core may be double-buffered (two banks of buckets, so the
//! next MSM accumulates while this one aggregates; `bucket_banks` = 2), which doubles the
//! depth: the projection takes two banks unless one bank fits a faster window (or
//! `--single-bank`). One occupancy bit per bucket lives in LUT RAM. The buckets fit when
//! each kind uses at most [`USABLE_FRACTION`] of the part (`buckets_fit`). With K adders
//! (`--adders`) there are K lanes, each with the buckets of its own windows. The core fits
//! (`fits`) when the buckets fit and the K adders' DSP tiles (`dsps`, K x `adder_dsps`) are at
//! most the part's DSPs, and, where `--adder-luts` gives one adder's synthesized LUTs, the K
//! adders' LUTs (plus the occupancy bits) at most the part's; `adders_that_fit` is how many
//! adders the DSPs (and LUTs) hold, `limiting_resource` which of them binds first.
//!
//! Window: without --window, the c in 2..=16 with the fewest cycles among those whose buckets
//! fit (ties to the smaller c); if none fits, the c with the fewest memory blocks.

use crate::error::{Failure, Outcome};
use crate::options::CurveArgs;
use crate::parts::{self, Family, Part};
use num_bigint::BigUint;
use serde_json::{json, Value};
use zkhdl_golden::pippenger::signed_digits;
use zkhdl_golden::Curve;
use zkhdl_hdl::msm::{cycle_estimate_parts_adders, MsmBlocks, MsmConfig, MAX_WINDOW};

/// Cycles a bucket stays busy beyond the adder latency: the read of its operands before the
/// adder and the write-back after it.
pub const BUSY_EXTRA: usize = 2;
/// The share of block RAM / URAM / LUTs the buckets may take (as `estimate ntt`).
pub const USABLE_FRACTION: f64 = crate::estimate::USABLE_FRACTION;
/// Smallest window width the generator takes.
pub const MIN_WINDOW: usize = 2;

/// The model's cycles of one MSM.
#[derive(Clone, Debug, PartialEq)]
pub struct Cycles {
    /// N x W plus the hazard stalls.
    pub accumulation: u64,
    /// Cycles the current point waits (a parked point re-issued into its slot, a full FIFO).
    pub hazard_stalls: u64,
    pub drain: u64,
    pub aggregation: u64,
    pub combination: u64,
}

impl Cycles {
    /// First pair taken to the result (what `sim msm` reports as "cycles").
    pub fn total(&self) -> u64 {
        self.accumulation + self.drain + self.aggregation + self.combination
    }
}

/// Number of windows for scalars below `r` at width `c` (signed digits need one bit more).
pub fn windows(r: &BigUint, c: usize) -> usize {
    (r.bits() as usize + 1).div_ceil(c)
}

/// `r / 2^s` as a float.
fn ratio(r: &BigUint, s: usize) -> f64 {
    let bits = r.bits() as usize;
    let shift = bits.saturating_sub(60);
    let top = (r >> shift).to_u64_digits().first().copied().unwrap_or(0) as f64;
    top * 2f64.powi(shift as i32 - s as i32)
}

/// The probability of each digit magnitude 0..=2^(c-1) of every window, lowest window first.
pub fn digit_magnitudes(r: &BigUint, c: usize) -> Vec<Vec<f64>> {
    let w = windows(r, c);
    let b = 1usize << (c - 1);
    let mut uniform = vec![1.0 / b as f64; b + 1];
    uniform[0] = 0.5 / b as f64;
    uniform[b] = 0.5 / b as f64;
    let mut out = vec![uniform; w - 1];
    // Top window: t uniform on [0, x), the last value partly; the carry adds 1 half the time.
    let x = ratio(r, c * (w - 1));
    let mut top = vec![0.0; b + 1];
    let mut t = 0usize;
    while (t as f64) < x {
        let p = ((x - t as f64).min(1.0)) / x;
        top[t.min(b)] += p / 2.0;
        top[(t + 1).min(b)] += p / 2.0;
        t += 1;
    }
    out.push(top);
    out
}

/// Expected hazards (parked points) per pair, summed over the windows.
pub fn hazards_per_pair(r: &BigUint, c: usize, adder_latency: usize) -> f64 {
    let w = windows(r, c);
    let k = (adder_latency + BUSY_EXTRA - 1) / w;
    digit_magnitudes(r, c)
        .iter()
        .map(|p| {
            p.iter()
                .skip(1)
                .map(|&pj| pj * (1.0 - (1.0 - pj).powi(k as i32)))
                .sum::<f64>()
        })
        .sum()
}

/// Pairs of the accumulation sample (fewer when N is smaller).
pub const SAMPLE_PAIRS: usize = 4096;
/// Entries of the parking FIFO (the `msm` core's default `--fifo-depth`).
pub const FIFO_DEPTH: usize = 16;
/// Seed of the sample's scalars.
pub const SAMPLE_SEED: u64 = 1;

/// Runs the scheduler's rules on `pairs` random scalars below `r`: (accumulation cycles from
/// the first pair to the last issue, hazards).
pub fn accumulation_sample(r: &BigUint, c: usize, l: usize, pairs: usize) -> (u64, u64) {
    accumulation_sample_lane(r, c, l, pairs, 0, windows(r, c))
}

/// [`accumulation_sample`] for one lane of a multi-adder core: windows `first..first + lane`
/// (windows above the scalar's are digit 0: a cycle each, no issue).
pub fn accumulation_sample_lane(
    r: &BigUint,
    c: usize,
    l: usize,
    pairs: usize,
    first: usize,
    lane: usize,
) -> (u64, u64) {
    use num_bigint::RandBigInt;
    let all = windows(r, c).max(first + lane);
    let b = 1usize << (c - 1);
    let busy_for = (l + BUSY_EXTRA) as u64;
    let mut rng = zkhdl_golden::vectors::rng_from_seed(SAMPLE_SEED);
    let digits: Vec<Vec<i64>> = (0..pairs)
        .map(|_| signed_digits(&rng.gen_biguint_below(r), c, all)[first..first + lane].to_vec())
        .collect();
    let nw = lane;
    // free_at[bucket]: the first cycle the bucket is not in flight.
    let mut free_at = vec![0u64; nw * b];
    let mut fifo = std::collections::VecDeque::new();
    let (mut pair, mut window, mut t, mut last_issue, mut hazards) = (0, 0, 0u64, 0u64, 0u64);
    while pair < pairs || !fifo.is_empty() {
        let busy = |f: &Vec<u64>, k: usize| f[k] > t;
        let parked_ready = fifo.front().is_some_and(|&h| !busy(&free_at, h));
        let parked = if parked_ready {
            fifo.front().copied()
        } else {
            None
        };
        if let Some(h) = parked {
            fifo.pop_front();
            free_at[h] = t + busy_for;
            last_issue = t;
        }
        if pair < pairs {
            let d = digits[pair][window];
            let mut step = 1;
            let advance = if d == 0 {
                true
            } else {
                let k = window * b + d.unsigned_abs() as usize - 1;
                let conflict = busy(&free_at, k) || parked == Some(k);
                if !conflict && parked.is_none() {
                    free_at[k] = t + busy_for;
                    last_issue = t;
                    true
                } else if conflict && (fifo.len() < FIFO_DEPTH || parked.is_some()) {
                    fifo.push_back(k);
                    hazards += 1;
                    // The lookahead: the slot is still free, so the next window's nonzero
                    // digit takes it if its bucket is free, and the point moves two windows.
                    if parked.is_none() && window + 1 < nw {
                        let e = digits[pair][window + 1];
                        let k2 = (window + 1) * b + e.unsigned_abs() as usize - 1;
                        if e != 0 && !busy(&free_at, k2) {
                            free_at[k2] = t + busy_for;
                            last_issue = t;
                            step = 2;
                        }
                    }
                    true
                } else {
                    false
                }
            };
            if advance {
                window += step;
                if window == nw {
                    window = 0;
                    pair += 1;
                }
            }
        }
        t += 1;
    }
    (last_issue + 1, hazards)
}

/// The cycle model for `n` pairs, scalars below `r`, window `c`, adder latency `l`.
pub fn cycles(n: usize, r: &BigUint, c: usize, l: usize) -> Cycles {
    cycles_adders(n, r, c, l, 1)
}

/// [`cycles`] for a core of `adders` lanes of `ceil(W / K)` windows: accumulation is the
/// slowest lane's (each lane's waits sampled on its own windows), aggregation per lane, one
/// Horner chain ([`cycle_estimate_parts_adders`]).
pub fn cycles_adders(n: usize, r: &BigUint, c: usize, l: usize, adders: usize) -> Cycles {
    let bits = r.bits() as usize;
    let (acc, agg, comb) = cycle_estimate_parts_adders(n, bits, c, l, adders);
    let s = n.min(SAMPLE_PAIRS);
    let lane = windows(r, c).div_ceil(adders.max(1));
    let waits = (0..adders.max(1))
        .map(|j| {
            let (sample_cycles, _) = accumulation_sample_lane(r, c, l, s, j * lane, lane);
            sample_cycles.saturating_sub((s * lane) as u64)
        })
        .max()
        .unwrap_or(0);
    let stalls = (waits as f64 * n as f64 / s as f64).round() as u64;
    Cycles {
        accumulation: acc as u64 + stalls,
        hazard_stalls: stalls,
        drain: (l + BUSY_EXTRA) as u64,
        aggregation: agg as u64,
        combination: comb as u64,
    }
}

/// The bucket memory of one configuration on one part.
#[derive(Clone, Debug, PartialEq)]
pub struct BucketMemory {
    pub buckets: usize,
    pub value_bits: usize,
    /// Both copies' bits.
    pub bits: u64,
    pub brams: u64,
    pub urams: u64,
    pub occupancy_luts: u64,
    pub fits: bool,
}

/// Maps the buckets of `cfg` onto `part` (see the module notes).
pub fn bucket_memory(cfg: &MsmConfig, part: &Part) -> BucketMemory {
    // K lanes: K memories of one lane's buckets; a double-buffered core: both banks.
    let k = cfg.adders.max(1);
    let bm = if cfg.overlapped() {
        MsmBlocks::of(cfg).bucket_memory
    } else {
        MsmBlocks::of(&cfg.lane_config()).bucket_memory
    };
    let (depth, width) = (bm.buckets, bm.value_bits);
    let cap = |c: u64| (USABLE_FRACTION * c as f64).floor() as u64;
    let bram = 2 * k as u64 * parts::brams_for(part.family, depth, width);
    let uram = 2 * k as u64 * parts::urams_for(depth, width);
    let has_uram = part.family == Family::UltraScalePlus && part.urams > 0;
    let uram_fits = has_uram && uram <= cap(part.urams);
    let bram_fits = bram <= cap(part.brams);
    let (brams, urams) = if has_uram && depth >= 4096 {
        if uram_fits || !bram_fits {
            (0, uram)
        } else {
            (bram, 0)
        }
    } else if bram_fits || !uram_fits {
        (bram, 0)
    } else {
        (0, uram)
    };
    let occupancy_luts = (k * depth.div_ceil(part.family.lutram_bits_per_lut())) as u64;
    BucketMemory {
        buckets: k * depth,
        value_bits: width,
        bits: 2 * (k * depth * width) as u64,
        brams,
        urams,
        occupancy_luts,
        fits: brams <= cap(part.brams)
            && urams <= cap(part.urams)
            && occupancy_luts <= cap(part.luts),
    }
}

/// One projection.
#[derive(Clone, Debug)]
pub struct MsmEstimate {
    pub window: usize,
    /// Bucket banks of the core (2: double-buffered, see `MsmConfig::overlap`).
    pub banks: usize,
    pub cycles: Cycles,
    pub memory: BucketMemory,
    pub clear_cycles: u64,
}

/// The MSM of `n` pairs on `part` with the adder of `curve_args`, at window `window` or the
/// best that fits. Also returns the adder latency and DSP tiles.
pub fn project(
    curve: &Curve,
    curve_args: &CurveArgs,
    n: usize,
    part: &Part,
    window: Option<usize>,
    adders: usize,
    single_bank: bool,
) -> Result<(MsmEstimate, usize, usize), Failure> {
    if n == 0 {
        return Err(Failure::input("--n must be at least 1"));
    }
    if let Some(c) = window {
        if !(MIN_WINDOW..=MAX_WINDOW).contains(&c) {
            return Err(Failure::input(format!(
                "--window {c} is outside {MIN_WINDOW}..={MAX_WINDOW}"
            )));
        }
    }
    let adder = curve_args.adder(curve)?;
    let plan = zkhdl_hdl::point_add::plan(&adder)?;
    let latency = plan.latency;
    let dsps = plan.multipliers * plan.mul_plan.tiles;
    let fr = curve.scalar_field();
    let r = fr.modulus().clone();
    let config = |c: usize, overlap: bool| {
        let mut cfg = MsmConfig::new(adder.clone(), fr.bits(), c);
        cfg.adders = adders;
        cfg.overlap = overlap;
        cfg
    };
    let at = |(c, overlap): (usize, bool)| -> Result<MsmEstimate, Failure> {
        let cfg = config(c, overlap);
        cfg.validate()?;
        let memory = bucket_memory(&cfg, part);
        Ok(MsmEstimate {
            window: c,
            banks: cfg.banks(),
            cycles: cycles_adders(n, &r, c, latency, adders),
            // Every lane clears its own buckets at once.
            clear_cycles: (memory.buckets / adders) as u64,
            memory,
        })
    };
    // Two banks where the core can have them (one adder) unless --single-bank: the same
    // cycles for one MSM, and back-to-back MSMs overlap; one bank where only that fits, or
    // where the memory it saves buys a faster window.
    let overlaps: &[bool] = if single_bank || adders > 1 {
        &[false]
    } else {
        &[true, false]
    };
    let windows: Vec<usize> = match window {
        Some(c) => vec![c],
        None => (MIN_WINDOW..=MAX_WINDOW).collect(),
    };
    let all = windows
        .iter()
        .flat_map(|&c| overlaps.iter().map(move |&o| (c, o)))
        .filter(|&(c, o)| window.is_some() || config(c, o).validate().is_ok())
        .map(at)
        .collect::<Result<Vec<_>, _>>()?;
    if all.is_empty() {
        return Err(Failure::input(format!(
            "no window width splits among {adders} adders"
        )));
    }
    // The fastest that fits (more banks first on a tie); if none fits, the fewest blocks.
    let fitting = all.iter().filter(|e| e.memory.fits);
    let est = match fitting.min_by_key(|e| (e.cycles.total(), usize::MAX - e.banks, e.window)) {
        Some(e) => e.clone(),
        None => all
            .iter()
            .min_by_key(|e| (e.memory.brams + e.memory.urams, e.window, e.banks))
            .expect("a non-empty range")
            .clone(),
    };
    Ok((est, latency, dsps))
}

/// The two designs the projection is compared with (issue 10), with their sources.
pub fn anchors() -> Value {
    json!([
        {
            "design": "ZPrize 2022 MSM (FPGA) winner, Hardcaml (Jane Street)",
            "curve": "bls12-377",
            "n": 1u64 << 26,
            "seconds_per_msm": 5.08,
            "part": "vu9p (AWS f1.2xlarge)",
            "fmax_mhz": 278,
            "adders": 1,
            "note": "4 MSMs of 2^26 in 20.331 s; buckets aggregated on the FPGA, windows \
                     combined on the host",
            "source": "blog.janestreet.com/zero-knowledge-fpgas-hardcaml (20.331 s for 4 x \
                       2^26, 5.083 s per MSM); zprize.hardcaml.com/msm-results.html; clock and \
                       adder count as stated in issue 10"
        },
        {
            "design": "ZPrize 2023 FPGA MSM winner",
            "curve": "bls12-381",
            "n": 1u64 << 24,
            "seconds_per_msm": 0.51,
            "part": "u250",
            "adders": 3,
            "note": "4 MSMs of 2^24 in 2.04 s",
            "source": "as stated in issue 10 (not re-checked here)"
        }
    ])
}

/// The projection as JSON.
pub fn to_json(
    curve: &Curve,
    part: &Part,
    n: usize,
    (e, latency, dsps): &(MsmEstimate, usize, usize),
    fmax: Option<f64>,
    adders: usize,
    adder_luts: Option<u64>,
) -> Value {
    let (fmax_mhz, source) = match fmax {
        Some(f) => (f, "given"),
        None => (part.default_freq_mhz, "assumed"),
    };
    let total = e.cycles.total();
    // LUTs only where the adder's synthesized count is given (--adder-luts): the generator
    // knows its DSP tiles but not what the compressors map to.
    let luts_fit = adder_luts.map(|l| l * adders as u64 + e.memory.occupancy_luts <= part.luts);
    let by_dsps = part.dsps as usize / (*dsps).max(1);
    let by_luts = adder_luts.map(|l| (part.luts / l.max(1)) as usize);
    let adders_that_fit = by_luts.map_or(by_dsps, |b| b.min(by_dsps));
    let limiting = if !e.memory.fits {
        "buckets"
    } else if by_luts.is_some_and(|b| b < by_dsps) {
        "luts"
    } else {
        "dsps"
    };
    json!({
        "curve": curve.name(),
        "part": part.name,
        "n": n,
        "window": e.window,
        "windows": windows(curve.scalar_field().modulus(), e.window).div_ceil(adders) * adders,
        "buckets_per_window": 1usize << (e.window - 1),
        "cycles": total,
        "phases": {
            "accumulation": e.cycles.accumulation,
            "drain": e.cycles.drain,
            "aggregation": e.cycles.aggregation,
            "combination": e.cycles.combination,
        },
        "hazard_stalls": e.cycles.hazard_stalls,
        "clear_cycles": e.clear_cycles,
        "fmax_mhz": fmax_mhz,
        "fmax_source": source,
        "seconds": total as f64 / (fmax_mhz * 1e6),
        "adders": adders,
        "adder_latency": latency,
        "adder_dsps": dsps,
        "dsps": adders * dsps,
        "part_dsps": part.dsps,
        "dsps_fit": adders * dsps <= part.dsps as usize,
        "adder_luts": adder_luts,
        "luts": adder_luts.map(|l| l * adders as u64 + e.memory.occupancy_luts),
        "part_luts": part.luts,
        "luts_fit": luts_fit,
        "adders_that_fit": adders_that_fit,
        "limiting_resource": limiting,
        "buckets_bits": e.memory.bits,
        "bucket_value_bits": e.memory.value_bits,
        "bucket_copies": 2,
        "bucket_banks": e.banks,
        "bucket_brams": e.memory.brams,
        "bucket_urams": e.memory.urams,
        "occupancy_luts": e.memory.occupancy_luts,
        "buckets_fit": e.memory.fits,
        "fits": e.memory.fits && adders * dsps <= part.dsps as usize && luts_fit != Some(false),
        "anchors": anchors(),
    })
}

/// One lane's LUTs (a point adder and its controller) as synthesized, for the one adder
/// configuration that has been synthesized whole: BLS12-381 with the default multipliers.
/// `None` elsewhere (the generator knows its DSP tiles, not what yosys maps its adders to).
pub fn measured_lane_luts(
    curve: &Curve,
    a: &CurveArgs,
    part: &Part,
) -> Option<(u64, &'static str)> {
    let default = part.family == Family::UltraScalePlus
        && curve.name() == "bls12-381"
        && a.tile == "26x17"
        && a.karatsuba == 3
        && a.max_add_bits == zkhdl_hdl::netlist::DEFAULT_MAX_ADD_BITS
        && matches!(a.p_prime_product.as_str(), "auto" | "lut");
    default.then_some((
        MEASURED_LANE_LUTS_BLS12_381,
        "measured: `zkhdl synth msm --curve bls12-381 --target xcup --part u250 --adders 3`, \
         2026-12-01 (2,350,472 LUTs: three lanes of 783,270 and the top's 662; \
         results/msm-adders.md)",
    ))
}

/// One BLS12-381 lane's LUTs from that synthesis (12 modmuls of 61,006, the point adder's own
/// 39,542, the lane's own 8,725 and its blocks' 2,931).
pub const MEASURED_LANE_LUTS_BLS12_381: u64 = 783_270;

/// The configuration that fits `part` best: of K = 1, 2, ... adders (as `--adders K`, at the
/// best window for each), the fastest whose buckets, DSP tiles and, where a lane's LUTs are
/// known, LUTs fit. `null` when none fits. Independent of `--adders`: the main report stays
/// the projection of the K asked for.
#[allow(clippy::too_many_arguments)]
fn best_fit(
    curve: &Curve,
    curve_args: &CurveArgs,
    n: usize,
    part: &Part,
    window: Option<usize>,
    single_bank: bool,
    fmax: Option<f64>,
    lane_luts: Option<(u64, &'static str)>,
) -> Result<Value, Failure> {
    let mut best: Option<Value> = None;
    // Why each K that was tried is not the best so far: what it lacks, or `speed`.
    let mut short_of: Vec<(usize, &'static str)> = vec![];
    for k in 1..=zkhdl_hdl::msm::MAX_ADDERS {
        // A window that does not split among k lanes is no configuration.
        let Ok(est) = project(curve, curve_args, n, part, window, k, single_bank) else {
            short_of.push((k, "window"));
            continue;
        };
        // The main report's own fit rule and seconds, with the lane's LUTs where known.
        let v = to_json(curve, part, n, &est, fmax, k, lane_luts.map(|(l, _)| l));
        let short = if v["dsps_fit"] == false {
            Some("dsps")
        } else if v["luts_fit"] == false {
            Some("luts")
        } else if v["buckets_fit"] == false {
            Some("buckets")
        } else {
            None
        };
        if let Some(r) = short {
            short_of.push((k, r));
            if r == "dsps" {
                break;
            }
            continue;
        }
        let seconds = v["seconds"].as_f64().unwrap_or(f64::MAX);
        if best
            .as_ref()
            .is_some_and(|b| seconds >= b["seconds"].as_f64().unwrap_or(f64::MAX))
        {
            short_of.push((k, "speed"));
        } else {
            best = Some(json!({
                "adders": k,
                "window": v["window"],
                "cycles": v["cycles"],
                "seconds": seconds,
                "dsps": v["dsps"],
                "luts": v["luts"],
                "luts_source": lane_luts.map(|(_, s)| s),
            }));
        }
    }
    Ok(match best {
        Some(mut b) => {
            // What stops K + 1: a resource it lacks, `window` (no window splits among its
            // lanes), `speed` (it fits but is no faster) or `max_adders`.
            let k = b["adders"].as_u64().unwrap_or(0) as usize;
            b["next_adder_short_of"] = match short_of.iter().find(|(j, _)| *j == k + 1) {
                Some((_, r)) => json!(r),
                None => json!("max_adders"),
            };
            b
        }
        None => Value::Null,
    })
}

/// `zkhdl estimate msm`.
#[allow(clippy::too_many_arguments)]
pub fn msm_command(
    curve_args: &CurveArgs,
    n: usize,
    part: &str,
    fmax: Option<f64>,
    window: Option<usize>,
    adders: usize,
    adder_luts: Option<u64>,
    single_bank: bool,
    json_out: bool,
) -> Outcome {
    let p = parts::part(part).ok_or_else(|| {
        Failure::input(format!(
            "unknown --part {part:?}: use one of {}",
            parts::names()
        ))
    })?;
    if let Some(f) = fmax {
        if !(f.is_finite() && f > 0.0) {
            return Err(Failure::input(format!("--fmax {f} must be above 0")));
        }
    }
    let curve = curve_args.curve(None)?;
    if !(1..=zkhdl_hdl::msm::MAX_ADDERS).contains(&adders) {
        return Err(Failure::input(format!(
            "--adders {adders} is outside 1..={}",
            zkhdl_hdl::msm::MAX_ADDERS
        )));
    }
    let est = project(&curve, curve_args, n, p, window, adders, single_bank)?;
    let mut v = to_json(&curve, p, n, &est, fmax, adders, adder_luts);
    let lane_luts = match adder_luts {
        Some(l) => Some((l, "given (--adder-luts)")),
        None => measured_lane_luts(&curve, curve_args, p),
    };
    v["best_fit"] = best_fit(
        &curve,
        curve_args,
        n,
        p,
        window,
        single_bank,
        fmax,
        lane_luts,
    )?;
    if json_out {
        println!("{}", crate::report::pretty(&v));
    } else {
        print_table(&v);
    }
    Ok(0)
}

fn print_table(v: &Value) {
    let ph = &v["phases"];
    let text = |k: &str| v[k].as_str().unwrap_or("").to_string();
    println!(
        "MSM of {} pairs on {} ({}), {} adder(s) (latency {}), window c = {} ({} x {} buckets)",
        v["n"],
        text("curve"),
        text("part"),
        v["adders"],
        v["adder_latency"],
        v["window"],
        v["windows"],
        v["buckets_per_window"]
    );
    println!("| quantity | value |\n|---|---|");
    println!(
        "| cycles | {} (accumulation {} incl. {} hazard stalls, drain {}, aggregation {}, combination {}) |",
        v["cycles"], ph["accumulation"], v["hazard_stalls"], ph["drain"], ph["aggregation"],
        ph["combination"]
    );
    println!(
        "| clock | {} MHz ({}) |",
        v["fmax_mhz"],
        v["fmax_source"].as_str().unwrap_or("")
    );
    let secs = v["seconds"].as_f64().unwrap_or(0.0);
    if secs < 0.1 {
        println!("| time | {:.3} ms |", secs * 1e3);
    } else {
        println!("| time | {secs:.3} s |");
    }
    println!(
        "| buckets | {} bits in {} bank(s), 2 copies: {} block RAM, {} URAM, {} LUTs of occupancy bits; fits: {} |",
        v["buckets_bits"], v["bucket_banks"], v["bucket_brams"], v["bucket_urams"], v["occupancy_luts"], v["buckets_fit"]
    );
    println!(
        "| point adders | {} x {} DSP tiles = {} (part: {}, fits: {}) |",
        v["adders"], v["adder_dsps"], v["dsps"], v["part_dsps"], v["dsps_fit"]
    );
    let b = &v["best_fit"];
    if b.is_null() {
        println!("| best fit | none: no number of adders fits the part |");
    } else {
        println!(
            "| best fit | {} adder(s), c = {}: {:.3} s; LUTs {} ({}); one more adder: short of {} |",
            b["adders"],
            b["window"],
            b["seconds"].as_f64().unwrap_or(0.0),
            b["luts"],
            b["luts_source"].as_str().unwrap_or("unknown: not judged"),
            b["next_adder_short_of"].as_str().unwrap_or("-")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r381() -> BigUint {
        Curve::from_name("bls12-381")
            .unwrap()
            .scalar_field()
            .modulus()
            .clone()
    }

    #[test]
    fn digit_distributions_sum_to_one() {
        let r = r381();
        for c in MIN_WINDOW..=MAX_WINDOW {
            for (w, p) in digit_magnitudes(&r, c).iter().enumerate() {
                let s: f64 = p.iter().sum();
                assert!((s - 1.0).abs() < 1e-9, "c {c} window {w}: {s}");
            }
        }
        // BLS12-381 at c = 12: 22 windows, the top one holds r >> 252 = 7 and a carry.
        let top = digit_magnitudes(&r, 12).pop().unwrap();
        assert!(top[9..].iter().all(|&p| p == 0.0) && top[8] > 0.0);
    }

    #[test]
    fn hazards_grow_with_latency_and_vanish_without_it() {
        let r = r381();
        assert_eq!(hazards_per_pair(&r, 8, 1), 0.0);
        assert!(hazards_per_pair(&r, 8, 200) > hazards_per_pair(&r, 8, 77));
        // No hazard can happen when a bucket frees before its window comes round again.
        let (cy, hz) = accumulation_sample(&r, 8, 1, 300);
        assert_eq!(hz, 0);
        assert!(cy <= 300 * 32 && cy > 299 * 32, "{cy}");
        // Rare hazards (c = 10: 26 windows of 512 buckets): sample and closed form agree.
        let (_, hz) = accumulation_sample(&r, 10, 77, 4096);
        let closed = 4096.0 * hazards_per_pair(&r, 10, 77);
        assert!((hz as f64 / closed - 1.0).abs() < 0.25, "{hz} vs {closed}");
    }
}
