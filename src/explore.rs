//! `explore`: a sweep of a core's configurations synthesized on one target, with the Pareto
//! front of area against throughput as a table, JSON and an SVG plot.
//!
//! A sweep is an ordered list of configurations. `--shard I/N` synthesizes only configuration k
//! (0-based, in sweep order) with `k mod N == I - 1` and writes its rows, with the sweep itself
//! (core, field, modulus, target, clock, area axis, every configuration's label) and `I/N`, to
//! `<out>/explore.json`. `--merge` checks that the shards come from one sweep, that each of
//! `1/N ... N/N` is there exactly once and holds exactly its configurations, then writes what an
//! unsharded run writes. The unsharded run takes the same path: its rows go through their JSON
//! text (as a shard's do through its file) and then through [`finish`], so both write the same
//! bytes apart from where and how long each synthesis ran: every point's `dir`, `synth_s` and
//! `pnr_s`, and the top-level `plot` path (which names the --out folder).

use crate::error::{read_file, write_file, Failure, Outcome};
use crate::options::{native_tile, FieldArgs, ModMulArgs, SweepArgs, TargetArgs};
use crate::progress::Spinner;
use crate::registry::CoreConfig;
use crate::report::{pretty, synth_report_json};
use crate::synthesis::synthesize;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// One part of a sweep: configuration k belongs to shard `(k mod count) + 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// `I/N` with `1 <= I <= N`.
    pub fn parse(s: &str) -> Result<Shard, Failure> {
        let bad = || {
            Failure::input(format!(
                "bad --shard {s:?}: use I/N with 1 <= I <= N, e.g. --shard 1/4"
            ))
        };
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether configuration `k` (0-based) is this shard's.
    pub fn holds(&self, k: usize) -> bool {
        k % self.count == self.index - 1
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// What every output of one sweep shares: the field's name, the target, the area axis and the
/// sweep itself (`sweep` in explore.json).
#[derive(Clone, Debug)]
pub struct Head {
    pub field: String,
    pub target: String,
    pub area: String,
    pub sweep: Value,
}

/// Sweeps the modular multiplier: tile shapes, Karatsuba levels, architectures and iterative
/// tile counts; with `shard`, only that shard's configurations (see the module's notes).
pub fn modmul(
    field: &FieldArgs,
    t: &TargetArgs,
    sweep: &SweepArgs,
    shard: Option<&str>,
) -> Outcome {
    let shard = shard.map(Shard::parse).transpose()?;
    let SweepArgs {
        tile_shapes,
        levels,
        iterative_tiles,
        archs,
        area,
        max_add_bits,
        p_prime_products,
        karatsuba_sums,
    } = sweep.clone();
    let f = field.resolve()?;
    let (target, freq) = t.resolve()?;
    if !["luts", "ffs", "dsps"].contains(&area.as_str()) {
        return Err(Failure::input("--area must be luts, ffs or dsps"));
    }
    let list = |s: &str, what: &str| -> Result<Vec<usize>, Failure> {
        s.split(',')
            .map(|x| {
                x.trim()
                    .parse::<usize>()
                    .map_err(|_| Failure::input(format!("bad {what} list {s:?}")))
            })
            .collect()
    };
    let products = p_prime_products
        .split(',')
        .map(|s| crate::options::p_prime_product(s.trim()).map(|_| s.trim().to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let sums = karatsuba_sums
        .split(',')
        .map(|s| {
            let s = s.trim();
            zkhdl_hdl::modmul::KaratsubaSum::parse(s)
                .map(|_| s.to_string())
                .ok_or_else(|| {
                    Failure::input(format!(
                        "unknown --karatsuba-sums entry {s:?}: use tree or flat"
                    ))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let shapes = tile_shapes.unwrap_or_else(|| native_tile(target).to_string());
    let mut configs = vec![];
    for arch in archs.split(',').map(str::trim) {
        for shape in shapes.split(',').map(str::trim) {
            let counts = if arch == "pipelined" {
                list(&levels, "--levels")?
            } else {
                list(&iterative_tiles, "--iterative-tiles")?
            };
            for n in counts {
                // The product by p' is a pipelined choice: the iterative core takes auto only.
                let choices = if arch == "pipelined" {
                    products.clone()
                } else {
                    vec!["auto".to_string()]
                };
                let ksums = if arch == "pipelined" {
                    sums.clone()
                } else {
                    vec!["tree".to_string()]
                };
                for (pp, ks) in choices
                    .iter()
                    .flat_map(|pp| ksums.iter().map(move |ks| (pp.clone(), ks.clone())))
                {
                    let a = ModMulArgs {
                        arch: arch.to_string(),
                        tile: Some(shape.to_string()),
                        karatsuba: if arch == "pipelined" { n } else { 0 },
                        tiles: if arch == "iterative" { n } else { 4 },
                        max_add_bits: Some(max_add_bits),
                        p_prime_product: pp.clone(),
                        route_registers: "auto".into(),
                        karatsuba_sum: ks.clone(),
                    };
                    let cfg = CoreConfig::modmul(&f, &a, "26x17")?;
                    let mut label = if arch == "pipelined" {
                        format!("pipelined {shape} K{n}")
                    } else {
                        format!("iterative {shape} x{n}")
                    };
                    if pp != "auto" {
                        label.push_str(&format!(" p'{pp}"));
                    }
                    if ks != "tree" {
                        label.push_str(&format!(" {ks}"));
                    }
                    configs.push((label, cfg));
                }
            }
        }
    }
    let head = Head {
        field: f.name().to_string(),
        target: target.name().to_string(),
        area: area.clone(),
        sweep: json!({
            "core": "modmul",
            "field": f.name(),
            "modulus": format!("{:#x}", f.modulus()),
            "target": target.name(),
            "freq_mhz": freq,
            "area": area,
            "configs": configs.iter().map(|(l, _)| l.clone()).collect::<Vec<_>>(),
        }),
    };
    let root = t.out.clone().unwrap_or_else(|| {
        PathBuf::from(match shard {
            None => format!("build/explore/modmul-{}", target.name()),
            Some(s) => format!(
                "build/explore/modmul-{}-shard-{}-of-{}",
                target.name(),
                s.index,
                s.count
            ),
        })
    });
    let mine: Vec<usize> = (0..configs.len())
        .filter(|&k| shard.is_none_or(|s| s.holds(k)))
        .collect();
    let what = shard.map_or("explore".to_string(), |s| format!("explore {s}"));
    let mut rows = vec![];
    let spinner = Spinner::start(!t.json, "explore");
    for (n, &i) in mine.iter().enumerate() {
        let (label, cfg) = &configs[i];
        let step = format!("{what} [{}/{}] {label}", n + 1, mine.len());
        spinner.note(&format!("zkhdl: {step}"));
        spinner.step(step);
        let core = cfg.generate()?;
        // The folder is named by the configuration's place in the whole sweep, so shards
        // never collide and a shard's folders match the unsharded run's.
        let dir = root.join(format!("{i:02}"));
        match synthesize(&core, target, freq, &dir, &spinner) {
            Ok(r) => {
                // Without place and route, throughput assumes the --freq clock.
                let clock = r.fmax_mhz.unwrap_or(freq);
                let thr = clock / core.manifest.initiation_interval.max(1) as f64;
                let mut v = synth_report_json(&core, &r);
                v["label"] = json!(label);
                v["index"] = json!(i);
                v["throughput_mops"] = json!(thr);
                rows.push(v);
            }
            Err(e) if e.code == 2 => {
                spinner.note(&format!("zkhdl: explore: {label}: {}", e.msg));
                rows.push(json!({"label": label, "index": i, "error": e.msg}));
            }
            Err(e) => return Err(e),
        }
    }
    drop(spinner);
    match shard {
        Some(s) => write_shard(&head, s, rows, configs.len(), &root, t.json),
        None => {
            // Through the JSON text, exactly as a merge reads a shard's rows (the parser may
            // round a float's last bit), so that both build the same table and plot.
            let text = serde_json::to_string(&rows).expect("json");
            let rows: Vec<Value> = serde_json::from_str(&text).expect("json");
            finish(&head, &rows, &root, t.json)
        }
    }
}

/// The JSON object a shard writes: the head, `shard: "I/N"` and its rows.
pub fn shard_json(head: &Head, shard: Shard, rows: Vec<Value>) -> Value {
    json!({"field": head.field, "target": head.target, "area": head.area,
           "shard": shard.to_string(), "points": rows, "sweep": head.sweep})
}

fn write_shard(
    head: &Head,
    shard: Shard,
    rows: Vec<Value>,
    total: usize,
    root: &Path,
    as_json: bool,
) -> Outcome {
    let n = rows.len();
    let out = shard_json(head, shard, rows);
    let path = root.join("explore.json");
    write_file(&path, &(pretty(&out) + "\n"))?;
    if as_json {
        println!("{}", pretty(&out));
    } else {
        println!(
            "shard {shard}: {n} of {total} configurations in {} (zkhdl explore --merge <each shard's folder> --out DIR)",
            path.display()
        );
    }
    Ok(0)
}

/// The table, the Pareto front, the plot and explore.json of a whole sweep from its rows in
/// sweep order, written into `root`; prints the table (or the JSON with `as_json`).
pub fn finish(head: &Head, rows: &[Value], root: &Path, as_json: bool) -> Outcome {
    let malformed = |row: &Value, what: &str| {
        Failure::input(format!(
            "explore row {:?} has no number {what:?}",
            row["label"].as_str().unwrap_or("?")
        ))
    };
    let mut points = vec![];
    for row in rows.iter().filter(|r| r.get("error").is_none()) {
        points.push(zkhdl_synth::plot::Point {
            label: row["label"].as_str().unwrap_or("").to_string(),
            area: row[head.area.as_str()]
                .as_f64()
                .ok_or_else(|| malformed(row, &head.area))?,
            throughput: row["throughput_mops"]
                .as_f64()
                .ok_or_else(|| malformed(row, "throughput_mops"))?,
        });
    }
    let target = zkhdl_synth::Target::parse(&head.target).map_err(Failure::input)?;
    let front = zkhdl_synth::plot::pareto(&points);
    let clock_note = if target.places() {
        "placed-and-routed Fmax"
    } else {
        "the --freq clock"
    };
    let title = format!(
        "modmul {} on {}: {} vs throughput ({clock_note} / II)",
        head.field, head.target, head.area
    );
    let svg = zkhdl_synth::plot::svg(
        &points,
        &front,
        &title,
        &head.area,
        "throughput (M products/s)",
    );
    let svg_path = root.join("pareto.svg");
    write_file(&svg_path, &svg)?;
    let mut md = String::from("| config | LUTs | FFs | DSPs | Fmax MHz | II | Mops/s | Pareto |\n|---|---|---|---|---|---|---|---|\n");
    let mut k = 0;
    for row in rows {
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
    let out = json!({"field": head.field, "target": head.target, "area": head.area, "points": rows,
                     "pareto": front.iter().map(|&i| points[i].label.clone()).collect::<Vec<_>>(),
                     "plot": svg_path, "sweep": head.sweep});
    write_file(&root.join("explore.json"), &(pretty(&out) + "\n"))?;
    if as_json {
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

/// One shard's explore.json as read back.
struct Part {
    path: PathBuf,
    shard: Shard,
    head: Head,
    points: Vec<Value>,
}

fn read_part(dir: &Path) -> Result<Part, Failure> {
    let path = dir.join("explore.json");
    if !path.is_file() {
        return Err(Failure::input(format!(
            "{} has no explore.json (give the --out folders of `zkhdl explore ... --shard I/N`)",
            dir.display()
        )));
    }
    let v: Value = serde_json::from_str(&read_file(&path)?)
        .map_err(|e| Failure::input(format!("{}: not JSON: {e}", path.display())))?;
    let text = |k: &str| -> Result<String, Failure> {
        v[k].as_str().map(str::to_string).ok_or_else(|| {
            Failure::input(format!(
                "{}: no {k:?}: not an explore output of this version",
                path.display()
            ))
        })
    };
    let head = Head {
        field: text("field")?,
        target: text("target")?,
        area: text("area")?,
        sweep: v["sweep"].clone(),
    };
    if !head.sweep["configs"].is_array() {
        return Err(Failure::input(format!(
            "{}: no \"sweep\" with its \"configs\": not an explore output of this version",
            path.display()
        )));
    }
    // An unsharded run's output is the one shard of a 1-way split.
    let shard = match v.get("shard") {
        None => Shard { index: 1, count: 1 },
        Some(s) => Shard::parse(s.as_str().unwrap_or("?"))
            .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?,
    };
    let points = v["points"]
        .as_array()
        .cloned()
        .ok_or_else(|| Failure::input(format!("{}: no \"points\" list", path.display())))?;
    Ok(Part {
        path,
        shard,
        head,
        points,
    })
}

/// The first key whose value differs between two sweeps (for the error message).
fn first_difference(a: &Value, b: &Value) -> String {
    let keys = a
        .as_object()
        .into_iter()
        .chain(b.as_object())
        .flat_map(|o| o.keys());
    for k in keys {
        if a.get(k) != b.get(k) {
            let show = |v: Option<&Value>| match v {
                Some(Value::Array(l)) => format!("{} configurations", l.len()),
                Some(v) => v.to_string(),
                None => "none".into(),
            };
            if k == "configs" && show(a.get(k)) == show(b.get(k)) {
                return "configs (different configurations)".into();
            }
            return format!("{k}: {} vs {}", show(a.get(k)), show(b.get(k)));
        }
    }
    "sweep".into()
}

/// `explore --merge`: the shards' rows, checked and put back in sweep order, through
/// [`finish`] into `out`.
pub fn merge(dirs: &[PathBuf], out: &Path, as_json: bool) -> Outcome {
    let parts = dirs
        .iter()
        .map(|d| read_part(d))
        .collect::<Result<Vec<_>, _>>()?;
    let first = parts
        .first()
        .ok_or_else(|| Failure::input("--merge needs at least one folder"))?;
    let n = first.shard.count;
    let mut by_index: Vec<Option<&Part>> = vec![None; n];
    for p in &parts {
        if p.head.sweep != first.head.sweep
            || (
                p.head.field.as_str(),
                p.head.target.as_str(),
                p.head.area.as_str(),
            ) != (
                first.head.field.as_str(),
                first.head.target.as_str(),
                first.head.area.as_str(),
            )
        {
            return Err(Failure::input(format!(
                "{} and {} are from different sweeps ({})",
                first.path.display(),
                p.path.display(),
                first_difference(&first.head.sweep, &p.head.sweep)
            )));
        }
        if p.shard.count != n {
            return Err(Failure::input(format!(
                "{} is shard {} but {} is shard {}: different splits of the sweep",
                first.path.display(),
                first.shard,
                p.path.display(),
                p.shard
            )));
        }
        let slot = &mut by_index[p.shard.index - 1];
        if let Some(q) = slot {
            return Err(Failure::input(format!(
                "shard {} given twice: {} and {}",
                p.shard,
                q.path.display(),
                p.path.display()
            )));
        }
        *slot = Some(p);
    }
    let missing: Vec<String> = (1..=n)
        .filter(|&i| by_index[i - 1].is_none())
        .map(|i| format!("{i}/{n}"))
        .collect();
    if !missing.is_empty() {
        return Err(Failure::input(format!(
            "missing shard{} {} of the sweep (merge needs all {n})",
            if missing.len() > 1 { "s" } else { "" },
            missing.join(", ")
        )));
    }
    let labels = first.head.sweep["configs"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut rows: Vec<Option<Value>> = vec![None; labels.len()];
    for p in &parts {
        for row in &p.points {
            let k = row["index"].as_u64().map(|k| k as usize);
            let ok = k.is_some_and(|k| {
                k < labels.len()
                    && p.shard.holds(k)
                    && rows[k].is_none()
                    && row["label"] == labels[k]
            });
            let Some(k) = k.filter(|_| ok) else {
                return Err(Failure::input(format!(
                    "{}: point {:?} (index {}) is not one of shard {}'s configurations",
                    p.path.display(),
                    row["label"].as_str().unwrap_or("?"),
                    row["index"],
                    p.shard
                )));
            };
            rows[k] = Some(row.clone());
        }
    }
    if let Some(k) = rows.iter().position(Option::is_none) {
        let p = parts
            .iter()
            .find(|p| p.shard.holds(k))
            .expect("every shard");
        return Err(Failure::input(format!(
            "{} (shard {}) lacks configuration {k} ({})",
            p.path.display(),
            p.shard,
            labels[k].as_str().unwrap_or("?")
        )));
    }
    let rows: Vec<Value> = rows.into_iter().map(Option::unwrap).collect();
    finish(&first.head, &rows, out, as_json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_syntax() {
        assert_eq!(Shard::parse("2/3").unwrap(), Shard { index: 2, count: 3 });
        assert_eq!(Shard::parse("1/1").unwrap().to_string(), "1/1");
        for bad in [
            "0/2", "3/2", "x/y", "1/0", "0/0", "2", "1/2/3", "-1/2", "", "/2",
        ] {
            let e = Shard::parse(bad).unwrap_err();
            assert_eq!(e.code, 2, "{bad}");
            assert!(!e.msg.contains('\n'), "{bad}: {}", e.msg);
        }
        // Every configuration lands in exactly one shard, round robin.
        for n in 1..6 {
            for k in 0..20 {
                let owners: Vec<usize> = (1..=n)
                    .filter(|&i| Shard { index: i, count: n }.holds(k))
                    .collect();
                assert_eq!(owners, vec![k % n + 1]);
            }
        }
    }

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("zkhdl-explore-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    /// A sweep of made-up rows (a point that does not fit among them), split and merged
    /// without synthesis; the merge must write the unsharded files exactly.
    #[test]
    fn any_split_merges_to_the_unsharded_files() {
        let labels: Vec<String> = (0..7).map(|i| format!("cfg {i}")).collect();
        let head = Head {
            field: "custom-16b".into(),
            target: "generic".into(),
            area: "luts".into(),
            sweep: json!({"core": "modmul", "configs": labels}),
        };
        // Awkward floats on purpose: they must survive the JSON text unchanged in both paths.
        let rows: Vec<Value> = (0..7)
            .map(|i| {
                if i == 4 {
                    json!({"label": labels[i], "index": i, "error": "too big"})
                } else {
                    json!({"label": labels[i], "index": i, "luts": 1000 + 397 * ((i * 5) % 7),
                           "ffs": i, "dsps": 0, "fmax_mhz": null, "initiation_interval": i + 1,
                           "throughput_mops": 250.0 / (i as f64 + 1.0) + 1e-13 * i as f64})
                }
            })
            .collect();
        let text = serde_json::to_string(&rows).unwrap();
        let parsed: Vec<Value> = serde_json::from_str(&text).unwrap();
        let whole = tmp("whole");
        finish(&head, &parsed, &whole, true).unwrap();
        let files = |d: &Path| {
            let j = std::fs::read_to_string(d.join("explore.json")).unwrap();
            let j = j.replace(&d.display().to_string(), "OUT");
            (
                j,
                std::fs::read_to_string(d.join("explore.md")).unwrap(),
                std::fs::read_to_string(d.join("pareto.svg")).unwrap(),
            )
        };
        let want = files(&whole);
        assert!(want.1.contains("does not fit: too big") && want.1.contains("| yes |"));
        for n in [1, 2, 3, 7, 9] {
            let mut dirs = vec![];
            // Shards given in reverse order: the merge must restore sweep order.
            for i in (1..=n).rev() {
                let s = Shard { index: i, count: n };
                let mine = rows
                    .iter()
                    .filter(|r| s.holds(r["index"].as_u64().unwrap() as usize));
                let d = tmp(&format!("s{i}of{n}"));
                let v = shard_json(&head, s, mine.cloned().collect());
                write_file(&d.join("explore.json"), &(pretty(&v) + "\n")).unwrap();
                dirs.push(d);
            }
            let merged = tmp(&format!("merged{n}"));
            merge(&dirs, &merged, true).unwrap();
            assert_eq!(files(&merged), want, "{n} shards");
            if n == 3 {
                let e = |d: &[PathBuf]| merge(d, &tmp("x"), true).unwrap_err();
                let missing = e(&dirs[..1]);
                assert_eq!(missing.code, 2);
                assert!(
                    missing.msg.contains("missing shards 1/3, 2/3"),
                    "{}",
                    missing.msg
                );
                let twice = e(&[dirs[0].clone(), dirs[0].clone()]);
                assert!(twice.msg.contains("shard 3/3 given twice"), "{}", twice.msg);
                // The unsharded output counts as 1/1: a different split.
                let split = e(&[dirs[0].clone(), whole.clone()]);
                assert!(split.msg.contains("different splits"), "{}", split.msg);
                // A shard that lost a row.
                let v = shard_json(&head, Shard { index: 1, count: 3 }, vec![rows[0].clone()]);
                write_file(&dirs[2].join("explore.json"), &pretty(&v)).unwrap();
                let lost = e(&dirs);
                assert!(
                    lost.msg.contains("lacks configuration 3 (cfg 3)"),
                    "{}",
                    lost.msg
                );
                // A row in the wrong shard.
                let v = shard_json(&head, Shard { index: 1, count: 3 }, vec![rows[1].clone()]);
                write_file(&dirs[2].join("explore.json"), &pretty(&v)).unwrap();
                assert!(e(&dirs).msg.contains("not one of shard 1/3's"));
                let mut other = head.clone();
                other.sweep["core"] = json!("modadd");
                let v = shard_json(&other, Shard { index: 1, count: 3 }, vec![]);
                write_file(&dirs[2].join("explore.json"), &pretty(&v)).unwrap();
                let diff = e(&dirs);
                assert!(
                    diff.msg
                        .contains("different sweeps (core: \"modmul\" vs \"modadd\")"),
                    "{}",
                    diff.msg
                );
            }
        }
        // The unsharded output merges onto itself.
        let again = tmp("again");
        merge(std::slice::from_ref(&whole), &again, true).unwrap();
        assert_eq!(files(&again), want);
        let none = merge(&[tmp("nothing")], &tmp("y"), true).unwrap_err();
        assert!(none.msg.contains("has no explore.json") && none.code == 2);
    }
}
