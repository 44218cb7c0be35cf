//! The flashable blob: everything the press runs, written by the trainer, read by the firmware in
//! place from its own flash region. Format version 3 is a [postcard](https://docs.rs/postcard)
//! serialization of the package (the model parameters, the signal settings, for a precursor
//! variant its stroke features, and the risk table), followed by a CRC-32 of everything before it.
//! The firmware validates a blob once ([`PackageView::new`]) and then reads it where it lies: the
//! risk table is borrowed (`&[u8]`, each entry read with `f32::from_le_bytes`), nothing large is
//! copied.
//!
//! Layout (postcard; `f32` and fixed-width integers little-endian, `varint` postcard's LEB128),
//! `n` the variant's parameter count, `F` = 37 bytes for a precursor variant, else 1:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | magic `b"GLNG"` |
//! | 4 | 2 | format version ([`FORMAT_VERSION`] = 3), `u16` |
//! | 6 | 1 | model id ([`ModelId`]: V8 = 1, V8-13 = 2, V9 = 3, V7 = 4, V8-P = 5) |
//! | 7 | 4 | layout hash ([`layout_hash`]), `u32` |
//! | 11 | 4 | blob length ([`blob_len`], CRC included), `u32` |
//! | 15 | 1 | parameter count `n` (varint) |
//! | [`PARAMS_OFFSET`] | `4 n` | the parameters, `f32`, in the variant's table order ([`Variant::fields`]) |
//! | [`settings_offset`] | 36 | [`SignalSettings`]: `hot_die_target, onset_raise, onset_clear` (`f32`), `onset_confirm, onset_window, onset_clear_strokes, recover_strokes` (`u8`), `recover_cof, cof_low, cof_high, temperature_low, temperature_high` (`f32`) |
//! | [`features_offset`] | `F` | `0` (none), or `1` then [`PrecursorFeatures`]: `window.start, window.end, run_in_start` (`i32`), `high_cof, min_normal_force` (`f32`), `reference[2], scale[2]` (`f32`) |
//! | [`spec_offset`] | 18 | [`TableSpec`]: `temperature_low, temperature_high, threshold, clean_limit` (`f32`), `horizon` (`u16`) |
//! | [`spec_offset`] + 18 | 2 | table length [`TABLE_BYTES`] = 5292 (varint `ac 29`) |
//! | [`table_offset`] | 5292 | the table's entries (`f32`): hazard, expected strokes, typical clean COF per table temperature, then survival `[temperature][cell]` |
//! | [`crc_offset`] | 4 | CRC-32 (IEEE) of everything before |
//!
//! The encoding is canonical: a blob is accepted only when encoding what was decoded gives the
//! same bytes (no overlong varint, no other byte sequence for the same package), so a blob and
//! its package are one-to-one. Decoding accepts a longer slice (a flash region is usually larger
//! than the blob) and ignores what follows the CRC. Every error names the byte offset where the
//! problem is ([`BlobError::offset`]). Version-1 (magic `V8GP`) and version-2 blobs are refused
//! with a message that says how to re-export them.
//!
//! ```
//! # #[cfg(feature = "std")] {
//! use galling::{Model, V8Params, blob::{self, PackageView}, monitor::Package, risk::{RiskTable, TableSpec}};
//! let table = RiskTable::build(&Model::new(&V8Params::PUBLISHED_FIT.map(f64::from))?,
//!                              &TableSpec::new(160.0, 170.0));
//! let package = Package::new(V8Params::PUBLISHED_FIT, Default::default(), table)?;
//! let bytes = blob::encode(&package);
//! let view = PackageView::new(&bytes)?;                   // checked once, read in place
//! assert_eq!(view.table().entries(), package.table().entries());
//! assert_eq!(blob::decode(&bytes)?, package);
//! # }
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use crate::averager::StrokeWindow;
use crate::family::{AnyModel, KernelKind, MAX_PARAMS, ModelId, ModelParams, Variant};
use crate::features::{self, FeatureScaling, FeatureSettings, PrecursorFeatures};
use crate::params::{OperatingBox, ParamError};
use crate::risk::{
    RiskTable, TABLE_BYTES, TABLE_CELLS, TABLE_TEMPERATURES, TableError, TableSpec, TableView,
    TemperatureAdvice, entry_offset,
};
use crate::signals::{SettingsError, SignalSettings};
use core::fmt;
use serde::{Deserialize, Serialize};

/// First four bytes of every blob.
pub const MAGIC: [u8; 4] = *b"GLNG";
/// Magic of the version-1 format (parameters only), recognised to say how to re-export it.
pub const MAGIC_V1: [u8; 4] = *b"V8GP";
/// The blob format this build writes and reads.
pub const FORMAT_VERSION: u16 = 3;
/// Model id of the V8 model ([`ModelId::V8`]).
pub const MODEL_V8: u8 = ModelId::V8.to_u8();
/// Bytes of the header (magic, version, model id, layout hash, length).
pub const HEADER_LEN: usize = 15;
/// Offset of the parameters (after the header and the one-byte parameter count).
pub const PARAMS_OFFSET: usize = HEADER_LEN + 1;
/// Bytes of the signal settings.
pub const SETTINGS_LEN: usize = 36;
/// Bytes of a precursor variant's feature section (the `Some` tag included).
pub const FEATURES_LEN: usize = 1 + 3 * 4 + 2 * 4 + 2 * 4 * crate::family::N_PRECURSOR_FEATURES;
/// Bytes of the table specification.
pub const SPEC_LEN: usize = 18;
/// Bytes of the table's length prefix (varint of [`TABLE_BYTES`]).
const TABLE_PREFIX_LEN: usize = 2;
/// Bytes of the CRC.
pub const CRC_LEN: usize = 4;
/// The longest blob of any variant.
pub const MAX_BLOB_LEN: usize = {
    let mut longest = 0;
    let mut i = 0;
    while i < ModelId::ALL.len() {
        let n = blob_len(ModelId::ALL[i]);
        if n > longest {
            longest = n;
        }
        i += 1;
    }
    longest
};
/// FNV-1a hash of V8's layout ([`layout_hash`]).
pub const LAYOUT_HASH: u32 = layout_hash(ModelId::V8);

/// Whether `model`'s blob carries stroke features ([`PrecursorFeatures`]).
///
/// ```
/// use galling::{blob, family::ModelId};
/// assert!(blob::carries_features(ModelId::V8Precursor) && !blob::carries_features(ModelId::V8));
/// ```
pub const fn carries_features(model: ModelId) -> bool {
    matches!(model.variant().kernel, KernelKind::Precursor)
}

/// Offset of the signal settings in a blob of `model`.
///
/// ```
/// use galling::{blob, family::ModelId};
/// assert_eq!(blob::settings_offset(ModelId::V8), 16 + 4 * 15);
/// ```
pub const fn settings_offset(model: ModelId) -> usize {
    // saturating: no overflow panic path in the overflow-checked profile (the link proof)
    PARAMS_OFFSET.saturating_add(model.variant().fields.len().saturating_mul(4))
}

/// Offset of the feature section (its `Option` tag) in a blob of `model`.
///
/// ```
/// use galling::{blob, family::ModelId};
/// assert_eq!(blob::features_offset(ModelId::V8), blob::settings_offset(ModelId::V8) + 36);
/// ```
pub const fn features_offset(model: ModelId) -> usize {
    settings_offset(model).saturating_add(SETTINGS_LEN)
}

/// Offset of the table specification in a blob of `model` (after a 1-byte empty feature
/// section, or V8-P's [`FEATURES_LEN`] bytes).
///
/// ```
/// use galling::{blob, family::ModelId};
/// let m = ModelId::V8Precursor;
/// assert_eq!(blob::spec_offset(m), blob::features_offset(m) + blob::FEATURES_LEN);
/// ```
pub const fn spec_offset(model: ModelId) -> usize {
    features_offset(model).saturating_add(if carries_features(model) {
        FEATURES_LEN
    } else {
        1
    })
}

/// Offset of the table's entries in a blob of `model`.
///
/// ```
/// use galling::{blob, family::ModelId};
/// assert_eq!(blob::table_offset(ModelId::V8), blob::spec_offset(ModelId::V8) + 18 + 2);
/// ```
pub const fn table_offset(model: ModelId) -> usize {
    spec_offset(model).saturating_add(SPEC_LEN + TABLE_PREFIX_LEN)
}

/// Offset of the CRC in a blob of `model`.
///
/// ```
/// use galling::{blob, family::ModelId, risk::TABLE_BYTES};
/// assert_eq!(blob::crc_offset(ModelId::V7), blob::table_offset(ModelId::V7) + TABLE_BYTES);
/// ```
pub const fn crc_offset(model: ModelId) -> usize {
    table_offset(model).saturating_add(TABLE_BYTES)
}

/// Length of a blob of `model`, CRC included.
///
/// ```
/// use galling::{blob, family::ModelId};
/// assert_eq!(blob::blob_len(ModelId::V8), 5429);
/// ```
pub const fn blob_len(model: ModelId) -> usize {
    crc_offset(model).saturating_add(CRC_LEN)
}

/// The settings, feature and table fields after the parameters, as `name:type;` in storage order.
const LAYOUT_TAIL: &str = "hot_die_target:f32;onset_raise:f32;onset_clear:f32;onset_confirm:u8;\
onset_window:u8;onset_clear_strokes:u8;recover_strokes:u8;recover_cof:f32;cof_low:f32;cof_high:f32;\
temperature_low:f32;temperature_high:f32;features:option;table.temperature_low:f32;\
table.temperature_high:f32;threshold:f32;clean_limit:f32;horizon:u16;table:bytes;hazard:f32;\
expected:f32;clean_cof:f32;survival:f32;";
/// The feature section of a precursor variant.
const LAYOUT_FEATURES: &str = "window.start:i32;window.end:i32;run_in_start:i32;high_cof:f32;\
min_normal_force:f32;reference:f32;scale:f32;";

const fn fnv(mut hash: u32, bytes: &[u8]) -> u32 {
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u32;
        hash = hash.wrapping_mul(0x0100_0193);
        i += 1;
    }
    hash
}

/// FNV-1a hash of a variant's layout: every parameter's name and type in storage order, the settings,
/// feature and table fields, the table's size and the parameter count. A blob written for another
/// layout (another variant, or another build's settings or table) is refused by this hash.
///
/// ```
/// use galling::{blob, family::ModelId};
/// assert_ne!(blob::layout_hash(ModelId::V8), blob::layout_hash(ModelId::V9));
/// ```
pub const fn layout_hash(model: ModelId) -> u32 {
    // Evaluated at compile time for every variant: the firmware looks the hash up and links
    // neither the hashing nor the field names it hashes.
    let mut i = 0;
    while i < ModelId::ALL.len() {
        if ModelId::ALL[i] as u8 == model as u8 {
            return LAYOUT_HASHES[i];
        }
        i += 1;
    }
    0
}

/// [`layout_hash`] of every variant, in [`ModelId::ALL`] order, computed by the compiler.
const LAYOUT_HASHES: [u32; ModelId::ALL.len()] = {
    let mut out = [0; ModelId::ALL.len()];
    let mut i = 0;
    while i < out.len() {
        out[i] = compute_layout_hash(ModelId::ALL[i]);
        i += 1;
    }
    out
};

const fn compute_layout_hash(model: ModelId) -> u32 {
    let variant: &Variant = model.variant();
    let mut hash: u32 = 0x811c_9dc5;
    hash = fnv(hash, b"v3;");
    let mut f = 0;
    while f < variant.fields.len() {
        hash = fnv(hash, variant.fields[f].name.as_bytes());
        hash = fnv(hash, b":f32;");
        f += 1;
    }
    hash = fnv(hash, LAYOUT_TAIL.as_bytes());
    if carries_features(model) {
        hash = fnv(hash, LAYOUT_FEATURES.as_bytes());
    }
    fnv(
        hash,
        &[
            TABLE_TEMPERATURES as u8,
            TABLE_CELLS as u8,
            variant.fields.len() as u8,
            crate::family::N_PRECURSOR_FEATURES as u8,
        ],
    )
}

/// CRC-32 (IEEE 802.3, reflected, as in zlib, PNG and postcard's `use-crc`) of `bytes`.
///
/// ```
/// assert_eq!(galling::blob::crc32(b"123456789"), 0xCBF4_3926);
/// ```
pub fn crc32(bytes: &[u8]) -> u32 {
    !crc32_update(!0, bytes)
}

/// The CRC register after `bytes` (not inverted).
fn crc32_update(mut crc: u32, bytes: &[u8]) -> u32 {
    for &b in bytes {
        // Two 4-bit steps through a 16-entry table (64 bytes of flash) instead of 8 bit steps.
        crc = (crc >> 4) ^ CRC_NIBBLES[((crc ^ u32::from(b)) & 0xF) as usize];
        crc = (crc >> 4) ^ CRC_NIBBLES[((crc ^ u32::from(b >> 4)) & 0xF) as usize];
    }
    crc
}

/// The CRC-32 (reflected polynomial 0xEDB88320) of each 4-bit value.
const CRC_NIBBLES: [u32; 16] = {
    let mut table = [0u32; 16];
    let mut n = 0;
    while n < 16 {
        let mut crc = n as u32;
        let mut bit = 0;
        while bit < 4 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
            bit += 1;
        }
        table[n] = crc;
        n += 1;
    }
    table
};

/// Why a blob was refused. Each variant says where in the blob the problem is ([`offset`](Self::offset)).
///
/// In a `defmt` log (the `defmt` feature) the error is written in a compact form, the variant's
/// name and three numbers ([`log_form`](Self::log_form)), e.g. `CrcMismatch [3735928559,
/// 305419896, 5425]` (stored, computed, offset); an error of the package's content gives the model
/// id and the inner error's code, e.g. `InvalidTable [1, 4, 7]` (V8, [`TableError::Survival`], row
/// 7). In the footprint firmware (`firmware-example/footprint.sh`) the derived form of this error
/// and the errors inside it cost 1,352 B of flash, this one 780 B; the full message is the
/// `Display` form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
// A word-sized tag, each variant's fields after it in order: the firmware's error paths write
// and copy it as words (footprint.sh: 112 B less flash than the default layout).
#[repr(u32)]
pub enum BlobError {
    /// Fewer bytes than the blob needs (its header, or the length its header states).
    Truncated {
        /// Bytes the blob needs.
        needed: usize,
        /// Bytes given.
        found: usize,
    },
    /// Bytes 0..4 are `V8GP`: a version-1 blob (parameters only, no settings or risk table).
    Version1,
    /// Bytes 4..6 say version 2: the fixed-offset blob of the previous release.
    Version2,
    /// Bytes 0..4 are not `GLNG` (erased flash reads `FF FF FF FF`).
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
    /// Byte 6 names a model this build does not run (unknown, or not compiled in; ids:
    /// [`ModelId`]).
    UnknownModel {
        /// Model id in the blob.
        found: u8,
    },
    /// Bytes 7..11: the blob was written for another layout.
    LayoutMismatch {
        /// Layout hash in the blob.
        found: u32,
        /// Layout hash of this build.
        expected: u32,
    },
    /// Bytes 11..15: the stated length is not this layout's.
    LengthMismatch {
        /// Length in the blob.
        found: u32,
        /// Length of this layout.
        expected: u32,
    },
    /// The CRC-32 does not match the content (corrupted or partially written flash).
    CrcMismatch {
        /// CRC stored in the blob.
        stored: u32,
        /// CRC computed over the content.
        computed: u32,
        /// Offset of the CRC.
        at: u32,
    },
    /// The content under an intact CRC is not a postcard package of this layout (only a blob
    /// written by something other than the trainer gets here).
    Malformed {
        /// Offset where decoding stopped.
        at: u32,
    },
    /// The content decodes, but not from its canonical encoding (e.g. an overlong varint):
    /// re-encoding the package gives other bytes from this offset on.
    NotCanonical {
        /// First offset where the blob differs from the canonical encoding.
        at: u32,
    },
    /// Byte 15: the parameter count does not match the model.
    ParamCount {
        /// Count in the blob.
        found: u8,
        /// Count of the model.
        expected: u8,
    },
    /// The feature section is absent for a precursor variant, or present for another.
    FeatureSection(ModelId),
    /// The blob is intact but its parameters are not a valid model of the variant.
    InvalidParams(ModelId, ParamError),
    /// The blob is intact but a signal setting is invalid.
    InvalidSettings(ModelId, SettingsError),
    /// The blob is intact but its feature settings or scaling are invalid.
    InvalidFeatures(ModelId, features::SettingsError),
    /// The blob is intact but its risk table is invalid.
    InvalidTable(ModelId, TableError),
}

impl BlobError {
    /// Byte offset in the blob where the problem was found.
    ///
    /// ```
    /// use galling::blob::{self, BlobError};
    /// assert_eq!(BlobError::Version2.offset(), 4);
    /// assert_eq!(BlobError::NotCanonical { at: 300 }.offset(), 300);
    /// ```
    pub fn offset(&self) -> usize {
        match self {
            Self::Truncated { found, .. } => *found,
            Self::Version1 | Self::BadMagic { .. } => 0,
            Self::Version2 | Self::UnsupportedVersion { .. } => 4,
            Self::UnknownModel { .. } | Self::InvalidParams(_, ParamError::NotCompiled(_)) => 6,
            Self::LayoutMismatch { .. } => 7,
            Self::LengthMismatch { .. } => 11,
            Self::ParamCount { .. } => HEADER_LEN,
            Self::CrcMismatch { at, .. } | Self::Malformed { at } | Self::NotCanonical { at } => {
                *at as usize
            }
            Self::FeatureSection(model) => features_offset(*model),
            Self::InvalidParams(
                model,
                ParamError::NotFinite(name)
                | ParamError::BeyondF32(name)
                | ParamError::ZeroSpread(name),
            ) => {
                // A parameter index is below MAX_PARAMS; saturating keeps the overflow-checked
                // profile free of a panic path (the link proof).
                let index = model.variant().index_of(name).unwrap_or(0);
                PARAMS_OFFSET.saturating_add(index.saturating_mul(4))
            }
            // the first parameter the quantity depends on
            Self::InvalidParams(model, ParamError::Unbounded { quantity, .. }) => {
                let index = quantity.own_fields(*model).next().map_or(0, |(i, _)| i);
                PARAMS_OFFSET.saturating_add(index.saturating_mul(4))
            }
            Self::InvalidParams(..) => PARAMS_OFFSET,
            Self::InvalidSettings(model, e) => {
                settings_offset(*model).saturating_add(settings_field(*e))
            }
            Self::InvalidFeatures(model, e) => {
                features_offset(*model).saturating_add(1 + feature_field(*e))
            }
            Self::InvalidTable(model, e) => match entry_offset(*e) {
                Some(at) => table_offset(*model).saturating_add(at),
                None => spec_offset(*model).saturating_add(spec_field(*e)),
            },
        }
    }
}

/// Offset of the signal setting an error names, inside the settings.
fn settings_field(e: SettingsError) -> usize {
    match e {
        SettingsError::HotDieTarget => 0,
        SettingsError::OnsetLevels => 4,
        SettingsError::OnsetConfirmation => 12,
        SettingsError::OffDelay => 14,
        SettingsError::RecoverCof => 16,
        SettingsError::CofBounds => 20,
        _ => 28,
    }
}

/// Offset of the feature setting an error names, inside the feature section (after its tag).
fn feature_field(e: features::SettingsError) -> usize {
    match e {
        features::SettingsError::SegmentOrder => 0,
        features::SettingsError::HighCof => 12,
        features::SettingsError::MinNormalForce => 16,
        features::SettingsError::Reference { feature } => 20 + 4 * usize::from(feature),
        features::SettingsError::Scale { feature } => {
            20 + 4 * crate::family::N_PRECURSOR_FEATURES + 4 * usize::from(feature)
        }
    }
}

/// Offset of the specification field an error names, inside the specification.
fn spec_field(e: TableError) -> usize {
    match e {
        TableError::Threshold => 8,
        TableError::CleanLimit => 12,
        TableError::Horizon => 16,
        _ => 0,
    }
}

impl fmt::Display for BlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.offset();
        match self {
            Self::Truncated { needed, found } => {
                write!(f, "blob truncated: {found} bytes, the blob needs {needed}")
            }
            Self::Version1 => f.write_str(
                "blob at byte 0: a version-1 blob (magic V8GP, parameters only); this build reads \
                 version 3: re-export it with `host-train blob --params <the old blob or \
                 params.json> --data <training data> --out params.bin` (or train again: \
                 `host-train train --data <training data> --out <dir>`)",
            ),
            Self::Version2 => f.write_str(
                "blob at byte 4: a version-2 blob (fixed offsets, before postcard); this build reads \
                 version 3: re-export it with `host-train blob --params <the old blob or \
                 params.json> --data <training data> --out params.bin` (or train again: \
                 `host-train train --data <training data> --out <dir>`)",
            ),
            Self::BadMagic { found } => write!(
                f,
                "blob: bad magic at byte 0: found {:02x} {:02x} {:02x} {:02x}, expected \"GLNG\" (no blob flashed?)",
                found[0], found[1], found[2], found[3]
            ),
            Self::UnsupportedVersion { found, supported } => write!(
                f,
                "blob: format version {found} at byte 4 is not supported (this build reads version {supported})"
            ),
            Self::UnknownModel { found } => write!(
                f,
                "blob: model id {found} at byte 6 is not a model this build runs (unknown or not \
                 compiled in; V8 = 1, V8-13 = 2, V9 = 3, V7 = 4, V8-P = 5)"
            ),
            Self::LayoutMismatch { found, expected } => write!(
                f,
                "blob: layout hash {found:#010x} at byte 7 does not match this build's {expected:#010x} (blob made for another layout)"
            ),
            Self::LengthMismatch { found, expected } => write!(
                f,
                "blob: length {found} at byte 11 does not match this layout's {expected}"
            ),
            Self::CrcMismatch {
                stored, computed, ..
            } => write!(
                f,
                "blob: CRC-32 at byte {at} is {stored:#010x} but the content gives {computed:#010x} (corrupted blob)"
            ),
            Self::Malformed { .. } => write!(
                f,
                "blob at byte {at}: the content is not a package of this layout (not written by host-train?)"
            ),
            Self::NotCanonical { .. } => write!(
                f,
                "blob at byte {at}: not the canonical encoding of its package (re-encode it with host-train)"
            ),
            Self::ParamCount { found, expected } => write!(
                f,
                "blob: parameter count {found} at byte {at} does not match the model's {expected}"
            ),
            Self::FeatureSection(model) => write!(
                f,
                "blob at byte {at}: {model} {} a stroke-feature section",
                if carries_features(*model) {
                    "needs"
                } else {
                    "has no"
                }
            ),
            Self::InvalidParams(model, e) => {
                write!(f, "blob at byte {at} ({model} parameters): {e}")
            }
            Self::InvalidSettings(_, e) => write!(f, "blob at byte {at}: {e}"),
            Self::InvalidFeatures(_, e) => write!(f, "blob at byte {at}: {e}"),
            Self::InvalidTable(_, e) => write!(f, "blob at byte {at}: {e}"),
        }
    }
}

impl core::error::Error for BlobError {}

/// The kind of a [`BlobError`] (its variant, without its values): what its compact `defmt` form
/// names ([`BlobError::log_form`]).
///
/// ```
/// use galling::blob::{BlobError, BlobErrorKind};
/// assert_eq!(BlobError::Malformed { at: 30 }.log_form().0, BlobErrorKind::Malformed);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum BlobErrorKind {
    /// [`BlobError::Truncated`]: needed, found.
    Truncated,
    /// [`BlobError::Version1`].
    Version1,
    /// [`BlobError::Version2`].
    Version2,
    /// [`BlobError::BadMagic`]: the four bytes found, little-endian.
    BadMagic,
    /// [`BlobError::UnsupportedVersion`]: found, supported.
    UnsupportedVersion,
    /// [`BlobError::UnknownModel`]: the id found.
    UnknownModel,
    /// [`BlobError::LayoutMismatch`]: found, expected.
    LayoutMismatch,
    /// [`BlobError::LengthMismatch`]: found, expected.
    LengthMismatch,
    /// [`BlobError::CrcMismatch`]: stored, computed, offset.
    CrcMismatch,
    /// [`BlobError::Malformed`]: offset.
    Malformed,
    /// [`BlobError::NotCanonical`]: offset.
    NotCanonical,
    /// [`BlobError::ParamCount`]: found, expected.
    ParamCount,
    /// [`BlobError::FeatureSection`]: model id.
    FeatureSection,
    /// [`BlobError::InvalidParams`]: model id, [`ParamError::code`], the exponent of
    /// [`ParamError::Unbounded`].
    InvalidParams,
    /// [`BlobError::InvalidSettings`]: model id, [`SettingsError`] code (its variant's position).
    InvalidSettings,
    /// [`BlobError::InvalidFeatures`]: model id, [`features::SettingsError::code`], the feature.
    InvalidFeatures,
    /// [`BlobError::InvalidTable`]: model id, [`TableError::code`], the row.
    InvalidTable,
}

impl BlobError {
    /// The compact form of the error a firmware logs: its kind and three numbers (unused ones 0),
    /// listed at each [`BlobErrorKind`] variant. Its `defmt` form writes this (572 B of flash less
    /// than the derived form); the `Display` form is the full message.
    ///
    /// ```
    /// use galling::blob::{BlobError, BlobErrorKind};
    /// use galling::{family::ModelId, risk::TableError};
    /// let crc = BlobError::CrcMismatch { stored: 1, computed: 2, at: 5425 };
    /// assert_eq!(crc.log_form(), (BlobErrorKind::CrcMismatch, [1, 2, 5425]));
    /// let table = BlobError::InvalidTable(ModelId::V8, TableError::Survival { row: 7, column: 3 });
    /// assert_eq!(table.log_form(), (BlobErrorKind::InvalidTable, [1, 4, 7]));
    /// ```
    pub fn log_form(&self) -> (BlobErrorKind, [u32; 3]) {
        use BlobErrorKind as K;
        let id = |m: &ModelId| u32::from(*m as u8);
        match self {
            Self::Truncated { needed, found } => (K::Truncated, [*needed as u32, *found as u32, 0]),
            Self::Version1 => (K::Version1, [0; 3]),
            Self::Version2 => (K::Version2, [0; 3]),
            Self::BadMagic { found } => (K::BadMagic, [u32::from_le_bytes(*found), 0, 0]),
            Self::UnsupportedVersion { found, supported } => (
                K::UnsupportedVersion,
                [u32::from(*found), u32::from(*supported), 0],
            ),
            Self::UnknownModel { found } => (K::UnknownModel, [u32::from(*found), 0, 0]),
            Self::LayoutMismatch { found, expected } => (K::LayoutMismatch, [*found, *expected, 0]),
            Self::LengthMismatch { found, expected } => (K::LengthMismatch, [*found, *expected, 0]),
            Self::CrcMismatch {
                stored,
                computed,
                at,
            } => (K::CrcMismatch, [*stored, *computed, *at]),
            Self::Malformed { at } => (K::Malformed, [*at, 0, 0]),
            Self::NotCanonical { at } => (K::NotCanonical, [*at, 0, 0]),
            Self::ParamCount { found, expected } => {
                (K::ParamCount, [u32::from(*found), u32::from(*expected), 0])
            }
            Self::FeatureSection(m) => (K::FeatureSection, [id(m), 0, 0]),
            Self::InvalidParams(m, e) => {
                let exponent = match e {
                    ParamError::Unbounded { exponent, .. } => *exponent as u32,
                    _ => 0,
                };
                (K::InvalidParams, [id(m), e.code(), exponent])
            }
            Self::InvalidSettings(m, e) => (K::InvalidSettings, [id(m), *e as u32, 0]),
            Self::InvalidFeatures(m, e) => {
                let feature = match e {
                    features::SettingsError::Reference { feature }
                    | features::SettingsError::Scale { feature } => u32::from(*feature),
                    _ => 0,
                };
                (K::InvalidFeatures, [id(m), e.code(), feature])
            }
            Self::InvalidTable(m, e) => {
                let row = match e {
                    TableError::Survival { row, .. }
                    | TableError::Hazard { row }
                    | TableError::CleanCof { row }
                    | TableError::ExpectedStrokes { row } => u32::from(*row),
                    _ => 0,
                };
                (K::InvalidTable, [id(m), e.code(), row])
            }
        }
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for BlobError {
    fn format(&self, f: defmt::Formatter<'_>) {
        let (kind, values) = self.log_form();
        let [a, b, c] = values;
        defmt::write!(f, "{} [{=u32}, {=u32}, {=u32}]", kind, a, b, c);
    }
}

/// Why a [`Package`] was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum PackageError {
    /// The parameters are not a valid model.
    Params(ParamError),
    /// The risk table is not valid.
    Table(TableError),
    /// A signal setting is not valid.
    Settings(SettingsError),
    /// The stroke features (extractor settings or scaling) are not valid.
    Features(features::SettingsError),
    /// The stroke features are missing for a precursor variant, or given for another.
    FeatureSection(ModelId),
}

impl fmt::Display for PackageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Params(e) => write!(f, "{e}"),
            Self::Table(e) => write!(f, "{e}"),
            Self::Settings(e) => write!(f, "{e}"),
            Self::Features(e) => write!(f, "{e}"),
            Self::FeatureSection(model) if carries_features(*model) => write!(
                f,
                "{model} needs its stroke features (extractor settings and scaling) in the package"
            ),
            Self::FeatureSection(model) => {
                write!(
                    f,
                    "{model} uses no stroke features: the package must carry none"
                )
            }
        }
    }
}

impl core::error::Error for PackageError {}

impl From<ParamError> for PackageError {
    fn from(e: ParamError) -> Self {
        Self::Params(e)
    }
}
impl From<TableError> for PackageError {
    fn from(e: TableError) -> Self {
        Self::Table(e)
    }
}
impl From<SettingsError> for PackageError {
    fn from(e: SettingsError) -> Self {
        Self::Settings(e)
    }
}
impl From<features::SettingsError> for PackageError {
    fn from(e: features::SettingsError) -> Self {
        Self::Features(e)
    }
}

/// Where the monitor evaluates the model: the trained temperature range (it clamps the die
/// temperature into it) and the accepted COF bounds. The parameters must give finite values over
/// all of it ([`ModelParams::validate_within`]).
///
/// ```
/// use galling::{blob, risk::TableSpec, signals::SignalSettings};
/// let b = blob::operating_box(&SignalSettings::DEFAULT, &TableSpec::new(160.0, 170.0));
/// assert_eq!((b.temperature_low, b.cof_high), (160.0, 2.0));
/// ```
pub fn operating_box(settings: &SignalSettings, spec: &TableSpec) -> OperatingBox {
    OperatingBox {
        temperature_low: spec.temperature_low,
        temperature_high: spec.temperature_high,
        cof_low: settings.cof_low,
        cof_high: settings.cof_high,
    }
}

/// Checks the parts of a package together; the model it runs.
fn check_parts(
    params: &ModelParams<f32>,
    settings: &SignalSettings,
    features: Option<&PrecursorFeatures>,
    spec: &TableSpec,
) -> Result<AnyModel<f32>, PackageError> {
    settings.validate(spec.threshold)?;
    let model = params.model();
    if features.is_some() != carries_features(model) {
        return Err(PackageError::FeatureSection(model));
    }
    if let Some(f) = features {
        f.validate()?;
    }
    params.validate_within(&operating_box(settings, spec))?;
    Ok(AnyModel::new(params)?)
}

/// Everything the press runs, owned and validated together (host side: what the trainer builds
/// and encodes, [`encode_into`]): the model parameters, the signal settings, a precursor
/// variant's stroke features, and the risk table. The firmware reads the same thing in place from a blob
/// ([`PackageView`]); [`view`](Self::view) gives that view of an owned package.
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    params: ModelParams<f32>,
    /// The prepared model of `params` (a package exists only for a model this build runs).
    model: AnyModel<f32>,
    settings: SignalSettings,
    features: Option<PrecursorFeatures>,
    table: RiskTable,
}

impl Package {
    /// Validates and bundles the parts of a variant without stroke features.
    ///
    /// # Errors
    /// [`PackageError`] naming the first invalid part ([`PackageError::FeatureSection`] for a
    /// precursor variant: use [`with_features`](Self::with_features)).
    pub fn new(
        params: impl Into<ModelParams<f32>>,
        settings: SignalSettings,
        table: RiskTable,
    ) -> Result<Self, PackageError> {
        Self::with_features(params, settings, None, table)
    }

    /// Validates and bundles the parts; `features` must be given exactly for a precursor variant.
    ///
    /// ```
    /// # #[cfg(feature = "std")] {
    /// use galling::family::{AnyModel, ModelParams};
    /// use galling::features::{FeatureScaling, FeatureSettings, PrecursorFeatures};
    /// use galling::monitor::{Package, PackageError};
    /// use galling::risk::{RiskTable, TableSpec};
    /// use galling::V8Params;
    /// let p = ModelParams::precursor(V8Params::PUBLISHED_FIT, [1.0, 0.0]);
    /// let table = RiskTable::build(&AnyModel::new(&p.map(f64::from))?, &TableSpec::new(160.0, 170.0));
    /// let features = PrecursorFeatures { extractor: FeatureSettings::DEFAULT,
    ///     scaling: FeatureScaling { reference: [0.3, 0.1], scale: [0.05, 0.2] } };
    /// assert!(matches!(Package::new(p, Default::default(), table.clone()),
    ///                  Err(PackageError::FeatureSection(_))));
    /// let package = Package::with_features(p, Default::default(), Some(features), table)?;
    /// assert_eq!(package.features(), Some(&features));
    /// # }
    /// # Ok::<(), Box<dyn core::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`PackageError`] naming the first invalid part.
    pub fn with_features(
        params: impl Into<ModelParams<f32>>,
        settings: SignalSettings,
        features: Option<PrecursorFeatures>,
        table: RiskTable,
    ) -> Result<Self, PackageError> {
        let params = params.into();
        table.validate()?;
        check_parts(&params, &settings, features.as_ref(), table.spec())?;
        let model = AnyModel::new_unchecked_box(&params)?;
        Ok(Self {
            params,
            model,
            settings,
            features,
            table,
        })
    }

    /// [`operating_box`] of a package's settings and table.
    pub fn operating_box(settings: &SignalSettings, spec: &TableSpec) -> OperatingBox {
        operating_box(settings, spec)
    }

    /// The model parameters.
    pub fn params(&self) -> &ModelParams<f32> {
        &self.params
    }

    /// The signal settings.
    pub fn settings(&self) -> &SignalSettings {
        &self.settings
    }

    /// The stroke features of a precursor variant (`None` for the others).
    pub fn features(&self) -> Option<&PrecursorFeatures> {
        self.features.as_ref()
    }

    /// The risk table.
    pub fn table(&self) -> &RiskTable {
        &self.table
    }

    /// The table, mutable (tests build impossible packages with it).
    #[cfg(test)]
    pub(crate) fn table_mut(&mut self) -> &mut RiskTable {
        &mut self.table
    }

    /// The same package with other settings (validated).
    ///
    /// # Errors
    /// [`PackageError::Settings`] when they are invalid (or the parameters are not valid over
    /// the settings' COF bounds).
    pub fn with_settings(&self, settings: SignalSettings) -> Result<Self, PackageError> {
        check_parts(
            &self.params,
            &settings,
            self.features.as_ref(),
            self.table.spec(),
        )?;
        Ok(Self {
            settings,
            ..self.clone()
        })
    }

    /// The package as the monitor runs it, read in place ([`PackageView`]): what a decoded blob
    /// of this package gives, without encoding it.
    pub fn view(&self) -> PackageView<'_> {
        // Validated at construction; the id is the CRC its blob would carry.
        PackageView::assemble(
            package_crc(self),
            self.model,
            self.params,
            self.settings,
            self.features,
            self.table.view(),
        )
    }
}

/// A blob checked once and read in place: what the firmware runs. [`new`](Self::new) checks
/// everything (frame, CRC, structure, canonical encoding, the parameters within the operating
/// box, the table, the settings, the stroke features); after it every accessor is infallible.
/// The risk table is borrowed from the blob's bytes ([`TableView`]); the small parts (parameters,
/// settings, the prepared model, a few hundred bytes) are decoded into the view. `Copy`: pass it
/// by value or share it; a [`Monitor`](crate::monitor::Monitor) borrows it per stroke together
/// with its own small state ([`MonitorState`](crate::monitor::MonitorState)).
///
/// ```
/// use galling::blob::{BlobError, PackageView};
/// assert_eq!(PackageView::new(&[0xFF; 64]).unwrap_err(), BlobError::BadMagic { found: [0xFF; 4] });
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
// repr(C), in this order: the view's moves at start-up are word-aligned copies the compiler writes
// inline (with the default layout some were `memcpy` calls, which linked `memcpy`; footprint.sh)
#[repr(C)]
pub struct PackageView<'a> {
    id: u32,
    table: TableView<'a>,
    advice: TemperatureAdvice,
    settings: SignalSettings,
    features: Option<PrecursorFeatures>,
    params: ModelParams<f32>,
    model: AnyModel<f32>,
}

impl<'a> PackageView<'a> {
    /// Checks the blob at the start of `bytes` (trailing bytes are ignored) and views it.
    ///
    /// Checks, in order: magic (and the version-1 magic), version (and version 2), model, layout,
    /// length, CRC, the structure in its canonical encoding (the parameter count, the feature
    /// section's tag, the table's length prefix), then the table specification and entries, the
    /// settings, the stroke features and the parameters within the operating box. Every field is
    /// read where the model's fixed layout puts it (no deserialized copy).
    ///
    /// ```
    /// use galling::blob::{BlobError, PackageView};
    /// assert_eq!(PackageView::new(b"V8GP\x01\x00").unwrap_err(), BlobError::Version1);
    /// assert!(matches!(PackageView::new(b"GLNG"), Err(BlobError::Truncated { found: 4, .. })));
    /// ```
    ///
    /// # Errors
    /// The first [`BlobError`] found.
    pub fn new(bytes: &'a [u8]) -> Result<Self, BlobError> {
        let (content, model, crc) = check_frame(bytes)?;
        check_structure(content, model)?;
        view_content(content, model, crc)
    }

    /// Bundles parts already validated.
    pub(crate) fn assemble(
        id: u32,
        model: AnyModel<f32>,
        params: ModelParams<f32>,
        settings: SignalSettings,
        features: Option<PrecursorFeatures>,
        table: TableView<'a>,
    ) -> Self {
        Self {
            id,
            model,
            params,
            advice: table.advised_temperature(settings.hot_die_target),
            settings,
            features,
            table,
        }
    }

    /// The blob's CRC-32: identifies the package (a monitor's model cache is tied to it).
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The prepared model.
    pub fn model(&self) -> &AnyModel<f32> {
        &self.model
    }

    /// The model parameters.
    pub fn params(&self) -> &ModelParams<f32> {
        &self.params
    }

    /// The signal settings.
    pub fn settings(&self) -> &SignalSettings {
        &self.settings
    }

    /// The stroke features of a precursor variant (`None` for the others).
    pub fn features(&self) -> Option<&PrecursorFeatures> {
        self.features.as_ref()
    }

    /// The risk table, read in place.
    pub fn table(&self) -> &TableView<'a> {
        &self.table
    }

    /// The advised highest die temperature (fixed by the package).
    pub fn advice(&self) -> TemperatureAdvice {
        self.advice
    }

    /// An owned copy (host side: about 5.4 KB).
    pub fn to_package(&self) -> Package {
        Package {
            params: self.params,
            model: self.model,
            settings: self.settings,
            features: self.features,
            table: RiskTable::from_valid_entries(*self.table.spec(), self.table.entries()),
        }
    }
}

/// The header, at fixed offsets (fixed-width integers).
#[derive(Serialize, Deserialize)]
struct Header {
    magic: [u8; 4],
    #[serde(with = "postcard::fixint::le")]
    version: u16,
    model: u8,
    #[serde(with = "postcard::fixint::le")]
    layout: u32,
    #[serde(with = "postcard::fixint::le")]
    length: u32,
}

/// [`SignalSettings`] as the blob stores them.
#[derive(Serialize, Deserialize)]
struct WireSettings {
    hot_die_target: f32,
    onset_raise: f32,
    onset_clear: f32,
    onset_confirm: u8,
    onset_window: u8,
    onset_clear_strokes: u8,
    recover_strokes: u8,
    recover_cof: f32,
    cof_low: f32,
    cof_high: f32,
    temperature_low: f32,
    temperature_high: f32,
}

/// [`PrecursorFeatures`] as the blob stores them (fixed-width integers).
#[derive(Serialize, Deserialize)]
struct WireFeatures {
    #[serde(with = "postcard::fixint::le")]
    window_start: i32,
    #[serde(with = "postcard::fixint::le")]
    window_end: i32,
    #[serde(with = "postcard::fixint::le")]
    run_in_start: i32,
    high_cof: f32,
    min_normal_force: f32,
    reference: [f32; crate::family::N_PRECURSOR_FEATURES],
    scale: [f32; crate::family::N_PRECURSOR_FEATURES],
}

/// [`TableSpec`] as the blob stores it.
#[derive(Serialize, Deserialize)]
struct WireSpec {
    temperature_low: f32,
    temperature_high: f32,
    threshold: f32,
    clean_limit: f32,
    #[serde(with = "postcard::fixint::le")]
    horizon: u16,
}

/// The whole blob before its CRC.
#[derive(Serialize, Deserialize)]
struct Wire<'a> {
    header: Header,
    params: heapless::Vec<f32, MAX_PARAMS>,
    settings: WireSettings,
    features: Option<WireFeatures>,
    spec: WireSpec,
    /// Serialized as postcard bytes (length, then the bytes in one piece), the encoding serde's
    /// borrowed `&[u8]` is read from.
    #[serde(borrow, serialize_with = "serialize_bytes")]
    table: &'a [u8],
}

/// Serializes `bytes` as one byte string (serde serializes a `&[u8]` element by element).
fn serialize_bytes<S: serde::Serializer>(bytes: &&[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bytes(bytes)
}

impl WireSettings {
    fn of(s: &SignalSettings) -> Self {
        Self {
            hot_die_target: s.hot_die_target,
            onset_raise: s.onset_raise,
            onset_clear: s.onset_clear,
            onset_confirm: s.onset_confirm,
            onset_window: s.onset_window,
            onset_clear_strokes: s.onset_clear_strokes,
            recover_strokes: s.recover_strokes,
            recover_cof: s.recover_cof,
            cof_low: s.cof_low,
            cof_high: s.cof_high,
            temperature_low: s.temperature_low,
            temperature_high: s.temperature_high,
        }
    }
}

impl WireFeatures {
    fn of(f: &PrecursorFeatures) -> Self {
        Self {
            window_start: f.extractor.window.start,
            window_end: f.extractor.window.end,
            run_in_start: f.extractor.run_in_start,
            high_cof: f.extractor.high_cof,
            min_normal_force: f.extractor.min_normal_force,
            reference: f.scaling.reference,
            scale: f.scaling.scale,
        }
    }
}

impl WireSpec {
    fn of(s: &TableSpec) -> Self {
        Self {
            temperature_low: s.temperature_low,
            temperature_high: s.temperature_high,
            threshold: s.threshold,
            clean_limit: s.clean_limit,
            horizon: s.horizon,
        }
    }
}

impl<'a> Wire<'a> {
    /// The wire form of a package (the table borrowed from it).
    fn of(package: &'a Package) -> Self {
        let model = package.params.model();
        let mut params = heapless::Vec::new();
        for &x in package.params.values() {
            // A variant has at most MAX_PARAMS parameters: never full.
            let _ = params.push(x);
        }
        Self {
            header: Header {
                magic: MAGIC,
                version: FORMAT_VERSION,
                model: model.to_u8(),
                layout: layout_hash(model),
                length: blob_len(model) as u32,
            },
            params,
            settings: WireSettings::of(&package.settings),
            features: package.features.as_ref().map(WireFeatures::of),
            spec: WireSpec::of(package.table.spec()),
            table: package.table.entries(),
        }
    }
}

/// Checks the header and the CRC; returns the content (the bytes before the CRC), the model and
/// the CRC.
fn check_frame(bytes: &[u8]) -> Result<(&[u8], ModelId, u32), BlobError> {
    if let Some(magic) = bytes.get(..4) {
        if magic == MAGIC_V1 {
            return Err(BlobError::Version1);
        }
        if magic != MAGIC {
            let found = <[u8; 4]>::try_from(magic).unwrap_or([0; 4]);
            return Err(BlobError::BadMagic { found });
        }
    }
    let header = Header::read(bytes).ok_or(BlobError::Truncated {
        needed: HEADER_LEN,
        found: bytes.len(),
    })?;
    if header.version != FORMAT_VERSION {
        return Err(if header.version == 2 {
            BlobError::Version2
        } else {
            BlobError::UnsupportedVersion {
                found: header.version,
                supported: FORMAT_VERSION,
            }
        });
    }
    let model = ModelId::from_u8(header.model).ok_or(BlobError::UnknownModel {
        found: header.model,
    })?;
    // a known model whose kernel this build does not have (a one-variant build): refused at its id
    let model = model
        .require_compiled()
        .map_err(|e| BlobError::InvalidParams(model, e))?;
    let expected_layout = layout_hash(model);
    if header.layout != expected_layout {
        return Err(BlobError::LayoutMismatch {
            found: header.layout,
            expected: expected_layout,
        });
    }
    let length = blob_len(model);
    if header.length != length as u32 {
        return Err(BlobError::LengthMismatch {
            found: header.length,
            expected: length as u32,
        });
    }
    let blob = bytes.get(..length).ok_or(BlobError::Truncated {
        needed: length,
        found: bytes.len(),
    })?;
    // split_at_checked: no panic path even where the optimiser does not see length >= CRC_LEN
    let (content, stored) = blob
        .split_at_checked(length.saturating_sub(CRC_LEN))
        .unwrap_or((blob, &[]));
    let stored = match *stored {
        [a, b, c, d] => u32::from_le_bytes([a, b, c, d]),
        _ => 0,
    };
    let computed = crc32(content);
    if stored != computed {
        return Err(BlobError::CrcMismatch {
            stored,
            computed,
            at: content.len() as u32,
        });
    }
    Ok((content, model, stored))
}

/// The table's length prefix: [`TABLE_BYTES`] as postcard's varint (LEB128, two bytes).
const TABLE_PREFIX: [u8; TABLE_PREFIX_LEN] = {
    assert!(TABLE_BYTES >= 1 << 7 && TABLE_BYTES < 1 << 14);
    [(TABLE_BYTES as u8 & 0x7f) | 0x80, (TABLE_BYTES >> 7) as u8]
};
// The parameter count is one varint byte.
const _: () = assert!(MAX_PARAMS < 0x80);

/// Reads the blob's fixed-width little-endian fields in order from an offset. The layout of a
/// model is fixed ([`settings_offset`] and the other offsets), so the firmware reads every field
/// where it lies instead of running postcard's deserializer (whose offset arithmetic and
/// temporaries the link proof and the start-up stack cannot afford); every read is checked.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn at(bytes: &'a [u8], at: usize) -> Self {
        Self { bytes, at }
    }

    /// The next `N` bytes (`None` past the end).
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let end = self.at.checked_add(N)?;
        let field = <[u8; N]>::try_from(self.bytes.get(self.at..end)?).ok()?;
        self.at = end;
        Some(field)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take::<1>().map(|[b]| b)
    }

    fn u16(&mut self) -> Option<u16> {
        self.take().map(u16::from_le_bytes)
    }

    fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_le_bytes)
    }

    fn i32(&mut self) -> Option<i32> {
        self.take().map(i32::from_le_bytes)
    }

    fn f32(&mut self) -> Option<f32> {
        self.take().map(f32::from_le_bytes)
    }

    /// The error of a read that ran out: the offset where it stopped.
    fn malformed(&self) -> BlobError {
        BlobError::Malformed { at: self.at as u32 }
    }
}

impl Header {
    /// The header at the start of `bytes` (`None` when they are shorter).
    fn read(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader::at(bytes, 0);
        Some(Self {
            magic: r.take()?,
            version: r.u16()?,
            model: r.u8()?,
            layout: r.u32()?,
            length: r.u32()?,
        })
    }
}

/// Whether `bytes` start with an overlong varint of `n` (below 0x80: `n | 0x80`, then `0x80`s,
/// then `0x00`, at most a `usize` varint's length).
fn overlong_varint_of(bytes: &[u8], n: usize) -> bool {
    const VARINT_MAX: usize = (usize::BITS as usize).div_ceil(7);
    let mut bytes = bytes.iter().take(VARINT_MAX);
    if bytes.next().map(|&b| usize::from(b)) != Some(n | 0x80) {
        return false;
    }
    for &b in bytes {
        match b {
            0 => return true,
            0x80 => {}
            _ => return false,
        }
    }
    false
}

/// Checks the bytes the layout of `model` fixes after the header: the parameter count, the
/// feature section's tag and the table's length prefix. With the header, the fixed-width fields
/// and the fixed length, these make the blob the canonical postcard encoding of its package: each
/// field has one encoding, so re-encoding what is read gives the same bytes.
fn check_structure(content: &[u8], model: ModelId) -> Result<(), BlobError> {
    let malformed = |at: usize| BlobError::Malformed { at: at as u32 };
    let n = model.param_count();
    let count = content.get(HEADER_LEN).copied();
    if count.map(usize::from) != Some(n) {
        let rest = content.get(HEADER_LEN..).unwrap_or(&[]);
        return Err(if overlong_varint_of(rest, n) {
            // postcard decodes it, but it is not the one encoding of the count
            BlobError::NotCanonical {
                at: HEADER_LEN as u32,
            }
        } else {
            BlobError::ParamCount {
                found: count.unwrap_or(0),
                expected: n as u8,
            }
        });
    }
    let at = features_offset(model);
    match content.get(at).copied() {
        Some(tag) if tag == u8::from(carries_features(model)) => {}
        Some(0 | 1) => return Err(BlobError::FeatureSection(model)),
        _ => return Err(malformed(at)),
    }
    let at = table_offset(model).saturating_sub(TABLE_PREFIX_LEN);
    if content.get(at..table_offset(model)) != Some(&TABLE_PREFIX[..]) {
        return Err(malformed(at));
    }
    Ok(())
}

// Every variant's parameter count fits `ModelParams`' array, checked by the compiler: what lets
// `read_params` fill that array in place.
const _: () = {
    let mut i = 0;
    while i < ModelId::ALL.len() {
        assert!(ModelId::ALL[i].param_count() <= MAX_PARAMS);
        i += 1;
    }
};

/// The parameters of a blob of `model` (its structure checked).
fn read_params(content: &[u8], model: ModelId) -> Result<ModelParams<f32>, BlobError> {
    // (saturating and chunked: no overflow check is left for the link proof's checked builds)
    let end = PARAMS_OFFSET.saturating_add(model.param_count().saturating_mul(4));
    let bytes = content
        .get(PARAMS_OFFSET..end)
        .ok_or(BlobError::Malformed {
            at: PARAMS_OFFSET as u32,
        })?;
    // the model's count filled, the slots past it zero, in one pass (no zeroing pass first)
    let mut words = bytes.chunks_exact(4);
    let values = core::array::from_fn(|_| {
        words
            .next()
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map_or(0.0, f32::from_le_bytes)
    });
    // the model's count filled in place, the slots past it zero: ModelParams::new's result without
    // its copy (every variant's count is at most MAX_PARAMS: asserted at compile time above)
    Ok(ModelParams { model, values })
}

/// The signal settings of a blob of `model`.
#[inline(never)]
fn read_settings(content: &[u8], model: ModelId) -> Result<SignalSettings, BlobError> {
    // The section is taken whole, then read from a fixed-length array: one bounds check, not one
    // per field (start-up code, kept small: 172 bytes of flash). A short section is refused at
    // its start.
    let at = settings_offset(model);
    let malformed = BlobError::Malformed { at: at as u32 };
    let section: [u8; SETTINGS_LEN] = Reader::at(content, at).take().ok_or(malformed)?;
    let read = |r: &mut Reader<'_>| {
        Some(SignalSettings {
            hot_die_target: r.f32()?,
            onset_raise: r.f32()?,
            onset_clear: r.f32()?,
            onset_confirm: r.u8()?,
            onset_window: r.u8()?,
            onset_clear_strokes: r.u8()?,
            recover_strokes: r.u8()?,
            recover_cof: r.f32()?,
            cof_low: r.f32()?,
            cof_high: r.f32()?,
            temperature_low: r.f32()?,
            temperature_high: r.f32()?,
        })
    };
    // every read lies within the array: no `None` is left after constant folding
    read(&mut Reader::at(&section, 0)).ok_or(malformed)
}

/// The stroke features of a blob of a precursor `model` (after the section's tag).
#[inline(never)]
fn read_features(content: &[u8], model: ModelId) -> Result<PrecursorFeatures, BlobError> {
    let mut r = Reader::at(content, features_offset(model).saturating_add(1));
    let read = |r: &mut Reader<'_>| {
        let window = StrokeWindow {
            start: r.i32()?,
            end: r.i32()?,
        };
        let run_in_start = r.i32()?;
        let high_cof = r.f32()?;
        let min_normal_force = r.f32()?;
        let mut reference = [0.0; crate::family::N_PRECURSOR_FEATURES];
        for x in &mut reference {
            *x = r.f32()?;
        }
        let mut scale = [0.0; crate::family::N_PRECURSOR_FEATURES];
        for x in &mut scale {
            *x = r.f32()?;
        }
        Some(PrecursorFeatures {
            extractor: FeatureSettings {
                window,
                run_in_start,
                high_cof,
                min_normal_force,
            },
            scaling: FeatureScaling { reference, scale },
        })
    };
    read(&mut r).ok_or(r.malformed())
}

/// The table specification of a blob of `model`.
fn read_spec(content: &[u8], model: ModelId) -> Result<TableSpec, BlobError> {
    let mut r = Reader::at(content, spec_offset(model));
    let read = |r: &mut Reader<'_>| {
        Some(TableSpec {
            temperature_low: r.f32()?,
            temperature_high: r.f32()?,
            threshold: r.f32()?,
            clean_limit: r.f32()?,
            horizon: r.u16()?,
        })
    };
    read(&mut r).ok_or(r.malformed())
}

/// Checks the parameters within the operating box of the settings and the table, and over the
/// monitor's default box ([`AnyModel::new`]'s check).
#[inline(always)]
fn check_params(
    params: &ModelParams<f32>,
    settings: &SignalSettings,
    spec: &TableSpec,
) -> Result<(), BlobError> {
    let invalid = |e| BlobError::InvalidParams(params.model(), e);
    params
        .validate_within(&operating_box(settings, spec))
        .map_err(invalid)?;
    params.validate().map_err(invalid)
}

/// The checked view of a blob of `model` whose frame and structure are checked: every value
/// read and checked where it lies (the table in place).
fn view_content(content: &[u8], model: ModelId, id: u32) -> Result<PackageView<'_>, BlobError> {
    let params = read_params(content, model)?;
    let spec = read_spec(content, model)?;
    let at = table_offset(model);
    let entries = content
        .get(at..crc_offset(model))
        .and_then(|t| <&[u8; TABLE_BYTES]>::try_from(t).ok())
        .ok_or(BlobError::Malformed { at: at as u32 })?;
    let table = TableView::new(spec, entries).map_err(|e| BlobError::InvalidTable(model, e))?;
    let settings = read_settings(content, model)?;
    settings
        .validate(spec.threshold)
        .map_err(|e| BlobError::InvalidSettings(model, e))?;
    // Only a precursor variant carries features: a build without the `precursor` kernel refused
    // its blobs at the model id, so the feature reader and check are left out of its flash.
    let features = if cfg!(feature = "precursor") && carries_features(model) {
        let f = read_features(content, model)?;
        f.validate()
            .map_err(|e| BlobError::InvalidFeatures(model, e))?;
        Some(f)
    } else {
        None
    };
    check_params(&params, &settings, &spec)?;
    // AnyModel::new is the default-box check (in check_params) and this preparation: apart, the
    // checks' frames do not sit below the prepared model's (the start-up stack)
    let Some(kernel) = params.variant().kernel.compiled() else {
        // refused at the model id already (and by check_params)
        return Err(BlobError::InvalidParams(
            model,
            ParamError::NotCompiled(model),
        ));
    };
    Ok(PackageView::assemble(
        id,
        AnyModel::prepare(kernel, &params),
        params,
        settings,
        features,
        table,
    ))
}

/// A postcard flavor that computes the CRC-32 of what is serialized instead of writing it.
struct Crc(u32);

impl postcard::ser_flavors::Flavor for Crc {
    type Output = u32;

    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        self.0 = crc32_update(self.0, data);
        Ok(())
    }

    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.try_extend(&[data])
    }

    fn finalize(self) -> postcard::Result<u32> {
        Ok(!self.0)
    }
}

/// The CRC-32 of a package's blob content, without writing the blob.
fn package_crc(package: &Package) -> u32 {
    postcard::serialize_with_flavor(&Wire::of(package), Crc(!0)).unwrap_or(0)
}

/// Writes the blob of a validated package to the start of `out`; returns its length
/// ([`blob_len`] of the package's model).
///
/// ```
/// # #[cfg(feature = "std")] {
/// use galling::{Model, V8Params, blob, monitor::Package, risk::{RiskTable, TableSpec}};
/// let table = RiskTable::build(&Model::new(&V8Params::PUBLISHED_FIT.map(f64::from))?,
///                              &TableSpec::new(160.0, 170.0));
/// let package = Package::new(V8Params::PUBLISHED_FIT, Default::default(), table)?;
/// let mut flash = [0xFF; blob::MAX_BLOB_LEN];
/// let n = blob::encode_into(&package, &mut flash)?;
/// assert_eq!(&flash[..n], &blob::encode(&package)[..]);
/// # }
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
///
/// # Errors
/// [`BlobError::Truncated`] when `out` is shorter than the blob.
pub fn encode_into(package: &Package, out: &mut [u8]) -> Result<usize, BlobError> {
    let length = blob_len(package.params.model());
    let truncated = BlobError::Truncated {
        needed: length,
        found: out.len(),
    };
    let dst = out.get_mut(..length).ok_or(truncated)?;
    let (content, crc) = dst.split_at_mut(length.saturating_sub(CRC_LEN));
    let written = postcard::to_slice(&Wire::of(package), content)
        .map_err(|_| truncated)?
        .len();
    if written != content.len() {
        return Err(truncated);
    }
    crc.copy_from_slice(&crc32(content).to_le_bytes());
    Ok(length)
}

/// The blob of a validated package.
///
/// ```
/// use galling::{Model, V8Params, blob, monitor::Package, risk::{RiskTable, TableSpec}};
/// let table = RiskTable::build(&Model::new(&V8Params::PUBLISHED_FIT.map(f64::from))?,
///                              &TableSpec::new(160.0, 170.0));
/// let bytes = blob::encode(&Package::new(V8Params::PUBLISHED_FIT, Default::default(), table)?);
/// assert_eq!((&bytes[..4], bytes.len()), (&b"GLNG"[..], 5429));
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[cfg(feature = "std")]
pub fn encode(package: &Package) -> std::vec::Vec<u8> {
    let mut out = std::vec![0u8; blob_len(package.params.model())];
    // The buffer has the blob's length: writing cannot fail.
    let _ = encode_into(package, &mut out);
    out
}

/// Decodes and checks a blob ([`PackageView::new`]) into an owned package (host side; the
/// firmware runs the view).
///
/// ```
/// use galling::blob::{self, BlobError};
/// assert_eq!(blob::decode(&[0xFF; 64]), Err(BlobError::BadMagic { found: [0xFF; 4] }));
/// ```
///
/// # Errors
/// The first [`BlobError`] found.
pub fn decode(bytes: &[u8]) -> Result<Package, BlobError> {
    PackageView::new(bytes).map(|v| v.to_package())
}

/// Checks a blob completely, as [`PackageView::new`] does.
///
/// ```
/// use galling::blob::{self, BlobError};
/// assert_eq!(blob::check(&[0xFF; 64]), Err(BlobError::BadMagic { found: [0xFF; 4] }));
/// ```
///
/// # Errors
/// The first [`BlobError`] found.
pub fn check(bytes: &[u8]) -> Result<(), BlobError> {
    PackageView::new(bytes).map(|_| ())
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::family::ModelParams;
    use crate::{Model, ParamField, Quantity, V8Params};

    /// The compact log form names each error's own variant and carries its numbers.
    #[test]
    fn log_form_names_the_variant_and_its_numbers() {
        use BlobErrorKind as K;
        let v9 = ModelId::V9;
        let cases = [
            (
                BlobError::Truncated {
                    needed: 300,
                    found: 20,
                },
                [300, 20, 0],
            ),
            (BlobError::Version1, [0; 3]),
            (BlobError::Version2, [0; 3]),
            (
                BlobError::BadMagic {
                    found: [1, 2, 3, 4],
                },
                [0x0403_0201, 0, 0],
            ),
            (
                BlobError::UnsupportedVersion {
                    found: 9,
                    supported: 3,
                },
                [9, 3, 0],
            ),
            (BlobError::UnknownModel { found: 77 }, [77, 0, 0]),
            (
                BlobError::LayoutMismatch {
                    found: 5,
                    expected: 6,
                },
                [5, 6, 0],
            ),
            (
                BlobError::LengthMismatch {
                    found: 7,
                    expected: 8,
                },
                [7, 8, 0],
            ),
            (
                BlobError::CrcMismatch {
                    stored: 1,
                    computed: 2,
                    at: 3,
                },
                [1, 2, 3],
            ),
            (BlobError::Malformed { at: 44 }, [44, 0, 0]),
            (BlobError::NotCanonical { at: 45 }, [45, 0, 0]),
            (
                BlobError::ParamCount {
                    found: 3,
                    expected: 15,
                },
                [3, 15, 0],
            ),
            (BlobError::FeatureSection(v9), [3, 0, 0]),
            (
                BlobError::InvalidParams(v9, ParamError::ZeroSpread("sigma_jump_up")),
                [3, 3, 0],
            ),
            (
                BlobError::InvalidParams(
                    v9,
                    ParamError::Unbounded {
                        quantity: Quantity::Tilt,
                        exponent: 31,
                        model: v9,
                    },
                ),
                [3, 4, 31],
            ),
            (
                BlobError::InvalidSettings(v9, SettingsError::CofBounds),
                [3, 5, 0],
            ),
            (
                BlobError::InvalidFeatures(
                    ModelId::V8Precursor,
                    features::SettingsError::Scale { feature: 1 },
                ),
                [5, 4, 1],
            ),
            (
                BlobError::InvalidTable(v9, TableError::Survival { row: 7, column: 2 }),
                [3, 4, 7],
            ),
            (BlobError::InvalidTable(v9, TableError::Horizon), [3, 3, 0]),
        ];
        for (error, numbers) in cases {
            let (kind, values) = error.log_form();
            let (variant, name) = (format!("{error:?}"), format!("{kind:?}"));
            assert!(variant.starts_with(&name), "{variant} logged as {name}");
            assert_eq!(values, numbers, "{variant}");
        }
        assert_eq!(BlobError::Version1.log_form().0, K::Version1);
    }

    fn package() -> Package {
        let table = RiskTable::build(
            &Model::new(&V8Params::PUBLISHED_FIT.map(f64::from)).unwrap(),
            &TableSpec::new(160.0, 170.0),
        );
        Package::new(V8Params::PUBLISHED_FIT, SignalSettings::default(), table).unwrap()
    }

    fn precursor() -> Package {
        let p = ModelParams::precursor(V8Params::PUBLISHED_FIT, [0.8, 0.3]);
        let table = RiskTable::build(
            &AnyModel::new(&p.map(f64::from)).unwrap(),
            &TableSpec::new(160.0, 170.0),
        );
        let features = PrecursorFeatures {
            extractor: FeatureSettings::DEFAULT,
            scaling: FeatureScaling {
                reference: [0.3, 0.05],
                scale: [0.04, 0.1],
            },
        };
        Package::with_features(p, SignalSettings::default(), Some(features), table).unwrap()
    }

    /// Re-seals a modified blob so that only the intended check fails.
    fn reseal(mut b: Vec<u8>) -> Vec<u8> {
        let at = b.len() - CRC_LEN;
        let crc = crc32(&b[..at]);
        b[at..].copy_from_slice(&crc.to_le_bytes());
        b
    }

    #[test]
    fn round_trip_is_exact_and_fields_sit_at_their_offsets() {
        for p in [package(), precursor()] {
            let model = p.params().model();
            let b = encode(&p);
            assert_eq!(b.len(), blob_len(model));
            assert_eq!(&b[..4], b"GLNG");
            assert_eq!(&b[4..6], &3u16.to_le_bytes());
            assert_eq!(b[6], model.to_u8());
            assert_eq!(&b[7..11], &layout_hash(model).to_le_bytes());
            assert_eq!(&b[11..15], &(b.len() as u32).to_le_bytes());
            assert_eq!(usize::from(b[15]), model.param_count());
            assert_eq!(
                &b[PARAMS_OFFSET..PARAMS_OFFSET + 4],
                &p.params().values()[0].to_le_bytes()
            );
            let s = settings_offset(model);
            assert_eq!(&b[s..s + 4], &p.settings().hot_die_target.to_le_bytes());
            assert_eq!(b[features_offset(model)], u8::from(carries_features(model)));
            assert_eq!(
                &b[spec_offset(model) + 8..spec_offset(model) + 12],
                &0.5_f32.to_le_bytes()
            );
            assert_eq!(
                &b[table_offset(model) - 2..table_offset(model)],
                &[0xac, 0x29]
            );
            assert_eq!(
                &b[table_offset(model)..crc_offset(model)],
                &p.table().entries()[..]
            );
            assert_eq!(decode(&b).unwrap(), p);
            let view = PackageView::new(&b).unwrap();
            // the table is read in place, not copied
            assert!(core::ptr::eq(
                view.table().entries(),
                b[table_offset(model)..].as_ptr().cast()
            ));
            assert_eq!(view.id(), p.view().id());
            let mut flash = b.clone();
            flash.extend_from_slice(&[0xFF; 300]);
            assert_eq!(decode(&flash).unwrap(), p);
        }
    }

    #[test]
    fn every_truncation_is_reported() {
        let b = encode(&package());
        for len in 4..b.len() {
            let needed = if len < HEADER_LEN {
                HEADER_LEN
            } else {
                b.len()
            };
            assert_eq!(
                PackageView::new(&b[..len]).unwrap_err(),
                BlobError::Truncated { needed, found: len },
                "len {len}"
            );
        }
    }

    #[test]
    fn header_errors_name_found_and_expected() {
        let good = encode(&package());
        let mut b = good.clone();
        b[0] = b'X';
        assert_eq!(decode(&b), Err(BlobError::BadMagic { found: *b"XLNG" }));
        let mut b = good.clone();
        b[..4].copy_from_slice(b"V8GP");
        assert_eq!(decode(&b), Err(BlobError::Version1));
        assert!(BlobError::Version1.to_string().contains("host-train train"));
        let mut b = good.clone();
        b[4..6].copy_from_slice(&2u16.to_le_bytes());
        assert_eq!(decode(&b), Err(BlobError::Version2));
        assert!(BlobError::Version2.to_string().contains("--out"));
        let mut b = good.clone();
        b[4..6].copy_from_slice(&7u16.to_le_bytes());
        assert_eq!(
            decode(&b),
            Err(BlobError::UnsupportedVersion {
                found: 7,
                supported: FORMAT_VERSION
            })
        );
        let mut b = good.clone();
        b[6] = 9;
        assert_eq!(decode(&b), Err(BlobError::UnknownModel { found: 9 }));
        let mut b = good.clone();
        b[7] ^= 0x55;
        let found = u32::from_le_bytes([b[7], b[8], b[9], b[10]]);
        assert_eq!(
            decode(&b),
            Err(BlobError::LayoutMismatch {
                found,
                expected: LAYOUT_HASH
            })
        );
        let mut b = good.clone();
        b[11] ^= 1;
        assert!(matches!(decode(&b), Err(BlobError::LengthMismatch { .. })));
        let mut b = good.clone();
        b[15] = 13;
        assert_eq!(
            decode(&reseal(b)),
            Err(BlobError::ParamCount {
                found: 13,
                expected: 15
            })
        );
    }

    #[test]
    fn intact_blob_with_invalid_values_is_refused_with_the_offset() {
        let good = encode(&package());
        let v8 = ModelId::V8;
        let mut b = good.clone();
        let at = PARAMS_OFFSET + 4 * ParamField::Tau.index();
        b[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
        let err = decode(&reseal(b)).unwrap_err();
        assert_eq!(
            err,
            BlobError::InvalidParams(v8, ParamError::NotFinite(ParamField::Tau.name()))
        );
        assert_eq!(err.offset(), at);

        let mut b = good.clone();
        let at = settings_offset(v8);
        b[at..at + 4].copy_from_slice(&1.5_f32.to_le_bytes());
        let err = decode(&reseal(b)).unwrap_err();
        assert_eq!(
            err,
            BlobError::InvalidSettings(v8, SettingsError::HotDieTarget)
        );
        assert_eq!(err.offset(), at);

        let mut b = good.clone();
        let at = table_offset(v8) + 4 * (3 * TABLE_TEMPERATURES + 3 * TABLE_CELLS + 7);
        b[at..at + 4].copy_from_slice(&2.0_f32.to_le_bytes());
        let err = decode(&reseal(b)).unwrap_err();
        assert_eq!(
            err,
            BlobError::InvalidTable(v8, TableError::Survival { row: 3, column: 7 })
        );
        assert_eq!(err.offset(), at);

        let mut b = good.clone();
        let at = spec_offset(v8) + 16;
        b[at..at + 2].copy_from_slice(&0u16.to_le_bytes());
        let err = decode(&reseal(b)).unwrap_err();
        assert_eq!(err, BlobError::InvalidTable(v8, TableError::Horizon));
        assert_eq!(err.offset(), at);

        let p = precursor();
        let m = p.params().model();
        let mut b = encode(&p);
        let at = features_offset(m) + 1 + 20 + 4 * 2 + 4;
        b[at..at + 4].copy_from_slice(&(-1.0_f32).to_le_bytes());
        let err = decode(&reseal(b)).unwrap_err();
        assert_eq!(
            err,
            BlobError::InvalidFeatures(m, features::SettingsError::Scale { feature: 1 })
        );
        assert_eq!(err.offset(), at);
    }

    #[test]
    fn any_single_bit_flip_is_refused() {
        for p in [package(), precursor()] {
            let good = encode(&p);
            let crc_at = good.len() - CRC_LEN;
            for byte in 0..good.len() {
                for bit in 0..8 {
                    let mut b = good.clone();
                    b[byte] ^= 1 << bit;
                    let err = decode(&b).unwrap_err();
                    if byte >= HEADER_LEN {
                        assert!(
                            matches!(err, BlobError::CrcMismatch { at, .. } if at as usize == crc_at),
                            "byte {byte} bit {bit}: {err}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_encoding_is_canonical() {
        // The table length as an overlong varint (3 bytes for 5292) with the length field and the
        // CRC made consistent: postcard decodes it, the canonical check refuses it.
        let good = encode(&package());
        let at = table_offset(ModelId::V8) - 2;
        let mut b = good[..at].to_vec();
        b.extend_from_slice(&[0xac, 0xa9, 0x00]);
        b.extend_from_slice(&good[at + 2..]);
        let n = b.len() as u32;
        b[11..15].copy_from_slice(&n.to_le_bytes());
        let b = reseal(b);
        assert!(matches!(decode(&b), Err(BlobError::LengthMismatch { .. })));
        // The parameter count as an overlong varint (`8f 00` for 15) and one table byte less: the
        // same length, an intact CRC, postcard decodes it; the canonical check refuses it at the
        // count's byte.
        let mut b = good[..HEADER_LEN].to_vec();
        b.extend_from_slice(&[0x8f, 0x00]);
        b.extend_from_slice(&good[PARAMS_OFFSET..at]);
        b.extend_from_slice(&[0xab, 0x29]); // 5291
        b.extend_from_slice(&good[at + 3..]);
        assert_eq!(b.len(), good.len());
        let b = reseal(b);
        assert!(postcard::from_bytes::<Wire<'_>>(&b[..b.len() - CRC_LEN]).is_ok());
        assert_eq!(decode(&b), Err(BlobError::NotCanonical { at: 15 }));
        // decode then encode is the identity for every accepted blob of every variant
        for p in [package(), precursor()] {
            let b = encode(&p);
            assert_eq!(encode(&decode(&b).unwrap()), b);
        }
    }

    #[test]
    fn the_fixed_structure_bytes_are_checked_where_they_lie() {
        // the feature tag of another variant's section, or no tag at all
        let v8 = encode(&package());
        let f = features_offset(ModelId::V8);
        let mut b = v8.clone();
        b[f] = 1;
        assert_eq!(
            decode(&reseal(b)),
            Err(BlobError::FeatureSection(ModelId::V8))
        );
        let p = precursor();
        let m = p.params().model();
        let mut b = encode(&p);
        b[features_offset(m)] = 0;
        assert_eq!(decode(&reseal(b)), Err(BlobError::FeatureSection(m)));
        let mut b = v8.clone();
        b[f] = 2;
        let err = decode(&reseal(b)).unwrap_err();
        assert_eq!(err, BlobError::Malformed { at: f as u32 });
        assert_eq!(err.offset(), f);
        // the table's length prefix: only its one encoding
        let at = table_offset(ModelId::V8) - TABLE_PREFIX_LEN;
        assert_eq!(v8[at..at + 2], TABLE_PREFIX);
        let mut b = v8.clone();
        b[at + 1] = 0x2a;
        assert_eq!(
            decode(&reseal(b)),
            Err(BlobError::Malformed { at: at as u32 })
        );
        // the read structure is postcard's: postcard decodes every accepted blob to the same parts
        for p in [package(), precursor()] {
            let b = encode(&p);
            let wire = postcard::from_bytes::<Wire<'_>>(&b[..b.len() - CRC_LEN]).unwrap();
            let view = PackageView::new(&b).unwrap();
            assert_eq!(&wire.params[..], view.params().values());
            assert_eq!(wire.table, view.table().entries());
            assert_eq!(wire.features.is_some(), view.features().is_some());
        }
    }

    #[test]
    fn a_feature_section_goes_with_its_variant() {
        let p = precursor();
        let m = p.params().model();
        // drop the feature section: length and CRC made consistent, layout hash of the variant kept
        let b = encode(&p);
        let f = features_offset(m);
        let mut v = b[..f].to_vec();
        v.push(0);
        v.extend_from_slice(&b[f + FEATURES_LEN..]);
        let n = v.len() as u32;
        v[11..15].copy_from_slice(&n.to_le_bytes());
        assert!(matches!(
            decode(&reseal(v)),
            Err(BlobError::LengthMismatch { .. })
        ));
        assert!(matches!(
            Package::new(*p.params(), *p.settings(), p.table().clone()),
            Err(PackageError::FeatureSection(_))
        ));
        assert!(matches!(
            Package::with_features(
                V8Params::PUBLISHED_FIT,
                SignalSettings::default(),
                p.features().copied(),
                package().table().clone()
            ),
            Err(PackageError::FeatureSection(ModelId::V8))
        ));
    }

    #[test]
    fn crc_matches_the_bitwise_definition() {
        let bitwise = |bytes: &[u8]| {
            let mut crc = !0u32;
            for &b in bytes {
                crc ^= u32::from(b);
                for _ in 0..8 {
                    crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
                }
            }
            !crc
        };
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7919 % 251) as u8).collect();
        for len in [0, 1, 2, 3, 17, 1000] {
            assert_eq!(crc32(&data[..len]), bitwise(&data[..len]), "len {len}");
        }
    }

    #[test]
    fn unbounded_parameters_point_at_their_first_parameter() {
        use crate::Quantity;
        let unbounded = |model, quantity| {
            BlobError::InvalidParams(
                model,
                ParamError::Unbounded {
                    quantity,
                    exponent: 35,
                    model,
                },
            )
            .offset()
        };
        // V9's barrier is its third parameter, k
        assert_eq!(
            unbounded(ModelId::V9, Quantity::BarrierScale),
            PARAMS_OFFSET + 8
        );
        // V8-13 has no tilt: its stay drift's first own parameter is h0
        assert_eq!(
            unbounded(ModelId::V8_13, Quantity::StayDrift),
            PARAMS_OFFSET + 8
        );
        assert_eq!(
            unbounded(ModelId::V8, Quantity::EscapeRate),
            PARAMS_OFFSET + 4 * 8
        );
        assert_eq!(
            unbounded(ModelId::V7, Quantity::JumpSpread),
            PARAMS_OFFSET + 4 * 13
        );
    }

    #[test]
    fn layout_hash_depends_on_names() {
        // Pinned literals: a change of any name, field, table size or feature count changes a
        // value here, which is a new blob layout (bump the format or re-export the blobs).
        assert_eq!(
            ModelId::ALL.map(layout_hash),
            [
                0xc008_6b64,
                0x2c62_0385,
                0x5dab_cf3e,
                0xb1e5_1c9a,
                0x4484_4ca3
            ],
            "layout hashes of {:?}",
            ModelId::ALL
        );
        assert_eq!(LAYOUT_HASH, layout_hash(ModelId::V8));
        for m in ModelId::ALL {
            assert_eq!(layout_hash(m), compute_layout_hash(m));
        }
        for (i, a) in ModelId::ALL.iter().enumerate() {
            for b in &ModelId::ALL[..i] {
                assert_ne!(layout_hash(*a), layout_hash(*b), "{a} {b}");
            }
        }
    }
}
