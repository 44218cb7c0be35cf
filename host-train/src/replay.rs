//! Replays recorded strokes through the core's per-stroke [`Monitor`], as the press would run it.
//!
//! Each series is fed stroke by stroke, in order, to a fresh monitor running a [`Package`] (the
//! blob's content: parameters, risk table, calibrated settings), with the stroke counter = index in
//! the series and the die temperature = the series' model temperature. The monitor runs in `f32`, as
//! on the press. Nothing of the monitor is re-implemented here: every number of a [`ReplayRow`] is the
//! monitor's [`StrokeReport`] converted to `f64`.
//!
//! Raw stroke recordings are first averaged with the core's streaming
//! [`StrokeAverager`](galling::averager::StrokeAverager) through [`crate::averaging`].

use crate::atomic::PlotError;
use crate::averaging::{AverageError, average_folder};
use crate::dataset::{Series, StrokeFeatureValues};
use galling::StrokeReport;
use galling::features::FeatureSettings;
use galling::monitor::{Monitor, Package, PackageError, TemperatureRange};
use std::path::Path;

/// Why a replay could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The package was refused.
    #[error("invalid monitor package")]
    Package(#[from] PackageError),
    /// The parameter file could not be read.
    #[error(transparent)]
    Params(#[from] crate::params_file::ParamsFileError),
    /// The package could not be built from parameters and data.
    #[error(transparent)]
    Build(#[from] crate::package::PackageBuildError),
    /// The monitor rejected a stroke.
    #[error("series {series}, stroke {stroke} (COF {cof}, {temperature} C)")]
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
        source: galling::monitor::UpdateError,
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
    /// Temperature the model evaluated it at, degC (inside the trained range).
    pub temperature: f64,
    /// Where the die temperature lies relative to the trained range.
    pub temperature_range: TemperatureRange,
    /// The stroke's averaged COF (as the monitor saw it).
    pub cof: f64,
    /// Log-likelihood of the transition from the previous stroke (`None` for the first stroke).
    pub log_likelihood: Option<f64>,
    /// Jump posterior of that transition (`None` for the first stroke).
    pub jump_posterior: Option<f64>,
    /// Probability that the COF exceeds the galling threshold within the horizon.
    pub risk: f64,
    /// Log-odds of the risk over the hot-die hazard.
    pub excess: f64,
    /// The hot-die hazard (what the temperature alone implies).
    pub hazard: f64,
    /// Expected strokes to galling from a typical clean stroke at this temperature.
    pub expected_strokes: f64,
    /// Hot-die status.
    pub hot_die: bool,
    /// Onset warning standing after the stroke.
    pub onset_warning: bool,
    /// Galling detected after the stroke.
    pub galling_detected: bool,
    /// The monitor could not evaluate the stroke.
    pub fault: bool,
}

impl ReplayRow {
    /// The row of `report` for a stroke of `series` with COF `cof`.
    pub fn new(series: &Series, cof: f64, report: &StrokeReport) -> Self {
        Self {
            series: series.label.clone(),
            stroke: report.stroke,
            recorded_temperature: series.recorded_temperature,
            temperature: f64::from(report.model_temperature),
            temperature_range: report.temperature_range,
            cof: f64::from(cof as f32),
            log_likelihood: report.transition.map(|t| f64::from(t.log_prob)),
            jump_posterior: report.transition.map(|t| f64::from(t.jump_posterior)),
            risk: f64::from(report.risk),
            excess: f64::from(report.excess),
            hazard: f64::from(report.hot_die.hazard.risk),
            expected_strokes: f64::from(report.hot_die.hazard.expected_strokes),
            hot_die: report.hot_die.active,
            onset_warning: report.onset_warning.active,
            galling_detected: report.galling.active,
            fault: report.fault.is_some(),
        }
    }
}

/// Replays one series through a fresh monitor running `package`.
///
/// # Errors
/// [`ReplayError::Stroke`] for a stroke the monitor rejects (naming the series, stroke index and
/// value).
pub fn replay_series(package: &Package, series: &Series) -> Result<Vec<ReplayRow>, ReplayError> {
    replay_series_with_inputs(package, series, &[])
}

/// [`replay_series`] with each stroke's kernel inputs (`inputs[i]` for stroke `i`, as
/// [`crate::package::reports_with_inputs`] takes them; strokes past the end are replayed without).
///
/// # Errors
/// As [`replay_series`].
pub fn replay_series_with_inputs(
    package: &Package,
    series: &Series,
    inputs: &[[f32; galling::family::N_PRECURSOR_FEATURES]],
) -> Result<Vec<ReplayRow>, ReplayError> {
    let mut monitor = Monitor::new(package.view());
    let temperature = series.temperature as f32;
    let mut rows = Vec::with_capacity(series.cof.len());
    for (i, &cof) in series.cof.iter().enumerate() {
        // The counter wraps as a press's does (the monitor accepts the wrap).
        let z = inputs.get(i).map_or(&[][..], |z| &z[..]);
        let report = monitor
            .update_with_inputs(i as u32, temperature, cof as f32, z)
            .map_err(|source| ReplayError::Stroke {
                series: series.label.clone(),
                stroke: i,
                cof,
                temperature: series.temperature,
                source,
            })?;
        rows.push(ReplayRow::new(series, cof, &report));
    }
    Ok(rows)
}

/// Replays every series (each through its own fresh monitor). A package with stroke features
/// (V8-P's blob) replays each stroke of a series that has features with them, standardised by the
/// package's scaling in `f32` as the controller's monitor does (`Monitor::update_with_features`);
/// a series without features is replayed at the clean baseline.
///
/// # Errors
/// As [`replay_series`].
pub fn replay_all(
    package: &Package,
    series: &[Series],
) -> Result<Vec<Vec<ReplayRow>>, ReplayError> {
    series
        .iter()
        .map(|s| replay_series_with_inputs(package, s, &package_inputs(package, s)))
        .collect()
}

/// The kernel inputs of each stroke of `series` under `package`'s stroke features (empty for a
/// package without them or a series without features).
///
/// ```
/// use host_train::dataset::Series;
/// # let table = galling::risk::RiskTable::build(
/// #     &galling::Model::new(&galling::V8Params::PUBLISHED_FIT.map(f64::from)).unwrap(),
/// #     &galling::risk::TableSpec::new(160.0, 170.0));
/// let v8 = galling::Package::new(galling::V8Params::PUBLISHED_FIT, Default::default(), table).unwrap();
/// let s = Series { label: "t".into(), recorded_temperature: 165.0, temperature: 165.0,
///     cof: vec![0.2], features: None };
/// assert!(host_train::replay::package_inputs(&v8, &s).is_empty());
/// ```
pub fn package_inputs(
    package: &Package,
    series: &Series,
) -> Vec<[f32; galling::family::N_PRECURSOR_FEATURES]> {
    match (package.features(), &series.features) {
        (Some(p), Some(features)) => features
            .iter()
            .map(|f| {
                p.scaling
                    .standardise([f.breakaway_peak as f32, f.run_in_high_share as f32])
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The package replayed for the parameter file `params`: a blob's own package (format 3), or
/// for a `params.json` (or an old version-1 blob) the package built for `series` with the default
/// monitor (risk table over their temperature range, onset warning calibrated on their strokes:
/// in-sample).
///
/// ```
/// let series = host_train::dataset::Dataset::load(
///     std::path::Path::new("../data/demo"), &Default::default())?.series;
/// let package = host_train::replay::package_for(std::path::Path::new("../data/v8-published-fit.json"), &series)?;
/// assert_eq!(host_train::replay::replay_all(&package, &series)?.len(), series.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`ReplayError::Params`] naming the file, or [`ReplayError::Build`].
pub fn package_for(params: &Path, series: &[Series]) -> Result<Package, ReplayError> {
    let (values, format) = crate::params_file::load(params)?;
    Ok(match format {
        crate::params_file::ParamsFormat::Blob => crate::params_file::load_package(params)?,
        _ => {
            let data = crate::dataset::Dataset {
                series: series.to_vec(),
            };
            // the default monitor (`train::MonitorOptions::default()`)
            crate::package::build(
                &values,
                &data,
                galling::risk::DEFAULT_GALLING_THRESHOLD,
                galling::risk::DEFAULT_HORIZON,
                &crate::package::CalibrationTarget::default(),
            )?
            .0
        }
    })
}

/// One line on what the monitor did in one replayed series (`None` for an empty series): strokes,
/// hot-die strokes, onset warnings raised and the share of clean strokes under one, onsets warned
/// ahead, galling detected; `threshold` is the galling threshold, COF.
///
/// ```
/// let series = host_train::dataset::Dataset::load(
///     std::path::Path::new("../data/demo"), &Default::default())?.series;
/// let package = host_train::replay::package_for(std::path::Path::new("../data/v8-published-fit.json"), &series)?;
/// let rows = host_train::replay::replay_series(&package, &series[1])?;
/// let line = host_train::replay::describe(&rows, 0.5).unwrap();
/// assert!(line.starts_with("165: 112 strokes at 165 C"), "{line}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn describe(rows: &[ReplayRow], threshold: f64) -> Option<String> {
    let first = rows.first()?;
    let cof: Vec<f64> = rows.iter().map(|x| x.cof).collect();
    let warning: Vec<bool> = rows.iter().map(|x| x.onset_warning).collect();
    let c = crate::package::count(&cof, &warning, threshold, &vec![true; rows.len()]);
    Some(format!(
        "{}: {} strokes at {} C: hot die on {} strokes; onset warning raised {} times \
         ({:.1} % of clean strokes under it), {} of {} onsets warned ahead; galling \
         detected on {} strokes",
        first.series,
        rows.len(),
        first.temperature,
        rows.iter().filter(|x| x.hot_die).count(),
        c.raised,
        100.0 * c.clean_share(),
        c.warned,
        c.onsets,
        rows.iter().filter(|x| x.galling_detected).count(),
    ))
}

/// Averages a folder of raw stroke recordings with the core's streaming feature extractor in `f32`
/// (as the press does; its stroke features too) into one series recorded at `recorded_temperature` and evaluated at
/// `model_temperature`.
///
/// # Errors
/// [`AverageError`] naming the file, line and column of the first bad stroke.
pub fn series_from_strokes(
    dir: &Path,
    recorded_temperature: f64,
    model_temperature: f64,
    progress: crate::progress::ProgressFn<'_>,
) -> Result<Series, AverageError> {
    let records = average_folder::<f32>(dir, FeatureSettings::DEFAULT, progress)?;
    let features = records
        .iter()
        .map(|r| {
            let f = r.features;
            StrokeFeatureValues {
                std: f64::from(f.std),
                breakaway_peak: f64::from(f.breakaway_peak),
                run_in_high_share: f64::from(f.run_in_high_share),
                exit_peak: f64::from(f.exit_peak),
            }
        })
        .collect();
    Ok(Series {
        label: format!("{recorded_temperature}/strokes"),
        recorded_temperature,
        temperature: model_temperature,
        cof: records.iter().map(|r| f64::from(r.features.mean)).collect(),
        features: Some(features),
    })
}

/// The CSV header of [`write_csv`].
pub const CSV_HEADER: &str = "series,stroke,temperature,cof,risk,hot_die,onset_warning,galling_detected,\
recorded_temperature,temperature_range,excess,hazard,expected_strokes,log_likelihood,jump_posterior,fault";

fn opt(v: Option<f64>) -> String {
    v.map(|x| format!("{x}")).unwrap_or_default()
}

fn flag(b: bool) -> u8 {
    u8::from(b)
}

fn range_text(r: TemperatureRange) -> &'static str {
    match r {
        TemperatureRange::Inside => "inside",
        TemperatureRange::BelowTrained => "below",
        TemperatureRange::AboveTrained => "above",
    }
}

/// Writes the rows of every series as one CSV ([`CSV_HEADER`]: `temperature` is the model
/// temperature in degC, the three signals are 0/1; numbers in shortest round-trip form, the first
/// stroke's log-likelihood and jump posterior empty), atomically.
///
/// # Errors
/// [`crate::atomic::WriteError`] naming the file.
pub fn write_csv(path: &Path, rows: &[Vec<ReplayRow>]) -> Result<(), crate::atomic::WriteError> {
    crate::atomic::write_with(path, |w| fill_csv(w, rows))
}

/// The CSV of [`write_csv`] into `w` (also for the replay's output set).
pub(crate) fn fill_csv(w: &mut dyn std::io::Write, rows: &[Vec<ReplayRow>]) -> std::io::Result<()> {
    {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record(CSV_HEADER.split(','))?;
        for r in rows.iter().flatten() {
            csv.write_record([
                r.series.clone(),
                r.stroke.to_string(),
                r.temperature.to_string(),
                r.cof.to_string(),
                r.risk.to_string(),
                flag(r.hot_die).to_string(),
                flag(r.onset_warning).to_string(),
                flag(r.galling_detected).to_string(),
                r.recorded_temperature.to_string(),
                range_text(r.temperature_range).to_string(),
                r.excess.to_string(),
                r.hazard.to_string(),
                r.expected_strokes.to_string(),
                opt(r.log_likelihood),
                opt(r.jump_posterior),
                flag(r.fault).to_string(),
            ])?;
        }
        csv.flush()
    }
}
