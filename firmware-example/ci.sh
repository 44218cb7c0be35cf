#!/usr/bin/env bash
# Firmware CI: installs what it needs (idempotently), then checks, builds and runs everything of
# the firmware workspace (firmware-example/Cargo.toml: one lock file, one target directory shared by
# the example, press-app, galling-capi, host-tools, link-proof and support) on QEMU's emulated
# Cortex-M4F:
#   1. every generated file is current: `cargo xtask check` in the repository root (host-train/xtask/, the one
#      generator: golden vectors, blobs, the monitor's golden file, and through host-tools below
#      replay/strokes.bin and the C header)
#   2. fmt and clippy -D warnings (QEMU and STM32F407 feature sets); the STM32F407 build links
#   3. on-target tests (cargo test): the run must end with "N passed, 0 failed" and exit 0; on the
#      Cortex-M4F (QEMU mps2-an386) and on the Cortex-M0 (thumbv6m-none-eabi, QEMU microbit); before
#      them the unit tests of defmt-decode (host-tools), the runner's defmt decoder (qemu-run.sh)
#   4. the example program: exits 0 with the shipped blob (on the M4F and the M0) and with the V7
#      blob (another variant), 4 (safe stop) with a corrupted blob or none
#   5. measurements: instructions per call (measure binary; measure-m0 on the Cortex-M0 and the
#      M4F) and flash / static RAM (footprint.sh, for both targets)
#   6. every on-target test function is in its TESTS table (check-test-tables.sh)
#   7. host-tools (the firmware's half of the generator, run by step 1, and defmt-decode): clippy
#   8. press-app (RTIC 2, STM32F4): fmt, clippy, the STM32F407 board build, the A/B blob store tests
#      and the replays through the interrupt path on QEMU netduinoplus2 (bit-identical to the host):
#      replay/strokes.bin with the published blob, and the precursor replay (44 real strokes of
#      ../shared/galling-data, generated into target/replay/precursor.bin by `cargo xtask
#      precursor-replay`, never checked in) with the V8-P blob
#   9. galling-capi: unit tests, clippy, the C replay tests with gcc (host) and arm-none-eabi-gcc
#      (QEMU), the precursor replay among them
#   Without ../shared/galling-data the two precursor replays are skipped and counted
#   (target/tmp/skipped-tests.txt, scripts/lib.sh report_skip); with CI set that fails.
#
#   ./ci.sh          everything above
#   ./ci.sh tests    the tests only (3 on both cores with defmt-decode's unit tests, 4, the press-app's tests and replay, the C API's unit and C
#                    tests): part of the repository's test command, scripts/test.sh
#   ./ci.sh audits   the checks, builds and measurements (1, 2, 5, 6, 7, the press-app's clippy and
#                    board build, the C API's clippy): part of scripts/audits.sh, which CI runs after
#                    the tests
#   ./ci.sh packages only the system packages (apt: QEMU, the Arm toolchain, gcc) and the Rust targets:
#                    scripts/test.sh installs them in the foreground (apt may ask for a password)
#                    before it starts `ci.sh tests` in the background
# Exit status non-zero on any failure.
set -euo pipefail
mode="${1:-all}"
case "$mode" in
    all | tests | audits | packages) ;;
    *) echo "usage: $0 [tests|audits|packages]" >&2; exit 2 ;;
esac
run_tests() { [ "$mode" != audits ]; }
run_audits() { [ "$mode" != tests ]; }
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
# report_skip, write_precursor_replay
source "$root/scripts/lib.sh"
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n=== firmware-example: %s\n' "$*"; }

step "tools"
need_apt=()
command -v qemu-system-arm >/dev/null || need_apt+=(qemu-system-arm)
command -v arm-none-eabi-readelf >/dev/null || need_apt+=(binutils-arm-none-eabi)
command -v arm-none-eabi-gcc >/dev/null || need_apt+=(gcc-arm-none-eabi)
command -v gcc >/dev/null || need_apt+=(gcc)
if [ "${#need_apt[@]}" -gt 0 ]; then
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
        "${need_apt[@]}"
fi
rustup target list --installed | grep -qx thumbv7em-none-eabihf || rustup target add thumbv7em-none-eabihf
rustup target list --installed | grep -qx thumbv6m-none-eabi || rustup target add thumbv6m-none-eabi
rustup component list --installed | grep -q '^llvm-tools' || rustup component add llvm-tools
[ "$mode" != packages ] || exit 0
# No cargo install: qemu-run.sh decodes the defmt output with the workspace's own defmt-decode
# (host-tools), which it builds with cargo before the first QEMU run.
qemu-system-arm --version | head -1
arm-none-eabi-gcc --version | head -1
host="$(rustc -vV | sed -n 's/^host: //p')"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# Runs `cargo test` in the current folder and requires the harness's "N passed, 0 failed" line.
on_target_tests() { # <what> <cargo test args...>
    local what="$1"; shift
    local status=0
    cargo test "$@" 2>&1 | tee "$log" || status=$?
    local count_line
    count_line="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1 || true)"
    if [ "$status" -ne 0 ] || ! [[ "$count_line" =~ ^[0-9]+\ passed,\ 0\ failed$ ]]; then
        echo "$what FAILED (exit $status, count line: '${count_line:-missing}')"
        exit 1
    fi
}

expect_refusal() { # <description> <cargo args...>
    local what="$1"; shift
    local s=0
    cargo run --release "$@" >"$log" 2>&1 || s=$?
    tail -3 "$log"
    if [ "$s" -ne 4 ] || ! grep -q 'PRESS MUST NOT RUN' "$log"; then
        echo "example with $what: expected the safe stop (exit 4), got exit $s"
        exit 1
    fi
    echo "ok: $what refused, exit 4"
}

if run_audits; then
    step "every generated file is current (cargo xtask check: golden vectors, blobs, replay, C header)"
    # none of them needs the real data
    (cd "$root" && CARGO_TARGET_DIR="${CARGO_TARGET_DIR_HOST:-$root/target}" cargo xtask check)
fi

cd "$here"
if run_audits; then
    step "fmt (every crate of the firmware workspace) and clippy of the example"
    cargo fmt --all --check
    cargo clippy -p galling-firmware-support --features qemu -- -D warnings
    cargo clippy -p galling-firmware-support --features rtt -- -D warnings
    cargo clippy -p galling-firmware-support --features c-abort --target "$host" -- -D warnings
    cargo clippy --all-targets -- -D warnings
    cargo clippy --all-targets --features footprint-baseline -- -D warnings
    cargo clippy --all-targets --no-default-features --features qemu,embed-blob -- -D warnings
    cargo clippy --all-targets --target thumbv6m-none-eabi -- -D warnings
    cargo clippy --all-targets --no-default-features --features stm32f407,embed-blob \
        -- -D warnings
    cargo build --release --no-default-features --features stm32f407,embed-blob
fi

if run_tests; then
    step "defmt-decode: unit tests (the defmt decoder of qemu-run.sh, host-tools)"
    cargo test --quiet -p galling-firmware-host-tools --bin defmt-decode --target "$host"

    step "on-target tests (QEMU mps2-an386)"
    on_target_tests "on-target tests"

    step "on-target tests on a Cortex-M0 (thumbv6m-none-eabi, soft float, QEMU microbit)"
    on_target_tests "Cortex-M0 on-target tests" --target thumbv6m-none-eabi --test on_target

    step "example program: replay with the shipped blob"
    cargo run --release 2>&1 | tee "$log"
    grep -q '^replayed [0-9]* strokes' "$log" || { echo "replay did not finish"; exit 1; }

    step "example program: replay with another variant's blob (V7)"
    # One target directory for every build: a blob or feature change rebuilds only the example crate.
    GALLING_BLOB=blob/v7.glng cargo run --release 2>&1 | tee "$log"
    grep -q '^parameter blob OK.*model V7' "$log" || { echo "the V7 blob was not run"; exit 1; }
    grep -q '^replayed [0-9]* strokes' "$log" || { echo "replay with the V7 blob did not finish"; exit 1; }

    step "example program on the Cortex-M0 (QEMU microbit): the V8 monitor running the blob in flash"
    cargo run --release --target thumbv6m-none-eabi 2>&1 | tee "$log"
    grep -q '^parameter blob OK.*read in place' "$log" || { echo "the M0 example did not accept its blob"; exit 1; }
    grep -q '^replayed [0-9]* strokes' "$log" || { echo "the M0 replay did not finish"; exit 1; }

    step "example program: refuses a corrupted blob and erased flash"
    GALLING_BLOB=blob/corrupt_crc.glng expect_refusal "a corrupted blob"
    expect_refusal "no blob" --no-default-features --features qemu

    step "example program built for the V8 family only: refuses the V7 blob at its model id"
    # without `all-kernels` the core has galling's `v8` kernel only: V7 is compiled out
    GALLING_BLOB=blob/v7.glng expect_refusal "the V7 blob in a V8-only build" \
        --no-default-features --features qemu,embed-blob
    # the defmt form (BlobError::log_form): model 4 (V7), ParamError code 6 (NotCompiled)
    grep -q 'refused at byte 6: InvalidParams \[4, 6, 0\]' "$log" &&
        grep -q 'V7: its kernel is not compiled into this build' "$log" ||
        { echo "the V7 blob was not refused as a model compiled out"; exit 1; }
fi

if run_audits; then
    step "instructions per call"
    cargo run --release --bin measure

    step "instructions per call and stack on the Cortex-M0 (QEMU microbit), beside the Cortex-M4F"
    cargo run --release --bin measure-m0 --target thumbv6m-none-eabi
    cargo run --release --bin measure-m0

    step "flash and static RAM"
    ./footprint.sh
    FOOTPRINT_TARGET=thumbv6m-none-eabi ./footprint.sh

    step "on-target test tables are complete"
    ./check-test-tables.sh

    step "host-tools: clippy, defmt-decode's unit tests included (the generator's files are checked by the first step)"
    cargo clippy --quiet -p galling-firmware-host-tools --all-targets --target "$host" -- -D warnings
fi

# The precursor replay: generated from ../shared/galling-data at build time, never checked in. Empty
# when the data is missing (the replays that need it are skipped and counted).
precursor=""
if run_tests; then
    step "the precursor replay: 44 real strokes of ../shared/galling-data (cargo xtask precursor-replay)"
    status=0
    write_precursor_replay "$here/target/replay/precursor.bin" || status=$?
    case "$status" in
        0) precursor="$here/target/replay/precursor.bin" ;;
        3) ;;
        *) echo "the precursor replay could not be generated (exit $status)"; exit 1 ;;
    esac
fi

cd "$here/press-app"
if run_audits; then
    step "press-app: clippy, STM32F407 board build"
    cargo clippy --all-targets -- -D warnings
    # The board configuration differs only in the defmt transport and the stop state: built, not
    # linted separately (one compile of the stm32f4 PAC less).
    cargo build --release --no-default-features --features board
fi

if run_tests; then
    step "press-app: A/B blob store tests (QEMU netduinoplus2)"
    on_target_tests "press-app tests" --release # release: shares the build of the replay below

    step "press-app: replay through the interrupt path, checked against the host (QEMU netduinoplus2)"
    status=0
    cargo run --release 2>&1 | tee "$log" || status=$?
    if [ "$status" -ne 0 ] || ! grep -Eq '^replayed ([0-9]+) strokes through the interrupt path: \1 bit-identical to the host, 0 mismatched$' "$log"; then
        echo "press-app replay FAILED (exit $status)"
        exit 1
    fi

    step "press-app: 44 real strokes through the feature extractor and the V8-P blob's monitor, checked against the host (QEMU netduinoplus2)"
    if [ -n "$precursor" ]; then
        status=0
        GALLING_REPLAY="$precursor" GALLING_BLOB=../blob/v8_precursor_fit.glng \
            cargo run --release 2>&1 | tee "$log" || status=$?
        if [ "$status" -ne 0 ] || ! grep -q 'model V8Precursor' "$log" \
            || ! grep -Eq '^replayed 44 strokes through the interrupt path: 44 bit-identical to the host, 0 mismatched$' "$log"; then
            echo "press-app V8-P replay FAILED (exit $status)"
            exit 1
        fi
    else
        report_skip "press-app V8-P replay (ci.sh)" "../shared/galling-data not found"
    fi
fi

cd "$here/galling-capi"
if run_audits; then
    step "galling-capi: clippy"
    cargo clippy --quiet --all-targets --target "$host" -- -D warnings
    cargo clippy --quiet --target thumbv7em-none-eabihf -- -D warnings
fi
if run_tests; then
    step "galling-capi: unit tests, C tests (gcc on the host, arm-none-eabi-gcc on QEMU)"
    cargo test --quiet --target "$host"
    # the precursor replay's file, when there is one (else run.sh reports its replay skipped)
    HOST_TARGET="$host" GALLING_PRECURSOR_REPLAY="$precursor" ./c/run.sh
fi
