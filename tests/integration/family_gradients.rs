//! Exact gradients for every variant of the family: the log-likelihood evaluated in dual numbers of
//! the variant's own width ([`dual::model_variables`]) agrees with central finite differences, at
//! its reference fit and at seeded random points around the fit. (At the default start of a fit,
//! host-train's fitting data, host-train's objective tests check the same.)
//!
//! The data are the project's synthetic demo series (`data/demo`, 862 transitions, 25 C evaluated as
//! 160 C) and a short hand-written series covering both wells; no real data is needed.

use galling::dual;
use galling::family::{AnyModel, ModelId, ModelParams, ParamCountTask};
use galling::rand_xoshiro::Xoshiro256PlusPlus;
use galling::rand_xoshiro::rand_core::{Rng, SeedableRng};
use galling::{Kernel, Scalar};

use crate::family_common;

type Data = Vec<(f64, Vec<f64>)>;

fn demo_data() -> Data {
    family_common::demo_series()
}

/// Each variant's reference point, in f64.
fn fits() -> [ModelParams<f64>; 5] {
    family_common::fits().map(|p| p.map(f64::from))
}

/// A short synthetic data set covering both wells and all four temperatures.
fn small_data() -> Data {
    vec![
        (160.0, vec![0.2, 0.21, 0.19, 0.23, 0.22, 0.2]),
        (165.0, vec![0.22, 0.3, 0.55, 0.8, 0.78, 0.4, 0.25]),
        (167.5, vec![0.25, 0.7, 0.85, 0.82, 0.9, 0.6]),
        (170.0, vec![0.3, 0.8, 0.84, 0.86, 0.83, 1.0]),
    ]
}

/// Log-likelihood of `data` in `S`.
fn ll<S: Scalar>(model: &AnyModel<S>, data: &Data) -> S {
    let mut total = S::from_f64(0.0);
    for (t, cof) in data {
        total = total
            + model
                .landscape(S::from_f64(*t))
                .series_log_likelihood(cof.iter().map(|&c| S::from_f64(c)));
    }
    total
}

fn ll64(p: &ModelParams<f64>, data: &Data) -> f64 {
    ll(&AnyModel::new(p).expect("valid parameters"), data)
}

/// The dual-number gradient of `p`'s log-likelihood against central differences, with the
/// tolerance of `tests/integration/gradients.rs` (relative, plus the rounding noise of a difference quotient).
fn check_n<const N: usize>(p: &ModelParams<f64>, data: &Data, what: &str) {
    let x = dual::model_variables::<N>(p).expect("N is the variant's count");
    let total = ll(&AnyModel::new(&x).expect("valid parameters"), data);
    let (value, grad) = (total.re, dual::gradient(&total));
    assert!(
        (value - ll64(p, data)).abs() <= 1e-9 * value.abs().max(1.0),
        "{what}: dual value {value} differs from f64"
    );
    let fields = p.variant().fields;
    for i in 0..N {
        let h = 1e-6 * p.values()[i].abs().max(1e-2);
        let (mut up, mut down) = (*p, *p);
        up.values_mut()[i] += h;
        down.values_mut()[i] -= h;
        let fd = (ll64(&up, data) - ll64(&down, data)) / (2.0 * h);
        let tol = 1e-4 * fd.abs().max(grad[i].abs()).max(1.0) + 1e-13 * value.abs() / h;
        assert!(
            (fd - grad[i]).abs() <= tol,
            "{what}: d/d{}: dual {} vs finite difference {fd}",
            fields[i].name,
            grad[i]
        );
    }
    // the width follows the variant: the wrong width is refused
    assert!(dual::model_variables::<16>(p).is_none());
}

/// [`check_n`] at the variant's own width (the family's dispatch over the parameter count).
fn check(p: &ModelParams<f64>, data: &Data, what: &str) {
    struct Check<'a>(&'a ModelParams<f64>, &'a Data, &'a str);
    impl ParamCountTask for Check<'_> {
        type Output = ();
        fn run<const N: usize>(self) {
            check_n::<N>(self.0, self.1, self.2);
        }
    }
    p.model().with_param_count(Check(p, data, what));
}

#[test]
fn every_variant_has_exact_gradients_at_its_reference_fit() {
    for p in fits() {
        check(&p, &demo_data(), &format!("{} fit, demo data", p.model()));
        check(&p, &small_data(), &format!("{} fit, small data", p.model()));
    }
}

#[test]
fn every_variant_has_exact_gradients_around_its_fit() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
    let data = small_data();
    for fit in fits() {
        let mut checked = 0;
        while checked < 12 {
            // every value scaled by a factor in [0.7, 1.3], away from the kinks of abs() at 0
            let mut p = fit;
            for v in p.values_mut() {
                let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                *v *= 0.7 + 0.6 * u;
            }
            if p.validate().is_err() {
                continue;
            }
            check(
                &p,
                &data,
                &format!("{} near its fit: {:?}", p.model(), p.values()),
            );
            checked += 1;
        }
    }
}

#[test]
fn gradients_of_held_parameters_do_not_exist_and_free_ones_match_v8() {
    // V8-13's gradient is V8's gradient without the g0, g_T components (at g0 = g_T = 0)
    let data = demo_data();
    let v8_13 = family_common::v8_13_fit().map(f64::from);
    let v8 = ModelParams::from(v8_13.to_v8().unwrap());
    let g13 = {
        let x = dual::model_variables::<13>(&v8_13).unwrap();
        dual::gradient(&ll(&AnyModel::new(&x).unwrap(), &data))
    };
    let g8 = {
        let x = dual::model_variables::<15>(&v8).unwrap();
        dual::gradient(&ll(&AnyModel::new(&x).unwrap(), &data))
    };
    let kept: Vec<f64> = ModelId::V8
        .variant()
        .fields
        .iter()
        .zip(g8)
        .filter(|(f, _)| f.name != "g0" && f.name != "g_T")
        .map(|(_, g)| g)
        .collect();
    assert_eq!(kept, g13.to_vec());
}
