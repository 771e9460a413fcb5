//! The one error type every message returns.

/// Why a message refused to act. A message that returns an error changes nothing.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    // --- roles ---
    /// Returned if the caller is not the admin.
    NotAdmin,
    /// Returned if the caller is not the account the admin role is being handed to.
    NotPendingAdmin,
    /// Returned if the caller is not a verifier.
    NotVerifier,
    /// Returned if the account is a verifier already.
    AlreadyVerifier,
    /// Returned if the account to remove is not a verifier.
    VerifierNotFound,

    // --- patients ---
    /// Returned if the caller is registered as a patient already.
    PatientAlreadyRegistered,
    /// Returned if the account is not a registered patient.
    PatientNotRegistered,
    /// Returned if the patient's identity was attested already.
    PatientAlreadyVerified,
    /// Returned if the caller is neither a verified doctor nor a verifier (attesting patients),
    /// or, withdrawing an attestation, neither a verifier nor the one who made it.
    NotPatientVerifier,
    /// Returned if an attestation is withdrawn from a patient nobody attested.
    PatientNotVerified,
    /// Returned if an account attests its own patient identity or verifies itself as a doctor.
    CannotVerifySelf,
    /// Returned if the caller is registered neither as a patient nor as a doctor.
    NotRegistered,

    // --- doctors ---
    /// Returned if the caller is registered as a doctor already.
    DoctorAlreadyRegistered,
    /// Returned if the account is not a registered doctor.
    DoctorNotRegistered,
    /// Returned if the doctor is registered but not verified (pending).
    DoctorNotVerified,
    /// Returned if the doctor is suspended.
    DoctorSuspended,
    /// Returned if the doctor is verified already.
    DoctorAlreadyVerified,
    /// Returned if the doctor is suspended already.
    DoctorAlreadySuspended,
    /// Returned if a display name is empty, longer than 64 bytes, or has control characters.
    InvalidDisplayName,
    /// Returned if a specialty is empty, longer than 64 bytes, or has control characters.
    InvalidSpecialty,
    /// Returned if a slot length is outside 5..=480 minutes.
    InvalidSlotLength,

    // --- availability and appointments ---
    /// Returned if a window does not end after it starts.
    InvalidWindow,
    /// Returned if a window's start or end is not on a slot boundary.
    WindowNotAligned,
    /// Returned if a window ends in the past.
    WindowInPast,
    /// Returned if a window overlaps one the doctor published already.
    WindowOverlaps,
    /// Returned if the doctor has 16 open windows already.
    TooManyWindows,
    /// Returned if the doctor has no window starting at the given time.
    WindowNotFound,
    /// Returned if a slot start is not on a slot boundary.
    SlotNotAligned,
    /// Returned if a slot starts at or before the current block time.
    SlotInPast,
    /// Returned if a slot is not inside any of the doctor's windows.
    SlotOutsideAvailability,
    /// Returned if the slot is booked already.
    SlotAlreadyBooked,
    /// Returned if a doctor tries to book themselves.
    CannotBookSelf,
    /// Returned if the patient holds 8 upcoming appointments already.
    TooManyUpcomingAppointments,
    /// Returned if the doctor has 512 open appointments already.
    DoctorFullyBooked,
    /// Returned if the contract holds 1,000,000 open appointments already.
    AppointmentLimitReached,
    /// Returned if no appointment has the given id.
    AppointmentNotFound,
    /// Returned if the caller may not act on the appointment (not its patient or doctor, or
    /// the patient where only the doctor may act).
    NotAppointmentParticipant,
    /// Returned if the appointment is not booked any more (cancelled, fulfilled, no-show).
    AppointmentNotBooked,
    /// Returned if the appointment has started (it can no longer be cancelled).
    AppointmentStarted,
    /// Returned if the appointment has not started (it cannot be fulfilled or no-show yet).
    AppointmentNotStarted,

    // --- consent ---
    /// Returned if a patient grants access to themselves.
    CannotGrantSelf,
    /// Returned if a grant's expiry is not in the future.
    ExpiryInPast,
    /// Returned if a wrapped key is longer than 128 bytes.
    WrappedKeyTooLong,
    /// Returned if the patient never granted the doctor access.
    GrantNotFound,
    /// Returned if the grant was revoked already.
    GrantAlreadyRevoked,
    /// Returned if a record key is shared for an epoch that is not the patient's current one.
    StaleKeyEpoch,
    /// Returned if a holder of the patient's current record key has lost access (a grant or an
    /// emergency with a released key ended, or a doctor was suspended or replaced its key), so
    /// nothing more may be added or shared under it: the patient must `rotate_record_key`.
    RotationRequired,
    /// Returned if the patient's record key is at epoch 65,536 and cannot move further.
    KeyEpochsExhausted,
    /// Returned if a doctor with a write grant does not hold the patient's current record key
    /// yet (the patient revoked someone and has not re-shared the key), so cannot add documents.
    RecordKeyNotShared,
    /// Returned if the caller has no live access to the patient's records (no grant, an
    /// expired or revoked one, a read grant where write is needed, or a suspended doctor).
    AccessDenied,

    // --- documents ---
    /// Returned if an encrypted CID is empty or longer than 256 bytes.
    InvalidEncryptedCid,
    /// Returned if the patient has no document with the given id.
    DocumentNotFound,
    /// Returned if the document is not current (superseded or entered in error).
    DocumentNotCurrent,
    /// Returned if the caller may not mark or supersede the document (only its author or the
    /// patient may).
    NotDocumentAuthor,

    // --- emergency access ---
    /// Returned if the doctor's emergency access to the patient is open already.
    EmergencyAccessActive,
    /// Returned if there is no open emergency access to end.
    EmergencyAccessNotFound,
    /// Returned if the admin has not appointed an emergency custodian.
    EmergencyCustodianNotSet,
    /// Returned if the caller is not the emergency custodian the key was deposited with.
    NotEmergencyCustodian,
    /// Returned if the patient has not deposited a record key with the emergency custodian.
    EmergencyKeyNotDeposited,
    /// Returned if the patient refused break-glass access to this doctor (explicitly, or by
    /// revoking the doctor's grant).
    EmergencyAccessRefused,
    /// Returned if a refusal is made twice.
    EmergencyAccessAlreadyRefused,
    /// Returned if a refusal to lift does not exist.
    EmergencyAccessNotRefused,
    /// Returned if the doctor's last emergency access to this patient closed less than six
    /// hours ago.
    EmergencyCooldown,
    /// Returned if the doctor opened 5 emergency accesses today (UTC) already.
    EmergencyDailyLimit,
    /// Returned if a sealed emergency reason is empty or longer than 256 bytes.
    InvalidSealedReason,

    // --- general ---
    /// Returned if the caller may not read this (another account's appointments, audit trail
    /// or grants).
    NotPermitted,
    /// Returned if an encoded value does not fit the contract's storage buffer.
    ValueTooLarge,
    /// Returned if a counter would overflow.
    Overflow,
}

/// The result type of every message.
pub type Result<T> = core::result::Result<T, Error>;
