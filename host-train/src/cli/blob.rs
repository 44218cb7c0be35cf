//! `host-train blob`: its arguments and the run.

use super::{DataArgs, MonitorArgs};
use anyhow::Result;
use std::path::PathBuf;

/// Arguments of `host-train blob`.
#[derive(Debug, clap::Args)]
pub struct BlobArgs {
    /// Parameter file: params.json, or an old version-1 params.bin to re-export.
    #[arg(long)]
    pub params: PathBuf,
    #[command(flatten)]
    pub data: DataArgs,
    /// The blob to write (atomically).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub monitor: MonitorArgs,
}

/// Runs `host-train blob`.
///
/// # Errors
/// Unreadable parameters or data, a bad monitor setting, a package that cannot be built, or an
/// output that cannot be written.
pub fn run(a: &BlobArgs, quiet: bool) -> Result<()> {
    let (params, format) = host_train::params_file::load(&a.params)?;
    let (mut data, _) = a.data.load(quiet)?;
    if host_train::precursor::uses_features(params.model()) {
        // V8-P's blob carries the feature scaling, fixed from the folder's raw strokes
        data.attach_stroke_features(&a.data.data, galling::features::FeatureSettings::DEFAULT)?;
    }
    let m = a.monitor.options();
    m.validate()?;
    let (package, calibration) =
        host_train::package::build(&params, &data, m.threshold, m.horizon, &m.target)?;
    let bytes = galling::blob::encode(&package);
    host_train::atomic::write(&a.out, &bytes)?;
    if !quiet {
        println!(
            "{} ({format:?}) -> {} ({} bytes, blob version {})",
            a.params.display(),
            a.out.display(),
            bytes.len(),
            galling::blob::FORMAT_VERSION
        );
        print!(
            "{}",
            host_train::summary::MonitorSummary::new(&package, &calibration).render()
        );
    }
    Ok(())
}
