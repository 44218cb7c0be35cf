//! A fitting objective aimed at the forecast: the k-stroke event likelihood.
//!
//! The monitor's risk at a stroke is `r_i = P(COF > threshold within k strokes | T, COF_i)`, computed
//! exactly on a discretised chain ([`galling::risk::exact_risks`]). For every training stroke `i`
//! at or below the threshold whose next `k` strokes lie inside its series, the event `e_i` is "one
//! of the next `k` COFs is above the threshold", and the event loss is the Bernoulli negative
//! log-likelihood `-sum [e_i ln r_i + (1 - e_i) ln(1 - r_i)]` (with `r_i` clamped to
//! `[1e-6, 1 - 1e-6]`). The combined objective is `-LL + weight * event_loss`, minimised by the
//! projected L-BFGS inside the fit's feasible region from a maximum-likelihood fit
//! ([`polish`]). Values in `f64`, gradients in [`Dual15`] through the core's generic model and
//! forecast: no model formula is written here.
//!
//! This objective is written for V8 (the 15 parameters in the first slots of a [`Point`]); the
//! validation study refuses `--objective event` for the other variants.

use super::bounds::Bounds;
use super::lbfgs::{self, Problem};
use super::objective::{N_PARAMS, Objective, Point};
use super::strategy::scale_bounds;
use crate::dataset::Dataset;
use galling::dual::{self, Dual15};
use galling::family::{ModelId, ModelParams};
use galling::risk::exact_risks;
use galling::{Model, Scalar, V8Params};
use rayon::prelude::*;

/// Smallest and largest risk the loss takes a logarithm of.
pub const RISK_CLAMP: f64 = 1e-6;
/// Default COF cells of the fitting forecast (as many as the monitor's table).
pub const DEFAULT_CELLS: usize = galling::risk::TABLE_CELLS;

/// Settings of the event objective and its polish.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventSettings {
    /// Galling threshold of the event, COF.
    pub threshold: f64,
    /// Horizon `k` of the event, strokes.
    pub horizon: u16,
    /// COF cells of the forecast's grid.
    pub cells: usize,
    /// Weight of the event loss against the negative log-likelihood.
    pub weight: f64,
    /// Iteration cap of the polishing L-BFGS run.
    pub max_iterations: usize,
}

impl Default for EventSettings {
    fn default() -> Self {
        Self {
            threshold: 0.5,
            horizon: 10,
            cells: DEFAULT_CELLS,
            weight: 1.0,
            max_iterations: 200,
        }
    }
}

/// The labelled strokes of one temperature: their COFs and events.
#[derive(Debug, Clone)]
struct Group {
    temperature: f64,
    cofs: Vec<f64>,
    events: Vec<bool>,
}

/// The event loss of a data set (see the [module documentation](self)).
#[derive(Debug, Clone)]
pub struct EventObjective {
    groups: Vec<Group>,
    settings: EventSettings,
}

impl EventObjective {
    /// The labelled strokes of `data` (series temperatures already mapped to model temperatures).
    pub fn new(data: &Dataset, settings: EventSettings) -> Self {
        let k = usize::from(settings.horizon);
        let mut groups: Vec<Group> = Vec::new();
        for s in &data.series {
            let g = match groups.iter().position(|g| g.temperature == s.temperature) {
                Some(i) => &mut groups[i],
                None => {
                    groups.push(Group {
                        temperature: s.temperature,
                        cofs: Vec::new(),
                        events: Vec::new(),
                    });
                    groups.last_mut().expect("just pushed")
                }
            };
            for i in 0..s.cof.len().saturating_sub(k) {
                if s.cof[i] > settings.threshold {
                    continue;
                }
                g.cofs.push(s.cof[i]);
                g.events
                    .push(s.cof[i + 1..=i + k].iter().any(|&c| c > settings.threshold));
            }
        }
        groups.retain(|g| !g.cofs.is_empty());
        Self { groups, settings }
    }

    /// Number of labelled strokes.
    pub fn strokes(&self) -> usize {
        self.groups.iter().map(|g| g.cofs.len()).sum()
    }

    /// Number of labelled strokes with an event.
    pub fn events(&self) -> usize {
        self.groups
            .iter()
            .map(|g| g.events.iter().filter(|&&e| e).count())
            .sum()
    }

    /// The event loss at `params` in `f64`, or `None` where the model refuses the parameters or
    /// the loss is not finite.
    pub fn value(&self, params: &Point) -> Option<f64> {
        let model = Model::new(&v8(params)).ok()?;
        let total: f64 = self
            .groups
            .par_iter()
            .map(|g| group_loss(&model, g, &self.settings))
            .collect::<Vec<f64>>()
            .into_iter()
            .sum();
        total.is_finite().then_some(total)
    }

    /// The event loss at `params` and its exact gradient (dual numbers), or `None` where the model
    /// refuses the parameters or the result is not finite.
    pub fn value_and_gradient(&self, params: &Point) -> Option<(f64, Point)> {
        let model = Model::new(&dual::variables(&v8(params))).ok()?;
        let total = self
            .groups
            .par_iter()
            .map(|g| group_loss(&model, g, &self.settings))
            .collect::<Vec<Dual15>>()
            .into_iter()
            .fold(Dual15::from_f64(0.0), |a, b| a + b);
        let grad = dual::gradient(&total);
        let mut g = [0.0; N_PARAMS];
        g[..15].copy_from_slice(&grad);
        (total.re.is_finite() && grad.iter().all(|g| g.is_finite())).then_some((total.re, g))
    }
}

/// The V8 parameters in the first 15 slots of `x`.
fn v8(x: &Point) -> V8Params<f64> {
    V8Params::from_array(std::array::from_fn(|i| x[i]))
}

/// The event loss of one temperature's strokes.
fn group_loss<S: Scalar>(model: &Model<S>, g: &Group, settings: &EventSettings) -> S {
    let land = model.landscape(S::from_f64(g.temperature));
    let cofs: Vec<S> = g.cofs.iter().map(|&c| S::from_f64(c)).collect();
    let risks = exact_risks(
        &land,
        S::from_f64(settings.threshold),
        settings.horizon,
        settings.cells,
        &cofs,
    );
    let (lo, hi) = (S::from_f64(RISK_CLAMP), S::from_f64(1.0 - RISK_CLAMP));
    let one = S::from_f64(1.0);
    risks
        .into_iter()
        .zip(&g.events)
        .fold(S::from_f64(0.0), |acc, (r, &e)| {
            let r = if r < lo {
                lo
            } else if r > hi {
                hi
            } else {
                r
            };
            acc - if e { r.ln() } else { (one - r).ln() }
        })
}

/// `-LL + weight * event_loss` in the scaled coordinates `y = x / SCALE`, to minimise.
struct Combined<'a> {
    ll: &'a Objective,
    event: &'a EventObjective,
    scale: Point,
}

impl Combined<'_> {
    fn unscale(&self, y: &Point) -> Point {
        std::array::from_fn(|i| y[i] * self.scale[i])
    }
}

impl Problem<N_PARAMS> for Combined<'_> {
    fn value(&mut self, y: &Point) -> Option<f64> {
        let x = self.unscale(y);
        let w = self.event.settings.weight;
        Some(-self.ll.value(&x)? + w * self.event.value(&x)?)
    }

    fn value_and_gradient(&mut self, y: &Point) -> Option<(f64, Point)> {
        let x = self.unscale(y);
        let w = self.event.settings.weight;
        let (ll, gl) = self.ll.value_and_gradient_parallel(&x)?;
        let (ev, ge) = self.event.value_and_gradient(&x)?;
        Some((
            -ll + w * ev,
            std::array::from_fn(|i| (-gl[i] + w * ge[i]) * self.scale[i]),
        ))
    }
}

/// What [`polish`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct Polished {
    /// The polished parameters.
    pub params: V8Params<f64>,
    /// Event loss at the start and at the end.
    pub event_loss: (f64, f64),
    /// Log-likelihood at the start and at the end.
    pub log_likelihood: (f64, f64),
    /// Labelled strokes and events of the training data.
    pub strokes: (usize, usize),
    /// L-BFGS iterations.
    pub iterations: usize,
}

/// Minimises `-LL + weight * event_loss` on `train` from `start` (typically the maximum-likelihood
/// fit) inside `bounds` (parameter coordinates, e.g. [`super::region`] of V8), or `None` when the
/// start is not a valid model or the training data label no stroke.
pub fn polish(
    train: &Dataset,
    start: &V8Params<f64>,
    settings: &EventSettings,
    bounds: &Bounds<N_PARAMS>,
) -> Option<Polished> {
    let ll = Objective::new(train, ModelId::V8);
    let event = EventObjective::new(train, *settings);
    if event.strokes() == 0 {
        return None;
    }
    let x0 = super::objective::point_of(&ModelParams::from(*start));
    let before = (event.value(&x0)?, ll.value(&x0)?);
    let scale = super::scale(ModelId::V8);
    let mut problem = Combined {
        ll: &ll,
        event: &event,
        scale,
    };
    let y0: Point = std::array::from_fn(|i| x0[i] / scale[i]);
    let result = lbfgs::minimize(
        &mut problem,
        &y0,
        &scale_bounds(bounds, &scale),
        &lbfgs::Settings {
            max_iterations: settings.max_iterations,
            ..lbfgs::Settings::default()
        },
        |_, _, _| {},
    )
    .ok()?;
    let x = problem.unscale(&result.x);
    Some(Polished {
        params: v8(&x),
        event_loss: (before.0, event.value(&x)?),
        log_likelihood: (before.1, ll.value(&x)?),
        strokes: (event.strokes(), event.events()),
        iterations: result.iterations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::Series;

    /// V8's coordinate scales ([`crate::fit::scale`]).
    fn scale_v8() -> Point {
        super::super::scale(ModelId::V8)
    }

    fn pt(p: &V8Params<f64>) -> Point {
        super::super::objective::point_of(&ModelParams::from(*p))
    }

    /// A small synthetic set: a cool clean series and a hot one that galls twice.
    fn data() -> Dataset {
        let hot = [
            0.2, 0.22, 0.25, 0.3, 0.38, 0.55, 0.6, 0.62, 0.3, 0.25, 0.22, 0.24, 0.28, 0.35, 0.45,
            0.58, 0.61, 0.6, 0.27, 0.23, 0.21, 0.22, 0.26, 0.3,
        ];
        let cool = [
            0.2, 0.21, 0.19, 0.22, 0.2, 0.23, 0.21, 0.2, 0.22, 0.24, 0.21, 0.2, 0.19, 0.21, 0.22,
            0.2,
        ];
        Dataset {
            series: vec![
                Series {
                    label: "cool".into(),
                    recorded_temperature: 160.0,
                    temperature: 160.0,
                    cof: cool.to_vec(),
                    features: None,
                },
                Series {
                    label: "hot".into(),
                    recorded_temperature: 170.0,
                    temperature: 170.0,
                    cof: hot.to_vec(),
                    features: None,
                },
            ],
        }
    }

    fn settings() -> EventSettings {
        EventSettings {
            horizon: 5,
            cells: 40,
            ..EventSettings::default()
        }
    }

    #[test]
    fn labels_only_strokes_with_an_observed_future_at_or_below_the_threshold() {
        let obj = EventObjective::new(&data(), settings());
        // cool: 16 - 5 = 11 strokes, no event; hot: 24 - 5 = 19 candidates minus 6 galled ones.
        assert_eq!(obj.strokes(), 11 + 13);
        // hot strokes 0..=4 and 10..=14 see a galled stroke within 5.
        assert_eq!(obj.events(), 5 + 5);
    }

    #[test]
    fn dual_gradient_matches_central_differences() {
        let obj = EventObjective::new(&data(), settings());
        let x = pt(&V8Params::PUBLISHED_FIT.map(f64::from));
        let (v, g) = obj.value_and_gradient(&x).unwrap();
        assert!((v - obj.value(&x).unwrap()).abs() < 1e-9 * v.abs().max(1.0));
        for i in 0..15 {
            let h = 1e-5 * scale_v8()[i];
            let (mut up, mut down) = (x, x);
            up[i] += h;
            down[i] -= h;
            let fd = (obj.value(&up).unwrap() - obj.value(&down).unwrap()) / (2.0 * h);
            let tol = 1e-4 * g[i].abs().max(fd.abs()) + 1e-6 / scale_v8()[i];
            assert!(
                (g[i] - fd).abs() <= tol,
                "parameter {i}: dual {} vs finite difference {fd}",
                g[i]
            );
        }
    }

    /// The maximum-likelihood fit of `data` from the published fit (projected L-BFGS in the box).
    fn mle(data: &Dataset) -> V8Params<f64> {
        let obj = Objective::new(data, ModelId::V8);
        let mut problem = super::super::objective::ScaledProblem::new(&obj, scale_v8());
        let y0 = problem.to_scaled(&pt(&V8Params::PUBLISHED_FIT.map(f64::from)));
        let r = lbfgs::minimize(
            &mut problem,
            &y0,
            &scale_bounds(&super::super::region(ModelId::V8, true), &scale_v8()),
            &lbfgs::Settings::default(),
            |_, _, _| {},
        )
        .unwrap();
        v8(&problem.unscale(&r.x))
    }

    #[test]
    fn polishing_lowers_the_event_loss_from_the_mle_fit() {
        let start = mle(&data());
        assert!(
            Objective::new(&data(), ModelId::V8).value(&pt(&start))
                > Objective::new(&data(), ModelId::V8)
                    .value(&pt(&V8Params::PUBLISHED_FIT.map(f64::from)))
        );
        let s = EventSettings {
            weight: 10.0,
            max_iterations: 30,
            ..settings()
        };
        let p = polish(
            &data(),
            &start,
            &s,
            &super::super::region(ModelId::V8, true),
        )
        .unwrap();
        assert!(p.iterations > 0);
        assert!(
            p.event_loss.1 < p.event_loss.0,
            "event loss {:?} did not fall",
            p.event_loss
        );
        let combined = |(e, l): (f64, f64)| -l + s.weight * e;
        assert!(
            combined((p.event_loss.1, p.log_likelihood.1))
                < combined((p.event_loss.0, p.log_likelihood.0))
        );
    }
}
