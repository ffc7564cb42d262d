//! Icarus Verilog as a second simulator of the same emitted Verilog: slower than Verilator,
//! used as an independent cross-check.
//!
//! [`Icarus`] runs `vvp` interactively: a generated bench reads one command per cycle on its
//! standard input (drive these inputs and tick the clock, or only settle) and prints every
//! output after it. It implements [`Simulator`], so the stream driver runs unchanged on it,
//! valid/ready handshakes included.

use crate::driver::Simulator;
use crate::harness::{Design, Direction, PortId, PortSpec, SimError};
use num_bigint::BigUint;
use num_traits::Num;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

static RUNS: AtomicUsize = AtomicUsize::new(0);

/// The bench's standard input, as a Verilog file descriptor.
const STDIN_FD: &str = "32'h8000_0000";

/// A running Icarus simulation of one design.
pub struct Icarus {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    top: String,
    ports: Vec<PortSpec>,
    index: HashMap<String, usize>,
    /// Ports the bench drives (every input but the clock), most significant first on a line.
    driven: Vec<usize>,
    /// Output ports, in the order the bench prints them.
    printed: Vec<usize>,
    /// The value of every port: inputs as set, outputs as printed last (Err: x/z, as printed).
    values: Vec<Result<BigUint, String>>,
    cycles: u64,
    dir: PathBuf,
    log: PathBuf,
    /// Set when an error points at the log: the folder is kept.
    keep: std::cell::Cell<bool>,
    line: String,
}

fn decl(w: usize) -> String {
    if w == 1 {
        String::new()
    } else {
        format!("[{}:0] ", w - 1)
    }
}

/// The interactive bench around `design`'s top module.
fn bench(design: &Design, driven: &[&PortSpec], printed: &[&PortSpec]) -> String {
    let total: usize = driven.iter().map(|p| p.width).sum();
    let mut tb = String::from("`timescale 1ns/1ps\nmodule zk_iverilog_bench;\n");
    let _ = writeln!(tb, "  reg {} = 0;", design.clock);
    for p in driven {
        let _ = writeln!(tb, "  reg {}{} = 0;", decl(p.width), p.name);
    }
    for p in printed {
        let _ = writeln!(tb, "  wire {}{};", decl(p.width), p.name);
    }
    let conns: Vec<String> = design
        .ports
        .iter()
        .map(|p| format!(".{0}({0})", p.name))
        .collect();
    let _ = writeln!(tb, "  {} dut({});", design.top, conns.join(", "));
    let fmt = vec!["%h"; printed.len()].join(" ");
    let outs: Vec<&str> = printed.iter().map(|p| p.name.as_str()).collect();
    let show = format!("$display(\"@ {fmt}\", {}); $fflush;", outs.join(", "));
    let names: Vec<&str> = driven.iter().map(|p| p.name.as_str()).collect();
    let _ = writeln!(
        tb,
        "  reg [{}:0] stim;\n  integer cmd, got;\n  initial begin\n    #1 {show}\n    forever begin\n      \
         got = $fscanf({STDIN_FD}, \"%d %h\", cmd, stim);\n      if (got != 2) $finish;\n      \
         {{{}}} = stim;\n      if (cmd == 1) begin\n        #1 {c} = 1;\n        #1 {c} = 0;\n      end\n      \
         #1 {show}\n    end\n  end\nendmodule",
        total.max(1) - 1,
        names.join(", "),
        c = design.clock,
    );
    tb
}

impl Icarus {
    /// Compiles `design` with `iverilog` in a fresh folder under `work_root` and starts `vvp`.
    pub fn start(design: &Design, work_root: &Path) -> Result<Self, SimError> {
        let driven: Vec<usize> = (0..design.ports.len())
            .filter(|&i| {
                let p = &design.ports[i];
                p.direction == Direction::Input && p.name != design.clock
            })
            .collect();
        let printed: Vec<usize> = (0..design.ports.len())
            .filter(|&i| design.ports[i].direction == Direction::Output)
            .collect();
        let dir = work_root.join(format!(
            "iverilog-{}-{}",
            std::process::id(),
            RUNS.fetch_add(1, Ordering::Relaxed)
        ));
        let io = |p: &Path| {
            let p = p.to_path_buf();
            move |source| SimError::Io { path: p, source }
        };
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let text = bench(
            design,
            &driven.iter().map(|&i| &design.ports[i]).collect::<Vec<_>>(),
            &printed
                .iter()
                .map(|&i| &design.ports[i])
                .collect::<Vec<_>>(),
        );
        let tb_path = dir.join("bench.v");
        std::fs::write(&tb_path, text).map_err(io(&tb_path))?;
        let mut srcs = vec![tb_path];
        for (name, text) in &design.sources {
            let p = dir.join(name);
            std::fs::write(&p, text).map_err(io(&p))?;
            srcs.push(p);
        }
        let vvp = dir.join("bench.vvp");
        let out = Command::new("iverilog")
            .args(["-g2012", "-o"])
            .arg(&vvp)
            .args(&srcs)
            .output()
            .map_err(|_| SimError::ToolMissing {
                tool: "iverilog",
                install: "sudo apt-get install iverilog",
            })?;
        if !out.status.success() {
            let log = dir.join("iverilog.log");
            let text = String::from_utf8_lossy(&out.stderr).to_string();
            let _ = std::fs::write(&log, &text);
            return Err(SimError::IverilogFailed {
                first_error: text.lines().next().unwrap_or("iverilog failed").to_string(),
                log,
            });
        }
        let log = dir.join("vvp.log");
        let err = std::fs::File::create(&log).map_err(io(&log))?;
        let mut child = Command::new("vvp")
            .arg("-n")
            .arg(&vvp)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(err)
            .spawn()
            .map_err(|_| SimError::ToolMissing {
                tool: "vvp",
                install: "sudo apt-get install iverilog",
            })?;
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut sim = Icarus {
            child,
            stdin,
            stdout,
            top: design.top.clone(),
            ports: design.ports.clone(),
            index: design
                .ports
                .iter()
                .enumerate()
                .map(|(i, p)| (p.name.clone(), i))
                .collect(),
            driven,
            printed,
            values: vec![Ok(BigUint::default()); design.ports.len()],
            cycles: 0,
            dir,
            log,
            keep: Default::default(),
            line: String::new(),
        };
        sim.read_outputs()?;
        Ok(sim)
    }

    fn failed(&self, what: String) -> SimError {
        self.keep.set(true);
        let stderr = std::fs::read_to_string(&self.log).unwrap_or_default();
        let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        SimError::IverilogFailed {
            first_error: format!("{what} {first}").trim().to_string(),
            log: self.log.clone(),
        }
    }

    /// Reads the bench's next line of outputs.
    fn read_outputs(&mut self) -> Result<(), SimError> {
        loop {
            self.line.clear();
            let n = self.stdout.read_line(&mut self.line).unwrap_or(0);
            if n == 0 {
                return Err(self.failed(format!("vvp stopped after cycle {}:", self.cycles)));
            }
            if let Some(rest) = self.line.strip_prefix("@ ") {
                let toks: Vec<String> = rest.split_whitespace().map(str::to_string).collect();
                if toks.len() != self.printed.len() {
                    return Err(self.failed(format!(
                        "vvp printed {} outputs for {}:",
                        toks.len(),
                        self.printed.len()
                    )));
                }
                for (tok, &i) in toks.into_iter().zip(&self.printed) {
                    self.values[i] = BigUint::from_str_radix(&tok, 16).map_err(|_| tok);
                }
                return Ok(());
            }
        }
    }

    /// Sends the inputs with `cmd` (1: tick, 0: settle) and reads the outputs after it.
    fn step(&mut self, cmd: u8) -> Result<(), SimError> {
        let mut v = BigUint::default();
        for &i in &self.driven {
            let x = self.values[i].as_ref().expect("inputs are always defined");
            v = (v << self.ports[i].width) | x;
        }
        let line = format!("{cmd} {v:x}\n");
        let stdin = self.stdin.as_mut().expect("vvp is running");
        if stdin
            .write_all(line.as_bytes())
            .and_then(|_| stdin.flush())
            .is_err()
        {
            return Err(self.failed(format!("vvp stopped at cycle {}:", self.cycles)));
        }
        self.read_outputs()
    }
}

impl Simulator for Icarus {
    fn port(&self, name: &str) -> Result<PortId, SimError> {
        self.index
            .get(name)
            .map(|&i| PortId(i))
            .ok_or_else(|| SimError::UnknownPort {
                port: name.to_string(),
                top: self.top.clone(),
                known: self
                    .ports
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    fn set_words(&mut self, id: PortId, words: &[u32]) -> Result<(), SimError> {
        let p = &self.ports[id.0];
        if p.direction != Direction::Input {
            return Err(SimError::Direction {
                port: p.name.clone(),
                dir: "output",
                what: "driven",
            });
        }
        let v = BigUint::from_slice(words);
        if v.bits() as usize > p.width {
            return Err(SimError::WidthMismatch {
                port: p.name.clone(),
                width: p.width,
                bits: v.bits() as usize,
            });
        }
        self.values[id.0] = Ok(v);
        Ok(())
    }

    fn get_biguint(&mut self, id: PortId) -> Result<BigUint, SimError> {
        self.values[id.0]
            .clone()
            .map_err(|value| SimError::Undefined {
                port: self.ports[id.0].name.clone(),
                cycle: self.cycles,
                value,
            })
    }

    fn tick(&mut self) -> Result<(), SimError> {
        self.step(1)?;
        self.cycles += 1;
        Ok(())
    }

    fn eval(&mut self) -> Result<(), SimError> {
        self.step(0)
    }

    fn cycles(&self) -> u64 {
        self.cycles
    }
}

impl Drop for Icarus {
    fn drop(&mut self) {
        // Closing its input ends the bench; kill it anyway in case it is stuck.
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !self.keep.get() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
