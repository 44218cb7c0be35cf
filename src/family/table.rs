//! The family's vocabulary, below every kernel: the variant ids and kernel kinds (generated from the
//! registration list in `src/family/mod.rs`), the parameter tables a kernel describes its parameters
//! with ([`Variant`], [`Field`], [`Source`]) and a variant's values ([`ModelParams`]). What needs
//! every variant's table (a variant's table from its id, validation, the enum dispatch) is generated
//! in `src/family/mod.rs`, above the kernels.

use crate::scalar::Scalar;

/// Generates [`ModelId`] and [`KernelKind`] from the registration list.
macro_rules! model_ids {
    ($(
        $(#[$kind_doc:meta])*
        $kind:ident($($model:ident)::+, $($kernel:ident)::+) feature $feature:literal {
            $( $(#[$doc:meta])* $id:ident = $num:literal, $key:literal, $title:literal => $table:path, )+
        }
    )+) => {
        /// Which variant of the family: the id stored in the blob.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        #[repr(u8)]
        pub enum ModelId {
            $($( $(#[$doc])* $id = $num, )+)+
        }

        impl ModelId {
            /// Every variant, in registration order (the id order).
            pub const ALL: [ModelId; [$($(ModelId::$id,)+)+].len()] = [$($(ModelId::$id,)+)+];

            /// The command-line key (`v8`, `v8-13`, `v9`, `v7`, `v8-precursor`).
            ///
            /// ```
            /// assert_eq!(galling::family::ModelId::V8_13.key(), "v8-13");
            /// ```
            pub const fn key(self) -> &'static str {
                match self {
                    $($( Self::$id => $key, )+)+
                }
            }

            /// The human-readable name (`V8`, `V8-13`, `V9`, `V7`, `V8-P`; also its `Display`).
            ///
            /// ```
            /// assert_eq!(galling::family::ModelId::V8Precursor.title(), "V8-P");
            /// ```
            pub const fn title(self) -> &'static str {
                match self {
                    $($( Self::$id => $title, )+)+
                }
            }

            /// The kernel the variant runs.
            ///
            /// ```
            /// use galling::family::{KernelKind, ModelId};
            /// assert_eq!(ModelId::V9.kernel(), KernelKind::DoubleWell);
            /// ```
            pub const fn kernel(self) -> KernelKind {
                match self {
                    $($( Self::$id => KernelKind::$kind, )+)+
                }
            }
        }

        /// Which kernel a variant runs.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        pub enum KernelKind {
            $( $(#[$kind_doc])* $kind, )+
        }

        impl KernelKind {
            /// The cargo feature of the `galling` crate that compiles the kernel in (`v8`, `v7`,
            /// `precursor`).
            ///
            /// ```
            /// use galling::family::KernelKind;
            /// assert_eq!(KernelKind::Linear.cargo_feature(), "v7");
            /// ```
            pub const fn cargo_feature(self) -> &'static str {
                match self {
                    $( Self::$kind => $feature, )+
                }
            }

            /// Whether this build has the kernel ([`cargo_feature`](Self::cargo_feature) enabled):
            /// a model of a kernel compiled out is refused wherever a model is built
            /// ([`ParamError::NotCompiled`](crate::ParamError::NotCompiled)).
            ///
            /// ```
            /// use galling::family::KernelKind;
            /// assert!(KernelKind::DoubleWell.is_compiled()); // `v8` is a default feature
            /// ```
            pub const fn is_compiled(self) -> bool {
                match self {
                    $( Self::$kind => cfg!(feature = $feature), )+
                }
            }
        }
    };
}

registration!(model_ids);

impl ModelId {
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
}

/// Largest parameter count of a variant (V7's 17; a test checks every registered variant fits).
pub const MAX_PARAMS: usize = 17;

/// One parameter of a variant's table: what the firmware needs at run time. (What each parameter
/// means is documented on the fields of [`V8Params`](crate::V8Params) and
/// [`V7Params`](crate::family::V7Params), generated from the same lists; the table carries no text
/// beyond the names, so the firmware links no documentation strings. A fit's physical box, scale
/// and default start are host-only fitting data: they live in host-train, not in the core's flash.)
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Field {
    /// The model's name for it (as in the JSON files and MODEL.md / VARIANTS.md).
    pub name: &'static str,
    /// Whether the model uses `abs()` of the stored value.
    pub used_as_abs: bool,
}

/// Where one kernel parameter comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Source {
    /// The variant's parameter at this index.
    Free(u8),
    /// Held at this value.
    Fixed(f32),
}

/// A variant's parameter table: written once per variant, it generates the parameter lists and the
/// blob layout (the trainer keys its fitting data, box, scale and start, by the names). The id's
/// key and title are in the registration list ([`ModelId::key`], [`ModelId::title`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Variant {
    /// Its id.
    pub id: ModelId,
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
    /// The table of a variant whose kernel this build does not have ([`ModelId::is_compiled`]):
    /// its id and kernel, no parameters (a one-variant firmware links no other variant's names).
    ///
    /// ```
    /// use galling::family::{ModelId, Variant};
    /// let v = Variant::compiled_out(ModelId::V7);
    /// assert!(v.fields.is_empty() && v.sources.is_empty());
    /// ```
    pub const fn compiled_out(id: ModelId) -> Self {
        Self {
            id,
            kernel: id.kernel(),
            fields: &[],
            sources: &[],
            ordered: None,
        }
    }

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
    pub(crate) model: ModelId,
    pub(crate) values: [S; MAX_PARAMS],
}

impl<S: Scalar> ModelParams<S> {
    /// Which variant.
    pub fn model(&self) -> ModelId {
        self.model
    }

    /// The same parameters in another number type.
    pub fn map<T: Scalar>(&self, mut f: impl FnMut(S) -> T) -> ModelParams<T> {
        ModelParams {
            model: self.model,
            values: self.values.map(&mut f),
        }
    }
}
