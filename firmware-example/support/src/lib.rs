//! What every firmware program of `firmware-example` shares, written once: the exit codes
//! ([`ExitCode`]), and with the `cortex-m` feature the stop states ([`stop`]), the panic and
//! hard-fault handlers, the on-target test harness ([`harness`]) and stack painting ([`stack`]);
//! with `c-abort` the panic handler of a library linked into C programs (it calls `abort()`).
//!
//! Users: the example program (`galling-firmware-example`), the press application
//! (`galling-press-app`) and the C API (`galling-capi`, feature `c-abort`). A program enables exactly
//! one panic handler: `cortex-m` (with `qemu` or `rtt` for the defmt transport and the stop state)
//! or `c-abort`.
#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]

#[cfg(all(feature = "cortex-m", feature = "c-abort"))]
compile_error!(
    "enable one panic handler: the feature `cortex-m` (with `qemu` or `rtt`) or `c-abort`"
);
#[cfg(all(feature = "qemu", feature = "rtt"))]
compile_error!("enable one defmt transport: the feature `qemu` (semihosting) or `rtt`");

#[cfg(feature = "cortex-m")]
use cortex_m as _;
#[cfg(feature = "rtt")]
use defmt_rtt as _;
#[cfg(feature = "qemu")]
use defmt_semihosting as _;

#[cfg(feature = "cortex-m")]
pub mod harness;
#[cfg(feature = "cortex-m")]
pub mod stack;

/// Why a program stopped. Under QEMU this is the process exit status (semihosting
/// `SYS_EXIT_EXTENDED`); on a board the program parks in [`stop`] and a debugger reads it from `r0`.
/// The C test program of the C API (`galling-capi/c/arm_main.c`, C, not linked with this crate) exits
/// with 0, 1 and 3 in the same meanings, and with 134 (`abort()`) on a panic of the library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cortex-m", derive(defmt::Format))]
#[repr(i32)]
pub enum ExitCode {
    /// Everything ran and every check passed.
    Success = 0,
    /// At least one on-target test or check failed.
    Failed = 1,
    /// A Rust panic (a bug: the per-stroke path is written not to panic).
    Panic = 2,
    /// A processor fault (bad memory access, undefined instruction, stack overflow into a fault).
    HardFault = 3,
    /// No valid parameter blob (refused, or none in flash): the press must not run on it.
    BlobRefused = 4,
}

/// Stops the program for good.
///
/// Under QEMU (feature `qemu`) it exits the emulator with `code` as its exit status. On a board
/// (feature `rtt`) it disables interrupts and sleeps forever: the safe state, in which the outputs
/// keep their last state (a program sets its press-stop output before every stop that is not a
/// success).
#[cfg(feature = "cortex-m")]
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

#[cfg(feature = "cortex-m")]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    defmt::error!("panic: {}", defmt::Display2Format(info));
    stop(ExitCode::Panic)
}

#[cfg(feature = "cortex-m")]
#[cortex_m_rt::exception]
unsafe fn HardFault(frame: &cortex_m_rt::ExceptionFrame) -> ! {
    defmt::error!(
        "hard fault at pc={=u32:#010x} lr={=u32:#010x}",
        frame.pc(),
        frame.lr()
    );
    stop(ExitCode::HardFault)
}

/// A library linked into C programs: no unwinding crosses the C boundary, a panic (a bug) calls the
/// C library's `abort()`, which every C program that links the library has.
#[cfg(feature = "c-abort")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe extern "C" {
        fn abort() -> !;
    }
    // SAFETY: the C library's abort() takes no arguments and does not return.
    unsafe { abort() }
}
