//! Constants shared by every kernel of the family (MODEL.md and VARIANTS.md, "Constants"): the
//! reference temperature, the COF range of simulations, the numerical guards. A kernel's own
//! constants live in its file (V8's stay-probability clamp and drift time step:
//! [`family::v8`](crate::family::v8)).
//!
//! ```
//! use galling::consts::{COF_MAX, COF_MIN};
//! assert!(COF_MIN < 0.2 && 0.8 < COF_MAX);
//! ```

/// Reference die temperature, degC: `dT = T - T_REF`.
pub const T_REF: f64 = 160.0;
/// Lowest COF the model represents (simulation clamp).
pub const COF_MIN: f64 = 0.1;
/// Highest COF the model represents (simulation clamp).
pub const COF_MAX: f64 = 1.3;
/// Guard added to denominators and logarithm arguments.
pub const EPS: f64 = 1e-8;
/// Exponent arguments are clamped to `[-EXP_LIMIT, EXP_LIMIT]`.
pub const EXP_LIMIT: f64 = 20.0;
/// `0.5 * ln(2 pi)`.
pub const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;
