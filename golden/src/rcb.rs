//! Software model of the complete addition formula the point-adder pipeline implements:
//! Renes-Costello-Batina (eprint 2015/1060), Algorithm 7 for short Weierstrass curves with
//! a = 0, in homogeneous projective coordinates (x = X/Z, y = Y/Z; the identity is (0 : 1 : 0)).
//! 12 multiplications, 2 multiplications by 3b, 19 additions; no special case for doubling,
//! P + (-P) or the identity, which is what a pipeline needs.

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
    let mut t0 = m(x1, x2);
    let mut t1 = m(y1, y2);
    let mut t2 = m(z1, z2);
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
    x3 = a(&t0, &t0);
    t0 = a(&x3, &t0);
    t2 = m(&b3, &t2);
    let mut z3 = a(&t1, &t2);
    t1 = s(&t1, &t2);
    y3 = m(&b3, &y3);
    x3 = m(&t4, &y3);
    t2 = m(&t3, &t1);
    x3 = s(&t2, &x3);
    y3 = m(&y3, &t0);
    t1 = m(&t1, &z3);
    y3 = a(&t1, &y3);
    t0 = m(&t0, &t3);
    z3 = m(&z3, &t4);
    z3 = a(&z3, &t0);
    Projective {
        x: x3,
        y: y3,
        z: z3,
    }
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
}
