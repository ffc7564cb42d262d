//! The ASIC estimate (OSU 0.18 um cells, OpenSTA). A small modadd runs by default; the
//! BLS12-381 Fq modmul is opt-in (`cargo test -p zkhdl-synth --test asic -- --ignored
//! --nocapture`; figures in results/asic.md).

use num_bigint::BigUint;
use std::path::PathBuf;
use zkhdl_golden::field::FieldPreset;
use zkhdl_hdl::modadd::ModAddConfig;
use zkhdl_hdl::modmul::ModMulConfig;
use zkhdl_hdl::tile::TileShape;
use zkhdl_hdl::Core;
use zkhdl_synth::asic::{self, AsicReport};

fn estimate<C: Core>(cfg: &C, name: &str, period_ns: f64) -> AsicReport {
    let dir = std::env::temp_dir().join(format!("zkhdl-asic-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let g = cfg.generate().unwrap();
    let v: PathBuf = dir.join(format!("{}.v", g.manifest.top));
    std::fs::write(&v, &g.verilog).unwrap();
    let r = asic::run(&g.manifest.top, &g.manifest.clock, &[v], period_ns, &dir)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    println!("{name}: {}", serde_json::to_string(&r).unwrap());
    r
}

#[test]
fn modadd_small_prime_maps_and_times() {
    let cfg = ModAddConfig::new(BigUint::from(0xfff1u32), "custom");
    let r = estimate(&cfg, "modadd-fff1", 10.0);
    // Ports are 64 bits wide (the smallest width class), the datapath as wide as p (16
    // bits): two pipeline stages hold the raw sum (17 bits), the result (16), and the valid
    // and op bits of both stages.
    assert!(
        r.flip_flops >= 16 + 2 && r.flip_flops <= 2 * 17 + 6,
        "{} flip-flops",
        r.flip_flops
    );
    assert!(r.cells > r.flip_flops);
    let json = serde_json::to_value(&r).unwrap();
    for key in [
        "area_um2",
        "cells",
        "critical_path_ns",
        "fmax_mhz",
        "flip_flops",
    ] {
        assert!(json.get(key).is_some(), "no {key}");
    }
    // Every cell has a positive area in the library, so the sum exceeds the flip-flops' own.
    assert!(r.area_um2 > 0.0 && r.area_um2 > r.flip_flops as f64 * 10.0);
    // A 65-bit ripple comparison through 180 nm gates takes nanoseconds, not picoseconds or
    // microseconds.
    assert!(
        r.critical_path_ns > 0.5 && r.critical_path_ns < 100.0,
        "{} ns",
        r.critical_path_ns
    );
    assert!((r.fmax_mhz * r.critical_path_ns - 1000.0).abs() < 1e-6);
    // The mapping is timing-driven: for a 40 ns clock abc has no reason to make the path
    // shorter than for a 10 ns one, and the netlist is timed against the clock it was
    // mapped for (critical path = period - slack at either period).
    let again = estimate(&cfg, "modadd-fff1-slow", 40.0);
    assert!(
        again.critical_path_ns >= r.critical_path_ns * 0.95,
        "{} ns at 40 ns against {} ns at 10 ns",
        again.critical_path_ns,
        r.critical_path_ns
    );
    assert!((again.clock_period_ns - again.worst_slack_ns - again.critical_path_ns).abs() < 1e-9);
    assert!(again.cells > again.flip_flops);
}

/// The hierarchical mapping (each module once; the only way the BLS12-381 modmul fits in
/// yosys's 4 GiB WebAssembly memory) against the flat one, on a 16-bit modmul with three tile
/// instances: the totals count every instance's cells, no module name is counted as a cell,
/// OpenSTA reads the hierarchical netlist, and the area is within the flat one's and the
/// flat one's plus what crossing module boundaries can save.
#[test]
fn hierarchical_mapping_totals_every_instance() {
    let mut cfg = ModMulConfig::new(BigUint::from(0xfff1u32), "custom");
    cfg.tile = TileShape::T26x17;
    let g = cfg.generate().unwrap();
    let mut reports = vec![];
    for hier in [false, true] {
        let dir =
            std::env::temp_dir().join(format!("zkhdl-asic-{}-mm16-{hier}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let v: PathBuf = dir.join(format!("{}.v", g.manifest.top));
        std::fs::write(&v, &g.verilog).unwrap();
        let r = asic::run_with_liberty(
            &asic::liberty(),
            &g.manifest.top,
            &g.manifest.clock,
            &[v],
            10.0,
            &dir,
            hier,
        )
        .unwrap_or_else(|e| panic!("hierarchical {hier}: {e}"));
        println!(
            "hierarchical {hier}: {}",
            serde_json::to_string(&r).unwrap()
        );
        assert_eq!(r.hierarchical, hier);
        assert!(
            r.cells_by_type.keys().all(|c| !c.contains("tiles")),
            "{:?}",
            r.cells_by_type
        );
        assert_eq!(r.cells, r.cells_by_type.values().sum::<u64>());
        assert!(r.critical_path_ns > 0.5 && r.critical_path_ns < 100.0);
        reports.push(r);
    }
    let (flat, hier) = (&reports[0], &reports[1]);
    // Three 26x17 tiles of 43-bit products, registered twice, plus the operand registers:
    // far more flip-flops than the top module's own, so the instances are counted.
    assert!(
        hier.flip_flops >= 3 * (26 + 17 + 2 * 43),
        "{}",
        hier.flip_flops
    );
    assert!(
        hier.area_um2 >= flat.area_um2 * 0.95,
        "{} vs {}",
        hier.area_um2,
        flat.area_um2
    );
    assert!(
        hier.area_um2 <= flat.area_um2 * 3.0,
        "{} vs {}",
        hier.area_um2,
        flat.area_um2
    );
}

#[test]
fn a_missing_library_is_named() {
    let lib = std::path::Path::new("/nonexistent/osu018_stdcells.lib");
    let e = asic::run_with_liberty(lib, "t", "clock", &[], 10.0, &std::env::temp_dir(), false)
        .unwrap_err();
    assert!(e.to_string().contains("qflow-tech-osu018"), "{e}");
}

#[test]
#[ignore]
fn modmul_61_bit_and_bls12_381_fq() {
    let mut m61 = ModMulConfig::new((BigUint::from(1u32) << 61u32) - 1u32, "custom");
    m61.tile = TileShape::T26x17;
    estimate(&m61, "modmul-m61", 10.0);
    let fq = ModMulConfig::new(FieldPreset::Bls12381Fq.modulus(), "bls12-381-fq");
    estimate(&fq, "modmul-bls12-381-fq", 10.0);
}
