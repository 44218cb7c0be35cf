//! Exhaustive integrity check of the blob (issues 11 and 17): every single-bit flip and every
//! truncation of a valid blob is refused, with the error kind of the region the damage is in, for
//! blobs of V8, V7, V9 and V8-P; and the encoding is canonical: any damage under a resealed CRC is
//! refused or decodes to a package whose encoding is exactly the damaged blob.
//!
//! The expectations come from the layout constants of `galling::blob` (magic, version, model,
//! layout hash, length, content, CRC), not from hard-coded offsets, so the test follows a format
//! change that keeps those regions.

use galling::blob::{self, BlobError, CRC_LEN, HEADER_LEN, MAGIC, PackageView, decode, encode};
use galling::family::{AnyModel, ModelParams};
use galling::features::{FeatureScaling, FeatureSettings, PrecursorFeatures};
use galling::monitor::Package;
use galling::risk::{RiskTable, TableSpec};
use galling::signals::SignalSettings;
use galling::{Model, V8Params};
use proptest::prelude::*;
use std::sync::OnceLock;

/// The header regions, derived from the constants: magic, u16 version, u8 model, u32 layout hash,
/// u32 length; then the content and the CRC.
fn region_of(byte: usize, len: usize) -> &'static str {
    let version = MAGIC.len()..MAGIC.len() + 2;
    let model = version.end;
    let layout = model + 1..model + 5;
    let length = layout.end..HEADER_LEN;
    if byte < MAGIC.len() {
        "magic"
    } else if version.contains(&byte) {
        "version"
    } else if byte == model {
        "model"
    } else if layout.contains(&byte) {
        "layout"
    } else if length.contains(&byte) {
        "length"
    } else if byte < len - CRC_LEN {
        "content"
    } else {
        "crc"
    }
}

fn kind_matches(region: &str, err: &BlobError) -> bool {
    match region {
        "magic" => matches!(err, BlobError::BadMagic { .. } | BlobError::Version1),
        "version" => matches!(
            err,
            BlobError::UnsupportedVersion { .. } | BlobError::Version2
        ),
        // another variant's id: its layout does not match
        "model" => matches!(
            err,
            BlobError::UnknownModel { .. } | BlobError::LayoutMismatch { .. }
        ),
        "layout" => matches!(err, BlobError::LayoutMismatch { .. }),
        // a longer stated length than the bytes given is a truncation
        "length" => matches!(
            err,
            BlobError::LengthMismatch { .. } | BlobError::Truncated { .. }
        ),
        // a flipped content or CRC bit no longer matches: the CRC-32 catches every single-bit error
        _ => matches!(err, BlobError::CrcMismatch { .. }),
    }
}

/// Valid blobs to damage (built once per test binary): the published V8 fit with the default
/// settings, with other settings, and over another trained range; the upstream V7 and V9 fits
/// (other model ids, parameter counts and layout hashes); a V8-P package (with its feature
/// section).
fn blobs() -> &'static [Vec<u8>] {
    static BLOBS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    BLOBS.get_or_init(make_blobs)
}

fn make_blobs() -> Vec<Vec<u8>> {
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
        (v8, other, wide.clone()),
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
    // V8-P's forecast table is V8's (the clean baseline)
    let precursor = ModelParams::precursor(V8Params::PUBLISHED_FIT, [0.9, 0.4]);
    let features = PrecursorFeatures {
        extractor: FeatureSettings::DEFAULT,
        scaling: FeatureScaling {
            reference: [0.31, 0.02],
            scale: [0.05, 0.08],
        },
    };
    let package =
        Package::with_features(precursor, SignalSettings::default(), Some(features), wide)
            .expect("valid");
    blobs.push(encode(&package));
    blobs
}

#[test]
fn the_layout_constants_describe_the_encoded_bytes() {
    let all = blobs();
    // three V8 blobs, then V7, V9 and V8-P: other ids, counts and layout hashes are damaged too
    let ids: Vec<u8> = all.iter().map(|b| b[6]).collect();
    assert_eq!(ids, [1, 1, 1, 4, 3, 5]);
    for b in all {
        let model = galling::family::ModelId::from_u8(b[6]).unwrap();
        assert_eq!(b.len(), blob::blob_len(model));
        assert_eq!(b[..MAGIC.len()], MAGIC);
        assert_eq!(
            HEADER_LEN,
            MAGIC.len() + 2 + 1 + 4 + 4,
            "magic, u16 version, u8 model, u32 layout hash, u32 length"
        );
        let crc = blob::crc_offset(model);
        assert_eq!(crc + CRC_LEN, b.len());
        assert_eq!(
            u32::from_le_bytes(b[crc..].try_into().unwrap()),
            blob::crc32(&b[..crc])
        );
    }
}

/// Flips every bit of each of `blobs`, one at a time: each flip is refused with the error of its
/// region.
fn check_every_single_bit_flip(blobs: &[Vec<u8>]) {
    let mut checked = 0;
    for good in blobs {
        assert!(decode(good).is_ok());
        let len = good.len();
        let mut bad = good.clone();
        for byte in 0..len {
            for bit in 0..8 {
                bad[byte] ^= 1 << bit;
                let region = region_of(byte, len);
                match PackageView::new(&bad) {
                    Ok(p) => panic!("flip of byte {byte} bit {bit} ({region}) accepted: {p:?}"),
                    Err(e) => assert!(
                        kind_matches(region, &e),
                        "flip of byte {byte} bit {bit} ({region}) gave {e:?}"
                    ),
                }
                bad[byte] ^= 1 << bit;
                checked += 1;
            }
        }
    }
    assert_eq!(checked, blobs.iter().map(|b| 8 * b.len()).sum::<usize>());
}

// Two tests, so that the harness runs them on two cores.
#[test]
fn every_single_bit_flip_of_a_v8_blob_is_refused_with_the_error_of_its_region() {
    check_every_single_bit_flip(&blobs()[..3]);
}

#[test]
fn every_single_bit_flip_of_a_v7_v9_or_v8p_blob_is_refused_with_the_error_of_its_region() {
    check_every_single_bit_flip(&blobs()[3..]);
}

#[test]
fn every_truncation_is_refused_as_truncated() {
    for good in blobs() {
        // Fewer than 4 bytes cannot be told from another format: those are Truncated too.
        for len in 0..good.len() {
            let needed = if len < HEADER_LEN {
                HEADER_LEN
            } else {
                good.len()
            };
            assert_eq!(
                decode(&good[..len]),
                Err(BlobError::Truncated { needed, found: len }),
                "truncated to {len} bytes"
            );
        }
    }
}

#[test]
fn bytes_after_the_blob_are_ignored() {
    // a flash region is larger than the blob: whatever follows (erased 0xFF, any bit) is not read
    for good in blobs() {
        let mut region = good.clone();
        region.extend_from_slice(&[0xFF; 16]);
        for byte in good.len()..region.len() {
            for bit in 0..8 {
                let mut r = region.clone();
                r[byte] ^= 1 << bit;
                assert_eq!(decode(&r), decode(good));
            }
        }
    }
}

/// Re-seals `b` (its CRC over everything before it).
fn reseal(b: &mut [u8]) {
    let at = b.len() - CRC_LEN;
    let crc = blob::crc32(&b[..at]);
    b[at..].copy_from_slice(&crc.to_le_bytes());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Any bytes written anywhere after the header of a valid blob, the CRC resealed: the blob is
    /// refused, or it is the canonical encoding of what it decodes to (decode then encode gives
    /// the same bytes): no two blobs for one package.
    #[test]
    fn damage_under_a_resealed_crc_is_refused_or_canonical(
        which in 0usize..6,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let mut b = blobs()[which].clone();
        let content = HEADER_LEN..b.len() - CRC_LEN;
        for (at, value) in edits {
            let at = content.start + at.index(content.len());
            b[at] = value;
        }
        reseal(&mut b);
        match decode(&b) {
            Ok(package) => prop_assert_eq!(encode(&package), b),
            Err(e) => prop_assert!(e.offset() < b.len(), "{e}"),
        }
    }
}

#[test]
fn every_byte_value_in_the_table_length_prefix_is_refused_or_canonical() {
    // The varint prefix is the one place where postcard accepts several encodings of one value.
    for good in blobs() {
        let model = galling::family::ModelId::from_u8(good[6]).unwrap();
        let prefix = blob::table_offset(model) - 2;
        for at in [prefix, prefix + 1] {
            for value in 0..=u8::MAX {
                let mut b = good.clone();
                b[at] = value;
                reseal(&mut b);
                match decode(&b) {
                    Ok(p) => assert_eq!(&encode(&p), good),
                    Err(e) => assert!(
                        matches!(
                            e,
                            BlobError::Malformed { .. } | BlobError::NotCanonical { .. }
                        ),
                        "byte {at} = {value}: {e:?}"
                    ),
                }
            }
        }
    }
}
