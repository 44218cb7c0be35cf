//! The per-stroke path of a press controller, built so that any reachable panic fails the link.
//!
//! Every input goes through `core::hint::black_box`, so the optimiser cannot fold a call away or
//! prove a bound from a constant; every result goes into `black_box`, so no call is dead code. The
//! panic handler calls `galling_link_proof_reachable_panic`, which no object defines: if any panic
//! path of these calls is still in the binary, the linker reports that symbol as undefined.
//!
//! Covered: the blob's check and view (`PackageView::new`, `blob::check`) of a blob the optimiser
//! cannot see (the published V8 blob or the V8-P blob, chosen at run time), the monitor on the view
//! (`Monitor::new`, `update`, `update_averaged`, `update_with_features`, `update_with_inputs`,
//! `restart_series`, `reset_alarms`, `swap_package`) and the same processing on a state kept apart
//! (`PackageView::update*`, `MonitorState::adopt`), the averager and the stroke feature extractor
//! (`push_forces`, `push_cof`, `finish`), the precursor variant's feature standardisation
//! (`PrecursorFeatures::inputs`), the model (`landscape`, `score`, `mixture`, `step`) and the
//! temperature advice. Built for the Cortex-M4F (`thumbv7em-none-eabihf`) and the Cortex-M0
//! (`thumbv6m-none-eabi`, soft float) by `link-proof.sh`.
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;
use galling::averager::{StrokeAverager, StrokeWindow};
use galling::blob::{self, PackageView};
use galling::features::{FeatureSettings, StrokeFeatureExtractor};
use galling::monitor::{Monitor, MonitorState};
use galling::rand_core::SeedableRng;
use galling::{DefaultRng, Kernel, Model, V8Params};

unsafe extern "C" {
    /// Defined nowhere: referencing it is the proof's failure.
    fn galling_link_proof_reachable_panic() -> !;
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // SAFETY: never runs; the symbol does not exist, so a binary that can reach this cannot link.
    unsafe { galling_link_proof_reachable_panic() }
}

/// Blobs as flash would hold them (their content is hidden from the optimiser by `black_box`).
static PUBLISHED: &[u8] = include_bytes!("../../blob/published_fit.glng");
static PRECURSOR: &[u8] = include_bytes!("../../blob/v8_precursor.glng");

/// Stops (nothing to do without a valid blob or model).
fn idle() -> ! {
    loop {
        black_box(());
    }
}

#[entry]
fn main() -> ! {
    let flash = if black_box(true) {
        PUBLISHED
    } else {
        PRECURSOR
    };
    let other = if black_box(false) {
        PUBLISHED
    } else {
        PRECURSOR
    };
    let view = match PackageView::new(black_box(flash)) {
        Ok(v) => v,
        Err(e) => {
            black_box(e.offset());
            idle()
        }
    };
    black_box(blob::check(black_box(other)).is_ok());
    let Ok(next) = PackageView::new(black_box(other)) else {
        idle()
    };
    let Ok(model) = Model::new(&V8Params::PUBLISHED_FIT) else {
        idle()
    };
    let mut monitor = Monitor::new(view);
    let mut state = MonitorState::new();
    let settings = view
        .features()
        .map_or(FeatureSettings::DEFAULT, |f| f.extractor);
    let Ok(mut extractor) = StrokeFeatureExtractor::<f32>::new(black_box(settings)) else {
        idle()
    };
    let mut averager = StrokeAverager::<f32>::new(black_box(StrokeWindow::default()));
    let mut rng = DefaultRng::seed_from_u64(black_box(1));
    let mut stroke = 0_u32;
    loop {
        // one stroke's samples
        for _ in 0..black_box(64) {
            let (fy, fz, x) = (black_box(-2.0), black_box(-10.0), black_box(0));
            black_box(averager.push_forces(fy, fz, x)).ok();
            black_box(extractor.push_forces(fy, fz, x)).ok();
        }
        black_box(extractor.push_cof(black_box(0.2), black_box(1))).ok();
        let stats = averager.finish();
        let features = extractor.finish();
        let temperature = black_box(165.0_f32);
        let land = model.landscape(temperature);
        black_box(land.score(black_box(0.2), black_box(0.01)));
        black_box(land.mixture(black_box(0.2)));
        black_box(land.step(black_box(0.2), &mut rng));
        match (stats, features) {
            (Ok(s), Ok(f)) => {
                black_box(monitor.update_averaged(stroke, temperature, &s)).ok();
                black_box(monitor.update_with_features(stroke, temperature, &f)).ok();
                black_box(view.update_with_features(&mut state, stroke, temperature, &f)).ok();
                if let Some(p) = view.features() {
                    let z = black_box(p.inputs(&f));
                    black_box(view.update_with_inputs(&mut state, stroke, temperature, s.mean, &z))
                        .ok();
                }
            }
            (s, f) => {
                black_box(s.err());
                black_box(f.err());
            }
        }
        black_box(monitor.update(stroke, black_box(temperature), black_box(0.3))).ok();
        black_box(view.update(&mut state, stroke, black_box(temperature), black_box(0.3))).ok();
        black_box(monitor.advice());
        black_box(
            monitor
                .package()
                .table()
                .advised_temperature(black_box(0.1)),
        );
        if black_box(stroke % 7 == 3) {
            monitor.restart_series();
            state.restart_series();
        }
        if black_box(stroke % 11 == 5) {
            monitor.reset_alarms();
            state.reset_alarms();
        }
        if black_box(stroke % 13 == 7) {
            monitor.swap_package(next);
            state.adopt(&next);
        }
        black_box(monitor.state().expected_stroke());
        stroke = stroke.wrapping_add(1);
    }
}
