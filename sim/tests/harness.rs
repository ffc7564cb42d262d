//! The Verilator harness itself: caching, port errors, tracing, and the tile primitive's
//! Verilog against its model.

mod common;

use common::test_seed;
use num_bigint::BigUint;
use rand::Rng;
use zkhdl_golden::vectors::rng_from_seed;
use zkhdl_golden::Field;
use zkhdl_hdl::tile::TileShape;
use zkhdl_hdl::Core;
use zkhdl_sim::harness::{build, BuildOptions, SimError};
use zkhdl_sim::modadd::core_for;
use zkhdl_sim::run::design_of;

fn private_cache(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("zkhdl-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn second_build_is_a_cache_hit() {
    let dir = private_cache("cache");
    let opts = BuildOptions {
        cache_dir: dir.clone(),
        ..Default::default()
    };
    let design = design_of(&core_for(&Field::custom_hex("0x1fffffffffffffff").unwrap()));
    let (_, first) = build(&design, &opts).unwrap();
    let (_, second) = build(&design, &opts).unwrap();
    assert!(!first.cache_hit);
    assert!(second.cache_hit);
    assert_eq!(second.verilate_s, 0.0);
    // Any change to the Verilog is a different design.
    let mut changed = design.clone();
    changed.sources[0].1.push_str("\n// changed\n");
    let (_, third) = build(&changed, &opts).unwrap();
    assert!(!third.cache_hit);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn port_errors_are_clear() {
    let design = design_of(&core_for(&Field::custom_hex("0x1fffffffffffffff").unwrap()));
    let (mut m, _) = build(&design, &BuildOptions::default()).unwrap();
    let e = m.port("nope").unwrap_err();
    assert!(matches!(e, SimError::UnknownPort { .. }));
    assert!(e.to_string().contains("in_valid"), "{e}");
    let a = m.port("a").unwrap();
    let e = m.set_biguint(a, &(BigUint::from(1u32) << 64)).unwrap_err();
    assert!(
        matches!(
            e,
            SimError::WidthMismatch {
                width: 64,
                bits: 65,
                ..
            }
        ),
        "{e}"
    );
    let r = m.port("result").unwrap();
    assert!(matches!(m.set_u64(r, 1), Err(SimError::Direction { .. })));
    assert!(
        m.trace_on(std::path::Path::new("/tmp/x.vcd")).is_err(),
        "untraced build"
    );
}

#[test]
fn vcd_trace_is_written() {
    let design = design_of(&core_for(&Field::custom_hex("0x1fffffffffffffff").unwrap()));
    let opts = BuildOptions {
        trace: Some(zkhdl_sim::TraceFormat::Vcd),
        ..Default::default()
    };
    let (mut m, _) = build(&design, &opts).unwrap();
    let path = std::env::temp_dir().join(format!("zkhdl-trace-{}.vcd", std::process::id()));
    m.trace_on(&path).unwrap();
    m.reset("reset", 2).unwrap();
    m.ticks(5);
    m.trace_off();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("$enddefinitions") && text.contains("in_valid"));
    std::fs::remove_file(path).unwrap();
}

#[test]
fn tile_verilog_matches_its_model_for_every_shape() {
    let seed = test_seed("tile_verilog_matches_its_model_for_every_shape");
    let mut rng = rng_from_seed(seed);
    for shape in TileShape::ALL {
        let core = zkhdl_hdl::tile::TileConfig {
            shape,
            top: "zk_tile".into(),
        }
        .generate()
        .unwrap();
        let (mut m, _) = build(&design_of(&core), &BuildOptions::default()).unwrap();
        let (a, b, p) = (
            m.port("a").unwrap(),
            m.port("b").unwrap(),
            m.port("p").unwrap(),
        );
        let (wa, wb) = shape.widths();
        let mut expected = std::collections::VecDeque::new();
        // Extremes first (all ones is the largest product), then random operands.
        let mut ops = vec![(0, 0), ((1 << wa) - 1, (1 << wb) - 1), (1, (1 << wb) - 1)];
        ops.extend((0..500).map(|_| (rng.gen_range(0..1u64 << wa), rng.gen_range(0..1u64 << wb))));
        for (i, (x, y)) in ops.iter().enumerate() {
            m.set_u64(a, *x).unwrap();
            m.set_u64(b, *y).unwrap();
            m.tick();
            expected.push_back(shape.model(*x, *y));
            if i >= TileShape::LATENCY - 1 {
                let want = expected.pop_front().unwrap();
                assert_eq!(m.get_u64(p).unwrap(), want, "{} cycle {i}", shape.name());
            }
        }
    }
}
