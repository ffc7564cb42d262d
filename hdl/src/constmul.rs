//! Products by a constant as shift-and-add networks in logic instead of DSP tiles.
//!
//! A constant `c` written in non-adjacent form (NAF: digits in {-1, 0, 1}, no two adjacent
//! digits non-zero) has at most `bits / 2 + 1` and on average about `bits / 3` non-zero digits.
//! `x * c mod 2^bits` is then the sum of `± x * 2^s` over the non-zero digits `(s, ±)`, one
//! compressor term each ([`Netlist::sum`] already adds negated, shifted terms and truncates
//! modulo `2^out_width`). The cost is logic: about one LUT per term bit in the compressor's
//! adder trees (a term at shift `s` has `bits - s` bits below `2^bits`), plus its registers.
//!
//! The width-3 NAF (digits ±1 and ±3, at least two zeros between non-zero digits, about
//! `bits / 4` of them) needs `3x` once (one add) and then one term per digit from `x` or `3x`:
//! fewer term bits where the constant is long ([`network_digits`] picks it where the saving
//! exceeds the adder).

use crate::netlist::{Netlist, Sig, Term};
use num_bigint::BigUint;
use num_traits::{One, Zero};

/// One non-zero signed digit: `± multiple * 2^shift` (multiple 1 in a NAF; 1 or 3 in a
/// width-3 NAF).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Digit {
    pub shift: usize,
    /// The digit is negative.
    pub negative: bool,
    /// The odd multiple of x the digit adds: 1, or 3 in a width-3 NAF.
    pub multiple: usize,
}

/// The non-zero digits of the NAF of `c mod 2^bits`, lowest first, with the digits at or above
/// `2^bits` left out (they vanish modulo `2^bits`).
pub fn naf(c: &BigUint, bits: usize) -> Vec<Digit> {
    wnaf(c, bits, 2)
}

/// The width-`w` NAF of `c mod 2^bits` (`w >= 2`): odd digits `|d| < 2^(w-1)`, any `w`
/// consecutive digits hold at most one non-zero; about `bits / (w + 1)` non-zero digits.
/// `w = 2` is the NAF. Digits at or above `2^bits` are left out.
pub fn wnaf(c: &BigUint, bits: usize, w: usize) -> Vec<Digit> {
    assert!((2..=8).contains(&w), "window {w}");
    let mut n = c % (BigUint::one() << bits);
    let mut out = vec![];
    let mut shift = 0;
    let window = 1u64 << w;
    while !n.is_zero() && shift < bits {
        if n.bit(0) {
            // The digit is n mod 2^w, taken in (-2^(w-1), 2^(w-1)): what is left is then
            // 0 mod 2^w.
            let r = (0..w).fold(0u64, |acc, i| acc | (u64::from(n.bit(i as u64)) << i));
            let negative = r >= window / 2;
            let multiple = if negative { window - r } else { r };
            if negative {
                n += multiple;
            } else {
                n -= multiple;
            }
            out.push(Digit {
                shift,
                negative,
                multiple: multiple as usize,
            });
        }
        n >>= 1;
        shift += 1;
    }
    out
}

/// The digits the network uses for `x * c mod 2^bits`: the width-3 NAF (digits ±1, ±3, about
/// bits / 4 of them) when it has a ±3 and its term bits undercut the NAF's by more than
/// `precompute_bits` (the cost of forming `3x`), else the NAF.
pub fn network_digits(c: &BigUint, bits: usize, precompute_bits: usize) -> Vec<Digit> {
    let cost = |d: &[Digit]| d.iter().map(|x| bits - x.shift).sum::<usize>();
    let plain = naf(c, bits);
    let w3 = wnaf(c, bits, 3);
    if w3.iter().any(|d| d.multiple == 3) && cost(&w3) + precompute_bits < cost(&plain) {
        w3
    } else {
        plain
    }
}

/// The value of `digits` modulo `2^bits` (the inverse of [`naf`]).
pub fn naf_value(digits: &[Digit], bits: usize) -> BigUint {
    let modulus = BigUint::one() << bits;
    digits.iter().fold(BigUint::zero(), |acc, d| {
        let v = (BigUint::from(d.multiple) << d.shift) % &modulus;
        if d.negative {
            (acc + &modulus - v) % &modulus
        } else {
            (acc + v) % &modulus
        }
    })
}

/// Bits the compressor adds for `x * c mod 2^bits` by the NAF network: `bits - s` per non-zero
/// digit at shift `s` (the logic cost, about one LUT per bit).
pub fn low_product_bits(c: &BigUint, bits: usize) -> usize {
    digit_bits(&naf(c, bits), bits)
}

/// Term bits of the network of `digits` (below `2^bits`).
pub fn digit_bits(digits: &[Digit], bits: usize) -> usize {
    digits.iter().map(|d| bits - d.shift).sum()
}

/// The compressor terms of `x * c mod 2^bits` for `digits` (the NAF of `c`, or any signed-digit
/// form of it): `± (mx mod 2^(bits - s)) * 2^s` per digit, `mx` the digit's multiple of x from
/// `multiples` (`(1, x)`, and `(3, 3x mod 2^bits)` for a width-3 NAF; all of one stage). Sum
/// them with [`Netlist::sum`] at `out_width = bits`.
pub fn low_product_terms(
    nl: &mut Netlist,
    multiples: &[(usize, Sig)],
    digits: &[Digit],
    bits: usize,
) -> Vec<Term> {
    // A multiple whose lowest digit is at shift s > 0 has its top s bits unread (or all of
    // it, when no digit takes it): said so for the lint.
    for (m, x) in multiples {
        let lowest = digits
            .iter()
            .filter(|d| d.multiple == *m && d.shift < bits)
            .map(|d| d.shift)
            .min();
        match lowest {
            None => nl.unused_signal(&x.name),
            Some(s) if s > 0 && bits - s < x.width => {
                nl.unused(&x.name, x.width - 1, bits - s);
            }
            Some(_) => {}
        }
    }
    digits
        .iter()
        .filter(|d| d.shift < bits)
        .filter_map(|d| {
            let x = &multiples
                .iter()
                .find(|(m, _)| *m == d.multiple)
                .unwrap_or_else(|| panic!("no multiple {} of x", d.multiple))
                .1;
            // Only the bits below 2^bits matter: x's low bits - s.
            nl.slice(x, 0, bits - d.shift).map(|sig| Term {
                sig,
                shift: d.shift,
                negate: d.negative,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bls12_381_fq() -> BigUint {
        BigUint::parse_bytes(b"1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab", 16).unwrap()
    }

    /// The NAF reconstructs `c mod 2^bits`, has no two adjacent non-zero digits, and at most
    /// `bits / 2 + 1` of them.
    #[test]
    fn naf_reconstructs_and_is_non_adjacent() {
        let p = bls12_381_fq();
        let k = 381;
        let pp = crate::rtl::neg_inverse_mod_2k(&p, k);
        let mut cases = vec![
            (pp.clone(), k),
            (p.clone(), k),
            (BigUint::from(0xeeefu32), 16),
            (BigUint::from(0u32), 8),
            (BigUint::from(1u32), 8),
            (BigUint::from(0xffu32), 8),
            (BigUint::from(0x7fu32), 8),
            (BigUint::from(0x5555u32), 16),
            (BigUint::from(0xabcdu32), 8),
        ];
        for bits in [1usize, 2, 3, 64, 200] {
            cases.push(((BigUint::one() << bits) - 1u32, bits));
        }
        for (c, bits) in cases {
            let d = naf(&c, bits);
            assert_eq!(
                naf_value(&d, bits),
                &c % (BigUint::one() << bits),
                "{c:#x} {bits}"
            );
            assert!(d.len() <= bits / 2 + 1, "{c:#x}: {} digits", d.len());
            for w in d.windows(2) {
                assert!(w[1].shift >= w[0].shift + 2, "{c:#x}: adjacent digits");
            }
            assert!(d.iter().all(|x| x.shift < bits));
        }
        // 2^n - 1 is 2^n - 1 in NAF: one digit (the +2^n vanishes modulo 2^n).
        assert_eq!(
            naf(&BigUint::from(0xffu32), 8),
            vec![Digit {
                shift: 0,
                negative: true,
                multiple: 1
            }]
        );
    }

    /// BLS12-381 Fq's p' (mod 2^381): far fewer NAF digits than one bits, about a third of
    /// 381.
    #[test]
    fn bls12_381_p_prime_naf_weight() {
        let p = bls12_381_fq();
        let pp = crate::rtl::neg_inverse_mod_2k(&p, 381);
        let ones = (0..381).filter(|&i| pp.bit(i)).count();
        let d = naf(&pp, 381);
        assert!(d.len() < ones, "{} NAF digits, {ones} one bits", d.len());
        assert!((100..=150).contains(&d.len()), "{} digits", d.len());
    }

    /// A flipped digit changes the value (the network built from it would be wrong).
    #[test]
    fn a_flipped_digit_changes_the_value() {
        let p = bls12_381_fq();
        let pp = crate::rtl::neg_inverse_mod_2k(&p, 381);
        let d = naf(&pp, 381);
        // Flipping the sign of a digit at shift s changes the value by 2^(s+1) mod 2^381: every
        // digit below the top bit (one at 2^380 would be its own negation modulo 2^381).
        for i in 0..d.len() {
            let mut bad = d.clone();
            bad[i].negative = !bad[i].negative;
            if d[i].shift < 380 {
                assert_ne!(naf_value(&bad, 381), pp, "digit {i}");
            }
            bad.remove(i);
            assert_ne!(naf_value(&bad, 381), pp, "digit {i} dropped");
        }
    }

    /// What the network of [`low_product_terms`] computes, term by term as the compressor adds
    /// them: `sum of ± (x mod 2^(bits - s)) 2^s mod 2^bits`.
    fn network(x: &BigUint, digits: &[Digit], bits: usize) -> BigUint {
        let modulus = BigUint::one() << bits;
        digits.iter().fold(BigUint::zero(), |acc, d| {
            let mx = (x * d.multiple) % &modulus;
            let t = (mx % (BigUint::one() << (bits - d.shift))) << d.shift;
            if d.negative {
                (acc + &modulus - t) % &modulus
            } else {
                (acc + t) % &modulus
            }
        })
    }

    /// The network is `x p' mod 2^k` for edge and random x (BLS12-381 Fq and a 16-bit prime),
    /// and a network with one digit flipped is caught by these inputs.
    #[test]
    fn network_is_the_low_product() {
        let seed = 0x5eed_u64;
        eprintln!("seed {seed:#x}");
        let mut state = seed;
        let mut next = || {
            // xorshift64
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for (p, k) in [(bls12_381_fq(), 381usize), (BigUint::from(0xfff1u32), 16)] {
            let pp = crate::rtl::neg_inverse_mod_2k(&p, k);
            let r = BigUint::one() << k;
            for d in [naf(&pp, k), wnaf(&pp, k, 3)] {
                let mut xs = vec![
                    BigUint::zero(),
                    BigUint::one(),
                    &r - 1u32,
                    &p - 1u32,
                    BigUint::one() << (k - 1),
                ];
                for _ in 0..200 {
                    let words: Vec<u64> = (0..k.div_ceil(64)).map(|_| next()).collect();
                    let mut x = BigUint::zero();
                    for w in words {
                        x = (x << 64) | BigUint::from(w);
                    }
                    xs.push(x % &r);
                }
                let mut bad = d.clone();
                let mid = bad.len() / 2;
                bad[mid].negative = !bad[mid].negative;
                let mut caught = false;
                for x in &xs {
                    assert_eq!(network(x, &d, k), (x * &pp) % &r, "{p:#x}: x = {x:#x}");
                    caught |= network(x, &bad, k) != (x * &pp) % &r;
                }
                assert!(caught, "{p:#x}: a flipped digit went unnoticed");
            }
        }
    }

    /// The width-3 NAF reconstructs c, has digits ±1 and ±3 with at least two zeros between
    /// non-zero ones, and BLS12-381 Fq's p' takes it (85 digits, 14,964 term bits, against
    /// the NAF's 119 and 21,184).
    #[test]
    fn width_3_naf() {
        let p = bls12_381_fq();
        let pp = crate::rtl::neg_inverse_mod_2k(&p, 381);
        for (c, bits) in [
            (pp.clone(), 381usize),
            (p.clone(), 381),
            (BigUint::from(0xeeefu32), 16),
            (BigUint::from(0x7u32), 3),
            (BigUint::from(0xbu32), 4),
            ((BigUint::one() << 100u32) - 1u32, 100),
        ] {
            let d = wnaf(&c, bits, 3);
            assert_eq!(naf_value(&d, bits), &c % (BigUint::one() << bits), "{c:#x}");
            assert!(d.iter().all(|x| x.multiple == 1 || x.multiple == 3));
            for w in d.windows(2) {
                assert!(w[1].shift >= w[0].shift + 3, "{c:#x}: digits too close");
            }
        }
        let chosen = network_digits(&pp, 381, 2 * 381);
        assert_eq!(chosen, wnaf(&pp, 381, 3));
        assert_eq!((chosen.len(), digit_bits(&chosen, 381)), (85, 14964));
        assert_eq!(
            (naf(&pp, 381).len(), low_product_bits(&pp, 381)),
            (119, 21184)
        );
        // A small constant: the 3x adder does not pay, the NAF stays.
        let small = BigUint::from(0xeeefu32);
        assert_eq!(network_digits(&small, 16, 32), naf(&small, 16));
    }
}
