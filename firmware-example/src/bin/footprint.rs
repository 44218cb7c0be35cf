//! Flash and static RAM of the galling core inside a firmware, measured by difference: this program
//! uses the core the way the example does (the blob checked in place, the per-stroke `Monitor` with its model,
//! landscape, transition score, risk-table lookup and signals, and the stroke averager); built with
//! the `footprint-baseline` feature, it does the same input and output without the core.
//! `footprint.sh` builds both and subtracts their section sizes.
#![no_std]
#![no_main]

use core::hint::black_box;
use galling_firmware_example::demo::DEMO_STROKES;
use galling_firmware_example::{ExitCode, params_region, stop};

/// Runs the core over the demo strokes; returns two numbers to print.
#[cfg(not(feature = "footprint-baseline"))]
fn work(region: &[u8]) -> (f32, f32) {
    use galling::averager::StrokeAverager;
    use galling::Monitor;
    use galling::blob::PackageView;
    use galling_firmware_example::model_temperature;

    let package = match PackageView::new(region) {
        Ok(p) => p,
        Err(e) => {
            // defmt::Format only: the Display message would link core::fmt (counted separately by
            // footprint.sh through the example program, which prints both).
            defmt::error!("parameter blob refused: {}", e);
            stop(ExitCode::BlobRefused)
        }
    };
    let mut monitor = Monitor::new(package);
    let mut averager = StrokeAverager::<f32>::default();
    let mut acc = 0.0_f32;
    for (n, s) in black_box(DEMO_STROKES).iter().enumerate() {
        if s.series_start {
            monitor.restart_series();
        }
        let t = model_temperature(s.recorded_temperature);
        if let Ok(r) = monitor.update(n as u32, t, s.cof) {
            acc += r.risk + r.excess + r.hot_die.hazard.expected_strokes;
            acc += r.transition.map_or(0.0, |s| s.log_prob + s.jump_posterior);
            acc += f32::from(u8::from(r.onset_warning.active) + u8::from(r.press_must_stop()));
        }
        let _ = averager.push_forces(s.cof, 1.0, -(n as i32) * 1_000_000);
    }
    (acc, averager.finish().map_or(0.0, |st| st.mean))
}

/// The same input and output without the core.
#[cfg(feature = "footprint-baseline")]
fn work(region: &[u8]) -> (f32, f32) {
    black_box(region);
    let mut acc = 0.0_f32;
    for s in black_box(DEMO_STROKES) {
        acc += s.cof;
    }
    (acc, black_box(0.0))
}

#[cortex_m_rt::entry]
fn main() -> ! {
    let (a, b) = work(params_region());
    defmt::println!("{=f32} {=f32}", a, b);
    stop(ExitCode::Success)
}
