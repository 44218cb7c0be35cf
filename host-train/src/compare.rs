//! The family comparison (`host-train compare`): every variant fitted (or loaded) on the same data,
//! side by side, the way the V8 write-up compares V7 and V8 (its section 8), from our own fits.
//!
//! For each variant: the log-likelihood in total and per temperature, the parameter count, AIC and
//! BIC, the parameters, the simulated against the observed mean COF per temperature, and the fit's
//! wall time. Written into the output folder as one set (each file atomically, the folder replaced
//! at once, [`crate::atomic::OutputSet`]):
//! - `comparison.md`: the tables in markdown;
//! - `comparison.csv`: one row per variant and temperature (and a `total` row per variant);
//! - `comparison.json`: everything above, the parameters included;
//! - `<key>.json` per variant: its parameter file ([`crate::params_file`]), usable by `evaluate`,
//!   `simulate`, `replay`, `blob` and `train --start`.
//!
//! AIC and BIC count the parameters that enter the likelihood: the variant's parameters minus the
//! start-only ones ([`crate::fit::START_ONLY`]: `mu0_base`, V7's `mu0_T`), which set only where
//! simulations start; `n` of the BIC is the number of transitions.
//! `AIC = 2k - 2 LL`, `BIC = k ln(n) - 2 LL`: lower is better.

use crate::dataset::Dataset;
use crate::fit::{self, FitError, FitOptions, ModelId};
use crate::simulation::{StartRule, simulation_quality};
use crate::summary::LlTable;
use galling::ParamError;
use galling::family::ModelParams;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What a comparison needs besides the data.
#[derive(Debug, Clone)]
pub struct CompareConfig {
    /// The variants, in the order of the tables.
    pub models: Vec<ModelId>,
    /// Parameter files to use instead of fitting (any variant listed in `models`; a variant with a
    /// file is not fitted).
    pub params: Vec<ModelParams<f64>>,
    /// Fit options shared by every fitted variant (its `model` and `start` are set per variant).
    pub fit: FitOptions,
    /// Simulated trajectories per series for the simulated means.
    pub sim_runs: usize,
    /// Seed of those simulations.
    pub sim_seed: u64,
}

impl CompareConfig {
    /// Attaches each stroke's features (from the folder `dir`'s `<T>/strokes/`, with the default
    /// settings, as a fit on it fixes them) to `data` when a compared variant uses them (V8-P);
    /// data from a CSV file is left as it is.
    ///
    /// ```
    /// use host_train::compare::CompareConfig;
    /// let mut data = host_train::dataset::Dataset::load(std::path::Path::new("../data/demo"), &Default::default())?;
    /// let config = CompareConfig {
    ///     models: vec![galling::family::ModelId::V8],
    ///     params: Vec::new(),
    ///     fit: Default::default(),
    ///     sim_runs: 1,
    ///     sim_seed: 1,
    /// };
    /// config.attach_features(&mut data, std::path::Path::new("../data/demo"))?;
    /// assert!(data.series.iter().all(|s| s.features.is_none()));
    /// # Ok::<(), host_train::dataset::DataError>(())
    /// ```
    ///
    /// # Errors
    /// [`crate::dataset::DataError`] naming the stroke file that failed.
    pub fn attach_features(
        &self,
        data: &mut Dataset,
        dir: &Path,
    ) -> Result<(), crate::dataset::DataError> {
        let with_features = self
            .models
            .iter()
            .copied()
            .chain(self.params.iter().map(|p| p.model()))
            .any(crate::precursor::uses_features);
        if with_features && dir.is_dir() {
            data.attach_stroke_features(dir, galling::features::FeatureSettings::DEFAULT)?;
        }
        Ok(())
    }
}

/// One temperature of one variant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TemperatureRow {
    /// Recorded temperature of the series, degC.
    pub recorded_temperature: f64,
    /// Model temperature, degC.
    pub model_temperature: f64,
    /// Transitions.
    pub transitions: usize,
    /// Log-likelihood of the variant there (float64).
    pub log_likelihood: f64,
    /// Observed mean COF over the strokes at this temperature.
    pub observed_mean: f64,
    /// Mean COF of the simulated trajectories (started at each series' first COF).
    pub simulated_mean: f64,
}

/// One variant of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantRow {
    /// The variant's key (`"v8"`, ...).
    pub model: String,
    /// Where the parameters come from: `"fit"` or `"file"`.
    pub source: String,
    /// Number of parameters of the variant.
    pub parameters: usize,
    /// Parameters that enter the likelihood (`k` of AIC and BIC).
    pub k: usize,
    /// Total log-likelihood.
    pub log_likelihood: f64,
    /// `2k - 2 LL`.
    pub aic: f64,
    /// `k ln(n) - 2 LL`, `n` the transitions.
    pub bic: f64,
    /// Wall time of the fit, seconds (`None` for parameters from a file).
    pub fit_seconds: Option<f64>,
    /// Physical flags of the parameters.
    pub flags: Vec<fit::PhysicalFlag>,
    /// Per temperature.
    pub per_temperature: Vec<TemperatureRow>,
    /// The parameters with the variant's names.
    #[serde(serialize_with = "crate::params_file::serialize_values")]
    pub params: ModelParams<f64>,
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Transitions of the data (`n` of the BIC).
    pub transitions: usize,
    /// One row per variant, in the order asked.
    pub variants: Vec<VariantRow>,
}

/// Why a comparison failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CompareError {
    /// A fit failed.
    #[error("fitting {model}: {source}")]
    Fit {
        /// The variant.
        model: ModelId,
        /// Why.
        #[source]
        source: FitError,
    },
    /// Parameters are not a valid model.
    #[error("{model}: {source}")]
    Params {
        /// The variant.
        model: ModelId,
        /// Why.
        #[source]
        source: ParamError,
    },
    /// A setting is wrong (says which).
    #[error("{0}")]
    Setting(String),
    /// An output could not be written.
    #[error(transparent)]
    Write(#[from] crate::atomic::WriteError),
}

/// Fits (or takes from `config.params`) every variant of `config.models` on `data` and compares
/// them.
///
/// # Errors
/// [`CompareError`] naming the variant whose fit or evaluation failed, or a wrong setting (no
/// variant, a variant twice, a parameter file of a variant not compared, no simulation run).
pub fn compare(data: &Dataset, config: &CompareConfig) -> Result<Comparison, CompareError> {
    if config.models.is_empty() {
        return Err(CompareError::Setting(
            "compare needs at least one variant".into(),
        ));
    }
    for (i, m) in config.models.iter().enumerate() {
        if config.models[..i].contains(m) {
            return Err(CompareError::Setting(format!("{m} is listed twice")));
        }
    }
    for p in &config.params {
        if !config.models.contains(&p.model()) {
            return Err(CompareError::Setting(format!(
                "a parameter file holds {} parameters, but {} is not among the compared variants",
                p.model(),
                p.model()
            )));
        }
    }
    if config.sim_runs == 0 {
        return Err(CompareError::Setting(
            "the simulated means need at least 1 run".into(),
        ));
    }
    let transitions = data.transitions();
    let mut variants = Vec::new();
    for &model in &config.models {
        let given = config.params.iter().find(|p| p.model() == model);
        let (params, fit_seconds) = match given {
            Some(p) => (*p, None),
            None => {
                let options = FitOptions {
                    model,
                    start: None,
                    ..config.fit.clone()
                };
                let t0 = Instant::now();
                let report = fit::fit(data, &options, &|_| {})
                    .map_err(|source| CompareError::Fit { model, source })?;
                (report.params, Some(t0.elapsed().as_secs_f64()))
            }
        };
        variants.push(row(data, &params, fit_seconds, config)?);
    }
    Ok(Comparison {
        transitions,
        variants,
    })
}

/// The row of one variant's parameters.
fn row(
    data: &Dataset,
    params: &ModelParams<f64>,
    fit_seconds: Option<f64>,
    config: &CompareConfig,
) -> Result<VariantRow, CompareError> {
    let model = params.model();
    let err = |source| CompareError::Params { model, source };
    let table = LlTable::new(params, data).map_err(err)?;
    let sims = simulation_quality(
        params,
        data,
        config.sim_runs,
        config.sim_seed,
        StartRule::Observed,
    )
    .map_err(err)?;
    let per_temperature = table
        .per_temperature
        .iter()
        .map(|t| {
            // Stroke-weighted means over the series at this temperature.
            let (mut strokes, mut observed, mut simulated) = (0usize, 0.0, 0.0);
            for s in sims.iter().filter(|s| {
                s.row.recorded_temperature == t.recorded_temperature
                    && s.row.model_temperature == t.model_temperature
            }) {
                strokes += s.row.strokes;
                observed += s.row.observed_mean * s.row.strokes as f64;
                simulated += s.row.simulated_mean * s.row.strokes as f64;
            }
            let n = strokes.max(1) as f64;
            TemperatureRow {
                recorded_temperature: t.recorded_temperature,
                model_temperature: t.model_temperature,
                transitions: t.transitions,
                log_likelihood: t.log_likelihood,
                observed_mean: observed / n,
                simulated_mean: simulated / n,
            }
        })
        .collect();
    let fields = params.variant().fields;
    let k = fields
        .iter()
        .filter(|f| !fit::START_ONLY.contains(&f.name))
        .count();
    let ll = table.total;
    let n = table.transitions.max(1) as f64;
    Ok(VariantRow {
        model: model.key().to_string(),
        source: if fit_seconds.is_some() { "fit" } else { "file" }.to_string(),
        parameters: fields.len(),
        k,
        log_likelihood: ll,
        aic: 2.0 * k as f64 - 2.0 * ll,
        bic: k as f64 * n.ln() - 2.0 * ll,
        fit_seconds,
        flags: fit::physical_flags(params),
        per_temperature,
        params: *params,
    })
}

impl Comparison {
    /// The markdown tables: the summary (LL, parameters, AIC, BIC, fit time), LL per temperature,
    /// simulated against observed mean COF per temperature, and each variant's parameters.
    pub fn markdown(&self) -> String {
        use crate::table::Table;
        let mut s = format!(
            "# Model family comparison\n\n{} transitions. AIC = 2k - 2 LL, BIC = k ln(n) - 2 LL \
             (k: parameters that enter the likelihood; lower is better).\n\n",
            self.transitions
        );
        let mut t = Table::new([
            "variant",
            "source",
            "parameters",
            "k",
            "LL",
            "AIC",
            "BIC",
            "fit time",
            "flags",
        ]);
        for v in &self.variants {
            t.row([
                v.model.to_string(),
                v.source.to_string(),
                v.parameters.to_string(),
                v.k.to_string(),
                format!("{:+.2}", v.log_likelihood),
                format!("{:.2}", v.aic),
                format!("{:.2}", v.bic),
                v.fit_seconds
                    .map_or("-".to_string(), |t| format!("{t:.1} s")),
                fit::flags::join(&v.flags),
            ]);
        }
        s.push_str(&t.markdown());
        let temps: Vec<(f64, f64, usize)> = self.variants.first().map_or(Vec::new(), |v| {
            v.per_temperature
                .iter()
                .map(|t| (t.recorded_temperature, t.model_temperature, t.transitions))
                .collect()
        });
        // one column per variant after the first
        let per_variant = |first: &str| {
            Table::new(
                std::iter::once(first.to_string())
                    .chain(self.variants.iter().map(|v| v.model.to_string())),
            )
        };
        let at = |v: &VariantRow, t: f64, m: f64| {
            v.per_temperature
                .iter()
                .find(|r| r.recorded_temperature == t && r.model_temperature == m)
                .cloned()
        };
        s.push_str("\n## Log-likelihood per temperature\n\n");
        let mut t = per_variant("T data (model), transitions");
        for &(temperature, m, n) in &temps {
            t.row(std::iter::once(format!("{temperature} ({m}), {n}")).chain(
                self.variants.iter().map(|v| {
                    at(v, temperature, m)
                        .map_or("-".into(), |r| format!("{:+.2}", r.log_likelihood))
                }),
            ));
        }
        t.row(
            std::iter::once("total".to_string()).chain(
                self.variants
                    .iter()
                    .map(|v| format!("{:+.2}", v.log_likelihood)),
            ),
        );
        s.push_str(&t.markdown());
        s.push_str(
            "\n## Mean COF per temperature: observed, and simulated (trajectories started at each \
             series' first COF)\n\n",
        );
        let mut t = per_variant("T data (model), observed");
        for &(temperature, m, _) in &temps {
            let observed = self
                .variants
                .first()
                .and_then(|v| at(v, temperature, m))
                .map_or(f64::NAN, |r| r.observed_mean);
            t.row(
                std::iter::once(format!("{temperature} ({m}), {observed:.4}")).chain(
                    self.variants.iter().map(|v| {
                        at(v, temperature, m)
                            .map_or("-".into(), |r| format!("{:.4}", r.simulated_mean))
                    }),
                ),
            );
        }
        s.push_str(&t.markdown());
        s.push_str("\n## Parameters\n");
        for v in &self.variants {
            s.push_str(&format!("\n{} ({} parameters):\n\n", v.model, v.parameters));
            let mut t = Table::new(["parameter", "value"]);
            for (f, x) in v.params.variant().fields.iter().zip(v.params.values()) {
                t.row([f.name.to_string(), format!("{x:.6e}")]);
            }
            s.push_str(&t.markdown());
        }
        s
    }

    /// One CSV row per variant and temperature, then a `total` row per variant
    /// (`model,temperature,model_temperature,transitions,log_likelihood,observed_mean,
    /// simulated_mean,parameters,k,aic,bic`; empty fields where a value does not apply).
    pub fn csv(&self) -> String {
        let mut csv = csv::Writer::from_writer(Vec::new());
        // Writing to memory cannot fail; every record has the header's eleven fields.
        let _ = csv.write_record([
            "model",
            "temperature",
            "model_temperature",
            "transitions",
            "log_likelihood",
            "observed_mean",
            "simulated_mean",
            "parameters",
            "k",
            "aic",
            "bic",
        ]);
        for v in &self.variants {
            let model = v.model.to_string();
            for t in &v.per_temperature {
                let _ = csv.write_record([
                    model.clone(),
                    t.recorded_temperature.to_string(),
                    t.model_temperature.to_string(),
                    t.transitions.to_string(),
                    t.log_likelihood.to_string(),
                    t.observed_mean.to_string(),
                    t.simulated_mean.to_string(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
            }
            let _ = csv.write_record([
                model.clone(),
                "total".to_string(),
                String::new(),
                self.transitions.to_string(),
                v.log_likelihood.to_string(),
                String::new(),
                String::new(),
                v.parameters.to_string(),
                v.k.to_string(),
                v.aic.to_string(),
                v.bic.to_string(),
            ]);
        }
        String::from_utf8(csv.into_inner().unwrap_or_default()).unwrap_or_default()
    }

    /// Writes `comparison.md`, `comparison.csv`, `comparison.json` and `<key>.json` per variant
    /// into `out` as one set; returns the files written.
    ///
    /// # Errors
    /// [`CompareError::Write`] naming the file; the folder then holds the previous set.
    pub fn write(&self, out: &Path, data: &str) -> Result<Vec<PathBuf>, CompareError> {
        let mut set = crate::atomic::OutputSet::begin(out)?;
        set.write("comparison.md", self.markdown().as_bytes())?;
        set.write("comparison.csv", self.csv().as_bytes())?;
        let mut json = serde_json::to_string_pretty(self).unwrap_or_default();
        json.push('\n');
        set.write("comparison.json", json.as_bytes())?;
        for v in &self.variants {
            let description = format!(
                "{} parameters ({}) on {data}: log-likelihood {:.6} over {} transitions",
                v.params.model(),
                v.source,
                v.log_likelihood,
                self.transitions
            );
            set.write(
                &format!("{}.json", v.model),
                crate::params_file::to_json(&v.params, &description).as_bytes(),
            )?;
        }
        Ok(set.commit()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use galling::V8Params;

    fn demo() -> Dataset {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/demo");
        Dataset::load(&dir, &crate::dataset::TemperatureMap::default()).unwrap()
    }

    #[test]
    fn compares_every_variant_on_demo_data() {
        let data = demo();
        let published = ModelParams::from(V8Params::PUBLISHED_FIT.map(f64::from));
        let config = CompareConfig {
            models: ModelId::ALL.to_vec(),
            params: vec![published],
            fit: FitOptions {
                starts: 2,
                ..FitOptions::default()
            },
            sim_runs: 3,
            sim_seed: 1,
        };
        let c = compare(&data, &config).unwrap();
        assert_eq!(c.transitions, 862);
        assert_eq!(c.variants.len(), ModelId::ALL.len());
        let v8 = &c.variants[0];
        assert_eq!((v8.source.as_str(), v8.parameters, v8.k), ("file", 15, 14));
        assert_eq!(v8.params, published);
        assert_eq!(v8.fit_seconds, None);
        let v7 = &c.variants[3];
        assert_eq!((v7.model.as_str(), v7.parameters, v7.k), ("v7", 17, 15));
        assert!(v7.fit_seconds.is_some());
        for v in &c.variants {
            assert!((v.aic - (2.0 * v.k as f64 - 2.0 * v.log_likelihood)).abs() < 1e-9);
            let bic = v.k as f64 * 862f64.ln() - 2.0 * v.log_likelihood;
            assert!((v.bic - bic).abs() < 1e-9);
            assert_eq!(v.per_temperature.len(), 4);
            let sum: f64 = v.per_temperature.iter().map(|t| t.log_likelihood).sum();
            assert!((sum - v.log_likelihood).abs() < 1e-9);
            assert_eq!(
                v.log_likelihood,
                crate::summary::LlTable::new(&v.params, &data)
                    .unwrap()
                    .total
            );
            for t in &v.per_temperature {
                assert!(t.observed_mean > 0.1 && t.simulated_mean > 0.1, "{t:?}");
            }
        }
        let md = c.markdown();
        assert!(md.contains("| v7 | fit | 17 | 15 |"), "{md}");
        assert!(md.contains("## Log-likelihood per temperature"));
        assert_eq!(c.csv().lines().count(), 1 + ModelId::ALL.len() * 5);
        let out = tempfile::tempdir().unwrap();
        let files = c.write(out.path(), "demo").unwrap();
        assert_eq!(files.len(), 3 + ModelId::ALL.len());
        // Every variant's parameter file loads back as that variant.
        for v in &c.variants {
            let (p, _) =
                crate::params_file::load(&out.path().join(format!("{}.json", v.model))).unwrap();
            assert_eq!(p, v.params);
        }
    }

    #[test]
    fn wrong_settings_are_named() {
        let data = demo();
        let base = CompareConfig {
            models: vec![ModelId::V8, ModelId::V8],
            params: Vec::new(),
            fit: FitOptions::default(),
            sim_runs: 1,
            sim_seed: 1,
        };
        let e = compare(&data, &base).unwrap_err().to_string();
        assert!(e.contains("V8 is listed twice"), "{e}");
        let e = compare(
            &data,
            &CompareConfig {
                models: vec![ModelId::V7],
                params: vec![crate::fitting::start(ModelId::V9)],
                ..base.clone()
            },
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("V9 is not among the compared variants"), "{e}");
    }
}
