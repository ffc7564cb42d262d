//! `golden`: test vectors and their expected (arkworks) results as JSON files.

use crate::error::{write_file, Outcome};
use crate::options::{GoldenPairsArgs, VectorArgs};
use crate::report::{emit, pretty};
use crate::vectors::{load_golden_msm, load_pairs};
use num_bigint::BigUint;
use serde_json::Value;
use std::path::PathBuf;
use zkhdl_golden::curve::AffineJson;
use zkhdl_golden::vectors::{ModAddExpected, ModMulExpected, MsmExpected, MsmFile, PairsFile};
use zkhdl_golden::{to_hex, Field};

/// Writes the pairs (when asked) and their expected results.
fn golden_pairs(
    a: &GoldenPairsArgs,
    expected: impl Fn(&Field, &[(BigUint, BigUint)]) -> Value,
) -> Outcome {
    let (f, pairs, _) = load_pairs(&a.field, &a.vectors)?;
    if let Some(p) = &a.vectors_out {
        write_file(p, &(pretty(&PairsFile::new(&f, &pairs)) + "\n"))?;
    }
    emit(&a.out, &expected(&f, &pairs))?;
    Ok(0)
}

/// Sums and differences of pairs.
pub fn modadd(a: &GoldenPairsArgs) -> Outcome {
    golden_pairs(a, |f, p| {
        serde_json::to_value(ModAddExpected::compute(f, p)).expect("json")
    })
}

/// Products of pairs.
pub fn modmul(a: &GoldenPairsArgs) -> Outcome {
    golden_pairs(a, |f, p| {
        serde_json::to_value(ModMulExpected::compute(f, p)).expect("json")
    })
}

/// The MSM of (point, scalar) pairs.
pub fn msm(
    curve: Option<&str>,
    vectors: &VectorArgs,
    vectors_out: &Option<PathBuf>,
    out: &Option<PathBuf>,
) -> Outcome {
    let (c, points, scalars, _) = load_golden_msm(curve, vectors)?;
    if let Some(p) = vectors_out {
        let file = MsmFile {
            curve: c.name().into(),
            points: points.iter().map(AffineJson::from_affine).collect(),
            scalars: scalars.iter().map(to_hex).collect(),
            batches: None,
        };
        write_file(p, &(pretty(&file) + "\n"))?;
    }
    let r = MsmExpected {
        result: AffineJson::from_affine(&c.msm(&points, &scalars)),
    };
    emit(out, &serde_json::to_value(r).expect("json"))?;
    Ok(0)
}
