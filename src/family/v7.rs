//! V7: the 17-coefficient linear kernel (`VARIANTS.md`): the same two-component mixture as V8, but
//! every mixture quantity is a direct function of `(T, mu)`, with no potential and no `abs()`.
//!
//! ```text
//! pi = sigmoid(a0 + a_T dT + a_mu mu + a_mu2 mu^2)
//! d1 = c0 + c_mu mu + c_T dT ;   s1 = softplus(s0 + s_mu mu + s_T dT)
//! d2 = j0 + j_mu mu + j_T dT ;   s2 = softplus(v0 + v_mu mu)
//! mu_0 = clamp(mu0_base + mu0_T dT, 0.1, 1.3)
//! ```

#[cfg(feature = "v7")]
use super::table::{Field, KernelKind, Source, Variant};
use super::table::{ModelId, ModelParams};
use crate::consts::{EPS, T_REF};
use crate::params::{OperatingBox, ParamError, Quantity, bounded};
use crate::scalar::Scalar;
// The kernel itself (cargo feature `v7`).
#[cfg(feature = "v7")]
use crate::consts::{COF_MAX, COF_MIN, EXP_LIMIT};
#[cfg(feature = "v7")]
use crate::kernel::{Kernel, Kernels, Mixture};
#[cfg(feature = "v7")]
use crate::params::KernelModel;
#[cfg(feature = "v7")]
use crate::scalar::clamp;

#[cfg(feature = "v7")]
#[inline(always)]
fn c<S: Scalar>(x: f64) -> S {
    S::from_f64(x)
}

/// `1 / (1 + e^-x)`.
#[cfg(feature = "v7")]
#[inline(always)]
fn sigmoid<S: Scalar>(x: S) -> S {
    c::<S>(1.0) / (c::<S>(1.0) + (-x).exp())
}

/// `ln(1 + e^x)`, and `x` itself above 20 (as the reference implementation).
#[cfg(feature = "v7")]
#[inline(always)]
fn softplus<S: Scalar>(x: S) -> S {
    if x > c(EXP_LIMIT) {
        x
    } else {
        (c::<S>(1.0) + x.exp()).ln()
    }
}

macro_rules! v7_params {
    ($($field:ident => $name:literal, $doc:literal;)*) => {
        /// The 17 raw coefficients of V7, as stored by the trainer and in the blob.
        ///
        /// With the `serde` feature the field names are the model's (`a0`, `a_T`, ...).
        #[derive(Debug, Clone, Copy, PartialEq)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
        pub struct V7Params<S = f32> {
            $(
                #[doc = $doc]
                #[cfg_attr(feature = "serde", serde(rename = $name))]
                pub $field: S,
            )*
        }

        impl<S> V7Params<S> {
            /// Parameters from values in storage order (the order of [`V7Params::NAMES`]).
            pub fn from_array(v: [S; 17]) -> Self {
                let [$($field),*] = v;
                Self { $($field),* }
            }
        }

        impl<S: Copy> V7Params<S> {
            /// The parameters in storage order.
            pub fn to_array(&self) -> [S; 17] {
                [$(self.$field),*]
            }
        }

        impl V7Params {
            /// The parameters' names, in storage order (as in the JSON files and VARIANTS.md).
            ///
            /// ```
            /// assert_eq!(galling::family::V7Params::NAMES[1], "a_T");
            /// ```
            pub const NAMES: [&'static str; 17] = [$($name),*];
        }

        /// V7's parameter table.
        #[cfg(feature = "v7")]
        pub const V7_TABLE: Variant = Variant {
            id: ModelId::V7,
            kernel: KernelKind::Linear,
            fields: &[$(&Field {
                name: $name,
                used_as_abs: false,
            }),*],
            sources: &[
                Source::Free(0), Source::Free(1), Source::Free(2), Source::Free(3),
                Source::Free(4), Source::Free(5), Source::Free(6), Source::Free(7),
                Source::Free(8), Source::Free(9), Source::Free(10), Source::Free(11),
                Source::Free(12), Source::Free(13), Source::Free(14), Source::Free(15),
                Source::Free(16),
            ],
            ordered: None,
        };
    };
}

v7_params! {
    a0 => "a0", "Stay logit at 160 C.";
    a_t => "a_T", "Temperature slope of the stay logit, 1/degC.";
    a_mu => "a_mu", "COF slope of the stay logit.";
    a_mu2 => "a_mu2", "Quadratic COF term of the stay logit.";
    c0 => "c0", "Stay drift at 160 C and COF 0.";
    c_mu => "c_mu", "COF slope of the stay drift.";
    c_t => "c_T", "Temperature slope of the stay drift, 1/degC.";
    s0 => "s0", "Stay spread pre-activation at 160 C and COF 0 (softplus).";
    s_mu => "s_mu", "COF slope of the stay spread pre-activation.";
    s_t => "s_T", "Temperature slope of the stay spread pre-activation, 1/degC.";
    j0 => "j0", "Jump drift at 160 C and COF 0.";
    j_mu => "j_mu", "COF slope of the jump drift.";
    j_t => "j_T", "Temperature slope of the jump drift, 1/degC.";
    v0 => "v0", "Jump spread pre-activation at COF 0 (softplus).";
    v_mu => "v_mu", "COF slope of the jump spread pre-activation.";
    mu0_base => "mu0_base", "Starting COF of simulations at 160 C.";
    mu0_t => "mu0_T", "Temperature slope of the starting COF, 1/degC.";
}

impl<S: Copy> V7Params<S> {
    /// The same parameters converted to another number type.
    pub fn map<T>(&self, f: impl FnMut(S) -> T) -> V7Params<T> {
        V7Params::from_array(self.to_array().map(f))
    }
}

impl V7Params<f32> {
    /// The upstream V7 fit (`v7-upstream-fit.json`: LL 1328.609444 on the 862 real transitions),
    /// float32 values as stored.
    pub const UPSTREAM_FIT: Self = Self {
        a0: 6.532_917_5,
        a_t: -0.349_572_33,
        a_mu: -18.302_523,
        a_mu2: 15.779_4,
        c0: 0.006_318_669_8,
        c_mu: -0.019_594_73,
        c_t: -0.000_261_374_2,
        s0: -3.995_625_5,
        s_mu: 2.082_778_5,
        s_t: -0.061_014_358,
        j0: 0.000_106_704_014,
        j_mu: -0.445_240_86,
        j_t: 0.034_156_93,
        v0: -1.713_132_5,
        v_mu: 0.450_549_9,
        mu0_base: 0.12,
        mu0_t: 0.005,
    };
}

impl<S: Scalar> V7Params<S> {
    /// Checks that V7 evaluates finitely in `f32` for every die temperature and COF of `bounds` and
    /// every COF change between two of its COF values: every value finite and within `f32`, and a
    /// worst-case bound of the logit, both drifts, both spread pre-activations, the simulation start
    /// and the squared standardised residuals at most [`QUANTITY_LIMIT`](crate::QUANTITY_LIMIT)
    /// ([`RESIDUAL_SQUARED_LIMIT`](crate::RESIDUAL_SQUARED_LIMIT) for the residuals; the spreads can be 0, so the residual bound
    /// divides by `eps`).
    ///
    /// # Errors
    /// The first [`ParamError`] found.
    pub fn validate_within(&self, bounds: &OperatingBox) -> Result<(), ParamError> {
        for (name, value) in V7Params::NAMES.into_iter().zip(self.to_array()) {
            if !value.is_finite() {
                return Err(ParamError::NotFinite(name));
            }
            if !(value.to_f64() as f32).is_finite() {
                return Err(ParamError::BeyondF32(name));
            }
        }
        self.validate_finite_within(bounds)
    }

    /// [`validate_within`](Self::validate_within) of parameters whose every value is already known
    /// finite and within `f32` (the family checks that first; this is the kernel's part:
    /// [`KernelModel::validate_params`](crate::family::KernelModel::validate_params)).
    #[cfg_attr(not(feature = "v7"), allow(dead_code))]
    pub(crate) fn validate_finite_within(&self, bounds: &OperatingBox) -> Result<(), ParamError> {
        let p = self.map(|v| v.to_f64() as f32);
        let b = bounds;
        let ordered = |lo: f32, hi: f32| lo.is_finite() && hi.is_finite() && lo < hi;
        if !ordered(b.temperature_low, b.temperature_high) || !ordered(b.cof_low, b.cof_high) {
            return Err(ParamError::InvalidBox);
        }
        let t_ref = T_REF as f32;
        let dt = (b.temperature_low - t_ref)
            .abs()
            .max((b.temperature_high - t_ref).abs());
        let mu = b.cof_low.abs().max(b.cof_high.abs());
        let check = |quantity: Quantity, bound: f32| bounded(quantity, bound, ModelId::V7);
        check(
            Quantity::StayLogit,
            p.a0.abs() + p.a_t.abs() * dt + p.a_mu.abs() * mu + p.a_mu2.abs() * (mu * mu),
        )?;
        let d1 = check(
            Quantity::StayDrift,
            p.c0.abs() + p.c_mu.abs() * mu + p.c_t.abs() * dt,
        )?;
        check(
            Quantity::StaySpread,
            p.s0.abs() + p.s_mu.abs() * mu + p.s_t.abs() * dt,
        )?;
        let d2 = check(
            Quantity::JumpDrift,
            p.j0.abs() + p.j_mu.abs() * mu + p.j_t.abs() * dt,
        )?;
        check(Quantity::JumpSpread, p.v0.abs() + p.v_mu.abs() * mu)?;
        check(Quantity::InitialCof, p.mu0_base.abs() + p.mu0_t.abs() * dt)?;
        // a spread can be 0 (softplus of a very negative argument): 1 / (s + eps) <= 1 / eps
        let delta = b.cof_high - b.cof_low;
        let eps = EPS as f32;
        let stay_z = (delta + d1) / eps;
        check(Quantity::StayResidual, stay_z * stay_z)?;
        let jump_z = (delta + d2) / eps;
        check(Quantity::JumpResidual, jump_z * jump_z)?;
        Ok(())
    }
}

/// Validated V7 parameters, ready to evaluate.
#[cfg(feature = "v7")]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct V7Model<S = f32> {
    p: V7Params<S>,
}

#[cfg(feature = "v7")]
impl<S: Scalar> V7Model<S> {
    /// Validates `params` over the monitor's default box ([`V7Params::validate_within`]).
    pub fn new(params: &V7Params<S>) -> Result<Self, ParamError> {
        params.validate_within(&OperatingBox::MONITOR_DEFAULT)?;
        Ok(Self::prepare(params))
    }

    /// The model of parameters already validated.
    pub(crate) fn prepare(params: &V7Params<S>) -> Self {
        Self { p: *params }
    }

    /// The parameters.
    pub fn params(&self) -> &V7Params<S> {
        &self.p
    }

    /// Everything that depends only on the die temperature, evaluated once.
    pub fn landscape(&self, temperature: S) -> V7Landscape<S> {
        let p = &self.p;
        let dt = temperature - c(T_REF);
        V7Landscape {
            logit: p.a0 + p.a_t * dt,
            a_mu: p.a_mu,
            a_mu2: p.a_mu2,
            stay_offset: p.c0 + p.c_t * dt,
            c_mu: p.c_mu,
            stay_spread_offset: p.s0 + p.s_t * dt,
            s_mu: p.s_mu,
            jump_offset: p.j0 + p.j_t * dt,
            j_mu: p.j_mu,
            v0: p.v0,
            v_mu: p.v_mu,
            initial_cof: clamp(p.mu0_base + p.mu0_t * dt, c(COF_MIN), c(COF_MAX)),
        }
    }
}

/// V7 at one die temperature: the temperature terms folded in.
///
/// ```
/// use galling::family::{V7Model, V7Params};
/// use galling::Kernel;
/// let land = V7Model::new(&V7Params::UPSTREAM_FIT.map(f64::from))?.landscape(165.0);
/// assert!(land.log_prob(0.25, 0.01).is_finite());
/// # Ok::<(), galling::ParamError>(())
/// ```
#[cfg(feature = "v7")]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct V7Landscape<S = f32> {
    /// `a0 + a_T dT`.
    logit: S,
    a_mu: S,
    a_mu2: S,
    /// `c0 + c_T dT`.
    stay_offset: S,
    c_mu: S,
    /// `s0 + s_T dT`.
    stay_spread_offset: S,
    s_mu: S,
    /// `j0 + j_T dT`.
    jump_offset: S,
    j_mu: S,
    v0: S,
    v_mu: S,
    initial_cof: S,
}

#[cfg(feature = "v7")]
impl<S: Scalar> Kernel<S> for V7Landscape<S> {
    #[inline]
    fn mixture(&self, mu: S) -> Mixture<S> {
        Mixture {
            stay_probability: sigmoid(self.logit + self.a_mu * mu + self.a_mu2 * (mu * mu)),
            stay_drift: self.stay_offset + self.c_mu * mu,
            stay_spread: softplus(self.stay_spread_offset + self.s_mu * mu),
            jump_drift: self.jump_offset + self.j_mu * mu,
            jump_spread: softplus(self.v0 + self.v_mu * mu),
        }
    }

    #[inline]
    fn initial_cof(&self) -> S {
        self.initial_cof
    }
}

#[cfg(feature = "v7")]
impl<S: Scalar> Kernels<S> for V7Model<S> {
    type Kernel = V7Landscape<S>;

    fn landscape(&self, temperature: S) -> V7Landscape<S> {
        V7Model::landscape(self, temperature)
    }
}

/// The linear kernel's description for the family.
#[cfg(feature = "v7")]
impl<S: Scalar> KernelModel<S> for V7Model<S> {
    type Params = V7Params<S>;
    const TABLE: &'static Variant = &V7_TABLE;
    const QUANTITY_FIELDS: &'static [(Quantity, &'static [&'static str])] = &[
        (Quantity::StayLogit, &["a0", "a_T", "a_mu", "a_mu2"]),
        (Quantity::StayDrift, &["c0", "c_mu", "c_T"]),
        (Quantity::StayResidual, &["c0", "c_mu", "c_T"]),
        (Quantity::StaySpread, &["s0", "s_mu", "s_T"]),
        (Quantity::JumpDrift, &["j0", "j_mu", "j_T"]),
        (Quantity::JumpResidual, &["j0", "j_mu", "j_T"]),
        (Quantity::JumpSpread, &["v0", "v_mu"]),
        (Quantity::InitialCof, &["mu0_base", "mu0_T"]),
    ];

    #[inline(always)]
    fn params_from(value: impl FnMut(usize) -> S) -> V7Params<S> {
        V7Params::from_array(core::array::from_fn(value))
    }

    fn validate_params(params: &V7Params<S>, bounds: &OperatingBox) -> Result<(), ParamError> {
        params.validate_finite_within(bounds)
    }

    fn from_valid_params(params: &V7Params<S>) -> Self {
        V7Model::prepare(params)
    }
}

impl<S: Scalar> From<V7Params<S>> for ModelParams<S> {
    fn from(p: V7Params<S>) -> Self {
        Self {
            model: ModelId::V7,
            values: p.to_array(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixture_follows_the_formulas() {
        let p = V7Params::UPSTREAM_FIT.map(f64::from);
        let land = V7Model::new(&p).unwrap().landscape(167.5);
        let (mu, dt) = (0.3, 7.5);
        let m = land.mixture(mu);
        let logit = p.a0 + p.a_t * dt + p.a_mu * mu + p.a_mu2 * mu * mu;
        assert!((m.stay_probability - 1.0 / (1.0 + (-logit).exp())).abs() < 1e-15);
        assert!((m.stay_drift - (p.c0 + p.c_mu * mu + p.c_t * dt)).abs() < 1e-15);
        let sp = |x: f64| (1.0 + x.exp()).ln();
        assert!((m.stay_spread - sp(p.s0 + p.s_mu * mu + p.s_t * dt)).abs() < 1e-15);
        assert!((m.jump_drift - (p.j0 + p.j_mu * mu + p.j_t * dt)).abs() < 1e-15);
        assert!((m.jump_spread - sp(p.v0 + p.v_mu * mu)).abs() < 1e-15);
        assert_eq!(
            land.initial_cof(),
            (p.mu0_base + p.mu0_t * dt).clamp(0.1, 1.3)
        );
        // softplus is the identity above 20
        assert_eq!(softplus(25.0_f64), 25.0);
    }

    #[test]
    fn validation_refuses_unbounded_drifts() {
        let mut p = V7Params::UPSTREAM_FIT;
        p.c_mu = 1e36;
        assert!(matches!(
            p.validate_within(&OperatingBox::MONITOR_DEFAULT),
            Err(ParamError::Unbounded {
                quantity: Quantity::StayDrift,
                ..
            })
        ));
        assert!(
            V7Params::UPSTREAM_FIT
                .validate_within(&OperatingBox::MONITOR_DEFAULT)
                .is_ok()
        );
    }
}
