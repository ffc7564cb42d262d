//! The one table of cores: which verbs accept each core, and the resolved configuration of a
//! core that `gen`, `synth` and `explore` work on alike.

use crate::error::Failure;
use crate::options::{tile_shape, CurveArgs, FieldArgs, ModMulArgs, MsmArgs, NttArgs};
use zkhdl_golden::{Curve, Field};
use zkhdl_hdl::modadd::ModAddConfig;
use zkhdl_hdl::modmul::ModMulConfig;
use zkhdl_hdl::msm::MsmConfig;
use zkhdl_hdl::ntt::NttConfig;
use zkhdl_hdl::point_add::PointAddConfig;
use zkhdl_hdl::tile::TileConfig;
use zkhdl_hdl::{Core, GeneratedCore};

/// A verb of the command line that takes a core.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    Gen,
    Sim,
    Synth,
    Explore,
    Bench,
    Estimate,
    Prove,
}

impl Verb {
    pub const ALL: [Verb; 7] = [
        Verb::Gen,
        Verb::Sim,
        Verb::Synth,
        Verb::Explore,
        Verb::Bench,
        Verb::Estimate,
        Verb::Prove,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Verb::Gen => "gen",
            Verb::Sim => "sim",
            Verb::Synth => "synth",
            Verb::Explore => "explore",
            Verb::Bench => "bench",
            Verb::Estimate => "estimate",
            Verb::Prove => "prove",
        }
    }
}

/// One core of the table: its command-line name and the verbs that take it.
#[derive(Clone, Copy, Debug)]
pub struct CoreEntry {
    pub name: &'static str,
    pub verbs: &'static [Verb],
}

impl CoreEntry {
    pub fn accepts(&self, verb: Verb) -> bool {
        self.verbs.contains(&verb)
    }
}

/// Every core and the verbs that take it. `sim` needs a driver and a software model (the tile
/// has none: its product is checked inside every multiplier); `explore` sweeps the modmul's
/// architectures; `bench` measures the cores whose speed the README reports; `estimate`
/// projects a whole transform's seconds on a part; `prove` runs a SymbiYosys proof.
pub const CORES: &[CoreEntry] = &[
    CoreEntry {
        name: "modadd",
        verbs: &[Verb::Gen, Verb::Sim, Verb::Synth, Verb::Prove],
    },
    CoreEntry {
        name: "modmul",
        verbs: &[
            Verb::Gen,
            Verb::Sim,
            Verb::Synth,
            Verb::Explore,
            Verb::Bench,
            Verb::Prove,
        ],
    },
    CoreEntry {
        name: "point-add",
        verbs: &[Verb::Gen, Verb::Sim, Verb::Synth],
    },
    CoreEntry {
        name: "msm",
        verbs: &[
            Verb::Gen,
            Verb::Sim,
            Verb::Synth,
            Verb::Bench,
            Verb::Prove,
            Verb::Estimate,
        ],
    },
    CoreEntry {
        name: "tile",
        verbs: &[Verb::Gen, Verb::Synth, Verb::Prove],
    },
    CoreEntry {
        name: "ntt",
        verbs: &[Verb::Gen, Verb::Sim, Verb::Synth, Verb::Estimate],
    },
];

/// The entry of a core by its command-line name.
pub fn core(name: &str) -> Option<&'static CoreEntry> {
    CORES.iter().find(|c| c.name == name)
}

/// A core's resolved configuration.
#[derive(Clone, Debug)]
pub enum CoreConfig {
    Modadd(ModAddConfig),
    Modmul(ModMulConfig),
    PointAdd(Curve, PointAddConfig),
    Msm(Curve, MsmConfig),
    Tile(TileConfig),
    Ntt(NttConfig),
}

/// The command line's modadd for field `f`: one-stage adds however wide (`max_add_bits` 0,
/// latency 2). The chunked datapath (the library default, 64-bit carry chains, latency 5 for
/// primes above 63 bits) is simulated by `sim/tests/modadd.rs`, but its full-width k-induction
/// proof did not close in 10 minutes, where the one-stage one takes about 90 s.
pub fn modadd_config(f: &zkhdl_golden::Field) -> ModAddConfig {
    let mut c = ModAddConfig::new(f.modulus().clone(), f.name());
    c.max_add_bits = 0;
    c
}

impl CoreConfig {
    /// The modular adder/subtractor of --field or --modulus.
    pub fn modadd(field: &FieldArgs) -> Result<Self, Failure> {
        let f = field.resolve()?;
        Ok(CoreConfig::Modadd(modadd_config(&f)))
    }

    /// The modular multiplier, with `default_tile` unless --tile says otherwise.
    pub fn modmul(f: &Field, opts: &ModMulArgs, default_tile: &str) -> Result<Self, Failure> {
        Ok(CoreConfig::Modmul(
            opts.config_with_default(f, default_tile)?,
        ))
    }

    /// The modular multiplier for `synth --target` (its tile shape unless --tile says
    /// otherwise; --route-registers auto is on for ECP5).
    pub fn modmul_for(
        f: &Field,
        opts: &ModMulArgs,
        default_tile: &str,
        target: Option<zkhdl_synth::Target>,
    ) -> Result<Self, Failure> {
        Ok(CoreConfig::Modmul(opts.config_for_target(
            f,
            default_tile,
            target,
        )?))
    }

    /// The point adder of --curve (bls12-381 by default); the mixed one (P2 affine) with
    /// --mixed.
    pub fn point_add(curve: &CurveArgs, mixed: bool) -> Result<Self, Failure> {
        let c = curve.curve(None)?;
        let mut adder = curve.adder(&c)?;
        adder.mixed = mixed;
        Ok(CoreConfig::PointAdd(c, adder))
    }

    /// The MSM core of --curve, its window chosen for `n` pairs unless --window says.
    pub fn msm(curve: &CurveArgs, msm: &MsmArgs, n: usize) -> Result<Self, Failure> {
        let c = curve.curve(None)?;
        Ok(CoreConfig::Msm(c, msm.config(&c, curve.adder(&c)?, n)?))
    }

    /// One DSP tile of the named shape.
    pub fn tile(shape: &str) -> Result<Self, Failure> {
        Ok(CoreConfig::Tile(TileConfig::new(tile_shape(shape)?)))
    }

    /// The NTT of --field or --modulus and its shape.
    pub fn ntt(field: &FieldArgs, ntt: &NttArgs, default_tile: &str) -> Result<Self, Failure> {
        let f = field.resolve()?;
        Ok(CoreConfig::Ntt(ntt.config_with_default(&f, default_tile)?))
    }

    /// The command-line name of the core.
    pub fn name(&self) -> &'static str {
        match self {
            CoreConfig::Modadd(_) => "modadd",
            CoreConfig::Modmul(_) => "modmul",
            CoreConfig::PointAdd(..) => "point-add",
            CoreConfig::Msm(..) => "msm",
            CoreConfig::Tile(_) => "tile",
            CoreConfig::Ntt(_) => "ntt",
        }
    }

    /// Names the top Verilog module.
    pub fn set_top(&mut self, top: String) {
        match self {
            CoreConfig::Modadd(c) => c.top = top,
            CoreConfig::Modmul(c) => c.top = top,
            CoreConfig::PointAdd(_, c) => c.top = top,
            CoreConfig::Msm(_, c) => c.top = top,
            CoreConfig::Tile(c) => c.top = top,
            CoreConfig::Ntt(c) => c.top = top,
        }
    }

    /// Verilog and manifest.
    pub fn generate(&self) -> Result<GeneratedCore, Failure> {
        Ok(match self {
            CoreConfig::Modadd(c) => c.generate()?,
            CoreConfig::Modmul(c) => c.generate()?,
            CoreConfig::PointAdd(_, c) => c.generate()?,
            CoreConfig::Msm(_, c) => c.generate()?,
            CoreConfig::Tile(c) => c.generate()?,
            CoreConfig::Ntt(c) => c.generate()?,
        })
    }

    /// The line `gen` prints after the files it wrote (none for the modular adder).
    pub fn summary(&self, core: &GeneratedCore) -> Option<String> {
        let m = &core.manifest;
        match self {
            CoreConfig::Modadd(_) => None,
            CoreConfig::Modmul(c) => Some(format!(
                "{}: {} tiles ({}), latency {}, initiation interval {}",
                m.top,
                m.tiles,
                c.tile.name(),
                m.latency,
                m.initiation_interval
            )),
            CoreConfig::PointAdd(curve, c) => Some(format!(
                "{}: {} G1, {}{} tiles ({}), latency {}, one addition per cycle",
                m.top,
                curve.name(),
                if c.mixed {
                    "mixed (P2 affine), 11 multipliers, "
                } else {
                    ""
                },
                m.tiles,
                c.tile.name(),
                m.latency
            )),
            CoreConfig::Msm(curve, c) => Some(format!(
                "{}: {} G1, c = {}, {} windows x {} buckets, {} adder(s) of latency {}, {} tiles",
                m.top,
                curve.name(),
                c.window,
                c.windows(),
                c.buckets(),
                c.adders,
                m.latency,
                m.tiles
            )),
            CoreConfig::Tile(c) => Some(format!(
                "{}: one {} tile, latency {}, a product every cycle",
                m.top,
                c.shape.name(),
                m.latency
            )),
            CoreConfig::Ntt(c) => Some(format!(
                "{}: {}-point {} NTT over {}, {} lanes, {} output, latency {}, {} tiles, a new \
                 transform every {} cycles",
                m.top,
                c.size(),
                if c.inverse { "inverse" } else { "forward" },
                c.field,
                c.lanes,
                c.output_order.name(),
                m.latency,
                m.tiles,
                c.beats()
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_is_generated_and_simulated_or_synthesized() {
        for c in CORES {
            assert!(c.accepts(Verb::Gen), "{}", c.name);
            assert!(c.accepts(Verb::Synth), "{}", c.name);
            assert_eq!(core(c.name).unwrap().name, c.name);
        }
        assert!(!core("tile").unwrap().accepts(Verb::Sim));
    }
}
