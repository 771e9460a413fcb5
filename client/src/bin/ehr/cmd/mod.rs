//! The `ehr` tool's commands, one module per concern (as cargo-contract's `cmd/`): each
//! defines its clap commands and a `run` that parses, calls the library and prints.

pub mod admin;
pub mod chain;
pub mod consent;
pub mod doctor;
pub mod document;
pub mod emergency;
pub mod ipfs;
pub mod patient;
pub mod schedule;
pub mod serve;

pub use crate::view::{self, print_record, print_rows, print_submitted, print_value, GrantView};
pub use anyhow::{anyhow, bail, Context as _};
pub use clap::{Args, Subcommand};
pub use ehr_client::documents::EncryptionKeys;
pub use ehr_client::ehr::EmergencyCustodian;
pub use ehr_client::vault::KeyRotation;
pub use ehr_client::{parse_account, ss58, AccountId, EhrClient, IpfsBackend};
pub use futures::StreamExt;
pub use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
pub use serde_json::{json, Value};
pub use std::path::PathBuf;
pub use std::time::Duration;

/// Where document blobs go (README, "IPFS backends").
#[derive(Args, Clone)]
pub struct IpfsArgs {
    /// The embedded IPFS block store's directory (default: $XDG_DATA_HOME/ehr/ipfs, or
    /// ~/.local/share/ehr/ipfs).
    #[arg(long, global = true, env = "EHR_IPFS_DIR")]
    pub ipfs_dir: Option<PathBuf>,
    /// A peer's trustless gateway (`ehr ipfs serve`, or Kubo's gateway) to fetch blocks the
    /// embedded store lacks from; repeat for more peers.
    #[arg(
        long,
        global = true,
        env = "EHR_IPFS_PEERS",
        value_delimiter = ',',
        conflicts_with = "ipfs_api"
    )]
    pub ipfs_peer: Vec<String>,
    /// Use a Kubo daemon (or pinning service) through its RPC API instead of the embedded
    /// store, e.g. http://127.0.0.1:5001.
    #[arg(long, global = true, env = "EHR_IPFS_API")]
    pub ipfs_api: Option<String>,
}

impl IpfsArgs {
    /// The embedded store's directory.
    pub fn dir(&self) -> PathBuf {
        self.ipfs_dir
            .clone()
            .unwrap_or_else(IpfsBackend::default_dir)
    }

    /// The backend these arguments choose.
    pub fn backend(&self, timeout: Duration) -> anyhow::Result<IpfsBackend> {
        Ok(match &self.ipfs_api {
            Some(api) => IpfsBackend::kubo(api, timeout),
            None => IpfsBackend::embedded(self.dir(), self.ipfs_peer.clone(), timeout)?,
        })
    }
}

/// One page of a list.
#[derive(Args, Clone, Copy)]
pub struct PageArgs {
    /// Skip this many items.
    #[arg(long, default_value_t = 0)]
    pub offset: u32,
    /// Items per page (the contract caps pages at 20).
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
}

/// What every command that acts on the contract works with.
pub struct Context {
    /// The signer's client, attached to the contract.
    pub client: EhrClient,
    /// The signer's secret URI (for its encryption keys; never printed).
    pub suri: String,
    /// Print JSON instead of tables.
    pub json: bool,
    /// Where document blobs go.
    pub ipfs: IpfsArgs,
    /// How long to wait for the node or an IPFS peer.
    pub timeout: Duration,
}

impl Context {
    /// The signer's documents, with the generation of its encryption keys registered on chain.
    pub async fn vault(&self) -> anyhow::Result<ehr_client::DocumentVault<'_>> {
        Ok(self
            .client
            .vault_for_secret(&self.suri, self.ipfs.backend(self.timeout)?)
            .await?)
    }

    /// A progress bar on stderr for `total` bytes (a byte counter if unknown); hidden for
    /// --json and when stderr is not a terminal.
    pub fn progress(&self, what: &str, total: Option<u64>) -> ProgressBar {
        let bar = match total {
            Some(total) => ProgressBar::new(total).with_style(
                ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{msg} {spinner} {bytes} {bytes_per_sec}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        if self.json {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        bar.with_message(what.to_string())
    }

    /// The signer.
    pub fn me(&self) -> AccountId {
        self.client.account_id()
    }

    /// The account in `account_text`, or the signer.
    pub fn or_me(&self, account_text: &Option<String>) -> anyhow::Result<AccountId> {
        match account_text {
            Some(text) => account(text),
            None => Ok(self.me()),
        }
    }
}

/// Milliseconds since the Unix epoch by this machine's clock.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

/// RFC 3339, or `+<n>m|h|d` from now, to milliseconds since the epoch.
pub fn parse_time(text: &str) -> anyhow::Result<u64> {
    if let Some(relative) = text.strip_prefix('+') {
        let (number, unit) = relative.split_at(relative.len().saturating_sub(1));
        let number: u64 = number.parse().map_err(|_| {
            anyhow!("`{text}` is not a time: use RFC 3339 or +45s, +30m, +12h, +7d")
        })?;
        let unit_ms: u64 = match unit {
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => bail!("`{text}` is not a time: use RFC 3339 or +45s, +30m, +12h, +7d"),
        };
        return number
            .checked_mul(unit_ms)
            .and_then(|offset| now_ms().checked_add(offset))
            .ok_or_else(|| anyhow!("`{text}` is too far away"));
    }
    let at = chrono::DateTime::parse_from_rfc3339(text)
        .map_err(|err| anyhow!("`{text}` is not an RFC 3339 time ({err})"))?;
    u64::try_from(at.timestamp_millis()).map_err(|_| anyhow!("`{text}` is before 1970"))
}

/// Hex bytes, with or without `0x`.
pub fn parse_hex(what: &str, text: &str) -> anyhow::Result<Vec<u8>> {
    hex::decode(text.trim_start_matches("0x")).map_err(|_| anyhow!("{what} is not hex"))
}

/// 32 bytes of hex.
pub fn parse_hash(what: &str, text: &str) -> anyhow::Result<[u8; 32]> {
    parse_hex(what, text)?
        .try_into()
        .map_err(|_| anyhow!("{what} must be 32 bytes"))
}

/// An account: SS58, 0x-hex or a dev URI such as //Alice.
pub fn account(text: &str) -> anyhow::Result<AccountId> {
    Ok(parse_account(text)?)
}

/// The signer's public X25519 key of generation 0 (for registration): derived from its secret
/// key bytes (see `ehr_client::documents::crypto`).
pub fn derived_public_key(suri: &str) -> anyhow::Result<[u8; 32]> {
    Ok(EncryptionKeys::from_suri(suri)?.public_key())
}

/// Prints a record-key rotation and what it could not do.
pub fn print_rotation(what: &str, rotation: &KeyRotation, as_json: bool) {
    let reshared: Vec<String> = rotation.reshared.iter().map(ss58).collect();
    print_submitted(
        &format!(
            "{what}; record key epoch {} shared again with {} doctor(s){}",
            rotation.key_epoch,
            reshared.len(),
            if rotation.emergency_key_redeposited {
                " and re-deposited with the emergency custodian"
            } else {
                ""
            }
        ),
        &rotation.submitted,
        if as_json {
            json!({
                "key_epoch": rotation.key_epoch,
                "reshared": reshared,
                "emergency_key_redeposited": rotation.emergency_key_redeposited,
            })
        } else {
            Value::Null
        },
        as_json,
    );
    for (grantee, status) in &rotation.skipped {
        eprintln!(
            "note: the new record key was not shared with {} (doctor {status:?})",
            ss58(grantee)
        );
    }
    for (grantee, err) in &rotation.failed {
        eprintln!(
            "warning: the new record key was not shared with {}: {err}; run `ehr share-key {}`",
            ss58(grantee),
            ss58(grantee)
        );
    }
    if let Some(err) = &rotation.deposit_error {
        eprintln!(
            "warning: the new record key was not deposited with the emergency custodian: {err}; run `ehr emergency deposit-key`"
        );
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_time_works() {
        assert_eq!(parse_time("1970-01-01T00:00:01Z").unwrap(), 1000);
        assert_eq!(
            parse_time("2026-11-25T10:00:00+01:00").unwrap(),
            1_795_597_200_000
        );
        let soon = parse_time("+30m").unwrap();
        assert!(soon >= now_ms() + 29 * 60_000);
    }

    #[test]
    fn parse_time_of_garbage_fails() {
        for text in ["", "tomorrow", "+3x", "+m", "1969-12-31T23:59:59Z"] {
            assert!(parse_time(text).is_err(), "{text}");
        }
    }

    #[test]
    fn derived_key_is_stable_and_per_account() {
        assert_eq!(
            derived_public_key("//Alice").unwrap(),
            derived_public_key("//Alice").unwrap()
        );
        assert_ne!(
            derived_public_key("//Alice").unwrap(),
            derived_public_key("//Bob").unwrap()
        );
        assert!(derived_public_key("not a secret uri").is_err());
    }
}
