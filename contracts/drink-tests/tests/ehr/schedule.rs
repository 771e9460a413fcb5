//! Availability and appointments on the compiled contract, with the sandbox clock.

use crate::fixture::*;
use drink::session::Session;
use ehr::{Appointment, AppointmentStatus, Error, Page};
use Role::*;

fn is_available(session: &mut EhrSession, start: u64) -> bool {
    call(
        session,
        &Stranger.account(),
        "check_doctor_availability",
        &[id(&Doctor.account()), start.to_string()],
    )
    .expect("the availability check never fails")
}

fn book(session: &mut EhrSession, start: u64) -> Result<u64, Error> {
    call(
        session,
        &Patient.account(),
        "book_appointment",
        &[id(&Doctor.account()), start.to_string()],
    )
}

#[drink::test]
fn book_appointment_works(mut session: Session) {
    // given a verified doctor's window [NOW + DAY, + 8 slots)
    deploy_with_doctor_and_patient(&mut session);
    let slot = NOW + DAY + 3 * SLOT;
    assert!(is_available(&mut session, slot));
    // when the patient books
    let id_ = book(&mut session, slot).unwrap();
    // then the slot is taken and listed for both sides
    assert!(!is_available(&mut session, slot));
    let patient = Patient.account();
    let page: Page<Appointment> = call(
        &mut session,
        &patient,
        "get_all_appointments",
        &[id(&patient), "0".into(), "10".into()],
    )
    .unwrap();
    assert_eq!(page.total, 1);
    let appointment = &page.items[0];
    assert_eq!(appointment.id, id_);
    assert_eq!((appointment.start, appointment.end), (slot, slot + SLOT));
    assert_eq!(appointment.status, AppointmentStatus::Booked);
    assert_eq!(appointment.doctor, ink_id(&Doctor.account()));
    let doctor = Doctor.account();
    let for_doctor: Appointment =
        call(&mut session, &doctor, "appointment", &[id_.to_string()]).unwrap();
    assert_eq!(&for_doctor, appointment);
    assert_eq!(
        call::<Appointment>(
            &mut session,
            &Stranger.account(),
            "appointment",
            &[id_.to_string()]
        ),
        Err(Error::NotPermitted)
    );
}

#[drink::test]
fn double_booking_fails(mut session: Session) {
    deploy_with_doctor_and_patient(&mut session);
    let slot = NOW + DAY;
    book(&mut session, slot).unwrap();
    // a second patient tries the same slot
    let other = account(12);
    call::<()>(&mut session, &other, "register_patient", &[bytes(&[1; 32])]).unwrap();
    let before = state_root(&mut session);
    let second: Result<u64, Error> = call(
        &mut session,
        &other,
        "book_appointment",
        &[id(&Doctor.account()), slot.to_string()],
    );
    assert_eq!(second, Err(Error::SlotAlreadyBooked));
    assert_eq!(book(&mut session, slot), Err(Error::SlotAlreadyBooked));
    assert_eq!(state_root(&mut session), before);
}

#[drink::test]
fn booking_outside_window_or_misaligned_fails(mut session: Session) {
    deploy_with_doctor_and_patient(&mut session);
    let cases = [
        (NOW + DAY - SLOT, Error::SlotOutsideAvailability),
        (NOW + DAY + 8 * SLOT, Error::SlotOutsideAvailability),
        (NOW + 2 * DAY, Error::SlotOutsideAvailability),
        (NOW + DAY + 1, Error::SlotNotAligned),
        (NOW + DAY + SLOT / 2, Error::SlotNotAligned),
    ];
    for (start, error) in cases {
        assert!(!is_available(&mut session, start), "{start}");
        assert_eq!(book(&mut session, start), Err(error), "{start}");
    }
    // the last slot of the window is bookable
    assert!(is_available(&mut session, NOW + DAY + 7 * SLOT));
}

#[drink::test]
fn booking_in_the_past_fails(mut session: Session) {
    deploy_with_doctor_and_patient(&mut session);
    let slot = NOW + DAY + 2 * SLOT;
    assert!(is_available(&mut session, slot));
    // when the sandbox clock reaches the slot
    set_time(&mut session, slot);
    // then it is no longer available
    assert!(!is_available(&mut session, slot));
    assert_eq!(book(&mut session, slot), Err(Error::SlotInPast));
    // while a later slot still is
    assert!(is_available(&mut session, slot + SLOT));
}

#[drink::test]
fn cancel_appointment_frees_the_slot(mut session: Session) {
    deploy_with_doctor_and_patient(&mut session);
    let slot = NOW + DAY;
    let first = book(&mut session, slot).unwrap();
    // when the patient cancels
    call::<()>(
        &mut session,
        &Patient.account(),
        "cancel_appointment",
        &[first.to_string()],
    )
    .unwrap();
    // then the slot is free and can be booked again
    assert!(is_available(&mut session, slot));
    let second = book(&mut session, slot).unwrap();
    assert_ne!(first, second);
    // and a cancelled appointment cannot move again
    assert_eq!(
        call::<()>(
            &mut session,
            &Patient.account(),
            "cancel_appointment",
            &[first.to_string()]
        ),
        Err(Error::AppointmentNotBooked)
    );
}

#[drink::test]
fn appointment_lifecycle_follows_the_clock(mut session: Session) {
    deploy_with_doctor_and_patient(&mut session);
    let doctor = Doctor.account();
    let patient = Patient.account();
    let fulfilled = book(&mut session, NOW + DAY).unwrap();
    let missed = book(&mut session, NOW + DAY + SLOT).unwrap();
    assert_eq!(
        call::<()>(
            &mut session,
            &doctor,
            "complete_appointment",
            &[fulfilled.to_string()]
        ),
        Err(Error::AppointmentNotStarted)
    );
    // when both slots have started
    set_time(&mut session, NOW + DAY + SLOT);
    // then neither side can cancel, and only the doctor can close them
    assert_eq!(
        call::<()>(
            &mut session,
            &patient,
            "cancel_appointment",
            &[fulfilled.to_string()]
        ),
        Err(Error::AppointmentStarted)
    );
    assert_eq!(
        call::<()>(
            &mut session,
            &patient,
            "complete_appointment",
            &[fulfilled.to_string()]
        ),
        Err(Error::NotAppointmentParticipant)
    );
    call::<()>(
        &mut session,
        &doctor,
        "complete_appointment",
        &[fulfilled.to_string()],
    )
    .unwrap();
    call::<()>(&mut session, &doctor, "mark_no_show", &[missed.to_string()]).unwrap();
    assert_eq!(
        call::<()>(
            &mut session,
            &doctor,
            "mark_no_show",
            &[fulfilled.to_string()]
        ),
        Err(Error::AppointmentNotBooked)
    );
    let page: Page<Appointment> = call(
        &mut session,
        &doctor,
        "get_all_appointments",
        &[id(&doctor), "0".into(), "10".into()],
    )
    .unwrap();
    let statuses: Vec<AppointmentStatus> = page.items.iter().map(|a| a.status).collect();
    assert_eq!(
        statuses,
        vec![AppointmentStatus::Fulfilled, AppointmentStatus::NoShow]
    );
}

#[drink::test]
fn suspended_doctor_is_not_bookable(mut session: Session) {
    deploy_with_doctor_and_patient(&mut session);
    let slot = NOW + DAY;
    call::<()>(
        &mut session,
        &Verifier.account(),
        "suspend_doctor",
        &[id(&Doctor.account())],
    )
    .unwrap();
    assert!(!is_available(&mut session, slot));
    assert_eq!(book(&mut session, slot), Err(Error::DoctorSuspended));
    // verified again, the doctor is bookable again
    call::<()>(
        &mut session,
        &Verifier.account(),
        "verify_doctor",
        &[id(&Doctor.account())],
    )
    .unwrap();
    assert!(is_available(&mut session, slot));
}

#[drink::test]
fn withdrawn_window_is_not_bookable(mut session: Session) {
    deploy_with_doctor_and_patient(&mut session);
    let slot = NOW + DAY + SLOT;
    let booked = book(&mut session, slot).unwrap();
    call::<()>(
        &mut session,
        &Doctor.account(),
        "withdraw_availability",
        &[(NOW + DAY).to_string()],
    )
    .unwrap();
    assert!(!is_available(&mut session, NOW + DAY + 2 * SLOT));
    assert_eq!(
        book(&mut session, NOW + DAY + 2 * SLOT),
        Err(Error::SlotOutsideAvailability)
    );
    // the appointment booked before the withdrawal stands
    let appointment: Appointment = call(
        &mut session,
        &Patient.account(),
        "appointment",
        &[booked.to_string()],
    )
    .unwrap();
    assert_eq!(appointment.status, AppointmentStatus::Booked);
}

#[drink::test]
fn publish_availability_with_bad_window_fails(mut session: Session) {
    deploy_with_doctor_and_patient(&mut session);
    let doctor = Doctor.account();
    let publish = |session: &mut EhrSession, start: u64, end: u64| -> Result<(), Error> {
        call(
            session,
            &doctor,
            "publish_availability",
            &[start.to_string(), end.to_string()],
        )
    };
    let day3 = NOW + 3 * DAY;
    assert_eq!(publish(&mut session, day3, day3), Err(Error::InvalidWindow));
    assert_eq!(
        publish(&mut session, day3 + 60_000, day3 + SLOT),
        Err(Error::WindowNotAligned)
    );
    assert_eq!(
        publish(&mut session, NOW - DAY, NOW),
        Err(Error::WindowInPast)
    );
    assert_eq!(
        publish(&mut session, NOW + DAY + 7 * SLOT, NOW + DAY + 9 * SLOT),
        Err(Error::WindowOverlaps)
    );
    for day in 2..17 {
        publish(&mut session, NOW + day * DAY, NOW + day * DAY + SLOT).unwrap();
    }
    assert_eq!(
        publish(&mut session, NOW + 20 * DAY, NOW + 20 * DAY + SLOT),
        Err(Error::TooManyWindows)
    );
}
