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
use zkhdl_hdl::modmul::{Architecture, ModMulConfig};
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
    let mutants = [
        drop_carry,
        never_subtract,
        good.verilog.replacen("= ~", "= ", 1),
    ];
    for (i, v) in mutants.into_iter().enumerate() {
        assert_ne!(v, good.verilog, "mutation {i} must apply");
        let mut bad = good.clone();
        bad.verilog = v;
        let run = simulate_core(&bad, &cfg, &f, &pairs, &quiet()).unwrap();
        assert!(!run.matches_golden(), "mutation {i} was not caught");
    }
}
