//! The host side of V8-P, the precursor variant ([`galling::family::precursor`]): its feature
//! settings (how a stroke's features are standardised) and each series' standardised features.
//!
//! The kernel sees `z_j = (f_j - ref_j) / scale_j` of the features [`PRECURSOR_FEATURES`]. The
//! settings are fixed **before** a fit from the training strokes' clean features
//! ([`FeatureScaling::from_training`]): `ref` is the median, `scale` a robust spread, so `z = 0` is
//! a typical clean stroke. The transition from stroke `n` to `n + 1` uses stroke `n`'s features
//! ([`galling::Kernel::series_log_likelihood_at_strokes`]).
//!
//! **Fallback:** a series without features (the 25 C series has no raw strokes) uses `z = 0` on
//! every stroke: it scores exactly as under V8 with the same V8 parameters.
//!
//! ```
//! use host_train::precursor::FeatureScaling;
//! let s = FeatureScaling { reference: [0.3_f64, 0.1], scale: [0.05, 0.2] };
//! let z = s.standardise([0.35, 0.1]);
//! assert!((z[0] - 1.0).abs() < 1e-12 && z[1] == 0.0);
//! ```

use crate::dataset::{Dataset, Series, StrokeFeatureValues};
use crate::stats::quantile_sorted as quantile;
use galling::family::{KernelKind, ModelId, N_PRECURSOR_FEATURES, PRECURSOR_FEATURES};

/// A stroke is *clean* for the feature settings when its stroke-mean COF is below this (the
/// extractor's high-COF level, [`galling::features::FeatureSettings::DEFAULT`]`.high_cof`): the
/// clean well, where the galled strokes' features do not pull the reference.
pub const CLEAN_COF: f64 = 0.30;

/// Whether `model` uses stroke features (its kernel is the precursor kernel).
///
/// ```
/// use galling::family::ModelId;
/// assert!(host_train::precursor::uses_features(ModelId::V8Precursor));
/// assert!(!host_train::precursor::uses_features(ModelId::V8));
/// ```
pub fn uses_features(model: ModelId) -> bool {
    model.variant().kernel == KernelKind::Precursor
}

/// The features V8-P uses, of one stroke, in [`PRECURSOR_FEATURES`] order.
///
/// ```
/// use host_train::dataset::StrokeFeatureValues;
/// let f = StrokeFeatureValues { std: 0.01, breakaway_peak: 0.4, run_in_high_share: 0.2, exit_peak: 0.3 };
/// assert_eq!(host_train::precursor::feature_values(&f), [0.4, 0.2]);
/// ```
pub fn feature_values(f: &StrokeFeatureValues) -> [f64; N_PRECURSOR_FEATURES] {
    [f.breakaway_peak, f.run_in_high_share]
}

/// How features are standardised, `z_j = (f_j - reference_j) / scale_j`: the core's type
/// ([`galling::features::FeatureScaling`], which the blob carries in `f32`), in `f64` on the host.
/// [`TrainingScaling`] fixes it from the training strokes.
pub type FeatureScaling = galling::features::FeatureScaling<f64>;

/// Why no [`FeatureScaling`] could be fixed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScalingError {
    /// No training stroke has features with a COF below [`CLEAN_COF`].
    #[error(
        "no clean training stroke (COF below {CLEAN_COF}) has stroke features: V8-P needs the raw \
         strokes (<T>/strokes/) of at least one series"
    )]
    NoCleanStrokes,
    /// A feature has no spread over the clean training strokes.
    #[error(
        "feature `{feature}` does not vary over the {strokes} clean training strokes: it cannot \
         be standardised"
    )]
    NoSpread {
        /// The feature.
        feature: &'static str,
        /// Clean strokes with features.
        strokes: usize,
    },
}

/// The host side of [`FeatureScaling`]: fixing it from the training strokes and applying it to a
/// series.
pub trait TrainingScaling: Sized {
    /// The settings from `train`'s clean strokes (see the implementation for
    /// [`FeatureScaling`]).
    ///
    /// # Errors
    /// [`ScalingError`]: no clean stroke with features, or a feature constant over them.
    fn from_training(train: &Dataset) -> Result<Self, ScalingError>;

    /// The settings a fit of `model` on `data` fixes (`None` for a variant without stroke
    /// features, or data without a clean stroke with features).
    fn of_fit(model: ModelId, data: &Dataset) -> Option<Self>;

    /// The standardised features of each stroke of `series` (empty when it has none).
    fn inputs(&self, series: &Series) -> Vec<[f64; N_PRECURSOR_FEATURES]>;
}

impl TrainingScaling for FeatureScaling {
    /// The settings from `train`'s clean strokes (COF below [`CLEAN_COF`], with features):
    /// `reference` the median; `scale` the MAD times 1.4826 (the standard deviation of a normal
    /// sample), or where the MAD is 0 (a feature that is 0 on most clean strokes, as the run-in
    /// high share) the IQR / 1.349, or where that is 0 too the standard deviation.
    ///
    /// # Errors
    /// [`ScalingError`]: no clean stroke with features, or a feature constant over them.
    ///
    /// ```
    /// use host_train::dataset::{Dataset, Series, StrokeFeatureValues};
    /// use host_train::precursor::{FeatureScaling, TrainingScaling};
    /// let f = |b: f64, r: f64| StrokeFeatureValues { std: 0.0, breakaway_peak: b, run_in_high_share: r, exit_peak: 0.0 };
    /// let series = Series { label: "165".into(), recorded_temperature: 165.0, temperature: 165.0,
    ///     cof: vec![0.2, 0.2, 0.2, 0.9],
    ///     features: Some(vec![f(0.30, 0.0), f(0.32, 0.1), f(0.34, 0.2), f(0.9, 1.0)]) };
    /// let s = FeatureScaling::from_training(&Dataset { series: vec![series] })?;
    /// assert_eq!(s.reference, [0.32, 0.1]); // the galled stroke (COF 0.9) is left out
    /// assert!((s.scale[0] - 0.02 * 1.4826).abs() < 1e-12);
    /// # Ok::<(), host_train::precursor::ScalingError>(())
    /// ```
    fn from_training(train: &Dataset) -> Result<Self, ScalingError> {
        let mut columns: [Vec<f64>; N_PRECURSOR_FEATURES] = Default::default();
        for s in &train.series {
            let Some(features) = &s.features else {
                continue;
            };
            for (cof, f) in s.cof.iter().zip(features) {
                let v = feature_values(f);
                if *cof < CLEAN_COF && v.iter().all(|x| x.is_finite()) {
                    for (col, x) in columns.iter_mut().zip(v) {
                        col.push(x);
                    }
                }
            }
        }
        let strokes = columns[0].len();
        if strokes == 0 {
            return Err(ScalingError::NoCleanStrokes);
        }
        let mut reference = [0.0; N_PRECURSOR_FEATURES];
        let mut scale = [0.0; N_PRECURSOR_FEATURES];
        for (j, col) in columns.iter_mut().enumerate() {
            col.sort_by(f64::total_cmp);
            let median = quantile(col, 0.5);
            let mut dev: Vec<f64> = col.iter().map(|x| (x - median).abs()).collect();
            dev.sort_by(f64::total_cmp);
            let mad = 1.4826 * quantile(&dev, 0.5);
            let iqr = (quantile(col, 0.75) - quantile(col, 0.25)) / 1.349;
            let mean = col.iter().sum::<f64>() / strokes as f64;
            let sd = (col.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>()
                / (strokes.max(2) - 1) as f64)
                .sqrt();
            let spread = [mad, iqr, sd].into_iter().find(|s| *s > 0.0);
            let Some(spread) = spread.filter(|s| s.is_finite()) else {
                return Err(ScalingError::NoSpread {
                    feature: PRECURSOR_FEATURES[j],
                    strokes,
                });
            };
            reference[j] = median;
            scale[j] = spread;
        }
        Ok(Self { reference, scale })
    }

    /// The settings a fit of `model` on `data` fixes: [`FeatureScaling::from_training`] for a
    /// variant with stroke features, `None` for one without, or when `data` has no clean stroke
    /// with features (every stroke then at `z = 0`).
    ///
    /// ```
    /// use galling::family::ModelId;
    /// use host_train::dataset::Dataset;
    /// use host_train::precursor::{FeatureScaling, TrainingScaling};
    /// assert_eq!(FeatureScaling::of_fit(ModelId::V8, &Dataset::default()), None);
    /// ```
    fn of_fit(model: ModelId, data: &Dataset) -> Option<Self> {
        if uses_features(model) {
            Self::from_training(data).ok()
        } else {
            None
        }
    }

    /// The standardised features of each stroke of `series`, or an empty list when it has none
    /// (the fallback: every stroke at `z = 0`).
    ///
    /// ```
    /// use host_train::dataset::Series;
    /// use host_train::precursor::{FeatureScaling, TrainingScaling};
    /// let s = FeatureScaling { reference: [0.3, 0.1], scale: [0.05, 0.2] };
    /// let no_strokes = Series { label: "25".into(), recorded_temperature: 25.0, temperature: 160.0,
    ///     cof: vec![0.2, 0.2], features: None };
    /// assert!(s.inputs(&no_strokes).is_empty());
    /// ```
    fn inputs(&self, series: &Series) -> Vec<[f64; N_PRECURSOR_FEATURES]> {
        series.features.as_ref().map_or_else(Vec::new, |fs| {
            fs.iter()
                .map(|f| self.standardise(feature_values(f)))
                .collect()
        })
    }
}

/// The monitor's kernel inputs for every stroke of `series` (`f32`, as the monitor takes them):
/// its standardised features under `scaling`, or an empty list (every stroke at the clean
/// baseline) when there are no settings (a variant without stroke features) or the series has no
/// features.
///
/// ```
/// use host_train::dataset::Series;
/// use host_train::precursor::{FeatureScaling, stroke_inputs};
/// let s = Series { label: "25".into(), recorded_temperature: 25.0, temperature: 160.0,
///     cof: vec![0.2, 0.2], features: None };
/// assert!(stroke_inputs(None, &s).is_empty());
/// let scaling = FeatureScaling { reference: [0.3, 0.1], scale: [0.05, 0.2] };
/// assert!(stroke_inputs(Some(&scaling), &s).is_empty());
/// ```
pub fn stroke_inputs(
    scaling: Option<&FeatureScaling>,
    series: &Series,
) -> Vec<[f32; N_PRECURSOR_FEATURES]> {
    scaling.map_or_else(Vec::new, |s| {
        s.inputs(series)
            .into_iter()
            .map(|z| z.map(|v| v as f32))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(cof: Vec<f64>, features: Option<Vec<(f64, f64)>>) -> Series {
        Series {
            label: "t".into(),
            recorded_temperature: 165.0,
            temperature: 165.0,
            cof,
            features: features.map(|v| {
                v.into_iter()
                    .map(|(b, r)| StrokeFeatureValues {
                        std: 0.0,
                        breakaway_peak: b,
                        run_in_high_share: r,
                        exit_peak: 0.0,
                    })
                    .collect()
            }),
        }
    }

    #[test]
    fn zero_mad_falls_back_to_the_iqr_then_the_standard_deviation() {
        // run-in share 0 on 4 of 5 clean strokes: MAD 0 and IQR 0, sd of [0,0,0,0,0.5]
        let data = Dataset {
            series: vec![series(
                vec![0.2; 5],
                Some(vec![
                    (0.3, 0.0),
                    (0.31, 0.0),
                    (0.32, 0.0),
                    (0.33, 0.0),
                    (0.34, 0.5),
                ]),
            )],
        };
        let s = FeatureScaling::from_training(&data).unwrap();
        assert_eq!(s.reference, [0.32, 0.0]);
        assert!((s.scale[0] - 1.4826 * 0.01).abs() < 1e-12);
        let sd = ((4.0 * 0.01 + 0.16) / 4.0_f64).sqrt();
        assert!((s.scale[1] - sd).abs() < 1e-12, "{s:?}");
    }

    #[test]
    fn refuses_data_without_clean_features_or_spread() {
        let none = Dataset {
            series: vec![series(vec![0.2, 0.2], None)],
        };
        assert_eq!(
            FeatureScaling::from_training(&none),
            Err(ScalingError::NoCleanStrokes)
        );
        let flat = Dataset {
            series: vec![series(vec![0.2, 0.2], Some(vec![(0.3, 0.1), (0.3, 0.2)]))],
        };
        let e = FeatureScaling::from_training(&flat).unwrap_err();
        assert_eq!(
            e,
            ScalingError::NoSpread {
                feature: "breakaway_peak",
                strokes: 2
            }
        );
        assert!(e.to_string().contains("`breakaway_peak`"), "{e}");
    }
}
