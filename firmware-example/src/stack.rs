//! Stack high-water mark by painting: fill the unused stack with a pattern, run, then find the
//! lowest word that was overwritten.

/// The paint pattern.
const PAINT: u32 = 0xC0FF_EE55;

unsafe extern "C" {
    /// Top of the stack (initial SP), from cortex-m-rt's linker script.
    static _stack_start: u32;
    /// Lowest address the stack may grow to (end of static RAM), from cortex-m-rt's linker script.
    static _stack_end: u32;
}

fn bounds() -> (usize, usize) {
    (
        (&raw const _stack_end) as usize,
        (&raw const _stack_start) as usize,
    )
}

/// Bytes between the end of static RAM and the top of the stack: the most the stack may use.
pub fn capacity() -> usize {
    let (bottom, top) = bounds();
    top - bottom
}

/// Fills the free stack below the current stack pointer with the paint pattern. Call it first in
/// `main`, before the work to measure.
#[inline(never)]
pub fn paint() {
    let (bottom, _) = bounds();
    // Leave a small margin below SP for this function's own calls (none) and alignment.
    let sp = cortex_m::register::msp::read() as usize - 16;
    let mut p = bottom;
    while p < sp {
        // SAFETY: `bottom..sp` lies between the end of static RAM and the stack pointer: RAM that
        // holds no live data (no heap, no interrupt handlers running), aligned to 4 bytes.
        unsafe { core::ptr::write_volatile(p as *mut u32, PAINT) };
        p += 4;
    }
}

/// Bytes of stack used so far, at most: top of stack minus the lowest overwritten word.
/// Only meaningful after [`paint`].
pub fn high_water_mark() -> usize {
    let (bottom, top) = bounds();
    let mut p = bottom;
    // SAFETY: reads RAM between the end of statics and the top of the stack, 4-byte aligned.
    while p < top && unsafe { core::ptr::read_volatile(p as *const u32) } == PAINT {
        p += 4;
    }
    top - p
}
