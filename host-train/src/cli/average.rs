//! `host-train average`: its arguments and the run.

use anyhow::Result;
use galling::features::FeatureSettings;
use std::path::PathBuf;

/// Arguments of `host-train average`.
#[derive(Debug, clap::Args)]
pub struct AverageArgs {
    /// Folder of stroke CSV files (ordered by the integer before the first `_` of each name).
    pub folder: PathBuf,
    /// Output folder for mean.txt, std.txt (or strokes.csv with --csv) and features.csv.
    #[arg(long)]
    pub out: PathBuf,
    /// Write one strokes.csv (stroke,file,samples,mean,std) instead of mean.txt and std.txt.
    #[arg(long)]
    pub csv: bool,
}

/// Runs `host-train average`.
///
/// # Errors
/// A stroke file that cannot be read or averaged (naming file, line and column), or an output
/// that cannot be written.
pub fn run(a: &AverageArgs, quiet: bool) -> Result<()> {
    // an output folder the set cannot replace is refused before the work
    host_train::atomic::OutputSet::check(&a.out)?;
    let progress = super::progress_bar(quiet, "averaging strokes");
    let records =
        host_train::averaging::average_folder::<f64>(&a.folder, FeatureSettings::DEFAULT, &|p| {
            super::show_progress(&progress, None, p)
        });
    progress.finish_and_clear();
    let records = records?;
    let files = host_train::averaging::write_outputs(&a.out, &records, a.csv)?;
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
