//! Every core through the one `Core` shape: generation succeeds, the manifest's ports are the
//! emitted top module's ports, and invalid configurations are refused with a message.

use num_bigint::BigUint;
use zkhdl_hdl::interface::declared_ports;
use zkhdl_hdl::modadd::ModAddConfig;
use zkhdl_hdl::modmul::{Architecture, ModMulConfig};
use zkhdl_hdl::msm::MsmConfig;
use zkhdl_hdl::point_add::PointAddConfig;
use zkhdl_hdl::tile::{TileConfig, TileShape};
use zkhdl_hdl::{Core, GeneratedCore, HdlError};

/// 2^61 - 1, a Mersenne prime.
fn m61() -> BigUint {
    (BigUint::from(1u32) << 61) - 1u32
}

/// A 64-bit curve field prime for small point adders: y^2 = x^3 + 3 over
/// p = 2^64 - 2^32 + 1 (any odd prime above 3b serves the generator).
fn p64() -> BigUint {
    BigUint::from(0xffff_ffff_0000_0001u64)
}

fn check<C: Core>(cfg: &C) -> GeneratedCore {
    let g = cfg
        .generate()
        .unwrap_or_else(|e| panic!("{}: {e}", C::NAME));
    let m = &g.manifest;
    assert_eq!(m.core, C::NAME);
    assert_eq!(m.top, cfg.top());
    assert_eq!(m.files, vec![format!("{}.v", cfg.top())]);
    let declared = declared_ports(&g.verilog, &m.top).unwrap();
    assert_eq!(declared.len(), m.ports.len(), "{}", C::NAME);
    for p in &m.ports {
        let d = declared.iter().find(|d| d.name == p.name).unwrap();
        assert_eq!((d.direction, d.width), (p.direction, p.width), "{}", p.name);
    }
    assert!(m.latency >= 1 && m.initiation_interval >= 1);
    assert!(m.config.is_object());
    g
}

#[test]
fn every_core_generates_with_its_declared_ports() {
    for shape in TileShape::ALL {
        let g = check(&TileConfig::new(shape));
        assert_eq!(g.manifest.tiles, 1);
    }
    let g = check(&ModAddConfig::new(m61(), "m61"));
    assert_eq!(g.manifest.latency, 2);
    // Timing by construction: a 127-bit prime's adds go in 64-bit chunks, two stages each.
    let m127 = (BigUint::from(1u32) << 127u32) - 1u32;
    let mut wide = ModAddConfig::new(m127, "m127");
    assert_eq!(check(&wide).manifest.latency, 5);
    wide.max_add_bits = 0;
    assert_eq!(check(&wide).manifest.latency, 2);
    let mut mm = ModMulConfig::new(m61(), "m61");
    mm.tile = TileShape::T18x18;
    let g = check(&mm);
    assert_eq!(g.manifest.initiation_interval, 1);
    assert!(g.manifest.tiles > 4);
    mm.architecture = Architecture::iterative(2);
    let g = check(&mm);
    assert!(g.manifest.initiation_interval > 1);
    assert_eq!(g.manifest.tiles, 2);
    let mut pa = PointAddConfig::new("p64", p64(), 3);
    pa.tile = TileShape::T27x27;
    pa.karatsuba = 0;
    let g = check(&pa);
    let product = pa.modmul().latency().unwrap();
    assert!(g.manifest.latency > 2 * product, "two product layers");
    assert_eq!(
        g.manifest.tiles,
        12 * pa.modmul().generate().unwrap().manifest.tiles
    );
    let mut msm = MsmConfig::new(pa, 63, 4);
    msm.fifo_depth = 4;
    check(&msm);
}

#[test]
fn invalid_configurations_are_refused() {
    let even = ModAddConfig::new(BigUint::from(1u32) << 61, "even");
    assert!(matches!(even.generate(), Err(HdlError::Unsupported(_))));
    let wide = ModMulConfig::new((BigUint::from(1u32) << 800) + 1u32, "wide");
    assert!(wide.generate().is_err());
    let mut kara = ModMulConfig::new(m61(), "m61");
    kara.architecture = Architecture::pipelined(9);
    assert!(kara.generate().is_err());
    let mut bad_top = ModAddConfig::new(m61(), "m61");
    bad_top.top = "9lives".into();
    assert!(bad_top.generate().is_err());
    let pa = PointAddConfig::new("p64", p64(), 0);
    assert!(pa.generate().is_err(), "b = 0 is not a curve");
}
