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

use crate::emit::{emit_core, GeneratedCore};
use crate::manifest::{stream_ports, Manifest, PortSpec};
use crate::HdlError;
use num_bigint::BigUint;
use rust_hdl::prelude::*;
use serde::{Deserialize, Serialize};

/// Cycles from an accepted input to its result.
pub const LATENCY: usize = 2;

/// Datapath widths the generator instantiates; a modulus of `b` bits uses the smallest class
/// that holds it (rust-hdl widths are compile-time constants).
pub const WIDTH_CLASSES: [usize; 12] = [64, 128, 192, 256, 320, 384, 448, 512, 576, 640, 704, 768];

/// The datapath width for a modulus of `bits` bits.
pub fn width_class(bits: usize) -> Result<usize, HdlError> {
    WIDTH_CLASSES
        .into_iter()
        .find(|&w| w >= bits)
        .ok_or_else(|| {
            HdlError::Unsupported(format!("a {bits}-bit modulus is wider than 768 bits"))
        })
}

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

/// Converts a non-negative integer to a rust-hdl bit vector of width N (N >= its bit length).
pub fn biguint_to_bits<const N: usize>(v: &BigUint) -> Bits<N> {
    let mut out = Bits::<N>::default();
    for i in 0..(v.bits() as usize) {
        if v.bit(i as u64) {
            out = out.replace_bit(i, true);
        }
    }
    out
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

/// Generates the Verilog and manifest of a `modadd` core.
pub fn generate(cfg: &ModAddConfig) -> Result<GeneratedCore, HdlError> {
    let w = cfg.width()?;
    macro_rules! build {
        ($($w:literal),*) => {
            match w {
                $($w => {
                    let mut uut = ModAdd::<$w, { $w + 1 }>::new(&cfg.modulus);
                    emit_top(&mut uut, &cfg.top)?
                })*
                _ => unreachable!("width classes are covered"),
            }
        };
    }
    let verilog = build!(64, 128, 192, 256, 320, 384, 448, 512, 576, 640, 704, 768);
    let manifest = Manifest {
        core: "modadd".into(),
        top: cfg.top.clone(),
        files: vec![format!("{}.v", cfg.top)],
        clock: "clock".into(),
        reset: "reset".into(),
        ports: ports(w),
        latency: LATENCY,
        initiation_interval: 1,
        handshake: "valid only: in_valid qualifies inputs, out_valid qualifies outputs; \
                    no backpressure, one result per accepted input, in order"
            .into(),
        arithmetic: format!(
            "result = (a + b) mod p when op = 0, (a - b) mod p when op = 1; \
             a, b in [0, p), result in [0, p); p = {:#x} ({} bits) on a {w}-bit datapath",
            cfg.modulus,
            cfg.modulus.bits()
        ),
        modulus: Some(format!("{:#x}", cfg.modulus)),
        field: Some(cfg.field.clone()),
        tiles: 0,
        config: serde_json::to_value(cfg).expect("config serializes"),
        generator: format!("zkhdl-hdl {}", env!("CARGO_PKG_VERSION")),
    };
    Ok(GeneratedCore { verilog, manifest })
}

fn emit_top<B: Block>(uut: &mut B, top: &str) -> Result<String, HdlError> {
    emit_core(uut, top)
}
