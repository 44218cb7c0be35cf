//! Train/test splits of a data set that respect the order of strokes.
//!
//! - [`blocked_folds`]: each series is cut into `k` contiguous blocks of (nearly) equal length;
//!   fold `f` holds out block `f` of *every* series and trains on the rest. What remains of a series
//!   around its held-out block becomes separate sub-series ([`subset`]), so no training transition
//!   spans the gap.
//! - [`temporal_split`]: train on the first part of each series, test on the rest.
//!
//! Everything here is deterministic (no shuffling).

use crate::dataset::{Dataset, Series};
use std::ops::Range;

/// A contiguous stretch of one series.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Piece {
    /// Index of the series in the data set.
    pub series: usize,
    /// Stroke indices of the stretch.
    pub strokes: Range<usize>,
}

/// One train/test split.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Split {
    /// Name (`"fold 1/5"`, `"temporal 70/30"`).
    pub name: String,
    /// Stretches to fit on.
    pub train: Vec<Piece>,
    /// Stretches to test on.
    pub test: Vec<Piece>,
}

/// Why the data cannot be split.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SplitError {
    /// Fewer than two folds asked for.
    #[error("need at least 2 folds, got {0}")]
    TooFewFolds(usize),
    /// A series is too short for the split.
    #[error(
        "series {label} has {strokes} strokes: too short for {what} (every stretch needs {need} strokes)"
    )]
    SeriesTooShort {
        /// Its label.
        label: String,
        /// Its length.
        strokes: usize,
        /// The split.
        what: String,
        /// Strokes each stretch needs.
        need: usize,
    },
    /// The training fraction is not strictly between 0 and 1.
    #[error("training fraction must lie strictly between 0 and 1, got {0}")]
    BadFraction(f64),
}

/// `k` contiguous blocks covering `0..n`, the first `n % k` one stroke longer.
///
/// ```
/// use host_train::validation::folds::blocks;
/// assert_eq!(blocks(7, 3), vec![0..3, 3..5, 5..7]);
/// ```
pub fn blocks(n: usize, k: usize) -> Vec<Range<usize>> {
    let k = k.max(1);
    let (base, extra) = (n / k, n % k);
    let mut start = 0;
    (0..k)
        .map(|b| {
            let len = base + usize::from(b < extra);
            let r = start..start + len;
            start += len;
            r
        })
        .collect()
}

/// Blocked `folds`-fold cross-validation over every series of `data`; each block must hold at
/// least `min_block` strokes (at least 2).
///
/// # Errors
/// [`SplitError::TooFewFolds`] or [`SplitError::SeriesTooShort`].
pub fn blocked_folds(
    data: &Dataset,
    folds: usize,
    min_block: usize,
) -> Result<Vec<Split>, SplitError> {
    if folds < 2 {
        return Err(SplitError::TooFewFolds(folds));
    }
    let need = min_block.max(2);
    let per_series: Vec<Vec<Range<usize>>> = data
        .series
        .iter()
        .map(|s| {
            let b = blocks(s.cof.len(), folds);
            if b.iter().any(|r| r.len() < need) {
                Err(SplitError::SeriesTooShort {
                    label: s.label.clone(),
                    strokes: s.cof.len(),
                    what: format!("{folds} folds"),
                    need,
                })
            } else {
                Ok(b)
            }
        })
        .collect::<Result<_, _>>()?;
    Ok((0..folds)
        .map(|f| {
            let mut train = Vec::new();
            let mut test = Vec::new();
            for (series, b) in per_series.iter().enumerate() {
                let held = b[f].clone();
                test.push(Piece {
                    series,
                    strokes: held.clone(),
                });
                let n = b.last().map_or(0, |r| r.end);
                for strokes in [0..held.start, held.end..n] {
                    if !strokes.is_empty() {
                        train.push(Piece { series, strokes });
                    }
                }
            }
            Split {
                name: format!("fold {}/{folds}", f + 1),
                train,
                test,
            }
        })
        .collect())
}

/// Train on the first `floor(fraction * n)` strokes of every series, test on the rest; both parts
/// must hold at least `min_part` strokes (at least 2).
///
/// # Errors
/// [`SplitError::BadFraction`] or [`SplitError::SeriesTooShort`].
pub fn temporal_split(data: &Dataset, fraction: f64, min_part: usize) -> Result<Split, SplitError> {
    if !(fraction > 0.0 && fraction < 1.0) {
        return Err(SplitError::BadFraction(fraction));
    }
    let need = min_part.max(2);
    let mut train = Vec::new();
    let mut test = Vec::new();
    for (series, s) in data.series.iter().enumerate() {
        let n = s.cof.len();
        let cut = (fraction * n as f64).floor() as usize;
        if cut < need || n - cut < need {
            return Err(SplitError::SeriesTooShort {
                label: s.label.clone(),
                strokes: n,
                what: format!(
                    "a {:.0}/{:.0} split",
                    fraction * 100.0,
                    (1.0 - fraction) * 100.0
                ),
                need,
            });
        }
        train.push(Piece {
            series,
            strokes: 0..cut,
        });
        test.push(Piece {
            series,
            strokes: cut..n,
        });
    }
    Ok(Split {
        name: format!(
            "temporal {:.0}/{:.0}",
            fraction * 100.0,
            (1.0 - fraction) * 100.0
        ),
        train,
        test,
    })
}

/// The stretches as a data set of separate series (labels `<label>[a..b]`), so that a fit or a
/// log-likelihood never sees a transition across the gaps between them.
pub fn subset(data: &Dataset, pieces: &[Piece]) -> Dataset {
    Dataset {
        series: pieces
            .iter()
            .map(|p| {
                let s = &data.series[p.series];
                Series {
                    label: format!("{}[{}..{}]", s.label, p.strokes.start, p.strokes.end),
                    recorded_temperature: s.recorded_temperature,
                    temperature: s.temperature,
                    cof: s.cof[p.strokes.clone()].to_vec(),
                    features: s.features.as_ref().map(|f| f[p.strokes.clone()].to_vec()),
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(lengths: &[usize]) -> Dataset {
        Dataset {
            series: lengths
                .iter()
                .enumerate()
                .map(|(i, &n)| Series {
                    label: format!("s{i}"),
                    recorded_temperature: 160.0 + i as f64,
                    temperature: 160.0 + i as f64,
                    cof: (0..n).map(|j| (i * 1000 + j) as f64).collect(),
                    features: None,
                })
                .collect(),
        }
    }

    #[test]
    fn blocks_cover_exactly_once() {
        for n in 0..40 {
            for k in 1..7 {
                let b = blocks(n, k);
                assert_eq!(b.len(), k);
                let covered: Vec<usize> = b.iter().flat_map(|r| r.clone()).collect();
                assert_eq!(covered, (0..n).collect::<Vec<_>>());
                let lens: Vec<usize> = b.iter().map(|r| r.len()).collect();
                assert!(lens.iter().max().unwrap() - lens.iter().min().unwrap() <= 1);
            }
        }
    }

    #[test]
    fn a_fold_trains_on_everything_it_does_not_test() {
        let d = data(&[23, 10]);
        let folds = blocked_folds(&d, 3, 2).unwrap();
        for f in &folds {
            for (s, series) in d.series.iter().enumerate() {
                let mut seen = vec![0; series.cof.len()];
                for p in f.train.iter().chain(&f.test).filter(|p| p.series == s) {
                    for i in p.strokes.clone() {
                        seen[i] += 1;
                    }
                }
                assert!(seen.iter().all(|&c| c == 1), "{}: {seen:?}", f.name);
            }
        }
    }

    #[test]
    fn sub_series_never_span_the_held_out_block() {
        let d = data(&[30]);
        let folds = blocked_folds(&d, 3, 2).unwrap();
        let middle = subset(&d, &folds[1].train);
        assert_eq!(middle.series.len(), 2);
        for s in &middle.series {
            // Values are consecutive stroke indices: a gap would show as a step of more than 1.
            assert!(s.cof.windows(2).all(|w| w[1] - w[0] == 1.0), "{}", s.label);
        }
        assert_eq!(middle.transitions(), 30 - 10 - 2);
    }

    #[test]
    fn short_series_and_bad_settings_are_refused() {
        assert_eq!(
            blocked_folds(&data(&[10]), 1, 2),
            Err(SplitError::TooFewFolds(1))
        );
        assert!(matches!(
            blocked_folds(&data(&[50, 9]), 5, 2),
            Err(SplitError::SeriesTooShort { strokes: 9, .. })
        ));
        assert!(temporal_split(&data(&[10]), 1.0, 2).is_err());
        let t = temporal_split(&data(&[10]), 0.7, 2).unwrap();
        assert_eq!(t.train[0].strokes, 0..7);
        assert_eq!(t.test[0].strokes, 7..10);
    }
}
