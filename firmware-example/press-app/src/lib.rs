//! Support of the interrupt-driven press application (`src/main.rs`) and of its on-target tests:
//! the replayed recording and its golden results, the output adapter, the A/B blob store, a
//! simulated flash, stop states, the instruction counter and stack painting.
#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]

use cortex_m as _;
#[cfg(feature = "board")]
use defmt_rtt as _;
#[cfg(feature = "qemu")]
use defmt_semihosting as _;
use stm32f4::stm32f407 as pac;

pub mod blob_store;
/// The on-target test harness, shared with the example program (`../src/harness.rs`).
#[path = "../../src/harness.rs"]
pub mod harness;
pub mod ram_flash;
pub mod replay;
/// Stack painting, shared with the example program (`../src/stack.rs`).
#[path = "../../src/stack.rs"]
pub mod stack;

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

/// Why the program stopped (QEMU exit status; on a board the core parks with interrupts off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, defmt::Format)]
#[repr(i32)]
pub enum ExitCode {
    /// Everything ran and every check passed.
    Success = 0,
    /// A check or on-target test failed.
    Failed = 1,
    /// A Rust panic.
    Panic = 2,
    /// A processor fault.
    HardFault = 3,
    /// No blob slot holds a valid blob: the press must not run.
    NoValidBlob = 4,
}

/// The exit code of an on-target test run with a failure (the shared [`harness`]).
pub const TESTS_FAILED: ExitCode = ExitCode::Failed;

/// Stops for good: QEMU exits with `code`; a board disables interrupts and sleeps (the outputs keep
/// their last state; the press-stop output is set before every stop that is not a success).
pub fn stop(code: ExitCode) -> ! {
    cortex_m::interrupt::disable();
    #[cfg(feature = "qemu")]
    {
        semihosting::process::exit(code as i32)
    }
    #[cfg(not(feature = "qemu"))]
    {
        let _ = code;
        loop {
            cortex_m::asm::wfi();
        }
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    defmt::error!("panic: {}", defmt::Display2Format(info));
    stop(ExitCode::Panic)
}

#[cortex_m_rt::exception]
unsafe fn HardFault(frame: &cortex_m_rt::ExceptionFrame) -> ! {
    defmt::error!("hard fault at pc={=u32:#010x}", frame.pc());
    stop(ExitCode::HardFault)
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
