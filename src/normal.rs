//! Random draws for the simulator: uniforms and standard normals from any `rand_core` generator.
//!
//! The normal sampler is the inverse of the normal CDF (Acklam's rational approximation, relative
//! error below 1.2e-9, far under f32 resolution) applied to one 24-bit uniform. On a Cortex-M4F this
//! is the cheapest choice that is also constant-shape: the central 95% of draws cost one
//! polynomial ratio (one division, no transcendental), the tails one `ln` and one `sqrt`; there is
//! no rejection loop (Marsaglia's polar method and the ziggurat both loop) and no `sin`/`cos`
//! (Box-Muller). It consumes exactly one `u32` per normal, which keeps f32 and f64 simulations from
//! the same seed on the same random stream. Measured costs: see the README (benchmarks).

use crate::scalar::Scalar;
use rand_core::Rng;

/// A uniform draw on the open interval (0, 1) with 24-bit resolution: `(2k + 1) / 2^24` for a
/// 23-bit `k`. Exactly representable in `f32`, so the f32 and f64 simulators see the same number.
///
/// ```
/// use rand_xoshiro::{Xoshiro128PlusPlus, rand_core::SeedableRng};
/// let mut rng = Xoshiro128PlusPlus::seed_from_u64(7);
/// let u = galling::uniform_open01(&mut rng);
/// assert!(u > 0.0 && u < 1.0);
/// ```
#[inline]
pub fn uniform_open01<R: Rng + ?Sized>(rng: &mut R) -> f32 {
    uniform_from_bits(rng.next_u32())
}

/// The uniform of [`uniform_open01`] from one raw `u32` draw.
#[inline(always)]
pub(crate) fn uniform_from_bits(bits: u32) -> f32 {
    let k = bits >> 9;
    (((k << 1) | 1) as f32) * (1.0 / 16_777_216.0)
}

/// One standard normal draw (one `u32` from `rng`), see the module documentation.
///
/// ```
/// use rand_xoshiro::{Xoshiro128PlusPlus, rand_core::SeedableRng};
/// let mut rng = Xoshiro128PlusPlus::seed_from_u64(7);
/// let z: f32 = galling::standard_normal(&mut rng);
/// assert!(z.abs() < 6.0);
/// ```
#[inline]
pub fn standard_normal<S: Scalar, R: Rng + ?Sized>(rng: &mut R) -> S {
    inverse_normal_cdf(S::from_f32(uniform_open01(rng)))
}

const A: [f64; 6] = [
    -3.969_683_028_665_376e1,
    2.209_460_984_245_205e2,
    -2.759_285_104_469_687e2,
    1.383_577_518_672_69e2,
    -3.066_479_806_614_716e1,
    2.506_628_277_459_239,
];
const B: [f64; 5] = [
    -5.447_609_879_822_406e1,
    1.615_858_368_580_409e2,
    -1.556_989_798_598_866e2,
    6.680_131_188_771_972e1,
    -1.328_068_155_288_572e1,
];
const C: [f64; 6] = [
    -7.784_894_002_430_293e-3,
    -3.223_964_580_411_365e-1,
    -2.400_758_277_161_838,
    -2.549_732_539_343_734,
    4.374_664_141_464_968,
    2.938_163_982_698_783,
];
const D: [f64; 4] = [
    7.784_695_709_041_462e-3,
    3.224_671_290_700_398e-1,
    2.445_134_137_142_996,
    3.754_408_661_907_416,
];
/// Below `P_LOW` (and above `1 - P_LOW`) the quantile uses the tail formula.
pub(crate) const P_LOW: f64 = 0.024_25;

/// Quantile of the standard normal distribution at `p` in (0, 1) (Acklam's approximation).
///
/// ```
/// assert!(galling::inverse_normal_cdf(0.5_f64).abs() < 1e-12);
/// assert!((galling::inverse_normal_cdf(0.975_f64) - 1.959_963_985).abs() < 1e-8);
/// ```
#[inline]
pub fn inverse_normal_cdf<S: Scalar>(p: S) -> S {
    let k = S::from_f64;
    if p < k(P_LOW) {
        tail(p)
    } else if p <= k(1.0 - P_LOW) {
        inverse_normal_cdf_central(p)
    } else {
        -tail(k(1.0) - p)
    }
}

/// Central branch of [`inverse_normal_cdf`], for `0.02425 <= p <= 0.97575`: one ratio of
/// polynomials, no branch and no call.
#[inline(always)]
pub(crate) fn inverse_normal_cdf_central<S: Scalar>(p: S) -> S {
    let k = S::from_f64;
    let q = p - k(0.5);
    let r = q * q;
    let num = ((((k(A[0]) * r + k(A[1])) * r + k(A[2])) * r + k(A[3])) * r + k(A[4])) * r + k(A[5]);
    let den = ((((k(B[0]) * r + k(B[1])) * r + k(B[2])) * r + k(B[3])) * r + k(B[4])) * r + k(1.0);
    num * q / den
}

/// Lower-tail branch of [`inverse_normal_cdf`] for `p < 0.02425`.
#[inline(never)]
fn tail<S: Scalar>(p: S) -> S {
    let k = S::from_f64;
    let q = (k(-2.0) * p.ln()).sqrt();
    let num = ((((k(C[0]) * q + k(C[1])) * q + k(C[2])) * q + k(C[3])) * q + k(C[4])) * q + k(C[5]);
    let den = (((k(D[0]) * q + k(D[1])) * q + k(D[2])) * q + k(D[3])) * q + k(1.0);
    num / den
}

/// Standard normal cumulative distribution function `Phi(x)`, for any [`Scalar`].
///
/// Abramowitz & Stegun 7.1.26 for `erfc` (absolute error below `7.5e-8` in `Phi`, under `f32`
/// resolution near 1): one exponential and one division, no branch but the sign. Total for every
/// finite input (the tails go to exactly 0 and 1); NaN gives NaN.
///
/// ```
/// use galling::normal_cdf;
/// assert!((normal_cdf(0.0_f32) - 0.5).abs() < 1e-7);
/// assert!((normal_cdf(1.959_964_f64) - 0.975).abs() < 1e-7);
/// assert_eq!(normal_cdf(-40.0_f32), 0.0);
/// ```
#[inline]
pub fn normal_cdf<S: Scalar>(x: S) -> S {
    let z = x.abs() * S::from_f64(core::f64::consts::FRAC_1_SQRT_2);
    // inlined: the firmware's hot path takes the risk row's recurrence (`normal_cdf_with_gauss`),
    // so this is the one call site, and one call each is what the function costs
    normal_cdf_with_gauss(x, (-(z * z)).exp_inlined())
}

/// [`normal_cdf`] with its Gaussian factor `g = exp(-x^2 / 2)` given by the caller (the risk row
/// steps it along equally spaced cell edges by a recurrence instead of one exponential per edge).
#[inline(always)]
pub(crate) fn normal_cdf_with_gauss<S: Scalar>(x: S, g: S) -> S {
    const P: f64 = 0.327_591_1;
    const A1: f64 = 0.254_829_592;
    const A2: f64 = -0.284_496_736;
    const A3: f64 = 1.421_413_741;
    const A4: f64 = -1.453_152_027;
    const A5: f64 = 1.061_405_429;
    let z = x.abs() * S::from_f64(core::f64::consts::FRAC_1_SQRT_2);
    let t = S::from_f64(1.0) / (S::from_f64(1.0) + S::from_f64(P) * z);
    let poly = t
        * (S::from_f64(A1)
            + t * (S::from_f64(A2)
                + t * (S::from_f64(A3) + t * (S::from_f64(A4) + t * S::from_f64(A5)))));
    // 0.5 erfc(|x| / sqrt 2) = Phi(-|x|)
    let lower = S::from_f64(0.5) * poly * g;
    if x < S::from_f64(0.0) {
        lower
    } else {
        S::from_f64(1.0) - lower
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::SeedableRng;
    use rand_xoshiro::Xoshiro128PlusPlus;

    #[test]
    fn quantiles_match_known_values() {
        // (p, z) pairs from the normal distribution's tables.
        for (p, z) in [
            (0.001, -3.090_232_306),
            (0.02, -2.053_748_911),
            (0.16, -0.994_457_883),
            (0.9, 1.281_551_566),
            (0.999_9, 3.719_016_485),
        ] {
            assert!((inverse_normal_cdf(p) - z).abs() < 5e-9, "p={p}");
        }
    }

    #[test]
    fn quantile_is_odd_and_monotone() {
        let mut last = f64::NEG_INFINITY;
        for i in 1..2000 {
            let p = f64::from(i) / 2000.0;
            let z = inverse_normal_cdf(p);
            assert!(z > last);
            assert!((z + inverse_normal_cdf(1.0 - p)).abs() < 1e-8);
            last = z;
        }
    }

    #[test]
    fn draws_have_unit_moments() {
        let mut rng = Xoshiro128PlusPlus::seed_from_u64(1);
        let n = 200_000;
        let (mut s1, mut s2, mut s4) = (0.0_f64, 0.0, 0.0);
        for _ in 0..n {
            let z: f64 = standard_normal(&mut rng);
            s1 += z;
            s2 += z * z;
            s4 += z * z * z * z;
        }
        let n = f64::from(n);
        assert!((s1 / n).abs() < 0.01);
        assert!((s2 / n - 1.0).abs() < 0.01);
        assert!((s4 / n - 3.0).abs() < 0.06);
    }

    #[test]
    fn uniform_is_exact_in_f32_and_inside_the_open_interval() {
        struct Fixed(u32);
        impl rand_core::TryRng for Fixed {
            type Error = core::convert::Infallible;
            fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
                Ok(self.0)
            }
            fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
                Ok(u64::from(self.0))
            }
            fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), Self::Error> {
                Ok(())
            }
        }
        assert_eq!(uniform_open01(&mut Fixed(0)), 1.0 / 16_777_216.0);
        let top = uniform_open01(&mut Fixed(u32::MAX));
        assert!(top < 1.0);
        assert_eq!(f64::from(top), 1.0 - 1.0 / 16_777_216.0);
    }
}
