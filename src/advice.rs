//! Temperature advice: the highest die temperature at which the galling risk stays under a target,
//! for the current COF. That is the action a controller can take before galling starts.
//!
//! The risk comes from a [`GridForecaster`] (deterministic, so the advice is too). The search is a
//! bisection with a fixed number of steps ([`ADVICE_BISECTION_STEPS`]) between the ends of the
//! configured range: `2 + ADVICE_BISECTION_STEPS` grid forecasts, each at a new temperature (so each
//! recomputes the grid's cache). That is far more work than one monitor update; call it on demand
//! (e.g. when the monitor warns), not on every stroke.
//!
//! The bisection keeps a bracket `risk(low) <= target < risk(high)`. Under the published fit the risk
//! rises with temperature over the fitted range (160 to 170 C), and the answer is the crossing
//! temperature within `range / 2^steps`. Outside the fitted range the model extrapolates badly (below
//! 160 C the barrier grows as `exp(0.69 (160 - T))` and the drift throws the COF to the clamps; above
//! about 172 C the risk falls again), so configure the range inside the temperatures the model was
//! fitted on. If the risk is not monotone in the range, the answer is still a temperature whose risk is
//! at or under the target with a riskier one just above it.
//!
//! ```
//! use galling::{Model, V8Params, advice::{AdviceConfig, TemperatureAdvice, TemperatureAdvisor}};
//! use galling::forecast::ForecastSettings;
//! let model = Model::new(&V8Params::PUBLISHED_FIT)?;
//! let config = AdviceConfig::new(160.0, 170.0, 0.1)?;           // search 160..170 C, risk under 10%
//! let mut advisor = TemperatureAdvisor::<f32, 48>::new(config, ForecastSettings::for_model(&model));
//! match advisor.advise(&model, 0.2) {
//!     TemperatureAdvice::Highest { temperature, risk } => {
//!         assert!(temperature > 162.0 && temperature < 165.0 && risk <= 0.1);
//!     }
//!     other => panic!("unexpected {other:?}"),
//! }
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use crate::forecast::{ConfigError, ForecastSettings, GridForecaster, RiskForecaster};
use crate::model::Model;
use crate::scalar::Scalar;

/// Bisection steps of one advice: the answer is within `(high - low) / 2^10` of the exact crossing.
pub const ADVICE_BISECTION_STEPS: u32 = 10;

/// Where to search and for which risk, validated by [`AdviceConfig::new`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct AdviceConfig<S = f32> {
    low: S,
    high: S,
    target: S,
}

impl<S: Scalar> AdviceConfig<S> {
    /// Search die temperatures in `[low, high]` degC for a risk at most `target`.
    ///
    /// # Errors
    /// [`ConfigError::AdviceRangeInvalid`] unless `low < high` (finite);
    /// [`ConfigError::TargetRiskOutOfRange`] unless `0 < target < 1`.
    pub fn new(low: S, high: S, target: S) -> Result<Self, ConfigError> {
        if !(low.is_finite() && high.is_finite() && low < high) {
            return Err(ConfigError::AdviceRangeInvalid);
        }
        if !(target > S::from_f64(0.0) && target < S::from_f64(1.0)) {
            return Err(ConfigError::TargetRiskOutOfRange);
        }
        Ok(Self { low, high, target })
    }

    /// Lowest temperature searched, degC.
    pub fn low(&self) -> S {
        self.low
    }
    /// Highest temperature searched, degC.
    pub fn high(&self) -> S {
        self.high
    }
    /// Risk to stay under (at most).
    pub fn target(&self) -> S {
        self.target
    }
}

/// The answer of [`TemperatureAdvisor::advise`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum TemperatureAdvice<S = f32> {
    /// Even the top of the range keeps the risk at or under the target.
    WholeRange {
        /// The top of the range, degC.
        temperature: S,
        /// The risk there.
        risk: S,
    },
    /// The highest temperature found with risk at or under the target.
    Highest {
        /// Die temperature, degC.
        temperature: S,
        /// The risk there.
        risk: S,
    },
    /// No temperature in the range satisfies the target: even the bottom of the range is too risky.
    NoneInRange {
        /// The risk at the bottom of the range.
        lowest_risk: S,
    },
}

/// Searches the highest safe die temperature (see the [module documentation](self)). Owns its own
/// grid (its cache is overwritten by every advice).
#[derive(Debug, Clone, PartialEq)]
pub struct TemperatureAdvisor<S, const G: usize> {
    config: AdviceConfig<S>,
    grid: GridForecaster<S, G>,
}

impl<S: Scalar, const G: usize> TemperatureAdvisor<S, G> {
    /// An advisor for `config`, forecasting with `settings` (threshold and horizon).
    pub fn new(config: AdviceConfig<S>, settings: ForecastSettings<S>) -> Self {
        Self {
            config,
            grid: GridForecaster::new(settings),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &AdviceConfig<S> {
        &self.config
    }

    /// The highest temperature in the range at which the risk from COF `cof` stays at or under the
    /// target. `cof` should be a validated stroke COF (e.g. one the monitor accepted).
    pub fn advise(&mut self, model: &Model<S>, cof: S) -> TemperatureAdvice<S> {
        let cfg = self.config;
        let mut risk_at = |t: S| self.grid.forecast(&model.landscape(t), cof).probability;
        let top = risk_at(cfg.high);
        if top <= cfg.target {
            return TemperatureAdvice::WholeRange {
                temperature: cfg.high,
                risk: top,
            };
        }
        let bottom = risk_at(cfg.low);
        if bottom > cfg.target || !bottom.is_finite() {
            return TemperatureAdvice::NoneInRange {
                lowest_risk: bottom,
            };
        }
        let (mut safe, mut safe_risk, mut unsafe_t) = (cfg.low, bottom, cfg.high);
        for _ in 0..ADVICE_BISECTION_STEPS {
            let mid = (safe + unsafe_t) * S::from_f64(0.5);
            let r = risk_at(mid);
            if r <= cfg.target {
                safe = mid;
                safe_risk = r;
            } else {
                unsafe_t = mid;
            }
        }
        TemperatureAdvice::Highest {
            temperature: safe,
            risk: safe_risk,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::V8Params;

    fn advisor(low: f32, high: f32, target: f32) -> (Model<f32>, TemperatureAdvisor<f32, 48>) {
        let model = Model::new(&V8Params::PUBLISHED_FIT).unwrap();
        let cfg = AdviceConfig::new(low, high, target).unwrap();
        (
            model,
            TemperatureAdvisor::new(cfg, ForecastSettings::for_model(&model)),
        )
    }

    #[test]
    fn config_is_validated() {
        assert_eq!(
            AdviceConfig::new(170.0_f32, 160.0, 0.1),
            Err(ConfigError::AdviceRangeInvalid)
        );
        assert_eq!(
            AdviceConfig::new(f32::NAN, 160.0, 0.1),
            Err(ConfigError::AdviceRangeInvalid)
        );
        for target in [0.0_f32, 1.0, f32::NAN] {
            assert_eq!(
                AdviceConfig::new(150.0, 160.0, target),
                Err(ConfigError::TargetRiskOutOfRange)
            );
        }
    }

    #[test]
    fn advice_brackets_the_target() {
        let (model, mut adv) = advisor(160.0, 170.0, 0.2);
        let TemperatureAdvice::Highest { temperature, risk } = adv.advise(&model, 0.2) else {
            panic!("expected a temperature inside the range");
        };
        assert!(risk <= 0.2);
        let mut grid = GridForecaster::<f32, 48>::new(ForecastSettings::for_model(&model));
        let step = 10.0 / 1024.0;
        let above = grid.forecast(&model.landscape(temperature + 1.01 * step), 0.2);
        assert!(above.probability > 0.2, "{temperature}: {above:?}");
    }

    #[test]
    fn whole_range_and_none_in_range() {
        let (model, mut adv) = advisor(160.0, 162.0, 0.05);
        assert!(
            matches!(adv.advise(&model, 0.2), TemperatureAdvice::WholeRange { temperature, .. } if temperature == 162.0)
        );
        let (model, mut adv) = advisor(166.0, 170.0, 0.05);
        assert!(matches!(
            adv.advise(&model, 0.2),
            TemperatureAdvice::NoneInRange { .. }
        ));
    }
}
