//! The four-step NTT (two passes through the hardware `ntt` core, the twiddle multiply on the
//! hardware `modmul` core, transposes through the modelled memory) against golden: arkworks
//! for every case, and a plain O(N^2) DFT for one of them. Random inputs with printed seeds,
//! Goldilocks and BabyBear, K = 8 to 12 (odd K too), forward and inverse; a wrong twiddle in
//! the twiddle pass must be caught; bad shapes are refused.

mod common;

use common::test_seed;
use num_bigint::BigUint;
use rand::Rng;
use zkhdl_golden::ntt::root_of_unity;
use zkhdl_golden::Field;
use zkhdl_sim::ntt::random_batches;
use zkhdl_sim::ntt_four_step::{
    simulate, split, FourStepConfig, FourStepMutant, FourStepOptions, FourStepRun,
};

fn field(name: &str) -> Field {
    Field::from_name(name).unwrap()
}

fn run(
    f: &Field,
    log_n: usize,
    lanes: usize,
    inverse: bool,
    seed: u64,
    count: usize,
) -> (Vec<Vec<BigUint>>, FourStepRun) {
    let cfg = FourStepConfig::new(log_n, lanes, inverse);
    let batches = random_batches(f, log_n, count, seed);
    let run = simulate(&cfg, f, &batches, &FourStepOptions::default()).unwrap();
    (batches, run)
}

/// Golden match, and the memory and cycle model's bookkeeping.
fn check(f: &Field, log_n: usize, lanes: usize, inverse: bool, seed: u64) {
    let what = format!(
        "{} 2^{log_n} lanes {lanes} {} seed {seed}",
        f.name(),
        if inverse { "inverse" } else { "forward" }
    );
    let (batches, r) = run(f, log_n, lanes, inverse, seed, 2);
    assert!(
        r.matches_golden(),
        "{what}: {:?} {:?}",
        r.stream_errors,
        r.mismatches.first()
    );
    let n = (batches.len() as u64) << log_n;
    // Each pass reads and writes every word once.
    assert_eq!(r.memory_words_read, 2 * n, "{what}: words read");
    assert_eq!(r.memory_words_written, 2 * n, "{what}: words written");
    assert_eq!(r.passes.len(), 2);
    let (k1, k2) = split(log_n);
    assert_eq!((r.passes[0].core_log_n, r.passes[1].core_log_n), (k2, k1));
    assert_eq!(r.passes[0].transforms, batches.len() << k1);
    assert_eq!(r.passes[1].transforms, batches.len() << k2);
    assert_eq!(
        r.cycles,
        r.core_cycles + r.memory_cycles,
        "{what}: cycle sum"
    );
    // Each pass streams its N values at P per cycle at best.
    assert!(
        r.core_cycles >= 2 * n / lanes as u64,
        "{what}: {}",
        r.core_cycles
    );
    let bw = 2 * lanes as u64;
    assert_eq!(
        r.memory_cycles,
        4 * n / bw,
        "{what}: memory cycles at 2P words per cycle"
    );
    assert!(r.cycles_overlapped <= r.cycles && r.cycles_overlapped >= r.core_cycles);
}

#[test]
fn goldilocks_even_and_odd_sizes() {
    let seed = test_seed("goldilocks_even_and_odd_sizes");
    let f = field("goldilocks");
    check(&f, 8, 2, false, seed);
    check(&f, 9, 2, false, seed + 1);
    check(&f, 12, 4, true, seed + 2);
    check(&f, 11, 1, true, seed + 3);
}

#[test]
fn babybear_forward_and_inverse() {
    let seed = test_seed("babybear_forward_and_inverse");
    let f = field("babybear");
    check(&f, 10, 4, false, seed);
    check(&f, 10, 4, true, seed + 1);
    check(&f, 8, 8, true, seed + 2);
}

/// X[i] = sum_j x[j] w^(i j) with w from golden, straight from the definition.
fn plain_dft(f: &Field, x: &[BigUint], log_n: usize) -> Vec<BigUint> {
    let p = f.modulus();
    let w = root_of_unity(f, log_n as u32).unwrap();
    let n = x.len();
    (0..n)
        .map(|i| {
            let wi = w.modpow(&BigUint::from(i as u64), p);
            let mut acc = BigUint::default();
            let mut t = BigUint::from(1u32);
            for v in x {
                acc = (acc + v * &t) % p;
                t = (&t * &wi) % p;
            }
            acc
        })
        .collect()
}

#[test]
fn goldilocks_matches_a_plain_dft() {
    let seed = test_seed("goldilocks_matches_a_plain_dft");
    let f = field("goldilocks");
    let (batches, r) = run(&f, 8, 2, false, seed, 1);
    assert_eq!(r.outputs[0], plain_dft(&f, &batches[0], 8), "seed {seed}");
    // The four-step inverse gives the input back.
    let cfg = FourStepConfig::new(8, 2, true);
    let back = simulate(&cfg, &f, &r.outputs, &FourStepOptions::default()).unwrap();
    assert!(back.matches_golden());
    assert_eq!(
        back.outputs[0], batches[0],
        "inverse(forward(x)) = x, seed {seed}"
    );
}

#[test]
fn a_wrong_twiddle_is_caught() {
    let seed = test_seed("a_wrong_twiddle_is_caught");
    let mut rng = zkhdl_golden::vectors::rng_from_seed(seed);
    for (name, log_n, inverse) in [("goldilocks", 10, false), ("babybear", 9, true)] {
        let f = field(name);
        let (k1, k2) = split(log_n);
        // j1, k2 >= 1: w^0 = 1 squared is still 1.
        let mutant = FourStepMutant::WrongTwiddle {
            j1: rng.gen_range(1..1usize << k1),
            k2: rng.gen_range(1..1usize << k2),
        };
        let cfg = FourStepConfig::new(log_n, 2, inverse);
        let batches = random_batches(&f, log_n, 1, seed);
        let opts = FourStepOptions {
            mutant,
            ..Default::default()
        };
        let r = simulate(&cfg, &f, &batches, &opts).unwrap();
        assert!(
            !r.matches_golden() && !r.mismatches.is_empty(),
            "{name}: {mutant:?} not caught (seed {seed})"
        );
        // The hardware multiplier did what it was told: the error is the twiddle's, so it
        // reaches every output of the affected row's transform only through pass 2.
        assert!(r.stream_errors.is_empty(), "{:?}", r.stream_errors);
    }
}

#[test]
fn bad_shapes_are_refused() {
    let bb = field("babybear");
    let x = random_batches(&bb, 2, 1, 1);
    let e = simulate(
        &FourStepConfig::new(1, 1, false),
        &bb,
        &x,
        &Default::default(),
    );
    assert!(e.unwrap_err().to_string().contains("at least 2"));
    // BabyBear's 2-adicity is 27.
    let e = FourStepConfig::new(28, 1, false).check(&bb).unwrap_err();
    assert!(e.to_string().contains("2-adicity is 27"), "{e}");
    // 2^9 = 2^5 x 2^4: at most 16 lanes by the split, at most 8 by the core.
    let e = FourStepConfig::new(9, 32, false).check(&bb).unwrap_err();
    assert!(e.to_string().contains("--lanes 32"), "{e}");
    let e = FourStepConfig::new(3, 4, false).check(&bb).unwrap_err();
    assert!(e.to_string().contains("2^1"), "{e}");
    assert!(FourStepConfig::new(9, 4, false).check(&bb).is_ok());
}
