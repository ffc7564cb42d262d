use zkhdl_hdl::modmul::{plan, ModMulConfig};
use zkhdl_hdl::tile::TileShape;
fn main() {
    let p = num_bigint::BigUint::parse_bytes(std::env::args().nth(1).unwrap_or("1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab".into()).as_bytes(), 16).unwrap();
    for t in TileShape::ALL {
        for k in 0..=4 {
            let mut c = ModMulConfig::new(p.clone(), "x");
            c.tile = t;
            c.architecture = zkhdl_hdl::modmul::Architecture::pipelined(k);
            let pl = plan(&c).unwrap();
            println!(
                "{} k={k}: tiles {} latency {} regbits {} terms {}",
                t.name(),
                pl.tiles,
                pl.latency,
                pl.register_bits,
                pl.compressor_terms
            );
        }
    }
}
