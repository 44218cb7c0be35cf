//! The fitting objective: the log-likelihood of a data set and its exact gradient, for any variant
//! of the model family.
//!
//! Both come from the core crate's generic model: [`galling::family::AnyModel`] and
//! [`galling::Kernel::series_log_likelihood`] evaluated in `f64` for the value and in dual numbers
//! (forward mode, one direction per parameter of the variant: 15 for V8, 13 for V8-13, 12 for V9,
//! 17 for V7) for the gradient. No model formula is written here.
//!
//! A [`Point`] has [`N_PARAMS`] slots, one per parameter of the widest variant: slot `i` is the
//! variant's parameter `i` in the order of its table ([`galling::family::Variant::fields`]); the
//! slots past the variant's count are unused and stay 0 (a fit holds them there).

use crate::dataset::Dataset;
use crate::precursor::{FeatureScaling, TrainingScaling};
use galling::dual::{self, num_dual::DualSVec64};
use galling::family::{
    AnyModel, MAX_PARAMS, ModelId, ModelParams, N_PRECURSOR_FEATURES, ParamCountTask,
};
use galling::{Kernel, Scalar};

use super::lbfgs::Problem;

/// Number of slots of a [`Point`]: the largest parameter count of a variant (V7's 17).
pub const N_PARAMS: usize = MAX_PARAMS;

/// A point in parameter space: the variant's parameters in storage order, unused slots 0.
pub type Point = [f64; N_PARAMS];

/// The point of `params` (its values, then zeros).
///
/// ```
/// use galling::family::{ModelId, ModelParams};
/// use host_train::fit::objective::{params_of, point_of};
/// let p = ModelParams::<f64>::start(ModelId::V9);
/// let x = point_of(&p);
/// assert_eq!(x[12..], [0.0; 5]);
/// assert_eq!(params_of(ModelId::V9, &x), p);
/// ```
pub fn point_of(params: &ModelParams<f64>) -> Point {
    let mut x = [0.0; N_PARAMS];
    x[..params.len()].copy_from_slice(params.values());
    x
}

/// The parameters of `model` at point `x` (its first `model.param_count()` slots).
pub fn params_of(model: ModelId, x: &Point) -> ModelParams<f64> {
    ModelParams::new(model, &x[..model.param_count()]).expect("a point has enough slots")
}

/// The data a fit sees: each series' model temperature and its per-stroke COF values, and the
/// variant fitted.
///
/// Series with fewer than two strokes carry no transition and are dropped.
///
/// A variant that uses stroke features (V8-P) also sees each series' standardised features
/// ([`crate::precursor`]): the transition out of stroke `n` uses stroke `n`'s; a series without
/// features has none (every stroke at the clean baseline `z = 0`).
#[derive(Debug, Clone)]
pub struct Objective {
    model: ModelId,
    series: Vec<(f64, Vec<f64>)>,
    /// Per series, the standardised features of its strokes; empty for a variant without
    /// features, or a series without them.
    inputs: Vec<Vec<StrokeInputs>>,
    transitions: usize,
}

/// One stroke's standardised features, as the precursor kernel takes them.
type StrokeInputs = [f64; N_PRECURSOR_FEATURES];

impl Objective {
    /// The objective of variant `model` on `data` (series temperatures as stored: already mapped
    /// to model temperatures). For a variant with stroke features, the feature settings are fixed
    /// from `data` itself ([`FeatureScaling::from_training`]); where they cannot be (no clean stroke
    /// with features) every stroke is at the baseline `z = 0`.
    pub fn new(data: &Dataset, model: ModelId) -> Self {
        Self::with_scaling(data, model, FeatureScaling::of_fit(model, data).as_ref())
    }

    /// The objective of `model` on `data` with the features standardised by `scaling` (the
    /// training strokes' settings, for held-out data); `None`, or a variant without features:
    /// no features.
    pub fn with_scaling(data: &Dataset, model: ModelId, scaling: Option<&FeatureScaling>) -> Self {
        let kept: Vec<&crate::dataset::Series> =
            data.series.iter().filter(|s| s.cof.len() >= 2).collect();
        let series: Vec<(f64, Vec<f64>)> = kept
            .iter()
            .map(|s| (s.temperature, s.cof.clone()))
            .collect();
        let inputs = kept
            .iter()
            .map(|s| match scaling {
                Some(sc) if crate::precursor::uses_features(model) => sc.inputs(s),
                _ => Vec::new(),
            })
            .collect();
        let transitions = series.iter().map(|(_, c)| c.len() - 1).sum();
        Self {
            model,
            series,
            inputs,
            transitions,
        }
    }

    /// Each series (model temperature, COF values) with its strokes' standardised features (empty
    /// when it has none), for the evaluations beside the fit's (the Hessian).
    pub(crate) fn series_with_inputs(
        &self,
    ) -> impl rayon::iter::IndexedParallelIterator<Item = (&(f64, Vec<f64>), &Vec<StrokeInputs>)>
    {
        use rayon::prelude::*;
        self.series.par_iter().zip(&self.inputs)
    }

    /// Whether any stroke has features (the variant uses them and some series has them).
    pub fn has_features(&self) -> bool {
        self.inputs.iter().any(|z| !z.is_empty())
    }

    /// The variant fitted.
    pub fn model(&self) -> ModelId {
        self.model
    }

    /// Number of stroke-to-stroke transitions the likelihood sums over.
    pub fn transitions(&self) -> usize {
        self.transitions
    }

    /// Whether every COF value and temperature is finite (the model is total only on finite data).
    pub fn is_finite(&self) -> bool {
        self.series
            .iter()
            .all(|(t, c)| t.is_finite() && c.iter().all(|v| v.is_finite()))
    }

    /// Log-likelihood at `params` in `f64`, or `None` where the model refuses the parameters
    /// (a non-finite value, or `mu_L >= mu_H`).
    pub fn value(&self, params: &Point) -> Option<f64> {
        let model = AnyModel::new(&params_of(self.model, params)).ok()?;
        let mut total = 0.0;
        for ((t, cof), z) in self.series.iter().zip(&self.inputs) {
            let kernel = model.landscape(*t);
            total += if z.is_empty() {
                kernel.series_log_likelihood(cof.iter().copied())
            } else {
                kernel.series_log_likelihood_at_strokes(cof.iter().copied(), z)
            };
        }
        total.is_finite().then_some(total)
    }

    /// Log-likelihood at `params` and its exact gradient with respect to the variant's parameters
    /// (0 in the unused slots), or `None` where the model refuses the parameters or the result is
    /// not finite.
    pub fn value_and_gradient(&self, params: &Point) -> Option<(f64, Point)> {
        self.dispatch(params, false)
    }

    /// [`Objective::value_and_gradient`] with the series evaluated in parallel (rayon), for a
    /// single optimisation path. Summed in series order, so the result is the same number.
    pub fn value_and_gradient_parallel(&self, params: &Point) -> Option<(f64, Point)> {
        self.dispatch(params, true)
    }

    /// The dual-number evaluation at the variant's width (the family's dispatch over the
    /// parameter count: one monomorphic instance per registered width).
    fn dispatch(&self, params: &Point, parallel: bool) -> Option<(f64, Point)> {
        let p = params_of(self.model, params);
        self.model.with_param_count(GradientAt {
            objective: self,
            params: &p,
            parallel,
        })
    }

    fn gradient_at<const N: usize>(
        &self,
        params: &ModelParams<f64>,
        parallel: bool,
    ) -> Option<(f64, Point)> {
        let model = AnyModel::new(&dual::model_variables::<N>(params)?).ok()?;
        let zero = DualSVec64::<N>::from_f64(0.0);
        let total = if parallel {
            use rayon::prelude::*;
            let parts: Vec<DualSVec64<N>> = self
                .series
                .par_iter()
                .zip(&self.inputs)
                .map(|(s, z)| series_ll(&model, s, z))
                .collect();
            parts.into_iter().fold(zero, |acc, part| acc + part)
        } else {
            self.series
                .iter()
                .zip(&self.inputs)
                .fold(zero, |acc, (s, z)| acc + series_ll(&model, s, z))
        };
        let grad = dual::gradient(&total);
        if !(total.re.is_finite() && grad.iter().all(|g| g.is_finite())) {
            return None;
        }
        let mut g = [0.0; N_PARAMS];
        g[..N].copy_from_slice(&grad);
        Some((total.re, g))
    }
}

/// [`Objective::gradient_at`] at the width [`ModelId::with_param_count`] picks.
struct GradientAt<'a> {
    objective: &'a Objective,
    params: &'a ModelParams<f64>,
    parallel: bool,
}

impl ParamCountTask for GradientAt<'_> {
    type Output = Option<(f64, Point)>;

    fn run<const N: usize>(self) -> Self::Output {
        self.objective.gradient_at::<N>(self.params, self.parallel)
    }
}

/// One series' log-likelihood in dual numbers (with its strokes' standardised features `z`, if
/// any).
pub(crate) fn series_ll<S: Scalar + Send + Sync>(
    model: &AnyModel<S>,
    (t, cof): &(f64, Vec<f64>),
    z: &[StrokeInputs],
) -> S {
    let kernel = model.landscape(S::from_f64(*t));
    let cof = cof.iter().map(|&c| S::from_f64(c));
    if z.is_empty() {
        kernel.series_log_likelihood(cof)
    } else {
        kernel.series_log_likelihood_at_strokes(cof, z.iter().map(|z| z.map(S::from_f64)))
    }
}

/// The negative log-likelihood in scaled coordinates `y = x / scale`, as a problem to minimise.
///
/// Scaling each parameter by its typical size makes the problem far better conditioned for the
/// quasi-Newton method (the parameters span six orders of magnitude).
#[derive(Debug, Clone)]
pub struct ScaledProblem<'a> {
    objective: &'a Objective,
    scale: Point,
    /// Weight of the L2 penalty per transition (0: none).
    l2: f64,
    /// Which coordinates the penalty covers.
    penalized: [bool; N_PARAMS],
}

impl<'a> ScaledProblem<'a> {
    /// The problem of `objective` with coordinates scaled by `scale` (all positive).
    pub fn new(objective: &'a Objective, scale: Point) -> Self {
        Self {
            objective,
            scale,
            l2: 0.0,
            penalized: [false; N_PARAMS],
        }
    }

    /// The same problem with an L2 penalty: the minimised value becomes
    /// `-LL + transitions * l2 * sum(y_i^2)` over the `penalized` coordinates of the scaled point `y`,
    /// i.e. `l2 * |y|^2` per transition on top of the negative log-likelihood per transition.
    pub fn with_l2(mut self, l2: f64, penalized: [bool; N_PARAMS]) -> Self {
        self.l2 = l2;
        self.penalized = penalized;
        self
    }

    /// The penalty per transition at scaled point `y`: `l2 * sum(y_i^2)` over the penalized coordinates.
    pub fn penalty_per_transition(&self, y: &Point) -> f64 {
        if self.l2 == 0.0 {
            return 0.0;
        }
        self.l2
            * y.iter()
                .zip(&self.penalized)
                .filter(|(_, p)| **p)
                .map(|(v, _)| v * v)
                .sum::<f64>()
    }

    /// The summed penalty at scaled point `y` (what is added to `-LL`).
    fn penalty(&self, y: &Point) -> f64 {
        self.objective.transitions() as f64 * self.penalty_per_transition(y)
    }

    /// Model parameters of scaled coordinates `y`.
    pub fn unscale(&self, y: &Point) -> Point {
        std::array::from_fn(|i| y[i] * self.scale[i])
    }

    /// Scaled coordinates of model parameters `x`.
    pub fn to_scaled(&self, x: &Point) -> Point {
        std::array::from_fn(|i| x[i] / self.scale[i])
    }
}

impl Problem<N_PARAMS> for ScaledProblem<'_> {
    fn value(&mut self, y: &Point) -> Option<f64> {
        let penalty = self.penalty(y);
        self.objective.value(&self.unscale(y)).map(|v| -v + penalty)
    }

    fn value_and_gradient(&mut self, y: &Point) -> Option<(f64, Point)> {
        let (v, g) = self.objective.value_and_gradient(&self.unscale(y))?;
        let w = 2.0 * self.l2 * self.objective.transitions() as f64;
        Some((
            -v + self.penalty(y),
            std::array::from_fn(|i| {
                let p = if self.penalized[i] { w * y[i] } else { 0.0 };
                -g[i] * self.scale[i] + p
            }),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::Series;
    use galling::V8Params;

    fn published() -> Point {
        point_of(&ModelParams::from(V8Params::PUBLISHED_FIT.map(f64::from)))
    }

    fn data() -> Dataset {
        Dataset {
            series: vec![
                Series {
                    label: "a".into(),
                    recorded_temperature: 25.0,
                    temperature: 160.0,
                    cof: vec![0.2, 0.21, 0.19, 0.22],
                    features: None,
                },
                Series {
                    label: "b".into(),
                    recorded_temperature: 170.0,
                    temperature: 170.0,
                    cof: vec![0.25, 0.7, 0.85, 0.8],
                    features: None,
                },
            ],
        }
    }

    #[test]
    fn value_and_dual_value_agree() {
        let obj = Objective::new(&data(), ModelId::V8);
        assert_eq!(obj.transitions(), 6);
        let p = published();
        let v = obj.value(&p).unwrap();
        let (vd, g) = obj.value_and_gradient(&p).unwrap();
        assert!((v - vd).abs() < 1e-12 * v.abs().max(1.0));
        assert_eq!(obj.value_and_gradient_parallel(&p), Some((vd, g)));
        assert!(g.iter().any(|x| *x != 0.0));
    }

    #[test]
    fn scaled_problem_is_the_negative_log_likelihood_by_the_chain_rule() {
        let obj = Objective::new(&data(), ModelId::V8);
        let scale: Point = std::array::from_fn(|i| 0.1 * (i + 1) as f64);
        let mut prob = ScaledProblem::new(&obj, scale);
        let x = published();
        let y = prob.to_scaled(&x);
        let (f, gy) = prob.value_and_gradient(&y).unwrap();
        let (v, gx) = obj.value_and_gradient(&x).unwrap();
        assert_eq!(f, -v);
        assert_eq!(prob.value(&y), Some(-obj.value(&prob.unscale(&y)).unwrap()));
        for i in 0..N_PARAMS {
            assert!((gy[i] + gx[i] * scale[i]).abs() <= 1e-12 * gx[i].abs().max(1.0));
            assert!((prob.unscale(&y)[i] - x[i]).abs() <= 1e-15 * x[i].abs().max(1.0));
        }
    }

    #[test]
    fn every_variant_has_its_gradient_in_its_own_slots() {
        for model in ModelId::ALL {
            let obj = Objective::new(&data(), model);
            let x = point_of(&ModelParams::start(model));
            let v = obj.value(&x).unwrap();
            let (vd, g) = obj.value_and_gradient(&x).unwrap();
            assert!((v - vd).abs() < 1e-12 * v.abs().max(1.0), "{model}");
            assert_eq!(obj.value_and_gradient_parallel(&x), Some((vd, g)));
            let n = model.param_count();
            assert!(g[..n].iter().any(|x| *x != 0.0), "{model}");
            assert!(g[n..].iter().all(|x| *x == 0.0), "{model}");
            // The gradient is the derivative: a central difference along each used slot agrees.
            for i in 0..n {
                let h = 1e-6 * model.variant().fields[i].scale;
                let (mut a, mut b) = (x, x);
                a[i] += h;
                b[i] -= h;
                let fd = (obj.value(&a).unwrap() - obj.value(&b).unwrap()) / (2.0 * h);
                assert!(
                    (fd - g[i]).abs() <= 1e-4 * g[i].abs().max(1.0),
                    "{model} {}: {fd} vs {}",
                    model.variant().fields[i].name,
                    g[i]
                );
            }
        }
    }

    #[test]
    fn refused_parameters_give_none() {
        let obj = Objective::new(&data(), ModelId::V8);
        let mut p = published();
        p[0] = p[1];
        assert!(obj.value(&p).is_none());
        assert!(obj.value_and_gradient(&p).is_none());
        p[0] = f64::NAN;
        assert!(obj.value(&p).is_none());
    }
}
