//! Test vectors from the command line: operand pairs, point pairs and MSM inputs, read from a
//! JSON file (--input) or drawn at random (--random N [--seed S]).

use crate::error::{read_file, Failure};
use crate::options::{CurveArgs, FieldArgs, VectorArgs};
use num_bigint::BigUint;
use zkhdl_golden::rcb::Projective;
use zkhdl_golden::vectors::{
    mixed_add_pairs, point_add_pairs, random_msm, random_pairs, MsmFile, PairsFile, PointPairsFile,
};
use zkhdl_golden::{Affine, Curve, Field};

const GIVE_VECTORS: &str = "give the vectors: --random N [--seed S] or --input FILE";

/// A file's parse error, prefixed with its path.
pub fn in_file(path: &std::path::Path, e: impl std::fmt::Display) -> Failure {
    Failure::input(format!("{}: {e}", path.display()))
}

/// The seed to use: the given one, or a fresh one that is printed so the run can be replayed.
pub fn seed_or_fresh(seed: Option<u64>) -> u64 {
    seed.unwrap_or_else(|| {
        let s = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64 % 1_000_000_007);
        eprintln!("zkhdl: no --seed given, using --seed {s}");
        s
    })
}

/// Field and pairs for a core whose options must be valid before any work (or any output).
pub fn load_pairs_checked<T>(
    field: &FieldArgs,
    v: &VectorArgs,
    check: impl Fn(&Field) -> Result<T, Failure>,
) -> Result<(Field, Pairs, Option<u64>, T), Failure> {
    // Resolve the field without generating vectors, validate, then load for real.
    let f = match &v.input {
        Some(path) => PairsFile::from_json(&read_file(path)?)
            .map_err(|e| in_file(path, e))?
            .resolve_field(field.field.as_deref(), field.modulus.as_deref())?,
        None => field.resolve()?,
    };
    let t = check(&f)?;
    let (f, pairs, seed) = load_pairs(field, v)?;
    Ok((f, pairs, seed, t))
}

/// Canonical operand pairs.
pub type Pairs = Vec<(BigUint, BigUint)>;

/// Field and operand pairs from --input or --random, with --field/--modulus.
pub fn load_pairs(
    field: &FieldArgs,
    v: &VectorArgs,
) -> Result<(Field, Pairs, Option<u64>), Failure> {
    match (&v.input, v.random) {
        (Some(path), None) => {
            let file = PairsFile::from_json(&read_file(path)?).map_err(|e| in_file(path, e))?;
            let f = file.resolve_field(field.field.as_deref(), field.modulus.as_deref())?;
            let pairs = file.parse_pairs(&f).map_err(|e| in_file(path, e))?;
            Ok((f, pairs, None))
        }
        (None, Some(n)) => {
            let f = field.resolve()?;
            let seed = seed_or_fresh(v.seed);
            Ok((f.clone(), random_pairs(&f, n, seed), Some(seed)))
        }
        _ => Err(Failure::input(GIVE_VECTORS)),
    }
}

/// A point adder's curve, operand pairs and the seed they came from (if random).
pub type PointPairs = (Curve, Vec<(Projective, Projective)>, Option<u64>);

/// Point pairs (in the formula's projective form), their curve and seed, from --input or
/// --random; the curve of --curve and of the file must agree.
///
/// `mixed`: pairs for the mixed adder, whose P2 is affine: random vectors come from
/// `mixed_add_pairs`, and a file whose P2 is the identity is refused.
pub fn load_point_pairs(
    curve: &CurveArgs,
    v: &VectorArgs,
    mixed: bool,
) -> Result<PointPairs, Failure> {
    match (&v.input, v.random) {
        (Some(path), None) => {
            let file =
                PointPairsFile::from_json(&read_file(path)?).map_err(|e| in_file(path, e))?;
            let c = curve.curve(Some(&file.curve))?;
            let (_, pairs) = file.parse().map_err(|e| in_file(path, e))?;
            if mixed {
                if let Some(i) = pairs.iter().position(|(_, q)| *q == Affine::Infinity) {
                    return Err(Failure::input(format!(
                        "{}: pairs[{i}][1] is the identity, but the mixed adder takes P2 affine \
                         (the MSM drops identity points before the adder)",
                        path.display()
                    )));
                }
            }
            let proj = pairs
                .iter()
                .map(|(p, q)| (Projective::from_affine(p), Projective::from_affine(q)))
                .collect();
            Ok((c, proj, None))
        }
        (None, Some(n)) => {
            let c = curve.curve(None)?;
            let seed = seed_or_fresh(v.seed);
            let pairs = if mixed {
                mixed_add_pairs(&c, n, seed)
            } else {
                point_add_pairs(&c, n, seed)
            };
            Ok((c, pairs, Some(seed)))
        }
        _ => Err(Failure::input(GIVE_VECTORS)),
    }
}

/// An MSM's curve, points, scalars and the seed they came from (if random).
pub type MsmInput = (Curve, Vec<Affine>, Vec<BigUint>, Option<u64>);

/// Curve, points and scalars from --input or --random; `check_curve` sees the file's curve
/// before the points are parsed, `curve` names the curve of random vectors.
fn msm_input(
    v: &VectorArgs,
    check_curve: impl FnOnce(&str) -> Result<(), Failure>,
    curve: impl FnOnce() -> Result<Curve, Failure>,
) -> Result<MsmInput, Failure> {
    match (&v.input, v.random) {
        (Some(path), None) => {
            let file = MsmFile::from_json(&read_file(path)?).map_err(|e| in_file(path, e))?;
            check_curve(&file.curve)?;
            let (c, p, s) = file.parse().map_err(|e| in_file(path, e))?;
            Ok((c, p, s, None))
        }
        (None, Some(n)) => {
            let c = curve()?;
            let seed = seed_or_fresh(v.seed);
            let (p, s) = random_msm(&c, n, seed);
            Ok((c, p, s, Some(seed)))
        }
        _ => Err(Failure::input(GIVE_VECTORS)),
    }
}

/// Curve, MSMs and seed for `sim msm [--batch M]` (--curve and the file's curve must agree):
/// with --random N, M MSMs (1 without --batch) of N random pairs each, MSM i drawn from seed
/// S + i; with --input, the file's one MSM, or with --batch M its "batches" (exactly M) or its
/// one MSM. A file of "batches" without --batch is refused, not cut to its first MSM.
pub fn load_msm_batches(
    curve: &CurveArgs,
    v: &VectorArgs,
    batch: Option<usize>,
) -> Result<(Curve, Vec<zkhdl_golden::vectors::MsmJob>, Option<u64>), Failure> {
    if batch == Some(0) {
        return Err(Failure::input("--batch must be at least 1"));
    }
    match (&v.input, v.random) {
        (Some(path), None) => {
            let file = MsmFile::from_json(&read_file(path)?).map_err(|e| in_file(path, e))?;
            let c = curve.curve(Some(&file.curve))?;
            let jobs = if batch.is_some() {
                file.parse_batches().map_err(|e| in_file(path, e))?.1
            } else {
                let (_, p, s) = file.parse().map_err(|e| in_file(path, e))?;
                vec![(p, s)]
            };
            if let Some(m) = batch {
                if m != jobs.len() {
                    return Err(Failure::input(format!(
                        "--batch {m} but {} holds {} MSM(s)",
                        path.display(),
                        jobs.len()
                    )));
                }
            }
            Ok((c, jobs, None))
        }
        (None, Some(n)) => {
            let c = curve.curve(None)?;
            let seed = seed_or_fresh(v.seed);
            let jobs = (0..batch.unwrap_or(1) as u64)
                .map(|i| random_msm(&c, n, seed.wrapping_add(i)))
                .collect();
            Ok((c, jobs, Some(seed)))
        }
        _ => Err(Failure::input(GIVE_VECTORS)),
    }
}

/// Curve, points and scalars for `golden msm` (the file's curve wins; --curve names the
/// curve of random vectors, bls12-381 by default).
pub fn load_golden_msm(curve: Option<&str>, v: &VectorArgs) -> Result<MsmInput, Failure> {
    msm_input(
        v,
        |_| Ok(()),
        || Ok(Curve::from_name(curve.unwrap_or("bls12-381"))?),
    )
}
