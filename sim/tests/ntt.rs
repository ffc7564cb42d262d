//! The `ntt` core in Verilator (and once in Icarus) against the golden transform: random
//! vectors with printed seeds, special inputs, forward then inverse, every NTT-capable preset
//! and a custom prime, both output orders, 1 to 8 lanes, gaps between input beats,
//! back-to-back transforms, and a wrong twiddle that must be caught.

mod common;

use common::test_seed;
use num_bigint::BigUint;
use zkhdl_golden::{Field, GoldenError};
use zkhdl_hdl::ntt::{Mutant, NttConfig, OutputOrder};
use zkhdl_sim::ntt::{
    config_for, generate, random_batches, read_input, simulate, simulate_core, simulate_iverilog,
    NttRun, NttSimOptions,
};

use OutputOrder::{BitReversed, Natural};

fn field(name: &str) -> Field {
    Field::from_name(name).unwrap()
}

fn cfg(f: &Field, log_n: usize, lanes: usize, inverse: bool, order: OutputOrder) -> NttConfig {
    config_for(f, log_n, lanes, inverse, order).unwrap()
}

fn assert_ok(run: &NttRun, what: &str) {
    assert!(
        run.matches_golden(),
        "{what}: {:?} {:?}",
        run.stream_errors,
        run.mismatches.first()
    );
}

/// Runs `batches` back to back (no gaps): must match golden, the first output must come
/// exactly at the manifest's latency, and the output must stream at P elements per cycle.
fn check_back_to_back(c: &NttConfig, f: &Field, batches: &[Vec<BigUint>], what: &str) -> NttRun {
    let run = simulate(c, f, batches, &NttSimOptions::default()).unwrap();
    assert_ok(&run, what);
    assert_eq!(
        run.measured_latency,
        Some(run.latency as u64),
        "{what}: latency"
    );
    assert_eq!(
        run.elements_per_cycle, c.lanes as f64,
        "{what}: output beats must be back to back"
    );
    run
}

/// Zero, impulse, constant, alternating, all p - 1, a ramp.
fn special_batches(f: &Field, log_n: usize) -> Vec<Vec<BigUint>> {
    let n = 1 << log_n;
    let p = f.modulus();
    let zero = BigUint::default();
    let one = BigUint::from(1u32);
    let mut impulse = vec![zero.clone(); n];
    impulse[0] = one.clone();
    let mut late_impulse = vec![zero.clone(); n];
    late_impulse[n - 1] = BigUint::from(3u32);
    vec![
        vec![zero.clone(); n],
        impulse,
        late_impulse,
        vec![BigUint::from(12345u32) % p; n],
        (0..n)
            .map(|i| if i % 2 == 0 { one.clone() } else { p - 1u32 })
            .collect(),
        vec![p - 1u32; n],
        (0..n).map(|i| BigUint::from(i as u64) % p).collect(),
    ]
}

#[test]
fn goldilocks_sizes_lanes_and_orders() {
    let seed = test_seed("goldilocks_sizes_lanes_and_orders");
    let f = field("goldilocks");
    for (i, (log_n, lanes, inverse, order)) in [
        (1, 1, false, Natural),
        (2, 2, true, BitReversed),
        (4, 2, false, Natural),
        (5, 4, true, Natural),
        (4, 8, false, BitReversed),
        (3, 8, true, Natural),
    ]
    .into_iter()
    .enumerate()
    {
        let c = cfg(&f, log_n, lanes, inverse, order);
        let mut batches = random_batches(&f, log_n, 3, seed + i as u64);
        batches.extend(special_batches(&f, log_n));
        check_back_to_back(
            &c,
            &f,
            &batches,
            &format!("2^{log_n} x{lanes} inverse={inverse} {order:?}"),
        );
    }
}

#[test]
fn goldilocks_2_to_the_10() {
    let seed = test_seed("goldilocks_2_to_the_10");
    let f = field("goldilocks");
    let c = cfg(&f, 10, 2, false, Natural);
    let batches = random_batches(&f, 10, 3, seed);
    check_back_to_back(&c, &f, &batches, "2^10 x2");
}

#[test]
fn forward_then_inverse_gives_the_input_back() {
    let seed = test_seed("forward_then_inverse_gives_the_input_back");
    let f = field("babybear");
    let x = random_batches(&f, 5, 4, seed);
    let fwd = simulate(
        &cfg(&f, 5, 2, false, BitReversed),
        &f,
        &x,
        &NttSimOptions::default(),
    )
    .unwrap();
    assert_ok(&fwd, "forward");
    let back = simulate(
        &cfg(&f, 5, 2, true, Natural),
        &f,
        &fwd.outputs,
        &NttSimOptions::default(),
    )
    .unwrap();
    assert_ok(&back, "inverse");
    assert_eq!(back.outputs, x);
}

#[test]
fn every_ntt_preset_and_a_custom_prime() {
    let seed = test_seed("every_ntt_preset_and_a_custom_prime");
    let custom = Field::custom(&BigUint::from(998_244_353u64)).unwrap();
    let cases = [
        (field("babybear"), 3, 2, false, Natural),
        (field("koalabear"), 3, 2, true, BitReversed),
        (field("bls12-381-fr"), 2, 2, false, Natural),
        (field("bn254-fr"), 2, 2, true, Natural),
        (field("bls12-377-fr"), 2, 1, false, BitReversed),
        (custom, 3, 1, true, Natural),
    ];
    for (i, (f, log_n, lanes, inverse, order)) in cases.into_iter().enumerate() {
        let c = cfg(&f, log_n, lanes, inverse, order);
        let mut batches = random_batches(&f, log_n, 2, seed + i as u64);
        batches.extend(special_batches(&f, log_n));
        check_back_to_back(&c, &f, &batches, f.name());
    }
}

#[test]
fn fields_without_the_roots_are_refused() {
    let f = field("bls12-381-fq"); // 2-adicity 1
    let e = config_for(&f, 2, 1, false, Natural).unwrap_err();
    assert!(e.to_string().contains("2-adicity is 1"), "{e}");
    let f = field("babybear");
    assert!(config_for(&f, 28, 1, false, Natural).is_err());
}

#[test]
fn random_gaps_between_beats() {
    let seed = test_seed("random_gaps_between_beats");
    let f = field("goldilocks");
    for (i, order) in [Natural, BitReversed].into_iter().enumerate() {
        let c = cfg(&f, 4, 2, false, order);
        let batches = random_batches(&f, 4, 6, seed + i as u64);
        for prob in [0.2, 0.7] {
            let opts = NttSimOptions {
                gaps: Some((seed, prob)),
                ..Default::default()
            };
            let run = simulate(&c, &f, &batches, &opts).unwrap();
            assert_ok(&run, &format!("{order:?} gaps {prob}"));
            assert!(run.elements_per_cycle <= c.lanes as f64);
        }
    }
}

#[test]
fn icarus_agrees_with_verilator() {
    let seed = test_seed("icarus_agrees_with_verilator");
    let f = field("babybear");
    let c = cfg(&f, 3, 2, false, Natural);
    let batches = random_batches(&f, 3, 3, seed);
    let opts = NttSimOptions {
        gaps: Some((seed, 0.3)),
        ..Default::default()
    };
    let icarus = simulate_iverilog(&c, &f, &batches, &opts).unwrap();
    assert_ok(&icarus, "icarus");
    let verilator = simulate(&c, &f, &batches, &opts).unwrap();
    assert_ok(&verilator, "verilator");
    assert_eq!(icarus.outputs, verilator.outputs);
    assert_eq!(icarus.measured_latency, verilator.measured_latency);
}

#[test]
fn a_wrong_twiddle_is_caught() {
    let seed = test_seed("a_wrong_twiddle_is_caught");
    let f = field("goldilocks");
    let c = cfg(&f, 4, 2, false, Natural);
    let batches = random_batches(&f, 4, 2, seed);
    // Stage 1 is a delay-feedback stage (span 4, delay 2): twiddle index 1 of lane 0.
    let core = generate(&c, Mutant::WrongTwiddle { stage: 1, index: 1 }).unwrap();
    let run = simulate_core(&core, &c, &f, &batches, &NttSimOptions::default()).unwrap();
    assert!(
        !run.matches_golden(),
        "delay-feedback twiddle mutant was not caught"
    );
    // The unmutated core passes on the same vectors.
    let good = simulate(&c, &f, &batches, &NttSimOptions::default()).unwrap();
    assert_ok(&good, "unmutated");
    let c4 = cfg(&f, 3, 4, false, Natural);
    let batches = random_batches(&f, 3, 2, seed);
    // 2^3 with 4 lanes: stage 0 delay-feedback, stage 1 spatial span 2 (lane 3 carries w^2).
    let core = generate(&c4, Mutant::WrongTwiddle { stage: 1, index: 3 }).unwrap();
    let run = simulate_core(&core, &c4, &f, &batches, &NttSimOptions::default()).unwrap();
    assert!(
        !run.matches_golden(),
        "spatial twiddle mutant was not caught"
    );
}

#[test]
fn input_files_are_checked() {
    let (f, b, single) = read_input(
        r#"{"field": "babybear", "values": ["0x1", "0x2", "0x3", "0x4"]}"#,
        None,
        None,
        2,
    )
    .unwrap();
    assert_eq!(f.name(), "babybear");
    assert!(single);
    assert_eq!(b[0][3], BigUint::from(4u32));
    let bad = |text: &str, flag: Option<&str>, needle: &str| {
        let e: GoldenError = read_input(text, flag, None, 2).unwrap_err();
        assert!(e.to_string().contains(needle), "{text}: {e}");
    };
    bad(
        r#"{"field": "babybear", "values": ["0x1", "0x2", "0x3"]}"#,
        None,
        "exactly 4 values, got 3",
    );
    bad(
        r#"{"field": "babybear", "values": ["0x1", "0x2", "0x3", "0x78000001"]}"#,
        None,
        "values[3]",
    );
    bad(
        r#"{"field": "babybear", "batches": [["0x1", "0x2", "0x3", "0x4"], ["0x1", "zz", "0x3", "0x4"]]}"#,
        None,
        "batches[1][1]",
    );
    bad(
        r#"{"field": "bls12-381-fq", "values": ["0x1", "0x2", "0x3", "0x4"]}"#,
        None,
        "root of unity",
    );
    bad(
        r#"{"field": "babybear", "values": ["0x1", "0x2", "0x3", "0x4"]}"#,
        Some("koalabear"),
        "command line",
    );
}

/// The issue's target: every NTT preset at 2^12 with 4 lanes, forward and inverse, 8 random
/// transforms back to back.
#[test]
#[ignore = "ten large builds (several minutes); run with --ignored"]
fn done_when_2_to_the_12_four_lanes() {
    let seed = test_seed("done_when_2_to_the_12_four_lanes");
    for name in [
        "goldilocks",
        "babybear",
        "koalabear",
        "bls12-381-fr",
        "bn254-fr",
    ] {
        let f = field(name);
        let batches = random_batches(&f, 12, 8, seed);
        for inverse in [false, true] {
            let c = cfg(&f, 12, 4, inverse, Natural);
            let run = check_back_to_back(&c, &f, &batches, &format!("{name} inverse={inverse}"));
            eprintln!(
                "{name} inverse={inverse}: {} cycles, latency {}, {:.0} cycles/s",
                run.cycles,
                run.latency,
                run.cycles_per_s()
            );
        }
    }
}

/// Every size 2^1 .. 2^10 for every NTT preset, both orders.
#[test]
#[ignore = "many builds; run with --ignored"]
fn every_size_every_preset() {
    let seed = test_seed("every_size_every_preset");
    for name in [
        "goldilocks",
        "babybear",
        "koalabear",
        "bls12-381-fr",
        "bn254-fr",
        "bls12-377-fr",
    ] {
        let f = field(name);
        for log_n in 1..=10 {
            let lanes = [1, 2, 4, 8][log_n % 4].min(1 << log_n);
            let order = if log_n % 2 == 0 { Natural } else { BitReversed };
            let c = cfg(&f, log_n, lanes, log_n % 3 == 0, order);
            let batches = random_batches(&f, log_n, 3, seed + log_n as u64);
            check_back_to_back(&c, &f, &batches, &format!("{name} 2^{log_n}"));
        }
    }
}

/// 2^16 points, the largest size.
#[test]
#[ignore = "large simulation; run with --ignored"]
fn goldilocks_2_to_the_16() {
    let seed = test_seed("goldilocks_2_to_the_16");
    let f = field("goldilocks");
    let c = cfg(&f, 16, 8, false, Natural);
    let batches = random_batches(&f, 16, 2, seed);
    check_back_to_back(&c, &f, &batches, "2^16 x8");
}

#[test]
fn goldilocks_shift_add_multiplier() {
    let seed = test_seed("goldilocks_shift_add_multiplier");
    let f = field("goldilocks");
    for (log_n, lanes, inverse, order) in [(5, 4, false, Natural), (4, 2, true, BitReversed)] {
        let mut c = cfg(&f, log_n, lanes, inverse, order);
        c.multiplier = zkhdl_hdl::ntt::Multiplier::Goldilocks;
        let mut batches = random_batches(&f, log_n, 3, seed);
        batches.extend(special_batches(&f, log_n));
        check_back_to_back(
            &c,
            &f,
            &batches,
            &format!("goldilocks multiplier 2^{log_n}"),
        );
    }
    // The Goldilocks multiplier is refused for any other prime.
    let mut c = cfg(&field("babybear"), 3, 1, false, Natural);
    c.multiplier = zkhdl_hdl::ntt::Multiplier::Goldilocks;
    assert!(generate(&c, Mutant::None).is_err());
}
