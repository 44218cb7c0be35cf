//! Exact gradients on the host (`dual` feature): the model evaluated in forward-mode dual numbers.
//!
//! ```
//! use galling::{Kernel, Model, Scalar, V8Params, dual};
//! let p = dual::variables(&V8Params::PUBLISHED_FIT.map(f64::from));
//! let land = Model::new(&p)?.landscape(dual::Dual15::from_f64(165.0));
//! let lp = land.log_prob(dual::Dual15::from_f64(0.2), dual::Dual15::from_f64(0.01));
//! let grad = dual::gradient(&lp);
//! assert!(grad.iter().all(|g| g.is_finite()));
//! # Ok::<(), galling::ParamError>(())
//! ```

use crate::family::ModelParams;
use crate::family::V8Params;
use crate::scalar::Scalar;
use num_dual::{DualNum, DualSVec64};

pub use num_dual;

/// A value with its derivatives with respect to the 15 parameters.
pub type Dual15 = DualSVec64<15>;

/// The parameters as the 15 independent variables of a gradient (parameter `i` seeds direction `i`).
pub fn variables(params: &V8Params<f64>) -> V8Params<Dual15> {
    let values = params.to_array();
    V8Params::from_array(core::array::from_fn(|i| {
        Dual15::from_re(values[i]).derivative(i)
    }))
}

/// A variant's parameters as the `N` independent variables of a gradient (parameter `i` seeds
/// direction `i`); `N` is the variant's parameter count (15 for V8, 13 for V8-13, 12 for V9, 17 for
/// V7), so the dual-number width follows the variant.
///
/// ```
/// use galling::family::{AnyModel, ModelParams};
/// use galling::{Kernel, Scalar, dual};
/// let p = ModelParams::UPSTREAM_V9.map(f64::from);
/// let x = dual::model_variables::<12>(&p).expect("V9 has 12 parameters");
/// let lp = AnyModel::new(&x)?.landscape(Scalar::from_f64(165.0)).log_prob(Scalar::from_f64(0.2), Scalar::from_f64(0.01));
/// assert_eq!(dual::gradient(&lp).len(), 12);
/// # Ok::<(), galling::ParamError>(())
/// ```
///
/// `None` unless `N` is the variant's parameter count.
pub fn model_variables<const N: usize>(
    params: &ModelParams<f64>,
) -> Option<ModelParams<DualSVec64<N>>> {
    if params.len() != N {
        return None;
    }
    let values: [DualSVec64<N>; N] =
        core::array::from_fn(|i| DualSVec64::from_re(params.values()[i]).derivative(i));
    ModelParams::new(params.model(), &values)
}

/// The derivatives of `x` with respect to the seeded variables (zeros where none flowed).
pub fn gradient<const N: usize>(x: &DualSVec64<N>) -> [f64; N] {
    match &x.eps.0 {
        Some(v) => core::array::from_fn(|i| v[i]),
        None => [0.0; N],
    }
}

/// Forward-mode dual numbers with `N` derivative directions: the model evaluated in this type
/// returns the value and the exact gradient with respect to the `N` seeded inputs.
impl<const N: usize> Scalar for DualSVec64<N> {
    #[inline]
    fn from_f64(x: f64) -> Self {
        DualSVec64::from_re(x)
    }
    #[inline]
    fn from_f32(x: f32) -> Self {
        DualSVec64::from_re(f64::from(x))
    }
    #[inline]
    fn to_f64(self) -> f64 {
        self.re
    }
    #[inline]
    fn exp(self) -> Self {
        DualNum::exp(&self)
    }
    #[inline]
    fn ln(self) -> Self {
        DualNum::ln(&self)
    }
    #[inline]
    fn sqrt(self) -> Self {
        DualNum::sqrt(&self)
    }
    #[inline]
    fn abs(self) -> Self {
        if self.re < 0.0 { -self } else { self }
    }
    #[inline]
    fn is_finite(self) -> bool {
        self.re.is_finite()
    }
}
