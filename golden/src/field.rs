//! Prime fields: the six presets backed by arkworks and custom odd primes backed by a bignum
//! model. Both paths are public so the property tests can hold one against the other.

use crate::error::GoldenError;
use crate::hex::{parse_hex, to_hex};
use crate::primality::is_probable_prime;
use ark_ff::{BigInt, Fp, FpConfig, PrimeField};
use num_bigint::{BigUint, RandBigInt};
use num_integer::Integer;
use num_traits::{One, Zero};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;

/// The widest modulus the generators support.
pub const MAX_MODULUS_BITS: usize = 768;

/// A named field whose arithmetic comes from arkworks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FieldPreset {
    #[serde(rename = "bls12-381-fq")]
    Bls12381Fq,
    #[serde(rename = "bls12-381-fr")]
    Bls12381Fr,
    #[serde(rename = "bn254-fq")]
    Bn254Fq,
    #[serde(rename = "bn254-fr")]
    Bn254Fr,
    #[serde(rename = "bls12-377-fq")]
    Bls12377Fq,
    #[serde(rename = "bls12-377-fr")]
    Bls12377Fr,
    /// 2^64 - 2^32 + 1 (2-adicity 32): Plonky2, Polygon zkEVM, ZisK.
    #[serde(rename = "goldilocks")]
    Goldilocks,
    /// 15 * 2^27 + 1 (2-adicity 27): RISC Zero, Plonky3, SP1.
    #[serde(rename = "babybear")]
    BabyBear,
    /// 127 * 2^24 + 1 (2-adicity 24): Plonky3, SP1.
    #[serde(rename = "koalabear")]
    KoalaBear,
}

/// The STARK fields as arkworks prime fields. Each generator generates the whole
/// multiplicative group (the tests check it against the factorisation of p - 1), so arkworks'
/// two-adic root of unity is `generator^((p - 1) / 2^s)`.
pub mod stark {
    use ark_ff::fields::{Fp64, MontBackend, MontConfig};

    #[derive(MontConfig)]
    #[modulus = "18446744069414584321"]
    #[generator = "7"]
    pub struct GoldilocksConfig;
    /// Goldilocks: p = 2^64 - 2^32 + 1.
    pub type Goldilocks = Fp64<MontBackend<GoldilocksConfig, 1>>;

    #[derive(MontConfig)]
    #[modulus = "2013265921"]
    #[generator = "31"]
    pub struct BabyBearConfig;
    /// BabyBear: p = 2^31 - 2^27 + 1.
    pub type BabyBear = Fp64<MontBackend<BabyBearConfig, 1>>;

    #[derive(MontConfig)]
    #[modulus = "2130706433"]
    #[generator = "3"]
    pub struct KoalaBearConfig;
    /// KoalaBear: p = 2^31 - 2^24 + 1.
    pub type KoalaBear = Fp64<MontBackend<KoalaBearConfig, 1>>;
}

/// Runs `$body` with `$F` bound to the arkworks field type of `$preset`.
macro_rules! with_ark_field {
    ($preset:expr, $F:ident => $body:expr) => {
        match $preset {
            $crate::field::FieldPreset::Bls12381Fq => {
                type $F = ark_bls12_381::Fq;
                $body
            }
            $crate::field::FieldPreset::Bls12381Fr => {
                type $F = ark_bls12_381::Fr;
                $body
            }
            $crate::field::FieldPreset::Bn254Fq => {
                type $F = ark_bn254::Fq;
                $body
            }
            $crate::field::FieldPreset::Bn254Fr => {
                type $F = ark_bn254::Fr;
                $body
            }
            $crate::field::FieldPreset::Bls12377Fq => {
                type $F = ark_bls12_377::Fq;
                $body
            }
            $crate::field::FieldPreset::Bls12377Fr => {
                type $F = ark_bls12_377::Fr;
                $body
            }
            $crate::field::FieldPreset::Goldilocks => {
                type $F = $crate::field::stark::Goldilocks;
                $body
            }
            $crate::field::FieldPreset::BabyBear => {
                type $F = $crate::field::stark::BabyBear;
                $body
            }
            $crate::field::FieldPreset::KoalaBear => {
                type $F = $crate::field::stark::KoalaBear;
                $body
            }
        }
    };
}
pub(crate) use with_ark_field;

impl FieldPreset {
    pub const ALL: [FieldPreset; 9] = [
        FieldPreset::Bls12381Fq,
        FieldPreset::Bls12381Fr,
        FieldPreset::Bn254Fq,
        FieldPreset::Bn254Fr,
        FieldPreset::Bls12377Fq,
        FieldPreset::Bls12377Fr,
        FieldPreset::Goldilocks,
        FieldPreset::BabyBear,
        FieldPreset::KoalaBear,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FieldPreset::Bls12381Fq => "bls12-381-fq",
            FieldPreset::Bls12381Fr => "bls12-381-fr",
            FieldPreset::Bn254Fq => "bn254-fq",
            FieldPreset::Bn254Fr => "bn254-fr",
            FieldPreset::Bls12377Fq => "bls12-377-fq",
            FieldPreset::Bls12377Fr => "bls12-377-fr",
            FieldPreset::Goldilocks => "goldilocks",
            FieldPreset::BabyBear => "babybear",
            FieldPreset::KoalaBear => "koalabear",
        }
    }

    pub fn from_name(name: &str) -> Result<Self, GoldenError> {
        Self::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| GoldenError::UnknownField(name.to_string()))
    }

    pub fn modulus(self) -> BigUint {
        with_ark_field!(self, F => F::MODULUS.into())
    }

    /// The R = 2^k that arkworks uses internally for this field (k = 64 * limbs).
    pub fn ark_montgomery_bits(self) -> usize {
        with_ark_field!(self, F => 64 * F::MODULUS.0.len())
    }
}

/// A prime field: a preset (arithmetic from arkworks) or a custom odd prime (bignum model).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    name: String,
    modulus: BigUint,
    preset: Option<FieldPreset>,
}

impl Field {
    pub fn preset(p: FieldPreset) -> Self {
        Field {
            name: p.name().to_string(),
            modulus: p.modulus(),
            preset: Some(p),
        }
    }

    pub fn from_name(name: &str) -> Result<Self, GoldenError> {
        FieldPreset::from_name(name).map(Self::preset)
    }

    /// A custom field. The modulus must be an odd prime of at most [`MAX_MODULUS_BITS`] bits.
    /// A modulus equal to a preset's is served by arkworks.
    pub fn custom(modulus: &BigUint) -> Result<Self, GoldenError> {
        let bad = |reason: &str| GoldenError::BadModulus {
            modulus: to_hex(modulus),
            reason: reason.to_string(),
        };
        if modulus < &BigUint::from(3u32) {
            return Err(bad("it must be an odd prime of at least 3"));
        }
        if modulus.is_even() {
            return Err(bad("it is even; the cores need an odd prime"));
        }
        if modulus.bits() as usize > MAX_MODULUS_BITS {
            return Err(bad(&format!(
                "it has {} bits, the limit is {MAX_MODULUS_BITS}",
                modulus.bits()
            )));
        }
        if !is_probable_prime(modulus) {
            return Err(GoldenError::NotPrime {
                modulus: to_hex(modulus),
            });
        }
        if let Some(p) = FieldPreset::ALL
            .into_iter()
            .find(|p| &p.modulus() == modulus)
        {
            return Ok(Self::preset(p));
        }
        Ok(Field {
            name: format!("custom-{}b", modulus.bits()),
            modulus: modulus.clone(),
            preset: None,
        })
    }

    pub fn custom_hex(modulus: &str) -> Result<Self, GoldenError> {
        Self::custom(&parse_hex(modulus)?)
    }

    /// Resolves a `--field` / `--modulus` pair (or the same keys of a JSON file). Exactly one
    /// must be given, or both naming the same prime.
    pub fn resolve(field: Option<&str>, modulus: Option<&str>) -> Result<Self, GoldenError> {
        match (field, modulus) {
            (Some(f), None) => Self::from_name(f),
            (None, Some(m)) => Self::custom_hex(m),
            (Some(f), Some(m)) => {
                let a = Self::from_name(f)?;
                let b = Self::custom_hex(m)?;
                if a.modulus != b.modulus {
                    return Err(GoldenError::BadInput(format!(
                        "field {f} and modulus {m} name different primes; give one of them"
                    )));
                }
                Ok(a)
            }
            (None, None) => Err(GoldenError::BadInput(
                "no field given: pass --field <preset> or --modulus 0x<prime>".into(),
            )),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn modulus(&self) -> &BigUint {
        &self.modulus
    }
    pub fn preset_kind(&self) -> Option<FieldPreset> {
        self.preset
    }
    pub fn bits(&self) -> usize {
        self.modulus.bits() as usize
    }

    /// Checks that `v` is a canonical element (`v < p`).
    pub fn check(&self, what: &str, v: &BigUint) -> Result<(), GoldenError> {
        if v >= &self.modulus {
            return Err(GoldenError::OutOfRange {
                what: what.to_string(),
                value: to_hex(v),
                modulus: to_hex(&self.modulus),
            });
        }
        Ok(())
    }

    /// Parses a hex string and checks it is a canonical element.
    pub fn parse_element(&self, what: &str, s: &str) -> Result<BigUint, GoldenError> {
        let v = parse_hex(s).map_err(|e| GoldenError::BadInput(format!("{what}: {e}")))?;
        self.check(what, &v)?;
        Ok(v)
    }

    pub fn add(&self, a: &BigUint, b: &BigUint) -> BigUint {
        match self.preset {
            Some(p) => with_ark_field!(p, F => (F::from(a.clone()) + F::from(b.clone())).into()),
            None => self.model_add(a, b),
        }
    }

    pub fn sub(&self, a: &BigUint, b: &BigUint) -> BigUint {
        match self.preset {
            Some(p) => with_ark_field!(p, F => (F::from(a.clone()) - F::from(b.clone())).into()),
            None => self.model_sub(a, b),
        }
    }

    pub fn mul(&self, a: &BigUint, b: &BigUint) -> BigUint {
        match self.preset {
            Some(p) => with_ark_field!(p, F => (F::from(a.clone()) * F::from(b.clone())).into()),
            None => self.model_mul(a, b),
        }
    }

    /// Bignum model of addition (the reference for custom primes).
    pub fn model_add(&self, a: &BigUint, b: &BigUint) -> BigUint {
        (a + b) % &self.modulus
    }

    pub fn model_sub(&self, a: &BigUint, b: &BigUint) -> BigUint {
        (a + &self.modulus - b) % &self.modulus
    }

    pub fn model_mul(&self, a: &BigUint, b: &BigUint) -> BigUint {
        (a * b) % &self.modulus
    }

    /// R mod p for R = 2^`r_bits`.
    pub fn montgomery_r(&self, r_bits: usize) -> BigUint {
        (BigUint::one() << r_bits) % &self.modulus
    }

    /// a * R mod p.
    pub fn to_montgomery(&self, a: &BigUint, r_bits: usize) -> BigUint {
        ((a << r_bits) as BigUint) % &self.modulus
    }

    /// a * R^-1 mod p.
    pub fn from_montgomery(&self, a: &BigUint, r_bits: usize) -> BigUint {
        (a * self.r_inverse(r_bits)) % &self.modulus
    }

    /// The Montgomery product a * b * R^-1 mod p, fully reduced (what the `modmul` core computes).
    pub fn montgomery_mul(&self, a: &BigUint, b: &BigUint, r_bits: usize) -> BigUint {
        (a * b * self.r_inverse(r_bits)) % &self.modulus
    }

    /// R^-1 mod p, by Fermat (p is prime).
    pub fn r_inverse(&self, r_bits: usize) -> BigUint {
        let r = self.montgomery_r(r_bits);
        r.modpow(&(&self.modulus - 2u32), &self.modulus)
    }

    /// arkworks' own Montgomery multiplication on raw (Montgomery-form) representations, with
    /// R = 2^[`FieldPreset::ark_montgomery_bits`]. `None` for custom fields.
    pub fn ark_montgomery_mul_raw(&self, a: &BigUint, b: &BigUint) -> Option<BigUint> {
        fn raw<P: FpConfig<N>, const N: usize>(a: &BigUint, b: &BigUint) -> BigUint {
            let x: Fp<P, N> = Fp(BigInt::<N>::try_from(a.clone()).unwrap(), PhantomData);
            let y: Fp<P, N> = Fp(BigInt::<N>::try_from(b.clone()).unwrap(), PhantomData);
            (x * y).0.into()
        }
        self.preset.map(|p| match p {
            FieldPreset::Bls12381Fq => {
                raw::<ark_ff::MontBackend<ark_bls12_381::FqConfig, 6>, 6>(a, b)
            }
            FieldPreset::Bls12381Fr => {
                raw::<ark_ff::MontBackend<ark_bls12_381::FrConfig, 4>, 4>(a, b)
            }
            FieldPreset::Bn254Fq => raw::<ark_ff::MontBackend<ark_bn254::FqConfig, 4>, 4>(a, b),
            FieldPreset::Bn254Fr => raw::<ark_ff::MontBackend<ark_bn254::FrConfig, 4>, 4>(a, b),
            FieldPreset::Bls12377Fq => {
                raw::<ark_ff::MontBackend<ark_bls12_377::FqConfig, 6>, 6>(a, b)
            }
            FieldPreset::Bls12377Fr => {
                raw::<ark_ff::MontBackend<ark_bls12_377::FrConfig, 4>, 4>(a, b)
            }
            FieldPreset::Goldilocks => {
                raw::<ark_ff::MontBackend<stark::GoldilocksConfig, 1>, 1>(a, b)
            }
            FieldPreset::BabyBear => raw::<ark_ff::MontBackend<stark::BabyBearConfig, 1>, 1>(a, b),
            FieldPreset::KoalaBear => {
                raw::<ark_ff::MontBackend<stark::KoalaBearConfig, 1>, 1>(a, b)
            }
        })
    }

    /// A uniformly random element.
    pub fn random_element<R: Rng + ?Sized>(&self, rng: &mut R) -> BigUint {
        rng.gen_biguint_below(&self.modulus)
    }

    /// Edge values every core is tested on: 0, 1, 2, p-1, p-2, (p-1)/2, (p+1)/2, values near
    /// powers of two below p, and all-ones patterns that make long carry chains.
    pub fn edge_values(&self) -> Vec<BigUint> {
        let p = &self.modulus;
        let one = BigUint::one();
        let mut v = vec![
            BigUint::zero(),
            one.clone(),
            BigUint::from(2u32),
            p - 1u32,
            p - 2u32,
            (p - 1u32) >> 1,
            (p + 1u32) >> 1,
        ];
        let bits = self.bits();
        for k in [bits - 1, bits.saturating_sub(2), 32, 64, 128, 256, 384] {
            if k > 1 && k < bits {
                let pow = &one << k;
                for c in [&pow - 1u32, pow.clone(), &pow + 1u32] {
                    if &c < p {
                        v.push(c);
                    }
                }
            }
        }
        v.sort();
        v.dedup();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_have_expected_sizes() {
        let sizes = [381, 255, 254, 254, 377, 253, 64, 31, 31];
        assert_eq!(sizes.len(), FieldPreset::ALL.len());
        for (p, bits) in FieldPreset::ALL.into_iter().zip(sizes) {
            assert_eq!(Field::preset(p).bits(), bits, "{}", p.name());
            assert!(is_probable_prime(&p.modulus()), "{}", p.name());
        }
    }

    #[test]
    fn stark_presets_are_the_published_primes() {
        let one = BigUint::one();
        let cases = [
            ("goldilocks", (&one << 64) - (&one << 32) + 1u32),
            ("babybear", (&one << 31) - (&one << 27) + 1u32),
            ("koalabear", (&one << 31) - (&one << 24) + 1u32),
        ];
        for (name, p) in cases {
            let f = Field::from_name(name).unwrap();
            assert_eq!(f.modulus(), &p, "{name}");
            assert_eq!(Field::custom(&p).unwrap().preset_kind(), f.preset_kind());
        }
    }

    #[test]
    fn custom_rejects_bad_moduli() {
        assert!(matches!(
            Field::custom_hex("0x10"),
            Err(GoldenError::BadModulus { .. })
        ));
        assert!(matches!(
            Field::custom_hex("0xf"),
            Err(GoldenError::NotPrime { .. })
        ));
        assert!(Field::custom_hex("0x1").is_err());
        let big = format!("0x{}", "f".repeat(200));
        assert!(matches!(
            Field::custom_hex(&big),
            Err(GoldenError::BadModulus { .. })
        ));
        assert!(Field::custom_hex("0x1fffffffffffffff").is_ok());
    }

    #[test]
    fn custom_modulus_equal_to_preset_uses_arkworks() {
        let m = to_hex(&FieldPreset::Bn254Fr.modulus());
        assert_eq!(
            Field::custom_hex(&m).unwrap().preset_kind(),
            Some(FieldPreset::Bn254Fr)
        );
    }
}
