#!/usr/bin/env bash
# Cargo runner (.cargo/config.toml). A board build (feature `board`: defmt over RTT, the ELF has the
# `_SEGGER_RTT` control block) is flashed and run on an STM32F407 through a debug probe with
# `probe-rs run --chip STM32F407VGTx` (override with PROBE_RS_CHIP). Any other build runs on QEMU's
# netduinoplus2 (STM32F405, Cortex-M4F) with `-icount shift=0` (the timers count instructions: one per
# nanosecond of virtual time at their 1 GHz clock), output decoded by defmt-print. Exit status:
# the program's semihosting exit code (0 success, 1 check or test failed, 2 panic, 3 hard fault,
# 4 no valid blob), 124 on timeout (QEMU_TIMEOUT seconds, default 120).
set -uo pipefail
elf="${1:?usage: run.sh <elf>}"

symbols="$(arm-none-eabi-nm "$elf" 2>/dev/null || true)"
if grep -q ' _SEGGER_RTT$' <<<"$symbols"; then
    exec probe-rs run --chip "${PROBE_RS_CHIP:-STM32F407VGTx}" "$elf"
fi

for tool in qemu-system-arm defmt-print; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool not found (run ../ci.sh)" >&2; exit 127; }
done
timeout --kill-after=5 "${QEMU_TIMEOUT:-120}" \
    qemu-system-arm -machine netduinoplus2 -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -icount shift=0 -kernel "$elf" </dev/null \
    | defmt-print -e "$elf" --log-format '{s}' stdin
status=("${PIPESTATUS[@]}")
if [ "${status[0]}" -eq 124 ] || [ "${status[0]}" -eq 137 ]; then
    echo "run.sh: $elf did not finish within ${QEMU_TIMEOUT:-120}s (hung target?)" >&2
    exit 124
fi
if [ "${status[1]}" -ne 0 ] && [ "${status[0]}" -eq 0 ]; then
    echo "run.sh: defmt-print failed (status ${status[1]})" >&2
    exit "${status[1]}"
fi
exit "${status[0]}"
