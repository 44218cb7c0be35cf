//! Log-likelihood tables and the `summary.json` document of a training run.

use crate::dataset::Dataset;
use crate::precursor::{FeatureScaling, TrainingScaling};
use crate::simulation::SimulationRow;
use crate::table::{Align, Table};
use galling::family::{AnyModel, ModelParams};
use galling::{Kernel, ParamError};
use std::fmt::Write as _;

/// Log-likelihood of the series recorded at one temperature.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TemperatureLl {
    /// Temperature the series were recorded at, degC.
    pub recorded_temperature: f64,
    /// Temperature the model evaluated them at, degC.
    pub model_temperature: f64,
    /// Number of series.
    pub series: usize,
    /// Stroke-to-stroke transitions.
    pub transitions: usize,
    /// Sum of `log p(delta | T, mu)` over the transitions (float64).
    pub log_likelihood: f64,
    /// The same with the float32-rounded parameters evaluated in float32 (what the firmware computes).
    pub log_likelihood_f32: f64,
}

/// Per-temperature log-likelihoods of `params` on `data`, in float64 and float32, by recorded temperature.
///
/// # Errors
/// [`ParamError`] when the parameters (or their float32 rounding) are not a valid model.
pub fn per_temperature(
    params: &ModelParams<f64>,
    data: &Dataset,
) -> Result<Vec<TemperatureLl>, ParamError> {
    per_temperature_scaled(
        params,
        data,
        FeatureScaling::of_fit(params.model(), data).as_ref(),
    )
}

/// [`per_temperature`] with the stroke features of a variant that uses them (V8-P) standardised
/// by `scaling` (the training strokes' settings, stored in the parameter file); a series without
/// features, or `None`, is at `z = 0`.
///
/// # Errors
/// As [`per_temperature`].
pub fn per_temperature_scaled(
    params: &ModelParams<f64>,
    data: &Dataset,
    scaling: Option<&FeatureScaling>,
) -> Result<Vec<TemperatureLl>, ParamError> {
    let m64 = AnyModel::new(params)?;
    let m32 = AnyModel::new(&params.map(|v| v as f32))?;
    let uses = crate::precursor::uses_features(params.model());
    let mut rows: Vec<TemperatureLl> = Vec::new();
    for s in &data.series {
        let z = match scaling {
            Some(sc) if uses => sc.inputs(s),
            _ => Vec::new(),
        };
        let z32: Vec<[f32; 2]> = z.iter().map(|z| z.map(|x| x as f32)).collect();
        let ll = m64
            .landscape(s.temperature)
            .series_log_likelihood_at_strokes(s.cof.iter().copied(), &z);
        let ll32 = m32
            .landscape(s.temperature as f32)
            .series_log_likelihood_at_strokes(s.cof.iter().map(|&c| c as f32), &z32);
        let row = match rows.iter_mut().find(|r| {
            r.recorded_temperature == s.recorded_temperature && r.model_temperature == s.temperature
        }) {
            Some(r) => r,
            None => {
                rows.push(TemperatureLl {
                    recorded_temperature: s.recorded_temperature,
                    model_temperature: s.temperature,
                    series: 0,
                    transitions: 0,
                    log_likelihood: 0.0,
                    log_likelihood_f32: 0.0,
                });
                rows.last_mut().expect("just pushed")
            }
        };
        row.series += 1;
        row.transitions += s.transitions();
        row.log_likelihood += ll;
        row.log_likelihood_f32 += f64::from(ll32);
    }
    Ok(rows)
}

/// Per-temperature rows and their total.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LlTable {
    /// Sum over all transitions (float64).
    pub total: f64,
    /// Sum over all transitions with float32 parameters and arithmetic.
    pub total_f32: f64,
    /// Number of transitions.
    pub transitions: usize,
    /// One row per recorded temperature.
    pub per_temperature: Vec<TemperatureLl>,
}

impl LlTable {
    /// Evaluates `params` on `data`.
    ///
    /// # Errors
    /// [`ParamError`] when the parameters are not a valid model.
    pub fn new(params: &ModelParams<f64>, data: &Dataset) -> Result<Self, ParamError> {
        Self::with_scaling(
            params,
            data,
            FeatureScaling::of_fit(params.model(), data).as_ref(),
        )
    }

    /// [`LlTable::new`] with the stroke features standardised by `scaling` (see
    /// [`per_temperature_scaled`]).
    ///
    /// # Errors
    /// As [`LlTable::new`].
    pub fn with_scaling(
        params: &ModelParams<f64>,
        data: &Dataset,
        scaling: Option<&FeatureScaling>,
    ) -> Result<Self, ParamError> {
        let per_temperature = per_temperature_scaled(params, data, scaling)?;
        Ok(Self {
            total: per_temperature.iter().map(|r| r.log_likelihood).sum(),
            total_f32: per_temperature.iter().map(|r| r.log_likelihood_f32).sum(),
            transitions: per_temperature.iter().map(|r| r.transitions).sum(),
            per_temperature,
        })
    }

    /// A plain-text table.
    pub fn render(&self) -> String {
        let mut t = Table::new([
            "T data",
            "T model",
            "series",
            "transitions",
            "LL (f64)",
            "LL (f32)",
        ])
        .widths([9, 9, 7, 12, 14, 12])
        .align(Align::Right);
        for r in &self.per_temperature {
            t.row([
                r.recorded_temperature.to_string(),
                r.model_temperature.to_string(),
                r.series.to_string(),
                r.transitions.to_string(),
                format!("{:.6}", r.log_likelihood),
                format!("{:.4}", r.log_likelihood_f32),
            ]);
        }
        t.row([
            "total".to_string(),
            String::new(),
            String::new(),
            self.transitions.to_string(),
            format!("{:.6}", self.total),
            format!("{:.4}", self.total_f32),
        ]);
        t.text()
    }
}

/// The optimizer's part of the summary.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OptimizerInfo {
    /// Method and settings, as the fitting engine names them.
    pub method: String,
    /// Seed of the run.
    pub seed: u64,
    /// Optimizer iterations (all starts).
    pub iterations: usize,
    /// Objective evaluations.
    pub evaluations: usize,
    /// Wall time of the fit, seconds.
    pub wall_time_s: f64,
    /// Log-likelihood the optimizer reported for its result.
    pub log_likelihood: f64,
}

/// A distinct optimum found by the multistart.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OptimumRow {
    /// Its log-likelihood.
    pub log_likelihood: f64,
    /// Clean well (`None` for a variant without wells).
    pub mu_l: Option<f64>,
    /// Galled well (`None` for a variant without wells).
    pub mu_h: Option<f64>,
    /// Escape attempt frequency (`None` for a variant without it).
    pub omega0: Option<f64>,
    /// How many starts ended there.
    pub starts: usize,
}

/// The simulation-quality part of the summary.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SimulationInfo {
    /// Trajectories per series.
    pub runs: usize,
    /// Seed of the simulations.
    pub seed: u64,
    /// Where trajectories start.
    pub start: crate::simulation::StartRule,
    /// The same in words.
    pub start_description: String,
    /// One row per series.
    pub rows: Vec<SimulationRow>,
}

/// The train/test split of a run (`train --split F`) and its losses.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SplitInfo {
    /// Fraction of each series' transitions (the first ones) used for training.
    pub train_fraction: f64,
    /// Training transitions.
    pub train_transitions: usize,
    /// Test transitions (the last ones of each series).
    pub test_transitions: usize,
    /// Negative log-likelihood per training transition at the result.
    pub train_nll: f64,
    /// Negative log-likelihood per test transition at the result (never optimised).
    pub test_nll: f64,
}

/// Everything `summary.json` holds.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Summary {
    /// The variant fitted (`"v8"`, `"v8-13"`, `"v9"`, `"v7"`).
    pub model: String,
    /// Its number of parameters.
    pub parameters: usize,
    /// The data the fit used.
    pub data: String,
    /// `(recorded, model)` temperature pairs applied to the data.
    pub temperature_map: Vec<(f64, f64)>,
    /// Log-likelihoods of the fitted parameters.
    pub log_likelihood: LlTable,
    /// The optimizer run.
    pub optimizer: OptimizerInfo,
    /// Distinct optima of the multistart, best first.
    pub optima: Vec<OptimumRow>,
    /// Physical-plausibility warnings about the fitted parameters (empty when none).
    pub physical_flags: Vec<crate::fit::PhysicalFlag>,
    /// Whether the float32-rounded parameters (the blob) form a valid model.
    pub blob_params_valid: bool,
    /// Simulated against observed statistics.
    pub simulation: SimulationInfo,
    /// What the blob tells the monitor: threshold, trained range, hazard, calibrated settings.
    pub monitor: Option<MonitorSummary>,
    /// Files written by the run, relative to the output folder.
    pub files: Vec<String>,
    /// The train/test split, when one was used (the log-likelihood table above covers all data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split: Option<SplitInfo>,
}

/// The monitor part of the blob, as `train` reports it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MonitorSummary {
    /// Galling threshold (COF).
    pub galling_threshold: f32,
    /// Clean limit (COF).
    pub clean_limit: f32,
    /// Forecast horizon, strokes.
    pub horizon: u16,
    /// Trained temperature range (model degC).
    pub trained_range: (f32, f32),
    /// Hot-die hazard at the ends of the trained range.
    pub hazard_at_range: (f32, f32),
    /// Expected strokes to galling from a typical clean stroke at the ends of the trained range.
    pub expected_strokes_at_range: (f32, f32),
    /// The advised highest die temperature and the hazard target it keeps.
    pub advice: (galling::risk::TemperatureAdvice, f32),
    /// The calibrated signal settings.
    pub settings: galling::signals::SignalSettings,
    /// What the calibration chose and saw on the training strokes.
    pub calibration: crate::package::Calibration,
}

impl MonitorSummary {
    /// The summary of `package` calibrated by `calibration`.
    pub fn new(package: &galling::Package, calibration: &crate::package::Calibration) -> Self {
        let table = package.table();
        let (lo, hi) = table.temperature_range();
        let settings = *package.settings();
        Self {
            galling_threshold: table.threshold(),
            clean_limit: table.spec().clean_limit,
            horizon: table.spec().horizon,
            trained_range: (lo, hi),
            hazard_at_range: (table.hazard(lo).risk, table.hazard(hi).risk),
            expected_strokes_at_range: (
                table.hazard(lo).expected_strokes,
                table.hazard(hi).expected_strokes,
            ),
            advice: (
                table.advised_temperature(settings.hot_die_target),
                settings.hot_die_target,
            ),
            settings,
            calibration: calibration.clone(),
        }
    }

    /// Readable lines for `train`'s report.
    pub fn render(&self) -> String {
        let c = &self.calibration;
        let advice = match self.advice.0 {
            galling::risk::TemperatureAdvice::AtMost(t) => {
                format!("keep the die at or below {t:.1} C")
            }
            galling::risk::TemperatureAdvice::WholeRange(t) => {
                format!("the whole trained range (up to {t:.1} C) keeps it")
            }
            galling::risk::TemperatureAdvice::BelowRange(t) => {
                format!("even {t:.1} C exceeds it: cool below the trained range")
            }
        };
        format!(
            "monitor (in the blob): galling threshold COF {:.2}, clean below {:.2}, horizon {} strokes, \
             trained range {:.1} to {:.1} C\n  hot-die hazard {:.3} to {:.3} (expected strokes to galling \
             {:.0} to {:.0}); hazard target {:.2}: {advice}\n  onset warning calibrated on the training \
             strokes: raise at excess {:.2}, clear below {:.2}; {} of {} onsets warned ahead, {:.1} \
             warnings per 100 clean strokes, {:.1} % of clean strokes under warning\n",
            self.galling_threshold,
            self.clean_limit,
            self.horizon,
            self.trained_range.0,
            self.trained_range.1,
            self.hazard_at_range.0,
            self.hazard_at_range.1,
            self.expected_strokes_at_range.0,
            self.expected_strokes_at_range.1,
            self.advice.1,
            c.onset_raise,
            c.onset_clear,
            c.training.warned,
            c.training.onsets,
            c.training.raised_per_100_clean(),
            100.0 * c.training.clean_share(),
        )
    }
}

impl Summary {
    /// The readable summary printed by `train`.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let o = &self.optimizer;
        let _ = writeln!(s, "data: {}", self.data);
        let _ = writeln!(
            s,
            "optimizer: {} (seed {}, {} iterations, {} evaluations, {:.1} s)",
            o.method, o.seed, o.iterations, o.evaluations, o.wall_time_s
        );
        if let Some(sp) = &self.split {
            let _ = writeln!(
                s,
                "split: first {} of each series trains ({} transitions, NLL {:.5} per transition), \
                 the rest tests ({} transitions, NLL {:.5} per transition)",
                sp.train_fraction,
                sp.train_transitions,
                sp.train_nll,
                sp.test_transitions,
                sp.test_nll
            );
        }
        let _ = writeln!(s, "\nlog-likelihood of the fit:");
        s.push_str(&self.log_likelihood.render());
        if !self.optima.is_empty() {
            let _ = writeln!(s, "\ndistinct optima (best first):");
            let mut t = Table::new(["LL", "mu_L", "mu_H", "omega0", "starts"])
                .widths([14, 8, 8, 12, 7])
                .align(Align::Right);
            let or_dash = |v: Option<f64>, f: fn(f64) -> String| v.map_or("-".to_string(), f);
            for r in &self.optima {
                t.row([
                    format!("{:.4}", r.log_likelihood),
                    or_dash(r.mu_l, |v| format!("{v:.4}")),
                    or_dash(r.mu_h, |v| format!("{v:.4}")),
                    or_dash(r.omega0, |v| format!("{v:.4e}")),
                    r.starts.to_string(),
                ]);
            }
            s.push_str(&t.text());
        }
        let _ = writeln!(
            s,
            "\nphysical flags: {}",
            crate::fit::flags::join(&self.physical_flags)
        );
        if let Some(m) = &self.monitor {
            let _ = write!(s, "\n{}", m.render());
        }
        let sim = &self.simulation;
        let _ = writeln!(
            s,
            "\nsimulation quality ({} runs per series, seed {}; {}):",
            sim.runs, sim.seed, sim.start_description
        );
        let mut t = Table::new([
            "T data", "T model", "strokes", "start", "obs mean", "sim mean", "obs std", "sim std",
        ])
        .widths([9, 9, 7, 8, 10, 10, 10, 10])
        .align(Align::Right);
        for r in &sim.rows {
            t.row([
                r.recorded_temperature.to_string(),
                r.model_temperature.to_string(),
                r.strokes.to_string(),
                format!("{:.4}", r.start_cof),
                format!("{:.4}", r.observed_mean),
                format!("{:.4}", r.simulated_mean),
                format!("{:.4}", r.observed_std),
                format!("{:.4}", r.simulated_std),
            ]);
        }
        s.push_str(&t.text());
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::Series;

    #[test]
    fn rows_group_by_temperature_and_sum() {
        let series = |label: &str, t: f64, cof: Vec<f64>| Series {
            label: label.into(),
            recorded_temperature: t,
            temperature: t,
            cof,
            features: None,
        };
        let data = Dataset {
            series: vec![
                series("a", 165.0, vec![0.2, 0.21, 0.22]),
                series("b", 165.0, vec![0.3, 0.25]),
                series("c", 170.0, vec![0.8, 0.82]),
            ],
        };
        let p = galling::V8Params::PUBLISHED_FIT.map(f64::from);
        let t = LlTable::new(&ModelParams::from(p), &data).unwrap();
        assert_eq!(t.per_temperature.len(), 2);
        assert_eq!(t.per_temperature[0].series, 2);
        assert_eq!(t.transitions, 4);
        let land = galling::Model::new(&p).unwrap().landscape(165.0);
        let want =
            land.series_log_likelihood([0.2, 0.21, 0.22]) + land.series_log_likelihood([0.3, 0.25]);
        assert!((t.per_temperature[0].log_likelihood - want).abs() < 1e-12);
        assert!((t.total_f32 - t.total).abs() < 1e-3);
        assert!(t.render().contains("total"));
    }
}
