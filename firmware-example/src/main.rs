//! The example program: validates the flashed blob (format 3: model parameters, signal settings and
//! risk table), builds the core's per-stroke [`Monitor`] over it, then replays the demo strokes and
//! logs, per stroke, what an operator would see: the three signals (hot die with its hazard, expected
//! strokes to galling and advised temperature; onset warning; galling detected), the galling risk
//! and its excess over the hot-die hazard, where the temperature lies relative to the trained range,
//! and the model's score of the transition from the previous stroke.
//!
//! A refused blob is reported with its reason and the program stops in the safe state (exit code 4
//! under QEMU): the press must not run on a package that failed validation.
//!
//! Nothing of the blob is copied: [`PackageView::new`] checks the blob where it lies in flash once,
//! and the monitor borrows that view (the risk table is read from flash on every stroke) beside its
//! own small state ([`MonitorState`], what changes per stroke). Both live on `main`'s stack; the
//! start-up's and the replay's stack peaks are logged.
#![no_std]
#![no_main]

use galling::blob::{self, PackageView};
use galling::monitor::{Monitor, MonitorState, StrokeReport, TemperatureRange};
use galling_firmware_example::demo::DEMO_STROKES;
use galling_firmware_example::{ExitCode, model_temperature, params_region, stack, stop};

/// Refuses to run: logs why and stops in the safe state.
fn refuse(reason: &dyn core::fmt::Display) -> ! {
    defmt::error!("{}", defmt::Display2Format(reason));
    defmt::error!("PRESS MUST NOT RUN: parameter blob refused, stopping in the safe state");
    stop(ExitCode::BlobRefused)
}

/// Checks the blob at the start of the PARAMS region and views it in place, or stops in the safe
/// state. Not inlined, so the checking's own frame is gone before the replay runs.
#[inline(never)]
fn package_in_flash(region: &'static [u8]) -> PackageView<'static> {
    match PackageView::new(region) {
        Ok(view) => view,
        Err(e) => {
            defmt::error!("parameter blob refused at byte {=usize}: {}", e.offset(), e);
            refuse(&e)
        }
    }
}

/// Logs one accepted stroke: the three signals, the risk, the temperature range, the transition.
fn log_stroke(n: usize, cof: f32, r: &StrokeReport) {
    let hot = &r.hot_die;
    defmt::println!(
        "stroke {=usize}: COF {=f32}, risk {=f32} (excess {=f32}) | hot die {=bool} (hazard {=f32}, {=f32} strokes to galling expected, advice {}) | onset warning {=bool} {} | galling detected {=bool} {} | {}",
        n,
        cof,
        r.risk,
        r.excess,
        hot.active,
        hot.hazard.risk,
        hot.hazard.expected_strokes,
        hot.advice,
        r.onset_warning.active,
        r.onset_warning.event,
        r.galling.active,
        r.galling.event,
        r.temperature_range
    );
    match r.transition {
        Some(s) => defmt::println!(
            "    transition: log p {=f32}, jump posterior {=f32}",
            s.log_prob,
            s.jump_posterior
        ),
        None => defmt::println!("    first stroke of its series"),
    }
    if let Some(fault) = r.fault {
        defmt::error!("    fault: {}", fault);
    }
    if r.press_must_stop() {
        defmt::warn!(
            "    PRESS MUST STOP: galling detected (or the stroke could not be evaluated)"
        );
    }
}

/// Logs what the checked blob holds. Not inlined: its formatting temporaries stay out of `main`'s
/// frame, which is on the stack during the start-up's peak.
#[inline(never)]
fn log_package(region: &[u8], monitor: &Monitor<'_>) {
    let package = monitor.package();
    let spec = package.table().spec();
    let settings = package.settings();
    defmt::println!(
        "parameter blob OK ({=usize} bytes at {=u32:#010x}, read in place): model {} ({=usize} parameters); galling threshold COF {=f32}, horizon {=u16} strokes, trained {=f32} to {=f32} C; hot die above hazard {=f32}, advice {}; onset warning at excess {=f32}, cleared below {=f32}",
        blob::blob_len(package.params().model()),
        region.as_ptr() as u32,
        package.params().model(),
        package.params().len(),
        spec.threshold,
        spec.horizon,
        spec.temperature_low,
        spec.temperature_high,
        settings.hot_die_target,
        monitor.advice(),
        settings.onset_raise,
        settings.onset_clear
    );
}

/// Replays the demo strokes through the monitor, logging every stroke, then the counts. Not inlined
/// (as [`log_package`]).
#[inline(never)]
fn replay(monitor: &mut Monitor<'_>) {
    let mut temperature = f32::NAN;
    let (mut log_likelihood, mut transitions) = (0.0_f32, 0u32);
    let (mut hot, mut warned, mut galled, mut outside) = (0u32, 0u32, 0u32, 0u32);
    for (n, stroke) in DEMO_STROKES.iter().enumerate() {
        let t = model_temperature(stroke.recorded_temperature);
        if t != temperature {
            temperature = t;
            defmt::println!(
                "die at {=f32} C (model {=f32} C)",
                stroke.recorded_temperature,
                t
            );
        }
        if stroke.series_start {
            monitor.restart_series();
            monitor.reset_alarms(); // a new die / series: the operator confirmed it clean
        }
        let report = match monitor.update(n as u32, t, stroke.cof) {
            Ok(r) => r,
            Err(e) => {
                defmt::warn!("stroke {=usize} rejected by the monitor: {}", n, e);
                monitor.restart_series();
                continue;
            }
        };
        log_stroke(n, stroke.cof, &report);
        if let Some(s) = report.transition {
            log_likelihood += s.log_prob;
            transitions += 1;
        }
        hot += u32::from(report.hot_die.active);
        warned += u32::from(report.onset_warning.active);
        galled += u32::from(report.galling.active);
        outside += u32::from(report.temperature_range != TemperatureRange::Inside);
    }
    defmt::println!(
        "replayed {=usize} strokes, {=u32} transitions, log-likelihood {=f32}; hot die on {=u32}, onset warning on {=u32}, galling detected on {=u32}, outside the trained range {=u32}",
        DEMO_STROKES.len(),
        transitions,
        log_likelihood,
        hot,
        warned,
        galled,
        outside
    );
}

#[cortex_m_rt::entry]
fn main() -> ! {
    stack::paint();
    let region = params_region();
    let mut monitor = Monitor::new(package_in_flash(region));
    // The start-up's peak (checking the blob) is reported apart from the replay's, measured on a
    // freshly painted stack.
    let start_stack = stack::high_water_mark();
    stack::paint();
    log_package(region, &monitor);
    replay(&mut monitor);
    defmt::println!(
        "stack high-water mark: {=usize} bytes at start (blob check and monitor set-up), {=usize} bytes during the replay (of {=usize} available); on main's stack: the monitor {=usize} bytes (its state {=usize} bytes, the view of the blob {=usize} bytes); nothing of the blob copied",
        start_stack,
        stack::high_water_mark(),
        stack::capacity(),
        core::mem::size_of::<Monitor>(),
        core::mem::size_of::<MonitorState>(),
        core::mem::size_of::<PackageView>()
    );
    stop(ExitCode::Success)
}
