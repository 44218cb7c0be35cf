//! Golden test: the published V8 fit evaluated on the real data gives the published log-likelihoods.

use crate::common;
use galling::{Kernel, Model, V8Params};

fn key(t: f64) -> String {
    if t.fract() == 0.0 {
        format!("{t:.0}")
    } else {
        format!("{t}")
    }
}

#[test]
fn published_fit_log_likelihood_matches_reference_in_f64_and_f32() {
    let (Some(data), Some((params, json))) = (common::real_data(), common::reference_fit()) else {
        return;
    };
    assert_eq!(data.transitions(), 862);
    let expected = &json["expected_log_likelihood"];
    let model64 = Model::new(&params).unwrap();
    let model32 = Model::new(&params.map(|v| v as f32)).unwrap();
    let (mut total64, mut total32) = (0.0_f64, 0.0_f64);
    for s in &data.series {
        let want = expected[key(s.temperature)].as_f64().unwrap();
        let n = json["transitions"][key(s.temperature)].as_u64().unwrap() as usize;
        assert_eq!(s.transitions(), n, "transitions at {}", s.temperature);
        let ll64 = model64
            .landscape(s.temperature)
            .series_log_likelihood(s.cof.iter().copied());
        let ll32 = model32
            .landscape(s.temperature as f32)
            .series_log_likelihood(s.cof.iter().map(|&c| c as f32));
        assert!(
            (ll64 - want).abs() < 1e-6,
            "f64 LL at {} C: {ll64:.9} vs {want}",
            s.temperature
        );
        assert!(
            (f64::from(ll32) - want).abs() < 0.02,
            "f32 LL at {} C: {ll32} vs {want}",
            s.temperature
        );
        total64 += ll64;
        total32 += f64::from(ll32);
    }
    let want = expected["total"].as_f64().unwrap();
    assert!(
        (total64 - want).abs() < 1e-6,
        "f64 total {total64:.9} vs {want}"
    );
    assert!(
        (total32 - want).abs() < 0.02,
        "f32 total {total32} vs {want}"
    );
}

#[test]
fn built_in_published_constant_is_the_reference_fit() {
    let Some((params, _)) = common::reference_fit() else {
        return;
    };
    for (a, b) in params
        .to_array()
        .iter()
        .zip(V8Params::PUBLISHED_FIT.to_array())
    {
        assert_eq!(*a, f64::from(b), "reference values are float32 values");
    }
}
