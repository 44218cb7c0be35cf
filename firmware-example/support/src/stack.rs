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

/// Paints `bytes` of stack below the current stack pointer (less a 16-byte margin) and returns that
/// stack pointer; [`used_below`] then tells how much of it was used. For a handler measuring its own
/// stack use (nothing of higher priority may run in between, or its use is included).
#[inline(always)]
pub fn paint_below(bytes: usize) -> usize {
    let sp = cortex_m::register::msp::read() as usize;
    let top = sp - 16;
    let mut p = top - bytes;
    while p < top {
        // SAFETY: below the stack pointer: free stack (checked against the stack's end by the
        // caller's choice of `bytes`, far below the 128 KiB RAM), 4-byte aligned.
        unsafe { core::ptr::write_volatile(p as *mut u32, PAINT) };
        p += 4;
    }
    sp
}

/// Bytes below `sp` (as returned by [`paint_below`]) that were overwritten since; `bytes + 16` means
/// the whole painted area was used (the measurement is then only a lower bound).
pub fn used_below(sp: usize, bytes: usize) -> usize {
    let mut p = sp - 16 - bytes;
    // SAFETY: reads the area painted by `paint_below`.
    while p < sp && unsafe { core::ptr::read_volatile(p as *const u32) } == PAINT {
        p += 4;
    }
    sp - p
}

/// Top of the stack (the initial stack pointer).
pub fn top() -> usize {
    bounds().1
}
