//! `host-train compare`: its arguments and the run.

use super::DataArgs;
use anyhow::Result;
use galling::family::ModelId;
use std::path::PathBuf;

/// Arguments of `host-train compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Output folder (created if missing; replaced as one set).
    #[arg(long, default_value = "out/compare")]
    pub out: PathBuf,
    /// The variants to compare, in table order (e.g. `v8,v8-13,v9,v7,v8-precursor`; every variant
    /// of the family by default).
    #[arg(long, value_delimiter = ',', value_parser = super::parse_model)]
    pub models: Vec<ModelId>,
    /// A parameter file (JSON or blob) to use for its variant instead of fitting it (repeatable).
    #[arg(long)]
    pub params: Vec<PathBuf>,
    /// Seed of the fits' random starts.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Number of multistart starting points of each fit (default: the fitting engine's).
    #[arg(long)]
    pub starts: Option<usize>,
    /// Worker threads of the fits (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Fit without the physical boxes.
    #[arg(long)]
    pub unconstrained: bool,
    /// Simulated trajectories per series for the simulated means.
    #[arg(long, default_value_t = 200)]
    pub sim_runs: usize,
    /// Seed of the simulations.
    #[arg(long, default_value_t = 1)]
    pub sim_seed: u64,
}

/// Runs `host-train compare`.
///
/// # Errors
/// Unreadable data or parameter files, a failed fit, or an output that cannot be written.
pub fn run(a: &CompareArgs, quiet: bool) -> Result<()> {
    // an output folder the set cannot replace is refused before the work
    host_train::atomic::OutputSet::check(&a.out)?;
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
    let mut fit = host_train::fit::FitOptions {
        seed: a.seed,
        threads: a.threads,
        physical: !a.unconstrained,
        ..host_train::fit::FitOptions::default()
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
    // V8-P sees each stroke's features (from the folder's strokes/)
    config.attach_features(&mut data, &a.data.data)?;
    let progress = super::progress_bar(quiet, "comparing");
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
