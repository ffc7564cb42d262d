//! `zkhdl`: generate, simulate and check zero-knowledge-proof accelerator cores.
//!
//! Exit codes: 0 success (every result matches golden), 1 a result differs from golden (or
//! a core stopped making progress), 2 bad input or usage, 3 a tool (Verilator, the C++
//! compiler) failed.
//!
//! This file maps each verb and core of the command line (its grammar is `cli.rs`) onto the
//! library (`zkhdl::*`), whose table of cores (`zkhdl::registry::CORES`) says which verbs
//! take which core.

mod cli;

use clap::Parser;
use cli::*;
use std::process::ExitCode;
use zkhdl::prove;
use zkhdl::simulate::MsmDrive;
use zkhdl::{bench, estimate, explore, generate, golden, simulate, synthesis, CoreConfig, Outcome};

fn main() -> ExitCode {
    zkhdl::error::install_panic_hook();
    match run(Cli::parse()) {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("zkhdl: error: {}", f.msg);
            ExitCode::from(f.code)
        }
    }
}

fn run(cli: Cli) -> Outcome {
    match cli.command {
        Command::Gen { core } => gen(core),
        Command::Sim { core } => sim(core),
        Command::Synth { core } => synth(core),
        Command::Explore {
            core,
            merge,
            out,
            json,
        } => match core {
            Some(ExploreCore::Modmul {
                field,
                target,
                sweep,
                shard,
            }) => explore::modmul(&field, &target, &sweep, shard.as_deref()),
            None => match out {
                Some(out) if !merge.is_empty() => explore::merge(&merge, &out, json),
                _ if merge.is_empty() => Err(zkhdl::Failure::input(
                    "explore needs a core (zkhdl explore modmul ...) or --merge DIR... --out DIR",
                )),
                _ => Err(zkhdl::Failure::input("--merge needs --out DIR")),
            },
        },
        Command::Bench { core } => match core {
            BenchCore::Msm {
                curve,
                msm,
                n,
                seed,
                out,
            } => bench::msm(&curve, &msm, n, seed, &out),
            BenchCore::Modmul {
                field,
                opts,
                n,
                seed,
                out,
            } => bench::modmul(&field, &opts, n, seed, &out),
        },
        Command::Prove { core } => match core {
            ProveCore::Modadd { field, prove } => prove::modadd(&field, &prove),
            ProveCore::Tile { tile, prove } => prove::tile(&tile, &prove),
            ProveCore::Modmul { field, opts, prove } => prove::modmul(&field, &opts, &prove),
            ProveCore::Msm { msm } => prove::msm(&msm),
        },
        Command::Estimate { core } => match core {
            EstimateCore::Ntt {
                field,
                log_n,
                part,
                lanes,
                freq,
                bandwidth,
                json,
            } => estimate::ntt_command(&field, log_n, &part, lanes, freq, bandwidth, json),
            EstimateCore::Msm {
                curve,
                n,
                part,
                fmax,
                window,
                adders,
                adder_luts,
                single_bank,
                json,
            } => zkhdl::estimate_msm::msm_command(
                &curve,
                n,
                &part,
                fmax,
                window,
                adders,
                adder_luts,
                single_bank,
                json,
            ),
        },
        Command::Golden { op } => match op {
            GoldenOp::Modadd(a) => golden::modadd(&a),
            GoldenOp::Modmul(a) => golden::modmul(&a),
            GoldenOp::Msm {
                curve,
                vectors,
                vectors_out,
                out,
            } => golden::msm(curve.as_deref(), &vectors, &vectors_out, &out),
        },
    }
}

fn gen(core: GenCore) -> Outcome {
    let (cfg, top, out) = match core {
        GenCore::Modmul {
            field,
            opts,
            out,
            top,
        } => (
            CoreConfig::modmul(&field.resolve()?, &opts, "26x17")?,
            top,
            out,
        ),
        GenCore::Modadd { field, out, top } => (CoreConfig::modadd(&field)?, top, out),
        GenCore::PointAdd {
            curve,
            mixed,
            out,
            top,
        } => (CoreConfig::point_add(&curve, mixed)?, top, out),
        GenCore::Msm {
            curve,
            msm,
            out,
            top,
        } => (CoreConfig::msm(&curve, &msm, 1024)?, top, out),
        GenCore::Tile { tile, out, top } => {
            let top = top.unwrap_or_else(|| format!("zk_tile_{tile}"));
            (CoreConfig::tile(&tile)?, top, out)
        }
        GenCore::Ntt {
            field,
            ntt,
            out,
            top,
        } => (CoreConfig::ntt(&field, &ntt, "26x17")?, top, out),
    };
    generate::gen(cfg, top, &out)
}

fn sim(core: SimCore) -> Outcome {
    match core {
        SimCore::Modmul { field, opts, sim } => simulate::modmul(&field, &opts, &sim),
        SimCore::Modadd { field, sim } => simulate::modadd(&field, &sim),
        SimCore::PointAdd { curve, mixed, sim } => simulate::point_add(&curve, mixed, &sim),
        SimCore::Ntt {
            field,
            ntt,
            sim,
            four_step: false,
            ..
        } => simulate::ntt(&field, &ntt, &sim),
        SimCore::Ntt {
            field,
            ntt,
            sim,
            words_per_cycle,
            ..
        } => simulate::ntt_four_step(&field, &ntt, &sim, words_per_cycle),
        SimCore::Msm {
            curve,
            msm,
            sim,
            backpressure,
            watchdog,
            batch,
        } => simulate::msm(
            &curve,
            &msm,
            &sim,
            MsmDrive {
                backpressure,
                watchdog,
                batch,
            },
        ),
    }
}

/// point-add and msm: hierarchical unless --flat.
fn hierarchical(
    core: &zkhdl_hdl::GeneratedCore,
    target: &zkhdl::options::TargetArgs,
    flat: bool,
) -> Outcome {
    if flat {
        synthesis::synth(core, target)
    } else {
        synthesis::synth_hierarchical(core, target)
    }
}

fn synth(core: SynthCore) -> Outcome {
    let (cfg, target) = match core {
        SynthCore::Modadd { field, target } => (CoreConfig::modadd(&field)?, target),
        SynthCore::Modmul {
            field,
            opts,
            target,
        } => {
            let f = field.resolve()?;
            let tile = synthesis::default_tile(&target)?;
            let fpga = synthesis::fpga_target(&target)?;
            (CoreConfig::modmul_for(&f, &opts, tile, fpga)?, target)
        }
        SynthCore::PointAdd {
            curve,
            target,
            flat,
        } => {
            let core = synthesis::p_prime_for_part(&target, &curve, |c| {
                CoreConfig::point_add(c, false)?.generate()
            })?;
            return hierarchical(&core, &target, flat);
        }
        SynthCore::Msm {
            curve,
            msm,
            target,
            flat,
            abstract_adder,
        } => {
            if abstract_adder {
                let c = curve.curve(None)?;
                let cfg = msm.config(&c, curve.adder(&c)?, 1024)?;
                let core = zkhdl_hdl::msm::pipeline_adder::generate_harness(&cfg)?;
                return hierarchical(&core, &target, flat);
            }
            let core = synthesis::p_prime_for_part(&target, &curve, |c| {
                CoreConfig::msm(c, &msm, 1024)?.generate()
            })?;
            return hierarchical(&core, &target, flat);
        }
        SynthCore::Tile { tile, target } => {
            let native = synthesis::default_tile(&target)?;
            (CoreConfig::tile(tile.as_deref().unwrap_or(native))?, target)
        }
        SynthCore::Ntt { field, ntt, target } => {
            let tile = synthesis::default_tile(&target)?;
            (CoreConfig::ntt(&field, &ntt, tile)?, target)
        }
    };
    synthesis::synth(&cfg.generate()?, &target)
}
