//! The one definition of a quantile and a median in host-train: linear interpolation between the
//! order statistics (Hyndman and Fan's type 7, numpy's default): the `q` quantile of `n` sorted
//! values is at position `q (n - 1)`, so the median of an even count is the mean of the two
//! middle values.
//!
//! ```
//! assert_eq!(host_train::stats::median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
//! assert_eq!(host_train::stats::quantile_sorted(&[0.0, 10.0], 0.25), 2.5);
//! ```

/// Quantile `q` in `[0, 1]` (clamped) of sorted values, by linear interpolation; NaN for no
/// values.
///
/// ```
/// use host_train::stats::quantile_sorted;
/// assert_eq!(quantile_sorted(&[1.0, 2.0, 4.0], 0.5), 2.0);
/// assert_eq!(quantile_sorted(&[1.0, 2.0, 4.0], 0.75), 3.0);
/// assert!(quantile_sorted(&[], 0.5).is_nan());
/// ```
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// The median of values in any order ([`quantile_sorted`] at 0.5 of a sorted copy; NaN sorts
/// last); NaN for no values.
///
/// ```
/// assert_eq!(host_train::stats::median(&[3.0, 1.0, 2.0]), 2.0);
/// assert_eq!(host_train::stats::median(&[3.0, 1.0]), 2.0);
/// assert!(host_train::stats::median(&[]).is_nan());
/// ```
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    quantile_sorted(&v, 0.5)
}
