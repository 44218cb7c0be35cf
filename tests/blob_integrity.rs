//! Exhaustive integrity check of the parameter blob (issue 11): every single-bit flip and every
//! truncation of a valid blob is refused, with the error kind of the region the damage is in, for
//! blobs of V8, V7 and V9 (issue 9).
//!
//! The expectations come from the layout constants of `galling::blob` (magic, version, model,
//! parameter count, layout hash, length, content, CRC), not from hard-coded offsets, so the test
//! follows a format change that keeps those regions.

use galling::blob::{self, BLOB_LEN, BlobError, CRC_OFFSET, HEADER_LEN, MAGIC, decode, encode};
use galling::family::{AnyModel, ModelParams};
use galling::monitor::Package;
use galling::risk::{RiskTable, TableSpec};
use galling::signals::SignalSettings;
use galling::{Model, V8Params};
use std::sync::OnceLock;

/// The header regions, derived from the constants: magic, u16 version, u8 model, u8 parameter
/// count, u32 layout hash, u32 length; then the content and the CRC.
fn region_of(byte: usize) -> &'static str {
    let version = MAGIC.len()..MAGIC.len() + 2;
    let (model, count) = (version.end, version.end + 1);
    let layout = count + 1..count + 5;
    let length = layout.end..HEADER_LEN;
    if byte < MAGIC.len() {
        "magic"
    } else if version.contains(&byte) {
        "version"
    } else if byte == model {
        "model"
    } else if byte == count {
        "count"
    } else if layout.contains(&byte) {
        "layout"
    } else if length.contains(&byte) {
        "length"
    } else if byte < CRC_OFFSET {
        "content"
    } else {
        "crc"
    }
}

fn kind_matches(region: &str, err: &BlobError) -> bool {
    match region {
        "magic" => matches!(err, BlobError::BadMagic { .. }),
        "version" => matches!(err, BlobError::UnsupportedVersion { .. }),
        "model" => matches!(
            err,
            // another variant's id: its parameter count or layout does not match
            BlobError::UnknownModel { .. }
                | BlobError::ParamCount { .. }
                | BlobError::LayoutMismatch { .. }
        ),
        "count" => matches!(err, BlobError::ParamCount { .. }),
        "layout" => matches!(err, BlobError::LayoutMismatch { .. }),
        "length" => matches!(err, BlobError::LengthMismatch { .. }),
        // a flipped content or CRC bit no longer matches: the CRC-32 catches every single-bit error
        _ => matches!(err, BlobError::CrcMismatch { .. }),
    }
}

/// Valid blobs to damage (built once per test binary): the published V8 fit with the default settings, with other settings, and
/// over another trained range; the upstream V7 and V9 fits (other model ids, parameter counts and
/// layout hashes, V9 with unused parameter slots).
fn blobs() -> &'static [[u8; BLOB_LEN]] {
    static BLOBS: OnceLock<Vec<[u8; BLOB_LEN]>> = OnceLock::new();
    BLOBS.get_or_init(make_blobs)
}

fn make_blobs() -> Vec<[u8; BLOB_LEN]> {
    let model = Model::new(&V8Params::PUBLISHED_FIT.map(f64::from)).unwrap();
    let narrow = RiskTable::build(&model, &TableSpec::new(162.0, 168.0));
    let wide = RiskTable::build(&model, &TableSpec::new(160.0, 170.0));
    let other = SignalSettings {
        onset_raise: 1.3,
        onset_clear: 0.8,
        hot_die_target: 0.35,
        ..SignalSettings::default()
    };
    let v8 = ModelParams::PUBLISHED_V8;
    let mut blobs: Vec<_> = [
        (v8, SignalSettings::default(), wide.clone()),
        (v8, other, wide),
        (v8, SignalSettings::default(), narrow),
    ]
    .into_iter()
    .map(|(params, settings, table)| {
        encode(&Package::new(params, settings, table).expect("a valid package"))
    })
    .collect();
    for params in [ModelParams::UPSTREAM_V7, ModelParams::UPSTREAM_V9] {
        let model = AnyModel::new(&params.map(f64::from)).unwrap();
        let table = RiskTable::build(&model, &TableSpec::new(160.0, 170.0));
        let package = Package::new(params, SignalSettings::default(), table).expect("valid");
        blobs.push(encode(&package));
    }
    blobs
}

#[test]
fn the_layout_constants_describe_the_encoded_bytes() {
    let all = blobs();
    // three V8 blobs, then V7 and V9: other ids, counts and layout hashes are damaged too
    let ids: Vec<u8> = all.iter().map(|b| b[6]).collect();
    assert_eq!(ids, [1, 1, 1, 4, 3]);
    let b = all[0];
    assert_eq!(b.len(), BLOB_LEN);
    assert_eq!(b[..MAGIC.len()], MAGIC);
    assert_eq!(
        HEADER_LEN,
        MAGIC.len() + 2 + 1 + 1 + 4 + 4,
        "magic, u16 version, u8 model, u8 count, u32 layout hash, u32 length"
    );
    assert_eq!(
        u32::from_le_bytes(b[CRC_OFFSET..CRC_OFFSET + 4].try_into().unwrap()),
        blob::crc32(&b[..CRC_OFFSET])
    );
    assert_eq!(CRC_OFFSET + 4, BLOB_LEN);
}

/// Flips every bit of each of `blobs`, one at a time: each flip is refused with the error of its
/// region.
fn check_every_single_bit_flip(blobs: &[[u8; BLOB_LEN]]) {
    let mut checked = 0;
    for good in blobs {
        assert!(decode(good).is_ok());
        for byte in 0..BLOB_LEN {
            for bit in 0..8 {
                let mut bad = *good;
                bad[byte] ^= 1 << bit;
                let region = region_of(byte);
                match decode(&bad) {
                    Ok(p) => panic!("flip of byte {byte} bit {bit} ({region}) accepted: {p:?}"),
                    Err(e) => assert!(
                        kind_matches(region, &e),
                        "flip of byte {byte} bit {bit} ({region}) gave {e:?}"
                    ),
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, blobs.len() * 8 * BLOB_LEN);
}

// Two tests, so that the harness runs them on two cores.
#[test]
fn every_single_bit_flip_of_a_v8_blob_is_refused_with_the_error_of_its_region() {
    check_every_single_bit_flip(&blobs()[..3]);
}

#[test]
fn every_single_bit_flip_of_a_v7_or_v9_blob_is_refused_with_the_error_of_its_region() {
    check_every_single_bit_flip(&blobs()[3..]);
}

#[test]
fn every_truncation_is_refused_as_truncated() {
    for good in blobs() {
        // Fewer than 4 bytes cannot be told from another format: those are Truncated too.
        for len in 0..BLOB_LEN {
            assert_eq!(
                decode(&good[..len]),
                Err(BlobError::Truncated {
                    needed: BLOB_LEN,
                    found: len
                }),
                "truncated to {len} bytes"
            );
        }
    }
}

#[test]
fn bytes_after_the_blob_are_ignored() {
    // a flash region is larger than the blob: whatever follows (erased 0xFF, any bit) is not read
    for good in blobs() {
        let mut region = [0xFF_u8; BLOB_LEN + 16];
        region[..BLOB_LEN].copy_from_slice(good);
        for byte in BLOB_LEN..region.len() {
            for bit in 0..8 {
                let mut r = region;
                r[byte] ^= 1 << bit;
                assert_eq!(decode(&r), decode(good));
            }
        }
    }
}
