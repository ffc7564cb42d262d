//! Runs one random MSM: a quick look at build time, cycles and utilization.
use zkhdl_golden::vectors::random_msm;
use zkhdl_sim::msm::{config_for, simulate, Drive};
use zkhdl_sim::run::SimOptions;

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let curve = zkhdl_golden::Curve::from_name(a.get(1).map(|s| s.as_str()).unwrap_or("bls12-381"))
        .unwrap();
    let n: usize = a.get(2).and_then(|s| s.parse().ok()).unwrap_or(64);
    let c: usize = a.get(3).and_then(|s| s.parse().ok()).unwrap_or(8);
    let idle: f64 = a.get(4).and_then(|s| s.parse().ok()).unwrap_or(0.0);
    let cfg = config_for(&curve, c);
    let (p, s) = random_msm(&curve, n, 7);
    let t = std::time::Instant::now();
    let drive = Drive {
        in_idle: idle,
        out_idle: idle,
        seed: 3,
        watchdog: None,
    };
    match simulate(&cfg, &curve, &p, &s, &SimOptions::default(), &drive) {
        Ok(r) => {
            println!(
                "total {:.1}s build {:?}",
                t.elapsed().as_secs_f64(),
                r.build
                    .as_ref()
                    .map(|b| (b.cache_hit, b.verilate_s, b.compile_s))
            );
            println!("match {} errors {:?}", r.matches_golden(), r.stream_errors);
            println!("cycles {} accum {} bucket_adds {} (exp {}) hazards {} stalls {} adds {} util {:.4} overall {:.3} bound {} sim {} wall {:.2} rate {:.0}",
                r.cycles, r.accum_cycles, r.bucket_adds, r.expected_bucket_adds, r.hazard_stalls, r.wait_cycles, r.total_adds, r.adder_utilization, r.overall_utilization, r.cycle_bound, r.simulated_cycles, r.wall_s, r.cycles_per_s());
        }
        Err(e) => println!("error: {e}"),
    }
}
