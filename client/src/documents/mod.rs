//! Documents end to end, off chain: a file is encrypted on the uploader's machine, stored on
//! IPFS as a Kubo-compatible UnixFS DAG, and described on chain only by its encrypted CID, a
//! keyed content hash and its wrapped key.
//!
//! - [`crypto`]: account keys, per-epoch record keys, document keys, streaming encryption;
//! - [`unixfs`]: CIDs and DAGs exactly as `ipfs add --cid-version=1` makes them;
//! - [`store`]: the embedded block store, its trustless-gateway server and peer fetching, and a
//!   Kubo RPC backend.
//!
//! [`seal_document`] and [`open_sealed_document`] join the three; both stream in constant
//! memory whatever the file's size.

pub mod crypto;
pub mod store;
pub mod unixfs;

use cid::Cid;
use std::io::{Read, Write};

pub use crypto::{seal_reason, DocumentKey, EncryptionKeys, RecordKey};
pub use store::{FsBlockStore, GatewayServer, KuboRpc, MemoryBlockStore, PeerBlockSource};
pub use unixfs::{BlockSink, BlockSource, DagReader, FileImporter};

/// What can go wrong with a document off chain.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// A blob, block, key or CID was altered, truncated, swapped, or does not match what the
    /// chain says. Nothing decrypted is kept.
    #[error("integrity check failed: {0}")]
    Integrity(String),
    /// The document was added in a newer record-key epoch than the key this account holds
    /// (for a doctor: the patient revoked someone and has not re-shared the new key with you,
    /// or revoked you).
    #[error("no key for this document: it needs record key epoch {needed}, this account holds epoch {held}")]
    KeyNotShared {
        /// The epoch the document's key is wrapped under.
        needed: u32,
        /// The newest epoch this account holds.
        held: u32,
    },
    /// The patient has shared no record key with this account (a grant given without one, or
    /// emergency access whose key was not released yet).
    #[error("the patient has shared no record key with this account")]
    NoKeyShared,
    /// No store or peer has the block.
    #[error("IPFS block {0} not found")]
    BlockNotFound(String),
    /// A CID this code does not read (another hash or codec, or a non-file DAG).
    #[error("unsupported CID: {0}")]
    UnsupportedCid(String),
    /// The IPFS backend failed (unreachable, refused, answered nonsense).
    #[error("IPFS: {0}")]
    Ipfs(String),
    /// Bad input from the caller.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// Reading or writing a local file failed.
    #[error("I/O: {0}")]
    Io(std::io::Error),
}

impl From<std::io::Error> for DocumentError {
    /// Unwraps a `DocumentError` that travelled through an `io::Error` (from a [`DagReader`]
    /// or a [`FileImporter`]), so an integrity failure stays one.
    fn from(err: std::io::Error) -> Self {
        if err
            .get_ref()
            .is_some_and(|inner| inner.is::<DocumentError>())
        {
            if let Some(inner) = err.into_inner() {
                if let Ok(document_error) = inner.downcast::<DocumentError>() {
                    return *document_error;
                }
            }
            return DocumentError::Ipfs("an error was lost in transit".into());
        }
        DocumentError::Io(err)
    }
}

/// A document encrypted and stored, and what goes on chain about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedDocument {
    /// The IPFS CID of the encrypted blob (never on chain in the clear).
    pub cid: Cid,
    /// The document's kind code and CID, encrypted under the document key (the
    /// `encrypted_cid` of `upload_document`).
    pub encrypted_cid: Vec<u8>,
    /// BLAKE2b-256 of the plaintext keyed with the document key (for `upload_document`).
    pub content_hash: [u8; 32],
    /// The document key wrapped under the record key (for `upload_document`).
    pub wrapped_key: Vec<u8>,
    /// The record-key epoch the document key is wrapped under.
    pub key_epoch: u32,
    /// Bytes of plaintext.
    pub plaintext_len: u64,
    /// Bytes of the encrypted blob stored on IPFS.
    pub blob_len: u64,
    /// The document key (secret: whoever holds it reads the document).
    pub document_key: DocumentKey,
}

impl SealedDocument {
    /// Wraps the document key again, under another record key (the patient rotated between
    /// sealing and submitting); the blob and its reference stay as they are.
    pub fn rewrap(&mut self, record_key: &RecordKey, patient: &[u8; 32]) {
        self.wrapped_key = self.document_key.wrap(record_key, patient);
        self.key_epoch = record_key.epoch();
    }
}

/// Encrypts everything `plaintext` yields under a fresh document key, stores the blob's blocks
/// in `sink`, and returns what goes on chain; `kind` (a document class code) travels encrypted
/// with the CID. `progress` gets the plaintext bytes done.
///
/// # Errors
/// `Io` if reading fails; whatever the sink fails with.
pub fn seal_document(
    plaintext: impl Read,
    sink: impl BlockSink,
    record_key: &RecordKey,
    patient: &[u8; 32],
    kind: u16,
    progress: impl FnMut(u64),
) -> Result<SealedDocument, DocumentError> {
    let key = DocumentKey::generate();
    let mut importer = FileImporter::new(sink);
    let encrypted = key.encrypt(plaintext, &mut importer, progress)?;
    let (cid, blob_len, _) = importer.finish()?;
    Ok(SealedDocument {
        encrypted_cid: key.encrypt_reference(kind, &cid.to_bytes()),
        cid,
        content_hash: encrypted.content_hash,
        wrapped_key: key.wrap(record_key, patient),
        key_epoch: record_key.epoch(),
        plaintext_len: encrypted.plaintext_len,
        blob_len,
        document_key: key,
    })
}

/// What the chain holds about a document, as [`open_sealed_document`] needs it.
#[derive(Debug, Clone, Copy)]
pub struct DocumentReference<'a> {
    /// The patient whose record it is.
    pub patient: &'a [u8; 32],
    /// The encrypted CID.
    pub encrypted_cid: &'a [u8],
    /// The keyed content hash.
    pub content_hash: &'a [u8; 32],
    /// The wrapped document key.
    pub wrapped_key: &'a [u8],
}

/// The kind code and CID a document's encrypted reference holds, unwrapping its key with
/// `record_key` (of the document's epoch). No IPFS access.
///
/// # Errors
/// `Integrity` if the wrapped key or the reference was altered or swapped.
pub fn open_reference(
    reference: DocumentReference<'_>,
    record_key: &RecordKey,
) -> Result<(DocumentKey, u16, Cid), DocumentError> {
    let key = DocumentKey::unwrap(reference.wrapped_key, record_key, reference.patient)?;
    let (kind, cid_bytes) = key.decrypt_reference(reference.encrypted_cid)?;
    let cid = Cid::try_from(cid_bytes.as_slice())
        .map_err(|err| DocumentError::Integrity(format!("the decrypted CID is invalid: {err}")))?;
    Ok((key, kind, cid))
}

/// What [`open_sealed_document`] found and wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedBlob {
    /// The document's kind code, from its encrypted reference.
    pub kind: u16,
    /// The CID of the encrypted blob.
    pub cid: Cid,
    /// Bytes of plaintext written.
    pub plaintext_len: u64,
}

/// Unwraps the document key with `record_key` (of the document's epoch), decrypts the
/// reference, fetches the blob from `source` block by block, decrypts it into `plaintext` and
/// checks the content hash. On an error, what was written to `plaintext` must be thrown away
/// (write into a temporary file, keep it on success).
///
/// # Errors
/// `Integrity` for any alteration (blob, block, encrypted CID, wrapped key, swapped
/// references); `BlockNotFound` / `Ipfs` if the blob cannot be fetched; `Io`.
pub fn open_sealed_document(
    reference: DocumentReference<'_>,
    record_key: &RecordKey,
    source: impl BlockSource,
    plaintext: impl Write,
    progress: impl FnMut(u64),
) -> Result<OpenedBlob, DocumentError> {
    let (key, kind, cid) = open_reference(reference, record_key)?;
    let blob = DagReader::new(source, cid);
    let plaintext_len = key.decrypt(blob, plaintext, reference.content_hash, progress)?;
    Ok(OpenedBlob {
        kind,
        cid,
        plaintext_len,
    })
}

#[cfg(test)]
mod tests;
