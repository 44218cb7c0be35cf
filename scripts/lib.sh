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

# Prints the tests that skipped for want of ../shared (they fail instead when CI is set).
report_skips() {
    local log=target/tmp/skipped-tests.txt
    if [ -s "$log" ]; then
        printf '%s test(s) skipped, ../shared not found:\n' "$(cut -d: -f1 "$log" | sort -u | wc -l)"
        sort -u "$log"
    else
        echo "0 tests skipped"
    fi
}
