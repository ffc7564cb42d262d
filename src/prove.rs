//! `prove`: a core's emitted Verilog proven with SymbiYosys (see `zkhdl_synth::formal` for the
//! property each core carries).

use crate::error::{Failure, Outcome};
use crate::options::{tile_shape, FieldArgs, ModMulArgs};
use crate::report::pretty;
use clap::Args;
use num_bigint::BigUint;
use std::path::PathBuf;
use zkhdl_hdl::msm::MsmConfig;
use zkhdl_hdl::point_add::PointAddConfig;
use zkhdl_hdl::tile::TileConfig;
use zkhdl_synth::formal::{
    self, FormalError, MsmMutant, ProofReport, ProveOptions, Solver, Status,
};

/// Options every proof takes.
#[derive(Args, Clone)]
pub struct ProveArgs {
    /// Depth: k for k-induction, steps for a bounded check (default: the proof's own).
    #[arg(long, value_name = "K")]
    pub depth: Option<usize>,
    /// SMT solver: z3 or yices [default: yices for modmul (z3 did not finish its 16-bit
    /// proofs in 10 minutes), z3 otherwise].
    #[arg(long)]
    pub solver: Option<String>,
    /// Prove the seeded mutant instead (it must fail with a counterexample).
    #[arg(long)]
    pub mutant: bool,
    /// Work folder for SymbiYosys (default: build/prove/<core>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the report as one JSON object.
    #[arg(long)]
    pub json: bool,
}

impl From<FormalError> for Failure {
    fn from(e: FormalError) -> Self {
        let code = match e {
            FormalError::UnknownSolver(_) | FormalError::Generate(_) => 2,
            _ => 3,
        };
        Failure {
            code,
            msg: e.to_string(),
        }
    }
}

impl ProveArgs {
    /// The run options for `core`, checked.
    pub fn options(&self, core: &str) -> Result<ProveOptions, Failure> {
        if self.depth == Some(0) {
            return Err(Failure::input("--depth must be at least 1"));
        }
        Ok(ProveOptions {
            depth: self.depth,
            solver: Solver::parse(self.solver.as_deref().unwrap_or(if core == "modmul" {
                "yices"
            } else {
                "z3"
            }))?,
            mutant: self.mutant,
            dir: self
                .out
                .clone()
                .unwrap_or_else(|| PathBuf::from("build/prove").join(core)),
        })
    }
}

/// Runs `prove` on a proof already chosen by the caller; exit 0 when it passes, 1 otherwise.
fn report(
    args: &ProveArgs,
    run: impl FnOnce(&ProveOptions) -> Result<ProofReport, FormalError>,
    core: &str,
) -> Outcome {
    let opts = args.options(core)?;
    let spin = crate::progress::Spinner::start(
        !args.json,
        format!("prove {core} with SymbiYosys ({})", opts.solver.name()),
    );
    let r = run(&opts)?;
    drop(spin);
    if args.json {
        println!("{}", pretty(&r));
    } else {
        println!("{}: {}", r.core, r.property);
        println!(
            "{} ({} mode, depth {}, {}, {:.1} s){}",
            match r.status {
                Status::Pass => "PASS",
                Status::Fail => "FAIL",
                Status::Unknown => "UNKNOWN",
            },
            r.mode.name(),
            r.depth,
            r.solver.name(),
            r.seconds,
            if r.mutant { ", seeded mutant" } else { "" }
        );
        if let Some(t) = &r.trace {
            println!("counterexample: {}", t.display());
        }
        println!("log: {}", r.log.display());
    }
    Ok(if r.status == Status::Pass { 0 } else { 1 })
}

/// `prove modadd`.
pub fn modadd(field: &FieldArgs, args: &ProveArgs) -> Outcome {
    let f = field.resolve()?;
    let cfg = crate::registry::modadd_config(&f);
    report(args, |o| formal::prove_modadd(&cfg, o), "modadd")
}

/// `prove tile`.
pub fn tile(shape: &str, args: &ProveArgs) -> Outcome {
    let cfg = TileConfig::new(tile_shape(shape)?);
    report(args, |o| formal::prove_tile(&cfg, o), "tile")
}

/// `prove modmul`.
pub fn modmul(field: &FieldArgs, opts: &ModMulArgs, args: &ProveArgs) -> Outcome {
    let cfg = opts.config(&field.resolve()?)?;
    report(args, |o| formal::prove_modmul(&cfg, o), "modmul")
}

/// Options of `prove msm`: the controller's shape (small defaults: a toy field, 5-bit scalars,
/// c = 2, a 2-entry FIFO) and the proof's.
#[derive(Args, Clone)]
pub struct MsmProveArgs {
    /// Window width c (2^(c-1) buckets per window).
    #[arg(long, default_value_t = 2)]
    pub window: usize,
    /// Entries of the parking FIFO (a power of two).
    #[arg(long, default_value_t = 2)]
    pub fifo_depth: usize,
    /// Bits of the scalars (windows: (bits + 1) / c, rounded up).
    #[arg(long, default_value_t = 5)]
    pub scalar_bits: usize,
    /// Steps of every bounded check (default: each job's own, see results/formal.md).
    #[arg(long, value_name = "K")]
    pub depth: Option<usize>,
    /// SMT solver: yices (the default here: z3 is far slower on this design) or z3.
    #[arg(long, default_value = "yices")]
    pub solver: String,
    /// Prove a seeded mutant instead (it must fail): hazard, drop-digit, ready-from-valid or
    /// starve.
    #[arg(long, value_name = "NAME")]
    pub mutant: Option<String>,
    /// Work folder for SymbiYosys (default: build/prove/msm).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the report as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// The toy field of `prove msm`: the controller does no arithmetic (the adder is abstract);
/// p only sets the coordinate width (8 bits) and the room for pair tags (below p).
pub const MSM_TOY_PRIME: u32 = 251;

impl MsmProveArgs {
    /// The controller proven: an a = 0 curve over F_251 (the adder's latency is the real
    /// generator's for that field).
    pub fn config(&self) -> Result<MsmConfig, Failure> {
        if self.scalar_bits == 0 || self.scalar_bits > 32 {
            return Err(Failure::input("--scalar-bits must be between 1 and 32"));
        }
        let adder = PointAddConfig::new("toy", BigUint::from(MSM_TOY_PRIME), 3);
        let mut cfg = MsmConfig::new(adder, self.scalar_bits, self.window);
        cfg.fifo_depth = self.fifo_depth;
        cfg.validate()?;
        Ok(cfg)
    }
}

/// `prove msm`: exit 0 when every job passes, 1 when one fails (or does not finish).
pub fn msm(args: &MsmProveArgs) -> Outcome {
    let cfg = args.config()?;
    let mutant = match &args.mutant {
        Some(n) => Some(MsmMutant::parse(n).map_err(Failure::input)?),
        None => None,
    };
    let common = ProveArgs {
        depth: args.depth,
        solver: Some(args.solver.clone()),
        mutant: mutant.is_some(),
        out: args.out.clone(),
        json: args.json,
    };
    let opts = common.options("msm")?;
    let spin = crate::progress::Spinner::start(
        !args.json,
        format!(
            "prove msm with SymbiYosys ({}): {} jobs",
            opts.solver.name(),
            formal::MSM_JOBS.len()
        ),
    );
    let r = formal::prove_msm(&cfg, mutant, &opts)?;
    drop(spin);
    if args.json {
        println!("{}", pretty(&r));
    } else {
        println!("ready-structure: {}", r.structural.property);
        println!(
            "  {} ({:.1} s)",
            if r.structural.pass { "PASS" } else { "FAIL" },
            r.structural.seconds
        );
        for (name, j) in r.job_names.iter().zip(&r.jobs) {
            println!("{name}: {}", j.property);
            println!(
                "  {} ({} mode, depth {}, {}, {:.1} s)",
                status_word(j.status),
                j.mode.name(),
                j.depth,
                j.solver.name(),
                j.seconds
            );
            if let Some(t) = &j.trace {
                println!("  counterexample: {}", t.display());
            }
        }
        println!(
            "msm: {} ({:.1} s in all){}",
            status_word(r.summary.status),
            r.summary.seconds,
            match mutant {
                Some(m) => format!(", seeded mutant {}", m.name()),
                None => String::new(),
            }
        );
        if !r.failed.is_empty() {
            println!("failed: {}", r.failed.join(", "));
        }
        println!("log: {}", r.summary.log.display());
    }
    Ok(if r.summary.status == Status::Pass {
        0
    } else {
        1
    })
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Unknown => "UNKNOWN",
    }
}
