#!/usr/bin/env bash
# Cargo runner (.cargo/config.toml): runs a firmware ELF on QEMU's mps2-an386 (Cortex-M4F) and decodes
# its defmt output with `defmt-print`. The exit status is QEMU's, which is the program's semihosting
# exit code (0 success, 1 tests failed, 2 panic, 3 hard fault, 4 parameter blob refused), or 124 when
# the run did not end within QEMU_TIMEOUT seconds (default 120).
#
# `-icount shift=0` makes every guest instruction advance virtual time by exactly 1 ns, so the CMSDK
# timer counts instructions (the `measure` binary relies on it) and every run is deterministic.
set -uo pipefail

elf="${1:?usage: qemu-run.sh <elf>}"
timeout_s="${QEMU_TIMEOUT:-120}"

if ! command -v qemu-system-arm >/dev/null; then
    echo "qemu-run.sh: qemu-system-arm not found (apt-get install qemu-system-arm, or run ./ci.sh)" >&2
    exit 127
fi
if ! command -v defmt-print >/dev/null; then
    echo "qemu-run.sh: defmt-print not found (cargo install --locked defmt-print, or run ./ci.sh)" >&2
    exit 127
fi

timeout --kill-after=5 "$timeout_s" \
    qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -icount shift=0 -kernel "$elf" </dev/null \
    | defmt-print -e "$elf" --log-format '{s}' stdin
status=("${PIPESTATUS[@]}")
if [ "${status[0]}" -eq 124 ] || [ "${status[0]}" -eq 137 ]; then
    echo "qemu-run.sh: $elf did not finish within ${timeout_s}s (hung target?)" >&2
    exit 124
fi
if [ "${status[1]}" -ne 0 ] && [ "${status[0]}" -eq 0 ]; then
    echo "qemu-run.sh: defmt-print failed (status ${status[1]})" >&2
    exit "${status[1]}"
fi
exit "${status[0]}"
