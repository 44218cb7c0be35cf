//! Structure-aware blob fuzzing (issue 17): a valid blob of every variant (the firmware example's
//! V8, V8-13, V9 and V7 blobs and a V8-P blob with its feature section), edited field by field with
//! arbitrary values, its CRC resealed, so that decoding gets past the frame and the CRC to the
//! structure, canonical-form and value checks, and often to an accepted blob. Never a panic;
//! `check`, `PackageView::new` and `decode` agree; a refused blob's error names a byte inside
//! it; an accepted blob is the canonical encoding of its package and its monitor evaluates
//! finitely at the corners of its input box.
//!
//! Input: one byte picks the blob, then 7-byte edits: `region, offset (u16), how, value (3 bytes)`.
//! Regions: the parameter count, the parameters, the settings, the feature section (its tag
//! included), the table specification, the table's length prefix, the table entries. `how`
//! writes the value's bytes as they are, or scales the `f32` there by a small factor (which keeps
//! most values valid, so accepted blobs are frequent).
#![no_main]

use galling::blob::{self, PackageView};
use galling::family::{AnyModel, ModelId, ModelParams};
use galling::features::{FeatureScaling, FeatureSettings, PrecursorFeatures};
use galling::monitor::Package;
use galling::risk::{RiskTable, TableSpec};
use galling::signals::SignalSettings;
use galling::{Monitor, V8Params};
use libfuzzer_sys::fuzz_target;

/// The valid blobs the edits start from, built once per process.
fn templates() -> &'static [Vec<u8>] {
    static BLOBS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    BLOBS.get_or_init(|| {
        let mut blobs: Vec<Vec<u8>> = [
            &include_bytes!("../../../firmware-example/blob/published_fit.glng")[..],
            &include_bytes!("../../../firmware-example/blob/v8_13.glng")[..],
            &include_bytes!("../../../firmware-example/blob/v9.glng")[..],
            &include_bytes!("../../../firmware-example/blob/v7.glng")[..],
        ]
        .iter()
        .map(|b| b.to_vec())
        .collect();
        let params = ModelParams::precursor(V8Params::PUBLISHED_FIT, [0.9, 0.4]);
        let table = RiskTable::build(
            &AnyModel::new(&params.map(f64::from)).expect("a valid V8-P set"),
            &TableSpec::new(160.0, 170.0),
        );
        let features = PrecursorFeatures {
            extractor: FeatureSettings::DEFAULT,
            scaling: FeatureScaling {
                reference: [0.31, 0.02],
                scale: [0.05, 0.08],
            },
        };
        let package =
            Package::with_features(params, SignalSettings::default(), Some(features), table)
                .expect("a valid V8-P package");
        blobs.push(blob::encode(&package));
        blobs
    })
}

/// `(start, length)` of each editable region of a blob of `model`.
fn regions(model: ModelId) -> [(usize, usize); 7] {
    let features = blob::features_offset(model);
    let spec = blob::spec_offset(model);
    let table = blob::table_offset(model);
    [
        (blob::HEADER_LEN, 1),
        (blob::PARAMS_OFFSET, 4 * model.param_count()),
        (blob::settings_offset(model), blob::SETTINGS_LEN),
        (features, spec - features),
        (spec, blob::SPEC_LEN),
        (table - 2, 2),
        (table, blob::crc_offset(model) - table),
    ]
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, mut edits)) = data.split_first() else {
        return;
    };
    let templates = templates();
    let mut b = templates[usize::from(pick) % templates.len()].clone();
    let model = ModelId::from_u8(b[6]).expect("a template names its model");
    let regions = regions(model);
    while let [region, o0, o1, how, v0, v1, v2, rest @ ..] = edits {
        edits = rest;
        let (start, len) = regions[usize::from(*region) % regions.len()];
        let at = start + usize::from(u16::from_le_bytes([*o0, *o1])) % len;
        if how & 1 == 0 || at + 4 > start + len {
            // raw bytes, as many as fit in the region
            for (k, v) in [*v0, *v1, *v2].into_iter().enumerate().take(start + len - at) {
                b[at + k] = v;
            }
        } else {
            // the f32 at the 4-byte slot of `at`, scaled by a factor in about [0.5, 1.5]
            let slot = start + (at - start) / 4 * 4;
            if slot + 4 <= start + len {
                let x = f32::from_le_bytes([b[slot], b[slot + 1], b[slot + 2], b[slot + 3]]);
                let factor = 0.5 + f32::from(u16::from_le_bytes([*v0, *v1])) / 65_535.0;
                b[slot..slot + 4].copy_from_slice(&(x * factor).to_le_bytes());
            }
        }
    }
    let crc_at = b.len() - 4;
    let crc = blob::crc32(&b[..crc_at]);
    b[crc_at..].copy_from_slice(&crc.to_le_bytes());

    let checked = blob::check(&b);
    let view = match PackageView::new(&b) {
        Ok(view) => view,
        Err(e) => {
            assert_eq!(checked, Err(e), "check and the view disagree");
            assert_eq!(blob::decode(&b), Err(e), "decode and the view disagree");
            assert!(e.offset() < b.len(), "{e}: offset outside the blob");
            return;
        }
    };
    assert!(checked.is_ok(), "check refused what the view accepted");
    let package = blob::decode(&b).expect("decode accepts what the view accepts");
    assert_eq!(blob::encode(&package), b, "not canonical");
    let s = *view.settings();
    let mut monitor = Monitor::new(view);
    let mut n = 0_u32;
    for t in [s.temperature_low, s.temperature_high] {
        for mu in [s.cof_low, s.cof_high] {
            monitor.restart_series();
            let r = monitor.update(n, t, mu).expect("the box's corners are accepted");
            assert!(r.fault.is_none() && (0.0..=1.0).contains(&r.risk), "T={t} mu={mu}: {r:?}");
            n = n.wrapping_add(2);
        }
    }
});
