//! The family-wide parameter vocabulary: the inputs a model must evaluate finitely
//! ([`OperatingBox`]), the quantities validation bounds ([`Quantity`]), why parameters are refused
//! ([`ParamError`]), and what a kernel's file provides to join the family ([`KernelModel`]). Each
//! kernel's own parameters live in its file under `src/family/` (V8's [`V8Params`](crate::V8Params)
//! in `src/family/v8.rs`).

use crate::family::table::{ModelId, Variant};
use crate::kernel::Kernels;
use crate::scalar::Scalar;
use core::fmt;

/// The inputs a model must evaluate finitely: every die temperature and every COF in this box
/// (inclusive), and every COF change between two COF values of the box.
///
/// [`V8Params::validate`](crate::V8Params::validate) checks the parameters over
/// [`OperatingBox::MONITOR_DEFAULT`]; a monitor configured with wider input bounds checks its own
/// box with [`V8Params::validate_within`](crate::V8Params::validate_within).
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
    /// The variant's kernel is not compiled into this build: its cargo feature
    /// ([`ModelId::cargo_feature`]) is off (a build for one variant).
    NotCompiled(ModelId),
}

impl ParamError {
    /// The variant's position in the declaration (0 = `NotFinite`, ..., 6 = `NotCompiled`): the
    /// code of a refused blob's compact log form ([`BlobError::log_form`](crate::blob::BlobError::log_form)).
    ///
    /// ```
    /// use galling::ParamError;
    /// assert_eq!(ParamError::NotFinite("D0").code(), 0);
    /// assert_eq!(ParamError::InvalidBox.code(), 5);
    /// ```
    pub const fn code(&self) -> u32 {
        match self {
            Self::NotFinite(_) => 0,
            Self::BeyondF32(_) => 1,
            Self::WellsNotOrdered => 2,
            Self::ZeroSpread(_) => 3,
            Self::Unbounded { .. } => 4,
            Self::InvalidBox => 5,
            Self::NotCompiled(_) => 6,
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

/// `bound` when it is at most the limit of `quantity` ([`QUANTITY_LIMIT`], or
/// [`RESIDUAL_SQUARED_LIMIT`] for the squared residuals), else [`ParamError::Unbounded`] naming it
/// for `model`: the step of every kernel's worst-case validation. One copy, never inlined:
/// validation runs once, at start-up, and a dozen inlined copies per kernel cost a firmware about
/// half a kilobyte of flash.
#[inline(never)]
pub(crate) fn bounded(quantity: Quantity, bound: f32, model: ModelId) -> Result<f32, ParamError> {
    let limit = match quantity {
        Quantity::StayResidual | Quantity::JumpResidual => RESIDUAL_SQUARED_LIMIT,
        _ => QUANTITY_LIMIT,
    };
    if bound <= limit {
        Ok(bound)
    } else {
        Err(ParamError::Unbounded {
            quantity,
            exponent: decimal_exponent(bound),
            model,
        })
    }
}

/// What a kernel's file provides to join the family, implemented by the kernel's validated model
/// (V8's [`Model`](crate::Model), V7's [`V7Model`](crate::family::v7)): its parameters and
/// their table, their validation, and which parameters each validated [`Quantity`] depends on. The
/// registration list (`src/family/mod.rs`) generates the family's dispatch from it.
///
/// ```
/// use galling::family::{KernelModel, ModelId};
/// use galling::{Model, Quantity};
/// assert_eq!(<Model<f32> as KernelModel<f32>>::TABLE.fields.len(), 15);
/// assert!(Quantity::Tilt.fields(ModelId::V8).contains(&"g_T"));
/// ```
pub trait KernelModel<S: Scalar>: Kernels<S> + Copy {
    /// The kernel's parameters.
    type Params: Copy;

    /// The table of the kernel's own parameters, in the kernel's storage order: the variant whose
    /// parameters are all free (V8's table for the double-well kernel).
    const TABLE: &'static Variant;

    /// For each quantity the kernel's validation bounds, the kernel parameters it depends on (the
    /// ones to change to bring it back in range), by the kernel's names; a quantity not listed
    /// depends on none.
    const QUANTITY_FIELDS: &'static [(Quantity, &'static [&'static str])];

    /// The kernel's parameters from their values in the kernel's storage order (`value(j)` for
    /// parameter `j`).
    fn params_from(value: impl FnMut(usize) -> S) -> Self::Params;

    /// Checks that the kernel evaluates finitely in `f32` over `bounds`, for parameters whose every
    /// value is finite and within `f32` (the family checks those first, naming the variant's own
    /// parameters: [`ModelParams::validate_within`](crate::family::ModelParams::validate_within));
    /// errors are attributed to the kernel's own variant, the family re-attributes them.
    ///
    /// # Errors
    /// The first [`ParamError`] found.
    fn validate_params(params: &Self::Params, bounds: &OperatingBox) -> Result<(), ParamError>;

    /// The model of parameters already validated (over any box).
    fn from_valid_params(params: &Self::Params) -> Self;
}
