//! Streaming stroke feature extractor: the [`StrokeAverager`]'s mean and standard deviation of the
//! 10-60 mm window, exactly as shipped, plus three figures of the parts of the stroke the averager
//! discards, which see galling coming before the stroke mean does.
//!
//! A stroke is split by its sliding distance `s` from its first sample (encoder counts, as in
//! [`crate::averager`]) into segments:
//!
//! | segment | sliding distance (default) | what happens there |
//! |---|---|---|
//! | dwell | `s < 0.5 mm` | the tool stands loaded: `force_y / force_z` is a tangential preload, not friction |
//! | run-in | `0.5 mm <= s < 10 mm` | breakaway and acceleration to the sliding speed |
//! | window | `10 mm <= s <= 60 mm` | steady sliding: the shipped mean and std |
//! | exit | `s > 60 mm` | the end of the sliding path, the normal force falling off |
//!
//! The features (each COF clamped to `[0, 2]` as in the averager):
//!
//! - [`StrokeFeatures::breakaway_peak`]: the largest COF of the run-in. When the tool starts to
//!   slide, the static junctions must be sheared; a surface that has begun to pick up sheet
//!   material (adhesion, the first transfer layer) needs a higher breakaway force for the same
//!   load. On the development data this peak climbs over several strokes while the window mean
//!   stays flat, ahead of an onset.
//! - [`StrokeFeatures::run_in_high_share`]: the share of run-in samples whose COF is above a level
//!   (0.30 by default): how much of the run-in already slides at high friction, not a single spike.
//! - [`StrokeFeatures::exit_peak`]: the largest COF after the window: adhesion at the end of the
//!   path, where the load falls and the transfer layer is dragged furthest.
//!
//! Run-in and exit samples count only while the normal force is established, `|force_z|` at least
//! [`FeatureSettings::min_normal_force`] (2 N by default): where the normal force is building up or
//! lifting off the ratio is not a friction coefficient (it divides by a small, noisy number). On the
//! development recordings the dwell load is about 10 N (median of the first sample 10.2-10.6 N per
//! temperature), no sample before 10 mm has less than 4.38 N, and 3.5-6 % of the exit samples fall
//! below 2 N, a fifth of the dwell load. The dwell is left out by distance: the encoder jitters by at
//! most 0.063 mm while the tool stands, so 0.5 mm of travel means the tool is sliding.
//!
//! Memory is fixed (a few words), every call is O(1) (no loop over the stroke's history) and never
//! panics; a refused sample leaves the extractor unchanged.
//!
//! ```
//! use galling::averager::COUNTS_PER_MM;
//! use galling::features::{FeatureSettings, StrokeFeatureExtractor};
//! let mut ex = StrokeFeatureExtractor::<f32>::new(FeatureSettings::DEFAULT)?;
//! for i in 0..=70 {
//!     let x = 800 * COUNTS_PER_MM - i * COUNTS_PER_MM;  // moving 1 mm per sample
//!     let force_y = if i == 3 { -4.0 } else { -2.0 };   // a breakaway peak of COF 0.4 at 3 mm
//!     ex.push_forces(force_y, -10.0, x)?;
//! }
//! let stroke = ex.finish()?;
//! assert_eq!(stroke.samples, 51);                       // 10..=60 mm, as the averager
//! assert!((stroke.mean - 0.2).abs() < 1e-6);
//! assert_eq!(stroke.run_in_samples, 9);                 // 1..=9 mm
//! assert!((stroke.breakaway_peak - 0.4).abs() < 1e-6);
//! assert!((stroke.run_in_high_share - 1.0 / 9.0).abs() < 1e-6);
//! assert_eq!(stroke.exit_samples, 10);                  // 61..=70 mm
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use crate::averager::{
    COUNTS_PER_MM, SampleError, StrokeAverager, StrokeError, StrokeStats, StrokeWindow,
    cof_of_forces,
};
use crate::family::{N_PRECURSOR_FEATURES, PRECURSOR_FEATURES};
use crate::scalar::Scalar;

/// The smaller of `a` and `b`.
#[inline(always)]
fn min<S: Scalar>(a: S, b: S) -> S {
    if b < a { b } else { a }
}
use core::fmt;

/// The settings of the feature extractor: segment edges, the COF level of the run-in share and the
/// normal-force gate. Validated once by [`validate`](Self::validate) (and by
/// [`StrokeFeatureExtractor::new`]).
///
/// ```
/// use galling::features::FeatureSettings;
/// let s = FeatureSettings { high_cof: 0.35, ..FeatureSettings::DEFAULT };
/// assert!(s.validate().is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FeatureSettings {
    /// The averaging window (mean and std); the run-in ends where it starts, the exit begins after
    /// its end.
    pub window: StrokeWindow,
    /// Sliding distance where the run-in starts (end of the dwell), counts.
    pub run_in_start: i32,
    /// COF level of [`StrokeFeatures::run_in_high_share`] (a sample counts when its clamped COF is
    /// strictly above it).
    pub high_cof: f32,
    /// Smallest `|force_z|` of a run-in or exit sample, in the force unit of the samples (newtons
    /// on the development press). Does not apply to the window, whose rule is the shipped one.
    pub min_normal_force: f32,
}

impl FeatureSettings {
    /// Run-in from 0.5 mm, the 10-60 mm window, high COF above 0.30, normal force at least 2 N
    /// (the choice and its measurement: README, "Stroke features").
    ///
    /// ```
    /// use galling::features::FeatureSettings;
    /// assert_eq!(FeatureSettings::DEFAULT.run_in_start, 500_000); // 0.5 mm at 1 nm per count
    /// ```
    pub const DEFAULT: Self = Self {
        window: StrokeWindow::DEFAULT,
        run_in_start: COUNTS_PER_MM / 2,
        high_cof: 0.30,
        min_normal_force: 2.0,
    };

    /// Checks the settings: `0 <= run_in_start <= window.start <= window.end`, `high_cof` finite in
    /// `[0, 2)`, `min_normal_force` finite and not negative.
    ///
    /// # Errors
    /// [`SettingsError`] naming the first setting that is wrong.
    ///
    /// ```
    /// use galling::features::{FeatureSettings, SettingsError};
    /// let bad = FeatureSettings { run_in_start: -1, ..FeatureSettings::DEFAULT };
    /// assert_eq!(bad.validate(), Err(SettingsError::SegmentOrder));
    /// ```
    pub fn validate(self) -> Result<Self, SettingsError> {
        let w = self.window;
        if !(0 <= self.run_in_start && self.run_in_start <= w.start && w.start <= w.end) {
            return Err(SettingsError::SegmentOrder);
        }
        if !(self.high_cof.is_finite() && (0.0..2.0).contains(&self.high_cof)) {
            return Err(SettingsError::HighCof);
        }
        if !(self.min_normal_force.is_finite() && self.min_normal_force >= 0.0) {
            return Err(SettingsError::MinNormalForce);
        }
        Ok(self)
    }
}

impl Default for FeatureSettings {
    /// [`FeatureSettings::DEFAULT`].
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Which feature setting is wrong.
///
/// ```
/// use galling::features::{FeatureSettings, SettingsError};
/// let bad = FeatureSettings { high_cof: f32::NAN, ..FeatureSettings::DEFAULT };
/// assert_eq!(bad.validate(), Err(SettingsError::HighCof));
/// assert!(SettingsError::HighCof.to_string().contains("high_cof"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum SettingsError {
    /// The segment edges are out of order (`0 <= run_in_start <= window.start <= window.end`).
    SegmentOrder,
    /// `high_cof` is not a finite number in `[0, 2)`.
    HighCof,
    /// `min_normal_force` is negative or not finite.
    MinNormalForce,
    /// A feature's reference ([`FeatureScaling::reference`]) is not finite.
    Reference {
        /// The feature, in [`PRECURSOR_FEATURES`] order.
        feature: u8,
    },
    /// A feature's scale ([`FeatureScaling::scale`]) is not a finite number above 0.
    Scale {
        /// The feature, in [`PRECURSOR_FEATURES`] order.
        feature: u8,
    },
}

impl SettingsError {
    /// The variant's position in the declaration (0 = `SegmentOrder`, ..., 4 = `Scale`): the
    /// code of a refused blob's compact log form
    /// ([`BlobError::log_form`](crate::blob::BlobError::log_form)).
    ///
    /// ```
    /// use galling::features::SettingsError;
    /// assert_eq!(SettingsError::Scale { feature: 1 }.code(), 4);
    /// ```
    pub const fn code(&self) -> u32 {
        match self {
            Self::SegmentOrder => 0,
            Self::HighCof => 1,
            Self::MinNormalForce => 2,
            Self::Reference { .. } => 3,
            Self::Scale { .. } => 4,
        }
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = |j: &u8| {
            PRECURSOR_FEATURES
                .get(usize::from(*j))
                .copied()
                .unwrap_or("?")
        };
        f.write_str(match self {
            Self::Reference { feature } => {
                return write!(
                    f,
                    "feature scaling: the reference of {} must be finite",
                    name(feature)
                );
            }
            Self::Scale { feature } => {
                return write!(
                    f,
                    "feature scaling: the scale of {} must be a finite number above 0",
                    name(feature)
                );
            }
            Self::SegmentOrder => {
                "feature settings: segment edges must satisfy 0 <= run_in_start <= window.start <= window.end"
            }
            Self::HighCof => "feature settings: high_cof must be a finite COF in [0, 2)",
            Self::MinNormalForce => {
                "feature settings: min_normal_force must be finite and not negative"
            }
        })
    }
}

impl core::error::Error for SettingsError {}

/// One stroke's features: the averager's window statistics and the run-in and exit figures.
///
/// A segment without a loaded sample gives `0` for its figures (the clean floor of a clamped
/// COF) and `0` samples, so a caller can tell it apart.
///
/// ```
/// use galling::averager::StrokeStats;
/// use galling::features::StrokeFeatures;
/// let f = StrokeFeatures { mean: 0.2_f32, std: 0.01, samples: 200, breakaway_peak: 0.3,
///     run_in_high_share: 0.0, run_in_samples: 40, exit_peak: 0.25, exit_samples: 60 };
/// assert_eq!(f.stats(), StrokeStats { mean: 0.2, std: 0.01, samples: 200 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct StrokeFeatures<S = f32> {
    /// Mean COF of the window (the shipped `mean.txt` rule, the same bits as [`StrokeAverager`]).
    pub mean: S,
    /// Sample standard deviation (`n - 1`) of the window's COF (`std.txt`).
    pub std: S,
    /// Samples in the window.
    pub samples: u32,
    /// Largest COF of the loaded run-in samples: the breakaway peak.
    pub breakaway_peak: S,
    /// Share (0 to 1) of the loaded run-in samples with COF above
    /// [`FeatureSettings::high_cof`].
    pub run_in_high_share: S,
    /// Loaded samples in the run-in.
    pub run_in_samples: u32,
    /// Largest COF of the loaded exit samples (after the window).
    pub exit_peak: S,
    /// Loaded samples in the exit.
    pub exit_samples: u32,
}

impl<S: Copy> StrokeFeatures<S> {
    /// The window statistics alone, as [`StrokeAverager::finish`] returns them.
    ///
    /// ```
    /// # use galling::features::StrokeFeatures;
    /// let f = StrokeFeatures { mean: 0.2_f64, std: 0.0, samples: 2, breakaway_peak: 0.0,
    ///     run_in_high_share: 0.0, run_in_samples: 0, exit_peak: 0.0, exit_samples: 0 };
    /// assert_eq!(f.stats().mean, 0.2);
    /// ```
    pub fn stats(&self) -> StrokeStats<S> {
        StrokeStats {
            mean: self.mean,
            std: self.std,
            samples: self.samples,
        }
    }
}

/// The streaming feature extractor. Feed one stroke's samples with
/// [`push_forces`](Self::push_forces) (or [`push_cof`](Self::push_cof)), then call
/// [`finish`](Self::finish), which also resets it for the next stroke. Fixed memory, O(1) per
/// call, never panics; the window statistics are those of a [`StrokeAverager`] fed the same
/// samples, bit for bit.
///
/// ```
/// use galling::features::{FeatureSettings, StrokeFeatureExtractor};
/// let mut ex = StrokeFeatureExtractor::<f64>::default();
/// assert_eq!(ex.settings(), FeatureSettings::DEFAULT);
/// assert!(ex.push_forces(1.0, 0.0, 0).is_err());           // zero normal force: refused
/// assert!(ex.finish().is_err());                           // no samples in the window
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StrokeFeatureExtractor<S = f32> {
    averager: StrokeAverager<S>,
    settings: FeatureSettings,
    high_cof: S,
    min_normal_force: S,
    run_in_samples: u32,
    run_in_high: u32,
    breakaway_peak: S,
    exit_samples: u32,
    exit_peak: S,
}

impl<S: Scalar> StrokeFeatureExtractor<S> {
    /// An extractor with the given settings.
    ///
    /// # Errors
    /// [`SettingsError`] from [`FeatureSettings::validate`].
    ///
    /// ```
    /// use galling::features::{FeatureSettings, StrokeFeatureExtractor};
    /// let bad = FeatureSettings { min_normal_force: -1.0, ..FeatureSettings::DEFAULT };
    /// assert!(StrokeFeatureExtractor::<f32>::new(bad).is_err());
    /// ```
    pub fn new(settings: FeatureSettings) -> Result<Self, SettingsError> {
        let settings = settings.validate()?;
        Ok(Self::fresh(settings))
    }

    /// A reset extractor for settings already validated.
    fn fresh(settings: FeatureSettings) -> Self {
        let zero = S::from_f64(0.0);
        Self {
            averager: StrokeAverager::new(settings.window),
            settings,
            high_cof: S::from_f32(settings.high_cof),
            min_normal_force: S::from_f32(settings.min_normal_force),
            run_in_samples: 0,
            run_in_high: 0,
            breakaway_peak: zero,
            exit_samples: 0,
            exit_peak: zero,
        }
    }

    /// The (validated) settings.
    ///
    /// ```
    /// # use galling::features::{FeatureSettings, StrokeFeatureExtractor};
    /// assert_eq!(StrokeFeatureExtractor::<f32>::default().settings().high_cof, 0.30);
    /// ```
    pub fn settings(&self) -> FeatureSettings {
        self.settings
    }

    /// Feeds one sample from the force sensors: `cof = force_y / force_z`; the sample counts in
    /// the run-in and exit figures only when `|force_z| >= min_normal_force`.
    ///
    /// # Errors
    /// [`SampleError`] for a non-finite force, a zero normal force, or a stroke that already has
    /// [`MAX_SAMPLES`](crate::averager::MAX_SAMPLES) samples; the sample is then ignored.
    ///
    /// ```
    /// # use galling::features::StrokeFeatureExtractor;
    /// use galling::averager::SampleError;
    /// let mut ex = StrokeFeatureExtractor::<f32>::default();
    /// assert_eq!(ex.push_forces(f32::NAN, -10.0, 0), Err(SampleError::NotFinite));
    /// assert_eq!(ex.push_forces(-2.0, -10.0, 0), Ok(()));
    /// ```
    #[inline]
    pub fn push_forces(
        &mut self,
        force_y: S,
        force_z: S,
        position: i32,
    ) -> Result<(), SampleError> {
        let cof = cof_of_forces(force_y, force_z)?;
        self.accumulate(cof, force_z, position)
    }

    /// Feeds one sample whose COF is already known, measured with the normal force established
    /// (it counts in every segment).
    ///
    /// # Errors
    /// [`SampleError::NotFinite`] for a NaN or infinite COF, [`SampleError::StrokeTooLong`] past
    /// [`MAX_SAMPLES`](crate::averager::MAX_SAMPLES); the sample is then ignored.
    ///
    /// ```
    /// # use galling::features::StrokeFeatureExtractor;
    /// let mut ex = StrokeFeatureExtractor::<f32>::default();
    /// assert!(ex.push_cof(f32::INFINITY, 0).is_err());
    /// ```
    #[inline]
    pub fn push_cof(&mut self, cof: S, position: i32) -> Result<(), SampleError> {
        if !cof.is_finite() {
            return Err(SampleError::NotFinite);
        }
        // the gate's own level passes the gate
        self.accumulate(cof, self.min_normal_force, position)
    }

    /// The averager's update, then the segment figures of a finite COF sample measured at normal
    /// force `force_z`.
    ///
    /// The figures use the clamped COF without clamping every sample: a peak starts at 0 and
    /// takes `min(cof, 2)` when passed, and `cof > high_cof` equals `clamp(cof) > high_cof` for a
    /// level in `[0, 2)`.
    #[inline(always)]
    fn accumulate(&mut self, cof: S, force_z: S, position: i32) -> Result<(), SampleError> {
        // the averager refuses before it changes anything, so a refusal leaves all state as it was
        let Some(d) = self.averager.accumulate(cof, position)? else {
            return Ok(());
        };
        let w = self.settings.window;
        if d > w.end {
            if force_z.abs() >= self.min_normal_force {
                // exit_samples <= seen <= MAX_SAMPLES: cannot wrap
                self.exit_samples = self.exit_samples.wrapping_add(1);
                if cof > self.exit_peak {
                    self.exit_peak = min(cof, S::from_f64(2.0));
                }
            }
        } else if d < w.start
            && d >= self.settings.run_in_start
            && force_z.abs() >= self.min_normal_force
        {
            // run_in_samples <= seen <= MAX_SAMPLES: cannot wrap
            self.run_in_samples = self.run_in_samples.wrapping_add(1);
            if cof > self.high_cof {
                self.run_in_high = self.run_in_high.wrapping_add(1);
            }
            if cof > self.breakaway_peak {
                self.breakaway_peak = min(cof, S::from_f64(2.0));
            }
        }
        Ok(())
    }

    /// Samples fed since the stroke started, and how many fell in the window.
    ///
    /// ```
    /// # use galling::features::StrokeFeatureExtractor;
    /// let mut ex = StrokeFeatureExtractor::<f32>::default();
    /// ex.push_cof(0.2, 0)?;
    /// assert_eq!(ex.counts(), (1, 0));
    /// # Ok::<(), galling::averager::SampleError>(())
    /// ```
    pub fn counts(&self) -> (u32, u32) {
        self.averager.counts()
    }

    /// Ends the stroke: returns its features and resets the extractor for the next stroke.
    ///
    /// # Errors
    /// The [`StrokeError`] of [`StrokeAverager::finish`] (fewer than two window samples, or a
    /// stroke past [`MAX_SAMPLES`](crate::averager::MAX_SAMPLES)); the extractor is reset all the
    /// same.
    ///
    /// ```
    /// # use galling::features::StrokeFeatureExtractor;
    /// use galling::averager::StrokeError;
    /// let mut ex = StrokeFeatureExtractor::<f32>::default();
    /// ex.push_cof(0.2, 0)?;
    /// assert_eq!(ex.finish(), Err(StrokeError::TooFewSamples { seen: 1, kept: 0 }));
    /// assert_eq!(ex.counts(), (0, 0));
    /// # Ok::<(), galling::averager::SampleError>(())
    /// ```
    pub fn finish(&mut self) -> Result<StrokeFeatures<S>, StrokeError> {
        let mut done = *self;
        *self = Self::fresh(self.settings);
        let stats = done.averager.finish()?;
        let run_in_high_share = if done.run_in_samples == 0 {
            S::from_f64(0.0)
        } else {
            // both counts <= MAX_SAMPLES = 2^24: exact in f32
            S::from_f32(done.run_in_high as f32) / S::from_f32(done.run_in_samples as f32)
        };
        Ok(StrokeFeatures {
            mean: stats.mean,
            std: stats.std,
            samples: stats.samples,
            breakaway_peak: done.breakaway_peak,
            run_in_high_share,
            run_in_samples: done.run_in_samples,
            exit_peak: done.exit_peak,
            exit_samples: done.exit_samples,
        })
    }
}

impl<S: Scalar> Default for StrokeFeatureExtractor<S> {
    /// An extractor with [`FeatureSettings::DEFAULT`].
    fn default() -> Self {
        Self::fresh(FeatureSettings::DEFAULT)
    }
}

/// How stroke features are standardised for the precursor kernel (V8-P):
/// `z_j = (f_j - reference_j) / scale_j` for the features [`PRECURSOR_FEATURES`]. The trainer fixes
/// it before a fit from the clean training strokes (`f64` on the host); the blob carries it in
/// `f32`, and the monitor standardises each stroke's features with it
/// ([`Monitor::update_with_features`](crate::monitor::Monitor::update_with_features)).
///
/// ```
/// use galling::features::FeatureScaling;
/// let s = FeatureScaling { reference: [0.3_f32, 0.1], scale: [0.05, 0.2] };
/// let z = s.standardise([0.35, 0.1]);
/// assert!((z[0] - 1.0).abs() < 1e-6 && z[1] == 0.0);
/// assert!(s.validate().is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FeatureScaling<S = f32> {
    /// `reference_j`: the clean stroke's value of feature `j` (the median over the clean training
    /// strokes).
    pub reference: [S; N_PRECURSOR_FEATURES],
    /// `scale_j > 0`: the spread of feature `j` over the clean training strokes.
    pub scale: [S; N_PRECURSOR_FEATURES],
}

impl<S: Scalar> FeatureScaling<S> {
    /// The standardised features `z` of one stroke's features `f` ([`PRECURSOR_FEATURES`] order).
    #[inline]
    pub fn standardise(&self, f: [S; N_PRECURSOR_FEATURES]) -> [S; N_PRECURSOR_FEATURES] {
        // zipped, not indexed: no bounds check (the link proof in the o1 profile)
        let mut z = f;
        for ((z, r), s) in z.iter_mut().zip(&self.reference).zip(&self.scale) {
            *z = (*z - *r) / *s;
        }
        z
    }

    /// The scaling rounded to `f32`, as the blob carries it.
    ///
    /// ```
    /// use galling::features::FeatureScaling;
    /// let s = FeatureScaling { reference: [0.3_f64, 0.1], scale: [0.05, 0.2] };
    /// assert_eq!(s.to_f32().reference, [0.3_f32, 0.1]);
    /// ```
    pub fn to_f32(&self) -> FeatureScaling<f32> {
        FeatureScaling {
            reference: self.reference.map(|x| x.to_f64() as f32),
            scale: self.scale.map(|x| x.to_f64() as f32),
        }
    }

    /// Checks every reference (finite) and scale (finite, above 0).
    ///
    /// # Errors
    /// [`SettingsError::Reference`] or [`SettingsError::Scale`] naming the first wrong feature.
    ///
    /// ```
    /// use galling::features::{FeatureScaling, SettingsError};
    /// let s = FeatureScaling { reference: [0.3_f32, 0.1], scale: [0.05, 0.0] };
    /// assert_eq!(s.validate(), Err(SettingsError::Scale { feature: 1 }));
    /// ```
    pub fn validate(&self) -> Result<(), SettingsError> {
        let zero = S::from_f64(0.0);
        for (j, (r, s)) in (0u8..).zip(self.reference.iter().zip(self.scale.iter())) {
            if !r.is_finite() {
                return Err(SettingsError::Reference { feature: j });
            }
            if !(s.is_finite() && *s > zero) {
                return Err(SettingsError::Scale { feature: j });
            }
        }
        Ok(())
    }
}

/// The stroke features a precursor variant's blob carries: the extractor's settings (so the
/// controller computes the features the model was fitted on) and their standardisation.
///
/// ```
/// use galling::averager::StrokeStats;
/// use galling::features::{FeatureScaling, FeatureSettings, PrecursorFeatures, StrokeFeatures};
/// let p = PrecursorFeatures {
///     extractor: FeatureSettings::DEFAULT,
///     scaling: FeatureScaling { reference: [0.3, 0.1], scale: [0.05, 0.2] },
/// };
/// assert!(p.validate().is_ok());
/// let f = StrokeFeatures { mean: 0.2, std: 0.01, samples: 200, breakaway_peak: 0.4,
///     run_in_high_share: 0.1, run_in_samples: 40, exit_peak: 0.25, exit_samples: 60 };
/// let z = p.inputs(&f);
/// assert!((z[0] - 2.0).abs() < 1e-5 && z[1] == 0.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PrecursorFeatures {
    /// The extractor's settings the features were computed with.
    pub extractor: FeatureSettings,
    /// The standardisation of the kernel's features.
    pub scaling: FeatureScaling<f32>,
}

impl PrecursorFeatures {
    /// Checks the extractor's settings and the scaling.
    ///
    /// # Errors
    /// The first [`SettingsError`] found.
    pub fn validate(&self) -> Result<(), SettingsError> {
        self.extractor.validate()?;
        self.scaling.validate()
    }

    /// The kernel's inputs for a stroke: its standardised [`PRECURSOR_FEATURES`].
    #[inline]
    pub fn inputs(&self, features: &StrokeFeatures<f32>) -> [f32; N_PRECURSOR_FEATURES] {
        self.scaling
            .standardise([features.breakaway_peak, features.run_in_high_share])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::averager::MAX_SAMPLES;

    const MM: i32 = COUNTS_PER_MM;

    /// A synthetic stroke: dwell, run-in with a breakaway spike, window with a slow rise, exit
    /// with a late spike and a lifted-off sample; `(force_y, force_z, position)` in f32.
    fn synthetic_stroke() -> [(f32, f32, i32); 120] {
        let mut out = [(0.0, 0.0, 0); 120];
        let x0 = 800 * MM + 333_343;
        for (i, o) in out.iter_mut().enumerate() {
            let i = i as i32;
            // 20 dwell samples jittering by up to 60 um, then 0.7 mm per sample
            let s = if i < 20 {
                (i % 3) * 30_000
            } else {
                (i - 19) * 700_000
            };
            let fz = -10.0 + 0.01 * i as f32;
            let cof = match i {
                25 => 0.48,
                105 => 0.9,
                _ => 0.15 + 0.001 * i as f32,
            };
            let fz = if i == 110 { -0.5 } else { fz }; // lift-off in the exit
            *o = (cof * fz, fz, x0 - s);
        }
        out
    }

    #[test]
    fn window_statistics_are_the_averagers_bit_for_bit() {
        let stroke = synthetic_stroke();
        let mut a = StrokeAverager::<f32>::default();
        let mut e = StrokeFeatureExtractor::<f32>::default();
        let mut a64 = StrokeAverager::<f64>::default();
        let mut e64 = StrokeFeatureExtractor::<f64>::default();
        for &(fy, fz, x) in &stroke {
            a.push_forces(fy, fz, x).unwrap();
            e.push_forces(fy, fz, x).unwrap();
            a64.push_forces(fy.into(), fz.into(), x).unwrap();
            e64.push_forces(fy.into(), fz.into(), x).unwrap();
        }
        let (sa, se) = (a.finish().unwrap(), e.finish().unwrap());
        assert_eq!(sa.mean.to_bits(), se.mean.to_bits());
        assert_eq!(sa.std.to_bits(), se.std.to_bits());
        assert_eq!(sa.samples, se.samples);
        assert_eq!(se.stats(), sa);
        let (sa, se) = (a64.finish().unwrap(), e64.finish().unwrap());
        assert_eq!(sa.mean.to_bits(), se.mean.to_bits());
        assert_eq!(sa.std.to_bits(), se.std.to_bits());
    }

    #[test]
    fn segments_gate_and_figures_of_a_synthetic_stroke() {
        let mut e = StrokeFeatureExtractor::<f64>::default();
        for &(fy, fz, x) in &synthetic_stroke() {
            e.push_forces(fy.into(), fz.into(), x).unwrap();
        }
        let f = e.finish().unwrap();
        // run-in 0.5 <= s < 10 mm: i = 20..=33 (0.7 .. 9.8 mm), 14 samples, one spike of 0.48
        assert_eq!(f.run_in_samples, 14);
        assert!((f.breakaway_peak - 0.48).abs() < 1e-6, "{f:?}");
        assert!((f.run_in_high_share - 1.0 / 14.0).abs() < 1e-15);
        // window 10..=60 mm: i = 34..=104 (10.5 .. 59.5 mm)
        assert_eq!(f.samples, 71);
        // exit: i = 105..=119, less the lifted-off i = 110; the spike of 0.9 at i = 105
        assert_eq!(f.exit_samples, 14);
        assert!((f.exit_peak - 0.9).abs() < 1e-6, "{f:?}");
    }

    #[test]
    fn exit_gate_leaves_out_lifted_off_samples() {
        let mut e = StrokeFeatureExtractor::<f64>::default();
        e.push_cof(0.1, 0).unwrap();
        for i in 10..=60 {
            e.push_forces(-2.0, -10.0, -i * MM).unwrap();
        }
        e.push_forces(-1.5, -1.0, -61 * MM).unwrap(); // COF 1.5 at 1 N: not loaded
        e.push_forces(-3.0, -10.0, -62 * MM).unwrap(); // COF 0.3
        e.push_forces(-30.0, -10.0, -63 * MM).unwrap(); // COF 3 clamped to 2
        let f = e.finish().unwrap();
        assert_eq!(f.exit_samples, 2);
        assert_eq!(f.exit_peak, 2.0);
        assert_eq!(f.run_in_samples, 0);
        assert_eq!((f.breakaway_peak, f.run_in_high_share), (0.0, 0.0));
    }

    #[test]
    fn run_in_edges_and_the_share_level_are_strict_where_documented() {
        let mut e = StrokeFeatureExtractor::<f64>::default();
        e.push_cof(0.9, 0).unwrap(); // dwell: not run-in
        e.push_cof(0.9, -(MM / 2) + 1).unwrap(); // 0.499999 mm: dwell
        e.push_cof(0.30, -(MM / 2)).unwrap(); // 0.5 mm: run-in, at the level (not above)
        e.push_cof(0.31, -5 * MM).unwrap(); // above
        e.push_cof(0.95, -10 * MM).unwrap(); // 10 mm: window, not run-in
        e.push_cof(0.2, -11 * MM).unwrap();
        e.push_cof(-0.5, -61 * MM).unwrap(); // exit, clamped to 0
        let f = e.finish().unwrap();
        assert_eq!(f.run_in_samples, 2);
        assert_eq!(f.run_in_high_share, 0.5);
        assert_eq!(f.breakaway_peak, 0.31);
        assert_eq!(f.samples, 2);
        assert_eq!((f.exit_samples, f.exit_peak), (1, 0.0));
    }

    #[test]
    fn a_distance_out_of_range_or_backwards_is_in_no_segment() {
        let mut e = StrokeFeatureExtractor::<f32>::default();
        e.push_cof(0.2, i32::MIN).unwrap();
        e.push_cof(0.9, i32::MAX).unwrap(); // distance overflows i32
        e.push_cof(0.9, i32::MIN + 5 * MM).unwrap(); // moving backwards: negative distance
        assert_eq!(e.run_in_samples + e.exit_samples, 0);
        assert_eq!(e.counts(), (3, 0));
    }

    #[test]
    fn bad_samples_leave_state_unchanged() {
        let mut e = StrokeFeatureExtractor::<f32>::default();
        e.push_forces(1.0, 5.0, 0).unwrap();
        e.push_forces(2.0, 5.0, -MM).unwrap();
        let before = e;
        for (fy, fz) in [
            (f32::NAN, 5.0),
            (1.0, 0.0),
            (1.0, -0.0),
            (0.0, 0.0),
            (1.0, f32::INFINITY),
            (f32::NEG_INFINITY, 5.0),
            (1.0, f32::NAN),
            (f32::MAX, f32::MIN_POSITIVE),
        ] {
            assert!(e.push_forces(fy, fz, -2 * MM).is_err(), "{fy} {fz}");
        }
        assert_eq!(e.push_cof(f32::NAN, -2 * MM), Err(SampleError::NotFinite));
        assert_eq!(e, before);
    }

    #[test]
    fn a_stroke_past_the_sample_limit_is_refused_and_resets() {
        let mut e = StrokeFeatureExtractor::<f32>::default();
        for i in 0..MAX_SAMPLES {
            e.push_cof(0.4, -(i as i32 % 70) * MM).unwrap();
        }
        let before = e;
        assert_eq!(e.push_cof(0.2, -20 * MM), Err(SampleError::StrokeTooLong));
        assert_eq!(
            e.push_forces(1.0, 5.0, -20 * MM),
            Err(SampleError::StrokeTooLong)
        );
        // the averager inside notes the overflow; the features are unchanged
        assert_eq!(
            (e.run_in_samples, e.exit_samples, e.breakaway_peak),
            (
                before.run_in_samples,
                before.exit_samples,
                before.breakaway_peak
            )
        );
        assert_eq!(e.finish(), Err(StrokeError::TooManySamples));
        assert_eq!(e, StrokeFeatureExtractor::default());
    }

    #[test]
    fn settings_are_validated() {
        let d = FeatureSettings::DEFAULT;
        assert_eq!(d.validate(), Ok(d));
        let cases = [
            (
                FeatureSettings {
                    run_in_start: d.window.start + 1,
                    ..d
                },
                SettingsError::SegmentOrder,
            ),
            (
                FeatureSettings {
                    window: StrokeWindow { start: 5, end: 4 },
                    run_in_start: 0,
                    ..d
                },
                SettingsError::SegmentOrder,
            ),
            (
                FeatureSettings { high_cof: 2.0, ..d },
                SettingsError::HighCof,
            ),
            (
                FeatureSettings {
                    high_cof: -0.1,
                    ..d
                },
                SettingsError::HighCof,
            ),
            (
                FeatureSettings {
                    min_normal_force: f32::INFINITY,
                    ..d
                },
                SettingsError::MinNormalForce,
            ),
            (
                FeatureSettings {
                    min_normal_force: f32::NAN,
                    ..d
                },
                SettingsError::MinNormalForce,
            ),
        ];
        for (s, want) in cases {
            assert_eq!(s.validate(), Err(want), "{s:?}");
            assert_eq!(StrokeFeatureExtractor::<f64>::new(s), Err(want));
        }
        // a zero-length run-in and an empty gate are allowed
        let edge = FeatureSettings {
            run_in_start: d.window.start,
            min_normal_force: 0.0,
            ..d
        };
        assert!(edge.validate().is_ok());
    }
}
