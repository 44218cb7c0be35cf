//! The number type the model is written against.
//!
//! Every formula of the model is written once, generic over [`Scalar`]: `f32` on the press controller,
//! `f64` on the host, and (with the `dual` feature) forward-mode dual numbers in the trainer, which gives
//! exact gradients of the very same code.

use core::ops::{Add, Div, Mul, Neg, Sub};

/// A real number the model can be evaluated in.
///
/// Comparisons (`PartialOrd`) decide the clamps and the branch on the well midpoint; for dual numbers
/// they compare the value and a clamped value carries a zero derivative, as in the original PyTorch code.
///
/// ```
/// use galling::Scalar;
/// fn square_plus_exp<S: Scalar>(x: S) -> S { x * x + x.exp() }
/// assert_eq!(square_plus_exp(0.0_f32), 1.0);
/// assert_eq!(square_plus_exp(0.0_f64), 1.0);
/// ```
pub trait Scalar:
    Copy
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    /// A constant of the model (folded at compile time for `f32`).
    fn from_f64(x: f64) -> Self;
    /// An exact conversion of an `f32` value (sensor data, uniform draws).
    fn from_f32(x: f32) -> Self;
    /// The value as `f64`, for reports and diagnostics (not used on the per-stroke path).
    fn to_f64(self) -> f64;
    /// e^self.
    fn exp(self) -> Self;
    /// e^self, the same value as [`exp`](Self::exp), with the exponential's code inlined at the
    /// call site: for the loops of the transition row, which call it per cell. [`exp`](Self::exp)
    /// itself is one out-of-line function for `f32`, so that the model's many other exponentials
    /// share one copy in flash.
    ///
    /// ```
    /// use galling::Scalar;
    /// // `Scalar::exp`, not the standard library's `f32::exp`
    /// for x in [-100.0_f32, -3.5, 0.0, 0.25, 10.0] {
    ///     assert_eq!(x.exp_inlined().to_bits(), Scalar::exp(x).to_bits());
    /// }
    /// assert_eq!(1.5_f64.exp_inlined(), Scalar::exp(1.5_f64));
    /// ```
    #[inline(always)]
    fn exp_inlined(self) -> Self {
        self.exp()
    }
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// Absolute value.
    fn abs(self) -> Self;
    /// `true` unless the value is NaN or infinite.
    fn is_finite(self) -> bool;
}

impl Scalar for f32 {
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn from_f32(x: f32) -> Self {
        x
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    #[inline(always)]
    fn exp(self) -> Self {
        exp_f32_out_of_line(self)
    }
    #[inline(always)]
    fn exp_inlined(self) -> Self {
        exp_f32(self)
    }
    #[inline(always)]
    fn ln(self) -> Self {
        libm::logf(self)
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        sqrt_f32(self)
    }
    #[inline(always)]
    fn abs(self) -> Self {
        libm::fabsf(self)
    }
    #[inline(always)]
    fn is_finite(self) -> bool {
        f32::is_finite(self)
    }
}

impl Scalar for f64 {
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn from_f32(x: f32) -> Self {
        f64::from(x)
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn exp(self) -> Self {
        libm::exp(self)
    }
    #[inline(always)]
    fn ln(self) -> Self {
        libm::log(self)
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        libm::sqrt(self)
    }
    #[inline(always)]
    fn abs(self) -> Self {
        libm::fabs(self)
    }
    #[inline(always)]
    fn is_finite(self) -> bool {
        f64::is_finite(self)
    }
}

/// e^x in f32 without a library call: Cody-Waite range reduction `x = n ln2 + r` and the Cephes
/// degree-5 polynomial for `e^r` on `|r| <= ln2/2`, then `2^n` put together from bits.
///
/// Maximum relative error 8e-8 (below one f32 ulp, 1.2e-7) on `[-87, 88]`, measured against f64
/// `exp` in the tests; results below `e^-87.3` are 0 and above `e^88.7` saturate at `e^88`, NaN
/// stays NaN. About 15 instructions and no branch on a Cortex-M4F, against about 50 for
/// `libm::expf`, and it is the same code on host and target, so f32 results stay bit-identical.
#[inline(always)]
pub(crate) fn exp_f32(x: f32) -> f32 {
    const ROUND: f32 = 12_582_912.0; // 1.5 * 2^23: adding it rounds to an integer in the low bits
    let underflow = x < -87.3;
    let x = x.clamp(-87.0, 88.0);
    let t = x * core::f32::consts::LOG2_E + ROUND;
    let n = t - ROUND;
    let k = (t.to_bits() as i32).wrapping_sub(0x4B40_0000);
    let r = x - n * 0.693_359_4 + n * 2.121_944_4e-4;
    let p = (((((1.987_569_2e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2)
        * r
        + 1.666_666_5e-1)
        * r
        + 0.5) // Cephes writes 5.0000001e-1, which is 0.5 in f32
        * (r * r)
        + r
        + 1.0;
    let scale = f32::from_bits((k.wrapping_add(127) as u32).wrapping_shl(23));
    if underflow { 0.0 } else { scale * p }
}

/// [`exp_f32`] as one function in flash, for [`Scalar::exp`]: on a bare-metal target the model's
/// exponentials outside the transition row's loops (the landscape, the transition score, the
/// mixture) call it instead of carrying a copy each (about 1 KB of flash on the Cortex-M4F for a
/// few instructions per call). On the host it stays inlined, so the many-lane simulation keeps
/// its vector code; the result is the same code either way, so host and target stay bit-identical.
#[cfg_attr(target_os = "none", inline(never))]
#[cfg_attr(not(target_os = "none"), inline(always))]
fn exp_f32_out_of_line(x: f32) -> f32 {
    exp_f32(x)
}

/// Square root in f32: `libm::sqrtf` (correctly rounded, software).
///
/// The Cortex-M4F's `vsqrt.f32` would be one instruction, but stable Rust offers no way to reach it
/// in `no_std`: `f32::sqrt` is std-only and inline assembly's `sreg` class needs the `vfp2` feature
/// that single-precision targets such as `thumbv7em-none-eabihf` do not declare. The per-stroke
/// cost is small: sqrt only runs for the 5% of normal draws in a tail and once per temperature.
#[inline(always)]
fn sqrt_f32(x: f32) -> f32 {
    libm::sqrtf(x)
}

/// `x` limited to `[lo, hi]`; NaN passes through unchanged (callers validate inputs at the edge).
#[inline(always)]
pub(crate) fn clamp<S: Scalar>(x: S, lo: S, hi: S) -> S {
    if x < lo {
        lo
    } else if x > hi {
        hi
    } else {
        x
    }
}

/// The larger of `a` and `b` (`a` when they compare equal or unordered).
#[inline(always)]
#[cfg_attr(not(feature = "v8"), allow(dead_code))] // the double-well kernel's
pub(crate) fn max<S: Scalar>(a: S, b: S) -> S {
    if b > a { b } else { a }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamp_limits_and_keeps_inside() {
        assert_eq!(clamp(2.0_f64, 0.1, 1.3), 1.3);
        assert_eq!(clamp(-2.0_f64, 0.1, 1.3), 0.1);
        assert_eq!(clamp(0.5_f32, 0.1, 1.3), 0.5);
        assert!(clamp(f32::NAN, 0.1, 1.3).is_nan());
    }

    #[test]
    fn fast_exp_is_within_one_ulp_over_the_whole_range() {
        let mut worst = 0.0_f64;
        let mut x = -87.0_f32;
        while x < 88.0 {
            let got = f64::from(exp_f32(x));
            let want = f64::from(x).exp();
            worst = worst.max(((got - want) / want).abs());
            x += 0.000_37;
        }
        for x in [-1e-30_f32, 0.0, 1e-30, 0.5, -0.5, 20.0, -20.0] {
            let want = f64::from(x).exp();
            worst = worst.max(((f64::from(exp_f32(x)) - want) / want).abs());
        }
        assert!(worst < 1.0e-7, "max relative error {worst:e}");
        assert_eq!(exp_f32(0.0), 1.0);
        assert_eq!(exp_f32(-100.0), 0.0);
        assert_eq!(exp_f32(f32::NEG_INFINITY), 0.0);
        assert!(exp_f32(f32::NAN).is_nan());
        assert_eq!(exp_f32(1000.0), exp_f32(88.0));
    }

    #[test]
    fn sqrt_matches_libm_bit_for_bit() {
        for x in [0.0_f32, 1e-8, 0.5, 2.0, 123.456, 1e30] {
            assert_eq!(Scalar::sqrt(x).to_bits(), libm::sqrtf(x).to_bits());
        }
    }
}
