#!/usr/bin/env bash
# The main job: installs what it needs, fits the V8 model to stroke data, and writes the parameter
# files, the firmware blob, summary.json and the figures; prints the report.
#
#   scripts/demo.sh                                   # shipped synthetic demo data -> out/demo
#   scripts/demo.sh --data ../shared/galling-data     # the real measurements (or any folder / CSV)
#
# Any other option is passed to `host-train train` (see `--help` there), e.g. --seed 7, --quiet.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
    [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
fi
if ! command -v cargo >/dev/null 2>&1; then
    if command -v curl >/dev/null 2>&1; then
        echo "Rust is not installed: installing the stable toolchain with rustup"
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
        . "$HOME/.cargo/env"
    else
        echo "error: this needs Rust (cargo); install it with rustup, then run this script again" >&2
        exit 1
    fi
fi

args=("$@")
has_data=no
has_out=no
for a in "$@"; do
    case "$a" in
        --data | --data=*) has_data=yes ;;
        --out | --out=*) has_out=yes ;;
    esac
done
[ "$has_data" = yes ] || args=(--data data/demo "${args[@]}")
[ "$has_out" = yes ] || args+=(--out out/demo)
exec cargo run --release --locked -p host-train -- train "${args[@]}"
