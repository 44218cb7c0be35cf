//! Host cost of the per-stroke monitor (risk lookup and whole update, steady and changing
//! temperature), of building a risk table, and of the Monte Carlo check forecast.
//!
//! `cargo bench --bench monitor`; the README records the figures. Host nanoseconds only rank the
//! parts; the Cortex-M4F instruction counts are measured by the firmware's QEMU benchmark.

use criterion::{Criterion, criterion_group, criterion_main};
use galling::forecast::{ForecastSettings, MonteCarloForecaster, RiskForecaster};
use galling::monitor::{Monitor, Package};
use galling::risk::{RiskTable, TableSpec};
use galling::{Model, V8Params};
use std::hint::black_box;
use std::time::Duration;

/// Temperature and COF of the benchmark: the risky middle of the fitted range, clean die.
const T: f32 = 167.5;
const COF: f32 = 0.2;

fn table() -> RiskTable {
    RiskTable::build(
        &Model::new(&V8Params::PUBLISHED_FIT.map(f64::from)).unwrap(),
        &TableSpec::new(160.0, 170.0),
    )
}

fn lookup(c: &mut Criterion) {
    let table = table();
    let land = Model::new(&V8Params::PUBLISHED_FIT).unwrap().landscape(T);
    c.bench_function("risk/table_lookup", |b| {
        b.iter(|| table.risk(black_box(&land), black_box(T), black_box(COF)))
    });
    c.bench_function("risk/table_build", |b| b.iter(self::table));
}

fn monitor_update(c: &mut Criterion) {
    let package = Package::new(V8Params::PUBLISHED_FIT, Default::default(), table()).unwrap();
    let mut m = Monitor::new(package.view());
    let mut stroke = 0_u32;
    c.bench_function("monitor_update/steady_temperature", |b| {
        b.iter(|| {
            stroke = stroke.wrapping_add(1);
            m.update(stroke, T, black_box(COF + (stroke & 7) as f32 * 0.005))
        })
    });
    let mut stroke = 0_u32;
    c.bench_function("monitor_update/new_temperature_every_stroke", |b| {
        b.iter(|| {
            stroke = stroke.wrapping_add(1);
            let t = T + (stroke & 15) as f32 * 0.1;
            m.update(stroke, t, black_box(COF + (stroke & 7) as f32 * 0.005))
        })
    });
}

fn monte_carlo(c: &mut Criterion) {
    let land = Model::new(&V8Params::PUBLISHED_FIT).unwrap().landscape(T);
    let mut f = MonteCarloForecaster::<f32, 32>::new(ForecastSettings::default(), 1);
    c.bench_function("forecast/monte_carlo_32", |b| {
        b.iter(|| f.forecast(black_box(&land), black_box(COF)))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    targets = lookup, monitor_update, monte_carlo
}
criterion_main!(benches);
