//! The built bundle's metadata: what Contracts UI and the client see.

use crate::BundleProvider;

/// Every message of the contract, as the README's table lists it.
const MESSAGES: [&str; 56] = [
    "admin",
    "transfer_admin",
    "accept_admin",
    "add_verifier",
    "remove_verifier",
    "is_verifier",
    "verifier_count",
    "register_patient",
    "verify_patient",
    "withdraw_patient_verification",
    "replace_public_key",
    "rotation_required",
    "patient",
    "patient_verification",
    "patient_count",
    "register_doctor",
    "verify_doctor",
    "suspend_doctor",
    "doctor",
    "doctor_count",
    "verified_doctor_count",
    "get_all_doctors",
    "get_registered_doctors",
    "publish_availability",
    "withdraw_availability",
    "get_availability",
    "check_doctor_availability",
    "book_appointment",
    "cancel_appointment",
    "complete_appointment",
    "mark_no_show",
    "appointment",
    "get_all_appointments",
    "grant_access",
    "revoke_access",
    "share_record_key",
    "rotate_record_key",
    "grant",
    "get_grants",
    "upload_document",
    "mark_document_entered_in_error",
    "open_document",
    "get_all_documents",
    "open_emergency_access",
    "end_emergency_access",
    "emergency_access",
    "refuse_emergency_access",
    "allow_emergency_access",
    "emergency_refusal",
    "set_emergency_custodian",
    "emergency_custodian",
    "deposit_emergency_key",
    "withdraw_emergency_key",
    "emergency_key",
    "release_emergency_key",
    "get_audit_trail",
];

#[test]
fn bundle_metadata_lists_every_message() {
    // given
    let bundle = BundleProvider::Ehr.bundle().expect("the bundle was built");

    // when
    let metadata = bundle.transcoder.metadata();
    let mut listed: Vec<&str> = metadata
        .spec()
        .messages()
        .iter()
        .map(|message| message.label().as_str())
        .collect();
    listed.sort_unstable();

    // then
    let mut expected = MESSAGES.to_vec();
    expected.sort_unstable();
    assert_eq!(listed, expected);
    let constructors: Vec<&str> = metadata
        .spec()
        .constructors()
        .iter()
        .map(|constructor| constructor.label().as_str())
        .collect();
    assert_eq!(constructors, ["new"]);
}

#[test]
fn every_message_returns_a_result() {
    // given
    let bundle = BundleProvider::Ehr.bundle().expect("the bundle was built");
    let metadata = bundle.transcoder.metadata();

    // then: the return type of each message is `Result<Result<T, Error>, LangError>`
    for message in metadata.spec().messages() {
        let outer = message.return_type().ret_type().ty().id;
        let outer = metadata
            .registry()
            .resolve(outer)
            .expect("type in registry");
        assert_eq!(outer.path.segments, ["Result"], "{}", message.label());
        let inner = outer.type_params[0].ty.expect("Ok type").id;
        let inner = metadata
            .registry()
            .resolve(inner)
            .expect("type in registry");
        assert_eq!(
            inner.path.segments,
            ["Result"],
            "`{}` must return Result<_, Error>",
            message.label()
        );
        let error = inner.type_params[1].ty.expect("Err type").id;
        let error = metadata
            .registry()
            .resolve(error)
            .expect("type in registry");
        assert_eq!(
            error.path.segments.last().map(String::as_str),
            Some("Error"),
            "`{}`",
            message.label()
        );
    }
}
