//! G1 of the pairing-friendly curves with a = 0 (y^2 = x^3 + b), backed by arkworks.

use crate::error::GoldenError;
use crate::field::{Field, FieldPreset};
use crate::hex::{parse_hex, to_hex};
use ark_ec::short_weierstrass::{Affine as SwAffine, Projective, SWCurveConfig};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{Field as _, PrimeField, Zero};
use num_bigint::BigUint;
use rand::Rng;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CurvePreset {
    #[serde(rename = "bls12-381")]
    Bls12381,
    #[serde(rename = "bn254")]
    Bn254,
    #[serde(rename = "bls12-377")]
    Bls12377,
}

/// An affine point in canonical coordinates, or the identity.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Affine {
    Infinity,
    Point { x: BigUint, y: BigUint },
}

macro_rules! with_g1 {
    ($preset:expr, $C:ident => $body:expr) => {
        match $preset {
            CurvePreset::Bls12381 => {
                type $C = ark_bls12_381::g1::Config;
                $body
            }
            CurvePreset::Bn254 => {
                type $C = ark_bn254::g1::Config;
                $body
            }
            CurvePreset::Bls12377 => {
                type $C = ark_bls12_377::g1::Config;
                $body
            }
        }
    };
}

fn to_ark<C: SWCurveConfig>(p: &Affine) -> SwAffine<C>
where
    C::BaseField: PrimeField,
{
    match p {
        Affine::Infinity => SwAffine::<C>::identity(),
        Affine::Point { x, y } => SwAffine::<C>::new_unchecked(
            C::BaseField::from(x.clone()),
            C::BaseField::from(y.clone()),
        ),
    }
}

fn from_ark<C: SWCurveConfig>(p: &SwAffine<C>) -> Affine
where
    C::BaseField: PrimeField,
{
    match p.xy() {
        None => Affine::Infinity,
        Some((x, y)) => Affine::Point {
            x: x.into(),
            y: y.into(),
        },
    }
}

/// A curve's G1 group: validation, addition, scalar multiplication and MSM, all by arkworks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Curve {
    preset: CurvePreset,
}

impl Curve {
    pub const ALL: [CurvePreset; 3] = [
        CurvePreset::Bls12381,
        CurvePreset::Bn254,
        CurvePreset::Bls12377,
    ];

    pub fn new(preset: CurvePreset) -> Self {
        Curve { preset }
    }

    pub fn from_name(name: &str) -> Result<Self, GoldenError> {
        let preset = match name {
            "bls12-381" => CurvePreset::Bls12381,
            "bn254" => CurvePreset::Bn254,
            "bls12-377" => CurvePreset::Bls12377,
            _ => return Err(GoldenError::UnknownCurve(name.to_string())),
        };
        Ok(Curve { preset })
    }

    pub fn preset(&self) -> CurvePreset {
        self.preset
    }

    pub fn name(&self) -> &'static str {
        match self.preset {
            CurvePreset::Bls12381 => "bls12-381",
            CurvePreset::Bn254 => "bn254",
            CurvePreset::Bls12377 => "bls12-377",
        }
    }

    /// The base field Fq.
    pub fn base_field(&self) -> Field {
        Field::preset(match self.preset {
            CurvePreset::Bls12381 => FieldPreset::Bls12381Fq,
            CurvePreset::Bn254 => FieldPreset::Bn254Fq,
            CurvePreset::Bls12377 => FieldPreset::Bls12377Fq,
        })
    }

    /// The scalar field Fr (the order r of G1's prime-order subgroup).
    pub fn scalar_field(&self) -> Field {
        Field::preset(match self.preset {
            CurvePreset::Bls12381 => FieldPreset::Bls12381Fr,
            CurvePreset::Bn254 => FieldPreset::Bn254Fr,
            CurvePreset::Bls12377 => FieldPreset::Bls12377Fr,
        })
    }

    /// The coefficient b of y^2 = x^3 + b.
    pub fn b(&self) -> BigUint {
        with_g1!(self.preset, C => C::COEFF_B.into())
    }

    pub fn generator(&self) -> Affine {
        with_g1!(self.preset, C => from_ark(&SwAffine::<C>::generator()))
    }

    /// Checks that `p` has canonical coordinates, lies on the curve and is in the prime-order
    /// subgroup. The error text names the problem; callers add the index.
    pub fn validate(&self, p: &Affine) -> Result<(), GoldenError> {
        let Affine::Point { x, y } = p else {
            return Ok(());
        };
        let fq = self.base_field();
        fq.check("x", x)?;
        fq.check("y", y)?;
        with_g1!(self.preset, C => {
            let a = to_ark::<C>(p);
            if !a.is_on_curve() {
                return Err(GoldenError::BadInput(format!("point is not on {}", self.name())));
            }
            if !a.is_in_correct_subgroup_assuming_on_curve() {
                return Err(GoldenError::BadInput(format!(
                    "point is on {} but not in the prime-order subgroup", self.name())));
            }
            Ok(())
        })
    }

    pub fn add(&self, p: &Affine, q: &Affine) -> Affine {
        with_g1!(self.preset, C => {
            let s = to_ark::<C>(p) + to_ark::<C>(q);
            from_ark(&s.into_affine())
        })
    }

    pub fn neg(&self, p: &Affine) -> Affine {
        match p {
            Affine::Infinity => Affine::Infinity,
            Affine::Point { x, y } => Affine::Point {
                x: x.clone(),
                y: self.base_field().sub(&BigUint::zero(), y),
            },
        }
    }

    /// k * P for any non-negative k (reduced by nothing: the group order does that itself).
    pub fn mul(&self, p: &Affine, k: &BigUint) -> Affine {
        with_g1!(self.preset, C => {
            let s = to_ark::<C>(p).mul_bigint(k.to_u64_digits());
            from_ark(&s.into_affine())
        })
    }

    /// sum k_i * P_i by arkworks' MSM. Panics if the lengths differ (callers validate).
    pub fn msm(&self, points: &[Affine], scalars: &[BigUint]) -> Affine {
        assert_eq!(points.len(), scalars.len());
        with_g1!(self.preset, C => {
            let bases: Vec<SwAffine<C>> = points.iter().map(to_ark::<C>).collect();
            let ks: Vec<<C as ark_ec::CurveConfig>::ScalarField> =
                scalars.iter().map(|k| <C as ark_ec::CurveConfig>::ScalarField::from(k.clone())).collect();
            let r: Projective<C> = VariableBaseMSM::msm(&bases, &ks).expect("equal lengths");
            from_ark(&r.into_affine())
        })
    }

    /// A random point of the prime-order subgroup: the generator times a random scalar.
    pub fn random_point<R: Rng + ?Sized>(&self, rng: &mut R) -> Affine {
        let k = self.scalar_field().random_element(rng);
        with_g1!(self.preset, C => {
            let g = Projective::<C>::generator();
            from_ark(&(g * <C as ark_ec::CurveConfig>::ScalarField::from(k)).into_affine())
        })
    }

    /// Converts homogeneous projective coordinates (x = X/Z, y = Y/Z; Z = 0 is the identity),
    /// the output of the hardware point adder and MSM, to affine.
    pub fn from_projective(&self, x: &BigUint, y: &BigUint, z: &BigUint) -> Affine {
        with_g1!(self.preset, C => {
            type F = <C as ark_ec::CurveConfig>::BaseField;
            let zf = F::from(z.clone());
            if zf.is_zero() {
                return Affine::Infinity;
            }
            let zi = zf.inverse().expect("nonzero");
            Affine::Point {
                x: (F::from(x.clone()) * zi).into(),
                y: (F::from(y.clone()) * zi).into(),
            }
        })
    }
}

/// JSON form of a point: `{"x": "0x..", "y": "0x.."}` or the string `"infinity"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AffineJson {
    Infinity(String),
    Point { x: String, y: String },
}

impl AffineJson {
    pub fn from_affine(p: &Affine) -> Self {
        match p {
            Affine::Infinity => AffineJson::Infinity("infinity".into()),
            Affine::Point { x, y } => AffineJson::Point {
                x: to_hex(x),
                y: to_hex(y),
            },
        }
    }

    pub fn to_affine(&self) -> Result<Affine, GoldenError> {
        match self {
            AffineJson::Infinity(s) if s == "infinity" => Ok(Affine::Infinity),
            AffineJson::Infinity(s) => Err(GoldenError::BadInput(format!(
                "expected {{\"x\": ..., \"y\": ...}} or \"infinity\", got {s:?}"
            ))),
            AffineJson::Point { x, y } => Ok(Affine::Point {
                x: parse_hex(x)?,
                y: parse_hex(y)?,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_traits::One;

    #[test]
    fn generator_is_valid_and_doubling_matches_mul() {
        for c in Curve::ALL.map(Curve::new) {
            let g = c.generator();
            c.validate(&g).unwrap();
            assert_eq!(
                c.add(&g, &g),
                c.mul(&g, &BigUint::from(2u32)),
                "{}",
                c.name()
            );
            assert_eq!(c.add(&g, &c.neg(&g)), Affine::Infinity);
            let r = c.scalar_field().modulus().clone();
            assert_eq!(c.mul(&g, &r), Affine::Infinity);
            assert_eq!(c.mul(&g, &(r - BigUint::one())), c.neg(&g));
        }
    }

    #[test]
    fn rejects_points_off_the_curve() {
        let c = Curve::from_name("bls12-381").unwrap();
        let Affine::Point { x, y } = c.generator() else {
            unreachable!()
        };
        assert!(c.validate(&Affine::Point { x, y: y + 1u32 }).is_err());
    }
}
