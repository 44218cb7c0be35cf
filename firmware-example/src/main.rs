//! The example program: validates the flashed parameter blob, then replays demo strokes through the
//! galling core and logs, per stroke, the stay probability, the jump posterior and log-likelihood of
//! the transition, a short simulated forecast (seeded trajectories, fraction above the well midpoint)
//! and what the core's per-stroke [`Monitor`](galling::Monitor) says (galling risk, alarm level).
//!
//! A refused blob is reported with its reason and the program stops in the safe state (exit code 4
//! under QEMU): the press must not run on parameters that failed validation.
#![no_std]
#![no_main]

use galling::monitor::MonitorBuilder;
use galling::rand_core::SeedableRng;
use galling::{DefaultRng, Landscape, Model, blob};
use galling_firmware_example::demo::DEMO_STROKES;
use galling_firmware_example::{ExitCode, model_temperature, params_region, stack, stop};

/// Strokes simulated ahead by the per-stroke forecast.
const FORECAST_STROKES: usize = 10;
/// Trajectories of the per-stroke forecast.
const FORECAST_TRAJECTORIES: usize = 8;
/// Seed of the forecast's random generator (fixed, so every run logs the same forecast).
const FORECAST_SEED: u64 = 0x6A11_1216;

/// Refuses to run: logs why and stops in the safe state.
fn refuse(reason: &dyn core::fmt::Display) -> ! {
    defmt::error!("{}", defmt::Display2Format(reason));
    defmt::error!("PRESS MUST NOT RUN: parameters refused, stopping in the safe state");
    stop(ExitCode::BadParameters)
}

/// Fraction of `FORECAST_TRAJECTORIES` simulated trajectories, started at `cof`, that lie above the
/// well midpoint (galled) after `FORECAST_STROKES` strokes.
fn forecast_galled(land: &Landscape<f32>, cof: f32, rng: &mut DefaultRng) -> f32 {
    let mut ensemble = [cof; FORECAST_TRAJECTORIES];
    for _ in 0..FORECAST_STROKES {
        land.advance_ensemble(&mut ensemble, rng);
    }
    let mid = land.well_midpoint();
    let galled = ensemble.iter().filter(|&&m| m > mid).count();
    galled as f32 / FORECAST_TRAJECTORIES as f32
}

#[cortex_m_rt::entry]
fn main() -> ! {
    stack::paint();
    let region = params_region();
    let params = match blob::decode(region) {
        Ok(p) => p,
        Err(e) => {
            defmt::error!("parameter blob refused: {}", e);
            refuse(&e)
        }
    };
    let model = match Model::new(&params) {
        Ok(m) => m,
        Err(e) => refuse(&e),
    };
    defmt::println!(
        "parameter blob OK ({=usize} bytes at {=u32:#010x}): wells {=f32} / {=f32}, midpoint {=f32}",
        blob::BLOB_LEN,
        region.as_ptr() as u32,
        params.mu_l,
        params.mu_h,
        model.well_midpoint()
    );

    let mut monitor = match MonitorBuilder::new(model).build_default() {
        Ok(m) => m,
        Err(e) => {
            defmt::error!("monitor configuration refused: {}", e);
            stop(ExitCode::BadParameters)
        }
    };
    let mut rng = DefaultRng::seed_from_u64(FORECAST_SEED);
    let mut temperature = f32::NAN;
    let mut land = model.landscape(model_temperature(DEMO_STROKES[0].recorded_temperature));
    let (mut log_likelihood, mut transitions) = (0.0_f32, 0u32);
    for (n, stroke) in DEMO_STROKES.iter().enumerate() {
        let t = model_temperature(stroke.recorded_temperature);
        if t != temperature {
            temperature = t;
            land = model.landscape(t);
            defmt::println!(
                "die at {=f32} C (model {=f32} C): barrier {=f32}, tilt {=f32}, noise {=f32}",
                stroke.recorded_temperature,
                t,
                land.barrier_scale(),
                land.tilt(),
                land.noise_intensity()
            );
        }
        if stroke.series_start {
            monitor.restart_series();
        }
        let report = match monitor.update(n as u32, t, stroke.cof) {
            Ok(r) => r,
            Err(e) => {
                defmt::warn!("stroke {=usize} rejected by the monitor: {}", n, e);
                monitor.restart_series();
                continue;
            }
        };
        let galled = forecast_galled(&land, stroke.cof, &mut rng);
        match report.transition {
            Some(score) => {
                log_likelihood += score.log_prob;
                transitions += 1;
                defmt::println!(
                    "stroke {=usize}: COF {=f32}, stay {=f32}, jump posterior {=f32}, log p {=f32}, simulated {=f32} above midpoint in {=usize}, risk {=f32}, alarm {}",
                    n,
                    stroke.cof,
                    report.stay_probability,
                    score.jump_posterior,
                    score.log_prob,
                    galled,
                    FORECAST_STROKES,
                    report.risk.probability,
                    report.alarm.level
                );
            }
            None => defmt::println!(
                "stroke {=usize}: COF {=f32}, stay {=f32}, first of its series, simulated {=f32} above midpoint in {=usize}, risk {=f32}, alarm {}",
                n,
                stroke.cof,
                report.stay_probability,
                galled,
                FORECAST_STROKES,
                report.risk.probability,
                report.alarm.level
            ),
        }
    }
    defmt::println!(
        "replayed {=usize} strokes, {=u32} transitions, log-likelihood {=f32}",
        DEMO_STROKES.len(),
        transitions,
        log_likelihood
    );
    defmt::println!(
        "stack high-water mark: {=usize} bytes (of {=usize} available)",
        stack::high_water_mark(),
        stack::capacity()
    );
    stop(ExitCode::Success)
}
