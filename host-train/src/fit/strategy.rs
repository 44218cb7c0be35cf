//! How the methods search: the L-BFGS basin search and the Adam training loop.
//!
//! ## L-BFGS basin search (the default fit)
//! The likelihood has many local optima whose basins differ mainly by the upper well `mu_H`
//! (on the real data: ~0.46-0.49 at 1337-1338, ~0.8 at 1314, ~0.97 at 1307-1312). Random starts
//! need a few hundred L-BFGS iterations each and reach the best basin only sometimes, so the search
//! is staged:
//! 1. **Anchor**: L-BFGS from the start and from a seeded jitter of it, in parallel; the better end
//!    is the anchor. Its noise, jump and temperature parameters already fit the data as a whole.
//! 2. **Screen**: `starts` warm starts from the anchor with the upper well on a stratified grid over
//!    [`LbfgsSettings::mu_h_range`] (one seeded draw per stratum), the lower well, `omega0` and the
//!    other parameters jittered by seeded draws; each runs a short L-BFGS
//!    ([`LbfgsSettings::screen_iterations`]), in parallel. From a warm start the right basin is
//!    reached within a few dozen iterations.
//! 3. **Polish**: the best screened ends (and the anchor) with distinct upper wells run L-BFGS to
//!    convergence, and so do the best ends of a few other basins (for the report's list of
//!    optima). In a physical fit an end with `omega0` on its upper bound is also re-polished
//!    from `omega0 = 0.95`: the bound is a sticky local optimum with better interior optima next
//!    to it.
//!
//! Every start has its own random stream derived from `(seed, start index)` and results are
//! reduced in start order, so the outcome does not depend on threads or timing.

use super::adam::{self, Adam, AdamSettings, LossScale, PlateauScheduler};
use super::bounds::Bounds;
use super::checkpoint::{self, Checkpointing, Fingerprint};
use super::lbfgs::{self, Evaluations, LbfgsResult};
use super::objective::{N_PARAMS, Point};
use super::optimizer::{self, Clock, IterativeMethod};
use super::rng::SplitMix64;
use super::{FitError, ModelId, Optimum, Outcome, PathPoint, Progress, START_ONLY, Setup};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::ops::ControlFlow;
use std::sync::Mutex;
use std::time::Instant;

/// Default number of screened starts ([`super::FitOptions::starts`]).
pub const DEFAULT_STARTS: usize = 16;

/// Settings of the L-BFGS basin search (see the module documentation).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LbfgsSettings {
    /// Iteration cap of each anchor run.
    pub anchor_iterations: usize,
    /// Iteration cap of each screening run.
    pub screen_iterations: usize,
    /// How many screened ends (with distinct upper wells) are polished.
    pub polish: usize,
    /// How many further screened ends from other basins (upper well at least 0.1 away from every
    /// polished one) are polished too, so the report lists the competing explanations.
    pub alternatives: usize,
    /// Range of the upper-well grid of the screening starts in a physical fit.
    pub mu_h_range: (f64, f64),
    /// Range of the upper-well grid in an unconstrained fit (may leave the COF range).
    pub mu_h_range_unconstrained: (f64, f64),
    /// Relative jitter of the other parameters of a screening start: each is multiplied by
    /// `exp(u)`, `u` uniform in `[-jitter, jitter]`.
    pub jitter: f64,
    /// Convergence settings of the polishing runs (the anchor and screening runs use the same
    /// tolerances with their own iteration caps).
    #[serde(skip)]
    pub local: lbfgs::Settings,
}

impl LbfgsSettings {
    /// A quick, less thorough fit: every L-BFGS run capped at `iterations` (at least 1) and only
    /// the best basin polished (e.g. for tests in a debug build).
    ///
    /// ```
    /// let s = host_train::fit::LbfgsSettings::capped(5);
    /// assert_eq!((s.anchor_iterations, s.local.max_iterations, s.polish), (5, 5, 1));
    /// assert!(s.screen_iterations <= 5);
    /// ```
    pub fn capped(iterations: usize) -> Self {
        let iterations = iterations.max(1);
        let mut s = Self {
            anchor_iterations: iterations,
            polish: 1,
            ..Self::default()
        };
        s.screen_iterations = s.screen_iterations.min(iterations);
        s.local.max_iterations = iterations;
        s
    }
}

impl Default for LbfgsSettings {
    fn default() -> Self {
        Self {
            anchor_iterations: 150,
            screen_iterations: 50,
            polish: 3,
            alternatives: 3,
            mu_h_range: (0.35, 1.15),
            mu_h_range_unconstrained: (0.35, 1.6),
            jitter: 0.2,
            local: lbfgs::Settings {
                max_iterations: 1500,
                ..lbfgs::Settings::default()
            },
        }
    }
}

/// One finished local run.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    /// End point in model coordinates.
    pub(crate) x: Point,
    /// Score there: log-likelihood minus the summed L2 penalty (the log-likelihood without one).
    pub(crate) ll: f64,
    /// The logged point of every iteration.
    pub(crate) path: Vec<PathPoint>,
    pub(crate) evaluations: Evaluations,
}

/// Shared progress bookkeeping of a fit.
struct Tracker<'a> {
    state: Mutex<(usize, f64)>,
    total: usize,
    callback: &'a (dyn Fn(Progress) + Sync),
}

impl<'a> Tracker<'a> {
    fn new(total: usize, callback: &'a (dyn Fn(Progress) + Sync)) -> Self {
        Self {
            state: Mutex::new((0, f64::NEG_INFINITY)),
            total,
            callback,
        }
    }

    /// Marks all work done (some planned runs may have been unnecessary) and reports.
    fn complete(&self, stage: &'static str) {
        let remaining = {
            let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
            self.total.saturating_sub(s.0)
        };
        self.finish(remaining, f64::NEG_INFINITY, stage);
    }

    /// Records `units` of finished work with log-likelihood `ll`, then reports.
    fn finish(&self, units: usize, ll: f64, stage: &'static str) {
        let (done, best) = {
            let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
            s.0 += units;
            if ll > s.1 {
                s.1 = ll;
            }
            *s
        };
        (self.callback)(Progress {
            done: done.min(self.total),
            total: self.total,
            best_log_likelihood: best,
            stage,
        });
    }
}

/// One L-BFGS run from `x0` (model coordinates) with iteration cap `max_iterations`.
pub(crate) fn local_run(
    started: Instant,
    setup: &Setup<'_>,
    scaled_bounds: &Bounds<N_PARAMS>,
    x0: &Point,
    settings: &lbfgs::Settings,
    max_iterations: usize,
) -> Option<Run> {
    let mut problem = setup.scaled();
    let n = setup.objective.transitions() as f64;
    let mut path = Vec::new();
    let y0 = problem.to_scaled(x0);
    let LbfgsResult {
        x, f, evaluations, ..
    } = lbfgs::minimize(
        &mut problem,
        &y0,
        scaled_bounds,
        &lbfgs::Settings {
            max_iterations,
            ..*settings
        },
        |_, f, y| {
            let x: Point = std::array::from_fn(|i| y[i] * setup.scale[i]);
            let penalty = if setup.l2 == 0.0 {
                0.0
            } else {
                n * setup.scaled().penalty_per_transition(y)
            };
            path.push(PathPoint {
                x,
                ll: -f + penalty,
                seconds: started.elapsed().as_secs_f64(),
                step: None,
            });
        },
    )
    .ok()?;
    Some(Run {
        x: problem.unscale(&x),
        ll: -f,
        path,
        evaluations,
    })
}

/// `bounds` in the scaled coordinates `x / scale`.
pub(crate) fn scale_bounds(bounds: &Bounds<N_PARAMS>, scale: &Point) -> Bounds<N_PARAMS> {
    Bounds {
        lower: std::array::from_fn(|i| bounds.lower[i] / scale[i]),
        upper: std::array::from_fn(|i| bounds.upper[i] / scale[i]),
        ordered: bounds
            .ordered
            .map(|(lo, hi, gap)| (lo, hi, gap / scale[lo].max(scale[hi]))),
    }
}

/// The parameters of `model` the screening grid sets itself (the wells and `omega0`) and the
/// start-only ones: [`jitter_others`] leaves them alone.
const NOT_JITTERED: [&str; 3] = ["mu_L", "mu_H", "omega0"];

/// The other parameters of `x` (see [`NOT_JITTERED`]) multiplied by `exp(u)`, `u` uniform in
/// `[-jitter, jitter]` (one draw per parameter of the variant, used or not).
fn jitter_others(model: ModelId, x: &mut Point, rng: &mut SplitMix64, jitter: f64) {
    for (i, field) in model.variant().fields.iter().enumerate() {
        let u = rng.uniform(-jitter, jitter);
        if !NOT_JITTERED.contains(&field.name) && !START_ONLY.contains(&field.name) {
            x[i] *= u.exp();
        }
    }
}

/// The L-BFGS basin search (module documentation). `bounds` in model coordinates.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_lbfgs(
    started: Instant,
    setup: &Setup<'_>,
    start: &Point,
    physical: bool,
    settings: &LbfgsSettings,
    starts: usize,
    seed: u64,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Outcome, FitError> {
    if starts == 0 {
        return Err(FitError::InvalidSetting("starts must be at least 1"));
    }
    if settings.polish == 0 {
        return Err(FitError::InvalidSetting("polish must be at least 1"));
    }
    let (h_lo, h_hi) = if physical {
        settings.mu_h_range
    } else {
        settings.mu_h_range_unconstrained
    };
    if !(h_lo.is_finite() && h_hi.is_finite() && h_lo <= h_hi) {
        return Err(FitError::InvalidSetting(
            "the upper-well range must be finite and ordered",
        ));
    }
    if !(settings.jitter.is_finite() && settings.jitter >= 0.0) {
        return Err(FitError::InvalidSetting(
            "jitter must be finite and non-negative",
        ));
    }
    let bounds = setup.bounds;
    let model = setup.objective.model();
    let scaled = scale_bounds(bounds, &setup.scale);
    let basins = Basins::of(model);
    let tracker = Tracker::new(
        2 + starts + settings.polish + settings.alternatives,
        progress,
    );
    let local = &settings.local;

    // 1. Anchor: the start and a seeded jitter of it. Stream index u64::MAX is reserved for it.
    let start = bounds.project(start);
    let mut jittered = start;
    jitter_others(
        model,
        &mut jittered,
        &mut SplitMix64::for_start(seed, u64::MAX),
        settings.jitter,
    );
    let anchors: Vec<Option<Run>> = [start, bounds.project(&jittered)]
        .par_iter()
        .map(|x0| {
            let run = local_run(
                started,
                setup,
                &scaled,
                x0,
                local,
                settings.anchor_iterations,
            );
            tracker.finish(
                1,
                run.as_ref().map_or(f64::NEG_INFINITY, |r| r.ll),
                "anchor",
            );
            run
        })
        .collect();
    let mut evaluations = Evaluations::default();
    for r in anchors.iter().flatten() {
        add(&mut evaluations, r.evaluations);
    }
    let anchor = best_of(anchors.into_iter().flatten()).ok_or(FitError::StartNotFinite)?;

    // 2. Screen: warm starts on a stratified grid of upper wells (V7: of the basin coordinate).
    let screened: Vec<Option<Run>> = (0..starts)
        .into_par_iter()
        .map(|k| {
            let mut rng = SplitMix64::for_start(seed, k as u64);
            let mut x = anchor.x;
            let position = k as f64 + rng.unit();
            match basins {
                Basins::Wells { mu_l, mu_h, omega } => {
                    x[mu_h] = h_lo + (h_hi - h_lo) * position / starts as f64;
                    x[mu_l] += rng.uniform(-0.02, 0.02);
                    // Physical: inside [0.7, 1] (where the optima are); unconstrained: up to 20.
                    x[omega] = if physical {
                        rng.uniform(0.7, 1.0)
                    } else {
                        rng.log_uniform(0.7, 20.0)
                    };
                    jitter_others(model, &mut x, &mut rng, settings.jitter);
                }
                Basins::Coefficients => {
                    let stratum = position / starts as f64;
                    coefficient_start(model, &mut x, &setup.scale, stratum, &mut rng, settings);
                }
            }
            let run = local_run(
                started,
                setup,
                &scaled,
                &bounds.project(&x),
                local,
                settings.screen_iterations,
            );
            tracker.finish(
                1,
                run.as_ref().map_or(f64::NEG_INFINITY, |r| r.ll),
                "screen",
            );
            run
        })
        .collect();
    for r in screened.iter().flatten() {
        add(&mut evaluations, r.evaluations);
    }

    // 3. Polish the best screened ends with distinct upper wells (the anchor competes too).
    let mut candidates: Vec<(usize, &Run)> = screened
        .iter()
        .enumerate()
        .filter_map(|(k, r)| r.as_ref().map(|r| (k, r)))
        .chain(std::iter::once((starts, &anchor)))
        .collect();
    candidates.sort_by(|a, b| b.1.ll.total_cmp(&a.1.ll).then(a.0.cmp(&b.0)));
    let mut chosen: Vec<&Run> = Vec::new();
    for (_, r) in &candidates {
        if chosen.len() < settings.polish
            && chosen
                .iter()
                .all(|c| basins.apart(&c.x, &r.x, &setup.scale, false))
        {
            chosen.push(r);
        }
    }
    let best_count = chosen.len();
    for (_, r) in &candidates {
        if chosen.len() < best_count + settings.alternatives
            && chosen
                .iter()
                .all(|c| basins.apart(&c.x, &r.x, &setup.scale, true))
        {
            chosen.push(r);
        }
    }
    let polished: Vec<Option<(Run, usize)>> = chosen
        .par_iter()
        .enumerate()
        .map(|(i, origin)| {
            let mut run = local_run(
                started,
                setup,
                &scaled,
                &origin.x,
                local,
                local.max_iterations,
            )?;
            // A physical end stuck on omega0's upper bound: try the interior next to it.
            if let Basins::Wells { omega, .. } = basins
                && physical
                && (run.x[omega] - bounds.upper[omega]).abs() <= 1e-9
            {
                let mut x = run.x;
                x[omega] = 0.95 * bounds.upper[omega];
                if let Some(hop) =
                    local_run(started, setup, &scaled, &x, local, local.max_iterations)
                {
                    add(&mut run.evaluations, hop.evaluations);
                    if hop.ll > run.ll {
                        run.x = hop.x;
                        run.ll = hop.ll;
                        run.path.extend(hop.path);
                    }
                }
            }
            tracker.finish(1, run.ll, "polish");
            Some((run, i))
        })
        .collect();
    for (r, _) in polished.iter().flatten() {
        add(&mut evaluations, r.evaluations);
    }
    let (best_run, best_origin) = polished
        .iter()
        .flatten()
        .max_by(|a, b| a.0.ll.total_cmp(&b.0.ll).then(b.1.cmp(&a.1)))
        .map(|(r, i)| (r.clone(), chosen[*i]))
        .unwrap_or_else(|| (chosen[0].clone(), chosen[0]));
    // The anchor may itself be the best point seen.
    let (best, ll) = if anchor.ll > best_run.ll {
        (anchor.x, anchor.ll)
    } else {
        (best_run.x, best_run.ll)
    };
    // The loss log follows the winning run alone: the anchor's iterations when the anchor wins,
    // otherwise the screening run of the winning start, then its polish (which continues from the
    // screening end, so the log has no jump back to a fresh start).
    let path = if ll > anchor.ll {
        let mut path = best_origin.path.clone();
        path.extend(&best_run.path);
        path
    } else {
        anchor.path.clone()
    };

    tracker.complete("polish");
    let ends: Vec<&Run> = polished.iter().flatten().map(|(r, _)| r).collect();
    let optima = distinct_optima(model, basins, &setup.scale, &ends, &screened);
    Ok(Outcome {
        best,
        path,
        evaluations,
        optima,
    })
}

/// How the basins of a variant's likelihood are told apart and searched.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Basins {
    /// The double-well variants: basins differ mainly by the upper well; the screen sets both
    /// wells and `omega0` (indices into the point).
    Wells {
        mu_l: usize,
        mu_h: usize,
        omega: usize,
    },
    /// A variant without wells (V7): basins are told apart by the whole scaled point, the screen
    /// perturbs the coefficients ([`coefficient_start`]).
    Coefficients,
}

impl Basins {
    fn of(model: ModelId) -> Self {
        let v = model.variant();
        match (v.index_of("mu_L"), v.index_of("mu_H"), v.index_of("omega0")) {
            (Some(mu_l), Some(mu_h), Some(omega)) => Self::Wells { mu_l, mu_h, omega },
            _ => Self::Coefficients,
        }
    }

    /// Whether two ends lie in different basins: upper wells at least 0.02 apart (`wide`: 0.1), or
    /// for [`Basins::Coefficients`] scaled points at least 0.5 apart in some coordinate (`wide`: 2).
    fn apart(&self, a: &Point, b: &Point, scale: &Point, wide: bool) -> bool {
        match *self {
            Self::Wells { mu_h, .. } => (a[mu_h] - b[mu_h]).abs() >= if wide { 0.1 } else { 0.02 },
            Self::Coefficients => scaled_distance(a, b, scale) >= if wide { 2.0 } else { 0.5 },
        }
    }

    /// Whether a screened end `s` lies in the neighbourhood of optimum `o` (both wells within
    /// 0.02; for coefficients scaled points within 0.5), with the distance used to pick the
    /// nearest optimum.
    fn near(&self, o: &Point, s: &Point, scale: &Point) -> (bool, f64) {
        match *self {
            Self::Wells { mu_l, mu_h, .. } => {
                let (dl, dh) = ((o[mu_l] - s[mu_l]).abs(), (o[mu_h] - s[mu_h]).abs());
                (dl < 0.02 && dh < 0.02, dl + dh)
            }
            Self::Coefficients => {
                let d = scaled_distance(o, s, scale);
                (d < 0.5, d)
            }
        }
    }

    /// Whether two polished ends are the same optimum (wells within 0.005; for coefficients scaled
    /// points within 0.05), their log-likelihoods being within 0.01.
    fn same(&self, a: &Point, b: &Point, scale: &Point) -> bool {
        match *self {
            Self::Wells { mu_l, mu_h, .. } => {
                (a[mu_l] - b[mu_l]).abs() < 0.005 && (a[mu_h] - b[mu_h]).abs() < 0.005
            }
            Self::Coefficients => scaled_distance(a, b, scale) < 0.05,
        }
    }
}

/// The largest difference of two points in scaled coordinates.
fn scaled_distance(a: &Point, b: &Point, scale: &Point) -> f64 {
    (0..N_PARAMS)
        .map(|i| ((a[i] - b[i]) / scale[i]).abs())
        .fold(0.0, f64::max)
}

/// A screening start of a variant without wells (V7), from the anchor `x`: every trained
/// coefficient moved by `jitter * 5 * scale * u` (`u` uniform in `[-1, 1]`), the stay logit's
/// level `a0` set on a stratified grid (`stratum` in `[0, 1)`) over `anchor - 3 .. anchor + 3`
/// (which component is the stay), and the stay drift redrawn as a pull towards a random COF.
fn coefficient_start(
    model: ModelId,
    x: &mut Point,
    scale: &Point,
    stratum: f64,
    rng: &mut SplitMix64,
    settings: &LbfgsSettings,
) {
    let fields = model.variant().fields;
    for (i, field) in fields.iter().enumerate() {
        let u = rng.uniform(-1.0, 1.0);
        if !START_ONLY.contains(&field.name) {
            x[i] += settings.jitter * 5.0 * scale[i] * u;
        }
    }
    let v = model.variant();
    if let Some(a0) = v.index_of("a0") {
        x[a0] += -3.0 + 6.0 * stratum;
    }
    // The stay drift `c0 + c_mu mu` as a pull towards a COF in [0.15, 0.3] of strength up to 0.3:
    // the basins of the real data differ by it (1349.65 without a pull, 1368.72 with one).
    if let (Some(c0), Some(c_mu)) = (v.index_of("c0"), v.index_of("c_mu")) {
        let slope = -0.3 * rng.unit();
        let centre = rng.uniform(0.15, 0.3);
        x[c_mu] = slope;
        x[c0] = -slope * centre;
    }
}

/// Clusters the polished ends (the same optimum by [`Basins::same`] and LL within 0.01) into
/// optima, best first, and counts the screened ends in each optimum's neighbourhood.
fn distinct_optima(
    model: ModelId,
    basins: Basins,
    scale: &Point,
    ends: &[&Run],
    screened: &[Option<Run>],
) -> Vec<Optimum> {
    let mut sorted: Vec<&Run> = ends.to_vec();
    sorted.sort_by(|a, b| b.ll.total_cmp(&a.ll));
    let mut optima: Vec<(Point, Optimum)> = Vec::new();
    for r in sorted {
        let same = |(x, o): &(Point, Optimum)| {
            (o.log_likelihood - r.ll).abs() < 0.01 && basins.same(x, &r.x, scale)
        };
        if !optima.iter().any(same) {
            optima.push((r.x, Optimum::at(model, &r.x, r.ll, 0)));
        }
    }
    for s in screened.iter().flatten() {
        let near = optima.iter_mut().min_by(|a, b| {
            let d = |(x, _): &(Point, Optimum)| basins.near(x, &s.x, scale).1;
            d(a).total_cmp(&d(b))
        });
        if let Some((x, o)) = near
            && basins.near(x, &s.x, scale).0
        {
            o.starts += 1;
        }
    }
    optima.into_iter().map(|(_, o)| o).collect()
}

/// The run with the highest log-likelihood (the first of equals).
fn best_of(runs: impl Iterator<Item = Run>) -> Option<Run> {
    runs.fold(None, |best: Option<Run>, r| match best {
        Some(b) if b.ll >= r.ll => Some(b),
        _ => Some(r),
    })
}

fn add(total: &mut Evaluations, more: Evaluations) {
    total.gradient += more.gradient;
    total.value += more.value;
}

/// The Adam training loop with PyTorch semantics (see [`adam`]): per epoch, evaluate the loss and
/// its gradient, keep the best parameters seen, clip the gradient norm, take an Adam step (L2
/// weight decay in the gradient), project onto `bounds`, step the plateau scheduler on the loss.
/// `mu0_base` does not enter the likelihood and is not trained (weight decay alone would shrink it).
/// The epochs, resume and checkpoints are [`optimizer::drive`]'s.
pub(crate) fn run_adam(
    started: Instant,
    setup: &Setup<'_>,
    start: &Point,
    settings: &AdamSettings,
    ckpt: Option<&Checkpointing>,
    fingerprint: &Fingerprint,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Outcome, FitError> {
    let method = AdamMethod::new(setup, settings);
    let state = optimizer::drive(&method, start, started, ckpt, fingerprint, progress)?;
    if !state.best_ll.is_finite() {
        return Err(FitError::StartNotFinite);
    }
    progress(Progress {
        done: settings.epochs,
        total: settings.epochs,
        best_log_likelihood: state.best_ll,
        stage: AdamMethod::STAGE,
    });
    Ok(Outcome {
        best: state.best,
        path: state.path,
        evaluations: Evaluations {
            gradient: state.evaluations,
            value: 0,
        },
        optima: vec![Optimum::at(
            setup.objective.model(),
            &state.best,
            state.best_ll,
            1,
        )],
    })
}

/// Adam as an [`IterativeMethod`]: one step is one epoch, the state an [`AdamState`].
struct AdamMethod<'a> {
    setup: &'a Setup<'a>,
    settings: &'a AdamSettings,
    /// Transitions of the training data.
    n: f64,
    /// The loss per summed negative log-likelihood ([`LossScale`]).
    scale: f64,
}

impl<'a> AdamMethod<'a> {
    fn new(setup: &'a Setup<'a>, settings: &'a AdamSettings) -> Self {
        let n = setup.objective.transitions() as f64;
        let scale = match settings.loss {
            LossScale::Sum => 1.0,
            LossScale::Mean => 1.0 / setup.objective.transitions() as f64,
        };
        Self {
            setup,
            settings,
            n,
            scale,
        }
    }

    /// The plateau scheduler of a fresh run.
    fn scheduler(&self) -> PlateauScheduler {
        let s = self.settings;
        PlateauScheduler::new(
            s.lr,
            s.plateau_factor,
            s.plateau_patience,
            s.plateau_threshold,
        )
    }
}

impl IterativeMethod for AdamMethod<'_> {
    type State = AdamState;
    const STAGE: &'static str = "adam";

    fn validate(&self) -> Result<(), FitError> {
        let settings = self.settings;
        let positive = |v: f64| v.is_finite() && v > 0.0;
        if !positive(settings.lr) {
            return Err(FitError::InvalidSetting(
                "Adam learning rate must be positive",
            ));
        }
        if !(settings.plateau_factor.is_finite()
            && settings.plateau_factor > 0.0
            && settings.plateau_factor < 1.0)
        {
            return Err(FitError::InvalidSetting(
                "plateau factor must lie in (0, 1)",
            ));
        }
        if settings.grad_clip.is_some_and(|c| !positive(c)) {
            return Err(FitError::InvalidSetting("gradient clip must be positive"));
        }
        if !(settings.weight_decay.is_finite() && settings.weight_decay >= 0.0) {
            return Err(FitError::InvalidSetting(
                "weight decay must be finite and non-negative",
            ));
        }
        if settings.epochs == 0 {
            return Err(FitError::InvalidSetting("epochs must be at least 1"));
        }
        Ok(())
    }

    fn fresh(&self, start: &Point) -> AdamState {
        let x = self.setup.bounds.project(start);
        let (m, v, t) = Adam::<N_PARAMS>::new(self.settings).moments();
        AdamState {
            epoch: 0,
            x,
            m,
            v,
            t,
            scheduler: self.scheduler().state(),
            best: x,
            best_ll: f64::NEG_INFINITY,
            best_epoch: 0,
            evaluations: 0,
            elapsed: 0.0,
            path: Vec::with_capacity(self.settings.epochs),
        }
    }

    fn step(&self, state: &mut AdamState, clock: &Clock) -> ControlFlow<()> {
        let (setup, settings, n, scale) = (self.setup, self.settings, self.n, self.scale);
        let (objective, bounds, trained) = (setup.objective, setup.bounds, setup.penalized);
        let epoch = state.epoch;
        let x = state.x;
        state.evaluations += 1;
        // Outside the model's domain (only possible unconstrained) the run ends at its best point.
        let Some((ll_data, grad)) = objective.value_and_gradient_parallel(&x) else {
            return ControlFlow::Break(());
        };
        state.path.push(PathPoint {
            x,
            ll: ll_data,
            seconds: clock.seconds(),
            step: None,
        });
        // With an L2 weight the score is the penalised log-likelihood (on the scaled coordinates).
        let y: Point = std::array::from_fn(|i| x[i] / setup.scale[i]);
        let ll = ll_data - n * setup.scaled().penalty_per_transition(&y);
        if ll > state.best_ll {
            (state.best, state.best_ll, state.best_epoch) = (x, ll, epoch);
        }
        if settings
            .early_stop
            .is_some_and(|patience| epoch - state.best_epoch >= patience)
        {
            return ControlFlow::Break(());
        }
        let mut g: Point = std::array::from_fn(|i| {
            let penalty = if setup.penalized[i] {
                2.0 * setup.l2 * n * y[i] / setup.scale[i]
            } else {
                0.0
            };
            (-grad[i] + penalty) * scale
        });
        if let Some(max_norm) = settings.grad_clip {
            adam::clip_grad_norm(&mut g, max_norm);
        }
        let mut optimizer = Adam::<N_PARAMS>::new(settings);
        optimizer.restore(state.m, state.v, state.t);
        let mut scheduler = self.scheduler();
        scheduler.restore(state.scheduler);
        let mut x = x;
        let keep = x;
        optimizer.step(&mut x, &g, scheduler.lr());
        for i in (0..N_PARAMS).filter(|&i| !trained[i]) {
            x[i] = keep[i];
        }
        state.x = bounds.project(&x);
        scheduler.step(-ll * scale);
        (state.m, state.v, state.t) = optimizer.moments();
        state.scheduler = scheduler.state();
        state.epoch = epoch + 1;
        ControlFlow::Continue(())
    }

    fn done(&self, state: &AdamState) -> usize {
        state.epoch
    }

    fn total(&self) -> usize {
        self.settings.epochs
    }

    fn reports_after(&self, epochs: usize) -> bool {
        epochs.is_multiple_of(50)
    }

    fn best<'s>(&self, state: &'s AdamState) -> (&'s Point, f64) {
        (&state.best, state.best_ll)
    }

    fn elapsed<'s>(&self, state: &'s mut AdamState) -> &'s mut f64 {
        &mut state.elapsed
    }
}

/// The whole state of an Adam run between two epochs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdamState {
    /// Epochs done.
    pub epoch: usize,
    /// Current point (model coordinates).
    pub x: Point,
    /// First moments.
    pub m: Point,
    /// Second moments.
    pub v: Point,
    /// Adam's step count.
    pub t: i32,
    /// Plateau scheduler: `(lr, best loss, epochs without improvement)`.
    pub scheduler: (f64, f64, usize),
    /// Best point seen.
    pub best: Point,
    /// Its score (log-likelihood minus penalty).
    pub best_ll: f64,
    /// The epoch it was seen at.
    pub best_epoch: usize,
    /// Value-and-gradient evaluations so far.
    pub evaluations: usize,
    /// Wall seconds spent before this process took over.
    pub elapsed: f64,
    /// The logged point of every epoch.
    pub(crate) path: Vec<PathPoint>,
}

impl checkpoint::OptimizerState for AdamState {
    const METHOD: &'static str = "Adam";
    const NAME: &'static str = "Adam";
}
