//! Bad input, message by message: unregistered and zero accounts, duplicates, self-reference,
//! boundary times, sizes at max + 1, stale or future epochs, unknown ids. Every case must come
//! back as its documented error, leave the state root unchanged, emit nothing and not trap.

use crate::fixture::*;
use drink::{session::Session, AccountId32, Sandbox};
use ehr::{Error, MAX_SEALED_REASON_LEN};
use Role::*;

/// One row: who calls what with which arguments, and the error it must get.
struct Case {
    actor: AccountId32,
    message: &'static str,
    args: Vec<String>,
    error: Error,
}

fn case(actor: Role, message: &'static str, args: Vec<String>, error: Error) -> Case {
    Case {
        actor: actor.account(),
        message,
        args,
        error,
    }
}

fn zero_account() -> AccountId32 {
    AccountId32::new([0; 32])
}

fn register_doctor_args(name: &str, specialty: &str, slot_minutes: &str) -> Vec<String> {
    vec![
        text(name),
        text(specialty),
        bytes(&[1; 32]),
        bytes(&[2; 32]),
        slot_minutes.into(),
    ]
}

/// SCALE-value argument for a byte vector, also when empty (`0x` alone does not transcode).
fn blob(value: &[u8]) -> String {
    if value.is_empty() {
        "[]".into()
    } else {
        bytes(value)
    }
}

fn upload(cid: &[u8], wrapped_key: &[u8], supersedes: &str) -> Vec<String> {
    vec![
        id(&Patient.account()),
        blob(cid),
        bytes(&[0xa5; 32]),
        bytes(wrapped_key),
        supersedes.into(),
    ]
}

fn cases() -> Vec<Case> {
    let patient = id(&Patient.account());
    let doctor = id(&Doctor.account());
    let (stranger, zero) = (id(&Stranger.account()), id(&zero_account()));
    let now = NOW + 2 * SLOT;
    let window = NOW + DAY;
    let aligned_max = (u64::MAX / SLOT) * SLOT;
    let reason = bytes(&SEALED_REASON);
    let key = bytes(&[6; 80]);
    let too_long_key = bytes(&[6; 129]);
    let window_args = |start: u64, end: u64| vec![start.to_string(), end.to_string()];
    let book = |who: &str, at: u64| vec![who.to_string(), at.to_string()];
    let grant = |who: &str, expires_at: u64, wrapped: &str| {
        vec![
            who.to_string(),
            "false".into(),
            expires_at.to_string(),
            wrapped.to_string(),
        ]
    };
    let share = |who: &AccountId32, epoch: u64, wrapped: &str| {
        vec![id(who), epoch.to_string(), wrapped.to_string()]
    };
    let release = |to: &str| vec![patient.clone(), to.to_string(), "1".into(), key.clone()];
    let pair = |a: &str, b: &str| vec![a.to_string(), b.to_string()];
    let page = |who: &str| vec![who.to_string(), "0".into(), "20".into()];
    let mut cases = vec![
        // roles
        case(Admin, "accept_admin", vec![], Error::NotPendingAdmin),
        case(Verifier, "accept_admin", vec![], Error::NotPendingAdmin),
        case(
            Admin,
            "add_verifier",
            vec![id(&Verifier.account())],
            Error::AlreadyVerifier,
        ),
        case(
            Verifier,
            "add_verifier",
            vec![stranger.clone()],
            Error::NotAdmin,
        ),
        case(
            Admin,
            "remove_verifier",
            vec![stranger.clone()],
            Error::VerifierNotFound,
        ),
        case(
            Admin,
            "remove_verifier",
            vec![zero.clone()],
            Error::VerifierNotFound,
        ),
        case(
            Admin,
            "remove_verifier",
            vec![patient.clone()],
            Error::VerifierNotFound,
        ),
        case(
            Verifier,
            "set_emergency_custodian",
            vec!["None".into()],
            Error::NotAdmin,
        ),
        // patients
        case(
            Patient,
            "register_patient",
            vec![bytes(&[3; 32])],
            Error::PatientAlreadyRegistered,
        ),
        case(
            Verifier,
            "verify_patient",
            vec![stranger.clone()],
            Error::PatientNotRegistered,
        ),
        case(
            Verifier,
            "verify_patient",
            vec![zero.clone()],
            Error::PatientNotRegistered,
        ),
        case(
            UnverifiedDoctor,
            "verify_patient",
            vec![patient.clone()],
            Error::NotPatientVerifier,
        ),
        case(
            SuspendedDoctor,
            "verify_patient",
            vec![patient.clone()],
            Error::NotPatientVerifier,
        ),
        case(
            Patient,
            "verify_patient",
            vec![patient.clone()],
            Error::NotPatientVerifier,
        ),
        case(
            Verifier,
            "withdraw_patient_verification",
            vec![patient.clone()],
            Error::PatientNotVerified,
        ),
        case(
            Verifier,
            "withdraw_patient_verification",
            vec![stranger.clone()],
            Error::PatientNotRegistered,
        ),
        case(
            Verifier,
            "withdraw_patient_verification",
            vec![zero.clone()],
            Error::PatientNotRegistered,
        ),
        case(
            Stranger,
            "replace_public_key",
            vec![bytes(&[1; 32])],
            Error::NotRegistered,
        ),
        case(
            Verifier,
            "replace_public_key",
            vec![bytes(&[1; 32])],
            Error::NotRegistered,
        ),
        // doctors
        case(
            Doctor,
            "register_doctor",
            register_doctor_args("Dr. A", "Cardiology", "30"),
            Error::DoctorAlreadyRegistered,
        ),
        case(
            Verifier,
            "verify_doctor",
            vec![stranger.clone()],
            Error::DoctorNotRegistered,
        ),
        case(
            Verifier,
            "verify_doctor",
            vec![zero.clone()],
            Error::DoctorNotRegistered,
        ),
        case(
            Verifier,
            "verify_doctor",
            vec![doctor.clone()],
            Error::DoctorAlreadyVerified,
        ),
        case(
            Verifier,
            "suspend_doctor",
            vec![id(&SuspendedDoctor.account())],
            Error::DoctorAlreadySuspended,
        ),
        case(
            Verifier,
            "suspend_doctor",
            vec![stranger.clone()],
            Error::DoctorNotRegistered,
        ),
        case(
            Verifier,
            "suspend_doctor",
            vec![zero.clone()],
            Error::DoctorNotRegistered,
        ),
        // availability
        case(
            Doctor,
            "publish_availability",
            window_args(window + 9 * SLOT, window + 9 * SLOT),
            Error::InvalidWindow,
        ),
        case(
            Doctor,
            "publish_availability",
            window_args(window + 10 * SLOT, window + 9 * SLOT),
            Error::InvalidWindow,
        ),
        case(
            Doctor,
            "publish_availability",
            window_args(0, 0),
            Error::InvalidWindow,
        ),
        case(
            Doctor,
            "publish_availability",
            window_args(window + 9 * SLOT + 1, window + 10 * SLOT),
            Error::WindowNotAligned,
        ),
        case(
            Doctor,
            "publish_availability",
            window_args(window + 9 * SLOT, window + 10 * SLOT - 1),
            Error::WindowNotAligned,
        ),
        case(
            Doctor,
            "publish_availability",
            window_args(0, u64::MAX),
            Error::WindowNotAligned,
        ),
        case(
            Doctor,
            "publish_availability",
            window_args(NOW - DAY, NOW),
            Error::WindowInPast,
        ),
        case(
            Doctor,
            "publish_availability",
            window_args(NOW, now),
            Error::WindowInPast,
        ),
        case(
            Doctor,
            "publish_availability",
            window_args(0, SLOT),
            Error::WindowInPast,
        ),
        case(
            Doctor,
            "publish_availability",
            window_args(window + SLOT, window + 2 * SLOT),
            Error::WindowOverlaps,
        ),
        case(
            Doctor,
            "publish_availability",
            window_args(window - SLOT, window + SLOT),
            Error::WindowOverlaps,
        ),
        case(
            Doctor,
            "publish_availability",
            window_args(window - DAY, window + DAY),
            Error::WindowOverlaps,
        ),
        case(
            Doctor,
            "publish_availability",
            window_args(window + 7 * SLOT, aligned_max),
            Error::WindowOverlaps,
        ),
        case(
            Doctor,
            "withdraw_availability",
            vec![(window + SLOT).to_string()],
            Error::WindowNotFound,
        ),
        case(
            Doctor,
            "withdraw_availability",
            vec!["0".into()],
            Error::WindowNotFound,
        ),
        case(
            Doctor,
            "withdraw_availability",
            vec![u64::MAX.to_string()],
            Error::WindowNotFound,
        ),
        case(
            Stranger,
            "withdraw_availability",
            vec![window.to_string()],
            Error::DoctorNotRegistered,
        ),
        // booking
        case(
            Patient,
            "book_appointment",
            book(&stranger, window + SLOT),
            Error::DoctorNotRegistered,
        ),
        case(
            Patient,
            "book_appointment",
            book(&zero, window + SLOT),
            Error::DoctorNotRegistered,
        ),
        case(
            Patient,
            "book_appointment",
            book(&id(&UnverifiedDoctor.account()), window + SLOT),
            Error::DoctorNotVerified,
        ),
        case(
            Patient,
            "book_appointment",
            book(&id(&SuspendedDoctor.account()), window + SLOT),
            Error::DoctorSuspended,
        ),
        case(
            Patient,
            "book_appointment",
            book(&patient, window + SLOT),
            Error::CannotBookSelf,
        ),
        case(
            Patient,
            "book_appointment",
            book(&doctor, window + SLOT + 1),
            Error::SlotNotAligned,
        ),
        case(
            Patient,
            "book_appointment",
            book(&doctor, window + SLOT - 1),
            Error::SlotNotAligned,
        ),
        case(
            Patient,
            "book_appointment",
            book(&doctor, u64::MAX),
            Error::SlotNotAligned,
        ),
        case(
            Patient,
            "book_appointment",
            book(&doctor, NOW),
            Error::SlotInPast,
        ),
        case(
            Patient,
            "book_appointment",
            book(&doctor, now),
            Error::SlotInPast,
        ),
        case(
            Patient,
            "book_appointment",
            book(&doctor, 0),
            Error::SlotInPast,
        ),
        case(
            Patient,
            "book_appointment",
            book(&doctor, window - SLOT),
            Error::SlotOutsideAvailability,
        ),
        case(
            Patient,
            "book_appointment",
            book(&doctor, window + 8 * SLOT),
            Error::SlotOutsideAvailability,
        ),
        case(
            Patient,
            "book_appointment",
            book(&doctor, aligned_max),
            Error::SlotOutsideAvailability,
        ),
        case(
            Patient,
            "book_appointment",
            book(&doctor, window),
            Error::SlotAlreadyBooked,
        ),
        case(
            Stranger,
            "book_appointment",
            book(&doctor, window + SLOT),
            Error::PatientNotRegistered,
        ),
        case(
            Doctor,
            "book_appointment",
            book(&doctor, window + SLOT),
            Error::PatientNotRegistered,
        ),
        case(
            Patient,
            "cancel_appointment",
            vec!["1".into()],
            Error::AppointmentNotFound,
        ),
        case(
            Patient,
            "cancel_appointment",
            vec![u64::MAX.to_string()],
            Error::AppointmentNotFound,
        ),
        case(
            Stranger,
            "cancel_appointment",
            vec!["0".into()],
            Error::NotAppointmentParticipant,
        ),
        case(
            GrantedDoctor,
            "cancel_appointment",
            vec!["0".into()],
            Error::NotAppointmentParticipant,
        ),
        case(
            Doctor,
            "complete_appointment",
            vec!["0".into()],
            Error::AppointmentNotStarted,
        ),
        case(
            Doctor,
            "complete_appointment",
            vec!["1".into()],
            Error::AppointmentNotFound,
        ),
        case(
            Patient,
            "complete_appointment",
            vec!["0".into()],
            Error::NotAppointmentParticipant,
        ),
        case(
            Doctor,
            "mark_no_show",
            vec!["0".into()],
            Error::AppointmentNotStarted,
        ),
        case(
            Doctor,
            "mark_no_show",
            vec![u64::MAX.to_string()],
            Error::AppointmentNotFound,
        ),
        case(
            Patient,
            "mark_no_show",
            vec!["0".into()],
            Error::NotAppointmentParticipant,
        ),
        // consent
        case(
            Patient,
            "grant_access",
            grant(&patient, NOW + DAY, &key),
            Error::CannotGrantSelf,
        ),
        case(
            Patient,
            "grant_access",
            grant(&stranger, NOW + DAY, &key),
            Error::DoctorNotRegistered,
        ),
        case(
            Patient,
            "grant_access",
            grant(&zero, NOW + DAY, &key),
            Error::DoctorNotRegistered,
        ),
        case(
            Patient,
            "grant_access",
            grant(&id(&UnverifiedDoctor.account()), NOW + DAY, &key),
            Error::DoctorNotVerified,
        ),
        case(
            Patient,
            "grant_access",
            grant(&id(&SuspendedDoctor.account()), NOW + DAY, &key),
            Error::DoctorSuspended,
        ),
        case(
            Patient,
            "grant_access",
            grant(&doctor, now, &key),
            Error::ExpiryInPast,
        ),
        case(
            Patient,
            "grant_access",
            grant(&doctor, now - 1, &key),
            Error::ExpiryInPast,
        ),
        case(
            Patient,
            "grant_access",
            grant(&doctor, 0, &key),
            Error::ExpiryInPast,
        ),
        case(
            Patient,
            "grant_access",
            grant(&doctor, NOW + DAY, &too_long_key),
            Error::WrappedKeyTooLong,
        ),
        case(
            Stranger,
            "grant_access",
            grant(&doctor, NOW + DAY, &key),
            Error::PatientNotRegistered,
        ),
        case(
            Patient,
            "revoke_access",
            vec![doctor.clone()],
            Error::GrantNotFound,
        ),
        case(
            Patient,
            "revoke_access",
            vec![zero.clone()],
            Error::GrantNotFound,
        ),
        case(
            Patient,
            "revoke_access",
            vec![patient.clone()],
            Error::GrantNotFound,
        ),
        case(
            Patient,
            "revoke_access",
            vec![id(&RevokedGrantDoctor.account())],
            Error::GrantAlreadyRevoked,
        ),
        case(
            Patient,
            "share_record_key",
            share(&Doctor.account(), 1, &key),
            Error::GrantNotFound,
        ),
        case(
            Patient,
            "share_record_key",
            share(&zero_account(), 1, &key),
            Error::GrantNotFound,
        ),
        case(
            Patient,
            "share_record_key",
            share(&ExpiredGrantDoctor.account(), 1, &key),
            Error::AccessDenied,
        ),
        case(
            Patient,
            "share_record_key",
            share(&RevokedGrantDoctor.account(), 1, &key),
            Error::AccessDenied,
        ),
        case(
            Patient,
            "share_record_key",
            share(&SuspendedDoctor.account(), 1, &key),
            Error::DoctorSuspended,
        ),
        case(
            Patient,
            "share_record_key",
            share(&GrantedDoctor.account(), 0, &key),
            Error::StaleKeyEpoch,
        ),
        case(
            Patient,
            "share_record_key",
            share(&GrantedDoctor.account(), 2, &key),
            Error::StaleKeyEpoch,
        ),
        case(
            Patient,
            "share_record_key",
            share(&GrantedDoctor.account(), u64::from(u32::MAX), &key),
            Error::StaleKeyEpoch,
        ),
        case(
            Patient,
            "share_record_key",
            share(&GrantedDoctor.account(), 1, &too_long_key),
            Error::WrappedKeyTooLong,
        ),
        case(
            Stranger,
            "share_record_key",
            share(&GrantedDoctor.account(), 1, &key),
            Error::PatientNotRegistered,
        ),
        case(
            Stranger,
            "rotate_record_key",
            vec![],
            Error::PatientNotRegistered,
        ),
        case(
            Doctor,
            "rotate_record_key",
            vec![],
            Error::PatientNotRegistered,
        ),
        // documents
        case(
            Patient,
            "upload_document",
            upload(&[], &[7; 72], "None"),
            Error::InvalidEncryptedCid,
        ),
        case(
            Patient,
            "upload_document",
            upload(&[1; 257], &[7; 72], "None"),
            Error::InvalidEncryptedCid,
        ),
        case(
            Patient,
            "upload_document",
            upload(&[1; 60], &[7; 129], "None"),
            Error::WrappedKeyTooLong,
        ),
        case(
            Patient,
            "upload_document",
            upload(&[1; 60], &[7; 72], "Some(2)"),
            Error::DocumentNotFound,
        ),
        case(
            Patient,
            "upload_document",
            upload(&[1; 60], &[7; 72], &format!("Some({})", u32::MAX)),
            Error::DocumentNotFound,
        ),
        case(
            GrantedDoctor,
            "upload_document",
            upload(&[1; 60], &[7; 72], "Some(0)"),
            Error::NotDocumentAuthor,
        ),
        case(
            GrantedDoctor,
            "upload_document",
            upload(&[], &[7; 72], "None"),
            Error::InvalidEncryptedCid,
        ),
        case(
            ExpiredGrantDoctor,
            "upload_document",
            upload(&[1; 60], &[7; 72], "None"),
            Error::AccessDenied,
        ),
        case(
            RevokedGrantDoctor,
            "upload_document",
            upload(&[1; 60], &[7; 72], "None"),
            Error::AccessDenied,
        ),
        case(
            SuspendedDoctor,
            "upload_document",
            upload(&[1; 60], &[7; 72], "None"),
            Error::AccessDenied,
        ),
        case(
            Doctor,
            "upload_document",
            upload(&[1; 60], &[7; 72], "None"),
            Error::AccessDenied,
        ),
        case(
            Patient,
            "upload_document",
            vec![
                stranger.clone(),
                bytes(&[1; 60]),
                bytes(&[0; 32]),
                bytes(&[7; 72]),
                "None".into(),
            ],
            Error::PatientNotRegistered,
        ),
        case(
            Patient,
            "upload_document",
            vec![
                zero.clone(),
                bytes(&[1; 60]),
                bytes(&[0; 32]),
                bytes(&[7; 72]),
                "None".into(),
            ],
            Error::PatientNotRegistered,
        ),
        case(
            Patient,
            "mark_document_entered_in_error",
            pair(&patient, "2"),
            Error::DocumentNotFound,
        ),
        case(
            Patient,
            "mark_document_entered_in_error",
            pair(&patient, &u32::MAX.to_string()),
            Error::DocumentNotFound,
        ),
        case(
            Doctor,
            "mark_document_entered_in_error",
            pair(&patient, "0"),
            Error::NotDocumentAuthor,
        ),
        case(
            GrantedDoctor,
            "mark_document_entered_in_error",
            pair(&patient, "0"),
            Error::NotDocumentAuthor,
        ),
        case(
            Patient,
            "mark_document_entered_in_error",
            pair(&stranger, "0"),
            Error::DocumentNotFound,
        ),
        case(
            Patient,
            "open_document",
            pair(&patient, "2"),
            Error::DocumentNotFound,
        ),
        case(
            GrantedDoctor,
            "open_document",
            pair(&patient, "2"),
            Error::DocumentNotFound,
        ),
        case(
            Patient,
            "open_document",
            pair(&stranger, "0"),
            Error::PatientNotRegistered,
        ),
        case(
            ExpiredGrantDoctor,
            "open_document",
            pair(&patient, "0"),
            Error::AccessDenied,
        ),
        case(
            SuspendedDoctor,
            "open_document",
            pair(&patient, "0"),
            Error::AccessDenied,
        ),
        // emergency access
        case(
            Doctor,
            "open_emergency_access",
            pair(&patient, "[]"),
            Error::InvalidSealedReason,
        ),
        case(
            Doctor,
            "open_emergency_access",
            vec![patient.clone(), bytes(&vec![1; MAX_SEALED_REASON_LEN + 1])],
            Error::InvalidSealedReason,
        ),
        case(
            Doctor,
            "open_emergency_access",
            pair(&stranger, &reason),
            Error::PatientNotRegistered,
        ),
        case(
            Doctor,
            "open_emergency_access",
            pair(&zero, &reason),
            Error::PatientNotRegistered,
        ),
        case(
            RevokedGrantDoctor,
            "open_emergency_access",
            pair(&patient, &reason),
            Error::EmergencyAccessRefused,
        ),
        case(
            UnverifiedDoctor,
            "open_emergency_access",
            pair(&patient, &reason),
            Error::DoctorNotVerified,
        ),
        case(
            Patient,
            "end_emergency_access",
            pair(&patient, &doctor),
            Error::EmergencyAccessNotFound,
        ),
        case(
            Doctor,
            "end_emergency_access",
            pair(&patient, &doctor),
            Error::EmergencyAccessNotFound,
        ),
        case(
            Stranger,
            "end_emergency_access",
            pair(&patient, &doctor),
            Error::NotPermitted,
        ),
        case(
            Patient,
            "refuse_emergency_access",
            vec![patient.clone()],
            Error::CannotGrantSelf,
        ),
        case(
            Patient,
            "refuse_emergency_access",
            vec![id(&RevokedGrantDoctor.account())],
            Error::EmergencyAccessAlreadyRefused,
        ),
        case(
            Stranger,
            "refuse_emergency_access",
            vec![doctor.clone()],
            Error::PatientNotRegistered,
        ),
        case(
            Patient,
            "allow_emergency_access",
            vec![doctor.clone()],
            Error::EmergencyAccessNotRefused,
        ),
        case(
            Patient,
            "allow_emergency_access",
            vec![zero.clone()],
            Error::EmergencyAccessNotRefused,
        ),
        case(
            Patient,
            "deposit_emergency_key",
            vec!["0".into(), key.clone()],
            Error::StaleKeyEpoch,
        ),
        case(
            Patient,
            "deposit_emergency_key",
            vec!["2".into(), key.clone()],
            Error::StaleKeyEpoch,
        ),
        case(
            Patient,
            "deposit_emergency_key",
            vec!["1".into(), "[]".into()],
            Error::WrappedKeyTooLong,
        ),
        case(
            Patient,
            "deposit_emergency_key",
            vec!["1".into(), too_long_key.clone()],
            Error::WrappedKeyTooLong,
        ),
        case(
            Stranger,
            "deposit_emergency_key",
            vec!["1".into(), key.clone()],
            Error::PatientNotRegistered,
        ),
        case(
            Doctor,
            "withdraw_emergency_key",
            vec![],
            Error::EmergencyKeyNotDeposited,
        ),
        case(
            Verifier,
            "release_emergency_key",
            release(&doctor),
            Error::EmergencyAccessNotFound,
        ),
        case(
            Verifier,
            "release_emergency_key",
            release(&id(&SuspendedDoctor.account())),
            Error::DoctorSuspended,
        ),
        case(
            Verifier,
            "release_emergency_key",
            release(&id(&UnverifiedDoctor.account())),
            Error::DoctorNotVerified,
        ),
        case(
            Verifier,
            "release_emergency_key",
            release(&stranger),
            Error::DoctorNotRegistered,
        ),
        case(
            Verifier,
            "release_emergency_key",
            release(&id(&RevokedGrantDoctor.account())),
            Error::EmergencyAccessRefused,
        ),
        case(
            Verifier,
            "release_emergency_key",
            vec![stranger.clone(), doctor.clone(), "1".into(), key.clone()],
            Error::EmergencyKeyNotDeposited,
        ),
        case(
            Stranger,
            "release_emergency_key",
            release(&doctor),
            Error::NotEmergencyCustodian,
        ),
        // queries
        case(
            Stranger,
            "patient",
            vec![stranger.clone()],
            Error::PatientNotRegistered,
        ),
        case(
            Stranger,
            "rotation_required",
            vec![zero.clone()],
            Error::PatientNotRegistered,
        ),
        case(
            Stranger,
            "doctor",
            vec![patient.clone()],
            Error::DoctorNotRegistered,
        ),
        case(
            Stranger,
            "get_availability",
            vec![zero.clone()],
            Error::DoctorNotRegistered,
        ),
        case(
            Patient,
            "appointment",
            vec!["1".into()],
            Error::AppointmentNotFound,
        ),
        case(
            Stranger,
            "appointment",
            vec!["0".into()],
            Error::NotPermitted,
        ),
        case(
            Doctor,
            "get_all_appointments",
            page(&patient),
            Error::NotPermitted,
        ),
        case(
            Stranger,
            "grant",
            pair(&patient, &doctor),
            Error::NotPermitted,
        ),
        case(
            Patient,
            "grant",
            pair(&patient, &doctor),
            Error::GrantNotFound,
        ),
        case(
            GrantedDoctor,
            "get_grants",
            page(&patient),
            Error::NotPermitted,
        ),
        case(
            Patient,
            "get_all_documents",
            page(&stranger),
            Error::PatientNotRegistered,
        ),
        case(
            Doctor,
            "get_all_documents",
            page(&patient),
            Error::AccessDenied,
        ),
        case(
            Stranger,
            "emergency_access",
            pair(&patient, &doctor),
            Error::NotPermitted,
        ),
        case(
            Patient,
            "emergency_access",
            pair(&patient, &doctor),
            Error::EmergencyAccessNotFound,
        ),
        case(
            Stranger,
            "emergency_refusal",
            pair(&patient, &doctor),
            Error::NotPermitted,
        ),
        case(
            Stranger,
            "emergency_key",
            vec![stranger.clone()],
            Error::EmergencyKeyNotDeposited,
        ),
        case(
            Doctor,
            "get_audit_trail",
            page(&patient),
            Error::NotPermitted,
        ),
    ];
    // labels at the limits: empty, blank, over 64 bytes (also in multi-byte UTF-8), control
    // characters, and slot lengths just outside 5..=480
    for name in [
        "",
        "   ",
        &"n".repeat(65),
        &"é".repeat(33),
        "Dr.\nNo",
        "Dr.\tNo",
    ] {
        cases.push(case(
            Stranger,
            "register_doctor",
            register_doctor_args(name, "Cardiology", "30"),
            Error::InvalidDisplayName,
        ));
    }
    for specialty in ["", "\t", &"s".repeat(65), "card\riology"] {
        cases.push(case(
            Stranger,
            "register_doctor",
            register_doctor_args("Dr. A", specialty, "30"),
            Error::InvalidSpecialty,
        ));
    }
    for minutes in ["0", "1", "4", "481", "65535"] {
        cases.push(case(
            Stranger,
            "register_doctor",
            register_doctor_args("Dr. A", "Cardiology", minutes),
            Error::InvalidSlotLength,
        ));
    }
    cases
}

#[drink::test]
fn bad_input_is_refused_with_a_typed_error_and_changes_nothing(mut session: Session) {
    // given every role in place
    deploy_with_every_role(&mut session);
    let world = session.sandbox().take_snapshot();
    let cases = cases();
    assert!(cases.len() >= 150, "{} cases", cases.len());
    for (row, case) in cases.iter().enumerate() {
        session.sandbox().restore_snapshot(world.clone());
        let before = state_root(&mut session);
        // when
        let outcome = call::<()>(&mut session, &case.actor, case.message, &case.args);
        // then
        assert_eq!(
            outcome,
            Err(case.error),
            "row {row}: `{}` {:?}",
            case.message,
            case.args
        );
        assert_eq!(
            state_root(&mut session),
            before,
            "row {row}: refused `{}` changed state",
            case.message
        );
        assert_eq!(
            last_call_event_count(&session),
            0,
            "row {row}: refused `{}` emitted an event",
            case.message
        );
    }
}
