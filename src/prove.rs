//! `prove`: a core's emitted Verilog proven with SymbiYosys (see `zkhdl_synth::formal` for the
//! property each core carries).

use crate::error::{Failure, Outcome};
use crate::options::{tile_shape, FieldArgs, ModMulArgs};
use crate::report::pretty;
use clap::Args;
use std::path::PathBuf;
use zkhdl_hdl::modadd::ModAddConfig;
use zkhdl_hdl::tile::TileConfig;
use zkhdl_synth::formal::{self, FormalError, ProofReport, ProveOptions, Solver, Status};

/// Options every proof takes.
#[derive(Args, Clone)]
pub struct ProveArgs {
    /// Depth: k for k-induction, steps for a bounded check (default: the proof's own).
    #[arg(long, value_name = "K")]
    pub depth: Option<usize>,
    /// SMT solver: z3 or yices.
    #[arg(long, default_value = "z3")]
    pub solver: String,
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
            solver: Solver::parse(&self.solver)?,
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
    let cfg = ModAddConfig::new(f.modulus().clone(), f.name());
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
