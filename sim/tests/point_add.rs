//! `point_add` in Verilator: the complete formula's edge cases (P + P, P + (-P), O + P, P + O,
//! O + O, a scaled identity, doubling and negation with Z != 1) and random projective pairs,
//! with random gaps in the input (and the edges in Icarus too); every result bit-exact against
//! the software model of the formula and, as a point, against arkworks. A broken core must be
//! caught.

mod common;

use common::{quiet, test_seed};
use zkhdl_golden::vectors::point_add_pairs;
use zkhdl_golden::Curve;
use zkhdl_hdl::Core;
use zkhdl_sim::point_add::{config_for, simulate, simulate_core, simulate_iverilog};
use zkhdl_sim::run::{Gaps, SimOptions};

#[test]
fn bls12_381_edges_and_random_pairs_with_gaps() {
    let curve = Curve::from_name("bls12-381").unwrap();
    let seed = test_seed("point_add bls12-381");
    let pairs = point_add_pairs(&curve, 60, seed);
    let opts = SimOptions {
        gaps: Some(Gaps {
            seed,
            idle_probability: 0.3,
        }),
        ..quiet()
    };
    let run = simulate(&config_for(&curve), &curve, &pairs, &opts).unwrap();
    assert!(
        run.matches_golden(),
        "seed {seed}: {:?} {:?}",
        run.stream_errors,
        run.mismatches.first()
    );
    assert_eq!(run.results.len(), pairs.len());
    // The edge cases really are what they claim: P + (-P) and O + O give the identity.
    assert_eq!(run.results[1], zkhdl_golden::Affine::Infinity);
    assert_eq!(run.results[4], zkhdl_golden::Affine::Infinity);
}

#[test]
fn a_wrong_coefficient_is_caught() {
    // The adder of a curve with b = 5 instead of 4: every result off the curve's own formula.
    let curve = Curve::from_name("bls12-381").unwrap();
    let mut cfg = config_for(&curve);
    cfg.b = 5;
    let core = cfg.generate().unwrap();
    let pairs = point_add_pairs(&curve, 12, 5);
    let run = simulate_core(&core, &config_for(&curve), &curve, &pairs, &quiet()).unwrap();
    assert!(!run.matches_golden());
    // O + O = O holds for any b, and the random pairs must be wrong.
    assert!(run.mismatches.iter().all(|m| m.index != 4));
    assert!(run.mismatches.iter().any(|m| m.index >= 9));
}

#[test]
fn icarus_agrees_on_the_edge_cases() {
    // An independent simulator of the same Verilog; slow at 5,340 tiles, so the edges only.
    let curve = Curve::from_name("bls12-381").unwrap();
    let pairs = point_add_pairs(&curve, 9, 2);
    let run = simulate_iverilog(&config_for(&curve), &curve, &pairs, &quiet()).unwrap();
    assert!(
        run.matches_golden(),
        "{:?} {:?}",
        run.stream_errors,
        run.mismatches.first()
    );
    assert_eq!(run.results.len(), 9);
}
