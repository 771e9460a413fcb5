//! Events: one for every state change.
//!
//! Besides the signature topic every event has at most one account topic: the account whose
//! record or role the event is about (the patient, for everything on a patient's records). On
//! contracts-node 0.42.0 each topic costs about 127 million ref_time; the other parties (the
//! doctor of a booking, the reader of a document) are in the event's data, where indexers and
//! `ehr-client`'s event watchers read them.

use crate::types::{AppointmentId, AppointmentStatus, DocumentId, Timestamp};
use ink::primitives::AccountId;

/// The admin proposed `to` as the next admin; `to` takes over with `accept_admin`.
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct AdminTransferProposed {
    /// The current admin.
    pub from: AccountId,
    /// The proposed admin.
    #[ink(topic)]
    pub to: AccountId,
}

/// The admin role changed hands.
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct AdminChanged {
    /// The former admin.
    pub previous: AccountId,
    /// The new admin.
    #[ink(topic)]
    pub admin: AccountId,
}

/// The admin appointed a verifier.
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct VerifierAdded {
    /// The new verifier.
    #[ink(topic)]
    pub verifier: AccountId,
}

/// The admin removed a verifier.
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct VerifierRemoved {
    /// The removed verifier.
    #[ink(topic)]
    pub verifier: AccountId,
}

/// An account registered as a patient.
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct PatientRegistered {
    /// The new patient.
    #[ink(topic)]
    pub patient: AccountId,
}

/// A verified doctor or a verifier attested a patient's identity.
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct PatientVerified {
    /// The patient.
    #[ink(topic)]
    pub patient: AccountId,
    /// Who attested.
    pub verified_by: AccountId,
}

/// An account registered as a doctor (pending verification).
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct DoctorRegistered {
    /// The new doctor.
    #[ink(topic)]
    pub doctor: AccountId,
    /// The specialty the doctor gave.
    pub specialty: ink::prelude::string::String,
}

/// A verifier verified a doctor.
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct DoctorVerified {
    /// The doctor.
    #[ink(topic)]
    pub doctor: AccountId,
    /// The verifier.
    pub verifier: AccountId,
}

/// A verifier suspended a doctor.
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct DoctorSuspended {
    /// The doctor.
    #[ink(topic)]
    pub doctor: AccountId,
    /// The verifier.
    pub verifier: AccountId,
}

/// A doctor published an availability window.
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct AvailabilityPublished {
    /// The doctor.
    #[ink(topic)]
    pub doctor: AccountId,
    /// Window start.
    pub start: Timestamp,
    /// Window end (exclusive).
    pub end: Timestamp,
}

/// A doctor withdrew an availability window.
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct AvailabilityWithdrawn {
    /// The doctor.
    #[ink(topic)]
    pub doctor: AccountId,
    /// Window start.
    pub start: Timestamp,
    /// Window end (exclusive).
    pub end: Timestamp,
}

/// A patient booked a slot.
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct AppointmentBooked {
    /// The appointment.
    pub id: AppointmentId,
    /// The patient.
    #[ink(topic)]
    pub patient: AccountId,
    /// The doctor.
    pub doctor: AccountId,
    /// Slot start.
    pub start: Timestamp,
}

/// An appointment was cancelled, fulfilled or marked no-show.
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct AppointmentStatusChanged {
    /// The appointment.
    pub id: AppointmentId,
    /// The patient.
    #[ink(topic)]
    pub patient: AccountId,
    /// The doctor.
    pub doctor: AccountId,
    /// The new status.
    pub status: AppointmentStatus,
    /// Who changed it.
    pub by: AccountId,
}

/// A patient granted (or renewed) a doctor's access.
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct AccessGranted {
    /// The patient.
    #[ink(topic)]
    pub patient: AccountId,
    /// The doctor.
    pub doctor: AccountId,
    /// Whether the doctor may add documents.
    pub write: bool,
    /// When the grant stops opening anything.
    pub expires_at: Timestamp,
}

/// A patient shared its current record key with a doctor (after a revocation moved the
/// patient to a new key epoch).
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct RecordKeyShared {
    /// The patient.
    #[ink(topic)]
    pub patient: AccountId,
    /// The doctor.
    pub doctor: AccountId,
    /// The epoch of the key shared.
    pub key_epoch: u32,
}

/// A patient revoked a doctor's access (which also refuses the doctor break-glass access,
/// until the patient lifts that with `allow_emergency_access`).
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct AccessRevoked {
    /// The patient.
    #[ink(topic)]
    pub patient: AccountId,
    /// The doctor.
    pub doctor: AccountId,
}

/// A document was added to a patient's record.
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct DocumentUploaded {
    /// The patient.
    #[ink(topic)]
    pub patient: AccountId,
    /// Who added it.
    pub author: AccountId,
    /// The document.
    pub id: DocumentId,
    /// The document it replaced, if any.
    pub supersedes: Option<DocumentId>,
}

/// A document was marked entered-in-error.
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct DocumentEnteredInError {
    /// The patient.
    #[ink(topic)]
    pub patient: AccountId,
    /// Who marked it.
    pub by: AccountId,
    /// The document.
    pub id: DocumentId,
}

/// A doctor opened one of a patient's documents (through a grant or emergency access).
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct DocumentOpened {
    /// The patient.
    #[ink(topic)]
    pub patient: AccountId,
    /// The doctor who opened it.
    pub reader: AccountId,
    /// The document.
    pub id: DocumentId,
    /// Whether access came from emergency access rather than a grant.
    pub emergency: bool,
}

/// A doctor opened emergency access to a patient's records. Logged loudly on purpose.
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct EmergencyAccessOpened {
    /// The patient.
    #[ink(topic)]
    pub patient: AccountId,
    /// The doctor.
    pub doctor: AccountId,
    /// When it ends by itself.
    pub expires_at: Timestamp,
}

/// Emergency access was ended before it expired.
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct EmergencyAccessEnded {
    /// The patient.
    #[ink(topic)]
    pub patient: AccountId,
    /// The doctor.
    pub doctor: AccountId,
    /// Who ended it (the patient or the doctor).
    pub by: AccountId,
}

/// A patient moved to a new record-key epoch without revoking anyone (after an emergency,
/// or to be safe); the patient re-shares the new key with the doctors it trusts.
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct RecordKeyRotated {
    /// The patient.
    #[ink(topic)]
    pub patient: AccountId,
    /// The new epoch.
    pub key_epoch: u32,
}

/// The admin appointed (or removed, `None`) the emergency key custodian.
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct EmergencyCustodianSet {
    /// The custodian's account, if one is appointed.
    #[ink(topic)]
    pub custodian: Option<AccountId>,
}

/// A patient deposited the record key with the emergency custodian.
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct EmergencyKeyDeposited {
    /// The patient.
    #[ink(topic)]
    pub patient: AccountId,
    /// The custodian it is sealed to.
    pub custodian: AccountId,
    /// The epoch deposited.
    pub key_epoch: u32,
}

/// A patient withdrew the deposited record key.
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct EmergencyKeyWithdrawn {
    /// The patient.
    #[ink(topic)]
    pub patient: AccountId,
}

/// The emergency custodian released a patient's record key to a doctor whose emergency
/// access is open.
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct EmergencyKeyReleased {
    /// The patient.
    #[ink(topic)]
    pub patient: AccountId,
    /// The doctor.
    pub doctor: AccountId,
    /// The custodian.
    pub custodian: AccountId,
    /// The epoch released.
    pub key_epoch: u32,
}

/// A verifier, or the account that made it, withdrew the attestation of a patient's identity.
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct PatientVerificationWithdrawn {
    /// The patient.
    #[ink(topic)]
    pub patient: AccountId,
    /// Who withdrew it.
    pub by: AccountId,
}

/// A patient or doctor replaced its public encryption key (a lost or exposed device).
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct PublicKeyReplaced {
    /// The account.
    #[ink(topic)]
    pub account: AccountId,
}

/// A patient refused a doctor break-glass access.
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct EmergencyAccessRefused {
    /// The patient.
    #[ink(topic)]
    pub patient: AccountId,
    /// The doctor.
    pub doctor: AccountId,
}

/// A patient lifted its refusal of a doctor's break-glass access.
#[ink::event]
#[cfg_attr(feature = "std", derive(Debug, Clone, PartialEq, Eq))]
pub struct EmergencyAccessAllowed {
    /// The patient.
    #[ink(topic)]
    pub patient: AccountId,
    /// The doctor.
    pub doctor: AccountId,
}
