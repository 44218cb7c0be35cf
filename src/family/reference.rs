//! The upstream reference fits of the family, as `f32` values exactly as stored in the upstream
//! checkpoints (`../shared/reference/{v7,v9}-upstream-fit.json`; `VARIANTS.md`).
//!
//! On the 862 transitions of the real data (25 C evaluated as 160 C) the V9 fit scores a
//! log-likelihood of 1219.860687 and the V7 fit 1328.609444 (evaluated in `f64`); the golden tests
//! `host-train/tests/integration/family_golden.rs` check both, per temperature, against the reference files. The
//! published V8 fit is [`ModelParams::PUBLISHED_V8`].
//!
//! ```
//! use galling::Kernel;
//! use galling::family::{AnyModel, ModelId, ModelParams};
//! let v9 = ModelParams::UPSTREAM_V9;
//! assert_eq!((v9.model(), v9.len()), (ModelId::V9, 12));
//! assert_eq!(v9.get("k"), Some(0.025_321_951));
//! let model = AnyModel::new(&v9)?;
//! assert!(model.landscape(170.0).log_prob(0.8, 0.01).is_finite());
//! # Ok::<(), galling::ParamError>(())
//! ```

use super::{MAX_PARAMS, ModelId, ModelParams, V7Params};

/// The upstream V9 fit's 12 parameters in V9's storage order (`mu_L mu_H k D0 D_T omega0 tau j_mu
/// j_T sigma_jump_up sigma_jump_down mu0_base`), the `f32` values of the checkpoint
/// `results/interactive_galling_v9/best_model.pth` of the public repository
/// VincentLoaF/GallingModel.
pub const V9_UPSTREAM_FIT: [f32; 12] = [
    0.158_524_08,
    1.044_068_7,
    0.025_321_951,
    0.000_349_240_55,
    0.118_364_28,
    1.241_311_1,
    1.803_410_9,
    -0.388_797_25,
    0.032_352_418,
    0.209_972_17,
    0.202_921_36,
    0.15,
];

/// `values` in the first slots, zeros after (a `const` [`ModelParams::new`]).
const fn padded<const N: usize>(values: [f32; N]) -> [f32; MAX_PARAMS] {
    let mut all = [0.0; MAX_PARAMS];
    let mut i = 0;
    while i < N {
        all[i] = values[i];
        i += 1;
    }
    all
}

impl ModelParams<f32> {
    /// The upstream V9 fit ([`V9_UPSTREAM_FIT`]) as family parameters: log-likelihood 1219.860687
    /// on the real data.
    pub const UPSTREAM_V9: Self = Self {
        model: ModelId::V9,
        values: padded(V9_UPSTREAM_FIT),
    };

    /// The upstream V7 fit ([`V7Params::UPSTREAM_FIT`]) as family parameters: log-likelihood
    /// 1328.609444 on the real data.
    pub const UPSTREAM_V7: Self = {
        let p = V7Params::UPSTREAM_FIT;
        Self {
            model: ModelId::V7,
            values: [
                p.a0, p.a_t, p.a_mu, p.a_mu2, p.c0, p.c_mu, p.c_t, p.s0, p.s_mu, p.s_t, p.j0,
                p.j_mu, p.j_t, p.v0, p.v_mu, p.mu0_base, p.mu0_t,
            ],
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_are_the_variants_values() {
        assert_eq!(ModelParams::UPSTREAM_V9.values(), &V9_UPSTREAM_FIT[..]);
        assert_eq!(
            ModelParams::UPSTREAM_V7,
            ModelParams::from(V7Params::UPSTREAM_FIT)
        );
        for p in [ModelParams::UPSTREAM_V9, ModelParams::UPSTREAM_V7] {
            p.validate().unwrap();
        }
    }
}
