//! The raw samples of a stroke recording, for evaluations that look at the whole curve of a stroke
//! (the curve envelope of `validate`) rather than at its averaged COF.
//!
//! A stroke file is the CSV [`crate::averaging`] reads (a header naming at least `force_y`,
//! `force_z` and `position_x` in metres; other columns ignored). The sliding distance of a sample is
//! `(position_x_0 - position_x_i) * 1000` mm with `x_0` the file's first sample, formed in `f64`,
//! the rule of the data's README.

use crate::averaging::{AverageError, REQUIRED_COLUMNS};
use std::path::{Path, PathBuf};

/// One sample of a stroke recording.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StrokeSample {
    /// Sliding distance from the stroke's first sample, mm.
    pub sliding_distance: f64,
    /// Tangential (friction) force `force_y`, N.
    pub tangential_force: f64,
    /// Normal force `force_z`, N (negative in the recordings: the tool presses on the sheet).
    pub normal_force: f64,
}

impl StrokeSample {
    /// The friction ratio `force_y / force_z` (the recordings' `cof` column), `None` when the
    /// normal force is zero.
    ///
    /// ```
    /// use host_train::strokes::StrokeSample;
    /// let s = StrokeSample { sliding_distance: 20.0, tangential_force: -1.5, normal_force: -10.0 };
    /// assert_eq!(s.friction_ratio(), Some(0.15));
    /// let unloaded = StrokeSample { normal_force: 0.0, ..s };
    /// assert_eq!(unloaded.friction_ratio(), None);
    /// ```
    pub fn friction_ratio(&self) -> Option<f64> {
        (self.normal_force != 0.0).then(|| self.tangential_force / self.normal_force)
    }
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

/// Reads every sample of one stroke file, in file order.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let file = dir.path().join("000001_a.csv");
/// std::fs::write(&file, "force_y,force_z,position_x\n-1.0,-10.0,0.8\n-2.0,-10.0,0.79\n").unwrap();
/// let samples = host_train::strokes::read_stroke_samples(&file).unwrap();
/// assert_eq!(samples.len(), 2);
/// assert!((samples[1].sliding_distance - 10.0).abs() < 1e-9);
/// assert_eq!(samples[1].friction_ratio(), Some(0.2));
/// ```
///
/// # Errors
/// [`AverageError`] naming the file, and the line and column where one applies: an unreadable or
/// empty file, a missing column, a short row, a value that is not a finite number.
pub fn read_stroke_samples(path: &Path) -> Result<Vec<StrokeSample>, AverageError> {
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
    let mut out = Vec::new();
    let mut x0: Option<f64> = None;
    for record in reader.records() {
        let fields = record.map_err(csv_error)?;
        let n = fields.position().map_or(0, |p| p.line() as usize);
        if fields.iter().all(str::is_empty) && fields.len() <= 1 {
            continue; // a blank line
        }
        let mut v = [0.0_f64; 3];
        for (slot, value) in v.iter_mut().enumerate() {
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
            *value = text
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| {
                    error(
                        path,
                        Some(n),
                        Some(column),
                        format!("`{text}` is not a finite number"),
                    )
                })?;
        }
        let [force_y, force_z, x] = v;
        let start = *x0.get_or_insert(x);
        out.push(StrokeSample {
            sliding_distance: (start - x) * 1000.0,
            tangential_force: force_y,
            normal_force: force_z,
        });
    }
    if out.is_empty() {
        return Err(error(path, None, None, "no samples after the header"));
    }
    Ok(out)
}

/// The `strokes/` folder of each series of a `<T>/mean.txt` data folder, in the order of
/// `labels` (a series' label is its folder name): `None` where the series has no such folder
/// (the 25 C series of the development data, or a data set that is a CSV file).
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::create_dir_all(dir.path().join("165/strokes")).unwrap();
/// let folders = host_train::strokes::stroke_folders(dir.path(), &["165", "25"]);
/// assert_eq!(folders[0].as_deref(), Some(dir.path().join("165/strokes").as_path()));
/// assert_eq!(folders[1], None);
/// ```
pub fn stroke_folders(data_dir: &Path, labels: &[&str]) -> Vec<Option<PathBuf>> {
    labels
        .iter()
        .map(|label| {
            let dir = data_dir.join(label).join("strokes");
            dir.is_dir().then_some(dir)
        })
        .collect()
}
