use thiserror::Error;

/// Errors from the golden models. Every message is one line and says what to fix.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum GoldenError {
    #[error("bad hex value {value:?}: {reason}")]
    BadHex { value: String, reason: String },
    #[error("unknown field {0:?}; known fields: bls12-381-fq, bls12-381-fr, bn254-fq, bn254-fr, bls12-377-fq, bls12-377-fr, goldilocks, babybear, koalabear (or give a custom prime with --modulus 0x...)")]
    UnknownField(String),
    #[error("unknown curve {0:?}; known curves: bls12-381, bn254, bls12-377")]
    UnknownCurve(String),
    #[error("modulus {modulus} is not prime")]
    NotPrime { modulus: String },
    #[error("modulus {modulus} is not usable: {reason}")]
    BadModulus { modulus: String, reason: String },
    #[error("{what}: value {value} is not below the modulus {modulus}")]
    OutOfRange {
        what: String,
        value: String,
        modulus: String,
    },
    #[error("{0}")]
    BadInput(String),
}
