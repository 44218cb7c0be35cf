//! Parameter validation of the family's other variants (issue 9): every V7 parameter set that
//! validates over a box evaluates finitely in `f32` everywhere in it (the V8 counterpart is
//! `tests/integration/param_validation.rs`), and errors name each variant's own parameters (V9's `k`, not the
//! kernel's `h0`; never a parameter the variant holds fixed).

use galling::family::{AnyModel, ModelId, ModelParams, V7Params};
use galling::rand_xoshiro::Xoshiro128PlusPlus;
use galling::rand_xoshiro::Xoshiro256PlusPlus;
use galling::rand_xoshiro::rand_core::{Rng, SeedableRng};
use galling::{Kernel, OperatingBox, ParamError, Quantity};

use crate::family_common;
use family_common::v8_13_fit;

fn uniform(rng: &mut Xoshiro256PlusPlus) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// A random finite f32 V7 set: a third near typical fits, a third with wild magnitudes (1e-30 to
/// 1e30, any sign), a third typical with one or two coefficients made wild.
fn random_v7(rng: &mut Xoshiro256PlusPlus) -> V7Params<f32> {
    let wild = |rng: &mut Xoshiro256PlusPlus| {
        let sign = if rng.next_u32() & 1 == 0 { 1.0 } else { -1.0 };
        (sign * 10f64.powf(-30.0 + 60.0 * uniform(rng))) as f32
    };
    // ranges a few times wider than the upstream fit's values
    let ranges: [(f64, f64); 17] = [
        (-20.0, 20.0), // a0
        (-1.0, 1.0),   // a_T
        (-60.0, 60.0), // a_mu
        (-60.0, 60.0), // a_mu2
        (-0.05, 0.05), // c0
        (-0.1, 0.1),   // c_mu
        (-0.01, 0.01), // c_T
        (-30.0, 5.0),  // s0
        (-10.0, 10.0), // s_mu
        (-0.5, 0.5),   // s_T
        (-0.1, 0.1),   // j0
        (-2.0, 2.0),   // j_mu
        (-0.2, 0.2),   // j_T
        (-30.0, 5.0),  // v0
        (-5.0, 5.0),   // v_mu
        (0.0, 1.5),    // mu0_base
        (-0.05, 0.05), // mu0_T
    ];
    let mut v = ranges.map(|(lo, hi)| (lo + (hi - lo) * uniform(rng)) as f32);
    match rng.next_u32() % 3 {
        0 => {}
        1 => v = core::array::from_fn(|_| wild(rng)),
        _ => {
            for _ in 0..1 + rng.next_u32() % 2 {
                v[(rng.next_u32() % 17) as usize] = wild(rng);
            }
        }
    }
    V7Params::from_array(v)
}

/// Evaluates the mixture, the score, the simulation start and one simulated stroke at the box's
/// edges and corners, the model's reference temperature and random interior points; returns the
/// first non-finite or out-of-range quantity.
fn check_everywhere(
    model: &AnyModel<f32>,
    b: &OperatingBox,
    rng: &mut Xoshiro256PlusPlus,
) -> Result<(), String> {
    let mut temps = vec![b.temperature_low, b.temperature_high];
    let mut cofs = vec![b.cof_low, b.cof_high];
    for (t, mu) in [(160.0, 0.1), (25.0, 1.3)] {
        if (b.temperature_low..=b.temperature_high).contains(&t) {
            temps.push(t);
        }
        if (b.cof_low..=b.cof_high).contains(&mu) {
            cofs.push(mu);
        }
    }
    for _ in 0..4 {
        temps.push(
            (f64::from(b.temperature_low)
                + uniform(rng) * f64::from(b.temperature_high - b.temperature_low))
                as f32,
        );
        cofs.push((f64::from(b.cof_low) + uniform(rng) * f64::from(b.cof_high - b.cof_low)) as f32);
    }
    let mut sim = Xoshiro128PlusPlus::seed_from_u64(rng.next_u64());
    for &t in &temps {
        let land = model.landscape(t);
        let start = land.initial_cof();
        if !(0.1..=1.3).contains(&start) {
            return Err(format!("T={t}: initial COF {start}"));
        }
        for &mu in &cofs {
            let m = land.mixture(mu);
            let ok = (0.0..=1.0).contains(&m.stay_probability)
                && m.stay_drift.is_finite()
                && m.stay_spread.is_finite()
                && m.stay_spread >= 0.0
                && m.jump_drift.is_finite()
                && m.jump_spread.is_finite()
                && m.jump_spread >= 0.0;
            if !ok {
                return Err(format!("T={t} mu={mu}: {m:?}"));
            }
            for &next in &cofs {
                let s = land.score(mu, next - mu);
                if !s.log_prob.is_finite() || !(0.0..=1.0).contains(&s.jump_posterior) {
                    return Err(format!("T={t} mu={mu} next={next}: {s:?}"));
                }
            }
            let next = land.step(mu, &mut sim);
            if !(0.1..=1.3).contains(&next) {
                return Err(format!("T={t} mu={mu}: step gave {next}"));
            }
        }
    }
    Ok(())
}

/// `n` random V7 sets validated over `b`; every accepted one is checked over `b`. Returns the
/// numbers accepted and refused.
fn run(n: usize, b: &OperatingBox, seed: u64) -> (usize, usize) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (mut accepted, mut refused) = (0, 0);
    for i in 0..n {
        let p = random_v7(&mut rng);
        let params = ModelParams::from(p);
        match params.validate_within(b) {
            Ok(()) => {
                accepted += 1;
                assert_eq!(p.validate_within(b), Ok(()), "the family and V7 agree");
                let model = AnyModel::new(&params).expect("valid over the box: valid");
                if let Err(e) = check_everywhere(&model, b, &mut rng) {
                    panic!("V7 set {i} was accepted but {e}\nparams: {p:?}");
                }
            }
            Err(e) => {
                refused += 1;
                assert_eq!(p.validate_within(b), Err(e), "the family and V7 agree");
                assert!(!e.to_string().is_empty());
            }
        }
    }
    (accepted, refused)
}

#[test]
fn every_accepted_random_v7_set_is_finite_over_the_box() {
    let (accepted, refused) = run(20_000, &OperatingBox::MONITOR_DEFAULT, 97);
    println!("V7: {accepted} accepted, {refused} refused of 20000 random finite parameter sets");
    // both outcomes must be frequent, or the test checks nothing
    assert!(accepted >= 5_000, "only {accepted} accepted");
    assert!(refused >= 2_000, "only {refused} refused");
}

#[test]
fn a_wider_box_is_checked_over_its_own_range_for_v7() {
    let wide = OperatingBox {
        temperature_low: -200.0,
        temperature_high: 1000.0,
        cof_low: -1.0,
        cof_high: 5.0,
    };
    let (accepted, _) = run(5_000, &wide, 98);
    assert!(accepted >= 1_000, "only {accepted} accepted");
}

#[test]
fn each_v7_quantity_bound_is_reachable_and_names_v7_coefficients() {
    type Change = fn(&mut V7Params<f32>);
    let cases: [(Quantity, Change, &str); 8] = [
        (
            Quantity::StayLogit,
            |p| p.a_mu2 = 1e30,
            "a0, a_T, a_mu, a_mu2",
        ),
        (Quantity::StayDrift, |p| p.c_t = 1e29, "c0, c_mu, c_T"),
        (Quantity::StaySpread, |p| p.s0 = -1e31, "s0, s_mu, s_T"),
        (Quantity::JumpDrift, |p| p.j0 = 2e30, "j0, j_mu, j_T"),
        (Quantity::JumpSpread, |p| p.v_mu = 1e30, "v0, v_mu"),
        (Quantity::InitialCof, |p| p.mu0_t = 1e29, "mu0_base, mu0_T"),
        (Quantity::StayResidual, |p| p.c0 = 1e12, "c0, c_mu, c_T"),
        (Quantity::JumpResidual, |p| p.j_mu = 1e12, "j0, j_mu, j_T"),
    ];
    for (want, change, names) in cases {
        let mut p = V7Params::UPSTREAM_FIT;
        change(&mut p);
        let err = ModelParams::from(p).validate().unwrap_err();
        match err {
            ParamError::Unbounded {
                quantity, model, ..
            } => assert_eq!((quantity, model), (want, ModelId::V7), "{p:?}"),
            other => panic!("{want:?}: {other:?}"),
        }
        let msg = err.to_string();
        assert!(msg.starts_with(&format!("parameters {names}: ")), "{msg}");
    }
}

/// The parameter list of an `Unbounded` message: `parameters a, b, c: ...`.
fn named(err: &ParamError) -> Vec<String> {
    let msg = err.to_string();
    let list = msg
        .strip_prefix("parameters ")
        .and_then(|m| m.split(':').next())
        .unwrap_or_else(|| panic!("not a parameter list: {msg}"));
    list.split(", ").map(str::to_string).collect()
}

#[test]
fn v9_errors_name_k_and_leave_out_the_held_parameters() {
    // (the quantity, the parameter made large, its value, the names the message gives)
    let cases: [(Quantity, &str, f32, &[&str]); 4] = [
        // h0 is V9's k; alpha_h is held at 0
        (Quantity::BarrierScale, "k", 1e31, &["k"]),
        // g0, g_T held at 0 (the potential reaches about 5 k over the COF box)
        (Quantity::Potential, "k", 9e29, &["k", "mu_L", "mu_H"]),
        (
            Quantity::StayResidual,
            "k",
            1e20,
            &["k", "mu_L", "mu_H", "D0", "D_T"],
        ),
        (
            Quantity::JumpDrift,
            "j_mu",
            1e30,
            &["k", "mu_L", "mu_H", "tau", "j_mu", "j_T"],
        ),
    ];
    for (want, name, value, names) in cases {
        let mut p = ModelParams::UPSTREAM_V9;
        let i = p.variant().index_of(name).unwrap();
        p.values_mut()[i] = value;
        let err = p.validate().unwrap_err();
        assert!(
            matches!(err, ParamError::Unbounded { quantity, model: ModelId::V9, .. } if quantity == want),
            "{want:?}: {err:?}"
        );
        assert_eq!(named(&err), names, "{err}");
        for kernel_only in ["h0", "alpha_h", "g0", "g_T"] {
            assert!(!named(&err).iter().any(|n| n == kernel_only), "{err}");
        }
        // the same through AnyModel
        assert_eq!(AnyModel::new(&p).unwrap_err(), err);
    }
}

#[test]
fn v8_13_errors_leave_out_the_tilt() {
    let mut p = v8_13_fit();
    let h0 = p.variant().index_of("h0").unwrap();
    p.values_mut()[h0] = 1e20;
    let err = p.validate().unwrap_err();
    assert!(
        matches!(
            err,
            ParamError::Unbounded {
                quantity: Quantity::Potential,
                model: ModelId::V8_13,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(named(&err), ["h0", "alpha_h", "mu_L", "mu_H"], "{err}");
    // V8 itself names the tilt
    let mut v8 = ModelParams::PUBLISHED_V8;
    v8.values_mut()[2] = 1e20;
    assert_eq!(
        named(&v8.validate().unwrap_err()),
        ["h0", "alpha_h", "mu_L", "mu_H", "g0", "g_T"]
    );
}
