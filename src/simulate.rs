//! `sim`: a core's emitted Verilog run in Verilator (or Icarus) on vectors, every result
//! compared with arkworks, and the report printed (text, or one JSON object with --json).

use crate::error::{verdict, Outcome};
use crate::options::{
    probability, sim_options, trace_needs_verilator, verilator_only, CurveArgs, FieldArgs,
    ModMulArgs, MsmArgs, NttArgs, SimArgs, Simulator,
};
use crate::progress::Spinner;
use crate::report::{affine_json, msm_json, pretty, print_build, print_run_json, print_verdict};
use crate::vectors::{load_msm_batches, load_pairs, load_pairs_checked, load_point_pairs};
use num_bigint::BigUint;
use serde_json::json;
use zkhdl_golden::to_hex;
use zkhdl_sim::run::SimOptions;

/// Stream operations from which the simulator draws its own progress bar (`sim::run`).
const STREAM_BAR_FROM: usize = 50_000;
/// MSM pairs from which the MSM driver draws its own progress bar (`sim::msm`).
const MSM_BAR_FROM: usize = 2_000;

/// A spinner over the build and a run of `ops` operations, on a terminal and without --json.
/// Long runs keep the simulator's own bar (with its rate and ETA) instead; a shown spinner
/// hides the simulator's bar so the two never draw over each other.
fn spinner(
    sim: &SimArgs,
    opts: &mut SimOptions,
    core: &str,
    ops: usize,
    bar_from: usize,
) -> Spinner {
    let build = match sim.simulator {
        Simulator::Verilator => "verilate + compile (or load the cached model)",
        Simulator::Iverilog => "compile with iverilog",
    };
    let s = Spinner::start(
        !sim.json && ops <= bar_from,
        format!("{core}: {build}, then simulate {ops} operations"),
    );
    if s.is_visible() {
        opts.progress = false;
    }
    s
}

/// Mentions the waveform file, when one was asked for.
fn note_trace(sim: &SimArgs) {
    if let Some(t) = &sim.trace {
        eprintln!("zkhdl: waveform written to {}", t.display());
    }
}

/// Products of canonical pairs through the Montgomery multiplier.
pub fn modmul(field: &FieldArgs, opts: &ModMulArgs, sim: &SimArgs) -> Outcome {
    let (f, pairs, seed, cfg) = load_pairs_checked(field, &sim.vectors, |f| opts.config(f))?;
    let mut sopts = sim_options(sim, seed)?;
    trace_needs_verilator(sim)?;
    let spin = spinner(sim, &mut sopts, "modmul", pairs.len(), STREAM_BAR_FROM);
    let run = match sim.simulator {
        Simulator::Verilator => zkhdl_sim::modmul::simulate(&cfg, &f, &pairs, &sopts)?,
        Simulator::Iverilog => zkhdl_sim::modmul::simulate_iverilog(&cfg, &f, &pairs, &sopts)?,
    };
    drop(spin);
    let ok = run.matches_golden();
    if sim.json {
        let out = json!({
            "core": "modmul",
            "simulator": sim.simulator.name(),
            "field": f.name(),
            "modulus": to_hex(f.modulus()),
            "architecture": opts.arch,
            "tile": cfg.tile.name(),
            "karatsuba": opts.karatsuba,
            "montgomery_r_bits": run.r_bits,
            "n": pairs.len(),
            "seed": seed,
            "products": run.products.iter().map(to_hex).collect::<Vec<_>>(),
            "initiation_interval": run.initiation_interval,
            "tiles": run.tiles,
        });
        print_run_json(
            out,
            ok,
            &run.mismatches,
            &run.stream_errors,
            (run.cycles, run.latency, run.wall_s),
            &run.build,
        );
    } else {
        println!(
            "modmul {} ({} bits, R = 2^{}), {} {} tiles x{}, Karatsuba {}: {} pairs",
            f.name(),
            f.bits(),
            run.r_bits,
            opts.arch,
            cfg.tile.name(),
            run.tiles,
            opts.karatsuba,
            pairs.len()
        );
        print_build(&run.build);
        println!(
            "simulated {} cycles in {:.3} s ({:.0} cycles/s), latency {}, initiation interval {}",
            run.cycles,
            run.wall_s,
            run.cycles_per_s(),
            run.latency,
            run.initiation_interval
        );
        print_verdict(ok, &run.stream_errors, &run.mismatches);
    }
    Ok(verdict(ok))
}

/// A sum and a difference of each pair through the modular adder/subtractor.
pub fn modadd(field: &FieldArgs, sim: &SimArgs) -> Outcome {
    let (f, pairs, seed) = load_pairs(field, &sim.vectors)?;
    let mut opts = sim_options(sim, seed)?;
    trace_needs_verilator(sim)?;
    let spin = spinner(sim, &mut opts, "modadd", 2 * pairs.len(), STREAM_BAR_FROM);
    let run = match sim.simulator {
        Simulator::Verilator => zkhdl_sim::modadd::simulate(&f, &pairs, &opts)?,
        Simulator::Iverilog => zkhdl_sim::modadd::simulate_iverilog(&f, &pairs, &opts)?,
    };
    drop(spin);
    let ok = run.matches_golden();
    let hex = |v: &[BigUint]| v.iter().map(to_hex).collect::<Vec<_>>();
    if sim.json {
        let out = json!({
            "core": "modadd",
            "simulator": sim.simulator.name(),
            "field": f.name(),
            "modulus": to_hex(f.modulus()),
            "n": pairs.len(),
            "seed": seed,
            "sums": hex(&run.sums),
            "differences": hex(&run.differences),
        });
        print_run_json(
            out,
            ok,
            &run.mismatches,
            &run.stream_errors,
            (run.cycles, run.latency, run.wall_s),
            &run.build,
        );
    } else {
        println!(
            "modadd {} ({} bits): {} pairs, {} operations",
            f.name(),
            f.bits(),
            pairs.len(),
            2 * pairs.len()
        );
        print_build(&run.build);
        println!(
            "simulated {} cycles in {:.3} s ({:.0} cycles/s), latency {}",
            run.cycles,
            run.wall_s,
            run.cycles_per_s(),
            run.latency
        );
        print_verdict(ok, &run.stream_errors, &run.mismatches);
    }
    note_trace(sim);
    Ok(verdict(ok))
}

/// P + Q for each pair through the point adder, checked against arkworks and bit-exact
/// against the formula's software model.
///
/// `mixed`: the mixed adder (P2 affine, 11 multipliers).
pub fn point_add(curve: &CurveArgs, mixed: bool, sim: &SimArgs) -> Outcome {
    trace_needs_verilator(sim)?;
    let (c, pairs, seed) = load_point_pairs(curve, &sim.vectors, mixed)?;
    let mut cfg = curve.adder(&c)?;
    cfg.mixed = mixed;
    let multipliers = zkhdl_hdl::point_add::plan(&cfg)?.multipliers;
    let mut opts = sim_options(sim, seed)?;
    let spin = spinner(sim, &mut opts, "point-add", pairs.len(), STREAM_BAR_FROM);
    let run = match sim.simulator {
        Simulator::Verilator => zkhdl_sim::point_add::simulate(&cfg, &c, &pairs, &opts)?,
        Simulator::Iverilog => zkhdl_sim::point_add::simulate_iverilog(&cfg, &c, &pairs, &opts)?,
    };
    drop(spin);
    let ok = run.matches_golden();
    if sim.json {
        let out = json!({
            "core": "point_add",
            "simulator": sim.simulator.name(),
            "curve": c.name(),
            "tile": cfg.tile.name(),
            "karatsuba": cfg.karatsuba,
            "mixed": cfg.mixed,
            "n": pairs.len(),
            "seed": seed,
            "results": run.results.iter().map(affine_json).collect::<Vec<_>>(),
            "multipliers": multipliers,
            "tiles": run.tiles,
        });
        print_run_json(
            out,
            ok,
            &run.mismatches,
            &run.stream_errors,
            (run.cycles, run.latency, run.wall_s),
            &run.build,
        );
    } else {
        println!(
            "point-add {} G1{}, {multipliers} multipliers, {} {} tiles in all, Karatsuba {}: {} \
             pairs",
            c.name(),
            if cfg.mixed { " mixed (P2 affine)" } else { "" },
            run.tiles,
            cfg.tile.name(),
            cfg.karatsuba,
            pairs.len()
        );
        print_build(&run.build);
        println!(
            "simulated {} cycles in {:.3} s ({:.0} cycles/s), latency {}, one addition per cycle",
            run.cycles,
            run.wall_s,
            run.cycles_per_s(),
            run.latency
        );
        print_verdict(ok, &run.stream_errors, &run.mismatches);
    }
    note_trace(sim);
    Ok(verdict(ok))
}

/// The MSM core's drive options besides the vectors.
#[derive(Clone, Copy, Debug, Default)]
pub struct MsmDrive {
    /// --backpressure: probability of out_ready low on a cycle.
    pub backpressure: Option<f64>,
    /// --watchdog: cycles without progress before the run fails.
    pub watchdog: Option<u64>,
    /// --batch: MSMs run back to back on one core.
    pub batch: Option<usize>,
}

/// sum k_i P_i through the MSM core, checked against arkworks; with --batch M, M MSMs back to
/// back on one core (one reset), each checked.
pub fn msm(curve: &CurveArgs, msm: &MsmArgs, sim: &SimArgs, d: MsmDrive) -> Outcome {
    verilator_only(sim, "msm")?;
    let started = std::time::Instant::now();
    let out_idle = probability("--backpressure", d.backpressure)?;
    let (c, jobs, seed) = load_msm_batches(curve, &sim.vectors, d.batch)?;
    let n_max = jobs.iter().map(|j| j.0.len()).max().unwrap_or(0);
    let cfg = msm.config(&c, curve.adder(&c)?, n_max)?;
    let mut opts = sim_options(sim, seed)?;
    // The MSM driver does its own handshakes: --gaps becomes its idle-input probability.
    let in_idle = opts.gaps.take().map_or(0.0, |g| g.idle_probability);
    let drive = zkhdl_sim::msm::Drive {
        in_idle,
        out_idle,
        seed: seed.unwrap_or(0),
        watchdog: d.watchdog,
    };
    let total: usize = jobs.iter().map(|j| j.0.len()).sum();
    let spin = spinner(sim, &mut opts, "msm", total, MSM_BAR_FROM);
    let core = zkhdl_hdl::Core::generate(&cfg)?;
    let runs = zkhdl_sim::msm::simulate_batch(&core, &cfg, &c, &jobs, &opts, &drive)?;
    drop(spin);
    let ok = runs.iter().all(|r| r.matches_golden());
    if d.batch.is_some() {
        print_msm_batch(&c, &cfg, &runs, seed, sim.json, started);
    } else if sim.json {
        let mut out = msm_json(&c, &cfg, &runs[0], seed);
        // Everything this command took: vectors, build (or cache load), simulation, check.
        out["total_wall_s"] = json!(started.elapsed().as_secs_f64());
        println!("{}", pretty(&out));
    } else {
        print_msm_run(&c, &runs[0]);
    }
    note_trace(sim);
    Ok(verdict(ok))
}

/// The text report of one MSM run.
fn print_msm_run(c: &zkhdl_golden::Curve, run: &zkhdl_sim::msm::MsmRun) {
    println!(
        "msm {} G1: {} pairs, c = {} ({} windows x {} buckets), {} adder(s) of latency {}, {} \
         tiles",
        c.name(),
        run.n,
        run.window,
        run.windows,
        run.buckets_per_window,
        run.adders,
        run.adder_latency,
        run.tiles
    );
    print_build(&run.build);
    println!(
        "{} cycles (bound {}), accumulation {} cycles, {} bucket additions, {} hazard \
         stalls, adder utilization {:.3}",
        run.cycles,
        run.cycle_bound,
        run.accum_cycles,
        run.bucket_adds,
        run.hazard_stalls,
        run.adder_utilization
    );
    println!(
        "simulated {} cycles in {:.2} s ({:.0} cycles/s)",
        run.simulated_cycles,
        run.wall_s,
        run.cycles_per_s()
    );
    println!(
        "result {}",
        serde_json::to_string(&affine_json(&run.result)).expect("json")
    );
    for e in &run.stream_errors {
        println!("STREAM ERROR: {e}");
    }
    if run.matches_golden() {
        println!("PASS: the result matches arkworks");
    } else {
        println!(
            "FAIL: expected {}",
            serde_json::to_string(&affine_json(&run.expected)).expect("json")
        );
    }
}

/// The report of `sim msm --batch M`: every MSM's result and check, and the utilization of
/// the adders over the whole batch (see [`zkhdl_sim::msm::batch_cycles`]).
fn print_msm_batch(
    c: &zkhdl_golden::Curve,
    cfg: &zkhdl_hdl::msm::MsmConfig,
    runs: &[zkhdl_sim::msm::MsmRun],
    seed: Option<u64>,
    as_json: bool,
    started: std::time::Instant,
) {
    let cycles = zkhdl_sim::msm::batch_cycles(runs);
    let adds: u64 = runs.iter().map(|r| r.total_adds).sum();
    let overall = adds as f64 / (cfg.adders as u64 * cycles.max(1)) as f64;
    let ok = runs.iter().all(|r| r.matches_golden());
    if as_json {
        let results: Vec<serde_json::Value> = runs
            .iter()
            .map(|r| {
                let mut v = msm_json(c, cfg, r, None);
                if let Some(o) = v.as_object_mut() {
                    o.remove("build");
                    o.remove("seed");
                }
                v
            })
            .collect();
        let out = json!({
            "core": "msm",
            "curve": c.name(),
            "batch": runs.len(),
            "seed": seed,
            "adders": cfg.adders,
            "window": cfg.window,
            "windows": cfg.windows(),
            "buckets_per_window": cfg.buckets(),
            "n": runs.iter().map(|r| r.n).collect::<Vec<_>>(),
            "matches_golden": ok,
            "results": results,
            "cycles": cycles,
            "total_adds": adds,
            "overall_utilization": overall,
            "build": runs.first().and_then(|r| r.build.clone()),
            "total_wall_s": started.elapsed().as_secs_f64(),
        });
        println!("{}", pretty(&out));
        return;
    }
    println!(
        "msm {} G1: {} MSMs back to back, c = {} ({} windows x {} buckets), {} adder(s)",
        c.name(),
        runs.len(),
        cfg.window,
        cfg.windows(),
        cfg.buckets(),
        cfg.adders
    );
    if let Some(r) = runs.first() {
        print_build(&r.build);
    }
    for (i, r) in runs.iter().enumerate() {
        println!(
            "MSM {i}: {} pairs, {} cycles, utilization {:.3}: {}",
            r.n,
            r.cycles,
            r.overall_utilization,
            if r.matches_golden() {
                "matches arkworks".to_string()
            } else {
                format!(
                    "FAIL: got {}, expected {}; {}",
                    serde_json::to_string(&affine_json(&r.result)).expect("json"),
                    serde_json::to_string(&affine_json(&r.expected)).expect("json"),
                    r.stream_errors.join("; ")
                )
            }
        );
    }
    println!(
        "batch: {cycles} cycles from the first pair to the last result, {adds} additions, \
         overall utilization {overall:.3}"
    );
    println!(
        "{}",
        if ok {
            "PASS: every result matches arkworks"
        } else {
            "FAIL: some results differ from arkworks"
        }
    );
}

/// Transforms through the NTT core, each compared with arkworks' (or the bignum model's).
/// The stream errors, the mismatching transforms and the verdict of an NTT run, as text.
fn print_ntt_checks(
    stream_errors: &[String],
    mismatches: &[zkhdl_sim::ntt::NttMismatch],
    ok: bool,
) {
    for e in stream_errors {
        println!("STREAM ERROR: {e}");
    }
    for m in mismatches {
        println!(
            "MISMATCH transform {}: {} values differ, first at index {}: expected {}, got {}",
            m.transform, m.wrong_values, m.first_index, m.expected, m.got
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

pub fn ntt(field: &FieldArgs, shape: &NttArgs, sim: &SimArgs) -> Outcome {
    let v = &sim.vectors;
    if let Some(f) = field.field.is_some().then(|| field.resolve()).transpose()? {
        shape.config(&f)?;
    } else if field.modulus.is_some() {
        shape.config(&field.resolve()?)?;
    }
    let (f, batches, single, seed) = match (&v.input, v.random) {
        (Some(path), _) => {
            let text = crate::error::read_file(path)?;
            let (f, b, single) = zkhdl_sim::ntt::read_input(
                &text,
                field.field.as_deref(),
                field.modulus.as_deref(),
                shape.log_n,
            )
            .map_err(|e| crate::vectors::in_file(path, e))?;
            (f, b, single, None)
        }
        (None, Some(n)) => {
            let f = field.resolve()?;
            shape.config(&f)?;
            let seed = crate::vectors::seed_or_fresh(v.seed);
            let b = zkhdl_sim::ntt::random_batches(&f, shape.log_n, n, seed);
            (f, b, false, Some(seed))
        }
        (None, None) => {
            return Err(crate::error::Failure::input(
                "give --random N (with --seed S) or --input FILE",
            ))
        }
    };
    let cfg = shape.config(&f)?;
    let mut opts = sim_options(sim, seed)?;
    trace_needs_verilator(sim)?;
    let nopts = zkhdl_sim::ntt::NttSimOptions {
        build: opts.build.clone(),
        gaps: opts.gaps.as_ref().map(|g| (g.seed, g.idle_probability)),
        trace: opts.trace.clone(),
    };
    let elements = batches.len() << shape.log_n;
    let spin = spinner(sim, &mut opts, "ntt", elements, STREAM_BAR_FROM);
    let run = match sim.simulator {
        Simulator::Verilator => zkhdl_sim::ntt::simulate(&cfg, &f, &batches, &nopts)?,
        Simulator::Iverilog => zkhdl_sim::ntt::simulate_iverilog(&cfg, &f, &batches, &nopts)?,
    };
    drop(spin);
    let ok = run.matches_golden();
    if sim.json {
        let mut out = run.json(&f, &cfg, &batches, single);
        out["core"] = json!("ntt");
        out["simulator"] = json!(sim.simulator.name());
        out["seed"] = json!(seed);
        println!("{}", pretty(&out));
    } else {
        println!(
            "ntt {} ({} bits): {} {}-point {} transforms, {} lanes, {} output",
            f.name(),
            f.bits(),
            batches.len(),
            cfg.size(),
            if cfg.inverse { "inverse" } else { "forward" },
            cfg.lanes,
            cfg.output_order.name()
        );
        print_build(&run.build);
        println!(
            "simulated {} cycles in {:.3} s ({:.0} cycles/s), latency {}, {} elements per cycle",
            run.cycles,
            run.wall_s,
            run.cycles_per_s(),
            run.latency,
            run.elements_per_cycle
        );
        print_ntt_checks(&run.stream_errors, &run.mismatches, ok);
    }
    note_trace(sim);
    Ok(verdict(ok))
}

/// `sim ntt --four-step`: a 2^K transform by two passes through the `ntt` core of about
/// 2^(K/2) points, the twiddle multiply on the `modmul` core and the transposes through the
/// driver's memory model (`zkhdl_sim::ntt_four_step`). `words_per_cycle` is the memory
/// bandwidth of the cycle model (default 2P).
pub fn ntt_four_step(
    field: &FieldArgs,
    shape: &NttArgs,
    sim: &SimArgs,
    words_per_cycle: Option<f64>,
) -> Outcome {
    use zkhdl_sim::ntt_four_step::{self as fs, FourStepConfig, FourStepOptions};
    let input = |e: zkhdl_sim::SimError| match e {
        zkhdl_sim::SimError::Config(m) => crate::error::Failure::input(m),
        e => e.into(),
    };
    verilator_only(sim, "ntt --four-step")?;
    if sim.trace.is_some() {
        return Err(crate::error::Failure::input(
            "--trace is not available with --four-step (it runs three simulations)",
        ));
    }
    if shape.output_order != "natural" {
        return Err(crate::error::Failure::input(
            "--four-step gives the result in natural order; leave out --output-order",
        ));
    }
    let mut cfg = FourStepConfig::new(shape.log_n, shape.lanes, shape.inverse);
    cfg.multiplier = zkhdl_hdl::ntt::Multiplier::parse(&shape.multiplier).ok_or_else(|| {
        crate::error::Failure::input(format!(
            "--multiplier {} is not one of montgomery, goldilocks",
            shape.multiplier
        ))
    })?;
    if let Some(w) = words_per_cycle {
        cfg.words_per_cycle = w;
    }
    if field.field.is_some() || field.modulus.is_some() {
        cfg.check(&field.resolve()?).map_err(input)?;
    }
    let v = &sim.vectors;
    let (f, batches, single, seed) = match (&v.input, v.random) {
        (Some(path), _) => {
            let text = crate::error::read_file(path)?;
            let (f, b, single) = zkhdl_sim::ntt::read_input(
                &text,
                field.field.as_deref(),
                field.modulus.as_deref(),
                shape.log_n,
            )
            .map_err(|e| crate::vectors::in_file(path, e))?;
            (f, b, single, None)
        }
        (None, Some(n)) => {
            let f = field.resolve()?;
            let seed = crate::vectors::seed_or_fresh(v.seed);
            let b = zkhdl_sim::ntt::random_batches(&f, shape.log_n, n, seed);
            (f, b, false, Some(seed))
        }
        (None, None) => {
            return Err(crate::error::Failure::input(
                "give --random N (with --seed S) or --input FILE",
            ))
        }
    };
    cfg.check(&f).map_err(input)?;
    if cfg.multiplier == zkhdl_hdl::ntt::Multiplier::Goldilocks {
        cfg.core(&f, fs::split(cfg.log_n).1).map_err(input)?;
    }
    let opts = sim_options(sim, seed)?;
    let fopts = FourStepOptions {
        build: opts.build.clone(),
        gaps: opts.gaps.as_ref().map(|g| (g.seed, g.idle_probability)),
        mutant: Default::default(),
    };
    let spin = crate::progress::Spinner::start(
        !sim.json,
        format!(
            "ntt --four-step: build the two cores and the twiddle multiplier (or load them), then \
             simulate {} transforms of 2^{}",
            batches.len(),
            shape.log_n
        ),
    );
    let run = fs::simulate(&cfg, &f, &batches, &fopts).map_err(input)?;
    drop(spin);
    let ok = run.matches_golden();
    if sim.json {
        let mut out = run.json(&f, &cfg, &batches, single);
        out["core"] = json!("ntt");
        out["simulator"] = json!(sim.simulator.name());
        out["seed"] = json!(seed);
        println!("{}", pretty(&out));
    } else {
        let (k1, k2) = fs::split(cfg.log_n);
        println!(
            "ntt {} ({} bits), four-step: {} {} transforms of 2^{} = 2^{k1} x 2^{k2}, {} lanes",
            f.name(),
            f.bits(),
            batches.len(),
            if cfg.inverse { "inverse" } else { "forward" },
            cfg.log_n,
            cfg.lanes
        );
        for p in &run.passes {
            println!(
                "pass {}: {} transforms of 2^{}, {} core cycles, {} words read, {} written, {} \
                 memory cycles",
                p.pass,
                p.transforms,
                p.core_log_n,
                p.core_cycles,
                p.memory_words_read,
                p.memory_words_written,
                p.memory_cycles
            );
        }
        println!(
            "cycle model ({} words per cycle): {} cycles (core {} + memory {}), {} with the memory \
             overlapped; simulated {} cycles in {:.3} s",
            run.words_per_cycle,
            run.cycles,
            run.core_cycles,
            run.memory_cycles,
            run.cycles_overlapped,
            run.simulated_cycles,
            run.wall_s
        );
        print_ntt_checks(&run.stream_errors, &run.mismatches, ok);
    }
    Ok(verdict(ok))
}
