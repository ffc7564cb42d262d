//! Software truth for zkhdl: arkworks-backed field and curve presets, a bignum model for custom
//! primes, and the JSON vector formats shared by the CLI, the simulators and the tests.
//!
//! All values cross the crate boundary as canonical integers (`BigUint` in `[0, p)`), never in
//! Montgomery form, unless a function says otherwise.

pub mod curve;
pub mod error;
pub mod field;
pub mod hex;
pub mod msm_blocks;
pub mod ntt;
pub mod pippenger;
pub mod primality;
pub mod rcb;
pub mod vectors;

pub use curve::{Affine, Curve, CurvePreset};
pub use error::GoldenError;
pub use field::{Field, FieldPreset};
pub use hex::{parse_hex, to_hex};
