//! Forward simulation: one stochastic stroke and whole trajectories in caller-provided buffers.

use crate::model::{Landscape, consts};
use crate::normal::{standard_normal, uniform_open01};
use crate::scalar::{Scalar, clamp};
use rand_core::Rng;

impl<S: Scalar> Landscape<S> {
    /// Simulates one stroke from COF `mu`: picks the component (stay with probability `pi`, one
    /// uniform), draws one standard normal `z`, and returns `clamp(mu + d + s z, 0.1, 1.3)`.
    ///
    /// Consumes exactly two `u32` from `rng`, so f32 and f64 simulations from the same seed use the
    /// same random stream.
    ///
    /// ```
    /// use galling::{Model, V8Params};
    /// use rand_xoshiro::{Xoshiro128PlusPlus, rand_core::SeedableRng};
    /// let land = Model::new(&V8Params::PUBLISHED_FIT)?.landscape(170.0);
    /// let mut rng = Xoshiro128PlusPlus::seed_from_u64(42);
    /// let next = land.step(0.2, &mut rng);
    /// assert!((0.1..=1.3).contains(&next));
    /// # Ok::<(), galling::ParamError>(())
    /// ```
    #[inline]
    pub fn step<R: Rng + ?Sized>(&self, mu: S, rng: &mut R) -> S {
        let u = S::from_f32(uniform_open01(rng));
        let z: S = standard_normal(rng);
        self.next_cof(mu, u, z)
    }

    /// The stroke after `mu` given the component uniform `u` (stay when `u < pi`) and the
    /// standard normal `z`: `clamp(mu + (d + s z), 0.1, 1.3)` of the chosen component.
    #[inline(always)]
    pub(crate) fn next_cof(&self, mu: S, u: S, z: S) -> S {
        let m = self.mixture(mu);
        // selects, not a branch: the component is a coin flip the CPU cannot predict
        let stay = u < m.stay_probability;
        let drift = if stay { m.stay_drift } else { m.jump_drift };
        let spread = if stay { m.stay_spread } else { m.jump_spread };
        clamp(
            mu + (drift + spread * z),
            S::from_f64(consts::COF_MIN),
            S::from_f64(consts::COF_MAX),
        )
    }

    /// Advances an ensemble of independent trajectories by one stroke each (one [`step`](Self::step)
    /// per element, in order). This is how a Monte Carlo forecast moves its `P` trajectories; the
    /// independent chains also let the CPU overlap their work.
    ///
    /// ```
    /// use galling::{Model, V8Params};
    /// use rand_xoshiro::{Xoshiro128PlusPlus, rand_core::SeedableRng};
    /// let land = Model::new(&V8Params::PUBLISHED_FIT)?.landscape(170.0);
    /// let mut ensemble = [0.2_f32; 32];
    /// land.advance_ensemble(&mut ensemble, &mut Xoshiro128PlusPlus::seed_from_u64(9));
    /// assert!(ensemble.iter().all(|m| (0.1..=1.3).contains(m)));
    /// # Ok::<(), galling::ParamError>(())
    /// ```
    #[inline]
    pub fn advance_ensemble<R: Rng + ?Sized>(&self, ensemble: &mut [S], rng: &mut R) {
        for mu in ensemble {
            *mu = self.step(*mu, rng);
        }
    }

    /// Fills `trajectory` with a simulated COF series: `trajectory[0] = start`, then one
    /// [`step`](Self::step) per element. An empty buffer is left untouched.
    ///
    /// ```
    /// use galling::{Model, V8Params};
    /// use rand_xoshiro::{Xoshiro128PlusPlus, rand_core::SeedableRng};
    /// let model = Model::new(&V8Params::PUBLISHED_FIT)?;
    /// let mut buf = [0.0_f32; 64];
    /// model.landscape(167.5).simulate_into(model.initial_cof(), &mut Xoshiro128PlusPlus::seed_from_u64(1), &mut buf);
    /// assert_eq!(buf[0], 0.15);
    /// assert!(buf.iter().all(|m| (0.1..=1.3).contains(m)));
    /// # Ok::<(), galling::ParamError>(())
    /// ```
    pub fn simulate_into<R: Rng + ?Sized>(&self, start: S, rng: &mut R, trajectory: &mut [S]) {
        let mut mu = clamp(
            start,
            S::from_f64(consts::COF_MIN),
            S::from_f64(consts::COF_MAX),
        );
        let mut slots = trajectory.iter_mut();
        if let Some(first) = slots.next() {
            *first = mu;
        }
        for slot in slots {
            mu = self.step(mu, rng);
            *slot = mu;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Model, V8Params};
    use rand_core::SeedableRng;
    use rand_xoshiro::Xoshiro128PlusPlus;

    #[test]
    fn simulated_means_follow_temperature() {
        // MODEL.md: the published fit simulates about 0.22 / 0.32 / 0.59 / 0.82 at 160 / 165 / 167.5 / 170.
        let model = Model::new(&V8Params::PUBLISHED_FIT.map(f64::from)).unwrap();
        let expected = [
            (160.0, 0.22, 332),
            (165.0, 0.32, 112),
            (167.5, 0.59, 280),
            (170.0, 0.82, 142),
        ];
        for (t, want, len) in expected {
            let land = model.landscape(t);
            let mut rng = Xoshiro128PlusPlus::seed_from_u64(2024);
            let mut buf = vec![0.0; len];
            let mut sum = 0.0;
            let runs = 400;
            for _ in 0..runs {
                land.simulate_into(model.initial_cof(), &mut rng, &mut buf);
                sum += buf.iter().sum::<f64>() / len as f64;
            }
            let mean = sum / f64::from(runs);
            assert!(
                (mean - want).abs() < 0.04,
                "T={t}: simulated mean {mean}, expected about {want}"
            );
        }
    }

    #[test]
    fn start_is_clamped() {
        let model = Model::new(&V8Params::PUBLISHED_FIT).unwrap();
        let mut buf = [0.0_f32; 3];
        model.landscape(160.0).simulate_into(
            5.0,
            &mut Xoshiro128PlusPlus::seed_from_u64(0),
            &mut buf,
        );
        assert_eq!(buf[0], 1.3);
    }
}
