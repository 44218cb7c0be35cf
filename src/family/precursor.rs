//! V8-P, the precursor kernel (issue 16 part 2): V8's double well with an escape probability that
//! is log-linear in the current stroke's features.
//!
//! ```text
//! z_j    = (f_j - ref_j) / scale_j                     (standardised feature j of stroke n; ref and
//!                                                       scale are the feature settings, fixed by the
//!                                                       trainer before a fit, not parameters)
//! p_esc  = |omega0| exp(clamp(-dV / (D + eps), -20, 20))        (V8)
//! p_esc' = p_esc * exp(clamp(sum_j beta_j z_j, -20, 20))         (outside V8's clamp)
//! pi     = clamp(1 - p_esc', 0.01, 0.99)
//! ```
//!
//! every other formula is V8's. The features are [`PRECURSOR_FEATURES`] (breakaway peak and
//! run-in high-COF share, the stroke features that moved before the stroke mean in issue 16).
//! The kernel takes the standardised features `z` as its per-stroke inputs
//! ([`score_at_stroke`](crate::Kernel::score_at_stroke),
//! [`mixture_at_stroke`](crate::Kernel::mixture_at_stroke)); with `z = 0` (a stroke at the clean
//! baseline, or a series without features, such as the 25 C series) the factor is `exp(0) = 1`
//! exactly and the kernel **is** V8, bit for bit. [`mixture`](crate::Kernel::mixture) and
//! [`score`](crate::Kernel::score) (no inputs) are that baseline: forecasts past the current stroke
//! and simulations use it.
//!
//! ```
//! use galling::family::{AnyModel, ModelId, ModelParams, PRECURSOR_FEATURES};
//! use galling::Kernel;
//! let mut p = ModelParams::precursor(galling::V8Params::PUBLISHED_FIT.map(f64::from), [0.0; 2]);
//! assert_eq!(p.len(), 15 + PRECURSOR_FEATURES.len());
//! p.values_mut()[15] = 1.0; // beta_breakaway_peak
//! let k = AnyModel::new(&p)?.landscape(165.0);
//! // a stroke with a high breakaway peak (z = 2) escapes more readily than the baseline
//! let risky = k.mixture_at_stroke(&[2.0, 0.0], 0.2).stay_probability;
//! assert!(risky <= k.mixture(0.2).stay_probability);
//! # Ok::<(), galling::ParamError>(())
//! ```

use super::table::{MAX_PARAMS, ModelId, ModelParams};
use super::v8::V8Params;
use crate::scalar::Scalar;
// The kernel and its table (cargo feature `precursor`).
#[cfg(feature = "precursor")]
use super::table::{Field, KernelKind, Source, Variant};
#[cfg(feature = "precursor")]
use super::v8::V8_TABLE;
#[cfg(feature = "precursor")]
use super::v8::{Landscape, Model, stay_of_escape};
#[cfg(feature = "precursor")]
#[cfg(feature = "precursor")]
use crate::kernel::{Kernel, Kernels, Mixture, TransitionScore};
#[cfg(feature = "precursor")]
use crate::params::{KernelModel, OperatingBox, ParamError, Quantity};

/// Number of stroke features the precursor kernel uses.
pub const N_PRECURSOR_FEATURES: usize = 2;

/// The stroke features the precursor kernel uses, in the order of its inputs `z` and of its
/// `beta_<feature>` parameters (names as the host's feature columns).
///
/// ```
/// assert_eq!(galling::family::PRECURSOR_FEATURES, ["breakaway_peak", "run_in_high_share"]);
/// ```
pub const PRECURSOR_FEATURES: [&str; N_PRECURSOR_FEATURES] =
    ["breakaway_peak", "run_in_high_share"];

#[cfg(feature = "precursor")]
#[inline(always)]
fn c<S: Scalar>(x: f64) -> S {
    S::from_f64(x)
}

/// The precursor kernel's parameters: V8's and one coefficient per feature.
///
/// ```
/// use galling::family::PrecursorParams;
/// use galling::V8Params;
/// let p = PrecursorParams { v8: V8Params::PUBLISHED_FIT, beta: [0.0; 2] };
/// assert_eq!(p.beta, [0.0, 0.0]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrecursorParams<S = f32> {
    /// V8's 15 parameters.
    pub v8: V8Params<S>,
    /// `beta_j`, the log escape-rate change per standard unit of feature `j`
    /// ([`PRECURSOR_FEATURES`] order).
    pub beta: [S; N_PRECURSOR_FEATURES],
}

/// The validated precursor model: V8's model and the coefficients.
///
/// ```
/// use galling::family::{PrecursorModel, PrecursorParams};
/// use galling::{Kernel, Kernels, V8Params};
/// let m = PrecursorModel::new(&PrecursorParams { v8: V8Params::PUBLISHED_FIT, beta: [1.0, 0.5] })?;
/// assert!(m.landscape(165.0).score_at_stroke(&[1.0, 1.0], 0.2, 0.0).log_prob.is_finite());
/// # Ok::<(), galling::ParamError>(())
/// ```
#[cfg(feature = "precursor")]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrecursorModel<S = f32> {
    v8: Model<S>,
    beta: [S; N_PRECURSOR_FEATURES],
}

#[cfg(feature = "precursor")]
impl<S: Scalar> PrecursorModel<S> {
    /// Validates `params` (V8's checks over the monitor's default box) and prepares the model.
    ///
    /// # Errors
    /// V8's [`ParamError`]s, or [`ParamError::NotFinite`] naming a non-finite coefficient.
    pub fn new(params: &PrecursorParams<S>) -> Result<Self, ParamError> {
        Self::validate_params(params, &OperatingBox::MONITOR_DEFAULT)?;
        Ok(Self::from_valid_params(params))
    }

    /// The coefficients `beta`.
    ///
    /// ```
    /// # use galling::family::{PrecursorModel, PrecursorParams};
    /// # use galling::V8Params;
    /// let m = PrecursorModel::new(&PrecursorParams { v8: V8Params::PUBLISHED_FIT, beta: [1.5, 0.0] })?;
    /// assert_eq!(m.beta(), [1.5, 0.0]);
    /// # Ok::<(), galling::ParamError>(())
    /// ```
    pub fn beta(&self) -> [S; N_PRECURSOR_FEATURES] {
        self.beta
    }
}

/// The precursor kernel at one die temperature: V8's landscape and the coefficients.
///
/// ```
/// use galling::family::{PrecursorModel, PrecursorParams};
/// use galling::{Kernel, Kernels, Model, V8Params};
/// let p = V8Params::PUBLISHED_FIT.map(f64::from);
/// let k = PrecursorModel::new(&PrecursorParams { v8: p, beta: [1.0, 1.0] })?.landscape(165.0);
/// // at the clean baseline it is V8
/// let v8 = Model::new(&p)?.landscape(165.0);
/// assert_eq!(k.score_at_stroke(&[0.0, 0.0], 0.25, 0.01), v8.score(0.25, 0.01));
/// # Ok::<(), galling::ParamError>(())
/// ```
#[cfg(feature = "precursor")]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrecursorLandscape<S = f32> {
    v8: Landscape<S>,
    beta: [S; N_PRECURSOR_FEATURES],
}

#[cfg(feature = "precursor")]
impl<S: Scalar> PrecursorLandscape<S> {
    /// V8's landscape (the baseline kernel).
    ///
    /// ```
    /// # use galling::family::{PrecursorModel, PrecursorParams};
    /// # use galling::{Kernels, V8Params};
    /// let m = PrecursorModel::new(&PrecursorParams { v8: V8Params::PUBLISHED_FIT, beta: [1.0, 0.0] })?;
    /// assert!(m.landscape(160.0).double_well().noise_intensity() > 0.0);
    /// # Ok::<(), galling::ParamError>(())
    /// ```
    pub fn double_well(&self) -> &Landscape<S> {
        &self.v8
    }

    /// The escape factor `exp(clamp(sum_j beta_j z_j, -20, 20))` of standardised features `z`
    /// (missing features count as 0, extra ones are ignored).
    ///
    /// ```
    /// # use galling::family::{PrecursorModel, PrecursorParams};
    /// # use galling::{Kernels, V8Params};
    /// let m = PrecursorModel::new(&PrecursorParams { v8: V8Params::PUBLISHED_FIT.map(f64::from), beta: [1.5, 0.0] })?;
    /// let k = m.landscape(160.0);
    /// assert_eq!(k.escape_factor(&[0.0, 0.0]), 1.0);
    /// assert!((k.escape_factor(&[1.0]) - 1.5_f64.exp()).abs() < 1e-12);
    /// # Ok::<(), galling::ParamError>(())
    /// ```
    #[inline(always)]
    pub fn escape_factor(&self, z: &[S]) -> S {
        let mut sum = c::<S>(0.0);
        for (b, x) in self.beta.iter().zip(z) {
            sum = sum + *b * *x;
        }
        sum.exp_clamped()
    }

    /// Stay probability of the transition out of a stroke with standardised features `z`:
    /// `clamp(1 - p_esc * escape_factor(z), 0.01, 0.99)`.
    ///
    /// ```
    /// # use galling::family::{PrecursorModel, PrecursorParams};
    /// # use galling::{Kernels, V8Params};
    /// let m = PrecursorModel::new(&PrecursorParams { v8: V8Params::PUBLISHED_FIT, beta: [0.0, 2.0] })?;
    /// let k = m.landscape(165.0);
    /// assert!(k.stay_probability_at_stroke(&[0.0, 3.0], 0.3) < k.stay_probability_at_stroke(&[0.0, 0.0], 0.3));
    /// # Ok::<(), galling::ParamError>(())
    /// ```
    #[inline(always)]
    pub fn stay_probability_at_stroke(&self, z: &[S], mu: S) -> S {
        stay_of_escape(self.v8.escape_probability(mu) * self.escape_factor(z))
    }
}

/// The precursor kernel: the baseline (`z = 0`, V8) without inputs, the scaled escape with them.
#[cfg(feature = "precursor")]
impl<S: Scalar> Kernel<S> for PrecursorLandscape<S> {
    #[inline(always)]
    fn mixture(&self, mu: S) -> Mixture<S> {
        self.mixture_at_stroke(&[], mu)
    }

    #[inline(always)]
    fn initial_cof(&self) -> S {
        Kernel::initial_cof(&self.v8)
    }

    #[inline(always)]
    fn score(&self, mu: S, delta: S) -> TransitionScore<S> {
        self.score_at_stroke(&[], mu, delta)
    }

    #[inline(always)]
    fn mixture_at_stroke(&self, inputs: &[S], mu: S) -> Mixture<S> {
        self.v8
            .mixture_with_stay(mu, self.stay_probability_at_stroke(inputs, mu))
    }

    #[inline(always)]
    fn score_at_stroke(&self, inputs: &[S], mu: S, delta: S) -> TransitionScore<S> {
        // V8's score with the escape scaled: the same values as the mixture above
        self.v8
            .score_scaled(mu, delta, Some(self.escape_factor(inputs)))
    }
}

#[cfg(feature = "precursor")]
impl<S: Scalar> Kernels<S> for PrecursorModel<S> {
    type Kernel = PrecursorLandscape<S>;

    fn landscape(&self, temperature: S) -> PrecursorLandscape<S> {
        PrecursorLandscape {
            v8: self.v8.landscape(temperature),
            beta: self.beta,
        }
    }
}

/// The precursor kernel's description for the family: V8's parameters, then the coefficients.
#[cfg(feature = "precursor")]
impl<S: Scalar> KernelModel<S> for PrecursorModel<S> {
    type Params = PrecursorParams<S>;
    const TABLE: &'static Variant = &V8_PRECURSOR_TABLE;
    const QUANTITY_FIELDS: &'static [(Quantity, &'static [&'static str])] =
        <Model<S> as KernelModel<S>>::QUANTITY_FIELDS;

    #[inline(always)]
    fn params_from(mut value: impl FnMut(usize) -> S) -> PrecursorParams<S> {
        PrecursorParams {
            v8: V8Params::from_array(core::array::from_fn(&mut value)),
            beta: core::array::from_fn(|j| value(15 + j)),
        }
    }

    /// V8's checks. The escape factor needs none: it is clamped to `[e^-20, e^20]`, so the escape
    /// stays finite in `f32` (V8 bounds `p_esc` by `|omega0| e^20`) and the stay clamp keeps `pi`
    /// a probability; the coefficients' finiteness is checked family-wide.
    fn validate_params(
        params: &PrecursorParams<S>,
        bounds: &OperatingBox,
    ) -> Result<(), ParamError> {
        params.v8.validate_finite_within(bounds)
    }

    fn from_valid_params(params: &PrecursorParams<S>) -> Self {
        PrecursorModel {
            v8: Model::prepare(&params.v8),
            beta: params.beta,
        }
    }
}

/// `beta_breakaway_peak`: log escape-rate change per standard unit of the breakaway peak.
#[cfg(feature = "precursor")]
static BETA_BREAKAWAY_PEAK: Field = Field {
    name: "beta_breakaway_peak",
    used_as_abs: false,
};

/// `beta_run_in_high_share`: log escape-rate change per standard unit of the run-in high share.
#[cfg(feature = "precursor")]
static BETA_RUN_IN_HIGH_SHARE: Field = Field {
    name: "beta_run_in_high_share",
    ..BETA_BREAKAWAY_PEAK
};

#[cfg(feature = "precursor")]
const fn free(i: u8) -> Source {
    Source::Free(i)
}

/// V8-P: V8's 15 parameters (same names) and `beta_breakaway_peak`, `beta_run_in_high_share`.
#[cfg(feature = "precursor")]
pub const V8_PRECURSOR_TABLE: Variant = Variant {
    id: ModelId::V8Precursor,
    kernel: KernelKind::Precursor,
    fields: &[
        V8_TABLE.fields[0],
        V8_TABLE.fields[1],
        V8_TABLE.fields[2],
        V8_TABLE.fields[3],
        V8_TABLE.fields[4],
        V8_TABLE.fields[5],
        V8_TABLE.fields[6],
        V8_TABLE.fields[7],
        V8_TABLE.fields[8],
        V8_TABLE.fields[9],
        V8_TABLE.fields[10],
        V8_TABLE.fields[11],
        V8_TABLE.fields[12],
        V8_TABLE.fields[13],
        V8_TABLE.fields[14],
        &BETA_BREAKAWAY_PEAK,
        &BETA_RUN_IN_HIGH_SHARE,
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
        free(15),
        free(16),
    ],
    ordered: Some((0, 1)),
};

impl<S: Scalar> ModelParams<S> {
    /// V8-P parameters of V8 parameters and coefficients `beta` ([`PRECURSOR_FEATURES`] order).
    ///
    /// ```
    /// use galling::family::{ModelId, ModelParams};
    /// use galling::V8Params;
    /// let p = ModelParams::precursor(V8Params::PUBLISHED_FIT, [0.0; 2]);
    /// assert_eq!(p.model(), ModelId::V8Precursor);
    /// assert_eq!(&p.values()[..15], ModelParams::from(V8Params::PUBLISHED_FIT).values());
    /// ```
    pub fn precursor(v8: V8Params<S>, beta: [S; N_PRECURSOR_FEATURES]) -> Self {
        let mut values = [S::from_f64(0.0); MAX_PARAMS];
        for (slot, x) in values.iter_mut().zip(v8.to_array().into_iter().chain(beta)) {
            *slot = x;
        }
        Self {
            model: ModelId::V8Precursor,
            values,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::family::AnyModel;

    const CASES: [(f64, f64, f64); 6] = [
        (160.0, 0.20, 0.01),
        (165.0, 0.25, -0.02),
        (167.5, 0.45, 0.3),
        (170.0, 0.8, -0.1),
        (170.0, 0.22, 0.6),
        (25.0, 0.18, 0.0),
    ];

    /// z = 0 gives V8 bit for bit, for the published fit, in f32 and f64, for any beta.
    #[test]
    fn zero_features_give_v8_bit_for_bit() {
        for beta in [[0.0, 0.0], [1.5, -2.0], [5.0, 5.0]] {
            let p = ModelParams::precursor(V8Params::PUBLISHED_FIT, beta);
            let pre = AnyModel::new(&p).unwrap();
            let v8 = AnyModel::new(&ModelParams::PUBLISHED_V8).unwrap();
            let pre64 = AnyModel::new(&p.map(f64::from)).unwrap();
            let v864 = AnyModel::new(&ModelParams::PUBLISHED_V8.map(f64::from)).unwrap();
            for (t, mu, d) in CASES {
                let (a, b) = (pre.landscape(t as f32), v8.landscape(t as f32));
                let z = [0.0_f32; 2];
                assert_eq!(
                    a.score_at_stroke(&z, mu as f32, d as f32)
                        .log_prob
                        .to_bits(),
                    b.log_prob(mu as f32, d as f32).to_bits()
                );
                assert_eq!(a.mixture_at_stroke(&z, mu as f32), b.mixture(mu as f32));
                assert_eq!(a.score(mu as f32, d as f32), b.score(mu as f32, d as f32));
                let (a, b) = (pre64.landscape(t), v864.landscape(t));
                assert_eq!(
                    a.score_at_stroke(&[0.0, 0.0], mu, d).log_prob.to_bits(),
                    b.log_prob(mu, d).to_bits()
                );
            }
            let cof = [0.2, 0.21, 0.5, 0.8, 0.3];
            let z = [[0.0, 0.0]; 4];
            assert_eq!(
                pre64
                    .landscape(167.5)
                    .series_log_likelihood_at_strokes(cof, z)
                    .to_bits(),
                v864.landscape(167.5).series_log_likelihood(cof).to_bits()
            );
        }
    }

    /// The escape is multiplied by exp(beta . z), clamped at +-20 in the exponent.
    #[test]
    fn features_scale_the_escape_probability() {
        let p = ModelParams::precursor(V8Params::PUBLISHED_FIT.map(f64::from), [1.5, -0.5]);
        let AnyModel::Precursor(_, m) = AnyModel::new(&p).unwrap() else {
            panic!("not the precursor kernel");
        };
        let k = m.landscape(165.0);
        let base = k.double_well().escape_probability(0.3);
        let z = [0.8, 0.4];
        let want = (1.0 - base * (1.5 * 0.8 - 0.5 * 0.4_f64).exp()).clamp(0.01, 0.99);
        assert!((k.stay_probability_at_stroke(&z, 0.3) - want).abs() < 1e-15);
        assert_eq!(k.escape_factor(&[100.0, 0.0]), 20.0_f64.exp());
        assert_eq!(k.escape_factor(&[-100.0, 0.0]), (-20.0_f64).exp());
        // the jump-component quantities are V8's
        let (a, b) = (k.mixture_at_stroke(&z, 0.3), k.double_well().mixture(0.3));
        assert_eq!((a.jump_drift, a.stay_drift), (b.jump_drift, b.stay_drift));
    }

    #[test]
    fn table_extends_v8() {
        let t = &V8_PRECURSOR_TABLE;
        assert_eq!(t.fields.len(), 15 + N_PRECURSOR_FEATURES);
        assert_eq!(&t.fields[..15], V8_TABLE.fields);
        for (f, name) in t.fields[15..].iter().zip(PRECURSOR_FEATURES) {
            assert_eq!(f.name, format!("beta_{name}"));
            assert!(!f.used_as_abs);
        }
    }
}
