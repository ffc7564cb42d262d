//! The iterative `modmul` architecture: Montgomery multiplication in product-scanning form
//! (Koc's FIPS) over `k` tiles, driven by a static schedule computed at generation time.
//!
//! Operands are cut into `w`-bit digits (`w` = the tile's narrower side), `d` digits each, and
//! `R = 2^(w d)`. Column by column (`t = 0 .. 2d-1`) the tiles multiply the digit pairs
//! `a_i b_j` and `m_i p_j` with `i + j = t`, `k` per cycle, into a narrow accumulator. For
//! `t < d` the Montgomery digit `m_t = (acc mod 2^w) p'_0 mod 2^w` is formed and `m_t p_0` added,
//! which clears the low digit; for `t >= d` the low digit is the result digit `u_(t-d)`. The
//! accumulator then shifts right by `w`. `U = sum u_i 2^(w i) < 2p`; one subtraction reduces it.
//!
//! The schedule (operand selects, digit indices, accumulate and capture flags) is a ROM indexed
//! by a step counter: no data-dependent control, so latency and initiation interval are exact
//! functions of the configuration. Only the operand registers and one final subtractor are
//! as wide as p; every addition in the loop is `2w + log2(2d)` bits.

use crate::modmul::{ModMulConfig, Plan};
use crate::netlist::{unused_sink, zext};
use crate::rtl::neg_inverse_mod_2k;
use crate::tile::TileShape;
use crate::HdlError;
use num_bigint::BigUint;
use num_traits::Zero;
use std::fmt::Write as _;

/// Operand sources of a tile in one step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SrcA {
    Zero = 0,
    A = 1,
    M = 2,
    AccLow = 3,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SrcB {
    Zero = 0,
    B = 1,
    P = 2,
    PPrime0 = 3,
}

#[derive(Clone, Debug)]
struct Row {
    /// Per tile: (source a, digit index, source b, digit index).
    issue: Vec<(SrcA, usize, SrcB, usize)>,
    /// Per tile: add the product arriving in this step to the accumulator.
    add: Vec<bool>,
    /// Tile 0's arriving product (low w bits) is the Montgomery digit m[index].
    capture_m: Option<usize>,
    /// Shift the accumulator right by w; `true` in the second field: the digit is a result
    /// digit.
    shift: Option<bool>,
}

/// The digit geometry: (w, d) with `w d >= bits(p)`.
pub fn digits(cfg: &ModMulConfig) -> (usize, usize) {
    let (ta, tb) = cfg.tile.widths();
    let w = ta.min(tb);
    (w, (cfg.modulus.bits() as usize).div_ceil(w))
}

/// k with R = 2^k for the iterative architecture: w d.
pub fn r_bits(cfg: &ModMulConfig) -> usize {
    let (w, d) = digits(cfg);
    w * d
}

/// Tiles actually built: the requested count, capped at 2d (a column never has more than 2d
/// digit products, so further tiles would never be busy).
pub fn effective_tiles(cfg: &ModMulConfig) -> usize {
    let (_, d) = digits(cfg);
    let requested = cfg.architecture.iterative_tiles().unwrap_or(1);
    requested.min(2 * d)
}

fn schedule(cfg: &ModMulConfig) -> Vec<Row> {
    let (_, d) = digits(cfg);
    let k = effective_tiles(cfg);
    let empty = || Row {
        issue: vec![(SrcA::Zero, 0, SrcB::Zero, 0); k],
        add: vec![false; k],
        capture_m: None,
        shift: None,
    };
    let mut rows: Vec<Row> = vec![];
    let at = |rows: &mut Vec<Row>, i: usize| {
        while rows.len() <= i {
            rows.push(empty());
        }
    };
    // The first step in which the accumulator holds everything issued so far.
    let mut ready = 0;
    for t in 0..2 * d {
        let mut ops: Vec<(SrcA, usize, SrcB, usize)> = vec![];
        for i in 0..d {
            if t >= i && t - i < d {
                ops.push((SrcA::A, i, SrcB::B, t - i));
                if i < t {
                    ops.push((SrcA::M, i, SrcB::P, t - i));
                }
            }
        }
        let mut row = ready;
        for group in ops.chunks(k) {
            at(&mut rows, row + TileShape::LATENCY);
            for (tile, op) in group.iter().enumerate() {
                rows[row].issue[tile] = *op;
                rows[row + TileShape::LATENCY].add[tile] = true;
            }
            row += 1;
        }
        // Products land at issue + LATENCY and are in the accumulator one step later.
        ready = if ops.is_empty() {
            ready
        } else {
            row - 1 + TileShape::LATENCY + 1
        };
        if t < d {
            // m_t = (acc mod 2^w) p'_0 mod 2^w, then acc += m_t p_0.
            at(&mut rows, ready + TileShape::LATENCY);
            rows[ready].issue[0] = (SrcA::AccLow, 0, SrcB::PPrime0, 0);
            rows[ready + TileShape::LATENCY].capture_m = Some(t);
            let m_ready = ready + TileShape::LATENCY + 1;
            at(&mut rows, m_ready + TileShape::LATENCY);
            rows[m_ready].issue[0] = (SrcA::M, t, SrcB::P, 0);
            rows[m_ready + TileShape::LATENCY].add[0] = true;
            ready = m_ready + TileShape::LATENCY + 1;
        }
        at(&mut rows, ready);
        rows[ready].shift = Some(t >= d);
        ready += 1;
    }
    at(&mut rows, ready);
    rows
}

/// For one digit (d = 1), where every product of the multiplication is one tile: the
/// schedule steps at which tile 0 takes `a b`, `(acc mod 2^w) p'_0` and `m p`. The formal
/// proof observes tile 0 at these steps (step s drives the tile's ports s + 1 cycles after
/// the input is taken). `None` for several digits, or when another tile is used.
pub fn single_digit_tile0_steps(cfg: &ModMulConfig) -> Option<(usize, usize, usize)> {
    let (_, d) = digits(cfg);
    if d != 1 {
        return None;
    }
    let rows = schedule(cfg);
    let others_idle = rows.iter().all(|r| {
        r.issue
            .iter()
            .skip(1)
            .all(|op| op.0 == SrcA::Zero && op.2 == SrcB::Zero)
    });
    if !others_idle {
        return None;
    }
    let find = |a: SrcA, b: SrcB| {
        let mut at = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.issue[0].0 == a && r.issue[0].2 == b)
            .map(|(i, _)| i);
        let first = at.next()?;
        at.next().is_none().then_some(first)
    };
    Some((
        find(SrcA::A, SrcB::B)?,
        find(SrcA::AccLow, SrcB::PPrime0)?,
        find(SrcA::M, SrcB::P)?,
    ))
}

/// `out = reg[idx*w +: w]` as a case statement over the d digits, zero-extended to the
/// `out_width` of the tile port.
fn digit_case(out: &str, reg: &str, idx: &str, d: usize, w: usize, out_width: usize) -> String {
    let mut c = format!("case ({idx})");
    for i in 0..d {
        let digit = format!("{reg}[{}:{}]", (i + 1) * w - 1, i * w);
        let _ = write!(c, " {i}: {out} = {};", zext(&digit, w, out_width));
    }
    let _ = write!(c, " default: {out} = 0; endcase");
    c
}

/// Bits subtracted per cycle in the final reduction (a carry chain this long is short
/// enough for the loop's clock).
const SUB_CHUNK: usize = 64;

/// Cycles of the final `U - p`: one per chunk, then one to select.
fn final_cycles(cfg: &ModMulConfig) -> usize {
    (cfg.modulus.bits() as usize + 2).div_ceil(SUB_CHUNK) + 1
}

/// Cycles between accepted inputs, and from input to result.
pub fn initiation_interval(cfg: &ModMulConfig) -> usize {
    schedule(cfg).len() + 1 + final_cycles(cfg)
}

fn bits_for(n: usize) -> usize {
    (usize::BITS - n.max(1).leading_zeros()) as usize
}

/// Builds the iterative datapath.
pub fn plan(cfg: &ModMulConfig) -> Result<Plan, HdlError> {
    let (w, d) = digits(cfg);
    let k = effective_tiles(cfg);
    let rows = schedule(cfg);
    let p = &cfg.modulus;
    let dw = d * w;
    let p_prime0 = neg_inverse_mod_2k(p, w);
    let iw = bits_for(d - 1);
    let aw = 2 * w + bits_for(2 * d + 2) + 1;
    let uw = dw + aw;
    let sw = bits_for(rows.len());
    // Control word per tile: sel_a(2) idx_a(iw) sel_b(2) idx_b(iw) add(1); then
    // capture(1) capture_idx(iw) shift(1) emit(1).
    let tile_bits = 2 + iw + 2 + iw + 1;
    let cw = k * tile_bits + 1 + iw + 2;
    let word = |row: &Row| -> BigUint {
        let mut v = BigUint::zero();
        let mut pos = 0;
        let mut put = |val: usize, width: usize, v: &mut BigUint| {
            *v |= BigUint::from(val) << pos;
            pos += width;
        };
        for tile in 0..k {
            let (sa, ia, sb, ib) = row.issue[tile];
            put(sa as usize, 2, &mut v);
            put(ia, iw, &mut v);
            put(sb as usize, 2, &mut v);
            put(ib, iw, &mut v);
            put(row.add[tile] as usize, 1, &mut v);
        }
        put(row.capture_m.is_some() as usize, 1, &mut v);
        put(row.capture_m.unwrap_or(0), iw, &mut v);
        put(row.shift.is_some() as usize, 1, &mut v);
        put((row.shift == Some(true)) as usize, 1, &mut v);
        v
    };
    let mut s = String::new();
    let lit = |v: &BigUint, width: usize| format!("{width}'h{v:x}");
    let _ = writeln!(
        s,
        "// Iterative FIPS Montgomery: {k} tiles, {d} digits of {w} bits, R = 2^{dw}, {} steps.",
        rows.len()
    );
    let _ = writeln!(s, "localparam [{}:0] P = {};", dw - 1, lit(p, dw));
    let _ = writeln!(s, "reg [{}:0] rom [0:{}];", cw - 1, rows.len() - 1);
    s.push_str("initial begin\n");
    for (i, row) in rows.iter().enumerate() {
        let _ = writeln!(s, "    rom[{i}] = {};", lit(&word(row), cw));
    }
    s.push_str("end\n");
    let _ = writeln!(
        s,
        "reg busy = 0;\nreg [{sw1}:0] step = 0;\nreg [{dm}:0] a_r = 0;\nreg [{dm}:0] b_r = 0;\nreg [{dm}:0] m_r = 0;\nreg [{dm}:0] u_r = 0;\nreg [{am}:0] acc = 0;\nreg [{wm}:0] res_r = 0;\nreg valid_r = 0;\nreg [{cm}:0] ctl = 0;",
        sw1 = sw - 1,
        dm = dw - 1,
        am = aw - 1,
        wm = p.bits() as usize - 1,
        cm = cw - 1
    );
    // Tile operand multiplexers and accumulator addends.
    let mut addends = vec![];
    let (ta, tb) = cfg.tile.widths();
    // Bits nothing reads: the ports above the operand registers, the tile products above 2w
    // (digits are w bits), U above the final subtraction, the difference above p's bits.
    let mut unused = vec![];
    let port_w = cfg.width()?;
    if port_w > dw {
        unused.push(format!("a[{}:{dw}]", port_w - 1));
        unused.push(format!("b[{}:{dw}]", port_w - 1));
    }
    s.push_str("always @(*) begin\n");
    for tile in 0..k {
        let base = tile * tile_bits;
        let f =
            |off: usize, width: usize| format!("ctl[{}:{}]", base + off + width - 1, base + off);
        let (sa, ia, sb, ib) = (f(0, 2), f(2, iw), f(2 + iw, 2), f(4 + iw, iw));
        let _ = writeln!(s, "    tiles${tile}$clock = clock;");
        // Digit selects are explicit case multiplexers: an index product (`i*w +: w`) would
        // make synthesis spend a DSP block on it.
        let _ = writeln!(s, "    case ({sa})");
        let _ = writeln!(
            s,
            "        2'd1: {}",
            digit_case(&format!("tiles${tile}$a"), "a_r", &ia, d, w, ta)
        );
        let _ = writeln!(
            s,
            "        2'd2: {}",
            digit_case(&format!("tiles${tile}$a"), "m_r", &ia, d, w, ta)
        );
        let _ = writeln!(
            s,
            "        2'd3: tiles${tile}$a = {};",
            zext(&format!("acc[{}:0]", w - 1), w, ta)
        );
        let _ = writeln!(s, "        default: tiles${tile}$a = 0;\n    endcase");
        let _ = writeln!(s, "    case ({sb})");
        let _ = writeln!(
            s,
            "        2'd1: {}",
            digit_case(&format!("tiles${tile}$b"), "b_r", &ib, d, w, tb)
        );
        let _ = writeln!(
            s,
            "        2'd2: {}",
            digit_case(&format!("tiles${tile}$b"), "P", &ib, d, w, tb)
        );
        let _ = writeln!(
            s,
            "        2'd3: tiles${tile}$b = {};",
            zext(&lit(&p_prime0, w), w, tb)
        );
        if ta + tb > 2 * w {
            unused.push(format!("tiles${tile}$p[{}:{}]", ta + tb - 1, 2 * w));
        }
        let _ = writeln!(s, "        default: tiles${tile}$b = 0;\n    endcase");
        addends.push(format!(
            "(ctl[{}] ? {{{}'b0, tiles${tile}$p[{}:0]}} : {aw}'b0)",
            base + 4 + 2 * iw,
            aw - 2 * w,
            2 * w - 1
        ));
    }
    s.push_str("end\n");
    let flags = k * tile_bits;
    let (cap, cap_idx, shift, emit) = (
        format!("ctl[{flags}]"),
        format!("ctl[{}:{}]", flags + iw, flags + 1),
        format!("ctl[{}]", flags + 1 + iw),
        format!("ctl[{}]", flags + 2 + iw),
    );
    let _ = writeln!(
        s,
        "wire [{}:0] acc_next = ({shift} ? (acc >> {w}) : acc) + {};",
        aw - 1,
        addends.join(" + ")
    );
    let _ = writeln!(s, "wire [{}:0] u_full = {{acc, u_r}};", uw - 1);
    // Final U - p, SUB_CHUNK bits a cycle through shift registers with a borrow.
    let chunks = final_cycles(cfg) - 1;
    let fw = chunks * SUB_CHUNK;
    let _ = writeln!(
        s,
        "reg fin = 0;\nreg [{cb}:0] fcount = 0;\nreg borrow = 0;\nreg [{fm}:0] ush = 0;\nreg [{fm}:0] psh = 0;\nreg [{fm}:0] dsh = 0;\nwire [{c}:0] fsub = {{1'b0, ush[{cm}:0]}} - {{1'b0, psh[{cm}:0]}} - {{{c}'b0, borrow}};",
        cb = bits_for(chunks) - 1,
        fm = fw - 1,
        c = SUB_CHUNK,
        cm = SUB_CHUNK - 1
    );
    let last = rows.len() - 1;
    if uw > fw {
        unused.push(format!("u_full[{}:{fw}]", uw - 1));
    }
    let pbits = p.bits() as usize;
    if fw > pbits {
        unused.push(format!("dsh[{}:{pbits}]", fw - 1));
    }
    let operand_in = |n: &str| {
        if port_w >= dw {
            format!("{n}[{}:0]", dw - 1)
        } else {
            zext(n, port_w, dw)
        }
    };
    let _ = writeln!(
        s,
        "always @(posedge clock) begin
    valid_r <= 1'b0;
    if (reset) begin
        busy <= 1'b0;
    end else if (!busy) begin
        if (in_valid) begin
            a_r <= {a_in};
            b_r <= {b_in};
            m_r <= 0;
            u_r <= 0;
            acc <= 0;
            step <= 0;
            ctl <= rom[0];
            busy <= 1'b1;
        end
    end else begin
        acc <= acc_next;
        if ({cap}) begin
{m_write}
        end
        if ({shift} && {emit}) {u_next}
        if (fin) begin
            if (fcount == {chunks}) begin
                fin <= 1'b0;
                busy <= 1'b0;
                valid_r <= 1'b1;
                res_r <= borrow ? u_full[{pm}:0] : dsh[{pm}:0];
            end else begin
                borrow <= fsub[{sc}];
                {dsh_next}
                ush <= ush >> {sc};
                psh <= psh >> {sc};
                fcount <= fcount + 1'b1;
            end
        end else if (step == {last}) begin
            fin <= 1'b1;
            fcount <= 0;
            borrow <= 1'b0;
            ush <= {u_in};
            psh <= {plit};
        end else begin
            step <= step + 1'b1;
            // The control word is a register (read one step ahead) so that the ROM is off
            // the operand-select path.
            ctl <= rom[step + 1'b1];
        end
    end
end
always @(*) out_valid = valid_r;
always @(*) result = {result};
{init}{sink}",
        pm = p.bits() as usize - 1,
        a_in = operand_in("a"),
        b_in = operand_in("b"),
        result = zext("res_r", p.bits() as usize, port_w),
        sink = unused_sink("unused_bits", &unused),
        init = crate::modmul::OUTPUTS_AT_TIME_ZERO,
        sc = SUB_CHUNK,
        u_in = zext(&format!("u_full[{}:0]", fw.min(uw) - 1), fw.min(uw), fw),
        plit = lit(p, fw),
        u_next = if d == 1 {
            format!("u_r <= acc[{}:0];", w - 1)
        } else {
            format!("u_r <= {{acc[{}:0], u_r[{}:{w}]}};", w - 1, dw - 1)
        },
        dsh_next = if fw == SUB_CHUNK {
            format!("dsh <= fsub[{}:0];", SUB_CHUNK - 1)
        } else {
            format!(
                "dsh <= {{fsub[{}:0], dsh[{}:{SUB_CHUNK}]}};",
                SUB_CHUNK - 1,
                fw - 1
            )
        },
        m_write = {
            let mut c = format!("            case ({cap_idx})\n");
            for i in 0..d {
                let _ = writeln!(
                    c,
                    "                {i}: m_r[{}:{}] <= tiles$0$p[{}:0];",
                    (i + 1) * w - 1,
                    i * w,
                    w - 1
                );
            }
            c.push_str("                default: ;\n            endcase");
            c
        },
    );
    Ok(Plan {
        body: s,
        tiles: k,
        latency: initiation_interval(cfg),
        register_bits: 4 * dw + aw + sw,
        compressor_terms: 0,
    })
}
