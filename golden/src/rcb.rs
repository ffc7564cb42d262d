//! Software model of the complete addition formula the point-adder pipeline implements:
//! Renes-Costello-Batina (eprint 2015/1060), Algorithm 7 for short Weierstrass curves with
//! a = 0, in homogeneous projective coordinates (x = X/Z, y = Y/Z; the identity is (0 : 1 : 0)).
//! 12 multiplications, 2 multiplications by 3b, 19 additions; no special case for doubling,
//! P + (-P) or the identity, which is what a pipeline needs.
//!
//! [`add_mixed`] is the same formula with Z2 = 1 substituted (the paper's Algorithm 8 for
//! a = 0): 11 multiplications, 2 by 3b, 13 additions, for P1 projective plus P2 affine. It is
//! complete in P1 (the identity included) but an affine P2 cannot be the identity.

use crate::curve::{Affine, Curve};
use crate::field::Field;
use num_bigint::BigUint;
use num_traits::{One, Zero};

/// A point in homogeneous projective coordinates (canonical field elements).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Projective {
    pub x: BigUint,
    pub y: BigUint,
    pub z: BigUint,
}

impl Projective {
    pub fn identity() -> Self {
        Projective {
            x: BigUint::zero(),
            y: BigUint::one(),
            z: BigUint::zero(),
        }
    }

    pub fn from_affine(p: &Affine) -> Self {
        match p {
            Affine::Infinity => Self::identity(),
            Affine::Point { x, y } => Projective {
                x: x.clone(),
                y: y.clone(),
                z: BigUint::one(),
            },
        }
    }

    pub fn to_affine(&self, curve: &Curve) -> Affine {
        curve.from_projective(&self.x, &self.y, &self.z)
    }
}

/// P + Q by Algorithm 7 (a = 0), step for step as the hardware schedules it.
pub fn add(curve: &Curve, p: &Projective, q: &Projective) -> Projective {
    let f: Field = curve.base_field();
    let b3 = f.mul(&BigUint::from(3u32), &curve.b());
    let (m, a, s) = (
        |x: &BigUint, y: &BigUint| f.mul(x, y),
        |x: &BigUint, y: &BigUint| f.add(x, y),
        |x: &BigUint, y: &BigUint| f.sub(x, y),
    );
    let (x1, y1, z1, x2, y2, z2) = (&p.x, &p.y, &p.z, &q.x, &q.y, &q.z);
    let t0 = m(x1, x2);
    let t1 = m(y1, y2);
    let t2 = m(z1, z2);
    let mut t3 = a(x1, y1);
    let mut t4 = a(x2, y2);
    t3 = m(&t3, &t4);
    t4 = a(&t0, &t1);
    t3 = s(&t3, &t4);
    t4 = a(y1, z1);
    let mut x3 = a(y2, z2);
    t4 = m(&t4, &x3);
    x3 = a(&t1, &t2);
    t4 = s(&t4, &x3);
    x3 = a(x1, z1);
    let mut y3 = a(x2, z2);
    x3 = m(&x3, &y3);
    y3 = a(&t0, &t2);
    y3 = s(&x3, &y3);
    finish(&f, &b3, [t0, t1, t2, t3, t4, y3])
}

/// The common end of Algorithm 7 and its mixed form, from `x3 = t0 + t0` on: `t0 = X1 X2`,
/// `t1 = Y1 Y2`, `t2 = Z1 Z2`, `t3 = X1 Y2 + X2 Y1`, `t4 = Y1 Z2 + Y2 Z1`,
/// `y3 = X1 Z2 + X2 Z1`; `b3` = 3b.
fn finish(f: &Field, b3: &BigUint, [t0, t1, t2, t3, t4, y3]: [BigUint; 6]) -> Projective {
    let (m, a, s) = (
        |x: &BigUint, y: &BigUint| f.mul(x, y),
        |x: &BigUint, y: &BigUint| f.add(x, y),
        |x: &BigUint, y: &BigUint| f.sub(x, y),
    );
    let x3 = a(&t0, &t0);
    let t0 = a(&x3, &t0);
    let t2 = m(b3, &t2);
    let z3 = a(&t1, &t2);
    let t1 = s(&t1, &t2);
    let y3 = m(b3, &y3);
    let x3 = m(&t4, &y3);
    let t2 = m(&t3, &t1);
    let x3 = s(&t2, &x3);
    let y3 = m(&y3, &t0);
    let t1 = m(&t1, &z3);
    let y3 = a(&t1, &y3);
    let t0 = m(&t0, &t3);
    let z3 = m(&z3, &t4);
    let z3 = a(&z3, &t0);
    Projective {
        x: x3,
        y: y3,
        z: z3,
    }
}

/// P + (x2, y2) for an affine, non-identity second point: [`add`] with Z2 = 1, step for step
/// as the mixed hardware schedules it. Where Algorithm 7 multiplies by Z2 the value passes
/// through: `Z1 Z2 = Z1`, `(Y1 + Z1)(Y2 + Z2) - Y1 Y2 - Z1 Z2 = Y2 Z1 + Y1` and
/// `(X1 + Z1)(X2 + Z2) - X1 X2 - Z1 Z2 = X2 Z1 + X1`, so the triple equals `add`'s with
/// Z2 = 1.
pub fn add_mixed(curve: &Curve, p: &Projective, x2: &BigUint, y2: &BigUint) -> Projective {
    let f: Field = curve.base_field();
    let b3 = f.mul(&BigUint::from(3u32), &curve.b());
    let (m, a, s) = (
        |x: &BigUint, y: &BigUint| f.mul(x, y),
        |x: &BigUint, y: &BigUint| f.add(x, y),
        |x: &BigUint, y: &BigUint| f.sub(x, y),
    );
    let (x1, y1, z1) = (&p.x, &p.y, &p.z);
    let t0 = m(x1, x2);
    let t1 = m(y1, y2);
    let mut t3 = a(x1, y1);
    let mut t4 = a(x2, y2);
    t3 = m(&t3, &t4);
    t4 = a(&t0, &t1);
    t3 = s(&t3, &t4); // X1 y2 + x2 Y1
    t4 = m(y2, z1);
    t4 = a(&t4, y1); // Y1 Z2 + y2 Z1 with Z2 = 1
    let mut y3 = m(x2, z1);
    y3 = a(&y3, x1); // X1 Z2 + x2 Z1 with Z2 = 1
                     // Z1 Z2 = Z1: no product.
    finish(&f, &b3, [t0, t1, z1.clone(), t3, t4, y3])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vectors::rng_from_seed;

    #[test]
    fn complete_addition_matches_arkworks_on_every_curve_and_edge_case() {
        let mut rng = rng_from_seed(42);
        for c in Curve::ALL.map(Curve::new) {
            let g = c.generator();
            let mut cases = vec![
                (g.clone(), g.clone()),
                (g.clone(), c.neg(&g)),
                (Affine::Infinity, g.clone()),
                (g.clone(), Affine::Infinity),
                (Affine::Infinity, Affine::Infinity),
            ];
            for _ in 0..20 {
                let p = c.random_point(&mut rng);
                let q = c.random_point(&mut rng);
                cases.push((p.clone(), q));
                cases.push((p.clone(), p.clone()));
                cases.push((p.clone(), c.neg(&p)));
            }
            for (p, q) in cases {
                let got = add(
                    &c,
                    &Projective::from_affine(&p),
                    &Projective::from_affine(&q),
                )
                .to_affine(&c);
                assert_eq!(got, c.add(&p, &q), "{}: {p:?} + {q:?}", c.name());
            }
            // Inputs with Z != 1 (the pipeline feeds its own outputs back).
            let p = c.random_point(&mut rng);
            let pp = add(
                &c,
                &Projective::from_affine(&p),
                &Projective::from_affine(&p),
            );
            let ppp = add(&c, &pp, &Projective::from_affine(&p));
            assert_eq!(ppp.to_affine(&c), c.mul(&p, &BigUint::from(3u32)));
            let zero = add(
                &c,
                &ppp,
                &Projective::from_affine(&c.mul(&p, &(c.scalar_field().modulus() - 3u32))),
            );
            assert_eq!(zero.to_affine(&c), Affine::Infinity);
        }
    }

    #[test]
    fn mixed_addition_matches_arkworks_and_the_full_formula() {
        let mut rng = rng_from_seed(7);
        for c in Curve::ALL.map(Curve::new) {
            let f = c.base_field();
            let nonzero = |rng: &mut rand_chacha::ChaCha8Rng| loop {
                let z = f.random_element(rng);
                if z != BigUint::zero() {
                    return z;
                }
            };
            // P1 = (X : Y : Z) scaled by l != 1, P2 affine.
            let scale = |p: &Affine, l: &BigUint| {
                let q = Projective::from_affine(p);
                Projective {
                    x: f.mul(&q.x, l),
                    y: f.mul(&q.y, l),
                    z: f.mul(&q.z, l),
                }
            };
            let g = c.generator();
            let mut cases = vec![
                (g.clone(), g.clone(), BigUint::one()),
                (c.neg(&g), g.clone(), BigUint::one()),
                (Affine::Infinity, g.clone(), BigUint::one()),
            ];
            for _ in 0..20 {
                let p = c.random_point(&mut rng);
                let q = c.random_point(&mut rng);
                let l = nonzero(&mut rng);
                cases.push((p.clone(), q.clone(), l.clone()));
                cases.push((q.clone(), q.clone(), l.clone())); // doubling
                cases.push((c.neg(&q), q.clone(), l.clone())); // P + (-P)
                cases.push((Affine::Infinity, q.clone(), l)); // (0 : l : 0) + Q
            }
            for (p, q, l) in cases {
                let Affine::Point { x, y } = &q else {
                    unreachable!("P2 is never the identity")
                };
                let p1 = scale(&p, &l);
                let got = add_mixed(&c, &p1, x, y);
                assert_eq!(
                    got.to_affine(&c),
                    c.add(&p, &q),
                    "{}: {p:?} (scaled by {l}) + {q:?}",
                    c.name()
                );
                // Z2 = 1 in the full formula gives the same triple, value for value.
                assert_eq!(got, add(&c, &p1, &Projective::from_affine(&q)));
            }
        }
    }
}
