//! Small fixtures shared by the drink tests: accounts by role, deployment, typed calls, time.

use crate::BundleProvider;
use drink::{
    minimal::MinimalSandbox,
    sandbox_api::prelude::{BalanceAPI, TimestampAPI},
    session::{Session, NO_ARGS, NO_ENDOWMENT, NO_SALT},
    AccountId32, Sandbox, Ss58Codec,
};
use ehr::{Error, Timestamp, MS_PER_MINUTE};
use ink::scale::Decode;

pub type EhrSession = Session<MinimalSandbox>;

/// Every doctor in the fixtures uses 30-minute slots.
pub const SLOT: Timestamp = 30 * MS_PER_MINUTE;
pub const DAY: Timestamp = 48 * SLOT;
/// Deployment time: a slot boundary in 2024.
pub const NOW: Timestamp = 19_800 * DAY;
/// A sealed emergency reason of the size the client makes (a 64-byte padded text in a box).
pub const SEALED_REASON: [u8; 112] = [0x5e; 112];

/// The accounts of the access-control table, one per role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    Verifier,
    /// Verified, publishes availability, has the patient's appointment, holds no grant.
    Doctor,
    UnverifiedDoctor,
    /// Held a write grant, then was suspended.
    SuspendedDoctor,
    Patient,
    /// Verified, holds a live write grant, authored document 1.
    GrantedDoctor,
    /// Verified, held a write grant that has expired.
    ExpiredGrantDoctor,
    /// Verified, held a write grant that the patient revoked.
    RevokedGrantDoctor,
    Stranger,
}

impl Role {
    pub const ALL: [Role; 10] = [
        Role::Admin,
        Role::Verifier,
        Role::Doctor,
        Role::UnverifiedDoctor,
        Role::SuspendedDoctor,
        Role::Patient,
        Role::GrantedDoctor,
        Role::ExpiredGrantDoctor,
        Role::RevokedGrantDoctor,
        Role::Stranger,
    ];

    pub fn account(self) -> AccountId32 {
        match self {
            // The sandbox's default actor deploys, so it is the admin.
            Role::Admin => MinimalSandbox::default_actor(),
            other => account(other as u8 + 1),
        }
    }

    /// Every role that is a verified, not suspended doctor.
    pub fn is_verified_doctor(self) -> bool {
        matches!(
            self,
            Role::Doctor
                | Role::GrantedDoctor
                | Role::ExpiredGrantDoctor
                | Role::RevokedGrantDoctor
        )
    }

    pub fn is_doctor(self) -> bool {
        self.is_verified_doctor() || matches!(self, Role::UnverifiedDoctor | Role::SuspendedDoctor)
    }
}

/// A funded test account that is none of the roles.
pub fn account(seed: u8) -> AccountId32 {
    AccountId32::new([seed; 32])
}

/// SCALE-value argument for an account.
pub fn id(account: &AccountId32) -> String {
    account.to_ss58check()
}

/// SCALE-value argument for bytes (`[u8; N]` or `Vec<u8>`).
pub fn bytes(value: &[u8]) -> String {
    let hex: String = value.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("0x{hex}")
}

/// SCALE-value argument for a string.
pub fn text(value: &str) -> String {
    format!("{value:?}")
}

/// The contract's view of an account.
pub fn ink_id(account: &AccountId32) -> ink::primitives::AccountId {
    ink::primitives::AccountId::from(<[u8; 32]>::from(account.clone()))
}

/// A new session at time `NOW`, accounts 2..=20 funded, the contract deployed by the admin.
pub fn deploy(session: &mut EhrSession) {
    session.sandbox().set_timestamp(NOW);
    for seed in 2..=20 {
        session
            .sandbox()
            .mint_into(&account(seed), 1_000_000_000_000_000)
            .expect("minting works");
    }
    let bundle = BundleProvider::Ehr
        .bundle()
        .expect("the contract bundle was built");
    session.set_actor(Role::Admin.account());
    session
        .deploy_bundle(bundle, "new", NO_ARGS, NO_SALT, NO_ENDOWMENT)
        .expect("deploying works");
}

/// Calls `message` as `actor` and decodes its typed result. A contract error is decoded from
/// the reverted call's output; anything else (a trap, a `LangError`) fails the test.
pub fn call<T: Decode>(
    session: &mut EhrSession,
    actor: &AccountId32,
    message: &str,
    args: &[String],
) -> Result<T, Error> {
    session.set_actor(actor.clone());
    let outcome = match session.call::<_, Result<T, Error>>(message, args, NO_ENDOWMENT) {
        Ok(outcome) => outcome,
        Err(err) => err
            .decode_revert::<Result<T, Error>>()
            .unwrap_or_else(|err| panic!("`{message}` failed outside the contract: {err:?}")),
    };
    outcome.unwrap_or_else(|err| panic!("`{message}` returned {err:?}"))
}

/// Root of the whole sandbox state: equal before and after a call that changed nothing.
pub fn state_root(session: &mut EhrSession) -> impl Eq + std::fmt::Debug {
    session.sandbox().take_snapshot().storage_root
}

/// Contract events emitted by the last call.
pub fn last_call_event_count(session: &EhrSession) -> usize {
    session.record().last_event_batch().contract_events().len()
}

pub fn set_time(session: &mut EhrSession, now: Timestamp) {
    session.sandbox().set_timestamp(now);
}

/// Registers `doctor` (cardiology, 30-minute slots).
pub fn register_doctor(session: &mut EhrSession, doctor: &AccountId32) {
    call::<()>(
        session,
        doctor,
        "register_doctor",
        &[
            text("Dr. Test"),
            text("Cardiology"),
            bytes(&[1; 32]),
            bytes(&[2; 32]),
            "30".into(),
        ],
    )
    .expect("registering a doctor works");
}

/// The admin appoints the verifier; a registered doctor, verified, with a window
/// `[NOW + DAY, NOW + DAY + 8 slots)`; a registered patient.
pub fn deploy_with_doctor_and_patient(session: &mut EhrSession) {
    deploy(session);
    let (verifier, doctor, patient) = (
        Role::Verifier.account(),
        Role::Doctor.account(),
        Role::Patient.account(),
    );
    call::<()>(
        session,
        &Role::Admin.account(),
        "add_verifier",
        &[id(&verifier)],
    )
    .unwrap();
    register_doctor(session, &doctor);
    call::<()>(session, &verifier, "verify_doctor", &[id(&doctor)]).unwrap();
    call::<()>(
        session,
        &doctor,
        "publish_availability",
        &[(NOW + DAY).to_string(), (NOW + DAY + 8 * SLOT).to_string()],
    )
    .unwrap();
    call::<()>(session, &patient, "register_patient", &[bytes(&[9; 32])]).unwrap();
}

/// Arguments of `grant_access`.
pub fn grant_args(doctor: &AccountId32, write: bool, expires_at: Timestamp) -> Vec<String> {
    vec![
        id(doctor),
        write.to_string(),
        expires_at.to_string(),
        bytes(&[5; 80]),
    ]
}

/// Arguments of `upload_document` for `patient`, not superseding anything.
pub fn upload_args(patient: &AccountId32) -> Vec<String> {
    vec![
        id(patient),
        bytes(&[0xc1; 60]),
        bytes(&[0xa5; 32]),
        bytes(&[0x77; 72]),
        "None".into(),
    ]
}

/// Every role in place (see [`Role`]); time is `NOW + 2 slots`, after the expired grant's end
/// and before the patient's appointment (id 0, with `Role::Doctor` at `NOW + DAY`). The patient
/// has document 0 (own) and 1 (by `GrantedDoctor`). `Stranger` is the proposed next admin.
pub fn deploy_with_every_role(session: &mut EhrSession) {
    deploy_with_doctor_and_patient(session);
    let admin = Role::Admin.account();
    let verifier = Role::Verifier.account();
    let patient = Role::Patient.account();
    call::<()>(
        session,
        &admin,
        "transfer_admin",
        &[id(&Role::Stranger.account())],
    )
    .unwrap();
    for role in [
        Role::UnverifiedDoctor,
        Role::SuspendedDoctor,
        Role::GrantedDoctor,
        Role::ExpiredGrantDoctor,
        Role::RevokedGrantDoctor,
    ] {
        register_doctor(session, &role.account());
        if role != Role::UnverifiedDoctor {
            call::<()>(session, &verifier, "verify_doctor", &[id(&role.account())]).unwrap();
        }
    }
    let appointment: u64 = call(
        session,
        &patient,
        "book_appointment",
        &[id(&Role::Doctor.account()), (NOW + DAY).to_string()],
    )
    .unwrap();
    assert_eq!(appointment, 0);
    for (role, expires_at) in [
        (Role::SuspendedDoctor, NOW + 30 * DAY),
        (Role::GrantedDoctor, NOW + 30 * DAY),
        (Role::ExpiredGrantDoctor, NOW + SLOT),
        (Role::RevokedGrantDoctor, NOW + 30 * DAY),
    ] {
        call::<()>(
            session,
            &patient,
            "grant_access",
            &grant_args(&role.account(), true, expires_at),
        )
        .unwrap();
    }
    // The suspension comes before the revocation: a suspension after the key went out would
    // close the epoch (`RotationRequired`) and the patient would have to rotate first.
    call::<()>(
        session,
        &verifier,
        "suspend_doctor",
        &[id(&Role::SuspendedDoctor.account())],
    )
    .unwrap();
    call::<()>(
        session,
        &patient,
        "revoke_access",
        &[id(&Role::RevokedGrantDoctor.account())],
    )
    .unwrap();
    // The revocation moved the patient to key epoch 1: re-share it with the granted doctor.
    call::<()>(
        session,
        &patient,
        "share_record_key",
        &[
            id(&Role::GrantedDoctor.account()),
            "1".into(),
            bytes(&[6; 80]),
        ],
    )
    .unwrap();
    let own: u32 = call(session, &patient, "upload_document", &upload_args(&patient)).unwrap();
    let by_doctor: u32 = call(
        session,
        &Role::GrantedDoctor.account(),
        "upload_document",
        &upload_args(&patient),
    )
    .unwrap();
    assert_eq!((own, by_doctor), (0, 1));
    // The verifier is also the break-glass key custodian; the patient deposited its key.
    call::<()>(
        session,
        &admin,
        "set_emergency_custodian",
        &[custodian_arg(&verifier)],
    )
    .unwrap();
    call::<()>(
        session,
        &patient,
        "deposit_emergency_key",
        &["1".into(), bytes(&[7; 80])],
    )
    .unwrap();
    set_time(session, NOW + 2 * SLOT);
}

/// SCALE-value argument `Some(EmergencyCustodian { .. })` for `set_emergency_custodian`.
pub fn custodian_arg(account: &AccountId32) -> String {
    format!(
        "Some(EmergencyCustodian {{ account: {}, public_key: {} }})",
        id(account),
        bytes(&[9; 32])
    )
}
