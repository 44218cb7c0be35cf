//! `host-train evaluate`: its arguments and the run.

use super::DataArgs;
use anyhow::Result;
use host_train::dataset::TemperatureMap;
use host_train::evaluate::{LoadedData, load_data};
use std::path::{Path, PathBuf};

/// Arguments of `host-train evaluate`.
#[derive(Debug, clap::Args)]
pub struct EvaluateArgs {
    /// Parameter file of any variant: params.json (or any JSON with a variant's names) or a params.bin blob.
    #[arg(long)]
    pub params: PathBuf,
    #[command(flatten)]
    pub data: DataArgs,
    /// Print the table as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Loads the data for evaluating `params` (read from `path`) and tells the user what loading
/// changed, and when a variant with stroke features is scored at the clean baseline.
pub fn load_for(
    params: &galling::family::ModelParams<f64>,
    path: &Path,
    data: &DataArgs,
    quiet: bool,
) -> Result<LoadedData> {
    let map = TemperatureMap::parse(&data.map)?;
    let loaded = load_data(params, path, &data.data, &map)?;
    super::show_load_report(&loaded.report, quiet);
    if loaded.scaling_missing && !quiet {
        eprintln!(
            "{}: no feature_scaling: every stroke is scored at the clean baseline (z = 0)",
            path.display()
        );
    }
    Ok(loaded)
}

/// Runs `host-train evaluate`.
///
/// # Errors
/// Unreadable parameters or data, or a log-likelihood that is not finite.
pub fn run(a: &EvaluateArgs, quiet: bool) -> Result<()> {
    let (params, format) = host_train::params_file::load(&a.params)?;
    let loaded = load_for(&params, &a.params, &a.data, quiet)?;
    let table = host_train::evaluate::table(&params, &a.params, &a.data.data, &loaded)?;
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
        let flags = host_train::fit::physical_flags(&params);
        if !flags.is_empty() {
            println!("physical flags: {}", host_train::fit::flags::join(&flags));
        }
    }
    Ok(())
}
