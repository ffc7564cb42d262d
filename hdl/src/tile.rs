//! The DSP tile multiplier primitive: an unsigned A x B product with registered operands and
//! the product registered twice (latency 3), written as its own Verilog so that synthesis maps it to one
//! DSP block (SB_MAC16, MULT18X18D, DSP48E2, Intel 27x27). rust-hdl's own `*` exists only for
//! 16x16 bits; this primitive has a Rust simulation model for any shape up to 32x32.

use crate::emit::emit_core;
use crate::interface::{Contract, Core, Timing};
use crate::manifest::PortSpec;
use crate::HdlError;
use rust_hdl::prelude::*;
use serde::{Deserialize, Serialize};

/// Tile shapes of common DSP blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TileShape {
    /// iCE40 SB_MAC16.
    #[serde(rename = "16x16")]
    T16x16,
    /// ECP5 MULT18X18D.
    #[serde(rename = "18x18")]
    T18x18,
    /// Xilinx DSP48E2 (unsigned use of its 27x18 signed multiplier).
    #[serde(rename = "26x17")]
    T26x17,
    /// Intel variable-precision DSP.
    #[serde(rename = "27x27")]
    T27x27,
}

impl TileShape {
    pub const ALL: [TileShape; 4] = [
        TileShape::T16x16,
        TileShape::T18x18,
        TileShape::T26x17,
        TileShape::T27x27,
    ];

    /// Operand widths (a, b).
    pub fn widths(self) -> (usize, usize) {
        match self {
            TileShape::T16x16 => (16, 16),
            TileShape::T18x18 => (18, 18),
            TileShape::T26x17 => (26, 17),
            TileShape::T27x27 => (27, 27),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TileShape::T16x16 => "16x16",
            TileShape::T18x18 => "18x18",
            TileShape::T26x17 => "26x17",
            TileShape::T27x27 => "27x27",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == s)
    }

    /// Bit-accurate model of one tile: operands are truncated to the tile's widths, as the
    /// hardware ports do.
    pub fn model(self, a: u64, b: u64) -> u64 {
        let (wa, wb) = self.widths();
        (a & ((1 << wa) - 1)) * (b & ((1 << wb) - 1))
    }

    /// Cycles from operands to product: the operand registers, the product register, the
    /// output register. Both registers around the multiplier can sit beside the DSP block, and
    /// the long routes (from the operands' sources, to the product's loads) each get a cycle
    /// of their own: on ECP5 the route from the product register to the column compressor
    /// was the critical path with two stages. On DSP48E2 the three are the block's A/B, M and
    /// P registers.
    pub const LATENCY: usize = 3;
}

/// The comment by which a datapath says that every tile product it holds is read by a
/// register (no adder right after a tile: `ModMulConfig::route_registers`); the ECP5 flow
/// (`synth/flow.sh`) then puts the tile's product in the MULT18X18D's own output register.
pub const PRODUCTS_REGISTERED: &str = "// zkhdl: a register reads every tile product\n";

/// One registered A x B -> P tile (P = A + B). Latency [`TileShape::LATENCY`] cycles: operands
/// registered in `a_r`/`b_r`, the product in `m`, then in `p`.
#[derive(Clone, Debug, LogicBlock)]
pub struct TileMul<const A: usize, const B: usize, const P: usize> {
    pub clock: Signal<In, Clock>,
    pub a: Signal<In, Bits<A>>,
    pub b: Signal<In, Bits<B>>,
    pub p: Signal<Out, Bits<P>>,
    a_r: Signal<Local, Bits<A>>,
    b_r: Signal<Local, Bits<B>>,
    m: Signal<Local, Bits<P>>,
}

impl<const A: usize, const B: usize, const P: usize> Default for TileMul<A, B, P> {
    fn default() -> Self {
        assert_eq!(P, A + B, "tile product width must be A + B");
        assert!(A <= 32 && B <= 32, "tile operands are at most 32 bits");
        Self {
            clock: Default::default(),
            a: Default::default(),
            b: Default::default(),
            p: Default::default(),
            a_r: Default::default(),
            b_r: Default::default(),
            m: Default::default(),
        }
    }
}

impl<const A: usize, const B: usize, const P: usize> Logic for TileMul<A, B, P> {
    /// Simulation model for rust-hdl's simulator: the product of the registered operands.
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let prod = self.a_r.val().to_u64() * self.b_r.val().to_u64();
            self.p.next = self.m.val();
            self.m.next = Bits::<P>::from(prod);
            self.a_r.next = self.a.val();
            self.b_r.next = self.b.val();
        }
    }

    fn connect(&mut self) {
        self.p.connect();
        self.a_r.connect();
        self.b_r.connect();
        self.m.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "\
// {A}x{B} unsigned tile: registered operands, product registered twice; maps to one DSP block.
initial begin
   a_r = 0;
   b_r = 0;
   m = 0;
   p = 0;
end
always @(posedge clock) begin
   a_r <= a;
   b_r <= b;
   m <= a_r * b_r;
   p <= m;
end
"
        ))
    }
}

/// One tile as a standalone core (for characterisation, synthesis and proofs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TileConfig {
    pub shape: TileShape,
    pub top: String,
}

impl TileConfig {
    pub fn new(shape: TileShape) -> Self {
        TileConfig {
            shape,
            top: format!("zk_tile_{}", shape.name()),
        }
    }
}

impl Core for TileConfig {
    const NAME: &'static str = "tile";

    fn top(&self) -> &str {
        &self.top
    }

    fn validate(&self) -> Result<(), HdlError> {
        Ok(())
    }

    fn reset(&self) -> &'static str {
        ""
    }

    fn ports(&self) -> Result<Vec<PortSpec>, HdlError> {
        let (wa, wb) = self.shape.widths();
        Ok(vec![
            PortSpec::input("clock", 1, "rising-edge clock"),
            PortSpec::input("a", wa, "unsigned operand"),
            PortSpec::input("b", wb, "unsigned operand"),
            PortSpec::output("p", wa + wb, "a * b, three cycles after a and b"),
        ])
    }

    fn timing(&self) -> Result<Timing, HdlError> {
        Ok(Timing {
            latency: TileShape::LATENCY,
            initiation_interval: 1,
            handshake: "none: a product every cycle, LATENCY cycles after its operands".into(),
        })
    }

    fn contract(&self) -> Result<Contract, HdlError> {
        let (wa, wb) = self.shape.widths();
        Ok(Contract {
            arithmetic: format!("p = a * b, unsigned {wa} x {wb} -> {} bits", wa + wb),
            modulus: None,
            field: None,
            tiles: 1,
        })
    }

    fn emit(&self) -> Result<String, HdlError> {
        let top = self.top.as_str();
        match self.shape {
            TileShape::T16x16 => emit_core(&mut TileMul::<16, 16, 32>::default(), top),
            TileShape::T18x18 => emit_core(&mut TileMul::<18, 18, 36>::default(), top),
            TileShape::T26x17 => emit_core(&mut TileMul::<26, 17, 43>::default(), top),
            TileShape::T27x27 => emit_core(&mut TileMul::<27, 27, 54>::default(), top),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny smoke test in rust-hdl's own simulator: the model registers operands, then the
    /// product (the Verilog itself is checked in Verilator by zkhdl-sim's tests).
    #[test]
    fn rust_hdl_model_has_latency_three() {
        type T = TileMul<18, 18, 36>;
        let mut uut = T::default();
        uut.connect_all();
        let mut sim = Simulation::new();
        sim.add_clock(5, |x: &mut Box<T>| x.clock.next = !x.clock.val());
        sim.add_testbench(move |mut sim: Sim<T>| {
            let mut x = sim.init()?;
            let ops = [
                (3u64, 5u64),
                (0x3ffff, 0x3ffff),
                (7, 0),
                (0, 0),
                (0, 0),
                (0, 0),
            ];
            let mut seen = vec![];
            for (a, b) in ops {
                x.a.next = Bits::from(a);
                x.b.next = Bits::from(b);
                wait_clock_cycle!(sim, clock, x);
                seen.push(x.p.val().to_u64());
            }
            // Operands set before edge i are registered there; their product is registered at
            // edge i + 1 and again at edge i + 2: three clock edges from operands to product.
            sim_assert_eq!(sim, &seen[..2], &[0u64, 0][..], x);
            sim_assert_eq!(sim, &seen[2..5], &[15u64, 0x3ffff * 0x3ffff, 0][..], x);
            sim.done(x)
        });
        sim.run(Box::new(uut), 1_000).unwrap();
    }

    #[test]
    fn model_truncates_to_tile_widths() {
        assert_eq!(TileShape::T16x16.model(0x1_0003, 2), 6);
        assert_eq!(
            TileShape::T26x17.model((1 << 26) - 1, (1 << 17) - 1),
            ((1 << 26) - 1) * ((1 << 17) - 1)
        );
    }
}
