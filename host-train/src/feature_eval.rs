//! Which stroke features see galling coming: the AUC of ranking clean strokes by one figure of the
//! stroke for the event "the COF rises above the onset level within the next `k` strokes", and the
//! rank correlation between the figures (how much one repeats another).
//!
//! The protocol of issue 16's table: every series with per-stroke features
//! ([`Series::features`](crate::dataset::Series::features)); a stroke counts when its COF is below
//! the clean level (0.35) and at least `k` strokes follow it in its series; it is positive when one
//! of the next `k` strokes has a COF above the onset level (0.50). The AUC is the Mann-Whitney
//! probability that a positive stroke ranks above a negative one (ties count one half); it is
//! computed once per horizon over all qualifying strokes of all series together.
//!
//! ```
//! use host_train::dataset::{Series, StrokeFeatureValues};
//! use host_train::feature_eval::{FeatureEval, feature_auc};
//! let f = |peak: f64| StrokeFeatureValues { std: 0.01, breakaway_peak: peak, run_in_high_share: 0.0, exit_peak: 0.2 };
//! let s = Series { label: "170".into(), recorded_temperature: 170.0, temperature: 170.0,
//!     cof: vec![0.2, 0.2, 0.2, 0.6],
//!     features: Some(vec![f(0.2), f(0.3), f(0.5), f(0.7)]) };
//! let table = feature_auc(&[s], &FeatureEval { horizons: vec![1], ..FeatureEval::ISSUE_16 });
//! assert_eq!(table.positives, vec![1]);                     // stroke 2 precedes the 0.6
//! assert_eq!(table.auc[2][0], 1.0);                          // breakaway peak ranks it first
//! ```

use crate::dataset::{FEATURE_COLUMNS, Series};

/// The figures ranked, in table order: the stroke mean (what the model sees today), then the
/// feature columns ([`FEATURE_COLUMNS`]).
pub const FIGURES: [&str; 5] = [
    "cof",
    FEATURE_COLUMNS[0],
    FEATURE_COLUMNS[1],
    FEATURE_COLUMNS[2],
    FEATURE_COLUMNS[3],
];

/// The levels and horizons of the evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureEval {
    /// A stroke counts when its COF is below this.
    pub clean_below: f64,
    /// An event is a COF above this.
    pub onset_above: f64,
    /// The horizons `k`, strokes.
    pub horizons: Vec<usize>,
}

impl FeatureEval {
    /// Issue 16's protocol: clean below 0.35, onset above 0.50, `k` = 1, 3, 5, 10.
    pub const ISSUE_16: Self = Self {
        clean_below: 0.35,
        onset_above: 0.50,
        horizons: Vec::new(),
    };

    /// [`ISSUE_16`](Self::ISSUE_16) with its horizons 1, 3, 5, 10.
    ///
    /// ```
    /// assert_eq!(host_train::feature_eval::FeatureEval::issue_16().horizons, vec![1, 3, 5, 10]);
    /// ```
    pub fn issue_16() -> Self {
        Self {
            horizons: vec![1, 3, 5, 10],
            ..Self::ISSUE_16
        }
    }
}

/// The AUC table and the correlation between the figures.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureAucTable {
    /// The horizons, as asked.
    pub horizons: Vec<usize>,
    /// Qualifying strokes per horizon.
    pub strokes: Vec<usize>,
    /// Positive strokes per horizon.
    pub positives: Vec<usize>,
    /// `auc[figure][horizon]`, figures in [`FIGURES`] order (NaN where a horizon has no positive
    /// or no negative stroke).
    pub auc: Vec<Vec<f64>>,
    /// Spearman rank correlation between the figures over every clean stroke with features,
    /// `[FIGURES.len()][FIGURES.len()]`.
    pub correlation: Vec<Vec<f64>>,
    /// Clean strokes the correlation is computed over.
    pub clean_strokes: usize,
}

fn figures(s: &Series, i: usize) -> Option<[f64; 5]> {
    let f = s.features.as_ref()?.get(i)?;
    let v = f.values();
    Some([s.cof[i], v[0], v[1], v[2], v[3]])
}

/// Mann-Whitney AUC of `positive` against `negative` (ties one half); NaN if either is empty.
///
/// ```
/// assert_eq!(host_train::feature_eval::auc(&[2.0, 3.0], &[1.0, 2.0]), 0.875);
/// ```
pub fn auc(positive: &[f64], negative: &[f64]) -> f64 {
    if positive.is_empty() || negative.is_empty() {
        return f64::NAN;
    }
    let mut wins = 0.0;
    for p in positive {
        for n in negative {
            wins += if p > n {
                1.0
            } else if p == n {
                0.5
            } else {
                0.0
            };
        }
    }
    wins / (positive.len() as f64 * negative.len() as f64)
}

/// Average ranks (ties share their mean rank), 1-based.
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut out = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let r = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            out[k] = r;
        }
        i = j + 1;
    }
    out
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    sab / (saa * sbb).sqrt()
}

/// The AUC table of every figure in [`FIGURES`] over the series with features (see the module docs).
pub fn feature_auc(series: &[Series], eval: &FeatureEval) -> FeatureAucTable {
    let mut table = FeatureAucTable {
        horizons: eval.horizons.clone(),
        strokes: Vec::new(),
        positives: Vec::new(),
        auc: vec![Vec::new(); FIGURES.len()],
        correlation: Vec::new(),
        clean_strokes: 0,
    };
    for &k in &eval.horizons {
        let (mut pos, mut neg): (Vec<[f64; 5]>, Vec<[f64; 5]>) = (Vec::new(), Vec::new());
        for s in series {
            for i in 0..s.cof.len() {
                if s.cof[i] >= eval.clean_below || i + k >= s.cof.len() {
                    continue;
                }
                let Some(f) = figures(s, i) else { continue };
                if s.cof[i + 1..=i + k].iter().any(|&c| c > eval.onset_above) {
                    pos.push(f);
                } else {
                    neg.push(f);
                }
            }
        }
        table.strokes.push(pos.len() + neg.len());
        table.positives.push(pos.len());
        for (j, row) in table.auc.iter_mut().enumerate() {
            let p: Vec<f64> = pos.iter().map(|f| f[j]).collect();
            let n: Vec<f64> = neg.iter().map(|f| f[j]).collect();
            row.push(auc(&p, &n));
        }
    }
    let clean: Vec<[f64; 5]> = series
        .iter()
        .flat_map(|s| (0..s.cof.len()).filter_map(move |i| figures(s, i)))
        .filter(|f| f[0] < eval.clean_below)
        .collect();
    table.clean_strokes = clean.len();
    let ranked: Vec<Vec<f64>> = (0..FIGURES.len())
        .map(|j| ranks(&clean.iter().map(|f| f[j]).collect::<Vec<_>>()))
        .collect();
    table.correlation = ranked
        .iter()
        .map(|a| ranked.iter().map(|b| pearson(a, b)).collect())
        .collect();
    table
}

impl FeatureAucTable {
    /// The table as Markdown: one row per figure, one AUC column per horizon, the positives in the
    /// header; then the correlation matrix.
    ///
    /// ```
    /// # use host_train::feature_eval::{FeatureEval, feature_auc};
    /// let md = feature_auc(&[], &FeatureEval::issue_16()).markdown();
    /// assert!(md.starts_with("| figure of the stroke | k = 1"));
    /// ```
    pub fn markdown(&self) -> String {
        let mut s = String::from("| figure of the stroke |");
        for (k, (p, n)) in self
            .horizons
            .iter()
            .zip(self.positives.iter().zip(&self.strokes))
        {
            s.push_str(&format!(" k = {k} ({p} of {n}) |"));
        }
        s.push_str("\n|---|");
        s.push_str(&"---|".repeat(self.horizons.len()));
        s.push('\n');
        for (name, row) in FIGURES.iter().zip(&self.auc) {
            s.push_str(&format!("| `{name}` |"));
            for a in row {
                s.push_str(&format!(" {a:.3} |"));
            }
            s.push('\n');
        }
        s.push_str(&format!(
            "\nSpearman correlation over {} clean strokes:\n\n|  |",
            self.clean_strokes
        ));
        for name in FIGURES {
            s.push_str(&format!(" `{name}` |"));
        }
        s.push_str("\n|---|");
        s.push_str(&"---|".repeat(FIGURES.len()));
        s.push('\n');
        for (name, row) in FIGURES.iter().zip(&self.correlation) {
            s.push_str(&format!("| `{name}` |"));
            for c in row {
                s.push_str(&format!(" {c:.2} |"));
            }
            s.push('\n');
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::StrokeFeatureValues;

    #[test]
    fn ranks_share_ties_and_correlation_is_one_on_itself() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
        let r = ranks(&[0.1, 0.5, 0.2]);
        assert!((pearson(&r, &r) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn strokes_without_features_or_future_are_left_out() {
        let f = |x: f64| StrokeFeatureValues {
            std: x,
            breakaway_peak: x,
            run_in_high_share: x,
            exit_peak: x,
        };
        let with = Series {
            label: "a".into(),
            recorded_temperature: 170.0,
            temperature: 170.0,
            cof: vec![0.2, 0.3, 0.6, 0.2, 0.2],
            features: Some(vec![f(0.1), f(0.4), f(0.9), f(0.1), f(0.2)]),
        };
        let without = Series {
            features: None,
            label: "b".into(),
            ..with.clone()
        };
        let t = feature_auc(
            &[with, without],
            &FeatureEval {
                horizons: vec![1, 3],
                ..FeatureEval::ISSUE_16
            },
        );
        // k = 1: strokes 0, 1, 3 qualify (2 is not clean, 4 has no next); stroke 1 is positive
        assert_eq!((t.strokes[0], t.positives[0]), (3, 1));
        assert_eq!(t.auc[1][0], 1.0);
        // k = 3: strokes 0 and 1 qualify, both positive: no negative, AUC undefined
        assert_eq!((t.strokes[1], t.positives[1]), (2, 2));
        assert!(t.auc[1][1].is_nan());
        assert_eq!(t.clean_strokes, 4);
    }
}
