#!/usr/bin/env bash
# The slow audits CI runs after scripts/test.sh (.ci/run): lints and docs of every crate, the no_std
# builds of the core (Cortex-M4F, Cortex-M0, with defmt), the dependency policy (cargo deny), the
# link-time panic-freedom proof, a fuzz smoke run of every target, and the firmware's lints, board
# builds, generated-file checks and measurements. Installs what it needs (idempotent); on a machine
# without cargo-deny and cargo-fuzz their compilation dominates the first run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
started=$SECONDS

section "toolchain: targets and components"
install_toolchain

section "lints"
cargo clippy --workspace --all-targets -- -D warnings
# host-train's library without its CLI layer (clap, anyhow, indicatif belong to the binary only)
cargo clippy -p host-train --lib --no-default-features -- -D warnings
# every kernel combination that makes sense (the workspace's lints above run with every kernel,
# which host-train and the core's tests enable): each kernel alone, and each pair
for kernels in v8 v7 precursor v8,v7 v7,precursor; do
    cargo clippy -p galling --lib --no-default-features --features "$kernels" \
        --target thumbv7em-none-eabihf -- -D warnings
done

section "docs"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

section "no_std builds (Cortex-M4F, Cortex-M0, with defmt; V8 family only, V7 only, every kernel)"
for kernels in v8 v7 v8,v7,precursor; do
    for target in thumbv7em-none-eabihf thumbv6m-none-eabi; do
        cargo build -p galling --lib --no-default-features --features "$kernels" --target "$target" --quiet
    done
done
cargo build -p galling --lib --no-default-features --features defmt,v8,v7,precursor \
    --target thumbv7em-none-eabihf --quiet

section "dependency policy: cargo deny check licenses bans sources"
# --debug: the check over the dependency graph takes 1.5 s unoptimised (0.9 s optimised), and the
# unoptimised tool compiles in 75 s instead of about 3 min on a 2-core machine
command -v cargo-deny >/dev/null || cargo install --locked --debug cargo-deny
cargo deny --log-level error check licenses bans sources

section "panic-freedom proven at link time (release, and with overflow checks)"
# Both must link: the per-stroke path (blob decode and check, model, monitor, averager, advice) has no
# reachable panic in the release profile nor in one that keeps overflow checks.
LINK_PROOF_REQUIRED="release overflow" bash firmware-example/link-proof/link-proof.sh release overflow

section "fuzz smoke run (each target for a few seconds; the long runs are in README.md)"
# --debug: cargo-fuzz only drives cargo and libFuzzer (the targets are built optimised either way)
command -v cargo-fuzz >/dev/null || cargo install --locked --debug cargo-fuzz
RUSTC_BOOTSTRAP=1 cargo fuzz build --fuzz-dir tests/fuzz -s none
for target in $(cargo fuzz list --fuzz-dir tests/fuzz); do
    corpus=target/fuzz-corpus/$target
    mkdir -p "$corpus"
    seeds=()
    [ -d "tests/fuzz/corpus/$target" ] && seeds=("tests/fuzz/corpus/$target")
    RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir tests/fuzz -s none "$target" "$corpus" \
        "${seeds[@]}" -- -max_total_time=5 -print_final_stats=1 2>&1 |
        grep -E '^stat::number_of_executed_units|^Done|ERROR|panicked' | sed "s/^/$target: /"
done

section "firmware: lints, board builds, generated files, measurements"
bash firmware-example/ci.sh audits

printf '\nscripts/audits.sh: every audit passed in %d min %d s\n' $(((SECONDS - started) / 60)) $(((SECONDS - started) % 60))
