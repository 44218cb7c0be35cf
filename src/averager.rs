//! Streaming per-stroke COF averager: raw samples of one stroke in, the stroke's mean and standard
//! deviation out, in fixed memory.
//!
//! The rule (shared/galling-data/README.md) for each sample `i` of a stroke:
//! `cof_i = force_y_i / force_z_i`, clamped to `[0, 2]`; sliding distance `s_i = x_0 - x_i` with `x_0`
//! the first sample's position; samples with `10 mm <= s_i <= 60 mm` are kept; the stroke's value is
//! the mean of the kept COF and their sample standard deviation (`n - 1`).
//!
//! Positions are integer encoder counts ([`COUNTS_PER_MM`] = 1 nm per count by default): the distance
//! difference is then exact, which matters because a recorded sample lies only 6e-5 mm from the 60 mm
//! edge, about one f32 step at 0.8 m. The COF statistics use Welford's update in the scalar type
//! (f32 on the target, f64 on the host).
//!
//! ```
//! use galling::averager::{StrokeAverager, StrokeWindow, COUNTS_PER_MM};
//! let mut avg = StrokeAverager::<f32>::new(StrokeWindow::default());
//! for i in 0..=70 {
//!     let x = 800 * COUNTS_PER_MM - i * COUNTS_PER_MM; // moving 1 mm per sample
//!     avg.push_forces(-2.0, -10.0, x)?;                // COF 0.2
//! }
//! let stroke = avg.finish()?;
//! assert_eq!(stroke.samples, 51);                      // 10..=60 mm
//! assert!((stroke.mean - 0.2).abs() < 1e-6);
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use crate::scalar::{Scalar, clamp};
use core::fmt;

/// Encoder counts per millimetre of the default position scale (1 count = 1 nm).
pub const COUNTS_PER_MM: i32 = 1_000_000;

/// Most samples one stroke may have (2^24, 16.8 million: 28 minutes at 10 kHz). Up to this count
/// the sample number is exact in `f32`, which Welford's update divides by; past it a stroke is
/// refused instead of averaged wrongly (or, at 2^32, turned into NaN by a wrapped count).
pub const MAX_SAMPLES: u32 = 1 << 24;

/// The sliding-distance window of the samples that count, in encoder counts from the stroke's first
/// sample (inclusive at both ends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct StrokeWindow {
    /// Smallest sliding distance kept, counts.
    pub start: i32,
    /// Largest sliding distance kept, counts.
    pub end: i32,
}

impl StrokeWindow {
    /// 10 mm to 60 mm at 1 nm per count, as the shipped per-stroke averages were computed
    /// (evaluated at compile time: no arithmetic left for an unoptimised build to check).
    pub const DEFAULT: Self = Self {
        start: 10 * COUNTS_PER_MM,
        end: 60 * COUNTS_PER_MM,
    };
}

impl Default for StrokeWindow {
    /// [`StrokeWindow::DEFAULT`]: 10 mm to 60 mm at 1 nm per count.
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Converts a position in metres to default encoder counts (nearest nanometre), for recordings that
/// store positions as floating-point metres. `None` when out of the `i32` range (±2.1 m) or not finite.
///
/// ```
/// assert_eq!(galling::averager::metres_to_counts(0.800333342898909), Some(800_333_343));
/// ```
#[cfg(any(feature = "std", test))]
pub fn metres_to_counts(metres: f64) -> Option<i32> {
    let counts = (metres * 1e9).round();
    (counts.is_finite() && counts >= f64::from(i32::MIN) && counts <= f64::from(i32::MAX))
        .then_some(counts as i32)
}

/// The COF `force_y / force_z` of a sample, or why it is refused: one test covers every bad sample,
/// since a NaN or infinite force, or a zero normal force, makes `cof * force_z` NaN or infinite (an
/// infinite `force_z` gives `cof = 0` and `0 * inf = NaN`).
#[inline(always)]
pub(crate) fn cof_of_forces<S: Scalar>(force_y: S, force_z: S) -> Result<S, SampleError> {
    let cof = force_y / force_z;
    if (cof * force_z).is_finite() {
        Ok(cof)
    } else if force_z == S::from_f64(0.0) {
        Err(SampleError::ZeroNormalForce)
    } else {
        Err(SampleError::NotFinite)
    }
}

/// Why a sample was refused (the averager's state is unchanged).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum SampleError {
    /// A force or COF value is NaN or infinite.
    NotFinite,
    /// The normal force is zero, so the COF is undefined (no contact or a sensor fault).
    ZeroNormalForce,
    /// The stroke already has [`MAX_SAMPLES`] samples (a missed end of stroke); the stroke will be
    /// refused by [`StrokeAverager::finish`].
    StrokeTooLong,
}

impl fmt::Display for SampleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFinite => f.write_str("stroke sample: force or COF is not a finite number"),
            Self::ZeroNormalForce => {
                f.write_str("stroke sample: normal force force_z is zero, COF undefined")
            }
            Self::StrokeTooLong => write!(
                f,
                "stroke sample: the stroke already has {MAX_SAMPLES} samples (end of stroke missed?)"
            ),
        }
    }
}

impl core::error::Error for SampleError {}

/// Why a stroke gave no average.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum StrokeError {
    /// Fewer than two samples fell in the sliding window (the standard deviation needs two).
    TooFewSamples {
        /// Samples seen in the stroke.
        seen: u32,
        /// Samples inside the window.
        kept: u32,
    },
    /// More than [`MAX_SAMPLES`] samples were fed: the end of a stroke was missed.
    TooManySamples,
}

impl fmt::Display for StrokeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooFewSamples { seen, kept } => write!(
                f,
                "stroke has {kept} samples inside the sliding window ({seen} samples in all); at least 2 are needed"
            ),
            Self::TooManySamples => write!(
                f,
                "stroke has more than {MAX_SAMPLES} samples (end of stroke missed?): no average"
            ),
        }
    }
}

impl core::error::Error for StrokeError {}

/// Mean and spread of one stroke's COF.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct StrokeStats<S = f32> {
    /// Mean COF of the samples in the window.
    pub mean: S,
    /// Sample standard deviation (`n - 1`) of the same samples.
    pub std: S,
    /// Number of samples in the window.
    pub samples: u32,
}

/// The streaming averager. Feed one stroke's samples with [`push_forces`](Self::push_forces) or
/// [`push_cof`](Self::push_cof), then call [`finish`](Self::finish), which also resets it for the
/// next stroke. Memory is fixed (a few words); every call is O(1) and never panics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StrokeAverager<S = f32> {
    window: StrokeWindow,
    origin: Option<i32>,
    seen: u32,
    kept: u32,
    /// A sample was refused because the stroke had [`MAX_SAMPLES`] already.
    overflowed: bool,
    mean: S,
    m2: S,
}

impl<S: Scalar> StrokeAverager<S> {
    /// An averager for strokes with the given sliding window.
    pub fn new(window: StrokeWindow) -> Self {
        Self {
            window,
            origin: None,
            seen: 0,
            kept: 0,
            overflowed: false,
            mean: S::from_f64(0.0),
            m2: S::from_f64(0.0),
        }
    }

    /// Feeds one sample from the force sensors: `cof = force_y / force_z`.
    ///
    /// # Errors
    /// [`SampleError`] for a non-finite force, a zero normal force, or a stroke that already has
    /// [`MAX_SAMPLES`] samples; the sample is then ignored.
    #[inline]
    pub fn push_forces(
        &mut self,
        force_y: S,
        force_z: S,
        position: i32,
    ) -> Result<(), SampleError> {
        let cof = cof_of_forces(force_y, force_z)?;
        self.accumulate(cof, position).map(drop)
    }

    /// Feeds one sample whose COF is already known.
    ///
    /// # Errors
    /// [`SampleError::NotFinite`] for a NaN or infinite COF, [`SampleError::StrokeTooLong`] past
    /// [`MAX_SAMPLES`]; the sample is then ignored.
    #[inline]
    pub fn push_cof(&mut self, cof: S, position: i32) -> Result<(), SampleError> {
        if !cof.is_finite() {
            return Err(SampleError::NotFinite);
        }
        self.accumulate(cof, position).map(drop)
    }

    /// Window test and Welford update of a finite COF sample. Returns the sample's sliding distance
    /// from the stroke's first sample in counts (`None` when it does not fit in `i32`), for the
    /// feature extractor's segments ([`crate::features`]).
    #[inline(always)]
    pub(crate) fn accumulate(&mut self, cof: S, position: i32) -> Result<Option<i32>, SampleError> {
        if self.seen >= MAX_SAMPLES {
            self.overflowed = true;
            return Err(SampleError::StrokeTooLong);
        }
        let origin = *self.origin.get_or_insert(position);
        // seen < MAX_SAMPLES here: cannot wrap (wrapping_add keeps overflow checks out of the path)
        self.seen = self.seen.wrapping_add(1);
        // a distance that does not fit in i32 (over 2.1 m at 1 nm per count) is outside any window
        let distance = origin.checked_sub(position);
        let inside = distance.is_some_and(|d| d >= self.window.start && d <= self.window.end);
        if inside {
            let c = clamp(cof, S::from_f64(0.0), S::from_f64(2.0));
            // kept <= seen <= MAX_SAMPLES: cannot wrap, and exact as f32
            self.kept = self.kept.wrapping_add(1);
            let d = c - self.mean;
            self.mean = self.mean + d / S::from_f32(self.kept as f32);
            self.m2 = self.m2 + d * (c - self.mean);
        }
        Ok(distance)
    }

    /// Samples fed since the stroke started, and how many fell in the window.
    pub fn counts(&self) -> (u32, u32) {
        (self.seen, self.kept)
    }

    /// Ends the stroke: returns its statistics and resets the averager for the next stroke.
    ///
    /// # Errors
    /// [`StrokeError::TooFewSamples`] when fewer than two samples fell in the window,
    /// [`StrokeError::TooManySamples`] when samples past [`MAX_SAMPLES`] were refused (the averager
    /// is reset all the same).
    pub fn finish(&mut self) -> Result<StrokeStats<S>, StrokeError> {
        let done = *self;
        *self = Self::new(self.window);
        if done.overflowed {
            return Err(StrokeError::TooManySamples);
        }
        if done.kept < 2 {
            return Err(StrokeError::TooFewSamples {
                seen: done.seen,
                kept: done.kept,
            });
        }
        // kept >= 2 here
        let var = done.m2 / S::from_f32(done.kept.saturating_sub(1) as f32);
        Ok(StrokeStats {
            mean: done.mean,
            std: var.sqrt(),
            samples: done.kept,
        })
    }
}

impl<S: Scalar> Default for StrokeAverager<S> {
    fn default() -> Self {
        Self::new(StrokeWindow::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_edges_are_inclusive_and_origin_is_the_first_sample() {
        let mut a = StrokeAverager::<f64>::default();
        let x0 = 700 * COUNTS_PER_MM;
        a.push_cof(5.0, x0).unwrap(); // origin, outside window, clamped value never counted
        a.push_cof(0.3, x0 - 10 * COUNTS_PER_MM).unwrap();
        a.push_cof(0.5, x0 - 60 * COUNTS_PER_MM).unwrap();
        a.push_cof(0.9, x0 - 60 * COUNTS_PER_MM - 1).unwrap();
        let s = a.finish().unwrap();
        assert_eq!(s.samples, 2);
        assert!((s.mean - 0.4).abs() < 1e-15);
        assert!((s.std - (0.02_f64).sqrt()).abs() < 1e-15);
    }

    #[test]
    fn cof_is_clamped_to_zero_and_two() {
        let mut a = StrokeAverager::<f64>::default();
        let x0 = 0;
        a.push_cof(0.0, x0).unwrap();
        a.push_cof(-0.4, x0 - 20 * COUNTS_PER_MM).unwrap();
        a.push_cof(3.0, x0 - 30 * COUNTS_PER_MM).unwrap();
        let s = a.finish().unwrap();
        assert_eq!(s.mean, 1.0);
    }

    #[test]
    fn bad_samples_leave_state_unchanged() {
        let mut a = StrokeAverager::<f32>::default();
        a.push_forces(1.0, 5.0, 0).unwrap();
        let before = a;
        assert_eq!(
            a.push_forces(f32::NAN, 5.0, -1),
            Err(SampleError::NotFinite)
        );
        assert_eq!(
            a.push_forces(1.0, 0.0, -1),
            Err(SampleError::ZeroNormalForce)
        );
        assert_eq!(a.push_cof(f32::INFINITY, -1), Err(SampleError::NotFinite));
        assert_eq!(
            a.push_forces(1.0, f32::INFINITY, -1),
            Err(SampleError::NotFinite)
        );
        assert_eq!(
            a.push_forces(f32::NEG_INFINITY, 5.0, -1),
            Err(SampleError::NotFinite)
        );
        assert_eq!(
            a.push_forces(0.0, 0.0, -1),
            Err(SampleError::ZeroNormalForce)
        );
        assert_eq!(
            a.push_forces(1.0, f32::NAN, -1),
            Err(SampleError::NotFinite)
        );
        assert_eq!(a, before);
    }

    #[test]
    fn too_few_samples_is_an_error_and_resets() {
        let mut a = StrokeAverager::<f32>::default();
        a.push_cof(0.2, 0).unwrap();
        a.push_cof(0.2, -20 * COUNTS_PER_MM).unwrap();
        assert_eq!(
            a.finish(),
            Err(StrokeError::TooFewSamples { seen: 2, kept: 1 })
        );
        assert_eq!(a.counts(), (0, 0));
    }

    #[test]
    fn a_stroke_past_the_sample_limit_is_refused_not_nan() {
        // before the limit, 2^32 samples wrapped the count to 0 and finish() returned Ok(NaN)
        let mut a = StrokeAverager::<f32>::default();
        a.push_cof(0.2, 0).unwrap();
        for _ in 1..MAX_SAMPLES {
            a.push_cof(0.2, -20 * COUNTS_PER_MM).unwrap();
        }
        assert_eq!(a.counts(), (MAX_SAMPLES, MAX_SAMPLES - 1));
        let mut full = a; // a copy: finishing it leaves `a` as it is
        assert_eq!(full.finish().unwrap().samples, MAX_SAMPLES - 1);
        assert_eq!(
            a.push_cof(0.2, -20 * COUNTS_PER_MM),
            Err(SampleError::StrokeTooLong)
        );
        assert_eq!(
            a.push_forces(1.0, 5.0, -20 * COUNTS_PER_MM),
            Err(SampleError::StrokeTooLong)
        );
        assert_eq!(a.counts(), (MAX_SAMPLES, MAX_SAMPLES - 1));
        assert_eq!(a.finish(), Err(StrokeError::TooManySamples));
        // reset: the next stroke is averaged normally
        a.push_cof(0.2, 0).unwrap();
        a.push_cof(0.2, -20 * COUNTS_PER_MM).unwrap();
        a.push_cof(0.2, -30 * COUNTS_PER_MM).unwrap();
        assert_eq!(a.finish().unwrap().samples, 2);
    }
}
