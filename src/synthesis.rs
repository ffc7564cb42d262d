//! `synth`: a generated core through yosys (and nextpnr where the target places), with the
//! serial I/O harness around it for iCE40, and its resource and timing report.

use crate::error::{write_file, Failure, Outcome};
use crate::options::TargetArgs;
use crate::progress::Spinner;
use crate::report::{pretty, print_synth_table, synth_report_json};
use std::path::{Path, PathBuf};
use zkhdl_hdl::GeneratedCore;
use zkhdl_synth::{Report, Target};

/// One synthesis of a generated core: Verilog written to the work folder, the serial I/O
/// harness added for iCE40 (its package has 39 pins). `spinner` names the running tool.
pub fn synthesize(
    core: &GeneratedCore,
    target: Target,
    freq: f64,
    dir: &Path,
    spinner: &Spinner,
) -> Result<Report, Failure> {
    let files = core.write(dir)?;
    let mut verilog = vec![files[0].clone()];
    let mut top = core.manifest.top.clone();
    if target == Target::Ice40Up5k {
        let wrapper = format!("{top}_serial");
        let text = zkhdl_synth::harness::serial_wrapper(
            &wrapper,
            &top,
            &core.manifest.clock,
            &core.manifest.ports,
        );
        let path = dir.join(format!("{wrapper}.v"));
        write_file(&path, &text)?;
        verilog.push(path);
        top = wrapper;
    }
    spinner.note(&format!(
        "zkhdl: synthesizing {} for {} (yosys{}; large cores take minutes, logs in {})",
        core.manifest.top,
        target.name(),
        if target.places() { " + nextpnr" } else { "" },
        dir.display()
    ));
    let name = core.manifest.top.clone();
    Ok(zkhdl_synth::run_with(
        target,
        &top,
        &verilog,
        freq,
        dir,
        |step| spinner.step(format!("{name}: {}", step.name())),
    )?)
}

/// Synthesizes `core` for --target and prints its report (a table, or JSON with --json).
pub fn synth(core: &GeneratedCore, t: &TargetArgs) -> Outcome {
    if t.target == ASIC_TARGET {
        return asic(core, t);
    }
    let (target, freq) = t.resolve()?;
    let dir = t.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "build/synth/{}-{}",
            core.manifest.core,
            target.name()
        ))
    });
    let spinner = Spinner::start(!t.json, format!("{}: synthesis", core.manifest.top));
    let r = synthesize(core, target, freq, &dir, &spinner)?;
    drop(spinner);
    if t.json {
        println!("{}", pretty(&synth_report_json(core, &r)));
    } else {
        print_synth_table(core, &r);
    }
    Ok(0)
}

/// The standard-cell target: yosys mapped to the OSU 0.18 um Liberty library, timed with OpenSTA.
pub const ASIC_TARGET: &str = "asic-osu018";

/// The tile shape a target's multipliers use unless --tile says otherwise.
pub fn default_tile(t: &TargetArgs) -> Result<&'static str, Failure> {
    if t.target == ASIC_TARGET {
        return Ok("26x17");
    }
    Ok(crate::options::native_tile(t.resolve()?.0))
}

/// `synth ... --target asic-osu018`: area, cells, flip-flops and the critical path.
fn asic(core: &GeneratedCore, t: &TargetArgs) -> Outcome {
    let freq = t.freq.unwrap_or(100.0);
    if !(freq.is_finite() && freq > 0.0) {
        return Err(Failure::input("--freq must be a positive number of MHz"));
    }
    let dir = t.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!("build/synth/{}-{ASIC_TARGET}", core.manifest.core))
    });
    let spinner = Spinner::start(
        !t.json,
        format!("{}: yosys (OSU 0.18 um) and OpenSTA", core.manifest.top),
    );
    let files = core.write(&dir)?;
    let r = zkhdl_synth::asic::run(
        &core.manifest.top,
        &core.manifest.clock,
        &files[..1],
        1000.0 / freq,
        &dir,
    )?;
    drop(spinner);
    if t.json {
        let mut v = serde_json::to_value(&r).expect("json");
        v["core"] = serde_json::json!(core.manifest.core);
        v["tiles"] = serde_json::json!(core.manifest.tiles);
        v["latency"] = serde_json::json!(core.manifest.latency);
        println!("{}", pretty(&v));
    } else {
        println!(
            "{} on {ASIC_TARGET} (no wires, no placement): {:.0} um2, {} cells, {} flip-flops",
            r.top, r.area_um2, r.cells, r.flip_flops
        );
        println!(
            "critical path {:.2} ns ({:.1} MHz) against a {:.2} ns clock (slack {:.2} ns)",
            r.critical_path_ns, r.fmax_mhz, r.clock_period_ns, r.worst_slack_ns
        );
    }
    Ok(0)
}
