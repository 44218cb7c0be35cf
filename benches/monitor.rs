//! Host cost of the per-stroke monitor: both forecast methods at several sizes, a whole monitor
//! update, and the temperature advice.
//!
//! `cargo bench --bench monitor`; the README records the figures. Host nanoseconds only rank the
//! methods; the Cortex-M4F instruction counts are measured by the firmware's QEMU benchmark.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use galling::advice::{AdviceConfig, TemperatureAdvisor};
use galling::forecast::{ForecastSettings, GridForecaster, MonteCarloForecaster, RiskForecaster};
use galling::monitor::GridMonitor;
use galling::{Landscape, Model, MonitorBuilder, V8Params};
use std::hint::black_box;
use std::time::Duration;

/// Temperature and COF of the benchmark: the risky middle of the fitted range, clean die.
const T: f32 = 167.5;
const COF: f32 = 0.2;

fn setup() -> (Model<f32>, Landscape<f32>, ForecastSettings<f32>) {
    let model = Model::new(&V8Params::PUBLISHED_FIT).unwrap();
    (
        model,
        model.landscape(T),
        ForecastSettings::for_model(&model),
    )
}

fn monte_carlo<const P: usize>(c: &mut Criterion) {
    let (_, land, settings) = setup();
    let mut f = MonteCarloForecaster::<f32, P>::new(settings, 1);
    c.bench_with_input(BenchmarkId::new("forecast/monte_carlo", P), &P, |b, _| {
        b.iter(|| f.forecast(black_box(&land), black_box(COF)))
    });
}

fn grid<const G: usize>(c: &mut Criterion) {
    let (model, land, settings) = setup();
    let mut f = GridForecaster::<f32, G>::new(settings);
    c.bench_with_input(
        BenchmarkId::new("forecast/grid_same_temperature", G),
        &G,
        |b, _| b.iter(|| f.forecast(black_box(&land), black_box(COF))),
    );
    // Alternating temperatures: every forecast recomputes the cache (k - 1 backward steps).
    let other = model.landscape(T + 0.1);
    let mut flip = false;
    c.bench_with_input(
        BenchmarkId::new("forecast/grid_new_temperature", G),
        &G,
        |b, _| {
            b.iter(|| {
                flip = !flip;
                f.forecast(black_box(if flip { &land } else { &other }), black_box(COF))
            })
        },
    );
}

fn monitor_update(c: &mut Criterion) {
    let (model, _, _) = setup();
    let mut m: GridMonitor = MonitorBuilder::new(model).build_grid().unwrap();
    let mut mc = MonitorBuilder::new(model)
        .build_monte_carlo::<32>(1)
        .unwrap();
    let mut stroke = 0_u32;
    c.bench_function("monitor_update/grid48_same_temperature", |b| {
        b.iter(|| {
            stroke = stroke.wrapping_add(1);
            m.update(stroke, T, black_box(COF + (stroke & 7) as f32 * 0.005))
        })
    });
    let mut stroke = 0_u32;
    c.bench_function("monitor_update/default_monte_carlo32", |b| {
        b.iter(|| {
            stroke = stroke.wrapping_add(1);
            mc.update(stroke, T, black_box(COF + (stroke & 7) as f32 * 0.005))
        })
    });
}

fn advice(c: &mut Criterion) {
    let (model, _, settings) = setup();
    let mut a =
        TemperatureAdvisor::<f32, 48>::new(AdviceConfig::new(160.0, 170.0, 0.1).unwrap(), settings);
    c.bench_function("advice/grid48_bisection10", |b| {
        b.iter(|| a.advise(&model, black_box(COF)))
    });
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20)
}

criterion_group! {
    name = benches;
    config = config();
    targets = monte_carlo::<32>, monte_carlo::<64>, monte_carlo::<256>,
        grid::<32>, grid::<48>, grid::<64>, grid::<128>, monitor_update, advice
}
criterion_main!(benches);
