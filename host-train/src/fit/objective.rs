//! The fitting objective: the log-likelihood of a data set and its exact gradient.
//!
//! Both come from the core crate's generic model: [`galling::Model`] and
//! [`galling::Landscape::series_log_likelihood`] evaluated in `f64` for the value and in
//! [`Dual15`] (forward-mode dual numbers, one direction per parameter) for the gradient. No model
//! formula is written here.

use crate::dataset::Dataset;
use galling::dual::{self, Dual15};
use galling::{Kernel, Model, Scalar, V8Params};

use super::lbfgs::Problem;

/// Number of model parameters (the length of [`V8Params::to_array`]).
pub const N_PARAMS: usize = 15;

/// A point in parameter space, in storage order (see [`galling::ParamField::ALL`]).
pub type Point = [f64; N_PARAMS];

/// The data a fit sees: each series' model temperature and its per-stroke COF values.
///
/// Series with fewer than two strokes carry no transition and are dropped.
#[derive(Debug, Clone)]
pub struct Objective {
    series: Vec<(f64, Vec<f64>)>,
    transitions: usize,
}

impl Objective {
    /// The objective of `data` (series temperatures as stored: already mapped to model temperatures).
    pub fn new(data: &Dataset) -> Self {
        let series: Vec<(f64, Vec<f64>)> = data
            .series
            .iter()
            .filter(|s| s.cof.len() >= 2)
            .map(|s| (s.temperature, s.cof.clone()))
            .collect();
        let transitions = series.iter().map(|(_, c)| c.len() - 1).sum();
        Self {
            series,
            transitions,
        }
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
        let model = Model::new(&V8Params::from_array(*params)).ok()?;
        let mut total = 0.0;
        for (t, cof) in &self.series {
            total += model
                .landscape(*t)
                .series_log_likelihood(cof.iter().copied());
        }
        total.is_finite().then_some(total)
    }

    /// Log-likelihood at `params` and its exact gradient with respect to the 15 parameters, or
    /// `None` where the model refuses the parameters or the result is not finite.
    pub fn value_and_gradient(&self, params: &Point) -> Option<(f64, Point)> {
        let model = Model::new(&dual::variables(&V8Params::from_array(*params))).ok()?;
        let total = self
            .series
            .iter()
            .fold(Dual15::from_f64(0.0), |acc, s| acc + series_ll(&model, s));
        finite(total)
    }

    /// [`Objective::value_and_gradient`] with the series evaluated in parallel (rayon), for a
    /// single optimisation path. Summed in series order, so the result is the same number.
    pub fn value_and_gradient_parallel(&self, params: &Point) -> Option<(f64, Point)> {
        use rayon::prelude::*;
        let model = Model::new(&dual::variables(&V8Params::from_array(*params))).ok()?;
        let parts: Vec<Dual15> = self
            .series
            .par_iter()
            .map(|s| series_ll(&model, s))
            .collect();
        finite(
            parts
                .into_iter()
                .fold(Dual15::from_f64(0.0), |acc, part| acc + part),
        )
    }
}

/// One series' log-likelihood in dual numbers.
fn series_ll(model: &Model<Dual15>, (t, cof): &(f64, Vec<f64>)) -> Dual15 {
    model
        .landscape(Dual15::from_f64(*t))
        .series_log_likelihood(cof.iter().map(|&c| Dual15::from_f64(c)))
}

/// Value and gradient of `total` when all are finite.
fn finite(total: Dual15) -> Option<(f64, Point)> {
    let grad = dual::gradient(&total);
    (total.re.is_finite() && grad.iter().all(|g| g.is_finite())).then_some((total.re, grad))
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

    fn data() -> Dataset {
        Dataset {
            series: vec![
                Series {
                    label: "a".into(),
                    recorded_temperature: 25.0,
                    temperature: 160.0,
                    cof: vec![0.2, 0.21, 0.19, 0.22],
                },
                Series {
                    label: "b".into(),
                    recorded_temperature: 170.0,
                    temperature: 170.0,
                    cof: vec![0.25, 0.7, 0.85, 0.8],
                },
            ],
        }
    }

    #[test]
    fn value_and_dual_value_agree() {
        let obj = Objective::new(&data());
        assert_eq!(obj.transitions(), 6);
        let p = V8Params::PUBLISHED_FIT.map(f64::from).to_array();
        let v = obj.value(&p).unwrap();
        let (vd, g) = obj.value_and_gradient(&p).unwrap();
        assert!((v - vd).abs() < 1e-12 * v.abs().max(1.0));
        assert_eq!(obj.value_and_gradient_parallel(&p), Some((vd, g)));
        assert!(g.iter().any(|x| *x != 0.0));
    }

    #[test]
    fn scaled_problem_is_the_negative_log_likelihood_by_the_chain_rule() {
        let obj = Objective::new(&data());
        let scale: Point = std::array::from_fn(|i| 0.1 * (i + 1) as f64);
        let mut prob = ScaledProblem::new(&obj, scale);
        let x = V8Params::PUBLISHED_FIT.map(f64::from).to_array();
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
    fn refused_parameters_give_none() {
        let obj = Objective::new(&data());
        let mut p = V8Params::PUBLISHED_FIT.map(f64::from).to_array();
        p[0] = p[1];
        assert!(obj.value(&p).is_none());
        assert!(obj.value_and_gradient(&p).is_none());
        p[0] = f64::NAN;
        assert!(obj.value(&p).is_none());
    }
}
