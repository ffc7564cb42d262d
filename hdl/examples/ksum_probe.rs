use zkhdl_hdl::modmul::{Architecture, KaratsubaSum, ModMulConfig};
use zkhdl_hdl::Core;
fn main() {
    let p = num_bigint::BigUint::parse_bytes(b"1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab", 16).unwrap();
    for (sb, lps) in [(32, 2)] {
        for ks in [KaratsubaSum::Tree, KaratsubaSum::Flat] {
            let mut c = ModMulConfig::new(p.clone(), "x");
            c.architecture = Architecture::Pipelined { karatsuba: 3, slice_bits: sb, levels_per_stage: lps };
            c.karatsuba_sum = ks;
            let core = c.generate().unwrap();
            let dir = format!("/tmp/probe_{sb}_{lps}_{}", ks.name());
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(format!("{dir}/zk_modmul.v"), &core.verilog).unwrap();
            println!("{dir} latency {}", core.manifest.latency);
        }
    }
}
