//! The family's fitting data: for each parameter of each variant, the physical box a fit keeps it
//! in, its typical size and its default start. Host-only: the firmware never fits, so none of this
//! is in the core's tables (`galling::family::Field` holds what runs on the target, the name and
//! whether the model uses `abs()`); it is kept here, once, by variant and parameter name, and a test
//! checks that every parameter of every registered variant has its entry.
//!
//! ```
//! use galling::family::ModelId;
//! use host_train::fitting::{FitField, fit_field};
//! let omega0 = fit_field(ModelId::V9, "omega0").expect("V9 has omega0");
//! assert_eq!(omega0.physical, (0.0, 2.0)); // V9's box reaches 2, V8's stops at 1
//! assert_eq!(fit_field(ModelId::V8, "omega0").map(|f| f.physical), Some((0.0, 1.0)));
//! assert_eq!(fit_field(ModelId::V8, "k"), None::<FitField>); // V9's name only
//! ```

use galling::family::{KernelKind, ModelId, ModelParams};

/// The fitting data of one parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitField {
    /// Bounds of the physical box of a fit (infinite where there is none).
    pub physical: (f64, f64),
    /// Typical magnitude (the optimiser works on `value / scale`).
    pub scale: f64,
    /// The default starting value of a fit, in `f32` (the values a blob would hold).
    pub start: f32,
}

/// No bound.
const FREE: (f64, f64) = (f64::NEG_INFINITY, f64::INFINITY);
/// The physical range of a well position: the model's COF range.
const WELL: (f64, f64) = (0.1, 1.3);
/// `omega0` in `[0, 1]` keeps `1 - omega0 exp(..)` a probability before its clamp.
const PROBABILITY: (f64, f64) = (0.0, 1.0);

const fn field(physical: (f64, f64), scale: f64, start: f32) -> FitField {
    FitField {
        physical,
        scale,
        start,
    }
}

/// The double-well kernel's parameters (V8's, by V8's names). The starts are the published
/// training's default start (MODEL.md, `V8Params::PUBLISHED_DEFAULT_START`); the scales are the
/// typical magnitudes the optimiser divides by.
fn double_well(name: &str) -> Option<FitField> {
    Some(match name {
        "mu_L" => field(WELL, 0.1, 0.18),
        "mu_H" => field(WELL, 0.1, 0.90),
        "h0" => field(FREE, 0.1, 0.1),
        "alpha_h" => field(FREE, 0.1, 0.1),
        "g0" => field(FREE, 0.01, -0.01),
        "g_T" => field(FREE, 0.001, 0.005),
        "D0" => field(FREE, 0.001, 0.001),
        "D_T" => field(FREE, 0.1, 0.1),
        "omega0" => field(PROBABILITY, 0.1, 0.1),
        "tau" => field(FREE, 1.0, 3.0),
        "j_mu" => field(FREE, 0.1, -0.3),
        "j_T" => field(FREE, 0.01, 0.03),
        "sigma_jump_up" => field(FREE, 0.1, 0.15),
        "sigma_jump_down" => field(FREE, 0.1, 0.10),
        "mu0_base" => field(FREE, 1.0, 0.15),
        _ => return None,
    })
}

/// V7's 17 coefficients: no physical box.
fn linear(name: &str) -> Option<FitField> {
    let (scale, start) = match name {
        "a0" => (1.0, 4.0),
        "a_T" => (0.1, 0.0),
        "a_mu" => (1.0, 0.0),
        "a_mu2" => (1.0, 0.0),
        "c0" => (0.01, 0.0),
        "c_mu" => (0.01, 0.0),
        "c_T" => (0.001, 0.0),
        "s0" => (1.0, -4.0),
        "s_mu" => (1.0, 0.0),
        "s_T" => (0.1, 0.0),
        "j0" => (0.01, 0.0),
        "j_mu" => (0.1, -0.3),
        "j_T" => (0.01, 0.03),
        "v0" => (1.0, -2.0),
        "v_mu" => (1.0, 0.0),
        "mu0_base" => (1.0, 0.12),
        "mu0_T" => (0.01, 0.005),
        _ => return None,
    };
    Some(field(FREE, scale, start))
}

/// The fitting data of `model`'s parameter `name` (the variant's own name, as in its table);
/// `None` when the variant has no such parameter.
///
/// V8-13 and V9 fit V8's parameters with V8's data, except V9's `k` (V8's `h0`: same box, scale
/// and start) and V9's `omega0`, whose box reaches 2: with a fixed potential the stay probability
/// `1 - omega0 exp(-dV/D)` is clamped to 0.01 near the barrier top whenever `omega0 > 0.99`, and
/// the upstream V9 fit uses exactly that (`omega0 = 1.24`, LL 1219.86); within `[0, 1]` V9 cannot
/// reach it (best 1212.84). The bound stays finite: without one the fit degenerates to `omega0` in
/// the thousands. V8-P fits V8's parameters with V8's data and its escape coefficients
/// `beta_<feature>` in `[-5, 5]` from 0 (its start is V8's start).
pub fn fit_field(model: ModelId, name: &str) -> Option<FitField> {
    model.variant().index_of(name)?;
    match (model.variant().kernel, model, name) {
        (KernelKind::DoubleWell, ModelId::V9, "k") => double_well("h0"),
        (KernelKind::DoubleWell, ModelId::V9, "omega0") => Some(field((0.0, 2.0), 0.1, 0.1)),
        (KernelKind::DoubleWell, _, _) => double_well(name),
        (KernelKind::Linear, _, _) => linear(name),
        (KernelKind::Precursor, _, "beta_breakaway_peak" | "beta_run_in_high_share") => {
            Some(field((-5.0, 5.0), 1.0, 0.0))
        }
        (KernelKind::Precursor, _, _) => double_well(name),
    }
}

/// The fitting data of every parameter of `model`, in its storage order.
///
/// ```
/// use galling::family::ModelId;
/// let v9 = host_train::fitting::fit_fields(ModelId::V9);
/// assert_eq!(v9.len(), 12);
/// assert_eq!(v9[2].scale, 0.1); // k
/// ```
///
/// # Panics
/// If a parameter has no entry in this module (a test checks every registered variant).
pub fn fit_fields(model: ModelId) -> Vec<FitField> {
    model
        .variant()
        .fields
        .iter()
        .map(|f| {
            fit_field(model, f.name).unwrap_or_else(|| {
                panic!(
                    "host-train's fitting data (src/fitting.rs) has no entry for {model} parameter {}",
                    f.name
                )
            })
        })
        .collect()
}

/// The default start of a fit of `model` ([`FitField::start`] of each parameter: `f32` values, as
/// the published training recipe stores its start), in any number type.
///
/// ```
/// use galling::V8Params;
/// use galling::family::{ModelId, ModelParams};
/// let v8 = host_train::fitting::start::<f32>(ModelId::V8);
/// assert_eq!(v8, ModelParams::from(V8Params::PUBLISHED_DEFAULT_START));
/// ```
pub fn start<S: galling::Scalar>(model: ModelId) -> ModelParams<S> {
    let values: Vec<S> = fit_fields(model)
        .iter()
        .map(|f| S::from_f32(f.start))
        .collect();
    ModelParams::new(model, &values).unwrap_or_else(|| {
        panic!("{model}: the fitting data has one start per parameter (fit_fields)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parameter_of_every_variant_has_its_fitting_data() {
        for model in ModelId::ALL {
            let fields = fit_fields(model);
            assert_eq!(fields.len(), model.param_count(), "{model}");
            for (f, fit) in model.variant().fields.iter().zip(&fields) {
                let (low, high) = fit.physical;
                assert!(low < high && fit.scale > 0.0, "{model} {}", f.name);
                let start = f64::from(fit.start);
                assert!(low <= start && start <= high, "{model} {}", f.name);
            }
            // the start is a valid model of the variant
            assert!(start::<f64>(model).validate().is_ok(), "{model}");
            assert!(fit_field(model, "no_such_parameter").is_none());
        }
    }

    #[test]
    fn restricted_variants_fit_v8s_parameters_with_v8s_data() {
        for model in [ModelId::V8_13, ModelId::V9, ModelId::V8Precursor] {
            for f in model.variant().fields {
                let (own, v8) = match (model, f.name) {
                    (ModelId::V9, "k") => (fit_field(model, "k"), fit_field(ModelId::V8, "h0")),
                    (ModelId::V9, "omega0") => continue,
                    (_, name) if name.starts_with("beta_") => continue,
                    (_, name) => (fit_field(model, name), fit_field(ModelId::V8, name)),
                };
                assert_eq!(own, v8, "{model} {}", f.name);
            }
        }
        assert_eq!(
            fit_field(ModelId::V9, "omega0").map(|f| f.physical),
            Some((0.0, 2.0))
        );
        for name in galling::family::PRECURSOR_FEATURES {
            let beta = fit_field(ModelId::V8Precursor, &format!("beta_{name}"));
            assert_eq!(beta, Some(field((-5.0, 5.0), 1.0, 0.0)));
        }
    }

    #[test]
    fn v8s_start_is_the_published_default_start() {
        assert_eq!(
            start::<f32>(ModelId::V8),
            ModelParams::from(galling::V8Params::PUBLISHED_DEFAULT_START)
        );
    }
}
