//! `host-train demo-data`: its arguments and the run.

use anyhow::Result;
use galling::V8Params;
use host_train::dataset::TemperatureMap;
use std::path::PathBuf;

/// Arguments of `host-train demo-data`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Output folder (gets <T>/mean.txt for each temperature).
    #[arg(long, default_value = "data/demo")]
    pub out: PathBuf,
    /// Seed of the simulation (the shipped data/demo uses the default).
    #[arg(long, default_value_t = host_train::demo::DEFAULT_SEED)]
    pub seed: u64,
    /// Temperature mapping used to simulate the series (RECORDED:MODEL pairs).
    #[arg(long, default_value = "25:160")]
    pub map: String,
}

/// Runs `host-train demo-data`.
///
/// # Errors
/// A bad mapping, or an output that cannot be written.
pub fn run(a: &DemoArgs, quiet: bool) -> Result<()> {
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
