//! The per-stroke galling monitor: what a press controller calls once per stroke.
//!
//! A [`Monitor`] runs a [`PackageView`] (the model, its [`TableView`](crate::risk::TableView) and
//! the [`SignalSettings`](crate::signals::SignalSettings), as the blob carries them). Feed [`Monitor::update`] the stroke counter, the die temperature (degC, as the
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
//! counter that is not the previous one plus one) is rejected with a [`UpdateError`] and leaves the
//! monitor exactly as it was. After a gap, call [`Monitor::restart_series`]. A non-finite risk or
//! hazard (which a validated package cannot produce) sets [`StrokeReport::fault`] and leaves the
//! alarms as they were; [`StrokeReport::press_must_stop`] is then true (fail safe). The hot path
//! never panics, never allocates and does bounded work (one transition row).
//!
//! # Configuration apart from state
//! The package (parameters, settings, table) is read-only configuration, checked once and read in
//! place from the blob ([`PackageView`]); what changes per stroke is a small `Copy`
//! [`MonitorState`] (at most 256 bytes: the previous stroke, the alarms and their history, and a
//! cache of the model at the last temperature). The per-stroke processing takes both, in the
//! manner of idsp's `process(&self, state, x)`: [`PackageView::update`] (or the pair
//! [`Monitor`], which holds a view and a state). A new blob is swapped in with
//! [`Monitor::swap_package`] (or [`MonitorState::adopt`]), which keeps the signal history where
//! the new settings allow it.
//!
//! ```
//! # #[cfg(feature = "std")] {
//! use galling::{Model, V8Params, blob::{self, PackageView}, monitor::{Monitor, Package, UpdateError},
//!               risk::{RiskTable, TableSpec}};
//! let params = V8Params::PUBLISHED_FIT;
//! let table = RiskTable::build(&Model::new(&params.map(f64::from))?, &TableSpec::new(160.0, 170.0));
//! let bytes = blob::encode(&Package::new(params, Default::default(), table)?); // the flashed blob
//! let mut monitor = Monitor::new(PackageView::new(&bytes)?);  // checked once, read in place
//! let first = monitor.update(0, 165.0, 0.21)?;
//! assert!(first.transition.is_none());                 // nothing to compare with yet
//! let report = monitor.update(1, 165.0, 0.22)?;
//! assert!(report.transition.is_some() && (0.0..=1.0).contains(&report.risk));
//! assert!(!report.onset_warning.active && !report.galling.active);
//! let galled = monitor.update(2, 165.0, 0.8)?;
//! assert!(galled.galling.active && galled.press_must_stop());
//! assert_eq!(monitor.update(5, 165.0, 0.8), Err(UpdateError::NotConsecutive { expected: 3, got: 5 }));
//! # }
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use crate::averager::StrokeStats;
pub use crate::blob::{Package, PackageError, PackageView};
use crate::family::{AnyKernel, AnyModel};
use crate::features::StrokeFeatures;
use crate::kernel::{Kernel, TransitionScore};
use crate::risk::{Hazard, TemperatureAdvice};
use crate::signals::{AlarmSignal, SignalState, excess};
use core::fmt;

/// Why a stroke was rejected (the monitor is unchanged).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum UpdateError {
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

impl fmt::Display for UpdateError {
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

impl core::error::Error for UpdateError {}

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

/// The model at one temperature, for one package (its [`PackageView::id`]).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Landscape {
    package: u32,
    temperature: f32,
    kernel: AnyKernel<f32>,
}

/// What the monitor remembers between strokes, apart from its package: the previous stroke (for
/// the transition and the stroke counter), the alarms and their history, and a cache of the
/// model at the last temperature. Small (at most 256 bytes, checked at compile time) and `Copy`:
/// keep it in RAM while the package stays in flash, save and restore it, or carry it over to a
/// new package ([`adopt`](Self::adopt)).
///
/// ```
/// use galling::monitor::MonitorState;
/// let state = MonitorState::new();
/// assert_eq!(state.expected_stroke(), None);
/// assert!(core::mem::size_of::<MonitorState>() <= 256);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MonitorState {
    last: Option<LastStroke>,
    signals: SignalState,
    cache: Option<Landscape>,
}

/// [`MonitorState`]'s size bound (issue 17: at most 256 bytes of RAM).
const _: () = assert!(core::mem::size_of::<MonitorState>() <= 256);

impl Default for MonitorState {
    fn default() -> Self {
        Self::new()
    }
}

impl MonitorState {
    /// A fresh state: no previous stroke, no alarm.
    pub const fn new() -> Self {
        Self {
            last: None,
            signals: SignalState::new(),
            cache: None,
        }
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

    /// The stroke number the monitor expects next (`None` at the start of a series).
    pub fn expected_stroke(&self) -> Option<u32> {
        self.last.map(|l| l.stroke.wrapping_add(1))
    }

    /// The alarms as they stand.
    pub fn alarms(&self) -> crate::signals::Alarms {
        self.signals.alarms()
    }

    /// Carries the state over to a new package `next` (a new blob swapped in):
    ///
    /// - the alarms, their history (the onset window's strokes, the off-delay counts) and the
    ///   stroke counter are kept: a swap never silences an alarm; the new settings apply from the
    ///   next stroke (a shorter onset window drops the older strokes then);
    /// - the previous stroke is kept when its COF lies within the new settings' accepted bounds
    ///   (the next transition is scored by the new model), otherwise the series restarts;
    /// - the model cache is dropped (it belongs to the old package).
    ///
    /// ```
    /// # #[cfg(feature = "std")] {
    /// use galling::{Model, V8Params, monitor::{Monitor, Package}, risk::{RiskTable, TableSpec}};
    /// use galling::signals::SignalSettings;
    /// let table = RiskTable::build(&Model::new(&V8Params::PUBLISHED_FIT.map(f64::from))?,
    ///                              &TableSpec::new(160.0, 170.0));
    /// let old = Package::new(V8Params::PUBLISHED_FIT, SignalSettings::default(), table)?;
    /// let new = old.with_settings(SignalSettings { cof_high: 0.7, ..SignalSettings::default() })?;
    /// let mut m = Monitor::new(old.view());
    /// m.update(0, 165.0, 0.8)?;                           // galling
    /// m.swap_package(new.view());
    /// assert!(m.state().alarms().galling.active);          // kept
    /// assert_eq!(m.state().expected_stroke(), None);       // 0.8 is outside the new bounds
    /// # }
    /// # Ok::<(), Box<dyn core::error::Error>>(())
    /// ```
    pub fn adopt(&mut self, next: &PackageView<'_>) {
        let s = next.settings();
        if let Some(last) = self.last
            && !(last.cof >= s.cof_low && last.cof <= s.cof_high)
        {
            self.last = None;
        }
        self.cache = None;
    }
}

/// The per-stroke monitor (see the [module documentation](self)): a checked package read in place
/// and the monitor's own state. Fixed size, no heap; [`PackageView::update`] is the same
/// processing for a caller that keeps the two apart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Monitor<'a> {
    package: PackageView<'a>,
    state: MonitorState,
}

impl<'a> Monitor<'a> {
    /// A monitor running `package`, with a fresh state.
    pub fn new(package: PackageView<'a>) -> Self {
        Self::from_parts(package, MonitorState::new())
    }

    /// A monitor running `package` from a saved `state` (of this package, or carried over with
    /// [`MonitorState::adopt`]).
    pub fn from_parts(package: PackageView<'a>, state: MonitorState) -> Self {
        Self { package, state }
    }

    /// The package and the state.
    pub fn into_parts(self) -> (PackageView<'a>, MonitorState) {
        (self.package, self.state)
    }

    /// Processes one stroke: `stroke` is the press's stroke counter (consecutive strokes differ by
    /// one, wrapping), `temperature` the die temperature in degC, `cof` the stroke's averaged COF.
    ///
    /// # Errors
    /// [`UpdateError`] for invalid input; the monitor is then unchanged.
    pub fn update(
        &mut self,
        stroke: u32,
        temperature: f32,
        cof: f32,
    ) -> Result<StrokeReport, UpdateError> {
        self.package
            .update_with_inputs(&mut self.state, stroke, temperature, cof, &[])
    }

    /// [`PackageView::update_with_inputs`] on this monitor's state.
    ///
    /// # Errors
    /// [`UpdateError`] for invalid input; the monitor is then unchanged.
    pub fn update_with_inputs(
        &mut self,
        stroke: u32,
        temperature: f32,
        cof: f32,
        inputs: &[f32],
    ) -> Result<StrokeReport, UpdateError> {
        self.package
            .update_with_inputs(&mut self.state, stroke, temperature, cof, inputs)
    }

    /// [`PackageView::update_with_features`] on this monitor's state.
    ///
    /// # Errors
    /// [`UpdateError`] for invalid input; the monitor is then unchanged.
    pub fn update_with_features(
        &mut self,
        stroke: u32,
        temperature: f32,
        features: &StrokeFeatures<f32>,
    ) -> Result<StrokeReport, UpdateError> {
        self.package
            .update_with_features(&mut self.state, stroke, temperature, features)
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
    ) -> Result<StrokeReport, UpdateError> {
        self.update(stroke, temperature, stats.mean)
    }

    /// Runs a new package from the next stroke on, keeping the state as
    /// [`MonitorState::adopt`] says.
    pub fn swap_package(&mut self, next: PackageView<'a>) {
        self.state.adopt(&next);
        self.package = next;
    }

    /// [`MonitorState::restart_series`].
    pub fn restart_series(&mut self) {
        self.state.restart_series();
    }

    /// [`MonitorState::reset_alarms`].
    pub fn reset_alarms(&mut self) {
        self.state.reset_alarms();
    }

    /// The model.
    pub fn model(&self) -> &AnyModel<f32> {
        self.package.model()
    }

    /// The package the monitor runs.
    pub fn package(&self) -> &PackageView<'a> {
        &self.package
    }

    /// The monitor's state.
    pub fn state(&self) -> &MonitorState {
        &self.state
    }

    /// The advised highest die temperature (fixed by the package).
    pub fn advice(&self) -> TemperatureAdvice {
        self.package.advice()
    }

    /// The stroke number the monitor expects next (`None` at the start of a series).
    pub fn expected_stroke(&self) -> Option<u32> {
        self.state.expected_stroke()
    }
}

impl PackageView<'_> {
    /// Checks one stroke against the settings and `state` without changing anything.
    fn check(
        &self,
        state: &MonitorState,
        stroke: u32,
        temperature: f32,
        cof: f32,
    ) -> Result<(), UpdateError> {
        if !cof.is_finite() {
            return Err(UpdateError::CofNotFinite);
        }
        if !temperature.is_finite() {
            return Err(UpdateError::TemperatureNotFinite);
        }
        let s = self.settings();
        if !(cof >= s.cof_low && cof <= s.cof_high) {
            return Err(UpdateError::CofOutOfBounds);
        }
        if !(temperature >= s.temperature_low && temperature <= s.temperature_high) {
            return Err(UpdateError::TemperatureOutOfBounds);
        }
        if let Some(last) = state.last {
            let expected = last.stroke.wrapping_add(1);
            if stroke != expected {
                return Err(UpdateError::NotConsecutive {
                    expected,
                    got: stroke,
                });
            }
        }
        Ok(())
    }

    /// Processes one stroke with `state` ([`Monitor::update`] for a caller that keeps the
    /// package and the state apart).
    ///
    /// ```
    /// # #[cfg(feature = "std")] {
    /// use galling::{Model, V8Params, monitor::{MonitorState, Package}, risk::{RiskTable, TableSpec}};
    /// let table = RiskTable::build(&Model::new(&V8Params::PUBLISHED_FIT.map(f64::from))?,
    ///                              &TableSpec::new(160.0, 170.0));
    /// let package = Package::new(V8Params::PUBLISHED_FIT, Default::default(), table)?;
    /// let (view, mut state) = (package.view(), MonitorState::new());
    /// view.update(&mut state, 0, 165.0, 0.2)?;
    /// assert_eq!(state.expected_stroke(), Some(1));
    /// # }
    /// # Ok::<(), Box<dyn core::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`UpdateError`] for invalid input; `state` is then unchanged.
    pub fn update(
        &self,
        state: &mut MonitorState,
        stroke: u32,
        temperature: f32,
        cof: f32,
    ) -> Result<StrokeReport, UpdateError> {
        self.update_with_inputs(state, stroke, temperature, cof, &[])
    }

    /// [`update`](Self::update) for a stroke with its features from the controller's extractor
    /// ([`StrokeFeatureExtractor`](crate::features::StrokeFeatureExtractor)): the COF is their
    /// window mean; a precursor variant standardises them with the package's scaling
    /// ([`PrecursorFeatures::inputs`](crate::features::PrecursorFeatures::inputs)) and takes the
    /// first stroke ahead with them; the other variants use the mean alone, as
    /// [`update`](Self::update).
    ///
    /// # Errors
    /// [`UpdateError`] for invalid input; `state` is then unchanged.
    pub fn update_with_features(
        &self,
        state: &mut MonitorState,
        stroke: u32,
        temperature: f32,
        features: &StrokeFeatures<f32>,
    ) -> Result<StrokeReport, UpdateError> {
        match self.features() {
            Some(p) => {
                let z = p.inputs(features);
                self.update_with_inputs(state, stroke, temperature, features.mean, &z)
            }
            None => self.update_with_inputs(state, stroke, temperature, features.mean, &[]),
        }
    }

    /// [`update`](Self::update) for a stroke with per-stroke kernel inputs `inputs` (the precursor
    /// kernel's standardised stroke features, in its feature order): the risk's first stroke ahead
    /// is taken with them ([`TableView::risk_at_stroke`](crate::risk::TableView::risk_at_stroke)),
    /// the later strokes at the clean baseline; everything else (hazard, excess, alarms) is as in
    /// [`update`](Self::update). An empty `inputs` is exactly [`update`](Self::update), and a
    /// kernel without per-stroke inputs ignores them. Inputs shorter than the kernel's feature
    /// count count the missing ones as 0 (the baseline); non-finite inputs give a non-finite
    /// risk, reported as a fault.
    ///
    /// ```
    /// # #[cfg(feature = "std")] {
    /// use galling::family::{AnyModel, ModelParams};
    /// use galling::features::{FeatureScaling, FeatureSettings, PrecursorFeatures};
    /// use galling::monitor::{Monitor, Package};
    /// use galling::risk::{RiskTable, TableSpec};
    /// use galling::V8Params;
    /// let p = ModelParams::precursor(V8Params::PUBLISHED_FIT, [1.0, 0.0]);
    /// let table = RiskTable::build(&AnyModel::new(&p.map(f64::from))?, &TableSpec::new(160.0, 170.0));
    /// let features = PrecursorFeatures { extractor: FeatureSettings::DEFAULT,
    ///     scaling: FeatureScaling { reference: [0.3, 0.1], scale: [0.05, 0.2] } };
    /// let package = Package::with_features(p, Default::default(), Some(features), table)?;
    /// let (mut a, mut b, mut c) = (Monitor::new(package.view()), Monitor::new(package.view()),
    ///                              Monitor::new(package.view()));
    /// let plain = a.update(0, 167.5, 0.2)?;
    /// assert_eq!(b.update_with_inputs(0, 167.5, 0.2, &[])?, plain);
    /// // A breakaway peak two spreads above the clean reference raises the risk.
    /// assert!(c.update_with_inputs(0, 167.5, 0.2, &[2.0, 0.0])?.risk > plain.risk);
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`UpdateError`] for invalid input; `state` is then unchanged.
    pub fn update_with_inputs(
        &self,
        state: &mut MonitorState,
        stroke: u32,
        temperature: f32,
        cof: f32,
        inputs: &[f32],
    ) -> Result<StrokeReport, UpdateError> {
        self.check(state, stroke, temperature, cof)?;
        let table = self.table();
        let settings = self.settings();
        let (low, high) = table.temperature_range();
        let temperature_range = if temperature < low {
            TemperatureRange::BelowTrained
        } else if temperature > high {
            TemperatureRange::AboveTrained
        } else {
            TemperatureRange::Inside
        };
        let model_temperature = table.clamp_temperature(temperature);
        let id = self.id();
        // The model at this temperature: the cached one when it is this package's at this
        // temperature (read in place, not copied), else built into the cache.
        if !matches!(&state.cache, Some(c) if c.package == id && c.temperature == model_temperature)
        {
            state.cache = None;
        }
        let land = &state
            .cache
            .get_or_insert_with(|| Landscape {
                package: id,
                temperature: model_temperature,
                kernel: self.model().landscape(model_temperature),
            })
            .kernel;
        let transition = state.last.map(|last| land.score(last.cof, cof - last.cof));
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
            advice: self.advice(),
        };
        let finite = risk.is_finite() && excess.is_finite() && hazard.expected_strokes.is_finite();
        let (alarms, fault) = if finite {
            let threshold = table.threshold();
            (state.signals.update(settings, excess, cof, threshold), None)
        } else {
            (state.signals.alarms(), Some(Fault::NonFiniteRisk))
        };
        state.last = Some(LastStroke { stroke, cof });
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
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::risk::{RiskTable, TableSpec};
    use crate::signals::Event;
    use crate::signals::SignalSettings;
    use crate::{Model, V8Params};

    fn package() -> Package {
        let params = V8Params::PUBLISHED_FIT;
        let table = RiskTable::build(
            &Model::new(&params.map(f64::from)).unwrap(),
            &TableSpec::new(160.0, 170.0),
        );
        Package::new(params, SignalSettings::default(), table).unwrap()
    }

    fn monitor() -> Monitor<'static> {
        Monitor::new(Box::leak(Box::new(package())).view())
    }

    #[test]
    fn invalid_strokes_are_rejected_without_change() {
        let mut m = monitor();
        m.update(7, 165.0, 0.2).unwrap();
        m.update(8, 165.0, 0.45).unwrap();
        let before = m;
        let cases = [
            (9, 165.0, f32::NAN, UpdateError::CofNotFinite),
            (9, f32::INFINITY, 0.2, UpdateError::TemperatureNotFinite),
            (9, 165.0, 2.5, UpdateError::CofOutOfBounds),
            (9, 165.0, -0.1, UpdateError::CofOutOfBounds),
            (9, 500.0, 0.2, UpdateError::TemperatureOutOfBounds),
            (
                8,
                165.0,
                0.9,
                UpdateError::NotConsecutive {
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
        let table = *m.package().table();
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
        let package = package().with_settings(settings).unwrap();
        let mut m = Monitor::new(package.view());
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
        for b in package.table_mut().entries_mut()[..4 * crate::risk::TABLE_TEMPERATURES]
            .chunks_exact_mut(4)
        {
            b.copy_from_slice(&f32::NAN.to_le_bytes());
        }
        let mut m = Monitor::new(package.view());
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

#[cfg(all(test, feature = "std"))]
mod state_tests {
    use super::*;
    use crate::risk::{RiskTable, TableSpec};
    use crate::signals::SignalSettings;
    use crate::{Model, V8Params};

    fn package(settings: SignalSettings) -> Package {
        let params = V8Params::PUBLISHED_FIT;
        let table = RiskTable::build(
            &Model::new(&params.map(f64::from)).unwrap(),
            &TableSpec::new(160.0, 170.0),
        );
        Package::new(params, settings, table).unwrap()
    }

    #[test]
    fn the_state_is_small_and_apart_from_the_package() {
        assert!(core::mem::size_of::<MonitorState>() <= 256);
        let p = package(SignalSettings::default());
        let blob = crate::blob::encode(&p);
        let view = PackageView::new(&blob).unwrap();
        // the same package, read from its blob or from the owned package, is one package
        assert_eq!(view.id(), p.view().id());
        let (mut a, mut b) = (MonitorState::new(), Monitor::new(p.view()));
        for (i, cof) in [0.2_f32, 0.25, 0.45, 0.8, 0.3].into_iter().enumerate() {
            let ra = view.update(&mut a, i as u32, 166.0, cof).unwrap();
            assert_eq!(Ok(ra), b.update(i as u32, 166.0, cof));
        }
        assert_eq!(&a, b.state());
    }

    #[test]
    fn a_swap_keeps_the_history_the_new_settings_allow() {
        let old = package(SignalSettings::default());
        let strict = SignalSettings {
            onset_raise: 0.5,
            onset_clear: 0.2,
            cof_high: 0.9,
            ..SignalSettings::default()
        };
        let new = package(strict);
        let mut m = Monitor::new(old.view());
        m.update(0, 166.0, 0.2).unwrap();
        let galled = m.update(1, 166.0, 0.85).unwrap();
        assert!(galled.galling.active);
        m.swap_package(new.view());
        // alarms and the stroke counter kept; the previous COF lies within the new bounds
        assert!(m.state().alarms().galling.active);
        assert_eq!(m.expected_stroke(), Some(2));
        let r = m.update(2, 166.0, 0.3).unwrap();
        assert!(r.transition.is_some());
        // the model cache was rebuilt for the new package: the report is the new package's
        let mut fresh = MonitorState::new();
        let v = new.view();
        v.update(&mut fresh, 1, 166.0, 0.85).unwrap();
        assert_eq!(v.update(&mut fresh, 2, 166.0, 0.3).unwrap().risk, r.risk);
        // a previous COF outside the new bounds restarts the series
        let narrow = package(SignalSettings {
            cof_high: 0.5,
            ..SignalSettings::default()
        });
        let mut m = Monitor::new(old.view());
        m.update(0, 166.0, 0.8).unwrap();
        m.swap_package(narrow.view());
        assert_eq!(m.expected_stroke(), None);
        assert!(m.state().alarms().galling.active);
    }
}
