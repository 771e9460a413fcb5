//! The keys and encryption behind documents. Every primitive comes from a RustCrypto crate:
//! XChaCha20-Poly1305 (`chacha20poly1305`, also in its STREAM construction), X25519 sealed boxes
//! (`crypto_box`), BLAKE2b (`blake2`), and the operating system's random numbers (`getrandom`).
//!
//! # Keys
//! - **Account encryption key**: an X25519 key pair per account and *generation*. The secret is
//!   BLAKE2b-256 keyed with the account's sr25519 secret key bytes (see
//!   [`AccountSecret`](crate::AccountSecret)) over `"ehr/x25519-secret/v2" ‖ generation`, so it
//!   never needs storing, and a mnemonic and its hex seed give the same key. The public half is
//!   what `register_patient` / `register_doctor` put on chain; `replace_public_key` moves to the
//!   next generation (a lost or exposed device), and the client finds its generation by
//!   matching the key on chain.
//! - **Record keys** (per patient, per epoch): a key-regression chain, independent of the
//!   encryption key's generation. The patient's seed is
//!   `k[MAX] = BLAKE2b-256(key = account secret key bytes, "ehr/record-key-seed/v2")` and
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

/// Highest record-key epoch, the contract's own [`ehr::MAX_KEY_EPOCH`]: each revocation or
/// rotation moves a patient one epoch up, and the contract refuses to move past it. Deriving
/// the oldest key from the newest takes at most this many hashes (about 20 ms).
pub const MAX_EPOCH: u32 = ehr::MAX_KEY_EPOCH;

/// Most encryption-key generations the client looks through to find the one registered on
/// chain (each `replace_public_key` moves one up).
pub const MAX_KEY_GENERATIONS: u32 = 64;

/// Bytes of an emergency reason's padded plaintext: a 2-byte length, the UTF-8 text, zeros. A
/// sealed box adds 48, so every sealed reason is exactly `ehr::MAX_SEALED_REASON_LEN` bytes.
const REASON_PADDED: usize = ehr::MAX_SEALED_REASON_LEN - 48;

/// Longest emergency reason, in bytes of UTF-8.
pub const MAX_REASON_LEN: usize = REASON_PADDED - 2;

/// Domain of one key-regression step: `k[e - 1] = BLAKE2b-256(REGRESS_DOMAIN ‖ k[e])`.
const REGRESS_DOMAIN: &[u8] = b"ehr/record-key-regress/v1";

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

/// An account's X25519 key pair (of one generation) for sealing and opening keys, and its
/// record-key seed.
#[derive(Clone)]
pub struct EncryptionKeys {
    account: crate::AccountSecret,
    generation: u32,
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
    /// The generation-0 key pair of the account `suri` names (`//Alice`, a mnemonic, a hex
    /// seed, ...).
    ///
    /// # Errors
    /// `InvalidInput` if `suri` is not a valid secret URI.
    pub fn from_suri(suri: &str) -> Result<Self, DocumentError> {
        let account = crate::AccountSecret::from_suri(suri)
            .map_err(|_| DocumentError::InvalidInput("the secret URI is malformed".into()))?;
        Ok(Self::from_account_secret(account, 0))
    }

    /// The key pair of `generation` derived from an account's secret key bytes.
    pub fn from_account_secret(account: crate::AccountSecret, generation: u32) -> Self {
        let mut message = b"ehr/x25519-secret/v2".to_vec();
        message.extend_from_slice(&generation.to_le_bytes());
        let secret = keyed_hash(account.bytes(), &message);
        Self {
            account,
            generation,
            secret: crypto_box::SecretKey::from(secret),
        }
    }

    /// The same account's key pair of another generation.
    pub fn with_generation(&self, generation: u32) -> Self {
        Self::from_account_secret(self.account.clone(), generation)
    }

    /// The same account's key pair whose public half is `registered` (the key on chain), looking
    /// through generations `0..MAX_KEY_GENERATIONS`.
    pub fn matching(&self, registered: &[u8; 32]) -> Option<Self> {
        (0..MAX_KEY_GENERATIONS)
            .map(|generation| self.with_generation(generation))
            .find(|keys| &keys.public_key() == registered)
    }

    /// Which generation this key pair is.
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// The account these keys belong to.
    pub fn account(&self) -> ink::primitives::AccountId {
        self.account.account()
    }

    /// The public half, as registration puts it on chain.
    pub fn public_key(&self) -> [u8; 32] {
        *self.secret.public_key().as_bytes()
    }

    /// This account's record key for `epoch`, as the patient whose records they are. The
    /// record keys do not depend on the encryption key's generation.
    ///
    /// # Errors
    /// `InvalidInput` if `epoch` is above [`MAX_EPOCH`].
    pub fn record_key(&self, epoch: u32) -> Result<RecordKey, DocumentError> {
        if epoch > MAX_EPOCH {
            return Err(DocumentError::InvalidInput(format!(
                "epoch {epoch} is above {MAX_EPOCH}"
            )));
        }
        RecordKey {
            epoch: MAX_EPOCH,
            key: keyed_hash(self.account.bytes(), b"ehr/record-key-seed/v2"),
        }
        .older(epoch)
    }

    /// Opens a record key that a patient sealed to this account for `epoch`: to this
    /// generation's key or, if it was sealed before a key replacement, to an older one.
    ///
    /// # Errors
    /// `Integrity` if the sealed key was not sealed to this account or was altered.
    pub fn open_record_key(&self, sealed: &[u8], epoch: u32) -> Result<RecordKey, DocumentError> {
        let key = (0..=self.generation)
            .rev()
            .find_map(|generation| {
                if generation == self.generation {
                    self.secret.unseal(sealed).ok()
                } else {
                    self.with_generation(generation).secret.unseal(sealed).ok()
                }
            })
            .ok_or_else(|| {
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

    /// Opens an emergency reason a doctor sealed to this account (the patient) with
    /// [`seal_reason`], trying older generations as [`open_record_key`](Self::open_record_key).
    ///
    /// # Errors
    /// `Integrity` if it was not sealed to this account or is malformed.
    pub fn open_reason(&self, sealed: &[u8]) -> Result<String, DocumentError> {
        let malformed = || DocumentError::Integrity("the sealed reason does not open".into());
        let padded = (0..=self.generation)
            .rev()
            .find_map(|generation| self.with_generation(generation).secret.unseal(sealed).ok())
            .ok_or_else(malformed)?;
        let length = padded
            .get(..2)
            .map(|bytes| usize::from(u16::from_le_bytes([bytes[0], bytes[1]])))
            .ok_or_else(malformed)?;
        let text = padded.get(2..2 + length).ok_or_else(malformed)?;
        String::from_utf8(text.to_vec()).map_err(|_| malformed())
    }
}

/// An emergency reason sealed to the patient's public key, padded so every sealed reason has
/// the same length (`ehr::MAX_SEALED_REASON_LEN`): a chain observer learns neither the text
/// nor its length, and nobody can test a guess against it.
///
/// # Errors
/// `InvalidInput` if `reason` is empty or longer than [`MAX_REASON_LEN`] bytes.
pub fn seal_reason(reason: &str, patient_public_key: &[u8; 32]) -> Result<Vec<u8>, DocumentError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.len() > MAX_REASON_LEN {
        return Err(DocumentError::InvalidInput(format!(
            "the reason must be 1 to {MAX_REASON_LEN} bytes"
        )));
    }
    let mut padded = vec![0u8; REASON_PADDED];
    padded[..2].copy_from_slice(&(reason.len() as u16).to_le_bytes());
    padded[2..2 + reason.len()].copy_from_slice(reason.as_bytes());
    crypto_box::PublicKey::from(*patient_public_key)
        .seal(&mut OsRng, &padded)
        .map_err(|_| DocumentError::InvalidInput("sealing the reason failed".into()))
}

/// BLAKE2b-256 keyed with `key` (up to 64 bytes) over `message`.
fn keyed_hash(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac =
        <Blake2bMac<U32> as MacKeyInit>::new_from_slice(key).expect("keys of up to 64 bytes fit");
    Mac::update(&mut mac, message);
    mac.finalize_fixed().into()
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
        let mut message = [0u8; REGRESS_DOMAIN.len() + 32];
        message[..REGRESS_DOMAIN.len()].copy_from_slice(REGRESS_DOMAIN);
        for _ in epoch..self.epoch {
            message[REGRESS_DOMAIN.len()..].copy_from_slice(&key);
            key = blake2_256(&message);
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

    /// The document's reference, encrypted under this key: its kind code (2 bytes) and the
    /// IPFS CID (binary form). This is `encrypted_cid` on chain, so the kind is not public.
    pub fn encrypt_reference(&self, kind: u16, cid: &[u8]) -> Vec<u8> {
        let plaintext = [kind.to_le_bytes().as_slice(), cid].concat();
        seal_with(&self.0, &plaintext, b"ehr/reference/v2")
    }

    /// Decrypts an encrypted reference into the kind code and the CID bytes.
    ///
    /// # Errors
    /// `Integrity` if it was altered or belongs to another document.
    pub fn decrypt_reference(&self, encrypted: &[u8]) -> Result<(u16, Vec<u8>), DocumentError> {
        let plaintext = open_with(&self.0, encrypted, b"ehr/reference/v2").map_err(|_| {
            DocumentError::Integrity(
                "the encrypted reference does not decrypt with the document key".into(),
            )
        })?;
        match plaintext.split_first_chunk::<2>() {
            Some((kind, cid)) => Ok((u16::from_le_bytes(*kind), cid.to_vec())),
            None => Err(DocumentError::Integrity(
                "the encrypted reference is too short".into(),
            )),
        }
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
