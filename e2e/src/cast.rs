//! The cast of the document tests: a deployed contract, Bob the verifier, doctors Charlie and
//! Ferdie, patient Dave, each with their own keys and IPFS store; and the checks they share.

use crate::{contract_bundle, TestNode};
use ehr::Error;
use ehr_client::documents::{DocumentError, EncryptionKeys, FsBlockStore, GatewayServer};
use ehr_client::{dev_signer, ClientError, EhrClient, IpfsBackend};
use std::path::Path;
use std::time::Duration;

/// Placed in every document; must not appear anywhere on chain.
pub const MARKER: &[u8] = b"PRIVATE-MARKER-7f3a9c: patient is allergic to penicillin";
pub const KIND_REPORT: u16 = 11;
pub const DAY: u64 = 24 * 60 * 60 * 1000;

/// One account of the cast: its client, encryption keys and own IPFS store.
pub struct Person {
    /// Signs as this account.
    pub client: EhrClient,
    /// Its X25519 keys, derived from its secret key bytes.
    pub keys: EncryptionKeys,
    /// Its embedded IPFS store.
    pub store: FsBlockStore,
}

impl Person {
    /// Its document vault, fetching missing blocks from `peers`.
    pub fn vault(&self, peers: &[&GatewayServer]) -> ehr_client::DocumentVault<'_> {
        let ipfs = IpfsBackend::embedded(
            self.store.dir(),
            peers.iter().map(|peer| peer.url()).collect(),
            Duration::from_secs(10),
        )
        .unwrap();
        self.client.documents(self.keys.clone(), ipfs)
    }
}

/// Deploys; Bob verifies doctors Charlie and Ferdie; Dave registers as a patient. Each has
/// their own IPFS store in `dir` and their X25519 key derived from their secret URI.
pub async fn cast(node: &TestNode, dir: &Path) -> (Person, Person, Person) {
    let mut alice = EhrClient::connect(&node.url(), dev_signer("//Alice").unwrap())
        .await
        .unwrap();
    alice.deploy_bundle(contract_bundle()).await.unwrap();
    let person = |suri: &str| person(&alice, suri, dir);
    let (bob, charlie, dave, ferdie) = (
        person("//Bob"),
        person("//Charlie"),
        person("//Dave"),
        person("//Ferdie"),
    );
    alice.add_verifier(bob.client.account_id()).await.unwrap();
    for (doctor, name) in [(&charlie, "Dr. Charlie Hart"), (&ferdie, "Dr. Ferdie Lane")] {
        register_verified_doctor(doctor, name, &bob.client).await;
    }
    dave.client
        .register_patient(dave.keys.public_key())
        .await
        .unwrap();
    (charlie, dave, ferdie)
}

/// `suri`'s account on the contract `like` is attached to, with a store under `dir`.
pub fn person(like: &EhrClient, suri: &str, dir: &Path) -> Person {
    Person {
        client: like.with_signer(dev_signer(suri).unwrap()),
        keys: EncryptionKeys::from_suri(suri).unwrap(),
        store: FsBlockStore::open(dir.join(suri.trim_start_matches('/'))).unwrap(),
    }
}

/// Registers `doctor` (cardiology) and has `verifier` verify it.
pub async fn register_verified_doctor(doctor: &Person, name: &str, verifier: &EhrClient) {
    doctor
        .client
        .register_doctor(
            name.into(),
            "Cardiology".into(),
            [1; 32],
            doctor.keys.public_key(),
            30,
        )
        .await
        .unwrap();
    verifier
        .verify_doctor(doctor.client.account_id())
        .await
        .unwrap();
}

/// `len` bytes with the marker at the start (when it fits) and a pattern after it.
pub fn document_bytes(len: usize, seed: u8) -> Vec<u8> {
    let mut bytes: Vec<u8> = (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect();
    let marked = MARKER.len().min(len);
    bytes[..marked].copy_from_slice(&MARKER[..marked]);
    bytes
}

/// Document `id` of `patient` is closed to the doctor behind `vault`: the contract refuses
/// `open_document`, and even holding the reference (read here by the patient) the doctor's key
/// does not decrypt it, needing epoch `needed` while holding `held`; no file is written.
pub async fn assert_closed_to(
    vault: &ehr_client::DocumentVault<'_>,
    patient: &Person,
    id: u32,
    (needed, held): (u32, u32),
    dir: &Path,
) {
    let account = patient.client.account_id();
    let refused = dir.join(format!("refused-{id}"));
    assert!(matches!(
        vault.open_document(account, id, &refused).await,
        Err(ClientError::Contract(Error::AccessDenied))
    ));
    let reference = patient
        .client
        .get_all_documents(account, id, 1)
        .await
        .unwrap()
        .items
        .remove(0);
    match vault
        .decrypt_document(account, &reference, &refused, |_| {})
        .await
    {
        Err(ClientError::Document(DocumentError::KeyNotShared {
            needed: got_needed,
            held: got_held,
        })) => assert_eq!((got_needed, got_held), (needed, held)),
        other => panic!("a closed document was decrypted: {other:?}"),
    }
    assert!(!refused.exists());
}
