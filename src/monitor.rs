//! The per-stroke galling monitor: what a press controller calls once per stroke.
//!
//! Feed [`Monitor::update`] the stroke counter, the die temperature (degC, as the model evaluates it)
//! and the stroke's averaged COF (e.g. from [`StrokeAverager`](crate::averager::StrokeAverager), see
//! [`Monitor::update_averaged`]). The monitor keeps the previous stroke and returns a [`StrokeReport`]:
//! what the model says of the observed transition (log-likelihood, jump posterior), the stay
//! probability at the current COF, the galling risk forecast ([`crate::forecast`]) and the alarm
//! ([`crate::alarm`]).
//!
//! The transition from the previous stroke to this one is scored at this stroke's temperature. The
//! [`Landscape`] of a temperature is cached and recomputed only when the temperature changes (pass a
//! temperature at the sensor's resolution, or filtered, so that the cache is hit).
//!
//! Invalid input (NaN or infinite values, a COF or temperature outside the configured bounds, a stroke
//! counter that is not the previous one plus one) is rejected with a [`StrokeError`] and leaves the
//! monitor exactly as it was. After a gap, call [`Monitor::restart_series`] to accept it: the next
//! stroke then starts a new series (no transition to score).
//!
//! The hot path never panics, never allocates and does bounded work.
//!
//! ```
//! use galling::{Model, V8Params, monitor::{MonitorBuilder, StrokeError}, alarm::AlarmLevel};
//! let model = Model::new(&V8Params::PUBLISHED_FIT)?;
//! let mut monitor = MonitorBuilder::new(model).build_grid::<48>()?;
//! let first = monitor.update(0, 165.0, 0.21)?;
//! assert!(first.transition.is_none());                       // nothing to compare with yet
//! let second = monitor.update(1, 165.0, 0.22)?;
//! let score = second.transition.unwrap();
//! assert_eq!(score.log_prob, model.landscape(165.0).log_prob(0.21, 0.22 - 0.21));
//! assert!((0.0..=1.0).contains(&second.risk.probability));
//! assert_eq!(second.alarm.level, AlarmLevel::Normal);
//! assert_eq!(monitor.update(5, 165.0, 0.22), Err(StrokeError::NotConsecutive { expected: 2, got: 5 }));
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use crate::alarm::{Alarm, AlarmConfig, AlarmStatus};
use crate::averager::StrokeStats;
use crate::forecast::{
    ConfigError, ForecastSettings, GallingRisk, GridForecaster, MonteCarloForecaster,
    RiskForecaster,
};
use crate::model::{Landscape, Model, TransitionScore};
use crate::scalar::Scalar;
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

/// Inclusive bounds on the inputs the monitor accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct InputBounds<S = f32> {
    /// Lowest accepted COF.
    pub cof_low: S,
    /// Highest accepted COF.
    pub cof_high: S,
    /// Lowest accepted die temperature, degC.
    pub temperature_low: S,
    /// Highest accepted die temperature, degC.
    pub temperature_high: S,
}

impl<S: Scalar> Default for InputBounds<S> {
    /// COF in `[0, 2]` (the stroke averager's clamp), temperature in `[-40, 400]` degC.
    fn default() -> Self {
        Self {
            cof_low: S::from_f64(0.0),
            cof_high: S::from_f64(2.0),
            temperature_low: S::from_f64(-40.0),
            temperature_high: S::from_f64(400.0),
        }
    }
}

impl<S: Scalar> InputBounds<S> {
    fn validate(&self) -> Result<(), ConfigError> {
        let ordered = |lo: S, hi: S| lo.is_finite() && hi.is_finite() && lo < hi;
        if !ordered(self.cof_low, self.cof_high) {
            return Err(ConfigError::CofBoundsInvalid);
        }
        if !ordered(self.temperature_low, self.temperature_high) {
            return Err(ConfigError::TemperatureBoundsInvalid);
        }
        Ok(())
    }
}

/// Collects a monitor's configuration; [`build_grid`](Self::build_grid) or
/// [`build_monte_carlo`](Self::build_monte_carlo) validates it once.
///
/// Defaults: threshold at the midpoint between the model's wells, horizon 10 strokes, the
/// [`AlarmConfig::default`] levels (warn 0.5, stop 0.9, clear 0.2, 3 of 5), [`InputBounds::default`].
///
/// ```
/// use galling::{Model, V8Params, RiskForecaster, monitor::MonitorBuilder, forecast::ConfigError};
/// let model = Model::new(&V8Params::PUBLISHED_FIT)?;
/// let built = MonitorBuilder::new(model).alarm_levels(0.6, 0.5, 0.2).build_grid::<48>();
/// assert_eq!(built.err(), Some(ConfigError::AlarmLevelsNotOrdered));
/// let monitor = MonitorBuilder::new(model).threshold(0.45).horizon(20).confirmation(2, 4)
///     .build_monte_carlo::<64>(1)?;
/// assert_eq!(monitor.forecaster().settings().horizon(), 20);
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MonitorBuilder<S = f32> {
    model: Model<S>,
    threshold: S,
    horizon: u16,
    warn: S,
    stop: S,
    clear: S,
    confirm: u8,
    window: u8,
    bounds: InputBounds<S>,
}

impl<S: Scalar> MonitorBuilder<S> {
    /// A builder with the defaults for `model`.
    pub fn new(model: Model<S>) -> Self {
        let forecast = ForecastSettings::for_model(&model);
        let alarm = AlarmConfig::<S>::default();
        let (confirm, window) = alarm.confirmation();
        Self {
            model,
            threshold: forecast.threshold(),
            horizon: forecast.horizon(),
            warn: alarm.warn(),
            stop: alarm.stop(),
            clear: alarm.clear(),
            confirm,
            window,
            bounds: InputBounds::default(),
        }
    }

    /// Galling threshold (COF in `(0.1, 1.3)`).
    pub fn threshold(mut self, threshold: S) -> Self {
        self.threshold = threshold;
        self
    }

    /// Forecast horizon, strokes (`1..=1024`).
    pub fn horizon(mut self, strokes: u16) -> Self {
        self.horizon = strokes;
        self
    }

    /// Risk levels: warn, stop, and the level below which an active alarm may clear.
    pub fn alarm_levels(mut self, warn: S, stop: S, clear: S) -> Self {
        self.warn = warn;
        self.stop = stop;
        self.clear = clear;
        self
    }

    /// Confirmation: an alarm level needs `k` of the last `n` strokes (`1 <= k <= n <= 32`).
    pub fn confirmation(mut self, k: u8, n: u8) -> Self {
        self.confirm = k;
        self.window = n;
        self
    }

    /// Accepted COF range (inclusive).
    pub fn cof_bounds(mut self, low: S, high: S) -> Self {
        self.bounds.cof_low = low;
        self.bounds.cof_high = high;
        self
    }

    /// Accepted die temperature range, degC (inclusive).
    pub fn temperature_bounds(mut self, low: S, high: S) -> Self {
        self.bounds.temperature_low = low;
        self.bounds.temperature_high = high;
        self
    }

    fn settings(&self) -> Result<(ForecastSettings<S>, AlarmConfig<S>), ConfigError> {
        let forecast = ForecastSettings::new(self.threshold, self.horizon)?;
        let alarm = AlarmConfig::new(self.warn, self.stop, self.clear, self.confirm, self.window)?;
        self.bounds.validate()?;
        Ok((forecast, alarm))
    }

    /// A monitor with any forecaster (e.g. a Monte Carlo one with another generator). The forecaster's
    /// own [`ForecastSettings`] apply; the builder's threshold and horizon are only validated.
    ///
    /// # Errors
    /// Any [`ConfigError`] of the settings.
    pub fn build_with<F: RiskForecaster<S>>(
        self,
        forecaster: F,
    ) -> Result<Monitor<S, F>, ConfigError> {
        let (_, alarm) = self.settings()?;
        Ok(Monitor::from_parts(
            self.model,
            self.bounds,
            alarm,
            forecaster,
        ))
    }

    /// A monitor forecasting on a grid of `G` cells ([`GridForecaster`]).
    ///
    /// # Errors
    /// Any [`ConfigError`] of the settings.
    pub fn build_grid<const G: usize>(
        self,
    ) -> Result<Monitor<S, GridForecaster<S, G>>, ConfigError> {
        let (forecast, alarm) = self.settings()?;
        Ok(Monitor::from_parts(
            self.model,
            self.bounds,
            alarm,
            GridForecaster::new(forecast),
        ))
    }

    /// A monitor forecasting with `P` Monte Carlo trajectories ([`MonteCarloForecaster`]) seeded
    /// with `seed`.
    ///
    /// # Errors
    /// Any [`ConfigError`] of the settings.
    pub fn build_monte_carlo<const P: usize>(
        self,
        seed: u64,
    ) -> Result<Monitor<S, MonteCarloForecaster<S, P>>, ConfigError> {
        let (forecast, alarm) = self.settings()?;
        Ok(Monitor::from_parts(
            self.model,
            self.bounds,
            alarm,
            MonteCarloForecaster::new(forecast, seed),
        ))
    }
}

impl MonitorBuilder<f32> {
    /// The [`DefaultMonitor`]: `f32`, 32 Monte Carlo trajectories seeded with [`DEFAULT_SEED`].
    ///
    /// ```
    /// use galling::{Model, V8Params, MonitorBuilder};
    /// let mut monitor = MonitorBuilder::new(Model::new(&V8Params::PUBLISHED_FIT)?).build_default()?;
    /// let report = monitor.update(0, 165.0, 0.2)?;
    /// assert!((0.0..=1.0).contains(&report.risk.probability));
    /// # Ok::<(), Box<dyn core::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// Any [`ConfigError`] of the settings.
    pub fn build_default(self) -> Result<DefaultMonitor, ConfigError> {
        self.build_monte_carlo::<{ crate::forecast::DEFAULT_TRAJECTORIES }>(DEFAULT_SEED)
    }
}

/// What the monitor says about one stroke.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct StrokeReport<S = f32> {
    /// The stroke counter.
    pub stroke: u32,
    /// Log-likelihood and jump posterior of the transition from the previous stroke, at this stroke's
    /// temperature; `None` for the first stroke of a series.
    pub transition: Option<TransitionScore<S>>,
    /// Probability that the next stroke stays in the current regime (`pi` at the current COF).
    pub stay_probability: S,
    /// Galling risk forecast from the current COF.
    pub risk: GallingRisk<S>,
    /// Alarm level and why.
    pub alarm: AlarmStatus,
}

/// The previous accepted stroke.
#[derive(Debug, Clone, Copy, PartialEq)]
struct LastStroke<S> {
    stroke: u32,
    cof: S,
}

/// The per-stroke galling monitor (see the [module documentation](self)). Fixed size, no heap.
#[derive(Debug, Clone, PartialEq)]
pub struct Monitor<S, F> {
    model: Model<S>,
    bounds: InputBounds<S>,
    /// Temperature of the cached landscape (`None` before the first stroke).
    temperature: Option<S>,
    landscape: Landscape<S>,
    last: Option<LastStroke<S>>,
    alarm: Alarm<S>,
    forecaster: F,
}

/// The default monitor of the firmware: `f32`, Monte Carlo forecast with
/// [`DEFAULT_TRAJECTORIES`](crate::forecast::DEFAULT_TRAJECTORIES) = 32 trajectories (built by
/// [`MonitorBuilder::build_default`]).
///
/// Chosen for its bounded worst case: at most `32 x 10` simulation steps per update whatever the
/// temperature does (about 50,000 to 80,000 Cortex-M4F instructions at 150 to 250 per step), within
/// the 100,000-instruction budget. Its risk has a Monte Carlo standard error of at most
/// `0.5 / sqrt(32) = 0.09`, which the k-of-n alarm confirmation absorbs. [`GridMonitor`] is
/// deterministic and much cheaper while the temperature is unchanged, but recomputes its cache
/// (`k - 1` transition rows per cell below the threshold) whenever the temperature changes.
pub type DefaultMonitor =
    Monitor<f32, MonteCarloForecaster<f32, { crate::forecast::DEFAULT_TRAJECTORIES }>>;

/// A monitor with the deterministic grid forecast of `G` cells (default 48).
pub type GridMonitor<const G: usize = { crate::forecast::DEFAULT_GRID_CELLS }> =
    Monitor<f32, GridForecaster<f32, G>>;

/// Seed of the [`DefaultMonitor`]'s Monte Carlo forecast.
pub const DEFAULT_SEED: u64 = 0x6A11_1246;

impl<S: Scalar, F: RiskForecaster<S>> Monitor<S, F> {
    fn from_parts(
        model: Model<S>,
        bounds: InputBounds<S>,
        alarm: AlarmConfig<S>,
        forecaster: F,
    ) -> Self {
        Self {
            model,
            bounds,
            temperature: None,
            landscape: model.landscape(bounds.temperature_low),
            last: None,
            alarm: Alarm::new(alarm),
            forecaster,
        }
    }

    /// Checks one stroke without changing anything.
    fn check(&self, stroke: u32, temperature: S, cof: S) -> Result<(), StrokeError> {
        if !cof.is_finite() {
            return Err(StrokeError::CofNotFinite);
        }
        if !temperature.is_finite() {
            return Err(StrokeError::TemperatureNotFinite);
        }
        let b = &self.bounds;
        if !(cof >= b.cof_low && cof <= b.cof_high) {
            return Err(StrokeError::CofOutOfBounds);
        }
        if !(temperature >= b.temperature_low && temperature <= b.temperature_high) {
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
        temperature: S,
        cof: S,
    ) -> Result<StrokeReport<S>, StrokeError> {
        self.check(stroke, temperature, cof)?;
        if self.temperature != Some(temperature) {
            self.landscape = self.model.landscape(temperature);
            self.temperature = Some(temperature);
        }
        let land = &self.landscape;
        let transition = self.last.map(|last| land.score(last.cof, cof - last.cof));
        let stay_probability = land.stay_probability(cof);
        let risk = self.forecaster.forecast(land, cof);
        let alarm = self.alarm.update(risk.probability);
        self.last = Some(LastStroke { stroke, cof });
        Ok(StrokeReport {
            stroke,
            transition,
            stay_probability,
            risk,
            alarm,
        })
    }

    /// [`update`](Self::update) with the mean of a stroke from the streaming averager.
    ///
    /// # Errors
    /// As [`update`](Self::update).
    pub fn update_averaged(
        &mut self,
        stroke: u32,
        temperature: S,
        stats: &StrokeStats<S>,
    ) -> Result<StrokeReport<S>, StrokeError> {
        self.update(stroke, temperature, stats.mean)
    }

    /// Forgets the previous stroke, so that the next accepted stroke starts a new series (after a
    /// gap in the stroke counter, a die change, a restart). The alarm history is kept.
    pub fn restart_series(&mut self) {
        self.last = None;
    }

    /// Resets the alarm to normal with an empty history (e.g. once the operator acknowledged it).
    pub fn reset_alarm(&mut self) {
        self.alarm.reset();
    }

    /// The model.
    pub fn model(&self) -> &Model<S> {
        &self.model
    }

    /// The forecaster.
    pub fn forecaster(&self) -> &F {
        &self.forecaster
    }

    /// The alarm state.
    pub fn alarm(&self) -> &Alarm<S> {
        &self.alarm
    }

    /// The stroke number the monitor expects next (`None` at the start of a series).
    pub fn expected_stroke(&self) -> Option<u32> {
        self.last.map(|l| l.stroke.wrapping_add(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::V8Params;
    use crate::alarm::AlarmLevel;

    fn monitor() -> GridMonitor {
        MonitorBuilder::new(Model::new(&V8Params::PUBLISHED_FIT).unwrap())
            .build_grid()
            .unwrap()
    }

    #[test]
    fn invalid_strokes_are_rejected_without_change() {
        let mut m = monitor();
        m.update(7, 165.0, 0.2).unwrap();
        let before = m.clone();
        let cases = [
            (8, 165.0, f32::NAN, StrokeError::CofNotFinite),
            (8, f32::INFINITY, 0.2, StrokeError::TemperatureNotFinite),
            (8, 165.0, 2.5, StrokeError::CofOutOfBounds),
            (8, 165.0, -0.1, StrokeError::CofOutOfBounds),
            (8, 500.0, 0.2, StrokeError::TemperatureOutOfBounds),
            (
                7,
                165.0,
                0.2,
                StrokeError::NotConsecutive {
                    expected: 8,
                    got: 7,
                },
            ),
            (
                9,
                165.0,
                0.2,
                StrokeError::NotConsecutive {
                    expected: 8,
                    got: 9,
                },
            ),
        ];
        for (stroke, t, cof, err) in cases {
            assert_eq!(m.update(stroke, t, cof), Err(err));
            assert_eq!(m, before);
        }
        m.restart_series();
        let r = m.update(9, 165.0, 0.2).unwrap();
        assert!(r.transition.is_none());
    }

    #[test]
    fn stroke_counter_wraps() {
        let mut m = monitor();
        m.update(u32::MAX, 160.0, 0.2).unwrap();
        assert!(m.update(0, 160.0, 0.2).unwrap().transition.is_some());
    }

    #[test]
    fn report_matches_the_landscape() {
        let mut m = monitor();
        let model = *m.model();
        m.update(0, 167.5, 0.21).unwrap();
        let r = m.update(1, 167.5, 0.56).unwrap();
        let land = model.landscape(167.5);
        assert_eq!(r.transition, Some(land.score(0.21, 0.56 - 0.21)));
        assert_eq!(r.stay_probability, land.stay_probability(0.56));
        assert_eq!(r.risk.probability, 1.0); // above the midpoint threshold
    }

    #[test]
    fn averaged_strokes_feed_the_mean() {
        let mut a = monitor();
        let mut b = monitor();
        let stats = StrokeStats {
            mean: 0.23_f32,
            std: 0.01,
            samples: 51,
        };
        assert_eq!(
            a.update_averaged(3, 166.0, &stats),
            b.update(3, 166.0, 0.23)
        );
    }

    #[test]
    fn hot_die_raises_the_alarm_after_confirmation() {
        let mut m = monitor();
        let mut levels = [AlarmLevel::Normal; 4];
        for (i, level) in levels.iter_mut().enumerate() {
            *level = m.update(i as u32, 172.0, 0.2).unwrap().alarm.level;
        }
        assert_eq!(levels[..2], [AlarmLevel::Normal, AlarmLevel::Normal]);
        assert!(levels[2] >= AlarmLevel::Warn);
    }
}
