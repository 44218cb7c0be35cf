//! Instruction counting under QEMU with `-icount shift=0`: every guest instruction advances virtual
//! time by 1 ns, so a timer clocked from virtual time counts instructions. These are instruction
//! counts, not cycles.
//!
//! - mps2-an386 (Cortex-M4F): the CMSDK APB timer 0 (0x4000_0000, 25 MHz) counts down one tick per
//!   40 ns, that is per 40 instructions ([`INSTRUCTIONS_PER_TICK`]).
//! - microbit (nRF51822, Cortex-M0; cfg `microbit`): the nRF51's TIMER0 (0x4000_8000, 16 MHz, 32-bit,
//!   prescaler 0) counts up one tick per 62.5 ns, that is per 62.5 instructions, read by its
//!   CAPTURE task. 62.5 is no integer, so there [`ticks`] returns the elapsed ticks already scaled to
//!   instructions (times 125 / 2, rounded down) and [`INSTRUCTIONS_PER_TICK`] is 1: callers compute
//!   `ticks * INSTRUCTIONS_PER_TICK` on both boards; the resolution stays 62.5 instructions.

#[cfg(not(microbit))]
mod board {
    const TIMER0: usize = 0x4000_0000;
    const CTRL: *mut u32 = TIMER0 as *mut u32;
    const VALUE: *mut u32 = (TIMER0 + 0x04) as *mut u32;
    const RELOAD: *mut u32 = (TIMER0 + 0x08) as *mut u32;

    /// Instructions per timer tick (1 GHz virtual instruction clock over the 25 MHz timer clock).
    pub const INSTRUCTIONS_PER_TICK: u32 = 40;

    /// Starts timer 0 free-running from `u32::MAX`.
    pub fn start() {
        // SAFETY: the CMSDK timer 0 registers of mps2-an386; this program owns the timer.
        unsafe {
            core::ptr::write_volatile(CTRL, 0);
            core::ptr::write_volatile(RELOAD, u32::MAX);
            core::ptr::write_volatile(VALUE, u32::MAX);
            core::ptr::write_volatile(CTRL, 1);
        }
    }

    /// The current count (decreasing).
    #[inline(always)]
    pub fn now() -> u32 {
        // SAFETY: reading the count register has no side effect.
        unsafe { core::ptr::read_volatile(VALUE) }
    }

    /// Timer ticks taken by `f`.
    #[inline(always)]
    pub fn ticks(f: impl FnOnce()) -> u32 {
        let t0 = now();
        f();
        let t1 = now();
        t0.wrapping_sub(t1)
    }
}

#[cfg(microbit)]
mod board {
    const TIMER0: usize = 0x4000_8000;
    const TASKS_START: *mut u32 = TIMER0 as *mut u32;
    const TASKS_STOP: *mut u32 = (TIMER0 + 0x004) as *mut u32;
    const TASKS_CLEAR: *mut u32 = (TIMER0 + 0x00C) as *mut u32;
    const TASKS_CAPTURE0: *mut u32 = (TIMER0 + 0x040) as *mut u32;
    const MODE: *mut u32 = (TIMER0 + 0x504) as *mut u32;
    const BITMODE: *mut u32 = (TIMER0 + 0x508) as *mut u32;
    const PRESCALER: *mut u32 = (TIMER0 + 0x510) as *mut u32;
    const CC0: *mut u32 = (TIMER0 + 0x540) as *mut u32;

    /// [`ticks`] returns instructions on this board (see the module documentation).
    pub const INSTRUCTIONS_PER_TICK: u32 = 1;

    /// Starts TIMER0 counting up from 0: timer mode, 32 bits, 16 MHz (prescaler 0).
    pub fn start() {
        // SAFETY: the nRF51 TIMER0 registers of the microbit; this program owns the timer.
        unsafe {
            core::ptr::write_volatile(TASKS_STOP, 1);
            core::ptr::write_volatile(MODE, 0);
            core::ptr::write_volatile(BITMODE, 3);
            core::ptr::write_volatile(PRESCALER, 0);
            core::ptr::write_volatile(TASKS_CLEAR, 1);
            core::ptr::write_volatile(TASKS_START, 1);
        }
    }

    /// The current count in timer ticks (increasing, 62.5 instructions each).
    #[inline(always)]
    pub fn now() -> u32 {
        // SAFETY: the CAPTURE task copies the counter into CC[0], which this program owns.
        unsafe {
            core::ptr::write_volatile(TASKS_CAPTURE0, 1);
            core::ptr::read_volatile(CC0)
        }
    }

    /// Instructions taken by `f`: the elapsed timer ticks times 62.5, rounded down.
    #[inline(always)]
    pub fn ticks(f: impl FnOnce()) -> u32 {
        let t0 = now();
        f();
        let t1 = now();
        (u64::from(t1.wrapping_sub(t0)) * 125 / 2) as u32
    }
}

pub use board::{INSTRUCTIONS_PER_TICK, now, start, ticks};
