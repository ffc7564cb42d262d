//! The NTT reference against an independent O(N^2) DFT, the bignum model against arkworks, the
//! STARK presets' generators and 2-adicity, and the input checks.

use ark_ff::{FftField, PrimeField};
use num_bigint::BigUint;
use num_traits::One;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use zkhdl_golden::field::stark::{BabyBear, Goldilocks, KoalaBear};
use zkhdl_golden::ntt::{
    self, bit_reverse_permute, is_primitive_root, model_ntt, root_of_unity, two_adicity,
    NttDirection,
};
use zkhdl_golden::{Field, FieldPreset, GoldenError};

fn seed(test: &str) -> u64 {
    let s = std::env::var("ZKHDL_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                % 1_000_000_007
        });
    eprintln!("{test}: seed {s} (replay with ZKHDL_TEST_SEED={s})");
    s
}

fn random_vec(f: &Field, n: usize, rng: &mut ChaCha8Rng) -> Vec<BigUint> {
    (0..n).map(|_| f.random_element(rng)).collect()
}

/// The definition, term by term: X[i] = sum_j x[j] w^(ij) (times N^-1 and with w^-1 for the
/// inverse). Shares nothing with the radix-2 code but the root of unity, which is checked on
/// its own (primitive, and arkworks' group generator for the presets).
fn dft(f: &Field, x: &[BigUint], w: &BigUint, inverse: bool) -> Vec<BigUint> {
    let p = f.modulus();
    let n = x.len();
    let w = if inverse {
        w.modpow(&(p - 2u32), p)
    } else {
        w.clone()
    };
    let n_inv = BigUint::from(n as u64).modpow(&(p - 2u32), p);
    (0..n)
        .map(|i| {
            let wi = w.modpow(&BigUint::from(i as u64), p);
            let mut acc = BigUint::default();
            let mut t = BigUint::one();
            for xj in x {
                acc = (acc + xj * &t) % p;
                t = (t * &wi) % p;
            }
            if inverse {
                (acc * &n_inv) % p
            } else {
                acc
            }
        })
        .collect()
}

/// Presets and custom NTT primes with their 2-adicity.
fn ntt_fields() -> Vec<Field> {
    let mut v: Vec<Field> = FieldPreset::ALL
        .into_iter()
        .map(Field::preset)
        .filter(|f| two_adicity(f.modulus()) >= 6)
        .collect();
    // 119 * 2^23 + 1 and 7 * 2^20 + 1: custom primes served by the bignum model.
    v.push(Field::custom(&BigUint::from(998_244_353u64)).unwrap());
    v.push(Field::custom(&BigUint::from(7_340_033u64)).unwrap());
    v
}

fn prime_factors(mut n: u64) -> Vec<u64> {
    let mut f = vec![];
    let mut d = 2;
    while d * d <= n {
        if n.is_multiple_of(d) {
            f.push(d);
            while n.is_multiple_of(d) {
                n /= d;
            }
        }
        d += 1;
    }
    if n > 1 {
        f.push(n);
    }
    f
}

/// `g` generates F_p^* iff g^((p-1)/q) != 1 for every prime q dividing p - 1.
fn check_generator<F: PrimeField + FftField>(name: &str, two_adicity_expected: u32) {
    let p: BigUint = F::MODULUS.into();
    let p64 = p.to_u64_digits()[0];
    assert_eq!(two_adicity(&p), two_adicity_expected, "{name}");
    assert_eq!(
        F::TWO_ADICITY,
        two_adicity_expected,
        "{name}: arkworks' 2-adicity"
    );
    let g = F::GENERATOR;
    for q in prime_factors(p64 - 1) {
        let e = (p64 - 1) / q;
        assert_ne!(g.pow([e]), F::one(), "{name}: g^((p-1)/{q}) = 1");
    }
    // arkworks' two-adic root is a primitive 2^s-th root.
    let r: BigUint = F::TWO_ADIC_ROOT_OF_UNITY.into();
    assert!(is_primitive_root(&p, &r, two_adicity_expected), "{name}");
}

#[test]
fn stark_generators_and_two_adicity() {
    check_generator::<Goldilocks>("goldilocks", 32);
    check_generator::<BabyBear>("babybear", 27);
    check_generator::<KoalaBear>("koalabear", 24);
    // Published factorisations of p - 1, as a cross-check of the trial division.
    assert_eq!(
        prime_factors(18446744069414584320),
        [2, 3, 5, 17, 257, 65537]
    );
    assert_eq!(prime_factors(2013265920), [2, 3, 5]);
    assert_eq!(prime_factors(2130706432), [2, 127]);
}

#[test]
fn roots_are_primitive_and_match_arkworks_domains() {
    for f in ntt_fields() {
        let s = two_adicity(f.modulus()).min(20);
        for k in 1..=s {
            let w = root_of_unity(&f, k).unwrap();
            assert!(is_primitive_root(f.modulus(), &w, k), "{} k={k}", f.name());
        }
    }
    // The presets' roots are arkworks' own domain generators, written out for two of them.
    let f = Field::from_name("goldilocks").unwrap();
    let w = root_of_unity(&f, 1).unwrap();
    assert_eq!(w, f.modulus() - 1u32, "the square root of unity is -1");
}

#[test]
fn transforms_match_the_dft() {
    let seed = seed("transforms_match_the_dft");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for f in ntt_fields() {
        for k in 1..=5 {
            let n = 1 << k;
            let w = root_of_unity(&f, k).unwrap();
            let x = random_vec(&f, n, &mut rng);
            for dir in [NttDirection::Forward, NttDirection::Inverse] {
                let expect = dft(&f, &x, &w, dir.is_inverse());
                let got = ntt::ntt(&f, &x, dir).unwrap();
                assert_eq!(got, expect, "{} 2^{k} {:?}", f.name(), dir);
                let model = model_ntt(&f, &x, dir).unwrap();
                assert_eq!(model, expect, "model {} 2^{k} {:?}", f.name(), dir);
            }
        }
    }
}

#[test]
fn model_matches_arkworks_and_round_trips() {
    let seed = seed("model_matches_arkworks_and_round_trips");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for f in ntt_fields() {
        for k in [1, 6, 10] {
            let x = random_vec(&f, 1 << k, &mut rng);
            let fwd = ntt::ntt(&f, &x, NttDirection::Forward).unwrap();
            assert_eq!(
                model_ntt(&f, &x, NttDirection::Forward).unwrap(),
                fwd,
                "{} 2^{k}",
                f.name()
            );
            assert_eq!(
                model_ntt(&f, &x, NttDirection::Inverse).unwrap(),
                ntt::ntt(&f, &x, NttDirection::Inverse).unwrap(),
                "{} 2^{k} inverse",
                f.name()
            );
            assert_eq!(ntt::ntt(&f, &fwd, NttDirection::Inverse).unwrap(), x);
        }
    }
}

#[test]
fn special_inputs() {
    for f in ntt_fields() {
        let n = 16;
        let zero = vec![BigUint::default(); n];
        let one = BigUint::one();
        assert_eq!(ntt::ntt(&f, &zero, NttDirection::Forward).unwrap(), zero);
        // Impulse -> constant 1; constant c -> (N c, 0, 0, ...).
        let mut impulse = zero.clone();
        impulse[0] = one.clone();
        assert_eq!(
            ntt::ntt(&f, &impulse, NttDirection::Forward).unwrap(),
            vec![one.clone(); n]
        );
        let c = BigUint::from(5u32);
        let mut expect = zero.clone();
        expect[0] = (&c * 16u32) % f.modulus();
        assert_eq!(
            ntt::ntt(&f, &vec![c; n], NttDirection::Forward).unwrap(),
            expect
        );
        // Alternating 1, -1 -> N at index N/2.
        let alt: Vec<BigUint> = (0..n)
            .map(|i| {
                if i % 2 == 0 {
                    one.clone()
                } else {
                    f.modulus() - 1u32
                }
            })
            .collect();
        let mut expect = zero.clone();
        expect[n / 2] = BigUint::from(16u32);
        assert_eq!(ntt::ntt(&f, &alt, NttDirection::Forward).unwrap(), expect);
    }
}

#[test]
fn bit_reversal_is_an_involution() {
    let v: Vec<usize> = (0..64).collect();
    let r = bit_reverse_permute(&v);
    assert_eq!(r[1], 32);
    assert_eq!(bit_reverse_permute(&r), v);
}

#[test]
fn clear_errors() {
    let f = Field::from_name("babybear").unwrap();
    let mut x = vec![BigUint::from(1u32); 8];
    x[3] = f.modulus().clone();
    let e = ntt::ntt(&f, &x, NttDirection::Forward).unwrap_err();
    assert!(matches!(e, GoldenError::OutOfRange { .. }), "{e}");
    assert!(e.to_string().contains("values[3]"), "{e}");
    let e = ntt::ntt(&f, &x[..6], NttDirection::Forward).unwrap_err();
    assert!(e.to_string().contains("2^k values"), "{e}");
    let e = ntt::check_input(&f, &x[..4], 3, "batch 1").unwrap_err();
    assert!(e.to_string().contains("exactly 8 values, got 4"), "{e}");
    let e = root_of_unity(&f, 28).unwrap_err();
    assert!(e.to_string().contains("2-adicity is 27"), "{e}");
    // BLS12-381's base field has 2-adicity 1: no transform above 2 points.
    let fq = Field::from_name("bls12-381-fq").unwrap();
    assert!(root_of_unity(&fq, 1).is_ok());
    let e = root_of_unity(&fq, 2).unwrap_err();
    assert!(e.to_string().contains("no 2^2-th root of unity"), "{e}");
}
