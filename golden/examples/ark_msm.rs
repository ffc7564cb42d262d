//! Wall time of arkworks' `VariableBaseMSM::msm` for BLS12-381 G1 on this machine, for the
//! comparison in `results/msm-estimate.md`:
//! `cargo run --release -p zkhdl-golden --example ark_msm -- 16 20 24` (log2 N per argument).
//!
//! Bases: P_i = P_0 + i G in projective coordinates, normalized in one batch (cheap to make;
//! Pippenger's cost does not depend on how the bases relate). Scalars: uniform below r from a
//! fixed seed (ChaCha20, seed 1). Each N is timed once, after the inputs are made; arkworks is
//! built without its `parallel` feature (as in this workspace), so the MSM runs on one thread.

use ark_bls12_381::{Fr, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::UniformRand;
use rand::SeedableRng;
use std::time::Instant;

fn main() {
    let logs: Vec<u32> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("log2 N"))
        .collect();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    for k in logs {
        let n = 1usize << k;
        let t = Instant::now();
        let g = G1Projective::generator();
        let mut p = g * Fr::rand(&mut rng);
        let mut proj = Vec::with_capacity(n);
        for _ in 0..n {
            proj.push(p);
            p += g;
        }
        let bases = G1Projective::normalize_batch(&proj);
        drop(proj);
        let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let setup = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let r = G1Projective::msm(&bases, &scalars).expect("equal lengths");
        let msm = t.elapsed().as_secs_f64();
        println!(
            "{{\"curve\": \"bls12-381\", \"log_n\": {k}, \"n\": {n}, \"msm_s\": {msm:.3}, \
             \"setup_s\": {setup:.1}, \"threads\": 1, \"result_is_zero\": {}}}",
            r.into_affine().is_zero()
        );
    }
}
