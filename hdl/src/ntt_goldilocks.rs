//! A multiplier specialised for Goldilocks, p = 2^64 - 2^32 + 1: the full 128-bit product
//! `T = a b` (DSP tiles, Karatsuba as configured, column compressor), then a reduction by
//! shifts and adds with no constant product at all:
//!
//! `T = t0 + t1 2^64 + t2 2^96` (t0 64 bits, t1 and t2 32 bits), and since
//! `2^64 = 2^32 - 1 (mod p)` and `2^96 = -1 (mod p)`:
//! `T = t0 + t1 2^32 - t1 - t2 (mod p)`. Adding p keeps it non-negative:
//! `r = t0 + t1 2^32 - t1 - t2 + p` lies in `[0, 4p)`, and one stage picks `r - c p` for the
//! largest `c` in 0..3 that leaves it non-negative.
//!
//! Contract: the ports and handshake of [`crate::modmul`], but `result = a b mod p` (plain,
//! no Montgomery factor), fully reduced. Versus the Montgomery datapath for a 64-bit prime it
//! drops the two constant products (`m = T p' mod R` and `m p`) and their latency.

use crate::emit::emit_core;
use crate::karatsuba::{self, Operand};
use crate::modmul::{ModMul, Plan, OUTPUTS_AT_TIME_ZERO};
use crate::netlist::{literal, Netlist, Term};
use crate::rtl::{dispatch, valid_pipeline, WidthTile};
use crate::tile::TileShape;
use crate::HdlError;
use num_bigint::BigUint;
use num_traits::{One, Zero};

/// 2^64 - 2^32 + 1.
pub fn modulus() -> BigUint {
    (BigUint::one() << 64) - (BigUint::one() << 32) + 1u32
}

/// The reduction step by step, as the hardware does it: returns (r, result).
pub fn model(a: &BigUint, b: &BigUint) -> (BigUint, BigUint) {
    let p = modulus();
    let t = a * b;
    let mask32 = (BigUint::one() << 32) - 1u32;
    let t0 = &t % (BigUint::one() << 64);
    let t1 = (&t >> 64) & &mask32;
    let t2 = &t >> 96;
    let r = t0 + (&t1 << 32) + &p - t1 - t2;
    let q: BigUint = &r / &p;
    let c = q.to_u32_digits().first().copied().unwrap_or(0);
    assert!(c <= 3, "r < 4p");
    let res = &r - &p * c;
    (r, res)
}

/// Builds the datapath: stage 0 is the input register.
pub fn plan(tile: TileShape, karatsuba: usize, max_add_bits: usize) -> Result<Plan, HdlError> {
    let (slice_bits, levels) = (32, 2);
    let p = modulus();
    let mut nl = Netlist::with_max_add(max_add_bits);
    let a = nl.reg_expr("a_in", 64, 0, "a[63:0]");
    let b = nl.reg_expr("b_in", 64, 0, "b[63:0]");
    let leaves = karatsuba::full(&mut nl, &Operand::Var(a), &Operand::Var(b), karatsuba, tile);
    let (terms, _) = karatsuba::instantiate(&mut nl, &leaves, tile, 128, None);
    let n_terms = terms.len();
    let t = nl.sum(&terms, &BigUint::zero(), 128, slice_bits, levels);
    let t0 = nl.slice(&t, 0, 64).expect("T has 128 bits");
    let t1 = nl.slice(&t, 64, 32).expect("T has 128 bits");
    let t2 = nl.slice(&t, 96, 32).expect("T has 128 bits");
    let term = |sig: &crate::netlist::Sig, shift: usize, negate: bool| Term {
        sig: sig.clone(),
        shift,
        negate,
    };
    // r = t0 + t1 2^32 - t1 - t2 + p, exact in 67 bits (0 <= r < 2^66).
    let r = nl.sum(
        &[
            term(&t0, 0, false),
            term(&t1, 32, false),
            term(&t1, 0, true),
            term(&t2, 0, true),
        ],
        &p,
        67,
        slice_bits,
        levels,
    );
    let sub = |nl: &mut Netlist, c: u32| {
        nl.wire(
            "rc",
            68,
            r.stage,
            &format!("{{1'b0, {}}} - {}", r.name, literal(&(&p * c), 68)),
        )
    };
    let d1 = sub(&mut nl, 1);
    let d2 = sub(&mut nl, 2);
    let d3 = sub(&mut nl, 3);
    let res = nl.reg_expr(
        "res",
        64,
        r.stage,
        &format!(
            "!{d3}[67] ? {d3}[63:0] : !{d2}[67] ? {d2}[63:0] : !{d1}[67] ? {d1}[63:0] : {r}[63:0]",
            d1 = d1.name,
            d2 = d2.name,
            d3 = d3.name,
            r = r.name
        ),
    );
    let latency = res.stage;
    let mut body = String::new();
    nl.render(&mut body, "clock");
    body.push_str(&valid_pipeline(latency));
    body.push_str(&format!("always @(*) result = {};\n", res.name));
    body.push_str(OUTPUTS_AT_TIME_ZERO);
    Ok(Plan {
        body,
        tiles: nl.tiles.len(),
        latency,
        register_bits: nl.register_bits,
        compressor_terms: n_terms + 4,
    })
}

/// The multiplier as a Verilog module named `top` (64-bit ports).
pub fn emit(tile: TileShape, karatsuba: usize, top: &str) -> Result<String, HdlError> {
    let plan = plan(tile, karatsuba, crate::netlist::DEFAULT_MAX_ADD_BITS)?;
    struct Emit<'a>(&'a Plan, &'a str);
    impl WidthTile for Emit<'_> {
        fn emit<const W: usize, const TA: usize, const TB: usize, const TP: usize>(
            &self,
        ) -> Result<String, HdlError> {
            emit_core(&mut ModMul::<W, TA, TB, TP>::new(self.0), self.1)
        }
    }
    dispatch(64, tile, &Emit(&plan, top))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn model_reduces_like_the_bignum_product() {
        let p = modulus();
        let mut rng = rand::rngs::StdRng::seed_from_u64(12);
        let mut vals: Vec<BigUint> = vec![
            BigUint::zero(),
            BigUint::one(),
            &p - 1u32,
            &p - 2u32,
            BigUint::from(u32::MAX),
            BigUint::one() << 32,
            BigUint::one() << 63,
        ];
        vals.extend((0..200).map(|_| BigUint::from(rng.gen::<u64>()) % &p));
        for a in &vals {
            for b in vals.iter().take(20) {
                let (r, res) = model(a, b);
                assert!(r < &p * 4u32);
                assert_eq!(res, (a * b) % &p, "{a:#x} * {b:#x}");
            }
        }
    }

    #[test]
    fn fewer_tiles_and_cycles_than_montgomery() {
        let g = plan(TileShape::T26x17, 1, 64).unwrap();
        let mut m = crate::modmul::ModMulConfig::new(modulus(), "goldilocks");
        m.architecture = crate::modmul::Architecture::pipelined(1);
        let mp = crate::modmul::plan(&m).unwrap();
        assert!(g.tiles < mp.tiles, "{} vs {}", g.tiles, mp.tiles);
        assert!(g.latency < mp.latency, "{} vs {}", g.latency, mp.latency);
    }
}
