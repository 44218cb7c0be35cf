//! # galling: the galling-onset model family for forming-press firmware
//!
//! When a forming die runs hot, sheet material welds onto the tool ("galling") and the stroke's
//! coefficient of friction (COF) jumps from about 0.2 to 0.8. The models of this crate describe the
//! per-stroke COF change as a two-component mixture at the die temperature: each stroke either
//! fluctuates in its regime ("stay") or jumps. V8, the reference model, puts the COF in a
//! temperature-dependent double-well potential (Kramers escape); V8-13 and V9 restrict it, V7 is a
//! linear kernel ([`family`]). This crate evaluates them in `f32` on a microcontroller without heap,
//! and in `f64` or dual numbers on the host, from one definition.
//!
//! - [`V8Params`]: V8's 15 parameters; [`Model`]: validated, ready to evaluate.
//! - [`Landscape`]: V8 at one die temperature: potential, [`Mixture`], log-probability and jump
//!   posterior of an observed stroke-to-stroke change, and forward simulation ([`Kernel::step`],
//!   [`Kernel::simulate_into`]).
//! - [`family`]: the model family (V8, V8-13, V9, V7), generated from one registration list: each
//!   variant's parameter table ([`family::ModelParams`]) and [`family::AnyModel`], whose [`Kernel`]
//!   at a die temperature gives the score, likelihood and simulation of any variant.
//! - [`blob`]: the flashable parameter blob shared by trainer and firmware (any variant).
//! - [`averager`]: the streaming per-stroke COF averager (raw samples in, stroke mean and std out).
//! - [`features`]: the stroke feature extractor: the averager's mean and std plus the breakaway peak,
//!   the run-in's high-COF share and the exit peak, from the same samples in fixed memory.
//! - [`Monitor`]: the per-stroke monitor with its three signals ([`signals`]: hot die, onset warning,
//!   galling detected), running a [`Package`] (parameters, [`risk`] table, settings) from the blob.
//!
//! # Module order
//!
//! Each module uses only modules before it (no import circles):
//!
//! 1. `scalar` (the number types), `normal` (normal quantile and CDF), [`consts`] (shared
//!    constants);
//! 2. `kernel` ([`Kernel`], [`KernelTask`], [`Kernels`]: the seam; only 1.), [`ensemble`] (lanes of
//!    simulations; uses the kernel, not the reverse);
//! 3. `family::table` (ids, tables, values), then `params` (box, quantities, errors,
//!    [`family::KernelModel`]);
//! 4. the kernels, one file each: `family::v8`, `family::v7` (then `family::reference`, the
//!    upstream fits);
//! 5. `family` itself (`src/family/mod.rs`: the registration list and everything generated from it);
//! 6. [`risk`], [`forecast`], [`signals`], [`averager`], [`features`], [`blob`] (the package and
//!    its checked view), [`monitor`], `dual`, which use the family only through
//!    [`family::AnyModel`], [`Kernel`] and the tables.
//!
//! ```
//! use galling::{Model, V8Params};
//! let model = Model::new(&V8Params::PUBLISHED_FIT)?;
//! let land = model.landscape(167.5);                // die temperature, degC
//! let score = land.score(0.21, 0.35);               // COF 0.21, next stroke 0.56
//! assert!(score.jump_posterior > 0.9);              // that was a jump
//! # Ok::<(), galling::ParamError>(())
//! ```
#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

#[cfg(feature = "std")]
extern crate std;

pub mod averager;
pub mod blob;
pub mod consts;
#[cfg(feature = "dual")]
pub mod dual;
pub mod ensemble;
pub mod family;
pub mod features;
pub mod forecast;
mod kernel;
pub mod monitor;
mod normal;
mod params;
pub mod risk;
mod scalar;
pub mod signals;

pub use family::{Landscape, Model, ParamField, V8Params};
pub use forecast::{GallingRisk, RiskForecaster};
pub use kernel::{Kernel, KernelTask, Kernels, Mixture, TransitionScore};
pub use monitor::{Monitor, Package, StrokeReport};
pub use normal::{inverse_normal_cdf, normal_cdf, standard_normal, uniform_open01};
pub use params::{OperatingBox, ParamError, QUANTITY_LIMIT, Quantity, RESIDUAL_SQUARED_LIMIT};
pub use scalar::Scalar;

/// The README's Rust snippets, compiled and run as doctests (`cargo test --doc`), so the front page
/// cannot drift from the API.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The default random generator of simulations: small state (16 bytes), fast on 32-bit cores.
pub type DefaultRng = rand_xoshiro::Xoshiro128PlusPlus;
pub use rand_core;
pub use rand_xoshiro;
