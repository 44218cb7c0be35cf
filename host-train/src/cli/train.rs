//! `host-train train`: its arguments and the run.

use super::{DataArgs, MonitorArgs};
use anyhow::Result;
use clap::ValueEnum;
use host_train::dataset::TemperatureMap;
use host_train::fit::{self, FitOptions};
use host_train::simulation::StartRule;
use host_train::train::{MethodChoice, MethodKind};
use std::path::PathBuf;

/// `--method`: the command-line names of [`MethodKind`].
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MethodArg {
    /// L-BFGS on exact dual-number gradients, multistart (fast; the default).
    Lbfgs,
    /// Adam with the published PyTorch recipe (lr 0.005, plateau schedule, 8000 epochs).
    Adam,
    /// Separable natural evolution strategy (GPUMD's NEP optimiser), then an L-BFGS polish.
    Snes,
}

impl From<MethodArg> for MethodKind {
    fn from(a: MethodArg) -> Self {
        match a {
            MethodArg::Lbfgs => Self::Lbfgs,
            MethodArg::Adam => Self::Adam,
            MethodArg::Snes => Self::Snes,
        }
    }
}

/// `--sim-start`: the command-line names of [`StartRule`].
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StartArg {
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

/// Arguments of `host-train train`.
#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Output folder (created if missing; the outputs replace the previous run's as one set, files
    /// that no run wrote are kept).
    #[arg(long, default_value = "out/train")]
    pub out: PathBuf,
    /// Optimizer.
    #[arg(long, value_enum, default_value_t = MethodArg::Lbfgs)]
    pub method: MethodArg,
    /// Seed of the fit's random starts (same seed, same result).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Number of multistart starting points (default: the fitting engine's).
    #[arg(long)]
    pub starts: Option<usize>,
    /// Worker threads of the fit (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Parameter file (JSON or blob) to start the fit from, instead of the engine's starts.
    #[arg(long)]
    pub start: Option<PathBuf>,
    /// Drop the physical box (wells inside [0.1, 1.3], omega0 in [0, 1]); finds higher but
    /// degenerate optima.
    #[arg(long)]
    pub unconstrained: bool,
    /// Simulated trajectories per series for the quality table and plots.
    #[arg(long, default_value_t = 200, value_parser = super::at_least(1))]
    pub sim_runs: usize,
    /// Seed of the simulations.
    #[arg(long, default_value_t = 1)]
    pub sim_seed: u64,
    /// Where simulated trajectories start: the series' first observed COF, or the model's mu0_base.
    #[arg(long, value_enum, default_value_t = StartArg::Observed)]
    pub sim_start: StartArg,
    /// Skip the figures.
    #[arg(long)]
    pub no_plots: bool,
    /// Train on the first F of each series' transitions and log the test loss on the rest (a
    /// temporal split per series; the test loss is never optimised). Default: no split.
    #[arg(long, value_name = "F")]
    pub split: Option<f64>,
    /// Model variant of the family: v8 (15 parameters), v8-13 (g0 = g_T = 0, 13), v9 (fixed
    /// potential, 12), v7 (linear kernel, 17) or v8-precursor (V8 with the escape scaled by the
    /// stroke's breakaway peak and run-in high share, 17; reads the data folder's strokes/, writes
    /// no params.bin: the blob cannot carry it yet). `--variant` is the older name of this flag.
    #[arg(long, value_parser = super::parse_model, default_value = "v8", alias = "variant")]
    pub model: galling::family::ModelId,
    /// Weight of an L2 penalty per transition on the scaled parameters (0: none).
    #[arg(long, default_value_t = 0.0)]
    pub l2: f64,
    /// SNES: individuals per generation.
    #[arg(long)]
    pub population: Option<usize>,
    /// SNES: initial step size on the scaled parameters.
    #[arg(long)]
    pub sigma0: Option<f64>,
    /// SNES: number of generations.
    #[arg(long)]
    pub generations: Option<usize>,
    /// SNES: skip the final L-BFGS polish.
    #[arg(long)]
    pub no_polish: bool,
    /// Adam: learning rate.
    #[arg(long)]
    pub lr: Option<f64>,
    /// Adam: number of epochs.
    #[arg(long)]
    pub epochs: Option<usize>,
    /// SNES and Adam: write <out>/checkpoint.json every N generations or epochs (atomically).
    #[arg(long, value_name = "N")]
    pub checkpoint_every: Option<usize>,
    /// SNES and Adam: continue the run whose checkpoint.json is in DIR (same data and settings
    /// required).
    #[arg(long, value_name = "DIR")]
    pub resume: Option<PathBuf>,
    /// SNES and Adam: stop after generation or epoch N, leaving a checkpoint (for time-boxed batch
    /// jobs and tests).
    #[arg(long, value_name = "N")]
    pub stop_after: Option<usize>,
    #[command(flatten)]
    pub monitor: MonitorArgs,
}

impl TrainArgs {
    /// The optimizer flags as the library's [`MethodChoice`].
    fn method_choice(&self) -> MethodChoice {
        MethodChoice {
            method: self.method.into(),
            population: self.population,
            sigma0: self.sigma0,
            generations: self.generations,
            no_polish: self.no_polish,
            lr: self.lr,
            epochs: self.epochs,
            checkpoint_every: self.checkpoint_every,
            resume: self.resume.clone(),
            stop_after: self.stop_after,
        }
    }
}

/// Runs `host-train train`.
///
/// # Errors
/// Bad settings, unreadable data or start, a failed fit, or an output that cannot be written.
pub fn run(a: &TrainArgs, quiet: bool) -> Result<()> {
    let map = TemperatureMap::parse(&a.data.map)?;
    let mut options = FitOptions::default();
    a.method_choice().apply(&mut options, &a.out)?;
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
    let config = host_train::train::TrainConfig {
        data: a.data.data.clone(),
        out: a.out.clone(),
        map,
        fit: options,
        sim_runs: a.sim_runs,
        sim_seed: a.sim_seed,
        sim_start: a.sim_start.into(),
        plots: !a.no_plots,
        monitor: a.monitor.options(),
        split: a.split,
    };
    config.validate()?;
    let progress = super::progress_bar(quiet, "fitting");
    let on_progress =
        |p: host_train::progress::Progress<'_>| super::show_progress(&progress, Some("fitting"), p);
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
    super::show_load_report(&outcome.data_report, quiet);
    if !quiet {
        print!("{}", outcome.summary.render());
        println!("\nwrote:");
        for f in &outcome.files {
            println!("  {}", f.display());
        }
    }
    Ok(())
}
