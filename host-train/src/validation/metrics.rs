//! Scores of probability forecasts of a binary event, and the event itself.
//!
//! - The event of stroke `i` with horizon `k`: the COF of one of the next `k` strokes
//!   (`i + 1 ..= i + k`) is above the threshold ([`event_labels`]); strokes whose `k`-stroke future
//!   runs past the end of their stretch of data are *censored* (`None`) and never scored.
//! - [`brier`]: mean squared difference between forecast probability and outcome (0 or 1).
//! - [`reliability`]: predicted against observed frequency per forecast bin.
//! - [`Isotonic`] and [`Platt`]: recalibration maps fitted on training forecasts.
//! - [`BlockBootstrap`] and [`percentile`]: uncertainty from resampling blocks of strokes.

use galling::rand_core::{Rng, SeedableRng};

/// The event labels of a stretch of consecutive strokes: `Some(true)` when a COF of strokes
/// `i + 1 ..= i + k` exceeds `threshold` (strictly, as the forecaster's), `Some(false)` when none
/// does, `None` (censored) when `i + k` lies past the end.
///
/// ```
/// use host_train::validation::metrics::event_labels;
/// let cof = [0.2, 0.2, 0.6, 0.2, 0.2];
/// assert_eq!(event_labels(&cof, 0.5, 2), vec![Some(true), Some(true), Some(false), None, None]);
/// ```
pub fn event_labels(cof: &[f64], threshold: f64, k: usize) -> Vec<Option<bool>> {
    (0..cof.len())
        .map(|i| {
            let end = i.checked_add(k)?;
            (end < cof.len()).then(|| cof[i + 1..=end].iter().any(|&c| c > threshold))
        })
        .collect()
}

/// Brier score: `mean((p - y)^2)`; NaN for no forecast.
///
/// ```
/// use host_train::validation::metrics::brier;
/// assert_eq!(brier(&[1.0, 0.0, 0.5, 0.5], &[true, false, true, false]), 0.125);
/// ```
pub fn brier(predicted: &[f64], observed: &[bool]) -> f64 {
    debug_assert_eq!(predicted.len(), observed.len());
    if predicted.is_empty() {
        return f64::NAN;
    }
    let sum: f64 = predicted
        .iter()
        .zip(observed)
        .map(|(&p, &y)| (p - f64::from(u8::from(y))).powi(2))
        .sum();
    sum / predicted.len() as f64
}

/// Brier skill score of a Brier score against a reference: `1 - brier / reference` (NaN when the
/// reference is 0 or NaN). Positive: better than the reference; 1: perfect.
pub fn skill(brier: f64, reference: f64) -> f64 {
    if reference > 0.0 {
        1.0 - brier / reference
    } else {
        f64::NAN
    }
}

/// One bin of a reliability diagram.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ReliabilityBin {
    /// Lower edge of the forecast bin (inclusive).
    pub low: f64,
    /// Upper edge (exclusive, inclusive for the last bin).
    pub high: f64,
    /// Forecasts in the bin.
    pub count: usize,
    /// Events among them.
    pub events: usize,
    /// Mean forecast probability in the bin (NaN when empty).
    pub mean_predicted: f64,
    /// Observed event frequency in the bin (NaN when empty).
    pub observed_frequency: f64,
}

/// Reliability table with `bins` equal-width bins over `[0, 1]` (forecasts outside are clamped
/// into the end bins).
///
/// ```
/// use host_train::validation::metrics::reliability;
/// let t = reliability(&[0.05, 0.15, 0.12, 0.95], &[false, true, false, true], 10);
/// assert_eq!((t[1].count, t[1].events), (2, 1));
/// assert_eq!(t[1].observed_frequency, 0.5);
/// assert_eq!(t[9].count, 1);
/// assert!(t[5].mean_predicted.is_nan());
/// ```
pub fn reliability(predicted: &[f64], observed: &[bool], bins: usize) -> Vec<ReliabilityBin> {
    let bins = bins.max(1);
    let mut count = vec![0usize; bins];
    let mut events = vec![0usize; bins];
    let mut sum = vec![0.0f64; bins];
    for (&p, &y) in predicted.iter().zip(observed) {
        let b = ((p * bins as f64).floor().max(0.0) as usize).min(bins - 1);
        count[b] += 1;
        events[b] += usize::from(y);
        sum[b] += p;
    }
    (0..bins)
        .map(|b| {
            let n = count[b] as f64;
            ReliabilityBin {
                low: b as f64 / bins as f64,
                high: (b + 1) as f64 / bins as f64,
                count: count[b],
                events: events[b],
                mean_predicted: if count[b] > 0 { sum[b] / n } else { f64::NAN },
                observed_frequency: if count[b] > 0 {
                    events[b] as f64 / n
                } else {
                    f64::NAN
                },
            }
        })
        .collect()
}

/// Isotonic regression of outcomes on forecasts (pool-adjacent-violators): a non-decreasing map
/// from forecast to probability, constant over the forecasts of each pooled block, linear between
/// blocks and constant beyond the ends.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Isotonic {
    /// `(forecast, fitted probability)` at the lowest and highest forecast of each pooled block,
    /// non-decreasing in both.
    pub knots: Vec<(f64, f64)>,
}

impl Isotonic {
    /// Fits the map; with no data it is the identity.
    ///
    /// ```
    /// use host_train::validation::metrics::Isotonic;
    /// let iso = Isotonic::fit(&[0.1, 0.2, 0.3, 0.4], &[false, true, false, true]);
    /// assert_eq!(iso.knots, vec![(0.1, 0.0), (0.2, 0.5), (0.3, 0.5), (0.4, 1.0)]);
    /// assert_eq!(iso.apply(0.25), 0.5);
    /// assert!((iso.apply(0.15) - 0.25).abs() < 1e-12);
    /// assert_eq!(iso.apply(0.9), 1.0);
    /// ```
    pub fn fit(predicted: &[f64], observed: &[bool]) -> Self {
        let mut pairs: Vec<(f64, f64)> = predicted
            .iter()
            .zip(observed)
            .map(|(&p, &y)| (p, f64::from(u8::from(y))))
            .collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        // Blocks: (lowest x, highest x, sum y, weight). Equal forecasts are pooled first (a map
        // must be a function).
        let mut blocks: Vec<(f64, f64, f64, f64)> = Vec::new();
        for (x, y) in pairs {
            match blocks.last_mut() {
                Some(b) if x == b.1 => {
                    b.2 += y;
                    b.3 += 1.0;
                }
                _ => blocks.push((x, x, y, 1.0)),
            }
            while blocks.len() >= 2 {
                let n = blocks.len();
                let (a, b) = (blocks[n - 2], blocks[n - 1]);
                if a.2 / a.3 < b.2 / b.3 {
                    break;
                }
                blocks.pop();
                blocks[n - 2] = (a.0, b.1, a.2 + b.2, a.3 + b.3);
            }
        }
        let mut knots = Vec::with_capacity(2 * blocks.len());
        for &(lo, hi, sum, w) in &blocks {
            knots.push((lo, sum / w));
            if hi > lo {
                knots.push((hi, sum / w));
            }
        }
        Self { knots }
    }

    /// The recalibrated probability of forecast `p`.
    pub fn apply(&self, p: f64) -> f64 {
        let k = &self.knots;
        let (Some(first), Some(last)) = (k.first(), k.last()) else {
            return p;
        };
        if p <= first.0 {
            return first.1;
        }
        if p >= last.0 {
            return last.1;
        }
        let i = k.partition_point(|&(x, _)| x <= p);
        let (x0, y0) = k[i - 1];
        let (x1, y1) = k[i];
        y0 + (y1 - y0) * (p - x0) / (x1 - x0)
    }
}

/// Platt scaling on the forecast's logit: `p' = 1 / (1 + exp(-(a + b logit(p))))`, with the
/// forecast clipped to `[1e-4, 1 - 1e-4]`, Platt's smoothed targets
/// (`(events + 1) / (events + 2)` and `1 / (non-events + 2)`) and a weak ridge (`1e-3`) towards
/// the identity map (`a = 0`, `b = 1`), so that it exists for any data, even constant forecasts.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Platt {
    /// Intercept `a`.
    pub intercept: f64,
    /// Slope `b`.
    pub slope: f64,
}

const PLATT_CLIP: f64 = 1e-4;

fn logit(p: f64) -> f64 {
    let p = p.clamp(PLATT_CLIP, 1.0 - PLATT_CLIP);
    (p / (1.0 - p)).ln()
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

impl Platt {
    /// Fits `a` and `b` by Newton's method on the smoothed, ridged log-loss.
    ///
    /// ```
    /// use host_train::validation::metrics::Platt;
    /// // Forecasts of 0.9 that come true half the time are pulled towards 0.5.
    /// let p = Platt::fit(&[0.9; 40], &[[true, false]; 20].concat());
    /// assert!((p.apply(0.9) - 0.5).abs() < 0.02);
    /// ```
    pub fn fit(predicted: &[f64], observed: &[bool]) -> Self {
        let positives = observed.iter().filter(|&&y| y).count() as f64;
        let negatives = observed.len() as f64 - positives;
        let hi = (positives + 1.0) / (positives + 2.0);
        let lo = 1.0 / (negatives + 2.0);
        let z: Vec<f64> = predicted.iter().map(|&p| logit(p)).collect();
        let t: Vec<f64> = observed.iter().map(|&y| if y { hi } else { lo }).collect();
        let (mut a, mut b) = (0.0_f64, 1.0_f64);
        let ridge = 1e-3;
        let loss = |a: f64, b: f64| {
            let data: f64 = z
                .iter()
                .zip(&t)
                .map(|(&zi, &ti)| {
                    // log(1 + e^x) computed without overflow.
                    let x = a + b * zi;
                    let softplus = x.max(0.0) + (-x.abs()).exp().ln_1p();
                    softplus - ti * x
                })
                .sum();
            data + 0.5 * ridge * (a * a + (b - 1.0) * (b - 1.0))
        };
        for _ in 0..200 {
            let (mut ga, mut gb, mut haa, mut hab, mut hbb) =
                (ridge * a, ridge * (b - 1.0), ridge, 0.0, ridge);
            for (&zi, &ti) in z.iter().zip(&t) {
                let p = sigmoid(a + b * zi);
                let r = p - ti;
                let w = p * (1.0 - p);
                ga += r;
                gb += r * zi;
                haa += w;
                hab += w * zi;
                hbb += w * zi * zi;
            }
            let det = haa * hbb - hab * hab;
            if det == 0.0 || !det.is_finite() {
                break;
            }
            let da = (hbb * ga - hab * gb) / det;
            let db = (haa * gb - hab * ga) / det;
            // Backtracking: a full Newton step can overshoot where the sigmoid saturates.
            let before = loss(a, b);
            let mut step = 1.0;
            loop {
                let trial = loss(a - step * da, b - step * db);
                if trial <= before || step <= 1e-12 {
                    break;
                }
                step *= 0.5;
            }
            a -= step * da;
            b -= step * db;
            if (da.abs() + db.abs()) * step < 1e-10 {
                break;
            }
        }
        Self {
            intercept: a,
            slope: b,
        }
    }

    /// The recalibrated probability of forecast `p`.
    pub fn apply(&self, p: f64) -> f64 {
        sigmoid(self.intercept + self.slope * logit(p))
    }
}

pub use crate::package::onsets;

/// Block bootstrap over groups (series) of observations: each group's strokes are cut into
/// consecutive blocks of `block_len` stroke indices (block `index / block_len`), and a resample
/// draws, for each group independently, as many blocks as the group spans, uniformly with
/// replacement, keeping all observations of the drawn blocks (censored strokes simply have none).
#[derive(Debug, Clone)]
pub struct BlockBootstrap {
    /// Per group, per block: the observation indices in that block.
    groups: Vec<Vec<Vec<usize>>>,
    rng: galling::rand_xoshiro::Xoshiro256PlusPlus,
}

impl BlockBootstrap {
    /// `keys[o] = (group, stroke index)` of observation `o`; `spans[g]` is the number of strokes of
    /// group `g` (its blocks are `0 .. ceil(spans[g] / block_len)`, including blocks without
    /// observations). `block_len` of 0 counts as 1.
    pub fn new(keys: &[(usize, usize)], spans: &[usize], block_len: usize, seed: u64) -> Self {
        let l = block_len.max(1);
        let mut groups: Vec<Vec<Vec<usize>>> = spans
            .iter()
            .map(|&n| vec![Vec::new(); n.div_ceil(l)])
            .collect();
        for (o, &(g, i)) in keys.iter().enumerate() {
            if let Some(block) = groups.get_mut(g).and_then(|b| b.get_mut(i / l)) {
                block.push(o);
            }
        }
        Self {
            groups,
            rng: galling::rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed),
        }
    }

    /// Draws one resample: observation indices (with repetitions).
    pub fn resample(&mut self) -> Vec<usize> {
        let mut out = Vec::new();
        for blocks in &self.groups {
            let n = blocks.len() as u64;
            for _ in 0..n {
                let b = ((u128::from(self.rng.next_u64()) * u128::from(n)) >> 64) as usize;
                out.extend_from_slice(&blocks[b]);
            }
        }
        out
    }
}

/// The `q`-quantile (`0..=1`) of `values` by linear interpolation between order statistics
/// ([`quantile_sorted`](crate::simulation::quantile_sorted) of the sorted values), ignoring NaN;
/// NaN when none is left.
///
/// ```
/// use host_train::validation::metrics::percentile;
/// assert_eq!(percentile(&[3.0, 1.0, 2.0, f64::NAN], 0.5), 2.0);
/// assert_eq!(percentile(&[0.0, 10.0], 0.05), 0.5);
/// ```
pub fn percentile(values: &[f64], q: f64) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    v.sort_by(f64::total_cmp);
    crate::stats::quantile_sorted(&v, q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brier_of_perfect_and_worst_forecasts() {
        assert_eq!(brier(&[1.0, 0.0], &[true, false]), 0.0);
        assert_eq!(brier(&[0.0, 1.0], &[true, false]), 1.0);
        assert!(brier(&[], &[]).is_nan());
        assert_eq!(skill(0.05, 0.1), 0.5);
        assert!(skill(0.0, 0.0).is_nan());
    }

    #[test]
    fn isotonic_is_monotone_and_fits_monotone_data_exactly() {
        let p = [0.1, 0.2, 0.3, 0.4, 0.5];
        let y = [false, false, true, true, true];
        let iso = Isotonic::fit(&p, &y);
        for (&x, &o) in p.iter().zip(&y) {
            assert_eq!(iso.apply(x), f64::from(u8::from(o)));
        }
        let noisy = Isotonic::fit(
            &[0.9, 0.1, 0.5, 0.5, 0.3],
            &[false, true, true, false, true],
        );
        for w in noisy.knots.windows(2) {
            assert!(w[0].0 < w[1].0 && w[0].1 <= w[1].1, "{:?}", noisy.knots);
        }
        assert_eq!(Isotonic::fit(&[], &[]).apply(0.3), 0.3);
    }

    #[test]
    fn platt_recovers_a_known_logistic_map() {
        // Outcomes drawn exactly at the frequencies sigmoid(-1 + 0.5 logit p) in large cells.
        let mut p = Vec::new();
        let mut y = Vec::new();
        for &x in &[0.05, 0.2, 0.5, 0.8, 0.95] {
            let f = sigmoid(-1.0 + 0.5 * logit(x));
            let n = 10_000;
            let k = (f * n as f64).round() as usize;
            for i in 0..n {
                p.push(x);
                y.push(i < k);
            }
        }
        let fit = Platt::fit(&p, &y);
        assert!((fit.intercept + 1.0).abs() < 0.01, "{fit:?}");
        assert!((fit.slope - 0.5).abs() < 0.01, "{fit:?}");
    }

    #[test]
    fn censored_labels_at_the_end_only() {
        let cof = [0.1; 10];
        let l = event_labels(&cof, 0.5, 3);
        assert_eq!(l.iter().filter(|x| x.is_none()).count(), 3);
        assert!(l[..7].iter().all(|x| *x == Some(false)));
        assert_eq!(event_labels(&cof, 0.5, 0)[9], Some(false));
    }

    #[test]
    fn bootstrap_is_seeded_and_keeps_groups_apart() {
        // Group 0: strokes 0..10 (2 blocks of 5), group 1: strokes 0..3 (1 block).
        let keys: Vec<(usize, usize)> = (0..10)
            .map(|i| (0, i))
            .chain((0..3).map(|i| (1, i)))
            .collect();
        let mut a = BlockBootstrap::new(&keys, &[10, 3], 5, 7);
        let mut b = BlockBootstrap::new(&keys, &[10, 3], 5, 7);
        for _ in 0..50 {
            let r = a.resample();
            assert_eq!(r, b.resample());
            assert_eq!(r.len(), 13);
            // Group 1 has one block: always all of it, once.
            let g1: Vec<usize> = r.iter().copied().filter(|&o| o >= 10).collect();
            assert_eq!(g1, vec![10, 11, 12]);
            // Group 0 blocks come whole: observations 0..5 or 5..10, in order.
            for chunk in r[..10].chunks(5) {
                assert!(
                    chunk == [0, 1, 2, 3, 4] || chunk == [5, 6, 7, 8, 9],
                    "{chunk:?}"
                );
            }
        }
        // Both blocks of group 0 are drawn at some point.
        let mut seen = [false; 2];
        for _ in 0..50 {
            for chunk in a.resample()[..10].chunks(5) {
                seen[chunk[0] / 5] = true;
            }
        }
        assert_eq!(seen, [true, true]);
    }
}
