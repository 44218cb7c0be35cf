//! The layout of the replay files `replay/strokes.bin` (checked in) and the precursor replay
//! (generated from `../shared/galling-data` at build time into `target/replay/precursor.bin`, never
//! checked in): recorded raw samples and what the host computed for every stroke, written by
//! `host-tools` (`cargo xtask generate`; `cargo xtask precursor-replay --out FILE`), read by the
//! press application (`include_bytes!`; `GALLING_REPLAY` picks the file) and by the C replay test
//! (`galling-capi/c/replay_data.c`, `.incbin`). One layout, included by both Rust crates
//! (`#[path]`).
//!
//! | file | strokes | primary blob (words 4..21) | second blob (words 14, 15) |
//! |---|---|---|---|
//! | `strokes.bin` | 40, synthesised from the demo data's stroke means | `blob/published_fit.glng` (V8) | `blob/v7.glng` |
//! | `target/replay/precursor.bin` | 44 real recordings of `../shared/galling-data` (167.5 C strokes 0-23, 170 C strokes 0-19) | `blob/v8_precursor_fit.glng` (V8-P, fitted on the real data) | `blob/published_fit.glng` |
//!
//! Every field is a little-endian 32-bit word; `f32` fields are IEEE-754 bit patterns.
//!
//! | bytes | what |
//! |---|---|
//! | 0..4 | magic `GRPL` |
//! | 4..8 | format version, 2 |
//! | 8..12 | `S`, number of samples |
//! | 12..16 | `N`, number of strokes |
//! | 16..20 | the primary blob's id (its CRC-32, `PackageView::id`) |
//! | 20..24 | the second blob's id |
//! | 24.. | `S` samples of 12 bytes: `force_y` f32 (N), `force_z` f32 (N), `position` i32 (encoder counts, 1 nm) |
//! | 24 + 12 S.. | `N` strokes of 84 bytes (21 words, below) |
//!
//! The file is exactly `24 + 12 S + 84 N` bytes. Stroke words (`STROKE_*` byte offsets): 0 first
//! sample index, 1 sample count, 2 die temperature (f32, degC), 3 flags ([`FLAG_NEW_SERIES`],
//! [`FLAG_HAS_REPORT`], [`FLAG_RESTARTED`]); then what the host computed in f32 with the
//! `StrokeFeatureExtractor` (the primary blob's feature settings, the defaults for a blob without
//! features) and the monitor running the primary blob (`update_with_features`): 4 mean COF, 5 its
//! standard deviation, 6 samples in the window, 7 the report's stroke counter, 8 risk, 9 excess, 10
//! expected strokes, 11 transition log-likelihood (NaN on a series' first stroke), 12 signals (byte
//! 0 `hot_die`, 1 `onset_warning`, 2 `galling_detected`, 3 `press_must_stop`), 13 fault code; then
//! with the second blob on the same strokes: 14 risk, 15 transition log-likelihood; then the
//! stroke's features: 16 breakaway peak, 17 run-in high-COF share, 18 exit peak (f32), 19 run-in
//! samples, 20 exit samples. Words 4..21 are 0 when the stroke has no report.

/// Bytes 0..4.
pub const MAGIC: [u8; 4] = *b"GRPL";
/// Bytes 4..8.
pub const VERSION: u32 = 2;
/// Bytes of the header.
pub const HEADER_LEN: usize = 24;
/// Byte offset of the primary blob's id in the header.
pub const HEADER_BLOB_ID: usize = 16;
/// Byte offset of the second blob's id in the header.
pub const HEADER_SECOND_BLOB_ID: usize = 20;
/// Bytes of one sample.
pub const SAMPLE_LEN: usize = 12;
/// Bytes of one stroke.
pub const STROKE_LEN: usize = 84;

/// Flag: first stroke after a die change (the monitor starts a new series).
pub const FLAG_NEW_SERIES: u32 = 1;
/// Flag: the averager gave a mean and the monitor a report (else too few samples).
pub const FLAG_HAS_REPORT: u32 = 2;
/// Flag: the monitor was restarted before this stroke (new series or a stroke-counter gap).
pub const FLAG_RESTARTED: u32 = 4;

/// Byte offset of a stroke's first sample index (the stroke fields follow, 4 bytes each).
pub const STROKE_FIRST: usize = 0;
/// Byte offset of a stroke's sample count.
pub const STROKE_SAMPLES: usize = 4;
/// Byte offset of a stroke's die temperature.
pub const STROKE_TEMPERATURE: usize = 8;
/// Byte offset of a stroke's flags.
pub const STROKE_FLAGS: usize = 12;
/// Byte offset of a stroke's mean COF.
pub const STROKE_MEAN: usize = 16;
/// Byte offset of a stroke's COF standard deviation.
pub const STROKE_STD: usize = 20;
/// Byte offset of a stroke's number of samples in the window.
pub const STROKE_WINDOW_SAMPLES: usize = 24;
/// Byte offset of the report's stroke counter.
pub const STROKE_COUNTER: usize = 28;
/// Byte offset of the report's risk.
pub const STROKE_RISK: usize = 32;
/// Byte offset of the report's excess.
pub const STROKE_EXCESS: usize = 36;
/// Byte offset of the report's expected strokes.
pub const STROKE_EXPECTED_STROKES: usize = 40;
/// Byte offset of the report's transition log-likelihood.
pub const STROKE_LOG_PROB: usize = 44;
/// Byte offset of the report's four signals (one byte each).
pub const STROKE_SIGNALS: usize = 48;
/// Byte offset of the report's fault code.
pub const STROKE_FAULT: usize = 52;
/// Byte offset of the second blob's risk.
pub const STROKE_SECOND_RISK: usize = 56;
/// Byte offset of the second blob's transition log-likelihood.
pub const STROKE_SECOND_LOG_PROB: usize = 60;
/// Byte offset of the stroke's breakaway peak.
pub const STROKE_BREAKAWAY_PEAK: usize = 64;
/// Byte offset of the stroke's run-in high-COF share.
pub const STROKE_RUN_IN_HIGH_SHARE: usize = 68;
/// Byte offset of the stroke's exit peak.
pub const STROKE_EXIT_PEAK: usize = 72;
/// Byte offset of the stroke's run-in sample count.
pub const STROKE_RUN_IN_SAMPLES: usize = 76;
/// Byte offset of the stroke's exit sample count.
pub const STROKE_EXIT_SAMPLES: usize = 80;

/// The little-endian word at `offset` (usable in constants: the press application decodes the file
/// at compile time).
pub const fn word(bytes: &[u8], offset: usize) -> u32 {
    u32::from_le_bytes([
        bytes[offset],
        bytes[offset + 1],
        bytes[offset + 2],
        bytes[offset + 3],
    ])
}

/// Byte offset of sample `k`.
pub const fn sample_offset(k: usize) -> usize {
    HEADER_LEN + k * SAMPLE_LEN
}

/// Byte offset of stroke `i` in a file of `samples` samples.
pub const fn stroke_offset(samples: usize, i: usize) -> usize {
    HEADER_LEN + samples * SAMPLE_LEN + i * STROKE_LEN
}
