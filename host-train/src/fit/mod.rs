//! The fitting engine: maximum-likelihood fits of any variant of the model family (V8, V8-13, V9,
//! V7; [`FitOptions::model`]) to per-stroke COF data.
//!
//! The objective and its exact gradient come from the core crate's generic model evaluated in dual
//! numbers whose width follows the variant ([`objective::Objective`]); nothing of the model is
//! written here. The feasible region, the scales of the coordinates, the default start and the
//! ordered pair of wells come from the variant's table ([`galling::family::Variant`]).
//!
//! Three methods ([`Method`]):
//! - [`Method::Lbfgs`] (default): projected L-BFGS ([`lbfgs`]) driven by a basin search
//!   ([`strategy`]): an anchor fit from the starting point, then seeded warm starts on a grid of the
//!   upper well position screened for a few dozen iterations in parallel, then the best few polished
//!   to convergence. The likelihood is strongly multimodal and its basins differ mainly by the upper
//!   well, so the grid of upper wells is what finds the best basin reliably.
//! - [`Method::Adam`]: the published training recipe with PyTorch semantics ([`adam`]). The loss is
//!   the *summed* negative log-likelihood, as in the published write-up
//!   (`L = -sum_i log[...]`); with it Adam from [`galling::V8Params::PUBLISHED_DEFAULT_START`] passes
//!   the published 1310.16. (An averaged loss is available as [`adam::LossScale::Mean`].)
//! - [`Method::Snes`]: the separable natural evolution strategy of GPUMD's NEP trainer ([`snes`]),
//!   derivative-free, on the scaled parameters, optionally polished by the projected L-BFGS.
//!
//! Methodology shared by all methods: an optional temporal train/test split ([`temporal_split`],
//! [`fit_split`]) whose test loss is logged, never optimised; a loss log of the winning run
//! ([`FitReport::loss`], written as `loss.csv` by [`loss_csv`]); an optional L2 penalty
//! ([`FitOptions::l2`]); parameters held fixed ([`FitOptions::fixed`]);
//! checkpoints and resume for the generation-based methods ([`checkpoint`]), which SNES and Adam
//! share through one loop (the crate-private `optimizer` module: each method implements one step
//! and owns its state, the loop resumes, reports progress and writes the checkpoints).
//!
//! Fits are physical by default ([`FitOptions::physical`]): every parameter inside the physical box
//! of its variant ([`crate::fitting::FitField::physical`]; for the double-well variants both
//! wells inside the COF range `[0.1, 1.3]` with `mu_L < mu_H`, and `omega0` in `[0, 1]`, so the
//! Kramers stay probability is a probability before its clamp; V7 has no such box). The unconstrained likelihood has higher but degenerate optima
//! (a well outside the data, `omega0` ~ 1e6); [`physical_flags`] names such parameters.
//!
//! Results are deterministic for a given seed, whatever the number of threads: every start draws
//! from its own random stream and results are reduced in start order.

pub mod adam;
pub mod bounds;
pub mod checkpoint;
pub mod event;
pub mod flags;
pub mod lbfgs;
pub mod objective;
pub(crate) mod optimizer;
pub mod rng;
pub mod snes;
pub mod strategy;

pub use adam::AdamSettings;
pub use checkpoint::Checkpointing;
pub use flags::PhysicalFlag;
pub use snes::SnesSettings;
pub use strategy::LbfgsSettings;

use crate::dataset::Dataset;
pub use galling::family::ModelId;
use galling::family::ModelParams;
use objective::{N_PARAMS, Objective, Point, params_of, point_of};
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
    /// Separable natural evolution strategy (GPUMD's NEP optimiser), optionally polished by L-BFGS.
    Snes(SnesSettings),
}

impl Method {
    /// Short name for reports (`"adam"`, `"lbfgs"`, `"snes"`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Adam(_) => "adam",
            Self::Lbfgs(_) => "lbfgs",
            Self::Snes(_) => "snes",
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
    /// The variant fitted (default V8).
    pub model: ModelId,
    /// Keep the parameters physical (default `true`): inside the physical box of the variant's
    /// table (wells in `[0.1, 1.3]` with `mu_L < mu_H`, `omega0` in `[0, 1]`). With `false` only
    /// `mu_L < mu_H` is kept (the model needs it).
    pub physical: bool,
    /// Seed of the random starting points (L-BFGS); the same seed gives the same result.
    pub seed: u64,
    /// Number of screened starts of the L-BFGS basin search (ignored by Adam).
    pub starts: usize,
    /// Worker threads; `None` for rayon's default (one per core).
    pub threads: Option<usize>,
    /// Starting point, of the same variant as [`model`](Self::model); `None` for the variant's
    /// default start ([`default_start`]; for V8 that is
    /// [`galling::V8Params::PUBLISHED_DEFAULT_START`]).
    pub start: Option<ModelParams<f64>>,
    /// Parameters of the variant held at a fixed value (not trained), by name.
    pub fixed: Vec<(String, f64)>,
    /// Weight of an L2 penalty per transition on the scaled trained parameters
    /// (`l2 * sum((x_i / scale_i)^2)`, see [`scale`]); 0 (default) for none. Logged in
    /// the `regularization` column of the loss log.
    pub l2: f64,
    /// Write checkpoints and/or resume from one (SNES and Adam).
    pub checkpoint: Option<Checkpointing>,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            method: Method::default(),
            model: ModelId::V8,
            physical: true,
            seed: 0,
            starts: strategy::DEFAULT_STARTS,
            threads: None,
            start: None,
            fixed: Vec::new(),
            l2: 0.0,
            checkpoint: None,
        }
    }
}

/// One row of the loss log (`loss.csv`): one logged iteration or generation of the winning run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LossRow {
    /// Iteration (L-BFGS step, Adam epoch, SNES generation then polishing steps), from 1.
    pub iteration: usize,
    /// Wall time since the fit started, seconds.
    pub wall_seconds: f64,
    /// Negative log-likelihood per training transition at this iteration's point.
    pub train_nll: f64,
    /// Negative log-likelihood per test transition at the same point (`None` without a split).
    pub test_nll: Option<f64>,
    /// The L2 penalty per transition at that point (0 without regularisation).
    pub regularization: f64,
    /// SNES: smallest step size (sigma) over the trained scaled coordinates; `None` otherwise.
    pub step_min: Option<f64>,
    /// SNES: largest step size.
    pub step_max: Option<f64>,
}

/// The header of `loss.csv`.
pub const LOSS_CSV_HEADER: &str =
    "iteration,wall_seconds,train_nll,test_nll,regularization,step_min,step_max";

/// The loss log as CSV text ([`LOSS_CSV_HEADER`], then one line per row; empty fields for `None`;
/// numbers in Rust's shortest round-trip form).
///
/// ```
/// use host_train::fit::{LossRow, loss_csv};
/// let row = LossRow { iteration: 1, wall_seconds: 0.5, train_nll: -1.25, test_nll: None,
///     regularization: 0.0, step_min: None, step_max: None };
/// assert_eq!(loss_csv(&[row]).lines().nth(1), Some("1,0.5,-1.25,,0,,"));
/// ```
pub fn loss_csv(rows: &[LossRow]) -> String {
    let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut csv = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail; the header and every row have the same seven fields.
    let _ = csv.write_record(LOSS_CSV_HEADER.split(','));
    for r in rows {
        let _ = csv.write_record([
            r.iteration.to_string(),
            r.wall_seconds.to_string(),
            r.train_nll.to_string(),
            opt(r.test_nll),
            r.regularization.to_string(),
            opt(r.step_min),
            opt(r.step_max),
        ]);
    }
    String::from_utf8(csv.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Splits every series in time: the first `fraction` of its transitions are training data, the
/// rest test data (the test part starts at the last training stroke, so no transition is lost).
/// `fraction = 1` gives an empty test set.
///
/// ```
/// use host_train::dataset::{Dataset, Series};
/// use host_train::fit::temporal_split;
/// let s = Series { label: "a".into(), recorded_temperature: 165.0, temperature: 165.0,
///     cof: (0..11).map(|i| 0.2 + 0.01 * i as f64).collect(), features: None };
/// let (train, test) = temporal_split(&Dataset { series: vec![s] }, 0.8)?;
/// assert_eq!((train.transitions(), test.transitions()), (8, 2));
/// assert_eq!(test.series[0].cof[0], train.series[0].cof[8]);
/// # Ok::<(), host_train::fit::FitError>(())
/// ```
///
/// # Errors
/// [`FitError::InvalidSetting`] unless `0 < fraction <= 1`.
pub fn temporal_split(data: &Dataset, fraction: f64) -> Result<(Dataset, Dataset), FitError> {
    if !(fraction > 0.0 && fraction <= 1.0) {
        return Err(FitError::InvalidSetting(
            "the train fraction of a split must lie in (0, 1]",
        ));
    }
    let mut train = Dataset::default();
    let mut test = Dataset::default();
    for s in &data.series {
        let n = s.transitions();
        let m = ((fraction * n as f64).round() as usize).min(n);
        let mut a = s.clone();
        a.cof.truncate(m + 1);
        train.series.push(a);
        if m < n {
            let mut b = s.clone();
            b.cof = s.cof[m..].to_vec();
            test.series.push(b);
        }
    }
    Ok((train, test))
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
    /// Clean-state well (`None` for a variant without wells).
    pub mu_l: Option<f64>,
    /// Galled-state well (`None` for a variant without wells).
    pub mu_h: Option<f64>,
    /// Kramers attempt frequency as stored (`None` for a variant without it).
    pub omega0: Option<f64>,
    /// How many screened starts ended in this optimum's neighbourhood (`|dmu| < 0.02` for
    /// both wells; for V7 within 0.01 in every scaled coordinate); 0 when it was reached only by
    /// polishing.
    pub starts: usize,
    /// The full parameters.
    #[serde(serialize_with = "crate::params_file::serialize_values")]
    pub params: ModelParams<f64>,
}

impl Optimum {
    /// The optimum at point `x` of `model` with log-likelihood `ll`, reached by `starts` starts.
    pub(crate) fn at(model: ModelId, x: &Point, log_likelihood: f64, starts: usize) -> Self {
        let params = params_of(model, x);
        Self {
            log_likelihood,
            mu_l: params.get("mu_L"),
            mu_h: params.get("mu_H"),
            omega0: params.get("omega0"),
            starts,
            params,
        }
    }
}

/// The result of a fit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitReport {
    /// The variant fitted.
    #[serde(serialize_with = "crate::params_file::serialize_model")]
    pub model: ModelId,
    /// The best parameters found (serialised as an object of the variant's names).
    #[serde(serialize_with = "crate::params_file::serialize_values")]
    pub params: ModelParams<f64>,
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
    /// Distinct optima found, best first (L-BFGS; for Adam and SNES the single end point).
    pub optima: Vec<Optimum>,
    /// [`physical_flags`] of the result.
    pub flags: Vec<PhysicalFlag>,
    /// The loss log of the winning run (one row per iteration or generation).
    pub loss: Vec<LossRow>,
    /// Transitions of the training data.
    pub train_transitions: usize,
    /// Transitions of the test data (0 without a split).
    pub test_transitions: usize,
    /// Log-likelihood of the test data at the result (`None` without a split).
    pub test_log_likelihood: Option<f64>,
    /// The feature settings of a variant with stroke features (V8-P), fixed from the training
    /// strokes before the fit (`None` for a variant without features, or training data without
    /// clean strokes with features: every stroke then at `z = 0`).
    pub feature_scaling: Option<crate::precursor::FeatureScaling>,
}

fn seconds<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// Progress of a running fit, for a progress bar (the crate's one progress type).
pub use crate::progress::Progress;

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
    /// A checkpoint could not be written or read, or does not match this run (says what differs).
    Checkpoint(String),
    /// The start parameters are of another variant than the fit.
    StartModel {
        /// The start's variant.
        start: ModelId,
        /// The fitted variant.
        fit: ModelId,
    },
    /// A fixed parameter is not a parameter of the fitted variant.
    UnknownParameter {
        /// The name given.
        name: String,
        /// The fitted variant.
        model: ModelId,
    },
    /// The run stopped after this generation or epoch as asked ([`Checkpointing::stop_after`]),
    /// leaving a checkpoint to resume from.
    Interrupted {
        /// The last generation (SNES) or epoch (Adam) done.
        generation: usize,
    },
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
            Self::Checkpoint(e) => write!(f, "checkpoint: {e}"),
            Self::StartModel { start, fit } => write!(
                f,
                "the start parameters are {start} parameters, the fit is of {fit} (--model {})",
                fit.key()
            ),
            Self::UnknownParameter { name, model } => {
                let names: Vec<&str> = model.variant().fields.iter().map(|f| f.name).collect();
                write!(
                    f,
                    "`{name}` is not a parameter of {model} (its parameters: {})",
                    names.join(", ")
                )
            }
            Self::Interrupted { generation } => write!(
                f,
                "stopped after generation/epoch {generation} as asked; resume from the checkpoint"
            ),
        }
    }
}

impl std::error::Error for FitError {}

/// Fits the variant [`FitOptions::model`] to `data`. `progress` is called from worker threads as work finishes.
///
/// # Errors
/// [`FitError`] when the data has no transition or is not finite, the start is invalid, or a
/// setting is out of range.
pub fn fit(
    data: &Dataset,
    options: &FitOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<FitReport, FitError> {
    fit_split(data, None, options, progress)
}

/// Fits the variant [`FitOptions::model`] to `train`; when `test` is given its loss is computed along the winning run
/// and reported ([`FitReport::loss`], [`FitReport::test_log_likelihood`]) but never optimised.
///
/// # Errors
/// As [`fit`]; also [`FitError::NonFiniteData`] for a non-finite test set.
pub fn fit_split(
    train: &Dataset,
    test: Option<&Dataset>,
    options: &FitOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<FitReport, FitError> {
    let t0 = Instant::now();
    let model = options.model;
    // V8-P: the feature settings come from the training strokes only, before the fit, and
    // standardise the test strokes too
    let feature_scaling =
        <crate::precursor::FeatureScaling as crate::precursor::TrainingScaling>::of_fit(
            model, train,
        );
    let objective = Objective::with_scaling(train, model, feature_scaling.as_ref());
    if objective.transitions() == 0 {
        return Err(FitError::NoTransitions);
    }
    if !objective.is_finite() {
        return Err(FitError::NonFiniteData);
    }
    let test_objective = test
        .map(|t| Objective::with_scaling(t, model, feature_scaling.as_ref()))
        .filter(|t| t.transitions() > 0);
    if test_objective.as_ref().is_some_and(|t| !t.is_finite()) {
        return Err(FitError::NonFiniteData);
    }
    if !(options.l2.is_finite() && options.l2 >= 0.0) {
        return Err(FitError::InvalidSetting(
            "the L2 weight must be finite and non-negative",
        ));
    }
    let start_params = options.start.unwrap_or_else(|| default_start(model));
    if start_params.model() != model {
        return Err(FitError::StartModel {
            start: start_params.model(),
            fit: model,
        });
    }
    let mut start = point_of(&start_params);
    let mut fixed: Vec<(usize, f64)> = Vec::new();
    for (name, value) in &options.fixed {
        let index = model
            .variant()
            .index_of(name)
            .ok_or_else(|| FitError::UnknownParameter {
                name: name.clone(),
                model,
            })?;
        if !value.is_finite() {
            return Err(FitError::InvalidSetting("a fixed parameter must be finite"));
        }
        start[index] = *value;
        fixed.push((index, *value));
    }
    galling::family::AnyModel::new(&params_of(model, &start)).map_err(FitError::InvalidStart)?;
    if options.threads == Some(0) {
        return Err(FitError::InvalidSetting("threads must be at least 1"));
    }
    let mut bounds = region(model, options.physical);
    for &(index, value) in &fixed {
        bounds.lower[index] = value;
        bounds.upper[index] = value;
    }
    // A start outside the region is moved to its nearest point; it must be finite there.
    if objective.value(&bounds.project(&start)).is_none() {
        return Err(FitError::StartNotFinite);
    }
    let penalized = trained_mask(model, &fixed);
    let problem = Setup {
        objective: &objective,
        bounds: &bounds,
        scale: scale(model),
        l2: options.l2,
        penalized,
    };
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = options.threads {
        builder = builder.num_threads(n);
    }
    let pool = builder
        .build()
        .map_err(|e| FitError::ThreadPool(e.to_string()))?;
    if options.checkpoint.is_some() && matches!(options.method, Method::Lbfgs(_)) {
        return Err(FitError::InvalidSetting(
            "checkpoints and resume are available for --method snes and --method adam",
        ));
    }
    let fingerprint = checkpoint::fingerprint(train, test, options);
    let outcome = pool.install(|| match &options.method {
        Method::Adam(settings) => strategy::run_adam(
            t0,
            &problem,
            &start,
            settings,
            options.checkpoint.as_ref(),
            &fingerprint,
            progress,
        ),
        Method::Lbfgs(settings) => strategy::run_lbfgs(
            t0,
            &problem,
            &start,
            options.physical,
            settings,
            options.starts,
            options.seed,
            progress,
        ),
        Method::Snes(settings) => snes::run(
            t0,
            &problem,
            &start,
            settings,
            options,
            &fingerprint,
            progress,
        ),
    })?;
    let params = params_of(model, &outcome.best);
    let mut method = options.method.name().to_string();
    if !options.physical {
        method.push_str("-unconstrained");
    }
    let n_train = objective.transitions() as f64;
    let scaled = problem.scaled();
    let test_ll = |x: &Point| {
        test_objective
            .as_ref()
            .map(|t| t.value(x).unwrap_or(f64::NEG_INFINITY))
    };
    let loss: Vec<LossRow> = outcome
        .path
        .iter()
        .enumerate()
        .map(|(i, p)| LossRow {
            iteration: i + 1,
            wall_seconds: p.seconds,
            train_nll: -p.ll / n_train,
            test_nll: test_ll(&p.x).map(|v| {
                -v / test_objective
                    .as_ref()
                    .map_or(1.0, |t| t.transitions() as f64)
            }),
            regularization: scaled.penalty_per_transition(&scaled.to_scaled(&p.x)),
            step_min: p.step.map(|s| s.0),
            step_max: p.step.map(|s| s.1),
        })
        .collect();
    let log_likelihood = objective.value(&outcome.best).unwrap_or(f64::NEG_INFINITY);
    Ok(FitReport {
        model,
        params,
        log_likelihood,
        method,
        seed: options.seed,
        iterations: outcome.path.len(),
        evaluations: outcome.evaluations.gradient,
        value_evaluations: outcome.evaluations.value,
        wall_time: t0.elapsed(),
        curve: loss
            .iter()
            .zip(&outcome.path)
            .map(|(r, p)| CurvePoint {
                iteration: r.iteration,
                log_likelihood: p.ll,
                test_log_likelihood: test_ll(&p.x),
                seconds: p.seconds,
            })
            .collect(),
        optima: outcome.optima,
        flags: physical_flags(&params),
        loss,
        feature_scaling,
        train_transitions: objective.transitions(),
        test_transitions: test_objective.as_ref().map_or(0, Objective::transitions),
        test_log_likelihood: test_ll(&outcome.best),
    })
}

/// The default start of a fit of `model`: the variant's start ([`crate::fitting::start`]) as
/// float32 values, the way the published training recipe stores its start (for V8 this is exactly
/// [`galling::V8Params::PUBLISHED_DEFAULT_START`]).
///
/// ```
/// use galling::V8Params;
/// use galling::family::{ModelId, ModelParams};
/// let v8 = host_train::fit::default_start(ModelId::V8);
/// assert_eq!(v8, ModelParams::from(V8Params::PUBLISHED_DEFAULT_START.map(f64::from)));
/// ```
pub fn default_start(model: ModelId) -> ModelParams<f64> {
    crate::fitting::start(model)
}

/// Parameters that set only where simulations start and do not enter the likelihood: never
/// trained (`mu0_base` of the double-well variants, `mu0_base` and `mu0_T` of V7).
pub const START_ONLY: [&str; 2] = ["mu0_base", "mu0_T"];

/// Which coordinates are trained: the variant's parameters but the [`START_ONLY`] ones and the
/// fixed ones (indices into the variant's table).
pub(crate) fn trained_mask(model: ModelId, fixed: &[(usize, f64)]) -> [bool; N_PARAMS] {
    let fields = model.variant().fields;
    std::array::from_fn(|i| {
        fields.get(i).is_some_and(|f| !START_ONLY.contains(&f.name))
            && !fixed.iter().any(|(j, _)| *j == i)
    })
}

/// The typical size of each coordinate of `model` ([`crate::fitting::FitField::scale`]; 1 in the
/// unused slots): the optimisers work on `x / scale`, which evens out a spread of six orders of
/// magnitude between the parameters (V8's `g_T` ~ 1e-6, `tau` ~ 2).
///
/// ```
/// use host_train::fit::{ModelId, scale};
/// assert_eq!(scale(ModelId::V8)[9], 1.0); // tau
/// assert_eq!(scale(ModelId::V9)[16], 1.0); // unused slot
/// ```
pub fn scale(model: ModelId) -> Point {
    let fields = crate::fitting::fit_fields(model);
    std::array::from_fn(|i| fields.get(i).map_or(1.0, |f| f.scale))
}

/// What every method gets: the training objective, the feasible region (fixed parameters have
/// equal bounds), and the L2 penalty.
pub(crate) struct Setup<'a> {
    pub(crate) objective: &'a Objective,
    pub(crate) bounds: &'a bounds::Bounds<N_PARAMS>,
    /// [`scale`] of the variant.
    pub(crate) scale: Point,
    pub(crate) l2: f64,
    pub(crate) penalized: [bool; N_PARAMS],
}

impl Setup<'_> {
    /// The minimised problem in the scaled coordinates of [`scale`].
    pub(crate) fn scaled(&self) -> objective::ScaledProblem<'_> {
        objective::ScaledProblem::new(self.objective, self.scale).with_l2(self.l2, self.penalized)
    }
}

/// Log-likelihood of `data` under `params` (any variant) in f64, through galling's
/// [`galling::family::AnyModel`]; `-inf` when the parameters are not a valid model or the result
/// is not finite.
pub fn log_likelihood(data: &Dataset, params: &ModelParams<f64>) -> f64 {
    Objective::new(data, params.model())
        .value(&point_of(params))
        .unwrap_or(f64::NEG_INFINITY)
}

/// The COF range the wells must lie in for a physical fit.
pub const COF_RANGE: (f64, f64) = (0.1, 1.3);
/// The range of `omega0` for a physical fit: the stay probability `1 - omega0 exp(..)` is then a
/// probability before its clamp.
pub const OMEGA0_RANGE: (f64, f64) = (0.0, 1.0);
/// Smallest distance between the wells the physical fit keeps.
pub const MIN_WELL_GAP: f64 = 1e-3;

/// The feasible region of a fit of `model` in parameter coordinates: with `physical` the box of
/// the variant ([`crate::fitting::FitField::physical`]) and its ordered wells at least
/// [`MIN_WELL_GAP`] apart; without, only the wells' order (the model needs it; a tiny gap so steps
/// never land on equality). The unused slots are held at 0.
///
/// ```
/// use host_train::fit::{ModelId, region};
/// let b = region(ModelId::V9, true);
/// assert_eq!((b.lower[0], b.upper[0]), (0.1, 1.3)); // mu_L
/// assert_eq!((b.lower[12], b.upper[12]), (0.0, 0.0)); // unused
/// assert!(region(ModelId::V7, true).ordered.is_none());
/// ```
pub fn region(model: ModelId, physical: bool) -> bounds::Bounds<N_PARAMS> {
    let variant = model.variant();
    let mut b = bounds::Bounds::free();
    if physical {
        for (i, f) in crate::fitting::fit_fields(model).iter().enumerate() {
            (b.lower[i], b.upper[i]) = f.physical;
        }
    }
    for i in variant.fields.len()..N_PARAMS {
        (b.lower[i], b.upper[i]) = (0.0, 0.0);
    }
    let gap = if physical { MIN_WELL_GAP } else { 1e-9 };
    b.ordered = variant.ordered.map(|(lo, hi)| (lo, hi, gap));
    b
}

/// Parameters that sit on a bound of the physical box of their variant's table or outside it, and
/// wells that are not ordered, one [`PhysicalFlag`] each (its `Display` is a human-readable line);
/// empty for a fit strictly inside.
///
/// ```
/// use galling::V8Params;
/// use galling::family::ModelParams;
/// use host_train::fit::{PhysicalFlag, physical_flags};
/// let mut p = V8Params::PUBLISHED_FIT.map(f64::from);
/// assert!(physical_flags(&ModelParams::from(p)).is_empty());
/// p.mu_h = 1.55;
/// p.omega0 = 1.0e6;
/// let flags = physical_flags(&ModelParams::from(p));
/// assert!(flags.iter().any(|f| matches!(f, PhysicalFlag::Outside { name: "mu_H", .. })));
/// assert!(flags.iter().any(|f| f.parameter() == "omega0"));
/// ```
pub fn physical_flags(params: &ModelParams<f64>) -> Vec<PhysicalFlag> {
    let variant = params.variant();
    let mut flags = Vec::new();
    let on = |v: f64, b: f64| (v - b).abs() <= 1e-9 * b.abs().max(1.0);
    let fit = crate::fitting::fit_fields(params.model());
    for ((field, fit), &value) in variant.fields.iter().zip(&fit).zip(params.values()) {
        let name = field.name;
        if !value.is_finite() {
            flags.push(PhysicalFlag::NotFinite { name, value });
            continue;
        }
        let (low, high) = fit.physical;
        let what = match name {
            "mu_L" | "mu_H" => "the COF range",
            // V8's [0, 1] keeps 1 - omega0 exp(..) a probability; V9's box reaches 2
            "omega0" if high == 1.0 => "the physical range (a stay probability before its clamp)",
            _ => "the physical range",
        };
        if value < low && !on(value, low) || value > high && !on(value, high) {
            flags.push(PhysicalFlag::Outside {
                name,
                value,
                low,
                high,
                what,
            });
        } else if low.is_finite() && on(value, low) {
            flags.push(PhysicalFlag::OnLowerBound {
                name,
                value,
                low,
                high,
                what,
            });
        } else if high.is_finite() && on(value, high) {
            flags.push(PhysicalFlag::OnUpperBound {
                name,
                value,
                low,
                high,
                what,
            });
        }
    }
    if let Some((lo, hi)) = variant.ordered {
        let (a, b) = (params.values()[lo], params.values()[hi]);
        if a.is_finite() && b.is_finite() && a >= b {
            flags.push(PhysicalFlag::NotOrdered {
                low_name: variant.fields[lo].name,
                low_value: a,
                high_name: variant.fields[hi].name,
                high_value: b,
            });
        }
    }
    flags
}

/// What a method run hands back to [`fit`].
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub(crate) best: Point,
    /// The logged points of the winning run, in order.
    pub(crate) path: Vec<PathPoint>,
    pub(crate) evaluations: lbfgs::Evaluations,
    pub(crate) optima: Vec<Optimum>,
}

/// One logged point of a run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub(crate) struct PathPoint {
    /// The point (model coordinates).
    pub(crate) x: Point,
    /// Training log-likelihood there (without penalty).
    pub(crate) ll: f64,
    /// Seconds since the fit started.
    pub(crate) seconds: f64,
    /// SNES step sizes (min, max) over the trained coordinates.
    pub(crate) step: Option<(f64, f64)>,
}
