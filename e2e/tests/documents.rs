//! Documents end to end on a real node: files encrypted by `ehr_client::DocumentVault`, stored
//! in embedded IPFS stores that fetch from each other's gateways by CID, referenced on chain,
//! opened through the logged `open_document`; tampering, revocation, and a scan of the whole
//! chain for a marker placed in every document.

use ehr_client::documents::{
    seal_document, DocumentError, EncryptionKeys, FsBlockStore, GatewayServer,
};
use ehr_client::{dev_signer, ClientError};
use ehr_e2e::cast::{assert_closed_to, cast, document_bytes, Person, DAY, KIND_REPORT, MARKER};
use ehr_e2e::{now_ms, TestNode};

fn integrity_error(result: ehr_client::Result<impl std::fmt::Debug>) -> String {
    match result {
        Err(ClientError::Document(DocumentError::Integrity(reason))) => reason,
        other => panic!("expected an integrity error, got {other:?}"),
    }
}

#[tokio::test]
async fn documents_round_trip_through_chain_and_ipfs_and_nothing_private_reaches_the_chain() {
    // given: a deployed contract, two verified doctors, a patient, three IPFS stores
    let node = TestNode::start();
    let dir = tempfile::tempdir().unwrap();
    let (charlie, dave, ferdie) = cast(&node, dir.path()).await;
    let dave_gateway = GatewayServer::start(dave.store.clone(), "127.0.0.1:0").unwrap();
    let charlie_gateway = GatewayServer::start(charlie.store.clone(), "127.0.0.1:0").unwrap();
    let patient = dave.client.account_id();
    let dave_vault = dave.vault(&[&charlie_gateway]);
    let charlie_vault = charlie.vault(&[&dave_gateway]);
    let ferdie_vault = ferdie.vault(&[&dave_gateway]);
    let until = now_ms() + 7 * DAY;
    dave_vault
        .grant_access(charlie.client.account_id(), true, until)
        .await
        .unwrap();
    dave_vault
        .grant_access(ferdie.client.account_id(), false, until)
        .await
        .unwrap();

    // when: Dave uploads files of the sizes Kubo's chunker cares about; then: Charlie, on
    // another store, fetches each from Dave's gateway by CID, and gets the same bytes
    let sizes = [0, 1, 256 * 1024, 256 * 1024 + 1, 10 * 1024 * 1024];
    let mut ids = Vec::new();
    for (seed, size) in sizes.into_iter().enumerate() {
        let original = dir.path().join(format!("original-{size}"));
        std::fs::write(&original, document_bytes(size, seed as u8)).unwrap();
        let uploaded = dave_vault
            .upload_document(patient, original.as_path(), KIND_REPORT)
            .await
            .unwrap();
        assert_eq!(uploaded.plaintext_len, size as u64);
        assert_eq!(uploaded.key_epoch, 0);
        let copy = dir.path().join(format!("charlie-copy-{size}"));
        let opened = charlie_vault
            .open_document(patient, uploaded.id, &copy)
            .await
            .unwrap();
        assert_eq!(opened.cid, uploaded.cid);
        assert_eq!(
            opened.kind, KIND_REPORT,
            "the kind travels inside the reference"
        );
        assert_eq!(opened.plaintext_len, size as u64);
        assert!(
            std::fs::read(&copy).unwrap() == std::fs::read(&original).unwrap(),
            "{size} bytes differ after the round trip"
        );
        assert!(charlie.store.has(&uploaded.cid), "Charlie kept the blob");
        ids.push(uploaded.id);
    }
    // and a doctor with a write grant adds one; the patient reads it from the doctor's gateway
    let note = dir.path().join("charlie-note");
    std::fs::write(&note, document_bytes(4096, 99)).unwrap();
    let by_charlie = charlie_vault
        .upload_document(patient, note.as_path(), KIND_REPORT)
        .await
        .unwrap();
    let back = dir.path().join("dave-copy-of-note");
    dave_vault
        .open_document(patient, by_charlie.id, &back)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&back).unwrap(), std::fs::read(&note).unwrap());
    // and the doctor's opening is on the audit trail
    let trail = dave
        .client
        .get_audit_trail(patient, 0, ehr::MAX_PAGE_SIZE)
        .await
        .unwrap();
    assert!(trail.items.iter().any(|entry| {
        entry.action == ehr::AuditAction::DocumentOpened
            && entry.actor == charlie.client.account_id()
    }));

    // when: a byte of a stored blob flips; then: an integrity error and no output file
    let small_id = ids[2];
    let small_cid = dave_vault
        .upload_document(
            patient,
            dir.path().join("original-1").as_path(),
            KIND_REPORT,
        )
        .await
        .unwrap();
    let block = dave
        .store
        .dir()
        .join("blocks")
        .join(small_cid.cid.to_string());
    let mut bytes = std::fs::read(&block).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&block, bytes).unwrap();
    let output = dir.path().join("tampered-blob");
    integrity_error(
        dave_vault
            .open_document(patient, small_cid.id, &output)
            .await,
    );
    assert!(!output.exists(), "nothing is written for a tampered blob");
    std::fs::remove_file(&block).unwrap();

    // when: references on chain are altered (a byte of the encrypted CID) or swapped (one
    // document's encrypted CID with another's key and hash); then: integrity errors
    let record_key = dave_vault.record_key(patient).await.unwrap();
    let patient_bytes: [u8; 32] = *AsRef::<[u8; 32]>::as_ref(&patient);
    let seal = |seed: u8| {
        seal_document(
            document_bytes(1000, seed).as_slice(),
            dave.store.clone(),
            &record_key,
            &patient_bytes,
            KIND_REPORT,
            |_| {},
        )
        .unwrap()
    };
    let (first, second) = (seal(1), seal(2));
    let mut flipped_cid = first.encrypted_cid.clone();
    flipped_cid[5] ^= 0x20;
    let altered = dave
        .client
        .upload_document(
            patient,
            flipped_cid,
            first.content_hash,
            first.wrapped_key.clone(),
            None,
        )
        .await
        .unwrap()
        .value;
    let swapped = dave
        .client
        .upload_document(
            patient,
            first.encrypted_cid.clone(),
            second.content_hash,
            second.wrapped_key.clone(),
            None,
        )
        .await
        .unwrap()
        .value;
    for id in [altered, swapped] {
        let output = dir.path().join(format!("tampered-{id}"));
        integrity_error(charlie_vault.open_document(patient, id, &output).await);
        assert!(!output.exists());
    }

    // when: Dave revokes Ferdie; then: the epoch moves on and only Charlie gets the new key
    let before = dir.path().join("ferdie-before");
    ferdie_vault
        .open_document(patient, small_id, &before)
        .await
        .unwrap();
    let revocation = dave_vault
        .revoke_access(ferdie.client.account_id())
        .await
        .unwrap();
    assert_eq!(revocation.key_epoch, 1);
    assert_eq!(revocation.reshared, vec![charlie.client.account_id()]);
    assert!(revocation.failed.is_empty());
    let after_path = dir.path().join("after-revocation");
    std::fs::write(&after_path, document_bytes(3000, 7)).unwrap();
    let after = dave_vault
        .upload_document(patient, after_path.as_path(), KIND_REPORT)
        .await
        .unwrap();
    assert_eq!(after.key_epoch, 1);
    // Charlie still reads and writes under the new epoch
    charlie_vault
        .open_document(patient, after.id, &dir.path().join("charlie-after"))
        .await
        .unwrap();
    charlie_vault
        .upload_document(patient, note.as_path(), KIND_REPORT)
        .await
        .unwrap();
    // the contract refuses Ferdie, and even holding the reference Ferdie's key opens nothing
    // added after the revocation (what Ferdie could read before stays readable to Ferdie)
    assert_closed_to(&ferdie_vault, &dave, after.id, (1, 0), dir.path()).await;
    let older = dave
        .client
        .get_all_documents(patient, small_id, 1)
        .await
        .unwrap()
        .items
        .remove(0);
    ferdie_vault
        .decrypt_document(patient, &older, &dir.path().join("ferdie-older"), |_| {})
        .await
        .unwrap();

    // then: the marker in every document is nowhere on chain: not in an extrinsic, an event,
    // a storage value, or the contract's storage
    let scan = dave.client.scan_chain_for(MARKER).await.unwrap();
    assert!(
        scan.found_in.is_empty(),
        "marker on chain: {:?}",
        scan.found_in
    );
    assert!(scan.blocks > 20 && scan.extrinsics > 20, "{scan:?}");
    assert!(scan.contract_entries > 10, "{scan:?}");
    // and the scan does find what is on chain (a doctor's public display name)
    let public = dave
        .client
        .scan_chain_for(b"Dr. Ferdie Lane")
        .await
        .unwrap();
    assert!(
        public
            .found_in
            .iter()
            .any(|place| place.contains("extrinsic"))
            && public
                .found_in
                .iter()
                .any(|place| place.contains("contract storage")),
        "{:?}",
        public.found_in
    );
}

#[tokio::test]
async fn emergency_access_hands_over_the_record_key_for_the_window_only() {
    // given: Bob is verifier and break-glass key custodian; Dave deposited his record key;
    // Ferdie, a verified doctor, holds no grant
    let node = TestNode::start();
    let dir = tempfile::tempdir().unwrap();
    let (_charlie, dave, ferdie) = cast(&node, dir.path()).await;
    let bob = Person {
        client: dave.client.with_signer(dev_signer("//Bob").unwrap()),
        keys: EncryptionKeys::from_suri("//Bob").unwrap(),
        store: FsBlockStore::open(dir.path().join("Bob")).unwrap(),
    };
    let alice = dave.client.with_signer(dev_signer("//Alice").unwrap());
    alice
        .set_emergency_custodian(Some(ehr::EmergencyCustodian {
            account: bob.client.account_id(),
            public_key: bob.keys.public_key(),
        }))
        .await
        .unwrap();
    let dave_gateway = GatewayServer::start(dave.store.clone(), "127.0.0.1:0").unwrap();
    let (dave_vault, bob_vault) = (dave.vault(&[]), bob.vault(&[]));
    let ferdie_vault = ferdie.vault(&[&dave_gateway]);
    let patient = dave.client.account_id();
    let doctor = ferdie.client.account_id();
    let before_path = dir.path().join("before");
    std::fs::write(&before_path, document_bytes(5000, 3)).unwrap();
    let before = dave_vault
        .upload_document(patient, before_path.as_path(), KIND_REPORT)
        .await
        .unwrap();
    dave_vault.deposit_emergency_key().await.unwrap();
    assert!(matches!(
        ferdie_vault.record_key(patient).await,
        Err(ClientError::Document(DocumentError::NoKeyShared))
    ));

    // when: Ferdie breaks the glass, and the custodian, watching the chain, releases the key
    let mut events = Box::pin(bob.client.watch_events().await.unwrap());
    ferdie_vault
        .open_emergency_access(patient, "unconscious on arrival, allergy history needed")
        .await
        .unwrap();
    let opened = loop {
        let (_, block_events) = futures::StreamExt::next(&mut events)
            .await
            .expect("the subscription stays open")
            .unwrap();
        if let Some(opened) = block_events.into_iter().find_map(|event| match event {
            ehr_client::EhrEvent::EmergencyAccessOpened(opened) => Some(opened),
            _ => None,
        }) {
            break opened;
        }
    };
    assert_eq!((opened.patient, opened.doctor), (patient, doctor));
    bob_vault
        .release_emergency_key(opened.patient, opened.doctor)
        .await
        .unwrap();
    // and only Dave reads the reason Ferdie gave
    assert_eq!(
        dave_vault.emergency_reason(doctor).await.unwrap(),
        "unconscious on arrival, allergy history needed"
    );

    // then: Ferdie opens (logged) and decrypts the record as it was
    let copy = dir.path().join("ferdie-emergency-copy");
    ferdie_vault
        .open_document(patient, before.id, &copy)
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(&copy).unwrap(),
        std::fs::read(&before_path).unwrap()
    );
    let trail = dave
        .client
        .get_audit_trail(patient, 0, ehr::MAX_PAGE_SIZE)
        .await
        .unwrap();
    assert!(trail.items.iter().any(|entry| {
        entry.action == ehr::AuditAction::EmergencyKeyReleased
            && entry.actor == bob.client.account_id()
    }));

    // when: Dave ends it; then: the released key is retired and the deposit renewed
    let (_, rotation) = dave_vault.end_emergency_access(doctor).await.unwrap();
    let rotation = rotation.expect("a released key makes the patient rotate");
    assert_eq!(rotation.key_epoch, 1);
    assert!(rotation.emergency_key_redeposited);
    assert_eq!(
        dave.client.emergency_key(patient).await.unwrap().key_epoch,
        1
    );
    // and what is added afterwards is closed to Ferdie, on chain and cryptographically
    let after_path = dir.path().join("after");
    std::fs::write(&after_path, document_bytes(5000, 4)).unwrap();
    let after = dave_vault
        .upload_document(patient, after_path.as_path(), KIND_REPORT)
        .await
        .unwrap();
    assert_closed_to(&ferdie_vault, &dave, after.id, (1, 0), dir.path()).await;
}
