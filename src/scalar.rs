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
    /// [`exp_inlined`](Self::exp_inlined) of an argument that is never above 88 (the transition
    /// score's, the difference of a term and the larger term, is at most 0): the same value, with
    /// the upper clamp left out (a compare and a select fewer on the Cortex-M4F).
    ///
    /// ```
    /// use galling::Scalar;
    /// for x in [-100.0_f32, -87.2, -3.5, -0.0, 0.0, 0.25, 88.0, f32::NEG_INFINITY, f32::NAN] {
    ///     assert_eq!(x.exp_inlined_below_88().to_bits(), Scalar::exp(x).to_bits());
    /// }
    /// assert_eq!((-1.5_f64).exp_inlined_below_88(), Scalar::exp(-1.5_f64));
    /// ```
    #[inline(always)]
    fn exp_inlined_below_88(self) -> Self {
        self.exp_inlined()
    }
    /// The model's guarded exponential `e^clamp(self, -20, 20)` (the limit is
    /// [`EXP_LIMIT`](crate::consts::EXP_LIMIT); a NaN stays NaN). For `f32` on a bare-metal target
    /// it is one out-of-line function with the clamp inside, which needs none of [`exp`](Self::exp)'s
    /// guards against underflow and overflow: the landscape and the escape probability of every
    /// kernel call it, cheaper per call and smaller per call site than a clamp followed by
    /// [`exp`](Self::exp), with the same value.
    ///
    /// ```
    /// use galling::Scalar;
    /// for x in [-100.0_f32, -20.5, -3.5, 0.0, 0.25, 19.0, 20.0, 1e30] {
    ///     assert_eq!(x.exp_clamped().to_bits(), Scalar::exp(x.clamp(-20.0, 20.0)).to_bits());
    /// }
    /// assert!(f32::NAN.exp_clamped().is_nan());
    /// assert_eq!((-50.0_f64).exp_clamped(), (-20.0_f64).exp());
    /// ```
    #[inline(always)]
    fn exp_clamped(self) -> Self {
        let limit = Self::from_f64(crate::consts::EXP_LIMIT);
        clamp(self, -limit, limit).exp()
    }
    /// [`exp_clamped`](Self::exp_clamped), the same value, with the exponential's code inlined at
    /// the call site: for V8's transition score, whose escape probability it evaluates on every
    /// stroke ([`exp_inlined`](Self::exp_inlined) is the combination's).
    ///
    /// ```
    /// use galling::Scalar;
    /// for x in [-100.0_f32, -20.5, -3.5, 0.0, 0.25, 19.0, 20.0, 1e30, f32::NAN] {
    ///     assert_eq!(x.exp_clamped_inlined().to_bits(), x.exp_clamped().to_bits());
    /// }
    /// assert_eq!((-50.0_f64).exp_clamped_inlined(), (-50.0_f64).exp_clamped());
    /// ```
    #[inline(always)]
    fn exp_clamped_inlined(self) -> Self {
        self.exp_clamped()
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
    fn exp_inlined_below_88(self) -> Self {
        exp_f32_below_88(self)
    }
    #[inline(always)]
    fn exp_clamped(self) -> Self {
        exp_clamped_f32_out_of_line(self)
    }
    #[inline(always)]
    fn exp_clamped_inlined(self) -> Self {
        exp_clamped_f32(self)
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
/// `exp` in the tests; results below `e^-87.3` are 0, between -87.3 and -87 `e^-87`, and above
/// `e^88.7` saturate at `e^88`, NaN stays NaN. About 30 instructions on a Cortex-M4F, one test and
/// one branch (rarely taken) before the polynomial, against about 44 for `libm::expf`; the same
/// code on host and target, so f32 results stay bit-identical.
#[inline(always)]
pub(crate) fn exp_f32(x: f32) -> f32 {
    if x < -87.0 {
        return exp_f32_below_minus_87(x);
    }
    exp_f32_in_range(if x > 88.0 { 88.0 } else { x })
}

/// [`exp_f32`] below -87 (rare: the model's arguments are clamped at -20 or are differences of
/// log-densities): 0 below -87.3, else `e^-87`, as the clamp gives. Kept apart so that the common
/// path tests the argument once (eight instructions fewer per call on the Cortex-M4F).
#[inline(always)]
fn exp_f32_below_minus_87(x: f32) -> f32 {
    if x < -87.3 { 0.0 } else { EXP_MINUS_87 }
}

/// `e^-87` as [`exp_f32_in_range`] gives it (evaluated by the compiler: the same operations).
const EXP_MINUS_87: f32 = exp_f32_in_range(-87.0);

/// [`exp_f32`] of `x <= 88` (or NaN): the same value without the upper clamp (`x.clamp(-87, 88)`
/// is `x` or -87 there; test `exp_forms_agree_bit_for_bit`).
#[inline(always)]
fn exp_f32_below_88(x: f32) -> f32 {
    if x < -87.0 {
        return exp_f32_below_minus_87(x);
    }
    exp_f32_in_range(x)
}

/// [`exp_f32`]'s range reduction and polynomial for `x` in `[-87, 88]` (or NaN), where it needs no
/// guard: `2^n` is a normal number there.
#[inline(always)]
const fn exp_f32_in_range(x: f32) -> f32 {
    const ROUND: f32 = 12_582_912.0; // 1.5 * 2^23: adding it rounds to an integer in the low bits
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
    scale * p
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

/// [`Scalar::exp_clamped`] for `f32`: `e^clamp(x, -20, 20)` as one function in flash on a
/// bare-metal target (inlined on the host, like [`exp_f32_out_of_line`]). The clamp keeps the
/// argument inside [`exp_f32`]'s range, so its guards are left out; the value is that of
/// `exp_f32(clamp(x, -20, 20))` bit for bit (test `exp_clamped_is_exp_of_the_clamped_argument`).
#[cfg_attr(target_os = "none", inline(never))]
#[cfg_attr(not(target_os = "none"), inline(always))]
fn exp_clamped_f32_out_of_line(x: f32) -> f32 {
    exp_clamped_f32(x)
}

/// `e^clamp(x, -20, 20)` in `f32`: [`exp_f32`]'s polynomial without its guards, which the clamp
/// makes unnecessary.
#[inline(always)]
fn exp_clamped_f32(x: f32) -> f32 {
    const LIMIT: f32 = crate::consts::EXP_LIMIT as f32;
    exp_f32_in_range(clamp(x, -LIMIT, LIMIT))
}

/// Square root in f32, correctly rounded (round to nearest, ties to even): bit for bit
/// `libm::sqrtf` for every input that is not a NaN (a NaN or a negative input gives a NaN; the
/// 2^32 inputs are checked by the test `sqrt_of_every_f32`).
///
/// The Cortex-M4F's `vsqrt.f32` would be one instruction, but stable Rust offers no way to reach it
/// in `no_std`: `f32::sqrt` is std-only and inline assembly's `sreg` class needs the `vfp2` feature
/// that single-precision targets such as `thumbv7em-none-eabihf` do not declare. Two Newton steps
/// in f32 from a first guess made of the float's bits come close to the root; an exact integer
/// comparison of the squared midpoints next to the guess with `x` then moves it by at most a few
/// units in the last place to the correctly rounded root. 292 B of flash where `libm::sqrtf` links
/// 480 B (with its 256-byte table); `Model::landscape` costs 599 instructions with it, 585 with
/// libm's. The monitor calls it once per die temperature (the
/// kernel's spread) and the averager once per stroke.
///
/// On the host `libm::sqrtf` is the SSE instruction, faster than this: the host build uses it
/// (the same results: the two agree on every input, test `sqrt_of_every_f32`).
#[cfg(target_os = "none")]
#[inline(never)]
pub(crate) fn sqrt_f32(x: f32) -> f32 {
    soft_sqrt_f32(x)
}

/// [`sqrt_f32`] on the host: `libm::sqrtf` (a hardware instruction there).
#[cfg(not(target_os = "none"))]
#[inline(always)]
pub(crate) fn sqrt_f32(x: f32) -> f32 {
    libm::sqrtf(x)
}

/// The firmware's [`sqrt_f32`] (also run on the host by the tests that hold it to `libm::sqrtf`).
#[cfg_attr(not(any(test, target_os = "none")), allow(dead_code))]
#[inline(always)]
fn soft_sqrt_f32(x: f32) -> f32 {
    let bits = x.to_bits();
    if bits == 0 || bits == 0x8000_0000 || bits == 0x7F80_0000 {
        return x; // +-0 and +inf are their own roots
    }
    if bits > 0x7F80_0000 {
        return f32::NAN; // NaN, or a negative number (sign bit set)
    }
    // A subnormal is scaled by 2^24 (exact), its root back by 2^-12 (exact: the root is normal).
    let (bits, scale_back) = if bits < 0x0080_0000 {
        ((x * 16_777_216.0).to_bits(), -12_i32)
    } else {
        (bits, 0)
    };
    // x = r * 4^half with r in [1, 4), so sqrt(x) = sqrt(r) * 2^half and sqrt(r) lies in [1, 2):
    // the exponent of r is 127 or 128, the root's is 127 (the correctly rounded root of r is
    // below 2: the largest r, 4 - 2^-22, has its root below the midpoint 2 - 2^-24).
    let half = ((bits >> 23) as i32).wrapping_sub(127) >> 1;
    let reduced = bits.wrapping_sub((half as u32).wrapping_shl(24));
    let r = f32::from_bits(reduced);
    // first guess: the exponent halved, within 4 %; each Newton step squares the error
    let mut y = f32::from_bits((reduced >> 1).wrapping_add(0x1FBB_4F2E));
    y = 0.5 * (y + r / y);
    y = 0.5 * (y + r / y);
    let mut root = y.to_bits().clamp(0x3F80_0000, 0x3FFF_FFFF);
    // Picking the root y means (y - ulp/2)^2 < r < (y + ulp/2)^2. With y = my * 2^-23 and
    // r = mr * 2^(er - 150) (24-bit integers), in units of 2^-50 that is
    // (4 my - 2)^2 < mr * 2^(27 + er - 127) < (4 my + 2)^2: exact in u64 (at most 52 bits).
    let scaled_r = u64::from(reduced & 0x007F_FFFF | 0x0080_0000) << (28 - (reduced >> 23 & 1));
    for _ in 0..3 {
        let my = u64::from(root & 0x007F_FFFF | 0x0080_0000) << 2;
        // (wrapping: the values stay below 2^52, as the compiler cannot tell the overflow check)
        if (my | 2).wrapping_mul(my | 2) < scaled_r {
            root = root.wrapping_add(1);
        } else if (my - 2).wrapping_mul(my - 2) > scaled_r {
            root = root.wrapping_sub(1);
        } else {
            break;
        }
    }
    f32::from_bits(root.wrapping_add((half.wrapping_add(scale_back) as u32).wrapping_shl(23)))
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

    /// `exp_f32` as first written: the guards evaluated before the polynomial.
    fn exp_f32_guards_first(x: f32) -> f32 {
        let underflow = x < -87.3;
        let x = x.clamp(-87.0, 88.0);
        if underflow { 0.0 } else { exp_f32_in_range(x) }
    }

    #[test]
    fn exp_forms_agree_bit_for_bit() {
        // every f32 of [-100, 100] in steps of 2^-10, the guards' edges (-87.3, -87, 88) and
        // their neighbours, +-0, +-1e30, the infinities and NaN: `exp_f32` is the guards-first
        // form, and so is `exp_f32_below_88` up to 88
        let steps = (-100 * 1024..=100 * 1024).map(|i| i as f32 / 1024.0);
        let mut edges = vec![-0.0_f32, 0.0, 1e30, -1e30, f32::INFINITY, f32::NEG_INFINITY];
        for e in [-87.3_f32, -87.0, 88.0] {
            edges.extend([e, e.next_down(), e.next_up()]);
        }
        for x in steps.chain(edges) {
            let want = exp_f32_guards_first(x).to_bits();
            assert_eq!(exp_f32(x).to_bits(), want, "x = {x:e}");
            if x <= 88.0 {
                assert_eq!(exp_f32_below_88(x).to_bits(), want, "x = {x:e}");
            }
        }
        assert!(exp_f32(f32::NAN).is_nan() && exp_f32_below_88(f32::NAN).is_nan());
    }

    #[test]
    fn exp_clamped_is_exp_of_the_clamped_argument() {
        // every f32 of [-24, 24] in steps of 2^-12 (the limit 20 and its neighbours among them),
        // the far ends, infinities and NaN: bit for bit the clamp followed by the guarded exp
        let steps = (-24 * 4096..=24 * 4096).map(|i| i as f32 / 4096.0);
        let edges = [
            20.0_f32,
            -20.0,
            1e30,
            -1e30,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ];
        for x in steps
            .chain(edges)
            .chain([20.0_f32.next_up(), (-20.0_f32).next_down()])
        {
            let want = exp_f32(clamp(x, -20.0, 20.0));
            assert_eq!(
                exp_clamped_f32_out_of_line(x).to_bits(),
                want.to_bits(),
                "x = {x:e}"
            );
            assert_eq!(
                Scalar::exp_clamped(x).to_bits(),
                want.to_bits(),
                "x = {x:e}"
            );
            assert_eq!(
                Scalar::exp_clamped_inlined(x).to_bits(),
                want.to_bits(),
                "x = {x:e}"
            );
        }
        assert!(exp_clamped_f32_out_of_line(f32::NAN).is_nan());
        assert_eq!(Scalar::exp_clamped(-30.0_f64), libm::exp(-20.0));
    }

    /// `sqrt_f32(x)` against `libm::sqrtf` for the f32 of bit pattern `bits`.
    fn check_sqrt(bits: u32) {
        let x = f32::from_bits(bits);
        let (got, want) = (soft_sqrt_f32(x), libm::sqrtf(x));
        if want.is_nan() {
            assert!(got.is_nan(), "sqrt({x:e}) = {got:e}, libm: NaN");
        } else {
            assert_eq!(
                got.to_bits(),
                want.to_bits(),
                "sqrt({x:e}) = {got:e}, libm: {want:e}"
            );
        }
    }

    /// Every one of the 2^32 inputs (about a minute in an optimised build:
    /// `cargo test --release --lib -- --ignored sqrt_of_every_f32`).
    #[test]
    #[ignore = "2^32 inputs: run on demand in an optimised build"]
    fn sqrt_of_every_f32() {
        for bits in 0..=u32::MAX {
            check_sqrt(bits);
        }
    }

    #[test]
    fn sqrt_matches_libm_bit_for_bit() {
        for x in [
            0.0_f32,
            -0.0,
            1e-8,
            0.5,
            2.0,
            123.456,
            1e30,
            f32::MAX,
            f32::INFINITY,
        ] {
            assert_eq!(Scalar::sqrt(x).to_bits(), libm::sqrtf(x).to_bits());
        }
        for x in [-1.0_f32, f32::NEG_INFINITY, f32::NAN, -f32::MIN_POSITIVE] {
            assert!(Scalar::sqrt(x).is_nan());
        }
        // After normalisation the root's bits depend only on the 24-bit mantissa and the
        // exponent's parity: every mantissa of [1, 4) (both parities) covers every normal input.
        // Whole in an optimised build, every 7th in a debug build (a few seconds otherwise).
        let step = if cfg!(debug_assertions) { 7 } else { 1 };
        for bits in (1.0_f32.to_bits()..4.0_f32.to_bits()).step_by(step) {
            check_sqrt(bits);
        }
        // every exponent (subnormals and the largest included) with a spread of mantissas
        for exponent in 0..=255_u32 {
            for mantissa in (0..0x0080_0000_u32).step_by(65_537).chain([1, 0x007F_FFFF]) {
                check_sqrt(exponent << 23 | mantissa);
                check_sqrt(0x8000_0000 | exponent << 23 | mantissa);
            }
        }
        // the subnormals, whose normalisation differs, more densely
        for bits in (1..0x0080_0000_u32).step_by(1_031) {
            check_sqrt(bits);
        }
    }
}
