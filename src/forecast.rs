//! Galling risk forecast: how likely the COF is to cross a galling threshold within the next strokes.
//!
//! # What is forecast
//! From the current stroke's COF `mu_0` at one die temperature (one [`Kernel`]), the model's
//! Markov chain gives future strokes `mu_1, mu_2, ...`. Let `tau` be the first stroke `n >= 1` with
//! `mu_n > threshold`. For a horizon of `k` strokes, a [`GallingRisk`] holds
//!
//! - `probability = P(tau <= k)`: the COF exceeds the threshold at least once within the next `k` strokes;
//! - `expected_strokes = E[min(tau, k + 1)] = sum_{n=0..=k} P(tau > n)`: the expected number of strokes
//!   until it does, *censored* at the horizon: a future that stays below the threshold for all `k`
//!   strokes counts as `k + 1`. It lies in `[1, k + 1]` and equals `k + 1` exactly when the probability
//!   is zero.
//!
//! When `mu_0` itself is above the threshold the COF has already crossed it: the probability is 1 and
//! the expected number of strokes 0.
//!
//! # Methods
//! The monitor's forecast is the exact discretisation of [`crate::risk`] (a host-built table plus one
//! exact transition row per stroke). This module keeps the independent check of it:
//! [`MonteCarloForecaster`], `P` simulated trajectories ([`Kernel::step`]) in a fixed buffer, an
//! exceeding trajectory absorbed (no longer stepped). Every forecast restarts the same seeded
//! generator (common random numbers), so it is a deterministic function of temperature and COF.
//! `tests/integration/risk_table.rs` compares the two.

use crate::consts;
use crate::kernel::Kernel;
use crate::scalar::{Scalar, clamp};
use core::fmt;
use rand_core::{Rng, SeedableRng};

pub use crate::normal::normal_cdf;
pub use crate::risk::{DEFAULT_GALLING_THRESHOLD, DEFAULT_HORIZON, MAX_HORIZON};

#[inline(always)]
fn c<S: Scalar>(x: f64) -> S {
    S::from_f64(x)
}

/// Why a forecast configuration was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ConfigError {
    /// The galling threshold is not a finite COF strictly inside the model's range `(0.1, 1.3)`.
    ThresholdOutOfRange,
    /// The horizon is not in `1..=MAX_HORIZON` strokes.
    HorizonOutOfRange,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ThresholdOutOfRange => {
                "galling threshold: must be a finite COF strictly between 0.1 and 1.3"
            }
            Self::HorizonOutOfRange => "forecast horizon: must be 1 to 100 strokes",
        })
    }
}

impl core::error::Error for ConfigError {}

/// What a forecast looks for: the galling threshold and the horizon. Validated on construction.
///
/// ```
/// use galling::forecast::{ForecastSettings, ConfigError};
/// let settings = ForecastSettings::<f32>::default();         // COF 0.50, 10 strokes
/// assert_eq!((settings.threshold(), settings.horizon()), (0.5, 10));
/// assert_eq!(ForecastSettings::new(1.5_f32, 10), Err(ConfigError::ThresholdOutOfRange));
/// assert_eq!(ForecastSettings::new(0.5_f32, 101), Err(ConfigError::HorizonOutOfRange));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ForecastSettings<S = f32> {
    threshold: S,
    horizon: u16,
}

impl<S: Scalar> Default for ForecastSettings<S> {
    /// The galling threshold [`DEFAULT_GALLING_THRESHOLD`] (0.50) and [`DEFAULT_HORIZON`] strokes.
    fn default() -> Self {
        Self {
            threshold: S::from_f32(DEFAULT_GALLING_THRESHOLD),
            horizon: DEFAULT_HORIZON,
        }
    }
}

impl<S: Scalar> ForecastSettings<S> {
    /// Settings with galling threshold `threshold` (a COF in `(0.1, 1.3)`) and horizon `horizon`
    /// strokes (`1..=MAX_HORIZON`).
    ///
    /// # Errors
    /// [`ConfigError::ThresholdOutOfRange`] or [`ConfigError::HorizonOutOfRange`].
    pub fn new(threshold: S, horizon: u16) -> Result<Self, ConfigError> {
        if !(threshold > c(consts::COF_MIN) && threshold < c(consts::COF_MAX)) {
            return Err(ConfigError::ThresholdOutOfRange);
        }
        if horizon == 0 || horizon > MAX_HORIZON {
            return Err(ConfigError::HorizonOutOfRange);
        }
        Ok(Self { threshold, horizon })
    }

    /// The galling threshold (COF).
    pub fn threshold(&self) -> S {
        self.threshold
    }

    /// The horizon, strokes.
    pub fn horizon(&self) -> u16 {
        self.horizon
    }
}

/// The forecast of one stroke (see the [module documentation](self) for the exact definitions).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct GallingRisk<S = f32> {
    /// Probability that the COF exceeds the threshold within the horizon, in `[0, 1]`.
    pub probability: S,
    /// Expected number of strokes until it does, censored at the horizon `k`: `E[min(tau, k + 1)]`,
    /// in `[1, k + 1]`; 0 when the current COF is already above the threshold.
    pub expected_strokes: S,
}

impl<S: Scalar> GallingRisk<S> {
    /// The forecast when the current COF is already above the threshold.
    fn already_exceeded() -> Self {
        Self {
            probability: c(1.0),
            expected_strokes: c(0.0),
        }
    }

    /// Builds the result from the survival probability at the horizon and the censored expectation,
    /// clamped to their ranges (the CDF approximation can leave a few ulps outside).
    fn from_survival(survival: S, expected: S, horizon: u16) -> Self {
        let k = S::from_f32(f32::from(horizon));
        Self {
            probability: clamp(c::<S>(1.0) - survival, c(0.0), c(1.0)),
            expected_strokes: clamp(expected, c(1.0), k + c(1.0)),
        }
    }
}

/// A galling risk forecast method (today [`MonteCarloForecaster`]).
///
/// `forecast` takes `&mut self` so a method may cache work that depends only on the landscape (the
/// grid does); it never panics, never allocates and does bounded work.
pub trait RiskForecaster<S: Scalar> {
    /// Threshold and horizon of this forecaster.
    fn settings(&self) -> ForecastSettings<S>;

    /// Forecast from COF `cof` (finite) at the die temperature of `landscape`.
    fn forecast<K: Kernel<S>>(&mut self, landscape: &K, cof: S) -> GallingRisk<S>;
}

/// Monte Carlo forecast with `P` trajectories in a fixed buffer (on the stack during a forecast).
///
/// ```
/// use galling::{Model, V8Params, forecast::{ForecastSettings, MonteCarloForecaster, RiskForecaster}};
/// let model = Model::new(&V8Params::PUBLISHED_FIT)?;
/// let mut mc = MonteCarloForecaster::<f32, 64>::new(ForecastSettings::default(), 7);
/// let hot = mc.forecast(&model.landscape(170.0), 0.2);
/// let cool = mc.forecast(&model.landscape(160.0), 0.2);
/// assert!(hot.probability > 0.4 && cool.probability < 0.05);
/// assert_eq!(mc.forecast(&model.landscape(170.0), 0.2), hot); // same seed every forecast
/// # Ok::<(), galling::ParamError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MonteCarloForecaster<S, const P: usize, R = crate::DefaultRng> {
    settings: ForecastSettings<S>,
    rng: R,
}

impl<S: Scalar, const P: usize> MonteCarloForecaster<S, P, crate::DefaultRng> {
    /// `P` trajectories drawn from [`DefaultRng`](crate::DefaultRng) seeded with `seed`.
    pub fn new(settings: ForecastSettings<S>, seed: u64) -> Self {
        Self::with_rng(settings, crate::DefaultRng::seed_from_u64(seed))
    }
}

impl<S: Scalar, const P: usize, R: Rng + Clone> MonteCarloForecaster<S, P, R> {
    const NONEMPTY: () = assert!(
        P > 0,
        "a Monte Carlo forecast needs at least one trajectory"
    );

    /// `P` trajectories drawn from (a fresh copy of) `rng` at every forecast.
    pub fn with_rng(settings: ForecastSettings<S>, rng: R) -> Self {
        let () = Self::NONEMPTY;
        Self { settings, rng }
    }
}

impl<S: Scalar, const P: usize, R: Rng + Clone> RiskForecaster<S>
    for MonteCarloForecaster<S, P, R>
{
    fn settings(&self) -> ForecastSettings<S> {
        self.settings
    }

    fn forecast<K: Kernel<S>>(&mut self, landscape: &K, cof: S) -> GallingRisk<S> {
        let threshold = self.settings.threshold;
        if cof > threshold {
            return GallingRisk::already_exceeded();
        }
        let mut rng = self.rng.clone();
        let mut ensemble = [cof; P];
        let mut live = P;
        let mut live_sum = 0usize; // sum over n = 1..=k of trajectories not yet absorbed
        for _ in 0..self.settings.horizon {
            for mu in ensemble.iter_mut() {
                // Absorbed trajectories stay above the threshold and are not stepped again.
                if *mu <= threshold {
                    *mu = landscape.step(*mu, &mut rng);
                    if *mu > threshold {
                        live -= 1;
                    }
                }
            }
            live_sum += live;
            if live == 0 {
                break;
            }
        }
        let inv_p = c::<S>(1.0) / S::from_f32(P as f32);
        let survival = S::from_f32(live as f32) * inv_p;
        let expected = c::<S>(1.0) + S::from_f32(live_sum as f32) * inv_p;
        GallingRisk::from_survival(survival, expected, self.settings.horizon)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Model, V8Params};

    fn erf_reference(x: f64) -> f64 {
        // Series for small |x|, enough terms for 1e-15 in [-6, 6] via continued summation.
        let mut sum = 0.0_f64;
        let mut term = x;
        let mut n = 0.0;
        while term.abs() > 1e-17 * sum.abs().max(1e-300) && n < 400.0 {
            sum += term / (2.0 * n + 1.0);
            n += 1.0;
            term *= -x * x / n;
        }
        sum * 2.0 / core::f64::consts::PI.sqrt()
    }

    #[test]
    fn normal_cdf_is_accurate_and_monotone() {
        let mut last = 0.0_f32;
        for i in -400..=400 {
            let x = f64::from(i) * 0.01;
            let want = 0.5 * (1.0 + erf_reference(x / core::f64::consts::SQRT_2));
            let got = normal_cdf(x);
            assert!((got - want).abs() < 1e-7, "x={x}: {got} vs {want}");
            let got32 = normal_cdf(x as f32);
            assert!((f64::from(got32) - want).abs() < 3e-7, "f32 x={x}");
            assert!(got32 >= last, "not monotone at {x}");
            last = got32;
        }
        assert_eq!(normal_cdf(f32::MAX), 1.0);
        assert_eq!(normal_cdf(-f32::MAX), 0.0);
    }

    #[test]
    fn settings_are_validated() {
        assert!(ForecastSettings::new(0.5_f32, 1).is_ok());
        assert_eq!(
            ForecastSettings::new(0.1_f32, 10),
            Err(ConfigError::ThresholdOutOfRange)
        );
        assert_eq!(
            ForecastSettings::new(f32::NAN, 10),
            Err(ConfigError::ThresholdOutOfRange)
        );
        assert_eq!(
            ForecastSettings::new(0.5_f32, 0),
            Err(ConfigError::HorizonOutOfRange)
        );
        assert_eq!(
            ForecastSettings::new(0.5_f32, MAX_HORIZON + 1),
            Err(ConfigError::HorizonOutOfRange)
        );
    }

    #[test]
    fn above_the_threshold_is_certain() {
        let model = Model::new(&V8Params::PUBLISHED_FIT).unwrap();
        let settings = ForecastSettings::default();
        let land = model.landscape(165.0);
        let want = GallingRisk {
            probability: 1.0,
            expected_strokes: 0.0,
        };
        assert_eq!(
            MonteCarloForecaster::<f32, 8>::new(settings, 1).forecast(&land, 0.9),
            want
        );
    }
}
