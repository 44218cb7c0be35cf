//! The C-facing stroke report and the one adapter to it from the core's
//! [`galling::monitor::StrokeReport`].
//!
//! ADAPTED TO THE ISSUE-8 MONITOR AT MERGE: this file is the only place (of the C API, of the press
//! application, which includes it, and of the golden generator, which includes it too) that reads the
//! fields of a [`galling::monitor::StrokeReport`]. Until the issue-8 monitor lands, its three signals
//! are derived from the current report: `onset_warning` from alarm level Warn or above,
//! `galling_detected` from alarm level Stop, `hot_die` is 0 and `advised_max_temperature` NaN (the
//! current report has neither).

use galling::alarm::AlarmLevel;
use galling::monitor::StrokeReport;

/// What the monitor says about one accepted stroke, as C sees it (`GallingReport` in `galling.h`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GallingReport {
    /// The stroke counter of the stroke.
    pub stroke: u32,
    /// Probability that the COF crosses the galling threshold within the forecast horizon, `[0, 1]`.
    pub risk: f32,
    /// Expected strokes until the threshold is crossed, censored at the horizon plus one; 0 when the
    /// COF is already above it.
    pub expected_strokes: f32,
    /// Highest die temperature (degC) the monitor advises; NaN when it gives no advice.
    pub advised_max_temperature: f32,
    /// Probability that the next stroke stays in the current regime.
    pub stay_probability: f32,
    /// Log-likelihood of the transition from the previous stroke; NaN on the first stroke of a series.
    pub log_prob: f32,
    /// Posterior probability that the transition was a jump; NaN on the first stroke of a series.
    pub jump_posterior: f32,
    /// 1 when the die is too hot for the current COF (status, no latch), else 0.
    pub hot_die: u8,
    /// 1 while the galling-onset warning alarm is raised, else 0: drive the warning output.
    pub onset_warning: u8,
    /// 1 while galling is detected, else 0: stop the press.
    pub galling_detected: u8,
    /// Alarm level of the core: 0 normal, 1 warn, 2 stop.
    pub alarm_level: u8,
}

impl GallingReport {
    /// A report of all zeros and NaN (what an output argument holds before the first update).
    pub const EMPTY: Self = Self {
        stroke: 0,
        risk: f32::NAN,
        expected_strokes: f32::NAN,
        advised_max_temperature: f32::NAN,
        stay_probability: f32::NAN,
        log_prob: f32::NAN,
        jump_posterior: f32::NAN,
        hot_die: 0,
        onset_warning: 0,
        galling_detected: 0,
        alarm_level: 0,
    };
}

/// THE adapter (adapted to the issue-8 monitor at merge): the core's report as the C-facing one.
pub fn from_report(report: &StrokeReport<f32>) -> GallingReport {
    let level = report.alarm.level;
    let (log_prob, jump_posterior) = report
        .transition
        .map_or((f32::NAN, f32::NAN), |t| (t.log_prob, t.jump_posterior));
    GallingReport {
        stroke: report.stroke,
        risk: report.risk.probability,
        expected_strokes: report.risk.expected_strokes,
        advised_max_temperature: f32::NAN,
        stay_probability: report.stay_probability,
        log_prob,
        jump_posterior,
        hot_die: 0,
        onset_warning: u8::from(level >= AlarmLevel::Warn),
        galling_detected: u8::from(level >= AlarmLevel::Stop),
        alarm_level: match level {
            AlarmLevel::Normal => 0,
            AlarmLevel::Warn => 1,
            AlarmLevel::Stop => 2,
        },
    }
}
