//! The C-facing stroke report and the one adapter to it from the core's
//! [`galling::monitor::StrokeReport`].
//!
//! This file is the only place (of the C API, of the press application, which includes it, and of
//! the golden generator, which includes it too) that reads the fields of a
//! [`galling::monitor::StrokeReport`]: a change of the core's report is absorbed here.

use galling::monitor::{Fault, StrokeReport, TemperatureRange};

/// What the monitor says about one accepted stroke, as C sees it (`GallingReport` in `galling.h`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GallingReport {
    /// The stroke counter of the stroke.
    pub stroke: u32,
    /// Probability that the COF crosses the galling threshold within the horizon, `[0, 1]` (1 when
    /// it already does, or on a fault).
    pub risk: f32,
    /// Log-odds of `risk` over the hot-die hazard (what the onset warning watches).
    pub excess: f32,
    /// Hot-die hazard: risk from a typical clean stroke at this temperature.
    pub hazard: f32,
    /// Expected strokes to galling from a typical clean stroke at this temperature.
    pub expected_strokes: f32,
    /// Highest die temperature (degC) the monitor advises.
    pub advised_max_temperature: f32,
    /// The temperature the model evaluated (the die temperature clamped into the trained range).
    pub model_temperature: f32,
    /// Log-likelihood of the transition from the previous stroke; NaN on the first stroke of a series.
    pub log_prob: f32,
    /// Posterior probability that the transition was a jump; NaN on the first stroke of a series.
    pub jump_posterior: f32,
    /// 1 while the hot-die status is on (the hazard exceeds the target, or the die is above the
    /// trained range), else 0.
    pub hot_die: u8,
    /// 1 while the galling-onset warning alarm stands, else 0: drive the warning output.
    pub onset_warning: u8,
    /// 1 while galling is detected, else 0.
    pub galling_detected: u8,
    /// 1 when the press must stop (galling detected, or a fault), else 0: drive the press-stop output.
    pub press_must_stop: u8,
    /// Die temperature relative to the trained range: 0 inside, 1 below, 2 above.
    pub temperature_range: u8,
    /// 0, or 1 when the stroke could not be evaluated (a non-finite risk; the alarms were kept).
    pub fault: u8,
}

impl GallingReport {
    /// A report of zeros and NaN (what an output argument may hold before the first update).
    pub const EMPTY: Self = Self {
        stroke: 0,
        risk: f32::NAN,
        excess: f32::NAN,
        hazard: f32::NAN,
        expected_strokes: f32::NAN,
        advised_max_temperature: f32::NAN,
        model_temperature: f32::NAN,
        log_prob: f32::NAN,
        jump_posterior: f32::NAN,
        hot_die: 0,
        onset_warning: 0,
        galling_detected: 0,
        press_must_stop: 0,
        temperature_range: 0,
        fault: 0,
    };
}

/// THE adapter: the core's report as the C-facing one.
pub fn from_report(report: &StrokeReport) -> GallingReport {
    let (log_prob, jump_posterior) = report
        .transition
        .map_or((f32::NAN, f32::NAN), |t| (t.log_prob, t.jump_posterior));
    GallingReport {
        stroke: report.stroke,
        risk: report.risk,
        excess: report.excess,
        hazard: report.hot_die.hazard.risk,
        expected_strokes: report.hot_die.hazard.expected_strokes,
        advised_max_temperature: report.hot_die.advice.temperature(),
        model_temperature: report.model_temperature,
        log_prob,
        jump_posterior,
        hot_die: u8::from(report.hot_die.active),
        onset_warning: u8::from(report.onset_warning.active),
        galling_detected: u8::from(report.galling.active),
        press_must_stop: u8::from(report.press_must_stop()),
        temperature_range: match report.temperature_range {
            TemperatureRange::Inside => 0,
            TemperatureRange::BelowTrained => 1,
            TemperatureRange::AboveTrained => 2,
        },
        fault: match report.fault {
            None => 0,
            Some(Fault::NonFiniteRisk) => 1,
            Some(_) => 255,
        },
    }
}
