//! Integration tests of the per-stroke monitor: the exact forecast against Monte Carlo, the hazard
//! against temperature, rejected input, the real data replayed continuously.

use crate::common;

use galling::forecast::{ForecastSettings, MonteCarloForecaster, RiskForecaster};
use galling::monitor::{Monitor, Package, TemperatureRange, UpdateError};
use galling::risk::{ExactForecast, RiskTable, TableSpec};
use galling::signals::SignalSettings;
use galling::{Kernel, Model, V8Params};
use proptest::prelude::*;

/// The published fit's package, built once (a table build takes a fraction of a second).
fn package() -> Package {
    static PACKAGE: std::sync::OnceLock<Package> = std::sync::OnceLock::new();
    PACKAGE
        .get_or_init(|| {
            let table = RiskTable::build(
                &Model::new(&V8Params::PUBLISHED_FIT.map(f64::from)).unwrap(),
                &TableSpec::new(160.0, 170.0),
            );
            Package::new(V8Params::PUBLISHED_FIT, SignalSettings::default(), table).unwrap()
        })
        .clone()
}

#[test]
fn exact_forecast_agrees_with_monte_carlo() {
    // 20,000 simulated trajectories: standard error at most 0.0036; allow 4.5 standard errors.
    let model = Model::new(&V8Params::PUBLISHED_FIT.map(f64::from)).unwrap();
    let mut mc = MonteCarloForecaster::<f64, 20_000>::new(ForecastSettings::default(), 11);
    for t in [160.0, 166.0, 168.0, 170.0] {
        let exact = ExactForecast::new(&model, t, 0.5, 10, 640);
        let land = model.landscape(t);
        for mu in [0.15, 0.2, 0.3, 0.45] {
            let a = mc.forecast(&land, mu).probability;
            let b = exact.risk(mu);
            assert!((a - b).abs() < 0.016, "T={t} mu={mu}: MC {a} vs exact {b}");
        }
    }
}

#[test]
fn hazard_rises_with_temperature_over_the_fitted_range() {
    let p = package();
    let mut last = -1.0_f32;
    for i in 0..=20 {
        let t = 160.0 + 0.5 * i as f32;
        let h = p.table().hazard(t);
        assert!(
            h.risk > last,
            "hazard not rising at {t}: {} <= {last}",
            h.risk
        );
        last = h.risk;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn invalid_input_never_changes_state(
        inputs in proptest::collection::vec(
            (0_u8..8, 140.0_f32..180.0, 0.0_f32..1.5),
            1..40,
        )
    ) {
        let settings = SignalSettings {
            onset_raise: 1.0,
            onset_clear: 0.5,
            temperature_low: 100.0,
            temperature_high: 185.0,
            ..SignalSettings::default()
        };
        let package = package().with_settings(settings).unwrap();
        let mut m = Monitor::new(package.view());
        for (kind, t, cof) in inputs {
            // kinds 0..=3 valid, 4..=7 each one way to be invalid
            let expected = m.expected_stroke();
            let next = expected.unwrap_or(0);
            let (stroke, t, cof) = match kind {
                4 => (next, t, f32::NAN),
                5 => (next, f32::NEG_INFINITY, cof),
                6 => (next, 190.0, cof),
                7 => (next.wrapping_add(2), t, cof),
                _ => (next, t, cof),
            };
            // A skipped number is no gap on the first stroke of a series.
            let must_fail = kind >= 4 && !(kind == 7 && expected.is_none());
            let before = m;
            match m.update(stroke, t, cof) {
                Ok(r) => {
                    prop_assert!(!must_fail, "invalid input accepted: kind {}", kind);
                    prop_assert!((0.0..=1.0).contains(&r.risk));
                    prop_assert!(r.fault.is_none());
                    if cof > 0.5 {
                        prop_assert!(r.galling.active && !r.onset_warning.active);
                    }
                }
                Err(e) => {
                    prop_assert!(must_fail, "valid input rejected: {}", e);
                    // Every signal, the alarm history and the cached landscape are unchanged.
                    prop_assert_eq!(&m, &before);
                }
            }
        }
    }
}

#[test]
fn real_data_replayed_continuously_holds_its_invariants() {
    let Some(data) = common::real_data() else {
        return;
    };
    let p = package();
    let model = *Monitor::new(p.view()).model();
    for s in &data.series {
        let mut m = Monitor::new(p.view());
        let mut prev: Option<f32> = None;
        let mut warned_clean = 0;
        let mut clean = 0;
        for (i, &cof) in s.cof.iter().enumerate() {
            let cof = cof as f32;
            let t = s.temperature as f32;
            let r = m.update(i as u32, t, cof).unwrap();
            assert!((0.0..=1.0).contains(&r.risk), "{} stroke {i}", s.label);
            assert!(r.fault.is_none());
            assert_eq!(r.temperature_range, TemperatureRange::Inside);
            // Galling detected exactly when the COF is above the threshold, or while recovering.
            if cof > 0.5 {
                assert!(
                    r.galling.active,
                    "{} stroke {i}: galled but not detected",
                    s.label
                );
            }
            if !r.galling.active {
                assert!(cof <= 0.5);
            }
            if let Some(p) = prev {
                let land = model.landscape(t);
                let score = r.transition.expect("transition after the first stroke");
                assert_eq!(score.log_prob, land.log_prob(p, cof - p));
            } else {
                assert!(r.transition.is_none());
            }
            if cof < 0.35 {
                clean += 1;
                warned_clean += usize::from(r.onset_warning.active);
            }
            prev = Some(cof);
        }
        // The published fit with default settings is not calibrated on this data; still, the onset
        // warning must not stand over the clean strokes of a whole series.
        assert!(
            warned_clean * 2 < clean,
            "{}: {warned_clean} of {clean} clean strokes under an onset warning",
            s.label
        );
    }
}

#[test]
fn gap_in_the_stroke_counter_is_rejected_until_restarted() {
    let package = package();
    let mut m = Monitor::new(package.view());
    m.update(10, 165.0, 0.2).unwrap();
    assert_eq!(
        m.update(12, 165.0, 0.2),
        Err(UpdateError::NotConsecutive {
            expected: 11,
            got: 12
        })
    );
    m.restart_series();
    assert!(m.update(12, 165.0, 0.2).unwrap().transition.is_none());
    assert!(m.update(13, 165.0, 0.21).unwrap().transition.is_some());
}
