//! Driver for `msm`: streams (point, scalar) pairs into the core through its valid/ready input,
//! optionally with random idle cycles on the input and random backpressure on the output,
//! takes the projective result, converts it to affine and compares it with arkworks' MSM.
//!
//! Checks besides the result:
//! - the bucket additions the core reports equal the nonzero signed digits of the pairs that
//!   contribute (nothing lost, nothing added twice);
//! - the result does not change while `out_valid` waits for `out_ready`;
//! - a watchdog fails the run with the core's state if nothing moves for too long (no pair
//!   taken, no addition issued, no change of phase).

use crate::harness::{build, BuildReport, SimError};
use crate::run::{design_of, progress_bar, SimOptions, RESET_CYCLES};
use num_bigint::BigUint;
use rand::Rng;
use zkhdl_golden::pippenger::signed_digits;
use zkhdl_golden::vectors::rng_from_seed;
use zkhdl_golden::{Affine, Curve};
use zkhdl_hdl::msm::{self, MsmConfig};
use zkhdl_hdl::point_add::PointAddConfig;
use zkhdl_hdl::GeneratedCore;

/// How the testbench drives the handshakes.
#[derive(Clone, Debug)]
pub struct Drive {
    /// Probability that the source holds `in_valid` low on a cycle it could offer a pair.
    pub in_idle: f64,
    /// Probability that the sink holds `out_ready` low on a cycle.
    pub out_idle: f64,
    /// Seed of the handshake pattern.
    pub seed: u64,
    /// Cycles without progress before the run fails; `None`: from the configuration.
    pub watchdog: Option<u64>,
}

impl Default for Drive {
    fn default() -> Self {
        Drive {
            in_idle: 0.0,
            out_idle: 0.0,
            seed: 0,
            watchdog: None,
        }
    }
}

/// Everything one MSM run reports.
#[derive(Clone, Debug)]
pub struct MsmRun {
    pub result: Affine,
    pub expected: Affine,
    pub stream_errors: Vec<String>,
    pub n: usize,
    pub window: usize,
    pub windows: usize,
    pub buckets_per_window: usize,
    pub adder_latency: usize,
    pub tiles: usize,
    /// Cycles from the first pair taken to the result (the core's counter).
    pub cycles: u64,
    /// Cycles of the accumulation phase.
    pub accum_cycles: u64,
    pub bucket_adds: u64,
    /// Nonzero signed digits of the contributing pairs: what `bucket_adds` must be.
    pub expected_bucket_adds: u64,
    pub hazard_stalls: u64,
    /// Cycles the current point waited (adder slot taken by a parked point, or FIFO full).
    pub wait_cycles: u64,
    pub total_adds: u64,
    /// Bucket additions per accumulation cycle.
    pub adder_utilization: f64,
    /// All additions per cycle over the whole MSM.
    pub overall_utilization: f64,
    /// N x windows + aggregation + combination at the adder's best.
    pub cycle_bound: u64,
    /// Cycles simulated, from reset to the result taken (includes the bucket clear).
    pub simulated_cycles: u64,
    pub wall_s: f64,
    pub build: Option<BuildReport>,
}

impl MsmRun {
    pub fn matches_golden(&self) -> bool {
        self.result == self.expected && self.stream_errors.is_empty()
    }

    pub fn cycles_per_s(&self) -> f64 {
        crate::run::rate(self.simulated_cycles, self.wall_s)
    }
}

/// The MSM configuration for `curve` with window width `window` (default tiles).
pub fn config_for(curve: &Curve, window: usize) -> MsmConfig {
    let b = curve.b().to_u64_digits().first().copied().unwrap_or(0);
    let adder = PointAddConfig::new(curve.name(), curve.base_field().modulus().clone(), b);
    MsmConfig::new(adder, curve.scalar_field().bits(), window)
}

/// Generates the core for `cfg`, builds it (cached) and runs one MSM.
pub fn simulate(
    cfg: &MsmConfig,
    curve: &Curve,
    points: &[Affine],
    scalars: &[BigUint],
    opts: &SimOptions,
    drive: &Drive,
) -> Result<MsmRun, SimError> {
    let core = msm::generate(cfg).map_err(|e| SimError::Config(e.to_string()))?;
    simulate_core(&core, cfg, curve, points, scalars, opts, drive)
}

/// The pairs as the core takes them: Montgomery coordinates, identity flag, scalar. An empty
/// MSM is sent as one identity pair (the stream needs a pair to carry `in_last`).
fn items(cfg: &MsmConfig, curve: &Curve, points: &[Affine], scalars: &[BigUint]) -> Vec<Item> {
    let fq = curve.base_field();
    let k = cfg.adder.r_bits();
    let mut v: Vec<Item> = points
        .iter()
        .zip(scalars)
        .map(|(p, s)| match p {
            Affine::Infinity => Item {
                x: vec![0],
                y: vec![0],
                inf: true,
                scalar: s.to_u32_digits(),
            },
            Affine::Point { x, y } => Item {
                x: fq.to_montgomery(x, k).to_u32_digits(),
                y: fq.to_montgomery(y, k).to_u32_digits(),
                inf: false,
                scalar: s.to_u32_digits(),
            },
        })
        .collect();
    if v.is_empty() {
        v.push(Item {
            x: vec![0],
            y: vec![0],
            inf: true,
            scalar: vec![0],
        });
    }
    v
}

struct Item {
    x: Vec<u32>,
    y: Vec<u32>,
    inf: bool,
    scalar: Vec<u32>,
}

/// Runs one MSM through a given core.
#[allow(clippy::too_many_arguments)]
pub fn simulate_core(
    core: &GeneratedCore,
    cfg: &MsmConfig,
    curve: &Curve,
    points: &[Affine],
    scalars: &[BigUint],
    opts: &SimOptions,
    drive: &Drive,
) -> Result<MsmRun, SimError> {
    if points.len() != scalars.len() {
        return Err(SimError::Config(format!(
            "{} points but {} scalars",
            points.len(),
            scalars.len()
        )));
    }
    let fq = curve.base_field();
    let k = cfg.adder.r_bits();
    let latency = core.manifest.latency;
    let nw = cfg.windows();
    let nb = (nw * cfg.buckets()) as u64;
    let watchdog = drive
        .watchdog
        .unwrap_or(nb + 16 * (latency as u64 + 4) + 1024);
    let items = items(cfg, curve, points, scalars);
    let expected_bucket_adds: u64 = points
        .iter()
        .zip(scalars)
        .filter(|(p, _)| **p != Affine::Infinity)
        .map(|(_, s)| {
            signed_digits(s, cfg.window, nw)
                .iter()
                .filter(|d| **d != 0)
                .count() as u64
        })
        .sum();

    let (mut m, report) = build(&design_of(core), &opts.build_options())?;
    if let Some(t) = &opts.trace {
        m.trace_on(t)?;
    }
    let p = |m: &crate::Model, n: &str| m.port(n);
    let (in_valid, in_ready, in_x, in_y, in_inf, in_scalar, in_last) = (
        p(&m, "in_valid")?,
        p(&m, "in_ready")?,
        p(&m, "in_x")?,
        p(&m, "in_y")?,
        p(&m, "in_inf")?,
        p(&m, "in_scalar")?,
        p(&m, "in_last")?,
    );
    let (out_valid, out_ready, out_x, out_y, out_z) = (
        p(&m, "out_valid")?,
        p(&m, "out_ready")?,
        p(&m, "out_x")?,
        p(&m, "out_y")?,
        p(&m, "out_z")?,
    );
    let stat_names = [
        "stat_cycles",
        "stat_accum_cycles",
        "stat_bucket_adds",
        "stat_hazards",
        "stat_stalls",
        "stat_adds",
    ];
    let stat_ports = stat_names
        .iter()
        .map(|n| m.port(n))
        .collect::<Result<Vec<_>, _>>()?;
    let state = m.port("state")?;
    m.set_bool(in_valid, false)?;
    m.set_bool(out_ready, false)?;
    m.reset(&core.manifest.reset, RESET_CYCLES)?;

    let mut rng = rng_from_seed(drive.seed ^ 0x6d73_6d00);
    let n = items.len();
    let pb = progress_bar(opts.progress && n > 2000, n as u64, "msm pairs");
    let mut next = 0usize;
    let mut offering = false;
    let mut held: Option<Vec<BigUint>> = None;
    let mut stream_errors = vec![];
    let mut last_progress = m.cycles();
    let mut last_adds = 0u64;
    let mut last_state = u64::MAX;
    let t = std::time::Instant::now();
    let (out, stats) = loop {
        if next < n && !offering {
            offering = !(drive.in_idle > 0.0 && rng.gen_bool(drive.in_idle.clamp(0.0, 0.95)));
            if offering {
                let it = &items[next];
                m.set_words(in_x, &it.x)?;
                m.set_words(in_y, &it.y)?;
                m.set_bool(in_inf, it.inf)?;
                m.set_words(in_scalar, &it.scalar)?;
                m.set_bool(in_last, next + 1 == n)?;
            }
        }
        m.set_bool(in_valid, offering)?;
        let ready = !(drive.out_idle > 0.0 && rng.gen_bool(drive.out_idle.clamp(0.0, 0.95)));
        m.set_bool(out_ready, ready)?;
        let accepted = offering && m.get_bool(in_ready);
        let mut taken = None;
        if m.get_bool(out_valid) {
            let now = vec![
                m.get_biguint(out_x),
                m.get_biguint(out_y),
                m.get_biguint(out_z),
            ];
            match &held {
                Some(h) if *h != now => stream_errors
                    .push("the result changed while out_valid waited for out_ready".into()),
                Some(_) => {}
                None => held = Some(now.clone()),
            }
            if ready {
                let stats = stat_ports
                    .iter()
                    .map(|p| m.get_u64(*p))
                    .collect::<Result<Vec<_>, _>>()?;
                taken = Some((now, stats));
            }
        }
        m.tick();
        if accepted {
            next += 1;
            offering = false;
            last_progress = m.cycles();
            if next % 256 == 0 {
                pb.set_position(next as u64);
            }
        }
        if let Some(x) = taken {
            break x;
        }
        let adds = m.get_u64(stat_ports[5])?;
        let st = m.get_u64(state)?;
        if adds != last_adds || st != last_state {
            last_adds = adds;
            last_state = st;
            last_progress = m.cycles();
        }
        if m.cycles() - last_progress > watchdog {
            if opts.trace.is_some() {
                m.trace_off();
            }
            return Err(SimError::Watchdog(format!(
                "no progress for {watchdog} cycles (cycle {}): core state {st}, {next} of {n} \
                 pairs taken, {adds} additions issued",
                m.cycles()
            )));
        }
    };
    let wall_s = t.elapsed().as_secs_f64();
    pb.finish_and_clear();
    if opts.trace.is_some() {
        m.trace_off();
    }
    let coords: Vec<BigUint> = out.iter().map(|v| fq.from_montgomery(v, k)).collect();
    for (v, name) in out.iter().zip(["x", "y", "z"]) {
        if v >= fq.modulus() {
            stream_errors.push(format!("result {name} is not reduced below p"));
        }
    }
    let result = curve.from_projective(&coords[0], &coords[1], &coords[2]);
    let expected = curve.msm(points, scalars);
    let bucket_adds = stats[2];
    if bucket_adds != expected_bucket_adds {
        stream_errors.push(format!(
            "the core made {bucket_adds} bucket additions, the pairs have \
             {expected_bucket_adds} nonzero digits"
        ));
    }
    let rate = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    Ok(MsmRun {
        result,
        expected,
        stream_errors,
        n: points.len(),
        window: cfg.window,
        windows: nw,
        buckets_per_window: cfg.buckets(),
        adder_latency: latency,
        tiles: core.manifest.tiles,
        cycles: stats[0],
        accum_cycles: stats[1],
        bucket_adds,
        expected_bucket_adds,
        hazard_stalls: stats[3],
        wait_cycles: stats[4],
        total_adds: stats[5],
        adder_utilization: rate(bucket_adds, stats[1]),
        overall_utilization: rate(stats[5], stats[0]),
        cycle_bound: cfg.cycle_estimate(points.len(), latency) as u64,
        simulated_cycles: m.cycles(),
        wall_s,
        build: Some(report),
    })
}
