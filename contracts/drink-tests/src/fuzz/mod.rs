//! A stateful fuzzer for the compiled `ehr` contract in drink's sandbox.
//!
//! A seeded [`Generator`](generate::Generator) drives random sequences of every state-changing
//! message from sixteen actors (an admin, two verifiers, a custodian, six doctors in every state,
//! four patients, a doctor who is also a patient, two strangers) while the clock moves in random
//! steps that land on slot, grant-expiry, emergency and cool-down boundaries. A plain-Rust
//! [`Model`] predicts each call's outcome; after every call the harness checks:
//!
//! 1. **The outcome is the model's**: the same value or the same `Error` variant; the call did not
//!    trap; a success emits the predicted number of events and appends exactly the predicted audit
//!    entry (read back from the contract), so the trail only grows, one entry per change.
//! 2. **A refused call changes nothing**: it reverted, emitted no event, and the whole sandbox's
//!    storage root is the one before the call.
//! 3. **No double booking**: a booked appointment's doctor and slot, read back from the contract,
//!    are held by no other appointment the contract still reports as booked.
//! 4. **`open_document` by a doctor only with live access**: the contract's own `grant` or
//!    `emergency_access` for that doctor is live, and the doctor is verified.
//! 5. **No key to a suspended doctor**: after `grant_access`, `share_record_key` and
//!    `release_emergency_key`, the contract reports the doctor as verified.
//! 6. **Nothing under a key held by someone who lost access**: after `upload_document`,
//!    `share_record_key`, `grant_access` and `deposit_emergency_key`, no holder of the patient's
//!    current key (tracked by the model from who was handed it, independently of the contract's
//!    bookkeeping) has lost the access it held the key for.
//!
//! Every `sweep_every` calls (and at the end) a sweep compares the contract's queries with the
//! model: counters against stored items (patients, doctors, verified doctors by specialty,
//! verifiers), every actor's patient and doctor record, windows, grants, deposits, refusals,
//! emergency accesses, audit, document and appointment totals.
//!
//! A failing sequence is shrunk (chunks removed while the same violation still occurs) and
//! printed as a ready-to-paste regression test.

pub mod action;
pub mod generate;
pub mod model;

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    fmt,
    time::{Duration, Instant},
};

use drink::{
    minimal::{MinimalSandbox, RuntimeEvent},
    pallet_contracts::Determinism,
    sandbox_api::prelude::{BalanceAPI, ContractAPI, SystemAPI, TimestampAPI},
    session::{ContractBundle, Session, NO_ARGS, NO_ENDOWMENT, NO_SALT},
    AccountId32, Sandbox,
};
use ehr::{
    Appointment, AppointmentId, AppointmentStatus, AuditEntry, AvailabilityWindow, Doctor,
    Document, EmergencyAccess, EmergencyCustodian, EmergencyKey, Error, GrantEntry, Page, Patient,
    Timestamp, MS_PER_MINUTE,
};
use ink::{
    primitives::AccountId,
    scale::{Decode, Encode},
};
use rand::{rngs::StdRng, SeedableRng};

use crate::call_data;
pub use action::{Action, Actor, Label, MESSAGES};
use generate::Generator;
pub use model::Model;
use model::{DocumentView, Prediction, Returned};

/// Actors 0..16: 0 deploys (the first admin).
pub const ACTOR_COUNT: Actor = 16;
pub const VERIFIERS: [Actor; 2] = [1, 2];
pub const CUSTODIAN: Actor = 3;
/// Four verified with windows, one pending, one suspended (see [`generate::genesis`]).
pub const DOCTORS: [Actor; 6] = [4, 5, 6, 7, 8, 9];
pub const PATIENTS: [Actor; 4] = [10, 11, 12, 13];
pub const STRANGERS: [Actor; 2] = [14, 15];

/// Deployment time: a day and slot boundary in 2024.
pub const GENESIS_TIME: Timestamp = 19_800 * 24 * 60 * MS_PER_MINUTE;
/// Calls after a commit of the sandbox's change overlay during which refusals get the storage
/// root check (see [`Checks::flush_every`]).
const ROOT_CHECK_WINDOW: u64 = 256;
const FUNDS: u128 = 1_000_000_000_000_000_000_000;

/// The account of `actor`.
pub fn account(actor: Actor) -> AccountId32 {
    if actor == 0 {
        MinimalSandbox::default_actor()
    } else {
        AccountId32::new([0x40 + actor; 32])
    }
}

fn ink_account(actor: Actor) -> AccountId {
    AccountId::from(<[u8; 32]>::from(account(actor)))
}

/// The actor of an account the contract returned (`None` for an account no actor has).
fn actor_of(account: &AccountId) -> Option<Actor> {
    (0..ACTOR_COUNT).find(|&actor| ink_account(actor) == *account)
}

/// A broken rule: which call, doing what, and what was wrong.
#[derive(Debug, Clone)]
pub struct Violation {
    /// Index of the call in the sequence.
    pub at: usize,
    pub action: Action,
    /// The rule, e.g. "model mismatch" or "double booking".
    pub rule: &'static str,
    pub detail: String,
}

impl Violation {
    /// What identifies "the same violation" while shrinking.
    fn signature(&self) -> (Option<&'static str>, &'static str) {
        (self.action.message(), self.rule)
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "call {} ({:?}): {}: {}",
            self.at, self.action, self.rule, self.detail
        )
    }
}

/// How often each message succeeded and was refused (by error).
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub calls: u64,
    pub time_steps: u64,
    pub queries: u64,
    pub sweeps: u64,
    /// Refusals whose storage root was compared before and after.
    pub roots_compared: u64,
    pub succeeded: BTreeMap<&'static str, u64>,
    pub refused: BTreeMap<&'static str, BTreeMap<String, u64>>,
}

impl Stats {
    pub fn merge(&mut self, other: &Stats) {
        self.calls += other.calls;
        self.time_steps += other.time_steps;
        self.queries += other.queries;
        self.sweeps += other.sweeps;
        self.roots_compared += other.roots_compared;
        for (message, count) in &other.succeeded {
            *self.succeeded.entry(message).or_default() += count;
        }
        for (message, errors) in &other.refused {
            let mine = self.refused.entry(message).or_default();
            for (error, count) in errors {
                *mine.entry(error.clone()).or_default() += count;
            }
        }
    }
}

/// What the harness checks beside the rules that always hold.
#[derive(Debug, Clone, Copy)]
pub struct Checks {
    /// A full model-against-contract sweep every this many calls (and at the end).
    pub sweep_every: u64,
    /// Whether a refusal must carry the model's exact error. Off, only success against
    /// refusal is compared (and every other rule still holds): the mutation check uses it to
    /// count the calls until a removed guard lets a forbidden call *succeed*, not merely
    /// changes which error a refused call returns.
    pub exact_errors: bool,
    /// Calls between commits of the sandbox's change overlay. The storage root is compared
    /// before and after every refusal in the [`ROOT_CHECK_WINDOW`] calls after a commit (while
    /// the overlay is short and the root cheap); every refusal is still checked for the revert
    /// flag and for events. A commit copies the whole sandbox state, so a long run commits
    /// less often: at 256 every refusal gets the root check, at 8,192 one in 32.
    pub flush_every: u64,
}

/// How a run is driven.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    pub seed: u64,
    /// Contract calls to make (the passing of time is not counted).
    pub calls: u64,
    pub checks: Checks,
    /// Time allowed for shrinking a failing sequence.
    pub shrink_for: Duration,
    /// Print calls and calls/s to stderr every this many calls.
    pub progress_every: Option<u64>,
}

impl Config {
    pub fn new(seed: u64, calls: u64) -> Self {
        Config {
            seed,
            calls,
            checks: Checks {
                sweep_every: 500,
                exact_errors: true,
                flush_every: ROOT_CHECK_WINDOW,
            },
            progress_every: None,
            shrink_for: Duration::from_secs(300),
        }
    }
}

/// A failing sequence, shrunk.
#[derive(Debug, Clone)]
pub struct Failure {
    pub seed: u64,
    /// Contract calls made before the violation was found.
    pub calls_to_find: u64,
    pub violation: Violation,
    /// The shortest failing sequence found, starting from a fresh deployment.
    pub shrunk: Vec<Action>,
    pub shrunk_violation: Violation,
}

impl Failure {
    /// A ready-to-paste regression test for `tests/ehr/fuzz.rs`.
    pub fn regression_test(&self, name: &str) -> String {
        let mut steps = String::new();
        for action in &self.shrunk {
            steps.push_str(&format!("            {action:?},\n"));
        }
        let uses_labels = self
            .shrunk
            .iter()
            .any(|action| matches!(action, Action::RegisterDoctor { .. }));
        let imports = if uses_labels {
            "{Action::*, Label::*}"
        } else {
            "Action::*"
        };
        format!(
            "/// Found by the fuzzer (seed {seed}, after {calls} calls): {rule}.\n\
             /// {detail}\n\
             #[test]\n\
             fn {name}() {{\n    \
                 use ehr_drink_tests::fuzz::{imports};\n    \
                 ehr_drink_tests::fuzz::assert_holds(\n        \
                     bundle(),\n        \
                     &[\n{steps}        ],\n    \
                 );\n\
             }}\n",
            seed = self.seed,
            calls = self.calls_to_find,
            rule = self.shrunk_violation.rule,
            detail = self.shrunk_violation.detail.replace('\n', " "),
        )
    }
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Report {
    pub stats: Stats,
    pub elapsed: Duration,
    pub failure: Option<Failure>,
}

/// The contract in a sandbox, the model beside it, and what the harness has read back.
pub struct Harness {
    sandbox: MinimalSandbox,
    contract: AccountId32,
    pub model: Model,
    pub stats: Stats,
    /// (doctor, slot) → the appointment the contract said holds it, from its own answers.
    booked_by_contract: HashMap<(Actor, Timestamp), AppointmentId>,
    /// Audit totals read at the last sweep (the trail only grows).
    audit_seen: BTreeMap<Actor, u32>,
    checks: Checks,
    calls_since_sweep: u64,
    calls_since_flush: u64,
}

type Checked<T = ()> = Result<T, (&'static str, String)>;

impl Harness {
    /// Deploys `bundle` at [`GENESIS_TIME`] and funds every actor.
    pub fn deploy(bundle: ContractBundle, checks: Checks) -> Self {
        let mut session = Session::<MinimalSandbox>::default();
        session.sandbox().set_timestamp(GENESIS_TIME);
        for actor in 0..ACTOR_COUNT {
            session
                .sandbox()
                .mint_into(&account(actor), FUNDS)
                .expect("minting works");
        }
        session.set_actor(account(0));
        session
            .deploy_bundle(bundle, "new", NO_ARGS, NO_SALT, NO_ENDOWMENT)
            .expect("deploying works");
        let contract = session.record().last_deploy_return().clone();
        let sandbox = std::mem::take(session.sandbox());
        Harness {
            sandbox,
            contract,
            model: Model::new(0, GENESIS_TIME),
            stats: Stats::default(),
            booked_by_contract: HashMap::new(),
            audit_seen: BTreeMap::new(),
            checks,
            calls_since_sweep: 0,
            calls_since_flush: 0,
        }
    }

    fn raw_call(&mut self, caller: Actor, data: Vec<u8>) -> Checked<(bool, Vec<u8>)> {
        let result = self.sandbox.call_contract(
            self.contract.clone(),
            0,
            data,
            account(caller),
            MinimalSandbox::default_gas_limit(),
            None,
            Determinism::Enforced,
        );
        match result.result {
            Ok(returned) => Ok((returned.did_revert(), returned.data)),
            Err(error) => Err((
                "trap",
                format!("the call failed outside the contract: {error:?}"),
            )),
        }
    }

    /// A query (or any call whose typed result is wanted), as `caller`.
    fn query<T: Decode>(
        &mut self,
        caller: Actor,
        message: &str,
        args: impl Encode,
    ) -> Checked<Result<T, Error>> {
        self.stats.queries += 1;
        let (_, data) = self.raw_call(caller, call_data(message, args))?;
        decode::<T>(message, &data)
    }

    fn storage_root(&mut self) -> Vec<u8> {
        self.sandbox.execute_with(|| {
            sp_io::storage::root(drink::frame_support::sp_runtime::StateVersion::V1)
        })
    }

    fn contract_events(&mut self) -> usize {
        self.sandbox
            .events()
            .iter()
            .filter(|record| {
                matches!(
                    record.event,
                    RuntimeEvent::Contracts(drink::pallet_contracts::Event::ContractEmitted { .. })
                )
            })
            .count()
    }

    /// Runs one action against the contract and the model, and checks every rule.
    pub fn step(&mut self, at: usize, action: &Action) -> Result<(), Violation> {
        let violation = |(rule, detail): (&'static str, String)| Violation {
            at,
            action: *action,
            rule,
            detail,
        };
        let Some(caller) = action.caller() else {
            self.model.apply(action);
            self.sandbox.set_timestamp(self.model.now);
            self.stats.time_steps += 1;
            return Ok(());
        };
        self.stats.calls += 1;
        let data = action
            .call_data(ink_account)
            .expect("every message has call data");
        self.sandbox.reset_events();
        let prediction = self.model.apply(action);
        let check_root = prediction.outcome.is_err() && self.calls_since_flush < ROOT_CHECK_WINDOW;
        let root_before = check_root.then(|| self.storage_root());
        let (reverted, output) = self.raw_call(caller, data).map_err(violation)?;
        let message = action.message().expect("a message");
        let outcome = decode_outcome(action, &output).map_err(violation)?;
        match &outcome {
            Ok(_) => *self.stats.succeeded.entry(message).or_default() += 1,
            Err(error) => {
                *self
                    .stats
                    .refused
                    .entry(message)
                    .or_default()
                    .entry(format!("{error:?}"))
                    .or_default() += 1
            }
        }
        let agrees = match (&outcome, &prediction.outcome) {
            (Err(_), Err(_)) if !self.checks.exact_errors => true,
            (read, predicted) => read == predicted,
        };
        if !agrees {
            return Err(violation((
                "model mismatch",
                format!(
                    "the contract returned {outcome:?}, the model predicted {:?}",
                    prediction.outcome
                ),
            )));
        }
        let events = self.contract_events();
        if outcome.is_err() {
            if !reverted {
                return Err(violation((
                    "refusal not reverted",
                    "an `Err` was returned without the revert flag".into(),
                )));
            }
            if events != 0 {
                return Err(violation((
                    "refusal emitted",
                    format!("a refused call emitted {events} events"),
                )));
            }
            if let Some(before) = root_before {
                self.stats.roots_compared += 1;
                if before != self.storage_root() {
                    return Err(violation((
                        "refusal changed storage",
                        "the storage root moved".into(),
                    )));
                }
            }
        } else {
            if reverted {
                return Err(violation((
                    "success reverted",
                    "`Ok` with the revert flag".into(),
                )));
            }
            if events != prediction.events {
                return Err(violation((
                    "events",
                    format!("{events} events, the model predicted {}", prediction.events),
                )));
            }
            self.check_audit(&prediction).map_err(violation)?;
            self.check_invariants(action, &outcome).map_err(violation)?;
        }
        self.calls_since_sweep += 1;
        if self.calls_since_sweep >= self.checks.sweep_every {
            self.sweep().map_err(violation)?;
        }
        self.calls_since_flush += 1;
        if self.calls_since_flush >= self.checks.flush_every {
            self.calls_since_flush = 0;
            // A dry run of nothing commits the sandbox's overlay into its backend, so the storage
            // root of the next refusal is computed over a short list of changes, not all of them.
            self.sandbox.dry_run(|_| ());
        }
        Ok(())
    }

    /// The audit entry the model predicted is the patient's last, and the total matches.
    fn check_audit(&mut self, prediction: &Prediction) -> Checked {
        let Some((patient, actor, action)) = prediction.audit else {
            return Ok(());
        };
        let expected_total = self.model.audit.get(&patient).map_or(0, Vec::len) as u32;
        let page: Page<AuditEntry> = self
            .query(
                patient,
                "get_audit_trail",
                (ink_account(patient), expected_total.saturating_sub(1), 1u32),
            )?
            .map_err(|error| ("audit", format!("get_audit_trail refused: {error:?}")))?;
        let last = page.items.last();
        let matches = page.total == expected_total
            && last.is_some_and(|entry| {
                entry.actor == ink_account(actor)
                    && entry.action == action
                    && entry.at == self.model.now
            });
        if !matches {
            return Err((
                "audit",
                format!(
                    "expected entry {expected_total} = {action:?} by actor {actor}, read {} entries ending {last:?}",
                    page.total
                ),
            ));
        }
        Ok(())
    }

    /// The invariants that read the contract's own answers (see the module docs).
    fn check_invariants(&mut self, action: &Action, outcome: &Result<Returned, Error>) -> Checked {
        use Action::*;
        let now = self.model.now;
        match *action {
            BookAppointment { caller, .. } => {
                let Ok(Returned::Number(id)) = outcome else {
                    return Ok(());
                };
                let booked = self.appointment(caller, *id)?;
                let doctor =
                    actor_of(&booked.doctor).ok_or(("double booking", "unknown doctor".into()))?;
                if let Some(&other) = self.booked_by_contract.get(&(doctor, booked.start)) {
                    let holder = self.appointment(doctor, other)?;
                    if holder.status == AppointmentStatus::Booked {
                        return Err((
                            "double booking",
                            format!(
                                "appointments {other} and {id} both hold doctor {doctor}'s slot at {}",
                                booked.start
                            ),
                        ));
                    }
                }
                self.booked_by_contract.insert((doctor, booked.start), *id);
            }
            CancelAppointment { caller, id }
            | CompleteAppointment { caller, id }
            | MarkNoShow { caller, id } => {
                let closed = self.appointment(caller, id)?;
                if closed.status == AppointmentStatus::Booked {
                    return Err((
                        "appointment status",
                        format!("appointment {id} is still booked"),
                    ));
                }
                let doctor = actor_of(&closed.doctor).unwrap_or(u8::MAX);
                if self.booked_by_contract.get(&(doctor, closed.start)) == Some(&id) {
                    self.booked_by_contract.remove(&(doctor, closed.start));
                }
            }
            OpenDocument {
                caller, patient, ..
            } if caller != patient => {
                let doctor: Doctor =
                    self.query(caller, "doctor", ink_account(caller))?
                        .map_err(|error| {
                            (
                                "open without access",
                                format!("reader is no doctor: {error:?}"),
                            )
                        })?;
                let grant = self.query::<ehr::Grant>(
                    caller,
                    "grant",
                    (ink_account(patient), ink_account(caller)),
                )?;
                let emergency = self.query::<EmergencyAccess>(
                    caller,
                    "emergency_access",
                    (ink_account(patient), ink_account(caller)),
                )?;
                let live_grant = grant.as_ref().is_ok_and(|grant| grant.is_live(now));
                let live_emergency = emergency.as_ref().is_ok_and(|access| access.is_live(now));
                if doctor.status != ehr::DoctorStatus::Verified || !(live_grant || live_emergency) {
                    return Err((
                        "open without access",
                        format!(
                            "doctor {caller} ({:?}) opened patient {patient}'s document with grant {grant:?} and emergency {emergency:?}",
                            doctor.status
                        ),
                    ));
                }
            }
            _ => {}
        }
        let key_to = match *action {
            GrantAccess { doctor, .. }
            | ShareRecordKey { doctor, .. }
            | ReleaseEmergencyKey { doctor, .. } => Some(doctor),
            _ => None,
        };
        if let Some(doctor) = key_to {
            let record: Result<Doctor, Error> =
                self.query(doctor, "doctor", ink_account(doctor))?;
            if !record
                .as_ref()
                .is_ok_and(|record| record.status == ehr::DoctorStatus::Verified)
            {
                return Err((
                    "key to a doctor not verified",
                    format!("doctor {doctor} received a record key: {record:?}"),
                ));
            }
        }
        let under_current_key = match *action {
            UploadDocument { patient, .. } => Some(patient),
            GrantAccess { caller, .. }
            | ShareRecordKey { caller, .. }
            | DepositEmergencyKey { caller, .. } => Some(caller),
            _ => None,
        };
        if let Some(patient) = under_current_key {
            let lost = self.model.holders_who_lost_access(patient);
            if !lost.is_empty() {
                return Err((
                    "key held after access lost",
                    format!(
                        "patient {patient}'s current key is held by doctors {lost:?}, whose access ended, yet {} succeeded",
                        action.message().unwrap_or_default()
                    ),
                ));
            }
        }
        Ok(())
    }

    fn appointment(&mut self, caller: Actor, id: AppointmentId) -> Checked<Appointment> {
        self.query::<Appointment>(caller, "appointment", id)?
            .map_err(|error| {
                (
                    "appointment",
                    format!("appointment {id} unreadable: {error:?}"),
                )
            })
    }

    /// Compares the contract's queries with the model (see the module docs).
    pub fn sweep(&mut self) -> Checked {
        self.calls_since_sweep = 0;
        self.stats.sweeps += 1;
        // The queries need `&mut self`: lend the model out rather than copy it.
        let model = std::mem::take(&mut self.model);
        let checked = self.sweep_against(&model);
        self.model = model;
        checked
    }

    fn sweep_against(&mut self, model: &Model) -> Checked {
        let mismatch = |what: String| ("sweep", what);
        macro_rules! expect_eq {
            ($read:expr, $model:expr, $($what:tt)*) => {{
                let read = $read;
                let model = $model;
                if read != model {
                    return Err(mismatch(format!("{}: contract {:?}, model {:?}", format!($($what)*), read, model)));
                }
            }};
        }
        let counted: u32 = self.query(0, "patient_count", ())?.unwrap_or(u32::MAX);
        expect_eq!(counted, model.patients.len() as u32, "patient_count");
        let counted: u32 = self.query(0, "doctor_count", ())?.unwrap_or(u32::MAX);
        expect_eq!(counted, model.doctors.len() as u32, "doctor_count");
        let verified = model.verified_doctors();
        let counted: u32 = self
            .query(0, "verified_doctor_count", ())?
            .unwrap_or(u32::MAX);
        expect_eq!(counted, verified.len() as u32, "verified_doctor_count");
        let counted: u32 = self.query(0, "verifier_count", ())?.unwrap_or(u32::MAX);
        expect_eq!(counted, model.verifiers.len() as u32, "verifier_count");
        let admin: Result<AccountId, Error> = self.query(0, "admin", ())?;
        expect_eq!(admin, Ok(ink_account(model.admin)), "admin");
        let custodian: Result<EmergencyCustodian, Error> =
            self.query(0, "emergency_custodian", ())?;
        expect_eq!(
            custodian.map(|custodian| custodian.account),
            model
                .custodian
                .map(ink_account)
                .ok_or(Error::EmergencyCustodianNotSet),
            "emergency_custodian"
        );
        // Listings: every verified doctor once, per specialty too, registration order kept.
        let listed: Page<(AccountId, Doctor)> = self
            .query(0, "get_all_doctors", (None::<String>, 0u32, 20u32))?
            .unwrap_or(Page {
                items: vec![],
                total: u32::MAX,
            });
        expect_eq!(listed.total, verified.len() as u32, "get_all_doctors total");
        expect_eq!(
            listed.items.len() as u32,
            listed.total,
            "verified doctors stored against counted"
        );
        let listed: BTreeSet<Option<Actor>> = listed
            .items
            .iter()
            .map(|(account, _)| actor_of(account))
            .collect();
        expect_eq!(
            listed,
            verified
                .iter()
                .map(|&actor| Some(actor))
                .collect::<BTreeSet<_>>(),
            "verified doctors listed"
        );
        let mut by_specialty: BTreeMap<String, BTreeSet<Actor>> = BTreeMap::new();
        for &doctor in &verified {
            by_specialty
                .entry(model.doctors[&doctor].specialty.clone())
                .or_default()
                .insert(doctor);
        }
        for (specialty, doctors) in &by_specialty {
            let listed: Page<(AccountId, Doctor)> = self
                .query(0, "get_all_doctors", (Some(specialty.clone()), 0u32, 20u32))?
                .unwrap_or(Page {
                    items: vec![],
                    total: u32::MAX,
                });
            let listed: BTreeSet<Actor> = listed
                .items
                .iter()
                .filter_map(|(account, _)| actor_of(account))
                .collect();
            expect_eq!(&listed, doctors, "doctors listed under {specialty:?}");
        }
        let registered: Page<(AccountId, Doctor)> = self
            .query(0, "get_registered_doctors", (0u32, 20u32))?
            .unwrap_or(Page {
                items: vec![],
                total: u32::MAX,
            });
        expect_eq!(
            registered.items.len() as u32,
            registered.total,
            "doctors stored against counted"
        );
        expect_eq!(
            registered
                .items
                .iter()
                .map(|(account, _)| actor_of(account))
                .collect::<Vec<_>>(),
            model
                .doctor_order
                .iter()
                .map(|&actor| Some(actor))
                .collect::<Vec<_>>(),
            "get_registered_doctors"
        );
        for actor in 0..ACTOR_COUNT {
            let id = ink_account(actor);
            let is_verifier: Result<bool, Error> = self.query(actor, "is_verifier", id)?;
            expect_eq!(
                is_verifier,
                Ok(model.verifiers.contains(&actor)),
                "is_verifier({actor})"
            );
            // Patient record and key bookkeeping.
            let patient: Result<Patient, Error> = self.query(actor, "patient", id)?;
            let expected = model.patients.get(&actor).map(|record| Patient {
                public_key: record.public_key,
                registered_at: record.registered_at,
                verified_by: record.verified_by.map(ink_account),
                verified_at: record.verified_at,
                key_epoch: record.key_epoch,
                key_epoch_expires_at: record.key_epoch_expires_at,
                key_shared_at_invalidation: record.key_shared_at_invalidation,
            });
            expect_eq!(
                patient,
                expected.ok_or(Error::PatientNotRegistered),
                "patient({actor})"
            );
            let rotation: Result<bool, Error> = self.query(actor, "rotation_required", id)?;
            expect_eq!(
                rotation,
                model
                    .rotation_required(actor)
                    .ok_or(Error::PatientNotRegistered),
                "rotation_required({actor})"
            );
            // Doctor record and windows.
            let doctor: Result<Doctor, Error> = self.query(actor, "doctor", id)?;
            let doctor = doctor.map(|doctor| {
                (
                    doctor.status,
                    doctor.slot_minutes,
                    doctor.public_key,
                    doctor.status_changed_by.map(|by| actor_of(&by)),
                )
            });
            let expected = model.doctors.get(&actor).map(|record| {
                let status = match record.status {
                    model::DoctorStatus::Pending => ehr::DoctorStatus::Pending,
                    model::DoctorStatus::Verified => ehr::DoctorStatus::Verified,
                    model::DoctorStatus::Suspended => ehr::DoctorStatus::Suspended,
                };
                (
                    status,
                    record.slot_minutes,
                    record.public_key,
                    record.status_changed_by.map(Some),
                )
            });
            expect_eq!(
                doctor,
                expected.ok_or(Error::DoctorNotRegistered),
                "doctor({actor})"
            );
            if model.doctors.contains_key(&actor) {
                let windows: Result<Vec<AvailabilityWindow>, Error> =
                    self.query(actor, "get_availability", id)?;
                let windows = windows.map(|windows| {
                    windows
                        .iter()
                        .map(|window| (window.start, window.end))
                        .collect::<Vec<_>>()
                });
                expect_eq!(
                    windows,
                    Ok(model.availability.get(&actor).cloned().unwrap_or_default()),
                    "get_availability({actor})"
                );
            }
            // Audit: the total matches the model and never shrinks.
            let audit: Page<AuditEntry> =
                self.query(actor, "get_audit_trail", (id, 0u32, 0u32))?
                    .map_err(|error| mismatch(format!("get_audit_trail({actor}): {error:?}")))?;
            expect_eq!(
                audit.total as usize,
                model.audit.get(&actor).map_or(0, Vec::len),
                "audit total of {actor}"
            );
            let seen = self.audit_seen.entry(actor).or_default();
            if audit.total < *seen {
                return Err((
                    "audit shrank",
                    format!("actor {actor}'s trail went from {seen} to {}", audit.total),
                ));
            }
            *seen = audit.total;
            // Emergency key deposit.
            let deposit: Result<EmergencyKey, Error> = self.query(actor, "emergency_key", id)?;
            expect_eq!(
                deposit.map(|deposit| (actor_of(&deposit.custodian), deposit.key_epoch)),
                model
                    .deposits
                    .get(&actor)
                    .map(|deposit| (Some(deposit.custodian), deposit.key_epoch))
                    .ok_or(Error::EmergencyKeyNotDeposited),
                "emergency_key({actor})"
            );
            // Grants (at most one per doctor: one page).
            let grants: Page<GrantEntry> = self
                .query(actor, "get_grants", (id, 0u32, 20u32))?
                .map_err(|error| mismatch(format!("get_grants({actor}): {error:?}")))?;
            let read: BTreeMap<Option<Actor>, (bool, Timestamp, Option<Timestamp>, u32)> = grants
                .items
                .iter()
                .map(|entry| {
                    let grant = &entry.grant;
                    (
                        actor_of(&entry.doctor),
                        (
                            grant.write,
                            grant.expires_at,
                            grant.revoked_at,
                            grant.key_epoch,
                        ),
                    )
                })
                .collect();
            let expected: BTreeMap<Option<Actor>, (bool, Timestamp, Option<Timestamp>, u32)> =
                model
                    .grants
                    .iter()
                    .filter(|((patient, _), _)| *patient == actor)
                    .map(|((_, doctor), grant)| {
                        (
                            Some(*doctor),
                            (
                                grant.write,
                                grant.expires_at,
                                grant.revoked_at,
                                grant.key_epoch,
                            ),
                        )
                    })
                    .collect();
            let granted = expected.len();
            expect_eq!(
                grants.items.len() as u32,
                grants.total,
                "grants of {actor} stored against counted"
            );
            expect_eq!(read, expected, "get_grants({actor})");
            expect_eq!(grants.total as usize, granted, "grantee count of {actor}");
            // Documents: the total, and the newest page in full.
            if let Some(documents) = model.documents.get(&actor) {
                let total = documents.len() as u32;
                let from = total.saturating_sub(20);
                let page: Page<Document> = self
                    .query(actor, "get_all_documents", (id, from, 20u32))?
                    .map_err(|error| mismatch(format!("get_all_documents({actor}): {error:?}")))?;
                expect_eq!(page.total, total, "document count of {actor}");
                let read: Vec<DocumentView> = page.items.iter().map(view_of).collect();
                expect_eq!(
                    read,
                    documents[from as usize..].to_vec(),
                    "documents of {actor}"
                );
            }
            // Appointments: the total, and the newest page's statuses.
            let mine: Vec<(AppointmentId, AppointmentStatus, Timestamp)> = model
                .appointments
                .iter()
                .enumerate()
                .filter(|(_, appointment)| {
                    appointment.patient == actor || appointment.doctor == actor
                })
                .map(|(id, appointment)| {
                    (id as AppointmentId, appointment.status, appointment.start)
                })
                .collect();
            let total = mine.len() as u32;
            let from = total.saturating_sub(20);
            let page: Page<Appointment> = self
                .query(actor, "get_all_appointments", (id, from, 20u32))?
                .map_err(|error| mismatch(format!("get_all_appointments({actor}): {error:?}")))?;
            expect_eq!(page.total, total, "appointment count of {actor}");
            let read: Vec<(AppointmentId, AppointmentStatus, Timestamp)> = page
                .items
                .iter()
                .map(|appointment| (appointment.id, appointment.status, appointment.start))
                .collect();
            expect_eq!(
                read,
                mine[from as usize..].to_vec(),
                "appointments of {actor}"
            );
        }
        for (&(patient, doctor), access) in &model.emergency {
            let read: Result<EmergencyAccess, Error> = self.query(
                patient,
                "emergency_access",
                (ink_account(patient), ink_account(doctor)),
            )?;
            expect_eq!(
                read.map(|read| (
                    read.opened_at,
                    read.expires_at,
                    read.ended_at,
                    read.released_key_epoch
                )),
                Ok((
                    access.opened_at,
                    access.expires_at,
                    access.ended_at,
                    access.released_key_epoch
                )),
                "emergency_access({patient}, {doctor})"
            );
        }
        for (&(patient, doctor), &at) in &model.refusals {
            let read: Result<Option<Timestamp>, Error> = self.query(
                patient,
                "emergency_refusal",
                (ink_account(patient), ink_account(doctor)),
            )?;
            expect_eq!(read, Ok(Some(at)), "emergency_refusal({patient}, {doctor})");
        }
        Ok(())
    }
}

fn decode<T: Decode>(message: &str, data: &[u8]) -> Checked<Result<T, Error>> {
    match <ink::MessageResult<Result<T, Error>>>::decode(&mut &data[..]) {
        Ok(Ok(result)) => Ok(result),
        Ok(Err(lang_error)) => Err(("trap", format!("`{message}`: {lang_error:?}"))),
        Err(error) => Err((
            "trap",
            format!("`{message}` returned undecodable output: {error}"),
        )),
    }
}

fn view_of(document: &Document) -> DocumentView {
    DocumentView {
        id: document.id,
        key_epoch: document.key_epoch,
        author: actor_of(&document.author).unwrap_or(u8::MAX),
        created_at: document.created_at,
        status: document.status,
        supersedes: document.supersedes,
        superseded_by: document.superseded_by,
    }
}

/// Decodes a message's output into the model's terms.
fn decode_outcome(action: &Action, data: &[u8]) -> Checked<Result<Returned, Error>> {
    use Action::*;
    let message = action.message().expect("a message");
    Ok(match action {
        BookAppointment { .. } | OpenEmergencyAccess { .. } => {
            decode::<u64>(message, data)?.map(Returned::Number)
        }
        RotateRecordKey { .. } | UploadDocument { .. } => {
            decode::<u32>(message, data)?.map(|number| Returned::Number(u64::from(number)))
        }
        OpenDocument { .. } => decode::<Document>(message, data)?
            .map(|document| Returned::Document(view_of(&document))),
        _ => decode::<()>(message, data)?.map(|()| Returned::Unit),
    })
}

/// Replays `actions` on a fresh deployment; the first violation, if any (a final sweep runs
/// when every call passed).
pub fn replay(bundle: &ContractBundle, actions: &[Action], checks: Checks) -> Option<Violation> {
    let mut harness = Harness::deploy(bundle.clone(), checks);
    for (at, action) in actions.iter().enumerate() {
        if let Err(violation) = harness.step(at, action) {
            return Some(violation);
        }
    }
    let last = actions.len().saturating_sub(1);
    harness.sweep().err().map(|(rule, detail)| Violation {
        at: last,
        action: actions
            .get(last)
            .copied()
            .unwrap_or(Action::AdvanceTime { ms: 0 }),
        rule,
        detail,
    })
}

/// Panics with the violation if `actions` break a rule (the regression tests' assertion).
pub fn assert_holds(bundle: ContractBundle, actions: &[Action]) {
    let checks = Checks {
        sweep_every: 1,
        exact_errors: true,
        flush_every: ROOT_CHECK_WINDOW,
    };
    if let Some(violation) = replay(&bundle, actions, checks) {
        panic!("{violation}");
    }
}

/// Removes chunks of `actions` while the same violation still occurs, within `budget`.
pub fn shrink(
    bundle: &ContractBundle,
    actions: &[Action],
    violation: &Violation,
    checks: Checks,
    budget: Duration,
) -> (Vec<Action>, Violation) {
    let started = Instant::now();
    let signature = violation.signature();
    let mut current: Vec<Action> = actions[..=violation.at].to_vec();
    let mut found = violation.clone();
    let mut chunk = current.len().div_ceil(2).max(1);
    loop {
        let mut removed_any = false;
        let mut end = current.len();
        while end > 0 {
            if started.elapsed() > budget {
                return (current, found);
            }
            let start = end.saturating_sub(chunk);
            let mut candidate = current[..start].to_vec();
            candidate.extend_from_slice(&current[end..]);
            match replay(bundle, &candidate, checks) {
                Some(again) if again.signature() == signature => {
                    candidate.truncate(again.at + 1);
                    current = candidate;
                    found = again;
                    removed_any = true;
                    end = start.min(current.len());
                }
                _ => end = start,
            }
        }
        if !removed_any {
            if chunk == 1 {
                return (current, found);
            }
            chunk = chunk.div_ceil(2);
        }
    }
}

/// Runs `config.calls` contract calls of the seeded sequence, then shrinks the first violation.
pub fn run(bundle: ContractBundle, config: Config) -> Report {
    let started = Instant::now();
    let mut harness = Harness::deploy(bundle.clone(), config.checks);
    let mut generator = Generator::new(StdRng::seed_from_u64(config.seed));
    let mut actions = generate::genesis(GENESIS_TIME);
    let mut failure = None;
    let mut at = 0;
    while harness.stats.calls < config.calls {
        if at == actions.len() {
            let next = generator.next(&harness.model);
            actions.push(next);
        }
        let calls_before = harness.stats.calls;
        if let Err(violation) = harness.step(at, &actions[at]) {
            failure = Some((harness.stats.calls, violation));
            break;
        }
        at += 1;
        if let Some(every) = config.progress_every {
            let calls = harness.stats.calls;
            if calls != calls_before && calls.is_multiple_of(every) {
                let seconds = started.elapsed().as_secs_f64();
                eprintln!(
                    "[fuzz] seed {}: {calls} calls in {seconds:.0} s ({:.0} calls/s)",
                    config.seed,
                    calls as f64 / seconds
                );
            }
        }
    }
    if failure.is_none() {
        if let Err((rule, detail)) = harness.sweep() {
            let last = at.saturating_sub(1);
            failure = Some((
                harness.stats.calls,
                Violation {
                    at: last,
                    action: actions[last],
                    rule,
                    detail,
                },
            ));
        }
    }
    let elapsed = started.elapsed();
    let failure = failure.map(|(calls_to_find, violation)| {
        let (shrunk, shrunk_violation) = shrink(
            &bundle,
            &actions,
            &violation,
            config.checks,
            config.shrink_for,
        );
        Failure {
            seed: config.seed,
            calls_to_find,
            violation,
            shrunk,
            shrunk_violation,
        }
    });
    Report {
        stats: harness.stats,
        elapsed,
        failure,
    }
}
