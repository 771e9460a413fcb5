//! The rules that keep the patient in control, on a real node through the client, with real
//! encryption: a doctor who lost access (grant expired, suspended, revoked) can neither open on
//! chain nor decrypt a document added afterwards, and the patient's client rotated the record
//! key by itself; a revoked doctor's break-glass is refused; the custodian's watcher releases
//! keys to a verified doctor and refuses a suspended one.

use ehr::{DoctorStatus, Error};
use ehr_client::documents::GatewayServer;
use ehr_client::ClientError;
use ehr_e2e::cast::{
    assert_closed_to, cast, document_bytes, person, register_verified_doctor, KIND_REPORT,
};
use ehr_e2e::{now_ms, TestNode};
use std::time::Duration;

const DAY: u64 = 24 * 60 * 60 * 1000;

#[tokio::test]
async fn key_holders_who_lose_access_cannot_read_what_is_added_afterwards() {
    // given: Charlie (write, a week), Ferdie (read, 15 s) and Eve (read, a week) hold Dave's key
    let node = TestNode::start();
    let dir = tempfile::tempdir().unwrap();
    let (charlie, dave, ferdie) = cast(&node, dir.path()).await;
    let bob = person(&dave.client, "//Bob", dir.path());
    let eve = person(&dave.client, "//Eve", dir.path());
    register_verified_doctor(&eve, "Dr. Eve Stone", &bob.client).await;
    let gateway = GatewayServer::start(dave.store.clone(), "127.0.0.1:0").unwrap();
    let patient = dave.client.account_id();
    let dave_vault = dave.vault(&[]);
    let (charlie_vault, ferdie_vault, eve_vault) = (
        charlie.vault(&[&gateway]),
        ferdie.vault(&[&gateway]),
        eve.vault(&[&gateway]),
    );
    let (charlie_id, ferdie_id, eve_id) = (
        charlie.client.account_id(),
        ferdie.client.account_id(),
        eve.client.account_id(),
    );
    let ferdie_until = now_ms() + 15_000;
    dave_vault
        .grant_access(charlie_id, true, now_ms() + 7 * DAY)
        .await
        .unwrap();
    dave_vault
        .grant_access(ferdie_id, false, ferdie_until)
        .await
        .unwrap();
    dave_vault
        .grant_access(eve_id, false, now_ms() + 7 * DAY)
        .await
        .unwrap();
    let upload = |name: &str, seed: u8| {
        let path = dir.path().join(name);
        std::fs::write(&path, document_bytes(4000, seed)).unwrap();
        path
    };
    let before = dave_vault
        .upload_document(patient, upload("before", 1).as_path(), KIND_REPORT)
        .await
        .unwrap();
    assert!(before.rotation.is_none());
    ferdie_vault
        .open_document(patient, before.id, &dir.path().join("ferdie-before"))
        .await
        .unwrap();

    // when: Ferdie's grant has expired and Dave adds a document
    tokio::time::sleep(Duration::from_millis(
        (ferdie_until + 1_000).saturating_sub(now_ms()),
    ))
    .await;
    let after_expiry = dave_vault
        .upload_document(patient, upload("after-expiry", 2).as_path(), KIND_REPORT)
        .await
        .unwrap();
    // then: Dave's client rotated without being asked, re-sharing with Charlie and Eve only
    let rotation = after_expiry
        .rotation
        .as_ref()
        .expect("the expired grant made the client rotate");
    assert_eq!((rotation.key_epoch, after_expiry.key_epoch), (1, 1));
    assert!(rotation.failed.is_empty(), "{:?}", rotation.failed);
    let mut reshared = rotation.reshared.clone();
    reshared.sort_by_key(|account| *AsRef::<[u8; 32]>::as_ref(account));
    let mut expected = vec![charlie_id, eve_id];
    expected.sort_by_key(|account| *AsRef::<[u8; 32]>::as_ref(account));
    assert_eq!(reshared, expected);
    // and Ferdie is refused on chain and cannot decrypt it with the key it holds
    assert_closed_to(&ferdie_vault, &dave, after_expiry.id, (1, 0), dir.path()).await;
    eve_vault
        .open_document(patient, after_expiry.id, &dir.path().join("eve-1"))
        .await
        .unwrap();

    // when: a verifier suspends Eve, and Dave adds a document
    bob.client.suspend_doctor(eve_id).await.unwrap();
    let after_suspension = dave_vault
        .upload_document(
            patient,
            upload("after-suspension", 3).as_path(),
            KIND_REPORT,
        )
        .await
        .unwrap();
    // then: the client rotated again and skipped the suspended doctor
    let rotation = after_suspension
        .rotation
        .as_ref()
        .expect("the suspension made the client rotate");
    assert_eq!(rotation.key_epoch, 2);
    assert_eq!(rotation.reshared, vec![charlie_id]);
    assert_eq!(rotation.skipped, vec![(eve_id, DoctorStatus::Suspended)]);
    assert!(rotation.failed.is_empty(), "{:?}", rotation.failed);
    assert_closed_to(&eve_vault, &dave, after_suspension.id, (2, 1), dir.path()).await;
    // and the key is never shared with a suspended doctor
    assert!(matches!(
        dave_vault.share_record_key(eve_id).await,
        Err(ClientError::Contract(Error::DoctorSuspended))
    ));

    // when: Dave revokes Charlie
    let revocation = dave_vault.revoke_access(charlie_id).await.unwrap();
    assert_eq!(revocation.key_epoch, 3);
    let after_revocation = dave_vault
        .upload_document(
            patient,
            upload("after-revocation", 4).as_path(),
            KIND_REPORT,
        )
        .await
        .unwrap();
    // then: Charlie cannot read it, and cannot break the glass either
    assert_closed_to(
        &charlie_vault,
        &dave,
        after_revocation.id,
        (3, 2),
        dir.path(),
    )
    .await;
    assert!(matches!(
        charlie_vault
            .open_emergency_access(patient, "patient unresponsive")
            .await,
        Err(ClientError::Contract(Error::EmergencyAccessRefused))
    ));
    // and what Charlie could read before stays readable with the key Charlie holds
    let older = dave
        .client
        .get_all_documents(patient, before.id, 1)
        .await
        .unwrap()
        .items
        .remove(0);
    charlie_vault
        .decrypt_document(patient, &older, &dir.path().join("charlie-before"), |_| {})
        .await
        .unwrap();
}

#[tokio::test]
async fn watcher_releases_to_a_verified_doctor_and_refuses_a_suspended_one() {
    // given: Bob is verifier and custodian; Dave deposited his key
    let node = TestNode::start();
    let dir = tempfile::tempdir().unwrap();
    let (_charlie, dave, ferdie) = cast(&node, dir.path()).await;
    let bob = person(&dave.client, "//Bob", dir.path());
    let eve = person(&dave.client, "//Eve", dir.path());
    register_verified_doctor(&eve, "Dr. Eve Stone", &bob.client).await;
    let alice = person(&dave.client, "//Alice", dir.path());
    alice
        .client
        .set_emergency_custodian(Some(ehr::EmergencyCustodian {
            account: bob.client.account_id(),
            public_key: bob.keys.public_key(),
        }))
        .await
        .unwrap();
    let patient = dave.client.account_id();
    dave.vault(&[]).deposit_emergency_key().await.unwrap();
    let from_block = dave
        .client
        .rpc()
        .chain_get_header(None)
        .await
        .unwrap()
        .unwrap()
        .number;

    // when: Ferdie and Eve break the glass, then Eve is suspended, while the watcher is away
    for doctor in [&ferdie, &eve] {
        doctor
            .vault(&[])
            .open_emergency_access(patient, "found unconscious")
            .await
            .unwrap();
    }
    bob.client
        .suspend_doctor(eve.client.account_id())
        .await
        .unwrap();
    // and the watcher catches up from before the openings
    let watcher = bob.client.registered_keys(bob.keys.clone()).await.unwrap();
    let bob_vault = bob.client.documents(
        watcher,
        ehr_client::IpfsBackend::embedded(
            dir.path().join("bob-ipfs"),
            vec![],
            Duration::from_secs(5),
        )
        .unwrap(),
    );
    let mut blocks = Box::pin(
        bob.client
            .watch_events_from(Some(from_block))
            .await
            .unwrap(),
    );
    let mut outcomes = Vec::new();
    while outcomes.len() < 2 {
        let (_, events) = futures::StreamExt::next(&mut blocks)
            .await
            .expect("the subscription stays open")
            .unwrap();
        outcomes.extend(bob_vault.release_for_opened_emergencies(&events).await);
    }

    // then: Ferdie got the key and Eve was refused, with the reason
    let ferdie_id = ferdie.client.account_id();
    let eve_id = eve.client.account_id();
    for (outcome_patient, doctor, outcome) in &outcomes {
        assert_eq!(*outcome_patient, patient);
        if *doctor == ferdie_id {
            assert!(outcome.is_ok(), "{outcome:?}");
        } else {
            assert_eq!(*doctor, eve_id);
            assert!(
                matches!(outcome, Err(ClientError::Contract(Error::DoctorSuspended))),
                "{outcome:?}"
            );
            let line = outcome.as_ref().unwrap_err().to_string();
            assert!(line.contains("suspended"), "{line}");
        }
    }
    let eve_access = eve.client.emergency_access(patient, eve_id).await.unwrap();
    assert!(eve_access.released_key.is_empty());
    assert!(ferdie
        .vault(&[])
        .record_key(patient)
        .await
        .is_ok_and(|key| key.epoch() == 0));
}
