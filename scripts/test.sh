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

section "host tests (core, trainer, doctests)"
# Tests that need ../shared report a skip into target/tmp/skipped-tests.txt (with CI set they fail);
# so do the firmware's replays of the real strokes (firmware-example/ci.sh). Reported at the end.
rm -f target/tmp/skipped-tests.txt
cargo test --workspace

section "firmware: tests under QEMU"
bash firmware-example/ci.sh tests

section "skipped for want of ../shared"
report_skips

printf '\nscripts/test.sh: every test passed in %d min %d s\n' $(((SECONDS - started) / 60)) $(((SECONDS - started) % 60))
