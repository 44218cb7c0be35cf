//! Host throughput of the model: log-probability evaluations and simulation steps, f32 and f64,
//! and the normal samplers considered for the simulator.
//!
//! `cargo bench --bench model`; the README records the figures.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use galling::ensemble::Ensemble;
use galling::{
    DefaultRng, Kernel, Landscape, Model, Scalar, V8Params, standard_normal, uniform_open01,
};
use rand_xoshiro::rand_core::{Rng, SeedableRng};
use std::hint::black_box;

const BATCH: u64 = 4096;

fn landscapes() -> (Landscape<f32>, Landscape<f64>) {
    let p = V8Params::PUBLISHED_FIT;
    (
        Model::new(&p).unwrap().landscape(167.5),
        Model::new(&p.map(f64::from)).unwrap().landscape(167.5),
    )
}

/// Inputs that cover both wells and the barrier, as real strokes do.
fn transitions<S: Scalar>() -> Vec<(S, S)> {
    let mut rng = DefaultRng::seed_from_u64(3);
    (0..BATCH)
        .map(|_| {
            let mu = 0.15 + 0.8 * uniform_open01(&mut rng);
            let delta = 0.1 * standard_normal::<f32, _>(&mut rng);
            (S::from_f32(mu), S::from_f32(delta))
        })
        .collect()
}

fn log_prob<S: Scalar>(c: &mut Criterion, name: &str, land: Landscape<S>) {
    let data = transitions::<S>();
    let mut g = c.benchmark_group("log_prob");
    g.throughput(Throughput::Elements(BATCH));
    g.bench_function(name, |b| {
        b.iter(|| {
            let mut acc = S::from_f64(0.0);
            for &(mu, delta) in &data {
                acc = acc + land.log_prob(black_box(mu), delta);
            }
            acc
        })
    });
    g.finish();
}

/// One trajectory stroke after stroke (each step waits for the previous COF), and an ensemble of
/// 64 independent trajectories advanced together, as the Monte Carlo forecast does.
fn steps<S: Scalar>(c: &mut Criterion, name: &str, land: Landscape<S>) {
    let mut rng = DefaultRng::seed_from_u64(11);
    let mut g = c.benchmark_group("simulation_step");
    g.throughput(Throughput::Elements(BATCH));
    g.bench_function(format!("{name} single trajectory"), |b| {
        b.iter(|| {
            let mut mu = S::from_f64(0.2);
            for _ in 0..BATCH {
                mu = land.step(black_box(mu), &mut rng);
            }
            mu
        })
    });
    let mut ensemble = vec![S::from_f64(0.2); 64];
    g.bench_function(format!("{name} 64 trajectories, one generator"), |b| {
        b.iter(|| {
            for _ in 0..BATCH / 64 {
                land.advance_ensemble(black_box(&mut ensemble), &mut rng);
            }
        })
    });
    let mut lanes = Ensemble::<S, 64>::new(S::from_f64(0.2), 11);
    g.bench_function(format!("{name} 64 lanes (Ensemble, SIMD)"), |b| {
        b.iter(|| {
            for _ in 0..BATCH / 64 {
                black_box(&mut lanes).advance(&land);
            }
        })
    });
    g.finish();
}

/// Box-Muller (one of the two outputs used, as a per-step sampler would): the alternative to the
/// inverse-CDF sampler the simulator uses.
fn box_muller(rng: &mut DefaultRng) -> f32 {
    let u1 = uniform_open01(rng);
    let u2 = uniform_open01(rng);
    libm::sqrtf(-2.0 * libm::logf(u1)) * libm::cosf(core::f32::consts::TAU * u2)
}

/// Marsaglia's polar method (rejection loop).
fn polar(rng: &mut DefaultRng) -> f32 {
    loop {
        let x = 2.0 * uniform_open01(rng) - 1.0;
        let y = 2.0 * uniform_open01(rng) - 1.0;
        let s = x * x + y * y;
        if s < 1.0 && s > 0.0 {
            return x * libm::sqrtf(-2.0 * libm::logf(s) / s);
        }
    }
}

fn normals(c: &mut Criterion) {
    let mut g = c.benchmark_group("normal_f32");
    g.throughput(Throughput::Elements(BATCH));
    let mut rng = DefaultRng::seed_from_u64(5);
    g.bench_function("inverse_cdf (used)", |b| {
        b.iter(|| (0..BATCH).fold(0.0_f32, |a, _| a + standard_normal::<f32, _>(&mut rng)))
    });
    g.bench_function("box_muller", |b| {
        b.iter(|| (0..BATCH).fold(0.0_f32, |a, _| a + box_muller(&mut rng)))
    });
    g.bench_function("polar", |b| {
        b.iter(|| (0..BATCH).fold(0.0_f32, |a, _| a + polar(&mut rng)))
    });
    g.bench_function("raw_u32 (floor)", |b| {
        b.iter(|| (0..BATCH).fold(0u32, |a, _| a ^ rng.next_u32()))
    });
    g.finish();
}

fn all(c: &mut Criterion) {
    let (l32, l64) = landscapes();
    log_prob(c, "f32", l32);
    log_prob(c, "f64", l64);
    steps(c, "f32", l32);
    steps(c, "f64", l64);
    normals(c);
}

criterion_group!(benches, all);
criterion_main!(benches);
