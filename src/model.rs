//! The V8 double-well model, written once for every number type.
//!
//! [`Model`] holds validated parameters with positivity applied; [`Model::landscape`] evaluates
//! everything that depends only on the die temperature (barrier, tilt, noise, Gaussian normalisers)
//! once, so the per-stroke quantities ([`Landscape::mixture`], [`Landscape::log_prob`],
//! [`Landscape::jump_posterior`], [`Landscape::step`](crate::Landscape::step)) only do the COF-dependent work.
//! The formulas and their order are those of `shared/docs/MODEL.md`.

use crate::kernel::{Kernel, Mixture, Normaliser, TransitionScore, combine};
use crate::params::{ParamError, V8Params};
use crate::scalar::{Scalar, clamp, max};

use crate::consts::{COF_MAX, COF_MIN, EPS, EXP_LIMIT, T_REF};

/// Time step of the stay drift (MODEL.md, "Constants").
pub const DT: f64 = 1.0;
/// Lower clamp of the stay probability.
pub const STAY_MIN: f64 = 0.01;
/// Upper clamp of the stay probability.
pub const STAY_MAX: f64 = 0.99;

#[inline(always)]
fn c<S: Scalar>(x: f64) -> S {
    S::from_f64(x)
}

/// `exp(clamp(x, -20, 20))`, the model's guarded exponential.
#[inline(always)]
fn exp_clamped<S: Scalar>(x: S) -> S {
    clamp(x, c(-EXP_LIMIT), c(EXP_LIMIT)).exp()
}

/// Validated V8 parameters with positivity applied, ready to evaluate.
///
/// ```
/// use galling::{Model, V8Params};
/// let model = Model::new(&V8Params::PUBLISHED_FIT)?;
/// let at_170 = model.landscape(170.0);
/// // At 170 C the barrier has collapsed: a clean die is likely to leave its well.
/// assert!(at_170.mixture(0.2).stay_probability < model.landscape(160.0).mixture(0.2).stay_probability);
/// # Ok::<(), galling::ParamError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Model<S = f32> {
    raw: V8Params<S>,
    mu_l: S,
    mu_h: S,
    mu_mid: S,
    /// `L^4 + eps`.
    l4: S,
    h0: S,
    alpha_h: S,
    d0: S,
    omega0: S,
    tau: S,
    sigma_up: S,
    sigma_down: S,
}

impl<S: Scalar> Model<S> {
    /// Validates `params` (see [`V8Params::validate`]) and applies positivity.
    pub fn new(params: &V8Params<S>) -> Result<Self, ParamError> {
        params.validate()?;
        Ok(Self::prepare(params))
    }

    /// The model of parameters already validated (over any box): positivity applied.
    pub(crate) fn prepare(params: &V8Params<S>) -> Self {
        let p = params;
        let l = p.mu_h - p.mu_l;
        let l2 = l * l;
        Self {
            raw: *p,
            mu_l: p.mu_l,
            mu_h: p.mu_h,
            mu_mid: (p.mu_l + p.mu_h) / c(2.0),
            l4: l2 * l2 + c(EPS),
            h0: p.h0.abs(),
            alpha_h: p.alpha_h.abs(),
            d0: p.d0.abs(),
            omega0: p.omega0.abs(),
            tau: p.tau.abs(),
            sigma_up: p.sigma_jump_up.abs(),
            sigma_down: p.sigma_jump_down.abs(),
        }
    }

    /// The parameters as given (signs kept).
    pub fn params(&self) -> &V8Params<S> {
        &self.raw
    }

    /// Midpoint between the wells, `(mu_L + mu_H) / 2`: the default galling threshold.
    pub fn well_midpoint(&self) -> S {
        self.mu_mid
    }

    /// Starting COF of simulations: `clamp(mu0_base, 0.1, 1.3)`.
    pub fn initial_cof(&self) -> S {
        clamp(self.raw.mu0_base, c(COF_MIN), c(COF_MAX))
    }

    /// Everything that depends only on the die temperature `temperature` (degC, after any mapping
    /// such as 25 C to 160 C), evaluated once.
    pub fn landscape(&self, temperature: S) -> Landscape<S> {
        let p = &self.raw;
        let dt = temperature - c(T_REF);
        let h = self.h0 * exp_clamped(-self.alpha_h * dt);
        let g = p.g0 + p.g_t * dt;
        let noise = self.d0 * exp_clamped(p.d_t * dt);
        let quartic = h / self.l4;
        let stay_spread = (c::<S>(2.0) * noise + c(EPS)).sqrt();
        let mut land = Landscape {
            mu_l: self.mu_l,
            mu_h: self.mu_h,
            mu_mid: self.mu_mid,
            barrier_scale: h,
            quartic,
            tilt: g,
            noise,
            inv_noise: c::<S>(1.0) / (noise + c(EPS)),
            omega0: self.omega0,
            tau: self.tau,
            j_mu: p.j_mu,
            jump_offset: p.j_t * dt,
            potential_at_mid: c(0.0),
            stay_spread,
            jump_spread_up: self.sigma_up,
            jump_spread_down: self.sigma_down,
            stay_norm: Normaliser::new(stay_spread),
            up_norm: Normaliser::new(self.sigma_up),
            down_norm: Normaliser::new(self.sigma_down),
            initial_cof: self.initial_cof(),
        };
        land.potential_at_mid = land.potential(self.mu_mid);
        land
    }
}

/// The model at one die temperature: the potential landscape and everything temperature-only.
///
/// ```
/// use galling::{Kernel, Model, V8Params};
/// let land = Model::new(&V8Params::PUBLISHED_FIT.map(f64::from))?.landscape(165.0);
/// let m = land.mixture(0.25);
/// assert!((0.01..=0.99).contains(&m.stay_probability));
/// let lp = land.log_prob(0.25, 0.01);
/// assert!(lp.is_finite());
/// # Ok::<(), galling::ParamError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Landscape<S = f32> {
    mu_l: S,
    mu_h: S,
    mu_mid: S,
    /// `h(T)`.
    barrier_scale: S,
    /// `h(T) / (L^4 + eps)`.
    quartic: S,
    /// `g(T)`.
    tilt: S,
    /// `D(T)`.
    noise: S,
    /// `1 / (D(T) + eps)`.
    inv_noise: S,
    omega0: S,
    tau: S,
    j_mu: S,
    /// `j_T dT`.
    jump_offset: S,
    potential_at_mid: S,
    stay_spread: S,
    jump_spread_up: S,
    jump_spread_down: S,
    stay_norm: Normaliser<S>,
    up_norm: Normaliser<S>,
    down_norm: Normaliser<S>,
    initial_cof: S,
}

impl<S: Scalar> Landscape<S> {
    /// Double-well potential `V(mu) = h/L4 (mu - mu_L)^2 (mu - mu_H)^2 - g (mu - mu_mid)`.
    #[inline]
    pub fn potential(&self, mu: S) -> S {
        let a = mu - self.mu_l;
        let b = mu - self.mu_h;
        self.quartic * (a * a) * (b * b) - self.tilt * (mu - self.mu_mid)
    }

    /// Derivative `V'(mu) = 2h/L4 (mu - mu_L)(mu - mu_H)(2 mu - mu_L - mu_H) - g`.
    #[inline(always)]
    pub fn potential_slope(&self, mu: S) -> S {
        c::<S>(2.0)
            * self.quartic
            * (mu - self.mu_l)
            * (mu - self.mu_h)
            * (c::<S>(2.0) * mu - self.mu_l - self.mu_h)
            - self.tilt
    }

    /// Barrier from `mu` to the top at the midpoint: `dV = max(V(mu_mid) - V(mu), 0)`.
    #[inline(always)]
    pub fn barrier_height(&self, mu: S) -> S {
        max(self.potential_at_mid - self.potential(mu), c(0.0))
    }

    /// Noise intensity `D(T) = |D0| exp(clamp(D_T dT, -20, 20))`.
    pub fn noise_intensity(&self) -> S {
        self.noise
    }

    /// Barrier scale `h(T) = |h0| exp(clamp(-|alpha_h| dT, -20, 20))`.
    pub fn barrier_scale(&self) -> S {
        self.barrier_scale
    }

    /// Tilt `g(T) = g0 + g_T dT`.
    pub fn tilt(&self) -> S {
        self.tilt
    }

    /// The midpoint between the wells.
    pub fn well_midpoint(&self) -> S {
        self.mu_mid
    }

    /// Stay probability `pi = clamp(1 - |omega0| exp(clamp(-dV / (D + eps), -20, 20)), 0.01, 0.99)`.
    #[inline(always)]
    pub fn stay_probability(&self, mu: S) -> S {
        let escape = self.omega0 * exp_clamped(-self.barrier_height(mu) * self.inv_noise);
        clamp(c::<S>(1.0) - escape, c(STAY_MIN), c(STAY_MAX))
    }

    /// The five mixture quantities at COF `mu`.
    // always: in dual numbers the body is large and, with several callers since the kernel seam,
    // LLVM stopped inlining it into the score; the call and its 5 x 128-byte result cost 1.4x.
    #[inline(always)]
    pub fn mixture(&self, mu: S) -> Mixture<S> {
        let force = -self.potential_slope(mu);
        Mixture {
            stay_probability: self.stay_probability(mu),
            stay_drift: force * c(DT),
            stay_spread: self.stay_spread,
            jump_drift: force * self.tau + self.j_mu * mu + self.jump_offset,
            jump_spread: if mu < self.mu_mid {
                self.jump_spread_up
            } else {
                self.jump_spread_down
            },
        }
    }

    /// Log-probability and jump posterior of the COF change `delta` from `mu`
    /// ([`Kernel::score`]), with the Gaussian normalisers evaluated once per temperature.
    #[inline]
    pub fn score(&self, mu: S, delta: S) -> TransitionScore<S> {
        let m = self.mixture(mu);
        let jump_norm = if mu < self.mu_mid {
            &self.up_norm
        } else {
            &self.down_norm
        };
        let stay_term = self.stay_norm.log_density(delta, m.stay_drift);
        let jump_term = jump_norm.log_density(delta, m.jump_drift);
        combine(m.stay_probability, stay_term, jump_term)
    }
}

/// V8's transition kernel: [`Landscape::mixture`], and its score with precomputed normalisers.
impl<S: Scalar> Kernel<S> for Landscape<S> {
    #[inline(always)]
    fn mixture(&self, mu: S) -> Mixture<S> {
        Landscape::mixture(self, mu)
    }

    #[inline(always)]
    fn initial_cof(&self) -> S {
        self.initial_cof
    }

    #[inline(always)]
    fn score(&self, mu: S, delta: S) -> TransitionScore<S> {
        Landscape::score(self, mu, delta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consts::LN_SQRT_2PI;

    fn model() -> Model<f64> {
        Model::new(&V8Params::PUBLISHED_FIT.map(f64::from)).unwrap()
    }

    /// The spec's literal formula, to check the one-exp/one-ln evaluation against.
    fn literal_log_prob(l: &Landscape<f64>, mu: f64, delta: f64) -> f64 {
        let m = l.mixture(mu);
        let log_n = |x: f64, mean: f64, s: f64| {
            -LN_SQRT_2PI - (s + EPS).ln() - 0.5 * ((x - mean) / (s + EPS)).powi(2)
        };
        let a = (m.stay_probability + EPS).ln() + log_n(delta, m.stay_drift, m.stay_spread);
        let b = (1.0 - m.stay_probability + EPS).ln() + log_n(delta, m.jump_drift, m.jump_spread);
        let hi = a.max(b);
        hi + ((a - hi).exp() + (b - hi).exp()).ln()
    }

    #[test]
    fn log_prob_equals_the_literal_logsumexp() {
        let m = model();
        for t in [160.0, 165.0, 167.5, 170.0] {
            let l = m.landscape(t);
            for i in 0..=24 {
                let mu = 0.1 + 0.05 * f64::from(i);
                for delta in [-0.9, -0.2, -0.01, 0.0, 0.003, 0.05, 0.6, 1.1] {
                    let got = l.log_prob(mu, delta);
                    let want = literal_log_prob(&l, mu, delta);
                    assert!(
                        (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                        "T={t} mu={mu} d={delta}: {got} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn posterior_is_the_jump_share_of_the_density() {
        let l = model().landscape(167.5);
        let (mu, delta) = (0.3, 0.25);
        let m = l.mixture(mu);
        let dens =
            |x: f64, mean: f64, s: f64| (-0.5 * ((x - mean) / (s + EPS)).powi(2)).exp() / (s + EPS);
        let stay = (m.stay_probability + EPS) * dens(delta, m.stay_drift, m.stay_spread);
        let jump = (1.0 - m.stay_probability + EPS) * dens(delta, m.jump_drift, m.jump_spread);
        assert!((l.jump_posterior(mu, delta) - jump / (stay + jump)).abs() < 1e-12);
    }

    #[test]
    fn slope_is_the_derivative_of_the_potential() {
        let l = model().landscape(165.0);
        for mu in [0.15, 0.3, 0.5, 0.7, 1.0] {
            let h = 1e-6;
            let numeric = (l.potential(mu + h) - l.potential(mu - h)) / (2.0 * h);
            assert!((numeric - l.potential_slope(mu)).abs() < 1e-7);
        }
    }

    #[test]
    fn wells_have_no_barrier_at_the_midpoint_and_pi_is_clamped() {
        let l = model().landscape(160.0);
        assert_eq!(l.barrier_height(l.well_midpoint()), 0.0);
        assert_eq!(l.mixture(0.2).stay_probability, STAY_MAX);
    }

    #[test]
    fn barrier_scale_follows_temperature_and_its_exponent_clamp() {
        let m = model();
        let p = V8Params::PUBLISHED_FIT.map(f64::from);
        let (h0, alpha) = (p.h0.abs(), p.alpha_h.abs());
        // inside the clamp: |h0| exp(-|alpha_h| dT), at 5 and -10 degrees from T_REF
        let close = |got: f64, want: f64| (got - want).abs() <= 1e-12 * want;
        assert!(close(
            m.landscape(165.0).barrier_scale(),
            h0 * (-5.0 * alpha).exp()
        ));
        assert!(close(
            m.landscape(150.0).barrier_scale(),
            h0 * (10.0 * alpha).exp()
        ));
        // beyond it (|alpha_h dT| > 20): the exponent stops at +-20
        assert!(close(m.landscape(-40.0).barrier_scale(), h0 * 20f64.exp()));
        assert!(close(
            m.landscape(400.0).barrier_scale(),
            h0 * (-20f64).exp()
        ));
    }

    #[test]
    fn jump_spread_switches_at_the_midpoint() {
        let m = model();
        let l = m.landscape(165.0);
        let mid = m.well_midpoint();
        assert_eq!(
            l.mixture(mid - 1e-9).jump_spread,
            f64::from(V8Params::PUBLISHED_FIT.sigma_jump_up)
        );
        assert_eq!(
            l.mixture(mid).jump_spread,
            f64::from(V8Params::PUBLISHED_FIT.sigma_jump_down)
        );
    }
}
