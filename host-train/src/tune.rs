//! The tuning study (`host-train tune`), following the methodology of the NEP4 training report:
//!
//! 1. **Phase 1**: one hyperparameter at a time is swept around the default configuration (the others
//!    at their default); each run is scored by the MIN and the AVG of the last 10 rows of its loss
//!    log, for the training and the test loss (negative log-likelihood per transition), with the %
//!    change against the default run.
//! 2. **Phase 2**: the best value of every sweep (lowest test AVG, or train AVG without a split)
//!    that beats the default by more than 0.01 % is combined into one configuration, scored the
//!    same way. The `train_fraction` sweep is reported but never combined: it changes the test set.
//!    A sweep run with a `base` (e.g. the SNES population with `method = snes`) is combined only
//!    when the combination has that base (its value does nothing otherwise).
//! 3. **Phase 3**: long runs (budgets times [`LongPlan::factor`]) of the default and the combined
//!    configuration: loss against wall time, and the time and iteration at which each reaches the
//!    target loss.
//!
//! Outputs (each file written atomically): `tune.json` (everything deterministic: the same plan and
//! data give the same bytes), `timing.json` (wall times, which vary run to run), `tune.md` (the
//! report, with tables like the NEP4 report's), and figures: `sweep_<parameter>.{png,svg}` per
//! sweep and `long_runs.{png,svg}`.
//!
//! The phase-1 runs are independent and run in parallel (one worker thread per core, each fit on its
//! own one-thread rayon pool). With
//! [`TuneOptions::shard`] `(i, n)` only the runs with `index % n == i` are run and written as
//! `shard-<i>-of-<n>.json`; [`merge`] checks that the shards belong to the same plan and data and
//! cover every run once, then runs phases 2 and 3 and writes the same report as a single run.
//!
//! ## Plan file (JSON)
//! ```json
//! {
//!   "default": { "variant": "v8", "method": "lbfgs", "starts": 16, "population": 50,
//!                "sigma0": 0.1, "generations": 300, "adam_lr": 0.005, "epochs": 2000,
//!                "l2": 0.0, "train_fraction": 0.8, "map_25": 160.0, "seed": 0 },
//!   "sweeps": [
//!     { "parameter": "population", "values": [20, 50, 100], "base": { "method": "snes" } }
//!   ],
//!   "long": { "factor": 4, "target": null }
//! }
//! ```
//! Every field of a configuration may be swept; `base` overrides other fields for that sweep only
//! (e.g. the SNES population is swept with `method = snes`). Missing top-level fields take the
//! values of [`Plan::default`]; unknown fields are refused.

use crate::dataset::{DataError, Dataset, TemperatureMap};
use crate::fit::{
    self, AdamSettings, FitError, FitOptions, LossRow, Method, ModelId, SnesSettings,
};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Number of final loss-log rows the MIN and AVG scores are taken over (as in the NEP4 report).
pub const LAST_ROWS: usize = 10;

/// The optimiser of a configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Optimizer {
    /// The default L-BFGS basin search.
    Lbfgs,
    /// Adam with the published schedule.
    Adam,
    /// SNES, then an L-BFGS polish.
    Snes,
}

/// One training configuration of the study (fields missing from a plan file take the defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Model variant, by its key (`"v8"`, `"v8-13"`, `"v9"`, `"v7"`; [`ModelId::key`]).
    pub variant: ModelId,
    /// Optimiser.
    pub method: Optimizer,
    /// L-BFGS: screened starts.
    pub starts: usize,
    /// SNES: population.
    pub population: usize,
    /// SNES: initial step size (scaled coordinates).
    pub sigma0: f64,
    /// SNES: generations.
    pub generations: usize,
    /// Adam: learning rate.
    pub adam_lr: f64,
    /// Adam: epochs.
    pub epochs: usize,
    /// L2 weight per transition ([`FitOptions::l2`]).
    pub l2: f64,
    /// Fraction of each series used for training ([`fit::temporal_split`]); 1 for no test set.
    pub train_fraction: f64,
    /// Model temperature the 25 C series is evaluated at, degC.
    pub map_25: f64,
    /// Seed of the fit.
    pub seed: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            variant: ModelId::V8,
            method: Optimizer::Lbfgs,
            starts: fit::strategy::DEFAULT_STARTS,
            population: 50,
            sigma0: 0.1,
            generations: 300,
            adam_lr: 0.005,
            epochs: 2000,
            l2: 0.0,
            train_fraction: 0.8,
            map_25: 160.0,
            seed: 0,
        }
    }
}

impl Config {
    /// The fit options of this configuration (one worker thread).
    pub fn fit_options(&self) -> FitOptions {
        let method = match self.method {
            Optimizer::Lbfgs => Method::Lbfgs(Default::default()),
            Optimizer::Adam => Method::Adam(AdamSettings {
                lr: self.adam_lr,
                epochs: self.epochs,
                ..AdamSettings::default()
            }),
            Optimizer::Snes => Method::Snes(SnesSettings {
                population: self.population,
                sigma0: self.sigma0,
                generations: self.generations,
                ..SnesSettings::default()
            }),
        };
        FitOptions {
            method,
            seed: self.seed,
            starts: self.starts,
            threads: Some(1),
            model: self.variant,
            l2: self.l2,
            ..FitOptions::default()
        }
    }

    /// The same configuration with its iteration budgets multiplied by `factor` (phase 3).
    pub fn long(&self, factor: usize) -> Self {
        Self {
            starts: self.starts * factor,
            generations: self.generations * factor,
            epochs: self.epochs * factor,
            ..self.clone()
        }
    }
}

/// One sweep of phase 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sweep {
    /// The [`Config`] field swept.
    pub parameter: String,
    /// Its values (JSON values of the field's type).
    pub values: Vec<serde_json::Value>,
    /// Other fields set for this sweep only.
    #[serde(default)]
    pub base: serde_json::Map<String, serde_json::Value>,
}

/// Phase 3 settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LongPlan {
    /// Budget multiplier of the long runs (starts, generations, epochs).
    pub factor: usize,
    /// Target train NLL per transition; `None` for the default long run's best.
    pub target: Option<f64>,
}

/// A study plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Plan {
    /// The default configuration.
    pub default: Config,
    /// The phase-1 sweeps.
    pub sweeps: Vec<Sweep>,
    /// Phase 3.
    pub long: LongPlan,
}

impl Default for Plan {
    fn default() -> Self {
        use serde_json::json;
        let sweep = |p: &str, v: serde_json::Value, base: serde_json::Value| Sweep {
            parameter: p.into(),
            values: v.as_array().cloned().unwrap_or_default(),
            base: base.as_object().cloned().unwrap_or_default(),
        };
        Self {
            default: Config::default(),
            sweeps: vec![
                sweep("variant", json!(["v8", "v8-13"]), json!({})),
                sweep("method", json!(["lbfgs", "adam", "snes"]), json!({})),
                sweep(
                    "population",
                    json!([20, 50, 100]),
                    json!({"method": "snes"}),
                ),
                sweep("sigma0", json!([0.1, 0.3, 1.0]), json!({"method": "snes"})),
                sweep(
                    "adam_lr",
                    json!([0.001, 0.005, 0.02]),
                    json!({"method": "adam"}),
                ),
                sweep("starts", json!([4, 16, 32]), json!({})),
                sweep("l2", json!([0.0, 1e-5, 1e-4, 1e-3]), json!({})),
                sweep("train_fraction", json!([0.6, 0.7, 0.8, 0.9]), json!({})),
                sweep("map_25", json!([150.0, 155.0, 160.0, 165.0]), json!({})),
            ],
            long: LongPlan {
                factor: 4,
                target: None,
            },
        }
    }
}

/// Why a study failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TuneError {
    /// The plan file could not be read or parsed.
    #[error("plan {}: {message}", path.display())]
    Plan {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
    /// A sweep names an unknown field or a value of the wrong type.
    #[error("sweep of `{parameter}`: {message}")]
    Sweep {
        /// The swept field.
        parameter: String,
        /// What was wrong.
        message: String,
    },
    /// The data could not be loaded.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A run failed.
    #[error("run {key}")]
    Fit {
        /// The run.
        key: String,
        /// The fit's error.
        #[source]
        source: FitError,
    },
    /// Shard files do not fit together.
    #[error("merge: {0}")]
    Merge(String),
    /// A setting is out of range.
    #[error("{0}")]
    Setting(String),
    /// A `--shard` value is not `I/N` with `0 <= I < N`.
    #[error("{0}")]
    Shard(&'static str),
    /// A folder of shard files could not be listed.
    #[error("cannot list {}", path.display())]
    List {
        /// The folder.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A folder given to merge holds no shard file.
    #[error("{} holds no shard-*.json file", .0.display())]
    NoShards(PathBuf),
    /// The output folder could not be created.
    #[error("cannot create {}", path.display())]
    OutDir {
        /// The folder.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// An output file could not be written.
    #[error(transparent)]
    Write(#[from] crate::atomic::WriteError),
    /// A figure could not be drawn.
    #[error(transparent)]
    Plot(#[from] crate::atomic::PlotError),
}

/// Reads a plan file (JSON).
///
/// # Errors
/// [`TuneError::Plan`] naming the file, with serde's line and column for bad JSON or unknown fields.
pub fn load_plan(path: &Path) -> Result<Plan, TuneError> {
    let fail = |message: String| TuneError::Plan {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let plan: Plan = serde_json::from_str(&text).map_err(|e| fail(e.to_string()))?;
    runs_of(&plan).map_err(|e| fail(e.to_string()))?;
    Ok(plan)
}

/// One phase-1 run: its configuration and where it appears.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedRun {
    /// Stable key (index in the plan's run list).
    pub key: String,
    /// The configuration.
    pub config: Config,
}

/// The distinct phase-1 configurations of `plan` (the default first), in a fixed order.
///
/// # Errors
/// [`TuneError::Sweep`] for an unknown field or a value of the wrong type.
pub fn runs_of(plan: &Plan) -> Result<Vec<PlannedRun>, TuneError> {
    let mut configs = vec![plan.default.clone()];
    for sweep in &plan.sweeps {
        for v in &sweep.values {
            let c = sweep_config(&plan.default, sweep, v)?;
            if !configs.contains(&c) {
                configs.push(c);
            }
        }
    }
    Ok(configs
        .into_iter()
        .enumerate()
        .map(|(i, config)| PlannedRun {
            key: format!("run{i:03}"),
            config,
        })
        .collect())
}

/// The configuration of one sweep value.
fn sweep_config(
    default: &Config,
    sweep: &Sweep,
    value: &serde_json::Value,
) -> Result<Config, TuneError> {
    let fail = |message: String| TuneError::Sweep {
        parameter: sweep.parameter.clone(),
        message,
    };
    let mut v = serde_json::to_value(default).map_err(|e| fail(e.to_string()))?;
    let obj = v
        .as_object_mut()
        .ok_or_else(|| fail("the configuration is not an object".into()))?;
    for (k, b) in &sweep.base {
        if !obj.contains_key(k) {
            return Err(fail(format!("unknown field `{k}` in base")));
        }
        obj.insert(k.clone(), b.clone());
    }
    if !obj.contains_key(&sweep.parameter) {
        return Err(fail(format!(
            "unknown field; the fields are {}",
            obj.keys().cloned().collect::<Vec<_>>().join(", ")
        )));
    }
    obj.insert(sweep.parameter.clone(), value.clone());
    serde_json::from_value(v).map_err(|e| fail(format!("value {value}: {e}")))
}

/// MIN and AVG of the last [`LAST_ROWS`] rows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// Train NLL per transition: minimum of the last rows.
    pub train_min: f64,
    /// Train NLL per transition: mean of the last rows.
    pub train_avg: f64,
    /// Test NLL per transition: minimum of the last rows (`None` without a test set).
    pub test_min: Option<f64>,
    /// Test NLL per transition: mean of the last rows.
    pub test_avg: Option<f64>,
}

impl Score {
    /// The score of a loss log.
    pub fn of(rows: &[LossRow]) -> Self {
        let last = &rows[rows.len().saturating_sub(LAST_ROWS)..];
        let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
        let avg = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        let train: Vec<f64> = last.iter().map(|r| r.train_nll).collect();
        let test: Vec<f64> = last.iter().filter_map(|r| r.test_nll).collect();
        let has_test = !test.is_empty();
        Self {
            train_min: min(&train),
            train_avg: avg(&train),
            test_min: has_test.then(|| min(&test)),
            test_avg: has_test.then(|| avg(&test)),
        }
    }

    /// What "best" means in a sweep: the test AVG, or the train AVG without a test set.
    pub fn key(&self) -> f64 {
        self.test_avg.unwrap_or(self.train_avg)
    }
}

/// The deterministic result of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    /// The run's key.
    pub key: String,
    /// Its configuration.
    pub config: Config,
    /// MIN/AVG scores.
    pub score: Score,
    /// Training log-likelihood of the result (summed).
    pub log_likelihood: f64,
    /// Training / test transitions.
    pub transitions: (usize, usize),
    /// Rows of the loss log.
    pub rows: usize,
    /// Value-and-gradient evaluations.
    pub evaluations: usize,
    /// Value-only evaluations.
    pub value_evaluations: usize,
}

/// A run's result with what varies between machines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timed {
    /// The deterministic part.
    pub result: RunResult,
    /// Wall time of the fit, seconds.
    pub wall_seconds: f64,
}

/// Runs one configuration on the data at `data`; returns the result and the loss log.
///
/// # Errors
/// [`TuneError`] when the data cannot be loaded or the fit fails.
pub fn run_one(data: &Path, run: &PlannedRun) -> Result<(Timed, Vec<LossRow>), TuneError> {
    let c = &run.config;
    let map = TemperatureMap {
        pairs: vec![(25.0, c.map_25)],
    };
    let all = Dataset::load(data, &map)?;
    let fail = |source| TuneError::Fit {
        key: run.key.clone(),
        source,
    };
    let (train, test) = fit::temporal_split(&all, c.train_fraction).map_err(fail)?;
    let test = (test.transitions() > 0).then_some(test);
    let report = fit::fit_split(&train, test.as_ref(), &c.fit_options(), &|_| {}).map_err(fail)?;
    let result = RunResult {
        key: run.key.clone(),
        config: c.clone(),
        score: Score::of(&report.loss),
        log_likelihood: report.log_likelihood,
        transitions: (report.train_transitions, report.test_transitions),
        rows: report.loss.len(),
        evaluations: report.evaluations,
        value_evaluations: report.value_evaluations,
    };
    Ok((
        Timed {
            result,
            wall_seconds: report.wall_time.as_secs_f64(),
        },
        report.loss,
    ))
}

/// How to run a study.
#[derive(Debug, Clone, PartialEq)]
pub struct TuneOptions {
    /// Data: a `<T>/mean.txt` folder or a CSV.
    pub data: PathBuf,
    /// Output folder.
    pub out: PathBuf,
    /// The plan.
    pub plan: Plan,
    /// Run only the runs with `index % n == i` and write a shard file.
    pub shard: Option<(usize, usize)>,
    /// Worker threads (`None`: one per core).
    pub threads: Option<usize>,
}

/// Parses a shard `I/N` (slice `I` of `N`, `0 <= I < N`).
///
/// ```
/// assert_eq!(host_train::tune::parse_shard("1/4")?, (1, 4));
/// assert!(host_train::tune::parse_shard("4/4").is_err());
/// # Ok::<(), host_train::tune::TuneError>(())
/// ```
///
/// # Errors
/// [`TuneError::Shard`] saying what is wrong.
pub fn parse_shard(s: &str) -> Result<(usize, usize), TuneError> {
    let (i, n) = s
        .split_once('/')
        .ok_or(TuneError::Shard("expected I/N, e.g. 0/4"))?;
    let i: usize = i
        .trim()
        .parse()
        .map_err(|_| TuneError::Shard("I is not a number"))?;
    let n: usize = n
        .trim()
        .parse()
        .map_err(|_| TuneError::Shard("N is not a number"))?;
    if n == 0 || i >= n {
        return Err(TuneError::Shard("need 0 <= I < N"));
    }
    Ok((i, n))
}

/// The shard files given to `tune merge`: each file as given, each folder's `shard-*.json` files
/// in name order.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("shard-1-of-2.json"), "{}")?;
/// std::fs::write(dir.path().join("shard-0-of-2.json"), "{}")?;
/// std::fs::write(dir.path().join("notes.txt"), "")?;
/// let files = host_train::tune::shard_files(&[dir.path().to_path_buf()])?;
/// assert_eq!(files, [dir.path().join("shard-0-of-2.json"), dir.path().join("shard-1-of-2.json")]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`TuneError::List`] for a folder that cannot be listed, [`TuneError::NoShards`] for a folder
/// without shard files.
pub fn shard_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, TuneError> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|source| TuneError::List {
                    path: p.clone(),
                    source,
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("shard-") && n.ends_with(".json"))
                })
                .collect();
            if found.is_empty() {
                return Err(TuneError::NoShards(p.clone()));
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(p.clone());
        }
    }
    Ok(files)
}

/// The shard file of a partial study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardFile {
    /// Always `"host-train tune shard"`.
    pub format: String,
    /// `(i, n)`.
    pub shard: (usize, usize),
    /// The plan.
    pub plan: Plan,
    /// Hash of the data file(s) (the study's data at the default temperature map).
    pub data_hash: String,
    /// Number of phase-1 runs of the whole plan.
    pub total_runs: usize,
    /// The results of this shard's runs.
    pub results: Vec<Timed>,
}

const SHARD_FORMAT: &str = "host-train tune shard";

fn data_hash(data: &Path) -> Result<String, TuneError> {
    let d = Dataset::load(data, &TemperatureMap::default())?;
    Ok(fit::checkpoint::data_hash(&[Some(&d)]))
}

/// `f` of every item on `threads` worker threads (default: one per core) of a rayon pool,
/// results in item order (so the same plan and seeds give the same results on any count).
///
/// Each run's fit uses its own one-thread rayon pool. The workers are the pool's threads, each
/// running one broadcast job that takes the next item from a shared counter: a broadcast job is
/// never stolen, so a worker waiting on its fit never picks up another run (as a worker of a
/// parallel iterator would) and each run's wall time is its own.
fn parallel<T: Sync, R: Send>(
    items: &[T],
    threads: Option<usize>,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let n = threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, items.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<R>>> =
        items.iter().map(|_| std::sync::Mutex::new(None)).collect();
    let work = || {
        loop {
            let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(item) = items.get(k) else { break };
            let r = f(item);
            *slots[k].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
        }
    };
    match rayon::ThreadPoolBuilder::new().num_threads(n).build() {
        Ok(pool) => pool.broadcast(|_| work()),
        // no pool (the system refused the threads): every run on this thread
        Err(_) => vec![work()],
    };
    slots
        .into_iter()
        .filter_map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect()
}

/// Runs phase 1 (or one shard of it). `progress(done, total)` is called as runs finish.
///
/// # Errors
/// [`TuneError`] for a bad plan, data, or a failed run.
pub fn phase1(
    options: &TuneOptions,
    progress: crate::progress::ProgressFn<'_>,
) -> Result<ShardFile, TuneError> {
    let (i, n) = options.shard.unwrap_or((0, 1));
    if n == 0 || i >= n {
        return Err(TuneError::Setting(format!(
            "shard {i}/{n}: the index must be below the count"
        )));
    }
    let runs = runs_of(&options.plan)?;
    let mine: Vec<&PlannedRun> = runs
        .iter()
        .enumerate()
        .filter(|(k, _)| k % n == i)
        .map(|(_, r)| r)
        .collect();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let results = parallel(&mine, options.threads, |r| {
        let out = run_one(&options.data, r).map(|(t, _)| t);
        let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        progress(crate::progress::Progress::new(
            "phase 1 runs",
            d,
            mine.len(),
        ));
        out
    })
    .into_iter()
    .collect::<Result<Vec<Timed>, TuneError>>();
    Ok(ShardFile {
        format: SHARD_FORMAT.into(),
        shard: (i, n),
        plan: options.plan.clone(),
        data_hash: data_hash(&options.data)?,
        total_runs: runs.len(),
        results: results?,
    })
}

/// Writes a shard file into `dir` as `shard-<i>-of-<n>.json`; returns its path.
///
/// # Errors
/// [`TuneError::OutDir`] or [`TuneError::Write`].
pub fn write_shard(dir: &Path, shard: &ShardFile) -> Result<PathBuf, TuneError> {
    std::fs::create_dir_all(dir).map_err(|source| TuneError::OutDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let path = dir.join(format!("shard-{}-of-{}.json", shard.shard.0, shard.shard.1));
    crate::atomic::write(&path, json_text(shard).as_bytes())?;
    Ok(path)
}

/// Reads a shard file.
///
/// # Errors
/// [`TuneError::Merge`] naming the file.
pub fn read_shard(path: &Path) -> Result<ShardFile, TuneError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| TuneError::Merge(format!("cannot read {}: {e}", path.display())))?;
    let s: ShardFile = serde_json::from_str(&text)
        .map_err(|e| TuneError::Merge(format!("{} is not a shard file: {e}", path.display())))?;
    if s.format != SHARD_FORMAT {
        return Err(TuneError::Merge(format!(
            "{} has format {:?}, expected {SHARD_FORMAT:?}",
            path.display(),
            s.format
        )));
    }
    Ok(s)
}

fn json_text<T: Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// One row of a phase-1 table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepRow {
    /// The swept value.
    pub value: serde_json::Value,
    /// The run that gave it.
    pub key: String,
    /// Its scores.
    pub score: Score,
    /// % change of each score against the default run (negative: lower loss).
    pub change: Change,
    /// Training log-likelihood of the result.
    pub log_likelihood: f64,
}

/// % changes against the default (`100 * (x - default) / |default|`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Change {
    /// Train MIN.
    pub train_min: f64,
    /// Train AVG.
    pub train_avg: f64,
    /// Test MIN.
    pub test_min: Option<f64>,
    /// Test AVG.
    pub test_avg: Option<f64>,
}

impl Change {
    fn of(s: &Score, d: &Score) -> Self {
        let pct = |x: f64, base: f64| 100.0 * (x - base) / base.abs();
        let opt = |x: Option<f64>, b: Option<f64>| x.zip(b).map(|(x, b)| pct(x, b));
        Self {
            train_min: pct(s.train_min, d.train_min),
            train_avg: pct(s.train_avg, d.train_avg),
            test_min: opt(s.test_min, d.test_min),
            test_avg: opt(s.test_avg, d.test_avg),
        }
    }
}

/// The result of one sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepResult {
    /// The swept field.
    pub parameter: String,
    /// Overrides of the sweep.
    pub base: serde_json::Map<String, serde_json::Value>,
    /// One row per value.
    pub rows: Vec<SweepRow>,
    /// The best value, when it beats the default (lower test AVG, or train AVG without a test set).
    pub best: Option<serde_json::Value>,
}

/// A phase-3 run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LongRun {
    /// `"default"` or `"combined"`.
    pub name: String,
    /// Its configuration (budgets multiplied).
    pub config: Config,
    /// Scores.
    pub score: Score,
    /// Best train NLL per transition of the log.
    pub best_train_nll: f64,
    /// First iteration whose train NLL reaches the target (`None`: never).
    pub iterations_to_target: Option<usize>,
    /// Rows of the loss log.
    pub rows: usize,
}

/// The deterministic report (`tune.json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The plan.
    pub plan: Plan,
    /// Hash of the data.
    pub data_hash: String,
    /// Every phase-1 run.
    pub runs: Vec<RunResult>,
    /// The default run's scores.
    pub default: Score,
    /// Phase 1.
    pub sweeps: Vec<SweepResult>,
    /// Phase 2: the combined configuration.
    pub combined: Config,
    /// Its scores and % change against the default.
    pub combined_score: Score,
    /// % change of the combined run.
    pub combined_change: Change,
    /// Phase 3: target train NLL per transition.
    pub target: f64,
    /// Phase 3 runs.
    pub long: Vec<LongRun>,
}

/// Wall times (`timing.json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timing {
    /// Per phase-1 run key, seconds.
    pub runs: Vec<(String, f64)>,
    /// Phase 2 run, seconds.
    pub combined: f64,
    /// Phase 3: per run, wall seconds and seconds to the target.
    pub long: Vec<(String, f64, Option<f64>)>,
    /// Whole study (phases 2-3 in this process plus phase 1 where it ran here), seconds.
    pub total: f64,
}

/// What a finished study wrote.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// `tune.json`'s content.
    pub report: Report,
    /// `timing.json`'s content.
    pub timing: Timing,
    /// Files written.
    pub files: Vec<PathBuf>,
}

/// Runs the whole study (or, with a shard, writes the shard file and returns `None`).
///
/// # Errors
/// [`TuneError`].
pub fn run(
    options: &TuneOptions,
    progress: crate::progress::ProgressFn<'_>,
) -> Result<Option<Outcome>, TuneError> {
    let t0 = std::time::Instant::now();
    // an output folder that cannot be written is refused before the runs
    crate::atomic::OutputSet::check(&options.out)?;
    let shard = phase1(options, progress)?;
    if options.shard.is_some() {
        write_shard(&options.out, &shard)?;
        return Ok(None);
    }
    finish(
        &options.data,
        &options.out,
        vec![shard],
        options.threads,
        t0,
    )
    .map(Some)
}

/// Merges shard files and finishes the study (phases 2 and 3 and the report) into `out`.
///
/// # Errors
/// [`TuneError::Merge`] when the shards have different plans or data, overlap, or miss runs.
pub fn merge(
    data: &Path,
    out: &Path,
    shards: &[PathBuf],
    threads: Option<usize>,
) -> Result<Outcome, TuneError> {
    let t0 = std::time::Instant::now();
    crate::atomic::OutputSet::check(out)?;
    let files = shards
        .iter()
        .map(|p| read_shard(p))
        .collect::<Result<Vec<_>, _>>()?;
    finish(data, out, files, threads, t0)
}

fn finish(
    data: &Path,
    out: &Path,
    shards: Vec<ShardFile>,
    threads: Option<usize>,
    t0: std::time::Instant,
) -> Result<Outcome, TuneError> {
    let first = shards
        .first()
        .ok_or_else(|| TuneError::Merge("no shard files given".into()))?;
    let plan = first.plan.clone();
    let hash = data_hash(data)?;
    for s in &shards {
        if s.plan != plan {
            return Err(TuneError::Merge(format!(
                "shard {}/{} has another plan than shard {}/{}",
                s.shard.0, s.shard.1, first.shard.0, first.shard.1
            )));
        }
        if s.data_hash != hash {
            return Err(TuneError::Merge(format!(
                "shard {}/{} was run on other data (hash {}, the data given to merge has {hash})",
                s.shard.0, s.shard.1, s.data_hash
            )));
        }
    }
    let planned = runs_of(&plan)?;
    let mut timed: Vec<Option<Timed>> = vec![None; planned.len()];
    for s in &shards {
        for t in &s.results {
            let k = planned
                .iter()
                .position(|p| p.key == t.result.key && p.config == t.result.config)
                .ok_or_else(|| {
                    TuneError::Merge(format!("run {} is not part of the plan", t.result.key))
                })?;
            if timed[k].is_some() {
                return Err(TuneError::Merge(format!(
                    "run {} appears in two shards",
                    t.result.key
                )));
            }
            timed[k] = Some(t.clone());
        }
    }
    let missing: Vec<&str> = planned
        .iter()
        .zip(&timed)
        .filter(|(_, t)| t.is_none())
        .map(|(p, _)| p.key.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(TuneError::Merge(format!(
            "runs missing (a shard was not given?): {}",
            missing.join(", ")
        )));
    }
    let timed: Vec<Timed> = timed.into_iter().flatten().collect();
    let results: Vec<RunResult> = timed.iter().map(|t| t.result.clone()).collect();
    let default = results[0].score;
    let find = |c: &Config| results.iter().find(|r| &r.config == c);

    // Phase 1 tables.
    let mut sweeps = Vec::new();
    for sweep in &plan.sweeps {
        let mut rows = Vec::new();
        for v in &sweep.values {
            let c = sweep_config(&plan.default, sweep, v)?;
            let r = find(&c).ok_or_else(|| TuneError::Merge(format!("no run for {v}")))?;
            rows.push(SweepRow {
                value: v.clone(),
                key: r.key.clone(),
                score: r.score,
                change: Change::of(&r.score, &default),
                log_likelihood: r.log_likelihood,
            });
        }
        // A value must beat the default by more than 0.01 % to count; the train fraction changes
        // the test set itself, so its sweep is reported but never combined.
        let best = rows
            .iter()
            .filter(|_| sweep.parameter != "train_fraction")
            .filter(|r| r.score.key() < default.key() - 1e-4 * default.key().abs())
            .min_by(|a, b| a.score.key().total_cmp(&b.score.key()))
            .map(|r| r.value.clone());
        sweeps.push(SweepResult {
            parameter: sweep.parameter.clone(),
            base: sweep.base.clone(),
            rows,
            best,
        });
    }

    // Phase 2: the best of each sweep combined. Sweeps without a base first; then a sweep run with
    // a base (e.g. the SNES population, swept with method = snes) only if the combination has that
    // base (the best optimiser is SNES), since its value does nothing otherwise.
    let mut combined = plan.default.clone();
    let with = |c: &Config, key: &str, value: &serde_json::Value| -> Result<Config, TuneError> {
        let sweep = Sweep {
            parameter: key.into(),
            values: Vec::new(),
            base: serde_json::Map::new(),
        };
        sweep_config(c, &sweep, value)
    };
    for pass_plain in [true, false] {
        for s in sweeps.iter().filter(|s| s.base.is_empty() == pass_plain) {
            let Some(best) = &s.best else { continue };
            let current = serde_json::to_value(&combined).unwrap_or_default();
            if s.base.iter().all(|(k, v)| current.get(k) == Some(v)) {
                combined = with(&combined, &s.parameter, best)?;
            }
        }
    }
    let long_default = plan.default.long(plan.long.factor.max(1));
    let long_combined = combined.long(plan.long.factor.max(1));
    let jobs = [
        PlannedRun {
            key: "combined".into(),
            config: combined.clone(),
        },
        PlannedRun {
            key: "long-default".into(),
            config: long_default,
        },
        PlannedRun {
            key: "long-combined".into(),
            config: long_combined,
        },
    ];
    let done: Vec<(Timed, Vec<LossRow>)> = parallel(&jobs, threads, |j| run_one(data, j))
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    let combined_score = done[0].0.result.score;
    let best_of = |rows: &[LossRow]| {
        rows.iter()
            .map(|r| r.train_nll)
            .fold(f64::INFINITY, f64::min)
    };
    let target = plan.long.target.unwrap_or_else(|| best_of(&done[1].1));
    fn reach(rows: &[LossRow], target: f64) -> Option<&LossRow> {
        rows.iter().find(|r| r.train_nll <= target + 1e-9)
    }
    let long: Vec<LongRun> = done[1..]
        .iter()
        .zip(["default", "combined"])
        .map(|((t, rows), name)| LongRun {
            name: name.into(),
            config: t.result.config.clone(),
            score: t.result.score,
            best_train_nll: best_of(rows),
            iterations_to_target: reach(rows, target).map(|r| r.iteration),
            rows: rows.len(),
        })
        .collect();
    let report = Report {
        plan,
        data_hash: hash,
        runs: results,
        default,
        sweeps,
        combined,
        combined_score,
        combined_change: Change::of(&combined_score, &default),
        target,
        long,
    };
    let timing = Timing {
        runs: timed
            .iter()
            .map(|t| (t.result.key.clone(), t.wall_seconds))
            .collect(),
        combined: done[0].0.wall_seconds,
        long: done[1..]
            .iter()
            .zip(["default", "combined"])
            .map(|((t, rows), name)| {
                (
                    name.to_string(),
                    t.wall_seconds,
                    reach(rows, target).map(|r| r.wall_seconds),
                )
            })
            .collect(),
        total: t0.elapsed().as_secs_f64(),
    };
    // every file of the report replaces the previous report as one set (shard files and other
    // files in the folder are kept)
    let mut set = crate::atomic::OutputSet::begin(out)?;
    for s in &report.sweeps {
        let points: Vec<crate::plots::tune::SweepPoint> = s
            .rows
            .iter()
            .map(|r| crate::plots::tune::SweepPoint {
                value: r.value.to_string(),
                train_avg: r.score.train_avg,
                train_min: r.score.train_min,
                test_avg: r.score.test_avg,
                test_min: r.score.test_min,
            })
            .collect();
        crate::plots::draw_into(&mut set, |dir| {
            crate::plots::tune::draw_sweep(dir, &s.parameter, &points)
        })?;
    }
    let long_lines: Vec<(String, Vec<(f64, f64)>)> = done[1..]
        .iter()
        .zip(["default", "combined"])
        .flat_map(|((_, rows), name)| {
            let train = (
                format!("{name}: train"),
                rows.iter().map(|r| (r.wall_seconds, r.train_nll)).collect(),
            );
            let test: Vec<(f64, f64)> = rows
                .iter()
                .filter_map(|r| r.test_nll.map(|t| (r.wall_seconds, t)))
                .collect();
            let mut v = vec![train];
            if !test.is_empty() {
                v.push((format!("{name}: test"), test));
            }
            v
        })
        .collect();
    crate::plots::draw_into(&mut set, |dir| {
        crate::plots::tune::draw_long_runs(dir, &long_lines)
    })?;
    set.write("tune.json", json_text(&report).as_bytes())?;
    set.write("timing.json", json_text(&timing).as_bytes())?;
    set.write("tune.md", render_markdown(&report, &timing).as_bytes())?;
    let files = set.commit()?;
    Ok(Outcome {
        report,
        timing,
        files,
    })
}

fn f5(v: f64) -> String {
    format!("{v:.5}")
}

fn opt5(v: Option<f64>) -> String {
    v.map_or("-".into(), f5)
}

fn pct(v: f64) -> String {
    format!("{v:+.2}%")
}

fn opt_pct(v: Option<f64>) -> String {
    v.map_or("-".into(), pct)
}

/// The four score cells of a run with their change against the default.
fn score_cells(s: &Score, c: &Change) -> [String; 4] {
    [
        format!("{} ({})", f5(s.train_min), pct(c.train_min)),
        format!("{} ({})", f5(s.train_avg), pct(c.train_avg)),
        format!("{} ({})", opt5(s.test_min), opt_pct(c.test_min)),
        format!("{} ({})", opt5(s.test_avg), opt_pct(c.test_avg)),
    ]
}

/// The columns of a score table.
const SCORE_COLUMNS: [&str; 4] = ["train MIN", "train AVG", "test MIN", "test AVG"];

/// `tune.md`.
fn render_markdown(r: &Report, t: &Timing) -> String {
    use crate::table::Table;
    let wall = |key: &str| {
        t.runs
            .iter()
            .find(|(k, _)| k == key)
            .map_or(0.0, |(_, w)| *w)
    };
    let mut s = format!(
        "# Tuning study\n\n\
         Data hash {}; {} phase-1 runs; losses are negative log-likelihoods per transition (lower \
         is better), scored as the MIN and the AVG of the last {LAST_ROWS} rows of each run's \
         loss log; % change against the default run (negative: lower loss). Best of a sweep: \
         lowest test AVG (train AVG without a test set), if more than 0.01 % below the default's. \
         Runs with another train fraction are scored on other test data, so that sweep is \
         never combined. Study \
         wall time {:.1} s.\n\n",
        r.data_hash,
        r.runs.len(),
        t.total
    );
    s.push_str(&format!(
        "## Default configuration\n\n```json\n{}\n```\n\n",
        serde_json::to_string(&r.plan.default).unwrap_or_default()
    ));
    let mut default = Table::new(SCORE_COLUMNS);
    default.row([
        f5(r.default.train_min),
        f5(r.default.train_avg),
        opt5(r.default.test_min),
        opt5(r.default.test_avg),
    ]);
    s.push_str(&default.markdown());
    s.push_str("\n## Phase 1: one hyperparameter at a time\n\n");
    for sw in &r.sweeps {
        let base = if sw.base.is_empty() {
            String::new()
        } else {
            format!(
                " (with {})",
                serde_json::to_string(&sw.base).unwrap_or_default()
            )
        };
        s.push_str(&format!("### `{}`{base}\n\n", sw.parameter));
        let mut table = Table::new(
            ["value"]
                .into_iter()
                .chain(SCORE_COLUMNS)
                .chain(["train LL", "wall s"]),
        );
        for row in &sw.rows {
            table.row(
                std::iter::once(row.value.to_string())
                    .chain(score_cells(&row.score, &row.change))
                    .chain([
                        format!("{:.3}", row.log_likelihood),
                        format!("{:.2}", wall(&row.key)),
                    ]),
            );
        }
        s.push_str(&table.markdown());
        s.push_str(&format!(
            "\nBest: {}.\n\n![{0}](sweep_{}.png)\n\n",
            sw.best
                .as_ref()
                .map_or("the default (no value beats it)".into(), |b| format!(
                    "`{b}`"
                )),
            sw.parameter
        ));
    }
    s.push_str(&format!(
        "## Phase 2: combined\n\n```json\n{}\n```\n\n",
        serde_json::to_string(&r.combined).unwrap_or_default()
    ));
    let mut combined = Table::new(SCORE_COLUMNS);
    combined.row(score_cells(&r.combined_score, &r.combined_change));
    s.push_str(&combined.markdown());
    s.push_str(&format!("\nWall time {:.2} s.\n\n", t.combined));
    s.push_str(&format!(
        "## Phase 3: long runs (budgets x{})\n\nTarget: train NLL {} per transition{}.\n\n",
        r.plan.long.factor,
        f5(r.target),
        if r.plan.long.target.is_some() {
            ""
        } else {
            " (the default long run's best)"
        }
    ));
    let mut long = Table::new([
        "run",
        "train AVG",
        "test AVG",
        "best train NLL",
        "rows",
        "iterations to target",
        "seconds to target",
        "wall s",
    ]);
    for (l, (_, w, to)) in r.long.iter().zip(&t.long) {
        long.row([
            l.name.to_string(),
            f5(l.score.train_avg),
            opt5(l.score.test_avg),
            f5(l.best_train_nll),
            l.rows.to_string(),
            l.iterations_to_target
                .map_or("never".into(), |i| i.to_string()),
            to.map_or("never".into(), |v| format!("{v:.2}")),
            format!("{w:.2}"),
        ]);
    }
    s.push_str(&long.markdown());
    s.push_str("\n![long runs](long_runs.png)\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_plan_has_distinct_runs_and_the_default_first() {
        let plan = Plan::default();
        let runs = runs_of(&plan).unwrap();
        assert_eq!(runs[0].config, plan.default);
        for (i, a) in runs.iter().enumerate() {
            assert!(runs[i + 1..].iter().all(|b| b.config != a.config));
        }
    }

    #[test]
    fn unknown_sweep_fields_and_bad_values_are_named() {
        let mut plan = Plan {
            sweeps: vec![Sweep {
                parameter: "neurons".into(),
                values: vec![serde_json::json!(3)],
                base: Default::default(),
            }],
            ..Plan::default()
        };
        let e = runs_of(&plan).unwrap_err().to_string();
        assert!(e.contains("neurons") && e.contains("unknown field"), "{e}");
        plan.sweeps[0].parameter = "starts".into();
        plan.sweeps[0].values = vec![serde_json::json!("many")];
        let e = runs_of(&plan).unwrap_err().to_string();
        assert!(e.contains("starts") && e.contains("many"), "{e}");
    }

    #[test]
    fn scores_use_the_last_ten_rows() {
        let rows: Vec<LossRow> = (0..15)
            .map(|i| LossRow {
                iteration: i + 1,
                wall_seconds: 0.0,
                train_nll: -(i as f64),
                test_nll: Some(1.0 - i as f64),
                regularization: 0.0,
                step_min: None,
                step_max: None,
            })
            .collect();
        let s = Score::of(&rows);
        assert_eq!(s.train_min, -14.0);
        assert_eq!(s.train_avg, -9.5);
        assert_eq!(s.test_avg, Some(-8.5));
        assert_eq!(s.key(), -8.5);
    }
}
