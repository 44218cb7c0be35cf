//! The firmware example's per-variant blobs and golden vectors:
//! `firmware-example/blob/{v8_13,v9,v7,v8_precursor}.glng` and `firmware-example/golden/family.rs`,
//! what the core computes on the host in `f32` for every variant of the model family, which the
//! on-target tests in QEMU must reproduce bit for bit. Written by `cargo xtask generate`, checked by
//! `cargo xtask check` (`main.rs`).
//!
//! The variants and their parameters:
//! - **V8**: the shipped blob `firmware-example/blob/published_fit.glng` (written by
//!   `golden_vectors.rs` first: the published fit, its risk table over 160-170 C, the onset warning
//!   at excess 1.2 / 0.6), read here, not rewritten;
//! - **V8-13**: the published V8 fit with `g0 = g_T = 0` (its 13 other values unchanged). A *test
//!   parameter set* that exercises the V8-13 layout and kernel, **not a fit** of V8-13;
//! - **V9**: the upstream V9 fit, `../shared/reference/v9-upstream-fit.json` (float32 values as
//!   stored upstream; written out below so that the generator needs no file outside the repository);
//! - **V7**: the upstream V7 fit, [`V7Params::UPSTREAM_FIT`].
//!
//! V8-13, V9 and V7 each get a risk table over 160 to 170 C ([`TableSpec::new`]) and the default
//! signal settings ([`SignalSettings::DEFAULT`]). Per variant the golden file holds the decoded
//! parameters (bit patterns), the log-probability and jump posterior of chosen demo transitions
//! (`data/demo`) and COF edge cases, and the monitor's reports over a short stroke sequence.

use crate::{GeneratedFile, transitions};
use galling::family::{AnyModel, ModelId, ModelParams, V7Params};
use galling::features::{FeatureScaling, FeatureSettings, PrecursorFeatures};
use galling::monitor::{Monitor, Package, UpdateError};
use galling::risk::{RiskTable, TableSpec};
use galling::signals::SignalSettings;
use galling::{Kernel, V8Params, blob};
use host_train::dataset::{Dataset, TemperatureMap};
use std::fmt::Write as _;
use std::path::Path;

/// The upstream V9 fit (`../shared/reference/v9-upstream-fit.json`, "params"), in V9's storage
/// order (`mu_L, mu_H, k, D0, D_T, omega0, tau, j_mu, j_T, sigma_jump_up, sigma_jump_down,
/// mu0_base`). The JSON holds the float32 values upstream stored, printed as f64: each converts to
/// `f32` exactly.
pub const V9_UPSTREAM_FIT: [f64; 12] = [
    0.158_524_081_110_954_28,
    1.044_068_694_114_685,
    0.025_321_951_135_993_004,
    0.000_349_240_552_168_339_5,
    0.118_364_281_952_381_13,
    1.241_311_073_303_222_7,
    1.803_410_887_718_200_7,
    -0.388_797_253_370_285_03,
    0.032_352_417_707_443_24,
    0.209_972_172_975_540_16,
    0.202_921_360_731_124_88,
    0.150_000_005_960_464_48,
];

/// The blob file of each variant, relative to the repository root.
pub const BLOB_FILES: [(ModelId, &str); 4] = [
    (ModelId::V8, "firmware-example/blob/published_fit.glng"),
    (ModelId::V8_13, "firmware-example/blob/v8_13.glng"),
    (ModelId::V9, "firmware-example/blob/v9.glng"),
    (ModelId::V7, "firmware-example/blob/v7.glng"),
];

/// The V8-P blob (the precursor variant, with its feature section), relative to the repository
/// root: measured by the firmware's `measure` binary; not in the golden file (its monitor without
/// stroke features is V8's, bit for bit).
pub const PRECURSOR_BLOB_FILE: &str = "firmware-example/blob/v8_precursor.glng";

/// The golden file, relative to the repository root.
pub const GOLDEN_FILE: &str = "firmware-example/golden/family.rs";

/// The parameters of a variant's blob (V8 excepted: its blob is read from the shipped file).
pub fn params_of(model: ModelId) -> Result<ModelParams<f32>, String> {
    let values: Vec<f32> = match model {
        ModelId::V8 => V8Params::PUBLISHED_FIT.to_array().to_vec(),
        ModelId::V8_13 => {
            // The published V8 fit without its tilt: every value but g0 and g_T, in V8-13's order.
            let v8 = ModelParams::from(V8Params::PUBLISHED_FIT);
            ModelId::V8_13
                .variant()
                .fields
                .iter()
                .map(|f| {
                    v8.get(f.name)
                        .ok_or(format!("V8 has no parameter {}", f.name))
                })
                .collect::<Result<_, _>>()?
        }
        ModelId::V9 => {
            let v: Vec<f32> = V9_UPSTREAM_FIT.iter().map(|&x| x as f32).collect();
            if let Some(x) = V9_UPSTREAM_FIT.iter().find(|&&x| f64::from(x as f32) != x) {
                return Err(format!("V9 value {x} is not an f32"));
            }
            v
        }
        ModelId::V7 => V7Params::UPSTREAM_FIT.to_array().to_vec(),
        // PRECURSOR_BLOB_FILE: the published V8 fit with the reference coefficients of the
        // family tests (beta = [0.5, 0.25]; a test parameter set, not a fit)
        ModelId::V8Precursor => ModelParams::precursor(V8Params::PUBLISHED_FIT, [0.5, 0.25])
            .values()
            .to_vec(),
    };
    ModelParams::new(model, &values).ok_or(format!("{model}: wrong parameter count"))
}

/// The package of a variant's new blob: its parameters, a risk table over 160 to 170 C built in
/// f64, the default signal settings; for V8-P the default extractor settings and a feature
/// scaling of the order of the development data's clean strokes (breakaway peak 0.31 +- 0.05,
/// run-in high share 0.02 +- 0.08; test values, not fitted).
fn package_of(model: ModelId) -> Result<Package, String> {
    let params = params_of(model)?;
    let exact = AnyModel::new(&params.map(f64::from)).map_err(|e| format!("{model}: {e}"))?;
    let table = RiskTable::build(&exact, &TableSpec::new(160.0, 170.0));
    let features = blob::carries_features(model).then_some(PrecursorFeatures {
        extractor: FeatureSettings::DEFAULT,
        scaling: FeatureScaling {
            reference: [0.31, 0.02],
            scale: [0.05, 0.08],
        },
    });
    Package::with_features(params, SignalSettings::DEFAULT, features, table)
        .map_err(|e| format!("{model}: {e}"))
}

/// Produces every file from the current core, the shipped V8 blob and the demo data. `root` is the
/// repository root.
pub fn generate(root: &Path) -> Result<Vec<GeneratedFile>, String> {
    let demo = root.join("data/demo");
    let data = Dataset::load_dir(&demo, &TemperatureMap::default()).map_err(|e| e.to_string())?;
    let mut files = Vec::new();
    let mut golden = String::from(HEADER);
    golden.push_str(
        "//\n// Per variant: the blob's parameters, host-f32 log-probabilities and jump posteriors of demo\n\
         // transitions and COF edges, and the monitor's reports over a short stroke sequence (data/demo:\n\
         // 2 strokes at 150 C, 8 at 165 C, 1 at 172 C, 16 at 170 C; a NaN COF and a skipped stroke number\n\
         // rejected). Include with `include!` where the types of `src/golden.rs` and\n\
         // `galling::monitor::UpdateError` are in scope.\n\n",
    );
    golden.push_str("pub const FAMILY: &[FamilyGolden] = &[\n");
    for (model, path) in BLOB_FILES {
        let bytes = if model == ModelId::V8 {
            let full = root.join(path);
            std::fs::read(&full).map_err(|e| format!("{}: {e}", full.display()))?
        } else {
            let bytes = blob::encode(&package_of(model)?).to_vec();
            files.push(GeneratedFile {
                path: path.into(),
                bytes: bytes.clone(),
            });
            bytes
        };
        let package = blob::decode(&bytes).map_err(|e| format!("{path}: {e}"))?;
        if package.params().model() != model {
            return Err(format!(
                "{path} holds {}, not {model}",
                package.params().model()
            ));
        }
        let blob_name = Path::new(path)
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or("blob file name")?;
        variant(&mut golden, blob_name, &package, &data)?;
    }
    golden.push_str("];\n");
    files.push(GeneratedFile {
        path: PRECURSOR_BLOB_FILE.into(),
        bytes: blob::encode(&package_of(ModelId::V8Precursor)?),
    });
    files.push(GeneratedFile {
        path: GOLDEN_FILE.into(),
        bytes: golden.into_bytes(),
    });
    Ok(files)
}

const HEADER: &str = "// @generated by `cargo xtask generate` (repository root; host-train/xtask/src/family_golden.rs).\n// Do not edit: `cargo xtask check` checks that this file equals the generator's output.\n";

fn bits(x: f32) -> String {
    format!("f32::from_bits({:#010x})", x.to_bits())
}

fn opt_bits(x: Option<f32>) -> String {
    x.map_or_else(|| "None".to_string(), |v| format!("Some({})", bits(v)))
}

/// Chosen transitions of every demo series (first; lowest, median and highest COF; largest rise
/// and fall; smallest change) and, per temperature, the COF clamp edges 0.1 and 1.3 with no change
/// and the largest move.
fn transitions(data: &Dataset) -> Vec<(String, f32, f32, f32)> {
    let mut rows = Vec::new();
    for series in &data.series {
        let t = series.temperature as f32;
        let cof: Vec<f32> = series.cof.iter().map(|&c| c as f32).collect();
        let pairs: Vec<(f32, f32)> = cof.windows(2).map(|w| (w[0], w[1] - w[0])).collect();
        if pairs.is_empty() {
            continue;
        }
        let name = format!(
            "{} C as {} C",
            series.recorded_temperature, series.temperature
        );
        for (i, what) in transitions::picks(&pairs) {
            rows.push((
                format!("{name}, {what}, stroke {i}"),
                t,
                pairs[i].0,
                pairs[i].1,
            ));
        }
        for (mu, delta, what) in [
            (0.1, 1.2, "COF clamp 0.1, move to 1.3"),
            (0.1, 0.0, "COF clamp 0.1, no change"),
            (1.3, -1.2, "COF clamp 1.3, move to 0.1"),
            (1.3, 0.0, "COF clamp 1.3, no change"),
        ] {
            rows.push((format!("{name}, edge: {what}"), t, mu, delta));
        }
    }
    rows
}

/// The demo series recorded at `temperature`, as f32.
fn series(data: &Dataset, temperature: f64) -> Result<Vec<f32>, String> {
    data.series
        .iter()
        .find(|s| s.recorded_temperature == temperature)
        .map(|s| s.cof.iter().map(|&c| c as f32).collect())
        .ok_or(format!("data/demo has no {temperature} C series"))
}

/// `(stroke, temperature, cof)` fed to the monitor, in order: 2 strokes at 150 C (below the
/// trained range), 8 at 165 C with a NaN COF injected, 1 at 172 C (above it), 16 at 170 C with a
/// skipped stroke number injected.
fn strokes(data: &Dataset) -> Result<Vec<(u32, f32, f32)>, String> {
    let (s165, s170) = (series(data, 165.0)?, series(data, 170.0)?);
    let mut out = Vec::new();
    let mut stroke = 0_u32;
    for &cof in s165.iter().take(2) {
        out.push((stroke, 150.0, cof));
        stroke += 1;
    }
    for (i, &cof) in s165.iter().take(8).enumerate() {
        if i == 4 {
            out.push((stroke, 165.0, f32::NAN)); // rejected: COF not finite
        }
        out.push((stroke, 165.0, cof));
        stroke += 1;
    }
    out.push((stroke, 172.0, *s165.get(8).ok_or("short 165 C series")?));
    stroke += 1;
    for (i, &cof) in s170.iter().take(16).enumerate() {
        if i == 6 {
            out.push((stroke + 1, 170.0, cof)); // rejected: stroke skipped
        }
        out.push((stroke, 170.0, cof));
        stroke += 1;
    }
    Ok(out)
}

fn error_lit(e: UpdateError) -> String {
    match e {
        UpdateError::NotConsecutive { expected, got } => {
            format!("UpdateError::NotConsecutive {{ expected: {expected}, got: {got} }}")
        }
        other => format!("UpdateError::{other:?}"),
    }
}

/// Appends one variant's entry to the golden file.
fn variant(
    out: &mut String,
    blob_name: &str,
    package: &Package,
    data: &Dataset,
) -> Result<(), String> {
    let params = package.params();
    let model = params.model();
    let mut monitor = Monitor::new(package.view());
    let kernels = *monitor.model();
    let param_bits: Vec<String> = params
        .values()
        .iter()
        .map(|v| format!("{:#010x}", v.to_bits()))
        .collect();
    writeln!(
        out,
        "    FamilyGolden {{\n        key: {:?},\n        model_id: {},\n        blob: include_bytes!(\"../blob/{blob_name}\"),\n        params: &[{}],\n        transitions: &[",
        model.key(),
        model.to_u8(),
        param_bits.join(", ")
    )
    .map_err(|e| e.to_string())?;
    for (label, t, mu, delta) in transitions(data) {
        let s = kernels.landscape(t).score(mu, delta);
        writeln!(
            out,
            "            // log_prob {:.7}, jump_posterior {:.7}\n            GoldenTransition {{ label: {label:?}, temperature: {}, mu: {}, delta: {}, log_prob: {}, jump_posterior: {} }},",
            s.log_prob,
            s.jump_posterior,
            bits(t),
            bits(mu),
            bits(delta),
            bits(s.log_prob),
            bits(s.jump_posterior)
        )
        .map_err(|e| e.to_string())?;
    }
    out.push_str("        ],\n        strokes: &[\n");
    for (stroke, temperature, cof) in strokes(data)? {
        let expected = match monitor.update(stroke, temperature, cof) {
            Ok(r) => format!(
                "Ok(FamilyReport {{ log_prob: {}, jump_posterior: {}, model_temperature: {}, risk: {}, excess: {}, hazard: {}, expected_strokes: {}, hot_die: {}, onset_warning: {}, galling: {} }})",
                opt_bits(r.transition.map(|t| t.log_prob)),
                opt_bits(r.transition.map(|t| t.jump_posterior)),
                bits(r.model_temperature),
                bits(r.risk),
                bits(r.excess),
                bits(r.hot_die.hazard.risk),
                bits(r.hot_die.hazard.expected_strokes),
                r.hot_die.active,
                r.onset_warning.active,
                r.galling.active,
            ),
            Err(e) => format!("Err({})", error_lit(e)),
        };
        writeln!(
            out,
            "            FamilyStroke {{ stroke: {stroke}, temperature: {}, cof: {}, expected: {expected} }},",
            bits(temperature),
            bits(cof)
        )
        .map_err(|e| e.to_string())?;
    }
    out.push_str("        ],\n    },\n");
    Ok(())
}
