//! The pipelined `modmul` architecture: three Karatsuba products in sequence, each summed by
//! the column compressor, then one conditional subtraction (see the parent module).

use super::{ModMulConfig, Plan, OUTPUTS_AT_TIME_ZERO};
use crate::karatsuba::{self, Operand};
use crate::netlist::{bit_range, literal, mod_pow2, zext, Carry, Netlist, Sig, Term};
use crate::rtl::valid_pipeline;
use crate::HdlError;
use num_bigint::BigUint;
use num_traits::{One, Zero};

/// Builds the pipelined Montgomery datapath. Stage 0 is the input register.
pub fn plan(
    cfg: &ModMulConfig,
    karatsuba: usize,
    slice_bits: usize,
    levels_per_stage: usize,
) -> Result<Plan, HdlError> {
    let k = cfg.r_bits();
    let p = cfg.modulus.clone();
    let mut nl = Netlist::with_max_add(cfg.max_add_bits);
    nl.route_registers = cfg.route_registers;
    let a = nl.reg_expr("a_in", k, 0, &format!("a[{}:0]", k - 1));
    let b = nl.reg_expr("b_in", k, 0, &format!("b[{}:0]", k - 1));
    let mut terms_total = 0;
    // 1. T = a b.
    let how = karatsuba::TreeSum {
        slice_bits,
        levels_per_stage,
        // Tree: z0 and z2 (used twice by their node) and everything below them summed once.
        min_reps: match cfg.karatsuba_sum {
            super::KaratsubaSum::Tree => 2,
            super::KaratsubaSum::Flat => 0,
        },
    };
    let (leaves, tree) = karatsuba::full_tree(
        &mut nl,
        &Operand::Var(a),
        &Operand::Var(b),
        karatsuba,
        cfg.tile,
    );
    let (terms, c, _) =
        karatsuba::instantiate_tree(&mut nl, &leaves, &tree, cfg.tile, 2 * k, None, how);
    terms_total += terms.len();
    let t = nl.sum(
        &terms,
        &mod_pow2(&c, 2 * k),
        2 * k,
        slice_bits,
        levels_per_stage,
    );
    // 2. m = (T mod R) p' mod R.
    let t_lo = nl.slice(&t, 0, k).expect("T has k low bits");
    let terms = if cfg.p_prime_by_lut() {
        // No tiles: one term per non-zero digit of p' (NAF, or width-3 NAF with 3 (T mod R)
        // formed first where that pays).
        let digits = p_prime_digits(cfg);
        let mut multiples = vec![(1, t_lo.clone())];
        if digits.iter().any(|d| d.multiple == 3) {
            // 3x = x + 2x mod 2^k.
            let twice = nl.wire(
                "x2",
                k,
                t_lo.stage,
                &format!("{{{}, 1'b0}}", bit_range(&t_lo.name, k - 2, 0)),
            );
            nl.unused(&t_lo.name, k - 1, k - 1);
            let x3 = nl.add_wide("x3", &t_lo, &twice, Carry::Zero, k);
            nl.unused(&x3.name, k, k);
            let x3 = nl.slice(&x3, 0, k).expect("k bits");
            let x1 = nl.at(&t_lo, x3.stage);
            multiples = vec![(1, x1), (3, x3)];
        }
        crate::constmul::low_product_terms(&mut nl, &multiples, &digits, k)
    } else {
        let leaves = karatsuba::low(
            &mut nl,
            &Operand::Var(t_lo),
            &Operand::constant(cfg.p_prime()),
            k,
            karatsuba,
            cfg.tile,
        );
        karatsuba::instantiate(&mut nl, &leaves, cfg.tile, k, None).0
    };
    terms_total += terms.len();
    let m = nl.sum(&terms, &BigUint::zero(), k, slice_bits, levels_per_stage);
    // 3. S = T + m p, leaving out low tiles of m p whose sum E has |E| < R/4: the exact
    //    S + E is divisible by R, so the low half of the computed S is -E mod R, and its top
    //    bit says whether E was positive (carry one into the high half) or not.
    let (leaves, tree) = karatsuba::full_tree(
        &mut nl,
        &Operand::Var(m),
        &Operand::constant(p.clone()),
        karatsuba,
        cfg.tile,
    );
    let (mut terms, c, _dropped) = karatsuba::instantiate_tree(
        &mut nl,
        &leaves,
        &tree,
        cfg.tile,
        2 * k + 2,
        Some(k - 2),
        how,
    );
    terms.push(Term {
        sig: t,
        shift: 0,
        negate: false,
    });
    terms_total += terms.len();
    let s = nl.sum(
        &terms,
        &mod_pow2(&c, 2 * k + 2),
        2 * k + 2,
        slice_bits,
        levels_per_stage,
    );
    // 4. U = S / R < 2p; result = U - p unless that is negative.
    //    Of S's low half only bit k - 1 is read (the sign of the left-out E, above), and its
    //    top bit is 0 (U < 2p).
    if !nl.one_stage(k + 2) {
        let res = final_subtraction_wide(&mut nl, &s, &p, k);
        return finish(cfg, nl, res, terms_total);
    }
    let u = nl.wire(
        "u",
        k + 1,
        s.stage,
        &format!(
            "{} + {}",
            bit_range(&s.name, 2 * k, k),
            zext(&bit_range(&s.name, k - 1, k - 1), 1, k + 1)
        ),
    );
    nl.unused(&s.name, 2 * k + 1, 2 * k + 1);
    if k >= 2 {
        nl.unused(&s.name, k - 2, 0);
    }
    let d = nl.wire(
        "diff",
        k + 2,
        u.stage,
        &format!("{{1'b0, {}}} - {}", u.name, literal(&p, k + 2)),
    );
    let res = nl.reg_expr(
        "res",
        k,
        u.stage,
        &format!(
            "{}[{}] ? {}[{}:0] : {}[{}:0]",
            d.name,
            k + 1,
            u.name,
            k - 1,
            d.name,
            k - 1
        ),
    );
    // Bit k of U - p only says the difference is at least 2^k, which cannot be (U < 2p), and
    // U's top bit is 0 whenever U is the result (U < p).
    nl.unused(&d.name, k, k);
    nl.unused(&u.name, k, k);
    finish(cfg, nl, res, terms_total)
}

/// The signed digits of p' mod R the network adds ([`crate::constmul::network_digits`]): the
/// width-3 NAF where its saving exceeds the cost of forming `3 (T mod R)` (about 2k bits of
/// adders, the carry-select adder's two chunk sums), else the NAF.
pub fn p_prime_digits(cfg: &ModMulConfig) -> Vec<crate::constmul::Digit> {
    let k = cfg.r_bits();
    crate::constmul::network_digits(&cfg.p_prime(), k, 2 * k)
}

/// Step 4 where `k + 2` bits exceed the carry-chain bound: `U = S_hi + e` and `U - p` (as
/// `U + 2^(k+2) - p`) each through the netlist's two-stage carry-select adder, then the
/// registered choice.
fn final_subtraction_wide(nl: &mut Netlist, s: &Sig, p: &BigUint, k: usize) -> Sig {
    let hi = nl.slice(s, k, k + 1).expect("S has 2k + 2 bits");
    let e = nl.slice(s, k - 1, 1).expect("S has 2k + 2 bits");
    nl.unused(&s.name, 2 * k + 1, 2 * k + 1);
    if k >= 2 {
        nl.unused(&s.name, k - 2, 0);
    }
    let zero = nl.wire("zero", 1, s.stage, "1'b0");
    let u = nl.add_wide("u", &hi, &zero, Carry::Bit(e), k + 1);
    // U < 2p < 2^(k+1): the carry out is 0.
    nl.unused(&u.name, k + 1, k + 1);
    let neg_p = (BigUint::one() << (k + 2)) - p;
    let c = nl.wire("negp", k + 2, u.stage, &literal(&neg_p, k + 2));
    let u_lo = nl.slice(&u, 0, k + 1).expect("k + 1 bits");
    let d = nl.add_wide("diff", &u_lo, &c, Carry::Zero, k + 2);
    // Bit k + 1 of U - p is its sign; bits k and k + 2 carry nothing (U < 2p).
    nl.unused(&d.name, k + 2, k + 2);
    nl.unused(&d.name, k, k);
    let u_low = nl.slice(&u, 0, k).expect("k bits");
    let u_d = nl.at(&u_low, d.stage);
    nl.reg_expr(
        "res",
        k,
        d.stage,
        &format!(
            "{}[{}] ? {}[{}:0] : {}[{}:0]",
            d.name,
            k + 1,
            u_d.name,
            k - 1,
            d.name,
            k - 1
        ),
    )
}

/// The valid pipeline and output assignment around the datapath ending in `res`.
fn finish(cfg: &ModMulConfig, nl: Netlist, res: Sig, terms_total: usize) -> Result<Plan, HdlError> {
    let k = cfg.r_bits();
    let mut nl = nl;
    let w = cfg.width()?;
    if w > k {
        nl.unused("a", w - 1, k);
        nl.unused("b", w - 1, k);
    }
    let latency = res.stage;
    let mut body = String::new();
    if nl.route_registers && !nl.tiles.is_empty() {
        // Every tile product is a compressor term, and route registers register every term.
        body.push_str(crate::tile::PRODUCTS_REGISTERED);
    }
    nl.render(&mut body, "clock");
    body.push_str(&valid_pipeline(latency));
    body.push_str(&format!(
        "always @(*) result = {};\n",
        zext(&res.name, k, w)
    ));
    body.push_str(OUTPUTS_AT_TIME_ZERO);
    Ok(Plan {
        body,
        tiles: nl.tiles.len(),
        latency,
        register_bits: nl.register_bits,
        compressor_terms: terms_total,
    })
}
