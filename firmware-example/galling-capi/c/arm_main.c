/* Cortex-M4F C program for QEMU's mps2-an386, built with arm-none-eabi-gcc and linked with the
 * thumbv7em-none-eabihf build of libgalling_capi.a; no C library: a vector table, a reset handler
 * that enables the FPU, initialises .data/.bss and runs the replay, output and exit status through
 * semihosting (SYS_WRITE0, SYS_EXIT_EXTENDED: QEMU's exit status is the program's: 0 all checks
 * passed, 1 a check failed, 3 a fault, 134 abort, i.e. a Rust panic, which never happens). */
#include <stdint.h>
#include "platform.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;

static int semihost(int op, void *arg) {
    register int r0 __asm__("r0") = op;
    register void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void out_str(const char *s) { semihost(0x04, (void *)s); /* SYS_WRITE0 */ }

void out_u32(uint32_t v) {
    char buf[11];
    int i = 10;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    out_str(&buf[i]);
}

static __attribute__((noreturn)) void sh_exit(int code) {
    uint32_t block[2] = {0x20026u /* ADP_Stopped_ApplicationExit */, (uint32_t)code};
    semihost(0x20, block); /* SYS_EXIT_EXTENDED */
    for (;;) {
    }
}

/* The Rust library's panic handler calls abort() (panic = "abort"; it is written not to panic). */
void abort(void) {
    out_str("abort: a panic in libgalling_capi\n");
    sh_exit(134);
}

void Reset_Handler(void) {
    /* CP10/CP11 full access: the FPU, before any floating-point instruction. */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb");
    for (uint32_t *src = &_sidata, *dst = &_sdata; dst < &_edata;) *dst++ = *src++;
    for (uint32_t *dst = &_sbss; dst < &_ebss;) *dst++ = 0;
    sh_exit(run_replay() == 0 ? 0 : 1);
}

static void Fault_Handler(void) {
    out_str("fault\n");
    sh_exit(3);
}

__attribute__((section(".vectors"), used)) static void *const vectors[16] = {
    &_estack, (void *)Reset_Handler, (void *)Fault_Handler, (void *)Fault_Handler,
    (void *)Fault_Handler, (void *)Fault_Handler, (void *)Fault_Handler,
};
