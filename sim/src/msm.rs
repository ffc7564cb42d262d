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

use crate::harness::{build, BuildReport, Model, PortId, SimError};
use crate::run::{design_of, progress_bar, SimOptions, RESET_CYCLES};
use num_bigint::BigUint;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use zkhdl_golden::pippenger::signed_digits;
use zkhdl_golden::vectors::rng_from_seed;
use zkhdl_golden::{Affine, Curve};
use zkhdl_hdl::msm::MsmConfig;
use zkhdl_hdl::Core;
use zkhdl_hdl::GeneratedCore;

/// Hierarchy levels a `--trace` of the MSM records: the MSM controller and the point adder's
/// schedule, not the multipliers' tiles (tracing those makes the build take many minutes).
pub const TRACE_DEPTH: usize = 2;

/// The phases behind the core's `state` port, for messages.
const STATE_NAMES: [&str; 7] = [
    "clearing buckets",
    "accumulating",
    "draining the adder",
    "aggregating",
    "combining windows",
    "result waiting",
    "handing buckets to the host",
];

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
    let adder = crate::point_add::config_for(curve);
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
    let core = cfg
        .generate()
        .map_err(|e| SimError::Config(e.to_string()))?;
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
    let jobs = [(points.to_vec(), scalars.to_vec())];
    Ok(simulate_batch(core, cfg, curve, &jobs, opts, drive)?
        .pop()
        .expect("one run per job"))
}

/// The ports the driver uses.
struct Ports {
    in_valid: PortId,
    in_ready: PortId,
    in_x: PortId,
    in_y: PortId,
    in_inf: PortId,
    in_scalar: PortId,
    in_last: PortId,
    out_valid: PortId,
    out_ready: PortId,
    out: [PortId; 3],
    out_last: PortId,
    out_window: PortId,
    out_bucket: PortId,
    stats: Vec<PortId>,
    state: PortId,
}

impl Ports {
    fn of(m: &Model) -> Result<Self, SimError> {
        let stats = [
            "stat_cycles",
            "stat_accum_cycles",
            "stat_bucket_adds",
            "stat_hazards",
            "stat_stalls",
            "stat_adds",
        ]
        .iter()
        .map(|n| m.port(n))
        .collect::<Result<Vec<_>, _>>()?;
        Ok(Ports {
            in_valid: m.port("in_valid")?,
            in_ready: m.port("in_ready")?,
            in_x: m.port("in_x")?,
            in_y: m.port("in_y")?,
            in_inf: m.port("in_inf")?,
            in_scalar: m.port("in_scalar")?,
            in_last: m.port("in_last")?,
            out_valid: m.port("out_valid")?,
            out_ready: m.port("out_ready")?,
            out: [m.port("out_x")?, m.port("out_y")?, m.port("out_z")?],
            out_last: m.port("out_last")?,
            out_window: m.port("out_window")?,
            out_bucket: m.port("out_bucket")?,
            stats,
            state: m.port("state")?,
        })
    }
}

/// One output of the core: window, bucket (0 for the MSM result) and projective coordinates
/// (Montgomery domain).
type Output = (u64, u64, Vec<BigUint>);

/// Runs several MSMs back to back on one model (one reset, one bucket clear): the core must
/// take the next MSM as soon as the previous result has been taken.
pub fn simulate_batch(
    core: &GeneratedCore,
    cfg: &MsmConfig,
    curve: &Curve,
    jobs: &[(Vec<Affine>, Vec<BigUint>)],
    opts: &SimOptions,
    drive: &Drive,
) -> Result<Vec<MsmRun>, SimError> {
    for (points, scalars) in jobs {
        if points.len() != scalars.len() {
            return Err(SimError::Config(format!(
                "{} points but {} scalars",
                points.len(),
                scalars.len()
            )));
        }
    }
    let mut bopts = opts.build_options();
    if bopts.trace.is_some() && bopts.trace_depth.is_none() {
        // The controller and the adder's pipeline, not the 5,000 tiles below them.
        bopts.trace_depth = Some(TRACE_DEPTH);
    }
    let (mut m, report) = build(&design_of(core), &bopts)?;
    if let Some(t) = &opts.trace {
        m.trace_on(t)?;
    }
    let ports = Ports::of(&m)?;
    m.set_bool(ports.in_valid, false)?;
    m.set_bool(ports.out_ready, false)?;
    m.reset(&core.manifest.reset, RESET_CYCLES)?;
    let mut rng = rng_from_seed(drive.seed ^ 0x6d73_6d00);
    let mut runs = Vec::with_capacity(jobs.len());
    for (points, scalars) in jobs {
        let start = m.cycles();
        let t = std::time::Instant::now();
        let outcome = drive_one(
            &mut m, &ports, core, cfg, curve, points, scalars, opts, drive, &mut rng,
        );
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) => {
                if opts.trace.is_some() {
                    m.trace_off();
                }
                return Err(e);
            }
        };
        let wall_s = t.elapsed().as_secs_f64();
        runs.push(finish(
            core,
            cfg,
            curve,
            points,
            scalars,
            outcome,
            m.cycles() - start,
            wall_s,
            Some(report.clone()),
        ));
    }
    if opts.trace.is_some() {
        m.trace_off();
    }
    Ok(runs)
}

/// What one MSM left: its outputs, the statistics ports at the last one, handshake errors.
struct Outcome {
    outputs: Vec<Output>,
    stats: Vec<u64>,
    stream_errors: Vec<String>,
}

#[allow(clippy::too_many_arguments)]
fn drive_one(
    m: &mut Model,
    ports: &Ports,
    core: &GeneratedCore,
    cfg: &MsmConfig,
    curve: &Curve,
    points: &[Affine],
    scalars: &[BigUint],
    opts: &SimOptions,
    drive: &Drive,
    rng: &mut ChaCha8Rng,
) -> Result<Outcome, SimError> {
    let latency = core.manifest.latency as u64;
    let nb = (cfg.windows() * cfg.buckets()) as u64;
    let watchdog = drive.watchdog.unwrap_or(2 * nb + 16 * (latency + 4) + 1024);
    let items = items(cfg, curve, points, scalars);
    let n = items.len();
    let pb = progress_bar(opts.progress && n > 2000, n as u64, "msm pairs");
    let mut next = 0usize;
    let mut offering = false;
    let mut held: Option<Vec<BigUint>> = None;
    let mut stream_errors = vec![];
    let mut outputs = vec![];
    let mut last_progress = m.cycles();
    let mut last_adds = u64::MAX;
    let mut last_state = u64::MAX;
    let stats = loop {
        if next < n && !offering {
            offering = !(drive.in_idle > 0.0 && rng.gen_bool(drive.in_idle.clamp(0.0, 0.95)));
            if offering {
                let it = &items[next];
                m.set_words(ports.in_x, &it.x)?;
                m.set_words(ports.in_y, &it.y)?;
                m.set_bool(ports.in_inf, it.inf)?;
                m.set_words(ports.in_scalar, &it.scalar)?;
                m.set_bool(ports.in_last, next + 1 == n)?;
            }
        }
        m.set_bool(ports.in_valid, offering)?;
        let ready = !(drive.out_idle > 0.0 && rng.gen_bool(drive.out_idle.clamp(0.0, 0.95)));
        m.set_bool(ports.out_ready, ready)?;
        let accepted = offering && m.get_bool(ports.in_ready);
        let mut done = None;
        if m.get_bool(ports.out_valid) {
            let now: Vec<BigUint> = ports.out.iter().map(|p| m.get_biguint(*p)).collect();
            match &held {
                Some(h) if *h != now => stream_errors
                    .push("an output changed while out_valid waited for out_ready".into()),
                Some(_) => {}
                None => held = Some(now.clone()),
            }
            if ready {
                held = None;
                let window = m.get_u64(ports.out_window)?;
                let bucket = m.get_u64(ports.out_bucket)?;
                outputs.push((window, bucket, now));
                last_progress = m.cycles();
                if m.get_bool(ports.out_last) {
                    done = Some(
                        ports
                            .stats
                            .iter()
                            .map(|p| m.get_u64(*p))
                            .collect::<Result<Vec<_>, _>>()?,
                    );
                }
            }
        }
        m.tick();
        if accepted {
            next += 1;
            offering = false;
            last_progress = m.cycles();
            if next.is_multiple_of(256) {
                pb.set_position(next as u64);
            }
        }
        if let Some(stats) = done {
            break stats;
        }
        let adds = m.get_u64(ports.stats[5])?;
        let st = m.get_u64(ports.state)?;
        if adds != last_adds || st != last_state {
            last_adds = adds;
            last_state = st;
            last_progress = m.cycles();
        }
        if m.cycles() - last_progress > watchdog {
            pb.finish_and_clear();
            return Err(SimError::Watchdog(format!(
                "no progress for {watchdog} cycles (cycle {}): core state {st} ({}), {next} of \
                 {n} pairs taken, {adds} additions issued; a slow but live run needs a larger \
                 --watchdog, a hang shows in a --trace FILE waveform",
                m.cycles(),
                STATE_NAMES.get(st as usize).unwrap_or(&"unknown")
            )));
        }
    };
    pb.finish_and_clear();
    if next != n {
        stream_errors.push(format!(
            "the core gave its result after taking {next} of {n} pairs"
        ));
    }
    Ok(Outcome {
        outputs,
        stats,
        stream_errors,
    })
}

/// Converts the outputs to the result (aggregating host-side buckets with arkworks) and
/// checks it.
#[allow(clippy::too_many_arguments)]
fn finish(
    core: &GeneratedCore,
    cfg: &MsmConfig,
    curve: &Curve,
    points: &[Affine],
    scalars: &[BigUint],
    o: Outcome,
    simulated_cycles: u64,
    wall_s: f64,
    build: Option<BuildReport>,
) -> MsmRun {
    let fq = curve.base_field();
    let fr = curve.scalar_field();
    let k = cfg.adder.r_bits();
    let nw = cfg.windows();
    let mut stream_errors = o.stream_errors;
    let to_affine = |v: &[BigUint], what: &str, errors: &mut Vec<String>| {
        for (c, name) in v.iter().zip(["x", "y", "z"]) {
            if c >= fq.modulus() {
                errors.push(format!("{what} {name} is not reduced below p"));
            }
        }
        let c: Vec<BigUint> = v.iter().map(|x| fq.from_montgomery(x, k)).collect();
        curve.from_projective(&c[0], &c[1], &c[2])
    };
    let result = if cfg.host_aggregation {
        // sum over buckets of (j 2^(c w) mod r) B_{w,j}, by arkworks.
        let mut bases = vec![];
        let mut ks = vec![];
        for (w, j, v) in &o.outputs {
            bases.push(to_affine(
                v,
                &format!("bucket ({w}, {j})"),
                &mut stream_errors,
            ));
            ks.push((BigUint::from(*j) << (cfg.window * *w as usize)) % fr.modulus());
        }
        let expected_count = nw * cfg.buckets();
        if o.outputs.len() != expected_count {
            stream_errors.push(format!(
                "the core handed out {} buckets, expected {expected_count}",
                o.outputs.len()
            ));
        }
        curve.msm(&bases, &ks)
    } else {
        if o.outputs.len() != 1 {
            stream_errors.push(format!("{} results instead of one", o.outputs.len()));
        }
        to_affine(
            &o.outputs[o.outputs.len() - 1].2,
            "result",
            &mut stream_errors,
        )
    };
    let expected = curve.msm(points, scalars);
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
    let stats = o.stats;
    let bucket_adds = stats[2];
    if bucket_adds != expected_bucket_adds {
        stream_errors.push(format!(
            "the core made {bucket_adds} bucket additions, the pairs have \
             {expected_bucket_adds} nonzero digits"
        ));
    }
    let rate = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    MsmRun {
        result,
        expected,
        stream_errors,
        n: points.len(),
        window: cfg.window,
        windows: nw,
        buckets_per_window: cfg.buckets(),
        adder_latency: core.manifest.latency,
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
        cycle_bound: cfg.cycle_estimate(points.len(), core.manifest.latency) as u64,
        simulated_cycles,
        wall_s,
        build,
    }
}
