#!/usr/bin/env bash
# The split-by-concern experiment of docs/cost-changes.md: what `book_appointment` would cost
# on substrate-contracts-node 0.42.0 if the schedule were a contract of its own.
#
#   scripts/split-experiment.sh
#
# It cuts `contracts/ehr`'s own source down to the schedule (windows, booking, cancelling and
# closing, the appointment queries, the audit trail) in a scratch directory, adds the two
# registry messages a split would need (`note_patient`, `note_doctor`: `ehr` telling the
# schedule who is a registered patient and who a bookable doctor), builds it with
# `cargo contract`, deploys it on a fresh dev node, sets the facts, publishes a window, and
# dry-runs a booking as the patient and one fact push as the registry. It prints a Markdown
# table of `gas_required`. The cut matches the source as of `dda3015`; a later change to the
# contract may need the cut adjusted (it fails loudly if a marker is missing).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
cache=${EHR_CACHE:-$HOME/.cache/ehr}
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=ws://127.0.0.1:$port
cleanup() {
  EHR_DATA=$work/node scripts/node.sh stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

say() { printf '[split] %s\n' "$*" >&2; }

say "cutting contracts/ehr down to the schedule in $work/schedule"
cp -r contracts/ehr "$work/schedule"
cp Cargo.lock rust-toolchain.toml "$work/schedule/"
rm -f "$work/schedule/src/tests.rs"
sed -i 's/^name = "ehr"/name = "schedule"/' "$work/schedule/Cargo.toml"
printf '\n[workspace]\n' >>"$work/schedule/Cargo.toml"
python3 - "$work/schedule/src/lib.rs" <<'EOF'
import re, sys
path = sys.argv[1]
lines = open(path).read().split("\n")
keep = {"publish_availability", "withdraw_availability", "get_availability",
        "check_doctor_availability", "book_appointment", "cancel_appointment",
        "complete_appointment", "mark_no_show", "appointment", "get_all_appointments",
        "get_audit_trail", "ensure_slot_open", "ensure_bookable", "ensure_doctor_can_close",
        "set_appointment_status", "index_appointment", "ledger", "save_ledger",
        "append_audit", "append_audit_to", "get_appointment", "new", "default"}
out, i = [], 0
while i < len(lines):
    j = i
    while lines[j].startswith("        ///") or lines[j].startswith("        #["):
        j += 1
    m = re.match(r"        (pub )?fn (\w+)", lines[j])
    if m:
        end = j
        while lines[end] != "        }":
            end += 1
        if m.group(2) in keep:
            out.extend(lines[i:end + 1])
        i = end + 1
        continue
    out.append(lines[i])
    i += 1
s = "\n".join(out)

def between(text, start, stop, replacement):
    a = text.index(start)
    b = text.index(stop, a)
    return text[:a] + replacement + text[b:]

s = between(s, "    pub struct Ehr {", "    }\n", """    pub struct Ehr {
        registry: AccountId,
        ledgers: Mapping<AccountId, Ledger>,
        appointments: Mapping<AppointmentId, Appointment>,
        appointment_count: AppointmentId,
        booked_slots: Mapping<(AccountId, Timestamp), AppointmentId>,
        account_appointments: Mapping<(AccountId, u32), AppointmentId>,
        open_appointment_count: u64,
        audit_entries: Mapping<(AccountId, u32), AuditEntry>,
""")
s = between(s, "            Self {\n                admin", "            }\n", """            Self {
                registry: Self::env().caller(),
                ledgers: Mapping::new(),
                appointments: Mapping::new(),
                appointment_count: 0,
                booked_slots: Mapping::new(),
                account_appointments: Mapping::new(),
                open_appointment_count: 0,
                audit_entries: Mapping::new(),
""")
s = between(s, "    /// How a reader reaches", "    impl Ehr {", "")
for old, new in [
    ("            self.get_doctor(doctor)?;\n", ""),
    ("""                None => self
                    .ensure_verified_doctor(doctor)
                    .and(Err(Error::DoctorNotVerified)),""",
     "                None => Err(Error::DoctorNotVerified),"),
    ("pub use self::ehr::{Ehr, EhrRef};\n\n#[cfg(test)]\nmod tests;",
     "pub use self::ehr::{Ehr, EhrRef};"),
]:
    assert old in s, f"marker missing: {old!r}"
    s = s.replace(old, new)
registry = '''        /// The registry (`ehr`) notes a registered patient.
        #[ink(message)]
        pub fn note_patient(&mut self, patient: AccountId) -> Result<()> {
            if self.env().caller() != self.registry {
                return Err(Error::NotAdmin);
            }
            let mut ledger = self.ledger(patient);
            ledger.patient = true;
            self.save_ledger(patient, &ledger)
        }

        /// The registry notes a doctor's bookable slot length (`None`: not bookable).
        #[ink(message)]
        pub fn note_doctor(&mut self, doctor: AccountId, slot_minutes: Option<u16>) -> Result<()> {
            if self.env().caller() != self.registry {
                return Err(Error::NotAdmin);
            }
            let mut ledger = self.ledger(doctor);
            ledger.bookable_slot_minutes = slot_minutes;
            self.save_ledger(doctor, &ledger)
        }

'''
marker = "        // ------------------------------------------------------------------ schedule"
assert marker in s, "marker missing: schedule section"
s = s.replace(marker, registry + marker, 1)
open(path, "w").write(s)
EOF

say "building it"
target=$cache/split-experiment-target
(cd "$work/schedule" && CARGO_TARGET_DIR=$target cargo contract build --release --quiet) >&2
bundle=$target/ink/schedule.contract
code=$(stat -c %s "$target/ink/schedule.wasm")
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$cache/target}
ehr_bundle=$("$root/scripts/build-contract.sh")
ehr_code=$(stat -c %s "${ehr_bundle%.contract}.wasm")

say "deploying it on a fresh dev node at $url"
EHR_DATA=$work/node scripts/node.sh start --tmp --port "$port" >&2
contract=$(cargo contract instantiate "$bundle" --constructor new --suri //Alice --url "$url" \
  -x --skip-confirm --output-json 2>/dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["contract"])')
bob=5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty
charlie=5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y
dave=5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy
call() { cargo contract call "$bundle" --contract "$contract" --url "$url" --skip-confirm "$@"; }
now=$(date +%s%3N)
start=$(((now / 3600000 + 2) * 3600000))
end=$((start + 8 * 1800000))
call --message note_patient --args "$bob" --suri //Alice -x >/dev/null
call --message note_doctor --args "$charlie" "Some(30)" --suri //Alice -x >/dev/null
call --message publish_availability --args "$start" "$end" --suri //Charlie -x >/dev/null

# Prints "ref_time|proof_size" of a dry-run's gas_required.
dry_run() {
  call "$@" --output-json 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert not d["reverted"], d
g = d["gas_required"]
print("{:.3f}|{:,}".format(g["ref_time"] / 1e9, g["proof_size"]))'
}
booking=$(dry_run --message book_appointment --args "$charlie" "$start" --suri //Bob)
push=$(dry_run --message note_patient --args "$dave" --suri //Alice)

cat <<EOF
### The split by concern, measured on a prototype

\`scripts/split-experiment.sh\` at \`$(git rev-parse --short HEAD)\`, $(date -u '+%Y-%m-%d'), substrate-contracts-node $(substrate-contracts-node --version | awk '{print $2}'): the schedule cut from \`ehr\`'s source, $code B of code (\`ehr\`: $ehr_code B), on a fresh dev node.

| dry-run | ref_time (10⁹) | proof_size (B) |
|---|---:|---:|
| \`book_appointment\` by the patient (facts set, a window published) | ${booking%%|*} | ${booking##*|} |
| \`note_patient\` by the registry (one fact pushed) | ${push%%|*} | ${push##*|} |
EOF
