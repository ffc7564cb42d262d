//! `point_add`: a fully pipelined complete point adder for short Weierstrass curves with
//! a = 0 (BLS12-381 G1 b = 4, BN254 G1 b = 3, BLS12-377 G1 b = 1; one generator for all).
//!
//! Contract: with `in_valid` high on a rising edge the core takes P1 = (x1 : y1 : z1) and
//! P2 = (x2 : y2 : z2) in homogeneous projective coordinates (x = X/Z, y = Y/Z, the identity
//! is (0 : 1 : 0)), every coordinate in the Montgomery domain (`v * R mod p`, `R = 2^k`, k =
//! the bit length of p) and below p. [`PointAddConfig::latency`] cycles later `out_valid` is
//! high for one cycle and (x3 : y3 : z3) = P1 + P2, in the same domain, fully reduced. A new
//! pair every cycle, no backpressure, results in order; `reset` clears the valid pipeline.
//!
//! Formula: Renes-Costello-Batina, eprint 2015/1060, Algorithm 7 (12 M + 2 m3b + 19 a). It is
//! complete: doubling, P + (-P) and the identity need no special case, which is what lets the
//! MSM pipeline push any pair through without looking at it. The result is exactly the
//! projective triple of the software model `zkhdl_golden::rcb::add`, step for step.
//!
//! Mixed variant (`mixed: true`, top ports x1, y1, z1, x2, y2, no z2): P1 projective plus P2
//! affine, the complete formula with Z2 = 1 substituted (Algorithm 8 of the same paper,
//! 11 M + 2 m3b + 13 a): Z1 Z2 is Z1, `(Y1 + Z1)(Y2 + Z2) - Y1 Y2 - Z1 Z2` is `Y2 Z1 + Y1` and
//! `(X1 + Z1)(X2 + Z2) - X1 X2 - Z1 Z2` is `X2 Z1 + X1`, so one multiplier and six modular
//! additions go. P1 may be the identity (any (0 : l : 0)); P2 must not be: an affine P2
//! cannot express it, and the MSM drops identity inputs before they reach an adder. The
//! result is the projective triple of `zkhdl_golden::rcb::add_mixed`, which equals the triple
//! of the full formula with Z2 = 1. Bucket aggregation and window combination add two
//! projective sums and still need the projective core.
//!
//! Structure: 12 pipelined Montgomery multipliers ([`crate::modmul`], one per M; the schedule
//! puts six products in each of two product layers; mixed: 11, five in the first layer) and the two-stage modular adders of
//! [`crate::netlist::Netlist::mod_add_sub`] (shared with `modadd`); `3b * v` is a chain of modular doublings and additions. Every value carries the
//! pipeline stage it is valid at and the netlist builder inserts the delay registers, so the
//! schedule is correct by construction.

use crate::emit::emit_core;
use crate::interface::{Contract, Core, Timing};
use crate::manifest::{stream_ports, PortSpec};
use crate::modmul::{self, Architecture, ModMul, ModMulConfig, PPrimeProduct};
use crate::netlist::{zext, AddSub, Netlist, Sig};
use crate::rtl::{dispatch, valid_pipeline, width_class, Body, WidthTile};
use crate::tile::TileShape;
use crate::HdlError;
use num_bigint::BigUint;
use rust_hdl::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointAddConfig {
    /// Curve name for the manifest, e.g. `bls12-381`.
    pub curve: String,
    /// The base field prime.
    #[serde(with = "crate::emit::hex_biguint")]
    pub modulus: BigUint,
    /// The curve coefficient b of y^2 = x^3 + b.
    pub b: u64,
    pub top: String,
    /// Tile shape and Karatsuba levels of the multipliers.
    pub tile: TileShape,
    pub karatsuba: usize,
    /// Timing by construction: the longest carry chain between two registers, in the
    /// modular adds and the multipliers (0: unbounded).
    #[serde(default = "crate::netlist::default_max_add_bits")]
    pub max_add_bits: usize,
    /// P2 affine (ports x2, y2; no z2): the mixed formula, 11 multipliers instead of 12.
    /// Absent from the JSON when false, so projective configurations read and write as before.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mixed: bool,
    /// The multipliers' product by p' ([`PPrimeProduct`]). Absent from the JSON when `auto`.
    #[serde(default, skip_serializing_if = "PPrimeProduct::is_auto")]
    pub p_prime_product: PPrimeProduct,
}

impl PointAddConfig {
    pub fn new(curve: &str, modulus: BigUint, b: u64) -> Self {
        PointAddConfig {
            curve: curve.into(),
            modulus,
            b,
            top: "zk_point_add".into(),
            tile: TileShape::T26x17,
            karatsuba: 3,
            max_add_bits: crate::netlist::DEFAULT_MAX_ADD_BITS,
            mixed: false,
            p_prime_product: PPrimeProduct::Auto,
        }
    }

    /// The mixed adder (P2 affine) of the same curve.
    pub fn new_mixed(curve: &str, modulus: BigUint, b: u64) -> Self {
        PointAddConfig {
            mixed: true,
            ..Self::new(curve, modulus, b)
        }
    }

    /// The input ports that carry coordinates, in order.
    pub fn input_names(&self) -> &'static [&'static str] {
        if self.mixed {
            &["x1", "y1", "z1", "x2", "y2"]
        } else {
            &["x1", "y1", "z1", "x2", "y2", "z2"]
        }
    }

    /// The configuration of the multipliers inside.
    pub fn modmul(&self) -> ModMulConfig {
        let mut m = ModMulConfig::new(self.modulus.clone(), &format!("{}-fq", self.curve));
        m.tile = self.tile;
        m.architecture = Architecture::pipelined(self.karatsuba);
        m.max_add_bits = self.max_add_bits;
        m.p_prime_product = self.p_prime_product;
        m
    }

    /// k: coordinates are Montgomery residues for R = 2^k.
    pub fn r_bits(&self) -> usize {
        self.modulus.bits() as usize
    }

    pub fn width(&self) -> Result<usize, HdlError> {
        width_class(self.modulus.bits() as usize)
    }

    pub fn validate(&self) -> Result<(), HdlError> {
        self.modmul().validate()?;
        if self.b == 0 {
            return Err(HdlError::Unsupported(
                "b = 0 is not an elliptic curve with a = 0".into(),
            ));
        }
        if BigUint::from(3 * self.b) >= self.modulus {
            return Err(HdlError::Unsupported("3b must be below the modulus".into()));
        }
        Ok(())
    }

    /// Cycles from input to result.
    pub fn latency(&self) -> Result<usize, HdlError> {
        Ok(plan(self)?.latency)
    }
}

/// The generated datapath.
pub struct PointAddPlan {
    pub body: String,
    pub latency: usize,
    pub multipliers: usize,
    pub modular_adds: usize,
    pub mul_plan: modmul::Plan,
    /// P2 affine: the top has no z2 port.
    pub mixed: bool,
}

/// Schedules field operations on the netlist: products go to multiplier instances, additions
/// to the netlist's two-stage modular adder ([`Netlist::mod_add_sub`], the one `modadd` uses).
struct Schedule {
    nl: Netlist,
    k: usize,
    p: BigUint,
    mul_latency: usize,
    /// Operand names of each multiplier instance.
    muls: Vec<(String, String)>,
    adds: usize,
}

impl Schedule {
    fn align(&mut self, a: &Sig, b: &Sig) -> (Sig, Sig, usize) {
        let st = a.stage.max(b.stage);
        (self.nl.at(a, st), self.nl.at(b, st), st)
    }

    fn mul(&mut self, a: &Sig, b: &Sig) -> Sig {
        let (a, b, st) = self.align(a, b);
        let i = self.muls.len();
        self.muls.push((a.name, b.name));
        let k = self.k;
        self.nl.wire(
            "m",
            k,
            st + self.mul_latency,
            &format!("muls${i}$result[{}:0]", k - 1),
        )
    }

    fn add(&mut self, a: &Sig, b: &Sig) -> Sig {
        self.adds += 1;
        self.nl.mod_add_sub(a, b, AddSub::Add, &self.p)
    }

    fn sub(&mut self, a: &Sig, b: &Sig) -> Sig {
        self.adds += 1;
        self.nl.mod_add_sub(a, b, AddSub::Sub, &self.p)
    }

    /// `c * v mod p` for a small constant c >= 1, by left-to-right doubling and adding.
    fn mul_small(&mut self, v: &Sig, c: u64) -> Sig {
        let mut acc = v.clone();
        for bit in (0..63 - c.leading_zeros()).rev() {
            acc = self.add(&acc, &acc);
            if (c >> bit) & 1 == 1 {
                acc = self.add(&acc, v);
            }
        }
        acc
    }
}

/// Builds the datapath of Algorithm 7 (Algorithm 8 when mixed). Stage 0 is the input ports,
/// stage 1 their registers.
pub fn plan(cfg: &PointAddConfig) -> Result<PointAddPlan, HdlError> {
    cfg.validate()?;
    let mcfg = cfg.modmul();
    let mul_plan = modmul::plan(&mcfg)?;
    let k = cfg.r_bits();
    let w = cfg.width()?;
    let mut s = Schedule {
        nl: Netlist::with_max_add(cfg.max_add_bits),
        k,
        p: cfg.modulus.clone(),
        mul_latency: mul_plan.latency,
        muls: vec![],
        adds: 0,
    };
    let input = |s: &mut Schedule, n: &str| s.nl.reg_expr(n, k, 0, &format!("{n}[{}:0]", k - 1));
    let (x1, y1, z1) = (
        input(&mut s, "x1"),
        input(&mut s, "y1"),
        input(&mut s, "z1"),
    );
    let (x3, y3, z3) = if cfg.mixed {
        let (x2, y2) = (input(&mut s, "x2"), input(&mut s, "y2"));
        mixed(&mut s, cfg.b, [x1, y1, z1], [x2, y2])
    } else {
        let (x2, y2, z2) = (
            input(&mut s, "x2"),
            input(&mut s, "y2"),
            input(&mut s, "z2"),
        );
        projective(&mut s, cfg.b, [x1, y1, z1], [x2, y2, z2])
    };
    let latency = x3.stage.max(y3.stage).max(z3.stage);
    let (x3, y3, z3) = (
        s.nl.at(&x3, latency),
        s.nl.at(&y3, latency),
        s.nl.at(&z3, latency),
    );
    let pad = |n: &str| zext(n, k, w);
    // What the core does not read: the multipliers' valid outputs (the schedule knows when
    // each product is ready), their result bits above k (zero), the ports' bits above k.
    for i in 0..s.muls.len() {
        s.nl.unused_signal(&format!("muls${i}$out_valid"));
        if w > k {
            s.nl.unused(&format!("muls${i}$result"), w - 1, k);
        }
    }
    if w > k {
        for n in cfg.input_names() {
            s.nl.unused(n, w - 1, k);
        }
    }
    let mut body = String::new();
    s.nl.render(&mut body, "clock");
    let _ = writeln!(body, "always @(*) begin");
    for (i, (a, b)) in s.muls.iter().enumerate() {
        let _ = writeln!(body, "    muls${i}$clock = clock;");
        let _ = writeln!(body, "    muls${i}$reset = reset;");
        let _ = writeln!(body, "    muls${i}$in_valid = 1'b1;");
        let _ = writeln!(body, "    muls${i}$a = {};", pad(a));
        let _ = writeln!(body, "    muls${i}$b = {};", pad(b));
    }
    let _ = writeln!(body, "end");
    body.push_str(&valid_pipeline(latency));
    let _ = writeln!(body, "always @(*) x3 = {};", pad(&x3.name));
    let _ = writeln!(body, "always @(*) y3 = {};", pad(&y3.name));
    let _ = writeln!(body, "always @(*) z3 = {};", pad(&z3.name));
    body.push_str(
        "initial begin\n    out_valid = 1'b0;\n    x3 = 0;\n    y3 = 0;\n    z3 = 0;\nend\n",
    );
    Ok(PointAddPlan {
        body,
        latency,
        multipliers: s.muls.len(),
        modular_adds: s.adds,
        mul_plan,
        mixed: cfg.mixed,
    })
}

/// Algorithm 7: P1 + P2, both projective; returns (X3, Y3, Z3).
fn projective(s: &mut Schedule, b: u64, p1: [Sig; 3], p2: [Sig; 3]) -> (Sig, Sig, Sig) {
    let [x1, y1, z1] = p1;
    let [x2, y2, z2] = p2;
    // The order of Algorithm 7; the comments name its variables.
    let t0 = s.mul(&x1, &x2);
    let t1 = s.mul(&y1, &y2);
    let t2 = s.mul(&z1, &z2);
    let t3 = s.add(&x1, &y1);
    let t4 = s.add(&x2, &y2);
    let t3 = s.mul(&t3, &t4);
    let t4 = s.add(&t0, &t1);
    let t3 = s.sub(&t3, &t4); // t3 = X1 Y2 + X2 Y1
    let t4 = s.add(&y1, &z1);
    let x3 = s.add(&y2, &z2);
    let t4 = s.mul(&t4, &x3);
    let x3 = s.add(&t1, &t2);
    let t4 = s.sub(&t4, &x3); // t4 = Y1 Z2 + Y2 Z1
    let x3 = s.add(&x1, &z1);
    let y3 = s.add(&x2, &z2);
    let x3 = s.mul(&x3, &y3);
    let y3 = s.add(&t0, &t2);
    let y3 = s.sub(&x3, &y3); // y3 = X1 Z2 + X2 Z1
    finish(s, b, [t0, t1, t2, t3, t4, y3])
}

/// The common end of Algorithm 7 and its mixed form, from `x3 = t0 + t0` on: `t0 = X1 X2`,
/// `t1 = Y1 Y2`, `t2 = Z1 Z2`, `t3 = X1 Y2 + X2 Y1`, `t4 = Y1 Z2 + Y2 Z1`,
/// `y3 = X1 Z2 + X2 Z1`.
fn finish(s: &mut Schedule, b: u64, [t0, t1, t2, t3, t4, y3]: [Sig; 6]) -> (Sig, Sig, Sig) {
    let x3 = s.add(&t0, &t0);
    let t0 = s.add(&x3, &t0); // t0 = 3 X1 X2
    let t2 = s.mul_small(&t2, 3 * b);
    let z3 = s.add(&t1, &t2);
    let t1 = s.sub(&t1, &t2);
    let y3 = s.mul_small(&y3, 3 * b);
    let x3 = s.mul(&t4, &y3);
    let t2 = s.mul(&t3, &t1);
    let x3 = s.sub(&t2, &x3);
    let y3 = s.mul(&y3, &t0);
    let t1 = s.mul(&t1, &z3);
    let y3 = s.add(&t1, &y3);
    let t0 = s.mul(&t0, &t3);
    let z3 = s.mul(&z3, &t4);
    let z3 = s.add(&z3, &t0);
    (x3, y3, z3)
}

/// Algorithm 7 with Z2 = 1 (the paper's Algorithm 8): P1 projective plus P2 = (x2, y2)
/// affine. Where Algorithm 7 multiplies by Z2 the value passes through, which removes the
/// product Z1 Z2 and turns the two sums of products with Z2 into one product and one add.
fn mixed(s: &mut Schedule, b: u64, p1: [Sig; 3], p2: [Sig; 2]) -> (Sig, Sig, Sig) {
    let [x1, y1, z1] = p1;
    let [x2, y2] = p2;
    let t0 = s.mul(&x1, &x2);
    let t1 = s.mul(&y1, &y2);
    let t3 = s.add(&x1, &y1);
    let t4 = s.add(&x2, &y2);
    let t3 = s.mul(&t3, &t4);
    let t4 = s.add(&t0, &t1);
    let t3 = s.sub(&t3, &t4); // t3 = X1 y2 + x2 Y1
    let t4 = s.mul(&y2, &z1);
    let t4 = s.add(&t4, &y1); // t4 = Y1 + y2 Z1
    let y3 = s.mul(&x2, &z1);
    let y3 = s.add(&y3, &x1); // y3 = X1 + x2 Z1
                              // Z1 Z2 = Z1: no product.
    finish(s, b, [t0, t1, z1, t3, t4, y3])
}

/// The rust-hdl blocks of the projective adder (`PointAdd`) and of the mixed one
/// (`MixedPointAdd`, without the z2 port): ports, the multipliers as child blocks, the schedule
/// as the body.
macro_rules! point_add_block {
    ($(#[$doc:meta])* $name:ident { $($z2:ident)? }) => {
        $(#[$doc])*
        #[derive(LogicBlock)]
        pub struct $name<const W: usize, const TA: usize, const TB: usize, const TP: usize> {
            pub clock: Signal<In, Clock>,
            pub reset: Signal<In, Bit>,
            pub in_valid: Signal<In, Bit>,
            pub x1: Signal<In, Bits<W>>,
            pub y1: Signal<In, Bits<W>>,
            pub z1: Signal<In, Bits<W>>,
            pub x2: Signal<In, Bits<W>>,
            pub y2: Signal<In, Bits<W>>,
            $(pub $z2: Signal<In, Bits<W>>,)?
            pub out_valid: Signal<Out, Bit>,
            pub x3: Signal<Out, Bits<W>>,
            pub y3: Signal<Out, Bits<W>>,
            pub z3: Signal<Out, Bits<W>>,
            muls: Vec<ModMul<W, TA, TB, TP>>,
            body: Body,
        }

        impl<const W: usize, const TA: usize, const TB: usize, const TP: usize>
            $name<W, TA, TB, TP>
        {
            pub(crate) fn new(plan: &PointAddPlan) -> Self {
                $name {
                    clock: Default::default(),
                    reset: Default::default(),
                    in_valid: Default::default(),
                    x1: Default::default(),
                    y1: Default::default(),
                    z1: Default::default(),
                    x2: Default::default(),
                    y2: Default::default(),
                    $($z2: Default::default(),)?
                    out_valid: Default::default(),
                    x3: Default::default(),
                    y3: Default::default(),
                    z3: Default::default(),
                    muls: (0..plan.multipliers)
                        .map(|_| ModMul::new(&plan.mul_plan))
                        .collect(),
                    body: Body(plan.body.clone()),
                }
            }
        }

        impl<const W: usize, const TA: usize, const TB: usize, const TP: usize> Logic
            for $name<W, TA, TB, TP>
        {
            fn update(&mut self) {}

            fn connect(&mut self) {
                self.out_valid.connect();
                self.x3.connect();
                self.y3.connect();
                self.z3.connect();
                for m in &mut self.muls {
                    m.clock.connect();
                    m.reset.connect();
                    m.in_valid.connect();
                    m.a.connect();
                    m.b.connect();
                }
            }

            fn hdl(&self) -> Verilog {
                Verilog::Custom(self.body.0.clone())
            }
        }
    };
}

point_add_block!(
    /// The projective adder's block.
    PointAdd { z2 }
);
point_add_block!(
    /// The mixed adder's block: [`PointAdd`] without the z2 port.
    MixedPointAdd {}
);

pub(crate) fn ports(w: usize, mixed: bool) -> Vec<PortSpec> {
    let c = |n: &str, d: &str| PortSpec::input(n, w, d);
    let mut inputs = vec![
        c("x1", "P1 X (Montgomery domain, < p)"),
        c("y1", "P1 Y"),
        c("z1", "P1 Z (0 with y1 != 0: the identity)"),
    ];
    if mixed {
        inputs.extend([
            c("x2", "P2 affine x (never the identity)"),
            c("y2", "P2 affine y"),
        ]);
    } else {
        inputs.extend([c("x2", "P2 X"), c("y2", "P2 Y"), c("z2", "P2 Z")]);
    }
    stream_ports(
        inputs,
        "P1 and P2 are",
        vec![
            PortSpec::output("x3", w, "(P1 + P2) X (Montgomery domain, in [0, p))"),
            PortSpec::output("y3", w, "(P1 + P2) Y"),
            PortSpec::output("z3", w, "(P1 + P2) Z"),
        ],
    )
}

impl Core for PointAddConfig {
    const NAME: &'static str = "point_add";

    fn top(&self) -> &str {
        &self.top
    }

    fn validate(&self) -> Result<(), HdlError> {
        PointAddConfig::validate(self)
    }

    fn ports(&self) -> Result<Vec<PortSpec>, HdlError> {
        Ok(ports(self.width()?, self.mixed))
    }

    fn timing(&self) -> Result<Timing, HdlError> {
        Ok(Timing::pipelined(self.latency()?))
    }

    fn contract(&self) -> Result<Contract, HdlError> {
        let plan = plan(self)?;
        let tiles = plan.multipliers * plan.mul_plan.tiles;
        let (what, alg, p2) = if self.mixed {
            (
                "mixed",
                8,
                " with P2 = (x2, y2) affine and never the identity",
            )
        } else {
            ("projective", 7, "")
        };
        Ok(Contract {
            arithmetic: format!(
                "complete {what} addition on y^2 = x^3 + {b} over F_p (Renes-Costello-Batina \
                 Alg. {alg}, a = 0): (x3 : y3 : z3) = P1 + P2{p2}, coordinates Montgomery \
                 residues v * 2^{k} mod p in [0, p); p = {p:#x}; {m} multipliers ({tiles} \
                 tiles), {a} modular additions",
                b = self.b,
                k = self.r_bits(),
                p = self.modulus,
                m = plan.multipliers,
                a = plan.modular_adds,
            ),
            modulus: Some(self.modulus.clone()),
            field: Some(format!("{}-fq", self.curve)),
            tiles,
        })
    }

    fn emit(&self) -> Result<String, HdlError> {
        let plan = plan(self)?;
        struct Emit<'a>(&'a PointAddPlan, &'a str);
        impl WidthTile for Emit<'_> {
            fn emit<const W: usize, const TA: usize, const TB: usize, const TP: usize>(
                &self,
            ) -> Result<String, HdlError> {
                if self.0.mixed {
                    emit_core(&mut MixedPointAdd::<W, TA, TB, TP>::new(self.0), self.1)
                } else {
                    emit_core(&mut PointAdd::<W, TA, TB, TP>::new(self.0), self.1)
                }
            }
        }
        dispatch(self.width()?, self.tile, &Emit(&plan, &self.top))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bls12_381() -> PointAddConfig {
        let p = BigUint::parse_bytes(b"1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab", 16).unwrap();
        PointAddConfig::new("bls12-381", p, 4)
    }

    #[test]
    fn twelve_multipliers_in_two_product_layers() {
        let cfg = bls12_381();
        let plan = plan(&cfg).unwrap();
        assert_eq!(plan.multipliers, 12);
        assert_eq!(plan.modular_adds, 19 + 2 * 4, "19 a plus two 12 v chains");
        let lm = plan.mul_plan.latency;
        // A modular add's latency: 2 stages in one carry chain, 5 in chunks.
        let add = |max: usize| {
            let mut nl = Netlist::with_max_add(max);
            let port = |n: &str| crate::netlist::Sig {
                name: n.into(),
                width: cfg.r_bits(),
                stage: 0,
            };
            nl.mod_add_sub(&port("a"), &port("b"), AddSub::Add, &cfg.modulus)
                .stage
        };
        assert_eq!(add(0), 2);
        let la = add(cfg.max_add_bits);
        assert_eq!(la, 5);
        // Two product layers and at most a dozen modular adds on the longest path.
        assert!(
            plan.latency > 2 * lm && plan.latency < 2 * lm + 12 * la,
            "{} (multiplier {lm}, add {la})",
            plan.latency
        );
        let mut flat = cfg.clone();
        flat.max_add_bits = 0;
        let flat = super::plan(&flat).unwrap();
        assert!(
            flat.latency < 2 * flat.mul_plan.latency + 24,
            "{}",
            flat.latency
        );
        assert!(flat.latency < plan.latency);
    }

    #[test]
    fn mixed_has_eleven_multipliers_and_no_z2() {
        let proj = bls12_381();
        let mut cfg = proj.clone();
        cfg.mixed = true;
        let (pp, mp) = (plan(&proj).unwrap(), plan(&cfg).unwrap());
        assert_eq!(mp.multipliers, 11);
        assert_eq!(mp.modular_adds, 13 + 2 * 4, "13 a plus two 12 v chains");
        assert!(mp.latency <= pp.latency, "{} > {}", mp.latency, pp.latency);
        let names: Vec<String> = Core::ports(&cfg)
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert!(names.contains(&"y2".to_string()) && !names.contains(&"z2".to_string()));
        let (pt, mt) = (
            Core::contract(&proj).unwrap().tiles,
            Core::contract(&cfg).unwrap().tiles,
        );
        assert_eq!(pt / 12, mt / 11);
        assert!(mt < pt);
        // The Verilog top has exactly the manifest's ports (checked by generate).
        let core = cfg.generate().unwrap();
        assert!(!core.verilog.contains("z2"));
        assert!(core.manifest.arithmetic.contains("11 multipliers"));
    }

    #[test]
    fn mixed_is_absent_from_projective_json_and_defaults_to_false() {
        let cfg = bls12_381();
        let json = serde_json::to_value(&cfg).unwrap();
        assert!(json.get("mixed").is_none());
        let back: PointAddConfig = serde_json::from_value(json).unwrap();
        assert!(!back.mixed);
        let mut m = cfg.clone();
        m.mixed = true;
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["mixed"], true);
        assert_eq!(serde_json::from_value::<PointAddConfig>(json).unwrap(), m);
    }

    #[test]
    fn rejects_b_zero() {
        let mut cfg = bls12_381();
        cfg.b = 0;
        assert!(plan(&cfg).is_err());
    }
}
