#!/usr/bin/env bash
# Installs what the tests need (idempotent) and runs every check and test of the project:
# formatting, lints, docs, host tests (core, trainer, real-data golden tests), no_std builds for
# Cortex-M4F and Cortex-M0, the dependency policy (cargo deny), the link-time panic-freedom proof,
# a fuzz smoke run, and the on-target tests of the firmware under QEMU.
# The real data is read from ../shared (beside the project); with CI set, its absence fails.
set -euo pipefail
cd "$(dirname "$0")/.."

section() { printf '\n==> %s\n' "$*"; }

section "toolchain: targets and components"
rustup target add thumbv7em-none-eabihf thumbv6m-none-eabi >/dev/null
rustup component add clippy rustfmt llvm-tools >/dev/null

section "format"
cargo fmt --all --check

section "lints"
cargo clippy --workspace --all-targets -- -D warnings
# host-train's library without its CLI layer (clap, anyhow, indicatif belong to the binary only)
cargo clippy -p host-train --lib --no-default-features -- -D warnings
cargo clippy -p galling --lib --no-default-features --target thumbv7em-none-eabihf -- -D warnings

section "docs"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

section "no_std builds (Cortex-M4F, Cortex-M0, with defmt)"
cargo build -p galling --lib --no-default-features --target thumbv7em-none-eabihf --quiet
cargo build -p galling --lib --no-default-features --target thumbv6m-none-eabi --quiet
cargo build -p galling --lib --no-default-features --features defmt --target thumbv7em-none-eabihf --quiet

section "host tests"
# Tests that need ../shared report a skip into target/tmp/skipped-tests.txt (with CI set they fail).
rm -f target/tmp/skipped-tests.txt
cargo test --workspace
if [ -s target/tmp/skipped-tests.txt ]; then
    printf '%s test(s) skipped, ../shared not found:\n' "$(sort -u target/tmp/skipped-tests.txt | cut -d: -f1 | sort -u | wc -l)"
    sort -u target/tmp/skipped-tests.txt
fi

section "dependency policy: cargo deny check licenses bans sources"
command -v cargo-deny >/dev/null || cargo install --locked cargo-deny
cargo deny --log-level error check licenses bans sources

section "panic-freedom proven at link time (release, and with overflow checks)"
# Both must link: the per-stroke path (blob decode and check, model, monitor, averager, advice) has no
# reachable panic in the release profile nor in one that keeps overflow checks.
LINK_PROOF_REQUIRED="release overflow" bash firmware-example/link-proof/link-proof.sh release overflow

section "fuzz smoke run (each target for a few seconds; the long runs are in README.md)"
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
RUSTC_BOOTSTRAP=1 cargo fuzz build --fuzz-dir tests/fuzz -s none
for target in blob_decode monitor_updates averager dataset_csv; do
    corpus=target/fuzz-corpus/$target
    mkdir -p "$corpus"
    RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir tests/fuzz -s none "$target" "$corpus" \
        "tests/fuzz/corpus/$target" -- -max_total_time=5 -print_final_stats=1 2>&1 |
        grep -E '^stat::number_of_executed_units|^Done|ERROR|panicked' | sed "s/^/$target: /"
done

section "firmware: on-target tests under QEMU"
bash firmware-example/ci.sh
