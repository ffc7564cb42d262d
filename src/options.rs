//! The command-line options every verb shares (clap arguments) and what they resolve to:
//! fields, curves, core configurations and simulation options. Each flag's help text lives
//! here once.

use crate::error::Failure;
use clap::Args;
use std::path::PathBuf;
use zkhdl_golden::{Curve, Field};
use zkhdl_sim::run::{Gaps, SimOptions};

#[derive(Args, Clone)]
pub struct FieldArgs {
    /// Field preset: bls12-381-fq, bls12-381-fr, bn254-fq, bn254-fr, bls12-377-fq, bls12-377-fr,
    /// goldilocks, babybear, koalabear.
    #[arg(long)]
    pub field: Option<String>,
    /// Custom odd prime modulus as hex (0x...), up to 768 bits.
    #[arg(long)]
    pub modulus: Option<String>,
}

#[derive(Args, Clone)]
pub struct VectorArgs {
    /// Number of random vectors.
    #[arg(long, conflicts_with = "input")]
    pub random: Option<usize>,
    /// Seed for --random (printed when chosen for you).
    #[arg(long, requires = "random")]
    pub seed: Option<u64>,
    /// JSON input file (see README for the format).
    #[arg(long)]
    pub input: Option<PathBuf>,
}

/// Options of a `modmul` core.
#[derive(Args, Clone)]
pub struct ModMulArgs {
    /// Architecture: pipelined (a pair per cycle) or iterative (few tiles, many cycles).
    #[arg(long, default_value = "pipelined")]
    pub arch: String,
    /// Tile shape: 16x16 (iCE40), 18x18 (ECP5), 26x17 (DSP48E2), 27x27 (Intel). Default:
    /// 26x17, or the target's own shape for `synth`.
    #[arg(long)]
    pub tile: Option<String>,
    /// Karatsuba-Ofman levels, 0 to 4 (each taken only where it saves tiles).
    #[arg(long, default_value_t = 3)]
    pub karatsuba: usize,
    /// Tiles of the iterative architecture.
    #[arg(long, default_value_t = 4)]
    pub tiles: usize,
    /// Timing by construction: the longest carry chain between two registers, in bits;
    /// wider adds become two-stage carry-select adders (0: unbounded, one stage however wide).
    /// Default: 64, or 32 for `synth --target ecp5-85k` with route registers.
    #[arg(long = "max-add-bits")]
    pub max_add_bits: Option<usize>,
    /// The pipelined core's product by p' (m = (T mod R) p' mod R): tiles (DSPs), lut (a
    /// shift-and-add network in logic, one adder term per non-zero digit of p' in NAF, or
    /// width-3 NAF where that pays: no tiles, about one LUT per term bit, 15k for BLS12-381
    /// Fq), or auto (lut where the tile product needs more than one tile).
    #[arg(
        long = "p-prime-product",
        default_value = "auto",
        value_name = "auto|tiles|lut"
    )]
    pub p_prime_product: String,
    /// Registers at the ends of the long routes (pipelined): one adder level per pipeline
    /// stage in the column compressor, its terms registered once more, and every add wider
    /// than --max-add-bits in five stages (operands, chunk sums, their carry bits again, chunk
    /// carries, selection) instead of two; more latency and flip-flops for a shorter clock period on ECP5. auto:
    /// on for `synth --target ecp5-85k`, off everywhere else.
    #[arg(
        long = "route-registers",
        default_value = "auto",
        value_name = "auto|on|off"
    )]
    pub route_registers: String,
    /// How the pipelined core sums the tile products of its Karatsuba products: tree (each
    /// sub-product that the recombination uses twice is summed once first, so every tile
    /// product is one adder term: about half the adder bits) or flat (one compressor over
    /// every tile product at every weight it is used with: about ten cycles shorter for
    /// BLS12-381 Fq).
    #[arg(
        long = "karatsuba-sum",
        default_value = "tree",
        value_name = "tree|flat"
    )]
    pub karatsuba_sum: String,
}

/// `--p-prime-product`'s word, checked.
pub fn p_prime_product(s: &str) -> Result<zkhdl_hdl::modmul::PPrimeProduct, Failure> {
    zkhdl_hdl::modmul::PPrimeProduct::parse(s).ok_or_else(|| {
        Failure::input(format!(
            "unknown --p-prime-product {s:?}: use auto, tiles or lut"
        ))
    })
}

impl ModMulArgs {
    /// The configuration, with the 26x17 tile unless --tile says otherwise.
    pub fn config(&self, f: &Field) -> Result<zkhdl_hdl::modmul::ModMulConfig, Failure> {
        self.config_with_default(f, "26x17")
    }

    /// The configuration, with `default_tile` unless --tile says otherwise (--route-registers
    /// auto: off).
    pub fn config_with_default(
        &self,
        f: &Field,
        default_tile: &str,
    ) -> Result<zkhdl_hdl::modmul::ModMulConfig, Failure> {
        self.config_for_target(f, default_tile, None)
    }

    /// The configuration for `synth --target` (`None`: gen, sim and the rest), with
    /// `default_tile` unless --tile says otherwise; --route-registers auto is on for ECP5.
    pub fn config_for_target(
        &self,
        f: &Field,
        default_tile: &str,
        target: Option<zkhdl_synth::Target>,
    ) -> Result<zkhdl_hdl::modmul::ModMulConfig, Failure> {
        let tile = self.tile.as_deref().unwrap_or(default_tile);
        use zkhdl_hdl::modmul::Architecture;
        let mut c = zkhdl_hdl::modmul::ModMulConfig::new(f.modulus().clone(), f.name());
        c.architecture = Architecture::from_flags(&self.arch, self.karatsuba, self.tiles)
            .ok_or_else(|| {
                Failure::input(format!(
                    "unknown --arch {:?}: use pipelined or iterative",
                    self.arch
                ))
            })?;
        c.tile = tile_shape(tile)?;
        c.max_add_bits = self
            .max_add_bits
            .unwrap_or(zkhdl_hdl::netlist::DEFAULT_MAX_ADD_BITS);
        c.p_prime_product = p_prime_product(&self.p_prime_product)?;
        c.karatsuba_sum =
            zkhdl_hdl::modmul::KaratsubaSum::parse(&self.karatsuba_sum).ok_or_else(|| {
                Failure::input(format!(
                    "unknown --karatsuba-sum {:?}: use tree or flat",
                    self.karatsuba_sum
                ))
            })?;
        let route_registers = match self.route_registers.as_str() {
            "on" => true,
            "off" => false,
            "auto" => target == Some(zkhdl_synth::Target::Ecp5_85k),
            other => {
                return Err(Failure::input(format!(
                    "unknown --route-registers {other:?}: use auto, on or off"
                )))
            }
        };
        if route_registers {
            if let Architecture::Pipelined {
                ref mut levels_per_stage,
                ..
            } = c.architecture
            {
                *levels_per_stage = 1;
                c.route_registers = true;
                if self.max_add_bits.is_none() && target == Some(zkhdl_synth::Target::Ecp5_85k) {
                    c.max_add_bits = ECP5_MAX_ADD_BITS;
                }
            } else if self.route_registers == "on" {
                return Err(Failure::input(
                    "--route-registers on applies to the pipelined architecture only",
                ));
            }
        }
        c.validate()?;
        Ok(c)
    }
}

/// The carry-chain bound of a modmul synthesized for ECP5 with route registers (unless
/// --max-add-bits says otherwise): 16 CCU2C. At 64 bits the chain alone (3.9 ns of logic with
/// its entry and exit) left the 127-bit modmul at 143 MHz; see results/timing.md.
pub const ECP5_MAX_ADD_BITS: usize = 32;

/// Options of the point adder (and the MSM around it).
#[derive(Args, Clone)]
pub struct CurveArgs {
    /// Curve: bls12-381, bn254 or bls12-377 (G1). Default: the input file's, else bls12-381.
    #[arg(long)]
    pub curve: Option<String>,
    /// Tile shape of the multipliers: 16x16, 18x18, 26x17 or 27x27.
    #[arg(long, default_value = "26x17")]
    pub tile: String,
    /// Karatsuba-Ofman levels of the multipliers, 0 to 4.
    #[arg(long, default_value_t = 3)]
    pub karatsuba: usize,
    /// Timing by construction in the point adder: the longest carry chain between two
    /// registers, in bits (0: unbounded).
    #[arg(long = "max-add-bits", default_value_t = zkhdl_hdl::netlist::DEFAULT_MAX_ADD_BITS)]
    pub max_add_bits: usize,
    /// The multipliers' product by p': tiles (DSPs), lut (a shift-and-add network in logic,
    /// 129 DSPs fewer and about 3,000 LUTs more per BLS12-381 multiplier) or auto (lut; with
    /// `synth --part`, tiles where the core's tiles then fit the part's DSPs, since LUTs are
    /// what the MSM runs out of first).
    #[arg(
        long = "p-prime-product",
        default_value = "auto",
        value_name = "auto|tiles|lut"
    )]
    pub p_prime_product: String,
}

impl CurveArgs {
    /// The curve: --curve, else the input file's, else bls12-381; the two must agree.
    pub fn curve(&self, from_file: Option<&str>) -> Result<Curve, Failure> {
        match (self.curve.as_deref(), from_file) {
            (Some(a), Some(b)) if a != b => Err(Failure::input(format!(
                "--curve {a} but the input file is for {b}"
            ))),
            (Some(a), _) | (None, Some(a)) => Ok(Curve::from_name(a)?),
            (None, None) => Ok(Curve::from_name("bls12-381")?),
        }
    }

    /// The point adder of `curve` with the multiplier options.
    pub fn adder(&self, curve: &Curve) -> Result<zkhdl_hdl::point_add::PointAddConfig, Failure> {
        let mut cfg = zkhdl_sim::point_add::config_for(curve);
        cfg.tile = tile_shape(&self.tile)?;
        cfg.karatsuba = self.karatsuba;
        cfg.max_add_bits = self.max_add_bits;
        cfg.p_prime_product = p_prime_product(&self.p_prime_product)?;
        cfg.validate()?;
        Ok(cfg)
    }
}

/// Options of the MSM core.
#[derive(Args, Clone)]
pub struct MsmArgs {
    /// Window width c (2^(c-1) buckets per window), 2 to 16. Default: the c with the fewest
    /// estimated cycles for N.
    #[arg(long)]
    pub window: Option<usize>,
    /// Entries of the parking FIFO for points whose bucket is busy (a power of two).
    #[arg(long, default_value_t = 16)]
    pub fifo_depth: usize,
    /// Hand the buckets to the host after accumulation (the host aggregates them) instead of
    /// aggregating and combining the windows in hardware.
    #[arg(long)]
    pub host_aggregation: bool,
    /// Point adders K in the core (1 to 8): the windows are divided among K lanes, each with
    /// its own adder, bucket memory and hazard tracking.
    #[arg(long, default_value_t = 1)]
    pub adders: usize,
    /// One bank of buckets instead of two: the next MSM waits for the previous result instead
    /// of accumulating while the previous MSM aggregates (half the bucket memory). Cores with
    /// --adders above 1 or --host-aggregation always have one bank.
    #[arg(long)]
    pub single_bank: bool,
}

impl MsmArgs {
    /// The MSM core around `adder`; without --window, the best window for `n` pairs.
    pub fn config(
        &self,
        curve: &Curve,
        adder: zkhdl_hdl::point_add::PointAddConfig,
        n: usize,
    ) -> Result<zkhdl_hdl::msm::MsmConfig, Failure> {
        let latency = zkhdl_hdl::point_add::plan(&adder)?.latency;
        let bits = curve.scalar_field().bits();
        let c = self
            .window
            .unwrap_or_else(|| zkhdl_hdl::msm::best_window_for(n, bits, latency, self.adders));
        let mut cfg = zkhdl_hdl::msm::MsmConfig::new(adder, bits, c);
        cfg.fifo_depth = self.fifo_depth;
        cfg.host_aggregation = self.host_aggregation;
        cfg.adders = self.adders;
        cfg.overlap = !self.single_bank;
        cfg.validate()?;
        Ok(cfg)
    }
}

#[derive(Args, Clone)]
pub struct SimArgs {
    #[command(flatten)]
    pub vectors: VectorArgs,
    /// Print one JSON object instead of a summary.
    #[arg(long)]
    pub json: bool,
    /// Write a waveform (VCD; FST when the name ends in .fst).
    #[arg(long)]
    pub trace: Option<PathBuf>,
    /// Hold in_valid low on random cycles with this probability (0 to 0.95).
    #[arg(long, value_name = "P")]
    pub gaps: Option<f64>,
    /// Verilator --threads for the model.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Build cache folder (default: $ZKHDL_CACHE_DIR or ~/.cache/zkhdl).
    #[arg(long)]
    pub cache_dir: Option<PathBuf>,
    /// Simulator: verilator (fast, cached builds) or iverilog (independent cross-check).
    #[arg(long, value_enum, default_value_t = Simulator::Verilator)]
    pub simulator: Simulator,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Simulator {
    Verilator,
    Iverilog,
}

impl Simulator {
    pub fn name(self) -> &'static str {
        match self {
            Simulator::Verilator => "verilator",
            Simulator::Iverilog => "iverilog",
        }
    }
}

#[derive(Args, Clone)]
pub struct TargetArgs {
    /// ecp5-85k (placed and routed), ice40-up5k (placed and routed), xcup (UltraScale+
    /// resource counts), generic (gate-level estimate) or asic-osu018 (OSU 0.18 um cells,
    /// OpenSTA timing).
    #[arg(long)]
    pub target: String,
    /// Clock constraint in MHz (default: 100 for ECP5, 24 for iCE40).
    #[arg(long)]
    pub freq: Option<f64>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Work folder for the tools' logs and netlists (default: build/synth/<core>-<target>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Check the fit on a part: vu9p, vu13p, u250, u55c (with --target xcup) or ecp5-85k
    /// (with --target ecp5-85k): whether it fits, the limiting resource, how many cores fit.
    #[arg(long)]
    pub part: Option<String>,
}

#[derive(Args)]
pub struct GoldenPairsArgs {
    #[command(flatten)]
    pub field: FieldArgs,
    #[command(flatten)]
    pub vectors: VectorArgs,
    /// Also write the input vectors to this file.
    #[arg(long)]
    pub vectors_out: Option<PathBuf>,
    /// Write the expected results here instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

impl FieldArgs {
    /// The field of --field or --modulus.
    pub fn resolve(&self) -> Result<Field, Failure> {
        Ok(Field::resolve(
            self.field.as_deref(),
            self.modulus.as_deref(),
        )?)
    }
}

impl TargetArgs {
    /// The target and its clock constraint (--freq, else the target's default).
    pub fn resolve(&self) -> Result<(zkhdl_synth::Target, f64), Failure> {
        let target = zkhdl_synth::Target::parse(&self.target).map_err(Failure::input)?;
        Ok((target, self.freq.unwrap_or(target.default_freq_mhz())))
    }
}

/// The tile shape of a target's DSP blocks.
pub fn native_tile(t: zkhdl_synth::Target) -> &'static str {
    match t {
        zkhdl_synth::Target::Ecp5_85k => "18x18",
        zkhdl_synth::Target::Ice40Up5k | zkhdl_synth::Target::Generic => "16x16",
        zkhdl_synth::Target::Xcup => "26x17",
    }
}

/// A tile shape by name.
pub fn tile_shape(name: &str) -> Result<zkhdl_hdl::tile::TileShape, Failure> {
    zkhdl_hdl::tile::TileShape::parse(name).ok_or_else(|| {
        Failure::input(format!(
            "unknown --tile {name:?}: use 16x16, 18x18, 26x17 or 27x27"
        ))
    })
}

/// Simulation options from the flags; `seed` seeds the --gaps pattern.
pub fn sim_options(s: &SimArgs, seed: Option<u64>) -> Result<SimOptions, Failure> {
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

/// A probability flag: 0 to 0.95, 0 when absent.
pub fn probability(flag: &str, p: Option<f64>) -> Result<f64, Failure> {
    match p {
        Some(p) if !(0.0..=0.95).contains(&p) => Err(Failure::input(format!(
            "{flag} must be a probability between 0 and 0.95"
        ))),
        Some(p) => Ok(p),
        None => Ok(0.0),
    }
}

/// Icarus has no waveform option here.
pub fn trace_needs_verilator(sim: &SimArgs) -> Result<(), Failure> {
    if sim.simulator == Simulator::Iverilog && sim.trace.is_some() {
        return Err(Failure::input("--trace needs --simulator verilator"));
    }
    Ok(())
}

/// Only Verilator runs the MSM (Icarus takes about a second per 5 cycles of the 5,000-tile
/// adder, and an MSM runs tens of thousands).
pub fn verilator_only(sim: &SimArgs, core: &str) -> Result<(), Failure> {
    if sim.simulator != Simulator::Verilator {
        return Err(Failure::input(format!(
            "{core} runs in Verilator only (--simulator verilator)"
        )));
    }
    Ok(())
}

/// The configurations `explore modmul` sweeps, and the area axis of its plot.
#[derive(Args, Clone)]
pub struct SweepArgs {
    /// Tile shapes to try, comma separated (default: the target's DSP shape).
    #[arg(long)]
    pub tile_shapes: Option<String>,
    /// Karatsuba levels for the pipelined architecture, comma separated.
    #[arg(long, default_value = "0,2,3")]
    pub levels: String,
    /// Tile counts for the iterative architecture, comma separated.
    #[arg(long, default_value = "1,2,4,8")]
    pub iterative_tiles: String,
    /// Architectures, comma separated.
    #[arg(long, default_value = "pipelined,iterative")]
    pub archs: String,
    /// Area axis: luts, ffs or dsps.
    #[arg(long, default_value = "luts")]
    pub area: String,
    /// The carry-chain bound of every configuration (see `gen modmul --max-add-bits`).
    #[arg(long = "max-add-bits", default_value_t = zkhdl_hdl::netlist::DEFAULT_MAX_ADD_BITS)]
    pub max_add_bits: usize,
    /// The pipelined configurations' products by p' to try, comma separated: auto, tiles, lut
    /// (see `gen modmul --p-prime-product`); `tiles,lut` shows the DSP/LUT trade-off. Labels
    /// name the choice unless it is auto.
    #[arg(long = "p-prime-products", default_value = "auto")]
    pub p_prime_products: String,
    /// The pipelined configurations' Karatsuba sums to try, comma separated: tree, flat (see
    /// `gen modmul --karatsuba-sum`); `tree,flat` shows the LUT/latency trade-off. Labels name
    /// the choice unless it is tree.
    #[arg(long = "karatsuba-sums", default_value = "tree")]
    pub karatsuba_sums: String,
}

/// Shape of an `ntt` core.
#[derive(Args, Clone)]
pub struct NttArgs {
    /// Transform size is 2^K points (1 to 16).
    #[arg(long = "log-n", value_name = "K")]
    pub log_n: usize,
    /// Elements per cycle, P: 1, 2, 4 or 8.
    #[arg(long, default_value_t = 1, value_name = "P")]
    pub lanes: usize,
    /// The inverse transform (with the 1/N scaling).
    #[arg(long)]
    pub inverse: bool,
    /// Output order: natural or bit-reversed.
    #[arg(long, default_value = "natural")]
    pub output_order: String,
    /// Twiddle multiplier: montgomery (any prime) or goldilocks (shifts and adds; goldilocks only).
    #[arg(long, default_value = "montgomery")]
    pub multiplier: String,
    /// DSP tile of the multipliers: 16x16, 18x18, 26x17 or 27x27 (default 26x17; for
    /// `synth`, the target's DSP shape).
    #[arg(long)]
    pub tile: Option<String>,
}

impl NttArgs {
    /// The NTT configuration for field `f` (26x17 tiles unless --tile says otherwise), checked.
    pub fn config(&self, f: &Field) -> Result<zkhdl_hdl::ntt::NttConfig, Failure> {
        self.config_with_default(f, "26x17")
    }

    /// The NTT configuration for field `f`, with `default_tile` unless --tile says otherwise.
    pub fn config_with_default(
        &self,
        f: &Field,
        default_tile: &str,
    ) -> Result<zkhdl_hdl::ntt::NttConfig, Failure> {
        use zkhdl_hdl::ntt::{Multiplier, OutputOrder};
        if !(1..=zkhdl_hdl::ntt::MAX_LOG_N).contains(&self.log_n) {
            return Err(Failure::input(format!(
                "--log-n {} is outside 1..={}",
                self.log_n,
                zkhdl_hdl::ntt::MAX_LOG_N
            )));
        }
        let order = OutputOrder::parse(&self.output_order).ok_or_else(|| {
            Failure::input(format!(
                "--output-order {} is not one of natural, bit-reversed",
                self.output_order
            ))
        })?;
        let multiplier = Multiplier::parse(&self.multiplier).ok_or_else(|| {
            Failure::input(format!(
                "--multiplier {} is not one of montgomery, goldilocks",
                self.multiplier
            ))
        })?;
        let mut cfg = zkhdl_sim::ntt::config_for(f, self.log_n, self.lanes, self.inverse, order)?;
        cfg.multiplier = multiplier;
        cfg.tile = tile_shape(self.tile.as_deref().unwrap_or(default_tile))?;
        zkhdl_hdl::Core::validate(&cfg)?;
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkhdl_hdl::modmul::Architecture;
    use zkhdl_synth::Target;

    fn args(extra: &[&str]) -> ModMulArgs {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            m: ModMulArgs,
        }
        let mut argv = vec!["zkhdl"];
        argv.extend(extra);
        <Cli as clap::Parser>::parse_from(argv).m
    }

    fn levels(c: &zkhdl_hdl::modmul::ModMulConfig) -> usize {
        match c.architecture {
            Architecture::Pipelined {
                levels_per_stage, ..
            } => levels_per_stage,
            Architecture::Iterative { .. } => 0,
        }
    }

    /// `synth --target ecp5-85k` turns route registers on (one adder level per stage, the
    /// ECP5 carry bound unless --max-add-bits says otherwise); every other use of the options
    /// gets the configuration as before.
    #[test]
    fn route_registers_default_on_for_ecp5_synthesis_only() {
        let f = Field::custom_hex("0x79800e7705da8467f06313fff9a01fe9").unwrap();
        let plain = args(&[]).config_with_default(&f, "18x18").unwrap();
        let mut want = zkhdl_hdl::modmul::ModMulConfig::new(f.modulus().clone(), f.name());
        want.tile = zkhdl_hdl::tile::TileShape::T18x18;
        assert_eq!(plain, want);
        for t in [None, Some(Target::Xcup), Some(Target::Generic)] {
            assert_eq!(args(&[]).config_for_target(&f, "18x18", t).unwrap(), plain);
        }
        let ecp5 = Some(Target::Ecp5_85k);
        let c = args(&[]).config_for_target(&f, "18x18", ecp5).unwrap();
        assert!(c.route_registers);
        assert_eq!(levels(&c), 1);
        assert_eq!(c.max_add_bits, ECP5_MAX_ADD_BITS);
        let c = args(&["--max-add-bits", "48"])
            .config_for_target(&f, "18x18", ecp5)
            .unwrap();
        assert_eq!((c.route_registers, c.max_add_bits), (true, 48));
        let off = args(&["--route-registers", "off"])
            .config_for_target(&f, "18x18", ecp5)
            .unwrap();
        assert_eq!(off, plain);
        let on = args(&["--route-registers", "on"])
            .config_with_default(&f, "18x18")
            .unwrap();
        assert!(on.route_registers && levels(&on) == 1 && on.max_add_bits == 64);
        let it = args(&["--arch", "iterative"])
            .config_for_target(&f, "18x18", ecp5)
            .unwrap();
        assert!(!it.route_registers, "auto leaves the iterative core alone");
        for bad in [
            &["--route-registers", "yes"][..],
            &["--route-registers", "on", "--arch", "iterative"],
        ] {
            assert!(
                args(bad).config_with_default(&f, "18x18").is_err(),
                "{bad:?}"
            );
        }
    }
}
