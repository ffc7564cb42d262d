//! The four-step NTT: a transform of N = 2^K points computed with the hardware `ntt` core of
//! about sqrt(N) points, the twiddle multiply on the hardware `modmul` core, and the transposes
//! through an external memory that this driver models ([`WordMemory`]).
//!
//! Split. K = K1 + K2 with K1 = ceil(K / 2) and K2 = floor(K / 2), N1 = 2^K1, N2 = 2^K2. Input
//! index j = j1 + N1 j2, output index k = k2 + N2 k1 (j1, k1 < N1; j2, k2 < N2). With `w` the
//! primitive N-th root of the transform (arkworks' `group_gen` for 2^K):
//!
//! `X[k2 + N2 k1] = sum_j1 (w^N2)^(j1 k1) * w^(j1 k2) * sum_j2 (w^N1)^(j2 k2) x[j1 + N1 j2]`
//!
//! 1. Pass 1 (columns): for each j1, the N2 values `x[j1 + N1 j2]` (stride N1 in memory) go
//!    through the `ntt` core of 2^K2 points with root `w^N1`, back to back.
//! 2. Twiddle pass: each result `Y[j1][k2]` is multiplied by `w^(j1 k2)` on the generated
//!    `modmul` core (Montgomery: the twiddle enters as `w^(j1 k2) R mod p`, as a twiddle ROM or
//!    generator would hold it, so the product is the plain value `Y w^(j1 k2)`). In hardware
//!    these multipliers sit on the core's output lanes (P of them, one per lane), so the pass
//!    costs no memory traffic and adds only the multiplier's latency; the simulation streams
//!    every product through one instance of that multiplier. The results are written to a
//!    scratch region at `k2 N1 + j1` (the transpose).
//! 3. Pass 2 (rows): for each k2, the N1 contiguous scratch words go through the `ntt` core of
//!    2^K1 points with root `w^N2`; result k1 is written to `k2 + N2 k1` (stride N2).
//!
//! For odd K the two passes use two core sizes (2^K2 for pass 1, 2^K1 = 2^(K2 + 1) for pass 2).
//! The inverse uses inverse cores (each scales by its own 1/size, together 1/N) and the twiddles
//! `w^-(j1 k2)`. Both cores emit bit-reversed order: the memory writes absorb the permutation
//! (they are scattered by address anyway), so no core needs its 2 x size reorder buffer.
//!
//! Memory traffic: each pass reads N words and writes N words (4N in all); the host's loading
//! of the input and reading of the result are not counted. The model counts words only, not
//! DRAM bursts: pass 1 reads and both passes write with a stride, which a real design turns into
//! burst accesses with an on-chip tile buffer.
//!
//! Cycle model (stated in the JSON): each pass's core cycles are simulated (first input beat to
//! last output beat, all its transforms back to back), the twiddle multipliers add their
//! latency to pass 1, and the memory moves `words_per_cycle` words per cycle, reads and writes
//! sharing it. `cycles` adds core and memory cycles (no overlap, the conservative figure);
//! `cycles_overlapped` takes per pass the larger of the two (memory streaming alongside the
//! core).

use crate::driver::compare;
use crate::harness::{BuildOptions, SimError};
use crate::ntt::{self as sntt, NttMismatch, NttRun, NttSimOptions};
use crate::run::{fixed_latency_stream, run_stream, Backend, SimOptions};
use num_bigint::BigUint;
use serde_json::{json, Value};
use zkhdl_golden::ntt::{self as gntt, NttDirection};
use zkhdl_golden::{to_hex, Field};
use zkhdl_hdl::modmul::ModMulConfig;
use zkhdl_hdl::ntt::{Multiplier, NttConfig, OutputOrder, MAX_LANES, MAX_LOG_N as CORE_MAX_LOG_N};
use zkhdl_hdl::Core;

/// A word-addressed external memory: one field element per word. Counts the words the passes
/// read and write; the host's [`WordMemory::load`] and [`WordMemory::dump`] are not counted.
#[derive(Clone, Debug, Default)]
pub struct WordMemory {
    words: Vec<BigUint>,
    /// Words read by the passes.
    pub reads: u64,
    /// Words written by the passes.
    pub writes: u64,
}

impl WordMemory {
    /// A memory of `size` zero words.
    pub fn new(size: usize) -> Self {
        WordMemory {
            words: vec![BigUint::default(); size],
            reads: 0,
            writes: 0,
        }
    }

    pub fn read(&mut self, addr: usize) -> BigUint {
        self.reads += 1;
        self.words[addr].clone()
    }

    pub fn write(&mut self, addr: usize, v: BigUint) {
        self.writes += 1;
        self.words[addr] = v;
    }

    /// The host puts `values` at `base` (not counted).
    pub fn load(&mut self, base: usize, values: &[BigUint]) {
        self.words[base..base + values.len()].clone_from_slice(values);
    }

    /// The host reads `len` words at `base` (not counted).
    pub fn dump(&self, base: usize, len: usize) -> Vec<BigUint> {
        self.words[base..base + len].to_vec()
    }
}

/// The split of 2^K: pass 1 runs N1 transforms of 2^K2 points, pass 2 N2 transforms of 2^K1.
pub fn split(log_n: usize) -> (usize, usize) {
    (log_n.div_ceil(2), log_n / 2)
}

/// A deliberate fault for mutation tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FourStepMutant {
    #[default]
    None,
    /// The twiddle of (j1, k2) in the twiddle pass is replaced by its square.
    WrongTwiddle { j1: usize, k2: usize },
}

/// A four-step transform's shape.
#[derive(Clone, Debug)]
pub struct FourStepConfig {
    pub log_n: usize,
    /// Lanes P of both cores (at most 2^K2).
    pub lanes: usize,
    pub inverse: bool,
    /// The cores' twiddle multipliers.
    pub multiplier: Multiplier,
    /// Memory bandwidth of the cycle model, words per cycle (reads and writes together).
    pub words_per_cycle: f64,
}

impl FourStepConfig {
    /// `words_per_cycle` defaults to 2P: the memory reads P and writes P words per cycle, the
    /// rate at which a core takes and gives them.
    pub fn new(log_n: usize, lanes: usize, inverse: bool) -> Self {
        FourStepConfig {
            log_n,
            lanes,
            inverse,
            multiplier: Multiplier::Montgomery,
            words_per_cycle: 2.0 * lanes as f64,
        }
    }

    /// Checks the shape against the field; the message is one line for the command line.
    pub fn check(&self, field: &Field) -> Result<(), SimError> {
        let bad = |m: String| Err(SimError::Config(m));
        if self.log_n < 2 {
            return bad(format!(
                "--four-step needs --log-n of at least 2 (two passes of at least 2 points), got {}",
                self.log_n
            ));
        }
        gntt::check_size(field, self.log_n as u32).map_err(|e| SimError::Config(e.to_string()))?;
        let (k1, k2) = split(self.log_n);
        if k1 > CORE_MAX_LOG_N {
            return bad(format!(
                "--four-step --log-n {} needs a core of 2^{k1} points; the ntt core takes at most \
                 2^{CORE_MAX_LOG_N} (so --log-n at most {})",
                self.log_n,
                2 * CORE_MAX_LOG_N
            ));
        }
        if self.lanes == 0
            || !self.lanes.is_power_of_two()
            || self.lanes > 1 << k2
            || self.lanes > MAX_LANES
        {
            return bad(format!(
                "--lanes {} must be a power of two of at most {} (the core) and 2^{k2} (the \
                 smaller core of the four-step split of 2^{} = 2^{k1} x 2^{k2})",
                self.lanes, MAX_LANES, self.log_n
            ));
        }
        if !(self.words_per_cycle > 0.0 && self.words_per_cycle.is_finite()) {
            return bad("the memory bandwidth (words per cycle) must be positive".into());
        }
        Ok(())
    }

    /// The core of 2^log_size points whose root is `w^(N / 2^log_size)`, bit-reversed output.
    pub fn core(&self, field: &Field, log_size: usize) -> Result<NttConfig, SimError> {
        let w = gntt::root_of_unity(field, self.log_n as u32)
            .map_err(|e| SimError::Config(e.to_string()))?;
        let root = w.modpow(
            &BigUint::from(1u64 << (self.log_n - log_size)),
            field.modulus(),
        );
        let mut cfg = NttConfig::new(field.modulus().clone(), field.name(), log_size, root);
        cfg.lanes = self.lanes;
        cfg.inverse = self.inverse;
        cfg.output_order = OutputOrder::BitReversed;
        cfg.multiplier = self.multiplier;
        cfg.top = format!("zk_ntt{log_size}");
        cfg.validate()
            .map_err(|e| SimError::Config(e.to_string()))?;
        Ok(cfg)
    }

    /// The twiddle pass's multiplier: the cores' generic Montgomery multiplier.
    pub fn twiddle_multiplier(&self, field: &Field) -> Result<ModMulConfig, SimError> {
        let k = self.core(field, split(self.log_n).1)?;
        let mut m = k.modmul();
        m.top = "zk_ntt_twiddle_mul".into();
        Ok(m)
    }
}

/// One pass of the cycle model.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PassReport {
    pub pass: String,
    /// log2 of the core's size (0 for the twiddle pass).
    pub core_log_n: usize,
    pub transforms: usize,
    /// Simulated core cycles (first input beat to last output beat).
    pub core_cycles: u64,
    pub core_latency: usize,
    pub memory_words_read: u64,
    pub memory_words_written: u64,
    pub memory_cycles: u64,
    pub matches_golden: bool,
}

#[derive(Clone, Debug)]
pub struct FourStepRun {
    /// Natural-order results, one per transform.
    pub outputs: Vec<Vec<BigUint>>,
    pub mismatches: Vec<NttMismatch>,
    pub stream_errors: Vec<String>,
    pub passes: Vec<PassReport>,
    /// Latency of the twiddle multiplier, and its simulated cycles (one instance, every product).
    pub twiddle_latency: usize,
    pub twiddle_sim_cycles: u64,
    pub twiddle_tiles: usize,
    pub memory_words_read: u64,
    pub memory_words_written: u64,
    /// Cycle model: core + memory (no overlap), and with each pass's memory traffic overlapped.
    pub cycles: u64,
    pub cycles_overlapped: u64,
    pub core_cycles: u64,
    pub memory_cycles: u64,
    pub words_per_cycle: f64,
    /// Cycles simulated in Verilator (both passes and the twiddle multiplier) and wall time.
    pub simulated_cycles: u64,
    pub wall_s: f64,
    pub tiles: usize,
}

impl FourStepRun {
    pub fn matches_golden(&self) -> bool {
        self.mismatches.is_empty() && self.stream_errors.is_empty()
    }

    /// The `--json` object (the keys of `sim ntt --json` plus the four-step ones).
    pub fn json(
        &self,
        field: &Field,
        cfg: &FourStepConfig,
        inputs: &[Vec<BigUint>],
        single: bool,
    ) -> Value {
        let hex = |v: &[Vec<BigUint>]| -> Value {
            if single && v.len() == 1 {
                json!(gntt::to_hex_vec(&v[0]))
            } else {
                json!(v.iter().map(|t| gntt::to_hex_vec(t)).collect::<Vec<_>>())
            }
        };
        let (k1, k2) = split(cfg.log_n);
        let n = (1u64 << cfg.log_n) * self.outputs.len().max(1) as u64;
        let root = gntt::root_of_unity(field, cfg.log_n as u32).ok();
        json!({
            "field": field.name(),
            "modulus": to_hex(field.modulus()),
            "log_n": cfg.log_n,
            "lanes": cfg.lanes,
            "inverse": cfg.inverse,
            "output_order": "natural",
            "root_of_unity": root.as_ref().map(to_hex),
            "transforms": self.outputs.len(),
            "inputs": hex(inputs),
            "outputs": hex(&self.outputs),
            "matches_golden": self.matches_golden(),
            "four_step": true,
            "split": format!("2^{} = 2^{k1} (pass 2 core) x 2^{k2} (pass 1 core)", cfg.log_n),
            "pass1_log_n": k2,
            "pass2_log_n": k1,
            "passes": 2,
            "pass_detail": self.passes,
            "twiddle_multiplier": "modmul (pipelined Montgomery, simulated in Verilator)",
            "twiddle_latency": self.twiddle_latency,
            "twiddle_sim_cycles": self.twiddle_sim_cycles,
            "memory_words_read": self.memory_words_read,
            "memory_words_written": self.memory_words_written,
            "bandwidth_words_per_cycle": self.words_per_cycle,
            "cycle_model": "cycles = core cycles of both passes (simulated) + twiddle multiplier \
                            latency + memory cycles (words moved / bandwidth_words_per_cycle), no \
                            overlap; cycles_overlapped = per pass max(core, memory)",
            "cycles": self.cycles,
            "cycles_overlapped": self.cycles_overlapped,
            "core_cycles": self.core_cycles,
            "memory_cycles": self.memory_cycles,
            "latency": self.cycles,
            "elements_per_cycle": n as f64 / self.cycles.max(1) as f64,
            "simulated_cycles": self.simulated_cycles,
            "tiles": self.tiles,
            "wall_s": self.wall_s,
            "cycles_per_s": crate::run::rate(self.simulated_cycles, self.wall_s),
            "mismatches": self.mismatches,
            "stream_errors": self.stream_errors,
        })
    }
}

/// Options of a four-step simulation.
#[derive(Clone, Debug, Default)]
pub struct FourStepOptions {
    pub build: BuildOptions,
    /// Random idle cycles between the cores' input beats: (seed, probability).
    pub gaps: Option<(u64, f64)>,
    pub mutant: FourStepMutant,
}

/// Runs `batches` (transforms of 2^K values) through the four-step method and compares every
/// result with golden (arkworks for the presets) in natural order.
pub fn simulate(
    cfg: &FourStepConfig,
    field: &Field,
    batches: &[Vec<BigUint>],
    opts: &FourStepOptions,
) -> Result<FourStepRun, SimError> {
    cfg.check(field)?;
    for (t, b) in batches.iter().enumerate() {
        gntt::check_input(field, b, cfg.log_n as u32, &format!("batches[{t}]"))
            .map_err(|e| SimError::Config(e.to_string()))?;
    }
    let t0 = std::time::Instant::now();
    let p = field.modulus();
    let n = 1usize << cfg.log_n;
    let (k1, k2) = split(cfg.log_n);
    let (n1, n2) = (1usize << k1, 1usize << k2);
    let core1 = cfg.core(field, k2)?;
    let core2 = cfg.core(field, k1)?;
    let nopts = NttSimOptions {
        build: opts.build.clone(),
        gaps: opts.gaps,
        trace: None,
    };
    // Per transform t: input/output at t 2N, scratch at t 2N + N.
    let mut mem = WordMemory::new(2 * n * batches.len());
    for (t, b) in batches.iter().enumerate() {
        mem.load(2 * n * t, b);
    }
    let mut stream_errors = vec![];
    let note_pass = |what: &str, run: &NttRun, errs: &mut Vec<String>| {
        errs.extend(run.stream_errors.iter().map(|e| format!("{what}: {e}")));
        if let Some(m) = run.mismatches.first() {
            errs.push(format!(
                "{what}: sub-transform {} differs from golden ({} values, first at {})",
                m.transform, m.wrong_values, m.first_index
            ));
        }
    };

    // Pass 1: columns (stride N1).
    let (r0, w0) = (mem.reads, mem.writes);
    let mut cols = vec![];
    for t in 0..batches.len() {
        for j1 in 0..n1 {
            cols.push(
                (0..n2)
                    .map(|j2| mem.read(2 * n * t + j1 + n1 * j2))
                    .collect::<Vec<_>>(),
            );
        }
    }
    let run1 = sntt::simulate(&core1, field, &cols, &nopts)?;
    note_pass("pass 1", &run1, &mut stream_errors);

    // Twiddle pass on the hardware multiplier.
    let omega = gntt::root_of_unity(field, cfg.log_n as u32)
        .map_err(|e| SimError::Config(e.to_string()))?;
    let omega = if cfg.inverse {
        omega.modpow(&(p - 2u32), p)
    } else {
        omega
    };
    let mcfg = cfg.twiddle_multiplier(field)?;
    let r_bits = mcfg.r_bits();
    let mcore = mcfg
        .generate()
        .map_err(|e| SimError::Config(e.to_string()))?;
    // w^e for e < N, as a generator of twiddles would produce them.
    let mut powers = Vec::with_capacity(n);
    let mut x = BigUint::from(1u32);
    for _ in 0..n {
        powers.push(x.clone());
        x = (&x * &omega) % p;
    }
    let mut items = vec![];
    let mut expected = vec![];
    for t in 0..batches.len() {
        for j1 in 0..n1 {
            let y = run1
                .outputs
                .get(t * n1 + j1)
                .cloned()
                .unwrap_or_else(|| vec![BigUint::default(); n2]);
            for (k2, v) in y.into_iter().enumerate() {
                let mut tw = powers[(j1 * k2) % n].clone();
                if opts.mutant == (FourStepMutant::WrongTwiddle { j1, k2 }) {
                    tw = (&tw * &tw) % p;
                }
                expected.push(vec![field.mul(&v, &tw)]);
                items.push(vec![v, field.to_montgomery(&tw, r_bits)]);
            }
        }
    }
    let sopts = SimOptions {
        build: opts.build.clone(),
        ..Default::default()
    };
    let stream = fixed_latency_stream(&mcore, &["a", "b"], items, &["result"]);
    let (out, _) = run_stream(&mcore, &stream, &sopts, Backend::Verilator)?;
    let checked = compare(&expected, &out);
    stream_errors.extend(
        checked
            .stream_errors
            .iter()
            .map(|e| format!("twiddle pass: {e}")),
    );
    if let Some(i) = checked.wrong.first() {
        stream_errors.push(format!(
            "twiddle pass: {} products differ from golden, first product {i}",
            checked.wrong.len()
        ));
    }
    let mut idx = 0;
    for t in 0..batches.len() {
        for j1 in 0..n1 {
            for k2 in 0..n2 {
                let z = out.rows.get(idx).map(|r| r[0].clone()).unwrap_or_default();
                mem.write(2 * n * t + n + k2 * n1 + j1, z);
                idx += 1;
            }
        }
    }
    let (r1, w1) = (mem.reads - r0, mem.writes - w0);

    // Pass 2: rows of the scratch region (contiguous), results with stride N2.
    let mut rows = vec![];
    for t in 0..batches.len() {
        for k2 in 0..n2 {
            rows.push(
                (0..n1)
                    .map(|j1| mem.read(2 * n * t + n + k2 * n1 + j1))
                    .collect::<Vec<_>>(),
            );
        }
    }
    let run2 = sntt::simulate(&core2, field, &rows, &nopts)?;
    note_pass("pass 2", &run2, &mut stream_errors);
    for t in 0..batches.len() {
        for k2 in 0..n2 {
            let x = run2
                .outputs
                .get(t * n2 + k2)
                .cloned()
                .unwrap_or_else(|| vec![BigUint::default(); n1]);
            for (k1, v) in x.into_iter().enumerate() {
                mem.write(2 * n * t + k2 + n2 * k1, v);
            }
        }
    }
    let (r2, w2) = (mem.reads - r0 - r1, mem.writes - w0 - w1);

    // The results against golden.
    let direction = if cfg.inverse {
        NttDirection::Inverse
    } else {
        NttDirection::Forward
    };
    let mut outputs = vec![];
    let mut mismatches = vec![];
    for (t, input) in batches.iter().enumerate() {
        let got = mem.dump(2 * n * t, n);
        let want =
            gntt::ntt(field, input, direction).map_err(|e| SimError::Config(e.to_string()))?;
        let wrong: Vec<usize> = (0..n).filter(|&i| got[i] != want[i]).collect();
        if let Some(&i) = wrong.first() {
            mismatches.push(NttMismatch {
                transform: t,
                wrong_values: wrong.len(),
                first_index: i,
                expected: to_hex(&want[i]),
                got: to_hex(&got[i]),
            });
        }
        outputs.push(got);
    }

    let bw = cfg.words_per_cycle;
    let mem_cycles = |words: u64| (words as f64 / bw).ceil() as u64;
    let c1 = run1.active_cycles.unwrap_or(run1.cycles);
    let c2 = run2.active_cycles.unwrap_or(run2.cycles);
    let tl = mcore.manifest.latency;
    let (m1, m2) = (mem_cycles(r1 + w1), mem_cycles(r2 + w2));
    let core_cycles = c1 + tl as u64 + c2;
    let passes = vec![
        PassReport {
            pass: "1 (columns, with the twiddle multiply)".into(),
            core_log_n: k2,
            transforms: cols.len(),
            core_cycles: c1 + tl as u64,
            core_latency: run1.latency + tl,
            memory_words_read: r1,
            memory_words_written: w1,
            memory_cycles: m1,
            matches_golden: run1.matches_golden() && checked.wrong.is_empty(),
        },
        PassReport {
            pass: "2 (rows)".into(),
            core_log_n: k1,
            transforms: rows.len(),
            core_cycles: c2,
            core_latency: run2.latency,
            memory_words_read: r2,
            memory_words_written: w2,
            memory_cycles: m2,
            matches_golden: run2.matches_golden(),
        },
    ];
    Ok(FourStepRun {
        outputs,
        mismatches,
        stream_errors,
        twiddle_latency: tl,
        twiddle_sim_cycles: out.cycles,
        twiddle_tiles: mcore.manifest.tiles,
        memory_words_read: mem.reads,
        memory_words_written: mem.writes,
        cycles: core_cycles + m1 + m2,
        cycles_overlapped: (c1 + tl as u64).max(m1) + c2.max(m2),
        core_cycles,
        memory_cycles: m1 + m2,
        words_per_cycle: bw,
        simulated_cycles: run1.cycles + out.cycles + run2.cycles,
        wall_s: t0.elapsed().as_secs_f64(),
        tiles: run1.tiles + run2.tiles + cfg.lanes * mcore.manifest.tiles,
        passes,
    })
}
