//! `host-train`: fits the V8 galling model to press stroke data, checks it, and writes the parameter
//! blob the firmware loads. Run `host-train --help` and `host-train <command> --help`.

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use galling::V8Params;
use galling::family::ModelId;
use galling::features::FeatureSettings;
use host_train::dataset::{Dataset, TemperatureMap};
use host_train::fit::{self, FitOptions, Method, Progress};
use host_train::simulation::StartRule;
use host_train::summary::LlTable;
use indicatif::ProgressBar;
use std::path::PathBuf;

mod cli;

/// Fit, compare, evaluate and simulate the galling model family (V8, V8-13, V9, V7), and prepare the firmware blob.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    /// Print only errors: no progress bars, no tables.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fit the model to per-stroke COF data and write params.json, params.bin (firmware blob),
    /// summary.json and the figures (PNG and SVG) into the output folder.
    Train(TrainArgs),
    /// Evaluate a parameter file (JSON or blob) on data: per-temperature log-likelihood table.
    Evaluate(EvaluateArgs),
    /// Simulate COF trajectories at one die temperature and write them as CSV
    /// (columns run,stroke,temperature,cof).
    Simulate(SimulateArgs),
    /// Average a folder of raw stroke recordings (CSV with force_y, force_z, position_x) into
    /// per-stroke mean.txt and std.txt, and their stroke features into features.csv (breakaway
    /// peak, run-in high-COF share, exit peak), with the core's streaming StrokeFeatureExtractor.
    Average(AverageArgs),
    /// Generate the synthetic demo data set (the published fit simulated in the shape of the real
    /// data: 25/165/167.5/170 C with 332/112/280/142 strokes) as <out>/<T>/mean.txt.
    DemoData(DemoArgs),
    /// Replay per-stroke data (or raw stroke recordings) through the core's per-stroke Monitor and
    /// write replay.csv (stroke, COF, log-likelihood, jump posterior, stay probability, risk,
    /// expected strokes to galling, alarm level and reason) and replay.{png,svg}.
    Replay(cli::replay::ReplayArgs),
    /// Predictive validity on held-out strokes: blocked cross-validation and a temporal split,
    /// Brier scores against baselines with bootstrap intervals, reliability, recalibration, alarm
    /// lead times and false warnings; writes validation.json, validation.md and figures.
    Validate(cli::validate::ValidateArgs),
    /// Write the firmware blob of a parameter file for stroke data: the risk table over the data's
    /// temperature range and the onset warning calibrated on its strokes (also re-exports an old
    /// version-1 params.bin).
    Blob(BlobArgs),
    /// The tuning study: phase 1 sweeps one hyperparameter at a time around the default, phase 2
    /// combines the best values, phase 3 runs default and combined long; writes tune.md, tune.json,
    /// timing.json and figures. `tune merge` combines the shards of a sharded study.
    Tune(TuneArgs),
    /// Parameter analysis: standard errors from the observed information (exact dual-number
    /// Hessian), correlations, undetermined directions, worst transitions; writes analysis.json,
    /// analysis.md, parameters.{png,svg} and correlation.{png,svg}.
    Analyze(AnalyzeArgs),
    /// Fit (or load) every variant of the model family on the same data and compare them: LL in
    /// total and per temperature, parameter count, AIC and BIC, parameters, simulated against
    /// observed mean COF; writes comparison.{md,csv,json} and <variant>.json.
    Compare(CompareArgs),
}

#[derive(Debug, Args)]
struct CompareArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Output folder (created if missing; replaced as one set).
    #[arg(long, default_value = "out/compare")]
    out: PathBuf,
    /// The variants to compare, in table order.
    /// The variants to compare (`v8,v8-13,v9,v7`: every variant of the family by default).
    #[arg(long, value_delimiter = ',', value_parser = cli::parse_model)]
    models: Vec<ModelId>,
    /// A parameter file (JSON or blob) to use for its variant instead of fitting it (repeatable).
    #[arg(long)]
    params: Vec<PathBuf>,
    /// Seed of the fits' random starts.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Number of multistart starting points of each fit (default: the fitting engine's).
    #[arg(long)]
    starts: Option<usize>,
    /// Worker threads of the fits (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Fit without the physical boxes.
    #[arg(long)]
    unconstrained: bool,
    /// Simulated trajectories per series for the simulated means.
    #[arg(long, default_value_t = 200)]
    sim_runs: usize,
    /// Seed of the simulations.
    #[arg(long, default_value_t = 1)]
    sim_seed: u64,
}

#[derive(Debug, Args)]
struct AnalyzeArgs {
    /// Parameter file of any variant: params.json (or any JSON with a variant's names) or a params.bin blob.
    #[arg(long)]
    params: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    /// Output folder.
    #[arg(long, default_value = "out/analyze")]
    out: PathBuf,
    /// How many of the lowest-probability transitions to list.
    #[arg(long, default_value_t = 15)]
    worst: usize,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
struct TuneArgs {
    #[command(subcommand)]
    action: Option<TuneAction>,
    /// Per-stroke data (folder of <T>/mean.txt or CSV); the 25 C series is mapped per configuration.
    #[arg(long, default_value = "data/demo")]
    data: PathBuf,
    /// Output folder.
    #[arg(long, default_value = "out/tune")]
    out: PathBuf,
    /// Plan file (JSON, see the tune module docs); default: the built-in plan.
    #[arg(long)]
    plan: Option<PathBuf>,
    /// Run only slice I of N of the phase-1 runs (runs with index % N == I) and write
    /// <out>/shard-I-of-N.json; combine the shards with `tune merge`.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

#[derive(Debug, Subcommand)]
enum TuneAction {
    /// Combine shard files into the report one run writes (runs phases 2 and 3).
    Merge(TuneMergeArgs),
}

#[derive(Debug, Args)]
struct TuneMergeArgs {
    /// The data the shards ran on.
    #[arg(long, default_value = "data/demo")]
    data: PathBuf,
    /// Output folder.
    #[arg(long, default_value = "out/tune")]
    out: PathBuf,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Shard files (shard-I-of-N.json) or folders holding them.
    #[arg(required = true)]
    shards: Vec<PathBuf>,
}

#[derive(Debug, Args)]
struct DataArgs {
    /// Per-stroke data: a folder of <T>/mean.txt (T in degC, one COF a line) or a CSV file with the
    /// header temperature,series,stroke,cof.
    #[arg(long, default_value = "data/demo")]
    data: PathBuf,
    /// Temperatures to evaluate recorded series at, as RECORDED:MODEL pairs separated by commas
    /// (default 25:160: the 25 C baseline is evaluated as 160 C). Pass "" for no mapping.
    #[arg(long, default_value = "25:160")]
    map: String,
}

impl DataArgs {
    fn load(&self, quiet: bool) -> Result<(Dataset, TemperatureMap)> {
        let map = TemperatureMap::parse(&self.map)?;
        let (data, report) = Dataset::load_reported(&self.data, &map)?;
        cli::show_load_report(&report, quiet);
        Ok((data, map))
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum MethodArg {
    /// L-BFGS on exact dual-number gradients, multistart (fast; the default).
    Lbfgs,
    /// Adam with the published PyTorch recipe (lr 0.005, plateau schedule, 8000 epochs).
    Adam,
    /// Separable natural evolution strategy (GPUMD's NEP optimiser), then an L-BFGS polish.
    Snes,
}

/// `--sim-start`: the command-line names of [`StartRule`].
#[derive(Debug, Clone, Copy, ValueEnum)]
enum StartArg {
    /// The first observed COF of the series being compared against.
    Observed,
    /// The model's initial COF, `clamp(mu0_base, 0.1, 1.3)`.
    Model,
}

impl From<StartArg> for StartRule {
    fn from(a: StartArg) -> Self {
        match a {
            StartArg::Observed => Self::Observed,
            StartArg::Model => Self::Model,
        }
    }
}

#[derive(Debug, Args)]
struct TrainArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Output folder (created if missing; the outputs replace the previous run's as one set, files
    /// that no run wrote are kept).
    #[arg(long, default_value = "out/train")]
    out: PathBuf,
    /// Optimizer.
    #[arg(long, value_enum, default_value_t = MethodArg::Lbfgs)]
    method: MethodArg,
    /// Seed of the fit's random starts (same seed, same result).
    #[arg(long)]
    seed: Option<u64>,
    /// Number of multistart starting points (default: the fitting engine's).
    #[arg(long)]
    starts: Option<usize>,
    /// Worker threads of the fit (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Parameter file (JSON or blob) to start the fit from, instead of the engine's starts.
    #[arg(long)]
    start: Option<PathBuf>,
    /// Drop the physical box (wells inside [0.1, 1.3], omega0 in [0, 1]); finds higher but
    /// degenerate optima.
    #[arg(long)]
    unconstrained: bool,
    /// Simulated trajectories per series for the quality table and plots.
    #[arg(long, default_value_t = 200)]
    sim_runs: usize,
    /// Seed of the simulations.
    #[arg(long, default_value_t = 1)]
    sim_seed: u64,
    /// Where simulated trajectories start: the series' first observed COF, or the model's mu0_base.
    #[arg(long, value_enum, default_value_t = StartArg::Observed)]
    sim_start: StartArg,
    /// Skip the figures.
    #[arg(long)]
    no_plots: bool,
    /// Train on the first F of each series' transitions and log the test loss on the rest (a
    /// temporal split per series; the test loss is never optimised). Default: no split.
    #[arg(long, value_name = "F")]
    split: Option<f64>,
    /// Model variant of the family: v8 (15 parameters), v8-13 (g0 = g_T = 0, 13), v9 (fixed
    /// potential, 12), v7 (linear kernel, 17) or v8-precursor (V8 with the escape scaled by the
    /// stroke's breakaway peak and run-in high share, 17; reads the data folder's strokes/, writes
    /// no params.bin: the blob cannot carry it yet). `--variant` is the older name of this flag.
    #[arg(long, value_parser = cli::parse_model, default_value = "v8", alias = "variant")]
    model: ModelId,
    /// Weight of an L2 penalty per transition on the scaled parameters (0: none).
    #[arg(long, default_value_t = 0.0)]
    l2: f64,
    /// SNES: individuals per generation.
    #[arg(long)]
    population: Option<usize>,
    /// SNES: initial step size on the scaled parameters.
    #[arg(long)]
    sigma0: Option<f64>,
    /// SNES: number of generations.
    #[arg(long)]
    generations: Option<usize>,
    /// SNES: skip the final L-BFGS polish.
    #[arg(long)]
    no_polish: bool,
    /// Adam: learning rate.
    #[arg(long)]
    lr: Option<f64>,
    /// Adam: number of epochs.
    #[arg(long)]
    epochs: Option<usize>,
    /// SNES and Adam: write <out>/checkpoint.json every N generations or epochs (atomically).
    #[arg(long, value_name = "N")]
    checkpoint_every: Option<usize>,
    /// SNES and Adam: continue the run whose checkpoint.json is in DIR (same data and settings
    /// required).
    #[arg(long, value_name = "DIR")]
    resume: Option<PathBuf>,
    /// SNES and Adam: stop after generation or epoch N, leaving a checkpoint (for time-boxed batch
    /// jobs and tests).
    #[arg(long, value_name = "N")]
    stop_after: Option<usize>,
    #[command(flatten)]
    monitor: MonitorArgs,
}

/// The monitor written into the blob.
#[derive(Debug, Args)]
struct MonitorArgs {
    /// Galling threshold, COF: a stroke above it is galled (the same in the blob, replay and
    /// validate).
    #[arg(long, default_value_t = galling::risk::DEFAULT_GALLING_THRESHOLD)]
    galling_threshold: f32,
    /// Forecast horizon of the risk, strokes (1 to 100).
    #[arg(long, default_value_t = galling::risk::DEFAULT_HORIZON)]
    horizon: u16,
    /// Onset-warning budget on the training strokes: warnings raised per 100 clean strokes, at most.
    #[arg(long, default_value_t = 4.0)]
    warnings_per_100_clean: f64,
    /// Onset-warning budget: share of the clean strokes of any series under a warning, at most.
    #[arg(long, default_value_t = 0.10)]
    clean_share: f64,
}

impl MonitorArgs {
    fn options(&self) -> Result<host_train::train::MonitorOptions> {
        if !(self.warnings_per_100_clean >= 0.0 && (0.0..=1.0).contains(&self.clean_share)) {
            bail!("--warnings-per-100-clean must be >= 0 and --clean-share within 0..1");
        }
        let spec = galling::risk::TableSpec {
            threshold: self.galling_threshold,
            horizon: self.horizon,
            ..galling::risk::TableSpec::new(160.0, 170.0)
        };
        spec.validate()
            .map_err(|e| anyhow::anyhow!("--galling-threshold / --horizon: {e}"))?;
        Ok(host_train::train::MonitorOptions {
            threshold: self.galling_threshold,
            horizon: self.horizon,
            target: host_train::package::CalibrationTarget {
                raises_per_100_clean: self.warnings_per_100_clean,
                clean_share: self.clean_share,
            },
        })
    }
}

#[derive(Debug, Args)]
struct BlobArgs {
    /// Parameter file: params.json, or an old version-1 params.bin to re-export.
    #[arg(long)]
    params: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    /// The blob to write (atomically).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    monitor: MonitorArgs,
}

#[derive(Debug, Args)]
struct EvaluateArgs {
    /// Parameter file of any variant: params.json (or any JSON with a variant's names) or a params.bin blob.
    #[arg(long)]
    params: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    /// Print the table as JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct SimulateArgs {
    /// Parameter file of any variant: params.json (or any JSON with a variant's names) or a params.bin blob.
    #[arg(long)]
    params: PathBuf,
    /// Die temperature the model is evaluated at, degC (no mapping is applied).
    #[arg(long)]
    temperature: f64,
    /// Strokes per trajectory (including the start), 1 to 1,000,000.
    #[arg(long, default_value_t = 200)]
    strokes: usize,
    /// Number of trajectories, 1 to 100,000 (strokes x runs at most 20,000,000).
    #[arg(long, default_value_t = 1)]
    runs: usize,
    /// Seed (same seed, same trajectories).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Starting COF (default: the model's clamp(mu0_base, 0.1, 1.3)).
    #[arg(long)]
    start: Option<f64>,
    /// Output CSV file.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Debug, Args)]
struct AverageArgs {
    /// Folder of stroke CSV files (ordered by the integer before the first `_` of each name).
    folder: PathBuf,
    /// Output folder for mean.txt, std.txt (or strokes.csv with --csv) and features.csv.
    #[arg(long)]
    out: PathBuf,
    /// Write one strokes.csv (stroke,file,samples,mean,std) instead of mean.txt and std.txt.
    #[arg(long)]
    csv: bool,
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// Output folder (gets <T>/mean.txt for each temperature).
    #[arg(long, default_value = "data/demo")]
    out: PathBuf,
    /// Seed of the simulation (the shipped data/demo uses the default).
    #[arg(long, default_value_t = host_train::demo::DEFAULT_SEED)]
    seed: u64,
    /// Temperature mapping used to simulate the series (RECORDED:MODEL pairs).
    #[arg(long, default_value = "25:160")]
    map: String,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", cli::error_message(&e));
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> Result<()> {
    match &cli.command {
        Command::Train(a) => train(a, cli.quiet),
        Command::Evaluate(a) => evaluate(a, cli.quiet),
        Command::Simulate(a) => simulate(a, cli.quiet),
        Command::Average(a) => average(a, cli.quiet),
        Command::DemoData(a) => demo(a, cli.quiet),
        Command::Replay(a) => cli::replay::run(a, cli.quiet),
        Command::Validate(a) => cli::validate::run(a, cli.quiet),
        Command::Blob(a) => blob(a, cli.quiet),
        Command::Tune(a) => tune(a, cli.quiet),
        Command::Analyze(a) => analyze(a, cli.quiet),
        Command::Compare(a) => compare(a, cli.quiet),
    }
}

/// The data for evaluating `params` (read from `path`): for a variant with stroke features
/// (V8-P), with each series' features from the folder's raw strokes and the feature settings
/// stored in the parameter file (a file without them: every stroke at the clean baseline).
fn load_for(
    params: &galling::family::ModelParams<f64>,
    path: &std::path::Path,
    data: &DataArgs,
    quiet: bool,
) -> Result<(Dataset, Option<host_train::precursor::FeatureScaling>)> {
    let (mut loaded, _) = data.load(quiet)?;
    if !host_train::precursor::uses_features(params.model()) {
        return Ok((loaded, None));
    }
    loaded.attach_stroke_features(&data.data, galling::features::FeatureSettings::DEFAULT)?;
    let scaling = host_train::params_file::load_feature_scaling(path)?;
    if scaling.is_none() && !quiet {
        eprintln!(
            "{}: no feature_scaling: every stroke is scored at the clean baseline (z = 0)",
            path.display()
        );
    }
    Ok((loaded, scaling))
}

fn analyze(a: &AnalyzeArgs, quiet: bool) -> Result<()> {
    let (params, _) = host_train::params_file::load(&a.params)?;
    let (data, scaling) = load_for(&params, &a.params, &a.data, quiet)?;
    let analysis = host_train::analyze::analyze_scaled(&data, &params, scaling.as_ref(), a.worst)?;
    let source = format!(
        "Parameters {} on data {} (map {:?}).",
        a.params.display(),
        a.data.data.display(),
        a.data.map
    );
    let files = host_train::analyze::write(&a.out, &analysis, &source)?;
    if !quiet {
        println!(
            "{:>16} {:>14} {:>12} {:>9}  flags",
            "parameter", "value", "SE", "z"
        );
        for p in &analysis.parameters {
            println!(
                "{:>16} {:>14.6e} {:>12} {:>9}  {}",
                p.name,
                p.value,
                p.standard_error.map_or("-".into(), |v| format!("{v:.3e}")),
                p.z.map_or("-".into(), |v| format!("{v:.2}")),
                p.flags.join("; ")
            );
        }
        for f in &analysis.flags {
            println!("flag: {f}");
        }
        println!("wrote:");
        for f in &files {
            println!("  {}", f.display());
        }
    }
    Ok(())
}

fn parse_shard(s: &str) -> Result<(usize, usize)> {
    let (i, n) = s
        .split_once('/')
        .with_context(|| format!("--shard {s:?}: expected I/N, e.g. 0/4"))?;
    let i: usize = i
        .trim()
        .parse()
        .with_context(|| format!("--shard {s:?}: I is not a number"))?;
    let n: usize = n
        .trim()
        .parse()
        .with_context(|| format!("--shard {s:?}: N is not a number"))?;
    if n == 0 || i >= n {
        bail!("--shard {s:?}: need 0 <= I < N");
    }
    Ok((i, n))
}

fn tune(a: &TuneArgs, quiet: bool) -> Result<()> {
    use host_train::tune;
    let outcome = if let Some(TuneAction::Merge(m)) = &a.action {
        let mut files = Vec::new();
        for p in &m.shards {
            if p.is_dir() {
                let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                    .with_context(|| format!("cannot list {}", p.display()))?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|f| {
                        f.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.starts_with("shard-") && n.ends_with(".json"))
                    })
                    .collect();
                if found.is_empty() {
                    bail!("{} holds no shard-*.json file", p.display());
                }
                found.sort();
                files.extend(found);
            } else {
                files.push(p.clone());
            }
        }
        tune::merge(&m.data, &m.out, &files, m.threads)?
    } else {
        let plan = match &a.plan {
            Some(p) => tune::load_plan(p)?,
            None => tune::Plan::default(),
        };
        let shard = a.shard.as_deref().map(parse_shard).transpose()?;
        let options = tune::TuneOptions {
            data: a.data.clone(),
            out: a.out.clone(),
            plan,
            shard,
            threads: a.threads,
        };
        let progress = cli::progress_bar(quiet, "phase 1 runs");
        let on = |done: usize, total: usize| {
            progress.set_length(total as u64);
            progress.set_position(done as u64);
        };
        let result = tune::run(&options, &on);
        progress.finish_and_clear();
        match result? {
            Some(o) => o,
            None => {
                if !quiet {
                    let (i, n) = shard.unwrap_or((0, 1));
                    println!(
                        "wrote {}",
                        a.out.join(format!("shard-{i}-of-{n}.json")).display()
                    );
                }
                return Ok(());
            }
        }
    };
    if !quiet {
        let r = &outcome.report;
        println!(
            "{} phase-1 runs; default test AVG {}, combined test AVG {}; study {:.1} s",
            r.runs.len(),
            r.default.test_avg.map_or("-".into(), |v| format!("{v:.5}")),
            r.combined_score
                .test_avg
                .map_or("-".into(), |v| format!("{v:.5}")),
            outcome.timing.total
        );
        for f in &outcome.files {
            println!("  {}", f.display());
        }
    }
    Ok(())
}

fn blob(a: &BlobArgs, quiet: bool) -> Result<()> {
    let (params, format) = host_train::params_file::load(&a.params)?;
    let (mut data, _) = a.data.load(quiet)?;
    if host_train::precursor::uses_features(params.model()) {
        // V8-P's blob carries the feature scaling, fixed from the folder's raw strokes
        data.attach_stroke_features(&a.data.data, galling::features::FeatureSettings::DEFAULT)?;
    }
    let m = a.monitor.options()?;
    let (package, calibration) =
        host_train::package::build(&params, &data, m.threshold, m.horizon, &m.target)?;
    let bytes = galling::blob::encode(&package);
    host_train::atomic::write(&a.out, &bytes)?;
    if !quiet {
        println!(
            "{} ({format:?}) -> {} ({} bytes, blob version {})",
            a.params.display(),
            a.out.display(),
            bytes.len(),
            galling::blob::FORMAT_VERSION
        );
        print!(
            "{}",
            host_train::summary::MonitorSummary::new(&package, &calibration).render()
        );
    }
    Ok(())
}

fn train(a: &TrainArgs, quiet: bool) -> Result<()> {
    let map = TemperatureMap::parse(&a.data.map)?;
    let mut options = FitOptions::default();
    match a.method {
        MethodArg::Lbfgs => {}
        MethodArg::Adam => {
            let mut s = fit::AdamSettings::default();
            if let Some(lr) = a.lr {
                s.lr = lr;
            }
            if let Some(e) = a.epochs {
                s.epochs = e;
            }
            options.method = Method::Adam(s);
        }
        MethodArg::Snes => {
            let mut s = fit::SnesSettings::default();
            if let Some(p) = a.population {
                s.population = p;
            }
            if let Some(v) = a.sigma0 {
                s.sigma0 = v;
            }
            if let Some(g) = a.generations {
                s.generations = g;
            }
            s.polish = !a.no_polish;
            options.method = Method::Snes(s);
        }
    }
    let snes = matches!(a.method, MethodArg::Snes);
    if !snes
        && (a.population.is_some() || a.sigma0.is_some() || a.generations.is_some() || a.no_polish)
    {
        bail!("--population, --sigma0, --generations and --no-polish apply to --method snes only");
    }
    if matches!(a.method, MethodArg::Lbfgs)
        && (a.checkpoint_every.is_some() || a.resume.is_some() || a.stop_after.is_some())
    {
        bail!(
            "--checkpoint-every, --resume and --stop-after apply to --method snes and --method adam"
        );
    }
    if !matches!(a.method, MethodArg::Adam) && (a.lr.is_some() || a.epochs.is_some()) {
        bail!("--lr and --epochs apply to --method adam only");
    }
    if a.checkpoint_every.is_some() || a.resume.is_some() || a.stop_after.is_some() {
        options.checkpoint = Some(fit::Checkpointing {
            dir: a.out.clone(),
            every: a.checkpoint_every.unwrap_or(0),
            resume: a.resume.clone(),
            stop_after: a.stop_after,
        });
    }
    options.model = a.model;
    options.l2 = a.l2;
    if let Some(seed) = a.seed {
        options.seed = seed;
    }
    if let Some(starts) = a.starts {
        options.starts = starts;
    }
    options.threads = a.threads;
    options.physical = !a.unconstrained;
    if let Some(path) = &a.start {
        options.start = Some(host_train::params_file::load_model(path, options.model)?.0);
    }
    if a.sim_runs == 0 {
        bail!("--sim-runs must be at least 1");
    }
    let config = host_train::train::TrainConfig {
        data: a.data.data.clone(),
        out: a.out.clone(),
        map,
        fit: options,
        sim_runs: a.sim_runs,
        sim_seed: a.sim_seed,
        sim_start: a.sim_start.into(),
        plots: !a.no_plots,
        monitor: a.monitor.options()?,
        split: a.split,
    };
    let progress = cli::progress_bar(quiet, "fitting");
    let on_progress = |p: Progress| show_progress(&progress, &p);
    let outcome = host_train::train::train(&config, &on_progress);
    progress.finish_and_clear();
    if let Err(host_train::train::TrainError::Fit(fit::FitError::Interrupted { generation })) =
        &outcome
    {
        // Stopping as asked (--stop-after) is not a failure: the checkpoint is the output.
        if !quiet {
            println!(
                "stopped after generation/epoch {generation} as asked; checkpoint written to {}; \
                 continue with --resume {}",
                a.out.join(fit::checkpoint::FILE).display(),
                a.out.display()
            );
        }
        return Ok(());
    }
    let outcome = outcome?;
    cli::show_load_report(&outcome.data_report, quiet);
    if !quiet {
        print!("{}", outcome.summary.render());
        println!("\nwrote:");
        for f in &outcome.files {
            println!("  {}", f.display());
        }
    }
    Ok(())
}

fn show_progress(bar: &ProgressBar, p: &Progress) {
    bar.set_length(p.total as u64);
    bar.set_position(p.done as u64);
    if p.best_log_likelihood.is_finite() {
        bar.set_message(format!("fitting, best LL {:.3}", p.best_log_likelihood));
    }
}

fn evaluate(a: &EvaluateArgs, quiet: bool) -> Result<()> {
    let (params, format) = host_train::params_file::load(&a.params)?;
    let (data, scaling) = load_for(&params, &a.params, &a.data, quiet)?;
    let table = LlTable::with_scaling(&params, &data, scaling.as_ref())?;
    // validation and the data's ranges keep every transition finite; a sum that still is not
    // (an f32 total beyond 3.4e38) is an error, never a NaN table with exit 0
    if let Some(row) = table
        .per_temperature
        .iter()
        .find(|r| !r.log_likelihood.is_finite() || !r.log_likelihood_f32.is_finite())
    {
        bail!(
            "{} on {}: the log-likelihood at {} C is not finite (f64 {}, f32 {})",
            a.params.display(),
            a.data.data.display(),
            row.recorded_temperature,
            row.log_likelihood,
            row.log_likelihood_f32
        );
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&table)?);
    } else if !quiet {
        println!(
            "{} ({:?}) on {}:",
            a.params.display(),
            format,
            a.data.data.display()
        );
        print!("{}", table.render());
        let flags = fit::physical_flags(&params);
        if !flags.is_empty() {
            println!("physical flags: {}", fit::flags::join(&flags));
        }
    }
    Ok(())
}

/// Longest simulated trajectory, strokes.
const MAX_STROKES: usize = 1_000_000;
/// Most simulated trajectories.
const MAX_RUNS: usize = 100_000;
/// Most simulated values in one `simulate` (strokes x runs): 20 M values, 160 MB in memory.
const MAX_SIMULATED: usize = 20_000_000;

fn simulate(a: &SimulateArgs, quiet: bool) -> Result<()> {
    let (params, _) = host_train::params_file::load(&a.params)?;
    let (t_lo, t_hi) = host_train::dataset::TEMPERATURE_RANGE;
    if !(t_lo..=t_hi).contains(&a.temperature) {
        bail!(
            "--temperature {} is outside [{t_lo}, {t_hi}] degC, the range the monitor accepts",
            a.temperature
        );
    }
    if !(1..=MAX_STROKES).contains(&a.strokes) {
        bail!(
            "--strokes {} must be between 1 and {MAX_STROKES}",
            a.strokes
        );
    }
    if !(1..=MAX_RUNS).contains(&a.runs) {
        bail!("--runs {} must be between 1 and {MAX_RUNS}", a.runs);
    }
    if a.strokes.saturating_mul(a.runs) > MAX_SIMULATED {
        bail!(
            "--strokes {} x --runs {} is {} values, more than {MAX_SIMULATED} (the CSV would exceed ~1 GB)",
            a.strokes,
            a.runs,
            a.strokes.saturating_mul(a.runs)
        );
    }
    let model = galling::family::AnyModel::new(&params)?;
    let land = model.landscape(a.temperature);
    let start = match a.start {
        Some(s)
            if !(host_train::dataset::COF_RANGE.0..=host_train::dataset::COF_RANGE.1)
                .contains(&s) =>
        {
            bail!(
                "--start {s} is outside [{}, {}], the COF range the monitor accepts",
                host_train::dataset::COF_RANGE.0,
                host_train::dataset::COF_RANGE.1
            )
        }
        Some(s) => s,
        None => galling::Kernel::initial_cof(&land),
    };
    let runs = host_train::simulation::simulate_runs(
        &land,
        a.temperature,
        start,
        a.strokes,
        a.runs,
        a.seed,
    );
    host_train::simulation::write_trajectories_csv(&a.out, a.temperature, &runs)?;
    if !quiet {
        let (mean, std) = host_train::simulation::mean_std(runs.iter().flatten());
        println!(
            "{} runs x {} strokes at {} C from COF {start:.4}: mean {mean:.4}, std {std:.4}; wrote {}",
            a.runs,
            a.strokes,
            a.temperature,
            a.out.display()
        );
    }
    Ok(())
}

fn average(a: &AverageArgs, quiet: bool) -> Result<()> {
    let progress = cli::progress_bar(quiet, "averaging strokes");
    let records = host_train::averaging::average_folder::<f64>(
        &a.folder,
        FeatureSettings::DEFAULT,
        &|done, total| {
            progress.set_length(total as u64);
            progress.set_position(done as u64);
        },
    );
    progress.finish_and_clear();
    let records = records?;
    std::fs::create_dir_all(&a.out)
        .with_context(|| format!("cannot create {}", a.out.display()))?;
    let mut files = if a.csv {
        vec![host_train::averaging::write_csv(&a.out, &records)?]
    } else {
        host_train::averaging::write_text(&a.out, &records)?
    };
    files.push(host_train::averaging::write_features(&a.out, &records)?);
    if !quiet {
        let samples: Vec<u32> = records.iter().map(|r| r.features.samples).collect();
        println!(
            "{} strokes averaged ({}..{} samples in the 10-60 mm window); wrote {}",
            records.len(),
            samples.iter().min().unwrap_or(&0),
            samples.iter().max().unwrap_or(&0),
            files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(())
}

fn demo(a: &DemoArgs, quiet: bool) -> Result<()> {
    let map = TemperatureMap::parse(&a.map)?;
    let params: V8Params<f64> = V8Params::PUBLISHED_FIT.map(f64::from);
    let series = host_train::demo::generate(&params, &map, a.seed)?;
    let files = host_train::demo::write(&a.out, &series)?;
    if !quiet {
        for (s, f) in series.iter().zip(&files) {
            let (mean, std) = host_train::simulation::mean_std(&s.cof);
            println!(
                "{:>6} C (simulated at {} C): {} strokes, mean COF {mean:.4}, std {std:.4} -> {}",
                s.recorded_temperature,
                s.model_temperature,
                s.cof.len(),
                f.display()
            );
        }
    }
    Ok(())
}

fn compare(a: &CompareArgs, quiet: bool) -> Result<()> {
    let (mut data, _) = a.data.load(quiet)?;
    let mut params = Vec::new();
    for path in &a.params {
        params.push(host_train::params_file::load(path)?.0);
    }
    let models = if a.models.is_empty() {
        ModelId::ALL.to_vec()
    } else {
        a.models.clone()
    };
    let with_features = models
        .iter()
        .copied()
        .chain(params.iter().map(|p| p.model()))
        .any(host_train::precursor::uses_features);
    if with_features && a.data.data.is_dir() {
        // V8-P sees each stroke's features (from the folder's strokes/; the settings are fixed
        // from this data, as a fit on it fixes them)
        data.attach_stroke_features(&a.data.data, galling::features::FeatureSettings::DEFAULT)?;
    }
    let mut fit = fit::FitOptions {
        seed: a.seed,
        threads: a.threads,
        physical: !a.unconstrained,
        ..fit::FitOptions::default()
    };
    if let Some(starts) = a.starts {
        fit.starts = starts;
    }
    let config = host_train::compare::CompareConfig {
        models,
        params,
        fit,
        sim_runs: a.sim_runs,
        sim_seed: a.sim_seed,
    };
    let progress = cli::progress_bar(quiet, "comparing");
    progress.set_length(config.models.len() as u64);
    let comparison = host_train::compare::compare(&data, &config);
    progress.finish_and_clear();
    let comparison = comparison?;
    let files = comparison.write(&a.out, &a.data.data.display().to_string())?;
    if !quiet {
        print!("{}", comparison.markdown());
        println!("\nwrote:");
        for f in &files {
            println!("  {}", f.display());
        }
    }
    Ok(())
}
