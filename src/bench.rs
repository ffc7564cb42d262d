//! `bench`: a fresh Verilator build and a long random run of a core, written as JSON and a
//! Markdown table beside it.

use crate::error::{verdict, write_file, Outcome};
use crate::options::{CurveArgs, FieldArgs, ModMulArgs, MsmArgs};
use crate::report::{msm_json, pretty};
use serde_json::json;
use std::path::{Path, PathBuf};
use zkhdl_golden::vectors::{random_msm, random_pairs};
use zkhdl_sim::run::SimOptions;

/// Simulated cycles/s and verilate+compile time of a modmul core on `n` random pairs.
pub fn modmul(field: &FieldArgs, opts: &ModMulArgs, n: usize, seed: u64, out: &Path) -> Outcome {
    let f = field.resolve()?;
    let cfg = opts.config(&f)?;
    let (cache, sopts) = bench_options();
    let pairs = random_pairs(&f, n, seed);
    eprintln!("zkhdl: bench: building and simulating {n} pairs ...");
    let run = zkhdl_sim::modmul::simulate(&cfg, &f, &pairs, &sopts)?;
    // Second build of the same design: a cache hit.
    let again = zkhdl_sim::modmul::simulate(&cfg, &f, &pairs[..pairs.len().min(10)], &sopts)?;
    let _ = std::fs::remove_dir_all(&cache);
    let b = run.build.clone().expect("verilator build");
    let cached = again.build.expect("verilator build");
    let result = json!({
        "core": "modmul",
        "field": f.name(),
        "architecture": opts.arch,
        "tile": cfg.tile.name(),
        "karatsuba": opts.karatsuba,
        "tiles": run.tiles,
        "latency": run.latency,
        "initiation_interval": run.initiation_interval,
        "pairs": n,
        "seed": seed,
        "matches_golden": run.matches_golden(),
        "cycles": run.cycles,
        "wall_s": run.wall_s,
        "cycles_per_s": run.cycles_per_s(),
        "products_per_s": n as f64 / run.wall_s.max(1e-9),
        "verilate_s": b.verilate_s,
        "compile_s": b.compile_s,
        "build_total_s": b.total_s,
        "cached_load_s": cached.total_s,
        "machine": machine(),
        "verilator": std::process::Command::new("verilator").arg("--version").output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default(),
    });
    write_file(out, &(pretty(&result) + "\n"))?;
    let md = format!(
        "| core | config | tiles | latency | II | cycles/s | products/s | verilate s | C++ compile s | cached load s | matches |\n\
         |---|---|---|---|---|---|---|---|---|---|---|\n\
         | modmul {} | {} {} {} | {} | {} | {} | {:.0} | {:.0} | {:.2} | {:.2} | {:.2} | {} |\n",
        f.name(),
        opts.arch,
        cfg.tile.name(),
        cfg.architecture.describe(),
        run.tiles,
        run.latency,
        run.initiation_interval,
        run.cycles_per_s(),
        n as f64 / run.wall_s.max(1e-9),
        b.verilate_s,
        b.compile_s,
        cached.total_s,
        run.matches_golden()
    );
    write_file(&out.with_extension("md"), &md)?;
    print!("{md}");
    println!(
        "wrote {} and {}",
        out.display(),
        out.with_extension("md").display()
    );
    Ok(verdict(run.matches_golden()))
}

/// Adder utilization, cycles against the bound, cycles/s and build time of the MSM core on
/// `n` random pairs.
pub fn msm(curve: &CurveArgs, msm: &MsmArgs, n: usize, seed: u64, out: &Path) -> Outcome {
    let c = curve.curve(None)?;
    let cfg = msm.config(&c, curve.adder(&c)?, n)?;
    let (cache, sopts) = bench_options();
    let (points, scalars) = random_msm(&c, n, seed);
    eprintln!("zkhdl: bench: building and running an MSM of {n} pairs ...");
    let drive = zkhdl_sim::msm::Drive::default();
    let run = zkhdl_sim::msm::simulate(&cfg, &c, &points, &scalars, &sopts, &drive);
    let _ = std::fs::remove_dir_all(&cache);
    let run = run?;
    let b = run.build.clone().expect("verilator build");
    let mut result = msm_json(&c, &cfg, &run, Some(seed));
    result["verilate_s"] = json!(b.verilate_s);
    result["compile_s"] = json!(b.compile_s);
    result["cycles_over_bound"] = json!(run.cycles as f64 / run.cycle_bound.max(1) as f64);
    result["hazard_rate"] = json!(run.hazard_stalls as f64 / run.bucket_adds.max(1) as f64);
    result["machine"] = json!(machine());
    result["date"] = json!(today());
    write_file(out, &(pretty(&result) + "\n"))?;
    let parts =
        zkhdl_hdl::msm::cycle_estimate_parts(n, cfg.scalar_bits, cfg.window, run.adder_latency);
    let md = format!(
        "# MSM benchmark ({curve} G1, Verilator)\n\n\
         Written by `zkhdl bench msm --curve {curve} --n {n} --seed {seed}{wflag} --out {out}` on \
         {machine}, {date}.\n\n\
         | quantity | value |\n|---|---|\n\
         | pairs N | {n} |\n\
         | window c, windows x buckets | {c}, {w} x {bk} |\n\
         | matches arkworks | {ok} |\n\
         | adder utilization in bucket accumulation | {util:.4} |\n\
         | bucket additions / accumulation cycles | {ba} / {ac} |\n\
         | hazard stalls (parked points) | {hz} ({hr:.2} %) |\n\
         | cycles, whole MSM | {cy} |\n\
         | bound N x windows + aggregation + combination | {nw} + {agg} + {comb} = {bd} ({ob:.3} x) |\n\
         | all additions / cycles | {ta} / {cy} ({ou:.3}) |\n\
         | point adder latency, tiles | {lat}, {tiles} |\n\
         | simulated cycles/s | {cps:.0} |\n\
         | verilate + C++ compile | {vs:.1} s + {cs:.1} s |\n",
        curve = c.name(),
        wflag = msm
            .window
            .map(|w| format!(" --window {w}"))
            .unwrap_or_default(),
        out = out.display(),
        machine = machine(),
        date = today(),
        c = run.window,
        w = run.windows,
        bk = run.buckets_per_window,
        ok = run.matches_golden(),
        util = run.adder_utilization,
        ba = run.bucket_adds,
        ac = run.accum_cycles,
        hz = run.hazard_stalls,
        hr = 100.0 * run.hazard_stalls as f64 / run.bucket_adds.max(1) as f64,
        cy = run.cycles,
        bd = run.cycle_bound,
        nw = parts.0,
        agg = parts.1,
        comb = parts.2,
        ob = run.cycles as f64 / run.cycle_bound.max(1) as f64,
        ta = run.total_adds,
        ou = run.overall_utilization,
        lat = run.adder_latency,
        tiles = run.tiles,
        cps = run.cycles_per_s(),
        vs = b.verilate_s,
        cs = b.compile_s,
    );
    write_file(&out.with_extension("md"), &md)?;
    println!("{md}");
    eprintln!("zkhdl: wrote {} and its .md", out.display());
    Ok(verdict(run.matches_golden()))
}

/// Options of a benchmark run: a private, empty build cache (so the build is measured from
/// scratch, Verilator's runtime included; the caller removes it) and a progress bar.
pub fn bench_options() -> (PathBuf, SimOptions) {
    let cache = std::env::temp_dir().join(format!("zkhdl-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);
    let mut sopts = SimOptions::default();
    sopts.build.cache_dir = cache.clone();
    sopts.progress = true;
    (cache, sopts)
}

pub fn machine() -> String {
    format!(
        "{} CPUs",
        std::thread::available_parallelism().map_or(1, |x| x.get())
    )
}

/// Today's date (UTC) as YYYY-MM-DD, from the system clock.
pub fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}
