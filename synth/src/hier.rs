//! Hierarchical synthesis: each distinct module of a design is synthesized once, with its
//! sub-modules as black boxes, and its counts are multiplied by the number of its instances in
//! the whole design. A BLS12-381 point adder holds 12 instances of one modmul module, each of
//! 445 instances of one tile module, so the expensive modules are mapped once instead of
//! flattening hundreds of thousands of cells into one run.
//!
//! Results are cached per module by content (a SHA-256 of a cache version, the target, the
//! module's text and the texts of its sub-modules): a second run of the same design, or of a
//! design that shares modules with it, reuses them.
//!
//! What this is not: no optimization crosses a module boundary (a flat run can, for example,
//! turn a tile whose operand is a constant into LUTs), so the counts are an upper bound of a
//! flat synthesis of the same RTL; and the logic depth of each module is measured inside that
//! module only, a sub-module instance counting as one level on a path through it.

use crate::{summarize, Resource, SynthError, Target};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// One module of a Verilog file, with the modules it instantiates.
#[derive(Clone, Debug)]
pub struct VerilogModule {
    pub name: String,
    /// From `module` to `endmodule`, inclusive.
    pub text: String,
    /// Sub-module name -> instances in this module.
    pub children: BTreeMap<String, u64>,
}

/// Splits Verilog into its modules and finds the instances in each (a line whose first word
/// is the name of another module of the file, followed by an instance name).
pub fn split_modules(verilog: &str) -> Result<Vec<VerilogModule>, String> {
    let mut modules = Vec::new();
    let mut current: Option<(String, Vec<&str>)> = None;
    for line in verilog.lines() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("module ") {
            if let Some((name, _)) = &current {
                return Err(format!("module {name} has no endmodule"));
            }
            let name: String = rest
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '(' && *c != ';' && *c != '#')
                .collect();
            current = Some((name, vec![line]));
        } else if let Some((_, lines)) = current.as_mut() {
            lines.push(line);
            if t.starts_with("endmodule") {
                let (name, lines) = current.take().expect("inside a module");
                modules.push(VerilogModule {
                    name,
                    text: lines.join("\n") + "\n",
                    children: BTreeMap::new(),
                });
            }
        }
    }
    if let Some((name, _)) = current {
        return Err(format!("module {name} has no endmodule"));
    }
    let names: BTreeSet<String> = modules.iter().map(|m| m.name.clone()).collect();
    if names.len() != modules.len() {
        return Err("a module is defined twice".into());
    }
    for m in &mut modules {
        for line in m.text.lines().skip(1) {
            let mut words = line.split_whitespace();
            if let (Some(a), Some(b)) = (words.next(), words.next()) {
                if names.contains(a) && a != m.name && !b.starts_with('(') {
                    *m.children.entry(a.to_string()).or_insert(0) += 1;
                }
            }
        }
    }
    Ok(modules)
}

/// How many times each module occurs in the design under `top` (top: 1). Errors on a module
/// that instantiates itself through others.
pub fn instance_counts(
    modules: &[VerilogModule],
    top: &str,
) -> Result<BTreeMap<String, u64>, String> {
    let by_name: BTreeMap<&str, &VerilogModule> =
        modules.iter().map(|m| (m.name.as_str(), m)).collect();
    if !by_name.contains_key(top) {
        return Err(format!("no module {top}"));
    }
    let order = bottom_up(modules, top)?;
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    counts.insert(top.to_string(), 1);
    // Top-down: reverse of the bottom-up order.
    for name in order.iter().rev() {
        let n = counts.get(name).copied().unwrap_or(0);
        for (child, k) in &by_name[name.as_str()].children {
            *counts.entry(child.clone()).or_insert(0) += n * k;
        }
    }
    Ok(counts)
}

/// The modules reachable from `top`, each after all of its sub-modules.
pub fn bottom_up(modules: &[VerilogModule], top: &str) -> Result<Vec<String>, String> {
    let by_name: BTreeMap<&str, &VerilogModule> =
        modules.iter().map(|m| (m.name.as_str(), m)).collect();
    let mut order = Vec::new();
    let mut state: BTreeMap<String, bool> = BTreeMap::new(); // false: on the stack, true: done
    fn visit(
        name: &str,
        by_name: &BTreeMap<&str, &VerilogModule>,
        state: &mut BTreeMap<String, bool>,
        order: &mut Vec<String>,
    ) -> Result<(), String> {
        match state.get(name) {
            Some(true) => return Ok(()),
            Some(false) => return Err(format!("module {name} instantiates itself")),
            None => {}
        }
        state.insert(name.to_string(), false);
        let m = by_name
            .get(name)
            .ok_or_else(|| format!("no module {name}"))?;
        for child in m.children.keys() {
            visit(child, by_name, state, order)?;
        }
        state.insert(name.to_string(), true);
        order.push(name.to_string());
        Ok(())
    }
    visit(top, &by_name, &mut state, &mut order)?;
    Ok(order)
}

/// The resources of one module on its own (its sub-modules not included) and in the whole
/// design (times its instances).
#[derive(Clone, Debug, Serialize)]
pub struct ModuleReport {
    pub module: String,
    pub instances: u64,
    /// Sub-module -> instances in one instance of this module.
    pub children: BTreeMap<String, u64>,
    pub luts: u64,
    pub ffs: u64,
    pub dsps: u64,
    /// Block RAMs in 36 Kb units on xcup (a RAMB18E2 is half), DP16KD on ECP5.
    pub brams: f64,
    pub urams: u64,
    /// Longest path of mapped cells between sequential cells or ports, inside this module.
    pub logic_levels: u64,
    pub cells: BTreeMap<String, u64>,
    pub synth_s: f64,
    pub cached: bool,
}

/// The whole design: every module's counts times its instances.
#[derive(Clone, Debug, Serialize)]
pub struct HierReport {
    pub target: Target,
    pub top: String,
    pub luts: u64,
    pub ffs: u64,
    pub dsps: u64,
    pub brams: f64,
    pub urams: u64,
    /// The deepest module's logic levels, and which module it is.
    pub logic_levels: u64,
    pub logic_levels_module: String,
    pub modules: Vec<ModuleReport>,
    /// Seconds of synthesis in this run (cached modules cost nothing).
    pub synth_s: f64,
    pub dir: PathBuf,
}

/// Progress of [`run_hierarchical`]: module `index` of `total`, about to run (or cached).
pub struct ModuleStep<'a> {
    pub module: &'a str,
    pub index: usize,
    pub total: usize,
    pub cached: bool,
}

/// Parses `ltp`'s report: the length of the longest path.
pub fn parse_ltp(text: &str) -> Option<u64> {
    text.lines()
        .filter_map(|l| {
            let i = l.find("(length=")?;
            let rest = &l[i + 8..];
            rest[..rest.find(')')?].trim().parse::<u64>().ok()
        })
        .max()
}

/// A file name for a module (Verilog names may hold `$`).
fn file_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Part of every cache key: bump it whenever the way `synth/flow.sh` synthesizes a module in
/// hierarchical mode changes, so old cache entries are not reused.
const CACHE_VERSION: &str = "hier-3";

/// Synthesizes every module under `top` of `verilog` once for `target` (in `dir`, one folder
/// per module), with results cached under `cache` when given, and sums the counts over the
/// instances.
pub fn run_hierarchical(
    target: Target,
    top: &str,
    verilog: &str,
    dir: &Path,
    cache: Option<&Path>,
    mut progress: impl FnMut(ModuleStep),
) -> Result<HierReport, SynthError> {
    if target == Target::Ice40Up5k {
        return Err(SynthError::Failed {
            step: "hierarchical synthesis".into(),
            first_error: "ice40-up5k is not supported here (use ecp5-85k, xcup or generic)".into(),
            log: dir.to_path_buf(),
        });
    }
    let report_err = |reason: String| SynthError::Report {
        path: dir.to_path_buf(),
        reason,
    };
    let modules = split_modules(verilog).map_err(report_err)?;
    let counts = instance_counts(&modules, top).map_err(report_err)?;
    let order = bottom_up(&modules, top).map_err(report_err)?;
    let by_name: BTreeMap<&str, &VerilogModule> =
        modules.iter().map(|m| (m.name.as_str(), m)).collect();
    let script = crate::flow_script();
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| SynthError::Io { path: p, source }
    };
    let mut reports = Vec::new();
    let mut total_s = 0.0;
    for (index, name) in order.iter().enumerate() {
        let m = by_name[name.as_str()];
        let mut h = Sha256::new();
        h.update(CACHE_VERSION);
        h.update(target.name());
        h.update(&m.text);
        for child in m.children.keys() {
            h.update(&by_name[child.as_str()].text);
        }
        let key: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        let work = dir.join(file_stem(name));
        let cached_dir = cache.map(|c| c.join(target.name()).join(&key));
        let hit = cached_dir
            .as_ref()
            .is_some_and(|c| c.join("stat.json").is_file() && c.join("ltp.txt").is_file());
        progress(ModuleStep {
            module: name,
            index,
            total: order.len(),
            cached: hit,
        });
        let (from, synth_s) = if hit {
            (cached_dir.clone().expect("a cache hit has a folder"), 0.0)
        } else {
            std::fs::create_dir_all(&work).map_err(io(&work))?;
            let file = work.join("module.v");
            std::fs::write(&file, &m.text).map_err(io(&file))?;
            let lib = work.join("blackboxes.v");
            let lib_text: String = m
                .children
                .keys()
                .map(|c| by_name[c.as_str()].text.clone())
                .collect();
            std::fs::write(&lib, &lib_text).map_err(io(&lib))?;
            let t = Instant::now();
            let mut cmd = Command::new("bash");
            cmd.arg(&script)
                .args([target.name(), name.as_str()])
                .arg(&work)
                .arg(format!("{}", target.default_freq_mhz()))
                .arg(&file)
                .env("HIER", "1")
                .env("PNR", "0");
            if !m.children.is_empty() {
                cmd.env("LIB", &lib);
            }
            let out = cmd.output().map_err(io(&script))?;
            let stderr = String::from_utf8_lossy(&out.stderr).to_string();
            if out.status.code() == Some(3) {
                return Err(SynthError::ToolMissing {
                    tool: stderr.trim().to_string(),
                });
            }
            if !out.status.success() {
                let log = work.join("yosys.log");
                let text = std::fs::read_to_string(&log).unwrap_or_default() + &stderr;
                return Err(SynthError::Failed {
                    step: format!("yosys ({name})"),
                    first_error: crate::first_error(&text),
                    log,
                });
            }
            let s = t.elapsed().as_secs_f64();
            if let Some(c) = &cached_dir {
                // A failed copy only costs a later re-run.
                if std::fs::create_dir_all(c).is_ok() {
                    for f in ["stat.json", "ltp.txt"] {
                        let _ = std::fs::copy(work.join(f), c.join(f));
                    }
                }
            }
            (work.clone(), s)
        };
        total_s += synth_s;
        let stat_path = from.join("stat.json");
        let stat = std::fs::read_to_string(&stat_path).map_err(io(&stat_path))?;
        let cells =
            crate::parse_yosys_stat_module(&stat, name).map_err(|reason| SynthError::Report {
                path: stat_path.clone(),
                reason,
            })?;
        let ltp_path = from.join("ltp.txt");
        let ltp = std::fs::read_to_string(&ltp_path).map_err(io(&ltp_path))?;
        let s = summarize(target, &cells);
        let get = |r: Resource| s.get(&r).copied().unwrap_or(0);
        let brams = match target {
            Target::Xcup => {
                cells.get("RAMB36E2").copied().unwrap_or(0) as f64
                    + cells.get("RAMB18E2").copied().unwrap_or(0) as f64 / 2.0
            }
            _ => get(Resource::Brams) as f64,
        };
        reports.push(ModuleReport {
            module: name.clone(),
            instances: counts.get(name).copied().unwrap_or(0),
            children: m.children.clone(),
            luts: get(Resource::Luts),
            ffs: get(Resource::Ffs),
            dsps: get(Resource::Dsps),
            brams,
            urams: get(Resource::Urams),
            logic_levels: parse_ltp(&ltp).unwrap_or(0),
            cells,
            synth_s,
            cached: hit,
        });
    }
    let sum = |f: &dyn Fn(&ModuleReport) -> u64| -> u64 {
        reports.iter().map(|r| r.instances * f(r)).sum()
    };
    let deepest = reports
        .iter()
        .max_by_key(|r| (r.logic_levels, std::cmp::Reverse(r.module.clone())))
        .expect("at least the top module");
    Ok(HierReport {
        target,
        top: top.to_string(),
        luts: sum(&|r| r.luts),
        ffs: sum(&|r| r.ffs),
        dsps: sum(&|r| r.dsps),
        brams: reports.iter().map(|r| r.instances as f64 * r.brams).sum(),
        urams: sum(&|r| r.urams),
        logic_levels: deepest.logic_levels,
        logic_levels_module: deepest.module.clone(),
        synth_s: total_s,
        dir: dir.to_path_buf(),
        modules: reports,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: &str = "module top(clock, a, p);\n  input clock;\n  leaf u0(.x(a));\n  leaf u1 (.x(a));\n  mid m(.x(a));\nendmodule\n\
module mid(x);\n    leaf l0(.x(x));\n    leaf l1(.x(x));\n    leaf l2(.x(x));\nendmodule\n\
module leaf(x);\n  input x;\nendmodule\n";

    #[test]
    fn modules_and_instances() {
        let m = split_modules(V).unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].children["leaf"], 2);
        assert_eq!(m[0].children["mid"], 1);
        assert_eq!(m[1].children["leaf"], 3);
        let c = instance_counts(&m, "top").unwrap();
        assert_eq!(c["top"], 1);
        assert_eq!(c["mid"], 1);
        assert_eq!(c["leaf"], 5);
        assert_eq!(bottom_up(&m, "top").unwrap(), ["leaf", "mid", "top"]);
        assert!(instance_counts(&m, "nope").is_err());
    }

    #[test]
    fn rejects_recursion_and_truncation() {
        let r = "module a(x);\n b i(.x(x));\nendmodule\nmodule b(x);\n a j(.x(x));\nendmodule\n";
        assert!(instance_counts(&split_modules(r).unwrap(), "a")
            .unwrap_err()
            .contains("itself"));
        assert!(split_modules("module a(x);\n").is_err());
    }

    #[test]
    fn ltp_length() {
        let t = "Longest topological path in m (length=17):\n    0: \\a\n";
        assert_eq!(parse_ltp(t), Some(17));
        assert_eq!(parse_ltp("nothing"), None);
    }
}
