#!/usr/bin/env bash
# Links the panic-freedom proof (src/main.rs) in each profile, for the Cortex-M4F
# (thumbv7em-none-eabihf) and the Cortex-M0 (thumbv6m-none-eabi, soft float), and reports which
# link. A profile "links" when no panic path is reachable; otherwise the linker names the undefined
# symbol galling_link_proof_reachable_panic, and this script lists the functions that reference it.
# Usage: [LINK_PROOF_REQUIRED="release overflow"] [LINK_PROOF_TARGETS="..."] link-proof.sh [PROFILE...]
#   (default profiles: release overflow o1 dev; default targets: thumbv7em-none-eabihf
#   thumbv6m-none-eabi, added with rustup when missing)
# Exit status: non-zero if a profile listed in LINK_PROOF_REQUIRED (default "release overflow")
# fails to link for any target; the others are reported only.
set -uo pipefail
cd "$(dirname "$0")"
read -r -a required <<<"${LINK_PROOF_REQUIRED:-release overflow}"
read -r -a targets <<<"${LINK_PROOF_TARGETS:-thumbv7em-none-eabihf thumbv6m-none-eabi}"
for t in "${targets[@]}"; do
    rustup target list --installed | grep -qx "$t" || rustup target add "$t"
done
profiles=("$@")
[ $# -eq 0 ] && profiles=(release overflow o1 dev)
# A member of the firmware workspace (../Cargo.toml defines the profiles): it builds in the
# workspace's target directory, sharing the thumb builds of the core with the other members.
status=0
for t in "${targets[@]}"; do
for p in "${profiles[@]}"; do
    log=$(mktemp)
    if cargo build --target "$t" --profile "$p" >"$log" 2>&1; then
        echo "link-proof [$t $p]: links: no reachable panic"
    else
        if grep -q "undefined symbol: galling_link_proof_reachable_panic" "$log"; then
            echo "link-proof [$t $p]: DOES NOT LINK: a panic path is reachable; call sites into panic paths:"
            # relink with the symbol left unresolved and list the call sites into panic paths
            RUSTFLAGS="-C link-arg=--unresolved-symbols=ignore-all" \
                cargo build --target "$t" --profile "$p" --target-dir ../target/link-proof-diagnose >/dev/null 2>&1
            dir=$p; [ "$p" = dev ] && dir=debug
            objdump=$(ls "$(rustc --print sysroot)"/lib/rustlib/*/bin/llvm-objdump | head -1)
            python3 panic-sites.py "$objdump" "../target/link-proof-diagnose/$t/$dir/galling-link-proof" | sed 's/^/    /' | head -60
        else
            echo "link-proof [$t $p]: build failed (not a panic path):"
            tail -20 "$log"
        fi
        for r in "${required[@]}"; do [ "$r" = "$p" ] && status=1; done
        case " ${required[*]} " in
            *" $p "*) echo "link-proof [$t $p]: required: FAIL" ;;
            *) echo "link-proof [$t $p]: not yet required (LINK_PROOF_REQUIRED), reported only" ;;
        esac
    fi
    rm -f "$log"
done
done
exit $status
