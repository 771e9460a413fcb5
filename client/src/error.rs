//! The one error type of the client.

use std::time::Duration;

/// Everything that can go wrong between a call and its result. Bad input and lost
/// connections come back as values of this type; the client never panics on them.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The contract refused the call with one of its documented errors. Nothing was submitted
    /// (the dry-run answered it) or, if state changed between the dry-run and inclusion, the
    /// transaction reverted and changed nothing.
    #[error("the contract refused: {text} ({error:?})", error = .0, text = contract_error_text(*.0))]
    Contract(ehr::Error),
    /// The call reached the contract but ink! could not dispatch it (e.g. an unknown selector:
    /// the contract at this address is not this version of `ehr`).
    #[error("the contract could not dispatch the call: {0:?}")]
    LangError(ink::LangError),
    /// The contract trapped or reverted without a decodable result.
    #[error("the contract call reverted: {0}")]
    Reverted(String),
    /// The chain refused the call or the extrinsic failed (out of gas, storage deposit limit,
    /// balance, ...): `Pallet::Error` and its docs.
    #[error("dispatch error: {0}")]
    Dispatch(String),
    /// The node refused the transaction outright: it never entered the pool, and its nonce
    /// is free again.
    #[error("transaction rejected: {0}")]
    Rejected(String),
    /// The transaction was not included and the chain proves it never will be: its era
    /// ended, another transaction used its nonce, or the node refuses it now. Nothing it
    /// would have done happened; it is safe to build and submit it anew.
    #[error("transaction {extrinsic_hash:?} (nonce {nonce}) was not included and never will be: {reason}")]
    NotIncluded {
        /// The transaction's hash.
        extrinsic_hash: subxt::utils::H256,
        /// The signer's nonce it carried.
        nonce: u64,
        /// How the client knows.
        reason: String,
    },
    /// What became of the transaction is not known: it was submitted, then the node could
    /// not be reached or did not decide within [`Options::settle_for`](crate::Options::settle_for).
    /// It may still be included (until its era ends): look for its hash before building it anew.
    #[error("transaction {extrinsic_hash:?} (nonce {nonce}) is unsettled, it may still be included: {reason}")]
    Unsettled {
        /// The transaction's hash.
        extrinsic_hash: subxt::utils::H256,
        /// The signer's nonce it carried.
        nonce: u64,
        /// Why the client could not settle it.
        reason: String,
    },
    /// The transaction was included, once, in `block_hash`, but the node no longer keeps
    /// that block's state, so it cannot say how the transaction went (its events, success
    /// or failure): a pruning node keeps the state of its last blocks only (256 by default).
    /// Read the block's events from an archive node. Never submit it anew: it is on chain.
    #[error("transaction {extrinsic_hash:?} (nonce {nonce}) was included in block {block_hash:?}, but the node has pruned that block's state, so its outcome cannot be read there: ask an archive node")]
    IncludedStatePruned {
        /// The hash of the form included.
        extrinsic_hash: subxt::utils::H256,
        /// The signer's nonce it carried.
        nonce: u64,
        /// The block that includes it.
        block_hash: subxt::utils::H256,
    },
    /// Bytes from the chain did not decode as the expected type.
    #[error("could not decode {what}: {reason}")]
    Decode {
        /// What was being decoded.
        what: &'static str,
        /// The decoder's message.
        reason: String,
    },
    /// The connection to the node failed or an RPC call failed.
    #[error("transport: {0}")]
    Transport(String),
    /// Waiting for the node took longer than the configured time-out.
    #[error("timed out after {after:?} waiting for {waiting_for}")]
    Timeout {
        /// What the client was waiting for.
        waiting_for: &'static str,
        /// The time-out that passed.
        after: Duration,
    },
    /// Input the client cannot use: a malformed account, key, bundle or file.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A document failed off chain: an integrity check, a missing key, IPFS, a local file.
    #[error(transparent)]
    Document(#[from] crate::documents::DocumentError),
    /// A contract call was made before `deploy` or `attach` gave the client an address.
    #[error("no contract address: deploy the contract or attach to one first")]
    NoContract,
    /// The `ehr` tool's config file (remembered contract addresses) could not be read or
    /// written.
    #[error("config {}: {reason}", path.display())]
    Config {
        /// The file.
        path: std::path::PathBuf,
        /// What went wrong.
        reason: String,
    },
}

impl From<subxt::Error> for ClientError {
    fn from(err: subxt::Error) -> Self {
        use subxt::error::{Error, TransactionError};
        match err {
            Error::Runtime(dispatch) => ClientError::Dispatch(dispatch.to_string()),
            Error::Transaction(TransactionError::Invalid(reason))
            | Error::Transaction(TransactionError::Dropped(reason))
            | Error::Transaction(TransactionError::Error(reason)) => ClientError::Rejected(reason),
            Error::Codec(err) => ClientError::Decode {
                what: "chain data",
                reason: err.to_string(),
            },
            Error::Decode(err) => ClientError::Decode {
                what: "chain data",
                reason: err.to_string(),
            },
            // The node answers a bad or stale nonce and a full pool with an RPC error.
            Error::Rpc(subxt::error::RpcError::ClientError(err)) => {
                let text = err.to_string();
                // The pool's own answers (codes 1010 to 1016 of the `author` RPC).
                const POOL_ANSWERS: [&str; 7] = [
                    "Invalid Transaction",
                    "Unknown Transaction Validity",
                    "Transaction is temporarily banned",
                    "Transaction Already Imported",
                    "Priority is too low",
                    "Cycle Detected",
                    "Immediately Dropped",
                ];
                if POOL_ANSWERS.iter().any(|answer| text.contains(answer)) {
                    ClientError::Rejected(text)
                } else {
                    ClientError::Transport(text)
                }
            }
            other => ClientError::Transport(other.to_string()),
        }
    }
}

/// The client's result type.
pub type Result<T, E = ClientError> = std::result::Result<T, E>;
/// What a contract error means, in words (its documentation: "Returned if …").
pub fn contract_error_text(error: ehr::Error) -> &'static str {
    use ehr::Error::*;
    match error {
        NotAdmin => "the caller is not the admin",
        NotPendingAdmin => "the caller is not the account the admin role is being handed to",
        NotVerifier => "the caller is not a verifier",
        AlreadyVerifier => "the account is a verifier already",
        VerifierNotFound => "the account to remove is not a verifier",
        PatientAlreadyRegistered => "the caller is registered as a patient already",
        PatientNotRegistered => "the account is not a registered patient",
        PatientAlreadyVerified => "the patient's identity was attested already",
        NotPatientVerifier => "the caller is neither a verified doctor nor a verifier (attesting patients), or, withdrawing an attestation, neither a verifier nor the one who made it",
        PatientNotVerified => "an attestation is withdrawn from a patient nobody attested",
        CannotVerifySelf => "an account attests its own patient identity or verifies itself as a doctor",
        NotRegistered => "the caller is registered neither as a patient nor as a doctor",
        DoctorAlreadyRegistered => "the caller is registered as a doctor already",
        DoctorNotRegistered => "the account is not a registered doctor",
        DoctorNotVerified => "the doctor is registered but not verified (pending)",
        DoctorSuspended => "the doctor is suspended",
        DoctorAlreadyVerified => "the doctor is verified already",
        DoctorAlreadySuspended => "the doctor is suspended already",
        InvalidDisplayName => "a display name is empty, longer than 64 bytes, or has control characters",
        InvalidSpecialty => "a specialty is empty, longer than 64 bytes, or has control characters",
        InvalidSlotLength => "a slot length is outside 5..=480 minutes",
        InvalidWindow => "a window does not end after it starts",
        WindowNotAligned => "a window's start or end is not on a slot boundary",
        WindowInPast => "a window ends in the past",
        WindowOverlaps => "a window overlaps one the doctor published already",
        TooManyWindows => "the doctor has 16 open windows already",
        WindowNotFound => "the doctor has no window starting at the given time",
        SlotNotAligned => "a slot start is not on a slot boundary",
        SlotInPast => "a slot starts at or before the current block time",
        SlotOutsideAvailability => "a slot is not inside any of the doctor's windows",
        SlotAlreadyBooked => "the slot is booked already",
        CannotBookSelf => "a doctor tries to book themselves",
        TooManyUpcomingAppointments => "the patient holds 8 upcoming appointments already",
        DoctorFullyBooked => "the doctor has 512 open appointments already",
        AppointmentLimitReached => "the contract holds 1,000,000 open appointments already",
        AppointmentNotFound => "no appointment has the given id",
        NotAppointmentParticipant => "the caller may not act on the appointment (not its patient or doctor, or the patient where only the doctor may act)",
        AppointmentNotBooked => "the appointment is not booked any more (cancelled, fulfilled, no-show)",
        AppointmentStarted => "the appointment has started (it can no longer be cancelled)",
        AppointmentNotStarted => "the appointment has not started (it cannot be fulfilled or no-show yet)",
        CannotGrantSelf => "a patient grants access to themselves",
        ExpiryInPast => "a grant's expiry is not in the future",
        WrappedKeyTooLong => "a wrapped key is longer than 128 bytes",
        GrantNotFound => "the patient never granted the doctor access",
        GrantAlreadyRevoked => "the grant was revoked already",
        StaleKeyEpoch => "a record key is shared for an epoch that is not the patient's current one",
        RotationRequired => "a holder of the patient's current record key has lost access (a grant or an emergency with a released key ended, or a doctor was suspended or replaced its key), so nothing more may be added or shared under it: the patient must rotate_record_key",
        KeyEpochsExhausted => "the patient's record key is at epoch 65,536 and cannot move further",
        RecordKeyNotShared => "a doctor with a write grant does not hold the patient's current record key yet (the patient revoked someone and has not re-shared the key), so cannot add documents",
        AccessDenied => "the caller has no live access to the patient's records (no grant, an expired or revoked one, a read grant where write is needed, or a suspended doctor)",
        InvalidEncryptedCid => "an encrypted CID is empty or longer than 256 bytes",
        DocumentNotFound => "the patient has no document with the given id",
        DocumentNotCurrent => "the document is not current (superseded or entered in error)",
        NotDocumentAuthor => "the caller may not mark or supersede the document (only its author or the patient may)",
        EmergencyAccessActive => "the doctor's emergency access to the patient is open already",
        EmergencyAccessNotFound => "there is no open emergency access to end",
        EmergencyCustodianNotSet => "the admin has not appointed an emergency custodian",
        NotEmergencyCustodian => "the caller is not the emergency custodian the key was deposited with",
        EmergencyKeyNotDeposited => "the patient has not deposited a record key with the emergency custodian",
        EmergencyAccessRefused => "the patient refused break-glass access to this doctor (explicitly, or by revoking the doctor's grant)",
        EmergencyAccessAlreadyRefused => "a refusal is made twice",
        EmergencyAccessNotRefused => "a refusal to lift does not exist",
        EmergencyCooldown => "the doctor's last emergency access to this patient closed less than six hours ago",
        EmergencyDailyLimit => "the doctor opened 5 emergency accesses today (UTC) already",
        InvalidSealedReason => "a sealed emergency reason is empty or longer than 256 bytes",
        NotPermitted => "the caller may not read this (another account's appointments, audit trail or grants)",
        ValueTooLarge => "an encoded value does not fit the contract's storage buffer",
        Overflow => "a counter would overflow",
    }
}
