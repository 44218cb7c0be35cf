//! The monitor's precomputed risk table against the exact forecast.
//!
//! Goal of the monitor issue: the per-stroke risk within 0.01 of an `f64` fine-grid reference at
//! every (temperature, COF) the monitor accepts. The reference is [`ExactForecast`] with cells four
//! times finer than the table's build; temperatures outside the trained range are read at the
//! nearest end (the monitor's documented rule), so the reference is taken there too.

use galling::risk::{ExactForecast, RiskTable, TableSpec};
use galling::{Model, V8Params};
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng, SeedableRng};

/// A uniform draw in [0, 1).
fn uniform(rng: &mut Xoshiro256PlusPlus) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

const TOLERANCE: f64 = 0.01;

fn fits() -> Vec<(&'static str, V8Params<f64>)> {
    // The default fit of host-train on the real data (wells 0.202 / 0.464), shipped in data/.
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/real-fit-params.json"
    ))
    .expect("data/real-fit-params.json");
    vec![
        ("published fit", V8Params::PUBLISHED_FIT.map(f64::from)),
        ("default fit", parse_params(&text).expect("parameters")),
    ]
}

fn parse_params(text: &str) -> Option<V8Params<f64>> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let p = v.get("params")?;
    let mut values = [0.0; 15];
    for (slot, field) in values.iter_mut().zip(galling::ParamField::ALL) {
        *slot = p.get(field.name())?.as_f64()?;
    }
    Some(V8Params::from_array(values))
}

#[test]
fn table_lookup_is_within_0_01_of_the_fine_grid_everywhere_the_monitor_accepts() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(20261130);
    for (name, params) in fits() {
        let model = Model::new(&params).unwrap();
        let model32 = Model::new(&params.map(|x| x as f32)).unwrap();
        let spec = TableSpec::new(160.0, 170.0);
        let table = RiskTable::build(&model, &spec);
        let mut worst = (0.0_f64, 0.0_f64, 0.0_f64);
        // Every table cell gets probed: 40 temperatures (random within each of 40 slices, plus
        // both sides of the range), each with COFs over the whole accepted range [0, 2].
        let mut temperatures: Vec<f64> = (0..40)
            .map(|i| 160.0 + (i as f64 + uniform(&mut rng)) * 0.25)
            .collect();
        temperatures.extend([25.0, 150.0, 159.9, 170.1, 180.0, 400.0]);
        for t in temperatures {
            let inside = t.clamp(160.0, 170.0);
            let exact = ExactForecast::new(&model, inside, 0.5, 10, 640);
            let land = model32.landscape(table.clamp_temperature(t as f32));
            let mut cofs: Vec<f64> = (0..100)
                .map(|j| (j as f64 + uniform(&mut rng)) * 0.5 / 100.0)
                .collect();
            cofs.extend([0.0, 0.5, 0.500_001, 0.8, 2.0]);
            for cof in cofs {
                let got =
                    f64::from(table.risk(&land, table.clamp_temperature(t as f32), cof as f32));
                let want = exact.risk(f64::from(cof as f32));
                let err = (got - want).abs();
                if err > worst.0 {
                    worst = (err, t, cof);
                }
            }
        }
        println!(
            "{name}: worst |table - exact| = {:.5} at T = {:.3}, COF = {:.4}",
            worst.0, worst.1, worst.2
        );
        assert!(worst.0 <= TOLERANCE, "{name}: {worst:?}");
    }
}

#[test]
fn hazard_is_the_risk_from_the_clean_quasi_stationary_state() {
    let model = Model::new(&V8Params::PUBLISHED_FIT.map(f64::from)).unwrap();
    let exact = ExactForecast::new(&model, 167.5, 0.5, 10, 160);
    let q = exact.clean_distribution(0.35);
    assert!((q.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    // Nothing of the clean distribution lies at or above the clean limit.
    for (j, &p) in q.iter().enumerate() {
        if exact.centre(j) >= 0.35 {
            assert_eq!(p, 0.0);
        }
    }
    // The hazard lies between the risks from the extremes of the clean region.
    let (h, e, m) = exact.hazard(0.35);
    assert!((0.1..0.35).contains(&m), "{m}");
    let lowest = (0..exact.cells())
        .filter(|&j| q[j] > 1e-6)
        .map(|j| exact.risk(exact.centre(j)))
        .fold(f64::INFINITY, f64::min);
    let highest = exact.risk(0.35);
    assert!(lowest <= h && h <= highest, "{lowest} <= {h} <= {highest}");
    assert!(e >= 1.0);
}
