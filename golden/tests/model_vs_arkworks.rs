//! The bignum model (the reference for custom primes) against arkworks on every preset, and the
//! Montgomery-domain helpers against arkworks' own Montgomery multiplication.

use num_bigint::BigUint;
use proptest::prelude::*;
use zkhdl_golden::{Field, FieldPreset};

fn element(p: FieldPreset) -> impl Strategy<Value = BigUint> {
    let m = p.modulus();
    proptest::collection::vec(any::<u8>(), 100).prop_map(move |b| BigUint::from_bytes_le(&b) % &m)
}

fn preset() -> impl Strategy<Value = FieldPreset> {
    proptest::sample::select(FieldPreset::ALL.to_vec())
}

proptest! {
    #[test]
    fn model_matches_arkworks((p, a, b) in preset().prop_flat_map(|p| (Just(p), element(p), element(p)))) {
        let f = Field::preset(p);
        prop_assert_eq!(f.model_add(&a, &b), f.add(&a, &b));
        prop_assert_eq!(f.model_sub(&a, &b), f.sub(&a, &b));
        prop_assert_eq!(f.model_mul(&a, &b), f.mul(&a, &b));
    }

    #[test]
    fn montgomery_matches_arkworks((p, a, b) in preset().prop_flat_map(|p| (Just(p), element(p), element(p)))) {
        let f = Field::preset(p);
        let k = p.ark_montgomery_bits();
        let (am, bm) = (f.to_montgomery(&a, k), f.to_montgomery(&b, k));
        let ours = f.montgomery_mul(&am, &bm, k);
        prop_assert_eq!(Some(ours.clone()), f.ark_montgomery_mul_raw(&am, &bm));
        prop_assert_eq!(f.from_montgomery(&ours, k), f.mul(&a, &b));
    }
}

#[test]
fn edge_values_match_arkworks() {
    for p in FieldPreset::ALL {
        let f = Field::preset(p);
        let e = f.edge_values();
        assert!(e.iter().all(|v| v < f.modulus()));
        for a in &e {
            for b in &e {
                assert_eq!(
                    f.model_add(a, b),
                    f.add(a, b),
                    "{} add {a:#x} {b:#x}",
                    p.name()
                );
                assert_eq!(
                    f.model_sub(a, b),
                    f.sub(a, b),
                    "{} sub {a:#x} {b:#x}",
                    p.name()
                );
                assert_eq!(
                    f.model_mul(a, b),
                    f.mul(a, b),
                    "{} mul {a:#x} {b:#x}",
                    p.name()
                );
            }
        }
    }
}
