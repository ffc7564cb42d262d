//! `modadd`: a pipelined modular adder/subtractor for any odd prime up to 768 bits.
//!
//! Contract: on a rising clock edge with `in_valid` high, the core takes operands `a`, `b`
//! (canonical, `< p`) and `op` (0 = add, 1 = subtract). [`LATENCY`] cycles later `out_valid` is high
//! for exactly one cycle and `result` holds `(a + b) mod p` or `(a - b) mod p`, fully reduced,
//! with `out_op` echoing `op`. One operation per cycle, no backpressure: every accepted input
//! produces exactly one output, in order. `reset` (synchronous, active high) clears the valid
//! pipeline. Inputs `>= p` are outside the contract.
//!
//! Structure: stage 1 forms the raw sum `a + b` or difference `a - b` (width W+1, the top bit of a
//! difference being its sign); stage 2 subtracts p from a sum that reached p, or adds p to a
//! negative difference, and registers the result.

use crate::emit::emit_core;
use crate::interface::{Contract, Core, Timing};
use crate::manifest::{stream_ports, PortSpec};
use crate::rtl::{biguint_to_bits, width_class};
use crate::HdlError;
use num_bigint::BigUint;
use rust_hdl::prelude::*;
use serde::{Deserialize, Serialize};

/// Cycles from an accepted input to its result.
pub const LATENCY: usize = 2;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModAddConfig {
    /// The odd prime modulus (the caller checks primality; see `zkhdl-golden`).
    #[serde(with = "crate::emit::hex_biguint")]
    pub modulus: BigUint,
    /// Field name for the manifest, e.g. `bls12-381-fq` or `custom-61b`.
    pub field: String,
    /// Name of the top Verilog module.
    pub top: String,
}

impl ModAddConfig {
    pub fn new(modulus: BigUint, field: &str) -> Self {
        ModAddConfig {
            modulus,
            field: field.to_string(),
            top: "zk_modadd".to_string(),
        }
    }

    pub fn latency(&self) -> usize {
        LATENCY
    }

    /// The operand/result port width.
    pub fn width(&self) -> Result<usize, HdlError> {
        width_class(self.modulus.bits() as usize)
    }
}

/// The rust-hdl block. `W1` must be `W + 1`.
#[derive(LogicBlock)]
pub struct ModAdd<const W: usize, const W1: usize> {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub in_valid: Signal<In, Bit>,
    pub op: Signal<In, Bit>,
    pub a: Signal<In, Bits<W>>,
    pub b: Signal<In, Bits<W>>,
    pub out_valid: Signal<Out, Bit>,
    pub out_op: Signal<Out, Bit>,
    pub result: Signal<Out, Bits<W>>,
    modulus: Constant<Bits<W1>>,
    /// 2^W: a raw difference at or above it is negative (rust-hdl emits a const-generic bit
    /// index literally as `W`, so the sign test is a comparison).
    negative: Constant<Bits<W1>>,
    s1_valid: DFF<Bit>,
    s1_op: DFF<Bit>,
    s1_raw: DFF<Bits<W1>>,
    s2_valid: DFF<Bit>,
    s2_op: DFF<Bit>,
    s2_result: DFF<Bits<W>>,
    corrected: Signal<Local, Bits<W1>>,
}

impl<const W: usize, const W1: usize> ModAdd<W, W1> {
    pub fn new(modulus: &BigUint) -> Self {
        assert_eq!(W1, W + 1);
        assert!(modulus.bits() as usize <= W);
        Self {
            clock: Default::default(),
            reset: Default::default(),
            in_valid: Default::default(),
            op: Default::default(),
            a: Default::default(),
            b: Default::default(),
            out_valid: Default::default(),
            out_op: Default::default(),
            result: Default::default(),
            modulus: Constant::new(biguint_to_bits(modulus)),
            negative: Constant::new(biguint_to_bits(&(BigUint::from(1u32) << W))),
            s1_valid: Default::default(),
            s1_op: Default::default(),
            s1_raw: Default::default(),
            s2_valid: Default::default(),
            s2_op: Default::default(),
            s2_result: Default::default(),
            corrected: Default::default(),
        }
    }
}

impl<const W: usize, const W1: usize> Logic for ModAdd<W, W1> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, s1_valid, s1_op, s1_raw, s2_valid, s2_op, s2_result);
        // Stage 1: raw sum or difference, one bit wider than the operands.
        self.s1_valid.d.next = self.in_valid.val() & !self.reset.val();
        self.s1_op.d.next = self.op.val();
        if self.op.val() {
            self.s1_raw.d.next = bit_cast::<W1, W>(self.a.val()) - bit_cast::<W1, W>(self.b.val());
        } else {
            self.s1_raw.d.next = bit_cast::<W1, W>(self.a.val()) + bit_cast::<W1, W>(self.b.val());
        }
        // Stage 2: one conditional correction by p.
        if self.s1_op.q.val() {
            self.corrected.next = self.s1_raw.q.val() + self.modulus.val();
        } else {
            self.corrected.next = self.s1_raw.q.val() - self.modulus.val();
        }
        self.s2_result.d.next = bit_cast::<W, W1>(self.s1_raw.q.val());
        if self.s1_op.q.val() {
            if self.s1_raw.q.val() >= self.negative.val() {
                self.s2_result.d.next = bit_cast::<W, W1>(self.corrected.val());
            }
        } else if self.s1_raw.q.val() >= self.modulus.val() {
            self.s2_result.d.next = bit_cast::<W, W1>(self.corrected.val());
        }
        self.s2_valid.d.next = self.s1_valid.q.val() & !self.reset.val();
        self.s2_op.d.next = self.s1_op.q.val();
        self.out_valid.next = self.s2_valid.q.val();
        self.out_op.next = self.s2_op.q.val();
        self.result.next = self.s2_result.q.val();
    }
}

fn ports(w: usize) -> Vec<PortSpec> {
    stream_ports(
        vec![
            PortSpec::input("op", 1, "0: a + b, 1: a - b"),
            PortSpec::input("a", w, "first operand, canonical (< p)"),
            PortSpec::input("b", w, "second operand, canonical (< p)"),
        ],
        "a, b and op are",
        vec![
            PortSpec::output("out_op", 1, "op of the input this result belongs to"),
            PortSpec::output("result", w, "(a + b) mod p or (a - b) mod p, in [0, p)"),
        ],
    )
}

impl Core for ModAddConfig {
    const NAME: &'static str = "modadd";

    fn top(&self) -> &str {
        &self.top
    }

    fn validate(&self) -> Result<(), HdlError> {
        if self.modulus < BigUint::from(3u32) || !self.modulus.bit(0) {
            return Err(HdlError::Unsupported(format!(
                "modulus {:#x} must be an odd prime",
                self.modulus
            )));
        }
        self.width().map(|_| ())
    }

    fn ports(&self) -> Result<Vec<PortSpec>, HdlError> {
        Ok(ports(self.width()?))
    }

    fn timing(&self) -> Result<Timing, HdlError> {
        Ok(Timing::pipelined(LATENCY))
    }

    fn contract(&self) -> Result<Contract, HdlError> {
        Ok(Contract {
            arithmetic: format!(
                "result = (a + b) mod p when op = 0, (a - b) mod p when op = 1; \
                 a, b in [0, p), result in [0, p); p = {:#x} ({} bits) on a {}-bit datapath",
                self.modulus,
                self.modulus.bits(),
                self.width()?
            ),
            modulus: Some(self.modulus.clone()),
            field: Some(self.field.clone()),
            tiles: 0,
        })
    }

    fn emit(&self) -> Result<String, HdlError> {
        macro_rules! build {
            ($($w:literal),*) => {
                match self.width()? {
                    $($w => emit_core(&mut ModAdd::<$w, { $w + 1 }>::new(&self.modulus), &self.top),)*
                    w => Err(HdlError::Unsupported(format!("no width class {w}"))),
                }
            };
        }
        build!(64, 128, 192, 256, 320, 384, 448, 512, 576, 640, 704, 768)
    }
}
