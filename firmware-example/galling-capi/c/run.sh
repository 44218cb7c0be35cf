#!/usr/bin/env bash
# Builds libgalling_capi.a for the host and for thumbv7em-none-eabihf, then links and runs the C
# replay test with each: gcc on the host, arm-none-eabi-gcc under QEMU mps2-an386 (Cortex-M4F).
# Both must end with "N passed, 0 failed" and exit 0. Needs gcc, gcc-arm-none-eabi, qemu-system-arm
# (../../ci.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
out=../target/c
mkdir -p "$out"
# replay_data.c embeds ../replay/strokes.bin and ../blob/*.glng with .incbin (-Wa,-I..).
cflags=(-std=c11 -O2 -Wall -Wextra -Werror -Iinclude -Ic -Wa,-I..)

host="${HOST_TARGET:-$(rustc -vV | sed -n "s/^host: //p")}"
cargo build --quiet --release --target "$host"
gcc "${cflags[@]}" c/replay_test.c c/replay_data.c c/host_main.c \
    "../target/$host/release/libgalling_capi.a" -Wl,--gc-sections -o "$out/host-test"

cargo build --quiet --release --target thumbv7em-none-eabihf
arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard -ffreestanding \
    -nostdlib "${cflags[@]}" -T c/mps2-an386.ld c/replay_test.c c/replay_data.c c/arm_main.c \
    ../target/thumbv7em-none-eabihf/release/libgalling_capi.a -lgcc \
    -Wl,--gc-sections -Wl,-z,noexecstack -o "$out/arm-test.elf"

check() { # <name> <command...>: runs, shows the tail, requires exit 0 and "N passed, 0 failed"
    local name="$1"; shift
    local log status=0
    log="$("$@" 2>&1)" || status=$?
    printf '%s\n' "$log" | tail -2
    if [ "$status" -ne 0 ] || ! printf '%s\n' "$log" | grep -Eq '^[0-9]+ passed, 0 failed$'; then
        echo "C test $name FAILED (exit $status)"
        return 1
    fi
}
echo "--- host C test (gcc, x86_64)"
check host "$out/host-test"
echo "--- Cortex-M4F C test (arm-none-eabi-gcc, QEMU mps2-an386)"
check arm timeout --kill-after=5 120 qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic \
    -monitor none -serial none -semihosting-config enable=on,target=native -kernel "$out/arm-test.elf"
