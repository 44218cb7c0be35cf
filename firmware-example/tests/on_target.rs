//! On-target tests: run on the emulated Cortex-M4F (QEMU mps2-an386) by `cargo test`, against golden
//! vectors computed on the host (`golden/*.rs`, from `cargo xtask generate` in the repository root).
//!
//! Ends with the line `N passed, M failed` and exit status 0 only when every test passed; a panic
//! or hard fault exits non-zero, a hang is ended by the runner's timeout.
#![no_std]
#![no_main]

use galling::averager::{SampleError, StrokeAverager, StrokeError, StrokeStats};
use galling::blob::{
    self, BlobError, FORMAT_VERSION, HEADER_LEN, LAYOUT_HASH, MODEL_V8, PARAMS_OFFSET, PackageView,
};
use galling::family::{AnyModel, ModelId, ModelParams};
use galling::features::{StrokeFeatureExtractor, StrokeFeatures};
use galling::monitor::{Monitor, StrokeReport, TemperatureRange};
use galling::rand_core::SeedableRng;
use galling::risk::{TABLE_CELLS, TABLE_TEMPERATURES, TableError};
use galling::signals::SettingsError;
use galling::{DefaultRng, Kernel, Model, V8Params};
use galling::{ParamError, ParamField};
use galling_firmware_example::golden::{
    FamilyGolden, FamilyReport, FamilyStroke, GoldenSample, GoldenStroke, GoldenStrokeF32,
    GoldenTrajectory, GoldenTransition,
};
use galling_firmware_example::harness::{self, Test};
use galling_firmware_example::stack;

mod golden {
    use super::*;
    include!("../golden/transitions.rs");
    include!("../golden/trajectories.rs");
    include!("../golden/strokes.rs");
    include!("../golden/strokes_f32.rs");
}

/// Every variant's blob and goldens (`golden/family.rs`, from
/// `cargo xtask generate` in the repository root: `host-train/xtask/src/family_golden.rs`).
mod family {
    use super::*;
    use galling::monitor::UpdateError;
    include!("../golden/family.rs");
}

/// The per-stroke monitor's golden reports, shared with the host test `tests/integration/monitor_golden.rs`
/// (written by `cargo xtask generate` in the repository root: `host-train/xtask/src/monitor_golden.rs`).
mod monitor_golden {
    use galling::monitor::UpdateError;
    include!("../../tests/golden/monitor_golden.rs");
}

/// Largest allowed difference from the host's log-probability: 1e-5 absolute, or relative for
/// magnitudes above 1 (an f32 at -500 has a spacing of 3e-5).
const LOG_PROB_TOLERANCE: f32 = 1e-5;

fn model() -> Model<f32> {
    // PUBLISHED_FIT is a valid parameter set (checked on the host by the core's own tests too).
    match Model::new(&V8Params::PUBLISHED_FIT) {
        Ok(m) => m,
        Err(_) => panic!("the published fit must be valid"),
    }
}

fn golden_log_probabilities_match_the_host() -> Result<(), &'static str> {
    let model = model();
    let (mut bad, mut identical) = (0u32, 0u32);
    let mut worst = 0.0_f32;
    for g in golden::TRANSITIONS {
        let s = model.landscape(g.temperature).score(g.mu, g.delta);
        let err = (s.log_prob - g.log_prob).abs();
        let posterior_err = (s.jump_posterior - g.jump_posterior).abs();
        worst = worst.max(err);
        if s.log_prob.to_bits() == g.log_prob.to_bits() {
            identical += 1;
        }
        // Written so that a NaN fails.
        let close = err <= LOG_PROB_TOLERANCE * g.log_prob.abs().max(1.0) && posterior_err <= 1e-5;
        if !close {
            bad += 1;
            defmt::error!(
                "{}: log_prob {} (host {}), jump_posterior {} (host {})",
                g.label,
                s.log_prob,
                g.log_prob,
                s.jump_posterior,
                g.jump_posterior
            );
        }
    }
    defmt::println!(
        "  {=usize} golden transitions, {=u32} bit-identical to the host, largest difference {=f32}",
        golden::TRANSITIONS.len(),
        identical,
        worst
    );
    if golden::TRANSITIONS.len() < 40 {
        return Err("too few golden transitions: regenerate them");
    }
    if bad == 0 {
        Ok(())
    } else {
        Err("log-probability differs from the host f32 value")
    }
}

fn seeded_trajectories_are_bit_identical_to_the_host() -> Result<(), &'static str> {
    let model = model();
    let mut buf = [0.0_f32; 256];
    for g in golden::TRAJECTORIES {
        let out = buf
            .get_mut(..g.cof_bits.len())
            .ok_or("golden trajectory longer than the buffer")?;
        model.landscape(g.temperature).simulate_into(
            g.start,
            &mut DefaultRng::seed_from_u64(g.seed),
            out,
        );
        if let Some(i) = out
            .iter()
            .zip(g.cof_bits)
            .position(|(c, b)| c.to_bits() != *b)
        {
            defmt::error!(
                "seed {=u64} at {=f32} C: stroke {=usize} is {=f32}, host {=f32}",
                g.seed,
                g.temperature,
                i,
                out[i],
                f32::from_bits(g.cof_bits[i])
            );
            return Err("trajectory differs from the host");
        }
    }
    Ok(())
}

/// The shipped blob (format 3, `GLNG`, V8), the same file the PARAMS region holds in an
/// `embed-blob` build and the host's monitor golden test reads.
const PUBLISHED_BLOB: &[u8] = include_bytes!("../blob/published_fit.glng");
/// The same blob with one table bit flipped (the CRC no longer matches).
const CORRUPT_BLOB: &[u8] = include_bytes!("../blob/corrupt_crc.glng");
/// Length of a V8 blob.
const V8_LEN: usize = blob::blob_len(ModelId::V8);

/// Offset of the survival table: the three per-temperature rows (hazard, expected strokes, typical
/// clean COF) come first in the table's entries.
const SURVIVAL_OFFSET: usize = blob::table_offset(ModelId::V8) + 3 * 4 * TABLE_TEMPERATURES;

/// A V8 blob to change: one per test, changed in place (the Cortex-M0 has room for two or three
/// 5.4 KB copies on its stack, not for one per case).
type V8Blob = [u8; V8_LEN];

/// Sets `b` to the shipped blob.
fn fresh(b: &mut V8Blob) -> Result<&mut V8Blob, &'static str> {
    if PUBLISHED_BLOB.len() != V8_LEN {
        return Err("blob/published_fit.glng is not a V8 blob of format 3: regenerate it");
    }
    b.copy_from_slice(PUBLISHED_BLOB);
    Ok(b)
}

/// Rewrites the CRC of a blob of `model` so that only the intended defect remains.
fn reseal_as(model: ModelId, b: &mut [u8]) {
    let at = blob::crc_offset(model);
    let crc = blob::crc32(&b[..at]);
    b[at..at + 4].copy_from_slice(&crc.to_le_bytes());
}

/// Rewrites the CRC of a V8 blob.
fn reseal(b: &mut V8Blob) -> &[u8] {
    reseal_as(ModelId::V8, b);
    b
}

/// `bytes` must be refused with exactly `want`, whose reported offset must be `offset`.
fn expect_error(bytes: &[u8], want: BlobError, offset: usize) -> Result<(), &'static str> {
    match PackageView::new(bytes) {
        Err(got) if got == want => {
            defmt::println!(
                "  refused as expected at byte {=usize}: {}",
                got.offset(),
                got
            );
            if got.offset() == offset {
                Ok(())
            } else {
                defmt::error!(
                    "{}: offset {=usize}, expected {=usize}",
                    got,
                    got.offset(),
                    offset
                );
                Err("blob error names the wrong byte offset")
            }
        }
        Err(got) => {
            defmt::error!("expected {}, got {}", want, got);
            Err("wrong blob error")
        }
        Ok(_) => Err("a defective blob was accepted"),
    }
}

/// Sets `b` to the shipped blob with `value` at `at`, re-sealed.
fn with_f32(b: &mut V8Blob, at: usize, value: f32) -> Result<&[u8], &'static str> {
    let b = fresh(b)?;
    b[at..at + 4].copy_from_slice(&value.to_le_bytes());
    Ok(reseal(b))
}

/// Encodes `view`'s package again and compares with `bytes` chunk by chunk, without a second copy
/// of the blob: the encoding is canonical, so what was decoded gives the same bytes back.
fn reencodes_to(view: &PackageView<'_>, bytes: &[u8]) -> bool {
    let package = view.to_package();
    let mut out = [0u8; blob::MAX_BLOB_LEN];
    match blob::encode_into(&package, &mut out) {
        Ok(n) => out.get(..n) == Some(bytes),
        Err(_) => false,
    }
}

/// The PARAMS region holds `blob/published_fit.glng`; viewed in place it is V8 with the published
/// fit bit for bit, a table over 160-170 C with threshold 0.50 and horizon 10; the view borrows the
/// table from flash (nothing copied) and re-encodes to the flashed bytes.
fn flashed_blob_decodes_to_the_published_fit() -> Result<(), &'static str> {
    let region = galling_firmware_example::params_region();
    if region.get(..PUBLISHED_BLOB.len()) != Some(PUBLISHED_BLOB) {
        return Err("the PARAMS flash region does not hold blob/published_fit.glng");
    }
    let package = PackageView::new(region).map_err(|_| "the flashed blob was refused")?;
    let same = package
        .params()
        .values()
        .iter()
        .zip(V8Params::PUBLISHED_FIT.to_array())
        .all(|(a, b)| a.to_bits() == b.to_bits());
    if package.params().model() != ModelId::V8 || !same {
        return Err("decoded parameters differ from the published fit");
    }
    let spec = package.table().spec();
    if package.table().temperature_range() != (160.0, 170.0)
        || spec.threshold != 0.5
        || spec.horizon != 10
    {
        return Err("decoded table is not over 160-170 C with threshold 0.50 and horizon 10");
    }
    let entries = package.table().entries().as_ptr();
    if entries != region[blob::table_offset(ModelId::V8)..].as_ptr() {
        return Err("the view's risk table is not the one in flash: it was copied");
    }
    if !reencodes_to(&package, &region[..V8_LEN]) {
        return Err("re-encoding the viewed package does not give the flashed blob");
    }
    Ok(())
}

fn truncated_blob_is_refused() -> Result<(), &'static str> {
    let b = PUBLISHED_BLOB;
    for len in [0, 3, 4, HEADER_LEN - 1] {
        let want = BlobError::Truncated {
            needed: HEADER_LEN,
            found: len,
        };
        if PackageView::new(&b[..len]) != Err(want) {
            defmt::error!("{=usize} bytes: not reported as Truncated", len);
            return Err("truncated header not reported as Truncated");
        }
    }
    for len in [HEADER_LEN, blob::crc_offset(ModelId::V8), V8_LEN - 1] {
        let want = BlobError::Truncated {
            needed: V8_LEN,
            found: len,
        };
        if PackageView::new(&b[..len]) != Err(want) {
            defmt::error!("{=usize} bytes: not reported as Truncated", len);
            return Err("truncated blob not reported as Truncated");
        }
    }
    expect_error(
        &b[..V8_LEN - 1],
        BlobError::Truncated {
            needed: V8_LEN,
            found: V8_LEN - 1,
        },
        V8_LEN - 1,
    )
}

fn erased_flash_is_bad_magic() -> Result<(), &'static str> {
    expect_error(&[0xFF; 128], BlobError::BadMagic { found: [0xFF; 4] }, 0)?;
    let mut b = [0; V8_LEN];
    let b = fresh(&mut b)?;
    b[0] = b'X';
    expect_error(b, BlobError::BadMagic { found: *b"XLNG" }, 0)
}

fn version_1_and_2_blobs_are_refused() -> Result<(), &'static str> {
    // A format-1 blob: magic V8GP, version 1, parameters only (74 bytes).
    let mut b = [0u8; 74];
    b[..4].copy_from_slice(b"V8GP");
    b[4..6].copy_from_slice(&1u16.to_le_bytes());
    expect_error(&b, BlobError::Version1, 0)?;
    // A format-2 header: GLNG, version 2.
    let mut b = [0; V8_LEN];
    let b = fresh(&mut b)?;
    b[4..6].copy_from_slice(&2u16.to_le_bytes());
    expect_error(b, BlobError::Version2, 4)
}

fn header_mismatches_are_refused() -> Result<(), &'static str> {
    let mut b = [0; V8_LEN];
    fresh(&mut b)?[4..6].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    expect_error(
        reseal(&mut b),
        BlobError::UnsupportedVersion {
            found: FORMAT_VERSION + 1,
            supported: FORMAT_VERSION,
        },
        4,
    )?;
    // Ids 1 to 5 are the family (V8, V8-13, V9, V7, V8-P); the next one is unknown.
    let unknown = ModelId::ALL.len() as u8 + 1;
    if fresh(&mut b)?[6] != MODEL_V8 {
        return Err("the shipped blob is not a V8 blob");
    }
    b[6] = unknown;
    expect_error(
        reseal(&mut b),
        BlobError::UnknownModel { found: unknown },
        6,
    )?;
    let other = LAYOUT_HASH ^ 0x0101_0101;
    fresh(&mut b)?[7..11].copy_from_slice(&other.to_le_bytes());
    expect_error(
        reseal(&mut b),
        BlobError::LayoutMismatch {
            found: other,
            expected: LAYOUT_HASH,
        },
        7,
    )?;
    fresh(&mut b)?[11..15].copy_from_slice(&(V8_LEN as u32 + 4).to_le_bytes());
    expect_error(
        reseal(&mut b),
        BlobError::LengthMismatch {
            found: V8_LEN as u32 + 4,
            expected: V8_LEN as u32,
        },
        11,
    )?;
    // A parameter count of 14 under an intact CRC: refused at its byte (V8 has 15).
    fresh(&mut b)?[HEADER_LEN] = 14;
    expect_error(
        reseal(&mut b),
        BlobError::ParamCount {
            found: 14,
            expected: 15,
        },
        HEADER_LEN,
    )
}

fn crc_mismatch_is_refused() -> Result<(), &'static str> {
    let at = blob::crc_offset(ModelId::V8);
    let mut b = [0; V8_LEN];
    let b = fresh(&mut b)?;
    let stored = u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    // One bit of a survival entry in the middle of the table.
    b[SURVIVAL_OFFSET + 4 * (10 * TABLE_CELLS + 30)] ^= 0x04;
    let computed = blob::crc32(&b[..at]);
    expect_error(
        b,
        BlobError::CrcMismatch {
            stored,
            computed,
            at: at as u32,
        },
        at,
    )?;
    // The shipped corrupted blob (what ci.sh flashes to check the safe stop).
    match PackageView::new(CORRUPT_BLOB) {
        Err(BlobError::CrcMismatch {
            stored, computed, ..
        }) if stored != computed => Ok(()),
        _ => Err("blob/corrupt_crc.glng is not refused with CrcMismatch"),
    }
}

fn invalid_params_are_refused() -> Result<(), &'static str> {
    let mut b = [0; V8_LEN];
    let at = PARAMS_OFFSET + 4 * ParamField::Tau.index();
    expect_error(
        with_f32(&mut b, at, f32::NAN)?,
        BlobError::InvalidParams(ModelId::V8, ParamError::NotFinite("tau")),
        at,
    )?;
    let b = fresh(&mut b)?;
    let (l, h) = (PARAMS_OFFSET, PARAMS_OFFSET + 4);
    let mu_l: [u8; 4] = b[l..l + 4].try_into().map_err(|_| "slice")?;
    let mu_h: [u8; 4] = b[h..h + 4].try_into().map_err(|_| "slice")?;
    b[l..l + 4].copy_from_slice(&mu_h);
    b[h..h + 4].copy_from_slice(&mu_l);
    expect_error(
        reseal(b),
        BlobError::InvalidParams(ModelId::V8, ParamError::WellsNotOrdered),
        PARAMS_OFFSET,
    )
}

fn invalid_settings_are_refused() -> Result<(), &'static str> {
    let settings = blob::settings_offset(ModelId::V8);
    let mut b = [0; V8_LEN];
    // hot_die_target (the first setting) must be a probability strictly between 0 and 1.
    expect_error(
        with_f32(&mut b, settings, 1.5)?,
        BlobError::InvalidSettings(ModelId::V8, SettingsError::HotDieTarget),
        settings,
    )?;
    // onset_clear (bytes 8..12 of the settings) above onset_raise.
    expect_error(
        with_f32(&mut b, settings + 8, 50.0)?,
        BlobError::InvalidSettings(ModelId::V8, SettingsError::OnsetLevels),
        settings + 4,
    )?;
    // onset_confirm (byte 12) above onset_window (byte 13).
    let onset = fresh(&mut b)?;
    onset[settings + 12] = 5;
    onset[settings + 13] = 3;
    expect_error(
        reseal(onset),
        BlobError::InvalidSettings(ModelId::V8, SettingsError::OnsetConfirmation),
        settings + 12,
    )?;
    // recover_cof (bytes 16..20) above the 0.50 galling threshold.
    expect_error(
        with_f32(&mut b, settings + 16, 0.6)?,
        BlobError::InvalidSettings(ModelId::V8, SettingsError::RecoverCof),
        settings + 16,
    )
}

fn invalid_table_is_refused() -> Result<(), &'static str> {
    // The galling threshold (bytes 8..12 of the table specification).
    let spec = blob::spec_offset(ModelId::V8);
    let mut b = [0; V8_LEN];
    expect_error(
        with_f32(&mut b, spec + 8, 2.0)?,
        BlobError::InvalidTable(ModelId::V8, TableError::Threshold),
        spec + 8,
    )?;
    // Hot-die hazard of table temperature 4 (the hazards open the entries).
    let at = blob::table_offset(ModelId::V8) + 4 * 4;
    expect_error(
        with_f32(&mut b, at, -0.5)?,
        BlobError::InvalidTable(ModelId::V8, TableError::Hazard { row: 4 }),
        at,
    )?;
    // Survival of temperature 3, COF cell 7.
    let at = SURVIVAL_OFFSET + 4 * (3 * TABLE_CELLS + 7);
    expect_error(
        with_f32(&mut b, at, 2.0)?,
        BlobError::InvalidTable(ModelId::V8, TableError::Survival { row: 3, column: 7 }),
        at,
    )
}

fn check_stroke(g: &GoldenStroke) -> Result<(), &'static str> {
    let mut avg = StrokeAverager::<f32>::default();
    let mut refused = 0u32;
    for &GoldenSample {
        force_y,
        force_z,
        position,
    } in g.samples
    {
        match avg.push_forces(force_y, force_z, position) {
            Ok(()) => {}
            Err(SampleError::NotFinite | SampleError::ZeroNormalForce) => refused += 1,
            Err(_) => return Err("unexpected sample error"),
        }
    }
    if refused != g.refused {
        defmt::error!(
            "{}: {=u32} samples refused, host {=u32}",
            g.label,
            refused,
            g.refused
        );
        return Err("refused samples differ from the host");
    }
    match avg.finish() {
        Ok(st) => {
            let mean_err = (f64::from(st.mean) - g.mean).abs();
            let std_err = (f64::from(st.std) - g.std).abs();
            defmt::println!(
                "  {}: mean {=f32} (host {=f64}), std {=f32} (host {=f64}), {=u32} samples",
                g.label,
                st.mean,
                g.mean,
                st.std,
                g.std,
                st.samples
            );
            if st.samples != g.kept {
                return Err("kept samples differ from the host");
            }
            let close = mean_err <= 1e-6 && std_err <= 1e-6; // false for NaN
            if !close {
                return Err(
                    "f32 stroke statistics differ from the host f64 values by more than 1e-6",
                );
            }
            Ok(())
        }
        Err(StrokeError::TooFewSamples { kept, .. }) if g.kept < 2 && kept == g.kept => {
            if g.mean.is_nan() {
                Ok(())
            } else {
                Err("host had statistics for this stroke")
            }
        }
        Err(_) => Err("stroke refused, the host accepted it"),
    }
}

fn stroke_averager_matches_host_f64() -> Result<(), &'static str> {
    if golden::STROKES.len() < 4 {
        return Err("too few golden strokes: regenerate them");
    }
    golden::STROKES.iter().try_for_each(check_stroke)
}

/// The bits of every value of a stroke's statistics (`==` would take -0.0 for 0.0 and fail on NaN).
fn stats_bits(s: &StrokeStats<f32>) -> (u32, u32, u32) {
    (s.mean.to_bits(), s.std.to_bits(), s.samples)
}

/// The bits of every value of a stroke's features.
fn features_bits(f: &StrokeFeatures<f32>) -> [u32; 8] {
    [
        f.mean.to_bits(),
        f.std.to_bits(),
        f.samples,
        f.breakaway_peak.to_bits(),
        f.run_in_high_share.to_bits(),
        f.run_in_samples,
        f.exit_peak.to_bits(),
        f.exit_samples,
    ]
}

/// The synthetic strokes through the f32 averager and the f32 feature extractor (default settings)
/// give what the host's f32 gave, bit for bit: refusals, mean, std, sample counts, breakaway peak,
/// run-in high share, exit peak, and the error of a stroke with too few samples. On the Cortex-M0
/// every float operation is the compiler's soft-float routine, on the Cortex-M4F the FPU.
fn stroke_statistics_and_features_are_bit_identical_to_the_host() -> Result<(), &'static str> {
    if golden::STROKES_F32.len() != golden::STROKES.len() || golden::STROKES.len() < 4 {
        return Err("golden/strokes_f32.rs does not match golden/strokes.rs: regenerate them");
    }
    let mut bad = 0u32;
    for (g, want) in golden::STROKES.iter().zip(golden::STROKES_F32) {
        if g.label != want.label {
            return Err("golden/strokes_f32.rs is in another order than golden/strokes.rs");
        }
        let mut avg = StrokeAverager::<f32>::default();
        let mut ex = StrokeFeatureExtractor::<f32>::default();
        let (mut avg_refused, mut ex_refused) = (0u32, 0u32);
        for s in g.samples {
            avg_refused += u32::from(avg.push_forces(s.force_y, s.force_z, s.position).is_err());
            ex_refused += u32::from(ex.push_forces(s.force_y, s.force_z, s.position).is_err());
        }
        let averaged = avg.finish();
        let features = ex.finish();
        let same_stats = match (&averaged, &want.averaged) {
            (Ok(a), Ok(b)) => stats_bits(a) == stats_bits(b),
            (Err(a), Err(b)) => a == b,
            _ => false,
        };
        let same_features = match (&features, &want.features) {
            (Ok(a), Ok(b)) => features_bits(a) == features_bits(b),
            (Err(a), Err(b)) => a == b,
            _ => false,
        };
        if !(same_stats
            && same_features
            && avg_refused == want.averager_refused
            && ex_refused == want.extractor_refused)
        {
            bad += 1;
            defmt::error!(
                "{=str}: averager {} (host {}), refused {=u32} (host {=u32}); features {} (host {}), refused {=u32} (host {=u32})",
                g.label,
                defmt::Debug2Format(&averaged),
                defmt::Debug2Format(&want.averaged),
                avg_refused,
                want.averager_refused,
                defmt::Debug2Format(&features),
                defmt::Debug2Format(&want.features),
                ex_refused,
                want.extractor_refused
            );
        }
    }
    defmt::println!(
        "  {=usize} strokes through the f32 averager and feature extractor, {=u32} differ from the host",
        golden::STROKES_F32.len(),
        bad
    );
    if bad == 0 {
        Ok(())
    } else {
        Err("f32 stroke statistics or features differ from the host's f32")
    }
}

/// Every field the host's golden test compares (`../tests/monitor_golden.rs`), bit for bit, plus the
/// temperature-range status (derived from the golden temperature and the table's 160-170 C range).
fn same_as_host(
    r: &StrokeReport,
    g: &monitor_golden::GoldenStroke,
    want: &monitor_golden::GoldenReport,
) -> bool {
    let bits = |x: Option<f32>| x.map(f32::to_bits);
    let t = r.transition;
    let range = if g.temperature < 160.0 {
        TemperatureRange::BelowTrained
    } else if g.temperature > 170.0 {
        TemperatureRange::AboveTrained
    } else {
        TemperatureRange::Inside
    };
    bits(t.map(|t| t.log_prob)) == bits(want.log_prob)
        && bits(t.map(|t| t.jump_posterior)) == bits(want.jump_posterior)
        && r.model_temperature.to_bits() == want.model_temperature.to_bits()
        && r.risk.to_bits() == want.risk.to_bits()
        && r.excess.to_bits() == want.excess.to_bits()
        && r.hot_die.hazard.risk.to_bits() == want.hazard.to_bits()
        && r.hot_die.hazard.expected_strokes.to_bits() == want.expected_strokes.to_bits()
        && r.hot_die.active == want.hot_die
        && r.onset_warning.active == want.onset_warning
        && r.galling.active == want.galling
        && r.temperature_range == range
        && r.fault.is_none()
}

/// The monitor, running the shipped blob viewed in place in the PARAMS flash region (nothing
/// copied), replays the golden sequence (3 strokes at 150 C
/// below the trained range, 12 at 165 C, 1 at 172 C above it, 24 at 170 C where galling starts, three
/// invalid inputs) and reports, bit for bit, what the host's f32 monitor reported; a rejected stroke
/// leaves the monitor unchanged (`==`), and the sequence exercises all three signals.
fn monitor_reports_match_the_host() -> Result<(), &'static str> {
    // The blob where the firmware reads it: the PARAMS flash region (`embed-blob`), viewed in place.
    let region = galling_firmware_example::params_region();
    if region.get(..PUBLISHED_BLOB.len()) != Some(PUBLISHED_BLOB) {
        return Err("the PARAMS flash region does not hold blob/published_fit.glng");
    }
    let package = PackageView::new(region).map_err(|_| "the flashed blob was refused")?;
    let mut monitor = Monitor::new(package);
    let (mut rejected, mut bad) = (0u32, 0u32);
    let (mut warned, mut galled, mut hot, mut cold) = (false, false, false, false);
    for (i, g) in monitor_golden::GOLDEN_STROKES.iter().enumerate() {
        let before = monitor;
        match (monitor.update(g.stroke, g.temperature, g.cof), g.expected) {
            (Ok(r), Ok(want)) => {
                if !same_as_host(&r, g, &want) {
                    bad += 1;
                    defmt::error!(
                        "stroke row {=usize}: risk {=f32} (host {=f32}), excess {=f32} (host {=f32}), hazard {=f32} (host {=f32}), signals {=bool}/{=bool}/{=bool} (host {=bool}/{=bool}/{=bool}), range {}",
                        i,
                        r.risk,
                        want.risk,
                        r.excess,
                        want.excess,
                        r.hot_die.hazard.risk,
                        want.hazard,
                        r.hot_die.active,
                        r.onset_warning.active,
                        r.galling.active,
                        want.hot_die,
                        want.onset_warning,
                        want.galling,
                        r.temperature_range
                    );
                }
                warned |= r.onset_warning.active;
                galled |= r.galling.active;
                hot |= r.hot_die.active;
                cold |= g.temperature < 160.0 && !r.hot_die.active && !r.onset_warning.active;
            }
            (Err(e), Err(want)) => {
                if e != want || monitor != before {
                    bad += 1;
                    defmt::error!(
                        "stroke row {=usize}: rejection {} (host {}) or it changed the monitor",
                        i,
                        e,
                        want
                    );
                }
                rejected += 1;
            }
            (Ok(_), Err(want)) => {
                bad += 1;
                defmt::error!(
                    "stroke row {=usize}: accepted, the host rejected it: {}",
                    i,
                    want
                );
            }
            (Err(e), Ok(_)) => {
                bad += 1;
                defmt::error!(
                    "stroke row {=usize}: rejected ({}), the host accepted it",
                    i,
                    e
                );
            }
        }
    }
    defmt::println!(
        "  {=usize} monitor strokes replayed, {=u32} rejected as on the host; hot die {=bool}, onset warning {=bool}, galling detected {=bool}, cold die quiet {=bool}",
        monitor_golden::GOLDEN_STROKES.len(),
        rejected,
        hot,
        warned,
        galled,
        cold
    );
    if rejected != 3 || !(warned && galled && hot && cold) {
        return Err(
            "golden sequence no longer has its 3 rejections, all three signals and a quiet cold die: regenerate it",
        );
    }
    if bad == 0 {
        Ok(())
    } else {
        Err("monitor reports differ from the host")
    }
}

/// The family entry of `model` (every variant has one).
fn family_entry(model: ModelId) -> Result<&'static FamilyGolden, &'static str> {
    family::FAMILY
        .iter()
        .find(|f| f.model_id == model.to_u8())
        .ok_or("golden/family.rs lacks a variant: regenerate it")
}

/// Every variant's blob (V8, V8-13, V9, V7; V8-P has none yet) decodes to its variant, its parameters bit for bit and a
/// table over 160-170 C, and re-encodes to the same bytes.
fn every_variant_blob_decodes_to_its_parameters() -> Result<(), &'static str> {
    // V8-P's blob is not among the firmware's files (its parameters are fitted by the trainer on
    // the real data).
    for model in ModelId::ALL
        .into_iter()
        .filter(|&m| m != ModelId::V8Precursor)
    {
        let f = family_entry(model)?;
        let package = PackageView::new(f.blob).map_err(|e| {
            defmt::error!("{=str}: {}", f.key, e);
            "a variant's blob was refused"
        })?;
        let params: &ModelParams<f32> = package.params();
        let same = params.values().len() == f.params.len()
            && params
                .values()
                .iter()
                .zip(f.params)
                .all(|(a, b)| a.to_bits() == *b);
        if params.model() != model || model.key() != f.key || !same {
            defmt::error!(
                "{=str}: decoded {} with {=usize} parameters",
                f.key,
                params.model(),
                params.len()
            );
            return Err("a variant's blob decodes to other parameters than the host's");
        }
        if package.table().temperature_range() != (160.0, 170.0) {
            return Err("a variant's table is not over 160-170 C");
        }
        if !reencodes_to(&package, f.blob) {
            return Err("re-encoding a variant's package does not give its blob");
        }
        defmt::println!(
            "  {} ({=usize} parameters, layout {=u32:#010x}): decoded and re-encoded bit for bit",
            model,
            params.len(),
            blob::layout_hash(model)
        );
    }
    Ok(())
}

/// Every variant's kernel, built from its golden parameters (what its blob decodes to:
/// `every_variant_blob_decodes_to_its_parameters`), scores the golden transitions bit for bit as the
/// host's f32 did (log-probability and jump posterior). On the Cortex-M0 in soft float too.
fn every_variant_log_probability_is_bit_identical() -> Result<(), &'static str> {
    for f in family::FAMILY {
        let id =
            ModelId::from_u8(f.model_id).ok_or("golden/family.rs names an unknown model id")?;
        let mut values = [0.0_f32; galling::family::MAX_PARAMS];
        let values = values
            .get_mut(..f.params.len())
            .ok_or("golden/family.rs has more parameters than any variant")?;
        for (v, b) in values.iter_mut().zip(f.params) {
            *v = f32::from_bits(*b);
        }
        let params =
            ModelParams::new(id, values).ok_or("a variant's golden parameter count is wrong")?;
        let model =
            AnyModel::new(&params).map_err(|_| "a variant's golden parameters are invalid")?;
        let mut bad = 0u32;
        for g in f.transitions {
            let s = model.landscape(g.temperature).score(g.mu, g.delta);
            if s.log_prob.to_bits() != g.log_prob.to_bits()
                || s.jump_posterior.to_bits() != g.jump_posterior.to_bits()
            {
                bad += 1;
                defmt::error!(
                    "{=str} {=str}: log_prob {=f32} (host {=f32}), jump posterior {=f32} (host {=f32})",
                    f.key,
                    g.label,
                    s.log_prob,
                    g.log_prob,
                    s.jump_posterior,
                    g.jump_posterior
                );
            }
        }
        defmt::println!(
            "  {=str}: {=usize} transitions, {=u32} differ from the host",
            f.key,
            f.transitions.len(),
            bad
        );
        if f.transitions.len() < 40 {
            return Err("too few golden transitions for a variant: regenerate them");
        }
        if bad != 0 {
            return Err("a variant's log-probability differs from the host f32 value");
        }
    }
    Ok(())
}

/// Every report field of a variant's golden stroke, bit for bit (and the temperature range of the
/// 160-170 C table, no fault).
fn same_as_family(r: &StrokeReport, g: &FamilyStroke, want: &FamilyReport) -> bool {
    let bits = |x: Option<f32>| x.map(f32::to_bits);
    let t = r.transition;
    let range = if g.temperature < 160.0 {
        TemperatureRange::BelowTrained
    } else if g.temperature > 170.0 {
        TemperatureRange::AboveTrained
    } else {
        TemperatureRange::Inside
    };
    bits(t.map(|t| t.log_prob)) == bits(want.log_prob)
        && bits(t.map(|t| t.jump_posterior)) == bits(want.jump_posterior)
        && r.model_temperature.to_bits() == want.model_temperature.to_bits()
        && r.risk.to_bits() == want.risk.to_bits()
        && r.excess.to_bits() == want.excess.to_bits()
        && r.hot_die.hazard.risk.to_bits() == want.hazard.to_bits()
        && r.hot_die.hazard.expected_strokes.to_bits() == want.expected_strokes.to_bits()
        && r.hot_die.active == want.hot_die
        && r.onset_warning.active == want.onset_warning
        && r.galling.active == want.galling
        && r.temperature_range == range
        && r.fault.is_none()
}

/// The monitor running each variant's blob replays the variant's golden stroke sequence and reports
/// bit for bit what the host's f32 monitor reported; both rejections match and leave the monitor
/// unchanged.
fn every_variant_monitor_matches_the_host() -> Result<(), &'static str> {
    for f in family::FAMILY {
        let package = PackageView::new(f.blob).map_err(|_| "a variant's blob was refused")?;
        let mut monitor = Monitor::new(package);
        let (mut bad, mut rejected, mut galled) = (0u32, 0u32, false);
        for (i, g) in f.strokes.iter().enumerate() {
            let before = monitor;
            let ok = match (monitor.update(g.stroke, g.temperature, g.cof), g.expected) {
                (Ok(r), Ok(want)) => {
                    galled |= r.galling.active;
                    same_as_family(&r, g, &want)
                }
                (Err(e), Err(want)) => {
                    rejected += 1;
                    e == want && monitor == before
                }
                _ => false,
            };
            if !ok {
                bad += 1;
                defmt::error!(
                    "{=str}: stroke row {=usize} differs from the host",
                    f.key,
                    i
                );
            }
        }
        defmt::println!(
            "  {=str}: {=usize} strokes, {=u32} rejected as on the host, galling detected {=bool}, {=u32} differ",
            f.key,
            f.strokes.len(),
            rejected,
            galled,
            bad
        );
        if rejected != 2 || f.strokes.len() < 25 {
            return Err("a variant's golden sequence lost its rejections: regenerate it");
        }
        if bad != 0 {
            return Err("a variant's monitor reports differ from the host");
        }
    }
    Ok(())
}

/// Blob errors that depend on the variant: V7's and V9's parameter names and offsets, and a header
/// that names another variant than the blob's layout.
fn variant_blob_errors_name_the_variant() -> Result<(), &'static str> {
    let mut b = [0u8; blob::MAX_BLOB_LEN];
    // `model`'s blob with `value` at `at`, re-sealed, in `b`.
    fn with(b: &mut [u8], model: ModelId, at: usize, value: f32) -> Result<&[u8], &'static str> {
        let f = family_entry(model)?.blob;
        let b = b
            .get_mut(..f.len())
            .ok_or("a variant's blob is longer than MAX_BLOB_LEN")?;
        b.copy_from_slice(f);
        b[at..at + 4].copy_from_slice(&value.to_le_bytes());
        reseal_as(model, b);
        Ok(b)
    }
    // V7: a NaN in its 5th coefficient (c0) is named by V7's name and offset.
    let at = PARAMS_OFFSET + 4 * 4;
    let name = ModelId::V7.variant().fields[4].name;
    expect_error(
        with(&mut b, ModelId::V7, at, f32::NAN)?,
        BlobError::InvalidParams(ModelId::V7, ParamError::NotFinite(name)),
        at,
    )?;
    // V9's `k` (index 2) infinite: named "k".
    let at = PARAMS_OFFSET + 4 * 2;
    expect_error(
        with(&mut b, ModelId::V9, at, f32::INFINITY)?,
        BlobError::InvalidParams(ModelId::V9, ParamError::NotFinite("k")),
        at,
    )?;
    // A V9 blob whose header says V8 (id 1): the layout hash (V9's) is not V8's; with V8's hash
    // written too, the length (V9's) is not V8's.
    let v9 = family_entry(ModelId::V9)?.blob;
    let b = b
        .get_mut(..v9.len())
        .ok_or("a variant's blob is longer than MAX_BLOB_LEN")?;
    b.copy_from_slice(v9);
    b[6] = ModelId::V8.to_u8();
    expect_error(
        b,
        BlobError::LayoutMismatch {
            found: blob::layout_hash(ModelId::V9),
            expected: blob::layout_hash(ModelId::V8),
        },
        7,
    )?;
    b[7..11].copy_from_slice(&blob::layout_hash(ModelId::V8).to_le_bytes());
    expect_error(
        b,
        BlobError::LengthMismatch {
            found: v9.len() as u32,
            expected: V8_LEN as u32,
        },
        11,
    )
}

/// The runner (`qemu-run.sh`, which picks the board from the ELF) started the core this binary was
/// built for: a Cortex-M0 (CPUID part number 0xC20, QEMU microbit) for `thumbv6m-none-eabi`, a
/// Cortex-M4 (0xC24, QEMU mps2-an386) otherwise. A Cortex-M4 runs Cortex-M0 code too, so a wrong
/// pick would otherwise pass unnoticed.
fn runs_on_the_core_it_was_built_for() -> Result<(), &'static str> {
    const CPUID: *const u32 = 0xE000_ED00 as *const u32;
    // SAFETY: the System Control Block's CPUID register, read-only, present on every Cortex-M.
    let cpuid = unsafe { core::ptr::read_volatile(CPUID) };
    let part = (cpuid >> 4) & 0xFFF;
    let expected = if cfg!(microbit) { 0xC20 } else { 0xC24 };
    defmt::println!("  CPUID {=u32:#010x}: part number {=u32:#x}", cpuid, part);
    if part == expected {
        Ok(())
    } else {
        Err("the runner started another core than the one this binary was built for")
    }
}

/// Runs last: the stack, painted before the first test, never reached the end of its region (the
/// end of static RAM). cortex-m-rt puts the stack above the statics with no guard, so an overflow
/// would overwrite them silently instead of faulting; on the Cortex-M0's 16 KiB it is the test that
/// says the tests above ran in the RAM the part has.
fn stack_stayed_within_its_region() -> Result<(), &'static str> {
    let (used, capacity) = (stack::high_water_mark(), stack::capacity());
    defmt::println!(
        "  stack high-water mark of the tests: {=usize} B of {=usize} B",
        used,
        capacity
    );
    if used < capacity {
        Ok(())
    } else {
        Err("the stack reached the end of its region: it overwrote static RAM")
    }
}

const TESTS: &[Test] = &[
    Test {
        name: "runs_on_the_core_it_was_built_for",
        run: runs_on_the_core_it_was_built_for,
    },
    Test {
        name: "every_variant_blob_decodes_to_its_parameters",
        run: every_variant_blob_decodes_to_its_parameters,
    },
    Test {
        name: "every_variant_log_probability_is_bit_identical",
        run: every_variant_log_probability_is_bit_identical,
    },
    Test {
        name: "every_variant_monitor_matches_the_host",
        run: every_variant_monitor_matches_the_host,
    },
    Test {
        name: "variant_blob_errors_name_the_variant",
        run: variant_blob_errors_name_the_variant,
    },
    Test {
        name: "monitor_reports_match_the_host",
        run: monitor_reports_match_the_host,
    },
    Test {
        name: "golden_log_probabilities_match_the_host",
        run: golden_log_probabilities_match_the_host,
    },
    Test {
        name: "seeded_trajectories_are_bit_identical_to_the_host",
        run: seeded_trajectories_are_bit_identical_to_the_host,
    },
    Test {
        name: "flashed_blob_decodes_to_the_published_fit",
        run: flashed_blob_decodes_to_the_published_fit,
    },
    Test {
        name: "truncated_blob_is_refused",
        run: truncated_blob_is_refused,
    },
    Test {
        name: "erased_flash_is_bad_magic",
        run: erased_flash_is_bad_magic,
    },
    Test {
        name: "version_1_and_2_blobs_are_refused",
        run: version_1_and_2_blobs_are_refused,
    },
    Test {
        name: "header_mismatches_are_refused",
        run: header_mismatches_are_refused,
    },
    Test {
        name: "crc_mismatch_is_refused",
        run: crc_mismatch_is_refused,
    },
    Test {
        name: "invalid_params_are_refused",
        run: invalid_params_are_refused,
    },
    Test {
        name: "invalid_settings_are_refused",
        run: invalid_settings_are_refused,
    },
    Test {
        name: "invalid_table_is_refused",
        run: invalid_table_is_refused,
    },
    Test {
        name: "stroke_averager_matches_host_f64",
        run: stroke_averager_matches_host_f64,
    },
    Test {
        name: "stroke_statistics_and_features_are_bit_identical_to_the_host",
        run: stroke_statistics_and_features_are_bit_identical_to_the_host,
    },
    Test {
        name: "stack_stayed_within_its_region",
        run: stack_stayed_within_its_region,
    },
];

#[cortex_m_rt::entry]
fn main() -> ! {
    #[cfg(not(microbit))]
    defmt::println!("on-target tests: galling core on Cortex-M4F (QEMU mps2-an386)");
    #[cfg(microbit)]
    defmt::println!(
        "on-target tests: galling core on Cortex-M0, soft float (QEMU microbit, nRF51822, 16 KiB RAM)"
    );
    stack::paint();
    harness::run(TESTS)
}
