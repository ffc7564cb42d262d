//! `synth`: a generated core through yosys (and nextpnr where the target places), with the
//! serial I/O harness around it for iCE40, and its resource and timing report.

use crate::error::{write_file, Failure, Outcome};
use crate::options::TargetArgs;
use crate::parts::{self, Family, Part};
use crate::progress::Spinner;
use crate::report::{pretty, print_synth_table, synth_report_json};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use zkhdl_hdl::GeneratedCore;
use zkhdl_synth::{Report, Target};

/// One synthesis of a generated core: Verilog written to the work folder, the serial I/O
/// harness added for iCE40 (its package has 39 pins). `spinner` names the running tool.
pub fn synthesize(
    core: &GeneratedCore,
    target: Target,
    freq: f64,
    dir: &Path,
    spinner: &Spinner,
) -> Result<Report, Failure> {
    let files = core.write(dir)?;
    let mut verilog = vec![files[0].clone()];
    let mut top = core.manifest.top.clone();
    if target == Target::Ice40Up5k {
        let wrapper = format!("{top}_serial");
        let text = zkhdl_synth::harness::serial_wrapper(
            &wrapper,
            &top,
            &core.manifest.clock,
            &core.manifest.ports,
        );
        let path = dir.join(format!("{wrapper}.v"));
        write_file(&path, &text)?;
        verilog.push(path);
        top = wrapper;
    }
    spinner.note(&format!(
        "zkhdl: synthesizing {} for {} (yosys{}; large cores take minutes, logs in {})",
        core.manifest.top,
        target.name(),
        if target.places() { " + nextpnr" } else { "" },
        dir.display()
    ));
    let name = core.manifest.top.clone();
    Ok(zkhdl_synth::run_with(
        target,
        &top,
        &verilog,
        freq,
        dir,
        |step| spinner.step(format!("{name}: {}", step.name())),
    )?)
}

/// Synthesizes `core` for --target and prints its report (a table, or JSON with --json).
pub fn synth(core: &GeneratedCore, t: &TargetArgs) -> Outcome {
    if t.target == ASIC_TARGET {
        return asic(core, t);
    }
    let (target, freq) = t.resolve()?;
    let dir = t.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "build/synth/{}-{}",
            core.manifest.core,
            target.name()
        ))
    });
    let part = part_for(t, target)?;
    let spinner = Spinner::start(!t.json, format!("{}: synthesis", core.manifest.top));
    let r = synthesize(core, target, freq, &dir, &spinner)?;
    drop(spinner);
    let used = Used {
        luts: r.luts,
        ffs: r.ffs,
        dsps: r.dsps,
        brams: r.brams as f64,
        urams: r.cells.get("URAM288").copied().unwrap_or(0),
    };
    let fit = part.map(|p| fit(p, &used));
    if t.json {
        let mut v = synth_report_json(core, &r);
        if let Some(f) = &fit {
            merge(&mut v, f);
        }
        println!("{}", pretty(&v));
    } else {
        print_synth_table(core, &r);
        if let Some(f) = &fit {
            print_fit(f);
        }
    }
    Ok(0)
}

/// What a design uses, for the fit on a part.
pub struct Used {
    pub luts: u64,
    pub ffs: u64,
    pub dsps: u64,
    /// In the part table's block-RAM unit (RAMB36E2 on UltraScale+, DP16KD on ECP5).
    pub brams: f64,
    pub urams: u64,
}

/// The part of --part, checked against the target's family.
fn part_for(t: &TargetArgs, target: Target) -> Result<Option<&'static Part>, Failure> {
    let Some(name) = t.part.as_deref() else {
        return Ok(None);
    };
    let p = parts::part(name).ok_or_else(|| {
        Failure::input(format!(
            "unknown --part {name:?}: use one of {}",
            parts::names()
        ))
    })?;
    let needs = match p.family {
        Family::UltraScalePlus => Target::Xcup,
        Family::Ecp5 => Target::Ecp5_85k,
    };
    if target != needs {
        return Err(Failure::input(format!(
            "--part {name} needs --target {} (the counts must be of its family's cells)",
            needs.name()
        )));
    }
    Ok(Some(p))
}

/// The fit of one core on `part`: JSON keys "part", "fits", "limiting_resource",
/// "cores_that_fit" and "part_utilization" (the fraction of each resource one core takes).
pub fn fit(part: &Part, used: &Used) -> Value {
    let rows: [(&str, f64, f64); 5] = [
        ("luts", used.luts as f64, part.luts as f64),
        ("ffs", used.ffs as f64, part.ffs as f64),
        ("dsps", used.dsps as f64, part.dsps as f64),
        ("brams", used.brams, part.brams as f64),
        ("urams", used.urams as f64, part.urams as f64),
    ];
    let mut limiting = "luts";
    let mut worst = -1.0f64;
    let mut cores = u64::MAX;
    let mut util = serde_json::Map::new();
    for (name, need, have) in rows {
        if need <= 0.0 {
            util.insert(name.into(), json!(0.0));
            continue;
        }
        let frac = if have > 0.0 {
            need / have
        } else {
            f64::INFINITY
        };
        util.insert(
            name.into(),
            if frac.is_finite() {
                json!(frac)
            } else {
                Value::Null
            },
        );
        if frac > worst {
            worst = frac;
            limiting = name;
        }
        cores = cores.min(if have > 0.0 {
            (have / need).floor() as u64
        } else {
            0
        });
    }
    if cores == u64::MAX {
        cores = 0;
    }
    json!({
        "part": part.name,
        "device": part.device,
        "fits": cores >= 1,
        "limiting_resource": limiting,
        "cores_that_fit": cores,
        "part_utilization": util,
        "part_source": part.source,
    })
}

fn merge(v: &mut Value, extra: &Value) {
    if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        for (k, x) in e {
            o.insert(k.clone(), x.clone());
        }
    }
}

fn print_fit(f: &Value) {
    let pct = |k: &str| {
        f["part_utilization"][k]
            .as_f64()
            .map_or("-".to_string(), |x| format!("{:.1}%", 100.0 * x))
    };
    println!(
        "on {}: {} (LUTs {}, FFs {}, DSPs {}, block RAM {}, URAM {}); limiting resource: {}; \
         cores of this configuration that fit: {}",
        f["part"].as_str().unwrap_or("?"),
        if f["fits"].as_bool() == Some(true) {
            "fits"
        } else {
            "does NOT fit"
        },
        pct("luts"),
        pct("ffs"),
        pct("dsps"),
        pct("brams"),
        pct("urams"),
        f["limiting_resource"].as_str().unwrap_or("?"),
        f["cores_that_fit"]
    );
}

/// `synth point-add|msm`: hierarchical synthesis (each distinct module once, counts times its
/// instances, results cached per module), with the fit on --part.
pub fn synth_hierarchical(core: &GeneratedCore, t: &TargetArgs) -> Outcome {
    if t.target == ASIC_TARGET {
        return Err(Failure::input(
            "--target asic-osu018 is not available for point-add and msm (hours of yosys); \
             use xcup, ecp5-85k or generic",
        ));
    }
    let (target, _) = t.resolve()?;
    if target == Target::Ice40Up5k {
        return Err(Failure::input(
            "hierarchical synthesis supports xcup, ecp5-85k and generic, not ice40-up5k",
        ));
    }
    let part = part_for(t, target)?;
    let dir = t.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "build/synth/{}-{}-hier",
            core.manifest.core,
            target.name()
        ))
    });
    let verilog = crate::error::read_file(&core.write(&dir)?[0])?;
    let cache = zkhdl_sim::harness::default_cache_dir().join("synth");
    let spinner = Spinner::start(
        !t.json,
        format!("{}: hierarchical synthesis", core.manifest.top),
    );
    spinner.note(&format!(
        "zkhdl: synthesizing {} for {} one module at a time (large modules take minutes; logs in {}, results cached in {})",
        core.manifest.top,
        target.name(),
        dir.display(),
        cache.display()
    ));
    let r = zkhdl_synth::hier::run_hierarchical(
        target,
        &core.manifest.top,
        &verilog,
        &dir,
        Some(&cache),
        |s| {
            spinner.step(format!(
                "module {} of {}: {}{}",
                s.index + 1,
                s.total,
                s.module,
                if s.cached { " (cached)" } else { "" }
            ))
        },
    )?;
    drop(spinner);
    let used = Used {
        luts: r.luts,
        ffs: r.ffs,
        dsps: r.dsps,
        brams: r.brams,
        urams: r.urams,
    };
    let mut v = json!({
        "core": core.manifest.core,
        "top": core.manifest.top,
        "target": r.target,
        "hierarchical": true,
        "luts": r.luts,
        "ffs": r.ffs,
        "dsps": r.dsps,
        "brams": r.brams,
        "urams": r.urams,
        "logic_levels": r.logic_levels,
        "logic_levels_module": r.logic_levels_module,
        "fmax_mhz": Value::Null,
        "latency": core.manifest.latency,
        "tiles": core.manifest.tiles,
        "modules": r.modules,
        "synth_s": r.synth_s,
        "modules_cached": r.modules.iter().filter(|m| m.cached).count(),
        "dir": r.dir,
    });
    if let Some(m) = r
        .modules
        .iter()
        .find(|m| m.module.ends_with("_bucket_memory"))
    {
        v["bucket_memory"] = json!({
            "module": m.module,
            "brams": m.brams,
            "urams": m.urams,
            "luts": m.luts,
            "ffs": m.ffs,
            "block_ram": m.brams + m.urams as f64 > 0.0,
        });
    }
    let fit = part.map(|p| fit(p, &used));
    if let Some(f) = &fit {
        merge(&mut v, f);
    }
    if let Some(pp) = p_prime_of(core) {
        v["p_prime_product"] = json!(pp);
    }
    if t.json {
        println!("{}", pretty(&v));
        return Ok(0);
    }
    println!("| module | instances | LUTs | FFs | DSPs | BRAMs | URAMs | logic levels | synth s |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for m in &r.modules {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            m.module,
            m.instances,
            m.luts,
            m.ffs,
            m.dsps,
            m.brams,
            m.urams,
            m.logic_levels,
            if m.cached {
                "cached".to_string()
            } else {
                format!("{:.0}", m.synth_s)
            }
        );
    }
    println!(
        "| **{} (total)** | 1 | {} | {} | {} | {} | {} | {} | {:.0} |",
        r.top, r.luts, r.ffs, r.dsps, r.brams, r.urams, r.logic_levels, r.synth_s
    );
    println!(
        "Counts are per instance of each module (its sub-modules not included); the total \
         multiplies them by the instances. Deepest module: {} ({} levels of mapped cells between \
         registers). No place and route (fmax_mhz: null).",
        r.logic_levels_module, r.logic_levels
    );
    if let Some(f) = &fit {
        print_fit(f);
    }
    Ok(0)
}

/// The standard-cell target: yosys mapped to the OSU 0.18 um Liberty library, timed with OpenSTA.
pub const ASIC_TARGET: &str = "asic-osu018";

/// The FPGA flow of --target (`None` for the standard-cell target).
pub fn fpga_target(t: &TargetArgs) -> Result<Option<Target>, Failure> {
    if t.target == ASIC_TARGET {
        return Ok(None);
    }
    Ok(Some(t.resolve()?.0))
}

/// The product by p' of `synth point-add|msm` (`auto`: the network in logic). With `--part`
/// and `--p-prime-product auto`, on a target whose DSP block is the multipliers' tile: tiles
/// where the core's tiles then fit the part's DSPs (the MSM runs out of LUTs first; the network
/// saves DSPs at about 24 LUTs each), else the network. `generate` builds the core for a
/// configuration. The report's "p_prime_product" says which ([`p_prime_of`]).
pub fn p_prime_for_part(
    t: &TargetArgs,
    curve: &crate::options::CurveArgs,
    generate: impl Fn(&crate::options::CurveArgs) -> Result<GeneratedCore, Failure>,
) -> Result<GeneratedCore, Failure> {
    let tile = curve.tile.as_str();
    let with = |pp: &str| {
        let mut c = curve.clone();
        c.p_prime_product = pp.to_string();
        generate(&c)
    };
    let target = fpga_target(t)?;
    let part = match target {
        Some(tg) => part_for(t, tg)?,
        None => None,
    };
    let native = target.map(crate::options::native_tile);
    match part {
        Some(part) if curve.p_prime_product == "auto" && native == Some(tile) => {
            let tiles = with("tiles")?;
            if tiles.manifest.tiles as u64 <= part.dsps {
                eprintln!(
                    "zkhdl: --part {}: the product by p' in tiles ({} tiles fit the part's {} DSPs; \
                     --p-prime-product lut saves DSPs for LUTs)",
                    part.name, tiles.manifest.tiles, part.dsps
                );
                Ok(tiles)
            } else {
                with("lut")
            }
        }
        _ => generate(curve),
    }
}

/// How the multipliers of a point-add or MSM core compute the product by p' (`tiles` or
/// `lut`, `auto` resolved), from its manifest; `None` for other cores.
pub fn p_prime_of(core: &GeneratedCore) -> Option<&'static str> {
    let c = &core.manifest.config;
    let adder = if c.get("adder").is_some() {
        &c["adder"]
    } else {
        c
    };
    let cfg: zkhdl_hdl::point_add::PointAddConfig = serde_json::from_value(adder.clone()).ok()?;
    Some(if cfg.modmul().p_prime_by_lut() {
        "lut"
    } else {
        "tiles"
    })
}

/// The tile shape a target's multipliers use unless --tile says otherwise.
pub fn default_tile(t: &TargetArgs) -> Result<&'static str, Failure> {
    if t.target == ASIC_TARGET {
        return Ok("26x17");
    }
    Ok(crate::options::native_tile(t.resolve()?.0))
}

/// `synth ... --target asic-osu018`: area, cells, flip-flops and the critical path.
fn asic(core: &GeneratedCore, t: &TargetArgs) -> Outcome {
    let freq = t.freq.unwrap_or(100.0);
    if !(freq.is_finite() && freq > 0.0) {
        return Err(Failure::input("--freq must be a positive number of MHz"));
    }
    let dir = t.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!("build/synth/{}-{ASIC_TARGET}", core.manifest.core))
    });
    let spinner = Spinner::start(
        !t.json,
        format!("{}: yosys (OSU 0.18 um) and OpenSTA", core.manifest.top),
    );
    let files = core.write(&dir)?;
    let r = zkhdl_synth::asic::run(
        &core.manifest.top,
        &core.manifest.clock,
        &files[..1],
        1000.0 / freq,
        &dir,
    )?;
    drop(spinner);
    if t.json {
        let mut v = serde_json::to_value(&r).expect("json");
        v["core"] = serde_json::json!(core.manifest.core);
        v["tiles"] = serde_json::json!(core.manifest.tiles);
        v["latency"] = serde_json::json!(core.manifest.latency);
        println!("{}", pretty(&v));
    } else {
        println!(
            "{} on {ASIC_TARGET} (no wires, no placement): {:.0} um2, {} cells, {} flip-flops",
            r.top, r.area_um2, r.cells, r.flip_flops
        );
        println!(
            "critical path {:.2} ns ({:.1} MHz) against a {:.2} ns clock (slack {:.2} ns)",
            r.critical_path_ns, r.fmax_mhz, r.clock_period_ns, r.worst_slack_ns
        );
    }
    Ok(0)
}
