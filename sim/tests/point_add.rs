//! `point_add` in Verilator: the complete formula's edge cases (P + P, P + (-P), O + P, P + O,
//! O + O, a scaled identity, doubling and negation with Z != 1) and random projective pairs,
//! with random gaps in the input (and the edges in Icarus too); every result bit-exact against
//! the software model of the formula and, as a point, against arkworks. A broken core must be
//! caught. The same for the mixed core (P2 affine): P + P, P + (-P), O + P, (0 : l : 0) + P,
//! and doubling and negation with P1's Z != 1, on BN254 and BLS12-381, and a mutant with a
//! wrong operand in one product of its schedule.

mod common;

use common::{quiet, test_seed};
use zkhdl_golden::vectors::{mixed_add_pairs, point_add_pairs};
use zkhdl_golden::{Affine, Curve};
use zkhdl_hdl::Core;
use zkhdl_sim::harness::SimError;
use zkhdl_sim::point_add::{
    config_for, mixed_config_for, simulate, simulate_core, simulate_iverilog,
};
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

/// The mixed core on `curve`: the edges of `mixed_add_pairs` and random pairs (P1 with a
/// random Z), with random gaps in the input.
fn mixed_edges_and_random_pairs(name: &str, n: usize) {
    let curve = Curve::from_name(name).unwrap();
    let seed = test_seed(&format!("point_add mixed {name}"));
    let pairs = mixed_add_pairs(&curve, n, seed);
    let opts = SimOptions {
        gaps: Some(Gaps {
            seed,
            idle_probability: 0.3,
        }),
        ..quiet()
    };
    let cfg = mixed_config_for(&curve);
    let run = simulate(&cfg, &curve, &pairs, &opts).unwrap();
    assert!(
        run.matches_golden(),
        "seed {seed}: {:?} {:?}",
        run.stream_errors,
        run.mismatches.first()
    );
    assert_eq!(run.results.len(), pairs.len());
    assert_eq!(run.latency, cfg.latency().unwrap());
    // The edge cases really are what they claim: P + (-P) with Z = 1 and with Z != 1 give the
    // identity, O + P and (0 : l : 0) + P give P, the doublings agree.
    let p = pairs[0].1.to_affine(&curve);
    assert_eq!(run.results[1], Affine::Infinity);
    assert_eq!(run.results[6], Affine::Infinity);
    assert_eq!(run.results[2], p);
    assert_eq!(run.results[3], p);
    assert_eq!(run.results[0], run.results[5]);
    assert_eq!(run.results[0], curve.add(&p, &p));
}

#[test]
fn mixed_bn254_edges_and_random_pairs_with_gaps() {
    mixed_edges_and_random_pairs("bn254", 80);
}

#[test]
fn mixed_bls12_381_edges_and_random_pairs_with_gaps() {
    mixed_edges_and_random_pairs("bls12-381", 40);
}

#[test]
fn a_wrong_operand_in_the_mixed_schedule_is_caught() {
    // Product 3 of the mixed schedule is y2 * Z1 (for t4 = Y1 + y2 Z1); the mutant feeds it
    // x2 * Z1, the operands of product 4. Every sum with Z1 != 0 goes wrong; with P1 the
    // identity (Z1 = 0) the product is 0 either way and the sum stays right.
    let curve = Curve::from_name("bn254").unwrap();
    let cfg = mixed_config_for(&curve);
    let mut core = cfg.generate().unwrap();
    let operand = |v: &str, i: usize| {
        let key = format!("muls${i}$a = ");
        let line = v
            .lines()
            .find(|l| l.trim_start().starts_with(&key))
            .unwrap();
        line.trim().to_string()
    };
    let (three, four) = (operand(&core.verilog, 3), operand(&core.verilog, 4));
    let mutant = three.replacen(
        three.split(" = ").nth(1).unwrap(),
        four.split(" = ").nth(1).unwrap(),
        1,
    );
    assert_ne!(three, mutant, "products 3 and 4 read different signals");
    assert_eq!(core.verilog.matches(&three).count(), 1);
    core.verilog = core.verilog.replacen(&three, &mutant, 1);
    let seed = test_seed("point_add mixed mutant");
    let pairs = mixed_add_pairs(&curve, 16, seed);
    let run = simulate_core(&core, &cfg, &curve, &pairs, &quiet()).unwrap();
    assert!(!run.matches_golden(), "seed {seed}");
    let wrong: Vec<usize> = run.mismatches.iter().map(|m| m.index).collect();
    assert!(!wrong.contains(&2) && !wrong.contains(&3), "{wrong:?}");
    assert!(wrong.contains(&0) && wrong.contains(&5), "{wrong:?}");
    assert!(
        (7..16).all(|i| wrong.contains(&i)),
        "seed {seed}: {wrong:?}"
    );
}

#[test]
fn the_mixed_driver_refuses_a_projective_p2() {
    // point_add_pairs has P2 = O (index 3) and P2 with Z != 1 (index 7): not for the mixed core.
    let curve = Curve::from_name("bn254").unwrap();
    let pairs = point_add_pairs(&curve, 9, 1);
    match simulate(&mixed_config_for(&curve), &curve, &pairs[3..], &quiet()) {
        Err(SimError::Config(e)) => assert!(e.contains("pair 0") && e.contains("affine"), "{e}"),
        other => panic!("{:?}", other.map(|r| r.mismatches)),
    }
    match simulate(&mixed_config_for(&curve), &curve, &pairs[7..], &quiet()) {
        Err(SimError::Config(e)) => assert!(e.contains("pair 0"), "{e}"),
        other => panic!("{:?}", other.map(|r| r.mismatches)),
    }
}
