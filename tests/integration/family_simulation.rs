//! Simulation for every variant of the family (issue 9): seeded `f32` (target) and `f64` (host)
//! trajectories agree in distribution, and simulations start where the variant's kernel says
//! ([`Kernel::initial_cof`]: V7's start depends on the temperature, the double-well variants' does
//! not). The simulated means against the observed ones on the real data are in
//! `host-train/tests/integration/family_golden.rs`.

use galling::family::{AnyModel, ModelParams};
use galling::rand_xoshiro::Xoshiro128PlusPlus;
use galling::rand_xoshiro::rand_core::SeedableRng;
use galling::{Kernel, Scalar};

use crate::family_common;
use family_common::fits;

const TEMPERATURES: [f64; 4] = [160.0, 165.0, 167.5, 170.0];

/// Per-run mean COF and final COF of `runs` trajectories of `len` strokes at `t`, run `r` seeded
/// with `r`, from the kernel's own start.
fn runs<S: Scalar>(model: &AnyModel<S>, t: f64, runs: u64, len: usize) -> (Vec<f64>, Vec<f64>) {
    let land = model.landscape(S::from_f64(t));
    let mut buf = vec![S::from_f64(0.0); len];
    let (mut means, mut finals) = (Vec::new(), Vec::new());
    for r in 0..runs {
        land.simulate_into(
            land.initial_cof(),
            &mut Xoshiro128PlusPlus::seed_from_u64(r),
            &mut buf,
        );
        means.push(buf.iter().map(|x| x.to_f64()).sum::<f64>() / len as f64);
        finals.push(buf[len - 1].to_f64());
    }
    (means, finals)
}

/// The two-sample Kolmogorov-Smirnov statistic: the largest distance of the empirical CDFs.
fn ks(a: &[f64], b: &[f64]) -> f64 {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (mut i, mut j, mut d) = (0, 0, 0.0_f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / a.len() as f64 - j as f64 / b.len() as f64).abs());
    }
    d
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

#[test]
fn ks_statistic_sees_a_shift() {
    let a: Vec<f64> = (0..400).map(|i| f64::from(i) / 400.0).collect();
    let b: Vec<f64> = a.iter().map(|x| x + 0.25).collect();
    assert_eq!(ks(&a, &a), 0.0);
    assert!((ks(&a, &b) - 0.25).abs() < 0.01);
}

#[test]
fn seeded_f32_and_f64_simulations_agree_in_distribution_for_every_variant() {
    // 400 runs: the KS critical value at the 0.1 % level is 1.95 * sqrt(2 / 400) = 0.138
    const RUNS: u64 = 400;
    for params in fits() {
        let m32 = AnyModel::new(&params).unwrap();
        let m64 = AnyModel::new(&params.map(f64::from)).unwrap();
        for t in TEMPERATURES {
            let (means32, finals32) = runs(&m32, t, RUNS, 150);
            let (means64, finals64) = runs(&m64, t, RUNS, 150);
            let (d_mean, d_final) = (ks(&means32, &means64), ks(&finals32, &finals64));
            let shift = (mean(&means32) - mean(&means64)).abs();
            let same = means32
                .iter()
                .zip(&means64)
                .filter(|(a, b)| (*a - *b).abs() < 1e-4)
                .count();
            println!(
                "{} at {t} C: mean COF f32 {:.4} / f64 {:.4}, KS of run means {d_mean:.3}, of final COF {d_final:.3}, {same} of {RUNS} runs equal to 1e-4",
                params.model(),
                mean(&means32),
                mean(&means64)
            );
            assert!(
                d_mean < 0.138 && d_final < 0.138,
                "{} at {t} C: f32 and f64 differ in distribution (KS {d_mean}, {d_final})",
                params.model()
            );
            assert!(
                shift < 0.01,
                "{} at {t} C: mean shift {shift}",
                params.model()
            );
        }
    }
}

#[test]
fn v7_simulations_start_at_its_temperature_dependent_initial_cof() {
    let p = ModelParams::UPSTREAM_V7;
    let (base, slope) = (p.get("mu0_base").unwrap(), p.get("mu0_T").unwrap());
    let m32 = AnyModel::new(&p).unwrap();
    let m64 = AnyModel::new(&p.map(f64::from)).unwrap();
    let mut starts = Vec::new();
    for t in [25.0_f32, 160.0, 165.0, 167.5, 170.0, 400.0] {
        let want = (base + slope * (t - 160.0)).clamp(0.1, 1.3);
        let k32 = m32.landscape(t);
        assert_eq!(k32.initial_cof(), want, "f32 start at {t} C");
        let k64 = m64.landscape(f64::from(t));
        let want64 = (f64::from(base) + f64::from(slope) * (f64::from(t) - 160.0)).clamp(0.1, 1.3);
        assert!(
            (k64.initial_cof() - want64).abs() < 1e-12,
            "f64 start at {t} C"
        );
        // a simulation from the kernel's start begins there
        let mut buf = [0.0_f32; 8];
        k32.simulate_into(
            k32.initial_cof(),
            &mut Xoshiro128PlusPlus::seed_from_u64(3),
            &mut buf,
        );
        assert_eq!(buf[0], want);
        starts.push(k32.initial_cof());
    }
    // 0.12 at 160 C rising 0.005 per degree, clamped to [0.1, 1.3] at the ends
    assert_eq!(starts[0], 0.1);
    assert!((starts[4] - 0.17).abs() < 1e-6, "{starts:?}");
    assert_eq!(starts[5], 1.3);
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{starts:?}");
}

#[test]
fn double_well_starts_do_not_depend_on_the_temperature() {
    for params in &fits()[..3] {
        let model = AnyModel::new(params).unwrap();
        let want = params.get("mu0_base").unwrap().clamp(0.1, 1.3);
        for t in TEMPERATURES {
            assert_eq!(
                model.landscape(t as f32).initial_cof(),
                want,
                "{} at {t} C",
                params.model()
            );
        }
    }
}
