//! Icarus Verilog runs the same emitted `modadd` Verilog and must agree with arkworks too.

mod common;

use common::{quiet, test_seed};
use zkhdl_golden::vectors::{edge_pairs, random_pairs};
use zkhdl_golden::Field;
use zkhdl_sim::modadd::{simulate, simulate_iverilog};

#[test]
fn iverilog_agrees_with_arkworks_and_verilator() {
    let seed = test_seed("iverilog_agrees_with_arkworks_and_verilator");
    for name in ["bls12-381-fq", "bn254-fr"] {
        let f = Field::from_name(name).unwrap();
        let mut pairs = edge_pairs(&f);
        pairs.extend(random_pairs(&f, 200, seed));
        let icarus = simulate_iverilog(&f, &pairs, &quiet()).unwrap();
        assert!(
            icarus.matches_golden(),
            "{name}: {:?} {:?}",
            icarus.stream_errors,
            icarus.mismatches.first()
        );
        let verilator = simulate(&f, &pairs, &quiet()).unwrap();
        assert_eq!(icarus.sums, verilator.sums);
        assert_eq!(icarus.differences, verilator.differences);
    }
}
