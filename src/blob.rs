//! The flashable parameter blob: the trainer writes it, the firmware reads it from its own flash region.
//!
//! Layout (little-endian), [`BLOB_LEN`] = 74 bytes:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | magic `b"V8GP"` |
//! | 4 | 2 | format version ([`FORMAT_VERSION`]) |
//! | 6 | 4 | layout hash ([`LAYOUT_HASH`]: FNV-1a of the parameter names, order and type) |
//! | 10 | 60 | the 15 parameters as postcard-serialized `f32`, in [`ParamField::ALL`] order |
//! | 70 | 4 | CRC-32 (IEEE) of bytes 0..70 |
//!
//! Decoding accepts a longer slice (a flash region is usually larger than the blob) and ignores what
//! follows the CRC.
//!
//! ```
//! use galling::{V8Params, blob};
//! let bytes = blob::encode(&V8Params::PUBLISHED_FIT)?;
//! assert_eq!(blob::decode(&bytes)?, V8Params::PUBLISHED_FIT);
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use crate::params::{ParamError, ParamField, V8Params};
use core::fmt;

/// First four bytes of every blob.
pub const MAGIC: [u8; 4] = *b"V8GP";
/// The blob format this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;
/// Bytes before the payload.
pub const HEADER_LEN: usize = 10;
/// Bytes of the postcard payload (15 `f32`).
pub const PAYLOAD_LEN: usize = 15 * 4;
/// Offset of the CRC-32.
pub const CRC_OFFSET: usize = HEADER_LEN + PAYLOAD_LEN;
/// Total length of a blob.
pub const BLOB_LEN: usize = CRC_OFFSET + 4;
/// FNV-1a hash of the parameter layout (`name:f32;` for each field in storage order). A blob written
/// for another parameter set (renamed, reordered or retyped fields) is refused by this hash.
pub const LAYOUT_HASH: u32 = layout_hash();

const fn layout_hash() -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    let mut f = 0;
    while f < ParamField::ALL.len() {
        let name = ParamField::ALL[f].name().as_bytes();
        let mut i = 0;
        while i < name.len() + 5 {
            let byte = if i < name.len() {
                name[i]
            } else {
                b":f32;"[i - name.len()]
            };
            hash ^= byte as u32;
            hash = hash.wrapping_mul(0x0100_0193);
            i += 1;
        }
        f += 1;
    }
    hash
}

/// CRC-32 (IEEE 802.3, reflected, as in zlib and PNG) of `bytes`.
///
/// ```
/// assert_eq!(galling::blob::crc32(b"123456789"), 0xCBF4_3926);
/// ```
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// Why a blob was refused. Each variant says where in the blob the problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum BlobError {
    /// Fewer bytes than a blob needs.
    Truncated {
        /// Bytes a blob needs.
        needed: usize,
        /// Bytes given.
        found: usize,
    },
    /// Bytes 0..4 are not `V8GP` (erased flash reads `FF FF FF FF`).
    BadMagic {
        /// The bytes found.
        found: [u8; 4],
    },
    /// Bytes 4..6 name a format version this build cannot read.
    UnsupportedVersion {
        /// Version in the blob.
        found: u16,
        /// Version this build reads.
        supported: u16,
    },
    /// Bytes 6..10: the blob was written for another parameter layout.
    LayoutMismatch {
        /// Layout hash in the blob.
        found: u32,
        /// Layout hash of this build.
        expected: u32,
    },
    /// Bytes 70..74: the CRC-32 does not match the content (corrupted or partially written flash).
    CrcMismatch {
        /// CRC stored in the blob.
        stored: u32,
        /// CRC computed over bytes 0..70.
        computed: u32,
    },
    /// The blob is intact but its parameters are not a valid model.
    InvalidParams(ParamError),
}

impl BlobError {
    /// Byte offset in the blob where the problem was found.
    pub fn offset(&self) -> usize {
        match self {
            Self::Truncated { found, .. } => *found,
            Self::BadMagic { .. } => 0,
            Self::UnsupportedVersion { .. } => 4,
            Self::LayoutMismatch { .. } => 6,
            Self::CrcMismatch { .. } => CRC_OFFSET,
            Self::InvalidParams(ParamError::NotFinite(field)) => HEADER_LEN + 4 * field.index(),
            Self::InvalidParams(_) => HEADER_LEN,
        }
    }
}

impl fmt::Display for BlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { needed, found } => {
                write!(
                    f,
                    "parameter blob truncated: {found} bytes, a blob needs {needed}"
                )
            }
            Self::BadMagic { found } => write!(
                f,
                "parameter blob: bad magic at byte 0: found {:02x} {:02x} {:02x} {:02x}, expected \"V8GP\" (no blob flashed?)",
                found[0], found[1], found[2], found[3]
            ),
            Self::UnsupportedVersion { found, supported } => write!(
                f,
                "parameter blob: format version {found} at byte 4 is not supported (this build reads version {supported})"
            ),
            Self::LayoutMismatch { found, expected } => write!(
                f,
                "parameter blob: layout hash {found:#010x} at byte 6 does not match this build's {expected:#010x} (blob made for another parameter layout)"
            ),
            Self::CrcMismatch { stored, computed } => write!(
                f,
                "parameter blob: CRC-32 at byte {CRC_OFFSET} is {stored:#010x} but the content gives {computed:#010x} (corrupted blob)"
            ),
            Self::InvalidParams(e) => write!(f, "parameter blob at byte {}: {e}", self.offset()),
        }
    }
}

impl core::error::Error for BlobError {}

impl From<ParamError> for BlobError {
    fn from(e: ParamError) -> Self {
        Self::InvalidParams(e)
    }
}

/// Encodes valid parameters as a blob.
///
/// # Errors
/// [`ParamError`] when the parameters are not a valid model (they would be refused on the target).
pub fn encode(params: &V8Params<f32>) -> Result<[u8; BLOB_LEN], ParamError> {
    params.validate()?;
    let mut out = [0u8; BLOB_LEN];
    out[0..4].copy_from_slice(&MAGIC);
    out[4..6].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    out[6..10].copy_from_slice(&LAYOUT_HASH.to_le_bytes());
    let written = postcard::to_slice(&params.to_array(), &mut out[HEADER_LEN..CRC_OFFSET])
        .map(|w| w.len())
        .unwrap_or(0);
    debug_assert_eq!(written, PAYLOAD_LEN, "postcard writes an f32 as 4 bytes");
    let crc = crc32(&out[..CRC_OFFSET]);
    out[CRC_OFFSET..].copy_from_slice(&crc.to_le_bytes());
    Ok(out)
}

/// Decodes and validates a blob from the start of `bytes` (trailing bytes are ignored).
///
/// Checks, in order: length of the header, magic, version, layout, total length, CRC, parameters.
///
/// ```
/// use galling::blob::{self, BlobError};
/// let mut bytes = blob::encode(&galling::V8Params::PUBLISHED_FIT)?;
/// bytes[20] ^= 1;
/// assert!(matches!(blob::decode(&bytes), Err(BlobError::CrcMismatch { .. })));
/// assert_eq!(blob::decode(&[0xFF; 128]), Err(BlobError::BadMagic { found: [0xFF; 4] }));
/// # Ok::<(), galling::ParamError>(())
/// ```
pub fn decode(bytes: &[u8]) -> Result<V8Params<f32>, BlobError> {
    let truncated = BlobError::Truncated {
        needed: BLOB_LEN,
        found: bytes.len(),
    };
    let header: &[u8; HEADER_LEN] = bytes
        .get(..HEADER_LEN)
        .and_then(|h| h.try_into().ok())
        .ok_or(truncated)?;
    let [m0, m1, m2, m3, v0, v1, l0, l1, l2, l3] = *header;
    if [m0, m1, m2, m3] != MAGIC {
        return Err(BlobError::BadMagic {
            found: [m0, m1, m2, m3],
        });
    }
    let version = u16::from_le_bytes([v0, v1]);
    if version != FORMAT_VERSION {
        return Err(BlobError::UnsupportedVersion {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let layout = u32::from_le_bytes([l0, l1, l2, l3]);
    if layout != LAYOUT_HASH {
        return Err(BlobError::LayoutMismatch {
            found: layout,
            expected: LAYOUT_HASH,
        });
    }
    let blob: &[u8; BLOB_LEN] = bytes
        .get(..BLOB_LEN)
        .and_then(|b| b.try_into().ok())
        .ok_or(truncated)?;
    let (content, stored) = blob.split_at(CRC_OFFSET);
    let stored = u32::from_le_bytes([stored[0], stored[1], stored[2], stored[3]]);
    let computed = crc32(content);
    if stored != computed {
        return Err(BlobError::CrcMismatch { stored, computed });
    }
    let values: [f32; 15] = postcard::from_bytes(&content[HEADER_LEN..]).map_err(|_| truncated)?;
    let params = V8Params::from_array(values);
    params.validate()?;
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> [u8; BLOB_LEN] {
        encode(&V8Params::PUBLISHED_FIT).unwrap()
    }

    /// Re-seals a modified blob so that only the intended check fails.
    fn reseal(mut b: [u8; BLOB_LEN]) -> [u8; BLOB_LEN] {
        let crc = crc32(&b[..CRC_OFFSET]);
        b[CRC_OFFSET..].copy_from_slice(&crc.to_le_bytes());
        b
    }

    #[test]
    fn round_trip_is_exact_and_payload_is_little_endian_f32() {
        let b = good();
        assert_eq!(&b[..4], b"V8GP");
        assert_eq!(
            &b[HEADER_LEN..HEADER_LEN + 4],
            &V8Params::PUBLISHED_FIT.mu_l.to_le_bytes()
        );
        let back = decode(&b).unwrap();
        for (x, y) in back
            .to_array()
            .iter()
            .zip(V8Params::PUBLISHED_FIT.to_array())
        {
            assert_eq!(x.to_bits(), y.to_bits());
        }
        let mut flash = [0xFFu8; 256];
        flash[..BLOB_LEN].copy_from_slice(&b);
        assert_eq!(decode(&flash).unwrap(), V8Params::PUBLISHED_FIT);
    }

    #[test]
    fn every_truncation_is_reported() {
        let b = good();
        for len in 0..BLOB_LEN {
            assert_eq!(
                decode(&b[..len]),
                Err(BlobError::Truncated {
                    needed: BLOB_LEN,
                    found: len
                }),
                "len {len}"
            );
        }
    }

    #[test]
    fn header_errors_name_found_and_expected() {
        let mut b = good();
        b[0] = b'X';
        assert_eq!(decode(&b), Err(BlobError::BadMagic { found: *b"X8GP" }));
        let mut b = good();
        b[4..6].copy_from_slice(&7u16.to_le_bytes());
        assert_eq!(
            decode(&reseal(b)),
            Err(BlobError::UnsupportedVersion {
                found: 7,
                supported: FORMAT_VERSION
            })
        );
        let mut b = good();
        b[6] ^= 0x55;
        let found = u32::from_le_bytes([b[6], b[7], b[8], b[9]]);
        assert_eq!(
            decode(&reseal(b)),
            Err(BlobError::LayoutMismatch {
                found,
                expected: LAYOUT_HASH
            })
        );
    }

    #[test]
    fn any_single_bit_flip_in_payload_or_crc_is_caught() {
        for byte in HEADER_LEN..BLOB_LEN {
            for bit in 0..8 {
                let mut b = good();
                b[byte] ^= 1 << bit;
                assert!(
                    matches!(decode(&b), Err(BlobError::CrcMismatch { .. })),
                    "byte {byte} bit {bit}"
                );
            }
        }
    }

    #[test]
    fn intact_blob_with_invalid_parameters_is_refused_with_the_field_offset() {
        let mut b = good();
        let at = HEADER_LEN + 4 * ParamField::Tau.index();
        b[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
        let err = decode(&reseal(b)).unwrap_err();
        assert_eq!(
            err,
            BlobError::InvalidParams(ParamError::NotFinite(ParamField::Tau))
        );
        assert_eq!(err.offset(), at);
        let mut p = V8Params::PUBLISHED_FIT;
        p.mu_h = 0.1;
        assert_eq!(encode(&p), Err(ParamError::WellsNotOrdered));
    }

    #[test]
    fn layout_hash_depends_on_names() {
        assert_ne!(LAYOUT_HASH, 0x811c_9dc5);
        assert_eq!(LAYOUT_HASH, layout_hash());
    }
}
