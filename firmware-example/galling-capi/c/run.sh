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

# The precursor replay (44 real strokes of ../shared/galling-data, never checked in): the file
# GALLING_PRECURSOR_REPLAY names (ci.sh generates it once for the press application and this test;
# set but empty: the data is missing), or, unset, generated here into ../target/replay. Embedded
# with -DGALLING_PRECURSOR_REPLAY="<file>"; without it the replay is skipped and counted
# (scripts/lib.sh report_skip; with CI set that fails).
source ../../scripts/lib.sh
if [ -z "${GALLING_PRECURSOR_REPLAY+set}" ]; then
    GALLING_PRECURSOR_REPLAY="$(pwd)/../target/replay/precursor.bin"
    status=0
    write_precursor_replay "$GALLING_PRECURSOR_REPLAY" || status=$?
    case "$status" in
        0) ;;
        3) GALLING_PRECURSOR_REPLAY="" ;;
        *) echo "the precursor replay could not be generated (exit $status)"; exit 1 ;;
    esac
fi
if [ -n "$GALLING_PRECURSOR_REPLAY" ]; then
    [ -f "$GALLING_PRECURSOR_REPLAY" ] || { echo "GALLING_PRECURSOR_REPLAY: $GALLING_PRECURSOR_REPLAY not found"; exit 1; }
    cflags+=("-DGALLING_PRECURSOR_REPLAY=\"$(cd "$(dirname "$GALLING_PRECURSOR_REPLAY")" && pwd)/$(basename "$GALLING_PRECURSOR_REPLAY")\"")
else
    report_skip "C API V8-P replay (galling-capi/c/run.sh)" "../shared/galling-data not found"
fi

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
