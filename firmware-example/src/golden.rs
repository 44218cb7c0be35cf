//! Types of the golden vectors in `golden/*.rs`, written by the project's generator (`cargo xtask
//! generate` in the repository root: `host-train/xtask/src/golden_vectors.rs` and `host-train/xtask/src/family_golden.rs`)
//! and checked in (`cargo xtask check`).
//!
//! Every float is stored as its bit pattern, so the target sees exactly the host's `f32` values.

/// One transition and what the published fit, evaluated in `f32` on the host, says about it.
#[derive(Debug, Clone, Copy)]
pub struct GoldenTransition {
    /// Where the transition comes from (temperature, well, edge case).
    pub label: &'static str,
    /// Model temperature, degC (after the 25 C -> 160 C mapping).
    pub temperature: f32,
    /// COF of the stroke.
    pub mu: f32,
    /// COF change to the next stroke.
    pub delta: f32,
    /// `Landscape::log_prob` on the host, f32.
    pub log_prob: f32,
    /// `Landscape::jump_posterior` on the host, f32.
    pub jump_posterior: f32,
}

/// A seeded simulation on the host in `f32`: `Landscape::simulate_into` with
/// `DefaultRng::seed_from_u64(seed)`.
#[derive(Debug, Clone, Copy)]
pub struct GoldenTrajectory {
    /// Seed of the `DefaultRng`.
    pub seed: u64,
    /// Model temperature, degC.
    pub temperature: f32,
    /// Starting COF.
    pub start: f32,
    /// The trajectory's `f32::to_bits`, first element the (clamped) start.
    pub cof_bits: &'static [u32],
}

/// One raw sample of a synthetic stroke.
#[derive(Debug, Clone, Copy)]
pub struct GoldenSample {
    /// Tangential force.
    pub force_y: f32,
    /// Normal force.
    pub force_z: f32,
    /// Encoder position, counts (1 nm).
    pub position: i32,
}

/// A synthetic stroke and its statistics from `StrokeAverager<f64>` on the host.
#[derive(Debug, Clone, Copy)]
pub struct GoldenStroke {
    /// What the stroke exercises.
    pub label: &'static str,
    /// The raw samples, in order.
    pub samples: &'static [GoldenSample],
    /// Samples the averager refuses (`push_forces` returns an error).
    pub refused: u32,
    /// Samples inside the sliding window.
    pub kept: u32,
    /// Mean COF of the kept samples, host f64.
    pub mean: f64,
    /// Sample standard deviation of the kept samples, host f64.
    pub std: f64,
}

/// A synthetic stroke of [`GoldenStroke`] (same label, same samples) and what the host's f32
/// averager and feature extractor computed from it (`golden/strokes_f32.rs`): the firmware must
/// reproduce every value bit for bit, also in soft float on a Cortex-M0.
#[derive(Debug, Clone, Copy)]
pub struct GoldenStrokeF32 {
    /// The stroke's label in `golden/strokes.rs`.
    pub label: &'static str,
    /// Samples `StrokeAverager::<f32>::push_forces` refused.
    pub averager_refused: u32,
    /// `StrokeAverager::<f32>::finish` on the host.
    pub averaged: Result<galling::averager::StrokeStats<f32>, galling::averager::StrokeError>,
    /// Samples `StrokeFeatureExtractor::<f32>::push_forces` refused (default settings).
    pub extractor_refused: u32,
    /// `StrokeFeatureExtractor::<f32>::finish` on the host (default settings).
    pub features: Result<galling::features::StrokeFeatures<f32>, galling::averager::StrokeError>,
}

/// One variant of the model family and what the host computed with its blob
/// (`golden/family.rs`, from `cargo xtask generate`: `host-train/xtask/src/family_golden.rs`).
#[derive(Debug, Clone, Copy)]
pub struct FamilyGolden {
    /// The variant's key (`v8`, `v8-13`, `v9`, `v7`).
    pub key: &'static str,
    /// Its model id (byte 6 of the blob).
    pub model_id: u8,
    /// The blob file (`blob/*.glng`).
    pub blob: &'static [u8],
    /// The parameters the blob decodes to, `f32::to_bits`, in the variant's storage order.
    pub params: &'static [u32],
    /// Transitions scored by the variant's kernel on the host in f32.
    pub transitions: &'static [GoldenTransition],
    /// A stroke sequence fed to the `Monitor` running the blob, with the host's answers.
    pub strokes: &'static [FamilyStroke],
}

/// One input stroke of a variant's monitor sequence and the host monitor's answer.
#[derive(Debug, Clone, Copy)]
pub struct FamilyStroke {
    /// Stroke counter.
    pub stroke: u32,
    /// Die temperature, degC.
    pub temperature: f32,
    /// COF.
    pub cof: f32,
    /// The report, or the rejection.
    pub expected: Result<FamilyReport, galling::monitor::UpdateError>,
}

/// What the host's f32 monitor reported for one accepted stroke.
#[derive(Debug, Clone, Copy)]
pub struct FamilyReport {
    /// Transition log-likelihood (`None` on the first stroke of a series).
    pub log_prob: Option<f32>,
    /// Transition jump posterior.
    pub jump_posterior: Option<f32>,
    /// Temperature the model evaluated.
    pub model_temperature: f32,
    /// Galling risk within the horizon.
    pub risk: f32,
    /// Log-odds excess of the risk over the hot-die hazard.
    pub excess: f32,
    /// Hot-die hazard.
    pub hazard: f32,
    /// Expected strokes to galling from a typical clean stroke.
    pub expected_strokes: f32,
    /// Hot-die status.
    pub hot_die: bool,
    /// Onset warning after the stroke.
    pub onset_warning: bool,
    /// Galling detected after the stroke.
    pub galling: bool,
}
