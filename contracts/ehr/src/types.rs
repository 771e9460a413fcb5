//! Values the contract stores and returns, the limits that bound them, and the pure rules
//! (slot arithmetic, pagination) that do not touch storage.
//!
//! Nothing here is personal health information: accounts, hashes, codes, encrypted bytes,
//! times, and a doctor's public professional data (display name and specialty).

use ink::prelude::{string::String, vec::Vec};
use ink::primitives::AccountId;

/// Milliseconds since the Unix epoch, as `block_timestamp()` returns it.
pub type Timestamp = u64;

/// A 32-byte public key (X25519) used to seal keys to an account.
pub type PublicKey = [u8; 32];

/// A 32-byte hash (content hash, licence hash, reason hash).
pub type Hash32 = [u8; 32];

/// Identifier of an appointment, unique in the contract.
pub type AppointmentId = u64;

/// Identifier of a document, unique per patient (its position in the patient's record).
pub type DocumentId = u32;

/// Most items a paginated query returns; a larger `limit` is clamped to this. Chosen so that
/// the largest page (documents at their maximum sizes) stays far below the 16 KiB output buffer.
pub const MAX_PAGE_SIZE: u32 = 20;

/// Longest doctor display name, in bytes of UTF-8.
pub const MAX_DISPLAY_NAME_LEN: usize = 64;

/// Longest doctor specialty, in bytes of UTF-8.
pub const MAX_SPECIALTY_LEN: usize = 64;

/// Shortest bookable slot, in minutes.
pub const MIN_SLOT_MINUTES: u16 = 5;

/// Longest bookable slot, in minutes (8 hours).
pub const MAX_SLOT_MINUTES: u16 = 480;

/// Most availability windows a doctor may have published at once.
pub const MAX_AVAILABILITY_WINDOWS: u32 = 16;

/// Longest encrypted IPFS reference (nonce + ciphertext + tag), in bytes.
pub const MAX_ENCRYPTED_CID_LEN: usize = 256;

/// Longest wrapped (sealed) key on a grant or a document, in bytes.
pub const MAX_WRAPPED_KEY_LEN: usize = 128;

/// How long emergency ("break-glass") access lasts once opened: one hour, in milliseconds.
pub const EMERGENCY_ACCESS_DURATION: Timestamp = 60 * 60 * 1000;

/// How long after a doctor's emergency access to a patient closed (ended or expired) the same
/// doctor may not open another to that patient: six hours, in milliseconds.
pub const EMERGENCY_COOLDOWN: Timestamp = 6 * 60 * 60 * 1000;

/// Most emergency accesses one doctor may open in one UTC day, over all patients.
pub const MAX_EMERGENCY_OPENINGS_PER_DAY: u32 = 5;

/// Longest emergency reason, sealed to the patient's public key (the client pads the text to a
/// fixed size before sealing, so the length tells nothing).
pub const MAX_SEALED_REASON_LEN: usize = 256;

/// Highest record-key epoch. The client derives epoch keys by hashing down from this one, so
/// client and contract share it: no rotation or revocation moves a patient past it.
pub const MAX_KEY_EPOCH: u32 = 65_536;

/// Most upcoming (booked, not yet started) appointments one patient may hold.
pub const MAX_UPCOMING_APPOINTMENTS_PER_PATIENT: u32 = 8;

/// Most open (booked, not yet cancelled or closed by the doctor) appointments one doctor may
/// have. The doctor frees places by marking past appointments fulfilled or no-show.
pub const MAX_OPEN_APPOINTMENTS_PER_DOCTOR: u32 = 512;

/// Most open appointments in the whole contract.
pub const MAX_OPEN_APPOINTMENTS: u64 = 1_000_000;

/// Milliseconds in a minute.
pub const MS_PER_MINUTE: Timestamp = 60 * 1000;

/// Milliseconds in a day.
pub const MS_PER_DAY: Timestamp = 24 * 60 * MS_PER_MINUTE;

/// A registered patient. No name and no health data: only a key and times.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patient {
    /// Public X25519 key that keys for this patient's records are sealed to.
    pub public_key: PublicKey,
    /// When the patient registered.
    pub registered_at: Timestamp,
    /// Who attested the patient's identity (a verified doctor or a verifier), if anyone has.
    pub verified_by: Option<AccountId>,
    /// When the identity was attested.
    pub verified_at: Option<Timestamp>,
    /// The record-key epoch documents are added under now: 0 at registration, one up at every
    /// revocation or rotation, so a key holder who lost access opens nothing added afterwards.
    pub key_epoch: u32,
    /// When the current epoch stops accepting documents and key shares: the earliest time a
    /// holder of its key loses access (a grant expiring, an emergency whose key was released
    /// closing). `None` while no holder's access has an end in this epoch.
    pub key_epoch_expires_at: Option<Timestamp>,
    /// The contract's key-holder invalidation count (doctors suspended or with a replaced
    /// public key) when the current epoch's key was first handed to a doctor; `None` while no
    /// doctor holds it. Any invalidation since means a holder may have lost access.
    pub key_shared_at_invalidation: Option<u32>,
}

impl Patient {
    /// Whether the patient must rotate to a new record-key epoch before anything more is added
    /// or shared under the current one: a holder of the current key lost access (its grant or
    /// emergency expired or ended, or some doctor was suspended or replaced its key after the
    /// key was first handed out).
    pub fn rotation_required(&self, now: Timestamp, invalidations: u32) -> bool {
        self.key_epoch_expires_at.is_some_and(|at| now >= at)
            || self
                .key_shared_at_invalidation
                .is_some_and(|seen| invalidations > seen)
    }

    /// Records that the current epoch's key went to a doctor whose access ends at `until`.
    pub fn note_key_holder(&mut self, until: Timestamp, invalidations: u32) {
        self.key_epoch_expires_at = Some(
            self.key_epoch_expires_at
                .map_or(until, |earliest| earliest.min(until)),
        );
        if self.key_shared_at_invalidation.is_none() {
            self.key_shared_at_invalidation = Some(invalidations);
        }
    }

    /// Moves to the next epoch, whose key nobody else holds yet.
    ///
    /// # Errors
    /// `KeyEpochsExhausted` at [`MAX_KEY_EPOCH`].
    pub fn next_key_epoch(&mut self) -> Result<u32, crate::Error> {
        if self.key_epoch >= MAX_KEY_EPOCH {
            return Err(crate::Error::KeyEpochsExhausted);
        }
        self.key_epoch = self
            .key_epoch
            .checked_add(1)
            .ok_or(crate::Error::Overflow)?;
        self.key_epoch_expires_at = None;
        self.key_shared_at_invalidation = None;
        Ok(self.key_epoch)
    }
}

/// Answer to "is this account a patient, and who verified it when" (`PatientVerification`).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientVerification {
    /// Whether the account is a registered patient.
    pub registered: bool,
    /// Who attested the patient's identity, if anyone has.
    pub verified_by: Option<AccountId>,
    /// When the identity was attested.
    pub verified_at: Option<Timestamp>,
}

/// Where a doctor stands with the verifiers.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoctorStatus {
    /// Registered, waiting for a verifier.
    Pending,
    /// Verified by a verifier: can be booked, granted access, and attest patients.
    Verified,
    /// Suspended by a verifier: not bookable, and every grant to the doctor opens nothing.
    Suspended,
}

/// A doctor's public professional profile.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doctor {
    /// Public display name (1..=64 bytes).
    pub display_name: String,
    /// Public specialty (1..=64 bytes), e.g. "cardiology".
    pub specialty: String,
    /// Hash of the doctor's licence document; the licence itself stays off chain.
    pub licence_hash: Hash32,
    /// Public X25519 key that patients seal record keys to.
    pub public_key: PublicKey,
    /// Length of one appointment slot in minutes (5..=480); windows and bookings align to it.
    pub slot_minutes: u16,
    /// Verification status.
    pub status: DoctorStatus,
    /// When the doctor registered.
    pub registered_at: Timestamp,
    /// The verifier who last changed the status, if any.
    pub status_changed_by: Option<AccountId>,
    /// When the status last changed, if ever.
    pub status_changed_at: Option<Timestamp>,
}

impl Doctor {
    /// Slot length in milliseconds.
    pub fn slot_ms(&self) -> Timestamp {
        minutes_to_ms(self.slot_minutes)
    }
}

/// A period a doctor is open for bookings: `[start, end)`, both slot-aligned.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AvailabilityWindow {
    /// First bookable instant (inclusive).
    pub start: Timestamp,
    /// End of the window (exclusive): the last slot starts at `end - slot length`.
    pub end: Timestamp,
}

impl AvailabilityWindow {
    /// Whether the two half-open windows share any instant.
    pub fn overlaps(&self, other: &AvailabilityWindow) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// Whether a slot `[start, start + slot_ms)` lies entirely inside the window.
    pub fn contains_slot(&self, start: Timestamp, slot_ms: Timestamp) -> bool {
        start >= self.start
            && start
                .checked_add(slot_ms)
                .is_some_and(|slot_end| slot_end <= self.end)
    }
}

/// Where an appointment is in its life (FHIR appointment status names).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppointmentStatus {
    /// Booked and upcoming (or under way).
    Booked,
    /// Cancelled before its start by the patient or the doctor; the slot is free again.
    Cancelled,
    /// Took place: marked by the doctor after the start.
    Fulfilled,
    /// The patient did not come: marked by the doctor after the start.
    NoShow,
}

/// A booked slot.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    /// Contract-wide identifier.
    pub id: AppointmentId,
    /// The patient who booked.
    pub patient: AccountId,
    /// The doctor booked.
    pub doctor: AccountId,
    /// Slot start.
    pub start: Timestamp,
    /// Slot end (start + the doctor's slot length at booking time).
    pub end: Timestamp,
    /// Current status.
    pub status: AppointmentStatus,
    /// When it was booked.
    pub booked_at: Timestamp,
    /// When the status last changed.
    pub updated_at: Timestamp,
}

/// A patient's consent for one doctor: read, or read and write, until `expires_at`.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Whether the doctor may also add documents.
    pub write: bool,
    /// When the grant was (last) given.
    pub granted_at: Timestamp,
    /// When it stops opening anything (exclusive).
    pub expires_at: Timestamp,
    /// When the patient revoked it, if they did.
    pub revoked_at: Option<Timestamp>,
    /// The patient's record key sealed to the doctor's public key (at most 128 bytes).
    pub wrapped_key: Vec<u8>,
    /// The record-key epoch `wrapped_key` belongs to; older epochs derive from it.
    pub key_epoch: u32,
}

impl Grant {
    /// Whether the grant opens anything at `now`: not revoked and not expired.
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// A grant together with the doctor it was given to, as listed for a patient.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantEntry {
    /// The doctor the grant was given to.
    pub doctor: AccountId,
    /// The grant.
    pub grant: Grant,
}

/// Where a document stands (FHIR DocumentReference status names).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentStatus {
    /// The document in force.
    Current,
    /// Replaced by a newer document.
    Superseded,
    /// Added by mistake; kept for the trail but not to be used.
    EnteredInError,
}

/// A reference to an encrypted file on IPFS. Only ciphertext and hashes live here.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Identifier within the patient's record.
    pub id: DocumentId,
    /// The IPFS CID, encrypted (1..=256 bytes).
    pub encrypted_cid: Vec<u8>,
    /// Hash of the plaintext file, to check integrity after decryption.
    pub content_hash: Hash32,
    /// The document key wrapped with the patient's record key (0..=128 bytes).
    pub wrapped_key: Vec<u8>,
    /// The record-key epoch `wrapped_key` is wrapped under (the patient's at upload).
    pub key_epoch: u32,
    /// Who added it: the patient or a doctor with a write grant.
    pub author: AccountId,
    /// When it was added.
    pub created_at: Timestamp,
    /// Current, superseded, or entered in error.
    pub status: DocumentStatus,
    /// The document this one replaced, if any.
    pub supersedes: Option<DocumentId>,
    /// The document that replaced this one, if any.
    pub superseded_by: Option<DocumentId>,
}

/// Emergency ("break-glass") access of one doctor to one patient's records.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmergencyAccess {
    /// When the doctor opened it.
    pub opened_at: Timestamp,
    /// When it ends by itself (`opened_at + EMERGENCY_ACCESS_DURATION`).
    pub expires_at: Timestamp,
    /// The stated reason, sealed to the patient's public key: only the patient reads it.
    pub sealed_reason: Vec<u8>,
    /// When the patient or the doctor ended it early, if they did.
    pub ended_at: Option<Timestamp>,
    /// The patient's record key the emergency custodian released to the doctor, sealed to the
    /// doctor's public key (empty until released).
    pub released_key: Vec<u8>,
    /// The record-key epoch of `released_key`, once released.
    pub released_key_epoch: Option<u32>,
}

/// The break-glass key custodian the admin appointed (e.g. a hospital's emergency desk
/// service): patients who opt in deposit their record key sealed to its public key, and it
/// releases the key to a doctor only while that doctor's emergency access is open.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmergencyCustodian {
    /// The custodian's account: the only one that may release keys.
    pub account: AccountId,
    /// The custodian's X25519 public key, that patients seal their deposits to.
    pub public_key: PublicKey,
}

/// A patient's record key deposited with the emergency custodian.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmergencyKey {
    /// The custodian the key is sealed to.
    pub custodian: AccountId,
    /// The record-key epoch deposited.
    pub key_epoch: u32,
    /// The record key sealed to the custodian's public key (at most 128 bytes).
    pub sealed_key: Vec<u8>,
    /// When it was deposited.
    pub deposited_at: Timestamp,
}

impl EmergencyAccess {
    /// Whether the access is open at `now`.
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.ended_at.is_none() && now < self.expires_at
    }

    /// When the access closed (ended early, or ran out), or will run out.
    pub fn closes_at(&self) -> Timestamp {
        self.ended_at.unwrap_or(self.expires_at)
    }
}

/// How many emergency accesses a doctor opened on one UTC day.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EmergencyOpenings {
    /// The UTC day (milliseconds since the epoch / [`MS_PER_DAY`]).
    pub day: u64,
    /// Accesses opened that day.
    pub count: u32,
}

/// A patient's upcoming appointment, as kept to bound how many a patient holds.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpcomingAppointment {
    /// The appointment.
    pub id: AppointmentId,
    /// Its start: once passed, it no longer counts.
    pub start: Timestamp,
}

/// What one account's messages read together, kept in one storage cell: the counters and short
/// lists of an account as patient (registered, upcoming appointments, audit entries,
/// documents, grantees) and as doctor (bookable, open windows, open appointments). On
/// contracts-node 0.42.0 every storage cell a message touches costs about 10 KB of proof and
/// 0.07–0.17 × 10⁹ ref_time, whatever its size, so one cell of up to ~400 bytes is far cheaper
/// than five small ones.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ledger {
    /// As patient: registered. Set once, by `register_patient`, so that a booking reads one
    /// cell for the patient (`patients` holds the record itself).
    pub patient: bool,
    /// As doctor: the slot length in minutes while the doctor is verified, and so bookable;
    /// `None` while pending or suspended. `verify_doctor` and `suspend_doctor` set it with the
    /// status in `doctors`, so that a booking or a new window reads one cell for the doctor.
    pub bookable_slot_minutes: Option<u16>,
    /// Appointments listed for the account, as patient and as doctor.
    pub appointment_count: u32,
    /// As doctor: booked appointments not yet cancelled or closed.
    pub open_appointments: u32,
    /// As patient: entries in the audit trail.
    pub audit_count: u32,
    /// As patient: documents in the record.
    pub document_count: u32,
    /// As patient: doctors ever granted access.
    pub grantee_count: u32,
    /// As doctor: open windows, sorted by start, at most `MAX_AVAILABILITY_WINDOWS`.
    pub windows: Vec<AvailabilityWindow>,
    /// As patient: upcoming appointments, at most `MAX_UPCOMING_APPOINTMENTS_PER_PATIENT`
    /// (started ones are dropped at the next booking).
    pub upcoming: Vec<UpcomingAppointment>,
}

impl Ledger {
    /// As doctor: the slot length in milliseconds while bookable (see
    /// `bookable_slot_minutes`).
    pub fn bookable_slot_ms(&self) -> Option<Timestamp> {
        self.bookable_slot_minutes.map(minutes_to_ms)
    }
}

/// What happened, in an audit entry.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    /// The patient registered.
    PatientRegistered,
    /// A doctor or verifier attested the patient's identity.
    PatientVerified,
    /// An appointment was booked.
    AppointmentBooked,
    /// An appointment was cancelled.
    AppointmentCancelled,
    /// An appointment was marked fulfilled.
    AppointmentFulfilled,
    /// An appointment was marked no-show.
    AppointmentNoShow,
    /// The patient granted (or renewed) a doctor's access.
    AccessGranted,
    /// The patient revoked a doctor's access.
    AccessRevoked,
    /// The patient shared the current record key with a doctor holding a grant.
    RecordKeyShared,
    /// The patient moved to a new record-key epoch without revoking anyone.
    RecordKeyRotated,
    /// The patient deposited the record key with the emergency custodian.
    EmergencyKeyDeposited,
    /// The patient withdrew the deposited key.
    EmergencyKeyWithdrawn,
    /// The emergency custodian released the record key to a doctor with emergency access.
    EmergencyKeyReleased,
    /// A document was added.
    DocumentUploaded,
    /// A document was marked entered-in-error.
    DocumentEnteredInError,
    /// A doctor opened a document.
    DocumentOpened,
    /// A doctor opened emergency access.
    EmergencyAccessOpened,
    /// Emergency access was ended early.
    EmergencyAccessEnded,
    /// The attestation of the patient's identity was withdrawn.
    PatientVerificationWithdrawn,
    /// The patient replaced its public encryption key.
    PublicKeyReplaced,
    /// The patient refused break-glass access to a doctor.
    EmergencyAccessRefused,
    /// The patient lifted a refusal of break-glass access.
    EmergencyAccessAllowed,
}

/// What an audit entry is about.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditSubject {
    /// The patient's record as a whole.
    Record,
    /// Another account (the doctor a grant or emergency access concerns).
    Account(AccountId),
    /// An appointment.
    Appointment(AppointmentId),
    /// A document of the patient.
    Document(DocumentId),
}

/// One line of a patient's audit trail.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditEntry {
    /// Who did it.
    pub actor: AccountId,
    /// What they did.
    pub action: AuditAction,
    /// What it was done to.
    pub subject: AuditSubject,
    /// When (block timestamp).
    pub at: Timestamp,
}

/// One page of a list, and the number of items in the whole list.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// Items `offset..offset + limit` of the list (fewer at its end).
    pub items: Vec<T>,
    /// Items in the whole list.
    pub total: u32,
}

impl<T> Page<T> {
    /// Collects items `offset..offset + min(limit, MAX_PAGE_SIZE)` of a list of `total` items,
    /// reading each with `item_at`. Positions `item_at` cannot read are skipped. The work is
    /// bounded by `MAX_PAGE_SIZE` whatever the caller passes.
    pub fn collect(
        total: u32,
        offset: u32,
        limit: u32,
        item_at: impl FnMut(u32) -> Option<T>,
    ) -> Self {
        let end = offset.saturating_add(limit.min(MAX_PAGE_SIZE)).min(total);
        let items = (offset..end).filter_map(item_at).collect();
        Page { items, total }
    }
}

/// A slot length in minutes, as doctors give it, in milliseconds, as the chain counts time.
pub fn minutes_to_ms(minutes: u16) -> Timestamp {
    Timestamp::from(minutes).saturating_mul(MS_PER_MINUTE)
}

/// Whether `instant` lies on a boundary of `slot_ms`-long slots counted from the epoch.
pub fn is_slot_aligned(instant: Timestamp, slot_ms: Timestamp) -> bool {
    instant.checked_rem(slot_ms) == Some(0)
}

/// Whether a display name or specialty is acceptable: non-empty, at most `max` bytes, no
/// control characters.
pub fn is_valid_label(label: &str, max: usize) -> bool {
    !label.trim().is_empty() && label.len() <= max && !label.chars().any(char::is_control)
}

/// Key under which verified doctors of one specialty are indexed: the Blake2x256 hash of the
/// specialty, ASCII-lowercased and trimmed, so "Cardiology " and "cardiology" match.
pub fn specialty_key(specialty: &str) -> Hash32 {
    let normalized: Vec<u8> = specialty
        .trim()
        .bytes()
        .map(|b| b.to_ascii_lowercase())
        .collect();
    let mut out = [0u8; 32];
    ink::env::hash_bytes::<ink::env::hash::Blake2x256>(&normalized, &mut out);
    out
}
