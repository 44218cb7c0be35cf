//! The seam every model variant plugs into: the transition kernel at one die temperature.
//!
//! Every variant of the family (V8, V8-13, V9, V7; see [`family`](crate::family)) describes the
//! stroke-to-stroke COF change the same way: a two-component Gaussian mixture whose five quantities
//! ([`Mixture`]) depend on the die temperature `T` and the current COF `mu`. A variant implements
//! [`Kernel::mixture`] (and the simulation start [`Kernel::initial_cof`]) for its temperature-fixed
//! form; everything else is written once here, over [`Scalar`]: the log-probability and jump
//! posterior ([`Kernel::score`]), the series log-likelihood, one simulated stroke ([`Kernel::step`]),
//! whole trajectories and ensembles. The forecasts ([`risk`](crate::risk),
//! [`forecast`](crate::forecast)), the [`Monitor`](crate::Monitor) and the trainer's objective consume
//! a `Kernel`, never a variant's formulas.
//!
//! ```
//! use galling::{Kernel, Model, V8Params};
//! fn clean_log_likelihood<K: Kernel<f64>>(kernel: &K) -> f64 {
//!     kernel.series_log_likelihood([0.20, 0.21, 0.20, 0.22])
//! }
//! let land = Model::new(&V8Params::PUBLISHED_FIT.map(f64::from))?.landscape(160.0);
//! assert!(clean_log_likelihood(&land) > 0.0);
//! # Ok::<(), galling::ParamError>(())
//! ```

use crate::consts::{COF_MAX, COF_MIN, EPS, LN_SQRT_2PI};
use crate::normal::{standard_normal, uniform_open01};
use crate::scalar::{Scalar, clamp};
use rand_core::Rng;

#[inline(always)]
fn c<S: Scalar>(x: f64) -> S {
    S::from_f64(x)
}

/// The five quantities of the transition mixture at one COF and temperature.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Mixture<S = f32> {
    /// `pi`: weight of the first ("stay") component, in `[0, 1]` (V8 clamps it to `[0.01, 0.99]`).
    pub stay_probability: S,
    /// `d1`: mean COF change of the stay component.
    pub stay_drift: S,
    /// `s1`: spread of the COF change of the stay component.
    pub stay_spread: S,
    /// `d2`: mean COF change of the jump component.
    pub jump_drift: S,
    /// `s2`: spread of the COF change of the jump component.
    pub jump_spread: S,
}

/// What one observed transition says under the model.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TransitionScore<S = f32> {
    /// `log p(delta | T, mu)`.
    pub log_prob: S,
    /// Posterior probability that the transition came from the jump component.
    pub jump_posterior: S,
}

/// `-0.5 ln(2 pi) - ln(s + eps)` and `1 / (s + eps)` of one Gaussian spread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Normaliser<S> {
    log_norm: S,
    inv_spread: S,
}

impl<S: Scalar> Normaliser<S> {
    #[inline(always)]
    pub(crate) fn new(spread: S) -> Self {
        let s = spread + c(EPS);
        Self {
            log_norm: -c::<S>(LN_SQRT_2PI) - s.ln(),
            inv_spread: c::<S>(1.0) / s,
        }
    }

    /// `logN(x; mean, s) = -0.5 ln(2 pi) - ln(s + eps) - 0.5 ((x - mean) / (s + eps))^2`.
    #[inline(always)]
    pub(crate) fn log_density(&self, x: S, mean: S) -> S {
        let z = (x - mean) * self.inv_spread;
        self.log_norm - c::<S>(0.5) * z * z
    }
}

/// `logsumexp(ln(pi + eps) + stay_term, ln(1 - pi + eps) + jump_term)` and the jump share, evaluated
/// as `k + ln(w_k + w_o exp(k_o - k))` around the larger Gaussian term: the same number with one
/// exponential and one logarithm instead of two of each. The exponential is [`Scalar::exp`]
/// (out of line on the firmware); V8's score inlines it ([`combine_with`]).
#[inline(always)]
pub(crate) fn combine<S: Scalar>(
    stay_probability: S,
    stay_term: S,
    jump_term: S,
) -> TransitionScore<S> {
    combine_with(stay_probability, stay_term, jump_term, S::exp)
}

/// [`combine`] with `exp` the exponential ([`Scalar::exp`] or [`Scalar::exp_inlined`]: the same
/// values). The two cases are written apart, each with its own exponential and logarithm: with
/// the exponential inlined, the compiler keeps its constants in registers for both cases and
/// picks no operands (`Landscape::log_prob` 209.8 instead of 228.6 M4F instructions, measured).
#[inline(always)]
pub(crate) fn combine_with<S: Scalar>(
    stay_probability: S,
    stay_term: S,
    jump_term: S,
    exp: impl Fn(S) -> S,
) -> TransitionScore<S> {
    let w_stay = stay_probability + c(EPS);
    let w_jump = c::<S>(1.0) - stay_probability + c(EPS);
    if stay_term >= jump_term {
        let other = w_jump * exp(jump_term - stay_term);
        let total = w_stay + other;
        TransitionScore {
            log_prob: stay_term + total.ln(),
            jump_posterior: other / total,
        }
    } else {
        let other = w_stay * exp(stay_term - jump_term);
        let total = w_jump + other;
        TransitionScore {
            log_prob: jump_term + total.ln(),
            jump_posterior: w_jump / total,
        }
    }
}

/// The transition kernel of one model variant at one die temperature: the mixture at every COF,
/// and everything derived from it (scores, likelihoods, simulation).
///
/// Implement [`mixture`](Self::mixture) and [`initial_cof`](Self::initial_cof); the provided methods
/// are the one definition of the mixture's log-probability and of a simulated stroke. A variant may
/// override [`score`](Self::score) with an equivalent evaluation that reuses temperature-only work
/// (V8 precomputes its Gaussian normalisers); it must return the same number.
///
/// ```
/// use galling::{Kernel, Model, V8Params};
/// use rand_xoshiro::{Xoshiro128PlusPlus, rand_core::SeedableRng};
/// let land = Model::new(&V8Params::PUBLISHED_FIT)?.landscape(170.0);
/// let next = land.step(0.2, &mut Xoshiro128PlusPlus::seed_from_u64(42));
/// assert!((0.1..=1.3).contains(&next));
/// assert!(land.log_prob(0.2, next - 0.2).is_finite());
/// # Ok::<(), galling::ParamError>(())
/// ```
pub trait Kernel<S: Scalar> {
    /// The five mixture quantities at COF `mu`.
    fn mixture(&self, mu: S) -> Mixture<S>;

    /// Starting COF of simulations at this temperature, inside `[0.1, 1.3]`.
    fn initial_cof(&self) -> S;

    /// Log-probability and jump posterior of the COF change `delta` from `mu`:
    /// `log p = logsumexp(ln(pi + eps) + logN(delta; d1, s1), ln(1 - pi + eps) + logN(delta; d2, s2))`
    /// with `logN(x; m, s) = -0.5 ln(2 pi) - ln(s + eps) - 0.5 ((x - m) / (s + eps))^2`.
    #[inline]
    fn score(&self, mu: S, delta: S) -> TransitionScore<S> {
        let m = self.mixture(mu);
        let stay_term = Normaliser::new(m.stay_spread).log_density(delta, m.stay_drift);
        let jump_term = Normaliser::new(m.jump_spread).log_density(delta, m.jump_drift);
        combine(m.stay_probability, stay_term, jump_term)
    }

    /// `log p(delta | T, mu)`: log-density of the observed COF change `delta` from `mu`.
    #[inline]
    fn log_prob(&self, mu: S, delta: S) -> S {
        self.score(mu, delta).log_prob
    }

    /// Posterior probability that the COF change `delta` from `mu` was a jump (regime transition).
    #[inline]
    fn jump_posterior(&self, mu: S, delta: S) -> S {
        self.score(mu, delta).jump_posterior
    }

    /// The mixture at COF `mu` for the transition out of a stroke whose per-stroke inputs are
    /// `inputs` (the standardised stroke features a kernel uses, in the kernel's order). A kernel
    /// that uses no per-stroke inputs (V8, V8-13, V9, V7) ignores them; the precursor kernel
    /// ([`PrecursorLandscape`](crate::family::precursor)) scales its escape probability.
    /// Total: missing inputs count as the clean baseline 0, extra ones are ignored.
    ///
    /// ```
    /// use galling::{Kernel, Model, V8Params};
    /// let land = Model::new(&V8Params::PUBLISHED_FIT.map(f64::from))?.landscape(165.0);
    /// assert_eq!(land.mixture_at_stroke(&[2.0, -1.0], 0.2), land.mixture(0.2));
    /// # Ok::<(), galling::ParamError>(())
    /// ```
    #[inline(always)]
    fn mixture_at_stroke(&self, inputs: &[S], mu: S) -> Mixture<S> {
        let _ = inputs;
        self.mixture(mu)
    }

    /// [`score`](Kernel::score) of the transition out of a stroke with per-stroke inputs `inputs`
    /// (see [`mixture_at_stroke`](Kernel::mixture_at_stroke)).
    ///
    /// ```
    /// use galling::{Kernel, Model, V8Params};
    /// let land = Model::new(&V8Params::PUBLISHED_FIT.map(f64::from))?.landscape(165.0);
    /// assert_eq!(land.score_at_stroke(&[2.0], 0.2, 0.05), land.score(0.2, 0.05));
    /// # Ok::<(), galling::ParamError>(())
    /// ```
    #[inline(always)]
    fn score_at_stroke(&self, inputs: &[S], mu: S, delta: S) -> TransitionScore<S> {
        let _ = inputs;
        self.score(mu, delta)
    }

    /// [`series_log_likelihood`](Kernel::series_log_likelihood) with per-stroke inputs: the
    /// transition from stroke `n` to `n + 1` is scored by [`score_at_stroke`](Kernel::score_at_stroke)
    /// with stroke `n`'s inputs; strokes past the end of `inputs` use the baseline (no inputs).
    ///
    /// ```
    /// use galling::{Kernel, Model, V8Params};
    /// let land = Model::new(&V8Params::PUBLISHED_FIT.map(f64::from))?.landscape(160.0);
    /// let cof = [0.20, 0.21, 0.20];
    /// let none: [[f64; 2]; 0] = [];
    /// assert_eq!(land.series_log_likelihood_at_strokes(cof, none), land.series_log_likelihood(cof));
    /// # Ok::<(), galling::ParamError>(())
    /// ```
    fn series_log_likelihood_at_strokes<I: AsRef<[S]>>(
        &self,
        cof: impl IntoIterator<Item = S>,
        inputs: impl IntoIterator<Item = I>,
    ) -> S
    where
        Self: Sized,
    {
        self.perform(SeriesLogLikelihoodAtStrokes { cof, inputs })
    }

    /// Log-likelihood of a series of per-stroke COF values observed at this temperature: the sum of
    /// `log p(mu[n+1] - mu[n] | mu[n])` over consecutive strokes (`len - 1` transitions).
    ///
    /// ```
    /// use galling::{Kernel, Model, V8Params};
    /// let land = Model::new(&V8Params::PUBLISHED_FIT.map(f64::from))?.landscape(160.0);
    /// let ll = land.series_log_likelihood([0.20, 0.21, 0.20]);
    /// assert_eq!(ll, land.log_prob(0.20, 0.21 - 0.20) + land.log_prob(0.21, 0.20 - 0.21));
    /// # Ok::<(), galling::ParamError>(())
    /// ```
    fn series_log_likelihood(&self, cof: impl IntoIterator<Item = S>) -> S
    where
        Self: Sized,
    {
        self.perform(SeriesLogLikelihood(cof))
    }

    /// Simulates one stroke from COF `mu`: picks the component (stay with probability `pi`, one
    /// uniform), draws one standard normal `z`, and returns `clamp(mu + d + s z, 0.1, 1.3)`.
    ///
    /// Consumes exactly two `u32` from `rng`, so f32 and f64 simulations from the same seed use the
    /// same random stream.
    #[inline]
    fn step<R: Rng + ?Sized>(&self, mu: S, rng: &mut R) -> S
    where
        Self: Sized,
    {
        let u = S::from_f32(uniform_open01(rng));
        let z: S = standard_normal(rng);
        self.next_cof(mu, u, z)
    }

    /// The stroke after `mu` given the component uniform `u` (stay when `u < pi`) and the standard
    /// normal `z`: `clamp(mu + (d + s z), 0.1, 1.3)` of the chosen component.
    #[inline(always)]
    fn next_cof(&self, mu: S, u: S, z: S) -> S {
        let m = self.mixture(mu);
        // selects, not a branch: the component is a coin flip the CPU cannot predict
        let stay = u < m.stay_probability;
        let drift = if stay { m.stay_drift } else { m.jump_drift };
        let spread = if stay { m.stay_spread } else { m.jump_spread };
        clamp(mu + (drift + spread * z), c(COF_MIN), c(COF_MAX))
    }

    /// Advances an ensemble of independent trajectories by one stroke each (one
    /// [`step`](Self::step) per element, in order).
    ///
    /// ```
    /// use galling::{Kernel, Model, V8Params};
    /// use rand_xoshiro::{Xoshiro128PlusPlus, rand_core::SeedableRng};
    /// let land = Model::new(&V8Params::PUBLISHED_FIT)?.landscape(170.0);
    /// let mut ensemble = [0.2_f32; 32];
    /// land.advance_ensemble(&mut ensemble, &mut Xoshiro128PlusPlus::seed_from_u64(9));
    /// assert!(ensemble.iter().all(|m| (0.1..=1.3).contains(m)));
    /// # Ok::<(), galling::ParamError>(())
    /// ```
    #[inline]
    fn advance_ensemble<R: Rng + ?Sized>(&self, ensemble: &mut [S], rng: &mut R)
    where
        Self: Sized,
    {
        self.perform(AdvanceEnsemble { ensemble, rng })
    }

    /// Fills `trajectory` with a simulated COF series: `trajectory[0] = start` (clamped to the COF
    /// range), then one [`step`](Self::step) per element. An empty buffer is left untouched.
    ///
    /// ```
    /// use galling::{Kernel, Model, V8Params};
    /// use rand_xoshiro::{Xoshiro128PlusPlus, rand_core::SeedableRng};
    /// let land = Model::new(&V8Params::PUBLISHED_FIT)?.landscape(167.5);
    /// let mut buf = [0.0_f32; 64];
    /// land.simulate_into(land.initial_cof(), &mut Xoshiro128PlusPlus::seed_from_u64(1), &mut buf);
    /// assert_eq!(buf[0], 0.15);
    /// assert!(buf.iter().all(|m| (0.1..=1.3).contains(m)));
    /// # Ok::<(), galling::ParamError>(())
    /// ```
    fn simulate_into<R: Rng + ?Sized>(&self, start: S, rng: &mut R, trajectory: &mut [S])
    where
        Self: Sized,
    {
        self.perform(Simulate {
            start,
            rng,
            trajectory,
        })
    }

    /// Runs `task` over the concrete kernel: a variant's kernel runs it over itself; the family's
    /// [`AnyKernel`](crate::family::AnyKernel) picks its variant once and runs it over that
    /// variant's kernel, so a loop over many transitions written as a [`KernelTask`] is
    /// monomorphic, with no dispatch per transition. The loops above
    /// ([`series_log_likelihood`](Self::series_log_likelihood),
    /// [`simulate_into`](Self::simulate_into), [`advance_ensemble`](Self::advance_ensemble)) and
    /// [`Ensemble::advance`](crate::ensemble::Ensemble::advance) are such tasks.
    ///
    /// A kernel other than `AnyKernel` keeps this default.
    #[inline(always)]
    fn perform<T: KernelTask<S>>(&self, task: T) -> T::Output
    where
        Self: Sized,
    {
        task.run(self)
    }
}

/// A computation over a concrete [`Kernel`], run by [`Kernel::perform`]: how a loop over many
/// strokes is written once for every kernel and dispatched once per call, not once per stroke.
///
/// ```
/// use galling::{Kernel, KernelTask, Model, V8Params};
/// /// Counts the transitions of a series the kernel calls jumps (posterior above one half).
/// struct CountJumps<'a>(&'a [f64]);
/// impl KernelTask<f64> for CountJumps<'_> {
///     type Output = usize;
///     fn run<K: Kernel<f64>>(self, kernel: &K) -> usize {
///         self.0.windows(2).filter(|w| kernel.jump_posterior(w[0], w[1] - w[0]) > 0.5).count()
///     }
/// }
/// let land = Model::new(&V8Params::PUBLISHED_FIT.map(f64::from))?.landscape(167.5);
/// assert_eq!(land.perform(CountJumps(&[0.21, 0.22, 0.56, 0.57])), 1);
/// # Ok::<(), galling::ParamError>(())
/// ```
pub trait KernelTask<S: Scalar> {
    /// What the task returns.
    type Output;

    /// Runs the task over `kernel`.
    fn run<K: Kernel<S>>(self, kernel: &K) -> Self::Output;
}

/// [`Kernel::series_log_likelihood`].
struct SeriesLogLikelihood<I>(I);

impl<S: Scalar, I: IntoIterator<Item = S>> KernelTask<S> for SeriesLogLikelihood<I> {
    type Output = S;

    fn run<K: Kernel<S>>(self, kernel: &K) -> S {
        let mut it = self.0.into_iter();
        let mut total = c(0.0);
        if let Some(mut prev) = it.next() {
            for next in it {
                total = total + kernel.log_prob(prev, next - prev);
                prev = next;
            }
        }
        total
    }
}

/// [`Kernel::advance_ensemble`].
struct SeriesLogLikelihoodAtStrokes<C, J> {
    cof: C,
    inputs: J,
}

impl<S: Scalar, C: IntoIterator<Item = S>, I: AsRef<[S]>, J: IntoIterator<Item = I>> KernelTask<S>
    for SeriesLogLikelihoodAtStrokes<C, J>
{
    type Output = S;

    fn run<K: Kernel<S>>(self, kernel: &K) -> S {
        let mut it = self.cof.into_iter();
        let mut inputs = self.inputs.into_iter();
        let mut total = c(0.0);
        if let Some(mut prev) = it.next() {
            for next in it {
                let lp = match inputs.next() {
                    Some(z) => {
                        kernel
                            .score_at_stroke(z.as_ref(), prev, next - prev)
                            .log_prob
                    }
                    None => kernel.log_prob(prev, next - prev),
                };
                total = total + lp;
                prev = next;
            }
        }
        total
    }
}

struct AdvanceEnsemble<'a, S, R: ?Sized> {
    ensemble: &'a mut [S],
    rng: &'a mut R,
}

impl<S: Scalar, R: Rng + ?Sized> KernelTask<S> for AdvanceEnsemble<'_, S, R> {
    type Output = ();

    #[inline]
    fn run<K: Kernel<S>>(self, kernel: &K) {
        for mu in self.ensemble {
            *mu = kernel.step(*mu, self.rng);
        }
    }
}

/// [`Kernel::simulate_into`].
struct Simulate<'a, S, R: ?Sized> {
    start: S,
    rng: &'a mut R,
    trajectory: &'a mut [S],
}

impl<S: Scalar, R: Rng + ?Sized> KernelTask<S> for Simulate<'_, S, R> {
    type Output = ();

    fn run<K: Kernel<S>>(self, kernel: &K) {
        let mut mu = clamp(self.start, c(COF_MIN), c(COF_MAX));
        let mut slots = self.trajectory.iter_mut();
        if let Some(first) = slots.next() {
            *first = mu;
        }
        for slot in slots {
            mu = kernel.step(mu, self.rng);
            *slot = mu;
        }
    }
}

/// A model: its [`Kernel`] at every die temperature. Implemented by each kernel's model (in the
/// kernel's file: [`Model`](crate::Model), [`V7Model`](crate::family::v7)) and by
/// [`AnyModel`](crate::family::AnyModel); what builds forecasts over temperatures (the risk table)
/// takes one. The models also have `landscape` as an inherent method, so calling it needs no import
/// of this trait.
///
/// ```
/// use galling::{Kernel, Kernels, Model, V8Params};
/// fn stay_at_160<M: Kernels<f32>>(model: &M) -> f32 {
///     model.landscape(160.0).mixture(0.2).stay_probability
/// }
/// assert!(stay_at_160(&Model::new(&V8Params::PUBLISHED_FIT)?) > 0.9);
/// # Ok::<(), galling::ParamError>(())
/// ```
pub trait Kernels<S: Scalar> {
    /// The kernel at one temperature.
    type Kernel: Kernel<S>;

    /// The kernel at die temperature `temperature` (degC, model temperature), with the
    /// temperature-only work done once.
    fn landscape(&self, temperature: S) -> Self::Kernel;
}

#[cfg(test)]
mod tests {
    use super::Kernel;
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
