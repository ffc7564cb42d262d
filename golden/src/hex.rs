//! Canonical hex strings: `0x` followed by lowercase hex digits without leading zeros (`0x0` for
//! zero). Parsing also accepts upper case digits, `0X` and leading zeros.

use crate::error::GoldenError;
use num_bigint::BigUint;
use num_traits::Num;

/// Parses `"0x..."` into an integer. Rejects a missing prefix, an empty digit string, signs,
/// whitespace and non-hex characters.
pub fn parse_hex(s: &str) -> Result<BigUint, GoldenError> {
    let bad = |reason: &str| GoldenError::BadHex {
        value: s.to_string(),
        reason: reason.to_string(),
    };
    let digits = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .ok_or_else(|| bad("expected a \"0x\" prefix"))?;
    if digits.is_empty() {
        return Err(bad("no digits after \"0x\""));
    }
    if !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(bad("only hex digits 0-9, a-f may follow \"0x\""));
    }
    BigUint::from_str_radix(digits, 16).map_err(|e| bad(&e.to_string()))
}

/// Formats an integer as a canonical hex string.
pub fn to_hex(v: &BigUint) -> String {
    format!("{v:#x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects() {
        assert_eq!(to_hex(&BigUint::from(0u32)), "0x0");
        assert_eq!(to_hex(&BigUint::from(255u32)), "0xff");
        assert_eq!(parse_hex("0x00FF").unwrap(), BigUint::from(255u32));
        for bad in ["", "ff", "0x", "0xg1", "-0x1", "0x 1", "0x1_0"] {
            assert!(parse_hex(bad).is_err(), "{bad:?} must be rejected");
        }
    }
}
