//! The MSM controller with its point adder replaced by an abstract adder: a register pipeline
//! of the real adder's latency, with the same module name, ports and valid timing.
//!
//! What it is for: place-and-route or timing of the controller alone (the bucket memory, the
//! FIFO, the scheduler and the aux memory, without the twelve multipliers), and formal proofs
//! of the controller (`zkhdl prove msm`), where the arithmetic of the adder is beside the
//! point and would only slow the solver down.
//!
//! The abstract adder takes `(x1 : y1 : z1)` and `(x2 : y2 : z2)` with `in_valid` and, exactly
//! `latency` cycles later, gives `out_valid` and `x3 = x1 ^ x2`, `y3 = y1 ^ y2`, `z3 = z1 ^ z2`
//! (bitwise). The XOR is not a point addition; it keeps every operand bit live (so synthesis
//! does not prune the controller's operand path) and carries tags: a point added to an empty
//! bucket (the identity (0 : 1 : 0) XOR the point) reaches the bucket with the point's x
//! unchanged, so a tag written into the input x (e.g. a sequence number) travels through the
//! adder to the bucket it was added to. `reset` clears the valid pipeline, as in the real
//! adder.

use super::MsmConfig;
use crate::emit::GeneratedCore;
use crate::point_add;
use crate::{Core, HdlError};

/// The abstract adder's port declarations (inputs, then outputs declared as `out_kind`: "reg "
/// or "wire"), the real adder's names and widths.
fn ports(w: usize, out_kind: &str) -> String {
    let w1 = w - 1;
    let mut p =
        String::from("    input wire  clock;\n    input wire  reset;\n    input wire  in_valid;\n");
    for n in ["x1", "y1", "z1", "x2", "y2", "z2"] {
        p += &format!("    input wire  [{w1}:0] {n};\n");
    }
    p += &format!("    output {out_kind} out_valid;\n");
    for n in ["x3", "y3", "z3"] {
        p += &format!("    output {out_kind} [{w1}:0] {n};\n");
    }
    p
}

/// The Verilog module `name` of an abstract adder: ports of width `w`, `latency` (at least 1)
/// register stages.
pub fn pipeline_adder_module(name: &str, w: usize, latency: usize) -> String {
    let l = latency.max(1);
    let d = 3 * w; // {z, y, x}
    let valid_next = if l == 1 {
        "in_valid".to_string()
    } else {
        format!("{{valid_pipe[{}:0], in_valid}}", l - 2)
    };
    let data_next = if l == 1 {
        "{z1 ^ z2, y1 ^ y2, x1 ^ x2}".to_string()
    } else {
        format!(
            "{{data_pipe[{}:0], z1 ^ z2, y1 ^ y2, x1 ^ x2}}",
            d * (l - 1) - 1
        )
    };
    let top = d * l;
    format!(
        "module {name}(clock,reset,in_valid,x1,y1,z1,x2,y2,z2,out_valid,x3,y3,z3);
    // Abstract point adder (see zkhdl_hdl::msm::pipeline_adder): a register pipeline of
    // {l} stages; the \"sum\" is the bitwise XOR of the operands.
{ports}    reg [{l1}:0] valid_pipe = {l}'d0;
    reg [{top1}:0] data_pipe = {top}'d0;
    always @(posedge clock) begin
        valid_pipe <= reset ? {l}'d0 : {valid_next};
        data_pipe <= {data_next};
    end
    always @(*) begin
        out_valid = valid_pipe[{l1}];
        x3 = data_pipe[{xl}:{xh}];
        y3 = data_pipe[{yl}:{yh}];
        z3 = data_pipe[{zl}:{zh}];
    end
endmodule // {name}
",
        ports = ports(w, "reg "),
        l1 = l - 1,
        top1 = top - 1,
        xl = top - 2 * w - 1,
        xh = top - d,
        yl = top - w - 1,
        yh = top - 2 * w,
        zl = top - 1,
        zh = top - w,
    )
}

/// The block-RAM form of the abstract adder, for place and route of the controller: the same
/// module, ports and timing as [`pipeline_adder_module`], but the operands' XOR goes through a
/// ring buffer of `2^ceil(log2(latency))` entries (written every cycle, read `latency - 1`
/// entries behind the write pointer through a read register) that synthesis maps to block
/// RAM; only the valid bit stays a register pipeline. For BN254 (3 x 256 bits, latency 123)
/// the register form would need 94,464 flip-flops, more than an ECP5-85k has. Falls back to
/// the register form for latency 1.
pub fn pipeline_adder_ram_module(name: &str, w: usize, latency: usize) -> String {
    if latency < 2 {
        return pipeline_adder_module(name, w, latency);
    }
    let l = latency;
    let d = 3 * w;
    let depth = l.next_power_of_two();
    let aw = depth.trailing_zeros().max(1) as usize;
    format!(
        "module {name}(clock,reset,in_valid,x1,y1,z1,x2,y2,z2,out_valid,x3,y3,z3);
    // Abstract point adder, block-RAM form (see zkhdl_hdl::msm::pipeline_adder): the valid bit
    // in a register pipeline of {l} stages; the \"sum\" (the bitwise XOR of the operands) in a
    // ring buffer of {depth} entries, read {lm} entries behind the write through a register.
{ports}    reg [{l1}:0] valid_pipe = {l}'d0;
    reg [{awm}:0] wp = {aw}'d0;
    reg [{awm}:0] rp = {aw}'d{rp0};
    reg [{dm}:0] ring [0:{depthm}];
    reg [{dm}:0] q = {d}'d0;
    always @(posedge clock) begin
        valid_pipe <= reset ? {l}'d0 : {{valid_pipe[{l2}:0], in_valid}};
        ring[wp] <= {{z1 ^ z2, y1 ^ y2, x1 ^ x2}};
        q <= ring[rp];
        wp <= wp + {aw}'d1;
        rp <= rp + {aw}'d1;
    end
    assign out_valid = valid_pipe[{l1}];
    assign x3 = q[{w1}:0];
    assign y3 = q[{w2m}:{w}];
    assign z3 = q[{dm}:{w2}];
endmodule // {name}
",
        ports = ports(w, "wire"),
        w1 = w - 1,
        l1 = l - 1,
        l2 = l - 2,
        lm = l - 1,
        rp0 = (depth - (l - 1)) % depth,
        awm = aw - 1,
        dm = d - 1,
        depthm = depth - 1,
        w2 = 2 * w,
        w2m = 2 * w - 1,
    )
}

/// Replaces, in `verilog`, the module `adder` and every module below it (named `adder$...`)
/// by `replacement`. Fails when `adder` is not defined in `verilog`.
pub fn replace_adder(verilog: &str, adder: &str, replacement: &str) -> Result<String, HdlError> {
    let own = format!("module {adder}(");
    let below = format!("module {adder}$");
    if !verilog.lines().any(|l| l.starts_with(&own)) {
        return Err(HdlError::Unsupported(format!(
            "no module {adder} in the emitted Verilog"
        )));
    }
    let mut out = String::with_capacity(verilog.len());
    let mut skipping: Option<String> = None;
    let mut placed = false;
    for line in verilog.lines() {
        if let Some(end) = &skipping {
            if line.trim_start().starts_with(end.as_str()) {
                skipping = None;
            }
            continue;
        }
        if line.starts_with(&own) || line.starts_with(&below) {
            let name = line["module ".len()..]
                .split('(')
                .next()
                .unwrap_or_default()
                .to_string();
            skipping = Some(format!("endmodule // {name}"));
            if !placed {
                out.push_str(replacement);
                placed = true;
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

/// The Verilog of `cfg` with the point adder replaced by the abstract adder of the same
/// latency and ports (module `<top>$adder`).
pub fn emit_with_pipeline_adder(cfg: &MsmConfig) -> Result<String, HdlError> {
    swap_adder(cfg, &cfg.emit()?, pipeline_adder_module)
}

/// [`Core::generate`] of `cfg` with the point adder replaced by the abstract adder (the
/// manifest is the real core's: same ports and timing).
pub fn generate_with_pipeline_adder(cfg: &MsmConfig) -> Result<GeneratedCore, HdlError> {
    let mut g = cfg.generate()?;
    g.verilog = swap_adder(cfg, &g.verilog, pipeline_adder_module)?;
    Ok(g)
}

/// [`generate_with_pipeline_adder`] with the block-RAM form of the abstract adder
/// ([`pipeline_adder_ram_module`]): the controller's place-and-route harness. The manifest's
/// `core` is `msm-harness`, so that reports and work folders cannot be taken for the MSM's.
pub fn generate_harness(cfg: &MsmConfig) -> Result<GeneratedCore, HdlError> {
    let mut g = cfg.generate()?;
    g.verilog = swap_adder(cfg, &g.verilog, pipeline_adder_ram_module)?;
    g.manifest.core = "msm-harness".into();
    Ok(g)
}

/// `verilog` (of `cfg`) with its point adder replaced by `form`'s module of the same latency.
fn swap_adder(
    cfg: &MsmConfig,
    verilog: &str,
    form: fn(&str, usize, usize) -> String,
) -> Result<String, HdlError> {
    let latency = point_add::plan(&cfg.adder)?.latency;
    // With several adders the adder sits in the lane module, which every lane instantiates.
    let owner = if cfg.adders > 1 {
        cfg.lane_config().top
    } else {
        cfg.top.clone()
    };
    let name = format!("{owner}$adder");
    replace_adder(verilog, &name, &form(&name, cfg.adder.width()?, latency))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_adder_and_its_children_only() {
        let v = "module t(a);\nendmodule // t\nmodule t$adder(a);\nbody\nendmodule // t$adder\n\
                 module t$adder$muls$0(a);\nx\nendmodule // t$adder$muls$0\nmodule t_fifo(a);\n\
                 endmodule // t_fifo\n";
        let r = replace_adder(v, "t$adder", "NEW\n").unwrap();
        assert_eq!(
            r,
            "module t(a);\nendmodule // t\nNEW\nmodule t_fifo(a);\nendmodule // t_fifo\n"
        );
        assert!(replace_adder(v, "u$adder", "NEW\n").is_err());
    }

    #[test]
    fn a_toy_msm_keeps_its_controller_and_loses_the_multipliers() {
        let adder =
            crate::point_add::PointAddConfig::new("toy", num_bigint::BigUint::from(251u32), 3);
        let cfg = MsmConfig::new(adder, 5, 2);
        let real = cfg.emit().unwrap();
        let abs = emit_with_pipeline_adder(&cfg).unwrap();
        let l = point_add::plan(&cfg.adder).unwrap().latency;
        assert!(real.contains("module zk_msm$adder$muls$0("));
        assert!(!abs.contains("$muls"));
        assert_eq!(abs.matches("module zk_msm$adder(").count(), 1);
        assert!(abs.contains(&format!("reg [{}:0] valid_pipe", l - 1)));
        // Everything else is the real core's text, in the same order.
        let others = |v: &str| -> Vec<String> {
            v.split("\nmodule ")
                .filter(|m| !m.starts_with("zk_msm$adder"))
                .map(String::from)
                .collect()
        };
        assert_eq!(others(&real), others(&abs));
    }

    #[test]
    fn the_pipeline_has_the_latency_in_its_slices() {
        let m = pipeline_adder_module("a", 8, 3);
        assert!(m.contains("reg [71:0] data_pipe"));
        assert!(m.contains("x3 = data_pipe[55:48];"));
        assert!(m.contains("z3 = data_pipe[71:64];"));
        assert!(m.contains("valid_pipe <= reset ? 3'd0 : {valid_pipe[1:0], in_valid};"));
        let one = pipeline_adder_module("a", 8, 1);
        assert!(one.contains("data_pipe <= {z1 ^ z2, y1 ^ y2, x1 ^ x2};"));
    }
}
