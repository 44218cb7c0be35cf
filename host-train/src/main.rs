//! `host-train`: fits the galling model family (V8, V8-13, V9, V7, V8-P) to press stroke data,
//! checks it, and writes the parameter blob the firmware loads. Run `host-train --help` and `host-train <command> --help`.
//!
//! This file holds the command-line definition and the dispatch; each command's flags and run are
//! in `cli/<command>.rs`, and its work in the `host_train` library.

use clap::{Parser, Subcommand};

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
    Train(cli::train::TrainArgs),
    /// Evaluate a parameter file (JSON or blob) on data: per-temperature log-likelihood table.
    Evaluate(cli::evaluate::EvaluateArgs),
    /// Simulate COF trajectories at one die temperature and write them as CSV
    /// (columns run,stroke,temperature,cof).
    Simulate(cli::simulate::SimulateArgs),
    /// Average a folder of raw stroke recordings (CSV with force_y, force_z, position_x) into
    /// per-stroke mean.txt and std.txt, and their stroke features into features.csv (breakaway
    /// peak, run-in high-COF share, exit peak), with the core's streaming StrokeFeatureExtractor.
    Average(cli::average::AverageArgs),
    /// Generate the synthetic demo data set (the published fit simulated in the shape of the real
    /// data: 25/165/167.5/170 C with 332/112/280/142 strokes) as <out>/<T>/mean.txt.
    DemoData(cli::demo_data::DemoArgs),
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
    Blob(cli::blob::BlobArgs),
    /// The tuning study: phase 1 sweeps one hyperparameter at a time around the default, phase 2
    /// combines the best values, phase 3 runs default and combined long; writes tune.md, tune.json,
    /// timing.json and figures. `tune merge` combines the shards of a sharded study.
    Tune(cli::tune::TuneArgs),
    /// Parameter analysis: standard errors from the observed information (exact dual-number
    /// Hessian), correlations, undetermined directions, worst transitions; writes analysis.json,
    /// analysis.md, parameters.{png,svg} and correlation.{png,svg}.
    Analyze(cli::analyze::AnalyzeArgs),
    /// Fit (or load) every variant of the model family on the same data and compare them: LL in
    /// total and per temperature, parameter count, AIC and BIC, parameters, simulated against
    /// observed mean COF; writes comparison.{md,csv,json} and <variant>.json.
    Compare(cli::compare::CompareArgs),
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

fn run(cli: &Cli) -> anyhow::Result<()> {
    let quiet = cli.quiet;
    match &cli.command {
        Command::Train(a) => cli::train::run(a, quiet),
        Command::Evaluate(a) => cli::evaluate::run(a, quiet),
        Command::Simulate(a) => cli::simulate::run(a, quiet),
        Command::Average(a) => cli::average::run(a, quiet),
        Command::DemoData(a) => cli::demo_data::run(a, quiet),
        Command::Replay(a) => cli::replay::run(a, quiet),
        Command::Validate(a) => cli::validate::run(a, quiet),
        Command::Blob(a) => cli::blob::run(a, quiet),
        Command::Tune(a) => cli::tune::run(a, quiet),
        Command::Analyze(a) => cli::analyze::run(a, quiet),
        Command::Compare(a) => cli::compare::run(a, quiet),
    }
}
