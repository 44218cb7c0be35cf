#!/usr/bin/env bash
# Cargo runner of the firmware workspace (.cargo/config.toml): runs a firmware ELF on the board it
# was built for, decided from the ELF itself:
#   - defmt over RTT (the `_SEGGER_RTT` control block: the example's `stm32f407` build, the press
#     application's `board` build): a real STM32F407 through a debug probe, `probe-rs run --chip
#     STM32F407VGTx` (PROBE_RS_CHIP overrides the chip);
#   - entry point in STM32 flash (0x0800_0000 and up: the press application): QEMU netduinoplus2
#     (STM32F405, Cortex-M4F);
#   - a Cortex-M0 ELF (ARMv6-M, the thumbv6m-none-eabi build of the example, its tests and measure
#     binaries): QEMU microbit (nRF51822, 256 KiB flash, 16 KiB RAM);
#   - otherwise (code memory at 0: the example, its tests and measure binary): QEMU mps2-an386
#     (Cortex-M4 with FPU).
# Under QEMU the output goes through `defmt-decode` (host-tools/src/bin/defmt_decode.rs: the output
# of `defmt-print --log-format '{s}'`, one message per line), which this script first builds with
# cargo (a no-op when it is current; it runs before QEMU starts, so a first build does not count
# against the timeout), and the exit status is QEMU's, which is the
# program's semihosting exit code (0 success, 1 tests or a check failed, 2 panic, 3 hard fault,
# 4 parameter blob refused; support/src/lib.rs), or 124 when the run did not end within
# QEMU_TIMEOUT seconds (default 120).
#
# `-icount shift=0` makes every guest instruction advance virtual time by exactly 1 ns, so the timers
# count instructions (the `measure` binary and the press application's sizing rely on it) and every
# run is deterministic. `sleep=off`: while the core sleeps (`wfi`) virtual time jumps to the next
# timer deadline instead of waiting for it in real time (the press application's replay of 25,871
# real samples, one sample interrupt every 1,600 ns of virtual time, otherwise waits on the host's
# timers between samples and came close to the timeout on a loaded machine; the instruction counts
# and sizing figures are the same either way).
set -uo pipefail

elf="${1:?usage: qemu-run.sh <elf>}"
timeout_s="${QEMU_TIMEOUT:-120}"

for tool in arm-none-eabi-nm arm-none-eabi-readelf; do
    command -v "$tool" >/dev/null || {
        echo "qemu-run.sh: $tool not found (apt-get install binutils-arm-none-eabi, or run ./ci.sh)" >&2
        exit 127
    }
done
if arm-none-eabi-nm "$elf" 2>/dev/null | grep -q ' _SEGGER_RTT$'; then
    exec probe-rs run --chip "${PROBE_RS_CHIP:-STM32F407VGTx}" "$elf"
fi

command -v qemu-system-arm >/dev/null || {
    echo "qemu-run.sh: qemu-system-arm not found (apt-get install qemu-system-arm, or run ./ci.sh packages)" >&2
    exit 127
}
# The decoder, built for the host in the workspace's target directory by the cargo that runs this
# script (CARGO; cargo prints the path of the executable, so CARGO_TARGET_DIR and the like are
# respected). Cargo releases the target directory's lock before it runs the runner: this build does
# not wait for the `cargo run` / `cargo test` that started this script.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build_decoder=("${CARGO:-cargo}" build --quiet --manifest-path "$here/Cargo.toml" -p galling-firmware-host-tools
    --bin defmt-decode --target host-tuple --message-format=json-render-diagnostics)
decoder="$("${build_decoder[@]}" | sed -n 's/.*"executable":"\([^"]*defmt-decode\)".*/\1/p')"
if [ -z "$decoder" ] || [ ! -x "$decoder" ]; then
    echo "qemu-run.sh: could not build the defmt decoder: ${build_decoder[*]}" >&2
    exit 127
fi
entry="$(arm-none-eabi-readelf -h "$elf" | sed -n 's/^ *Entry point address: *//p')"
if [ -z "$entry" ]; then
    echo "qemu-run.sh: cannot read the entry point of $elf" >&2
    exit 127
fi
if arm-none-eabi-readelf -A "$elf" | grep -Eq 'Tag_CPU_arch: v6S?-M'; then
    machine=(-machine microbit)
elif (( entry >= 0x08000000 )); then
    machine=(-machine netduinoplus2)
else
    machine=(-machine mps2-an386 -cpu cortex-m4)
fi

timeout --kill-after=5 "$timeout_s" \
    qemu-system-arm "${machine[@]}" -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -icount shift=0,sleep=off -kernel "$elf" </dev/null \
    | "$decoder" "$elf"
status=("${PIPESTATUS[@]}")
if [ "${status[0]}" -eq 124 ] || [ "${status[0]}" -eq 137 ]; then
    echo "qemu-run.sh: $elf did not finish within ${timeout_s}s (hung target?)" >&2
    exit 124
fi
if [ "${status[1]}" -ne 0 ] && [ "${status[0]}" -eq 0 ]; then
    echo "qemu-run.sh: defmt-decode failed (status ${status[1]})" >&2
    exit "${status[1]}"
fi
exit "${status[0]}"
