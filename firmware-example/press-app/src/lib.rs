//! Support of the interrupt-driven press application (`src/main.rs`) and of its on-target tests:
//! the replayed recording and its golden results, the output adapter, the A/B blob store, a
//! simulated flash and the instruction counter. Exit codes, stop states, the panic and hard-fault
//! handlers, the test harness and stack painting come from the workspace's support crate
//! (`../support`, re-exported).
#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]

pub use galling_firmware_support::{ExitCode, harness, stack, stop};
use stm32f4::stm32f407 as pac;

pub mod blob_store;
pub mod ram_flash;
pub mod replay;

/// The C-facing report and the one adapter from the core's report (shared with galling-capi and
/// the golden generator; adapted to the issue-8 monitor at merge).
#[path = "../../galling-capi/src/report.rs"]
pub mod report;

/// The two outputs the monitor task drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, defmt::Format)]
pub struct Outputs {
    /// Press-stop output (PD14, the red LED of an STM32F4-Discovery): the press must stop (galling
    /// detected, or a stroke the monitor could not evaluate).
    pub press_stop: bool,
    /// Warning output (PD13, the orange LED): galling onset warned, or the die is too hot.
    pub warning: bool,
}

impl Outputs {
    /// The outputs for a report.
    pub fn from_report(r: &report::GallingReport) -> Self {
        Self {
            press_stop: r.press_must_stop != 0,
            warning: r.onset_warning != 0 || r.hot_die != 0,
        }
    }
}

/// The factory image of blob slot A (built by `build.rs`), placed at the start of the slots region.
#[used]
#[unsafe(link_section = ".slots")]
static FACTORY_SLOT: [u8; include_bytes!(concat!(env!("OUT_DIR"), "/factory_slot.bin")).len()] =
    *include_bytes!(concat!(env!("OUT_DIR"), "/factory_slot.bin"));

unsafe extern "C" {
    static __slots_start: u8;
    static __slots_end: u8;
}

/// Bytes of one blob slot (one 128 KiB sector of the STM32F407).
pub const SLOT_SIZE: u32 = 128 * 1024;

/// The two blob slots in flash (`SLOTS` in `memory.x`), memory-mapped.
pub fn slots_region() -> &'static [u8] {
    core::hint::black_box(&FACTORY_SLOT);
    let start = &raw const __slots_start;
    let end = &raw const __slots_end;
    // SAFETY: the linker script defines both symbols as the bounds of the SLOTS flash region, which
    // is readable for the whole run and not written by this program.
    unsafe { core::slice::from_raw_parts(start, end as usize - start as usize) }
}

/// Instruction counter: TIM5 free-running (32 bits). Under QEMU with `-icount shift=0` its 1 GHz
/// clock advances one tick per instruction; on a board at reset (16 MHz HSI) it counts cycles.
pub mod counter {
    use super::pac;

    /// Starts TIM5 counting from 0 at the timer clock, prescaler 1, wrapping at 2^32.
    pub fn start(tim5: &pac::TIM5, rcc: &pac::RCC) {
        rcc.apb1enr().modify(|_, w| w.tim5en().set_bit());
        tim5.psc().write(|w| unsafe { w.bits(0) });
        tim5.arr().write(|w| unsafe { w.bits(u32::MAX) });
        tim5.egr().write(|w| w.ug().set_bit());
        tim5.cr1().modify(|_, w| w.cen().set_bit());
    }

    /// The counter now.
    #[inline(always)]
    pub fn now() -> u32 {
        // SAFETY: a read of TIM5's counter register, which has no side effect.
        unsafe { (*pac::TIM5::ptr()).cnt().read().bits() }
    }
}
