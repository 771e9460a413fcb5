//! Random but meaningful actions: the generator reads the model so that most arguments name
//! things that exist (registered actors, open windows, booked appointments, live grants,
//! current key epochs), and the rest sit on a boundary (max and max+1 sizes, the slot's end,
//! the grant's expiry, the end of a cool-down) or name nothing at all.

use ehr::{
    AppointmentStatus, Timestamp, EMERGENCY_COOLDOWN, MAX_ENCRYPTED_CID_LEN, MAX_SEALED_REASON_LEN,
    MAX_WRAPPED_KEY_LEN, MS_PER_DAY, MS_PER_MINUTE,
};
use rand::{rngs::StdRng, seq::SliceRandom, Rng};

use super::{
    action::{Action, Actor, Label},
    model::{self, Model},
    ACTOR_COUNT, CUSTODIAN, DOCTORS, PATIENTS, STRANGERS, VERIFIERS,
};

const MINUTE: Timestamp = MS_PER_MINUTE;
const HOUR: Timestamp = 60 * MINUTE;

/// The fixed first steps of every sequence: two verifiers, a custodian, six doctors (four
/// verified with open windows, one pending, one suspended), four patients and a doctor who is
/// also a patient.
pub fn genesis(now: Timestamp) -> Vec<Action> {
    use Action::*;
    let mut steps = vec![
        AddVerifier {
            caller: 0,
            verifier: VERIFIERS[0],
        },
        AddVerifier {
            caller: 0,
            verifier: VERIFIERS[1],
        },
        SetEmergencyCustodian {
            caller: 0,
            custodian: Some(CUSTODIAN),
        },
    ];
    let profiles = [
        (Label::Cardiology, 30),
        (Label::Neurology, 15),
        (Label::CardiologySpaced, 60),
        (Label::Neurology, 30),
        (Label::Cardiology, 30),
        (Label::MaxLen, 5),
    ];
    for (&doctor, &(specialty, slot_minutes)) in DOCTORS.iter().zip(&profiles) {
        steps.push(RegisterDoctor {
            caller: doctor,
            name: Label::Cardiology,
            specialty,
            slot_minutes,
        });
    }
    for &doctor in DOCTORS.iter().filter(|&&doctor| doctor != DOCTORS[4]) {
        steps.push(VerifyDoctor {
            caller: VERIFIERS[0],
            doctor,
        });
    }
    steps.push(SuspendDoctor {
        caller: VERIFIERS[1],
        doctor: DOCTORS[5],
    });
    for &patient in PATIENTS.iter().chain([&DOCTORS[3]]) {
        steps.push(RegisterPatient { caller: patient });
    }
    for (&doctor, &(_, slot_minutes)) in DOCTORS.iter().zip(&profiles).take(4) {
        let slot = Timestamp::from(slot_minutes) * MINUTE;
        let start = align_up(now + 1, slot);
        steps.push(PublishAvailability {
            caller: doctor,
            start,
            end: start + 32 * slot,
        });
    }
    steps
}

fn align_up(instant: Timestamp, step: Timestamp) -> Timestamp {
    instant.div_ceil(step) * step
}

/// Picks actions from a seeded random source, reading the model for meaningful arguments.
pub struct Generator {
    rng: StdRng,
}

impl Generator {
    pub fn new(rng: StdRng) -> Self {
        Generator { rng }
    }

    fn chance(&mut self, probability: f64) -> bool {
        self.rng.gen_bool(probability)
    }

    fn any_actor(&mut self) -> Actor {
        self.rng.gen_range(0..ACTOR_COUNT)
    }

    /// One of `preferred` most of the time, any actor otherwise.
    fn mostly(&mut self, preferred: &[Actor]) -> Actor {
        if preferred.is_empty() || self.chance(0.1) {
            self.any_actor()
        } else {
            *preferred.choose(&mut self.rng).expect("non-empty")
        }
    }

    fn patient(&mut self, model: &Model) -> Actor {
        let registered: Vec<Actor> = model.patients.keys().copied().collect();
        self.mostly(&registered)
    }

    fn doctor(&mut self) -> Actor {
        self.mostly(&DOCTORS)
    }

    fn key_len(&mut self) -> u16 {
        let max = MAX_WRAPPED_KEY_LEN as u16;
        *[80, 80, 80, 80, 80, 80, 1, max, max + 1, 0]
            .choose(&mut self.rng)
            .expect("non-empty")
    }

    fn slot_of(model: &Model, doctor: Actor) -> Timestamp {
        model
            .doctors
            .get(&doctor)
            .map_or(30 * MINUTE, |record| record.slot_ms())
    }

    /// A time step: a plain one, or one that lands on (or next to) a boundary the model knows.
    fn time_step(&mut self, model: &Model) -> Timestamp {
        let now = model.now;
        if self.chance(0.35) {
            let mut boundaries: Vec<Timestamp> = Vec::new();
            boundaries.extend(model.grants.values().map(|grant| grant.expires_at));
            for access in model.emergency.values() {
                boundaries.push(access.expires_at);
                boundaries.push(access.ended_at.unwrap_or(access.expires_at) + EMERGENCY_COOLDOWN);
            }
            boundaries.extend(
                model
                    .appointments
                    .iter()
                    .rev()
                    .take(32)
                    .filter(|appointment| appointment.status == AppointmentStatus::Booked)
                    .map(|appointment| appointment.start),
            );
            boundaries.push(align_up(now + 1, MS_PER_DAY));
            boundaries.retain(|&at| at > now + 1);
            if let Some(&at) = boundaries.choose(&mut self.rng) {
                let target = match self.rng.gen_range(0..3) {
                    0 => at - 1,
                    1 => at,
                    _ => at + 1,
                };
                return target - now;
            }
        }
        *[
            1,
            1_000,
            5 * MINUTE,
            15 * MINUTE,
            30 * MINUTE,
            HOUR - 1,
            HOUR,
            HOUR + 1,
            3 * HOUR,
            6 * HOUR,
            MS_PER_DAY,
            self.rng.gen_range(1..4 * HOUR),
        ]
        .choose(&mut self.rng)
        .expect("non-empty")
    }

    /// The next action.
    pub fn next(&mut self, model: &Model) -> Action {
        use Action::*;
        let now = model.now;
        // Relative weights: the passing of time, then the messages in the order of `MESSAGES`.
        let buckets: [(u32, u8); 33] = [
            (120, 0), // time
            (5, 1),   // transfer_admin
            (5, 2),   // accept_admin
            (5, 3),   // add_verifier
            (5, 4),   // remove_verifier
            (10, 5),  // register_patient
            (20, 6),  // verify_patient
            (10, 7),  // withdraw_patient_verification
            (6, 8),   // replace_public_key
            (10, 9),  // register_doctor
            (20, 10), // verify_doctor
            (4, 11),  // suspend_doctor
            (50, 12), // publish_availability
            (15, 13), // withdraw_availability
            (90, 14), // book_appointment
            (35, 15), // cancel_appointment
            (25, 16), // complete_appointment
            (15, 17), // mark_no_show
            (60, 18), // grant_access
            (25, 19), // revoke_access
            (30, 20), // rotate_record_key
            (40, 21), // share_record_key
            (80, 22), // upload_document
            (20, 23), // mark_document_entered_in_error
            (60, 24), // open_document
            (40, 25), // open_emergency_access
            (20, 26), // end_emergency_access
            (15, 27), // refuse_emergency_access
            (15, 28), // allow_emergency_access
            (3, 29),  // set_emergency_custodian
            (30, 30), // deposit_emergency_key
            (10, 31), // withdraw_emergency_key
            (34, 32), // release_emergency_key
        ];
        let total: u32 = buckets.iter().map(|(weight, _)| weight).sum();
        let mut rest = self.rng.gen_range(0..total);
        let mut kind = 0;
        for (weight, which) in buckets {
            if rest < weight {
                kind = which;
                break;
            }
            rest -= weight;
        }
        match kind {
            0 => AdvanceTime {
                ms: self.time_step(model),
            },
            1 => TransferAdmin {
                caller: self.mostly(&[model.admin]),
                to: self.mostly(&[0, STRANGERS[0]]),
            },
            2 => AcceptAdmin {
                caller: self.mostly(&model.pending_admin.into_iter().collect::<Vec<_>>()),
            },
            3 => AddVerifier {
                caller: self.mostly(&[model.admin]),
                verifier: self.mostly(&[VERIFIERS[0], VERIFIERS[1], DOCTORS[0]]),
            },
            4 => RemoveVerifier {
                caller: self.mostly(&[model.admin]),
                verifier: self.mostly(&[VERIFIERS[0], VERIFIERS[1], DOCTORS[0]]),
            },
            // `STRANGERS[1]` stays unregistered most of the time (`NotRegistered` cases).
            5 => RegisterPatient {
                caller: self.mostly(&[STRANGERS[0], DOCTORS[0], CUSTODIAN, PATIENTS[0]]),
            },
            6 | 7 => {
                let mut verifiers: Vec<Actor> = model.verifiers.iter().copied().collect();
                verifiers.extend(model.verified_doctors());
                let caller = self.mostly(&verifiers);
                let patient = self.patient(model);
                if kind == 6 {
                    VerifyPatient { caller, patient }
                } else {
                    let attester = model
                        .patients
                        .get(&patient)
                        .and_then(|record| record.verified_by);
                    let caller = match attester {
                        Some(attester) if self.chance(0.5) => attester,
                        _ => caller,
                    };
                    WithdrawPatientVerification { caller, patient }
                }
            }
            8 => ReplacePublicKey {
                caller: self.mostly(&[
                    DOCTORS[0],
                    DOCTORS[1],
                    PATIENTS[0],
                    DOCTORS[3],
                    STRANGERS[1],
                ]),
            },
            9 => {
                let labels = [
                    Label::Cardiology,
                    Label::Neurology,
                    Label::CardiologySpaced,
                    Label::MaxLen,
                    Label::Empty,
                    Label::Blank,
                    Label::TooLong,
                    Label::Control,
                ];
                let valid = [Label::Cardiology, Label::Neurology, Label::CardiologySpaced];
                let name = if self.chance(0.7) {
                    *valid.choose(&mut self.rng).expect("non-empty")
                } else {
                    *labels.choose(&mut self.rng).expect("non-empty")
                };
                let specialty = if self.chance(0.7) {
                    *valid.choose(&mut self.rng).expect("non-empty")
                } else {
                    *labels.choose(&mut self.rng).expect("non-empty")
                };
                let slot_minutes = *[4, 5, 15, 30, 30, 60, 480, 481]
                    .choose(&mut self.rng)
                    .expect("non-empty");
                RegisterDoctor {
                    caller: self.mostly(&[STRANGERS[0], PATIENTS[1]]),
                    name,
                    specialty,
                    slot_minutes,
                }
            }
            10 | 11 => {
                let verifiers: Vec<Actor> = model.verifiers.iter().copied().collect();
                let caller = self.mostly(&verifiers);
                // Verify mostly those not verified, suspend mostly those verified.
                let wanted: Vec<Actor> = model
                    .doctors
                    .iter()
                    .filter(|(_, doctor)| {
                        (doctor.status == model::DoctorStatus::Verified) == (kind == 11)
                    })
                    .map(|(account, _)| *account)
                    .collect();
                let doctor = self.mostly(&wanted);
                if kind == 10 {
                    VerifyDoctor { caller, doctor }
                } else {
                    SuspendDoctor { caller, doctor }
                }
            }
            12 => {
                let caller = self.doctor();
                let slot = Self::slot_of(model, caller);
                let mut start = align_up(now + 1, slot) + self.rng.gen_range(0..200) * slot;
                let mut end = start + self.rng.gen_range(1..=16) * slot;
                match self.rng.gen_range(0..12) {
                    0 => end = start,
                    1 => start += 1,
                    2 => {
                        end = now - now % slot;
                        start = end.saturating_sub(slot);
                    }
                    3 => {
                        if let Some(&(from, to)) = model
                            .availability
                            .get(&caller)
                            .and_then(|windows| windows.last())
                        {
                            start = from;
                            end = to + slot;
                        }
                    }
                    _ => {}
                }
                PublishAvailability { caller, start, end }
            }
            13 => {
                let caller = self.doctor();
                let start = match model.availability.get(&caller) {
                    Some(windows) if !windows.is_empty() && self.chance(0.8) => {
                        windows.choose(&mut self.rng).expect("non-empty").0
                    }
                    _ => align_up(now, 30 * MINUTE),
                };
                WithdrawAvailability { caller, start }
            }
            14 => {
                let caller = self.patient(model);
                let open: Vec<Actor> = model
                    .availability
                    .iter()
                    .filter(|(_, windows)| windows.iter().any(|&(_, to)| to > now))
                    .map(|(doctor, _)| *doctor)
                    .collect();
                let doctor = if open.is_empty() || self.chance(0.2) {
                    self.doctor()
                } else {
                    *open.choose(&mut self.rng).expect("non-empty")
                };
                let slot = Self::slot_of(model, doctor);
                let open: Vec<(Timestamp, Timestamp)> = model
                    .availability
                    .get(&doctor)
                    .map(|windows| {
                        windows
                            .iter()
                            .copied()
                            .filter(|&(_, to)| to > now)
                            .collect()
                    })
                    .unwrap_or_default();
                let start = match open.choose(&mut self.rng) {
                    Some(&(from, to)) => match self.rng.gen_range(0..14) {
                        0 => to,
                        1 => to - slot,
                        2 => from + 1,
                        3 => now - now % slot,
                        _ => {
                            let slots = (to - from) / slot;
                            from + self.rng.gen_range(0..slots) * slot
                        }
                    },
                    None => align_up(now + 1, slot),
                };
                // Sometimes a slot someone else holds.
                let start = match model.appointments.last() {
                    Some(last) if last.doctor == doctor && self.chance(0.15) => last.start,
                    _ => start,
                };
                BookAppointment {
                    caller,
                    doctor,
                    start,
                }
            }
            15..=17 => {
                let recent = model.appointments.len().saturating_sub(64);
                let booked: Vec<usize> = (recent..model.appointments.len())
                    .filter(|&index| {
                        let appointment = &model.appointments[index];
                        appointment.status == AppointmentStatus::Booked
                            && (appointment.start > now) == (kind == 15)
                    })
                    .collect();
                let choice = if model.appointments.is_empty() || self.chance(0.1) {
                    None
                } else if !booked.is_empty() && self.chance(0.7) {
                    booked.choose(&mut self.rng).copied()
                } else {
                    Some(self.rng.gen_range(recent..model.appointments.len()))
                };
                let (id, caller) = match choice {
                    Some(index) => {
                        let appointment = &model.appointments[index];
                        let caller = if kind == 15 && self.chance(0.5) {
                            appointment.patient
                        } else if self.chance(0.9) {
                            appointment.doctor
                        } else {
                            self.any_actor()
                        };
                        (index as u64, caller)
                    }
                    None => {
                        let id = if self.chance(0.5) {
                            model.appointments.len() as u64
                        } else {
                            u64::MAX
                        };
                        (id, self.any_actor())
                    }
                };
                match kind {
                    15 => CancelAppointment { caller, id },
                    16 => CompleteAppointment { caller, id },
                    _ => MarkNoShow { caller, id },
                }
            }
            18 => {
                let caller = self.patient(model);
                let doctor = self.doctor();
                let expires_at = match self.rng.gen_range(0..12) {
                    0 => now,
                    1 => now.saturating_sub(1),
                    2 => now + 1,
                    3 => now + 30 * MINUTE,
                    4 | 5 => now + 6 * HOUR,
                    6 | 7 => now + MS_PER_DAY,
                    _ => now + 7 * MS_PER_DAY,
                };
                GrantAccess {
                    caller,
                    doctor,
                    write: self.chance(0.6),
                    expires_at,
                    key_len: self.key_len(),
                }
            }
            19 | 20 | 26 | 27 => {
                let caller = self.patient(model);
                let granted: Vec<Actor> = model
                    .grants
                    .iter()
                    .filter(|((patient, _), grant)| *patient == caller && grant.is_live(now))
                    .map(|((_, doctor), _)| *doctor)
                    .collect();
                let doctor = if granted.is_empty() || self.chance(0.3) {
                    self.doctor()
                } else {
                    *granted.choose(&mut self.rng).expect("non-empty")
                };
                match kind {
                    19 => RevokeAccess { caller, doctor },
                    26 => RefuseEmergencyAccess { caller, doctor },
                    27 => {
                        let refused: Vec<Actor> = model
                            .refusals
                            .keys()
                            .filter(|(patient, _)| *patient == caller)
                            .map(|(_, doctor)| *doctor)
                            .collect();
                        let doctor = if refused.is_empty() || self.chance(0.2) {
                            doctor
                        } else {
                            *refused.choose(&mut self.rng).expect("non-empty")
                        };
                        AllowEmergencyAccess { caller, doctor }
                    }
                    _ => {
                        let current = model.key_epoch(caller).unwrap_or(0);
                        ShareRecordKey {
                            caller,
                            doctor,
                            key_epoch: self.epoch_near(current),
                            key_len: self.key_len(),
                        }
                    }
                }
            }
            21 => RotateRecordKey {
                caller: self.patient(model),
            },
            22..=24 => {
                let patient = self.patient(model);
                let documents = model.documents.get(&patient).map_or(0, Vec::len) as u32;
                let grantees: Vec<Actor> = model
                    .grants
                    .keys()
                    .filter(|(granter, _)| *granter == patient)
                    .map(|(_, doctor)| *doctor)
                    .chain(
                        model
                            .emergency
                            .keys()
                            .filter(|(granter, _)| *granter == patient)
                            .map(|(_, doctor)| *doctor),
                    )
                    .collect();
                let caller = if self.chance(0.4) {
                    patient
                } else {
                    self.mostly(&grantees)
                };
                let id = if documents > 0 && self.chance(0.85) {
                    self.rng.gen_range(documents.saturating_sub(16)..documents)
                } else if self.chance(0.5) {
                    documents
                } else {
                    u32::MAX
                };
                match kind {
                    22 => {
                        let cid_len = *[60, 60, 60, 60, 60, 1, 0, 256, 257]
                            .choose(&mut self.rng)
                            .expect("non-empty");
                        debug_assert_eq!(MAX_ENCRYPTED_CID_LEN, 256);
                        let supersedes = if self.chance(0.3) { Some(id) } else { None };
                        UploadDocument {
                            caller,
                            patient,
                            cid_len,
                            key_len: self.key_len(),
                            supersedes,
                        }
                    }
                    23 => MarkDocumentEnteredInError {
                        caller,
                        patient,
                        id,
                    },
                    _ => OpenDocument {
                        caller,
                        patient,
                        id,
                    },
                }
            }
            25 => {
                let max = MAX_SEALED_REASON_LEN as u16;
                OpenEmergencyAccess {
                    caller: self.doctor(),
                    patient: self.patient(model),
                    reason_len: *[112, 112, 112, 112, 112, 1, 0, max, max + 1]
                        .choose(&mut self.rng)
                        .expect("non-empty"),
                }
            }
            28 => {
                let pairs: Vec<(Actor, Actor)> = model
                    .emergency
                    .iter()
                    .filter(|(_, access)| access.is_live(now) || self.rng.gen_bool(0.1))
                    .map(|(pair, _)| *pair)
                    .collect();
                let (patient, doctor) = match pairs.choose(&mut self.rng) {
                    Some(&pair) if self.chance(0.85) => pair,
                    _ => (self.patient(model), self.doctor()),
                };
                let caller = match self.rng.gen_range(0..10) {
                    0..=4 => patient,
                    5..=8 => doctor,
                    _ => self.any_actor(),
                };
                EndEmergencyAccess {
                    caller,
                    patient,
                    doctor,
                }
            }
            29 => SetEmergencyCustodian {
                caller: self.mostly(&[model.admin]),
                custodian: match self.rng.gen_range(0..10) {
                    0..=5 => Some(CUSTODIAN),
                    6 | 7 => Some(self.any_actor()),
                    _ => None,
                },
            },
            30 => {
                let caller = self.patient(model);
                let current = model.key_epoch(caller).unwrap_or(0);
                DepositEmergencyKey {
                    caller,
                    key_epoch: self.epoch_near(current),
                    key_len: self.key_len(),
                }
            }
            31 => WithdrawEmergencyKey {
                caller: self.patient(model),
            },
            _ => {
                let live: Vec<(Actor, Actor)> = model
                    .emergency
                    .iter()
                    .filter(|(_, access)| access.is_live(now))
                    .map(|(pair, _)| *pair)
                    .collect();
                let deposited: Vec<(Actor, Actor)> = live
                    .iter()
                    .copied()
                    .filter(|(patient, _)| model.deposits.contains_key(patient))
                    .collect();
                let (patient, doctor) =
                    match (deposited.choose(&mut self.rng), live.choose(&mut self.rng)) {
                        (Some(&pair), _) if self.chance(0.8) => pair,
                        (_, Some(&pair)) if self.chance(0.8) => pair,
                        _ => (self.patient(model), self.doctor()),
                    };
                let deposited = model
                    .deposits
                    .get(&patient)
                    .map_or(0, |deposit| deposit.key_epoch);
                let custodians: Vec<Actor> = model.custodian.into_iter().collect();
                ReleaseEmergencyKey {
                    caller: self.mostly(&custodians),
                    patient,
                    doctor,
                    key_epoch: self.epoch_near(deposited),
                    key_len: self.key_len(),
                }
            }
        }
    }

    /// `current` most of the time, its neighbours otherwise.
    fn epoch_near(&mut self, current: u32) -> u32 {
        match self.rng.gen_range(0..10) {
            0 => current.saturating_sub(1),
            1 => current + 1,
            _ => current,
        }
    }
}
