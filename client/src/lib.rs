//! # ehr-client: typed Rust for the `ehr` ink! contract
//!
//! A dApp adds this one dependency and calls every message of the EHR contract with the
//! contract crate's own types, on a `substrate-contracts-node` (pallet-contracts) chain:
//!
//! - [`EhrClient`]: connect with a signer, [`deploy`](EhrClient::deploy_bundle) a `.contract`
//!   bundle or [`attach`](EhrClient::attach) to a contract, then one typed async method per
//!   message (`client.book_appointment(doctor, start)`, `client.get_all_doctors(..)`, ...);
//! - [`messages`]: the typed call descriptors behind those methods, for batching with
//!   [`EhrClient::submit_many`];
//! - [`EhrEvent`]: the contract's events, decoded from each transaction;
//! - [`ClientError`]: one error type; a contract refusal is `ClientError::Contract(ehr::Error)`.
//!
//! ```no_run
//! # async fn run() -> ehr_client::Result<()> {
//! use ehr_client::{dev_signer, AccountId, EhrClient, ClientError};
//!
//! let contract = "5C4hrfjw9DjXZTzV3MwzrrAr9P1MJhSrvWGWqi1eSuyUpnhM".parse().unwrap();
//! let patient = EhrClient::connect("ws://127.0.0.1:9944", dev_signer("//Bob")?)
//!     .await?
//!     .attach(contract);
//! let doctor: AccountId = ehr_client::account_from_dev_uri("//Charlie")?;
//! let start = 1_900_000_800_000;
//! if patient.check_doctor_availability(doctor, start).await? {
//!     let booked = patient.book_appointment(doctor, start).await?;
//!     println!("appointment {} in block {:?}", booked.value, booked.block_hash);
//! }
//! // A refused call is a typed error, and nothing was submitted:
//! match patient.book_appointment(doctor, start).await {
//!     Err(ClientError::Contract(ehr::Error::SlotAlreadyBooked)) => {}
//!     other => panic!("unexpected: {other:?}"),
//! }
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

pub mod accounts;
mod bundle;
mod client;
pub mod config;
mod connection;
pub mod documents;
mod error;
pub mod events;
pub mod messages;
pub mod node;
pub mod privacy;
pub mod schedule;
pub mod signer_pool;
pub mod submission;
pub mod vault;

pub use accounts::{
    account_from_dev_uri, dev_signer, parse_account, ss58, to_chain_account, to_contract_account,
    AccountSecret,
};
pub use bundle::ContractBundle;
pub use client::{
    decode_message_result, Deployment, DryRun, EhrClient, FaultCounts, Finality, Options, Submitted,
};
/// The contract crate: its types ([`ehr::Appointment`], [`ehr::Doctor`], ...) and
/// [`ehr::Error`] are the client's.
pub use ehr;
pub use error::{contract_error_text, ClientError, Result};
pub use events::EhrEvent;
pub use ink::primitives::AccountId;
pub use signer_pool::SignerPool;
pub use submission::{Included, Submission};
pub use subxt::utils::AccountId32;
pub use subxt_signer::sr25519::Keypair;
pub use vault::{DocumentSource, DocumentVault, IpfsBackend};

/// The hash of a doctor's licence number that goes on chain (`register_doctor`): BLAKE2b-256
/// of the number with surrounding whitespace removed. The number itself never leaves this
/// machine.
pub fn licence_hash(licence_number: &str) -> [u8; 32] {
    blake2_256(licence_number.trim().as_bytes())
}

/// BLAKE2b-256 of `bytes`, the hash the chain uses for code and selectors.
pub fn blake2_256(bytes: &[u8]) -> [u8; 32] {
    use blake2::{digest::consts::U32, Blake2b, Digest};
    Blake2b::<U32>::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_message_result_maps_each_layer() {
        let ok: core::result::Result<core::result::Result<u32, ehr::Error>, ink::LangError> =
            Ok(Ok(7));
        assert_eq!(decode_message_result::<u32>(&ok.encode()).unwrap(), 7);
        let refused: core::result::Result<core::result::Result<u32, ehr::Error>, ink::LangError> =
            Ok(Err(ehr::Error::SlotAlreadyBooked));
        assert!(matches!(
            decode_message_result::<u32>(&refused.encode()),
            Err(ClientError::Contract(ehr::Error::SlotAlreadyBooked))
        ));
        assert!(matches!(
            decode_message_result::<u32>(&[9, 9]),
            Err(ClientError::Decode { .. })
        ));
    }

    use codec::Encode;
}
