//! Instructions per call of the core's per-sample, per-transition and per-stroke functions
//! (`Monitor::update` running the flashed blob in place), of checking the blob (`PackageView::new`),
//! and the stack they need, on the smallest part: a Cortex-M0 without FPU (QEMU microbit, nRF51822,
//! 16 KiB of RAM; `--target thumbv6m-none-eabi`), where every float operation is a soft-float call.
//! The same program runs on the Cortex-M4F (QEMU mps2-an386, the default target), so both columns of
//! the firmware README's Cortex-M0 table come from one source:
//!
//! ```text
//! cargo run --release --bin measure-m0 --target thumbv6m-none-eabi   # Cortex-M0, soft float
//! cargo run --release --bin measure-m0                               # Cortex-M4F
//! ```
//!
//! Counted as in `measure` (QEMU `-icount shift=0`, the board's timer in `timer`): each function is
//! called through an `#[inline(never)]` wrapper, a wrapper with a trivial body called by the same
//! loop is subtracted, inputs are the demo strokes' transitions (the published fit, V8). These are
//! instructions, not cycles: a Cortex-M0's multiply is 1 or 32 cycles by the part, its flash has wait
//! states. The monitor runs the blob of the PARAMS region (`embed-blob`: the shipped V8 blob) viewed
//! in place: nothing of it is copied into the Cortex-M0's 16 KiB of RAM.
#![no_std]
#![no_main]

mod common;

use common::{
    REPEATS, baseline_extract, baseline_landscape, baseline_push, baseline_step, baseline1,
    baseline2, cdf, extract_push, landscape, log_prob, logf, per_call, push_forces, score, step,
    time_over,
};
use core::hint::black_box;
use galling::averager::{COUNTS_PER_MM, StrokeAverager};
use galling::blob::PackageView;
use galling::features::StrokeFeatureExtractor;
use galling::monitor::{Monitor, MonitorState};
use galling::rand_core::SeedableRng;
use galling::{DefaultRng, Landscape, Model, V8Params};
use galling_firmware_example::demo::{DEMO_STROKES, DemoStroke};
use galling_firmware_example::timer::{self, INSTRUCTIONS_PER_TICK};
use galling_firmware_example::{ExitCode, model_temperature, params_region, stack, stop};

/// Largest number of demo temperatures.
const MAX_TEMPERATURES: usize = 8;
/// Largest number of demo transitions used as inputs.
const MAX_INPUTS: usize = 128;
/// Samples of the synthetic stroke fed to the averager and the feature extractor.
const STROKE_SAMPLES: usize = 101;

/// One transition: which landscape, the COF and the change to the next stroke.
#[derive(Clone, Copy)]
struct Input {
    landscape: usize,
    mu: f32,
    delta: f32,
}

/// `libm::expf` (reference).
#[inline(never)]
fn expf(x: f32) -> f32 {
    libm::expf(x)
}

/// One f32 addition (on the Cortex-M0 a call of `__aeabi_fadd`).
#[inline(never)]
fn fadd(a: f32, b: f32) -> f32 {
    a + b
}

/// One f32 multiplication (`__aeabi_fmul`).
#[inline(never)]
fn fmul(a: f32, b: f32) -> f32 {
    a * b
}

/// One f32 division (`__aeabi_fdiv`).
#[inline(never)]
fn fdiv(a: f32, b: f32) -> f32 {
    a / b
}

/// One f32 comparison (`__aeabi_fcmplt`).
#[inline(never)]
fn flt(a: f32, b: f32) -> bool {
    a < b
}

/// Baseline of the two-float wrappers: same arguments, returns one of them.
#[inline(never)]
fn baseline_ff(a: f32, b: f32) -> f32 {
    black_box(b);
    a
}

/// A loop of exactly `2 n` instructions (`subs` and `bne` per iteration): the calibration of the
/// counter, whose result must be `2 n` up to the timer's resolution.
#[inline(never)]
fn two_instruction_loop(n: u32) {
    // SAFETY: only decrements a register until it is zero; touches no memory and no stack.
    unsafe {
        core::arch::asm!("2:", "subs {0}, #1", "bne 2b", inout(reg) n => _, options(nomem, nostack));
    }
}

/// `PackageView::new`: the whole blob checked once (CRC-32, structure, canonical form, every value).
#[inline(never)]
fn check_blob(region: &[u8]) -> bool {
    PackageView::new(region).is_ok()
}

/// `blob::crc32` over `bytes` (what `PackageView::new` computes over the blob's content).
#[inline(never)]
fn crc(bytes: &[u8]) -> u32 {
    galling::blob::crc32(bytes)
}

/// `TableView::validate`: every entry of the risk table checked (part of `PackageView::new`).
#[inline(never)]
fn validate_table(view: &PackageView<'_>) -> bool {
    view.table().validate().is_ok()
}

/// Baseline of [`validate_table`].
#[inline(never)]
fn baseline_view(view: &PackageView<'_>) -> bool {
    black_box(view);
    true
}

/// Baseline of [`check_blob`].
#[inline(never)]
fn baseline_check(region: &[u8]) -> bool {
    black_box(region).len() > 3
}

/// `Monitor::update`: one stroke.
#[inline(never)]
fn monitor_update(m: &mut Monitor<'_>, stroke: u32, temperature: f32, cof: f32) -> bool {
    m.update(stroke, temperature, cof).is_ok()
}

/// Baseline of [`monitor_update`].
#[inline(never)]
fn baseline_monitor(m: &mut Monitor<'_>, stroke: u32, temperature: f32, cof: f32) -> bool {
    black_box(m);
    stroke > 0 && temperature > cof
}

/// Instructions per `Monitor::update` over the demo transitions (`passes` passes), the temperature
/// steady within a series or changing on every stroke.
fn time_monitor(
    monitor: &mut Monitor<'_>,
    inputs: &[Input],
    temperatures: &[f32],
    every_stroke: bool,
    passes: u32,
) -> f32 {
    let mut stroke = monitor.expected_stroke().unwrap_or(0);
    let temperature = |n: u32, i: &Input| {
        if every_stroke {
            temperatures[n as usize % temperatures.len()]
        } else {
            temperatures[i.landscape]
        }
    };
    let (mut t, mut base) = (0u32, 0u32);
    for _ in 0..passes {
        base += timer::ticks(|| {
            for &x in inputs {
                let x = black_box(x);
                black_box(baseline_monitor(
                    monitor,
                    stroke,
                    temperature(stroke, &x),
                    x.mu,
                ));
            }
        });
        t += timer::ticks(|| {
            for &x in inputs {
                let x = black_box(x);
                black_box(monitor_update(
                    monitor,
                    stroke,
                    temperature(stroke, &x),
                    x.mu,
                ));
                stroke += 1;
            }
        });
    }
    if monitor.expected_stroke() != Some(stroke) {
        defmt::error!("the monitor rejected strokes during the measurement");
        stop(ExitCode::Failed)
    }
    per_call(t, base, passes * inputs.len() as u32)
}

/// The costliest single `Monitor::update` over COFs every 0.005 from 0.10 to 0.52, the temperature
/// changing on every call (the landscape is rebuilt every time), each call timed alone; returns
/// (worst, its COF, its temperature, mean).
fn monitor_worst_case(monitor: &mut Monitor<'_>, temperatures: &[f32]) -> (u32, f32, f32, f32) {
    const COFS: u32 = 85;
    let mut stroke = monitor.expected_stroke().unwrap_or(0);
    let mut base_total = 0u32;
    for n in 0..COFS {
        let t = temperatures[n as usize % temperatures.len()];
        base_total += timer::ticks(|| {
            black_box(baseline_monitor(monitor, stroke, t, 0.1));
        });
    }
    let base = base_total * INSTRUCTIONS_PER_TICK / COFS;
    let (mut worst, mut worst_cof, mut worst_t, mut total, mut calls) =
        (0u32, 0.0, 0.0, 0u32, 0u32);
    for pass in 0..temperatures.len() as u32 {
        for k in 0..COFS {
            let cof = 0.10 + 0.005 * k as f32;
            let t = temperatures[(k + pass) as usize % temperatures.len()];
            let mut ok = false;
            let ticks = timer::ticks(|| ok = monitor_update(monitor, stroke, t, cof));
            if !ok {
                defmt::error!("the monitor rejected a stroke during the worst-case search");
                stop(ExitCode::Failed)
            }
            stroke = stroke.wrapping_add(1);
            let instructions = (ticks * INSTRUCTIONS_PER_TICK).saturating_sub(base);
            if instructions > worst {
                (worst, worst_cof, worst_t) = (instructions, cof, t);
            }
            total += instructions;
            calls += 1;
        }
        monitor.reset_alarms();
    }
    (worst, worst_cof, worst_t, total as f32 / calls as f32)
}

/// The other variants' blobs (`blob/*.glng`, from `cargo xtask generate` in the repository
/// root), each viewed in place where the linker put it in flash.
const OTHER_BLOBS: [(&str, &[u8]); 3] = [
    ("V8-13 (test set)", include_bytes!("../../blob/v8_13.glng")),
    ("V9 (upstream fit)", include_bytes!("../../blob/v9.glng")),
    ("V7 (upstream fit)", include_bytes!("../../blob/v7.glng")),
];

/// One row of the table.
fn row(name: &str, instructions: f32) {
    defmt::println!("| {=str} | {=f32} |", name, instructions);
}

/// Instructions per sample of `push` over a synthetic stroke (101 samples 1 mm apart from 800 mm:
/// 9 run-in, 51 window, 40 exit samples), `finish` between strokes, against `baseline`.
fn time_stroke<T>(
    state: &mut T,
    samples: &[(f32, f32, i32)],
    push: fn(&mut T, f32, f32, i32) -> bool,
    baseline: fn(&mut T, f32, f32, i32) -> bool,
    finish: impl Fn(&mut T),
) -> f32 {
    let (mut t, mut base) = (0u32, 0u32);
    for _ in 0..REPEATS {
        base += timer::ticks(|| {
            for &s in samples {
                let (fy, fz, x) = black_box(s);
                black_box(baseline(state, fy, fz, x));
            }
        });
        t += timer::ticks(|| {
            for &s in samples {
                let (fy, fz, x) = black_box(s);
                black_box(push(state, fy, fz, x));
            }
        });
        finish(state);
    }
    per_call(t, base, REPEATS * samples.len() as u32)
}

#[cortex_m_rt::entry]
fn main() -> ! {
    stack::paint();
    let Ok(model) = Model::new(&V8Params::PUBLISHED_FIT) else {
        defmt::error!("the published fit must be valid");
        stop(ExitCode::Failed)
    };

    // The demo strokes' temperatures and the transitions between strokes of a series.
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
    #[cfg(microbit)]
    defmt::println!(
        "instructions per call, QEMU microbit Cortex-M0 (soft float), -icount shift=0, nRF51 TIMER0 (62.5 instructions per tick)"
    );
    #[cfg(not(microbit))]
    defmt::println!(
        "instructions per call, QEMU mps2-an386 Cortex-M4F, -icount shift=0, CMSDK timer0 (40 instructions per tick)"
    );
    const LOOPS: u32 = 100_000;
    let base = timer::ticks(|| two_instruction_loop(black_box(1)));
    let t = timer::ticks(|| two_instruction_loop(black_box(LOOPS + 1)));
    defmt::println!(
        "calibration: a loop of {=u32} instructions counted as {=u32}",
        2 * LOOPS,
        t.saturating_sub(base) * INSTRUCTIONS_PER_TICK
    );
    defmt::println!("| function | instructions per call |");
    defmt::println!("|---|---|");

    let base = time_over(inputs, |x| baseline2(&lands[x.landscape], x.mu, x.delta));
    let t = time_over(inputs, |x| log_prob(&lands[x.landscape], x.mu, x.delta));
    row(
        "Landscape::log_prob (V8 kernel, cached landscape)",
        per_call(t, base, calls),
    );
    let t = time_over(inputs, |x| score(&lands[x.landscape], x.mu, x.delta));
    row(
        "Landscape::score (log_prob + jump posterior)",
        per_call(t, base, calls),
    );

    let mut rng = DefaultRng::seed_from_u64(1);
    let base = time_over(inputs, |x| {
        baseline_step(&lands[x.landscape], x.mu, &mut rng)
    });
    let t = time_over(inputs, |x| step(&lands[x.landscape], x.mu, &mut rng));
    row(
        "Landscape::step (one simulated stroke)",
        per_call(t, base, calls),
    );

    let mut out = lands[0];
    let base = time_over(temperatures, |t| baseline_landscape(&model, t, &mut out));
    let t = time_over(temperatures, |t| landscape(&model, t, &mut out));
    row(
        "Model::landscape (per temperature change)",
        per_call(t, base, REPEATS * temperatures.len() as u32),
    );

    // A synthetic stroke: 101 samples 1 mm apart, 9 in the run-in, 51 in the window, 40 in the exit.
    let mut samples = [(0.0_f32, 0.0_f32, 0_i32); STROKE_SAMPLES];
    for (i, s) in samples.iter_mut().enumerate() {
        let fz = -1000.0 - (i % 7) as f32;
        *s = (
            0.2 * fz + (i % 5) as f32,
            fz,
            800 * COUNTS_PER_MM - i as i32 * COUNTS_PER_MM,
        );
    }
    let mut avg = StrokeAverager::<f32>::default();
    let ipc = time_stroke(&mut avg, &samples, push_forces, baseline_push, |a| {
        black_box(a.finish().ok());
    });
    row("StrokeAverager::push_forces (one sample)", ipc);
    let mut ex = StrokeFeatureExtractor::<f32>::default();
    let ipc = time_stroke(&mut ex, &samples, extract_push, baseline_extract, |e| {
        black_box(e.finish().ok());
    });
    row("StrokeFeatureExtractor::push_forces (one sample)", ipc);

    let base = time_over(inputs, |x| baseline1(x.delta * 20.0));
    let t = time_over(inputs, |x| cdf(x.delta * 20.0));
    row("(reference) normal_cdf", per_call(t, base, calls));
    let base = time_over(inputs, |x| baseline1(1.0 + x.mu));
    let t = time_over(inputs, |x| logf(1.0 + x.mu));
    row("(reference) libm::logf", per_call(t, base, calls));
    let base = time_over(inputs, |x| baseline1(x.delta * 10.0));
    let t = time_over(inputs, |x| expf(x.delta * 10.0));
    row("(reference) libm::expf", per_call(t, base, calls));

    // Single operations on the demo COFs and their changes (normal numbers, no special cases).
    let base = time_over(inputs, |x| baseline_ff(x.mu, x.delta));
    let t = time_over(inputs, |x| fadd(x.mu, x.delta));
    row("(reference) one f32 addition", per_call(t, base, calls));
    let t = time_over(inputs, |x| fmul(x.mu, x.delta));
    row(
        "(reference) one f32 multiplication",
        per_call(t, base, calls),
    );
    let t = time_over(inputs, |x| fdiv(x.delta, x.mu));
    row("(reference) one f32 division", per_call(t, base, calls));
    let t = time_over(inputs, |x| flt(x.mu, x.delta));
    row("(reference) one f32 comparison", per_call(t, base, calls));

    // The blob in flash, checked once and viewed in place; the monitor over it.
    let region = params_region();
    const CHECKS: u32 = 2;
    let base = timer::ticks(|| {
        for _ in 0..CHECKS {
            black_box(baseline_check(black_box(region)));
        }
    });
    let t = timer::ticks(|| {
        for _ in 0..CHECKS {
            black_box(check_blob(black_box(region)));
        }
    });
    row(
        "PackageView::new (the flashed V8 blob, 5,429 B: CRC-32 and every check, nothing copied)",
        per_call(t, base, CHECKS),
    );
    let view = match PackageView::new(region) {
        Ok(v) => v,
        Err(e) => {
            defmt::error!("parameter blob refused: {}", e);
            stop(ExitCode::BlobRefused)
        }
    };
    // Two parts of it: the CRC over the content, and the risk table's entries checked.
    let content = &region[..galling::blob::crc_offset(view.params().model())];
    let base = timer::ticks(|| {
        for _ in 0..CHECKS {
            black_box(baseline_check(black_box(content)));
        }
    });
    let t = timer::ticks(|| {
        for _ in 0..CHECKS {
            black_box(crc(black_box(content)));
        }
    });
    row(
        "(part of it) blob::crc32 over the blob's content",
        per_call(t, base, CHECKS),
    );
    let base = timer::ticks(|| {
        for _ in 0..CHECKS {
            black_box(baseline_view(black_box(&view)));
        }
    });
    let t = timer::ticks(|| {
        for _ in 0..CHECKS {
            black_box(validate_table(black_box(&view)));
        }
    });
    row(
        "(part of it) TableView::validate (every table entry)",
        per_call(t, base, CHECKS),
    );
    let mut monitor = Monitor::new(view);
    // The monitor's passes: fewer than the kernel's, each update costs about 25 of them.
    const MONITOR_PASSES: u32 = 4;
    let steady = time_monitor(&mut monitor, inputs, temperatures, false, MONITOR_PASSES);
    row("Monitor::update, steady temperature (demo strokes)", steady);
    let changing = time_monitor(&mut monitor, inputs, temperatures, true, MONITOR_PASSES);
    row(
        "Monitor::update, temperature changes every stroke (demo strokes)",
        changing,
    );
    let (worst, worst_cof, worst_t, mean) = monitor_worst_case(&mut monitor, temperatures);
    row(
        "Monitor::update, worst single call (COF grid 0.10-0.52, new temperature every call)",
        worst as f32,
    );
    defmt::println!(
        "(worst single call at COF {=f32}, {=f32} C; mean of the single calls {=f32})",
        worst_cof,
        worst_t,
        mean
    );

    defmt::println!("per variant, Monitor::update over its blob in flash:");
    defmt::println!("| variant | steady | changing every stroke | worst single call, where |");
    defmt::println!("|---|---|---|---|");
    defmt::println!(
        "| V8 (published fit, the PARAMS region) | {=f32} | {=f32} | {=u32} at COF {=f32}, {=f32} C |",
        steady,
        changing,
        worst,
        worst_cof,
        worst_t
    );
    for (name, bytes) in OTHER_BLOBS {
        let Ok(view) = PackageView::new(bytes) else {
            defmt::error!("{=str}: blob refused", name);
            stop(ExitCode::BlobRefused)
        };
        let mut m = Monitor::new(view);
        let steady = time_monitor(&mut m, inputs, temperatures, false, MONITOR_PASSES);
        let changing = time_monitor(&mut m, inputs, temperatures, true, MONITOR_PASSES);
        let (worst, cof, t, _) = monitor_worst_case(&mut m, temperatures);
        defmt::println!(
            "| {=str} | {=f32} | {=f32} | {=u32} at COF {=f32}, {=f32} C |",
            name,
            steady,
            changing,
            worst,
            cof,
            t
        );
    }

    defmt::println!(
        "({=u32} calls per transition figure over {=usize} demo transitions at {=usize} temperatures; {=u32} samples per sample figure)",
        calls,
        inputs.len(),
        temperatures.len(),
        REPEATS * STROKE_SAMPLES as u32
    );
    defmt::println!(
        "sizes: Monitor {=usize} B (MonitorState {=usize} B, PackageView {=usize} B), Model {=usize} B, Landscape {=usize} B, StrokeAverager {=usize} B, StrokeFeatureExtractor {=usize} B",
        core::mem::size_of::<Monitor>(),
        core::mem::size_of::<MonitorState>(),
        core::mem::size_of::<PackageView>(),
        core::mem::size_of::<Model<f32>>(),
        core::mem::size_of::<Landscape<f32>>(),
        core::mem::size_of::<StrokeAverager<f32>>(),
        core::mem::size_of::<StrokeFeatureExtractor<f32>>()
    );
    // Stack of one call (with its callees, the soft-float routines on the Cortex-M0), painted below
    // the caller's stack pointer: what the per-stroke path needs beyond its caller's frame.
    const PAINTED: usize = 4096;
    let used = |f: &mut dyn FnMut()| {
        let sp = stack::paint_below(PAINTED);
        f();
        stack::used_below(sp, PAINTED)
    };
    let x = inputs[0];
    let s_score = used(&mut || {
        black_box(score(&lands[x.landscape], x.mu, x.delta));
    });
    let s_step = used(&mut || {
        black_box(step(&lands[x.landscape], x.mu, &mut rng));
    });
    let s_land = used(&mut || landscape(&model, temperatures[0], &mut out));
    let s_avg = used(&mut || {
        for &(fy, fz, x) in &samples {
            black_box(push_forces(&mut avg, fy, fz, x));
        }
        black_box(avg.finish().ok());
    });
    let s_ex = used(&mut || {
        for &(fy, fz, x) in &samples {
            black_box(extract_push(&mut ex, fy, fz, x));
        }
        black_box(ex.finish().ok());
    });
    let s_check = used(&mut || {
        black_box(check_blob(region));
    });
    let s_update = used(&mut || {
        let stroke = monitor.expected_stroke().unwrap_or(0);
        black_box(monitor_update(&mut monitor, stroke, 167.5, 0.31));
    });
    defmt::println!(
        "stack of one call below the caller (painted, includes the closure's frame): PackageView::new {=usize} B, Monitor::update (new temperature) {=usize} B, Landscape::score {=usize} B, Landscape::step {=usize} B, Model::landscape {=usize} B, a stroke through StrokeAverager {=usize} B, through StrokeFeatureExtractor {=usize} B",
        s_check,
        s_update,
        s_score,
        s_step,
        s_land,
        s_avg,
        s_ex
    );
    defmt::println!(
        "stack high-water mark of this program: {=usize} B of {=usize} B",
        stack::high_water_mark(),
        stack::capacity()
    );
    stop(ExitCode::Success)
}
