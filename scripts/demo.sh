#!/usr/bin/env bash
# The main job: builds the contract and the `ehr` tool, starts a fresh local node, deploys, and
# runs a realistic story through `ehr`, then stops the node. Run scripts/setup.sh once first.
#
# Environment: EHR_CACHE (build cache, default ~/.cache/ehr), CARGO_TARGET_DIR.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cache=${EHR_CACHE:-$HOME/.cache/ehr}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$cache/target}
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
started=$SECONDS

# A private node state directory and config file: the demo leaves nothing behind.
work=$(mktemp -d)
export EHR_DATA=$work
export EHR_CONFIG=$work/config.json
cleanup() { "$root/scripts/node.sh" stop || true; rm -rf "$work"; }
trap cleanup EXIT

chapter() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf "$ ehr"; printf " %q" "$@"; printf "\n"; "$ehr" "$@"; }
refused() { # a step that must fail: show the one-line error
  printf '$ ehr'; printf ' %q' "$@"; printf '   # expected to be refused\n'
  if "$ehr" "$@"; then echo "demo: this should have been refused" >&2; exit 1; fi
}

chapter "Build the contract and the ehr tool"
(cd contracts/ehr && cargo contract build --release --quiet)
cargo build --quiet -p ehr-client --bin ehr
ehr=$CARGO_TARGET_DIR/debug/ehr
bundle=$CARGO_TARGET_DIR/ink/ehr/ehr.contract
ls -l "$CARGO_TARGET_DIR/ink/ehr/ehr.wasm"

chapter "Start a fresh dev node on 127.0.0.1"
export EHR_URL
EHR_URL=$("$root/scripts/node.sh" start --tmp --free-port)

alice=(--suri //Alice) bob=(--suri //Bob) charlie=(--suri //Charlie)
dave=(--suri //Dave) eve=(--suri //Eve)
tomorrow=$(date -u -d tomorrow +%Y-%m-%d)
at() { echo "${tomorrow}T$1:00Z"; }

chapter "Alice deploys the contract and appoints Bob as verifier"
run "${alice[@]}" deploy --bundle "$bundle"
run "${alice[@]}" admin add-verifier //Bob

chapter "Two doctors register; Bob verifies Charlie only"
run "${charlie[@]}" doctor register --name "Dr. Charlie Hart" --specialty Cardiology \
  --licence-number GMC-7001234 --slot-minutes 30
run "${eve[@]}" doctor register --name "Dr. Eve Stone" --specialty Dermatology \
  --licence-number GMC-7005678 --slot-minutes 20
run "${bob[@]}" doctor verify //Charlie
run doctors --all
run doctors --specialty cardiology

chapter "Charlie publishes tomorrow morning; Eve, unverified, cannot"
run "${charlie[@]}" doctor availability publish "$(at 09:00)" "$(at 12:00)"
refused "${eve[@]}" doctor availability publish "$(at 09:00)" "$(at 12:00)"
run doctor availability show //Charlie

chapter "Dave registers as a patient, checks a slot and books it"
run "${dave[@]}" patient register
run "${charlie[@]}" patient verify //Dave
run patient verification //Dave
run available //Charlie "$(at 09:30)"
run "${dave[@]}" book //Charlie "$(at 09:30)"
run available //Charlie "$(at 09:30)"
refused "${dave[@]}" book //Charlie "$(at 09:30)"
refused "${dave[@]}" book //Charlie "$(at 09:45)"
run "${dave[@]}" appointments

chapter "Dave grants Charlie access; a document reference is added; Charlie opens it (logged)"
run "${dave[@]}" grant //Charlie --until +7d --write
run "${dave[@]}" grants
# The document itself is encrypted off chain; the chain gets only its encrypted CID, the hash
# of its content, a kind code and the wrapped document key.
printf 'Dave: ECG report, sinus rhythm.\n' >"$work/ecg.txt"
content_hash=0x$(sha256sum "$work/ecg.txt" | cut -c1-64)
encrypted_cid=0x$(head -c 60 /dev/urandom | od -An -tx1 | tr -d ' \n')
wrapped_key=0x$(head -c 72 /dev/urandom | od -An -tx1 | tr -d ' \n')
run "${charlie[@]}" document add --patient //Dave --encrypted-cid "$encrypted_cid" \
  --content-hash "$content_hash" --kind 3 --wrapped-key "$wrapped_key"
run "${dave[@]}" documents
run "${charlie[@]}" document open //Dave 0

chapter "Dave revokes the grant; Charlie is refused"
run "${dave[@]}" revoke //Charlie
refused "${charlie[@]}" document open //Dave 0
refused "${charlie[@]}" documents //Dave

chapter "Emergency: Charlie opens break-glass access, logged; Dave ends it"
run "${charlie[@]}" emergency open //Dave --reason "unconscious in A&E, suspected MI"
run "${charlie[@]}" document open //Dave 0
run "${dave[@]}" emergency end --doctor //Charlie
refused "${charlie[@]}" document open //Dave 0

chapter "Dave cancels the appointment; the slot is free again"
run "${dave[@]}" appointment cancel 0
run available //Charlie "$(at 09:30)"

chapter "Dave's audit trail"
run "${dave[@]}" audit

chapter "Stop the node"
trap - EXIT
cleanup
printf '\ndemo finished in %d s\n' "$((SECONDS - started))"
