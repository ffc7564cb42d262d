//! `modadd`: a pipelined modular adder/subtractor for any odd prime up to 768 bits.
//!
//! Contract: on a rising clock edge with `in_valid` high, the core takes operands `a`, `b`
//! (canonical, `< p`) and `op` (0 = add, 1 = subtract). [`ModAddConfig::latency`] cycles later `out_valid` is high
//! for exactly one cycle and `result` holds `(a + b) mod p` or `(a - b) mod p`, fully reduced,
//! with `out_op` echoing `op`. One operation per cycle, no backpressure: every accepted input
//! produces exactly one output, in order. `reset` (synchronous, active high) clears the valid
//! pipeline. Inputs `>= p` are outside the contract.
//!
//! Structure: stage 1 forms the raw sum `a + b` or difference `a - b` (width W+1, the top bit of a
//! difference being its sign); stage 2 subtracts p from a sum that reached p, or adds p to a
//! negative difference, and registers the result. The datapath is the netlist's modular adder
//! ([`crate::netlist::Netlist::mod_add_sub`]), which the point adder uses too. Timing by
//! construction: where the datapath is wider than `max_add_bits`, every add is a two-stage
//! carry-select adder over chunks of at most that many bits, and the latency grows from 2 to 5.

use crate::emit::emit_core;
use crate::interface::{Contract, Core, Timing};
use crate::manifest::{stream_ports, PortSpec};
use crate::netlist::{zext, AddSub, Netlist, Sig};
use crate::rtl::{outputs_at_time_zero, valid_pipeline, width_class, Body};
use crate::HdlError;
use num_bigint::BigUint;
use rust_hdl::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// Cycles from an accepted input to its result when the datapath fits one carry chain
/// (`max_add_bits`); see [`ModAddConfig::latency`].
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
    /// The longest carry chain between two registers (0: unbounded).
    #[serde(default = "crate::netlist::default_max_add_bits")]
    pub max_add_bits: usize,
}

impl ModAddConfig {
    pub fn new(modulus: BigUint, field: &str) -> Self {
        ModAddConfig {
            modulus,
            field: field.to_string(),
            top: "zk_modadd".to_string(),
            max_add_bits: crate::netlist::DEFAULT_MAX_ADD_BITS,
        }
    }

    /// Cycles from an accepted input to its result: 2, or 5 where p + 1 bits are wider than
    /// `max_add_bits`. The datapath is as wide as p.
    pub fn latency(&self) -> usize {
        datapath(self).map(|d| d.1).unwrap_or(LATENCY)
    }

    /// The operand/result port width.
    pub fn width(&self) -> Result<usize, HdlError> {
        width_class(self.modulus.bits() as usize)
    }
}

/// The datapath: the netlist's two-stage modular adder ([`Netlist::mod_add_sub`], the one
/// the point adder uses) with the operation chosen per input, `op` carried alongside, and the
/// valid pipeline.
pub fn body(cfg: &ModAddConfig) -> Result<String, HdlError> {
    datapath(cfg).map(|d| d.0)
}

/// The body and its latency.
fn datapath(cfg: &ModAddConfig) -> Result<(String, usize), HdlError> {
    let w = cfg.width()?;
    let mut nl = Netlist::with_max_add(cfg.max_add_bits);
    let port = |name: &str, width: usize| Sig {
        name: name.into(),
        width,
        stage: 0,
    };
    let op = port("op", 1);
    // The datapath is as wide as p (the port bits above are zero for inputs below p); with
    // unbounded carry chains (max_add_bits 0), as wide as the ports, as before the bound.
    let k = if cfg.max_add_bits == 0 {
        w
    } else {
        cfg.modulus.bits() as usize
    };
    let (a, b) = if k < w {
        nl.unused("a", w - 1, k);
        nl.unused("b", w - 1, k);
        (
            nl.slice(&port("a", w), 0, k).expect("k < w"),
            nl.slice(&port("b", w), 0, k).expect("k < w"),
        )
    } else {
        (port("a", w), port("b", w))
    };
    let result = nl.mod_add_sub(&a, &b, AddSub::Select(op.clone()), &cfg.modulus);
    let result = if k < w {
        nl.wire("result", w, result.stage, &zext(&result.name, k, w))
    } else {
        result
    };
    let out_op = nl.at(&op, result.stage);
    let latency = result.stage;
    let mut s = String::new();
    nl.render(&mut s, "clock");
    s.push_str(&valid_pipeline(latency));
    let _ = writeln!(s, "always @(*) out_op = {};", out_op.name);
    let _ = writeln!(s, "always @(*) result = {};", result.name);
    s.push_str(&outputs_at_time_zero(&[
        ("out_valid", 1),
        ("out_op", 1),
        ("result", w),
    ]));
    Ok((s, latency))
}

/// The seeded off-by-one mutant of the emitted modadd, as (text to find, replacement): the
/// sum's correction `dsum[k] ? (keep the sum) : (sum - p)` (dsum = raw - p on k + 1 bits, k
/// the datapath width) also keeps the sum when `dsum` is zero, so `a + b == p` comes out as p
/// instead of 0. Found by name in the netlist, as `(dsum_N[k] ? ` (one-stage datapath) or
/// `= dsum_N[k] ? ` (chunked: dsum_N has a carry bit more). Used by the simulation and formal
/// tests, which must catch it.
pub fn off_by_one_mutant(verilog: &str) -> Option<(String, String)> {
    let (lead, d, k) = verilog.lines().find_map(|l| {
        let i = l.find("(dsum_").or_else(|| l.find("= dsum_"))?;
        let rest = l[i + 1..].trim_start();
        let end = rest.find("] ? ")?;
        let (name, bit) = rest[..end].split_once('[')?;
        let lead = if l[i..].starts_with('(') { "(" } else { "= " };
        Some((lead, name.to_string(), bit.parse::<usize>().ok()?))
    })?;
    Some((
        format!("{lead}{d}[{k}] ? "),
        format!("{lead}{d}[{k}] | {d}[{k}:0] == {}'h0 ? ", k + 1),
    ))
}

/// The rust-hdl block: ports and the datapath as its body.
#[derive(LogicBlock)]
pub struct ModAdd<const W: usize> {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub in_valid: Signal<In, Bit>,
    pub op: Signal<In, Bit>,
    pub a: Signal<In, Bits<W>>,
    pub b: Signal<In, Bits<W>>,
    pub out_valid: Signal<Out, Bit>,
    pub out_op: Signal<Out, Bit>,
    pub result: Signal<Out, Bits<W>>,
    body: Body,
}

impl<const W: usize> ModAdd<W> {
    pub fn new(body: String) -> Self {
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
            body: Body(body),
        }
    }
}

impl<const W: usize> Logic for ModAdd<W> {
    fn update(&mut self) {}

    fn connect(&mut self) {
        self.out_valid.connect();
        self.out_op.connect();
        self.result.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(self.body.0.clone())
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
        crate::netlist::check_max_add_bits(self.max_add_bits)?;
        self.width().map(|_| ())
    }

    fn ports(&self) -> Result<Vec<PortSpec>, HdlError> {
        Ok(ports(self.width()?))
    }

    fn timing(&self) -> Result<Timing, HdlError> {
        Ok(Timing::pipelined(self.latency()))
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
        let body = body(self)?;
        macro_rules! build {
            ($($w:literal),*) => {
                match self.width()? {
                    $($w => emit_core(&mut ModAdd::<$w>::new(body), &self.top),)*
                    w => Err(HdlError::Unsupported(format!("no width class {w}"))),
                }
            };
        }
        build!(64, 128, 192, 256, 320, 384, 448, 512, 576, 640, 704, 768)
    }
}
