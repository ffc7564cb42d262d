//! `gen`: a core's Verilog and manifest written to a folder.

use crate::error::{Failure, Outcome};
use crate::registry::CoreConfig;
use std::path::Path;

/// Generates `cfg` with top module `top` into `out`; prints the files and a summary line.
pub fn gen(mut cfg: CoreConfig, top: String, out: &Path) -> Outcome {
    cfg.set_top(top);
    let core = cfg.generate()?;
    for p in core.write(out).map_err(Failure::from)? {
        println!("wrote {}", p.display());
    }
    if let Some(line) = cfg.summary(&core) {
        println!("{line}");
    }
    Ok(0)
}
