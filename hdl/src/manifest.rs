//! The manifest that travels with every generated core: what a testbench, a synthesis script or
//! an integrator needs to know without reading the Verilog.

use serde::{Deserialize, Serialize};

/// Which way a port carries data, seen from the core.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Input,
    Output,
}

/// A port of a core's top module. The one port type of the workspace: the manifest lists
/// these, `zkhdl-sim`'s harness and Icarus bench drive them, `zkhdl-synth`'s serial wrapper
/// wraps them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PortSpec {
    pub name: String,
    pub direction: Direction,
    pub width: usize,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Core kind, e.g. `modadd`.
    pub core: String,
    /// Name of the top Verilog module.
    pub top: String,
    /// Verilog files, relative to the manifest.
    pub files: Vec<String>,
    /// Rising-edge clock input.
    pub clock: String,
    /// Synchronous, active-high reset input: clears the valid pipeline.
    pub reset: String,
    pub ports: Vec<PortSpec>,
    /// Cycles from an accepted input to its result on the outputs.
    pub latency: usize,
    /// Cycles between two accepted inputs (1 = fully pipelined).
    pub initiation_interval: usize,
    /// How data moves: which signals qualify inputs and outputs.
    pub handshake: String,
    /// The arithmetic the core computes, with the domain of its inputs.
    pub arithmetic: String,
    /// The modulus (canonical hex) and the field name, where the core has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modulus: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Tile multipliers (DSP blocks) the core instantiates.
    pub tiles: usize,
    /// The generator's configuration, as given.
    pub config: serde_json::Value,
    pub generator: String,
}

impl PortSpec {
    pub fn input(name: &str, width: usize, description: &str) -> Self {
        PortSpec {
            name: name.into(),
            direction: Direction::Input,
            width,
            description: description.into(),
        }
    }

    pub fn output(name: &str, width: usize, description: &str) -> Self {
        PortSpec {
            name: name.into(),
            direction: Direction::Output,
            width,
            description: description.into(),
        }
    }

    pub fn is_input(&self) -> bool {
        self.direction == Direction::Input
    }
}

/// The ports of a valid-only streaming core: clock, reset, `in_valid`, the data inputs,
/// `out_valid`, the data outputs.
pub fn stream_ports(inputs: Vec<PortSpec>, taken: &str, outputs: Vec<PortSpec>) -> Vec<PortSpec> {
    let mut v = vec![
        PortSpec::input("clock", 1, "rising-edge clock"),
        PortSpec::input(
            "reset",
            1,
            "synchronous active-high reset; clears the valid pipeline",
        ),
        PortSpec::input(
            "in_valid",
            1,
            &format!("{taken} taken on this cycle's rising edge"),
        ),
    ];
    v.extend(inputs);
    v.push(PortSpec::output(
        "out_valid",
        1,
        "the outputs are valid this cycle",
    ));
    v.extend(outputs);
    v
}

impl Manifest {
    pub fn port(&self, name: &str) -> Option<&PortSpec> {
        self.ports.iter().find(|p| p.name == name)
    }
}
