//! Instruction counting under QEMU with `-icount shift=0`: every guest instruction advances virtual
//! time by 1 ns, and the CMSDK APB timer 0 of the mps2-an386 board (0x4000_0000, 25 MHz) counts
//! down one tick per 40 ns, that is per 40 instructions. These are instruction counts, not cycles.

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
