//! Wide products from DSP tiles: Karatsuba-Ofman decomposition into tile-sized schoolbook
//! leaves, flattened into a signed sum of shifted tile products for the column compressor
//! ([`instantiate`]), or summed along the Karatsuba tree so that each tile product is one
//! term ([`instantiate_tree`], the pipelined modmul's default).
//!
//! A product `x * y` with `L` Karatsuba levels splits both operands at `h` bits and computes
//! `z0 = x0 y0`, `z2 = x1 y1`, `z1 = (x0 + x1)(y0 + y1)` (the sums are registered pre-adders),
//! then `x y = z0 + (z1 - z0 - z2) 2^h + z2 2^2h`. Every sub-product is reused at each weight it
//! appears with, so the result is `sum_i +-P_i 2^{s_i}` over the tile products `P_i`. A level is
//! only taken where it saves tiles.
//!
//! The low-half product (`x y mod 2^k`, for Montgomery's `m = T p' mod R`) drops the `x1 y1`
//! term and recurses on the cross terms as low-half products; leaves skip tiles whose whole
//! weight is at or above `2^k`.

use crate::netlist::{literal, Netlist, Sig, Term};
use crate::tile::TileShape;
use num_bigint::{BigInt, BigUint};
use num_traits::Zero;

/// An operand: a datapath signal or a constant (the modulus and Montgomery constants).
#[derive(Clone, Debug)]
pub enum Operand {
    Var(Sig),
    Const { value: BigUint, width: usize },
}

impl Operand {
    pub fn constant(value: BigUint) -> Self {
        let width = value.bits() as usize;
        Operand::Const { value, width }
    }

    pub fn width(&self) -> usize {
        match self {
            Operand::Var(s) => s.width,
            Operand::Const { width, .. } => *width,
        }
    }

    fn is_zero(&self) -> bool {
        match self {
            Operand::Var(s) => s.width == 0,
            Operand::Const { value, .. } => value.is_zero(),
        }
    }

    fn stage(&self) -> usize {
        match self {
            Operand::Var(s) => s.stage,
            Operand::Const { .. } => 0,
        }
    }

    /// Bits `[lo, lo + width)`.
    fn bits(&self, nl: &mut Netlist, lo: usize, width: usize) -> Operand {
        match self {
            Operand::Var(s) => match nl.slice(s, lo, width) {
                Some(x) => Operand::Var(x),
                None => Operand::constant(BigUint::zero()),
            },
            Operand::Const { value, width: w } => {
                let v = (value >> lo) % (BigUint::from(1u32) << width);
                Operand::Const {
                    width: width.min(w.saturating_sub(lo)),
                    value: v,
                }
            }
        }
    }

    fn split(&self, nl: &mut Netlist, h: usize) -> (Operand, Operand) {
        let w = self.width();
        (self.bits(nl, 0, h), self.bits(nl, h, w.saturating_sub(h)))
    }

    /// `self + other` (a registered pre-adder for signals, free for constants).
    fn add(&self, nl: &mut Netlist, other: &Operand) -> Operand {
        match (self, other) {
            (Operand::Const { value: a, .. }, Operand::Const { value: b, .. }) => {
                Operand::constant(a + b)
            }
            (Operand::Var(a), Operand::Var(b)) => Operand::Var(nl.add_reg(a, b)),
            (Operand::Var(v), c @ Operand::Const { .. })
            | (c @ Operand::Const { .. }, Operand::Var(v)) => {
                if c.is_zero() {
                    Operand::Var(v.clone())
                } else {
                    let e = c.expr(nl, v.stage);
                    let cs = nl.wire("kc", c.width(), v.stage, &e);
                    Operand::Var(nl.add_reg(v, &cs))
                }
            }
        }
    }

    /// A Verilog expression for the operand at `stage`.
    fn expr(&self, nl: &mut Netlist, stage: usize) -> String {
        match self {
            Operand::Var(s) => nl.at(s, stage).name,
            Operand::Const { value, width } => literal(value, *width),
        }
    }
}

/// A schoolbook leaf and every (weight, sign) at which its product is used.
#[derive(Clone, Debug)]
pub struct Leaf {
    pub x: Operand,
    pub y: Operand,
    pub uses: Vec<(usize, bool)>,
}

fn shifted(leaves: Vec<Leaf>, by: usize, negate: bool) -> impl Iterator<Item = Leaf> {
    leaves.into_iter().map(move |mut l| {
        l.uses = l.uses.iter().map(|&(s, n)| (s + by, n ^ negate)).collect();
        l
    })
}

/// The tile count of a schoolbook leaf in its better orientation, counting only tiles with a
/// weight below `limit`.
pub fn schoolbook_tiles(wx: usize, wy: usize, shape: TileShape, limit: usize) -> usize {
    let (ta, tb) = shape.widths();
    oriented_tiles(wx, wy, ta, tb, limit).min(oriented_tiles(wx, wy, tb, ta, limit))
}

/// Tiles for `wx x wy` with x cut into `ca`-bit and y into `cb`-bit chunks, below `limit`.
fn oriented_tiles(wx: usize, wy: usize, ca: usize, cb: usize, limit: usize) -> usize {
    let mut n = 0;
    for i in 0..wx.div_ceil(ca) {
        for j in 0..wy.div_ceil(cb) {
            if i * ca + j * cb < limit {
                n += 1;
            }
        }
    }
    n
}

/// Split points tried around the middle: a split on a tile boundary can save a row of tiles.
const SPLIT_SEARCH: usize = 40;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Full,
    Low(usize),
}

/// (kind, wx, wy, levels, tile) -> (tiles, split point).
type CostMemo =
    std::collections::HashMap<(Kind, usize, usize, usize, TileShape), (usize, Option<usize>)>;

thread_local! {
    static MEMO: std::cell::RefCell<CostMemo> = Default::default();
}

/// Candidate split points of a `wx x wy` product: both halves non-empty, none below a tile.
fn candidates(wx: usize, wy: usize, shape: TileShape) -> impl Iterator<Item = usize> {
    let mid = wx.max(wy).div_ceil(2);
    let lo = mid.saturating_sub(SPLIT_SEARCH).max(shape.widths().0);
    let hi = (mid + SPLIT_SEARCH).min(wx.min(wy).saturating_sub(1));
    lo..=hi.max(lo.saturating_sub(1))
}

/// (tiles, split point) of the best product of this kind with at most `levels` levels; `None`
/// as the split point means a schoolbook leaf.
fn best(
    kind: Kind,
    wx: usize,
    wy: usize,
    levels: usize,
    shape: TileShape,
) -> (usize, Option<usize>) {
    let key = (kind, wx, wy, levels, shape);
    if let Some(v) = MEMO.with(|m| m.borrow().get(&key).copied()) {
        return v;
    }
    let limit = match kind {
        Kind::Full => usize::MAX,
        Kind::Low(k) => k,
    };
    let mut result = (schoolbook_tiles(wx, wy, shape, limit), None);
    if levels > 0 {
        for h in candidates(wx, wy, shape) {
            if h >= wx || h >= wy {
                continue;
            }
            let (x1, y1) = (wx - h, wy - h);
            let (sx, sy) = (h.max(x1) + 1, h.max(y1) + 1);
            let cost = match kind {
                Kind::Full => {
                    full_tiles(h, h, levels - 1, shape)
                        + full_tiles(x1, y1, levels - 1, shape)
                        + full_tiles(sx, sy, levels - 1, shape)
                }
                Kind::Low(k) if k <= h => low_tiles(h, h, k, levels - 1, shape),
                Kind::Low(k) => {
                    full_tiles(h, h, levels - 1, shape)
                        + low_tiles(x1, h, k - h, levels - 1, shape)
                        + low_tiles(h, y1, k - h, levels - 1, shape)
                        + if 2 * h < k {
                            low_tiles(x1, y1, k - 2 * h, levels - 1, shape)
                        } else {
                            0
                        }
                }
            };
            if cost < result.0 {
                result = (cost, Some(h));
            }
        }
    }
    MEMO.with(|m| m.borrow_mut().insert(key, result));
    result
}

/// Tiles of the best full product with at most `levels` levels (a pre-adder output is one bit
/// wider than the wider half).
pub fn full_tiles(wx: usize, wy: usize, levels: usize, shape: TileShape) -> usize {
    best(Kind::Full, wx, wy, levels, shape).0
}

/// Tiles of the best low-half product `mod 2^k`.
pub fn low_tiles(wx: usize, wy: usize, k: usize, levels: usize, shape: TileShape) -> usize {
    best(Kind::Low(k), wx, wy, levels, shape).0
}

fn leaf(x: &Operand, y: &Operand) -> Vec<Leaf> {
    vec![Leaf {
        x: x.clone(),
        y: y.clone(),
        uses: vec![(0, false)],
    }]
}

/// Full product `x * y` with up to `levels` Karatsuba levels, each taken only where it saves
/// tiles.
pub fn full(
    nl: &mut Netlist,
    x: &Operand,
    y: &Operand,
    levels: usize,
    shape: TileShape,
) -> Vec<Leaf> {
    full_tree(nl, x, y, levels, shape).0
}

/// How the leaves of a full product recombine: a leaf (its index in the leaf list) or a
/// Karatsuba node `z0 + (z1 - z0 - z2) 2^h + z2 2^2h`.
#[derive(Clone, Debug)]
pub enum Tree {
    Leaf(usize),
    Node {
        h: usize,
        z0: Box<Tree>,
        z1: Box<Tree>,
        z2: Box<Tree>,
    },
}

impl Tree {
    fn offset(self, by: usize) -> Tree {
        match self {
            Tree::Leaf(i) => Tree::Leaf(i + by),
            Tree::Node { h, z0, z1, z2 } => Tree::Node {
                h,
                z0: Box::new(z0.offset(by)),
                z1: Box::new(z1.offset(by)),
                z2: Box::new(z2.offset(by)),
            },
        }
    }
}

/// [`full`] and its [`Tree`].
pub fn full_tree(
    nl: &mut Netlist,
    x: &Operand,
    y: &Operand,
    levels: usize,
    shape: TileShape,
) -> (Vec<Leaf>, Tree) {
    let (_, split) = best(Kind::Full, x.width(), y.width(), levels, shape);
    let Some(h) = split else {
        return (leaf(x, y), Tree::Leaf(0));
    };
    let (x0, x1) = x.split(nl, h);
    let (y0, y1) = y.split(nl, h);
    let sx = x0.add(nl, &x1);
    let sy = y0.add(nl, &y1);
    let (z0, t0) = full_tree(nl, &x0, &y0, levels - 1, shape);
    let (z2, t2) = full_tree(nl, &x1, &y1, levels - 1, shape);
    let (z1, t1) = full_tree(nl, &sx, &sy, levels - 1, shape);
    let (n0, n2) = (z0.len(), z2.len());
    let tree = Tree::Node {
        h,
        z0: Box::new(t0),
        z2: Box::new(t2.offset(n0)),
        z1: Box::new(t1.offset(n0 + n2)),
    };
    let mut out: Vec<Leaf> = vec![];
    for l in z0 {
        let mut l = l;
        let extra: Vec<_> = l.uses.iter().map(|&(s, n)| (s + h, !n)).collect();
        l.uses.extend(extra);
        out.push(l);
    }
    for l in z2 {
        let mut l = l;
        let mut uses: Vec<_> = l.uses.iter().map(|&(s, n)| (s + 2 * h, n)).collect();
        uses.extend(l.uses.iter().map(|&(s, n)| (s + h, !n)));
        l.uses = uses;
        out.push(l);
    }
    out.extend(shifted(z1, h, false));
    (out, tree)
}

/// Low half `x * y mod 2^k` with up to `levels` levels.
pub fn low(
    nl: &mut Netlist,
    x: &Operand,
    y: &Operand,
    k: usize,
    levels: usize,
    shape: TileShape,
) -> Vec<Leaf> {
    let (_, split) = best(Kind::Low(k), x.width(), y.width(), levels, shape);
    let Some(h) = split else {
        return leaf(x, y);
    };
    let (x0, x1) = x.split(nl, h);
    let (y0, y1) = y.split(nl, h);
    if k <= h {
        low(nl, &x0, &y0, k, levels - 1, shape)
    } else {
        let mut v = full(nl, &x0, &y0, levels - 1, shape);
        v.extend(shifted(
            low(nl, &x1, &y0, k - h, levels - 1, shape),
            h,
            false,
        ));
        v.extend(shifted(
            low(nl, &x0, &y1, k - h, levels - 1, shape),
            h,
            false,
        ));
        if 2 * h < k {
            v.extend(shifted(
                low(nl, &x1, &y1, k - 2 * h, levels - 1, shape),
                2 * h,
                false,
            ));
        }
        v
    }
}

/// Whether bits `[lo, lo + w)` of an operand are all zero (known for constants only).
fn chunk_is_zero(op: &Operand, lo: usize, w: usize) -> bool {
    match op {
        Operand::Var(s) => lo >= s.width,
        Operand::Const { value, .. } => ((value >> lo) % (BigUint::from(1u32) << w)).is_zero(),
    }
}

/// Instantiates the tiles of `leaves` and returns the compressor terms. Tiles whose every use
/// lies at or above `limit` are not built. All tile inputs are aligned to one stage.
///
/// With `drop_below = Some(b)`, whole tiles are also left out, smallest first, as long as the
/// sum of the largest magnitudes their terms can have stays below `2^b`: the caller must know
/// the exact low bits of the result to recover their sum (Montgomery's `T + m p`, see
/// [`crate::modmul`]). Returns the terms and how many tiles were left out that way.
pub fn instantiate(
    nl: &mut Netlist,
    leaves: &[Leaf],
    shape: TileShape,
    limit: usize,
    drop_below: Option<usize>,
) -> (Vec<Term>, usize) {
    let (tiles, ndropped) = build_tiles(nl, leaves, shape, limit, drop_below, false);
    let mut terms = vec![];
    for (l, products) in leaves.iter().zip(&tiles) {
        for (p, off) in products {
            for &(s, neg) in &l.uses {
                if s + off < limit {
                    terms.push(Term {
                        sig: p.clone(),
                        shift: s + off,
                        negate: neg,
                    });
                }
            }
        }
    }
    (terms, ndropped)
}

/// How [`instantiate_tree`] sums the sub-products: the column compressor's slice width and
/// adder levels per stage, and from how many repeats on a sub-product is summed on its own.
#[derive(Clone, Copy, Debug)]
pub struct TreeSum {
    pub slice_bits: usize,
    pub levels_per_stage: usize,
    /// A node (or leaf) whose terms the flattened sum would repeat at least this many times is
    /// compressed first (0: never, which is [`instantiate`]).
    pub min_reps: usize,
}

/// [`instantiate`] along the Karatsuba tree: a sub-product whose terms the flattened sum would
/// repeat (`z0` and `z2` of every node appear twice, at two weights and signs) is first summed
/// once by the column compressor, without a carry-propagate add, and its slice sums stand for
/// it in its parent. The flattened sum repeats a tile product up to `2^levels` times; here
/// every tile product is one term.
///
/// Returns the terms, an exact constant to add to them (sub-products' negation corrections),
/// and how many tiles `drop_below` left out. The terms plus the constant equal the product
/// modulo `2^limit`.
pub fn instantiate_tree(
    nl: &mut Netlist,
    leaves: &[Leaf],
    tree: &Tree,
    shape: TileShape,
    limit: usize,
    drop_below: Option<usize>,
    how: TreeSum,
) -> (Vec<Term>, BigInt, usize) {
    let (tiles, ndropped) = build_tiles(nl, leaves, shape, limit, drop_below, how.min_reps > 0);
    let (terms, c) = eval_tree(nl, tree, &tiles, 1, 0, limit, how, true);
    (terms, c, ndropped)
}

/// Terms and an exact constant whose sum is `tree`'s product modulo `2^(limit - base)`, where
/// `base` is the lowest weight at which the caller uses it and `reps` how often the flattened
/// sum would repeat its terms.
#[allow(clippy::too_many_arguments)]
fn eval_tree(
    nl: &mut Netlist,
    tree: &Tree,
    tiles: &[Vec<(Sig, usize)>],
    reps: usize,
    base: usize,
    limit: usize,
    how: TreeSum,
    root: bool,
) -> (Vec<Term>, BigInt) {
    if base >= limit {
        return (vec![], BigInt::zero());
    }
    let room = limit - base;
    let (terms, c) = match tree {
        Tree::Leaf(n) => (
            tiles[*n]
                .iter()
                .filter(|(_, off)| *off < room)
                .map(|(p, off)| Term {
                    sig: p.clone(),
                    shift: *off,
                    negate: false,
                })
                .collect::<Vec<_>>(),
            BigInt::zero(),
        ),
        Tree::Node { h, z0, z1, z2 } => {
            let h = *h;
            let (t0, c0) = eval_tree(nl, z0, tiles, reps * 2, base, limit, how, false);
            let (t2, c2) = eval_tree(nl, z2, tiles, reps * 2, base + h, limit, how, false);
            let (t1, c1) = eval_tree(nl, z1, tiles, reps, base + h, limit, how, false);
            let mut terms = vec![];
            for (list, by, neg) in [
                (&t0, 0, false),
                (&t0, h, true),
                (&t2, 2 * h, false),
                (&t2, h, true),
                (&t1, h, false),
            ] {
                for t in list.iter().filter(|t| t.shift + by < room) {
                    terms.push(Term {
                        sig: t.sig.clone(),
                        shift: t.shift + by,
                        negate: t.negate ^ neg,
                    });
                }
            }
            let c = &c0 - (&c0 << h) + (&c2 << (2 * h)) - (&c2 << h) + (&c1 << h);
            (terms, c)
        }
    };
    if root || how.min_reps == 0 || reps < how.min_reps || terms.len() < 2 {
        return (terms, c);
    }
    // Summed once: slice sums of the terms plus the constant's low bits, the rest kept exact.
    let m = terms
        .iter()
        .map(|t| t.shift + t.sig.width)
        .max()
        .unwrap_or(0)
        .min(room);
    let x = c + crate::netlist::negation_offset(&terms, m);
    let low = crate::netlist::mod_pow2(&x, m);
    let pieces = nl.compress(&terms, &low, m, how.slice_bits, how.levels_per_stage);
    (pieces, x - BigInt::from(low))
}

/// The tiles of [`instantiate`] and [`instantiate_tree`], built: per leaf, its tile products and their weights in the
/// leaf's product; and how many tiles `drop_below` left out.
///
/// With `per_leaf_stage`, each leaf's tiles start as soon as that leaf's operands are valid
/// (the tree aligns what meets later, after the leaf's sum); otherwise every tile starts at
/// the latest leaf's stage, so that all products are valid together.
fn build_tiles(
    nl: &mut Netlist,
    leaves: &[Leaf],
    shape: TileShape,
    limit: usize,
    drop_below: Option<usize>,
    per_leaf_stage: bool,
) -> (Vec<Vec<(Sig, usize)>>, usize) {
    let (ta, tb) = shape.widths();
    let stage = leaves
        .iter()
        .map(|l| l.x.stage().max(l.y.stage()))
        .max()
        .unwrap_or(0);
    // Pass 1: every tile that contributes, as (leaf, a-side chunk, b-side chunk, x on a).
    let mut specs: Vec<(usize, usize, usize, bool)> = vec![];
    for (n, l) in leaves.iter().enumerate() {
        let min_use = l.uses.iter().map(|u| u.0).min().unwrap_or(0);
        if l.x.is_zero() || l.y.is_zero() || min_use >= limit {
            continue;
        }
        let lim = limit - min_use;
        // Orientation: x on the tile's a side (ta bits) or on its b side, whichever is cheaper.
        let (wx, wy) = (l.x.width(), l.y.width());
        let x_on_a = oriented_tiles(wx, wy, ta, tb, lim) <= oriented_tiles(wx, wy, tb, ta, lim);
        let (a_op, b_op) = if x_on_a { (&l.x, &l.y) } else { (&l.y, &l.x) };
        for i in 0..a_op.width().div_ceil(ta) {
            if chunk_is_zero(a_op, i * ta, ta) {
                continue;
            }
            for j in 0..b_op.width().div_ceil(tb) {
                if i * ta + j * tb < lim && !chunk_is_zero(b_op, j * tb, tb) {
                    specs.push((n, i, j, x_on_a));
                }
            }
        }
    }
    // Pass 2 (optional): leave out the tiles of smallest weight within the budget.
    let mut dropped = vec![false; specs.len()];
    let mut ndropped = 0;
    if let Some(b) = drop_below {
        let budget = BigUint::from(1u32) << b;
        let bound = |&(n, i, j, _): &(usize, usize, usize, bool)| -> BigUint {
            leaves[n]
                .uses
                .iter()
                .map(|&(s, _)| BigUint::from(1u32) << (s + i * ta + j * tb + ta + tb))
                .sum()
        };
        let mut order: Vec<usize> = (0..specs.len()).collect();
        order.sort_by_key(|&t| bound(&specs[t]));
        let mut used = BigUint::zero();
        for t in order {
            let w = bound(&specs[t]);
            if &used + &w >= budget {
                break;
            }
            used += w;
            dropped[t] = true;
            ndropped += 1;
        }
    }
    // Pass 3: build the tiles that stay.
    let mut tiles: Vec<Vec<(Sig, usize)>> = vec![vec![]; leaves.len()];
    // Operand chunks some tile reads: (leaf, x side, chunk).
    let mut read = std::collections::HashSet::new();
    for (t, &(n, i, j, x_on_a)) in specs.iter().enumerate() {
        if dropped[t] {
            continue;
        }
        read.insert((n, x_on_a, i));
        read.insert((n, !x_on_a, j));
        let l = &leaves[n];
        let (a_op, b_op) = if x_on_a { (&l.x, &l.y) } else { (&l.y, &l.x) };
        let ca = a_op.bits(nl, i * ta, ta);
        let cb = b_op.bits(nl, j * tb, tb);
        let stage = if per_leaf_stage {
            l.x.stage().max(l.y.stage())
        } else {
            stage
        };
        let (ea, eb) = (ca.expr(nl, stage), cb.expr(nl, stage));
        let (wa, wb) = (ca.width().max(1), cb.width().max(1));
        let p = nl.tile((ea, wa), (eb, wb), (ta, tb), stage, TileShape::LATENCY);
        tiles[n].push((p, i * ta + j * tb));
    }
    // Chunks of signal operands that no tile reads (every tile on them weighs at or above
    // `limit`, or was left out) are unread on purpose.
    for (n, l) in leaves.iter().enumerate() {
        for (x_side, op) in [(true, &l.x), (false, &l.y)] {
            let Operand::Var(sig) = op else { continue };
            let x_on_a = specs.iter().find(|s| s.0 == n).is_none_or(|s| s.3);
            let chunk = if x_side == x_on_a { ta } else { tb };
            for c in 0..sig.width.div_ceil(chunk) {
                if !read.contains(&(n, x_side, c)) {
                    let hi = ((c + 1) * chunk).min(sig.width) - 1;
                    nl.unused(&sig.name, hi, c * chunk);
                }
            }
        }
    }
    (tiles, ndropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The flattened Karatsuba sum equals the product, checked on the leaves' arithmetic with
    /// constant operands (no hardware involved).
    #[test]
    fn flattened_terms_reconstruct_the_product() {
        use num_bigint::RandBigInt;
        let mut rng = rand_like();
        for levels in 0..=4 {
            for (wx, wy) in [(381, 381), (255, 255), (61, 61), (700, 700)] {
                let x = rng.gen_biguint(wx as u64);
                let y = rng.gen_biguint(wy as u64);
                let mut nl = Netlist::default();
                let leaves = full(
                    &mut nl,
                    &Operand::constant(x.clone()),
                    &Operand::constant(y.clone()),
                    levels,
                    TileShape::T26x17,
                );
                let mut acc = num_bigint::BigInt::from(0);
                for l in &leaves {
                    let (Operand::Const { value: a, .. }, Operand::Const { value: b, .. }) =
                        (&l.x, &l.y)
                    else {
                        panic!()
                    };
                    let p = num_bigint::BigInt::from(a * b);
                    for &(s, n) in &l.uses {
                        let t = &p << s;
                        acc = if n { acc - t } else { acc + t };
                    }
                }
                assert_eq!(
                    acc,
                    num_bigint::BigInt::from(&x * &y),
                    "levels {levels} {wx}x{wy}"
                );
            }
        }
    }

    /// The tree of [`full_tree`] recombines its leaves' products into the product: each
    /// node as `z0 + (z1 - z0 - z2) 2^h + z2 2^2h` over the leaves it indexes.
    #[test]
    fn tree_recombines_the_product() {
        use num_bigint::{BigInt, RandBigInt};
        fn eval(t: &Tree, leaves: &[Leaf]) -> BigInt {
            match t {
                Tree::Leaf(i) => {
                    let (Operand::Const { value: a, .. }, Operand::Const { value: b, .. }) =
                        (&leaves[*i].x, &leaves[*i].y)
                    else {
                        panic!()
                    };
                    BigInt::from(a * b)
                }
                Tree::Node { h, z0, z1, z2 } => {
                    let (a, b, c) = (eval(z0, leaves), eval(z1, leaves), eval(z2, leaves));
                    &a + ((b - &a - &c) << *h) + (c << (2 * h))
                }
            }
        }
        let mut rng = rand_like();
        for levels in 0..=4 {
            for (wx, wy) in [(381, 381), (255, 255), (61, 61), (381, 380)] {
                let x = rng.gen_biguint(wx as u64);
                let y = rng.gen_biguint(wy as u64);
                let mut nl = Netlist::default();
                let (leaves, tree) = full_tree(
                    &mut nl,
                    &Operand::constant(x.clone()),
                    &Operand::constant(y.clone()),
                    levels,
                    TileShape::T26x17,
                );
                // Every leaf is used exactly once by the tree.
                let mut seen = vec![0; leaves.len()];
                fn mark(t: &Tree, seen: &mut [usize]) {
                    match t {
                        Tree::Leaf(i) => seen[*i] += 1,
                        Tree::Node { z0, z1, z2, .. } => {
                            mark(z0, seen);
                            mark(z1, seen);
                            mark(z2, seen);
                        }
                    }
                }
                mark(&tree, &mut seen);
                assert!(seen.iter().all(|&n| n == 1), "levels {levels}: {seen:?}");
                assert_eq!(
                    eval(&tree, &leaves),
                    BigInt::from(&x * &y),
                    "levels {levels} {wx}x{wy}"
                );
            }
        }
    }

    fn rand_like() -> rand::rngs::StdRng {
        use rand::SeedableRng;
        rand::rngs::StdRng::seed_from_u64(7)
    }
}
