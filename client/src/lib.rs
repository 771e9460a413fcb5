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

mod bundle;
mod client;
pub mod documents;
mod error;
pub mod events;
pub mod messages;
pub mod node;
pub mod privacy;
pub mod vault;

pub use bundle::ContractBundle;
pub use client::{
    decode_message_result, Deployment, DryRun, EhrClient, Finality, Options, Submitted,
};
/// The contract crate: its types ([`ehr::Appointment`], [`ehr::Doctor`], ...) and
/// [`ehr::Error`] are the client's.
pub use ehr;
pub use error::{ClientError, Result};
pub use events::EhrEvent;
pub use ink::primitives::AccountId;
pub use subxt::utils::AccountId32;
pub use subxt_signer::sr25519::Keypair;
pub use vault::{DocumentSource, DocumentVault, IpfsBackend};

use std::str::FromStr;
use subxt_signer::SecretUri;

/// BLAKE2b-256 of `bytes`, the hash the chain uses for code and selectors.
pub fn blake2_256(bytes: &[u8]) -> [u8; 32] {
    use blake2::{digest::consts::U32, Blake2b, Digest};
    Blake2b::<U32>::digest(bytes).into()
}

/// A signer from a secret URI: a dev account (`//Alice`), a seed phrase, or a hex seed,
/// optionally with derivation paths and `///password`.
///
/// # Errors
/// `InvalidInput` if `suri` is not a valid secret URI; the message does not repeat it.
pub fn dev_signer(suri: &str) -> Result<Keypair> {
    let uri = SecretUri::from_str(suri)
        .map_err(|_| ClientError::InvalidInput("the secret URI is malformed".into()))?;
    Keypair::from_uri(&uri)
        .map_err(|_| ClientError::InvalidInput("the secret URI does not give a key".into()))
}

/// The contract-side account of a dev URI such as `//Alice` (public data only).
///
/// # Errors
/// As [`dev_signer`].
pub fn account_from_dev_uri(suri: &str) -> Result<AccountId> {
    Ok(AccountId::from(dev_signer(suri)?.public_key().0))
}

/// The chain's view of a contract-side account.
pub fn to_chain_account(account: &AccountId) -> AccountId32 {
    AccountId32(*AsRef::<[u8; 32]>::as_ref(account))
}

/// The contract's view of a chain account.
pub fn to_contract_account(account: &AccountId32) -> AccountId {
    AccountId::from(account.0)
}

/// Parses an account given as SS58 (`5Grw…`), as 32 bytes of hex (`0x…`), or as a dev URI
/// (`//Alice`, public key only).
///
/// # Errors
/// `InvalidInput` if `text` is none of these.
pub fn parse_account(text: &str) -> Result<AccountId> {
    let text = text.trim();
    if text.starts_with("//") {
        return account_from_dev_uri(text);
    }
    if let Some(hex_text) = text.strip_prefix("0x") {
        let bytes: [u8; 32] = hex::decode(hex_text)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| ClientError::InvalidInput(format!("`{text}` is not 32 bytes of hex")))?;
        return Ok(AccountId::from(bytes));
    }
    AccountId32::from_str(text)
        .map(|account| to_contract_account(&account))
        .map_err(|_| ClientError::InvalidInput(format!("`{text}` is not an account address")))
}

/// An account as SS58 text (generic Substrate prefix 42), the way Contracts UI shows it.
pub fn ss58(account: &AccountId) -> String {
    to_chain_account(account).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_account_works() {
        let alice = account_from_dev_uri("//Alice").unwrap();
        assert_eq!(
            ss58(&alice),
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
        );
        assert_eq!(parse_account(&ss58(&alice)).unwrap(), alice);
        assert_eq!(parse_account("//Alice").unwrap(), alice);
        let hex_text = format!("0x{}", hex::encode(AsRef::<[u8; 32]>::as_ref(&alice)));
        assert_eq!(parse_account(&hex_text).unwrap(), alice);
    }

    #[test]
    fn parse_account_of_garbage_fails() {
        for text in ["", "bob", "0x1234", "5Grwva"] {
            assert!(
                matches!(parse_account(text), Err(ClientError::InvalidInput(_))),
                "{text}"
            );
        }
    }

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
