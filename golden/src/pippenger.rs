//! Software model of the MSM the hardware computes: Pippenger's bucket method with signed
//! window digits (2^(c-1) buckets per window), every point operation done by the complete
//! formula of [`crate::rcb`], so the model and the pipeline perform the same additions.
//!
//! 1. Each scalar is cut into `c`-bit windows and recoded into signed digits in
//!    `[-2^(c-1), 2^(c-1)]` (a digit above `2^(c-1)` becomes `d - 2^c` with a carry into the
//!    next window), so a point goes to bucket `|d|` with the sign of `d`.
//! 2. Buckets accumulate their points.
//! 3. Each window is aggregated as `sum_j j B_j` with two running sums, from the top bucket down.
//! 4. Windows are combined by Horner's rule: `c` doublings, then one addition, per window.

use crate::curve::{Affine, Curve};
use crate::rcb::{add, Projective};
use num_bigint::BigUint;

/// Number of windows for scalars of `scalar_bits` bits: one more than `ceil(bits / c)` would
/// need only if the top window can carry.
pub fn windows(scalar_bits: usize, c: usize) -> usize {
    (scalar_bits + 1).div_ceil(c)
}

/// Signed digits of `k` in base 2^c, least significant first: `k = sum d_i 2^(c i)`.
pub fn signed_digits(k: &BigUint, c: usize, windows: usize) -> Vec<i64> {
    assert!((1..=30).contains(&c), "window width 1..=30");
    let mask = (1u64 << c) - 1;
    let half = 1i64 << (c - 1);
    let mut carry = 0i64;
    (0..windows)
        .map(|i| {
            let raw = ((k >> (i * c)) & BigUint::from(mask))
                .to_u64_digits()
                .first()
                .copied()
                .unwrap_or(0) as i64;
            let mut d = raw + carry;
            if d > half {
                d -= 1 << c;
                carry = 1;
            } else {
                carry = 0;
            }
            d
        })
        .collect()
}

/// Operation counts of one model run.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct MsmStats {
    /// Point additions into buckets (one per nonzero digit).
    pub bucket_adds: u64,
    /// Additions of the running sums in aggregation.
    pub aggregation_adds: u64,
    /// Doublings and additions combining windows.
    pub combine_ops: u64,
}

/// `sum k_i P_i` by the bucket method with window width `c`.
pub fn msm(
    curve: &Curve,
    points: &[Affine],
    scalars: &[BigUint],
    c: usize,
) -> (Projective, MsmStats) {
    assert_eq!(points.len(), scalars.len());
    let nw = windows(curve.scalar_field().bits(), c);
    let nb = 1usize << (c - 1);
    let mut stats = MsmStats::default();
    let proj: Vec<Projective> = points.iter().map(Projective::from_affine).collect();
    let neg: Vec<Projective> = points
        .iter()
        .map(|p| Projective::from_affine(&curve.neg(p)))
        .collect();
    let digits: Vec<Vec<i64>> = scalars.iter().map(|k| signed_digits(k, c, nw)).collect();
    let mut window_sums = Vec::with_capacity(nw);
    for w in 0..nw {
        let mut buckets = vec![Projective::identity(); nb + 1];
        for (i, d) in digits.iter().enumerate() {
            let d = d[w];
            if d != 0 {
                let p = if d > 0 { &proj[i] } else { &neg[i] };
                let j = d.unsigned_abs() as usize;
                buckets[j] = add(curve, &buckets[j], p);
                stats.bucket_adds += 1;
            }
        }
        let mut running = Projective::identity();
        let mut total = Projective::identity();
        for j in (1..=nb).rev() {
            running = add(curve, &running, &buckets[j]);
            total = add(curve, &total, &running);
            stats.aggregation_adds += 2;
        }
        window_sums.push(total);
    }
    let mut acc = Projective::identity();
    for w in (0..nw).rev() {
        for _ in 0..c {
            acc = add(curve, &acc, &acc);
            stats.combine_ops += 1;
        }
        acc = add(curve, &acc, &window_sums[w]);
        stats.combine_ops += 1;
    }
    (acc, stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vectors::rng_from_seed;
    use num_bigint::BigInt;
    use num_traits::Zero;

    #[test]
    fn signed_digits_recompose_and_stay_in_range() {
        let mut rng = rng_from_seed(3);
        let r = Curve::from_name("bls12-381").unwrap().scalar_field();
        for c in [1, 2, 4, 8, 13, 16] {
            let nw = windows(r.bits(), c);
            let mut ks = vec![BigUint::zero(), BigUint::from(1u32), r.modulus() - 1u32];
            ks.extend((0..20).map(|_| r.random_element(&mut rng)));
            for k in ks {
                let d = signed_digits(&k, c, nw);
                let half = 1i64 << (c - 1);
                assert!(d.iter().all(|&x| -half <= x && x <= half), "c={c}");
                let back: BigInt = d
                    .iter()
                    .enumerate()
                    .map(|(i, &x)| BigInt::from(x) << (i * c))
                    .sum();
                assert_eq!(back, BigInt::from(k.clone()), "c={c}");
            }
        }
    }

    #[test]
    fn bucket_method_matches_arkworks() {
        let mut rng = rng_from_seed(9);
        for c in Curve::ALL.map(Curve::new) {
            let r = c.scalar_field();
            let g = c.generator();
            let n = 9;
            let mut points: Vec<Affine> = (0..n).map(|_| c.random_point(&mut rng)).collect();
            let mut scalars: Vec<BigUint> = (0..n).map(|_| r.random_element(&mut rng)).collect();
            // Edge cases: identity, P and -P, repeated points, scalars 0, 1, r-1.
            points.extend([Affine::Infinity, g.clone(), c.neg(&g), g.clone()]);
            scalars.extend([
                r.modulus() - 1u32,
                BigUint::from(0u32),
                BigUint::from(1u32),
                r.modulus() - 1u32,
            ]);
            for w in [2, 5, 8] {
                let (got, stats) = msm(&c, &points, &scalars, w);
                assert_eq!(
                    got.to_affine(&c),
                    c.msm(&points, &scalars),
                    "{} c={w}",
                    c.name()
                );
                assert!(stats.bucket_adds > 0);
            }
            // All scalars equal, all points equal: the worst case for bucket hazards.
            let k = r.random_element(&mut rng);
            let p = c.random_point(&mut rng);
            let (got, _) = msm(&c, &vec![p.clone(); 5], &vec![k.clone(); 5], 4);
            assert_eq!(got.to_affine(&c), c.mul(&p, &(k * 5u32)));
        }
    }
}
