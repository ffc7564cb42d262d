//! `modadd` in Verilator against arkworks: random and edge vectors, random valid gaps, and
//! proof that the checks fail on a wrong core.

mod common;

use common::{quiet, test_seed};
use num_bigint::BigUint;
use zkhdl_golden::vectors::{edge_pairs, random_pairs};
use zkhdl_golden::Field;
use zkhdl_sim::modadd::{core_for, simulate, simulate_core};
use zkhdl_sim::run::{Gaps, SimOptions};

/// 2^64 - 59, the largest 64-bit prime.
const CUSTOM_64: &str = "0xffffffffffffffc5";

fn fields() -> Vec<Field> {
    vec![
        Field::from_name("bls12-381-fq").unwrap(),
        Field::from_name("bn254-fr").unwrap(),
        Field::custom_hex(CUSTOM_64).unwrap(),
    ]
}

fn assert_passes(field: &Field, pairs: &[(BigUint, BigUint)], opts: &SimOptions, what: &str) {
    let run = simulate(field, pairs, opts).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        run.matches_golden(),
        "{what} on {}: stream errors {:?}, first mismatches {:#?}",
        field.name(),
        run.stream_errors,
        &run.mismatches[..run.mismatches.len().min(5)]
    );
    assert_eq!(run.sums.len(), pairs.len());
    assert_eq!(run.differences.len(), pairs.len());
}

#[test]
fn random_vectors_match_arkworks() {
    let seed = test_seed("random_vectors_match_arkworks");
    for f in fields() {
        assert_passes(&f, &random_pairs(&f, 2000, seed), &quiet(), "random");
    }
}

#[test]
fn edge_vectors_match_arkworks() {
    for f in fields() {
        let mut pairs = edge_pairs(&f);
        // a + b = p exactly, for several splits; and a - b with borrow (a < b).
        let p = f.modulus().clone();
        for a in [BigUint::from(1u32), BigUint::from(2u32), &p >> 1, &p - 2u32] {
            pairs.push((a.clone(), &p - &a));
            pairs.push((BigUint::from(0u32), a.clone()));
        }
        assert_passes(&f, &pairs, &quiet(), "edge");
    }
}

#[test]
fn random_valid_gaps_lose_and_duplicate_nothing() {
    let seed = test_seed("random_valid_gaps_lose_and_duplicate_nothing");
    for (f, prob) in fields().into_iter().zip([0.2, 0.5, 0.8]) {
        let opts = SimOptions {
            gaps: Some(Gaps {
                seed,
                idle_probability: prob,
            }),
            ..quiet()
        };
        assert_passes(&f, &random_pairs(&f, 500, seed), &opts, "gaps");
    }
}

#[test]
fn a_core_for_another_prime_is_caught() {
    let seed = test_seed("a_core_for_another_prime_is_caught");
    let right = Field::from_name("bn254-fr").unwrap();
    let wrong = Field::from_name("bn254-fq").unwrap();
    let run = simulate_core(
        &core_for(&wrong),
        &right,
        &random_pairs(&right, 200, seed),
        &quiet(),
    )
    .unwrap();
    assert!(!run.matches_golden());
    assert!(!run.mismatches.is_empty());
}

#[test]
fn an_off_by_one_comparison_is_caught_by_the_edge_vectors() {
    // Mutation: reduce only when the raw sum exceeds p, instead of reaching it (keep the sum
    // when a + b - p, `dsum`, is zero too). Only a + b = p exposes it, which is why the edge
    // vectors exist.
    let f = Field::from_name("bls12-381-fq").unwrap();
    let mut core = core_for(&f);
    let before = core.verilog.clone();
    let (find, replace) = zkhdl_hdl::modadd::off_by_one_mutant(&before).expect("the site");
    assert_eq!(before.matches(&find).count(), 1, "{find}");
    core.verilog = core.verilog.replace(&find, &replace);
    assert_ne!(before, core.verilog, "the mutation must apply");
    let run = simulate_core(&core, &f, &edge_pairs(&f), &quiet()).unwrap();
    assert!(!run.mismatches.is_empty(), "the mutated core must fail");
    assert!(run
        .mismatches
        .iter()
        .all(|m| m.operation == "add" && m.got == format!("{:#x}", f.modulus())));
}
