//! Accounts: signers from secret URIs, the account's secret key bytes (from which its
//! encryption keys derive), and the conversions between the chain's and the contract's views of
//! an account.

use crate::{ClientError, Result};
use ink::primitives::AccountId;
use schnorrkel::{
    derive::{ChainCode, Derivation},
    ExpansionMode, MiniSecretKey,
};
use std::str::FromStr;
use subxt::utils::AccountId32;
use subxt_signer::{bip39, sr25519::Keypair, DeriveJunction, ExposeSecret, SecretUri};

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

/// An account's sr25519 secret key scalar (32 bytes), the material its encryption keys derive
/// from. (Not the 32-byte nonce that follows it in schnorrkel's 64-byte secret key: soft
/// derivation draws that nonce at random, so it differs between two derivations of the same
/// account.) Two secret URIs of the same account (its mnemonic, and the hex seed that
/// mnemonic gives) yield the same bytes, so a patient who switches form keeps its keys.
#[derive(Clone)]
pub struct AccountSecret {
    account: AccountId,
    secret: [u8; 32],
}

impl std::fmt::Debug for AccountSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountSecret")
            .field("account", &ss58(&self.account))
            .finish_non_exhaustive()
    }
}

impl AccountSecret {
    /// The secret key of the account `suri` names (`//Alice`, a mnemonic with optional
    /// `//hard/soft` junctions and `///password`, or a `0x` hex seed), derived exactly as
    /// Substrate and subxt do.
    ///
    /// # Errors
    /// `InvalidInput` if `suri` is malformed; the message does not repeat it.
    pub fn from_suri(suri: &str) -> Result<Self> {
        let malformed = || ClientError::InvalidInput("the secret URI is malformed".into());
        let uri = SecretUri::from_str(suri).map_err(|_| malformed())?;
        let phrase = uri.phrase.expose_secret();
        let seed: [u8; 32] = if let Some(hex_seed) = phrase.strip_prefix("0x") {
            hex::decode(hex_seed)
                .ok()
                .and_then(|bytes| bytes.try_into().ok())
                .ok_or_else(malformed)?
        } else {
            let mnemonic = bip39::Mnemonic::from_str(phrase).map_err(|_| malformed())?;
            let (entropy, length) = mnemonic.to_entropy_array();
            let password = uri
                .password
                .as_ref()
                .map(|password| password.expose_secret().as_str())
                .unwrap_or("");
            substrate_seed(&entropy[..length], password)?
        };
        let root = MiniSecretKey::from_bytes(&seed)
            .map_err(|_| malformed())?
            .expand(ExpansionMode::Ed25519);
        let secret = uri
            .junctions
            .iter()
            .fold(root, |key, junction| match junction {
                DeriveJunction::Soft(code) => key.derived_key_simple(ChainCode(*code), []).0,
                DeriveJunction::Hard(code) => key
                    .hard_derive_mini_secret_key(Some(ChainCode(*code)), b"")
                    .0
                    .expand(ExpansionMode::Ed25519),
            });
        let account = AccountId::from(secret.to_public().to_bytes());
        // The signer subxt makes from the same URI must be the same account.
        let signer = Keypair::from_uri(&uri).map_err(|_| malformed())?;
        if signer.public_key().0 != *AsRef::<[u8; 32]>::as_ref(&account) {
            return Err(ClientError::InvalidInput(
                "the secret URI derives to two different accounts".into(),
            ));
        }
        let bytes = secret.to_bytes();
        Ok(Self {
            account,
            secret: bytes[..32].try_into().expect("32 of 64 bytes"),
        })
    }

    /// The account these bytes are the secret of.
    pub fn account(&self) -> AccountId {
        self.account
    }

    /// The secret key scalar's bytes, for key derivation.
    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.secret
    }
}

/// The 32-byte mini secret key of a BIP-39 mnemonic's entropy, as `substrate-bip39` computes it
/// (PBKDF2-HMAC-SHA512, 2048 rounds, salt `"mnemonic" ‖ password`).
fn substrate_seed(entropy: &[u8], password: &str) -> Result<[u8; 32]> {
    let mut seed = [0u8; 64];
    pbkdf2::pbkdf2::<hmac::Hmac<sha2::Sha512>>(
        entropy,
        format!("mnemonic{password}").as_bytes(),
        2048,
        &mut seed,
    )
    .map_err(|_| ClientError::InvalidInput("the secret URI is malformed".into()))?;
    Ok(seed[..32].try_into().expect("32 of 64 bytes"))
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
    fn account_secret_is_the_same_for_a_mnemonic_and_its_seed() {
        // given a mnemonic and the hex seed it gives (the dev phrase and its known seed)
        let phrase = subxt_signer::DEV_PHRASE;
        let seed = "0xfac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e";
        // when both derive the same path, then they give the same account and secret
        for path in ["", "//Alice", "//Alice/stash"] {
            let from_phrase = AccountSecret::from_suri(&format!("{phrase}{path}")).unwrap();
            let from_seed = AccountSecret::from_suri(&format!("{seed}{path}")).unwrap();
            assert_eq!(from_phrase.account(), from_seed.account(), "{path}");
            assert_eq!(from_phrase.bytes(), from_seed.bytes(), "{path}");
        }
        // and `//Alice` alone is the dev account Alice
        assert_eq!(
            AccountSecret::from_suri("//Alice").unwrap().account(),
            account_from_dev_uri("//Alice").unwrap()
        );
    }

    #[test]
    fn account_secret_of_garbage_fails() {
        for suri in ["not a mnemonic at all", "0x1234", "0xzz"] {
            assert!(
                matches!(
                    AccountSecret::from_suri(suri),
                    Err(ClientError::InvalidInput(_))
                ),
                "{suri}"
            );
        }
    }
}
