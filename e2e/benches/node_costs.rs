//! What every message of the `ehr` contract costs on substrate-contracts-node 0.42.0
//! (pallet-contracts 38), the runtime users deploy to (a program that prints figures).
//!
//! Each of the contract's 56 messages is dry-run through `ContractsApi_call` (what
//! `EhrClient::dry_run` calls) by the account that would send it, on a contract grown on the
//! node to N records of every kind: N patients, N verified doctors, and N appointments (booked
//! and cancelled), N documents, N grants and 4N audit entries of the measured patient, grown
//! with pipelined, pre-signed batches. For each message it prints `gas_required` (ref_time,
//! proof_size), the storage deposit (as bytes and items at the node's prices), the whole
//! extrinsic's weight (the node's base extrinsic weight, plus `Contracts::call`'s own weight,
//! read from `TransactionPaymentApi_query_info`, plus `gas_required`), and how many such calls
//! fit in a block: by ref_time (75 % of 2 s) and by a parachain's 5 MiB proof budget.
//!
//! ```text
//! cargo bench -p ehr-e2e --bench node_costs -- [--scales 0,20] [--messages a,b]
//! ```
//! `scripts/bench.sh` grows the node to 1,000 and 10,000 (the smoke run measures N = 0 only).
//! Growing to 1,000 (7,000 transactions) took 103 to 253 s in three runs on 2026-11-26, and
//! the first full run grew to 10,000 in about 30 minutes (every record but 382 grants, whose
//! signer ran out of funds, since raised). Under this pipelined load
//! the dev node's pool now and then files a transaction as waiting for a nonce that is
//! already used and never offers it to a block; the client replaces it with the same call
//! and nonce after 12 s (`ehr_client::submission`, two replacements in that growth), which is
//! why the bench's clients wait 10 s for a status rather than the default minute. Before the
//! replacement existed, growth to 1,000 did not finish. (The node's "Safety violation:
//! attempted to revert finalized block" warnings are not forks: they name the last finalized
//! block itself, finalized again out of order.) Set `RUST_LOG=ehr_client=debug` to see each
//! settle step.
//! The contract bundle is `$EHR_CONTRACT_BUNDLE` or built like the e2e tests build it. With
//! `$EHR_FLOOR_BUNDLE` (`contracts/floor` built; `scripts/bench.sh` sets it) it ends with the
//! floor: the smallest query, write, cell read, new cell and event topic on the same node.

use codec::{Decode, Encode};
use ehr::{Timestamp, MS_PER_MINUTE};
use ehr_client::{
    messages, messages::Message, node, to_chain_account, AccountId, EhrClient, Keypair,
};
use ehr_e2e::{deposit_prices, now_ms, TestNode};
use futures::{stream, StreamExt};
use node::runtime_types::sp_weights::weight_v2::Weight;
use std::sync::Arc;
use std::time::{Duration, Instant};
use subxt::utils::MultiAddress;

/// The measured doctors' slot length.
const SLOT: Timestamp = 5 * MS_PER_MINUTE;
const DAY: Timestamp = 24 * 60 * MS_PER_MINUTE;
/// A block's share for normal extrinsics: 75 % of 2 s of ref_time (contracts-node 0.42.0).
const NORMAL_BLOCK_REF_TIME: u64 = 2_000_000_000_000 * 3 / 4;
/// A parachain block's proof budget.
const BLOCK_PROOF_SIZE: u64 = 5 * 1024 * 1024;
/// The gas limit of the pre-signed growth transactions (no dry-run): above any message's need.
const GROWTH_GAS: Weight = Weight {
    ref_time: 10_000_000_000,
    proof_size: 1_000_000,
};
/// Transactions in flight while growing.
const IN_FLIGHT: usize = 48;
/// What each fixed actor gets (30,000 UNIT): at N = 10,000 the measured patient pays the
/// fees of about 40,000 calls and locks the deposit of N documents and N grants; with 10,000
/// UNIT its last 382 grants could not pay their fees (2026-11-26).
const FUNDS: u128 = 30_000_000_000_000_000;
/// What each grown patient and doctor gets (10 UNIT: one registration's fees and deposit).
/// The funder is a dev account with 2^60 planck (about 1.15 million UNIT), so the growth to
/// 10,000 (20,000 accounts) takes 200,000 UNIT of it.
const GROWTH_FUNDS: u128 = 10_000_000_000_000;
/// Grown records per measured scale at most (the measured doctor's window holds them).
const MAX_SCALE: u64 = 100_000;

/// The accounts with a fixed part in the measurements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Actor {
    Verifier,
    /// Verified, 5-minute slots, one long window: bookings are measured on it.
    Doctor,
    /// Verified, 5-minute slots: holds an appointment that has started (complete, no-show).
    ClosingDoctor,
    /// Registered, not verified: `verify_doctor` is measured on it; the patient refused it
    /// break-glass access (`allow_emergency_access`).
    UnverifiedDoctor,
    /// Verified, holds the patient's write grant.
    GrantedDoctor,
    /// Verified, no grant: `grant_access`, `open_emergency_access`, refusals.
    OtherDoctor,
    /// The measured patient: books, uploads, grants; its lists grow. Verified.
    Patient,
    /// Registered, not verified: `verify_patient` is measured on it.
    UnverifiedPatient,
    /// Not registered: `register_*`, `accept_admin` (the pending admin), the queries.
    Newcomer,
    /// The emergency key custodian.
    Custodian,
}

impl Actor {
    const ALL: [Actor; 10] = [
        Actor::Verifier,
        Actor::Doctor,
        Actor::ClosingDoctor,
        Actor::UnverifiedDoctor,
        Actor::GrantedDoctor,
        Actor::OtherDoctor,
        Actor::Patient,
        Actor::UnverifiedPatient,
        Actor::Newcomer,
        Actor::Custodian,
    ];
}

/// A keypair from a seed, fast enough for tens of thousands of accounts.
fn keypair(tag: u8, index: u32) -> Keypair {
    let mut seed = [0x5e; 32];
    seed[0] = tag;
    seed[1..5].copy_from_slice(&index.to_le_bytes());
    Keypair::from_seed(seed).expect("a 32-byte seed is a keypair")
}

/// What one dry-run cost.
#[derive(Clone, Copy, Debug)]
struct Cost {
    ref_time: u64,
    proof_size: u64,
    /// Storage deposit charged (negative: refunded), in planck.
    deposit: i128,
}

/// The node's prices and weights that turn a dry-run into a deposit and a block share.
struct Chain {
    per_byte: u128,
    per_item: u128,
    /// `BlockWeights::per_class.normal.base_extrinsic`.
    base_extrinsic: (u64, u64),
    /// `Contracts::call`'s own weight (the dispatch weight with a zero gas limit).
    call: (u64, u64),
}

impl Chain {
    /// (bytes, items) of a deposit: items at the per-item price, the rest in bytes. Exact while
    /// a call adds or frees fewer bytes than one item costs (20,000 on contracts-node).
    /// A table cell for `deposit`: "+bytes B / +items", or "–" for none.
    fn deposit_cell(&self, deposit: i128) -> String {
        if deposit == 0 {
            return "–".to_string();
        }
        let (bytes, items) = self.bytes_and_items(deposit);
        format!("{bytes:+} B / {items:+}")
    }

    fn bytes_and_items(&self, deposit: i128) -> (i128, i128) {
        let per_item = self.per_item as i128;
        let items = (deposit + deposit.signum() * per_item / 2) / per_item;
        ((deposit - items * per_item) / self.per_byte as i128, items)
    }

    /// The whole extrinsic's weight for a call that needs `cost`.
    fn extrinsic(&self, cost: &Cost) -> (u64, u64) {
        (
            self.base_extrinsic.0 + self.call.0 + cost.ref_time,
            self.base_extrinsic.1 + self.call.1 + cost.proof_size,
        )
    }
}

struct Bench {
    admin: Arc<EhrClient>,
    actors: Vec<(Actor, Arc<EhrClient>)>,
    chain: Chain,
    /// Window start of the measured doctor.
    window_start: Timestamp,
    /// The appointment the patient can cancel (far ahead) and the started one.
    future_appointment: u64,
    started_appointment: (u64, Timestamp),
    next_appointment: u64,
    /// Records of every kind grown so far.
    grown: u32,
    /// Transactions sent to grow the state.
    transactions: u64,
    /// Doctors that opened emergency access to the patient, one per measured scale.
    emergency_doctors: u32,
}

impl Bench {
    fn actor(&self, role: Actor) -> Arc<EhrClient> {
        self.actors
            .iter()
            .find(|(actor, _)| *actor == role)
            .expect("every actor has a client")
            .1
            .clone()
    }

    fn id(&self, role: Actor) -> AccountId {
        self.actor(role).account_id()
    }

    async fn new(url: &str) -> Bench {
        // A short wait for each status: a transaction the node's pool holds without including
        // it is settled and replaced within seconds instead of a minute (see
        // `ehr_client::submission`).
        let options = ehr_client::Options {
            timeout: Duration::from_secs(10),
            ..ehr_client::Options::default()
        };
        let admin = ehr_e2e::deployed(url, options).await;
        let actors: Vec<_> = Actor::ALL
            .iter()
            .enumerate()
            .map(|(index, role)| (*role, Arc::new(admin.with_signer(keypair(0, index as u32)))))
            .collect();
        let chain = chain_prices(&admin).await;
        let mut bench = Bench {
            admin: Arc::new(admin),
            actors,
            chain,
            window_start: 0,
            future_appointment: 0,
            started_appointment: (0, 0),
            next_appointment: 0,
            grown: 0,
            transactions: 0,
            emergency_doctors: 0,
        };
        let accounts: Vec<_> = bench.actors.iter().map(|(_, c)| c.account_id()).collect();
        fund(&bench.admin, &accounts).await;
        bench.set_up().await;
        bench
    }

    async fn set_up(&mut self) {
        use Actor::*;
        let admin = &self.admin;
        admin.add_verifier(self.id(Verifier)).await.unwrap();
        for doctor in [
            Doctor,
            ClosingDoctor,
            UnverifiedDoctor,
            GrantedDoctor,
            OtherDoctor,
        ] {
            register_doctor(&self.actor(doctor)).await;
        }
        for doctor in [Doctor, ClosingDoctor, GrantedDoctor, OtherDoctor] {
            self.actor(Verifier)
                .verify_doctor(self.id(doctor))
                .await
                .unwrap();
        }
        for patient in [Patient, UnverifiedPatient] {
            self.actor(patient).register_patient([9; 32]).await.unwrap();
        }
        self.actor(Verifier)
            .verify_patient(self.id(Patient))
            .await
            .unwrap();
        let now = now_ms();
        self.window_start = (now / DAY + 2) * DAY;
        self.actor(Doctor)
            .publish_availability(
                self.window_start,
                self.window_start + (MAX_SCALE + 100) * SLOT,
            )
            .await
            .unwrap();
        // The appointment that will have started when the closings are measured: the first
        // slot at least 20 s ahead.
        let window = now / SLOT * SLOT;
        self.actor(ClosingDoctor)
            .publish_availability(window, window + 12 * SLOT)
            .await
            .unwrap();
        let soon = (now_ms() + 20_000).div_ceil(SLOT) * SLOT;
        let patient = self.actor(Patient);
        let started = patient
            .book_appointment(self.id(ClosingDoctor), soon)
            .await
            .unwrap();
        self.started_appointment = (started.value, soon);
        let future = patient
            .book_appointment(self.id(Doctor), self.window_start)
            .await
            .unwrap();
        self.future_appointment = future.value;
        self.next_appointment = future.value + 1;
        patient
            .upload_document(
                self.id(Patient),
                vec![0xc1; 60],
                [0xa5; 32],
                vec![0x77; 72],
                None,
            )
            .await
            .unwrap();
        patient
            .grant_access(self.id(GrantedDoctor), true, now + 3_650 * DAY, vec![5; 80])
            .await
            .unwrap();
        patient
            .refuse_emergency_access(self.id(UnverifiedDoctor))
            .await
            .unwrap();
        // A custodian holding the patient's deposit, and a pending admin transfer.
        admin
            .set_emergency_custodian(Some(ehr::EmergencyCustodian {
                account: self.id(Custodian),
                public_key: [8; 32],
            }))
            .await
            .unwrap();
        patient.deposit_emergency_key(0, vec![6; 80]).await.unwrap();
        admin.transfer_admin(self.id(Newcomer)).await.unwrap();
    }

    /// A doctor that opened emergency access to the patient just now (an access lasts an hour,
    /// and growing 10,000 records may take longer, so each scale gets its own).
    async fn open_emergency(&mut self) -> EhrClient {
        let doctor = self.admin.with_signer(keypair(9, self.emergency_doctors));
        self.emergency_doctors += 1;
        fund(&self.admin, &[doctor.account_id()]).await;
        register_doctor(&doctor).await;
        self.actor(Actor::Verifier)
            .verify_doctor(doctor.account_id())
            .await
            .unwrap();
        doctor
            .open_emergency_access(self.id(Actor::Patient), vec![3; ehr::MAX_SEALED_REASON_LEN])
            .await
            .unwrap();
        doctor
    }

    /// Adds records until there are `target` of every kind, with pre-signed pipelined batches,
    /// while other traffic keeps the dev node sealing ([`ehr_e2e::traffic`]).
    async fn grow_to(&mut self, target: u32) {
        if target <= self.grown {
            return;
        }
        let traffic = ehr_e2e::traffic::traffic_account(&self.admin).await;
        let grown = self.grow(target);
        ehr_e2e::traffic::with_traffic(&traffic, grown).await;
    }

    /// [`grow_to`](Self::grow_to) without the traffic.
    async fn grow(&mut self, target: u32) {
        let started = Instant::now();
        let range = self.grown..target;
        let patients: Vec<_> = range
            .clone()
            .map(|index| self.admin.with_signer(keypair(1, index)))
            .collect();
        let doctors: Vec<_> = range
            .clone()
            .map(|index| self.admin.with_signer(keypair(2, index)))
            .collect();
        let accounts: Vec<_> = patients
            .iter()
            .chain(&doctors)
            .map(EhrClient::account_id)
            .collect();
        let mut unreported = fund_unchecked(&self.admin, &accounts, GROWTH_FUNDS).await;
        let registrations = patients
            .iter()
            .map(|patient| {
                (
                    patient,
                    messages::register_patient([7; 32]).input_data().to_vec(),
                )
            })
            .chain(
                doctors
                    .iter()
                    .map(|doctor| (doctor, register_doctor_message().input_data().to_vec())),
            );
        let results: Vec<_> = stream::iter(registrations)
            .map(|(client, data)| async move { submit_raw(client, data).await })
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
        unreported += unreported_count(&results);
        self.transactions += results.len() as u64;
        // The verifier verifies the new doctors while the patient books, cancels and uploads.
        let verifier = self.actor(Actor::Verifier);
        let verifies: Vec<_> = doctors
            .iter()
            .map(|doctor| {
                messages::verify_doctor(doctor.account_id())
                    .input_data()
                    .to_vec()
            })
            .collect();
        let patient = self.actor(Actor::Patient);
        let doctor = self.id(Actor::Doctor);
        let me = self.id(Actor::Patient);
        let mut patient_calls = Vec::new();
        for index in range.clone() {
            let start = self.window_start + (u64::from(index) + 1) * SLOT;
            patient_calls.push(
                messages::book_appointment(doctor, start)
                    .input_data()
                    .to_vec(),
            );
            patient_calls.push(
                messages::cancel_appointment(self.next_appointment)
                    .input_data()
                    .to_vec(),
            );
            self.next_appointment += 1;
            patient_calls.push(
                messages::upload_document(me, vec![0xc1; 60], [0xa5; 32], vec![0x77; 72], None)
                    .input_data()
                    .to_vec(),
            );
        }
        let (verified, patient_results) = futures::join!(
            pipelined(&verifier, verifies),
            pipelined(&patient, patient_calls)
        );
        unreported += unreported_count(&verified) + unreported_count(&patient_results);
        self.transactions += (verified.len() + patient_results.len()) as u64;
        let expires = now_ms() + 3_650 * DAY;
        let grants: Vec<_> = doctors
            .iter()
            .map(|doctor| {
                messages::grant_access(doctor.account_id(), false, expires, vec![5; 80])
                    .input_data()
                    .to_vec()
            })
            .collect();
        let granted = pipelined(&patient, grants).await;
        unreported += unreported_count(&granted);
        self.transactions += granted.len() as u64;
        self.check_grown(target, unreported).await;
        eprintln!(
            "[node_costs] grew to {target} records of each kind in {:.0} s ({} transactions so far)",
            started.elapsed().as_secs_f64(),
            self.transactions
        );
        self.grown = target;
    }

    /// Checks on chain that every growth transaction landed, by the contract's counts.
    async fn check_grown(&self, target: u32, unreported: u64) {
        let patient = self.actor(Actor::Patient);
        let me = self.id(Actor::Patient);
        let counts = (
            self.admin.patient_count().await.unwrap(),
            self.admin.doctor_count().await.unwrap(),
            self.admin.verified_doctor_count().await.unwrap(),
            patient.get_all_appointments(me, 0, 1).await.unwrap().total,
            patient.get_all_documents(me, 0, 1).await.unwrap().total,
            patient.get_grants(me, 0, 1).await.unwrap().total,
        );
        // Set up: 2 patients, 5 doctors (4 verified), 2 appointments, 1 document, 1 grant;
        // one more verified doctor per measured scale (emergency access).
        let expected = (
            2 + target,
            5 + self.emergency_doctors + target,
            4 + self.emergency_doctors + target,
            2 + target,
            1 + target,
            1 + target,
        );
        assert_eq!(
            counts, expected,
            "growing the state: (patients, doctors, verified doctors, appointments, documents, \
             grants) on chain differ from what was sent ({unreported} transactions unreported)"
        );
        if unreported > 0 {
            eprintln!(
                "[node_costs] the node never reported {unreported} growth transactions; the \
                 counts on chain show every one landed"
            );
        }
    }

    /// Every message, dry-run at the current size, in the contract's order.
    async fn measure_all(&mut self, selection: &Selection) -> Vec<(&'static str, Cost)> {
        use Actor::*;
        let emergency = self.open_emergency().await;
        let (started_id, started_at) = self.started_appointment;
        let wanted = |label: &str| {
            selection
                .only
                .as_ref()
                .is_none_or(|only| only.iter().any(|m| m == label))
                && !selection.skip.iter().any(|m| m == label)
        };
        let closing = wanted("complete_appointment") || wanted("mark_no_show");
        while closing && now_ms() <= started_at + 1_000 {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        // Make the node seal a block after the start, so the dry-runs see it.
        fund(&self.admin, &[self.id(Newcomer)]).await;
        let n = self.grown;
        let last_page = |total: u32| total.saturating_sub(ehr::MAX_PAGE_SIZE);
        let patient = self.id(Patient);
        let doctor = self.id(Doctor);
        let granted = self.id(GrantedDoctor);
        let other = self.id(OtherDoctor);
        let window_start = self.window_start;
        let free_slot = window_start + (u64::from(n) + 1) * SLOT;
        let expires = now_ms() + 30 * DAY;
        let mut plan: Vec<(Arc<EhrClient>, &'static str, Vec<u8>)> = Vec::new();
        let mut add = |client: Arc<EhrClient>, data: Vec<u8>| {
            let label = label_of(&data);
            plan.push((client, label, data));
        };
        let admin = || Arc::clone(&self.admin);
        let a = |role| self.actor(role);
        // Roles.
        add(a(Newcomer), messages::admin().input_data().to_vec());
        add(
            admin(),
            messages::transfer_admin(patient).input_data().to_vec(),
        );
        add(a(Newcomer), messages::accept_admin().input_data().to_vec());
        add(
            admin(),
            messages::add_verifier(self.id(Newcomer))
                .input_data()
                .to_vec(),
        );
        add(
            admin(),
            messages::remove_verifier(self.id(Verifier))
                .input_data()
                .to_vec(),
        );
        add(
            a(Newcomer),
            messages::is_verifier(self.id(Verifier))
                .input_data()
                .to_vec(),
        );
        add(
            a(Newcomer),
            messages::verifier_count().input_data().to_vec(),
        );
        add(
            a(Newcomer),
            messages::register_patient([7; 32]).input_data().to_vec(),
        );
        add(
            a(Verifier),
            messages::verify_patient(self.id(UnverifiedPatient))
                .input_data()
                .to_vec(),
        );
        add(
            a(Verifier),
            messages::withdraw_patient_verification(patient)
                .input_data()
                .to_vec(),
        );
        add(
            a(Doctor),
            messages::replace_public_key([4; 32]).input_data().to_vec(),
        );
        add(
            a(Newcomer),
            messages::rotation_required(patient).input_data().to_vec(),
        );
        add(
            a(Newcomer),
            messages::patient(patient).input_data().to_vec(),
        );
        add(
            a(Newcomer),
            messages::patient_verification(patient)
                .input_data()
                .to_vec(),
        );
        add(a(Newcomer), messages::patient_count().input_data().to_vec());
        add(a(Newcomer), register_doctor_message().input_data().to_vec());
        add(
            a(Verifier),
            messages::verify_doctor(self.id(UnverifiedDoctor))
                .input_data()
                .to_vec(),
        );
        add(
            a(Verifier),
            messages::suspend_doctor(doctor).input_data().to_vec(),
        );
        add(a(Newcomer), messages::doctor(doctor).input_data().to_vec());
        add(a(Newcomer), messages::doctor_count().input_data().to_vec());
        add(
            a(Newcomer),
            messages::verified_doctor_count().input_data().to_vec(),
        );
        add(
            a(Newcomer),
            messages::get_all_doctors(Some("cardiology".into()), last_page(n + 5), 20)
                .input_data()
                .to_vec(),
        );
        add(
            a(Newcomer),
            messages::get_registered_doctors(last_page(n + 6), 20)
                .input_data()
                .to_vec(),
        );
        // Schedule.
        let beyond = window_start + (MAX_SCALE + 200) * SLOT;
        add(
            a(Doctor),
            messages::publish_availability(beyond, beyond + DAY)
                .input_data()
                .to_vec(),
        );
        add(
            a(Doctor),
            messages::withdraw_availability(window_start)
                .input_data()
                .to_vec(),
        );
        add(
            a(Newcomer),
            messages::get_availability(doctor).input_data().to_vec(),
        );
        add(
            a(Newcomer),
            messages::check_doctor_availability(doctor, free_slot)
                .input_data()
                .to_vec(),
        );
        add(
            a(Patient),
            messages::book_appointment(doctor, free_slot)
                .input_data()
                .to_vec(),
        );
        add(
            a(Patient),
            messages::cancel_appointment(self.future_appointment)
                .input_data()
                .to_vec(),
        );
        add(
            a(ClosingDoctor),
            messages::complete_appointment(started_id)
                .input_data()
                .to_vec(),
        );
        add(
            a(ClosingDoctor),
            messages::mark_no_show(started_id).input_data().to_vec(),
        );
        add(
            a(Patient),
            messages::appointment(self.future_appointment)
                .input_data()
                .to_vec(),
        );
        add(
            a(Doctor),
            messages::get_all_appointments(doctor, last_page(n + 1), 20)
                .input_data()
                .to_vec(),
        );
        // Consent.
        add(
            a(Patient),
            messages::grant_access(other, true, expires, vec![5; 80])
                .input_data()
                .to_vec(),
        );
        add(
            a(Patient),
            messages::revoke_access(granted).input_data().to_vec(),
        );
        add(
            a(Patient),
            messages::share_record_key(granted, 0, vec![5; 80])
                .input_data()
                .to_vec(),
        );
        add(
            a(Patient),
            messages::rotate_record_key().input_data().to_vec(),
        );
        add(
            a(Patient),
            messages::grant(patient, granted).input_data().to_vec(),
        );
        add(
            a(Patient),
            messages::get_grants(patient, last_page(n + 1), 20)
                .input_data()
                .to_vec(),
        );
        // Records.
        add(
            a(Patient),
            messages::upload_document(patient, vec![0xc1; 60], [0xa5; 32], vec![0x77; 72], None)
                .input_data()
                .to_vec(),
        );
        add(
            a(Patient),
            messages::mark_document_entered_in_error(patient, 0)
                .input_data()
                .to_vec(),
        );
        add(
            a(GrantedDoctor),
            messages::open_document(patient, 0).input_data().to_vec(),
        );
        add(
            a(Patient),
            messages::get_all_documents(patient, last_page(n + 1), 20)
                .input_data()
                .to_vec(),
        );
        // Emergency access.
        add(
            a(OtherDoctor),
            messages::open_emergency_access(patient, vec![3; ehr::MAX_SEALED_REASON_LEN])
                .input_data()
                .to_vec(),
        );
        add(
            a(Patient),
            messages::end_emergency_access(patient, emergency.account_id())
                .input_data()
                .to_vec(),
        );
        add(
            a(Patient),
            messages::emergency_access(patient, emergency.account_id())
                .input_data()
                .to_vec(),
        );
        add(
            a(Patient),
            messages::refuse_emergency_access(other)
                .input_data()
                .to_vec(),
        );
        add(
            a(Patient),
            messages::allow_emergency_access(self.id(UnverifiedDoctor))
                .input_data()
                .to_vec(),
        );
        add(
            a(Patient),
            messages::emergency_refusal(patient, self.id(UnverifiedDoctor))
                .input_data()
                .to_vec(),
        );
        add(
            admin(),
            messages::set_emergency_custodian(Some(ehr::EmergencyCustodian {
                account: self.id(Verifier),
                public_key: [9; 32],
            }))
            .input_data()
            .to_vec(),
        );
        add(
            a(Newcomer),
            messages::emergency_custodian().input_data().to_vec(),
        );
        add(
            a(Patient),
            messages::deposit_emergency_key(0, vec![6; 80])
                .input_data()
                .to_vec(),
        );
        add(
            a(Patient),
            messages::withdraw_emergency_key().input_data().to_vec(),
        );
        add(
            a(Custodian),
            messages::emergency_key(patient).input_data().to_vec(),
        );
        add(
            a(Custodian),
            messages::release_emergency_key(patient, emergency.account_id(), 0, vec![5; 80])
                .input_data()
                .to_vec(),
        );
        // Audit.
        add(
            a(Patient),
            messages::get_audit_trail(patient, last_page(4 * n + 9), 20)
                .input_data()
                .to_vec(),
        );
        let mut costs = Vec::new();
        for (client, label, data) in plan {
            if !wanted(label) {
                continue;
            }
            costs.push((label, dry_run(&client, label, data).await));
        }
        costs
    }
}

/// The message label whose selector starts `data`.
fn label_of(data: &[u8]) -> &'static str {
    messages::ALL_LABELS
        .iter()
        .find(|label| messages::selector(label) == data[..4])
        .expect("a selector of the contract")
}

fn register_doctor_message() -> Message<()> {
    messages::register_doctor(
        "Dr. Bench".into(),
        "Cardiology".into(),
        [1; 32],
        [2; 32],
        (SLOT / MS_PER_MINUTE) as u16,
    )
}

async fn register_doctor(doctor: &EhrClient) {
    doctor
        .submit(&register_doctor_message())
        .await
        .expect("registering a doctor works");
}

/// Dry-runs `data` as `client`; panics unless the message returns `Ok`.
async fn dry_run(client: &EhrClient, label: &str, data: Vec<u8>) -> Cost {
    let contract = client.contract().expect("attached").clone();
    let payload =
        node::apis()
            .contracts_api()
            .call(client.chain_account_id(), contract, 0, None, None, data);
    // The best block (subxt's `at_latest` is the finalized one, which lags on a dev node).
    let best = client
        .rpc()
        .chain_get_block_hash(None)
        .await
        .expect("the best block")
        .expect("a best block");
    let answer = client
        .api()
        .runtime_api()
        .at(best)
        .call(payload)
        .await
        .expect("the dry-run runs");
    let returned = answer
        .result
        .unwrap_or_else(|err| panic!("`{label}` failed: {err:?}"));
    // `Ok(Ok(_))`: the ink! and the message result.
    assert!(
        returned.data.starts_with(&[0, 0]) && returned.flags.bits & 1 == 0,
        "`{label}` returned an error: {:?}",
        ehr_client::decode_message_result::<()>(&returned.data).err()
    );
    use node::runtime_types::pallet_contracts::primitives::StorageDeposit;
    let deposit = match answer.storage_deposit {
        StorageDeposit::Charge(amount) => amount as i128,
        StorageDeposit::Refund(amount) => -(amount as i128),
    };
    Cost {
        ref_time: answer.gas_required.ref_time,
        proof_size: answer.gas_required.proof_size,
        deposit,
    }
}

/// Signs and submits a contract call without a dry-run, with a fixed gas limit and no deposit
/// limit, and waits for it.
async fn submit_raw(client: &EhrClient, data: Vec<u8>) -> ehr_client::Result<()> {
    let contract = client.contract().expect("attached").clone();
    let call = node::tx()
        .contracts()
        .call(MultiAddress::Id(contract), 0, GROWTH_GAS, None, data);
    client.sign_and_submit(&call).await.map(|_| ())
}

/// Submits `calls` from one signer, pipelined, in order.
async fn pipelined(client: &EhrClient, calls: Vec<Vec<u8>>) -> Vec<ehr_client::Result<()>> {
    stream::iter(calls)
        .map(|data| submit_raw(client, data))
        .buffered(IN_FLIGHT)
        .collect()
        .await
}

/// How many transactions ended in an error. Under pipelined load the dev node now and then
/// never reports a transaction it included (the client times out after 60 s); whether every
/// one landed is checked on chain afterwards (`Bench::check_grown`).
fn unreported_count(results: &[ehr_client::Result<()>]) -> u64 {
    results.iter().filter(|result| result.is_err()).count() as u64
}

/// Funds `accounts` from `funder`, pipelined; returns how many transfers went unreported.
async fn fund_unchecked(funder: &EhrClient, accounts: &[AccountId], amount: u128) -> u64 {
    unreported_count(&transfer_funds(funder, accounts, amount).await)
}

/// Transfers `amount` to each of `accounts` from `funder`, pipelined: each transfer's outcome.
async fn transfer_funds(
    funder: &EhrClient,
    accounts: &[AccountId],
    amount: u128,
) -> Vec<ehr_client::Result<()>> {
    stream::iter(accounts)
        .map(|account| {
            let transfer = node::tx()
                .balances()
                .transfer_keep_alive(MultiAddress::Id(to_chain_account(account)), amount);
            async move { funder.sign_and_submit(&transfer).await.map(|_| ()) }
        })
        .buffered(IN_FLIGHT)
        .collect()
        .await
}

/// How many succeeded; panics with the first failure.
fn check_all(what: &str, results: Vec<ehr_client::Result<()>>) -> u64 {
    if let Some(err) = results.iter().find_map(|result| result.as_ref().err()) {
        panic!("growing the state: {what} failed: {err}");
    }
    results.len() as u64
}

/// Funds `accounts` from `funder`, pipelined.
async fn fund(funder: &EhrClient, accounts: &[AccountId]) {
    check_all("transfers", transfer_funds(funder, accounts, FUNDS).await);
}

/// Reads the node's deposit prices and the weights an extrinsic adds to `gas_required`.
async fn chain_prices(client: &EhrClient) -> Chain {
    let (per_byte, per_item) = deposit_prices(client);
    let weights = client
        .api()
        .constants()
        .at(&node::constants().system().block_weights())
        .expect("BlockWeights");
    let base = weights.per_class.normal.base_extrinsic;
    // `Contracts::call`'s dispatch weight is its own weight plus the gas limit: ask with 0.
    let contract = client.contract().expect("attached").clone();
    let call = node::tx().contracts().call(
        MultiAddress::Id(contract),
        0,
        Weight {
            ref_time: 0,
            proof_size: 0,
        },
        None,
        messages::admin().input_data().to_vec(),
    );
    let signed = client
        .api()
        .tx()
        .create_signed(&call, &keypair(0xff, 0), Default::default())
        .await
        .expect("signing works");
    let extrinsic = signed.encoded().to_vec();
    let mut params = extrinsic.clone();
    (extrinsic.len() as u32).encode_to(&mut params);
    let answer = client
        .rpc()
        .state_call("TransactionPaymentApi_query_info", Some(&params), None)
        .await
        .expect("TransactionPaymentApi_query_info answers");
    #[derive(Decode)]
    struct DispatchInfo {
        #[codec(compact)]
        ref_time: u64,
        #[codec(compact)]
        proof_size: u64,
    }
    let info = DispatchInfo::decode(&mut &answer[..]).expect("RuntimeDispatchInfo decodes");
    Chain {
        per_byte,
        per_item,
        base_extrinsic: (base.ref_time, base.proof_size),
        call: (info.ref_time, info.proof_size),
    }
}

fn group(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn giga(value: u64) -> String {
    format!("{:.3}", value as f64 / 1e9)
}

fn ratio(values: &[u64]) -> String {
    let max = values.iter().max().copied().unwrap_or(0);
    let min = values.iter().min().copied().unwrap_or(0);
    if min == 0 {
        "–".into()
    } else {
        format!("{:.3}", max as f64 / min as f64)
    }
}

/// Which messages to measure.
struct Selection {
    /// Only these (`--messages a,b`: for trying a change).
    only: Option<Vec<String>>,
    /// Not these (`--skip a,b`: the smoke run skips `complete_appointment` and `mark_no_show`,
    /// which wait up to a slot, 5 minutes, for a booked appointment to start).
    skip: Vec<String>,
}

/// `--scales 0,20`, `--messages a,b` and `--skip a,b`.
fn arguments() -> (Vec<u32>, Selection) {
    let mut args = std::env::args().skip(1);
    let mut spec = None;
    let mut only = None;
    let mut skip = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--scales" => spec = args.next(),
            "--messages" => {
                only = args
                    .next()
                    .map(|list| list.split(',').map(str::to_string).collect())
            }
            "--skip" => {
                skip = args
                    .next()
                    .map(|list| list.split(',').map(str::to_string).collect())
                    .unwrap_or_default()
            }
            _ => {}
        }
    }
    let spec = spec.unwrap_or_else(|| "0,20".into());
    let mut scales: Vec<u32> = spec
        .split(',')
        .map(|s| {
            s.trim()
                .replace('_', "")
                .parse()
                .expect("--scales: numbers")
        })
        .collect();
    scales.sort_unstable();
    scales.dedup();
    assert!(
        scales.iter().all(|&s| u64::from(s) <= MAX_SCALE),
        "scales up to {MAX_SCALE}"
    );
    (scales, Selection { only, skip })
}

#[tokio::main]
async fn main() {
    ehr_e2e::log_from_env();
    let (scales, selection) = arguments();
    let began = Instant::now();
    let node = TestNode::start();
    let mut bench = Bench::new(&node.url()).await;
    let mut results: Vec<(u32, Vec<(&'static str, Cost)>)> = Vec::new();
    for &scale in &scales {
        bench.grow_to(scale).await;
        results.push((scale, bench.measure_all(&selection).await));
    }
    let measured: Vec<&str> = results[0].1.iter().map(|(name, _)| *name).collect();
    let mut missing: Vec<_> = messages::ALL_LABELS
        .iter()
        .filter(|label| !measured.contains(label))
        .collect();
    missing.sort();
    assert!(
        selection.only.is_some()
            || missing
                .iter()
                .all(|label| selection.skip.contains(&label.to_string())),
        "messages not measured: {missing:?}"
    );
    let chain = &bench.chain;
    let header: Vec<String> = scales
        .iter()
        .map(|s| format!("N={}", group(u64::from(*s))))
        .collect();
    let cost_of =
        |row: usize| -> Vec<Cost> { results.iter().map(|(_, costs)| costs[row].1).collect() };

    println!("### `gas_required` of each message (ref_time in 10⁹ / proof_size in bytes)\n");
    println!(
        "| message | {} | max/min ref_time | max/min proof_size |",
        header.join(" | ")
    );
    println!("|---|{}---:|---:|", "---:|".repeat(scales.len()));
    for (row, name) in measured.iter().enumerate() {
        let costs = cost_of(row);
        let cells: Vec<String> = costs
            .iter()
            .map(|c| format!("{} / {}", giga(c.ref_time), group(c.proof_size)))
            .collect();
        let refs: Vec<u64> = costs.iter().map(|c| c.ref_time).collect();
        let proofs: Vec<u64> = costs.iter().map(|c| c.proof_size).collect();
        println!(
            "| `{name}` | {} | {} | {} |",
            cells.join(" | "),
            ratio(&refs),
            ratio(&proofs)
        );
    }
    println!(
        "\n### Whole extrinsic and block capacity (largest N measured)\n\n\
         Extrinsic weight = the node's base extrinsic weight ({} / {} B) + `Contracts::call`'s own \
         weight ({} / {} B) + `gas_required`. Per block: by ref_time, 75 % of 2 s = {} ref_time; \
         by proof, a 5 MiB parachain budget. Deposit: what the call locks (negative: frees), \
         read as bytes and items at {} planck per byte and {} planck per item.\n",
        giga(chain.base_extrinsic.0),
        group(chain.base_extrinsic.1),
        giga(chain.call.0),
        group(chain.call.1),
        group(NORMAL_BLOCK_REF_TIME),
        group(chain.per_byte as u64),
        group(chain.per_item as u64),
    );
    println!("| message | extrinsic ref_time (10⁹) | extrinsic proof_size | per block by ref_time | per block by proof | deposit: bytes / items |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (row, name) in measured.iter().enumerate() {
        let cost = *cost_of(row).last().expect("a scale");
        let (ref_time, proof_size) = chain.extrinsic(&cost);
        let deposit = chain.deposit_cell(cost.deposit);
        println!(
            "| `{name}` | {} | {} | {} | {} | {deposit} |",
            giga(ref_time),
            group(proof_size),
            group(NORMAL_BLOCK_REF_TIME / ref_time),
            group(BLOCK_PROOF_SIZE / proof_size),
        );
    }
    print_goals(chain, &measured, &scales, &results);
    print_floor(&bench, &results).await;
    println!(
        "\n_{} transactions to grow the state, {:.0} s in all._",
        group(bench.transactions),
        began.elapsed().as_secs_f64()
    );
}

/// What any call costs on this node, from `contracts/floor` (`$EHR_FLOOR_BUNDLE`): its
/// cheapest query and write, and what one more cell read, one new cell and one event topic
/// add; beside them, `ehr`'s cheapest query and `book_appointment` at the smallest N.
async fn print_floor(bench: &Bench, results: &[(u32, Vec<(&'static str, Cost)>)]) {
    let Some(path) = std::env::var_os("EHR_FLOOR_BUNDLE") else {
        println!("\n_The floor: skipped (set `EHR_FLOOR_BUNDLE`; `scripts/bench.sh` does)._");
        return;
    };
    let floor_bundle = ehr_client::ContractBundle::load(&path).expect("the floor bundle loads");
    let ehr_bundle =
        ehr_client::ContractBundle::load(ehr_e2e::contract_bundle()).expect("the bundle loads");
    let mut floor = bench
        .admin
        .with_signer(ehr_client::dev_signer("//Alice").unwrap());
    floor
        .deploy(&floor_bundle)
        .await
        .expect("deploying the floor works");
    let call = |name: &'static str, argument: Option<u32>| {
        let floor = &floor;
        async move {
            let mut data = messages::selector(name).to_vec();
            if let Some(argument) = argument {
                argument.encode_to(&mut data);
            }
            dry_run(floor, name, data).await
        }
    };
    let read_root = call("read_root", None).await;
    let read_one = call("read_one_cell", None).await;
    let read_ten = call("read_ten_cells", None).await;
    let write_root = call("write_root", Some(7)).await;
    let insert = call("insert_cell", None).await;
    let topic = call("emit_topic", Some(7)).await;
    let less = |a: &Cost, b: &Cost, per: u64| Cost {
        ref_time: a.ref_time.saturating_sub(b.ref_time) / per,
        proof_size: a.proof_size.saturating_sub(b.proof_size) / per,
        deposit: (a.deposit - b.deposit) / i128::from(per),
    };
    let smallest = &results[0].1;
    let ehr = |label: &str| {
        smallest
            .iter()
            .find(|(name, _)| *name == label)
            .map(|(_, c)| *c)
    };
    let cheapest_query = smallest
        .iter()
        .filter(|(name, _)| messages::label_mutates(name) == Some(false))
        .min_by_key(|(_, cost)| cost.ref_time)
        .copied();
    println!("\n### The floor: what any call costs on this node\n");
    println!(
        "`contracts/floor` ({} B of code, against `ehr`'s {} B) has the smallest message of each \
         kind. Its figures are what any contract's message pays at least on \
         substrate-contracts-node 0.42.0; the differences price one more storage cell read, one \
         new cell written and one event topic.\n",
        group(floor_bundle.wasm.len() as u64),
        group(ehr_bundle.wasm.len() as u64),
    );
    println!("| what | ref_time (10⁹) | proof_size | deposit: bytes / items |");
    println!("|---|---:|---:|---:|");
    let mut rows: Vec<(String, Cost)> = [
        ("a query: `floor.read_root` (the root cell)", read_root),
        ("a write: `floor.write_root` (the root cell)", write_root),
        (
            "one more cell read (`read_one_cell` − `read_root`)",
            less(&read_one, &read_root, 1),
        ),
        (
            "one more cell read, from ten (`read_ten_cells` − `read_root`) / 10",
            less(&read_ten, &read_root, 10),
        ),
        (
            "one new cell (`insert_cell` − `write_root`)",
            less(&insert, &write_root, 1),
        ),
        (
            "one event with one topic (`emit_topic` − `write_root`)",
            less(&topic, &write_root, 1),
        ),
    ]
    .into_iter()
    .map(|(what, cost)| (what.to_string(), cost))
    .collect();
    if let Some((name, cost)) = cheapest_query {
        rows.push((format!("`ehr`'s cheapest query, `{name}`"), cost));
    }
    if let Some(cost) = ehr("book_appointment") {
        rows.push(("`ehr`'s `book_appointment`".into(), cost));
    }
    for (what, cost) in rows {
        let deposit = bench.chain.deposit_cell(cost.deposit);
        println!(
            "| {what} | {} | {} | {deposit} |",
            giga(cost.ref_time),
            group(cost.proof_size),
        );
    }
}

/// The cost goals (issue 15), each with the worst figure measured and whether it is met.
fn print_goals(
    chain: &Chain,
    measured: &[&str],
    scales: &[u32],
    results: &[(u32, Vec<(&'static str, Cost)>)],
) {
    const KIB: u64 = 1024;
    let row_of = |label: &str| {
        measured
            .iter()
            .position(|name| *name == label)
            .expect("measured")
    };
    let worst = |label: &str, figure: fn(&Cost) -> u64| -> u64 {
        let row = row_of(label);
        results
            .iter()
            .map(|(_, costs)| figure(&costs[row].1))
            .max()
            .unwrap_or(0)
    };
    let mark = |met: bool| if met { "met" } else { "**missed**" };
    let worst_of = |mutates: bool, figure: fn(&Cost) -> u64| -> (u64, &str) {
        measured
            .iter()
            .filter(|label| messages::label_mutates(label) == Some(mutates))
            .map(|label| (worst(label, figure), *label))
            .max()
            .unwrap_or((0, "–"))
    };
    println!("\n### Goals (worst figure over the measured N)\n");
    println!("| goal | measured | |");
    println!("|---|---:|---|");
    let book_ref = worst("book_appointment", |c| c.ref_time);
    let book_proof = worst("book_appointment", |c| c.proof_size);
    println!(
        "| `book_appointment` ref_time ≤ 1.2 × 10⁹ | {} × 10⁹ | {} |",
        giga(book_ref),
        mark(book_ref <= 1_200_000_000)
    );
    println!(
        "| `book_appointment` proof_size ≤ 128 KiB | {} B ({:.0} KiB) | {} |",
        group(book_proof),
        book_proof as f64 / KIB as f64,
        mark(book_proof <= 128 * KIB)
    );
    let book_row = row_of("book_appointment");
    let book_items = results
        .iter()
        .map(|(_, costs)| chain.bytes_and_items(costs[book_row].1.deposit).1)
        .max()
        .unwrap_or(0);
    println!(
        "| `book_appointment` new storage items ≤ 3 | {book_items} | {} |",
        mark(book_items <= 3)
    );
    let (tx_ref, tx_ref_label) = worst_of(true, |c| c.ref_time);
    let (tx_proof, tx_proof_label) = worst_of(true, |c| c.proof_size);
    let (query_ref, query_label) = worst_of(false, |c| c.ref_time);
    println!(
        "| every state-changing message ref_time ≤ 1.5 × 10⁹ | {} × 10⁹ (`{tx_ref_label}`) | {} |",
        giga(tx_ref),
        mark(tx_ref <= 1_500_000_000)
    );
    println!(
        "| every state-changing message proof_size ≤ 160 KiB | {} B (`{tx_proof_label}`) | {} |",
        group(tx_proof),
        mark(tx_proof <= 160 * KIB)
    );
    println!(
        "| every query ref_time ≤ 0.5 × 10⁹ | {} × 10⁹ (`{query_label}`) | {} |",
        giga(query_ref),
        mark(query_ref <= 500_000_000)
    );
    let over = |limit: u64, mutates: bool, figure: fn(&Cost) -> u64| -> Vec<String> {
        measured
            .iter()
            .filter(|label| messages::label_mutates(label) == Some(mutates))
            .filter(|label| worst(label, figure) > limit)
            .map(|label| format!("`{label}`"))
            .collect()
    };
    let late = over(1_500_000_000, true, |c| c.ref_time);
    if !late.is_empty() {
        println!(
            "\nState-changing messages over 1.5 × 10⁹ ref_time: {}.",
            late.join(", ")
        );
    }
    let queries = over(500_000_000, false, |c| c.ref_time);
    if !queries.is_empty() {
        println!("\nQueries over 0.5 × 10⁹ ref_time: {}.", queries.join(", "));
    }
    // Flatness: from the first N at which every page is full (N ≥ 20) on.
    let full: Vec<usize> = scales
        .iter()
        .enumerate()
        .filter(|(_, n)| **n >= ehr::MAX_PAGE_SIZE)
        .map(|(index, _)| index)
        .collect();
    if full.len() >= 2 {
        let spread = measured
            .iter()
            .enumerate()
            .map(|(row, _)| {
                let refs: Vec<u64> = full.iter().map(|i| results[*i].1[row].1.ref_time).collect();
                let max = *refs.iter().max().unwrap_or(&1);
                let min = *refs.iter().min().unwrap_or(&1).max(&1);
                max as f64 / min as f64
            })
            .fold(1.0f64, f64::max);
        println!(
            "\nFlat as the state grows: the largest max/min of any message's ref_time from N = {} \
             on is **{spread:.3}** (goal ≤ 1.05: {}).",
            group(u64::from(scales[full[0]])),
            mark(spread <= 1.05)
        );
    }
}
