//! The command line's grammar: every verb, core and flag (clap). `main.rs` maps each onto the
//! library.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use zkhdl::options::{
    CurveArgs, FieldArgs, GoldenPairsArgs, ModMulArgs, MsmArgs, NttArgs, SimArgs, SweepArgs,
    TargetArgs, VectorArgs,
};
use zkhdl::prove::{MsmProveArgs, ProveArgs};
#[derive(Parser)]
#[command(
    name = "zkhdl",
    version,
    about = "RTL generators, Verilator simulation against arkworks, and FPGA flows for ZK-proof accelerators"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
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
    /// Sweep a core's configurations on a target; print and plot the Pareto front. With
    /// --shard I/N, one N-th of the sweep; `explore --merge DIR... --out DIR` joins the shards.
    #[command(args_conflicts_with_subcommands = true, arg_required_else_help = true)]
    Explore {
        #[command(subcommand)]
        core: Option<ExploreCore>,
        /// Merge the --out folders of `explore <core> ... --shard I/N` (every I of one N) into
        /// the table, plot and explore.json one unsharded run writes.
        #[arg(long, value_name = "DIR", num_args = 1..)]
        merge: Vec<PathBuf>,
        /// Output folder of --merge (explore.json, explore.md, pareto.svg).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Print one JSON object instead of the table (with --merge).
        #[arg(long)]
        json: bool,
    },
    /// Benchmark a core in Verilator (fresh build, then a long random run) and write results.
    Bench {
        #[command(subcommand)]
        core: BenchCore,
    },
    /// Prove a core's emitted Verilog with SymbiYosys (z3 or yices); exit 0 when it holds.
    Prove {
        #[command(subcommand)]
        core: ProveCore,
    },
    /// Project a kernel's time on a real FPGA part (resources from the generator, a stated
    /// time model, the part's DSPs, block RAM and memory bandwidth).
    Estimate {
        #[command(subcommand)]
        core: EstimateCore,
    },
    /// Write test vectors and their golden (arkworks) results.
    Golden {
        #[command(subcommand)]
        op: GoldenOp,
    },
}

#[derive(Subcommand)]
pub enum GenCore {
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
        /// Mixed addition (Alg. 8): P2 affine (ports x2, y2, no z2), 11 multipliers.
        #[arg(long)]
        mixed: bool,
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
    /// One DSP tile multiplier: registered operands, product registered twice, latency 3.
    Tile {
        /// Tile shape: 16x16, 18x18, 26x17 or 27x27.
        #[arg(long, default_value = "26x17")]
        tile: String,
        /// Output folder for <top>.v and <top>.json.
        #[arg(long)]
        out: PathBuf,
        /// Name of the top Verilog module (default: zk_tile_<shape>).
        #[arg(long)]
        top: Option<String>,
    },
    /// Streaming NTT of 2^K points over a prime field, P elements per cycle.
    Ntt {
        #[command(flatten)]
        field: FieldArgs,
        #[command(flatten)]
        ntt: NttArgs,
        /// Output folder for <top>.v and <top>.json.
        #[arg(long)]
        out: PathBuf,
        /// Name of the top Verilog module.
        #[arg(long, default_value = "zk_ntt")]
        top: String,
    },
}

#[derive(Subcommand)]
pub enum ProveCore {
    /// (a +- b) mod p for all a, b < p, unbounded (k-induction).
    Modadd {
        #[command(flatten)]
        field: FieldArgs,
        #[command(flatten)]
        prove: ProveArgs,
    },
    /// The registered product equals a * b.
    Tile {
        /// Tile shape: 16x16, 18x18, 26x17 or 27x27.
        #[arg(long, default_value = "16x16")]
        tile: String,
        #[command(flatten)]
        prove: ProveArgs,
    },
    /// a b R^-1 mod p for all inputs (primes up to 20 bits); the handshake for wider ones.
    Modmul {
        #[command(flatten)]
        field: FieldArgs,
        #[command(flatten)]
        opts: ModMulArgs,
        #[command(flatten)]
        prove: ProveArgs,
    },
    /// The MSM controller (abstract adder of the same latency): no bucket hazard, every digit
    /// issued exactly once, in_ready independent of in_valid, progress (bounded).
    Msm {
        #[command(flatten)]
        msm: MsmProveArgs,
    },
}

#[derive(Subcommand)]
pub enum SimCore {
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
        /// The mixed adder (Alg. 8): P1 projective, P2 affine and never the identity.
        #[arg(long)]
        mixed: bool,
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
        /// Run M MSMs back to back on one core, each checked: with --random N each gets its
        /// own N random pairs (MSM i from seed S + i); an --input file gives "batches":
        /// [{"points": [...], "scalars": [...]}, ...]. The JSON adds "results" (one per MSM)
        /// and "overall_utilization".
        #[arg(long, value_name = "M")]
        batch: Option<usize>,
    },
    /// NTT of 2^K points, checked against arkworks. Input file: {"field": F, "values": [...]}
    /// or {"field": F, "batches": [[...], ...]} (canonical hex, 2^K values each).
    Ntt {
        #[command(flatten)]
        field: FieldArgs,
        #[command(flatten)]
        ntt: NttArgs,
        #[command(flatten)]
        sim: SimArgs,
        /// Four-step method: two passes through the ntt core of 2^ceil(K/2) and 2^floor(K/2)
        /// points, the twiddle multiply on the modmul core, transposes through a modelled
        /// external memory (K up to 32 and the field's 2-adicity).
        #[arg(long)]
        four_step: bool,
        /// Memory bandwidth of the four-step cycle model, words per cycle (default 2P).
        #[arg(long, value_name = "W", requires = "four_step")]
        words_per_cycle: Option<f64>,
    },
}

#[derive(Subcommand)]
pub enum SynthCore {
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
    /// Complete projective point adder: hierarchical (each distinct module synthesized once,
    /// cached), or flattened with --flat.
    PointAdd {
        #[command(flatten)]
        curve: CurveArgs,
        #[command(flatten)]
        target: TargetArgs,
        /// Flatten the whole design into one run (hours at 381 bits; places on ECP5).
        #[arg(long)]
        flat: bool,
    },
    /// Pippenger MSM core around one point adder: hierarchical (each distinct module
    /// synthesized once, cached), or flattened with --flat.
    Msm {
        #[command(flatten)]
        curve: CurveArgs,
        #[command(flatten)]
        msm: MsmArgs,
        #[command(flatten)]
        target: TargetArgs,
        /// Flatten the whole design into one run (hours at 381 bits; places on ECP5).
        #[arg(long)]
        flat: bool,
        /// A measurement harness, not an MSM: the controller with its bucket memory, the point
        /// adder replaced by a delay of equal latency (valid bits in registers, operands in a
        /// block-RAM ring buffer). Reported as core "msm-harness"; with --flat it places on ECP5.
        #[arg(long)]
        abstract_adder: bool,
    },
    /// One DSP tile multiplier.
    Tile {
        /// Tile shape (default: the target's DSP shape).
        #[arg(long)]
        tile: Option<String>,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Streaming NTT (slow for large sizes).
    Ntt {
        #[command(flatten)]
        field: FieldArgs,
        #[command(flatten)]
        ntt: NttArgs,
        #[command(flatten)]
        target: TargetArgs,
    },
}

#[derive(Subcommand)]
pub enum ExploreCore {
    /// Sweep tile shapes, Karatsuba levels, architectures and iterative tile counts.
    Modmul {
        #[command(flatten)]
        field: FieldArgs,
        #[command(flatten)]
        target: TargetArgs,
        #[command(flatten)]
        sweep: SweepArgs,
        /// Synthesize only shard I of N: configuration k (0-based, in sweep order) is shard
        /// (k mod N) + 1's. Writes <out>/explore.json for `explore --merge`.
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum BenchCore {
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
pub enum EstimateCore {
    /// NTT of 2^K points by the four-step method: the units (core + twiddle pass) that fit the
    /// part, the limiting resource, and the projected time (compute or memory bound).
    Ntt {
        #[command(flatten)]
        field: FieldArgs,
        /// The transform has 2^K points (2 to 32, within the field's 2-adicity).
        #[arg(long = "log-n", value_name = "K")]
        log_n: usize,
        /// Part: vu9p, u250, u55c, vu13p or ecp5-85k.
        #[arg(long)]
        part: String,
        /// Elements per cycle of each core, P: 1, 2, 4 or 8.
        #[arg(long, default_value_t = 8, value_name = "P")]
        lanes: usize,
        /// Clock in MHz (default: 250 on UltraScale+, 100 on ECP5; an assumption).
        #[arg(long, value_name = "MHZ")]
        freq: Option<f64>,
        /// External memory bandwidth in GB/s (default: the part's, from the part table).
        #[arg(long, value_name = "GBPS")]
        bandwidth: Option<f64>,
        /// Print one JSON object instead of a summary.
        #[arg(long)]
        json: bool,
    },
    /// MSM of N pairs on one msm core (K point adders): cycle model, the window whose
    /// buckets fit the part's block RAM / URAM, and the time at the clock.
    Msm {
        #[command(flatten)]
        curve: CurveArgs,
        /// Pairs N (at least 1).
        #[arg(long)]
        n: usize,
        /// Part: vu9p, u250, u55c, vu13p or ecp5-85k.
        #[arg(long)]
        part: String,
        /// Clock in MHz (default: the part's assumed clock, 250 on UltraScale+, 100 on ECP5).
        #[arg(long, value_name = "MHZ")]
        fmax: Option<f64>,
        /// Window width c, 2 to 16 (default: the fastest whose buckets fit).
        #[arg(long, value_name = "C")]
        window: Option<usize>,
        /// Point adders K in the core (lanes of windows, as `sim msm --adders`).
        #[arg(long, default_value_t = 1)]
        adders: usize,
        /// LUTs of one adder lane after synthesis: its point adder, and its controller where
        /// known (`zkhdl synth msm --adders K --json` divided by K; `zkhdl synth point-add
        /// --json` gives the adder alone). The LUTs then count in `fits`, `adders_that_fit`
        /// and `best_fit` (which otherwise uses the measured lane of the default BLS12-381
        /// adder on UltraScale+ parts).
        #[arg(long, value_name = "LUTS")]
        adder_luts: Option<u64>,
        /// One bank of buckets (as `sim msm --single-bank`): half the bucket memory, no
        /// overlap of back-to-back MSMs. Cores with --adders above 1 always have one bank.
        #[arg(long)]
        single_bank: bool,
        /// Print one JSON object instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum GoldenOp {
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
