//! The per-stroke path of a press controller, built so that any reachable panic fails the link.
//!
//! Every input goes through `core::hint::black_box`, so the optimiser cannot fold a call away or
//! prove a bound from a constant; every result goes into `black_box`, so no call is dead code. The
//! panic handler calls `galling_link_proof_reachable_panic`, which no object defines: if any panic
//! path of these calls is still in the binary, the linker reports that symbol as undefined.
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;
use galling::averager::{StrokeAverager, StrokeWindow};
use galling::rand_core::SeedableRng;
use galling::{DefaultRng, Kernel, Model, Monitor, V8Params, blob};

unsafe extern "C" {
    /// Defined nowhere: referencing it is the proof's failure.
    fn galling_link_proof_reachable_panic() -> !;
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // SAFETY: never runs; the symbol does not exist, so a binary that can reach this cannot link.
    unsafe { galling_link_proof_reachable_panic() }
}

/// A blob as flash would hold it (its content is hidden from the optimiser by `black_box`).
static FLASH: [u8; blob::BLOB_LEN] = *include_bytes!("../../blob/published_fit.glng");

#[entry]
fn main() -> ! {
    let package = match blob::decode(black_box(&FLASH[..])) {
        Ok(p) => p,
        Err(e) => {
            black_box(e.offset());
            loop {
                cortex_m_rt_idle();
            }
        }
    };
    black_box(blob::check(black_box(&FLASH[..])).is_ok());
    let Ok(mut monitor) = Monitor::new(package) else {
        loop {
            cortex_m_rt_idle();
        }
    };
    let Ok(model) = Model::new(&V8Params::PUBLISHED_FIT) else {
        loop {
            cortex_m_rt_idle();
        }
    };
    let mut averager = StrokeAverager::<f32>::new(black_box(StrokeWindow::default()));
    let mut rng = DefaultRng::seed_from_u64(black_box(1));
    let mut stroke = 0_u32;
    loop {
        // one stroke's samples
        for _ in 0..black_box(64) {
            let _ =
                black_box(averager.push_forces(black_box(-2.0), black_box(-10.0), black_box(0)));
        }
        let cof = match averager.finish() {
            Ok(s) => s.mean,
            Err(e) => {
                black_box(e);
                black_box(0.2)
            }
        };
        let temperature = black_box(165.0_f32);
        let land = model.landscape(temperature);
        black_box(land.score(black_box(cof), black_box(0.01)));
        black_box(land.mixture(black_box(cof)));
        black_box(land.step(black_box(cof), &mut rng));
        let _ = black_box(monitor.update(stroke, black_box(temperature), cof));
        black_box(monitor.advice());
        black_box(
            monitor
                .package()
                .table()
                .advised_temperature(black_box(0.1)),
        );
        stroke = stroke.wrapping_add(1);
    }
}

/// Waits for an interrupt (nothing to do without a valid model).
fn cortex_m_rt_idle() {
    black_box(());
}
