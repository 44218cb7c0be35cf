//! `host-train simulate`: its arguments and the run.

use anyhow::Result;
use host_train::simulation::{SimulateRequest, mean_std, write_trajectories_csv};
use std::path::PathBuf;

/// Arguments of `host-train simulate`.
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// Parameter file of any variant: params.json (or any JSON with a variant's names) or a params.bin blob.
    #[arg(long)]
    pub params: PathBuf,
    /// Die temperature the model is evaluated at, degC (no mapping is applied).
    #[arg(long)]
    pub temperature: f64,
    /// Strokes per trajectory (including the start), 1 to 1,000,000.
    #[arg(long, default_value_t = 200)]
    pub strokes: usize,
    /// Number of trajectories, 1 to 100,000 (strokes x runs at most 20,000,000).
    #[arg(long, default_value_t = 1)]
    pub runs: usize,
    /// Seed (same seed, same trajectories).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Starting COF (default: the model's clamp(mu0_base, 0.1, 1.3)).
    #[arg(long)]
    pub start: Option<f64>,
    /// Output CSV file.
    #[arg(long)]
    pub out: PathBuf,
}

/// Runs `host-train simulate`.
///
/// # Errors
/// An unreadable parameter file, a request out of bounds, or an output that cannot be written.
pub fn run(a: &SimulateArgs, quiet: bool) -> Result<()> {
    let (params, _) = host_train::params_file::load(&a.params)?;
    let request = SimulateRequest {
        temperature: a.temperature,
        strokes: a.strokes,
        runs: a.runs,
        seed: a.seed,
        start: a.start,
    };
    let (start, runs) = request.run(&params)?;
    write_trajectories_csv(&a.out, a.temperature, &runs)?;
    if !quiet {
        let (mean, std) = mean_std(runs.iter().flatten());
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
