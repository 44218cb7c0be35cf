//! Projected L-BFGS: limited-memory quasi-Newton minimisation on a convex feasible region.
//!
//! Each iteration builds the L-BFGS direction (two-loop recursion) on the coordinates that are not
//! held at a bound by the gradient, then backtracks along the projected path `P(x + a d)` until the
//! Armijo condition holds. Curvature pairs with `s.y <= 0` are skipped, so the inverse-Hessian
//! model stays positive definite on a nonconvex objective. Without bounds this is plain L-BFGS with
//! a backtracking line search.

use super::bounds::Bounds;
use std::collections::VecDeque;

/// Settings of one L-BFGS run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Most iterations (one line search each).
    pub max_iterations: usize,
    /// Number of curvature pairs kept (the "limited memory").
    pub memory: usize,
    /// Stop when the infinity norm of the projected gradient falls below this.
    pub gradient_tolerance: f64,
    /// Stop when the objective improved by less than `value_tolerance * max(|f|, 1)` over
    /// `stall_iterations` consecutive iterations.
    pub value_tolerance: f64,
    /// See `value_tolerance`.
    pub stall_iterations: usize,
    /// Sufficient-decrease constant of the Armijo condition.
    pub armijo: f64,
    /// Most backtracking steps of one line search.
    pub max_backtracks: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_iterations: 400,
            memory: 10,
            gradient_tolerance: 1e-6,
            value_tolerance: 1e-10,
            stall_iterations: 5,
            armijo: 1e-4,
            max_backtracks: 40,
        }
    }
}

/// Why a run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Termination {
    /// The projected gradient is below the tolerance.
    Gradient,
    /// The objective stopped improving.
    Stalled,
    /// The line search found no decrease along the direction or along the steepest descent.
    LineSearch,
    /// `max_iterations` reached.
    Iterations,
}

/// The outcome of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct LbfgsResult<const N: usize> {
    /// The best point (feasible).
    pub x: [f64; N],
    /// Objective value there.
    pub f: f64,
    /// Iterations done.
    pub iterations: usize,
    /// Objective evaluations.
    pub evaluations: Evaluations,
    /// Why it stopped.
    pub termination: Termination,
}

/// Why a run could not start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InfeasibleStart;

/// A function to minimise: its value alone (cheap) and its value with gradient.
pub trait Problem<const N: usize> {
    /// The value at `x`, or `None` where the function is undefined (treated as `+inf`).
    fn value(&mut self, x: &[f64; N]) -> Option<f64>;
    /// The value and gradient at `x`, or `None` where the function is undefined.
    fn value_and_gradient(&mut self, x: &[f64; N]) -> Option<(f64, [f64; N])>;
}

/// Counts of the evaluations one run made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Evaluations {
    /// Evaluations of value and gradient.
    pub gradient: usize,
    /// Evaluations of the value alone (line-search backtracking).
    pub value: usize,
}

/// Minimises `problem` from `x0` (projected onto `bounds` first). Undefined points count as `+inf`:
/// the line search backtracks away from them. `on_iteration(iteration, f, x)` is called after every
/// accepted step with the new point.
///
/// The first trial step of a line search is evaluated with its gradient (it is usually accepted);
/// backtracking steps evaluate the value alone, and the accepted one then gets its gradient.
pub fn minimize<const N: usize>(
    problem: &mut impl Problem<N>,
    x0: &[f64; N],
    bounds: &Bounds<N>,
    settings: &Settings,
    mut on_iteration: impl FnMut(usize, f64, &[f64; N]),
) -> Result<LbfgsResult<N>, InfeasibleStart> {
    let mut x = bounds.project(x0);
    let (mut fx, mut g) = problem.value_and_gradient(&x).ok_or(InfeasibleStart)?;
    let mut evaluations = Evaluations {
        gradient: 1,
        value: 0,
    };
    let mut memory: VecDeque<([f64; N], [f64; N], f64)> = VecDeque::with_capacity(settings.memory);
    let mut stall = 0;
    let mut iteration = 0;
    let termination = loop {
        if projected_gradient_norm(&x, &g, bounds) <= settings.gradient_tolerance {
            break Termination::Gradient;
        }
        if iteration >= settings.max_iterations {
            break Termination::Iterations;
        }
        let free: [bool; N] = std::array::from_fn(|i| !bounds.is_blocked(&x, &g, i));
        let mut d = direction(&g, &free, &memory);
        let mut slope = dot(&g, &d);
        if slope.is_nan() || slope >= 0.0 {
            memory.clear();
            d = std::array::from_fn(|i| if free[i] { -g[i] } else { 0.0 });
            slope = dot(&g, &d);
        }
        // First step (no curvature known yet): a move of length ~1e-3 of the point's size.
        let mut step = if memory.is_empty() {
            let scale = norm(&x).max(1.0);
            (1e-3 * scale / norm(&d).max(1e-300)).min(1.0)
        } else {
            1.0
        };
        let mut accepted = None;
        for trial_index in 0..=settings.max_backtracks {
            let trial = bounds.project(&std::array::from_fn(|i| x[i] + step * d[i]));
            let moved: [f64; N] = std::array::from_fn(|i| trial[i] - x[i]);
            if norm(&moved) == 0.0 {
                break;
            }
            // Armijo on the projected path: the linear model of the actual move.
            let predicted = dot(&g, &moved).min(0.0);
            let good = |ft: f64| ft < fx && ft <= fx + settings.armijo * predicted;
            if trial_index == 0 {
                evaluations.gradient += 1;
                if let Some((ft, gt)) = problem.value_and_gradient(&trial)
                    && good(ft)
                {
                    accepted = Some((trial, ft, gt));
                    break;
                }
            } else {
                evaluations.value += 1;
                if problem.value(&trial).is_some_and(good) {
                    evaluations.gradient += 1;
                    if let Some((ft, gt)) = problem.value_and_gradient(&trial) {
                        accepted = Some((trial, ft, gt));
                    }
                    break;
                }
            }
            step *= if step > 0.1 { 0.25 } else { 0.5 };
        }
        let Some((xn, fnew, gn)) = accepted else {
            if memory.is_empty() {
                break Termination::LineSearch;
            }
            // Retry from steepest descent before giving up.
            memory.clear();
            continue;
        };
        iteration += 1;
        let s: [f64; N] = std::array::from_fn(|i| xn[i] - x[i]);
        let y: [f64; N] = std::array::from_fn(|i| gn[i] - g[i]);
        let sy = dot(&s, &y);
        if sy > 1e-12 * norm(&s) * norm(&y) && sy > 0.0 {
            if memory.len() == settings.memory {
                memory.pop_front();
            }
            memory.push_back((s, y, 1.0 / sy));
        }
        let improvement = fx - fnew;
        x = xn;
        fx = fnew;
        g = gn;
        on_iteration(iteration, fx, &x);
        if improvement <= settings.value_tolerance * fx.abs().max(1.0) {
            stall += 1;
            if stall >= settings.stall_iterations {
                break Termination::Stalled;
            }
        } else {
            stall = 0;
        }
    };
    Ok(LbfgsResult {
        x,
        f: fx,
        iterations: iteration,
        evaluations,
        termination,
    })
}

/// `||x - P(x - g)||_inf`: zero exactly at a first-order stationary point of the constrained problem.
fn projected_gradient_norm<const N: usize>(x: &[f64; N], g: &[f64; N], bounds: &Bounds<N>) -> f64 {
    let p = bounds.project(&std::array::from_fn(|i| x[i] - g[i]));
    (0..N).map(|i| (x[i] - p[i]).abs()).fold(0.0, f64::max)
}

/// `-H g` on the free coordinates by the two-loop recursion (blocked coordinates get 0).
fn direction<const N: usize>(
    g: &[f64; N],
    free: &[bool; N],
    memory: &VecDeque<([f64; N], [f64; N], f64)>,
) -> [f64; N] {
    let mask =
        |v: &[f64; N]| -> [f64; N] { std::array::from_fn(|i| if free[i] { v[i] } else { 0.0 }) };
    let mut q = mask(g);
    let mut alpha = Vec::with_capacity(memory.len());
    for (s, y, rho) in memory.iter().rev() {
        let s = mask(s);
        let y = mask(y);
        let a = rho * dot(&s, &q);
        for i in 0..N {
            q[i] -= a * y[i];
        }
        alpha.push(a);
    }
    let gamma = memory.back().map_or(1.0, |(s, y, _)| {
        let (s, y) = (mask(s), mask(y));
        let yy = dot(&y, &y);
        if yy > 0.0 { dot(&s, &y) / yy } else { 1.0 }
    });
    let gamma = if gamma.is_finite() && gamma > 0.0 {
        gamma
    } else {
        1.0
    };
    for v in &mut q {
        *v *= gamma;
    }
    for ((s, y, rho), a) in memory.iter().zip(alpha.into_iter().rev()) {
        let s = mask(s);
        let y = mask(y);
        let b = rho * dot(&y, &q);
        for i in 0..N {
            q[i] += (a - b) * s[i];
        }
    }
    mask(&q).map(|v| -v)
}

fn dot<const N: usize>(a: &[f64; N], b: &[f64; N]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm<const N: usize>(a: &[f64; N]) -> f64 {
    dot(a, a).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A closure with its gradient as a [`Problem`].
    struct Smooth<F>(F);

    impl<const N: usize, F: FnMut(&[f64; N]) -> Option<(f64, [f64; N])>> Problem<N> for Smooth<F> {
        fn value(&mut self, x: &[f64; N]) -> Option<f64> {
            (self.0)(x).map(|(f, _)| f)
        }
        fn value_and_gradient(&mut self, x: &[f64; N]) -> Option<(f64, [f64; N])> {
            (self.0)(x)
        }
    }

    fn rosenbrock(x: &[f64; 2]) -> Option<(f64, [f64; 2])> {
        let (a, b) = (x[0], x[1]);
        let f = (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2);
        let g = [
            -2.0 * (1.0 - a) - 400.0 * a * (b - a * a),
            200.0 * (b - a * a),
        ];
        Some((f, g))
    }

    #[test]
    fn finds_the_rosenbrock_minimum() {
        let r = minimize(
            &mut Smooth(rosenbrock),
            &[-1.2, 1.0],
            &Bounds::free(),
            &Settings::default(),
            |_, _, _| {},
        )
        .unwrap();
        assert!(r.f < 1e-10, "{r:?}");
        assert!((r.x[0] - 1.0).abs() < 1e-5 && (r.x[1] - 1.0).abs() < 1e-5);
        assert!(r.iterations < 100, "{r:?}");
    }

    #[test]
    fn respects_a_box_that_excludes_the_minimum() {
        // Minimum of Rosenbrock on [-2, 0.5] x [-2, 2] lies on the edge a = 0.5, b = 0.25.
        let bounds = Bounds {
            lower: [-2.0, -2.0],
            upper: [0.5, 2.0],
            ordered: None,
        };
        let mut seen_outside = false;
        let r = minimize(
            &mut Smooth(|x: &[f64; 2]| {
                seen_outside |= !bounds.contains(x);
                rosenbrock(x)
            }),
            &[-1.2, 1.0],
            &bounds,
            &Settings::default(),
            |_, _, _| {},
        )
        .unwrap();
        assert!(!seen_outside, "evaluated outside the box");
        assert!(
            (r.x[0] - 0.5).abs() < 1e-9 && (r.x[1] - 0.25).abs() < 1e-5,
            "{r:?}"
        );
        assert_eq!(r.termination, Termination::Gradient);
    }

    #[test]
    fn backs_away_from_undefined_regions() {
        // f undefined for x < 0.3; minimum of (x - 1)^2 + y^2 is reachable.
        let r = minimize(
            &mut Smooth(|x: &[f64; 2]| {
                (x[0] >= 0.3).then(|| {
                    (
                        (x[0] - 1.0).powi(2) + x[1] * x[1],
                        [2.0 * (x[0] - 1.0), 2.0 * x[1]],
                    )
                })
            }),
            &[5.0, -3.0],
            &Bounds::free(),
            &Settings::default(),
            |_, _, _| {},
        )
        .unwrap();
        assert!(r.f < 1e-12, "{r:?}");
        assert!(
            minimize(
                &mut Smooth(|_: &[f64; 2]| None),
                &[0.0; 2],
                &Bounds::free(),
                &Settings::default(),
                |_, _, _| {}
            )
            .is_err()
        );
    }
}
