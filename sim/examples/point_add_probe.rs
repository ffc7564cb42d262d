//! Builds the point adder for a curve and adds a few pairs: a quick look at build time and speed.
use zkhdl_golden::{vectors::point_add_pairs, Curve};
use zkhdl_sim::run::SimOptions;

fn main() {
    let name = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "bls12-381".into());
    let n: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let curve = Curve::from_name(&name).unwrap();
    let cfg = zkhdl_sim::point_add::config_for(&curve);
    let pairs = point_add_pairs(&curve, n, 1);
    let t = std::time::Instant::now();
    let run = zkhdl_sim::point_add::simulate(&cfg, &curve, &pairs, &SimOptions::default()).unwrap();
    println!(
        "total {:.1}s, build {:?}",
        t.elapsed().as_secs_f64(),
        run.build
    );
    println!(
        "latency {} tiles {} cycles {} wall {:.2}s -> {:.0} cycles/s",
        run.latency,
        run.tiles,
        run.cycles,
        run.wall_s,
        run.cycles_per_s()
    );
    println!(
        "mismatches {} stream errors {:?}",
        run.mismatches.len(),
        run.stream_errors
    );
    for m in run.mismatches.iter().take(3) {
        println!("{m:?}");
    }
}
