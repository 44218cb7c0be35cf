//! Instructions per call of the core's per-stroke functions on the emulated Cortex-M4F, counted with
//! QEMU's `-icount shift=0` and the CMSDK timer (see `timer`), and printed as a table.
//!
//! Each function is called through an `#[inline(never)]` wrapper, so the figure does not depend on
//! what the optimiser does with the rest of this binary; a wrapper with a trivial body, called by the
//! same loop, is the baseline: `(ticks(loop calling f) - ticks(loop calling the trivial wrapper)) * 40
//! / calls`. So the figure is the function's own instructions; the call and the loop are subtracted.
//! Inputs are the demo strokes, so the branches taken are the ones real data takes.
#![no_std]
#![no_main]

use core::hint::black_box;
use galling::averager::{COUNTS_PER_MM, StrokeAverager};
use galling::forecast::RiskForecaster;
use galling::monitor::MonitorBuilder;
use galling::rand_core::SeedableRng;
use galling::{DefaultRng, Landscape, Model, Monitor, TransitionScore, V8Params, blob};
use galling_firmware_example::demo::{DEMO_STROKES, DemoStroke};
use galling_firmware_example::timer::{self, INSTRUCTIONS_PER_TICK};
use galling_firmware_example::{ExitCode, model_temperature, params_region, stop};

/// Times each loop is repeated over its inputs.
const REPEATS: u32 = 40;
/// Largest number of demo temperatures.
const MAX_TEMPERATURES: usize = 8;
/// Largest number of demo strokes used as inputs.
const MAX_INPUTS: usize = 128;

/// One input of the per-stroke functions: which landscape, the COF and the change to the next stroke.
#[derive(Clone, Copy)]
struct Input {
    landscape: usize,
    mu: f32,
    delta: f32,
}

/// Ticks of `REPEATS` passes of `f` over `inputs`.
#[inline(always)]
fn time_over<I: Copy, O>(inputs: &[I], mut f: impl FnMut(I) -> O) -> u32 {
    timer::ticks(|| {
        for _ in 0..REPEATS {
            for &x in inputs {
                black_box(f(black_box(x)));
            }
        }
    })
}

/// `Landscape::log_prob`, not inlined into the measuring loop.
#[inline(never)]
fn log_prob(land: &Landscape<f32>, mu: f32, delta: f32) -> f32 {
    land.log_prob(mu, delta)
}

/// `Landscape::score`, not inlined into the measuring loop.
#[inline(never)]
fn score(land: &Landscape<f32>, mu: f32, delta: f32) -> TransitionScore<f32> {
    land.score(mu, delta)
}

/// Baseline of the two-input wrappers: same arguments, trivial body.
#[inline(never)]
fn baseline2(land: &Landscape<f32>, mu: f32, delta: f32) -> f32 {
    black_box(land);
    mu + delta
}

/// `Landscape::step`, not inlined into the measuring loop.
#[inline(never)]
fn step(land: &Landscape<f32>, mu: f32, rng: &mut DefaultRng) -> f32 {
    land.step(mu, rng)
}

/// Baseline of [`step`]: same arguments, trivial body.
#[inline(never)]
fn baseline_step(land: &Landscape<f32>, mu: f32, rng: &mut DefaultRng) -> f32 {
    black_box((land, rng));
    mu
}

/// `Model::landscape`, not inlined into the measuring loop.
#[inline(never)]
fn landscape(model: &Model<f32>, temperature: f32, out: &mut Landscape<f32>) {
    *out = model.landscape(temperature);
}

/// Baseline of [`landscape`]: same arguments, trivial body.
#[inline(never)]
fn baseline_landscape(model: &Model<f32>, temperature: f32, out: &mut Landscape<f32>) {
    black_box((model, temperature, out));
}

/// `StrokeAverager::push_forces`, not inlined into the measuring loop.
#[inline(never)]
fn push_forces(avg: &mut StrokeAverager<f32>, fy: f32, fz: f32, x: i32) -> bool {
    avg.push_forces(fy, fz, x).is_ok()
}

/// Baseline of [`push_forces`]: same arguments, trivial body.
#[inline(never)]
fn baseline_push(avg: &mut StrokeAverager<f32>, fy: f32, fz: f32, x: i32) -> bool {
    black_box(avg);
    fy < fz && x > 0
}

/// `Monitor::update`, not inlined into the measuring loop.
#[inline(never)]
fn monitor_update<F: RiskForecaster<f32>>(
    m: &mut Monitor<f32, F>,
    stroke: u32,
    temperature: f32,
    cof: f32,
) -> bool {
    m.update(stroke, temperature, cof).is_ok()
}

/// Baseline of [`monitor_update`]: same arguments, trivial body.
#[inline(never)]
fn baseline_monitor<F: RiskForecaster<f32>>(
    m: &mut Monitor<f32, F>,
    stroke: u32,
    temperature: f32,
    cof: f32,
) -> bool {
    black_box(m);
    stroke > 0 && temperature > cof
}

/// Instructions per `Monitor::update` over the demo inputs: with the temperature steady (changing
/// only between series, the landscape cache is hit) or changing on every stroke (worst case).
fn time_monitor<F: RiskForecaster<f32>>(
    monitor: &mut Monitor<f32, F>,
    inputs: &[Input],
    temperatures: &[f32],
    every_stroke: bool,
) -> f32 {
    let mut stroke = monitor.expected_stroke().unwrap_or(0);
    // With `every_stroke`, stroke n is at temperatures[n % len]: a new temperature on every stroke.
    let temperature = |n: u32, i: &Input| {
        if every_stroke {
            temperatures[n as usize % temperatures.len()]
        } else {
            temperatures[i.landscape]
        }
    };
    let base = time_over(inputs, |x| {
        baseline_monitor(monitor, stroke, temperature(stroke, &x), x.mu)
    });
    let t = time_over(inputs, |x| {
        let ok = monitor_update(monitor, stroke, temperature(stroke, &x), x.mu);
        stroke += 1;
        ok
    });
    if monitor.expected_stroke() != Some(stroke) {
        defmt::error!("the monitor rejected strokes during the measurement");
        stop(ExitCode::TestsFailed)
    }
    per_call(t, base, REPEATS * inputs.len() as u32)
}

/// `libm::logf`, the logarithm the core uses in f32 (a reference row: where log_prob's time goes).
#[inline(never)]
fn logf(x: f32) -> f32 {
    libm::logf(x)
}

/// Baseline of [`logf`].
#[inline(never)]
fn baseline1(x: f32) -> f32 {
    x
}

/// Instructions per call, baseline subtracted.
fn per_call(ticks: u32, baseline: u32, calls: u32) -> f32 {
    (ticks.saturating_sub(baseline) * INSTRUCTIONS_PER_TICK) as f32 / calls as f32
}

/// One row of the table.
fn row(name: &str, instructions: f32, goal: Option<u32>) {
    match goal {
        Some(goal) => defmt::println!(
            "| {=str} | {=f32} | {=u32} | {=str} |",
            name,
            instructions,
            goal,
            if instructions <= goal as f32 {
                "met"
            } else {
                "MISSED"
            }
        ),
        None => defmt::println!("| {=str} | {=f32} | - | - |", name, instructions),
    }
}

#[cortex_m_rt::entry]
fn main() -> ! {
    let params = blob::decode(params_region()).unwrap_or(V8Params::PUBLISHED_FIT);
    let Ok(model) = Model::new(&params) else {
        defmt::error!("parameters refused");
        stop(ExitCode::BadParameters)
    };

    // The demo strokes' temperatures, their cached landscapes, and the transitions between strokes.
    let mut temperatures = [0.0_f32; MAX_TEMPERATURES];
    let mut n_temperatures = 0;
    let mut inputs = [Input {
        landscape: 0,
        mu: 0.0,
        delta: 0.0,
    }; MAX_INPUTS];
    let mut n_inputs = 0;
    let mut previous: Option<&DemoStroke> = None;
    for s in DEMO_STROKES {
        let t = model_temperature(s.recorded_temperature);
        let k = match temperatures[..n_temperatures].iter().position(|&x| x == t) {
            Some(k) => k,
            None if n_temperatures < MAX_TEMPERATURES => {
                temperatures[n_temperatures] = t;
                n_temperatures += 1;
                n_temperatures - 1
            }
            None => continue,
        };
        if let Some(p) = previous.filter(|_| !s.series_start && n_inputs < MAX_INPUTS) {
            inputs[n_inputs] = Input {
                landscape: k,
                mu: p.cof,
                delta: s.cof - p.cof,
            };
            n_inputs += 1;
        }
        previous = Some(s);
    }
    let temperatures = &temperatures[..n_temperatures];
    let inputs = &inputs[..n_inputs];
    let mut lands = [model.landscape(temperatures[0]); MAX_TEMPERATURES];
    for (l, &t) in lands.iter_mut().zip(temperatures) {
        *l = model.landscape(t);
    }
    let lands: &[Landscape<f32>] = black_box(&lands[..n_temperatures]);
    let calls = REPEATS * inputs.len() as u32;

    timer::start();
    defmt::println!(
        "instructions per call, QEMU mps2-an386 Cortex-M4F, -icount shift=0 (instructions, not cycles)"
    );
    defmt::println!("| function | instructions per call | goal | status |");
    defmt::println!("|---|---|---|---|");

    // Landscape::log_prob with a cached landscape.
    let base = time_over(inputs, |x| baseline2(&lands[x.landscape], x.mu, x.delta));
    let t = time_over(inputs, |x| log_prob(&lands[x.landscape], x.mu, x.delta));
    row(
        "Landscape::log_prob (cached landscape)",
        per_call(t, base, calls),
        Some(150),
    );

    // Landscape::score: log-probability and jump posterior together.
    let t = time_over(inputs, |x| score(&lands[x.landscape], x.mu, x.delta));
    row(
        "Landscape::score (log_prob + jump_posterior)",
        per_call(t, base, calls),
        None,
    );

    // Landscape::step: one simulated stroke, random draws included.
    let mut rng = DefaultRng::seed_from_u64(1);
    let base = time_over(inputs, |x| {
        baseline_step(&lands[x.landscape], x.mu, &mut rng)
    });
    let t = time_over(inputs, |x| step(&lands[x.landscape], x.mu, &mut rng));
    row("Landscape::step", per_call(t, base, calls), Some(120));

    // Reference: the logarithm of log_prob's logsumexp (arguments like the mixture's weight sums).
    let base = time_over(inputs, |x| baseline1(1.0 + x.mu));
    let t = time_over(inputs, |x| logf(1.0 + x.mu));
    row("(reference) libm::logf", per_call(t, base, calls), None);

    // Model::landscape: once per temperature change.
    let mut out = lands[0];
    let base = time_over(temperatures, |t| baseline_landscape(&model, t, &mut out));
    let t = time_over(temperatures, |t| landscape(&model, t, &mut out));
    row(
        "Model::landscape (per temperature change)",
        per_call(t, base, REPEATS * temperatures.len() as u32),
        None,
    );

    // StrokeAverager::push_forces over whole strokes: 101 samples 1 mm apart, 51 inside the window.
    let mut samples = [(0.0_f32, 0.0_f32, 0_i32); 101];
    for (i, s) in samples.iter_mut().enumerate() {
        let fz = -1000.0 - (i % 7) as f32;
        *s = (
            0.2 * fz + (i % 5) as f32,
            fz,
            800 * COUNTS_PER_MM - i as i32 * COUNTS_PER_MM,
        );
    }
    let mut avg = StrokeAverager::<f32>::default();
    let (mut t_avg, mut t_base) = (0u32, 0u32);
    for _ in 0..REPEATS {
        t_base += timer::ticks(|| {
            for &s in &samples {
                let (fy, fz, x) = black_box(s);
                black_box(baseline_push(&mut avg, fy, fz, x));
            }
        });
        t_avg += timer::ticks(|| {
            for &s in &samples {
                let (fy, fz, x) = black_box(s);
                black_box(push_forces(&mut avg, fy, fz, x));
            }
        });
        black_box(avg.finish().ok());
    }
    row(
        "StrokeAverager::push_forces (one sample)",
        per_call(t_avg, t_base, REPEATS * samples.len() as u32),
        Some(40),
    );
    // Monitor::update: the default monitor (Monte Carlo forecast) and the grid monitor.
    let builder = MonitorBuilder::new(model);
    let (Ok(mut default_monitor), Ok(mut grid_monitor)) = (
        builder.build_default(),
        builder.build_grid::<{ galling::forecast::DEFAULT_GRID_CELLS }>(),
    ) else {
        defmt::error!("monitor configuration refused");
        stop(ExitCode::BadParameters)
    };
    for (name, every_stroke) in [
        ("Monitor::update, DefaultMonitor, steady temperature", false),
        (
            "Monitor::update, DefaultMonitor, temperature changes every stroke",
            true,
        ),
    ] {
        let ipc = time_monitor(&mut default_monitor, inputs, temperatures, every_stroke);
        row(name, ipc, Some(100_000));
    }
    for (name, every_stroke) in [
        ("Monitor::update, GridMonitor, steady temperature", false),
        (
            "Monitor::update, GridMonitor, temperature changes every stroke",
            true,
        ),
    ] {
        let ipc = time_monitor(&mut grid_monitor, inputs, temperatures, every_stroke);
        row(name, ipc, None); // not the default forecast: for comparison only
    }

    let empty = time_over(inputs, |x| baseline2(&lands[x.landscape], x.mu, x.delta));
    defmt::println!(
        "(baseline: loop and trivial wrapper, {=f32} instructions per call, subtracted; {=u32} calls per figure)",
        (empty * INSTRUCTIONS_PER_TICK) as f32 / calls as f32,
        calls
    );
    defmt::println!(
        "sizes: Model {=usize} B, Landscape {=usize} B, StrokeAverager {=usize} B, DefaultRng {=usize} B, DefaultMonitor {=usize} B, GridMonitor {=usize} B",
        core::mem::size_of::<Model<f32>>(),
        core::mem::size_of::<Landscape<f32>>(),
        core::mem::size_of::<StrokeAverager<f32>>(),
        core::mem::size_of::<DefaultRng>(),
        core::mem::size_of::<galling::DefaultMonitor>(),
        core::mem::size_of::<galling::GridMonitor>()
    );
    stop(ExitCode::Success)
}
