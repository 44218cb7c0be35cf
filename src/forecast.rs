//! Galling risk forecast: how likely the COF is to cross a galling threshold within the next strokes.
//!
//! # What is forecast
//! From the current stroke's COF `mu_0` at one die temperature (one [`Landscape`]), the model's
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
//! # Two methods, one interface ([`RiskForecaster`])
//! - [`MonteCarloForecaster`]: `P` simulated trajectories ([`Landscape::step`]) in a fixed buffer, an
//!   exceeding trajectory is absorbed (no longer stepped). Every forecast restarts the same seeded
//!   generator (common random numbers), so the forecast is a deterministic function of temperature
//!   and COF: its Monte Carlo error is a fixed bias per input, not stroke-to-stroke jitter that would
//!   make alarms flicker. Cost per forecast: at most `P k` simulation steps.
//! - [`GridForecaster`]: a deterministic propagation of the COF distribution over `G` cells covering
//!   `[0.1, 1.3]`. Cells above the threshold are absorbing and need no storage; the transient cells
//!   below it are stretched slightly (width at most `1.2 / G`) so that the threshold falls on a cell
//!   edge. The transition probability from a cell (represented by its centre) to each cell is the
//!   mixture's two Gaussian components integrated over the cell with a normal CDF ([`normal_cdf`]);
//!   mass below 0.1 lands in the lowest cell, as the simulator clamps it. The survival probabilities
//!   and censored expectations of every cell are computed *backwards* for `k - 1` strokes once per
//!   landscape (that is, when the temperature changes) and cached (`2 G` numbers, no `G x G` matrix);
//!   a forecast then integrates one exact transition row from the actual COF against them. Cost: one
//!   transition row (`2 x` the cells below threshold CDF evaluations) per forecast, `k - 1` times that
//!   per transient cell when the temperature changes.
//!
//! How far the two agree and what each costs is measured by `tests/monitor.rs` and `benches/monitor.rs`
//! (figures in the README).

use crate::model::{Landscape, consts};
use crate::scalar::{Scalar, clamp};
use core::fmt;
use rand_core::{Rng, SeedableRng};

/// Longest horizon a forecast accepts, strokes (bounds the work of one forecast).
pub const MAX_HORIZON: u16 = 1024;
/// Horizon of the default configuration, strokes.
pub const DEFAULT_HORIZON: u16 = 10;
/// Number of trajectories of the default Monte Carlo forecaster.
pub const DEFAULT_TRAJECTORIES: usize = 32;
/// Number of cells (over `[0.1, 1.3]`) of the default grid forecaster.
pub const DEFAULT_GRID_CELLS: usize = 48;

#[inline(always)]
fn c<S: Scalar>(x: f64) -> S {
    S::from_f64(x)
}

/// Standard normal cumulative distribution function `Phi(x)`, for any [`Scalar`].
///
/// Abramowitz & Stegun 7.1.26 for `erfc` (absolute error below `7.5e-8` in `Phi`, under `f32`
/// resolution near 1): one exponential and one division, no branch but the sign. Total for every
/// finite input (the tails go to exactly 0 and 1); NaN gives NaN.
///
/// ```
/// use galling::normal_cdf;
/// assert!((normal_cdf(0.0_f32) - 0.5).abs() < 1e-7);
/// assert!((normal_cdf(1.959_964_f64) - 0.975).abs() < 1e-7);
/// assert_eq!(normal_cdf(-40.0_f32), 0.0);
/// ```
#[inline]
pub fn normal_cdf<S: Scalar>(x: S) -> S {
    const P: f64 = 0.327_591_1;
    const A1: f64 = 0.254_829_592;
    const A2: f64 = -0.284_496_736;
    const A3: f64 = 1.421_413_741;
    const A4: f64 = -1.453_152_027;
    const A5: f64 = 1.061_405_429;
    let z = x.abs() * c(core::f64::consts::FRAC_1_SQRT_2);
    let t = c::<S>(1.0) / (c::<S>(1.0) + c::<S>(P) * z);
    let poly =
        t * (c::<S>(A1) + t * (c::<S>(A2) + t * (c::<S>(A3) + t * (c::<S>(A4) + t * c(A5)))));
    // 0.5 erfc(|x| / sqrt 2) = Phi(-|x|)
    let lower = c::<S>(0.5) * poly * (-(z * z)).exp();
    if x < c(0.0) {
        lower
    } else {
        c::<S>(1.0) - lower
    }
}

/// Why a forecast or monitor configuration was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ConfigError {
    /// The galling threshold is not a finite COF strictly inside the model's range `(0.1, 1.3)`.
    ThresholdOutOfRange,
    /// The horizon is not in `1..=MAX_HORIZON` strokes.
    HorizonOutOfRange,
    /// The alarm levels are not finite probabilities with `0 <= clear < warn <= stop <= 1`.
    AlarmLevelsNotOrdered,
    /// The confirmation is not `1 <= k <= n <= 32` strokes.
    ConfirmationOutOfRange,
    /// The accepted COF bounds are not finite with `low < high`.
    CofBoundsInvalid,
    /// The accepted temperature bounds are not finite with `low < high`.
    TemperatureBoundsInvalid,
    /// The advice's temperature range is not finite with `low < high`.
    AdviceRangeInvalid,
    /// The advice's target risk is not a probability strictly between 0 and 1.
    TargetRiskOutOfRange,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ThresholdOutOfRange => {
                "galling threshold: must be a finite COF strictly between 0.1 and 1.3"
            }
            Self::HorizonOutOfRange => "forecast horizon: must be 1 to 1024 strokes",
            Self::AlarmLevelsNotOrdered => {
                "alarm levels: need finite 0 <= clear < warn <= stop <= 1"
            }
            Self::ConfirmationOutOfRange => {
                "alarm confirmation: need 1 <= k <= n <= 32 strokes (k of the last n)"
            }
            Self::CofBoundsInvalid => "accepted COF bounds: need finite low < high",
            Self::TemperatureBoundsInvalid => "accepted temperature bounds: need finite low < high",
            Self::AdviceRangeInvalid => "advice temperature range: need finite low < high",
            Self::TargetRiskOutOfRange => "advice target risk: must lie strictly between 0 and 1",
        })
    }
}

impl core::error::Error for ConfigError {}

/// What a forecast looks for: the galling threshold and the horizon. Validated on construction.
///
/// ```
/// use galling::{Model, V8Params, forecast::{ForecastSettings, ConfigError}};
/// let model = Model::new(&V8Params::PUBLISHED_FIT)?;
/// let settings = ForecastSettings::for_model(&model);          // midpoint between the wells, 10 strokes
/// assert_eq!(settings.threshold(), model.well_midpoint());
/// assert_eq!(ForecastSettings::new(1.5_f32, 10), Err(ConfigError::ThresholdOutOfRange));
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ForecastSettings<S = f32> {
    threshold: S,
    horizon: u16,
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

    /// The default: threshold at the midpoint between the model's wells, horizon [`DEFAULT_HORIZON`].
    /// Falls back to the middle of the COF range if the midpoint lies outside it.
    pub fn for_model(model: &crate::Model<S>) -> Self {
        let mid = model.well_midpoint();
        let threshold = if mid > c(consts::COF_MIN) && mid < c(consts::COF_MAX) {
            mid
        } else {
            c(0.5 * (consts::COF_MIN + consts::COF_MAX))
        };
        Self {
            threshold,
            horizon: DEFAULT_HORIZON,
        }
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

/// A galling risk forecast method: [`MonteCarloForecaster`] or [`GridForecaster`].
///
/// `forecast` takes `&mut self` so a method may cache work that depends only on the landscape (the
/// grid does); it never panics, never allocates and does bounded work.
pub trait RiskForecaster<S: Scalar> {
    /// Threshold and horizon of this forecaster.
    fn settings(&self) -> ForecastSettings<S>;

    /// Forecast from COF `cof` (finite) at the die temperature of `landscape`.
    fn forecast(&mut self, landscape: &Landscape<S>, cof: S) -> GallingRisk<S>;
}

/// Monte Carlo forecast with `P` trajectories in a fixed buffer (on the stack during a forecast).
///
/// ```
/// use galling::{Model, V8Params, forecast::{ForecastSettings, MonteCarloForecaster, RiskForecaster}};
/// let model = Model::new(&V8Params::PUBLISHED_FIT)?;
/// let mut mc = MonteCarloForecaster::<f32, 64>::new(ForecastSettings::for_model(&model), 7);
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

    fn forecast(&mut self, landscape: &Landscape<S>, cof: S) -> GallingRisk<S> {
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

/// The transient cells of a grid: `cells` cells of width `width` from 0.1 up to the threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Cells<S> {
    cells: usize,
    width: S,
    threshold: S,
}

impl<S: Scalar> Cells<S> {
    fn new(threshold: S, grid_cells: usize) -> Self {
        let full = c::<S>(consts::COF_MAX - consts::COF_MIN);
        let span = threshold - c(consts::COF_MIN);
        // The number of whole-grid cells (width 1.2 / G) needed to reach the threshold, rounded up;
        // the validated threshold makes the ratio lie in (0, G).
        let ratio = (span / full).to_f64() * grid_cells as f64;
        let mut cells = 1;
        while (cells as f64) < ratio && cells < grid_cells {
            cells += 1;
        }
        Self {
            cells,
            width: span / S::from_f32(cells as f32),
            threshold,
        }
    }

    /// Centre of cell `j`.
    fn centre(&self, j: usize) -> S {
        c::<S>(consts::COF_MIN) + (S::from_f32(j as f32) + c(0.5)) * self.width
    }

    /// `sum_j P(cell j | source) * (a_j, b_j)` over the transient cells, for the mixture of the
    /// landscape at `source`. `a` and `b` must have at least `self.cells` entries (extra ones are
    /// ignored). Mass below 0.1 counts for cell 0 (the simulator's clamp), mass above the threshold
    /// for no cell (absorbed).
    fn transition_dot(&self, land: &Landscape<S>, source: S, a: &[S], b: &[S]) -> (S, S) {
        let m = land.mixture(source);
        let (sa, sb) = self.component_dot(source + m.stay_drift, m.stay_spread, a, b);
        let (ja, jb) = self.component_dot(source + m.jump_drift, m.jump_spread, a, b);
        let pi = m.stay_probability;
        let jump = c::<S>(1.0) - pi;
        (pi * sa + jump * ja, pi * sb + jump * jb)
    }

    /// The same for one Gaussian component `N(mean, spread^2)`. The CDF is evaluated only at the cell
    /// edges within 8 spreads of the mean; beyond, it is 0 or 1 to f32 precision.
    fn component_dot(&self, mean: S, spread: S, a: &[S], b: &[S]) -> (S, S) {
        let inv = c::<S>(1.0) / (spread + c(consts::EPS));
        let step = self.width * inv;
        let far = c::<S>(8.0);
        // z of the upper edge of cell 0.
        let mut z = (c::<S>(consts::COF_MIN) + self.width - mean) * inv;
        let mut below = c::<S>(0.0); // CDF at the lower edge of the current cell (cell 0: clamp, -inf)
        let (mut dot_a, mut dot_b) = (c::<S>(0.0), c::<S>(0.0));
        for (j, (&va, &vb)) in a.iter().zip(b).take(self.cells).enumerate() {
            let upper = if j + 1 == self.cells {
                // The last transient cell ends exactly at the threshold.
                (self.threshold - mean) * inv
            } else {
                z
            };
            let cdf = if upper < -far {
                c(0.0)
            } else if upper > far {
                c(1.0)
            } else {
                normal_cdf(upper)
            };
            let p = cdf - below;
            if p > c(0.0) {
                dot_a = dot_a + p * va;
                dot_b = dot_b + p * vb;
            }
            below = cdf;
            if upper > far {
                // The rest of the component lies in this cell or below: nothing more to add.
                break;
            }
            z = z + step;
        }
        (dot_a, dot_b)
    }
}

/// Deterministic forecast over `G` cells covering `[0.1, 1.3]` (see the [module documentation](self)).
///
/// Holds `2 G` cached numbers and the landscape they belong to; recomputes them when a forecast comes
/// with another landscape (another temperature).
///
/// ```
/// use galling::{Model, V8Params, forecast::{ForecastSettings, GridForecaster, RiskForecaster}};
/// let model = Model::new(&V8Params::PUBLISHED_FIT)?;
/// let mut grid = GridForecaster::<f32, 48>::new(ForecastSettings::for_model(&model));
/// let risk = grid.forecast(&model.landscape(168.0), 0.2);
/// assert!(risk.probability > 0.0 && risk.probability < 1.0);
/// assert!(risk.expected_strokes >= 1.0 && risk.expected_strokes <= 11.0);
/// # Ok::<(), galling::ParamError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GridForecaster<S, const G: usize> {
    settings: ForecastSettings<S>,
    cells: Cells<S>,
    /// The landscape the cache belongs to (`None` before the first forecast).
    prepared: Option<Landscape<S>>,
    /// `P(no exceedance within k - 1 strokes | start at cell centre j)`.
    survival: [S; G],
    /// `E[min(tau, k)]` from cell centre `j` (horizon `k - 1`, censored at `k`).
    expected: [S; G],
}

impl<S: Scalar, const G: usize> GridForecaster<S, G> {
    const NONEMPTY: () = assert!(G > 0, "a grid forecast needs at least one cell");

    /// A grid forecaster for `settings`; the first forecast fills its cache.
    pub fn new(settings: ForecastSettings<S>) -> Self {
        let () = Self::NONEMPTY;
        Self {
            settings,
            cells: Cells::new(settings.threshold, G),
            prepared: None,
            survival: [c(1.0); G],
            expected: [c(1.0); G],
        }
    }

    /// Number of transient cells (below the threshold); the work of one forecast is proportional to it.
    pub fn transient_cells(&self) -> usize {
        self.cells.cells
    }

    /// Fills the cache for `landscape`: `k - 1` backward steps over the transient cells.
    fn prepare(&mut self, landscape: &Landscape<S>) {
        let mut survival = [c::<S>(1.0); G];
        let mut expected = [c::<S>(1.0); G];
        for _ in 1..self.settings.horizon {
            let mut next_survival = [c::<S>(1.0); G];
            let mut next_expected = [c::<S>(1.0); G];
            for (j, (s, e)) in next_survival
                .iter_mut()
                .zip(next_expected.iter_mut())
                .take(self.cells.cells)
                .enumerate()
            {
                let (ds, de) = self.cells.transition_dot(
                    landscape,
                    self.cells.centre(j),
                    &survival,
                    &expected,
                );
                *s = ds;
                *e = c::<S>(1.0) + de;
            }
            survival = next_survival;
            expected = next_expected;
        }
        self.survival = survival;
        self.expected = expected;
        self.prepared = Some(*landscape);
    }
}

impl<S: Scalar, const G: usize> RiskForecaster<S> for GridForecaster<S, G> {
    fn settings(&self) -> ForecastSettings<S> {
        self.settings
    }

    fn forecast(&mut self, landscape: &Landscape<S>, cof: S) -> GallingRisk<S> {
        if cof > self.settings.threshold {
            return GallingRisk::already_exceeded();
        }
        if self.prepared.as_ref() != Some(landscape) {
            self.prepare(landscape);
        }
        let (survival, expected) =
            self.cells
                .transition_dot(landscape, cof, &self.survival, &self.expected);
        GallingRisk::from_survival(survival, c::<S>(1.0) + expected, self.settings.horizon)
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
    fn cells_end_at_the_threshold_and_are_not_wider_than_the_grid() {
        for thr in [0.11_f64, 0.3, 0.501, 0.9, 1.29] {
            let cells = Cells::new(thr, 48);
            assert!(cells.cells >= 1 && cells.cells <= 48);
            assert!(cells.width <= 1.2 / 48.0 + 1e-12, "thr {thr}");
            assert!((0.1 + cells.width * cells.cells as f64 - thr).abs() < 1e-12);
        }
    }

    #[test]
    fn a_row_conserves_probability() {
        // With all values 1 the dot product is the mass that stays below the threshold; add the
        // absorbed mass computed independently and the total must be 1.
        let model = Model::new(&V8Params::PUBLISHED_FIT.map(f64::from)).unwrap();
        let land = model.landscape(167.5);
        let thr = model.well_midpoint();
        let cells = Cells::new(thr, 64);
        let ones = [1.0; 64];
        for source in [0.12, 0.2, 0.35, 0.49] {
            let (kept, _) = cells.transition_dot(&land, source, &ones, &ones);
            let m = land.mixture(source);
            let above = |mean: f64, s: f64| 1.0 - normal_cdf((thr - mean) / (s + consts::EPS));
            let absorbed = m.stay_probability * above(source + m.stay_drift, m.stay_spread)
                + (1.0 - m.stay_probability) * above(source + m.jump_drift, m.jump_spread);
            assert!((kept + absorbed - 1.0).abs() < 1e-6, "source {source}");
        }
    }

    #[test]
    fn horizon_one_is_the_one_step_exceedance_probability() {
        let model = Model::new(&V8Params::PUBLISHED_FIT.map(f64::from)).unwrap();
        let settings = ForecastSettings::new(model.well_midpoint(), 1).unwrap();
        let mut grid = GridForecaster::<f64, 32>::new(settings);
        let land = model.landscape(168.0);
        let mu = 0.3;
        let m = land.mixture(mu);
        let thr = settings.threshold();
        let above = |mean: f64, s: f64| 1.0 - normal_cdf((thr - mean) / (s + consts::EPS));
        let want = m.stay_probability * above(mu + m.stay_drift, m.stay_spread)
            + (1.0 - m.stay_probability) * above(mu + m.jump_drift, m.jump_spread);
        let risk = grid.forecast(&land, mu);
        assert!((risk.probability - want).abs() < 1e-9);
        assert!((risk.expected_strokes - (2.0 - want)).abs() < 1e-9);
    }

    #[test]
    fn above_the_threshold_is_certain() {
        let model = Model::new(&V8Params::PUBLISHED_FIT).unwrap();
        let settings = ForecastSettings::for_model(&model);
        let land = model.landscape(165.0);
        let want = GallingRisk {
            probability: 1.0,
            expected_strokes: 0.0,
        };
        assert_eq!(
            GridForecaster::<f32, 16>::new(settings).forecast(&land, 0.9),
            want
        );
        assert_eq!(
            MonteCarloForecaster::<f32, 8>::new(settings, 1).forecast(&land, 0.9),
            want
        );
    }

    #[test]
    fn grid_cache_follows_the_landscape() {
        let model = Model::new(&V8Params::PUBLISHED_FIT).unwrap();
        let settings = ForecastSettings::for_model(&model);
        let mut grid = GridForecaster::<f32, 48>::new(settings);
        let hot = grid.forecast(&model.landscape(170.0), 0.2);
        let cool = grid.forecast(&model.landscape(160.0), 0.2);
        let fresh = GridForecaster::<f32, 48>::new(settings).forecast(&model.landscape(170.0), 0.2);
        assert_eq!(grid.forecast(&model.landscape(170.0), 0.2), hot);
        assert_eq!(hot, fresh);
        assert!(hot.probability > cool.probability);
    }

    #[test]
    fn monte_carlo_and_grid_agree_on_the_host() {
        let model = Model::new(&V8Params::PUBLISHED_FIT.map(f64::from)).unwrap();
        let settings = ForecastSettings::for_model(&model);
        let mut mc = MonteCarloForecaster::<f64, 4096>::new(settings, 11);
        let mut grid = GridForecaster::<f64, 64>::new(settings);
        for t in [160.0, 166.0, 168.0, 170.0] {
            let land = model.landscape(t);
            for mu in [0.18, 0.25, 0.4] {
                let a = mc.forecast(&land, mu);
                let b = grid.forecast(&land, mu);
                assert!(
                    (a.probability - b.probability).abs() < 0.03,
                    "T={t} mu={mu}: {a:?} vs {b:?}"
                );
                assert!((a.expected_strokes - b.expected_strokes).abs() < 0.3);
            }
        }
    }
}
