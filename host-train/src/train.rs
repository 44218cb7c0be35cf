//! The `train` pipeline: load data, fit, evaluate, simulate, and write every output of a run.
//!
//! Outputs in the output folder (each written atomically, so a failed run never leaves a
//! half-written file):
//! - `params.json`: the 15 fitted parameters (float64) with the model's names;
//! - `params.bin`: the firmware's blob of the float32-rounded parameters ([`galling::blob`]);
//! - `summary.json`: log-likelihoods, optimizer, optima, physical flags, simulation quality;
//! - `training_curve`, `potential`, `mixture`, `barrier`, `simulation` as `.png` and `.svg`.

use crate::fit::{self, FitError, FitOptions, FitReport, Progress};
use crate::simulation::{StartRule, simulation_quality};
use crate::summary::{LlTable, OptimizerInfo, OptimumRow, SimulationInfo, Summary};
use galling::ParamError;
use galling::dataset::{DataError, Dataset, TemperatureMap};
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
}

/// Why a training run failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// The data could not be loaded.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The fit failed.
    #[error("fit failed: {0}")]
    Fit(#[from] FitError),
    /// The fitted parameters, rounded to float32 for the firmware, are not a valid model.
    #[error("the float32-rounded parameters are not a valid model: {0}")]
    Float32Params(#[source] ParamError),
    /// An output file could not be written.
    #[error(transparent)]
    Write(#[from] crate::atomic::WriteError),
    /// A figure could not be drawn.
    #[error(transparent)]
    Plot(#[from] crate::plots::PlotError),
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
    let log_likelihood = LlTable::new(&report.params, data)?;
    let sims = simulation_quality(
        &report.params,
        data,
        config.sim_runs,
        config.sim_seed,
        config.sim_start,
    )?;
    let summary = Summary {
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
        blob_params_valid: galling::Model::new(&crate::params_file::to_f32(&report.params)).is_ok(),
        simulation: SimulationInfo {
            runs: config.sim_runs,
            seed: config.sim_seed,
            start: config.sim_start,
            start_description: config.sim_start.describe().to_string(),
            rows: sims.iter().map(|s| s.row.clone()).collect(),
        },
        files: Vec::new(),
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
    let data = Dataset::load(&config.data, &config.map)?;
    let report = fit::fit(&data, &config.fit, progress)?;
    let blob = crate::params_file::to_blob(&report.params).map_err(TrainError::Float32Params)?;
    let (mut summary, sims) =
        summarize(config, &data, &report).map_err(TrainError::Float32Params)?;
    // Every output is staged and the folder replaced at once (crate::atomic::OutputSet): a run
    // that fails or is killed leaves the previous set as it was.
    let mut set = crate::atomic::OutputSet::begin(&config.out)?;
    let description = format!(
        "V8 parameters fitted by host-train ({}, seed {}) on {}: log-likelihood {:.6} over {} transitions",
        report.method,
        report.seed,
        config.data.display(),
        summary.log_likelihood.total,
        summary.log_likelihood.transitions
    );
    set.write(
        "params.json",
        crate::params_file::to_json(&report.params, &description).as_bytes(),
    )?;
    set.write("params.bin", &blob)?;
    if config.plots {
        let curve: Vec<(f64, f64)> = report
            .curve
            .iter()
            .map(|c| (c.iteration as f64, c.log_likelihood))
            .collect();
        let observed: Vec<Vec<f64>> = data.series.iter().map(|s| s.cof.clone()).collect();
        let drawn = crate::plots::draw_all(
            set.staging_dir(),
            &crate::plots::PlotInput {
                params: &report.params,
                curve: &curve,
                simulations: &sims,
                observed: &observed,
            },
        )?;
        for f in drawn {
            set.add_written(&f)?;
        }
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
    })
}
