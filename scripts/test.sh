#!/usr/bin/env bash
# The README's test command: installs what the tests need (idempotent), then runs every test of the
# project: the format check, the host tests (core, trainer, the real-data golden tests and every
# documented example as a doctest) and the firmware's tests under QEMU (on-target tests on the
# Cortex-M4F, the example program's exit codes, the RTIC press controller, the C API).
#
# The slow audits (lints and docs of every crate, the no_std builds, cargo deny, the link-time
# panic-freedom proof, the fuzz smoke run, the firmware's measurements) are in scripts/audits.sh;
# CI (.ci/run) runs this script and then that one.
#
# The real data is read from ../shared (beside the project); with CI set, its absence fails.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
started=$SECONDS

section "toolchain: targets and components"
install_toolchain

section "format"
cargo fmt --all --check

section "firmware: system packages and targets"
bash firmware-example/ci.sh packages

# The firmware's tests (their tools, builds and QEMU runs) run in the background beside the host
# tests: a 2-core machine has idle time in both (serial links, single-threaded QEMU and test
# binaries), and the firmware's builds share nothing with the host's. Its log is shown after the
# host tests; `tail -f target/tmp/firmware-tests.log` follows it meanwhile.
# Tests that need ../shared report a skip into target/tmp/skipped-tests.txt (with CI set they fail);
# so do the firmware's replays of the real strokes. Reported at the end.
mkdir -p target/tmp
rm -f target/tmp/skipped-tests.txt
firmware_log=target/tmp/firmware-tests.log
section "firmware: tests under QEMU, started in the background (log: $firmware_log)"
# its own session, so that an interrupted run stops its cargo and QEMU processes too
setsid bash firmware-example/ci.sh tests >"$firmware_log" 2>&1 &
firmware=$!
stop_firmware() { kill -- "-$firmware" 2>/dev/null || true; }
trap stop_firmware EXIT
trap 'exit 130' INT TERM

section "host tests (core, trainer, doctests)"
host_status=0
cargo test --workspace || host_status=$?

section "firmware: tests under QEMU (the background run's log)"
firmware_status=0
wait "$firmware" || firmware_status=$?
trap - EXIT
cat "$firmware_log"

if [ "$host_status" -ne 0 ] || [ "$firmware_status" -ne 0 ]; then
    printf '\nscripts/test.sh FAILED: host tests exit %d, firmware tests exit %d (log: %s)\n' \
        "$host_status" "$firmware_status" "$firmware_log"
    exit 1
fi

section "skipped tests (each with its reason)"
report_skips

printf '\nscripts/test.sh: every test passed in %d min %d s\n' $(((SECONDS - started) / 60)) $(((SECONDS - started) % 60))
