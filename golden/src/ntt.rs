//! Number-theoretic transforms of size N = 2^k over a prime field: the reference for the `ntt`
//! core.
//!
//! Conventions (those of ark-poly's `Radix2EvaluationDomain`):
//! - forward: `X[i] = sum_j x[j] * w^(i j)` with `w` = [`root_of_unity`], a primitive N-th root;
//! - inverse: `x[j] = N^-1 * sum_i X[i] * w^(-i j)`, so inverse(forward(x)) = x.
//!
//! Presets go through arkworks (ark-poly's radix-2 evaluation domain over the arkworks field
//! type); custom primes go through the bignum model [`model_ntt`] (an iterative radix-2
//! transform), which the tests also hold against arkworks on every preset. The root of unity of
//! a custom prime is built the way arkworks builds it: a primitive 2^s-th root (s = the
//! 2-adicity of p - 1) raised to 2^(s - k); the primitive 2^s-th root is `z^t` for the smallest
//! quadratic non-residue z and t = (p - 1) / 2^s.

use crate::error::GoldenError;
use crate::field::{with_ark_field, Field};
use crate::hex::to_hex;
use ark_ff::{FftField, PrimeField};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use num_bigint::BigUint;
use num_traits::{One, Zero};
use serde::{Deserialize, Serialize};

/// The largest size the software models take (2^MAX_LOG_N elements).
pub const MAX_LOG_N: u32 = 28;

/// Forward (evaluation) or inverse (interpolation, with the 1/N scaling).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NttDirection {
    Forward,
    Inverse,
}

impl NttDirection {
    pub fn is_inverse(self) -> bool {
        self == NttDirection::Inverse
    }

    pub fn name(self) -> &'static str {
        match self {
            NttDirection::Forward => "forward",
            NttDirection::Inverse => "inverse",
        }
    }
}

/// The 2-adicity of p: the largest s with 2^s dividing p - 1.
pub fn two_adicity(p: &BigUint) -> u32 {
    let pm1 = p - 1u32;
    pm1.trailing_zeros().unwrap_or(0) as u32
}

/// Checks that the field has a primitive 2^log_n-th root of unity and that the size is one the
/// models take. The message names the field, its 2-adicity and the largest size.
pub fn check_size(field: &Field, log_n: u32) -> Result<(), GoldenError> {
    let s = two_adicity(field.modulus());
    if log_n > s {
        return Err(GoldenError::BadInput(format!(
            "field {} has no 2^{log_n}-th root of unity: its 2-adicity is {s}, so the largest NTT \
             is 2^{s} points",
            field.name()
        )));
    }
    if log_n > MAX_LOG_N {
        return Err(GoldenError::BadInput(format!(
            "log-n {log_n} is above the limit of {MAX_LOG_N}"
        )));
    }
    Ok(())
}

/// Checks one transform's input: exactly 2^log_n canonical values. `label` names the vector in
/// messages (`values`, `batch 2`, ...); a bad value is named `label[i]`.
pub fn check_input(
    field: &Field,
    values: &[BigUint],
    log_n: u32,
    label: &str,
) -> Result<(), GoldenError> {
    check_size(field, log_n)?;
    let n = 1usize << log_n;
    if values.len() != n {
        return Err(GoldenError::BadInput(format!(
            "{label}: an NTT of size 2^{log_n} takes exactly {n} values, got {}",
            values.len()
        )));
    }
    for (i, v) in values.iter().enumerate() {
        field.check(&format!("{label}[{i}]"), v)?;
    }
    Ok(())
}

/// A primitive 2^s-th root of unity, s = the 2-adicity (arkworks' `TWO_ADIC_ROOT_OF_UNITY` for
/// presets).
pub fn two_adic_root(field: &Field) -> BigUint {
    if let Some(preset) = field.preset_kind() {
        return with_ark_field!(preset, F => <F as FftField>::TWO_ADIC_ROOT_OF_UNITY.into());
    }
    let p = field.modulus();
    let s = two_adicity(p);
    let pm1 = p - 1u32;
    let half = &pm1 >> 1;
    let mut z = BigUint::from(2u32);
    // Half of all nonzero elements are non-residues: the search ends after a few steps.
    while z.modpow(&half, p) != pm1 {
        z += 1u32;
    }
    z.modpow(&(&pm1 >> s), p)
}

/// The primitive N-th root of unity `w` (N = 2^log_n) of the forward transform: arkworks'
/// `Radix2EvaluationDomain::group_gen` for presets, the same construction for custom primes.
pub fn root_of_unity(field: &Field, log_n: u32) -> Result<BigUint, GoldenError> {
    check_size(field, log_n)?;
    if let Some(preset) = field.preset_kind() {
        return Ok(with_ark_field!(preset, F => {
            let d = Radix2EvaluationDomain::<F>::new(1usize << log_n)
                .expect("the 2-adicity covers the size");
            d.group_gen().into()
        }));
    }
    let s = two_adicity(field.modulus());
    let mut w = two_adic_root(field);
    for _ in log_n..s {
        w = (&w * &w) % field.modulus();
    }
    Ok(w)
}

/// N^-1 mod p.
pub fn size_inverse(field: &Field, log_n: u32) -> BigUint {
    let p = field.modulus();
    (BigUint::one() << log_n).modpow(&(p - 2u32), p)
}

/// The transform of `values` (length 2^k, canonical): arkworks for presets, the bignum model
/// for custom primes.
pub fn ntt(
    field: &Field,
    values: &[BigUint],
    direction: NttDirection,
) -> Result<Vec<BigUint>, GoldenError> {
    let log_n = log_len(values)?;
    check_input(field, values, log_n, "values")?;
    match field.preset_kind() {
        Some(preset) => Ok(with_ark_field!(preset, F => ark_ntt::<F>(values, direction))),
        None => model_ntt(field, values, direction),
    }
}

/// arkworks' transform over the field type `F`.
fn ark_ntt<F: PrimeField>(values: &[BigUint], direction: NttDirection) -> Vec<BigUint> {
    let d = Radix2EvaluationDomain::<F>::new(values.len()).expect("checked size");
    let v: Vec<F> = values.iter().map(|x| F::from(x.clone())).collect();
    let out = match direction {
        NttDirection::Forward => d.fft(&v),
        NttDirection::Inverse => d.ifft(&v),
    };
    out.into_iter().map(Into::into).collect()
}

/// The bignum model: an iterative radix-2 (decimation in time) transform with
/// [`root_of_unity`], plain `BigUint` arithmetic modulo p. Serves custom primes; on presets it
/// must agree with arkworks.
pub fn model_ntt(
    field: &Field,
    values: &[BigUint],
    direction: NttDirection,
) -> Result<Vec<BigUint>, GoldenError> {
    let log_n = log_len(values)?;
    check_input(field, values, log_n, "values")?;
    let p = field.modulus();
    let n = values.len();
    let mut w = root_of_unity(field, log_n)?;
    if direction.is_inverse() {
        w = w.modpow(&(p - 2u32), p);
    }
    let mut a = bit_reverse_permute(values);
    let mut len = 2;
    while len <= n {
        // w_len = w^(n / len), a primitive len-th root.
        let w_len = w.modpow(&BigUint::from((n / len) as u64), p);
        for start in (0..n).step_by(len) {
            let mut t = BigUint::one();
            for j in 0..len / 2 {
                let u = a[start + j].clone();
                let v = (&a[start + j + len / 2] * &t) % p;
                a[start + j] = (&u + &v) % p;
                a[start + j + len / 2] = (&u + p - &v) % p;
                t = (&t * &w_len) % p;
            }
        }
        len *= 2;
    }
    if direction.is_inverse() {
        let inv = size_inverse(field, log_n);
        for x in a.iter_mut() {
            *x = (&*x * &inv) % p;
        }
    }
    Ok(a)
}

/// log2 of the length, which must be a power of two of at least 2.
fn log_len(values: &[BigUint]) -> Result<u32, GoldenError> {
    let n = values.len();
    if n < 2 || !n.is_power_of_two() {
        return Err(GoldenError::BadInput(format!(
            "an NTT takes 2^k values (k >= 1), got {n}"
        )));
    }
    Ok(n.trailing_zeros())
}

/// `i` with its low `bits` bits in reverse order.
pub fn bit_reverse(i: usize, bits: u32) -> usize {
    if bits == 0 {
        return 0;
    }
    i.reverse_bits() >> (usize::BITS - bits)
}

/// The bit-reversal permutation: out[i] = v[bit_reverse(i)] (its own inverse). `v.len()` must
/// be a power of two.
pub fn bit_reverse_permute<T: Clone>(v: &[T]) -> Vec<T> {
    assert!(v.len().is_power_of_two(), "length must be a power of two");
    let bits = v.len().trailing_zeros();
    (0..v.len())
        .map(|i| v[bit_reverse(i, bits)].clone())
        .collect()
}

/// Values as canonical hex strings.
pub fn to_hex_vec(v: &[BigUint]) -> Vec<String> {
    v.iter().map(to_hex).collect()
}

/// Whether `w` is a primitive 2^log_n-th root of unity mod p (w^(N/2) = -1).
pub fn is_primitive_root(p: &BigUint, w: &BigUint, log_n: u32) -> bool {
    if log_n == 0 {
        return w.is_one();
    }
    let mut x = w % p;
    for _ in 1..log_n {
        x = (&x * &x) % p;
    }
    x == p - 1u32 && !x.is_zero()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_reverse_small() {
        assert_eq!(bit_reverse(1, 3), 4);
        assert_eq!(bit_reverse(6, 3), 3);
        assert_eq!(bit_reverse(0, 0), 0);
        let v: Vec<u32> = (0..8).collect();
        assert_eq!(bit_reverse_permute(&v), [0, 4, 2, 6, 1, 5, 3, 7]);
        assert_eq!(bit_reverse_permute(&bit_reverse_permute(&v)), v);
    }
}
