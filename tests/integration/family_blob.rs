//! The blob and the monitor for every variant of the family (issue 9): round trips, the header
//! fields of each variant, the parameter count, and decode errors that name the variant's
//! parameters at their bytes. The exhaustive bit-flip and truncation checks of V8, V7, V9 and V8-P
//! blobs are in `tests/integration/blob_integrity.rs`.

use galling::blob::{BlobError, PARAMS_OFFSET, PackageView, blob_len, crc32, decode};
use galling::blob::{carries_features, encode, layout_hash, table_offset};
use galling::family::{AnyModel, ModelId, ModelParams, PrecursorModel, PrecursorParams, V7Model};
use galling::features::{FeatureScaling, FeatureSettings, PrecursorFeatures};
use galling::monitor::Package;
use galling::risk::{RiskTable, TableSpec};
use galling::signals::SignalSettings;
use galling::{Model, Monitor, ParamError, V8Params};
use std::sync::OnceLock;

use crate::family_common;
use family_common::{fits, v8_13_fit};

fn spec() -> TableSpec {
    TableSpec::new(160.0, 170.0)
}

/// A package of `params` with the default settings and its risk table built from [`AnyModel`].
fn package(params: ModelParams<f32>) -> Package {
    let model = AnyModel::new(&params.map(f64::from)).expect("a valid fit");
    let table = RiskTable::build(&model, &spec());
    let features = carries_features(params.model()).then_some(PrecursorFeatures {
        extractor: FeatureSettings::DEFAULT,
        scaling: FeatureScaling {
            reference: [0.3, 0.05],
            scale: [0.04, 0.1],
        },
    });
    Package::with_features(params, SignalSettings::default(), features, table)
        .expect("a valid package")
}

/// [`package`] of each of [`fits`], built once for the whole test binary (a risk table takes a
/// moment to build).
fn packages() -> &'static [Package; 5] {
    static PACKAGES: OnceLock<[Package; 5]> = OnceLock::new();
    PACKAGES.get_or_init(|| fits().map(package))
}

/// The package of `model` from [`packages`].
fn package_of(model: ModelId) -> &'static Package {
    packages()
        .iter()
        .find(|p| p.params().model() == model)
        .expect("one package per variant")
}

/// Re-seals a modified blob so that only the intended check fails.
fn reseal(mut b: Vec<u8>) -> Vec<u8> {
    let at = b.len() - 4;
    let crc = crc32(&b[..at]);
    b[at..].copy_from_slice(&crc.to_le_bytes());
    b
}

#[test]
fn every_variant_round_trips_with_its_header_and_parameters() {
    for (params, id) in fits().into_iter().zip(ModelId::ALL) {
        assert_eq!(params.model(), id);
        let p = package_of(id).clone();
        let b = encode(&p);
        assert_eq!(b.len(), blob_len(id), "{id}: the variant's blob length");
        assert_eq!(b[6], id.to_u8(), "{id}: model id at byte 6");
        assert_eq!(b[7..11], layout_hash(id).to_le_bytes(), "{id}: layout hash");
        assert_eq!(b[11..15], (b.len() as u32).to_le_bytes(), "{id}: length");
        assert_eq!(
            usize::from(b[15]),
            id.param_count(),
            "{id}: count at byte 15"
        );
        for (i, want) in params.values().iter().enumerate() {
            let at = PARAMS_OFFSET + 4 * i;
            assert_eq!(b[at..at + 4], want.to_le_bytes(), "{id}: parameter {i}");
        }
        let back = decode(&b).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(back, p, "{id}: round trip");
        assert_eq!(back.params(), &params);
        let monitor = Monitor::new(PackageView::new(&b).unwrap_or_else(|e| panic!("{id}: {e}")));
        assert_eq!(monitor.model().model(), id);
    }
}

#[test]
fn a_risk_table_from_any_model_is_the_one_of_the_variants_own_kernel() {
    for params in fits() {
        let p64 = params.map(f64::from);
        let any = RiskTable::build(&AnyModel::new(&p64).unwrap(), &spec());
        let own = match (p64.to_v8(), p64.to_v7()) {
            (Some(v8), _) => RiskTable::build(&Model::new(&v8).unwrap(), &spec()),
            (None, Some(v7)) => RiskTable::build(&V7Model::new(&v7).unwrap(), &spec()),
            (None, None) => {
                assert_eq!(params.model(), ModelId::V8Precursor);
                let v = p64.values();
                let v8 = V8Params::from_array(std::array::from_fn(|i| v[i]));
                let params = PrecursorParams {
                    v8,
                    beta: [v[15], v[16]],
                };
                let table = RiskTable::build(&PrecursorModel::new(&params).unwrap(), &spec());
                // its forecast runs at the clean baseline: V8's table of its V8 parameters
                assert_eq!(table, RiskTable::build(&Model::new(&v8).unwrap(), &spec()));
                table
            }
        };
        assert_eq!(any, own, "{}", params.model());
    }
    // and the variants differ: the table depends on the model
    let table = |id| package_of(id).table();
    assert_ne!(table(ModelId::V8), table(ModelId::V9));
    assert_ne!(table(ModelId::V8), table(ModelId::V7));
}

#[test]
fn a_parameter_count_that_is_not_the_models_is_refused_at_its_byte() {
    for params in fits() {
        let id = params.model();
        let good = encode(package_of(id));
        // One parameter less, four table bytes more: the same length, a canonical encoding, an
        // intact CRC; only the count is wrong.
        let n = id.param_count();
        let mut b = good[..15].to_vec();
        b.push(n as u8 - 1);
        b.extend_from_slice(&good[PARAMS_OFFSET..PARAMS_OFFSET + 4 * (n - 1)]);
        let prefix = table_offset(id) - 2;
        b.extend_from_slice(&good[PARAMS_OFFSET + 4 * n..prefix]);
        b.extend_from_slice(&[0xb0, 0x29]); // 5296
        b.extend_from_slice(&good[table_offset(id)..good.len() - 4]);
        b.extend_from_slice(&[0; 8]);
        let err = decode(&reseal(b)).unwrap_err();
        assert_eq!(
            err,
            BlobError::ParamCount {
                found: n as u8 - 1,
                expected: n as u8
            },
            "{id}"
        );
        assert_eq!(err.offset(), 15);
        assert!(err.to_string().contains("byte 15"), "{err}");
    }
}

#[test]
fn an_invalid_parameter_is_named_by_the_variant_at_its_byte() {
    for (params, name) in [
        (ModelParams::UPSTREAM_V9, "k"),
        (ModelParams::UPSTREAM_V9, "sigma_jump_down"),
        (ModelParams::UPSTREAM_V7, "a_mu2"),
        (ModelParams::UPSTREAM_V7, "mu0_T"),
        (v8_13_fit(), "D0"),
    ] {
        let id = params.model();
        let index = id.variant().index_of(name).unwrap();
        let mut b = encode(package_of(id));
        let at = PARAMS_OFFSET + 4 * index;
        b[at..at + 4].copy_from_slice(&f32::INFINITY.to_le_bytes());
        let err = decode(&reseal(b)).unwrap_err();
        assert_eq!(
            err,
            BlobError::InvalidParams(id, ParamError::NotFinite(name))
        );
        assert_eq!(err.offset(), at, "{id} {name}");
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("byte {at}")) && msg.contains(&format!("{id} parameters")),
            "{msg}"
        );
    }
}

#[test]
fn a_blob_of_one_variant_relabelled_as_another_is_refused() {
    let v9 = encode(package_of(ModelId::V9));
    // V8's id on V9's layout: the layout hash does not match
    let mut b = v9.clone();
    b[6] = ModelId::V8.to_u8();
    assert_eq!(
        decode(&reseal(b)),
        Err(BlobError::LayoutMismatch {
            found: layout_hash(ModelId::V9),
            expected: layout_hash(ModelId::V8)
        })
    );
}

#[test]
fn a_v8_package_from_v8_params_is_the_family_v8_package() {
    let table = RiskTable::build(
        &Model::new(&V8Params::PUBLISHED_FIT.map(f64::from)).unwrap(),
        &spec(),
    );
    let a = Package::new(V8Params::PUBLISHED_FIT, SignalSettings::default(), table).unwrap();
    assert_eq!(&a, package_of(ModelId::V8));
}

#[test]
fn every_model_id_is_listed_once_and_round_trips_through_its_byte() {
    // Exhaustive: a new variant does not compile here until it is named, and then fails below until
    // it is in `ModelId::ALL`, `ModelId::from_u8` and `VARIANTS` (and has a fit in this file).
    let listed = |id: ModelId| match id {
        ModelId::V8 | ModelId::V8_13 | ModelId::V9 | ModelId::V7 | ModelId::V8Precursor => id,
    };
    for (i, id) in ModelId::ALL.into_iter().enumerate() {
        assert_eq!(listed(id), id);
        assert_eq!(galling::family::VARIANTS[i].id, id);
        assert_eq!(fits()[i].model(), id, "a fit per variant, in id order");
    }
    for byte in 0..=u8::MAX {
        if let Some(id) = ModelId::from_u8(byte) {
            assert_eq!(id.to_u8(), byte);
            assert!(
                ModelId::ALL.contains(&id),
                "{id} is missing from ModelId::ALL"
            );
        }
    }
    let known = (0..=u8::MAX)
        .filter(|&b| ModelId::from_u8(b).is_some())
        .count();
    assert_eq!(known, ModelId::ALL.len());
}

#[test]
fn every_variants_monitor_runs_the_demo_series_from_its_blob() {
    let series = demo_series_f32();
    for p in packages() {
        let id = p.params().model();
        let blob = encode(p);
        let mut monitor = Monitor::new(PackageView::new(&blob).unwrap());
        let mut galled = 0;
        for (t, cof) in &series {
            monitor.restart_series();
            monitor.reset_alarms();
            for (n, &mu) in cof.iter().enumerate() {
                let r = monitor
                    .update(n as u32, *t, mu)
                    .unwrap_or_else(|e| panic!("{id} at {t} C stroke {n}: {e}"));
                assert!(
                    r.fault.is_none() && (0.0..=1.0).contains(&r.risk),
                    "{id} at {t} C stroke {n}: {r:?}"
                );
                // galling detected is the COF against the blob's threshold, whatever the variant
                if mu > 0.5 {
                    assert!(r.galling.active, "{id} at {t} C stroke {n}: COF {mu}");
                    galled += 1;
                }
            }
        }
        assert!(galled > 100, "{id}: the demo data gall at 170 C");
    }
}

/// The demo series in f32, as the monitor takes them.
fn demo_series_f32() -> Vec<(f32, Vec<f32>)> {
    family_common::demo_series()
        .into_iter()
        .map(|(t, cof)| (t as f32, cof.into_iter().map(|c| c as f32).collect()))
        .collect()
}
