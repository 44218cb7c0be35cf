//! `host-train validate`: its arguments and the run.

use anyhow::Result;
use host_train::dataset::{Dataset, TemperatureMap};
use host_train::fit::{LbfgsSettings, Method};
use host_train::plots::validation::write_outputs;
use host_train::validation::envelope::SeriesCurves;
use host_train::validation::{self, ValidateConfig, validate_with_curves};
use std::path::PathBuf;

/// Arguments of `host-train validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Per-stroke data: a folder with one T/mean.txt per temperature T, or a CSV with the header
    /// temperature,series,stroke,cof.
    #[arg(long, default_value = "../shared/galling-data")]
    pub data: PathBuf,
    /// Temperatures to evaluate recorded series at, RECORDED:MODEL pairs separated by commas.
    #[arg(long, default_value = "25:160")]
    pub map: String,
    /// Output folder: validation.json, validation.md, reliability.{png,svg}, cv_replay.{png,svg}.
    #[arg(long, default_value = "out/validation")]
    pub out: PathBuf,
    /// Blocked cross-validation folds (contiguous blocks of every series).
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Seed of the fits and of the bootstrap (same seed, same report).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Galling threshold of the event, COF (fixed, independent of the fitted models).
    #[arg(long, default_value_t = validation::DEFAULT_THRESHOLD)]
    pub threshold: f64,
    /// Event horizons k, strokes, comma separated.
    #[arg(long, value_delimiter = ',', default_values_t = [5u16, 10])]
    pub horizons: Vec<u16>,
    /// Horizon of the monitor whose alarms are scored (and of a true warning), strokes.
    #[arg(long, default_value_t = 10)]
    pub alarm_horizon: u16,
    /// Training fraction of the temporal split.
    #[arg(long, default_value_t = 0.7)]
    pub temporal_fraction: f64,
    /// Bootstrap resamples.
    #[arg(long, default_value_t = 1000)]
    pub bootstrap: usize,
    /// Bootstrap block length, strokes.
    #[arg(long, default_value_t = 20)]
    pub block_len: usize,
    /// Reliability bins.
    #[arg(long, default_value_t = 10)]
    pub bins: usize,
    /// Model variant of the family to fit in every fold: v8, v8-13, v9, v7
    /// or v8-precursor (its monitor takes each stroke's features, standardised by each fold's
    /// settings from its training strokes; `--objective event` is V8 only).
    #[arg(long, value_parser = super::parse_model, default_value = "v8")]
    pub model: galling::family::ModelId,
    /// Screened starts of each fit (default: the fitting engine's).
    #[arg(long)]
    pub starts: Option<usize>,
    /// Worker threads of each fit (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Cap every L-BFGS run of a fit at this many iterations and polish only the best basin (a
    /// quick, less thorough fit, e.g. for tests in a debug build; default: the engine's settings).
    #[arg(long, value_parser = super::at_least(1))]
    pub fit_iterations: Option<usize>,
    /// Trajectories of the Monte Carlo check of the grid forecast (rounded up to a multiple of 64).
    #[arg(long, default_value_t = validation::MC_TRAJECTORIES)]
    pub mc_trajectories: usize,
    /// Fitting objective: `mle` (maximum likelihood) or `event` (the maximum-likelihood fit polished
    /// by `-LL + W x` the k-stroke event loss at the alarm horizon and threshold).
    #[arg(long, value_enum, default_value_t = ObjectiveKind::Mle)]
    pub objective: ObjectiveKind,
    /// Weight W of the event loss (with `--objective event`).
    #[arg(long, default_value_t = 1.0)]
    pub event_weight: f64,
    /// COF cells of the forecast the event objective differentiates (with `--objective event`).
    #[arg(long, default_value_t = host_train::fit::event::DEFAULT_CELLS)]
    pub event_cells: usize,
    /// Iteration cap of the event polish (with `--objective event`).
    #[arg(long, default_value_t = 200)]
    pub event_iterations: usize,
}

/// The fitting objective of `validate` and `train`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ObjectiveKind {
    /// Maximum likelihood.
    Mle,
    /// Maximum likelihood, then polished by the k-stroke event loss.
    Event,
}

/// Runs `host-train validate`.
///
/// # Errors
/// Unreadable data, bad settings, a failed fit, or an output that cannot be written.
pub fn run(a: &ValidateArgs, quiet: bool) -> Result<()> {
    // an output folder the set cannot replace is refused before the work
    host_train::atomic::OutputSet::check(&a.out)?;
    let mut config = ValidateConfig {
        folds: a.folds,
        seed: a.seed,
        threshold: a.threshold,
        horizons: a.horizons.clone(),
        alarm_horizon: a.alarm_horizon,
        temporal_fraction: a.temporal_fraction,
        bootstrap: a.bootstrap,
        block_len: a.block_len,
        bins: a.bins,
        ..ValidateConfig::default()
    };
    config.fit.seed = a.seed;
    config.fit.model = a.model;
    if let Some(s) = a.starts {
        config.fit.starts = s;
    }
    config.fit.threads = a.threads;
    config.mc_trajectories = a.mc_trajectories;
    if a.objective == ObjectiveKind::Event {
        config.event = Some(host_train::fit::event::EventSettings {
            weight: a.event_weight,
            cells: a.event_cells,
            max_iterations: a.event_iterations,
            ..host_train::fit::event::EventSettings::default()
        });
    }
    if let Some(n) = a.fit_iterations {
        config.fit.method = Method::Lbfgs(LbfgsSettings::capped(n));
    }
    config.validate()?;
    let map = TemperatureMap::parse(&a.map)?;
    let (mut data, report) = Dataset::load_reported(&a.data, &map)?;
    super::show_load_report(&report, quiet);
    if a.data.is_dir() {
        // Each stroke's features (from each `<T>/strokes/` folder; a series without one has
        // none): V8-P's monitor sees them, standardised in every fold by the settings its fit
        // fixes from the training strokes, and the single-feature threshold baselines watch them.
        // Variants without stroke features ignore them.
        data.attach_stroke_features(&a.data, galling::features::FeatureSettings::DEFAULT)?;
    }
    let bar = super::progress_bar(quiet, "validating");
    let progress = |p: host_train::progress::Progress<'_>| super::show_progress(&bar, None, p);
    // The raw strokes of each `<T>/strokes/` folder, for the curve envelope.
    let curves = if a.data.is_dir() {
        SeriesCurves::load(&a.data, &data)?
    } else {
        SeriesCurves::none(data.series.len())
    };
    let outcome = validate_with_curves(&data, &curves, &config, &progress);
    bar.finish_and_clear();
    let (report, timeline) = outcome?;
    let files = write_outputs(&a.out, &report, &timeline)?;
    if !quiet {
        for c in &report.conclusions {
            println!("- {c}\n");
        }
        println!("validation took {:.1} s; wrote:", report.seconds);
        for f in &files {
            println!("  {}", f.display());
        }
    }
    Ok(())
}
