//! Every state-changing message, called by every role, against the compiled contract: the
//! typed error or success each role gets, and that a refused call changed nothing.

use crate::fixture::*;
use drink::{session::Session, Sandbox};
use ehr::Error;
use Role::*;

/// One row of the table: a message, its arguments, and what each role gets.
struct Case {
    message: &'static str,
    args: Vec<String>,
    expected: fn(Role) -> Result<(), Error>,
}

fn only(allowed: &'static [Role], otherwise: Error) -> impl Fn(Role) -> Result<(), Error> {
    move |role| {
        if allowed.contains(&role) {
            Ok(())
        } else {
            Err(otherwise)
        }
    }
}

fn cases() -> Vec<Case> {
    let patient = Patient.account();
    let new_account = account(11);
    vec![
        Case {
            message: "transfer_admin",
            args: vec![id(&new_account)],
            expected: |role| only(&[Admin], Error::NotAdmin)(role),
        },
        Case {
            message: "accept_admin",
            args: vec![],
            expected: |role| only(&[Stranger], Error::NotPendingAdmin)(role),
        },
        Case {
            message: "add_verifier",
            args: vec![id(&new_account)],
            expected: |role| only(&[Admin], Error::NotAdmin)(role),
        },
        Case {
            message: "remove_verifier",
            args: vec![id(&Verifier.account())],
            expected: |role| only(&[Admin], Error::NotAdmin)(role),
        },
        Case {
            message: "register_patient",
            args: vec![bytes(&[3; 32])],
            expected: |role| match role {
                Patient => Err(Error::PatientAlreadyRegistered),
                _ => Ok(()),
            },
        },
        Case {
            message: "verify_patient",
            args: vec![id(&patient)],
            expected: |role| match role {
                Verifier => Ok(()),
                role if role.is_verified_doctor() => Ok(()),
                _ => Err(Error::NotPatientVerifier),
            },
        },
        Case {
            message: "withdraw_patient_verification",
            args: vec![id(&patient)],
            expected: |_| Err(Error::PatientNotVerified),
        },
        Case {
            message: "replace_public_key",
            args: vec![bytes(&[3; 32])],
            expected: |role| match role {
                Patient => Ok(()),
                role if role.is_doctor() => Ok(()),
                _ => Err(Error::NotRegistered),
            },
        },
        Case {
            message: "refuse_emergency_access",
            args: vec![id(&Doctor.account())],
            expected: |role| only(&[Patient], Error::PatientNotRegistered)(role),
        },
        Case {
            message: "allow_emergency_access",
            args: vec![id(&RevokedGrantDoctor.account())],
            expected: |role| only(&[Patient], Error::EmergencyAccessNotRefused)(role),
        },
        Case {
            message: "register_doctor",
            args: vec![
                text("Dr. New"),
                text("Neurology"),
                bytes(&[4; 32]),
                bytes(&[5; 32]),
                "30".into(),
            ],
            expected: |role| match role {
                role if role.is_doctor() => Err(Error::DoctorAlreadyRegistered),
                _ => Ok(()),
            },
        },
        Case {
            message: "verify_doctor",
            args: vec![id(&UnverifiedDoctor.account())],
            expected: |role| only(&[Verifier], Error::NotVerifier)(role),
        },
        Case {
            message: "suspend_doctor",
            args: vec![id(&Doctor.account())],
            expected: |role| only(&[Verifier], Error::NotVerifier)(role),
        },
        Case {
            message: "publish_availability",
            args: vec![
                (NOW + 3 * DAY).to_string(),
                (NOW + 3 * DAY + 4 * SLOT).to_string(),
            ],
            expected: |role| match role {
                role if role.is_verified_doctor() => Ok(()),
                UnverifiedDoctor => Err(Error::DoctorNotVerified),
                SuspendedDoctor => Err(Error::DoctorSuspended),
                _ => Err(Error::DoctorNotRegistered),
            },
        },
        Case {
            message: "withdraw_availability",
            args: vec![(NOW + DAY).to_string()],
            expected: |role| match role {
                Doctor => Ok(()),
                role if role.is_doctor() => Err(Error::WindowNotFound),
                _ => Err(Error::DoctorNotRegistered),
            },
        },
        Case {
            message: "book_appointment",
            args: vec![id(&Doctor.account()), (NOW + DAY + SLOT).to_string()],
            expected: |role| only(&[Patient], Error::PatientNotRegistered)(role),
        },
        Case {
            message: "cancel_appointment",
            args: vec!["0".into()],
            expected: |role| only(&[Patient, Doctor], Error::NotAppointmentParticipant)(role),
        },
        Case {
            message: "complete_appointment",
            args: vec!["0".into()],
            expected: |role| match role {
                Doctor => Err(Error::AppointmentNotStarted),
                _ => Err(Error::NotAppointmentParticipant),
            },
        },
        Case {
            message: "mark_no_show",
            args: vec!["0".into()],
            expected: |role| match role {
                Doctor => Err(Error::AppointmentNotStarted),
                _ => Err(Error::NotAppointmentParticipant),
            },
        },
        Case {
            message: "grant_access",
            args: grant_args(&Doctor.account(), false, NOW + 10 * DAY),
            expected: |role| only(&[Patient], Error::PatientNotRegistered)(role),
        },
        Case {
            message: "revoke_access",
            args: vec![id(&GrantedDoctor.account())],
            expected: |role| only(&[Patient], Error::GrantNotFound)(role),
        },
        Case {
            message: "share_record_key",
            args: vec![id(&GrantedDoctor.account()), "1".into(), bytes(&[6; 80])],
            expected: |role| only(&[Patient], Error::PatientNotRegistered)(role),
        },
        Case {
            message: "rotate_record_key",
            args: vec![],
            expected: |role| only(&[Patient], Error::PatientNotRegistered)(role),
        },
        Case {
            message: "set_emergency_custodian",
            args: vec!["None".into()],
            expected: |role| only(&[Admin], Error::NotAdmin)(role),
        },
        Case {
            message: "deposit_emergency_key",
            args: vec!["1".into(), bytes(&[8; 80])],
            expected: |role| only(&[Patient], Error::PatientNotRegistered)(role),
        },
        Case {
            message: "withdraw_emergency_key",
            args: vec![],
            expected: |role| only(&[Patient], Error::EmergencyKeyNotDeposited)(role),
        },
        Case {
            message: "release_emergency_key",
            args: vec![
                id(&patient),
                id(&Doctor.account()),
                "1".into(),
                bytes(&[8; 80]),
            ],
            expected: |role| match role {
                Verifier => Err(Error::EmergencyAccessNotFound),
                _ => Err(Error::NotEmergencyCustodian),
            },
        },
        Case {
            message: "upload_document",
            args: upload_args(&patient),
            expected: |role| only(&[Patient, GrantedDoctor], Error::AccessDenied)(role),
        },
        Case {
            message: "mark_document_entered_in_error",
            args: vec![id(&patient), "1".into()],
            expected: |role| only(&[Patient, GrantedDoctor], Error::NotDocumentAuthor)(role),
        },
        Case {
            message: "open_document",
            args: vec![id(&patient), "0".into()],
            expected: |role| only(&[Patient, GrantedDoctor], Error::AccessDenied)(role),
        },
        Case {
            message: "open_emergency_access",
            args: vec![id(&patient), bytes(&SEALED_REASON)],
            expected: |role| match role {
                RevokedGrantDoctor => Err(Error::EmergencyAccessRefused),
                role if role.is_verified_doctor() => Ok(()),
                UnverifiedDoctor => Err(Error::DoctorNotVerified),
                SuspendedDoctor => Err(Error::DoctorSuspended),
                _ => Err(Error::DoctorNotRegistered),
            },
        },
        Case {
            message: "end_emergency_access",
            args: vec![id(&patient), id(&Doctor.account())],
            expected: |role| match role {
                Patient | Doctor => Err(Error::EmergencyAccessNotFound),
                _ => Err(Error::NotPermitted),
            },
        },
    ]
}

#[drink::test]
fn every_message_by_every_role(mut session: Session) {
    // given every role in place
    deploy_with_every_role(&mut session);
    let world = session.sandbox().take_snapshot();
    let mut checked = 0;
    for case in cases() {
        for role in Role::ALL {
            session.sandbox().restore_snapshot(world.clone());
            let before = state_root(&mut session);
            // when
            let outcome = call::<()>(&mut session, &role.account(), case.message, &case.args);
            // then
            let expected = (case.expected)(role);
            assert_eq!(outcome, expected, "`{}` by {role:?}", case.message);
            match expected {
                Err(_) => {
                    assert_eq!(
                        state_root(&mut session),
                        before,
                        "refused `{}` by {role:?} changed state",
                        case.message
                    );
                    assert_eq!(
                        last_call_event_count(&session),
                        0,
                        "refused `{}` by {role:?} emitted an event",
                        case.message
                    );
                }
                Ok(()) => {
                    let opened_own_record = case.message == "open_document" && role == Patient;
                    if !opened_own_record {
                        assert_ne!(
                            state_root(&mut session),
                            before,
                            "`{}` by {role:?}",
                            case.message
                        );
                        assert!(
                            last_call_event_count(&session) > 0,
                            "`{}` by {role:?} emitted no event",
                            case.message
                        );
                    }
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 32 * Role::ALL.len());
}
