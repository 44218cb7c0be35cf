//! The 15 parameters of the V8 model and their validation.

use crate::family::{KernelKind, ModelId};
use crate::scalar::Scalar;
use core::fmt;

/// Generates, from one list, the V8 parameter struct, the [`ParamField`] names and the V8 parameter
/// table's fields (`crate::family::v8`): name, documentation, `abs()`, physical box, scale, start.
macro_rules! v8_params {
    ($(
        $(#[$serde:meta])?
        $field:ident, $variant:ident, $konst:ident = $name:literal, abs: $abs:literal,
        physical: $physical:expr, scale: $scale:literal, start: $start:literal, $doc:literal;
    )*) => {
        /// The 15 raw parameters of the V8 double-well model, as stored by the trainer and in the blob.
        ///
        /// Values keep their stored sign: positivity is applied at evaluation with `abs()` to `h0,
        /// alpha_h, D0, omega0, tau, sigma_jump_up, sigma_jump_down` (the published fit stores
        /// `D0 < 0`). Build a [`Model`](crate::Model) from them to evaluate; that is where they are
        /// validated. The list is written once (`src/params.rs`) and generates this struct,
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
        pub(crate) mod v8_fields {
            use crate::family::Field;
            #[allow(unused_imports)]
            use super::{FREE, WELL, PROBABILITY};
            $(
                pub(crate) static $konst: Field = Field {
                    name: $name,
                    used_as_abs: $abs,
                    physical: $physical,
                    scale: $scale,
                    start: $start,
                };
            )*
        }
    };
}

/// No bound.
const FREE: (f64, f64) = (f64::NEG_INFINITY, f64::INFINITY);
/// The physical range of a well position: the model's COF range.
const WELL: (f64, f64) = (0.1, 1.3);
/// `omega0` in `[0, 1]` keeps `1 - omega0 exp(..)` a probability before its clamp.
const PROBABILITY: (f64, f64) = (0.0, 1.0);

// The starts are the published training's default start (MODEL.md); the scales are the typical
// magnitudes the optimiser divides by.
v8_params! {
    mu_l, MuL, MU_L = "mu_L", abs: false, physical: WELL, scale: 0.1, start: 0.18,
        "Clean-state well position (COF).";
    mu_h, MuH, MU_H = "mu_H", abs: false, physical: WELL, scale: 0.1, start: 0.90,
        "Galled-state well position (COF).";
    h0, H0, H0 = "h0", abs: true, physical: FREE, scale: 0.1, start: 0.1,
        "Barrier height at the reference temperature (used as `|h0|`).";
    alpha_h, AlphaH, ALPHA_H = "alpha_h", abs: true, physical: FREE, scale: 0.1, start: 0.1,
        "Barrier temperature sensitivity, 1/degC (used as `|alpha_h|`).";
    g0, G0, G0 = "g0", abs: false, physical: FREE, scale: 0.01, start: -0.01,
        "Tilt of the potential at the reference temperature.";
    g_t, GT, G_T = "g_T", abs: false, physical: FREE, scale: 0.001, start: 0.005,
        "Temperature sensitivity of the tilt, 1/degC.";
    d0, D0, D0 = "D0", abs: true, physical: FREE, scale: 0.001, start: 0.001,
        "Noise intensity at the reference temperature (used as `|D0|`).";
    d_t, DT, D_T = "D_T", abs: false, physical: FREE, scale: 0.1, start: 0.1,
        "Temperature scaling of the noise intensity, 1/degC (no abs).";
    omega0, Omega0, OMEGA0 = "omega0", abs: true, physical: PROBABILITY, scale: 0.1, start: 0.1,
        "Kramers escape attempt frequency (used as `|omega0|`).";
    tau, Tau, TAU = "tau", abs: true, physical: FREE, scale: 1.0, start: 3.0,
        "Jump time multiplier on the potential force (used as `|tau|`).";
    j_mu, JMu, J_MU = "j_mu", abs: false, physical: FREE, scale: 0.1, start: -0.3,
        "COF dependence of the jump drift.";
    j_t, JT, J_T = "j_T", abs: false, physical: FREE, scale: 0.01, start: 0.03,
        "Temperature dependence of the jump drift, 1/degC.";
    sigma_jump_up, SigmaJumpUp, SIGMA_UP = "sigma_jump_up", abs: true, physical: FREE, scale: 0.1,
        start: 0.15,
        "Landing spread of jumps from below the midpoint (galling onset), used as `|sigma_jump_up|`.";
    sigma_jump_down, SigmaJumpDown, SIGMA_DOWN = "sigma_jump_down", abs: true, physical: FREE,
        scale: 0.1, start: 0.10,
        "Landing spread of jumps from above the midpoint (detachment), used as `|sigma_jump_down|`.";
    mu0_base, Mu0Base, MU0_BASE = "mu0_base", abs: false, physical: FREE, scale: 1.0, start: 0.15,
        "Starting COF of simulations (clamped to the COF range); not part of the likelihood.";
}

impl ParamField {
    /// The model's name for the field, as in MODEL.md and the JSON files.
    ///
    /// ```
    /// assert_eq!(galling::ParamField::D0.name(), "D0");
    /// ```
    pub const fn name(self) -> &'static str {
        crate::family::V8_TABLE.fields[self as usize].name
    }

    /// Position of the field in storage order.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// Whether the model uses the absolute value of this field.
    pub const fn is_used_as_abs(self) -> bool {
        crate::family::V8_TABLE.fields[self as usize].used_as_abs
    }
}

impl fmt::Display for ParamField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The inputs a model must evaluate finitely: every die temperature and every COF in this box
/// (inclusive), and every COF change between two COF values of the box.
///
/// [`V8Params::validate`] checks the parameters over [`OperatingBox::MONITOR_DEFAULT`]; a monitor
/// configured with wider input bounds checks its own box with [`V8Params::validate_within`].
///
/// ```
/// use galling::{OperatingBox, V8Params};
/// let wide = OperatingBox { temperature_low: -100.0, temperature_high: 600.0, cof_low: 0.0, cof_high: 3.0 };
/// assert!(V8Params::PUBLISHED_FIT.validate_within(&wide).is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct OperatingBox {
    /// Lowest die temperature, degC.
    pub temperature_low: f32,
    /// Highest die temperature, degC.
    pub temperature_high: f32,
    /// Lowest COF.
    pub cof_low: f32,
    /// Highest COF.
    pub cof_high: f32,
}

impl OperatingBox {
    /// The monitor's default input bounds: COF in `[0, 2]` (the stroke averager's clamp), die
    /// temperature in `[-40, 400]` degC. The simulation clamp `[0.1, 1.3]` lies inside.
    pub const MONITOR_DEFAULT: Self = Self {
        temperature_low: -40.0,
        temperature_high: 400.0,
        cof_low: 0.0,
        cof_high: 2.0,
    };
}

/// A model quantity whose worst case over the [`OperatingBox`] is bounded by validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Quantity {
    /// The barrier scale `h(T)`.
    BarrierScale,
    /// The tilt `g(T)`.
    Tilt,
    /// The noise intensity `D(T)`.
    NoiseIntensity,
    /// The potential `V(mu)` (and the barrier `dV`).
    Potential,
    /// The stay drift `d1 = -V'(mu)`.
    StayDrift,
    /// The escape rate `|omega0| exp(...)` inside the stay probability.
    EscapeRate,
    /// The jump drift `d2` (V8: `-V'(mu) |tau| + j_mu mu + j_T dT`; V7: `j0 + j_mu mu + j_T dT`).
    JumpDrift,
    /// V7's stay logit `a0 + a_T dT + a_mu mu + a_mu2 mu^2`.
    StayLogit,
    /// V7's stay spread pre-activation `s0 + s_mu mu + s_T dT`.
    StaySpread,
    /// V7's jump spread pre-activation `v0 + v_mu mu`.
    JumpSpread,
    /// V7's simulation start `mu0_base + mu0_T dT`.
    InitialCof,
    /// The standardised COF change `(delta - d1) / s1` of the stay component (its square enters the
    /// log-probability).
    StayResidual,
    /// The standardised COF change `(delta - d2) / s2` of the jump component.
    JumpResidual,
}

impl Quantity {
    /// What the quantity is, as in MODEL.md.
    pub const fn name(self) -> &'static str {
        match self {
            Self::BarrierScale => "barrier scale h(T)",
            Self::Tilt => "tilt g(T)",
            Self::NoiseIntensity => "noise intensity D(T)",
            Self::Potential => "potential V(mu)",
            Self::StayDrift => "stay drift d1",
            Self::EscapeRate => "escape rate |omega0| exp(-dV/D)",
            Self::JumpDrift => "jump drift d2",
            Self::StayLogit => "stay logit",
            Self::StaySpread => "stay spread pre-activation",
            Self::JumpSpread => "jump spread pre-activation",
            Self::InitialCof => "simulation start mu0",
            Self::StayResidual => "standardised stay residual (delta - d1)/s1",
            Self::JumpResidual => "standardised jump residual (delta - d2)/s2",
        }
    }

    /// The kernel parameters the quantity depends on (the ones to change to bring it back in
    /// range), by their names in the kernel of `model` (V8's for the double-well variants, V7's for
    /// V7). A variant names them its own way: see [`ParamError`]'s `Display`.
    pub const fn fields(self, model: ModelId) -> &'static [&'static str] {
        if let ModelId::V7 = model {
            return match self {
                Self::StayLogit => &["a0", "a_T", "a_mu", "a_mu2"],
                Self::StayDrift | Self::StayResidual => &["c0", "c_mu", "c_T"],
                Self::StaySpread => &["s0", "s_mu", "s_T"],
                Self::JumpDrift | Self::JumpResidual => &["j0", "j_mu", "j_T"],
                Self::JumpSpread => &["v0", "v_mu"],
                Self::InitialCof => &["mu0_base", "mu0_T"],
                _ => &[],
            };
        }
        match self {
            Self::BarrierScale => &["h0", "alpha_h"],
            Self::Tilt => &["g0", "g_T"],
            Self::NoiseIntensity => &["D0", "D_T"],
            Self::Potential | Self::StayDrift => &["h0", "alpha_h", "mu_L", "mu_H", "g0", "g_T"],
            Self::EscapeRate => &["omega0"],
            Self::JumpDrift => &[
                "h0", "alpha_h", "mu_L", "mu_H", "g0", "g_T", "tau", "j_mu", "j_T",
            ],
            Self::StayResidual => &["h0", "alpha_h", "mu_L", "mu_H", "g0", "g_T", "D0", "D_T"],
            Self::JumpResidual => &[
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
            Self::StayLogit | Self::StaySpread | Self::JumpSpread | Self::InitialCof => &[],
        }
    }
}

impl Quantity {
    /// The parameters of `model` the quantity depends on, as `(index, name)` in the variant's own
    /// storage order and naming (V9's `k` for the kernel's `h0`); parameters the variant holds fixed
    /// are left out.
    ///
    /// ```
    /// use galling::{Quantity, family::ModelId};
    /// let v9: Vec<_> = Quantity::BarrierScale.own_fields(ModelId::V9).collect();
    /// assert_eq!(v9, [(2, "k")]);
    /// ```
    pub fn own_fields(self, model: ModelId) -> impl Iterator<Item = (usize, &'static str)> {
        let variant = model.variant();
        let kernel = match variant.kernel {
            KernelKind::DoubleWell => &crate::family::V8_TABLE,
            KernelKind::Linear => &crate::family::V7_TABLE,
        };
        self.fields(model).iter().filter_map(move |name| {
            let own = kernel
                .index_of(name)
                .and_then(|j| variant.name_of_kernel_param(j))?;
            variant.index_of(own).map(|i| (i, own))
        })
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Largest magnitude validation lets a model quantity (`h`, `g`, `D`, `V`, `d1`, `d2`, the escape rate)
/// reach over the operating box: eight orders of magnitude below `f32::MAX` (3.4e38), so the
/// simulation's `mu + d + s z` and the rounding of the bound itself stay finite.
pub const QUANTITY_LIMIT: f32 = 1e30;

/// Largest square of a standardised residual `(delta - d) / s` validation allows: `0.5 z^2` plus the
/// Gaussian normaliser then stays a factor 60 below `f32::MAX`, so every log-probability is finite.
pub const RESIDUAL_SQUARED_LIMIT: f32 = 1e37;

/// Why a parameter set was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ParamError {
    /// The named parameter is NaN or infinite.
    NotFinite(&'static str),
    /// The field is finite (in `f64`) but too large in magnitude for `f32`, which the firmware
    /// evaluates in (beyond 3.4e38).
    BeyondF32(&'static str),
    /// `mu_L < mu_H` does not hold: the clean well must lie below the galled well.
    WellsNotOrdered,
    /// A jump spread (`sigma_jump_up` or `sigma_jump_down`) is zero: the jump component would have no
    /// spread (`s2 > 0` is required).
    ZeroSpread(&'static str),
    /// Over the operating box, `quantity` can exceed [`QUANTITY_LIMIT`] (for the residuals: their
    /// square can exceed [`RESIDUAL_SQUARED_LIMIT`]): `f32` evaluation could overflow to infinity or
    /// NaN.
    Unbounded {
        /// The quantity that can grow too large.
        quantity: Quantity,
        /// Decimal exponent of its worst case (`31` means about `1e31`; for the residuals, of the
        /// square); `i16::MAX` when the bound itself overflows `f32`.
        exponent: i16,
        /// The variant whose parameters these are (the message names its parameters).
        model: ModelId,
    },
    /// The operating box is not two finite, ordered intervals.
    InvalidBox,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFinite(field) => write!(f, "parameter {field} is not a finite number"),
            Self::BeyondF32(field) => write!(
                f,
                "parameter {field} is beyond the f32 range (magnitude over 3.4e38) the firmware evaluates in"
            ),
            Self::WellsNotOrdered => f.write_str(
                "parameters mu_L and mu_H: the clean well mu_L must lie below the galled well mu_H",
            ),
            Self::ZeroSpread(field) => write!(
                f,
                "parameter {field} is zero: the jump component needs a positive spread"
            ),
            Self::Unbounded {
                quantity,
                exponent,
                model,
            } => {
                let (what, limit) = match quantity {
                    Quantity::StayResidual | Quantity::JumpResidual => ("the square of the ", 37),
                    _ => ("the ", 30),
                };
                f.write_str("parameters ")?;
                for (i, (_, own)) in quantity.own_fields(*model).enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(own)?;
                }
                write!(f, ": {what}{quantity} reaches ")?;
                if *exponent == i16::MAX {
                    f.write_str("beyond the f32 range")?;
                } else {
                    write!(f, "about 1e{exponent}")?;
                }
                write!(
                    f,
                    " in the operating box (die temperatures and COF values the monitor accepts); \
                     the limit that keeps f32 evaluation finite is 1e{limit}"
                )
            }
            Self::InvalidBox => f.write_str(
                "operating box: temperature and COF bounds must be finite with low < high",
            ),
        }
    }
}

impl core::error::Error for ParamError {}

impl ParamError {
    /// The same error, attributed to `model`'s parameters (for an error found in its kernel).
    pub(crate) fn for_model(self, model: ModelId) -> Self {
        match self {
            Self::Unbounded {
                quantity, exponent, ..
            } => Self::Unbounded {
                quantity,
                exponent,
                model,
            },
            other => other,
        }
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
    /// most [`QUANTITY_LIMIT`] ([`RESIDUAL_SQUARED_LIMIT`] for the squared residuals).
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

/// `floor(log10(x))` of a value above the limits (so at least 1e30), by counting; `i16::MAX` when it
/// is not finite. A loop of at most 9 steps instead of libm's log10f and floorf, whose bit arithmetic
/// carries overflow checks into a build that keeps them (the link-time panic proof).
pub(crate) fn decimal_exponent(x: f32) -> i16 {
    if !x.is_finite() {
        return i16::MAX;
    }
    let (mut exponent, mut power) = (30_i16, 1e31_f32);
    while x >= power && exponent < 38 {
        exponent = exponent.saturating_add(1);
        power *= 10.0;
    }
    exponent
}

/// The worst-case bounds of [`V8Params::validate_within`], in `f32` (a bound that overflows is
/// infinite and refused).
fn worst_case(p: &V8Params<f32>, b: &OperatingBox) -> Result<(), ParamError> {
    use crate::consts::{EPS, EXP_LIMIT};
    let ordered = |lo: f32, hi: f32| lo.is_finite() && hi.is_finite() && lo < hi;
    if !ordered(b.temperature_low, b.temperature_high) || !ordered(b.cof_low, b.cof_high) {
        return Err(ParamError::InvalidBox);
    }
    let eps = EPS as f32;
    let exp_limit = EXP_LIMIT as f32;
    let check = |quantity: Quantity, bound: f32| {
        let limit = match quantity {
            Quantity::StayResidual | Quantity::JumpResidual => RESIDUAL_SQUARED_LIMIT,
            _ => QUANTITY_LIMIT,
        };
        if bound <= limit {
            Ok(bound)
        } else {
            let exponent = decimal_exponent(bound);
            Err(ParamError::Unbounded {
                quantity,
                exponent,
                model: ModelId::V8,
            })
        }
    };
    // largest magnitude of a linear function of the box variable x in [lo, hi]
    let span = |lo: f32, hi: f32, at: &dyn Fn(f32) -> f32| at(lo).abs().max(at(hi).abs());
    let exp_bound =
        |x: f32| crate::scalar::Scalar::exp(crate::scalar::clamp(x, -exp_limit, exp_limit));
    let t_ref = crate::consts::T_REF as f32;
    let (dt_lo, dt_hi) = (b.temperature_low - t_ref, b.temperature_high - t_ref);
    let dt_abs = dt_lo.abs().max(dt_hi.abs());
    // h(T) = |h0| exp(clamp(-|alpha_h| dT)): largest at the coldest end
    let h = check(
        Quantity::BarrierScale,
        p.h0.abs() * exp_bound((-p.alpha_h.abs() * dt_lo).max(-p.alpha_h.abs() * dt_hi)),
    )?;
    let g = check(Quantity::Tilt, p.g0.abs() + p.g_t.abs() * dt_abs)?;
    let noise = check(
        Quantity::NoiseIntensity,
        p.d0.abs() * exp_bound((p.d_t * dt_lo).max(p.d_t * dt_hi)),
    )?;
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
    let v = check(
        Quantity::Potential,
        quartic * (a * a) * (bb * bb) + g * off_mid,
    )?;
    // dV = V(mid) - V(mu) is at most 2 max|V|
    check(Quantity::Potential, 2.0 * v)?;
    let slope = check(Quantity::StayDrift, 2.0 * quartic * a * bb * cc + g)?;
    // the escape exponent is clamped to [-20, 20]; an infinite -dV/D clamps to -20 without NaN
    check(Quantity::EscapeRate, p.omega0.abs() * exp_bound(exp_limit))?;
    let cof_abs = b.cof_low.abs().max(b.cof_high.abs());
    let d2 = check(
        Quantity::JumpDrift,
        slope * p.tau.abs() + p.j_mu.abs() * cof_abs + p.j_t.abs() * dt_abs,
    )?;
    let delta = b.cof_high - b.cof_low;
    // s1 = sqrt(2D + eps) >= 1e-4: 1 / (s1 + eps) <= 1e4; 2D itself must be finite
    check(Quantity::NoiseIntensity, 2.0 * noise + eps)?;
    let stay_z = (delta + slope) / (libm::sqrtf(eps) + eps);
    check(Quantity::StayResidual, stay_z * stay_z)?;
    let sigma = p.sigma_jump_up.abs().min(p.sigma_jump_down.abs());
    let jump_z = (delta + d2) / (sigma + eps);
    check(Quantity::JumpResidual, jump_z * jump_z)?;
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

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
