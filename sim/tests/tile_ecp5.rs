//! The ECP5 flow's tile (`synth/ecp5_tiles.awk`, read by `synth/flow.sh` in place of each
//! tile module of the Verilog): a MULT18X18D with its input and pipeline registers and the
//! product's second register in the fabric. Every simulator reads the generic tile; this test
//! holds the replacement to the generic tile's contract (p = a * b three cycles after a and
//! b). The toolchains ship no simulation model of MULT18X18D (yosys has a black box only), so
//! the model below is written here from Lattice's sysDSP user guide (TN1267: unsigned when
//! SIGNEDA/SIGNEDB are low; each REG_* set to CLK0 is one register on CLK0). Random operands
//! (printed seed) and the extremes run in Icarus Verilog; mutants of the replacement (two
//! operand bits swapped, the pipeline register left out) must be caught.

mod common;

use common::test_seed;
use std::path::PathBuf;
use std::process::Command;
use zkhdl_hdl::tile::{TileConfig, TileShape};
use zkhdl_hdl::Core;

/// Behavioural MULT18X18D: only what the tile uses (unsigned A x B, registers on CLK0).
const MODEL: &str = "
module MULT18X18D #(
    parameter REG_INPUTA_CLK = \"NONE\", parameter REG_INPUTB_CLK = \"NONE\",
    parameter REG_PIPELINE_CLK = \"NONE\", parameter REG_OUTPUT_CLK = \"NONE\",
    parameter GSR = \"ENABLED\"
) (
    input A0, A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13, A14, A15, A16, A17,
    input B0, B1, B2, B3, B4, B5, B6, B7, B8, B9, B10, B11, B12, B13, B14, B15, B16, B17,
    input C0, C1, C2, C3, C4, C5, C6, C7, C8, C9, C10, C11, C12, C13, C14, C15, C16, C17,
    input SIGNEDA, SIGNEDB, SOURCEA, SOURCEB,
    input CLK0, CLK1, CLK2, CLK3, CE0, CE1, CE2, CE3, RST0, RST1, RST2, RST3,
    output P0, P1, P2, P3, P4, P5, P6, P7, P8, P9, P10, P11, P12, P13, P14, P15, P16, P17,
    output P18, P19, P20, P21, P22, P23, P24, P25, P26, P27, P28, P29, P30, P31, P32, P33,
    output P34, P35
);
    wire [17:0] a = {A17, A16, A15, A14, A13, A12, A11, A10, A9, A8, A7, A6, A5, A4, A3, A2, A1, A0};
    wire [17:0] b = {B17, B16, B15, B14, B13, B12, B11, B10, B9, B8, B7, B6, B5, B4, B3, B2, B1, B0};
    reg [17:0] ar = 0, br = 0;
    reg [35:0] pipe = 0, out = 0;
    wire [17:0] ai = (REG_INPUTA_CLK == \"CLK0\") ? ar : a;
    wire [17:0] bi = (REG_INPUTB_CLK == \"CLK0\") ? br : b;
    wire [35:0] prod = ai * bi;
    wire [35:0] pp = (REG_PIPELINE_CLK == \"CLK0\") ? pipe : prod;
    wire [35:0] po = (REG_OUTPUT_CLK == \"CLK0\") ? out : pp;
    always @(posedge CLK0) if (CE0) begin
        ar <= a; br <= b; pipe <= prod; out <= pp;
    end
    assign {P35, P34, P33, P32, P31, P30, P29, P28, P27, P26, P25, P24, P23, P22, P21, P20,
            P19, P18, P17, P16, P15, P14, P13, P12, P11, P10, P9, P8, P7, P6, P5, P4, P3, P2,
            P1, P0} = po;
endmodule
";

fn awk_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../synth/ecp5_tiles.awk")
}

/// The ECP5 flow's replacement of the tile modules in `verilog` (`regs`: the script's
/// `regs` variable, "" or "output").
fn replacement(verilog: &str, regs: &str) -> String {
    let dir = scratch();
    let file = dir.join("in.v");
    std::fs::write(&file, verilog).unwrap();
    let out = Command::new("awk")
        .arg("-v")
        .arg(format!("regs={regs}"))
        .arg("-f")
        .arg(awk_script())
        .arg(&file)
        .output()
        .expect("awk on PATH");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "zkhdl-tile-ecp5-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `tile` (module `top`, operands of `wa` and `wb` bits) for 500 cycles of random
/// operands after the extremes; returns the MISMATCH lines and the number of products compared.
fn run(tile: &str, top: &str, wa: usize, wb: usize, seed: u64) -> (Vec<String>, usize) {
    let wp = wa + wb;
    let bench = format!(
        "`timescale 1ns/1ps
module tb;
    reg clock = 0;
    reg [{ma}:0] a = 0;
    reg [{mb}:0] b = 0;
    wire [{mp}:0] p;
    {top} dut(.clock(clock), .a(a), .b(b), .p(p));
    reg [{mp}:0] want [0:2];
    integer i, s, n;
    always #5 clock = ~clock;
    initial begin
        s = {seed};
        n = 0;
        for (i = 0; i < 500; i = i + 1) begin
            @(negedge clock);
            if (i >= 3) begin
                if (p !== want[2]) $display(\"MISMATCH cycle %0d: %h, want %h\", i, p, want[2]);
                n = n + 1;
            end
            if (i == 0) begin a = ~0; b = ~0; end
            else if (i == 1) begin a = ~0; b = 1; end
            else if (i == 2) begin a = 0; b = ~0; end
            else begin a = $random(s); b = $random(s); end
            want[2] = want[1];
            want[1] = want[0];
            want[0] = a * b;
        end
        $display(\"DONE %0d\", n);
        $finish;
    end
endmodule
",
        ma = wa - 1,
        mb = wb - 1,
        mp = wp - 1,
    );
    let dir = scratch();
    let file = dir.join("tb.v");
    std::fs::write(&file, format!("{MODEL}\n{tile}\n{bench}")).unwrap();
    let report = common::run_icarus_bench(&file, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    report
}

/// The replacement of the `shape` tile, its top module name and operand widths.
fn ecp5_tile(shape: TileShape, regs: &str) -> (String, String, usize, usize) {
    let core = TileConfig::new(shape).generate().unwrap();
    let v = replacement(&core.verilog, regs);
    let top = core.manifest.top.clone();
    assert!(
        v.starts_with(&format!("module {top}(clock, a, b, p);")),
        "the replacement is a module of the tile's name: {v}"
    );
    assert!(v.contains("MULT18X18D"));
    let (wa, wb) = shape.widths();
    (v, top, wa, wb)
}

#[test]
fn ecp5_tile_is_a_times_b_three_cycles_later() {
    let seed = test_seed("ecp5_tile_is_a_times_b_three_cycles_later");
    for regs in ["", "output"] {
        for shape in [TileShape::T18x18, TileShape::T16x16] {
            let (v, top, wa, wb) = ecp5_tile(shape, regs);
            let (bad, n) = run(&v, &top, wa, wb, seed);
            assert!(bad.is_empty(), "{} {regs:?}: {bad:?}", shape.name());
            assert!(n > 400, "only {n} products compared");
        }
    }
}

#[test]
fn ecp5_tile_mutants_are_caught() {
    let seed = test_seed("ecp5_tile_mutants_are_caught");
    for regs in ["", "output"] {
        mutants_of(regs, seed);
    }
}

fn mutants_of(regs: &str, seed: u64) {
    let (v, top, wa, wb) = ecp5_tile(TileShape::T18x18, regs);
    let swapped = v
        .replace(".A0(a[0])", ".A0(a[TMP])")
        .replace(".A1(a[1])", ".A1(a[0])")
        .replace(".A0(a[TMP])", ".A0(a[1])");
    let no_pipeline = v.replace(".REG_PIPELINE_CLK(\"CLK0\")", ".REG_PIPELINE_CLK(\"NONE\")");
    for (name, m) in [
        ("swapped bits", swapped),
        ("no pipeline register", no_pipeline),
    ] {
        assert_ne!(m, v, "{name}: the mutation applies");
        let (bad, _) = run(&m, &top, wa, wb, seed);
        assert!(!bad.is_empty(), "{name} ({regs:?}) went unnoticed");
    }
}

/// Tiles wider than the MULT18X18D are left to yosys, and a module without the tile's
/// comment (the modmul around the tiles) is not replaced.
#[test]
fn only_tiles_that_fit_are_replaced() {
    for shape in [TileShape::T26x17, TileShape::T27x27] {
        let core = TileConfig::new(shape).generate().unwrap();
        assert_eq!(replacement(&core.verilog, ""), "", "{}", shape.name());
    }
    let f = zkhdl_golden::Field::custom_hex("0x1fffffffffffffff").unwrap();
    let mut cfg = zkhdl_sim::modmul::config_for(&f);
    cfg.tile = TileShape::T18x18;
    let core = cfg.generate().unwrap();
    let v = replacement(&core.verilog, "");
    assert_eq!(v.matches("module ").count(), 1, "{v}");
    assert!(
        v.starts_with("module zk_modmul$tiles$0(clock, a, b, p);"),
        "{v}"
    );
}

/// The flow puts the product in the DSP's output register where the Verilog says that a
/// register reads every tile product: a modmul with route registers says so, the default one
/// does not, and flow.sh looks for exactly that comment.
#[test]
fn route_registers_ask_for_the_output_register() {
    use zkhdl_hdl::tile::PRODUCTS_REGISTERED;
    let flow =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../synth/flow.sh"))
            .unwrap();
    let said = PRODUCTS_REGISTERED.trim_start_matches("// ").trim_end();
    assert!(flow.contains(&format!("grep -q \"{said}\"")), "{said}");
    let f = zkhdl_golden::Field::custom_hex("0x79800e7705da8467f06313fff9a01fe9").unwrap();
    let mut cfg = zkhdl_sim::modmul::config_for(&f);
    cfg.tile = TileShape::T18x18;
    assert!(!cfg.generate().unwrap().verilog.contains(said));
    cfg.route_registers = true;
    assert!(cfg
        .generate()
        .unwrap()
        .verilog
        .contains(PRODUCTS_REGISTERED));
}
