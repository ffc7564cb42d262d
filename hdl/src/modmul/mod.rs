//! `modmul`: Montgomery modular multiplier for any odd prime up to 768 bits, built from DSP
//! tiles with Karatsuba-Ofman levels.
//!
//! Contract: with `in_valid` high on a rising edge the core takes `a`, `b` (`< p`, in the
//! Montgomery domain or not: the core just multiplies); [`ModMulConfig::latency`] cycles later
//! `out_valid` is high for one cycle and `result = a * b * R^-1 mod p`, fully reduced to
//! `[0, p)`, with `R = 2^k`, `k` = the bit length of p ([`ModMulConfig::r_bits`]). Pipelined: a
//! new pair every cycle, no backpressure, results in order. `reset` (synchronous, active high)
//! clears the valid pipeline.
//!
//! Datapath (pipelined architecture), one product stage after another, every product a
//! Karatsuba tree of tiles summed by the column compressor of [`crate::netlist`]:
//! 1. `T = a * b` (full product, 2k bits);
//! 2. `m = (T mod R) * p' mod R`, `p' = -p^-1 mod R` (low-half product by a constant): by
//!    tiles, or by a shift-and-add network in logic, one compressor term per non-zero digit of
//!    p' in non-adjacent form ([`PPrimeProduct`], [`crate::constmul`]);
//! 3. `S = T + m * p` (full product by the constant p, with T as one more compressor term);
//!    `S` is divisible by R and `U = S / R < 2p`;
//! 4. `result = U - p` if that is not negative, else `U`.

pub mod iterative;
pub mod pipelined;

use crate::emit::emit_core;
use crate::interface::{Contract, Core, Timing};
use crate::manifest::{stream_ports, PortSpec};
use crate::rtl::{dispatch, neg_inverse_mod_2k, width_class, Body, WidthTile};
use crate::tile::{TileMul, TileShape};
use crate::HdlError;
use num_bigint::BigUint;
use num_traits::{One, Zero};
use rust_hdl::prelude::*;
use serde::{Deserialize, Serialize};

/// Most Karatsuba levels the generator takes.
pub const MAX_KARATSUBA: usize = 4;

/// The datapath architecture, each with its own parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "arch", rename_all = "lowercase")]
pub enum Architecture {
    /// A new operand pair every cycle ([`pipelined`]).
    Pipelined {
        /// Karatsuba-Ofman levels (0 = schoolbook); a level is taken only where it saves
        /// tiles.
        karatsuba: usize,
        /// Column compressor slice width (bits summed together below 64 bits).
        slice_bits: usize,
        /// Adder-tree levels between pipeline registers in the compressor.
        levels_per_stage: usize,
    },
    /// Digit-serial over a few tiles, a new pair every `initiation_interval` cycles
    /// ([`iterative`]).
    Iterative {
        /// Tiles requested (capped at the 2d that can ever be busy).
        tiles: usize,
    },
}

impl Architecture {
    /// The pipelined architecture with `karatsuba` levels and the default compressor.
    pub fn pipelined(karatsuba: usize) -> Self {
        Architecture::Pipelined {
            karatsuba,
            slice_bits: 32,
            levels_per_stage: 2,
        }
    }

    /// The iterative architecture on `tiles` tiles.
    pub fn iterative(tiles: usize) -> Self {
        Architecture::Iterative { tiles }
    }

    /// From the CLI's words: `pipelined` (with `karatsuba`) or `iterative` (with `tiles`).
    pub fn from_flags(name: &str, karatsuba: usize, tiles: usize) -> Option<Self> {
        match name {
            "pipelined" => Some(Self::pipelined(karatsuba)),
            "iterative" => Some(Self::iterative(tiles)),
            _ => None,
        }
    }

    /// `pipelined` or `iterative`.
    pub fn name(&self) -> &'static str {
        match self {
            Architecture::Pipelined { .. } => "pipelined",
            Architecture::Iterative { .. } => "iterative",
        }
    }

    /// Karatsuba levels of the pipelined architecture.
    pub fn karatsuba(&self) -> Option<usize> {
        match self {
            Architecture::Pipelined { karatsuba, .. } => Some(*karatsuba),
            Architecture::Iterative { .. } => None,
        }
    }

    /// Tiles of the iterative architecture.
    pub fn iterative_tiles(&self) -> Option<usize> {
        match self {
            Architecture::Iterative { tiles } => Some(*tiles),
            Architecture::Pipelined { .. } => None,
        }
    }

    /// The architecture's parameters in words, e.g. `Karatsuba 3` or `4 tiles`.
    pub fn describe(&self) -> String {
        match self {
            Architecture::Pipelined { karatsuba, .. } => format!("Karatsuba {karatsuba}"),
            Architecture::Iterative { tiles } => format!("{tiles} tiles"),
        }
    }
}

/// How the pipelined core computes `m = (T mod R) p' mod R`, the low-half product by the
/// constant p' (JSON key `p_prime_product`: `auto`, `tiles` or `lut`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PPrimeProduct {
    /// `lut` where the tile product needs more than one tile, `tiles` where one tile does
    /// (a 16-bit prime on 26x17 tiles: the formal proof's reference tiles match the core's).
    #[default]
    Auto,
    /// Karatsuba tiles, as the other two products (DSPs).
    Tiles,
    /// A shift-and-add network in logic: one compressor term `± (x mod 2^(k-s)) 2^s` per
    /// non-zero digit of p' in non-adjacent form, x = T mod R, or in width-3 NAF where that
    /// pays, x = T mod R or 3 (T mod R) ([`crate::constmul`]); no tiles, about one LUT per
    /// term bit.
    Lut,
}

impl PPrimeProduct {
    /// Whether this is the default, `auto`.
    pub fn is_auto(&self) -> bool {
        *self == PPrimeProduct::Auto
    }

    pub const NAMES: [&'static str; 3] = ["auto", "tiles", "lut"];

    /// From the CLI's word: `auto`, `tiles` or `lut`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "auto" => Some(PPrimeProduct::Auto),
            "tiles" => Some(PPrimeProduct::Tiles),
            "lut" => Some(PPrimeProduct::Lut),
            _ => None,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            PPrimeProduct::Auto => "auto",
            PPrimeProduct::Tiles => "tiles",
            PPrimeProduct::Lut => "lut",
        }
    }
}

/// How the pipelined core sums the tile products of its two Karatsuba products (JSON key
/// `karatsuba_sum`: `tree` or `flat`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KaratsubaSum {
    /// Along the Karatsuba tree ([`crate::karatsuba::instantiate_tree`]): every sub-product
    /// that the recombination `z0 + (z1 - z0 - z2) 2^h + z2 2^2h` uses twice (`z0`, `z2`) is
    /// first summed once, without a carry-propagate add, so each tile product is one term.
    /// About half the adder bits of `flat` for BLS12-381 Fq, for about ten more cycles.
    #[default]
    Tree,
    /// One column compressor over every tile product at every weight and sign it is used with
    /// (up to `2^levels` copies of a tile product): the shortest pipeline.
    Flat,
}

impl KaratsubaSum {
    /// From the CLI's word: `tree` or `flat`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "tree" => Some(KaratsubaSum::Tree),
            "flat" => Some(KaratsubaSum::Flat),
            _ => None,
        }
    }
}

/// A Montgomery multiplier: `result = a b R^-1 mod p`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModMulConfig {
    #[serde(with = "crate::emit::hex_biguint")]
    pub modulus: BigUint,
    pub field: String,
    pub top: String,
    pub tile: TileShape,
    pub architecture: Architecture,
    /// Timing by construction: the longest carry chain between two registers in the
    /// pipelined datapath (the compressor's final adds, the final subtraction); wider adds
    /// become two-stage carry-select adders. 0: unbounded.
    #[serde(default = "crate::netlist::default_max_add_bits")]
    pub max_add_bits: usize,
    /// The pipelined core's product by p': tiles or a NAF shift-and-add network in logic
    /// (default `auto`: the network wherever the tile product needs more than one tile).
    /// The iterative core takes only `auto` (its digit products share the tiles).
    #[serde(default)]
    pub p_prime_product: PPrimeProduct,
    /// Registers at the ends of the long routes in the pipelined datapath
    /// ([`crate::netlist::Netlist::route_registers`]): the compressor's terms registered once
    /// more, the operands and the chunk carries of every chunked add too (off by default;
    /// the ECP5 synthesis flow turns it on, with one adder level per stage). Saved only when on,
    /// so the configurations without it read and write as before.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub route_registers: bool,
    /// How the pipelined core sums its Karatsuba products' tiles (default `tree`).
    #[serde(default)]
    pub karatsuba_sum: KaratsubaSum,
}

impl ModMulConfig {
    /// Defaults: pipelined Montgomery, 26x17 tiles (DSP48E2), 3 Karatsuba levels.
    pub fn new(modulus: BigUint, field: &str) -> Self {
        ModMulConfig {
            modulus,
            field: field.to_string(),
            top: "zk_modmul".into(),
            tile: TileShape::T26x17,
            architecture: Architecture::pipelined(3),
            max_add_bits: crate::netlist::DEFAULT_MAX_ADD_BITS,
            p_prime_product: PPrimeProduct::Auto,
            route_registers: false,
            karatsuba_sum: KaratsubaSum::Tree,
        }
    }

    pub fn validate(&self) -> Result<(), HdlError> {
        let bad = |m: String| Err(HdlError::Unsupported(m));
        if self.modulus < BigUint::from(3u32) || !self.modulus.bit(0) {
            return bad(format!("modulus {:#x} must be an odd prime", self.modulus));
        }
        width_class(self.modulus.bits() as usize)?;
        crate::netlist::check_max_add_bits(self.max_add_bits)?;
        match self.architecture {
            Architecture::Pipelined {
                karatsuba,
                slice_bits,
                levels_per_stage,
            } => {
                if karatsuba > MAX_KARATSUBA {
                    return bad(format!(
                        "--karatsuba {karatsuba} is above the maximum of {MAX_KARATSUBA}"
                    ));
                }
                if !(8..=48).contains(&slice_bits) {
                    return bad("slice_bits must be between 8 and 48".into());
                }
                if levels_per_stage == 0 {
                    return bad("levels_per_stage must be at least 1".into());
                }
            }
            Architecture::Iterative { tiles } => {
                if tiles == 0 {
                    return bad("the iterative architecture needs at least one tile".into());
                }
                if self.p_prime_product != PPrimeProduct::Auto {
                    return bad(format!(
                        "--p-prime-product {} applies to the pipelined architecture only",
                        self.p_prime_product.name()
                    ));
                }
            }
        }
        Ok(())
    }

    /// k, with R = 2^k: the bit length of p (pipelined), or digits x digit width (iterative).
    pub fn r_bits(&self) -> usize {
        match self.architecture {
            Architecture::Pipelined { .. } => self.modulus.bits() as usize,
            Architecture::Iterative { .. } => iterative::r_bits(self),
        }
    }

    /// p' = -p^-1 mod 2^k.
    pub fn p_prime(&self) -> BigUint {
        neg_inverse_mod_2k(&self.modulus, self.r_bits())
    }

    /// Whether the pipelined core computes `m` by the NAF network (`lut`, or `auto` where the
    /// tile product needs more than one tile); false for the iterative core.
    pub fn p_prime_by_lut(&self) -> bool {
        match (self.architecture, self.p_prime_product) {
            (Architecture::Iterative { .. }, _) => false,
            (_, PPrimeProduct::Lut) => true,
            (_, PPrimeProduct::Tiles) => false,
            (Architecture::Pipelined { karatsuba, .. }, PPrimeProduct::Auto) => {
                let k = self.r_bits();
                let wp = self.p_prime().bits() as usize;
                crate::karatsuba::low_tiles(k, wp, k, karatsuba, self.tile) > 1
            }
        }
    }

    /// Port width of `a`, `b` and `result`.
    pub fn width(&self) -> Result<usize, HdlError> {
        width_class(self.modulus.bits() as usize)
    }

    /// Cycles from input to result (builds the datapath plan, which is cheap).
    pub fn latency(&self) -> Result<usize, HdlError> {
        Ok(plan(self)?.latency)
    }

    /// Cycles between accepted inputs.
    pub fn initiation_interval(&self) -> usize {
        match self.architecture {
            Architecture::Pipelined { .. } => 1,
            Architecture::Iterative { .. } => iterative::initiation_interval(self),
        }
    }
}

/// The bit-accurate software model of the pipelined datapath: the same steps and widths, so
/// that a mismatch points at a step. Returns (T, m, S, U, result).
pub fn model(cfg: &ModMulConfig, a: &BigUint, b: &BigUint) -> [BigUint; 5] {
    let k = cfg.r_bits();
    let r = BigUint::one() << k;
    let t = a * b;
    let m = ((&t % &r) * cfg.p_prime()) % &r;
    let s = &t + &m * &cfg.modulus;
    assert!((&s % &r).is_zero(), "T + m p is divisible by R");
    let u = &s >> k;
    let res = if u >= cfg.modulus {
        &u - &cfg.modulus
    } else {
        u.clone()
    };
    [t, m, s, u, res]
}

/// A generated datapath: Verilog body, tiles and timing.
pub struct Plan {
    pub body: String,
    pub tiles: usize,
    pub latency: usize,
    pub register_bits: usize,
    pub compressor_terms: usize,
}

/// Builds the datapath of the configured architecture.
pub fn plan(cfg: &ModMulConfig) -> Result<Plan, HdlError> {
    cfg.validate()?;
    match cfg.architecture {
        Architecture::Pipelined {
            karatsuba,
            slice_bits,
            levels_per_stage,
        } => pipelined::plan(cfg, karatsuba, slice_bits, levels_per_stage),
        Architecture::Iterative { .. } => iterative::plan(cfg),
    }
}

/// Gives the combinationally driven outputs a value at time zero: `always @(*)` only runs on
/// a change, so an event-driven simulator (Icarus) would show `x` until the first one.
pub const OUTPUTS_AT_TIME_ZERO: &str =
    "initial begin\n    out_valid = 1'b0;\n    result = 0;\nend\n";

/// The rust-hdl block: ports, the tile instances as child blocks, the datapath as its body.
/// Its Verilog is what is simulated; it has no rust-hdl simulation model.
#[derive(LogicBlock)]
pub struct ModMul<const W: usize, const TA: usize, const TB: usize, const TP: usize> {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub in_valid: Signal<In, Bit>,
    pub a: Signal<In, Bits<W>>,
    pub b: Signal<In, Bits<W>>,
    pub out_valid: Signal<Out, Bit>,
    pub result: Signal<Out, Bits<W>>,
    tiles: Vec<TileMul<TA, TB, TP>>,
    body: Body,
}

impl<const W: usize, const TA: usize, const TB: usize, const TP: usize> ModMul<W, TA, TB, TP> {
    pub(crate) fn new(plan: &Plan) -> Self {
        ModMul {
            clock: Default::default(),
            reset: Default::default(),
            in_valid: Default::default(),
            a: Default::default(),
            b: Default::default(),
            out_valid: Default::default(),
            result: Default::default(),
            tiles: (0..plan.tiles).map(|_| TileMul::default()).collect(),
            body: Body(plan.body.clone()),
        }
    }
}

impl<const W: usize, const TA: usize, const TB: usize, const TP: usize> Logic
    for ModMul<W, TA, TB, TP>
{
    fn update(&mut self) {}

    fn connect(&mut self) {
        self.out_valid.connect();
        self.result.connect();
        for t in &mut self.tiles {
            t.clock.connect();
            t.a.connect();
            t.b.connect();
        }
    }

    fn hdl(&self) -> Verilog {
        // A point adder holds twelve identical multipliers: kept as one module, Verilator
        // compiles its C++ once instead of twelve inlined copies.
        Verilog::Custom(format!("/*verilator no_inline_module*/\n{}", self.body.0))
    }
}

fn ports(w: usize) -> Vec<PortSpec> {
    stream_ports(
        vec![
            PortSpec::input("a", w, "first operand, < p"),
            PortSpec::input("b", w, "second operand, < p"),
        ],
        "a and b are",
        vec![PortSpec::output(
            "result",
            w,
            "a * b * R^-1 mod p, in [0, p)",
        )],
    )
}

impl Core for ModMulConfig {
    const NAME: &'static str = "modmul";

    fn top(&self) -> &str {
        &self.top
    }

    fn validate(&self) -> Result<(), HdlError> {
        ModMulConfig::validate(self)
    }

    fn ports(&self) -> Result<Vec<PortSpec>, HdlError> {
        Ok(ports(self.width()?))
    }

    fn timing(&self) -> Result<Timing, HdlError> {
        let ii = self.initiation_interval();
        let mut t = Timing::pipelined(self.latency()?);
        if ii != 1 {
            t.initiation_interval = ii;
            t.handshake = format!(
                "valid only: in_valid is taken when the core is idle (at most one input every {ii} \
                 cycles; inputs while busy are ignored: keep in_valid low); out_valid qualifies \
                 the result"
            );
        }
        Ok(t)
    }

    fn contract(&self) -> Result<Contract, HdlError> {
        let k = self.r_bits();
        Ok(Contract {
            arithmetic: format!(
                "Montgomery: result = a * b * R^-1 mod p with R = 2^{k}; a, b in [0, p), result \
                 in [0, p) (fully reduced); p = {:#x} ({k} bits) on a {}-bit port",
                self.modulus,
                self.width()?
            ),
            modulus: Some(self.modulus.clone()),
            field: Some(self.field.clone()),
            tiles: plan(self)?.tiles,
        })
    }

    fn emit(&self) -> Result<String, HdlError> {
        let plan = plan(self)?;
        struct Emit<'a>(&'a Plan, &'a str);
        impl WidthTile for Emit<'_> {
            fn emit<const W: usize, const TA: usize, const TB: usize, const TP: usize>(
                &self,
            ) -> Result<String, HdlError> {
                emit_core(&mut ModMul::<W, TA, TB, TP>::new(self.0), self.1)
            }
        }
        dispatch(self.width()?, self.tile, &Emit(&plan, &self.top))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bls12_381_fq() -> BigUint {
        BigUint::parse_bytes(b"1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab", 16).unwrap()
    }

    #[test]
    fn p_prime_is_minus_p_inverse() {
        let cfg = ModMulConfig::new(bls12_381_fq(), "bls12-381-fq");
        let r = BigUint::one() << cfg.r_bits();
        assert_eq!((cfg.p_prime() * &cfg.modulus + 1u32) % &r, BigUint::zero());
    }

    #[test]
    fn model_is_montgomery_multiplication() {
        let cfg = ModMulConfig::new(bls12_381_fq(), "bls12-381-fq");
        let p = &cfg.modulus;
        let k = cfg.r_bits();
        let rinv = (BigUint::one() << k).modpow(&(p - 2u32), p);
        for (a, b) in [(0u32, 5u32), (1, 1), (3, 5)] {
            let (a, b) = (BigUint::from(a), BigUint::from(b));
            assert_eq!(model(&cfg, &a, &b)[4], (&a * &b * &rinv) % p);
        }
        let pm1 = p - 1u32;
        assert_eq!(model(&cfg, &pm1, &pm1)[4], (&pm1 * &pm1 * &rinv) % p);
    }

    #[test]
    fn bls12_381_fq_26x17_with_karatsuba_fits_the_budget() {
        let mut cfg = ModMulConfig::new(bls12_381_fq(), "bls12-381-fq");
        cfg.architecture = Architecture::pipelined(0);
        let schoolbook = plan(&cfg).unwrap().tiles;
        cfg.architecture = Architecture::pipelined(3);
        let kara = plan(&cfg).unwrap().tiles;
        assert!(kara < schoolbook, "{kara} vs {schoolbook}");
        assert!(kara <= 450, "{kara} tiles");
    }

    /// The NAF network for p' removes exactly the low product's tiles; the default (`auto`)
    /// takes it for BLS12-381 Fq on 26x17 tiles (at most 310 tiles left of 445).
    #[test]
    fn p_prime_network_replaces_the_low_product_tiles() {
        let mut cfg = ModMulConfig::new(bls12_381_fq(), "bls12-381-fq");
        let k = cfg.r_bits();
        let default = plan(&cfg).unwrap();
        assert!(cfg.p_prime_by_lut());
        cfg.p_prime_product = PPrimeProduct::Tiles;
        let tiles = plan(&cfg).unwrap();
        cfg.p_prime_product = PPrimeProduct::Lut;
        let lut = plan(&cfg).unwrap();
        let low = crate::karatsuba::low_tiles(k, cfg.p_prime().bits() as usize, k, 3, cfg.tile);
        assert_eq!(default.tiles, lut.tiles);
        assert_eq!(
            tiles.tiles - lut.tiles,
            low,
            "{} vs {}",
            tiles.tiles,
            lut.tiles
        );
        assert!(lut.tiles <= 310, "{} tiles", lut.tiles);
        let chosen = pipelined::p_prime_digits(&cfg);
        let digits = chosen.len();
        eprintln!(
            "bls12-381-fq 26x17 K3: tiles {} -> {} (low product {low} tiles), latency {} -> {}, \
             compressor terms {} -> {}, network digits {digits}, network bits {}, register bits {} -> {}",
            tiles.tiles,
            lut.tiles,
            tiles.latency,
            lut.latency,
            tiles.compressor_terms,
            lut.compressor_terms,
            crate::constmul::digit_bits(&chosen, k),
            tiles.register_bits,
            lut.register_bits,
        );
    }

    /// `auto` keeps the tile where the product by p' is one tile (a 16-bit prime on 26x17
    /// tiles, the formal proof's case), and `lut` is refused by the iterative core.
    #[test]
    fn auto_keeps_a_single_tile_and_iterative_refuses_lut() {
        let mut cfg = ModMulConfig::new(BigUint::from(0xfff1u32), "custom");
        assert!(!cfg.p_prime_by_lut());
        assert_eq!(plan(&cfg).unwrap().tiles, 3);
        cfg.p_prime_product = PPrimeProduct::Lut;
        assert!(cfg.p_prime_by_lut());
        assert_eq!(plan(&cfg).unwrap().tiles, 2);
        cfg.architecture = Architecture::iterative(2);
        let e = plan(&cfg).err().expect("refused").to_string();
        assert!(e.contains("pipelined architecture only"), "{e}");
        cfg.p_prime_product = PPrimeProduct::Auto;
        assert!(!cfg.p_prime_by_lut());
        assert!(plan(&cfg).is_ok());
    }

    /// A configuration saved before `p_prime_product` existed still parses (as `auto`), and the
    /// key round-trips.
    #[test]
    fn p_prime_product_json() {
        let mut cfg = ModMulConfig::new(bls12_381_fq(), "bls12-381-fq");
        let mut v = serde_json::to_value(&cfg).unwrap();
        assert_eq!(v["p_prime_product"], "auto");
        v.as_object_mut().unwrap().remove("p_prime_product");
        let old: ModMulConfig = serde_json::from_value(v).unwrap();
        assert_eq!(old.p_prime_product, PPrimeProduct::Auto);
        cfg.p_prime_product = PPrimeProduct::Tiles;
        let text = serde_json::to_string(&cfg).unwrap();
        assert!(text.contains("\"p_prime_product\":\"tiles\""), "{text}");
        assert_eq!(serde_json::from_str::<ModMulConfig>(&text).unwrap(), cfg);
        for n in PPrimeProduct::NAMES {
            assert_eq!(PPrimeProduct::parse(n).unwrap().name(), n);
        }
        assert!(PPrimeProduct::parse("dsp").is_none());
    }
}
