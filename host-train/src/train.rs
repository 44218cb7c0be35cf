//! The `train` pipeline: load data, fit, evaluate, simulate, and write every output of a run.
//!
//! Outputs in the output folder (each written atomically, so a failed run never leaves a
//! half-written file):
//! - `params.json`: the variant and its fitted parameters (float64) with the variant's names;
//! - `params.bin`: the firmware's blob ([`galling::blob`]): the float32-rounded parameters, the risk
//!   table over the trained temperature range and the signal settings calibrated on the training
//!   strokes ([`crate::package`]); not for V8-P, whose feature settings the blob cannot carry yet
//!   (its `params.json` holds them);
//! - `summary.json`: log-likelihoods, optimizer, optima, physical flags, simulation quality, the
//!   monitor in the blob, and the train/test split when one is used;
//! - `loss.csv`: the loss log of the winning run ([`crate::fit::LOSS_CSV_HEADER`]), one row per
//!   logged iteration or generation;
//! - `training_curve`, `potential`, `mixture`, `barrier`, `simulation` as `.png` and `.svg`.

use crate::dataset::{DataError, Dataset, TemperatureMap};
use crate::fit::{self, FitError, FitOptions, FitReport, Progress};
use crate::simulation::{StartRule, simulation_quality};
use crate::summary::{LlTable, OptimizerInfo, OptimumRow, SimulationInfo, Summary};
use galling::ParamError;
use std::path::PathBuf;

/// Everything a training run needs.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    /// A `<T>/mean.txt` folder or a `temperature,series,stroke,cof` CSV.
    pub data: PathBuf,
    /// Output folder (created if missing).
    pub out: PathBuf,
    /// Recorded-to-model temperature mapping.
    pub map: TemperatureMap,
    /// Fitting options.
    pub fit: FitOptions,
    /// Simulated trajectories per series for the quality table and plots.
    pub sim_runs: usize,
    /// Seed of those simulations.
    pub sim_seed: u64,
    /// Where the simulations start.
    pub sim_start: StartRule,
    /// Whether to draw the figures.
    pub plots: bool,
    /// Train on the first fraction of each series and log the loss on the rest
    /// ([`crate::fit::temporal_split`]); `None` trains on everything.
    pub split: Option<f64>,
    /// The monitor written into the blob.
    pub monitor: MonitorOptions,
}

impl TrainConfig {
    /// Checks the settings that no type bounds: at least one simulated trajectory, and the
    /// monitor ([`MonitorOptions::validate`]).
    ///
    /// ```
    /// use host_train::train::{MonitorOptions, TrainConfig};
    /// let config = TrainConfig {
    ///     data: "data/demo".into(),
    ///     out: "out/train".into(),
    ///     map: Default::default(),
    ///     fit: Default::default(),
    ///     sim_runs: 0,
    ///     sim_seed: 1,
    ///     sim_start: host_train::simulation::StartRule::Observed,
    ///     plots: false,
    ///     split: None,
    ///     monitor: MonitorOptions::default(),
    /// };
    /// assert_eq!(config.validate().unwrap_err().to_string(), "--sim-runs must be at least 1");
    /// ```
    ///
    /// # Errors
    /// [`OptionError::SimRuns`], or the monitor's error.
    pub fn validate(&self) -> Result<(), OptionError> {
        if self.sim_runs == 0 {
            return Err(OptionError::SimRuns);
        }
        self.monitor.validate()
    }
}

/// The monitor part of the blob: galling threshold, horizon, alarm budget of the calibration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MonitorOptions {
    /// Galling threshold, COF.
    pub threshold: f32,
    /// Forecast horizon, strokes.
    pub horizon: u16,
    /// The onset warning's budget on the training strokes.
    pub target: crate::package::CalibrationTarget,
}

impl Default for MonitorOptions {
    /// Threshold 0.50, horizon 10 strokes, the default budget.
    fn default() -> Self {
        Self {
            threshold: galling::risk::DEFAULT_GALLING_THRESHOLD,
            horizon: galling::risk::DEFAULT_HORIZON,
            target: crate::package::CalibrationTarget::default(),
        }
    }
}

impl MonitorOptions {
    /// Checks the monitor settings as the command line gives them: the budget (warnings per 100
    /// clean strokes at least 0, clean share within 0..1) and the risk table's threshold and
    /// horizon ([`galling::risk::TableSpec::validate`]).
    ///
    /// ```
    /// use host_train::train::MonitorOptions;
    /// assert!(MonitorOptions::default().validate().is_ok());
    /// let mut m = MonitorOptions::default();
    /// m.target.clean_share = 1.5;
    /// assert!(m.validate().unwrap_err().to_string().contains("--clean-share within 0..1"));
    /// ```
    ///
    /// # Errors
    /// [`OptionError::Budget`] or [`OptionError::Monitor`].
    pub fn validate(&self) -> Result<(), OptionError> {
        if !(self.target.raises_per_100_clean >= 0.0
            && (0.0..=1.0).contains(&self.target.clean_share))
        {
            return Err(OptionError::Budget);
        }
        let spec = galling::risk::TableSpec {
            threshold: self.threshold,
            horizon: self.horizon,
            ..galling::risk::TableSpec::new(160.0, 170.0)
        };
        spec.validate().map_err(OptionError::Monitor)
    }
}

/// The optimizers of a training run, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodKind {
    /// L-BFGS multistart ([`fit::Method::Lbfgs`]).
    Lbfgs,
    /// Adam ([`fit::Method::Adam`]).
    Adam,
    /// SNES ([`fit::Method::Snes`]).
    Snes,
}

/// The optimizer of a training run with the settings given for it: each setting belongs to one
/// method (or to the methods with checkpoints), and [`validate`](Self::validate) refuses a
/// setting of another method. `None` keeps the method's default.
///
/// ```
/// use host_train::train::{MethodChoice, MethodKind};
/// let snes = MethodChoice { population: Some(16), ..MethodChoice::new(MethodKind::Snes) };
/// let mut options = host_train::fit::FitOptions::default();
/// snes.apply(&mut options, "out".as_ref())?;
/// assert_eq!(options.method.name(), "snes");
/// let lbfgs = MethodChoice { population: Some(16), ..MethodChoice::new(MethodKind::Lbfgs) };
/// assert!(lbfgs.validate().is_err());
/// # Ok::<(), host_train::train::OptionError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MethodChoice {
    /// The optimizer.
    pub method: MethodKind,
    /// SNES: individuals per generation.
    pub population: Option<usize>,
    /// SNES: initial step size on the scaled parameters.
    pub sigma0: Option<f64>,
    /// SNES: number of generations.
    pub generations: Option<usize>,
    /// SNES: skip the final L-BFGS polish.
    pub no_polish: bool,
    /// Adam: learning rate.
    pub lr: Option<f64>,
    /// Adam: number of epochs.
    pub epochs: Option<usize>,
    /// SNES and Adam: write a checkpoint every this many generations or epochs.
    pub checkpoint_every: Option<usize>,
    /// SNES and Adam: continue the run whose checkpoint is in this folder.
    pub resume: Option<PathBuf>,
    /// SNES and Adam: stop after this generation or epoch, leaving a checkpoint.
    pub stop_after: Option<usize>,
}

impl MethodChoice {
    /// `method` with every setting at its default.
    ///
    /// ```
    /// let c = host_train::train::MethodChoice::new(host_train::train::MethodKind::Adam);
    /// assert!(c.lr.is_none() && c.validate().is_ok());
    /// ```
    pub fn new(method: MethodKind) -> Self {
        Self {
            method,
            population: None,
            sigma0: None,
            generations: None,
            no_polish: false,
            lr: None,
            epochs: None,
            checkpoint_every: None,
            resume: None,
            stop_after: None,
        }
    }

    /// Refuses settings of another method than the chosen one.
    ///
    /// ```
    /// use host_train::train::{MethodChoice, MethodKind};
    /// let c = MethodChoice { lr: Some(0.01), ..MethodChoice::new(MethodKind::Snes) };
    /// assert_eq!(c.validate().unwrap_err().to_string(), "--lr and --epochs apply to --method adam only");
    /// ```
    ///
    /// # Errors
    /// [`OptionError::SnesOnly`], [`OptionError::CheckpointMethods`] or [`OptionError::AdamOnly`].
    pub fn validate(&self) -> Result<(), OptionError> {
        let snes_settings = self.population.is_some()
            || self.sigma0.is_some()
            || self.generations.is_some()
            || self.no_polish;
        if self.method != MethodKind::Snes && snes_settings {
            return Err(OptionError::SnesOnly);
        }
        if self.method == MethodKind::Lbfgs && self.checkpointing() {
            return Err(OptionError::CheckpointMethods);
        }
        if self.method != MethodKind::Adam && (self.lr.is_some() || self.epochs.is_some()) {
            return Err(OptionError::AdamOnly);
        }
        Ok(())
    }

    fn checkpointing(&self) -> bool {
        self.checkpoint_every.is_some() || self.resume.is_some() || self.stop_after.is_some()
    }

    /// Validates the choice and sets `options`' method and checkpointing (checkpoints go to
    /// `out`).
    ///
    /// ```
    /// use host_train::train::{MethodChoice, MethodKind};
    /// let c = MethodChoice { stop_after: Some(3), ..MethodChoice::new(MethodKind::Adam) };
    /// let mut options = host_train::fit::FitOptions::default();
    /// c.apply(&mut options, "out".as_ref())?;
    /// assert_eq!(options.checkpoint.unwrap().stop_after, Some(3));
    /// # Ok::<(), host_train::train::OptionError>(())
    /// ```
    ///
    /// # Errors
    /// As [`validate`](Self::validate); `options` is then unchanged.
    pub fn apply(
        &self,
        options: &mut FitOptions,
        out: &std::path::Path,
    ) -> Result<(), OptionError> {
        self.validate()?;
        match self.method {
            MethodKind::Lbfgs => {}
            MethodKind::Adam => {
                let mut s = fit::AdamSettings::default();
                if let Some(lr) = self.lr {
                    s.lr = lr;
                }
                if let Some(e) = self.epochs {
                    s.epochs = e;
                }
                options.method = fit::Method::Adam(s);
            }
            MethodKind::Snes => {
                let mut s = fit::SnesSettings::default();
                if let Some(p) = self.population {
                    s.population = p;
                }
                if let Some(v) = self.sigma0 {
                    s.sigma0 = v;
                }
                if let Some(g) = self.generations {
                    s.generations = g;
                }
                s.polish = !self.no_polish;
                options.method = fit::Method::Snes(s);
            }
        }
        if self.checkpointing() {
            options.checkpoint = Some(fit::Checkpointing {
                dir: out.to_path_buf(),
                every: self.checkpoint_every.unwrap_or(0),
                resume: self.resume.clone(),
                stop_after: self.stop_after,
            });
        }
        Ok(())
    }
}

/// A training setting that is out of range or belongs to another method (the message names the
/// command-line flags).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OptionError {
    /// A SNES setting with another method.
    #[error("--population, --sigma0, --generations and --no-polish apply to --method snes only")]
    SnesOnly,
    /// A checkpoint setting with L-BFGS.
    #[error(
        "--checkpoint-every, --resume and --stop-after apply to --method snes and --method adam"
    )]
    CheckpointMethods,
    /// An Adam setting with another method.
    #[error("--lr and --epochs apply to --method adam only")]
    AdamOnly,
    /// The onset warning's budget is out of range.
    #[error("--warnings-per-100-clean must be >= 0 and --clean-share within 0..1")]
    Budget,
    /// The galling threshold or horizon is out of range.
    #[error("--galling-threshold / --horizon")]
    Monitor(#[source] galling::risk::TableError),
    /// No simulated trajectory for the quality table.
    #[error("--sim-runs must be at least 1")]
    SimRuns,
}

/// Why a training run failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// A setting is out of range ([`TrainConfig::validate`]).
    #[error(transparent)]
    Options(#[from] OptionError),
    /// The data could not be loaded.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The fit failed.
    #[error("fit failed")]
    Fit(#[from] FitError),
    /// The fitted parameters, rounded to float32 for the firmware, are not a valid model.
    #[error("the float32-rounded parameters are not a valid model")]
    Float32Params(#[source] ParamError),
    /// The blob's package could not be built.
    #[error(transparent)]
    Package(#[from] crate::package::PackageBuildError),
    /// An output file could not be written.
    #[error(transparent)]
    Write(#[from] crate::atomic::WriteError),
    /// A figure could not be drawn.
    #[error(transparent)]
    Plot(#[from] crate::atomic::PlotError),
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    /// The summary (also in `summary.json`).
    pub summary: Summary,
    /// The fitting engine's report.
    pub report: FitReport,
    /// Every file written, in order.
    pub files: Vec<PathBuf>,
    /// What loading changed about the data (series split at stroke-number gaps).
    pub data_report: crate::dataset::LoadReport,
}

/// Builds the summary of a finished fit on `data`.
///
/// # Errors
/// [`ParamError`] when the fitted parameters are not a valid model.
pub fn summarize(
    config: &TrainConfig,
    data: &Dataset,
    report: &FitReport,
) -> Result<(Summary, Vec<crate::simulation::SeriesSimulation>), ParamError> {
    let log_likelihood =
        LlTable::with_scaling(&report.params, data, report.feature_scaling.as_ref())?;
    let sims = simulation_quality(
        &report.params,
        data,
        config.sim_runs,
        config.sim_seed,
        config.sim_start,
    )?;
    let summary = Summary {
        model: report.model.key().to_string(),
        parameters: report.model.param_count(),
        data: config.data.display().to_string(),
        temperature_map: config.map.pairs.clone(),
        log_likelihood,
        optimizer: OptimizerInfo {
            method: report.method.clone(),
            seed: report.seed,
            iterations: report.iterations,
            evaluations: report.evaluations,
            wall_time_s: report.wall_time.as_secs_f64(),
            log_likelihood: report.log_likelihood,
        },
        optima: report
            .optima
            .iter()
            .map(|o| OptimumRow {
                log_likelihood: o.log_likelihood,
                mu_l: o.mu_l,
                mu_h: o.mu_h,
                omega0: o.omega0,
                starts: o.starts,
            })
            .collect(),
        physical_flags: report.flags.clone(),
        blob_params_valid: galling::family::AnyModel::new(&crate::params_file::to_f32(
            &report.params,
        ))
        .is_ok(),
        simulation: SimulationInfo {
            runs: config.sim_runs,
            seed: config.sim_seed,
            start: config.sim_start,
            start_description: config.sim_start.describe().to_string(),
            rows: sims.iter().map(|s| s.row.clone()).collect(),
        },
        monitor: None,
        files: Vec::new(),
        split: None,
    };
    Ok((summary, sims))
}

/// Runs the whole pipeline; `progress` receives the fit's progress.
///
/// # Errors
/// [`TrainError`] for the first step that failed. The output folder then holds the previous run's
/// complete set (or does not exist), and nothing of this run is left.
pub fn train(
    config: &TrainConfig,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<TrainOutcome, TrainError> {
    config.validate()?;
    // an output folder the set cannot replace is refused before the fit
    crate::atomic::OutputSet::check(&config.out)?;
    let (mut data, data_report) = Dataset::load_reported(&config.data, &config.map)?;
    if crate::precursor::uses_features(config.fit.model) {
        // V8-P sees each stroke's features, from the folder's raw strokes (<T>/strokes/)
        data.attach_stroke_features(&config.data, galling::features::FeatureSettings::DEFAULT)?;
    }
    let (train_data, test_data) = match config.split {
        Some(f) => {
            let (a, b) = fit::temporal_split(&data, f)?;
            (a, Some(b))
        }
        None => (data.clone(), None),
    };
    let report = fit::fit_split(&train_data, test_data.as_ref(), &config.fit, progress)?;
    // The blob's monitor is built and calibrated on the training strokes only (for V8-P with
    // the feature scaling the fit fixed on them, carried in the blob).
    let m = &config.monitor;
    let packaged = Some(crate::package::build(
        &report.params,
        &train_data,
        m.threshold,
        m.horizon,
        &m.target,
    )?);
    let (mut summary, sims) =
        summarize(config, &data, &report).map_err(TrainError::Float32Params)?;
    summary.monitor = packaged
        .as_ref()
        .map(|(package, calibration)| crate::summary::MonitorSummary::new(package, calibration));
    if let (Some(f), Some(test_ll)) = (config.split, report.test_log_likelihood) {
        summary.split = Some(crate::summary::SplitInfo {
            train_fraction: f,
            train_transitions: report.train_transitions,
            test_transitions: report.test_transitions,
            train_nll: -report.log_likelihood / report.train_transitions as f64,
            test_nll: -test_ll / report.test_transitions.max(1) as f64,
        });
    }
    // Every output is staged and the folder replaced at once (crate::atomic::OutputSet): a run
    // that fails or is killed leaves the previous set as it was.
    let mut set = crate::atomic::OutputSet::begin(&config.out)?;
    let description = format!(
        "{} parameters fitted by host-train ({}, seed {}) on {}: log-likelihood {:.6} over {} transitions",
        report.model,
        report.method,
        report.seed,
        config.data.display(),
        summary.log_likelihood.total,
        summary.log_likelihood.transitions
    );
    set.write(
        "params.json",
        crate::params_file::to_json_with_scaling(
            &report.params,
            &description,
            report.feature_scaling.as_ref(),
        )
        .as_bytes(),
    )?;
    if let Some((package, _)) = &packaged {
        set.write("params.bin", &galling::blob::encode(package))?;
    }
    set.write("loss.csv", fit::loss_csv(&report.loss).as_bytes())?;
    if config.plots {
        let observed: Vec<Vec<f64>> = data.series.iter().map(|s| s.cof.clone()).collect();
        crate::plots::draw_into(&mut set, |dir| {
            crate::plots::draw_all(
                dir,
                &crate::plots::PlotInput {
                    params: &report.params,
                    loss: &report.loss,
                    simulations: &sims,
                    observed: &observed,
                },
            )
        })?;
    }
    let mut files = set.files().to_vec();
    files.push("summary.json".into());
    summary.files = files;
    let mut json = serde_json::to_string_pretty(&summary).unwrap_or_default();
    json.push('\n');
    set.write("summary.json", json.as_bytes())?;
    let files = set.commit()?;
    Ok(TrainOutcome {
        summary,
        report,
        files,
        data_report,
    })
}
