//! Driver for `msm`: maps (point, scalar) pairs to input rows for the generic valid/ready
//! driver ([`crate::driver`]: random idle cycles on the input, random backpressure on the
//! output), takes the projective result (or the buckets, with host aggregation), converts it to
//! affine and compares it with arkworks' MSM.
//!
//! Checks besides the result:
//! - the bucket additions the core reports equal the nonzero signed digits of the pairs that
//!   contribute (nothing lost, nothing added twice);
//! - the result does not change while `out_valid` waits for `out_ready`;
//! - a watchdog fails the run with the core's state if nothing moves for too long (no pair
//!   taken, no addition issued, no change of phase).

use crate::driver::{End, Pattern, Simulator, Stream, Watch};
use crate::harness::{BuildReport, PortId, SimError};
use crate::run::{design_of, progress_bar, Backend, Session, SimOptions};
use num_bigint::BigUint;
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
const STATE_NAMES: [&str; 8] = [
    "clearing buckets",
    "accumulating",
    "draining the adder",
    "aggregating",
    "combining windows",
    "result waiting",
    "handing buckets to the host",
    "waiting for the total of the lane above",
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
    /// Point adders (lanes) in the core.
    pub adders: usize,
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
    /// Bucket additions per accumulation cycle and adder.
    pub adder_utilization: f64,
    /// All additions per cycle and adder over the whole MSM.
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

/// The input rows as the core takes them (`in_x`, `in_y` in the Montgomery domain, `in_inf`,
/// `in_scalar`, `in_last`). An empty MSM is sent as one identity pair (the stream needs a pair
/// to carry `in_last`).
fn items(
    cfg: &MsmConfig,
    curve: &Curve,
    points: &[Affine],
    scalars: &[BigUint],
) -> Vec<Vec<BigUint>> {
    let fq = curve.base_field();
    let k = cfg.adder.r_bits();
    let zero = BigUint::default;
    let mut v: Vec<Vec<BigUint>> = points
        .iter()
        .zip(scalars)
        .map(|(p, s)| match p {
            Affine::Infinity => vec![zero(), zero(), BigUint::from(1u32), s.clone()],
            Affine::Point { x, y } => vec![
                fq.to_montgomery(x, k),
                fq.to_montgomery(y, k),
                zero(),
                s.clone(),
            ],
        })
        .collect();
    if v.is_empty() {
        v.push(vec![zero(), zero(), BigUint::from(1u32), zero()]);
    }
    let n = v.len();
    for (i, row) in v.iter_mut().enumerate() {
        row.push(BigUint::from((i + 1 == n) as u32));
    }
    v
}

const INPUTS: [&str; 5] = ["in_x", "in_y", "in_inf", "in_scalar", "in_last"];
/// Output columns: the projective coordinates, then window, bucket (0 for the MSM result) and
/// `out_last`.
const OUTPUTS: [&str; 6] = [
    "out_x",
    "out_y",
    "out_z",
    "out_window",
    "out_bucket",
    "out_last",
];
/// The statistics ports, read in this order (`stats[i]` below).
const STATS: [&str; 6] = zkhdl_hdl::msm::STAT_PORTS;

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

/// What the stream driver does not see: the statistics ports (read when the last output is
/// taken), and the additions issued and the phase (the watchdog's notion of progress).
struct Monitor {
    stats: Vec<PortId>,
    state: PortId,
    /// The statistics at each MSM's last output, and when it was taken.
    at_last: Vec<(Vec<u64>, std::time::Instant)>,
    adds: u64,
    phase: u64,
}

impl<S: Simulator + ?Sized> Watch<S> for Monitor {
    fn taken(&mut self, sim: &mut S, row: &[BigUint]) -> Result<(), SimError> {
        if row[5].bit(0) {
            let stats = self
                .stats
                .iter()
                .map(|p| sim.get_u64(*p))
                .collect::<Result<Vec<_>, _>>()?;
            self.at_last.push((stats, std::time::Instant::now()));
        }
        Ok(())
    }

    fn moved(&mut self, sim: &mut S) -> Result<bool, SimError> {
        let adds = sim.get_u64(self.stats[5])?;
        let phase = sim.get_u64(self.state)?;
        let moved = (adds, phase) != (self.adds, self.phase);
        (self.adds, self.phase) = (adds, phase);
        Ok(moved)
    }

    fn stalled(&mut self, sim: &mut S, limit: u64, taken: usize, n: usize) -> Option<SimError> {
        Some(SimError::Watchdog(format!(
            "no progress for {limit} cycles (cycle {}): core state {} ({}), {taken} of {n} \
             pairs taken, {} additions issued; a slow but live run needs a larger --watchdog, \
             a hang shows in a --trace FILE waveform",
            sim.cycles(),
            self.phase,
            STATE_NAMES.get(self.phase as usize).unwrap_or(&"unknown"),
            self.adds,
        )))
    }
}

/// One output of the core: window, bucket (0 for the MSM result) and projective coordinates
/// (Montgomery domain).
type Output = (u64, u64, Vec<BigUint>);

/// Runs several MSMs back to back on one model (one reset, one bucket clear), as one stream:
/// the pairs of every MSM in order (`in_last` on each MSM's last pair), offered as soon as the
/// core takes them. A double-buffered core takes the next MSM while the previous one is still
/// aggregating; a single-bank core holds `in_ready` low until the result has been taken.
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
    let mut session = Session::start(&design_of(core), Backend::Verilator, opts, Some(bopts))?;
    let report = session.report();
    session.reset(&core.manifest.reset)?;
    let sim = session.sim();
    let mut monitor = Monitor {
        stats: STATS
            .iter()
            .map(|n| sim.port(n))
            .collect::<Result<Vec<_>, _>>()?,
        state: sim.port("state")?,
        at_last: vec![],
        adds: u64::MAX,
        phase: u64::MAX,
    };
    let mut pattern = Pattern {
        in_idle: drive.in_idle,
        max_idle_run: None,
        out_idle: drive.out_idle,
        rng: rng_from_seed(drive.seed ^ 0x6d73_6d00),
    };
    let latency = core.manifest.latency as u64;
    let nb = (cfg.windows() * cfg.buckets() * cfg.banks()) as u64;
    let watchdog = drive.watchdog.unwrap_or(2 * nb + 16 * (latency + 4) + 1024);
    // Every MSM's rows in one stream; ends[j]: the pairs of MSMs 0..=j.
    let mut rows = vec![];
    let mut ends = vec![];
    for (points, scalars) in jobs {
        rows.extend(items(cfg, curve, points, scalars));
        ends.push(rows.len());
    }
    let n = rows.len();
    let mut stream = Stream::new(
        &INPUTS,
        rows,
        &OUTPUTS,
        End::OnFlag("out_last".into(), jobs.len()),
    );
    stream.watchdog = Some(watchdog);
    let pb = progress_bar(opts.progress && n > 2000, n as u64, "msm pairs");
    let began = std::time::Instant::now();
    let driven = crate::driver::drive(session.sim(), &stream, &mut pattern, &mut monitor, &pb);
    pb.finish_and_clear();
    if opts.trace.is_some() {
        session.finish();
    }
    let driven = driven?;
    // The outputs of MSM j: the rows up to its out_last.
    let mut groups: Vec<(Vec<Output>, usize)> = vec![];
    let mut current = vec![];
    for (i, mut r) in driven.rows.into_iter().enumerate() {
        let last = r[5].bit(0);
        let window = r[3].iter_u64_digits().next().unwrap_or(0);
        let bucket = r[4].iter_u64_digits().next().unwrap_or(0);
        r.truncate(3);
        current.push((window, bucket, r));
        if last {
            groups.push((std::mem::take(&mut current), i));
        }
    }
    let mut runs = Vec::with_capacity(jobs.len());
    let (mut prev_cycle, mut prev_time) = (0u64, began);
    for (j, (points, scalars)) in jobs.iter().enumerate() {
        let mut stream_errors = driven.stream_errors.clone();
        let (outcome, cycles, wall_s) = match groups.get(j).cloned() {
            None => {
                stream_errors.push(format!(
                    "the core gave {} results for {} MSMs",
                    groups.len(),
                    jobs.len()
                ));
                let stats = vec![0; STATS.len()];
                (
                    Outcome {
                        outputs: vec![],
                        stats,
                        stream_errors,
                    },
                    0,
                    0.0,
                )
            }
            Some((outputs, last)) => {
                let taken = driven.row_inputs[last];
                if taken < ends[j] {
                    let first = if j == 0 { 0 } else { ends[j - 1] };
                    stream_errors.push(format!(
                        "the core gave its result after taking {} of {} pairs",
                        taken.saturating_sub(first),
                        ends[j] - first
                    ));
                }
                let (stats, at) = monitor
                    .at_last
                    .get(j)
                    .cloned()
                    .expect("every MSM's last output reads the statistics");
                // Cycles up to the edge that took this result, from the previous result's.
                let cycle = driven.row_cycles[last] + 1;
                let since = (cycle - prev_cycle, (at - prev_time).as_secs_f64());
                (prev_cycle, prev_time) = (cycle, at);
                (
                    Outcome {
                        outputs,
                        stats,
                        stream_errors,
                    },
                    since.0,
                    since.1,
                )
            }
        };
        runs.push(finish(
            core,
            cfg,
            curve,
            points,
            scalars,
            outcome,
            cycles,
            wall_s,
            report.clone(),
        ));
    }
    Ok(runs)
}

/// Cycles of a batch run back to back, from the first pair taken to the last result: the
/// first MSM's own count, then every later MSM's simulated cycles (from the previous result
/// taken to its own, so the gaps between MSMs count).
pub fn batch_cycles(runs: &[MsmRun]) -> u64 {
    runs.iter()
        .enumerate()
        .map(|(i, r)| if i == 0 { r.cycles } else { r.simulated_cycles })
        .sum()
}

/// What one MSM left: its outputs, the statistics ports at the last one, handshake errors.
struct Outcome {
    outputs: Vec<Output>,
    stats: Vec<u64>,
    stream_errors: Vec<String>,
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
        match o.outputs.last() {
            Some(out) => to_affine(&out.2, "result", &mut stream_errors),
            None => Affine::Infinity,
        }
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
    let k = cfg.adders as u64;
    let rate = |a: u64, b: u64| {
        if b == 0 {
            0.0
        } else {
            a as f64 / (k * b) as f64
        }
    };
    MsmRun {
        result,
        expected,
        stream_errors,
        n: points.len(),
        window: cfg.window,
        windows: nw,
        buckets_per_window: cfg.buckets(),
        adder_latency: core.manifest.latency,
        adders: cfg.adders,
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
