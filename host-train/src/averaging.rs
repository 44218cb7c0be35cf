//! Raw stroke recordings to per-stroke COF averages and stroke features, through the core's
//! streaming [`StrokeAverager`] and [`StrokeFeatureExtractor`] (the same code the firmware runs), one
//! sample at a time.
//!
//! A stroke file is a CSV with a header naming at least `force_y`, `force_z` and `position_x`
//! (metres); other columns are ignored. Each row is fed to [`StrokeAverager::push_forces`] with the
//! position converted by [`metres_to_counts`]; the averaging rule (COF clamp, 10..60 mm window from
//! the first sample, mean and `n - 1` standard deviation) lives only in the core, and so do the
//! stroke features ([`galling::features`]: breakaway peak, run-in high-COF share, exit peak).
//!
//! A folder of stroke files is ordered by the integer before the first `_` of each file name (a plain
//! lexical sort would misplace `00098_...` after `000097_...`).

use galling::Scalar;
use galling::averager::{SampleError, StrokeAverager, StrokeStats, StrokeWindow, metres_to_counts};
use galling::features::{FeatureSettings, StrokeFeatureExtractor, StrokeFeatures};
use std::path::{Path, PathBuf};

/// The columns a stroke file must have.
pub const REQUIRED_COLUMNS: [&str; 3] = ["force_y", "force_z", "position_x"];

/// What was wrong with a stroke file or folder: names the file, and the line and column where they
/// apply (`path:line: column `name`: message`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{}{}: {}{message}",
    path.display(),
    line.map(|l| format!(":{l}")).unwrap_or_default(),
    column.as_ref().map(|c| format!("column `{c}`: ")).unwrap_or_default()
)]
pub struct AverageError {
    /// The file or folder.
    pub path: PathBuf,
    /// 1-based line number.
    pub line: Option<usize>,
    /// The column (header name).
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

fn error(
    path: &Path,
    line: Option<usize>,
    column: Option<&str>,
    message: impl Into<String>,
) -> AverageError {
    AverageError {
        path: path.to_path_buf(),
        line,
        column: column.map(str::to_string),
        message: message.into(),
    }
}

/// One stroke of a folder: its number, file and features (whose window mean and standard
/// deviation are the averager's, see [`StrokeFeatures::stats`]).
#[derive(Debug, Clone, PartialEq)]
pub struct StrokeRecord<S> {
    /// The integer before the first `_` of the file name.
    pub number: u64,
    /// The stroke file.
    pub path: PathBuf,
    /// The stroke's features: window mean, standard deviation and sample count, breakaway peak,
    /// run-in high-COF share, exit peak.
    pub features: StrokeFeatures<S>,
}

impl<S: Copy> StrokeRecord<S> {
    /// Mean, standard deviation and sample count of the stroke's COF window.
    ///
    /// ```
    /// # use galling::features::StrokeFeatures;
    /// let r = host_train::averaging::StrokeRecord { number: 1, path: "1_a.csv".into(),
    ///     features: StrokeFeatures { mean: 0.2_f64, std: 0.01, samples: 200, breakaway_peak: 0.3,
    ///         run_in_high_share: 0.0, run_in_samples: 40, exit_peak: 0.25, exit_samples: 60 } };
    /// assert_eq!(r.stats().samples, 200);
    /// ```
    pub fn stats(&self) -> StrokeStats<S> {
        self.features.stats()
    }
}

/// Averages one stroke file with a fresh [`StrokeAverager<S>`], streaming it row by row.
///
/// Forces are parsed as `f64` and handed to the averager as `S` (so `S = f32` sees what an f32
/// firmware would); positions become integer counts with [`metres_to_counts`].
///
/// # Errors
/// [`AverageError`] naming the file, line and column for an unreadable file, an empty file, a missing
/// column, a row with too few fields, a non-numeric or non-finite value, a position out of range, a
/// zero normal force, or a stroke with fewer than two samples in the window.
pub fn average_stroke_file<S: Scalar>(
    path: &Path,
    window: StrokeWindow,
) -> Result<StrokeStats<S>, AverageError> {
    let mut averager = StrokeAverager::<S>::new(window);
    stream_stroke_file(path, &mut |fy, fz, x| averager.push_forces(fy, fz, x))?;
    averager
        .finish()
        .map_err(|e| error(path, None, None, e.to_string()))
}

/// The features of one stroke file, from a fresh [`StrokeFeatureExtractor<S>`] fed row by row as
/// [`average_stroke_file`] feeds the averager (so the mean and std are the same bits).
///
/// # Errors
/// [`AverageError`] as [`average_stroke_file`], and for settings that fail
/// [`FeatureSettings::validate`] (naming the file).
pub fn stroke_file_features<S: Scalar>(
    path: &Path,
    settings: FeatureSettings,
) -> Result<StrokeFeatures<S>, AverageError> {
    let mut extractor = StrokeFeatureExtractor::<S>::new(settings)
        .map_err(|e| error(path, None, None, e.to_string()))?;
    stream_stroke_file(path, &mut |fy, fz, x| extractor.push_forces(fy, fz, x))?;
    extractor
        .finish()
        .map_err(|e| error(path, None, None, e.to_string()))
}

/// Reads a stroke file row by row and hands each sample to `push` as `(force_y, force_z,
/// position counts)`; a refused sample is an error naming its line.
fn stream_stroke_file<S: Scalar>(
    path: &Path,
    push: &mut dyn FnMut(S, S, i32) -> Result<(), SampleError>,
) -> Result<(), AverageError> {
    for_each_stroke_row(path, &mut |line, [force_y, force_z, x]| {
        let counts = metres_to_counts(x).ok_or_else(|| {
            error(
                path,
                Some(line),
                Some("position_x"),
                format!("{x} m is outside the encoder range (about +-2.1 m)"),
            )
        })?;
        push(S::from_f64(force_y), S::from_f64(force_z), counts)
            .map_err(|e| error(path, Some(line), Some("force_z"), e.to_string()))
    })
}

/// Reads a stroke file (a CSV whose header names at least [`REQUIRED_COLUMNS`]; other columns
/// ignored, blank lines skipped) and hands each row to `row` as its line number and
/// `[force_y, force_z, position_x]`, every value a finite `f64`. The one reader of raw stroke
/// files: the averager, the feature extractor and the curve envelope
/// ([`crate::strokes::read_stroke_samples`]) all read through it.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let file = dir.path().join("000001_a.csv");
/// std::fs::write(&file, "force_y,force_z,position_x\n-1.0,-10.0,0.8\n").unwrap();
/// let mut rows = Vec::new();
/// host_train::averaging::for_each_stroke_row(&file, &mut |line, v| {
///     rows.push((line, v));
///     Ok(())
/// })
/// .unwrap();
/// assert_eq!(rows, [(2, [-1.0, -10.0, 0.8])]);
/// ```
///
/// # Errors
/// [`AverageError`] naming the file, and the line and column where one applies: an unreadable or
/// empty file, a missing column, a row with too few fields, a value that is not a finite number, a
/// file without samples, or the first error `row` returns.
pub fn for_each_stroke_row(
    path: &Path,
    row: &mut dyn FnMut(usize, [f64; 3]) -> Result<(), AverageError>,
) -> Result<(), AverageError> {
    let file = std::fs::File::open(path)
        .map_err(|e| error(path, None, None, format!("cannot read: {e}")))?;
    let csv_error = |e: csv::Error| {
        let line = e.position().map(|p| p.line() as usize);
        error(path, line, None, format!("cannot read: {e}"))
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(file);
    let header = reader.headers().map_err(csv_error)?.clone();
    if header.iter().all(str::is_empty) {
        return Err(error(
            path,
            None,
            None,
            "empty file: expected a header with force_y, force_z, position_x",
        ));
    }
    let names: Vec<&str> = header.iter().collect();
    let mut columns = [0usize; 3];
    for (slot, want) in REQUIRED_COLUMNS.iter().enumerate() {
        columns[slot] = names.iter().position(|n| n == want).ok_or_else(|| {
            error(
                path,
                Some(1),
                Some(want),
                format!("missing column (the header has: {})", names.join(", ")),
            )
        })?;
    }
    let mut rows = 0usize;
    for record in reader.records() {
        let fields = record.map_err(csv_error)?;
        let n = fields.position().map_or(0, |p| p.line() as usize);
        if fields.iter().all(str::is_empty) && fields.len() <= 1 {
            continue; // a blank line
        }
        let mut values = [0.0_f64; 3];
        for (slot, value) in values.iter_mut().enumerate() {
            let column = REQUIRED_COLUMNS[slot];
            let text = fields.get(columns[slot]).ok_or_else(|| {
                error(
                    path,
                    Some(n),
                    Some(column),
                    format!(
                        "row has {} fields, the header has {}",
                        fields.len(),
                        names.len()
                    ),
                )
            })?;
            let v: f64 = text.parse().map_err(|_| {
                error(
                    path,
                    Some(n),
                    Some(column),
                    format!("`{text}` is not a number"),
                )
            })?;
            if !v.is_finite() {
                return Err(error(
                    path,
                    Some(n),
                    Some(column),
                    format!("`{text}` is not finite"),
                ));
            }
            *value = v;
        }
        row(n, values)?;
        rows += 1;
    }
    if rows == 0 {
        return Err(error(path, None, None, "no samples after the header"));
    }
    Ok(())
}

/// The stroke files (`*.csv`) of a folder in stroke order: sorted by the integer before the first `_`.
///
/// # Errors
/// [`AverageError`] when the folder cannot be read, holds no CSV file, a file name does not start
/// with an integer, or two files share a number.
pub fn stroke_files(dir: &Path) -> Result<Vec<(u64, PathBuf)>, AverageError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| error(dir, None, None, format!("cannot read folder: {e}")))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry =
            entry.map_err(|e| error(dir, None, None, format!("cannot read folder: {e}")))?;
        let path = entry.path();
        if !path.is_file() || path.extension().is_none_or(|x| x != "csv") {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let prefix = name.split('_').next().unwrap_or_default();
        let prefix = prefix.strip_suffix(".csv").unwrap_or(prefix);
        let number: u64 = prefix.parse().map_err(|_| {
            error(
                &path,
                None,
                None,
                "file name does not start with the stroke number (an integer before the first `_`)",
            )
        })?;
        files.push((number, path));
    }
    if files.is_empty() {
        return Err(error(
            dir,
            None,
            None,
            "no stroke files (*.csv) in the folder",
        ));
    }
    files.sort();
    if let Some(w) = files.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(error(
            &w[1].1,
            None,
            None,
            format!(
                "stroke number {} also belongs to {}",
                w[1].0,
                w[0].1.display()
            ),
        ));
    }
    Ok(files)
}

/// The features of every stroke file of `dir` in stroke order (mean and std by the averaging rule,
/// see [`stroke_file_features`]); `progress(done, total)` is called after each.
///
/// # Errors
/// The first [`AverageError`] of [`stroke_files`] or [`stroke_file_features`].
pub fn average_folder<S: Scalar>(
    dir: &Path,
    settings: FeatureSettings,
    progress: crate::progress::ProgressFn<'_>,
) -> Result<Vec<StrokeRecord<S>>, AverageError> {
    let files = stroke_files(dir)?;
    let total = files.len();
    let mut out = Vec::with_capacity(total);
    for (i, (number, path)) in files.into_iter().enumerate() {
        let features = stroke_file_features::<S>(&path, settings)?;
        out.push(StrokeRecord {
            number,
            path,
            features,
        });
        progress(crate::progress::Progress::new(
            "averaging strokes",
            i + 1,
            total,
        ));
    }
    Ok(out)
}

/// Formats like NumPy's `savetxt` default (`%.18e`): `1.965020046643330687e-01`.
///
/// ```
/// assert_eq!(host_train::averaging::format_e18(0.1965020046643330687), "1.965020046643330687e-01");
/// assert_eq!(host_train::averaging::format_e18(12.5), "1.250000000000000000e+01");
/// ```
pub fn format_e18(v: f64) -> String {
    let s = format!("{v:.18e}");
    match s.split_once('e') {
        Some((mantissa, exp)) => {
            let e: i32 = exp.parse().unwrap_or(0);
            let sign = if e < 0 { '-' } else { '+' };
            format!("{mantissa}e{sign}{:02}", e.unsigned_abs())
        }
        None => s,
    }
}

/// Writes `mean.txt` and `std.txt` (one stroke a line, [`format_e18`]) of `records` into `dir`.
///
/// # Errors
/// [`crate::atomic::WriteError`] of the file that failed.
pub fn write_text(
    dir: &Path,
    records: &[StrokeRecord<f64>],
) -> Result<Vec<PathBuf>, crate::atomic::WriteError> {
    let mut written = Vec::new();
    for (name, pick) in TEXT_FILES {
        let path = dir.join(name);
        crate::atomic::write_with(&path, |w| fill_text(w, records, pick))?;
        written.push(path);
    }
    Ok(written)
}

/// Picks one statistic of a stroke.
type StatPick = fn(&StrokeStats<f64>) -> f64;

/// The files of [`write_text`] and the statistic each holds.
const TEXT_FILES: [(&str, StatPick); 2] = [
    ("mean.txt", |s: &StrokeStats<f64>| s.mean),
    ("std.txt", |s: &StrokeStats<f64>| s.std),
];

/// One statistic of each stroke a line.
fn fill_text(
    w: &mut dyn std::io::Write,
    records: &[StrokeRecord<f64>],
    pick: StatPick,
) -> std::io::Result<()> {
    for r in records {
        writeln!(w, "{}", format_e18(pick(&r.stats())))?;
    }
    Ok(())
}

/// Writes `strokes.csv` (`stroke,file,samples,mean,std`) of `records` into `dir`.
///
/// # Errors
/// [`crate::atomic::WriteError`] when the file cannot be written.
pub fn write_csv(
    dir: &Path,
    records: &[StrokeRecord<f64>],
) -> Result<PathBuf, crate::atomic::WriteError> {
    let path = dir.join("strokes.csv");
    crate::atomic::write_with(&path, |w| fill_csv(w, records))?;
    Ok(path)
}

/// The file name of a record (empty when it has none).
fn file_name(r: &StrokeRecord<f64>) -> String {
    r.path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn fill_csv(w: &mut dyn std::io::Write, records: &[StrokeRecord<f64>]) -> std::io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(["stroke", "file", "samples", "mean", "std"])?;
    for r in records {
        // a file name with a comma or quote is quoted (RFC 4180), never altered
        let stats = r.stats();
        csv.write_record([
            r.number.to_string(),
            file_name(r),
            stats.samples.to_string(),
            format_e18(stats.mean),
            format_e18(stats.std),
        ])?;
    }
    csv.flush()
}

/// Writes the outputs of `host-train average` into the folder `out` as one set
/// ([`crate::atomic::OutputSet`]; other files of the folder, e.g. its `strokes/`, are kept):
/// `mean.txt` and `std.txt` ([`write_text`]), or with `csv` one `strokes.csv` ([`write_csv`]),
/// then `features.csv` ([`write_features`]); returns the files written. A failure leaves the
/// folder's previous set as it was.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let files = host_train::averaging::write_outputs(&dir.path().join("avg"), &[], false)?;
/// let names: Vec<_> = files.iter().map(|f| f.file_name().unwrap().to_owned()).collect();
/// assert_eq!(names, ["mean.txt", "std.txt", "features.csv"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`crate::atomic::WriteError`] naming the folder or file that failed (its final path).
pub fn write_outputs(
    out: &Path,
    records: &[StrokeRecord<f64>],
    csv: bool,
) -> Result<Vec<PathBuf>, crate::atomic::WriteError> {
    let mut set = crate::atomic::OutputSet::begin(out)?;
    if csv {
        set.write_with("strokes.csv", |w| fill_csv(w, records))?;
    } else {
        for (name, pick) in TEXT_FILES {
            set.write_with(name, |w| fill_text(w, records, pick))?;
        }
    }
    set.write_with("features.csv", |w| fill_features(w, records))?;
    set.commit()
}

/// The columns of `features.csv`, in order.
pub const FEATURE_COLUMNS: [&str; 10] = [
    "stroke",
    "file",
    "samples",
    "mean",
    "std",
    "breakaway_peak",
    "run_in_high_share",
    "run_in_samples",
    "exit_peak",
    "exit_samples",
];

/// Writes `features.csv` ([`FEATURE_COLUMNS`], values as [`format_e18`]) of `records` into `dir`:
/// one stroke a line, in stroke order.
///
/// # Errors
/// [`crate::atomic::WriteError`] when the file cannot be written.
pub fn write_features(
    dir: &Path,
    records: &[StrokeRecord<f64>],
) -> Result<PathBuf, crate::atomic::WriteError> {
    let path = dir.join("features.csv");
    crate::atomic::write_with(&path, |w| fill_features(w, records))?;
    Ok(path)
}

fn fill_features(w: &mut dyn std::io::Write, records: &[StrokeRecord<f64>]) -> std::io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(FEATURE_COLUMNS)?;
    for r in records {
        let f = &r.features;
        csv.write_record([
            r.number.to_string(),
            file_name(r),
            f.samples.to_string(),
            format_e18(f.mean),
            format_e18(f.std),
            format_e18(f.breakaway_peak),
            format_e18(f.run_in_high_share),
            f.run_in_samples.to_string(),
            format_e18(f.exit_peak),
            f.exit_samples.to_string(),
        ])?;
    }
    csv.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_format_handles_zero_and_large_exponents() {
        assert_eq!(format_e18(0.0), "0.000000000000000000e+00");
        let tiny = format_e18(-2.5e-120);
        assert!(
            tiny.starts_with("-2.5000000000000000") && tiny.ends_with("e-120"),
            "{tiny}"
        );
        assert_eq!(tiny.parse::<f64>().unwrap(), -2.5e-120);
        assert_eq!(format_e18(1e300), "1.000000000000000053e+300");
    }
}
