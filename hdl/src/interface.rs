//! One shape for every core.
//!
//! A core is a serde config that implements [`Core`]: its registry name, `validate`, its ports
//! (declared once, here; [`Core::generate`] checks them against the ports of the emitted top
//! module, so the manifest and the Verilog cannot disagree), its timing, its arithmetic
//! contract and `emit`. The provided [`Core::generate`] builds the manifest in one place.

use crate::emit::GeneratedCore;
use crate::manifest::{Direction, Manifest, PortSpec};
use crate::HdlError;
use num_bigint::BigUint;
use serde::Serialize;

/// Handshake text of a fixed-latency, valid-only streaming core.
pub const VALID_ONLY: &str = "valid only: in_valid qualifies inputs, out_valid qualifies \
outputs; no backpressure, one result per accepted input, in order";

/// When results come out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timing {
    /// Cycles from an accepted input to its result.
    pub latency: usize,
    /// Cycles between two accepted inputs (1 = fully pipelined).
    pub initiation_interval: usize,
    /// Which signals qualify inputs and outputs.
    pub handshake: String,
}

impl Timing {
    /// A core that takes an input every cycle and answers `latency` cycles later.
    pub fn pipelined(latency: usize) -> Self {
        Timing {
            latency,
            initiation_interval: 1,
            handshake: VALID_ONLY.into(),
        }
    }
}

/// What a core computes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contract {
    /// The arithmetic, with the domain of its inputs.
    pub arithmetic: String,
    /// The modulus, where the core has one.
    pub modulus: Option<BigUint>,
    /// The field name, where the core has one.
    pub field: Option<String>,
    /// Tile multipliers (DSP blocks) instantiated.
    pub tiles: usize,
}

/// Every generator implements this; see the module documentation.
pub trait Core: Serialize {
    /// The registry name and the manifest's `core`.
    const NAME: &'static str;

    /// Name of the top Verilog module.
    fn top(&self) -> &str;

    /// Rejects configurations the generator cannot build, with a message for the user.
    fn validate(&self) -> Result<(), HdlError>;

    /// The top module's ports, in manifest order.
    fn ports(&self) -> Result<Vec<PortSpec>, HdlError>;

    fn timing(&self) -> Result<Timing, HdlError>;

    fn contract(&self) -> Result<Contract, HdlError>;

    /// The Verilog text (top module named [`Core::top`]).
    fn emit(&self) -> Result<String, HdlError>;

    /// Rising-edge clock input.
    fn clock(&self) -> &'static str {
        "clock"
    }

    /// Synchronous, active-high reset input (empty if the core has none).
    fn reset(&self) -> &'static str {
        "reset"
    }

    /// Validates, emits, checks the emitted ports against [`Core::ports`] and builds the
    /// manifest.
    fn generate(&self) -> Result<GeneratedCore, HdlError> {
        self.validate()?;
        let verilog = self.emit()?;
        let ports = self.ports()?;
        check_ports(&verilog, self.top(), &ports)?;
        let timing = self.timing()?;
        let contract = self.contract()?;
        let manifest = Manifest {
            core: Self::NAME.into(),
            top: self.top().into(),
            files: vec![format!("{}.v", self.top())],
            clock: self.clock().into(),
            reset: self.reset().into(),
            ports,
            latency: timing.latency,
            initiation_interval: timing.initiation_interval,
            handshake: timing.handshake,
            arithmetic: contract.arithmetic,
            modulus: contract.modulus.map(|p| format!("{p:#x}")),
            field: contract.field,
            tiles: contract.tiles,
            config: serde_json::to_value(self).expect("config serializes"),
            generator: format!("zkhdl-hdl {}", env!("CARGO_PKG_VERSION")),
        };
        Ok(GeneratedCore { verilog, manifest })
    }
}

/// A port declared in Verilog: name, direction and width.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclaredPort {
    pub name: String,
    pub direction: Direction,
    pub width: usize,
}

/// The port declarations (`input`/`output`, with an optional `[h:l]` range) of module `top`
/// in `verilog`, in declaration order (a function's or task's arguments are not ports).
pub fn declared_ports(verilog: &str, top: &str) -> Result<Vec<DeclaredPort>, HdlError> {
    let mut inside = false;
    let mut in_subroutine = false;
    let mut out = vec![];
    for line in verilog.lines() {
        let t = line.trim();
        if !inside {
            if let Some(rest) = t.strip_prefix("module ") {
                let name: String = rest
                    .chars()
                    .take_while(|c| !c.is_whitespace() && *c != '(' && *c != ';')
                    .collect();
                inside = name == top;
            }
            continue;
        }
        if t.starts_with("endmodule") {
            return Ok(out);
        }
        // A function's or task's arguments are not ports of the module.
        if t.starts_with("function ") || t.starts_with("task ") {
            in_subroutine = true;
        } else if t.starts_with("endfunction") || t.starts_with("endtask") {
            in_subroutine = false;
        }
        if in_subroutine {
            continue;
        }
        let (direction, rest) = if let Some(r) = t.strip_prefix("input ") {
            (Direction::Input, r)
        } else if let Some(r) = t.strip_prefix("output ") {
            (Direction::Output, r)
        } else {
            continue;
        };
        let mut rest = rest.trim_end_matches(';').trim();
        for kw in ["wire ", "reg ", "signed "] {
            rest = rest.strip_prefix(kw).unwrap_or(rest).trim_start();
        }
        let (width, name) = match rest.strip_prefix('[') {
            Some(r) => {
                let (range, name) = r.split_once(']').ok_or_else(|| bad_decl(t))?;
                let (h, l) = range.split_once(':').ok_or_else(|| bad_decl(t))?;
                let h: usize = h.trim().parse().map_err(|_| bad_decl(t))?;
                let l: usize = l.trim().parse().map_err(|_| bad_decl(t))?;
                (h + 1 - l, name.trim())
            }
            None => (1, rest),
        };
        out.push(DeclaredPort {
            name: name.to_string(),
            direction,
            width,
        });
    }
    Err(HdlError::Check(format!(
        "no complete module {top} in the emitted Verilog"
    )))
}

fn bad_decl(line: &str) -> HdlError {
    HdlError::Check(format!("cannot read the port declaration `{line}`"))
}

/// Checks that the emitted top module has exactly the declared ports (names, directions,
/// widths; the order may differ).
pub fn check_ports(verilog: &str, top: &str, ports: &[PortSpec]) -> Result<(), HdlError> {
    let declared = declared_ports(verilog, top)?;
    for p in ports {
        match declared.iter().find(|d| d.name == p.name) {
            None => {
                return Err(HdlError::Check(format!(
                    "port {} is in the manifest but not in module {top}",
                    p.name
                )))
            }
            Some(d) if d.direction != p.direction || d.width != p.width => {
                return Err(HdlError::Check(format!(
                    "port {}: the manifest says {:?} {} bits, module {top} declares {:?} {} bits",
                    p.name, p.direction, p.width, d.direction, d.width
                )))
            }
            Some(_) => {}
        }
    }
    if let Some(d) = declared
        .iter()
        .find(|d| !ports.iter().any(|p| p.name == d.name))
    {
        return Err(HdlError::Check(format!(
            "module {top} declares port {} that the manifest does not list",
            d.name
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: &str = "module other(a);\ninput wire a;\nendmodule\n\
module t(clock, a, y);\n    input wire clock;\n    input wire [7:0] a;\n    output reg [15:0] y;\n    reg [3:0] x;\nendmodule // t\n";

    #[test]
    fn reads_the_top_modules_ports_only() {
        let d = declared_ports(V, "t").unwrap();
        assert_eq!(d.len(), 3);
        assert_eq!(d[1].name, "a");
        assert_eq!(d[1].width, 8);
        assert_eq!(d[2].direction, Direction::Output);
        assert_eq!(d[2].width, 16);
    }

    #[test]
    fn function_arguments_are_not_ports() {
        let v =
            "module f(clock, y);\ninput wire clock;\nfunction [1:0] g;\n    input [3:0] x;\n    \
                 begin g = x[1:0]; end\nendfunction\noutput wire [1:0] y;\nendmodule\n";
        let d = declared_ports(v, "f").unwrap();
        assert_eq!(
            d.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            ["clock", "y"]
        );
    }

    #[test]
    fn disagreements_are_caught() {
        let good = vec![
            PortSpec::input("clock", 1, ""),
            PortSpec::input("a", 8, ""),
            PortSpec::output("y", 16, ""),
        ];
        check_ports(V, "t", &good).unwrap();
        let mut wide = good.clone();
        wide[1].width = 9;
        assert!(check_ports(V, "t", &wide).is_err());
        let mut dir = good.clone();
        dir[2].direction = Direction::Input;
        assert!(check_ports(V, "t", &dir).is_err());
        assert!(check_ports(V, "t", &good[..2]).is_err());
        let mut extra = good;
        extra.push(PortSpec::output("z", 1, ""));
        assert!(check_ports(V, "t", &extra).is_err());
    }
}
