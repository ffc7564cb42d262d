//! RTL plumbing that several cores share, written once: width classes and the dispatch from a
//! run-time width and tile shape to rust-hdl's const generics, raw-Verilog bodies, the valid
//! pipeline of a fixed-latency core, time-zero values of combinational outputs, and the
//! constants a Montgomery datapath needs.

use crate::tile::TileShape;
use crate::HdlError;
use num_bigint::BigUint;
use num_traits::{One, Zero};
use rust_hdl::prelude::*;

/// Verilator lint classes (`verilator --lint-only -Wall`) waived in the emitted Verilog, each
/// with its reason: the one place where they are listed. [`crate::emit::emit_core`] puts one
/// `lint_off` per class at the head of every emitted file; everything else must lint clean
/// (`sim/tests/lint.rs`). Bits a core leaves unread on purpose are not waived but read by a
/// `*unused*` sink wire ([`crate::netlist::unused_sink`]), Verilator's own idiom.
pub const LINT_WAIVERS: &[(&str, &str)] = &[(
    "DECLFILENAME",
    "rust-hdl emits a core and all its submodules into one file (<top>.v), with submodules \
     named <top>$child; the file name cannot match every module",
)];

/// The `lint_off` comments for [`LINT_WAIVERS`], one line each.
pub fn lint_waiver_lines() -> String {
    LINT_WAIVERS
        .iter()
        .map(|(class, _)| format!("/* verilator lint_off {class} */\n"))
        .collect()
}

/// Datapath widths the generators instantiate; a modulus of `b` bits uses the smallest class
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

/// A block family emitted at a width class and tile shape chosen at run time (rust-hdl
/// widths are const generics): `W` the port width, `TA x TB -> TP` the tile.
pub trait WidthTile {
    fn emit<const W: usize, const TA: usize, const TB: usize, const TP: usize>(
        &self,
    ) -> Result<String, HdlError>;
}

/// Calls `e.emit` with the const parameters of width class `w` and `tile`.
pub fn dispatch<E: WidthTile>(w: usize, tile: TileShape, e: &E) -> Result<String, HdlError> {
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

/// A datapath body produced by a generator, carried as a child that emits nothing itself; the
/// parent returns it from `hdl()` as `Verilog::Custom`.
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

/// Gives combinationally driven outputs (`always @(*)`) a value at time zero: `always @(*)`
/// only runs on a change, so an event-driven simulator (Icarus) would show `x` until the
/// first one. `outputs` are (name, width).
pub fn outputs_at_time_zero(outputs: &[(&str, usize)]) -> String {
    let mut s = String::from("initial begin\n");
    for (name, width) in outputs {
        s.push_str(&format!("    {name} = {width}'d0;\n"));
    }
    s.push_str("end\n");
    s
}

/// `-p^-1 mod 2^k` for odd `p`, by Newton's iteration `x <- x (2 - p x)`, which doubles the
/// number of correct low bits each step.
pub fn neg_inverse_mod_2k(p: &BigUint, k: usize) -> BigUint {
    assert!(p.bit(0), "p must be odd");
    let r = BigUint::one() << k;
    let mut x = BigUint::one(); // p^-1 mod 2: correct to 1 bit
    let mut bits = 1;
    while bits < k {
        let px = (p * &x) % &r;
        x = (&x * ((BigUint::from(2u32) + &r - px) % &r)) % &r;
        bits *= 2;
    }
    if x.is_zero() {
        return x;
    }
    (&r - x) % &r
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

/// Address bits to index `n` items (at least one).
pub fn index_bits(n: usize) -> usize {
    (usize::BITS - n.saturating_sub(1).leading_zeros()).max(1) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neg_inverse_is_minus_p_inverse() {
        for (p, k) in [
            (3u64, 1usize),
            (7, 5),
            (0xffff_ffff_0000_0001, 64),
            (65521, 16),
        ] {
            let p = BigUint::from(p);
            let r = BigUint::one() << k;
            let x = neg_inverse_mod_2k(&p, k);
            assert!(x < r);
            assert_eq!((x * &p + 1u32) % &r, BigUint::zero(), "p = {p}, k = {k}");
        }
    }

    #[test]
    fn width_classes_hold_the_modulus() {
        assert_eq!(width_class(61).unwrap(), 64);
        assert_eq!(width_class(381).unwrap(), 384);
        assert!(width_class(769).is_err());
    }

    #[test]
    fn index_bits_counts() {
        assert_eq!(index_bits(1), 1);
        assert_eq!(index_bits(2), 1);
        assert_eq!(index_bits(32), 5);
        assert_eq!(index_bits(33), 6);
    }
}
