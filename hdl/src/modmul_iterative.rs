//! The iterative (digit-serial) `modmul` architecture.

use crate::modmul::{ModMulConfig, Plan};
use crate::HdlError;

pub fn plan(_cfg: &ModMulConfig) -> Result<Plan, HdlError> {
    Err(HdlError::Unsupported(
        "the iterative architecture is not built yet".into(),
    ))
}

pub fn initiation_interval(_cfg: &ModMulConfig) -> usize {
    1
}
