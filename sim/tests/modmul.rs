//! `modmul` in Verilator against arkworks: both architectures, every tile shape, presets and
//! custom primes, random and edge operands (in the canonical and in the Montgomery domain),
//! random valid gaps, an Icarus cross-check, and mutations the checks must catch.
//!
//! The largest configurations are `#[ignore]`d to keep CI short; run them with
//! `cargo test -p zkhdl-sim --test modmul -- --ignored`.

mod common;

use common::{quiet, test_seed};
use num_bigint::BigUint;
use zkhdl_golden::vectors::random_pairs;
use zkhdl_golden::Field;
use zkhdl_hdl::modmul::{Architecture, KaratsubaSum, ModMulConfig, PPrimeProduct};
use zkhdl_hdl::tile::TileShape;
use zkhdl_hdl::Core;
use zkhdl_sim::modmul::{config_for, simulate, simulate_core, simulate_iverilog};
use zkhdl_sim::run::{Gaps, SimOptions};

/// Primes of 61, 127, 255 and 521 bits (Mersenne 2^61-1, 2^127-1, 2^255-19, Mersenne 2^521-1).
fn custom(bits: usize) -> Field {
    let one = BigUint::from(1u32);
    let p = match bits {
        61 => (&one << 61) - 1u32,
        127 => (&one << 127) - 1u32,
        255 => (&one << 255) - 19u32,
        521 => (&one << 521) - 1u32,
        _ => unreachable!(),
    };
    Field::custom(&p).unwrap()
}

/// Edge operands: the field's edge values, and the values whose Montgomery forms are the edge
/// values (what the hardware actually sees), including R mod p and values with long carries.
fn edge_pairs(f: &Field, k: usize) -> Vec<(BigUint, BigUint)> {
    let mut vals = f.edge_values();
    let r = f.montgomery_r(k);
    vals.push(r.clone());
    vals.push(f.from_montgomery(&r, k));
    let hw: Vec<BigUint> = f
        .edge_values()
        .iter()
        .map(|v| f.from_montgomery(v, k))
        .collect();
    vals.extend(hw);
    vals.sort();
    vals.dedup();
    let mut pairs = vec![];
    for (i, a) in vals.iter().enumerate() {
        for b in vals.iter().skip(i) {
            pairs.push((a.clone(), b.clone()));
        }
    }
    pairs
}

fn check(cfg: &ModMulConfig, f: &Field, n: usize, seed: u64, gaps: Option<f64>) {
    let mut pairs = edge_pairs(f, cfg.r_bits());
    pairs.extend(random_pairs(f, n, seed));
    let opts = SimOptions {
        gaps: gaps.map(|p| Gaps {
            seed,
            idle_probability: p,
        }),
        ..quiet()
    };
    let run = simulate(cfg, f, &pairs, &opts).unwrap_or_else(|e| panic!("{}: {e}", f.name()));
    assert!(
        run.matches_golden(),
        "{} {:?} {}: {:?} {:#?}",
        f.name(),
        cfg.architecture,
        cfg.tile.name(),
        run.stream_errors,
        &run.mismatches[..run.mismatches.len().min(3)]
    );
    assert_eq!(run.products.len(), pairs.len());
}

fn pipelined(f: &Field, tile: TileShape, karatsuba: usize) -> ModMulConfig {
    let mut c = config_for(f);
    c.tile = tile;
    c.architecture = Architecture::pipelined(karatsuba);
    c
}

fn iterative(f: &Field, tile: TileShape, tiles: usize) -> ModMulConfig {
    let mut c = config_for(f);
    c.architecture = Architecture::iterative(tiles);
    c.tile = tile;
    c
}

#[test]
fn pipelined_presets_match_arkworks() {
    let seed = test_seed("pipelined_presets_match_arkworks");
    for (name, tile, k) in [
        ("bls12-381-fq", TileShape::T26x17, 3),
        ("bls12-381-fr", TileShape::T18x18, 2),
        ("bn254-fq", TileShape::T27x27, 4),
        ("bls12-377-fq", TileShape::T16x16, 1),
    ] {
        let f = Field::from_name(name).unwrap();
        check(&pipelined(&f, tile, k), &f, 1000, seed, Some(0.3));
    }
}

#[test]
fn pipelined_custom_primes_match() {
    let seed = test_seed("pipelined_custom_primes_match");
    for (bits, tile, k) in [
        (61, TileShape::T16x16, 0),
        (127, TileShape::T18x18, 2),
        (255, TileShape::T26x17, 4),
    ] {
        let f = custom(bits);
        check(&pipelined(&f, tile, k), &f, 1000, seed, None);
    }
}

#[test]
fn iterative_matches_arkworks() {
    let seed = test_seed("iterative_matches_arkworks");
    for (name, tile, tiles) in [
        ("bls12-381-fq", TileShape::T18x18, 4),
        ("bn254-fr", TileShape::T16x16, 1),
        ("bls12-377-fq", TileShape::T27x27, 3),
    ] {
        let f = Field::from_name(name).unwrap();
        check(&iterative(&f, tile, tiles), &f, 100, seed, Some(0.3));
    }
    for (bits, tile, tiles) in [(61, TileShape::T26x17, 2), (127, TileShape::T16x16, 5)] {
        let f = custom(bits);
        check(&iterative(&f, tile, tiles), &f, 100, seed, None);
    }
    // One-digit operands (a 7-bit prime): more tiles than can be busy are capped, not refused.
    let f = Field::custom_hex("0x65").unwrap();
    let cfg = iterative(&f, TileShape::T18x18, 4);
    assert_eq!(cfg.generate().unwrap().manifest.tiles, 2);
    check(&cfg, &f, 100, seed, Some(0.3));
}

#[test]
fn wide_custom_prime_iterative() {
    let seed = test_seed("wide_custom_prime_iterative");
    let f = custom(521);
    check(&iterative(&f, TileShape::T27x27, 4), &f, 30, seed, None);
}

#[test]
#[ignore = "large build (about a minute); run with --ignored"]
fn wide_custom_prime_pipelined() {
    let seed = test_seed("wide_custom_prime_pipelined");
    let f = custom(521);
    check(
        &pipelined(&f, TileShape::T27x27, 3),
        &f,
        300,
        seed,
        Some(0.2),
    );
}

#[test]
#[ignore = "every preset x tile x Karatsuba level (many builds); run with --ignored"]
fn every_preset_tile_and_level() {
    let seed = test_seed("every_preset_tile_and_level");
    for p in zkhdl_golden::FieldPreset::ALL {
        let f = Field::preset(p);
        for tile in TileShape::ALL {
            for k in 0..=4 {
                check(&pipelined(&f, tile, k), &f, 200, seed, None);
            }
            check(&iterative(&f, tile, 3), &f, 30, seed, None);
        }
    }
}

#[test]
fn icarus_agrees_on_the_pipelined_and_iterative_cores() {
    let seed = test_seed("icarus_agrees_on_the_pipelined_and_iterative_cores");
    let f = Field::from_name("bn254-fr").unwrap();
    for cfg in [
        pipelined(&f, TileShape::T27x27, 1),
        iterative(&f, TileShape::T18x18, 2),
    ] {
        let mut pairs = edge_pairs(&f, cfg.r_bits());
        pairs.truncate(40);
        pairs.extend(random_pairs(&f, 40, seed));
        let icarus = simulate_iverilog(&cfg, &f, &pairs, &quiet()).unwrap();
        assert!(
            icarus.matches_golden(),
            "{:?} {:?}",
            icarus.stream_errors,
            icarus.mismatches.first()
        );
        let verilator = simulate(&cfg, &f, &pairs, &quiet()).unwrap();
        assert_eq!(icarus.products, verilator.products);
    }
}

/// The flat Karatsuba sum (every tile product at every weight it is used with) against the
/// default tree, on BLS12-381 Fq with three levels: both match arkworks.
#[test]
fn flat_karatsuba_sum_matches_arkworks() {
    let seed = test_seed("flat_karatsuba_sum_matches_arkworks");
    let f = Field::from_name("bls12-381-fq").unwrap();
    let mut cfg = pipelined(&f, TileShape::T26x17, 3);
    cfg.karatsuba_sum = KaratsubaSum::Flat;
    let tree = pipelined(&f, TileShape::T26x17, 3).generate().unwrap();
    let flat = cfg.generate().unwrap();
    assert!(
        flat.manifest.latency < tree.manifest.latency,
        "flat {} tree {}",
        flat.manifest.latency,
        tree.manifest.latency
    );
    check(&cfg, &f, 500, seed, Some(0.3));
}

#[test]
fn bls12_381_fq_tile_budget() {
    let f = Field::from_name("bls12-381-fq").unwrap();
    let core = pipelined(&f, TileShape::T26x17, 3).generate().unwrap();
    assert!(core.manifest.tiles <= 450, "{} tiles", core.manifest.tiles);
    assert!(core.manifest.arithmetic.contains("R = 2^381"));
}

#[test]
fn mutations_are_caught() {
    let seed = test_seed("mutations_are_caught");
    let f = Field::from_name("bn254-fq").unwrap();
    let cfg = pipelined(&f, TileShape::T27x27, 2);
    let good = cfg.generate().unwrap();
    let mut pairs = edge_pairs(&f, cfg.r_bits());
    pairs.extend(random_pairs(&f, 300, seed));
    // 1. Drop the carry that recovers the left-out low tiles of m p.
    // 2. Never subtract p at the end (results not fully reduced).
    // 3. Flip the sign of one compressor correction constant.
    let k = cfg.r_bits();
    let never_subtract = good
        .verilog
        .lines()
        .map(|l| {
            match (
                l.trim_start().starts_with("res_"),
                l.find(" <= "),
                l.find(" ? "),
            ) {
                (true, Some(a), Some(b)) if a < b => format!("{}1'b1{}", &l[..a + 4], &l[b..]),
                _ => l.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    // The carry: `S[2k:k] + e` in one stage, or the carry in of the chunked adder `u` (the
    // last addend of its lowest chunk) under the 64-bit carry bound.
    let one_stage = format!("[{}:{k}] + ", 2 * k);
    let drop_carry = if good.verilog.contains(&one_stage) {
        good.verilog
            .replacen(&one_stage, &format!("[{}:{k}] + 0 * ", 2 * k), 1)
    } else {
        let mut done = false;
        good.verilog
            .lines()
            .map(|l| {
                let t = l.trim_start();
                if !done && t.starts_with("u_c0_") && t.matches(" + ").count() == 2 {
                    done = true;
                    let cut = l.rfind(" + ").unwrap();
                    format!("{};", &l[..cut])
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    // 4. One constant of a sub-product that the Karatsuba tree sums on its own (the first
    //    constant in the file: the tree's nodes come before the product's own compressor)
    //    off by one: the constants carry the nodes' negation corrections.
    assert_eq!(cfg.karatsuba_sum, KaratsubaSum::Tree);
    let mut done = false;
    let node_constant = good
        .verilog
        .lines()
        .map(|l| {
            let t = l.trim_start();
            if !done && t.starts_with("assign k_") && t.contains("'h") {
                done = true;
                let end = l.rfind(';').unwrap();
                let last = u32::from_str_radix(&l[end - 1..end], 16).unwrap();
                format!("{}{:x};", &l[..end - 1], last ^ 1)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mutants = [
        drop_carry,
        never_subtract,
        good.verilog.replacen("= ~", "= ", 1),
        node_constant,
    ];
    for (i, v) in mutants.into_iter().enumerate() {
        assert_ne!(v, good.verilog, "mutation {i} must apply");
        let mut bad = good.clone();
        bad.verilog = v;
        let run = simulate_core(&bad, &cfg, &f, &pairs, &quiet()).unwrap();
        assert!(!run.matches_golden(), "mutation {i} was not caught");
    }
}

/// Operands aimed at the product by p' (as canonical values whose Montgomery forms, what the
/// core sees, are chosen): `T mod R = 0` with T non-zero (2^j * 2^(k-j)), `T mod R = R - 1`
/// (all ones), `T mod R = 1` (m = p'), `T mod R = p` (m = R - 1, all ones), and T = 0.
fn p_prime_edge_pairs(f: &Field, k: usize, seed: u64) -> Vec<(BigUint, BigUint)> {
    let p = f.modulus().clone();
    let r = BigUint::from(1u32) << k;
    // The inverse of an odd x modulo R (Newton: each step doubles the correct bits).
    let inv = |x: &BigUint| {
        let mut y = BigUint::from(1u32);
        for _ in 0..12 {
            y = (&y * (BigUint::from(2u32) + &r - (x * &y) % &r)) % &r;
        }
        assert_eq!((x * &y) % &r, BigUint::from(1u32));
        y
    };
    let mut hw: Vec<(BigUint, BigUint)> = vec![
        (BigUint::from(0u32), &p - 1u32),
        (
            BigUint::from(1u32) << (k / 2),
            BigUint::from(1u32) << (k - k / 2),
        ),
        (BigUint::from(1u32) << (k - 1), BigUint::from(2u32)),
        (BigUint::from(1u32), BigUint::from(1u32)),
    ];
    let mut rng = seed | 1;
    let mut next = |bound: &BigUint| {
        let mut x = BigUint::from(0u32);
        for _ in 0..k.div_ceil(64) {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            x = (x << 64) | BigUint::from(rng);
        }
        (x % bound) | BigUint::from(1u32)
    };
    // b = target * a^-1 mod R for random odd a < p, kept where b < p too.
    for target in [&r - 1u32, BigUint::from(1u32), p.clone()] {
        let mut found = 0;
        for _ in 0..64 {
            let a = next(&p);
            let b = (&target * inv(&a)) % &r;
            if b < p {
                assert_eq!((&a * &b) % &r, &target % &r);
                hw.push((a, b));
                found += 1;
                if found == 3 {
                    break;
                }
            }
        }
        assert!(found > 0, "{}: no pair for T mod R = {target:#x}", f.name());
    }
    hw.iter()
        .map(|(a, b)| (f.from_montgomery(a, k), f.from_montgomery(b, k)))
        .collect()
}

fn with_p_prime(mut c: ModMulConfig, pp: PPrimeProduct) -> ModMulConfig {
    c.p_prime_product = pp;
    c
}

/// The product by p' as the NAF network (`lut`) and by tiles, bit-exact against arkworks on
/// random, edge and p'-edge operands (T mod R = 0, all ones, 1 and p), for BLS12-381 Fq (the
/// default configuration: auto is lut there), a 255-bit, a 61-bit and a 16-bit prime (where
/// `lut` is forced: auto keeps the one tile), with valid gaps.
#[test]
fn p_prime_network_and_tiles_match_arkworks() {
    let seed = test_seed("p_prime_network_and_tiles_match_arkworks");
    let bls = Field::from_name("bls12-381-fq").unwrap();
    let small = Field::custom_hex("0xfff1").unwrap();
    let default = config_for(&bls);
    assert!(default.p_prime_by_lut());
    let cases = [
        (default, bls.clone(), 300),
        (
            with_p_prime(
                pipelined(&custom(255), TileShape::T27x27, 2),
                PPrimeProduct::Lut,
            ),
            custom(255),
            300,
        ),
        (
            with_p_prime(
                pipelined(&custom(61), TileShape::T18x18, 1),
                PPrimeProduct::Lut,
            ),
            custom(61),
            300,
        ),
        (
            with_p_prime(
                pipelined(&custom(61), TileShape::T18x18, 1),
                PPrimeProduct::Tiles,
            ),
            custom(61),
            300,
        ),
        (
            with_p_prime(pipelined(&small, TileShape::T26x17, 3), PPrimeProduct::Lut),
            small.clone(),
            1000,
        ),
        (
            with_p_prime(
                pipelined(&small, TileShape::T26x17, 3),
                PPrimeProduct::Tiles,
            ),
            small.clone(),
            1000,
        ),
    ];
    for (cfg, f, n) in cases {
        let k = cfg.r_bits();
        let mut pairs = edge_pairs(&f, k);
        pairs.extend(p_prime_edge_pairs(&f, k, seed));
        pairs.extend(random_pairs(&f, n, seed));
        let opts = SimOptions {
            gaps: Some(Gaps {
                seed,
                idle_probability: 0.2,
            }),
            ..quiet()
        };
        let run = simulate(&cfg, &f, &pairs, &opts).unwrap();
        assert!(
            run.matches_golden(),
            "{} {:?}: {:?} {:#?}",
            f.name(),
            cfg.p_prime_product,
            run.stream_errors,
            &run.mismatches[..run.mismatches.len().min(3)]
        );
        assert_eq!(run.products.len(), pairs.len());
    }
}

/// A mutant of the NAF network in the RTL: one negated digit's term added instead of
/// subtracted (its `~` dropped). On a Karatsuba-free core (27x27 tiles, K0) the network's
/// negated terms are the only `~` in the datapath, one per negative digit of p' (width-3 NAF
/// here: digits ±1 and ±3).
#[test]
fn a_flipped_naf_digit_is_caught() {
    let seed = test_seed("a_flipped_naf_digit_is_caught");
    let f = Field::from_name("bn254-fr").unwrap();
    let cfg = with_p_prime(pipelined(&f, TileShape::T27x27, 0), PPrimeProduct::Lut);
    let good = cfg.generate().unwrap();
    let k = cfg.r_bits();
    let digits = zkhdl_hdl::modmul::pipelined::p_prime_digits(&cfg);
    assert!(
        digits.iter().any(|d| d.multiple == 3),
        "width-3 NAF expected"
    );
    let negative = digits.iter().filter(|d| d.negative).count();
    let inverted: Vec<&str> = good
        .verilog
        .lines()
        .filter(|l| l.contains(" = ~"))
        .collect();
    assert!(negative > 0);
    assert_eq!(inverted.len(), negative, "{inverted:?}");
    let mut pairs = edge_pairs(&f, k);
    pairs.extend(p_prime_edge_pairs(&f, k, seed));
    pairs.extend(random_pairs(&f, 200, seed));
    let ok = simulate_core(&good, &cfg, &f, &pairs, &quiet()).unwrap();
    assert!(ok.matches_golden(), "{:?}", ok.mismatches.first());
    // The middle negative digit.
    let line = inverted[inverted.len() / 2];
    let mut bad = good.clone();
    bad.verilog = good
        .verilog
        .replacen(line, &line.replacen(" = ~", " = ", 1), 1);
    assert_ne!(bad.verilog, good.verilog);
    let run = simulate_core(&bad, &cfg, &f, &pairs, &quiet()).unwrap();
    assert!(!run.matches_golden(), "the flipped digit was not caught");
}

/// `--route-registers` (the ECP5 synthesis default): one adder level per stage, the
/// compressor's terms registered once more, chunked adds in five stages. Same results, more
/// latency, on a prime whose chunked adds have several chunks (127 bits under a 32-bit bound)
/// and on a preset under a 16-bit bound (many chunks, so many registered chunk carries), with
/// random gaps; a mutant that clears one registered chunk carry must be caught.
#[test]
fn route_registers_match() {
    let seed = test_seed("route_registers_match");
    let with_routes = |f: &Field, tile, k, bound| {
        let mut c = pipelined(f, tile, k);
        c.max_add_bits = bound;
        let plain = c.latency().unwrap();
        c.route_registers = true;
        c.architecture = Architecture::Pipelined {
            karatsuba: k,
            slice_bits: 32,
            levels_per_stage: 1,
        };
        assert!(c.latency().unwrap() > plain, "registers add latency");
        c
    };
    let p127 = Field::custom_hex("0x79800e7705da8467f06313fff9a01fe9").unwrap();
    let cfg = with_routes(&p127, TileShape::T18x18, 3, 32);
    check(&cfg, &p127, 1000, seed, Some(0.3));
    let f = Field::from_name("bn254-fr").unwrap();
    check(
        &with_routes(&f, TileShape::T18x18, 2, 16),
        &f,
        300,
        seed,
        None,
    );
    // The mutant: the first registered chunk carry (`r_N <= <prefix>_cy_M;`) held at 0.
    let good = cfg.generate().unwrap();
    let mut done = false;
    let mutant = good
        .verilog
        .lines()
        .map(|l| {
            let t = l.trim_start();
            let carry_reg = t.starts_with("r_") && t.contains(" <= ") && t.contains("_cy_");
            if !done && carry_reg {
                done = true;
                format!("{} 1'b0;", &l[..l.find(" <= ").unwrap() + 3])
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(done, "a registered chunk carry exists");
    let mut bad = good.clone();
    bad.verilog = mutant;
    let mut pairs = edge_pairs(&p127, cfg.r_bits());
    pairs.extend(random_pairs(&p127, 300, seed));
    let run = simulate_core(&bad, &cfg, &p127, &pairs, &quiet()).unwrap();
    assert!(
        !run.matches_golden(),
        "the cleared chunk carry was not caught"
    );
}
