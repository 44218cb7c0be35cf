//! SNES: the separable natural evolution strategy (Wierstra et al., JMLR 15, 2014; Schaul et al.,
//! GECCO 2011) as GPUMD's NEP trainer uses it.
//!
//! Each generation draws `population` standard-normal vectors `s_k`, evaluates the loss at
//! `z_k = mu + sigma * s_k` (element-wise; projected onto the feasible region), ranks the
//! population, and with the rank-based utilities
//! `u_j = max(0, ln(lambda/2 + 1) - ln j) / sum - 1/lambda` (best `j = 1`) updates
//! `mu += eta_mu * sigma * sum u_j s_j` and `sigma *= exp(eta_sigma / 2 * sum u_j (s_j^2 - 1))`.
//! The learning rates follow the dimension `d` of the trained coordinates: `eta_mu = 1`,
//! `eta_sigma = (3 + ln d) / (5 sqrt d)`.
//!
//! The search runs on the scaled coordinates `x / scale` ([`super::scale`] of the variant), where every
//! parameter is of order one, inside the physical box ([`super::bounds`], scaled). Parameters held
//! fixed (and `mu0_base`, which does not enter the likelihood) have a zero step size.
//!
//! Determinism: all random draws come from one SplitMix64 stream on the calling thread, in a fixed
//! order; the population is evaluated in parallel but collected in order and ranked with index as
//! the tie-break, so the result does not depend on the number of threads. The whole state (mean,
//! step sizes, generator state, best point, counters, loss log) is what a checkpoint stores
//! ([`super::checkpoint`]), so a resumed run is bit-identical to an uninterrupted one.

use super::bounds::Bounds;
use super::checkpoint::{self, Fingerprint};
use super::lbfgs::{self, Evaluations, Problem};
use super::objective::{N_PARAMS, Point, ScaledProblem};
use super::optimizer::{self, Clock, IterativeMethod};
use super::rng::SplitMix64;
use super::strategy::{local_run, scale_bounds};
use super::{FitError, FitOptions, Optimum, Outcome, PathPoint, Progress, Setup};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::ops::ControlFlow;
use std::time::Instant;

/// Settings of a SNES run. [`Default`]: GPUMD's NEP defaults (population 50, initial step 0.1) with
/// 1000 generations and a final L-BFGS polish.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SnesSettings {
    /// Individuals per generation (GPUMD: 50).
    pub population: usize,
    /// Initial step size on the scaled coordinates (GPUMD: 0.1).
    pub sigma0: f64,
    /// Most generations.
    pub generations: usize,
    /// Learning rate of the mean (Wierstra et al.: 1).
    pub eta_mu: f64,
    /// Learning rate of the step sizes; `None` for `(3 + ln d) / (5 sqrt d)`.
    pub eta_sigma: Option<f64>,
    /// Stop early when every step size is below this.
    pub sigma_stop: f64,
    /// Polish the best point with the projected L-BFGS afterwards.
    pub polish: bool,
}

impl Default for SnesSettings {
    fn default() -> Self {
        Self {
            population: 50,
            sigma0: 0.1,
            generations: 1000,
            eta_mu: 1.0,
            eta_sigma: None,
            sigma_stop: 1e-8,
            polish: true,
        }
    }
}

impl SnesSettings {
    /// The step-size learning rate for `d` trained coordinates.
    ///
    /// ```
    /// use host_train::fit::SnesSettings;
    /// let eta = SnesSettings::default().eta_sigma_for(14);
    /// assert!((eta - (3.0 + 14f64.ln()) / (5.0 * 14f64.sqrt())).abs() < 1e-15);
    /// ```
    pub fn eta_sigma_for(&self, d: usize) -> f64 {
        self.eta_sigma.unwrap_or_else(|| {
            let d = d.max(1) as f64;
            (3.0 + d.ln()) / (5.0 * d.sqrt())
        })
    }
}

/// Rank-based utilities of a population of `lambda` (best first); they sum to zero.
///
/// ```
/// let u = host_train::fit::snes::utilities(50);
/// assert!(u.iter().sum::<f64>().abs() < 1e-12);
/// assert!(u[0] > u[1] && u[49] < 0.0);
/// ```
pub fn utilities(lambda: usize) -> Vec<f64> {
    let raw: Vec<f64> = (1..=lambda)
        .map(|j| ((lambda as f64 / 2.0 + 1.0).ln() - (j as f64).ln()).max(0.0))
        .collect();
    let sum: f64 = raw.iter().sum();
    raw.iter().map(|r| r / sum - 1.0 / lambda as f64).collect()
}

/// The whole state of a SNES run between generations (what a checkpoint stores).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnesState {
    /// Generations done.
    pub generation: usize,
    /// Mean, scaled coordinates.
    pub mu: Point,
    /// Step sizes, scaled coordinates.
    pub sigma: Point,
    /// State of the random generator.
    pub rng: u64,
    /// Best point seen (model coordinates).
    pub best_x: Point,
    /// Its minimised loss (summed negative log-likelihood plus penalty).
    pub best_f: f64,
    /// Loss evaluations so far.
    pub evaluations: usize,
    /// Wall seconds spent before this process took over (0 for a fresh run).
    pub elapsed: f64,
    /// The logged point of every generation.
    pub(crate) path: Vec<PathPoint>,
}

/// A standard normal draw (Box-Muller, one value per two uniforms).
fn normal(rng: &mut SplitMix64) -> f64 {
    let u1 = 1.0 - rng.unit();
    let u2 = rng.unit();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Runs SNES (module documentation) from `start` (model coordinates): the generations, resume
/// and checkpoints are [`optimizer::drive`]'s, then the optional L-BFGS polish.
pub(crate) fn run(
    started: Instant,
    setup: &Setup<'_>,
    start: &Point,
    settings: &SnesSettings,
    options: &FitOptions,
    fingerprint: &Fingerprint,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Outcome, FitError> {
    let method = Snes::new(setup, settings, options.seed);
    let ckpt = options.checkpoint.as_ref();
    let state = optimizer::drive(&method, start, started, ckpt, fingerprint, progress)?;
    // The seconds spent before this process took over (the driver leaves them in the state).
    let offset = state.elapsed;
    let mut evaluations = Evaluations {
        gradient: 0,
        value: state.evaluations,
    };
    let mut best = state.best_x;
    let mut best_f = state.best_f;
    let mut path = state.path;
    if settings.polish {
        let local = lbfgs::Settings {
            max_iterations: 1500,
            ..lbfgs::Settings::default()
        };
        if let Some(mut run) = local_run(
            started,
            setup,
            &method.scaled_bounds,
            &best,
            &local,
            local.max_iterations,
        ) {
            evaluations.gradient += run.evaluations.gradient;
            evaluations.value += run.evaluations.value;
            for p in &mut run.path {
                p.seconds += offset;
            }
            path.extend(run.path);
            if -run.ll < best_f {
                best = run.x;
                best_f = -run.ll;
            }
        }
    }
    progress(Progress {
        done: settings.generations,
        total: settings.generations,
        best_log_likelihood: -best_f,
        stage: Snes::STAGE,
    });
    Ok(Outcome {
        best,
        path,
        evaluations,
        optima: vec![Optimum::at(
            setup.objective.model(),
            &best,
            setup.objective.value(&best).unwrap_or(f64::NEG_INFINITY),
            1,
        )],
    })
}

/// SNES as an [`IterativeMethod`]: one step is one generation, the state a [`SnesState`].
struct Snes<'a> {
    setup: &'a Setup<'a>,
    settings: &'a SnesSettings,
    seed: u64,
    /// The step-size learning rate for the trained coordinates.
    eta_sigma: f64,
    /// Rank-based utilities of the population.
    utilities: Vec<f64>,
    /// The feasible region in scaled coordinates.
    scaled_bounds: Bounds<N_PARAMS>,
    /// The minimised problem in scaled coordinates.
    scaled: ScaledProblem<'a>,
    /// Transitions of the training data.
    n: f64,
}

impl<'a> Snes<'a> {
    fn new(setup: &'a Setup<'a>, settings: &'a SnesSettings, seed: u64) -> Self {
        let d = setup.penalized.iter().filter(|t| **t).count();
        Self {
            setup,
            settings,
            seed,
            eta_sigma: settings.eta_sigma_for(d),
            utilities: utilities(settings.population),
            scaled_bounds: scale_bounds(setup.bounds, &setup.scale),
            scaled: setup.scaled(),
            n: setup.objective.transitions() as f64,
        }
    }
}

/// The largest step size.
fn max_sigma(s: &Point) -> f64 {
    s.iter().copied().fold(0.0, f64::max)
}

impl IterativeMethod for Snes<'_> {
    type State = SnesState;
    const STAGE: &'static str = "snes";

    fn validate(&self) -> Result<(), FitError> {
        let settings = self.settings;
        if settings.population < 2 {
            return Err(FitError::InvalidSetting(
                "the SNES population must be at least 2",
            ));
        }
        let positive = |v: f64| v.is_finite() && v > 0.0;
        if !positive(settings.sigma0) || !positive(settings.eta_mu) {
            return Err(FitError::InvalidSetting(
                "the SNES step size and learning rates must be positive",
            ));
        }
        if settings.eta_sigma.is_some_and(|e| !positive(e)) || !settings.sigma_stop.is_finite() {
            return Err(FitError::InvalidSetting(
                "the SNES step-size learning rate must be positive",
            ));
        }
        Ok(())
    }

    fn fresh(&self, start: &Point) -> SnesState {
        let (setup, trained) = (self.setup, &self.setup.penalized);
        let x0 = setup.bounds.project(start);
        let mu = self.scaled.to_scaled(&x0);
        let mut p = setup.scaled();
        SnesState {
            generation: 0,
            mu,
            sigma: std::array::from_fn(|i| {
                if trained[i] {
                    self.settings.sigma0
                } else {
                    0.0
                }
            }),
            rng: SplitMix64::for_start(self.seed, 0x5E5).state(),
            best_x: x0,
            best_f: p.value(&mu).unwrap_or(f64::INFINITY),
            evaluations: 1,
            elapsed: 0.0,
            path: Vec::new(),
        }
    }

    fn step(&self, state: &mut SnesState, clock: &Clock) -> ControlFlow<()> {
        let (setup, settings, trained) = (self.setup, self.settings, &self.setup.penalized);
        let (scaled, scaled_bounds, n) = (&self.scaled, &self.scaled_bounds, self.n);
        let to_x = |y: &Point| -> Point { std::array::from_fn(|i| y[i] * setup.scale[i]) };
        if max_sigma(&state.sigma) < settings.sigma_stop {
            return ControlFlow::Break(());
        }
        let mut rng = SplitMix64::from_state(state.rng);
        let draws: Vec<Point> = (0..settings.population)
            .map(|_| std::array::from_fn(|i| if trained[i] { normal(&mut rng) } else { 0.0 }))
            .collect();
        let points: Vec<Point> = draws
            .iter()
            .map(|s| {
                scaled_bounds.project(&std::array::from_fn(|i| {
                    state.mu[i] + state.sigma[i] * s[i]
                }))
            })
            .collect();
        let losses: Vec<f64> = points
            .par_iter()
            .map(|y| setup.scaled().value(y).unwrap_or(f64::INFINITY))
            .collect();
        state.evaluations += settings.population;
        let mut order: Vec<usize> = (0..settings.population).collect();
        order.sort_by(|&a, &b| losses[a].total_cmp(&losses[b]).then(a.cmp(&b)));
        let top = order[0];
        if losses[top] < state.best_f {
            state.best_f = losses[top];
            state.best_x = to_x(&points[top]);
        }
        let (lo, hi) = trained
            .iter()
            .zip(&state.sigma)
            .filter(|(t, _)| **t)
            .fold((f64::INFINITY, 0.0_f64), |(lo, hi), (_, s)| {
                (lo.min(*s), hi.max(*s))
            });
        state.path.push(PathPoint {
            x: to_x(&points[top]),
            ll: -losses[top] + n * scaled.penalty_per_transition(&points[top]),
            seconds: clock.seconds(),
            step: Some((lo, hi)),
        });
        let mut grad_mu = [0.0; N_PARAMS];
        let mut grad_sigma = [0.0; N_PARAMS];
        for (u, &k) in self.utilities.iter().zip(&order) {
            for i in 0..N_PARAMS {
                grad_mu[i] += u * draws[k][i];
                grad_sigma[i] += u * (draws[k][i] * draws[k][i] - 1.0);
            }
        }
        for i in 0..N_PARAMS {
            if trained[i] {
                state.mu[i] += settings.eta_mu * state.sigma[i] * grad_mu[i];
                state.sigma[i] *= (0.5 * self.eta_sigma * grad_sigma[i]).exp();
            }
        }
        state.mu = scaled_bounds.project(&state.mu);
        state.generation += 1;
        state.rng = rng.state();
        ControlFlow::Continue(())
    }

    fn done(&self, state: &SnesState) -> usize {
        state.generation
    }

    fn total(&self) -> usize {
        self.settings.generations
    }

    fn reports_after(&self, generations: usize) -> bool {
        generations.is_multiple_of(10) || generations == self.settings.generations
    }

    fn best<'s>(&self, state: &'s SnesState) -> (&'s Point, f64) {
        (&state.best_x, -state.best_f)
    }

    fn elapsed<'s>(&self, state: &'s mut SnesState) -> &'s mut f64 {
        &mut state.elapsed
    }
}

impl checkpoint::OptimizerState for SnesState {
    const METHOD: &'static str = "Snes";
    const NAME: &'static str = "SNES";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_draws_have_unit_moments() {
        let mut r = SplitMix64::for_start(3, 0);
        let xs: Vec<f64> = (0..20_000).map(|_| normal(&mut r)).collect();
        let m = xs.iter().sum::<f64>() / xs.len() as f64;
        let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / xs.len() as f64;
        assert!(m.abs() < 0.03 && (v - 1.0).abs() < 0.05, "{m} {v}");
    }

    #[test]
    fn utilities_are_ranked_and_centred() {
        let u = utilities(10);
        assert!(u.windows(2).all(|w| w[0] >= w[1]));
        assert!(u.iter().sum::<f64>().abs() < 1e-12);
        assert_eq!(u[9], -0.1);
    }
}
