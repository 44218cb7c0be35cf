//! The double-well kernel and its variants: V8 (MODEL.md) and its two restrictions, V8-13 (seed §9)
//! and V9 (upstream's fixed potential). This file is the whole kernel: its parameters
//! ([`V8Params`], [`ParamField`]) and their validation, the validated model ([`Model`]), the kernel at
//! one die temperature ([`Landscape`]), and the three parameter tables (which of the 15 V8
//! parameters each variant keeps free). It joins the family through [`KernelModel`] and one line of
//! the registration list (`src/family/mod.rs`).
//!
//! [`Model::landscape`] evaluates everything that depends only on the die temperature (barrier,
//! tilt, noise, Gaussian normalisers) once, so the per-stroke quantities ([`Landscape::mixture`],
//! [`Landscape::log_prob`](crate::Kernel::log_prob), [`Landscape::step`](crate::Kernel::step)) only
//! do the COF-dependent work. The formulas and their order are those of `shared/docs/MODEL.md`.

#[cfg(feature = "v8")]
use super::table::{Field, KernelKind, Source, Variant};
use super::table::{MAX_PARAMS, ModelId, ModelParams};
use crate::consts::{EPS, EXP_LIMIT, T_REF};
use crate::params::{OperatingBox, ParamError, Quantity, bounded};
use crate::scalar::{Scalar, clamp};
// The kernel itself (cargo feature `v8`).
#[cfg(feature = "v8")]
use crate::consts::{COF_MAX, COF_MIN};
#[cfg(feature = "v8")]
use crate::kernel::{Kernel, Kernels, Mixture, Normaliser, TransitionScore, combine_with};
#[cfg(feature = "v8")]
use crate::params::KernelModel;
#[cfg(feature = "v8")]
use crate::scalar::max;
use core::fmt;

/// Time step of the stay drift (MODEL.md, "Constants").
pub const DT: f64 = 1.0;
/// Lower clamp of the stay probability.
pub const STAY_MIN: f64 = 0.01;
/// Upper clamp of the stay probability.
pub const STAY_MAX: f64 = 0.99;

/// Generates, from one list, the V8 parameter struct, the [`ParamField`] names and the V8 parameter
/// table's fields (below): name, documentation, `abs()`. (A fit's box, scale and start are
/// host-train's fitting data, keyed by the names.)
macro_rules! v8_params {
    ($(
        $(#[$serde:meta])?
        $field:ident, $variant:ident, $konst:ident = $name:literal, abs: $abs:literal,
        $doc:literal;
    )*) => {
        /// The 15 raw parameters of the V8 double-well model, as stored by the trainer and in the blob.
        ///
        /// Values keep their stored sign: positivity is applied at evaluation with `abs()` to `h0,
        /// alpha_h, D0, omega0, tau, sigma_jump_up, sigma_jump_down` (the published fit stores
        /// `D0 < 0`). Build a [`Model`](crate::Model) from them to evaluate; that is where they are
        /// validated. The list is written once (`src/family/v8.rs`) and generates this struct,
        /// [`ParamField`] and V8's parameter table ([`V8_TABLE`](crate::family::V8_TABLE)).
        ///
        /// With the `serde` feature the field names are the model's (`mu_L`, `D0`, `g_T`, ...).
        ///
        /// ```
        /// use galling::{Model, V8Params};
        /// let p = V8Params::PUBLISHED_FIT;
        /// assert!(p.d0 < 0.0); // stored negative, used as |D0|
        /// let model = Model::new(&p).expect("the published fit is valid");
        /// assert!(model.landscape(160.0).noise_intensity() > 0.0);
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
        pub struct V8Params<S = f32> {
            $(
                #[doc = $doc]
                #[cfg_attr(feature = "serde", serde(rename = $name))]
                pub $field: S,
            )*
        }

        /// Names one of the 15 parameters, in storage order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        pub enum ParamField {
            $(
                #[doc = $doc]
                $variant,
            )*
        }

        impl ParamField {
            /// All fields in storage order (the order of [`V8Params::to_array`] and of the blob).
            pub const ALL: [ParamField; 15] = [$(Self::$variant),*];

            /// The model's name for the field, as in MODEL.md and the JSON files.
            ///
            /// ```
            /// assert_eq!(galling::ParamField::D0.name(), "D0");
            /// ```
            pub const fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }

            /// Whether the model uses the absolute value of this field.
            pub const fn is_used_as_abs(self) -> bool {
                match self {
                    $(Self::$variant => $abs,)*
                }
            }
        }

        impl<S> V8Params<S> {
            /// Parameters from values in storage order (see [`ParamField::ALL`]).
            ///
            /// ```
            /// use galling::V8Params;
            /// let p = V8Params::PUBLISHED_FIT;
            /// assert_eq!(V8Params::from_array(p.to_array()), p);
            /// ```
            pub fn from_array(v: [S; 15]) -> Self {
                let [$($field),*] = v;
                Self { $($field),* }
            }
        }

        impl<S: Copy> V8Params<S> {
            /// The parameters in storage order (see [`ParamField::ALL`]).
            pub fn to_array(&self) -> [S; 15] {
                [$(self.$field),*]
            }
        }

        /// V8's parameter table entries, one per parameter (the double-well variants' tables pick
        /// from these).
        #[cfg(feature = "v8")]
        mod v8_fields {
            use super::Field;
            $(
                pub(super) static $konst: Field = Field {
                    name: $name,
                    used_as_abs: $abs,
                };
            )*
        }
    };
}

v8_params! {
    mu_l, MuL, MU_L = "mu_L", abs: false,
        "Clean-state well position (COF).";
    mu_h, MuH, MU_H = "mu_H", abs: false,
        "Galled-state well position (COF).";
    h0, H0, H0 = "h0", abs: true,
        "Barrier height at the reference temperature (used as `|h0|`).";
    alpha_h, AlphaH, ALPHA_H = "alpha_h", abs: true,
        "Barrier temperature sensitivity, 1/degC (used as `|alpha_h|`).";
    g0, G0, G0 = "g0", abs: false,
        "Tilt of the potential at the reference temperature.";
    g_t, GT, G_T = "g_T", abs: false,
        "Temperature sensitivity of the tilt, 1/degC.";
    d0, D0, D0 = "D0", abs: true,
        "Noise intensity at the reference temperature (used as `|D0|`).";
    d_t, DT, D_T = "D_T", abs: false,
        "Temperature scaling of the noise intensity, 1/degC (no abs).";
    omega0, Omega0, OMEGA0 = "omega0", abs: true,
        "Kramers escape attempt frequency (used as `|omega0|`).";
    tau, Tau, TAU = "tau", abs: true,
        "Jump time multiplier on the potential force (used as `|tau|`).";
    j_mu, JMu, J_MU = "j_mu", abs: false,
        "COF dependence of the jump drift.";
    j_t, JT, J_T = "j_T", abs: false,
        "Temperature dependence of the jump drift, 1/degC.";
    sigma_jump_up, SigmaJumpUp, SIGMA_UP = "sigma_jump_up", abs: true,
        "Landing spread of jumps from below the midpoint (galling onset), used as `|sigma_jump_up|`.";
    sigma_jump_down, SigmaJumpDown, SIGMA_DOWN = "sigma_jump_down", abs: true,
        "Landing spread of jumps from above the midpoint (detachment), used as `|sigma_jump_down|`.";
    mu0_base, Mu0Base, MU0_BASE = "mu0_base", abs: false,
        "Starting COF of simulations (clamped to the COF range); not part of the likelihood.";
}

impl ParamField {
    /// Position of the field in storage order.
    pub const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for ParamField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl<S: Copy> V8Params<S> {
    /// The value of one field.
    pub fn get(&self, field: ParamField) -> S {
        self.to_array()[field.index()]
    }

    /// The same parameters converted to another number type (e.g. `f32` to `f64`).
    ///
    /// ```
    /// use galling::V8Params;
    /// let p64: V8Params<f64> = V8Params::PUBLISHED_FIT.map(f64::from);
    /// assert_eq!(p64.mu_l, f64::from(V8Params::PUBLISHED_FIT.mu_l));
    /// ```
    pub fn map<T>(&self, f: impl FnMut(S) -> T) -> V8Params<T> {
        V8Params::from_array(self.to_array().map(f))
    }
}

impl<S: Scalar> V8Params<S> {
    /// Checks what the model needs over the monitor's default input box
    /// ([`OperatingBox::MONITOR_DEFAULT`]): see [`validate_within`](Self::validate_within).
    ///
    /// ```
    /// use galling::{ParamError, ParamField, Quantity, V8Params};
    /// let mut p = V8Params::PUBLISHED_FIT;
    /// p.tau = f32::NAN;
    /// assert_eq!(p.validate(), Err(ParamError::NotFinite(ParamField::Tau.name())));
    /// let mut p = V8Params::PUBLISHED_FIT;
    /// p.g0 = -2.1e35; // finite, but the tilt alone is beyond what f32 evaluation survives
    /// assert!(matches!(p.validate(), Err(ParamError::Unbounded { quantity: Quantity::Tilt, .. })));
    /// ```
    pub fn validate(&self) -> Result<(), ParamError> {
        self.validate_within(&OperatingBox::MONITOR_DEFAULT)
    }

    /// Checks that the model evaluates finitely, in `f32`, for every die temperature and COF of
    /// `bounds` and every COF change between two of its COF values: every value finite, `mu_L < mu_H`,
    /// both jump spreads nonzero, and a worst-case bound of every intermediate of the model (barrier
    /// scale, tilt, noise, potential, both drifts, escape rate, squared standardised residuals) at
    /// most [`QUANTITY_LIMIT`](crate::QUANTITY_LIMIT) ([`RESIDUAL_SQUARED_LIMIT`](crate::RESIDUAL_SQUARED_LIMIT) for the squared residuals).
    ///
    /// The bounds are derived from the formulas of MODEL.md with the triangle inequality, taking each
    /// factor's largest magnitude over the box (at least 1, so that every partial product of the
    /// evaluation order is covered). With them the stay probability is in `[0.01, 0.99]`, `d1` and
    /// `d2` are finite, `s1 >= 1e-4`, `s2 > 0`, and the log-probability is finite. The check runs in
    /// `f32` whatever `S` is: an `f64` model that passes is safe to flash.
    ///
    /// # Errors
    /// The first [`ParamError`] found, naming the field or the quantity and its fields.
    pub fn validate_within(&self, bounds: &OperatingBox) -> Result<(), ParamError> {
        for (field, value) in ParamField::ALL.into_iter().zip(self.to_array()) {
            if !value.is_finite() {
                return Err(ParamError::NotFinite(field.name()));
            }
            if !(value.to_f64() as f32).is_finite() {
                return Err(ParamError::BeyondF32(field.name()));
            }
        }
        self.validate_finite_within(bounds)
    }

    /// [`validate_within`](Self::validate_within) of parameters whose every value is already known
    /// finite and within `f32` (the family checks that first, naming the variant's own
    /// parameters; this is the kernel's part: [`KernelModel::validate_params`]).
    pub(crate) fn validate_finite_within(&self, bounds: &OperatingBox) -> Result<(), ParamError> {
        // the values are finite here, so `>=` is the negation of `<`; the f32 rounding must keep
        // the wells apart too
        if self.mu_l >= self.mu_h || (self.mu_l.to_f64() as f32) >= (self.mu_h.to_f64() as f32) {
            return Err(ParamError::WellsNotOrdered);
        }
        for (field, value) in [
            (ParamField::SigmaJumpUp, self.sigma_jump_up),
            (ParamField::SigmaJumpDown, self.sigma_jump_down),
        ] {
            if value.to_f64() as f32 == 0.0 {
                return Err(ParamError::ZeroSpread(field.name()));
            }
        }
        worst_case(&self.map(|v| v.to_f64() as f32), bounds)
    }
}

/// The worst-case bounds of [`V8Params::validate_within`], in `f32` (a bound that overflows is
/// infinite and refused).
fn worst_case(p: &V8Params<f32>, b: &OperatingBox) -> Result<(), ParamError> {
    let ordered = |lo: f32, hi: f32| lo.is_finite() && hi.is_finite() && lo < hi;
    if !ordered(b.temperature_low, b.temperature_high) || !ordered(b.cof_low, b.cof_high) {
        return Err(ParamError::InvalidBox);
    }
    let eps = EPS as f32;
    let exp_limit = EXP_LIMIT as f32;
    // largest magnitude of a linear function of the box variable x in [lo, hi]
    let span = |lo: f32, hi: f32, at: &dyn Fn(f32) -> f32| at(lo).abs().max(at(hi).abs());
    let t_ref = T_REF as f32;
    let (dt_lo, dt_hi) = (b.temperature_low - t_ref, b.temperature_high - t_ref);
    let dt_abs = dt_lo.abs().max(dt_hi.abs());
    // Every bound is computed first, then checked in this order, the first one over its limit
    // refused: the same error as checking each where it is computed (a bound over its limit only
    // feeds later bounds, computed in f32 without panics, and is reported first), in one loop
    // instead of a dozen call sites (start-up code, kept small).
    // h(T) = |h0| exp(clamp(-|alpha_h| dT)): largest at the coldest end
    let h = p.h0.abs() * exp_bound((-p.alpha_h.abs() * dt_lo).max(-p.alpha_h.abs() * dt_hi));
    let g = p.g0.abs() + p.g_t.abs() * dt_abs;
    let noise = p.d0.abs() * exp_bound((p.d_t * dt_lo).max(p.d_t * dt_hi));
    // the model's own L4 (>= eps), so the quartic coefficient is bounded by h / L4
    let l = p.mu_h - p.mu_l;
    let quartic = h / (l * l * (l * l) + eps);
    let mid = (p.mu_l + p.mu_h) / 2.0;
    // V is also evaluated at the midpoint, which may lie outside the COF box
    let (c_lo, c_hi) = (b.cof_low.min(mid), b.cof_high.max(mid));
    let a = span(c_lo, c_hi, &|x| x - p.mu_l).max(1.0);
    let bb = span(c_lo, c_hi, &|x| x - p.mu_h).max(1.0);
    let cc = span(c_lo, c_hi, &|x| 2.0 * x - p.mu_l - p.mu_h).max(1.0);
    let off_mid = span(c_lo, c_hi, &|x| x - mid);
    let v = quartic * (a * a) * (bb * bb) + g * off_mid;
    let slope = 2.0 * quartic * a * bb * cc + g;
    let cof_abs = b.cof_low.abs().max(b.cof_high.abs());
    let d2 = slope * p.tau.abs() + p.j_mu.abs() * cof_abs + p.j_t.abs() * dt_abs;
    let delta = b.cof_high - b.cof_low;
    let stay_z = (delta + slope) / (crate::scalar::sqrt_f32(eps) + eps);
    let sigma = p.sigma_jump_up.abs().min(p.sigma_jump_down.abs());
    let jump_z = (delta + d2) / (sigma + eps);
    let bounds = [
        h,
        g,
        noise,
        v,
        // dV = V(mid) - V(mu) is at most 2 max|V|
        2.0 * v,
        slope,
        // the escape exponent is clamped to [-20, 20]; an infinite -dV/D clamps to -20 without NaN
        p.omega0.abs() * exp_bound(exp_limit),
        d2,
        // s1 = sqrt(2D + eps) >= 1e-4: 1 / (s1 + eps) <= 1e4; 2D itself must be finite
        2.0 * noise + eps,
        stay_z * stay_z,
        jump_z * jump_z,
    ];
    for (quantity, bound) in CHECKED.into_iter().zip(bounds) {
        check(quantity, bound)?;
    }
    Ok(())
}

/// The quantities [`worst_case`] checks, in its order.
const CHECKED: [Quantity; 11] = [
    Quantity::BarrierScale,
    Quantity::Tilt,
    Quantity::NoiseIntensity,
    Quantity::Potential,
    Quantity::Potential,
    Quantity::StayDrift,
    Quantity::EscapeRate,
    Quantity::JumpDrift,
    Quantity::NoiseIntensity,
    Quantity::StayResidual,
    Quantity::JumpResidual,
];

/// [`bounded`] for V8's parameters.
fn check(quantity: Quantity, bound: f32) -> Result<f32, ParamError> {
    bounded(quantity, bound, ModelId::V8)
}

/// `exp(clamp(x, -20, 20))` in `f32`, the bound of the model's guarded exponential: one copy, not
/// inlined ([`worst_case`] runs once, at start-up; see [`bounded`]).
#[inline(never)]
fn exp_bound(x: f32) -> f32 {
    let exp_limit = EXP_LIMIT as f32;
    Scalar::exp(clamp(x, -exp_limit, exp_limit))
}

impl V8Params<f32> {
    /// The published V8 fit (LL 1307.848912 on the 862 real transitions), as stored by the original
    /// PyTorch model in float32.
    pub const PUBLISHED_FIT: Self = Self {
        mu_l: 0.200_365_08,
        mu_h: 0.801_689_86,
        h0: 0.099_656_25,
        alpha_h: 0.691_988_6,
        g0: -0.000_618_016_5,
        g_t: -1.411_018_7e-6,
        d0: -0.000_289_328_13,
        d_t: -0.072_685_15,
        omega0: 0.886_155_5,
        tau: 1.920_677_3,
        j_mu: -0.248_660_27,
        j_t: 0.023_431_677,
        sigma_jump_up: 0.191_200_33,
        sigma_jump_down: 0.180_526_08,
        mu0_base: 0.15,
    };

    /// The published training's default starting point (MODEL.md).
    pub const PUBLISHED_DEFAULT_START: Self = Self {
        mu_l: 0.18,
        mu_h: 0.90,
        h0: 0.1,
        alpha_h: 0.1,
        g0: -0.01,
        g_t: 0.005,
        d0: 0.001,
        d_t: 0.1,
        omega0: 0.1,
        tau: 3.0,
        j_mu: -0.3,
        j_t: 0.03,
        sigma_jump_up: 0.15,
        sigma_jump_down: 0.10,
        mu0_base: 0.15,
    };
}

#[cfg(feature = "v8")]
#[inline(always)]
fn c<S: Scalar>(x: f64) -> S {
    S::from_f64(x)
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
#[cfg(feature = "v8")]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Model<S = f32> {
    raw: V8Params<S>,
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
    /// The jump components' Gaussian normalisers: temperature-free, so evaluated once here
    /// instead of in every [`landscape`](Self::landscape) (two logarithms and two divisions).
    up_norm: Normaliser<S>,
    down_norm: Normaliser<S>,
}

#[cfg(feature = "v8")]
impl<S: Scalar> Model<S> {
    /// Validates `params` (see [`V8Params::validate`]) and applies positivity.
    pub fn new(params: &V8Params<S>) -> Result<Self, ParamError> {
        params.validate()?;
        Ok(Self::prepare(params))
    }

    /// The model of parameters already validated (over any box): positivity applied.
    // Inlined (and `from_valid_params`) unless the precursor kernel, which prepares a V8 model
    // too, is compiled in: out of line, the model is returned through memory and copied into the
    // package with `memcpy` (+636 B in the V8-only firmware); with two callers, one copy out of
    // line is 192 B smaller (footprint.sh).
    #[cfg_attr(not(feature = "precursor"), inline(always))]
    pub(crate) fn prepare(params: &V8Params<S>) -> Self {
        let p = params;
        let l = p.mu_h - p.mu_l;
        let l2 = l * l;
        let sigma_up = p.sigma_jump_up.abs();
        let sigma_down = p.sigma_jump_down.abs();
        Self {
            raw: *p,
            mu_mid: (p.mu_l + p.mu_h) / c(2.0),
            l4: l2 * l2 + c(EPS),
            h0: p.h0.abs(),
            alpha_h: p.alpha_h.abs(),
            d0: p.d0.abs(),
            omega0: p.omega0.abs(),
            tau: p.tau.abs(),
            sigma_up,
            sigma_down,
            up_norm: Normaliser::new(sigma_up),
            down_norm: Normaliser::new(sigma_down),
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
        let h = self.h0 * (-self.alpha_h * dt).exp_clamped();
        let g = p.g0 + p.g_t * dt;
        let noise = self.d0 * (p.d_t * dt).exp_clamped();
        let quartic = h / self.l4;
        let stay_spread = (c::<S>(2.0) * noise + c(EPS)).sqrt();
        let mut land = Landscape {
            mu_l: p.mu_l,
            mu_h: p.mu_h,
            mu_mid: self.mu_mid,
            barrier_scale: h,
            quartic,
            two_quartic: c::<S>(2.0) * quartic,
            tilt: g,
            noise,
            // negated here, not per COF: `-(dV) / (D + eps)` is `dV * (-1 / (D + eps))` bit for
            // bit (rounding is symmetric in the sign)
            neg_inv_noise: -(c::<S>(1.0) / (noise + c(EPS))),
            omega0: self.omega0,
            tau: self.tau,
            j_mu: p.j_mu,
            jump_offset: p.j_t * dt,
            potential_at_mid: c(0.0),
            stay_spread,
            jump_spread_up: self.sigma_up,
            jump_spread_down: self.sigma_down,
            stay_norm: Normaliser::new(stay_spread),
            up_norm: self.up_norm,
            down_norm: self.down_norm,
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
#[cfg(feature = "v8")]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Landscape<S = f32> {
    mu_l: S,
    mu_h: S,
    mu_mid: S,
    /// `h(T)`.
    barrier_scale: S,
    /// `h(T) / (L^4 + eps)`.
    quartic: S,
    /// `2 h(T) / (L^4 + eps)`, exact (a power of two): the slope's leading factor.
    two_quartic: S,
    /// `g(T)`.
    tilt: S,
    /// `D(T)`.
    noise: S,
    /// `-1 / (D(T) + eps)`.
    neg_inv_noise: S,
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

#[cfg(feature = "v8")]
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
        self.two_quartic
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
        stay_of_escape(self.escape_probability(mu))
    }

    /// Escape probability before the stay clamp: `|omega0| exp(clamp(-dV / (D + eps), -20, 20))`.
    ///
    /// ```
    /// use galling::{Model, V8Params};
    /// let land = Model::new(&V8Params::PUBLISHED_FIT.map(f64::from))?.landscape(165.0);
    /// assert_eq!(land.stay_probability(0.2), (1.0 - land.escape_probability(0.2)).clamp(0.01, 0.99));
    /// # Ok::<(), galling::ParamError>(())
    /// ```
    #[inline(always)]
    pub fn escape_probability(&self, mu: S) -> S {
        self.escape_with(mu, S::exp_clamped)
    }

    /// [`escape_probability`](Self::escape_probability) with `exp_clamped` the guarded
    /// exponential ([`Scalar::exp_clamped`] or its inlined form: the same values).
    #[inline(always)]
    fn escape_with(&self, mu: S, exp_clamped: impl Fn(S) -> S) -> S {
        self.omega0 * exp_clamped(self.barrier_height(mu) * self.neg_inv_noise)
    }

    /// The five mixture quantities at COF `mu`.
    // always: in dual numbers the body is large and, with several callers since the kernel seam,
    // LLVM stopped inlining it into the score; the call and its 5 x 128-byte result cost 1.4x.
    #[inline(always)]
    pub fn mixture(&self, mu: S) -> Mixture<S> {
        self.mixture_with_stay(mu, self.stay_probability(mu))
    }

    /// The mixture at `mu` with the stay probability given (the precursor kernel's escape
    /// factor changes only that quantity).
    #[inline(always)]
    pub(crate) fn mixture_with_stay(&self, mu: S, stay_probability: S) -> Mixture<S> {
        let force = -self.potential_slope(mu);
        Mixture {
            stay_probability,
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
        self.score_scaled(mu, delta, None)
    }

    /// [`score`](Self::score) with the escape probability multiplied by `escape_factor` (the
    /// precursor kernel's factor of the stroke's features; `None` for V8 itself).
    ///
    /// The per-stroke score of V8 and V8-P, so on the firmware one function in flash shared by
    /// both, with its three exponentials inlined (the escape and the combination's two cases):
    /// the call costs V8's `log_prob` about two instructions, the inlined exponentials save
    /// about twenty (firmware-example/README.md, "Measured figures").
    #[cfg_attr(target_os = "none", inline(never))]
    #[cfg_attr(not(target_os = "none"), inline(always))]
    pub(crate) fn score_scaled(
        &self,
        mu: S,
        delta: S,
        escape_factor: Option<S>,
    ) -> TransitionScore<S> {
        let escape = self.escape_with(mu, S::exp_clamped_inlined);
        let escape = match escape_factor {
            Some(factor) => escape * factor,
            None => escape,
        };
        let m = self.mixture_with_stay(mu, stay_of_escape(escape));
        let jump_norm = if mu < self.mu_mid {
            &self.up_norm
        } else {
            &self.down_norm
        };
        let stay_term = self.stay_norm.log_density(delta, m.stay_drift);
        let jump_term = jump_norm.log_density(delta, m.jump_drift);
        combine_with(
            m.stay_probability,
            stay_term,
            jump_term,
            S::exp_inlined_below_88,
        )
    }
}

/// The stay probability of an escape probability: `clamp(1 - p_esc, 0.01, 0.99)` (V8's, and
/// V8-P's with its scaled escape).
#[cfg(feature = "v8")]
#[inline(always)]
pub(crate) fn stay_of_escape<S: Scalar>(escape: S) -> S {
    clamp(c::<S>(1.0) - escape, c(STAY_MIN), c(STAY_MAX))
}

/// V8's transition kernel: [`Landscape::mixture`], and its score with precomputed normalisers.
#[cfg(feature = "v8")]
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

#[cfg(feature = "v8")]
impl<S: Scalar> Kernels<S> for Model<S> {
    type Kernel = Landscape<S>;

    fn landscape(&self, temperature: S) -> Landscape<S> {
        Model::landscape(self, temperature)
    }
}

/// The double-well kernel's description for the family.
#[cfg(feature = "v8")]
impl<S: Scalar> KernelModel<S> for Model<S> {
    type Params = V8Params<S>;
    const TABLE: &'static Variant = &V8_TABLE;
    const QUANTITY_FIELDS: &'static [(Quantity, &'static [&'static str])] = &[
        (Quantity::BarrierScale, &["h0", "alpha_h"]),
        (Quantity::Tilt, &["g0", "g_T"]),
        (Quantity::NoiseIntensity, &["D0", "D_T"]),
        (Quantity::Potential, POTENTIAL),
        (Quantity::StayDrift, POTENTIAL),
        (Quantity::EscapeRate, &["omega0"]),
        (
            Quantity::JumpDrift,
            &[
                "h0", "alpha_h", "mu_L", "mu_H", "g0", "g_T", "tau", "j_mu", "j_T",
            ],
        ),
        (
            Quantity::StayResidual,
            &["h0", "alpha_h", "mu_L", "mu_H", "g0", "g_T", "D0", "D_T"],
        ),
        (
            Quantity::JumpResidual,
            &[
                "h0",
                "alpha_h",
                "mu_L",
                "mu_H",
                "g0",
                "g_T",
                "tau",
                "j_mu",
                "j_T",
                "sigma_jump_up",
                "sigma_jump_down",
            ],
        ),
    ];

    #[inline(always)]
    fn params_from(value: impl FnMut(usize) -> S) -> V8Params<S> {
        V8Params::from_array(core::array::from_fn(value))
    }

    fn validate_params(params: &V8Params<S>, bounds: &OperatingBox) -> Result<(), ParamError> {
        params.validate_finite_within(bounds)
    }

    #[cfg_attr(not(feature = "precursor"), inline(always))]
    fn from_valid_params(params: &V8Params<S>) -> Self {
        Model::prepare(params)
    }
}

/// The parameters of the potential `V(mu)` (and of the stay drift `-V'(mu)`).
#[cfg(feature = "v8")]
const POTENTIAL: &[&str] = &["h0", "alpha_h", "mu_L", "mu_H", "g0", "g_T"];

#[cfg(feature = "v8")]
use v8_fields::*;

/// V9's `k`: the barrier height, temperature independent (used as `|k|`; `h0` of the V8 kernel).
#[cfg(feature = "v8")]
static K: Field = Field { name: "k", ..H0 };

#[cfg(feature = "v8")]
const fn free(i: u8) -> Source {
    Source::Free(i)
}
#[cfg(feature = "v8")]
const HELD: Source = Source::Fixed(0.0);

/// V8: the 15 parameters of MODEL.md, in the order of [`V8Params`] (the entries are generated with
/// it, above).
#[cfg(feature = "v8")]
pub const V8_TABLE: Variant = Variant {
    id: ModelId::V8,
    kernel: KernelKind::DoubleWell,
    fields: &[
        &MU_L,
        &MU_H,
        &H0,
        &ALPHA_H,
        &G0,
        &G_T,
        &D0,
        &D_T,
        &OMEGA0,
        &TAU,
        &J_MU,
        &J_T,
        &SIGMA_UP,
        &SIGMA_DOWN,
        &MU0_BASE,
    ],
    sources: &[
        free(0),
        free(1),
        free(2),
        free(3),
        free(4),
        free(5),
        free(6),
        free(7),
        free(8),
        free(9),
        free(10),
        free(11),
        free(12),
        free(13),
        free(14),
    ],
    ordered: Some((0, 1)),
};

/// V8-13 (seed §9): V8 with the tilt removed, `g0 = g_T = 0` held fixed.
#[cfg(feature = "v8")]
pub const V8_13_TABLE: Variant = Variant {
    id: ModelId::V8_13,
    kernel: KernelKind::DoubleWell,
    fields: &[
        &MU_L,
        &MU_H,
        &H0,
        &ALPHA_H,
        &D0,
        &D_T,
        &OMEGA0,
        &TAU,
        &J_MU,
        &J_T,
        &SIGMA_UP,
        &SIGMA_DOWN,
        &MU0_BASE,
    ],
    sources: &[
        free(0),
        free(1),
        free(2),
        free(3),
        HELD,
        HELD,
        free(4),
        free(5),
        free(6),
        free(7),
        free(8),
        free(9),
        free(10),
        free(11),
        free(12),
    ],
    ordered: Some((0, 1)),
};

/// V9 (upstream's successor): a fixed potential, `h0 = k`, `alpha_h = 0`, `g0 = g_T = 0`; the
/// parameters are named as upstream names them.
#[cfg(feature = "v8")]
pub const V9_TABLE: Variant = Variant {
    id: ModelId::V9,
    kernel: KernelKind::DoubleWell,
    fields: &[
        &MU_L,
        &MU_H,
        &K,
        &D0,
        &D_T,
        &OMEGA0,
        &TAU,
        &J_MU,
        &J_T,
        &SIGMA_UP,
        &SIGMA_DOWN,
        &MU0_BASE,
    ],
    sources: &[
        free(0),
        free(1),
        free(2),
        HELD,
        HELD,
        HELD,
        free(3),
        free(4),
        free(5),
        free(6),
        free(7),
        free(8),
        free(9),
        free(10),
        free(11),
    ],
    ordered: Some((0, 1)),
};

impl<S: Scalar> From<V8Params<S>> for ModelParams<S> {
    fn from(p: V8Params<S>) -> Self {
        let v = p.to_array();
        let mut values = [S::from_f64(0.0); MAX_PARAMS];
        for (slot, x) in values.iter_mut().zip(v) {
            *slot = x;
        }
        Self {
            model: ModelId::V8,
            values,
        }
    }
}

impl ModelParams<f32> {
    /// The published V8 fit ([`V8Params::PUBLISHED_FIT`]) as family parameters.
    pub const PUBLISHED_V8: Self = {
        let v = V8Params::PUBLISHED_FIT;
        Self {
            model: ModelId::V8,
            values: [
                v.mu_l,
                v.mu_h,
                v.h0,
                v.alpha_h,
                v.g0,
                v.g_t,
                v.d0,
                v.d_t,
                v.omega0,
                v.tau,
                v.j_mu,
                v.j_t,
                v.sigma_jump_up,
                v.sigma_jump_down,
                v.mu0_base,
                0.0,
                0.0,
            ],
        }
    };
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

    #[test]
    fn field_order_matches_array_order() {
        let p = V8Params::<f32>::from_array(core::array::from_fn(|i| i as f32));
        for field in ParamField::ALL {
            assert_eq!(p.get(field), field.index() as f32);
        }
    }

    #[test]
    fn every_field_is_checked_for_finiteness() {
        for field in ParamField::ALL {
            let mut v = V8Params::PUBLISHED_FIT.to_array();
            v[field.index()] = f32::INFINITY;
            assert_eq!(
                V8Params::from_array(v).validate(),
                Err(ParamError::NotFinite(field.name()))
            );
        }
    }

    #[test]
    fn wells_must_be_ordered() {
        let mut p = V8Params::PUBLISHED_FIT;
        p.mu_h = p.mu_l;
        assert_eq!(p.validate(), Err(ParamError::WellsNotOrdered));
        assert!(V8Params::PUBLISHED_FIT.validate().is_ok());
        assert!(V8Params::PUBLISHED_DEFAULT_START.validate().is_ok());
    }
}
