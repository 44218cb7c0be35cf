//! Exact gradients: the model evaluated in dual numbers agrees with central finite differences.

use crate::common;
use galling::dual::{self, Dual15 as D15};
use galling::{Kernel, Model, Scalar, V8Params};
use proptest::prelude::*;

/// Log-likelihood of `data` and its gradient with respect to the 15 parameters.
fn ll_and_grad(p: &V8Params<f64>, data: &[(f64, Vec<f64>)]) -> (f64, [f64; 15]) {
    let model = Model::new(&dual::variables(p)).unwrap();
    let mut total = D15::from_f64(0.0);
    for (t, cof) in data {
        total += model
            .landscape(D15::from_f64(*t))
            .series_log_likelihood(cof.iter().map(|&c| D15::from_f64(c)));
    }
    (total.re, dual::gradient(&total))
}

fn ll(p: &V8Params<f64>, data: &[(f64, Vec<f64>)]) -> f64 {
    let model = Model::new(p).unwrap();
    data.iter()
        .map(|(t, cof)| {
            model
                .landscape(*t)
                .series_log_likelihood(cof.iter().copied())
        })
        .sum()
}

fn check(p: &V8Params<f64>, data: &[(f64, Vec<f64>)]) {
    let (value, grad) = ll_and_grad(p, data);
    assert!(
        (value - ll(p, data)).abs() <= 1e-9 * value.abs().max(1.0),
        "dual value differs from f64"
    );
    let base = p.to_array();
    for i in 0..15 {
        let h = 1e-6 * base[i].abs().max(1e-2);
        let mut up = base;
        up[i] += h;
        let mut down = base;
        down[i] -= h;
        let fd = (ll(&V8Params::from_array(up), data) - ll(&V8Params::from_array(down), data))
            / (2.0 * h);
        // relative agreement, plus the rounding noise of a difference quotient of a sum of ~1e3
        let tol = 1e-4 * fd.abs().max(grad[i].abs()).max(1.0) + 1e-13 * value.abs() / h;
        assert!(
            (fd - grad[i]).abs() <= tol,
            "d/d{}: dual {} vs finite difference {fd}",
            galling::ParamField::ALL[i],
            grad[i]
        );
    }
}

/// A short synthetic data set covering both wells and all four temperatures.
fn small_data() -> Vec<(f64, Vec<f64>)> {
    vec![
        (160.0, vec![0.2, 0.21, 0.19, 0.23, 0.22, 0.2]),
        (165.0, vec![0.22, 0.3, 0.55, 0.8, 0.78, 0.4, 0.25]),
        (167.5, vec![0.25, 0.7, 0.85, 0.82, 0.9, 0.6]),
        (170.0, vec![0.3, 0.8, 0.84, 0.86, 0.83, 1.0]),
    ]
}

#[test]
fn gradient_of_published_fit_on_real_data_matches_finite_differences() {
    let Some(data) = common::real_data() else {
        return;
    };
    let data: Vec<_> = data
        .series
        .iter()
        .map(|s| (s.temperature, s.cof.clone()))
        .collect();
    check(&V8Params::PUBLISHED_FIT.map(f64::from), &data);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn gradient_matches_finite_differences_for_random_valid_parameters(
        mu_l in 0.12..0.35_f64, gap in 0.2..0.8_f64, h0 in 0.01..0.3_f64, alpha_h in -0.8..0.8_f64,
        g0 in -0.01..0.01_f64, g_t in -0.002..0.002_f64, d0 in -0.01..0.01_f64, d_t in -0.2..0.2_f64,
        omega0 in -1.0..1.0_f64, tau in -4.0..4.0_f64, j_mu in -0.5..0.5_f64, j_t in -0.05..0.05_f64,
        up in 0.05..0.4_f64, down in 0.05..0.4_f64,
    ) {
        // keep away from the kinks of abs() at zero, where the derivative is one-sided
        prop_assume!(d0.abs() > 1e-4 && omega0.abs() > 0.02 && tau.abs() > 0.05 && alpha_h.abs() > 0.01);
        let p = V8Params { mu_l, mu_h: mu_l + gap, h0, alpha_h, g0, g_t, d0, d_t, omega0, tau, j_mu, j_t,
            sigma_jump_up: up, sigma_jump_down: down, mu0_base: 0.15 };
        check(&p, &small_data());
    }
}
