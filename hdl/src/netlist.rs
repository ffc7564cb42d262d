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

#[derive(Default)]
pub struct Netlist {
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

    /// Registered `x + y`, one bit wider than the wider operand.
    pub fn add_reg(&mut self, x: &Sig, y: &Sig) -> Sig {
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
        let modulus = BigUint::one() << out_width;
        let stage = terms.iter().map(|t| t.sig.stage).max().unwrap_or(0);
        let mut constant = constant % &modulus;
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
                // -x 2^s = ~x 2^s + 2^s - 2^(s+w)  (mod 2^out_width)
                constant += BigUint::one() << t.shift;
                constant += &modulus - ((BigUint::one() << (t.shift + w)) % &modulus);
                constant %= &modulus;
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

/// `x + y` at `w` bits, both operands zero-extended explicitly.
fn add_expr(x: &Sig, y: &Sig, w: usize) -> String {
    format!(
        "{} + {}",
        zext(&x.name, x.width, w),
        zext(&y.name, y.width, w)
    )
}
