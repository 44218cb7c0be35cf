//! Many trajectories at once: `P` lanes, each with its own xoshiro128++ stream, advanced together
//! in structure-of-arrays form so the compiler can run the lanes in SIMD registers on the host.
//!
//! Lane `i` is exactly the scalar simulator driven by its own generator: advancing an [`Ensemble`]
//! gives, bit for bit, what [`Kernel::step`] gives with that lane's `Xoshiro128PlusPlus`. The
//! lanes' generators start from one seed and are `jump()`ed apart (2^64 draws between lanes), so
//! the streams never overlap.
//!
//! ```
//! use galling::{Kernel, Model, V8Params, ensemble::Ensemble};
//! let model = Model::new(&V8Params::PUBLISHED_FIT)?;
//! let land = model.landscape(170.0);
//! let mut ens = Ensemble::<f32, 16>::new(0.2, 7);
//! for _ in 0..10 {
//!     ens.advance(&land);
//! }
//! let galled = ens.cof().iter().filter(|&&m| m > model.well_midpoint()).count();
//! assert!(galled <= 16);
//! # Ok::<(), galling::ParamError>(())
//! ```

use crate::consts;
use crate::kernel::{Kernel, KernelTask};
use crate::normal::{P_LOW, inverse_normal_cdf, inverse_normal_cdf_central, uniform_from_bits};
use crate::scalar::{Scalar, clamp};
use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro128PlusPlus;

/// `P` xoshiro128++ generators in structure-of-arrays form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaneRng<const P: usize> {
    s: [[u32; P]; 4],
}

impl<const P: usize> LaneRng<P> {
    /// Lane `i` starts where `Xoshiro128PlusPlus::seed_from_u64(seed)` is after `i` jumps.
    pub fn from_seed(seed: u64) -> Self {
        let mut g = Xoshiro128PlusPlus::seed_from_u64(seed);
        let mut s = [[0u32; P]; 4];
        for lane in 0..P {
            let st = g.state();
            for (w, word) in s.iter_mut().enumerate() {
                word[lane] =
                    u32::from_le_bytes([st[4 * w], st[4 * w + 1], st[4 * w + 2], st[4 * w + 3]]);
            }
            g.jump();
        }
        Self { s }
    }

    /// The generator of one lane, as a standalone `Xoshiro128PlusPlus` in the same state.
    /// `None` when `lane >= P`.
    pub fn lane(&self, lane: usize) -> Option<Xoshiro128PlusPlus> {
        if lane >= P {
            return None;
        }
        let mut seed = [0u8; 16];
        for (w, word) in self.s.iter().enumerate() {
            seed[4 * w..4 * w + 4].copy_from_slice(&word[lane].to_le_bytes());
        }
        Some(Xoshiro128PlusPlus::from_seed(seed))
    }

    /// The next `u32` of every lane (xoshiro128++).
    #[inline(always)]
    pub fn next_u32s(&mut self) -> [u32; P] {
        let [s0, s1, s2, s3] = &mut self.s;
        let mut out = [0u32; P];
        for i in 0..P {
            out[i] = s0[i].wrapping_add(s3[i]).rotate_left(7).wrapping_add(s0[i]);
            let t = s1[i] << 9;
            s2[i] ^= s0[i];
            s3[i] ^= s1[i];
            s1[i] ^= s2[i];
            s0[i] ^= s3[i];
            s2[i] ^= t;
            s3[i] = s3[i].rotate_left(11);
        }
        out
    }
}

/// `P` simulated COF trajectories and their generators.
#[derive(Debug, Clone, PartialEq)]
pub struct Ensemble<S, const P: usize> {
    cof: [S; P],
    rng: LaneRng<P>,
}

impl<S: Scalar, const P: usize> Ensemble<S, P> {
    /// All lanes at COF `start` (clamped to the COF range), generators from `seed`.
    pub fn new(start: S, seed: u64) -> Self {
        let start = clamp(
            start,
            S::from_f64(consts::COF_MIN),
            S::from_f64(consts::COF_MAX),
        );
        Self {
            cof: [start; P],
            rng: LaneRng::from_seed(seed),
        }
    }

    /// Puts every lane back at COF `start`, keeping the generators where they are.
    pub fn reset(&mut self, start: S) {
        self.cof = [clamp(
            start,
            S::from_f64(consts::COF_MIN),
            S::from_f64(consts::COF_MAX),
        ); P];
    }

    /// The current COF of each lane.
    pub fn cof(&self) -> &[S; P] {
        &self.cof
    }

    /// The lanes' generators.
    pub fn rng(&self) -> &LaneRng<P> {
        &self.rng
    }
}

impl<S: Scalar, const P: usize> Ensemble<S, P> {
    /// Advances every lane by one stroke of `kernel`; lane `i` gets exactly [`Kernel::step`] with
    /// its own generator. The kernel's variant is picked once per call
    /// ([`Kernel::perform`]), not once per lane.
    #[inline]
    pub fn advance<K: Kernel<S>>(&mut self, kernel: &K) {
        kernel.perform(AdvanceLanes(self));
    }
}

/// [`Ensemble::advance`] as a task over the concrete kernel.
struct AdvanceLanes<'a, S, const P: usize>(&'a mut Ensemble<S, P>);

impl<S: Scalar, const P: usize> KernelTask<S> for AdvanceLanes<'_, S, P> {
    type Output = ();

    #[inline(always)]
    fn run<K: Kernel<S>>(self, kernel: &K) {
        let ensemble = self.0;
        let stay_bits = ensemble.rng.next_u32s();
        let normal_bits = ensemble.rng.next_u32s();
        let before = ensemble.cof;
        let central = |p: S| p >= S::from_f64(P_LOW) && p <= S::from_f64(1.0 - P_LOW);
        // All lanes through the central branch of the normal quantile: no calls and no branches,
        // so the loop runs in SIMD registers.
        for i in 0..P {
            let u = S::from_f32(uniform_from_bits(stay_bits[i]));
            let p = S::from_f32(uniform_from_bits(normal_bits[i]));
            let z = inverse_normal_cdf_central(if central(p) { p } else { S::from_f64(0.5) });
            ensemble.cof[i] = kernel.next_cof(before[i], u, z);
        }
        // The ~5% of lanes whose normal draw lies in a tail: redo them with the full quantile.
        for i in 0..P {
            let p = S::from_f32(uniform_from_bits(normal_bits[i]));
            if !central(p) {
                let u = S::from_f32(uniform_from_bits(stay_bits[i]));
                ensemble.cof[i] = kernel.next_cof(before[i], u, inverse_normal_cdf(p));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Model, V8Params};

    #[test]
    fn lane_generators_are_xoshiro128plusplus_jumped_apart() {
        let mut lanes = LaneRng::<4>::from_seed(99);
        let mut expect: [Xoshiro128PlusPlus; 4] = core::array::from_fn(|i| lanes.lane(i).unwrap());
        let mut g = Xoshiro128PlusPlus::seed_from_u64(99);
        assert_eq!(expect[0], g.clone());
        g.jump();
        assert_eq!(expect[1], g);
        assert!(lanes.lane(4).is_none());
        for _ in 0..100 {
            let got = lanes.next_u32s();
            for (lane, e) in expect.iter_mut().enumerate() {
                assert_eq!(got[lane], rand_core::Rng::next_u32(e));
            }
        }
    }

    #[test]
    fn every_lane_is_the_scalar_simulator_bit_for_bit() {
        let model = Model::new(&V8Params::PUBLISHED_FIT).unwrap();
        for t in [160.0_f32, 165.0, 167.5, 170.0] {
            let land = model.landscape(t);
            let mut ens = Ensemble::<f32, 8>::new(0.2, 5);
            let mut scalar: [(f32, Xoshiro128PlusPlus); 8] =
                core::array::from_fn(|i| (0.2, ens.rng().lane(i).unwrap()));
            for _ in 0..300 {
                ens.advance(&land);
                for (lane, (mu, rng)) in scalar.iter_mut().enumerate() {
                    *mu = land.step(*mu, rng);
                    assert_eq!(mu.to_bits(), ens.cof()[lane].to_bits(), "T={t} lane {lane}");
                }
            }
        }
    }
}
