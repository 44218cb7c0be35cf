//! `host-train replay`: its arguments and the run.

use anyhow::{Context, Result, bail};
use host_train::dataset::{Dataset, TemperatureMap};
use host_train::replay;
use std::path::PathBuf;

/// Arguments of `host-train replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// The blob the press runs (params.bin, version 2). A params.json (or an old version-1
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
    #[arg(long)]
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
    let map = TemperatureMap::parse(&a.map)?;
    let series = match (&a.data, &a.strokes, a.temperature) {
        (_, Some(dir), Some(t)) => {
            if !t.is_finite() {
                bail!("--temperature must be a finite number of degC");
            }
            vec![replay::series_from_strokes(
                dir,
                t,
                map.apply(t),
                &|_, _| {},
            )?]
        }
        (Some(path), None, _) => {
            let (data, report) = Dataset::load_reported(path, &map)?;
            super::show_load_report(&report, quiet);
            data.series
        }
        _ => bail!("give --data, or --strokes with --temperature"),
    };
    let (params, format) = host_train::params_file::load(&a.params)?;
    let package = match format {
        host_train::params_file::ParamsFormat::Blob => {
            host_train::params_file::load_package(&a.params)?
        }
        _ => {
            let data = Dataset {
                series: series.clone(),
            };
            let d = host_train::train::MonitorOptions::default();
            host_train::package::build(&params, &data, d.threshold, d.horizon, &d.target)?.0
        }
    };
    let rows = replay::replay_all(&package, &series)?;
    std::fs::create_dir_all(&a.out)
        .with_context(|| format!("cannot create {}", a.out.display()))?;
    let csv = a.out.join("replay.csv");
    replay::write_csv(&csv, &rows)?;
    let mut files = vec![csv];
    let table = package.table();
    if !a.no_plots {
        files.extend(replay::draw(
            &a.out,
            "replay",
            &rows,
            f64::from(table.threshold()),
            table.spec().horizon,
        )?);
    }
    if !quiet {
        let threshold = f64::from(table.threshold());
        for r in &rows {
            let Some(first) = r.first() else { continue };
            let cof: Vec<f64> = r.iter().map(|x| x.cof).collect();
            let warning: Vec<bool> = r.iter().map(|x| x.onset_warning).collect();
            let c = host_train::package::count(&cof, &warning, threshold, &vec![true; r.len()]);
            println!(
                "{}: {} strokes at {} C: hot die on {} strokes; onset warning raised {} times \
                 ({:.1} % of clean strokes under it), {} of {} onsets warned ahead; galling \
                 detected on {} strokes",
                first.series,
                r.len(),
                first.temperature,
                r.iter().filter(|x| x.hot_die).count(),
                c.raised,
                100.0 * c.clean_share(),
                c.warned,
                c.onsets,
                r.iter().filter(|x| x.galling_detected).count(),
            );
        }
        println!("wrote:");
        for f in &files {
            println!("  {}", f.display());
        }
    }
    Ok(())
}
