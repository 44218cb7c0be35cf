//! Seeded simulation of COF trajectories with the core's [`Kernel::simulate_into`], and the
//! simulation-quality table (simulated against observed mean and spread per temperature).
//!
//! Every trajectory has its own generator, seeded from `(seed, temperature, run)`, so results do not
//! depend on how many runs or temperatures are simulated alongside, nor on threads.

use crate::dataset::Dataset;
use galling::family::{AnyModel, ModelParams};
use galling::rand_core::SeedableRng;
use galling::{DefaultRng, Kernel};
use std::path::Path;

/// SplitMix64 finaliser: spreads nearby inputs over the whole 64-bit range.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator of trajectory `run` at `temperature` (degC) for a user seed.
///
/// ```
/// use galling::rand_core::Rng;
/// let mut a = host_train::simulation::trajectory_rng(7, 165.0, 3);
/// let mut b = host_train::simulation::trajectory_rng(7, 165.0, 3);
/// assert_eq!(a.next_u32(), b.next_u32());
/// ```
pub fn trajectory_rng(seed: u64, temperature: f64, run: u64) -> DefaultRng {
    DefaultRng::seed_from_u64(mix(mix(mix(seed) ^ temperature.to_bits()) ^ run))
}

/// Simulates `runs` trajectories of `strokes` strokes at `temperature`, each starting at `start`
/// (clamped to the COF range by the core).
pub fn simulate_runs(
    landscape: &impl Kernel<f64>,
    temperature: f64,
    start: f64,
    strokes: usize,
    runs: usize,
    seed: u64,
) -> Vec<Vec<f64>> {
    (0..runs)
        .map(|run| {
            let mut buf = vec![0.0; strokes];
            let mut rng = trajectory_rng(seed, temperature, run as u64);
            landscape.simulate_into(start, &mut rng, &mut buf);
            buf
        })
        .collect()
}

/// Longest simulated trajectory of a [`SimulateRequest`], strokes.
pub const MAX_STROKES: usize = 1_000_000;
/// Most trajectories of a [`SimulateRequest`].
pub const MAX_RUNS: usize = 100_000;
/// Most simulated values of a [`SimulateRequest`] (strokes x runs): 20 M values, 160 MB in memory.
pub const MAX_SIMULATED: usize = 20_000_000;

/// What `host-train simulate` simulates: `runs` trajectories of `strokes` strokes at one die
/// temperature, bounded ([`MAX_STROKES`], [`MAX_RUNS`], [`MAX_SIMULATED`]) and inside the ranges
/// the monitor accepts.
///
/// ```
/// use host_train::simulation::SimulateRequest;
/// let params = galling::family::ModelParams::from(galling::V8Params::PUBLISHED_FIT.map(f64::from));
/// let request = SimulateRequest { temperature: 165.0, strokes: 20, runs: 2, seed: 1, start: None };
/// let (start, runs) = request.run(&params)?;
/// assert_eq!(runs.len(), 2);
/// assert!(runs.iter().all(|r| r.len() == 20 && r[0] == start));
/// let too_many = SimulateRequest { runs: 0, ..request };
/// assert_eq!(too_many.validate().unwrap_err().to_string(), "--runs 0 must be between 1 and 100000");
/// # Ok::<(), host_train::simulation::SimulateError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimulateRequest {
    /// Die temperature the model is evaluated at, degC (no mapping is applied).
    pub temperature: f64,
    /// Strokes per trajectory, including the start.
    pub strokes: usize,
    /// Number of trajectories.
    pub runs: usize,
    /// Seed (same seed, same trajectories).
    pub seed: u64,
    /// Starting COF; `None` for the model's initial COF.
    pub start: Option<f64>,
}

/// A [`SimulateRequest`] out of bounds, or parameters that are not a model (the messages name the
/// command-line flags).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimulateError {
    /// The temperature is outside [`crate::dataset::TEMPERATURE_RANGE`].
    #[error("--temperature {0} is outside [{lo}, {hi}] degC, the range the monitor accepts", lo = crate::dataset::TEMPERATURE_RANGE.0, hi = crate::dataset::TEMPERATURE_RANGE.1)]
    Temperature(f64),
    /// Strokes outside `1..=MAX_STROKES`.
    #[error("--strokes {0} must be between 1 and {MAX_STROKES}")]
    Strokes(usize),
    /// Runs outside `1..=MAX_RUNS`.
    #[error("--runs {0} must be between 1 and {MAX_RUNS}")]
    Runs(usize),
    /// More than [`MAX_SIMULATED`] values.
    #[error("--strokes {strokes} x --runs {runs} is {} values, more than {MAX_SIMULATED} (the CSV would exceed ~1 GB)", strokes.saturating_mul(*runs))]
    Values {
        /// Strokes per trajectory.
        strokes: usize,
        /// Trajectories.
        runs: usize,
    },
    /// The starting COF is outside [`crate::dataset::COF_RANGE`].
    #[error("--start {0} is outside [{lo}, {hi}], the COF range the monitor accepts", lo = crate::dataset::COF_RANGE.0, hi = crate::dataset::COF_RANGE.1)]
    Start(f64),
    /// The parameters are not a valid model.
    #[error(transparent)]
    Params(#[from] galling::ParamError),
}

impl SimulateRequest {
    /// Checks the bounds, in the order temperature, strokes, runs, their product, start.
    ///
    /// ```
    /// let r = host_train::simulation::SimulateRequest {
    ///     temperature: 1e9, strokes: 10, runs: 1, seed: 0, start: None,
    /// };
    /// assert!(r.validate().unwrap_err().to_string().starts_with("--temperature 1000000000 is outside"));
    /// ```
    ///
    /// # Errors
    /// The first [`SimulateError`] found.
    pub fn validate(&self) -> Result<(), SimulateError> {
        let (t_lo, t_hi) = crate::dataset::TEMPERATURE_RANGE;
        if !(t_lo..=t_hi).contains(&self.temperature) {
            return Err(SimulateError::Temperature(self.temperature));
        }
        if !(1..=MAX_STROKES).contains(&self.strokes) {
            return Err(SimulateError::Strokes(self.strokes));
        }
        if !(1..=MAX_RUNS).contains(&self.runs) {
            return Err(SimulateError::Runs(self.runs));
        }
        if self.strokes.saturating_mul(self.runs) > MAX_SIMULATED {
            return Err(SimulateError::Values {
                strokes: self.strokes,
                runs: self.runs,
            });
        }
        let (c_lo, c_hi) = crate::dataset::COF_RANGE;
        match self.start {
            Some(s) if !(c_lo..=c_hi).contains(&s) => Err(SimulateError::Start(s)),
            _ => Ok(()),
        }
    }

    /// Validates the request and simulates it with `params` ([`simulate_runs`]); returns the
    /// starting COF and the trajectories.
    ///
    /// # Errors
    /// As [`validate`](Self::validate), or [`SimulateError::Params`].
    pub fn run(&self, params: &ModelParams<f64>) -> Result<(f64, Vec<Vec<f64>>), SimulateError> {
        self.validate()?;
        let model = AnyModel::new(params)?;
        let land = model.landscape(self.temperature);
        let start = self.start.unwrap_or_else(|| land.initial_cof());
        let runs = simulate_runs(
            &land,
            self.temperature,
            start,
            self.strokes,
            self.runs,
            self.seed,
        );
        Ok((start, runs))
    }
}

/// Where simulated trajectories start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StartRule {
    /// The first observed COF of the series being compared against.
    Observed,
    /// The model's initial COF at the series' temperature (V8: `clamp(mu0_base, 0.1, 1.3)`).
    Model,
}

impl StartRule {
    /// A sentence saying what the rule is.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Observed => {
                "each simulated trajectory starts at the first observed COF of its series"
            }
            Self::Model => {
                "each simulated trajectory starts at the model's initial COF clamp(mu0_base, 0.1, 1.3)"
            }
        }
    }
}

/// Mean and sample standard deviation (`n - 1`) of all values; `(NaN, NaN)` when empty.
pub fn mean_std<'a>(values: impl IntoIterator<Item = &'a f64>) -> (f64, f64) {
    let (mut n, mut mean, mut m2) = (0.0_f64, 0.0_f64, 0.0_f64);
    for &v in values {
        n += 1.0;
        let d = v - mean;
        mean += d / n;
        m2 += d * (v - mean);
    }
    if n == 0.0 {
        (f64::NAN, f64::NAN)
    } else if n == 1.0 {
        (mean, 0.0)
    } else {
        (mean, (m2 / (n - 1.0)).sqrt())
    }
}

/// One row of the simulation-quality table: one observed series against its simulations.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SimulationRow {
    /// The series' label.
    pub series: String,
    /// Temperature the series was recorded at, degC.
    pub recorded_temperature: f64,
    /// Temperature the model was evaluated at, degC.
    pub model_temperature: f64,
    /// Strokes per trajectory (= the observed series' length).
    pub strokes: usize,
    /// Number of simulated trajectories.
    pub runs: usize,
    /// The COF every trajectory started at.
    pub start_cof: f64,
    /// Mean of the observed series.
    pub observed_mean: f64,
    /// Standard deviation of the observed series.
    pub observed_std: f64,
    /// Mean over all strokes of all simulated trajectories.
    pub simulated_mean: f64,
    /// Standard deviation over all strokes of all simulated trajectories.
    pub simulated_std: f64,
}

/// Simulated trajectories of one series, kept for the plots.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesSimulation {
    /// The table row.
    pub row: SimulationRow,
    /// The trajectories (`runs` x `strokes`).
    pub trajectories: Vec<Vec<f64>>,
}

/// Simulates `runs` trajectories for every series of `data` and summarises them.
///
/// # Errors
/// [`galling::ParamError`] when the parameters are not a valid model.
pub fn simulation_quality(
    params: &ModelParams<f64>,
    data: &Dataset,
    runs: usize,
    seed: u64,
    start: StartRule,
) -> Result<Vec<SeriesSimulation>, galling::ParamError> {
    let model = AnyModel::new(params)?;
    Ok(data
        .series
        .iter()
        .map(|s| {
            let start_cof = match start {
                StartRule::Observed => s.cof[0],
                StartRule::Model => model.landscape(s.temperature).initial_cof(),
            }
            .clamp(galling::consts::COF_MIN, galling::consts::COF_MAX);
            let land = model.landscape(s.temperature);
            let trajectories = simulate_runs(
                &land,
                s.recorded_temperature,
                start_cof,
                s.cof.len(),
                runs,
                seed,
            );
            let (simulated_mean, simulated_std) = mean_std(trajectories.iter().flatten());
            let (observed_mean, observed_std) = mean_std(&s.cof);
            SeriesSimulation {
                row: SimulationRow {
                    series: s.label.clone(),
                    recorded_temperature: s.recorded_temperature,
                    model_temperature: s.temperature,
                    strokes: s.cof.len(),
                    runs,
                    start_cof,
                    observed_mean,
                    observed_std,
                    simulated_mean,
                    simulated_std,
                },
                trajectories,
            }
        })
        .collect())
}

pub use crate::stats::quantile_sorted;

/// Per-stroke `(q_low, median, q_high)` across trajectories of equal length.
pub fn envelope(trajectories: &[Vec<f64>], q_low: f64, q_high: f64) -> Vec<(f64, f64, f64)> {
    let len = trajectories.first().map_or(0, Vec::len);
    (0..len)
        .map(|i| {
            let mut column: Vec<f64> = trajectories.iter().map(|t| t[i]).collect();
            column.sort_by(f64::total_cmp);
            (
                quantile_sorted(&column, q_low),
                quantile_sorted(&column, 0.5),
                quantile_sorted(&column, q_high),
            )
        })
        .collect()
}

/// Writes trajectories as CSV `run,stroke,temperature,cof` (run and stroke from 0).
///
/// # Errors
/// [`crate::atomic::WriteError`] when the file cannot be written.
pub fn write_trajectories_csv(
    path: &Path,
    temperature: f64,
    trajectories: &[Vec<f64>],
) -> Result<(), crate::atomic::WriteError> {
    crate::atomic::write_with(path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record(["run", "stroke", "temperature", "cof"])?;
        let temperature = temperature.to_string();
        for (run, t) in trajectories.iter().enumerate() {
            let run = run.to_string();
            for (stroke, cof) in t.iter().enumerate() {
                csv.write_record([&run, &stroke.to_string(), &temperature, &cof.to_string()])?;
            }
        }
        csv.flush()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_reproducible_and_independent_of_run_count() {
        let model = galling::Model::new(&galling::V8Params::PUBLISHED_FIT.map(f64::from)).unwrap();
        let land = model.landscape(167.5);
        let a = simulate_runs(&land, 167.5, 0.2, 50, 3, 11);
        let b = simulate_runs(&land, 167.5, 0.2, 50, 5, 11);
        assert_eq!(a[..], b[..3]);
        assert_ne!(a[0], a[1]);
        assert_ne!(a, simulate_runs(&land, 167.5, 0.2, 50, 3, 12));
        assert!(a.iter().all(|t| t[0] == 0.2));
    }

    #[test]
    fn mean_std_and_quantiles() {
        let (m, s) = mean_std(&[1.0, 2.0, 3.0, 4.0]);
        assert!((m - 2.5).abs() < 1e-15);
        assert!((s - (5.0_f64 / 3.0).sqrt()).abs() < 1e-15);
        assert_eq!(quantile_sorted(&[0.0, 10.0], 0.25), 2.5);
        let env = envelope(&[vec![1.0, 5.0], vec![3.0, 7.0], vec![2.0, 6.0]], 0.0, 1.0);
        assert_eq!(env, vec![(1.0, 2.0, 3.0), (5.0, 6.0, 7.0)]);
    }
}
