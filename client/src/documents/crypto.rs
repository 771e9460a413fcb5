//! The keys and encryption behind documents. Every primitive comes from a RustCrypto crate:
//! XChaCha20-Poly1305 (`chacha20poly1305`, also in its STREAM construction), X25519 sealed boxes
//! (`crypto_box`), BLAKE2b (`blake2`), and the operating system's random numbers (`getrandom`).
//!
//! # Keys
//! - **Account encryption key**: an X25519 key pair per account. The secret is BLAKE2b-256 of
//!   `"ehr/x25519-secret/v1:" ‖ SURI` (the account's secret URI, a domain-separated KDF), so it
//!   never needs storing; the public half is what `register_patient` / `register_doctor` put on
//!   chain.
//! - **Record keys** (per patient, per epoch): a key-regression chain. The patient's seed is
//!   `k[MAX] = BLAKE2b-256(key = account secret, "ehr/record-key-seed/v1")` and
//!   `k[e - 1] = BLAKE2b-256("ehr/record-key-regress/v1" ‖ k[e])`. Whoever holds `k[e]` can
//!   compute every older key and no newer one, so revoking a doctor and moving to epoch
//!   `e + 1` shuts the doctor out of everything added afterwards while the remaining doctors,
//!   given `k[e + 1]`, still open the older documents.
//! - **Document keys**: 32 random bytes per document, wrapped under the record key of the epoch
//!   the document was added in (XChaCha20-Poly1305, bound to the patient and epoch).
//! - **Grants** carry the record key sealed to the doctor's X25519 key (a sealed box: an
//!   ephemeral key pair, X25519 + XSalsa20-Poly1305, 48 bytes of overhead).
//!
//! # Files
//! A file is encrypted under its document key with XChaCha20-Poly1305 in the STREAM
//! construction (64 KiB chunks, each authenticated, the last one marked last), so a file of any
//! size streams through constant memory, and a truncated, reordered or altered blob fails to
//! decrypt. The IPFS CID is encrypted under the document key too, and the content hash on chain
//! is BLAKE2b-256 of the plaintext *keyed* with the document key, so the chain tells nobody
//! whether a document equals a guessed file.

use blake2::{
    digest::{consts::U32, FixedOutput, KeyInit as MacKeyInit, Mac},
    Blake2bMac,
};
use chacha20poly1305::{
    aead::{
        stream::{DecryptorBE32, EncryptorBE32},
        Aead, Payload,
    },
    XChaCha20Poly1305, XNonce,
};
use crypto_box::aead::OsRng;
use rand_core::RngCore;
use std::io::{Read, Write};

use super::DocumentError;
use crate::blake2_256;

/// Highest record-key epoch: each revocation moves a patient one epoch up, so this is how many
/// revocations a patient can make. Deriving the oldest key from the newest takes at most this
/// many hashes (well under a millisecond).
pub const MAX_EPOCH: u32 = 4_096;

/// Plaintext bytes per STREAM chunk.
pub const STREAM_CHUNK: usize = 64 * 1024;

/// AEAD tag length.
const TAG: usize = 16;

/// Magic bytes that start every encrypted document blob (format version 1).
const BLOB_MAGIC: &[u8; 8] = b"EHRDOC1\0";

/// Nonce prefix length of the STREAM construction over XChaCha20-Poly1305 (24 - 5).
const STREAM_NONCE_PREFIX: usize = 19;

/// Length of a blob's header: magic and STREAM nonce prefix.
pub const BLOB_HEADER: usize = BLOB_MAGIC.len() + STREAM_NONCE_PREFIX;

fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

/// An account's X25519 key pair for sealing and opening keys.
#[derive(Clone)]
pub struct EncryptionKeys {
    secret: crypto_box::SecretKey,
}

impl std::fmt::Debug for EncryptionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptionKeys")
            .field("public", &hex::encode(self.public_key()))
            .finish_non_exhaustive()
    }
}

impl EncryptionKeys {
    /// The key pair derived from an account's secret URI (`//Alice`, a mnemonic, ...):
    /// the X25519 secret is BLAKE2b-256 of `"ehr/x25519-secret/v1:" ‖ suri`.
    pub fn from_suri(suri: &str) -> Self {
        let secret = blake2_256(&[b"ehr/x25519-secret/v1:".as_slice(), suri.as_bytes()].concat());
        Self {
            secret: crypto_box::SecretKey::from(secret),
        }
    }

    /// The public half, as registration puts it on chain.
    pub fn public_key(&self) -> [u8; 32] {
        *self.secret.public_key().as_bytes()
    }

    /// This account's record key for `epoch`, as the patient whose records they are.
    ///
    /// # Errors
    /// `InvalidInput` if `epoch` is above [`MAX_EPOCH`].
    pub fn record_key(&self, epoch: u32) -> Result<RecordKey, DocumentError> {
        let mut mac = <Blake2bMac<U32> as MacKeyInit>::new_from_slice(&self.secret.to_bytes())
            .map_err(|_| DocumentError::InvalidInput("record key seed".into()))?;
        Mac::update(&mut mac, b"ehr/record-key-seed/v1");
        let seed: [u8; 32] = mac.finalize_fixed().into();
        RecordKey {
            epoch: MAX_EPOCH,
            key: seed,
        }
        .older(epoch)
    }

    /// Opens a record key that a patient sealed to this account for `epoch`.
    ///
    /// # Errors
    /// `Integrity` if the sealed key was not sealed to this account or was altered.
    pub fn open_record_key(&self, sealed: &[u8], epoch: u32) -> Result<RecordKey, DocumentError> {
        let key = self.secret.unseal(sealed).map_err(|_| {
            DocumentError::Integrity(
                "the sealed record key does not open with this account's key".into(),
            )
        })?;
        let key: [u8; 32] = key.try_into().map_err(|_| {
            DocumentError::Integrity("the sealed record key has the wrong length".into())
        })?;
        if epoch > MAX_EPOCH {
            return Err(DocumentError::InvalidInput(format!(
                "epoch {epoch} is above {MAX_EPOCH}"
            )));
        }
        Ok(RecordKey { epoch, key })
    }
}

/// A patient's record key for one epoch.
#[derive(Clone, PartialEq, Eq)]
pub struct RecordKey {
    epoch: u32,
    key: [u8; 32],
}

impl std::fmt::Debug for RecordKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordKey")
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}

impl RecordKey {
    /// The epoch this key belongs to.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The key of an older (or the same) epoch, derived by hashing down the chain.
    ///
    /// # Errors
    /// `KeyNotShared` if `epoch` is newer than this key's: newer keys cannot be derived.
    pub fn older(&self, epoch: u32) -> Result<RecordKey, DocumentError> {
        if epoch > self.epoch {
            return Err(DocumentError::KeyNotShared {
                needed: epoch,
                held: self.epoch,
            });
        }
        let mut key = self.key;
        for _ in epoch..self.epoch {
            key = blake2_256(&[b"ehr/record-key-regress/v1".as_slice(), &key].concat());
        }
        Ok(RecordKey { epoch, key })
    }

    /// This key sealed to a doctor's X25519 public key (80 bytes), for a grant.
    pub fn seal_to(&self, public_key: &[u8; 32]) -> Vec<u8> {
        crypto_box::PublicKey::from(*public_key)
            .seal(&mut OsRng, &self.key)
            .expect("sealing 32 bytes cannot fail")
    }

    fn wrap_aad(&self, patient: &[u8; 32]) -> Vec<u8> {
        [
            b"ehr/doc-key/v1".as_slice(),
            patient,
            &self.epoch.to_le_bytes(),
        ]
        .concat()
    }
}

/// The random key of one document.
#[derive(Clone, PartialEq, Eq)]
pub struct DocumentKey([u8; 32]);

impl std::fmt::Debug for DocumentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DocumentKey(..)")
    }
}

impl DocumentKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        Self(random())
    }

    /// This key wrapped under `record_key` for `patient` (72 bytes: nonce, key, tag).
    pub fn wrap(&self, record_key: &RecordKey, patient: &[u8; 32]) -> Vec<u8> {
        seal_with(&record_key.key, &self.0, &record_key.wrap_aad(patient))
    }

    /// Unwraps a document key wrapped under `record_key` for `patient`.
    ///
    /// # Errors
    /// `Integrity` if the wrapped key was altered or wrapped under another key or patient.
    pub fn unwrap(
        wrapped: &[u8],
        record_key: &RecordKey,
        patient: &[u8; 32],
    ) -> Result<Self, DocumentError> {
        let key = open_with(&record_key.key, wrapped, &record_key.wrap_aad(patient))
            .map_err(|_| DocumentError::Integrity("the document key does not unwrap".into()))?;
        key.try_into()
            .map(Self)
            .map_err(|_| DocumentError::Integrity("the document key has the wrong length".into()))
    }

    /// The IPFS CID (its binary form) encrypted under this key.
    pub fn encrypt_cid(&self, cid: &[u8]) -> Vec<u8> {
        seal_with(&self.0, cid, b"ehr/cid/v1")
    }

    /// Decrypts an encrypted CID.
    ///
    /// # Errors
    /// `Integrity` if it was altered or belongs to another document.
    pub fn decrypt_cid(&self, encrypted: &[u8]) -> Result<Vec<u8>, DocumentError> {
        open_with(&self.0, encrypted, b"ehr/cid/v1").map_err(|_| {
            DocumentError::Integrity(
                "the encrypted CID does not decrypt with the document key".into(),
            )
        })
    }

    /// The keyed content hash of a plaintext, from a finished hasher.
    fn content_hasher(&self) -> Blake2bMac<U32> {
        <Blake2bMac<U32> as MacKeyInit>::new_from_slice(&self.0).expect("a 32-byte key fits")
    }

    /// Encrypts `plaintext` into `blob` (STREAM, 64 KiB chunks) and returns the plaintext's
    /// length and keyed content hash. Memory use does not depend on the file's size.
    ///
    /// # Errors
    /// `Io` if reading or writing fails.
    pub fn encrypt(
        &self,
        mut plaintext: impl Read,
        mut blob: impl Write,
        mut progress: impl FnMut(u64),
    ) -> Result<Encrypted, DocumentError> {
        let prefix: [u8; STREAM_NONCE_PREFIX] = random();
        let header = [BLOB_MAGIC.as_slice(), &prefix].concat();
        blob.write_all(&header)?;
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let mut encryptor = EncryptorBE32::from_aead(cipher, (&prefix).into());
        let mut hasher = self.content_hasher();
        let mut length = 0u64;
        // Read one chunk ahead, so that the last chunk is known to be last when it is sealed.
        let mut current = vec![0u8; STREAM_CHUNK];
        let mut current_len = read_full(&mut plaintext, &mut current)?;
        let mut next = vec![0u8; STREAM_CHUNK];
        loop {
            let next_len = if current_len == STREAM_CHUNK {
                read_full(&mut plaintext, &mut next)?
            } else {
                0
            };
            let chunk = &current[..current_len];
            Mac::update(&mut hasher, chunk);
            length += current_len as u64;
            let payload = Payload {
                msg: chunk,
                aad: &header,
            };
            if next_len == 0 {
                let sealed = encryptor
                    .encrypt_last(payload)
                    .map_err(|_| DocumentError::InvalidInput("file too large for STREAM".into()))?;
                blob.write_all(&sealed)?;
                progress(length);
                break;
            }
            let sealed = encryptor
                .encrypt_next(payload)
                .map_err(|_| DocumentError::InvalidInput("file too large for STREAM".into()))?;
            blob.write_all(&sealed)?;
            progress(length);
            std::mem::swap(&mut current, &mut next);
            current_len = next_len;
        }
        blob.flush()?;
        Ok(Encrypted {
            plaintext_len: length,
            content_hash: hasher.finalize_fixed().into(),
        })
    }

    /// Decrypts a blob into `plaintext` and checks it against `content_hash`. On any error
    /// part of the plaintext may have been written: write to a temporary file and keep it
    /// only on success.
    ///
    /// # Errors
    /// `Integrity` if the blob was altered, truncated or extended, or decrypts to a file
    /// whose keyed hash is not `content_hash`; `Io` if reading or writing fails.
    pub fn decrypt(
        &self,
        mut blob: impl Read,
        mut plaintext: impl Write,
        content_hash: &[u8; 32],
        mut progress: impl FnMut(u64),
    ) -> Result<u64, DocumentError> {
        let mut header = [0u8; BLOB_HEADER];
        if read_full(&mut blob, &mut header)? != BLOB_HEADER || &header[..8] != BLOB_MAGIC {
            return Err(DocumentError::Integrity(
                "the blob is not an encrypted document".into(),
            ));
        }
        let prefix: [u8; STREAM_NONCE_PREFIX] = header[8..].try_into().expect("19 bytes");
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let mut decryptor = Some(DecryptorBE32::from_aead(cipher, (&prefix).into()));
        let mut hasher = self.content_hasher();
        let sealed_chunk = STREAM_CHUNK + TAG;
        let mut current = vec![0u8; sealed_chunk];
        let mut current_len = read_full(&mut blob, &mut current)?;
        let mut next = vec![0u8; sealed_chunk];
        let mut length = 0u64;
        let tampered = || DocumentError::Integrity("the blob was altered or truncated".into());
        loop {
            if current_len < TAG {
                return Err(tampered());
            }
            let next_len = if current_len == sealed_chunk {
                read_full(&mut blob, &mut next)?
            } else {
                0
            };
            let payload = Payload {
                msg: &current[..current_len],
                aad: &header,
            };
            let last = next_len == 0;
            let stream = decryptor.as_mut().ok_or_else(tampered)?;
            let chunk = if last {
                let stream = decryptor.take().ok_or_else(tampered)?;
                stream.decrypt_last(payload).map_err(|_| tampered())?
            } else {
                stream.decrypt_next(payload).map_err(|_| tampered())?
            };
            Mac::update(&mut hasher, &chunk);
            plaintext.write_all(&chunk)?;
            length += chunk.len() as u64;
            progress(length);
            if last {
                break;
            }
            std::mem::swap(&mut current, &mut next);
            current_len = next_len;
        }
        plaintext.flush()?;
        let actual: [u8; 32] = hasher.finalize_fixed().into();
        if &actual != content_hash {
            return Err(DocumentError::Integrity(
                "the decrypted file does not match the content hash on chain".into(),
            ));
        }
        Ok(length)
    }
}

/// What encrypting a file produced besides the blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encrypted {
    /// Bytes of plaintext read.
    pub plaintext_len: u64,
    /// BLAKE2b-256 of the plaintext keyed with the document key (what goes on chain).
    pub content_hash: [u8; 32],
}

/// Size of the blob that encrypting `plaintext_len` bytes makes.
pub fn blob_len(plaintext_len: u64) -> u64 {
    let chunks = plaintext_len.div_ceil(STREAM_CHUNK as u64).max(1);
    BLOB_HEADER as u64 + plaintext_len + chunks * TAG as u64
}

/// XChaCha20-Poly1305 with a random nonce: `nonce ‖ ciphertext ‖ tag`.
fn seal_with(key: &[u8; 32], message: &[u8], aad: &[u8]) -> Vec<u8> {
    let nonce: [u8; 24] = random();
    let cipher = XChaCha20Poly1305::new(key.into());
    let sealed = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: message, aad })
        .expect("encrypting a short message cannot fail");
    [nonce.as_slice(), &sealed].concat()
}

fn open_with(key: &[u8; 32], sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, ()> {
    if sealed.len() < 24 + TAG {
        return Err(());
    }
    let (nonce, ciphertext) = sealed.split_at(24);
    XChaCha20Poly1305::new(key.into())
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map_err(|_| ())
}

/// Reads until `buffer` is full or the reader ends; returns the bytes read.
fn read_full(reader: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(filled)
}
