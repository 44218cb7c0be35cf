# Shared by scripts/test.sh and scripts/audits.sh (sourced, not run).

section() { printf '\n==> %s\n' "$*"; }

# The Rust targets and components every script needs (idempotent, quiet when present).
install_toolchain() {
    if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
        . "$HOME/.cargo/env"
    fi
    rustup target add thumbv7em-none-eabihf thumbv6m-none-eabi >/dev/null
    rustup component add clippy rustfmt llvm-tools >/dev/null
}

# Prints the tests that skipped, each with its reason (for want of ../shared, which fails instead when
# CI is set; or a check the machine cannot make, such as a read-only folder when running as root).
report_skips() {
    local log=target/tmp/skipped-tests.txt
    if [ -s "$log" ]; then
        printf '%s test(s) skipped:\n' "$(cut -d: -f1 "$log" | sort -u | wc -l)"
        sort -u "$log"
    else
        echo "0 tests skipped"
    fi
}

# Reports a skipped test or step where a person sees it (stderr) and into target/tmp/skipped-tests.txt,
# which report_skips counts, as host-train's tests do (tests/integration/common/mod.rs, report_skip); with CI set
# the skip is a failure (status 1).
report_skip() { # <what> <reason>
    local root
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    mkdir -p "$root/target/tmp"
    printf 'SKIPPED %s: %s\n' "$1" "$2" | tee -a "$root/target/tmp/skipped-tests.txt" >&2
    if [ -n "${CI:-}" ]; then
        echo "CI is set: a skipped test is a failure" >&2
        return 1
    fi
}

# Writes the precursor replay (44 real strokes of ../shared/galling-data through the V8-P blob; the
# real data is never checked in) to <file> with the firmware's generator (`cargo xtask
# precursor-replay`). Status 0 when written, 3 when ../shared/galling-data is missing (nothing
# written), another non-zero status on an error.
write_precursor_replay() { # <file>
    local fw
    fw="$(cd "$(dirname "${BASH_SOURCE[0]}")/../firmware-example" && pwd)"
    (cd "$fw" && cargo xtask precursor-replay --out "$1")
}
