//! `zkhdl`: generate, simulate and check zero-knowledge-proof accelerator cores.
//!
//! Exit codes: 0 success (every result matches golden), 1 a result differs from golden (or
//! a core stopped making progress), 2 bad input or usage, 3 a tool (Verilator, the C++
//! compiler) failed.

use clap::{Args, Parser, Subcommand};
use num_bigint::BigUint;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use zkhdl_golden::vectors::{
    point_add_pairs, random_msm, random_pairs, ModAddExpected, ModMulExpected, MsmExpected,
    MsmFile, PairsFile, PointPairsFile,
};
use zkhdl_golden::{curve::AffineJson, to_hex, Curve, Field, GoldenError};
use zkhdl_hdl::Core;
use zkhdl_sim::run::{Gaps, SimOptions};
use zkhdl_sim::SimError;

#[derive(Parser)]
#[command(
    name = "zkhdl",
    version,
    about = "RTL generators, Verilator simulation against arkworks, and FPGA flows for ZK-proof accelerators"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a core's Verilog and manifest JSON.
    Gen {
        #[command(subcommand)]
        core: GenCore,
    },
    /// Simulate a core's emitted Verilog with Verilator and compare every result with arkworks.
    Sim {
        #[command(subcommand)]
        core: SimCore,
    },
    /// Synthesize a core for an FPGA target (yosys, and nextpnr where the target places).
    Synth {
        #[command(subcommand)]
        core: SynthCore,
    },
    /// Sweep a core's configurations on a target; print and plot the Pareto front.
    Explore {
        #[command(subcommand)]
        core: ExploreCore,
    },
    /// Benchmark a core in Verilator (fresh build, then a long random run) and write results.
    Bench {
        #[command(subcommand)]
        core: BenchCore,
    },
    /// Write test vectors and their golden (arkworks) results.
    Golden {
        #[command(subcommand)]
        op: GoldenOp,
    },
}

#[derive(Args, Clone)]
struct FieldArgs {
    /// Field preset: bls12-381-fq, bls12-381-fr, bn254-fq, bn254-fr, bls12-377-fq, bls12-377-fr.
    #[arg(long)]
    field: Option<String>,
    /// Custom odd prime modulus as hex (0x...), up to 768 bits.
    #[arg(long)]
    modulus: Option<String>,
}

#[derive(Args, Clone)]
struct VectorArgs {
    /// Number of random vectors.
    #[arg(long, conflicts_with = "input")]
    random: Option<usize>,
    /// Seed for --random (printed when chosen for you).
    #[arg(long, requires = "random")]
    seed: Option<u64>,
    /// JSON input file (see README for the format).
    #[arg(long)]
    input: Option<PathBuf>,
}

/// Options of a `modmul` core.
#[derive(Args, Clone)]
struct ModMulArgs {
    /// Architecture: pipelined (a pair per cycle) or iterative (few tiles, many cycles).
    #[arg(long, default_value = "pipelined")]
    arch: String,
    /// Tile shape: 16x16 (iCE40), 18x18 (ECP5), 26x17 (DSP48E2), 27x27 (Intel). Default:
    /// 26x17, or the target's own shape for `synth`.
    #[arg(long)]
    tile: Option<String>,
    /// Karatsuba-Ofman levels, 0 to 4 (each taken only where it saves tiles).
    #[arg(long, default_value_t = 3)]
    karatsuba: usize,
    /// Tiles of the iterative architecture.
    #[arg(long, default_value_t = 4)]
    tiles: usize,
}

impl ModMulArgs {
    fn config(&self, f: &Field) -> Result<zkhdl_hdl::modmul::ModMulConfig, Failure> {
        self.config_with_default(f, "26x17")
    }

    fn config_with_default(
        &self,
        f: &Field,
        default_tile: &str,
    ) -> Result<zkhdl_hdl::modmul::ModMulConfig, Failure> {
        let tile = self.tile.as_deref().unwrap_or(default_tile);
        use zkhdl_hdl::modmul::Architecture;
        use zkhdl_hdl::tile::TileShape;
        let mut c = zkhdl_hdl::modmul::ModMulConfig::new(f.modulus().clone(), f.name());
        c.architecture = Architecture::from_flags(&self.arch, self.karatsuba, self.tiles)
            .ok_or_else(|| {
                Failure::input(format!(
                    "unknown --arch {:?}: use pipelined or iterative",
                    self.arch
                ))
            })?;
        c.tile = TileShape::parse(tile).ok_or_else(|| {
            Failure::input(format!(
                "unknown --tile {tile:?}: use 16x16, 18x18, 26x17 or 27x27"
            ))
        })?;
        c.validate()?;
        Ok(c)
    }
}

/// Options of the point adder (and the MSM around it).
#[derive(Args, Clone)]
struct CurveArgs {
    /// Curve: bls12-381, bn254 or bls12-377 (G1). Default: the input file's, else bls12-381.
    #[arg(long)]
    curve: Option<String>,
    /// Tile shape of the multipliers: 16x16, 18x18, 26x17 or 27x27.
    #[arg(long, default_value = "26x17")]
    tile: String,
    /// Karatsuba-Ofman levels of the multipliers, 0 to 4.
    #[arg(long, default_value_t = 3)]
    karatsuba: usize,
}

impl CurveArgs {
    /// The curve: --curve, else the input file's, else bls12-381; the two must agree.
    fn curve(&self, from_file: Option<&str>) -> Result<Curve, Failure> {
        match (self.curve.as_deref(), from_file) {
            (Some(a), Some(b)) if a != b => Err(Failure::input(format!(
                "--curve {a} but the input file is for {b}"
            ))),
            (Some(a), _) | (None, Some(a)) => Ok(Curve::from_name(a)?),
            (None, None) => Ok(Curve::from_name("bls12-381")?),
        }
    }

    fn adder(&self, curve: &Curve) -> Result<zkhdl_hdl::point_add::PointAddConfig, Failure> {
        let mut cfg = zkhdl_sim::point_add::config_for(curve);
        cfg.tile = zkhdl_hdl::tile::TileShape::parse(&self.tile).ok_or_else(|| {
            Failure::input(format!(
                "unknown --tile {:?}: use 16x16, 18x18, 26x17 or 27x27",
                self.tile
            ))
        })?;
        cfg.karatsuba = self.karatsuba;
        cfg.validate()?;
        Ok(cfg)
    }
}

/// Options of the MSM core.
#[derive(Args, Clone)]
struct MsmArgs {
    /// Window width c (2^(c-1) buckets per window), 2 to 16. Default: the c with the fewest
    /// estimated cycles for N.
    #[arg(long)]
    window: Option<usize>,
    /// Entries of the parking FIFO for points whose bucket is busy (a power of two).
    #[arg(long, default_value_t = 16)]
    fifo_depth: usize,
    /// Hand the buckets to the host after accumulation (the host aggregates them) instead of
    /// aggregating and combining the windows in hardware.
    #[arg(long)]
    host_aggregation: bool,
}

impl MsmArgs {
    fn config(
        &self,
        curve: &Curve,
        adder: zkhdl_hdl::point_add::PointAddConfig,
        n: usize,
    ) -> Result<zkhdl_hdl::msm::MsmConfig, Failure> {
        let latency = zkhdl_hdl::point_add::plan(&adder)?.latency;
        let bits = curve.scalar_field().bits();
        let c = self
            .window
            .unwrap_or_else(|| zkhdl_hdl::msm::best_window(n, bits, latency));
        let mut cfg = zkhdl_hdl::msm::MsmConfig::new(adder, bits, c);
        cfg.fifo_depth = self.fifo_depth;
        cfg.host_aggregation = self.host_aggregation;
        cfg.validate()?;
        Ok(cfg)
    }
}

#[derive(Subcommand)]
enum GenCore {
    /// Montgomery modular multiplier.
    Modmul {
        #[command(flatten)]
        field: FieldArgs,
        #[command(flatten)]
        opts: ModMulArgs,
        /// Output folder for <top>.v and <top>.json.
        #[arg(long)]
        out: PathBuf,
        /// Name of the top Verilog module.
        #[arg(long, default_value = "zk_modmul")]
        top: String,
    },
    /// Pipelined modular adder/subtractor.
    Modadd {
        #[command(flatten)]
        field: FieldArgs,
        /// Output folder for <top>.v and <top>.json.
        #[arg(long)]
        out: PathBuf,
        /// Name of the top Verilog module.
        #[arg(long, default_value = "zk_modadd")]
        top: String,
    },
    /// Complete projective point adder (Renes-Costello-Batina Alg. 7), one addition per cycle.
    PointAdd {
        #[command(flatten)]
        curve: CurveArgs,
        /// Output folder for <top>.v and <top>.json.
        #[arg(long)]
        out: PathBuf,
        /// Name of the top Verilog module.
        #[arg(long, default_value = "zk_point_add")]
        top: String,
    },
    /// Pippenger MSM core around one point adder.
    Msm {
        #[command(flatten)]
        curve: CurveArgs,
        #[command(flatten)]
        msm: MsmArgs,
        /// Output folder for <top>.v and <top>.json.
        #[arg(long)]
        out: PathBuf,
        /// Name of the top Verilog module.
        #[arg(long, default_value = "zk_msm")]
        top: String,
    },
}

#[derive(Args, Clone)]
struct SimArgs {
    #[command(flatten)]
    vectors: VectorArgs,
    /// Print one JSON object instead of a summary.
    #[arg(long)]
    json: bool,
    /// Write a waveform (VCD; FST when the name ends in .fst).
    #[arg(long)]
    trace: Option<PathBuf>,
    /// Hold in_valid low on random cycles with this probability (0 to 0.95).
    #[arg(long, value_name = "P")]
    gaps: Option<f64>,
    /// Verilator --threads for the model.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Build cache folder (default: $ZKHDL_CACHE_DIR or ~/.cache/zkhdl).
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Simulator: verilator (fast, cached builds) or iverilog (independent cross-check).
    #[arg(long, value_enum, default_value_t = Simulator::Verilator)]
    simulator: Simulator,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Simulator {
    Verilator,
    Iverilog,
}

impl Simulator {
    fn name(self) -> &'static str {
        match self {
            Simulator::Verilator => "verilator",
            Simulator::Iverilog => "iverilog",
        }
    }
}

#[derive(Subcommand)]
enum SimCore {
    /// Montgomery modular multiplier: products of canonical pairs (converted to and from the
    /// Montgomery domain by the simulator).
    Modmul {
        #[command(flatten)]
        field: FieldArgs,
        #[command(flatten)]
        opts: ModMulArgs,
        #[command(flatten)]
        sim: SimArgs,
    },
    /// Modular adder/subtractor: each pair gives a sum and a difference.
    Modadd {
        #[command(flatten)]
        field: FieldArgs,
        #[command(flatten)]
        sim: SimArgs,
    },
    /// Point adder: P + Q for each pair, checked against arkworks and bit-exact against the
    /// formula's software model. Input file: {"curve": C, "pairs": [[P, Q], ...]}.
    PointAdd {
        #[command(flatten)]
        curve: CurveArgs,
        #[command(flatten)]
        sim: SimArgs,
    },
    /// MSM: sum k_i P_i in hardware, checked against arkworks. Input file: {"curve": C,
    /// "points": [{"x","y"} | "infinity", ...], "scalars": [...]}.
    Msm {
        #[command(flatten)]
        curve: CurveArgs,
        #[command(flatten)]
        msm: MsmArgs,
        #[command(flatten)]
        sim: SimArgs,
        /// Hold out_ready low on random cycles with this probability (0 to 0.95).
        #[arg(long, value_name = "P")]
        backpressure: Option<f64>,
        /// Fail if nothing moves for this many cycles (default: from the configuration).
        #[arg(long)]
        watchdog: Option<u64>,
    },
}

#[derive(Args, Clone)]
struct TargetArgs {
    /// ecp5-85k (placed and routed), ice40-up5k (placed and routed), xcup (UltraScale+
    /// resource counts) or generic (gate-level estimate).
    #[arg(long)]
    target: String,
    /// Clock constraint in MHz (default: 100 for ECP5, 24 for iCE40).
    #[arg(long)]
    freq: Option<f64>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// Work folder for the tools' logs and netlists (default: build/synth/<core>-<target>).
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Subcommand)]
enum SynthCore {
    /// Modular adder/subtractor.
    Modadd {
        #[command(flatten)]
        field: FieldArgs,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Montgomery modular multiplier.
    Modmul {
        #[command(flatten)]
        field: FieldArgs,
        #[command(flatten)]
        opts: ModMulArgs,
        #[command(flatten)]
        target: TargetArgs,
    },
}

#[derive(Subcommand)]
enum ExploreCore {
    /// Sweep tile shapes, Karatsuba levels, architectures and iterative tile counts.
    Modmul {
        #[command(flatten)]
        field: FieldArgs,
        #[command(flatten)]
        target: TargetArgs,
        /// Tile shapes to try, comma separated (default: the target's DSP shape).
        #[arg(long)]
        tile_shapes: Option<String>,
        /// Karatsuba levels for the pipelined architecture, comma separated.
        #[arg(long, default_value = "0,2,3")]
        levels: String,
        /// Tile counts for the iterative architecture, comma separated.
        #[arg(long, default_value = "1,2,4,8")]
        iterative_tiles: String,
        /// Architectures, comma separated.
        #[arg(long, default_value = "pipelined,iterative")]
        archs: String,
        /// Area axis: luts, ffs or dsps.
        #[arg(long, default_value = "luts")]
        area: String,
    },
}

#[derive(Subcommand)]
enum BenchCore {
    /// MSM: adder utilization, cycles against the bound, cycles/s and build time.
    Msm {
        #[command(flatten)]
        curve: CurveArgs,
        #[command(flatten)]
        msm: MsmArgs,
        /// Random pairs.
        #[arg(long, default_value_t = 4096)]
        n: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Results file (JSON); a Markdown table is written beside it (.md).
        #[arg(long, default_value = "results/msm-bench.json")]
        out: PathBuf,
    },
    /// Simulated cycles/s and verilate+compile time of a modmul core.
    Modmul {
        #[command(flatten)]
        field: FieldArgs,
        #[command(flatten)]
        opts: ModMulArgs,
        /// Random operand pairs to push through.
        #[arg(long, default_value_t = 200_000)]
        n: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Results file (JSON); a Markdown table is written beside it (.md).
        #[arg(long, default_value = "results/modmul-bench.json")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum GoldenOp {
    /// Sums and differences of pairs.
    Modadd(GoldenPairsArgs),
    /// Products of pairs.
    Modmul(GoldenPairsArgs),
    /// Multi-scalar multiplication of (point, scalar) pairs.
    Msm {
        /// Curve: bls12-381, bn254, bls12-377 (with --random).
        #[arg(long)]
        curve: Option<String>,
        #[command(flatten)]
        vectors: VectorArgs,
        /// Also write the input vectors to this file.
        #[arg(long)]
        vectors_out: Option<PathBuf>,
        /// Write the expected result here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Args)]
struct GoldenPairsArgs {
    #[command(flatten)]
    field: FieldArgs,
    #[command(flatten)]
    vectors: VectorArgs,
    /// Also write the input vectors to this file.
    #[arg(long)]
    vectors_out: Option<PathBuf>,
    /// Write the expected results here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// A failure with its exit code; the message is one line.
struct Failure {
    code: u8,
    msg: String,
}

impl Failure {
    fn input(msg: impl std::fmt::Display) -> Self {
        Failure {
            code: 2,
            msg: msg.to_string(),
        }
    }
}

impl From<GoldenError> for Failure {
    fn from(e: GoldenError) -> Self {
        Failure::input(e)
    }
}

impl From<SimError> for Failure {
    fn from(e: SimError) -> Self {
        let code = match e {
            SimError::UnknownPort { .. } | SimError::WidthMismatch { .. } => 2,
            // A core that stops making progress is wrong RTL, not a failed tool.
            SimError::Watchdog(_) => 1,
            _ => 3,
        };
        Failure {
            code,
            msg: e.to_string(),
        }
    }
}

impl From<zkhdl_hdl::HdlError> for Failure {
    fn from(e: zkhdl_hdl::HdlError) -> Self {
        Failure::input(e)
    }
}

fn main() -> ExitCode {
    // A bug must still end in one line, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("zkhdl: internal error{at}: {msg} (please report this with the command line)");
    }));
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("zkhdl: error: {}", f.msg);
            ExitCode::from(f.code)
        }
    }
}

fn run(cli: Cli) -> Result<u8, Failure> {
    match cli.command {
        Command::Gen { core } => gen(core),
        Command::Sim { core } => sim(core),
        Command::Golden { op } => golden(op),
        Command::Bench { core } => bench(core),
        Command::Synth { core } => synth_cmd(core),
        Command::Explore { core } => explore(core),
    }
}

fn read_file(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .map_err(|e| Failure::input(format!("cannot read {}: {e}", path.display())))
}

fn write_file(path: &Path, text: &str) -> Result<(), Failure> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::input(format!("cannot create {}: {e}", dir.display())))?;
    }
    std::fs::write(path, text)
        .map_err(|e| Failure::input(format!("cannot write {}: {e}", path.display())))
}

/// The seed to use: the given one, or a fresh one that is printed so the run can be replayed.
fn seed_or_fresh(seed: Option<u64>) -> u64 {
    seed.unwrap_or_else(|| {
        let s = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64 % 1_000_000_007);
        eprintln!("zkhdl: no --seed given, using --seed {s}");
        s
    })
}

/// Field and pairs for a core whose options must be valid before any work (or any output).
fn load_pairs_checked<T>(
    field: &FieldArgs,
    v: &VectorArgs,
    check: impl Fn(&Field) -> Result<T, Failure>,
) -> Result<(Field, Pairs, Option<u64>, T), Failure> {
    // Resolve the field without generating vectors, validate, then load for real.
    let f = match &v.input {
        Some(path) => PairsFile::from_json(&read_file(path)?)
            .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?
            .resolve_field(field.field.as_deref(), field.modulus.as_deref())?,
        None => Field::resolve(field.field.as_deref(), field.modulus.as_deref())?,
    };
    let t = check(&f)?;
    let (f, pairs, seed) = load_pairs(field, v)?;
    Ok((f, pairs, seed, t))
}

/// Canonical operand pairs.
type Pairs = Vec<(BigUint, BigUint)>;

/// Field and operand pairs from --input or --random, with --field/--modulus.
fn load_pairs(field: &FieldArgs, v: &VectorArgs) -> Result<(Field, Pairs, Option<u64>), Failure> {
    match (&v.input, v.random) {
        (Some(path), None) => {
            let file = PairsFile::from_json(&read_file(path)?)
                .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
            let f = file.resolve_field(field.field.as_deref(), field.modulus.as_deref())?;
            let pairs = file
                .parse_pairs(&f)
                .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
            Ok((f, pairs, None))
        }
        (None, Some(n)) => {
            let f = Field::resolve(field.field.as_deref(), field.modulus.as_deref())?;
            let seed = seed_or_fresh(v.seed);
            Ok((f.clone(), random_pairs(&f, n, seed), Some(seed)))
        }
        _ => Err(Failure::input(
            "give the vectors: --random N [--seed S] or --input FILE",
        )),
    }
}

fn gen(core: GenCore) -> Result<u8, Failure> {
    match core {
        GenCore::Modmul {
            field,
            opts,
            out,
            top,
        } => {
            let f = Field::resolve(field.field.as_deref(), field.modulus.as_deref())?;
            let mut cfg = opts.config(&f)?;
            cfg.top = top;
            let core = cfg.generate()?;
            for p in core.write(&out)? {
                println!("wrote {}", p.display());
            }
            println!(
                "{}: {} tiles ({}), latency {}, initiation interval {}",
                core.manifest.top,
                core.manifest.tiles,
                cfg.tile.name(),
                core.manifest.latency,
                core.manifest.initiation_interval
            );
            Ok(0)
        }
        GenCore::Modadd { field, out, top } => {
            let f = Field::resolve(field.field.as_deref(), field.modulus.as_deref())?;
            let mut cfg = zkhdl_hdl::modadd::ModAddConfig::new(f.modulus().clone(), f.name());
            cfg.top = top;
            let core = cfg.generate()?;
            for p in core.write(&out)? {
                println!("wrote {}", p.display());
            }
            Ok(0)
        }
        GenCore::PointAdd { curve, out, top } => {
            let c = curve.curve(None)?;
            let mut cfg = curve.adder(&c)?;
            cfg.top = top;
            let core = cfg.generate()?;
            for p in core.write(&out)? {
                println!("wrote {}", p.display());
            }
            println!(
                "{}: {} G1, {} tiles ({}), latency {}, one addition per cycle",
                core.manifest.top,
                c.name(),
                core.manifest.tiles,
                cfg.tile.name(),
                core.manifest.latency
            );
            Ok(0)
        }
        GenCore::Msm {
            curve,
            msm,
            out,
            top,
        } => {
            let c = curve.curve(None)?;
            let mut cfg = msm.config(&c, curve.adder(&c)?, 1024)?;
            cfg.top = top;
            let core = cfg.generate()?;
            for p in core.write(&out)? {
                println!("wrote {}", p.display());
            }
            println!(
                "{}: {} G1, c = {}, {} windows x {} buckets, adder latency {}, {} tiles",
                core.manifest.top,
                c.name(),
                cfg.window,
                cfg.windows(),
                cfg.buckets(),
                core.manifest.latency,
                core.manifest.tiles
            );
            Ok(0)
        }
    }
}

fn sim_options(s: &SimArgs, seed: Option<u64>) -> Result<SimOptions, Failure> {
    let mut opts = SimOptions {
        trace: s.trace.clone(),
        progress: !s.json,
        ..Default::default()
    };
    if s.threads == 0 {
        return Err(Failure::input("--threads must be at least 1"));
    }
    opts.build.threads = s.threads;
    if let Some(d) = &s.cache_dir {
        opts.build.cache_dir = d.clone();
    }
    if let Some(p) = s.gaps {
        if !(0.0..=0.95).contains(&p) {
            return Err(Failure::input(
                "--gaps must be a probability between 0 and 0.95",
            ));
        }
        opts.gaps = Some(Gaps {
            seed: seed.unwrap_or(0),
            idle_probability: p,
        });
    }
    Ok(opts)
}

fn sim(core: SimCore) -> Result<u8, Failure> {
    match core {
        SimCore::PointAdd { curve, sim } => sim_point_add(curve, sim),
        SimCore::Msm {
            curve,
            msm,
            sim,
            backpressure,
            watchdog,
        } => sim_msm(curve, msm, sim, backpressure, watchdog),
        SimCore::Modmul { field, opts, sim } => {
            let (f, pairs, seed, cfg) =
                load_pairs_checked(&field, &sim.vectors, |f| opts.config(f))?;
            let sopts = sim_options(&sim, seed)?;
            if sim.simulator == Simulator::Iverilog && sim.trace.is_some() {
                return Err(Failure::input("--trace needs --simulator verilator"));
            }
            let run = match sim.simulator {
                Simulator::Verilator => zkhdl_sim::modmul::simulate(&cfg, &f, &pairs, &sopts)?,
                Simulator::Iverilog => {
                    zkhdl_sim::modmul::simulate_iverilog(&cfg, &f, &pairs, &sopts)?
                }
            };
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
            Ok(if ok { 0 } else { 1 })
        }
        SimCore::Modadd { field, sim } => {
            let (f, pairs, seed) = load_pairs(&field, &sim.vectors)?;
            let opts = sim_options(&sim, seed)?;
            if sim.simulator == Simulator::Iverilog && sim.trace.is_some() {
                return Err(Failure::input("--trace needs --simulator verilator"));
            }
            let run = match sim.simulator {
                Simulator::Verilator => zkhdl_sim::modadd::simulate(&f, &pairs, &opts)?,
                Simulator::Iverilog => zkhdl_sim::modadd::simulate_iverilog(&f, &pairs, &opts)?,
            };
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
            if let Some(t) = &sim.trace {
                eprintln!("zkhdl: waveform written to {}", t.display());
            }
            Ok(if ok { 0 } else { 1 })
        }
    }
}

/// One synthesis of a generated core: Verilog written to the work folder, the serial I/O
/// harness added for iCE40 (its package has 39 pins).
fn synthesize(
    core: &zkhdl_hdl::GeneratedCore,
    target: zkhdl_synth::Target,
    freq: f64,
    dir: &Path,
) -> Result<zkhdl_synth::Report, Failure> {
    let files = core.write(dir)?;
    let mut verilog = vec![files[0].clone()];
    let mut top = core.manifest.top.clone();
    if target == zkhdl_synth::Target::Ice40Up5k {
        let ports: Vec<zkhdl_synth::harness::HarnessPort> = core
            .manifest
            .ports
            .iter()
            .filter(|p| p.name != core.manifest.clock)
            .map(|p| zkhdl_synth::harness::HarnessPort {
                name: p.name.clone(),
                width: p.width,
                input: p.direction == zkhdl_hdl::Direction::Input,
            })
            .collect();
        let wrapper = format!("{top}_serial");
        let text =
            zkhdl_synth::harness::serial_wrapper(&wrapper, &top, &core.manifest.clock, &ports);
        let path = dir.join(format!("{wrapper}.v"));
        write_file(&path, &text)?;
        verilog.push(path);
        top = wrapper;
    }
    eprintln!(
        "zkhdl: synthesizing {} for {} (yosys{}; large cores take minutes, logs in {})",
        core.manifest.top,
        target.name(),
        if target.places() { " + nextpnr" } else { "" },
        dir.display()
    );
    zkhdl_synth::run(target, &top, &verilog, freq, dir).map_err(|e| Failure {
        code: match e {
            zkhdl_synth::SynthError::DoesNotFit { .. }
            | zkhdl_synth::SynthError::UnknownTarget(_) => 2,
            _ => 3,
        },
        msg: e.to_string(),
    })
}

fn synth_report_json(core: &zkhdl_hdl::GeneratedCore, r: &zkhdl_synth::Report) -> Value {
    let ii = core.manifest.initiation_interval.max(1) as f64;
    json!({
        "core": core.manifest.core,
        "top": core.manifest.top,
        "target": r.target,
        "luts": r.luts,
        "ffs": r.ffs,
        "dsps": r.dsps,
        "brams": r.brams,
        "fmax_mhz": r.fmax_mhz,
        "freq_constraint_mhz": r.freq_constraint_mhz,
        "latency": core.manifest.latency,
        "initiation_interval": core.manifest.initiation_interval,
        "throughput_mops": r.fmax_mhz.map(|f| f / ii),
        "tiles": core.manifest.tiles,
        "cells": r.cells,
        "utilization": r.utilization,
        "synth_s": r.synth_s,
        "pnr_s": r.pnr_s,
        "dir": r.dir,
    })
}

/// The tile shape of a target's DSP blocks.
fn native_tile(t: zkhdl_synth::Target) -> &'static str {
    match t {
        zkhdl_synth::Target::Ecp5_85k => "18x18",
        zkhdl_synth::Target::Ice40Up5k | zkhdl_synth::Target::Generic => "16x16",
        zkhdl_synth::Target::Xcup => "26x17",
    }
}

fn synth_cmd(core: SynthCore) -> Result<u8, Failure> {
    let (generated, t) = match core {
        SynthCore::Modadd { field, target } => {
            let f = Field::resolve(field.field.as_deref(), field.modulus.as_deref())?;
            let c =
                zkhdl_hdl::modadd::ModAddConfig::new(f.modulus().clone(), f.name()).generate()?;
            (c, target)
        }
        SynthCore::Modmul {
            field,
            opts,
            target,
        } => {
            let f = Field::resolve(field.field.as_deref(), field.modulus.as_deref())?;
            let t = zkhdl_synth::Target::parse(&target.target).map_err(Failure::input)?;
            (
                opts.config_with_default(&f, native_tile(t))?.generate()?,
                target,
            )
        }
    };
    let target = zkhdl_synth::Target::parse(&t.target).map_err(Failure::input)?;
    let freq = t.freq.unwrap_or(target.default_freq_mhz());
    let dir = t.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "build/synth/{}-{}",
            generated.manifest.core,
            target.name()
        ))
    });
    let r = synthesize(&generated, target, freq, &dir)?;
    let v = synth_report_json(&generated, &r);
    if t.json {
        println!("{}", serde_json::to_string_pretty(&v).expect("json"));
    } else {
        let fmax = r.fmax_mhz.map_or("-".to_string(), |f| format!("{f:.1}"));
        let thr = r.fmax_mhz.map_or("-".to_string(), |f| {
            format!(
                "{:.3}",
                f / generated.manifest.initiation_interval.max(1) as f64
            )
        });
        println!("| core | target | LUTs | FFs | DSPs | BRAMs | Fmax MHz | latency | II | Mops/s | tiles |");
        println!("|---|---|---|---|---|---|---|---|---|---|---|");
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            generated.manifest.top,
            target.name(),
            r.luts,
            r.ffs,
            r.dsps,
            r.brams,
            fmax,
            generated.manifest.latency,
            generated.manifest.initiation_interval,
            thr,
            generated.manifest.tiles
        );
        if target == zkhdl_synth::Target::Ice40Up5k {
            println!("(iCE40 figures include the serial I/O harness: one FF per port bit, one LUT per output bit)");
        }
        println!(
            "synthesis {:.1} s, place and route {:.1} s; logs in {}",
            r.synth_s,
            r.pnr_s,
            r.dir.display()
        );
    }
    Ok(0)
}

fn explore(core: ExploreCore) -> Result<u8, Failure> {
    let ExploreCore::Modmul {
        field,
        target: t,
        tile_shapes,
        levels,
        iterative_tiles,
        archs,
        area,
    } = core;
    let f = Field::resolve(field.field.as_deref(), field.modulus.as_deref())?;
    let target = zkhdl_synth::Target::parse(&t.target).map_err(Failure::input)?;
    let freq = t.freq.unwrap_or(target.default_freq_mhz());
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
                let cfg = a.config(&f)?;
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
    for (i, (label, cfg)) in configs.iter().enumerate() {
        eprintln!("zkhdl: explore [{}/{}] {label}", i + 1, configs.len());
        let core = cfg.generate()?;
        let dir = root.join(format!("{i:02}"));
        match synthesize(&core, target, freq, &dir) {
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
                eprintln!("zkhdl: explore: {label}: {}", e.msg);
                rows.push(json!({"label": label, "error": e.msg}));
            }
            Err(e) => return Err(e),
        }
    }
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
    write_file(
        &root.join("explore.json"),
        &(serde_json::to_string_pretty(&out).expect("json") + "\n"),
    )?;
    if t.json {
        println!("{}", serde_json::to_string_pretty(&out).expect("json"));
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

fn bench(core: BenchCore) -> Result<u8, Failure> {
    let (field, opts, n, seed, out) = match core {
        BenchCore::Msm {
            curve,
            msm,
            n,
            seed,
            out,
        } => return bench_msm(curve, msm, n, seed, out),
        BenchCore::Modmul {
            field,
            opts,
            n,
            seed,
            out,
        } => (field, opts, n, seed, out),
    };
    let f = Field::resolve(field.field.as_deref(), field.modulus.as_deref())?;
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
    write_file(
        &out,
        &(serde_json::to_string_pretty(&result).expect("json") + "\n"),
    )?;
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
    Ok(if run.matches_golden() { 0 } else { 1 })
}

/// The fields every `sim --json` object shares: the verdict, the first mismatches, stream
/// errors, cycles, latency, timing and the build report.
/// Prints a field core's `--json` object: `out` plus the fields every run reports.
fn print_run_json(
    mut out: Value,
    ok: bool,
    mismatches: &[zkhdl_sim::run::Mismatch],
    stream_errors: &[String],
    (cycles, latency, wall_s): (u64, usize, f64),
    build: &Option<zkhdl_sim::BuildReport>,
) {
    let fields = json!({
        "matches_golden": ok,
        "mismatches": mismatches.iter().take(20).collect::<Vec<_>>(),
        "mismatch_count": mismatches.len(),
        "stream_errors": stream_errors,
        "cycles": cycles,
        "latency": latency,
        "wall_s": wall_s,
        "cycles_per_s": zkhdl_sim::run::rate(cycles, wall_s),
        "build": build,
    });
    if let (Some(o), Some(f)) = (out.as_object_mut(), fields.as_object()) {
        o.extend(f.clone());
    }
    println!("{}", serde_json::to_string_pretty(&out).expect("json"));
}

fn print_build(b: &Option<zkhdl_sim::BuildReport>) {
    if let Some(b) = b {
        println!(
            "build: {} ({:.2} s verilate, {:.2} s compile) in {}",
            if b.cache_hit { "cached" } else { "fresh" },
            b.verilate_s,
            b.compile_s,
            b.dir.display()
        );
    }
}

fn print_verdict(ok: bool, stream_errors: &[String], mismatches: &[zkhdl_sim::run::Mismatch]) {
    for e in stream_errors {
        println!("STREAM ERROR: {e}");
    }
    for m in mismatches.iter().take(10) {
        println!(
            "MISMATCH #{} {}({}): expected {} got {} (cycle {})",
            m.index,
            m.operation,
            m.inputs.join(", "),
            m.expected,
            m.got,
            m.cycle
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

fn emit(out: &Option<PathBuf>, v: &Value) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(v).expect("json") + "\n";
    match out {
        Some(p) => write_file(p, &text),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

/// Writes the pairs (when asked) and their expected results.
fn golden_pairs(
    a: GoldenPairsArgs,
    expected: impl Fn(&Field, &[(BigUint, BigUint)]) -> Value,
) -> Result<u8, Failure> {
    let (f, pairs, _) = load_pairs(&a.field, &a.vectors)?;
    if let Some(p) = &a.vectors_out {
        let text = serde_json::to_string_pretty(&PairsFile::new(&f, &pairs)).expect("json");
        write_file(p, &(text + "\n"))?;
    }
    emit(&a.out, &expected(&f, &pairs))?;
    Ok(0)
}

fn golden(op: GoldenOp) -> Result<u8, Failure> {
    match op {
        GoldenOp::Modadd(a) => golden_pairs(a, |f, p| {
            serde_json::to_value(ModAddExpected::compute(f, p)).expect("json")
        }),
        GoldenOp::Modmul(a) => golden_pairs(a, |f, p| {
            serde_json::to_value(ModMulExpected::compute(f, p)).expect("json")
        }),
        GoldenOp::Msm {
            curve,
            vectors,
            vectors_out,
            out,
        } => {
            let (c, points, scalars) = match (&vectors.input, vectors.random) {
                (Some(path), None) => {
                    let file = MsmFile::from_json(&read_file(path)?)
                        .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
                    file.parse()
                        .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?
                }
                (None, Some(n)) => {
                    let c = Curve::from_name(curve.as_deref().unwrap_or("bls12-381"))?;
                    let (points, scalars) = random_msm(&c, n, seed_or_fresh(vectors.seed));
                    (c, points, scalars)
                }
                _ => {
                    return Err(Failure::input(
                        "give the vectors: --random N [--seed S] or --input FILE",
                    ))
                }
            };
            if let Some(p) = &vectors_out {
                let file = MsmFile {
                    curve: c.name().into(),
                    points: points.iter().map(AffineJson::from_affine).collect(),
                    scalars: scalars.iter().map(to_hex).collect(),
                };
                write_file(
                    p,
                    &(serde_json::to_string_pretty(&file).expect("json") + "\n"),
                )?;
            }
            let r = MsmExpected {
                result: AffineJson::from_affine(&c.msm(&points, &scalars)),
            };
            emit(&out, &serde_json::to_value(r).expect("json"))?;
            Ok(0)
        }
    }
}

/// Only Verilator runs the MSM (Icarus takes about a second per 5 cycles of the 5,000-tile
/// adder, and an MSM runs tens of thousands).
fn verilator_only(sim: &SimArgs, core: &str) -> Result<(), Failure> {
    if sim.simulator != Simulator::Verilator {
        return Err(Failure::input(format!(
            "{core} runs in Verilator only (--simulator verilator)"
        )));
    }
    Ok(())
}

fn affine_json(p: &zkhdl_golden::Affine) -> Value {
    serde_json::to_value(AffineJson::from_affine(p)).expect("json")
}

fn sim_point_add(curve: CurveArgs, sim: SimArgs) -> Result<u8, Failure> {
    if sim.simulator == Simulator::Iverilog && sim.trace.is_some() {
        return Err(Failure::input("--trace needs --simulator verilator"));
    }
    let (c, pairs, seed) = match (&sim.vectors.input, sim.vectors.random) {
        (Some(path), None) => {
            let file = PointPairsFile::from_json(&read_file(path)?)
                .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
            let c = curve.curve(Some(&file.curve))?;
            let (_, pairs) = file
                .parse()
                .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
            let proj = pairs
                .iter()
                .map(|(p, q)| {
                    (
                        zkhdl_golden::rcb::Projective::from_affine(p),
                        zkhdl_golden::rcb::Projective::from_affine(q),
                    )
                })
                .collect::<Vec<_>>();
            (c, proj, None)
        }
        (None, Some(n)) => {
            let c = curve.curve(None)?;
            let seed = seed_or_fresh(sim.vectors.seed);
            (c, point_add_pairs(&c, n, seed), Some(seed))
        }
        _ => {
            return Err(Failure::input(
                "give the vectors: --random N [--seed S] or --input FILE",
            ))
        }
    };
    let cfg = curve.adder(&c)?;
    let opts = sim_options(&sim, seed)?;
    let run = match sim.simulator {
        Simulator::Verilator => zkhdl_sim::point_add::simulate(&cfg, &c, &pairs, &opts)?,
        Simulator::Iverilog => zkhdl_sim::point_add::simulate_iverilog(&cfg, &c, &pairs, &opts)?,
    };
    let ok = run.matches_golden();
    if sim.json {
        let out = json!({
            "core": "point_add",
            "simulator": sim.simulator.name(),
            "curve": c.name(),
            "tile": cfg.tile.name(),
            "karatsuba": cfg.karatsuba,
            "n": pairs.len(),
            "seed": seed,
            "results": run.results.iter().map(affine_json).collect::<Vec<_>>(),
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
            "point-add {} G1, 12 multipliers, {} {} tiles in all, Karatsuba {}: {} pairs",
            c.name(),
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
    if let Some(t) = &sim.trace {
        eprintln!("zkhdl: waveform written to {}", t.display());
    }
    Ok(if ok { 0 } else { 1 })
}

fn probability(flag: &str, p: Option<f64>) -> Result<f64, Failure> {
    match p {
        Some(p) if !(0.0..=0.95).contains(&p) => Err(Failure::input(format!(
            "{flag} must be a probability between 0 and 0.95"
        ))),
        Some(p) => Ok(p),
        None => Ok(0.0),
    }
}

/// An MSM's curve, points, scalars and the seed they came from (if random).
type MsmInput = (Curve, Vec<zkhdl_golden::Affine>, Vec<BigUint>, Option<u64>);

/// Curve, points and scalars from --input or --random.
fn load_msm(curve: &CurveArgs, v: &VectorArgs) -> Result<MsmInput, Failure> {
    match (&v.input, v.random) {
        (Some(path), None) => {
            let file = MsmFile::from_json(&read_file(path)?)
                .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
            curve.curve(Some(&file.curve))?;
            let (c, p, s) = file
                .parse()
                .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
            Ok((c, p, s, None))
        }
        (None, Some(n)) => {
            let c = curve.curve(None)?;
            let seed = seed_or_fresh(v.seed);
            let (p, s) = random_msm(&c, n, seed);
            Ok((c, p, s, Some(seed)))
        }
        _ => Err(Failure::input(
            "give the vectors: --random N [--seed S] or --input FILE",
        )),
    }
}

fn msm_json(
    c: &Curve,
    cfg: &zkhdl_hdl::msm::MsmConfig,
    run: &zkhdl_sim::msm::MsmRun,
    seed: Option<u64>,
) -> Value {
    json!({
        "core": "msm",
        "curve": c.name(),
        "n": run.n,
        "seed": seed,
        "window": run.window,
        "windows": run.windows,
        "buckets_per_window": run.buckets_per_window,
        "fifo_depth": cfg.fifo_depth,
        "aggregation": if cfg.host_aggregation { "host" } else { "hardware" },
        "result": affine_json(&run.result),
        "expected": affine_json(&run.expected),
        "matches_golden": run.matches_golden(),
        "stream_errors": run.stream_errors,
        "cycles": run.cycles,
        "cycle_bound": run.cycle_bound,
        "accum_cycles": run.accum_cycles,
        "bucket_adds": run.bucket_adds,
        "pipeline_bubbles": run.accum_cycles.saturating_sub(run.bucket_adds),
        "hazard_stalls": run.hazard_stalls,
        "wait_cycles": run.wait_cycles,
        "total_adds": run.total_adds,
        "adder_utilization": run.adder_utilization,
        "overall_utilization": run.overall_utilization,
        "adder_latency": run.adder_latency,
        "tiles": run.tiles,
        "simulated_cycles": run.simulated_cycles,
        "wall_s": run.wall_s,
        "cycles_per_s": run.cycles_per_s(),
        "build": run.build,
    })
}

fn sim_msm(
    curve: CurveArgs,
    msm: MsmArgs,
    sim: SimArgs,
    backpressure: Option<f64>,
    watchdog: Option<u64>,
) -> Result<u8, Failure> {
    verilator_only(&sim, "msm")?;
    let started = std::time::Instant::now();
    let out_idle = probability("--backpressure", backpressure)?;
    let (c, points, scalars, seed) = load_msm(&curve, &sim.vectors)?;
    let cfg = msm.config(&c, curve.adder(&c)?, points.len())?;
    let mut opts = sim_options(&sim, seed)?;
    // The MSM driver does its own handshakes: --gaps becomes its idle-input probability.
    let in_idle = opts.gaps.take().map_or(0.0, |g| g.idle_probability);
    let drive = zkhdl_sim::msm::Drive {
        in_idle,
        out_idle,
        seed: seed.unwrap_or(0),
        watchdog,
    };
    let run = zkhdl_sim::msm::simulate(&cfg, &c, &points, &scalars, &opts, &drive)?;
    let ok = run.matches_golden();
    if sim.json {
        let mut out = msm_json(&c, &cfg, &run, seed);
        // Everything this command took: vectors, build (or cache load), simulation, check.
        out["total_wall_s"] = json!(started.elapsed().as_secs_f64());
        println!("{}", serde_json::to_string_pretty(&out).expect("json"));
    } else {
        println!(
            "msm {} G1: {} pairs, c = {} ({} windows x {} buckets), adder latency {}, {} tiles",
            c.name(),
            run.n,
            run.window,
            run.windows,
            run.buckets_per_window,
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
        if ok {
            println!("PASS: the result matches arkworks");
        } else {
            println!(
                "FAIL: expected {}",
                serde_json::to_string(&affine_json(&run.expected)).expect("json")
            );
        }
    }
    if let Some(t) = &sim.trace {
        eprintln!("zkhdl: waveform written to {}", t.display());
    }
    Ok(if ok { 0 } else { 1 })
}

fn bench_msm(
    curve: CurveArgs,
    msm: MsmArgs,
    n: usize,
    seed: u64,
    out: PathBuf,
) -> Result<u8, Failure> {
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
    write_file(
        &out,
        &(serde_json::to_string_pretty(&result).expect("json") + "\n"),
    )?;
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
    Ok(if run.matches_golden() { 0 } else { 1 })
}

/// Options of a benchmark run: a private, empty build cache (so the build is measured from
/// scratch, Verilator's runtime included; the caller removes it) and a progress bar.
fn bench_options() -> (PathBuf, SimOptions) {
    let cache = std::env::temp_dir().join(format!("zkhdl-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);
    let mut sopts = SimOptions::default();
    sopts.build.cache_dir = cache.clone();
    sopts.progress = true;
    (cache, sopts)
}

fn machine() -> String {
    format!(
        "{} CPUs",
        std::thread::available_parallelism().map_or(1, |x| x.get())
    )
}

/// Today's date (UTC) as YYYY-MM-DD, from the system clock.
fn today() -> String {
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
