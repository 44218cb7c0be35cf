//! The one progress callback of every long operation in host-train (a fit, a validation, a
//! tuning study, averaging a folder of strokes): it receives a [`Progress`] as the work goes on,
//! for a progress bar. The library never prints; the binary draws the bar.
//!
//! ```
//! use host_train::progress::{Progress, ProgressFn};
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! let seen = AtomicUsize::new(0);
//! let progress: ProgressFn<'_> = &|p: Progress<'_>| {
//!     seen.store(p.done, Ordering::Relaxed);
//! };
//! progress(Progress::new("averaging", 3, 10));
//! assert_eq!(seen.load(Ordering::Relaxed), 3);
//! ```

/// Where a long operation is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress<'a> {
    /// Units of work done (Adam: epochs; L-BFGS: finished local runs; a study: finished runs).
    pub done: usize,
    /// Units of work in total (an upper bound: early stopping may end sooner).
    pub total: usize,
    /// Best log-likelihood so far (`-inf` before the first evaluation, and for work that fits
    /// nothing).
    pub best_log_likelihood: f64,
    /// What the work is doing (a fit: `"adam"`, `"anchor"`, `"screen"`, `"polish"`; a validation:
    /// the split being fitted).
    pub stage: &'a str,
}

impl<'a> Progress<'a> {
    /// `done` of `total` units in `stage`, with no log-likelihood.
    ///
    /// ```
    /// let p = host_train::progress::Progress::new("phase 1 runs", 1, 4);
    /// assert!(p.best_log_likelihood == f64::NEG_INFINITY && p.total == 4);
    /// ```
    pub fn new(stage: &'a str, done: usize, total: usize) -> Self {
        Self {
            done,
            total,
            best_log_likelihood: f64::NEG_INFINITY,
            stage,
        }
    }
}

/// The progress callback every long operation takes.
pub type ProgressFn<'a> = &'a (dyn Fn(Progress<'_>) + Sync);

/// A callback that ignores the progress.
///
/// ```
/// host_train::progress::ignore(host_train::progress::Progress::new("x", 0, 1));
/// ```
pub fn ignore(_: Progress<'_>) {}
