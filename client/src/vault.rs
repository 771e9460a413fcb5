//! Documents end to end, on chain and off: [`DocumentVault`] joins an [`EhrClient`] (the
//! signer and the contract), the signer's [`EncryptionKeys`] and an [`IpfsBackend`].
//!
//! ```no_run
//! # async fn run(client: ehr_client::EhrClient, patient: ehr_client::AccountId) -> ehr_client::Result<()> {
//! use ehr_client::documents::EncryptionKeys;
//! use ehr_client::vault::IpfsBackend;
//! use std::path::Path;
//! use std::time::Duration;
//!
//! let ipfs = IpfsBackend::embedded("/var/lib/ehr/ipfs", vec![], Duration::from_secs(30))?;
//! let keys = client.registered_keys(EncryptionKeys::from_suri("//Bob")?).await?;
//! let vault = client.documents(keys, ipfs);
//! let uploaded = vault.upload_document(patient, Path::new("scan.pdf"), 18748).await?;
//! let opened = vault.open_document(patient, uploaded.id, Path::new("copy.pdf")).await?;
//! assert_eq!(opened.plaintext_len, uploaded.plaintext_len);
//! # Ok(())
//! # }
//! ```
//!
//! Which key opens what: the patient derives every epoch's record key from their own secret;
//! a doctor holds the record key the patient sealed to them on their grant (and every older
//! epoch's, by key regression), or, during emergency access, the one the emergency custodian
//! released to them. Revoking a grant moves the patient to the next epoch and re-shares the new key
//! with every remaining live grantee, so the revoked doctor's key opens nothing added after.
//!
//! The contract closes an epoch when a holder of its key loses access (a grant expires, an
//! emergency with a released key closes, a doctor who held it is suspended or replaces its
//! key): it then answers `RotationRequired`. The patient's vault meets that answer by rotating
//! and re-sharing with the doctors still entitled (live grant, verified, not suspended), then
//! doing what was asked; [`UploadedDocument::rotation`] says when it did.

use crate::client::{EhrClient, Submitted};
use crate::documents::{
    open_reference, open_sealed_document, seal_document, seal_reason, BlockSink, BlockSource,
    DocumentError, DocumentReference, EncryptionKeys, FsBlockStore, KuboRpc, OpenedBlob,
    PeerBlockSource, RecordKey, SealedDocument,
};
use crate::{messages, ClientError, Result};
use cid::Cid;
use ehr::{DoctorStatus, Document, DocumentId, Timestamp};
use ink::primitives::AccountId;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;
use subxt::utils::H256;

/// Where document blobs are stored and fetched.
#[derive(Debug, Clone)]
pub enum IpfsBackend {
    /// The embedded store (the default, no daemon): blocks in a local directory; blocks it
    /// lacks are fetched from peers' trustless gateways (`ehr ipfs serve`, Kubo's gateway),
    /// checked against their CIDs, and kept.
    Embedded(PeerBlockSource),
    /// A Kubo daemon or pinning service with Kubo's RPC API (`--ipfs-api`).
    Kubo(KuboRpc),
}

impl IpfsBackend {
    /// The embedded store in `dir`, asking `peers` (gateway base URLs) for missing blocks.
    ///
    /// # Errors
    /// `Document(Io)` if the directory cannot be created.
    pub fn embedded(
        dir: impl Into<PathBuf>,
        peers: Vec<String>,
        timeout: Duration,
    ) -> Result<Self> {
        Ok(Self::Embedded(PeerBlockSource::new(
            FsBlockStore::open(dir)?,
            peers,
            timeout,
        )))
    }

    /// A Kubo RPC API at `api` (e.g. `http://127.0.0.1:5001`).
    pub fn kubo(api: &str, timeout: Duration) -> Self {
        Self::Kubo(KuboRpc::new(api, timeout))
    }

    /// Where the embedded store lives unless told otherwise: `$XDG_DATA_HOME/ehr/ipfs`, else
    /// `~/.local/share/ehr/ipfs` (the `ehr` tool's default, for the CLI and `ehr serve` alike).
    pub fn default_dir() -> PathBuf {
        std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/share"))
            })
            .unwrap_or_else(|| PathBuf::from("."))
            .join("ehr")
            .join("ipfs")
    }
}

impl BlockSink for IpfsBackend {
    fn put_block(&mut self, cid: &Cid, bytes: &[u8]) -> Result<(), DocumentError> {
        match self {
            Self::Embedded(store) => store.put_block(cid, bytes),
            Self::Kubo(kubo) => kubo.put_block(cid, bytes),
        }
    }
}

impl BlockSource for IpfsBackend {
    fn get_block(&mut self, cid: &Cid) -> Result<Vec<u8>, DocumentError> {
        match self {
            Self::Embedded(store) => store.get_block(cid),
            Self::Kubo(kubo) => kubo.get_block(cid),
        }
    }

    fn prefetch(&mut self, cids: &[Cid]) {
        match self {
            Self::Embedded(store) => store.prefetch(cids),
            Self::Kubo(kubo) => kubo.prefetch(cids),
        }
    }
}

/// What to upload: a file, or anything that reads.
pub enum DocumentSource {
    /// A file, read from its path.
    File(PathBuf),
    /// Any reader (a network stream, a pipe, bytes in memory).
    Reader(Box<dyn Read + Send>),
}

impl DocumentSource {
    /// Any reader.
    pub fn reader(reader: impl Read + Send + 'static) -> Self {
        Self::Reader(Box::new(reader))
    }

    fn open(self) -> Result<Box<dyn Read + Send>, DocumentError> {
        match self {
            Self::File(path) => {
                let file = std::fs::File::open(&path).map_err(|err| {
                    DocumentError::InvalidInput(format!("cannot read {}: {err}", path.display()))
                })?;
                Ok(Box::new(std::io::BufReader::with_capacity(1 << 16, file)))
            }
            Self::Reader(reader) => Ok(reader),
        }
    }
}

impl From<&Path> for DocumentSource {
    fn from(path: &Path) -> Self {
        Self::File(path.to_path_buf())
    }
}

impl From<PathBuf> for DocumentSource {
    fn from(path: PathBuf) -> Self {
        Self::File(path)
    }
}

/// A document encrypted, stored on IPFS, and referenced on chain.
#[derive(Debug)]
pub struct UploadedDocument {
    /// Its identifier in the patient's record.
    pub id: DocumentId,
    /// The IPFS CID of the encrypted blob (kept off chain; the chain has it encrypted).
    pub cid: Cid,
    /// The record-key epoch the document key is wrapped under.
    pub key_epoch: u32,
    /// Bytes of plaintext.
    pub plaintext_len: u64,
    /// Bytes of the encrypted blob on IPFS.
    pub blob_len: u64,
    /// The block that included `upload_document`.
    pub block_hash: H256,
    /// The rotation the patient's vault made first, because the contract answered
    /// `RotationRequired`.
    pub rotation: Option<KeyRotation>,
}

/// A document opened through the logged `open_document` message, decrypted and checked.
#[derive(Debug, Clone)]
pub struct OpenedDocument {
    /// What the chain holds about it.
    pub document: Document,
    /// Its kind code, from the encrypted reference.
    pub kind: u16,
    /// The CID of the encrypted blob it was read from.
    pub cid: Cid,
    /// Bytes of plaintext written.
    pub plaintext_len: u64,
    /// Where the plaintext was written.
    pub path: PathBuf,
}

/// What a change of the signer's record-key epoch did ([`DocumentVault::revoke_access`],
/// [`DocumentVault::rotate_record_key`], [`DocumentVault::end_emergency_access`]).
#[derive(Debug)]
pub struct KeyRotation {
    /// The transaction that moved the epoch (`revoke_access` or `rotate_record_key`).
    pub submitted: Submitted<()>,
    /// The patient's record-key epoch now.
    pub key_epoch: u32,
    /// Doctors with live grants who now hold the new epoch's key.
    pub reshared: Vec<AccountId>,
    /// Doctors the new key could not be shared with, and why (share again with
    /// [`DocumentVault::share_record_key`]).
    pub failed: Vec<(AccountId, ClientError)>,
    /// Doctors with live grants the new key was not shared with because they are not verified
    /// now (suspended): keys never go to a suspended doctor.
    pub skipped: Vec<(AccountId, DoctorStatus)>,
    /// Whether the key deposited with the emergency custodian was replaced by the new
    /// epoch's (false: the patient has no deposit, or re-depositing failed, see
    /// `deposit_error`).
    pub emergency_key_redeposited: bool,
    /// Why re-depositing failed, if it did.
    pub deposit_error: Option<ClientError>,
}

/// Documents of the contract's patients, for one signer: see the [module docs](self).
pub struct DocumentVault<'a> {
    client: &'a EhrClient,
    keys: EncryptionKeys,
    ipfs: IpfsBackend,
}

impl EhrClient {
    /// Documents end to end for this client's signer, whose X25519 keys are `keys`, storing
    /// blobs in `ipfs`.
    pub fn documents(&self, keys: EncryptionKeys, ipfs: IpfsBackend) -> DocumentVault<'_> {
        DocumentVault {
            client: self,
            keys,
            ipfs,
        }
    }

    /// Documents end to end for this client's signer, whose secret URI is `suri` (the same
    /// secret the signer came from): its X25519 keys are derived from it, in the generation
    /// registered on chain (see [`registered_keys`](Self::registered_keys)).
    ///
    /// # Errors
    /// `Document` if `suri` is not a secret URI; as [`registered_keys`](Self::registered_keys).
    pub async fn vault_for_secret(
        &self,
        suri: &str,
        ipfs: IpfsBackend,
    ) -> Result<DocumentVault<'_>> {
        let keys = self
            .registered_keys(EncryptionKeys::from_suri(suri)?)
            .await?;
        Ok(self.documents(keys, ipfs))
    }

    /// The generation of `keys` (the signer's) whose public half is registered on chain, as a
    /// patient, a doctor or the emergency custodian; `keys` itself if none is registered.
    ///
    /// # Errors
    /// `InvalidInput` if the key on chain is none of this account's generations (it was
    /// registered from another secret); `Rpc` / `Contract` on chain errors.
    pub async fn registered_keys(&self, keys: EncryptionKeys) -> Result<EncryptionKeys> {
        let me = self.account_id();
        let registered = match self.patient(me).await {
            Ok(patient) => Some(patient.public_key),
            Err(ClientError::Contract(ehr::Error::PatientNotRegistered)) => {
                match self.doctor(me).await {
                    Ok(doctor) => Some(doctor.public_key),
                    Err(ClientError::Contract(ehr::Error::DoctorNotRegistered)) => {
                        match self.emergency_custodian().await {
                            Ok(custodian) if custodian.account == me => Some(custodian.public_key),
                            Ok(_) | Err(ClientError::Contract(_)) => None,
                            Err(err) => return Err(err),
                        }
                    }
                    Err(err) => return Err(err),
                }
            }
            Err(err) => return Err(err),
        };
        match registered {
            None => Ok(keys),
            Some(public_key) => keys.matching(&public_key).ok_or_else(|| {
                ClientError::InvalidInput(
                    "the encryption key registered on chain is not one of this account's".into(),
                )
            }),
        }
    }
}

/// How many re-shares are in flight at once after a revocation.
const RESHARE_IN_FLIGHT: usize = 4;

impl DocumentVault<'_> {
    /// The IPFS backend blobs go to and come from.
    pub fn ipfs(&self) -> &IpfsBackend {
        &self.ipfs
    }

    /// Encrypts `source` on this machine under a fresh document key, stores the blob on IPFS
    /// and adds the document to `patient`'s record with `upload_document` (the signer is the
    /// patient, or a doctor with a write grant holding the patient's current record key).
    ///
    /// `kind` (a document class code) is encrypted with the reference, not public. If the
    /// signer is the patient and the contract answers `RotationRequired`, the vault rotates
    /// and re-shares first ([`UploadedDocument::rotation`]).
    ///
    /// # Errors
    /// `Contract(..)` as `upload_document` (`PatientNotRegistered`, `AccessDenied`,
    /// `RotationRequired` for a doctor: the patient must rotate; checked before anything is
    /// encrypted); `Document(KeyNotShared)` if the patient has not shared the current record
    /// key with this doctor; `Document(Io | Ipfs | InvalidInput)`.
    pub async fn upload_document(
        &self,
        patient: AccountId,
        source: impl Into<DocumentSource>,
        kind: u16,
    ) -> Result<UploadedDocument> {
        self.upload_document_with(patient, source, kind, None, |_| {})
            .await
    }

    /// [`upload_document`](Self::upload_document), replacing document `supersedes`, and
    /// calling `progress` with the plaintext bytes encrypted so far.
    ///
    /// # Errors
    /// As [`upload_document`](Self::upload_document).
    pub async fn upload_document_with(
        &self,
        patient: AccountId,
        source: impl Into<DocumentSource>,
        kind: u16,
        supersedes: Option<DocumentId>,
        progress: impl FnMut(u64) + Send + 'static,
    ) -> Result<UploadedDocument> {
        // Ask the contract first (nothing is stored or encrypted if it would refuse).
        let probe =
            messages::upload_document(patient, vec![0; 64], [0; 32], vec![0; 72], supersedes);
        let mut rotation = match self.client.dry_run(&probe).await {
            Ok(_) => None,
            Err(ClientError::Contract(ehr::Error::RotationRequired))
                if patient == self.client.account_id() =>
            {
                Some(self.rotate_record_key().await?)
            }
            Err(err) => return Err(err),
        };
        let record_key = self.record_key_for_writing(patient).await?;
        let source = source.into();
        let sink = self.ipfs.clone();
        let patient_bytes: [u8; 32] = *AsRef::<[u8; 32]>::as_ref(&patient);
        let mut sealed: SealedDocument = blocking(move || {
            seal_document(
                source.open()?,
                sink,
                &record_key,
                &patient_bytes,
                kind,
                progress,
            )
        })
        .await?;
        let submit = |sealed: &SealedDocument| {
            self.client.upload_document(
                patient,
                sealed.encrypted_cid.clone(),
                sealed.content_hash,
                sealed.wrapped_key.clone(),
                supersedes,
            )
        };
        let done = match submit(&sealed).await {
            // A holder lost access between the dry-run and now (a grant expired meanwhile):
            // rotate, wrap the document key under the new epoch, and submit again.
            Err(ClientError::Contract(ehr::Error::RotationRequired))
                if patient == self.client.account_id() && rotation.is_none() =>
            {
                rotation = Some(self.rotate_record_key().await?);
                sealed.rewrap(&self.record_key_for_writing(patient).await?, &patient_bytes);
                submit(&sealed).await?
            }
            outcome => outcome?,
        };
        Ok(UploadedDocument {
            id: done.value,
            cid: sealed.cid,
            key_epoch: sealed.key_epoch,
            plaintext_len: sealed.plaintext_len,
            blob_len: sealed.blob_len,
            block_hash: done.block_hash,
            rotation,
        })
    }

    /// Opens document `id` of `patient` through the logged `open_document` message (a
    /// transaction: the access is on the audit trail for anyone but the patient), fetches the
    /// blob by CID, decrypts it, checks the content hash, and writes the plaintext to
    /// `output`. Nothing is left at `output` unless every check passed.
    ///
    /// # Errors
    /// `Contract(..)` as `open_document` (`AccessDenied`, `DocumentNotFound`, ...);
    /// `Document(Integrity)` if the blob, its CID or its key was altered, truncated or
    /// swapped; `Document(KeyNotShared | NoKeyShared)` if this account holds no key for the
    /// document's epoch; `Document(BlockNotFound | Ipfs | Io)`.
    pub async fn open_document(
        &self,
        patient: AccountId,
        id: DocumentId,
        output: &Path,
    ) -> Result<OpenedDocument> {
        self.open_document_with(patient, id, output, |_| {}).await
    }

    /// [`open_document`](Self::open_document), calling `progress` with the plaintext bytes
    /// written so far.
    ///
    /// # Errors
    /// As [`open_document`](Self::open_document).
    pub async fn open_document_with(
        &self,
        patient: AccountId,
        id: DocumentId,
        output: &Path,
        progress: impl FnMut(u64) + Send + 'static,
    ) -> Result<OpenedDocument> {
        let opened = self.client.open_document(patient, id).await?;
        let document = opened.value;
        let blob = self
            .decrypt_document(patient, &document, output, progress)
            .await?;
        Ok(OpenedDocument {
            document,
            kind: blob.kind,
            cid: blob.cid,
            plaintext_len: blob.plaintext_len,
            path: output.to_path_buf(),
        })
    }

    /// Decrypts a document whose reference this account already has (from
    /// [`open_document`](Self::open_document) or a page of `get_all_documents`) into
    /// `output`, without another chain call. Returns the kind, the blob's CID and the plaintext
    /// length.
    ///
    /// # Errors
    /// As [`open_document`](Self::open_document), less the contract's.
    pub async fn decrypt_document(
        &self,
        patient: AccountId,
        document: &Document,
        output: &Path,
        progress: impl FnMut(u64) + Send + 'static,
    ) -> Result<OpenedBlob> {
        let record_key = self
            .record_key_for_reading(patient, document.key_epoch)
            .await?;
        let patient_bytes: [u8; 32] = *AsRef::<[u8; 32]>::as_ref(&patient);
        let document = document.clone();
        let source = self.ipfs.clone();
        let output = output.to_path_buf();
        blocking(move || {
            let dir = match output.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
                _ => PathBuf::from("."),
            };
            // Plaintext goes to a temporary file beside the output and is renamed into place
            // only after the content hash matched; on any error it is deleted.
            let temporary = tempfile::NamedTempFile::new_in(&dir)?;
            let mut writer = BufWriter::with_capacity(1 << 16, temporary);
            let reference = DocumentReference {
                patient: &patient_bytes,
                encrypted_cid: &document.encrypted_cid,
                content_hash: &document.content_hash,
                wrapped_key: &document.wrapped_key,
            };
            let opened =
                open_sealed_document(reference, &record_key, source, &mut writer, progress)?;
            writer.flush()?;
            let temporary = writer
                .into_inner()
                .map_err(|err| DocumentError::Io(err.into_error()))?;
            temporary
                .persist(&output)
                .map_err(|err| DocumentError::Io(err.error))?;
            Ok(opened)
        })
        .await
    }

    /// The kind codes of documents of `patient` (a page of `get_all_documents`), decrypted
    /// from their references with the record key this account holds, read from the chain once
    /// for the whole page: no IPFS access, no chain write. `None` for a document this account
    /// holds no key for (added after its key epoch) or whose reference does not open.
    ///
    /// # Errors
    /// As [`record_key`](Self::record_key).
    pub async fn document_kinds(
        &self,
        patient: AccountId,
        documents: &[Document],
    ) -> Result<Vec<Option<u16>>> {
        let held = self.record_key(patient).await?;
        let patient_bytes: [u8; 32] = *AsRef::<[u8; 32]>::as_ref(&patient);
        Ok(documents
            .iter()
            .map(|document| {
                let record_key = held.older(document.key_epoch).ok()?;
                let reference = DocumentReference {
                    patient: &patient_bytes,
                    encrypted_cid: &document.encrypted_cid,
                    content_hash: &document.content_hash,
                    wrapped_key: &document.wrapped_key,
                };
                open_reference(reference, &record_key)
                    .ok()
                    .map(|(_, kind, _)| kind)
            })
            .collect())
    }

    /// Gives `doctor` access to the signer's records until `expires_at` (ms), read-only or
    /// also `write`, with the current record key sealed to the doctor's registered X25519
    /// key.
    ///
    /// If the contract answers `RotationRequired`, rotates and re-shares first.
    ///
    /// # Errors
    /// `Contract(..)` as `doctor` and `grant_access` (`DoctorNotRegistered`,
    /// `DoctorNotVerified`, `ExpiryInPast`, ...).
    pub async fn grant_access(
        &self,
        doctor: AccountId,
        write: bool,
        expires_at: u64,
    ) -> Result<Submitted<()>> {
        self.rotating_if_required(|| async move {
            let sealed = self.current_key_sealed_to(doctor).await?.1;
            self.client
                .grant_access(doctor, write, expires_at, sealed)
                .await
        })
        .await
    }

    /// Shares the signer's current record key with `doctor`, who holds a live grant (after a
    /// revocation moved the epoch, or if the grant was given without a key). If the contract
    /// answers `RotationRequired`, rotates (which re-shares with every entitled doctor).
    ///
    /// # Errors
    /// `Contract(..)` as `share_record_key` (`GrantNotFound`, `AccessDenied`,
    /// `DoctorSuspended`, ...).
    pub async fn share_record_key(&self, doctor: AccountId) -> Result<Submitted<()>> {
        self.rotating_if_required(|| async move {
            let (epoch, sealed) = self.current_key_sealed_to(doctor).await?;
            self.client.share_record_key(doctor, epoch, sealed).await
        })
        .await
    }

    /// Revokes `doctor`'s grant (the contract moves the signer's record key to the next
    /// epoch), then shares the new epoch's key with every other doctor whose grant is live,
    /// so they keep reading and writing what is added from now on while `doctor` cannot, and
    /// re-deposits it with the emergency custodian if the signer had deposited a key.
    ///
    /// What `doctor` already read, or could have read before, cannot be unread: revocation
    /// protects documents added afterwards.
    ///
    /// # Errors
    /// `Contract(..)` as `revoke_access`. Failed re-shares are listed in
    /// [`KeyRotation::failed`], not returned as an error: the revocation itself stands.
    pub async fn revoke_access(&self, doctor: AccountId) -> Result<KeyRotation> {
        let revoked = self.client.revoke_access(doctor).await?;
        self.share_new_epoch(revoked).await
    }

    /// Moves the signer to the next record-key epoch without revoking anyone, shares the new
    /// key with every doctor whose grant is live and re-deposits it with the emergency
    /// custodian: after emergency access whose window is over, or to be safe.
    ///
    /// # Errors
    /// `Contract(PatientNotRegistered)`; re-share failures as in
    /// [`revoke_access`](Self::revoke_access).
    pub async fn rotate_record_key(&self) -> Result<KeyRotation> {
        let rotated = self.client.rotate_record_key().await?;
        self.share_new_epoch(Submitted {
            value: (),
            events: rotated.events,
            block_hash: rotated.block_hash,
            extrinsic_hash: rotated.extrinsic_hash,
            nonce: rotated.nonce,
            gas_limit: rotated.gas_limit,
            storage_deposit_limit: rotated.storage_deposit_limit,
        })
        .await
    }

    /// The patient ends `doctor`'s emergency access now; if the contract then requires a
    /// rotation (the custodian had released the current record key to the doctor, at any time
    /// up to the end), also rotates it ([`rotate_record_key`](Self::rotate_record_key)) so the
    /// doctor's copy opens nothing added after the emergency. The decision is read after the
    /// end is included, so a release that landed just before it is not missed.
    ///
    /// # Errors
    /// `Contract(..)` as `end_emergency_access`, `rotate_record_key`.
    pub async fn end_emergency_access(
        &self,
        doctor: AccountId,
    ) -> Result<(Submitted<()>, Option<KeyRotation>)> {
        let patient = self.client.account_id();
        let ended = self.client.end_emergency_access(patient, doctor).await?;
        let rotation = if self.client.rotation_required(patient).await? {
            Some(self.rotate_record_key().await?)
        } else {
            None
        };
        Ok((ended, rotation))
    }

    /// As a verified doctor: opens emergency access to `patient`'s records with `reason`,
    /// sealed to the patient's public key and padded to a fixed size, so only the patient reads
    /// it. Returns when the access ends (ms).
    ///
    /// # Errors
    /// `Document(InvalidInput)` if `reason` is empty or too long; `Contract(..)` as
    /// `open_emergency_access` (`EmergencyAccessRefused`, `EmergencyCooldown`,
    /// `EmergencyDailyLimit`, `DoctorSuspended`, ...).
    pub async fn open_emergency_access(
        &self,
        patient: AccountId,
        reason: &str,
    ) -> Result<Submitted<Timestamp>> {
        let patient_key = self.client.patient(patient).await?.public_key;
        let sealed = seal_reason(reason, &patient_key)?;
        self.client.open_emergency_access(patient, sealed).await
    }

    /// As the patient: the reason `doctor` gave for its latest emergency access.
    ///
    /// # Errors
    /// `Contract(EmergencyAccessNotFound | NotPermitted)`; `Document(Integrity)` if it was not
    /// sealed to this account's key.
    pub async fn emergency_reason(&self, doctor: AccountId) -> Result<String> {
        let access = self
            .client
            .emergency_access(self.client.account_id(), doctor)
            .await?;
        Ok(self.keys.open_reason(&access.sealed_reason)?)
    }

    /// Replaces the signer's registered encryption key with the next generation's (a lost or
    /// exposed device) and returns the new keys; build a new vault with them. For a doctor,
    /// the contract then has every patient who shared a key with it rotate, and the patient's
    /// vault re-seals the new key to the new public key. A patient's record keys do not change.
    /// Whoever holds the old key still opens what was sealed to it before.
    ///
    /// # Errors
    /// `Contract(NotRegistered)`.
    pub async fn replace_public_key(&self) -> Result<(Submitted<()>, EncryptionKeys)> {
        let next = self.keys.with_generation(self.keys.generation() + 1);
        let submitted = self.client.replace_public_key(next.public_key()).await?;
        Ok((submitted, next))
    }

    /// The patient opts in to break-glass key release: deposits the current record key
    /// sealed to the emergency custodian's public key.
    ///
    /// # Errors
    /// `Contract(EmergencyCustodianNotSet | PatientNotRegistered | ..)`.
    pub async fn deposit_emergency_key(&self) -> Result<Submitted<()>> {
        self.rotating_if_required(|| self.deposit_current_key())
            .await
    }

    /// Runs `operation`, a patient's step that hands out its current record key; if the
    /// contract answers `RotationRequired`, rotates (re-sharing with every entitled doctor and
    /// re-depositing) and runs it once more, with the new epoch's key.
    async fn rotating_if_required<T, Step>(&self, operation: impl Fn() -> Step) -> Result<T>
    where
        Step: std::future::Future<Output = Result<T>>,
    {
        match operation().await {
            Err(ClientError::Contract(ehr::Error::RotationRequired)) => {
                self.rotate_record_key().await?;
                operation().await
            }
            outcome => outcome,
        }
    }

    async fn deposit_current_key(&self) -> Result<Submitted<()>> {
        let custodian = self.client.emergency_custodian().await?;
        let key = self.own_current_key().await?;
        let sealed = key.seal_to(&custodian.public_key);
        self.client.deposit_emergency_key(key.epoch(), sealed).await
    }

    /// As the emergency custodian: opens `patient`'s deposited record key and releases it,
    /// sealed to `doctor`'s registered key, onto the doctor's open emergency access (logged
    /// on the patient's audit trail).
    ///
    /// # Errors
    /// `Contract(NotEmergencyCustodian | EmergencyKeyNotDeposited | EmergencyAccessNotFound
    /// | DoctorNotRegistered ..)`; `Document(Integrity)` if the deposit was not sealed to
    /// this account's key.
    pub async fn release_emergency_key(
        &self,
        patient: AccountId,
        doctor: AccountId,
    ) -> Result<Submitted<()>> {
        let deposit = self.client.emergency_key(patient).await?;
        let record_key = self
            .keys
            .open_record_key(&deposit.sealed_key, deposit.key_epoch)?;
        let public_key = self.client.doctor(doctor).await?.public_key;
        self.client
            .release_emergency_key(
                patient,
                doctor,
                deposit.key_epoch,
                record_key.seal_to(&public_key),
            )
            .await
    }

    /// As the emergency custodian: for every `EmergencyAccessOpened` among `events` (one
    /// block's, from [`EhrClient::watch_events_from`]), releases the patient's deposited key to
    /// the doctor if the contract's rules allow it now (a verified, not suspended doctor the
    /// patient has not refused, whose access is still open, and a deposit with this
    /// custodian). Returns each (patient, doctor) with the release or the typed reason it was
    /// refused; a refusal changes nothing on chain (the release is dry-run first).
    pub async fn release_for_opened_emergencies(
        &self,
        events: &[crate::EhrEvent],
    ) -> Vec<(AccountId, AccountId, Result<Submitted<()>>)> {
        let mut outcomes = Vec::new();
        for event in events {
            if let crate::EhrEvent::EmergencyAccessOpened(opened) = event {
                let released = self
                    .release_emergency_key(opened.patient, opened.doctor)
                    .await;
                outcomes.push((opened.patient, opened.doctor, released));
            }
        }
        outcomes
    }

    /// After the signer's epoch moved: shares the new key with every live grantee holding an
    /// older one who is verified now (never a suspended doctor), and re-deposits it with the
    /// custodian if there is a deposit.
    async fn share_new_epoch(&self, submitted: Submitted<()>) -> Result<KeyRotation> {
        let patient = self.client.account_id();
        let record_key = self.own_current_key().await?;
        let epoch = record_key.epoch();
        let now = self.client.chain_timestamp().await?;
        let mut grantees = Vec::new();
        let mut offset = 0;
        loop {
            let page = self
                .client
                .get_grants(patient, offset, ehr::MAX_PAGE_SIZE)
                .await?;
            let fetched = page.items.len() as u32;
            grantees.extend(
                page.items
                    .into_iter()
                    .filter(|entry| entry.grant.is_live(now) && entry.grant.key_epoch < epoch)
                    .map(|entry| entry.doctor),
            );
            offset += fetched;
            if fetched == 0 || offset >= page.total {
                break;
            }
        }
        let mut shares = Vec::new();
        let mut failed = Vec::new();
        let mut skipped = Vec::new();
        let mut targets = Vec::new();
        for grantee in grantees {
            match self.client.doctor(grantee).await {
                Ok(profile) if profile.status != DoctorStatus::Verified => {
                    skipped.push((grantee, profile.status));
                }
                Ok(profile) => {
                    shares.push(messages::share_record_key(
                        grantee,
                        epoch,
                        record_key.seal_to(&profile.public_key),
                    ));
                    targets.push(grantee);
                }
                Err(err) => failed.push((grantee, err)),
            }
        }
        let mut reshared = Vec::new();
        for (grantee, outcome) in targets
            .into_iter()
            .zip(self.client.submit_many(shares, RESHARE_IN_FLIGHT).await)
        {
            match outcome {
                Ok(_) => reshared.push(grantee),
                Err(err) => failed.push((grantee, err)),
            }
        }
        let (emergency_key_redeposited, deposit_error) =
            match self.client.emergency_key(patient).await {
                Ok(deposit) if deposit.key_epoch < epoch => {
                    match self.deposit_current_key().await {
                        Ok(_) => (true, None),
                        Err(err) => (false, Some(err)),
                    }
                }
                _ => (false, None),
            };
        Ok(KeyRotation {
            submitted,
            key_epoch: epoch,
            reshared,
            failed,
            skipped,
            emergency_key_redeposited,
            deposit_error,
        })
    }

    /// The newest record key of `patient` this account holds: the patient's own, the one
    /// shared on this doctor's grant, or the one the emergency custodian released onto this
    /// doctor's emergency access.
    ///
    /// # Errors
    /// `Contract(PatientNotRegistered)`; `Document(NoKeyShared)` if neither a grant nor an
    /// emergency access carries a key for this account; `Document(Integrity)` if the shared key was not sealed to this account.
    pub async fn record_key(&self, patient: AccountId) -> Result<RecordKey> {
        let me = self.client.account_id();
        if me == patient {
            return self.own_current_key().await;
        }
        let mut held: Option<RecordKey> = None;
        match self.client.grant(patient, me).await {
            Ok(grant) if !grant.wrapped_key.is_empty() => {
                held = Some(
                    self.keys
                        .open_record_key(&grant.wrapped_key, grant.key_epoch)?,
                );
            }
            Ok(_) | Err(ClientError::Contract(ehr::Error::GrantNotFound)) => {}
            Err(err) => return Err(err),
        }
        match self.client.emergency_access(patient, me).await {
            Ok(access) => {
                if let Some(epoch) = access.released_key_epoch {
                    let released = self.keys.open_record_key(&access.released_key, epoch)?;
                    if held.as_ref().is_none_or(|key| key.epoch() < epoch) {
                        held = Some(released);
                    }
                }
            }
            Err(ClientError::Contract(ehr::Error::EmergencyAccessNotFound)) => {}
            Err(err) => return Err(err),
        }
        held.ok_or_else(|| DocumentError::NoKeyShared.into())
    }

    async fn record_key_for_reading(&self, patient: AccountId, epoch: u32) -> Result<RecordKey> {
        Ok(self.record_key(patient).await?.older(epoch)?)
    }

    async fn record_key_for_writing(&self, patient: AccountId) -> Result<RecordKey> {
        let current = self.client.patient(patient).await?.key_epoch;
        if patient == self.client.account_id() {
            return Ok(self.keys.record_key(current)?);
        }
        let held = self.record_key(patient).await?;
        if held.epoch() != current {
            return Err(DocumentError::KeyNotShared {
                needed: current,
                held: held.epoch(),
            }
            .into());
        }
        Ok(held)
    }

    async fn current_key_sealed_to(&self, doctor: AccountId) -> Result<(u32, Vec<u8>)> {
        let public_key = self.client.doctor(doctor).await?.public_key;
        let key = self.own_current_key().await?;
        Ok((key.epoch(), key.seal_to(&public_key)))
    }

    /// The signer's own record key at its current epoch, as the patient.
    async fn own_current_key(&self) -> Result<RecordKey> {
        let epoch = self
            .client
            .patient(self.client.account_id())
            .await?
            .key_epoch;
        Ok(self.keys.record_key(epoch)?)
    }
}

/// Runs blocking file, crypto and HTTP work off the async runtime's threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, DocumentError> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| ClientError::Document(DocumentError::Io(std::io::Error::other(err))))?
        .map_err(ClientError::from)
}
