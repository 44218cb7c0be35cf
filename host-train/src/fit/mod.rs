//! The fitting engine: maximum-likelihood fits of the V8 model to per-stroke COF data.
//!
//! The objective and its exact gradient come from the core crate's generic model evaluated in dual
//! numbers ([`objective::Objective`]); nothing of the model is written here.
//!
//! Two methods ([`Method`]):
//! - [`Method::Lbfgs`] (default): projected L-BFGS ([`lbfgs`]) driven by a basin search
//!   ([`strategy`]): an anchor fit from the starting point, then seeded warm starts on a grid of the
//!   upper well position screened for a few dozen iterations in parallel, then the best few polished
//!   to convergence. The likelihood is strongly multimodal and its basins differ mainly by the upper
//!   well, so the grid of upper wells is what finds the best basin reliably.
//! - [`Method::Adam`]: the published training recipe with PyTorch semantics ([`adam`]). The loss is
//!   the *summed* negative log-likelihood, as in the published write-up
//!   (`L = -sum_i log[...]`); with it Adam from [`galling::V8Params::PUBLISHED_DEFAULT_START`] passes
//!   the published 1310.16. (An averaged loss is available as [`adam::LossScale::Mean`].)
//!
//! Fits are physical by default ([`FitOptions::physical`]): both wells inside the COF range
//! `[0.1, 1.3]` with `mu_L < mu_H`, and `omega0` in `[0, 1]`, so the Kramers stay probability is a
//! probability before its clamp. The unconstrained likelihood has higher but degenerate optima
//! (a well outside the data, `omega0` ~ 1e6); [`physical_flags`] names such parameters.
//!
//! Results are deterministic for a given seed, whatever the number of threads: every start draws
//! from its own random stream and results are reduced in start order.

pub mod adam;
pub mod bounds;
pub mod lbfgs;
pub mod objective;
pub mod rng;
pub mod strategy;

pub use adam::AdamSettings;
pub use strategy::LbfgsSettings;

use galling::dataset::Dataset;
use galling::{ParamField, V8Params};
use objective::{N_PARAMS, Objective, Point};
use serde::{Serialize, Serializer};
use std::fmt;
use std::time::{Duration, Instant};

/// The optimiser of a fit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub enum Method {
    /// Adam with the published recipe's schedule (single start, gradient steps).
    Adam(AdamSettings),
    /// Multistart projected L-BFGS with a basin search (the default).
    Lbfgs(LbfgsSettings),
}

impl Method {
    /// Short name for reports (`"adam"`, `"lbfgs"`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Adam(_) => "adam",
            Self::Lbfgs(_) => "lbfgs",
        }
    }
}

impl Default for Method {
    fn default() -> Self {
        Self::Lbfgs(LbfgsSettings::default())
    }
}

/// Everything a fit needs besides the data.
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    /// The optimiser and its settings.
    pub method: Method,
    /// Keep the parameters physical (default `true`): wells in `[0.1, 1.3]` with `mu_L < mu_H`,
    /// `omega0` in `[0, 1]`. With `false` only `mu_L < mu_H` is kept (the model needs it).
    pub physical: bool,
    /// Seed of the random starting points (L-BFGS); the same seed gives the same result.
    pub seed: u64,
    /// Number of screened starts of the L-BFGS basin search (ignored by Adam).
    pub starts: usize,
    /// Worker threads; `None` for rayon's default (one per core).
    pub threads: Option<usize>,
    /// Starting point; `None` for [`V8Params::PUBLISHED_DEFAULT_START`].
    pub start: Option<V8Params<f64>>,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            method: Method::default(),
            physical: true,
            seed: 0,
            starts: strategy::DEFAULT_STARTS,
            threads: None,
            start: None,
        }
    }
}

/// One point of the training curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CurvePoint {
    /// Iteration (L-BFGS step or Adam epoch), counted along the path that led to the result.
    pub iteration: usize,
    /// Log-likelihood of the fitted data there.
    pub log_likelihood: f64,
    /// Log-likelihood of held-out data, when a train/test split is used (not yet: always `None`).
    pub test_log_likelihood: Option<f64>,
    /// Wall time since the fit started when this point was reached, seconds.
    pub seconds: f64,
}

/// A distinct local optimum found by the search.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Optimum {
    /// Its log-likelihood.
    pub log_likelihood: f64,
    /// Clean-state well.
    pub mu_l: f64,
    /// Galled-state well.
    pub mu_h: f64,
    /// Kramers attempt frequency (as stored).
    pub omega0: f64,
    /// How many screened starts ended in this optimum's well neighbourhood (`|dmu| < 0.02` for
    /// both wells); 0 when it was reached only by polishing.
    pub starts: usize,
    /// The full parameters.
    pub params: V8Params<f64>,
}

/// The result of a fit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitReport {
    /// The best parameters found.
    pub params: V8Params<f64>,
    /// Their log-likelihood (f64, summed over all transitions).
    pub log_likelihood: f64,
    /// Optimiser (`"lbfgs"`, `"adam"`), with `"-unconstrained"` appended for non-physical fits.
    pub method: String,
    /// The seed used.
    pub seed: u64,
    /// Iterations along the path to the result (the length of `curve`).
    pub iterations: usize,
    /// Value-and-gradient evaluations over the whole fit, every start included.
    pub evaluations: usize,
    /// Value-only evaluations (line-search backtracking) over the whole fit.
    pub value_evaluations: usize,
    /// Wall time of the fit.
    #[serde(serialize_with = "seconds")]
    pub wall_time: Duration,
    /// Log-likelihood per iteration along the path to the result.
    pub curve: Vec<CurvePoint>,
    /// Distinct optima found, best first (L-BFGS; for Adam the single end point).
    pub optima: Vec<Optimum>,
    /// [`physical_flags`] of the result.
    pub flags: Vec<String>,
}

fn seconds<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// Progress of a running fit, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Units of work done (Adam: epochs; L-BFGS: finished local runs).
    pub done: usize,
    /// Units of work in total (an upper bound: early stopping may end sooner).
    pub total: usize,
    /// Best log-likelihood so far (`-inf` before the first evaluation).
    pub best_log_likelihood: f64,
    /// What the fit is doing (`"adam"`, `"anchor"`, `"screen"`, `"polish"`).
    pub stage: &'static str,
}

/// Why a fit could not run.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FitError {
    /// The data set has no stroke-to-stroke transition.
    NoTransitions,
    /// A COF value or temperature of the data is not finite.
    NonFiniteData,
    /// The starting parameters are not a valid model (names the field).
    InvalidStart(galling::ParamError),
    /// The starting parameters are valid but the likelihood is not finite there.
    StartNotFinite,
    /// A setting is out of range (names it).
    InvalidSetting(&'static str),
    /// The worker thread pool could not be built.
    ThreadPool(String),
}

impl fmt::Display for FitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoTransitions => f.write_str(
                "the data has no stroke-to-stroke transition (every series needs two strokes)",
            ),
            Self::NonFiniteData => {
                f.write_str("the data holds a COF value or temperature that is not finite")
            }
            Self::InvalidStart(e) => write!(f, "invalid start parameters: {e}"),
            Self::StartNotFinite => {
                f.write_str("the log-likelihood is not finite at the start parameters")
            }
            Self::InvalidSetting(what) => write!(f, "invalid fit setting: {what}"),
            Self::ThreadPool(e) => write!(f, "cannot start the worker threads: {e}"),
        }
    }
}

impl std::error::Error for FitError {}

/// Fits the V8 model to `data`. `progress` is called from worker threads as work finishes.
///
/// # Errors
/// [`FitError`] when the data has no transition or is not finite, the start is invalid, or a
/// setting is out of range.
pub fn fit(
    data: &Dataset,
    options: &FitOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<FitReport, FitError> {
    let t0 = Instant::now();
    let objective = Objective::new(data);
    if objective.transitions() == 0 {
        return Err(FitError::NoTransitions);
    }
    if !objective.is_finite() {
        return Err(FitError::NonFiniteData);
    }
    let start = options
        .start
        .unwrap_or(V8Params::PUBLISHED_DEFAULT_START.map(f64::from));
    galling::Model::new(&start).map_err(FitError::InvalidStart)?;
    if options.threads == Some(0) {
        return Err(FitError::InvalidSetting("threads must be at least 1"));
    }
    let bounds = region(options.physical);
    let start = start.to_array();
    // A start outside the region is moved to its nearest point; it must be finite there.
    if objective.value(&bounds.project(&start)).is_none() {
        return Err(FitError::StartNotFinite);
    }
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = options.threads {
        builder = builder.num_threads(n);
    }
    let pool = builder
        .build()
        .map_err(|e| FitError::ThreadPool(e.to_string()))?;
    let outcome = pool.install(|| match &options.method {
        Method::Adam(settings) => {
            strategy::run_adam(t0, &objective, &start, &bounds, settings, progress)
        }
        Method::Lbfgs(settings) => strategy::run_lbfgs(
            t0,
            &objective,
            &start,
            &bounds,
            options.physical,
            settings,
            options.starts,
            options.seed,
            progress,
        ),
    })?;
    let params = V8Params::from_array(outcome.best);
    let mut method = options.method.name().to_string();
    if !options.physical {
        method.push_str("-unconstrained");
    }
    Ok(FitReport {
        params,
        log_likelihood: outcome.log_likelihood,
        method,
        seed: options.seed,
        iterations: outcome.curve.len(),
        evaluations: outcome.evaluations.gradient,
        value_evaluations: outcome.evaluations.value,
        wall_time: t0.elapsed(),
        curve: outcome
            .curve
            .iter()
            .enumerate()
            .map(|(i, &(ll, seconds))| CurvePoint {
                iteration: i + 1,
                log_likelihood: ll,
                test_log_likelihood: None,
                seconds,
            })
            .collect(),
        optima: outcome.optima,
        flags: physical_flags(&params),
    })
}

/// Log-likelihood of `data` under `params` in f64, through galling's [`galling::Landscape`];
/// `-inf` when the parameters are not a valid model or the result is not finite.
pub fn log_likelihood(data: &Dataset, params: &V8Params<f64>) -> f64 {
    Objective::new(data)
        .value(&params.to_array())
        .unwrap_or(f64::NEG_INFINITY)
}

/// The COF range the wells must lie in for a physical fit.
pub const COF_RANGE: (f64, f64) = (0.1, 1.3);
/// The range of `omega0` for a physical fit: the stay probability `1 - omega0 exp(..)` is then a
/// probability before its clamp.
pub const OMEGA0_RANGE: (f64, f64) = (0.0, 1.0);
/// Smallest distance between the wells the physical fit keeps.
pub const MIN_WELL_GAP: f64 = 1e-3;

/// The feasible region of a fit in parameter coordinates.
pub fn region(physical: bool) -> bounds::Bounds<N_PARAMS> {
    let mut b = bounds::Bounds::free();
    if physical {
        for f in [ParamField::MuL, ParamField::MuH] {
            b.lower[f.index()] = COF_RANGE.0;
            b.upper[f.index()] = COF_RANGE.1;
        }
        b.lower[ParamField::Omega0.index()] = OMEGA0_RANGE.0;
        b.upper[ParamField::Omega0.index()] = OMEGA0_RANGE.1;
        b.ordered = Some((
            ParamField::MuL.index(),
            ParamField::MuH.index(),
            MIN_WELL_GAP,
        ));
    } else {
        // The model itself needs mu_L < mu_H; keep a tiny gap so steps never land on equality.
        b.ordered = Some((ParamField::MuL.index(), ParamField::MuH.index(), 1e-9));
    }
    b
}

/// Parameters that sit on a bound of the physical region or outside it, one human-readable line
/// each; empty for a fit strictly inside.
///
/// ```
/// use galling::V8Params;
/// use host_train::fit::physical_flags;
/// let mut p = V8Params::PUBLISHED_FIT.map(f64::from);
/// assert!(physical_flags(&p).is_empty());
/// p.mu_h = 1.55;
/// p.omega0 = 1.0e6;
/// let flags = physical_flags(&p);
/// assert!(flags.iter().any(|f| f.contains("mu_H")));
/// assert!(flags.iter().any(|f| f.contains("omega0")));
/// ```
pub fn physical_flags(params: &V8Params<f64>) -> Vec<String> {
    let mut flags = Vec::new();
    for (field, value) in ParamField::ALL.into_iter().zip(params.to_array()) {
        if !value.is_finite() {
            flags.push(format!("{field} = {value} is not a finite number"));
        }
    }
    let on = |v: f64, b: f64| (v - b).abs() <= 1e-9 * b.abs().max(1.0);
    let mut range = |field: ParamField, v: f64, (lo, hi): (f64, f64), what: &str| {
        if !v.is_finite() {
            return;
        }
        if v < lo && !on(v, lo) || v > hi && !on(v, hi) {
            flags.push(format!("{field} = {v:.6} lies outside {what} [{lo}, {hi}]"));
        } else if on(v, lo) {
            flags.push(format!(
                "{field} = {v:.6} sits on the lower bound of {what} [{lo}, {hi}]"
            ));
        } else if on(v, hi) {
            flags.push(format!(
                "{field} = {v:.6} sits on the upper bound of {what} [{lo}, {hi}]"
            ));
        }
    };
    range(ParamField::MuL, params.mu_l, COF_RANGE, "the COF range");
    range(ParamField::MuH, params.mu_h, COF_RANGE, "the COF range");
    range(
        ParamField::Omega0,
        params.omega0,
        OMEGA0_RANGE,
        "the physical range (a stay probability before its clamp)",
    );
    if params.mu_l.is_finite() && params.mu_h.is_finite() && params.mu_l >= params.mu_h {
        flags.push(format!(
            "mu_L = {:.6} is not below mu_H = {:.6}: the wells are not ordered",
            params.mu_l, params.mu_h
        ));
    }
    flags
}

/// What a method run hands back to [`fit`].
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub(crate) best: Point,
    pub(crate) log_likelihood: f64,
    /// `(log-likelihood, seconds since the start)` per iteration along the path to the result.
    pub(crate) curve: Vec<(f64, f64)>,
    pub(crate) evaluations: lbfgs::Evaluations,
    pub(crate) optima: Vec<Optimum>,
}
