//! Evaluating a parameter file on data (`host-train evaluate` and `analyze`): the data with each
//! stroke's features for a variant that uses them, and the per-temperature log-likelihood table,
//! refused when a sum is not finite.
//!
//! ```
//! use host_train::dataset::TemperatureMap;
//! let path = std::path::Path::new("../data/v8-published-fit.json");
//! let (params, _) = host_train::params_file::load(path)?;
//! let loaded = host_train::evaluate::load_data(&params, path, "../data/demo".as_ref(), &TemperatureMap::default())?;
//! let table = host_train::evaluate::table(&params, path, "../data/demo".as_ref(), &loaded)?;
//! assert!(table.total.is_finite() && loaded.scaling.is_none());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::dataset::{DataError, Dataset, LoadReport, TemperatureMap};
use crate::precursor::FeatureScaling;
use crate::summary::LlTable;
use galling::family::ModelParams;
use std::path::{Path, PathBuf};

/// Why a parameter file could not be evaluated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvaluateError {
    /// The data (or its raw strokes) could not be loaded.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The parameter file's feature settings could not be read.
    #[error(transparent)]
    Params(#[from] crate::params_file::ParamsFileError),
    /// The parameters are not a valid model.
    #[error(transparent)]
    Model(#[from] galling::ParamError),
    /// A log-likelihood sum is not finite (an f32 total beyond 3.4e38).
    #[error(
        "{} on {}: the log-likelihood at {temperature} C is not finite (f64 {f64}, f32 {f32})",
        params.display(),
        data.display()
    )]
    NotFinite {
        /// The parameter file.
        params: PathBuf,
        /// The data.
        data: PathBuf,
        /// The recorded temperature of the row, degC.
        temperature: f64,
        /// The row's float64 sum.
        f64: f64,
        /// The row's float32 sum.
        f32: f64,
    },
}

/// The data a parameter file is evaluated on.
#[derive(Debug, Clone)]
pub struct LoadedData {
    /// The series, with each stroke's features when the variant uses them.
    pub data: Dataset,
    /// What loading changed about the data.
    pub report: LoadReport,
    /// The feature settings stored in the parameter file (a variant with stroke features only).
    pub scaling: Option<FeatureScaling>,
    /// The variant uses stroke features but the file has no settings: every stroke is scored at
    /// the clean baseline (`z = 0`).
    pub scaling_missing: bool,
}

/// Loads `data` for evaluating `params` (read from `params_path`): for a variant with stroke
/// features (V8-P), with each series' features from the folder's raw strokes and the feature
/// settings stored in the parameter file.
///
/// # Errors
/// [`EvaluateError::Data`] or [`EvaluateError::Params`], naming file and line.
pub fn load_data(
    params: &ModelParams<f64>,
    params_path: &Path,
    data: &Path,
    map: &TemperatureMap,
) -> Result<LoadedData, EvaluateError> {
    let (mut loaded, report) = Dataset::load_reported(data, map)?;
    if !crate::precursor::uses_features(params.model()) {
        return Ok(LoadedData {
            data: loaded,
            report,
            scaling: None,
            scaling_missing: false,
        });
    }
    loaded.attach_stroke_features(data, galling::features::FeatureSettings::DEFAULT)?;
    let scaling = crate::params_file::load_feature_scaling(params_path)?;
    Ok(LoadedData {
        data: loaded,
        report,
        scaling_missing: scaling.is_none(),
        scaling,
    })
}

/// The per-temperature log-likelihood table of `params` (from `params_path`) on `loaded` (from
/// `data`); every sum finite.
///
/// # Errors
/// [`EvaluateError::Model`], or [`EvaluateError::NotFinite`] naming both files and the row.
pub fn table(
    params: &ModelParams<f64>,
    params_path: &Path,
    data: &Path,
    loaded: &LoadedData,
) -> Result<LlTable, EvaluateError> {
    let table = LlTable::with_scaling(params, &loaded.data, loaded.scaling.as_ref())?;
    // validation and the data's ranges keep every transition finite; a sum that still is not
    // is an error, never a NaN table with exit 0
    if let Some(row) = table
        .per_temperature
        .iter()
        .find(|r| !r.log_likelihood.is_finite() || !r.log_likelihood_f32.is_finite())
    {
        return Err(EvaluateError::NotFinite {
            params: params_path.to_path_buf(),
            data: data.to_path_buf(),
            temperature: row.recorded_temperature,
            f64: row.log_likelihood,
            f32: row.log_likelihood_f32,
        });
    }
    Ok(table)
}
