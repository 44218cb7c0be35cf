//! Exhaustive integrity check of the parameter blob (issue 11): every single-bit flip and every
//! truncation of a valid blob is refused, with the error kind of the region the damage is in.
//!
//! The expectations come from the layout constants of `galling::blob` (magic, version, layout hash,
//! payload, CRC), not from hard-coded offsets, so the test follows a format change that keeps those
//! regions.

use galling::V8Params;
use galling::blob::{self, BLOB_LEN, BlobError, CRC_OFFSET, HEADER_LEN, MAGIC, decode, encode};

/// The header regions, derived from the constants: magic, then the u16 version, then the u32
/// layout hash up to the end of the header.
fn region_of(byte: usize) -> &'static str {
    let version = MAGIC.len()..MAGIC.len() + 2;
    let layout = version.end..HEADER_LEN;
    if byte < MAGIC.len() {
        "magic"
    } else if version.contains(&byte) {
        "version"
    } else if layout.contains(&byte) {
        "layout"
    } else if byte < CRC_OFFSET {
        "payload"
    } else {
        "crc"
    }
}

fn kind_matches(region: &str, err: &BlobError) -> bool {
    match region {
        "magic" => matches!(err, BlobError::BadMagic { .. }),
        "version" => matches!(err, BlobError::UnsupportedVersion { .. }),
        "layout" => matches!(err, BlobError::LayoutMismatch { .. }),
        // a flipped payload or CRC bit no longer matches: the CRC-32 catches every single-bit error
        _ => matches!(err, BlobError::CrcMismatch { .. }),
    }
}

/// Valid blobs to damage: the published fit, the default start, and both with the payload's sign
/// bits and exponents varied.
fn blobs() -> Vec<[u8; BLOB_LEN]> {
    let mut sets = vec![V8Params::PUBLISHED_FIT, V8Params::PUBLISHED_DEFAULT_START];
    let mut p = V8Params::PUBLISHED_FIT;
    p.d0 = -p.d0;
    p.h0 = -p.h0;
    p.omega0 = 1.3e6;
    sets.push(p);
    sets.iter()
        .map(|p| encode(p).expect("a valid parameter set encodes"))
        .collect()
}

#[test]
fn the_layout_constants_describe_the_encoded_bytes() {
    let b = encode(&V8Params::PUBLISHED_FIT).unwrap();
    assert_eq!(b.len(), BLOB_LEN);
    assert_eq!(b[..MAGIC.len()], MAGIC);
    assert_eq!(
        HEADER_LEN,
        MAGIC.len() + 2 + 4,
        "magic, u16 version, u32 layout hash"
    );
    assert_eq!(
        u32::from_le_bytes(b[CRC_OFFSET..CRC_OFFSET + 4].try_into().unwrap()),
        blob::crc32(&b[..CRC_OFFSET])
    );
    assert_eq!(CRC_OFFSET + 4, BLOB_LEN);
}

#[test]
fn every_single_bit_flip_is_refused_with_the_error_of_its_region() {
    let mut checked = 0;
    for good in blobs() {
        assert!(decode(&good).is_ok());
        for byte in 0..BLOB_LEN {
            for bit in 0..8 {
                let mut bad = good;
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
    assert_eq!(checked, 3 * 8 * BLOB_LEN);
}

#[test]
fn every_truncation_is_refused_as_truncated() {
    for good in blobs() {
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
        region[..BLOB_LEN].copy_from_slice(&good);
        for byte in BLOB_LEN..region.len() {
            for bit in 0..8 {
                let mut r = region;
                r[byte] ^= 1 << bit;
                assert_eq!(decode(&r), decode(&good));
            }
        }
    }
}
