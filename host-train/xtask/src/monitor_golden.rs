//! The monitor's golden vectors, `tests/golden/monitor_golden.rs`, shared by the host test
//! (`tests/integration/monitor_golden.rs`) and the on-target firmware test, which `include!` the same file.
//! Written by `cargo xtask generate`, checked by `cargo xtask check` (`main.rs`).
//!
//! The monitor runs the blob `firmware-example/blob/published_fit.glng` (written first, by
//! `golden_vectors.rs`: the published fit, its risk table over the trained range 160 to 170 C, the
//! onset warning raised at excess 1.2 and cleared below 0.6).
//!
//! The input is a short real-shaped sequence from the project's synthetic demo data (`data/demo`):
//! a die warming up (3 strokes at 150 C, below the trained range), 12 strokes of the 165 C series at
//! 165 C, one stroke at 172 C (above the range), then the first 24 strokes of the 170 C series at
//! 170 C (galling starts there), with three invalid inputs injected (a NaN COF, a COF outside the
//! accepted bounds, a skipped stroke number) that must be rejected without changing the monitor.
//! Every number is written as its exact `f32` bit pattern.

use crate::GeneratedFile;
use galling::blob::PackageView;
use galling::monitor::{Monitor, UpdateError};
use host_train::dataset::{Dataset, TemperatureMap};
use std::fmt::Write as _;
use std::path::Path;

/// The golden file, relative to the repository root.
pub const GOLDEN_FILE: &str = "tests/golden/monitor_golden.rs";

/// The demo series recorded at `temperature`, as f32.
fn series(data: &Dataset, temperature: f64) -> Result<Vec<f32>, String> {
    data.series
        .iter()
        .find(|s| s.recorded_temperature == temperature)
        .map(|s| s.cof.iter().map(|&c| c as f32).collect())
        .ok_or(format!("data/demo has no {temperature} C series"))
}

/// `(stroke, temperature, cof)` fed to the monitor, in order.
fn inputs(data: &Dataset) -> Result<Vec<(u32, f32, f32)>, String> {
    let (s165, s170) = (series(data, 165.0)?, series(data, 170.0)?);
    let mut out = Vec::new();
    let mut stroke = 0_u32;
    for &cof in s165.iter().take(3) {
        out.push((stroke, 150.0, cof)); // a cold die: below the trained range
        stroke += 1;
    }
    for (i, &cof) in s165.iter().take(12).enumerate() {
        if i == 5 {
            out.push((stroke, 165.0, f32::NAN)); // rejected: COF not finite
        }
        out.push((stroke, 165.0, cof));
        stroke += 1;
    }
    let above = *s165
        .get(12)
        .ok_or("data/demo's 165 C series is shorter than 13 strokes")?;
    out.push((stroke, 172.0, above)); // above the trained range
    stroke += 1;
    for (i, &cof) in s170.iter().take(24).enumerate() {
        if i == 3 {
            out.push((stroke, 170.0, 2.5)); // rejected: above the accepted COF bounds [0, 2]
        }
        if i == 9 {
            out.push((stroke + 1, 170.0, cof)); // rejected: stroke skipped
        }
        out.push((stroke, 170.0, cof));
        stroke += 1;
    }
    Ok(out)
}

fn f32_lit(x: f32) -> String {
    format!("f32::from_bits(0x{:08x}) /* {x:e} */", x.to_bits())
}

fn opt_lit(x: Option<f32>) -> String {
    x.map_or_else(|| "None".to_string(), |v| format!("Some({})", f32_lit(v)))
}

fn error_lit(e: UpdateError) -> String {
    match e {
        UpdateError::NotConsecutive { expected, got } => {
            format!("UpdateError::NotConsecutive {{ expected: {expected}, got: {got} }}")
        }
        other => format!("UpdateError::{other:?}"),
    }
}

/// Produces the golden file from the demo data and the shipped blob
/// `firmware-example/blob/published_fit.glng` as it is on disk. `root` is the repository root.
pub fn generate(root: &Path) -> Result<Vec<GeneratedFile>, String> {
    let data = Dataset::load(root.join("data/demo"), &TemperatureMap::identity())
        .map_err(|e| format!("data/demo: {e}"))?;
    let blob = root.join("firmware-example/blob/published_fit.glng");
    let bytes = std::fs::read(&blob).map_err(|e| format!("{}: {e}", blob.display()))?;
    let package = PackageView::new(&bytes).map_err(|e| format!("{}: {e}", blob.display()))?;
    let mut monitor = Monitor::new(package);

    let inputs = inputs(&data)?;
    let mut body = String::new();
    for &(stroke, temperature, cof) in &inputs {
        let expected = match monitor.update(stroke, temperature, cof) {
            Ok(r) => format!(
                "Ok(GoldenReport {{\n            log_prob: {},\n            jump_posterior: {},\n            \
                 model_temperature: {},\n            risk: {},\n            excess: {},\n            \
                 hazard: {},\n            expected_strokes: {},\n            hot_die: {},\n            \
                 onset_warning: {},\n            galling: {},\n        }})",
                opt_lit(r.transition.map(|t| t.log_prob)),
                opt_lit(r.transition.map(|t| t.jump_posterior)),
                f32_lit(r.model_temperature),
                f32_lit(r.risk),
                f32_lit(r.excess),
                f32_lit(r.hot_die.hazard.risk),
                f32_lit(r.hot_die.hazard.expected_strokes),
                r.hot_die.active,
                r.onset_warning.active,
                r.galling.active,
            ),
            Err(e) => format!("Err({})", error_lit(e)),
        };
        writeln!(
            body,
            "    GoldenStroke {{\n        stroke: {stroke},\n        temperature: {},\n        cof: {},\n        \
             expected: {expected},\n    }},",
            f32_lit(temperature),
            f32_lit(cof),
        )
        .map_err(|e| e.to_string())?;
    }

    let text = format!(
        "// @generated by `cargo xtask generate` (host-train/xtask/src/monitor_golden.rs); do not edit.\n\
         //\n\
         // Golden vectors of the per-stroke monitor: galling::Monitor running the package of\n\
         // firmware-example/blob/published_fit.glng (published fit, risk table over 160-170 C, onset\n\
         // warning raised at excess 1.2 and cleared below 0.6), fed the strokes below in order (data/demo:\n\
         // 3 strokes at 150 C, 12 at 165 C, 1 at 172 C, 24 at 170 C, three invalid inputs injected).\n\
         // Values are exact f32 bit patterns; host and target must reproduce them bit for bit (same\n\
         // libm code, no fused multiply-add). Include with `include!` where\n\
         // `galling::monitor::UpdateError` is in scope.\n\
         \n\
         /// What the monitor must report for one accepted stroke.\n\
         #[derive(Debug, Clone, Copy, PartialEq)]\n\
         pub struct GoldenReport {{\n    \
             /// Transition log-likelihood (`None` on the first stroke).\n    \
             pub log_prob: Option<f32>,\n    \
             /// Transition jump posterior (`None` on the first stroke).\n    \
             pub jump_posterior: Option<f32>,\n    \
             /// Temperature the model evaluated.\n    \
             pub model_temperature: f32,\n    \
             /// Galling risk within the horizon.\n    \
             pub risk: f32,\n    \
             /// Log-odds excess of the risk over the hot-die hazard.\n    \
             pub excess: f32,\n    \
             /// Hot-die hazard.\n    \
             pub hazard: f32,\n    \
             /// Expected strokes to galling from a typical clean stroke.\n    \
             pub expected_strokes: f32,\n    \
             /// Hot-die status.\n    \
             pub hot_die: bool,\n    \
             /// Onset warning after the stroke.\n    \
             pub onset_warning: bool,\n    \
             /// Galling detected after the stroke.\n    \
             pub galling: bool,\n\
         }}\n\
         \n\
         /// One input stroke and the monitor's expected answer.\n\
         #[derive(Debug, Clone, Copy, PartialEq)]\n\
         pub struct GoldenStroke {{\n    \
             /// Stroke counter.\n    \
             pub stroke: u32,\n    \
             /// Die temperature, degC.\n    \
             pub temperature: f32,\n    \
             /// Averaged COF of the stroke.\n    \
             pub cof: f32,\n    \
             /// The report, or the reason the stroke is rejected.\n    \
             pub expected: Result<GoldenReport, UpdateError>,\n\
         }}\n\
         \n\
         /// The strokes, in order.\n\
         pub const GOLDEN_STROKES: [GoldenStroke; {}] = [\n{body}];\n",
        inputs.len()
    );
    Ok(vec![GeneratedFile {
        path: GOLDEN_FILE.into(),
        bytes: text.into_bytes(),
    }])
}
