//! Replays recorded strokes through the core's per-stroke [`Monitor`], as the press would run it.
//!
//! Each series is fed stroke by stroke, in order, to a fresh monitor (stroke counter = index in the
//! series, die temperature = the series' model temperature). The monitor runs in `f32` (what the
//! press runs, the default) or `f64` ([`Precision`]), forecasting with the deterministic grid
//! ([`galling::forecast::GridForecaster`], 48 cells) or Monte Carlo
//! ([`galling::forecast::MonteCarloForecaster`], 32 trajectories) ([`ForecastMethod`]). Nothing of the
//! monitor is re-implemented here: every number of a [`ReplayRow`] is the monitor's
//! [`StrokeReport`](galling::StrokeReport) converted to `f64`.
//!
//! Raw stroke recordings are first averaged with the core's streaming
//! [`StrokeAverager`](galling::averager::StrokeAverager) through [`crate::averaging`], in the same
//! precision as the monitor.

use crate::averaging::{AverageError, average_folder};
use crate::validation::figure::{DrawResult, FONT, PlotError, palette, render};
use galling::alarm::{AlarmLevel, AlarmReason};
use galling::averager::StrokeWindow;
use galling::dataset::Series;
use galling::forecast::{ConfigError, RiskForecaster};
use galling::{Model, Monitor, MonitorBuilder, ParamError, Scalar, V8Params};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Cells of the grid forecaster of a replay (the firmware's default).
pub const GRID_CELLS: usize = galling::forecast::DEFAULT_GRID_CELLS;
/// Trajectories of the Monte Carlo forecaster of a replay (the firmware's default).
pub const MC_TRAJECTORIES: usize = galling::forecast::DEFAULT_TRAJECTORIES;

/// Floating-point type the monitor (and the averager of raw strokes) runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Precision {
    /// `f32`, as on the press controller.
    F32,
    /// `f64`.
    F64,
}

/// How the monitor forecasts the galling risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ForecastMethod {
    /// Deterministic grid propagation ([`GRID_CELLS`] cells).
    Grid,
    /// Monte Carlo with [`MC_TRAJECTORIES`] trajectories and a fixed seed.
    MonteCarlo,
}

/// Monitor configuration of a replay.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ReplayConfig {
    /// Galling threshold (COF); `None` for the model's well midpoint (the monitor's default).
    pub threshold: Option<f64>,
    /// Forecast horizon, strokes.
    pub horizon: u16,
    /// Forecast method.
    pub forecast: ForecastMethod,
    /// Seed of the Monte Carlo forecaster (ignored by the grid).
    pub mc_seed: u64,
    /// Precision of the monitor.
    pub precision: Precision,
    /// Risk levels `(warn, stop, clear)` of the alarm.
    pub alarm_levels: (f64, f64, f64),
    /// Alarm confirmation `(k, n)`: `k` of the last `n` strokes.
    pub confirmation: (u8, u8),
}

impl Default for ReplayConfig {
    /// The firmware's defaults: model midpoint threshold, 10 strokes, grid, `f32`, warn 0.5 / stop 0.9
    /// / clear 0.2 confirmed on 3 of 5 strokes.
    fn default() -> Self {
        Self {
            threshold: None,
            horizon: galling::forecast::DEFAULT_HORIZON,
            forecast: ForecastMethod::Grid,
            mc_seed: 1,
            precision: Precision::F32,
            alarm_levels: (0.5, 0.9, 0.2),
            confirmation: (3, 5),
        }
    }
}

/// Why a replay could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The parameters are not a valid model.
    #[error("invalid parameters: {0}")]
    Params(#[from] ParamError),
    /// The monitor configuration was refused.
    #[error("invalid monitor configuration: {0}")]
    Config(#[from] ConfigError),
    /// The monitor rejected a stroke.
    #[error("series {series}, stroke {stroke} (COF {cof}, {temperature} C): {source}")]
    Stroke {
        /// The series label.
        series: String,
        /// Index of the stroke in the series (0-based; line `stroke + 1` of a mean.txt).
        stroke: usize,
        /// Its COF.
        cof: f64,
        /// Its model temperature, degC.
        temperature: f64,
        /// What the monitor said.
        #[source]
        source: galling::monitor::StrokeError,
    },
    /// Raw strokes could not be averaged.
    #[error(transparent)]
    Average(#[from] AverageError),
    /// An output file could not be written.
    #[error(transparent)]
    Write(#[from] crate::atomic::WriteError),
    /// A figure could not be drawn.
    #[error(transparent)]
    Plot(#[from] PlotError),
}

/// What the monitor reported for one stroke, in `f64`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReplayRow {
    /// Label of the series.
    pub series: String,
    /// Stroke index in the series (the monitor's stroke counter).
    pub stroke: u32,
    /// Temperature the series was recorded at, degC.
    pub recorded_temperature: f64,
    /// Temperature the model evaluated it at, degC.
    pub temperature: f64,
    /// The stroke's averaged COF (as the monitor saw it).
    pub cof: f64,
    /// Log-likelihood of the transition from the previous stroke (`None` for the first stroke).
    pub log_likelihood: Option<f64>,
    /// Jump posterior of that transition (`None` for the first stroke).
    pub jump_posterior: Option<f64>,
    /// Probability that the next stroke stays in the current regime.
    pub stay_probability: f64,
    /// Probability that the COF exceeds the threshold within the horizon.
    pub risk: f64,
    /// Expected strokes to galling, censored at the horizon (0 when already above the threshold).
    pub expected_strokes: f64,
    /// Alarm level after this stroke.
    pub alarm_level: AlarmLevel,
    /// Why the alarm is at that level ([`reason_text`]).
    pub alarm_reason: String,
}

/// A one-word-ish, comma-free description of an alarm reason for CSV files:
/// `quiet`, `confirmed 3/5`, `held`, `cleared`.
pub fn reason_text(reason: AlarmReason) -> String {
    match reason {
        AlarmReason::Quiet => "quiet".to_string(),
        AlarmReason::Confirmed { above, window } => format!("confirmed {above}/{window}"),
        AlarmReason::HeldByHysteresis => "held".to_string(),
        AlarmReason::Cleared => "cleared".to_string(),
        other => format!("{other:?}").replace(',', ";"),
    }
}

/// Lower-case name of an alarm level (`normal`, `warn`, `stop`).
pub fn level_text(level: AlarmLevel) -> &'static str {
    match level {
        AlarmLevel::Normal => "normal",
        AlarmLevel::Warn => "warn",
        AlarmLevel::Stop => "stop",
    }
}

/// Builds the monitor of `config` in scalar `S` and replays `series` through it.
fn replay_in<S: Scalar>(
    params: &V8Params<S>,
    series: &Series,
    config: &ReplayConfig,
) -> Result<Vec<ReplayRow>, ReplayError> {
    let model = Model::new(params)?;
    let (warn, stop, clear) = config.alarm_levels;
    let mut builder = MonitorBuilder::new(model)
        .horizon(config.horizon)
        .alarm_levels(S::from_f64(warn), S::from_f64(stop), S::from_f64(clear))
        .confirmation(config.confirmation.0, config.confirmation.1);
    if let Some(t) = config.threshold {
        builder = builder.threshold(S::from_f64(t));
    }
    match config.forecast {
        ForecastMethod::Grid => run(builder.build_grid::<GRID_CELLS>()?, series),
        ForecastMethod::MonteCarlo => run(
            builder.build_monte_carlo::<MC_TRAJECTORIES>(config.mc_seed)?,
            series,
        ),
    }
}

/// Feeds `series` to `monitor`, stroke by stroke.
fn run<S: Scalar, F: RiskForecaster<S>>(
    mut monitor: Monitor<S, F>,
    series: &Series,
) -> Result<Vec<ReplayRow>, ReplayError> {
    let temperature = S::from_f64(series.temperature);
    let mut rows = Vec::with_capacity(series.cof.len());
    for (i, &cof) in series.cof.iter().enumerate() {
        // The counter wraps as a press's does (the monitor accepts the wrap).
        let report = monitor
            .update(i as u32, temperature, S::from_f64(cof))
            .map_err(|source| ReplayError::Stroke {
                series: series.label.clone(),
                stroke: i,
                cof,
                temperature: series.temperature,
                source,
            })?;
        rows.push(ReplayRow {
            series: series.label.clone(),
            stroke: report.stroke,
            recorded_temperature: series.recorded_temperature,
            temperature: series.temperature,
            cof: S::from_f64(cof).to_f64(),
            log_likelihood: report.transition.map(|t| t.log_prob.to_f64()),
            jump_posterior: report.transition.map(|t| t.jump_posterior.to_f64()),
            stay_probability: report.stay_probability.to_f64(),
            risk: report.risk.probability.to_f64(),
            expected_strokes: report.risk.expected_strokes.to_f64(),
            alarm_level: report.alarm.level,
            alarm_reason: reason_text(report.alarm.reason),
        });
    }
    Ok(rows)
}

/// Replays one series through a fresh monitor built from `params` and `config`.
///
/// # Errors
/// [`ReplayError`] for invalid parameters or configuration, or a stroke the monitor rejects
/// (naming the series, stroke index and value).
pub fn replay_series(
    params: &V8Params<f64>,
    series: &Series,
    config: &ReplayConfig,
) -> Result<Vec<ReplayRow>, ReplayError> {
    match config.precision {
        Precision::F32 => replay_in(&crate::params_file::to_f32(params), series, config),
        Precision::F64 => replay_in(params, series, config),
    }
}

/// Replays every series (each through its own fresh monitor).
///
/// # Errors
/// As [`replay_series`].
pub fn replay_all(
    params: &V8Params<f64>,
    series: &[Series],
    config: &ReplayConfig,
) -> Result<Vec<Vec<ReplayRow>>, ReplayError> {
    series
        .iter()
        .map(|s| replay_series(params, s, config))
        .collect()
}

/// Averages a folder of raw stroke recordings with the core's streaming averager in `precision`
/// into one series recorded at `recorded_temperature` and evaluated at `model_temperature`.
///
/// # Errors
/// [`AverageError`] naming the file, line and column of the first bad stroke.
pub fn series_from_strokes(
    dir: &Path,
    recorded_temperature: f64,
    model_temperature: f64,
    precision: Precision,
    progress: &dyn Fn(usize, usize),
) -> Result<Series, AverageError> {
    let window = StrokeWindow::default();
    let cof: Vec<f64> = match precision {
        Precision::F32 => average_folder::<f32>(dir, window, progress)?
            .iter()
            .map(|r| f64::from(r.stats.mean))
            .collect(),
        Precision::F64 => average_folder::<f64>(dir, window, progress)?
            .iter()
            .map(|r| r.stats.mean)
            .collect(),
    };
    Ok(Series {
        label: format!("{recorded_temperature}/strokes"),
        recorded_temperature,
        temperature: model_temperature,
        cof,
    })
}

/// The CSV header of [`write_csv`].
pub const CSV_HEADER: &str = "series,stroke,recorded_temperature,temperature,cof,log_likelihood,\
jump_posterior,stay_probability,risk,expected_strokes,alarm_level,alarm_reason";

fn opt(v: Option<f64>) -> String {
    v.map(|x| format!("{x}")).unwrap_or_default()
}

/// Writes the rows of every series as one CSV ([`CSV_HEADER`]; numbers in shortest round-trip form,
/// the first stroke's log-likelihood and jump posterior empty), atomically.
///
/// # Errors
/// [`crate::atomic::WriteError`] naming the file.
pub fn write_csv(path: &Path, rows: &[Vec<ReplayRow>]) -> Result<(), crate::atomic::WriteError> {
    crate::atomic::write_with(path, |w| {
        writeln!(w, "{CSV_HEADER}")?;
        for r in rows.iter().flatten() {
            writeln!(
                w,
                "{},{},{},{},{},{},{},{},{},{},{},{}",
                r.series.replace(',', ";"),
                r.stroke,
                r.recorded_temperature,
                r.temperature,
                r.cof,
                opt(r.log_likelihood),
                opt(r.jump_posterior),
                r.stay_probability,
                r.risk,
                r.expected_strokes,
                level_text(r.alarm_level),
                r.alarm_reason
            )?;
        }
        Ok(())
    })
}

/// Draws `<dir>/<name>.png` and `.svg`: per series one panel of COF, risk, the threshold and the
/// alarm level (shaded: orange = warn, red = stop) against the stroke.
///
/// # Errors
/// [`PlotError`] naming the file.
pub fn draw(
    dir: &Path,
    name: &str,
    rows: &[Vec<ReplayRow>],
    threshold: f64,
    horizon: u16,
) -> Result<[PathBuf; 2], PlotError> {
    let panels = rows.len().max(1) as u32;
    render!(dir, name, (1200, 280 * panels + 40), |root| draw_replay(
        root, rows, threshold, horizon
    ))
}

fn draw_replay<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rows: &[Vec<ReplayRow>],
    threshold: f64,
    horizon: u16,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let root = root.titled(
        &format!(
            "Monitor replay: COF (blue), P(COF > {threshold:.3} within {horizon} strokes) (orange), \
             alarm (shaded: warn, stop)"
        ),
        (FONT, 18),
    )?;
    let areas = root.split_evenly((rows.len().max(1), 1));
    for (series, area) in rows.iter().zip(areas.iter()) {
        let Some(first) = series.first() else {
            continue;
        };
        let n = series.len() as f64;
        let y_max = series.iter().map(|r| r.cof).fold(1.05_f64, f64::max) * 1.02;
        let mut chart = ChartBuilder::on(area)
            .caption(
                format!(
                    "{} ({} C recorded, {} C model), {} strokes",
                    first.series,
                    first.recorded_temperature,
                    first.temperature,
                    series.len()
                ),
                (FONT, 16),
            )
            .margin(8)
            .x_label_area_size(32)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..n, 0.0..y_max)?;
        chart
            .configure_mesh()
            .x_desc("stroke")
            .y_desc("COF / risk")
            .label_style((FONT, 13))
            .draw()?;
        let warn = RGBColor(255, 200, 120).mix(0.5);
        let stop = RGBColor(230, 80, 80).mix(0.35);
        chart.draw_series(series.iter().filter_map(|r| {
            let colour = match r.alarm_level {
                AlarmLevel::Normal => return None,
                AlarmLevel::Warn => warn,
                AlarmLevel::Stop => stop,
            };
            let x = f64::from(r.stroke);
            Some(Rectangle::new(
                [(x - 0.5, 0.0), (x + 0.5, y_max)],
                colour.filled(),
            ))
        }))?;
        chart.draw_series(LineSeries::new(
            [(0.0, threshold), (n, threshold)],
            BLACK.mix(0.5).stroke_width(1),
        ))?;
        chart
            .draw_series(LineSeries::new(
                series.iter().map(|r| (f64::from(r.stroke), r.cof)),
                palette(0).stroke_width(2),
            ))?
            .label("COF")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], palette(0).stroke_width(2)));
        chart
            .draw_series(LineSeries::new(
                series.iter().map(|r| (f64::from(r.stroke), r.risk)),
                palette(2).stroke_width(2),
            ))?
            .label("risk")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], palette(2).stroke_width(2)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, 13))
            .draw()?;
    }
    Ok(())
}

/// Command-line interface of `host-train replay`.
pub mod cli {
    use super::{ForecastMethod, Precision, ReplayConfig};
    use anyhow::{Context, Result, bail};
    use galling::dataset::{Dataset, TemperatureMap};
    use std::path::PathBuf;

    /// Forecast method on the command line.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
    pub enum ForecastArg {
        /// Deterministic grid (48 cells), the firmware's default.
        Grid,
        /// Monte Carlo (32 trajectories, seeded).
        Mc,
    }

    /// Precision on the command line.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
    pub enum PrecisionArg {
        /// f32, as the press runs it.
        F32,
        /// f64.
        F64,
    }

    /// Arguments of `host-train replay`.
    #[derive(Debug, clap::Args)]
    pub struct ReplayArgs {
        /// Parameter file: params.json (or any JSON with the 15 names) or a params.bin blob.
        #[arg(long)]
        pub params: PathBuf,
        /// Per-stroke data: a folder with one T/mean.txt per temperature T, or a CSV with the header
        /// temperature,series,stroke,cof.
        #[arg(long, required_unless_present = "strokes", conflicts_with = "strokes")]
        pub data: Option<PathBuf>,
        /// A folder of raw stroke CSV recordings (one series), averaged with the core's streaming
        /// StrokeAverager in the monitor's precision; needs --temperature.
        #[arg(long, requires = "temperature")]
        pub strokes: Option<PathBuf>,
        /// Recorded die temperature of the --strokes series, degC (the --map applies).
        #[arg(long)]
        pub temperature: Option<f64>,
        /// Temperatures to evaluate recorded series at, RECORDED:MODEL pairs separated by commas.
        #[arg(long, default_value = "25:160")]
        pub map: String,
        /// Output folder: replay.csv, replay.png, replay.svg.
        #[arg(long)]
        pub out: PathBuf,
        /// Risk forecast method of the monitor.
        #[arg(long, value_enum, default_value_t = ForecastArg::Grid)]
        pub forecast: ForecastArg,
        /// Floating-point precision of the monitor (and of the averager for --strokes).
        #[arg(long, value_enum, default_value_t = PrecisionArg::F32)]
        pub precision: PrecisionArg,
        /// Forecast horizon, strokes.
        #[arg(long, default_value_t = 10)]
        pub horizon: u16,
        /// Galling threshold, COF (default: the model's well midpoint).
        #[arg(long)]
        pub threshold: Option<f64>,
        /// Alarm warn level (risk).
        #[arg(long, default_value_t = 0.5)]
        pub warn: f64,
        /// Alarm stop level (risk).
        #[arg(long, default_value_t = 0.9)]
        pub stop: f64,
        /// Risk below which an active alarm may clear.
        #[arg(long, default_value_t = 0.2)]
        pub clear: f64,
        /// Alarm confirmation: K of the last --window strokes.
        #[arg(long, default_value_t = 3)]
        pub confirm: u8,
        /// Alarm confirmation window, strokes.
        #[arg(long, default_value_t = 5)]
        pub window: u8,
        /// Seed of the Monte Carlo forecaster.
        #[arg(long, default_value_t = 1)]
        pub mc_seed: u64,
        /// Skip the figure.
        #[arg(long)]
        pub no_plots: bool,
    }

    /// Runs `host-train replay`.
    ///
    /// # Errors
    /// Unreadable parameters or data (naming file, line and field), a refused configuration, a
    /// stroke the monitor rejects, or an output that cannot be written.
    pub fn run(a: &ReplayArgs, quiet: bool) -> Result<()> {
        let (params, _) = crate::params_file::load(&a.params)?;
        let map = TemperatureMap::parse(&a.map).map_err(anyhow::Error::msg)?;
        let precision = match a.precision {
            PrecisionArg::F32 => Precision::F32,
            PrecisionArg::F64 => Precision::F64,
        };
        let series = match (&a.data, &a.strokes, a.temperature) {
            (_, Some(dir), Some(t)) => {
                if !t.is_finite() {
                    bail!("--temperature must be a finite number of degC");
                }
                vec![super::series_from_strokes(
                    dir,
                    t,
                    map.apply(t),
                    precision,
                    &|_, _| {},
                )?]
            }
            (Some(path), None, _) => Dataset::load(path, &map)?.series,
            _ => bail!("give --data, or --strokes with --temperature"),
        };
        let config = ReplayConfig {
            threshold: a.threshold,
            horizon: a.horizon,
            forecast: match a.forecast {
                ForecastArg::Grid => ForecastMethod::Grid,
                ForecastArg::Mc => ForecastMethod::MonteCarlo,
            },
            mc_seed: a.mc_seed,
            precision,
            alarm_levels: (a.warn, a.stop, a.clear),
            confirmation: (a.confirm, a.window),
        };
        let rows = super::replay_all(&params, &series, &config)?;
        std::fs::create_dir_all(&a.out)
            .with_context(|| format!("cannot create {}", a.out.display()))?;
        let csv = a.out.join("replay.csv");
        super::write_csv(&csv, &rows)?;
        let mut files = vec![csv];
        if !a.no_plots {
            let threshold = match a.threshold {
                Some(t) => t,
                None => {
                    galling::forecast::ForecastSettings::for_model(&galling::Model::new(&params)?)
                        .threshold()
                }
            };
            files.extend(super::draw(&a.out, "replay", &rows, threshold, a.horizon)?);
        }
        if !quiet {
            for r in &rows {
                let Some(first) = r.first() else { continue };
                let count =
                    |l: galling::alarm::AlarmLevel| r.iter().filter(|x| x.alarm_level == l).count();
                println!(
                    "{}: {} strokes at {} C, max risk {:.3}, strokes at warn {} / stop {}",
                    first.series,
                    r.len(),
                    first.temperature,
                    r.iter().map(|x| x.risk).fold(0.0, f64::max),
                    count(galling::alarm::AlarmLevel::Warn),
                    count(galling::alarm::AlarmLevel::Stop),
                );
            }
            println!("wrote:");
            for f in &files {
                println!("  {}", f.display());
            }
        }
        Ok(())
    }
}
