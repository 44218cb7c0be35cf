//! Predictive validity of the galling monitor on held-out strokes.
//!
//! # What is predicted
//! The event of stroke `i` with horizon `k`: *the COF of one of the next `k` strokes exceeds a fixed
//! threshold* ([`ValidateConfig::threshold`], default [`DEFAULT_THRESHOLD`] = 0.50, the galling
//! threshold of the blob and of `replay`). The threshold is fixed, not the fitted model's well
//! midpoint, so the event is a fact of the observed data alone and every fold scores the same event. Strokes whose
//! `k`-stroke future runs past the end of their held-out stretch are censored (not scored).
//! Scores are reported on *all* strokes and on *clean* strokes (COF at or below the threshold now:
//! predicting an onset).
//!
//! # How
//! - Blocked `k`-fold cross-validation: each series is cut into contiguous blocks; a fold refits the
//!   model with [`crate::fit::fit`] on the other blocks (as separate sub-series: no transition spans
//!   a gap) and replays the held-out block through a core [`galling::Monitor`] (`f32`, exact
//!   risk of [`galling::risk`], as the press runs it) for the Brier scores. A temporal split (first 70 % / last 30 %) is scored the same
//!   way.
//! - Fitting objective ([`ValidateConfig::event`]): maximum likelihood by default; optionally each
//!   maximum-likelihood fit is polished by `-LL + weight x` the `k`-stroke event loss at the alarm
//!   horizon ([`crate::fit::event`]), on the training strokes only, to compare the two out of fold.
//! - Forecasts: the monitor's risk; a Monte Carlo check of it (`f64`, [`MC_TRAJECTORIES`]
//!   trajectories); the risk recalibrated by maps fitted on the *training* strokes' in-sample risks
//!   ([`metrics::Isotonic`], [`metrics::Platt`]); and three baselines, all estimated on the training
//!   strokes only: persistence (1 if the COF is above the threshold now, else 0), the base rate per
//!   temperature and current state (clean / galled), and a COF alarm (1 if the COF is above a level
//!   chosen on the training strokes to minimise their Brier score).
//! - Scores: Brier score of each, Brier skill score against the best baseline, reliability tables,
//!   90 % intervals from a block bootstrap ([`metrics::BlockBootstrap`]) of the pooled held-out strokes.
//! - Signals ([`operator`]): every series replayed continuously with out-of-fold packages (each
//!   calibrated on its training strokes), the onset warning against COF-threshold, EWMA and CUSUM
//!   charts and a curve envelope learned from the raw strokes ([`envelope`]), all tuned to the
//!   same alarm budget, in operator figures, with the monitor issue's goals.

pub mod envelope;
pub mod folds;
pub mod metrics;
pub mod operator;
pub mod report;

use crate::dataset::{Dataset, Series};
use crate::fit::{FitOptions, fit, log_likelihood};
use crate::package::CalibrationTarget;
use crate::replay::{ReplayRow, replay_series_with_inputs};
use folds::{Piece, Split, blocked_folds, subset, temporal_split};
use galling::Package;
use galling::family::{AnyModel, ModelId, ModelParams};
use galling::forecast::{ForecastSettings, MonteCarloForecaster, RiskForecaster};
use metrics::{
    BlockBootstrap, Isotonic, Platt, ReliabilityBin, brier, event_labels, onsets, percentile,
    reliability, skill,
};
use serde::Serialize;
use std::time::Instant;

/// The galling threshold of the validation event, COF: the blob's default
/// ([`galling::risk::DEFAULT_GALLING_THRESHOLD`]).
pub const DEFAULT_THRESHOLD: f64 = galling::risk::DEFAULT_GALLING_THRESHOLD as f64;
/// Default number of trajectories of the Monte Carlo check of the grid forecast.
pub const MC_TRAJECTORIES: usize = 1024;
/// Trajectories of one Monte Carlo forecaster of the check; the check averages
/// `mc_trajectories / MC_BATCH` independently seeded ones.
pub const MC_BATCH: usize = 64;

/// Forecast methods scored, in the order of [`Scored::p`].
pub const METHODS: [&str; 7] = [
    "model",
    "model_mc",
    "model_isotonic",
    "model_platt",
    "persistence",
    "base_rate",
    "cof_alarm",
];
const MODEL: usize = 0;
const MC: usize = 1;
const ISOTONIC: usize = 2;
const PLATT: usize = 3;
/// Indices of the baselines in [`METHODS`].
const BASELINES: [usize; 3] = [4, 5, 6];
/// Indices of the model forecasts whose skill is reported.
const MODELS: [usize; 4] = [MODEL, MC, ISOTONIC, PLATT];

/// Settings of a validation run.
#[derive(Debug, Clone)]
pub struct ValidateConfig {
    /// Number of blocked cross-validation folds.
    pub folds: usize,
    /// Seed of the fits and of the bootstrap.
    pub seed: u64,
    /// Galling threshold of the event, COF.
    pub threshold: f64,
    /// Horizons `k` of the event, strokes.
    pub horizons: Vec<u16>,
    /// Horizon of the monitor whose alarms are scored, strokes; also the `k` of a true warning.
    pub alarm_horizon: u16,
    /// Training fraction of the temporal split.
    pub temporal_fraction: f64,
    /// Bootstrap resamples.
    pub bootstrap: usize,
    /// Bootstrap block length, strokes.
    pub block_len: usize,
    /// Bins of the reliability tables.
    pub bins: usize,
    /// COF levels the COF-alarm baseline chooses from.
    pub cof_alarm_levels: Vec<f64>,
    /// Trajectories of the Monte Carlo check (rounded up to a multiple of [`MC_BATCH`]).
    pub mc_trajectories: usize,
    /// Options of every fit.
    pub fit: FitOptions,
    /// The alarm budget of the onset warning and the baselines on the training strokes.
    pub budget: CalibrationTarget,
    /// `None` (default): the maximum-likelihood fit. `Some`: the fit polished by the event
    /// objective `-LL + weight * event_loss` ([`crate::fit::event`]); its threshold and horizon are
    /// replaced by the validation's threshold and alarm horizon.
    pub event: Option<crate::fit::event::EventSettings>,
}

impl Default for ValidateConfig {
    /// 5 folds, seed 1, threshold 0.50, horizons 5 and 10, alarms of the 10-stroke monitor, 70/30
    /// temporal split, 1000 bootstrap resamples of 20-stroke blocks, 10 bins, COF alarm levels
    /// 0.10 to 0.60 in steps of 0.01, the fitting engine's default options.
    fn default() -> Self {
        Self {
            folds: 5,
            seed: 1,
            threshold: DEFAULT_THRESHOLD,
            horizons: vec![5, 10],
            alarm_horizon: 10,
            temporal_fraction: 0.7,
            bootstrap: 1000,
            block_len: 20,
            bins: 10,
            cof_alarm_levels: (10..=60).map(|i| f64::from(i) / 100.0).collect(),
            mc_trajectories: MC_TRAJECTORIES,
            fit: FitOptions::default(),
            budget: CalibrationTarget::default(),
            event: None,
        }
    }
}

/// Why a validation could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ValidateError {
    /// A setting is out of range.
    #[error("invalid validation setting: {0}")]
    Setting(String),
    /// The data cannot be split.
    #[error(transparent)]
    Split(#[from] folds::SplitError),
    /// A fit failed.
    #[error("fit of {split} failed")]
    Fit {
        /// The split.
        split: String,
        /// The fitting engine's error.
        #[source]
        source: crate::fit::FitError,
    },
    /// The monitor could not replay a stretch.
    #[error(transparent)]
    Replay(#[from] crate::replay::ReplayError),
    /// The fitted parameters are not a valid model.
    #[error(transparent)]
    Params(#[from] galling::ParamError),
    /// A forecast setting was refused.
    #[error(transparent)]
    Config(#[from] galling::forecast::ConfigError),
    /// A split's monitor package could not be built.
    #[error(transparent)]
    Package(#[from] crate::package::PackageBuildError),
    /// A split's monitor package was refused.
    #[error(transparent)]
    PackageInvalid(#[from] galling::monitor::PackageError),
    /// An output file could not be written.
    #[error(transparent)]
    Write(#[from] crate::atomic::WriteError),
    /// A figure could not be drawn.
    #[error(transparent)]
    Plot(#[from] crate::atomic::PlotError),
}

/// Which strokes a score covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Subset {
    /// Every uncensored stroke.
    All,
    /// Uncensored strokes with the COF at or below the threshold.
    Clean,
}

impl Subset {
    fn includes(self, cof: f64, threshold: f64) -> bool {
        match self {
            Self::All => true,
            Self::Clean => cof <= threshold,
        }
    }

    /// `"all"` or `"clean"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Clean => "clean",
        }
    }
}

/// One scored held-out stroke.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// Series index.
    pub series: usize,
    /// Stroke index in the series.
    pub stroke: usize,
    /// Recorded temperature of the series, degC.
    pub recorded_temperature: f64,
    /// The stroke's COF.
    pub cof: f64,
    /// The event happened.
    pub event: bool,
    /// Forecasts of [`METHODS`].
    pub p: [f64; METHODS.len()],
}

/// An estimate with its 90 % bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// On the held-out strokes as they are.
    pub estimate: f64,
    /// 5th percentile over the bootstrap resamples.
    pub low: f64,
    /// 95th percentile.
    pub high: f64,
}

/// Brier score of one method.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MethodScore {
    /// Method ([`METHODS`]).
    pub method: &'static str,
    /// Brier score with interval.
    pub brier: Interval,
}

/// Brier skill of a model forecast against the best baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkillScore {
    /// Method ([`METHODS`]).
    pub method: &'static str,
    /// `1 - brier / brier(best baseline)`, with interval (the baseline fixed, both rescored on each
    /// resample).
    pub skill: Interval,
    /// Fraction of resamples where the skill is positive.
    pub fraction_positive: f64,
}

/// Scores of one method by recorded temperature (no intervals).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TemperatureScore {
    /// Recorded temperature, degC.
    pub recorded_temperature: f64,
    /// Scored strokes.
    pub forecasts: usize,
    /// Events among them.
    pub events: usize,
    /// Brier score of each method ([`METHODS`] order).
    pub brier: Vec<f64>,
}

/// Scores of one horizon and subset of a scheme.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellReport {
    /// Horizon `k`, strokes.
    pub horizon: u16,
    /// Which strokes.
    pub subset: Subset,
    /// Scored (uncensored) strokes.
    pub forecasts: usize,
    /// Censored strokes of the subset (future past the end of the held-out stretch).
    pub censored: usize,
    /// Events among the scored strokes.
    pub events: usize,
    /// Their frequency.
    pub event_rate: f64,
    /// Mean forecast of each method ([`METHODS`] order).
    pub mean_forecast: Vec<f64>,
    /// Brier scores.
    pub scores: Vec<MethodScore>,
    /// The baseline with the lowest Brier score.
    pub best_baseline: &'static str,
    /// Skill of the model forecasts against it.
    pub skill: Vec<SkillScore>,
    /// Reliability tables of the model, its Monte Carlo check and the recalibrated forecasts.
    pub reliability: Vec<(&'static str, Vec<ReliabilityBin>)>,
    /// Mean and largest `|grid - Monte Carlo|` risk.
    pub mc_difference: (f64, f64),
    /// Scores by recorded temperature.
    pub by_temperature: Vec<TemperatureScore>,
}

/// The fit and held-out likelihood of one split.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SplitReport {
    /// Split name.
    pub name: String,
    /// Training strokes and transitions.
    pub train: (usize, usize),
    /// Held-out strokes and transitions.
    pub test: (usize, usize),
    /// Log-likelihood of the training data at the fit.
    pub fit_log_likelihood: f64,
    /// Log-likelihood of the held-out transitions (each held-out stretch a series of its own).
    pub test_log_likelihood: f64,
    /// Wall time of the fit, seconds.
    pub fit_seconds: f64,
    /// The fitted parameters.
    #[serde(serialize_with = "crate::params_file::serialize_values")]
    pub params: ModelParams<f64>,
    /// Physical flags of the fit.
    pub flags: Vec<crate::fit::PhysicalFlag>,
    /// COF level the COF-alarm baseline chose on the training strokes, per horizon and subset.
    pub cof_alarm_levels: Vec<(u16, Subset, f64)>,
    /// The event-objective polish of the maximum-likelihood fit (`None`: maximum likelihood).
    pub event_polish: Option<EventPolishReport>,
}

/// What the event-objective polish did to one split's fit (training data only).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EventPolishReport {
    /// Labelled training strokes (at or below the threshold, k-stroke future inside the series)
    /// and how many of them have an event.
    pub strokes: (usize, usize),
    /// Event loss (Bernoulli negative log-likelihood) at the maximum-likelihood fit and after.
    pub event_loss: (f64, f64),
    /// Training log-likelihood at the maximum-likelihood fit and after.
    pub log_likelihood: (f64, f64),
    /// L-BFGS iterations of the polish.
    pub iterations: usize,
    /// Wall time of the polish, seconds.
    pub seconds: f64,
}

/// Everything of one validation scheme (blocked CV or temporal split).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SchemeReport {
    /// Scheme name.
    pub name: String,
    /// Its splits.
    pub splits: Vec<SplitReport>,
    /// Scores per horizon and subset.
    pub cells: Vec<CellReport>,
    /// The operator evaluation: continuous out-of-fold replay against the baselines.
    pub operator: operator::OperatorReport,
    /// The monitor issue's goals, checked on this scheme.
    pub goals: Vec<operator::GoalCheck>,
}

/// One series of the data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesInfo {
    /// Label.
    pub label: String,
    /// Recorded and model temperature, degC.
    pub temperature: (f64, f64),
    /// Strokes.
    pub strokes: usize,
    /// Strokes at or below the threshold.
    pub clean_strokes: usize,
    /// Onsets over the whole series.
    pub onsets: usize,
}

/// Settings echoed into the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SettingsReport {
    /// Threshold of the event, COF.
    pub threshold: f64,
    /// Horizons, strokes.
    pub horizons: Vec<u16>,
    /// Alarm monitor horizon, strokes.
    pub alarm_horizon: u16,
    /// Folds.
    pub folds: usize,
    /// Temporal training fraction.
    pub temporal_fraction: f64,
    /// Seed.
    pub seed: u64,
    /// Bootstrap resamples and block length.
    pub bootstrap: (usize, usize),
    /// Reliability bins.
    pub bins: usize,
    /// The monitor's forecaster and precision.
    pub monitor: String,
    /// The alarm budget every rule was tuned to on its training strokes.
    pub budget: CalibrationTarget,
    /// Fit method, number of starts, physical box.
    pub fit: String,
}

/// The whole validation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidationReport {
    /// Settings.
    pub settings: SettingsReport,
    /// The data.
    pub data: Vec<SeriesInfo>,
    /// Blocked cross-validation, then the temporal split.
    pub schemes: Vec<SchemeReport>,
    /// Plain-language findings (also in validation.md).
    pub conclusions: Vec<String>,
    /// Wall time of the run, seconds.
    pub seconds: f64,
}

/// Progress of a run (the stage is the split being fitted).
pub use crate::progress::ProgressFn;

/// A stretch of a series as a series of its own.
fn piece_series(data: &Dataset, piece: &Piece) -> Series {
    let s = &data.series[piece.series];
    Series {
        label: format!(
            "{}[{}..{}]",
            s.label, piece.strokes.start, piece.strokes.end
        ),
        recorded_temperature: s.recorded_temperature,
        temperature: s.temperature,
        cof: s.cof[piece.strokes.clone()].to_vec(),
        features: s
            .features
            .as_ref()
            .map(|f| f[piece.strokes.clone()].to_vec()),
    }
}

/// The kernel inputs of a stretch's strokes (empty when its series has none).
fn piece_inputs<'a>(
    inputs: &'a [Vec<[f32; galling::family::N_PRECURSOR_FEATURES]>],
    piece: &Piece,
) -> &'a [[f32; galling::family::N_PRECURSOR_FEATURES]] {
    inputs
        .get(piece.series)
        .and_then(|z| z.get(piece.strokes.clone()))
        .unwrap_or(&[])
}

/// What a split hands to the pooling.
struct SplitOutcome {
    report: SplitReport,
    /// `(horizon, subset)` -> scored held-out strokes.
    scored: Vec<((u16, Subset), Vec<Scored>)>,
    /// Censored held-out strokes per `(horizon, subset)`.
    censored: Vec<((u16, Subset), usize)>,
    /// The split's package at the alarm horizon, calibrated on its training stretches.
    package: Package,
    /// The monitor's kernel inputs of every stroke of every series under the split's feature
    /// settings (per series; empty for a variant without stroke features or a series without).
    inputs: Vec<Vec<[f32; galling::family::N_PRECURSOR_FEATURES]>>,
}

/// One stroke of a stretch with its risk and event.
struct Labelled {
    series: usize,
    stroke: usize,
    recorded_temperature: f64,
    cof: f64,
    risk: f64,
    event: Option<bool>,
}

/// Replays the stretches and labels their strokes.
fn label_pieces(
    data: &Dataset,
    pieces: &[Piece],
    package: &Package,
    inputs: &[Vec<[f32; galling::family::N_PRECURSOR_FEATURES]>],
    config: &ValidateConfig,
    horizon: u16,
) -> Result<Vec<Labelled>, ValidateError> {
    let mut out = Vec::new();
    for piece in pieces {
        let s = piece_series(data, piece);
        let rows = replay_series_with_inputs(package, &s, piece_inputs(inputs, piece))?;
        let labels = event_labels(&s.cof, config.threshold, usize::from(horizon));
        for (i, (row, event)) in rows.iter().zip(labels).enumerate() {
            out.push(Labelled {
                series: piece.series,
                stroke: piece.strokes.start + i,
                recorded_temperature: s.recorded_temperature,
                cof: s.cof[i],
                risk: row.risk,
                event,
            });
        }
    }
    Ok(out)
}

/// Base rate of the event per (recorded temperature, clean) on training strokes, falling back to
/// the rate of the state over all temperatures, then 0.5.
struct BaseRates {
    cells: Vec<(f64, bool, usize, usize)>,
}

impl BaseRates {
    fn fit(train: &[&Labelled], threshold: f64) -> Self {
        let mut cells: Vec<(f64, bool, usize, usize)> = Vec::new();
        for l in train {
            let (Some(event), clean) = (l.event, l.cof <= threshold) else {
                continue;
            };
            let key = (l.recorded_temperature, clean);
            match cells.iter_mut().find(|c| (c.0, c.1) == key) {
                Some(c) => {
                    c.2 += 1;
                    c.3 += usize::from(event);
                }
                None => cells.push((key.0, key.1, 1, usize::from(event))),
            }
        }
        Self { cells }
    }

    fn rate(&self, recorded_temperature: f64, clean: bool) -> f64 {
        if let Some(c) = self
            .cells
            .iter()
            .find(|c| c.0 == recorded_temperature && c.1 == clean && c.2 > 0)
        {
            return c.3 as f64 / c.2 as f64;
        }
        let (n, e) = self
            .cells
            .iter()
            .filter(|c| c.1 == clean)
            .fold((0, 0), |(n, e), c| (n + c.2, e + c.3));
        if n > 0 { e as f64 / n as f64 } else { 0.5 }
    }
}

/// The COF level whose alarm (`cof > level`) has the lowest Brier score on the training strokes
/// (the lowest such level on ties).
fn choose_cof_level(train: &[&Labelled], levels: &[f64]) -> f64 {
    let mut best = (
        f64::INFINITY,
        levels.first().copied().unwrap_or(DEFAULT_THRESHOLD),
    );
    for &level in levels {
        let (p, y): (Vec<f64>, Vec<bool>) = train
            .iter()
            .filter_map(|l| Some((f64::from(u8::from(l.cof > level)), l.event?)))
            .unzip();
        let b = brier(&p, &y);
        if b < best.0 {
            best = (b, level);
        }
    }
    best.1
}

fn run_split(
    data: &Dataset,
    split: &Split,
    config: &ValidateConfig,
) -> Result<SplitOutcome, ValidateError> {
    let train_data = subset(data, &split.train);
    let test_data = subset(data, &split.test);
    let fitted = fit(&train_data, &config.fit, &|_| {}).map_err(|source| ValidateError::Fit {
        split: split.name.clone(),
        source,
    })?;
    let (params, event_polish) = match &config.event {
        None => (fitted.params, None),
        Some(settings) => {
            let settings = crate::fit::event::EventSettings {
                threshold: config.threshold,
                horizon: config.alarm_horizon,
                ..*settings
            };
            let t0 = Instant::now();
            let start = fitted
                .params
                .to_v8()
                .filter(|_| fitted.model == ModelId::V8);
            let p = start
                .and_then(|start| {
                    crate::fit::event::polish(
                        &train_data,
                        &start,
                        &settings,
                        &crate::fit::region(ModelId::V8, config.fit.physical),
                    )
                })
                .ok_or_else(|| {
                    ValidateError::Setting(format!(
                        "{}: the event objective could not start from the maximum-likelihood fit \
                     (no labelled training stroke or an invalid model)",
                        split.name
                    ))
                })?;
            let report = EventPolishReport {
                strokes: p.strokes,
                event_loss: p.event_loss,
                log_likelihood: p.log_likelihood,
                iterations: p.iterations,
                seconds: t0.elapsed().as_secs_f64(),
            };
            (ModelParams::from(p.params), Some(report))
        }
    };
    let model64 = AnyModel::new(&params)?;
    // V8-P's monitor takes each stroke's features, standardised by the settings its fit fixed from
    // the training strokes (none for a variant without stroke features: every stroke at z = 0).
    let inputs: Vec<Vec<[f32; galling::family::N_PRECURSOR_FEATURES]>> = data
        .series
        .iter()
        .map(|s| crate::precursor::stroke_inputs(fitted.feature_scaling.as_ref(), s))
        .collect();
    // The package carries V8-P's feature section as its blob would; the replays below pass the
    // inputs standardised above (`update_with_inputs`), so a fold without a scaling (every stroke
    // at z = 0) gets the identity scaling, which nothing reads.
    let features = crate::precursor::uses_features(params.model()).then(|| {
        galling::features::PrecursorFeatures {
            extractor: galling::features::FeatureSettings::DEFAULT,
            scaling: fitted.feature_scaling.map_or(
                galling::features::FeatureScaling {
                    reference: [0.0; galling::family::N_PRECURSOR_FEATURES],
                    scale: [1.0; galling::family::N_PRECURSOR_FEATURES],
                },
                |s| s.to_f32(),
            ),
        }
    });
    let package_for = |k: u16| -> Result<Package, ValidateError> {
        let table = crate::package::table(&params, &train_data, config.threshold as f32, k)?;
        Ok(Package::with_features(
            crate::params_file::to_f32(&params),
            galling::signals::SignalSettings::default(),
            features,
            table,
        )?)
    };
    let mut scored = Vec::new();
    let mut censored = Vec::new();
    let mut cof_levels = Vec::new();
    for &k in &config.horizons {
        let package = package_for(k)?;
        let train = label_pieces(data, &split.train, &package, &inputs, config, k)?;
        let test = label_pieces(data, &split.test, &package, &inputs, config, k)?;
        let settings = ForecastSettings::new(config.threshold, k)?;
        let batches = config.mc_trajectories.div_ceil(MC_BATCH).max(1);
        let mut mc: Vec<MonteCarloForecaster<f64, MC_BATCH>> = (0..batches)
            .map(|b| MonteCarloForecaster::new(settings, config.seed.wrapping_add(b as u64 * 7919)))
            .collect();
        for subset_kind in [Subset::All, Subset::Clean] {
            let train_sub: Vec<&Labelled> = train
                .iter()
                .filter(|l| l.event.is_some() && subset_kind.includes(l.cof, config.threshold))
                .collect();
            let (risks, events): (Vec<f64>, Vec<bool>) = train_sub
                .iter()
                .filter_map(|l| Some((l.risk, l.event?)))
                .unzip();
            let isotonic = Isotonic::fit(&risks, &events);
            let platt = Platt::fit(&risks, &events);
            let base = BaseRates::fit(&train_sub, config.threshold);
            let level = choose_cof_level(&train_sub, &config.cof_alarm_levels);
            cof_levels.push((k, subset_kind, level));
            let mut out = Vec::new();
            let mut n_censored = 0;
            for l in test
                .iter()
                .filter(|l| subset_kind.includes(l.cof, config.threshold))
            {
                let Some(event) = l.event else {
                    n_censored += 1;
                    continue;
                };
                let temperature = data.series[l.series].temperature;
                let table = package.table();
                let inside = table.clamp_temperature(temperature as f32);
                let land = model64.landscape(f64::from(inside));
                // The monitor forecasts a COF below the typical clean one from the typical one.
                let start = l.cof.max(f64::from(table.hazard(inside).clean_cof));
                let mc_risk = mc
                    .iter_mut()
                    .map(|f| f.forecast(&land, start).probability)
                    .sum::<f64>()
                    / batches as f64;
                let clean = l.cof <= config.threshold;
                out.push(Scored {
                    series: l.series,
                    stroke: l.stroke,
                    recorded_temperature: l.recorded_temperature,
                    cof: l.cof,
                    event,
                    p: [
                        l.risk,
                        mc_risk,
                        isotonic.apply(l.risk),
                        platt.apply(l.risk),
                        f64::from(u8::from(!clean)),
                        base.rate(l.recorded_temperature, clean),
                        f64::from(u8::from(l.cof > level)),
                    ],
                });
            }
            scored.push(((k, subset_kind), out));
            censored.push(((k, subset_kind), n_censored));
        }
    }
    let segments: Vec<(f64, &[f64])> = split
        .train
        .iter()
        .map(|p| {
            let s = &data.series[p.series];
            (s.temperature, &s.cof[p.strokes.clone()])
        })
        .collect();
    let segment_inputs: Vec<&[[f32; galling::family::N_PRECURSOR_FEATURES]]> = split
        .train
        .iter()
        .map(|p| piece_inputs(&inputs, p))
        .collect();
    let (package, _) = crate::package::calibrate_with_inputs(
        &package_for(config.alarm_horizon)?,
        &segments,
        &segment_inputs,
        &config.budget,
    )?;
    let report = SplitReport {
        name: split.name.clone(),
        train: (
            train_data.series.iter().map(|s| s.cof.len()).sum(),
            train_data.transitions(),
        ),
        test: (
            test_data.series.iter().map(|s| s.cof.len()).sum(),
            test_data.transitions(),
        ),
        fit_log_likelihood: log_likelihood(&train_data, &params),
        test_log_likelihood: log_likelihood(&test_data, &params),
        fit_seconds: fitted.wall_time.as_secs_f64(),
        params,
        flags: fitted.flags,
        cof_alarm_levels: cof_levels,
        event_polish,
    };
    Ok(SplitOutcome {
        report,
        scored,
        censored,
        package,
        inputs,
    })
}

fn interval(estimate: f64, samples: &[f64]) -> Interval {
    Interval {
        estimate,
        low: percentile(samples, 0.05),
        high: percentile(samples, 0.95),
    }
}

fn briers(scored: &[Scored], idx: impl Iterator<Item = usize> + Clone) -> [f64; METHODS.len()] {
    let events: Vec<bool> = idx.clone().map(|i| scored[i].event).collect();
    std::array::from_fn(|m| {
        let p: Vec<f64> = idx.clone().map(|i| scored[i].p[m]).collect();
        brier(&p, &events)
    })
}

fn score_cell(
    data: &Dataset,
    horizon: u16,
    subset_kind: Subset,
    scored: &[Scored],
    censored: usize,
    config: &ValidateConfig,
    seed: u64,
) -> CellReport {
    let n = scored.len();
    let events = scored.iter().filter(|s| s.event).count();
    let full = briers(scored, 0..n);
    let best = BASELINES
        .into_iter()
        .min_by(|&a, &b| full[a].total_cmp(&full[b]))
        .unwrap_or(BASELINES[0]);
    let keys: Vec<(usize, usize)> = scored.iter().map(|s| (s.series, s.stroke)).collect();
    let spans: Vec<usize> = data.series.iter().map(|s| s.cof.len()).collect();
    let mut boot = BlockBootstrap::new(&keys, &spans, config.block_len, seed);
    let mut brier_samples: Vec<Vec<f64>> =
        vec![Vec::with_capacity(config.bootstrap); METHODS.len()];
    let mut skill_samples: Vec<Vec<f64>> = vec![Vec::with_capacity(config.bootstrap); MODELS.len()];
    for _ in 0..config.bootstrap {
        let idx = boot.resample();
        let b = briers(scored, idx.iter().copied());
        for (m, v) in b.iter().enumerate() {
            brier_samples[m].push(*v);
        }
        for (j, &m) in MODELS.iter().enumerate() {
            skill_samples[j].push(skill(b[m], b[best]));
        }
    }
    let mean_forecast = (0..METHODS.len())
        .map(|m| scored.iter().map(|s| s.p[m]).sum::<f64>() / n.max(1) as f64)
        .collect();
    let events_vec: Vec<bool> = scored.iter().map(|s| s.event).collect();
    let reliability = [MODEL, MC, ISOTONIC, PLATT]
        .into_iter()
        .map(|m| {
            let p: Vec<f64> = scored.iter().map(|s| s.p[m]).collect();
            (METHODS[m], reliability(&p, &events_vec, config.bins))
        })
        .collect();
    let diffs: Vec<f64> = scored
        .iter()
        .map(|s| (s.p[MODEL] - s.p[MC]).abs())
        .collect();
    let mut temperatures: Vec<f64> = scored.iter().map(|s| s.recorded_temperature).collect();
    temperatures.sort_by(f64::total_cmp);
    temperatures.dedup();
    let by_temperature = temperatures
        .into_iter()
        .map(|t| {
            let idx: Vec<usize> = (0..n)
                .filter(|&i| scored[i].recorded_temperature == t)
                .collect();
            TemperatureScore {
                recorded_temperature: t,
                forecasts: idx.len(),
                events: idx.iter().filter(|&&i| scored[i].event).count(),
                brier: briers(scored, idx.iter().copied()).to_vec(),
            }
        })
        .collect();
    CellReport {
        horizon,
        subset: subset_kind,
        forecasts: n,
        censored,
        events,
        event_rate: events as f64 / n.max(1) as f64,
        mean_forecast,
        scores: (0..METHODS.len())
            .map(|m| MethodScore {
                method: METHODS[m],
                brier: interval(full[m], &brier_samples[m]),
            })
            .collect(),
        best_baseline: METHODS[best],
        skill: MODELS
            .iter()
            .enumerate()
            .map(|(j, &m)| {
                let s = &skill_samples[j];
                SkillScore {
                    method: METHODS[m],
                    skill: interval(skill(full[m], full[best]), s),
                    fraction_positive: s.iter().filter(|&&x| x > 0.0).count() as f64
                        / s.len().max(1) as f64,
                }
            })
            .collect(),
        reliability,
        mc_difference: (
            diffs.iter().sum::<f64>() / n.max(1) as f64,
            diffs.iter().copied().fold(0.0, f64::max),
        ),
        by_temperature,
    }
}

/// Progress reporting across the schemes.
struct Tracker<'a> {
    progress: ProgressFn<'a>,
    done: usize,
    total: usize,
}

impl Tracker<'_> {
    fn show(&self, what: &str) {
        (self.progress)(crate::progress::Progress::new(what, self.done, self.total));
    }
}

fn run_scheme(
    data: &Dataset,
    curves: &envelope::SeriesCurves,
    name: &str,
    splits: &[Split],
    config: &ValidateConfig,
    seed: u64,
    tracker: &mut Tracker<'_>,
) -> Result<(SchemeReport, Vec<Vec<ReplayRow>>), ValidateError> {
    let mut outcomes = Vec::new();
    for split in splits {
        tracker.show(&format!("{name}: {}", split.name));
        outcomes.push(run_split(data, split, config)?);
        tracker.done += 1;
    }
    tracker.show(&format!("{name}: bootstrap"));
    let mut cells = Vec::new();
    for (c, &k) in config.horizons.iter().enumerate() {
        for (s, subset_kind) in [Subset::All, Subset::Clean].into_iter().enumerate() {
            let key = (k, subset_kind);
            let mut pooled: Vec<Scored> = Vec::new();
            let mut n_censored = 0;
            for o in &outcomes {
                for (kk, v) in &o.scored {
                    if *kk == key {
                        pooled.extend(v.iter().cloned());
                    }
                }
                for (kk, v) in &o.censored {
                    if *kk == key {
                        n_censored += v;
                    }
                }
            }
            pooled.sort_by_key(|s| (s.series, s.stroke));
            let cell_seed = seed.wrapping_add((c * 2 + s) as u64);
            cells.push(score_cell(
                data,
                k,
                subset_kind,
                &pooled,
                n_censored,
                config,
                cell_seed,
            ));
        }
    }
    tracker.done += 1;
    let packages: Vec<operator::SplitPackage<'_>> = splits
        .iter()
        .zip(&outcomes)
        .map(|(split, o)| operator::SplitPackage {
            split,
            package: o.package.clone(),
            inputs: &o.inputs,
        })
        .collect();
    let (op, timeline) =
        operator::evaluate(data, curves, &packages, config.threshold, &config.budget);
    let clean10 = cells
        .iter()
        .find(|c| c.horizon == 10 && c.subset == Subset::Clean)
        .map(|c| {
            let (worst, bins) = c
                .reliability
                .iter()
                .find(|(m, _)| *m == "model")
                .map(|(_, bins)| {
                    bins.iter()
                        .filter(|b| b.count >= 20)
                        .fold((0.0_f64, 0), |(w, n), b| {
                            (
                                w.max((b.mean_predicted - b.observed_frequency).abs()),
                                n + 1,
                            )
                        })
                })
                .unwrap_or((f64::NAN, 0));
            (c.scores[MODEL].brier.estimate, worst, bins)
        });
    let goals = operator::goals(&op, clean10);
    Ok((
        SchemeReport {
            name: name.to_string(),
            splits: outcomes.into_iter().map(|o| o.report).collect(),
            cells,
            operator: op,
            goals,
        },
        timeline,
    ))
}

impl ValidateConfig {
    /// Checks the settings before any work: folds, threshold, horizons, bootstrap, bins, alarm
    /// levels, and the event objective's settings and variant.
    ///
    /// ```
    /// let mut config = host_train::validation::ValidateConfig::default();
    /// assert!(config.validate().is_ok());
    /// config.folds = 1;
    /// assert!(config.validate().unwrap_err().to_string().contains("--folds must be at least 2"));
    /// ```
    ///
    /// # Errors
    /// [`ValidateError::Setting`] saying which setting is out of range.
    pub fn validate(&self) -> Result<(), ValidateError> {
        check(self)
    }
}

fn check(config: &ValidateConfig) -> Result<(), ValidateError> {
    let bad = |m: &str| Err(ValidateError::Setting(m.to_string()));
    if config.folds < 2 {
        return bad("--folds must be at least 2");
    }
    if let Some(event) = &config.event {
        if !(event.weight.is_finite() && event.weight >= 0.0) {
            return bad("--event-weight must be a finite number >= 0");
        }
        if event.cells < 2 {
            return bad("--event-cells must be at least 2");
        }
    }
    if !(config.threshold > galling::consts::COF_MIN && config.threshold < galling::consts::COF_MAX)
    {
        return bad("threshold must be a COF strictly between 0.1 and 1.3");
    }
    if config.horizons.is_empty() || config.horizons.contains(&0) || config.alarm_horizon == 0 {
        return bad("horizons must be at least 1 stroke");
    }
    if config.bootstrap == 0 {
        return bad("bootstrap needs at least 1 resample");
    }
    if config.block_len == 0 || config.bins == 0 {
        return bad("block length and bins must be at least 1");
    }
    if config.cof_alarm_levels.is_empty() {
        return bad("the COF alarm needs at least one candidate level");
    }
    if config.event.is_some() && config.fit.model != ModelId::V8 {
        return Err(ValidateError::Setting(format!(
            "--objective event is written for V8 only; the fit is {} (use --model v8, or the \
             likelihood objective for {})",
            config.fit.model, config.fit.model
        )));
    }
    Ok(())
}

/// Runs the validation of `data` (see the [module documentation](self)) without raw-stroke
/// curves: the curve envelope never warns ([`validate_with_curves`] gives it the curves).
///
/// # Errors
/// [`ValidateError`] for bad settings, series too short for the folds, or a failing fit.
pub fn validate(
    data: &Dataset,
    config: &ValidateConfig,
    progress: ProgressFn<'_>,
) -> Result<(ValidationReport, Vec<Vec<ReplayRow>>), ValidateError> {
    validate_with_curves(
        data,
        &envelope::SeriesCurves::none(data.series.len()),
        config,
        progress,
    )
}

/// Runs the validation of `data` with the raw-stroke curves of its series for the curve-envelope
/// baseline ([`envelope::SeriesCurves::load`]; a series without curves is never warned by it).
///
/// # Errors
/// [`ValidateError`] for bad settings, series too short for the folds, curves that do not match
/// the series, or a failing fit.
pub fn validate_with_curves(
    data: &Dataset,
    curves: &envelope::SeriesCurves,
    config: &ValidateConfig,
    progress: ProgressFn<'_>,
) -> Result<(ValidationReport, Vec<Vec<ReplayRow>>), ValidateError> {
    if curves.series.len() != data.series.len()
        || curves
            .series
            .iter()
            .zip(&data.series)
            .any(|(c, s)| c.as_ref().is_some_and(|c| c.len() != s.cof.len()))
    {
        return Err(ValidateError::Setting(
            "the raw-stroke curves do not match the series (one curve per stroke of each series)"
                .to_string(),
        ));
    }
    let t0 = Instant::now();
    check(config)?;
    let longest = config
        .horizons
        .iter()
        .copied()
        .chain([config.alarm_horizon])
        .max()
        .map_or(2, usize::from);
    let cv = blocked_folds(data, config.folds, longest + 2)?;
    let temporal = temporal_split(data, config.temporal_fraction, longest + 2)?;
    let mut tracker = Tracker {
        progress,
        done: 0,
        total: cv.len() + 1 + 2,
    };
    let cv_name = format!("blocked {}-fold cross-validation", config.folds);
    let (cv_report, timeline) = run_scheme(
        data,
        curves,
        &cv_name,
        &cv,
        config,
        config.seed,
        &mut tracker,
    )?;
    let (temporal_report, _) = run_scheme(
        data,
        curves,
        &temporal.name,
        std::slice::from_ref(&temporal),
        config,
        config.seed.wrapping_add(1000),
        &mut tracker,
    )?;
    tracker.done = tracker.total;
    tracker.show("done");
    let data_info = data
        .series
        .iter()
        .map(|s| SeriesInfo {
            label: s.label.clone(),
            temperature: (s.recorded_temperature, s.temperature),
            strokes: s.cof.len(),
            clean_strokes: s.cof.iter().filter(|&&c| c <= config.threshold).count(),
            onsets: onsets(&s.cof, config.threshold).len(),
        })
        .collect();
    let mut report = ValidationReport {
        settings: SettingsReport {
            threshold: config.threshold,
            horizons: config.horizons.clone(),
            alarm_horizon: config.alarm_horizon,
            folds: config.folds,
            temporal_fraction: config.temporal_fraction,
            seed: config.seed,
            bootstrap: (config.bootstrap, config.block_len),
            bins: config.bins,
            monitor: format!(
                "core Monitor, f32, exact risk ({} table temperatures x {} COF cells, one exact \
                 transition row per stroke; Monte Carlo check: f64, {} trajectories)",
                galling::risk::TABLE_TEMPERATURES,
                galling::risk::TABLE_CELLS,
                config.mc_trajectories.div_ceil(MC_BATCH).max(1) * MC_BATCH
            ),
            budget: config.budget,
            fit: format!(
                "model {} ({} parameters), {}, {} starts, physical box {}, seed {}{}",
                config.fit.model,
                config.fit.model.param_count(),
                config.fit.method.name(),
                config.fit.starts,
                config.fit.physical,
                config.fit.seed,
                match &config.event {
                    None => String::from("; objective: maximum likelihood"),
                    Some(e) => format!(
                        "; objective: maximum likelihood, then polished by -LL + {} x event loss \
                         (k = {} event likelihood, exact forecast on {} cells, at most {} L-BFGS \
                         iterations)",
                        e.weight, config.alarm_horizon, e.cells, e.max_iterations
                    ),
                }
            ),
        },
        data: data_info,
        schemes: vec![cv_report, temporal_report],
        conclusions: Vec::new(),
        seconds: 0.0,
    };
    report.conclusions = report::conclusions(&report);
    report.seconds = t0.elapsed().as_secs_f64();
    Ok((report, timeline))
}
