//! The one error type of the client.

use std::time::Duration;

/// Everything that can go wrong between a call and its result. Bad input and lost
/// connections come back as values of this type; the client never panics on them.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The contract refused the call with one of its documented errors. Nothing was submitted
    /// (the dry-run answered it) or, if state changed between the dry-run and inclusion, the
    /// transaction reverted and changed nothing.
    #[error("contract error: {0:?}")]
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
    /// The transaction pool rejected or dropped the transaction.
    #[error("transaction rejected: {0}")]
    Rejected(String),
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
                if text.contains("Invalid Transaction") || text.contains("Priority is too low") {
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
