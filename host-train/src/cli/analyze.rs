//! `host-train analyze`: its arguments and the run.

use super::DataArgs;
use anyhow::Result;
use std::path::PathBuf;

/// Arguments of `host-train analyze`.
#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// Parameter file of any variant: params.json (or any JSON with a variant's names) or a params.bin blob.
    #[arg(long)]
    pub params: PathBuf,
    #[command(flatten)]
    pub data: DataArgs,
    /// Output folder.
    #[arg(long, default_value = "out/analyze")]
    pub out: PathBuf,
    /// How many of the lowest-probability transitions to list.
    #[arg(long, default_value_t = 15)]
    pub worst: usize,
}

/// Runs `host-train analyze`.
///
/// # Errors
/// Unreadable parameters or data, a failed analysis, or an output that cannot be written.
pub fn run(a: &AnalyzeArgs, quiet: bool) -> Result<()> {
    // an output folder the set cannot replace is refused before the work
    host_train::atomic::OutputSet::check(&a.out)?;
    let (params, _) = host_train::params_file::load(&a.params)?;
    let loaded = super::evaluate::load_for(&params, &a.params, &a.data, quiet)?;
    let analysis = host_train::analyze::analyze_scaled(
        &loaded.data,
        &params,
        loaded.scaling.as_ref(),
        a.worst,
    )?;
    let source = format!(
        "Parameters {} on data {} (map {:?}).",
        a.params.display(),
        a.data.data.display(),
        a.data.map
    );
    let files = host_train::plots::analysis::write(&a.out, &analysis, &source)?;
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
