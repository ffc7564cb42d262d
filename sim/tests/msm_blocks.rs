//! The sub-blocks of the MSM controller, each verilated alone and driven cycle by cycle with
//! random stimulus (printed seeds) and edge cases against its software model in
//! `zkhdl_golden::msm_blocks`; for each block a mutant of the emitted Verilog that the same
//! check must catch. And `verilator --lint-only -Wall` on every block and on whole MSMs.

mod common;

use common::test_seed;
use num_bigint::BigUint;
use num_traits::One;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use zkhdl_golden::msm_blocks::bucket_memory::{BucketMemory, BucketMemoryInputs};
use zkhdl_golden::msm_blocks::fifo::Fifo;
use zkhdl_golden::msm_blocks::recoder::Recoder;
use zkhdl_golden::msm_blocks::scheduler::{Scheduler, SchedulerInputs};
use zkhdl_golden::msm_blocks::sequencer::{Sequencer, SequencerInputs};
use zkhdl_golden::msm_blocks::stats::Stats;
use zkhdl_golden::pippenger::signed_digits;
use zkhdl_golden::vectors::rng_from_seed;
use zkhdl_golden::Curve;
use zkhdl_hdl::msm::{
    best_window, BucketMemoryConfig, FifoConfig, MsmBlocks, MsmConfig, RecoderConfig,
    SchedulerConfig, SequencerConfig, StatsConfig,
};
use zkhdl_hdl::{Core, GeneratedCore};
use zkhdl_sim::harness::{build, BuildOptions};
use zkhdl_sim::msm::config_for;
use zkhdl_sim::run::design_of;
use zkhdl_sim::Model;

fn load(core: &GeneratedCore) -> Model {
    build(&design_of(core), &BuildOptions::default())
        .unwrap_or_else(|e| panic!("{}: {e}", core.manifest.top))
        .0
}

/// The emitted Verilog of `core` with `from` replaced by `to` (which must occur).
fn mutate(core: &GeneratedCore, from: &str, to: &str) -> GeneratedCore {
    assert!(
        core.verilog.contains(from),
        "the mutation site `{from}` moved"
    );
    let mut m = core.clone();
    m.verilog = m.verilog.replace(from, to);
    m
}

/// The MSM of the sim tests: BLS12-381, c = 4 (64 windows of 8 buckets).
fn bls_blocks() -> (MsmConfig, MsmBlocks) {
    let curve = Curve::from_name("bls12-381").unwrap();
    let cfg = config_for(&curve, 4);
    let blocks = MsmBlocks::of(&cfg);
    (cfg, blocks)
}

fn random_bits(rng: &mut ChaCha8Rng, bits: usize) -> BigUint {
    let words: Vec<u32> = (0..bits.div_ceil(32)).map(|_| rng.gen()).collect();
    BigUint::from_slice(&words) & ((BigUint::one() << bits) - 1u32)
}

macro_rules! same {
    ($cycle:expr, $what:expr, $rtl:expr, $model:expr) => {
        if $rtl != $model {
            return Err(format!(
                "cycle {}: {}: the RTL shows {:?}, the model {:?}",
                $cycle, $what, $rtl, $model
            ));
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Signed-digit recoder

/// Scalars with every digit at a boundary of `(-2^(c-1), 2^(c-1)]`, and the extremes.
fn recoder_edge_scalars(c: usize, r: &BigUint) -> Vec<BigUint> {
    let repeat = |digit: u64| {
        let mut s = BigUint::from(0u32);
        for _ in 0..(256 / c) {
            s = (s << c) | BigUint::from(digit);
        }
        s
    };
    let half = 1u64 << (c - 1);
    vec![
        BigUint::from(0u32),
        BigUint::one(),
        repeat(half),
        repeat(half + 1),
        repeat((1 << c) - 1),
        repeat(half - 1),
        (BigUint::one() << 256) - 1u32,
        BigUint::one() << 255,
        r - 1u32,
        r >> 1,
    ]
}

fn check_recoder(
    core: &GeneratedCore,
    cfg: &RecoderConfig,
    r: &BigUint,
    seed: u64,
    cycles: usize,
) -> Result<(), String> {
    let mut m = load(core);
    let [load_p, scalar_p, step_p, addr_p, neg_p, zero_p, last_p] = [
        "load",
        "load_scalar",
        "step",
        "bucket_address",
        "digit_negative",
        "digit_zero",
        "last_window",
    ]
    .map(|n| m.port(n).unwrap());
    let [two_p, a_addr_p, a_neg_p, a_zero_p, a_valid_p, a_last_p] = [
        "step_two",
        "ahead_address",
        "ahead_negative",
        "ahead_zero",
        "ahead_valid",
        "ahead_last",
    ]
    .map(|n| m.port(n).unwrap());
    let mut twos = 0;
    let c = cfg.window;
    let mut model = Recoder::new(c, cfg.windows, cfg.window_bits());
    let mut rng = rng_from_seed(seed);
    let edges = recoder_edge_scalars(c, r);
    let mut edge = 0;
    // Digits seen since the last load, to compare with the reference recoding.
    let mut loaded: Option<BigUint> = None;
    let mut digits: Vec<i64> = vec![];
    for cycle in 0..cycles {
        // Mostly whole scalars (load, then one step per window), sometimes random steps.
        let load = cycle == 0 || digits.len() >= cfg.windows || rng.gen_bool(0.01);
        let step = !load && rng.gen_bool(0.9);
        // Two windows at once (the lookahead issued), only where there is a next window.
        let two = step && model.ahead_valid() && rng.gen_bool(0.2);
        twos += two as usize;
        let scalar = if edge < edges.len() && rng.gen_bool(0.5) {
            edge += 1;
            edges[edge - 1].clone()
        } else {
            let bits = if rng.gen_bool(0.5) { 255 } else { 256 };
            random_bits(&mut rng, bits)
        };
        m.set_bool(load_p, load).unwrap();
        m.set_biguint(scalar_p, &scalar).unwrap();
        m.set_bool(step_p, step).unwrap();
        m.set_bool(two_p, two).unwrap();
        m.eval();
        let want = model.outputs();
        same!(
            cycle,
            "ahead_valid",
            m.get_bool(a_valid_p),
            model.ahead_valid()
        );
        if model.ahead_valid() {
            let ahead = model.ahead();
            same!(
                cycle,
                "ahead_last",
                m.get_bool(a_last_p),
                model.ahead_last()
            );
            same!(cycle, "ahead_zero", m.get_bool(a_zero_p), ahead.digit_zero);
            if !ahead.digit_zero {
                same!(
                    cycle,
                    "ahead_negative",
                    m.get_bool(a_neg_p),
                    ahead.digit_negative
                );
                same!(
                    cycle,
                    "ahead_address",
                    m.get_u64(a_addr_p).unwrap(),
                    ahead.bucket_address
                );
            }
        }
        let got_zero = m.get_bool(zero_p);
        same!(cycle, "digit_zero", got_zero, want.digit_zero);
        same!(cycle, "last_window", m.get_bool(last_p), want.last_window);
        if !want.digit_zero {
            same!(
                cycle,
                "digit_negative",
                m.get_bool(neg_p),
                want.digit_negative
            );
            same!(
                cycle,
                "bucket_address",
                m.get_u64(addr_p).unwrap(),
                want.bucket_address
            );
        }
        if let Some(s) = &loaded {
            if step {
                digits.push(model.digit());
                if two {
                    digits.push(model.ahead_digit());
                }
                if digits.len() == cfg.windows {
                    let reference = signed_digits(s, c, cfg.windows);
                    same!(cycle, format!("digits of {s:#x}"), &digits, &reference);
                }
            }
        }
        if load {
            loaded = Some(scalar.clone());
            digits.clear();
        }
        model.tick(load.then_some(&scalar), step);
        if two {
            model.tick(None, true);
        }
        m.tick();
    }
    if twos == 0 {
        return Err("the stimulus never stepped two windows".into());
    }
    if edge < edges.len() {
        return Err(format!(
            "only {edge} of {} edge scalars were sent",
            edges.len()
        ));
    }
    Ok(())
}

#[test]
fn recoder_matches_its_model() {
    let seed = test_seed("msm recoder");
    let (cfg, blocks) = bls_blocks();
    let curve = Curve::from_name("bls12-381").unwrap();
    let r = curve.scalar_field().modulus().clone();
    let rc = blocks.recoder;
    check_recoder(&rc.generate().unwrap(), &rc, &r, seed, 6000).unwrap();
    // A wide window too (c = 13, 20 windows), with the default scalar width.
    let wide = RecoderConfig {
        window: 13,
        windows: cfg.scalar_bits.div_ceil(13) + 1,
        top: "wide_recoder".into(),
    };
    check_recoder(&wide.generate().unwrap(), &wide, &r, seed + 1, 3000).unwrap();
}

#[test]
fn recoder_mutant_is_caught() {
    let seed = test_seed("msm recoder mutant");
    let (_, blocks) = bls_blocks();
    let r = Curve::from_name("bls12-381")
        .unwrap()
        .scalar_field()
        .modulus()
        .clone();
    let rc = blocks.recoder;
    // 2^(c-1) taken as negative: the digit range becomes [-2^(c-1), 2^(c-1)).
    let bad = mutate(
        &rc.generate().unwrap(),
        "digit_value > 5'd8;",
        "digit_value >= 5'd8;",
    );
    assert!(check_recoder(&bad, &rc, &r, seed, 2000).is_err());
    // The window after the lookahead recoded without the lookahead digit's carry.
    let bad = mutate(
        &rc.generate().unwrap(),
        "signed_digit(scalar_rest[11:8], next_digit[4]);",
        "signed_digit(scalar_rest[11:8], 1'b0);",
    );
    assert!(check_recoder(&bad, &rc, &r, seed, 2000).is_err());
    // A loaded scalar's second digit without the first digit's carry.
    let bad = mutate(
        &rc.generate().unwrap(),
        "signed_digit(load_scalar[7:4], load_first[4]);",
        "signed_digit(load_scalar[7:4], 1'b0);",
    );
    assert!(check_recoder(&bad, &rc, &r, seed, 2000).is_err());
}

// ---------------------------------------------------------------------------------------------
// Parking FIFO

fn check_fifo(
    core: &GeneratedCore,
    cfg: &FifoConfig,
    seed: u64,
    cycles: usize,
) -> Result<(), String> {
    let mut m = load(core);
    let [reset_p, push_p, entry_p, pop_p, head_p, empty_p, full_p] = [
        "reset",
        "push",
        "push_entry",
        "pop",
        "head_entry",
        "empty",
        "full",
    ]
    .map(|n| m.port(n).unwrap());
    let mut model = Fifo::new(cfg.depth);
    let mut rng = rng_from_seed(seed);
    let mut max_len = 0;
    let mut full_pushes = 0;
    for cycle in 0..cycles {
        // Phases that fill, drain and churn the FIFO.
        let push_rate = [0.9, 0.1, 0.5][(cycle / 97) % 3];
        let reset = rng.gen_bool(0.003);
        let pop = !model.empty() && rng.gen_bool(1.0 - push_rate);
        let push = (!model.full() || pop) && rng.gen_bool(push_rate);
        let entry = random_bits(&mut rng, cfg.entry_bits);
        m.set_bool(reset_p, reset).unwrap();
        m.set_bool(push_p, push).unwrap();
        m.set_biguint(entry_p, &entry).unwrap();
        m.set_bool(pop_p, pop).unwrap();
        m.eval();
        same!(cycle, "empty", m.get_bool(empty_p), model.empty());
        same!(cycle, "full", m.get_bool(full_p), model.full());
        if let Some(h) = model.head() {
            same!(cycle, "head_entry", &m.get_biguint(head_p), h);
        }
        max_len = max_len.max(model.len());
        full_pushes += usize::from(model.full() && push);
        model.tick(push.then_some(&entry), pop, reset);
        m.tick();
    }
    if max_len < cfg.depth || full_pushes == 0 {
        return Err(format!(
            "the stimulus never filled the FIFO ({max_len}) or pushed into a full one"
        ));
    }
    Ok(())
}

#[test]
fn fifo_matches_its_model() {
    let seed = test_seed("msm fifo");
    let (_, blocks) = bls_blocks();
    let f = blocks.fifo;
    check_fifo(&f.generate().unwrap(), &f, seed, 5000).unwrap();
    let small = FifoConfig {
        depth: 2,
        entry_bits: 7,
        top: "small_fifo".into(),
    };
    check_fifo(&small.generate().unwrap(), &small, seed + 1, 3000).unwrap();
}

#[test]
fn fifo_mutant_is_caught() {
    let seed = test_seed("msm fifo mutant");
    let (_, blocks) = bls_blocks();
    let f = blocks.fifo;
    // Full one entry early.
    let bad = mutate(
        &f.generate().unwrap(),
        "full_q <= count_next == 5'd16;",
        "full_q <= count_next == 5'd15;",
    );
    assert!(check_fifo(&bad, &f, seed, 3000).is_err());
    // A pop that leaves one entry behind keeps the old head instead of loading the next one.
    let bad = mutate(
        &f.generate().unwrap(),
        "head_q <= second_entry;",
        "head_q <= head_q;",
    );
    assert!(check_fifo(&bad, &f, seed, 3000).is_err());
}

// ---------------------------------------------------------------------------------------------
// Statistics

fn check_stats(core: &GeneratedCore, seed: u64, cycles: usize) -> Result<(), String> {
    let mut m = load(core);
    let clear_p = m.port("clear").unwrap();
    let incs: Vec<_> = zkhdl_hdl::msm::stats::COUNTERS
        .iter()
        .map(|(i, _, _)| m.port(i).unwrap())
        .collect();
    let outs: Vec<_> = zkhdl_hdl::msm::stats::COUNTERS
        .iter()
        .map(|(_, o, _)| m.port(o).unwrap())
        .collect();
    let mut model = Stats::default();
    let mut rng = rng_from_seed(seed);
    for cycle in 0..cycles {
        let clear = rng.gen_bool(0.01);
        let rate = rng.gen_range(0.0..1.0);
        let events: [bool; 6] = std::array::from_fn(|_| rng.gen_bool(rate));
        m.set_bool(clear_p, clear).unwrap();
        for (p, e) in incs.iter().zip(events) {
            m.set_bool(*p, e).unwrap();
        }
        m.eval();
        for (i, p) in outs.iter().enumerate() {
            same!(
                cycle,
                zkhdl_hdl::msm::stats::COUNTERS[i].1,
                m.get_u64(*p).unwrap(),
                u64::from(model.counters[i])
            );
        }
        model.tick(clear, events);
        m.tick();
    }
    Ok(())
}

#[test]
fn stats_match_their_model() {
    let seed = test_seed("msm stats");
    let s = StatsConfig {
        top: "stats".into(),
    };
    check_stats(&s.generate().unwrap(), seed, 4000).unwrap();
}

#[test]
fn stats_mutant_is_caught() {
    let seed = test_seed("msm stats mutant");
    let s = StatsConfig {
        top: "stats".into(),
    };
    // Hazards counted from the stall input.
    let bad = mutate(
        &s.generate().unwrap(),
        "if (count_hazard) hazards_count <=",
        "if (count_stall) hazards_count <=",
    );
    assert!(check_stats(&bad, seed, 2000).is_err());
}

// ---------------------------------------------------------------------------------------------
// Bucket scheduler and hazard tracker

fn check_scheduler(
    core: &GeneratedCore,
    cfg: &SchedulerConfig,
    seed: u64,
    cycles: usize,
) -> Result<(), String> {
    let mut m = load(core);
    let names = [
        "accumulating",
        "hold",
        "point_valid",
        "digit_zero",
        "point_bucket",
        "ahead_valid",
        "ahead_zero",
        "ahead_bucket",
        "parked_waiting",
        "parked_bucket",
        "fifo_full",
        "done_enable",
        "done_bucket",
        "clear_enable",
        "clear_address",
    ];
    let ins: Vec<_> = names.iter().map(|n| m.port(n).unwrap()).collect();
    let outs: Vec<_> = [
        "issue_parked",
        "issue_new",
        "issue_ahead",
        "park",
        "advance",
        "stall",
    ]
    .iter()
    .map(|n| m.port(n).unwrap())
    .collect();
    let nb = cfg.buckets;
    let mut model = Scheduler::new(nb);
    let mut rng = rng_from_seed(seed);
    let mut seen = BTreeMap::new();
    let walk = nb;
    for cycle in 0..walk + cycles {
        let mut i = SchedulerInputs::default();
        if cycle < walk {
            // The clearing walk after reset.
            i.clear = Some(cycle);
        } else {
            // Few buckets in play, so conflicts are frequent.
            let hot = 1 + (cycle / 500) % nb.min(4);
            let bucket = |rng: &mut ChaCha8Rng| {
                if rng.gen_bool(0.7) {
                    rng.gen_range(0..hot)
                } else {
                    rng.gen_range(0..nb)
                }
            };
            i.accumulating = rng.gen_bool(0.9);
            i.hold = rng.gen_bool(0.2);
            i.point_valid = rng.gen_bool(0.8);
            i.digit_zero = rng.gen_bool(0.15);
            i.point_bucket = bucket(&mut rng);
            i.ahead_valid = rng.gen_bool(0.8);
            i.ahead_zero = rng.gen_bool(0.15);
            i.ahead_bucket = bucket(&mut rng);
            i.parked_waiting = rng.gen_bool(0.5);
            i.parked_bucket = if rng.gen_bool(0.3) {
                i.point_bucket
            } else {
                bucket(&mut rng)
            };
            i.fifo_full = rng.gen_bool(0.3);
            // A sum comes back for a bucket in the adder (or, rarely, any bucket).
            let flying: Vec<usize> = (0..nb)
                .filter(|&b| model.in_flight[b] == Some(true))
                .collect();
            if !flying.is_empty() && rng.gen_bool(0.4) {
                i.done = Some(flying[rng.gen_range(0..flying.len())]);
            } else if rng.gen_bool(0.02) {
                i.done = Some(rng.gen_range(0..nb));
            }
            if rng.gen_bool(0.01) {
                // The clear port's contract: nothing issued or done on that edge.
                i.clear = Some(rng.gen_range(0..nb));
                i.accumulating = false;
                i.done = None;
            }
        }
        let vals = [
            i.accumulating as u64,
            i.hold as u64,
            i.point_valid as u64,
            i.digit_zero as u64,
            i.point_bucket as u64,
            i.ahead_valid as u64,
            i.ahead_zero as u64,
            i.ahead_bucket as u64,
            i.parked_waiting as u64,
            i.parked_bucket as u64,
            i.fifo_full as u64,
            i.done.is_some() as u64,
            i.done.unwrap_or(0) as u64,
            i.clear.is_some() as u64,
            i.clear.unwrap_or(0) as u64,
        ];
        for (p, v) in ins.iter().zip(vals) {
            m.set_u64(*p, v).unwrap();
        }
        m.eval();
        if cycle >= walk {
            let want = model.outputs(&i);
            let got: Vec<bool> = outs.iter().map(|p| m.get_bool(*p)).collect();
            let want_v = [
                want.issue_parked,
                want.issue_new,
                want.issue_ahead,
                want.park,
                want.advance,
                want.stall,
            ];
            same!(
                cycle,
                format!("issue_parked/issue_new/issue_ahead/park/advance/stall for {i:?}"),
                got,
                want_v.to_vec()
            );
            *seen.entry(format!("{want:?}")).or_insert(0usize) += 1;
        }
        model.tick(&i);
        m.tick();
    }
    // Every decision must have been exercised.
    for (what, hit) in [
        (
            "issue_parked: true",
            seen.keys().any(|k| k.contains("issue_parked: true")),
        ),
        (
            "issue_new: true",
            seen.keys().any(|k| k.contains("issue_new: true")),
        ),
        (
            "issue_ahead: true",
            seen.keys().any(|k| k.contains("issue_ahead: true")),
        ),
        ("park: true", seen.keys().any(|k| k.contains("park: true"))),
        (
            "stall: true",
            seen.keys().any(|k| k.contains("stall: true")),
        ),
    ] {
        if !hit {
            return Err(format!("the stimulus never produced {what}"));
        }
    }
    Ok(())
}

#[test]
fn scheduler_matches_its_model() {
    let seed = test_seed("msm scheduler");
    let (_, blocks) = bls_blocks();
    let s = blocks.scheduler;
    check_scheduler(&s.generate().unwrap(), &s, seed, 5000).unwrap();
    let small = SchedulerConfig {
        buckets: 12,
        address_bits: 4,
        top: "small_scheduler".into(),
    };
    check_scheduler(&small.generate().unwrap(), &small, seed + 1, 5000).unwrap();
}

#[test]
fn scheduler_mutant_is_caught() {
    let seed = test_seed("msm scheduler mutant");
    let small = SchedulerConfig {
        buckets: 12,
        address_bits: 4,
        top: "small_scheduler".into(),
    };
    // A current point may go to the same bucket as the parked point re-issued this cycle.
    let bad = mutate(
        &small.generate().unwrap(),
        " || (parked_ready && parked_bucket == point_bucket)",
        "",
    );
    assert!(check_scheduler(&bad, &small, seed, 3000).is_err());
    // The lookahead digit issued into a bucket that is still in the adder.
    let bad = mutate(&small.generate().unwrap(), " && !ahead_in_flight;", ";");
    assert!(check_scheduler(&bad, &small, seed, 3000).is_err());
    // A written-back sum leaves its bucket in flight (the done mark set unequal).
    let bad = mutate(
        &small.generate().unwrap(),
        "done_mark[done_address] <= issue_mark[done_address];",
        "done_mark[done_address] <= !issue_mark[done_address];",
    );
    assert!(check_scheduler(&bad, &small, seed, 3000).is_err());
}

// ---------------------------------------------------------------------------------------------
// Bucket memory

fn check_bucket_memory(
    core: &GeneratedCore,
    cfg: &BucketMemoryConfig,
    seed: u64,
    cycles: usize,
) -> Result<(), String> {
    let mut m = load(core);
    let [we, wa, wv, ee, ea, pa, po, ra, rav, rao, rb, rbv, rbo] = [
        "write_enable",
        "write_address",
        "write_value",
        "empty_enable",
        "empty_address",
        "probe_address",
        "probe_occupied",
        "read_a_address",
        "read_a_value",
        "read_a_occupied",
        "read_b_address",
        "read_b_value",
        "read_b_occupied",
    ]
    .map(|n| m.port(n).unwrap());
    let nb = cfg.buckets;
    let mut model = BucketMemory::new(nb);
    let mut rng = rng_from_seed(seed);
    let mut write_and_empty_same = 0;
    for cycle in 0..nb + cycles {
        let mut i = BucketMemoryInputs::default();
        if cycle < nb {
            i.empty = Some(cycle); // the clearing walk
        } else {
            let hot = rng.gen_range(1..=nb);
            if rng.gen_bool(0.4) {
                i.write = Some((rng.gen_range(0..hot), random_bits(&mut rng, cfg.value_bits)));
            }
            if rng.gen_bool(0.3) {
                i.empty = Some(match &i.write {
                    Some((a, _)) if rng.gen_bool(0.3) => *a,
                    _ => rng.gen_range(0..hot),
                });
            }
            if let (Some((a, _)), Some(e)) = (&i.write, i.empty) {
                write_and_empty_same += usize::from(*a == e);
            }
            i.probe_address = rng.gen_range(0..hot);
            i.read_a_address = rng.gen_range(0..hot);
            i.read_b_address = rng.gen_range(0..hot);
        }
        m.set_bool(we, i.write.is_some()).unwrap();
        let (a, v) = i.write.clone().unwrap_or((0, BigUint::from(0u32)));
        m.set_u64(wa, a as u64).unwrap();
        m.set_biguint(wv, &v).unwrap();
        m.set_bool(ee, i.empty.is_some()).unwrap();
        m.set_u64(ea, i.empty.unwrap_or(0) as u64).unwrap();
        m.set_u64(pa, i.probe_address as u64).unwrap();
        m.set_u64(ra, i.read_a_address as u64).unwrap();
        m.set_u64(rb, i.read_b_address as u64).unwrap();
        m.eval();
        if cycle > nb {
            if let Some(o) = model.probe {
                same!(cycle, "probe_occupied", m.get_bool(po), o);
            }
            for (port, (vp, op)) in [(&model.read_a, (rav, rao)), (&model.read_b, (rbv, rbo))] {
                if let Some(o) = port.occupied {
                    same!(cycle, "read occupied", m.get_bool(op), o);
                }
                if let Some(v) = &port.value {
                    same!(cycle, "read value", &m.get_biguint(vp), v);
                }
            }
        }
        model.tick(&i);
        m.tick();
    }
    if write_and_empty_same == 0 {
        return Err("the stimulus never wrote and emptied one bucket on one edge".into());
    }
    Ok(())
}

#[test]
fn bucket_memory_matches_its_model() {
    let seed = test_seed("msm bucket memory");
    let (_, blocks) = bls_blocks();
    let b = blocks.bucket_memory;
    check_bucket_memory(&b.generate().unwrap(), &b, seed, 4000).unwrap();
}

#[test]
fn bucket_memory_mutant_is_caught() {
    let seed = test_seed("msm bucket memory mutant");
    let small = BucketMemoryConfig {
        buckets: 12,
        address_bits: 4,
        value_bits: 70,
        top: "small_bucket_memory".into(),
    };
    let good = small.generate().unwrap();
    check_bucket_memory(&good, &small, seed, 3000).unwrap();
    // A write wins over an empty of the same bucket on the same edge (the empty ignores it).
    let bad = mutate(
        &good,
        "empty_same ? !empty_mark[empty_address] : fill_mark[empty_address];",
        "fill_mark[empty_address];",
    );
    assert!(check_bucket_memory(&bad, &small, seed, 3000).is_err());
    // A combinational probe (the flag of this cycle's address) instead of a registered one.
    let bad = mutate(
        &good,
        "assign probe_occupied = probe_occupied_q;",
        "assign probe_occupied = fill_mark[probe_address] != empty_mark[probe_address];",
    );
    assert!(check_bucket_memory(&bad, &small, seed, 3000).is_err());
    // Port A's flag read at this cycle's address instead of the registered one.
    let bad = mutate(
        &good,
        "assign read_a_occupied = fill_mark[read_a_address_q] != empty_mark[read_a_address_q];",
        "assign read_a_occupied = fill_mark[read_a_address] != empty_mark[read_a_address];",
    );
    assert!(check_bucket_memory(&bad, &small, seed, 3000).is_err());
}

// ---------------------------------------------------------------------------------------------
// Aggregation and window-combination sequencer

fn check_sequencer(
    core: &GeneratedCore,
    cfg: &SequencerConfig,
    seed: u64,
    rounds: usize,
) -> Result<(), String> {
    let mut m = load(core);
    let [sa, ag, rsb, wsb, sc, cb, tb] = [
        "start_aggregation",
        "aggregating",
        "running_sum_busy",
        "window_sum_busy",
        "start_combination",
        "combining",
        "total_busy",
    ]
    .map(|n| m.port(n).unwrap());
    let [a_step, a_win, a_sum, a_bucket, a_probe, a_pend, c_step, c_dbl, c_win, c_done] = [
        "aggregation_step",
        "aggregation_window",
        "aggregation_to_window_sum",
        "aggregation_bucket",
        "aggregation_probe",
        "aggregation_pending",
        "combination_step",
        "combination_doubling",
        "combination_window",
        "combination_done",
    ]
    .map(|n| m.port(n).unwrap());
    let (c, nw) = (cfg.window, cfg.windows);
    let mut model = Sequencer::new(c, nw);
    let mut rng = rng_from_seed(seed);
    let bits = |v: &[bool]| v.iter().rev().fold(0u64, |a, &b| (a << 1) | u64::from(b));
    let mut cycle = 0usize;
    let mut steps = 0usize;
    for round in 0..rounds {
        let busy_rate = [0.0, 0.3, 0.7][round % 3];
        // Aggregation until no bucket is left (occasionally restarted mid-way), then a
        // combination until done (occasionally restarted too).
        let mut started = false;
        let mut phase = 0;
        let mut combination_started = false;
        let mut guard = 0;
        let (mut running_busy, mut window_busy) = (vec![false; nw], vec![false; nw]);
        while phase < 2 {
            guard += 1;
            if guard > 400_000 {
                return Err("the sequence never finished".into());
            }
            // Busy bits that persist for a few cycles (each is drawn again with probability
            // 1/4 per cycle), as sums in the adder do: a stage's recheck then mostly passes.
            let mut redraw = |v: &mut Vec<bool>| {
                v.iter_mut().for_each(|b| {
                    if rng.gen_bool(0.25) {
                        *b = rng.gen_bool(busy_rate);
                    }
                })
            };
            redraw(&mut running_busy);
            redraw(&mut window_busy);
            let mut i = SequencerInputs {
                running_sum_busy: running_busy.clone(),
                window_sum_busy: window_busy.clone(),
                total_busy: rng.gen_bool(busy_rate),
                ..Default::default()
            };
            if phase == 0 {
                i.start_aggregation = !started || rng.gen_bool(0.001);
                started = true;
                i.aggregating = !i.start_aggregation && rng.gen_bool(0.9);
            } else {
                i.start_combination = !combination_started || rng.gen_bool(0.002);
                combination_started = true;
                i.combining = !i.start_combination && rng.gen_bool(0.9);
            }
            m.set_bool(sa, i.start_aggregation).unwrap();
            m.set_bool(ag, i.aggregating).unwrap();
            m.set_u64(rsb, bits(&i.running_sum_busy)).unwrap();
            m.set_u64(wsb, bits(&i.window_sum_busy)).unwrap();
            m.set_bool(sc, i.start_combination).unwrap();
            m.set_bool(cb, i.combining).unwrap();
            m.set_bool(tb, i.total_busy).unwrap();
            m.eval();
            if round > 0 || phase > 0 || !i.start_aggregation {
                same!(
                    cycle,
                    "aggregation_pending",
                    m.get_bool(a_pend),
                    model.aggregation_pending()
                );
                let cand = model.aggregation_candidate(&i);
                same!(
                    cycle,
                    "aggregation_step",
                    m.get_bool(a_step),
                    i.aggregating && cand.is_some()
                );
                if let Some(s) = &cand {
                    same!(
                        cycle,
                        "aggregation_window",
                        m.get_u64(a_win).unwrap(),
                        s.window as u64
                    );
                    same!(
                        cycle,
                        "aggregation_to_window_sum",
                        m.get_bool(a_sum),
                        s.to_window_sum
                    );
                    let b = ((s.window as u64) << (c - 1)) | (s.bucket as u64 - 1);
                    same!(cycle, "aggregation_bucket", m.get_u64(a_bucket).unwrap(), b);
                    steps += usize::from(i.aggregating);
                }
                if let Some(s) = model.aggregation_probe() {
                    let b = ((s.window as u64) << (c - 1)) | (s.bucket as u64 - 1);
                    same!(cycle, "aggregation_probe", m.get_u64(a_probe).unwrap(), b);
                }
            }
            if phase == 1 && !i.start_combination {
                same!(
                    cycle,
                    "combination_done",
                    m.get_bool(c_done),
                    model.combination_done()
                );
                same!(
                    cycle,
                    "combination_step",
                    m.get_bool(c_step),
                    model.combination_step(&i)
                );
                if let Some(next) = model.combination_next() {
                    same!(
                        cycle,
                        "combination_doubling",
                        m.get_bool(c_dbl),
                        next.is_none()
                    );
                    if let Some(w) = next {
                        same!(
                            cycle,
                            "combination_window",
                            m.get_u64(c_win).unwrap(),
                            w as u64
                        );
                    }
                }
            }
            model.tick(&i);
            m.tick();
            cycle += 1;
            if phase == 0 && started && !i.start_aggregation && !model.aggregation_pending() {
                phase = 1;
            } else if phase == 1 && combination_started && model.combination_done() {
                phase = 2;
            }
        }
    }
    if steps < 2 * nw * (1 << (c - 1)) {
        return Err(format!("only {steps} aggregation steps"));
    }
    Ok(())
}

#[test]
fn sequencer_matches_its_model() {
    let seed = test_seed("msm sequencer");
    let small = SequencerConfig {
        window: 3,
        windows: 5,
        top: "small_sequencer".into(),
        chained: false,
    };
    check_sequencer(&small.generate().unwrap(), &small, seed, 9).unwrap();
    let (_, blocks) = bls_blocks();
    let s = blocks.sequencer;
    check_sequencer(&s.generate().unwrap(), &s, seed + 1, 3).unwrap();
}

#[test]
fn sequencer_mutant_is_caught() {
    let seed = test_seed("msm sequencer mutant");
    let small = SequencerConfig {
        window: 3,
        windows: 5,
        top: "small_sequencer".into(),
        chained: false,
    };
    // The window sum's step no longer waits for S_w to leave the adder.
    let bad = mutate(
        &small.generate().unwrap(),
        "& (~adding_to_window_sum | ~window_sum_busy)",
        "",
    );
    assert!(check_sequencer(&bad, &small, seed, 6).is_err());
    // The scan may pick a window that is already in a stage: it would step twice on stale
    // state.
    let bad = mutate(&small.generate().unwrap(), "& ~a_select & ~b_select;", ";");
    assert!(check_sequencer(&bad, &small, seed, 6).is_err());
    // The prefix OR one step short: a window 3 above an eligible one is picked as well.
    let bad = mutate(
        &small.generate().unwrap(),
        "may_step & ~below_2;",
        "may_step & ~below_1;",
    );
    assert!(check_sequencer(&bad, &small, seed, 6).is_err());
}

// ---------------------------------------------------------------------------------------------
// Lint

/// `verilator --lint-only -Wall` on `verilog` with top `top`: the warning and error lines.
fn lint(verilog: &str, top: &str) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!(
        "zkhdl-lint-{}-{top}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{top}.v"));
    std::fs::write(&file, verilog).unwrap();
    let out = std::process::Command::new("verilator")
        .args(["--lint-only", "-Wall", "--top-module", top])
        .arg(&file)
        .output()
        .expect("verilator on PATH");
    let _ = std::fs::remove_dir_all(&dir);
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    let lines: Vec<String> = text
        .lines()
        .filter(|l| {
            (l.starts_with("%Warning") || l.starts_with("%Error"))
                && !l.starts_with("%Error: Exiting due to")
        })
        .map(str::to_string)
        .collect();
    assert!(
        out.status.success() || !lines.is_empty(),
        "verilator failed without a message: {text}"
    );
    lines
}

/// The module each line of `verilog` is in (1-based line numbers).
fn module_of_lines(verilog: &str) -> Vec<String> {
    let mut current = String::new();
    let mut v = vec![String::new()];
    for l in verilog.lines() {
        if let Some(rest) = l.trim_start().strip_prefix("module ") {
            current = rest
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '(' && *c != ';')
                .collect();
        }
        v.push(current.clone());
    }
    v
}

#[test]
fn every_block_lints_clean() {
    let (_, blocks) = bls_blocks();
    let cores = [
        blocks.recoder.generate().unwrap(),
        blocks.fifo.generate().unwrap(),
        blocks.scheduler.generate().unwrap(),
        blocks.bucket_memory.generate().unwrap(),
        blocks.sequencer.generate().unwrap(),
        blocks.stats.generate().unwrap(),
    ];
    for core in cores {
        let w = lint(&core.verilog, &core.manifest.top);
        assert!(w.is_empty(), "{}:\n{}", core.manifest.top, w.join("\n"));
    }
}

#[test]
fn whole_msms_lint_clean_in_the_msm_modules() {
    // (curve, window, host aggregation, double-buffered)
    for (curve, window, host, overlap) in [
        ("bls12-381", None, false, true),
        ("bls12-381", None, true, true),
        ("bls12-381", Some(4), false, true),
        ("bn254", None, false, true),
        ("bn254", None, false, false),
        ("bn254", None, true, true),
    ] {
        let c = Curve::from_name(curve).unwrap();
        let mut cfg = config_for(&c, 4);
        let latency = zkhdl_hdl::point_add::plan(&cfg.adder).unwrap().latency;
        cfg.window = window.unwrap_or_else(|| best_window(1024, cfg.scalar_bits, latency));
        cfg.host_aggregation = host;
        cfg.overlap = overlap;
        let core = cfg.generate().unwrap();
        let modules = module_of_lines(&core.verilog);
        let top = &core.manifest.top;
        let ours = |m: &str| m == top || (m.starts_with(&format!("{top}_")) && !m.contains('$'));
        let file = format!("{top}.v:");
        let mine: Vec<String> = lint(&core.verilog, top)
            .into_iter()
            .filter(|w| {
                // `%Warning-X: /path/top.v:LINE:COL: ...`: judge the msm modules only.
                let Some(pos) = w.find(&file) else {
                    return true;
                };
                let line: usize = w[pos + file.len()..]
                    .split(':')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                modules.get(line).is_none_or(|m| ours(m))
            })
            .collect();
        assert!(
            mine.is_empty(),
            "{curve} c = {} host {host} overlap {overlap}:\n{}",
            cfg.window,
            mine.join("\n")
        );
    }
}
