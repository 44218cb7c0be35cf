//! Parameter analysis (`host-train analyze`): how well the data determines each fitted parameter.
//!
//! - The **observed information** is minus the Hessian of the log-likelihood at the fitted
//!   parameters, computed exactly by evaluating the core model in second-order dual numbers
//!   (num-dual's `Dual2SVec64<N>`, `N` the variant's parameter count, through the [`Hess`] wrapper
//!   implementing [`galling::Scalar`]); no model formula is written here. Every variant of the
//!   family is analysed.
//! - It is analysed in the scaled coordinates `x / scale` of the fit ([`crate::fit::scale`]),
//!   where parameters of six orders of magnitude are comparable: eigen-decomposition (Jacobi), the
//!   covariance as its (pseudo-)inverse, **standard errors** and the **correlation matrix** in model
//!   units.
//! - **Flags**: near-singular directions (eigenvalue below `1e-8` of the largest: the data does not
//!   determine that combination, e.g. the tilt terms `g0`, `g_T`), negative eigenvalues (not a
//!   maximum: a parameter on a bound), parameters whose standard error reaches their magnitude, and
//!   the physical-bound flags of the fit.
//! - The **worst transitions**: the lowest log-probabilities of the data under the parameters.
//!
//! The start-only parameters (`mu0_base`, V7's `mu0_T`) do not enter the likelihood and are left out.

use crate::dataset::Dataset;
use crate::fit::objective::{N_PARAMS, Objective, Point, series_ll};
use galling::dual::num_dual::{Dual2SVec64, DualNum};
use galling::family::{AnyModel, ModelParams, ParamCountTask};
use galling::{Kernel, Scalar};
use rayon::prelude::*;
use serde::Serialize;
use std::ops::{Add, Div, Mul, Neg, Sub};
use std::path::PathBuf;

/// A second-order dual number over the `N` parameters of a variant (15 for V8, 13 for V8-13, 12
/// for V9, 17 for V7): value, gradient and Hessian.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Hess<const N: usize>(pub Dual2SVec64<N>);

macro_rules! op {
    ($tr:ident, $f:ident) => {
        impl<const N: usize> $tr for Hess<N> {
            type Output = Self;
            #[inline]
            fn $f(self, o: Self) -> Self {
                Self(self.0.$f(o.0))
            }
        }
    };
}
op!(Add, add);
op!(Sub, sub);
op!(Mul, mul);
op!(Div, div);

impl<const N: usize> Neg for Hess<N> {
    type Output = Self;
    #[inline]
    fn neg(self) -> Self {
        Self(-self.0)
    }
}

impl<const N: usize> Scalar for Hess<N> {
    fn from_f64(x: f64) -> Self {
        Self(Dual2SVec64::from_re(x))
    }
    fn from_f32(x: f32) -> Self {
        Self::from_f64(f64::from(x))
    }
    fn to_f64(self) -> f64 {
        self.0.re
    }
    fn exp(self) -> Self {
        Self(DualNum::exp(&self.0))
    }
    fn ln(self) -> Self {
        Self(DualNum::ln(&self.0))
    }
    fn sqrt(self) -> Self {
        Self(DualNum::sqrt(&self.0))
    }
    fn abs(self) -> Self {
        if self.0.re < 0.0 { -self } else { self }
    }
    fn is_finite(self) -> bool {
        self.0.re.is_finite()
    }
}

impl<const N: usize> Hess<N> {
    /// The gradient part, in the first `N` slots of a [`Point`] (0 in the others).
    pub fn gradient(&self) -> Point {
        match &self.0.v1.0 {
            Some(v) => std::array::from_fn(|i| if i < N { v[(0, i)] } else { 0.0 }),
            None => [0.0; N_PARAMS],
        }
    }

    /// The Hessian part, in the first `N` rows and columns (0 in the others).
    pub fn hessian(&self) -> [[f64; N_PARAMS]; N_PARAMS] {
        match &self.0.v2.0 {
            Some(m) => std::array::from_fn(|i| {
                std::array::from_fn(|j| if i < N && j < N { m[(i, j)] } else { 0.0 })
            }),
            None => [[0.0; N_PARAMS]; N_PARAMS],
        }
    }
}

/// Log-likelihood of `data` at `params` (any variant), its gradient and its Hessian (exact,
/// second-order duals as wide as the variant's parameter count; in the first slots of a [`Point`]);
/// `None` when the parameters are not a valid model or a value is not finite.
///
/// A variant with stroke features (V8-P) standardises them by settings fixed from `data`
/// ([`crate::precursor::TrainingScaling::from_training`]), as `train` does;
/// [`log_likelihood_hessian_scaled`] takes them given.
pub fn log_likelihood_hessian(
    data: &Dataset,
    params: &ModelParams<f64>,
) -> Option<(f64, Point, [[f64; N_PARAMS]; N_PARAMS])> {
    let objective = Objective::new(data, params.model());
    params.model().with_param_count(HessianAt {
        objective: &objective,
        params,
    })
}

/// [`log_likelihood_hessian`] with the stroke features standardised by `scaling` (a variant
/// without features ignores it).
pub fn log_likelihood_hessian_scaled(
    data: &Dataset,
    params: &ModelParams<f64>,
    scaling: Option<&crate::precursor::FeatureScaling>,
) -> Option<(f64, Point, [[f64; N_PARAMS]; N_PARAMS])> {
    let objective = Objective::with_scaling(data, params.model(), scaling);
    params.model().with_param_count(HessianAt {
        objective: &objective,
        params,
    })
}

/// [`hessian_at`] at the width [`ModelId::with_param_count`](galling::family::ModelId::with_param_count)
/// picks.
struct HessianAt<'a> {
    objective: &'a Objective,
    params: &'a ModelParams<f64>,
}

impl ParamCountTask for HessianAt<'_> {
    type Output = Option<(f64, Point, [[f64; N_PARAMS]; N_PARAMS])>;

    fn run<const N: usize>(self) -> Self::Output {
        hessian_at::<N>(self.objective, self.params)
    }
}

fn hessian_at<const N: usize>(
    objective: &Objective,
    params: &ModelParams<f64>,
) -> Option<(f64, Point, [[f64; N_PARAMS]; N_PARAMS])> {
    let x = params.values();
    let vars: [Hess<N>; N] =
        std::array::from_fn(|i| Hess(Dual2SVec64::from_re(x[i]).derivative(i)));
    let model = AnyModel::new(&ModelParams::new(params.model(), &vars)?).ok()?;
    let parts: Vec<Hess<N>> = objective
        .series_with_inputs()
        .map(|(s, z)| series_ll(&model, s, z))
        .collect();
    let total = parts
        .into_iter()
        .fold(Hess::from_f64(0.0), |acc, p| acc + p);
    let (g, h) = (total.gradient(), total.hessian());
    let finite = total.0.re.is_finite()
        && g.iter().all(|v| v.is_finite())
        && h.iter().flatten().all(|v| v.is_finite());
    finite.then_some((total.0.re, g, h))
}

/// Eigenvalues and eigenvectors of a symmetric matrix (nalgebra's [`SymmetricEigen`]),
/// eigenvalues in descending order; each eigenvector (one `Vec` per eigenvalue) has its largest
/// component positive (a fixed sign, so reports do not flip).
///
/// [`SymmetricEigen`]: nalgebra::SymmetricEigen
///
/// ```
/// let (vals, vecs) = host_train::analyze::symmetric_eigen(&[vec![2.0, 1.0], vec![1.0, 2.0]]);
/// assert!((vals[0] - 3.0).abs() < 1e-12 && (vals[1] - 1.0).abs() < 1e-12);
/// assert!((vecs[0][0] - 0.5f64.sqrt()).abs() < 1e-12);
/// ```
pub fn symmetric_eigen(a: &[Vec<f64>]) -> (Vec<f64>, Vec<Vec<f64>>) {
    let n = a.len();
    let e = nalgebra::SymmetricEigen::new(nalgebra::DMatrix::from_fn(n, n, |i, j| a[i][j]));
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| e.eigenvalues[j].total_cmp(&e.eigenvalues[i]));
    let vals = order.iter().map(|&i| e.eigenvalues[i]).collect();
    let vecs = order
        .iter()
        .map(|&i| {
            let v: Vec<f64> = e.eigenvectors.column(i).iter().copied().collect();
            let largest = v
                .iter()
                .copied()
                .fold(0.0_f64, |m, x| if x.abs() > m.abs() { x } else { m });
            let sign = if largest < 0.0 { -1.0 } else { 1.0 };
            v.into_iter().map(|x| sign * x).collect()
        })
        .collect();
    (vals, vecs)
}

/// One parameter's line of the analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamRow {
    /// Model name.
    pub name: String,
    /// Fitted value.
    pub value: f64,
    /// Standard error from the observed information (`None`: not determined).
    pub standard_error: Option<f64>,
    /// `value / standard_error`.
    pub z: Option<f64>,
    /// Why the parameter is flagged (empty: determined).
    pub flags: Vec<String>,
}

/// A direction of the information matrix (scaled coordinates).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Direction {
    /// Eigenvalue of the observed information (scaled coordinates).
    pub eigenvalue: f64,
    /// Eigenvalue relative to the largest.
    pub relative: f64,
    /// Components larger than 0.2 in magnitude: `(parameter, component)`.
    pub components: Vec<(String, f64)>,
}

/// One transition of the data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransitionRow {
    /// Series label.
    pub series: String,
    /// Model temperature, degC.
    pub temperature: f64,
    /// Index of the stroke the transition starts at (0-based within the series).
    pub stroke: usize,
    /// COF before.
    pub from: f64,
    /// COF after.
    pub to: f64,
    /// `log p(to - from | T, from)`.
    pub log_prob: f64,
    /// Posterior probability that it was a jump.
    pub jump_posterior: f64,
}

/// A flag of the whole fit in an [`Analysis`]: a physical flag of the parameters or a direction of
/// the information the data does not pin down. `Display` is the line `analysis.md` prints;
/// serialised as that string.
///
/// ```
/// use host_train::analyze::AnalysisFlag;
/// let f = AnalysisFlag::NearSingular {
///     relative: 1e-12,
///     components: vec![("omega0".into(), 0.9)],
/// };
/// assert_eq!(
///     f.to_string(),
///     "near-singular direction (relative eigenvalue 1.0e-12) along [+0.90 omega0]: the data does not determine it"
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum AnalysisFlag {
    /// A [`physical_flags`](crate::fit::physical_flags) finding about the parameters.
    Physical(crate::fit::PhysicalFlag),
    /// The observed information has a negative eigenvalue: not a maximum along that direction.
    NegativeCurvature {
        /// The eigenvalue (scaled coordinates).
        eigenvalue: f64,
        /// Components of the direction larger than 0.2 in magnitude: `(parameter, component)`.
        components: Vec<(String, f64)>,
    },
    /// The eigenvalue relative to the largest is below the singularity threshold.
    NearSingular {
        /// Eigenvalue relative to the largest.
        relative: f64,
        /// Components of the direction larger than 0.2 in magnitude: `(parameter, component)`.
        components: Vec<(String, f64)>,
    },
}

impl std::fmt::Display for AnalysisFlag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let comps = |c: &[(String, f64)]| {
            c.iter()
                .map(|(n, c)| format!("{c:+.2} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Self::Physical(p) => write!(f, "{p}"),
            Self::NegativeCurvature {
                eigenvalue,
                components,
            } => write!(
                f,
                "negative curvature {eigenvalue:.3e} along [{}]: not a maximum there (a parameter on a bound?)",
                comps(components)
            ),
            Self::NearSingular {
                relative,
                components,
            } => write!(
                f,
                "near-singular direction (relative eigenvalue {relative:.1e}) along [{}]: the data does not determine it",
                comps(components)
            ),
        }
    }
}

/// Serialised as its `Display` text (the prose `analysis.json` has always held).
impl Serialize for AnalysisFlag {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The whole analysis (`analysis.json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// Log-likelihood at the parameters.
    pub log_likelihood: f64,
    /// Transitions.
    pub transitions: usize,
    /// Largest gradient component in scaled coordinates (near 0 at an interior optimum).
    pub max_scaled_gradient: f64,
    /// Per parameter (storage order, `mu0_base` excluded).
    pub parameters: Vec<ParamRow>,
    /// Correlation matrix of the analysed parameters (order of `parameters`); `None` entries where
    /// a standard error is undetermined.
    pub correlation: Vec<Vec<Option<f64>>>,
    /// Eigen-directions of the observed information, largest first.
    pub directions: Vec<Direction>,
    /// Condition number of the information (largest / smallest positive eigenvalue).
    pub condition: f64,
    /// Flags of the whole fit.
    pub flags: Vec<AnalysisFlag>,
    /// The worst transitions, lowest log-probability first.
    pub worst: Vec<TransitionRow>,
}

/// Relative eigenvalue below which a direction counts as undetermined.
pub const SINGULAR: f64 = 1e-8;

/// Why an analysis could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnalyzeError {
    /// The parameters are not a valid model, or the likelihood or its derivatives are not finite.
    #[error("the log-likelihood or its derivatives are not finite at these parameters")]
    NotFinite,
    /// The data has no transition.
    #[error("the data has no stroke-to-stroke transition")]
    NoTransitions,
    /// An output could not be written.
    #[error(transparent)]
    Write(#[from] crate::atomic::WriteError),
    /// A figure could not be drawn.
    #[error(transparent)]
    Plot(#[from] crate::atomic::PlotError),
    /// The output folder could not be created.
    #[error("cannot create {}", path.display())]
    OutDir {
        /// The folder.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}

/// Analyses `params` on `data`, listing the `worst` lowest-probability transitions.
///
/// # Errors
/// [`AnalyzeError`] when the data is empty or the derivatives are not finite.
pub fn analyze(
    data: &Dataset,
    params: &ModelParams<f64>,
    worst: usize,
) -> Result<Analysis, AnalyzeError> {
    let scaling = <crate::precursor::FeatureScaling as crate::precursor::TrainingScaling>::of_fit(
        params.model(),
        data,
    );
    analyze_scaled(data, params, scaling.as_ref(), worst)
}

/// [`analyze`] with the stroke features of a variant that uses them (V8-P) standardised by
/// `scaling` (the settings stored in its parameter file); the worst transitions are scored at
/// the clean baseline.
///
/// # Errors
/// As [`analyze`].
pub fn analyze_scaled(
    data: &Dataset,
    params: &ModelParams<f64>,
    scaling: Option<&crate::precursor::FeatureScaling>,
    worst: usize,
) -> Result<Analysis, AnalyzeError> {
    if data.transitions() == 0 {
        return Err(AnalyzeError::NoTransitions);
    }
    let (ll, g, h) =
        log_likelihood_hessian_scaled(data, params, scaling).ok_or(AnalyzeError::NotFinite)?;
    let x = crate::fit::objective::point_of(params);
    let fields = params.variant().fields;
    let idx: Vec<usize> = (0..fields.len())
        .filter(|&i| !crate::fit::START_ONLY.contains(&fields[i].name))
        .collect();
    let names: Vec<String> = idx.iter().map(|&i| fields[i].name.to_string()).collect();
    let scale = crate::fit::scale(params.model());
    let n = idx.len();
    // Observed information in scaled coordinates: -S H S.
    let info: Vec<Vec<f64>> = idx
        .iter()
        .map(|&i| {
            idx.iter()
                .map(|&j| -h[i][j] * scale[i] * scale[j])
                .collect()
        })
        .collect();
    let (vals, vecs) = symmetric_eigen(&info);
    let top = vals.first().copied().unwrap_or(0.0).max(f64::MIN_POSITIVE);
    let determined: Vec<bool> = vals.iter().map(|&l| l > SINGULAR * top).collect();
    // Covariance from the determined directions; a parameter with weight in an undetermined
    // direction has no standard error.
    let mut cov = vec![vec![0.0; n]; n];
    for (k, (&l, v)) in vals.iter().zip(&vecs).enumerate() {
        if determined[k] {
            for i in 0..n {
                for j in 0..n {
                    cov[i][j] += v[i] * v[j] / l;
                }
            }
        }
    }
    let undetermined_weight: Vec<f64> = (0..n)
        .map(|i| {
            vecs.iter()
                .zip(&determined)
                .filter(|(_, d)| !**d)
                .map(|(v, _)| v[i] * v[i])
                .sum()
        })
        .collect();
    let se_scaled: Vec<Option<f64>> = (0..n)
        .map(|i| (undetermined_weight[i] < 1e-2 && cov[i][i] > 0.0).then(|| cov[i][i].sqrt()))
        .collect();
    let mut parameters = Vec::new();
    for (k, &i) in idx.iter().enumerate() {
        let se = se_scaled[k].map(|s| s * scale[i]);
        let mut flags = Vec::new();
        if se.is_none() {
            flags.push(format!(
                "not determined: {:.0} % of it lies in near-singular directions of the information",
                100.0 * undetermined_weight[k]
            ));
        } else if let Some(s) = se
            && s >= x[i].abs()
        {
            flags.push(format!(
                "poorly determined: standard error {s:.3e} reaches |value| {:.3e}",
                x[i].abs()
            ));
        }
        parameters.push(ParamRow {
            name: names[k].clone(),
            value: x[i],
            standard_error: se,
            z: se.map(|s| x[i] / s),
            flags,
        });
    }
    let correlation = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    se_scaled[i]
                        .zip(se_scaled[j])
                        .map(|(a, b)| cov[i][j] / (a * b))
                })
                .collect()
        })
        .collect();
    let directions: Vec<Direction> = vals
        .iter()
        .zip(&vecs)
        .map(|(&l, v)| Direction {
            eigenvalue: l,
            relative: l / top,
            components: v
                .iter()
                .zip(&names)
                .filter(|(c, _)| c.abs() > 0.2)
                .map(|(c, name)| (name.clone(), *c))
                .collect(),
        })
        .collect();
    let smallest_positive = vals
        .iter()
        .copied()
        .filter(|&l| l > 0.0)
        .fold(f64::INFINITY, f64::min);
    let mut flags: Vec<AnalysisFlag> = crate::fit::physical_flags(params)
        .into_iter()
        .map(AnalysisFlag::Physical)
        .collect();
    for d in &directions {
        if d.eigenvalue < 0.0 {
            flags.push(AnalysisFlag::NegativeCurvature {
                eigenvalue: d.eigenvalue,
                components: d.components.clone(),
            });
        } else if d.relative < SINGULAR {
            flags.push(AnalysisFlag::NearSingular {
                relative: d.relative,
                components: d.components.clone(),
            });
        }
    }
    let max_scaled_gradient = idx
        .iter()
        .map(|&i| (g[i] * scale[i]).abs())
        .fold(0.0, f64::max);
    Ok(Analysis {
        log_likelihood: ll,
        transitions: data.transitions(),
        max_scaled_gradient,
        parameters,
        correlation,
        directions,
        condition: top / smallest_positive,
        flags,
        worst: worst_transitions(data, params, worst),
    })
}

/// The `n` transitions with the lowest log-probability under `params`, lowest first.
pub fn worst_transitions(
    data: &Dataset,
    params: &ModelParams<f64>,
    n: usize,
) -> Vec<TransitionRow> {
    let Ok(model) = AnyModel::new(params) else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for s in &data.series {
        let land = model.landscape(s.temperature);
        for (k, w) in s.cof.windows(2).enumerate() {
            let score = land.score(w[0], w[1] - w[0]);
            rows.push(TransitionRow {
                series: s.label.clone(),
                temperature: s.temperature,
                stroke: k,
                from: w[0],
                to: w[1],
                log_prob: score.log_prob,
                jump_posterior: score.jump_posterior,
            });
        }
    }
    rows.sort_by(|a, b| a.log_prob.total_cmp(&b.log_prob));
    rows.truncate(n);
    rows
}

/// `analysis.md` of `a`; `source` says which parameters on which data.
pub(crate) fn render_markdown(a: &Analysis, source: &str) -> String {
    use crate::table::Table;
    let mut s = format!(
        "# Parameter analysis\n\n{source}\n\nLog-likelihood {:.4} over {} transitions; largest \
         scaled gradient component {:.2e}; condition number of the observed information (scaled \
         coordinates) {:.3e}.\n\n",
        a.log_likelihood, a.transitions, a.max_scaled_gradient, a.condition
    );
    s.push_str("## Standard errors (observed information, exact dual-number Hessian)\n\n");
    let mut t = Table::new([
        "parameter",
        "value",
        "standard error",
        "z = value / SE",
        "flags",
    ]);
    for p in &a.parameters {
        t.row([
            p.name.clone(),
            format!("{:.6e}", p.value),
            p.standard_error.map_or("-".into(), |v| format!("{v:.3e}")),
            p.z.map_or("-".into(), |v| format!("{v:.2}")),
            p.flags.join("; "),
        ]);
    }
    s.push_str(&t.markdown());
    s.push_str("\n![parameters](parameters.png)\n\n## Flags\n\n");
    if a.flags.is_empty() {
        s.push_str("none\n");
    }
    for f in &a.flags {
        s.push_str(&format!("- {f}\n"));
    }
    s.push_str("\n## Eigen-directions of the observed information (scaled coordinates)\n\n");
    let mut t = Table::new(["eigenvalue", "relative", "main components"]);
    for d in &a.directions {
        t.row([
            format!("{:.3e}", d.eigenvalue),
            format!("{:.2e}", d.relative),
            d.components
                .iter()
                .map(|(n, c)| format!("{c:+.2} {n}"))
                .collect::<Vec<_>>()
                .join(", "),
        ]);
    }
    s.push_str(&t.markdown());
    s.push_str("\n![correlation](correlation.png)\n\n## Worst transitions\n\n");
    let mut t = Table::new([
        "series",
        "T model",
        "stroke",
        "COF from",
        "COF to",
        "log p",
        "jump posterior",
    ]);
    for w in &a.worst {
        t.row([
            w.series.to_string(),
            w.temperature.to_string(),
            w.stroke.to_string(),
            format!("{:.4}", w.from),
            format!("{:.4}", w.to),
            format!("{:.3}", w.log_prob),
            format!("{:.3}", w.jump_posterior),
        ]);
    }
    s.push_str(&t.markdown());
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::Series;

    fn data() -> Dataset {
        let cof = |base: f64, n: usize| -> Vec<f64> {
            (0..n)
                .map(|i| base + 0.01 * ((i * 7919) % 13) as f64 + if i > n / 2 { 0.3 } else { 0.0 })
                .collect()
        };
        Dataset {
            series: vec![
                Series {
                    label: "a".into(),
                    recorded_temperature: 165.0,
                    temperature: 165.0,
                    cof: cof(0.2, 40),
                    features: None,
                },
                Series {
                    label: "b".into(),
                    recorded_temperature: 170.0,
                    temperature: 170.0,
                    cof: cof(0.25, 40),
                    features: None,
                },
            ],
        }
    }

    #[test]
    #[allow(clippy::needless_range_loop)]
    fn hessian_matches_finite_differences_of_the_dual_gradient() {
        let d = data();
        // The restrictions at the published V8 fit's values of their parameters (a smooth point:
        // the default starts sit on clamps of the test data).
        let v8 = ModelParams::from(galling::V8Params::PUBLISHED_FIT.map(f64::from));
        let restrict = |model: galling::family::ModelId| {
            let values: Vec<f64> = model
                .variant()
                .fields
                .iter()
                .map(|f| v8.get(if f.name == "k" { "h0" } else { f.name }).unwrap())
                .collect();
            ModelParams::new(model, &values).unwrap()
        };
        for p in [
            v8,
            restrict(galling::family::ModelId::V8_13),
            restrict(galling::family::ModelId::V9),
            ModelParams::from(galling::family::V7Params::UPSTREAM_FIT.map(f64::from)),
        ] {
            hessian_of(&d, &p);
        }
    }

    #[allow(clippy::needless_range_loop)]
    fn hessian_of(d: &Dataset, p: &ModelParams<f64>) {
        let model = p.model();
        let (ll, g, h) = log_likelihood_hessian(d, p).unwrap();
        let obj = crate::fit::objective::Objective::new(d, model);
        let x = crate::fit::objective::point_of(p);
        let (ll1, g1) = obj.value_and_gradient(&x).unwrap();
        assert!((ll - ll1).abs() < 1e-9 * ll.abs().max(1.0));
        for i in 0..N_PARAMS {
            assert!((g[i] - g1[i]).abs() <= 1e-9 * g1[i].abs().max(1.0));
        }
        let scale = crate::fit::scale(model);
        let mut worst: f64 = 0.0;
        for j in 0..p.len() {
            let step = 1e-5 * scale[j];
            let at = |s: f64| {
                let mut y = x;
                y[j] += s;
                obj.value_and_gradient(&y).unwrap().1
            };
            let (gp, gm) = (at(step), at(-step));
            for i in 0..N_PARAMS {
                let fd = (gp[i] - gm[i]) / (2.0 * step);
                // Compare in scaled units, where entries are of comparable size.
                let err = (fd - h[i][j]).abs() * scale[i] * scale[j];
                let size = h[i][j].abs() * scale[i] * scale[j];
                worst = worst.max(err / size.max(1.0));
            }
        }
        assert!(
            worst < 1e-4,
            "{model}: dual Hessian and finite differences differ by {worst}"
        );
        // Symmetric, and zero outside the variant's parameters.
        for i in 0..N_PARAMS {
            for j in 0..N_PARAMS {
                assert!((h[i][j] - h[j][i]).abs() <= 1e-9 * h[i][j].abs().max(1.0));
                if i >= p.len() || j >= p.len() {
                    assert_eq!(h[i][j], 0.0);
                }
            }
        }
    }

    #[test]
    fn symmetric_eigen_diagonalises_a_symmetric_matrix() {
        let a = vec![
            vec![4.0, 1.0, 0.5],
            vec![1.0, 3.0, 0.2],
            vec![0.5, 0.2, 1.0],
        ];
        let (vals, vecs) = symmetric_eigen(&a);
        for (l, v) in vals.iter().zip(&vecs) {
            for i in 0..3 {
                let av: f64 = (0..3).map(|k| a[i][k] * v[k]).sum();
                assert!((av - l * v[i]).abs() < 1e-12);
            }
        }
        assert!((vals.iter().sum::<f64>() - 8.0).abs() < 1e-12);
    }

    #[test]
    fn analysis_flags_keep_their_text_and_serialise_as_it() {
        let comps = vec![("mu_L".to_string(), 0.71), ("tau".to_string(), -0.3)];
        let neg = AnalysisFlag::NegativeCurvature {
            eigenvalue: -2.5e-3,
            components: comps.clone(),
        };
        assert_eq!(
            neg.to_string(),
            "negative curvature -2.500e-3 along [+0.71 mu_L, -0.30 tau]: not a maximum there (a parameter on a bound?)"
        );
        let sing = AnalysisFlag::NearSingular {
            relative: 3.0e-11,
            components: comps,
        };
        assert_eq!(
            sing.to_string(),
            "near-singular direction (relative eigenvalue 3.0e-11) along [+0.71 mu_L, -0.30 tau]: the data does not determine it"
        );
        let phys = crate::fit::PhysicalFlag::NotFinite {
            name: "tau",
            value: f64::NAN,
        };
        let p = AnalysisFlag::Physical(phys);
        assert_eq!(p.to_string(), phys.to_string());
        assert_eq!(
            serde_json::to_value([&neg, &sing, &p]).unwrap(),
            serde_json::json!([neg.to_string(), sing.to_string(), phys.to_string()])
        );
    }
}
