//! Board support of the example program, the on-target tests and the measurement binary: the
//! parameter region in flash, the instruction counter of QEMU's CMSDK timer, golden-vector types and
//! the demo strokes. Exit codes, stop states, the panic and hard-fault handlers, the test harness
//! and stack painting come from the firmware workspace's support crate (`../support`, re-exported).
//!
//! The galling core itself is used unchanged (`galling = { path = "..", default-features = false }`);
//! nothing in here re-implements model math.
#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]

pub use galling_firmware_support::{ExitCode, harness, stack, stop};

pub mod golden;
#[cfg(feature = "qemu")]
pub mod timer;

#[cfg(feature = "embed-blob")]
const EMBEDDED_LEN: usize = include_bytes!(env!("GALLING_BLOB_FILE")).len();

/// The blob file chosen at build time (`GALLING_BLOB`, default `blob/published_fit.glng`), placed
/// at the start of the parameter region by the linker (section `.params`, see `memory-mps2-an386.x`).
#[cfg(feature = "embed-blob")]
#[used]
#[unsafe(link_section = ".params")]
static EMBEDDED_BLOB: [u8; EMBEDDED_LEN] = *include_bytes!(env!("GALLING_BLOB_FILE"));

unsafe extern "C" {
    static __params_start: u8;
    static __params_end: u8;
}

/// The whole parameter flash region (`PARAMS` in `memory-mps2-an386.x` and `memory-stm32f407.x`), read at run time.
///
/// The program never assumes what is there: it is whatever the last flash of the region wrote
/// (the embedded blob of an `embed-blob` build, a blob written with `probe-rs download`, or erased
/// flash). [`galling::blob::PackageView::new`] reads the blob from its start and ignores the rest.
pub fn params_region() -> &'static [u8] {
    #[cfg(feature = "embed-blob")]
    core::hint::black_box(&EMBEDDED_BLOB); // keeps the object that carries `.params` in the link
    let start = &raw const __params_start;
    let end = &raw const __params_end;
    let len = end as usize - start as usize;
    // SAFETY: the linker script defines both symbols as the bounds of the PARAMS flash region, which
    // is readable memory for the whole program run and never written while the program runs.
    unsafe { core::slice::from_raw_parts(start, len) }
}

/// Maps the temperature a series was recorded at to the temperature the model evaluates it at, as
/// the published fit did: 25 C (the "cold" baseline) is evaluated as 160 C; other values map to
/// themselves. Change [`TEMPERATURE_MAP`] for another press.
pub fn model_temperature(recorded: f32) -> f32 {
    TEMPERATURE_MAP
        .iter()
        .find(|(r, _)| *r == recorded)
        .map_or(recorded, |(_, m)| *m)
}

/// `(recorded, model)` temperature pairs used by [`model_temperature`], degC.
pub const TEMPERATURE_MAP: [(f32, f32); 1] = [(25.0, 160.0)];

/// The demo strokes replayed by the example and used as inputs by `measure`: the first strokes of
/// every series of the project's demo data (`../data/demo/<T>/mean.txt`), embedded at build time by
/// `build.rs` (`GALLING_DEMO_DIR` points it elsewhere).
pub mod demo {
    /// One recorded stroke.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct DemoStroke {
        /// Die temperature the series was recorded at, degC (before [`model_temperature`](crate::model_temperature)).
        pub recorded_temperature: f32,
        /// The stroke's averaged COF.
        pub cof: f32,
        /// First stroke of a series: there is no transition into it.
        pub series_start: bool,
    }

    include!(concat!(env!("OUT_DIR"), "/demo_strokes.rs"));
}
