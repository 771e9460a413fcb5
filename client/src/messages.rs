//! Typed call descriptors, one per contract message.
//!
//! A [`Message<R>`] is what a call puts on the wire, the 4-byte selector followed by the
//! SCALE-encoded arguments, with the message's success type `R` in its type: the contract
//! answers `Result<Result<R, ehr::Error>, ink::LangError>`, which
//! [`EhrClient`](crate::EhrClient) decodes into `Result<R, ClientError>`.
//!
//! ```
//! use ehr_client::messages;
//! use ehr_client::AccountId;
//!
//! let doctor = AccountId::from([7; 32]);
//! let message = messages::book_appointment(doctor, 1_700_000_000_000);
//! assert_eq!(message.label(), "book_appointment");
//! assert!(message.mutates());
//! // selector (blake2b-256 of the name, first 4 bytes), then the arguments
//! assert_eq!(message.input_data().len(), 4 + 32 + 8);
//! ```

use crate::AccountId;
use codec::{Decode, Encode};
use ehr::{
    Appointment, AppointmentId, AuditEntry, AvailabilityWindow, Doctor, Document, DocumentId,
    EmergencyAccess, EmergencyCustodian, EmergencyKey, Grant, GrantEntry, Hash32, Page, Patient,
    PatientVerification, PublicKey, Timestamp,
};
use std::marker::PhantomData;

/// One contract message, ready to dry-run or submit; `R` is what it returns on success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message<R> {
    label: &'static str,
    mutates: bool,
    input_data: Vec<u8>,
    returns: PhantomData<fn() -> R>,
}

impl<R: Decode> Message<R> {
    fn new(label: &'static str, mutates: bool, args: impl Encode) -> Self {
        let mut input_data = selector(label).to_vec();
        args.encode_to(&mut input_data);
        Message {
            label,
            mutates,
            input_data,
            returns: PhantomData,
        }
    }

    /// The message's name in the contract, e.g. `book_appointment`.
    pub fn label(&self) -> &'static str {
        self.label
    }

    /// Whether the message changes state (`&mut self`): submit it as a transaction. Queries
    /// are answered by a dry-run alone.
    pub fn mutates(&self) -> bool {
        self.mutates
    }

    /// The selector followed by the SCALE-encoded arguments.
    pub fn input_data(&self) -> &[u8] {
        &self.input_data
    }

    /// The selector: the first 4 bytes of the BLAKE2b-256 hash of the message name, as ink!
    /// computes it for messages of an inherent `impl` block.
    pub fn selector(&self) -> [u8; 4] {
        selector(self.label)
    }
}

/// ink!'s selector for a message or constructor named `label`.
pub fn selector(label: &str) -> [u8; 4] {
    let hash = crate::blake2_256(label.as_bytes());
    [hash[0], hash[1], hash[2], hash[3]]
}

/// The input data of the contract's only constructor, `new()`.
pub fn constructor_new() -> Vec<u8> {
    selector("new").to_vec()
}

macro_rules! messages {
    ($(
        $(#[$doc:meta])*
        $kind:ident $name:ident ( $( $arg:ident : $ty:ty ),* ) -> $ret:ty;
    )*) => {
        $(
            $(#[$doc])*
            pub fn $name($( $arg: $ty ),*) -> Message<$ret> {
                Message::new(stringify!($name), messages!(@mutates $kind), ($( $arg, )*))
            }
        )*

        /// The label of every message, in the contract's order.
        pub const ALL_LABELS: &[&str] = &[$( stringify!($name) ),*];

        /// Whether the message `label` changes state (a transaction) or only answers (a
        /// query); `None` if the contract has no such message.
        pub fn label_mutates(label: &str) -> Option<bool> {
            const KINDS: &[(&str, bool)] = &[$( (stringify!($name), messages!(@mutates $kind)) ),*];
            KINDS
                .iter()
                .find(|(name, _)| *name == label)
                .map(|(_, mutates)| *mutates)
        }

        /// One typed method per contract message: writes are dry-run, submitted and awaited
        /// ([`EhrClient::submit`]); queries are dry-runs ([`EhrClient::query`]).
        impl crate::EhrClient {
            $(
                messages!(@method $(#[$doc])* $kind $name ( $( $arg : $ty ),* ) -> $ret);
            )*
        }
    };
    (@mutates tx) => { true };
    (@mutates query) => { false };
    (@method $(#[$doc:meta])* tx $name:ident ( $( $arg:ident : $ty:ty ),* ) -> $ret:ty) => {
        $(#[$doc])*
        ///
        /// # Errors
        /// [`ClientError::Contract`](crate::ClientError::Contract) with the contract's error,
        /// before anything is submitted; the other `ClientError`s for transport and chain
        /// failures.
        pub async fn $name(&self, $( $arg: $ty ),*) -> crate::Result<crate::Submitted<$ret>> {
            self.submit(&$name($( $arg ),*)).await
        }
    };
    (@method $(#[$doc:meta])* query $name:ident ( $( $arg:ident : $ty:ty ),* ) -> $ret:ty) => {
        $(#[$doc])*
        ///
        /// # Errors
        /// [`ClientError::Contract`](crate::ClientError::Contract) with the contract's error;
        /// the other `ClientError`s for transport and chain failures.
        pub async fn $name(&self, $( $arg: $ty ),*) -> crate::Result<$ret> {
            self.query(&$name($( $arg ),*)).await
        }
    };
}

messages! {
    /// `admin()`: the admin account.
    query admin() -> AccountId;
    /// `transfer_admin(new_admin)`: the admin proposes the next admin.
    tx transfer_admin(new_admin: AccountId) -> ();
    /// `accept_admin()`: the proposed admin takes over.
    tx accept_admin() -> ();
    /// `add_verifier(verifier)`: the admin appoints a verifier.
    tx add_verifier(verifier: AccountId) -> ();
    /// `remove_verifier(verifier)`: the admin removes a verifier.
    tx remove_verifier(verifier: AccountId) -> ();
    /// `is_verifier(account)`.
    query is_verifier(account: AccountId) -> bool;
    /// `verifier_count()`.
    query verifier_count() -> u32;
    /// `register_patient(public_key)`: the caller becomes a patient.
    tx register_patient(public_key: PublicKey) -> ();
    /// `verify_patient(patient)`: a verified doctor or verifier attests a patient.
    tx verify_patient(patient: AccountId) -> ();
    /// `withdraw_patient_verification(patient)`: the attester or any verifier withdraws it.
    tx withdraw_patient_verification(patient: AccountId) -> ();
    /// `replace_public_key(public_key)`: the caller's new encryption key (a lost device).
    tx replace_public_key(public_key: PublicKey) -> ();
    /// `rotation_required(patient)`: whether the patient must rotate before adding more.
    query rotation_required(patient: AccountId) -> bool;
    /// `patient(account)`.
    query patient(account: AccountId) -> Patient;
    /// `patient_verification(account)`.
    query patient_verification(account: AccountId) -> PatientVerification;
    /// `patient_count()`.
    query patient_count() -> u32;
    /// `register_doctor(...)`: the caller becomes a doctor pending verification.
    tx register_doctor(
        display_name: String,
        specialty: String,
        licence_hash: Hash32,
        public_key: PublicKey,
        slot_minutes: u16
    ) -> ();
    /// `verify_doctor(doctor)`: a verifier verifies a doctor.
    tx verify_doctor(doctor: AccountId) -> ();
    /// `suspend_doctor(doctor)`: a verifier suspends a doctor.
    tx suspend_doctor(doctor: AccountId) -> ();
    /// `doctor(account)`.
    query doctor(account: AccountId) -> Doctor;
    /// `doctor_count()`.
    query doctor_count() -> u32;
    /// `verified_doctor_count()`.
    query verified_doctor_count() -> u32;
    /// `get_all_doctors(specialty, offset, limit)`: verified doctors, one page.
    query get_all_doctors(specialty: Option<String>, offset: u32, limit: u32)
        -> Page<(AccountId, Doctor)>;
    /// `get_registered_doctors(offset, limit)`: all doctors, one page.
    query get_registered_doctors(offset: u32, limit: u32) -> Page<(AccountId, Doctor)>;
    /// `publish_availability(start, end)`.
    tx publish_availability(start: Timestamp, end: Timestamp) -> ();
    /// `withdraw_availability(start)`.
    tx withdraw_availability(start: Timestamp) -> ();
    /// `get_availability(doctor)`.
    query get_availability(doctor: AccountId) -> Vec<AvailabilityWindow>;
    /// `check_doctor_availability(doctor, start)`.
    query check_doctor_availability(doctor: AccountId, start: Timestamp) -> bool;
    /// `book_appointment(doctor, start)`.
    tx book_appointment(doctor: AccountId, start: Timestamp) -> AppointmentId;
    /// `cancel_appointment(id)`.
    tx cancel_appointment(id: AppointmentId) -> ();
    /// `complete_appointment(id)`.
    tx complete_appointment(id: AppointmentId) -> ();
    /// `mark_no_show(id)`.
    tx mark_no_show(id: AppointmentId) -> ();
    /// `appointment(id)`.
    query appointment(id: AppointmentId) -> Appointment;
    /// `get_all_appointments(account, offset, limit)`.
    query get_all_appointments(account: AccountId, offset: u32, limit: u32) -> Page<Appointment>;
    /// `grant_access(doctor, write, expires_at, wrapped_key)`.
    tx grant_access(doctor: AccountId, write: bool, expires_at: Timestamp, wrapped_key: Vec<u8>)
        -> ();
    /// `revoke_access(doctor)`.
    tx revoke_access(doctor: AccountId) -> ();
    /// `share_record_key(doctor, key_epoch, wrapped_key)`.
    tx share_record_key(doctor: AccountId, key_epoch: u32, wrapped_key: Vec<u8>) -> ();
    /// `rotate_record_key()`: the patient moves to the next record-key epoch.
    tx rotate_record_key() -> u32;
    /// `grant(patient, doctor)`.
    query grant(patient: AccountId, doctor: AccountId) -> Grant;
    /// `get_grants(patient, offset, limit)`.
    query get_grants(patient: AccountId, offset: u32, limit: u32) -> Page<GrantEntry>;
    /// `upload_document(patient, encrypted_cid, content_hash, wrapped_key, supersedes)`.
    tx upload_document(
        patient: AccountId,
        encrypted_cid: Vec<u8>,
        content_hash: Hash32,
        wrapped_key: Vec<u8>,
        supersedes: Option<DocumentId>
    ) -> DocumentId;
    /// `mark_document_entered_in_error(patient, id)`.
    tx mark_document_entered_in_error(patient: AccountId, id: DocumentId) -> ();
    /// `open_document(patient, id)`: a logged read, submitted as a transaction.
    tx open_document(patient: AccountId, id: DocumentId) -> Document;
    /// `get_all_documents(patient, offset, limit)`.
    query get_all_documents(patient: AccountId, offset: u32, limit: u32) -> Page<Document>;
    /// `open_emergency_access(patient, sealed_reason)`: returns when the access ends.
    tx open_emergency_access(patient: AccountId, sealed_reason: Vec<u8>) -> Timestamp;
    /// `end_emergency_access(patient, doctor)`.
    tx end_emergency_access(patient: AccountId, doctor: AccountId) -> ();
    /// `emergency_access(patient, doctor)`.
    query emergency_access(patient: AccountId, doctor: AccountId) -> EmergencyAccess;
    /// `refuse_emergency_access(doctor)`: the patient refuses a doctor break-glass access.
    tx refuse_emergency_access(doctor: AccountId) -> ();
    /// `allow_emergency_access(doctor)`: the patient lifts a refusal.
    tx allow_emergency_access(doctor: AccountId) -> ();
    /// `emergency_refusal(patient, doctor)`: since when the patient refuses the doctor.
    query emergency_refusal(patient: AccountId, doctor: AccountId) -> Option<Timestamp>;
    /// `set_emergency_custodian(custodian)`: the admin appoints (or removes) the key custodian.
    tx set_emergency_custodian(custodian: Option<EmergencyCustodian>) -> ();
    /// `emergency_custodian()`.
    query emergency_custodian() -> EmergencyCustodian;
    /// `deposit_emergency_key(key_epoch, sealed_key)`: the patient opts in to key release.
    tx deposit_emergency_key(key_epoch: u32, sealed_key: Vec<u8>) -> ();
    /// `withdraw_emergency_key()`: the patient opts out.
    tx withdraw_emergency_key() -> ();
    /// `emergency_key(patient)`: the deposit, sealed to the custodian.
    query emergency_key(patient: AccountId) -> EmergencyKey;
    /// `release_emergency_key(patient, doctor, key_epoch, wrapped_key)`: the custodian hands
    /// the key to a doctor with open emergency access.
    tx release_emergency_key(
        patient: AccountId,
        doctor: AccountId,
        key_epoch: u32,
        wrapped_key: Vec<u8>
    ) -> ();
    /// `get_audit_trail(patient, offset, limit)`.
    query get_audit_trail(patient: AccountId, offset: u32, limit: u32) -> Page<AuditEntry>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_match_ink() {
        assert_eq!(selector("new"), ink::selector_bytes!("new"));
        assert_eq!(
            selector("book_appointment"),
            ink::selector_bytes!("book_appointment")
        );
        assert_eq!(
            selector("get_audit_trail"),
            ink::selector_bytes!("get_audit_trail")
        );
    }

    #[test]
    fn arguments_are_scale_encoded_in_order() {
        let doctor = AccountId::from([7; 32]);
        let message = grant_access(doctor, true, 5, vec![1, 2]);
        let mut expected = selector("grant_access").to_vec();
        expected.extend_from_slice(&[7; 32]);
        expected.push(1);
        expected.extend_from_slice(&5u64.to_le_bytes());
        expected.extend_from_slice(&[2 << 2, 1, 2]);
        assert_eq!(message.input_data(), expected);
    }

    #[test]
    fn label_mutates_tells_transactions_from_queries() {
        assert_eq!(label_mutates("book_appointment"), Some(true));
        assert_eq!(label_mutates("get_audit_trail"), Some(false));
        assert_eq!(label_mutates("no_such_message"), None);
    }

    #[test]
    fn every_message_is_listed_once() {
        let mut labels = ALL_LABELS.to_vec();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), 56);
    }
}
