//! A plain-Rust model of the contract's rules: for every [`Action`] it predicts the outcome
//! (the value returned, or the exact `Error`), the audit entry appended and the events emitted,
//! and it applies the change only when it predicts success.
//!
//! Beside the rules the contract itself keeps, the model tracks one thing the contract does not:
//! who holds each patient's *current* record key and whether each holder has since lost the
//! access it was given the key for. The key-epoch invariant is checked against that, not against
//! the contract's own O(1) bookkeeping.

use std::collections::{BTreeMap, BTreeSet};

use ehr::{
    AppointmentId, AppointmentStatus, AuditAction, DocumentId, DocumentStatus, Error, Timestamp,
    EMERGENCY_ACCESS_DURATION, EMERGENCY_COOLDOWN, MAX_AVAILABILITY_WINDOWS,
    MAX_EMERGENCY_OPENINGS_PER_DAY, MAX_ENCRYPTED_CID_LEN, MAX_KEY_EPOCH, MAX_OPEN_APPOINTMENTS,
    MAX_OPEN_APPOINTMENTS_PER_DOCTOR, MAX_SEALED_REASON_LEN, MAX_SLOT_MINUTES,
    MAX_UPCOMING_APPOINTMENTS_PER_PATIENT, MAX_WRAPPED_KEY_LEN, MIN_SLOT_MINUTES, MS_PER_DAY,
    MS_PER_MINUTE,
};

use super::action::{Action, Actor};

/// What a successful call returns, as far as the model predicts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Returned {
    Unit,
    /// An appointment id, a document id, a key epoch or a timestamp.
    Number(u64),
    /// `open_document`: the fields the model knows.
    Document(DocumentView),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentView {
    pub id: DocumentId,
    pub key_epoch: u32,
    pub author: Actor,
    pub created_at: Timestamp,
    pub status: DocumentStatus,
    pub supersedes: Option<DocumentId>,
    pub superseded_by: Option<DocumentId>,
}

/// The model's prediction for one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prediction {
    pub outcome: Result<Returned, Error>,
    /// The audit entry a success appends: (patient, actor, action).
    pub audit: Option<(Actor, Actor, AuditAction)>,
    /// Contract events a success emits.
    pub events: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoctorStatus {
    Pending,
    Verified,
    Suspended,
}

#[derive(Debug, Clone)]
pub struct PatientModel {
    pub public_key: [u8; 32],
    pub registered_at: Timestamp,
    pub verified_by: Option<Actor>,
    pub verified_at: Option<Timestamp>,
    pub key_epoch: u32,
    pub key_epoch_expires_at: Option<Timestamp>,
    pub key_shared_at_invalidation: Option<u32>,
}

impl PatientModel {
    fn rotation_required(&self, now: Timestamp, invalidations: u32) -> bool {
        self.key_epoch_expires_at.is_some_and(|at| now >= at)
            || self
                .key_shared_at_invalidation
                .is_some_and(|seen| invalidations > seen)
    }

    fn note_key_holder(&mut self, until: Timestamp, invalidations: u32) {
        self.key_epoch_expires_at =
            Some(self.key_epoch_expires_at.map_or(until, |at| at.min(until)));
        if self.key_shared_at_invalidation.is_none() {
            self.key_shared_at_invalidation = Some(invalidations);
        }
    }

    fn next_key_epoch(&mut self) -> Result<u32, Error> {
        if self.key_epoch >= MAX_KEY_EPOCH {
            return Err(Error::KeyEpochsExhausted);
        }
        self.key_epoch += 1;
        self.key_epoch_expires_at = None;
        self.key_shared_at_invalidation = None;
        Ok(self.key_epoch)
    }
}

#[derive(Debug, Clone)]
pub struct DoctorModel {
    pub specialty: String,
    pub slot_minutes: u16,
    pub status: DoctorStatus,
    pub public_key: [u8; 32],
    pub status_changed_by: Option<Actor>,
}

impl DoctorModel {
    pub fn slot_ms(&self) -> Timestamp {
        Timestamp::from(self.slot_minutes) * MS_PER_MINUTE
    }
}

#[derive(Debug, Clone)]
pub struct AppointmentModel {
    pub patient: Actor,
    pub doctor: Actor,
    pub start: Timestamp,
    pub status: AppointmentStatus,
}

#[derive(Debug, Clone)]
pub struct GrantModel {
    pub write: bool,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub key_epoch: u32,
}

impl GrantModel {
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

#[derive(Debug, Clone)]
pub struct EmergencyModel {
    pub opened_at: Timestamp,
    pub expires_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    pub released_key_epoch: Option<u32>,
}

impl EmergencyModel {
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.ended_at.is_none() && now < self.expires_at
    }

    fn closes_at(&self) -> Timestamp {
        self.ended_at.unwrap_or(self.expires_at)
    }
}

#[derive(Debug, Clone)]
pub struct DepositModel {
    pub custodian: Actor,
    pub key_epoch: u32,
}

/// Someone who was handed a patient's current record key, and until when the access it came
/// with was meant to last. `lost` is set when that access ended early (revocation, suspension,
/// a replaced doctor key, an emergency ended).
#[derive(Debug, Clone)]
pub struct KeyHolder {
    pub doctor: Actor,
    pub until: Timestamp,
    pub lost: bool,
}

impl KeyHolder {
    pub fn has_lost_access(&self, now: Timestamp) -> bool {
        self.lost || now >= self.until
    }
}

#[derive(Debug, Clone, Default)]
pub struct Model {
    pub now: Timestamp,
    pub admin: Actor,
    pub pending_admin: Option<Actor>,
    pub verifiers: BTreeSet<Actor>,
    pub patients: BTreeMap<Actor, PatientModel>,
    pub doctors: BTreeMap<Actor, DoctorModel>,
    /// Registration order (`get_registered_doctors`).
    pub doctor_order: Vec<Actor>,
    pub availability: BTreeMap<Actor, Vec<(Timestamp, Timestamp)>>,
    pub appointments: Vec<AppointmentModel>,
    pub booked_slots: BTreeSet<(Actor, Timestamp)>,
    pub upcoming: BTreeMap<Actor, Vec<(AppointmentId, Timestamp)>>,
    pub doctor_open: BTreeMap<Actor, u32>,
    pub open_appointments: u64,
    pub grants: BTreeMap<(Actor, Actor), GrantModel>,
    pub documents: BTreeMap<Actor, Vec<DocumentView>>,
    pub emergency: BTreeMap<(Actor, Actor), EmergencyModel>,
    pub refusals: BTreeMap<(Actor, Actor), Timestamp>,
    /// Per doctor: (UTC day, openings that day).
    pub openings: BTreeMap<Actor, (u64, u32)>,
    pub invalidations: u32,
    pub custodian: Option<Actor>,
    pub deposits: BTreeMap<Actor, DepositModel>,
    pub audit: BTreeMap<Actor, Vec<(Actor, AuditAction)>>,
    /// Holders of each patient's current key epoch (cleared when the epoch moves on).
    pub holders: BTreeMap<Actor, Vec<KeyHolder>>,
}

fn ok(returned: Returned, audit: Option<(Actor, Actor, AuditAction)>) -> Prediction {
    Prediction {
        outcome: Ok(returned),
        audit,
        events: 1,
    }
}

fn unit(audit: Option<(Actor, Actor, AuditAction)>) -> Prediction {
    ok(Returned::Unit, audit)
}

fn refused(error: Error) -> Prediction {
    Prediction {
        outcome: Err(error),
        audit: None,
        events: 0,
    }
}

macro_rules! ensure {
    ($condition:expr, $error:expr) => {
        if !$condition {
            return refused($error);
        }
    };
}

macro_rules! attempt {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(error) => return refused(error),
        }
    };
}

fn aligned(instant: Timestamp, slot_ms: Timestamp) -> bool {
    instant.is_multiple_of(slot_ms)
}

impl Model {
    /// A fresh contract deployed by `admin` at `now`.
    pub fn new(admin: Actor, now: Timestamp) -> Self {
        Model {
            now,
            admin,
            ..Model::default()
        }
    }

    pub fn verified_doctor(&self, account: Actor) -> Result<&DoctorModel, Error> {
        let doctor = self
            .doctors
            .get(&account)
            .ok_or(Error::DoctorNotRegistered)?;
        match doctor.status {
            DoctorStatus::Verified => Ok(doctor),
            DoctorStatus::Pending => Err(Error::DoctorNotVerified),
            DoctorStatus::Suspended => Err(Error::DoctorSuspended),
        }
    }

    fn patient(&self, account: Actor) -> Result<&PatientModel, Error> {
        self.patients
            .get(&account)
            .ok_or(Error::PatientNotRegistered)
    }

    fn document(&self, patient: Actor, id: DocumentId) -> Result<&DocumentView, Error> {
        self.documents
            .get(&patient)
            .and_then(|documents| documents.get(id as usize))
            .ok_or(Error::DocumentNotFound)
    }

    /// A registered patient's current key epoch.
    pub fn key_epoch(&self, patient: Actor) -> Option<u32> {
        self.patients.get(&patient).map(|record| record.key_epoch)
    }

    pub fn rotation_required(&self, patient: Actor) -> Option<bool> {
        self.patients
            .get(&patient)
            .map(|record| record.rotation_required(self.now, self.invalidations))
    }

    pub fn verified_doctors(&self) -> BTreeSet<Actor> {
        self.doctors
            .iter()
            .filter(|(_, doctor)| doctor.status == DoctorStatus::Verified)
            .map(|(account, _)| *account)
            .collect()
    }

    /// How `reader` may read `patient`'s record now: `Some(true)` for an emergency,
    /// `Some(false)` for a grant or the owner, `None` for no access.
    fn read_access(&self, patient: Actor, reader: Actor) -> Result<bool, Error> {
        if reader == patient {
            return Ok(false);
        }
        self.verified_doctor(reader)
            .map_err(|_| Error::AccessDenied)?;
        if self
            .grants
            .get(&(patient, reader))
            .is_some_and(|grant| grant.is_live(self.now))
        {
            return Ok(false);
        }
        if self
            .emergency
            .get(&(patient, reader))
            .is_some_and(|access| access.is_live(self.now))
        {
            return Ok(true);
        }
        Err(Error::AccessDenied)
    }

    fn write_access(&self, patient: Actor, author: Actor) -> Result<(), Error> {
        if author == patient {
            return Ok(());
        }
        self.verified_doctor(author)
            .map_err(|_| Error::AccessDenied)?;
        match self.grants.get(&(patient, author)) {
            Some(grant) if grant.write && grant.is_live(self.now) => Ok(()),
            _ => Err(Error::AccessDenied),
        }
    }

    fn slot_open(&self, doctor: Actor, start: Timestamp) -> Result<Timestamp, Error> {
        let slot_ms = self.verified_doctor(doctor)?.slot_ms();
        if !aligned(start, slot_ms) {
            return Err(Error::SlotNotAligned);
        }
        if start <= self.now {
            return Err(Error::SlotInPast);
        }
        let inside = self.availability.get(&doctor).is_some_and(|windows| {
            windows.iter().any(|&(from, to)| {
                start >= from && start.checked_add(slot_ms).is_some_and(|end| end <= to)
            })
        });
        if !inside {
            return Err(Error::SlotOutsideAvailability);
        }
        Ok(slot_ms)
    }

    /// Marks the keys `doctor` holds (of `patient`, or of every patient) as held by someone
    /// whose access ended.
    fn doctor_lost_keys(&mut self, patient: Option<Actor>, doctor: Actor) {
        for (_, holders) in self
            .holders
            .iter_mut()
            .filter(|(holder_of, _)| patient.is_none_or(|patient| **holder_of == patient))
        {
            for holder in holders.iter_mut().filter(|holder| holder.doctor == doctor) {
                holder.lost = true;
            }
        }
    }

    fn move_to_next_epoch(&mut self, patient: Actor) -> Result<u32, Error> {
        let record = self.patients.get_mut(&patient).expect("registered");
        let epoch = record.next_key_epoch()?;
        self.holders.remove(&patient);
        Ok(epoch)
    }

    fn hand_out_current_key(&mut self, patient: Actor, doctor: Actor, until: Timestamp) {
        let invalidations = self.invalidations;
        let record = self.patients.get_mut(&patient).expect("registered");
        record.note_key_holder(until, invalidations);
        self.holders.entry(patient).or_default().push(KeyHolder {
            doctor,
            until,
            lost: false,
        });
    }

    fn set_appointment_status(
        &mut self,
        id: AppointmentId,
        status: AppointmentStatus,
        by: Actor,
    ) -> Prediction {
        let appointment = &mut self.appointments[id as usize];
        if appointment.status == AppointmentStatus::Booked && status != AppointmentStatus::Booked {
            let open = self.doctor_open.entry(appointment.doctor).or_default();
            *open = open.saturating_sub(1);
            self.open_appointments = self.open_appointments.saturating_sub(1);
        }
        appointment.status = status;
        let action = match status {
            AppointmentStatus::Booked => AuditAction::AppointmentBooked,
            AppointmentStatus::Cancelled => AuditAction::AppointmentCancelled,
            AppointmentStatus::Fulfilled => AuditAction::AppointmentFulfilled,
            AppointmentStatus::NoShow => AuditAction::AppointmentNoShow,
        };
        let patient = appointment.patient;
        unit(self.audited(patient, by, action))
    }

    fn audited(
        &mut self,
        patient: Actor,
        actor: Actor,
        action: AuditAction,
    ) -> Option<(Actor, Actor, AuditAction)> {
        self.audit.entry(patient).or_default().push((actor, action));
        Some((patient, actor, action))
    }

    /// Predicts `action`'s outcome and, when it succeeds, applies it.
    pub fn apply(&mut self, action: &Action) -> Prediction {
        use Action::*;
        let now = self.now;
        match *action {
            AdvanceTime { ms } => {
                self.now += ms;
                Prediction {
                    outcome: Ok(Returned::Unit),
                    audit: None,
                    events: 0,
                }
            }
            // ---------------------------------------------------------------- roles
            TransferAdmin { caller, to } => {
                ensure!(caller == self.admin, Error::NotAdmin);
                self.pending_admin = Some(to);
                unit(None)
            }
            AcceptAdmin { caller } => {
                ensure!(self.pending_admin == Some(caller), Error::NotPendingAdmin);
                self.admin = caller;
                self.pending_admin = None;
                unit(None)
            }
            AddVerifier { caller, verifier } => {
                ensure!(caller == self.admin, Error::NotAdmin);
                ensure!(!self.verifiers.contains(&verifier), Error::AlreadyVerifier);
                self.verifiers.insert(verifier);
                unit(None)
            }
            RemoveVerifier { caller, verifier } => {
                ensure!(caller == self.admin, Error::NotAdmin);
                ensure!(self.verifiers.remove(&verifier), Error::VerifierNotFound);
                unit(None)
            }
            // ---------------------------------------------------------------- patients
            RegisterPatient { caller } => {
                ensure!(
                    !self.patients.contains_key(&caller),
                    Error::PatientAlreadyRegistered
                );
                self.patients.insert(
                    caller,
                    PatientModel {
                        public_key: [caller; 32],
                        registered_at: now,
                        verified_by: None,
                        verified_at: None,
                        key_epoch: 0,
                        key_epoch_expires_at: None,
                        key_shared_at_invalidation: None,
                    },
                );
                unit(self.audited(caller, caller, AuditAction::PatientRegistered))
            }
            VerifyPatient { caller, patient } => {
                let verified_doctor = self
                    .doctors
                    .get(&caller)
                    .is_some_and(|doctor| doctor.status == DoctorStatus::Verified);
                ensure!(
                    verified_doctor || self.verifiers.contains(&caller),
                    Error::NotPatientVerifier
                );
                ensure!(caller != patient, Error::CannotVerifySelf);
                let record = attempt!(self.patient(patient));
                ensure!(record.verified_by.is_none(), Error::PatientAlreadyVerified);
                let record = self.patients.get_mut(&patient).expect("registered");
                record.verified_by = Some(caller);
                record.verified_at = Some(now);
                unit(self.audited(patient, caller, AuditAction::PatientVerified))
            }
            WithdrawPatientVerification { caller, patient } => {
                let record = attempt!(self.patient(patient));
                let attester = attempt!(record.verified_by.ok_or(Error::PatientNotVerified));
                ensure!(
                    caller == attester || self.verifiers.contains(&caller),
                    Error::NotPatientVerifier
                );
                let record = self.patients.get_mut(&patient).expect("registered");
                record.verified_by = None;
                record.verified_at = None;
                unit(self.audited(patient, caller, AuditAction::PatientVerificationWithdrawn))
            }
            ReplacePublicKey { caller } => {
                let is_patient = self.patients.contains_key(&caller);
                ensure!(
                    is_patient || self.doctors.contains_key(&caller),
                    Error::NotRegistered
                );
                if let Some(doctor) = self.doctors.get_mut(&caller) {
                    doctor.public_key = [caller.wrapping_add(128); 32];
                    if doctor.status == DoctorStatus::Verified {
                        self.invalidations += 1;
                        self.doctor_lost_keys(None, caller);
                    }
                }
                let mut audit = None;
                if let Some(patient) = self.patients.get_mut(&caller) {
                    patient.public_key = [caller.wrapping_add(128); 32];
                    audit = self.audited(caller, caller, AuditAction::PublicKeyReplaced);
                }
                unit(audit)
            }
            // ---------------------------------------------------------------- doctors
            RegisterDoctor {
                caller,
                name,
                specialty,
                slot_minutes,
            } => {
                ensure!(
                    !self.doctors.contains_key(&caller),
                    Error::DoctorAlreadyRegistered
                );
                ensure!(name.is_valid(), Error::InvalidDisplayName);
                ensure!(specialty.is_valid(), Error::InvalidSpecialty);
                ensure!(
                    (MIN_SLOT_MINUTES..=MAX_SLOT_MINUTES).contains(&slot_minutes),
                    Error::InvalidSlotLength
                );
                self.doctors.insert(
                    caller,
                    DoctorModel {
                        specialty: specialty.specialty_key(),
                        slot_minutes,
                        status: DoctorStatus::Pending,
                        public_key: [2; 32],
                        status_changed_by: None,
                    },
                );
                self.doctor_order.push(caller);
                unit(None)
            }
            VerifyDoctor { caller, doctor } => {
                ensure!(self.verifiers.contains(&caller), Error::NotVerifier);
                ensure!(caller != doctor, Error::CannotVerifySelf);
                let record = attempt!(self.doctors.get(&doctor).ok_or(Error::DoctorNotRegistered));
                ensure!(
                    record.status != DoctorStatus::Verified,
                    Error::DoctorAlreadyVerified
                );
                let record = self.doctors.get_mut(&doctor).expect("registered");
                record.status = DoctorStatus::Verified;
                record.status_changed_by = Some(caller);
                unit(None)
            }
            SuspendDoctor { caller, doctor } => {
                ensure!(self.verifiers.contains(&caller), Error::NotVerifier);
                let record = attempt!(self.doctors.get(&doctor).ok_or(Error::DoctorNotRegistered));
                ensure!(
                    record.status != DoctorStatus::Suspended,
                    Error::DoctorAlreadySuspended
                );
                if record.status == DoctorStatus::Verified {
                    self.invalidations += 1;
                    self.doctor_lost_keys(None, doctor);
                }
                let record = self.doctors.get_mut(&doctor).expect("registered");
                record.status = DoctorStatus::Suspended;
                record.status_changed_by = Some(caller);
                unit(None)
            }
            // ---------------------------------------------------------------- schedule
            PublishAvailability { caller, start, end } => {
                let slot_ms = attempt!(self.verified_doctor(caller)).slot_ms();
                ensure!(end > start, Error::InvalidWindow);
                ensure!(
                    aligned(start, slot_ms) && aligned(end, slot_ms),
                    Error::WindowNotAligned
                );
                ensure!(end > now, Error::WindowInPast);
                let mut windows = self.availability.get(&caller).cloned().unwrap_or_default();
                windows.retain(|&(_, to)| to > now);
                ensure!(
                    !windows.iter().any(|&(from, to)| from < end && start < to),
                    Error::WindowOverlaps
                );
                ensure!(
                    windows.len() < MAX_AVAILABILITY_WINDOWS as usize,
                    Error::TooManyWindows
                );
                let at = windows.partition_point(|&(from, _)| from < start);
                windows.insert(at, (start, end));
                self.availability.insert(caller, windows);
                unit(None)
            }
            WithdrawAvailability { caller, start } => {
                ensure!(
                    self.doctors.contains_key(&caller),
                    Error::DoctorNotRegistered
                );
                let windows = self.availability.entry(caller).or_default();
                let at = attempt!(windows
                    .iter()
                    .position(|&(from, _)| from == start)
                    .ok_or(Error::WindowNotFound));
                windows.remove(at);
                unit(None)
            }
            BookAppointment {
                caller,
                doctor,
                start,
            } => {
                attempt!(self.patient(caller));
                ensure!(caller != doctor, Error::CannotBookSelf);
                attempt!(self.slot_open(doctor, start));
                let mut upcoming = self.upcoming.get(&caller).cloned().unwrap_or_default();
                upcoming.retain(|&(_, at)| at > now);
                ensure!(
                    upcoming.len() < MAX_UPCOMING_APPOINTMENTS_PER_PATIENT as usize,
                    Error::TooManyUpcomingAppointments
                );
                let open = self.doctor_open.get(&doctor).copied().unwrap_or(0);
                ensure!(
                    open < MAX_OPEN_APPOINTMENTS_PER_DOCTOR,
                    Error::DoctorFullyBooked
                );
                ensure!(
                    self.open_appointments < MAX_OPEN_APPOINTMENTS,
                    Error::AppointmentLimitReached
                );
                // checked last, by the write that takes the slot
                ensure!(
                    !self.booked_slots.contains(&(doctor, start)),
                    Error::SlotAlreadyBooked
                );
                let id = self.appointments.len() as AppointmentId;
                self.appointments.push(AppointmentModel {
                    patient: caller,
                    doctor,
                    start,
                    status: AppointmentStatus::Booked,
                });
                self.booked_slots.insert((doctor, start));
                upcoming.push((id, start));
                self.upcoming.insert(caller, upcoming);
                self.doctor_open.insert(doctor, open + 1);
                self.open_appointments += 1;
                ok(
                    Returned::Number(id),
                    self.audited(caller, caller, AuditAction::AppointmentBooked),
                )
            }
            CancelAppointment { caller, id } => {
                let appointment = attempt!(self
                    .appointments
                    .get(id as usize)
                    .ok_or(Error::AppointmentNotFound));
                ensure!(
                    caller == appointment.patient || caller == appointment.doctor,
                    Error::NotAppointmentParticipant
                );
                ensure!(
                    appointment.status == AppointmentStatus::Booked,
                    Error::AppointmentNotBooked
                );
                ensure!(now < appointment.start, Error::AppointmentStarted);
                let (patient, doctor, start) =
                    (appointment.patient, appointment.doctor, appointment.start);
                self.booked_slots.remove(&(doctor, start));
                self.upcoming
                    .entry(patient)
                    .or_default()
                    .retain(|&(booked, _)| booked != id);
                self.set_appointment_status(id, AppointmentStatus::Cancelled, caller)
            }
            CompleteAppointment { caller, id } | MarkNoShow { caller, id } => {
                let appointment = attempt!(self
                    .appointments
                    .get(id as usize)
                    .ok_or(Error::AppointmentNotFound));
                ensure!(
                    caller == appointment.doctor,
                    Error::NotAppointmentParticipant
                );
                ensure!(
                    appointment.status == AppointmentStatus::Booked,
                    Error::AppointmentNotBooked
                );
                ensure!(now >= appointment.start, Error::AppointmentNotStarted);
                let status = if matches!(action, CompleteAppointment { .. }) {
                    AppointmentStatus::Fulfilled
                } else {
                    AppointmentStatus::NoShow
                };
                self.set_appointment_status(id, status, caller)
            }
            // ---------------------------------------------------------------- consent
            GrantAccess {
                caller,
                doctor,
                write,
                expires_at,
                key_len,
            } => {
                let record = attempt!(self.patient(caller));
                let key_epoch = record.key_epoch;
                ensure!(doctor != caller, Error::CannotGrantSelf);
                attempt!(self.verified_doctor(doctor));
                ensure!(expires_at > now, Error::ExpiryInPast);
                ensure!(
                    usize::from(key_len) <= MAX_WRAPPED_KEY_LEN,
                    Error::WrappedKeyTooLong
                );
                ensure!(
                    !record.rotation_required(now, self.invalidations),
                    Error::RotationRequired
                );
                self.hand_out_current_key(caller, doctor, expires_at);
                self.grants.insert(
                    (caller, doctor),
                    GrantModel {
                        write,
                        expires_at,
                        revoked_at: None,
                        key_epoch,
                    },
                );
                unit(self.audited(caller, caller, AuditAction::AccessGranted))
            }
            RevokeAccess { caller, doctor } => {
                let grant = attempt!(self
                    .grants
                    .get(&(caller, doctor))
                    .ok_or(Error::GrantNotFound));
                ensure!(grant.revoked_at.is_none(), Error::GrantAlreadyRevoked);
                attempt!(self.patient(caller));
                if self.move_to_next_epoch(caller).is_err() {
                    self.patients
                        .get_mut(&caller)
                        .expect("registered")
                        .key_epoch_expires_at = Some(now);
                    self.doctor_lost_keys(Some(caller), doctor);
                }
                self.grants
                    .get_mut(&(caller, doctor))
                    .expect("granted")
                    .revoked_at = Some(now);
                self.refusals.entry((caller, doctor)).or_insert(now);
                unit(self.audited(caller, caller, AuditAction::AccessRevoked))
            }
            RotateRecordKey { caller } => {
                attempt!(self.patient(caller));
                let epoch = attempt!(self.move_to_next_epoch(caller));
                ok(
                    Returned::Number(u64::from(epoch)),
                    self.audited(caller, caller, AuditAction::RecordKeyRotated),
                )
            }
            ShareRecordKey {
                caller,
                doctor,
                key_epoch,
                key_len,
            } => {
                let record = attempt!(self.patient(caller));
                let grant = attempt!(self
                    .grants
                    .get(&(caller, doctor))
                    .ok_or(Error::GrantNotFound));
                ensure!(grant.is_live(now), Error::AccessDenied);
                attempt!(self.verified_doctor(doctor));
                ensure!(key_epoch == record.key_epoch, Error::StaleKeyEpoch);
                ensure!(
                    usize::from(key_len) <= MAX_WRAPPED_KEY_LEN,
                    Error::WrappedKeyTooLong
                );
                ensure!(
                    !record.rotation_required(now, self.invalidations),
                    Error::RotationRequired
                );
                let until = grant.expires_at;
                self.hand_out_current_key(caller, doctor, until);
                let grant = self.grants.get_mut(&(caller, doctor)).expect("granted");
                grant.key_epoch = key_epoch;
                unit(self.audited(caller, caller, AuditAction::RecordKeyShared))
            }
            // ---------------------------------------------------------------- records
            UploadDocument {
                caller,
                patient,
                cid_len,
                key_len,
                supersedes,
            } => {
                let record = attempt!(self.patient(patient));
                let key_epoch = record.key_epoch;
                attempt!(self.write_access(patient, caller));
                ensure!(
                    !record.rotation_required(now, self.invalidations),
                    Error::RotationRequired
                );
                ensure!(
                    caller == patient
                        || self
                            .grants
                            .get(&(patient, caller))
                            .map(|grant| grant.key_epoch)
                            == Some(key_epoch),
                    Error::RecordKeyNotShared
                );
                ensure!(
                    cid_len > 0 && usize::from(cid_len) <= MAX_ENCRYPTED_CID_LEN,
                    Error::InvalidEncryptedCid
                );
                ensure!(
                    usize::from(key_len) <= MAX_WRAPPED_KEY_LEN,
                    Error::WrappedKeyTooLong
                );
                let documents = self.documents.entry(patient).or_default();
                let id = documents.len() as DocumentId;
                if let Some(old) = supersedes {
                    let old = attempt!(documents
                        .get_mut(old as usize)
                        .ok_or(Error::DocumentNotFound));
                    ensure!(
                        caller == patient || caller == old.author,
                        Error::NotDocumentAuthor
                    );
                    ensure!(
                        old.status == DocumentStatus::Current,
                        Error::DocumentNotCurrent
                    );
                    old.status = DocumentStatus::Superseded;
                    old.superseded_by = Some(id);
                }
                documents.push(DocumentView {
                    id,
                    key_epoch,
                    author: caller,
                    created_at: now,
                    status: DocumentStatus::Current,
                    supersedes,
                    superseded_by: None,
                });
                ok(
                    Returned::Number(u64::from(id)),
                    self.audited(patient, caller, AuditAction::DocumentUploaded),
                )
            }
            MarkDocumentEnteredInError {
                caller,
                patient,
                id,
            } => {
                let document = attempt!(self.document(patient, id));
                ensure!(
                    caller == patient || caller == document.author,
                    Error::NotDocumentAuthor
                );
                attempt!(self.write_access(patient, caller));
                ensure!(
                    document.status == DocumentStatus::Current,
                    Error::DocumentNotCurrent
                );
                self.documents.get_mut(&patient).expect("uploaded")[id as usize].status =
                    DocumentStatus::EnteredInError;
                unit(self.audited(patient, caller, AuditAction::DocumentEnteredInError))
            }
            OpenDocument {
                caller,
                patient,
                id,
            } => {
                attempt!(self.patient(patient));
                attempt!(self.read_access(patient, caller));
                let document = attempt!(self.document(patient, id)).clone();
                if caller == patient {
                    Prediction {
                        outcome: Ok(Returned::Document(document)),
                        audit: None,
                        events: 0,
                    }
                } else {
                    ok(
                        Returned::Document(document),
                        self.audited(patient, caller, AuditAction::DocumentOpened),
                    )
                }
            }
            // ---------------------------------------------------------------- emergency
            OpenEmergencyAccess {
                caller,
                patient,
                reason_len,
            } => {
                attempt!(self.verified_doctor(caller));
                attempt!(self.patient(patient));
                ensure!(caller != patient, Error::CannotGrantSelf);
                ensure!(
                    reason_len > 0 && usize::from(reason_len) <= MAX_SEALED_REASON_LEN,
                    Error::InvalidSealedReason
                );
                ensure!(
                    !self.refusals.contains_key(&(patient, caller)),
                    Error::EmergencyAccessRefused
                );
                if let Some(last) = self.emergency.get(&(patient, caller)) {
                    ensure!(!last.is_live(now), Error::EmergencyAccessActive);
                    ensure!(
                        now >= last.closes_at() + EMERGENCY_COOLDOWN,
                        Error::EmergencyCooldown
                    );
                }
                let today = now / MS_PER_DAY;
                let count = match self.openings.get(&caller) {
                    Some(&(day, count)) if day == today => count,
                    _ => 0,
                };
                ensure!(
                    count < MAX_EMERGENCY_OPENINGS_PER_DAY,
                    Error::EmergencyDailyLimit
                );
                let expires_at = now + EMERGENCY_ACCESS_DURATION;
                self.emergency.insert(
                    (patient, caller),
                    EmergencyModel {
                        opened_at: now,
                        expires_at,
                        ended_at: None,
                        released_key_epoch: None,
                    },
                );
                self.openings.insert(caller, (today, count + 1));
                ok(
                    Returned::Number(expires_at),
                    self.audited(patient, caller, AuditAction::EmergencyAccessOpened),
                )
            }
            EndEmergencyAccess {
                caller,
                patient,
                doctor,
            } => {
                ensure!(caller == patient || caller == doctor, Error::NotPermitted);
                let access = attempt!(self
                    .emergency
                    .get_mut(&(patient, doctor))
                    .filter(|access| access.is_live(now))
                    .ok_or(Error::EmergencyAccessNotFound));
                access.ended_at = Some(now);
                if let Some(epoch) = access.released_key_epoch {
                    let invalidations = self.invalidations;
                    if let Some(record) = self.patients.get_mut(&patient) {
                        if record.key_epoch == epoch {
                            record.note_key_holder(now, invalidations);
                            for holder in self.holders.entry(patient).or_default() {
                                if holder.doctor == doctor {
                                    holder.until = holder.until.min(now);
                                }
                            }
                        }
                    }
                }
                unit(self.audited(patient, caller, AuditAction::EmergencyAccessEnded))
            }
            RefuseEmergencyAccess { caller, doctor } => {
                attempt!(self.patient(caller));
                ensure!(doctor != caller, Error::CannotGrantSelf);
                ensure!(
                    !self.refusals.contains_key(&(caller, doctor)),
                    Error::EmergencyAccessAlreadyRefused
                );
                self.refusals.insert((caller, doctor), now);
                unit(self.audited(caller, caller, AuditAction::EmergencyAccessRefused))
            }
            AllowEmergencyAccess { caller, doctor } => {
                ensure!(
                    self.refusals.remove(&(caller, doctor)).is_some(),
                    Error::EmergencyAccessNotRefused
                );
                unit(self.audited(caller, caller, AuditAction::EmergencyAccessAllowed))
            }
            SetEmergencyCustodian { caller, custodian } => {
                ensure!(caller == self.admin, Error::NotAdmin);
                self.custodian = custodian;
                unit(None)
            }
            DepositEmergencyKey {
                caller,
                key_epoch,
                key_len,
            } => {
                let record = attempt!(self.patient(caller));
                let custodian = attempt!(self.custodian.ok_or(Error::EmergencyCustodianNotSet));
                ensure!(key_epoch == record.key_epoch, Error::StaleKeyEpoch);
                ensure!(
                    key_len > 0 && usize::from(key_len) <= MAX_WRAPPED_KEY_LEN,
                    Error::WrappedKeyTooLong
                );
                ensure!(
                    !record.rotation_required(now, self.invalidations),
                    Error::RotationRequired
                );
                self.deposits.insert(
                    caller,
                    DepositModel {
                        custodian,
                        key_epoch,
                    },
                );
                unit(self.audited(caller, caller, AuditAction::EmergencyKeyDeposited))
            }
            WithdrawEmergencyKey { caller } => {
                ensure!(
                    self.deposits.remove(&caller).is_some(),
                    Error::EmergencyKeyNotDeposited
                );
                unit(self.audited(caller, caller, AuditAction::EmergencyKeyWithdrawn))
            }
            ReleaseEmergencyKey {
                caller,
                patient,
                doctor,
                key_epoch,
                key_len,
            } => {
                ensure!(self.custodian == Some(caller), Error::NotEmergencyCustodian);
                let deposit = attempt!(self
                    .deposits
                    .get(&patient)
                    .ok_or(Error::EmergencyKeyNotDeposited));
                ensure!(deposit.custodian == caller, Error::NotEmergencyCustodian);
                let deposit_epoch = deposit.key_epoch;
                attempt!(self.verified_doctor(doctor));
                ensure!(
                    !self.refusals.contains_key(&(patient, doctor)),
                    Error::EmergencyAccessRefused
                );
                let access = attempt!(self
                    .emergency
                    .get(&(patient, doctor))
                    .filter(|access| access.is_live(now))
                    .ok_or(Error::EmergencyAccessNotFound));
                ensure!(key_epoch == deposit_epoch, Error::StaleKeyEpoch);
                ensure!(
                    key_len > 0 && usize::from(key_len) <= MAX_WRAPPED_KEY_LEN,
                    Error::WrappedKeyTooLong
                );
                let until = access.expires_at;
                self.emergency
                    .get_mut(&(patient, doctor))
                    .expect("open")
                    .released_key_epoch = Some(key_epoch);
                if self.patients.get(&patient).map(|record| record.key_epoch) == Some(key_epoch) {
                    self.hand_out_current_key(patient, doctor, until);
                }
                unit(self.audited(patient, caller, AuditAction::EmergencyKeyReleased))
            }
        }
    }

    /// The key-epoch invariant, from the holders the model tracks (not the contract's own
    /// bookkeeping): the holders of `patient`'s current key who have lost the access they held
    /// it for. Nothing may be added or handed out under the current key while this is non-empty.
    pub fn holders_who_lost_access(&self, patient: Actor) -> Vec<Actor> {
        self.holders
            .get(&patient)
            .into_iter()
            .flatten()
            .filter(|holder| holder.has_lost_access(self.now))
            .map(|holder| holder.doctor)
            .collect()
    }
}
