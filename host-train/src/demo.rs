//! The synthetic demo data set: the published fit simulated with the project's own simulator, in the
//! shape of the real data (four series at 25, 165, 167.5 and 170 C with 332, 112, 280 and 142 strokes;
//! the 25 C series simulated at the mapped 160 C), written as `<T>/mean.txt`.
//!
//! Each series is one [`Landscape::simulate_into`](galling::Landscape::simulate_into) trajectory in
//! float64 from the model's initial COF `clamp(mu0_base)`, with the generator
//! [`trajectory_rng`](crate::simulation::trajectory_rng)`(seed, recorded temperature, 0)`.

use crate::averaging::format_e18;
use crate::dataset::TemperatureMap;
use galling::{Kernel, Model, V8Params};
use std::path::{Path, PathBuf};

/// `(recorded temperature degC, strokes)` of the real data set, which the demo copies in shape.
pub const SHAPE: [(f64, usize); 4] = [(25.0, 332), (165.0, 112), (167.5, 280), (170.0, 142)];

/// The seed of the shipped `data/demo`: of seeds 1 to 20, the one whose four series means lie
/// closest to the real data's (0.205, 0.233, 0.465, 0.840; largest deviation 0.034).
pub const DEFAULT_SEED: u64 = 5;

/// One generated series.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoSeries {
    /// Temperature the series is labelled with, degC (its folder name).
    pub recorded_temperature: f64,
    /// Temperature it was simulated at, degC.
    pub model_temperature: f64,
    /// The simulated per-stroke COF.
    pub cof: Vec<f64>,
}

/// Simulates the demo series from `params` (the published fit for the shipped set).
///
/// # Errors
/// [`galling::ParamError`] when the parameters are not a valid model.
pub fn generate(
    params: &V8Params<f64>,
    map: &TemperatureMap,
    seed: u64,
) -> Result<Vec<DemoSeries>, galling::ParamError> {
    let model = Model::new(params)?;
    Ok(SHAPE
        .iter()
        .map(|&(recorded, strokes)| {
            let model_temperature = map.apply(recorded);
            let land = model.landscape(model_temperature);
            let mut cof = vec![0.0; strokes];
            let mut rng = crate::simulation::trajectory_rng(seed, recorded, 0);
            land.simulate_into(model.initial_cof(), &mut rng, &mut cof);
            DemoSeries {
                recorded_temperature: recorded,
                model_temperature,
                cof,
            }
        })
        .collect())
}

/// Writes the series as `<out>/<T>/mean.txt` (NumPy `%.18e` lines); returns the files written.
///
/// # Errors
/// [`crate::atomic::WriteError`] when a folder or file cannot be written.
pub fn write(out: &Path, series: &[DemoSeries]) -> Result<Vec<PathBuf>, crate::atomic::WriteError> {
    let mut written = Vec::new();
    for s in series {
        let dir = out.join(format!("{}", s.recorded_temperature));
        std::fs::create_dir_all(&dir).map_err(|source| crate::atomic::WriteError {
            path: dir.clone(),
            source,
        })?;
        let path = dir.join("mean.txt");
        crate::atomic::write_with(&path, |w| {
            for &c in &s.cof {
                writeln!(w, "{}", format_e18(c))?;
            }
            Ok(())
        })?;
        written.push(path);
    }
    Ok(written)
}
