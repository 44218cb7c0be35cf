//! What the family's core tests share: one reference parameter set per variant and the demo series.
#![allow(dead_code)] // each test file uses what it needs

use galling::family::{ModelId, ModelParams};
use std::path::PathBuf;

/// V8-13's reference set: the published V8 fit without its tilt (a test set, not a fit).
pub fn v8_13_fit() -> ModelParams<f32> {
    let v8 = ModelParams::PUBLISHED_V8;
    let values: Vec<f32> = ModelId::V8_13
        .variant()
        .fields
        .iter()
        .map(|f| v8.get(f.name).unwrap())
        .collect();
    ModelParams::new(ModelId::V8_13, &values).unwrap()
}

/// V8-P's reference set: the published V8 fit with escape coefficients 0.5 and 0.25 (a test set,
/// not a fit; at the clean baseline it is V8).
pub fn precursor_fit() -> ModelParams<f32> {
    ModelParams::precursor(galling::V8Params::PUBLISHED_FIT, [0.5, 0.25])
}

/// One reference set of each variant, in id order: the published V8 fit, it without the tilt
/// (V8-13), the upstream V9 and V7 fits, the V8-P test set.
pub fn fits() -> [ModelParams<f32>; 5] {
    [
        ModelParams::PUBLISHED_V8,
        v8_13_fit(),
        ModelParams::UPSTREAM_V9,
        ModelParams::UPSTREAM_V7,
        precursor_fit(),
    ]
}

/// The demo series of `data/demo` (`<T>/mean.txt`, one COF a line) as (model temperature, COF
/// values), 25 C evaluated as 160 C.
pub fn demo_series() -> Vec<(f64, Vec<f64>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/demo");
    [
        ("25", 160.0),
        ("165", 165.0),
        ("167.5", 167.5),
        ("170", 170.0),
    ]
    .into_iter()
    .map(|(folder, t)| {
        let path = dir.join(folder).join("mean.txt");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let cof = text
            .lines()
            .enumerate()
            .map(|(i, l)| {
                l.trim()
                    .parse()
                    .unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), i + 1))
            })
            .collect();
        (t, cof)
    })
    .collect()
}
