//! A small pipelined-datapath builder for the arithmetic cores.
//!
//! rust-hdl's `hdl_gen` needs every width at compile time, while a modular multiplier's
//! datapath has hundreds of signals whose widths follow from the modulus, the tile shape and the
//! Karatsuba levels. The cores therefore keep rust-hdl for what it does well (ports, hierarchy,
//! the tile primitives as child blocks, emission) and build their datapath body here, as
//! structural Verilog that goes out through rust-hdl's custom-Verilog hook.
//!
//! Every signal carries the pipeline stage at which it is valid (cycles after the input
//! registers); combinational operations require operands of one stage, [`Netlist::at`] inserts
//! (and reuses) delay registers, so the schedule is correct by construction.
//!
//! [`Netlist::sum`] is the column compressor: it adds many shifted (and possibly negated)
//! terms by cutting them into narrow slices, summing each slice in a pipelined tree of additions
//! that stay below 64 bits, and ending in one carry-propagate addition. Additions only as wide as
//! their bits can carry keep the FPGA mapping small and Verilator fast.

use num_bigint::BigUint;
use num_traits::{One, Zero};
use std::collections::HashMap;
use std::fmt::Write as _;

/// A signal of the datapath: a Verilog name, a width and the stage it is valid at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sig {
    pub name: String,
    pub width: usize,
    pub stage: usize,
}

/// One addend of [`Netlist::sum`]: `sig * 2^shift`, subtracted when `negate`.
#[derive(Clone, Debug)]
pub struct Term {
    pub sig: Sig,
    pub shift: usize,
    pub negate: bool,
}

/// A tile multiplier instance to be driven: operand expressions (with their widths, at most
/// the tile's) and the product signal.
#[derive(Clone, Debug)]
pub struct TileUse {
    pub a: String,
    pub a_width: usize,
    pub b: String,
    pub b_width: usize,
    /// The tile's operand widths.
    pub tile_widths: (usize, usize),
    pub product: Sig,
}

/// The operation of [`Netlist::mod_add_sub`].
#[derive(Clone, Debug)]
pub enum AddSub {
    Add,
    Sub,
    /// Chosen per input by a 1-bit signal (valid at the operands' stage): 1 subtracts.
    Select(Sig),
}

/// The carry into [`Netlist::add_wide`].
#[derive(Clone, Debug)]
pub enum Carry {
    Zero,
    One,
    /// A 1-bit signal, valid at the operands' stage.
    Bit(Sig),
}

/// The default bound on a carry chain between two registers ([`Netlist::max_add_bits`]):
/// 64 bits, eight CARRY8 on UltraScale+ and 32 CCU2C on ECP5.
pub const DEFAULT_MAX_ADD_BITS: usize = 64;

/// A carry-chain bound must be 0 (unbounded) or at least 8 bits.
pub fn check_max_add_bits(bits: usize) -> Result<(), crate::HdlError> {
    if bits != 0 && bits < 8 {
        return Err(crate::HdlError::Unsupported(format!(
            "max_add_bits {bits} must be 0 (unbounded) or at least 8"
        )));
    }
    Ok(())
}

/// [`DEFAULT_MAX_ADD_BITS`], for serde defaults of the configurations.
pub fn default_max_add_bits() -> usize {
    DEFAULT_MAX_ADD_BITS
}

#[derive(Default)]
pub struct Netlist {
    /// Timing by construction: the widest carry-propagate addition between two registers that
    /// [`Netlist::add_wide`] (and every wide add built on it: the compressor's final add, the
    /// modular adder's add and correction) may emit; wider ones become two-stage carry-select
    /// adders over chunks of at most this many bits. 0 means unbounded (one stage, however
    /// wide).
    pub max_add_bits: usize,
    /// Registers at the ends of the long routes (the ECP5 flow's choice; off by default):
    /// [`Netlist::sum`] registers its terms once more before the first adder level, and a
    /// chunked [`Netlist::add_wide`] registers its operands before the chunk sums, then the
    /// chunks' carry bits again, then the chunk carries before the selection (five stages
    /// instead of two). Wide datapaths spread
    /// over the die, and on ECP5 the route from a register to the adder that reads it was
    /// half of the critical path; a register of its own lets the placer put one end beside
    /// the adder.
    pub route_registers: bool,
    decls: Vec<String>,
    assigns: Vec<String>,
    seq: Vec<String>,
    counter: usize,
    delays: HashMap<(String, usize), Sig>,
    pub tiles: Vec<TileUse>,
    /// Bits of pipeline registers, for reports.
    pub register_bits: usize,
    /// Bit ranges that are deliberately left unread (see [`Netlist::unused`]).
    unused: Vec<String>,
}

fn range(width: usize) -> String {
    if width <= 1 {
        String::new()
    } else {
        format!("[{}:0] ", width - 1)
    }
}

/// A Verilog literal of `width` bits.
pub fn literal(v: &BigUint, width: usize) -> String {
    format!("{}'h{:x}", width.max(1), v)
}

/// `expr` (of `from` bits) zero-extended to `to` bits, written out so that no operand is
/// widened implicitly (Verilator's WIDTH lint).
pub fn zext(expr: &str, from: usize, to: usize) -> String {
    assert!(from <= to, "{expr}: {from} bits do not fit in {to}");
    if from == to {
        expr.to_string()
    } else {
        format!("{{{}'b0, {expr}}}", to - from)
    }
}

/// `name[hi:lo]`, or `name[hi]` for one bit.
pub fn bit_range(name: &str, hi: usize, lo: usize) -> String {
    if hi == lo {
        format!("{name}[{lo}]")
    } else {
        format!("{name}[{hi}:{lo}]")
    }
}

/// Declares `wire unused_bits` as the AND of `ranges` (and a 0): the idiom by which a design
/// tells Verilator that these bits are read by nothing on purpose (signals whose name matches
/// `*unused*` are exempt from UNUSEDSIGNAL, and the ranges count as read). Empty if none.
pub fn unused_sink(name: &str, ranges: &[String]) -> String {
    if ranges.is_empty() {
        return String::new();
    }
    format!("wire {name} = &{{1'b0, {}}};\n", ranges.join(", "))
}

impl Netlist {
    pub fn fresh(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}_{}", self.counter)
    }

    /// `wire [width-1:0] name = expr;` at `stage`.
    pub fn wire(&mut self, prefix: &str, width: usize, stage: usize, expr: &str) -> Sig {
        let name = self.fresh(prefix);
        self.decls.push(format!("wire {}{name};", range(width)));
        self.assigns.push(format!("assign {name} = {expr};"));
        Sig { name, width, stage }
    }

    /// A register of `expr` (of signals at `stage`): valid at `stage + 1`.
    pub fn reg_expr(&mut self, prefix: &str, width: usize, stage: usize, expr: &str) -> Sig {
        let name = self.fresh(prefix);
        self.decls.push(format!("reg {}{name} = 0;", range(width)));
        self.seq.push(format!("{name} <= {expr};"));
        self.register_bits += width;
        Sig {
            name,
            width,
            stage: stage + 1,
        }
    }

    /// Marks bits `[lo, hi]` of `name` as deliberately unread (a product's bits above the
    /// result width, the ports' bits above the modulus), read by the `unused_bits` sink.
    pub fn unused(&mut self, name: &str, hi: usize, lo: usize) {
        self.unused.push(bit_range(name, hi, lo));
    }

    /// Marks the whole of `name` (e.g. a 1-bit output of a child) as deliberately unread.
    pub fn unused_signal(&mut self, name: &str) {
        self.unused.push(name.to_string());
    }

    pub fn reg(&mut self, s: &Sig) -> Sig {
        self.reg_expr("r", s.width, s.stage, &s.name.clone())
    }

    /// `s` delayed to `stage` (>= its own), sharing delay registers between users.
    pub fn at(&mut self, s: &Sig, stage: usize) -> Sig {
        assert!(
            stage >= s.stage,
            "{} is valid at {}, asked at {stage}",
            s.name,
            s.stage
        );
        let mut cur = s.clone();
        while cur.stage < stage {
            let key = (cur.name.clone(), cur.stage + 1);
            cur = match self.delays.get(&key) {
                Some(d) => d.clone(),
                None => {
                    let d = self.reg_expr("d", cur.width, cur.stage, &cur.name.clone());
                    self.delays.insert(key, d.clone());
                    d
                }
            };
        }
        cur
    }

    /// Bits `[lo, lo + width)` of `s`, cut to what `s` has; `None` if nothing is left.
    pub fn slice(&mut self, s: &Sig, lo: usize, width: usize) -> Option<Sig> {
        if lo >= s.width || width == 0 {
            return None;
        }
        let w = width.min(s.width - lo);
        if lo == 0 && w == s.width {
            return Some(s.clone());
        }
        let expr = if w == 1 {
            format!("{}[{lo}]", s.name)
        } else {
            format!("{}[{}:{lo}]", s.name, lo + w - 1)
        };
        Some(self.wire("s", w, s.stage, &expr))
    }

    /// A netlist whose carry chains are at most `max_add_bits` long (0: unbounded).
    pub fn with_max_add(max_add_bits: usize) -> Self {
        Netlist {
            max_add_bits,
            ..Netlist::default()
        }
    }

    /// Whether an addition of `width` bits may be done in one stage.
    pub fn one_stage(&self, width: usize) -> bool {
        self.max_add_bits == 0 || width <= self.max_add_bits
    }

    /// Registered `x + y + carry` over `width` bits (operands zero-extended, at most `width`
    /// bits each): `width + 1` bits, the top one the carry out. Valid one stage after the later
    /// operand when `width` fits [`Netlist::max_add_bits`]; otherwise a carry-select adder in
    /// two stages: stage 1 adds every chunk of at most `max_add_bits` bits twice (carry in 0
    /// and 1; the lowest chunk once, with the real carry), stage 2 resolves the chunk carries
    /// (one AND-OR per chunk on single bits) and selects each chunk's sum.
    pub fn add_wide(&mut self, prefix: &str, x: &Sig, y: &Sig, carry: Carry, width: usize) -> Sig {
        let mut st = x.stage.max(y.stage);
        if let Carry::Bit(c) = &carry {
            st = st.max(c.stage);
        }
        if self.route_registers && !self.one_stage(width) {
            // The operands registered once more, beside the chunk adders.
            st += 1;
        }
        let (x, y) = (self.at(x, st), self.at(y, st));
        assert!(
            x.width <= width && y.width <= width,
            "{prefix}: operands wider than {width}"
        );
        let cin = match &carry {
            Carry::Zero => None,
            Carry::One => Some("1'b1".to_string()),
            Carry::Bit(c) => Some(self.at(c, st).name),
        };
        let ext = |s: &Sig, w: usize| zext(&s.name, s.width, w);
        if self.one_stage(width) {
            let mut e = format!("{} + {}", ext(&x, width + 1), ext(&y, width + 1));
            if let Some(c) = &cin {
                e = format!("{e} + {}", zext(c, 1, width + 1));
            }
            return self.reg_expr(prefix, width + 1, st, &e);
        }
        let xw = self.wire(&format!("{prefix}_x"), width, st, &ext(&x, width));
        let yw = self.wire(&format!("{prefix}_y"), width, st, &ext(&y, width));
        let b = self.max_add_bits;
        let mut lo = 0;
        let mut sums: Vec<(Sig, Option<Sig>)> = vec![];
        while lo < width {
            let w = b.min(width - lo);
            let xi = self.slice(&xw, lo, w).expect("inside");
            let yi = self.slice(&yw, lo, w).expect("inside");
            let e0 = format!(
                "{} + {}",
                zext(&xi.name, w, w + 1),
                zext(&yi.name, w, w + 1)
            );
            if lo == 0 {
                let e = match &cin {
                    Some(c) => format!("{e0} + {}", zext(c, 1, w + 1)),
                    None => e0,
                };
                sums.push((self.reg_expr(&format!("{prefix}_c0"), w + 1, st, &e), None));
            } else {
                let s0 = self.reg_expr(&format!("{prefix}_c0"), w + 1, st, &e0);
                let e1 = format!("{e0} + {}", zext("1'b1", 1, w + 1));
                let s1 = self.reg_expr(&format!("{prefix}_c1"), w + 1, st, &e1);
                sums.push((s0, Some(s1)));
            }
            lo += w;
        }
        if self.route_registers {
            return self.add_wide_registered_carries(prefix, &sums, width, st + 1);
        }
        // Stage 2: the carry into chunk i, then each chunk's sum.
        let mut carry_in = String::new();
        let mut parts = vec![];
        for (s0, s1) in &sums {
            let w = s0.width - 1;
            let part = match s1 {
                None => bit_range(&s0.name, w - 1, 0),
                Some(s1) => format!(
                    "({carry_in} ? {} : {})",
                    bit_range(&s1.name, w - 1, 0),
                    bit_range(&s0.name, w - 1, 0)
                ),
            };
            parts.push(part);
            let next = match s1 {
                None => format!("{}[{w}]", s0.name),
                Some(s1) => format!("({}[{w}] | ({}[{w}] & {carry_in}))", s0.name, s1.name),
            };
            carry_in = self.wire(&format!("{prefix}_cy"), 1, st + 1, &next).name;
        }
        parts.push(carry_in);
        parts.reverse();
        self.reg_expr(
            prefix,
            width + 1,
            st + 1,
            &format!("{{{}}}", parts.join(", ")),
        )
    }

    /// Stage 2 of [`Netlist::add_wide`] under [`Netlist::route_registers`], in three stages:
    /// the chunk sums' carry bits (valid at `st`) copied into registers of their own, which
    /// the placer can gather, since the chunks lie across the die; from them the carry into
    /// every chunk (and out of the top one), registered (one AND-OR per chunk, as in the
    /// one-stage selection); then each chunk's sum chosen by its registered carry.
    fn add_wide_registered_carries(
        &mut self,
        prefix: &str,
        sums: &[(Sig, Option<Sig>)],
        width: usize,
        st: usize,
    ) -> Sig {
        let mut carry_in = String::new();
        let mut carries = vec![];
        for (s0, s1) in sums {
            let w = s0.width - 1;
            let g = self.slice(s0, w, 1).expect("the chunk's carry");
            let g = self.reg(&g);
            let next = match s1 {
                None => g.name.clone(),
                Some(s1) => {
                    let p = self.slice(s1, w, 1).expect("the chunk's carry");
                    let p = self.reg(&p);
                    format!("({} | ({} & {carry_in}))", g.name, p.name)
                }
            };
            let c = self.wire(&format!("{prefix}_cy"), 1, st + 1, &next);
            carry_in = c.name.clone();
            carries.push(self.reg(&c));
        }
        let mut parts = vec![];
        for (i, (s0, s1)) in sums.iter().enumerate() {
            let w = s0.width - 1;
            let s0 = self.at(s0, st + 2);
            // The chunk's carry bit was read from its copy above.
            self.unused(&s0.name, w, w);
            let part = match s1 {
                None => bit_range(&s0.name, w - 1, 0),
                Some(s1) => {
                    let s1 = self.at(s1, st + 2);
                    self.unused(&s1.name, w, w);
                    format!(
                        "({} ? {} : {})",
                        carries[i - 1].name,
                        bit_range(&s1.name, w - 1, 0),
                        bit_range(&s0.name, w - 1, 0)
                    )
                }
            };
            parts.push(part);
        }
        parts.push(carries.last().expect("at least one chunk").name.clone());
        parts.reverse();
        self.reg_expr(
            prefix,
            width + 1,
            st + 2,
            &format!("{{{}}}", parts.join(", ")),
        )
    }

    /// Registered `x + y`, one bit wider than the wider operand; in two stages (carry-select)
    /// when the operands are wider than the carry bound.
    pub fn add_reg(&mut self, x: &Sig, y: &Sig) -> Sig {
        let wide = x.width.max(y.width);
        if !self.one_stage(wide) {
            // Wider than the carry bound (Karatsuba's pre-adders of wide operands): the
            // two-stage carry-select adder, one more stage.
            return self.add_wide("pa", x, y, Carry::Zero, wide);
        }
        let st = x.stage.max(y.stage);
        let (x, y) = (self.at(x, st), self.at(y, st));
        let w = x.width.max(y.width) + 1;
        let e = add_expr(&x, &y, w);
        self.reg_expr("pa", w, st, &e)
    }

    /// Instantiates a tile (the caller's tile shape) on operand expressions valid at `stage`.
    /// The product is valid `latency` stages later.
    /// `a` and `b` are (expression, width); `tile_widths` the tile's operand widths.
    pub fn tile(
        &mut self,
        a: (String, usize),
        b: (String, usize),
        tile_widths: (usize, usize),
        stage: usize,
        latency: usize,
    ) -> Sig {
        let i = self.tiles.len();
        let product = Sig {
            name: format!("tiles${i}$p"),
            width: tile_widths.0 + tile_widths.1,
            stage: stage + latency,
        };
        self.tiles.push(TileUse {
            a: a.0,
            a_width: a.1,
            b: b.0,
            b_width: b.1,
            tile_widths,
            product: product.clone(),
        });
        product
    }

    /// `(a + b) mod p`, `(a - b) mod p`, or either chosen per input (`AddSub::Select`), for
    /// `a`, `b` of k bits below `p`, in two registered stages: stage 1 the raw sum or
    /// difference (k + 1 bits; a difference's top bit is its borrow), stage 2 the one
    /// correction by p. The result (k bits, in `[0, p)`) is valid two stages after the later
    /// operand. The one modular adder of the cores (`modadd`, the point adder).
    pub fn mod_add_sub(&mut self, a: &Sig, b: &Sig, op: AddSub, p: &BigUint) -> Sig {
        let st = a.stage.max(b.stage);
        let (a, b) = (self.at(a, st), self.at(b, st));
        let k = a.width;
        assert_eq!(b.width, k, "operands of a modular add are of one width");
        assert!(p.bits() as usize <= k, "p fits the operands");
        if !self.one_stage(k + 1) {
            return self.mod_add_sub_wide(&a, &b, op, p);
        }
        let (ea, eb) = (zext(&a.name, k, k + 1), zext(&b.name, k, k + 1));
        let (prefix, raw_expr) = match &op {
            AddSub::Add => ("add", format!("{ea} + {eb}")),
            AddSub::Sub => ("sub", format!("{ea} - {eb}")),
            AddSub::Select(s) => {
                let s = self.at(s, st);
                ("addsub", format!("{} ? {ea} - {eb} : {ea} + {eb}", s.name))
            }
        };
        let raw = self.reg_expr(prefix, k + 1, st, &raw_expr);
        let low = bit_range(&raw.name, k - 1, 0);
        // Subtraction: a borrow means a - b < 0, so add p.
        let fix_sub = format!(
            "{r}[{k}] ? {low} + {p} : {low}",
            r = raw.name,
            p = literal(p, k)
        );
        let mut fix_add = || {
            // Addition: keep a + b unless a + b - p does not borrow.
            let d = self.wire(
                "dsum",
                k + 1,
                st + 1,
                &format!("{} - {}", raw.name, literal(p, k + 1)),
            );
            format!(
                "{d}[{k}] ? {low} : {dl}",
                d = d.name,
                dl = bit_range(&d.name, k - 1, 0)
            )
        };
        match op {
            AddSub::Add => {
                let e = fix_add();
                self.unused(&raw.name, k, k);
                self.reg_expr("fadd", k, st + 1, &e)
            }
            AddSub::Sub => self.reg_expr("fsub", k, st + 1, &fix_sub),
            AddSub::Select(s) => {
                let e = fix_add();
                let s = self.at(&s, st + 1);
                self.reg_expr(
                    "faddsub",
                    k,
                    st + 1,
                    &format!("{} ? ({fix_sub}) : ({e})", s.name),
                )
            }
        }
    }

    /// [`Netlist::mod_add_sub`] for operands wider than [`Netlist::max_add_bits`]: every add
    /// through [`Netlist::add_wide`]. The raw sum or difference `a + b` or `a + ~b + 1` (k + 1
    /// bits, bit k the carry or the borrow) in two stages; then, for a sum, `raw - p` as
    /// `raw + (2^(k+1) - p)` (two stages) and a registered choice; for a difference,
    /// `raw + (borrow ? p : 0)` (two stages). Six stages for `Select`, fewer for one op.
    fn mod_add_sub_wide(&mut self, a: &Sig, b: &Sig, op: AddSub, p: &BigUint) -> Sig {
        let st = a.stage.max(b.stage);
        let k = a.width;
        let (y, carry) = match &op {
            AddSub::Add => (b.clone(), Carry::Zero),
            AddSub::Sub => (
                self.wire("nb", k + 1, st, &format!("~{}", zext(&b.name, k, k + 1))),
                Carry::One,
            ),
            AddSub::Select(s) => {
                let s = self.at(s, st);
                let e = format!("{s} ? ~{b} : {b}", s = s.name, b = zext(&b.name, k, k + 1));
                (self.wire("yb", k + 1, st, &e), Carry::Bit(s))
            }
        };
        let raw_full = self.add_wide("raw", a, &y, carry, k + 1);
        self.unused(&raw_full.name, k + 1, k + 1);
        let raw = self.slice(&raw_full, 0, k + 1).expect("k + 1 bits");
        let low = self.slice(&raw, 0, k).expect("k bits");
        // A sum: keep it unless raw - p does not borrow.
        let fixed_add = |nl: &mut Netlist| {
            let neg_p = (BigUint::one() << (k + 1)) - p;
            let c = nl.wire("negp", k + 1, raw.stage, &literal(&neg_p, k + 1));
            let d = nl.add_wide("dsum", &raw, &c, Carry::Zero, k + 1);
            nl.unused(&d.name, k + 1, k + 1);
            let low_d = nl.at(&low, d.stage);
            let e = format!(
                "{}[{k}] ? {} : {}",
                d.name,
                low_d.name,
                bit_range(&d.name, k - 1, 0)
            );
            nl.wire("fadd", k, d.stage, &e)
        };
        // A difference: add p back after a borrow.
        let fixed_sub = |nl: &mut Netlist| {
            let borrow = nl.slice(&raw, k, 1).expect("bit k");
            let e = format!("{} ? {} : {k}'d0", borrow.name, literal(p, k));
            let c = nl.wire("corr", k, raw.stage, &e);
            let r = nl.add_wide("fsub", &low, &c, Carry::Zero, k);
            nl.unused(&r.name, k, k);
            nl.slice(&r, 0, k).expect("k bits")
        };
        match op {
            AddSub::Add => {
                let e = fixed_add(self);
                self.reg(&e)
            }
            AddSub::Sub => fixed_sub(self),
            AddSub::Select(s) => {
                let fa = fixed_add(self);
                let fs = fixed_sub(self);
                let at = fa.stage.max(fs.stage);
                let (fa, fs) = (self.at(&fa, at), self.at(&fs, at));
                let s = self.at(&s, at);
                self.reg_expr(
                    "faddsub",
                    k,
                    at,
                    &format!("{} ? {} : {}", s.name, fs.name, fa.name),
                )
            }
        }
    }

    /// `(sum of terms + constant) mod 2^out_width`, registered, through the column compressor.
    ///
    /// Terms are aligned to the latest term's stage. A negated term `-x * 2^s` (x of w bits) is
    /// added as `~x * 2^s` with `2^s - 2^(s + w)` folded into the constant. Every slice of
    /// `slice_bits` columns is summed by a tree of additions, registered every
    /// `levels_per_stage` levels; the slice sums then meet in one carry-propagate addition.
    pub fn sum(
        &mut self,
        terms: &[Term],
        constant: &BigUint,
        out_width: usize,
        slice_bits: usize,
        levels_per_stage: usize,
    ) -> Sig {
        // -x 2^s = ~x 2^s + 2^s - 2^(s+w): the negated terms' corrections, modulo 2^out_width.
        let c = mod_pow2(
            &(num_bigint::BigInt::from(constant.clone()) + negation_offset(terms, out_width)),
            out_width,
        );
        let (slices, cur_stage) =
            self.slice_trees_raw(terms, &c, out_width, slice_bits, levels_per_stage);
        self.carry_propagate(&slices, cur_stage, out_width, slice_bits)
    }

    /// The first half of [`Netlist::sum`] without its carry-propagate addition: the terms'
    /// slices summed, one registered sum per slice of `slice_bits` columns, returned as terms
    /// (slice `j`'s sum at shift `j * slice_bits`, its carry bits above the slice included).
    ///
    /// Nothing of a slice sum is cut, so the returned terms add up to exactly
    /// `sum(non-negated terms) + sum(~x 2^s over negated terms) + constant`, the negated terms'
    /// `~x` being `w` bits wide and their bits at or above `out_width` left out (which changes
    /// the total by a multiple of `2^out_width` only). A caller that needs the exact value
    /// adds back what [`negation_offset`] says.
    pub fn compress(
        &mut self,
        terms: &[Term],
        constant: &BigUint,
        out_width: usize,
        slice_bits: usize,
        levels_per_stage: usize,
    ) -> Vec<Term> {
        let (slices, stage) =
            self.slice_trees_raw(terms, constant, out_width, slice_bits, levels_per_stage);
        let mut out = vec![];
        for (j, ops) in slices.into_iter().enumerate() {
            if let Some(s) = ops.into_iter().next() {
                let sig = self.at(&s, stage);
                out.push(Term {
                    sig,
                    shift: j * slice_bits,
                    negate: false,
                });
            }
        }
        out
    }

    /// Slices and trees of [`Netlist::sum`] and [`Netlist::compress`], with negated terms
    /// added as `~x 2^s` and no correction: the caller's constant must carry it.
    fn slice_trees_raw(
        &mut self,
        terms: &[Term],
        constant: &BigUint,
        out_width: usize,
        slice_bits: usize,
        levels_per_stage: usize,
    ) -> (Vec<Vec<Sig>>, usize) {
        let modulus = BigUint::one() << out_width;
        let stage = terms.iter().map(|t| t.sig.stage).max().unwrap_or(0)
            + usize::from(self.route_registers);
        let constant = constant % &modulus;
        // Slice operands: (signal, offset inside the slice).
        let nslices = out_width.div_ceil(slice_bits);
        let mut slices: Vec<Vec<Sig>> = vec![vec![]; nslices];
        for t in terms {
            if t.shift >= out_width {
                continue;
            }
            let mut sig = self.at(&t.sig, stage);
            if t.negate {
                let w = sig.width;
                sig = self.wire("n", w, stage, &format!("~{}", sig.name));
            }
            if t.shift + sig.width > out_width {
                // Bits at or above 2^out_width do not change the result.
                let name = sig.name.clone();
                self.unused(&name, sig.width - 1, out_width - t.shift);
            }
            let top = (t.shift + sig.width).min(out_width);
            let mut lo = t.shift;
            while lo < top {
                let j = lo / slice_bits;
                let slice_end = ((j + 1) * slice_bits).min(top);
                let part = self
                    .slice(&sig, lo - t.shift, slice_end - lo)
                    .expect("inside the term");
                let off = lo - j * slice_bits;
                let placed = if off == 0 {
                    part
                } else {
                    let w = part.width + off;
                    self.wire("c", w, stage, &format!("{{{}, {off}'b0}}", part.name))
                };
                slices[j].push(placed);
                lo = slice_end;
            }
        }
        for (j, ops) in slices.iter_mut().enumerate() {
            let digit = (&constant >> (j * slice_bits)) % (BigUint::one() << slice_bits);
            if !digit.is_zero() {
                let w = digit.bits() as usize;
                ops.push(self.wire("k", w, stage, &literal(&digit, w)));
            }
        }
        // Trees: all slices advance level by level so that their registers line up.
        let depth = slices
            .iter()
            .map(|s| s.len().max(1).next_power_of_two().trailing_zeros() as usize)
            .max()
            .unwrap_or(0);
        let mut cur_stage = stage;
        for level in 0..depth {
            let register = (level + 1) % levels_per_stage.max(1) == 0 || level + 1 == depth;
            for ops in slices.iter_mut() {
                let mut next = vec![];
                for pair in ops.chunks(2) {
                    let s = match pair {
                        [x, y] => {
                            let w = x.width.max(y.width) + 1;
                            let e = add_expr(x, y, w);
                            if register {
                                self.reg_expr("t", w, cur_stage, &e)
                            } else {
                                self.wire("t", w, cur_stage, &e)
                            }
                        }
                        [x] if register => self.reg(x),
                        [x] => x.clone(),
                        _ => unreachable!(),
                    };
                    next.push(s);
                }
                *ops = next;
            }
            if register {
                cur_stage += 1;
            }
        }
        (slices, cur_stage)
    }

    /// The second half of [`Netlist::sum`]: the slice sums (at most one per slice, valid at
    /// `cur_stage`) added into one `out_width`-bit result.
    fn carry_propagate(
        &mut self,
        slices: &[Vec<Sig>],
        cur_stage: usize,
        out_width: usize,
        slice_bits: usize,
    ) -> Sig {
        let nslices = slices.len();
        // Carry-propagate: the low part of every slice sum as one row, the carry part of
        // slice j (its bits from slice_bits up) as another, placed in slice j + 1; both rows
        // are out_width bits (the carry out of the top slice falls outside the result).
        let mut low = vec![];
        let mut high = vec![];
        for (j, ops) in slices.iter().enumerate().rev() {
            let width_j = slice_bits.min(out_width - j * slice_bits);
            // The carry of slice j lands in slice j + 1, which is this wide.
            let carry_room = if j + 1 < nslices {
                slice_bits.min(out_width - (j + 1) * slice_bits)
            } else {
                0
            };
            match ops.first() {
                None => {
                    low.push(format!("{width_j}'b0"));
                    if carry_room > 0 {
                        high.push(format!("{carry_room}'b0"));
                    }
                }
                Some(s) => {
                    let s = self.at(s, cur_stage);
                    let lw = s.width.min(width_j);
                    let l = self.slice(&s, 0, lw).expect("non-empty");
                    low.push(zext(&l.name, lw, width_j));
                    // The carry part of slice j lands in slice j + 1; it must fit in one slice.
                    assert!(
                        s.width <= 2 * slice_bits,
                        "slice sums of {} bits need slices wider than {slice_bits} bits",
                        s.width
                    );
                    // Bits of the slice sum that reach neither row (above the result).
                    let used = if carry_room > 0 {
                        slice_bits + carry_room
                    } else {
                        width_j
                    };
                    if s.width > used {
                        self.unused(&s.name, s.width - 1, used);
                    }
                    if carry_room > 0 {
                        match self.slice(&s, slice_bits, carry_room) {
                            Some(h) => high.push(zext(&h.name, h.width, carry_room)),
                            None => high.push(format!("{carry_room}'b0")),
                        }
                    }
                }
            }
        }
        let low_row = format!("{{{}}}", low.join(", "));
        if nslices > 1 && !self.one_stage(out_width) {
            // Timing by construction: the carry-propagate add in chunks (two stages).
            let l = self.wire("row", out_width, cur_stage, &low_row);
            let h = self.wire(
                "carries",
                out_width,
                cur_stage,
                &format!("{{{}, {slice_bits}'b0}}", high.join(", ")),
            );
            let r = self.add_wide("sum", &l, &h, Carry::Zero, out_width);
            self.unused(&r.name, out_width, out_width);
            return self.slice(&r, 0, out_width).expect("out_width bits");
        }
        let e = if nslices > 1 {
            // `high` holds slice j's carry at slice j + 1; the lowest slice gets none.
            format!("{low_row} + {{{}, {slice_bits}'b0}}", high.join(", "))
        } else {
            low_row
        };
        self.reg_expr("sum", out_width, cur_stage, &e)
    }

    /// Appends the declarations, the tile drivers and the pipeline registers to `out`.
    pub fn render(&self, out: &mut String, clock: &str) {
        for d in &self.decls {
            let _ = writeln!(out, "{d}");
        }
        for a in &self.assigns {
            let _ = writeln!(out, "{a}");
        }
        let _ = writeln!(out, "always @(*) begin");
        for (i, t) in self.tiles.iter().enumerate() {
            let (ta, tb) = t.tile_widths;
            let _ = writeln!(out, "    tiles${i}$clock = {clock};");
            let _ = writeln!(out, "    tiles${i}$a = {};", zext(&t.a, t.a_width, ta));
            let _ = writeln!(out, "    tiles${i}$b = {};", zext(&t.b, t.b_width, tb));
        }
        let _ = writeln!(out, "end");
        let _ = writeln!(out, "always @(posedge {clock}) begin");
        for s in &self.seq {
            let _ = writeln!(out, "    {s}");
        }
        let _ = writeln!(out, "end");
        out.push_str(&unused_sink("unused_bits", &self.unused));
    }
}

/// What [`Netlist::compress`] leaves out for its negated terms: `sum(2^s - 2^(s + w))` over the
/// negated terms below `out_width` (each `-x 2^s` is added as `~x 2^s`, and
/// `-x = ~x + 1 - 2^w` for `x` of `w` bits). Exact where no negated term reaches `out_width`.
pub fn negation_offset(terms: &[Term], out_width: usize) -> num_bigint::BigInt {
    let mut off = num_bigint::BigInt::zero();
    for t in terms.iter().filter(|t| t.negate && t.shift < out_width) {
        off += num_bigint::BigInt::one() << t.shift;
        off -= num_bigint::BigInt::one() << (t.shift + t.sig.width);
    }
    off
}

/// `c mod 2^bits`, non-negative (for the exact, possibly negative constants of the sums).
pub fn mod_pow2(c: &num_bigint::BigInt, bits: usize) -> BigUint {
    let m = num_bigint::BigInt::one() << bits;
    (((c % &m) + &m) % &m).to_biguint().expect("non-negative")
}

/// `x + y` at `w` bits, both operands zero-extended explicitly.
fn add_expr(x: &Sig, y: &Sig, w: usize) -> String {
    format!(
        "{} + {}",
        zext(&x.name, x.width, w),
        zext(&y.name, y.width, w)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Karatsuba's pre-adders (`add_reg`) follow the carry bound: one stage up to the bound,
    /// the two-stage carry-select adder above it (a 198-bit pre-add at 381 bits was once a
    /// single 50-CARRY4 chain).
    #[test]
    fn wide_pre_adds_take_two_stages_under_the_bound() {
        for (bound, stages) in [(64, 2), (0, 1), (198, 1), (197, 2)] {
            let mut nl = Netlist::with_max_add(bound);
            let x = nl.reg_expr("x", 198, 0, "a");
            let y = nl.reg_expr("y", 198, 0, "b");
            let s = nl.add_reg(&x, &y);
            assert_eq!(s.width, 199, "bound {bound}");
            assert_eq!(s.stage - x.stage, stages, "bound {bound}");
        }
    }

    /// Route registers: a chunked add takes five stages (operands, chunk sums, their carry
    /// bits again, chunk carries, selection), an add within the bound stays one stage, and the compressor registers its
    /// terms once more; without them the netlist is as before.
    #[test]
    fn route_registers_add_their_stages() {
        for (routes, wide, narrow, summed) in [(false, 2, 1, 2), (true, 5, 1, 3)] {
            let mut nl = Netlist::with_max_add(64);
            nl.route_registers = routes;
            let x = nl.reg_expr("x", 198, 0, "a");
            let y = nl.reg_expr("y", 198, 0, "b");
            let w = nl.add_wide("w", &x, &y, Carry::Zero, 198);
            assert_eq!(w.stage - x.stage, wide, "routes {routes}");
            let (x1, y1) = (nl.slice(&x, 0, 60).unwrap(), nl.slice(&y, 0, 60).unwrap());
            let n = nl.add_wide("n", &x1, &y1, Carry::One, 60);
            assert_eq!(n.stage - x.stage, narrow, "routes {routes}");
            let terms: Vec<Term> = [&x1, &y1]
                .iter()
                .map(|s| Term {
                    sig: (*s).clone(),
                    shift: 0,
                    negate: false,
                })
                .collect();
            let s = nl.sum(&terms, &BigUint::zero(), 61, 32, 2);
            assert_eq!(s.stage - x.stage, summed, "routes {routes}");
        }
    }
}
