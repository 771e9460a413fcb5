//! The document pipeline off chain: CIDs against an independent implementation, round trips,
//! tampering, key epochs, and two block stores exchanging a document over the gateway protocol.

use super::*;
use crate::documents::{crypto::blob_len, unixfs::file_cid};
use std::time::Duration;

const KIB: usize = 1024;
const PATIENT: [u8; 32] = [7; 32];

/// The same bytes as `scripts/cid-vectors/generate.mjs` makes: xorshift32 from 0x12345678.
fn test_bytes(length: usize) -> Vec<u8> {
    let mut state: u32 = 0x1234_5678;
    (0..length)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect()
}

fn patient_keys() -> EncryptionKeys {
    EncryptionKeys::from_suri("//Bob").unwrap()
}

fn seal(bytes: &[u8], store: &mut MemoryBlockStore, record_key: &RecordKey) -> SealedDocument {
    seal_document(bytes, store, record_key, &PATIENT, 7, |_| {}).expect("sealing works")
}

fn open(
    sealed: &SealedDocument,
    record_key: &RecordKey,
    store: &mut MemoryBlockStore,
) -> Result<Vec<u8>, DocumentError> {
    let mut out = Vec::new();
    open_sealed_document(reference(sealed), record_key, store, &mut out, |_| {})?;
    Ok(out)
}

fn reference(sealed: &SealedDocument) -> DocumentReference<'_> {
    DocumentReference {
        patient: &PATIENT,
        encrypted_cid: &sealed.encrypted_cid,
        content_hash: &sealed.content_hash,
        wrapped_key: &sealed.wrapped_key,
    }
}

#[test]
fn file_cid_matches_independent_implementation() {
    // given the CIDs js-ipfs-unixfs's importer gives with Kubo's `--cid-version=1` settings
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("../../tests/data/kubo-cids.json")).unwrap();
    let vectors = vectors["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 5);
    for vector in vectors {
        let size = vector["size"].as_u64().unwrap() as usize;
        // when our importer reads the same bytes
        let cid = file_cid(test_bytes(size).as_slice()).unwrap();
        // then it makes the same CID
        assert_eq!(
            cid.to_string(),
            vector["cid"].as_str().unwrap(),
            "size {size}"
        );
    }
}

#[test]
fn single_chunk_is_a_raw_leaf_and_larger_files_a_dag_pb_root() {
    let one_chunk = file_cid(test_bytes(256 * KIB).as_slice()).unwrap();
    let two_chunks = file_cid(test_bytes(256 * KIB + 1).as_slice()).unwrap();
    assert!(one_chunk.to_string().starts_with("bafkrei"));
    assert!(two_chunks.to_string().starts_with("bafybei"));
}

#[test]
fn seal_document_round_trip_works() {
    let record_key = patient_keys().record_key(0).unwrap();
    for size in [0, 1, 256 * KIB, 256 * KIB + 1, 10 * 1024 * KIB] {
        // given a file sealed into a store
        let plaintext = test_bytes(size);
        let mut store = MemoryBlockStore::new();
        let sealed = seal(&plaintext, &mut store, &record_key);
        assert_eq!(sealed.plaintext_len, size as u64);
        assert_eq!(sealed.blob_len, blob_len(size as u64));
        // then the store holds only ciphertext, and the chain's fields fit the contract
        assert!(sealed.encrypted_cid.len() <= 256 && sealed.wrapped_key.len() <= 128);
        // when it is opened with the record key
        let opened = open(&sealed, &record_key, &mut store).unwrap();
        // then the plaintext comes back
        assert_eq!(opened, plaintext, "size {size}");
    }
}

#[test]
fn blob_holds_no_plaintext() {
    let marker = b"PHI-MARKER-7f3a9c-do-not-leak";
    let plaintext = [marker.as_slice(); 1000].concat();
    let mut store = MemoryBlockStore::new();
    let sealed = seal(
        &plaintext,
        &mut store,
        &patient_keys().record_key(0).unwrap(),
    );
    let cids: Vec<_> = store.cids().copied().collect();
    for cid in cids {
        let block = store.get_block(&cid).unwrap();
        assert!(!block.windows(marker.len()).any(|window| window == marker));
    }
    for field in [&sealed.encrypted_cid, &sealed.wrapped_key] {
        assert!(!field.windows(8).any(|window| window == &marker[..8]));
    }
}

#[test]
fn flipped_blob_byte_fails() {
    let record_key = patient_keys().record_key(0).unwrap();
    let mut store = MemoryBlockStore::new();
    let sealed = seal(&test_bytes(300 * KIB), &mut store, &record_key);
    // given a stored leaf with one byte flipped
    let leaf = *store
        .cids()
        .find(|cid| cid.codec() == unixfs::RAW_CODEC)
        .unwrap();
    store.block_mut(&leaf).unwrap()[100] ^= 1;
    // then opening fails with an integrity error
    assert!(matches!(
        open(&sealed, &record_key, &mut store),
        Err(DocumentError::Integrity(_))
    ));
}

#[test]
fn recomputed_tampered_blob_fails() {
    // A store that serves altered bytes under a new, self-consistent CID still cannot pass:
    // the blob's AEAD tags fail.
    let key = DocumentKey::generate();
    let mut blob = Vec::new();
    let encrypted = key
        .encrypt(test_bytes(1000).as_slice(), &mut blob, |_| {})
        .unwrap();
    let last = blob.len() - 1;
    blob[last] ^= 0x80;
    let mut out = Vec::new();
    let result = key.decrypt(blob.as_slice(), &mut out, &encrypted.content_hash, |_| {});
    assert!(matches!(result, Err(DocumentError::Integrity(_))));
    // and a truncated blob (a whole chunk dropped) too
    let mut blob = Vec::new();
    key.encrypt(test_bytes(200 * KIB).as_slice(), &mut blob, |_| {})
        .unwrap();
    blob.truncate(blob.len() - 100);
    let mut out = Vec::new();
    let result = key.decrypt(blob.as_slice(), &mut out, &encrypted.content_hash, |_| {});
    assert!(matches!(result, Err(DocumentError::Integrity(_))));
}

#[test]
fn flipped_encrypted_cid_byte_fails() {
    let record_key = patient_keys().record_key(0).unwrap();
    let mut store = MemoryBlockStore::new();
    let mut sealed = seal(b"lab result", &mut store, &record_key);
    sealed.encrypted_cid[30] ^= 1;
    assert!(matches!(
        open(&sealed, &record_key, &mut store),
        Err(DocumentError::Integrity(_))
    ));
}

#[test]
fn swapped_cids_fail() {
    // given two documents of the same patient in one store
    let record_key = patient_keys().record_key(0).unwrap();
    let mut store = MemoryBlockStore::new();
    let mut first = seal(b"first document", &mut store, &record_key);
    let mut second = seal(b"second document", &mut store, &record_key);
    // when their encrypted CIDs are swapped
    std::mem::swap(&mut first.encrypted_cid, &mut second.encrypted_cid);
    // then neither opens
    for sealed in [&first, &second] {
        assert!(matches!(
            open(sealed, &record_key, &mut store),
            Err(DocumentError::Integrity(_))
        ));
    }
    // and swapping whole references but not the content hash fails too
    let mut third = seal(b"third document", &mut store, &record_key);
    let fourth = seal(b"fourth document", &mut store, &record_key);
    third.content_hash = fourth.content_hash;
    assert!(matches!(
        open(&third, &record_key, &mut store),
        Err(DocumentError::Integrity(_))
    ));
}

#[test]
fn record_key_of_another_patient_fails() {
    let mut store = MemoryBlockStore::new();
    let sealed = seal(b"x-ray", &mut store, &patient_keys().record_key(0).unwrap());
    let stranger = EncryptionKeys::from_suri("//Eve")
        .unwrap()
        .record_key(0)
        .unwrap();
    assert!(matches!(
        open(&sealed, &stranger, &mut store),
        Err(DocumentError::Integrity(_))
    ));
}

#[test]
fn granted_doctor_opens_older_epochs_but_not_newer() {
    // given a patient who shared epoch 1 with a doctor
    let patient = patient_keys();
    let doctor = EncryptionKeys::from_suri("//Charlie").unwrap();
    let mut store = MemoryBlockStore::new();
    let before = seal(
        b"epoch 0 document",
        &mut store,
        &patient.record_key(0).unwrap(),
    );
    let sealed_for_doctor = patient.record_key(1).unwrap().seal_to(&doctor.public_key());
    assert_eq!(sealed_for_doctor.len(), 80);
    let doctor_key = doctor.open_record_key(&sealed_for_doctor, 1).unwrap();
    // then the doctor derives epoch 0 and opens the older document
    let older = doctor_key.older(0).unwrap();
    assert_eq!(
        open(&before, &older, &mut store).unwrap(),
        b"epoch 0 document"
    );
    // and when the patient revokes someone and moves to epoch 2, a new document is out of
    // the doctor's reach until the patient re-shares
    let after = seal(
        b"epoch 2 document",
        &mut store,
        &patient.record_key(2).unwrap(),
    );
    assert!(matches!(
        doctor_key.older(2),
        Err(DocumentError::KeyNotShared { needed: 2, held: 1 })
    ));
    assert!(matches!(
        open(&after, &doctor_key, &mut store),
        Err(DocumentError::Integrity(_))
    ));
}

#[test]
fn sealed_record_key_for_another_account_fails() {
    let patient = patient_keys();
    let sealed = patient
        .record_key(0)
        .unwrap()
        .seal_to(&EncryptionKeys::from_suri("//Charlie").unwrap().public_key());
    let eve = EncryptionKeys::from_suri("//Eve").unwrap();
    assert!(matches!(
        eve.open_record_key(&sealed, 0),
        Err(DocumentError::Integrity(_))
    ));
}

#[test]
fn two_nodes_exchange_a_document_by_cid() {
    // given node A, which sealed a document into its store and serves it on 127.0.0.1
    let dir = tempfile::tempdir().unwrap();
    let node_a = FsBlockStore::open(dir.path().join("a")).unwrap();
    let record_key = patient_keys().record_key(0).unwrap();
    let plaintext = test_bytes(600 * KIB);
    let sealed = seal_document(
        plaintext.as_slice(),
        node_a.clone(),
        &record_key,
        &PATIENT,
        7,
        |_| {},
    )
    .unwrap();
    let gateway = GatewayServer::start(node_a, "127.0.0.1:0").unwrap();
    // when node B, with an empty store, opens the document by its CID through A's gateway
    let node_b = FsBlockStore::open(dir.path().join("b")).unwrap();
    let source = PeerBlockSource::new(node_b.clone(), vec![gateway.url()], Duration::from_secs(10));
    let mut out = Vec::new();
    let opened =
        open_sealed_document(reference(&sealed), &record_key, source, &mut out, |_| {}).unwrap();
    // then B has the plaintext and now holds every block itself
    assert_eq!(out, plaintext);
    assert_eq!(
        (opened.kind, opened.cid, opened.plaintext_len),
        (7, sealed.cid, plaintext.len() as u64)
    );
    assert!(node_b.has(&sealed.cid));
    drop(gateway);
    let mut offline = Vec::new();
    open_sealed_document(
        reference(&sealed),
        &record_key,
        node_b,
        &mut offline,
        |_| {},
    )
    .unwrap();
    assert_eq!(offline, plaintext);
}

#[test]
fn prefetch_fetches_missing_blocks_in_parallel() {
    // given node A holding a document of several leaves, served by its gateway
    let record_key = patient_keys().record_key(0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let node_a = FsBlockStore::open(dir.path().join("a")).unwrap();
    let plaintext: Vec<u8> = (0..1_500_000u32).map(|i| (i % 251) as u8).collect();
    let sealed = seal_document(
        plaintext.as_slice(),
        node_a.clone(),
        &record_key,
        &PATIENT,
        7,
        |_| {},
    )
    .unwrap();
    let leaves: Vec<Cid> = std::fs::read_dir(node_a.dir().join("blocks"))
        .unwrap()
        .map(|entry| {
            entry
                .unwrap()
                .file_name()
                .into_string()
                .unwrap()
                .parse()
                .unwrap()
        })
        .filter(|cid: &Cid| cid.codec() == crate::documents::unixfs::RAW_CODEC)
        .collect();
    assert!(leaves.len() > 4, "{} leaves", leaves.len());
    let gateway = GatewayServer::start(node_a, "127.0.0.1:0").unwrap();
    // when node B is told which blocks come next
    let node_b = FsBlockStore::open(dir.path().join("b")).unwrap();
    let mut source =
        PeerBlockSource::new(node_b.clone(), vec![gateway.url()], Duration::from_secs(10));
    source.prefetch(&leaves);
    // then B holds them all before asking for any, and the document opens offline
    assert!(leaves.iter().all(|cid| node_b.has(cid)));
    assert!(!node_b.has(&sealed.cid), "only what was hinted is fetched");
    drop(gateway);
    let mut source = PeerBlockSource::new(node_b, vec![], Duration::from_secs(1));
    source
        .put_block(&sealed.cid, &fetch_root(dir.path(), &sealed.cid))
        .unwrap();
    let mut out = Vec::new();
    open_sealed_document(reference(&sealed), &record_key, source, &mut out, |_| {}).unwrap();
    assert_eq!(out, plaintext);
}

fn fetch_root(dir: &std::path::Path, root: &Cid) -> Vec<u8> {
    std::fs::read(dir.join("a").join("blocks").join(root.to_string())).unwrap()
}

#[test]
fn lying_peer_fails() {
    // given a peer that answers every block request with other bytes
    let record_key = patient_keys().record_key(0).unwrap();
    let mut store = MemoryBlockStore::new();
    let sealed = seal(b"small", &mut store, &record_key);
    let liar = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let url = format!("http://{}", liar.server_addr().to_ip().unwrap());
    let serving = std::thread::spawn(move || {
        if let Ok(request) = liar.recv() {
            let _ = request.respond(tiny_http::Response::from_data(b"not the block".to_vec()));
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let node_b = FsBlockStore::open(dir.path()).unwrap();
    let source = PeerBlockSource::new(node_b.clone(), vec![url], Duration::from_secs(10));
    // when B opens the document through it
    let mut out = Vec::new();
    let result = open_sealed_document(reference(&sealed), &record_key, source, &mut out, |_| {});
    // then B refuses the block and keeps nothing
    assert!(
        matches!(result, Err(DocumentError::Integrity(_))),
        "{result:?}"
    );
    assert!(!node_b.has(&sealed.cid));
    serving.join().unwrap();
}

#[test]
fn unknown_cid_is_block_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = FsBlockStore::open(dir.path()).unwrap();
    let cid = file_cid(b"never stored".as_slice()).unwrap();
    assert!(matches!(
        store.get_block(&cid),
        Err(DocumentError::BlockNotFound(_))
    ));
}

#[test]
fn account_key_matches_a_second_x25519_implementation() {
    // given the X25519 secret as documented: BLAKE2b-256 keyed with the account's secret key
    // bytes over "ehr/x25519-secret/v2" ‖ generation
    let account = crate::AccountSecret::from_suri("//Alice").unwrap();
    for generation in [0u32, 1, 5] {
        let mut mac = <blake2::Blake2bMac<blake2::digest::consts::U32> as blake2::digest::KeyInit>::new_from_slice(account.bytes()).unwrap();
        blake2::digest::Update::update(&mut mac, b"ehr/x25519-secret/v2");
        blake2::digest::Update::update(&mut mac, &generation.to_le_bytes());
        let secret: [u8; 32] = blake2::digest::FixedOutput::finalize_fixed(mac).into();
        let expected = x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(secret));
        // then the client's key pair has that public key
        let keys = EncryptionKeys::from_account_secret(account.clone(), generation);
        assert_eq!(
            keys.public_key(),
            expected.to_bytes(),
            "generation {generation}"
        );
    }
}

#[test]
fn encryption_keys_are_the_same_for_a_mnemonic_and_its_hex_seed() {
    // given one account as a mnemonic path and as the hex seed of the same phrase
    let phrase = format!("{}//Alice", subxt_signer::DEV_PHRASE);
    let seed = "0xfac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e//Alice";
    let (from_phrase, from_seed) = (
        EncryptionKeys::from_suri(&phrase).unwrap(),
        EncryptionKeys::from_suri(seed).unwrap(),
    );
    // then both give the same encryption key and record keys
    assert_eq!(from_phrase.public_key(), from_seed.public_key());
    assert_eq!(
        from_phrase.record_key(3).unwrap(),
        from_seed.record_key(3).unwrap()
    );
}

#[test]
fn replaced_key_still_opens_keys_sealed_to_older_generations() {
    // given a doctor's generation-0 key and a record key sealed to it
    let doctor = EncryptionKeys::from_suri("//Charlie").unwrap();
    let record_key = patient_keys().record_key(2).unwrap();
    let sealed = record_key.seal_to(&doctor.public_key());
    // when the doctor moved to generation 1 (a replaced key)
    let replaced = doctor.with_generation(1);
    assert_ne!(replaced.public_key(), doctor.public_key());
    assert_eq!(
        replaced
            .matching(&replaced.public_key())
            .unwrap()
            .generation(),
        1
    );
    // then it still opens what was sealed to generation 0, and record keys do not change
    assert_eq!(replaced.open_record_key(&sealed, 2).unwrap(), record_key);
    assert_eq!(
        patient_keys().with_generation(4).record_key(2).unwrap(),
        record_key
    );
}

#[test]
fn sealed_reason_opens_only_for_the_patient() {
    // given a reason sealed to the patient
    let patient = patient_keys();
    let sealed =
        crate::documents::seal_reason("unconscious, allergy check", &patient.public_key()).unwrap();
    // then it has the fixed length, the patient reads it, nobody else does
    assert_eq!(sealed.len(), ehr::MAX_SEALED_REASON_LEN);
    assert_eq!(
        patient.open_reason(&sealed).unwrap(),
        "unconscious, allergy check"
    );
    let eve = EncryptionKeys::from_suri("//Eve").unwrap();
    assert!(matches!(
        eve.open_reason(&sealed),
        Err(DocumentError::Integrity(_))
    ));
    // and empty or overlong reasons are refused
    for reason in [
        "",
        &"x".repeat(crate::documents::crypto::MAX_REASON_LEN + 1),
    ] {
        assert!(matches!(
            crate::documents::seal_reason(reason, &patient.public_key()),
            Err(DocumentError::InvalidInput(_))
        ));
    }
}

/// A store holding one raw block, served by a gateway: (gateway, the block's CID, its bytes).
fn served_block(dir: &std::path::Path) -> (GatewayServer, cid::Cid, Vec<u8>) {
    let store = FsBlockStore::open(dir.join("served")).unwrap();
    let bytes = test_bytes(3 * KIB);
    let cid = crate::documents::unixfs::block_cid(crate::documents::unixfs::RAW_CODEC, &bytes);
    store.write(&cid, &bytes).unwrap();
    (
        GatewayServer::start(store, "127.0.0.1:0").unwrap(),
        cid,
        bytes,
    )
}

fn header(response: &ureq::Response, name: &str) -> String {
    response.header(name).unwrap_or_default().to_string()
}

/// The trustless gateway's media type for a raw block.
const RAW_BLOCK: &str = "application/vnd.ipld.raw";

/// A GET of `path` on `gateway` that asks for a raw block by the Accept header alone.
fn get_raw(gateway: &GatewayServer, path: &str) -> ureq::Request {
    ureq::get(&format!("{}{path}", gateway.url())).set("Accept", RAW_BLOCK)
}

#[test]
fn gateway_serves_raw_blocks_by_accept_header_works() {
    // given a gateway serving one block
    let dir = tempfile::tempdir().unwrap();
    let (gateway, cid, bytes) = served_block(dir.path());
    // when a client asks with the Accept header alone (as the trustless gateway spec says)
    let response = get_raw(&gateway, &format!("/ipfs/{cid}")).call().unwrap();
    // then it gets the block with the headers the specification requires
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "Content-Type"), RAW_BLOCK);
    assert_eq!(
        header(&response, "Content-Disposition"),
        format!("attachment; filename=\"{cid}.bin\"")
    );
    assert_eq!(header(&response, "Etag"), format!("\"{cid}.raw\""));
    assert_eq!(header(&response, "X-Content-Type-Options"), "nosniff");
    assert!(header(&response, "Cache-Control").contains("immutable"));
    let mut body = Vec::new();
    response.into_reader().read_to_end(&mut body).unwrap();
    assert_eq!(body, bytes);
    // and with a weighted list of media types, or ?format=raw, the same
    let weighted = ureq::get(&format!("{}/ipfs/{cid}", gateway.url()))
        .set(
            "Accept",
            "application/vnd.ipld.car;q=0.5, application/vnd.ipld.raw;q=0.9",
        )
        .call()
        .unwrap();
    assert_eq!(weighted.status(), 200);
    let by_query = ureq::get(&format!("{}/ipfs/{cid}?format=raw", gateway.url()))
        .call()
        .unwrap();
    assert_eq!(header(&by_query, "Content-Type"), RAW_BLOCK);
}

#[test]
fn gateway_head_and_conditional_requests_work() {
    // given a gateway serving one block
    let dir = tempfile::tempdir().unwrap();
    let (gateway, cid, bytes) = served_block(dir.path());
    let url = format!("{}/ipfs/{cid}", gateway.url());
    // when asked with HEAD, then the headers come without the body
    let head = ureq::head(&url).set("Accept", RAW_BLOCK).call().unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(header(&head, "Content-Length"), bytes.len().to_string());
    assert_eq!(header(&head, "Etag"), format!("\"{cid}.raw\""));
    let mut body = Vec::new();
    head.into_reader().read_to_end(&mut body).unwrap();
    assert!(body.is_empty());
    // when asked again with the Etag it has, then 304 and no body
    let again = get_raw(&gateway, &format!("/ipfs/{cid}"))
        .set("If-None-Match", &format!("\"{cid}.raw\""))
        .call()
        .unwrap();
    assert_eq!(again.status(), 304);
}

#[test]
fn gateway_probe_block_works() {
    // given a gateway with an empty store
    let dir = tempfile::tempdir().unwrap();
    let store = FsBlockStore::open(dir.path().join("empty")).unwrap();
    let gateway = GatewayServer::start(store, "127.0.0.1:0").unwrap();
    // when a client probes it with the empty identity block, as the spec's clients do
    let response = get_raw(&gateway, "/ipfs/bafkqaaa").call().unwrap();
    // then it answers 200 with an empty raw block
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "Content-Type"), RAW_BLOCK);
    let mut body = Vec::new();
    response.into_reader().read_to_end(&mut body).unwrap();
    assert!(body.is_empty());
}

#[test]
fn gateway_without_raw_format_fails() {
    // given a gateway serving one block
    let dir = tempfile::tempdir().unwrap();
    let (gateway, cid, _) = served_block(dir.path());
    // when a browser-like client asks without naming the raw format
    let refused = ureq::get(&format!("{}/ipfs/{cid}", gateway.url()))
        .set("Accept", "text/html,*/*")
        .call();
    // then 406 Not Acceptable, and unknown blocks are 404, bad CIDs 400, POST 405
    assert!(matches!(refused, Err(ureq::Error::Status(406, _))));
    let absent =
        crate::documents::unixfs::block_cid(crate::documents::unixfs::RAW_CODEC, b"absent");
    let missing = get_raw(&gateway, &format!("/ipfs/{absent}")).call();
    assert!(matches!(missing, Err(ureq::Error::Status(404, _))));
    let bad = get_raw(&gateway, "/ipfs/not-a-cid").call();
    assert!(matches!(bad, Err(ureq::Error::Status(400, _))));
    let post = ureq::post(&format!("{}/ipfs/{cid}", gateway.url())).call();
    assert!(matches!(post, Err(ureq::Error::Status(405, _))));
}

#[test]
fn lying_or_silent_peer_is_passed_over_works() {
    // given a peer that answers every request with the wrong bytes, one that never answers,
    // and an honest one, asked in that order
    let dir = tempfile::tempdir().unwrap();
    let (honest, cid, bytes) = served_block(dir.path());
    let liar_dir = dir.path().join("liar");
    let liar_store = FsBlockStore::open(&liar_dir).unwrap();
    // the liar keeps other bytes under the block's name (written behind the store's back)
    std::fs::write(
        liar_store.dir().join("blocks").join(cid.to_string()),
        b"not it",
    )
    .unwrap();
    let liar = GatewayServer::start(liar_store, "127.0.0.1:0").unwrap();
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    let local = FsBlockStore::open(dir.path().join("local")).unwrap();
    let mut source = PeerBlockSource::new(
        local.clone(),
        vec![liar.url(), silent_url, honest.url()],
        Duration::from_millis(500),
    );
    // when the block is fetched
    let fetched = source.get_block(&cid).unwrap();
    // then it comes from the honest peer, checked, and is kept
    assert_eq!(fetched, bytes);
    assert!(local.has(&cid));
}
