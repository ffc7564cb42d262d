//! The MSM controller's place-and-route harness (`zkhdl synth msm --abstract-adder`): its
//! abstract adder in block-RAM form must be cycle-for-cycle the register form that the formal
//! proofs of the controller use. Both are simulated side by side in Icarus Verilog with random
//! operands and random valid bits (printed seed); a ring buffer read one entry off is a mutant
//! the check must catch. And the whole harness lints clean.

mod common;

use common::test_seed;
use std::process::Command;
use zkhdl_hdl::msm::pipeline_adder::{
    generate_harness, pipeline_adder_module, pipeline_adder_ram_module,
};

/// A testbench driving `reg_form` (module `a_reg`) and `ram_form` (module `a_ram`) with the
/// same random inputs for `cycles` cycles; prints MISMATCH lines and then DONE.
fn bench(w: usize, seed: u64, cycles: usize) -> String {
    let w1 = w - 1;
    format!(
        "`timescale 1ns/1ps
module tb;
    reg clock = 0;
    reg reset = 1;
    reg in_valid = 0;
    reg [{w1}:0] x1 = 0, y1 = 0, z1 = 0, x2 = 0, y2 = 0, z2 = 0;
    wire v_reg, v_ram;
    wire [{w1}:0] x_reg, y_reg, z_reg, x_ram, y_ram, z_ram;
    a_reg r(.clock(clock), .reset(reset), .in_valid(in_valid), .x1(x1), .y1(y1), .z1(z1),
            .x2(x2), .y2(y2), .z2(z2), .out_valid(v_reg), .x3(x_reg), .y3(y_reg), .z3(z_reg));
    a_ram m(.clock(clock), .reset(reset), .in_valid(in_valid), .x1(x1), .y1(y1), .z1(z1),
            .x2(x2), .y2(y2), .z2(z2), .out_valid(v_ram), .x3(x_ram), .y3(y_ram), .z3(z_ram));
    integer i;
    integer valid_out = 0;
    integer s = {seed};
    always #5 clock = ~clock;
    initial begin
        for (i = 0; i < {cycles}; i = i + 1) begin
            @(negedge clock);
            if (i == 3) reset = 0;
            in_valid = $random(s);
            x1 = {{$random(s), $random(s), $random(s)}};
            y1 = {{$random(s), $random(s), $random(s)}};
            z1 = {{$random(s), $random(s), $random(s)}};
            x2 = {{$random(s), $random(s), $random(s)}};
            y2 = {{$random(s), $random(s), $random(s)}};
            z2 = {{$random(s), $random(s), $random(s)}};
            // From cycle 4 on (after the reset; before it the simulator may not yet have
            // evaluated the register form's combinational outputs).
            if (i >= 4 && v_reg !== v_ram) $display(\"MISMATCH valid cycle %0d\", i);
            if (v_reg) begin
                valid_out = valid_out + 1;
                if (x_reg !== x_ram || y_reg !== y_ram || z_reg !== z_ram)
                    $display(\"MISMATCH data cycle %0d\", i);
            end
        end
        $display(\"DONE %0d\", valid_out);
        $finish;
    end
endmodule
"
    )
}

/// Runs the bench on the two forms; returns (mismatch lines, results compared).
fn compare(reg_form: &str, ram_form: &str, w: usize, seed: u64) -> (Vec<String>, usize) {
    let dir = std::env::temp_dir().join(format!(
        "zkhdl-harness-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tb.v");
    let text = format!("{reg_form}\n{ram_form}\n{}", bench(w, seed, 400));
    std::fs::write(&file, text).unwrap();
    let report = common::run_icarus_bench(&file, &dir);
    if std::env::var_os("ZKHDL_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        eprintln!("kept {}", dir.display());
    }
    report
}

#[test]
fn ram_form_is_the_register_form_cycle_for_cycle() {
    let seed = test_seed("ram_form_is_the_register_form_cycle_for_cycle");
    // Latencies at, below and above a power of two, and a non-multiple of 32 width.
    for (w, l) in [(8, 2), (13, 7), (13, 8), (40, 9), (40, 117)] {
        let (bad, done) = compare(
            &pipeline_adder_module("a_reg", w, l),
            &pipeline_adder_ram_module("a_ram", w, l),
            w,
            seed,
        );
        assert!(bad.is_empty(), "w {w} latency {l}: {bad:?}");
        assert!(
            done > 100,
            "w {w} latency {l}: only {done} results compared"
        );
    }
}

#[test]
fn ram_form_read_one_entry_off_is_caught() {
    let seed = test_seed("ram_form_read_one_entry_off_is_caught");
    let (w, l) = (13, 9);
    let good = pipeline_adder_ram_module("a_ram", w, l);
    let mutant = good.replace("rp = 4'd8;", "rp = 4'd7;");
    assert_ne!(mutant, good, "the mutation must apply");
    let (bad, _) = compare(&pipeline_adder_module("a_reg", w, l), &mutant, w, seed);
    assert!(!bad.is_empty(), "the off-by-one ring buffer went unnoticed");
}

#[test]
fn bn254_harness_lints_clean_and_has_no_multipliers() {
    let curve = zkhdl_golden::Curve::from_name("bn254").unwrap();
    let cfg = zkhdl_sim::msm::config_for(&curve, 4);
    let g = generate_harness(&cfg).unwrap();
    assert_eq!(g.manifest.core, "msm-harness");
    assert!(!g.verilog.contains("$muls"));
    let ring = g
        .verilog
        .lines()
        .find(|l| l.contains(" ring ["))
        .unwrap_or_default();
    let w = cfg.adder.width().unwrap();
    let l = zkhdl_hdl::point_add::plan(&cfg.adder).unwrap().latency;
    assert!(w >= 254 && l > 64, "w {w} latency {l}");
    // The ring holds the latency rounded up to a power of two (129 cycles since the
    // modmul's Karatsuba tree sum: 256 entries).
    let depth = l.next_power_of_two();
    let want = format!("reg [{}:0] ring [0:{}];", 3 * w - 1, depth - 1);
    assert!(ring.contains(&want), "{{z, y, x}} x {l} cycles: {ring}");
    let dir = std::env::temp_dir().join(format!("zkhdl-harness-lint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("h.v");
    std::fs::write(&file, &g.verilog).unwrap();
    let out = Command::new("verilator")
        .args(["--lint-only", "-Wall", "--top-module", &g.manifest.top])
        .arg(&file)
        .output()
        .expect("verilator on PATH");
    let _ = std::fs::remove_dir_all(&dir);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(!text.contains("%Warning"), "{text}");
}
