//! Instructions per call of the core's per-stroke functions on the emulated Cortex-M4F, counted with
//! QEMU's `-icount shift=0` and the CMSDK timer (see `timer`), and printed as a table.
//!
//! Every figure is `(ticks of the loop with the call - ticks of the same loop without it) * 40 / calls`:
//! the empty baseline loop (input load, `black_box`, loop counter) is subtracted. Inputs are the demo
//! strokes, so the branches taken are the ones real data takes.
#![no_std]
#![no_main]

use core::hint::black_box;
use galling::averager::{COUNTS_PER_MM, StrokeAverager};
use galling::rand_core::SeedableRng;
use galling::{DefaultRng, Landscape, Model, V8Params, blob};
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
    let base = time_over(inputs, |x| {
        (lands[x.landscape].well_midpoint(), x.mu, x.delta)
    });
    let t = time_over(inputs, |x| lands[x.landscape].log_prob(x.mu, x.delta));
    row(
        "Landscape::log_prob (cached landscape)",
        per_call(t, base, calls),
        Some(150),
    );

    // Landscape::score: log-probability and jump posterior together.
    let t = time_over(inputs, |x| lands[x.landscape].score(x.mu, x.delta));
    row(
        "Landscape::score (log_prob + jump_posterior)",
        per_call(t, base, calls),
        None,
    );

    // Landscape::step: one simulated stroke, random draws included.
    let mut rng = DefaultRng::seed_from_u64(1);
    let base_rng = time_over(inputs, |x| (lands[x.landscape].well_midpoint(), x.mu));
    let t = time_over(inputs, |x| lands[x.landscape].step(x.mu, &mut rng));
    row("Landscape::step", per_call(t, base_rng, calls), Some(120));

    // Model::landscape: once per temperature change.
    let base_t = time_over(temperatures, |t| t);
    let t = time_over(temperatures, |t| model.landscape(t));
    row(
        "Model::landscape (per temperature change)",
        per_call(t, base_t, REPEATS * temperatures.len() as u32),
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
                black_box(black_box(s));
            }
        });
        t_avg += timer::ticks(|| {
            for &s in &samples {
                let (fy, fz, x) = black_box(s);
                let _ = black_box(avg.push_forces(fy, fz, x));
            }
        });
        black_box(avg.finish().ok());
    }
    row(
        "StrokeAverager::push_forces (one sample)",
        per_call(t_avg, t_base, REPEATS * samples.len() as u32),
        Some(40),
    );
    let empty = time_over(inputs, |x| x);
    defmt::println!(
        "(baseline loop: {=f32} instructions per iteration, subtracted; {=u32} calls per figure)",
        (empty * INSTRUCTIONS_PER_TICK) as f32 / calls as f32,
        calls
    );
    defmt::println!(
        "sizes: Model {=usize} B, Landscape {=usize} B, StrokeAverager {=usize} B, DefaultRng {=usize} B",
        core::mem::size_of::<Model<f32>>(),
        core::mem::size_of::<Landscape<f32>>(),
        core::mem::size_of::<StrokeAverager<f32>>(),
        core::mem::size_of::<DefaultRng>()
    );
    stop(ExitCode::Success)
}
