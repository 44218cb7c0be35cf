//! Invariants of evaluation and simulation, over random inputs.

use galling::{DefaultRng, Kernel, Model, V8Params};
use proptest::prelude::*;
use rand_xoshiro::rand_core::SeedableRng;

/// A jump spread of either sign, never zero (the model refuses a zero spread).
fn spread() -> impl Strategy<Value = f64> {
    (1e-3..0.5_f64, any::<bool>()).prop_map(|(s, negative)| if negative { -s } else { s })
}

fn params() -> impl Strategy<Value = V8Params<f64>> {
    (
        (
            0.1..0.4_f64,
            0.1..1.0_f64,
            -0.5..0.5_f64,
            -1.0..1.0_f64,
            -0.05..0.05_f64,
            -0.01..0.01_f64,
            -0.05..0.05_f64,
        ),
        (
            -0.3..0.3_f64,
            -2.0..2.0_f64,
            -5.0..5.0_f64,
            -1.0..1.0_f64,
            -0.1..0.1_f64,
            spread(),
            spread(),
            0.0..1.5_f64,
        ),
    )
        .prop_map(
            |(
                (mu_l, gap, h0, alpha_h, g0, g_t, d0),
                (d_t, omega0, tau, j_mu, j_t, up, down, mu0),
            )| V8Params {
                mu_l,
                mu_h: mu_l + gap,
                h0,
                alpha_h,
                g0,
                g_t,
                d0,
                d_t,
                omega0,
                tau,
                j_mu,
                j_t,
                sigma_jump_up: up,
                sigma_jump_down: down,
                mu0_base: mu0,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn log_prob_is_finite_in_f64_and_f32(p in params(), t in 100.0..250.0_f64, mu in 0.1..1.3_f64, next in 0.1..1.3_f64) {
        let l = Model::new(&p).unwrap().landscape(t);
        let s = l.score(mu, next - mu);
        prop_assert!(s.log_prob.is_finite(), "log p = {}", s.log_prob);
        prop_assert!((0.0..=1.0).contains(&s.jump_posterior));
        let l32 = Model::new(&p.map(|v| v as f32)).unwrap().landscape(t as f32);
        let s32 = l32.score(mu as f32, (next - mu) as f32);
        prop_assert!(s32.log_prob.is_finite(), "f32 log p = {}", s32.log_prob);
        prop_assert!((0.0..=1.0).contains(&s32.jump_posterior));
    }

    #[test]
    fn simulated_cof_stays_in_range(p in params(), t in 100.0..250.0_f64, seed in any::<u64>()) {
        let model = Model::new(&p.map(|v| v as f32)).unwrap();
        let mut buf = [0.0_f32; 200];
        model.landscape(t as f32).simulate_into(model.initial_cof(), &mut DefaultRng::seed_from_u64(seed), &mut buf);
        prop_assert!(buf.iter().all(|m| (0.1..=1.3).contains(m)), "{buf:?}");
    }

    /// `simulate_into` is the start (clamped) followed by one `step` per stroke from the same generator
    /// stream.
    #[test]
    fn trajectory_is_a_chain_of_steps_driven_by_the_seed(p in params(), seed in any::<u64>(), start in 0.0..1.6_f32) {
        let model = Model::new(&p.map(|v| v as f32)).unwrap();
        let l = model.landscape(167.5);
        let mut a = [0.0_f32; 100];
        l.simulate_into(start, &mut DefaultRng::seed_from_u64(seed), &mut a);
        let mut rng = DefaultRng::seed_from_u64(seed);
        let mut mu = start.clamp(0.1, 1.3);
        prop_assert_eq!(a[0].to_bits(), mu.to_bits());
        for (i, got) in a.iter().enumerate().skip(1) {
            mu = l.step(mu, &mut rng);
            prop_assert_eq!(got.to_bits(), mu.to_bits(), "stroke {}", i);
        }
    }
}

#[test]
fn f32_and_f64_agree_on_most_trajectories() {
    let p = V8Params::PUBLISHED_FIT;
    let (m32, m64) = (
        Model::new(&p).unwrap(),
        Model::new(&p.map(f64::from)).unwrap(),
    );
    let mut identical = 0;
    let runs = 500;
    for seed in 0..runs {
        let (mut a, mut b) = ([0.0_f32; 100], [0.0_f64; 100]);
        m32.landscape(167.5)
            .simulate_into(0.2, &mut DefaultRng::seed_from_u64(seed), &mut a);
        m64.landscape(167.5)
            .simulate_into(0.2, &mut DefaultRng::seed_from_u64(seed), &mut b);
        if a.iter()
            .zip(&b)
            .all(|(x, y)| (f64::from(*x) - y).abs() < 1e-4)
        {
            identical += 1;
        }
    }
    assert!(
        identical >= runs * 95 / 100,
        "only {identical} of {runs} 100-stroke trajectories agree to 1e-4"
    );
}

/// The generator drives the trajectory: 200 seeds give 200 different published-fit trajectories at
/// 167.5 C (a simulation that ignored its generator, or reseeded it, would repeat itself).
#[test]
fn different_seeds_give_different_trajectories() {
    let l = Model::new(&V8Params::PUBLISHED_FIT)
        .unwrap()
        .landscape(167.5);
    let mut seen = std::collections::HashSet::new();
    for seed in 0..200 {
        let mut a = [0.0_f32; 50];
        l.simulate_into(0.2, &mut DefaultRng::seed_from_u64(seed), &mut a);
        seen.insert(a.map(f32::to_bits));
    }
    assert_eq!(seen.len(), 200);
}

/// A V8-P package read in place from its blob (built once per test binary).
fn precursor_blob() -> &'static [u8] {
    use galling::family::{AnyModel, ModelParams};
    use galling::features::{FeatureScaling, FeatureSettings, PrecursorFeatures};
    use galling::monitor::Package;
    use galling::risk::{RiskTable, TableSpec};
    static BLOB: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BLOB.get_or_init(|| {
        let p = ModelParams::precursor(V8Params::PUBLISHED_FIT, [0.8, 0.3]);
        let table = RiskTable::build(
            &AnyModel::new(&p.map(f64::from)).unwrap(),
            &TableSpec::new(160.0, 170.0),
        );
        let features = PrecursorFeatures {
            extractor: FeatureSettings::DEFAULT,
            scaling: FeatureScaling {
                reference: [0.31, 0.02],
                scale: [0.05, 0.08],
            },
        };
        let package = Package::with_features(p, Default::default(), Some(features), table).unwrap();
        galling::blob::encode(&package)
    })
}

proptest! {
    /// Any stroke (raw bits of the counter, temperature and every feature) into a V8-P monitor
    /// through `update_with_features`: never a panic; a rejected stroke leaves the state as it
    /// was; an accepted one reports a risk in [0, 1], and a fault (press stop) only when a
    /// standardised feature is not finite (below the threshold; above it the risk is 1).
    #[test]
    fn v8p_monitor_takes_any_stroke_features(
        strokes in prop::collection::vec(
            (any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>(), any::<bool>()),
            1..24,
        ),
    ) {
        use galling::blob::PackageView;
        use galling::features::StrokeFeatures;
        use galling::monitor::MonitorState;
        let view = PackageView::new(precursor_blob()).unwrap();
        let mut state = MonitorState::new();
        for (n, t, cof, peak, share, plain) in strokes {
            // half the strokes in the box (a plausible temperature and COF), half raw bits
            let (t, cof) = if plain {
                (160.0 + (t % 100) as f32 * 0.1, (cof % 1000) as f32 * 1e-3)
            } else {
                (f32::from_bits(t), f32::from_bits(cof))
            };
            let features = StrokeFeatures {
                mean: cof,
                std: 0.01,
                samples: 100,
                breakaway_peak: f32::from_bits(peak),
                run_in_high_share: f32::from_bits(share),
                run_in_samples: 10,
                exit_peak: 0.2,
                exit_samples: 10,
            };
            let before = state;
            let n = if plain { state.expected_stroke().unwrap_or(n) } else { n };
            match view.update_with_features(&mut state, n, t, &features) {
                Ok(r) => {
                    prop_assert!((0.0..=1.0).contains(&r.risk), "{r:?}");
                    let z = view.features().unwrap().inputs(&features);
                    let finite = z.iter().all(|x| x.is_finite());
                    if r.fault.is_some() {
                        prop_assert!(r.press_must_stop());
                    }
                    if finite && cof <= 0.5 {
                        prop_assert!(r.fault.is_none(), "{r:?} with z = {z:?}");
                    }
                }
                Err(_) => prop_assert_eq!(state, before),
            }
        }
    }
}
