//! The rules that keep the patient in control, against the compiled contract. Each is stated as
//! an invariant a fuzzer can check after every call:
//!
//! 1. A doctor the patient refused (explicitly, or by revoking its grant) cannot open emergency
//!    access; nor can a doctor inside the cool-down after its last one, nor beyond the daily cap.
//! 2. A record key is shared with, or released to, only a verified, not suspended doctor (and
//!    released only on open emergency access of a doctor the patient has not refused).
//! 3. Nothing is added or shared under a key epoch that a holder who lost access still holds:
//!    after a grant expires, an emergency with a released key closes, or a doctor who held the
//!    key is suspended or replaces its key, uploads and shares fail with `RotationRequired`
//!    until the patient rotates.
//! 4. No account attests or verifies itself; attestations can be withdrawn.
//! 5. Only a document's author or the patient supersedes it.
//! 6. A patient holds at most 8 upcoming appointments, a doctor at most 512 open ones.
//!
//! Every refusal is a typed error that changes no storage and emits nothing.

use crate::fixture::*;
use drink::{sandbox_api::prelude::BalanceAPI, session::Session, AccountId32};
use ehr::{
    Error, Patient, EMERGENCY_ACCESS_DURATION, EMERGENCY_COOLDOWN, MAX_EMERGENCY_OPENINGS_PER_DAY,
    MAX_OPEN_APPOINTMENTS_PER_DOCTOR, MAX_UPCOMING_APPOINTMENTS_PER_PATIENT, MS_PER_DAY,
};
use ink::scale::Decode;
use Role::*;

/// Calls `message` and checks it is refused with `error`, changing nothing and emitting nothing.
fn assert_refused<T: Decode + std::fmt::Debug>(
    session: &mut EhrSession,
    actor: &AccountId32,
    message: &str,
    args: &[String],
    error: Error,
) {
    let before = state_root(session);
    let outcome = call::<T>(session, actor, message, args);
    assert!(
        matches!(&outcome, Err(refused) if *refused == error),
        "`{message}`: expected {error:?}, got {outcome:?}"
    );
    assert_eq!(
        state_root(session),
        before,
        "refused `{message}` changed state"
    );
    assert_eq!(
        last_call_event_count(session),
        0,
        "refused `{message}` emitted an event"
    );
}

fn ok<T: Decode>(
    session: &mut EhrSession,
    actor: &AccountId32,
    message: &str,
    args: &[String],
) -> T {
    call::<T>(session, actor, message, args)
        .unwrap_or_else(|err| panic!("`{message}` returned {err:?}"))
}

fn break_glass_args() -> Vec<String> {
    vec![id(&Patient.account()), bytes(&SEALED_REASON)]
}

fn patient_record(session: &mut EhrSession) -> Patient {
    let patient = Patient.account();
    ok(session, &patient, "patient", &[id(&patient)])
}

/// The verifier is the custodian; the patient deposited its epoch-0 key.
fn with_custodian_and_deposit(session: &mut EhrSession) {
    ok::<()>(
        session,
        &Admin.account(),
        "set_emergency_custodian",
        &[custodian_arg(&Verifier.account())],
    );
    ok::<()>(
        session,
        &Patient.account(),
        "deposit_emergency_key",
        &["0".into(), bytes(&[7; 80])],
    );
}

fn release_args(doctor: &AccountId32, epoch: u32) -> Vec<String> {
    vec![
        id(&Patient.account()),
        id(doctor),
        epoch.to_string(),
        bytes(&[8; 80]),
    ]
}

fn share_args(doctor: &AccountId32, epoch: u32) -> Vec<String> {
    vec![id(doctor), epoch.to_string(), bytes(&[6; 80])]
}

#[drink::test]
fn revoked_doctor_break_glass_fails(mut session: Session) {
    // given a doctor the patient granted, then revoked
    deploy_with_doctor_and_patient(&mut session);
    let (patient, doctor) = (Patient.account(), Doctor.account());
    ok::<()>(
        &mut session,
        &patient,
        "grant_access",
        &grant_args(&doctor, false, NOW + DAY),
    );
    ok::<()>(&mut session, &patient, "revoke_access", &[id(&doctor)]);
    // when the doctor breaks the glass, then it is refused
    assert_refused::<u64>(
        &mut session,
        &doctor,
        "open_emergency_access",
        &break_glass_args(),
        Error::EmergencyAccessRefused,
    );
    // and when the patient lifts the refusal, then it works
    let refused_since: Option<u64> = ok(
        &mut session,
        &doctor,
        "emergency_refusal",
        &[id(&patient), id(&doctor)],
    );
    assert_eq!(refused_since, Some(NOW));
    ok::<()>(
        &mut session,
        &patient,
        "allow_emergency_access",
        &[id(&doctor)],
    );
    ok::<u64>(
        &mut session,
        &doctor,
        "open_emergency_access",
        &break_glass_args(),
    );
}

#[drink::test]
fn refused_doctor_break_glass_and_release_fail(mut session: Session) {
    // given a deposit, and a doctor whose emergency access is open
    deploy_with_doctor_and_patient(&mut session);
    with_custodian_and_deposit(&mut session);
    let (patient, doctor, custodian) = (Patient.account(), Doctor.account(), Verifier.account());
    ok::<u64>(
        &mut session,
        &doctor,
        "open_emergency_access",
        &break_glass_args(),
    );
    // when the patient refuses the doctor by name
    ok::<()>(
        &mut session,
        &patient,
        "refuse_emergency_access",
        &[id(&doctor)],
    );
    assert_refused::<()>(
        &mut session,
        &patient,
        "refuse_emergency_access",
        &[id(&doctor)],
        Error::EmergencyAccessAlreadyRefused,
    );
    // then the custodian cannot release the key to it, and after it ends it cannot reopen
    assert_refused::<()>(
        &mut session,
        &custodian,
        "release_emergency_key",
        &release_args(&doctor, 0),
        Error::EmergencyAccessRefused,
    );
    ok::<()>(
        &mut session,
        &patient,
        "end_emergency_access",
        &[id(&patient), id(&doctor)],
    );
    set_time(&mut session, NOW + EMERGENCY_COOLDOWN + 1);
    assert_refused::<u64>(
        &mut session,
        &doctor,
        "open_emergency_access",
        &break_glass_args(),
        Error::EmergencyAccessRefused,
    );
}

#[drink::test]
fn emergency_cooldown_fails(mut session: Session) {
    // given a doctor whose emergency access ran out by itself
    deploy_with_doctor_and_patient(&mut session);
    let doctor = Doctor.account();
    let expires_at: u64 = ok(
        &mut session,
        &doctor,
        "open_emergency_access",
        &break_glass_args(),
    );
    assert_eq!(expires_at, NOW + EMERGENCY_ACCESS_DURATION);
    // when it reopens inside the cool-down, then it is refused
    set_time(&mut session, expires_at + EMERGENCY_COOLDOWN - 1);
    assert_refused::<u64>(
        &mut session,
        &doctor,
        "open_emergency_access",
        &break_glass_args(),
        Error::EmergencyCooldown,
    );
    // and at its end it works
    set_time(&mut session, expires_at + EMERGENCY_COOLDOWN);
    ok::<u64>(
        &mut session,
        &doctor,
        "open_emergency_access",
        &break_glass_args(),
    );
}

#[drink::test]
fn emergency_daily_limit_fails(mut session: Session) {
    // given one more patient than a doctor may break the glass on in a day
    deploy_with_doctor_and_patient(&mut session);
    let doctor = Doctor.account();
    let patients: Vec<AccountId32> = (0..=MAX_EMERGENCY_OPENINGS_PER_DAY as u8)
        .map(|i| account(12 + i))
        .collect();
    for patient in &patients {
        ok::<()>(
            &mut session,
            patient,
            "register_patient",
            &[bytes(&[1; 32])],
        );
    }
    // when it opens on each of them
    let (last, first) = patients.split_last().unwrap();
    for patient in first {
        ok::<u64>(
            &mut session,
            &doctor,
            "open_emergency_access",
            &[id(patient), bytes(&SEALED_REASON)],
        );
    }
    // then the one over the cap is refused, and works the next UTC day
    let last_args = [id(last), bytes(&SEALED_REASON)];
    assert_refused::<u64>(
        &mut session,
        &doctor,
        "open_emergency_access",
        &last_args,
        Error::EmergencyDailyLimit,
    );
    set_time(&mut session, (NOW / MS_PER_DAY + 1) * MS_PER_DAY);
    ok::<u64>(&mut session, &doctor, "open_emergency_access", &last_args);
}

#[drink::test]
fn release_to_suspended_doctor_fails(mut session: Session) {
    // given a doctor with open emergency access, then suspended
    deploy_with_doctor_and_patient(&mut session);
    with_custodian_and_deposit(&mut session);
    let (doctor, custodian) = (Doctor.account(), Verifier.account());
    ok::<u64>(
        &mut session,
        &doctor,
        "open_emergency_access",
        &break_glass_args(),
    );
    ok::<()>(&mut session, &custodian, "suspend_doctor", &[id(&doctor)]);
    // when the custodian releases, then it is refused
    assert_refused::<()>(
        &mut session,
        &custodian,
        "release_emergency_key",
        &release_args(&doctor, 0),
        Error::DoctorSuspended,
    );
}

#[drink::test]
fn share_record_key_with_suspended_doctor_fails(mut session: Session) {
    // given a doctor with a live grant, then suspended; the patient rotated
    deploy_with_doctor_and_patient(&mut session);
    let (patient, doctor) = (Patient.account(), Doctor.account());
    ok::<()>(
        &mut session,
        &patient,
        "grant_access",
        &grant_args(&doctor, true, NOW + 30 * DAY),
    );
    ok::<()>(
        &mut session,
        &Verifier.account(),
        "suspend_doctor",
        &[id(&doctor)],
    );
    ok::<u32>(&mut session, &patient, "rotate_record_key", &[]);
    // when the patient shares the new key with it, then it is refused
    assert_refused::<()>(
        &mut session,
        &patient,
        "share_record_key",
        &share_args(&doctor, 1),
        Error::DoctorSuspended,
    );
}

#[drink::test]
fn upload_after_grant_expiry_requires_rotation(mut session: Session) {
    // given a doctor whose grant (and copy of the epoch-0 key) runs out after a day
    deploy_with_doctor_and_patient(&mut session);
    let (patient, doctor, other) = (Patient.account(), Doctor.account(), account(12));
    register_doctor(&mut session, &other);
    ok::<()>(
        &mut session,
        &Verifier.account(),
        "verify_doctor",
        &[id(&other)],
    );
    ok::<()>(
        &mut session,
        &patient,
        "grant_access",
        &grant_args(&doctor, false, NOW + DAY),
    );
    ok::<()>(
        &mut session,
        &patient,
        "grant_access",
        &grant_args(&other, true, NOW + 9 * DAY),
    );
    ok::<u32>(
        &mut session,
        &patient,
        "upload_document",
        &upload_args(&patient),
    );
    assert_eq!(
        patient_record(&mut session).key_epoch_expires_at,
        Some(NOW + DAY)
    );
    // when the grant has expired
    set_time(&mut session, NOW + DAY);
    let required: bool = ok(&mut session, &patient, "rotation_required", &[id(&patient)]);
    assert!(required);
    // then nothing is added or shared under epoch 0, by the patient or the other doctor
    for (actor, message, args) in [
        (&patient, "upload_document", upload_args(&patient)),
        (&other, "upload_document", upload_args(&patient)),
        (&patient, "share_record_key", share_args(&other, 0)),
        (
            &patient,
            "grant_access",
            grant_args(&doctor, false, NOW + 2 * DAY),
        ),
    ] {
        assert_refused::<()>(&mut session, actor, message, &args, Error::RotationRequired);
    }
    // until the patient rotates and re-shares with the doctor still granted
    let epoch: u32 = ok(&mut session, &patient, "rotate_record_key", &[]);
    assert_eq!(epoch, 1);
    ok::<()>(
        &mut session,
        &patient,
        "share_record_key",
        &share_args(&other, 1),
    );
    ok::<u32>(
        &mut session,
        &other,
        "upload_document",
        &upload_args(&patient),
    );
}

#[drink::test]
fn upload_after_released_emergency_closes_requires_rotation(mut session: Session) {
    // given the patient's current key released to a doctor on emergency access
    deploy_with_doctor_and_patient(&mut session);
    with_custodian_and_deposit(&mut session);
    let (patient, doctor, custodian) = (Patient.account(), Doctor.account(), Verifier.account());
    let expires_at: u64 = ok(
        &mut session,
        &doctor,
        "open_emergency_access",
        &break_glass_args(),
    );
    ok::<()>(
        &mut session,
        &custodian,
        "release_emergency_key",
        &release_args(&doctor, 0),
    );
    // while it is open the patient adds documents
    ok::<u32>(
        &mut session,
        &patient,
        "upload_document",
        &upload_args(&patient),
    );
    // when it runs out by itself, then uploads, shares and deposits under epoch 0 stop
    set_time(&mut session, expires_at);
    assert_refused::<u32>(
        &mut session,
        &patient,
        "upload_document",
        &upload_args(&patient),
        Error::RotationRequired,
    );
    assert_refused::<()>(
        &mut session,
        &patient,
        "deposit_emergency_key",
        &["0".into(), bytes(&[7; 80])],
        Error::RotationRequired,
    );
    // and after the rotation they work again
    ok::<u32>(&mut session, &patient, "rotate_record_key", &[]);
    ok::<()>(
        &mut session,
        &patient,
        "deposit_emergency_key",
        &["1".into(), bytes(&[7; 80])],
    );
    ok::<u32>(
        &mut session,
        &patient,
        "upload_document",
        &upload_args(&patient),
    );
}

#[drink::test]
fn upload_after_ended_emergency_requires_rotation(mut session: Session) {
    // given the current key released on emergency access
    deploy_with_doctor_and_patient(&mut session);
    with_custodian_and_deposit(&mut session);
    let (patient, doctor, custodian) = (Patient.account(), Doctor.account(), Verifier.account());
    ok::<u64>(
        &mut session,
        &doctor,
        "open_emergency_access",
        &break_glass_args(),
    );
    ok::<()>(
        &mut session,
        &custodian,
        "release_emergency_key",
        &release_args(&doctor, 0),
    );
    // when the doctor ends it early, then the epoch closes at once
    ok::<()>(
        &mut session,
        &doctor,
        "end_emergency_access",
        &[id(&patient), id(&doctor)],
    );
    assert_refused::<u32>(
        &mut session,
        &patient,
        "upload_document",
        &upload_args(&patient),
        Error::RotationRequired,
    );
}

#[drink::test]
fn suspension_of_a_key_holder_requires_rotation(mut session: Session) {
    // given two doctors holding the patient's current key
    deploy_with_doctor_and_patient(&mut session);
    let (patient, doctor, other) = (Patient.account(), Doctor.account(), account(12));
    register_doctor(&mut session, &other);
    ok::<()>(
        &mut session,
        &Verifier.account(),
        "verify_doctor",
        &[id(&other)],
    );
    for holder in [&doctor, &other] {
        ok::<()>(
            &mut session,
            &patient,
            "grant_access",
            &grant_args(holder, true, NOW + 9 * DAY),
        );
    }
    // when one is suspended
    ok::<()>(
        &mut session,
        &Verifier.account(),
        "suspend_doctor",
        &[id(&doctor)],
    );
    // then neither the patient nor the other doctor adds under the epoch
    for author in [&patient, &other] {
        assert_refused::<u32>(
            &mut session,
            author,
            "upload_document",
            &upload_args(&patient),
            Error::RotationRequired,
        );
    }
    // until the patient rotates and re-shares with the other one only
    ok::<u32>(&mut session, &patient, "rotate_record_key", &[]);
    ok::<()>(
        &mut session,
        &patient,
        "share_record_key",
        &share_args(&other, 1),
    );
    ok::<u32>(
        &mut session,
        &other,
        "upload_document",
        &upload_args(&patient),
    );
}

#[drink::test]
fn replace_public_key_works(mut session: Session) {
    // given a doctor holding the patient's current key
    deploy_with_doctor_and_patient(&mut session);
    let (patient, doctor) = (Patient.account(), Doctor.account());
    ok::<()>(
        &mut session,
        &patient,
        "grant_access",
        &grant_args(&doctor, false, NOW + 9 * DAY),
    );
    // when the doctor and the patient replace their keys (a lost device)
    ok::<()>(
        &mut session,
        &doctor,
        "replace_public_key",
        &[bytes(&[0x42; 32])],
    );
    ok::<()>(
        &mut session,
        &patient,
        "replace_public_key",
        &[bytes(&[0x43; 32])],
    );
    // then the new keys are on chain
    let profile: ehr::Doctor = ok(&mut session, &doctor, "doctor", &[id(&doctor)]);
    assert_eq!(profile.public_key, [0x42; 32]);
    assert_eq!(patient_record(&mut session).public_key, [0x43; 32]);
    // and the key sealed to the doctor's old key closes the epoch
    assert_refused::<u32>(
        &mut session,
        &patient,
        "upload_document",
        &upload_args(&patient),
        Error::RotationRequired,
    );
    // and a stranger has no key to replace
    assert_refused::<()>(
        &mut session,
        &Stranger.account(),
        "replace_public_key",
        &[bytes(&[1; 32])],
        Error::NotRegistered,
    );
}

#[drink::test]
fn verify_self_fails(mut session: Session) {
    // given a verifier registered as a doctor, and a verified doctor registered as a patient
    deploy_with_doctor_and_patient(&mut session);
    let (verifier, doctor) = (Verifier.account(), Doctor.account());
    register_doctor(&mut session, &verifier);
    ok::<()>(
        &mut session,
        &doctor,
        "register_patient",
        &[bytes(&[1; 32])],
    );
    // when each vouches for itself, then it is refused
    assert_refused::<()>(
        &mut session,
        &verifier,
        "verify_doctor",
        &[id(&verifier)],
        Error::CannotVerifySelf,
    );
    assert_refused::<()>(
        &mut session,
        &doctor,
        "verify_patient",
        &[id(&doctor)],
        Error::CannotVerifySelf,
    );
}

#[drink::test]
fn withdraw_patient_verification_works(mut session: Session) {
    // given a patient attested by the doctor
    deploy_with_doctor_and_patient(&mut session);
    let (patient, doctor) = (Patient.account(), Doctor.account());
    ok::<()>(&mut session, &doctor, "verify_patient", &[id(&patient)]);
    // when a stranger withdraws it, then it is refused
    assert_refused::<()>(
        &mut session,
        &account(12),
        "withdraw_patient_verification",
        &[id(&patient)],
        Error::NotPatientVerifier,
    );
    // when a verifier withdraws it, then the patient is unattested
    ok::<()>(
        &mut session,
        &Verifier.account(),
        "withdraw_patient_verification",
        &[id(&patient)],
    );
    assert_eq!(patient_record(&mut session).verified_by, None);
    assert_refused::<()>(
        &mut session,
        &doctor,
        "withdraw_patient_verification",
        &[id(&patient)],
        Error::PatientNotVerified,
    );
}

#[drink::test]
fn supersede_by_another_author_fails(mut session: Session) {
    // given a patient's own document and a doctor with a write grant
    deploy_with_doctor_and_patient(&mut session);
    let (patient, doctor) = (Patient.account(), Doctor.account());
    ok::<()>(
        &mut session,
        &patient,
        "grant_access",
        &grant_args(&doctor, true, NOW + 9 * DAY),
    );
    let own: u32 = ok(
        &mut session,
        &patient,
        "upload_document",
        &upload_args(&patient),
    );
    let by_doctor: u32 = ok(
        &mut session,
        &doctor,
        "upload_document",
        &upload_args(&patient),
    );
    let superseding = |target: u32| {
        let mut args = upload_args(&patient);
        *args.last_mut().unwrap() = format!("Some({target})");
        args
    };
    // when the doctor supersedes the patient's document, then it is refused
    assert_refused::<u32>(
        &mut session,
        &doctor,
        "upload_document",
        &superseding(own),
        Error::NotDocumentAuthor,
    );
    // and its own, or the patient any, works
    ok::<u32>(
        &mut session,
        &doctor,
        "upload_document",
        &superseding(by_doctor),
    );
    ok::<u32>(&mut session, &patient, "upload_document", &superseding(own));
}

#[drink::test]
fn book_beyond_the_patient_bound_fails(mut session: Session) {
    // given a doctor with a long window and a patient holding the most upcoming appointments
    deploy_with_doctor_and_patient(&mut session);
    let (patient, doctor) = (Patient.account(), Doctor.account());
    let base = NOW + 2 * DAY;
    ok::<()>(
        &mut session,
        &doctor,
        "publish_availability",
        &[base.to_string(), (base + 20 * SLOT).to_string()],
    );
    let bound = u64::from(MAX_UPCOMING_APPOINTMENTS_PER_PATIENT);
    let book = |i: u64| vec![id(&doctor), (base + i * SLOT).to_string()];
    let first: u64 = ok(&mut session, &patient, "book_appointment", &book(0));
    for i in 1..bound {
        ok::<u64>(&mut session, &patient, "book_appointment", &book(i));
    }
    // when it books one more, then it is refused
    assert_refused::<u64>(
        &mut session,
        &patient,
        "book_appointment",
        &book(bound),
        Error::TooManyUpcomingAppointments,
    );
    // and a cancellation frees a place, and so does an appointment that has started
    ok::<()>(
        &mut session,
        &patient,
        "cancel_appointment",
        &[first.to_string()],
    );
    ok::<u64>(&mut session, &patient, "book_appointment", &book(bound));
    set_time(&mut session, base + SLOT);
    ok::<u64>(&mut session, &patient, "book_appointment", &book(bound + 1));
}

#[drink::test]
fn book_beyond_the_doctor_bound_fails(mut session: Session) {
    // given a doctor with as many open appointments as it may have, from many patients
    deploy_with_doctor_and_patient(&mut session);
    let doctor = Doctor.account();
    let base = NOW + 2 * DAY;
    let open = u64::from(MAX_OPEN_APPOINTMENTS_PER_DOCTOR);
    ok::<()>(
        &mut session,
        &doctor,
        "publish_availability",
        &[base.to_string(), (base + (open + 1) * SLOT).to_string()],
    );
    let per_patient = u64::from(MAX_UPCOMING_APPOINTMENTS_PER_PATIENT);
    let patients: Vec<AccountId32> = (0..open.div_ceil(per_patient))
        .map(|i| AccountId32::new([100 + i as u8; 32]))
        .collect();
    for patient in &patients {
        session
            .sandbox()
            .mint_into(patient, 1_000_000_000_000_000)
            .unwrap();
        ok::<()>(
            &mut session,
            patient,
            "register_patient",
            &[bytes(&[1; 32])],
        );
    }
    let mut first = None;
    for slot in 0..open {
        let patient = &patients[(slot / per_patient) as usize];
        let booked: u64 = ok(
            &mut session,
            patient,
            "book_appointment",
            &[id(&doctor), (base + slot * SLOT).to_string()],
        );
        first.get_or_insert(booked);
    }
    // when the patient books one more, then the doctor is fully booked
    let next = [id(&doctor), (base + open * SLOT).to_string()];
    assert_refused::<u64>(
        &mut session,
        &Patient.account(),
        "book_appointment",
        &next,
        Error::DoctorFullyBooked,
    );
    // and once the doctor closes a past appointment, a place is free
    set_time(&mut session, base + SLOT);
    ok::<()>(
        &mut session,
        &doctor,
        "complete_appointment",
        &[first.unwrap().to_string()],
    );
    ok::<u64>(&mut session, &Patient.account(), "book_appointment", &next);
}
