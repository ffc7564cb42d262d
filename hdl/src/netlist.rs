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

/// A tile multiplier instance to be driven: operand expressions and the product signal.
#[derive(Clone, Debug)]
pub struct TileUse {
    pub a: String,
    pub b: String,
    pub product: Sig,
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
        self.reg_expr("pa", w, st, &format!("{} + {}", x.name, y.name))
    }

    /// Instantiates a tile (the caller's tile shape) on operand expressions valid at `stage`.
    /// The product is valid `latency` stages later.
    pub fn tile(
        &mut self,
        a: String,
        b: String,
        product_width: usize,
        stage: usize,
        latency: usize,
    ) -> Sig {
        let i = self.tiles.len();
        let product = Sig {
            name: format!("tiles${i}$p"),
            width: product_width,
            stage: stage + latency,
        };
        self.tiles.push(TileUse {
            a,
            b,
            product: product.clone(),
        });
        product
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
                            let e = format!("{} + {}", x.name, y.name);
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
        // Carry-propagate: low parts of the slice sums as one row, high parts as another.
        let mut low = vec![];
        let mut high = vec![];
        for (j, ops) in slices.iter().enumerate().rev() {
            let width_j = slice_bits.min(out_width - j * slice_bits);
            match ops.first() {
                None => {
                    low.push(format!("{width_j}'b0"));
                    high.push(format!("{width_j}'b0"));
                }
                Some(s) => {
                    let s = self.at(s, cur_stage);
                    let lw = s.width.min(width_j);
                    let l = self.slice(&s, 0, lw).expect("non-empty");
                    low.push(if lw < width_j {
                        format!("{{{}'b0, {}}}", width_j - lw, l.name)
                    } else {
                        l.name.clone()
                    });
                    // The carry part of slice j lands in slice j + 1; it must fit in one slice.
                    assert!(
                        s.width <= 2 * slice_bits,
                        "slice sums of {} bits need slices wider than {slice_bits} bits",
                        s.width
                    );
                    match self.slice(&s, slice_bits, slice_bits) {
                        Some(h) if h.width == slice_bits => high.push(h.name.clone()),
                        Some(h) => {
                            high.push(format!("{{{}'b0, {}}}", slice_bits - h.width, h.name))
                        }
                        None => high.push(format!("{slice_bits}'b0")),
                    }
                }
            }
        }
        // `high` holds slice j's carry at position j; shift it up one slice.
        let high_row = format!("{{{}, {slice_bits}'b0}}", high.join(", "));
        let low_row = format!("{{{}}}", low.join(", "));
        let e = format!("{low_row} + {high_row}");
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
            let _ = writeln!(out, "    tiles${i}$clock = {clock};");
            let _ = writeln!(out, "    tiles${i}$a = {};", t.a);
            let _ = writeln!(out, "    tiles${i}$b = {};", t.b);
        }
        let _ = writeln!(out, "end");
        let _ = writeln!(out, "always @(posedge {clock}) begin");
        for s in &self.seq {
            let _ = writeln!(out, "    {s}");
        }
        let _ = writeln!(out, "end");
    }
}
