//! The model family: V8, V8-13, V9 and V7 behind one seam, registered in one list.
//!
//! A kernel is one file under `src/family/` that implements the [`Kernel`] at one die temperature
//! and describes its parameters ([`KernelModel`]): the double-well kernel of V8 ([`Landscape`],
//! `src/family/v8.rs`) and the linear kernel of V7 ([`V7Landscape`](v7), `src/family/v7.rs`). A variant
//! is a **parameter table** ([`Variant`]) over a kernel: its name, its parameters (name, whether the
//! model uses `abs()`) and how they fill the kernel's parameters ([`Source`]). V8-13 and V9 are
//! tables over the V8 kernel with some of its parameters held fixed. (A fit's box, scales and default
//! start are host-only fitting data, kept by the trainer, host-train, by variant and name.)
//!
//! # One variant per build
//!
//! Each kernel is behind a cargo feature of the crate, named in its entry of the registration list:
//! `v8` (the double-well kernel: V8, V8-13, V9; on by default), `v7` (the linear kernel: V7),
//! `precursor` (V8-P; enables `v8`, whose kernel it builds on). A firmware links only the kernels it
//! enables. [`ModelId`] keeps every id (they are the blob's bytes) and every table, but a model of a
//! kernel compiled out is refused wherever a model is built, with [`ParamError::NotCompiled`] naming
//! the feature to enable ([`ModelId::is_compiled`], [`ModelId::require_compiled`]); the blob decoder
//! refuses it at the model id.
//!
//! [`ModelParams`] carries a variant's values (at most [`MAX_PARAMS`], no heap), [`AnyModel`] is
//! the validated model of any variant and [`AnyKernel`] its kernel at one temperature. The monitor,
//! the blob, the trainer and the figures use these, so they work for every variant.
//!
//! # The registration list
//!
//! Everything that enumerates the family is generated from one list (the `registration!` macro
//! below): [`ModelId`] and [`KernelKind`], a variant's table from its id ([`ModelId::variant`]), the
//! enum dispatch [`AnyModel`]/[`AnyKernel`] and every forwarding method of [`AnyKernel`]'s
//! [`Kernel`] implementation, [`Kernels`] for [`AnyModel`], the per-kernel validation of
//! [`ModelParams::validate_within`], [`Quantity::fields`], and the dispatch over a variant's
//! parameter count ([`ModelId::with_param_count`], the trainer's dual-number width). The loops over
//! many strokes are [`KernelTask`]s: [`AnyKernel`] picks its variant once per call
//! ([`Kernel::perform`]), not once per stroke, and no loop needs its own forwarding.
//!
//! What a new variant touches:
//! - **over an existing kernel**: its table (a `const Variant` in the kernel's file, behind the
//!   kernel's feature) and one line in the kernel's entry of the list
//!   (`V10 = 6, "v10", "V10" => v8::V10_TABLE,`);
//! - **with a new kernel**: its file under `src/family/` (parameters, validation, model, kernel at
//!   one temperature, [`Kernels`] and [`KernelModel`] implementations, its tables; the model,
//!   kernel and tables behind its cargo feature), its `pub mod` line here, its feature in
//!   `Cargo.toml`, and one entry in the list (the kernel's arm, its model and kernel types, its
//!   feature, its variants). Only if needed: [`MAX_PARAMS`] when it has more than 17 parameters,
//!   and new [`Quantity`] values when its validation bounds a quantity no kernel has named yet.
//!   The blob, the monitor, the trainer's fits and gradients and the CLI keys follow from the
//!   table; the trainer's fitting data (box, scale, start) is one entry per parameter in
//!   host-train (`src/fitting.rs`, whose test names a missing one).
//!
//! A kernel that needs more than `(mu, delta)` per stroke (per-stroke features) keeps those inputs
//! in its own file and writes its loops over strokes as [`KernelTask`]s; the [`Kernel`] methods
//! the monitor calls per stroke stay as they are until the monitor must pass such inputs.
//!
//! # Module order
//!
//! `table` (ids, tables, values) and `crate::params` (box, quantities, errors, [`KernelModel`]) lie
//! below the kernels; `v8`, `v7` (the kernels) and `reference` (upstream fits) use them; this file,
//! generated from the list, lies above them all.
//!
//! ```
//! use galling::family::{AnyModel, ModelId, ModelParams};
//! use galling::Kernel;
//! let v9 = ModelParams::UPSTREAM_V9.map(f64::from);
//! assert_eq!(v9.len(), 12);
//! let model = AnyModel::new(&v9)?;
//! assert!(model.landscape(165.0).log_prob(0.2, 0.01).is_finite());
//! # Ok::<(), galling::ParamError>(())
//! ```

/// The family's registration list: each kernel's arm (its [`KernelKind`] and [`AnyModel`] /
/// [`AnyKernel`] variant), its model and kernel types, and its variants (id as stored in the blob,
/// and table). Listed in id order. `$then!` receives the list: `table` generates the ids from it,
/// this file the dispatch.
macro_rules! registration {
    ($then:ident) => {
        $then! {
            /// The V8 double-well kernel ([`Landscape`](crate::Landscape)) over
            /// [`V8Params`](crate::V8Params).
            DoubleWell(v8::Model, v8::Landscape) feature "v8" {
                /// V8, the double-well model (15 parameters).
                V8 = 1, "v8", "V8" => v8::V8_TABLE,
                /// V8-13: V8 with the tilt `g0 = g_T = 0` held fixed (13 parameters).
                V8_13 = 2, "v8-13", "V8-13" => v8::V8_13_TABLE,
                /// V9: V8 with a fixed potential, `h0 = k`, `alpha_h = 0`, `g0 = g_T = 0` (12
                /// parameters).
                V9 = 3, "v9", "V9" => v8::V9_TABLE,
            }
            /// The V7 linear kernel ([`V7Landscape`](crate::family::v7)) over
            /// [`V7Params`](crate::family::V7Params).
            Linear(v7::V7Model, v7::V7Landscape) feature "v7" {
                /// V7: the 17-coefficient linear kernel.
                V7 = 4, "v7", "V7" => v7::V7_TABLE,
            }
            /// The precursor kernel
            /// ([`PrecursorLandscape`](crate::family::precursor)): V8's double well with
            /// the escape scaled by the stroke's features.
            Precursor(precursor::PrecursorModel, precursor::PrecursorLandscape) feature "precursor" {
                /// V8-P: V8 and one escape coefficient per stroke feature (17 parameters).
                V8Precursor = 5, "v8-precursor", "V8-P" => precursor::V8_PRECURSOR_TABLE,
            }
        }
    };
}

pub(crate) mod table;

// `ModelId::variant` indexes its array by `id - 1`: the ids are 1, 2, ... in the list's order.
const _: () = {
    let mut i = 0;
    while i < ModelId::ALL.len() {
        assert!(ModelId::ALL[i] as usize == i + 1);
        i += 1;
    }
};

pub mod precursor;
pub mod reference;
pub mod v7;
pub mod v8;

pub use crate::params::KernelModel;
pub use precursor::{N_PRECURSOR_FEATURES, PRECURSOR_FEATURES, PrecursorParams};
#[cfg(feature = "precursor")]
pub use precursor::{PrecursorLandscape, PrecursorModel, V8_PRECURSOR_TABLE};
pub use table::{Field, KernelKind, MAX_PARAMS, ModelId, ModelParams, Source, Variant};
pub use v7::V7Params;
#[cfg(feature = "v7")]
pub use v7::{V7_TABLE, V7Landscape, V7Model};
#[cfg(feature = "v8")]
pub use v8::{Landscape, Model, V8_13_TABLE, V8_TABLE, V9_TABLE};
pub use v8::{ParamField, V8Params};

#[cfg(not(any(feature = "v8", feature = "v7", feature = "precursor")))]
compile_error!(
    "galling runs at least one kernel: enable its cargo feature `v8` (V8, V8-13, V9; the default), \
     `v7` (V7) or `precursor` (V8-P)"
);

use crate::kernel::{Kernel, KernelTask, Kernels, Mixture, TransitionScore};
use crate::params::{OperatingBox, ParamError, Quantity};
use crate::scalar::Scalar;
use core::fmt;

/// A computation generic over a variant's parameter count, run by [`ModelId::with_param_count`]
/// at the count of the variant: how the trainer picks its dual-number width.
///
/// ```
/// use galling::family::{ModelId, ParamCountTask};
/// struct Count;
/// impl ParamCountTask for Count {
///     type Output = usize;
///     fn run<const N: usize>(self) -> usize { N }
/// }
/// assert_eq!(ModelId::V9.with_param_count(Count), 12);
/// ```
pub trait ParamCountTask {
    /// What the task returns.
    type Output;

    /// Runs the task with `N` the variant's parameter count.
    fn run<const N: usize>(self) -> Self::Output;
}

/// Generates the family's dispatch from the registration list.
macro_rules! dispatch {
    ($(
        $(#[$kind_doc:meta])*
        $kind:ident($($model:ident)::+, $($kernel:ident)::+) feature $feature:literal {
            $( $(#[$doc:meta])* $id:ident = $num:literal, $key:literal, $title:literal => $table:path, )+
        }
    )+) => {
        impl ModelId {
            /// The variant's parameter table; of a variant compiled out ([`is_compiled`](Self::is_compiled)
            /// false), an empty one ([`Variant::compiled_out`]: the build links no other kernel's
            /// names).
            // One array indexed by the id, not a `match`: inlined, a `match` became one lookup
            // table per call site in the firmware (15 copies of the same 20 bytes, footprint.sh).
            pub const fn variant(self) -> &'static Variant {
                const VARIANTS: [&Variant; ModelId::ALL.len()] = [$($(
                    #[cfg(feature = $feature)]
                    &$table,
                    #[cfg(not(feature = $feature))]
                    &const { Variant::compiled_out(ModelId::$id) },
                )+)+];
                // the ids are 1, 2, ... in list order (checked below), so the index is in bounds
                VARIANTS[self as usize - 1]
            }

            /// Runs `task` at the variant's parameter count (a const generic: one monomorphic
            /// instance per count; 0 for a variant compiled out).
            pub fn with_param_count<T: ParamCountTask>(self, task: T) -> T::Output {
                match self {
                    $($(
                        #[cfg(feature = $feature)]
                        Self::$id => task.run::<{ $table.fields.len() }>(),
                        #[cfg(not(feature = $feature))]
                        Self::$id => task.run::<0>(),
                    )+)+
                }
            }
        }

        /// A kernel this build compiles (its cargo feature is on): what [`KernelKind::compiled`]
        /// gives for it, so the code that prepares a model has no case for a kernel compiled out.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum CompiledKernel {
            $( #[cfg(feature = $feature)] $kind, )+
        }

        impl KernelKind {
            /// The kernel as one this build compiles; `None` when its cargo feature is off.
            pub(crate) const fn compiled(self) -> Option<CompiledKernel> {
                match self {
                    $(
                        #[cfg(feature = $feature)]
                        Self::$kind => Some(CompiledKernel::$kind),
                        #[cfg(not(feature = $feature))]
                        Self::$kind => None,
                    )+
                }
            }

            /// The table of the kernel's own parameters ([`KernelModel::TABLE`]; of a kernel
            /// compiled out, its first registered variant's table, which is the same table).
            pub const fn table(self) -> &'static Variant {
                match self {
                    $(
                        #[cfg(feature = $feature)]
                        Self::$kind => <$($model)::+<f32> as KernelModel<f32>>::TABLE,
                        #[cfg(not(feature = $feature))]
                        Self::$kind => self.first_table(),
                    )+
                }
            }

            /// [`KernelModel::QUANTITY_FIELDS`] of the kernel (none for a kernel compiled out: its
            /// validation never runs).
            const fn quantity_fields(self) -> &'static [(Quantity, &'static [&'static str])] {
                match self {
                    $(
                        #[cfg(feature = $feature)]
                        Self::$kind => <$($model)::+<f32> as KernelModel<f32>>::QUANTITY_FIELDS,
                        #[cfg(not(feature = $feature))]
                        Self::$kind => &[],
                    )+
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
            $( $(#[$kind_doc])* #[cfg(feature = $feature)] $kind(ModelId, $($model)::+<S>), )+
        }

        impl<S: Scalar> AnyModel<S> {
            /// Prepares the kernel of parameters already validated (over any box);
            /// [`ParamError::NotCompiled`] for a variant whose kernel this build does not have.
            pub(crate) fn new_unchecked_box(params: &ModelParams<S>) -> Result<Self, ParamError> {
                let kernel = params.variant().kernel.compiled().ok_or(ParamError::NotCompiled(params.model()))?;
                Ok(Self::prepare(kernel, params))
            }

            /// Prepares the kernel of parameters already validated (over any box) of a variant
            /// whose kernel is `kernel` (compiled in: checked where the kernel was named).
            // Flash (firmware-example/footprint.sh): infallible, so the prepared model is written
            // where the caller keeps it (no copy of the 88-byte model out of a `Result`).
            #[cfg_attr(not(all($(feature = $feature),+)), inline(always))]
            pub(crate) fn prepare(kernel: CompiledKernel, params: &ModelParams<S>) -> Self {
                match kernel {
                    $(
                        #[cfg(feature = $feature)]
                        CompiledKernel::$kind => Self::$kind(
                            params.model(),
                            <$($model)::+<S> as KernelModel<S>>::from_valid_params(
                                &<$($model)::+<S> as KernelModel<S>>::params_from(|j| params.kernel_value(j)),
                            ),
                        ),
                    )+
                }
            }

            /// Which variant.
            pub fn model(&self) -> ModelId {
                match self {
                    $( #[cfg(feature = $feature)] Self::$kind(id, _) => *id, )+
                }
            }

            /// The kernel at die temperature `temperature` (degC, model temperature), evaluated once.
            #[inline]
            pub fn landscape(&self, temperature: S) -> AnyKernel<S> {
                match self {
                    $(
                        #[cfg(feature = $feature)]
                        Self::$kind(_, m) => AnyKernel::$kind(Kernels::landscape(m, temperature)),
                    )+
                }
            }
        }

        /// The kernel of any variant at one die temperature.
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub enum AnyKernel<S = f32> {
            $( $(#[$kind_doc])* #[cfg(feature = $feature)] $kind($($kernel)::+<S>), )+
        }

        /// Every method forwards to the variant's kernel (one match per call). The loops over many
        /// strokes run through [`perform`](Kernel::perform), so they pick the variant once, not once
        /// per stroke (per-stroke dispatch made the dual-number likelihood 2.3x slower).
        impl<S: Scalar> Kernel<S> for AnyKernel<S> {
            #[inline(always)]
            fn mixture(&self, mu: S) -> Mixture<S> {
                match self {
                    $( #[cfg(feature = $feature)] Self::$kind(k) => k.mixture(mu), )+
                }
            }

            #[inline(always)]
            fn initial_cof(&self) -> S {
                match self {
                    $( #[cfg(feature = $feature)] Self::$kind(k) => k.initial_cof(), )+
                }
            }

            #[inline(always)]
            fn score(&self, mu: S, delta: S) -> TransitionScore<S> {
                match self {
                    $( #[cfg(feature = $feature)] Self::$kind(k) => Kernel::score(k, mu, delta), )+
                }
            }

            #[inline(always)]
            fn mixture_at_stroke(&self, inputs: &[S], mu: S) -> Mixture<S> {
                match self {
                    $( #[cfg(feature = $feature)] Self::$kind(k) => k.mixture_at_stroke(inputs, mu), )+
                }
            }

            #[inline(always)]
            fn score_at_stroke(&self, inputs: &[S], mu: S, delta: S) -> TransitionScore<S> {
                match self {
                    $( #[cfg(feature = $feature)] Self::$kind(k) => k.score_at_stroke(inputs, mu, delta), )+
                }
            }

            #[inline]
            fn log_prob(&self, mu: S, delta: S) -> S {
                match self {
                    $( #[cfg(feature = $feature)] Self::$kind(k) => k.log_prob(mu, delta), )+
                }
            }

            #[inline]
            fn jump_posterior(&self, mu: S, delta: S) -> S {
                match self {
                    $( #[cfg(feature = $feature)] Self::$kind(k) => k.jump_posterior(mu, delta), )+
                }
            }

            #[inline]
            fn step<R: rand_core::Rng + ?Sized>(&self, mu: S, rng: &mut R) -> S
            where
                Self: Sized,
            {
                match self {
                    $( #[cfg(feature = $feature)] Self::$kind(k) => k.step(mu, rng), )+
                }
            }

            #[inline(always)]
            fn next_cof(&self, mu: S, u: S, z: S) -> S {
                match self {
                    $( #[cfg(feature = $feature)] Self::$kind(k) => k.next_cof(mu, u, z), )+
                }
            }

            #[inline]
            fn perform<T: KernelTask<S>>(&self, task: T) -> T::Output
            where
                Self: Sized,
            {
                match self {
                    $( #[cfg(feature = $feature)] Self::$kind(k) => task.run(k), )+
                }
            }
        }

        impl<S: Scalar> Kernels<S> for AnyModel<S> {
            type Kernel = AnyKernel<S>;

            #[inline]
            fn landscape(&self, temperature: S) -> AnyKernel<S> {
                AnyModel::landscape(self, temperature)
            }
        }

        impl<S: Scalar> ModelParams<S> {
            /// The kernel's own checks ([`KernelModel::validate_params`]) of the kernel's
            /// parameters.
            fn validate_kernel(&self, bounds: &OperatingBox) -> Result<(), ParamError> {
                match self.variant().kernel {
                    $(
                        #[cfg(feature = $feature)]
                        KernelKind::$kind => <$($model)::+<S> as KernelModel<S>>::validate_params(
                            &<$($model)::+<S> as KernelModel<S>>::params_from(|j| self.kernel_value(j)),
                            bounds,
                        ),
                        #[cfg(not(feature = $feature))]
                        KernelKind::$kind => Err(ParamError::NotCompiled(self.model)),
                    )+
                }
            }
        }
    };
}

registration!(dispatch);

impl ModelId {
    /// Every variant's command-line key, in id order.
    pub const KEYS: [&'static str; ModelId::ALL.len()] = {
        let mut out = [""; ModelId::ALL.len()];
        let mut i = 0;
        while i < out.len() {
            out[i] = ModelId::ALL[i].key();
            i += 1;
        }
        out
    };

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

    /// Whether this build runs the variant: its kernel's cargo feature
    /// ([`cargo_feature`](Self::cargo_feature)) is enabled. Every id stays known (ids are the
    /// blob's bytes), but a model of a variant compiled out is refused wherever a model is built
    /// ([`require_compiled`](Self::require_compiled)).
    ///
    /// ```
    /// use galling::family::ModelId;
    /// assert!(ModelId::V9.is_compiled()); // `v8` (V8, V8-13, V9) is a default feature
    /// ```
    pub const fn is_compiled(self) -> bool {
        self.kernel().is_compiled()
    }

    /// The cargo feature of the `galling` crate that compiles the variant's kernel in: `v8` (V8,
    /// V8-13, V9; on by default), `v7` (V7), `precursor` (V8-P).
    ///
    /// ```
    /// use galling::family::ModelId;
    /// assert_eq!(ModelId::V8_13.cargo_feature(), "v8");
    /// assert_eq!(ModelId::V8Precursor.cargo_feature(), "precursor");
    /// ```
    pub const fn cargo_feature(self) -> &'static str {
        self.kernel().cargo_feature()
    }

    /// The id itself when this build runs the variant, else [`ParamError::NotCompiled`] (whose
    /// message names the cargo feature to enable): how a reader of stored parameters (the blob
    /// decoder) refuses a model this build cannot run where it reads its id.
    ///
    /// ```
    /// use galling::family::ModelId;
    /// assert_eq!(ModelId::V8.require_compiled(), Ok(ModelId::V8));
    /// ```
    ///
    /// # Errors
    /// [`ParamError::NotCompiled`] when the variant's kernel is compiled out.
    pub const fn require_compiled(self) -> Result<Self, ParamError> {
        if self.is_compiled() {
            Ok(self)
        } else {
            Err(ParamError::NotCompiled(self))
        }
    }
}

impl KernelKind {
    /// The table of the kernel's first registered variant (the kernel's own table: a test checks
    /// it keeps every parameter free).
    #[cfg_attr(
        all(feature = "v8", feature = "v7", feature = "precursor"),
        allow(dead_code)
    )]
    const fn first_table(self) -> &'static Variant {
        let mut i = 0;
        while i < ModelId::ALL.len() {
            let v = ModelId::ALL[i].variant();
            if v.kernel as u8 == self as u8 {
                return v;
            }
            i += 1;
        }
        ModelId::ALL[0].variant()
    }
}

impl fmt::Display for ModelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title())
    }
}

/// Written as the command-line key (`"v8"`, `"v8-13"`, ...), as in configuration files.
#[cfg(feature = "serde")]
impl serde::Serialize for ModelId {
    fn serialize<Ser: serde::Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        serializer.serialize_str(self.key())
    }
}

/// Read from the command-line key (exactly as written by `Serialize`).
#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for ModelId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Key;
        impl serde::de::Visitor<'_> for Key {
            type Value = ModelId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a model variant key")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ModelId, E> {
                ModelId::ALL
                    .into_iter()
                    .find(|m| m.key() == v)
                    .ok_or_else(|| E::unknown_variant(v, &ModelId::KEYS))
            }
        }
        deserializer.deserialize_str(Key)
    }
}

impl<S: Scalar> AnyModel<S> {
    /// Validates `params` ([`ModelParams::validate`]) and prepares the kernel.
    ///
    /// # Errors
    /// [`ParamError::NotCompiled`] for a variant whose kernel this build does not have, else the
    /// first [`ParamError`] of the validation.
    pub fn new(params: &ModelParams<S>) -> Result<Self, ParamError> {
        params.validate()?;
        Self::new_unchecked_box(params)
    }
}

/// Every variant's table, in id order.
pub const VARIANTS: [&Variant; ModelId::ALL.len()] = {
    let mut out = [ModelId::ALL[0].variant(); ModelId::ALL.len()];
    let mut i = 0;
    while i < out.len() {
        out[i] = ModelId::ALL[i].variant();
        i += 1;
    }
    out
};

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

    /// The kernel parameter `kernel_index` (see [`Variant::sources`]).
    /// Total: the tables are checked by tests, and a missing entry reads as 0.
    pub(crate) fn kernel_value(&self, kernel_index: usize) -> S {
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

    /// The parameters of kernel `M` (e.g. [`Model`]'s [`V8Params`]), with the parameters the
    /// variant holds fixed filled in; `None` when the variant runs another kernel.
    ///
    /// ```
    /// use galling::family::{ModelId, ModelParams, V7Model};
    /// use galling::Model;
    /// let v9 = ModelParams::UPSTREAM_V9.map(f64::from);
    /// assert_eq!(v9.kernel_params::<Model<f64>>().map(|p| p.g0), Some(0.0));
    /// assert!(v9.kernel_params::<V7Model<f64>>().is_none());
    /// ```
    pub fn kernel_params<M: KernelModel<S>>(&self) -> Option<M::Params> {
        (self.variant().kernel.table().id == M::TABLE.id)
            .then(|| M::params_from(|j| self.kernel_value(j)))
    }

    /// The V8 kernel's parameters of a double-well variant (`None` for another kernel).
    #[cfg(feature = "v8")]
    pub fn to_v8(&self) -> Option<V8Params<S>> {
        self.kernel_params::<Model<S>>()
    }

    /// The V7 kernel's parameters of a linear variant (`None` for another kernel).
    #[cfg(feature = "v7")]
    pub fn to_v7(&self) -> Option<V7Params<S>> {
        self.kernel_params::<V7Model<S>>()
    }

    /// Checks the parameters over the monitor's default input box
    /// ([`OperatingBox::MONITOR_DEFAULT`]): see [`validate_within`](Self::validate_within).
    pub fn validate(&self) -> Result<(), ParamError> {
        self.validate_within(&OperatingBox::MONITOR_DEFAULT)
    }

    /// Checks that this build runs the variant ([`ModelId::is_compiled`]) and that its model
    /// evaluates finitely in `f32` over `bounds`: every value finite and within `f32`, then the
    /// kernel's own worst-case checks ([`KernelModel::validate_params`]:
    /// [`V8Params::validate_within`], `V7Params::validate_within`). Errors name the variant's
    /// parameters.
    ///
    /// # Errors
    /// [`ParamError::NotCompiled`] for a variant compiled out, else the first [`ParamError`]
    /// found.
    pub fn validate_within(&self, bounds: &OperatingBox) -> Result<(), ParamError> {
        self.model.require_compiled()?;
        for (field, value) in self.variant().fields.iter().zip(self.values()) {
            if !value.is_finite() {
                return Err(ParamError::NotFinite(field.name));
            }
            if !(value.to_f64() as f32).is_finite() {
                return Err(ParamError::BeyondF32(field.name));
            }
        }
        let result = self.validate_kernel(bounds);
        result.map_err(|e| e.for_model(self.model))
    }
}

impl Quantity {
    /// The kernel parameters the quantity depends on (the ones to change to bring it back in
    /// range), by their names in the kernel of `model` ([`KernelModel::QUANTITY_FIELDS`]: V8's for
    /// the double-well variants, V7's for V7). A variant names them its own way: see
    /// [`own_fields`](Self::own_fields).
    pub const fn fields(self, model: ModelId) -> &'static [&'static str] {
        let table = model.variant().kernel.quantity_fields();
        let mut i = 0;
        while i < table.len() {
            if table[i].0 as usize == self as usize {
                return table[i].1;
            }
            i += 1;
        }
        &[]
    }
}

impl Quantity {
    /// The parameters of `model` the quantity depends on, as `(index, name)` in the variant's own
    /// storage order and naming (V9's `k` for the kernel's `h0`); parameters the variant holds fixed
    /// are left out.
    ///
    /// ```
    /// use galling::{Quantity, family::ModelId};
    /// let v9: Vec<_> = Quantity::BarrierScale.own_fields(ModelId::V9).collect();
    /// assert_eq!(v9, [(2, "k")]);
    /// ```
    pub fn own_fields(self, model: ModelId) -> impl Iterator<Item = (usize, &'static str)> {
        let variant = model.variant();
        let kernel = variant.kernel.table();
        self.fields(model).iter().filter_map(move |name| {
            let own = kernel
                .index_of(name)
                .and_then(|j| variant.name_of_kernel_param(j))?;
            variant.index_of(own).map(|i| (i, own))
        })
    }
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFinite(field) => write!(f, "parameter {field} is not a finite number"),
            Self::BeyondF32(field) => write!(
                f,
                "parameter {field} is beyond the f32 range (magnitude over 3.4e38) the firmware evaluates in"
            ),
            Self::WellsNotOrdered => f.write_str(
                "parameters mu_L and mu_H: the clean well mu_L must lie below the galled well mu_H",
            ),
            Self::ZeroSpread(field) => write!(
                f,
                "parameter {field} is zero: the jump component needs a positive spread"
            ),
            Self::Unbounded {
                quantity,
                exponent,
                model,
            } => {
                let (what, limit) = match quantity {
                    Quantity::StayResidual | Quantity::JumpResidual => ("the square of the ", 37),
                    _ => ("the ", 30),
                };
                f.write_str("parameters ")?;
                for (i, (_, own)) in quantity.own_fields(*model).enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(own)?;
                }
                write!(f, ": {what}{quantity} reaches ")?;
                if *exponent == i16::MAX {
                    f.write_str("beyond the f32 range")?;
                } else {
                    write!(f, "about 1e{exponent}")?;
                }
                write!(
                    f,
                    " in the operating box (die temperatures and COF values the monitor accepts); \
                     the limit that keeps f32 evaluation finite is 1e{limit}"
                )
            }
            Self::InvalidBox => f.write_str(
                "operating box: temperature and COF bounds must be finite with low < high",
            ),
            Self::NotCompiled(model) => write!(
                f,
                "model {model}: its kernel is not compiled into this build; enable the cargo \
                 feature `{}` of the galling crate",
                model.cargo_feature()
            ),
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
            assert_eq!(ModelId::from_key(v.id.key()), Some(v.id));
            assert_eq!(v.kernel, v.id.kernel());
            assert_eq!(v.sources.len(), v.kernel.table().fields.len(), "{}", v.id);
            assert!(v.fields.len() <= MAX_PARAMS, "{}", v.id);
            // a kernel's own table keeps every parameter free, in order
            let own = v.kernel.table();
            for (j, s) in own.sources.iter().enumerate() {
                assert_eq!(*s, Source::Free(j as u8), "{}", own.id);
            }
            // every free parameter feeds exactly one kernel parameter
            for i in 0..v.fields.len() {
                let uses = v
                    .sources
                    .iter()
                    .filter(|s| **s == Source::Free(i as u8))
                    .count();
                assert_eq!(uses, 1, "{} field {}", v.id, v.fields[i].name);
            }
        }
        assert_eq!(ModelId::V8.param_count(), 15);
        assert_eq!(ModelId::V8_13.param_count(), 13);
        assert_eq!(ModelId::V9.param_count(), 12);
        assert_eq!(ModelId::V7.param_count(), 17);
        // registration order is id order
        for (i, id) in ModelId::ALL.iter().enumerate() {
            assert_eq!(usize::from(id.to_u8()), i + 1);
        }
    }

    #[test]
    fn quantities_name_their_kernels_parameters() {
        for id in ModelId::ALL {
            let own = id.variant().kernel.table();
            for q in [
                Quantity::BarrierScale,
                Quantity::Tilt,
                Quantity::NoiseIntensity,
                Quantity::Potential,
                Quantity::StayDrift,
                Quantity::EscapeRate,
                Quantity::JumpDrift,
                Quantity::StayLogit,
                Quantity::StaySpread,
                Quantity::JumpSpread,
                Quantity::InitialCof,
                Quantity::StayResidual,
                Quantity::JumpResidual,
            ] {
                for name in q.fields(id) {
                    assert!(own.index_of(name).is_some(), "{id}: {q} names {name}");
                }
            }
        }
        assert_eq!(Quantity::StayLogit.fields(ModelId::V8), &[] as &[&str]);
        assert_eq!(Quantity::Tilt.fields(ModelId::V7), &[] as &[&str]);
    }

    #[test]
    fn width_dispatch_runs_at_the_variants_parameter_count() {
        struct Width;
        impl ParamCountTask for Width {
            type Output = usize;
            fn run<const N: usize>(self) -> usize {
                N
            }
        }
        for id in ModelId::ALL {
            assert_eq!(id.with_param_count(Width), id.param_count());
        }
    }

    #[test]
    fn v8_table_is_the_v8_params_order() {
        for (f, pf) in V8_TABLE.fields.iter().zip(ParamField::ALL) {
            assert_eq!(f.name, pf.name());
            assert_eq!(f.used_as_abs, pf.is_used_as_abs());
        }
        let p = ModelParams::from(V8Params::PUBLISHED_FIT);
        assert_eq!(p.to_v8(), Some(V8Params::PUBLISHED_FIT));
    }

    #[test]
    fn v9_is_v8_with_a_fixed_potential() {
        let mut p = ModelParams::UPSTREAM_V9.map(f64::from);
        p.values_mut()[2] = 0.025; // k
        let v8 = p.to_v8().unwrap();
        assert_eq!((v8.h0, v8.alpha_h, v8.g0, v8.g_t), (0.025, 0.0, 0.0, 0.0));
        let p13 = ModelParams::new(ModelId::V8_13, &V8_13_REFERENCE)
            .unwrap()
            .to_v8()
            .unwrap();
        assert_eq!((p13.g0, p13.g_t), (0.0, 0.0));
    }

    /// Whichever kernels the build has: a compiled variant builds, a variant compiled out is
    /// refused wherever a model is built, by an error that names the cargo feature to enable.
    /// (`cargo test` enables every kernel, see Cargo.toml; the refusal is the path of a
    /// one-variant build.)
    #[test]
    fn variants_compiled_out_are_refused_naming_their_feature() {
        let references = [
            ModelParams::PUBLISHED_V8,
            ModelParams::new(ModelId::V8_13, &V8_13_REFERENCE).unwrap(),
            ModelParams::UPSTREAM_V9,
            ModelParams::UPSTREAM_V7,
            ModelParams::precursor(V8Params::PUBLISHED_FIT, [0.5, 0.25]),
        ];
        assert_eq!(references.map(|p| p.model()), ModelId::ALL);
        for p in references {
            let id = p.model();
            let compiled = match id.cargo_feature() {
                "v8" => cfg!(feature = "v8"),
                "v7" => cfg!(feature = "v7"),
                "precursor" => cfg!(feature = "precursor"),
                other => panic!("{id}: unknown feature {other}"),
            };
            assert_eq!(id.is_compiled(), compiled, "{id}");
            if compiled {
                assert_eq!(id.require_compiled(), Ok(id));
                assert_eq!(AnyModel::new(&p).map(|m| m.model()), Ok(id));
            } else {
                let refused = Err(ParamError::NotCompiled(id));
                assert_eq!(id.require_compiled(), refused);
                assert_eq!(p.validate(), refused.map(|_: ModelId| ()));
                assert_eq!(AnyModel::new(&p).map(|m| m.model()), refused);
            }
        }
        assert_eq!(
            ParamError::NotCompiled(ModelId::V7).to_string(),
            "model V7: its kernel is not compiled into this build; enable the cargo feature `v7` \
             of the galling crate"
        );
        assert_eq!(
            ModelId::ALL.map(ModelId::cargo_feature),
            ["v8", "v8", "v8", "v7", "precursor"]
        );
    }

    /// V8-13's values of the published V8 fit (V8's without `g0`, `g_T`).
    const V8_13_REFERENCE: [f32; 13] = {
        let v = V8Params::PUBLISHED_FIT;
        [
            v.mu_l,
            v.mu_h,
            v.h0,
            v.alpha_h,
            v.d0,
            v.d_t,
            v.omega0,
            v.tau,
            v.j_mu,
            v.j_t,
            v.sigma_jump_up,
            v.sigma_jump_down,
            v.mu0_base,
        ]
    };

    #[test]
    fn errors_name_the_variants_parameters() {
        let mut p = ModelParams::UPSTREAM_V9;
        p.values_mut()[2] = f32::NAN;
        assert_eq!(p.validate(), Err(ParamError::NotFinite("k")));
        let mut p = ModelParams::UPSTREAM_V7;
        p.values_mut()[0] = f32::INFINITY;
        assert_eq!(p.validate(), Err(ParamError::NotFinite("a0")));
    }
}
