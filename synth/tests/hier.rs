//! Hierarchical synthesis against a flat synthesis of the same design, the cache, and the MSM
//! bucket memory in block RAM. Small designs: the whole file runs in about a minute.

use std::collections::BTreeMap;
use std::path::PathBuf;
use zkhdl_hdl::msm::BucketMemoryConfig;
use zkhdl_hdl::Core;
use zkhdl_synth::hier::run_hierarchical;
use zkhdl_synth::{run, Target};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("zkhdl-hier-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Three levels, every module with registered outputs and every instance on inputs of its own
/// (nothing a flat run could share or optimize across a boundary): `top` holds two `mid` and
/// one `leaf`, `mid` three `leaf` and an adder. A leaf is a registered 16 x 16 multiplier
/// (one DSP48E2 on xcup).
const DESIGN: &str = "\
module top(input clock, input [223:0] x, output reg [33:0] y);
    wire [33:0] p0, p1;
    wire [31:0] q;
    mid m0(.clock(clock), .x(x[95:0]), .s(p0));
    mid m1(.clock(clock), .x(x[191:96]), .s(p1));
    leaf l(.clock(clock), .a(x[207:192]), .b(x[223:208]), .p(q));
    always @(posedge clock) y <= p0 + p1 + q;
endmodule
module mid(input clock, input [95:0] x, output reg [33:0] s);
    wire [31:0] u, v, w;
    leaf u0(.clock(clock), .a(x[15:0]), .b(x[31:16]), .p(u));
    leaf u1(.clock(clock), .a(x[47:32]), .b(x[63:48]), .p(v));
    leaf u2(.clock(clock), .a(x[79:64]), .b(x[95:80]), .p(w));
    always @(posedge clock) s <= u + v + w;
endmodule
module leaf(input clock, input [15:0] a, input [15:0] b, output reg [31:0] p);
    reg [15:0] ar, br;
    always @(posedge clock) begin ar <= a; br <= b; p <= ar * br; end
endmodule
";

#[test]
fn hierarchical_counts_match_a_flat_run_and_are_cached() {
    let dir = tmp("design");
    let cache = dir.join("cache");
    let mut steps = Vec::new();
    let h = run_hierarchical(
        Target::Xcup,
        "top",
        DESIGN,
        &dir.join("hier"),
        Some(&cache),
        |s| steps.push((s.module.to_string(), s.cached)),
    )
    .unwrap();
    assert_eq!(
        steps,
        [
            ("leaf".to_string(), false),
            ("mid".to_string(), false),
            ("top".to_string(), false)
        ]
    );
    let inst: BTreeMap<_, _> = h
        .modules
        .iter()
        .map(|m| (m.module.as_str(), m.instances))
        .collect();
    assert_eq!(inst["leaf"], 7);
    assert_eq!(inst["mid"], 2);
    assert_eq!(inst["top"], 1);
    // Seven multipliers, one DSP each; a leaf maps to one DSP and no LUT.
    assert_eq!(h.dsps, 7, "{h:#?}");
    let flat_v = dir.join("top.v");
    std::fs::write(&flat_v, DESIGN).unwrap();
    let flat = run(Target::Xcup, "top", &[flat_v], 250.0, &dir.join("flat")).unwrap();
    println!(
        "hierarchical: {} LUTs, {} FFs, {} DSPs, {} levels; flat: {} LUTs, {} FFs, {} DSPs",
        h.luts, h.ffs, h.dsps, h.logic_levels, flat.luts, flat.ffs, flat.dsps
    );
    assert_eq!(h.dsps, flat.dsps);
    assert_eq!(h.ffs, flat.ffs);
    assert_eq!(h.luts, flat.luts);
    // The deepest path is a 32/34-bit three-input add: LUTs and carry chains, a few levels.
    // Flat, it starts at the registers inside `mid`; hierarchically at the outputs of the
    // `mid` black box, which end paths like registers (since 2026-12-01; before, an instance
    // counted one level). The two runs map the adds in different contexts, so abc's level
    // counts differ a little (measured: 10 hierarchical, 12 flat).
    let flat_levels = flat.logic_levels.unwrap();
    assert!(
        h.logic_levels >= 2 && h.logic_levels < 40,
        "{}",
        h.logic_levels
    );
    assert!(
        h.logic_levels.abs_diff(flat_levels) <= 2,
        "hierarchical {} levels, flat {flat_levels}",
        h.logic_levels
    );
    // A second run reads every module from the cache and reports the same.
    let mut cached = Vec::new();
    let again = run_hierarchical(
        Target::Xcup,
        "top",
        DESIGN,
        &dir.join("hier2"),
        Some(&cache),
        |s| cached.push(s.cached),
    )
    .unwrap();
    assert_eq!(cached, [true, true, true]);
    assert_eq!(again.synth_s, 0.0);
    assert_eq!(
        (again.luts, again.ffs, again.dsps, again.logic_levels),
        (h.luts, h.ffs, h.dsps, h.logic_levels)
    );
    // A changed module is a new cache entry for it and for every module that instantiates it;
    // the modules below it stay cached.
    let changed = DESIGN.replace("s <= u + v + w;", "s <= u + v - w;");
    let mut third = Vec::new();
    run_hierarchical(
        Target::Xcup,
        "top",
        &changed,
        &dir.join("hier3"),
        Some(&cache),
        |s| third.push(s.cached),
    )
    .unwrap();
    assert_eq!(third, [true, false, false]);
}

#[test]
fn msm_bucket_values_are_block_ram() {
    // The bucket memory of a small MSM: BN254 coordinates (3 x 254 bits), c = 5: 52 windows
    // x 16 buckets = 832 buckets.
    let m = &BucketMemoryConfig {
        buckets: 832,
        address_bits: 10,
        value_bits: 762,
        top: "zk_msm_bucket_memory".into(),
    };
    let g = m.generate().unwrap();
    for target in [Target::Xcup, Target::Ecp5_85k] {
        let dir = tmp(&format!("bucket-{}", target.name()));
        let r = zkhdl_synth::hier::run_hierarchical(target, &m.top, &g.verilog, &dir, None, |_| {})
            .unwrap();
        println!(
            "{}: {} buckets x {} bits: {} block RAM, {} URAM, {} FFs, {} LUTs",
            target.name(),
            m.buckets,
            m.value_bits,
            r.brams,
            r.urams,
            r.ffs,
            r.luts
        );
        // Two copies of buckets x value_bits in block RAM (or URAM on xcup)...
        assert!(r.brams + r.urams as f64 > 0.0, "{}", target.name());
        // ...and no value bit in flip-flops: the occupancy bits, the read registers of the
        // occupancy bits and at most the block RAMs' output registers' spill remain.
        assert!(
            (r.ffs as usize) < m.buckets + 2 * m.value_bits + 64,
            "{}: {} FFs",
            target.name(),
            r.ffs
        );
    }
}
