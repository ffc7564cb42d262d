fn main() {
    // The harness compiles C++ at run time with the `cc` crate, which needs the target triple.
    let target = std::env::var("TARGET").expect("cargo sets TARGET");
    println!("cargo:rustc-env=ZKHDL_TARGET={target}");
    println!("cargo:rerun-if-changed=build.rs");
}
