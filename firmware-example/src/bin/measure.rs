//! Instructions per call of the core's per-stroke functions on the emulated Cortex-M4F, counted with
//! QEMU's `-icount shift=0` and the CMSDK timer (see `timer`), and printed as a table.
//!
//! Each function is called through an `#[inline(never)]` wrapper, so the figure does not depend on
//! what the optimiser does with the rest of this binary; a wrapper with a trivial body, called by the
//! same loop, is the baseline: `(ticks(loop calling f) - ticks(loop calling the trivial wrapper)) * 40
//! / calls`. So the figure is the function's own instructions; the call and the loop are subtracted.
//! Inputs are the demo strokes, so the branches taken are the ones real data takes. The worst case of
//! `Monitor::update` is also searched directly: single calls, each timed alone, over a grid of COFs
//! (every 0.005 from 0.10 to 0.52) with the temperature changing on every call.
//!
//! A second table repeats the figures that depend on the variant for every variant's blob
//! (`blob/*.glng`: V8, V8-13, V9, V7, V8-P): `PackageView::new` (decode and check), the kernel's `log_prob` and per-temperature
//! set-up, and `Monitor::update` running the blob.
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
use galling::family::{
    AnyKernel, AnyModel, PrecursorLandscape, PrecursorModel, V7Landscape, V7Model,
};
use galling::features::StrokeFeatureExtractor;
use galling::monitor::MonitorState;
use galling::rand_core::SeedableRng;
use galling::risk::{Hazard, TableView};
use galling::signals::excess;
use galling::{DefaultRng, Kernel, Kernels, Landscape, Model, Monitor};
use galling_firmware_example::demo::{DEMO_STROKES, DemoStroke};
use galling_firmware_example::timer::{self, INSTRUCTIONS_PER_TICK};
use galling_firmware_example::{ExitCode, model_temperature, params_region, stop};

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

/// `Monitor::update` with the stroke's kernel inputs `z` (`Monitor::update_with_inputs`; empty:
/// exactly `Monitor::update`), not inlined into the measuring loop.
#[inline(never)]
fn monitor_update(
    m: &mut Monitor<'static>,
    stroke: u32,
    temperature: f32,
    cof: f32,
    z: &[f32],
) -> bool {
    m.update_with_inputs(stroke, temperature, cof, z).is_ok()
}

/// Baseline of [`monitor_update`]: same arguments, trivial body.
#[inline(never)]
fn baseline_monitor(
    m: &mut Monitor<'static>,
    stroke: u32,
    temperature: f32,
    cof: f32,
    z: &[f32],
) -> bool {
    black_box((m, z));
    stroke > 0 && temperature > cof
}

/// The standardised stroke features V8-P's monitor is measured with: a breakaway peak two
/// spreads and a run-in share one spread above the clean reference (the kernel's per-stroke
/// escape factor is evaluated, not the baseline's shortcut).
const PRECURSOR_Z: [f32; 2] = [2.0, 1.0];

/// The kernel inputs a monitor is measured with: [`PRECURSOR_Z`] for V8-P, none for the others.
fn measured_inputs(monitor: &Monitor<'static>) -> &'static [f32] {
    if monitor.package().features().is_some() {
        &PRECURSOR_Z
    } else {
        &[]
    }
}

/// Instructions per `Monitor::update` over the demo inputs: with the temperature steady (changing
/// only between series, the landscape cache is hit) or changing on every stroke (worst case).
fn time_monitor(
    monitor: &mut Monitor<'static>,
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
    let z = measured_inputs(monitor);
    let base = time_over(inputs, |x| {
        baseline_monitor(monitor, stroke, temperature(stroke, &x), x.mu, z)
    });
    let t = time_over(inputs, |x| {
        let ok = monitor_update(monitor, stroke, temperature(stroke, &x), x.mu, z);
        stroke += 1;
        ok
    });
    if monitor.expected_stroke() != Some(stroke) {
        defmt::error!("the monitor rejected strokes during the measurement");
        stop(ExitCode::Failed)
    }
    per_call(t, base, REPEATS * inputs.len() as u32)
}

/// `RiskTable::risk` with a cached landscape, not inlined into the measuring loop.
#[inline(never)]
fn risk(table: &TableView<'_>, land: &Landscape<f32>, temperature: f32, cof: f32) -> f32 {
    table.risk(land, temperature, cof)
}

/// Baseline of [`risk`]: same arguments, trivial body.
#[inline(never)]
fn baseline_risk(table: &TableView<'_>, land: &Landscape<f32>, temperature: f32, cof: f32) -> f32 {
    black_box((table, land));
    temperature + cof
}

/// `RiskTable::hazard`, not inlined into the measuring loop.
#[inline(never)]
fn hazard(table: &TableView<'_>, temperature: f32) -> Hazard {
    table.hazard(temperature)
}

/// Baseline of [`hazard`]: same arguments, trivial body.
#[inline(never)]
fn baseline_hazard(table: &TableView, temperature: f32) -> Hazard {
    black_box(table);
    Hazard {
        risk: temperature,
        expected_strokes: temperature,
        clean_cof: temperature,
    }
}

/// `signals::excess` (two logits, two `logf`), not inlined into the measuring loop.
#[inline(never)]
fn excess_of(risk: f32, hazard: f32) -> f32 {
    excess(risk, hazard)
}

/// Baseline of the two-float wrappers.
#[inline(never)]
fn baseline_ff(a: f32, b: f32) -> f32 {
    a + b
}

/// `PackageView::new` of the whole blob (CRC-32, structure, canonical form, every value checked;
/// nothing copied).
#[inline(never)]
fn decode(region: &[u8]) -> bool {
    PackageView::new(region).is_ok()
}

/// Baseline of [`decode`].
#[inline(never)]
fn baseline_decode(region: &[u8]) -> bool {
    black_box(region).len() > 3
}

/// Largest and mean instructions of single `Monitor::update` calls, each timed alone, over COFs every
/// 0.005 from 0.10 to 0.52 with the temperature stepping through `temperatures` on every call (so the
/// landscape is rebuilt on every call). One timer tick is 40 instructions: the figures are resolved
/// to 40 instructions.
fn monitor_worst_case(monitor: &mut Monitor<'static>, temperatures: &[f32]) -> Worst {
    const COFS: u32 = 85;
    let mut stroke = monitor.expected_stroke().unwrap_or(0);
    let z = measured_inputs(monitor);
    // The baseline of a single timed call: the trivial wrapper, averaged over many calls.
    let mut base_total = 0u32;
    for n in 0..COFS {
        let t = temperatures[n as usize % temperatures.len()];
        base_total += timer::ticks(|| {
            black_box(baseline_monitor(monitor, stroke, t, 0.1, z));
        });
    }
    let base = (base_total * INSTRUCTIONS_PER_TICK) / COFS;
    let (mut worst, mut total, mut calls) = (0u32, 0u32, 0u32);
    let (mut worst_cof, mut worst_temperature) = (0.0_f32, 0.0_f32);
    for pass in 0..temperatures.len() as u32 {
        for k in 0..COFS {
            let cof = 0.10 + 0.005 * k as f32;
            let t = temperatures[(k + pass) as usize % temperatures.len()];
            let mut ok = false;
            let ticks = timer::ticks(|| ok = monitor_update(monitor, stroke, t, cof, z));
            if !ok {
                defmt::error!("the monitor rejected a stroke during the worst-case search");
                stop(ExitCode::Failed)
            }
            stroke = stroke.wrapping_add(1);
            let instructions = (ticks * INSTRUCTIONS_PER_TICK).saturating_sub(base);
            if instructions > worst {
                (worst, worst_cof, worst_temperature) = (instructions, cof, t);
            }
            total += instructions;
            calls += 1;
        }
        // Each pass starts from a clean state (the sweep ends galled).
        monitor.reset_alarms();
    }
    Worst {
        instructions: worst,
        cof: worst_cof,
        temperature: worst_temperature,
        mean: total as f32 / calls as f32,
        calls,
    }
}

/// The result of [`monitor_worst_case`].
struct Worst {
    /// Instructions of the costliest single call.
    instructions: u32,
    /// Its COF.
    cof: f32,
    /// Its temperature.
    temperature: f32,
    /// Mean instructions over all calls.
    mean: f32,
    /// Number of calls.
    calls: u32,
}

/// The blob of every variant (`blob/*.glng`, from `cargo xtask generate` in the repository
/// root; V8's is the shipped published fit).
const FAMILY_BLOBS: [(&str, &[u8]); 5] = [
    (
        "V8 (published fit)",
        include_bytes!("../../blob/published_fit.glng"),
    ),
    ("V8-13 (test set)", include_bytes!("../../blob/v8_13.glng")),
    ("V9 (upstream fit)", include_bytes!("../../blob/v9.glng")),
    ("V7 (upstream fit)", include_bytes!("../../blob/v7.glng")),
    (
        "V8-P (test set, features z = [2, 1])",
        include_bytes!("../../blob/v8_precursor.glng"),
    ),
];

/// `Kernel::log_prob` of any kernel, not inlined into the measuring loop.
#[inline(never)]
fn kernel_log_prob<K: Kernel<f32>>(k: &K, mu: f32, delta: f32) -> f32 {
    k.log_prob(mu, delta)
}

/// Baseline of [`kernel_log_prob`]: same arguments, trivial body.
#[inline(never)]
fn kernel_baseline<K: Kernel<f32>>(k: &K, mu: f32, delta: f32) -> f32 {
    black_box(k);
    mu + delta
}

/// `V7Model::landscape`, not inlined into the measuring loop.
#[inline(never)]
fn v7_landscape(model: &V7Model<f32>, temperature: f32, out: &mut V7Landscape<f32>) {
    *out = model.landscape(temperature);
}

/// Baseline of [`v7_landscape`].
#[inline(never)]
fn baseline_v7_landscape(model: &V7Model<f32>, temperature: f32, out: &mut V7Landscape<f32>) {
    black_box((model, temperature, out));
}

/// `PrecursorModel::landscape` (V8-P), not inlined into the measuring loop.
#[inline(never)]
fn precursor_landscape(
    model: &PrecursorModel<f32>,
    temperature: f32,
    out: &mut PrecursorLandscape<f32>,
) {
    *out = model.landscape(temperature);
}

/// Baseline of [`precursor_landscape`].
#[inline(never)]
fn baseline_precursor_landscape(
    model: &PrecursorModel<f32>,
    temperature: f32,
    out: &mut PrecursorLandscape<f32>,
) {
    black_box((model, temperature, out));
}

/// Instructions per `log_prob` of the kernel `land(t)` at each demo temperature, over the demo
/// transitions.
fn time_kernel<K: Kernel<f32> + Copy>(
    inputs: &[Input],
    temperatures: &[f32],
    land: impl Fn(f32) -> K,
) -> f32 {
    let first = land(temperatures[0]);
    let mut lands = [first; MAX_TEMPERATURES];
    for (l, &t) in lands.iter_mut().zip(temperatures) {
        *l = land(t);
    }
    let lands = black_box(&lands[..temperatures.len()]);
    let base = time_over(inputs, |x| {
        kernel_baseline(&lands[x.landscape], x.mu, x.delta)
    });
    let t = time_over(inputs, |x| {
        kernel_log_prob(&lands[x.landscape], x.mu, x.delta)
    });
    per_call(t, base, REPEATS * inputs.len() as u32)
}

/// `RiskTable::risk` with the monitor's kernel type, not inlined into the measuring loop.
#[inline(never)]
fn any_risk(table: &TableView, land: &AnyKernel<f32>, temperature: f32, cof: f32) -> f32 {
    table.risk(land, temperature, cof)
}

/// Baseline of [`any_risk`].
#[inline(never)]
fn baseline_any_risk(
    table: &TableView<'_>,
    land: &AnyKernel<f32>,
    temperature: f32,
    cof: f32,
) -> f32 {
    black_box((table, land));
    temperature + cof
}

/// Mean instructions of one risk-table transition row (`RiskTable::risk` at a COF at or below the
/// threshold) over the worst-case search's COF grid (0.10 to 0.50 every 0.005) at every demo
/// temperature, the kernel cached.
fn time_risk_rows(monitor: &Monitor<'static>, temperatures: &[f32]) -> f32 {
    let table = monitor.package().table();
    let (mut t_total, mut b_total, mut calls) = (0u32, 0u32, 0u32);
    for &t in temperatures {
        let land = black_box(monitor.model().landscape(t));
        let cofs = (0..81u32).map(|k| 0.10 + 0.005 * k as f32);
        b_total += timer::ticks(|| {
            for c in cofs.clone() {
                black_box(baseline_any_risk(table, &land, t, black_box(c)));
            }
        });
        t_total += timer::ticks(|| {
            for c in cofs.clone() {
                black_box(any_risk(table, &land, t, black_box(c)));
            }
        });
        calls += 81;
    }
    per_call(t_total, b_total, calls)
}

/// Per variant: `PackageView::new` of its blob, `log_prob` and the per-temperature set-up of its kernel,
/// and `Monitor::update` running it (steady temperature, a new temperature every stroke, the worst
/// single call).
fn family_table(inputs: &[Input], temperatures: &[f32]) {
    defmt::println!("per variant (the blob of each, blob/*.glng):");
    defmt::println!(
        "| variant | PackageView::new | kernel log_prob | kernel set-up (landscape) | risk row (COF grid mean) | Monitor::update steady | changing every stroke | worst single call |"
    );
    defmt::println!("|---|---|---|---|---|---|---|---|");
    for (name, bytes) in FAMILY_BLOBS {
        const DECODES: u32 = 4;
        let base = timer::ticks(|| {
            for _ in 0..DECODES {
                black_box(baseline_decode(black_box(bytes)));
            }
        });
        let t = timer::ticks(|| {
            for _ in 0..DECODES {
                black_box(decode(black_box(bytes)));
            }
        });
        let decode_ipc = per_call(t, base, DECODES);
        let Ok(package) = PackageView::new(bytes) else {
            defmt::error!("{=str}: blob refused", name);
            stop(ExitCode::BlobRefused)
        };
        let mut monitor = Monitor::new(package);
        let (log_prob_ipc, landscape_ipc) = match *monitor.model() {
            AnyModel::DoubleWell(_, m) => {
                let mut out = m.landscape(temperatures[0]);
                let base = time_over(temperatures, |t| baseline_landscape(&m, t, &mut out));
                let t = time_over(temperatures, |t| landscape(&m, t, &mut out));
                (
                    time_kernel(inputs, temperatures, |t| m.landscape(t)),
                    per_call(t, base, REPEATS * temperatures.len() as u32),
                )
            }
            AnyModel::Linear(_, m) => {
                let mut out = m.landscape(temperatures[0]);
                let base = time_over(temperatures, |t| baseline_v7_landscape(&m, t, &mut out));
                let t = time_over(temperatures, |t| v7_landscape(&m, t, &mut out));
                (
                    time_kernel(inputs, temperatures, |t| m.landscape(t)),
                    per_call(t, base, REPEATS * temperatures.len() as u32),
                )
            }
            AnyModel::Precursor(_, m) => {
                let mut out = m.landscape(temperatures[0]);
                let base = time_over(temperatures, |t| {
                    baseline_precursor_landscape(&m, t, &mut out)
                });
                let t = time_over(temperatures, |t| precursor_landscape(&m, t, &mut out));
                (
                    time_kernel(inputs, temperatures, |t| m.landscape(t)),
                    per_call(t, base, REPEATS * temperatures.len() as u32),
                )
            }
        };
        let risk_row = time_risk_rows(&monitor, temperatures);
        let steady = time_monitor(&mut monitor, inputs, temperatures, false);
        let changing = time_monitor(&mut monitor, inputs, temperatures, true);
        let w = monitor_worst_case(&mut monitor, temperatures);
        let worst = w.instructions;
        defmt::println!(
            "| {=str} | {=f32} | {=f32} | {=f32} | {=f32} | {=f32} | {=f32} | {=u32} at COF {=f32}, {=f32} C ({=str}) |",
            name,
            decode_ipc,
            log_prob_ipc,
            landscape_ipc,
            risk_row,
            steady,
            changing,
            worst,
            w.cof,
            w.temperature,
            if worst <= 10_000 && steady <= 10_000.0 && changing <= 10_000.0 {
                "10,000 goal met"
            } else {
                "10,000 goal MISSED"
            }
        );
    }
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
    let region = params_region();
    let package: PackageView = match PackageView::new(region) {
        Ok(p) => p,
        Err(e) => {
            defmt::error!("parameter blob refused: {}", e);
            stop(ExitCode::BlobRefused)
        }
    };
    // The per-function rows use the double-well kernel of the flashed blob (V8, V8-13 or V9).
    let Some(model) = package.params().to_v8().and_then(|p| Model::new(&p).ok()) else {
        defmt::error!("the flashed blob is not a valid double-well variant (V8, V8-13, V9)");
        stop(ExitCode::BlobRefused)
    };
    let table = package.table();

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

    // What the monitor hands to RiskTable::risk: the COF, or the typical clean COF when it is lower.
    let mut risk_inputs = [Input {
        landscape: 0,
        mu: 0.0,
        delta: 0.0,
    }; MAX_INPUTS];
    let mut n_risk = 0;
    let mut n_below = 0;
    for x in inputs {
        let clean = table.hazard(temperatures[x.landscape]).clean_cof;
        let start = if x.mu < clean { clean } else { x.mu };
        risk_inputs[n_risk] = Input { mu: start, ..*x };
        n_risk += 1;
        n_below += usize::from(start <= table.threshold());
    }
    let risk_inputs = &risk_inputs[..n_risk];
    // The same restricted to COFs at or below the threshold (those compute a transition row).
    let mut row_inputs = [risk_inputs[0]; MAX_INPUTS];
    let mut n_row = 0;
    for x in risk_inputs.iter().filter(|x| x.mu <= table.threshold()) {
        row_inputs[n_row] = *x;
        n_row += 1;
    }
    let row_inputs = &row_inputs[..n_row];

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

    // Landscape::score: log-probability and jump posterior together (what the monitor calls).
    let t = time_over(inputs, |x| score(&lands[x.landscape], x.mu, x.delta));
    let score_ipc = per_call(t, base, calls);
    row(
        "Landscape::score (log_prob + jump_posterior)",
        score_ipc,
        None,
    );

    // Landscape::step: one simulated stroke, random draws included.
    let mut rng = DefaultRng::seed_from_u64(1);
    let base = time_over(inputs, |x| {
        baseline_step(&lands[x.landscape], x.mu, &mut rng)
    });
    let t = time_over(inputs, |x| step(&lands[x.landscape], x.mu, &mut rng));
    row("Landscape::step", per_call(t, base, calls), Some(120));

    // Model::landscape: once per temperature change.
    let mut out = lands[0];
    let base = time_over(temperatures, |t| baseline_landscape(&model, t, &mut out));
    let t = time_over(temperatures, |t| landscape(&model, t, &mut out));
    let landscape_ipc = per_call(t, base, REPEATS * temperatures.len() as u32);
    row(
        "Model::landscape (per temperature change)",
        landscape_ipc,
        None,
    );

    // RiskTable::risk: the monitor's inputs (the COF or the typical clean COF, whichever is higher).
    let risk_calls = REPEATS * risk_inputs.len() as u32;
    let base = time_over(risk_inputs, |x| {
        baseline_risk(table, &lands[x.landscape], temperatures[x.landscape], x.mu)
    });
    let t = time_over(risk_inputs, |x| {
        risk(table, &lands[x.landscape], temperatures[x.landscape], x.mu)
    });
    row(
        "RiskTable::risk (demo strokes, cached landscape)",
        per_call(t, base, risk_calls),
        None,
    );
    let row_calls = REPEATS * row_inputs.len() as u32;
    let base = time_over(row_inputs, |x| {
        baseline_risk(table, &lands[x.landscape], temperatures[x.landscape], x.mu)
    });
    let t = time_over(row_inputs, |x| {
        risk(table, &lands[x.landscape], temperatures[x.landscape], x.mu)
    });
    let risk_row_ipc = per_call(t, base, row_calls);
    row(
        "RiskTable::risk (only COFs <= threshold: one transition row each)",
        risk_row_ipc,
        None,
    );

    // RiskTable::hazard: per stroke (interpolated in temperature).
    let base = time_over(temperatures, |t| baseline_hazard(table, t));
    let t = time_over(temperatures, |t| hazard(table, t));
    let hazard_ipc = per_call(t, base, REPEATS * temperatures.len() as u32);
    row("RiskTable::hazard", hazard_ipc, None);

    // signals::excess: the log-odds of the risk over the hazard.
    let base = time_over(inputs, |x| baseline_ff(x.mu, 0.3 * x.mu));
    let t = time_over(inputs, |x| excess_of(x.mu, 0.3 * x.mu));
    let excess_ipc = per_call(t, base, calls);
    row("signals::excess (two logf)", excess_ipc, None);

    // References: the normal CDF of a transition row's cell edges, and the logarithm.
    let base = time_over(inputs, |x| baseline1(x.delta * 20.0));
    let t = time_over(inputs, |x| cdf(x.delta * 20.0));
    row("(reference) normal_cdf", per_call(t, base, calls), None);
    let base = time_over(inputs, |x| baseline1(1.0 + x.mu));
    let t = time_over(inputs, |x| logf(1.0 + x.mu));
    row("(reference) libm::logf", per_call(t, base, calls), None);

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
    // the same strokes through the feature extractor: 9 run-in, 51 window, 40 exit samples
    let mut ex = StrokeFeatureExtractor::<f32>::default();
    let (mut t_ex, mut t_base) = (0u32, 0u32);
    for _ in 0..REPEATS {
        t_base += timer::ticks(|| {
            for &s in &samples {
                let (fy, fz, x) = black_box(s);
                black_box(baseline_extract(&mut ex, fy, fz, x));
            }
        });
        t_ex += timer::ticks(|| {
            for &s in &samples {
                let (fy, fz, x) = black_box(s);
                black_box(extract_push(&mut ex, fy, fz, x));
            }
        });
        black_box(ex.finish().ok());
    }
    row(
        "StrokeFeatureExtractor::push_forces (one sample)",
        per_call(t_ex, t_base, REPEATS * samples.len() as u32),
        Some(60),
    );
    defmt::println!(
        "size: StrokeFeatureExtractor {=usize} B",
        core::mem::size_of::<StrokeFeatureExtractor<f32>>()
    );

    // Monitor::update over the demo strokes: steady temperature, and a new temperature every stroke.
    let mut monitor = Monitor::new(package);
    for (name, every_stroke) in [
        ("Monitor::update, steady temperature", false),
        ("Monitor::update, temperature changes every stroke", true),
    ] {
        let ipc = time_monitor(&mut monitor, inputs, temperatures, every_stroke);
        row(name, ipc, Some(10_000));
    }
    // The worst single call over a COF grid, the temperature changing on every call.
    let Worst {
        instructions: worst,
        mean,
        calls: n,
        ..
    } = monitor_worst_case(&mut monitor, temperatures);
    row(
        "Monitor::update, worst single call (COF grid 0.10-0.52, new temperature every call)",
        worst as f32,
        Some(10_000),
    );
    defmt::println!(
        "(worst-case search: {=u32} single calls, mean {=f32}, resolved to 40 instructions)",
        n,
        mean
    );

    // PackageView::new: once at start (and after a new blob is written).
    const DECODES: u32 = 4;
    let base = timer::ticks(|| {
        for _ in 0..DECODES {
            black_box(baseline_decode(black_box(region)));
        }
    });
    let t = timer::ticks(|| {
        for _ in 0..DECODES {
            black_box(decode(black_box(region)));
        }
    });
    row(
        "PackageView::new (5,429-byte blob: CRC-32 and every check, nothing copied)",
        per_call(t, base, DECODES),
        None,
    );

    family_table(inputs, temperatures);

    let empty = time_over(inputs, |x| baseline2(&lands[x.landscape], x.mu, x.delta));
    defmt::println!(
        "(baseline: loop and trivial wrapper, {=f32} instructions per call, subtracted; {=u32} calls per figure over {=usize} demo transitions, {=usize} of them at or below the threshold for the risk row)",
        (empty * INSTRUCTIONS_PER_TICK) as f32 / calls as f32,
        calls,
        inputs.len(),
        n_below
    );
    defmt::println!(
        "update with a temperature change = Model::landscape {=f32} + Landscape::score {=f32} + RiskTable::hazard {=f32} + one transition row (RiskTable::risk) {=f32} + signals::excess {=f32} + checks and signals",
        landscape_ipc,
        score_ipc,
        hazard_ipc,
        risk_row_ipc,
        excess_ipc
    );
    defmt::println!(
        "sizes: Monitor {=usize} B, MonitorState {=usize} B, PackageView {=usize} B, Model {=usize} B, Landscape {=usize} B, StrokeAverager {=usize} B, DefaultRng {=usize} B",
        core::mem::size_of::<Monitor>(),
        core::mem::size_of::<MonitorState>(),
        core::mem::size_of::<PackageView>(),
        core::mem::size_of::<Model<f32>>(),
        core::mem::size_of::<Landscape<f32>>(),
        core::mem::size_of::<StrokeAverager<f32>>(),
        core::mem::size_of::<DefaultRng>()
    );
    stop(ExitCode::Success)
}
