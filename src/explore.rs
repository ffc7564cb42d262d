//! `explore`: a sweep of a core's configurations synthesized on one target, with the Pareto
//! front of area against throughput as a table, JSON and an SVG plot.

use crate::error::{write_file, Failure, Outcome};
use crate::options::{native_tile, FieldArgs, ModMulArgs, SweepArgs, TargetArgs};
use crate::progress::Spinner;
use crate::registry::CoreConfig;
use crate::report::{pretty, synth_report_json};
use crate::synthesis::synthesize;
use serde_json::json;
use std::path::PathBuf;

/// Sweeps the modular multiplier: tile shapes, Karatsuba levels, architectures and iterative
/// tile counts.
pub fn modmul(field: &FieldArgs, t: &TargetArgs, sweep: &SweepArgs) -> Outcome {
    let SweepArgs {
        tile_shapes,
        levels,
        iterative_tiles,
        archs,
        area,
    } = sweep.clone();
    let f = field.resolve()?;
    let (target, freq) = t.resolve()?;
    let list = |s: &str, what: &str| -> Result<Vec<usize>, Failure> {
        s.split(',')
            .map(|x| {
                x.trim()
                    .parse::<usize>()
                    .map_err(|_| Failure::input(format!("bad {what} list {s:?}")))
            })
            .collect()
    };
    let shapes = tile_shapes.unwrap_or_else(|| native_tile(target).to_string());
    let area_of = |r: &zkhdl_synth::Report| -> Result<f64, Failure> {
        Ok(match area.as_str() {
            "luts" => r.luts as f64,
            "ffs" => r.ffs as f64,
            "dsps" => r.dsps as f64,
            _ => return Err(Failure::input("--area must be luts, ffs or dsps")),
        })
    };
    let mut configs = vec![];
    for arch in archs.split(',').map(str::trim) {
        for shape in shapes.split(',').map(str::trim) {
            let counts = if arch == "pipelined" {
                list(&levels, "--levels")?
            } else {
                list(&iterative_tiles, "--iterative-tiles")?
            };
            for n in counts {
                let a = ModMulArgs {
                    arch: arch.to_string(),
                    tile: Some(shape.to_string()),
                    karatsuba: if arch == "pipelined" { n } else { 0 },
                    tiles: if arch == "iterative" { n } else { 4 },
                };
                let cfg = CoreConfig::modmul(&f, &a, "26x17")?;
                let label = if arch == "pipelined" {
                    format!("pipelined {shape} K{n}")
                } else {
                    format!("iterative {shape} x{n}")
                };
                configs.push((label, cfg));
            }
        }
    }
    let root = t
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("build/explore/modmul-{}", target.name())));
    let mut rows = vec![];
    let mut points = vec![];
    let spinner = Spinner::start(!t.json, "explore");
    for (i, (label, cfg)) in configs.iter().enumerate() {
        spinner.note(&format!(
            "zkhdl: explore [{}/{}] {label}",
            i + 1,
            configs.len()
        ));
        spinner.step(format!("explore [{}/{}] {label}", i + 1, configs.len()));
        let core = cfg.generate()?;
        let dir = root.join(format!("{i:02}"));
        match synthesize(&core, target, freq, &dir, &spinner) {
            Ok(r) => {
                // Without place and route, throughput assumes the --freq clock.
                let clock = r.fmax_mhz.unwrap_or(freq);
                let thr = clock / core.manifest.initiation_interval.max(1) as f64;
                points.push(zkhdl_synth::plot::Point {
                    label: label.clone(),
                    area: area_of(&r)?,
                    throughput: thr,
                });
                let mut v = synth_report_json(&core, &r);
                v["label"] = json!(label);
                v["throughput_mops"] = json!(thr);
                rows.push(v);
            }
            Err(e) if e.code == 2 => {
                spinner.note(&format!("zkhdl: explore: {label}: {}", e.msg));
                rows.push(json!({"label": label, "error": e.msg}));
            }
            Err(e) => return Err(e),
        }
    }
    drop(spinner);
    let front = zkhdl_synth::plot::pareto(&points);
    let clock_note = if target.places() {
        "placed-and-routed Fmax"
    } else {
        "the --freq clock"
    };
    let title = format!(
        "modmul {} on {}: {area} vs throughput ({clock_note} / II)",
        f.name(),
        target.name()
    );
    let svg = zkhdl_synth::plot::svg(&points, &front, &title, &area, "throughput (M products/s)");
    let svg_path = root.join("pareto.svg");
    write_file(&svg_path, &svg)?;
    let mut md = String::from("| config | LUTs | FFs | DSPs | Fmax MHz | II | Mops/s | Pareto |\n|---|---|---|---|---|---|---|---|\n");
    let mut k = 0;
    for row in &rows {
        if row.get("error").is_some() {
            md.push_str(&format!(
                "| {} | does not fit: {} | | | | | | |\n",
                row["label"].as_str().unwrap_or(""),
                row["error"].as_str().unwrap_or("")
            ));
            continue;
        }
        let on = front.contains(&k);
        k += 1;
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {:.3} | {} |\n",
            row["label"].as_str().unwrap_or(""),
            row["luts"],
            row["ffs"],
            row["dsps"],
            row["fmax_mhz"]
                .as_f64()
                .map_or("-".into(), |f| format!("{f:.1}")),
            row["initiation_interval"],
            row["throughput_mops"].as_f64().unwrap_or(0.0),
            if on { "yes" } else { "" }
        ));
    }
    write_file(&root.join("explore.md"), &md)?;
    let out = json!({"field": f.name(), "target": target.name(), "area": area, "points": rows,
                     "pareto": front.iter().map(|&i| points[i].label.clone()).collect::<Vec<_>>(),
                     "plot": svg_path});
    write_file(&root.join("explore.json"), &(pretty(&out) + "\n"))?;
    if t.json {
        println!("{}", pretty(&out));
    } else {
        print!("{md}");
        println!(
            "plot: {}  table: {}",
            svg_path.display(),
            root.join("explore.md").display()
        );
    }
    Ok(0)
}
