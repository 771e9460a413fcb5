//! Cost of every state-changing message and the main queries of the compiled `ehr` contract, as
//! the contract's storage grows: the dry-run `gas_required` (ref_time, proof_size) and storage
//! deposit of each message, measured in drink's sandbox with N existing records of every kind
//! (patients, doctors, appointments of the measured doctor, documents, grants and audit entries
//! of the measured patient), for each N in the scale list.
//!
//! Prints Markdown tables (what `scripts/bench.sh` puts into `docs/benchmarks.md`).
//!
//! ```text
//! cargo bench --bench message_costs -- [--scales 0,100,10000,100000]
//! ```
//! `EHR_BENCH_SCALES` sets the scales too (the CI smoke run uses `0,50`).

use std::time::Instant;

use drink::{
    minimal::MinimalSandbox,
    pallet_contracts::Determinism,
    sandbox_api::prelude::{BalanceAPI, ContractAPI, SystemAPI, TimestampAPI},
    session::{Session, NO_ARGS, NO_ENDOWMENT, NO_SALT},
    AccountId32, Sandbox,
};
use ehr::{Timestamp, MS_PER_MINUTE};
use ehr_drink_tests::{call_data, group};
use ink::{
    primitives::AccountId,
    scale::{Decode, Encode},
};

#[drink::contract_bundle_provider]
enum BundleProvider {}

const SLOT: Timestamp = 30 * MS_PER_MINUTE;
const DAY: Timestamp = 48 * SLOT;
const NOW: Timestamp = 19_800 * DAY;
/// The measured doctor's one window: long enough for a million 30-minute slots.
const WINDOW_START: Timestamp = NOW + DAY;
const WINDOW_END: Timestamp = WINDOW_START + 1_000_000 * SLOT;
/// The node's normal-class share of a block: 75 % of 2 s of ref_time (contracts-node 0.42).
const NORMAL_BLOCK_REF_TIME: u64 = 2_000_000_000_000 * 3 / 4;
const FUNDS: u128 = 1_000_000_000_000_000;

/// The accounts with a fixed part in the measurements.
#[derive(Clone, Copy)]
enum Actor {
    Verifier = 1,
    /// Verified; the measured doctor, with the one long window.
    Doctor,
    /// Registered, not verified: `verify_doctor` is measured on it.
    UnverifiedDoctor,
    /// Verified, holds the patient's write grant.
    GrantedDoctor,
    /// Verified, no grant: `grant_access` and `open_emergency_access` are measured on it.
    OtherDoctor,
    /// Verified, emergency access to the patient open.
    EmergencyDoctor,
    /// The measured patient: books, uploads, grants; its lists grow.
    Patient,
    /// Registered, not verified: `verify_patient` is measured on it.
    UnverifiedPatient,
    /// Not registered: `register_patient`, `register_doctor`, `add_verifier` use it.
    Newcomer,
}

impl Actor {
    const ALL: [Actor; 9] = [
        Actor::Verifier,
        Actor::Doctor,
        Actor::UnverifiedDoctor,
        Actor::GrantedDoctor,
        Actor::OtherDoctor,
        Actor::EmergencyDoctor,
        Actor::Patient,
        Actor::UnverifiedPatient,
        Actor::Newcomer,
    ];
}

fn actor(role: Actor) -> AccountId32 {
    AccountId32::new([role as u8; 32])
}

/// The `index`-th account of a grown kind (`tag` tells kinds apart).
fn grown(tag: u8, index: u32) -> AccountId32 {
    let mut bytes = [0xee; 32];
    bytes[0] = tag;
    bytes[1..5].copy_from_slice(&index.to_le_bytes());
    AccountId32::new(bytes)
}

fn ink_id(account: &AccountId32) -> AccountId {
    AccountId::from(<[u8; 32]>::from(account.clone()))
}

/// What one dry run cost.
#[derive(Clone, Copy, Debug)]
struct Cost {
    ref_time: u64,
    proof_size: u64,
    /// Bytes the call adds to the contract's storage (negative: frees).
    storage_bytes: i64,
    /// Storage items the call adds (negative: removes).
    storage_items: i64,
}

/// (bytes, items) of the contract's storage, as pallet-contracts accounts them for the deposit.
fn storage_usage(sandbox: &mut MinimalSandbox, contract: &AccountId32) -> (i64, i64) {
    use drink::frame_support::{StorageHasher, Twox128, Twox64Concat};
    let mut key = Twox128::hash(b"Contracts").to_vec();
    key.extend(Twox128::hash(b"ContractInfoOf"));
    key.extend(Twox64Concat::hash(contract.as_ref()));
    let raw = sandbox
        .execute_with(|| drink::frame_support::storage::unhashed::get_raw(&key))
        .expect("the contract has a ContractInfo");
    // ContractInfo starts with trie_id (Vec<u8>), code_hash (H256), storage_bytes (u32) and
    // storage_items (u32); the struct itself is private to pallet-contracts.
    let (_, _, bytes, items) =
        <(Vec<u8>, [u8; 32], u32, u32)>::decode(&mut &raw[..]).expect("ContractInfo decodes");
    (i64::from(bytes), i64::from(items))
}

struct Bench {
    sandbox: MinimalSandbox,
    contract: AccountId32,
    /// Records of every kind already added.
    grown: u32,
    calls: u64,
}

impl Bench {
    fn new() -> Self {
        let mut session = Session::<MinimalSandbox>::default();
        session.sandbox().set_timestamp(NOW);
        let bundle = BundleProvider::Ehr.bundle().expect("the contract bundle");
        session
            .deploy_bundle(bundle, "new", NO_ARGS, NO_SALT, NO_ENDOWMENT)
            .expect("deploying works");
        let contract = session.record().last_deploy_return().clone();
        let sandbox = std::mem::take(session.sandbox());
        let mut bench = Bench {
            sandbox,
            contract,
            grown: 0,
            calls: 0,
        };
        bench.set_up_actors();
        bench
    }

    fn admin() -> AccountId32 {
        MinimalSandbox::default_actor()
    }

    /// Runs a call for real; panics unless it returns `Ok(Ok(_))`.
    fn call(&mut self, caller: &AccountId32, message: &str, args: impl Encode) {
        let data = call_data(message, args);
        let result = self.sandbox.call_contract(
            self.contract.clone(),
            0,
            data,
            caller.clone(),
            MinimalSandbox::default_gas_limit(),
            None,
            Determinism::Enforced,
        );
        check(message, &result);
        self.calls += 1;
        if self.calls.is_multiple_of(1_000) {
            // Keep the sandbox's event list short; the contract state is untouched.
            self.sandbox.reset_events();
        }
    }

    /// Dry-runs a call (state unchanged afterwards) and returns what it cost.
    fn measure(&mut self, caller: &AccountId32, message: &str, args: impl Encode) -> Cost {
        let data = call_data(message, args);
        let contract = self.contract.clone();
        let caller = caller.clone();
        let (result, before, after) = self.sandbox.dry_run(|sandbox| {
            let before = storage_usage(sandbox, &contract);
            let result = sandbox.call_contract(
                contract.clone(),
                0,
                data,
                caller,
                MinimalSandbox::default_gas_limit(),
                None,
                Determinism::Enforced,
            );
            (result, before, storage_usage(sandbox, &contract))
        });
        check(message, &result);
        Cost {
            ref_time: result.gas_required.ref_time(),
            proof_size: result.gas_required.proof_size(),
            storage_bytes: after.0 - before.0,
            storage_items: after.1 - before.1,
        }
    }

    fn fund(&mut self, account: &AccountId32) {
        self.sandbox
            .mint_into(account, FUNDS)
            .expect("minting works");
    }

    fn register_doctor(&mut self, doctor: &AccountId32) {
        self.call(
            doctor,
            "register_doctor",
            (
                "Dr. Bench".to_string(),
                "Cardiology".to_string(),
                [1u8; 32],
                [2u8; 32],
                30u16,
            ),
        );
    }

    fn set_up_actors(&mut self) {
        use Actor::*;
        for role in Actor::ALL {
            self.fund(&actor(role));
        }
        let admin = Self::admin();
        let verifier = actor(Verifier);
        let patient = actor(Patient);
        self.call(&admin, "add_verifier", ink_id(&verifier));
        // A pending admin transfer, so that `accept_admin` can be measured.
        self.call(&admin, "transfer_admin", ink_id(&actor(Newcomer)));
        for doctor in [
            Doctor,
            UnverifiedDoctor,
            GrantedDoctor,
            OtherDoctor,
            EmergencyDoctor,
        ] {
            self.register_doctor(&actor(doctor));
        }
        for doctor in [Doctor, GrantedDoctor, OtherDoctor, EmergencyDoctor] {
            self.call(&verifier, "verify_doctor", ink_id(&actor(doctor)));
        }
        self.call(
            &actor(Doctor),
            "publish_availability",
            (WINDOW_START, WINDOW_END),
        );
        for who in [Patient, UnverifiedPatient] {
            self.call(&actor(who), "register_patient", [9u8; 32]);
        }
        // Appointment 0 (cancel / complete / no-show are measured on it), document 0, the
        // write grant, the open emergency access.
        self.call(
            &patient,
            "book_appointment",
            (ink_id(&actor(Doctor)), WINDOW_START),
        );
        self.upload_document();
        self.call(
            &patient,
            "grant_access",
            (
                ink_id(&actor(GrantedDoctor)),
                true,
                NOW + 3_650 * DAY,
                vec![5u8; 80],
            ),
        );
        self.call(
            &actor(EmergencyDoctor),
            "open_emergency_access",
            (ink_id(&patient), vec![3u8; ehr::MAX_SEALED_REASON_LEN]),
        );
    }

    fn upload_document(&mut self) {
        let patient = actor(Actor::Patient);
        self.call(&patient, "upload_document", upload_args(&patient));
    }

    /// Adds records until there are `target` of every kind.
    fn grow_to(&mut self, target: u32) {
        let started = Instant::now();
        let verifier = actor(Actor::Verifier);
        let patient = actor(Actor::Patient);
        let doctor = ink_id(&actor(Actor::Doctor));
        for index in self.grown..target {
            // A patient and a verified doctor more.
            let new_patient = grown(1, index);
            self.fund(&new_patient);
            self.call(&new_patient, "register_patient", [7u8; 32]);
            let new_doctor = grown(2, index);
            self.fund(&new_doctor);
            self.register_doctor(&new_doctor);
            self.call(&verifier, "verify_doctor", ink_id(&new_doctor));
            // The measured doctor and patient get one appointment more (booked and cancelled,
            // so the bounds on open and upcoming appointments hold), the measured patient one
            // document and one grant more (and four audit entries).
            self.call(&patient, "book_appointment", (doctor, booked_slot(index)));
            self.call(&patient, "cancel_appointment", u64::from(index) + 1);
            self.upload_document();
            self.call(
                &patient,
                "grant_access",
                (ink_id(&new_doctor), false, NOW + 3_650 * DAY, vec![5u8; 80]),
            );
        }
        if target > self.grown {
            eprintln!(
                "grew to {target} records of each kind in {:.1} s ({} calls so far)",
                started.elapsed().as_secs_f64(),
                self.calls
            );
        }
        self.grown = self.grown.max(target);
    }

    /// Every measured message, at the current size.
    fn measure_all(&mut self) -> Vec<(&'static str, Cost)> {
        use Actor::*;
        let n = self.grown;
        let admin = Self::admin();
        let verifier = actor(Verifier);
        let patient = actor(Patient);
        let doctor = actor(Doctor);
        let granted = actor(GrantedDoctor);
        let other = actor(OtherDoctor);
        let emergency = actor(EmergencyDoctor);
        let newcomer = actor(Newcomer);
        let last_page = |total: u32| total.saturating_sub(20);
        let mut costs = Vec::new();
        let mut measure =
            |bench: &mut Self, name: &'static str, caller: &AccountId32, data: Vec<u8>| {
                let cost = bench.measure_encoded(caller, name, data);
                costs.push((name, cost));
            };
        // Roles.
        measure(self, "add_verifier", &admin, enc(ink_id(&newcomer)));
        measure(self, "remove_verifier", &admin, enc(ink_id(&verifier)));
        measure(self, "transfer_admin", &admin, enc(ink_id(&patient)));
        measure(self, "accept_admin", &newcomer, enc(()));
        measure(self, "register_patient", &newcomer, enc([7u8; 32]));
        measure(
            self,
            "verify_patient",
            &verifier,
            enc(ink_id(&actor(UnverifiedPatient))),
        );
        measure(
            self,
            "register_doctor",
            &newcomer,
            enc((
                "Dr. Bench".to_string(),
                "Cardiology".to_string(),
                [1u8; 32],
                [2u8; 32],
                30u16,
            )),
        );
        measure(
            self,
            "verify_doctor",
            &verifier,
            enc(ink_id(&actor(UnverifiedDoctor))),
        );
        measure(self, "suspend_doctor", &verifier, enc(ink_id(&doctor)));
        measure(self, "replace_public_key", &doctor, enc([4u8; 32]));
        // Schedule.
        measure(
            self,
            "publish_availability",
            &doctor,
            enc((WINDOW_END + DAY, WINDOW_END + 2 * DAY)),
        );
        measure(self, "withdraw_availability", &doctor, enc(WINDOW_START));
        measure(
            self,
            "book_appointment",
            &patient,
            enc((ink_id(&doctor), booked_slot(n))),
        );
        measure(self, "cancel_appointment", &patient, enc(0u64));
        self.sandbox.set_timestamp(WINDOW_START + SLOT);
        measure(self, "complete_appointment", &doctor, enc(0u64));
        measure(self, "mark_no_show", &doctor, enc(0u64));
        self.sandbox.set_timestamp(NOW);
        // Consent and emergency access.
        measure(
            self,
            "grant_access",
            &patient,
            enc((ink_id(&other), true, NOW + 30 * DAY, vec![5u8; 80])),
        );
        measure(self, "revoke_access", &patient, enc(ink_id(&granted)));
        measure(
            self,
            "share_record_key",
            &patient,
            enc((ink_id(&granted), 0u32, vec![5u8; 80])),
        );
        measure(self, "rotate_record_key", &patient, enc(()));
        // `Some(EmergencyCustodian { account, public_key })` encodes as the tuple does.
        measure(
            self,
            "set_emergency_custodian",
            &admin,
            enc(Some((ink_id(&verifier), [9u8; 32]))),
        );
        measure(
            self,
            "open_emergency_access",
            &other,
            enc((ink_id(&patient), vec![3u8; ehr::MAX_SEALED_REASON_LEN])),
        );
        measure(
            self,
            "refuse_emergency_access",
            &patient,
            enc(ink_id(&other)),
        );
        measure(
            self,
            "end_emergency_access",
            &patient,
            enc((ink_id(&patient), ink_id(&emergency))),
        );
        // Records.
        measure(
            self,
            "upload_document",
            &patient,
            enc(upload_args(&patient)),
        );
        measure(
            self,
            "mark_document_entered_in_error",
            &patient,
            enc((ink_id(&patient), 0u32)),
        );
        measure(
            self,
            "open_document",
            &granted,
            enc((ink_id(&patient), 0u32)),
        );
        // Queries (dry runs are how clients read them).
        measure(self, "patient", &newcomer, enc(ink_id(&patient)));
        measure(self, "rotation_required", &newcomer, enc(ink_id(&patient)));
        measure(self, "doctor", &newcomer, enc(ink_id(&doctor)));
        measure(
            self,
            "get_all_doctors",
            &newcomer,
            enc((Some("cardiology".to_string()), last_page(n + 4), 20u32)),
        );
        measure(
            self,
            "get_registered_doctors",
            &newcomer,
            enc((last_page(n + 5), 20u32)),
        );
        measure(self, "get_availability", &newcomer, enc(ink_id(&doctor)));
        measure(
            self,
            "check_doctor_availability",
            &newcomer,
            enc((ink_id(&doctor), booked_slot(n))),
        );
        measure(self, "appointment", &patient, enc(0u64));
        measure(
            self,
            "get_all_appointments",
            &doctor,
            enc((ink_id(&doctor), last_page(n + 1), 20u32)),
        );
        measure(
            self,
            "grant",
            &patient,
            enc((ink_id(&patient), ink_id(&granted))),
        );
        measure(
            self,
            "get_grants",
            &patient,
            enc((ink_id(&patient), last_page(n + 1), 20u32)),
        );
        measure(
            self,
            "get_all_documents",
            &patient,
            enc((ink_id(&patient), last_page(n + 1), 20u32)),
        );
        measure(
            self,
            "get_audit_trail",
            &patient,
            enc((ink_id(&patient), last_page(4 * n + 5), 20u32)),
        );
        costs
    }

    fn measure_encoded(&mut self, caller: &AccountId32, message: &str, args: Vec<u8>) -> Cost {
        self.measure(caller, message, RawArgs(args))
    }
}

/// Already SCALE-encoded arguments, appended as they are.
struct RawArgs(Vec<u8>);

impl Encode for RawArgs {
    fn size_hint(&self) -> usize {
        self.0.len()
    }
    fn encode_to<T: ink::scale::Output + ?Sized>(&self, dest: &mut T) {
        dest.write(&self.0);
    }
}

fn enc(args: impl Encode) -> Vec<u8> {
    args.encode()
}

/// The slot the measured patient books as the `index`-th grown appointment (slot 0 is
/// appointment 0's).
fn booked_slot(index: u32) -> Timestamp {
    WINDOW_START + (u64::from(index) + 1) * SLOT
}

fn upload_args(patient: &AccountId32) -> (AccountId, Vec<u8>, [u8; 32], Vec<u8>, Option<u32>) {
    (
        ink_id(patient),
        vec![0xc1; 60],
        [0xa5; 32],
        vec![0x77; 72],
        None,
    )
}

/// Panics unless the call ran and returned `Ok(Ok(_))`.
fn check(
    message: &str,
    result: &drink::pallet_contracts::ContractExecResult<u128, impl std::fmt::Debug>,
) {
    match &result.result {
        Ok(value) if !value.did_revert() && value.data.starts_with(&[0, 0]) => {}
        Ok(value) => panic!("`{message}` returned an error: 0x{}", hex(&value.data)),
        Err(err) => panic!("`{message}` failed: {err:?}"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn scales() -> Vec<u32> {
    let mut args = std::env::args().skip(1);
    let mut from_args = None;
    while let Some(arg) = args.next() {
        if arg == "--scales" {
            from_args = args.next();
        }
    }
    let spec = from_args
        .or_else(|| std::env::var("EHR_BENCH_SCALES").ok())
        .unwrap_or_else(|| "0,100,10000,100000".into());
    let mut scales: Vec<u32> = spec
        .split(',')
        .map(|s| {
            s.trim()
                .replace('_', "")
                .parse()
                .expect("--scales: numbers, comma-separated")
        })
        .collect();
    scales.sort_unstable();
    scales.dedup();
    scales
}

fn ratio(values: impl Iterator<Item = u64> + Clone) -> String {
    let max = values.clone().max().unwrap_or(0);
    let min = values.min().unwrap_or(0);
    if min == 0 {
        "–".into()
    } else {
        format!("{:.3}", max as f64 / min as f64)
    }
}

fn main() {
    let scales = scales();
    let started = Instant::now();
    let mut bench = Bench::new();
    let mut results: Vec<(u32, Vec<(&'static str, Cost)>)> = Vec::new();
    for &scale in &scales {
        bench.grow_to(scale);
        results.push((scale, bench.measure_all()));
    }
    let header_scales: Vec<String> = scales
        .iter()
        .map(|s| format!("N={}", group(u64::from(*s))))
        .collect();
    let messages: Vec<&str> = results[0].1.iter().map(|(name, _)| *name).collect();
    let cost_of = |row: usize| results.iter().map(move |(_, costs)| costs[row].1);

    let weight_table = |title: &str, figure: fn(&Cost) -> u64| {
        println!("### {title} of each message's `gas_required`\n");
        println!("| message | {} | max/min |", header_scales.join(" | "));
        println!("|---|{}---:|", "---:|".repeat(scales.len()));
        for (row, name) in messages.iter().enumerate() {
            let cells: Vec<String> = cost_of(row).map(|c| group(figure(&c))).collect();
            let spread = ratio(cost_of(row).map(|c| figure(&c)));
            println!("| `{name}` | {} | {spread} |", cells.join(" | "));
        }
        println!();
    };
    weight_table("ref_time (picoseconds)", |c| c.ref_time);
    weight_table("proof_size (bytes)", |c| c.proof_size);
    println!(
        "### Storage added (bytes / items; negative: freed, deposit refunded)\n\n\
         Messages that store nothing are left out.\n"
    );
    println!("| message | {} |", header_scales.join(" | "));
    println!("|---|{}", "---:|".repeat(scales.len()));
    for (row, name) in messages.iter().enumerate() {
        let cells: Vec<String> = cost_of(row)
            .map(|c| format!("{:+} B / {:+}", c.storage_bytes, c.storage_items))
            .collect();
        if cost_of(row).all(|c| c.storage_bytes == 0 && c.storage_items == 0) {
            continue;
        }
        println!("| `{name}` | {} |", cells.join(" | "));
    }
    let booking_row = messages
        .iter()
        .position(|name| *name == "book_appointment")
        .expect("book_appointment is measured");
    let worst_booking = cost_of(booking_row).map(|c| c.ref_time).max().unwrap_or(1);
    println!(
        "\n`book_appointment` needs at most {} ref_time across these sizes, so at most **{}** bookings \
         fit in one block's normal-class weight (75 % of 2 s = {} ref_time), before each \
         extrinsic's base weight.",
        group(worst_booking),
        group(NORMAL_BLOCK_REF_TIME / worst_booking),
        group(NORMAL_BLOCK_REF_TIME),
    );
    println!(
        "\n_{} contract calls to build the state, {:.0} s in all._",
        group(bench.calls),
        started.elapsed().as_secs_f64()
    );
}
