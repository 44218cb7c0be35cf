//! The galling risk table: the model's forecast, precomputed on the host, looked up per stroke.
//!
//! # What is tabulated
//! For a galling threshold `c` (a COF, default [`DEFAULT_GALLING_THRESHOLD`] = 0.50) and a horizon of
//! `k` strokes, the model's Markov chain gives, at die temperature `T` and current COF `mu`,
//!
//! - **risk** `r(T, mu) = P(COF > c on at least one of the next k strokes | T, mu)`;
//! - the **hot-die hazard** `b(T)`: the same probability from a *typical clean stroke* at `T`, that is,
//!   from the chain's quasi-stationary distribution among clean strokes (COF below the clean limit,
//!   default 0.35): where the COF settles when it has not galled for a long time. It is what the
//!   temperature alone implies;
//! - the **expected strokes to galling** `E(T)` from that typical clean stroke (not censored at the
//!   horizon).
//!
//! A stroke's risk is computed in two parts. The first stroke ahead is exact: one transition row of
//! the model from the current COF over [`TABLE_CELLS`] equal cells up to `c` (normal CDFs at the
//! cell edges; mass below 0.1 is clamped into the lowest cell as the simulator does, mass above `c`
//! is galling). The remaining `k - 1` strokes come from a table: the probability of staying at or
//! below `c` for `k - 1` strokes from each cell, computed on the host in `f64` (`RiskTable::build`,
//! `std` feature) by an exact discretisation of the chain on cells [`BUILD_REFINEMENT`] times finer
//! and averaged per cell, at [`TABLE_TEMPERATURES`] equally spaced temperatures over the trained
//! range (linear in between). The hazard and expected strokes are tabulated per temperature. So a
//! stroke costs one transition row, whatever the temperature does, and its result is deterministic.
//! The exact first step matters: below the lower well the stay probability falls from 0.99 to
//! `1 - omega0` within a few thousandths of COF (the escape exponent leaves its clamp), a near-step
//! that no table in COF could interpolate. How close the result is to the exact forecast is tested
//! (`tests/integration/risk_table.rs`) and its cost measured on the Cortex-M4F.
//!
//! Outside the trained temperature range the table is read at the nearest end of the range (the model
//! is not extrapolated); the monitor says so in its report.
//!
//! ```
//! # #[cfg(feature = "std")] {
//! use galling::{Model, V8Params, risk::{RiskTable, TableSpec}};
//! let model = Model::new(&V8Params::PUBLISHED_FIT.map(f64::from))?;
//! let table = RiskTable::build(&model, &TableSpec::new(160.0, 170.0));
//! let land = Model::new(&V8Params::PUBLISHED_FIT)?.landscape(165.0);
//! let clean = table.risk(&land, 165.0, 0.2);
//! let rising = table.risk(&land, 165.0, 0.45);
//! assert!(clean < rising && rising <= 1.0);
//! assert_eq!(table.risk(&land, 165.0, 0.6), 1.0);  // already above the threshold
//! assert!(table.hazard(160.0).risk < table.hazard(170.0).risk);
//! # }
//! # Ok::<(), galling::ParamError>(())
//! ```

// Negated comparisons are deliberate here: `!(x > 0.0)` is also true for NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use crate::consts;
#[cfg(feature = "std")]
use crate::kernel::Kernels;
use crate::kernel::{Kernel, Mixture};
#[cfg(all(test, feature = "std"))]
use crate::normal::normal_cdf;
use crate::normal::normal_cdf_with_gauss;
use crate::scalar::Scalar;
use core::fmt;

/// Temperatures of the table (equally spaced over the trained range, both ends included).
pub const TABLE_TEMPERATURES: usize = 21;
/// COF cells of the table (equal width from 0.1 up to the galling threshold).
pub const TABLE_CELLS: usize = 60;
/// Fine cells per table cell in the host's exact computation.
pub const BUILD_REFINEMENT: usize = 4;
/// The galling threshold of the defaults: a stroke with an averaged COF above 0.50 is galled.
pub const DEFAULT_GALLING_THRESHOLD: f32 = 0.50;
/// Clean strokes have an averaged COF below 0.35 (the defaults' clean limit).
pub const DEFAULT_CLEAN_LIMIT: f32 = 0.35;
/// Forecast horizon of the defaults, strokes.
pub const DEFAULT_HORIZON: u16 = 10;
/// Longest horizon a table may be built for, strokes (the lookup costs the same for any horizon; the
/// bound keeps the host's build short and the meaning of "within the horizon" operational).
pub const MAX_HORIZON: u16 = 100;
/// Expected strokes to galling are capped at this value (a die that practically never galls).
pub const EXPECTED_STROKES_CAP: f32 = 1.0e7;

/// Why a risk table (or its specification) is not usable. Each variant names the entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum TableError {
    /// The temperature range is not finite with `low <= high`.
    TemperatureRange,
    /// The galling threshold is not a finite COF strictly between 0.1 and 1.3.
    Threshold,
    /// The clean limit is not a finite COF strictly between 0.1 and the galling threshold.
    CleanLimit,
    /// The horizon is not `1..=MAX_HORIZON` strokes.
    Horizon,
    /// A survival entry is not a probability (row = temperature index, column = COF cell).
    Survival {
        /// Temperature index.
        row: u16,
        /// COF cell index.
        column: u16,
    },
    /// A hot-die hazard entry is not a probability.
    Hazard {
        /// Temperature index.
        row: u16,
    },
    /// A typical clean COF is not in `[0.1, clean limit]`.
    CleanCof {
        /// Temperature index.
        row: u16,
    },
    /// An expected-strokes entry is not a number in `[1, EXPECTED_STROKES_CAP]`.
    ExpectedStrokes {
        /// Temperature index.
        row: u16,
    },
}

impl TableError {
    /// The variant's position in the declaration (0 = `TemperatureRange`, ..., 7 =
    /// `ExpectedStrokes`): the code of a refused blob's compact log form
    /// ([`BlobError::log_form`](crate::blob::BlobError::log_form)).
    ///
    /// ```
    /// use galling::risk::TableError;
    /// assert_eq!(TableError::Survival { row: 2, column: 9 }.code(), 4);
    /// ```
    pub const fn code(&self) -> u32 {
        match self {
            Self::TemperatureRange => 0,
            Self::Threshold => 1,
            Self::CleanLimit => 2,
            Self::Horizon => 3,
            Self::Survival { .. } => 4,
            Self::Hazard { .. } => 5,
            Self::CleanCof { .. } => 6,
            Self::ExpectedStrokes { .. } => 7,
        }
    }
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TemperatureRange => {
                f.write_str("risk table: trained temperature range must be finite with low <= high")
            }
            Self::Threshold => {
                f.write_str("galling threshold: must be a finite COF strictly between 0.1 and 1.3")
            }
            Self::CleanLimit => f.write_str(
                "clean limit: must be a finite COF strictly between 0.1 and the galling threshold",
            ),
            Self::Horizon => write!(f, "forecast horizon: must be 1 to {MAX_HORIZON} strokes"),
            Self::Survival { row, column } => write!(
                f,
                "risk table: survival (temperature {row}, COF cell {column}) is not a probability"
            ),
            Self::Hazard { row } => {
                write!(f, "risk table: hot-die hazard {row} is not a probability")
            }
            Self::CleanCof { row } => write!(
                f,
                "risk table: typical clean COF {row} is not between 0.1 and the clean limit"
            ),
            // The cap is written out: formatting an f32 would link float formatting into firmware.
            Self::ExpectedStrokes { row } => write!(
                f,
                "risk table: expected strokes {row} is not a number from 1 to 10000000"
            ),
        }
    }
}

impl core::error::Error for TableError {}

/// What a table is built for: trained temperature range, galling threshold, clean limit, horizon.
///
/// ```
/// use galling::risk::{TableSpec, TableError};
/// let spec = TableSpec::new(160.0, 170.0);             // 0.50 threshold, 0.35 clean, 10 strokes
/// assert_eq!(spec.validate(), Ok(()));
/// assert_eq!(TableSpec { horizon: 0, ..spec }.validate(), Err(TableError::Horizon));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TableSpec {
    /// Lowest temperature of the training data (model degC).
    pub temperature_low: f32,
    /// Highest temperature of the training data (model degC).
    pub temperature_high: f32,
    /// Galling threshold (COF).
    pub threshold: f32,
    /// Clean limit (COF): strokes below it are clean.
    pub clean_limit: f32,
    /// Horizon, strokes.
    pub horizon: u16,
}

impl TableSpec {
    /// The defaults (threshold 0.50, clean limit 0.35, horizon 10) over a trained range.
    pub const fn new(temperature_low: f32, temperature_high: f32) -> Self {
        Self {
            temperature_low,
            temperature_high,
            threshold: DEFAULT_GALLING_THRESHOLD,
            clean_limit: DEFAULT_CLEAN_LIMIT,
            horizon: DEFAULT_HORIZON,
        }
    }

    /// Checks every field.
    ///
    /// # Errors
    /// The first [`TableError`] found.
    pub fn validate(&self) -> Result<(), TableError> {
        let (lo, hi) = (self.temperature_low, self.temperature_high);
        if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
            return Err(TableError::TemperatureRange);
        }
        let cof_min = consts::COF_MIN as f32;
        if !(self.threshold > cof_min && self.threshold < consts::COF_MAX as f32) {
            return Err(TableError::Threshold);
        }
        if !(self.clean_limit > cof_min && self.clean_limit < self.threshold) {
            return Err(TableError::CleanLimit);
        }
        if self.horizon == 0 || self.horizon > MAX_HORIZON {
            return Err(TableError::Horizon);
        }
        Ok(())
    }
}

/// The hot-die hazard at one temperature: what the temperature alone implies.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Hazard {
    /// Probability of galling within the horizon from a typical clean stroke.
    pub risk: f32,
    /// Expected strokes to galling from a typical clean stroke (capped at [`EXPECTED_STROKES_CAP`]).
    pub expected_strokes: f32,
    /// The typical clean stroke's COF (the mean of the clean quasi-stationary state).
    pub clean_cof: f32,
}

/// The highest die temperature whose hot-die hazard stays at or below a target
/// ([`RiskTable::advised_temperature`]).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum TemperatureAdvice {
    /// Keep the die at or below this temperature (degC), inside the trained range.
    AtMost(f32),
    /// The whole trained range keeps the hazard at or below the target: at least up to this, its
    /// upper end (the model knows nothing hotter).
    WholeRange(f32),
    /// Even the lowest trained temperature (this value) exceeds the target: cool below the range.
    BelowRange(f32),
}

impl TemperatureAdvice {
    /// The temperature of the advice, degC.
    pub fn temperature(&self) -> f32 {
        match *self {
            Self::AtMost(t) | Self::WholeRange(t) | Self::BelowRange(t) => t,
        }
    }
}

/// The COF cells of a discretised chain: `cells` cells of equal width from 0.1 up to the threshold.
/// Cell 0 also takes the mass below 0.1 (the simulator clamps there); mass above the threshold is
/// absorbed (galling) and lands in no cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Cells<S> {
    pub(crate) cells: usize,
    pub(crate) width: S,
    pub(crate) threshold: S,
}

impl<S: Scalar> Cells<S> {
    pub(crate) fn new(threshold: S, cells: usize) -> Self {
        let cells = cells.max(1);
        Self {
            cells,
            width: (threshold - S::from_f64(consts::COF_MIN)) / S::from_f32(cells as f32),
            threshold,
        }
    }

    /// Centre of cell `j`.
    #[cfg(feature = "std")]
    pub(crate) fn centre(&self, j: usize) -> S {
        S::from_f64(consts::COF_MIN) + (S::from_f32(j as f32) + S::from_f64(0.5)) * self.width
    }

    /// Calls `f(j, p)` with the probability `p` of landing in cell `j` from COF `source` under the
    /// mixture of `land`, for every cell the mass reaches (each component's normal CDF at the cell
    /// edges, evaluated only within 8 spreads of its mean: beyond, it is 0 or 1 to `f32` precision).
    /// This is the one definition of a transition row, used by the host's exact computation and by
    /// the per-stroke lookup alike (which calls [`for_each_mass_of`](Self::for_each_mass_of)
    /// directly, with the mixture for its stroke's inputs).
    #[cfg(any(feature = "std", test))]
    #[inline]
    pub(crate) fn for_each_mass<K: Kernel<S>>(&self, land: &K, source: S, f: impl FnMut(usize, S)) {
        self.for_each_mass_of(&land.mixture(source), source, f);
    }

    /// [`for_each_mass`](Self::for_each_mass) of the mixture `m` at `source` (a kernel's mixture
    /// at that COF, possibly for a stroke's inputs: [`Kernel::mixture_at_stroke`]).
    #[inline]
    pub(crate) fn for_each_mass_of(&self, m: &Mixture<S>, source: S, mut f: impl FnMut(usize, S)) {
        let pi = m.stay_probability;
        let one = S::from_f64(1.0);
        self.component(source + m.stay_drift, m.stay_spread, pi, &mut f);
        self.component(source + m.jump_drift, m.jump_spread, one - pi, &mut f);
    }

    /// One Gaussian component `N(mean, spread^2)` over the cells. The CDF is evaluated only at
    /// the edges within [`CDF_REACH`] spreads of the mean (beyond, it is 0 or 1 to within 2e-8). The
    /// edges are equally spaced, `z_{j+1} = z_j + h`, so the CDF's Gaussian factor `exp(-z^2 / 2)`
    /// follows by a recurrence, `g_{j+1} = g_j r_j` and `r_{j+1} = r_j e^{-h^2}`, instead of an
    /// exponential per edge; it is re-seeded exactly every [`RESEED`] edges so that `f32` rounding
    /// cannot accumulate. `f` gets the cell's mass times the component's `weight` (its mixture
    /// probability). Out of line and called with the same `f` for both components, so a transition
    /// row is one copy of this loop in flash, not one per component.
    #[inline(never)]
    fn component(&self, mean: S, spread: S, weight: S, f: &mut impl FnMut(usize, S)) {
        let zero = S::from_f64(0.0);
        let one = S::from_f64(1.0);
        let half = S::from_f64(0.5);
        let inv = one / (spread + S::from_f64(consts::EPS));
        let far = S::from_f64(CDF_REACH);
        let h = self.width * inv;
        let q = (-(h * h)).exp(); // once per component: the shared out-of-line exponential
        let (mut g, mut r, mut since) = (zero, zero, RESEED);
        let mut below = zero; // CDF at the lower edge of the current cell (cell 0: clamp, -inf)
        // The cells whose upper edge lies more than CDF_REACH spreads below the mean get no mass
        // (their CDF counts as 0, as in the loop below, which they would leave unchanged): step
        // over them with the edge test alone. The last cell (upper edge: the threshold) is left to
        // the loop.
        let mut first = 0;
        while first + 1 < self.cells {
            let upper = S::from_f64(consts::COF_MIN) + S::from_f32((first + 1) as f32) * self.width;
            if !((upper - mean) * inv < -far) {
                break;
            }
            first += 1;
        }
        for j in first..self.cells {
            let upper = if j + 1 == self.cells {
                self.threshold
            } else {
                S::from_f64(consts::COF_MIN) + S::from_f32((j + 1) as f32) * self.width
            };
            let z = (upper - mean) * inv;
            if z > far {
                // The CDF counts as 1 here: the rest of the component lies in this cell or below.
                let p = one - below;
                if p > zero {
                    f(j, weight * p);
                }
                break;
            }
            let cdf = if z < -far {
                zero
            } else {
                if since >= RESEED {
                    g = (-(z * z * half)).exp_inlined();
                    r = (-(z * h) - h * h * half).exp_inlined();
                    since = 0;
                }
                let v = normal_cdf_with_gauss(z, g);
                g = g * r;
                r = r * q;
                since += 1;
                v
            };
            let p = cdf - below;
            if p > zero {
                f(j, weight * p);
            }
            below = cdf;
        }
    }
}

/// Spreads from the mean beyond which a component's CDF counts as 0 or 1 (`Phi(-5.5) = 1.9e-8`).
pub const CDF_REACH: f64 = 5.5;
/// Edges between exact re-seeds of the CDF's Gaussian-factor recurrence.
const RESEED: u32 = 16;

/// Bytes of a table's entries as the blob stores them and [`TableView`] reads them in place
/// (little-endian `f32`): the hot-die hazard, the expected strokes and the typical clean COF, one
/// per table temperature each, then the survival `[temperature][cell]`.
pub const TABLE_BYTES: usize = 4 * TABLE_TEMPERATURES * (TABLE_CELLS + 3);
const HAZARD_AT: usize = 0;
const EXPECTED_AT: usize = 4 * TABLE_TEMPERATURES;
const CLEAN_AT: usize = 8 * TABLE_TEMPERATURES;
const SURVIVAL_AT: usize = 12 * TABLE_TEMPERATURES;
const ROW_BYTES: usize = 4 * TABLE_CELLS;

/// Byte offset, inside a table's entries ([`TABLE_BYTES`]), of the entry a [`TableError`] names
/// (`None` for an error of the specification).
///
/// ```
/// use galling::risk::{TableError, entry_offset};
/// assert_eq!(entry_offset(TableError::Hazard { row: 2 }), Some(8));
/// assert_eq!(entry_offset(TableError::Horizon), None);
/// ```
pub fn entry_offset(e: TableError) -> Option<usize> {
    let at = |base: usize, index: usize| base.saturating_add(index.saturating_mul(4));
    match e {
        TableError::Hazard { row } => Some(at(HAZARD_AT, usize::from(row))),
        TableError::ExpectedStrokes { row } => Some(at(EXPECTED_AT, usize::from(row))),
        TableError::CleanCof { row } => Some(at(CLEAN_AT, usize::from(row))),
        TableError::Survival { row, column } => Some(at(
            SURVIVAL_AT,
            usize::from(row)
                .saturating_mul(TABLE_CELLS)
                .saturating_add(usize::from(column)),
        )),
        _ => None,
    }
}

/// The `f32` at byte `at` of `bytes` (NaN past the end: unreachable for a checked table, and
/// never a panic).
#[inline(always)]
fn f32_at(bytes: &[u8], at: usize) -> f32 {
    match bytes.get(at..at.wrapping_add(4)) {
        Some(&[a, b, c, d]) => f32::from_le_bytes([a, b, c, d]),
        _ => f32::NAN,
    }
}

/// The precomputed forecast (see the [module documentation](self)), owned (host side: built by
/// the trainer, encoded into the blob). Its entries are stored as the blob stores them, so
/// [`view`](Self::view) reads them exactly as the firmware reads a blob in flash. Fixed size
/// ([`TABLE_BYTES`] plus the specification, about 5.3 KB), no heap.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskTable {
    spec: TableSpec,
    entries: [u8; TABLE_BYTES],
}

/// A checked risk table read in place: its specification and its entries borrowed from a blob
/// ([`crate::blob::PackageView`]) or from a [`RiskTable`] ([`RiskTable::view`]). `Copy`, a few
/// words; every lookup reads the entries where they lie (`f32::from_le_bytes`), nothing is
/// copied.
///
/// ```
/// # #[cfg(feature = "std")] {
/// use galling::{Model, V8Params, risk::{RiskTable, TableSpec}};
/// let table = RiskTable::build(&Model::new(&V8Params::PUBLISHED_FIT.map(f64::from))?,
///                              &TableSpec::new(160.0, 170.0));
/// let view = table.view();
/// assert_eq!(view.hazard(165.0), table.hazard(165.0));
/// assert_eq!(view.hazard_at(0), Some(table.hazards()[0]));
/// # }
/// # Ok::<(), galling::ParamError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TableView<'a> {
    spec: TableSpec,
    entries: &'a [u8; TABLE_BYTES],
}

/// Position `x` on `n` equally spaced nodes from `lo` to `hi`: `(index, fraction)` with
/// `index + 1 < n` (or `index = 0, fraction = 0` for a single point). Total for every finite `x`;
/// outside the range it clamps to the ends.
#[inline]
fn locate(x: f32, lo: f32, hi: f32, n: usize) -> (usize, f32) {
    let span = hi - lo;
    if !(span > 0.0) || n < 2 {
        return (0, 0.0);
    }
    let last = n.saturating_sub(1) as f32;
    let pos = (x - lo) / span * last;
    let pos = if pos > 0.0 { pos } else { 0.0 }; // also maps NaN to 0
    let pos = if pos < last { pos } else { last };
    // `pos` lies in [0, n - 1]; the cast truncates towards zero. Saturating arithmetic: no overflow
    // check (and no panic path) even in a build that keeps them.
    let mut i = pos as usize;
    if i.saturating_add(1) >= n {
        i = n.saturating_sub(2);
    }
    (i, pos - i as f32)
}

#[inline]
fn lerp(a: f32, b: f32, t: f32) -> f32 {
    a + (b - a) * t
}

impl<'a> TableView<'a> {
    /// Checks `entries` against `spec` ([`validate`](Self::validate)) and views them.
    ///
    /// # Errors
    /// The first [`TableError`] found.
    ///
    /// ```
    /// use galling::risk::{TABLE_BYTES, TableError, TableSpec, TableView};
    /// let zeros = [0u8; TABLE_BYTES];   // hazard 0 is fine, a clean COF of 0 is not
    /// assert_eq!(TableView::new(TableSpec::new(160.0, 170.0), &zeros),
    ///            Err(TableError::CleanCof { row: 0 }));
    /// ```
    pub fn new(spec: TableSpec, entries: &'a [u8; TABLE_BYTES]) -> Result<Self, TableError> {
        let view = Self { spec, entries };
        view.validate()?;
        Ok(view)
    }

    /// What the table was built for.
    pub fn spec(&self) -> &TableSpec {
        &self.spec
    }

    /// The entries, as the blob stores them.
    pub fn entries(&self) -> &'a [u8; TABLE_BYTES] {
        self.entries
    }

    /// The trained temperature range `(low, high)`, degC.
    pub fn temperature_range(&self) -> (f32, f32) {
        (self.spec.temperature_low, self.spec.temperature_high)
    }

    /// The galling threshold (COF).
    pub fn threshold(&self) -> f32 {
        self.spec.threshold
    }

    /// `temperature` clamped into the trained range (what the table and the monitor evaluate).
    pub fn clamp_temperature(&self, temperature: f32) -> f32 {
        let (lo, hi) = self.temperature_range();
        if temperature < lo {
            lo
        } else if temperature > hi {
            hi
        } else {
            temperature
        }
    }

    /// The hot-die hazard of table temperature `i` (`None` past the last).
    pub fn hazard_at(&self, i: usize) -> Option<f32> {
        (i < TABLE_TEMPERATURES).then(|| f32_at(self.entries, HAZARD_AT + 4 * i))
    }

    /// The expected strokes to galling of table temperature `i` (`None` past the last).
    pub fn expected_strokes_at(&self, i: usize) -> Option<f32> {
        (i < TABLE_TEMPERATURES).then(|| f32_at(self.entries, EXPECTED_AT + 4 * i))
    }

    /// The typical clean COF of table temperature `i` (`None` past the last).
    pub fn clean_cof_at(&self, i: usize) -> Option<f32> {
        (i < TABLE_TEMPERATURES).then(|| f32_at(self.entries, CLEAN_AT + 4 * i))
    }

    /// The survival entry of table temperature `i`, COF cell `j` (`None` outside the table).
    ///
    /// ```
    /// use galling::risk::{TABLE_BYTES, TABLE_CELLS, TableSpec, TableView};
    /// // 21 hazards (0.5), 21 expected strokes (1), 21 typical clean COFs (0.2), survival (0.5)
    /// let mut entries = [0u8; TABLE_BYTES];
    /// for (i, b) in entries.chunks_exact_mut(4).enumerate() {
    ///     let x: f32 = match i { 21..42 => 1.0, 42..63 => 0.2, _ => 0.5 };
    ///     b.copy_from_slice(&x.to_le_bytes());
    /// }
    /// let view = TableView::new(TableSpec::new(160.0, 170.0), &entries)?;
    /// assert_eq!(view.survival_at(0, 0), Some(0.5));
    /// assert_eq!(view.survival_at(0, TABLE_CELLS), None);
    /// assert_eq!(view.clean_cof_at(3), Some(0.2));
    /// # Ok::<(), galling::risk::TableError>(())
    /// ```
    pub fn survival_at(&self, i: usize, j: usize) -> Option<f32> {
        (i < TABLE_TEMPERATURES && j < TABLE_CELLS)
            .then(|| f32_at(self.entries, SURVIVAL_AT + ROW_BYTES * i + 4 * j))
    }

    /// Risk of galling within the horizon from COF `cof` at `temperature`, where `landscape` is the
    /// model's landscape at that temperature (both inside the trained range: see
    /// [`clamp_temperature`](Self::clamp_temperature)). 1 above the threshold; below it the exact
    /// first stroke from `cof` (one transition row over [`TABLE_CELLS`] cells) against the tabulated
    /// survival of the remaining `k - 1` strokes, interpolated in temperature. Bounded work (at most
    /// `2 TABLE_CELLS` normal CDFs), no panic; a non-finite input gives NaN (the monitor turns that
    /// into a fault).
    #[inline]
    pub fn risk<K: Kernel<f32>>(&self, landscape: &K, temperature: f32, cof: f32) -> f32 {
        if cof > self.spec.threshold {
            return 1.0;
        }
        self.risk_of_first_row(temperature, cof, &landscape.mixture(cof))
    }

    /// [`risk`](Self::risk) with the first stroke ahead taken from the kernel for a stroke with
    /// per-stroke inputs `inputs` ([`Kernel::mixture_at_stroke`]: the precursor kernel's
    /// standardised features of the current stroke); the remaining `k - 1` strokes are the table's,
    /// at the clean baseline. A kernel without per-stroke inputs gives [`risk`](Self::risk).
    ///
    /// ```
    /// # #[cfg(feature = "std")] {
    /// use galling::family::{AnyModel, ModelParams};
    /// use galling::risk::{RiskTable, TableSpec};
    /// use galling::V8Params;
    /// let p = ModelParams::precursor(V8Params::PUBLISHED_FIT, [1.0, 0.0]);
    /// let table = RiskTable::build(&AnyModel::new(&p.map(f64::from))?, &TableSpec::new(160.0, 170.0));
    /// let (table, land) = (table.view(), AnyModel::new(&p)?.landscape(167.5));
    /// assert_eq!(table.risk_at_stroke(&land, &[0.0, 0.0], 167.5, 0.2), table.risk(&land, 167.5, 0.2));
    /// assert!(table.risk_at_stroke(&land, &[2.0, 0.0], 167.5, 0.2) > table.risk(&land, 167.5, 0.2));
    /// # }
    /// # Ok::<(), galling::ParamError>(())
    /// ```
    #[inline]
    pub fn risk_at_stroke<K: Kernel<f32>>(
        &self,
        landscape: &K,
        inputs: &[f32],
        temperature: f32,
        cof: f32,
    ) -> f32 {
        if cof > self.spec.threshold {
            return 1.0;
        }
        self.risk_of_first_row(temperature, cof, &landscape.mixture_at_stroke(inputs, cof))
    }

    /// The risk from `cof` at or below the threshold, the first stroke's mixture `first`. One
    /// function for every kernel (not generic): the transition row's loops are inlined here, so
    /// the running sum stays in a register.
    #[inline(never)]
    fn risk_of_first_row(&self, temperature: f32, cof: f32, first: &Mixture<f32>) -> f32 {
        let (i, t) = locate(
            temperature,
            self.spec.temperature_low,
            self.spec.temperature_high,
            TABLE_TEMPERATURES,
        );
        // The two survival rows around the temperature, read in place.
        let row = |i: usize| {
            let start = SURVIVAL_AT.saturating_add(i.saturating_mul(ROW_BYTES));
            self.entries
                .get(start..start.saturating_add(ROW_BYTES))
                .and_then(|r| <&[u8; ROW_BYTES]>::try_from(r).ok())
        };
        let (Some(s0), Some(s1)) = (row(i), row(i.saturating_add(1))) else {
            return f32::NAN;
        };
        let cells = Cells::new(self.spec.threshold, TABLE_CELLS);
        let mut survival = 0.0_f32;
        // `move`: the closure holds the rows and `t` by value (the out-of-line component loop
        // keeps them in registers) and the running sum through one reference.
        let sum = &mut survival;
        cells.for_each_mass_of(first, cof, move |j, p| {
            let at = j.wrapping_mul(4);
            if let (Some(&[a0, a1, a2, a3]), Some(&[b0, b1, b2, b3])) = (
                s0.get(at..at.wrapping_add(4)),
                s1.get(at..at.wrapping_add(4)),
            ) {
                let (a, b) = (
                    f32::from_le_bytes([a0, a1, a2, a3]),
                    f32::from_le_bytes([b0, b1, b2, b3]),
                );
                *sum += p * lerp(a, b, t);
            }
        });
        // The CDF approximation can leave a few ulps outside [0, 1]; NaN passes through.
        (1.0 - survival).clamp(0.0, 1.0)
    }

    /// The hot-die hazard at `temperature` (read inside the trained range).
    #[inline]
    pub fn hazard(&self, temperature: f32) -> Hazard {
        let (i, t) = locate(
            temperature,
            self.spec.temperature_low,
            self.spec.temperature_high,
            TABLE_TEMPERATURES,
        );
        let pick = |base: usize| {
            let at = base.saturating_add(i.saturating_mul(4));
            lerp(
                f32_at(self.entries, at),
                f32_at(self.entries, at.saturating_add(4)),
                t,
            )
        };
        Hazard {
            risk: pick(HAZARD_AT),
            expected_strokes: pick(EXPECTED_AT),
            clean_cof: pick(CLEAN_AT),
        }
    }

    /// The highest temperature in the trained range up to which the hot-die hazard stays at or below
    /// `target` (walking up from the lowest node, interpolated between nodes).
    ///
    /// ```
    /// # #[cfg(feature = "std")] {
    /// use galling::{Model, V8Params, risk::{RiskTable, TableSpec, TemperatureAdvice}};
    /// let table = RiskTable::build(&Model::new(&V8Params::PUBLISHED_FIT.map(f64::from))?,
    ///                              &TableSpec::new(160.0, 170.0));
    /// match table.view().advised_temperature(0.2) {
    ///     TemperatureAdvice::AtMost(t) => assert!(t > 160.0 && t < 170.0 && table.hazard(t).risk <= 0.2001),
    ///     other => panic!("{other:?}"),
    /// }
    /// # }
    /// # Ok::<(), galling::ParamError>(())
    /// ```
    pub fn advised_temperature(&self, target: f32) -> TemperatureAdvice {
        let (lo, hi) = self.temperature_range();
        let step = (hi - lo) / (TABLE_TEMPERATURES - 1) as f32;
        let first = self.hazard_at(0).unwrap_or(1.0);
        if !(first <= target) {
            return TemperatureAdvice::BelowRange(lo);
        }
        // An index loop (no iterator counter): no overflow-check path in any build.
        for i in 0..TABLE_TEMPERATURES - 1 {
            let (Some(a), Some(b)) = (self.hazard_at(i), self.hazard_at(i.wrapping_add(1))) else {
                break;
            };
            if !(b <= target) {
                // a <= target < b: the crossing lies between nodes i and i + 1.
                let t = if b > a { (target - a) / (b - a) } else { 0.0 };
                return TemperatureAdvice::AtMost(lo + (i as f32 + t) * step);
            }
        }
        TemperatureAdvice::WholeRange(hi)
    }

    /// Checks the specification and every entry (what the blob decoder runs): the survival
    /// entries first, then each temperature's hazard, typical clean COF and expected strokes.
    ///
    /// # Errors
    /// The first [`TableError`] found.
    pub fn validate(&self) -> Result<(), TableError> {
        self.spec.validate()?;
        let mut at = SURVIVAL_AT;
        for row in 0..TABLE_TEMPERATURES as u16 {
            for column in 0..TABLE_CELLS as u16 {
                check_survival(row, column, f32_at(self.entries, at))?;
                at = at.wrapping_add(4);
            }
        }
        for row in 0..TABLE_TEMPERATURES as u16 {
            let i = 4 * usize::from(row);
            check_row(
                &self.spec,
                row,
                f32_at(self.entries, HAZARD_AT + i),
                f32_at(self.entries, EXPECTED_AT + i),
                f32_at(self.entries, CLEAN_AT + i),
            )?;
        }
        Ok(())
    }

    /// The temperature of table row `i`, degC.
    pub fn node_temperature(&self, i: usize) -> f32 {
        let (lo, hi) = self.temperature_range();
        lo + (hi - lo) * (i as f32 / (TABLE_TEMPERATURES - 1) as f32)
    }
}

impl RiskTable {
    /// The table read in place ([`TableView`]); the lookups below go through it.
    pub fn view(&self) -> TableView<'_> {
        TableView {
            spec: self.spec,
            entries: &self.entries,
        }
    }

    /// What the table was built for.
    pub fn spec(&self) -> &TableSpec {
        &self.spec
    }

    /// The entries, as the blob stores them.
    pub fn entries(&self) -> &[u8; TABLE_BYTES] {
        &self.entries
    }

    /// The trained temperature range `(low, high)`, degC.
    pub fn temperature_range(&self) -> (f32, f32) {
        self.view().temperature_range()
    }

    /// The galling threshold (COF).
    pub fn threshold(&self) -> f32 {
        self.spec.threshold
    }

    /// [`TableView::clamp_temperature`].
    pub fn clamp_temperature(&self, temperature: f32) -> f32 {
        self.view().clamp_temperature(temperature)
    }

    /// [`TableView::risk`].
    #[inline]
    pub fn risk<K: Kernel<f32>>(&self, landscape: &K, temperature: f32, cof: f32) -> f32 {
        self.view().risk(landscape, temperature, cof)
    }

    /// [`TableView::risk_at_stroke`].
    #[inline]
    pub fn risk_at_stroke<K: Kernel<f32>>(
        &self,
        landscape: &K,
        inputs: &[f32],
        temperature: f32,
        cof: f32,
    ) -> f32 {
        self.view()
            .risk_at_stroke(landscape, inputs, temperature, cof)
    }

    /// [`TableView::hazard`].
    #[inline]
    pub fn hazard(&self, temperature: f32) -> Hazard {
        self.view().hazard(temperature)
    }

    /// [`TableView::advised_temperature`].
    pub fn advised_temperature(&self, target: f32) -> TemperatureAdvice {
        self.view().advised_temperature(target)
    }

    /// [`TableView::validate`].
    ///
    /// # Errors
    /// The first [`TableError`] found.
    pub fn validate(&self) -> Result<(), TableError> {
        self.view().validate()
    }

    /// A table from its specification and its entries as the blob stores them, validated.
    ///
    /// ```
    /// use galling::risk::{RiskTable, TABLE_BYTES, TableError, TableSpec};
    /// let zeros = [0u8; TABLE_BYTES];
    /// assert_eq!(RiskTable::from_entries(TableSpec::new(160.0, 170.0), &zeros),
    ///            Err(TableError::CleanCof { row: 0 }));
    /// ```
    ///
    /// # Errors
    /// The first [`TableError`] found.
    pub fn from_entries(spec: TableSpec, entries: &[u8; TABLE_BYTES]) -> Result<Self, TableError> {
        TableView::new(spec, entries)?;
        Ok(Self {
            spec,
            entries: *entries,
        })
    }

    /// A table of entries already validated (a checked blob's).
    pub(crate) fn from_valid_entries(spec: TableSpec, entries: &[u8; TABLE_BYTES]) -> Self {
        Self {
            spec,
            entries: *entries,
        }
    }

    /// A table from its parts, validated.
    ///
    /// # Errors
    /// The first [`TableError`] found.
    pub fn from_parts(
        spec: TableSpec,
        hazard: [f32; TABLE_TEMPERATURES],
        expected: [f32; TABLE_TEMPERATURES],
        clean: [f32; TABLE_TEMPERATURES],
        survival: [[f32; TABLE_CELLS]; TABLE_TEMPERATURES],
    ) -> Result<Self, TableError> {
        let table = Self::from_parts_unchecked(spec, &hazard, &expected, &clean, &survival);
        table.validate()?;
        Ok(table)
    }

    /// The table of these parts, not validated.
    fn from_parts_unchecked(
        spec: TableSpec,
        hazard: &[f32; TABLE_TEMPERATURES],
        expected: &[f32; TABLE_TEMPERATURES],
        clean: &[f32; TABLE_TEMPERATURES],
        survival: &[[f32; TABLE_CELLS]; TABLE_TEMPERATURES],
    ) -> Self {
        let mut entries = [0u8; TABLE_BYTES];
        let values = hazard
            .iter()
            .chain(expected)
            .chain(clean)
            .chain(survival.iter().flatten());
        for (dst, x) in entries.chunks_exact_mut(4).zip(values) {
            dst.copy_from_slice(&x.to_le_bytes());
        }
        Self { spec, entries }
    }

    /// The entries, mutable (tests build impossible tables with them).
    #[cfg(test)]
    pub(crate) fn entries_mut(&mut self) -> &mut [u8; TABLE_BYTES] {
        &mut self.entries
    }

    fn column<const N: usize>(&self, base: usize) -> [f32; N] {
        core::array::from_fn(|i| f32_at(&self.entries, base + 4 * i))
    }

    /// The hot-die hazards, one per table temperature.
    pub fn hazards(&self) -> [f32; TABLE_TEMPERATURES] {
        self.column(HAZARD_AT)
    }

    /// The expected strokes to galling, one per table temperature.
    pub fn expected_strokes(&self) -> [f32; TABLE_TEMPERATURES] {
        self.column(EXPECTED_AT)
    }

    /// The typical clean COFs, one per table temperature.
    pub fn clean_cofs(&self) -> [f32; TABLE_TEMPERATURES] {
        self.column(CLEAN_AT)
    }

    /// The survival entries, `[temperature][cell]`.
    pub fn survivals(&self) -> [[f32; TABLE_CELLS]; TABLE_TEMPERATURES] {
        core::array::from_fn(|i| self.column(SURVIVAL_AT + ROW_BYTES * i))
    }

    /// The temperature of table row `i`, degC.
    pub fn node_temperature(&self, i: usize) -> f32 {
        self.view().node_temperature(i)
    }
}

/// Checks one survival entry (a probability).
pub(crate) fn check_survival(row: u16, column: u16, v: f32) -> Result<(), TableError> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(TableError::Survival { row, column })
    }
}

/// Checks one temperature row's hazard (a probability), typical clean COF (in `[0.1, clean limit]`)
/// and expected strokes (in `[1, EXPECTED_STROKES_CAP]`).
pub(crate) fn check_row(
    spec: &TableSpec,
    row: u16,
    hazard: f32,
    expected: f32,
    clean: f32,
) -> Result<(), TableError> {
    if !(0.0..=1.0).contains(&hazard) {
        return Err(TableError::Hazard { row });
    }
    if !(clean >= consts::COF_MIN as f32 && clean <= spec.clean_limit) {
        return Err(TableError::CleanCof { row });
    }
    if !(1.0..=EXPECTED_STROKES_CAP).contains(&expected) {
        return Err(TableError::ExpectedStrokes { row });
    }
    Ok(())
}

/// The exact forecast on a fine COF grid at one temperature (host, `f64`): the reference the table
/// is built from and tested against.
#[cfg(feature = "std")]
#[derive(Debug, Clone)]
pub struct ExactForecast<K = crate::family::AnyKernel<f64>> {
    land: K,
    cells: Cells<f64>,
    /// `q[j]`: the transition row from the centre of cell `j`.
    q: std::vec::Vec<std::vec::Vec<f64>>,
    /// `survival[n][j]`: no exceedance within `n` strokes from the centre of cell `j`.
    survival: std::vec::Vec<std::vec::Vec<f64>>,
    horizon: usize,
}

#[cfg(feature = "std")]
impl<K: Kernel<f64>> ExactForecast<K> {
    /// Discretises the chain of `model` at `temperature` on `cells` cells from 0.1 up to `threshold`
    /// and precomputes the survival up to `horizon` strokes.
    pub fn new<M: Kernels<f64, Kernel = K>>(
        model: &M,
        temperature: f64,
        threshold: f64,
        horizon: u16,
        cells: usize,
    ) -> Self {
        let land = model.landscape(temperature);
        let cells = Cells::new(threshold, cells);
        let q: std::vec::Vec<std::vec::Vec<f64>> = (0..cells.cells)
            .map(|j| row(&cells, &land, cells.centre(j)))
            .collect();
        let mut survival = std::vec![std::vec![1.0; cells.cells]];
        for n in 1..=usize::from(horizon) {
            let next: std::vec::Vec<f64> = q.iter().map(|r| dot(r, &survival[n - 1])).collect();
            survival.push(next);
        }
        Self {
            land,
            cells,
            q,
            survival,
            horizon: usize::from(horizon),
        }
    }

    /// Number of cells below the threshold.
    pub fn cells(&self) -> usize {
        self.cells.cells
    }

    /// Centre of cell `j`.
    pub fn centre(&self, j: usize) -> f64 {
        self.cells.centre(j)
    }

    /// `P(no exceedance within n strokes | start at the centre of cell j)`, for `n` up to the horizon.
    pub fn survival(&self, n: usize) -> &[f64] {
        &self.survival[n.min(self.horizon)]
    }

    /// `P(COF > threshold within the horizon | current COF cof)`.
    pub fn risk(&self, cof: f64) -> f64 {
        if cof > self.cells.threshold {
            return 1.0;
        }
        let mut survival = 0.0;
        let s = &self.survival[self.horizon - 1];
        self.cells
            .for_each_mass(&self.land, cof, |j, p| survival += p * s[j]);
        (1.0 - survival).clamp(0.0, 1.0)
    }

    /// [`risk`](Self::risk) with the first stroke from the kernel for a stroke with per-stroke
    /// inputs `inputs` ([`Kernel::mixture_at_stroke`]), the later strokes at the clean baseline:
    /// the exact forecast of a variant with stroke features (V8-P) from the current stroke.
    ///
    /// ```
    /// use galling::family::{AnyModel, ModelParams};
    /// use galling::risk::ExactForecast;
    /// use galling::V8Params;
    /// let p = ModelParams::precursor(V8Params::PUBLISHED_FIT.map(f64::from), [1.0, 0.0]);
    /// let f = ExactForecast::new(&AnyModel::new(&p)?, 167.5, 0.5, 10, 400);
    /// assert_eq!(f.risk_at_stroke(&[0.0, 0.0], 0.2), f.risk(0.2));
    /// assert!(f.risk_at_stroke(&[2.0, 0.0], 0.2) > f.risk(0.2));
    /// # Ok::<(), galling::ParamError>(())
    /// ```
    pub fn risk_at_stroke(&self, inputs: &[f64], cof: f64) -> f64 {
        if cof > self.cells.threshold {
            return 1.0;
        }
        let mut survival = 0.0;
        let s = &self.survival[self.horizon - 1];
        let m = self.land.mixture_at_stroke(inputs, cof);
        self.cells
            .for_each_mass_of(&m, cof, |j, p| survival += p * s[j]);
        (1.0 - survival).clamp(0.0, 1.0)
    }

    /// The quasi-stationary distribution of the chain among clean cells (centre below `clean_limit`):
    /// where the COF settles when it has stayed clean for a long time. Normalised to 1.
    pub fn clean_distribution(&self, clean_limit: f64) -> std::vec::Vec<f64> {
        let n = self.cells.cells;
        let clean = (0..n)
            .take_while(|&j| self.centre(j) < clean_limit)
            .count()
            .max(1);
        let mut v = std::vec![1.0 / clean as f64; clean];
        for _ in 0..20_000 {
            let mut next = std::vec![0.0; clean];
            for (vi, r) in v.iter().zip(&self.q) {
                for (x, &p) in next.iter_mut().zip(r.iter()) {
                    *x += vi * p;
                }
            }
            let total: f64 = next.iter().sum();
            if !(total > 0.0) {
                break;
            }
            next.iter_mut().for_each(|x| *x /= total);
            let change: f64 = next.iter().zip(&v).map(|(a, b)| (a - b).abs()).sum();
            v = next;
            if change < 1e-13 {
                break;
            }
        }
        v.resize(n, 0.0);
        v
    }

    /// Expected strokes to the first exceedance from the centre of each cell: `(I - Q) m = 1`.
    pub fn expected_strokes(&self) -> std::vec::Vec<f64> {
        solve_expected(&self.q)
    }

    /// The hot-die hazard from the clean quasi-stationary distribution: risk within the horizon,
    /// expected strokes to galling, and the distribution's mean COF.
    pub fn hazard(&self, clean_limit: f64) -> (f64, f64, f64) {
        let q = self.clean_distribution(clean_limit);
        let survival = dot(&q, &self.survival[self.horizon]);
        let expected = dot(&q, &self.expected_strokes());
        let mean = q.iter().enumerate().map(|(j, p)| p * self.centre(j)).sum();
        ((1.0 - survival).clamp(0.0, 1.0), expected, mean)
    }
}

/// The exact forecast of [`ExactForecast::risk`] for several current COFs at one temperature,
/// generic over the [`Scalar`] (host, `std`): `P(COF > threshold within horizon strokes | current
/// COF)` for each of `cofs`, on `cells` cells from 0.1 up to `threshold`. With dual numbers it
/// gives the risk's exact derivatives with respect to the model's parameters (the trainer's
/// forecast-aimed objective). No clamping: the result may round a hair outside `[0, 1]`. A COF
/// above the threshold has risk 1. Cost: `cells` transition rows plus `(horizon - 1) cells^2`
/// multiply-adds, then one row per COF.
///
/// ```
/// # #[cfg(feature = "std")] {
/// use galling::{Model, V8Params, risk::{ExactForecast, exact_risks}};
/// let model = Model::new(&V8Params::PUBLISHED_FIT.map(f64::from))?;
/// let land = model.landscape(167.5);
/// let r = exact_risks(&land, 0.5, 10, 200, &[0.2, 0.3]);
/// let exact = ExactForecast::new(&model, 167.5, 0.5, 10, 200);
/// assert!((r[0] - exact.risk(0.2)).abs() < 1e-12);
/// # }
/// # Ok::<(), galling::ParamError>(())
/// ```
#[cfg(feature = "std")]
pub fn exact_risks<S: Scalar, K: Kernel<S>>(
    land: &K,
    threshold: S,
    horizon: u16,
    cells: usize,
    cofs: &[S],
) -> std::vec::Vec<S> {
    let grid = Cells::new(threshold, cells);
    let zero = S::from_f64(0.0);
    let one = S::from_f64(1.0);
    // Sparse rows: (first cell, masses), since a row's mass sits in a narrow band.
    let rows: std::vec::Vec<(usize, std::vec::Vec<S>)> = (0..grid.cells)
        .map(|j| {
            let mut first = usize::MAX;
            let mut masses = std::vec::Vec::new();
            grid.for_each_mass(land, grid.centre(j), |c, p| {
                if first == usize::MAX {
                    first = c;
                }
                if c < first {
                    // Only the jump component can start below the stay component's first cell.
                    let mut shifted = std::vec![zero; first - c];
                    shifted.append(&mut masses);
                    masses = shifted;
                    first = c;
                }
                let k = c - first;
                if k >= masses.len() {
                    masses.resize(k + 1, zero);
                }
                masses[k] = masses[k] + p;
            });
            (if first == usize::MAX { 0 } else { first }, masses)
        })
        .collect();
    let mut survival = std::vec![one; grid.cells];
    for _ in 1..usize::from(horizon.max(1)) {
        survival = rows
            .iter()
            .map(|(first, masses)| {
                masses
                    .iter()
                    .zip(&survival[*first..])
                    .fold(zero, |acc, (&p, &s)| acc + p * s)
            })
            .collect();
    }
    cofs.iter()
        .map(|&cof| {
            if cof > threshold {
                return one;
            }
            let mut kept = zero;
            grid.for_each_mass(land, cof, |j, p| kept = kept + p * survival[j]);
            one - kept
        })
        .collect()
}

#[cfg(feature = "std")]
fn row<K: Kernel<f64>>(cells: &Cells<f64>, land: &K, source: f64) -> std::vec::Vec<f64> {
    let mut r = std::vec![0.0; cells.cells];
    cells.for_each_mass(land, source, |j, p| r[j] += p);
    r
}

#[cfg(feature = "std")]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Solves `(I - Q) m = 1` (expected strokes to the first exceedance) by Gaussian elimination with
/// partial pivoting.
#[cfg(feature = "std")]
fn solve_expected(q: &[std::vec::Vec<f64>]) -> std::vec::Vec<f64> {
    let n = q.len();
    let mut a: std::vec::Vec<std::vec::Vec<f64>> = q
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut r: std::vec::Vec<f64> = r.iter().map(|p| -p).collect();
            r[i] += 1.0;
            r.push(1.0);
            r
        })
        .collect();
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        let p = a[col][col];
        if p.abs() < 1e-300 {
            continue;
        }
        let (upper, lower) = a.split_at_mut(col + 1);
        let pivot_row = &upper[col];
        for r in lower.iter_mut() {
            let f = r[col] / p;
            if f != 0.0 {
                for (x, y) in r[col..].iter_mut().zip(&pivot_row[col..]) {
                    *x -= f * y;
                }
            }
        }
    }
    let mut m = std::vec![0.0; n];
    for i in (0..n).rev() {
        let s: f64 = (i + 1..n).map(|k| a[i][k] * m[k]).sum();
        let p = a[i][i];
        m[i] = if p.abs() < 1e-300 {
            f64::INFINITY
        } else {
            (a[i][n] - s) / p
        };
    }
    m
}

#[cfg(feature = "std")]
impl RiskTable {
    /// Builds the table of `model` for `spec` (host, `f64`): at each table temperature one
    /// [`ExactForecast`] on `TABLE_CELLS x BUILD_REFINEMENT` cells; a table cell stores the average
    /// of its fine cells' survival.
    ///
    /// # Panics
    /// If `spec` is invalid ([`TableSpec::validate`]); validate it first.
    pub fn build<M: Kernels<f64>>(model: &M, spec: &TableSpec) -> Self {
        if let Err(e) = spec.validate() {
            panic!("invalid risk table specification: {e}");
        }
        let mut hazard = [0.0_f32; TABLE_TEMPERATURES];
        let mut expected = [1.0_f32; TABLE_TEMPERATURES];
        let mut clean = [0.1_f32; TABLE_TEMPERATURES];
        let mut survival = [[0.0_f32; TABLE_CELLS]; TABLE_TEMPERATURES];
        let lo = f64::from(spec.temperature_low);
        let hi = f64::from(spec.temperature_high);
        for i in 0..TABLE_TEMPERATURES {
            let t = lo + (hi - lo) * i as f64 / (TABLE_TEMPERATURES - 1) as f64;
            let exact = ExactForecast::new(
                model,
                t,
                f64::from(spec.threshold),
                spec.horizon,
                TABLE_CELLS * BUILD_REFINEMENT,
            );
            let (h, e, m) = exact.hazard(f64::from(spec.clean_limit));
            hazard[i] = h as f32;
            clean[i] = (m as f32).clamp(consts::COF_MIN as f32, spec.clean_limit);
            expected[i] = if e.is_finite() {
                (e as f32).clamp(1.0, EXPECTED_STROKES_CAP)
            } else {
                EXPECTED_STROKES_CAP
            };
            let fine = exact.survival(usize::from(spec.horizon) - 1);
            for (s, chunk) in survival[i].iter_mut().zip(fine.chunks(BUILD_REFINEMENT)) {
                *s = (chunk.iter().sum::<f64>() / chunk.len() as f64).clamp(0.0, 1.0) as f32;
            }
        }
        Self::from_parts_unchecked(*spec, &hazard, &expected, &clean, &survival)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::V8Params;
    use crate::{Landscape, Model};

    #[test]
    fn the_written_out_cap_is_the_cap() {
        assert_eq!(EXPECTED_STROKES_CAP, 10_000_000.0);
    }

    fn table() -> RiskTable {
        let model = Model::new(&V8Params::PUBLISHED_FIT.map(f64::from)).unwrap();
        RiskTable::build(&model, &TableSpec::new(160.0, 170.0))
    }

    fn land(t: f32) -> Landscape<f32> {
        Model::new(&V8Params::PUBLISHED_FIT).unwrap().landscape(t)
    }

    #[test]
    fn locate_is_total_and_clamps() {
        assert_eq!(locate(160.0, 160.0, 170.0, 21), (0, 0.0));
        assert_eq!(locate(170.0, 160.0, 170.0, 21), (19, 1.0));
        assert_eq!(locate(150.0, 160.0, 170.0, 21), (0, 0.0));
        assert_eq!(locate(400.0, 160.0, 170.0, 21), (19, 1.0));
        assert_eq!(locate(f32::NAN, 160.0, 170.0, 21), (0, 0.0));
        assert_eq!(locate(165.0, 165.0, 165.0, 21), (0, 0.0));
        let (i, t) = locate(165.25, 160.0, 170.0, 21);
        assert_eq!(i, 10);
        assert!((t - 0.5).abs() < 1e-4);
    }

    #[test]
    fn a_row_conserves_probability() {
        // Cell masses plus the mass above the threshold, computed independently, sum to one.
        let model = Model::new(&V8Params::PUBLISHED_FIT.map(f64::from)).unwrap();
        let land = model.landscape(167.5);
        let cells = Cells::new(0.5, 64);
        for source in [0.05, 0.12, 0.2, 0.35, 0.49] {
            let mut kept = 0.0;
            cells.for_each_mass(&land, source, |_, p| kept += p);
            let m = land.mixture(source);
            let above = |mean: f64, s: f64| 1.0 - normal_cdf((0.5 - mean) / (s + consts::EPS));
            let absorbed = m.stay_probability * above(source + m.stay_drift, m.stay_spread)
                + (1.0 - m.stay_probability) * above(source + m.jump_drift, m.jump_spread);
            assert!((kept + absorbed - 1.0).abs() < 1e-6, "source {source}");
        }
    }

    #[test]
    fn generic_exact_risks_are_the_exact_forecast() {
        let model = Model::new(&V8Params::PUBLISHED_FIT.map(f64::from)).unwrap();
        for (t, horizon, cells) in [(160.0, 10, 60), (167.5, 5, 200), (170.0, 1, 37)] {
            let exact = ExactForecast::new(&model, t, 0.5, horizon, cells);
            let cofs = [0.05, 0.1, 0.2, 0.33, 0.45, 0.5, 0.6];
            let r = exact_risks(&model.landscape(t), 0.5, horizon, cells, &cofs);
            for (c, r) in cofs.iter().zip(&r) {
                assert!(
                    (r - exact.risk(*c)).abs() < 1e-12,
                    "T {t}, k {horizon}, COF {c}: {r} vs {}",
                    exact.risk(*c)
                );
            }
            assert_eq!(r[6], 1.0);
        }
    }

    #[test]
    fn horizon_one_is_the_one_step_exceedance_probability() {
        let model = Model::new(&V8Params::PUBLISHED_FIT.map(f64::from)).unwrap();
        let exact = ExactForecast::new(&model, 168.0, 0.5, 1, 80);
        let land = model.landscape(168.0);
        let mu = 0.3;
        let m = land.mixture(mu);
        let above = |mean: f64, s: f64| 1.0 - normal_cdf((0.5 - mean) / (s + consts::EPS));
        let want = m.stay_probability * above(mu + m.stay_drift, m.stay_spread)
            + (1.0 - m.stay_probability) * above(mu + m.jump_drift, m.jump_spread);
        assert!((exact.risk(mu) - want).abs() < 1e-9);
    }

    #[test]
    fn table_reproduces_the_exact_forecast_at_its_nodes() {
        let model = Model::new(&V8Params::PUBLISHED_FIT.map(f64::from)).unwrap();
        let t = table();
        assert_eq!(t.validate(), Ok(()));
        for i in [0, 7, 20] {
            let temp = t.node_temperature(i);
            let exact = ExactForecast::new(&model, f64::from(temp), 0.5, 10, 640);
            for cof in [0.05_f32, 0.2, 0.3, 0.45, 0.5] {
                let got = t.risk(&land(temp), temp, cof);
                let want = exact.risk(f64::from(cof));
                assert!(
                    (f64::from(got) - want).abs() < 0.01,
                    "T {temp} COF {cof}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn risk_rises_with_cof_and_hazard_with_temperature() {
        let t = table();
        for temp in [160.0, 165.0, 170.0] {
            let l = land(temp);
            assert!(t.risk(&l, temp, 0.48) > t.risk(&l, temp, 0.2), "T {temp}");
        }
        assert!(t.hazard(170.0).risk > 4.0 * t.hazard(162.0).risk);
        assert!(t.hazard(170.0).expected_strokes < t.hazard(162.0).expected_strokes);
    }

    #[test]
    fn outside_the_range_reads_the_nearest_end() {
        let t = table();
        assert_eq!(t.clamp_temperature(25.0), 160.0);
        assert_eq!(t.clamp_temperature(400.0), 170.0);
        assert_eq!(t.hazard(200.0), t.hazard(170.0));
        assert_eq!(t.hazard(20.0), t.hazard(160.0));
    }

    #[test]
    fn advice_brackets_the_target() {
        let t = table();
        let target = t.hazard(166.0).risk;
        match t.advised_temperature(target) {
            TemperatureAdvice::AtMost(temp) => assert!((temp - 166.0).abs() < 0.3, "{temp}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            t.advised_temperature(0.0),
            TemperatureAdvice::BelowRange(160.0)
        );
        assert_eq!(
            t.advised_temperature(1.0),
            TemperatureAdvice::WholeRange(170.0)
        );
    }

    #[test]
    fn corrupted_entries_are_refused_by_position() {
        let t = table();
        let mut survival = t.survivals();
        survival[3][7] = f32::NAN;
        assert_eq!(
            RiskTable::from_parts(
                *t.spec(),
                t.hazards(),
                t.expected_strokes(),
                t.clean_cofs(),
                survival
            ),
            Err(TableError::Survival { row: 3, column: 7 })
        );
        let mut expected = t.expected_strokes();
        expected[2] = 0.5;
        assert_eq!(
            RiskTable::from_parts(
                *t.spec(),
                t.hazards(),
                expected,
                t.clean_cofs(),
                t.survivals()
            ),
            Err(TableError::ExpectedStrokes { row: 2 })
        );
    }
}
