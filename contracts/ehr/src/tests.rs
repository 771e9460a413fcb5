//! Off-chain unit tests of the contract logic (`#[ink::test]`). The same rules are proven
//! against the compiled WASM in `contracts/drink-tests`.

use crate::{
    AppointmentStatus, AuditAction, AuditSubject, AvailabilityWindow, DoctorStatus, DocumentStatus,
    Ehr, Error, Page, Timestamp, MAX_PAGE_SIZE, MS_PER_MINUTE,
};
use ink::env::{test, DefaultEnvironment};
use ink::primitives::AccountId;
use ink::scale::Encode;

/// 30-minute slots.
const SLOT: Timestamp = 30 * MS_PER_MINUTE;
/// "Now" in the tests: a slot boundary well after the epoch.
const NOW: Timestamp = 1_000 * SLOT;
const DAY: Timestamp = 24 * 60 * MS_PER_MINUTE;

fn accounts() -> test::DefaultAccounts<DefaultEnvironment> {
    test::default_accounts::<DefaultEnvironment>()
}

fn set_caller(account: AccountId) {
    test::set_caller::<DefaultEnvironment>(account);
}

fn set_now(now: Timestamp) {
    test::set_block_timestamp::<DefaultEnvironment>(now);
}

fn event_count() -> usize {
    test::recorded_events().count()
}

/// Alice deploys (admin) and appoints Bob as verifier; time is `NOW`.
fn deploy() -> Ehr {
    set_now(NOW);
    set_caller(accounts().alice);
    let mut ehr = Ehr::new();
    ehr.add_verifier(accounts().bob).unwrap();
    ehr
}

fn register_doctor(ehr: &mut Ehr, doctor: AccountId, specialty: &str) {
    set_caller(doctor);
    ehr.register_doctor("Dr. Who".into(), specialty.into(), [1; 32], [2; 32], 30)
        .unwrap();
}

/// Charlie a verified cardiologist with a window [NOW + 1 day, + 4 h); Django a patient.
fn deploy_with_doctor_and_patient() -> Ehr {
    let mut ehr = deploy();
    register_doctor(&mut ehr, accounts().charlie, "Cardiology");
    set_caller(accounts().bob);
    ehr.verify_doctor(accounts().charlie).unwrap();
    set_caller(accounts().charlie);
    ehr.publish_availability(NOW + DAY, NOW + DAY + 8 * SLOT)
        .unwrap();
    set_caller(accounts().django);
    ehr.register_patient([9; 32]).unwrap();
    ehr
}

#[ink::test]
fn new_works() {
    let ehr = deploy();
    assert_eq!(ehr.admin(), Ok(accounts().alice));
    assert_eq!(ehr.is_verifier(accounts().bob), Ok(true));
    assert_eq!(ehr.verifier_count(), Ok(1));
}

#[ink::test]
fn transfer_admin_works() {
    let mut ehr = deploy();
    ehr.transfer_admin(accounts().eve).unwrap();
    set_caller(accounts().frank);
    assert_eq!(ehr.accept_admin(), Err(Error::NotPendingAdmin));
    set_caller(accounts().eve);
    ehr.accept_admin().unwrap();
    assert_eq!(ehr.admin(), Ok(accounts().eve));
    set_caller(accounts().alice);
    assert_eq!(ehr.add_verifier(accounts().frank), Err(Error::NotAdmin));
}

#[ink::test]
fn add_verifier_by_stranger_fails() {
    let mut ehr = deploy();
    set_caller(accounts().eve);
    assert_eq!(ehr.add_verifier(accounts().eve), Err(Error::NotAdmin));
    set_caller(accounts().alice);
    assert_eq!(
        ehr.add_verifier(accounts().bob),
        Err(Error::AlreadyVerifier)
    );
    ehr.remove_verifier(accounts().bob).unwrap();
    assert_eq!(
        ehr.remove_verifier(accounts().bob),
        Err(Error::VerifierNotFound)
    );
    assert_eq!(ehr.verifier_count(), Ok(0));
}

#[ink::test]
fn register_patient_works() {
    let mut ehr = deploy();
    set_caller(accounts().django);
    ehr.register_patient([7; 32]).unwrap();
    let patient = ehr.patient(accounts().django).unwrap();
    assert_eq!(patient.public_key, [7; 32]);
    assert_eq!(patient.registered_at, NOW);
    assert_eq!(
        ehr.register_patient([7; 32]),
        Err(Error::PatientAlreadyRegistered)
    );
    assert_eq!(ehr.patient_count(), Ok(1));
    let verification = ehr.patient_verification(accounts().eve).unwrap();
    assert!(!verification.registered);
}

#[ink::test]
fn verify_patient_works() {
    let mut ehr = deploy_with_doctor_and_patient();
    // given an unverified doctor and a stranger
    register_doctor(&mut ehr, accounts().eve, "Dermatology");
    assert_eq!(
        ehr.verify_patient(accounts().django),
        Err(Error::NotPatientVerifier)
    );
    // when the verified doctor attests
    set_now(NOW + 5);
    set_caller(accounts().charlie);
    ehr.verify_patient(accounts().django).unwrap();
    // then
    let verification = ehr.patient_verification(accounts().django).unwrap();
    assert!(verification.registered);
    assert_eq!(verification.verified_by, Some(accounts().charlie));
    assert_eq!(verification.verified_at, Some(NOW + 5));
    set_caller(accounts().bob);
    assert_eq!(
        ehr.verify_patient(accounts().django),
        Err(Error::PatientAlreadyVerified)
    );
    assert_eq!(
        ehr.verify_patient(accounts().frank),
        Err(Error::PatientNotRegistered)
    );
}

#[ink::test]
fn register_doctor_with_bad_input_fails() {
    let mut ehr = deploy();
    set_caller(accounts().charlie);
    let long = "x".repeat(65);
    let cases = [
        ("", "Cardiology", 30, Error::InvalidDisplayName),
        ("   ", "Cardiology", 30, Error::InvalidDisplayName),
        (long.as_str(), "Cardiology", 30, Error::InvalidDisplayName),
        ("Dr. A\n", "Cardiology", 30, Error::InvalidDisplayName),
        ("Dr. A", "", 30, Error::InvalidSpecialty),
        ("Dr. A", long.as_str(), 30, Error::InvalidSpecialty),
        ("Dr. A", "Cardiology", 4, Error::InvalidSlotLength),
        ("Dr. A", "Cardiology", 481, Error::InvalidSlotLength),
    ];
    for (name, specialty, slot, error) in cases {
        assert_eq!(
            ehr.register_doctor(name.into(), specialty.into(), [0; 32], [0; 32], slot),
            Err(error),
            "{name:?} {specialty:?} {slot}"
        );
    }
    assert_eq!(ehr.doctor_count(), Ok(0));
    ehr.register_doctor("Dr. A".into(), "Cardiology".into(), [0; 32], [0; 32], 30)
        .unwrap();
    assert_eq!(
        ehr.register_doctor("Dr. A".into(), "Cardiology".into(), [0; 32], [0; 32], 30),
        Err(Error::DoctorAlreadyRegistered)
    );
    assert_eq!(
        ehr.doctor(accounts().charlie).unwrap().status,
        DoctorStatus::Pending
    );
}

#[ink::test]
fn get_all_doctors_works() {
    let mut ehr = deploy();
    // given three doctors, two cardiologists, all verified
    let a = accounts();
    register_doctor(&mut ehr, a.charlie, "Cardiology");
    register_doctor(&mut ehr, a.django, "Dermatology");
    register_doctor(&mut ehr, a.eve, "cardiology ");
    register_doctor(&mut ehr, a.frank, "Cardiology");
    set_caller(a.bob);
    for doctor in [a.charlie, a.django, a.eve] {
        ehr.verify_doctor(doctor).unwrap();
    }
    // when the first cardiologist is suspended
    ehr.suspend_doctor(a.charlie).unwrap();
    // then the lists hold the rest, and the specialty filter ignores case and spaces
    let accounts_of = |page: Page<(AccountId, crate::Doctor)>| -> Vec<AccountId> {
        page.items.into_iter().map(|(account, _)| account).collect()
    };
    let all = ehr.get_all_doctors(None, 0, 10).unwrap();
    assert_eq!(all.total, 2);
    let mut listed = accounts_of(all);
    listed.sort();
    let mut expected = vec![a.django, a.eve];
    expected.sort();
    assert_eq!(listed, expected);
    let cardiologists = ehr
        .get_all_doctors(Some("CARDIOLOGY".into()), 0, 10)
        .unwrap();
    assert_eq!(accounts_of(cardiologists), vec![a.eve]);
    // and verifying again lists the doctor again
    ehr.verify_doctor(a.charlie).unwrap();
    let cardiologists = ehr
        .get_all_doctors(Some("cardiology".into()), 0, 10)
        .unwrap();
    assert_eq!(cardiologists.total, 2);
    assert_eq!(ehr.verified_doctor_count(), Ok(3));
    assert_eq!(ehr.get_registered_doctors(0, 10).unwrap().total, 4);
    assert_eq!(
        ehr.verify_doctor(a.charlie),
        Err(Error::DoctorAlreadyVerified)
    );
    ehr.suspend_doctor(a.frank).unwrap();
    assert_eq!(
        ehr.suspend_doctor(a.frank),
        Err(Error::DoctorAlreadySuspended)
    );
    assert_eq!(ehr.verified_doctor_count(), Ok(3));
}

#[ink::test]
fn pagination_is_capped() {
    let mut ehr = deploy();
    set_caller(accounts().django);
    ehr.register_patient([0; 32]).unwrap();
    for _ in 0..(MAX_PAGE_SIZE + 5) {
        ehr.upload_document(accounts().django, vec![1; 8], [0; 32], vec![], None)
            .unwrap();
    }
    let page = ehr
        .get_all_documents(accounts().django, 0, u32::MAX)
        .unwrap();
    assert_eq!(page.items.len() as u32, MAX_PAGE_SIZE);
    assert_eq!(page.total, MAX_PAGE_SIZE + 5);
    let tail = ehr
        .get_all_documents(accounts().django, MAX_PAGE_SIZE, 10)
        .unwrap();
    assert_eq!(tail.items.len(), 5);
    assert_eq!(tail.items[0].id, MAX_PAGE_SIZE);
    let past_end = ehr
        .get_all_documents(accounts().django, u32::MAX, u32::MAX)
        .unwrap();
    assert!(past_end.items.is_empty());
}

#[ink::test]
fn largest_page_fits_the_output_buffer() {
    let document = crate::Document {
        id: 0,
        encrypted_cid: vec![0; crate::MAX_ENCRYPTED_CID_LEN],
        content_hash: [0; 32],
        wrapped_key: vec![0; crate::MAX_WRAPPED_KEY_LEN],
        key_epoch: u32::MAX,
        author: accounts().alice,
        created_at: 0,
        status: DocumentStatus::Current,
        supersedes: Some(0),
        superseded_by: Some(0),
    };
    let page = Page {
        items: vec![document; MAX_PAGE_SIZE as usize],
        total: u32::MAX,
    };
    // Result<Result<Page, Error>, LangError> adds two bytes.
    assert!(
        page.encode().len() + 2 < 16 * 1024,
        "{}",
        page.encode().len()
    );
}

#[ink::test]
fn publish_availability_with_bad_window_fails() {
    let mut ehr = deploy_with_doctor_and_patient();
    set_caller(accounts().charlie);
    let start = NOW + 2 * DAY;
    assert_eq!(
        ehr.publish_availability(start, start),
        Err(Error::InvalidWindow)
    );
    assert_eq!(
        ehr.publish_availability(start + 1, start + SLOT),
        Err(Error::WindowNotAligned)
    );
    assert_eq!(
        ehr.publish_availability(NOW - 2 * SLOT, NOW),
        Err(Error::WindowInPast)
    );
    assert_eq!(
        ehr.publish_availability(NOW + DAY + 7 * SLOT, NOW + DAY + 9 * SLOT),
        Err(Error::WindowOverlaps)
    );
    // a window touching the end of another is fine
    ehr.publish_availability(NOW + DAY + 8 * SLOT, NOW + DAY + 9 * SLOT)
        .unwrap();
    for i in 2..16 {
        let start = NOW + i * DAY;
        ehr.publish_availability(start, start + SLOT).unwrap();
    }
    assert_eq!(
        ehr.publish_availability(NOW + 30 * DAY, NOW + 30 * DAY + SLOT),
        Err(Error::TooManyWindows)
    );
    // windows that ended are dropped when publishing
    set_now(NOW + 3 * DAY);
    ehr.publish_availability(NOW + 30 * DAY, NOW + 30 * DAY + SLOT)
        .unwrap();
    let windows = ehr.get_availability(accounts().charlie).unwrap();
    assert_eq!(windows.len(), 14);
    assert!(windows.windows(2).all(|pair| pair[0].start < pair[1].start));
    // an unverified doctor cannot publish
    register_doctor(&mut ehr, accounts().eve, "Dermatology");
    assert_eq!(
        ehr.publish_availability(NOW + 40 * DAY, NOW + 40 * DAY + SLOT),
        Err(Error::DoctorNotVerified)
    );
}

#[ink::test]
fn book_appointment_works() {
    let mut ehr = deploy_with_doctor_and_patient();
    let (doctor, patient) = (accounts().charlie, accounts().django);
    let slot = NOW + DAY + 2 * SLOT;
    assert_eq!(ehr.check_doctor_availability(doctor, slot), Ok(true));
    // when
    set_caller(patient);
    let id = ehr.book_appointment(doctor, slot).unwrap();
    // then
    let appointment = ehr.appointment(id).unwrap();
    assert_eq!(appointment.status, AppointmentStatus::Booked);
    assert_eq!(appointment.end, slot + SLOT);
    assert_eq!(ehr.check_doctor_availability(doctor, slot), Ok(false));
    assert_eq!(
        ehr.book_appointment(doctor, slot),
        Err(Error::SlotAlreadyBooked)
    );
    assert_eq!(ehr.get_all_appointments(patient, 0, 10).unwrap().total, 1);
    set_caller(doctor);
    assert_eq!(
        ehr.get_all_appointments(doctor, 0, 10).unwrap().items,
        vec![appointment]
    );
    assert_eq!(
        ehr.get_all_appointments(patient, 0, 10),
        Err(Error::NotPermitted)
    );
}

#[ink::test]
fn book_appointment_on_unavailable_slot_fails() {
    let mut ehr = deploy_with_doctor_and_patient();
    let (doctor, patient) = (accounts().charlie, accounts().django);
    set_caller(patient);
    let cases = [
        (NOW + DAY + 1, Error::SlotNotAligned),
        (NOW - SLOT, Error::SlotInPast),
        (NOW, Error::SlotInPast),
        (NOW + DAY - SLOT, Error::SlotOutsideAvailability),
        (NOW + DAY + 8 * SLOT, Error::SlotOutsideAvailability),
    ];
    for (start, error) in cases {
        assert_eq!(ehr.book_appointment(doctor, start), Err(error), "{start}");
        assert_eq!(ehr.check_doctor_availability(doctor, start), Ok(false));
    }
    assert_eq!(
        ehr.book_appointment(accounts().eve, NOW + DAY),
        Err(Error::DoctorNotRegistered)
    );
    set_caller(accounts().frank);
    assert_eq!(
        ehr.book_appointment(doctor, NOW + DAY),
        Err(Error::PatientNotRegistered)
    );
    // a doctor who is also a patient cannot book themselves
    set_caller(doctor);
    ehr.register_patient([3; 32]).unwrap();
    assert_eq!(
        ehr.book_appointment(doctor, NOW + DAY),
        Err(Error::CannotBookSelf)
    );
}

#[ink::test]
fn cancel_appointment_frees_the_slot() {
    let mut ehr = deploy_with_doctor_and_patient();
    let (doctor, patient) = (accounts().charlie, accounts().django);
    let slot = NOW + DAY;
    set_caller(patient);
    let id = ehr.book_appointment(doctor, slot).unwrap();
    set_caller(accounts().eve);
    assert_eq!(
        ehr.cancel_appointment(id),
        Err(Error::NotAppointmentParticipant)
    );
    set_caller(doctor);
    ehr.cancel_appointment(id).unwrap();
    assert_eq!(ehr.cancel_appointment(id), Err(Error::AppointmentNotBooked));
    assert_eq!(ehr.check_doctor_availability(doctor, slot), Ok(true));
    set_caller(patient);
    let again = ehr.book_appointment(doctor, slot).unwrap();
    assert_ne!(again, id);
    assert_eq!(
        ehr.appointment(id).unwrap().status,
        AppointmentStatus::Cancelled
    );
}

#[ink::test]
fn appointment_lifecycle_after_start() {
    let mut ehr = deploy_with_doctor_and_patient();
    let (doctor, patient) = (accounts().charlie, accounts().django);
    set_caller(patient);
    let first = ehr.book_appointment(doctor, NOW + DAY).unwrap();
    let second = ehr.book_appointment(doctor, NOW + DAY + SLOT).unwrap();
    set_caller(doctor);
    assert_eq!(
        ehr.complete_appointment(first),
        Err(Error::AppointmentNotStarted)
    );
    // when the slots have started
    set_now(NOW + DAY + SLOT);
    set_caller(patient);
    assert_eq!(
        ehr.cancel_appointment(first),
        Err(Error::AppointmentStarted)
    );
    assert_eq!(
        ehr.complete_appointment(first),
        Err(Error::NotAppointmentParticipant)
    );
    set_caller(doctor);
    ehr.complete_appointment(first).unwrap();
    ehr.mark_no_show(second).unwrap();
    assert_eq!(ehr.mark_no_show(first), Err(Error::AppointmentNotBooked));
    assert_eq!(
        ehr.complete_appointment(second),
        Err(Error::AppointmentNotBooked)
    );
    assert_eq!(
        ehr.appointment(first).unwrap().status,
        AppointmentStatus::Fulfilled
    );
    assert_eq!(
        ehr.appointment(second).unwrap().status,
        AppointmentStatus::NoShow
    );
    assert_eq!(ehr.appointment(99), Err(Error::AppointmentNotFound));
}

#[ink::test]
fn suspended_doctor_is_not_bookable() {
    let mut ehr = deploy_with_doctor_and_patient();
    set_caller(accounts().bob);
    ehr.suspend_doctor(accounts().charlie).unwrap();
    set_caller(accounts().django);
    assert_eq!(
        ehr.book_appointment(accounts().charlie, NOW + DAY),
        Err(Error::DoctorSuspended)
    );
}

#[ink::test]
fn reverified_doctor_is_bookable_again() {
    // given a doctor suspended after publishing a window
    let mut ehr = deploy_with_doctor_and_patient();
    let (doctor, patient) = (accounts().charlie, accounts().django);
    set_caller(accounts().bob);
    ehr.suspend_doctor(doctor).unwrap();
    set_caller(doctor);
    assert_eq!(
        ehr.publish_availability(NOW + 2 * DAY, NOW + 2 * DAY + SLOT),
        Err(Error::DoctorSuspended)
    );

    // when a verifier verifies them again
    set_caller(accounts().bob);
    ehr.verify_doctor(doctor).unwrap();

    // then the window they kept is bookable, with their slot length, and they may publish
    assert_eq!(ehr.check_doctor_availability(doctor, NOW + DAY), Ok(true));
    set_caller(patient);
    let id = ehr.book_appointment(doctor, NOW + DAY).unwrap();
    assert_eq!(ehr.appointment(id).map(|a| a.end), Ok(NOW + DAY + SLOT));
    set_caller(doctor);
    assert_eq!(
        ehr.publish_availability(NOW + 2 * DAY, NOW + 2 * DAY + SLOT),
        Ok(())
    );
}

#[ink::test]
fn pending_doctor_is_not_bookable() {
    // given a doctor registered and not verified
    let mut ehr = deploy_with_doctor_and_patient();
    register_doctor(&mut ehr, accounts().eve, "General practice");

    // when they publish a window, or a patient books them
    let publish = ehr.publish_availability(NOW + DAY, NOW + DAY + SLOT);
    set_caller(accounts().django);
    let book = ehr.book_appointment(accounts().eve, NOW + DAY);

    // then both fail: not verified
    assert_eq!(publish, Err(Error::DoctorNotVerified));
    assert_eq!(book, Err(Error::DoctorNotVerified));
    assert_eq!(
        ehr.check_doctor_availability(accounts().eve, NOW + DAY),
        Ok(false)
    );
}

#[ink::test]
fn withdraw_availability_works() {
    let mut ehr = deploy_with_doctor_and_patient();
    set_caller(accounts().charlie);
    assert_eq!(
        ehr.withdraw_availability(NOW + DAY + SLOT),
        Err(Error::WindowNotFound)
    );
    ehr.withdraw_availability(NOW + DAY).unwrap();
    assert_eq!(
        ehr.get_availability(accounts().charlie),
        Ok(Vec::<AvailabilityWindow>::new())
    );
    assert_eq!(
        ehr.check_doctor_availability(accounts().charlie, NOW + DAY),
        Ok(false)
    );
}

#[ink::test]
fn grant_access_works() {
    let mut ehr = deploy_with_doctor_and_patient();
    let (doctor, patient) = (accounts().charlie, accounts().django);
    set_caller(doctor);
    assert_eq!(
        ehr.get_all_documents(patient, 0, 10),
        Err(Error::AccessDenied)
    );
    // when the patient grants read access for a day
    set_caller(patient);
    ehr.grant_access(doctor, false, NOW + DAY, vec![5; 80])
        .unwrap();
    // then the doctor can list and open, but not write
    ehr.upload_document(patient, vec![1; 40], [2; 32], vec![], None)
        .unwrap();
    set_caller(doctor);
    assert_eq!(ehr.get_all_documents(patient, 0, 10).unwrap().total, 1);
    let before = event_count();
    assert_eq!(
        ehr.open_document(patient, 0).unwrap().encrypted_cid,
        vec![1; 40]
    );
    assert_eq!(event_count(), before + 1);
    assert_eq!(
        ehr.upload_document(patient, vec![1; 40], [2; 32], vec![], None),
        Err(Error::AccessDenied)
    );
    // and at expiry everything closes
    set_now(NOW + DAY);
    assert_eq!(ehr.open_document(patient, 0), Err(Error::AccessDenied));
    assert_eq!(
        ehr.get_all_documents(patient, 0, 10),
        Err(Error::AccessDenied)
    );
    let grant = ehr.grant(patient, doctor).unwrap();
    assert!(!grant.is_live(NOW + DAY));
    assert_eq!(grant.wrapped_key, vec![5; 80]);
}

#[ink::test]
fn grant_access_with_bad_input_fails() {
    let mut ehr = deploy_with_doctor_and_patient();
    let (doctor, patient) = (accounts().charlie, accounts().django);
    register_doctor(&mut ehr, accounts().eve, "Dermatology");
    set_caller(patient);
    assert_eq!(
        ehr.grant_access(doctor, true, NOW, vec![]),
        Err(Error::ExpiryInPast)
    );
    assert_eq!(
        ehr.grant_access(doctor, true, NOW + 1, vec![0; 129]),
        Err(Error::WrappedKeyTooLong)
    );
    assert_eq!(
        ehr.grant_access(accounts().eve, true, NOW + 1, vec![]),
        Err(Error::DoctorNotVerified)
    );
    assert_eq!(
        ehr.grant_access(patient, true, NOW + 1, vec![]),
        Err(Error::CannotGrantSelf)
    );
    set_caller(accounts().frank);
    assert_eq!(
        ehr.grant_access(doctor, true, NOW + 1, vec![]),
        Err(Error::PatientNotRegistered)
    );
    set_caller(patient);
    assert_eq!(ehr.get_grants(patient, 0, 10).unwrap().total, 0);
}

#[ink::test]
fn revoke_access_works() {
    let mut ehr = deploy_with_doctor_and_patient();
    let (doctor, patient) = (accounts().charlie, accounts().django);
    set_caller(patient);
    assert_eq!(ehr.revoke_access(doctor), Err(Error::GrantNotFound));
    ehr.grant_access(doctor, true, NOW + DAY, vec![]).unwrap();
    ehr.revoke_access(doctor).unwrap();
    assert_eq!(ehr.revoke_access(doctor), Err(Error::GrantAlreadyRevoked));
    set_caller(doctor);
    assert_eq!(
        ehr.upload_document(patient, vec![1], [0; 32], vec![], None),
        Err(Error::AccessDenied)
    );
    // granting again after a revocation works and lists the doctor once
    set_caller(patient);
    ehr.grant_access(doctor, true, NOW + DAY, vec![]).unwrap();
    let grants = ehr.get_grants(patient, 0, 10).unwrap();
    assert_eq!(grants.total, 1);
    assert_eq!(grants.items[0].doctor, doctor);
    assert!(grants.items[0].grant.is_live(NOW));
    set_caller(doctor);
    assert_eq!(ehr.get_grants(patient, 0, 10), Err(Error::NotPermitted));
    ehr.upload_document(patient, vec![1], [0; 32], vec![], None)
        .unwrap();
}

#[ink::test]
fn revoke_access_moves_the_key_epoch() {
    // given a patient who granted two doctors write access at epoch 0
    let mut ehr = deploy_with_doctor_and_patient();
    let (kept, revoked, patient) = (accounts().charlie, accounts().eve, accounts().django);
    register_doctor(&mut ehr, revoked, "Cardiology");
    set_caller(accounts().bob);
    ehr.verify_doctor(revoked).unwrap();
    set_caller(patient);
    ehr.grant_access(kept, true, NOW + DAY, vec![1; 80])
        .unwrap();
    ehr.grant_access(revoked, true, NOW + DAY, vec![2; 80])
        .unwrap();
    assert_eq!(ehr.grant(patient, kept).unwrap().key_epoch, 0);
    // when the patient revokes one of them
    ehr.revoke_access(revoked).unwrap();
    // then the patient is at epoch 1 and the kept doctor cannot add documents until re-shared
    assert_eq!(ehr.patient(patient).unwrap().key_epoch, 1);
    set_caller(kept);
    assert_eq!(
        ehr.upload_document(patient, vec![1], [0; 32], vec![], None),
        Err(Error::RecordKeyNotShared)
    );
    set_caller(patient);
    assert_eq!(
        ehr.share_record_key(kept, 0, vec![3; 80]),
        Err(Error::StaleKeyEpoch)
    );
    assert_eq!(
        ehr.share_record_key(revoked, 1, vec![3; 80]),
        Err(Error::AccessDenied)
    );
    assert_eq!(
        ehr.share_record_key(kept, 1, vec![3; 129]),
        Err(Error::WrappedKeyTooLong)
    );
    let events_before = event_count();
    ehr.share_record_key(kept, 1, vec![3; 80]).unwrap();
    assert_eq!(event_count(), events_before + 1);
    let grant = ehr.grant(patient, kept).unwrap();
    assert_eq!((grant.key_epoch, grant.wrapped_key), (1, vec![3; 80]));
    set_caller(kept);
    let id = ehr
        .upload_document(patient, vec![1], [0; 32], vec![4; 72], None)
        .unwrap();
    set_caller(patient);
    let page = ehr.get_all_documents(patient, id, 1).unwrap();
    assert_eq!(page.items[0].key_epoch, 1);
}

#[ink::test]
fn suspended_doctor_with_grant_is_refused() {
    let mut ehr = deploy_with_doctor_and_patient();
    let (doctor, patient) = (accounts().charlie, accounts().django);
    set_caller(patient);
    ehr.grant_access(doctor, true, NOW + DAY, vec![]).unwrap();
    set_caller(accounts().bob);
    ehr.suspend_doctor(doctor).unwrap();
    set_caller(doctor);
    assert_eq!(
        ehr.get_all_documents(patient, 0, 10),
        Err(Error::AccessDenied)
    );
}

#[ink::test]
fn upload_document_supersedes_and_marks_in_error() {
    let mut ehr = deploy_with_doctor_and_patient();
    let (doctor, patient) = (accounts().charlie, accounts().django);
    set_caller(patient);
    ehr.grant_access(doctor, true, NOW + DAY, vec![]).unwrap();
    assert_eq!(
        ehr.upload_document(patient, vec![], [0; 32], vec![], None),
        Err(Error::InvalidEncryptedCid)
    );
    assert_eq!(
        ehr.upload_document(patient, vec![0; 257], [0; 32], vec![], None),
        Err(Error::InvalidEncryptedCid)
    );
    assert_eq!(
        ehr.upload_document(patient, vec![0; 1], [0; 32], vec![0; 129], None),
        Err(Error::WrappedKeyTooLong)
    );
    assert_eq!(
        ehr.upload_document(patient, vec![0; 1], [0; 32], vec![], Some(0)),
        Err(Error::DocumentNotFound)
    );
    let own = ehr
        .upload_document(patient, vec![1], [1; 32], vec![], None)
        .unwrap();
    set_caller(doctor);
    let first = ehr
        .upload_document(patient, vec![1], [1; 32], vec![], None)
        .unwrap();
    // a doctor cannot supersede a document it did not write
    assert_eq!(
        ehr.upload_document(patient, vec![2], [2; 32], vec![], Some(own)),
        Err(Error::NotDocumentAuthor)
    );
    // when the doctor supersedes its own
    let second = ehr
        .upload_document(patient, vec![2], [2; 32], vec![], Some(first))
        .unwrap();
    // then
    let old = ehr.open_document(patient, first).unwrap();
    assert_eq!(old.status, DocumentStatus::Superseded);
    assert_eq!(old.superseded_by, Some(second));
    assert_eq!(
        ehr.upload_document(patient, vec![3], [3; 32], vec![], Some(first)),
        Err(Error::DocumentNotCurrent)
    );
    // the author marks their document entered-in-error; a stranger cannot
    set_caller(accounts().eve);
    assert_eq!(
        ehr.mark_document_entered_in_error(patient, second),
        Err(Error::NotDocumentAuthor)
    );
    set_caller(doctor);
    ehr.mark_document_entered_in_error(patient, second).unwrap();
    assert_eq!(
        ehr.mark_document_entered_in_error(patient, second),
        Err(Error::DocumentNotCurrent)
    );
    set_caller(patient);
    assert_eq!(
        ehr.open_document(patient, second).unwrap().status,
        DocumentStatus::EnteredInError
    );
}

#[ink::test]
fn emergency_access_works() {
    let mut ehr = deploy_with_doctor_and_patient();
    let (doctor, patient) = (accounts().charlie, accounts().django);
    set_caller(patient);
    ehr.upload_document(patient, vec![1], [1; 32], vec![], None)
        .unwrap();
    // when the doctor breaks the glass
    set_caller(doctor);
    let expires_at = ehr.open_emergency_access(patient, vec![4; 48]).unwrap();
    assert_eq!(expires_at, NOW + crate::EMERGENCY_ACCESS_DURATION);
    assert_eq!(
        ehr.open_emergency_access(patient, vec![4; 48]),
        Err(Error::EmergencyAccessActive)
    );
    // then the doctor can read (not write) until it expires
    ehr.open_document(patient, 0).unwrap();
    assert_eq!(
        ehr.upload_document(patient, vec![1], [1; 32], vec![], None),
        Err(Error::AccessDenied)
    );
    set_now(expires_at);
    assert_eq!(ehr.open_document(patient, 0), Err(Error::AccessDenied));
    assert_eq!(
        ehr.end_emergency_access(patient, doctor),
        Err(Error::EmergencyAccessNotFound)
    );
    // and, after the cool-down, a new one can be ended early by the patient
    set_now(expires_at + crate::EMERGENCY_COOLDOWN - 1);
    assert_eq!(
        ehr.open_emergency_access(patient, vec![5; 48]),
        Err(Error::EmergencyCooldown)
    );
    let reopened_at = expires_at + crate::EMERGENCY_COOLDOWN;
    set_now(reopened_at);
    ehr.open_emergency_access(patient, vec![5; 48]).unwrap();
    set_caller(accounts().eve);
    assert_eq!(
        ehr.end_emergency_access(patient, doctor),
        Err(Error::NotPermitted)
    );
    set_caller(patient);
    ehr.end_emergency_access(patient, doctor).unwrap();
    set_caller(doctor);
    assert_eq!(ehr.open_document(patient, 0), Err(Error::AccessDenied));
    assert_eq!(
        ehr.emergency_access(patient, doctor).unwrap().ended_at,
        Some(reopened_at)
    );
}

#[ink::test]
fn get_audit_trail_works() {
    let mut ehr = deploy_with_doctor_and_patient();
    let (doctor, patient) = (accounts().charlie, accounts().django);
    set_caller(patient);
    let id = ehr.book_appointment(doctor, NOW + DAY).unwrap();
    ehr.grant_access(doctor, false, NOW + DAY, vec![]).unwrap();
    ehr.upload_document(patient, vec![1], [1; 32], vec![], None)
        .unwrap();
    set_caller(doctor);
    ehr.open_document(patient, 0).unwrap();
    set_caller(patient);
    ehr.open_document(patient, 0).unwrap(); // the patient's own reads are not logged
    ehr.revoke_access(doctor).unwrap();
    let trail = ehr.get_audit_trail(patient, 0, 50).unwrap();
    let lines: Vec<(AccountId, AuditAction, AuditSubject)> = trail
        .items
        .iter()
        .map(|entry| (entry.actor, entry.action, entry.subject))
        .collect();
    assert_eq!(
        lines,
        vec![
            (
                patient,
                AuditAction::PatientRegistered,
                AuditSubject::Record
            ),
            (
                patient,
                AuditAction::AppointmentBooked,
                AuditSubject::Appointment(id)
            ),
            (
                patient,
                AuditAction::AccessGranted,
                AuditSubject::Account(doctor)
            ),
            (
                patient,
                AuditAction::DocumentUploaded,
                AuditSubject::Document(0)
            ),
            (
                doctor,
                AuditAction::DocumentOpened,
                AuditSubject::Document(0)
            ),
            (
                patient,
                AuditAction::AccessRevoked,
                AuditSubject::Account(doctor)
            ),
        ]
    );
    set_caller(doctor);
    assert_eq!(
        ehr.get_audit_trail(patient, 0, 50),
        Err(Error::NotPermitted)
    );
}

#[ink::test]
fn rotate_record_key_works() {
    // given a patient at epoch 0 with a doctor holding the epoch-0 key
    let mut ehr = deploy_with_doctor_and_patient();
    let (doctor, patient) = (accounts().charlie, accounts().django);
    set_caller(patient);
    ehr.grant_access(doctor, true, NOW + DAY, vec![1; 80])
        .unwrap();
    // when the patient rotates
    assert_eq!(ehr.rotate_record_key(), Ok(1));
    // then documents go under epoch 1, which the doctor must be given before writing
    assert_eq!(ehr.patient(patient).unwrap().key_epoch, 1);
    set_caller(doctor);
    assert_eq!(
        ehr.upload_document(patient, vec![1], [0; 32], vec![], None),
        Err(Error::RecordKeyNotShared)
    );
    set_caller(patient);
    ehr.share_record_key(doctor, 1, vec![2; 80]).unwrap();
    set_caller(doctor);
    ehr.upload_document(patient, vec![1], [0; 32], vec![], None)
        .unwrap();
    let trail = ehr.get_audit_trail(patient, 0, MAX_PAGE_SIZE);
    assert_eq!(trail, Err(Error::NotPermitted));
    set_caller(patient);
    let trail = ehr.get_audit_trail(patient, 0, MAX_PAGE_SIZE).unwrap();
    assert!(trail
        .items
        .iter()
        .any(|entry| entry.action == AuditAction::RecordKeyRotated));
}

#[ink::test]
fn rotate_record_key_by_a_non_patient_fails() {
    let mut ehr = deploy_with_doctor_and_patient();
    set_caller(accounts().eve);
    assert_eq!(ehr.rotate_record_key(), Err(Error::PatientNotRegistered));
}

fn custodian() -> crate::EmergencyCustodian {
    crate::EmergencyCustodian {
        account: accounts().frank,
        public_key: [7; 32],
    }
}

#[ink::test]
fn set_emergency_custodian_works() {
    let mut ehr = deploy();
    assert_eq!(
        ehr.emergency_custodian(),
        Err(Error::EmergencyCustodianNotSet)
    );
    set_caller(accounts().bob);
    assert_eq!(
        ehr.set_emergency_custodian(Some(custodian())),
        Err(Error::NotAdmin)
    );
    set_caller(accounts().alice);
    ehr.set_emergency_custodian(Some(custodian())).unwrap();
    assert_eq!(ehr.emergency_custodian(), Ok(custodian()));
    ehr.set_emergency_custodian(None).unwrap();
    assert_eq!(
        ehr.emergency_custodian(),
        Err(Error::EmergencyCustodianNotSet)
    );
}

#[ink::test]
fn deposit_emergency_key_works() {
    // given a custodian and a patient
    let mut ehr = deploy_with_doctor_and_patient();
    let patient = accounts().django;
    set_caller(patient);
    assert_eq!(
        ehr.deposit_emergency_key(0, vec![1; 80]),
        Err(Error::EmergencyCustodianNotSet)
    );
    set_caller(accounts().alice);
    ehr.set_emergency_custodian(Some(custodian())).unwrap();
    // when the patient deposits with bad arguments, then typed errors and nothing stored
    set_caller(patient);
    assert_eq!(
        ehr.deposit_emergency_key(1, vec![1; 80]),
        Err(Error::StaleKeyEpoch)
    );
    assert_eq!(
        ehr.deposit_emergency_key(0, vec![]),
        Err(Error::WrappedKeyTooLong)
    );
    assert_eq!(
        ehr.deposit_emergency_key(0, vec![1; 129]),
        Err(Error::WrappedKeyTooLong)
    );
    assert_eq!(
        ehr.emergency_key(patient),
        Err(Error::EmergencyKeyNotDeposited)
    );
    // when it deposits properly, then the deposit names the custodian and the epoch
    ehr.deposit_emergency_key(0, vec![1; 80]).unwrap();
    let deposit = ehr.emergency_key(patient).unwrap();
    assert_eq!(
        (deposit.custodian, deposit.key_epoch, deposit.sealed_key),
        (accounts().frank, 0, vec![1; 80])
    );
    // and a non-patient cannot deposit; the patient can withdraw once
    set_caller(accounts().eve);
    assert_eq!(
        ehr.deposit_emergency_key(0, vec![1; 80]),
        Err(Error::PatientNotRegistered)
    );
    set_caller(patient);
    ehr.withdraw_emergency_key().unwrap();
    assert_eq!(
        ehr.withdraw_emergency_key(),
        Err(Error::EmergencyKeyNotDeposited)
    );
}

#[ink::test]
fn release_emergency_key_works() {
    // given a patient who deposited its key, and a doctor with no grant
    let mut ehr = deploy_with_doctor_and_patient();
    let (doctor, patient, keeper) = (accounts().charlie, accounts().django, accounts().frank);
    set_caller(accounts().alice);
    ehr.set_emergency_custodian(Some(custodian())).unwrap();
    set_caller(patient);
    ehr.deposit_emergency_key(0, vec![1; 80]).unwrap();
    // when the custodian releases before the doctor breaks the glass, then it is refused
    set_caller(keeper);
    assert_eq!(
        ehr.release_emergency_key(patient, doctor, 0, vec![2; 80]),
        Err(Error::EmergencyAccessNotFound)
    );
    set_caller(doctor);
    ehr.open_emergency_access(patient, vec![4; 48]).unwrap();
    // and only the custodian, with the deposit's epoch and a sane key, may release
    assert_eq!(
        ehr.release_emergency_key(patient, doctor, 0, vec![2; 80]),
        Err(Error::NotEmergencyCustodian)
    );
    set_caller(keeper);
    assert_eq!(
        ehr.release_emergency_key(patient, doctor, 1, vec![2; 80]),
        Err(Error::StaleKeyEpoch)
    );
    assert_eq!(
        ehr.release_emergency_key(patient, doctor, 0, vec![]),
        Err(Error::WrappedKeyTooLong)
    );
    assert_eq!(
        ehr.release_emergency_key(accounts().eve, doctor, 0, vec![2; 80]),
        Err(Error::EmergencyKeyNotDeposited)
    );
    // when it does, then the key sits on the doctor's emergency access, logged
    ehr.release_emergency_key(patient, doctor, 0, vec![2; 80])
        .unwrap();
    set_caller(doctor);
    let access = ehr.emergency_access(patient, doctor).unwrap();
    assert_eq!(access.released_key, vec![2; 80]);
    assert_eq!(access.released_key_epoch, Some(0));
    set_caller(patient);
    let trail = ehr.get_audit_trail(patient, 0, MAX_PAGE_SIZE).unwrap();
    let released = trail
        .items
        .iter()
        .find(|entry| entry.action == AuditAction::EmergencyKeyReleased)
        .unwrap();
    assert_eq!(released.actor, keeper);
    assert_eq!(released.subject, AuditSubject::Account(doctor));
    // and a replaced custodian cannot release what was deposited with the former one
    set_caller(accounts().alice);
    ehr.set_emergency_custodian(Some(crate::EmergencyCustodian {
        account: accounts().eve,
        public_key: [8; 32],
    }))
    .unwrap();
    set_caller(accounts().eve);
    assert_eq!(
        ehr.release_emergency_key(patient, doctor, 0, vec![2; 80]),
        Err(Error::NotEmergencyCustodian)
    );
}

// ---------------------------------------------------------------- patient control

/// The admin appoints Frank as the break-glass key custodian.
fn appoint_custodian(ehr: &mut Ehr) -> AccountId {
    set_caller(accounts().alice);
    ehr.set_emergency_custodian(Some(custodian())).unwrap();
    custodian().account
}

#[ink::test]
fn verify_self_fails() {
    // given a verifier who registered as a doctor, and a verified doctor who is also a patient
    let mut ehr = deploy_with_doctor_and_patient();
    let (verifier, doctor) = (accounts().bob, accounts().charlie);
    register_doctor(&mut ehr, verifier, "Surgery");
    set_caller(doctor);
    ehr.register_patient([3; 32]).unwrap();
    // when either attests itself, then it is refused
    set_caller(verifier);
    assert_eq!(ehr.verify_doctor(verifier), Err(Error::CannotVerifySelf));
    set_caller(doctor);
    assert_eq!(ehr.verify_patient(doctor), Err(Error::CannotVerifySelf));
    assert_eq!(ehr.patient_verification(doctor).unwrap().verified_by, None);
}

#[ink::test]
fn withdraw_patient_verification_works() {
    // given a patient attested by the doctor
    let mut ehr = deploy_with_doctor_and_patient();
    let (verifier, doctor, patient) = (accounts().bob, accounts().charlie, accounts().django);
    set_caller(doctor);
    ehr.verify_patient(patient).unwrap();
    // when a stranger tries to withdraw it, then it is refused
    set_caller(accounts().eve);
    assert_eq!(
        ehr.withdraw_patient_verification(patient),
        Err(Error::NotPatientVerifier)
    );
    // when any verifier withdraws it, then the patient is unattested, once
    set_caller(verifier);
    ehr.withdraw_patient_verification(patient).unwrap();
    assert_eq!(ehr.patient_verification(patient).unwrap().verified_by, None);
    assert_eq!(
        ehr.withdraw_patient_verification(patient),
        Err(Error::PatientNotVerified)
    );
    // and the attester may withdraw its own attestation
    set_caller(doctor);
    ehr.verify_patient(patient).unwrap();
    ehr.withdraw_patient_verification(patient).unwrap();
}

#[ink::test]
fn revoked_doctor_break_glass_fails() {
    // given a doctor the patient granted and then revoked
    let mut ehr = deploy_with_doctor_and_patient();
    let (doctor, patient) = (accounts().charlie, accounts().django);
    set_caller(patient);
    ehr.grant_access(doctor, false, NOW + DAY, vec![1; 80])
        .unwrap();
    ehr.revoke_access(doctor).unwrap();
    // when the doctor breaks the glass, then it is refused
    set_caller(doctor);
    assert_eq!(
        ehr.open_emergency_access(patient, vec![1; 48]),
        Err(Error::EmergencyAccessRefused)
    );
    // until the patient lifts the refusal
    set_caller(patient);
    assert_eq!(ehr.emergency_refusal(patient, doctor).unwrap(), Some(NOW));
    ehr.allow_emergency_access(doctor).unwrap();
    assert_eq!(
        ehr.allow_emergency_access(doctor),
        Err(Error::EmergencyAccessNotRefused)
    );
    set_caller(doctor);
    ehr.open_emergency_access(patient, vec![1; 48]).unwrap();
}

#[ink::test]
fn emergency_daily_limit_fails() {
    // given six patients
    let mut ehr = deploy_with_doctor_and_patient();
    let doctor = accounts().charlie;
    let patients: Vec<AccountId> = (100..106u8)
        .map(|seed| AccountId::from([seed; 32]))
        .collect();
    for patient in &patients {
        set_caller(*patient);
        ehr.register_patient([seed_of(patient); 32]).unwrap();
    }
    // when the doctor breaks the glass on each the same day, then the sixth is refused
    set_caller(doctor);
    for patient in &patients[..5] {
        ehr.open_emergency_access(*patient, vec![1; 48]).unwrap();
    }
    assert_eq!(
        ehr.open_emergency_access(patients[5], vec![1; 48]),
        Err(Error::EmergencyDailyLimit)
    );
    // and works the next UTC day
    set_now((NOW / crate::MS_PER_DAY + 1) * crate::MS_PER_DAY);
    ehr.open_emergency_access(patients[5], vec![1; 48]).unwrap();
}

fn seed_of(account: &AccountId) -> u8 {
    AsRef::<[u8; 32]>::as_ref(account)[0]
}

#[ink::test]
fn upload_after_grant_expiry_requires_rotation() {
    // given a grant to the doctor that expires in a day
    let mut ehr = deploy_with_doctor_and_patient();
    let (doctor, patient) = (accounts().charlie, accounts().django);
    set_caller(patient);
    ehr.grant_access(doctor, false, NOW + DAY, vec![1; 80])
        .unwrap();
    ehr.upload_document(patient, vec![1], [0; 32], vec![], None)
        .unwrap();
    // when it has expired, then nothing more is added or shared under the epoch
    set_now(NOW + DAY);
    assert_eq!(ehr.rotation_required(patient), Ok(true));
    assert_eq!(
        ehr.upload_document(patient, vec![1], [0; 32], vec![], None),
        Err(Error::RotationRequired)
    );
    assert_eq!(
        ehr.deposit_emergency_key(0, vec![1; 80]),
        Err(Error::EmergencyCustodianNotSet)
    );
    // until the patient rotates
    assert_eq!(ehr.rotate_record_key(), Ok(1));
    assert_eq!(ehr.rotation_required(patient), Ok(false));
    ehr.upload_document(patient, vec![1], [0; 32], vec![], None)
        .unwrap();
}

#[ink::test]
fn suspension_of_a_key_holder_requires_rotation() {
    // given a doctor holding the current key with a write grant
    let mut ehr = deploy_with_doctor_and_patient();
    let (verifier, doctor, patient) = (accounts().bob, accounts().charlie, accounts().django);
    set_caller(patient);
    ehr.grant_access(doctor, true, NOW + 30 * DAY, vec![1; 80])
        .unwrap();
    // when the doctor is suspended
    set_caller(verifier);
    ehr.suspend_doctor(doctor).unwrap();
    // then the patient must rotate, and cannot share the new key with the suspended doctor
    set_caller(patient);
    assert_eq!(
        ehr.upload_document(patient, vec![1], [0; 32], vec![], None),
        Err(Error::RotationRequired)
    );
    ehr.rotate_record_key().unwrap();
    assert_eq!(
        ehr.share_record_key(doctor, 1, vec![1; 80]),
        Err(Error::DoctorSuspended)
    );
    ehr.upload_document(patient, vec![1], [0; 32], vec![], None)
        .unwrap();
}

#[ink::test]
fn doctor_replacing_its_key_requires_rotation() {
    // given a doctor holding the current key
    let mut ehr = deploy_with_doctor_and_patient();
    let (doctor, patient) = (accounts().charlie, accounts().django);
    set_caller(patient);
    ehr.grant_access(doctor, false, NOW + 30 * DAY, vec![1; 80])
        .unwrap();
    // when the doctor replaces its public key
    set_caller(doctor);
    ehr.replace_public_key([7; 32]).unwrap();
    assert_eq!(ehr.doctor(doctor).unwrap().public_key, [7; 32]);
    // then the patient rotates and re-shares, sealed to the new key
    set_caller(patient);
    assert_eq!(ehr.rotation_required(patient), Ok(true));
    ehr.rotate_record_key().unwrap();
    ehr.share_record_key(doctor, 1, vec![2; 80]).unwrap();
    ehr.upload_document(patient, vec![1], [0; 32], vec![], None)
        .unwrap();
    // and a stranger has no key to replace
    set_caller(accounts().eve);
    assert_eq!(ehr.replace_public_key([1; 32]), Err(Error::NotRegistered));
}

#[ink::test]
fn release_to_a_suspended_doctor_fails() {
    // given a deposit and a doctor whose emergency access is open
    let mut ehr = deploy_with_doctor_and_patient();
    let (verifier, doctor, patient) = (accounts().bob, accounts().charlie, accounts().django);
    let keeper = appoint_custodian(&mut ehr);
    set_caller(patient);
    ehr.deposit_emergency_key(0, vec![1; 80]).unwrap();
    set_caller(doctor);
    ehr.open_emergency_access(patient, vec![1; 48]).unwrap();
    // when the doctor is suspended, then the custodian cannot release
    set_caller(verifier);
    ehr.suspend_doctor(doctor).unwrap();
    set_caller(keeper);
    assert_eq!(
        ehr.release_emergency_key(patient, doctor, 0, vec![2; 80]),
        Err(Error::DoctorSuspended)
    );
}

#[ink::test]
fn ended_emergency_with_released_key_requires_rotation() {
    // given a key released on an open emergency access
    let mut ehr = deploy_with_doctor_and_patient();
    let (doctor, patient) = (accounts().charlie, accounts().django);
    let keeper = appoint_custodian(&mut ehr);
    set_caller(patient);
    ehr.deposit_emergency_key(0, vec![1; 80]).unwrap();
    set_caller(doctor);
    ehr.open_emergency_access(patient, vec![1; 48]).unwrap();
    set_caller(keeper);
    ehr.release_emergency_key(patient, doctor, 0, vec![2; 80])
        .unwrap();
    // while it is open, the patient still adds documents
    set_caller(patient);
    ehr.upload_document(patient, vec![1], [0; 32], vec![], None)
        .unwrap();
    // when it ends, then the epoch is closed until the patient rotates
    ehr.end_emergency_access(patient, doctor).unwrap();
    assert_eq!(
        ehr.upload_document(patient, vec![1], [0; 32], vec![], None),
        Err(Error::RotationRequired)
    );
    assert_eq!(
        ehr.deposit_emergency_key(0, vec![1; 80]),
        Err(Error::RotationRequired)
    );
    ehr.rotate_record_key().unwrap();
    ehr.deposit_emergency_key(1, vec![1; 80]).unwrap();
}

#[ink::test]
fn book_beyond_the_patient_bound_fails() {
    // given a doctor with a long window and a patient with 8 upcoming appointments
    let mut ehr = deploy_with_doctor_and_patient();
    let (doctor, patient) = (accounts().charlie, accounts().django);
    set_caller(doctor);
    ehr.publish_availability(NOW + 2 * DAY, NOW + 2 * DAY + 20 * SLOT)
        .unwrap();
    set_caller(patient);
    let bound = crate::MAX_UPCOMING_APPOINTMENTS_PER_PATIENT as u64;
    let ids: Vec<_> = (0..bound)
        .map(|i| {
            ehr.book_appointment(doctor, NOW + 2 * DAY + i * SLOT)
                .unwrap()
        })
        .collect();
    // when it books one more, then it is refused
    let next = NOW + 2 * DAY + bound * SLOT;
    assert_eq!(
        ehr.book_appointment(doctor, next),
        Err(Error::TooManyUpcomingAppointments)
    );
    // (a booked slot too: the bounds come before the slot's booking)
    assert_eq!(
        ehr.book_appointment(doctor, NOW + 2 * DAY),
        Err(Error::TooManyUpcomingAppointments)
    );
    // and a cancellation frees a place
    ehr.cancel_appointment(ids[0]).unwrap();
    ehr.book_appointment(doctor, next).unwrap();
    // and started appointments stop counting
    set_now(NOW + 2 * DAY + SLOT);
    ehr.book_appointment(doctor, next + SLOT).unwrap();
}

#[ink::test]
fn rotate_past_the_last_epoch_fails() {
    // given a patient at the last record-key epoch, holding a grant
    let mut ehr = deploy_with_doctor_and_patient();
    let (doctor, patient) = (accounts().charlie, accounts().django);
    set_caller(patient);
    ehr.grant_access(doctor, false, NOW + DAY, vec![1; 80])
        .unwrap();
    for _ in 0..crate::MAX_KEY_EPOCH {
        ehr.rotate_record_key().unwrap();
    }
    assert_eq!(
        ehr.patient(patient).unwrap().key_epoch,
        crate::MAX_KEY_EPOCH
    );
    // when it rotates again, then it is refused and the epoch stays
    assert_eq!(ehr.rotate_record_key(), Err(Error::KeyEpochsExhausted));
    // and a revocation still takes effect, closing the epoch for good
    ehr.revoke_access(doctor).unwrap();
    assert_eq!(
        ehr.patient(patient).unwrap().key_epoch,
        crate::MAX_KEY_EPOCH
    );
    assert_eq!(
        ehr.upload_document(patient, vec![1], [0; 32], vec![], None),
        Err(Error::RotationRequired)
    );
}

#[ink::test]
fn pending_doctor_replacing_its_key_closes_nothing() {
    // given a patient who shared its key with the verified doctor, and a pending doctor
    let mut ehr = deploy_with_doctor_and_patient();
    let (doctor, patient, pending) = (accounts().charlie, accounts().django, accounts().eve);
    set_caller(patient);
    ehr.grant_access(doctor, false, NOW + 30 * DAY, vec![1; 80])
        .unwrap();
    register_doctor(&mut ehr, pending, "Surgery");
    // when the pending doctor replaces its key again and again
    for key in 0..3 {
        ehr.replace_public_key([key; 32]).unwrap();
    }
    // then the patient's epoch stays open: it never held the key
    set_caller(patient);
    assert_eq!(ehr.rotation_required(patient), Ok(false));
    ehr.upload_document(patient, vec![1], [0; 32], vec![], None)
        .unwrap();
}
