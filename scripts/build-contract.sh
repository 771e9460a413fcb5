#!/usr/bin/env bash
# Builds the contract as users deploy it (`cargo contract build --release`) into
# $CARGO_TARGET_DIR/ink/ehr, checks that the bundle, the code and the metadata are there, and
# prints the bundle's path (progress goes to stderr).
#
# It removes the old bundle first: `cargo contract build` keeps an existing one when the
# sources have not changed, whatever built it, and drink's macros once left theirs there (80,015
# B of code against the release build's 84,943 B at dda3015, found 2026-11-26; they now build
# elsewhere, see test.sh).
#
# Environment: CARGO_TARGET_DIR (default ~/.cache/ehr/target, as test.sh's).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-${EHR_CACHE:-$HOME/.cache/ehr}/target}
out=$target/ink/ehr

rm -f "$out"/ehr.{contract,wasm,json}
(cd "$root/contracts/ehr" && CARGO_TARGET_DIR=$target cargo contract build --release --quiet) >&2
for artifact in ehr.contract ehr.wasm ehr.json; do
  test -s "$out/$artifact" || { echo "build-contract.sh: missing $out/$artifact" >&2; exit 1; }
done
printf 'optimized WASM: %s bytes\n' "$(stat -c %s "$out/ehr.wasm")" >&2
echo "$out/ehr.contract"
