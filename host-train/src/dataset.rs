//! Per-stroke COF data sets on the host: the `<T>/mean.txt` folder layout of the
//! galling test data and a plain CSV (`temperature,series,stroke,cof`) for a user's own press data.
//!
//! A series may carry per-stroke features ([`StrokeFeatureValues`]: the core's
//! [`galling::features`] of each stroke): computed from a folder's raw `<T>/strokes/` recordings by
//! [`Dataset::attach_stroke_features`], or read from optional CSV columns. A series without them (the
//! 25 C series of the development data has no raw strokes) still loads and trains; the fallback rule
//! for a model that uses features is documented at [`Series::features`].
//!
//! Every error names the file and, where it applies, the line. A CSV series whose stroke numbers
//! jump is split where they do, and the split is reported ([`LoadReport`]): a transition is only
//! ever between consecutive strokes.
//!
//! ```no_run
//! use host_train::dataset::{Dataset, TemperatureMap};
//! let data = Dataset::load("../shared/galling-data", &TemperatureMap::default())?;
//! println!("{} transitions", data.transitions());
//! # Ok::<(), host_train::dataset::DataError>(())
//! ```

use galling::features::{FeatureSettings, StrokeFeatures};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::string::{String, ToString};
use std::vec::Vec;

/// Maps the temperature a series was recorded at to the temperature the model evaluates it at.
/// The default maps 25 C to 160 C, as the published fit did (both are "no galling" baselines).
#[derive(Debug, Clone, PartialEq)]
pub struct TemperatureMap {
    /// `(recorded, model)` pairs; temperatures not listed map to themselves.
    pub pairs: Vec<(f64, f64)>,
}

impl Default for TemperatureMap {
    fn default() -> Self {
        Self {
            pairs: vec![(25.0, 160.0)],
        }
    }
}

impl TemperatureMap {
    /// No mapping: every series is evaluated at its recorded temperature.
    pub fn identity() -> Self {
        Self { pairs: Vec::new() }
    }

    /// Parses `"25:160,30:161"` (recorded:model pairs, comma separated; empty for identity).
    ///
    /// ```
    /// let m = host_train::dataset::TemperatureMap::parse("25:160")?;
    /// assert_eq!(m.apply(25.0), 160.0);
    /// assert_eq!(m.apply(170.0), 170.0);
    /// # Ok::<(), host_train::dataset::MapError>(())
    /// ```
    ///
    /// # Errors
    /// [`MapError`] names the pair that is not `RECORDED:MODEL` with two finite numbers.
    pub fn parse(text: &str) -> Result<Self, MapError> {
        let mut pairs = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let fail = |problem: String| MapError {
                pair: part.to_string(),
                problem,
            };
            let (a, b) = part
                .split_once(':')
                .ok_or_else(|| fail("expected RECORDED:MODEL, e.g. 25:160".to_string()))?;
            let num = |s: &str| {
                s.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| fail(format!("`{}` is not a temperature", s.trim())))
            };
            pairs.push((num(a)?, num(b)?));
        }
        Ok(Self { pairs })
    }

    /// The model temperature for a recorded one.
    pub fn apply(&self, recorded: f64) -> f64 {
        self.pairs
            .iter()
            .find(|(r, _)| *r == recorded)
            .map_or(recorded, |(_, m)| *m)
    }
}

/// A temperature mapping (`--map`) that is not a list of `RECORDED:MODEL` pairs.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("temperature mapping `{pair}`: {problem}")]
pub struct MapError {
    /// The pair as written.
    pub pair: String,
    /// What is wrong with it.
    pub problem: String,
}

/// The stroke features a model may use, one stroke's worth (the core's [`StrokeFeatures`] without
/// its sample counts and mean, which is the series' COF). CSV columns of the same names.
///
/// ```
/// use galling::features::StrokeFeatures;
/// use host_train::dataset::StrokeFeatureValues;
/// let f = StrokeFeatures { mean: 0.2_f64, std: 0.01, samples: 200, breakaway_peak: 0.45,
///     run_in_high_share: 0.1, run_in_samples: 40, exit_peak: 0.25, exit_samples: 60 };
/// assert_eq!(StrokeFeatureValues::from(&f).breakaway_peak, 0.45);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StrokeFeatureValues {
    /// Standard deviation of the COF in the 10-60 mm window (`std.txt`).
    pub std: f64,
    /// Largest COF of the run-in (0.5-10 mm, normal force established): the breakaway peak.
    pub breakaway_peak: f64,
    /// Share of run-in samples with COF above the high level (0.30 by default).
    pub run_in_high_share: f64,
    /// Largest COF after the window (past 60 mm, normal force established).
    pub exit_peak: f64,
}

/// The CSV column names of [`StrokeFeatureValues`], in field order.
pub const FEATURE_COLUMNS: [&str; 4] = ["std", "breakaway_peak", "run_in_high_share", "exit_peak"];

impl StrokeFeatureValues {
    /// The values in [`FEATURE_COLUMNS`] order.
    ///
    /// ```
    /// # use host_train::dataset::StrokeFeatureValues;
    /// let f = StrokeFeatureValues { std: 0.01, breakaway_peak: 0.4, run_in_high_share: 0.2, exit_peak: 0.3 };
    /// assert_eq!(f.values(), [0.01, 0.4, 0.2, 0.3]);
    /// ```
    pub fn values(&self) -> [f64; 4] {
        [
            self.std,
            self.breakaway_peak,
            self.run_in_high_share,
            self.exit_peak,
        ]
    }

    /// The range each value may take, in [`FEATURE_COLUMNS`] order: a standard deviation of a COF
    /// clamped to `[0, 2]` is at most 2 (half the range, rounded up), peaks are COFs, the share a
    /// fraction.
    pub const RANGES: [(f64, f64); 4] = [(0.0, 2.0), (0.0, 2.0), (0.0, 1.0), (0.0, 2.0)];
}

impl From<&StrokeFeatures<f64>> for StrokeFeatureValues {
    fn from(f: &StrokeFeatures<f64>) -> Self {
        Self {
            std: f.std,
            breakaway_peak: f.breakaway_peak,
            run_in_high_share: f.run_in_high_share,
            exit_peak: f.exit_peak,
        }
    }
}

/// One series of consecutive strokes at one die temperature.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Where the series came from (folder name, or `T/series` of a CSV).
    pub label: String,
    /// Temperature the series was recorded at, degC.
    pub recorded_temperature: f64,
    /// Temperature the model evaluates it at, degC (after the [`TemperatureMap`]).
    pub temperature: f64,
    /// Per-stroke averaged COF, in stroke order.
    pub cof: Vec<f64>,
    /// Per-stroke features, one per entry of `cof`, or `None` when the series has no raw stroke
    /// recordings (the 25 C series of the development data) or its CSV rows have no feature
    /// columns. **Fallback:** a series without features trains and is scored as before; a model
    /// that uses features treats each of its strokes as at the clean baseline (the features it
    /// would see on a clean stroke at that temperature: no precursor), so such a series only ever
    /// informs the feature-free part of the model.
    pub features: Option<Vec<StrokeFeatureValues>>,
}

impl Series {
    /// Number of stroke-to-stroke transitions (`len - 1`).
    pub fn transitions(&self) -> usize {
        self.cof.len().saturating_sub(1)
    }
}

/// A set of series.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dataset {
    /// The series, sorted by recorded temperature, then label.
    pub series: Vec<Series>,
}

/// What was wrong with a data file: `path:line: message`, or `path: message` without a line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct DataError {
    /// The file or folder.
    pub path: PathBuf,
    /// 1-based line number, where the problem is on one line.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

fn err(path: &Path, line: Option<usize>, message: impl Into<String>) -> DataError {
    DataError {
        path: path.to_path_buf(),
        line,
        message: message.into(),
    }
}

/// COF values a data set may hold: the range the monitor accepts by default
/// ([`OperatingBox::MONITOR_DEFAULT`](galling::OperatingBox::MONITOR_DEFAULT), the stroke averager's
/// clamp). A model trained on values the monitor would refuse describes nothing it will see.
pub const COF_RANGE: (f64, f64) = (
    galling::OperatingBox::MONITOR_DEFAULT.cof_low as f64,
    galling::OperatingBox::MONITOR_DEFAULT.cof_high as f64,
);

/// Die temperatures (degC) a data set may hold, recorded and after the [`TemperatureMap`]: the range
/// the monitor accepts by default.
pub const TEMPERATURE_RANGE: (f64, f64) = (
    galling::OperatingBox::MONITOR_DEFAULT.temperature_low as f64,
    galling::OperatingBox::MONITOR_DEFAULT.temperature_high as f64,
);

/// Checks that a value lies in `range` (inclusive); `what` names it, `shown` is how it was written.
fn in_range(
    path: &Path,
    line: Option<usize>,
    what: &str,
    (v, shown): (f64, &str),
    range: (f64, f64),
) -> Result<f64, DataError> {
    if (range.0..=range.1).contains(&v) {
        Ok(v)
    } else {
        Err(err(
            path,
            line,
            format!(
                "{what} {shown} is outside [{}, {}], the range the monitor accepts",
                range.0, range.1
            ),
        ))
    }
}

/// Parses a finite value in `range`.
fn parse_in(
    path: &Path,
    line: usize,
    field: &str,
    what: &str,
    range: (f64, f64),
) -> Result<f64, DataError> {
    let v = parse_cof(path, line, field, what)?;
    in_range(path, Some(line), what, (v, field.trim()), range)
}

/// The model temperature of a recorded one, both in [`TEMPERATURE_RANGE`].
fn model_temperature(
    path: &Path,
    line: Option<usize>,
    map: &TemperatureMap,
    recorded: f64,
) -> Result<f64, DataError> {
    in_range(
        path,
        line,
        "temperature",
        (recorded, &recorded.to_string()),
        TEMPERATURE_RANGE,
    )?;
    let model = map.apply(recorded);
    in_range(
        path,
        line,
        &format!("temperature {recorded} C maps to"),
        (model, &model.to_string()),
        TEMPERATURE_RANGE,
    )
}

/// Parses a finite value.
fn parse_cof(path: &Path, line: usize, field: &str, what: &str) -> Result<f64, DataError> {
    let v: f64 = field.trim().parse().map_err(|_| {
        err(
            path,
            Some(line),
            format!("{what} `{}` is not a number", field.trim()),
        )
    })?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(err(
            path,
            Some(line),
            format!("{what} `{}` is not finite", field.trim()),
        ))
    }
}

/// A CSV series whose stroke numbers have gaps, split into runs of consecutive strokes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesSplit {
    /// The series as the file names it, `T/id`; its parts are labelled `T/id:first-last`.
    pub series: String,
    /// Each gap as `(last stroke before it, first stroke after it)`.
    pub gaps: Vec<(i64, i64)>,
    /// Runs of two strokes or more, each now a series of its own.
    pub segments: usize,
    /// Strokes dropped: runs of a single stroke, which have no transition.
    pub dropped_strokes: usize,
}

impl SeriesSplit {
    /// The gaps as `3->1000, 1200->1300`.
    pub fn gaps_text(&self) -> String {
        self.gaps
            .iter()
            .map(|(a, b)| format!("{a}->{b}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What loading changed about the data beyond reading it: shown to the user by the CLI.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LoadReport {
    /// Series split at stroke-number gaps.
    pub splits: Vec<SeriesSplit>,
}

impl LoadReport {
    /// One line per split series (none when nothing was split), e.g. `series 170/a: stroke
    /// numbers jump 3->1000: split into 2 series (0 single strokes dropped)`.
    pub fn lines(&self) -> Vec<String> {
        self.splits
            .iter()
            .map(|s| {
                format!(
                    "series {}: stroke numbers jump {}: split into {} series ({} single strokes \
                     dropped); a transition is only counted between consecutive strokes",
                    s.series,
                    s.gaps_text(),
                    s.segments,
                    s.dropped_strokes
                )
            })
            .collect()
    }
}

/// `(recorded temperature, series id)` of a CSV series.
type SeriesKey = (f64, String);
/// `(stroke number, cof, line number)` of a CSV row.
type CsvRow = (i64, f64, usize, Option<StrokeFeatureValues>);

/// The feature values of one CSV row: `None` when every feature field is empty, else each parsed
/// and checked against [`StrokeFeatureValues::RANGES`].
fn parse_feature_fields(
    path: &Path,
    line: usize,
    record: &csv::StringRecord,
    cols: &[usize],
) -> Result<Option<StrokeFeatureValues>, DataError> {
    let fields: Vec<&str> = cols.iter().map(|&c| &record[c]).collect();
    if fields.iter().all(|f| f.is_empty()) {
        return Ok(None);
    }
    let mut v = [0.0; 4];
    for (k, field) in fields.iter().enumerate() {
        let name = FEATURE_COLUMNS[k];
        if field.is_empty() {
            return Err(err(
                path,
                Some(line),
                format!(
                    "column `{name}` is empty while other feature columns of the row are not \
                     (leave all of them empty for a stroke without features)"
                ),
            ));
        }
        let what = format!("column `{name}`: value");
        let x = parse_cof(path, line, field, &what)?;
        v[k] = in_range(
            path,
            Some(line),
            &what,
            (x, field),
            StrokeFeatureValues::RANGES[k],
        )?;
    }
    Ok(Some(StrokeFeatureValues {
        std: v[0],
        breakaway_peak: v[1],
        run_in_high_share: v[2],
        exit_peak: v[3],
    }))
}

impl Dataset {
    /// Gives every series loaded from a folder whose `<dir>/<label>/strokes/` holds raw stroke
    /// recordings its per-stroke features, computed by the core's extractor in `f64`
    /// ([`crate::averaging::average_folder`] with `settings`); a series without such a folder keeps
    /// `features: None` (the fallback of [`Series::features`]).
    ///
    /// # Errors
    /// [`DataError`] naming the folder: a stroke file the extractor refuses, a stroke count that
    /// differs from the series', or a recomputed stroke mean more than `1e-9` from the series'
    /// COF (the recordings do not belong to that `mean.txt`).
    ///
    /// ```no_run
    /// use galling::features::FeatureSettings;
    /// use host_train::dataset::{Dataset, TemperatureMap};
    /// let dir = std::path::Path::new("../shared/galling-data");
    /// let mut data = Dataset::load(dir, &TemperatureMap::default())?;
    /// data.attach_stroke_features(dir, FeatureSettings::DEFAULT)?;
    /// assert!(data.series[0].features.is_none()); // 25 C: no raw strokes
    /// # Ok::<(), host_train::dataset::DataError>(())
    /// ```
    pub fn attach_stroke_features(
        &mut self,
        dir: &Path,
        settings: FeatureSettings,
    ) -> Result<(), DataError> {
        for s in &mut self.series {
            let strokes = dir.join(&s.label).join("strokes");
            if !strokes.is_dir() {
                continue;
            }
            let records = crate::averaging::average_folder::<f64>(
                &strokes,
                settings,
                &crate::progress::ignore,
            )
            .map_err(|e| err(&e.path, e.line, e.to_string()))?;
            if records.len() != s.cof.len() {
                return Err(err(
                    &strokes,
                    None,
                    format!(
                        "{} stroke files, but series `{}` has {} strokes",
                        records.len(),
                        s.label,
                        s.cof.len()
                    ),
                ));
            }
            let mut features = Vec::with_capacity(records.len());
            for (r, &cof) in records.iter().zip(&s.cof) {
                let f: &StrokeFeatures<f64> = &r.features;
                if (f.mean - cof).abs() > 1e-9 {
                    return Err(err(
                        &r.path,
                        None,
                        format!(
                            "stroke mean {} differs from the series' COF {cof} (stroke {} of \
                             `{}`): the recordings do not belong to this series",
                            f.mean,
                            features.len(),
                            s.label
                        ),
                    ));
                }
                features.push(StrokeFeatureValues::from(f));
            }
            s.features = Some(features);
        }
        Ok(())
    }

    /// Loads a folder of `<T>/mean.txt` series (the galling-data layout) or a CSV file, by what
    /// `path` is. What loading split is dropped here: [`load_reported`](Self::load_reported)
    /// returns it for the user to see.
    ///
    /// # Errors
    /// [`DataError`] naming the file or folder, and the line where one applies.
    pub fn load(path: impl AsRef<Path>, map: &TemperatureMap) -> Result<Self, DataError> {
        Ok(Self::load_reported(path, map)?.0)
    }

    /// [`load`](Self::load), and the [`LoadReport`] of what it split (CSV series with gaps in
    /// their stroke numbers, see [`parse_csv_reported`](Self::parse_csv_reported)).
    ///
    /// # Errors
    /// [`DataError`] naming the file or folder, and the line where one applies.
    pub fn load_reported(
        path: impl AsRef<Path>,
        map: &TemperatureMap,
    ) -> Result<(Self, LoadReport), DataError> {
        let path = path.as_ref();
        if path.is_dir() {
            Ok((Self::load_dir(path, map)?, LoadReport::default()))
        } else {
            let text = std::fs::read_to_string(path)
                .map_err(|e| err(path, None, format!("cannot read: {e}")))?;
            Self::parse_csv_reported(path, &text, map)
        }
    }

    /// Loads every `<T>/mean.txt` below `dir` (`T` a temperature in degC, one COF per line). Files
    /// and folders not named as a number beside them are ignored, unless such a folder holds a
    /// `mean.txt` (then its name is wrong).
    ///
    /// # Errors
    /// [`DataError`] naming the folder or file: a folder named `NaN` or `inf`, a temperature folder
    /// without `mean.txt`, a value that is not a number or is out of range (with its line).
    pub fn load_dir(dir: &Path, map: &TemperatureMap) -> Result<Self, DataError> {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| err(dir, None, format!("cannot read folder: {e}")))?;
        let mut series = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| err(dir, None, format!("cannot read folder: {e}")))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let folder = entry.path();
            if !folder.is_dir() {
                continue; // a file beside the series folders, e.g. README.md
            }
            let mean = folder.join("mean.txt");
            let recorded = match name.parse::<f64>() {
                Ok(t) if t.is_finite() => t,
                Ok(_) => {
                    return Err(err(
                        &folder,
                        None,
                        format!("folder name `{name}` is not a finite temperature in degC"),
                    ));
                }
                Err(_) if mean.is_file() => {
                    return Err(err(
                        &folder,
                        None,
                        format!(
                            "holds mean.txt, but its name `{name}` is not a temperature: name a \
                             series folder by its die temperature in degC, e.g. 170"
                        ),
                    ));
                }
                Err(_) => continue, // not a series folder
            };
            if !mean.is_file() {
                return Err(err(
                    &folder,
                    None,
                    "no mean.txt: a <temperature> folder holds its series as mean.txt, one COF a \
                     line (`host-train average` writes it from raw stroke recordings)",
                ));
            }
            let text = std::fs::read_to_string(&mean)
                .map_err(|e| err(&mean, None, format!("cannot read: {e}")))?;
            let mut cof = Vec::new();
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    return Err(err(&mean, Some(i + 1), "empty line inside the series"));
                }
                cof.push(parse_in(&mean, i + 1, line, "COF", COF_RANGE)?);
            }
            if cof.len() < 2 {
                return Err(err(
                    &mean,
                    None,
                    format!("series has {} strokes, at least 2 are needed", cof.len()),
                ));
            }
            let temperature = model_temperature(&entry.path(), None, map, recorded)?;
            series.push(Series {
                label: name,
                recorded_temperature: recorded,
                temperature,
                cof,
                features: None,
            });
        }
        if series.is_empty() {
            return Err(err(dir, None, "no <temperature>/mean.txt series found"));
        }
        series.sort_by(|a, b| {
            a.recorded_temperature
                .total_cmp(&b.recorded_temperature)
                .then(a.label.cmp(&b.label))
        });
        Ok(Self { series })
    }

    /// Loads a CSV with the header `temperature,series,stroke,cof` (columns in any order). Rows of one
    /// `(temperature, series)` form a series ordered by the integer `stroke`; where stroke numbers
    /// jump, the series is split (see [`parse_csv_reported`](Self::parse_csv_reported)).
    ///
    /// # Errors
    /// [`DataError`] naming the file and line.
    pub fn load_csv(path: &Path, map: &TemperatureMap) -> Result<Self, DataError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| err(path, None, format!("cannot read: {e}")))?;
        Self::parse_csv(path, &text, map)
    }

    /// Parses the text of a CSV as [`load_csv`](Self::load_csv) does; `path` only names the source
    /// in errors.
    ///
    /// ```
    /// use host_train::dataset::{Dataset, TemperatureMap};
    /// let text = "temperature,series,stroke,cof\n170,a,1,0.2\n170,a,2,0.3\n";
    /// let d = Dataset::parse_csv("press.csv".as_ref(), text, &TemperatureMap::default())?;
    /// assert_eq!(d.transitions(), 1);
    /// let e = Dataset::parse_csv("press.csv".as_ref(), "temperature,series,stroke,cof\n170,a,1,-1\n", &TemperatureMap::default());
    /// assert!(e.unwrap_err().to_string().starts_with("press.csv:2: cof -1 is outside"));
    /// # Ok::<(), host_train::dataset::DataError>(())
    /// ```
    pub fn parse_csv(path: &Path, text: &str, map: &TemperatureMap) -> Result<Self, DataError> {
        Ok(Self::parse_csv_reported(path, text, map)?.0)
    }

    /// [`parse_csv`](Self::parse_csv), and what it split: a series whose stroke numbers are not
    /// consecutive becomes one series per run of consecutive strokes (a transition is only ever
    /// between stroke `n` and `n + 1`); a run of a single stroke, which has no transition, is
    /// dropped. Fields may be quoted (RFC 4180).
    ///
    /// ```
    /// use host_train::dataset::{Dataset, TemperatureMap};
    /// let text = "temperature,series,stroke,cof\n170,a,1,0.2\n170,a,2,0.3\n170,a,3,0.5\n\
    ///             170,a,1000,0.6\n170,a,1001,0.7\n";
    /// let (d, report) =
    ///     Dataset::parse_csv_reported("press.csv".as_ref(), text, &TemperatureMap::default())?;
    /// assert_eq!(d.series.len(), 2);
    /// assert_eq!(d.transitions(), 3); // 1-2, 2-3, 1000-1001: never 3-1000
    /// assert_eq!(report.splits[0].gaps, vec![(3, 1000)]);
    /// # Ok::<(), host_train::dataset::DataError>(())
    /// ```
    ///
    /// # Errors
    /// [`DataError`] naming the file and line: a bad header, a field that is not a number or is out
    /// of range, a negative or repeated stroke number, a series without two consecutive strokes.
    pub fn parse_csv_reported(
        path: &Path,
        text: &str,
        map: &TemperatureMap,
    ) -> Result<(Self, LoadReport), DataError> {
        let csv_err = |e: csv::Error| {
            let line = e.position().map(|p| p.line() as usize);
            err(path, line, format!("not a valid CSV: {e}"))
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let header = reader.headers().map_err(csv_err)?.clone();
        if header.iter().all(str::is_empty) {
            return Err(err(
                path,
                Some(1),
                "empty file: expected the header temperature,series,stroke,cof",
            ));
        }
        // the four required columns, then the optional feature columns
        let mut col = [usize::MAX; 4 + FEATURE_COLUMNS.len()];
        for (i, name) in header.iter().enumerate() {
            let slot = match name {
                "temperature" => 0,
                "series" => 1,
                "stroke" => 2,
                "cof" => 3,
                other => match FEATURE_COLUMNS.iter().position(|f| *f == other) {
                    Some(f) => 4 + f,
                    None => {
                        return Err(err(
                            path,
                            Some(1),
                            format!(
                                "unknown column `{other}` (expected temperature, series, stroke, \
                                 cof, and optionally the feature columns {})",
                                FEATURE_COLUMNS.join(", ")
                            ),
                        ));
                    }
                },
            };
            if col[slot] != usize::MAX {
                return Err(err(path, Some(1), format!("column `{name}` appears twice")));
            }
            col[slot] = i;
        }
        for (slot, name) in ["temperature", "series", "stroke", "cof"]
            .iter()
            .enumerate()
        {
            if col[slot] == usize::MAX {
                return Err(err(path, Some(1), format!("missing column `{name}`")));
            }
        }
        let feature_cols = &col[4..];
        let has_features = feature_cols.iter().any(|&c| c != usize::MAX);
        if let Some(missing) = FEATURE_COLUMNS
            .iter()
            .zip(feature_cols)
            .find(|(_, c)| has_features && **c == usize::MAX)
        {
            return Err(err(
                path,
                Some(1),
                format!(
                    "missing column `{}`: the feature columns come as a set ({})",
                    missing.0,
                    FEATURE_COLUMNS.join(", ")
                ),
            ));
        }
        // Series looked up by (temperature bits, id): linear in the rows, whatever the series count.
        let mut index: HashMap<(u64, String), usize> = HashMap::new();
        let mut groups: Vec<(SeriesKey, Vec<CsvRow>)> = Vec::new();
        for record in reader.records() {
            let record = record.map_err(csv_err)?;
            let n = record.position().map_or(0, |p| p.line() as usize);
            if record.iter().all(str::is_empty) && record.len() <= 1 {
                continue; // a blank line
            }
            if record.len() != header.len() {
                return Err(err(
                    path,
                    Some(n),
                    format!("{} fields, the header has {}", record.len(), header.len()),
                ));
            }
            let t = parse_cof(path, n, &record[col[0]], "temperature")?;
            model_temperature(path, Some(n), map, t)?;
            let id = record[col[1]].to_string();
            let stroke_text = &record[col[2]];
            let stroke: i64 = stroke_text.parse().map_err(|_| {
                err(
                    path,
                    Some(n),
                    format!("stroke `{stroke_text}` is not an integer"),
                )
            })?;
            if stroke < 0 {
                return Err(err(
                    path,
                    Some(n),
                    format!("stroke {stroke} is negative: stroke numbers count up from 0"),
                ));
            }
            let cof = parse_in(path, n, &record[col[3]], "cof", COF_RANGE)?;
            let features = if has_features {
                parse_feature_fields(path, n, &record, feature_cols)?
            } else {
                None
            };
            // +0.0 makes -0 and 0 one key
            let slot = *index
                .entry(((t + 0.0).to_bits(), id))
                .or_insert_with_key(|k| {
                    groups.push(((t, k.1.clone()), Vec::new()));
                    groups.len() - 1
                });
            groups[slot].1.push((stroke, cof, n, features));
        }
        if groups.is_empty() {
            return Err(err(path, None, "no data rows"));
        }
        let mut series = Vec::new();
        let mut report = LoadReport::default();
        for ((t, id), mut rows) in groups {
            rows.sort_by_key(|r| r.0);
            if let Some(w) = rows.windows(2).find(|w| w[0].0 == w[1].0) {
                return Err(err(
                    path,
                    Some(w[1].2),
                    format!(
                        "stroke {} of series `{id}` at {t} C appears twice (also line {})",
                        w[1].0, w[0].2
                    ),
                ));
            }
            if rows.len() < 2 {
                return Err(err(
                    path,
                    Some(rows[0].2),
                    format!("series `{id}` at {t} C has one stroke, at least 2 are needed"),
                ));
            }
            // A series has features on every stroke or on none.
            if let Some(w) = rows
                .windows(2)
                .find(|w| w[0].3.is_some() != w[1].3.is_some())
            {
                let (with, without) = if w[0].3.is_some() {
                    (w[0].2, w[1].2)
                } else {
                    (w[1].2, w[0].2)
                };
                return Err(err(
                    path,
                    Some(without),
                    format!(
                        "series `{id}` at {t} C: this row has no feature values but line {with} \
                         has; give every stroke of a series its features or none"
                    ),
                ));
            }
            // Runs of consecutive stroke numbers.
            let runs: Vec<&[CsvRow]> = rows.chunk_by(|a, b| b.0 == a.0 + 1).collect();
            let label = format!("{t}/{id}");
            if runs.len() == 1 {
                series.push(Series {
                    label,
                    recorded_temperature: t,
                    temperature: map.apply(t),
                    cof: rows.iter().map(|r| r.1).collect(),
                    features: rows.iter().map(|r| r.3).collect(),
                });
                continue;
            }
            let split = SeriesSplit {
                gaps: runs
                    .windows(2)
                    .map(|w| (w[0][w[0].len() - 1].0, w[1][0].0))
                    .collect(),
                segments: runs.iter().filter(|r| r.len() >= 2).count(),
                dropped_strokes: runs.iter().filter(|r| r.len() < 2).count(),
                series: label,
            };
            if split.segments == 0 {
                return Err(err(
                    path,
                    Some(rows[0].2),
                    format!(
                        "series `{id}` at {t} C has no two consecutive stroke numbers (gaps {}), \
                         so no transition",
                        split.gaps_text()
                    ),
                ));
            }
            for run in runs.iter().filter(|r| r.len() >= 2) {
                series.push(Series {
                    label: format!("{}:{}-{}", split.series, run[0].0, run[run.len() - 1].0),
                    recorded_temperature: t,
                    temperature: map.apply(t),
                    cof: run.iter().map(|r| r.1).collect(),
                    features: run.iter().map(|r| r.3).collect(),
                });
            }
            report.splits.push(split);
        }
        series.sort_by(|a, b| {
            a.recorded_temperature
                .total_cmp(&b.recorded_temperature)
                .then(a.label.cmp(&b.label))
        });
        report.splits.sort_by(|a, b| a.series.cmp(&b.series));
        Ok((Self { series }, report))
    }

    /// Total number of stroke-to-stroke transitions.
    pub fn transitions(&self) -> usize {
        self.series.iter().map(Series::transitions).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("galling-dataset-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("data.csv");
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn csv_groups_and_orders_strokes() {
        let p = write(
            "ok",
            "temperature,series,stroke,cof\n170,a,2,0.3\n170,a,1,0.2\n25,b,1,0.2\n25,b,2,0.21\n25,b,3,0.22\n",
        );
        let d = Dataset::load_csv(&p, &TemperatureMap::default()).unwrap();
        assert_eq!(d.series.len(), 2);
        assert_eq!(d.series[0].temperature, 160.0);
        assert_eq!(d.series[1].cof, vec![0.2, 0.3]);
        assert_eq!(d.transitions(), 3);
    }

    #[test]
    fn csv_feature_columns_are_optional_and_per_series() {
        let text = "temperature,series,stroke,cof,std,breakaway_peak,run_in_high_share,exit_peak\n\
                    170,a,1,0.2,0.01,0.35,0.1,0.3\n170,a,2,0.3,0.02,0.5,0.4,0.6\n\
                    25,b,1,0.2,,,,\n25,b,2,0.21,,,,\n";
        let d = Dataset::parse_csv("f.csv".as_ref(), text, &TemperatureMap::default()).unwrap();
        assert_eq!(d.series[0].features, None); // 25 C: no features
        let f = d.series[1].features.as_ref().unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(
            f[1],
            StrokeFeatureValues {
                std: 0.02,
                breakaway_peak: 0.5,
                run_in_high_share: 0.4,
                exit_peak: 0.6
            }
        );
        // without feature columns every series has none
        let d = Dataset::parse_csv(
            "f.csv".as_ref(),
            "temperature,series,stroke,cof\n170,a,1,0.2\n170,a,2,0.3\n",
            &TemperatureMap::default(),
        )
        .unwrap();
        assert_eq!(d.series[0].features, None);
    }

    #[test]
    fn csv_feature_errors_name_file_line_and_column() {
        let head = "temperature,series,stroke,cof,std,breakaway_peak,run_in_high_share,exit_peak\n";
        let cases = [
            (
                "temperature,series,stroke,cof,breakaway_peak\n170,a,1,0.2,0.3\n".to_string(),
                "f.csv:1: missing column `std`: the feature columns come as a set",
            ),
            (
                format!("{head}170,a,1,0.2,0.01,abc,0.1,0.3\n170,a,2,0.2,0.01,0.3,0.1,0.3\n"),
                "f.csv:2: column `breakaway_peak`: value `abc` is not a number",
            ),
            (
                format!("{head}170,a,1,0.2,0.01,0.3,0.1,0.3\n170,a,2,0.2,0.01,0.3,1.5,0.3\n"),
                "f.csv:3: column `run_in_high_share`: value 1.5 is outside [0, 1]",
            ),
            (
                format!("{head}170,a,1,0.2,0.01,0.3,0.1,inf\n170,a,2,0.2,0.01,0.3,0.1,0.3\n"),
                "f.csv:2: column `exit_peak`: value `inf` is not finite",
            ),
            (
                format!("{head}170,a,1,0.2,0.01,,0.1,0.3\n170,a,2,0.2,0.01,0.3,0.1,0.3\n"),
                "f.csv:2: column `breakaway_peak` is empty while other feature columns",
            ),
            (
                format!("{head}170,a,1,0.2,0.01,0.3,0.1,0.3\n170,a,2,0.2,,,,\n"),
                "f.csv:3: series `a` at 170 C: this row has no feature values but line 2 has",
            ),
        ];
        for (text, want) in cases {
            let e = Dataset::parse_csv("f.csv".as_ref(), &text, &TemperatureMap::default())
                .unwrap_err()
                .to_string();
            assert!(e.starts_with(want), "{e}\n  wanted: {want}");
        }
    }

    #[test]
    fn csv_errors_name_file_and_line() {
        let cases = [
            (
                "nan",
                "temperature,series,stroke,cof\n170,a,1,0.2\n170,a,2,NaN\n",
                ":3: cof `NaN` is not finite",
            ),
            (
                "text",
                "temperature,series,stroke,cof\n170,a,1,abc\n",
                ":2: cof `abc` is not a number",
            ),
            (
                "col",
                "temperature,series,stroke,friction\n",
                ":1: unknown column `friction`",
            ),
            (
                "dup",
                "temperature,series,stroke,cof\n170,a,1,0.2\n170,a,1,0.3\n",
                ":3: stroke 1 of series `a`",
            ),
            (
                "short",
                "temperature,series,stroke,cof\n170,a,1\n",
                ":2: 3 fields",
            ),
            (
                "single",
                "temperature,series,stroke,cof\n170,a,1,0.2\n",
                ":2: series `a` at 170 C has one stroke",
            ),
            ("empty", "temperature,series,stroke,cof\n", "no data rows"),
            (
                "negative stroke",
                "temperature,series,stroke,cof\n170,a,1,0.2\n170,a,2,0.3\n170,a,-5,0.3\n",
                ":4: stroke -5 is negative",
            ),
            (
                "quote",
                "temperature,series,stroke,cof\n170,a,1,0.2\n170,\"a,2,0.3\n",
                ":3: 2 fields",
            ),
            // the monitor's ranges (issue 11: -5 trained a blob, 1e300 gave NaN totals)
            (
                "negative",
                "temperature,series,stroke,cof\n170,a,1,0.2\n170,a,2,-5\n",
                ":3: cof -5 is outside [0, 2]",
            ),
            (
                "huge",
                "temperature,series,stroke,cof\n170,a,1,1e300\n170,a,2,0.2\n",
                ":2: cof 1e300 is outside [0, 2]",
            ),
            (
                "hot",
                "temperature,series,stroke,cof\n170,a,1,0.2\n900,a,2,0.2\n",
                ":3: temperature 900 is outside [-40, 400]",
            ),
        ];
        for (name, text, want) in cases {
            let p = write(name, text);
            let e = Dataset::load_csv(&p, &TemperatureMap::default())
                .unwrap_err()
                .to_string();
            assert!(e.contains(want) && e.contains("data.csv"), "{name}: {e}");
        }
    }

    #[test]
    fn csv_gaps_in_stroke_numbers_split_the_series_and_are_reported() {
        // strokes 1, 2, 1000, 1001, 1002, 5000: transitions 1-2, 1000-1001, 1001-1002 only
        let text = "temperature,series,stroke,cof\n170,a,1,0.2\n170,a,2,0.3\n170,a,1000,0.5\n\
                    170,a,1001,0.6\n170,a,1002,0.7\n170,a,5000,0.9\n170,b,7,0.2\n170,b,8,0.2\n";
        let (d, report) =
            Dataset::parse_csv_reported("p.csv".as_ref(), text, &TemperatureMap::default())
                .unwrap();
        assert_eq!(d.transitions(), 4);
        let labels: Vec<&str> = d.series.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["170/a:1-2", "170/a:1000-1002", "170/b"]);
        assert_eq!(d.series[1].cof, vec![0.5, 0.6, 0.7]);
        assert_eq!(report.splits.len(), 1);
        let split = &report.splits[0];
        assert_eq!(split.series, "170/a");
        assert_eq!(split.gaps, vec![(2, 1000), (1002, 5000)]);
        assert_eq!((split.segments, split.dropped_strokes), (2, 1));
        let lines = report.lines();
        assert_eq!(lines.len(), 1);
        assert!(
            lines[0].contains("170/a") && lines[0].contains("2->1000, 1002->5000"),
            "{lines:?}"
        );
        // a series whose every stroke stands alone has no transition at all
        let e = Dataset::parse_csv(
            "p.csv".as_ref(),
            "temperature,series,stroke,cof\n170,a,1,0.2\n170,a,3,0.3\n",
            &TemperatureMap::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("p.csv:2: series `a` at 170 C has no two consecutive"),
            "{e}"
        );
        // nothing split, nothing reported
        let (_, report) = Dataset::parse_csv_reported(
            "p.csv".as_ref(),
            "temperature,series,stroke,cof\n170,a,1,0.2\n170,a,2,0.3\n",
            &TemperatureMap::default(),
        )
        .unwrap();
        assert!(report.lines().is_empty());
    }

    #[test]
    fn csv_fields_may_be_quoted() {
        let text = "temperature,series,stroke,cof\n170,\"press 3, die \"\"A\"\"\",1,0.2\n\
                    170,\"press 3, die \"\"A\"\"\",2,0.3\n";
        let d = Dataset::parse_csv("p.csv".as_ref(), text, &TemperatureMap::default()).unwrap();
        assert_eq!(d.series[0].label, "170/press 3, die \"A\"");
        assert_eq!(d.transitions(), 1);
    }

    #[test]
    fn csv_with_100k_series_loads() {
        // 100,000 series of two strokes: the series lookup is a hash map (a linear search here
        // took 18.4 s for 200k rows); this is a correctness check, the figure is in README.md.
        let mut text = String::from("temperature,series,stroke,cof\n");
        for i in 0..100_000 {
            text.push_str(&format!("170,s{i},1,0.2\n170,s{i},2,0.3\n"));
        }
        let d = Dataset::parse_csv("p.csv".as_ref(), &text, &TemperatureMap::default()).unwrap();
        assert_eq!(d.series.len(), 100_000);
        assert_eq!(d.transitions(), 100_000);
    }

    #[test]
    fn folders_named_nan_or_inf_and_folders_without_mean_txt_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("170")).unwrap();
        std::fs::write(dir.path().join("170/mean.txt"), "0.2\n0.3\n").unwrap();
        std::fs::write(dir.path().join("README.md"), "notes").unwrap();
        std::fs::create_dir_all(dir.path().join("plots")).unwrap();
        // files and other folders beside the series are ignored
        assert_eq!(
            Dataset::load_dir(dir.path(), &TemperatureMap::default())
                .unwrap()
                .series
                .len(),
            1
        );
        for name in ["NaN", "inf", "-infinity"] {
            let bad = dir.path().join(name);
            std::fs::create_dir_all(&bad).unwrap();
            std::fs::write(bad.join("mean.txt"), "0.2\n0.3\n").unwrap();
            let e = Dataset::load_dir(dir.path(), &TemperatureMap::default())
                .unwrap_err()
                .to_string();
            assert!(
                e.contains(&format!(
                    "{name}: folder name `{name}` is not a finite temperature"
                )),
                "{e}"
            );
            std::fs::remove_dir_all(&bad).unwrap();
        }
        std::fs::create_dir_all(dir.path().join("165/strokes")).unwrap();
        let e = Dataset::load_dir(dir.path(), &TemperatureMap::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("165: no mean.txt"), "{e}");
        std::fs::remove_dir_all(dir.path().join("165")).unwrap();
        std::fs::create_dir_all(dir.path().join("170C")).unwrap();
        std::fs::write(dir.path().join("170C/mean.txt"), "0.2\n0.3\n").unwrap();
        let e = Dataset::load_dir(dir.path(), &TemperatureMap::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("170C: holds mean.txt, but its name"), "{e}");
    }

    #[test]
    fn folder_values_and_mapped_temperatures_are_bounded() {
        let dir =
            std::env::temp_dir().join(format!("galling-dataset-{}-folder", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("170")).unwrap();
        std::fs::write(dir.join("170/mean.txt"), "0.2\n2.5\n").unwrap();
        let e = Dataset::load_dir(&dir, &TemperatureMap::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("170/mean.txt:2: COF 2.5 is outside [0, 2]"),
            "{e}"
        );
        std::fs::write(dir.join("170/mean.txt"), "0.2\n0.3\n").unwrap();
        let map = TemperatureMap::parse("170:500").unwrap();
        let e = Dataset::load_dir(&dir, &map).unwrap_err().to_string();
        assert!(
            e.contains("170: temperature 170 C maps to 500 is outside [-40, 400]"),
            "{e}"
        );
        std::fs::create_dir_all(dir.join("-60")).unwrap();
        std::fs::write(dir.join("-60/mean.txt"), "0.2\n0.3\n").unwrap();
        let e = Dataset::load_dir(&dir, &TemperatureMap::identity())
            .unwrap_err()
            .to_string();
        assert!(e.contains("-60: temperature -60 is outside"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn mapping_parses_and_rejects_garbage() {
        assert_eq!(
            TemperatureMap::parse("").unwrap(),
            TemperatureMap::identity()
        );
        let e = TemperatureMap::parse("20:150, 25=160").unwrap_err();
        assert_eq!(e.pair, "25=160");
        assert!(e.to_string().contains("RECORDED:MODEL"), "{e}");
        let e = TemperatureMap::parse("25:hot").unwrap_err();
        assert_eq!(e.pair, "25:hot");
        assert!(e.to_string().contains("`hot`"), "{e}");
    }
}
