//! The `ehr-client` API against a real node that each test starts on a free port: every
//! message at least once, typed errors for refused calls, decoded events, and a pipelined
//! batch from one signer.

use ehr::{AppointmentStatus, AuditAction, DocumentStatus, Error};
use ehr_client::{
    dev_signer, events::EhrEvent, messages, ClientError, ContractBundle, EhrClient, Options,
};
use ehr_e2e::{contract_bundle, now_ms, registered_patients, TestNode};
use std::time::{Duration, Instant};

const MINUTE: u64 = 60_000;
const SLOT: u64 = 30 * MINUTE;
const DAY: u64 = 24 * 60 * MINUTE;

/// The start of the first slot boundary at least a day ahead.
fn tomorrow() -> u64 {
    (now_ms() / DAY + 1) * DAY + 18 * SLOT
}

/// Alice deploys; clients for Bob (verifier), Charlie (doctor), Dave (patient), Eve (doctor).
struct Cast {
    alice: EhrClient,
    bob: EhrClient,
    charlie: EhrClient,
    dave: EhrClient,
    eve: EhrClient,
}

async fn deploy(node: &TestNode) -> Cast {
    let mut alice = EhrClient::connect(&node.url(), dev_signer("//Alice").unwrap())
        .await
        .expect("connecting works");
    let deployment = alice
        .deploy_bundle(contract_bundle())
        .await
        .expect("deploying works");
    assert!(deployment.uploaded_code);
    let with = |suri: &str| alice.with_signer(dev_signer(suri).unwrap());
    Cast {
        bob: with("//Bob"),
        charlie: with("//Charlie"),
        dave: with("//Dave"),
        eve: with("//Eve"),
        alice,
    }
}

/// Bob verifies Charlie (30-minute slots, a window of `slots` from `start`); Dave is a patient.
async fn doctor_and_patient(cast: &Cast, start: u64, slots: u64) {
    cast.alice
        .add_verifier(cast.bob.account_id())
        .await
        .unwrap();
    cast.charlie
        .register_doctor(
            "Dr. Charlie".into(),
            "Cardiology".into(),
            [1; 32],
            [2; 32],
            30,
        )
        .await
        .unwrap();
    cast.bob
        .verify_doctor(cast.charlie.account_id())
        .await
        .unwrap();
    cast.charlie
        .publish_availability(start, start + slots * SLOT)
        .await
        .unwrap();
    cast.dave.register_patient([3; 32]).await.unwrap();
}

#[tokio::test]
async fn every_message_works() {
    let node = TestNode::start();
    let cast = deploy(&node).await;
    let Cast {
        alice,
        bob,
        charlie,
        dave,
        eve,
    } = &cast;
    let (bob_id, charlie_id, dave_id, eve_id) = (
        bob.account_id(),
        charlie.account_id(),
        dave.account_id(),
        eve.account_id(),
    );
    let start = tomorrow();

    // roles
    assert_eq!(alice.admin().await.unwrap(), alice.account_id());
    let added = alice.add_verifier(bob_id).await.unwrap();
    assert!(
        matches!(&added.events[..], [EhrEvent::VerifierAdded(event)] if event.verifier == bob_id)
    );
    alice.add_verifier(eve_id).await.unwrap();
    assert!(alice.is_verifier(eve_id).await.unwrap());
    assert_eq!(alice.verifier_count().await.unwrap(), 2);
    alice.remove_verifier(eve_id).await.unwrap();
    assert!(!alice.is_verifier(eve_id).await.unwrap());

    // doctors
    charlie
        .register_doctor(
            "Dr. Charlie".into(),
            "Cardiology".into(),
            [1; 32],
            [2; 32],
            30,
        )
        .await
        .unwrap();
    eve.register_doctor("Dr. Eve".into(), "Dermatology".into(), [4; 32], [5; 32], 20)
        .await
        .unwrap();
    bob.verify_doctor(charlie_id).await.unwrap();
    bob.verify_doctor(eve_id).await.unwrap();
    bob.suspend_doctor(eve_id).await.unwrap();
    assert_eq!(
        charlie.doctor(charlie_id).await.unwrap().display_name,
        "Dr. Charlie"
    );
    assert_eq!(alice.doctor_count().await.unwrap(), 2);
    assert_eq!(alice.verified_doctor_count().await.unwrap(), 1);
    let cardiologists = alice
        .get_all_doctors(Some("cardiology".into()), 0, 20)
        .await
        .unwrap();
    assert_eq!(cardiologists.total, 1);
    assert_eq!(cardiologists.items[0].0, charlie_id);
    let registered = alice.get_registered_doctors(0, 20).await.unwrap();
    assert_eq!(registered.total, 2);

    // patients
    dave.register_patient([3; 32]).await.unwrap();
    charlie.verify_patient(dave_id).await.unwrap();
    assert_eq!(
        alice.patient(dave_id).await.unwrap().verified_by,
        Some(charlie_id)
    );
    let verification = alice.patient_verification(dave_id).await.unwrap();
    assert!(verification.registered);
    assert_eq!(alice.patient_count().await.unwrap(), 1);

    // schedule
    charlie
        .publish_availability(start, start + 4 * SLOT)
        .await
        .unwrap();
    charlie
        .publish_availability(start + DAY, start + DAY + 2 * SLOT)
        .await
        .unwrap();
    charlie.withdraw_availability(start + DAY).await.unwrap();
    assert_eq!(alice.get_availability(charlie_id).await.unwrap().len(), 1);
    assert!(dave
        .check_doctor_availability(charlie_id, start)
        .await
        .unwrap());
    let first = dave.book_appointment(charlie_id, start).await.unwrap();
    let second = dave
        .book_appointment(charlie_id, start + SLOT)
        .await
        .unwrap();
    assert_eq!((first.value, second.value), (0, 1));
    dave.cancel_appointment(second.value).await.unwrap();
    assert_eq!(
        dave.appointment(second.value).await.unwrap().status,
        AppointmentStatus::Cancelled
    );
    // Fulfilment and no-show need the start to have passed; the node follows the wall clock.
    assert!(matches!(
        charlie.complete_appointment(first.value).await,
        Err(ClientError::Contract(Error::AppointmentNotStarted))
    ));
    assert!(matches!(
        charlie.mark_no_show(first.value).await,
        Err(ClientError::Contract(Error::AppointmentNotStarted))
    ));
    let mine = dave.get_all_appointments(dave_id, 0, 20).await.unwrap();
    assert_eq!(mine.total, 2);

    // consent and documents
    dave.grant_access(charlie_id, true, start + DAY, vec![6; 48])
        .await
        .unwrap();
    assert!(dave.grant(dave_id, charlie_id).await.unwrap().write);
    assert_eq!(dave.get_grants(dave_id, 0, 20).await.unwrap().total, 1);
    let uploaded = charlie
        .upload_document(dave_id, vec![0xc1; 60], [0xa5; 32], vec![7; 72], None)
        .await
        .unwrap();
    let replacement = dave
        .upload_document(
            dave_id,
            vec![0xc2; 60],
            [0xa6; 32],
            vec![8; 72],
            Some(uploaded.value),
        )
        .await
        .unwrap();
    let opened = charlie
        .open_document(dave_id, replacement.value)
        .await
        .unwrap();
    assert_eq!(opened.value.supersedes, Some(uploaded.value));
    assert!(
        matches!(&opened.events[..], [EhrEvent::DocumentOpened(event)] if event.reader == charlie_id)
    );
    dave.mark_document_entered_in_error(dave_id, replacement.value)
        .await
        .unwrap();
    let documents = charlie.get_all_documents(dave_id, 0, 20).await.unwrap();
    assert_eq!(
        documents
            .items
            .iter()
            .map(|document| document.status)
            .collect::<Vec<_>>(),
        [DocumentStatus::Superseded, DocumentStatus::EnteredInError]
    );
    dave.revoke_access(charlie_id).await.unwrap();
    // the revocation moved Dave's record key to epoch 1; a new grant carries it, and
    // share_record_key re-seals it
    assert_eq!(dave.patient(dave_id).await.unwrap().key_epoch, 1);
    dave.grant_access(charlie_id, false, start + DAY, vec![6; 80])
        .await
        .unwrap();
    dave.share_record_key(charlie_id, 1, vec![5; 80])
        .await
        .unwrap();
    let grant = dave.grant(dave_id, charlie_id).await.unwrap();
    assert_eq!((grant.key_epoch, grant.wrapped_key), (1, vec![5; 80]));

    // emergency access: the revocation refused Charlie break-glass access until Dave lifts it
    assert!(matches!(
        charlie.open_emergency_access(dave_id, vec![9; 256]).await,
        Err(ClientError::Contract(ehr::Error::EmergencyAccessRefused))
    ));
    dave.allow_emergency_access(charlie_id).await.unwrap();
    let opened = charlie
        .open_emergency_access(dave_id, vec![9; 256])
        .await
        .unwrap();
    assert!(opened.value > now_ms());
    assert_eq!(
        dave.emergency_access(dave_id, charlie_id)
            .await
            .unwrap()
            .expires_at,
        opened.value
    );
    dave.end_emergency_access(dave_id, charlie_id)
        .await
        .unwrap();

    // audit
    let trail = dave.get_audit_trail(dave_id, 0, 20).await.unwrap();
    let actions: Vec<AuditAction> = trail.items.iter().map(|entry| entry.action).collect();
    assert_eq!(
        actions,
        [
            AuditAction::PatientRegistered,
            AuditAction::PatientVerified,
            AuditAction::AppointmentBooked,
            AuditAction::AppointmentBooked,
            AuditAction::AppointmentCancelled,
            AuditAction::AccessGranted,
            AuditAction::DocumentUploaded,
            AuditAction::DocumentUploaded,
            AuditAction::DocumentOpened,
            AuditAction::DocumentEnteredInError,
            AuditAction::AccessRevoked,
            AuditAction::AccessGranted,
            AuditAction::RecordKeyShared,
            AuditAction::EmergencyAccessAllowed,
            AuditAction::EmergencyAccessOpened,
            AuditAction::EmergencyAccessEnded,
        ]
    );

    // admin hand-over, last
    alice.transfer_admin(bob_id).await.unwrap();
    bob.accept_admin().await.unwrap();
    assert_eq!(alice.admin().await.unwrap(), bob_id);
}

#[tokio::test]
async fn refused_calls_return_typed_errors_and_submit_nothing() {
    let node = TestNode::start();
    let cast = deploy(&node).await;
    let start = tomorrow();
    doctor_and_patient(&cast, start, 4).await;
    let (charlie_id, dave_id) = (cast.charlie.account_id(), cast.dave.account_id());
    cast.dave.book_appointment(charlie_id, start).await.unwrap();
    let nonce_before = cast
        .dave
        .api()
        .tx()
        .account_nonce(&cast.dave.chain_account_id())
        .await
        .unwrap();

    // when: refused calls of several kinds
    let refusals = [
        (
            cast.dave.book_appointment(charlie_id, start).await.err(),
            Error::SlotAlreadyBooked,
        ),
        (
            cast.dave
                .book_appointment(charlie_id, start + 1)
                .await
                .err(),
            Error::SlotNotAligned,
        ),
        (cast.dave.add_verifier(dave_id).await.err(), Error::NotAdmin),
        (
            cast.eve.verify_doctor(charlie_id).await.err(),
            Error::NotVerifier,
        ),
        (
            cast.charlie.get_all_documents(dave_id, 0, 20).await.err(),
            Error::AccessDenied,
        ),
        (
            cast.dave.register_patient([3; 32]).await.err(),
            Error::PatientAlreadyRegistered,
        ),
    ];

    // then: each is the contract's typed error, and nothing was submitted
    for (refusal, expected) in refusals {
        match refusal {
            Some(ClientError::Contract(error)) => assert_eq!(error, expected),
            other => panic!("expected {expected:?}, got {other:?}"),
        }
    }
    let nonce_after = cast
        .dave
        .api()
        .tx()
        .account_nonce(&cast.dave.chain_account_id())
        .await
        .unwrap();
    assert_eq!(nonce_before, nonce_after);
    let message = format!(
        "{}",
        cast.dave
            .book_appointment(charlie_id, start)
            .await
            .unwrap_err()
    );
    assert_eq!(
        message,
        "the contract refused: the slot is booked already (SlotAlreadyBooked)"
    );
}

#[tokio::test]
async fn bad_input_and_lost_connections_are_errors_not_panics() {
    let mut node = TestNode::start();
    let cast = deploy(&node).await;

    // a bundle whose code does not match its hash
    let bundle = std::fs::read_to_string(contract_bundle()).unwrap();
    let tampered = bundle.replacen("\"wasm\":\"0x0061736d", "\"wasm\":\"0x0061736e", 1);
    assert_ne!(bundle, tampered, "the bundle has the expected layout");
    assert!(matches!(
        ContractBundle::parse(&tampered),
        Err(ClientError::InvalidInput(_))
    ));
    // a client with no contract
    let detached = EhrClient::connect(&node.url(), dev_signer("//Ferdie").unwrap())
        .await
        .unwrap();
    assert!(matches!(
        detached.admin().await,
        Err(ClientError::NoContract)
    ));
    // a malformed secret URI
    assert!(matches!(
        dev_signer("not a // valid ///uri"),
        Err(ClientError::InvalidInput(_))
    ));

    // the node goes away, and does not come back within the client's reconnection time
    let mut alice = EhrClient::connect_with(
        &node.url(),
        dev_signer("//Alice").unwrap(),
        Options {
            timeout: Duration::from_secs(5),
            reconnect_for: Duration::from_secs(2),
            ..Options::default()
        },
    )
    .await
    .unwrap()
    .attach(cast.alice.contract().unwrap().clone());
    node.stop();
    let lost = alice.admin().await;
    assert!(
        matches!(
            lost,
            Err(ClientError::Transport(_) | ClientError::Timeout { .. })
        ),
        "{lost:?}"
    );
    let gone = alice.deploy_bundle(contract_bundle()).await;
    assert!(gone.is_err());
    let unreachable = EhrClient::connect_with(
        &node.url(),
        dev_signer("//Alice").unwrap(),
        Options {
            timeout: Duration::from_secs(5),
            ..Options::default()
        },
    )
    .await;
    assert!(matches!(
        unreachable,
        Err(ClientError::Transport(_) | ClientError::Timeout { .. })
    ));
}

#[tokio::test]
async fn pipelined_batch_books_every_slot_exactly_once() {
    // given: a window of 209 slots and 25 patients; each pipelines its 8 bookings (the most
    // upcoming appointments a patient may hold), all at once; Dave books 8 more one at a time
    const PATIENTS: usize = 25;
    const PER_PATIENT: u64 = ehr::MAX_UPCOMING_APPOINTMENTS_PER_PATIENT as u64;
    const BATCH: u64 = PATIENTS as u64 * PER_PATIENT;
    const ONE_BY_ONE: u64 = PER_PATIENT;
    let node = TestNode::start();
    let cast = deploy(&node).await;
    let start = tomorrow();
    doctor_and_patient(&cast, start, BATCH + ONE_BY_ONE + 1).await;
    let charlie_id = cast.charlie.account_id();
    let patients = registered_patients(&cast.alice, PATIENTS).await;

    // when
    let batch_started = Instant::now();
    let results: Vec<_> =
        futures::future::join_all(patients.iter().enumerate().map(|(index, patient)| {
            let bookings: Vec<_> = (0..PER_PATIENT)
                .map(|i| {
                    let slot = index as u64 * PER_PATIENT + i;
                    messages::book_appointment(charlie_id, start + slot * SLOT)
                })
                .collect();
            patient.submit_many(bookings, PER_PATIENT as usize)
        }))
        .await
        .into_iter()
        .flatten()
        .collect();
    let batch_elapsed = batch_started.elapsed();
    let single_started = Instant::now();
    for slot in BATCH..BATCH + ONE_BY_ONE {
        cast.dave
            .book_appointment(charlie_id, start + slot * SLOT)
            .await
            .unwrap();
    }
    let single_elapsed = single_started.elapsed();

    // then: every booking is included once, with distinct ids
    let mut ids: Vec<u64> = results
        .into_iter()
        .map(|result| result.expect("every booking is included").value)
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, (0..BATCH).collect::<Vec<_>>());
    let page = cast
        .charlie
        .get_all_appointments(charlie_id, 0, 20)
        .await
        .unwrap();
    assert_eq!(page.total, (BATCH + ONE_BY_ONE) as u32);
    for slot in 0..BATCH + ONE_BY_ONE {
        assert!(!cast
            .dave
            .check_doctor_availability(charlie_id, start + slot * SLOT)
            .await
            .unwrap());
    }
    // and a ninth upcoming booking is refused
    assert!(matches!(
        cast.dave
            .book_appointment(charlie_id, start + (BATCH + PER_PATIENT) * SLOT)
            .await,
        Err(ClientError::Contract(Error::TooManyUpcomingAppointments))
    ));
    eprintln!(
        "pipelined: {BATCH} bookings by {PATIENTS} patients in {:.2} s = {:.1}/s; one at a time: {} in {:.2} s = {:.1}/s",
        batch_elapsed.as_secs_f64(),
        BATCH as f64 / batch_elapsed.as_secs_f64(),
        ONE_BY_ONE,
        single_elapsed.as_secs_f64(),
        ONE_BY_ONE as f64 / single_elapsed.as_secs_f64(),
    );
}
