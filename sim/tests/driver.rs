//! The generic stream driver and checker on two hand-written cores, on both simulators:
//!
//! - a valid/ready FIFO that computes `3x + 1` and numbers its results: random idle inputs and
//!   random output stalls lose and duplicate nothing, backpressure really happens on both
//!   sides, Verilator and Icarus see the same rows on the same cycles; and four broken variants
//!   (pops while stalled, ignores full, changes a waiting output, wrong at one value) are caught;
//! - a valid-only pipeline of latency 2: random gaps, and a variant that repeats every result.

mod common;

use common::{quiet, test_seed};
use num_bigint::BigUint;
use zkhdl_golden::vectors::rng_from_seed;
use zkhdl_sim::driver::{compare, Compared, Driven, End, Pattern, Stream};
use zkhdl_sim::run::{run_design, Backend};
use zkhdl_sim::{Design, PortSpec};

/// The valid/ready core; `bug` picks a broken variant.
fn fifo_verilog(bug: &str) -> String {
    let pop = if bug == "pop" {
        "out_valid"
    } else {
        "out_valid && out_ready"
    };
    let ready = if bug == "full" {
        "1'b1"
    } else {
        "count != 3'd4"
    };
    let data = if bug == "hold" {
        "mem[rd] ^ {15'd0, flip}"
    } else {
        "mem[rd]"
    };
    let f = if bug == "math" {
        "in_data == 16'hffff ? 16'd7 : in_data * 16'd3 + 16'd1"
    } else {
        "in_data * 16'd3 + 16'd1"
    };
    format!(
        "module zk_vr(
    input wire clock,
    input wire reset,
    input wire in_valid,
    output wire in_ready,
    input wire [15:0] in_data,
    output wire out_valid,
    input wire out_ready,
    output wire [15:0] out_data,
    output wire [7:0] out_seq
);
    reg [15:0] mem [0:3];
    reg [2:0] count;
    reg [1:0] rd;
    reg [1:0] wr;
    reg [7:0] seq;
    reg flip;
    wire push = in_valid && in_ready;
    wire pop = {pop};
    assign in_ready = {ready};
    assign out_valid = count != 3'd0;
    assign out_data = {data};
    assign out_seq = seq;
    always @(posedge clock) begin
        if (reset) begin
            count <= 3'd0;
            rd <= 2'd0;
            wr <= 2'd0;
            seq <= 8'd0;
            flip <= 1'b0;
        end else begin
            if (push) begin
                mem[wr] <= {f};
                wr <= wr + 2'd1;
            end
            if (pop) begin
                rd <= rd + 2'd1;
                seq <= seq + 8'd1;
            end
            count <= count + {{2'd0, push}} - {{2'd0, pop}};
            flip <= out_valid && !out_ready ? !flip : 1'b0;
        end
    end
endmodule
"
    )
}

/// The valid-only core: `out = in ^ 16'h5a5a`, two cycles later; `bug` "repeat" holds
/// `out_valid` one cycle longer.
fn pipe_verilog(bug: &str) -> String {
    let repeat = if bug == "repeat" { "1'b1" } else { "1'b0" };
    format!(
        "module zk_pipe(
    input wire clock,
    input wire reset,
    input wire in_valid,
    input wire [15:0] a,
    output wire out_valid,
    output wire [15:0] result
);
    reg v1;
    reg v2;
    reg v3;
    reg [15:0] d1;
    reg [15:0] d2;
    assign out_valid = v2 || ({repeat} && v3);
    assign result = d2;
    always @(posedge clock) begin
        if (reset) begin
            v1 <= 1'b0;
            v2 <= 1'b0;
            v3 <= 1'b0;
        end else begin
            v1 <= in_valid;
            v2 <= v1;
            v3 <= v2;
        end
        d1 <= a ^ 16'h5a5a;
        d2 <= d1;
    end
endmodule
"
    )
}

fn fifo_design(bug: &str) -> Design {
    Design {
        top: "zk_vr".into(),
        sources: vec![("zk_vr.v".into(), fifo_verilog(bug))],
        ports: vec![
            PortSpec::input("clock", 1, ""),
            PortSpec::input("reset", 1, ""),
            PortSpec::input("in_valid", 1, ""),
            PortSpec::output("in_ready", 1, ""),
            PortSpec::input("in_data", 16, ""),
            PortSpec::output("out_valid", 1, ""),
            PortSpec::input("out_ready", 1, ""),
            PortSpec::output("out_data", 16, ""),
            PortSpec::output("out_seq", 8, ""),
        ],
        clock: "clock".into(),
    }
}

fn pipe_design(bug: &str) -> Design {
    Design {
        top: "zk_pipe".into(),
        sources: vec![("zk_pipe.v".into(), pipe_verilog(bug))],
        ports: vec![
            PortSpec::input("clock", 1, ""),
            PortSpec::input("reset", 1, ""),
            PortSpec::input("in_valid", 1, ""),
            PortSpec::input("a", 16, ""),
            PortSpec::output("out_valid", 1, ""),
            PortSpec::output("result", 16, ""),
        ],
        clock: "clock".into(),
    }
}

/// Random 16-bit inputs with the edge values 0 and 0xffff among them.
fn inputs(n: usize, seed: u64) -> Vec<u64> {
    let mut rng = rng_from_seed(seed);
    let mut v: Vec<u64> = (0..n)
        .map(|_| rand::Rng::gen_range(&mut rng, 0..1u64 << 16))
        .collect();
    v[n / 3] = 0xffff;
    v[n / 2] = 0;
    v
}

/// The FIFO's stream: rows `in_data`; expected `(3x + 1) mod 2^16` and the result's number.
fn fifo_stream(xs: &[u64]) -> (Stream, Vec<Vec<BigUint>>) {
    let items = xs.iter().map(|x| vec![BigUint::from(*x)]).collect();
    let expected = xs
        .iter()
        .enumerate()
        .map(|(i, x)| {
            vec![
                BigUint::from((3 * x + 1) & 0xffff),
                BigUint::from(i as u64 & 0xff),
            ]
        })
        .collect();
    let mut s = Stream::new(
        &["in_data"],
        items,
        &["out_data", "out_seq"],
        End::AfterRows {
            rows: xs.len(),
            cycles: 20,
        },
    );
    s.watchdog = Some(200);
    (s, expected)
}

fn pattern(in_idle: f64, out_idle: f64, seed: u64) -> Pattern {
    Pattern {
        in_idle,
        max_idle_run: None,
        out_idle,
        rng: rng_from_seed(seed),
    }
}

fn run_fifo(bug: &str, xs: &[u64], pat: &mut Pattern, backend: Backend) -> (Driven, Compared) {
    let (s, expected) = fifo_stream(xs);
    let (out, _) = run_design(
        &fifo_design(bug),
        "reset",
        &s,
        pat,
        backend,
        &quiet(),
        "fifo",
    )
    .unwrap_or_else(|e| panic!("{bug}: {e}"));
    let c = compare(&expected, &out);
    (out, c)
}

#[test]
fn valid_ready_random_stalls_lose_nothing() {
    let seed = test_seed("valid_ready_random_stalls_lose_nothing");
    for (k, (in_idle, out_idle)) in [(0.0, 0.0), (0.3, 0.6), (0.0, 0.9), (0.8, 0.2)]
        .into_iter()
        .enumerate()
    {
        let xs = inputs(600, seed + k as u64);
        let (out, c) = run_fifo(
            "",
            &xs,
            &mut pattern(in_idle, out_idle, seed + k as u64),
            Backend::Verilator,
        );
        let what = format!("seed {seed} idle {in_idle}/{out_idle}");
        assert!(
            c.stream_errors.is_empty() && c.wrong.is_empty() && out.stream_errors.is_empty(),
            "{what}: {:?} {:?} {:?}",
            c.stream_errors,
            out.stream_errors,
            &c.wrong[..c.wrong.len().min(5)]
        );
        assert_eq!(out.inputs_taken, xs.len(), "{what}");
        assert_eq!(out.rows.len(), xs.len(), "{what}");
        // Row cycles strictly increase (one row per cycle at most).
        assert!(out.row_cycles.windows(2).all(|w| w[0] < w[1]), "{what}");
        if out_idle >= 0.6 {
            // A full FIFO held in_ready low, and results waited.
            assert!(out.input_stalls > 0, "{what}: no input backpressure");
            assert!(out.output_stalls > 0, "{what}: no output stalls");
        }
        if (in_idle, out_idle) == (0.0, 0.0) {
            // Nothing idle: one row in and one out per cycle.
            assert_eq!(out.input_stalls + out.output_stalls, 0, "{what}");
            assert!(out.cycles <= xs.len() as u64 + 25, "{what}: {}", out.cycles);
        }
    }
}

#[test]
fn icarus_and_verilator_see_the_same_stream() {
    let seed = test_seed("icarus_and_verilator_see_the_same_stream");
    let xs = inputs(120, seed);
    let (v, vc) = run_fifo("", &xs, &mut pattern(0.3, 0.5, seed), Backend::Verilator);
    let (i, ic) = run_fifo("", &xs, &mut pattern(0.3, 0.5, seed), Backend::Icarus);
    assert!(
        vc.wrong.is_empty() && vc.stream_errors.is_empty(),
        "seed {seed}"
    );
    assert!(
        ic.wrong.is_empty() && ic.stream_errors.is_empty(),
        "seed {seed}"
    );
    assert_eq!(v.rows, i.rows, "seed {seed}");
    assert_eq!(v.row_cycles, i.row_cycles, "seed {seed}");
    assert_eq!(v.cycles, i.cycles, "seed {seed}");
    assert_eq!(
        (v.input_stalls, v.output_stalls),
        (i.input_stalls, i.output_stalls)
    );
    // The broken FIFO fails on Icarus too.
    let (_, c) = run_fifo("pop", &xs, &mut pattern(0.3, 0.5, seed), Backend::Icarus);
    assert!(
        !c.stream_errors.is_empty() || !c.wrong.is_empty(),
        "seed {seed}"
    );
}

#[test]
fn broken_valid_ready_cores_are_caught() {
    let seed = test_seed("broken_valid_ready_cores_are_caught");
    let xs = inputs(300, seed);
    // Pops a result the sink did not take: results go missing.
    let (out, c) = run_fifo("pop", &xs, &mut pattern(0.2, 0.5, seed), Backend::Verilator);
    assert!(
        out.rows.len() < xs.len() && !c.stream_errors.is_empty(),
        "seed {seed}: {} rows, {:?}",
        out.rows.len(),
        c.stream_errors
    );
    // Takes inputs while full: results are overwritten.
    let (_, c) = run_fifo(
        "full",
        &xs,
        &mut pattern(0.0, 0.8, seed),
        Backend::Verilator,
    );
    assert!(
        !c.stream_errors.is_empty() || !c.wrong.is_empty(),
        "seed {seed}: an overfull FIFO passed"
    );
    // Changes a result while it waits for out_ready.
    let (out, _) = run_fifo(
        "hold",
        &xs,
        &mut pattern(0.0, 0.5, seed),
        Backend::Verilator,
    );
    assert!(
        out.stream_errors
            .iter()
            .any(|e| e.contains("changed while out_valid waited")),
        "seed {seed}: {:?}",
        out.stream_errors
    );
    // Wrong at one input value only: exactly that row is flagged, nothing else.
    let (out, c) = run_fifo(
        "math",
        &xs,
        &mut pattern(0.3, 0.3, seed),
        Backend::Verilator,
    );
    let at: Vec<usize> = (0..xs.len()).filter(|&i| xs[i] == 0xffff).collect();
    assert_eq!(c.wrong, at, "seed {seed}");
    assert!(c.stream_errors.is_empty() && out.stream_errors.is_empty());
}

fn pipe_stream(xs: &[u64]) -> (Stream, Vec<Vec<BigUint>>) {
    let items = xs.iter().map(|x| vec![BigUint::from(*x)]).collect();
    let expected = xs.iter().map(|x| vec![BigUint::from(x ^ 0x5a5a)]).collect();
    (
        Stream::new(&["a"], items, &["result"], End::AfterInputs(2 + 4)),
        expected,
    )
}

#[test]
fn valid_only_gaps_and_a_repeating_core() {
    let seed = test_seed("valid_only_gaps_and_a_repeating_core");
    let xs = inputs(400, seed);
    let (s, expected) = pipe_stream(&xs);
    for backend in [Backend::Verilator, Backend::Icarus] {
        let mut pat = pattern(0.4, 0.9, seed);
        pat.max_idle_run = Some(64);
        let (out, _) = run_design(
            &pipe_design(""),
            "reset",
            &s,
            &mut pat,
            backend,
            &quiet(),
            "pipe",
        )
        .unwrap();
        let c = compare(&expected, &out);
        assert!(
            c.wrong.is_empty() && c.stream_errors.is_empty(),
            "seed {seed} {backend:?}: {:?}",
            c.stream_errors
        );
        // No out_ready port: nothing is counted as stalled; gaps made the run longer.
        assert_eq!(out.output_stalls, 0);
        assert!(out.cycles > xs.len() as u64 + 6, "seed {seed}: no gaps");
        // The drain runs on past the last result.
        assert!(*out.row_cycles.last().unwrap() + 4 <= out.cycles);
    }
    let (out, _) = run_design(
        &pipe_design("repeat"),
        "reset",
        &s,
        &mut pattern(0.4, 0.0, seed),
        Backend::Verilator,
        &quiet(),
        "pipe",
    )
    .unwrap();
    let c = compare(&expected, &out);
    assert!(
        !c.stream_errors.is_empty() && out.rows.len() > xs.len(),
        "seed {seed}: repeated results went unnoticed"
    );
}
