//! The Verilator harness: Verilog in, a loaded cycle-accurate model out.
//!
//! 1. `verilator --cc` turns the Verilog into C++ (log: `verilate.log` in the build folder);
//! 2. the C++ files Verilator lists, a generated `extern "C"` shim and Verilator's runtime are
//!    compiled with the compiler the `cc` crate picks, into one shared library (the runtime
//!    objects are compiled once per Verilator version and flag set, and shared);
//! 3. the library is loaded with `libloading`; [`Model`] sets and reads ports by name, as `u64`
//!    or `BigUint` (wide ports travel as little-endian `u32` words), and ticks the clock.
//!
//! Builds are cached under [`BuildOptions::cache_dir`] by a SHA-256 of the Verilog, the top, the
//! ports, the options and the tool versions: a second build of the same design loads the cached
//! library without running Verilator or the C++ compiler.

use libloading::Library;
use num_bigint::BigUint;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::ffi::{c_void, CString};
use std::fmt::Write as _;
use std::os::raw::{c_char, c_int};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use thiserror::Error;
pub use zkhdl_hdl::{Direction, PortSpec};

/// Bumped whenever the shim or the build recipe changes, so old cache entries are not reused.
const HARNESS_VERSION: &str = "zkhdl-harness-1";

#[derive(Debug, Error)]
pub enum SimError {
    #[error("verilator not found on PATH: install it with `sudo apt-get install verilator` (or run ./setup.sh)")]
    VerilatorMissing,
    #[error("verilator failed on top {top}: {first_error} (full log: {log})")]
    VerilatorFailed {
        top: String,
        first_error: String,
        log: PathBuf,
    },
    #[error("C++ compilation of the verilated model failed: {first_error} (full log: {log})")]
    CompileFailed { first_error: String, log: PathBuf },
    #[error("no C++ compiler: {0} (install one with `sudo apt-get install g++`)")]
    NoCompiler(String),
    #[error("cannot load the compiled model {path}: {reason}")]
    Load { path: PathBuf, reason: String },
    #[error("unknown port {port:?} on {top}; its ports are: {known}")]
    UnknownPort {
        port: String,
        top: String,
        known: String,
    },
    #[error("port {port} is {width} bits wide but the value has {bits} bits")]
    WidthMismatch {
        port: String,
        width: usize,
        bits: usize,
    },
    #[error("port {port} is an {dir}, it cannot be {what}")]
    Direction {
        port: String,
        dir: &'static str,
        what: &'static str,
    },
    #[error("{tool} not found on PATH: install it with `{install}` (or run ./setup.sh)")]
    ToolMissing {
        tool: &'static str,
        install: &'static str,
    },
    #[error("output {port} is undefined (x/z: {value}) after cycle {cycle}")]
    Undefined {
        port: String,
        cycle: u64,
        value: String,
    },
    #[error("{0}")]
    Config(String),
    #[error("watchdog: {0}")]
    Watchdog(String),
    #[error("iverilog failed: {first_error} (full log: {log})")]
    IverilogFailed { first_error: String, log: PathBuf },
    #[error("tracing is off in this build: rebuild with a trace format to write {0}")]
    TracingNotBuilt(PathBuf),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> SimError + '_ {
    move |source| SimError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Little-endian `u32` words a port of `width` bits travels in.
pub fn words_of(width: usize) -> usize {
    width.div_ceil(32)
}

/// The ports as they enter the cache key. Written out field by field (not `Debug` of
/// [`PortSpec`]) so the key does not depend on descriptions, and keeps the text of earlier
/// harness versions: models cached before the port type was shared stay valid.
fn ports_key(ports: &[PortSpec]) -> String {
    let items: Vec<String> = ports
        .iter()
        .map(|p| {
            format!(
                "Port {{ name: {:?}, dir: {:?}, width: {} }}",
                p.name, p.direction, p.width
            )
        })
        .collect();
    format!("[{}]", items.join(", "))
}

/// What to verilate: Verilog sources (file name, text), the top module, its ports and clock.
#[derive(Clone, Debug)]
pub struct Design {
    pub top: String,
    pub sources: Vec<(String, String)>,
    pub ports: Vec<PortSpec>,
    /// The clock input that [`Model::tick`] toggles.
    pub clock: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TraceFormat {
    Vcd,
    Fst,
}

impl TraceFormat {
    /// FST for a `.fst` file name, VCD otherwise.
    pub fn for_path(p: &Path) -> Self {
        if p.extension().is_some_and(|e| e == "fst") {
            TraceFormat::Fst
        } else {
            TraceFormat::Vcd
        }
    }
}

#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// Verilator `--threads` (1 = single-threaded model).
    pub threads: usize,
    /// Build with waveform tracing support (VCD or FST). Slower; off by default.
    pub trace: Option<TraceFormat>,
    /// Hierarchy levels traced (Verilator `--trace-depth`); `None`: all. Large cores trace
    /// their control and stop above the multipliers, which keeps the traced build short.
    pub trace_depth: Option<usize>,
    /// Verilator optimisation flag.
    pub verilator_opt: String,
    /// C++ optimisation level for the model.
    pub cxx_opt: String,
    /// Where builds are cached.
    pub cache_dir: PathBuf,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            threads: 1,
            trace: None,
            trace_depth: None,
            verilator_opt: "-O3".into(),
            cxx_opt: "-O2".into(),
            cache_dir: default_cache_dir(),
        }
    }
}

/// `$ZKHDL_CACHE_DIR`, else `$XDG_CACHE_HOME/zkhdl`, else `~/.cache/zkhdl`, else a temp folder.
pub fn default_cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("ZKHDL_CACHE_DIR") {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(d).join("zkhdl");
    }
    if let Some(h) = std::env::var_os("HOME") {
        return PathBuf::from(h).join(".cache").join("zkhdl");
    }
    std::env::temp_dir().join("zkhdl-cache")
}

/// How a build went: whether it came from the cache, and how long each step took.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BuildReport {
    pub cache_hit: bool,
    pub verilate_s: f64,
    pub compile_s: f64,
    pub total_s: f64,
    pub dir: PathBuf,
}

fn verilator_version() -> Result<String, SimError> {
    let out = Command::new("verilator")
        .arg("--version")
        .output()
        .map_err(|_| SimError::VerilatorMissing)?;
    if !out.status.success() {
        return Err(SimError::VerilatorMissing);
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn verilator_root() -> Result<PathBuf, SimError> {
    let out = Command::new("verilator")
        .args(["--getenv", "VERILATOR_ROOT"])
        .output()
        .map_err(|_| SimError::VerilatorMissing)?;
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

fn hex_digest(h: Sha256) -> String {
    h.finalize().iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The first line that looks like an error in a tool log (or its last line).
fn first_error(log: &str) -> String {
    log.lines()
        .find(|l| l.contains("%Error") || l.contains("error:") || l.contains("Error:"))
        .or_else(|| log.lines().rev().find(|l| !l.trim().is_empty()))
        .unwrap_or("(empty log)")
        .trim()
        .to_string()
}

/// The lock for one cache key.
fn build_lock(key: &str) -> std::sync::Arc<std::sync::Mutex<()>> {
    static LOCKS: std::sync::OnceLock<
        std::sync::Mutex<HashMap<String, std::sync::Arc<std::sync::Mutex<()>>>>,
    > = std::sync::OnceLock::new();
    let mut map = LOCKS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    map.entry(key.to_string()).or_default().clone()
}

/// Distinct for every build in flight on this machine: process id and a per-process counter.
fn unique_suffix() -> String {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}-{n}", std::process::id())
}

/// A command as a shell line, for logs (without the environment).
fn command_line(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Verilates, compiles and loads `design`, reusing a cached build when one exists.
pub fn build(design: &Design, opts: &BuildOptions) -> Result<(Model, BuildReport), SimError> {
    let t0 = Instant::now();
    let vversion = verilator_version()?;
    let compiler = Compiler::new(&opts.cxx_opt)?;

    let mut h = Sha256::new();
    for part in [
        HARNESS_VERSION,
        &vversion,
        &compiler.identity,
        &design.top,
        &design.clock,
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    for (name, text) in &design.sources {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        h.update([0]);
    }
    h.update(format!(
        "{}|{}|{:?}|{}{}",
        ports_key(&design.ports),
        opts.threads,
        opts.trace,
        opts.verilator_opt,
        // Appended only when set, so existing cache keys stay valid.
        opts.trace_depth
            .map(|d| format!("|depth {d}"))
            .unwrap_or_default()
    ));
    let key = hex_digest(h);
    let dir = opts
        .cache_dir
        .join(format!("{}-{}", design.top, &key[..16]));
    let lib_path = dir.join("libzkmodel.so");

    // One build per design at a time in this process: a second thread asking for the same
    // design waits and then finds it cached (two compiles on two cores would only slow both).
    let key_lock = build_lock(&key);
    let _guard = key_lock.lock().unwrap_or_else(|e| e.into_inner());
    let mut report = BuildReport {
        cache_hit: true,
        verilate_s: 0.0,
        compile_s: 0.0,
        total_s: 0.0,
        dir: dir.clone(),
    };
    if !lib_path.exists() {
        report.cache_hit = false;
        std::fs::create_dir_all(&opts.cache_dir).map_err(io_err(&opts.cache_dir))?;
        // Build in a private folder and rename it into place, so concurrent builds of the same
        // design (parallel tests) never see a half-written library.
        let tmp = opts.cache_dir.join(format!(
            ".{}-{}-{}",
            design.top,
            &key[..16],
            unique_suffix()
        ));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).map_err(io_err(&tmp))?;
        let result = build_into(design, opts, &compiler, &vversion, &tmp, &mut report);
        if let Err(e) = result {
            // Keep the logs where the error message points: move the failed build into place
            // under a name that is never loaded.
            let failed = opts
                .cache_dir
                .join(format!("failed-{}-{}", design.top, &key[..16]));
            let _ = std::fs::remove_dir_all(&failed);
            let _ = std::fs::rename(&tmp, &failed);
            return Err(relocate_logs(e, &tmp, &failed));
        }
        if std::fs::rename(&tmp, &dir).is_err() {
            // Another process finished the same build first; use its result.
            let _ = std::fs::remove_dir_all(&tmp);
        }
    }
    let model = Model::load(design, &lib_path, opts.trace)?;
    report.total_s = t0.elapsed().as_secs_f64();
    Ok((model, report))
}

fn relocate_logs(e: SimError, from: &Path, to: &Path) -> SimError {
    let fix = |p: PathBuf| match p.strip_prefix(from) {
        Ok(rel) => to.join(rel),
        Err(_) => p,
    };
    match e {
        SimError::VerilatorFailed {
            top,
            first_error,
            log,
        } => SimError::VerilatorFailed {
            top,
            first_error,
            log: fix(log),
        },
        SimError::CompileFailed { first_error, log } => SimError::CompileFailed {
            first_error,
            log: fix(log),
        },
        other => other,
    }
}

fn build_into(
    design: &Design,
    opts: &BuildOptions,
    compiler: &Compiler,
    vversion: &str,
    dir: &Path,
    report: &mut BuildReport,
) -> Result<(), SimError> {
    let t = Instant::now();
    let mut files = vec![];
    for (name, text) in &design.sources {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(io_err(&p))?;
        files.push(p);
    }
    let obj = dir.join("obj");
    let mut cmd = Command::new("verilator");
    cmd.args(["--cc", &opts.verilator_opt, "--prefix", "Vtop"])
        .args(["--top-module", &design.top])
        .arg("-Mdir")
        .arg(&obj);
    if opts.threads > 1 {
        cmd.args(["--threads", &opts.threads.to_string()]);
    }
    match opts.trace {
        Some(TraceFormat::Vcd) => {
            cmd.arg("--trace");
        }
        Some(TraceFormat::Fst) => {
            cmd.arg("--trace-fst");
        }
        None => {}
    }
    if let (Some(_), Some(d)) = (opts.trace, opts.trace_depth) {
        cmd.args(["--trace-depth", &d.to_string()]);
    }
    cmd.args(&files);
    let out = cmd.output().map_err(|_| SimError::VerilatorMissing)?;
    let log_path = dir.join("verilate.log");
    let log = format!(
        "$ {}\n{}{}",
        command_line(&cmd),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&log_path, &log).map_err(io_err(&log_path))?;
    if !out.status.success() {
        return Err(SimError::VerilatorFailed {
            top: design.top.clone(),
            first_error: first_error(&log),
            log: log_path,
        });
    }
    report.verilate_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let mk = MkVars::read(&obj.join("Vtop_classes.mk"))?;
    let shim = obj.join("zk_shim.cpp");
    std::fs::write(&shim, shim_source(design)).map_err(io_err(&shim))?;
    let mut sources: Vec<PathBuf> = mk
        .list(&[
            "VM_CLASSES_FAST",
            "VM_CLASSES_SLOW",
            "VM_SUPPORT_FAST",
            "VM_SUPPORT_SLOW",
        ])
        .into_iter()
        .map(|c| obj.join(format!("{c}.cpp")))
        .collect();
    sources.push(shim);
    let defines = mk.defines();
    let runtime = runtime_objects(opts, compiler, vversion, &defines, &mk.globals())?;
    let log_path = dir.join("compile.log");
    let objects = compiler.compile_all(&sources, &obj, &defines, &obj, &log_path)?;
    let lib = dir.join("libzkmodel.so");
    let mut link = compiler.command();
    link.arg("-shared")
        .arg("-o")
        .arg(&lib)
        .args(&objects)
        .args(&runtime);
    link.args(["-pthread", "-latomic"]);
    if opts.trace == Some(TraceFormat::Fst) {
        link.arg("-lz");
    }
    compiler.run(link, &log_path)?;
    report.compile_s = t.elapsed().as_secs_f64();
    Ok(())
}

/// Variables of Verilator's generated `Vtop_classes.mk`.
struct MkVars(HashMap<String, Vec<String>>);

impl MkVars {
    fn read(path: &Path) -> Result<Self, SimError> {
        let text = std::fs::read_to_string(path).map_err(io_err(path))?;
        let mut vars: HashMap<String, Vec<String>> = HashMap::new();
        let mut current: Option<String> = None;
        for line in text.lines() {
            let l = line.trim();
            if l.starts_with('#') || l.is_empty() {
                current = None;
                continue;
            }
            let (name, rest) = if let Some((n, r)) = l.split_once("+=") {
                (Some(n.trim().to_string()), r)
            } else if let Some((n, r)) = l.split_once('=') {
                (Some(n.trim().to_string()), r)
            } else {
                (None, l)
            };
            if let Some(n) = name {
                current = Some(n);
            }
            if let Some(n) = &current {
                let entry = vars.entry(n.clone()).or_default();
                entry.extend(
                    rest.trim_end_matches('\\')
                        .split_whitespace()
                        .map(str::to_string),
                );
            }
            if !l.ends_with('\\') {
                current = None;
            }
        }
        Ok(MkVars(vars))
    }

    fn list(&self, names: &[&str]) -> Vec<String> {
        names
            .iter()
            .flat_map(|n| self.0.get(*n).cloned().unwrap_or_default())
            .collect()
    }

    fn defines(&self) -> Vec<String> {
        [
            "VM_COVERAGE",
            "VM_SC",
            "VM_TRACE",
            "VM_TRACE_FST",
            "VM_TRACE_VCD",
        ]
        .iter()
        .map(|n| {
            let v = self.0.get(*n).and_then(|v| v.first()).cloned();
            format!("-D{n}={}", v.unwrap_or_else(|| "0".into()))
        })
        .collect()
    }

    /// Verilator's runtime sources (VM_GLOBAL_FAST/SLOW: verilated, verilated_threads, ...).
    fn globals(&self) -> Vec<String> {
        let mut g = self.list(&["VM_GLOBAL_FAST", "VM_GLOBAL_SLOW"]);
        g.sort();
        g.dedup();
        g
    }
}

/// Verilator's runtime (`verilated.cpp` and friends), compiled once per version and flag set.
fn runtime_objects(
    opts: &BuildOptions,
    compiler: &Compiler,
    vversion: &str,
    defines: &[String],
    globals: &[String],
) -> Result<Vec<PathBuf>, SimError> {
    let mut h = Sha256::new();
    h.update(format!(
        "{HARNESS_VERSION}|{vversion}|{}|{defines:?}|{globals:?}",
        compiler.identity
    ));
    let key = hex_digest(h);
    let lock = build_lock(&format!("runtime-{key}"));
    let _guard = lock.lock().unwrap_or_else(|e| e.into_inner());
    let dir = opts.cache_dir.join(format!("runtime-{}", &key[..16]));
    let objects: Vec<PathBuf> = globals.iter().map(|g| dir.join(format!("{g}.o"))).collect();
    if objects.iter().all(|o| o.exists()) {
        return Ok(objects);
    }
    let root = verilator_root()?.join("include");
    let tmp = opts
        .cache_dir
        .join(format!(".runtime-{}-{}", &key[..16], unique_suffix()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(io_err(&tmp))?;
    let sources: Vec<PathBuf> = globals
        .iter()
        .map(|g| root.join(format!("{g}.cpp")))
        .collect();
    let log = tmp.join("compile.log");
    compiler.compile_all(&sources, &tmp, defines, &tmp, &log)?;
    if std::fs::rename(&tmp, &dir).is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    Ok(objects)
}

/// The C++ compiler, as the `cc` crate finds it (honours `CXX`, `CXXFLAGS`).
struct Compiler {
    tool: cc::Tool,
    identity: String,
    include: PathBuf,
    opt: String,
}

impl Compiler {
    fn new(opt: &str) -> Result<Self, SimError> {
        let target = env!("ZKHDL_TARGET");
        let tool = cc::Build::new()
            .cpp(true)
            .target(target)
            .host(target)
            .opt_level(0)
            .debug(false)
            .pic(true)
            .cargo_metadata(false)
            .cargo_warnings(false)
            .cargo_output(false)
            .emit_rerun_if_env_changed(false)
            .try_get_compiler()
            .map_err(|e| SimError::NoCompiler(e.to_string()))?;
        let version = Command::new(tool.path())
            .arg("--version")
            .output()
            .map_err(|e| SimError::NoCompiler(format!("{}: {e}", tool.path().display())))?;
        let identity = format!(
            "{}|{}|{}",
            tool.path().display(),
            String::from_utf8_lossy(&version.stdout)
                .lines()
                .next()
                .unwrap_or(""),
            opt
        );
        Ok(Compiler {
            tool,
            identity,
            include: verilator_root()?.join("include"),
            opt: opt.to_string(),
        })
    }

    fn command(&self) -> Command {
        self.tool.to_command()
    }

    fn run(&self, mut cmd: Command, log: &Path) -> Result<(), SimError> {
        let out = cmd
            .output()
            .map_err(|e| SimError::NoCompiler(e.to_string()))?;
        let text = format!(
            "$ {}\n{}{}\n",
            command_line(&cmd),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .map_err(io_err(log))?;
        use std::io::Write;
        f.write_all(text.as_bytes()).map_err(io_err(log))?;
        if !out.status.success() {
            return Err(SimError::CompileFailed {
                first_error: first_error(&text),
                log: log.to_path_buf(),
            });
        }
        Ok(())
    }

    /// Compiles every source to an object in `out`, as many at once as there are cores.
    fn compile_all(
        &self,
        sources: &[PathBuf],
        out: &Path,
        defines: &[String],
        extra_include: &Path,
        log: &Path,
    ) -> Result<Vec<PathBuf>, SimError> {
        let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
        let objects: Vec<PathBuf> = sources
            .iter()
            .map(|s| out.join(format!("{}.o", s.file_stem().unwrap().to_string_lossy())))
            .collect();
        let mut pending: Vec<(std::process::Child, String)> = vec![];
        let mut failure: Option<String> = None;
        let mut wait_one = |pending: &mut Vec<(std::process::Child, String)>| {
            let (child, what) = pending.remove(0);
            let out = child.wait_with_output().expect("compiler process");
            let text = format!(
                "$ {what}\n{}{}\n",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let _ = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()));
            if !out.status.success() && failure.is_none() {
                failure = Some(first_error(&text));
            }
        };
        for (src, obj) in sources.iter().zip(&objects) {
            if pending.len() >= jobs {
                wait_one(&mut pending);
            }
            let mut cmd = self.command();
            cmd.arg(&self.opt)
                .args([
                    "-std=gnu++17",
                    "-faligned-new",
                    "-fcf-protection=none",
                    "-w",
                ])
                .args(defines)
                .arg("-I")
                .arg(&self.include)
                .arg("-I")
                .arg(self.include.join("vltstd"))
                .arg("-I")
                .arg(extra_include)
                .arg("-c")
                .arg(src)
                .arg("-o")
                .arg(obj)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            let what = command_line(&cmd);
            let child = cmd
                .spawn()
                .map_err(|e| SimError::NoCompiler(e.to_string()))?;
            pending.push((child, what));
        }
        while !pending.is_empty() {
            wait_one(&mut pending);
        }
        match failure {
            Some(first_error) => Err(SimError::CompileFailed {
                first_error,
                log: log.to_path_buf(),
            }),
            None => Ok(objects),
        }
    }
}

/// The `extern "C"` shim: one switch per port, so the Rust side addresses ports by index.
fn shim_source(design: &Design) -> String {
    let mut s = String::from(
        "// Generated by zkhdl-sim: C entry points for the verilated model.\n\
         #include <cstdint>\n#include \"verilated.h\"\n#include \"Vtop.h\"\n\
         #if VM_TRACE_VCD\n#include \"verilated_vcd_c.h\"\ntypedef VerilatedVcdC ZkTrace;\n#endif\n\
         #if VM_TRACE_FST\n#include \"verilated_fst_c.h\"\ntypedef VerilatedFstC ZkTrace;\n#endif\n\
         struct ZkSim {\n  VerilatedContext* ctx;\n  Vtop* top;\n#if VM_TRACE\n  ZkTrace* tfp;\n#endif\n  uint64_t time;\n};\n\
         static inline void zk_dump(ZkSim* s) {\n#if VM_TRACE\n  if (s->tfp) s->tfp->dump(s->time);\n#endif\n  s->time++;\n}\n\
         extern \"C\" {\n\
         void* zk_new() {\n  ZkSim* s = new ZkSim;\n  s->ctx = new VerilatedContext;\n#if VM_TRACE\n  s->ctx->traceEverOn(true);\n  s->tfp = nullptr;\n#endif\n  s->top = new Vtop{s->ctx, \"top\"};\n  s->time = 0;\n  s->top->eval();\n  return s;\n}\n\
         void zk_free(void* h) {\n  ZkSim* s = (ZkSim*)h;\n#if VM_TRACE\n  if (s->tfp) { s->tfp->close(); delete s->tfp; }\n#endif\n  s->top->final();\n  delete s->top;\n  delete s->ctx;\n  delete s;\n}\n\
         void zk_eval(void* h) { ((ZkSim*)h)->top->eval(); }\n\
         int zk_trace_open(void* h, const char* path) {\n#if VM_TRACE\n  ZkSim* s = (ZkSim*)h;\n  if (s->tfp) { s->tfp->close(); delete s->tfp; }\n  s->tfp = new ZkTrace;\n  s->top->trace(s->tfp, 99);\n  s->tfp->open(path);\n  return s->tfp->isOpen() ? 0 : -2;\n#else\n  (void)h; (void)path;\n  return -1;\n#endif\n}\n\
         void zk_trace_close(void* h) {\n#if VM_TRACE\n  ZkSim* s = (ZkSim*)h;\n  if (s->tfp) { s->tfp->close(); delete s->tfp; s->tfp = nullptr; }\n#else\n  (void)h;\n#endif\n}\n",
    );
    let _ = writeln!(
        s,
        "void zk_tick(void* h, uint64_t n) {{\n  ZkSim* s = (ZkSim*)h;\n  for (uint64_t i = 0; i < n; i++) {{\n    s->top->{c} = 1;\n    s->top->eval();\n    zk_dump(s);\n    s->top->{c} = 0;\n    s->top->eval();\n    zk_dump(s);\n  }}\n}}",
        c = design.clock
    );
    s.push_str("void zk_set(void* h, int idx, const uint32_t* w) {\n  Vtop* t = ((ZkSim*)h)->top;\n  switch (idx) {\n");
    for (i, p) in design.ports.iter().enumerate() {
        if p.direction != Direction::Input {
            continue;
        }
        let _ = write!(s, "  case {i}: ");
        if p.width <= 32 {
            let _ = writeln!(s, "t->{} = w[0]; break;", p.name);
        } else if p.width <= 64 {
            let _ = writeln!(
                s,
                "t->{} = (uint64_t)w[0] | ((uint64_t)w[1] << 32); break;",
                p.name
            );
        } else {
            let _ = writeln!(
                s,
                "for (int k = 0; k < {}; k++) t->{}[k] = w[k]; break;",
                words_of(p.width),
                p.name
            );
        }
    }
    s.push_str("  }\n}\nvoid zk_get(void* h, int idx, uint32_t* w) {\n  Vtop* t = ((ZkSim*)h)->top;\n  switch (idx) {\n");
    for (i, p) in design.ports.iter().enumerate() {
        let _ = write!(s, "  case {i}: ");
        if p.width <= 32 {
            let _ = writeln!(s, "w[0] = t->{}; break;", p.name);
        } else if p.width <= 64 {
            let _ = writeln!(
                s,
                "w[0] = (uint32_t)t->{n}; w[1] = (uint32_t)(t->{n} >> 32); break;",
                n = p.name
            );
        } else {
            let _ = writeln!(
                s,
                "for (int k = 0; k < {}; k++) w[k] = t->{}[k]; break;",
                words_of(p.width),
                p.name
            );
        }
    }
    s.push_str("  }\n}\n}\n");
    s
}

type NewFn = unsafe extern "C" fn() -> *mut c_void;
type FreeFn = unsafe extern "C" fn(*mut c_void);
type EvalFn = unsafe extern "C" fn(*mut c_void);
type TickFn = unsafe extern "C" fn(*mut c_void, u64);
type SetFn = unsafe extern "C" fn(*mut c_void, c_int, *const u32);
type GetFn = unsafe extern "C" fn(*mut c_void, c_int, *mut u32);
type TraceOpenFn = unsafe extern "C" fn(*mut c_void, *const c_char) -> c_int;
type TraceCloseFn = unsafe extern "C" fn(*mut c_void);

/// A port handle for the hot loop: no name lookup per cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortId(pub(crate) usize);

/// A loaded cycle-accurate model. Inputs set between ticks are taken at the next rising edge;
/// outputs read after [`Model::tick`] show the state after that edge.
pub struct Model {
    handle: *mut c_void,
    free: FreeFn,
    eval: EvalFn,
    tick: TickFn,
    set: SetFn,
    get: GetFn,
    trace_open: TraceOpenFn,
    trace_close: TraceCloseFn,
    top: String,
    ports: Vec<PortSpec>,
    index: HashMap<String, usize>,
    traced: Option<TraceFormat>,
    cycles: u64,
    words: Vec<u32>,
    // Dropped last: the functions above point into it.
    _lib: Library,
}

impl Model {
    fn load(design: &Design, path: &Path, traced: Option<TraceFormat>) -> Result<Self, SimError> {
        let load_err = |reason: String| SimError::Load {
            path: path.to_path_buf(),
            reason,
        };
        // SAFETY: the library is one we just built from our own shim; its symbols have the
        // signatures declared above.
        unsafe {
            let lib = Library::new(path).map_err(|e| load_err(e.to_string()))?;
            macro_rules! sym {
                ($name:literal, $t:ty) => {
                    *lib.get::<$t>($name).map_err(|e| load_err(e.to_string()))?
                };
            }
            let new: NewFn = sym!(b"zk_new\0", NewFn);
            let m = Model {
                free: sym!(b"zk_free\0", FreeFn),
                eval: sym!(b"zk_eval\0", EvalFn),
                tick: sym!(b"zk_tick\0", TickFn),
                set: sym!(b"zk_set\0", SetFn),
                get: sym!(b"zk_get\0", GetFn),
                trace_open: sym!(b"zk_trace_open\0", TraceOpenFn),
                trace_close: sym!(b"zk_trace_close\0", TraceCloseFn),
                handle: new(),
                top: design.top.clone(),
                ports: design.ports.clone(),
                index: design
                    .ports
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p.name.clone(), i))
                    .collect(),
                traced,
                cycles: 0,
                words: vec![
                    0;
                    design
                        .ports
                        .iter()
                        .map(|p| words_of(p.width))
                        .max()
                        .unwrap_or(1)
                        .max(2)
                ],
                _lib: lib,
            };
            Ok(m)
        }
    }

    pub fn ports(&self) -> &[PortSpec] {
        &self.ports
    }

    /// Clock cycles ticked so far.
    pub fn cycles(&self) -> u64 {
        self.cycles
    }

    pub fn port(&self, name: &str) -> Result<PortId, SimError> {
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

    pub fn width(&self, id: PortId) -> usize {
        self.ports[id.0].width
    }

    fn check_input(&self, id: PortId) -> Result<&PortSpec, SimError> {
        let p = &self.ports[id.0];
        if p.direction != Direction::Input {
            return Err(SimError::Direction {
                port: p.name.clone(),
                dir: "output",
                what: "driven",
            });
        }
        Ok(p)
    }

    /// Drives an input from little-endian u32 words (missing words are zero). Errors if the
    /// value has bits beyond the port's width.
    pub fn set_words(&mut self, id: PortId, words: &[u32]) -> Result<(), SimError> {
        let p = self.check_input(id)?;
        let n = words_of(p.width);
        let bits = words
            .iter()
            .enumerate()
            .rev()
            .find(|(_, w)| **w != 0)
            .map_or(0, |(i, w)| 32 * i + 32 - w.leading_zeros() as usize);
        if bits > p.width {
            return Err(SimError::WidthMismatch {
                port: p.name.clone(),
                width: p.width,
                bits,
            });
        }
        self.words[..n].fill(0);
        let k = words.len().min(n);
        self.words[..k].copy_from_slice(&words[..k]);
        // SAFETY: `words` holds at least `n` entries, the shim reads exactly `n` for this port.
        unsafe { (self.set)(self.handle, id.0 as c_int, self.words.as_ptr()) };
        Ok(())
    }

    pub fn set_u64(&mut self, id: PortId, v: u64) -> Result<(), SimError> {
        self.set_words(id, &[v as u32, (v >> 32) as u32])
    }

    pub fn set_biguint(&mut self, id: PortId, v: &BigUint) -> Result<(), SimError> {
        self.set_words(id, &v.to_u32_digits())
    }

    pub fn set_bool(&mut self, id: PortId, v: bool) -> Result<(), SimError> {
        self.set_u64(id, v as u64)
    }

    /// By name, for convenience outside hot loops.
    pub fn set(&mut self, name: &str, v: &BigUint) -> Result<(), SimError> {
        let id = self.port(name)?;
        self.set_biguint(id, v)
    }

    /// Reads any port as little-endian u32 words (exactly `ceil(width / 32)` of them).
    pub fn get_words(&mut self, id: PortId) -> &[u32] {
        let n = words_of(self.ports[id.0].width);
        // SAFETY: the buffer holds at least `n` words, the shim writes exactly `n`.
        unsafe { (self.get)(self.handle, id.0 as c_int, self.words.as_mut_ptr()) };
        &self.words[..n]
    }

    pub fn get_biguint(&mut self, id: PortId) -> BigUint {
        BigUint::from_slice(self.get_words(id))
    }

    /// Reads a port of at most 64 bits.
    pub fn get_u64(&mut self, id: PortId) -> Result<u64, SimError> {
        let p = &self.ports[id.0];
        if p.width > 64 {
            return Err(SimError::WidthMismatch {
                port: p.name.clone(),
                width: p.width,
                bits: 64,
            });
        }
        let w = self.get_words(id);
        Ok(w[0] as u64 | (w.get(1).copied().unwrap_or(0) as u64) << 32)
    }

    pub fn get_bool(&mut self, id: PortId) -> bool {
        self.get_words(id)[0] & 1 == 1
    }

    pub fn get(&mut self, name: &str) -> Result<BigUint, SimError> {
        let id = self.port(name)?;
        Ok(self.get_biguint(id))
    }

    /// Settles combinational logic after inputs changed, without a clock edge.
    pub fn eval(&mut self) {
        // SAFETY: handle is live for the life of self.
        unsafe { (self.eval)(self.handle) }
    }

    /// One rising and one falling clock edge.
    pub fn tick(&mut self) {
        self.ticks(1)
    }

    pub fn ticks(&mut self, n: u64) {
        // SAFETY: handle is live for the life of self.
        unsafe { (self.tick)(self.handle, n) };
        self.cycles += n;
    }

    /// Holds the input `reset` high for `cycles` clock cycles, then low.
    pub fn reset(&mut self, reset: &str, cycles: u64) -> Result<(), SimError> {
        let r = self.port(reset)?;
        self.set_bool(r, true)?;
        self.ticks(cycles);
        self.set_bool(r, false)?;
        self.eval();
        Ok(())
    }

    /// Starts writing a waveform (VCD or FST, as built) to `path`.
    pub fn trace_on(&mut self, path: &Path) -> Result<(), SimError> {
        if self.traced.is_none() {
            return Err(SimError::TracingNotBuilt(path.to_path_buf()));
        }
        let c = CString::new(path.as_os_str().to_string_lossy().as_bytes()).map_err(|_| {
            SimError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::other("path contains a NUL byte"),
            }
        })?;
        // SAFETY: handle is live; the C string outlives the call.
        let rc = unsafe { (self.trace_open)(self.handle, c.as_ptr()) };
        if rc != 0 {
            return Err(SimError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::other("cannot open the trace file for writing"),
            });
        }
        Ok(())
    }

    /// Flushes and closes the waveform.
    pub fn trace_off(&mut self) {
        // SAFETY: handle is live for the life of self.
        unsafe { (self.trace_close)(self.handle) }
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        // SAFETY: handle came from zk_new and is freed once.
        unsafe { (self.free)(self.handle) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_classes_mk_continuations() {
        let dir = std::env::temp_dir().join(format!("zkhdl-mk-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("x.mk");
        std::fs::write(
            &p,
            "# c\nVM_TRACE = 1\nVM_CLASSES_FAST += \\\n\tVtop \\\n\tVtop__a \\\n\nVM_CLASSES_SLOW += \\\n",
        )
        .unwrap();
        let m = MkVars::read(&p).unwrap();
        assert_eq!(m.list(&["VM_CLASSES_FAST"]), vec!["Vtop", "Vtop__a"]);
        assert!(m.list(&["VM_CLASSES_SLOW"]).is_empty());
        assert!(m.defines().contains(&"-DVM_TRACE=1".to_string()));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn first_error_finds_the_error_line() {
        assert_eq!(
            first_error("ok\n%Error: x.v:3: bad\nmore"),
            "%Error: x.v:3: bad"
        );
        assert_eq!(first_error("a\nlast\n"), "last");
    }
}
