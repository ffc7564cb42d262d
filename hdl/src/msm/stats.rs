//! Statistics: six counters of the last MSM. Each `count_*` input adds one to its counter on
//! the rising edge; `clear` sets every counter to 0 and wins over counting. Counters wrap at
//! 2^32.

use super::{block_module, STAT_BITS};
use crate::interface::{Contract, Core, Timing};
use crate::manifest::PortSpec;
use crate::HdlError;
use serde::{Deserialize, Serialize};

/// The counters: (increment input, output, description).
pub const COUNTERS: [(&str, &str, &str); 6] = [
    ("count_cycle", "cycles", "cycles of the MSM so far"),
    (
        "count_accumulation_cycle",
        "accumulation_cycles",
        "cycles of bucket accumulation",
    ),
    ("count_bucket_add", "bucket_adds", "bucket additions issued"),
    (
        "count_hazard",
        "hazards",
        "points parked because their bucket was busy",
    ),
    ("count_stall", "stalls", "cycles the current point waited"),
    ("count_add", "adds", "additions issued in all phases"),
];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsConfig {
    pub top: String,
}

impl Core for StatsConfig {
    const NAME: &'static str = "msm-statistics";

    fn top(&self) -> &str {
        &self.top
    }

    fn validate(&self) -> Result<(), HdlError> {
        Ok(())
    }

    fn reset(&self) -> &'static str {
        ""
    }

    fn ports(&self) -> Result<Vec<PortSpec>, HdlError> {
        let mut v = vec![
            PortSpec::input("clock", 1, "rising-edge clock"),
            PortSpec::input("clear", 1, "set every counter to 0 (wins over counting)"),
        ];
        for (inc, _, d) in COUNTERS {
            v.push(PortSpec::input(inc, 1, &format!("count one: {d}")));
        }
        for (_, out, d) in COUNTERS {
            v.push(PortSpec::output(out, STAT_BITS, d));
        }
        Ok(v)
    }

    fn timing(&self) -> Result<Timing, HdlError> {
        Ok(Timing {
            latency: 1,
            initiation_interval: 1,
            handshake: "clear and count_* take effect on the rising edge".into(),
        })
    }

    fn contract(&self) -> Result<Contract, HdlError> {
        Ok(Contract {
            arithmetic: format!("six {STAT_BITS}-bit event counters, cleared together"),
            modulus: None,
            field: None,
            tiles: 0,
        })
    }

    fn emit(&self) -> Result<String, HdlError> {
        let sb = STAT_BITS;
        let mut body = String::from("// Statistics counters.\n");
        for (_, out, _) in COUNTERS {
            body.push_str(&format!("reg [{}:0] {out}_count = 0;\n", sb - 1));
        }
        body.push_str("always @(posedge clock) begin\n    if (clear) begin\n");
        for (_, out, _) in COUNTERS {
            body.push_str(&format!("        {out}_count <= {sb}'d0;\n"));
        }
        body.push_str("    end else begin\n");
        for (inc, out, _) in COUNTERS {
            // The event is the flip-flops' enable, not the adder's carry in: a counter adds no
            // carry chain behind the decision that counts.
            body.push_str(&format!(
                "        if ({inc}) {out}_count <= {out}_count + {sb}'d1;\n"
            ));
        }
        body.push_str("    end\nend\n");
        for (_, out, _) in COUNTERS {
            body.push_str(&format!("assign {out} = {out}_count;\n"));
        }
        Ok(block_module(&self.top, &self.ports()?, &[], &body))
    }
}
