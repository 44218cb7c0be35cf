/* What the replay test needs from its platform: text output (host: stdout; Cortex-M: semihosting). */
#ifndef PLATFORM_H
#define PLATFORM_H
#include <stdint.h>
void out_str(const char *s);
void out_u32(uint32_t v);
/* Runs the replay and the API checks; returns the number of failed checks. */
unsigned run_replay(void);
#endif
