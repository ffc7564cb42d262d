fn main() {
    let m = num_bigint::BigUint::from((1u64 << 61) - 1);
    let c = zkhdl_hdl::modadd::generate(&zkhdl_hdl::modadd::ModAddConfig::new(m, "custom-61b"))
        .unwrap();
    println!("{}", c.verilog);
}
