//! The per-stroke galling monitor: what a press controller calls once per stroke.
//!
//! A [`Monitor`] runs a [`Package`] (the model, its [`RiskTable`] and the [`SignalSettings`], as the
//! blob carries them). Feed [`Monitor::update`] the stroke counter, the die temperature (degC, as the
//! model evaluates it) and the stroke's averaged COF (e.g. from
//! [`StrokeAverager`](crate::averager::StrokeAverager)). It returns a [`StrokeReport`] with the three
//! signals of [`crate::signals`]:
//!
//! - **hot die** (status): the hazard the temperature alone implies, the expected strokes to galling
//!   and the advised highest die temperature;
//! - **onset warning** (alarm): this stroke's risk is materially above that hazard;
//! - **galling detected** (alarm): the COF is above the galling threshold; recovered when it falls
//!   back;
//!
//! plus the stroke's risk, the model's score of the transition from the previous stroke, where the
//! temperature lies relative to the trained range, and a fault when anything on the way was not a
//! finite number.
//!
//! # Temperatures outside the trained range
//! The model is not extrapolated. Below the trained range (a die warming up) the stroke is evaluated
//! as at the lowest trained temperature: a clean stroke there is as safe as at that temperature, so a
//! cold die never raises an alarm. Above the range the stroke is evaluated at the highest trained
//! temperature, the report says [`TemperatureRange::AboveTrained`] and the hot-die status is on (the
//! die is hotter than any data the model has seen); galling detection does not depend on the model
//! and works everywhere.
//!
//! # The forecast from low COFs
//! A COF below the typical clean stroke's ([`Hazard::clean_cof`]) is forecast from that typical COF:
//! below its clean well the fitted potential rises steeply and the model would read a very low COF
//! (0.09, seen for dozens of clean strokes in the real data) as a precursor of a jump. The onset
//! warning is about the COF *leaving* the clean well upwards.
//!
//! # Invalid input and faults
//! Invalid input (NaN or infinite values, a COF or temperature outside the settings' bounds, a stroke
//! counter that is not the previous one plus one) is rejected with a [`StrokeError`] and leaves the
//! monitor exactly as it was. After a gap, call [`Monitor::restart_series`]. A non-finite risk or
//! hazard (which a validated package cannot produce) sets [`StrokeReport::fault`] and leaves the
//! alarms as they were; [`StrokeReport::press_must_stop`] is then true (fail safe). The hot path
//! never panics, never allocates and does bounded work (one transition row).
//!
//! ```
//! # #[cfg(feature = "std")] {
//! use galling::{Model, V8Params, monitor::{Monitor, Package, StrokeError}, risk::{RiskTable, TableSpec}};
//! let params = V8Params::PUBLISHED_FIT;
//! let table = RiskTable::build(&Model::new(&params.map(f64::from))?, &TableSpec::new(160.0, 170.0));
//! let mut monitor = Monitor::new(Package::new(params, Default::default(), table)?)?;
//! let first = monitor.update(0, 165.0, 0.21)?;
//! assert!(first.transition.is_none());                 // nothing to compare with yet
//! let report = monitor.update(1, 165.0, 0.22)?;
//! assert!(report.transition.is_some() && (0.0..=1.0).contains(&report.risk));
//! assert!(!report.onset_warning.active && !report.galling.active);
//! let galled = monitor.update(2, 165.0, 0.8)?;
//! assert!(galled.galling.active && galled.press_must_stop());
//! assert_eq!(monitor.update(5, 165.0, 0.8), Err(StrokeError::NotConsecutive { expected: 3, got: 5 }));
//! # }
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use crate::averager::StrokeStats;
use crate::family::{AnyKernel, AnyModel, ModelParams};
use crate::kernel::{Kernel, TransitionScore};
use crate::params::{OperatingBox, ParamError};
use crate::risk::{Hazard, RiskTable, TableError, TemperatureAdvice};
use crate::signals::{AlarmSignal, SettingsError, SignalSettings, SignalState, excess};
use core::fmt;

/// Why a stroke was rejected (the monitor is unchanged).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum StrokeError {
    /// The COF is NaN or infinite.
    CofNotFinite,
    /// The temperature is NaN or infinite.
    TemperatureNotFinite,
    /// The COF lies outside the configured bounds.
    CofOutOfBounds,
    /// The temperature lies outside the configured bounds.
    TemperatureOutOfBounds,
    /// The stroke counter is not the previous stroke's plus one (a missed or repeated stroke):
    /// the transition would not be between consecutive strokes. Call
    /// [`Monitor::restart_series`] to accept the gap.
    NotConsecutive {
        /// The stroke number that was expected.
        expected: u32,
        /// The stroke number that came.
        got: u32,
    },
}

impl fmt::Display for StrokeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CofNotFinite => f.write_str("stroke rejected: COF is not a finite number"),
            Self::TemperatureNotFinite => {
                f.write_str("stroke rejected: die temperature is not a finite number")
            }
            Self::CofOutOfBounds => {
                f.write_str("stroke rejected: COF outside the configured bounds")
            }
            Self::TemperatureOutOfBounds => {
                f.write_str("stroke rejected: die temperature outside the configured bounds")
            }
            Self::NotConsecutive { expected, got } => write!(
                f,
                "stroke rejected: stroke {got} does not follow stroke {} (expected {expected}); \
                 call restart_series to accept the gap",
                expected.wrapping_sub(1)
            ),
        }
    }
}

impl core::error::Error for StrokeError {}

/// Why a [`Package`] was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum PackageError {
    /// The parameters are not a valid model.
    Params(ParamError),
    /// The risk table is not valid.
    Table(TableError),
    /// A signal setting is not valid.
    Settings(SettingsError),
}

impl fmt::Display for PackageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Params(e) => write!(f, "{e}"),
            Self::Table(e) => write!(f, "{e}"),
            Self::Settings(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for PackageError {}

impl From<ParamError> for PackageError {
    fn from(e: ParamError) -> Self {
        Self::Params(e)
    }
}
impl From<TableError> for PackageError {
    fn from(e: TableError) -> Self {
        Self::Table(e)
    }
}
impl From<SettingsError> for PackageError {
    fn from(e: SettingsError) -> Self {
        Self::Settings(e)
    }
}

/// Everything the press runs, validated together: the model parameters, the signal settings and the
/// risk table (with the galling threshold, horizon and trained temperature range). This is what the
/// blob carries ([`crate::blob`]) and what the trainer validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    params: ModelParams<f32>,
    settings: SignalSettings,
    table: RiskTable,
}

impl Package {
    /// Validates and bundles the parts.
    ///
    /// # Errors
    /// [`PackageError`] naming the first invalid part.
    pub fn new(
        params: impl Into<ModelParams<f32>>,
        settings: SignalSettings,
        table: RiskTable,
    ) -> Result<Self, PackageError> {
        let params = params.into();
        table.validate()?;
        settings.validate(table.threshold())?;
        params.validate_within(&Self::operating_box(&settings, table.spec()))?;
        AnyModel::new(&params)?;
        Ok(Self {
            params,
            settings,
            table,
        })
    }

    /// Where the monitor evaluates the model: the trained temperature range (it clamps the die
    /// temperature into it) and the accepted COF bounds. The parameters must give finite values over
    /// all of it ([`ModelParams::validate_within`]).
    pub fn operating_box(settings: &SignalSettings, spec: &crate::risk::TableSpec) -> OperatingBox {
        OperatingBox {
            temperature_low: spec.temperature_low,
            temperature_high: spec.temperature_high,
            cof_low: settings.cof_low,
            cof_high: settings.cof_high,
        }
    }

    /// The model parameters.
    pub fn params(&self) -> &ModelParams<f32> {
        &self.params
    }

    /// The signal settings.
    pub fn settings(&self) -> &SignalSettings {
        &self.settings
    }

    /// The risk table.
    pub fn table(&self) -> &RiskTable {
        &self.table
    }

    /// A package to be overwritten by [`crate::blob::decode_into`]: placeholder parameters (the
    /// published fit), default settings and an unfilled table. Not valid: never run it.
    pub(crate) const fn unfilled() -> Self {
        Self {
            params: ModelParams::PUBLISHED_V8,
            settings: SignalSettings::DEFAULT,
            table: RiskTable::unfilled(crate::risk::TableSpec::new(160.0, 170.0)),
        }
    }

    /// The parts, mutable, for the blob decoder's in-place fill.
    pub(crate) fn parts_mut(
        &mut self,
    ) -> (&mut ModelParams<f32>, &mut SignalSettings, &mut RiskTable) {
        (&mut self.params, &mut self.settings, &mut self.table)
    }

    /// The same package with other settings (validated).
    ///
    /// # Errors
    /// [`PackageError::Settings`] when they are invalid.
    pub fn with_settings(&self, settings: SignalSettings) -> Result<Self, PackageError> {
        settings.validate(self.table.threshold())?;
        Ok(Self {
            settings,
            ..self.clone()
        })
    }
}

/// Where the die temperature lies relative to the temperatures the model was trained on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum TemperatureRange {
    /// Inside: the model is evaluated at the die temperature.
    Inside,
    /// Below: evaluated at the lowest trained temperature.
    BelowTrained,
    /// Above: evaluated at the highest trained temperature, flagged as extrapolation.
    AboveTrained,
}

/// The hot-die status of a stroke.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct HotDie {
    /// The status is on: the hazard exceeds the target, or the die is above the trained range.
    pub active: bool,
    /// The hazard at this temperature: risk from a typical clean stroke, expected strokes to galling.
    pub hazard: Hazard,
    /// The advised highest die temperature (the hazard at or below the settings' target).
    pub advice: TemperatureAdvice,
}

/// A stroke the monitor could not evaluate although its input was valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Fault {
    /// The risk or the hazard was not a finite number.
    NonFiniteRisk,
}

/// What the monitor says about one stroke.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct StrokeReport {
    /// The stroke counter.
    pub stroke: u32,
    /// The temperature the model evaluated (the die temperature clamped into the trained range).
    pub model_temperature: f32,
    /// Where the die temperature lies relative to the trained range.
    pub temperature_range: TemperatureRange,
    /// Log-likelihood and jump posterior of the transition from the previous stroke; `None` for the
    /// first stroke of a series.
    pub transition: Option<TransitionScore<f32>>,
    /// Probability that the COF exceeds the galling threshold within the horizon (1 when it already
    /// does).
    pub risk: f32,
    /// Log-odds of `risk` over the hot-die hazard (what the onset warning watches).
    pub excess: f32,
    /// The hot-die status.
    pub hot_die: HotDie,
    /// The onset warning.
    pub onset_warning: AlarmSignal,
    /// Galling detected (event `Cleared` = recovered).
    pub galling: AlarmSignal,
    /// Set when the stroke could not be evaluated (the alarms are then left as they were).
    pub fault: Option<Fault>,
}

impl StrokeReport {
    /// The press must stop: galling is detected, or the monitor could not evaluate the stroke.
    pub fn press_must_stop(&self) -> bool {
        self.galling.active || self.fault.is_some()
    }
}

/// The previous accepted stroke.
#[derive(Debug, Clone, Copy, PartialEq)]
struct LastStroke {
    stroke: u32,
    cof: f32,
}

/// The per-stroke galling monitor (see the [module documentation](self)). Fixed size, no heap.
#[derive(Debug, Clone, PartialEq)]
pub struct Monitor {
    model: AnyModel<f32>,
    package: Package,
    advice: TemperatureAdvice,
    /// Model temperature of the cached landscape (`None` before the first stroke).
    temperature: Option<f32>,
    landscape: AnyKernel<f32>,
    last: Option<LastStroke>,
    signals: SignalState,
}

impl Monitor {
    /// A monitor running `package`.
    ///
    /// # Errors
    /// [`PackageError`] if the package's model cannot be built (a validated package always can).
    pub fn new(package: Package) -> Result<Self, PackageError> {
        let model = AnyModel::new(&package.params)?;
        let (low, _) = package.table.temperature_range();
        Ok(Self {
            model,
            advice: package
                .table
                .advised_temperature(package.settings.hot_die_target),
            landscape: model.landscape(low),
            package,
            temperature: None,
            last: None,
            signals: SignalState::new(),
        })
    }

    /// Checks one stroke without changing anything.
    fn check(&self, stroke: u32, temperature: f32, cof: f32) -> Result<(), StrokeError> {
        if !cof.is_finite() {
            return Err(StrokeError::CofNotFinite);
        }
        if !temperature.is_finite() {
            return Err(StrokeError::TemperatureNotFinite);
        }
        let s = &self.package.settings;
        if !(cof >= s.cof_low && cof <= s.cof_high) {
            return Err(StrokeError::CofOutOfBounds);
        }
        if !(temperature >= s.temperature_low && temperature <= s.temperature_high) {
            return Err(StrokeError::TemperatureOutOfBounds);
        }
        if let Some(last) = self.last {
            let expected = last.stroke.wrapping_add(1);
            if stroke != expected {
                return Err(StrokeError::NotConsecutive {
                    expected,
                    got: stroke,
                });
            }
        }
        Ok(())
    }

    /// Processes one stroke: `stroke` is the press's stroke counter (consecutive strokes differ by one,
    /// wrapping), `temperature` the die temperature in degC, `cof` the stroke's averaged COF.
    ///
    /// # Errors
    /// [`StrokeError`] for invalid input; the monitor is then unchanged.
    pub fn update(
        &mut self,
        stroke: u32,
        temperature: f32,
        cof: f32,
    ) -> Result<StrokeReport, StrokeError> {
        self.update_with_inputs(stroke, temperature, cof, &[])
    }

    /// [`update`](Self::update) for a stroke with per-stroke kernel inputs `inputs` (the precursor
    /// kernel's standardised stroke features, in its feature order): the risk's first stroke ahead
    /// is taken with them ([`RiskTable::risk_at_stroke`]), the later strokes at the clean
    /// baseline; everything else (hazard, excess, alarms) is as in [`update`](Self::update). An
    /// empty `inputs` is exactly [`update`](Self::update), and a kernel without per-stroke inputs
    /// ignores them. Inputs shorter than the kernel's feature count count the missing ones as 0
    /// (the baseline); non-finite inputs give a non-finite risk, reported as a fault.
    ///
    /// ```
    /// # #[cfg(feature = "std")] {
    /// use galling::family::{AnyModel, ModelParams};
    /// use galling::monitor::{Monitor, Package};
    /// use galling::risk::{RiskTable, TableSpec};
    /// use galling::signals::SignalSettings;
    /// use galling::V8Params;
    /// let p = ModelParams::precursor(V8Params::PUBLISHED_FIT, [1.0, 0.0]);
    /// let table = RiskTable::build(&AnyModel::new(&p.map(f64::from))?, &TableSpec::new(160.0, 170.0));
    /// let package = Package::new(p, SignalSettings::default(), table)?;
    /// let mut monitors = [(); 3].map(|_| Monitor::new(package.clone()));
    /// let [a, b, c] = &mut monitors;
    /// let (a, b, c) = (a.as_mut().unwrap(), b.as_mut().unwrap(), c.as_mut().unwrap());
    /// let plain = a.update(0, 167.5, 0.2)?;
    /// assert_eq!(b.update_with_inputs(0, 167.5, 0.2, &[])?, plain);
    /// // A breakaway peak two spreads above the clean reference raises the risk.
    /// assert!(c.update_with_inputs(0, 167.5, 0.2, &[2.0, 0.0])?.risk > plain.risk);
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`StrokeError`] for invalid input; the monitor is then unchanged.
    pub fn update_with_inputs(
        &mut self,
        stroke: u32,
        temperature: f32,
        cof: f32,
        inputs: &[f32],
    ) -> Result<StrokeReport, StrokeError> {
        self.check(stroke, temperature, cof)?;
        let table = &self.package.table;
        let settings = &self.package.settings;
        let (low, high) = table.temperature_range();
        let temperature_range = if temperature < low {
            TemperatureRange::BelowTrained
        } else if temperature > high {
            TemperatureRange::AboveTrained
        } else {
            TemperatureRange::Inside
        };
        let model_temperature = table.clamp_temperature(temperature);
        if self.temperature != Some(model_temperature) {
            self.landscape = self.model.landscape(model_temperature);
            self.temperature = Some(model_temperature);
        }
        let land = &self.landscape;
        let transition = self.last.map(|last| land.score(last.cof, cof - last.cof));
        let hazard = table.hazard(model_temperature);
        let start = if cof < hazard.clean_cof {
            hazard.clean_cof
        } else {
            cof
        };
        let risk = if inputs.is_empty() {
            table.risk(land, model_temperature, start)
        } else {
            table.risk_at_stroke(land, inputs, model_temperature, start)
        };
        let excess = excess(risk, hazard.risk);
        let hot_die = HotDie {
            active: hazard.risk > settings.hot_die_target
                || temperature_range == TemperatureRange::AboveTrained,
            hazard,
            advice: self.advice,
        };
        let finite = risk.is_finite() && excess.is_finite() && hazard.expected_strokes.is_finite();
        let (alarms, fault) = if finite {
            let threshold = table.threshold();
            (self.signals.update(settings, excess, cof, threshold), None)
        } else {
            (self.signals.alarms(), Some(Fault::NonFiniteRisk))
        };
        self.last = Some(LastStroke { stroke, cof });
        Ok(StrokeReport {
            stroke,
            model_temperature,
            temperature_range,
            transition,
            risk: if finite { risk } else { 1.0 },
            excess: if finite { excess } else { f32::INFINITY },
            hot_die,
            onset_warning: alarms.onset_warning,
            galling: alarms.galling,
            fault,
        })
    }

    /// [`update`](Self::update) with the mean of a stroke from the streaming averager.
    ///
    /// # Errors
    /// As [`update`](Self::update).
    pub fn update_averaged(
        &mut self,
        stroke: u32,
        temperature: f32,
        stats: &StrokeStats<f32>,
    ) -> Result<StrokeReport, StrokeError> {
        self.update(stroke, temperature, stats.mean)
    }

    /// Forgets the previous stroke, so that the next accepted stroke starts a new series (after a
    /// gap in the stroke counter, a die change, a restart). The alarms are kept.
    pub fn restart_series(&mut self) {
        self.last = None;
    }

    /// Clears both alarms and their history (e.g. after a die change, once the operator confirmed
    /// the die is clean).
    pub fn reset_alarms(&mut self) {
        self.signals = SignalState::new();
    }

    /// The model.
    pub fn model(&self) -> &AnyModel<f32> {
        &self.model
    }

    /// The package the monitor runs.
    pub fn package(&self) -> &Package {
        &self.package
    }

    /// The advised highest die temperature (fixed by the package).
    pub fn advice(&self) -> TemperatureAdvice {
        self.advice
    }

    /// The stroke number the monitor expects next (`None` at the start of a series).
    pub fn expected_stroke(&self) -> Option<u32> {
        self.last.map(|l| l.stroke.wrapping_add(1))
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::risk::TableSpec;
    use crate::signals::Event;
    use crate::{Model, V8Params};

    fn package() -> Package {
        let params = V8Params::PUBLISHED_FIT;
        let table = RiskTable::build(
            &Model::new(&params.map(f64::from)).unwrap(),
            &TableSpec::new(160.0, 170.0),
        );
        Package::new(params, SignalSettings::default(), table).unwrap()
    }

    fn monitor() -> Monitor {
        Monitor::new(package()).unwrap()
    }

    #[test]
    fn invalid_strokes_are_rejected_without_change() {
        let mut m = monitor();
        m.update(7, 165.0, 0.2).unwrap();
        m.update(8, 165.0, 0.45).unwrap();
        let before = m.clone();
        let cases = [
            (9, 165.0, f32::NAN, StrokeError::CofNotFinite),
            (9, f32::INFINITY, 0.2, StrokeError::TemperatureNotFinite),
            (9, 165.0, 2.5, StrokeError::CofOutOfBounds),
            (9, 165.0, -0.1, StrokeError::CofOutOfBounds),
            (9, 500.0, 0.2, StrokeError::TemperatureOutOfBounds),
            (
                8,
                165.0,
                0.9,
                StrokeError::NotConsecutive {
                    expected: 9,
                    got: 8,
                },
            ),
        ];
        for (stroke, t, cof, err) in cases {
            assert_eq!(m.update(stroke, t, cof), Err(err));
            assert_eq!(m, before);
        }
        m.restart_series();
        let r = m.update(12, 165.0, 0.2).unwrap();
        assert!(r.transition.is_none());
    }

    #[test]
    fn stroke_counter_wraps() {
        let mut m = monitor();
        m.update(u32::MAX, 160.0, 0.2).unwrap();
        assert!(m.update(0, 160.0, 0.2).unwrap().transition.is_some());
    }

    #[test]
    fn report_matches_the_model_and_the_table() {
        let mut m = monitor();
        let model = *m.model();
        m.update(0, 167.5, 0.21).unwrap();
        let r = m.update(1, 167.5, 0.45).unwrap();
        let land = model.landscape(167.5);
        assert_eq!(r.transition, Some(land.score(0.21, 0.45 - 0.21)));
        let table = m.package().table();
        assert_eq!(r.risk, table.risk(&land, 167.5, 0.45));
        assert_eq!(r.hot_die.hazard, table.hazard(167.5));
        assert_eq!(r.excess, excess(r.risk, r.hot_die.hazard.risk));
        assert_eq!(r.temperature_range, TemperatureRange::Inside);
        assert_eq!(r.fault, None);
    }

    #[test]
    fn a_cold_die_never_alarms_on_a_clean_stroke() {
        let mut m = monitor();
        for (i, t) in [25.0_f32, 100.0, 150.0, 155.0, 159.9].iter().enumerate() {
            for (k, cof) in [0.1_f32, 0.15, 0.2, 0.25, 0.3, 0.34].iter().enumerate() {
                m.restart_series();
                let r = m.update((i * 10 + k) as u32, *t, *cof).unwrap();
                assert_eq!(r.temperature_range, TemperatureRange::BelowTrained);
                assert_eq!(r.model_temperature, 160.0);
                assert!(!r.onset_warning.active && !r.galling.active, "{t} C {cof}");
                assert!(!r.hot_die.active && !r.press_must_stop());
            }
        }
    }

    #[test]
    fn above_the_range_is_flagged_hot_and_evaluated_at_the_top() {
        let mut m = monitor();
        let r = m.update(0, 185.0, 0.2).unwrap();
        assert_eq!(r.temperature_range, TemperatureRange::AboveTrained);
        assert_eq!(r.model_temperature, 170.0);
        assert!(r.hot_die.active);
    }

    #[test]
    fn three_signals_on_a_hand_made_sequence() {
        // 165 C: clean, the COF leaves the clean well, galls, detaches and settles.
        let settings = SignalSettings {
            onset_raise: 1.2,
            onset_clear: 0.6,
            ..SignalSettings::default()
        };
        let mut m = Monitor::new(package().with_settings(settings).unwrap()).unwrap();
        let cofs = [
            0.2_f32, 0.21, 0.2, 0.42, 0.46, 0.8, 0.9, 0.3, 0.2, 0.2, 0.2, 0.2, 0.2,
        ];
        let reports: Vec<StrokeReport> = cofs
            .iter()
            .enumerate()
            .map(|(i, &c)| m.update(i as u32, 165.0, c).unwrap())
            .collect();
        assert!(
            reports[..3]
                .iter()
                .all(|r| !r.onset_warning.active && !r.galling.active)
        );
        assert_eq!(
            reports[3].onset_warning.event,
            Event::Raised,
            "{:?}",
            reports[3]
        );
        assert_eq!(reports[5].galling.event, Event::Raised);
        assert_eq!(reports[5].onset_warning.event, Event::Cleared);
        assert!(reports[5].press_must_stop());
        assert_eq!(reports[8].galling.event, Event::Cleared); // recovered after 2 strokes < 0.45
        assert!(reports[12].galling.event == Event::None && !reports[12].galling.active);
        assert!(!reports[12].onset_warning.active);
        // The hot-die status is the same for every stroke at one temperature.
        assert!(reports.iter().all(|r| r.hot_die == reports[0].hot_die));
    }

    #[test]
    fn a_non_finite_risk_is_a_fault_that_stops_the_press_and_leaves_the_alarms() {
        // A validated package cannot produce one; build the impossible state inside the crate.
        let mut package = package();
        let (_, _, table) = package.parts_mut();
        let (_, hazard, _, _, _) = table.parts_mut();
        hazard.fill(f32::NAN);
        let mut m = Monitor::new(package).unwrap();
        let r = m.update(0, 165.0, 0.2).unwrap();
        assert_eq!(r.fault, Some(Fault::NonFiniteRisk));
        assert!(r.press_must_stop());
        assert_eq!(r.risk, 1.0, "never read as no risk");
        assert!(!r.onset_warning.active && !r.galling.active);
    }

    #[test]
    fn low_cof_is_forecast_from_the_typical_clean_stroke() {
        let mut m = monitor();
        let r = m.update(0, 160.0, 0.1).unwrap();
        assert!(r.excess.abs() < 0.5, "{r:?}");
    }
}
