//! Parameter validation: every accepted parameter set evaluates finitely, in `f32`, over the whole
//! operating box (issue 11: a blob that passed every check could turn the model into NaN).

use galling::{Model, OperatingBox, ParamError, ParamField, Quantity, V8Params};
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng, SeedableRng};

fn uniform(rng: &mut Xoshiro256PlusPlus) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// A random finite f32 parameter set: a third near typical fits, a third with wild magnitudes
/// (1e-30 to 1e30, any sign), a third typical with one or two fields made wild.
fn random_params(rng: &mut Xoshiro256PlusPlus) -> V8Params<f32> {
    let wild = |rng: &mut Xoshiro256PlusPlus| {
        let sign = if rng.next_u32() & 1 == 0 { 1.0 } else { -1.0 };
        (sign * 10f64.powf(-30.0 + 60.0 * uniform(rng))) as f32
    };
    let typical =
        |rng: &mut Xoshiro256PlusPlus, lo: f64, hi: f64| (lo + (hi - lo) * uniform(rng)) as f32;
    let mut v = [
        typical(rng, 0.05, 0.4),
        typical(rng, 0.45, 1.4),
        typical(rng, -0.5, 0.5),
        typical(rng, -1.0, 1.0),
        typical(rng, -0.05, 0.05),
        typical(rng, -0.01, 0.01),
        typical(rng, -0.05, 0.05),
        typical(rng, -0.3, 0.3),
        typical(rng, -1e6, 1e6),
        typical(rng, -5.0, 5.0),
        typical(rng, -1.0, 1.0),
        typical(rng, -0.1, 0.1),
        typical(rng, -0.5, 0.5),
        typical(rng, -0.5, 0.5),
        typical(rng, 0.0, 1.5),
    ];
    match rng.next_u32() % 3 {
        0 => {}
        1 => v = core::array::from_fn(|_| wild(rng)),
        _ => {
            for _ in 0..1 + rng.next_u32() % 2 {
                v[(rng.next_u32() % 15) as usize] = wild(rng);
            }
        }
    }
    V8Params::from_array(v)
}

/// Evaluates the mixture and the score at the box's edges, corners, the well midpoint and random
/// interior points; returns the first non-finite or out-of-range quantity.
fn check_everywhere(
    model: &Model<f32>,
    b: &OperatingBox,
    rng: &mut Xoshiro256PlusPlus,
) -> Result<(), String> {
    let mid = model.well_midpoint().clamp(b.cof_low, b.cof_high);
    let mut temps = vec![b.temperature_low, b.temperature_high, 160.0, 25.0];
    let mut cofs = vec![b.cof_low, b.cof_high, mid, mid - 1e-3, 0.1, 1.3];
    for _ in 0..4 {
        temps.push(
            (f64::from(b.temperature_low)
                + uniform(rng) * f64::from(b.temperature_high - b.temperature_low))
                as f32,
        );
        cofs.push((f64::from(b.cof_low) + uniform(rng) * f64::from(b.cof_high - b.cof_low)) as f32);
    }
    for &t in &temps {
        let land = model.landscape(t);
        for &mu in &cofs {
            let m = land.mixture(mu);
            let ok = (0.01..=0.99).contains(&m.stay_probability)
                && m.stay_drift.is_finite()
                && m.stay_spread.is_finite()
                && m.stay_spread > 0.0
                && m.jump_drift.is_finite()
                && m.jump_spread.is_finite()
                && m.jump_spread > 0.0;
            if !ok {
                return Err(format!("T={t} mu={mu}: {m:?}"));
            }
            for &next in &cofs {
                let s = land.score(mu, next - mu);
                if !s.log_prob.is_finite() || !(0.0..=1.0).contains(&s.jump_posterior) {
                    return Err(format!("T={t} mu={mu} next={next}: {s:?}"));
                }
            }
        }
    }
    Ok(())
}

#[test]
fn every_accepted_random_parameter_set_is_finite_over_the_box() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let b = OperatingBox::MONITOR_DEFAULT;
    let (mut accepted, mut refused) = (0, 0);
    for i in 0..20_000 {
        let p = random_params(&mut rng);
        match Model::new(&p) {
            Ok(model) => {
                accepted += 1;
                if let Err(e) = check_everywhere(&model, &b, &mut rng) {
                    panic!("set {i} was accepted but {e}\nparams: {p:?}");
                }
            }
            Err(e) => {
                refused += 1;
                // every refusal names something printable
                assert!(!e.to_string().is_empty());
            }
        }
    }
    println!("{accepted} accepted, {refused} refused of 20000 random finite parameter sets");
    // both outcomes must be frequent, or the test checks nothing
    assert!(accepted >= 5_000, "only {accepted} accepted");
    assert!(refused >= 2_000, "only {refused} refused");
}

#[test]
fn a_wider_box_is_checked_over_its_own_range() {
    let wide = OperatingBox {
        temperature_low: -200.0,
        temperature_high: 1000.0,
        cof_low: -1.0,
        cof_high: 5.0,
    };
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(12);
    let mut accepted = 0;
    for _ in 0..5_000 {
        let p = random_params(&mut rng);
        if p.validate_within(&wide).is_ok() {
            accepted += 1;
            let model =
                Model::new(&p).expect("a set valid over a wider box is valid over the default");
            check_everywhere(&model, &wide, &mut rng).unwrap();
        }
    }
    assert!(accepted >= 1_000, "only {accepted} accepted");
}

#[test]
fn typical_fits_are_accepted() {
    for p in [V8Params::PUBLISHED_FIT, V8Params::PUBLISHED_DEFAULT_START] {
        p.validate().unwrap();
        p.map(f64::from).validate().unwrap();
    }
    // the degenerate optimum of MODEL.md: omega0 ~ 1e6 pins the stay probability to its clamp,
    // a well outside the data, wells close together
    let mut p = V8Params::PUBLISHED_FIT;
    p.omega0 = 1.3e6;
    p.mu_h = 1.6;
    p.validate().unwrap();
    p.mu_h = p.mu_l + 0.05;
    p.validate().unwrap();
}

#[test]
fn the_issue_blob_with_a_huge_tilt_is_refused() {
    let mut p = V8Params::PUBLISHED_FIT;
    p.g0 = -2.1e35;
    let err = p.validate().unwrap_err();
    assert_eq!(
        err,
        ParamError::Unbounded {
            quantity: Quantity::Tilt,
            exponent: 35,
            model: galling::family::ModelId::V8,
        }
    );
    let msg = err.to_string();
    assert!(
        msg.contains("g0") && msg.contains("g_T") && msg.contains("1e35"),
        "{msg}"
    );
}

#[test]
fn zero_jump_spread_and_bad_boxes_are_refused() {
    let mut p = V8Params::PUBLISHED_FIT;
    p.sigma_jump_down = -0.0;
    assert_eq!(
        p.validate(),
        Err(ParamError::ZeroSpread(ParamField::SigmaJumpDown.name()))
    );
    let mut bad = OperatingBox::MONITOR_DEFAULT;
    bad.cof_high = f32::NAN;
    assert_eq!(
        V8Params::PUBLISHED_FIT.validate_within(&bad),
        Err(ParamError::InvalidBox)
    );
}

#[test]
fn each_quantity_bound_is_reachable() {
    // one parameter change per quantity, each refused for that quantity
    type Change = fn(&mut V8Params<f32>);
    let cases: [(Quantity, Change); 7] = [
        (Quantity::BarrierScale, |p| p.h0 = 1e23),
        (Quantity::Tilt, |p| p.g_t = 1e29),
        (Quantity::NoiseIntensity, |p| p.d0 = 1e25),
        (Quantity::Potential, |p| p.h0 = 1e20),
        (Quantity::EscapeRate, |p| p.omega0 = 1e22),
        (Quantity::JumpDrift, |p| p.tau = 1e25),
        (Quantity::JumpResidual, |p| {
            p.tau = 1e20;
            p.sigma_jump_up = 1e-9;
        }),
    ];
    for (want, change) in cases {
        let mut p = V8Params::PUBLISHED_FIT;
        change(&mut p);
        match p.validate() {
            Err(ParamError::Unbounded { quantity, .. }) => assert_eq!(quantity, want, "{p:?}"),
            other => panic!("{want:?}: {other:?}"),
        }
    }
}

#[test]
fn f64_values_beyond_f32_are_refused() {
    let mut p = V8Params::PUBLISHED_FIT.map(f64::from);
    p.tau = 1e39;
    assert_eq!(
        p.validate(),
        Err(ParamError::BeyondF32(ParamField::Tau.name()))
    );
}
