//! Icarus Verilog as a second simulator: a batch run of a cycle-by-cycle stimulus through the
//! same emitted Verilog. Slower than Verilator; used as an independent cross-check.

use crate::harness::{Design, PortDir, SimError};
use num_bigint::BigUint;
use num_traits::Num;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

static RUNS: AtomicUsize = AtomicUsize::new(0);

/// Runs `stimulus` (one row per cycle: a value for every input except the clock, in port order)
/// and returns one row per cycle with every output, read after that cycle's rising edge.
pub fn run_batch(
    design: &Design,
    stimulus: &[Vec<BigUint>],
    work_root: &Path,
) -> Result<Vec<Vec<BigUint>>, SimError> {
    let inputs: Vec<_> = design
        .ports
        .iter()
        .filter(|p| p.dir == PortDir::Input && p.name != design.clock)
        .collect();
    let outputs: Vec<_> = design
        .ports
        .iter()
        .filter(|p| p.dir == PortDir::Output)
        .collect();
    let total: usize = inputs.iter().map(|p| p.width).sum();
    let dir = work_root.join(format!(
        "iverilog-{}-{}",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    ));
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| SimError::Io { path: p, source }
    };
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;

    // Stimulus file: each row is the concatenation {in_0, in_1, ...}, in_0 most significant.
    let mut stim = String::new();
    for (c, row) in stimulus.iter().enumerate() {
        assert_eq!(
            row.len(),
            inputs.len(),
            "stimulus row {c} has the wrong number of values"
        );
        let mut v = BigUint::default();
        for (p, x) in inputs.iter().zip(row) {
            if x.bits() as usize > p.width {
                return Err(SimError::WidthMismatch {
                    port: p.name.clone(),
                    width: p.width,
                    bits: x.bits() as usize,
                });
            }
            v = (v << p.width) | x;
        }
        let _ = writeln!(stim, "{v:x}");
    }
    let stim_path = dir.join("stimulus.hex");
    std::fs::write(&stim_path, stim).map_err(io(&stim_path))?;

    let decl = |w: usize| {
        if w == 1 {
            String::new()
        } else {
            format!("[{}:0] ", w - 1)
        }
    };
    let mut tb = String::from("`timescale 1ns/1ps\nmodule zk_iverilog_bench;\n");
    let _ = writeln!(tb, "  reg {} = 0;", design.clock);
    for p in &inputs {
        let _ = writeln!(tb, "  reg {}{} = 0;", decl(p.width), p.name);
    }
    for p in &outputs {
        let _ = writeln!(tb, "  wire {}{};", decl(p.width), p.name);
    }
    let conns: Vec<String> = design
        .ports
        .iter()
        .map(|p| format!(".{0}({0})", p.name))
        .collect();
    let _ = writeln!(tb, "  {} dut({});", design.top, conns.join(", "));
    let _ = writeln!(
        tb,
        "  reg [{}:0] stim [0:{}];\n  integer c;\n  initial begin\n    $readmemh(\"{}\", stim);\n    for (c = 0; c < {}; c = c + 1) begin",
        total.max(1) - 1,
        stimulus.len().max(1) - 1,
        stim_path.display(),
        stimulus.len()
    );
    let names: Vec<&str> = inputs.iter().map(|p| p.name.as_str()).collect();
    let _ = writeln!(tb, "      {{{}}} = stim[c];", names.join(", "));
    let _ = writeln!(tb, "      #1 {0} = 1;\n      #1 {0} = 0;", design.clock);
    let fmt = vec!["%h"; outputs.len()].join(" ");
    let onames: Vec<&str> = outputs.iter().map(|p| p.name.as_str()).collect();
    let _ = writeln!(tb, "      $display(\"{fmt}\", {});", onames.join(", "));
    tb.push_str("    end\n    $finish;\n  end\nendmodule\n");
    let tb_path = dir.join("bench.v");
    std::fs::write(&tb_path, tb).map_err(io(&tb_path))?;
    let mut srcs = vec![tb_path];
    for (name, text) in &design.sources {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(io(&p))?;
        srcs.push(p);
    }

    let vvp = dir.join("bench.vvp");
    let out = Command::new("iverilog")
        .args(["-g2012", "-o"])
        .arg(&vvp)
        .args(&srcs)
        .output()
        .map_err(|_| SimError::ToolMissing {
            tool: "iverilog",
            install: "sudo apt-get install iverilog",
        })?;
    if !out.status.success() {
        let log = dir.join("iverilog.log");
        let text = String::from_utf8_lossy(&out.stderr).to_string();
        let _ = std::fs::write(&log, &text);
        return Err(SimError::IverilogFailed {
            first_error: text.lines().next().unwrap_or("iverilog failed").to_string(),
            log,
        });
    }
    let out = Command::new("vvp")
        .arg("-n")
        .arg(&vvp)
        .output()
        .map_err(|_| SimError::ToolMissing {
            tool: "vvp",
            install: "sudo apt-get install iverilog",
        })?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut rows = Vec::with_capacity(stimulus.len());
    for (c, line) in text
        .lines()
        .filter(|l| !l.starts_with("VCD") && !l.contains("$finish"))
        .enumerate()
    {
        let row = line
            .split_whitespace()
            .zip(&outputs)
            .map(|(tok, p)| {
                BigUint::from_str_radix(tok, 16).map_err(|_| SimError::Undefined {
                    port: p.name.clone(),
                    cycle: c as u64,
                    value: tok.to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        rows.push(row);
    }
    if rows.len() != stimulus.len() {
        return Err(SimError::IverilogFailed {
            first_error: format!(
                "vvp printed {} rows for {} cycles: {}",
                rows.len(),
                stimulus.len(),
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .next()
                    .unwrap_or("")
            ),
            log: dir,
        });
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(rows)
}
