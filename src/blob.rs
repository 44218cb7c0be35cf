//! The flashable blob: everything the press runs, written by the trainer, read by the firmware from
//! its own flash region. Format version 2 carries a [`Package`]: the model parameters, the signal
//! settings (calibrated by the trainer) and the risk table with the galling threshold, clean limit,
//! horizon and trained temperature range. The parameters are those of any variant of the model
//! family ([`crate::family`]): the header names the variant and its parameter count, and every
//! variant's blob has the same length and offsets.
//!
//! Layout (little-endian), [`BLOB_LEN`] bytes:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | magic `b"GLNG"` |
//! | 4 | 2 | format version ([`FORMAT_VERSION`] = 2) |
//! | 6 | 1 | model id ([`ModelId`]: V8 = 1, V8-13 = 2, V9 = 3, V7 = 4) |
//! | 7 | 1 | parameter count of the variant (15, 13, 12, 17) |
//! | 8 | 4 | layout hash ([`layout_hash`]: FNV-1a of the variant's parameter names, every settings and table field, the table size and the slot count) |
//! | 12 | 4 | blob length ([`BLOB_LEN`], CRC included) |
//! | 16 | 68 | [`PARAM_SLOTS`] = 17 parameter slots, `f32`: the variant's parameters in its table's order ([`Variant::fields`]), then `0.0` |
//! | [`SETTINGS_OFFSET`] | 36 | [`SignalSettings`]: `hot_die_target, onset_raise, onset_clear` (`f32`), `onset_confirm, onset_window, onset_clear_strokes, recover_strokes` (`u8`), `recover_cof, cof_low, cof_high, temperature_low, temperature_high` (`f32`) |
//! | [`TABLE_OFFSET`] | 24 | [`TableSpec`]: `temperature_low, temperature_high, threshold, clean_limit` (`f32`), `horizon, temperatures, cells, 0` (`u16`) |
//! | [`TABLE_OFFSET`] + 24 | `4 x 21 x 3` | hazard, expected strokes, typical clean COF per table temperature (`f32`) |
//! | then | `4 x 21 x 60` | survival `[temperature][cell]` (`f32`) |
//! | [`CRC_OFFSET`] | 4 | CRC-32 (IEEE) of everything before |
//!
//! Decoding accepts a longer slice (a flash region is usually larger than the blob) and ignores what
//! follows the CRC. Every error names the byte offset where the problem is ([`BlobError::offset`]).
//! A version-1 blob (parameters only, magic `V8GP`) is refused with [`BlobError::Version1`], whose
//! message says how to re-export it.
//!
//! ```
//! # #[cfg(feature = "std")] {
//! use galling::{Model, V8Params, blob, monitor::Package, risk::{RiskTable, TableSpec}};
//! let table = RiskTable::build(&Model::new(&V8Params::PUBLISHED_FIT.map(f64::from))?,
//!                              &TableSpec::new(160.0, 170.0));
//! let package = Package::new(V8Params::PUBLISHED_FIT, Default::default(), table)?;
//! let bytes = blob::encode(&package);
//! assert_eq!(blob::decode(&bytes)?, package);
//! # }
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use crate::family::{AnyModel, MAX_PARAMS, ModelId, ModelParams, Variant};
use crate::monitor::Package;
use crate::params::ParamError;
use crate::risk::{
    TABLE_CELLS, TABLE_TEMPERATURES, TableError, TableSpec, check_row, check_survival,
};
use crate::signals::{SettingsError, SignalSettings};
use core::fmt;

/// First four bytes of every blob.
pub const MAGIC: [u8; 4] = *b"GLNG";
/// Magic of the version-1 format (parameters only), recognised to say how to re-export it.
pub const MAGIC_V1: [u8; 4] = *b"V8GP";
/// The blob format this build writes and reads.
pub const FORMAT_VERSION: u16 = 2;
/// Model id of the V8 model ([`ModelId::V8`]).
pub const MODEL_V8: u8 = ModelId::V8.to_u8();
/// Parameter slots of a blob: every variant's parameters ([`MAX_PARAMS`], V7's 17), in the
/// variant's storage order; the slots past its parameter count hold `0.0`.
pub const PARAM_SLOTS: usize = MAX_PARAMS;
/// Bytes of the header.
pub const HEADER_LEN: usize = 16;
/// Offset of the parameters.
pub const PARAMS_OFFSET: usize = HEADER_LEN;
/// Offset of the signal settings.
pub const SETTINGS_OFFSET: usize = PARAMS_OFFSET + 4 * PARAM_SLOTS;
/// Bytes of the signal settings.
pub const SETTINGS_LEN: usize = 36;
/// Offset of the risk table (its specification first).
pub const TABLE_OFFSET: usize = SETTINGS_OFFSET + SETTINGS_LEN;
const SPEC_LEN: usize = 24;
const HAZARD_OFFSET: usize = TABLE_OFFSET + SPEC_LEN;
const EXPECTED_OFFSET: usize = HAZARD_OFFSET + 4 * TABLE_TEMPERATURES;
const CLEAN_OFFSET: usize = EXPECTED_OFFSET + 4 * TABLE_TEMPERATURES;
const SURVIVAL_OFFSET: usize = CLEAN_OFFSET + 4 * TABLE_TEMPERATURES;
/// Offset of the CRC-32.
pub const CRC_OFFSET: usize = SURVIVAL_OFFSET + 4 * TABLE_TEMPERATURES * TABLE_CELLS;
/// Total length of a blob.
pub const BLOB_LEN: usize = CRC_OFFSET + 4;
/// FNV-1a hash of V8's layout ([`layout_hash`]).
pub const LAYOUT_HASH: u32 = layout_hash(ModelId::V8);

/// The settings and table fields after the parameters, as `name:type;` in storage order.
const LAYOUT_TAIL: &str = "hot_die_target:f32;onset_raise:f32;onset_clear:f32;onset_confirm:u8;\
onset_window:u8;onset_clear_strokes:u8;recover_strokes:u8;recover_cof:f32;cof_low:f32;cof_high:f32;\
temperature_low:f32;temperature_high:f32;table.temperature_low:f32;table.temperature_high:f32;\
threshold:f32;clean_limit:f32;horizon:u16;temperatures:u16;cells:u16;pad:u16;hazard:f32;\
expected:f32;clean_cof:f32;survival:f32;";

const fn fnv(mut hash: u32, bytes: &[u8]) -> u32 {
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u32;
        hash = hash.wrapping_mul(0x0100_0193);
        i += 1;
    }
    hash
}

/// FNV-1a hash of a variant's layout: every parameter's name and type in storage order, the settings
/// and table fields, the table's size and the parameter count. A blob written for another layout
/// (another variant, or another build's settings or table) is refused by this hash.
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
    let mut f = 0;
    while f < variant.fields.len() {
        hash = fnv(hash, variant.fields[f].name.as_bytes());
        hash = fnv(hash, b":f32;");
        f += 1;
    }
    hash = fnv(hash, LAYOUT_TAIL.as_bytes());
    fnv(
        hash,
        &[
            TABLE_TEMPERATURES as u8,
            TABLE_CELLS as u8,
            variant.fields.len() as u8,
            PARAM_SLOTS as u8,
        ],
    )
}

/// CRC-32 (IEEE 802.3, reflected, as in zlib and PNG) of `bytes`.
///
/// ```
/// assert_eq!(galling::blob::crc32(b"123456789"), 0xCBF4_3926);
/// ```
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        // Two 4-bit steps through a 16-entry table (64 bytes of flash) instead of 8 bit steps.
        crc = (crc >> 4) ^ CRC_NIBBLES[((crc ^ u32::from(b)) & 0xF) as usize];
        crc = (crc >> 4) ^ CRC_NIBBLES[((crc ^ u32::from(b >> 4)) & 0xF) as usize];
    }
    !crc
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
    /// Bytes 0..4 are `V8GP`: a version-1 blob (parameters only, no settings or risk table).
    Version1,
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
    /// Byte 6 names a model this build does not run (ids: [`ModelId`]).
    UnknownModel {
        /// Model id in the blob.
        found: u8,
    },
    /// Byte 7: the parameter count does not match the model.
    ParamCount {
        /// Count in the blob.
        found: u8,
        /// Count of the model.
        expected: u8,
    },
    /// Bytes 8..12: the blob was written for another layout.
    LayoutMismatch {
        /// Layout hash in the blob.
        found: u32,
        /// Layout hash of this build.
        expected: u32,
    },
    /// Bytes 12..16: the stated length is not this layout's.
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
    },
    /// A parameter slot past the model's parameter count is not `0.0`.
    UnusedParamSlot {
        /// Index of the slot.
        slot: u8,
    },
    /// The blob is intact but its parameters are not a valid model of the variant.
    InvalidParams(ModelId, ParamError),
    /// The blob is intact but a signal setting is invalid.
    InvalidSettings(SettingsError),
    /// The blob is intact but its risk table is invalid.
    InvalidTable(TableError),
}

impl BlobError {
    /// Byte offset in the blob where the problem was found.
    pub fn offset(&self) -> usize {
        match self {
            Self::Truncated { found, .. } => *found,
            Self::Version1 | Self::BadMagic { .. } => 0,
            Self::UnsupportedVersion { .. } => 4,
            Self::UnknownModel { .. } | Self::InvalidParams(_, ParamError::NotCompiled(_)) => 6,
            Self::ParamCount { .. } => 7,
            Self::LayoutMismatch { .. } => 8,
            Self::LengthMismatch { .. } => 12,
            Self::CrcMismatch { .. } => CRC_OFFSET,
            Self::UnusedParamSlot { slot } => PARAMS_OFFSET + 4 * usize::from(*slot),
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
            Self::InvalidSettings(e) => SETTINGS_OFFSET + settings_offset(*e),
            Self::InvalidTable(e) => table_offset(*e),
        }
    }
}

fn settings_offset(e: SettingsError) -> usize {
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

fn table_offset(e: TableError) -> usize {
    let at = |base: usize, row: u16| base + 4 * usize::from(row);
    match e {
        TableError::TemperatureRange => TABLE_OFFSET,
        TableError::Threshold => TABLE_OFFSET + 8,
        TableError::CleanLimit => TABLE_OFFSET + 12,
        TableError::Horizon => TABLE_OFFSET + 16,
        TableError::Hazard { row } => at(HAZARD_OFFSET, row),
        TableError::ExpectedStrokes { row } => at(EXPECTED_OFFSET, row),
        TableError::CleanCof { row } => at(CLEAN_OFFSET, row),
        TableError::Survival { row, column } => at(
            SURVIVAL_OFFSET,
            row.saturating_mul(TABLE_CELLS as u16)
                .saturating_add(column),
        ),
    }
}

impl fmt::Display for BlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { needed, found } => {
                write!(f, "blob truncated: {found} bytes, a blob needs {needed}")
            }
            Self::Version1 => f.write_str(
                "blob at byte 0: a version-1 blob (magic V8GP, parameters only); this build needs \
                 version 2 with the monitor settings and risk table: re-export it with \
                 `host-train blob --params <params.json or the old params.bin> --data <training data> --out params.bin`",
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
                "blob: model id {found} at byte 6 is not a model this build runs (V8 = 1, V8-13 = 2, V9 = 3, V7 = 4)"
            ),
            Self::UnusedParamSlot { slot } => write!(
                f,
                "blob: parameter slot {slot} at byte {} is past the model's parameter count and must be 0.0",
                self.offset()
            ),
            Self::ParamCount { found, expected } => write!(
                f,
                "blob: parameter count {found} at byte 7 does not match the model's {expected}"
            ),
            Self::LayoutMismatch { found, expected } => write!(
                f,
                "blob: layout hash {found:#010x} at byte 8 does not match this build's {expected:#010x} (blob made for another layout)"
            ),
            Self::LengthMismatch { found, expected } => write!(
                f,
                "blob: length {found} at byte 12 does not match this layout's {expected}"
            ),
            Self::CrcMismatch { stored, computed } => write!(
                f,
                "blob: CRC-32 at byte {CRC_OFFSET} is {stored:#010x} but the content gives {computed:#010x} (corrupted blob)"
            ),
            Self::InvalidParams(model, e) => {
                write!(f, "blob at byte {} ({model} parameters): {e}", self.offset())
            }
            Self::InvalidSettings(e) => write!(f, "blob at byte {}: {e}", self.offset()),
            Self::InvalidTable(e) => write!(f, "blob at byte {}: {e}", self.offset()),
        }
    }
}

impl core::error::Error for BlobError {}

/// Appends little-endian fields to a fixed buffer.
struct Writer<'a> {
    out: &'a mut [u8],
    at: usize,
}

impl Writer<'_> {
    fn bytes(&mut self, b: &[u8]) {
        let end = self.at.saturating_add(b.len());
        if let Some(dst) = self.out.get_mut(self.at..end) {
            dst.copy_from_slice(b);
        }
        self.at = end;
    }
    fn f32(&mut self, x: f32) {
        self.bytes(&x.to_le_bytes());
    }
    fn u16(&mut self, x: u16) {
        self.bytes(&x.to_le_bytes());
    }
}

/// Reads little-endian fields from a slice whose length was checked ([`BLOB_LEN`]); a read past the
/// end yields zeros (unreachable after the length check, and never a panic).
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let end = self.at.saturating_add(N);
        let out = self
            .bytes
            .get(self.at..end)
            .and_then(|b| <[u8; N]>::try_from(b).ok())
            .unwrap_or([0; N]);
        self.at = end;
        out
    }
    fn f32(&mut self) -> f32 {
        f32::from_le_bytes(self.take())
    }
    fn u8(&mut self) -> u8 {
        let [b] = self.take();
        b
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.take())
    }
    fn f32s<const N: usize>(&mut self) -> [f32; N] {
        let mut out = [0.0; N];
        for x in out.iter_mut() {
            *x = self.f32();
        }
        out
    }
}

/// Encodes a validated package as a blob.
pub fn encode(package: &Package) -> [u8; BLOB_LEN] {
    let mut out = [0u8; BLOB_LEN];
    let mut w = Writer {
        out: &mut out,
        at: 0,
    };
    w.bytes(&MAGIC);
    w.u16(FORMAT_VERSION);
    let params = package.params();
    let model = params.model();
    w.bytes(&[model.to_u8(), params.len() as u8]);
    w.bytes(&layout_hash(model).to_le_bytes());
    w.bytes(&(BLOB_LEN as u32).to_le_bytes());
    for slot in 0..PARAM_SLOTS {
        w.f32(params.values().get(slot).copied().unwrap_or(0.0));
    }
    let s = package.settings();
    for x in [s.hot_die_target, s.onset_raise, s.onset_clear] {
        w.f32(x);
    }
    w.bytes(&[
        s.onset_confirm,
        s.onset_window,
        s.onset_clear_strokes,
        s.recover_strokes,
    ]);
    for x in [
        s.recover_cof,
        s.cof_low,
        s.cof_high,
        s.temperature_low,
        s.temperature_high,
    ] {
        w.f32(x);
    }
    let table = package.table();
    let spec = table.spec();
    for x in [
        spec.temperature_low,
        spec.temperature_high,
        spec.threshold,
        spec.clean_limit,
    ] {
        w.f32(x);
    }
    for x in [
        spec.horizon,
        TABLE_TEMPERATURES as u16,
        TABLE_CELLS as u16,
        0,
    ] {
        w.u16(x);
    }
    for row in [
        table.hazards(),
        table.expected_strokes(),
        table.clean_cofs(),
    ] {
        for &x in row {
            w.f32(x);
        }
    }
    for row in table.survivals() {
        for &x in row {
            w.f32(x);
        }
    }
    let crc = crc32(out.get(..CRC_OFFSET).unwrap_or(&[]));
    if let Some(dst) = out.get_mut(CRC_OFFSET..) {
        dst.copy_from_slice(&crc.to_le_bytes());
    }
    out
}

/// Decodes and validates a blob from the start of `bytes` (trailing bytes are ignored).
///
/// Checks, in order: magic (and the version-1 magic), version, model, parameter count, layout,
/// length, CRC, then the parameters, the table and the settings. The package is built once, in the
/// returned value; use [`decode_into`] to decode into storage the caller already has (a `static`).
///
/// ```
/// use galling::blob::{self, BlobError};
/// assert_eq!(blob::decode(&[0xFF; 64]), Err(BlobError::BadMagic { found: [0xFF; 4] }));
/// assert_eq!(blob::decode(b"V8GP\x01\x00"), Err(BlobError::Version1));
/// assert!(matches!(blob::decode(b"GLNG"), Err(BlobError::Truncated { found: 4, .. })));
/// ```
///
/// # Errors
/// The first [`BlobError`] found.
pub fn decode(bytes: &[u8]) -> Result<Package, BlobError> {
    let mut package = Package::unfilled();
    decode_into(bytes, &mut package)?;
    Ok(package)
}

/// [`decode`] into `out`, which is overwritten only when the whole blob is valid: on an error `out`
/// is left exactly as it was (an update that fails keeps the running package). The bytes are checked
/// in a first pass that stores nothing large, then copied into `out`, so the stack holds no copy of
/// the table.
///
/// ```
/// # #[cfg(feature = "std")] {
/// use galling::{Model, V8Params, blob, monitor::Package, risk::{RiskTable, TableSpec}};
/// let table = RiskTable::build(&Model::new(&V8Params::PUBLISHED_FIT.map(f64::from))?,
///                              &TableSpec::new(160.0, 170.0));
/// let package = Package::new(V8Params::PUBLISHED_FIT, Default::default(), table)?;
/// let mut running = package.clone();
/// let mut bytes = blob::encode(&package);
/// bytes[100] ^= 1;                                          // a damaged update
/// assert!(blob::decode_into(&bytes, &mut running).is_err());
/// assert_eq!(running, package);                              // the running package is kept
/// # }
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
///
/// # Errors
/// The first [`BlobError`] found; `out` is then unchanged.
pub fn decode_into(bytes: &[u8], out: &mut Package) -> Result<(), BlobError> {
    let checked = check_values(bytes)?;
    let content = checked.content;
    let at = |offset: usize| Reader {
        bytes: content,
        at: offset,
    };
    let (params, settings, spec) = (checked.params, checked.settings, checked.spec);
    // Pass 2: the whole blob is valid; copy it into place.
    let (p, s, table) = out.parts_mut();
    *p = params;
    *s = settings;
    let (t_spec, t_hazard, t_expected, t_clean, t_survival) = table.parts_mut();
    *t_spec = spec;
    let mut r = at(HAZARD_OFFSET);
    for dst in [t_hazard, t_expected, t_clean] {
        for x in dst.iter_mut() {
            *x = r.f32();
        }
    }
    for row in t_survival.iter_mut() {
        for x in row.iter_mut() {
            *x = r.f32();
        }
    }
    Ok(())
}

/// Checks a blob completely, as [`decode`] does, without building the package (no large value on
/// the stack): for a store that only needs to know whether a slot holds a valid blob.
///
/// ```
/// use galling::blob::{self, BlobError};
/// assert_eq!(blob::check(&[0xFF; 64]), Err(BlobError::BadMagic { found: [0xFF; 4] }));
/// ```
///
/// # Errors
/// The first [`BlobError`] found.
pub fn check(bytes: &[u8]) -> Result<(), BlobError> {
    check_values(bytes).map(|_| ())
}

/// A blob whose every value was checked: its content and its small parts.
struct Checked<'a> {
    content: &'a [u8],
    params: ModelParams<f32>,
    settings: SignalSettings,
    spec: TableSpec,
}

/// Pass 1 of decoding: the frame, then every value, checked where it lies in the blob.
fn check_values(bytes: &[u8]) -> Result<Checked<'_>, BlobError> {
    let (content, model) = check_frame(bytes)?;
    let mut r = Reader {
        bytes: content,
        at: PARAMS_OFFSET,
    };
    let slots = r.f32s::<PARAM_SLOTS>();
    let count = model.param_count();
    if let Some(slot) = (count..PARAM_SLOTS).find(|&i| slots[i].to_bits() != 0) {
        return Err(BlobError::UnusedParamSlot { slot: slot as u8 });
    }
    let params = ModelParams::new(model, slots.get(..count).unwrap_or(&[])).ok_or(
        BlobError::ParamCount {
            found: count as u8,
            expected: count as u8,
        },
    )?;
    let settings = SignalSettings {
        hot_die_target: r.f32(),
        onset_raise: r.f32(),
        onset_clear: r.f32(),
        onset_confirm: r.u8(),
        onset_window: r.u8(),
        onset_clear_strokes: r.u8(),
        recover_strokes: r.u8(),
        recover_cof: r.f32(),
        cof_low: r.f32(),
        cof_high: r.f32(),
        temperature_low: r.f32(),
        temperature_high: r.f32(),
    };
    let spec = TableSpec {
        temperature_low: r.f32(),
        temperature_high: r.f32(),
        threshold: r.f32(),
        clean_limit: r.f32(),
        horizon: r.u16(),
    };
    spec.validate().map_err(BlobError::InvalidTable)?;
    let at = |offset: usize| Reader {
        bytes: content,
        at: offset,
    };
    let mut survival = at(SURVIVAL_OFFSET);
    for row in 0..TABLE_TEMPERATURES as u16 {
        for column in 0..TABLE_CELLS as u16 {
            check_survival(row, column, survival.f32()).map_err(BlobError::InvalidTable)?;
        }
    }
    let (mut hazard, mut expected, mut clean) =
        (at(HAZARD_OFFSET), at(EXPECTED_OFFSET), at(CLEAN_OFFSET));
    for row in 0..TABLE_TEMPERATURES as u16 {
        check_row(&spec, row, hazard.f32(), expected.f32(), clean.f32())
            .map_err(BlobError::InvalidTable)?;
    }
    settings
        .validate(spec.threshold)
        .map_err(BlobError::InvalidSettings)?;
    let invalid = |e| BlobError::InvalidParams(model, e);
    params
        .validate_within(&Package::operating_box(&settings, &spec))
        .map_err(invalid)?;
    AnyModel::new(&params).map_err(invalid)?;
    Ok(Checked {
        content,
        params,
        settings,
        spec,
    })
}

/// Checks the header and the CRC; returns the content (the bytes before the CRC) and the model.
fn check_frame(bytes: &[u8]) -> Result<(&[u8], ModelId), BlobError> {
    let truncated = BlobError::Truncated {
        needed: BLOB_LEN,
        found: bytes.len(),
    };
    if let Some(magic) = bytes.get(..4) {
        if magic == MAGIC_V1 {
            return Err(BlobError::Version1);
        }
        if magic != MAGIC {
            let found = <[u8; 4]>::try_from(magic).unwrap_or([0; 4]);
            return Err(BlobError::BadMagic { found });
        }
    }
    let header: [u8; HEADER_LEN] = bytes
        .get(..HEADER_LEN)
        .and_then(|h| h.try_into().ok())
        .ok_or(truncated)?;
    let [
        _,
        _,
        _,
        _,
        v0,
        v1,
        model,
        count,
        l0,
        l1,
        l2,
        l3,
        n0,
        n1,
        n2,
        n3,
    ] = header;
    let version = u16::from_le_bytes([v0, v1]);
    if version != FORMAT_VERSION {
        return Err(BlobError::UnsupportedVersion {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let model = ModelId::from_u8(model).ok_or(BlobError::UnknownModel { found: model })?;
    // a known model whose kernel this build does not have (a one-variant build): refused at its id
    let model = model
        .require_compiled()
        .map_err(|e| BlobError::InvalidParams(model, e))?;
    if usize::from(count) != model.param_count() {
        return Err(BlobError::ParamCount {
            found: count,
            expected: model.param_count() as u8,
        });
    }
    let layout = u32::from_le_bytes([l0, l1, l2, l3]);
    let expected_layout = layout_hash(model);
    if layout != expected_layout {
        return Err(BlobError::LayoutMismatch {
            found: layout,
            expected: expected_layout,
        });
    }
    let length = u32::from_le_bytes([n0, n1, n2, n3]);
    if length != BLOB_LEN as u32 {
        return Err(BlobError::LengthMismatch {
            found: length,
            expected: BLOB_LEN as u32,
        });
    }
    let blob = bytes.get(..BLOB_LEN).ok_or(truncated)?;
    let (content, stored) = blob.split_at(CRC_OFFSET);
    let stored = u32::from_le_bytes(stored.try_into().map_err(|_| truncated)?);
    let computed = crc32(content);
    if stored != computed {
        return Err(BlobError::CrcMismatch { stored, computed });
    }
    // The table's dimensions are part of the layout hash; this checks them once more.
    let [t0, t1] = (TABLE_TEMPERATURES as u16).to_le_bytes();
    let [c0, c1] = (TABLE_CELLS as u16).to_le_bytes();
    if content.get(TABLE_OFFSET + 18..TABLE_OFFSET + 22) != Some(&[t0, t1, c0, c1][..]) {
        return Err(BlobError::LayoutMismatch {
            found: layout,
            expected: expected_layout,
        });
    }
    Ok((content, model))
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::family::ModelId;
    use crate::risk::RiskTable;
    use crate::{Model, ParamField, V8Params};

    fn package() -> Package {
        let table = RiskTable::build(
            &Model::new(&V8Params::PUBLISHED_FIT.map(f64::from)).unwrap(),
            &TableSpec::new(160.0, 170.0),
        );
        Package::new(V8Params::PUBLISHED_FIT, SignalSettings::default(), table).unwrap()
    }

    /// Re-seals a modified blob so that only the intended check fails.
    fn reseal(mut b: [u8; BLOB_LEN]) -> [u8; BLOB_LEN] {
        let crc = crc32(&b[..CRC_OFFSET]);
        b[CRC_OFFSET..].copy_from_slice(&crc.to_le_bytes());
        b
    }

    #[test]
    fn round_trip_is_exact_and_fields_sit_at_their_offsets() {
        let p = package();
        let b = encode(&p);
        assert_eq!(&b[..4], b"GLNG");
        assert_eq!(
            &b[PARAMS_OFFSET..PARAMS_OFFSET + 4],
            &V8Params::PUBLISHED_FIT.mu_l.to_le_bytes()
        );
        assert_eq!(
            &b[SETTINGS_OFFSET..SETTINGS_OFFSET + 4],
            &p.settings().hot_die_target.to_le_bytes()
        );
        assert_eq!(
            &b[TABLE_OFFSET + 8..TABLE_OFFSET + 12],
            &0.5_f32.to_le_bytes()
        );
        assert_eq!(
            &b[SURVIVAL_OFFSET..SURVIVAL_OFFSET + 4],
            &p.table().survivals()[0][0].to_le_bytes()
        );
        assert_eq!(decode(&b).unwrap(), p);
        let mut flash = vec![0xFFu8; BLOB_LEN + 300];
        flash[..BLOB_LEN].copy_from_slice(&b);
        assert_eq!(decode(&flash).unwrap(), p);
    }

    #[test]
    fn every_truncation_is_reported() {
        let b = encode(&package());
        for len in 4..BLOB_LEN {
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
        let good = encode(&package());
        let mut b = good;
        b[0] = b'X';
        assert_eq!(decode(&b), Err(BlobError::BadMagic { found: *b"XLNG" }));
        let mut b = good;
        b[..4].copy_from_slice(b"V8GP");
        assert_eq!(decode(&b), Err(BlobError::Version1));
        assert!(BlobError::Version1.to_string().contains("host-train blob"));
        let mut b = good;
        b[4..6].copy_from_slice(&7u16.to_le_bytes());
        assert_eq!(
            decode(&reseal(b)),
            Err(BlobError::UnsupportedVersion {
                found: 7,
                supported: FORMAT_VERSION
            })
        );
        let mut b = good;
        b[6] = 9;
        assert_eq!(
            decode(&reseal(b)),
            Err(BlobError::UnknownModel { found: 9 })
        );
        let mut b = good;
        b[7] = 13;
        assert_eq!(
            decode(&reseal(b)),
            Err(BlobError::ParamCount {
                found: 13,
                expected: 15
            })
        );
        let mut b = good;
        b[8] ^= 0x55;
        let found = u32::from_le_bytes([b[8], b[9], b[10], b[11]]);
        assert_eq!(
            decode(&reseal(b)),
            Err(BlobError::LayoutMismatch {
                found,
                expected: LAYOUT_HASH
            })
        );
        let mut b = good;
        b[12] ^= 1;
        assert!(matches!(
            decode(&reseal(b)),
            Err(BlobError::LengthMismatch { .. })
        ));
    }

    #[test]
    fn intact_blob_with_invalid_values_is_refused_with_the_offset() {
        let good = encode(&package());
        let mut b = good;
        let at = PARAMS_OFFSET + 4 * ParamField::Tau.index();
        b[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
        let err = decode(&reseal(b)).unwrap_err();
        assert_eq!(
            err,
            BlobError::InvalidParams(ModelId::V8, ParamError::NotFinite(ParamField::Tau.name()))
        );
        assert_eq!(err.offset(), at);

        let mut b = good;
        b[SETTINGS_OFFSET..SETTINGS_OFFSET + 4].copy_from_slice(&1.5_f32.to_le_bytes());
        let err = decode(&reseal(b)).unwrap_err();
        assert_eq!(err, BlobError::InvalidSettings(SettingsError::HotDieTarget));
        assert_eq!(err.offset(), SETTINGS_OFFSET);

        let mut b = good;
        let at = SURVIVAL_OFFSET + 4 * (3 * TABLE_CELLS + 7);
        b[at..at + 4].copy_from_slice(&2.0_f32.to_le_bytes());
        let err = decode(&reseal(b)).unwrap_err();
        assert_eq!(
            err,
            BlobError::InvalidTable(TableError::Survival { row: 3, column: 7 })
        );
        assert_eq!(err.offset(), at);
    }

    #[test]
    fn any_single_bit_flip_after_the_header_is_caught_by_the_crc() {
        let good = encode(&package());
        for byte in HEADER_LEN..BLOB_LEN {
            for bit in 0..8 {
                let mut b = good;
                b[byte] ^= 1 << bit;
                assert!(
                    matches!(decode(&b), Err(BlobError::CrcMismatch { .. })),
                    "byte {byte} bit {bit}"
                );
            }
        }
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
        // Pinned literals: a change of any name, field, table size or slot count changes a value
        // here, which is a new blob layout (bump the format or re-export the blobs).
        assert_eq!(
            ModelId::ALL.map(layout_hash),
            [
                0xd99e_6156,
                0x3b1d_abb5,
                0x2e71_74da,
                0xfdd1_84fc,
                0xe98a_8451
            ],
            "layout hashes of {:?}",
            ModelId::ALL
        );
        assert_ne!(LAYOUT_HASH, 0x811c_9dc5);
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
