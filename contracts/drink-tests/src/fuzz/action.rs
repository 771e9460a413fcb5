//! What the fuzzer does: one [`Action`] per state-changing message (plus the passing of time),
//! with plain `Copy` arguments, so that a failing sequence prints as Rust that compiles.

use ehr::{AppointmentId, DocumentId, Timestamp};
use ink::primitives::AccountId;

use crate::call_data;

/// An actor: an index into [`super::ACTORS`].
pub type Actor = u8;

/// A display name or specialty, valid or at a boundary of `is_valid_label`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Label {
    Cardiology,
    /// The same specialty as `Cardiology` once trimmed and lower-cased.
    CardiologySpaced,
    Neurology,
    Empty,
    Blank,
    /// 64 bytes: the longest accepted.
    MaxLen,
    /// 65 bytes.
    TooLong,
    /// Contains a control character.
    Control,
}

impl Label {
    pub fn text(self) -> String {
        match self {
            Label::Cardiology => "Cardiology".into(),
            Label::CardiologySpaced => " cardiology ".into(),
            Label::Neurology => "Neurology".into(),
            Label::Empty => String::new(),
            Label::Blank => "   ".into(),
            Label::MaxLen => "d".repeat(64),
            Label::TooLong => "d".repeat(65),
            Label::Control => "Dr.\u{7}Bell".into(),
        }
    }

    /// Whether the contract accepts it (`is_valid_label` with a 64-byte limit).
    pub fn is_valid(self) -> bool {
        matches!(
            self,
            Label::Cardiology | Label::CardiologySpaced | Label::Neurology | Label::MaxLen
        )
    }

    /// The specialty a doctor is listed under (trimmed, lower-cased).
    pub fn specialty_key(self) -> String {
        self.text().trim().to_ascii_lowercase()
    }
}

/// One step of a fuzzed sequence. `caller` is the signing actor; byte arguments are given by
/// length (their content does not matter to the contract's rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The chain's clock moves forward by `ms` (a new block).
    AdvanceTime {
        ms: Timestamp,
    },
    // roles
    TransferAdmin {
        caller: Actor,
        to: Actor,
    },
    AcceptAdmin {
        caller: Actor,
    },
    AddVerifier {
        caller: Actor,
        verifier: Actor,
    },
    RemoveVerifier {
        caller: Actor,
        verifier: Actor,
    },
    // patients
    RegisterPatient {
        caller: Actor,
    },
    VerifyPatient {
        caller: Actor,
        patient: Actor,
    },
    WithdrawPatientVerification {
        caller: Actor,
        patient: Actor,
    },
    ReplacePublicKey {
        caller: Actor,
    },
    // doctors
    RegisterDoctor {
        caller: Actor,
        name: Label,
        specialty: Label,
        slot_minutes: u16,
    },
    VerifyDoctor {
        caller: Actor,
        doctor: Actor,
    },
    SuspendDoctor {
        caller: Actor,
        doctor: Actor,
    },
    // schedule
    PublishAvailability {
        caller: Actor,
        start: Timestamp,
        end: Timestamp,
    },
    WithdrawAvailability {
        caller: Actor,
        start: Timestamp,
    },
    BookAppointment {
        caller: Actor,
        doctor: Actor,
        start: Timestamp,
    },
    CancelAppointment {
        caller: Actor,
        id: AppointmentId,
    },
    CompleteAppointment {
        caller: Actor,
        id: AppointmentId,
    },
    MarkNoShow {
        caller: Actor,
        id: AppointmentId,
    },
    // consent
    GrantAccess {
        caller: Actor,
        doctor: Actor,
        write: bool,
        expires_at: Timestamp,
        key_len: u16,
    },
    RevokeAccess {
        caller: Actor,
        doctor: Actor,
    },
    RotateRecordKey {
        caller: Actor,
    },
    ShareRecordKey {
        caller: Actor,
        doctor: Actor,
        key_epoch: u32,
        key_len: u16,
    },
    // records
    UploadDocument {
        caller: Actor,
        patient: Actor,
        cid_len: u16,
        key_len: u16,
        supersedes: Option<DocumentId>,
    },
    MarkDocumentEnteredInError {
        caller: Actor,
        patient: Actor,
        id: DocumentId,
    },
    OpenDocument {
        caller: Actor,
        patient: Actor,
        id: DocumentId,
    },
    // emergency access
    OpenEmergencyAccess {
        caller: Actor,
        patient: Actor,
        reason_len: u16,
    },
    EndEmergencyAccess {
        caller: Actor,
        patient: Actor,
        doctor: Actor,
    },
    RefuseEmergencyAccess {
        caller: Actor,
        doctor: Actor,
    },
    AllowEmergencyAccess {
        caller: Actor,
        doctor: Actor,
    },
    SetEmergencyCustodian {
        caller: Actor,
        custodian: Option<Actor>,
    },
    DepositEmergencyKey {
        caller: Actor,
        key_epoch: u32,
        key_len: u16,
    },
    WithdrawEmergencyKey {
        caller: Actor,
    },
    ReleaseEmergencyKey {
        caller: Actor,
        patient: Actor,
        doctor: Actor,
        key_epoch: u32,
        key_len: u16,
    },
}

/// Every message the fuzzer drives, in the order of [`Action`] (statistics are kept per name).
pub const MESSAGES: [&str; 32] = [
    "transfer_admin",
    "accept_admin",
    "add_verifier",
    "remove_verifier",
    "register_patient",
    "verify_patient",
    "withdraw_patient_verification",
    "replace_public_key",
    "register_doctor",
    "verify_doctor",
    "suspend_doctor",
    "publish_availability",
    "withdraw_availability",
    "book_appointment",
    "cancel_appointment",
    "complete_appointment",
    "mark_no_show",
    "grant_access",
    "revoke_access",
    "rotate_record_key",
    "share_record_key",
    "upload_document",
    "mark_document_entered_in_error",
    "open_document",
    "open_emergency_access",
    "end_emergency_access",
    "refuse_emergency_access",
    "allow_emergency_access",
    "set_emergency_custodian",
    "deposit_emergency_key",
    "withdraw_emergency_key",
    "release_emergency_key",
];

/// The public key every custodian registers with (its value does not matter to the rules).
pub const CUSTODIAN_KEY: [u8; 32] = [9; 32];

/// Filler bytes of `len` (for encrypted references, wrapped keys and sealed reasons).
fn filler(len: u16, byte: u8) -> Vec<u8> {
    vec![byte; usize::from(len)]
}

impl Action {
    /// The signing actor, or `None` for the passing of time.
    pub fn caller(&self) -> Option<Actor> {
        use Action::*;
        Some(match *self {
            AdvanceTime { .. } => return None,
            TransferAdmin { caller, .. }
            | AcceptAdmin { caller }
            | AddVerifier { caller, .. }
            | RemoveVerifier { caller, .. }
            | RegisterPatient { caller }
            | VerifyPatient { caller, .. }
            | WithdrawPatientVerification { caller, .. }
            | ReplacePublicKey { caller }
            | RegisterDoctor { caller, .. }
            | VerifyDoctor { caller, .. }
            | SuspendDoctor { caller, .. }
            | PublishAvailability { caller, .. }
            | WithdrawAvailability { caller, .. }
            | BookAppointment { caller, .. }
            | CancelAppointment { caller, .. }
            | CompleteAppointment { caller, .. }
            | MarkNoShow { caller, .. }
            | GrantAccess { caller, .. }
            | RevokeAccess { caller, .. }
            | RotateRecordKey { caller }
            | ShareRecordKey { caller, .. }
            | UploadDocument { caller, .. }
            | MarkDocumentEnteredInError { caller, .. }
            | OpenDocument { caller, .. }
            | OpenEmergencyAccess { caller, .. }
            | EndEmergencyAccess { caller, .. }
            | RefuseEmergencyAccess { caller, .. }
            | AllowEmergencyAccess { caller, .. }
            | SetEmergencyCustodian { caller, .. }
            | DepositEmergencyKey { caller, .. }
            | WithdrawEmergencyKey { caller }
            | ReleaseEmergencyKey { caller, .. } => caller,
        })
    }

    /// Index into [`MESSAGES`], or `None` for the passing of time.
    pub fn message_index(&self) -> Option<usize> {
        use Action::*;
        Some(match self {
            AdvanceTime { .. } => return None,
            TransferAdmin { .. } => 0,
            AcceptAdmin { .. } => 1,
            AddVerifier { .. } => 2,
            RemoveVerifier { .. } => 3,
            RegisterPatient { .. } => 4,
            VerifyPatient { .. } => 5,
            WithdrawPatientVerification { .. } => 6,
            ReplacePublicKey { .. } => 7,
            RegisterDoctor { .. } => 8,
            VerifyDoctor { .. } => 9,
            SuspendDoctor { .. } => 10,
            PublishAvailability { .. } => 11,
            WithdrawAvailability { .. } => 12,
            BookAppointment { .. } => 13,
            CancelAppointment { .. } => 14,
            CompleteAppointment { .. } => 15,
            MarkNoShow { .. } => 16,
            GrantAccess { .. } => 17,
            RevokeAccess { .. } => 18,
            RotateRecordKey { .. } => 19,
            ShareRecordKey { .. } => 20,
            UploadDocument { .. } => 21,
            MarkDocumentEnteredInError { .. } => 22,
            OpenDocument { .. } => 23,
            OpenEmergencyAccess { .. } => 24,
            EndEmergencyAccess { .. } => 25,
            RefuseEmergencyAccess { .. } => 26,
            AllowEmergencyAccess { .. } => 27,
            SetEmergencyCustodian { .. } => 28,
            DepositEmergencyKey { .. } => 29,
            WithdrawEmergencyKey { .. } => 30,
            ReleaseEmergencyKey { .. } => 31,
        })
    }

    /// The message's name, or `None` for the passing of time.
    pub fn message(&self) -> Option<&'static str> {
        self.message_index().map(|index| MESSAGES[index])
    }

    /// Selector and arguments of the call, with `account` mapping actors to accounts.
    pub fn call_data(&self, account: impl Fn(Actor) -> AccountId) -> Option<Vec<u8>> {
        use Action::*;
        let message = self.message()?;
        let a = &account;
        Some(match *self {
            AdvanceTime { .. } => return None,
            TransferAdmin { to, .. } => call_data(message, a(to)),
            AddVerifier { verifier, .. } | RemoveVerifier { verifier, .. } => {
                call_data(message, a(verifier))
            }
            AcceptAdmin { .. } | RotateRecordKey { .. } | WithdrawEmergencyKey { .. } => {
                call_data(message, ())
            }
            RegisterPatient { caller } => call_data(message, [caller; 32]),
            ReplacePublicKey { caller } => call_data(message, [caller.wrapping_add(128); 32]),
            VerifyPatient { patient, .. } | WithdrawPatientVerification { patient, .. } => {
                call_data(message, a(patient))
            }
            RegisterDoctor {
                name,
                specialty,
                slot_minutes,
                ..
            } => call_data(
                message,
                (
                    name.text(),
                    specialty.text(),
                    [1u8; 32],
                    [2u8; 32],
                    slot_minutes,
                ),
            ),
            VerifyDoctor { doctor, .. }
            | SuspendDoctor { doctor, .. }
            | RevokeAccess { doctor, .. }
            | RefuseEmergencyAccess { doctor, .. }
            | AllowEmergencyAccess { doctor, .. } => call_data(message, a(doctor)),
            PublishAvailability { start, end, .. } => call_data(message, (start, end)),
            WithdrawAvailability { start, .. } => call_data(message, start),
            BookAppointment { doctor, start, .. } => call_data(message, (a(doctor), start)),
            CancelAppointment { id, .. }
            | CompleteAppointment { id, .. }
            | MarkNoShow { id, .. } => call_data(message, id),
            GrantAccess {
                doctor,
                write,
                expires_at,
                key_len,
                ..
            } => call_data(message, (a(doctor), write, expires_at, filler(key_len, 5))),
            ShareRecordKey {
                doctor,
                key_epoch,
                key_len,
                ..
            } => call_data(message, (a(doctor), key_epoch, filler(key_len, 6))),
            UploadDocument {
                patient,
                cid_len,
                key_len,
                supersedes,
                ..
            } => call_data(
                message,
                (
                    a(patient),
                    filler(cid_len, 0xc1),
                    [0xa5u8; 32],
                    filler(key_len, 0x77),
                    supersedes,
                ),
            ),
            MarkDocumentEnteredInError { patient, id, .. } | OpenDocument { patient, id, .. } => {
                call_data(message, (a(patient), id))
            }
            OpenEmergencyAccess {
                patient,
                reason_len,
                ..
            } => call_data(message, (a(patient), filler(reason_len, 0x5e))),
            EndEmergencyAccess {
                patient, doctor, ..
            } => call_data(message, (a(patient), a(doctor))),
            SetEmergencyCustodian { custodian, .. } => call_data(
                message,
                custodian.map(|custodian| (a(custodian), CUSTODIAN_KEY)),
            ),
            DepositEmergencyKey {
                key_epoch, key_len, ..
            } => call_data(message, (key_epoch, filler(key_len, 7))),
            ReleaseEmergencyKey {
                patient,
                doctor,
                key_epoch,
                key_len,
                ..
            } => call_data(
                message,
                (a(patient), a(doctor), key_epoch, filler(key_len, 8)),
            ),
        })
    }
}
