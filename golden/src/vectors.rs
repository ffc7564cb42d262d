//! JSON vector files of the CLI contracts (examples in `tests/fixtures/`).
//! Values are canonical hex strings `"0x..."`.

use crate::curve::{Affine, AffineJson, Curve};
use crate::error::GoldenError;
use crate::field::Field;
use crate::hex::{parse_hex, to_hex};
use num_bigint::BigUint;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The one RNG behind every `--seed`: the same seed gives the same vectors on every machine.
pub fn rng_from_seed(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// Operand pairs for two-operand field cores (`modadd`, `modmul`):
/// `{"field": "<preset>"}` or `{"modulus": "0x..."}`, plus `"pairs": [["0x..","0x.."], ...]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairsFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modulus: Option<String>,
    /// Each entry must hold exactly two values; [`PairsFile::parse_pairs`] checks.
    pub pairs: Vec<Vec<String>>,
}

impl PairsFile {
    pub fn from_json(text: &str) -> Result<Self, GoldenError> {
        serde_json::from_str(text)
            .map_err(|e| GoldenError::BadInput(format!("malformed input JSON: {e}")))
    }

    pub fn new(field: &Field, pairs: &[(BigUint, BigUint)]) -> Self {
        let (f, m) = match field.preset_kind() {
            Some(p) => (Some(p.name().to_string()), None),
            None => (None, Some(to_hex(field.modulus()))),
        };
        PairsFile {
            field: f,
            modulus: m,
            pairs: pairs
                .iter()
                .map(|(a, b)| vec![to_hex(a), to_hex(b)])
                .collect(),
        }
    }

    /// The field named by the file, or by `field`/`modulus` given on the command line when the
    /// file names none. When both name one they must agree.
    pub fn resolve_field(
        &self,
        field: Option<&str>,
        modulus: Option<&str>,
    ) -> Result<Field, GoldenError> {
        let from_file = if self.field.is_some() || self.modulus.is_some() {
            Some(Field::resolve(
                self.field.as_deref(),
                self.modulus.as_deref(),
            )?)
        } else {
            None
        };
        let from_cli = if field.is_some() || modulus.is_some() {
            Some(Field::resolve(field, modulus)?)
        } else {
            None
        };
        match (from_file, from_cli) {
            (Some(a), Some(b)) if a.modulus() != b.modulus() => Err(GoldenError::BadInput(format!(
                "the input file names field {} but the command line names {}",
                a.name(),
                b.name()
            ))),
            (Some(a), _) => Ok(a),
            (None, Some(b)) => Ok(b),
            (None, None) => Err(GoldenError::BadInput(
                "no field given: put \"field\" or \"modulus\" in the input file, or pass --field/--modulus".into(),
            )),
        }
    }

    /// Parses every operand, checking each is below the modulus; errors name the pair index.
    pub fn parse_pairs(&self, field: &Field) -> Result<Vec<(BigUint, BigUint)>, GoldenError> {
        self.pairs
            .iter()
            .enumerate()
            .map(|(i, pair)| {
                let [a, b] = pair.as_slice() else {
                    return Err(GoldenError::BadInput(format!(
                        "pairs[{i}] has {} values; each pair needs exactly two",
                        pair.len()
                    )));
                };
                Ok((
                    field.parse_element(&format!("pairs[{i}][0]"), a)?,
                    field.parse_element(&format!("pairs[{i}][1]"), b)?,
                ))
            })
            .collect()
    }
}

/// Expected results of `modadd`: one sum and one difference per pair.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModAddExpected {
    pub sums: Vec<String>,
    pub differences: Vec<String>,
}

impl ModAddExpected {
    pub fn compute(field: &Field, pairs: &[(BigUint, BigUint)]) -> Self {
        ModAddExpected {
            sums: pairs
                .iter()
                .map(|(a, b)| to_hex(&field.add(a, b)))
                .collect(),
            differences: pairs
                .iter()
                .map(|(a, b)| to_hex(&field.sub(a, b)))
                .collect(),
        }
    }
}

/// Expected results of `modmul`: one canonical product a*b mod p per pair.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModMulExpected {
    pub products: Vec<String>,
}

impl ModMulExpected {
    pub fn compute(field: &Field, pairs: &[(BigUint, BigUint)]) -> Self {
        ModMulExpected {
            products: pairs
                .iter()
                .map(|(a, b)| to_hex(&field.mul(a, b)))
                .collect(),
        }
    }
}

/// Random operand pairs, uniformly below p.
pub fn random_pairs(field: &Field, n: usize, seed: u64) -> Vec<(BigUint, BigUint)> {
    let mut rng = rng_from_seed(seed);
    (0..n)
        .map(|_| {
            (
                field.random_element(&mut rng),
                field.random_element(&mut rng),
            )
        })
        .collect()
}

/// Every ordered pair of the field's edge values (0, 1, p-1, a+b = p, borrow, carry chains...).
pub fn edge_pairs(field: &Field) -> Vec<(BigUint, BigUint)> {
    let e = field.edge_values();
    let mut out = Vec::with_capacity(e.len() * e.len());
    for a in &e {
        for b in &e {
            out.push((a.clone(), b.clone()));
        }
    }
    out
}

/// MSM input: `{"curve": "bls12-381", "points": [{"x","y"} | "infinity", ...], "scalars": [...]}`,
/// or several MSMs run back to back: `{"curve": C, "batches": [{"points": [...], "scalars":
/// [...]}, ...]}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MsmFile {
    pub curve: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub points: Vec<AffineJson>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scalars: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batches: Option<Vec<MsmBatchJson>>,
}

/// One MSM of a `"batches"` list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MsmBatchJson {
    pub points: Vec<AffineJson>,
    pub scalars: Vec<String>,
}

/// The points and scalars of one MSM.
pub type MsmJob = (Vec<Affine>, Vec<BigUint>);

impl MsmFile {
    pub fn from_json(text: &str) -> Result<Self, GoldenError> {
        serde_json::from_str(text)
            .map_err(|e| GoldenError::BadInput(format!("malformed input JSON: {e}")))
    }

    /// Parses and validates one MSM: points on the curve and in the subgroup, scalars below r,
    /// equal lengths. Errors name the offending index. A file with `"batches"` is refused
    /// here: see [`MsmFile::parse_batches`].
    pub fn parse(&self) -> Result<(Curve, Vec<Affine>, Vec<BigUint>), GoldenError> {
        let curve = Curve::from_name(&self.curve)?;
        if self.batches.is_some() {
            return Err(GoldenError::BadInput(
                "the file holds \"batches\" (several MSMs): run it with `sim msm --batch M`".into(),
            ));
        }
        let (points, scalars) = parse_job(&curve, &self.points, &self.scalars, "")?;
        Ok((curve, points, scalars))
    }

    /// Parses and validates every MSM of the file: the `"batches"` list, or the one MSM of
    /// `"points"` and `"scalars"`. Errors name `batches[b].points[i]` and the like.
    pub fn parse_batches(&self) -> Result<(Curve, Vec<MsmJob>), GoldenError> {
        let curve = Curve::from_name(&self.curve)?;
        let Some(batches) = &self.batches else {
            let job = parse_job(&curve, &self.points, &self.scalars, "")?;
            return Ok((curve, vec![job]));
        };
        if !self.points.is_empty() || !self.scalars.is_empty() {
            return Err(GoldenError::BadInput(
                "give either \"batches\" or \"points\" and \"scalars\", not both".into(),
            ));
        }
        if batches.is_empty() {
            return Err(GoldenError::BadInput("\"batches\" is empty".into()));
        }
        let jobs = batches
            .iter()
            .enumerate()
            .map(|(b, m)| parse_job(&curve, &m.points, &m.scalars, &format!("batches[{b}].")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((curve, jobs))
    }
}

/// One MSM's points and scalars, validated; `at` prefixes the names in errors.
fn parse_job(
    curve: &Curve,
    points_json: &[AffineJson],
    scalars_json: &[String],
    at: &str,
) -> Result<MsmJob, GoldenError> {
    if points_json.len() != scalars_json.len() {
        return Err(GoldenError::BadInput(format!(
            "{at}points has {} entries but {at}scalars {}; the lists must have equal length",
            points_json.len(),
            scalars_json.len()
        )));
    }
    let mut points = Vec::with_capacity(points_json.len());
    for (i, p) in points_json.iter().enumerate() {
        let a = p
            .to_affine()
            .map_err(|e| GoldenError::BadInput(format!("{at}points[{i}]: {e}")))?;
        curve
            .validate(&a)
            .map_err(|e| GoldenError::BadInput(format!("{at}points[{i}]: {e}")))?;
        points.push(a);
    }
    let fr = curve.scalar_field();
    let scalars = scalars_json
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let v = parse_hex(s)
                .map_err(|e| GoldenError::BadInput(format!("{at}scalars[{i}]: {e}")))?;
            fr.check(&format!("{at}scalars[{i}]"), &v)?;
            Ok(v)
        })
        .collect::<Result<Vec<_>, GoldenError>>()?;
    Ok((points, scalars))
}

/// Point-adder input: `{"curve": "bls12-381", "pairs": [[P, Q], ...]}`, each point
/// `{"x": "0x..", "y": "0x.."}` or `"infinity"` (affine, canonical).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointPairsFile {
    pub curve: String,
    pub pairs: Vec<Vec<AffineJson>>,
}

impl PointPairsFile {
    pub fn from_json(text: &str) -> Result<Self, GoldenError> {
        serde_json::from_str(text)
            .map_err(|e| GoldenError::BadInput(format!("malformed input JSON: {e}")))
    }

    /// Parses and validates every point (on the curve, in the subgroup); errors name
    /// `pairs[i][j]`.
    pub fn parse(&self) -> Result<(Curve, Vec<(Affine, Affine)>), GoldenError> {
        let curve = Curve::from_name(&self.curve)?;
        let mut out = Vec::with_capacity(self.pairs.len());
        for (i, pair) in self.pairs.iter().enumerate() {
            if pair.len() != 2 {
                return Err(GoldenError::BadInput(format!(
                    "pairs[{i}] holds {} points, expected 2",
                    pair.len()
                )));
            }
            let mut pts = Vec::with_capacity(2);
            for (j, p) in pair.iter().enumerate() {
                let a = p
                    .to_affine()
                    .and_then(|a| curve.validate(&a).map(|_| a))
                    .map_err(|e| GoldenError::BadInput(format!("pairs[{i}][{j}]: {e}")))?;
                pts.push(a);
            }
            let q = pts.pop().expect("two points");
            let p = pts.pop().expect("two points");
            out.push((p, q));
        }
        Ok((curve, out))
    }
}

/// The draws both point-adder vector sets share, in one seeded order: random points, nonzero
/// field elements, and points scaled by them.
struct PairDraws<'a> {
    curve: &'a Curve,
    fq: Field,
    rng: ChaCha8Rng,
}

impl<'a> PairDraws<'a> {
    fn new(curve: &'a Curve, seed: u64) -> Self {
        PairDraws {
            curve,
            fq: curve.base_field(),
            rng: rng_from_seed(seed),
        }
    }

    fn point(&mut self) -> crate::rcb::Projective {
        crate::rcb::Projective::from_affine(&self.curve.random_point(&mut self.rng))
    }

    fn nonzero(&mut self) -> BigUint {
        loop {
            let z = self.fq.random_element(&mut self.rng);
            if z != BigUint::default() {
                return z;
            }
        }
    }

    /// `(X z : Y z : Z z)`: the same point.
    fn scale(&self, p: &crate::rcb::Projective, z: &BigUint) -> crate::rcb::Projective {
        crate::rcb::Projective {
            x: self.fq.mul(&p.x, z),
            y: self.fq.mul(&p.y, z),
            z: self.fq.mul(&p.z, z),
        }
    }

    /// A random P (affine), -P, and G, projective.
    fn p_neg_p_and_g(
        &mut self,
    ) -> (
        crate::rcb::Projective,
        crate::rcb::Projective,
        crate::rcb::Projective,
    ) {
        use crate::rcb::Projective;
        let p = self.curve.random_point(&mut self.rng);
        (
            Projective::from_affine(&p),
            Projective::from_affine(&self.curve.neg(&p)),
            Projective::from_affine(&self.curve.generator()),
        )
    }
}

/// The identity with a nonzero y other than 1: `(0 : l : 0)`.
fn scaled_identity(l: BigUint) -> crate::rcb::Projective {
    crate::rcb::Projective {
        x: BigUint::default(),
        y: l,
        z: BigUint::default(),
    }
}

/// Point pairs for the point adder, in projective form: first the edge cases of a complete
/// formula (P + P, P + (-P), O + P, P + O, O + O, a scaled identity (0 : l : 0), G + G, and
/// doubling and negation with Z != 1), then random pairs, each coordinate triple scaled by a
/// random nonzero Z so that the full projective formula is exercised.
pub fn point_add_pairs(
    curve: &Curve,
    n: usize,
    seed: u64,
) -> Vec<(crate::rcb::Projective, crate::rcb::Projective)> {
    let mut d = PairDraws::new(curve, seed);
    let (pp, np, g) = d.p_neg_p_and_g();
    let o = crate::rcb::Projective::identity();
    let (z1, z2, l) = (d.nonzero(), d.nonzero(), d.nonzero());
    let mut v = vec![
        (pp.clone(), pp.clone()),
        (pp.clone(), np.clone()),
        (o.clone(), pp.clone()),
        (pp.clone(), o.clone()),
        (o.clone(), o.clone()),
        (scaled_identity(l), pp.clone()),
        (g.clone(), g),
        (d.scale(&pp, &z1), d.scale(&pp, &z2)),
        (d.scale(&pp, &z1), d.scale(&np, &z2)),
    ];
    v.truncate(n);
    while v.len() < n {
        let (a, b) = (d.point(), d.point());
        let (za, zb) = (d.nonzero(), d.nonzero());
        v.push((d.scale(&a, &za), d.scale(&b, &zb)));
    }
    v
}

/// Pairs for the mixed point adder: P1 projective, P2 affine (Z = 1) and never the identity.
/// First the edge cases (P + P, P + (-P), O + P, (0 : l : 0) + P, G + G, and doubling and
/// negation with P1's Z != 1), then random pairs with P1 scaled by a random nonzero Z.
pub fn mixed_add_pairs(
    curve: &Curve,
    n: usize,
    seed: u64,
) -> Vec<(crate::rcb::Projective, crate::rcb::Projective)> {
    let mut d = PairDraws::new(curve, seed);
    let (pp, np, g) = d.p_neg_p_and_g();
    let (z1, l) = (d.nonzero(), d.nonzero());
    let mut v = vec![
        (pp.clone(), pp.clone()),
        (np.clone(), pp.clone()),
        (crate::rcb::Projective::identity(), pp.clone()),
        (scaled_identity(l), pp.clone()),
        (g.clone(), g),
        (d.scale(&pp, &z1), pp.clone()),
        (d.scale(&np, &z1), pp.clone()),
    ];
    v.truncate(n);
    while v.len() < n {
        let (a, b) = (d.point(), d.point());
        let za = d.nonzero();
        v.push((d.scale(&a, &za), b));
    }
    v
}

/// `n` random MSM pairs: points of the prime-order subgroup, then scalars below r, all from
/// one seeded RNG (so `golden msm` and `sim msm` with the same seed see the same vectors).
pub fn random_msm(curve: &Curve, n: usize, seed: u64) -> (Vec<Affine>, Vec<BigUint>) {
    let mut rng = rng_from_seed(seed);
    let points: Vec<Affine> = (0..n).map(|_| curve.random_point(&mut rng)).collect();
    let fr = curve.scalar_field();
    let scalars = (0..n).map(|_| fr.random_element(&mut rng)).collect();
    (points, scalars)
}

/// Expected MSM result (affine, canonical).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MsmExpected {
    pub result: AffineJson,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(name: &str) -> String {
        let path = format!("{}/../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn shared_examples_agree_with_golden() {
        let inp = PairsFile::from_json(&example("modadd-input-custom.json")).unwrap();
        let f = inp.resolve_field(None, None).unwrap();
        let exp: ModAddExpected =
            serde_json::from_str(&example("modadd-expected-custom.json")).unwrap();
        assert_eq!(
            ModAddExpected::compute(&f, &inp.parse_pairs(&f).unwrap()),
            exp
        );

        let inp = PairsFile::from_json(&example("modmul-input.json")).unwrap();
        let f = inp.resolve_field(None, None).unwrap();
        let exp: ModMulExpected = serde_json::from_str(&example("modmul-expected.json")).unwrap();
        assert_eq!(
            ModMulExpected::compute(&f, &inp.parse_pairs(&f).unwrap()),
            exp
        );

        let inp = MsmFile::from_json(&example("msm-input.json")).unwrap();
        let (c, p, s) = inp.parse().unwrap();
        let exp: MsmExpected = serde_json::from_str(&example("msm-expected.json")).unwrap();
        assert_eq!(AffineJson::from_affine(&c.msm(&p, &s)), exp.result);
    }

    #[test]
    fn rejects_out_of_range_and_bad_points() {
        let f = Field::from_name("bn254-fr").unwrap();
        let p = to_hex(f.modulus());
        let file = PairsFile {
            field: Some("bn254-fr".into()),
            modulus: None,
            pairs: vec![vec!["0x1".into(), p]],
        };
        let err = file.parse_pairs(&f).unwrap_err().to_string();
        assert!(err.contains("pairs[0][1]"), "{err}");

        let mut m = MsmFile::from_json(&example("msm-input.json")).unwrap();
        m.points[1] = AffineJson::Point {
            x: "0x1".into(),
            y: "0x2".into(),
        };
        let err = m.parse().unwrap_err().to_string();
        assert!(err.contains("points[1]"), "{err}");
    }
}
