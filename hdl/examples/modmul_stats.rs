//! Tiles, latency, register bits and compressor terms of the pipelined modmul for every tile
//! shape and Karatsuba level, with the product by p' by tiles and by the NAF network (`lut`).
//! Argument: the modulus in hex (default BLS12-381 Fq).
use zkhdl_hdl::modmul::{plan, ModMulConfig, PPrimeProduct};
use zkhdl_hdl::tile::TileShape;
fn main() {
    let p = num_bigint::BigUint::parse_bytes(std::env::args().nth(1).unwrap_or("1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab".into()).as_bytes(), 16).unwrap();
    let probe = ModMulConfig::new(p.clone(), "x");
    let k = probe.r_bits();
    let chosen = zkhdl_hdl::constmul::network_digits(&probe.p_prime(), k, 2 * k);
    println!(
        "p' NAF: {} non-zero digits, {} term bits; the network's digits: {} ({} with multiple 3), {} term bits",
        zkhdl_hdl::constmul::naf(&probe.p_prime(), k).len(),
        zkhdl_hdl::constmul::low_product_bits(&probe.p_prime(), k),
        chosen.len(),
        chosen.iter().filter(|d| d.multiple == 3).count(),
        zkhdl_hdl::constmul::digit_bits(&chosen, k)
    );
    for t in TileShape::ALL {
        for kl in 0..=4 {
            for pp in [PPrimeProduct::Tiles, PPrimeProduct::Lut] {
                let mut c = ModMulConfig::new(p.clone(), "x");
                c.tile = t;
                c.architecture = zkhdl_hdl::modmul::Architecture::pipelined(kl);
                c.p_prime_product = pp;
                let pl = plan(&c).unwrap();
                println!(
                    "{} k={kl} p'={}: tiles {} latency {} regbits {} terms {}",
                    t.name(),
                    pp.name(),
                    pl.tiles,
                    pl.latency,
                    pl.register_bits,
                    pl.compressor_terms
                );
            }
        }
    }
}
