//! On-target tests: run on the emulated Cortex-M4F (QEMU mps2-an386) by `cargo test`, against golden
//! vectors computed on the host (`golden/*.rs`, from `examples/golden_vectors.rs`).
//!
//! Ends with the line `N passed, M failed` and exit status 0 only when every test passed; a panic
//! or hard fault exits non-zero, a hang is ended by the runner's timeout.
#![no_std]
#![no_main]

use galling::averager::{SampleError, StrokeAverager, StrokeError};
use galling::blob::{
    self, BLOB_LEN, BlobError, CRC_OFFSET, FORMAT_VERSION, HEADER_LEN, LAYOUT_HASH,
};
use galling::rand_core::SeedableRng;
use galling::{DefaultRng, Model, ParamError, ParamField, V8Params};
use galling_firmware_example::golden::{
    GoldenSample, GoldenStroke, GoldenTrajectory, GoldenTransition,
};
use galling_firmware_example::harness::{self, Test};

mod golden {
    use super::*;
    include!("../golden/transitions.rs");
    include!("../golden/trajectories.rs");
    include!("../golden/strokes.rs");
}

/// The per-stroke monitor's golden reports, shared with the host test `tests/monitor_golden.rs`
/// (written by `cargo run --example monitor_golden --features std` in the repository root).
mod monitor_golden {
    use galling::alarm::{AlarmLevel, AlarmReason};
    use galling::monitor::StrokeError;
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

fn good_blob() -> [u8; BLOB_LEN] {
    match blob::encode(&V8Params::PUBLISHED_FIT) {
        Ok(b) => b,
        Err(_) => panic!("the published fit encodes"),
    }
}

/// Rewrites the CRC so that only the intended defect remains.
fn reseal(mut b: [u8; BLOB_LEN]) -> [u8; BLOB_LEN] {
    let crc = blob::crc32(&b[..CRC_OFFSET]);
    b[CRC_OFFSET..].copy_from_slice(&crc.to_le_bytes());
    b
}

fn expect_error(bytes: &[u8], want: BlobError) -> Result<(), &'static str> {
    match blob::decode(bytes) {
        Err(got) if got == want => {
            defmt::println!("  refused as expected: {}", got);
            Ok(())
        }
        Err(got) => {
            defmt::error!("expected {}, got {}", want, got);
            Err("wrong blob error")
        }
        Ok(_) => Err("a corrupted blob was accepted"),
    }
}

fn flashed_blob_decodes_to_the_published_fit() -> Result<(), &'static str> {
    let region = galling_firmware_example::params_region();
    if region.get(..BLOB_LEN) != Some(&good_blob()[..]) {
        return Err("the PARAMS flash region does not hold the published fit's blob");
    }
    let params = blob::decode(region).map_err(|_| "the flashed blob was refused")?;
    let same = params
        .to_array()
        .iter()
        .zip(V8Params::PUBLISHED_FIT.to_array())
        .all(|(a, b)| a.to_bits() == b.to_bits());
    if same {
        Ok(())
    } else {
        Err("decoded parameters differ from the published fit")
    }
}

fn truncated_blob_is_refused() -> Result<(), &'static str> {
    let b = good_blob();
    for len in [0, 3, HEADER_LEN, CRC_OFFSET, BLOB_LEN - 1] {
        let want = BlobError::Truncated {
            needed: BLOB_LEN,
            found: len,
        };
        if blob::decode(&b[..len]) != Err(want) {
            return Err("truncated blob not reported as Truncated");
        }
    }
    expect_error(
        &b[..BLOB_LEN - 1],
        BlobError::Truncated {
            needed: BLOB_LEN,
            found: BLOB_LEN - 1,
        },
    )
}

fn erased_flash_is_bad_magic() -> Result<(), &'static str> {
    expect_error(&[0xFF; 128], BlobError::BadMagic { found: [0xFF; 4] })
}

fn unsupported_version_is_refused() -> Result<(), &'static str> {
    let mut b = good_blob();
    b[4..6].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    expect_error(
        &reseal(b),
        BlobError::UnsupportedVersion {
            found: FORMAT_VERSION + 1,
            supported: FORMAT_VERSION,
        },
    )
}

fn layout_mismatch_is_refused() -> Result<(), &'static str> {
    let mut b = good_blob();
    let other = LAYOUT_HASH ^ 0x0101_0101;
    b[6..10].copy_from_slice(&other.to_le_bytes());
    expect_error(
        &reseal(b),
        BlobError::LayoutMismatch {
            found: other,
            expected: LAYOUT_HASH,
        },
    )
}

fn crc_mismatch_is_refused() -> Result<(), &'static str> {
    let good = good_blob();
    let stored = u32::from_le_bytes([
        good[CRC_OFFSET],
        good[CRC_OFFSET + 1],
        good[CRC_OFFSET + 2],
        good[CRC_OFFSET + 3],
    ]);
    let mut b = good;
    b[HEADER_LEN + 7] ^= 0x04;
    let computed = blob::crc32(&b[..CRC_OFFSET]);
    expect_error(&b, BlobError::CrcMismatch { stored, computed })
}

fn invalid_params_are_refused() -> Result<(), &'static str> {
    let mut b = good_blob();
    let at = HEADER_LEN + 4 * ParamField::Tau.index();
    b[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    expect_error(
        &reseal(b),
        BlobError::InvalidParams(ParamError::NotFinite(ParamField::Tau)),
    )?;
    let mut b = good_blob();
    let (l, h) = (HEADER_LEN, HEADER_LEN + 4);
    let mu_l: [u8; 4] = b[l..l + 4].try_into().map_err(|_| "slice")?;
    let mu_h: [u8; 4] = b[h..h + 4].try_into().map_err(|_| "slice")?;
    b[l..l + 4].copy_from_slice(&mu_h);
    b[h..h + 4].copy_from_slice(&mu_l);
    expect_error(
        &reseal(b),
        BlobError::InvalidParams(ParamError::WellsNotOrdered),
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

/// The default monitor (32 Monte Carlo trajectories, k = 10, 3-of-5 alarms) replays a short demo-data
/// sequence (12 strokes at 165 C, 24 at 170 C, three invalid inputs) and reports, bit for bit, what
/// the host's f32 monitor reported; a rejected stroke leaves the monitor unchanged.
fn monitor_reports_match_the_host() -> Result<(), &'static str> {
    use galling::alarm::AlarmLevel;
    use galling::{DefaultMonitor, MonitorBuilder};
    let mut monitor: DefaultMonitor = match MonitorBuilder::new(model()).build_default() {
        Ok(m) => m,
        Err(_) => return Err("default monitor configuration refused"),
    };
    let bits = |x: Option<f32>| x.map(f32::to_bits);
    let (mut rejected, mut alarmed, mut bad) = (0u32, false, 0u32);
    for (i, g) in monitor_golden::GOLDEN_STROKES.iter().enumerate() {
        let before = monitor.clone();
        match (monitor.update(g.stroke, g.temperature, g.cof), g.expected) {
            (Ok(r), Ok(want)) => {
                let t = r.transition;
                let same = bits(t.map(|t| t.log_prob)) == bits(want.log_prob)
                    && bits(t.map(|t| t.jump_posterior)) == bits(want.jump_posterior)
                    && r.stay_probability.to_bits() == want.stay_probability.to_bits()
                    && r.risk.probability.to_bits() == want.risk.to_bits()
                    && r.risk.expected_strokes.to_bits() == want.expected_strokes.to_bits()
                    && r.alarm.level == want.level
                    && r.alarm.reason == want.reason;
                if !same {
                    bad += 1;
                    defmt::error!(
                        "stroke row {=usize}: risk {} (host {}), stay {} (host {})",
                        i,
                        r.risk.probability,
                        want.risk,
                        r.stay_probability,
                        want.stay_probability
                    );
                }
                alarmed |= r.alarm.level != AlarmLevel::Normal;
            }
            (Err(e), Err(want)) => {
                if e != want || monitor != before {
                    bad += 1;
                    defmt::error!(
                        "stroke row {=usize}: rejection differs or changed the monitor",
                        i
                    );
                }
                rejected += 1;
            }
            _ => {
                bad += 1;
                defmt::error!(
                    "stroke row {=usize}: accepted on one side, rejected on the other",
                    i
                );
            }
        }
    }
    defmt::println!(
        "  {=usize} monitor strokes replayed, {=u32} rejected as on the host",
        monitor_golden::GOLDEN_STROKES.len(),
        rejected
    );
    if rejected != 3 || !alarmed {
        return Err("golden sequence no longer has its 3 rejections and an alarm: regenerate it");
    }
    if bad == 0 {
        Ok(())
    } else {
        Err("monitor reports differ from the host")
    }
}

const TESTS: &[Test] = &[
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
        name: "unsupported_version_is_refused",
        run: unsupported_version_is_refused,
    },
    Test {
        name: "layout_mismatch_is_refused",
        run: layout_mismatch_is_refused,
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
        name: "stroke_averager_matches_host_f64",
        run: stroke_averager_matches_host_f64,
    },
];

#[cortex_m_rt::entry]
fn main() -> ! {
    defmt::println!("on-target tests: galling core on Cortex-M4F (QEMU mps2-an386)");
    harness::run(TESTS)
}
