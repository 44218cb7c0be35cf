/* Host (x86_64) C test: links the host build of libgalling_capi.a. Exit status 0 when every check
 * passed, 1 otherwise. */
#include <stdio.h>
#include "platform.h"

void out_str(const char *s) { fputs(s, stdout); }
void out_u32(uint32_t v) { printf("%u", (unsigned)v); }

int main(void) { return run_replay() == 0 ? 0 : 1; }
