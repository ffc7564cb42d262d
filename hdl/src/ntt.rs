//! `ntt`: a streaming, pipelined number-theoretic transform of size N = 2^k (k = 1..16) over
//! any prime field whose 2-adicity covers N, with P = 1, 2, 4 or 8 lanes.
//!
//! Contract. A transform enters as N/P *beats*: on a rising edge with `in_valid` high the core
//! takes `x0 .. x{P-1}` = elements `b P .. b P + P - 1` of the current transform (natural
//! order, canonical values `< p`), `b` counting the beats since the transform began. Beats may
//! be separated by any number of idle cycles, and the next transform may follow the last beat
//! of the previous one on the very next cycle: a new transform every N/P cycles, no bubbles.
//! The result leaves as N/P beats with `out_valid` high, transforms in order, P values per beat
//! on `y0 .. y{P-1}`:
//! - forward: `X[i] = sum_j x[j] w^(i j)`, `w` the configured primitive N-th root (ark-poly's
//!   `Radix2EvaluationDomain::group_gen` for the presets);
//! - inverse: `x[j] = N^-1 sum_i X[i] w^(-i j)` (the 1/N scaling is folded into the first
//!   stage's twiddles, so it costs nothing);
//! - output order `bit-reversed`: beat `b`, lane `l` carries `X[bitrev_k(b P + l)]`; beats
//!   keep the input's spacing (gaps in, gaps out);
//! - output order `natural`: beat `b`, lane `l` carries `X[b P + l]`; a transform leaves in N/P
//!   consecutive cycles once all of it has been computed.
//!
//! [`NttConfig::latency`] is the cycle count from the first input beat to the first output
//! beat of a transform whose beats arrive back to back. With gaps the output moves later by
//! the gaps, never earlier; after the last input the core drains by itself. `reset` clears
//! every valid bit, counter and buffer state (not the buffer contents).
//!
//! Architecture: radix-2 decimation in frequency (Gentleman-Sande), one stage per bit of N.
//! - Stages whose butterfly span h = N / 2^(s+1) is at least P are *per-lane single-path
//!   delay-feedback* (SDF) stages: with P consecutive elements per beat both operands of a
//!   butterfly sit in the same lane, h / P beats apart, so each lane runs its own SDF stage on
//!   its sub-sequence and the lanes share one controller. The feedback delay is a RAM of
//!   h / P entries addressed by a rotating pointer (one read, one write per cycle: block RAM
//!   for the long stages). SDF needs no input reordering and only h / P words of storage per
//!   lane; a multi-path delay commutator (MDC) would need 1.5x the storage and commutators
//!   between stages, and radix-2^2 would save multipliers but not storage. The stages are
//!   *element driven*: a stage advances when an element arrives, so input gaps cost nothing;
//!   between transforms (phase counter at zero) it also advances on idle cycles, writing
//!   empty entries, which flushes the pending lower outputs of the last transform without
//!   disturbing a transform that starts later.
//! - The last log2(P) stages (span h < P) pair lanes of the same beat: plain spatial
//!   butterflies with constant twiddles.
//! - After each stage's butterfly a registered stage reduces the raw sum or difference to
//!   `[0, p)` and reads the twiddle ROM; a pipelined Montgomery multiplier ([`crate::modmul`])
//!   per lane multiplies by the twiddle. Twiddles `w^e` are computed at generation time and
//!   stored in Montgomery form (`w^e 2^r mod p`), so the product `v w^e 2^r 2^-r` is a plain
//!   value again. Upper outputs pass through the same multiplier with the twiddle 1 (or N^-1
//!   in an inverse transform's first stage); a spatial lane whose twiddle is 1 gets a delay line
//!   instead, and a stage whose twiddles are all 1 gets no multipliers. For Goldilocks the
//!   multiplier may instead be [`crate::ntt_goldilocks`] (`multiplier: goldilocks`): a full
//!   product reduced by shifts and adds, fewer tiles and cycles, twiddles stored plain.
//! - DIF leaves the transform in bit-reversed order. For natural order a reorder buffer of
//!   2 N words (two halves, ping-pong) takes a whole transform in bit-reversed order and
//!   reads it out in natural order while the next one is written.
//!
//! The top module is structural Verilog written here (its port count follows P, which
//! rust-hdl's derive cannot express with const generics); the multipliers are the rust-hdl
//! `modmul` core, emitted as a submodule `<top>_mul`.

use crate::interface::{Contract, Core, Timing};
use crate::manifest::{stream_ports, PortSpec};
use crate::modmul::{self, Architecture, ModMulConfig};
use crate::netlist::literal;
use crate::rtl::width_class;
use crate::tile::TileShape;
use crate::HdlError;
use num_bigint::BigUint;
use num_traits::{One, Zero};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// Largest log2 of the size.
pub const MAX_LOG_N: usize = 16;
/// Largest lane count.
pub const MAX_LANES: usize = 8;

/// The order of the output beats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OutputOrder {
    #[serde(rename = "natural")]
    Natural,
    #[serde(rename = "bit-reversed")]
    BitReversed,
}

impl OutputOrder {
    pub fn name(self) -> &'static str {
        match self {
            OutputOrder::Natural => "natural",
            OutputOrder::BitReversed => "bit-reversed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "natural" => Some(OutputOrder::Natural),
            "bit-reversed" => Some(OutputOrder::BitReversed),
            _ => None,
        }
    }
}

/// The twiddle multipliers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Multiplier {
    /// The generic pipelined Montgomery `modmul` (any prime; twiddles stored as `w 2^r mod p`).
    #[default]
    Montgomery,
    /// Goldilocks only: full product, then reduction by shifts and adds
    /// ([`crate::ntt_goldilocks`]); twiddles stored plain.
    Goldilocks,
}

impl Multiplier {
    pub fn name(self) -> &'static str {
        match self {
            Multiplier::Montgomery => "montgomery",
            Multiplier::Goldilocks => "goldilocks",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "montgomery" => Some(Multiplier::Montgomery),
            "goldilocks" => Some(Multiplier::Goldilocks),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NttConfig {
    /// The prime modulus.
    #[serde(with = "crate::emit::hex_biguint")]
    pub modulus: BigUint,
    /// Field name for the manifest.
    pub field: String,
    /// k: the transform has N = 2^k points.
    pub log_n: usize,
    /// P: elements per beat (a power of two, at most N).
    pub lanes: usize,
    /// Inverse transform (root w^-1, scaled by N^-1).
    pub inverse: bool,
    pub output_order: OutputOrder,
    /// The primitive N-th root of unity w of the forward transform (the caller takes it from
    /// `zkhdl_golden::ntt::root_of_unity`, so hardware and reference share one root).
    #[serde(with = "crate::emit::hex_biguint")]
    pub root: BigUint,
    pub top: String,
    /// Tile shape and Karatsuba levels of the multipliers.
    pub tile: TileShape,
    pub karatsuba: usize,
    /// The twiddle multipliers' datapath.
    #[serde(default)]
    pub multiplier: Multiplier,
}

impl NttConfig {
    /// Defaults: one lane, forward, natural order, 26x17 tiles with Karatsuba 1 (the fields are
    /// narrow: 31 to 64 bits for the STARK fields, 255 for the pairing scalar fields).
    pub fn new(modulus: BigUint, field: &str, log_n: usize, root: BigUint) -> Self {
        NttConfig {
            modulus,
            field: field.into(),
            log_n,
            lanes: 1,
            inverse: false,
            output_order: OutputOrder::Natural,
            root,
            top: "zk_ntt".into(),
            tile: TileShape::T26x17,
            karatsuba: 1,
            multiplier: Multiplier::Montgomery,
        }
    }

    /// N.
    pub fn size(&self) -> usize {
        1 << self.log_n
    }

    /// Beats per transform, N / P: also the cycles between back-to-back transforms.
    pub fn beats(&self) -> usize {
        self.size() / self.lanes
    }

    /// Datapath bits: the bit length of p (also the Montgomery R = 2^bits).
    pub fn bits(&self) -> usize {
        self.modulus.bits() as usize
    }

    /// Port width of every `x` and `y`.
    pub fn width(&self) -> Result<usize, HdlError> {
        width_class(self.bits())
    }

    /// The twiddle multipliers' configuration.
    pub fn modmul(&self) -> ModMulConfig {
        let mut m = ModMulConfig::new(self.modulus.clone(), &self.field);
        m.top = format!("{}_mul", self.top);
        m.tile = self.tile;
        m.architecture = Architecture::pipelined(self.karatsuba);
        m
    }

    pub fn validate(&self) -> Result<(), HdlError> {
        let bad = |m: String| Err(HdlError::Unsupported(m));
        self.modmul().validate()?;
        if !(1..=MAX_LOG_N).contains(&self.log_n) {
            return bad(format!("log-n {} is outside 1..={MAX_LOG_N}", self.log_n));
        }
        if !self.lanes.is_power_of_two() || self.lanes > MAX_LANES {
            return bad(format!("--lanes {} must be 1, 2, 4 or 8", self.lanes));
        }
        if self.lanes > self.size() {
            return bad(format!(
                "--lanes {} is more than the {} points of the transform",
                self.lanes,
                self.size()
            ));
        }
        let p = &self.modulus;
        if self.multiplier == Multiplier::Goldilocks && *p != crate::ntt_goldilocks::modulus() {
            return bad(format!(
                "the goldilocks multiplier needs p = 2^64 - 2^32 + 1, not {p:#x}"
            ));
        }
        if (p - 1u32) % BigUint::from(self.size() as u64) != BigUint::zero() {
            return bad(format!(
                "field {} has no 2^{}-th root of unity (p - 1 is not divisible by 2^{})",
                self.field, self.log_n, self.log_n
            ));
        }
        let half = self
            .root
            .modpow(&BigUint::from((self.size() / 2) as u64), p);
        if self.root >= *p || half != p - 1u32 {
            return bad(format!(
                "root {:#x} is not a primitive 2^{}-th root of unity mod p",
                self.root, self.log_n
            ));
        }
        Ok(())
    }

    /// Cycles from the first input beat to the first output beat (back-to-back beats).
    pub fn latency(&self) -> Result<usize, HdlError> {
        Ok(plan(self)?.latency)
    }
}

/// What a stage is, for reports and tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StageKind {
    /// Per-lane delay-feedback stage with a feedback delay of this many beats.
    DelayFeedback { delay: usize },
    /// Butterflies between lanes of one beat, with this lane span.
    Spatial { span: usize },
}

#[derive(Clone, Debug)]
pub struct Stage {
    pub kind: StageKind,
    /// Twiddle multipliers in this stage.
    pub multipliers: usize,
    /// Cycles this stage adds to the latency.
    pub latency: usize,
}

/// The generated design.
pub struct NttPlan {
    /// The top module (without the multiplier module).
    pub top_verilog: String,
    pub stages: Vec<Stage>,
    pub multipliers: usize,
    pub latency: usize,
    pub mul_plan: modmul::Plan,
    /// Words of the feedback RAMs, ROMs and the reorder buffer.
    pub memory_words: usize,
}

/// A deliberate fault for mutation tests: the generated core must then fail against golden.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutant {
    None,
    /// Twiddle `index` of lane 0 in stage `stage` is replaced by its square.
    WrongTwiddle {
        stage: usize,
        index: usize,
    },
}

/// Builds the design.
pub fn plan(cfg: &NttConfig) -> Result<NttPlan, HdlError> {
    plan_with(cfg, Mutant::None)
}

struct Gen {
    decls: String,
    logic: String,
    muls: Vec<(String, String, String)>, // (in_valid, a, b) expressions
    memory_words: usize,
}

impl Gen {
    fn d(&mut self, s: &str) {
        self.decls.push_str(s);
        self.decls.push('\n');
    }
    fn l(&mut self, s: &str) {
        self.logic.push_str(s);
        self.logic.push('\n');
    }
    /// A multiplier instance; returns (out_valid, result) wire names.
    fn mul(&mut self, valid: &str, a: &str, b: &str) -> (String, String) {
        let i = self.muls.len();
        self.muls.push((valid.into(), a.into(), b.into()));
        (format!("mul{i}_ov"), format!("mul{i}_res"))
    }
}

/// `[bits-1:0] `, also for one bit, so that every vector can be bit-selected.
fn range(bits: usize) -> String {
    format!("[{}:0] ", bits.max(1) - 1)
}

fn log2(n: usize) -> usize {
    n.trailing_zeros() as usize
}

/// Builds the design, optionally with a deliberate fault.
pub fn plan_with(cfg: &NttConfig, mutant: Mutant) -> Result<NttPlan, HdlError> {
    cfg.validate()?;
    let mul_plan = match cfg.multiplier {
        Multiplier::Montgomery => modmul::plan(&cfg.modmul())?,
        Multiplier::Goldilocks => crate::ntt_goldilocks::plan(
            cfg.tile,
            cfg.karatsuba,
            crate::netlist::DEFAULT_MAX_ADD_BITS,
        )?,
    };
    let lm = mul_plan.latency;
    let kb = cfg.bits();
    let w = cfg.width()?;
    let p = cfg.modulus.clone();
    let n = cfg.size();
    let lanes = cfg.lanes;
    let q = log2(lanes);
    let mb = cfg.log_n - q; // beats = 2^mb
    let beats = cfg.beats();
    // Montgomery multipliers divide by R = 2^kb: twiddles are stored times R.
    let r_mod = match cfg.multiplier {
        Multiplier::Montgomery => (BigUint::one() << kb) % &p,
        Multiplier::Goldilocks => BigUint::one(),
    };
    let mont = |v: &BigUint| (v * &r_mod) % &p;
    let omega = if cfg.inverse {
        cfg.root.modpow(&(&p - 2u32), &p)
    } else {
        cfg.root.clone()
    };
    let n_inv = BigUint::from(n as u64).modpow(&(&p - 2u32), &p);
    let pow = |e: usize| omega.modpow(&BigUint::from(e as u64), &p);
    let pl = literal(&p, kb + 1);
    let mut g = Gen {
        decls: String::new(),
        logic: String::new(),
        muls: vec![],
        memory_words: 0,
    };
    let kr = range(kb);
    let k1r = range(kb + 1);

    // Input registers.
    g.d("reg in_v = 1'b0;");
    g.l("always @(posedge clock) in_v <= in_valid & ~reset;");
    let mut cur_v = "in_v".to_string();
    let mut cur_x: Vec<String> = vec![];
    for l in 0..lanes {
        g.d(&format!("reg {kr}in_x{l} = {kb}'d0;"));
        g.l(&format!(
            "always @(posedge clock) in_x{l} <= x{l}[{}:0];",
            kb - 1
        ));
        cur_x.push(format!("in_x{l}"));
    }
    let mut latency = 1;
    let mut stages = vec![];

    for s in 0..cfg.log_n {
        let h = n >> (s + 1);
        let scale = cfg.inverse && s == 0;
        let twiddle = |j_global: usize| {
            let t = pow(j_global << s);
            if scale {
                (t * &n_inv) % &p
            } else {
                t
            }
        };
        let one = if scale { n_inv.clone() } else { BigUint::one() };
        let pre = format!("s{s}_");
        if h >= lanes {
            // Per-lane delay-feedback stage, feedback delay dl beats.
            let dl = h / lanes;
            let db = log2(dl); // bits of an index into the delay RAM
            let cb = db + 1; // phase counter over 2 dl elements
            let pw = db.max(1);
            g.d(&format!("reg [{}:0] {pre}c = {cb}'d0;", cb - 1));
            g.d(&format!("reg [{}:0] {pre}ptr = {pw}'d0;", pw - 1));
            g.d(&format!("reg [{}:0] {pre}tag = {dl}'d0;", dl - 1));
            g.d(&format!("wire {pre}b = {pre}c[{}];", cb - 1));
            g.d(&format!("wire {pre}adv = {cur_v} | ({pre}c == {cb}'d0);"));
            let ptr_next = if dl == 1 {
                "1'b0".to_string()
            } else {
                format!("{pre}ptr + {pw}'d1")
            };
            // The ROM index: 0..dl-1 a lower output's position, dl the upper outputs.
            let jb = db + 1;
            if dl > 1 {
                g.d(&format!("reg {}{pre}jm [0:{}];", range(db), dl - 1));
                g.d(&format!(
                    "integer {pre}i;\ninitial for ({pre}i = 0; {pre}i < {dl}; {pre}i = {pre}i + 1) {pre}jm[{pre}i] = {db}'d0;"
                ));
            }
            // The delay RAMs are read one cycle ahead into a register (a synchronous read
            // port, so synthesis infers block RAM): the address is the pointer the stage
            // will hold next cycle. The only write in a cycle goes to the current pointer,
            // which differs from the next one (dl > 1), so the register always equals the
            // RAM word at the pointer.
            if dl > 1 {
                g.d(&format!(
                    "wire {}{pre}ra = reset ? {pw}'d0 : ({pre}adv ? {ptr_next} : {pre}ptr);",
                    range(pw)
                ));
                g.d(&format!("reg {}{pre}jq = {db}'d0;", range(db)));
            }
            let jhead = if dl > 1 {
                format!("{{1'b0, {pre}jq}}")
            } else {
                format!("{jb}'d0")
            };
            g.d(&format!("reg {pre}ov = 1'b0;"));
            g.d(&format!("reg {pre}os = 1'b0;"));
            g.d(&format!("reg {}{pre}oj = {jb}'d0;", range(jb)));
            let mut seq = format!(
                "always @(posedge clock) begin\n    {pre}ov <= {pre}adv & ({pre}b | {pre}tag[{pre}ptr]) & ~reset;\n    {pre}os <= {pre}b;\n    {pre}oj <= {pre}b ? {jb}'d{dl} : {jhead};\n"
            );
            if dl > 1 {
                let _ = writeln!(seq, "    {pre}jq <= {pre}jm[{pre}ra];");
            }
            for (l, x) in cur_x.iter().enumerate() {
                g.d(&format!("reg {k1r}{pre}m{l} [0:{}];", dl - 1));
                g.d(&format!("integer {pre}i{l};"));
                g.d(&format!(
                    "initial for ({pre}i{l} = 0; {pre}i{l} < {dl}; {pre}i{l} = {pre}i{l} + 1) {pre}m{l}[{pre}i{l}] = {}'d0;",
                    kb + 1
                ));
                if dl > 1 {
                    g.d(&format!("reg {k1r}{pre}h{l} = {}'d0;", kb + 1));
                    let _ = writeln!(seq, "    {pre}h{l} <= {pre}m{l}[{pre}ra];");
                } else {
                    g.d(&format!("wire {k1r}{pre}h{l} = {pre}m{l}[{pre}ptr];"));
                }
                g.d(&format!(
                    "wire {k1r}{pre}sum{l} = {{1'b0, {pre}h{l}[{}:0]}} + {{1'b0, {x}}};",
                    kb - 1
                ));
                g.d(&format!(
                    "wire {k1r}{pre}dif{l} = {{1'b0, {pre}h{l}[{}:0]}} - {{1'b0, {x}}};",
                    kb - 1
                ));
                g.d(&format!("reg {k1r}{pre}o{l} = {}'d0;", kb + 1));
                let _ = writeln!(
                    seq,
                    "    {pre}o{l} <= {pre}b ? {pre}sum{l} : {pre}h{l};\n    if ({pre}adv) {pre}m{l}[{pre}ptr] <= {pre}b ? {pre}dif{l} : {{1'b0, {x}}};"
                );
                g.memory_words += dl;
            }
            let jm_write = if dl > 1 {
                format!(
                    "        if ({pre}b) {pre}jm[{pre}ptr] <= {pre}c[{}:0];\n",
                    db - 1
                )
            } else {
                String::new()
            };
            let _ = write!(
                seq,
                "    if (reset) begin\n        {pre}c <= {cb}'d0;\n        {pre}ptr <= {pw}'d0;\n        {pre}tag <= {dl}'d0;\n    end else if ({pre}adv) begin\n        {pre}ptr <= {ptr_next};\n        {pre}tag[{pre}ptr] <= {pre}b;\n{jm_write}        if ({cur_v}) {pre}c <= {pre}c + {cb}'d1;\n    end\nend"
            );
            g.l(&seq);
            // Reduce and twiddle lookup.
            let mut roms = vec![];
            for l in 0..lanes {
                let mut rom: Vec<BigUint> = (0..dl).map(|j| twiddle(j * lanes + l)).collect();
                rom.push(one.clone());
                if let Mutant::WrongTwiddle { stage, index } = mutant {
                    if stage == s && l == 0 && index < rom.len() {
                        rom[index] = (&rom[index] * &rom[index]) % &p;
                    }
                }
                roms.push(rom);
            }
            let needs_mul = roms.iter().flatten().any(|t| !t.is_one());
            g.d(&format!("reg {pre}rv = 1'b0;"));
            let mut seq =
                format!("always @(posedge clock) begin\n    {pre}rv <= {pre}ov & ~reset;\n");
            let mut next_x = vec![];
            for (l, rom) in roms.iter().enumerate() {
                reduce(&mut g, &mut seq, &pre, l, kb, &pl, &format!("{pre}os"));
                if needs_mul {
                    g.d(&format!("reg {kr}{pre}rom{l} [0:{dl}];"));
                    let mut init = String::from("initial begin\n");
                    for (j, t) in rom.iter().enumerate() {
                        let _ = writeln!(init, "    {pre}rom{l}[{j}] = {};", literal(&mont(t), kb));
                    }
                    init.push_str("end");
                    g.d(&init);
                    g.d(&format!("reg {kr}{pre}rw{l} = {kb}'d0;"));
                    let _ = writeln!(seq, "    {pre}rw{l} <= {pre}rom{l}[{pre}oj];");
                    g.memory_words += dl + 1;
                }
                next_x.push(format!("{pre}rx{l}"));
            }
            seq.push_str("end");
            g.l(&seq);
            let mut mults = 0;
            let mut v = format!("{pre}rv");
            if needs_mul {
                let mut xs = vec![];
                for (l, x) in next_x.iter().enumerate() {
                    let (ov, res) = g.mul(&format!("{pre}rv"), x, &format!("{pre}rw{l}"));
                    if l == 0 {
                        v = ov;
                    }
                    xs.push(format!("{res}[{}:0]", kb - 1));
                    mults += 1;
                }
                next_x = xs;
            }
            let st_lat = dl + 2 + if needs_mul { lm } else { 0 };
            latency += st_lat;
            stages.push(Stage {
                kind: StageKind::DelayFeedback { delay: dl },
                multipliers: mults,
                latency: st_lat,
            });
            cur_v = v;
            cur_x = next_x;
        } else {
            // Spatial stage: lanes l and l + h of one beat.
            g.d(&format!("reg {pre}ov = 1'b0;"));
            let mut seq =
                format!("always @(posedge clock) begin\n    {pre}ov <= {cur_v} & ~reset;\n");
            let mut consts = vec![];
            for l in 0..lanes {
                g.d(&format!("reg {k1r}{pre}o{l} = {}'d0;", kb + 1));
                let upper = l & h == 0;
                let (a, b) = if upper {
                    (&cur_x[l], &cur_x[l + h])
                } else {
                    (&cur_x[l - h], &cur_x[l])
                };
                let op = if upper { "+" } else { "-" };
                let _ = writeln!(seq, "    {pre}o{l} <= {{1'b0, {a}}} {op} {{1'b0, {b}}};");
                let mut t = if upper {
                    one.clone()
                } else {
                    twiddle(l & (h - 1))
                };
                if let Mutant::WrongTwiddle { stage, index } = mutant {
                    if stage == s && index == l {
                        t = (&t * &t) % &p;
                    }
                }
                consts.push((upper, t));
            }
            seq.push_str("end");
            g.l(&seq);
            g.d(&format!("reg {pre}rv = 1'b0;"));
            let mut seq =
                format!("always @(posedge clock) begin\n    {pre}rv <= {pre}ov & ~reset;\n");
            for (l, (upper, _)) in consts.iter().enumerate() {
                let kind = if *upper { "1'b1" } else { "1'b0" };
                reduce(&mut g, &mut seq, &pre, l, kb, &pl, kind);
            }
            seq.push_str("end");
            g.l(&seq);
            let needs_mul = consts.iter().any(|(_, t)| !t.is_one());
            let mut mults = 0;
            let mut v = format!("{pre}rv");
            let mut next_x = vec![];
            for (l, (_, t)) in consts.iter().enumerate() {
                let x = format!("{pre}rx{l}");
                if !needs_mul {
                    next_x.push(x);
                } else if t.is_one() {
                    // A delay line as long as a multiplier.
                    let mut prev = x;
                    for i in 0..lm {
                        let r = format!("{pre}dl{l}_{i}");
                        g.d(&format!("reg {kr}{r} = {kb}'d0;"));
                        g.l(&format!("always @(posedge clock) {r} <= {prev};"));
                        prev = r;
                    }
                    next_x.push(prev);
                } else {
                    let (ov, res) = g.mul(&format!("{pre}rv"), &x, &literal(&mont(t), kb));
                    v = ov;
                    next_x.push(format!("{res}[{}:0]", kb - 1));
                    mults += 1;
                }
            }
            let st_lat = 2 + if needs_mul { lm } else { 0 };
            latency += st_lat;
            stages.push(Stage {
                kind: StageKind::Spatial { span: h },
                multipliers: mults,
                latency: st_lat,
            });
            cur_v = v;
            cur_x = next_x;
        }
    }

    // Output: straight out (bit-reversed) or through the reorder buffer (natural).
    let mut outs = vec![];
    let out_v;
    match cfg.output_order {
        OutputOrder::BitReversed => {
            out_v = cur_v.clone();
            outs = cur_x.clone();
        }
        OutputOrder::Natural => {
            let cnt = mb.max(1);
            g.d(&format!("reg {kr}rb [0:{}];", 2 * n - 1));
            g.d(&format!(
                "integer rb_i;\ninitial for (rb_i = 0; rb_i < {}; rb_i = rb_i + 1) rb[rb_i] = {kb}'d0;",
                2 * n
            ));
            g.memory_words += 2 * n;
            g.d(&format!("reg {}wcnt = {cnt}'d0;", range(cnt)));
            g.d(&format!("reg {}rcnt = {cnt}'d0;", range(cnt)));
            g.d("reg wh = 1'b0;\nreg rh = 1'b0;\nreg [1:0] full = 2'd0;\nreg ov = 1'b0;");
            let last = if mb == 0 {
                "1'b1".to_string()
            } else {
                format!("{mb}'d{}", beats - 1)
            };
            let wr_done = if mb == 0 {
                cur_v.clone()
            } else {
                format!("{cur_v} & (wcnt == {last})")
            };
            let rd_done = if mb == 0 {
                "full[rh]".to_string()
            } else {
                format!("full[rh] & (rcnt == {last})")
            };
            g.d(&format!(
                "wire wr_done = {wr_done};\nwire rd_done = {rd_done};"
            ));
            // Write address of lane l: {half, bitrev_q(l), bitrev_mb(wcnt)}.
            let rev_cnt: Vec<String> = (0..mb).map(|i| format!("wcnt[{i}]")).collect();
            let mut seq = String::from("always @(posedge clock) begin\n");
            for (l, x) in cur_x.iter().enumerate() {
                let rl = if q == 0 {
                    0
                } else {
                    l.reverse_bits() >> (usize::BITS as usize - q)
                };
                let mut parts = vec!["wh".to_string()];
                if q > 0 {
                    parts.push(format!("{q}'d{rl}"));
                }
                parts.extend(rev_cnt.iter().cloned());
                let _ = writeln!(seq, "    if ({cur_v}) rb[{{{}}}] <= {x};", parts.join(", "));
            }
            let _ = writeln!(seq, "    ov <= full[rh] & ~reset;");
            for l in 0..lanes {
                g.d(&format!("reg {kr}ry{l} = {kb}'d0;"));
                let mut parts = vec!["rh".to_string()];
                if mb > 0 {
                    parts.push("rcnt".to_string());
                }
                if q > 0 {
                    parts.push(format!("{q}'d{l}"));
                }
                let _ = writeln!(seq, "    ry{l} <= rb[{{{}}}];", parts.join(", "));
                outs.push(format!("ry{l}"));
            }
            let _ = write!(
                seq,
                "    if (reset) begin\n        wcnt <= {cnt}'d0;\n        rcnt <= {cnt}'d0;\n        wh <= 1'b0;\n        rh <= 1'b0;\n        full <= 2'd0;\n    end else begin\n        if ({cur_v}) wcnt <= wcnt + {cnt}'d1;\n        if (wr_done) wh <= ~wh;\n        if (full[rh]) rcnt <= rcnt + {cnt}'d1;\n        if (rd_done) rh <= ~rh;\n        full <= (full | ({{1'b0, wr_done}} << wh)) & ~({{1'b0, rd_done}} << rh);\n    end\nend"
            );
            g.l(&seq);
            out_v = "ov".to_string();
            latency += beats + 1;
        }
    }

    let mut v = String::new();
    let mut port_names = vec!["clock".to_string(), "reset".into(), "in_valid".into()];
    port_names.extend((0..lanes).map(|l| format!("x{l}")));
    port_names.push("out_valid".into());
    port_names.extend((0..lanes).map(|l| format!("y{l}")));
    let _ = writeln!(v, "module {}({});", cfg.top, port_names.join(", "));
    let wr = range(w);
    let _ = writeln!(
        v,
        "    input wire clock;\n    input wire reset;\n    input wire in_valid;"
    );
    for l in 0..lanes {
        let _ = writeln!(v, "    input wire {wr}x{l};");
    }
    let _ = writeln!(v, "    output wire out_valid;");
    for l in 0..lanes {
        let _ = writeln!(v, "    output wire {wr}y{l};");
    }
    v.push_str(&g.decls);
    let pad = |e: &str| {
        if w == kb {
            e.to_string()
        } else {
            format!("{{{}'d0, {e}}}", w - kb)
        }
    };
    for (i, (valid, a, b)) in g.muls.iter().enumerate() {
        let _ = writeln!(
            v,
            "wire mul{i}_ov;\nwire {}mul{i}_res;\n{}_mul mul{i} (.clock(clock), .reset(reset), .in_valid({valid}), .a({}), .b({}), .out_valid(mul{i}_ov), .result(mul{i}_res));",
            range(w),
            cfg.top,
            pad(a),
            pad(b)
        );
    }
    v.push_str(&g.logic);
    let _ = writeln!(v, "assign out_valid = {out_v};");
    for (l, o) in outs.iter().enumerate() {
        let _ = writeln!(v, "assign y{l} = {};", pad(o));
    }
    let _ = writeln!(v, "endmodule // {}", cfg.top);
    Ok(NttPlan {
        top_verilog: v,
        multipliers: g.muls.len(),
        stages,
        latency,
        mul_plan,
        memory_words: g.memory_words,
    })
}

/// The reduce stage of lane `l`: `{pre}rx{l} <= {pre}o{l}` brought into `[0, p)`; `is_sum` is
/// a Verilog expression, 1 for a raw sum (subtract p once if it reached p), 0 for a raw
/// difference in two's complement (add p if negative).
fn reduce(g: &mut Gen, seq: &mut String, pre: &str, l: usize, kb: usize, pl: &str, is_sum: &str) {
    let k1r = range(kb + 1);
    g.d(&format!("wire {k1r}{pre}sr{l} = {pre}o{l} - {pl};"));
    g.d(&format!("wire {k1r}{pre}dr{l} = {pre}o{l} + {pl};"));
    g.d(&format!("reg {}{pre}rx{l} = {kb}'d0;", range(kb)));
    let hi = kb - 1;
    let _ = writeln!(
        seq,
        "    {pre}rx{l} <= {is_sum} ? ({pre}o{l} >= {pl} ? {pre}sr{l}[{hi}:0] : {pre}o{l}[{hi}:0]) : ({pre}o{l}[{kb}] ? {pre}dr{l}[{hi}:0] : {pre}o{l}[{hi}:0]);"
    );
}

fn ports(lanes: usize, w: usize) -> Vec<PortSpec> {
    let ins = (0..lanes)
        .map(|l| {
            PortSpec::input(
                &format!("x{l}"),
                w,
                &format!("element b*P + {l} of the transform (natural order, < p)"),
            )
        })
        .collect();
    let outs = (0..lanes)
        .map(|l| PortSpec::output(&format!("y{l}"), w, &format!("output lane {l}")))
        .collect();
    stream_ports(ins, "x0..x{P-1} (one beat of P elements) are", outs)
}

impl Core for NttConfig {
    const NAME: &'static str = "ntt";

    fn top(&self) -> &str {
        &self.top
    }

    fn validate(&self) -> Result<(), HdlError> {
        NttConfig::validate(self)
    }

    fn ports(&self) -> Result<Vec<PortSpec>, HdlError> {
        Ok(ports(self.lanes, self.width()?))
    }

    fn timing(&self) -> Result<Timing, HdlError> {
        let beats = self.beats();
        Ok(Timing {
            latency: self.latency()?,
            initiation_interval: 1,
            handshake: format!(
                "valid only, in beats: in_valid qualifies a beat of {p} elements (x0..x{pm}), a \
                 transform is {beats} beats (idle cycles allowed between beats, none needed \
                 between transforms); out_valid qualifies an output beat (y0..y{pm}), {beats} \
                 per transform, transforms in order; no backpressure; the latency is from the \
                 first input beat to the first output beat of a gap-free transform",
                p = self.lanes,
                pm = self.lanes - 1
            ),
        })
    }

    fn contract(&self) -> Result<Contract, HdlError> {
        let plan = plan(self)?;
        let n = self.size();
        let order = match self.output_order {
            OutputOrder::Natural => "natural order: output beat b lane l is X[b*P + l]".to_string(),
            OutputOrder::BitReversed => format!(
                "bit-reversed order: output beat b lane l is X[bitrev_{}(b*P + l)]",
                self.log_n
            ),
        };
        let what = if self.inverse {
            "inverse NTT: X[i] = N^-1 * sum_j x[j] * w^(-i*j)".to_string()
        } else {
            "forward NTT: X[i] = sum_j x[j] * w^(i*j)".to_string()
        };
        Ok(Contract {
            arithmetic: format!(
                "{what} over F_p, N = 2^{k} = {n} points, P = {lanes} lanes, w = {w:#x} (a \
                 primitive N-th root of unity), inputs in natural order, {order}; values in \
                 [0, p); p = {p:#x} ({bits} bits) on {width}-bit ports; radix-2 DIF, {mults} \
                 {kind} multipliers ({tiles} tiles each), {words} words of RAM/ROM",
                kind = self.multiplier.name(),
                k = self.log_n,
                lanes = self.lanes,
                w = self.root,
                p = self.modulus,
                bits = self.bits(),
                width = self.width()?,
                mults = plan.multipliers,
                tiles = plan.mul_plan.tiles,
                words = plan.memory_words,
            ),
            modulus: Some(self.modulus.clone()),
            field: Some(self.field.clone()),
            tiles: plan.multipliers * plan.mul_plan.tiles,
        })
    }

    fn emit(&self) -> Result<String, HdlError> {
        emit_with(self, Mutant::None)
    }
}

/// The Verilog of the core, optionally with a deliberate fault (for mutation tests).
pub fn emit_with(cfg: &NttConfig, mutant: Mutant) -> Result<String, HdlError> {
    let plan = plan_with(cfg, mutant)?;
    let mul = match cfg.multiplier {
        Multiplier::Montgomery => cfg.modmul().emit()?,
        Multiplier::Goldilocks => {
            crate::ntt_goldilocks::emit(cfg.tile, cfg.karatsuba, &format!("{}_mul", cfg.top))?
        }
    };
    let mut out = format!(
        "// Generated by zkhdl-hdl {} (ntt). Do not edit: regenerate with `zkhdl gen ntt`.\n",
        env!("CARGO_PKG_VERSION")
    );
    out.push_str(&plan.top_verilog);
    out.push('\n');
    // The multiplier's own header line is dropped: one header per file.
    for line in mul.lines().skip_while(|l| l.starts_with("//")) {
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Goldilocks and a primitive 2^k-th root: 7^((p-1)/2^k).
    fn goldilocks(log_n: usize) -> NttConfig {
        let p = (BigUint::one() << 64) - (BigUint::one() << 32) + 1u32;
        let root = BigUint::from(7u32).modpow(&((&p - 1u32) >> log_n), &p);
        NttConfig::new(p, "goldilocks", log_n, root)
    }

    #[test]
    fn stages_and_multipliers_follow_the_config() {
        let mut cfg = goldilocks(6);
        cfg.lanes = 4;
        let plan = plan(&cfg).unwrap();
        let kinds: Vec<_> = plan.stages.iter().map(|s| s.kind.clone()).collect();
        assert_eq!(
            kinds,
            [
                StageKind::DelayFeedback { delay: 8 },
                StageKind::DelayFeedback { delay: 4 },
                StageKind::DelayFeedback { delay: 2 },
                StageKind::DelayFeedback { delay: 1 },
                StageKind::Spatial { span: 2 },
                StageKind::Spatial { span: 1 },
            ]
        );
        // Four SDF stages x 4 lanes, span 2: lane 3's twiddle w^16 (lane 2's is 1), span 1:
        // none.
        assert_eq!(plan.multipliers, 17);
    }

    #[test]
    fn rejects_bad_configs() {
        let mut cfg = goldilocks(4);
        cfg.lanes = 3;
        assert!(plan(&cfg).is_err());
        cfg.lanes = 32;
        assert!(plan(&cfg).is_err());
        let mut cfg = goldilocks(4);
        cfg.root = BigUint::from(7u32);
        assert!(plan(&cfg).is_err(), "not a root of unity");
        let mut cfg = goldilocks(4);
        cfg.log_n = 17;
        assert!(plan(&cfg).is_err());
        let mut cfg = goldilocks(2);
        cfg.lanes = 8;
        assert!(plan(&cfg).is_err(), "more lanes than points");
    }

    #[test]
    fn generates_with_ports_checked() {
        for order in [OutputOrder::Natural, OutputOrder::BitReversed] {
            let mut cfg = goldilocks(3);
            cfg.lanes = 2;
            cfg.output_order = order;
            let core = cfg.generate().unwrap();
            assert_eq!(core.manifest.port("y1").unwrap().width, 64);
            assert!(core.verilog.contains("module zk_ntt_mul("));
        }
    }
}
