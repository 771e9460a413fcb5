//! Consent expiry and revocation, and emergency access, with the sandbox clock.

use crate::fixture::*;
use drink::session::Session;
use ehr::{
    AuditAction, AuditEntry, Document, EmergencyAccess, Error, Page, EMERGENCY_ACCESS_DURATION,
};
use Role::*;

fn list_documents(
    session: &mut EhrSession,
    reader: &drink::AccountId32,
) -> Result<Page<Document>, Error> {
    call(
        session,
        reader,
        "get_all_documents",
        &[id(&Patient.account()), "0".into(), "20".into()],
    )
}

fn open(
    session: &mut EhrSession,
    reader: &drink::AccountId32,
    document: u32,
) -> Result<Document, Error> {
    call(
        session,
        reader,
        "open_document",
        &[id(&Patient.account()), document.to_string()],
    )
}

fn audit_actions(session: &mut EhrSession) -> Vec<AuditAction> {
    let patient = Patient.account();
    let page: Page<AuditEntry> = call(
        session,
        &patient,
        "get_audit_trail",
        &[id(&patient), "0".into(), "20".into()],
    )
    .unwrap();
    page.items.iter().map(|entry| entry.action).collect()
}

#[drink::test]
fn grant_expires_with_the_clock(mut session: Session) {
    // given a read grant for one day and a document
    deploy_with_doctor_and_patient(&mut session);
    let (patient, doctor) = (Patient.account(), Doctor.account());
    call::<()>(
        &mut session,
        &patient,
        "grant_access",
        &grant_args(&doctor, false, NOW + DAY),
    )
    .unwrap();
    let document: u32 = call(
        &mut session,
        &patient,
        "upload_document",
        &upload_args(&patient),
    )
    .unwrap();
    // then the doctor can list and open it, and the opening is logged
    assert_eq!(list_documents(&mut session, &doctor).unwrap().total, 1);
    let opened = open(&mut session, &doctor, document).unwrap();
    assert_eq!(opened.encrypted_cid, vec![0xc1; 60]);
    assert_eq!(last_call_event_count(&session), 1);
    // but not write: the grant is read-only
    assert_eq!(
        call::<u32>(
            &mut session,
            &doctor,
            "upload_document",
            &upload_args(&patient)
        ),
        Err(Error::AccessDenied)
    );
    // when the clock passes the expiry
    set_time(&mut session, NOW + DAY);
    // then nothing opens
    assert_eq!(
        list_documents(&mut session, &doctor),
        Err(Error::AccessDenied)
    );
    assert_eq!(
        open(&mut session, &doctor, document),
        Err(Error::AccessDenied)
    );
    // and the expired doctor still holds the epoch-0 key, so renewing needs a new epoch first
    assert_eq!(
        call::<()>(
            &mut session,
            &patient,
            "grant_access",
            &grant_args(&doctor, false, NOW + 2 * DAY),
        ),
        Err(Error::RotationRequired)
    );
    call::<u32>(&mut session, &patient, "rotate_record_key", &[]).unwrap();
    // and then renewing the grant opens it again
    call::<()>(
        &mut session,
        &patient,
        "grant_access",
        &grant_args(&doctor, false, NOW + 2 * DAY),
    )
    .unwrap();
    assert!(open(&mut session, &doctor, document).is_ok());
    assert_eq!(
        audit_actions(&mut session),
        vec![
            AuditAction::PatientRegistered,
            AuditAction::AccessGranted,
            AuditAction::DocumentUploaded,
            AuditAction::DocumentOpened,
            AuditAction::RecordKeyRotated,
            AuditAction::AccessGranted,
            AuditAction::DocumentOpened,
        ]
    );
}

#[drink::test]
fn revoked_grant_opens_nothing(mut session: Session) {
    deploy_with_doctor_and_patient(&mut session);
    let (patient, doctor) = (Patient.account(), Doctor.account());
    call::<()>(
        &mut session,
        &patient,
        "grant_access",
        &grant_args(&doctor, true, NOW + 30 * DAY),
    )
    .unwrap();
    let by_doctor: u32 = call(
        &mut session,
        &doctor,
        "upload_document",
        &upload_args(&patient),
    )
    .unwrap();
    // when the patient revokes
    call::<()>(&mut session, &patient, "revoke_access", &[id(&doctor)]).unwrap();
    // then the doctor can neither read nor write, and a second revoke is refused
    assert_eq!(
        list_documents(&mut session, &doctor),
        Err(Error::AccessDenied)
    );
    assert_eq!(
        open(&mut session, &doctor, by_doctor),
        Err(Error::AccessDenied)
    );
    assert_eq!(
        call::<u32>(
            &mut session,
            &doctor,
            "upload_document",
            &upload_args(&patient)
        ),
        Err(Error::AccessDenied)
    );
    assert_eq!(
        call::<()>(&mut session, &patient, "revoke_access", &[id(&doctor)]),
        Err(Error::GrantAlreadyRevoked)
    );
    let grant: ehr::Grant =
        call(&mut session, &doctor, "grant", &[id(&patient), id(&doctor)]).unwrap();
    assert_eq!(grant.revoked_at, Some(NOW));
}

#[drink::test]
fn emergency_access_ends_with_the_clock(mut session: Session) {
    deploy_with_doctor_and_patient(&mut session);
    let (patient, doctor) = (Patient.account(), Doctor.account());
    let document: u32 = call(
        &mut session,
        &patient,
        "upload_document",
        &upload_args(&patient),
    )
    .unwrap();
    assert_eq!(
        open(&mut session, &doctor, document),
        Err(Error::AccessDenied)
    );
    // when the doctor breaks the glass
    let expires_at: u64 = call(
        &mut session,
        &doctor,
        "open_emergency_access",
        &[id(&patient), bytes(&SEALED_REASON)],
    )
    .unwrap();
    assert_eq!(expires_at, NOW + EMERGENCY_ACCESS_DURATION);
    // then the doctor reads, and the read is logged as an emergency
    assert!(open(&mut session, &doctor, document).is_ok());
    // until the window closes by itself
    set_time(&mut session, expires_at - 1);
    assert!(open(&mut session, &doctor, document).is_ok());
    set_time(&mut session, expires_at);
    assert_eq!(
        open(&mut session, &doctor, document),
        Err(Error::AccessDenied)
    );
    assert_eq!(
        list_documents(&mut session, &doctor),
        Err(Error::AccessDenied)
    );
    assert_eq!(
        audit_actions(&mut session),
        vec![
            AuditAction::PatientRegistered,
            AuditAction::DocumentUploaded,
            AuditAction::EmergencyAccessOpened,
            AuditAction::DocumentOpened,
            AuditAction::DocumentOpened,
        ]
    );
}

#[drink::test]
fn patient_ends_emergency_access(mut session: Session) {
    deploy_with_doctor_and_patient(&mut session);
    let (patient, doctor) = (Patient.account(), Doctor.account());
    let document: u32 = call(
        &mut session,
        &patient,
        "upload_document",
        &upload_args(&patient),
    )
    .unwrap();
    call::<u64>(
        &mut session,
        &doctor,
        "open_emergency_access",
        &[id(&patient), bytes(&SEALED_REASON)],
    )
    .unwrap();
    assert_eq!(
        call::<u64>(
            &mut session,
            &doctor,
            "open_emergency_access",
            &[id(&patient), bytes(&SEALED_REASON)]
        ),
        Err(Error::EmergencyAccessActive)
    );
    // when the patient ends it early
    set_time(&mut session, NOW + SLOT);
    call::<()>(
        &mut session,
        &patient,
        "end_emergency_access",
        &[id(&patient), id(&doctor)],
    )
    .unwrap();
    // then the doctor is refused at once
    assert_eq!(
        open(&mut session, &doctor, document),
        Err(Error::AccessDenied)
    );
    let access: EmergencyAccess = call(
        &mut session,
        &patient,
        "emergency_access",
        &[id(&patient), id(&doctor)],
    )
    .unwrap();
    assert_eq!(access.ended_at, Some(NOW + SLOT));
    assert_eq!(access.sealed_reason, SEALED_REASON.to_vec());
}
