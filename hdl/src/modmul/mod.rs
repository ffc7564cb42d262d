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
//! 2. `m = (T mod R) * p' mod R`, `p' = -p^-1 mod R` (low-half product by a constant);
//! 3. `S = T + m * p` (full product by the constant p, with T as one more compressor term);
//!    `S` is divisible by R and `U = S / R < 2p`;
//! 4. `result = U - p` if that is not negative, else `U`.

use crate::emit::{emit_core, GeneratedCore};
use crate::karatsuba::{self, Operand};
use crate::manifest::{stream_ports, Manifest, PortSpec};
use crate::modadd::width_class;
use crate::netlist::{literal, Netlist, Term};
use crate::tile::{TileMul, TileShape};
use crate::HdlError;
use num_bigint::{BigInt, BigUint};
use num_traits::{One, Zero};
use rust_hdl::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    Montgomery,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Architecture {
    /// A new operand pair every cycle.
    Pipelined,
    /// Digit-serial over a few tiles, a new pair every `initiation_interval` cycles.
    Iterative,
}

impl Architecture {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pipelined" => Some(Architecture::Pipelined),
            "iterative" => Some(Architecture::Iterative),
            _ => None,
        }
    }
}

/// Most Karatsuba levels the generator takes.
pub const MAX_KARATSUBA: usize = 4;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModMulConfig {
    #[serde(with = "crate::emit::hex_biguint")]
    pub modulus: BigUint,
    pub field: String,
    pub top: String,
    pub algorithm: Algorithm,
    pub architecture: Architecture,
    pub tile: TileShape,
    /// Karatsuba-Ofman levels (0 = schoolbook); a level is taken only where it saves tiles.
    pub karatsuba: usize,
    /// Column compressor slice width (bits summed together below 64 bits).
    pub slice_bits: usize,
    /// Adder-tree levels between pipeline registers in the compressor.
    pub levels_per_stage: usize,
    /// Tiles of the iterative architecture.
    pub iterative_tiles: usize,
}

impl ModMulConfig {
    /// Defaults: pipelined Montgomery, 26x17 tiles (DSP48E2), 3 Karatsuba levels.
    pub fn new(modulus: BigUint, field: &str) -> Self {
        ModMulConfig {
            modulus,
            field: field.to_string(),
            top: "zk_modmul".into(),
            algorithm: Algorithm::Montgomery,
            architecture: Architecture::Pipelined,
            tile: TileShape::T26x17,
            karatsuba: 3,
            slice_bits: 32,
            levels_per_stage: 2,
            iterative_tiles: 4,
        }
    }

    pub fn validate(&self) -> Result<(), HdlError> {
        let bad = |m: String| Err(HdlError::Unsupported(m));
        if self.modulus < BigUint::from(3u32) || !self.modulus.bit(0) {
            return bad(format!("modulus {:#x} must be an odd prime", self.modulus));
        }
        width_class(self.modulus.bits() as usize)?;
        if self.karatsuba > MAX_KARATSUBA {
            return bad(format!(
                "--karatsuba {} is above the maximum of {MAX_KARATSUBA}",
                self.karatsuba
            ));
        }
        if !(8..=48).contains(&self.slice_bits) {
            return bad("slice_bits must be between 8 and 48".into());
        }
        if self.levels_per_stage == 0 {
            return bad("levels_per_stage must be at least 1".into());
        }
        if self.architecture == Architecture::Iterative && self.iterative_tiles == 0 {
            return bad("the iterative architecture needs at least one tile".into());
        }
        Ok(())
    }

    /// k, with R = 2^k: the bit length of p (pipelined), or digits x digit width (iterative).
    pub fn r_bits(&self) -> usize {
        match self.architecture {
            Architecture::Pipelined => self.modulus.bits() as usize,
            Architecture::Iterative => crate::modmul_iterative::r_bits(self),
        }
    }

    /// p' = -p^-1 mod 2^k.
    pub fn p_prime(&self) -> BigUint {
        let k = self.r_bits();
        let r = BigInt::one() << k;
        let p = BigInt::from(self.modulus.clone());
        // Newton iteration for p^-1 mod 2^k: x <- x (2 - p x), doubling correct bits each time.
        let mut x = BigInt::one();
        for _ in 0..12 {
            x = (&x * (BigInt::from(2) - &p * &x)).modpow(&BigInt::one(), &r);
        }
        let inv = ((x % &r) + &r) % &r;
        ((&r - inv) % &r).to_biguint().expect("non-negative")
    }

    /// Port width of `a`, `b` and `result`.
    pub fn width(&self) -> Result<usize, HdlError> {
        width_class(self.modulus.bits() as usize)
    }

    /// Cycles from input to result (builds the datapath plan, which is cheap).
    pub fn latency(&self) -> Result<usize, HdlError> {
        Ok(plan(self)?.latency)
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

/// Builds the pipelined Montgomery datapath. Stage 0 is the input register.
pub fn plan(cfg: &ModMulConfig) -> Result<Plan, HdlError> {
    cfg.validate()?;
    if cfg.architecture == Architecture::Iterative {
        return crate::modmul_iterative::plan(cfg);
    }
    let k = cfg.r_bits();
    let p = cfg.modulus.clone();
    let mut nl = Netlist::default();
    let a = nl.reg_expr("a_in", k, 0, &format!("a[{}:0]", k - 1));
    let b = nl.reg_expr("b_in", k, 0, &format!("b[{}:0]", k - 1));
    let mut terms_total = 0;
    // 1. T = a b.
    let leaves = karatsuba::full(
        &mut nl,
        &Operand::Var(a),
        &Operand::Var(b),
        cfg.karatsuba,
        cfg.tile,
    );
    let (terms, _) = karatsuba::instantiate(&mut nl, &leaves, cfg.tile, 2 * k, None);
    terms_total += terms.len();
    let t = nl.sum(
        &terms,
        &BigUint::zero(),
        2 * k,
        cfg.slice_bits,
        cfg.levels_per_stage,
    );
    // 2. m = (T mod R) p' mod R.
    let t_lo = nl.slice(&t, 0, k).expect("T has k low bits");
    let leaves = karatsuba::low(
        &mut nl,
        &Operand::Var(t_lo),
        &Operand::constant(cfg.p_prime()),
        k,
        cfg.karatsuba,
        cfg.tile,
    );
    let (terms, _) = karatsuba::instantiate(&mut nl, &leaves, cfg.tile, k, None);
    terms_total += terms.len();
    let m = nl.sum(
        &terms,
        &BigUint::zero(),
        k,
        cfg.slice_bits,
        cfg.levels_per_stage,
    );
    // 3. S = T + m p, leaving out low tiles of m p whose sum E has |E| < R/4: the exact
    //    S + E is divisible by R, so the low half of the computed S is -E mod R, and its top
    //    bit says whether E was positive (carry one into the high half) or not.
    let leaves = karatsuba::full(
        &mut nl,
        &Operand::Var(m),
        &Operand::constant(p.clone()),
        cfg.karatsuba,
        cfg.tile,
    );
    let (mut terms, _dropped) =
        karatsuba::instantiate(&mut nl, &leaves, cfg.tile, 2 * k + 2, Some(k - 2));
    terms.push(Term {
        sig: t,
        shift: 0,
        negate: false,
    });
    terms_total += terms.len();
    let s = nl.sum(
        &terms,
        &BigUint::zero(),
        2 * k + 2,
        cfg.slice_bits,
        cfg.levels_per_stage,
    );
    // 4. U = S / R < 2p; result = U - p unless that is negative.
    let u = nl.wire(
        "u",
        k + 1,
        s.stage,
        &format!("{}[{}:{k}] + {}[{}]", s.name, 2 * k, s.name, k - 1),
    );
    let d = nl.wire(
        "diff",
        k + 2,
        u.stage,
        &format!("{{1'b0, {}}} - {}", u.name, literal(&p, k + 2)),
    );
    let res = nl.reg_expr(
        "res",
        k,
        u.stage,
        &format!(
            "{}[{}] ? {}[{}:0] : {}[{}:0]",
            d.name,
            k + 1,
            u.name,
            k - 1,
            d.name,
            k - 1
        ),
    );
    let latency = res.stage;
    let mut body = String::new();
    nl.render(&mut body, "clock");
    body.push_str(&valid_pipeline(latency));
    body.push_str(&format!("always @(*) result = {};\n", res.name));
    body.push_str(OUTPUTS_AT_TIME_ZERO);
    Ok(Plan {
        body,
        tiles: nl.tiles.len(),
        latency,
        register_bits: nl.register_bits,
        compressor_terms: terms_total,
    })
}

/// Gives the combinationally driven outputs a value at time zero: `always @(*)` only runs on
/// a change, so an event-driven simulator (Icarus) would show `x` until the first one.
pub const OUTPUTS_AT_TIME_ZERO: &str =
    "initial begin\n    out_valid = 1'b0;\n    result = 0;\nend\n";

/// `out_valid` follows `in_valid` by `latency` cycles; `reset` clears it.
pub fn valid_pipeline(latency: usize) -> String {
    if latency == 1 {
        return "reg valid_q = 0;\nalways @(posedge clock) valid_q <= in_valid & ~reset;\nalways @(*) out_valid = valid_q;\n".into();
    }
    format!(
        "reg [{m}:0] valid_q = 0;\nalways @(posedge clock) valid_q <= reset ? {l}'b0 : {{valid_q[{n}:0], in_valid}};\nalways @(*) out_valid = valid_q[{m}];\n",
        m = latency - 1,
        n = latency - 2,
        l = latency
    )
}

/// A datapath body produced by the generator, carried as a child that emits nothing itself.
#[derive(Clone, Debug, Default)]
pub struct Body(pub String);

impl Logic for Body {
    fn update(&mut self) {}
}

impl Block for Body {
    fn connect_all(&mut self) {}
    fn update_all(&mut self) {}
    fn has_changed(&self) -> bool {
        false
    }
    fn accept(&self, _name: &str, _probe: &mut dyn Probe) {}
}

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

/// A block family emitted at a width class and tile shape chosen at run time (rust-hdl
/// widths are const generics).
pub(crate) trait WidthTile {
    fn emit<const W: usize, const TA: usize, const TB: usize, const TP: usize>(
        &self,
    ) -> Result<String, HdlError>;
}

/// Calls `e.emit` with the const parameters of width class `w` and `tile`.
pub(crate) fn dispatch<E: WidthTile>(w: usize, tile: TileShape, e: &E) -> Result<String, HdlError> {
    macro_rules! with_tile {
        ($w:literal) => {
            match tile {
                TileShape::T16x16 => e.emit::<$w, 16, 16, 32>(),
                TileShape::T18x18 => e.emit::<$w, 18, 18, 36>(),
                TileShape::T26x17 => e.emit::<$w, 26, 17, 43>(),
                TileShape::T27x27 => e.emit::<$w, 27, 27, 54>(),
            }
        };
    }
    macro_rules! by_width {
        ($($w:literal),*) => {
            match w {
                $($w => with_tile!($w),)*
                _ => Err(HdlError::Unsupported(format!("no width class {w}"))),
            }
        };
    }
    by_width!(64, 128, 192, 256, 320, 384, 448, 512, 576, 640, 704, 768)
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

/// Generates the Verilog and manifest of a `modmul` core.
pub fn generate(cfg: &ModMulConfig) -> Result<GeneratedCore, HdlError> {
    let plan = plan(cfg)?;
    let w = cfg.width()?;
    struct Emit<'a>(&'a Plan, &'a str);
    impl WidthTile for Emit<'_> {
        fn emit<const W: usize, const TA: usize, const TB: usize, const TP: usize>(
            &self,
        ) -> Result<String, HdlError> {
            emit_core(&mut ModMul::<W, TA, TB, TP>::new(self.0), self.1)
        }
    }
    let verilog = dispatch(w, cfg.tile, &Emit(&plan, &cfg.top))?;
    let k = cfg.r_bits();
    let ii = match cfg.architecture {
        Architecture::Pipelined => 1,
        Architecture::Iterative => crate::modmul_iterative::initiation_interval(cfg),
    };
    let manifest = Manifest {
        core: "modmul".into(),
        top: cfg.top.clone(),
        files: vec![format!("{}.v", cfg.top)],
        clock: "clock".into(),
        reset: "reset".into(),
        ports: ports(w),
        latency: plan.latency,
        initiation_interval: ii,
        handshake: if ii == 1 {
            "valid only: in_valid qualifies inputs, out_valid qualifies outputs; no backpressure, \
             one result per accepted input, in order"
                .into()
        } else {
            format!(
                "valid only: in_valid is taken when the core is idle (at most one input every {ii} \
                 cycles; inputs while busy are ignored: keep in_valid low); out_valid qualifies \
                 the result"
            )
        },
        arithmetic: format!(
            "Montgomery: result = a * b * R^-1 mod p with R = 2^{k}; a, b in [0, p), result in \
             [0, p) (fully reduced); p = {:#x} ({k} bits) on a {w}-bit port",
            cfg.modulus
        ),
        modulus: Some(format!("{:#x}", cfg.modulus)),
        field: Some(cfg.field.clone()),
        tiles: plan.tiles,
        config: serde_json::to_value(cfg).expect("config serializes"),
        generator: format!("zkhdl-hdl {}", env!("CARGO_PKG_VERSION")),
    };
    Ok(GeneratedCore { verilog, manifest })
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
        cfg.karatsuba = 0;
        let schoolbook = plan(&cfg).unwrap().tiles;
        cfg.karatsuba = 3;
        let kara = plan(&cfg).unwrap().tiles;
        assert!(kara < schoolbook, "{kara} vs {schoolbook}");
        assert!(kara <= 450, "{kara} tiles");
    }
}
