//! The feasible region of a fit: a box on each coordinate plus an optional ordering of two
//! coordinates (`x[lo] + gap <= x[hi]`, for the two wells), and the Euclidean projection onto it.

/// Box bounds with an optional ordering constraint between two coordinates.
///
/// The region is convex (a box intersected with a half-space), so [`Bounds::project`] is the
/// nearest feasible point and projected-gradient methods stay valid.
#[derive(Debug, Clone, PartialEq)]
pub struct Bounds<const N: usize> {
    /// Lower bound per coordinate (`f64::NEG_INFINITY` for none).
    pub lower: [f64; N],
    /// Upper bound per coordinate (`f64::INFINITY` for none).
    pub upper: [f64; N],
    /// `(lo, hi, gap)`: require `x[lo] + gap <= x[hi]`.
    pub ordered: Option<(usize, usize, f64)>,
}

impl<const N: usize> Bounds<N> {
    /// No constraint at all.
    pub fn free() -> Self {
        Self {
            lower: [f64::NEG_INFINITY; N],
            upper: [f64::INFINITY; N],
            ordered: None,
        }
    }

    /// Whether `x` lies in the region (with a relative tolerance of `1e-12` on the bounds).
    pub fn contains(&self, x: &[f64; N]) -> bool {
        let tol = |b: f64| 1e-12 * b.abs().max(1.0);
        let boxed = (0..N).all(|i| {
            x[i] >= self.lower[i] - tol(self.lower[i]) && x[i] <= self.upper[i] + tol(self.upper[i])
        });
        boxed
            && self
                .ordered
                .is_none_or(|(lo, hi, gap)| x[lo] + gap <= x[hi] + tol(x[hi]))
    }

    /// The nearest point of the region to `x`. NaN coordinates are left as they are.
    ///
    /// For the ordered pair the projection is exact as long as the box of the two coordinates is the
    /// same interval (the case of the two wells); otherwise it is a feasible point close to `x`.
    pub fn project(&self, x: &[f64; N]) -> [f64; N] {
        let mut y = *x;
        for ((v, lo), hi) in y.iter_mut().zip(&self.lower).zip(&self.upper) {
            *v = clamp(*v, *lo, *hi);
        }
        if let Some((lo, hi, gap)) = self.ordered
            && y[lo] + gap > y[hi]
        {
            // Move both onto the line x[hi] - x[lo] = gap, keeping their midpoint, then slide the
            // pair along that line back into the box.
            let min_mid = self.lower[lo] + 0.5 * gap;
            let max_mid = self.upper[hi] - 0.5 * gap;
            let mut mid = 0.5 * (y[lo] + y[hi]);
            if min_mid <= max_mid {
                mid = clamp(mid, min_mid, max_mid);
            }
            y[lo] = mid - 0.5 * gap;
            y[hi] = mid + 0.5 * gap;
        }
        y
    }

    /// Whether coordinate `i` is held at a box bound by the gradient `g` of a minimisation: at the
    /// lower bound with `g > 0` or at the upper bound with `g < 0`.
    pub fn is_blocked(&self, x: &[f64; N], g: &[f64; N], i: usize) -> bool {
        let at = |b: f64| b.is_finite() && (x[i] - b).abs() <= 1e-12 * b.abs().max(1.0);
        (at(self.lower[i]) && g[i] > 0.0) || (at(self.upper[i]) && g[i] < 0.0)
    }
}

/// `x` limited to `[lo, hi]` (NaN passes through).
fn clamp(x: f64, lo: f64, hi: f64) -> f64 {
    if x < lo {
        lo
    } else if x > hi {
        hi
    } else {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wells() -> Bounds<3> {
        Bounds {
            lower: [0.1, 0.1, 0.0],
            upper: [1.3, 1.3, 1.0],
            ordered: Some((0, 1, 0.01)),
        }
    }

    #[test]
    fn projection_keeps_bounds_and_is_idempotent() {
        let b = wells();
        let cases = [
            [0.2, 0.5, 0.5],
            [-3.0, 7.0, 2.0],
            [0.9, 0.3, -1.0],
            [1.5, 1.4, 0.3],
            [0.05, 0.02, 0.3],
            [0.7, 0.7, 1.0],
        ];
        for x in cases {
            let p = b.project(&x);
            assert!(b.contains(&p), "{x:?} -> {p:?}");
            assert_eq!(b.project(&p), p);
        }
        // Points inside stay where they are.
        assert_eq!(b.project(&[0.2, 0.5, 0.5]), [0.2, 0.5, 0.5]);
        // Swapped wells meet around their midpoint.
        let p = b.project(&[0.9, 0.3, 0.5]);
        assert!((p[0] - 0.595).abs() < 1e-12 && (p[1] - 0.605).abs() < 1e-12);
        // At the top of the box the pair slides down.
        let p = b.project(&[1.5, 1.4, 0.5]);
        assert!((p[1] - 1.3).abs() < 1e-12 && (p[0] - 1.29).abs() < 1e-12);
    }

    #[test]
    fn blocked_coordinates_follow_the_gradient_sign() {
        let b = wells();
        let x = [0.1, 1.3, 0.5];
        assert!(b.is_blocked(&x, &[1.0, -1.0, 0.0], 0));
        assert!(!b.is_blocked(&x, &[-1.0, -1.0, 0.0], 0));
        assert!(b.is_blocked(&x, &[1.0, -1.0, 0.0], 1));
        assert!(!b.is_blocked(&x, &[1.0, -1.0, 1.0], 2));
        assert!(Bounds::<2>::free().contains(&[1e300, -1e300]));
        // Infinite bounds never block, however large the coordinate.
        let free = Bounds::<1>::free();
        assert!(!free.is_blocked(&[1e300], &[-1.0], 0));
        assert!(!free.is_blocked(&[-1e300], &[1.0], 0));
    }
}
