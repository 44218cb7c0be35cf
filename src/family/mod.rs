//! The model family: V8, V8-13, V9 and V7 behind one seam.
//!
//! A variant is two things:
//! - a **transition kernel**, the [`Kernel`] at one die temperature. There are two: the double-well
//!   kernel of V8 ([`Landscape`], `src/model.rs`) and the linear kernel of V7
//!   ([`V7Landscape`], `src/family/v7.rs`);
//! - a **parameter table** ([`Variant`]): its name, its parameters (name, whether the model uses
//!   `abs()`, the physical box of a fit, the typical size, the default start) and how they fill the
//!   kernel's parameters ([`Source`]). V8-13 and V9 are tables over the V8 kernel with some of its
//!   parameters held fixed (`src/family/v8.rs`).
//!
//! [`ModelParams`] carries a variant's values (at most [`MAX_PARAMS`], no heap), [`AnyModel`] is
//! the validated model of any variant and [`AnyKernel`] its kernel at one temperature. The monitor,
//! the blob, the trainer and the figures use these, so they work for every variant.
//!
//! Adding a variant that reuses a kernel is one new table in [`VARIANTS`] (plus its [`ModelId`]);
//! a variant with a new kernel is one new file implementing [`Kernel`] and its validation, plus its
//! table and one arm in [`AnyModel`]/[`AnyKernel`].
//!
//! ```
//! use galling::family::{AnyModel, ModelId, ModelParams};
//! use galling::Kernel;
//! let v9 = ModelParams::<f64>::start(ModelId::V9);
//! assert_eq!(v9.len(), 12);
//! let model = AnyModel::new(&v9)?;
//! assert!(model.landscape(165.0).log_prob(0.2, 0.01).is_finite());
//! # Ok::<(), galling::ParamError>(())
//! ```

pub mod reference;
mod v7;
mod v8;

pub use v7::V7_TABLE;
pub use v7::{V7Landscape, V7Model, V7Params};
pub use v8::{V8_13_TABLE, V8_TABLE, V9_TABLE};

use crate::kernel::{Kernel, KernelTask, Mixture, TransitionScore};
use crate::model::{Landscape, Model};
use crate::params::{OperatingBox, ParamError, V8Params};
use crate::scalar::Scalar;
use core::fmt;

/// Largest parameter count of a variant (V7's 17).
pub const MAX_PARAMS: usize = 17;

/// Which variant of the family: the id stored in the blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u8)]
pub enum ModelId {
    /// V8, the double-well model (15 parameters).
    V8 = 1,
    /// V8-13: V8 with the tilt `g0 = g_T = 0` held fixed (13 parameters).
    V8_13 = 2,
    /// V9: V8 with a fixed potential, `h0 = k`, `alpha_h = 0`, `g0 = g_T = 0` (12 parameters).
    V9 = 3,
    /// V7: the 17-coefficient linear kernel.
    V7 = 4,
}

impl ModelId {
    /// Every variant, in id order.
    pub const ALL: [ModelId; 4] = [Self::V8, Self::V8_13, Self::V9, Self::V7];

    /// The id stored in the blob.
    pub const fn to_u8(self) -> u8 {
        self as u8
    }

    /// The variant of a blob's id, `None` for an unknown id.
    ///
    /// ```
    /// use galling::family::ModelId;
    /// assert_eq!(ModelId::from_u8(4), Some(ModelId::V7));
    /// assert_eq!(ModelId::from_u8(9), None);
    /// ```
    pub const fn from_u8(id: u8) -> Option<Self> {
        let mut i = 0;
        while i < Self::ALL.len() {
            if Self::ALL[i] as u8 == id {
                return Some(Self::ALL[i]);
            }
            i += 1;
        }
        None
    }

    /// The variant's parameter table.
    pub const fn variant(self) -> &'static Variant {
        match self {
            Self::V8 => &V8_TABLE,
            Self::V8_13 => &V8_13_TABLE,
            Self::V9 => &V9_TABLE,
            Self::V7 => &V7_TABLE,
        }
    }

    /// The command-line key (`v8`, `v8-13`, `v9`, `v7`).
    pub const fn key(self) -> &'static str {
        self.variant().key
    }

    /// The variant of a command-line key (`v8`, `v8-13`, `v9`, `v7`, case-insensitive).
    ///
    /// ```
    /// use galling::family::ModelId;
    /// assert_eq!(ModelId::from_key("V8-13"), Some(ModelId::V8_13));
    /// ```
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|m| m.key().eq_ignore_ascii_case(key))
    }

    /// Number of parameters of the variant.
    pub const fn param_count(self) -> usize {
        self.variant().fields.len()
    }
}

impl fmt::Display for ModelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.variant().title)
    }
}

/// One parameter of a variant's table. (What each parameter means is documented on the fields of
/// [`V8Params`] and [`V7Params`], generated from the same lists; the table carries no text beyond the
/// names, so the firmware links no documentation strings.)
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Field {
    /// The model's name for it (as in the JSON files and MODEL.md / VARIANTS.md).
    pub name: &'static str,
    /// Whether the model uses `abs()` of the stored value.
    pub used_as_abs: bool,
    /// Bounds of the physical box of a fit (infinite where there is none).
    pub physical: (f64, f64),
    /// Typical magnitude (the optimiser works on `value / scale`).
    pub scale: f64,
    /// The default starting value of a fit, in `f32` (the values a blob would hold).
    pub start: f32,
}

/// Which kernel a variant runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum KernelKind {
    /// The V8 double-well kernel ([`Landscape`]) over [`V8Params`].
    DoubleWell,
    /// The V7 linear kernel ([`V7Landscape`]) over [`V7Params`].
    Linear,
}

/// Where one kernel parameter comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Source {
    /// The variant's parameter at this index.
    Free(u8),
    /// Held at this value.
    Fixed(f32),
}

/// A variant's parameter table: written once per variant, it generates the parameter lists, the
/// blob layout, the physical box and the default start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Variant {
    /// Its id.
    pub id: ModelId,
    /// Command-line key.
    pub key: &'static str,
    /// Human-readable name.
    pub title: &'static str,
    /// The kernel it runs.
    pub kernel: KernelKind,
    /// Its parameters, in storage order.
    pub fields: &'static [&'static Field],
    /// How the kernel's parameters (in the kernel's storage order) are filled.
    pub sources: &'static [Source],
    /// `(lower, upper)`: indices of two parameters a fit keeps ordered (the two wells), if any.
    pub ordered: Option<(usize, usize)>,
}

impl Variant {
    /// Index of the parameter named `name`.
    ///
    /// ```
    /// use galling::family::ModelId;
    /// assert_eq!(ModelId::V9.variant().index_of("k"), Some(2));
    /// ```
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    /// The variant's name for kernel parameter `kernel_index`, `None` where it is held fixed.
    pub fn name_of_kernel_param(&self, kernel_index: usize) -> Option<&'static str> {
        match self.sources.get(kernel_index)? {
            Source::Free(i) => self.fields.get(usize::from(*i)).map(|f| f.name),
            Source::Fixed(_) => None,
        }
    }
}

/// Every variant's table, in id order.
pub const VARIANTS: [&Variant; ModelId::ALL.len()] = {
    let mut out = [&V8_TABLE; ModelId::ALL.len()];
    let mut i = 0;
    while i < out.len() {
        out[i] = ModelId::ALL[i].variant();
        i += 1;
    }
    out
};

/// The values of one variant's parameters, in its storage order (no heap: at most
/// [`MAX_PARAMS`]; the slots past [`len`](Self::len) are zero).
///
/// ```
/// use galling::family::{ModelId, ModelParams};
/// use galling::V8Params;
/// let p = ModelParams::from(V8Params::PUBLISHED_FIT);
/// assert_eq!(p.model(), ModelId::V8);
/// assert_eq!(p.get("D0"), Some(V8Params::PUBLISHED_FIT.d0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelParams<S = f32> {
    model: ModelId,
    values: [S; MAX_PARAMS],
}

impl ModelParams<f32> {
    /// The published V8 fit ([`V8Params::PUBLISHED_FIT`]) as family parameters.
    pub const PUBLISHED_V8: Self = {
        let v = V8Params::PUBLISHED_FIT;
        Self {
            model: ModelId::V8,
            values: [
                v.mu_l,
                v.mu_h,
                v.h0,
                v.alpha_h,
                v.g0,
                v.g_t,
                v.d0,
                v.d_t,
                v.omega0,
                v.tau,
                v.j_mu,
                v.j_t,
                v.sigma_jump_up,
                v.sigma_jump_down,
                v.mu0_base,
                0.0,
                0.0,
            ],
        }
    };
}

impl<S: Scalar> ModelParams<S> {
    /// The parameters of `model` from its values in storage order; `None` unless `values` has
    /// exactly the variant's parameter count.
    pub fn new(model: ModelId, values: &[S]) -> Option<Self> {
        if values.len() != model.param_count() {
            return None;
        }
        let mut all = [S::from_f64(0.0); MAX_PARAMS];
        for (slot, v) in all.iter_mut().zip(values) {
            *slot = *v;
        }
        Some(Self { model, values: all })
    }

    /// The variant's default starting point ([`Field::start`]).
    pub fn start(model: ModelId) -> Self {
        let mut values = [S::from_f64(0.0); MAX_PARAMS];
        for (v, f) in values.iter_mut().zip(model.variant().fields) {
            *v = S::from_f32(f.start);
        }
        Self { model, values }
    }

    /// Which variant.
    pub fn model(&self) -> ModelId {
        self.model
    }

    /// Its table.
    pub fn variant(&self) -> &'static Variant {
        self.model.variant()
    }

    /// Number of parameters.
    pub fn len(&self) -> usize {
        self.model.param_count()
    }

    /// Always `false`: every variant has parameters.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The values in storage order.
    pub fn values(&self) -> &[S] {
        let n = self.len();
        self.values.get(..n).unwrap_or(&self.values)
    }

    /// The values in storage order, to change in place.
    pub fn values_mut(&mut self) -> &mut [S] {
        let n = self.len().min(MAX_PARAMS);
        &mut self.values[..n]
    }

    /// The value of the parameter named `name`.
    pub fn get(&self, name: &str) -> Option<S> {
        self.variant()
            .index_of(name)
            .and_then(|i| self.values.get(i).copied())
    }

    /// The same parameters in another number type.
    pub fn map<T: Scalar>(&self, mut f: impl FnMut(S) -> T) -> ModelParams<T> {
        ModelParams {
            model: self.model,
            values: self.values.map(&mut f),
        }
    }

    /// The kernel parameter `kernel_index` (see [`Variant::sources`]).
    /// Total: the tables are checked by tests, and a missing entry reads as 0.
    fn kernel_value(&self, kernel_index: usize) -> S {
        match self.variant().sources.get(kernel_index) {
            Some(Source::Free(i)) => self
                .values
                .get(usize::from(*i))
                .copied()
                .unwrap_or(S::from_f64(0.0)),
            Some(Source::Fixed(x)) => S::from_f32(*x),
            None => S::from_f64(0.0),
        }
    }

    /// The V8 kernel's parameters of a double-well variant (`None` for another kernel).
    pub fn to_v8(&self) -> Option<V8Params<S>> {
        (self.variant().kernel == KernelKind::DoubleWell)
            .then(|| V8Params::from_array(core::array::from_fn(|j| self.kernel_value(j))))
    }

    /// The V7 kernel's parameters of a linear variant (`None` for another kernel).
    pub fn to_v7(&self) -> Option<V7Params<S>> {
        (self.variant().kernel == KernelKind::Linear)
            .then(|| V7Params::from_array(core::array::from_fn(|j| self.kernel_value(j))))
    }

    /// Checks the parameters over the monitor's default input box
    /// ([`OperatingBox::MONITOR_DEFAULT`]): see [`validate_within`](Self::validate_within).
    pub fn validate(&self) -> Result<(), ParamError> {
        self.validate_within(&OperatingBox::MONITOR_DEFAULT)
    }

    /// Checks that the variant's model evaluates finitely in `f32` over `bounds`: every value
    /// finite and within `f32`, then the kernel's own worst-case checks
    /// ([`V8Params::validate_within`], [`V7Params::validate_within`]). Errors name the variant's
    /// parameters.
    ///
    /// # Errors
    /// The first [`ParamError`] found.
    pub fn validate_within(&self, bounds: &OperatingBox) -> Result<(), ParamError> {
        for (field, value) in self.variant().fields.iter().zip(self.values()) {
            if !value.is_finite() {
                return Err(ParamError::NotFinite(field.name));
            }
            if !(value.to_f64() as f32).is_finite() {
                return Err(ParamError::BeyondF32(field.name));
            }
        }
        let kernel = |j| self.kernel_value(j);
        let result = match self.variant().kernel {
            KernelKind::DoubleWell => {
                V8Params::from_array(core::array::from_fn(kernel)).validate_within(bounds)
            }
            KernelKind::Linear => {
                V7Params::from_array(core::array::from_fn(kernel)).validate_within(bounds)
            }
        };
        result.map_err(|e| e.for_model(self.model))
    }
}

impl<S: Scalar> From<V8Params<S>> for ModelParams<S> {
    fn from(p: V8Params<S>) -> Self {
        let v = p.to_array();
        let mut values = [S::from_f64(0.0); MAX_PARAMS];
        for (slot, x) in values.iter_mut().zip(v) {
            *slot = x;
        }
        Self {
            model: ModelId::V8,
            values,
        }
    }
}

impl<S: Scalar> From<V7Params<S>> for ModelParams<S> {
    fn from(p: V7Params<S>) -> Self {
        Self {
            model: ModelId::V7,
            values: p.to_array(),
        }
    }
}

/// The validated model of any variant.
///
/// ```
/// use galling::family::{AnyModel, ModelParams, V7Params};
/// use galling::Kernel;
/// let model = AnyModel::new(&ModelParams::from(V7Params::UPSTREAM_FIT))?;
/// let k = model.landscape(170.0);
/// assert!(k.mixture(0.2).stay_probability < model.landscape(160.0).mixture(0.2).stay_probability);
/// # Ok::<(), galling::ParamError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AnyModel<S = f32> {
    /// A double-well variant (V8, V8-13, V9).
    DoubleWell(ModelId, Model<S>),
    /// The linear kernel (V7).
    Linear(ModelId, V7Model<S>),
}

impl<S: Scalar> AnyModel<S> {
    /// Validates `params` ([`ModelParams::validate`]) and prepares the kernel.
    pub fn new(params: &ModelParams<S>) -> Result<Self, ParamError> {
        params.validate()?;
        Ok(Self::new_unchecked_box(params))
    }

    /// Prepares the kernel of parameters already validated (over any box).
    pub(crate) fn new_unchecked_box(params: &ModelParams<S>) -> Self {
        let kernel = |j| params.kernel_value(j);
        match params.variant().kernel {
            KernelKind::DoubleWell => Self::DoubleWell(
                params.model(),
                Model::prepare(&V8Params::from_array(core::array::from_fn(kernel))),
            ),
            KernelKind::Linear => Self::Linear(
                params.model(),
                V7Model::prepare(&V7Params::from_array(core::array::from_fn(kernel))),
            ),
        }
    }

    /// Which variant.
    pub fn model(&self) -> ModelId {
        match self {
            Self::DoubleWell(id, _) | Self::Linear(id, _) => *id,
        }
    }

    /// The kernel at die temperature `temperature` (degC, model temperature), evaluated once.
    #[inline]
    pub fn landscape(&self, temperature: S) -> AnyKernel<S> {
        match self {
            Self::DoubleWell(_, m) => AnyKernel::DoubleWell(m.landscape(temperature)),
            Self::Linear(_, m) => AnyKernel::Linear(m.landscape(temperature)),
        }
    }
}

/// The kernel of any variant at one die temperature.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AnyKernel<S = f32> {
    /// The V8 double-well kernel.
    DoubleWell(Landscape<S>),
    /// The V7 linear kernel.
    Linear(V7Landscape<S>),
}

impl<S: Scalar> Kernel<S> for AnyKernel<S> {
    #[inline(always)]
    fn mixture(&self, mu: S) -> Mixture<S> {
        match self {
            Self::DoubleWell(k) => Kernel::mixture(k, mu),
            Self::Linear(k) => Kernel::mixture(k, mu),
        }
    }

    #[inline(always)]
    fn initial_cof(&self) -> S {
        match self {
            Self::DoubleWell(k) => k.initial_cof(),
            Self::Linear(k) => k.initial_cof(),
        }
    }

    #[inline(always)]
    fn score(&self, mu: S, delta: S) -> TransitionScore<S> {
        match self {
            Self::DoubleWell(k) => Kernel::score(k, mu, delta),
            Self::Linear(k) => Kernel::score(k, mu, delta),
        }
    }

    // The loops (series likelihood, simulation, ensembles) are tasks: they pick the variant once
    // and run monomorphic over its kernel, as fast as the kernel's own (per-transition dispatch made
    // the dual-number likelihood 2.3x slower).
    #[inline]
    fn perform<T: KernelTask<S>>(&self, task: T) -> T::Output
    where
        Self: Sized,
    {
        match self {
            Self::DoubleWell(k) => task.run(k),
            Self::Linear(k) => task.run(k),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_consistent() {
        for (i, v) in VARIANTS.iter().enumerate() {
            assert_eq!(v.id, ModelId::ALL[i]);
            assert_eq!(ModelId::from_u8(v.id.to_u8()), Some(v.id));
            assert_eq!(ModelId::from_key(v.key), Some(v.id));
            let kernel_len = match v.kernel {
                KernelKind::DoubleWell => 15,
                KernelKind::Linear => 17,
            };
            assert_eq!(v.sources.len(), kernel_len, "{}", v.key);
            // every free parameter feeds exactly one kernel parameter
            for i in 0..v.fields.len() {
                let uses = v
                    .sources
                    .iter()
                    .filter(|s| **s == Source::Free(i as u8))
                    .count();
                assert_eq!(uses, 1, "{} field {}", v.key, v.fields[i].name);
            }
            for f in v.fields {
                assert!(f.physical.0 < f.physical.1 && f.scale > 0.0, "{}", f.name);
                assert!(
                    f64::from(f.start) >= f.physical.0 && f64::from(f.start) <= f.physical.1,
                    "{}",
                    f.name
                );
            }
            assert!(
                ModelParams::<f64>::start(v.id).validate().is_ok(),
                "{}",
                v.key
            );
        }
        assert_eq!(ModelId::V8.param_count(), 15);
        assert_eq!(ModelId::V8_13.param_count(), 13);
        assert_eq!(ModelId::V9.param_count(), 12);
        assert_eq!(ModelId::V7.param_count(), 17);
    }

    #[test]
    fn v8_table_is_the_v8_params_order() {
        for (f, pf) in V8_TABLE.fields.iter().zip(crate::ParamField::ALL) {
            assert_eq!(f.name, pf.name());
            assert_eq!(f.used_as_abs, pf.is_used_as_abs());
        }
        let p = ModelParams::from(V8Params::PUBLISHED_FIT);
        assert_eq!(p.to_v8(), Some(V8Params::PUBLISHED_FIT));
    }

    #[test]
    fn v9_is_v8_with_a_fixed_potential() {
        let mut p = ModelParams::<f64>::start(ModelId::V9);
        p.values_mut()[2] = 0.025; // k
        let v8 = p.to_v8().unwrap();
        assert_eq!((v8.h0, v8.alpha_h, v8.g0, v8.g_t), (0.025, 0.0, 0.0, 0.0));
        let p13 = ModelParams::<f64>::start(ModelId::V8_13).to_v8().unwrap();
        assert_eq!((p13.g0, p13.g_t), (0.0, 0.0));
    }

    #[test]
    fn errors_name_the_variants_parameters() {
        let mut p = ModelParams::<f32>::start(ModelId::V9);
        p.values_mut()[2] = f32::NAN;
        assert_eq!(p.validate(), Err(ParamError::NotFinite("k")));
        let mut p = ModelParams::<f32>::start(ModelId::V7);
        p.values_mut()[0] = f32::INFINITY;
        assert_eq!(p.validate(), Err(ParamError::NotFinite("a0")));
    }
}
