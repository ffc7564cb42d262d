//! Reports: the `--json` objects, the text summaries and the Markdown tables the verbs print.

use crate::error::{write_file, Failure};
use serde_json::{json, Value};
use std::path::PathBuf;
use zkhdl_golden::curve::AffineJson;
use zkhdl_golden::Curve;

/// Pretty JSON text (no trailing newline).
pub fn pretty(v: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(v).expect("json")
}

/// Prints a field core's `--json` object: `out` plus the fields every run reports.
pub fn print_run_json(
    mut out: Value,
    ok: bool,
    mismatches: &[zkhdl_sim::run::Mismatch],
    stream_errors: &[String],
    (cycles, latency, wall_s): (u64, usize, f64),
    build: &Option<zkhdl_sim::BuildReport>,
) {
    let fields = json!({
        "matches_golden": ok,
        "mismatches": mismatches.iter().take(20).collect::<Vec<_>>(),
        "mismatch_count": mismatches.len(),
        "stream_errors": stream_errors,
        "cycles": cycles,
        "latency": latency,
        "wall_s": wall_s,
        "cycles_per_s": zkhdl_sim::run::rate(cycles, wall_s),
        "build": build,
    });
    if let (Some(o), Some(f)) = (out.as_object_mut(), fields.as_object()) {
        o.extend(f.clone());
    }
    println!("{}", pretty(&out));
}

pub fn print_build(b: &Option<zkhdl_sim::BuildReport>) {
    if let Some(b) = b {
        println!(
            "build: {} ({:.2} s verilate, {:.2} s compile) in {}",
            if b.cache_hit { "cached" } else { "fresh" },
            b.verilate_s,
            b.compile_s,
            b.dir.display()
        );
    }
}

pub fn print_verdict(ok: bool, stream_errors: &[String], mismatches: &[zkhdl_sim::run::Mismatch]) {
    for e in stream_errors {
        println!("STREAM ERROR: {e}");
    }
    for m in mismatches.iter().take(10) {
        println!(
            "MISMATCH #{} {}({}): expected {} got {} (cycle {})",
            m.index,
            m.operation,
            m.inputs.join(", "),
            m.expected,
            m.got,
            m.cycle
        );
    }
    println!(
        "{}",
        if ok {
            "PASS: every result matches golden"
        } else {
            "FAIL: results differ from golden"
        }
    );
}

pub fn emit(out: &Option<PathBuf>, v: &Value) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(v).expect("json") + "\n";
    match out {
        Some(p) => write_file(p, &text),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

pub fn affine_json(p: &zkhdl_golden::Affine) -> Value {
    serde_json::to_value(AffineJson::from_affine(p)).expect("json")
}

pub fn msm_json(
    c: &Curve,
    cfg: &zkhdl_hdl::msm::MsmConfig,
    run: &zkhdl_sim::msm::MsmRun,
    seed: Option<u64>,
) -> Value {
    json!({
        "core": "msm",
        "curve": c.name(),
        "n": run.n,
        "seed": seed,
        "window": run.window,
        "windows": run.windows,
        "buckets_per_window": run.buckets_per_window,
        "fifo_depth": cfg.fifo_depth,
        "adders": cfg.adders,
        "aggregation": if cfg.host_aggregation { "host" } else { "hardware" },
        "result": affine_json(&run.result),
        "expected": affine_json(&run.expected),
        "matches_golden": run.matches_golden(),
        "stream_errors": run.stream_errors,
        "cycles": run.cycles,
        "cycle_bound": run.cycle_bound,
        "accum_cycles": run.accum_cycles,
        "bucket_adds": run.bucket_adds,
        "pipeline_bubbles": run.accum_cycles.saturating_sub(run.bucket_adds),
        "hazard_stalls": run.hazard_stalls,
        "wait_cycles": run.wait_cycles,
        "total_adds": run.total_adds,
        "adder_utilization": run.adder_utilization,
        "overall_utilization": run.overall_utilization,
        "adder_latency": run.adder_latency,
        "tiles": run.tiles,
        "simulated_cycles": run.simulated_cycles,
        "wall_s": run.wall_s,
        "cycles_per_s": run.cycles_per_s(),
        "build": run.build,
    })
}

pub fn synth_report_json(core: &zkhdl_hdl::GeneratedCore, r: &zkhdl_synth::Report) -> Value {
    let ii = core.manifest.initiation_interval.max(1) as f64;
    json!({
        "core": core.manifest.core,
        "top": core.manifest.top,
        "target": r.target,
        "luts": r.luts,
        "ffs": r.ffs,
        "dsps": r.dsps,
        "brams": r.brams,
        "fmax_mhz": r.fmax_mhz,
        "logic_levels": r.logic_levels,
        "freq_constraint_mhz": r.freq_constraint_mhz,
        "latency": core.manifest.latency,
        "initiation_interval": core.manifest.initiation_interval,
        "throughput_mops": r.fmax_mhz.map(|f| f / ii),
        "tiles": core.manifest.tiles,
        "cells": r.cells,
        "utilization": r.utilization,
        "synth_s": r.synth_s,
        "pnr_s": r.pnr_s,
        "dir": r.dir,
    })
}

/// The Markdown table (and notes) of one synthesis, as `synth` prints it without --json.
pub fn print_synth_table(core: &zkhdl_hdl::GeneratedCore, r: &zkhdl_synth::Report) {
    let m = &core.manifest;
    let fmax = r.fmax_mhz.map_or("-".to_string(), |f| format!("{f:.1}"));
    let thr = r.fmax_mhz.map_or("-".to_string(), |f| {
        format!("{:.3}", f / m.initiation_interval.max(1) as f64)
    });
    println!(
        "| core | target | LUTs | FFs | DSPs | BRAMs | Fmax MHz | latency | II | Mops/s | tiles |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        m.top,
        r.target.name(),
        r.luts,
        r.ffs,
        r.dsps,
        r.brams,
        fmax,
        m.latency,
        m.initiation_interval,
        thr,
        m.tiles
    );
    if r.target == zkhdl_synth::Target::Ice40Up5k {
        println!("(iCE40 figures include the serial I/O harness: one FF per port bit, one LUT per output bit)");
    }
    println!(
        "synthesis {:.1} s, place and route {:.1} s; logs in {}",
        r.synth_s,
        r.pnr_s,
        r.dir.display()
    );
}
