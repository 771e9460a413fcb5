//! # EHR: the rules of an electronic health record, as an ink! contract
//!
//! Patients own their records; doctors get in only when a patient lets them (or, loudly logged,
//! in an emergency); every step leaves an audit entry. The records themselves never touch the
//! chain: documents are encrypted off chain and stored on IPFS, and the contract keeps only the
//! encrypted reference, a content hash and wrapped keys.
//!
//! Concerns, in the order the messages appear:
//! - **roles**: admin (the deployer), verifiers the admin appoints;
//! - **patients** and **doctors**: registration, verification, suspension, listing;
//! - **schedule**: availability windows, `check_doctor_availability`, appointments;
//! - **consent**: grants with expiry, revocation;
//! - **records**: documents, logged opening, emergency access;
//! - **audit**: the per-patient trail.
//!
//! Values and limits are in [`types`], events in [`events`], the error type in [`errors`].
#![cfg_attr(not(feature = "std"), no_std, no_main)]

pub mod errors;
pub mod events;
// parity-scale-codec's derive casts variant indices of data-carrying enums (`AuditSubject`) to
// `u8`, which the `cast_possible_truncation` lint that `cargo contract build` enforces flags.
#[allow(clippy::cast_possible_truncation)]
pub mod types;

pub use errors::{Error, Result};
pub use types::*;

#[ink::contract]
mod ehr {
    use crate::errors::{Error, Result};
    use crate::events::*;
    use crate::types::*;
    use ink::prelude::{string::String, vec::Vec};
    use ink::storage::Mapping;

    /// Whole-contract state. Every collection is a `Mapping` keyed by account or by
    /// (account, position) with a counter beside it; nothing grows inside one storage cell
    /// except a doctor's availability, capped at [`MAX_AVAILABILITY_WINDOWS`].
    #[ink(storage)]
    pub struct Ehr {
        // roles
        admin: AccountId,
        pending_admin: Option<AccountId>,
        /// Verifier -> when appointed.
        verifiers: Mapping<AccountId, Timestamp>,
        verifier_count: u32,
        // patients
        patients: Mapping<AccountId, Patient>,
        patient_count: u32,
        // doctors
        doctors: Mapping<AccountId, Doctor>,
        /// Registration order -> doctor.
        doctor_accounts: Mapping<u32, AccountId>,
        doctor_count: u32,
        /// Position -> verified doctor (swap-removed on suspension).
        verified_doctors: Mapping<u32, AccountId>,
        verified_doctor_count: u32,
        /// (specialty key, position) -> verified doctor of that specialty.
        specialty_doctors: Mapping<(Hash32, u32), AccountId>,
        specialty_doctor_count: Mapping<Hash32, u32>,
        /// Verified doctor -> (position in `verified_doctors`, position in `specialty_doctors`).
        doctor_positions: Mapping<AccountId, (u32, u32)>,
        /// Account -> its counters and short lists, one cell (see `Ledger`).
        ledgers: Mapping<AccountId, Ledger>,
        // schedule
        appointments: Mapping<AppointmentId, Appointment>,
        appointment_count: AppointmentId,
        /// (doctor, slot start) -> the appointment holding the slot: the O(1) double-booking check.
        booked_slots: Mapping<(AccountId, Timestamp), AppointmentId>,
        /// (patient or doctor, position) -> appointment.
        account_appointments: Mapping<(AccountId, u32), AppointmentId>,
        // consent
        /// (patient, doctor) -> grant.
        grants: Mapping<(AccountId, AccountId), Grant>,
        /// (patient, position) -> doctor ever granted.
        grantees: Mapping<(AccountId, u32), AccountId>,
        // records
        documents: Mapping<(AccountId, DocumentId), Document>,
        /// Open appointments in the whole contract.
        open_appointment_count: u64,
        /// (patient, doctor) -> latest emergency access.
        emergency_access: Mapping<(AccountId, AccountId), EmergencyAccess>,
        /// (patient, doctor) -> when the patient refused the doctor break-glass access.
        emergency_refusals: Mapping<(AccountId, AccountId), Timestamp>,
        /// Doctor -> emergency accesses opened on the current UTC day.
        emergency_openings: Mapping<AccountId, EmergencyOpenings>,
        /// How many times a doctor lost the right to hold record keys (suspended, or replaced
        /// its public key): patients who shared their current key before the latest one must
        /// rotate (see `Patient::rotation_required`).
        key_holder_invalidations: u32,
        /// The break-glass key custodian, if the admin appointed one.
        emergency_custodian: Option<EmergencyCustodian>,
        /// Patient -> record key deposited with the custodian.
        emergency_keys: Mapping<AccountId, EmergencyKey>,
        // audit
        audit_entries: Mapping<(AccountId, u32), AuditEntry>,
    }

    /// How a reader reaches a patient's records.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum ReadAccess {
        /// The patient themself.
        Owner,
        /// A doctor with a live grant.
        Grant,
        /// A doctor with live emergency access.
        Emergency,
    }

    impl Ehr {
        /// Deploys the contract; the caller becomes admin.
        #[ink(constructor)]
        pub fn new() -> Self {
            Self {
                admin: Self::env().caller(),
                pending_admin: None,
                verifiers: Mapping::new(),
                verifier_count: 0,
                patients: Mapping::new(),
                patient_count: 0,
                doctors: Mapping::new(),
                doctor_accounts: Mapping::new(),
                doctor_count: 0,
                verified_doctors: Mapping::new(),
                verified_doctor_count: 0,
                specialty_doctors: Mapping::new(),
                specialty_doctor_count: Mapping::new(),
                doctor_positions: Mapping::new(),
                ledgers: Mapping::new(),
                appointments: Mapping::new(),
                appointment_count: 0,
                booked_slots: Mapping::new(),
                account_appointments: Mapping::new(),
                grants: Mapping::new(),
                grantees: Mapping::new(),
                documents: Mapping::new(),
                open_appointment_count: 0,
                emergency_access: Mapping::new(),
                emergency_refusals: Mapping::new(),
                emergency_openings: Mapping::new(),
                key_holder_invalidations: 0,
                emergency_custodian: None,
                emergency_keys: Mapping::new(),
                audit_entries: Mapping::new(),
            }
        }

        // ------------------------------------------------------------------ roles

        /// The admin account.
        ///
        /// # Errors
        /// None.
        #[ink(message)]
        #[inline(never)]
        pub fn admin(&self) -> Result<AccountId> {
            Ok(self.admin)
        }

        /// Proposes `new_admin` as the next admin; the role moves when `new_admin` calls
        /// `accept_admin`. A later proposal replaces an earlier one.
        ///
        /// # Errors
        /// - `NotAdmin` if the caller is not the admin.
        ///
        /// Emits `AdminTransferProposed`.
        #[ink(message)]
        #[inline(never)]
        pub fn transfer_admin(&mut self, new_admin: AccountId) -> Result<()> {
            self.ensure_admin()?;
            self.pending_admin = Some(new_admin);
            self.env().emit_event(AdminTransferProposed {
                from: self.admin,
                to: new_admin,
            });
            Ok(())
        }

        /// Takes over the admin role proposed to the caller by `transfer_admin`.
        ///
        /// # Errors
        /// - `NotPendingAdmin` if the caller is not the proposed admin.
        ///
        /// Emits `AdminChanged`.
        #[ink(message)]
        #[inline(never)]
        pub fn accept_admin(&mut self) -> Result<()> {
            let caller = self.env().caller();
            if self.pending_admin != Some(caller) {
                return Err(Error::NotPendingAdmin);
            }
            let previous = self.admin;
            self.admin = caller;
            self.pending_admin = None;
            self.env().emit_event(AdminChanged {
                previous,
                admin: caller,
            });
            Ok(())
        }

        /// Appoints `verifier`, who may then verify and suspend doctors and attest patients.
        ///
        /// # Errors
        /// - `NotAdmin` if the caller is not the admin.
        /// - `AlreadyVerifier` if `verifier` is one already.
        /// - `Overflow` if the verifier count would overflow.
        ///
        /// Emits `VerifierAdded`.
        #[ink(message)]
        #[inline(never)]
        pub fn add_verifier(&mut self, verifier: AccountId) -> Result<()> {
            self.ensure_admin()?;
            if self.verifiers.contains(verifier) {
                return Err(Error::AlreadyVerifier);
            }
            self.verifier_count = self.verifier_count.checked_add(1).ok_or(Error::Overflow)?;
            self.verifiers
                .insert(verifier, &self.env().block_timestamp());
            self.env().emit_event(VerifierAdded { verifier });
            Ok(())
        }

        /// Removes `verifier`. Doctors and patients they verified stay verified.
        ///
        /// # Errors
        /// - `NotAdmin` if the caller is not the admin.
        /// - `VerifierNotFound` if `verifier` is not a verifier.
        ///
        /// Emits `VerifierRemoved`.
        #[ink(message)]
        #[inline(never)]
        pub fn remove_verifier(&mut self, verifier: AccountId) -> Result<()> {
            self.ensure_admin()?;
            if self.verifiers.take(verifier).is_none() {
                return Err(Error::VerifierNotFound);
            }
            self.verifier_count = self.verifier_count.saturating_sub(1);
            self.env().emit_event(VerifierRemoved { verifier });
            Ok(())
        }

        /// Whether `account` is a verifier.
        ///
        /// # Errors
        /// None.
        #[ink(message)]
        #[inline(never)]
        pub fn is_verifier(&self, account: AccountId) -> Result<bool> {
            Ok(self.verifiers.contains(account))
        }

        /// How many verifiers there are.
        ///
        /// # Errors
        /// None.
        #[ink(message)]
        #[inline(never)]
        pub fn verifier_count(&self) -> Result<u32> {
            Ok(self.verifier_count)
        }

        // ------------------------------------------------------------------ patients

        /// Registers the caller as a patient (`RegisterAsPatient`), with the public X25519 key
        /// that record keys are sealed to. No name or health data is taken.
        ///
        /// # Errors
        /// - `PatientAlreadyRegistered` if the caller is a patient already.
        /// - `Overflow` if the patient count would overflow.
        ///
        /// Emits `PatientRegistered`; audit: `PatientRegistered`.
        #[ink(message)]
        #[inline(never)]
        pub fn register_patient(&mut self, public_key: PublicKey) -> Result<()> {
            let caller = self.env().caller();
            let mut ledger = self.ledger(caller);
            if ledger.patient {
                return Err(Error::PatientAlreadyRegistered);
            }
            self.patient_count = self.patient_count.checked_add(1).ok_or(Error::Overflow)?;
            let patient = Patient {
                public_key,
                registered_at: self.env().block_timestamp(),
                verified_by: None,
                verified_at: None,
                key_epoch: 0,
                key_epoch_expires_at: None,
                key_shared_at_invalidation: None,
            };
            self.patients.insert(caller, &patient);
            ledger.patient = true;
            self.append_audit_to(
                &mut ledger,
                caller,
                caller,
                AuditAction::PatientRegistered,
                AuditSubject::Record,
            )?;
            self.save_ledger(caller, &ledger)?;
            self.env().emit_event(PatientRegistered { patient: caller });
            Ok(())
        }

        /// Attests a patient's identity. The caller must be a verified doctor or a verifier, and
        /// not the patient.
        ///
        /// # Errors
        /// - `NotPatientVerifier` if the caller is neither a verified doctor nor a verifier.
        /// - `CannotVerifySelf` if the caller is `patient`.
        /// - `PatientNotRegistered` if `patient` is not a patient.
        /// - `PatientAlreadyVerified` if the patient was attested already.
        ///
        /// Emits `PatientVerified`; audit: `PatientVerified`.
        #[ink(message)]
        #[inline(never)]
        pub fn verify_patient(&mut self, patient: AccountId) -> Result<()> {
            let caller = self.env().caller();
            let caller_is_verified_doctor = self
                .doctors
                .get(caller)
                .is_some_and(|doctor| doctor.status == DoctorStatus::Verified);
            if !caller_is_verified_doctor && !self.verifiers.contains(caller) {
                return Err(Error::NotPatientVerifier);
            }
            if caller == patient {
                return Err(Error::CannotVerifySelf);
            }
            let mut record = self.get_patient(patient)?;
            if record.verified_by.is_some() {
                return Err(Error::PatientAlreadyVerified);
            }
            record.verified_by = Some(caller);
            record.verified_at = Some(self.env().block_timestamp());
            self.patients.insert(patient, &record);
            self.append_audit(
                patient,
                caller,
                AuditAction::PatientVerified,
                AuditSubject::Record,
            )?;
            self.env().emit_event(PatientVerified {
                patient,
                verified_by: caller,
            });
            Ok(())
        }

        /// Withdraws the attestation of `patient`'s identity. The account that made it may, and
        /// so may any verifier.
        ///
        /// # Errors
        /// - `PatientNotRegistered` if `patient` is not a patient.
        /// - `PatientNotVerified` if nobody attested the patient.
        /// - `NotPatientVerifier` if the caller is neither a verifier nor the attester.
        ///
        /// Emits `PatientVerificationWithdrawn`; audit: `PatientVerificationWithdrawn`.
        #[ink(message)]
        #[inline(never)]
        pub fn withdraw_patient_verification(&mut self, patient: AccountId) -> Result<()> {
            let caller = self.env().caller();
            let mut record = self.get_patient(patient)?;
            let attester = record.verified_by.ok_or(Error::PatientNotVerified)?;
            if caller != attester && !self.verifiers.contains(caller) {
                return Err(Error::NotPatientVerifier);
            }
            record.verified_by = None;
            record.verified_at = None;
            self.patients.insert(patient, &record);
            self.append_audit(
                patient,
                caller,
                AuditAction::PatientVerificationWithdrawn,
                AuditSubject::Record,
            )?;
            self.env().emit_event(PatientVerificationWithdrawn {
                patient,
                by: caller,
            });
            Ok(())
        }

        /// Replaces the caller's public encryption key, as a patient, as a doctor, or both (a
        /// lost or exposed device). Keys already sealed to the old key stay readable by whoever
        /// holds it: a verified doctor's replacement therefore counts as a key-holder
        /// invalidation, and every patient who shared its current record key before it must
        /// rotate (`RotationRequired`) and re-share, sealed to the new key.
        ///
        /// # Errors
        /// - `NotRegistered` if the caller is neither a patient nor a doctor.
        /// - `Overflow` if the invalidation count would overflow.
        ///
        /// Emits `PublicKeyReplaced`; audit (patients): `PublicKeyReplaced`.
        #[ink(message)]
        #[inline(never)]
        pub fn replace_public_key(&mut self, public_key: PublicKey) -> Result<()> {
            let caller = self.env().caller();
            let patient = self.patients.get(caller);
            let doctor = self.doctors.get(caller);
            if patient.is_none() && doctor.is_none() {
                return Err(Error::NotRegistered);
            }
            if let Some(mut doctor) = doctor {
                // Only a verified doctor can hold record keys: a pending or suspended one
                // replacing its key closes nothing (and cannot make every patient rotate).
                if doctor.status == DoctorStatus::Verified {
                    self.note_key_holder_invalidation()?;
                }
                doctor.public_key = public_key;
                self.store_doctor(caller, &doctor)?;
            }
            if let Some(mut patient) = patient {
                patient.public_key = public_key;
                self.patients.insert(caller, &patient);
                self.append_audit(
                    caller,
                    caller,
                    AuditAction::PublicKeyReplaced,
                    AuditSubject::Record,
                )?;
            }
            self.env().emit_event(PublicKeyReplaced { account: caller });
            Ok(())
        }

        /// Whether `patient` must rotate its record key before adding or sharing anything more
        /// (see `RotationRequired`).
        ///
        /// # Errors
        /// - `PatientNotRegistered` if `patient` is not a patient.
        #[ink(message)]
        #[inline(never)]
        pub fn rotation_required(&self, patient: AccountId) -> Result<bool> {
            let record = self.get_patient(patient)?;
            Ok(record
                .rotation_required(self.env().block_timestamp(), self.key_holder_invalidations))
        }

        /// A patient's registration record.
        ///
        /// # Errors
        /// - `PatientNotRegistered` if `account` is not a patient.
        #[ink(message)]
        #[inline(never)]
        pub fn patient(&self, account: AccountId) -> Result<Patient> {
            self.get_patient(account)
        }

        /// `PatientVerification`: whether `account` is a registered patient, and who attested
        /// its identity when. Never fails: an unknown account answers `registered: false`.
        ///
        /// # Errors
        /// None.
        #[ink(message)]
        #[inline(never)]
        pub fn patient_verification(&self, account: AccountId) -> Result<PatientVerification> {
            Ok(match self.patients.get(account) {
                Some(patient) => PatientVerification {
                    registered: true,
                    verified_by: patient.verified_by,
                    verified_at: patient.verified_at,
                },
                None => PatientVerification {
                    registered: false,
                    verified_by: None,
                    verified_at: None,
                },
            })
        }

        /// How many patients are registered.
        ///
        /// # Errors
        /// None.
        #[ink(message)]
        #[inline(never)]
        pub fn patient_count(&self) -> Result<u32> {
            Ok(self.patient_count)
        }

        // ------------------------------------------------------------------ doctors

        /// Registers the caller as a doctor (`RegisterAsDoctor`), pending verification. An
        /// account may be both patient and doctor.
        ///
        /// # Errors
        /// - `DoctorAlreadyRegistered` if the caller is a doctor already.
        /// - `InvalidDisplayName` / `InvalidSpecialty` if either is empty, longer than 64
        ///   bytes, or has control characters.
        /// - `InvalidSlotLength` if `slot_minutes` is outside 5..=480.
        /// - `ValueTooLarge` / `Overflow` on storage or counter limits.
        ///
        /// Emits `DoctorRegistered`.
        #[ink(message)]
        #[inline(never)]
        pub fn register_doctor(
            &mut self,
            display_name: String,
            specialty: String,
            licence_hash: Hash32,
            public_key: PublicKey,
            slot_minutes: u16,
        ) -> Result<()> {
            let caller = self.env().caller();
            if self.doctors.contains(caller) {
                return Err(Error::DoctorAlreadyRegistered);
            }
            if !is_valid_label(&display_name, MAX_DISPLAY_NAME_LEN) {
                return Err(Error::InvalidDisplayName);
            }
            if !is_valid_label(&specialty, MAX_SPECIALTY_LEN) {
                return Err(Error::InvalidSpecialty);
            }
            if !(MIN_SLOT_MINUTES..=MAX_SLOT_MINUTES).contains(&slot_minutes) {
                return Err(Error::InvalidSlotLength);
            }
            let position = self.doctor_count;
            self.doctor_count = position.checked_add(1).ok_or(Error::Overflow)?;
            let doctor = Doctor {
                display_name,
                specialty: specialty.clone(),
                licence_hash,
                public_key,
                slot_minutes,
                status: DoctorStatus::Pending,
                registered_at: self.env().block_timestamp(),
                status_changed_by: None,
                status_changed_at: None,
            };
            self.doctors
                .try_insert(caller, &doctor)
                .map_err(|_| Error::ValueTooLarge)?;
            self.doctor_accounts.insert(position, &caller);
            self.env().emit_event(DoctorRegistered {
                doctor: caller,
                specialty,
            });
            Ok(())
        }

        /// Verifies a pending or suspended doctor: the doctor becomes bookable, listable and
        /// grantable.
        ///
        /// # Errors
        /// - `NotVerifier` if the caller is not a verifier.
        /// - `CannotVerifySelf` if the caller is `doctor`.
        /// - `DoctorNotRegistered` if `doctor` is not a doctor.
        /// - `DoctorAlreadyVerified` if the doctor is verified already.
        ///
        /// Emits `DoctorVerified`.
        #[ink(message)]
        #[inline(never)]
        pub fn verify_doctor(&mut self, doctor: AccountId) -> Result<()> {
            let verifier = self.ensure_verifier()?;
            if verifier == doctor {
                return Err(Error::CannotVerifySelf);
            }
            let mut record = self.get_doctor(doctor)?;
            if record.status == DoctorStatus::Verified {
                return Err(Error::DoctorAlreadyVerified);
            }
            self.list_verified_doctor(doctor, &record.specialty)?;
            record.status = DoctorStatus::Verified;
            record.status_changed_by = Some(verifier);
            record.status_changed_at = Some(self.env().block_timestamp());
            self.store_doctor(doctor, &record)?;
            let mut ledger = self.ledger(doctor);
            ledger.bookable_slot_minutes = Some(record.slot_minutes);
            self.save_ledger(doctor, &ledger)?;
            self.env().emit_event(DoctorVerified { doctor, verifier });
            Ok(())
        }

        /// Suspends a doctor: no longer bookable or listed, and every grant to the doctor and
        /// any emergency access open nothing while suspended. Existing appointments stay. It
        /// counts as a key-holder invalidation: patients who shared their current record key
        /// before it must rotate before adding anything (`RotationRequired`) (a pending doctor
        /// never held keys, so suspending one closes nothing).
        ///
        /// # Errors
        /// - `NotVerifier` if the caller is not a verifier.
        /// - `DoctorNotRegistered` if `doctor` is not a doctor.
        /// - `DoctorAlreadySuspended` if the doctor is suspended already.
        /// - `Overflow` if the invalidation count would overflow.
        ///
        /// Emits `DoctorSuspended`.
        #[ink(message)]
        #[inline(never)]
        pub fn suspend_doctor(&mut self, doctor: AccountId) -> Result<()> {
            let verifier = self.ensure_verifier()?;
            let mut record = self.get_doctor(doctor)?;
            if record.status == DoctorStatus::Suspended {
                return Err(Error::DoctorAlreadySuspended);
            }
            if record.status == DoctorStatus::Verified {
                self.note_key_holder_invalidation()?;
                self.unlist_verified_doctor(doctor, &record.specialty);
                let mut ledger = self.ledger(doctor);
                ledger.bookable_slot_minutes = None;
                self.save_ledger(doctor, &ledger)?;
            }
            record.status = DoctorStatus::Suspended;
            record.status_changed_by = Some(verifier);
            record.status_changed_at = Some(self.env().block_timestamp());
            self.store_doctor(doctor, &record)?;
            self.env().emit_event(DoctorSuspended { doctor, verifier });
            Ok(())
        }

        /// A doctor's profile.
        ///
        /// # Errors
        /// - `DoctorNotRegistered` if `account` is not a doctor.
        #[ink(message)]
        #[inline(never)]
        pub fn doctor(&self, account: AccountId) -> Result<Doctor> {
            self.get_doctor(account)
        }

        /// How many doctors are registered, in any status.
        ///
        /// # Errors
        /// None.
        #[ink(message)]
        #[inline(never)]
        pub fn doctor_count(&self) -> Result<u32> {
            Ok(self.doctor_count)
        }

        /// How many doctors are verified (and not suspended).
        ///
        /// # Errors
        /// None.
        #[ink(message)]
        #[inline(never)]
        pub fn verified_doctor_count(&self) -> Result<u32> {
            Ok(self.verified_doctor_count)
        }

        /// `GetAllDoctors`: one page of verified doctors, optionally only those of `specialty`
        /// (matched trimmed and ASCII case-insensitively). `limit` is capped at
        /// [`MAX_PAGE_SIZE`]; `total` counts the whole filtered list.
        ///
        /// # Errors
        /// None.
        #[ink(message)]
        #[inline(never)]
        pub fn get_all_doctors(
            &self,
            specialty: Option<String>,
            offset: u32,
            limit: u32,
        ) -> Result<Page<(AccountId, Doctor)>> {
            let with_profile =
                |account: AccountId| self.doctors.get(account).map(|doctor| (account, doctor));
            Ok(match specialty {
                None => Page::collect(self.verified_doctor_count, offset, limit, |position| {
                    self.verified_doctors.get(position).and_then(with_profile)
                }),
                Some(specialty) => {
                    let key = specialty_key(&specialty);
                    let total = self.specialty_doctor_count.get(key).unwrap_or(0);
                    Page::collect(total, offset, limit, |position| {
                        self.specialty_doctors
                            .get((key, position))
                            .and_then(with_profile)
                    })
                }
            })
        }

        /// One page of all registered doctors in registration order, whatever their status
        /// (for verifiers reviewing applications).
        ///
        /// # Errors
        /// None.
        #[ink(message)]
        #[inline(never)]
        pub fn get_registered_doctors(
            &self,
            offset: u32,
            limit: u32,
        ) -> Result<Page<(AccountId, Doctor)>> {
            Ok(Page::collect(
                self.doctor_count,
                offset,
                limit,
                |position| {
                    let account = self.doctor_accounts.get(position)?;
                    self.doctors.get(account).map(|doctor| (account, doctor))
                },
            ))
        }

        // ------------------------------------------------------------------ schedule

        /// Publishes an availability window `[start, end)` for the calling verified doctor.
        /// Both ends must be on slot boundaries; windows that have ended are dropped first.
        ///
        /// # Errors
        /// - `DoctorNotRegistered` / `DoctorNotVerified` / `DoctorSuspended` for the caller.
        /// - `InvalidWindow` if `end <= start`.
        /// - `WindowNotAligned` if `start` or `end` is not a slot boundary.
        /// - `WindowInPast` if `end` is not after the current block time.
        /// - `WindowOverlaps` if it overlaps an open window.
        /// - `TooManyWindows` if 16 windows are open already.
        ///
        /// Emits `AvailabilityPublished`.
        #[ink(message)]
        #[inline(never)]
        pub fn publish_availability(&mut self, start: Timestamp, end: Timestamp) -> Result<()> {
            let doctor = self.env().caller();
            let mut ledger = self.ledger(doctor);
            let slot_ms = self.ensure_bookable(doctor, &ledger)?;
            if end <= start {
                return Err(Error::InvalidWindow);
            }
            if !is_slot_aligned(start, slot_ms) || !is_slot_aligned(end, slot_ms) {
                return Err(Error::WindowNotAligned);
            }
            let now = self.env().block_timestamp();
            if end <= now {
                return Err(Error::WindowInPast);
            }
            let window = AvailabilityWindow { start, end };
            let windows = &mut ledger.windows;
            windows.retain(|open| open.end > now);
            if windows.iter().any(|open| open.overlaps(&window)) {
                return Err(Error::WindowOverlaps);
            }
            if windows.len() >= MAX_AVAILABILITY_WINDOWS as usize {
                return Err(Error::TooManyWindows);
            }
            let at = windows.partition_point(|open| open.start < start);
            windows.insert(at, window);
            self.save_ledger(doctor, &ledger)?;
            self.env()
                .emit_event(AvailabilityPublished { doctor, start, end });
            Ok(())
        }

        /// Withdraws the caller's window that starts at `start`. Appointments already booked in
        /// it stay booked.
        ///
        /// # Errors
        /// - `DoctorNotRegistered` if the caller is not a doctor.
        /// - `WindowNotFound` if no open window starts at `start`.
        ///
        /// Emits `AvailabilityWithdrawn`.
        #[ink(message)]
        #[inline(never)]
        pub fn withdraw_availability(&mut self, start: Timestamp) -> Result<()> {
            let doctor = self.env().caller();
            self.get_doctor(doctor)?;
            let mut ledger = self.ledger(doctor);
            let at = ledger
                .windows
                .iter()
                .position(|open| open.start == start)
                .ok_or(Error::WindowNotFound)?;
            let window = ledger.windows.remove(at);
            self.save_ledger(doctor, &ledger)?;
            self.env().emit_event(AvailabilityWithdrawn {
                doctor,
                start: window.start,
                end: window.end,
            });
            Ok(())
        }

        /// A doctor's published windows (at most 16), sorted by start.
        ///
        /// # Errors
        /// - `DoctorNotRegistered` if `doctor` is not a doctor.
        #[ink(message)]
        #[inline(never)]
        pub fn get_availability(&self, doctor: AccountId) -> Result<Vec<AvailabilityWindow>> {
            self.get_doctor(doctor)?;
            Ok(self.ledger(doctor).windows)
        }

        /// `CheckIfDoctorIsAvailable`: true only when the doctor is verified (not suspended),
        /// `start` is slot-aligned, in the future, inside a published window, and not booked.
        /// `book_appointment` on the same slot fails with the reason this answers false for
        /// (once the patient's and the doctor's bounds, which it checks before the slot's
        /// booking, allow one more).
        ///
        /// # Errors
        /// None: an unknown doctor is simply not available.
        #[ink(message)]
        #[inline(never)]
        pub fn check_doctor_availability(
            &self,
            doctor: AccountId,
            start: Timestamp,
        ) -> Result<bool> {
            Ok(self.ensure_slot_open(doctor, start).is_ok()
                && !self.booked_slots.contains((doctor, start)))
        }

        /// `BookAppointment`: the calling patient books the doctor's slot starting at `start`.
        ///
        /// # Errors
        /// - `PatientNotRegistered` if the caller is not a patient.
        /// - `CannotBookSelf` if the caller is the doctor.
        /// - `DoctorNotRegistered` / `DoctorNotVerified` / `DoctorSuspended` for the doctor.
        /// - `SlotNotAligned`, `SlotInPast`, `SlotOutsideAvailability` as
        ///   `check_doctor_availability` would answer false.
        /// - `TooManyUpcomingAppointments` if the patient holds 8 upcoming appointments.
        /// - `DoctorFullyBooked` if the doctor has 512 open appointments.
        /// - `AppointmentLimitReached` if the contract holds 1,000,000 open appointments.
        /// - `Overflow` if a counter would overflow.
        /// - `SlotAlreadyBooked` if the slot is booked: checked last, by the write that takes
        ///   it (one storage access instead of a read and a write).
        ///
        /// Emits `AppointmentBooked`; audit: `AppointmentBooked`.
        #[ink(message)]
        #[inline(never)]
        pub fn book_appointment(
            &mut self,
            doctor: AccountId,
            start: Timestamp,
        ) -> Result<AppointmentId> {
            let patient = self.env().caller();
            let mut ledger = self.ledger(patient);
            if !ledger.patient {
                return Err(Error::PatientNotRegistered);
            }
            if patient == doctor {
                return Err(Error::CannotBookSelf);
            }
            let (slot_ms, mut doctor_ledger) = self.ensure_slot_open(doctor, start)?;
            let now = self.env().block_timestamp();
            ledger.upcoming.retain(|booked| booked.start > now);
            if ledger.upcoming.len() >= MAX_UPCOMING_APPOINTMENTS_PER_PATIENT as usize {
                return Err(Error::TooManyUpcomingAppointments);
            }
            if doctor_ledger.open_appointments >= MAX_OPEN_APPOINTMENTS_PER_DOCTOR {
                return Err(Error::DoctorFullyBooked);
            }
            if self.open_appointment_count >= MAX_OPEN_APPOINTMENTS {
                return Err(Error::AppointmentLimitReached);
            }
            let id = self.appointment_count;
            self.appointment_count = id.checked_add(1).ok_or(Error::Overflow)?;
            // Takes the slot, and learns whether it was taken, in one access. On a taken
            // slot the message fails, and ink! reverts every write of a message that returns
            // `Err` (this one, which overwrote the holder's id, included).
            if self.booked_slots.insert((doctor, start), &id).is_some() {
                return Err(Error::SlotAlreadyBooked);
            }
            let appointment = Appointment {
                id,
                patient,
                doctor,
                start,
                end: start.checked_add(slot_ms).ok_or(Error::Overflow)?,
                status: AppointmentStatus::Booked,
                booked_at: now,
                updated_at: now,
            };
            self.index_appointment(patient, &mut ledger, id)?;
            self.index_appointment(doctor, &mut doctor_ledger, id)?;
            self.appointments.insert(id, &appointment);
            ledger.upcoming.push(UpcomingAppointment { id, start });
            doctor_ledger.open_appointments = doctor_ledger.open_appointments.saturating_add(1);
            self.open_appointment_count = self.open_appointment_count.saturating_add(1);
            self.append_audit_to(
                &mut ledger,
                patient,
                patient,
                AuditAction::AppointmentBooked,
                AuditSubject::Appointment(id),
            )?;
            self.save_ledger(patient, &ledger)?;
            self.save_ledger(doctor, &doctor_ledger)?;
            self.env().emit_event(AppointmentBooked {
                id,
                patient,
                doctor,
                start,
            });
            Ok(id)
        }

        /// Cancels a booked appointment before it starts; the slot becomes free again. The
        /// patient or the doctor may cancel.
        ///
        /// # Errors
        /// - `AppointmentNotFound` if there is no such appointment.
        /// - `NotAppointmentParticipant` if the caller is neither its patient nor its doctor.
        /// - `AppointmentNotBooked` if it is cancelled, fulfilled or no-show already.
        /// - `AppointmentStarted` if its start has passed.
        ///
        /// Emits `AppointmentStatusChanged`; audit: `AppointmentCancelled`.
        #[ink(message)]
        #[inline(never)]
        pub fn cancel_appointment(&mut self, id: AppointmentId) -> Result<()> {
            let caller = self.env().caller();
            let appointment = self.get_appointment(id)?;
            if caller != appointment.patient && caller != appointment.doctor {
                return Err(Error::NotAppointmentParticipant);
            }
            if appointment.status != AppointmentStatus::Booked {
                return Err(Error::AppointmentNotBooked);
            }
            if self.env().block_timestamp() >= appointment.start {
                return Err(Error::AppointmentStarted);
            }
            self.booked_slots
                .remove((appointment.doctor, appointment.start));
            let mut ledger = self.ledger(appointment.patient);
            ledger.upcoming.retain(|booked| booked.id != id);
            self.set_appointment_status(
                appointment,
                &mut ledger,
                AppointmentStatus::Cancelled,
                caller,
            )
        }

        /// Marks a booked appointment fulfilled, once it has started. Only its doctor may.
        ///
        /// # Errors
        /// - `AppointmentNotFound` if there is no such appointment.
        /// - `NotAppointmentParticipant` if the caller is not its doctor.
        /// - `AppointmentNotBooked` if it is not booked any more.
        /// - `AppointmentNotStarted` if its start is still ahead.
        ///
        /// Emits `AppointmentStatusChanged`; audit: `AppointmentFulfilled`.
        #[ink(message)]
        #[inline(never)]
        pub fn complete_appointment(&mut self, id: AppointmentId) -> Result<()> {
            let appointment = self.ensure_doctor_can_close(id)?;
            let doctor = appointment.doctor;
            let mut ledger = self.ledger(appointment.patient);
            self.set_appointment_status(
                appointment,
                &mut ledger,
                AppointmentStatus::Fulfilled,
                doctor,
            )
        }

        /// Marks a booked appointment no-show, once it has started. Only its doctor may.
        ///
        /// # Errors
        /// As `complete_appointment`.
        ///
        /// Emits `AppointmentStatusChanged`; audit: `AppointmentNoShow`.
        #[ink(message)]
        #[inline(never)]
        pub fn mark_no_show(&mut self, id: AppointmentId) -> Result<()> {
            let appointment = self.ensure_doctor_can_close(id)?;
            let doctor = appointment.doctor;
            let mut ledger = self.ledger(appointment.patient);
            self.set_appointment_status(appointment, &mut ledger, AppointmentStatus::NoShow, doctor)
        }

        /// One appointment, for its patient or its doctor.
        ///
        /// # Errors
        /// - `AppointmentNotFound` if there is no such appointment.
        /// - `NotPermitted` if the caller is neither its patient nor its doctor.
        #[ink(message)]
        #[inline(never)]
        pub fn appointment(&self, id: AppointmentId) -> Result<Appointment> {
            let caller = self.env().caller();
            let appointment = self.get_appointment(id)?;
            if caller != appointment.patient && caller != appointment.doctor {
                return Err(Error::NotPermitted);
            }
            Ok(appointment)
        }

        /// `GetAllAppointments`: one page of `account`'s appointments, as patient and as doctor,
        /// oldest booking first. Only `account` itself may ask.
        ///
        /// # Errors
        /// - `NotPermitted` if the caller is not `account`.
        #[ink(message)]
        #[inline(never)]
        pub fn get_all_appointments(
            &self,
            account: AccountId,
            offset: u32,
            limit: u32,
        ) -> Result<Page<Appointment>> {
            if self.env().caller() != account {
                return Err(Error::NotPermitted);
            }
            let total = self.ledger(account).appointment_count;
            Ok(Page::collect(total, offset, limit, |position| {
                let id = self.account_appointments.get((account, position))?;
                self.appointments.get(id)
            }))
        }

        // ------------------------------------------------------------------ consent

        /// The calling patient lets a verified doctor read (and, with `write`, add to) their
        /// records until `expires_at`. Granting again replaces the earlier grant (renewal, or
        /// a new grant after a revocation; a break-glass refusal stays until lifted).
        /// `wrapped_key` is the patient's current record key sealed to the doctor's public key;
        /// the grant's expiry becomes a deadline of the current epoch (`RotationRequired` after
        /// it).
        ///
        /// # Errors
        /// - `PatientNotRegistered` if the caller is not a patient.
        /// - `CannotGrantSelf` if `doctor` is the caller.
        /// - `DoctorNotRegistered` / `DoctorNotVerified` / `DoctorSuspended` for the doctor.
        /// - `ExpiryInPast` if `expires_at` is not after the current block time.
        /// - `WrappedKeyTooLong` if `wrapped_key` is longer than 128 bytes.
        /// - `RotationRequired` if a holder of the current record key has lost access.
        ///
        /// Emits `AccessGranted`; audit: `AccessGranted`.
        #[ink(message)]
        #[inline(never)]
        pub fn grant_access(
            &mut self,
            doctor: AccountId,
            write: bool,
            expires_at: Timestamp,
            wrapped_key: Vec<u8>,
        ) -> Result<()> {
            let patient = self.env().caller();
            let record = self.get_patient(patient)?;
            let key_epoch = record.key_epoch;
            if doctor == patient {
                return Err(Error::CannotGrantSelf);
            }
            self.ensure_verified_doctor(doctor)?;
            let now = self.env().block_timestamp();
            if expires_at <= now {
                return Err(Error::ExpiryInPast);
            }
            if wrapped_key.len() > MAX_WRAPPED_KEY_LEN {
                return Err(Error::WrappedKeyTooLong);
            }
            self.hand_out_current_key(patient, record, now, expires_at)?;
            let mut ledger = self.ledger(patient);
            if !self.grants.contains((patient, doctor)) {
                let position = ledger.grantee_count;
                ledger.grantee_count = position.checked_add(1).ok_or(Error::Overflow)?;
                self.grantees.insert((patient, position), &doctor);
            }
            let grant = Grant {
                write,
                granted_at: now,
                expires_at,
                revoked_at: None,
                wrapped_key,
                key_epoch,
            };
            self.grants
                .try_insert((patient, doctor), &grant)
                .map_err(|_| Error::ValueTooLarge)?;
            self.append_audit_to(
                &mut ledger,
                patient,
                patient,
                AuditAction::AccessGranted,
                AuditSubject::Account(doctor),
            )?;
            self.save_ledger(patient, &ledger)?;
            self.env().emit_event(AccessGranted {
                patient,
                doctor,
                write,
                expires_at,
            });
            Ok(())
        }

        /// The calling patient revokes a doctor's grant at once. The grant stays listed, with
        /// its revocation time, and the patient moves to the next record-key epoch: documents
        /// added from now on are wrapped under a key the revoked doctor cannot derive. The
        /// patient re-shares the new key with the remaining doctors (`share_record_key`).
        /// Revoking also refuses the doctor break-glass access to the patient, until the
        /// patient lifts it (`allow_emergency_access`). At the last epoch ([`MAX_KEY_EPOCH`])
        /// the revocation still takes effect, and nothing more can be added.
        ///
        /// # Errors
        /// - `Overflow` if the key epoch would overflow.
        /// - `GrantNotFound` if the caller never granted `doctor` access.
        /// - `GrantAlreadyRevoked` if the grant is revoked already.
        ///
        /// Emits `AccessRevoked`; audit: `AccessRevoked`.
        #[ink(message)]
        #[inline(never)]
        pub fn revoke_access(&mut self, doctor: AccountId) -> Result<()> {
            let patient = self.env().caller();
            let mut grant = self
                .grants
                .get((patient, doctor))
                .ok_or(Error::GrantNotFound)?;
            if grant.revoked_at.is_some() {
                return Err(Error::GrantAlreadyRevoked);
            }
            let mut record = self.get_patient(patient)?;
            let now = self.env().block_timestamp();
            if record.next_key_epoch().is_err() {
                // No epoch left to move to: the revoked doctor's key stays current, so the
                // epoch closes for good.
                record.key_epoch_expires_at = Some(now);
            }
            grant.revoked_at = Some(now);
            self.grants
                .try_insert((patient, doctor), &grant)
                .map_err(|_| Error::ValueTooLarge)?;
            self.patients.insert(patient, &record);
            if !self.emergency_refusals.contains((patient, doctor)) {
                self.emergency_refusals.insert((patient, doctor), &now);
            }
            self.append_audit(
                patient,
                patient,
                AuditAction::AccessRevoked,
                AuditSubject::Account(doctor),
            )?;
            self.env().emit_event(AccessRevoked { patient, doctor });
            Ok(())
        }

        /// The calling patient moves to the next record-key epoch without revoking anyone:
        /// documents added from now on are wrapped under a key that no one who holds only an
        /// older one (a doctor whose emergency access ended, a lost device) can derive. The
        /// patient then re-shares the new key (`share_record_key`) and re-deposits it
        /// (`deposit_emergency_key`). Returns the new epoch.
        ///
        /// # Errors
        /// - `PatientNotRegistered` if the caller is not a patient.
        /// - `KeyEpochsExhausted` if the key is at [`MAX_KEY_EPOCH`].
        ///
        /// Emits `RecordKeyRotated`; audit: `RecordKeyRotated`.
        #[ink(message)]
        #[inline(never)]
        pub fn rotate_record_key(&mut self) -> Result<u32> {
            let patient = self.env().caller();
            let mut record = self.get_patient(patient)?;
            record.next_key_epoch()?;
            self.patients.insert(patient, &record);
            self.append_audit(
                patient,
                patient,
                AuditAction::RecordKeyRotated,
                AuditSubject::Record,
            )?;
            self.env().emit_event(RecordKeyRotated {
                patient,
                key_epoch: record.key_epoch,
            });
            Ok(record.key_epoch)
        }

        /// The calling patient shares its current record key, sealed to `doctor`'s public key,
        /// on the doctor's live grant (after a revocation or rotation moved the patient to a new
        /// epoch). Never to a suspended doctor.
        ///
        /// # Errors
        /// - `PatientNotRegistered` if the caller is not a patient.
        /// - `GrantNotFound` if the caller never granted `doctor` access.
        /// - `AccessDenied` if the grant is revoked or expired.
        /// - `DoctorNotVerified` / `DoctorSuspended` if the doctor is not verified now.
        /// - `StaleKeyEpoch` if `key_epoch` is not the caller's current epoch.
        /// - `WrappedKeyTooLong` if `wrapped_key` is longer than 128 bytes.
        /// - `RotationRequired` if a holder of the current record key has lost access.
        ///
        /// Emits `RecordKeyShared`; audit: `RecordKeyShared`.
        #[ink(message)]
        #[inline(never)]
        pub fn share_record_key(
            &mut self,
            doctor: AccountId,
            key_epoch: u32,
            wrapped_key: Vec<u8>,
        ) -> Result<()> {
            let patient = self.env().caller();
            let record = self.get_patient(patient)?;
            let mut grant = self
                .grants
                .get((patient, doctor))
                .ok_or(Error::GrantNotFound)?;
            let now = self.env().block_timestamp();
            if !grant.is_live(now) {
                return Err(Error::AccessDenied);
            }
            self.ensure_verified_doctor(doctor)?;
            if key_epoch != record.key_epoch {
                return Err(Error::StaleKeyEpoch);
            }
            if wrapped_key.len() > MAX_WRAPPED_KEY_LEN {
                return Err(Error::WrappedKeyTooLong);
            }
            self.hand_out_current_key(patient, record, now, grant.expires_at)?;
            grant.wrapped_key = wrapped_key;
            grant.key_epoch = key_epoch;
            self.grants
                .try_insert((patient, doctor), &grant)
                .map_err(|_| Error::ValueTooLarge)?;
            self.append_audit(
                patient,
                patient,
                AuditAction::RecordKeyShared,
                AuditSubject::Account(doctor),
            )?;
            self.env().emit_event(RecordKeyShared {
                patient,
                doctor,
                key_epoch,
            });
            Ok(())
        }

        /// The grant `patient` gave `doctor`, for either of them.
        ///
        /// # Errors
        /// - `NotPermitted` if the caller is neither `patient` nor `doctor`.
        /// - `GrantNotFound` if there is none.
        #[ink(message)]
        #[inline(never)]
        pub fn grant(&self, patient: AccountId, doctor: AccountId) -> Result<Grant> {
            let caller = self.env().caller();
            if caller != patient && caller != doctor {
                return Err(Error::NotPermitted);
            }
            self.grants
                .get((patient, doctor))
                .ok_or(Error::GrantNotFound)
        }

        /// One page of every grant `patient` ever gave (live, expired and revoked), in the
        /// order the doctors were first granted. Only the patient may ask.
        ///
        /// # Errors
        /// - `NotPermitted` if the caller is not `patient`.
        #[ink(message)]
        #[inline(never)]
        pub fn get_grants(
            &self,
            patient: AccountId,
            offset: u32,
            limit: u32,
        ) -> Result<Page<GrantEntry>> {
            if self.env().caller() != patient {
                return Err(Error::NotPermitted);
            }
            let total = self.ledger(patient).grantee_count;
            Ok(Page::collect(total, offset, limit, |position| {
                let doctor = self.grantees.get((patient, position))?;
                let grant = self.grants.get((patient, doctor))?;
                Some(GrantEntry { doctor, grant })
            }))
        }

        // ------------------------------------------------------------------ records

        /// `UploadDocument`: adds a reference to an encrypted file to `patient`'s record. The
        /// caller is the patient or a verified doctor with a live write grant. With
        /// `supersedes`, the named current document (the caller's own, or any if the caller is
        /// the patient) becomes `Superseded`. The document's kind travels inside
        /// `encrypted_cid`, so a chain observer learns nothing about what it is.
        ///
        /// # Errors
        /// - `PatientNotRegistered` if `patient` is not a patient.
        /// - `AccessDenied` if the caller is not the patient and has no live write grant.
        /// - `RotationRequired` if a holder of the patient's current record key has lost access
        ///   (the patient must `rotate_record_key` first).
        /// - `RecordKeyNotShared` if the caller is a doctor whose grant does not hold the
        ///   patient's current record-key epoch (`wrapped_key` must be wrapped under it).
        /// - `InvalidEncryptedCid` if `encrypted_cid` is empty or longer than 256 bytes.
        /// - `WrappedKeyTooLong` if `wrapped_key` is longer than 128 bytes.
        /// - `DocumentNotFound` / `DocumentNotCurrent` for `supersedes`.
        /// - `NotDocumentAuthor` if the caller is not the patient and did not write the
        ///   document `supersedes` names.
        ///
        /// Emits `DocumentUploaded`; audit: `DocumentUploaded`.
        #[ink(message)]
        #[inline(never)]
        pub fn upload_document(
            &mut self,
            patient: AccountId,
            encrypted_cid: Vec<u8>,
            content_hash: Hash32,
            wrapped_key: Vec<u8>,
            supersedes: Option<DocumentId>,
        ) -> Result<DocumentId> {
            let author = self.env().caller();
            let record = self.get_patient(patient)?;
            let key_epoch = record.key_epoch;
            self.ensure_write_access(patient, author)?;
            let now = self.env().block_timestamp();
            self.ensure_no_rotation_required(&record, now)?;
            if author != patient
                && self
                    .grants
                    .get((patient, author))
                    .map(|grant| grant.key_epoch)
                    != Some(key_epoch)
            {
                return Err(Error::RecordKeyNotShared);
            }
            if encrypted_cid.is_empty() || encrypted_cid.len() > MAX_ENCRYPTED_CID_LEN {
                return Err(Error::InvalidEncryptedCid);
            }
            if wrapped_key.len() > MAX_WRAPPED_KEY_LEN {
                return Err(Error::WrappedKeyTooLong);
            }
            let mut ledger = self.ledger(patient);
            let id = ledger.document_count;
            ledger.document_count = id.checked_add(1).ok_or(Error::Overflow)?;
            let replaced = match supersedes {
                Some(old_id) => {
                    let mut old = self.get_document(patient, old_id)?;
                    if author != patient && author != old.author {
                        return Err(Error::NotDocumentAuthor);
                    }
                    if old.status != DocumentStatus::Current {
                        return Err(Error::DocumentNotCurrent);
                    }
                    old.status = DocumentStatus::Superseded;
                    old.superseded_by = Some(id);
                    Some(old)
                }
                None => None,
            };
            let document = Document {
                id,
                encrypted_cid,
                content_hash,
                wrapped_key,
                key_epoch,
                author,
                created_at: now,
                status: DocumentStatus::Current,
                supersedes,
                superseded_by: None,
            };
            self.store_document(patient, &document)?;
            if let Some(old) = replaced {
                self.store_document(patient, &old)?;
            }
            self.append_audit_to(
                &mut ledger,
                patient,
                author,
                AuditAction::DocumentUploaded,
                AuditSubject::Document(id),
            )?;
            self.save_ledger(patient, &ledger)?;
            self.env().emit_event(DocumentUploaded {
                patient,
                author,
                id,
                supersedes,
            });
            Ok(id)
        }

        /// Marks a current document entered-in-error. The patient may, and so may its author
        /// while the author still has write access.
        ///
        /// # Errors
        /// - `DocumentNotFound` if the patient has no such document.
        /// - `NotDocumentAuthor` if the caller is neither the patient nor the author.
        /// - `AccessDenied` if the caller is the author but has lost write access.
        /// - `DocumentNotCurrent` if it is superseded or entered in error already.
        ///
        /// Emits `DocumentEnteredInError`; audit: `DocumentEnteredInError`.
        #[ink(message)]
        #[inline(never)]
        pub fn mark_document_entered_in_error(
            &mut self,
            patient: AccountId,
            id: DocumentId,
        ) -> Result<()> {
            let caller = self.env().caller();
            let mut document = self.get_document(patient, id)?;
            if caller != patient && caller != document.author {
                return Err(Error::NotDocumentAuthor);
            }
            self.ensure_write_access(patient, caller)?;
            if document.status != DocumentStatus::Current {
                return Err(Error::DocumentNotCurrent);
            }
            document.status = DocumentStatus::EnteredInError;
            self.store_document(patient, &document)?;
            self.append_audit(
                patient,
                caller,
                AuditAction::DocumentEnteredInError,
                AuditSubject::Document(id),
            )?;
            self.env().emit_event(DocumentEnteredInError {
                patient,
                by: caller,
                id,
            });
            Ok(())
        }

        /// Opens one document: checks the caller's access and, for anyone but the patient,
        /// logs the access (event and audit entry) before returning the document. This is the
        /// message a doctor's client submits as a transaction to read a record.
        ///
        /// # Errors
        /// - `PatientNotRegistered` if `patient` is not a patient.
        /// - `AccessDenied` if the caller has no live grant or emergency access.
        /// - `DocumentNotFound` if the patient has no such document.
        ///
        /// Emits `DocumentOpened` (not for the patient); audit: `DocumentOpened`.
        #[ink(message)]
        #[inline(never)]
        pub fn open_document(&mut self, patient: AccountId, id: DocumentId) -> Result<Document> {
            let reader = self.env().caller();
            self.get_patient(patient)?;
            let access = self.ensure_read_access(patient, reader)?;
            let document = self.get_document(patient, id)?;
            if access != ReadAccess::Owner {
                self.append_audit(
                    patient,
                    reader,
                    AuditAction::DocumentOpened,
                    AuditSubject::Document(id),
                )?;
                self.env().emit_event(DocumentOpened {
                    patient,
                    reader,
                    id,
                    emergency: access == ReadAccess::Emergency,
                });
            }
            Ok(document)
        }

        /// `GetAllDocuments`: one page of `patient`'s documents, oldest first, for the patient
        /// and for doctors with a live grant or emergency access. Listing is not logged; opening
        /// a document with `open_document` is.
        ///
        /// # Errors
        /// - `PatientNotRegistered` if `patient` is not a patient.
        /// - `AccessDenied` if the caller has no live access.
        #[ink(message)]
        #[inline(never)]
        pub fn get_all_documents(
            &self,
            patient: AccountId,
            offset: u32,
            limit: u32,
        ) -> Result<Page<Document>> {
            self.get_patient(patient)?;
            self.ensure_read_access(patient, self.env().caller())?;
            let total = self.ledger(patient).document_count;
            Ok(Page::collect(total, offset, limit, |id| {
                self.documents.get((patient, id))
            }))
        }

        /// Break-glass: the calling verified doctor opens `patient`'s records (read) for
        /// [`EMERGENCY_ACCESS_DURATION`], with a stated reason sealed to the patient's public
        /// key. Logged loudly. Refused if the patient refused this doctor (or revoked its
        /// grant), within [`EMERGENCY_COOLDOWN`] after the doctor's last emergency access to the
        /// patient closed, and beyond [`MAX_EMERGENCY_OPENINGS_PER_DAY`] per doctor and UTC day.
        ///
        /// # Errors
        /// - `DoctorNotRegistered` / `DoctorNotVerified` / `DoctorSuspended` for the caller.
        /// - `PatientNotRegistered` if `patient` is not a patient.
        /// - `CannotGrantSelf` if the caller is `patient`.
        /// - `InvalidSealedReason` if `sealed_reason` is empty or longer than 256 bytes.
        /// - `EmergencyAccessRefused` if the patient refused the caller break-glass access.
        /// - `EmergencyAccessActive` if the caller's emergency access is open already.
        /// - `EmergencyCooldown` if the caller's last one closed less than six hours ago.
        /// - `EmergencyDailyLimit` if the caller opened 5 today already.
        ///
        /// Emits `EmergencyAccessOpened`; audit: `EmergencyAccessOpened`.
        #[ink(message)]
        #[inline(never)]
        pub fn open_emergency_access(
            &mut self,
            patient: AccountId,
            sealed_reason: Vec<u8>,
        ) -> Result<Timestamp> {
            let doctor = self.env().caller();
            self.ensure_verified_doctor(doctor)?;
            self.get_patient(patient)?;
            if doctor == patient {
                return Err(Error::CannotGrantSelf);
            }
            if sealed_reason.is_empty() || sealed_reason.len() > MAX_SEALED_REASON_LEN {
                return Err(Error::InvalidSealedReason);
            }
            if self.emergency_refusals.contains((patient, doctor)) {
                return Err(Error::EmergencyAccessRefused);
            }
            let now = self.env().block_timestamp();
            if let Some(last) = self.emergency_access.get((patient, doctor)) {
                if last.is_live(now) {
                    return Err(Error::EmergencyAccessActive);
                }
                if now < last.closes_at().saturating_add(EMERGENCY_COOLDOWN) {
                    return Err(Error::EmergencyCooldown);
                }
            }
            let today = now / MS_PER_DAY;
            let mut openings = self
                .emergency_openings
                .get(doctor)
                .filter(|openings| openings.day == today)
                .unwrap_or(EmergencyOpenings {
                    day: today,
                    count: 0,
                });
            if openings.count >= MAX_EMERGENCY_OPENINGS_PER_DAY {
                return Err(Error::EmergencyDailyLimit);
            }
            openings.count = openings.count.checked_add(1).ok_or(Error::Overflow)?;
            let expires_at = now
                .checked_add(EMERGENCY_ACCESS_DURATION)
                .ok_or(Error::Overflow)?;
            let access = EmergencyAccess {
                opened_at: now,
                expires_at,
                sealed_reason,
                ended_at: None,
                released_key: Vec::new(),
                released_key_epoch: None,
            };
            self.emergency_access
                .try_insert((patient, doctor), &access)
                .map_err(|_| Error::ValueTooLarge)?;
            self.emergency_openings.insert(doctor, &openings);
            self.append_audit(
                patient,
                doctor,
                AuditAction::EmergencyAccessOpened,
                AuditSubject::Account(doctor),
            )?;
            self.env().emit_event(EmergencyAccessOpened {
                patient,
                doctor,
                expires_at,
            });
            Ok(expires_at)
        }

        /// Ends `doctor`'s open emergency access to `patient` early. The patient or the doctor
        /// may end it. If the custodian released the patient's current record key to the
        /// doctor, the current epoch closes now: nothing more is added or shared under it until
        /// the patient rotates (`RotationRequired`).
        ///
        /// # Errors
        /// - `NotPermitted` if the caller is neither `patient` nor `doctor`.
        /// - `EmergencyAccessNotFound` if no emergency access is open.
        ///
        /// Emits `EmergencyAccessEnded`; audit: `EmergencyAccessEnded`.
        #[ink(message)]
        #[inline(never)]
        pub fn end_emergency_access(
            &mut self,
            patient: AccountId,
            doctor: AccountId,
        ) -> Result<()> {
            let caller = self.env().caller();
            if caller != patient && caller != doctor {
                return Err(Error::NotPermitted);
            }
            let now = self.env().block_timestamp();
            let mut access = self
                .emergency_access
                .get((patient, doctor))
                .filter(|access| access.is_live(now))
                .ok_or(Error::EmergencyAccessNotFound)?;
            access.ended_at = Some(now);
            self.emergency_access.insert((patient, doctor), &access);
            if let Some(epoch) = access.released_key_epoch {
                self.note_released_key(patient, epoch, now);
            }
            self.append_audit(
                patient,
                caller,
                AuditAction::EmergencyAccessEnded,
                AuditSubject::Account(doctor),
            )?;
            self.env().emit_event(EmergencyAccessEnded {
                patient,
                doctor,
                by: caller,
            });
            Ok(())
        }

        /// The latest emergency access `doctor` opened to `patient`, for either of them.
        ///
        /// # Errors
        /// - `NotPermitted` if the caller is neither `patient` nor `doctor`.
        /// - `EmergencyAccessNotFound` if the doctor never opened any.
        #[ink(message)]
        #[inline(never)]
        pub fn emergency_access(
            &self,
            patient: AccountId,
            doctor: AccountId,
        ) -> Result<EmergencyAccess> {
            let caller = self.env().caller();
            if caller != patient && caller != doctor {
                return Err(Error::NotPermitted);
            }
            self.emergency_access
                .get((patient, doctor))
                .ok_or(Error::EmergencyAccessNotFound)
        }

        /// The calling patient refuses `doctor` break-glass access (`open_emergency_access`
        /// fails with `EmergencyAccessRefused`) until it lifts the refusal. An emergency access
        /// already open stays open; the patient ends it with `end_emergency_access`, and no key
        /// is released on it any more.
        ///
        /// # Errors
        /// - `PatientNotRegistered` if the caller is not a patient.
        /// - `CannotGrantSelf` if `doctor` is the caller.
        /// - `EmergencyAccessAlreadyRefused` if the doctor is refused already.
        ///
        /// Emits `EmergencyAccessRefused`; audit: `EmergencyAccessRefused`.
        #[ink(message)]
        #[inline(never)]
        pub fn refuse_emergency_access(&mut self, doctor: AccountId) -> Result<()> {
            let patient = self.env().caller();
            self.get_patient(patient)?;
            if doctor == patient {
                return Err(Error::CannotGrantSelf);
            }
            if self.emergency_refusals.contains((patient, doctor)) {
                return Err(Error::EmergencyAccessAlreadyRefused);
            }
            self.emergency_refusals
                .insert((patient, doctor), &self.env().block_timestamp());
            self.append_audit(
                patient,
                patient,
                AuditAction::EmergencyAccessRefused,
                AuditSubject::Account(doctor),
            )?;
            self.env()
                .emit_event(EmergencyAccessRefused { patient, doctor });
            Ok(())
        }

        /// The calling patient lifts its refusal of `doctor`'s break-glass access (made
        /// explicitly, or by revoking the doctor's grant).
        ///
        /// # Errors
        /// - `EmergencyAccessNotRefused` if the doctor is not refused.
        ///
        /// Emits `EmergencyAccessAllowed`; audit: `EmergencyAccessAllowed`.
        #[ink(message)]
        #[inline(never)]
        pub fn allow_emergency_access(&mut self, doctor: AccountId) -> Result<()> {
            let patient = self.env().caller();
            if self.emergency_refusals.take((patient, doctor)).is_none() {
                return Err(Error::EmergencyAccessNotRefused);
            }
            self.append_audit(
                patient,
                patient,
                AuditAction::EmergencyAccessAllowed,
                AuditSubject::Account(doctor),
            )?;
            self.env()
                .emit_event(EmergencyAccessAllowed { patient, doctor });
            Ok(())
        }

        /// Since when `patient` refuses `doctor` break-glass access, if it does; for either of
        /// them and for the emergency custodian.
        ///
        /// # Errors
        /// - `NotPermitted` if the caller is neither `patient`, `doctor` nor the custodian.
        #[ink(message)]
        #[inline(never)]
        pub fn emergency_refusal(
            &self,
            patient: AccountId,
            doctor: AccountId,
        ) -> Result<Option<Timestamp>> {
            let caller = self.env().caller();
            let custodian = self
                .emergency_custodian
                .as_ref()
                .map(|custodian| custodian.account);
            if caller != patient && caller != doctor && Some(caller) != custodian {
                return Err(Error::NotPermitted);
            }
            Ok(self.emergency_refusals.get((patient, doctor)))
        }

        /// The admin appoints the break-glass key custodian (its account and X25519 public
        /// key), or removes it with `None`. Keys deposited with a former custodian stay until
        /// patients deposit again, but only the custodian they were deposited with, while it
        /// is the custodian, may release them.
        ///
        /// # Errors
        /// - `NotAdmin` if the caller is not the admin.
        ///
        /// Emits `EmergencyCustodianSet`.
        #[ink(message)]
        #[inline(never)]
        pub fn set_emergency_custodian(
            &mut self,
            custodian: Option<EmergencyCustodian>,
        ) -> Result<()> {
            self.ensure_admin()?;
            let account = custodian.as_ref().map(|custodian| custodian.account);
            self.emergency_custodian = custodian;
            self.env()
                .emit_event(EmergencyCustodianSet { custodian: account });
            Ok(())
        }

        /// The break-glass key custodian.
        ///
        /// # Errors
        /// - `EmergencyCustodianNotSet` if the admin has not appointed one.
        #[ink(message)]
        #[inline(never)]
        pub fn emergency_custodian(&self) -> Result<EmergencyCustodian> {
            self.emergency_custodian
                .clone()
                .ok_or(Error::EmergencyCustodianNotSet)
        }

        /// The calling patient opts in to break-glass key release: deposits its record key of
        /// `key_epoch` (the current one) sealed to the custodian's public key. Replaces an
        /// earlier deposit.
        ///
        /// # Errors
        /// - `PatientNotRegistered` if the caller is not a patient.
        /// - `EmergencyCustodianNotSet` if there is no custodian.
        /// - `StaleKeyEpoch` if `key_epoch` is not the caller's current epoch.
        /// - `WrappedKeyTooLong` if `sealed_key` is empty or longer than 128 bytes.
        /// - `RotationRequired` if a holder of the current record key has lost access.
        ///
        /// Emits `EmergencyKeyDeposited`; audit: `EmergencyKeyDeposited`.
        #[ink(message)]
        #[inline(never)]
        pub fn deposit_emergency_key(&mut self, key_epoch: u32, sealed_key: Vec<u8>) -> Result<()> {
            let patient = self.env().caller();
            let record = self.get_patient(patient)?;
            let current = record.key_epoch;
            let custodian = self
                .emergency_custodian
                .as_ref()
                .ok_or(Error::EmergencyCustodianNotSet)?
                .account;
            if key_epoch != current {
                return Err(Error::StaleKeyEpoch);
            }
            if sealed_key.is_empty() || sealed_key.len() > MAX_WRAPPED_KEY_LEN {
                return Err(Error::WrappedKeyTooLong);
            }
            self.ensure_no_rotation_required(&record, self.env().block_timestamp())?;
            let deposit = EmergencyKey {
                custodian,
                key_epoch,
                sealed_key,
                deposited_at: self.env().block_timestamp(),
            };
            self.emergency_keys
                .try_insert(patient, &deposit)
                .map_err(|_| Error::ValueTooLarge)?;
            self.append_audit(
                patient,
                patient,
                AuditAction::EmergencyKeyDeposited,
                AuditSubject::Account(custodian),
            )?;
            self.env().emit_event(EmergencyKeyDeposited {
                patient,
                custodian,
                key_epoch,
            });
            Ok(())
        }

        /// The calling patient opts out: removes its deposited record key. Emergency access
        /// still opens the records on chain, but no key is released with it.
        ///
        /// # Errors
        /// - `EmergencyKeyNotDeposited` if the caller has no deposit.
        ///
        /// Emits `EmergencyKeyWithdrawn`; audit: `EmergencyKeyWithdrawn`.
        #[ink(message)]
        #[inline(never)]
        pub fn withdraw_emergency_key(&mut self) -> Result<()> {
            let patient = self.env().caller();
            if self.emergency_keys.take(patient).is_none() {
                return Err(Error::EmergencyKeyNotDeposited);
            }
            self.append_audit(
                patient,
                patient,
                AuditAction::EmergencyKeyWithdrawn,
                AuditSubject::Record,
            )?;
            self.env().emit_event(EmergencyKeyWithdrawn { patient });
            Ok(())
        }

        /// `patient`'s deposited record key (sealed to the custodian: public, like all chain
        /// state, and useless to anyone but the custodian).
        ///
        /// # Errors
        /// - `EmergencyKeyNotDeposited` if the patient has no deposit.
        #[ink(message)]
        #[inline(never)]
        pub fn emergency_key(&self, patient: AccountId) -> Result<EmergencyKey> {
            self.emergency_keys
                .get(patient)
                .ok_or(Error::EmergencyKeyNotDeposited)
        }

        /// The custodian releases `patient`'s deposited record key to `doctor`, whose
        /// emergency access is open: `wrapped_key` is the key of `key_epoch` (the deposit's)
        /// re-sealed to the doctor's public key. It is kept on the emergency access, so it
        /// goes with the access's window. Only to a doctor who is verified and not suspended,
        /// and whom the patient has not refused. If the key is the patient's current one, the
        /// epoch closes when the access does: after that nothing more is added or shared under
        /// it until the patient rotates (`RotationRequired`).
        ///
        /// # Errors
        /// - `NotEmergencyCustodian` if the caller is not the custodian, or not the one the
        ///   key was deposited with.
        /// - `EmergencyKeyNotDeposited` if the patient has no deposit.
        /// - `DoctorNotRegistered` / `DoctorNotVerified` / `DoctorSuspended` for the doctor.
        /// - `EmergencyAccessRefused` if the patient refused the doctor break-glass access.
        /// - `EmergencyAccessNotFound` if `doctor` has no open emergency access to `patient`.
        /// - `StaleKeyEpoch` if `key_epoch` is not the deposit's epoch.
        /// - `WrappedKeyTooLong` if `wrapped_key` is empty or longer than 128 bytes.
        ///
        /// Emits `EmergencyKeyReleased`; audit: `EmergencyKeyReleased`.
        #[ink(message)]
        #[inline(never)]
        pub fn release_emergency_key(
            &mut self,
            patient: AccountId,
            doctor: AccountId,
            key_epoch: u32,
            wrapped_key: Vec<u8>,
        ) -> Result<()> {
            let custodian = self.env().caller();
            if self
                .emergency_custodian
                .as_ref()
                .map(|appointed| appointed.account)
                != Some(custodian)
            {
                return Err(Error::NotEmergencyCustodian);
            }
            let deposit = self
                .emergency_keys
                .get(patient)
                .ok_or(Error::EmergencyKeyNotDeposited)?;
            if deposit.custodian != custodian {
                return Err(Error::NotEmergencyCustodian);
            }
            self.ensure_verified_doctor(doctor)?;
            if self.emergency_refusals.contains((patient, doctor)) {
                return Err(Error::EmergencyAccessRefused);
            }
            let now = self.env().block_timestamp();
            let mut access = self
                .emergency_access
                .get((patient, doctor))
                .filter(|access| access.is_live(now))
                .ok_or(Error::EmergencyAccessNotFound)?;
            if key_epoch != deposit.key_epoch {
                return Err(Error::StaleKeyEpoch);
            }
            if wrapped_key.is_empty() || wrapped_key.len() > MAX_WRAPPED_KEY_LEN {
                return Err(Error::WrappedKeyTooLong);
            }
            access.released_key = wrapped_key;
            access.released_key_epoch = Some(key_epoch);
            self.emergency_access
                .try_insert((patient, doctor), &access)
                .map_err(|_| Error::ValueTooLarge)?;
            self.note_released_key(patient, key_epoch, access.expires_at);
            self.append_audit(
                patient,
                custodian,
                AuditAction::EmergencyKeyReleased,
                AuditSubject::Account(doctor),
            )?;
            self.env().emit_event(EmergencyKeyReleased {
                patient,
                doctor,
                custodian,
                key_epoch,
            });
            Ok(())
        }

        // ------------------------------------------------------------------ audit

        /// One page of `patient`'s audit trail, oldest first. Only the patient may ask.
        ///
        /// # Errors
        /// - `NotPermitted` if the caller is not `patient`.
        #[ink(message)]
        #[inline(never)]
        pub fn get_audit_trail(
            &self,
            patient: AccountId,
            offset: u32,
            limit: u32,
        ) -> Result<Page<AuditEntry>> {
            if self.env().caller() != patient {
                return Err(Error::NotPermitted);
            }
            let total = self.ledger(patient).audit_count;
            Ok(Page::collect(total, offset, limit, |position| {
                self.audit_entries.get((patient, position))
            }))
        }

        // ------------------------------------------------------------------ helpers

        fn ensure_admin(&self) -> Result<()> {
            if self.env().caller() != self.admin {
                return Err(Error::NotAdmin);
            }
            Ok(())
        }

        fn ensure_verifier(&self) -> Result<AccountId> {
            let caller = self.env().caller();
            if !self.verifiers.contains(caller) {
                return Err(Error::NotVerifier);
            }
            Ok(caller)
        }

        /// Ok unless `record`'s current key epoch is closed (see `Patient::rotation_required`).
        fn ensure_no_rotation_required(&self, record: &Patient, now: Timestamp) -> Result<()> {
            if record.rotation_required(now, self.key_holder_invalidations) {
                return Err(Error::RotationRequired);
            }
            Ok(())
        }

        /// The patient hands its current record key to a doctor whose access ends at `until`
        /// (a grant, a re-share): refused if the epoch is closed, else `until` and the holder
        /// are noted on the patient's record.
        fn hand_out_current_key(
            &mut self,
            patient: AccountId,
            mut record: Patient,
            now: Timestamp,
            until: Timestamp,
        ) -> Result<()> {
            self.ensure_no_rotation_required(&record, now)?;
            record.note_key_holder(until, self.key_holder_invalidations);
            self.patients.insert(patient, &record);
            Ok(())
        }

        /// The custodian released the patient's key of `key_epoch` to a doctor whose access
        /// ends at `until` (or it ended now): if that is the current epoch, it closes then.
        fn note_released_key(&mut self, patient: AccountId, key_epoch: u32, until: Timestamp) {
            if let Some(mut record) = self.patients.get(patient) {
                if record.key_epoch == key_epoch {
                    record.note_key_holder(until, self.key_holder_invalidations);
                    self.patients.insert(patient, &record);
                }
            }
        }

        /// A verified doctor was suspended or replaced its key: every patient epoch whose key
        /// went out before now is closed (see `Patient::rotation_required`).
        fn note_key_holder_invalidation(&mut self) -> Result<()> {
            self.key_holder_invalidations = self
                .key_holder_invalidations
                .checked_add(1)
                .ok_or(Error::Overflow)?;
            Ok(())
        }

        fn get_patient(&self, account: AccountId) -> Result<Patient> {
            self.patients
                .get(account)
                .ok_or(Error::PatientNotRegistered)
        }

        fn get_doctor(&self, account: AccountId) -> Result<Doctor> {
            self.doctors.get(account).ok_or(Error::DoctorNotRegistered)
        }

        fn get_appointment(&self, id: AppointmentId) -> Result<Appointment> {
            self.appointments.get(id).ok_or(Error::AppointmentNotFound)
        }

        fn get_document(&self, patient: AccountId, id: DocumentId) -> Result<Document> {
            self.documents
                .get((patient, id))
                .ok_or(Error::DocumentNotFound)
        }

        fn store_doctor(&mut self, account: AccountId, doctor: &Doctor) -> Result<()> {
            self.doctors
                .try_insert(account, doctor)
                .map(|_| ())
                .map_err(|_| Error::ValueTooLarge)
        }

        fn store_document(&mut self, patient: AccountId, document: &Document) -> Result<()> {
            self.documents
                .try_insert((patient, document.id), document)
                .map(|_| ())
                .map_err(|_| Error::ValueTooLarge)
        }

        /// The doctor's record if the doctor is verified and not suspended.
        fn ensure_verified_doctor(&self, account: AccountId) -> Result<Doctor> {
            let doctor = self.get_doctor(account)?;
            match doctor.status {
                DoctorStatus::Verified => Ok(doctor),
                DoctorStatus::Pending => Err(Error::DoctorNotVerified),
                DoctorStatus::Suspended => Err(Error::DoctorSuspended),
            }
        }

        /// The doctor's slot length (ms) and ledger if `start` is a slot in their published
        /// hours, in the future, and the doctor is bookable; whether it is booked is the
        /// caller's to check. Reads the doctor's ledger.
        fn ensure_slot_open(
            &self,
            doctor: AccountId,
            start: Timestamp,
        ) -> Result<(Timestamp, Ledger)> {
            let ledger = self.ledger(doctor);
            let slot_ms = self.ensure_bookable(doctor, &ledger)?;
            if !is_slot_aligned(start, slot_ms) {
                return Err(Error::SlotNotAligned);
            }
            if start <= self.env().block_timestamp() {
                return Err(Error::SlotInPast);
            }
            if !ledger
                .windows
                .iter()
                .any(|window| window.contains_slot(start, slot_ms))
            {
                return Err(Error::SlotOutsideAvailability);
            }
            Ok((slot_ms, ledger))
        }

        /// The slot length (ms) of `doctor`, whose ledger the caller read, if the doctor is
        /// verified and not suspended: `ensure_verified_doctor`'s answer from the ledger's
        /// `bookable_slot_minutes`, reading the profile only to say why not.
        fn ensure_bookable(&self, doctor: AccountId, ledger: &Ledger) -> Result<Timestamp> {
            match ledger.bookable_slot_ms() {
                Some(slot_ms) => Ok(slot_ms),
                // Why not, from the profile. (`verify_doctor` and `suspend_doctor` write the
                // profile's status and the ledger together, so a verified profile with no
                // bookable slot length cannot be.)
                None => self
                    .ensure_verified_doctor(doctor)
                    .and(Err(Error::DoctorNotVerified)),
            }
        }

        /// The appointment if the caller is its doctor and it may be closed (fulfilled or
        /// no-show) now.
        fn ensure_doctor_can_close(&self, id: AppointmentId) -> Result<Appointment> {
            let appointment = self.get_appointment(id)?;
            if self.env().caller() != appointment.doctor {
                return Err(Error::NotAppointmentParticipant);
            }
            if appointment.status != AppointmentStatus::Booked {
                return Err(Error::AppointmentNotBooked);
            }
            if self.env().block_timestamp() < appointment.start {
                return Err(Error::AppointmentNotStarted);
            }
            Ok(appointment)
        }

        /// How `reader` may read `patient`'s records right now.
        fn ensure_read_access(&self, patient: AccountId, reader: AccountId) -> Result<ReadAccess> {
            if reader == patient {
                return Ok(ReadAccess::Owner);
            }
            // A suspended (or never verified) doctor opens nothing, whatever they hold.
            self.ensure_verified_doctor(reader)
                .map_err(|_| Error::AccessDenied)?;
            let now = self.env().block_timestamp();
            if self
                .grants
                .get((patient, reader))
                .is_some_and(|grant| grant.is_live(now))
            {
                return Ok(ReadAccess::Grant);
            }
            if self
                .emergency_access
                .get((patient, reader))
                .is_some_and(|access| access.is_live(now))
            {
                return Ok(ReadAccess::Emergency);
            }
            Err(Error::AccessDenied)
        }

        /// Ok if `author` may add to `patient`'s records: the patient, or a verified doctor
        /// with a live write grant.
        fn ensure_write_access(&self, patient: AccountId, author: AccountId) -> Result<()> {
            if author == patient {
                return Ok(());
            }
            self.ensure_verified_doctor(author)
                .map_err(|_| Error::AccessDenied)?;
            let now = self.env().block_timestamp();
            match self.grants.get((patient, author)) {
                Some(grant) if grant.write && grant.is_live(now) => Ok(()),
                _ => Err(Error::AccessDenied),
            }
        }

        fn set_appointment_status(
            &mut self,
            mut appointment: Appointment,
            patient_ledger: &mut Ledger,
            status: AppointmentStatus,
            by: AccountId,
        ) -> Result<()> {
            if appointment.status == AppointmentStatus::Booked
                && status != AppointmentStatus::Booked
            {
                let mut doctor_ledger = self.ledger(appointment.doctor);
                doctor_ledger.open_appointments = doctor_ledger.open_appointments.saturating_sub(1);
                self.save_ledger(appointment.doctor, &doctor_ledger)?;
                self.open_appointment_count = self.open_appointment_count.saturating_sub(1);
            }
            appointment.status = status;
            appointment.updated_at = self.env().block_timestamp();
            self.appointments.insert(appointment.id, &appointment);
            let action = match status {
                AppointmentStatus::Booked => AuditAction::AppointmentBooked,
                AppointmentStatus::Cancelled => AuditAction::AppointmentCancelled,
                AppointmentStatus::Fulfilled => AuditAction::AppointmentFulfilled,
                AppointmentStatus::NoShow => AuditAction::AppointmentNoShow,
            };
            self.append_audit_to(
                patient_ledger,
                appointment.patient,
                by,
                action,
                AuditSubject::Appointment(appointment.id),
            )?;
            self.save_ledger(appointment.patient, patient_ledger)?;
            self.env().emit_event(AppointmentStatusChanged {
                id: appointment.id,
                patient: appointment.patient,
                doctor: appointment.doctor,
                status,
                by,
            });
            Ok(())
        }

        /// Lists appointment `id` for `account`, whose ledger the caller saves.
        fn index_appointment(
            &mut self,
            account: AccountId,
            ledger: &mut Ledger,
            id: AppointmentId,
        ) -> Result<()> {
            let position = ledger.appointment_count;
            ledger.appointment_count = position.checked_add(1).ok_or(Error::Overflow)?;
            self.account_appointments.insert((account, position), &id);
            Ok(())
        }

        /// `account`'s ledger (empty if it has none yet).
        fn ledger(&self, account: AccountId) -> Ledger {
            self.ledgers.get(account).unwrap_or_default()
        }

        fn save_ledger(&mut self, account: AccountId, ledger: &Ledger) -> Result<()> {
            self.ledgers
                .try_insert(account, ledger)
                .map(|_| ())
                .map_err(|_| Error::ValueTooLarge)
        }

        /// Adds a verified doctor to the verified list and to their specialty's list.
        fn list_verified_doctor(&mut self, doctor: AccountId, specialty: &str) -> Result<()> {
            let key = specialty_key(specialty);
            let verified_position = self.verified_doctor_count;
            let specialty_position = self.specialty_doctor_count.get(key).unwrap_or(0);
            self.verified_doctor_count = verified_position.checked_add(1).ok_or(Error::Overflow)?;
            let specialty_total = specialty_position.checked_add(1).ok_or(Error::Overflow)?;
            self.verified_doctors.insert(verified_position, &doctor);
            self.specialty_doctors
                .insert((key, specialty_position), &doctor);
            self.specialty_doctor_count.insert(key, &specialty_total);
            self.doctor_positions
                .insert(doctor, &(verified_position, specialty_position));
            Ok(())
        }

        /// Removes a doctor from the verified lists in O(1): the last entry of each list moves
        /// into the freed position.
        fn unlist_verified_doctor(&mut self, doctor: AccountId, specialty: &str) {
            let Some((verified_position, specialty_position)) = self.doctor_positions.take(doctor)
            else {
                return;
            };
            let key = specialty_key(specialty);

            let last = self.verified_doctor_count.saturating_sub(1);
            if let Some(moved) = self.verified_doctors.take(last) {
                if verified_position != last {
                    self.verified_doctors.insert(verified_position, &moved);
                    if let Some((_, moved_specialty_position)) = self.doctor_positions.get(moved) {
                        self.doctor_positions
                            .insert(moved, &(verified_position, moved_specialty_position));
                    }
                }
            }
            self.verified_doctor_count = last;

            let last = self
                .specialty_doctor_count
                .get(key)
                .unwrap_or(0)
                .saturating_sub(1);
            if let Some(moved) = self.specialty_doctors.take((key, last)) {
                if specialty_position != last {
                    self.specialty_doctors
                        .insert((key, specialty_position), &moved);
                    if let Some((moved_verified_position, _)) = self.doctor_positions.get(moved) {
                        self.doctor_positions
                            .insert(moved, &(moved_verified_position, specialty_position));
                    }
                }
            }
            self.specialty_doctor_count.insert(key, &last);
        }

        fn append_audit(
            &mut self,
            patient: AccountId,
            actor: AccountId,
            action: AuditAction,
            subject: AuditSubject,
        ) -> Result<()> {
            let mut ledger = self.ledger(patient);
            self.append_audit_to(&mut ledger, patient, actor, action, subject)?;
            self.save_ledger(patient, &ledger)
        }

        /// Appends to `patient`'s audit trail, whose ledger the caller holds and saves.
        fn append_audit_to(
            &mut self,
            ledger: &mut Ledger,
            patient: AccountId,
            actor: AccountId,
            action: AuditAction,
            subject: AuditSubject,
        ) -> Result<()> {
            let position = ledger.audit_count;
            ledger.audit_count = position.checked_add(1).ok_or(Error::Overflow)?;
            let entry = AuditEntry {
                actor,
                action,
                subject,
                at: self.env().block_timestamp(),
            };
            self.audit_entries.insert((patient, position), &entry);
            Ok(())
        }
    }

    impl Default for Ehr {
        fn default() -> Self {
            Self::new()
        }
    }
}

pub use self::ehr::{Ehr, EhrRef};

#[cfg(test)]
mod tests;
