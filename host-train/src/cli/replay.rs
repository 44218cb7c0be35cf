//! `host-train replay`: its arguments and the run.

use anyhow::{Result, bail};
use host_train::dataset::{Dataset, TemperatureMap};
use host_train::replay;
use std::path::PathBuf;

/// Arguments of `host-train replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// The blob the press runs (params.bin, blob format 3). A params.json (or an old version-1
    /// blob) works too: its package is then built for the replayed data (risk table over its
    /// temperature range, onset warning calibrated on its strokes: in-sample).
    #[arg(long)]
    pub params: PathBuf,
    /// Per-stroke data: a folder with one T/mean.txt per temperature T, or a CSV with the header
    /// temperature,series,stroke,cof.
    #[arg(long, required_unless_present = "strokes", conflicts_with = "strokes")]
    pub data: Option<PathBuf>,
    /// A folder of raw stroke CSV recordings (one series), averaged with the core's streaming
    /// StrokeAverager in f32; needs --temperature.
    #[arg(long, requires = "temperature")]
    pub strokes: Option<PathBuf>,
    /// Recorded die temperature of the --strokes series, degC (the --map applies).
    #[arg(long, value_parser = super::finite_temperature)]
    pub temperature: Option<f64>,
    /// Temperatures to evaluate recorded series at, RECORDED:MODEL pairs separated by commas.
    #[arg(long, default_value = "25:160")]
    pub map: String,
    /// Output folder: replay.csv, replay.png, replay.svg.
    #[arg(long)]
    pub out: PathBuf,
    /// Skip the figure.
    #[arg(long)]
    pub no_plots: bool,
}

/// Runs `host-train replay`.
///
/// # Errors
/// Unreadable parameters or data (naming file, line and field), a stroke the monitor rejects,
/// or an output that cannot be written.
pub fn run(a: &ReplayArgs, quiet: bool) -> Result<()> {
    // an output folder the set cannot replace is refused before the work
    host_train::atomic::OutputSet::check(&a.out)?;
    let map = TemperatureMap::parse(&a.map)?;
    let series = match (&a.data, &a.strokes, a.temperature) {
        (_, Some(dir), Some(t)) => vec![replay::series_from_strokes(
            dir,
            t,
            map.apply(t),
            &host_train::progress::ignore,
        )?],
        (Some(path), None, _) => {
            let (data, report) = Dataset::load_reported(path, &map)?;
            super::show_load_report(&report, quiet);
            data.series
        }
        // clap requires --data or --strokes with --temperature
        _ => bail!("give --data, or --strokes with --temperature"),
    };
    let package = replay::package_for(&a.params, &series)?;
    let rows = replay::replay_all(&package, &series)?;
    let files = host_train::plots::replay::write_outputs(&a.out, &rows, &package, !a.no_plots)?;
    if !quiet {
        let threshold = f64::from(package.table().threshold());
        for line in rows.iter().filter_map(|r| replay::describe(r, threshold)) {
            println!("{line}");
        }
        println!("wrote:");
        for f in &files {
            println!("  {}", f.display());
        }
    }
    Ok(())
}
