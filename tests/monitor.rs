//! The per-stroke monitor against its contracts: the two forecast methods agree, risk rises with
//! temperature, alarms confirm and hold, invalid input never changes state, determinism, and the
//! real galling data.

mod common;

use galling::alarm::AlarmLevel;
use galling::forecast::{ForecastSettings, GridForecaster, MonteCarloForecaster, RiskForecaster};
use galling::monitor::GridMonitor;
use galling::monitor::StrokeError;
use galling::{Model, MonitorBuilder, V8Params};
use proptest::prelude::*;

/// Largest |risk difference| between Monte Carlo (4096 trajectories) and the default 48-cell grid
/// allowed by the agreement test. The Monte Carlo standard error is at most 0.5 / sqrt(4096) = 0.008;
/// the rest is the grid's discretisation (measured maximum: see the test's output).
const AGREEMENT_TOLERANCE: f64 = 0.03;

fn model32() -> Model<f32> {
    Model::new(&V8Params::PUBLISHED_FIT).unwrap()
}

#[test]
fn monte_carlo_and_grid_agree_over_temperatures_and_cofs() {
    let model = model32();
    let settings = ForecastSettings::for_model(&model);
    let mut mc = MonteCarloForecaster::<f32, 4096>::new(settings, 2026);
    let mut grid = GridForecaster::<f32, 48>::new(settings);
    let (mut worst, mut worst_at) = (0.0_f64, (0.0, 0.0));
    let mut worst_expected = 0.0_f64;
    for ti in 0..=20 {
        let t = 160.0 + 0.5 * ti as f32;
        let land = model.landscape(t);
        for ci in 0..=8 {
            let cof = 0.12 + 0.045 * ci as f32;
            let a = mc.forecast(&land, cof);
            let b = grid.forecast(&land, cof);
            let d = f64::from((a.probability - b.probability).abs());
            if d > worst {
                (worst, worst_at) = (d, (t, cof));
            }
            worst_expected =
                worst_expected.max(f64::from((a.expected_strokes - b.expected_strokes).abs()));
        }
    }
    println!(
        "max |risk MC4096 - grid48| = {worst:.4} at T={} mu={}; max |expected strokes| diff = {worst_expected:.3}",
        worst_at.0, worst_at.1
    );
    assert!(
        worst < AGREEMENT_TOLERANCE,
        "max risk difference {worst} at {worst_at:?}"
    );
    assert!(
        worst_expected < 0.3,
        "expected strokes differ by {worst_expected}"
    );
}

#[test]
fn default_monte_carlo_stays_near_the_grid() {
    // The firmware-sized Monte Carlo (32 trajectories) is noisy: its error is within 4 standard
    // errors (0.5 / sqrt(32) = 0.09) of the grid's answer.
    let model = model32();
    let settings = ForecastSettings::for_model(&model);
    let mut mc = MonteCarloForecaster::<f32, 32>::new(settings, 7);
    let mut grid = GridForecaster::<f32, 48>::new(settings);
    for t in [160.0, 164.0, 166.0, 168.0, 170.0] {
        let land = model.landscape(t);
        for cof in [0.15, 0.2, 0.3] {
            let d =
                (mc.forecast(&land, cof).probability - grid.forecast(&land, cof).probability).abs();
            assert!(d < 0.36, "T={t} mu={cof}: {d}");
        }
    }
}

#[test]
fn risk_rises_with_temperature_at_fixed_cof_over_the_fitted_range() {
    let model = model32();
    let mut grid = GridForecaster::<f32, 48>::new(ForecastSettings::for_model(&model));
    for cof in [0.15_f32, 0.2, 0.25, 0.3] {
        let mut last = -1.0_f32;
        for ti in 0..=20 {
            let t = 160.0 + 0.5 * ti as f32;
            let r = grid.forecast(&model.landscape(t), cof);
            assert!(r.probability >= last - 1e-6, "mu={cof}: risk fell at T={t}");
            last = r.probability;
        }
        let cool = grid.forecast(&model.landscape(160.0), cof).probability;
        assert!(last > cool + 0.3, "mu={cof}: 160 C {cool} vs 170 C {last}");
    }
}

#[test]
fn monitor_is_deterministic_for_a_seed() {
    let run = |seed: u64| {
        let mut m = MonitorBuilder::new(model32())
            .build_monte_carlo::<32>(seed)
            .unwrap();
        (0..40_u32)
            .map(|i| {
                let cof = 0.2 + 0.3 * ((i as f32) * 0.7).sin().abs();
                m.update(i, 167.5, cof).unwrap()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5), run(6));
}

#[test]
fn alarm_needs_confirmation_and_hysteresis_clears_it() {
    let mut m: GridMonitor = MonitorBuilder::new(model32()).build_grid().unwrap();
    // One galled stroke (risk 1) among clean strokes at 160 C (risk near 0) raises nothing.
    let mut stroke = 0;
    let mut feed = |m: &mut GridMonitor, cof: f32| {
        let r = m.update(stroke, 160.0, cof).unwrap();
        stroke += 1;
        r
    };
    for cof in [0.2, 0.2, 0.8, 0.2, 0.2, 0.2] {
        assert_eq!(feed(&mut m, cof).alarm.level, AlarmLevel::Normal);
    }
    // Three galled strokes of five confirm a stop.
    let levels: Vec<_> = [0.8, 0.8, 0.8]
        .iter()
        .map(|&c| feed(&mut m, c).alarm.level)
        .collect();
    assert_eq!(
        levels,
        [AlarmLevel::Normal, AlarmLevel::Normal, AlarmLevel::Stop]
    );
    // Back to clean: the stop holds while the window still confirms it, then clears (risk < 0.2).
    let mut cleared_after = None;
    for i in 0..6 {
        if feed(&mut m, 0.2).alarm.level == AlarmLevel::Normal {
            cleared_after = Some(i);
            break;
        }
    }
    assert_eq!(cleared_after, Some(2));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn invalid_input_never_changes_state(
        inputs in proptest::collection::vec(
            (0_u8..8, 155.0_f32..175.0, 0.0_f32..1.5),
            1..40,
        )
    ) {
        let mut m: GridMonitor = MonitorBuilder::new(model32())
            .temperature_bounds(150.0, 180.0)
            .build_grid()
            .unwrap();
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
            let before = m.clone();
            match m.update(stroke, t, cof) {
                Ok(r) => {
                    prop_assert!(!must_fail, "invalid input accepted: kind {}", kind);
                    prop_assert!((0.0..=1.0).contains(&r.risk.probability));
                }
                Err(e) => {
                    prop_assert!(must_fail, "valid input rejected: {}", e);
                    prop_assert_eq!(&m, &before);
                }
            }
        }
    }
}

#[test]
fn real_data_reports_hold_their_invariants_and_the_170_series_alarms() {
    let Some(data) = common::real_data() else {
        return;
    };
    let model = model32();
    for s in &data.series {
        let t = s.temperature as f32;
        let land = model.landscape(t);
        let mut m: GridMonitor = MonitorBuilder::new(model).build_grid().unwrap();
        let mut mc = MonitorBuilder::new(model)
            .build_monte_carlo::<32>(1)
            .unwrap();
        let mut alarmed_at = None;
        let mut prev: Option<f32> = None;
        for (i, &cof) in s.cof.iter().enumerate() {
            let cof = cof as f32;
            let r = m.update(i as u32, t, cof).unwrap();
            let r_mc = mc.update(i as u32, t, cof).unwrap();
            for risk in [r.risk, r_mc.risk] {
                assert!(
                    (0.0..=1.0).contains(&risk.probability),
                    "{} stroke {i}",
                    s.label
                );
                assert!((0.0..=11.0).contains(&risk.expected_strokes));
            }
            match prev {
                None => assert!(r.transition.is_none()),
                Some(p) => {
                    let score = r.transition.expect("transition after the first stroke");
                    assert_eq!(
                        score.log_prob,
                        land.log_prob(p, cof - p),
                        "{} stroke {i}",
                        s.label
                    );
                    assert_eq!(r_mc.transition, r.transition);
                    assert!((0.0..=1.0).contains(&score.jump_posterior));
                }
            }
            assert!((0.01..=0.99).contains(&r.stay_probability));
            if alarmed_at.is_none() && r.alarm.level != AlarmLevel::Normal {
                alarmed_at = Some(i);
            }
            prev = Some(cof);
        }
        if s.recorded_temperature == 170.0 {
            let at = alarmed_at.expect("the 170 C series galls: the monitor must raise an alarm");
            println!(
                "170 C series: first alarm at stroke {at} of {}",
                s.cof.len()
            );
        }
    }
}

#[test]
fn gap_in_the_stroke_counter_is_rejected_until_restarted() {
    let mut m: GridMonitor = MonitorBuilder::new(model32()).build_grid().unwrap();
    m.update(10, 165.0, 0.2).unwrap();
    assert_eq!(
        m.update(12, 165.0, 0.2),
        Err(StrokeError::NotConsecutive {
            expected: 11,
            got: 12
        })
    );
    m.restart_series();
    assert!(m.update(12, 165.0, 0.2).unwrap().transition.is_none());
    assert!(m.update(13, 165.0, 0.21).unwrap().transition.is_some());
}
