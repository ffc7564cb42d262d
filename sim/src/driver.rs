//! The one stream driver and checker every core uses, on either simulator.
//!
//! A core is driven as a stream of input rows (a value per data input port) and read as a
//! stream of output rows (a value per data output port). The handshake follows from the ports:
//!
//! - `in_valid` qualifies an input row; with an `in_ready` port the row is taken only on a cycle
//!   with `in_ready` high (otherwise every cycle with `in_valid` high takes it);
//! - `out_valid` qualifies an output row; with an `out_ready` port the row is taken only on a
//!   cycle with `out_ready` high, and it must not change while it waits.
//!
//! The source holds `in_valid` low on random cycles, the sink holds `out_ready` low on random
//! cycles ([`Pattern`]); the rows are checked in order against the expected rows
//! ([`compare`]). A per-core driver only maps its values to rows and back, and says what a
//! wrong row means.
//!
//! The simulator is anything that implements [`Simulator`]: the Verilator [`Model`] and the
//! interactive Icarus Verilog run ([`crate::iverilog::Icarus`]).

use crate::harness::{Model, PortId, SimError};
use indicatif::ProgressBar;
use num_bigint::BigUint;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// A cycle-accurate simulator as the driver sees it. Inputs set between ticks are taken at the
/// next rising edge; outputs read show the state after the last [`Simulator::tick`] (or
/// [`Simulator::eval`]).
pub trait Simulator {
    fn port(&self, name: &str) -> Result<PortId, SimError>;
    /// Drives an input from little-endian `u32` words.
    fn set_words(&mut self, id: PortId, words: &[u32]) -> Result<(), SimError>;
    fn get_biguint(&mut self, id: PortId) -> Result<BigUint, SimError>;
    /// One clock cycle.
    fn tick(&mut self) -> Result<(), SimError>;
    /// Settles combinational logic after inputs changed, without a clock edge.
    fn eval(&mut self) -> Result<(), SimError>;
    /// Clock cycles so far.
    fn cycles(&self) -> u64;

    fn set_bool(&mut self, id: PortId, v: bool) -> Result<(), SimError> {
        self.set_words(id, &[v as u32])
    }

    fn get_bool(&mut self, id: PortId) -> Result<bool, SimError> {
        Ok(self.get_biguint(id)?.bit(0))
    }

    /// Reads a port as a `u64` (its low 64 bits).
    fn get_u64(&mut self, id: PortId) -> Result<u64, SimError> {
        let v = self.get_biguint(id)?;
        Ok(v.iter_u64_digits().next().unwrap_or(0))
    }

    /// Holds `reset` high for `cycles` clock cycles, then low.
    fn reset(&mut self, reset: &str, cycles: u64) -> Result<(), SimError> {
        let r = self.port(reset)?;
        self.set_bool(r, true)?;
        for _ in 0..cycles {
            self.tick()?;
        }
        self.set_bool(r, false)?;
        self.eval()
    }
}

impl Simulator for Model {
    fn port(&self, name: &str) -> Result<PortId, SimError> {
        Model::port(self, name)
    }

    fn set_words(&mut self, id: PortId, words: &[u32]) -> Result<(), SimError> {
        Model::set_words(self, id, words)
    }

    fn get_biguint(&mut self, id: PortId) -> Result<BigUint, SimError> {
        Ok(Model::get_biguint(self, id))
    }

    fn get_bool(&mut self, id: PortId) -> Result<bool, SimError> {
        Ok(Model::get_bool(self, id))
    }

    fn get_u64(&mut self, id: PortId) -> Result<u64, SimError> {
        Model::get_u64(self, id)
    }

    fn tick(&mut self) -> Result<(), SimError> {
        Model::tick(self);
        Ok(())
    }

    fn eval(&mut self) -> Result<(), SimError> {
        Model::eval(self);
        Ok(())
    }

    fn cycles(&self) -> u64 {
        Model::cycles(self)
    }

    fn reset(&mut self, reset: &str, cycles: u64) -> Result<(), SimError> {
        Model::reset(self, reset, cycles)
    }
}

/// When a stream run ends.
#[derive(Clone, Debug)]
pub enum End {
    /// This many cycles after the source has given its last row (and waited out the spacing):
    /// for a fixed-latency core, its latency and a few cycles more to catch duplicated results.
    AfterInputs(u64),
    /// This many cycles after `rows` output rows have been taken (to catch extra ones).
    AfterRows { rows: usize, cycles: u64 },
    /// On the clock edge that takes the `count`-th output row whose `port` (one of the
    /// outputs) is 1, such as the MSM's `out_last` of the last of `count` MSMs.
    OnFlag(String, usize),
}

/// A stream of input rows through a core, and which output ports form a result row.
#[derive(Clone, Debug)]
pub struct Stream {
    /// Data input ports, besides the handshake.
    pub inputs: Vec<String>,
    /// One row per input: a value for each of `inputs`.
    pub items: Vec<Vec<BigUint>>,
    /// Data output ports read into a row when one is taken.
    pub outputs: Vec<String>,
    /// Cycles from one input to the next at the fastest (a valid-only core's initiation
    /// interval; 1 for a core with `in_ready`).
    pub spacing: usize,
    pub end: End,
    /// Cycles without an input or output taken (or the core moving, as [`Watch::moved`] says)
    /// before the run stops; `None`: no limit.
    pub watchdog: Option<u64>,
}

impl Stream {
    /// A stream with the given input and output ports (names), ending as `end`.
    pub fn new(inputs: &[&str], items: Vec<Vec<BigUint>>, outputs: &[&str], end: End) -> Self {
        Stream {
            inputs: inputs.iter().map(|s| s.to_string()).collect(),
            items,
            outputs: outputs.iter().map(|s| s.to_string()).collect(),
            spacing: 1,
            end,
            watchdog: None,
        }
    }
}

/// The random handshake pattern: idle cycles of the source, stalls of the sink.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// Probability that the source holds `in_valid` low on a cycle it could offer a row.
    pub in_idle: f64,
    /// At most this many idle cycles in a row before a row is offered; `None`: no limit.
    pub max_idle_run: Option<u64>,
    /// Probability that the sink holds `out_ready` low on a cycle (cores with `out_ready`).
    pub out_idle: f64,
    pub rng: ChaCha8Rng,
}

impl Pattern {
    /// No idle cycles, no stalls.
    pub fn steady() -> Self {
        Pattern {
            in_idle: 0.0,
            max_idle_run: None,
            out_idle: 0.0,
            rng: zkhdl_golden::vectors::rng_from_seed(0),
        }
    }

    fn draw(&mut self, p: f64) -> bool {
        p > 0.0 && self.rng.gen_bool(p.clamp(0.0, 0.95))
    }
}

/// What a stream run observes besides the rows; the MSM reads its statistics and state here.
/// Every method has a default that does nothing.
pub trait Watch<S: Simulator + ?Sized> {
    /// An output row is being taken (before the clock edge that takes it).
    fn taken(&mut self, _sim: &mut S, _row: &[BigUint]) -> Result<(), SimError> {
        Ok(())
    }

    /// After each clock edge: whether the core made progress the handshakes do not show.
    fn moved(&mut self, _sim: &mut S) -> Result<bool, SimError> {
        Ok(false)
    }

    /// The watchdog ran out after `limit` cycles, with `taken` of `n` inputs taken: the error to
    /// stop with, or `None` to end the run (missing rows then show in [`compare`]).
    fn stalled(&mut self, _sim: &mut S, _limit: u64, _taken: usize, _n: usize) -> Option<SimError> {
        None
    }
}

/// A [`Watch`] that watches nothing.
pub struct NoWatch;

impl<S: Simulator + ?Sized> Watch<S> for NoWatch {}

/// What came out of a stream run.
#[derive(Clone, Debug, Default)]
pub struct Driven {
    /// One row per output taken, in order.
    pub rows: Vec<Vec<BigUint>>,
    /// The cycle (counted from the start of the run) each row was taken at.
    pub row_cycles: Vec<u64>,
    /// Input rows the core had taken before each output row was taken.
    pub row_inputs: Vec<usize>,
    /// Input rows the core took.
    pub inputs_taken: usize,
    /// Cycles a row was offered and the core held `in_ready` low (backpressure on the input).
    pub input_stalls: u64,
    /// Cycles a result waited with `out_valid` high for `out_ready` (backpressure on the output).
    pub output_stalls: u64,
    /// Handshake errors: an output that changed while it waited, a run the watchdog ended.
    pub stream_errors: Vec<String>,
    /// Cycles of the run.
    pub cycles: u64,
    /// Seconds spent simulating.
    pub wall_s: f64,
}

/// Drives `s` through `sim` (already reset) with handshake pattern `pat`, until `s.end`.
pub fn drive<S: Simulator + ?Sized>(
    sim: &mut S,
    s: &Stream,
    pat: &mut Pattern,
    watch: &mut dyn Watch<S>,
    pb: &ProgressBar,
) -> Result<Driven, SimError> {
    let in_valid = sim.port("in_valid")?;
    let in_ready = sim.port("in_ready").ok();
    let out_valid = sim.port("out_valid")?;
    let out_ready = sim.port("out_ready").ok();
    let ins = s
        .inputs
        .iter()
        .map(|n| sim.port(n))
        .collect::<Result<Vec<_>, _>>()?;
    let outs = s
        .outputs
        .iter()
        .map(|n| sim.port(n))
        .collect::<Result<Vec<_>, _>>()?;
    let flag = match &s.end {
        End::OnFlag(name, _) => {
            Some(s.outputs.iter().position(|o| o == name).ok_or_else(|| {
                SimError::Config(format!("the end flag {name} is not one of the outputs"))
            })?)
        }
        _ => None,
    };
    // Rows as words once, so the loop measures the simulator, not bignum conversion.
    let words: Vec<Vec<Vec<u32>>> = s
        .items
        .iter()
        .map(|row| row.iter().map(|v| v.to_u32_digits()).collect())
        .collect();
    let n = words.len();
    let start = sim.cycles();
    let t = std::time::Instant::now();
    let mut out = Driven::default();
    let (mut next, mut offering, mut idle_run, mut cooldown) = (0usize, false, 0u64, 0usize);
    let mut held: Option<Vec<BigUint>> = None;
    let mut flags_seen = 0usize;
    let mut last_progress = start;
    // The cycle the end condition started counting from.
    let mut counting_from: Option<u64> = None;
    loop {
        let c = sim.cycles();
        if let End::AfterInputs(_) = s.end {
            if counting_from.is_none() && next == n && cooldown == 0 {
                counting_from = Some(c);
            }
        }
        // The source.
        if cooldown > 0 {
            cooldown -= 1;
        } else if next < n && !offering {
            let idle = can_idle(pat, idle_run) && pat.draw(pat.in_idle);
            if idle {
                idle_run += 1;
            } else {
                idle_run = 0;
                offering = true;
                for (p, w) in ins.iter().zip(&words[next]) {
                    sim.set_words(*p, w)?;
                }
            }
        }
        sim.set_bool(in_valid, offering)?;
        // The sink.
        let ready = match out_ready {
            Some(p) => {
                let r = !pat.draw(pat.out_idle);
                sim.set_bool(p, r)?;
                r
            }
            None => true,
        };
        let accepted = offering
            && match in_ready {
                Some(p) => sim.get_bool(p)?,
                None => true,
            };
        out.input_stalls += (offering && !accepted) as u64;
        let mut stop = false;
        if sim.get_bool(out_valid)? {
            let now = outs
                .iter()
                .map(|p| sim.get_biguint(*p))
                .collect::<Result<Vec<_>, _>>()?;
            if out_ready.is_some() {
                match &held {
                    Some(h) if *h != now => out
                        .stream_errors
                        .push("an output changed while out_valid waited for out_ready".into()),
                    Some(_) => {}
                    None => held = Some(now.clone()),
                }
            }
            out.output_stalls += !ready as u64;
            if ready {
                held = None;
                watch.taken(sim, &now)?;
                if flag.is_some_and(|k| now[k] == BigUint::from(1u32)) {
                    flags_seen += 1;
                    stop = matches!(s.end, End::OnFlag(_, count) if flags_seen >= count);
                }
                out.rows.push(now);
                out.row_cycles.push(c - start);
                out.row_inputs.push(next);
                last_progress = c;
            }
        }
        match s.end {
            End::AfterInputs(k) => {
                if counting_from.is_some_and(|f| c >= f + k) {
                    break;
                }
            }
            End::AfterRows { rows, cycles } => {
                if counting_from.is_none() && out.rows.len() >= rows {
                    counting_from = Some(c);
                }
                if counting_from.is_some_and(|f| c >= f + cycles) {
                    break;
                }
            }
            End::OnFlag(..) => {}
        }
        sim.tick()?;
        if accepted {
            next += 1;
            offering = false;
            cooldown = s.spacing.max(1) - 1;
            last_progress = sim.cycles();
            if next.is_multiple_of(256) {
                pb.set_position(next as u64);
            }
        }
        if stop {
            break;
        }
        if watch.moved(sim)? {
            last_progress = sim.cycles();
        }
        if let Some(limit) = s.watchdog {
            if sim.cycles() - last_progress > limit {
                if let Some(e) = watch.stalled(sim, limit, next, n) {
                    return Err(e);
                }
                out.stream_errors.push(format!(
                    "no progress for {limit} cycles (cycle {}): {next} of {n} inputs taken, {} \
                     results out",
                    sim.cycles() - start,
                    out.rows.len()
                ));
                break;
            }
        }
    }
    out.inputs_taken = next;
    out.cycles = sim.cycles() - start;
    out.wall_s = t.elapsed().as_secs_f64();
    Ok(out)
}

/// Whether the source may stay idle once more.
fn can_idle(pat: &Pattern, idle_run: u64) -> bool {
    pat.max_idle_run.is_none_or(|m| idle_run < m)
}

/// The generic check: one result row per input, in order, each equal to its expected row.
#[derive(Clone, Debug, Default)]
pub struct Compared {
    /// Lost or extra rows.
    pub stream_errors: Vec<String>,
    /// Indices of the rows that differ from the expected ones.
    pub wrong: Vec<usize>,
}

impl Compared {
    /// Whether row `i` differs from its expected row.
    pub fn is_wrong(&self, i: usize) -> bool {
        self.wrong.binary_search(&i).is_ok()
    }
}

/// Compares the rows taken with `expected` (one per input, in order).
pub fn compare(expected: &[Vec<BigUint>], out: &Driven) -> Compared {
    let mut c = Compared::default();
    if out.rows.len() != expected.len() {
        c.stream_errors.push(format!(
            "expected {} results (one per accepted input), got {}",
            expected.len(),
            out.rows.len()
        ));
    }
    c.wrong = out
        .rows
        .iter()
        .zip(expected)
        .enumerate()
        .filter(|(_, (got, want))| got != want)
        .map(|(i, _)| i)
        .collect();
    c
}
