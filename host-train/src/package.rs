//! What the trainer hands to the firmware: the fitted parameters, the risk table over the trained
//! temperature range, and the signal settings calibrated on the training strokes, validated together
//! as a [`galling::Package`] and written as the blob.
//!
//! # Calibration of the onset warning
//! The onset warning is raised when a stroke's excess (log-odds of its risk over the hot-die hazard)
//! reaches `onset_raise`. [`calibrate`] replays every training series continuously through the
//! monitor and scans the candidate levels (every distinct excess seen, plus a level above all of
//! them): it keeps the levels whose warnings stay within the budget (at most
//! [`CalibrationTarget::raises_per_100_clean`] warnings raised per 100 clean strokes and at most
//! [`CalibrationTarget::clean_share`] of the clean strokes under a warning, in every series), and
//! among them the one that warns the most onsets at least one stroke ahead (ties: the highest
//! level, i.e. the fewest alarms). The warning clears below `onset_raise - ONSET_DEADBAND` after
//! the off-delay of the settings. The same function tunes the baselines of `validate`, so the model
//! and the charts are judged under one budget.

use crate::dataset::Dataset;
use crate::params_file::to_f32;
use galling::ParamError;
use galling::family::{AnyModel, ModelParams, N_PRECURSOR_FEATURES};
use galling::features::{FeatureSettings, PrecursorFeatures};
use galling::monitor::{Monitor, Package, PackageError};
use galling::risk::{RiskTable, TableSpec};
use galling::signals::{SignalSettings, SignalState};

/// Log-odds between the raise and the clear level of the onset warning (hysteresis): odds
/// `e^0.5 = 1.65` times lower than at the raise.
pub const ONSET_DEADBAND: f32 = 0.5;
/// A stroke with an averaged COF below this is clean (the evaluation's definition; also the table's
/// clean limit).
pub const CLEAN_LIMIT: f64 = 0.35;
/// Strokes after a warning within which an onset makes it a true warning.
pub const WARNING_WINDOW: usize = 10;

/// The alarm budget a calibration must keep.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct CalibrationTarget {
    /// Warnings raised per 100 clean strokes, at most.
    pub raises_per_100_clean: f64,
    /// Share of clean strokes under a warning, at most, in every series.
    pub clean_share: f64,
}

impl Default for CalibrationTarget {
    /// At most 4 warnings per 100 clean strokes and 10 % of the clean strokes of any series under a
    /// warning (the monitor issue's goal is 15 %; the margin absorbs the difference between the
    /// training strokes and new ones).
    fn default() -> Self {
        Self {
            raises_per_100_clean: 4.0,
            clean_share: 0.10,
        }
    }
}

/// Why a package could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PackageBuildError {
    /// The float32 parameters are not a valid model.
    #[error("the float32-rounded parameters are not a valid model")]
    Params(#[from] ParamError),
    /// The table specification is invalid.
    #[error("risk table")]
    Table(#[from] galling::risk::TableError),
    /// The package was refused.
    #[error("package")]
    Package(#[from] PackageError),
    /// The data has no series.
    #[error("the data has no series: nothing to take the trained temperature range from")]
    NoData,
    /// The variant uses stroke features (V8-P) and its feature scaling cannot be fixed from the
    /// data (no raw strokes with clean features).
    #[error("the stroke features of the blob")]
    FeatureScaling(#[from] crate::precursor::ScalingError),
}

/// The lowest and highest model temperature of `data`, degC.
///
/// # Errors
/// [`PackageBuildError::NoData`] for an empty data set.
pub fn trained_range(data: &Dataset) -> Result<(f32, f32), PackageBuildError> {
    let temps = data.series.iter().map(|s| s.temperature as f32);
    let low = temps
        .clone()
        .reduce(f32::min)
        .ok_or(PackageBuildError::NoData)?;
    let high = temps.reduce(f32::max).ok_or(PackageBuildError::NoData)?;
    Ok((low, high))
}

/// The risk table of `params` over the trained range of `data` (galling threshold 0.50, clean limit
/// 0.35, `horizon` strokes).
///
/// # Errors
/// [`PackageBuildError`] for invalid parameters or an empty data set.
pub fn table(
    params: &ModelParams<f64>,
    data: &Dataset,
    threshold: f32,
    horizon: u16,
) -> Result<RiskTable, PackageBuildError> {
    let (low, high) = trained_range(data)?;
    let spec = TableSpec {
        threshold,
        horizon,
        clean_limit: CLEAN_LIMIT as f32,
        ..TableSpec::new(low, high)
    };
    spec.validate()?;
    Ok(RiskTable::build(&AnyModel::new(params)?, &spec))
}

/// One stroke of a continuous replay, as an alarm rule sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StrokeInput {
    /// The stroke's COF.
    pub cof: f64,
    /// Its excess (the monitor's [`galling::StrokeReport::excess`]).
    pub excess: f32,
}

/// Replays `cof` (one series at model temperature `temperature`) through a fresh monitor of
/// `package` and returns every report.
///
/// # Panics
/// If the monitor rejects a stroke (the data loader only yields COFs in the monitor's bounds).
pub fn reports(package: &Package, temperature: f64, cof: &[f64]) -> Vec<galling::StrokeReport> {
    reports_with_inputs(package, temperature, cof, &[])
}

/// [`reports`] with each stroke's kernel inputs (`inputs[i]` for stroke `i`, the standardised
/// stroke features of [`crate::precursor::stroke_inputs`]; a stroke past the end of `inputs`, e.g.
/// every stroke when it is empty, is replayed without, as [`reports`] does).
///
/// ```
/// use galling::family::{AnyModel, ModelParams};
/// use galling::V8Params;
/// let p = ModelParams::precursor(V8Params::PUBLISHED_FIT, [1.0, 0.0]);
/// let table = galling::risk::RiskTable::build(&AnyModel::new(&p.map(f64::from)).unwrap(),
///     &galling::risk::TableSpec::new(160.0, 170.0));
/// let package = galling::monitor::Package::new(p, galling::signals::SignalSettings::default(), table).unwrap();
/// let cof = [0.2, 0.21];
/// let plain = host_train::package::reports(&package, 167.5, &cof);
/// let with = host_train::package::reports_with_inputs(&package, 167.5, &cof, &[[2.0, 0.0]]);
/// assert!(with[0].risk > plain[0].risk);
/// assert_eq!(with[1], plain[1]);
/// ```
///
/// # Panics
/// As [`reports`].
pub fn reports_with_inputs(
    package: &Package,
    temperature: f64,
    cof: &[f64],
    inputs: &[[f32; N_PRECURSOR_FEATURES]],
) -> Vec<galling::StrokeReport> {
    let mut monitor = Monitor::new(package.view());
    cof.iter()
        .enumerate()
        .map(|(i, &c)| {
            let z = inputs.get(i).map_or(&[][..], |z| &z[..]);
            monitor
                .update_with_inputs(i as u32, temperature as f32, c as f32, z)
                .unwrap_or_else(|e| panic!("stroke {i} (COF {c}) rejected: {e}"))
        })
        .collect()
}

/// Operator figures of one alarm rule on some series (see [`count`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct AlarmCounts {
    /// Strokes.
    pub strokes: usize,
    /// Clean strokes (COF below [`CLEAN_LIMIT`]).
    pub clean: usize,
    /// Clean strokes under the alarm.
    pub clean_alarmed: usize,
    /// Alarms raised.
    pub raised: usize,
    /// Alarms raised that were followed by an onset within [`WARNING_WINDOW`] strokes.
    pub true_raised: usize,
    /// Onsets (first stroke above the galling threshold after one at or below it).
    pub onsets: usize,
    /// Onsets with the alarm standing on the stroke before.
    pub warned: usize,
}

impl AlarmCounts {
    /// Adds another count.
    pub fn add(&mut self, o: &Self) {
        self.strokes += o.strokes;
        self.clean += o.clean;
        self.clean_alarmed += o.clean_alarmed;
        self.raised += o.raised;
        self.true_raised += o.true_raised;
        self.onsets += o.onsets;
        self.warned += o.warned;
    }
    /// Alarms raised per 100 strokes.
    pub fn raised_per_100(&self) -> f64 {
        100.0 * self.raised as f64 / self.strokes.max(1) as f64
    }
    /// Alarms raised per 100 clean strokes.
    pub fn raised_per_100_clean(&self) -> f64 {
        100.0 * self.raised as f64 / self.clean.max(1) as f64
    }
    /// Share of clean strokes under the alarm.
    pub fn clean_share(&self) -> f64 {
        self.clean_alarmed as f64 / self.clean.max(1) as f64
    }
    /// Share of raised alarms followed by an onset within the window (`None` without alarms).
    pub fn precision(&self) -> Option<f64> {
        (self.raised > 0).then(|| self.true_raised as f64 / self.raised as f64)
    }
}

/// Onset strokes of `cof` for `threshold`: above it, with the previous stroke at or below it.
pub fn onsets(cof: &[f64], threshold: f64) -> Vec<usize> {
    (1..cof.len())
        .filter(|&i| cof[i] > threshold && cof[i - 1] <= threshold)
        .collect()
}

/// Counts the operator figures of the alarm trace `alarm` (one flag per stroke) over the strokes
/// `scored` of the series `cof` (onsets and warnings are found on the whole series; only scored
/// strokes are counted).
pub fn count(cof: &[f64], alarm: &[bool], threshold: f64, scored: &[bool]) -> AlarmCounts {
    let onset = onsets(cof, threshold);
    let mut c = AlarmCounts::default();
    for i in 0..cof.len() {
        if !scored.get(i).copied().unwrap_or(false) {
            continue;
        }
        c.strokes += 1;
        if cof[i] < CLEAN_LIMIT {
            c.clean += 1;
            c.clean_alarmed += usize::from(alarm[i]);
        }
        let raised = alarm[i] && (i == 0 || !alarm[i - 1]);
        if raised {
            c.raised += 1;
            c.true_raised += usize::from(onset.iter().any(|&o| o > i && o <= i + WARNING_WINDOW));
        }
        if onset.contains(&i) {
            c.onsets += 1;
            c.warned += usize::from(i > 0 && alarm[i - 1]);
        }
    }
    c
}

/// Strokes from the raise of the alarm standing before onset `o` to the onset, if it stood.
pub fn lead_time(alarm: &[bool], o: usize) -> Option<usize> {
    if o == 0 || !alarm[o - 1] {
        return None;
    }
    let mut start = o - 1;
    while start > 0 && alarm[start - 1] {
        start -= 1;
    }
    Some(o - start)
}

/// The onset-warning trace of a series from its excesses and COFs under `settings`.
pub fn warning_trace(
    settings: &SignalSettings,
    strokes: &[StrokeInput],
    threshold: f32,
) -> Vec<bool> {
    let mut state = SignalState::new();
    strokes
        .iter()
        .map(|s| {
            state
                .update(settings, s.excess, s.cof as f32, threshold)
                .onset_warning
                .active
        })
        .collect()
}

/// Chooses an alarm level on training segments. `trace(level, segment)` gives the alarm flags of a
/// segment at a level; `segments` are `(cof, scored)` pairs; `candidates` the levels tried. Returns
/// the chosen level and its counts (see the [module documentation](self)).
pub fn choose_level(
    candidates: &[f64],
    segments: &[(&[f64], Vec<bool>)],
    threshold: f64,
    target: &CalibrationTarget,
    mut trace: impl FnMut(f64, usize) -> Vec<bool>,
) -> (f64, AlarmCounts) {
    let mut best: Option<(usize, usize, f64, AlarmCounts)> = None; // (warned, -raised, level)
    for &level in candidates {
        let mut total = AlarmCounts::default();
        let mut within = true;
        for (k, (cof, scored)) in segments.iter().enumerate() {
            let alarm = trace(level, k);
            let c = count(cof, &alarm, threshold, scored);
            if c.clean > 0 && c.clean_share() > target.clean_share {
                within = false;
            }
            total.add(&c);
        }
        if !within || total.raised_per_100_clean() > target.raises_per_100_clean {
            continue;
        }
        let better = match &best {
            None => true,
            Some((w, r, l, _)) => (total.warned, usize::MAX - total.raised, level) > (*w, *r, *l),
        };
        if better {
            best = Some((total.warned, usize::MAX - total.raised, level, total));
        }
    }
    match best {
        Some((_, _, level, counts)) => (level, counts),
        None => {
            let level = candidates.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (level, AlarmCounts::default())
        }
    }
}

/// What the calibration chose and what it saw on the training strokes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Calibration {
    /// The budget.
    pub target: CalibrationTarget,
    /// The chosen raise level (log-odds excess).
    pub onset_raise: f32,
    /// The clear level.
    pub onset_clear: f32,
    /// Counts on the training strokes at the chosen level.
    pub training: AlarmCounts,
}

/// Candidate levels: every distinct excess (rounded to 0.01) and one above all of them.
fn candidates(excesses: impl Iterator<Item = f32>) -> Vec<f64> {
    let mut levels: Vec<f64> = excesses
        .filter(|x| x.is_finite())
        .map(|x| (f64::from(x) * 100.0).round() / 100.0)
        .collect();
    levels.sort_by(f64::total_cmp);
    levels.dedup();
    let top = levels.last().copied().unwrap_or(0.0) + 1.0;
    levels.push(top);
    levels.retain(|&l| l > 0.0);
    levels
}

/// Calibrates the onset warning of `package` on `segments` (stretches of training series, each
/// replayed continuously at its model temperature): see the [module documentation](self).
pub fn calibrate(
    package: &Package,
    segments: &[(f64, &[f64])],
    target: &CalibrationTarget,
) -> Result<(Package, Calibration), PackageBuildError> {
    calibrate_with_inputs(package, segments, &[], target)
}

/// [`calibrate`] with the kernel inputs of each segment's strokes (`inputs[k]` for
/// `segments[k]`, as [`reports_with_inputs`] takes them; a segment past the end of `inputs` is
/// replayed without): the onset warning of a variant with stroke features is calibrated on the
/// risks its monitor computes with them.
///
/// # Errors
/// As [`calibrate`].
pub fn calibrate_with_inputs(
    package: &Package,
    segments: &[(f64, &[f64])],
    inputs: &[&[[f32; N_PRECURSOR_FEATURES]]],
    target: &CalibrationTarget,
) -> Result<(Package, Calibration), PackageBuildError> {
    let threshold = package.table().threshold();
    let inputs: Vec<Vec<StrokeInput>> = segments
        .iter()
        .enumerate()
        .map(|(k, (t, cof))| {
            reports_with_inputs(package, *t, cof, inputs.get(k).copied().unwrap_or(&[]))
                .iter()
                .zip(cof.iter())
                .map(|(r, &c)| StrokeInput {
                    cof: c,
                    excess: r.excess,
                })
                .collect()
        })
        .collect();
    let levels = candidates(inputs.iter().flatten().map(|s| s.excess));
    let scored: Vec<(&[f64], Vec<bool>)> = segments
        .iter()
        .map(|(_, cof)| (*cof, vec![true; cof.len()]))
        .collect();
    let base = *package.settings();
    let settings_at = |level: f64| SignalSettings {
        onset_raise: level as f32,
        onset_clear: level as f32 - ONSET_DEADBAND,
        ..base
    };
    let (level, training) = choose_level(
        &levels,
        &scored,
        f64::from(threshold),
        target,
        |level, k| warning_trace(&settings_at(level), &inputs[k], threshold),
    );
    let settings = settings_at(level);
    let calibrated = package.with_settings(settings)?;
    Ok((
        calibrated,
        Calibration {
            target: *target,
            onset_raise: settings.onset_raise,
            onset_clear: settings.onset_clear,
            training,
        },
    ))
}

/// The whole package of a fit on `data`: float32 parameters, the risk table over the trained range
/// (threshold `threshold`, horizon `horizon`), settings calibrated on every series of `data`; for
/// a variant with stroke features (V8-P) also the extractor's settings and the feature scaling
/// fixed from `data` ([`crate::precursor::TrainingScaling::from_training`], as the fit on the same
/// data fixed it), and the calibration replays each stroke with its features.
///
/// # Errors
/// [`PackageBuildError`] for invalid parameters or data.
pub fn build(
    params: &ModelParams<f64>,
    data: &Dataset,
    threshold: f32,
    horizon: u16,
    target: &CalibrationTarget,
) -> Result<(Package, Calibration), PackageBuildError> {
    use crate::precursor::{FeatureScaling, TrainingScaling, stroke_inputs, uses_features};
    let scaling = if uses_features(params.model()) {
        Some(FeatureScaling::from_training(data)?)
    } else {
        None
    };
    let features = scaling.map(|s| PrecursorFeatures {
        extractor: FeatureSettings::DEFAULT,
        scaling: s.to_f32(),
    });
    let table = table(params, data, threshold, horizon)?;
    let package =
        Package::with_features(to_f32(params), SignalSettings::default(), features, table)?;
    let segments: Vec<(f64, &[f64])> = data
        .series
        .iter()
        .map(|s| (s.temperature, s.cof.as_slice()))
        .collect();
    let inputs: Vec<_> = data
        .series
        .iter()
        .map(|s| stroke_inputs(scaling.as_ref(), s))
        .collect();
    let inputs: Vec<&[[f32; N_PRECURSOR_FEATURES]]> = inputs.iter().map(Vec::as_slice).collect();
    calibrate_with_inputs(&package, &segments, &inputs, target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_the_definitions() {
        // onset at 4 (0.4 -> 0.7), alarm raised at 2 and standing until 5, a second alarm at 8.
        let cof = [0.2, 0.2, 0.3, 0.4, 0.7, 0.8, 0.3, 0.2, 0.2, 0.2];
        let alarm = [
            false, false, true, true, true, false, false, false, true, false,
        ];
        let c = count(&cof, &alarm, 0.5, &[true; 10]);
        assert_eq!(c.onsets, 1);
        assert_eq!(c.warned, 1);
        assert_eq!(c.raised, 2);
        assert_eq!(c.true_raised, 1);
        assert_eq!(c.clean, 7); // 0.2 0.2 0.3 0.3 0.2 0.2 0.2 (0.4 is not clean)
        assert_eq!(c.clean_alarmed, 2); // strokes 2 and 8
        assert_eq!(lead_time(&alarm, 4), Some(2));
        assert_eq!(lead_time(&alarm, 9), Some(1));
        assert_eq!(lead_time(&alarm, 2), None);
        assert_eq!(onsets(&cof, 0.5), vec![4]);
    }

    #[test]
    fn level_choice_warns_most_onsets_within_budget() {
        // The statistic is the COF itself; three candidate levels.
        let cof: Vec<f64> = [0.2, 0.3, 0.45, 0.8, 0.2, 0.2, 0.2, 0.36, 0.2, 0.2]
            .into_iter()
            .collect();
        let segments = vec![(cof.as_slice(), vec![true; cof.len()])];
        let target = CalibrationTarget {
            raises_per_100_clean: 100.0,
            clean_share: 0.5,
        };
        let trace = |level: f64, _k: usize| cof.iter().map(|&c| c >= level).collect::<Vec<_>>();
        let (level, counts) = choose_level(&[0.25, 0.4, 0.9], &segments, 0.5, &target, trace);
        // 0.25 and 0.4 both warn the onset; 0.4 raises fewer alarms.
        assert_eq!(level, 0.4);
        assert_eq!(counts.warned, 1);
        // With no clean stroke under alarm allowed, only a level above every stroke is left.
        let strict = CalibrationTarget {
            raises_per_100_clean: 100.0,
            clean_share: 0.0,
        };
        let (level, _) = choose_level(&[0.25, 0.9], &segments, 0.5, &strict, trace);
        assert_eq!(level, 0.9);
    }
}
