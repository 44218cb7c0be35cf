#!/usr/bin/env bash
# The on-target tests run from a hand-kept table (`const TESTS: &[Test]`), not from attributes: this
# check fails when a test function is missing from its file's table. A test function is any
# `fn name() -> Result<(), &'static str>` (no arguments) in the test files below; each must appear
# in the table as `run: name,` exactly once, with `name: "name"`.
set -euo pipefail
cd "$(dirname "$0")"
status=0
for file in tests/on_target.rs press-app/tests/on_target.rs; do
    fns="$(grep -oE "^fn [a-z0-9_]+\(\) -> Result<\(\), &'static str>" "$file" | sed -E 's/^fn ([a-z0-9_]+).*/\1/')"
    count=0
    for f in $fns; do
        count=$((count + 1))
        runs="$(grep -cE "^[[:space:]]*run: $f,$" "$file" || true)"
        names="$(grep -cE "^[[:space:]]*name: \"$f\",$" "$file" || true)"
        if [ "$runs" -ne 1 ] || [ "$names" -ne 1 ]; then
            echo "$file: test function \`$f\` is not in the TESTS table exactly once (run: $runs, name: $names)"
            status=1
        fi
    done
    if [ "$count" -eq 0 ]; then
        echo "$file: no test functions found (has the signature changed?)"
        status=1
    fi
    echo "$file: $count test functions checked against its TESTS table"
done
exit "$status"
