//! The double-well variants: V8 and its two restrictions, V8-13 (seed §9) and V9 (upstream's
//! fixed potential). All three run the V8 kernel ([`Landscape`](crate::Landscape),
//! `src/model.rs`); a table says which of the 15 V8 parameters are free.

use super::{Field, KernelKind, ModelId, Source, Variant};

use crate::params::v8_fields::*;

/// V9's `k`: the barrier height, temperature independent (used as `|k|`; `h0` of the V8 kernel).
static K: Field = Field { name: "k", ..H0 };

/// V9's `omega0`: its physical box reaches 2, not 1. With a fixed potential the stay probability
/// `1 - omega0 exp(-dV/D)` is clamped to 0.01 near the barrier top whenever `omega0 > 0.99`, and the
/// upstream V9 fit uses exactly that (`omega0 = 1.24`, LL 1219.86); within `[0, 1]` V9 cannot
/// reach it (best 1212.84). The bound stays finite: without one the fit degenerates to
/// `omega0` in the thousands.
static OMEGA0_V9: Field = Field {
    physical: (0.0, 2.0),
    ..OMEGA0
};

const fn free(i: u8) -> Source {
    Source::Free(i)
}
const HELD: Source = Source::Fixed(0.0);

/// V8: the 15 parameters of MODEL.md, in the order of [`V8Params`](crate::V8Params) (the entries
/// are generated with it, in `src/params.rs`).
pub const V8_TABLE: Variant = Variant {
    id: ModelId::V8,
    key: "v8",
    title: "V8",
    kernel: KernelKind::DoubleWell,
    fields: &[
        &MU_L,
        &MU_H,
        &H0,
        &ALPHA_H,
        &G0,
        &G_T,
        &D0,
        &D_T,
        &OMEGA0,
        &TAU,
        &J_MU,
        &J_T,
        &SIGMA_UP,
        &SIGMA_DOWN,
        &MU0_BASE,
    ],
    sources: &[
        free(0),
        free(1),
        free(2),
        free(3),
        free(4),
        free(5),
        free(6),
        free(7),
        free(8),
        free(9),
        free(10),
        free(11),
        free(12),
        free(13),
        free(14),
    ],
    ordered: Some((0, 1)),
};

/// V8-13 (seed §9): V8 with the tilt removed, `g0 = g_T = 0` held fixed.
pub const V8_13_TABLE: Variant = Variant {
    id: ModelId::V8_13,
    key: "v8-13",
    title: "V8-13",
    kernel: KernelKind::DoubleWell,
    fields: &[
        &MU_L,
        &MU_H,
        &H0,
        &ALPHA_H,
        &D0,
        &D_T,
        &OMEGA0,
        &TAU,
        &J_MU,
        &J_T,
        &SIGMA_UP,
        &SIGMA_DOWN,
        &MU0_BASE,
    ],
    sources: &[
        free(0),
        free(1),
        free(2),
        free(3),
        HELD,
        HELD,
        free(4),
        free(5),
        free(6),
        free(7),
        free(8),
        free(9),
        free(10),
        free(11),
        free(12),
    ],
    ordered: Some((0, 1)),
};

/// V9 (upstream's successor): a fixed potential, `h0 = k`, `alpha_h = 0`, `g0 = g_T = 0`; the
/// parameters are named as upstream names them.
pub const V9_TABLE: Variant = Variant {
    id: ModelId::V9,
    key: "v9",
    title: "V9",
    kernel: KernelKind::DoubleWell,
    fields: &[
        &MU_L,
        &MU_H,
        &K,
        &D0,
        &D_T,
        &OMEGA0_V9,
        &TAU,
        &J_MU,
        &J_T,
        &SIGMA_UP,
        &SIGMA_DOWN,
        &MU0_BASE,
    ],
    sources: &[
        free(0),
        free(1),
        free(2),
        HELD,
        HELD,
        HELD,
        free(3),
        free(4),
        free(5),
        free(6),
        free(7),
        free(8),
        free(9),
        free(10),
        free(11),
    ],
    ordered: Some((0, 1)),
};
