#!/usr/bin/env bash
# The main job: builds the contract and the `ehr` tool, starts a fresh local node, deploys, and
# runs a realistic story through `ehr`, then stops the node. Run scripts/setup.sh once first.
#
# Environment: EHR_CACHE (build cache, default ~/.cache/ehr), CARGO_TARGET_DIR, EHR_BIN (an
# `ehr` binary already built; otherwise it is built here).
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
gateway_pid= watcher_pid=
cleanup() {
  [ -n "$watcher_pid" ] && kill "$watcher_pid" 2>/dev/null
  [ -n "$gateway_pid" ] && kill "$gateway_pid" 2>/dev/null
  "$root/scripts/node.sh" stop || true
  rm -rf "$work"
}
trap cleanup EXIT

chapter() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf "$ ehr"; printf " %q" "$@"; printf "\n"; "$ehr" "$@"; }
refused() { # a step that must fail: show the one-line error
  printf '$ ehr'; printf ' %q' "$@"; printf '   # expected to be refused\n'
  if "$ehr" "$@"; then echo "demo: this should have been refused" >&2; exit 1; fi
}

chapter "Build the contract and the ehr tool"
bundle=$("$root/scripts/build-contract.sh")
# The test command hands over the binary it built (EHR_BIN): `cargo build --bin ehr` after its
# build of every target would build about 60 crates again (scripts/test.sh says why).
if [[ -n ${EHR_BIN:-} ]]; then
  ehr=$EHR_BIN
else
  cargo build --quiet --workspace --bin ehr
  ehr=$CARGO_TARGET_DIR/debug/ehr
fi

chapter "Start a fresh dev node on 127.0.0.1"
export EHR_URL
EHR_URL=$("$root/scripts/node.sh" start --tmp --free-port)

alice=(--suri //Alice) bob=(--suri //Bob) charlie=(--suri //Charlie)
dave=(--suri //Dave --ipfs-dir "$work/ipfs/dave") eve=(--suri //Eve)
charlie+=(--ipfs-dir "$work/ipfs/charlie") ferdie=(--suri //Ferdie --ipfs-dir "$work/ipfs/ferdie")
tomorrow=$(date -u -d tomorrow +%Y-%m-%d)
at() { echo "${tomorrow}T$1:00Z"; }

chapter "Alice deploys the contract and appoints Bob as verifier"
run "${alice[@]}" deploy --bundle "$bundle"
run "${alice[@]}" admin add-verifier //Bob

chapter "Three doctors register; Bob verifies Charlie and Ferdie, not Eve"
run "${charlie[@]}" doctor register --name "Dr. Charlie Hart" --specialty Cardiology \
  --licence-number GMC-7001234 --slot-minutes 30
run "${eve[@]}" doctor register --name "Dr. Eve Stone" --specialty Dermatology \
  --licence-number GMC-7005678 --slot-minutes 20
run "${ferdie[@]}" doctor register --name "Dr. Ferdie Lane" --specialty Cardiology \
  --licence-number GMC-7009012 --slot-minutes 30
run "${bob[@]}" doctor verify //Charlie
run "${bob[@]}" doctor verify //Ferdie
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

chapter "Dave grants Charlie (read and write) and Ferdie (read); each grant carries his record key sealed to the doctor's key"
run "${dave[@]}" grant //Charlie --until +7d --write
run "${dave[@]}" grant //Ferdie --until +7d
run "${dave[@]}" grants

chapter "Dave uploads a real file: encrypted on his machine, stored in his own IPFS store, referenced on chain"
# Everyone has their own IPFS store (the embedded one; no daemon). The letter carries a marker
# that must never reach the chain; the scan at the end looks for it everywhere.
marker="PRIVATE-MARKER-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
letter=$work/discharge-letter.txt
{
  printf 'Discharge letter for Dave. %s\n' "$marker"
  printf 'Diagnosis: NSTEMI. Allergies: penicillin. Attached: 24 h ECG trace.\n'
  head -c 3145728 /dev/urandom | base64
} >"$letter"
ls -l "$letter"
run "${dave[@]}" doc upload "$letter" --kind 18842
run "${dave[@]}" doc list
"$ehr" "${dave[@]}" ipfs serve --listen 127.0.0.1:0 --url-file "$work/dave-gateway" &
gateway_pid=$!
for _ in $(seq 50); do [ -s "$work/dave-gateway" ] && break; sleep 0.1; done
gateway=$(cat "$work/dave-gateway")

chapter "Charlie, with his own IPFS store, fetches the blob from Dave's gateway by CID, decrypts and checks it (logged)"
mkdir -p "$work/charlie-files"
run "${charlie[@]}" --ipfs-peer "$gateway" doc get 0 --patient //Dave -o "$work/charlie-files/letter.txt"
cmp "$letter" "$work/charlie-files/letter.txt" && echo "Charlie's copy is identical to Dave's file"

chapter "Dave revokes Ferdie: the record key moves to epoch 1 and is shared again with Charlie only"
run "${dave[@]}" revoke //Ferdie
printf 'Follow-up 2 weeks: %s, chest pain resolved.\n' "$marker" >"$work/follow-up.txt"
run "${dave[@]}" doc upload "$work/follow-up.txt" --kind 11506
run "${charlie[@]}" --ipfs-peer "$gateway" doc get 1 --patient //Dave -o "$work/charlie-files/follow-up.txt"
refused "${ferdie[@]}" --ipfs-peer "$gateway" doc get 1 --patient //Dave -o "$work/ferdie-follow-up.txt"
test ! -e "$work/ferdie-follow-up.txt"

chapter "Dave revokes Charlie too; Charlie is refused, and cannot break the glass instead"
run "${dave[@]}" revoke //Charlie
refused "${charlie[@]}" doc open //Dave 0
refused "${charlie[@]}" doc list --patient //Dave
# Revoking a doctor also refuses it break-glass access, until the patient lifts that.
refused "${charlie[@]}" emergency open //Dave --reason "just checking"

chapter "Emergency: Ferdie breaks the glass; Bob, the key custodian, releases Dave's record key for the window (logged)"
# Alice appoints Bob (also the verifier) as break-glass key custodian; Dave opts in by
# depositing his record key sealed to Bob's key. Bob's watcher releases it, re-sealed to the
# doctor, as soon as a doctor opens emergency access.
bob_key=$("$ehr" "${bob[@]}" account --json | sed 's/.*"public_key":"\([^"]*\)".*/\1/')
run "${alice[@]}" admin set-custodian //Bob --public-key "$bob_key"
run "${dave[@]}" emergency deposit-key
# Ferdie is Dave's cardiologist: Dave lifts the refusal his revocation made, so that Ferdie can
# reach the record in an emergency.
run "${dave[@]}" emergency allow //Ferdie
"$ehr" "${bob[@]}" emergency watch &
watcher_pid=$!
sleep 2
run "${ferdie[@]}" emergency open //Dave --reason "unconscious in A&E, suspected MI"
for _ in $(seq 60); do
  "$ehr" "${ferdie[@]}" --json emergency show --patient //Dave | grep -q '"released_key_epoch": [0-9]' && break
  sleep 0.5
done
run "${ferdie[@]}" emergency show --patient //Dave
run "${ferdie[@]}" --ipfs-peer "$gateway" doc get 0 --patient //Dave -o "$work/ferdie-emergency-letter.txt"
cmp "$letter" "$work/ferdie-emergency-letter.txt" && echo "Ferdie reads the letter during the emergency"
# The reason went on chain sealed to Dave's key: only Dave reads it.
run "${dave[@]}" emergency reason //Ferdie

chapter "Dave ends it: the released key is retired (epoch 3), so Ferdie cannot open anything added later"
run "${dave[@]}" emergency end --doctor //Ferdie
printf 'Post-emergency note: %s\n' "$marker" >"$work/post-emergency.txt"
run "${dave[@]}" doc upload "$work/post-emergency.txt" --kind 11506
refused "${ferdie[@]}" --ipfs-peer "$gateway" doc get 2 --patient //Dave -o "$work/ferdie-post.txt"
refused "${ferdie[@]}" doc open //Dave 0

chapter "A grant runs out: the next upload rotates the record key by itself, and the doctor cannot read what comes after"
run "${dave[@]}" grant //Charlie --until +8s
run "${charlie[@]}" --ipfs-peer "$gateway" doc get 0 --patient //Dave -o "$work/charlie-files/letter-again.txt"
sleep 9
printf 'Lab result: %s, troponin normal.
' "$marker" >"$work/lab.txt"
run "${dave[@]}" doc upload "$work/lab.txt" --kind 11502
refused "${charlie[@]}" --ipfs-peer "$gateway" doc get 3 --patient //Dave -o "$work/charlie-files/lab.txt"
test ! -e "$work/charlie-files/lab.txt"

chapter "Dave cancels the appointment; the slot is free again"
run "${dave[@]}" appointment cancel 0
run available //Charlie "$(at 09:30)"

chapter "Dave's audit trail"
run "${dave[@]}" audit

chapter "Nothing of the documents is on chain: every extrinsic, event and storage value searched"
run scan-chain --marker "$marker"

chapter "Stop the node"
trap - EXIT
cleanup
printf '\ndemo finished in %d s\n' "$((SECONDS - started))"
