//! The double-well variants: V8 and its two restrictions, V8-13 (seed §9) and V9 (upstream's
//! fixed potential). All three run the V8 kernel ([`Landscape`](crate::Landscape),
//! `src/model.rs`); a table says which of the 15 V8 parameters are free.

use super::{Field, KernelKind, ModelId, Source, Variant};

const INF: f64 = f64::INFINITY;
/// The physical range of a well position (the COF range of the model).
const WELL: (f64, f64) = (0.1, 1.3);
/// No bound.
const FREE: (f64, f64) = (-INF, INF);

const fn field(
    name: &'static str,
    doc: &'static str,
    used_as_abs: bool,
    physical: (f64, f64),
    scale: f64,
    start: f64,
) -> Field {
    Field {
        name,
        doc,
        used_as_abs,
        physical,
        scale,
        start,
    }
}

const MU_L: Field = field(
    "mu_L",
    "clean-state well position (COF)",
    false,
    WELL,
    0.1,
    0.18,
);
const MU_H: Field = field(
    "mu_H",
    "galled-state well position (COF)",
    false,
    WELL,
    0.1,
    0.90,
);
const H0: Field = field("h0", "barrier height at 160 C", true, FREE, 0.1, 0.1);
const ALPHA_H: Field = field(
    "alpha_h",
    "barrier temperature sensitivity, 1/degC",
    true,
    FREE,
    0.1,
    0.1,
);
const G0: Field = field("g0", "tilt at 160 C", false, FREE, 0.01, -0.01);
const G_T: Field = field(
    "g_T",
    "tilt temperature sensitivity, 1/degC",
    false,
    FREE,
    0.001,
    0.005,
);
const D0: Field = field("D0", "noise intensity at 160 C", true, FREE, 0.001, 0.001);
const D_T: Field = field(
    "D_T",
    "noise temperature scaling, 1/degC",
    false,
    FREE,
    0.1,
    0.1,
);
/// `omega0` in `[0, 1]` keeps `1 - omega0 exp(..)` a probability before its clamp.
const OMEGA0: Field = field(
    "omega0",
    "Kramers escape attempt frequency",
    true,
    (0.0, 1.0),
    0.1,
    0.1,
);
const TAU: Field = field(
    "tau",
    "jump time multiplier on the potential force",
    true,
    FREE,
    1.0,
    3.0,
);
const J_MU: Field = field(
    "j_mu",
    "COF dependence of the jump drift",
    false,
    FREE,
    0.1,
    -0.3,
);
const J_T: Field = field(
    "j_T",
    "temperature dependence of the jump drift, 1/degC",
    false,
    FREE,
    0.01,
    0.03,
);
const SIGMA_UP: Field = field(
    "sigma_jump_up",
    "landing spread of jumps from below the midpoint",
    true,
    FREE,
    0.1,
    0.15,
);
const SIGMA_DOWN: Field = field(
    "sigma_jump_down",
    "landing spread of jumps from above the midpoint",
    true,
    FREE,
    0.1,
    0.10,
);
const MU0_BASE: Field = field(
    "mu0_base",
    "starting COF of simulations",
    false,
    FREE,
    1.0,
    0.15,
);
/// V9's name for its temperature-independent barrier, `h0` of the V8 kernel.
const K: Field = field(
    "k",
    "barrier height (temperature independent)",
    true,
    FREE,
    0.1,
    0.1,
);

const fn free(i: u8) -> Source {
    Source::Free(i)
}
const HELD: Source = Source::Fixed(0.0);

/// V8: the 15 parameters of MODEL.md, in the order of [`V8Params`](crate::V8Params).
pub const V8_TABLE: Variant = Variant {
    id: ModelId::V8,
    key: "v8",
    title: "V8",
    kernel: KernelKind::DoubleWell,
    fields: &[
        MU_L, MU_H, H0, ALPHA_H, G0, G_T, D0, D_T, OMEGA0, TAU, J_MU, J_T, SIGMA_UP, SIGMA_DOWN,
        MU0_BASE,
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
        MU_L, MU_H, H0, ALPHA_H, D0, D_T, OMEGA0, TAU, J_MU, J_T, SIGMA_UP, SIGMA_DOWN, MU0_BASE,
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
        MU_L, MU_H, K, D0, D_T, OMEGA0, TAU, J_MU, J_T, SIGMA_UP, SIGMA_DOWN, MU0_BASE,
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
