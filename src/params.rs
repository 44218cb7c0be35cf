//! The 15 parameters of the V8 model and their validation.

use crate::scalar::Scalar;
use core::fmt;

/// The 15 raw parameters of the V8 double-well model, as stored by the trainer and in the blob.
///
/// Values keep their stored sign: positivity is applied at evaluation with `abs()` to `h0, alpha_h,
/// D0, omega0, tau, sigma_jump_up, sigma_jump_down` (the published fit stores `D0 < 0`). Build a
/// [`Model`](crate::Model) from them to evaluate; that is where they are validated.
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
    /// Clean-state well position (COF).
    #[cfg_attr(feature = "serde", serde(rename = "mu_L"))]
    pub mu_l: S,
    /// Galled-state well position (COF).
    #[cfg_attr(feature = "serde", serde(rename = "mu_H"))]
    pub mu_h: S,
    /// Barrier height at the reference temperature (used as `|h0|`).
    pub h0: S,
    /// Barrier temperature sensitivity, 1/degC (used as `|alpha_h|`).
    pub alpha_h: S,
    /// Tilt of the potential at the reference temperature.
    pub g0: S,
    /// Temperature sensitivity of the tilt, 1/degC.
    #[cfg_attr(feature = "serde", serde(rename = "g_T"))]
    pub g_t: S,
    /// Noise intensity at the reference temperature (used as `|D0|`).
    #[cfg_attr(feature = "serde", serde(rename = "D0"))]
    pub d0: S,
    /// Temperature scaling of the noise intensity, 1/degC (no abs).
    #[cfg_attr(feature = "serde", serde(rename = "D_T"))]
    pub d_t: S,
    /// Kramers escape attempt frequency (used as `|omega0|`).
    pub omega0: S,
    /// Jump time multiplier on the potential force (used as `|tau|`).
    pub tau: S,
    /// COF dependence of the jump drift.
    pub j_mu: S,
    /// Temperature dependence of the jump drift, 1/degC.
    #[cfg_attr(feature = "serde", serde(rename = "j_T"))]
    pub j_t: S,
    /// Landing spread of jumps from below the midpoint (galling onset), used as `|sigma_jump_up|`.
    pub sigma_jump_up: S,
    /// Landing spread of jumps from above the midpoint (detachment), used as `|sigma_jump_down|`.
    pub sigma_jump_down: S,
    /// Starting COF of simulations (clamped to the COF range); not part of the likelihood.
    pub mu0_base: S,
}

/// Names one of the 15 parameters, in storage order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[allow(missing_docs)] // the variants are the model's own names, documented on `V8Params`
pub enum ParamField {
    MuL,
    MuH,
    H0,
    AlphaH,
    G0,
    GT,
    D0,
    DT,
    Omega0,
    Tau,
    JMu,
    JT,
    SigmaJumpUp,
    SigmaJumpDown,
    Mu0Base,
}

impl ParamField {
    /// All fields in storage order (the order of [`V8Params::to_array`] and of the blob).
    pub const ALL: [ParamField; 15] = [
        Self::MuL,
        Self::MuH,
        Self::H0,
        Self::AlphaH,
        Self::G0,
        Self::GT,
        Self::D0,
        Self::DT,
        Self::Omega0,
        Self::Tau,
        Self::JMu,
        Self::JT,
        Self::SigmaJumpUp,
        Self::SigmaJumpDown,
        Self::Mu0Base,
    ];

    /// The model's name for the field, as in MODEL.md and the JSON files.
    ///
    /// ```
    /// assert_eq!(galling::ParamField::D0.name(), "D0");
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            Self::MuL => "mu_L",
            Self::MuH => "mu_H",
            Self::H0 => "h0",
            Self::AlphaH => "alpha_h",
            Self::G0 => "g0",
            Self::GT => "g_T",
            Self::D0 => "D0",
            Self::DT => "D_T",
            Self::Omega0 => "omega0",
            Self::Tau => "tau",
            Self::JMu => "j_mu",
            Self::JT => "j_T",
            Self::SigmaJumpUp => "sigma_jump_up",
            Self::SigmaJumpDown => "sigma_jump_down",
            Self::Mu0Base => "mu0_base",
        }
    }

    /// Position of the field in storage order.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// Whether the model uses the absolute value of this field.
    pub const fn is_used_as_abs(self) -> bool {
        matches!(
            self,
            Self::H0
                | Self::AlphaH
                | Self::D0
                | Self::Omega0
                | Self::Tau
                | Self::SigmaJumpUp
                | Self::SigmaJumpDown
        )
    }
}

impl fmt::Display for ParamField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a parameter set was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ParamError {
    /// The field is NaN or infinite.
    NotFinite(ParamField),
    /// `mu_L < mu_H` does not hold: the clean well must lie below the galled well.
    WellsNotOrdered,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFinite(field) => write!(f, "parameter {field} is not a finite number"),
            Self::WellsNotOrdered => f.write_str(
                "parameters mu_L and mu_H: the clean well mu_L must lie below the galled well mu_H",
            ),
        }
    }
}

impl core::error::Error for ParamError {}

impl<S> V8Params<S> {
    /// Parameters from values in storage order (see [`ParamField::ALL`]).
    ///
    /// ```
    /// use galling::V8Params;
    /// let p = V8Params::PUBLISHED_FIT;
    /// assert_eq!(V8Params::from_array(p.to_array()), p);
    /// ```
    pub fn from_array(v: [S; 15]) -> Self {
        let [
            mu_l,
            mu_h,
            h0,
            alpha_h,
            g0,
            g_t,
            d0,
            d_t,
            omega0,
            tau,
            j_mu,
            j_t,
            sigma_jump_up,
            sigma_jump_down,
            mu0_base,
        ] = v;
        Self {
            mu_l,
            mu_h,
            h0,
            alpha_h,
            g0,
            g_t,
            d0,
            d_t,
            omega0,
            tau,
            j_mu,
            j_t,
            sigma_jump_up,
            sigma_jump_down,
            mu0_base,
        }
    }
}

impl<S: Copy> V8Params<S> {
    /// The parameters in storage order (see [`ParamField::ALL`]).
    pub fn to_array(&self) -> [S; 15] {
        [
            self.mu_l,
            self.mu_h,
            self.h0,
            self.alpha_h,
            self.g0,
            self.g_t,
            self.d0,
            self.d_t,
            self.omega0,
            self.tau,
            self.j_mu,
            self.j_t,
            self.sigma_jump_up,
            self.sigma_jump_down,
            self.mu0_base,
        ]
    }

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
    /// Checks what the model needs: every value finite and `mu_L < mu_H`.
    ///
    /// ```
    /// use galling::{ParamError, ParamField, V8Params};
    /// let mut p = V8Params::PUBLISHED_FIT;
    /// p.tau = f32::NAN;
    /// assert_eq!(p.validate(), Err(ParamError::NotFinite(ParamField::Tau)));
    /// ```
    pub fn validate(&self) -> Result<(), ParamError> {
        for (field, value) in ParamField::ALL.into_iter().zip(self.to_array()) {
            if !value.is_finite() {
                return Err(ParamError::NotFinite(field));
            }
        }
        if self.mu_l < self.mu_h {
            Ok(())
        } else {
            Err(ParamError::WellsNotOrdered)
        }
    }
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
                Err(ParamError::NotFinite(field))
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
