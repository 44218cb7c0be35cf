//! What the two measuring programs share (`measure`, the M4F tables, and `measure-m0`, the same
//! figures on both cores): the measuring loop, the baseline subtraction and the wrappers that keep
//! each measured call out of line (`#[inline(never)]`) beside its baseline of the same signature.

use core::hint::black_box;
use galling::averager::StrokeAverager;
use galling::features::StrokeFeatureExtractor;
use galling::{DefaultRng, Kernel, Landscape, Model, TransitionScore, normal_cdf};
use galling_firmware_example::timer::{self, INSTRUCTIONS_PER_TICK};

/// Times each loop is repeated over its inputs.
pub(crate) const REPEATS: u32 = 40;

/// Ticks of `REPEATS` passes of `f` over `inputs`.
#[inline(always)]
pub(crate) fn time_over<I: Copy, O>(inputs: &[I], mut f: impl FnMut(I) -> O) -> u32 {
    timer::ticks(|| {
        for _ in 0..REPEATS {
            for &x in inputs {
                black_box(f(black_box(x)));
            }
        }
    })
}

/// Instructions per call, baseline subtracted.
pub(crate) fn per_call(ticks: u32, baseline: u32, calls: u32) -> f32 {
    (ticks.saturating_sub(baseline) * INSTRUCTIONS_PER_TICK) as f32 / calls as f32
}

/// `Landscape::log_prob`, not inlined into the measuring loop.
#[inline(never)]
pub(crate) fn log_prob(land: &Landscape<f32>, mu: f32, delta: f32) -> f32 {
    land.log_prob(mu, delta)
}

/// `Landscape::score` (log-probability and jump posterior: what the monitor calls per stroke).
#[inline(never)]
pub(crate) fn score(land: &Landscape<f32>, mu: f32, delta: f32) -> TransitionScore<f32> {
    land.score(mu, delta)
}

/// Baseline of the two-input wrappers: same arguments, trivial body.
#[inline(never)]
pub(crate) fn baseline2(land: &Landscape<f32>, mu: f32, delta: f32) -> f32 {
    black_box(land);
    mu + delta
}

/// `Landscape::step`: one simulated stroke, random draws included.
#[inline(never)]
pub(crate) fn step(land: &Landscape<f32>, mu: f32, rng: &mut DefaultRng) -> f32 {
    land.step(mu, rng)
}

/// Baseline of [`step`].
#[inline(never)]
pub(crate) fn baseline_step(land: &Landscape<f32>, mu: f32, rng: &mut DefaultRng) -> f32 {
    black_box((land, rng));
    mu
}

/// `Model::landscape`: once per temperature change.
#[inline(never)]
pub(crate) fn landscape(model: &Model<f32>, temperature: f32, out: &mut Landscape<f32>) {
    *out = model.landscape(temperature);
}

/// Baseline of [`landscape`].
#[inline(never)]
pub(crate) fn baseline_landscape(model: &Model<f32>, temperature: f32, out: &mut Landscape<f32>) {
    black_box((model, temperature, out));
}

/// `StrokeAverager::push_forces`: one raw sample.
#[inline(never)]
pub(crate) fn push_forces(avg: &mut StrokeAverager<f32>, fy: f32, fz: f32, x: i32) -> bool {
    avg.push_forces(fy, fz, x).is_ok()
}

/// Baseline of [`push_forces`].
#[inline(never)]
pub(crate) fn baseline_push(avg: &mut StrokeAverager<f32>, fy: f32, fz: f32, x: i32) -> bool {
    black_box(avg);
    fy < fz && x > 0
}

/// `StrokeFeatureExtractor::push_forces`: one raw sample.
#[inline(never)]
pub(crate) fn extract_push(ex: &mut StrokeFeatureExtractor<f32>, fy: f32, fz: f32, x: i32) -> bool {
    ex.push_forces(fy, fz, x).is_ok()
}

/// Baseline of [`extract_push`].
#[inline(never)]
pub(crate) fn baseline_extract(
    ex: &mut StrokeFeatureExtractor<f32>,
    fy: f32,
    fz: f32,
    x: i32,
) -> bool {
    black_box(ex);
    fy < fz && x > 0
}

/// `normal_cdf` in f32 (reference: what a risk-table row evaluates at every cell edge).
#[inline(never)]
pub(crate) fn cdf(x: f32) -> f32 {
    normal_cdf(x)
}

/// `libm::logf` (reference: the logarithm behind the log-probability).
#[inline(never)]
pub(crate) fn logf(x: f32) -> f32 {
    libm::logf(x)
}

/// Baseline of the one-float wrappers.
#[inline(never)]
pub(crate) fn baseline1(x: f32) -> f32 {
    x
}
